// The header shared by every RTCP packet, the typed view of one packet inside a compound, and the
// classification of a packet into the message types this folder parses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

// Packet types: RFC 3550 §12.1, RFC 4585 §6.1 (RTPFB/PSFB), RFC 3611 §2 (XR).
inline constexpr uint8_t kPtSenderReport = 200;
inline constexpr uint8_t kPtReceiverReport = 201;
inline constexpr uint8_t kPtSdes = 202;
inline constexpr uint8_t kPtBye = 203;
inline constexpr uint8_t kPtApp = 204;
inline constexpr uint8_t kPtRtpfb = 205;
inline constexpr uint8_t kPtPsfb = 206;
inline constexpr uint8_t kPtXr = 207;

inline constexpr size_t kHeaderSize = 4;
inline constexpr uint8_t kVersion = 2;
inline constexpr uint8_t kMaxCount = 31;  // the 5-bit RC / SC / FMT field
// The 16-bit length field counts 32-bit words minus one.
inline constexpr size_t kMaxPacketSize = size_t{65536} * 4;

// One RTCP packet of a compound (RFC 3550 §6.4.1):
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|  count  |      PT       |  length (32-bit words - 1)    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  body ...                     | padding | cnt |
//
// `count` is RC, SC, FMT or the APP subtype depending on `type`.
struct PacketView {
  uint8_t count = 0;
  uint8_t type = 0;
  bool padded = false;
  std::span<const uint8_t> packet;  // the whole packet: header, body and padding
  std::span<const uint8_t> body;    // after the 4-byte header, padding removed
};

// Parses the packet at the start of `bytes` (which may hold further packets after it). The packet
// occupies `packet.size()` bytes. Padding is accepted here; the compound parser decides whether
// this packet may carry it.
ParseResult<PacketView> parsePacket(std::span<const uint8_t> bytes);

// RFC 5761 §4: on a multiplexed port, an RTP/RTCP packet whose second octet is 192..223 is RTCP
// (RTP payload types 64..95 with the marker bit are avoided for that reason).
bool looksLikeRtcp(std::span<const uint8_t> bytes);

// Writes the common header of a packet that is `total_size` bytes long (a multiple of 4, >= 4).
void writeHeader(uint8_t* out, uint8_t count, uint8_t type, size_t total_size, bool padded = false);

enum class PacketKind : uint8_t {
  kSenderReport,
  kReceiverReport,
  kSdes,
  kBye,
  kApp,
  kNack,        // RTPFB FMT 1 (RFC 4585 §6.2.1)
  kTwcc,        // RTPFB FMT 15 (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1)
  kPli,         // PSFB FMT 1 (RFC 4585 §6.3.1)
  kFir,         // PSFB FMT 4 (RFC 5104 §4.3.1)
  kRemb,        // PSFB FMT 15 with "REMB" (draft-alvestrand-rmcat-remb-03 §2.2)
  kXr,          // RFC 3611
  kOtherRtpfb,  // feedback we do not interpret (pass-through)
  kOtherPsfb,
  kUnknown,  // any other packet type
};

PacketKind classify(const PacketView& packet);
const char* toString(PacketKind kind);

}  // namespace rtp::rtcp
