#include "rtp/stream/seq_rewriter.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace rtp {
namespace {

// One step fed to a SeqRewriter: a packet (forward or skip) or a source switch.
struct Step {
  enum Kind { kPacket, kSkip, kSwitch } kind;
  uint16_t seq = 0;
  uint32_t ts = 0;
  int64_t nowUs = 0;
  std::optional<uint16_t> wantSeq;  // nullopt: dropped
  std::optional<uint32_t> wantTs = std::nullopt;
};

Step pkt(uint16_t seq, uint32_t ts, int64_t now, std::optional<uint16_t> want,
         std::optional<uint32_t> wantTs = std::nullopt) {
  return {Step::kPacket, seq, ts, now, want, wantTs};
}
Step skip(uint16_t seq) { return {Step::kSkip, seq}; }
Step sw() { return {Step::kSwitch}; }

struct Case {
  std::string name;
  std::vector<Step> steps;
};

std::vector<Case> cases() {
  const std::nullopt_t drop = std::nullopt;
  return {
      {"passthrough",
       {pkt(100, 1000, 0, 100, 1000), pkt(101, 1000, 0, 101, 1000),
        pkt(102, 4000, 33000, 102, 4000)}},
      {"upstream_loss_kept_as_gap",
       {pkt(100, 0, 0, 100), pkt(103, 0, 0, 103), pkt(101, 0, 0, 101)}},
      {"switch_continues_seq_and_ts",
       {pkt(100, 1000, 0, 100, 1000), pkt(101, 4000, 33000, 101, 4000), sw(),
        // 50 ms after the last sent packet at 90 kHz: +4500.
        pkt(7000, 555, 83000, 102, 8500), pkt(7001, 3555, 116000, 103, 11500)}},
      {"switch_same_instant_ts_plus_one",
       {pkt(10, 90000, 0, 10, 90000), sw(), pkt(5, 123, 0, 11, 90001)}},
      {"new_source_packet_from_before_switch_dropped",
       {pkt(100, 0, 0, 100), sw(), pkt(7000, 0, 0, 101), pkt(6999, 0, 0, drop),
        pkt(7001, 0, 0, 102)}},
      {"reordered_after_switch_kept",
       {pkt(100, 0, 0, 100), sw(), pkt(7000, 0, 0, 101), pkt(7002, 0, 0, 103),
        pkt(7001, 0, 0, 102)}},
      {"seq_wrap_incoming",
       {pkt(65534, 0, 0, 65534), pkt(65535, 0, 0, 65535), pkt(0, 0, 0, 0), pkt(1, 0, 0, 1)}},
      {"seq_wrap_across_switch",
       {pkt(65535, 0, 0, 65535), sw(), pkt(500, 0, 0, 0), pkt(501, 0, 0, 1)}},
      {"skip_shifts_later_down",
       {pkt(10, 0, 0, 10), pkt(11, 0, 0, 11), skip(12), pkt(13, 0, 0, 12), skip(14), skip(15),
        pkt(16, 0, 0, 13)}},
      {"reorder_around_skip",
       {pkt(10, 0, 0, 10), skip(11), pkt(13, 0, 0, 12), pkt(12, 0, 0, 11), pkt(11, 0, 0, drop)}},
      {"skip_of_old_packet_leaves_gap",
       {pkt(10, 0, 0, 10), pkt(12, 0, 0, 12), skip(11), pkt(13, 0, 0, 13)}},
      {"skip_across_wrap",
       {pkt(65534, 0, 0, 65534), skip(65535), pkt(0, 0, 0, 65535), skip(1), pkt(2, 0, 0, 0)}},
      {"skip_first_after_switch", {pkt(100, 0, 0, 100), sw(), skip(7000), pkt(7001, 0, 0, 101)}},
      {"skip_then_switch",
       {pkt(100, 0, 0, 100), skip(101), sw(), pkt(50, 0, 0, 101), pkt(51, 0, 0, 102)}},
      {"switch_twice_before_any_packet", {pkt(1, 0, 0, 1), sw(), sw(), pkt(900, 0, 0, 2)}},
      {"ts_wrap",
       {pkt(1, 0xFFFFFF00u, 0, 1, 0xFFFFFF00u), pkt(2, 0x100, 0, 2, 0x100), sw(),
        pkt(9, 7, 1000, 3, 0x100 + 90)}},
      {"reordered_old_ts_not_regressing_base",
       {pkt(1, 3000, 0, 1, 3000), pkt(3, 9000, 20000, 3, 9000), pkt(2, 6000, 30000, 2, 6000), sw(),
        pkt(77, 1, 40000, 4, 9000 + 1800)}},
  };
}

class SeqRewriterTable : public testing::TestWithParam<Case> {};

TEST_P(SeqRewriterTable, Steps) {
  SeqRewriter r(90000);
  size_t i = 0;
  for (const Step& s : GetParam().steps) {
    SCOPED_TRACE("step " + std::to_string(i++));
    switch (s.kind) {
      case Step::kSwitch:
        r.switchSource();
        break;
      case Step::kSkip:
        r.skip(s.seq);
        break;
      case Step::kPacket: {
        auto out = r.rewrite(s.seq, s.ts, s.nowUs);
        ASSERT_EQ(out.has_value(), s.wantSeq.has_value()) << "seq " << s.seq;
        if (!out) break;
        EXPECT_EQ(out->seq, *s.wantSeq) << "seq " << s.seq;
        if (s.wantTs) {
          EXPECT_EQ(out->ts, *s.wantTs) << "seq " << s.seq;
        }
        break;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, SeqRewriterTable, testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(SeqRewriter, LongRunWithLayerSwitchesIsGapless) {
  // Three simulcast sources with unrelated seq/ts; a switch every 300 packets, temporal layer
  // drops (every 4th packet skipped) on the middle source. The output must be exactly +1 per
  // forwarded packet, across several output wraps.
  SeqRewriter r(90000);
  const uint16_t starts[3] = {65000, 12, 40000};
  uint16_t in[3] = {starts[0], starts[1], starts[2]};
  uint32_t tsIn[3] = {0xFFFF0000u, 5, 1u << 31};
  std::optional<uint16_t> last;
  uint32_t lastTs = 0;
  int64_t now = 0;
  int source = 0;
  for (int n = 0; n < 200000; ++n) {
    if (n % 300 == 299) {
      source = (source + 1) % 3;
      r.switchSource();
    }
    now += 1000;
    const uint16_t seq = in[source];
    const uint32_t ts = tsIn[source];
    for (int s = 0; s < 3; ++s) {  // every layer keeps flowing upstream
      ++in[s];
      tsIn[s] += 90;
    }
    if (source == 1 && seq % 4 == 3) {
      r.skip(seq);
      continue;
    }
    auto out = r.rewrite(seq, ts, now);
    ASSERT_TRUE(out) << n;
    if (last) {
      ASSERT_EQ(out->seq, static_cast<uint16_t>(*last + 1)) << n;
      ASSERT_TRUE(out->ts != lastTs && static_cast<int32_t>(out->ts - lastTs) > 0) << n;
    }
    last = out->seq;
    lastTs = out->ts;
  }
}

TEST(SeqRewriter, SkipHistoryOverflowDropsTooOld) {
  SeqRewriter r(90000);
  ASSERT_TRUE(r.rewrite(0, 0, 0));
  // 1, skip 2, 3, skip 4, ... : 100 skip points, more than the history.
  for (uint16_t s = 1; s <= 200; ++s) {
    if (s % 2 == 0) {
      r.skip(s);
    } else {
      ASSERT_TRUE(r.rewrite(s, 0, 0));
    }
  }
  EXPECT_FALSE(r.rewrite(3, 0, 0));    // its skip context was forgotten
  auto recent = r.rewrite(199, 0, 0);  // still mapped correctly
  ASSERT_TRUE(recent);
  EXPECT_EQ(recent->seq, 100);
  EXPECT_EQ(r.lastSeq(), 100);
}

TEST(SeqRewriter, IncomingSeqInvertsMapping) {
  SeqRewriter r(90000);
  ASSERT_TRUE(r.rewrite(65530, 0, 0));  // out 65530
  r.switchSource();
  // New source: 100→65531, skip 101, 102→65532, skip 103, skip 104, 105→65533, 106→65534,
  // 107→65535, 108→0 (wrap), plus an upstream gap: 110→2.
  std::vector<std::pair<uint16_t, uint16_t>> sent;
  for (uint16_t in = 100; in <= 110; ++in) {
    if (in == 101 || in == 103 || in == 104 || in == 109) {
      if (in != 109) r.skip(in);  // 109 is lost upstream
      continue;
    }
    auto out = r.rewrite(in, 0, 0);
    ASSERT_TRUE(out);
    sent.emplace_back(in, out->seq);
  }
  EXPECT_EQ(sent.back().second, 2);
  for (const auto& [in, out] : sent) EXPECT_EQ(r.incomingSeq(out), in) << out;
  EXPECT_FALSE(r.incomingSeq(65530));  // sent from the previous source
  EXPECT_EQ(r.incomingSeq(1), 109);    // lost upstream: maps to the missing input
  EXPECT_FALSE(r.incomingSeq(3));      // not sent yet
}

TEST(CounterState, NarrowCountersWrap) {
  SkipRing ring{};
  CounterState tl0(8);
  EXPECT_EQ(tl0.rewrite(254, ring), 254u);
  EXPECT_EQ(tl0.rewrite(255, ring), 255u);
  EXPECT_EQ(tl0.rewrite(0, ring), 0u);
  tl0.switchSource();
  EXPECT_EQ(tl0.rewrite(77, ring), 1u);
  EXPECT_EQ(tl0.rewrite(77, ring), 1u);  // same input, same output
  EXPECT_EQ(tl0.rewrite(78, ring), 2u);

  CounterState pid(15);
  EXPECT_EQ(pid.rewrite(32766, ring), 32766u);
  EXPECT_TRUE(pid.skip(32767, ring));
  EXPECT_FALSE(pid.skip(32767, ring));  // repeated skip of the same picture counts once
  EXPECT_EQ(pid.rewrite(0, ring), 32767u);
  EXPECT_EQ(pid.rewrite(1, ring), 0u);
  EXPECT_EQ(pid.lastOut(), 0u);

  CounterState seven(7);
  EXPECT_EQ(seven.rewrite(127, ring), 127u);
  EXPECT_EQ(seven.rewrite(0, ring), 0u);
  EXPECT_FALSE(seven.rewrite(126, ring));  // before the first value
}

}  // namespace
}  // namespace rtp
