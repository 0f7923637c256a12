// A histogram for one thread's hot path: plain bucket counts and a sum, no atomics, no locks.
// prometheus::Histogram::Observe takes a mutex, so the media path observes into a LocalHistogram
// owned by its worker and a HistogramFolder adds what changed to the shared Prometheus histogram
// about once a second (one ObserveMultiple call per fold).
//
//   worker thread:  LocalHistogram::observe(v, n)   ── counts[bucket(v)] += n, sum += v * n
//   worker thread:  HistogramFolder::fold(local)    ── ObserveMultiple(deltas, sum delta)
//
// Bucket bounds are upper bounds (`le`), ascending; one more count holds +Inf. Both classes
// allocate only at construction (and the folder once per fold).
#pragma once

#include <prometheus/histogram.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sfu::metrics {

class LocalHistogram {
 public:
  explicit LocalHistogram(std::span<const double> bounds)
      : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

  // Counts `n` observations of `value` (n = 0 is a no-op).
  void observe(double value, uint64_t n = 1) {
    if (n == 0) return;
    size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    counts_[i] += n;
    sum_ += value * static_cast<double>(n);
    count_ += n;
  }

  std::span<const double> bounds() const { return bounds_; }
  // Non-cumulative counts per bucket; the last one is (last bound, +Inf).
  const std::vector<uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::span<const double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

// Adds a LocalHistogram's growth since the previous fold to a prometheus::Histogram with the same
// bounds.
class HistogramFolder {
 public:
  HistogramFolder(prometheus::Histogram& target, size_t bucket_count)
      : target_(target), last_(bucket_count + 1, 0), deltas_(bucket_count + 1, 0) {}

  void fold(const LocalHistogram& local) {
    const auto& counts = local.counts();
    if (counts.size() != last_.size() || local.count() == last_count_) return;
    for (size_t i = 0; i < counts.size(); ++i) {
      deltas_[i] = static_cast<double>(counts[i] - last_[i]);
      last_[i] = counts[i];
    }
    target_.ObserveMultiple(deltas_, local.sum() - last_sum_);
    last_sum_ = local.sum();
    last_count_ = local.count();
  }

 private:
  prometheus::Histogram& target_;
  std::vector<uint64_t> last_;
  std::vector<double> deltas_;
  double last_sum_ = 0;
  uint64_t last_count_ = 0;
};

}  // namespace sfu::metrics
