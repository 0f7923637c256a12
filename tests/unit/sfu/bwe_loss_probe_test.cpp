// Loss-based controller (draft-ietf-rmcat-gcc-02 §6) and probe clusters.
#include <gtest/gtest.h>

#include <vector>

#include "sfu/bwe/loss_based.h"
#include "sfu/bwe/probe_controller.h"

namespace sfu::bwe {
namespace {

TEST(BweLossBased, DraftRules) {
  struct Case {
    const char* name;
    int lost_per_100;
    LossBasedBwe::Change want;
    uint64_t want_bps;  // from 1 Mbps, uncapped
  };
  const Case cases[] = {
      {"no_loss_increase", 0, LossBasedBwe::Change::kIncrease, 1'050'000},
      {"1pct_increase", 1, LossBasedBwe::Change::kIncrease, 1'050'000},
      {"2pct_hold", 2, LossBasedBwe::Change::kHold, 1'000'000},
      {"10pct_hold", 10, LossBasedBwe::Change::kHold, 1'000'000},
      {"20pct_decrease", 20, LossBasedBwe::Change::kDecrease, 900'000},  // x (1 - 0.5 x 0.2)
      {"50pct_decrease", 50, LossBasedBwe::Change::kDecrease, 750'000},
  };
  for (const auto& c : cases) {
    LossBasedBwe loss({}, 1'000'000);
    EXPECT_EQ(loss.onFeedbackDone(0, 0), LossBasedBwe::Change::kNone) << c.name;  // opens window
    for (int i = 0; i < 100; ++i) {
      PacketResult r;
      r.seq = i;
      r.arrival_us = i < c.lost_per_100 ? PacketResult::kNotReceived : 1000 + i;
      loss.onPacketResult(r);
    }
    EXPECT_EQ(loss.onFeedbackDone(600'000, 0), c.want) << c.name;
    EXPECT_NEAR(static_cast<double>(loss.estimate()), static_cast<double>(c.want_bps), 1) << c.name;
    EXPECT_NEAR(loss.lastLossFraction(), c.lost_per_100 / 100.0, 1e-9) << c.name;
  }
}

TEST(BweLossBased, WindowNeedsTimeAndPacketsAndIsCappedByDelayBased) {
  LossBasedBwe loss({}, 1'000'000);
  loss.onFeedbackDone(0, 0);
  for (int i = 0; i < 10; ++i) loss.onPacketResult(PacketResult{i, 0, 5, 100, kNoCluster});
  EXPECT_EQ(loss.onFeedbackDone(600'000, 0), LossBasedBwe::Change::kNone);  // < 20 packets
  for (int i = 0; i < 10; ++i) loss.onPacketResult(PacketResult{i, 0, 5, 100, kNoCluster});
  EXPECT_EQ(loss.onFeedbackDone(700'000, 800'000), LossBasedBwe::Change::kIncrease);
  EXPECT_EQ(loss.estimate(), 800'000u);  // 1.05 Mbps capped by the delay-based 800 kbps
  loss.onProbeResult(2'000'000);
  EXPECT_EQ(loss.estimate(), 2'000'000u);
}

TEST(BweLossBased, ReceiverReportPath) {
  LossBasedBwe loss({}, 1'000'000);
  EXPECT_EQ(loss.onLossReport(64 / 256.0, 50, 0, 0), LossBasedBwe::Change::kDecrease);  // 25%
  EXPECT_EQ(loss.estimate(), 875'000u);
  EXPECT_EQ(loss.onLossReport(0, 0, 0, 0), LossBasedBwe::Change::kNone);  // nothing received
}

// --- ProbeController ---

struct SentProbe {
  int64_t seq;
  int64_t send_us;
  size_t size;
  int cluster;
};

// Runs a cluster: polls every 250 µs until all probe packets went out, numbering them from
// first_seq. Returns what was sent.
std::vector<SentProbe> runCluster(ProbeController& p, int64_t& now, int64_t first_seq) {
  std::vector<SentProbe> sent;
  int64_t seq = first_seq;
  for (int guard = 0; guard < 10'000 && p.nextPacketUs() != INT64_MAX; ++guard, now += 250) {
    ProbePacket pkt;
    while (p.poll(now, pkt)) {
      sent.push_back(SentProbe{seq, now, pkt.size, pkt.cluster});
      p.onProbeSent(pkt.cluster, seq++, now);
    }
  }
  return sent;
}

// Reports the cluster through a bottleneck of `capacity_bps` (arrivals serialised).
void reportThrough(ProbeController& p, const std::vector<SentProbe>& sent, uint64_t capacity_bps,
                   bool lose_half = false) {
  int64_t arrival = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    const auto& s = sent[i];
    arrival = std::max(arrival, s.send_us + 30'000) +
              static_cast<int64_t>(s.size * 8'000'000 / capacity_bps);
    const bool lost = lose_half && i % 2 == 1;
    p.onPacketResult(PacketResult{s.seq, s.send_us, lost ? PacketResult::kNotReceived : arrival,
                                  static_cast<uint32_t>(s.size), s.cluster});
  }
}

TEST(BweProbeController, PacesAClusterAtTheTargetRate) {
  ProbeController p;
  int64_t now = 1'000'000;
  ASSERT_TRUE(p.request(2'000'000, 1'800'000, 500'000, now));
  EXPECT_TRUE(p.busy());
  EXPECT_FALSE(p.request(2'000'000, 1'800'000, 500'000, now));  // one at a time
  const auto sent = runCluster(p, now, 100);
  // 2 Mbps for 40 ms = 10 kB: 10 packets of 1000 bytes, 4 ms apart.
  ASSERT_EQ(sent.size(), 10u);
  for (size_t i = 0; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].size, 1000u);
    EXPECT_EQ(sent[i].send_us, 1'000'000 + static_cast<int64_t>(i) * 4'000);
    EXPECT_EQ(sent[i].cluster, sent[0].cluster);
  }
  EXPECT_EQ(p.stats().packets, 10u);
}

TEST(BweProbeController, SmallTargetsUseSmallerPacketsButAtLeastFive) {
  ProbeController p;
  int64_t now = 0;
  ASSERT_TRUE(p.request(400'000, 350'000, 100'000, now));
  const auto sent = runCluster(p, now, 0);
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ(sent[0].size, 400u);  // 400 kbps x 40 ms = 2000 bytes over 5 packets
}

TEST(BweProbeController, Outcomes) {
  struct Case {
    const char* name;
    uint64_t capacity_bps;
    bool lose_half;
    ProbeResult::Outcome want;
    uint64_t min_measured, max_measured;
  };
  const Case cases[] = {
      {"fast_link", 10'000'000, false, ProbeResult::Outcome::kSuccess, 1'900'000, 2'100'000},
      {"slow_link", 1'000'000, false, ProbeResult::Outcome::kTooSlow, 950'000, 1'050'000},
      {"lossy", 10'000'000, true, ProbeResult::Outcome::kLost, 0, 0},
  };
  for (const auto& c : cases) {
    ProbeController p;
    int64_t now = 0;
    ASSERT_TRUE(p.request(2'000'000, 1'700'000, 0, now)) << c.name;
    const auto sent = runCluster(p, now, 0);
    EXPECT_FALSE(p.takeResult(now)) << c.name;  // nothing reported yet
    reportThrough(p, sent, c.capacity_bps, c.lose_half);
    auto r = p.takeResult(now);
    ASSERT_TRUE(r) << c.name;
    EXPECT_EQ(r->outcome, c.want) << c.name;
    EXPECT_GE(r->measured_bps, c.min_measured) << c.name;
    EXPECT_LE(r->measured_bps, c.max_measured) << c.name;
    EXPECT_FALSE(p.busy()) << c.name;
    EXPECT_FALSE(p.takeResult(now)) << c.name;  // once
  }
}

TEST(BweProbeController, MediaInsideTheClusterRangeCounts) {
  ProbeController p;
  int64_t now = 0;
  ASSERT_TRUE(p.request(1'000'000, 1'400'000, 0, now));
  const auto sent = runCluster(p, now, 0);
  // Renumber with a media packet of 1000 bytes between each two probe packets.
  std::vector<SentProbe> all;
  ProbeController q;
  int64_t t = 0;
  ASSERT_TRUE(q.request(1'000'000, 1'400'000, 0, t));
  int64_t seq = 0;
  for (const auto& s : sent) {
    ProbePacket pkt;
    while (!q.poll(s.send_us, pkt)) {
    }
    q.onProbeSent(pkt.cluster, seq, s.send_us);
    all.push_back(SentProbe{seq++, s.send_us, s.size, pkt.cluster});
    all.push_back(SentProbe{seq++, s.send_us + 100, 1000, kNoCluster});
  }
  all.pop_back();  // the range ends at the last probe packet
  reportThrough(q, all, 100'000'000);
  auto r = q.takeResult(t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->packets, all.size());
  EXPECT_TRUE(r->success()) << r->measured_bps;  // ~2 Mbps measured for a 1 Mbps probe
}

TEST(BweProbeController, TimeoutAndBackoff) {
  ProbeController p;
  int64_t now = 0;
  ASSERT_TRUE(p.request(2'000'000, 1'700'000, 0, now));
  runCluster(p, now, 0);
  EXPECT_FALSE(p.takeResult(now + 1'000'000));
  auto r = p.takeResult(now + 1'600'000);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ProbeResult::Outcome::kTimeout);
  now += 1'600'000;
  // Failures back off: 2 s, then 4 s, then capped at 5 s.
  EXPECT_FALSE(p.request(2'000'000, 1'700'000, 0, now + 1'999'000));
  for (const int64_t wait : {2'000'000, 4'000'000, 5'000'000, 5'000'000}) {
    now += wait - 1;
    EXPECT_FALSE(p.request(2'000'000, 1'700'000, 0, now)) << wait;
    now += 1;
    ASSERT_TRUE(p.request(2'000'000, 1'700'000, 0, now)) << wait;
    const auto sent = runCluster(p, now, 0);
    reportThrough(p, sent, 500'000);
    ASSERT_TRUE(p.takeResult(now));
  }
  EXPECT_EQ(p.stats().failed, 5u);
  EXPECT_EQ(p.stats().outcomes[static_cast<size_t>(ProbeResult::Outcome::kTooSlow)], 4u);
  // A success resets the backoff; the next probe only waits the minimum gap.
  now += 5'000'000;
  ASSERT_TRUE(p.request(2'000'000, 1'700'000, 0, now));
  reportThrough(p, runCluster(p, now, 0), 50'000'000);
  ASSERT_TRUE(p.takeResult(now)->success());
  EXPECT_FALSE(p.request(2'000'000, 1'700'000, 0, now + 999'000));
  EXPECT_TRUE(p.request(2'000'000, 1'700'000, 0, now + 1'000'000));
}

TEST(BweProbeController, RefusesWhenMediaAlreadyReachesTheTarget) {
  ProbeController p;
  EXPECT_FALSE(p.request(1'000'000, 900'000, 1'200'000, 0));
  EXPECT_EQ(p.stats().refused, 1u);
}

}  // namespace
}  // namespace sfu::bwe
