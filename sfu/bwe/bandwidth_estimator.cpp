#include "sfu/bwe/bandwidth_estimator.h"

#include <algorithm>

namespace sfu::bwe {
namespace {

DelayBasedConfig withBounds(DelayBasedConfig config, const BandwidthEstimatorConfig& outer) {
  config.aimd.min_bps = outer.min_bps;
  config.aimd.max_bps = outer.max_bps;
  return config;
}

LossBasedConfig withBounds(LossBasedConfig config, const BandwidthEstimatorConfig& outer) {
  config.min_bps = outer.min_bps;
  config.max_bps = outer.max_bps;
  return config;
}

}  // namespace

const char* toString(EstimateReason reason) {
  switch (reason) {
    case EstimateReason::kInitial:
      return "initial";
    case EstimateReason::kIncrease:
      return "increase";
    case EstimateReason::kOveruse:
      return "overuse";
    case EstimateReason::kLoss:
      return "loss";
    case EstimateReason::kProbe:
      return "probe";
    case EstimateReason::kRemb:
      return "remb";
    case EstimateReason::kCount:
      break;
  }
  return "?";
}

BandwidthEstimator::BandwidthEstimator(const BandwidthEstimatorConfig& config)
    : config_(config),
      history_(config.history_packets),
      delay_(withBounds(config.delay, config), config.initial_bps),
      loss_(withBounds(config.loss, config), config.initial_bps),
      probes_(config.probe),
      estimate_(std::clamp(config.initial_bps, config.min_bps, config.max_bps)) {
  stats_.estimate_bps = estimate_;
  stats_.delay_bps = delay_.estimate();
  stats_.loss_bps = loss_.estimate();
}

uint16_t BandwidthEstimator::onPacketSent(size_t size, int64_t now_us, int cluster) {
  const uint16_t seq = history_.onPacketSent(now_us, size, cluster);
  if (cluster != kNoCluster) probes_.onProbeSent(cluster, history_.lastSeq(), now_us);
  return seq;
}

void BandwidthEstimator::onResult(const PacketResult& result, int64_t now_us) {
  delay_.onPacketResult(result, now_us);
  loss_.onPacketResult(result);
  probes_.onPacketResult(result);
}

void BandwidthEstimator::onTwccFeedback(const rtp::rtcp::TwccView& feedback, int64_t now_us) {
  history_.onFeedback(feedback, [&](const PacketResult& r) { onResult(r, now_us); });
  onFeedbackDone(now_us);
}

void BandwidthEstimator::onPacketResults(std::span<const PacketResult> results, int64_t now_us) {
  for (const PacketResult& r : results) onResult(r, now_us);
  onFeedbackDone(now_us);
}

void BandwidthEstimator::onFeedbackDone(int64_t now_us) {
  twcc_seen_ = true;
  ++stats_.feedbacks;
  DelayBasedBwe::Update d = delay_.onFeedbackDone(now_us);
  // The guard ends once the probe's result is in, the drain time passed and the detector no
  // longer sees a queue growing (at most probe_guard_max_us after the result).
  if (probe_guard_ && !probes_.busy() && now_us > probe_guard_until_us_ &&
      (d.usage != BandwidthUsage::kOverusing || now_us > probe_guard_hard_until_us_)) {
    probe_guard_ = false;
  }
  if (probe_guard_ && d.decreased) {
    delay_.setEstimate(std::max(pre_probe_delay_bps_, d.estimate_bps), now_us);
    d.estimate_bps = delay_.estimate();
    d.decreased = false;
    ++stats_.probe_masked_decreases;
  }
  const LossBasedBwe::Change l = loss_.onFeedbackDone(now_us, d.estimate_bps);
  stats_.acked_bps = delay_.ackedBitrate().value_or(0);
  stats_.loss_fraction = loss_.lastLossFraction();

  // A finished probe lifts both controllers before the estimate is recomputed.
  bool probed = false;
  if (auto r = probes_.takeResult(now_us)) {
    if (r->success()) {
      delay_.onProbeResult(r->measured_bps, now_us);
      loss_.onProbeResult(r->measured_bps);
      probed = true;
    }
    probe_result_ = r;
    probe_guard_until_us_ = now_us + config_.probe_drain_us;
    probe_guard_hard_until_us_ = now_us + config_.probe_guard_max_us;
  }
  const EstimateReason decrease = l == LossBasedBwe::Change::kDecrease && !d.decreased
                                      ? EstimateReason::kLoss
                                      : EstimateReason::kOveruse;
  publish(now_us, probed ? EstimateReason::kProbe : EstimateReason::kIncrease, decrease);
}

void BandwidthEstimator::onRemb(uint64_t bps, int64_t now_us) {
  ++stats_.rembs;
  remb_bps_ = bps;
  if (!twcc_seen_) {
    // REMB mode: the receiver ran the delay-based part for us.
    delay_.setEstimate(bps, now_us);
  }
  publish(now_us, EstimateReason::kRemb, EstimateReason::kRemb);
}

void BandwidthEstimator::onReceiverReportLoss(uint8_t fraction_lost, uint32_t packets,
                                              int64_t now_us) {
  if (twcc_seen_) return;  // TWCC results already count every loss
  loss_.onLossReport(fraction_lost / 256.0, packets, now_us, delay_.estimate());
  stats_.loss_fraction = loss_.lastLossFraction();
  publish(now_us, EstimateReason::kIncrease, EstimateReason::kLoss);
}

void BandwidthEstimator::setRtt(int64_t rtt_us) { delay_.setRtt(rtt_us); }

void BandwidthEstimator::publish(int64_t now_us, EstimateReason increase_reason,
                                 EstimateReason decrease_reason) {
  uint64_t next = std::min(delay_.estimate(), loss_.estimate());
  if (remb_bps_ != 0) next = std::min(next, remb_bps_);
  next = std::clamp(next, config_.min_bps, config_.max_bps);
  stats_.delay_bps = delay_.estimate();
  stats_.loss_bps = loss_.estimate();
  stats_.remb_bps = remb_bps_;
  if (next == estimate_) return;
  EstimateReason reason = next > estimate_ ? increase_reason : decrease_reason;
  // A REMB cap that binds names REMB whatever triggered the recomputation.
  if (remb_bps_ != 0 && next == std::max(remb_bps_, config_.min_bps))
    reason = EstimateReason::kRemb;
  if (next < estimate_ && (reason == EstimateReason::kOveruse || reason == EstimateReason::kLoss)) {
    ++congestion_version_;
    last_congestion_us_ = now_us;
  }
  estimate_ = next;
  stats_.estimate_bps = next;
  stats_.last_reason = reason;
  ++stats_.changes[static_cast<size_t>(reason)];
  ++version_;
}

bool BandwidthEstimator::requestProbe(uint64_t target_bps, uint64_t success_bps, int64_t now_us) {
  // No probing while a congestion decrease is recent: the queue is still draining and the
  // probe would only measure that.
  if (now_us - last_congestion_us_ < config_.probe_holdoff_us) return false;
  const auto limit =
      static_cast<uint64_t>(static_cast<double>(estimate_) * config_.max_probe_ratio);
  if (target_bps > limit && target_bps > 0) {
    success_bps =
        static_cast<uint64_t>(static_cast<double>(success_bps) * static_cast<double>(limit) /
                              static_cast<double>(target_bps));
    target_bps = limit;
  }
  if (!probes_.request(target_bps, success_bps, history_.sendRateBps(now_us), now_us)) {
    return false;
  }
  probe_guard_ = true;
  probe_guard_until_us_ = probe_guard_hard_until_us_ = INT64_MAX;
  pre_probe_delay_bps_ = delay_.estimate();
  return true;
}

std::optional<ProbeResult> BandwidthEstimator::takeProbeResult(int64_t now_us) {
  if (!probe_result_) {
    // Results normally complete in onFeedbackDone; a timeout completes here.
    if (auto r = probes_.takeResult(now_us)) return r;
    return std::nullopt;
  }
  auto r = probe_result_;
  probe_result_.reset();
  return r;
}

}  // namespace sfu::bwe
