// BandwidthEstimator: combination of the controllers, REMB mode, reasons, probes; metrics export.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/rtcp/compound_parser.h"
#include "rtp/stream/twcc_recorder.h"
#include "sfu/bwe/bandwidth_estimator.h"
#include "sfu/bwe/bwe_metrics.h"
#include "sfu/metrics/registry.h"

namespace sfu::bwe {
namespace {

TEST(BweEstimator, InitialAndBounds) {
  BandwidthEstimator a(BandwidthEstimatorConfig{.initial_bps = 300'000});
  EXPECT_EQ(a.estimate(), 300'000u);
  EXPECT_EQ(a.lastReason(), EstimateReason::kInitial);
  BandwidthEstimator b(BandwidthEstimatorConfig{.initial_bps = 10, .min_bps = 50'000});
  EXPECT_EQ(b.estimate(), 50'000u);
}

TEST(BweEstimator, RembModeFollowsTheReceiverAndReceiverReportLoss) {
  BandwidthEstimator bwe;
  bwe.onRemb(2'000'000, 0);
  EXPECT_EQ(bwe.estimate(), 1'000'000u);  // loss-based still at the initial 1 Mbps
  EXPECT_FALSE(bwe.twccActive());
  bwe.onReceiverReportLoss(0, 100, 1'000'000);  // no loss: loss-based +5%
  EXPECT_EQ(bwe.estimate(), 1'050'000u);
  bwe.onRemb(600'000, 2'000'000);
  EXPECT_EQ(bwe.estimate(), 600'000u);
  EXPECT_EQ(bwe.lastReason(), EstimateReason::kRemb);
  // ~30% lost: the loss-based side falls x0.85 per report (first from 1.05M, capped at the
  // REMB), then below the REMB.
  bwe.onReceiverReportLoss(77, 100, 3'000'000);
  EXPECT_EQ(bwe.estimate(), 600'000u);
  bwe.onReceiverReportLoss(77, 100, 4'000'000);
  EXPECT_LT(bwe.estimate(), 600'000u);
  EXPECT_EQ(bwe.lastReason(), EstimateReason::kLoss);
  EXPECT_EQ(bwe.stats().changes[static_cast<size_t>(EstimateReason::kLoss)], 1u);
  EXPECT_GE(bwe.congestionVersion(), 1u);
}

TEST(BweEstimator, RembCapsTwccEstimate) {
  BandwidthEstimator bwe;
  std::vector<PacketResult> results;
  for (int i = 0; i < 20; ++i) {
    bwe.onPacketSent(1000, i * 5'000);
    results.push_back(PacketResult{i, i * 5'000, 30'000 + i * 5'000, 1000, kNoCluster});
  }
  bwe.onPacketResults(results, 150'000);
  EXPECT_TRUE(bwe.twccActive());
  bwe.onRemb(400'000, 200'000);
  EXPECT_EQ(bwe.estimate(), 400'000u);
  EXPECT_EQ(bwe.lastReason(), EstimateReason::kRemb);
}

// TWCC loop through the real recorder: steady 1.6 Mbps through 5 Mbps, losses at 30%.
struct Loop {
  BandwidthEstimator bwe;
  rtp::stream::TwccRecorder rx{rtp::stream::TwccRecorderConfig{.sender_ssrc = 1, .media_ssrc = 2}};
  int64_t now = 0;
  uint64_t sent = 0;

  void run(int64_t duration_us, double loss_every, uint64_t capacity_bps = 5'000'000) {
    int64_t link_free = now;
    for (const int64_t end = now + duration_us; now < end; now += 5'000) {
      const uint16_t seq = bwe.onPacketSent(1000, now);
      ++sent;
      link_free = std::max(link_free, now) + static_cast<int64_t>(8'000'000'000 / capacity_bps);
      const bool lost = loss_every > 0 && (sent % static_cast<uint64_t>(loss_every)) == 0;
      if (!lost) rx.onPacket(seq, link_free + 20'000);
      if (now % 100'000 == 0) feedback();
    }
  }
  void feedback() {
    std::array<uint8_t, 1500> buf{};
    const size_t n = rx.buildFeedback(now, buf);
    rtp::rtcp::CompoundParser parser(std::span<const uint8_t>(buf.data(), n));
    while (!parser.done()) {
      auto p = parser.next();
      if (!p) break;
      if (auto v = rtp::rtcp::TwccView::parse(*p)) bwe.onTwccFeedback(*v, now);
    }
  }
};

TEST(BweEstimator, TwccLoopIncreasesThenLossDecreases) {
  Loop loop;
  loop.run(5'000'000, 0);
  const uint64_t grown = loop.bwe.estimate();
  EXPECT_GT(grown, 1'000'000u);
  EXPECT_EQ(loop.bwe.lastReason(), EstimateReason::kIncrease);
  EXPECT_EQ(loop.bwe.history().stats().unknown_seq, 0u);
  loop.run(3'000'000, 3);  // every third packet lost
  EXPECT_LT(loop.bwe.estimate(), grown);
  EXPECT_GT(loop.bwe.stats().changes[static_cast<size_t>(EstimateReason::kLoss)], 0u);
  EXPECT_NEAR(loop.bwe.stats().loss_fraction, 1.0 / 3, 0.05);
}

TEST(BweEstimator, ProbeSuccessRaisesTheEstimate) {
  Loop loop;
  loop.run(2'000'000, 0);  // 1.6 Mbps media
  const uint64_t before = loop.bwe.estimate();
  // Ask for 2x: capped at 2 x estimate by the estimator.
  ASSERT_TRUE(loop.bwe.requestProbe(3'000'000, 2'600'000, loop.now));
  ProbePacket p;
  int64_t link_free = loop.now;
  for (int i = 0; i < 400 && loop.bwe.nextProbeUs() != INT64_MAX; ++i, loop.now += 250) {
    while (loop.bwe.pollProbe(loop.now, p)) {
      const uint16_t seq = loop.bwe.onPacketSent(p.size, loop.now, p.cluster);
      link_free =
          std::max(link_free, loop.now) + static_cast<int64_t>(p.size * 8'000'000 / 10'000'000);
      loop.rx.onPacket(seq, link_free + 20'000);
    }
  }
  loop.now += 100'000;
  loop.feedback();
  auto r = loop.bwe.takeProbeResult(loop.now);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->success()) << r->measured_bps;
  EXPECT_GT(loop.bwe.estimate(), before);
  EXPECT_EQ(loop.bwe.lastReason(), EstimateReason::kProbe);
}

TEST(BweMetrics, FamiliesAndFold) {
  BweStats bwe;
  bwe.estimate_bps = 750'000;
  bwe.changes[static_cast<size_t>(EstimateReason::kOveruse)] = 2;
  Allocator::Stats alloc;
  alloc.switches[static_cast<size_t>(SwitchReason::kDown)] = 3;
  ProbeController::Stats probes;
  probes.outcomes[static_cast<size_t>(ProbeResult::Outcome::kSuccess)] = 1;
  BweMetricsFolder folder;
  folder.fold(bwe, alloc, probes);
  folder.fold(bwe, alloc, probes);  // nothing new the second time
  const std::string text = metrics::serialize();
  EXPECT_NE(text.find("sfu_layer_switches_total{reason=\"down\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("sfu_bwe_estimate_changes_total{reason=\"overuse\"} 2"), std::string::npos);
  EXPECT_NE(text.find("sfu_bwe_probes_total{outcome=\"success\"} 1"), std::string::npos);
  EXPECT_NE(text.find("sfu_subscriber_estimate_bps_count 2"), std::string::npos);
  EXPECT_NE(text.find("sfu_subscriber_estimate_bps_bucket{le=\"750000\"} 2"), std::string::npos);
}

}  // namespace
}  // namespace sfu::bwe
