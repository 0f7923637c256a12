// Delay-based controller pieces: burst grouping, trendline, adaptive-threshold detector, AIMD,
// acked bitrate, and the composition.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sfu/bwe/acked_bitrate.h"
#include "sfu/bwe/aimd_rate_control.h"
#include "sfu/bwe/delay_based.h"
#include "sfu/bwe/inter_arrival.h"
#include "sfu/bwe/overuse_detector.h"
#include "sfu/bwe/trendline_estimator.h"

namespace sfu::bwe {
namespace {

// --- InterArrival (draft-ietf-rmcat-gcc-02 §5.2) ---

TEST(BweInterArrival, GroupsPacketsSentWithinBurstTime) {
  InterArrival ia;
  GroupDelta d;
  // Group A: sends 0..4 ms; group B: 20..22 ms; group C starts at 40 ms and closes B.
  EXPECT_FALSE(ia.onPacket(0, 100'000, 1000, d));
  EXPECT_FALSE(ia.onPacket(2'000, 101'000, 1000, d));
  EXPECT_FALSE(ia.onPacket(4'000, 103'000, 1000, d));
  EXPECT_FALSE(ia.onPacket(20'000, 121'000, 500, d));  // closes A, no predecessor yet
  EXPECT_FALSE(ia.onPacket(22'000, 126'000, 500, d));
  ASSERT_TRUE(ia.onPacket(40'000, 140'000, 800, d));  // closes B: B vs A
  EXPECT_EQ(d.send_delta_us, 22'000 - 4'000);
  EXPECT_EQ(d.arrival_delta_us, 126'000 - 103'000);
  EXPECT_EQ(d.arrival_us, 126'000);
  EXPECT_EQ(d.size_delta, 1000 - 3000);
}

TEST(BweInterArrival, BurstArrivalJoinsTheGroup) {
  InterArrival ia;
  GroupDelta d;
  EXPECT_FALSE(ia.onPacket(0, 100'000, 1000, d));
  // Sent 10 ms later but arrived 1 ms after the previous one (released from a queue together):
  // d(i) < 0 and within burst_time → same group.
  EXPECT_FALSE(ia.onPacket(10'000, 101'000, 1000, d));
  EXPECT_FALSE(ia.onPacket(30'000, 130'000, 1000, d));
  ASSERT_TRUE(ia.onPacket(60'000, 160'000, 1000, d));
  EXPECT_EQ(d.send_delta_us, 30'000 - 10'000);
  EXPECT_EQ(d.arrival_delta_us, 130'000 - 101'000);
}

TEST(BweInterArrival, ReorderedPacketIgnoredAndClockJumpResets) {
  InterArrival ia;
  GroupDelta d;
  EXPECT_FALSE(ia.onPacket(10'000, 100'000, 100, d));
  EXPECT_FALSE(ia.onPacket(5'000, 99'000, 100, d));  // sent before the current group
  EXPECT_FALSE(ia.onPacket(30'000, 120'000, 100, d));
  EXPECT_TRUE(ia.onPacket(60'000, 10'000'000, 100, d));   // closes the 30 ms group normally
  EXPECT_FALSE(ia.onPacket(90'000, 10'030'000, 100, d));  // 60 ms group arrived ~10 s late
  EXPECT_EQ(ia.resets(), 1u);
}

// --- TrendlineEstimator ---

TEST(BweTrendline, SlopeOfLinearlyGrowingDelay) {
  struct Case {
    const char* name;
    double extra_ms_per_group;  // queueing delay added per 20 ms group
    double want_slope;          // ms of delay per ms of arrival time
  };
  const Case cases[] = {
      {"flat", 0, 0}, {"growing", 1.0, 1.0 / 21.0}, {"draining", -0.5, -0.5 / 19.5}};
  for (const auto& c : cases) {
    TrendlineEstimator t;
    int64_t arrival_us = 0;
    for (int i = 0; i < 200; ++i) {
      const double arrival_delta = 20 + c.extra_ms_per_group;
      arrival_us += static_cast<int64_t>(arrival_delta * 1000);
      t.update(arrival_delta, 20, arrival_us);
    }
    EXPECT_NEAR(t.trend(), c.want_slope, 0.002) << c.name;
    EXPECT_EQ(t.numDeltas(), 200) << c.name;
    EXPECT_NEAR(t.modifiedTrend(), 60 * t.trend() * 4.0, 1e-9) << c.name;
  }
}

TEST(BweTrendline, NoTrendUntilTheWindowIsFull) {
  TrendlineEstimator t(TrendlineConfig{.window = 20});
  int64_t arrival = 0;
  for (int i = 0; i < 19; ++i) {
    arrival += 25'000;
    t.update(25, 20, arrival);
    EXPECT_EQ(t.trend(), 0) << i;
  }
  arrival += 25'000;
  t.update(25, 20, arrival);
  EXPECT_GT(t.trend(), 0);
}

// --- OveruseDetector (§5.4) ---

TEST(BweOveruseDetector, OveruseNeedsPersistenceAndGrowth) {
  OveruseDetector d;
  int64_t now = 0;
  // First sample above the threshold (12.5): counts half of 5 ms; not yet overuse.
  EXPECT_EQ(d.detect(20, 5, 10, now += 5'000), BandwidthUsage::kNormal);
  EXPECT_EQ(d.detect(21, 5, 10, now += 5'000), BandwidthUsage::kNormal);     // 7.5 ms
  EXPECT_EQ(d.detect(22, 5, 10, now += 5'000), BandwidthUsage::kOverusing);  // 12.5 ms > 10
  // Falling back under: normal; far below: underuse.
  EXPECT_EQ(d.detect(0, 5, 10, now += 5'000), BandwidthUsage::kNormal);
  EXPECT_EQ(d.detect(-30, 5, 10, now += 5'000), BandwidthUsage::kUnderusing);
}

TEST(BweOveruseDetector, DecreasingTrendIsNotOveruse) {
  OveruseDetector d;
  int64_t now = 0;
  d.detect(30, 5, 10, now += 5'000);
  d.detect(28, 5, 10, now += 5'000);
  EXPECT_EQ(d.detect(26, 5, 10, now += 5'000), BandwidthUsage::kNormal);  // above, but falling
}

TEST(BweOveruseDetector, ThresholdAdapts) {
  struct Case {
    const char* name;
    double m;  // constant |modified trend|
    int steps;
    double want_min, want_max;
  };
  // dt = 10 ms per step: threshold += k * (|m| - th) * 10.
  const Case cases[] = {
      // Below the threshold: falls with k_down (0.039) towards |m|, floored at 6 ms.
      {"falls_to_floor", 0, 200, 6, 6},
      {"falls_towards_m", 9, 200, 9, 9.01},
      // Above (within 15 ms): rises with k_up (0.0087), slower.
      {"rises_slowly", 20, 10, 16.5, 17.1},
      // More than 15 ms above: an outlier, the threshold stays.
      {"outlier_ignored", 40, 50, 12.5, 12.5},
  };
  for (const auto& c : cases) {
    OveruseDetector d;
    int64_t now = 0;
    for (int i = 0; i < c.steps; ++i) d.detect(-c.m, 10, 10, now += 10'000);  // sign irrelevant
    EXPECT_GE(d.threshold(), c.want_min) << c.name;
    EXPECT_LE(d.threshold(), c.want_max) << c.name;
  }
}

TEST(BweOveruseDetector, ConstantsAreTheDraftsAndLibwebrtcs) {
  const OveruseConfig c;
  EXPECT_DOUBLE_EQ(c.k_up, 0.0087);
  EXPECT_DOUBLE_EQ(c.k_down, 0.039);
  EXPECT_DOUBLE_EQ(c.overuse_time_ms, 10);
}

// --- AimdRateControl (§5.5) ---

TEST(BweAimd, MultiplicativeIncreaseFarFromConvergence) {
  AimdRateControl a;
  a.setEstimate(1'000'000, 0);
  // 1 s of normal signals every 100 ms, acked rate high enough not to cap: ~8%.
  for (int i = 1; i <= 10; ++i) a.update(BandwidthUsage::kNormal, 5'000'000, i * 100'000);
  EXPECT_NEAR(static_cast<double>(a.estimate()), 1'000'000 * std::pow(1.08, 0.9), 10'000);
  EXPECT_FALSE(a.nearConvergence());
}

TEST(BweAimd, DecreaseToBetaTimesAckedThenHold) {
  AimdRateControl a;
  a.setEstimate(2'000'000, 0);
  EXPECT_EQ(a.update(BandwidthUsage::kOverusing, 1'000'000, 100'000), 850'000u);
  EXPECT_TRUE(a.lastUpdateDecreased());
  EXPECT_EQ(a.state(), RateControlState::kHold);
  EXPECT_TRUE(a.nearConvergence());
  // Underuse holds; normal then increases again, additively near the known capacity.
  EXPECT_EQ(a.update(BandwidthUsage::kUnderusing, 900'000, 200'000), 850'000u);
  // Hold → increase: the first step is the minimum 1 kbps (no time has passed).
  EXPECT_EQ(a.update(BandwidthUsage::kNormal, 900'000, 300'000), 851'000u);
  const uint64_t before = a.estimate();
  a.update(BandwidthUsage::kNormal, 900'000, 400'000);
  const uint64_t step = a.estimate() - before;
  EXPECT_GE(step, 1000u);
  EXPECT_LT(step, 10'000u);  // additive: about half a packet per response time, not 8%
}

TEST(BweAimd, IncreaseCappedByAckedRate) {
  AimdRateControl a;
  a.setEstimate(1'000'000, 0);
  for (int i = 1; i <= 100; ++i) a.update(BandwidthUsage::kNormal, 300'000, i * 100'000);
  EXPECT_EQ(a.estimate(), 1'000'000u);  // already above 1.5 x 300k + 10k: no increase, no cut
  AimdRateControl b;
  b.setEstimate(400'000, 0);
  for (int i = 1; i <= 100; ++i) b.update(BandwidthUsage::kNormal, 300'000, i * 100'000);
  EXPECT_EQ(b.estimate(), 460'000u);
}

TEST(BweAimd, DecreaseNeverRaisesAndRespectsBounds) {
  AimdRateControl a(AimdConfig{.min_bps = 100'000, .max_bps = 3'000'000});
  a.setEstimate(500'000, 0);
  EXPECT_EQ(a.update(BandwidthUsage::kOverusing, 2'000'000, 100'000), 500'000u);
  EXPECT_EQ(a.update(BandwidthUsage::kOverusing, 50'000, 200'000), 100'000u);
  a.setEstimate(10'000'000, 300'000);
  EXPECT_EQ(a.estimate(), 3'000'000u);
}

// --- AckedBitrateEstimator ---

TEST(BweAckedBitrate, RateOverTheWindow) {
  AckedBitrateEstimator e(500'000);
  EXPECT_FALSE(e.bitrate());
  // 1000 bytes every 10 ms = 800 kbps, for 1 s.
  for (int i = 0; i < 100; ++i) e.onPacket(1'000'000 + i * 10'000, 1000);
  ASSERT_TRUE(e.bitrate());
  EXPECT_NEAR(static_cast<double>(*e.bitrate()), 800'000, 20'000);
  // Then 250 bytes every 10 ms = 200 kbps.
  for (int i = 100; i < 200; ++i) e.onPacket(1'000'000 + i * 10'000, 250);
  EXPECT_NEAR(static_cast<double>(*e.bitrate()), 200'000, 20'000);
}

// --- DelayBasedBwe ---

// Feeds 1000-byte packets every 5 ms (1.6 Mbps) through a bottleneck of `capacity`: the arrival
// time is the later of the send time + 20 ms and the previous arrival + the serialisation time.
DelayBasedBwe::Update runLink(DelayBasedBwe& bwe, uint64_t capacity, int64_t& now, int64_t& seq,
                              int64_t& last_arrival, int feedbacks) {
  DelayBasedBwe::Update u;
  const auto tx = static_cast<int64_t>(uint64_t{1000} * 8'000'000 / capacity);
  for (int f = 0; f < feedbacks; ++f) {
    for (int i = 0; i < 20; ++i) {
      const int64_t send = now + i * 5'000;
      last_arrival = std::max(send + 20'000, last_arrival) + tx;
      PacketResult r{seq++, send, last_arrival, 1000, kNoCluster};
      bwe.onPacketResult(r, send + 100'000);
    }
    now += 100'000;
    u = bwe.onFeedbackDone(now);
  }
  return u;
}

TEST(BweDelayBased, NoOveruseBelowCapacityOveruseAbove) {
  DelayBasedBwe bwe({}, 1'000'000);
  int64_t now = 0, seq = 0, last_arrival = 0;
  auto u = runLink(bwe, 5'000'000, now, seq, last_arrival, 30);
  EXPECT_NE(u.usage, BandwidthUsage::kOverusing);
  EXPECT_GT(bwe.estimate(), 1'000'000u);  // increased
  ASSERT_TRUE(bwe.ackedBitrate());
  EXPECT_NEAR(static_cast<double>(*bwe.ackedBitrate()), 1'600'000, 100'000);

  // Capacity drops to 1 Mbps while 1.6 Mbps is sent: queueing delay grows → overuse → decrease
  // to about 0.85 x the received 1 Mbps.
  // The first decrease still sees the old rate in the acked window; later ones follow it down.
  int decreases = 0;
  for (int i = 0; i < 30 && bwe.estimate() >= 1'000'000; ++i) {
    decreases += runLink(bwe, 1'000'000, now, seq, last_arrival, 1).decreased ? 1 : 0;
  }
  EXPECT_GE(decreases, 1);
  EXPECT_LT(bwe.estimate(), 1'000'000u);
  EXPECT_GT(bwe.estimate(), 700'000u);
}

TEST(BweDelayBased, ProbeResultOnlyRaises) {
  DelayBasedBwe bwe({}, 1'000'000);
  bwe.onProbeResult(800'000, 0);
  EXPECT_EQ(bwe.estimate(), 1'000'000u);
  bwe.onProbeResult(2'000'000, 0);
  EXPECT_EQ(bwe.estimate(), 2'000'000u);
}

}  // namespace
}  // namespace sfu::bwe
