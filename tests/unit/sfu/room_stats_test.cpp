// Room statistics as snapshots (sfu/room/room_stats.h): a filled snapshot turns into exactly the
// JSON Room::stats() gives, and filling the same snapshot again for an unchanged room allocates
// nothing on the filling thread (the worker), counted by the test binary's allocator.
#include <iostream>

#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/remb.h"
#include "tests/unit/sfu/alloc_count.h"
#include "tests/unit/sfu/room_test_util.h"

namespace sfu::room::test {
namespace {

// Long enough that std::string keeps them on the heap (no small-string buffer).
const std::string kAlice = "alice-with-a-rather-long-user-id";
const std::string kBob = "bob-with-an-even-longer-user-id-0002";
const std::string kCarol = "carol-with-a-long-user-id-000003";

constexpr uint32_t kQ = 1000, kH = 2000, kF = 3000;

class RoomStatsTest : public RoomTest {
 protected:
  void SetUp() override {
    ready(kAlice);
    ready(kBob);
    ready(kCarol);
    settle();
    for (int f = 0; f < 40; ++f) {
      const bool key = f % 20 == 0;
      const uint32_t ssrcs[3] = {kQ, kH, kF};
      const char* rids[3] = {"q", "h", "f"};
      for (size_t l = 0; l < 3; ++l) {
        PacketSpec s;
        s.pt = 96;
        s.ssrc = ssrcs[l];
        s.seq = static_cast<uint16_t>(100 * (l + 1) + f + (f > 10 ? 1 : 0));  // one loss
        s.ts = 90000u + static_cast<uint32_t>(f) * 3000u;
        s.mid = "1";
        s.rid = rids[l];
        s.marker = true;
        s.payload = vp8Payload(key, static_cast<uint16_t>(f), 0, 0);
        pub(kAlice).injectRtp(buildRtp(s), now());
      }
      advanceMs(33);
    }
    // Bob reports on every stream he receives (remote_* fields) and sends a REMB (the
    // estimator takes over: allocation entries, switches).
    std::vector<rtp::rtcp::ReportBlock> blocks;
    std::vector<uint32_t> ssrcs;
    for (const auto& d : participant(kBob).downTracks()) {
      rtp::rtcp::ReportBlock b;
      b.ssrc = d->ssrc();
      b.fraction_lost = 12;
      b.cumulative_lost = 3;
      b.jitter = 450;
      blocks.push_back(b);
      ssrcs.push_back(d->ssrc());
    }
    rtp::rtcp::ReceiverReport rr{0xB0B, blocks, {}};
    rtp::rtcp::Remb remb{0xB0B, 150'000, ssrcs};
    std::vector<uint8_t> compound(rr.size() + remb.size());
    rr.write(compound.data());
    remb.write(compound.data() + rr.size());
    sub(kBob).injectRtcp(compound, now());
    advanceMs(500);
  }
};

// (Checked field by field against the JSON the worker used to build directly when the snapshot
// came in: same keys, values and number types.)
TEST_F(RoomStatsTest, SnapshotJsonCarriesTheRoomsFigures) {
  RoomStatsSnapshot s;
  room_->fillStats(s);
  const nlohmann::json j = toJson(s);
  ASSERT_EQ(j["participants"].size(), 3u);
  EXPECT_EQ(j["room"], "room1");
  const auto& bob = j["participants"][1];
  EXPECT_EQ(bob["user"], kBob);
  const auto& layer = j["participants"][0]["publish"]["tracks"][1]["layers"][0];
  EXPECT_EQ(layer["rid"], "q");
  EXPECT_EQ(layer["ssrc"], kQ);
  EXPECT_EQ(layer["lost"], 1);
  EXPECT_DOUBLE_EQ(layer["fraction_lost"].get<double>(), 8 / 256.0);
  const auto& stream = bob["subscribe"]["streams"][0];
  EXPECT_EQ(stream["from"], kAlice);
  EXPECT_EQ(stream["remote_cumulative_lost"], 3);
  EXPECT_DOUBLE_EQ(stream["remote_fraction_lost"].get<double>(), 12 / 256.0);
  EXPECT_TRUE(stream.contains("rtx_ssrc") || stream["kind"] == "audio");
  const auto& bwe = bob["subscribe"]["bwe"];
  EXPECT_EQ(bwe["mode"], "remb");
  EXPECT_EQ(bwe["remb_bps"], 150'000);
  ASSERT_FALSE(bwe["allocation"].empty());
  EXPECT_EQ(bwe["allocation"][0]["from"], kAlice);
  ASSERT_FALSE(bwe["switches"].empty());
  EXPECT_EQ(bwe["switches"][0]["reason"], "start");
  EXPECT_EQ(bwe["switch_count"], bwe["switches"].size());
  EXPECT_EQ(j["participants"][0]["subscribe"]["bwe"]["mode"], "none");
}

TEST_F(RoomStatsTest, SecondFillAllocatesNothing) {
  if (!sfu::test::allocationCountingAvailable()) GTEST_SKIP() << "sanitizer allocator";
  RoomStatsSnapshot s;
  uint64_t first = 0;
  {
    sfu::test::AllocationScope scope;
    room_->fillStats(s);
    first = scope.count();
  }
  // What the snapshot holds: publishers' tracks with layers, down tracks, the estimator's view.
  ASSERT_EQ(s.participants.size(), 3u);
  const ParticipantStatsSnapshot& bob = s.participants[1];
  EXPECT_EQ(bob.user, kBob);
  ASSERT_FALSE(bob.tracks.empty());
  EXPECT_EQ(bob.tracks.back().layers.size(), 3u);
  EXPECT_EQ(bob.streams.size(), 4u);  // audio + video of alice and carol
  EXPECT_TRUE(bob.streams.front().has_remote);
  EXPECT_TRUE(bob.bwe.active);
  EXPECT_FALSE(bob.bwe.allocation.empty());
  EXPECT_GT(first, 0u);

  uint64_t second = 0, third = 0, json = 0;
  {
    sfu::test::AllocationScope scope;
    room_->fillStats(s);
    second = scope.count();
  }
  EXPECT_EQ(second, 0u) << "first fill: " << first;
  advanceMs(100);  // time moves, numbers change, the shape does not
  {
    sfu::test::AllocationScope scope;
    room_->fillStats(s);
    third = scope.count();
  }
  EXPECT_EQ(third, 0u);
  {
    sfu::test::AllocationScope scope;
    const nlohmann::json j = room_->stats();  // what the worker used to do every poll
    json = scope.count();
  }
  std::cout << "[ alloc    ] room stats fill: first " << first << ", second " << second
            << "; fill + JSON: " << json << "\n";
}

TEST_F(RoomStatsTest, FillFollowsRoomChanges) {
  RoomStatsSnapshot s;
  room_->fillStats(s);
  room_->leave(kCarol);
  room_->fillStats(s);
  EXPECT_EQ(toJson(s), room_->stats());
  EXPECT_EQ(s.participants.size(), 2u);
  EXPECT_EQ(s.participants[1].streams.size(), 2u);
}

}  // namespace
}  // namespace sfu::room::test
