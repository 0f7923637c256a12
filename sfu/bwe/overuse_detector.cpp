#include "sfu/bwe/overuse_detector.h"

#include <algorithm>
#include <cmath>

namespace sfu::bwe {

const char* toString(BandwidthUsage usage) {
  switch (usage) {
    case BandwidthUsage::kNormal:
      return "normal";
    case BandwidthUsage::kUnderusing:
      return "underusing";
    case BandwidthUsage::kOverusing:
      return "overusing";
  }
  return "?";
}

OveruseDetector::OveruseDetector(const OveruseConfig& config)
    : config_(config), threshold_(config.initial_threshold_ms) {}

void OveruseDetector::reset() {
  threshold_ = config_.initial_threshold_ms;
  last_update_us_ = -1;
  time_over_using_ms_ = -1;
  overuse_counter_ = 0;
  prev_trend_ = 0;
  state_ = BandwidthUsage::kNormal;
}

BandwidthUsage OveruseDetector::detect(double modified_trend, double ts_delta_ms, int num_deltas,
                                       int64_t now_us) {
  if (num_deltas < 2) return BandwidthUsage::kNormal;
  if (modified_trend > threshold_) {
    // §5.4: the signal must persist for overuse_time_th. The first sample above the threshold
    // counts half of the time since the previous one.
    time_over_using_ms_ =
        time_over_using_ms_ < 0 ? ts_delta_ms / 2 : time_over_using_ms_ + ts_delta_ms;
    ++overuse_counter_;
    if (time_over_using_ms_ > config_.overuse_time_ms && overuse_counter_ > 1 &&
        modified_trend >= prev_trend_) {
      time_over_using_ms_ = 0;
      overuse_counter_ = 0;
      state_ = BandwidthUsage::kOverusing;
    }
  } else if (modified_trend < -threshold_) {
    time_over_using_ms_ = -1;
    overuse_counter_ = 0;
    state_ = BandwidthUsage::kUnderusing;
  } else {
    time_over_using_ms_ = -1;
    overuse_counter_ = 0;
    state_ = BandwidthUsage::kNormal;
  }
  prev_trend_ = modified_trend;
  if (config_.adaptive) updateThreshold(modified_trend, now_us);
  return state_;
}

void OveruseDetector::updateThreshold(double modified_trend, int64_t now_us) {
  if (last_update_us_ < 0) last_update_us_ = now_us;
  const double magnitude = std::fabs(modified_trend);
  if (magnitude > threshold_ + config_.max_adapt_offset_ms) {
    // A spike (e.g. a route change or a probe burst) would drag the threshold up for a long time.
    last_update_us_ = now_us;
    return;
  }
  const double k = magnitude < threshold_ ? config_.k_down : config_.k_up;
  const double dt_ms =
      std::min<double>(static_cast<double>(now_us - last_update_us_) / 1000.0, 100);
  threshold_ += k * (magnitude - threshold_) * dt_ms;
  threshold_ = std::clamp(threshold_, config_.min_threshold_ms, config_.max_threshold_ms);
  last_update_us_ = now_us;
}

}  // namespace sfu::bwe
