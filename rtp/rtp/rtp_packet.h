// RTP packet view (RFC 3550 §5.1) over a caller-owned, mutable byte buffer, and a builder that
// writes a packet into a caller's buffer. No allocation, no exceptions: parsing reports a reason.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           timestamp                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           synchronization source (SSRC) identifier            |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |            contributing source (CSRC) identifiers             |
//  |                             ....                              |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |      defined by profile       |           length              |  (X=1, §5.3.1)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  header extension (length × 4 bytes)          |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      payload ...      | padding ... | count   |  (P=1)
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "rtp/common/byte_io.h"

namespace rtp {

inline constexpr size_t kRtpFixedHeaderSize = 12;
inline constexpr size_t kRtpMaxCsrcs = 15;
inline constexpr uint8_t kRtpVersion = 2;

// Why a buffer is not an RTP packet. kNone means success. Values index per-reason drop counters.
enum class RtpParseError : uint8_t {
  kNone = 0,
  kTooShort,            // fewer than 12 bytes
  kBadVersion,          // V != 2
  kBadCsrcCount,        // the CSRC list runs past the end of the buffer
  kBadExtensionLength,  // the extension header or its length×4 bytes run past the end
  kBadPadding,          // P set but the count is 0 or larger than what follows the header
  kBadCapacity,         // capacity smaller than size (caller bug, not peer data)
};
inline constexpr size_t kRtpParseErrorCount = 7;
std::string_view toString(RtpParseError error);

// RFC 5761 §4: with RTP and RTCP multiplexed, a second byte whose low 7 bits are 64..95 is RTCP
// (RTCP packet types 192..223). Needs at least 2 bytes; checks the version too.
bool looksLikeRtcp(std::span<const uint8_t> bytes);

class RtpParseResult;

// A parsed view over [data, data + size) with room up to capacity for in-place growth (header
// extensions). The view does not own the buffer; copying the view aliases the same bytes.
class RtpPacket {
 public:
  RtpPacket() = default;

  // Parses size bytes at data; capacity (>= size) is how far the packet may grow in place.
  static RtpParseResult parse(uint8_t* data, size_t size, size_t capacity);
  static RtpParseResult parse(std::span<uint8_t> bytes);

  // Fixed header.
  bool hasPadding() const { return (data_[0] & 0x20) != 0; }
  bool hasExtension() const { return (data_[0] & 0x10) != 0; }
  uint8_t csrcCount() const { return data_[0] & 0x0F; }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  uint8_t payloadType() const { return data_[1] & 0x7F; }
  uint16_t sequenceNumber() const { return load16(data_ + 2); }
  uint32_t timestamp() const { return load32(data_ + 4); }
  uint32_t ssrc() const { return load32(data_ + 8); }
  uint32_t csrc(size_t i) const { return load32(data_ + kRtpFixedHeaderSize + 4 * i); }

  // In-place rewrites of the fixed header (the SFU forwarding path).
  void setMarker(bool m) { data_[1] = static_cast<uint8_t>((data_[1] & 0x7F) | (m ? 0x80 : 0)); }
  void setPayloadType(uint8_t pt) {
    data_[1] = static_cast<uint8_t>((data_[1] & 0x80) | (pt & 0x7F));
  }
  void setSequenceNumber(uint16_t seq) { store16(data_ + 2, seq); }
  void setTimestamp(uint32_t ts) { store32(data_ + 4, ts); }
  void setSsrc(uint32_t ssrc) { store32(data_ + 8, ssrc); }

  // Header extension block (§5.3.1): the 16-bit profile and the length×4 bytes after it.
  // extensionData() is empty when X=0. The element walk lives in header_extensions.h.
  uint16_t extensionProfile() const;
  std::span<uint8_t> extensionData() { return {data_ + extensionDataOffset_, extensionSize_}; }
  std::span<const uint8_t> extensionData() const {
    return {data_ + extensionDataOffset_, extensionSize_};
  }
  // Replaces the extension block by one of dataSize bytes (a multiple of 4, at most 4×65535),
  // moving payload and padding. Existing block bytes stay in place up to the smaller size; new
  // bytes are zero. Sets X. Returns false (packet untouched) when capacity is too small.
  bool resizeExtension(uint16_t profile, size_t dataSize);
  // Drops the block and clears X.
  void removeExtension();

  // Payload between the header and the padding.
  std::span<uint8_t> payload() { return {data_ + headerSize_, payloadSize_}; }
  std::span<const uint8_t> payload() const { return {data_ + headerSize_, payloadSize_}; }
  size_t payloadSize() const { return payloadSize_; }
  size_t paddingSize() const { return paddingSize_; }
  // Sets the payload size (growing within capacity or shrinking) and drops any padding. Payload
  // bytes kept are untouched; new ones are unspecified. False when capacity is too small.
  bool setPayloadSize(size_t n);

