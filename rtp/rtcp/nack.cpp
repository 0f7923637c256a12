#include "rtp/rtcp/nack.h"

#include "rtp/rtcp/feedback_header.h"

namespace rtp::rtcp {

ParseResult<NackView> NackView::parse(const PacketView& packet) {
  if (auto error = checkFeedback(packet, kPtRtpfb, kFmtNack)) return *error;
  const size_t fci = packet.body.size() - kFeedbackFixedBody;
  if (fci == 0 || fci % 4 != 0) return ParseError::kBadLength;  // "at least one" (§6.2.1)
  NackView view;
  view.body_ = packet.body;
  return view;
}

NackItem NackView::item(size_t i) const {
  const uint8_t* p = &body_[kFeedbackFixedBody + i * 4];
  return {load16(p), load16(p + 2)};
}

size_t NackView::lostSeqs(std::span<uint16_t> out) const {
  size_t n = 0;
  forEachLost([&](uint16_t seq) {
    if (n < out.size()) out[n++] = seq;
  });
  return n;
}

size_t Nack::size() const {
  if (items.empty()) return 0;
  const size_t total = kHeaderSize + kFeedbackFixedBody + items.size() * 4;
  return total <= kMaxPacketSize ? total : 0;
}

void Nack::write(uint8_t* out) const {
  writeFeedbackHeader(out, kFmtNack, kPtRtpfb, size(), sender_ssrc, media_ssrc);
  uint8_t* p = out + kHeaderSize + kFeedbackFixedBody;
  for (const auto& entry : items) {
    store16(p, entry.pid);
    store16(p + 2, entry.blp);
    p += 4;
  }
}

size_t packNackItems(std::span<const uint16_t> seqs, std::span<NackItem> out, size_t* consumed) {
  size_t n = 0;
  size_t used = 0;
  for (; used < seqs.size(); ++used) {
    const uint16_t seq = seqs[used];
    if (n > 0) {
      const uint16_t distance = static_cast<uint16_t>(seq - out[n - 1].pid);
      if (distance == 0) continue;
      if (distance <= 16) {
        out[n - 1].blp |= static_cast<uint16_t>(1u << (distance - 1));
        continue;
      }
    }
    if (n == out.size()) break;
    out[n++] = {seq, 0};
  }
  if (consumed) *consumed = used;
  return n;
}

}  // namespace rtp::rtcp
