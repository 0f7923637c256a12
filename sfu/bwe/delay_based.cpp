#include "sfu/bwe/delay_based.h"

namespace sfu::bwe {

DelayBasedBwe::DelayBasedBwe(const DelayBasedConfig& config, uint64_t initial_bps)
    : trendline_(config.trendline),
      detector_(config.overuse),
      acked_(config.acked_window_us),
      aimd_(config.aimd) {
  if (initial_bps != 0) aimd_.setEstimate(initial_bps, 0);
}

void DelayBasedBwe::onPacketResult(const PacketResult& result, int64_t now_us) {
  if (!result.received()) return;
  acked_.onPacket(result.arrival_us, result.size);
  GroupDelta delta;
  if (!inter_arrival_.onPacket(result.send_us, result.arrival_us, result.size, delta)) return;
  const double send_ms = static_cast<double>(delta.send_delta_us) / 1000.0;
  trendline_.update(static_cast<double>(delta.arrival_delta_us) / 1000.0, send_ms,
                    delta.arrival_us);
  const BandwidthUsage usage =
      detector_.detect(trendline_.modifiedTrend(), send_ms, trendline_.numDeltas(), now_us);
  if (usage == BandwidthUsage::kOverusing) overuse_in_feedback_ = true;
  fed_in_feedback_ = true;
}

DelayBasedBwe::Update DelayBasedBwe::onFeedbackDone(int64_t now_us) {
  Update out;
  // An overuse seen anywhere in this feedback counts, even if the last group looked normal.
  const BandwidthUsage usage =
      overuse_in_feedback_ ? BandwidthUsage::kOverusing : detector_.state();
  const bool fed = fed_in_feedback_;
  overuse_in_feedback_ = fed_in_feedback_ = false;
  const uint64_t before = aimd_.estimate();
  // Nothing new to judge (e.g. only losses were reported): keep the rate.
  if (fed || usage == BandwidthUsage::kOverusing) aimd_.update(usage, acked_.bitrate(), now_us);
  out.estimate_bps = aimd_.estimate();
  out.usage = usage;
  out.decreased = aimd_.lastUpdateDecreased();
  out.increased = out.estimate_bps > before;
  return out;
}

void DelayBasedBwe::onProbeResult(uint64_t bps, int64_t now_us) {
  if (bps > aimd_.estimate()) aimd_.setEstimate(bps, now_us);
}

}  // namespace sfu::bwe
