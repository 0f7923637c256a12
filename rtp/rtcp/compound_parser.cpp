#include "rtp/rtcp/compound_parser.h"

namespace rtp::rtcp {

ParseResult<PacketView> CompoundParser::next() {
  if (done()) {
    failed_ = true;
    return ParseError::kTruncated;
  }
  auto packet = parsePacket(rest_);
  if (!packet) {
    failed_ = true;
    return packet;
  }
  rest_ = rest_.subspan(packet->packet.size());
  if (packet->padded && !rest_.empty() && padding_ == PaddingPolicy::kLastOnly) {
    failed_ = true;
    return ParseError::kPaddingNotLast;
  }
  return packet;
}

ParseResult<size_t> validateCompound(std::span<const uint8_t> bytes, PaddingPolicy padding) {
  if (bytes.empty()) return ParseError::kTruncated;
  CompoundParser parser(bytes, padding);
  size_t count = 0;
  while (!parser.done()) {
    auto packet = parser.next();
    if (!packet) return packet.error();
    ++count;
  }
  return count;
}

}  // namespace rtp::rtcp
