// STUN messages (RFC 8489, formerly RFC 5389): a zero-copy parsed view and a writer over a caller
// buffer. Only what ICE-lite and consent freshness need is decoded; other attributes are skipped,
// and unknown comprehension-required ones (type < 0x8000) are reported so a server can answer 420.
//
// Header (RFC 8489 §5):
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |0 0|     STUN Message Type     |         Message Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Magic Cookie                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Transaction ID (96 bits)                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// Message type: M11..M7 C1 M6..M4 C0 M3..M0 (class bits interleaved with the method).
// Attributes: Type(16) Length(16) Value, padded to 4 bytes (RFC 8489 §14).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sfu/net/endpoint.h"

namespace sfu::ice {

inline constexpr uint32_t kStunMagicCookie = 0x2112A442;
inline constexpr size_t kStunHeaderSize = 20;
inline constexpr uint16_t kStunMethodBinding = 0x001;

enum class StunClass : uint8_t { kRequest = 0, kIndication = 1, kSuccess = 2, kError = 3 };

namespace stun_attr {
inline constexpr uint16_t kMappedAddress = 0x0001;
inline constexpr uint16_t kUsername = 0x0006;
inline constexpr uint16_t kMessageIntegrity = 0x0008;
inline constexpr uint16_t kErrorCode = 0x0009;
inline constexpr uint16_t kUnknownAttributes = 0x000A;
inline constexpr uint16_t kRealm = 0x0014;
inline constexpr uint16_t kNonce = 0x0015;
inline constexpr uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr uint16_t kXorMappedAddress = 0x0020;
inline constexpr uint16_t kPriority = 0x0024;      // RFC 8445 §16.1
inline constexpr uint16_t kUseCandidate = 0x0025;  // RFC 8445 §16.1
inline constexpr uint16_t kSoftware = 0x8022;
inline constexpr uint16_t kFingerprint = 0x8028;
inline constexpr uint16_t kIceControlled = 0x8029;   // RFC 8445 §16.1
inline constexpr uint16_t kIceControlling = 0x802A;  // RFC 8445 §16.1
inline constexpr uint16_t kGoogNetworkInfo = 0xC057;
}  // namespace stun_attr

using TransactionId = std::array<uint8_t, 12>;

inline constexpr uint16_t stunType(uint16_t method, StunClass cls) {
  const auto c = static_cast<uint16_t>(cls);
  return static_cast<uint16_t>((method & 0x000F) | ((method & 0x0070) << 1) |
                               ((method & 0x0F80) << 2) | ((c & 0x1) << 4) | ((c & 0x2) << 7));
}

enum class StunParseError : uint8_t {
  kNone = 0,
  kTooShort,            // fewer than 20 bytes
  kNotStun,             // top two bits set: not a STUN message (RFC 7983 demux)
  kBadMagicCookie,      // RFC 5389+ messages only; classic RFC 3489 is not supported
  kBadLength,           // header length not a multiple of 4 or not matching the datagram
  kTruncatedAttribute,  // attribute runs past the end of the message
  kBadAttribute,        // a known attribute with an invalid length or value
  kAfterFingerprint,    // attributes after FINGERPRINT (RFC 8489 §14.7: it must be last)
};
std::string_view toString(StunParseError e);

struct StunErrorCode {
  uint16_t code = 0;  // 300..699
  std::string_view reason;
};

struct StunParseResult;

// A parsed view over a STUN message. Holds pointers into the input: the bytes must outlive it.
class StunMessage {
 public:
  static constexpr size_t kMaxUnknown = 8;

  // Never throws. `data` must be exactly one STUN message (for TCP, already de-framed).
  static StunParseResult parse(std::span<const uint8_t> data);
  // Cheap check used by demux: header shape + magic cookie + length matching the datagram.
  static bool looksLikeStun(std::span<const uint8_t> data);

  uint16_t type() const { return type_; }
  uint16_t method() const;
  StunClass messageClass() const;
  bool isBindingRequest() const {
    return type_ == stunType(kStunMethodBinding, StunClass::kRequest);
  }
  const TransactionId& transactionId() const { return tid_; }
  std::span<const uint8_t> bytes() const { return data_; }

