// Acknowledged (received) bitrate: what the receiver actually got, from TWCC arrival times. The
// rate controller decreases to a fraction of it on overuse (draft-ietf-rmcat-gcc-02 §5.5, R_hat)
// and caps increases relative to it. Bytes are counted in fixed buckets of the receiver's arrival
// clock; the rate is taken over the last `window` of complete buckets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace sfu::bwe {

class AckedBitrateEstimator {
 public:
  static constexpr int64_t kBucketUs = 50'000;
  static constexpr size_t kMaxBuckets = 40;  // up to 2 s of window

  explicit AckedBitrateEstimator(int64_t window_us = 500'000);

  void onPacket(int64_t arrival_us, size_t size);
  // Rate over the last complete window; nullopt until one window of arrivals was seen.
  std::optional<uint64_t> bitrate() const;
  void reset();

 private:
  struct Bucket {
    int64_t id = -1;
    uint64_t bytes = 0;
  };

  size_t window_buckets_;
  std::array<Bucket, kMaxBuckets + 1> buckets_{};
  int64_t first_id_ = -1;
  int64_t latest_id_ = -1;
};

}  // namespace sfu::bwe
