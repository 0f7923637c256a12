#include "rtp/rtcp/sender_report.h"

#include <cstring>

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {

ParseResult<SenderReportView> SenderReportView::parse(const PacketView& packet) {
  if (packet.type != kPtSenderReport) return ParseError::kWrongType;
  const size_t needed = kFixedBody + size_t{packet.count} * ReportBlock::kSize;
  if (packet.body.size() < needed) return ParseError::kBadLength;
  SenderReportView view;
  view.body_ = packet.body;
  view.count_ = packet.count;
  return view;
}

uint32_t SenderReportView::ssrc() const { return load32(&body_[0]); }
uint64_t SenderReportView::ntpTime() const { return load64(&body_[4]); }
uint32_t SenderReportView::rtpTimestamp() const { return load32(&body_[12]); }
uint32_t SenderReportView::packetCount() const { return load32(&body_[16]); }
uint32_t SenderReportView::octetCount() const { return load32(&body_[20]); }
ReportBlock SenderReportView::reportBlock(size_t i) const {
  return ReportBlock::read(&body_[kFixedBody + i * ReportBlock::kSize]);
}
std::span<const uint8_t> SenderReportView::extension() const {
  return body_.subspan(kFixedBody + count_ * ReportBlock::kSize);
}

size_t SenderReport::size() const {
  if (report_blocks.size() > kMaxCount || extension.size() % 4 != 0) return 0;
  const size_t total = kHeaderSize + SenderReportView::kFixedBody +
                       report_blocks.size() * ReportBlock::kSize + extension.size();
  return total <= kMaxPacketSize ? total : 0;
}

void SenderReport::write(uint8_t* out) const {
  const size_t total = size();
  writeHeader(out, static_cast<uint8_t>(report_blocks.size()), kPtSenderReport, total);
  uint8_t* p = out + kHeaderSize;
  store32(p, ssrc);
  store64(p + 4, ntp_time);
  store32(p + 12, rtp_timestamp);
  store32(p + 16, packet_count);
  store32(p + 20, octet_count);
  p += SenderReportView::kFixedBody;
  for (const auto& block : report_blocks) {
    block.write(p);
    p += ReportBlock::kSize;
  }
  if (!extension.empty()) std::memcpy(p, extension.data(), extension.size());
}

}  // namespace rtp::rtcp
