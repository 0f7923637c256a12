#include "sfu/bwe/acked_bitrate.h"

#include <algorithm>

namespace sfu::bwe {

AckedBitrateEstimator::AckedBitrateEstimator(int64_t window_us)
    : window_buckets_(
          std::clamp<size_t>(static_cast<size_t>(window_us / kBucketUs), 1, kMaxBuckets)) {}

void AckedBitrateEstimator::reset() {
  buckets_.fill(Bucket{});
  first_id_ = latest_id_ = -1;
}

void AckedBitrateEstimator::onPacket(int64_t arrival_us, size_t size) {
  if (arrival_us < 0) return;
  const int64_t id = arrival_us / kBucketUs;
  if (first_id_ < 0) first_id_ = id;
  if (latest_id_ >= 0 && id <= latest_id_ - static_cast<int64_t>(buckets_.size())) return;
  latest_id_ = std::max(latest_id_, id);
  Bucket& b = buckets_[static_cast<size_t>(id) % buckets_.size()];
  if (b.id != id) b = Bucket{id, 0};
  b.bytes += size;
}

std::optional<uint64_t> AckedBitrateEstimator::bitrate() const {
  // Complete buckets only: the latest one is still filling.
  const auto window = static_cast<int64_t>(window_buckets_);
  if (latest_id_ < 0 || latest_id_ - first_id_ < window) return std::nullopt;
  uint64_t bytes = 0;
  for (int64_t id = latest_id_ - window; id < latest_id_; ++id) {
    const Bucket& b = buckets_[static_cast<size_t>(id) % buckets_.size()];
    if (b.id == id) bytes += b.bytes;
  }
  return bytes * 8'000'000 / static_cast<uint64_t>(window * kBucketUs);
}

}  // namespace sfu::bwe
