// Prometheus families for bandwidth estimation and layer allocation, registered in the process
// registry (sfu/metrics/registry.h) on first use:
//
//   sfu_subscriber_estimate_bps            histogram  a subscriber's estimate, sampled by the owner
//                                                     (e.g. once per layer check), never per packet
//   sfu_layer_switches_total{reason}       counter    start/up/down/paused/resumed/preference/...
//   sfu_bwe_estimate_changes_total{reason} counter    initial/increase/overuse/loss/probe/remb
//   sfu_bwe_probes_total{outcome}          counter    success/too_slow/lost/timeout
//
// Series are resolved once at construction; the observe/count calls are an atomic add (the
// histogram takes prometheus-cpp's short internal lock), cheap enough per event. Owners that keep
// per-subscriber counters anyway (BweStats, Allocator::Stats) can instead fold() them
// periodically: only the deltas since the last fold are added.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "sfu/bwe/allocator.h"
#include "sfu/bwe/bandwidth_estimator.h"
#include "sfu/bwe/probe_controller.h"

namespace prometheus {
class Counter;
class Histogram;
}  // namespace prometheus

namespace sfu::bwe {

class BweMetrics {
 public:
  static BweMetrics& instance();

  void observeEstimate(uint64_t bps);
  void countLayerSwitch(SwitchReason reason, uint64_t n = 1);
  void countEstimateChange(EstimateReason reason, uint64_t n = 1);
  void countProbe(ProbeResult::Outcome outcome, uint64_t n = 1);

 private:
  BweMetrics();

  prometheus::Histogram* estimate_;
  std::array<prometheus::Counter*, static_cast<size_t>(SwitchReason::kCount)> switches_{};
  std::array<prometheus::Counter*, static_cast<size_t>(EstimateReason::kCount)> changes_{};
  std::array<prometheus::Counter*, 4> probes_{};
};

// Per-subscriber export helper: remembers what was already exported and adds only the news.
class BweMetricsFolder {
 public:
  // Adds the counter deltas since the previous fold and observes the current estimate.
  void fold(const BweStats& bwe, const Allocator::Stats& allocator,
            const ProbeController::Stats& probes, BweMetrics& metrics = BweMetrics::instance());

 private:
  std::array<uint64_t, static_cast<size_t>(SwitchReason::kCount)> switches_{};
  std::array<uint64_t, static_cast<size_t>(EstimateReason::kCount)> changes_{};
  std::array<uint64_t, 4> probes_{};
};

}  // namespace sfu::bwe
