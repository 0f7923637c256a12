#include "sfu/bwe/trendline_estimator.h"

#include <algorithm>

namespace sfu::bwe {

TrendlineEstimator::TrendlineEstimator(const TrendlineConfig& config)
    : config_(config), samples_(std::max<size_t>(config.window, 2)) {}

void TrendlineEstimator::reset() {
  next_ = count_ = 0;
  first_arrival_us_ = -1;
  accumulated_ms_ = smoothed_ms_ = trend_ = 0;
  num_deltas_ = 0;
}

double TrendlineEstimator::modifiedTrend() const {
  return std::min(num_deltas_, kMaxDeltas) * trend_ * config_.threshold_gain;
}

void TrendlineEstimator::update(double arrival_delta_ms, double send_delta_ms, int64_t arrival_us) {
  if (num_deltas_ < 1000) ++num_deltas_;
  if (first_arrival_us_ < 0) first_arrival_us_ = arrival_us;
  accumulated_ms_ += arrival_delta_ms - send_delta_ms;
  smoothed_ms_ = config_.smoothing * smoothed_ms_ + (1 - config_.smoothing) * accumulated_ms_;

  samples_[next_] =
      Sample{static_cast<double>(arrival_us - first_arrival_us_) / 1000.0, smoothed_ms_};
  next_ = (next_ + 1) % samples_.size();
  count_ = std::min(count_ + 1, samples_.size());
  if (count_ < samples_.size()) return;  // keep the previous trend until the window is full

  double sum_x = 0, sum_y = 0;
  for (const Sample& s : samples_) {
    sum_x += s.x_ms;
    sum_y += s.y_ms;
  }
  const double n = static_cast<double>(samples_.size());
  const double mean_x = sum_x / n, mean_y = sum_y / n;
  double num = 0, den = 0;
  for (const Sample& s : samples_) {
    num += (s.x_ms - mean_x) * (s.y_ms - mean_y);
    den += (s.x_ms - mean_x) * (s.x_ms - mean_x);
  }
  if (den > 0) trend_ = num / den;  // all samples at one instant: no slope, keep the last
}

}  // namespace sfu::bwe
