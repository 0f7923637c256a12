// Delay-based controller (draft-ietf-rmcat-gcc-02 §5), run at the sender from TWCC feedback as
// libwebrtc's send-side estimator does:
//
//   PacketResult ──► InterArrival (5 ms groups) ──► TrendlineEstimator ──► OveruseDetector
//        │                                                                       │ usage
//        └────────► AckedBitrateEstimator ── acked rate ──► AimdRateControl ◄────┘
//
// Results are fed one by one as a feedback packet is walked; onFeedbackDone() then runs one rate
// control step with the strongest signal seen in that feedback.
#pragma once

#include <cstdint>
#include <optional>

#include "sfu/bwe/acked_bitrate.h"
#include "sfu/bwe/aimd_rate_control.h"
#include "sfu/bwe/inter_arrival.h"
#include "sfu/bwe/overuse_detector.h"
#include "sfu/bwe/send_history.h"
#include "sfu/bwe/trendline_estimator.h"

namespace sfu::bwe {

struct DelayBasedConfig {
  TrendlineConfig trendline;
  OveruseConfig overuse;
  AimdConfig aimd;
  int64_t acked_window_us = 500'000;
};

class DelayBasedBwe {
 public:
  struct Update {
    uint64_t estimate_bps = 0;
    BandwidthUsage usage = BandwidthUsage::kNormal;
    bool decreased = false;  // an overuse lowered the estimate
    bool increased = false;
  };

  explicit DelayBasedBwe(const DelayBasedConfig& config = {}, uint64_t initial_bps = 1'000'000);

  void onPacketResult(const PacketResult& result, int64_t now_us);
  Update onFeedbackDone(int64_t now_us);

  // A probe measured the path at `bps`: jump there (never used to lower the estimate).
  void onProbeResult(uint64_t bps, int64_t now_us);
  void setEstimate(uint64_t bps, int64_t now_us) { aimd_.setEstimate(bps, now_us); }
  void setRtt(int64_t rtt_us) { aimd_.setRtt(rtt_us); }

  uint64_t estimate() const { return aimd_.estimate(); }
  std::optional<uint64_t> ackedBitrate() const { return acked_.bitrate(); }
  BandwidthUsage usage() const { return detector_.state(); }
  double threshold() const { return detector_.threshold(); }
  double trend() const { return trendline_.trend(); }
  const AimdRateControl& rateControl() const { return aimd_; }

 private:
  InterArrival inter_arrival_;
  TrendlineEstimator trendline_;
  OveruseDetector detector_;
  AckedBitrateEstimator acked_;
  AimdRateControl aimd_;
  bool overuse_in_feedback_ = false;
  bool fed_in_feedback_ = false;
};

}  // namespace sfu::bwe
