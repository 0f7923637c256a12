// RTP header extension elements (RFC 8285) inside an RtpPacket's extension block: walk, find by
// id, add or replace, remove, and rewrite ids for forwarding. No allocation; rebuilding a block
// uses a bounded stack buffer.
//
// One-byte form (§4.2), profile 0xBEDE:        Two-byte form (§4.3), profile 0x100 + appbits:
//   0                   1                      0                   1                   2
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5           0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+         +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  ID   |  len  | data (len+1)  |         |      ID       |    length     | data (length) |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+         +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  ID 1..14, 1..16 data bytes;               ID 1..255, 0..255 data bytes;
//  a 0x00 byte is padding; ID 15 stops.      a 0x00 byte is padding.
// The block is zero-padded to a multiple of 4 bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtp/rtp/rtp_packet.h"

namespace rtp {

inline constexpr uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr uint16_t kTwoByteExtensionProfile = 0x1000;  // 0x100 << 4, appbits 0
inline constexpr uint8_t kOneByteMaxId = 14;
inline constexpr size_t kOneByteMaxValueSize = 16;
inline constexpr size_t kTwoByteMaxValueSize = 255;
// Largest extension block that set/remove/rewrite will rebuild (stack buffer).
inline constexpr size_t kMaxRebuiltExtensionBlock = 1024;

enum class ExtensionForm : uint8_t { kNone, kOneByte, kTwoByte, kOther };
ExtensionForm extensionForm(uint16_t profile);
ExtensionForm extensionForm(const RtpPacket& packet);  // kNone when X=0

// True when (id, size) can be carried by the one-byte form.
constexpr bool fitsOneByteForm(uint8_t id, size_t size) {
  return id >= 1 && id <= kOneByteMaxId && size >= 1 && size <= kOneByteMaxValueSize;
}

struct HeaderExtension {
  uint8_t id = 0;
  std::span<const uint8_t> value;
  size_t offset = 0;  // of the element header inside the block
};

// Pull-style walk over the elements of a block. Stops at the end, at an ID 15 (one-byte form,
// RFC 8285 §4.2: ignore the rest), or at malformed data (element running past the block, a
// non-zero byte with ID 0); never reads outside the block.
class ExtensionReader {
 public:
  ExtensionReader(ExtensionForm form, std::span<const uint8_t> block)
      : form_(form), block_(block) {}
  explicit ExtensionReader(const RtpPacket& packet)
      : ExtensionReader(extensionForm(packet), packet.extensionData()) {}

  std::optional<HeaderExtension> next();
  bool malformed() const { return malformed_; }
  // Offset just past the last element returned (trailing padding excluded).
  size_t usedEnd() const { return usedEnd_; }

 private:
  ExtensionForm form_;
  std::span<const uint8_t> block_;
  size_t pos_ = 0;
  size_t usedEnd_ = 0;
  bool malformed_ = false;
};

// Value of the first element with this id, or nullopt. Linear scan, no allocation.
std::optional<std::span<const uint8_t>> findExtension(const RtpPacket& packet, uint8_t id);
std::optional<std::span<uint8_t>> findExtension(RtpPacket& packet, uint8_t id);

enum class ExtensionError : uint8_t {
  kNone = 0,
  kBadId,    // 0, or 15 in a block that must stay one-byte
  kBadSize,  // more than 255 bytes
  kNoRoom,   // packet capacity too small
  kNotFound,
  kMalformed,           // existing block could not be walked to its end
  kUnsupportedProfile,  // extension block is neither RFC 8285 form
  kTooLarge,            // rebuilt block would exceed kMaxRebuiltExtensionBlock
};
std::string_view toString(ExtensionError error);

// Adds the element, or replaces the value of the existing one. In place when the size is
// unchanged or smaller, appended into trailing padding or a grown block otherwise; switches the
// block to the two-byte form when the id or size needs it (RFC 8285 §4.3; the peer must have
// negotiated a=extmap-allow-mixed).
ExtensionError setExtension(RtpPacket& packet, uint8_t id, std::span<const uint8_t> value);

enum class RemoveMode : uint8_t {
  kPad,     // overwrite the element with padding bytes; packet size unchanged (fast)
  kShrink,  // rebuild the block without it; drop the block (X=0) when it becomes empty
};
ExtensionError removeExtension(RtpPacket& packet, uint8_t id, RemoveMode mode = RemoveMode::kPad);

// Translation of extension ids from one endpoint's numbering to another's (publisher → subscriber).
// A target of 0 drops the element. Starts as "drop everything".
class ExtensionIdMap {
 public:
  static ExtensionIdMap identity();
  void set(uint8_t from, uint8_t to);
  uint8_t operator[](uint8_t from) const { return to_[from]; }
  // Every non-zero target is 1..14, so a one-byte block can be rewritten in place.
  bool oneByteSafe() const { return oneByteSafe_; }

 private:
  std::array<uint8_t, 256> to_{};
  bool oneByteSafe_ = true;
};

// Rewrites every element id through the map in place (dropped elements become padding). A
// one-byte block that needs an id above 14 is rebuilt in the two-byte form. Unparseable tails
// are zeroed so the receiver never sees the sender's numbering.
ExtensionError rewriteExtensionIds(RtpPacket& packet, const ExtensionIdMap& map);

// The one-byte form's walks over a bare block (RFC 8285 §4.2), for callers that hold a header
// without a whole packet around it. findOneByteElement: the value of element `id`, nullopt when
// absent or past a malformed element. rewriteOneByteIds: rewriteExtensionIds for a one-byte
// block and a oneByteSafe() map.
std::optional<std::span<const uint8_t>> findOneByteElement(std::span<const uint8_t> block,
                                                           uint8_t id);
void rewriteOneByteIds(std::span<uint8_t> block, const ExtensionIdMap& map);

// Serializes elements into a block buffer (used by the builder and the rebuild paths).
class ExtensionBlockWriter {
 public:
  ExtensionBlockWriter(ExtensionForm form, std::span<uint8_t> out) : form_(form), out_(out) {}
  // False (and the writer is failed) when the element is invalid for the form or does not fit.
  bool add(uint8_t id, std::span<const uint8_t> value);
  // Zero-pads to a multiple of 4; returns the block size, or nullopt when failed / no room.
  std::optional<size_t> finish();
  bool empty() const { return pos_ == 0; }

 private:
  ExtensionForm form_;
  std::span<uint8_t> out_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Bytes one element takes in the given form (header + value).
constexpr size_t extensionElementSize(ExtensionForm form, size_t valueSize) {
  return (form == ExtensionForm::kOneByte ? 1 : 2) + valueSize;
}

}  // namespace rtp
