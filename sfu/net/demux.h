// First-byte demultiplexing of datagrams arriving on one 5-tuple (RFC 7983 §7, updating RFC
// 5764 §5.1.2), then RTP vs RTCP by the second byte (RFC 5761 §4):
//
//                 +----------------+
//                 |        [0..3] -+--> STUN
//                 |      [16..19] -+--> ZRTP            (dropped: not supported)
//   packet -->    |      [20..63] -+--> DTLS
//                 |      [64..79] -+--> TURN Channel    (dropped: we are not a TURN server)
//                 |    [128..191] -+--> RTP/RTCP --> byte 1 in [192..223] ? RTCP : RTP
//                 |  anything else-+--> drop
//                 +----------------+
//
// Pure functions, no allocation. Drops are counted in a caller-owned array (one per worker, plain
// uint64_t, no atomics) that /metrics exports per reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sfu::net {

// RFC 7983 §7 classes of the first byte.
enum class FirstByteClass : uint8_t { kStun, kZrtp, kDtls, kTurnChannel, kRtpRtcp, kUnknown };

// What the media path does with a datagram.
enum class PacketKind : uint8_t { kStun, kDtls, kRtp, kRtcp, kDrop };

enum class DropReason : uint8_t {
  kEmpty,             // zero-length datagram
  kUnknownFirstByte,  // 4..15, 80..127, 192..255
  kZrtp,              // 16..19
  kTurnChannel,       // 64..79
  kShortStun,         // < 20 bytes (STUN header, RFC 5389 §6)
  kShortDtls,         // < 13 bytes (DTLS record header, RFC 6347 §4.1)
  kShortRtp,          // < 12 bytes (RTP fixed header, RFC 3550 §5.1)
  kShortRtcp,         // < 8 bytes (RTCP header + SSRC, RFC 3550 §6.4)
  kCount,
};

inline constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::kCount);

std::string_view dropReasonName(DropReason reason);
std::string_view packetKindName(PacketKind kind);

// Per-worker drop counters, indexed by DropReason.
struct DropCounters {
  std::array<uint64_t, kDropReasonCount> counts{};
  void add(DropReason reason) { ++counts[static_cast<size_t>(reason)]; }
  uint64_t operator[](DropReason reason) const { return counts[static_cast<size_t>(reason)]; }
  uint64_t total() const;
};

constexpr FirstByteClass classifyFirstByte(uint8_t b) {
  if (b <= 3) return FirstByteClass::kStun;
  if (b >= 16 && b <= 19) return FirstByteClass::kZrtp;
  if (b >= 20 && b <= 63) return FirstByteClass::kDtls;
  if (b >= 64 && b <= 79) return FirstByteClass::kTurnChannel;
  if (b >= 128 && b <= 191) return FirstByteClass::kRtpRtcp;
  return FirstByteClass::kUnknown;
}

// RFC 5761 §4: with rtcp-mux, the second octet of RTCP is its packet type 192..223 (FIR, NACK,
// SR, RR, SDES, BYE, APP, RTPFB, PSFB, XR, ...), which RTP payload types never use there.
constexpr bool isRtcpPacketType(uint8_t secondByte) {
  return secondByte >= 192 && secondByte <= 223;
}

struct DemuxResult {
  PacketKind kind = PacketKind::kDrop;
  DropReason reason = DropReason::kEmpty;  // meaningful only when kind == kDrop
};

// Classifies a datagram (no counting).
DemuxResult demux(std::span<const uint8_t> datagram);

// Classifies and bumps the drop counter when the datagram is dropped.
inline PacketKind demux(std::span<const uint8_t> datagram, DropCounters& drops) {
  DemuxResult r = demux(datagram);
  if (r.kind == PacketKind::kDrop) drops.add(r.reason);
  return r.kind;
}

}  // namespace sfu::net
