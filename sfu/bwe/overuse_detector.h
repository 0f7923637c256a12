// Over-use detector with an adaptive threshold (draft-ietf-rmcat-gcc-02 §5.4).
//
// The filtered delay gradient m(i) (here the modified trend) is compared with a threshold
// del_var_th(i): above it for at least overuse_time_th (10 ms) and not decreasing → overuse;
// below -del_var_th → underuse; otherwise normal. The threshold tracks |m(i)| so that the
// detector neither starves against loss-based flows nor stays silent with small queues:
//
//   del_var_th(i) = del_var_th(i-1) + dt * K(i) * (|m(i)| - del_var_th(i-1))
//   K(i) = k_down if |m(i)| < del_var_th(i-1) else k_up        (dt in ms, at most 100)
//
// With libwebrtc's constants k_up = 0.0087 and k_down = 0.039 (the draft's -02 text lists
// K_u = 0.01, K_d = 0.00018 for its Kalman-filter scale). Outliers (|m| more than 15 ms above
// the threshold) do not move it; it stays within [6, 600] ms.
#pragma once

#include <cstdint>

namespace sfu::bwe {

enum class BandwidthUsage : uint8_t { kNormal, kUnderusing, kOverusing };
const char* toString(BandwidthUsage usage);

struct OveruseConfig {
  double k_up = 0.0087;
  double k_down = 0.039;
  double initial_threshold_ms = 12.5;
  double min_threshold_ms = 6;
  double max_threshold_ms = 600;
  double overuse_time_ms = 10;  // overuse_time_th
  double max_adapt_offset_ms = 15;
  bool adaptive = true;
};

class OveruseDetector {
 public:
  explicit OveruseDetector(const OveruseConfig& config = {});

  // modified_trend: m(i); ts_delta_ms: send-time span since the previous call (group delta).
  BandwidthUsage detect(double modified_trend, double ts_delta_ms, int num_deltas, int64_t now_us);
  BandwidthUsage state() const { return state_; }
  double threshold() const { return threshold_; }
  void reset();

 private:
  void updateThreshold(double modified_trend, int64_t now_us);

  OveruseConfig config_;
  double threshold_;
  int64_t last_update_us_ = -1;
  double time_over_using_ms_ = -1;
  int overuse_counter_ = 0;
  double prev_trend_ = 0;
  BandwidthUsage state_ = BandwidthUsage::kNormal;
};

}  // namespace sfu::bwe
