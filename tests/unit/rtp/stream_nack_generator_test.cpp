// Receiver-side NACK generation: gaps, reordering, wrap, RTT-spaced resends, give-up, keyframe.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rtp/stream/nack_generator.h"

namespace rtp::stream {
namespace {

using Event = NackGenerator::PacketEvent;

std::vector<uint16_t> tick(NackGenerator& gen, int64_t now_ms, int64_t rtt_ms, size_t max = 64) {
  std::vector<uint16_t> out(max);
  out.resize(gen.onTick(now_ms, rtt_ms, out));
  return out;
}

TEST(NackGenerator, EventsTable) {
  struct Step {
    uint16_t seq;
    Event want;
    size_t missing_after;
  };
  struct Case {
    std::string name;
    std::vector<Step> steps;
  };
  const std::vector<Case> cases = {
      {"in order", {{10, Event::kFirst, 0}, {11, Event::kInOrder, 0}, {12, Event::kInOrder, 0}}},
      {"gap then fill",
       {{10, Event::kFirst, 0},
        {13, Event::kGap, 2},
        {11, Event::kRecovered, 1},
        {12, Event::kRecovered, 0},
        {12, Event::kOld, 0}}},
      {"reorder across wrap",
       {{65534, Event::kFirst, 0},
        {1, Event::kGap, 2},
        {65535, Event::kRecovered, 1},
        {0, Event::kRecovered, 0},
        {2, Event::kInOrder, 0}}},
      {"duplicate",
       {{5, Event::kFirst, 0}, {6, Event::kInOrder, 0}, {6, Event::kOld, 0}, {5, Event::kOld, 0}}},
      {"big jump",
       {{5, Event::kFirst, 0}, {5 + 1002, Event::kKeyframe, 0}, {5 + 1003, Event::kInOrder, 0}}},
      {"missing over limit", {{5, Event::kFirst, 0}, {5 + 502, Event::kKeyframe, 0}}},
      {"missing at limit", {{5, Event::kFirst, 0}, {5 + 501, Event::kGap, 500}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    NackGenerator gen;  // max_missing 500, max_jump 1000
    for (const auto& step : c.steps) {
      EXPECT_EQ(gen.onPacket(step.seq, 0), step.want) << step.seq;
      EXPECT_EQ(gen.missingCount(), step.missing_after) << step.seq;
    }
  }
}

TEST(NackGenerator, RequestsOncePerRttAndGivesUp) {
  NackGeneratorConfig config;
  config.max_retries = 3;
  config.max_age_ms = 10'000;
  NackGenerator gen(config);
  gen.onPacket(100, 0);
  gen.onPacket(103, 0);  // 101, 102 missing
  EXPECT_EQ(tick(gen, 0, 50), (std::vector<uint16_t>{101, 102}));
  EXPECT_TRUE(tick(gen, 20, 50).empty());  // within one RTT
  EXPECT_TRUE(tick(gen, 49, 50).empty());
  gen.onPacket(101, 55);  // retransmission arrived
  EXPECT_EQ(tick(gen, 50, 50), (std::vector<uint16_t>{102}));
  EXPECT_EQ(tick(gen, 100, 50), (std::vector<uint16_t>{102}));  // third request
  EXPECT_TRUE(tick(gen, 120, 50).empty());
  EXPECT_TRUE(tick(gen, 150, 50).empty());  // retries exhausted: dropped
  EXPECT_EQ(gen.missingCount(), 0u);
  EXPECT_EQ(gen.stats().given_up, 1u);
  EXPECT_EQ(gen.stats().recovered, 1u);
  EXPECT_EQ(gen.stats().requested, 4u);
  EXPECT_EQ(gen.onPacket(102, 160), Event::kOld);  // too late: no longer tracked
}

TEST(NackGenerator, MaxAgeDropsOldSeqs) {
  NackGeneratorConfig config;
  config.max_age_ms = 300;
  NackGenerator gen(config);
  gen.onPacket(1, 0);
  gen.onPacket(3, 0);    // 2 missing since 0
  gen.onPacket(6, 200);  // 4, 5 missing since 200
  EXPECT_EQ(tick(gen, 200, 1000), (std::vector<uint16_t>{2, 4, 5}));
  EXPECT_TRUE(tick(gen, 301, 1000).empty());  // 2 aged out
  EXPECT_EQ(gen.missingCount(), 2u);
  EXPECT_TRUE(tick(gen, 501, 1000).empty());
  EXPECT_EQ(gen.missingCount(), 0u);
  EXPECT_EQ(gen.stats().given_up, 3u);
}

TEST(NackGenerator, RttIntervalHasFloorAndDefault) {
  NackGeneratorConfig config;
  config.min_resend_interval_ms = 10;
  config.default_rtt_ms = 200;
  NackGenerator gen(config);
  gen.onPacket(1, 0);
  gen.onPacket(3, 0);
  EXPECT_EQ(tick(gen, 0, 1).size(), 1u);
  EXPECT_TRUE(tick(gen, 9, 1).empty());  // floor 10 ms despite a 1 ms RTT
  EXPECT_EQ(tick(gen, 10, 1).size(), 1u);
  EXPECT_TRUE(tick(gen, 200, 0).empty());  // unknown RTT: default 200 ms
  EXPECT_EQ(tick(gen, 210, 0).size(), 1u);
}

TEST(NackGenerator, InitialDelayAbsorbsReordering) {
  NackGeneratorConfig config;
  config.initial_delay_ms = 20;
  NackGenerator gen(config);
  gen.onPacket(1, 0);
  gen.onPacket(3, 0);
  EXPECT_TRUE(tick(gen, 10, 50).empty());
  gen.onPacket(2, 15);  // arrived late, never requested
  EXPECT_TRUE(tick(gen, 30, 50).empty());
  EXPECT_EQ(gen.stats().requested, 0u);
}

TEST(NackGenerator, OutputCapLeavesRestForNextTick) {
  NackGenerator gen;
  gen.onPacket(0, 0);
  gen.onPacket(11, 0);  // 1..10 missing
  EXPECT_EQ(tick(gen, 0, 100, 4), (std::vector<uint16_t>{1, 2, 3, 4}));
  EXPECT_EQ(tick(gen, 1, 100, 100), (std::vector<uint16_t>{5, 6, 7, 8, 9, 10}));
}

TEST(NackGenerator, TooManyMissingRequestsKeyframe) {
  NackGeneratorConfig config;
  config.max_missing = 10;
  NackGenerator gen(config);
  gen.onPacket(0, 0);
  EXPECT_EQ(gen.onPacket(6, 0), Event::kGap);   // 5 missing
  EXPECT_EQ(gen.onPacket(12, 0), Event::kGap);  // 10 missing
  EXPECT_FALSE(gen.takeKeyframeRequest());
  EXPECT_EQ(gen.onPacket(14, 0), Event::kKeyframe);  // would be 11
  EXPECT_EQ(gen.missingCount(), 0u);
  EXPECT_TRUE(gen.takeKeyframeRequest());
  EXPECT_FALSE(gen.takeKeyframeRequest());  // reported once
  EXPECT_EQ(gen.stats().keyframe_requests, 1u);
  // Tracking goes on from the new highest seq.
  EXPECT_EQ(gen.onPacket(16, 0), Event::kGap);
  EXPECT_EQ(tick(gen, 0, 100), (std::vector<uint16_t>{15}));
}

TEST(NackGenerator, LongRunAcrossWrapStaysConsistent) {
  NackGenerator gen;
  int64_t now = 0;
  uint16_t seq = 65000;
  gen.onPacket(seq, now);
  std::vector<uint16_t> requested;
  for (int i = 0; i < 2000; ++i) {
    seq = static_cast<uint16_t>(seq + 1);
    now += 1;
    if (i % 50 == 7) continue;  // lose one in 50
    gen.onPacket(seq, now);
    auto out = tick(gen, now, 30);
    requested.insert(requested.end(), out.begin(), out.end());
    for (uint16_t s : out) gen.onPacket(s, now);  // retransmission arrives at once
  }
  EXPECT_EQ(requested.size(), 40u);
  EXPECT_EQ(gen.missingCount(), 0u);
  EXPECT_EQ(gen.stats().recovered, 40u);
}

}  // namespace
}  // namespace rtp::stream
