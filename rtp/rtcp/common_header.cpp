#include "rtp/rtcp/common_header.h"

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {

const char* toString(ParseError error) {
  switch (error) {
    case ParseError::kTruncated:
      return "truncated";
    case ParseError::kBadVersion:
      return "bad_version";
    case ParseError::kBadLength:
      return "bad_length";
    case ParseError::kBadPadding:
      return "bad_padding";
    case ParseError::kPaddingNotLast:
      return "padding_not_last";
    case ParseError::kWrongType:
      return "wrong_type";
    case ParseError::kBadCount:
      return "bad_count";
    case ParseError::kBadItem:
      return "bad_item";
    case ParseError::kBadIdentifier:
      return "bad_identifier";
    case ParseError::kBadChunk:
      return "bad_chunk";
    case ParseError::kCount:
      break;
  }
  return "unknown";
}

ParseResult<PacketView> parsePacket(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) return ParseError::kTruncated;
  const uint8_t b0 = bytes[0];
  if ((b0 >> 6) != kVersion) return ParseError::kBadVersion;
  const size_t total = (size_t{load16(&bytes[2])} + 1) * 4;
  if (total > bytes.size()) return ParseError::kTruncated;

  PacketView view;
  view.count = b0 & 0x1F;
  view.type = bytes[1];
  view.padded = (b0 & 0x20) != 0;
  view.packet = bytes.first(total);
  size_t body_size = total - kHeaderSize;
  if (view.padded) {
    // RFC 3550 §6.4.1: the last octet counts the padding octets, itself included.
    const uint8_t pad = bytes[total - 1];
    if (pad == 0 || pad > body_size) return ParseError::kBadPadding;
    body_size -= pad;
  }
  view.body = bytes.subspan(kHeaderSize, body_size);
  return view;
}

bool looksLikeRtcp(std::span<const uint8_t> bytes) {
  return bytes.size() >= kHeaderSize && (bytes[0] >> 6) == kVersion && bytes[1] >= 192 &&
         bytes[1] <= 223;
}

void writeHeader(uint8_t* out, uint8_t count, uint8_t type, size_t total_size, bool padded) {
  out[0] = static_cast<uint8_t>((kVersion << 6) | (padded ? 0x20 : 0) | (count & 0x1F));
  out[1] = type;
  store16(out + 2, static_cast<uint16_t>(total_size / 4 - 1));
}

PacketKind classify(const PacketView& packet) {
  switch (packet.type) {
    case kPtSenderReport:
      return PacketKind::kSenderReport;
    case kPtReceiverReport:
      return PacketKind::kReceiverReport;
    case kPtSdes:
      return PacketKind::kSdes;
    case kPtBye:
      return PacketKind::kBye;
    case kPtApp:
      return PacketKind::kApp;
    case kPtXr:
      return PacketKind::kXr;
    case kPtRtpfb:
      if (packet.count == 1) return PacketKind::kNack;
      if (packet.count == 15) return PacketKind::kTwcc;
      return PacketKind::kOtherRtpfb;
    case kPtPsfb:
      if (packet.count == 1) return PacketKind::kPli;
      if (packet.count == 4) return PacketKind::kFir;
      if (packet.count == 15 && packet.body.size() >= 12 && packet.body[8] == 'R' &&
          packet.body[9] == 'E' && packet.body[10] == 'M' && packet.body[11] == 'B') {
        return PacketKind::kRemb;
      }
      return PacketKind::kOtherPsfb;
    default:
      return PacketKind::kUnknown;
  }
}

const char* toString(PacketKind kind) {
  switch (kind) {
    case PacketKind::kSenderReport:
      return "sr";
    case PacketKind::kReceiverReport:
      return "rr";
    case PacketKind::kSdes:
      return "sdes";
    case PacketKind::kBye:
      return "bye";
    case PacketKind::kApp:
      return "app";
    case PacketKind::kNack:
      return "nack";
    case PacketKind::kTwcc:
      return "twcc";
    case PacketKind::kPli:
      return "pli";
    case PacketKind::kFir:
      return "fir";
    case PacketKind::kRemb:
      return "remb";
    case PacketKind::kXr:
      return "xr";
    case PacketKind::kOtherRtpfb:
      return "rtpfb";
    case PacketKind::kOtherPsfb:
      return "psfb";
    case PacketKind::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace rtp::rtcp
