#include "rtp/rtcp/receiver_report.h"

#include <cstring>

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {

ParseResult<ReceiverReportView> ReceiverReportView::parse(const PacketView& packet) {
  if (packet.type != kPtReceiverReport) return ParseError::kWrongType;
  const size_t needed = kFixedBody + size_t{packet.count} * ReportBlock::kSize;
  if (packet.body.size() < needed) return ParseError::kBadLength;
  ReceiverReportView view;
  view.body_ = packet.body;
  view.count_ = packet.count;
  return view;
}

uint32_t ReceiverReportView::ssrc() const { return load32(&body_[0]); }
ReportBlock ReceiverReportView::reportBlock(size_t i) const {
  return ReportBlock::read(&body_[kFixedBody + i * ReportBlock::kSize]);
}
std::span<const uint8_t> ReceiverReportView::extension() const {
  return body_.subspan(kFixedBody + count_ * ReportBlock::kSize);
}

size_t ReceiverReport::size() const {
  if (report_blocks.size() > kMaxCount || extension.size() % 4 != 0) return 0;
  const size_t total = kHeaderSize + ReceiverReportView::kFixedBody +
                       report_blocks.size() * ReportBlock::kSize + extension.size();
  return total <= kMaxPacketSize ? total : 0;
}

void ReceiverReport::write(uint8_t* out) const {
  writeHeader(out, static_cast<uint8_t>(report_blocks.size()), kPtReceiverReport, size());
  uint8_t* p = out + kHeaderSize;
  store32(p, ssrc);
  p += ReceiverReportView::kFixedBody;
  for (const auto& block : report_blocks) {
    block.write(p);
    p += ReportBlock::kSize;
  }
  if (!extension.empty()) std::memcpy(p, extension.data(), extension.size());
}

}  // namespace rtp::rtcp
