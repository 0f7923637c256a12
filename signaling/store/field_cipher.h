// Encryption at rest for single database values: AES-256-GCM (NIST SP 800-38D) with a random
// 96-bit nonce per value, and HMAC-SHA256 lookup hashes so equality queries work on encrypted
// columns. Keys come from the operator's db_key:
//   64 hex digits → 32 bytes of key material; anything else → a passphrase through
//   PBKDF2-HMAC-SHA256 (RFC 8018 section 5.2) with a per-database salt;
// then HKDF-SHA256 (RFC 5869) expands it into independent encryption and lookup keys.
//
// Sealed value layout:
//   +---------+----------------+----------------------+-------------+
//   | 0x01    | nonce (12)     | ciphertext (n)       | tag (16)    |
//   +---------+----------------+----------------------+-------------+
// The associated data binds a value to its place (table, column, call id), so a value copied into
// another row fails to open.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace signaling::store {

class FieldCipher {
 public:
  static constexpr uint32_t kDefaultPbkdf2Iterations = 210000;
  static constexpr size_t kOverhead = 1 + 12 + 16;

  // Throws StoreError if OpenSSL fails.
  static FieldCipher derive(std::string_view db_key, std::string_view salt,
                            uint32_t pbkdf2_iterations = kDefaultPbkdf2Iterations);

  std::string seal(std::string_view plaintext, std::string_view aad) const;
  // nullopt: wrong key, tampered, or not a sealed value.
  std::optional<std::string> open(std::string_view sealed, std::string_view aad) const;
  // 32-byte keyed hash for lookups.
  std::string lookupHash(std::string_view value) const;

 private:
  FieldCipher() = default;
  std::array<uint8_t, 32> enc_key_{};
  std::array<uint8_t, 32> mac_key_{};
};

// Cryptographically random bytes (throws StoreError on failure).
std::string randomBytes(size_t n);

}  // namespace signaling::store
