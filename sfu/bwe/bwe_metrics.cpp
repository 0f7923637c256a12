#include "sfu/bwe/bwe_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "sfu/metrics/registry.h"

namespace sfu::bwe {

BweMetrics& BweMetrics::instance() {
  static BweMetrics metrics;
  return metrics;
}

BweMetrics::BweMetrics() {
  auto& registry = metrics::registry();
  estimate_ =
      &prometheus::BuildHistogram()
           .Name("sfu_subscriber_estimate_bps")
           .Help("Send-side bandwidth estimate of a subscriber transport (bits per second)")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{100e3, 200e3, 300e3, 500e3, 750e3, 1e6,
                                                            1.5e6, 2e6, 3e6, 5e6, 8e6, 12e6, 20e6});
  auto& switches =
      prometheus::BuildCounter()
          .Name("sfu_layer_switches_total")
          .Help("Layer changes of forwarded streams decided by the allocator, by reason")
          .Register(registry);
  for (size_t i = 1; i < switches_.size(); ++i) {  // kNone is never counted
    switches_[i] = &switches.Add({{"reason", toString(static_cast<SwitchReason>(i))}});
  }
  auto& changes = prometheus::BuildCounter()
                      .Name("sfu_bwe_estimate_changes_total")
                      .Help("Changes of subscriber bandwidth estimates, by reason")
                      .Register(registry);
  for (size_t i = 0; i < changes_.size(); ++i) {
    changes_[i] = &changes.Add({{"reason", toString(static_cast<EstimateReason>(i))}});
  }
  auto& probes = prometheus::BuildCounter()
                     .Name("sfu_bwe_probes_total")
                     .Help("Bandwidth probe clusters by outcome")
                     .Register(registry);
  for (size_t i = 0; i < probes_.size(); ++i) {
    probes_[i] = &probes.Add({{"outcome", toString(static_cast<ProbeResult::Outcome>(i))}});
  }
}

void BweMetrics::observeEstimate(uint64_t bps) { estimate_->Observe(static_cast<double>(bps)); }

void BweMetrics::countLayerSwitch(SwitchReason reason, uint64_t n) {
  const auto i = static_cast<size_t>(reason);
  if (i < switches_.size() && switches_[i] != nullptr && n != 0) {
    switches_[i]->Increment(static_cast<double>(n));
  }
}

void BweMetrics::countEstimateChange(EstimateReason reason, uint64_t n) {
  const auto i = static_cast<size_t>(reason);
  if (i < changes_.size() && n != 0) changes_[i]->Increment(static_cast<double>(n));
}

void BweMetrics::countProbe(ProbeResult::Outcome outcome, uint64_t n) {
  const auto i = static_cast<size_t>(outcome);
  if (i < probes_.size() && n != 0) probes_[i]->Increment(static_cast<double>(n));
}

void BweMetricsFolder::fold(const BweStats& bwe, const Allocator::Stats& allocator,
                            const ProbeController::Stats& probes, BweMetrics& metrics) {
  for (size_t i = 0; i < switches_.size(); ++i) {
    const uint64_t now = allocator.switches[i];
    if (now > switches_[i])
      metrics.countLayerSwitch(static_cast<SwitchReason>(i), now - switches_[i]);
    switches_[i] = now;
  }
  for (size_t i = 0; i < changes_.size(); ++i) {
    const uint64_t now = bwe.changes[i];
    if (now > changes_[i])
      metrics.countEstimateChange(static_cast<EstimateReason>(i), now - changes_[i]);
    changes_[i] = now;
  }
  for (size_t i = 0; i < probes_.size(); ++i) {
    const uint64_t now = probes.outcomes[i];
    if (now > probes_[i])
      metrics.countProbe(static_cast<ProbeResult::Outcome>(i), now - probes_[i]);
    probes_[i] = now;
  }
  metrics.observeEstimate(bwe.estimate_bps);
}

}  // namespace sfu::bwe