  std::optional<std::string_view> username() const { return username_; }
  std::optional<uint32_t> priority() const { return priority_; }
  bool useCandidate() const { return use_candidate_; }
  std::optional<uint64_t> iceControlling() const { return ice_controlling_; }
  std::optional<uint64_t> iceControlled() const { return ice_controlled_; }
  std::optional<net::Endpoint> xorMappedAddress() const { return xor_mapped_; }
  std::optional<net::Endpoint> mappedAddress() const { return mapped_; }
  std::optional<StunErrorCode> errorCode() const { return error_code_; }
  bool hasIntegrity() const { return integrity_offset_ != 0; }
  bool hasFingerprint() const { return fingerprint_offset_ != 0; }
  // Unknown comprehension-required attribute types (first kMaxUnknown).
  std::span<const uint16_t> unknownRequired() const { return {unknown_.data(), unknown_count_}; }

  // RFC 8489 §14.5: HMAC-SHA1 keyed with `key` (short-term credential: the password) over the
  // message up to MESSAGE-INTEGRITY, with the header length covering MESSAGE-INTEGRITY.
  // False when absent or wrong. Constant-time compare.
  bool checkIntegrity(std::string_view key) const;
  // RFC 8489 §14.7: CRC-32 of the message up to FINGERPRINT, xor 0x5354554e. False when absent.
  bool checkFingerprint() const;

 private:
  std::span<const uint8_t> data_;
  TransactionId tid_{};
  uint16_t type_ = 0;
  std::optional<std::string_view> username_;
  std::optional<uint32_t> priority_;
  bool use_candidate_ = false;
  std::optional<uint64_t> ice_controlling_;
  std::optional<uint64_t> ice_controlled_;
  std::optional<net::Endpoint> xor_mapped_;
  std::optional<net::Endpoint> mapped_;
  std::optional<StunErrorCode> error_code_;
  size_t integrity_offset_ = 0;  // offset of the attribute header; 0 = absent
  size_t fingerprint_offset_ = 0;
  std::array<uint16_t, kMaxUnknown> unknown_{};
  size_t unknown_count_ = 0;
};

struct StunParseResult {
  std::optional<StunMessage> message;
  StunParseError error = StunParseError::kNone;
  bool ok() const { return message.has_value(); }
};

// CRC-32 (IEEE 802.3, as zlib's crc32) — exposed for tests.
uint32_t stunCrc32(std::span<const uint8_t> data, uint32_t crc = 0);

// Builds a message into a caller buffer. Overflow is sticky: every add returns false afterwards
// and finish() returns an empty span. MESSAGE-INTEGRITY then FINGERPRINT must come last.
class StunWriter {
 public:
  StunWriter(std::span<uint8_t> out, uint16_t type, const TransactionId& tid);

  bool addUsername(std::string_view username) { return addString(stun_attr::kUsername, username); }
  bool addPriority(uint32_t priority);
  bool addUseCandidate() { return addAttribute(stun_attr::kUseCandidate, {}); }
  bool addIceControlling(uint64_t tiebreaker);
  bool addIceControlled(uint64_t tiebreaker);
  bool addXorMappedAddress(const net::Endpoint& ep);
  bool addErrorCode(uint16_t code, std::string_view reason);
  bool addUnknownAttributes(std::span<const uint16_t> types);
  bool addString(uint16_t type, std::string_view value);
  bool addAttribute(uint16_t type, std::span<const uint8_t> value);
  bool addMessageIntegrity(std::string_view key);
  bool addFingerprint();

  bool ok() const { return ok_; }
  size_t size() const { return ok_ ? size_ : 0; }
  std::span<const uint8_t> finish() const { return out_.first(size()); }

 private:
  uint8_t* reserve(uint16_t type, size_t length);  // writes the attribute header, pads
  void setLength(size_t body_length);

  std::span<uint8_t> out_;
  size_t size_ = 0;
  bool ok_ = true;
};

// A small fixed buffer for one built message (no heap).
struct StunPacket {
  std::array<uint8_t, 1280> data{};
  size_t size = 0;
  std::span<const uint8_t> bytes() const { return {data.data(), size}; }
  bool empty() const { return size == 0; }
};

// Fresh random transaction id (OpenSSL RAND_bytes).
TransactionId randomTransactionId();

}  // namespace sfu::ice
