// Arrival-time filter of the delay-based controller. draft-ietf-rmcat-gcc-02 §5.3 describes a
// Kalman filter of the one-way delay gradient m(i); like libwebrtc's current send-side estimator
// we instead fit a line through the smoothed accumulated delay variation of the last `window`
// groups and use its slope (the "trendline"): a positive slope means a queue is building.
//
//   accumulated(i) = sum of d(j) = (t(j) - t(j-1)) - (T(j) - T(j-1))      (ms)
//   smoothed(i)    = smoothing * smoothed(i-1) + (1 - smoothing) * accumulated(i)
//   trend          = least-squares slope of smoothed(i) over arrival time (ms/ms)
//   modified trend = min(deltas, 60) * trend * threshold_gain   (what the detector compares)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sfu::bwe {

struct TrendlineConfig {
  size_t window = 20;
  double smoothing = 0.9;
  double threshold_gain = 4.0;
};

class TrendlineEstimator {
 public:
  static constexpr int kMaxDeltas = 60;

  explicit TrendlineEstimator(const TrendlineConfig& config = {});

  // One group delta: inter-arrival and inter-departure in ms, and the group's arrival time.
  void update(double arrival_delta_ms, double send_delta_ms, int64_t arrival_us);

  double trend() const { return trend_; }
  double modifiedTrend() const;
  int numDeltas() const { return num_deltas_; }
  void reset();

 private:
  struct Sample {
    double x_ms;
    double y_ms;
  };

  TrendlineConfig config_;
  std::vector<Sample> samples_;  // ring of `window` samples
  size_t next_ = 0;
  size_t count_ = 0;
  int64_t first_arrival_us_ = -1;
  double accumulated_ms_ = 0;
  double smoothed_ms_ = 0;
  double trend_ = 0;
  int num_deltas_ = 0;
};

}  // namespace sfu::bwe
