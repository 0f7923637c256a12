#include "rtp/rtcp/fir.h"

#include "rtp/rtcp/feedback_header.h"

namespace rtp::rtcp {

ParseResult<FirView> FirView::parse(const PacketView& packet) {
  if (auto error = checkFeedback(packet, kPtPsfb, kFmtFir)) return *error;
  const size_t fci = packet.body.size() - kFeedbackFixedBody;
  if (fci == 0 || fci % 8 != 0) return ParseError::kBadLength;
  FirView view;
  view.body_ = packet.body;
  return view;
}

FirEntry FirView::entry(size_t i) const {
  const uint8_t* p = &body_[kFeedbackFixedBody + i * 8];
  return {load32(p), p[4]};
}

size_t Fir::size() const {
  if (entries.empty()) return 0;
  const size_t total = kHeaderSize + kFeedbackFixedBody + entries.size() * 8;
  return total <= kMaxPacketSize ? total : 0;
}

void Fir::write(uint8_t* out) const {
  writeFeedbackHeader(out, kFmtFir, kPtPsfb, size(), sender_ssrc, media_ssrc);
  uint8_t* p = out + kHeaderSize + kFeedbackFixedBody;
  for (const auto& entry : entries) {
    store32(p, entry.ssrc);
    p[4] = entry.seq_nr;
    p[5] = p[6] = p[7] = 0;
    p += 8;
  }
}

}  // namespace rtp::rtcp
