// Reception statistics of one incoming RTP stream (RFC 3550 §6.4.1, appendix A.3 and A.8):
// packet/byte counts, extended highest sequence number, cumulative and interval loss, and
// interarrival jitter, plus a one-second bitrate window. Fixed storage, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "rtp/common/seq.h"
#include "rtp/rtcp/report_block.h"

namespace sfu::room {

// Bytes seen over the last second in ten 100 ms buckets.
class RateWindow {
 public:
  void add(size_t bytes, int64_t now_us);
  // Bits per second over the window ending at now_us.
  uint64_t bps(int64_t now_us) const;

 private:
  static constexpr int64_t kBucketUs = 100'000;
  static constexpr size_t kBuckets = 10;
  void roll(int64_t bucket);
  std::array<uint64_t, kBuckets> bytes_{};
  int64_t head_ = -1;  // bucket index (time / kBucketUs) of the newest bucket
};

class ReceiveStats {
 public:
  // `retransmission`: recovered through RTX (counts as received, not for jitter).
  void onPacket(uint16_t seq, uint32_t rtp_ts, int64_t arrival_us, uint32_t clock_rate,
                size_t bytes, bool retransmission);

  // A report block for `ssrc` (LSR/DLSR left 0 for the caller); starts a new loss interval.
  rtp::rtcp::ReportBlock makeReportBlock(uint32_t ssrc);

  bool started() const { return started_; }
  uint64_t packets() const { return received_; }
  uint64_t bytes() const { return bytes_; }
  int64_t lost() const;
  uint32_t extendedHighestSeq() const { return static_cast<uint32_t>(highest_); }
  uint32_t jitterRtp() const { return static_cast<uint32_t>(jitter_); }
  double jitterMs(uint32_t clock_rate) const;
  uint8_t lastFractionLost() const { return last_fraction_; }
  uint64_t bitrate(int64_t now_us) const { return rate_.bps(now_us); }
  int64_t lastArrivalUs() const { return last_arrival_us_; }

 private:
  rtp::SeqUnwrapper unwrapper_;
  bool started_ = false;
  int64_t base_ = 0;
  int64_t highest_ = 0;
  uint64_t received_ = 0;
  uint64_t bytes_ = 0;
  int64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  uint8_t last_fraction_ = 0;
  bool transit_started_ = false;
  int64_t last_transit_ = 0;
  double jitter_ = 0;
  int64_t last_arrival_us_ = -1;
  RateWindow rate_;
};

}  // namespace sfu::room
