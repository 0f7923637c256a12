#include "sfu/dtls/fingerprint.h"

#include <algorithm>
#include <cstring>

namespace sfu::dtls {
namespace {

struct AlgorithmInfo {
  HashAlgorithm algorithm;
  std::string_view name;
  size_t size;
};

// RFC 8122 §5: hash function names from the IANA "Hash Function Textual Names" registry.
constexpr std::array<AlgorithmInfo, 5> kAlgorithms{{
    {HashAlgorithm::kSha1, "sha-1", 20},
    {HashAlgorithm::kSha224, "sha-224", 28},
    {HashAlgorithm::kSha256, "sha-256", 32},
    {HashAlgorithm::kSha384, "sha-384", 48},
    {HashAlgorithm::kSha512, "sha-512", 64},
}};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<HashAlgorithm> parseHashAlgorithm(std::string_view name) {
  for (const auto& info : kAlgorithms) {
    if (equalsIgnoreCase(name, info.name)) return info.algorithm;
  }
  return std::nullopt;
}

std::string_view hashAlgorithmName(HashAlgorithm algorithm) {
  return kAlgorithms[static_cast<size_t>(algorithm)].name;
}

size_t hashAlgorithmSize(HashAlgorithm algorithm) {
  return kAlgorithms[static_cast<size_t>(algorithm)].size;
}

std::string formatFingerprintHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out.push_back(':');
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0f]);
  }
  return out;
}

Fingerprint::Fingerprint(HashAlgorithm algorithm, std::span<const uint8_t> digest)
    : algorithm_(algorithm), size_(std::min(digest.size(), kMaxSize)) {
  std::memcpy(digest_.data(), digest.data(), size_);
}

std::optional<Fingerprint> Fingerprint::parse(std::string_view algorithm, std::string_view hex) {
  auto alg = parseHashAlgorithm(algorithm);
  if (!alg) return std::nullopt;
  const size_t want = hashAlgorithmSize(*alg);
  // "XX" then ":XX" per further byte.
  if (hex.size() != want * 3 - 1) return std::nullopt;
  std::array<uint8_t, kMaxSize> bytes{};
  for (size_t i = 0; i < want; ++i) {
    const size_t at = i * 3;
    if (i != 0 && hex[at - 1] != ':') return std::nullopt;
    int hi = hexValue(hex[at]);
    int lo = hexValue(hex[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return Fingerprint(*alg, std::span<const uint8_t>(bytes.data(), want));
}

std::optional<Fingerprint> Fingerprint::parseAttribute(std::string_view value) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
      s.remove_suffix(1);
    }
    return s;
  };
  value = trim(value);
  size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return parse(value.substr(0, space), trim(value.substr(space + 1)));
}

std::string Fingerprint::hex() const { return formatFingerprintHex(digest()); }

std::string Fingerprint::toAttribute() const {
  std::string out(hashAlgorithmName(algorithm_));
  out.push_back(' ');
  out += hex();
  return out;
}

bool operator==(const Fingerprint& a, const Fingerprint& b) {
  return a.algorithm_ == b.algorithm_ && a.size_ == b.size_ &&
         std::memcmp(a.digest_.data(), b.digest_.data(), a.size_) == 0;
}

}  // namespace sfu::dtls
