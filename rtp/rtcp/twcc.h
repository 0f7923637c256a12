// Transport-wide congestion control feedback, RTPFB FMT 15
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): parsing. Building: twcc_builder.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|  FMT=15 |    PT=205     |           length              |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                     SSRC of packet sender                     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      SSRC of media source                     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |      base sequence number     |      packet status count      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 reference time                | fb pkt. count |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |          packet chunk         |         packet chunk          |
//  :                              ...                              :
//  |         recv delta            |  recv delta   | zero padding  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Packet chunks (16 bits each), one status symbol per packet from the base sequence number:
//   run length:     |0|S S|  run length (13 bits)   |  S repeated run-length times
//   status vector:  |1|0|  14 x 1-bit symbols       |  0 not received, 1 small delta
//                   |1|1|  7 x 2-bit symbols        |  00 / 01 small / 10 large / 11 reserved
// Receive deltas follow all chunks, one per received packet, in 250 µs ticks: "small" is 1 byte
// unsigned (0..63.75 ms), "large" 2 bytes signed. The first is relative to the reference time
// (24-bit signed, 64 ms units, wrapping); each next one to the previous received packet.
inline constexpr int64_t kTwccDeltaTickUs = 250;
inline constexpr int64_t kTwccReferenceTickUs = 64'000;
inline constexpr size_t kTwccFixedBody = 16;  // feedback header + base/count/reference/fb count

enum class TwccSymbol : uint8_t { kNotReceived = 0, kSmallDelta = 1, kLargeDelta = 2 };

struct TwccPacketStatus {
  uint16_t seq = 0;
  bool received = false;
  int32_t delta_ticks = 0;        // receive delta in 250 µs ticks (0 when not received)
  int64_t arrival_offset_us = 0;  // arrival relative to the reference time (received only)
};

// Walks the statuses of a validated packet one by one without allocating.
class TwccStatusCursor {
 public:
  TwccStatusCursor() = default;
  explicit TwccStatusCursor(std::span<const uint8_t> body);

  // Next status; false at the end or on a malformed packet (then error() tells why).
  bool next(TwccPacketStatus& out);
  ParseError error() const { return error_; }  // kCount while there was none

 private:
  bool loadChunk();

  std::span<const uint8_t> body_;
  size_t chunk_offset_ = kTwccFixedBody;
  size_t delta_offset_ = 0;  // set after the chunks were walked once
  uint32_t remaining_ = 0;   // statuses still to yield
  uint16_t seq_ = 0;
  uint16_t chunk_ = 0;
  uint32_t chunk_left_ = 0;  // symbols left in the current chunk
  uint32_t chunk_index_ = 0;
  int64_t ticks_ = 0;  // accumulated deltas
  ParseError error_ = ParseError::kCount;
};

class TwccView {
 public:
  // Validates chunks (no zero runs, no reserved symbols) and that every delta is present.
  // Requires at least one status (libwebrtc never sends an empty feedback either).
  static ParseResult<TwccView> parse(const PacketView& packet);

  uint32_t senderSsrc() const { return load32(&body_[0]); }
  uint32_t mediaSsrc() const { return load32(&body_[4]); }
  uint16_t baseSeq() const { return load16(&body_[8]); }
  uint16_t statusCount() const { return load16(&body_[10]); }
  uint32_t referenceTime() const { return load24(&body_[12]); }  // raw 24 bits, 64 ms units
  uint8_t fbPktCount() const { return body_[15]; }
  size_t receivedCount() const { return received_; }

  TwccStatusCursor cursor() const { return TwccStatusCursor(body_); }
  // Decodes up to out.size() statuses into out; returns how many.
  size_t statuses(std::span<TwccPacketStatus> out) const;

  // Signed distance in microseconds from reference time `from` to `to`, taking the shorter
  // way around the 24-bit wrap (2^24 x 64 ms, about 12.4 days).
  static int64_t referenceDeltaUs(uint32_t from, uint32_t to);

 private:
  std::span<const uint8_t> body_;
  size_t received_ = 0;
};

}  // namespace rtp::rtcp
