// RTP retransmission payload format (RFC 4588): wrap a stored packet into an RTX packet for the
// repair stream, and unwrap a received RTX packet back into the original, both in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtp::stream {

// RFC 4588 §4: the RTX packet keeps the original header (timestamp, marker, CSRCs, extensions)
// with the repair stream's SSRC, payload type and sequence number; its payload starts with the
// original sequence number (OSN):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           RTP header (rtx ssrc, rtx pt, rtx seq) ...           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |            OSN                |                               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               |
//  |                  Original RTP Packet Payload                  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
inline constexpr size_t kRtxOverhead = 2;

enum class RtxError : uint8_t {
  kTruncated,  // shorter than its header says
  kBadVersion,
  kBadPadding,
  kNoCapacity,  // the buffer cannot hold the 2 extra bytes
  kNoOsn,       // RTX packet without payload (padding-only probe): nothing to restore
};
const char* toString(RtxError error);

struct RtxResult {
  size_t size = 0;  // new packet length on success
  std::optional<RtxError> error;
  explicit operator bool() const { return !error; }
};

// Turns buf[0, size) into an RTX packet in place. Padding of the original is dropped (its P bit
// cleared). Needs buf.size() >= unpadded size + 2.
RtxResult rtxWrap(std::span<uint8_t> buf, size_t size, uint32_t rtx_ssrc, uint8_t rtx_payload_type,
                  uint16_t rtx_seq);

// Restores the original packet from the RTX packet in buf[0, size): seq from the OSN, SSRC and
// payload type given by the caller (from the apt= mapping). RTX padding is dropped.
RtxResult rtxUnwrap(std::span<uint8_t> buf, size_t size, uint32_t media_ssrc,
                    uint8_t media_payload_type);

// The OSN of an RTX packet, without modifying it.
std::optional<uint16_t> rtxOriginalSeq(std::span<const uint8_t> packet);

}  // namespace rtp::stream
