// Rate control of the delay-based controller (draft-ietf-rmcat-gcc-02 §5.5): a three-state
// machine driven by the over-use detector's signal
//
//            | Hold     | Increase  | Decrease
//   ---------+----------+-----------+----------
//   Overuse  | Decrease | Decrease  |  (stay)
//   Normal   | Increase |  (stay)   |  Hold
//   Underuse |  (stay)  | Hold      |  Hold
//
// Increase: multiplicative (eta = 1.08 per second) while far from convergence, additive (about
// half a packet per response time, 100 ms + RTT) once the rate is near the link capacity seen at
// previous decreases (within 3 standard deviations of their average). Never above
// 1.5 x the received rate (+10 kbps): an application-limited sender must probe instead.
// Decrease: A = beta x R, beta = 0.85, R the received (acked) rate; then Hold.
#pragma once

#include <cstdint>
#include <optional>

#include "sfu/bwe/overuse_detector.h"

namespace sfu::bwe {

struct AimdConfig {
  uint64_t min_bps = 30'000;
  uint64_t max_bps = 30'000'000;
  double beta = 0.85;
  double eta_per_second = 1.08;
  int64_t default_rtt_us = 200'000;
  // Increases stop at acked x ratio + extra (the estimate does not run away while app-limited).
  double acked_cap_ratio = 1.5;
  uint64_t acked_cap_extra_bps = 10'000;
};

enum class RateControlState : uint8_t { kHold, kIncrease, kDecrease };

class AimdRateControl {
 public:
  explicit AimdRateControl(const AimdConfig& config = {});

  void setEstimate(uint64_t bps, int64_t now_us);
  void setRtt(int64_t rtt_us) { rtt_us_ = rtt_us; }
  // One step per feedback. Returns the new estimate.
  uint64_t update(BandwidthUsage usage, std::optional<uint64_t> acked_bps, int64_t now_us);

  uint64_t estimate() const { return estimate_; }
  bool initialized() const { return initialized_; }
  RateControlState state() const { return state_; }
  bool nearConvergence() const { return link_avg_kbps_ >= 0; }
  // Average acked rate at decreases (the link capacity estimate), -1 when unknown.
  double linkCapacityKbps() const { return link_avg_kbps_; }
  bool lastUpdateDecreased() const { return last_decreased_; }

 private:
  void changeState(BandwidthUsage usage, int64_t now_us);
  uint64_t multiplicativeIncrease(int64_t now_us) const;
  uint64_t additiveIncrease(int64_t now_us) const;
  void updateLinkCapacity(double acked_kbps);
  double linkStdKbps() const;
  uint64_t clampRate(uint64_t bps) const;

  AimdConfig config_;
  uint64_t estimate_;
  bool initialized_ = false;
  RateControlState state_ = RateControlState::kHold;
  int64_t last_change_us_ = -1;
  int64_t rtt_us_;
  double link_avg_kbps_ = -1;
  double link_var_ = 0.4;  // normalized variance (kbps), as libwebrtc starts it
  bool last_decreased_ = false;
};

}  // namespace sfu::bwe
