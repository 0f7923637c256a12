// JSON Web Token verification (RFC 7519 on JWS compact serialization, RFC 7515) for the REST API
// and Socket.IO, plus an HS256 signer for the dev-token endpoint and tests.
//
//   token = BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)
//
// Accepted algorithms (RFC 7518 section 3): HS256 with the shared secret; RS256 and ES256 with a
// PEM public key (RSA >= 2048 bits, or EC P-256). Following RFC 8725 (JWT best current practice):
// `alg: none` and unknown algorithms are refused, and the algorithm must fit the configured key
// (section 2.1, algorithm confusion): once a public key is configured HS256 tokens are refused, and
// RS256/ES256 tokens are never checked against the secret. `exp` and `nbf` (RFC 7519 sections
// 4.1.4/4.1.5) are enforced with a small leeway. The user is `sub`, else `user_id`.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace signaling::auth {

enum class JwtError {
  kNone,
  kTooLarge,           // longer than kMaxTokenBytes
  kMalformed,          // not three '.'-separated parts
  kBadEncoding,        // a part is not strict base64url
  kBadJson,            // header or payload is not a JSON object
  kUnsupportedHeader,  // `crit` present, or `alg` missing / not a string
  kAlgNone,            // alg "none"
  kUnsupportedAlg,     // an algorithm we do not implement
  kAlgKeyMismatch,     // no key of the kind this algorithm needs (includes algorithm confusion)
  kBadSignature,
  kBadClaims,  // exp / nbf present but not numbers
  kExpired,
  kNotYetValid,
  kNoSubject,  // neither `sub` nor `user_id` usable
};

const char* jwtErrorName(JwtError e);

struct JwtClaims {
  std::string user_id;
  std::string alg;
  nlohmann::json payload;
};

struct JwtVerifyResult {
  std::optional<JwtClaims> claims;
  JwtError error = JwtError::kNone;
  bool ok() const { return claims.has_value(); }
};

class JwtVerifier {
 public:
  static constexpr size_t kMaxTokenBytes = 8192;
  static constexpr int64_t kDefaultLeewaySeconds = 30;

  // `hs256_secret` empty: HS256 is refused.
  explicit JwtVerifier(std::string hs256_secret, int64_t leeway_s = kDefaultLeewaySeconds);
  ~JwtVerifier();
  JwtVerifier(JwtVerifier&&) noexcept;
  JwtVerifier& operator=(JwtVerifier&&) noexcept;

  // Installs an RSA (>= 2048 bits) or EC P-256 public key. From then on HS256 is refused.
  // Returns false with a message for an unreadable or unsuitable key.
  bool setPublicKeyPem(std::string_view pem, std::string* error = nullptr);
  bool loadPublicKeyFile(const std::string& path, std::string* error = nullptr);
  bool hasPublicKey() const { return pkey_ != nullptr; }

  // `now_s`: Unix seconds.
  JwtVerifyResult verify(std::string_view token, int64_t now_s) const;

 private:
  struct PkeyFree {
    void operator()(void* p) const;
  };
  std::string secret_;
  int64_t leeway_s_;
  std::unique_ptr<void, PkeyFree> pkey_;  // EVP_PKEY*
  enum class KeyKind { kNone, kRsa, kEcP256 } key_kind_ = KeyKind::kNone;
};

// HS256-signed compact JWT over `payload` (header {"alg":"HS256","typ":"JWT"}).
std::string signHs256(const nlohmann::json& payload, std::string_view secret);

}  // namespace signaling::auth
