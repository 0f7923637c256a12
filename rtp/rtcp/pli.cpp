#include "rtp/rtcp/pli.h"

#include "rtp/rtcp/feedback_header.h"

namespace rtp::rtcp {

ParseResult<PliView> PliView::parse(const PacketView& packet) {
  if (auto error = checkFeedback(packet, kPtPsfb, kFmtPli)) return *error;
  PliView view;
  view.sender_ = load32(&packet.body[0]);
  view.media_ = load32(&packet.body[4]);
  return view;
}

void Pli::write(uint8_t* out) const {
  writeFeedbackHeader(out, kFmtPli, kPtPsfb, kSize, sender_ssrc, media_ssrc);
}

}  // namespace rtp::rtcp
