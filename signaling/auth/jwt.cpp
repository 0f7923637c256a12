#include "signaling/auth/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "signaling/auth/base64url.h"

namespace signaling::auth {
namespace {

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// ES256 signatures are the raw big-endian r || s, 32 bytes each (RFC 7518 section 3.4); OpenSSL's
// EVP verify wants the DER ECDSA-Sig-Value SEQUENCE { r INTEGER, s INTEGER }.
std::optional<std::string> rawEcdsaToDer(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (!sig) return std::nullopt;
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool evpVerifySha256(EVP_PKEY* pkey, std::string_view data, std::string_view sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::optional<nlohmann::json> parseObject(std::string_view b64) {
  auto raw = base64urlDecode(b64);
  if (!raw) return std::nullopt;
  auto j = nlohmann::json::parse(*raw, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return nlohmann::json();  // null: bad JSON
  return j;
}

// A user id claim: a non-empty string, or an integer (many backends use numeric ids).
std::optional<std::string> userIdClaim(const nlohmann::json& v) {
  if (v.is_string()) {
    auto s = v.get<std::string>();
    if (!s.empty() && s.size() <= 256) return s;
    return std::nullopt;
  }
  if (v.is_number_integer()) return v.dump();
  return std::nullopt;
}

}  // namespace

const char* jwtErrorName(JwtError e) {
  switch (e) {
    case JwtError::kNone:
      return "none";
    case JwtError::kTooLarge:
      return "too_large";
    case JwtError::kMalformed:
      return "malformed";
    case JwtError::kBadEncoding:
      return "bad_encoding";
    case JwtError::kBadJson:
      return "bad_json";
    case JwtError::kUnsupportedHeader:
      return "unsupported_header";
    case JwtError::kAlgNone:
      return "alg_none";
    case JwtError::kUnsupportedAlg:
      return "unsupported_alg";
    case JwtError::kAlgKeyMismatch:
      return "alg_key_mismatch";
    case JwtError::kBadSignature:
      return "bad_signature";
    case JwtError::kBadClaims:
      return "bad_claims";
    case JwtError::kExpired:
      return "expired";
    case JwtError::kNotYetValid:
      return "not_yet_valid";
    case JwtError::kNoSubject:
      return "no_subject";
  }
  return "unknown";
}

void JwtVerifier::PkeyFree::operator()(void* p) const { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); }

JwtVerifier::JwtVerifier(std::string hs256_secret, int64_t leeway_s)
    : secret_(std::move(hs256_secret)), leeway_s_(leeway_s) {}
JwtVerifier::~JwtVerifier() = default;
JwtVerifier::JwtVerifier(JwtVerifier&&) noexcept = default;
JwtVerifier& JwtVerifier::operator=(JwtVerifier&&) noexcept = default;

bool JwtVerifier::setPublicKeyPem(std::string_view pem, std::string* error) {
  auto fail = [&](const char* msg) {
    if (error) *error = msg;
    return false;
  };
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return fail("out of memory");
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return fail("not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
  std::unique_ptr<void, PkeyFree> holder(key);
  KeyKind kind = KeyKind::kNone;
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < 2048) return fail("RSA key shorter than 2048 bits");
    kind = KeyKind::kRsa;
  } else if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &len) != 1 ||
        std::string_view(group, len) != "prime256v1") {
      return fail("EC key is not P-256 (ES256 needs prime256v1)");
    }
    kind = KeyKind::kEcP256;
  } else {
    return fail("unsupported public key type (RSA or EC P-256)");
  }
  pkey_ = std::move(holder);
  key_kind_ = kind;
  return true;
}

bool JwtVerifier::loadPublicKeyFile(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot open " + path;
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return setPublicKeyPem(ss.str(), error);
}

