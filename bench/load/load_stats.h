#pragma once

// Counters of one media thread, reset at the start of the measured window.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bench::load {

class LoadStats {
 public:
  static constexpr int64_t kBucketNs = 10'000;  // 10 µs
  static constexpr size_t kBuckets = 200'000;   // up to 2 s

  LoadStats() : latency_(kBuckets + 1, 0) {}

  void reset() {
    std::fill(latency_.begin(), latency_.end(), 0);
    *this = LoadStats(std::move(latency_));
  }

  void addLatency(int64_t ns) {
    const int64_t b = ns < 0 ? 0 : ns / kBucketNs;
    ++latency_[b > static_cast<int64_t>(kBuckets) ? kBuckets : static_cast<size_t>(b)];
    ++latencySamples;
  }
  // Latency at quantile q (0..1) in µs; -1 without samples.
  double latencyUs(double q) const {
    if (latencySamples == 0) return -1;
    const uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(latencySamples - 1));
    uint64_t seen = 0;
    for (size_t i = 0; i < latency_.size(); ++i) {
      seen += latency_[i];
      if (seen > rank) return (static_cast<double>(i) + 0.5) * kBucketNs / 1000.0;
    }
    return static_cast<double>(kBuckets) * kBucketNs / 1000.0;
  }

  uint64_t rtpReceived = 0;  // forwarded RTP packets received by subscribers (with a valid tag)
  uint64_t bytesReceived = 0;
  uint64_t videoReceived = 0;
  uint64_t audioReceived = 0;
  uint64_t latencySamples = 0;
  uint64_t rtpSent = 0;
  uint64_t bytesSent = 0;
  uint64_t nacksReceived = 0;
  uint64_t retransmitted = 0;
  uint64_t plisReceived = 0;
  uint64_t keyframesSent = 0;
  uint64_t lateTicks = 0;  // the generator fell behind its schedule

 private:
  explicit LoadStats(std::vector<uint64_t>&& latency) : latency_(std::move(latency)) {}
  std::vector<uint64_t> latency_;
};

}  // namespace bench::load
