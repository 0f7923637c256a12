#include "rtp/rtcp/remb.h"

#include <limits>

#include "rtp/rtcp/feedback_header.h"

namespace rtp::rtcp {
namespace {
constexpr size_t kRembFixedBody = 16;  // feedback header + "REMB" + num/exp/mantissa
constexpr uint32_t kMaxMantissa = 0x3FFFF;
}  // namespace

ParseResult<RembView> RembView::parse(const PacketView& packet) {
  if (auto error = checkFeedback(packet, kPtPsfb, kFmtAfb)) return *error;
  const auto body = packet.body;
  if (body.size() < 12) return ParseError::kBadLength;
  if (body[8] != 'R' || body[9] != 'E' || body[10] != 'M' || body[11] != 'B') {
    return ParseError::kBadIdentifier;
  }
  if (body.size() < kRembFixedBody || body.size() < kRembFixedBody + size_t{body[12]} * 4) {
    return ParseError::kBadLength;
  }
  RembView view;
  view.body_ = body;
  return view;
}

uint64_t RembView::bitrateBps() const {
  const uint64_t m = mantissa();
  const unsigned exp = exponent();
  if (exp >= 64 || m > (std::numeric_limits<uint64_t>::max() >> exp)) {
    return std::numeric_limits<uint64_t>::max();
  }
  return m << exp;
}

size_t Remb::size() const {
  if (ssrcs.size() > 255) return 0;
  return kHeaderSize + kRembFixedBody + ssrcs.size() * 4;
}

void Remb::write(uint8_t* out) const {
  writeFeedbackHeader(out, kFmtAfb, kPtPsfb, size(), sender_ssrc, 0);
  uint8_t* p = out + kHeaderSize + kFeedbackFixedBody;
  p[0] = 'R';
  p[1] = 'E';
  p[2] = 'M';
  p[3] = 'B';
  unsigned exp = 0;
  while ((bitrate_bps >> exp) > kMaxMantissa) ++exp;
  const auto mantissa = static_cast<uint32_t>(bitrate_bps >> exp);
  p[4] = static_cast<uint8_t>(ssrcs.size());
  store24(p + 5, (exp << 18) | mantissa);
  p += 8;
  for (uint32_t ssrc : ssrcs) {
    store32(p, ssrc);
    p += 4;
  }
}

}  // namespace rtp::rtcp