JwtVerifyResult JwtVerifier::verify(std::string_view token, int64_t now_s) const {
  auto fail = [](JwtError e) { return JwtVerifyResult{std::nullopt, e}; };
  if (token.size() > kMaxTokenBytes) return fail(JwtError::kTooLarge);
  size_t d1 = token.find('.');
  if (d1 == std::string_view::npos) return fail(JwtError::kMalformed);
  size_t d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return fail(JwtError::kMalformed);
  }
  std::string_view h64 = token.substr(0, d1);
  std::string_view p64 = token.substr(d1 + 1, d2 - d1 - 1);
  std::string_view s64 = token.substr(d2 + 1);
  if (h64.empty() || p64.empty()) return fail(JwtError::kMalformed);

  auto header = parseObject(h64);
  if (!header) return fail(JwtError::kBadEncoding);
  if (header->is_null()) return fail(JwtError::kBadJson);
  auto payload = parseObject(p64);
  if (!payload) return fail(JwtError::kBadEncoding);
  if (payload->is_null()) return fail(JwtError::kBadJson);
  auto sig = base64urlDecode(s64);
  if (!sig) return fail(JwtError::kBadEncoding);

  // RFC 7515 section 4.1.11: a `crit` we do not understand makes the JWS invalid.
  if (header->contains("crit")) return fail(JwtError::kUnsupportedHeader);
  auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string()) return fail(JwtError::kUnsupportedHeader);
  std::string alg = alg_it->get<std::string>();

  std::string_view signing_input = token.substr(0, d2);
  // RFC 8725 section 3.1: verify with the algorithm the key was configured for, never the one the
  // token names alone.
  if (alg == "HS256") {
    if (secret_.empty() || pkey_) return fail(JwtError::kAlgKeyMismatch);
    std::string mac = hmacSha256(secret_, signing_input);
    if (sig->size() != mac.size() || CRYPTO_memcmp(sig->data(), mac.data(), mac.size()) != 0) {
      return fail(JwtError::kBadSignature);
    }
  } else if (alg == "RS256") {
    if (key_kind_ != KeyKind::kRsa) return fail(JwtError::kAlgKeyMismatch);
    if (!evpVerifySha256(static_cast<EVP_PKEY*>(pkey_.get()), signing_input, *sig)) {
      return fail(JwtError::kBadSignature);
    }
  } else if (alg == "ES256") {
    if (key_kind_ != KeyKind::kEcP256) return fail(JwtError::kAlgKeyMismatch);
    auto der = rawEcdsaToDer(*sig);
    if (!der || !evpVerifySha256(static_cast<EVP_PKEY*>(pkey_.get()), signing_input, *der)) {
      return fail(JwtError::kBadSignature);
    }
  } else {
    std::string lower;
    for (char c : alg) lower.push_back(static_cast<char>(std::tolower(static_cast<uint8_t>(c))));
    return fail(lower == "none" ? JwtError::kAlgNone : JwtError::kUnsupportedAlg);
  }

  // RFC 7519 sections 4.1.4 and 4.1.5 (NumericDate, seconds; fractions allowed).
  if (auto it = payload->find("exp"); it != payload->end()) {
    if (!it->is_number()) return fail(JwtError::kBadClaims);
    if (now_s - leeway_s_ >= it->get<double>()) return fail(JwtError::kExpired);
  }
  if (auto it = payload->find("nbf"); it != payload->end()) {
    if (!it->is_number()) return fail(JwtError::kBadClaims);
    if (now_s + leeway_s_ < it->get<double>()) return fail(JwtError::kNotYetValid);
  }
  std::optional<std::string> user;
  if (auto it = payload->find("sub"); it != payload->end()) user = userIdClaim(*it);
  if (!user) {
    if (auto it = payload->find("user_id"); it != payload->end()) user = userIdClaim(*it);
  }
  if (!user) return fail(JwtError::kNoSubject);
  return JwtVerifyResult{JwtClaims{std::move(*user), std::move(alg), std::move(*payload)},
                         JwtError::kNone};
}

std::string signHs256(const nlohmann::json& payload, std::string_view secret) {
  std::string input =
      base64urlEncode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64urlEncode(payload.dump());
  return input + "." + base64urlEncode(hmacSha256(secret, input));
}

}  // namespace signaling::auth
