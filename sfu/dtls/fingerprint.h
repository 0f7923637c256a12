// Certificate fingerprints as SDP carries them (RFC 8122 §5, RFC 4572):
//   a=fingerprint:sha-256 AB:CD:01:...
// The hash name is case-insensitive; the value is uppercase hex pairs separated by colons.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sfu::dtls {

enum class HashAlgorithm : uint8_t { kSha1, kSha224, kSha256, kSha384, kSha512 };

// "sha-256" etc. (case-insensitive); nullopt for md5/md2 and anything unknown.
std::optional<HashAlgorithm> parseHashAlgorithm(std::string_view name);
// The SDP token: "sha-256".
std::string_view hashAlgorithmName(HashAlgorithm algorithm);
// Digest size in bytes (20, 28, 32, 48, 64).
size_t hashAlgorithmSize(HashAlgorithm algorithm);

// "AB:CD:..." for the given bytes.
std::string formatFingerprintHex(std::span<const uint8_t> bytes);

class Fingerprint {
 public:
  static constexpr size_t kMaxSize = 64;

  Fingerprint() = default;
  Fingerprint(HashAlgorithm algorithm, std::span<const uint8_t> digest);

  // From the two SDP tokens; nullopt when the algorithm is unknown, the hex is malformed or the
  // digest length does not match the algorithm.
  static std::optional<Fingerprint> parse(std::string_view algorithm, std::string_view hex);
  // From an attribute value "sha-256 AB:CD:..." (after "a=fingerprint:").
  static std::optional<Fingerprint> parseAttribute(std::string_view value);

  HashAlgorithm algorithm() const { return algorithm_; }
  std::span<const uint8_t> digest() const { return {digest_.data(), size_}; }
  // "AB:CD:..." (no algorithm).
  std::string hex() const;
  // "sha-256 AB:CD:..." (the attribute value).
  std::string toAttribute() const;

  friend bool operator==(const Fingerprint& a, const Fingerprint& b);

 private:
  HashAlgorithm algorithm_ = HashAlgorithm::kSha256;
  std::array<uint8_t, kMaxSize> digest_{};
  size_t size_ = 0;
};

}  // namespace sfu::dtls
