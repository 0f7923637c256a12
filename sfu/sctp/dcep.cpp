#include "sfu/sctp/dcep.h"

#include <algorithm>

#include "rtp/common/byte_io.h"

namespace sfu::sctp {
namespace {

constexpr size_t kOpenFixed = 12;

bool knownChannelType(uint8_t t) {
  switch (t) {
    case 0x00:
    case 0x80:
    case 0x01:
    case 0x81:
    case 0x02:
    case 0x82:
      return true;
    default:
      return false;
  }
}

DcepParseResult error(DcepError e) {
  DcepParseResult r;
  r.error = e;
  return r;
}

}  // namespace

std::string_view dcepErrorName(DcepError e) {
  switch (e) {
    case DcepError::kEmpty:
      return "empty";
    case DcepError::kUnknownMessageType:
      return "unknown_message_type";
    case DcepError::kTruncatedHeader:
      return "truncated_header";
    case DcepError::kBadLength:
      return "bad_length";
    case DcepError::kUnknownChannelType:
      return "unknown_channel_type";
    case DcepError::kTrailingBytes:
      return "trailing_bytes";
  }
  return "unknown";
}

DcepParseResult parseDcep(std::span<const uint8_t> m) {
  if (m.empty()) return error(DcepError::kEmpty);
  if (m[0] == static_cast<uint8_t>(DcepMessageType::kAck)) {
    // RFC 8832 §5.2: the ACK is the message type alone.
    if (m.size() != 1) return error(DcepError::kTrailingBytes);
    DcepParseResult r;
    r.type = DcepMessageType::kAck;
    return r;
  }
  if (m[0] != static_cast<uint8_t>(DcepMessageType::kOpen)) {
    return error(DcepError::kUnknownMessageType);
  }
  if (m.size() < kOpenFixed) return error(DcepError::kTruncatedHeader);
  if (!knownChannelType(m[1])) return error(DcepError::kUnknownChannelType);
  const size_t labelLength = rtp::load16(&m[8]);
  const size_t protocolLength = rtp::load16(&m[10]);
  if (kOpenFixed + labelLength + protocolLength > m.size()) return error(DcepError::kBadLength);
  DcepParseResult r;
  r.type = DcepMessageType::kOpen;
  r.open.channelType = static_cast<ChannelType>(m[1]);
  r.open.priority = rtp::load16(&m[2]);
  r.open.reliabilityParameter = rtp::load32(&m[4]);
  const auto* label = reinterpret_cast<const char*>(m.data() + kOpenFixed);
  r.open.label.assign(label, labelLength);
  r.open.protocol.assign(label + labelLength, protocolLength);
  return r;
}

std::vector<uint8_t> buildDcepOpen(const DcepOpen& open) {
  const size_t labelLength = std::min<size_t>(open.label.size(), 0xffff);
  const size_t protocolLength = std::min<size_t>(open.protocol.size(), 0xffff);
  std::vector<uint8_t> out(kOpenFixed + labelLength + protocolLength);
  out[0] = static_cast<uint8_t>(DcepMessageType::kOpen);
  out[1] = static_cast<uint8_t>(open.channelType);
  rtp::store16(&out[2], open.priority);
  rtp::store32(&out[4], open.reliabilityParameter);
  rtp::store16(&out[8], static_cast<uint16_t>(labelLength));
  rtp::store16(&out[10], static_cast<uint16_t>(protocolLength));
  std::copy_n(open.label.begin(), labelLength, out.begin() + kOpenFixed);
  std::copy_n(open.protocol.begin(), protocolLength, out.begin() + kOpenFixed + labelLength);
  return out;
}

std::vector<uint8_t> buildDcepAck() { return {static_cast<uint8_t>(DcepMessageType::kAck)}; }

}  // namespace sfu::sctp
