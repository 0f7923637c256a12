// Reception statistics of one incoming RTP stream, as RFC 3550 §6.4.1 / Appendix A.3 and A.8
// define them, turned into a report block for our receiver reports. No allocation, injected time.
#pragma once

#include <cstdint>

#include "rtp/common/seq.h"
#include "rtp/rtcp/report_block.h"

namespace sfu::echo {

class ReceiveStatistics {
 public:
  explicit ReceiveStatistics(uint32_t ssrc = 0, uint32_t clock_rate = 90000)
      : ssrc_(ssrc), clock_rate_(clock_rate == 0 ? 90000 : clock_rate) {}

  void onPacket(uint16_t seq, uint32_t rtp_timestamp, int64_t arrival_us);
  // The sender's report arrived (RFC 3550 §6.4.1: LSR = the middle 32 bits of its NTP time).
  void onSenderReport(uint64_t ntp_time, int64_t arrival_us);

  // The block for this stream; the fraction lost covers the interval since the previous call.
  rtp::rtcp::ReportBlock makeReportBlock(int64_t now_us);

  uint32_t ssrc() const { return ssrc_; }
  bool started() const { return started_; }
  uint64_t received() const { return received_; }
  int64_t cumulativeLost() const;
  uint32_t jitter() const { return static_cast<uint32_t>(jitter_); }

 private:
  uint32_t ssrc_;
  uint32_t clock_rate_;
  bool started_ = false;
  rtp::SeqUnwrapper unwrapper_;
  int64_t base_seq_ = 0;
  int64_t max_seq_ = 0;
  uint64_t received_ = 0;
  int64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  double jitter_ = 0;  // RTP timestamp units (A.8)
  int64_t last_transit_ = 0;
  bool have_transit_ = false;
  uint32_t last_sr_ = 0;
  int64_t last_sr_arrival_us_ = 0;
};

}  // namespace sfu::echo
