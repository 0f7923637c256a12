#include "signaling/store/field_cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cctype>
#include <memory>

#include "signaling/store/call_store.h"

namespace signaling::store {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kNonceLen = 12;
constexpr size_t kTagLen = 16;

std::optional<std::string> decodeHex64(std::string_view s) {
  if (s.size() != 64) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < 64; i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

void hkdf(std::string_view ikm, std::string_view salt, std::string_view info, uint8_t* out,
          size_t out_len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (!kdf) throw StoreError("HKDF unavailable");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (!ctx) throw StoreError("HKDF context");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()), ikm.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  int rc = EVP_KDF_derive(ctx, out, out_len, params);
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) throw StoreError("HKDF derive failed");
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

std::string randomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw StoreError("RAND_bytes failed");
  }
  return out;
}

FieldCipher FieldCipher::derive(std::string_view db_key, std::string_view salt,
                                uint32_t pbkdf2_iterations) {
  std::string ikm;
  if (auto raw = decodeHex64(db_key)) {
    ikm = std::move(*raw);
  } else {
    ikm.resize(32);
    if (PKCS5_PBKDF2_HMAC(db_key.data(), static_cast<int>(db_key.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), static_cast<int>(pbkdf2_iterations),
                          EVP_sha256(), 32, reinterpret_cast<unsigned char*>(ikm.data())) != 1) {
      throw StoreError("PBKDF2 failed");
    }
  }
  FieldCipher c;
  hkdf(ikm, salt, "sfu-server call store v1 aes-256-gcm", c.enc_key_.data(), c.enc_key_.size());
  hkdf(ikm, salt, "sfu-server call store v1 lookup hmac", c.mac_key_.data(), c.mac_key_.size());
  OPENSSL_cleanse(ikm.data(), ikm.size());
  return c;
}

std::string FieldCipher::seal(std::string_view plaintext, std::string_view aad) const {
  std::string out(kOverhead + plaintext.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  o[0] = kVersion;
  if (RAND_bytes(o + 1, kNonceLen) != 1) throw StoreError("RAND_bytes failed");
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) &&
            EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, enc_key_.data(), o + 1) &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                              reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) &&
            EVP_EncryptUpdate(ctx.get(), o + 1 + kNonceLen, &len,
                              reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) &&
            EVP_EncryptFinal_ex(ctx.get(), o + 1 + kNonceLen + len, &len) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagLen,
                                o + 1 + kNonceLen + plaintext.size());
  if (!ok) throw StoreError("AES-GCM encrypt failed");
  return out;
}

std::optional<std::string> FieldCipher::open(std::string_view sealed, std::string_view aad) const {
  if (sealed.size() < kOverhead || static_cast<uint8_t>(sealed[0]) != kVersion) {
    return std::nullopt;
  }
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  size_t n = sealed.size() - kOverhead;
  std::string out(n, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  unsigned char tag[kTagLen];
  std::copy(in + 1 + kNonceLen + n, in + 1 + kNonceLen + n + kTagLen, tag);
  bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, enc_key_.data(), in + 1) &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        in + 1 + kNonceLen, static_cast<int>(n)) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagLen, tag) &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) == 1;
  if (!ok) return std::nullopt;
  return out;
}

std::string FieldCipher::lookupHash(std::string_view value) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), mac_key_.data(), static_cast<int>(mac_key_.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace signaling::store
