#include "rtp/rtcp/xr.h"

namespace rtp::rtcp {
namespace {
constexpr size_t kBlockHeader = 4;
constexpr size_t kRrtrBody = 8;
constexpr size_t kDlrrItemSize = 12;
}  // namespace

ParseResult<XrView> XrView::parse(const PacketView& packet) {
  if (packet.type != kPtXr) return ParseError::kWrongType;
  const auto body = packet.body;
  if (body.size() < 4) return ParseError::kBadLength;
  XrView view;
  view.body_ = body;
  size_t offset = 4;
  while (offset < body.size()) {
    if (body.size() - offset < kBlockHeader) return ParseError::kBadItem;
    const uint8_t type = body[offset];
    const size_t content = size_t{load16(&body[offset + 2])} * 4;
    if (body.size() - offset - kBlockHeader < content) return ParseError::kBadItem;
    const size_t start = offset + kBlockHeader;
    if (type == kXrBlockRrtr) {
      if (content != kRrtrBody) return ParseError::kBadItem;
      if (view.rrtr_offset_ == 0) view.rrtr_offset_ = start;
    } else if (type == kXrBlockDlrr) {
      if (content % kDlrrItemSize != 0) return ParseError::kBadItem;
      if (view.dlrr_offset_ == 0) {
        view.dlrr_offset_ = start;
        view.dlrr_count_ = content / kDlrrItemSize;
      }
    }
    ++view.blocks_;
    offset = start + content;
  }
  return view;
}

std::optional<uint64_t> XrView::rrtrNtp() const {
  if (rrtr_offset_ == 0) return std::nullopt;
  return load64(&body_[rrtr_offset_]);
}

DlrrItem XrView::dlrr(size_t i) const {
  const uint8_t* p = &body_[dlrr_offset_ + i * kDlrrItemSize];
  return {load32(p), load32(p + 4), load32(p + 8)};
}

size_t Xr::size() const {
  size_t total = kHeaderSize + 4;
  if (rrtr_ntp) total += kBlockHeader + kRrtrBody;
  if (!dlrr.empty()) total += kBlockHeader + dlrr.size() * kDlrrItemSize;
  if (dlrr.size() * 3 > 0xFFFF || total > kMaxPacketSize) return 0;
  return total;
}

void Xr::write(uint8_t* out) const {
  writeHeader(out, 0, kPtXr, size());
  store32(out + 4, sender_ssrc);
  uint8_t* p = out + 8;
  if (rrtr_ntp) {
    p[0] = kXrBlockRrtr;
    p[1] = 0;
    store16(p + 2, 2);
    store64(p + 4, *rrtr_ntp);
    p += kBlockHeader + kRrtrBody;
  }
  if (!dlrr.empty()) {
    p[0] = kXrBlockDlrr;
    p[1] = 0;
    store16(p + 2, static_cast<uint16_t>(dlrr.size() * 3));
    p += kBlockHeader;
    for (const auto& item : dlrr) {
      store32(p, item.ssrc);
      store32(p + 4, item.last_rr);
      store32(p + 8, item.delay_since_last_rr);
      p += kDlrrItemSize;
    }
  }
}

}  // namespace rtp::rtcp
