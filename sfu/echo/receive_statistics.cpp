#include "sfu/echo/receive_statistics.h"

#include <algorithm>
#include <cmath>

#include "rtp/rtcp/ntp_time.h"

namespace sfu::echo {

void ReceiveStatistics::onPacket(uint16_t seq, uint32_t rtp_timestamp, int64_t arrival_us) {
  const int64_t s = unwrapper_.unwrap(seq);
  if (!started_) {
    started_ = true;
    base_seq_ = max_seq_ = s;
  } else if (s > max_seq_) {
    max_seq_ = s;
  }
  ++received_;
  // RFC 3550 A.8: J += (|D| - J) / 16, D the difference of relative transit times, in RTP units.
  const int64_t arrival_rtp = arrival_us * static_cast<int64_t>(clock_rate_) / 1'000'000;
  const int64_t transit = arrival_rtp - static_cast<int64_t>(rtp_timestamp);
  if (have_transit_) {
    // Timestamps wrap at 2^32: take the difference modulo 2^32 as a signed value.
    const auto d = static_cast<int32_t>(static_cast<uint32_t>(transit - last_transit_));
    jitter_ += (std::abs(static_cast<double>(d)) - jitter_) / 16.0;
  }
  last_transit_ = transit;
  have_transit_ = true;
}

void ReceiveStatistics::onSenderReport(uint64_t ntp_time, int64_t arrival_us) {
  last_sr_ = rtp::rtcp::compactNtp(ntp_time);
  last_sr_arrival_us_ = arrival_us;
}

int64_t ReceiveStatistics::cumulativeLost() const {
  if (!started_) return 0;
  const int64_t expected = max_seq_ - base_seq_ + 1;
  return expected - static_cast<int64_t>(received_);
}

rtp::rtcp::ReportBlock ReceiveStatistics::makeReportBlock(int64_t now_us) {
  rtp::rtcp::ReportBlock b;
  b.ssrc = ssrc_;
  if (!started_) return b;
  // RFC 3550 A.3.
  const int64_t expected = max_seq_ - base_seq_ + 1;
  const int64_t expected_interval = expected - expected_prior_;
  const auto received_interval = static_cast<int64_t>(received_ - received_prior_);
  expected_prior_ = expected;
  received_prior_ = received_;
  const int64_t lost_interval = expected_interval - received_interval;
  if (expected_interval > 0 && lost_interval > 0) {
    b.fraction_lost =
        static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
  }
  b.cumulative_lost = static_cast<int32_t>(
      std::clamp<int64_t>(cumulativeLost(), rtp::rtcp::ReportBlock::kMinCumulativeLost,
                          rtp::rtcp::ReportBlock::kMaxCumulativeLost));
  b.extended_highest_seq = static_cast<uint32_t>(max_seq_);
  b.jitter = static_cast<uint32_t>(jitter_);
  if (last_sr_ != 0) {
    b.last_sr = last_sr_;
    b.delay_since_last_sr = rtp::rtcp::usToCompactNtp(now_us - last_sr_arrival_us_);
  }
  return b;
}

}  // namespace sfu::echo
