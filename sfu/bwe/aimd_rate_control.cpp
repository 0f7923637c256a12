#include "sfu/bwe/aimd_rate_control.h"

#include <algorithm>
#include <cmath>

namespace sfu::bwe {
namespace {

constexpr double kLinkSmoothing = 0.05;
constexpr double kFrameRate = 30;
constexpr double kMtuBits = 1200 * 8;

}  // namespace

AimdRateControl::AimdRateControl(const AimdConfig& config)
    : config_(config), estimate_(config.max_bps), rtt_us_(config.default_rtt_us) {}

uint64_t AimdRateControl::clampRate(uint64_t bps) const {
  return std::clamp(bps, config_.min_bps, std::max(config_.min_bps, config_.max_bps));
}

void AimdRateControl::setEstimate(uint64_t bps, int64_t now_us) {
  initialized_ = true;
  estimate_ = clampRate(bps);
  last_change_us_ = now_us;
}

void AimdRateControl::changeState(BandwidthUsage usage, int64_t now_us) {
  switch (usage) {
    case BandwidthUsage::kOverusing:
      state_ = RateControlState::kDecrease;
      break;
    case BandwidthUsage::kNormal:
      if (state_ == RateControlState::kHold) {
        state_ = RateControlState::kIncrease;
        last_change_us_ = now_us;  // the increase is measured from here, not from the decrease
      }
      break;
    case BandwidthUsage::kUnderusing:
      // §5.5: under-use means queues drain; hold until they are empty.
      state_ = RateControlState::kHold;
      break;
  }
}

uint64_t AimdRateControl::multiplicativeIncrease(int64_t now_us) const {
  const double dt_s = std::min(static_cast<double>(now_us - last_change_us_) / 1e6, 1.0);
  const double eta = std::pow(config_.eta_per_second, std::max(dt_s, 0.0));
  return std::max<uint64_t>(static_cast<uint64_t>(static_cast<double>(estimate_) * (eta - 1)),
                            1000);
}

uint64_t AimdRateControl::additiveIncrease(int64_t now_us) const {
  // §5.5: alpha = 0.5 * min(time_since_last_update / response_time, 1), increase by
  // max(1000, alpha * expected_packet_size_bits), the packet size from the frame size at 30 fps.
  const double response_ms = 100.0 + static_cast<double>(rtt_us_) / 1000.0;
  const double dt_ms = static_cast<double>(now_us - last_change_us_) / 1000.0;
  const double alpha = 0.5 * std::min(std::max(dt_ms, 0.0) / response_ms, 1.0);
  const double frame_bits = static_cast<double>(estimate_) / kFrameRate;
  const double packets = std::max(1.0, std::ceil(frame_bits / kMtuBits));
  const double packet_bits = frame_bits / packets;
  return std::max<uint64_t>(1000, static_cast<uint64_t>(alpha * packet_bits));
}

double AimdRateControl::linkStdKbps() const {
  return std::sqrt(link_var_ * std::max(link_avg_kbps_, 1.0));
}

void AimdRateControl::updateLinkCapacity(double acked_kbps) {
  if (link_avg_kbps_ < 0) {
    link_avg_kbps_ = acked_kbps;
  } else {
    link_avg_kbps_ = (1 - kLinkSmoothing) * link_avg_kbps_ + kLinkSmoothing * acked_kbps;
  }
  // Variance normalized by the average, so one value fits any rate.
  const double norm = std::max(link_avg_kbps_, 1.0);
  const double dev = link_avg_kbps_ - acked_kbps;
  link_var_ = (1 - kLinkSmoothing) * link_var_ + kLinkSmoothing * dev * dev / norm;
  link_var_ = std::clamp(link_var_, 0.4, 2.5);
}

uint64_t AimdRateControl::update(BandwidthUsage usage, std::optional<uint64_t> acked_bps,
                                 int64_t now_us) {
  last_decreased_ = false;
  if (!initialized_) {
    // Without an initial value, start from the first acked rate we get.
    if (!acked_bps) return estimate_;
    setEstimate(*acked_bps, now_us);
  }
  if (last_change_us_ < 0) last_change_us_ = now_us;
  changeState(usage, now_us);

  uint64_t next = estimate_;
  switch (state_) {
    case RateControlState::kHold:
      break;
    case RateControlState::kIncrease: {
      if (acked_bps && link_avg_kbps_ >= 0) {
        const double acked_kbps = static_cast<double>(*acked_bps) / 1000.0;
        // The link got faster than anything seen at a decrease: back to fast increase.
        if (acked_kbps > link_avg_kbps_ + 3 * linkStdKbps()) link_avg_kbps_ = -1;
      }
      const uint64_t step =
          nearConvergence() ? additiveIncrease(now_us) : multiplicativeIncrease(now_us);
      if (acked_bps) {
        const auto limit =
            static_cast<uint64_t>(config_.acked_cap_ratio * static_cast<double>(*acked_bps)) +
            config_.acked_cap_extra_bps;
        if (estimate_ < limit) next = std::min(estimate_ + step, limit);
      } else {
        next = estimate_ + step;
      }
      last_change_us_ = now_us;
      break;
    }
    case RateControlState::kDecrease: {
      const double acked =
          acked_bps ? static_cast<double>(*acked_bps) : static_cast<double>(estimate_);
      auto decreased = static_cast<uint64_t>(config_.beta * acked);
      if (decreased > estimate_ && link_avg_kbps_ >= 0) {
        decreased = static_cast<uint64_t>(config_.beta * link_avg_kbps_ * 1000);
      }
      if (decreased < estimate_) {
        next = decreased;
        last_decreased_ = true;
      }
      if (acked_bps) {
        const double acked_kbps = static_cast<double>(*acked_bps) / 1000.0;
        // Far below what we knew: the link changed, forget the old capacity.
        if (link_avg_kbps_ >= 0 && acked_kbps < link_avg_kbps_ - 3 * linkStdKbps()) {
          link_avg_kbps_ = -1;
        }
        updateLinkCapacity(acked_kbps);
      }
      state_ = RateControlState::kHold;
      last_change_us_ = now_us;
      break;
    }
  }
  estimate_ = clampRate(next);
  return estimate_;
}

}  // namespace sfu::bwe
