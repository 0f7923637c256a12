#include "sfu/net/demux.h"

namespace sfu::net {
namespace {

constexpr size_t kStunHeader = 20;
constexpr size_t kDtlsRecordHeader = 13;
constexpr size_t kRtpHeader = 12;
constexpr size_t kRtcpHeader = 8;

constexpr DemuxResult drop(DropReason reason) { return {PacketKind::kDrop, reason}; }

}  // namespace

uint64_t DropCounters::total() const {
  uint64_t sum = 0;
  for (uint64_t c : counts) sum += c;
  return sum;
}

std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::kEmpty:
      return "empty";
    case DropReason::kUnknownFirstByte:
      return "unknown_first_byte";
    case DropReason::kZrtp:
      return "zrtp";
    case DropReason::kTurnChannel:
      return "turn_channel";
    case DropReason::kShortStun:
      return "short_stun";
    case DropReason::kShortDtls:
      return "short_dtls";
    case DropReason::kShortRtp:
      return "short_rtp";
    case DropReason::kShortRtcp:
      return "short_rtcp";
    case DropReason::kCount:
      break;
  }
  return "unknown";
}

std::string_view packetKindName(PacketKind kind) {
  switch (kind) {
    case PacketKind::kStun:
      return "stun";
    case PacketKind::kDtls:
      return "dtls";
    case PacketKind::kRtp:
      return "rtp";
    case PacketKind::kRtcp:
      return "rtcp";
    case PacketKind::kDrop:
      return "drop";
  }
  return "unknown";
}

DemuxResult demux(std::span<const uint8_t> datagram) {
  if (datagram.empty()) return drop(DropReason::kEmpty);
  switch (classifyFirstByte(datagram[0])) {
    case FirstByteClass::kStun:
      if (datagram.size() < kStunHeader) return drop(DropReason::kShortStun);
      return {PacketKind::kStun, DropReason::kEmpty};
    case FirstByteClass::kDtls:
      if (datagram.size() < kDtlsRecordHeader) return drop(DropReason::kShortDtls);
      return {PacketKind::kDtls, DropReason::kEmpty};
    case FirstByteClass::kRtpRtcp:
      if (datagram.size() >= 2 && isRtcpPacketType(datagram[1])) {
        if (datagram.size() < kRtcpHeader) return drop(DropReason::kShortRtcp);
        return {PacketKind::kRtcp, DropReason::kEmpty};
      }
      if (datagram.size() < kRtpHeader) return drop(DropReason::kShortRtp);
      return {PacketKind::kRtp, DropReason::kEmpty};
    case FirstByteClass::kZrtp:
      return drop(DropReason::kZrtp);
    case FirstByteClass::kTurnChannel:
      return drop(DropReason::kTurnChannel);
    case FirstByteClass::kUnknown:
      break;
  }
  return drop(DropReason::kUnknownFirstByte);
}

}  // namespace sfu::net