  size_t headerSize() const { return headerSize_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t headerSize_ = 0;           // fixed + CSRCs + extension block
  size_t extensionDataOffset_ = 0;  // start of the extension data (after profile+length)
  size_t extensionSize_ = 0;        // length×4
  size_t payloadSize_ = 0;
  size_t paddingSize_ = 0;
};

// Either a packet or the reason the bytes are not one.
class RtpParseResult {
 public:
  RtpParseResult(RtpPacket packet) : packet_(packet) {}   // NOLINT: implicit by design
  RtpParseResult(RtpParseError error) : error_(error) {}  // NOLINT: implicit by design

  bool ok() const { return error_ == RtpParseError::kNone; }
  explicit operator bool() const { return ok(); }
  RtpParseError error() const { return error_; }
  RtpPacket& value() { return packet_; }
  const RtpPacket& value() const { return packet_; }
  RtpPacket& operator*() { return packet_; }
  RtpPacket* operator->() { return &packet_; }

 private:
  RtpPacket packet_;
  RtpParseError error_ = RtpParseError::kNone;
};

// Writes header + CSRCs + header extensions + payload + padding into a caller's buffer.
// Extension values are referenced, not copied, until build(); keep them alive until then.
//
//   uint8_t buf[1500];
//   auto r = RtpPacketBuilder(buf).setPayloadType(96).setSequenceNumber(7).setSsrc(1)
//                .addExtension(1, mid).setPayload(frame).build();
class RtpPacketBuilder {
 public:
  static constexpr size_t kMaxExtensions = 16;

  explicit RtpPacketBuilder(std::span<uint8_t> buffer) : buffer_(buffer) {}

  RtpPacketBuilder& setMarker(bool m) { return set(marker_, m); }
  RtpPacketBuilder& setPayloadType(uint8_t pt) { return set(payloadType_, pt); }
  RtpPacketBuilder& setSequenceNumber(uint16_t seq) { return set(seq_, seq); }
  RtpPacketBuilder& setTimestamp(uint32_t ts) { return set(ts_, ts); }
  RtpPacketBuilder& setSsrc(uint32_t ssrc) { return set(ssrc_, ssrc); }
  RtpPacketBuilder& setCsrcs(std::span<const uint32_t> csrcs) { return set(csrcs_, csrcs); }
  // RFC 8285 element; one-byte form when every id is 1..14 and every value 1..16 bytes (or
  // forced), otherwise two-byte. More than kMaxExtensions makes build() fail.
  RtpPacketBuilder& addExtension(uint8_t id, std::span<const uint8_t> value);
  RtpPacketBuilder& forceTwoByteExtensions(bool on = true) { return set(forceTwoByte_, on); }
  // An opaque extension block (any profile), instead of RFC 8285 elements. data.size() must be a
  // multiple of 4.
  RtpPacketBuilder& setRawExtension(uint16_t profile, std::span<const uint8_t> data);
  RtpPacketBuilder& setPayload(std::span<const uint8_t> payload) { return set(payload_, payload); }
  // Padding bytes (RFC 3550 §5.1): zeros, the last one holding the count. 0 = no padding.
  RtpPacketBuilder& setPaddingSize(uint8_t n) { return set(paddingSize_, n); }

  // The size build() would need, or 0 when the settings are invalid.
  size_t size() const;
  // Writes the packet and returns a view over it; fails (kTooShort) when the buffer is too small,
  // kBadExtensionLength when the extension settings are invalid, kBadCsrcCount for > 15 CSRCs.
  RtpParseResult build() const;

 private:
  template <class T, class V>
  RtpPacketBuilder& set(T& field, V value) {
    field = value;
    return *this;
  }
  size_t extensionBlockSize() const;  // bytes after the 4-byte extension header, or SIZE_MAX

  struct Element {
    uint8_t id;
    std::span<const uint8_t> value;
  };

  std::span<uint8_t> buffer_;
  bool marker_ = false;
  uint8_t payloadType_ = 0;
  uint16_t seq_ = 0;
  uint32_t ts_ = 0;
  uint32_t ssrc_ = 0;
  std::span<const uint32_t> csrcs_;
  std::array<Element, kMaxExtensions> elements_{};
  size_t elementCount_ = 0;
  bool tooManyElements_ = false;
  bool forceTwoByte_ = false;
  bool rawExtension_ = false;
  uint16_t rawProfile_ = 0;
  std::span<const uint8_t> rawData_;
  std::span<const uint8_t> payload_;
  uint8_t paddingSize_ = 0;
};

}  // namespace rtp
