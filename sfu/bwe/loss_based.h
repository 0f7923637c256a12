// Loss-based controller (draft-ietf-rmcat-gcc-02 §6). Over each evaluation window (at least
// `interval` and `min_packets` reported packets) with loss fraction p:
//
//   p > 10%        As = As x (1 - 0.5 p)     decrease
//   2% <= p <= 10% As unchanged             hold
//   p < 2%         As = As x 1.05            increase
//
// The result is capped by the delay-based estimate (§6: the sender uses min(As, A)); a successful
// probe raises it like the delay-based one. Losses come from TWCC results, or from RTCP receiver
// reports (fraction lost) when transport-cc is not negotiated.
#pragma once

#include <cstdint>

#include "sfu/bwe/send_history.h"

namespace sfu::bwe {

struct LossBasedConfig {
  double low_loss = 0.02;
  double high_loss = 0.10;
  double increase_factor = 1.05;
  int64_t interval_us = 500'000;  // evaluation window
  uint32_t min_packets = 20;
  uint64_t min_bps = 30'000;
  uint64_t max_bps = 30'000'000;
};

class LossBasedBwe {
 public:
  enum class Change : uint8_t { kNone, kIncrease, kDecrease, kHold };

  explicit LossBasedBwe(const LossBasedConfig& config = {}, uint64_t initial_bps = 1'000'000);

  void onPacketResult(const PacketResult& result);
  // After a feedback: evaluates the window once it is long and full enough. `cap_bps` is the
  // delay-based estimate (0: no cap).
  Change onFeedbackDone(int64_t now_us, uint64_t cap_bps);
  // RTCP receiver report path: `fraction` (0..1) over `packets` since the last report.
  Change onLossReport(double fraction, uint32_t packets, int64_t now_us, uint64_t cap_bps);

  void onProbeResult(uint64_t bps);
  void setEstimate(uint64_t bps);
  uint64_t estimate() const { return estimate_; }
  double lastLossFraction() const { return last_fraction_; }

 private:
  Change apply(double fraction, uint64_t cap_bps);

  LossBasedConfig config_;
  uint64_t estimate_;
  uint32_t received_ = 0;
  uint32_t lost_ = 0;
  int64_t window_start_us_ = -1;
  double last_fraction_ = 0;
};

}  // namespace sfu::bwe
