#include "signaling/auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <memory>

#include "signaling/auth/base64url.h"

namespace signaling::auth {
namespace {

using nlohmann::json;
constexpr int64_t kNow = 1'700'000'000;
constexpr char kSecret[] = "test-secret-0123456789";

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

Key makeRsa(int bits = 2048) { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)); }
// RSA key generation is slow: the tests share one key.
EVP_PKEY* sharedRsa() {
  static Key key = makeRsa();
  return key.get();
}
Key makeEc(const char* curve = "P-256") {
  return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

std::string publicPem(EVP_PKEY* k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

std::string evpSign(EVP_PKEY* k, std::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  return sig;
}

std::string derToRaw(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string signingInput(const json& header, const json& payload) {
  return base64urlEncode(header.dump()) + "." + base64urlEncode(payload.dump());
}

std::string signAsym(EVP_PKEY* k, const std::string& alg, const json& payload) {
  std::string input = signingInput({{"alg", alg}, {"typ", "JWT"}}, payload);
  std::string sig = evpSign(k, input);
  if (alg == "ES256") sig = derToRaw(sig);
  return input + "." + base64urlEncode(sig);
}

std::string signHsWithHeader(const json& header, const json& payload, std::string_view key) {
  std::string input = signingInput(header, payload);
  return input + "." + base64urlEncode(hmac(key, input));
}

json claims(json extra = json::object()) {
  json c = {{"sub", "user_1"}, {"exp", kNow + 3600}, {"iat", kNow}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return c;
}

TEST(JwtTest, ValidHs256GivesSubject) {
  JwtVerifier v(kSecret);
  auto r = v.verify(signHs256(claims(), kSecret), kNow);
  ASSERT_TRUE(r.ok()) << jwtErrorName(r.error);
  EXPECT_EQ(r.claims->user_id, "user_1");
  EXPECT_EQ(r.claims->alg, "HS256");
}

TEST(JwtTest, UserIdClaimWhenNoSub) {
  JwtVerifier v(kSecret);
  auto r = v.verify(signHs256({{"user_id", "u_9"}, {"exp", kNow + 10}}, kSecret), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.claims->user_id, "u_9");
  auto n = v.verify(signHs256({{"user_id", 42}}, kSecret), kNow);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.claims->user_id, "42");
}

TEST(JwtTest, ClaimTable) {
  struct Case {
    const char* name;
    json payload;
    JwtError error;
  };
  const Case cases[] = {
      {"no exp accepted", {{"sub", "a"}}, JwtError::kNone},
      {"expired", claims({{"exp", kNow - 60}}), JwtError::kExpired},
      {"expired within leeway", claims({{"exp", kNow - 10}}), JwtError::kNone},
      {"nbf future", claims({{"nbf", kNow + 120}}), JwtError::kNotYetValid},
      {"nbf within leeway", claims({{"nbf", kNow + 10}}), JwtError::kNone},
      {"exp string", claims({{"exp", "soon"}}), JwtError::kBadClaims},
      {"nbf string", claims({{"nbf", "1"}}), JwtError::kBadClaims},
      {"no subject", {{"exp", kNow + 10}}, JwtError::kNoSubject},
      {"empty sub", {{"sub", ""}}, JwtError::kNoSubject},
      {"sub object", {{"sub", json::object()}}, JwtError::kNoSubject},
      {"sub bad, user_id ok", {{"sub", ""}, {"user_id", "x"}}, JwtError::kNone},
  };
  JwtVerifier v(kSecret);
  for (const auto& c : cases) {
    auto r = v.verify(signHs256(c.payload, kSecret), kNow);
    EXPECT_EQ(r.error, c.error) << c.name << ": " << jwtErrorName(r.error);
    EXPECT_EQ(r.ok(), c.error == JwtError::kNone) << c.name;
  }
}

TEST(JwtTest, WrongKeyAndTamperedPayload) {
  JwtVerifier v(kSecret);
  EXPECT_EQ(v.verify(signHs256(claims(), "other-secret"), kNow).error, JwtError::kBadSignature);
  std::string t = signHs256(claims(), kSecret);
  size_t d1 = t.find('.'), d2 = t.rfind('.');
  std::string forged =
      t.substr(0, d1 + 1) + base64urlEncode(claims({{"sub", "admin"}}).dump()) + t.substr(d2);
  EXPECT_EQ(v.verify(forged, kNow).error, JwtError::kBadSignature);
  JwtVerifier no_secret("");
  EXPECT_EQ(no_secret.verify(t, kNow).error, JwtError::kAlgKeyMismatch);
}

TEST(JwtTest, AlgNoneAndUnknownAlgs) {
  JwtVerifier v(kSecret);
  for (const char* alg : {"none", "None", "NONE"}) {
    std::string t = signingInput({{"alg", alg}}, claims()) + ".";
    EXPECT_EQ(v.verify(t, kNow).error, JwtError::kAlgNone) << alg;
  }
  EXPECT_EQ(v.verify(signHsWithHeader({{"alg", "HS512"}}, claims(), kSecret), kNow).error,
            JwtError::kUnsupportedAlg);
  EXPECT_EQ(v.verify(signHsWithHeader({{"typ", "JWT"}}, claims(), kSecret), kNow).error,
            JwtError::kUnsupportedHeader);
  EXPECT_EQ(v.verify(signHsWithHeader({{"alg", 5}}, claims(), kSecret), kNow).error,
            JwtError::kUnsupportedHeader);
  EXPECT_EQ(
      v.verify(signHsWithHeader({{"alg", "HS256"}, {"crit", {"exp"}}}, claims(), kSecret), kNow)
          .error,
      JwtError::kUnsupportedHeader);
}

TEST(JwtTest, MalformedTokens) {
  JwtVerifier v(kSecret);
  std::string good = signHs256(claims(), kSecret);
  std::string h = good.substr(0, good.find('.'));
  std::string sig = good.substr(good.rfind('.') + 1);
  struct Case {
    const char* name;
    std::string token;
    JwtError error;
  };
  const Case cases[] = {
      {"empty", "", JwtError::kMalformed},
      {"one part", "abc", JwtError::kMalformed},
      {"two parts", "abc.def", JwtError::kMalformed},
      {"four parts", good + ".x", JwtError::kMalformed},
      {"empty header", "." + good.substr(good.find('.') + 1), JwtError::kMalformed},
      {"padding", h + "=." + good.substr(good.find('.') + 1), JwtError::kBadEncoding},
      {"std alphabet", h + ".ab+/." + sig, JwtError::kBadEncoding},
      {"len 1 mod 4", h + ".abcde." + sig, JwtError::kBadEncoding},
      {"non-canonical tail bits", h + ".eyJ." + sig.substr(0, sig.size() - 1) + "B",
       JwtError::kBadEncoding},
      {"payload not json", h + "." + base64urlEncode("{nope") + "." + sig, JwtError::kBadJson},
      {"payload array", h + "." + base64urlEncode("[1]") + "." + sig, JwtError::kBadJson},
      {"header not json", base64urlEncode("xx") + "." + base64urlEncode("{}") + "." + sig,
       JwtError::kBadJson},
      {"too large", std::string(JwtVerifier::kMaxTokenBytes + 1, 'a'), JwtError::kTooLarge},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(v.verify(c.token, kNow).error, c.error) << c.name;
  }
}

TEST(JwtTest, Rs256WithGeneratedKey) {
  EVP_PKEY* k = sharedRsa();
  ASSERT_TRUE(k);
  JwtVerifier v("");
  std::string err;
  ASSERT_TRUE(v.setPublicKeyPem(publicPem(k), &err)) << err;
  auto r = v.verify(signAsym(k, "RS256", claims()), kNow);
  ASSERT_TRUE(r.ok()) << jwtErrorName(r.error);
  EXPECT_EQ(r.claims->user_id, "user_1");
  // Another RSA key's signature fails.
  // A changed byte of the signature fails.
  std::string t = signAsym(k, "RS256", claims());
  std::string sig = *base64urlDecode(t.substr(t.rfind('.') + 1));
  sig[10] ^= 0x40;
  EXPECT_EQ(v.verify(t.substr(0, t.rfind('.') + 1) + base64urlEncode(sig), kNow).error,
            JwtError::kBadSignature);
  // Expiry is still enforced.
  EXPECT_EQ(v.verify(signAsym(k, "RS256", claims({{"exp", kNow - 100}})), kNow).error,
            JwtError::kExpired);
}

TEST(JwtTest, Es256WithGeneratedKey) {
  Key k = makeEc();
  ASSERT_TRUE(k);
  JwtVerifier v("");
  std::string err;
  ASSERT_TRUE(v.setPublicKeyPem(publicPem(k.get()), &err)) << err;
  std::string t = signAsym(k.get(), "ES256", claims());
  auto r = v.verify(t, kNow);
  ASSERT_TRUE(r.ok()) << jwtErrorName(r.error);
  // A DER signature (what OpenSSL emits) is not a JWS ES256 signature.
  std::string input = signingInput({{"alg", "ES256"}}, claims());
  EXPECT_EQ(v.verify(input + "." + base64urlEncode(evpSign(k.get(), input)), kNow).error,
            JwtError::kBadSignature);
  // A flipped bit in r fails.
  std::string sig = *base64urlDecode(t.substr(t.rfind('.') + 1));
  sig[3] ^= 1;
  EXPECT_EQ(v.verify(t.substr(0, t.rfind('.') + 1) + base64urlEncode(sig), kNow).error,
            JwtError::kBadSignature);
}

TEST(JwtTest, AlgorithmConfusionRefused) {
  EVP_PKEY* rsa = sharedRsa();
  Key ec = makeEc();
  std::string rsa_pem = publicPem(rsa);
  // Classic confusion: HS256 "signed" with the public key PEM as the HMAC secret.
  JwtVerifier with_key(kSecret);
  ASSERT_TRUE(with_key.setPublicKeyPem(rsa_pem));
  EXPECT_EQ(with_key.verify(signHs256(claims(), rsa_pem), kNow).error, JwtError::kAlgKeyMismatch);
  EXPECT_EQ(with_key.verify(signHs256(claims(), kSecret), kNow).error, JwtError::kAlgKeyMismatch);
  // ES256 token against an RSA key, RS256 token against an EC key.
  EXPECT_EQ(with_key.verify(signAsym(ec.get(), "ES256", claims()), kNow).error,
            JwtError::kAlgKeyMismatch);
  JwtVerifier ec_only("");
  ASSERT_TRUE(ec_only.setPublicKeyPem(publicPem(ec.get())));
  EXPECT_EQ(ec_only.verify(signAsym(rsa, "RS256", claims()), kNow).error,
            JwtError::kAlgKeyMismatch);
  // RS256 header with an HMAC signature and only a secret configured.
  JwtVerifier secret_only(kSecret);
  EXPECT_EQ(secret_only.verify(signHsWithHeader({{"alg", "RS256"}}, claims(), kSecret), kNow).error,
            JwtError::kAlgKeyMismatch);
}

TEST(JwtTest, UnsuitablePublicKeysRefused) {
  JwtVerifier v("");
  std::string err;
  EXPECT_FALSE(v.setPublicKeyPem("not a pem", &err));
  Key small = makeRsa(1024);
  EXPECT_FALSE(v.setPublicKeyPem(publicPem(small.get()), &err));
  Key p384 = makeEc("P-384");
  EXPECT_FALSE(v.setPublicKeyPem(publicPem(p384.get()), &err));
  EXPECT_FALSE(v.hasPublicKey());
  EXPECT_FALSE(v.loadPublicKeyFile("/nonexistent/key.pem", &err));
}

TEST(Base64urlTest, RoundTripsAllLengths) {
  std::string bytes;
  for (int n = 0; n < 70; ++n) {
    auto enc = base64urlEncode(bytes);
    auto dec = base64urlDecode(enc);
    ASSERT_TRUE(dec) << n;
    EXPECT_EQ(*dec, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 11));
  }
  EXPECT_EQ(base64urlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64urlDecode("-_9"));  // non-zero unused bits
  EXPECT_FALSE(base64urlDecode("a b="));
}

}  // namespace
}  // namespace signaling::auth
