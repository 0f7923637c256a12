#include "sfu/bwe/loss_based.h"

#include <algorithm>

namespace sfu::bwe {

LossBasedBwe::LossBasedBwe(const LossBasedConfig& config, uint64_t initial_bps)
    : config_(config), estimate_(initial_bps) {
  setEstimate(initial_bps);
}

void LossBasedBwe::setEstimate(uint64_t bps) {
  estimate_ = std::clamp(bps, config_.min_bps, std::max(config_.min_bps, config_.max_bps));
}

void LossBasedBwe::onProbeResult(uint64_t bps) {
  // A probe that got through at this rate with few losses says the path carries it.
  if (bps > estimate_ && last_fraction_ <= config_.high_loss) setEstimate(bps);
}

void LossBasedBwe::onPacketResult(const PacketResult& result) {
  if (result.received()) {
    ++received_;
  } else {
    ++lost_;
  }
}

LossBasedBwe::Change LossBasedBwe::onFeedbackDone(int64_t now_us, uint64_t cap_bps) {
  if (window_start_us_ < 0) window_start_us_ = now_us;
  const uint32_t total = received_ + lost_;
  if (now_us - window_start_us_ < config_.interval_us || total < config_.min_packets) {
    // Still apply the cap so the loss estimate never sits above the delay-based one.
    if (cap_bps != 0 && estimate_ > cap_bps) setEstimate(cap_bps);
    return Change::kNone;
  }
  const double fraction = static_cast<double>(lost_) / total;
  received_ = lost_ = 0;
  window_start_us_ = now_us;
  return apply(fraction, cap_bps);
}

LossBasedBwe::Change LossBasedBwe::onLossReport(double fraction, uint32_t packets, int64_t now_us,
                                                uint64_t cap_bps) {
  if (packets == 0) return Change::kNone;
  window_start_us_ = now_us;
  return apply(std::clamp(fraction, 0.0, 1.0), cap_bps);
}

LossBasedBwe::Change LossBasedBwe::apply(double fraction, uint64_t cap_bps) {
  last_fraction_ = fraction;
  Change change = Change::kHold;
  uint64_t next = estimate_;
  if (fraction > config_.high_loss) {
    next = static_cast<uint64_t>(static_cast<double>(estimate_) * (1 - 0.5 * fraction));
    change = Change::kDecrease;
  } else if (fraction < config_.low_loss) {
    next = static_cast<uint64_t>(static_cast<double>(estimate_) * config_.increase_factor);
    change = Change::kIncrease;
  }
  if (cap_bps != 0) next = std::min(next, std::max(cap_bps, config_.min_bps));
  setEstimate(next);
  return change;
}

}  // namespace sfu::bwe
