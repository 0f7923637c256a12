#include "sfu/room/receive_stats.h"

#include <algorithm>
#include <cstdlib>

namespace sfu::room {

void RateWindow::roll(int64_t bucket) {
  if (head_ < 0 || bucket - head_ >= static_cast<int64_t>(kBuckets)) {
    bytes_.fill(0);
  } else {
    for (int64_t b = head_ + 1; b <= bucket; ++b) bytes_[static_cast<size_t>(b) % kBuckets] = 0;
  }
  head_ = bucket;
}

void RateWindow::add(size_t bytes, int64_t now_us) {
  const int64_t bucket = now_us / kBucketUs;
  if (bucket > head_) roll(bucket);
  if (head_ - bucket < static_cast<int64_t>(kBuckets)) {
    bytes_[static_cast<size_t>(bucket) % kBuckets] += bytes;
  }
}

uint64_t RateWindow::bps(int64_t now_us) const {
  if (head_ < 0) return 0;
  const int64_t bucket = now_us / kBucketUs;
  uint64_t sum = 0;
  for (int64_t b = bucket - static_cast<int64_t>(kBuckets) + 1; b <= bucket; ++b) {
    if (b > head_ || head_ - b >= static_cast<int64_t>(kBuckets) || b < 0) continue;
    sum += bytes_[static_cast<size_t>(b) % kBuckets];
  }
  return sum * 8;  // the window is one second long
}

void ReceiveStats::onPacket(uint16_t seq, uint32_t rtp_ts, int64_t arrival_us, uint32_t clock_rate,
                            size_t bytes, bool retransmission) {
  const int64_t s = unwrapper_.unwrap(seq);
  if (!started_) {
    started_ = true;
    base_ = s;
    highest_ = s;
  } else if (s > highest_) {
    highest_ = s;
  }
  ++received_;
  bytes_ += bytes;
  rate_.add(bytes, arrival_us);
  last_arrival_us_ = arrival_us;
  if (retransmission || clock_rate == 0) return;
  // RFC 3550 §A.8: J += (|D(i-1,i)| - J) / 16, in RTP timestamp units.
  const int64_t arrival_rtp = arrival_us * static_cast<int64_t>(clock_rate) / 1'000'000;
  const int64_t transit = arrival_rtp - static_cast<int64_t>(rtp_ts);
  if (transit_started_) {
    int64_t d = transit - last_transit_;
    // The RTP timestamp wraps at 2^32: take the shorter way round.
    d = static_cast<int32_t>(static_cast<uint32_t>(d));
    jitter_ += (static_cast<double>(std::llabs(d)) - jitter_) / 16.0;
  }
  transit_started_ = true;
  last_transit_ = transit;
}

int64_t ReceiveStats::lost() const {
  if (!started_) return 0;
  return (highest_ - base_ + 1) - static_cast<int64_t>(received_);
}

double ReceiveStats::jitterMs(uint32_t clock_rate) const {
  return clock_rate == 0 ? 0.0 : jitter_ * 1000.0 / clock_rate;
}

rtp::rtcp::ReportBlock ReceiveStats::makeReportBlock(uint32_t ssrc) {
  rtp::rtcp::ReportBlock rb;
  rb.ssrc = ssrc;
  if (!started_) return rb;
  // RFC 3550 §A.3: interval loss from expected vs received since the previous report.
  const int64_t expected = highest_ - base_ + 1;
  const int64_t expected_interval = expected - expected_prior_;
  const int64_t received_interval = static_cast<int64_t>(received_ - received_prior_);
  const int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = expected;
  received_prior_ = received_;
  last_fraction_ =
      (expected_interval <= 0 || lost_interval <= 0)
          ? 0
          : static_cast<uint8_t>(std::min<int64_t>(255, (lost_interval << 8) / expected_interval));
  rb.fraction_lost = last_fraction_;
  rb.cumulative_lost =
      static_cast<int32_t>(std::clamp<int64_t>(lost(), rtp::rtcp::ReportBlock::kMinCumulativeLost,
                                               rtp::rtcp::ReportBlock::kMaxCumulativeLost));
  rb.extended_highest_seq = static_cast<uint32_t>(highest_);
  rb.jitter = static_cast<uint32_t>(jitter_);
  return rb;
}

}  // namespace sfu::room
