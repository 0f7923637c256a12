#include "rtp/rtcp/report_block.h"

#include <algorithm>

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {

ReportBlock ReportBlock::read(const uint8_t* in) {
  ReportBlock block;
  block.ssrc = load32(in);
  block.fraction_lost = in[4];
  uint32_t lost = load24(in + 5);
  if ((lost & 0x800000u) != 0) lost |= 0xFF000000u;  // sign-extend the 24-bit field
  block.cumulative_lost = static_cast<int32_t>(lost);
  block.extended_highest_seq = load32(in + 8);
  block.jitter = load32(in + 12);
  block.last_sr = load32(in + 16);
  block.delay_since_last_sr = load32(in + 20);
  return block;
}

void ReportBlock::write(uint8_t* out) const {
  store32(out, ssrc);
  out[4] = fraction_lost;
  const int32_t lost = std::clamp(cumulative_lost, kMinCumulativeLost, kMaxCumulativeLost);
  store24(out + 5, static_cast<uint32_t>(lost) & 0xFFFFFFu);
  store32(out + 8, extended_highest_seq);
  store32(out + 12, jitter);
  store32(out + 16, last_sr);
  store32(out + 20, delay_since_last_sr);
}

}  // namespace rtp::rtcp
