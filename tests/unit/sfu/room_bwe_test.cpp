// Adaptive bitrate wired into a room: alice publishes three simulcast layers, bob subscribes and
// his subscribe PC "receives" through a simulated bottleneck. Bob's feedback (TWCC built from the
// transport-wide numbers we stamped, or REMB) drives SubscriberBwe: the layer goes down when the
// link shrinks, comes back after a stable period and a probe when it grows, and the stats show
// the estimate, the allocation and the switches with their reasons.
#include <spdlog/spdlog.h>

#include "rtp/rtcp/remb.h"
#include "rtp/rtp/extension_map.h"
#include "rtp/rtp/header_extensions.h"
#include "rtp/stream/twcc_recorder.h"
#include "sfu/sdp/capabilities.h"
#include "tests/unit/sfu/room_test_util.h"

namespace sfu::room::test {
namespace {

constexpr uint32_t kQ = 1000, kH = 2000, kF = 3000;
// Payload bytes per frame and layer at 30 fps: ≈ 65 / 130 / 300 kbps with headers.
constexpr size_t kSizes[3] = {250, 500, 1200};

class BweRoomTest : public RoomTest {
 protected:
  void SetUp() override {
    ready("alice");
    ready("bob");
    settle();
    auto offer = sdp::parse(rec_.offers["bob"].back());
    ASSERT_TRUE(offer.ok());
    for (const auto& m : offer.sdp->media) {
      for (const auto& e : m.extmaps) {
        if (e.uri == sdp::ext_uri::kTransportCc) twcc_id_ = static_cast<uint8_t>(e.id);
      }
    }
    ASSERT_NE(twcc_id_, 0);
    rtp::stream::TwccRecorderConfig tc;
    tc.sender_ssrc = 0xB0B;
    tc.interval_us = 50'000;
    recorder_ = std::make_unique<rtp::stream::TwccRecorder>(tc);
  }

  void video(uint32_t ssrc, size_t layer, bool key) {
    PacketSpec s;
    s.pt = 96;
    s.ssrc = ssrc;
    s.seq = seq_[layer]++;
    s.ts = ts_;
    s.mid = "1";
    s.rid = layer == 0 ? "q" : layer == 1 ? "h" : "f";
    s.twcc = twcc_in_++;
    s.marker = true;
    s.payload = vp8Payload(key, pic_, 0, 0);
    s.payload.resize(kSizes[layer], 0x5A);
    pub("alice").injectRtp(buildRtp(s), now());
  }

  // One frame on every layer (key frames every second), then 33 ms of link and feedback.
  void frame() {
    const bool key = frames_ % 30 == 0;
    video(kQ, 0, key);
    video(kH, 1, key);
    video(kF, 2, key);
    ++frames_;
    ++pic_;
    ts_ += 3000;
    for (int i = 0; i < 3; ++i) {
      advanceMs(11);
      carry();
    }
  }

  // Everything bob's subscribe transport sent since the last call crosses a bottleneck of
  // capacity_bps (FIFO, 30 ms base delay); arrivals feed bob's TWCC recorder; feedback goes back.
  void carry() {
    auto& sent = sub("bob").rtp;
    for (; carried_ < sent.size(); ++carried_) {
      std::vector<uint8_t> bytes = sent[carried_];
      const int64_t start = std::max(now(), link_free_us_);
      link_free_us_ = start + static_cast<int64_t>(bytes.size() + 40) * 8 * 1'000'000 /
                                  static_cast<int64_t>(capacity_bps_);
      auto p = rtp::RtpPacket::parse(bytes);
      if (!p || !p->hasExtension()) continue;
      auto v = rtp::findExtension(*p, twcc_id_);
      if (!v) continue;
      auto seq = rtp::ext::readTransportWideCc(*v);
      if (seq) recorder_->onPacket(*seq, link_free_us_ + 30'000);
      ++stamped_;
    }
    if (recorder_->due(now())) {
      std::vector<uint8_t> out(4000);
      const size_t n = recorder_->buildFeedback(now(), out);
      if (n > 0) sub("bob").injectRtcp({out.data(), n}, now());
    }
  }

  DownTrack& bobVideo() {
    for (const auto& d : participant("bob").downTracks()) {
      if (d->track().isVideo()) return *d;
    }
    ADD_FAILURE() << "no video down track";
    return *participant("bob").downTracks().front();
  }
  nlohmann::json bobBwe() {
    auto stats = room_->stats();
    for (const auto& p : stats["participants"]) {
      if (p["user"] == "bob") return p["subscribe"]["bwe"];
    }
    return {};
  }

  uint8_t twcc_id_ = 0;
  std::unique_ptr<rtp::stream::TwccRecorder> recorder_;
  uint64_t capacity_bps_ = 5'000'000;
  int64_t link_free_us_ = 0;
  size_t carried_ = 0;
  size_t stamped_ = 0;
  uint16_t seq_[3] = {100, 5000, 60000};
  uint32_t ts_ = 90000;
  uint16_t pic_ = 10;
  int frames_ = 0;
  int twcc_in_ = 1;
};

TEST_F(BweRoomTest, TwccFeedbackAdaptsLayerDownOnCongestionAndBackUpAfterProbe) {
  if (std::getenv("BWE_TEST_DEBUG") != nullptr) spdlog::set_level(spdlog::level::debug);
  for (int i = 0; i < 90; ++i) frame();  // 3 s at 5 Mbps
  DownTrack& d = bobVideo();
  EXPECT_TRUE(participant("bob").bwe().active());
  EXPECT_EQ(d.currentLayer(), 2);
  EXPECT_GT(stamped_, 80u);  // every forwarded packet carries our transport-wide number

  capacity_bps_ = 250'000;  // below f (≈ 300 kbps + audio-less), above h
  int down_after = -1;
  for (int i = 0; i < 150 && down_after < 0; ++i) {
    frame();
    if (d.targetLayer() < 2) down_after = i;
  }
  ASSERT_GE(down_after, 0) << bobBwe().dump();
  EXPECT_LT(down_after, 60);  // within 2 s
  for (int i = 0; i < 60; ++i) frame();
  EXPECT_LE(d.currentLayer(), 1);
  EXPECT_GE(d.currentLayer(), 0);

  capacity_bps_ = 5'000'000;
  int up_after = -1;
  for (int i = 0; i < 600 && up_after < 0; ++i) {
    frame();
    if (d.currentLayer() == 2) up_after = i;
  }
  {
    const auto& o = participant("bob").bwe().estimator().probes().stats().outcomes;
    std::printf("probe outcomes ok=%llu slow=%llu lost=%llu timeout=%llu\n",
                (unsigned long long)o[0], (unsigned long long)o[1], (unsigned long long)o[2],
                (unsigned long long)o[3]);
  }
  ASSERT_GE(up_after, 0) << bobBwe().dump();
  auto j = bobBwe();
  EXPECT_EQ(j["mode"], "twcc");
  EXPECT_GE(j["probes"]["succeeded"].get<int>(), 1) << j.dump();
  EXPECT_GT(d.stats(now())["padding_sent"].get<int>(), 0);
  bool saw_down = false, saw_up = false;
  for (const auto& s : j["switches"]) {
    saw_down = saw_down || s["reason"] == "down";
    saw_up = saw_up || s["reason"] == "up";
  }
  EXPECT_TRUE(saw_down && saw_up) << j.dump();
  EXPECT_FALSE(j["allocation"].empty());
  std::printf("bwe room sim: down after %d ms at 250 kbps, back to f after %d ms at 5 Mbps\n",
              down_after * 33, up_after * 33);
}

TEST_F(BweRoomTest, RembDrivesAllocationWithoutTwccAndPausesWhenNothingFits) {
  auto remb = [&](uint64_t bps) {
    uint32_t ssrcs[1] = {bobVideo().ssrc()};
    std::vector<uint8_t> buf(64);
    rtp::rtcp::Remb r{0xB0B, bps, {ssrcs, 1}};
    buf.resize(r.size());
    r.write(buf.data());
    sub("bob").injectRtcp(buf, now());
  };
  for (int i = 0; i < 30; ++i) {
    video(kQ, 0, i % 10 == 0);
    video(kH, 1, i % 10 == 0);
    video(kF, 2, i % 10 == 0);
    ts_ += 3000;
    advanceMs(33);
  }
  remb(160'000);
  for (int i = 0; i < 30; ++i) {
    video(kQ, 0, i % 10 == 0);
    video(kH, 1, i % 10 == 0);
    video(kF, 2, i % 10 == 0);
    ts_ += 3000;
    advanceMs(33);
  }
  DownTrack& d = bobVideo();
  EXPECT_EQ(d.currentLayer(), 1);
  auto j = bobBwe();
  EXPECT_EQ(j["mode"], "remb");
  EXPECT_EQ(j["estimate_bps"], 160'000);
  remb(20'000);  // below q: paused, nothing forwarded
  advanceMs(150);
  EXPECT_EQ(d.allocatedLayer(), -1);
  EXPECT_TRUE(d.stats(now())["allocator_paused"].get<bool>());
  const size_t before = sub("bob").rtp.size();
  for (int i = 0; i < 5; ++i) {
    video(kQ, 0, false);
    advanceMs(33);
  }
  size_t video_after = 0;
  for (size_t i = before; i < sub("bob").rtp.size(); ++i) {
    if (parseRtp(sub("bob").rtp[i]).ssrc == d.ssrc()) ++video_after;
  }
  EXPECT_EQ(video_after, 0u);
  j = bobBwe();
  EXPECT_EQ(j["switches"].back()["reason"], "paused") << j.dump();
}

TEST_F(BweRoomTest, DynacastGuidanceFollowsSubscriberMaxLayerWithDelay) {
  for (int i = 0; i < 10; ++i) frame();
  const PublishedTrack& cam = *participant("alice").tracks()[1];
  ASSERT_TRUE(cam.isVideo());
  EXPECT_EQ(cam.guidanceLayer(), 2);  // bob may take everything
  ASSERT_TRUE(room_->setPreferences("bob", nlohmann::json::parse(R"({"max_layer": 0})")));
  for (int i = 0; i < 60; ++i) frame();  // 2 s: not yet
  EXPECT_EQ(cam.guidanceLayer(), 2);
  for (int i = 0; i < 45; ++i) frame();  // past 3 s: h and f can pause at alice's encoder
  EXPECT_EQ(cam.guidanceLayer(), 0);
  ASSERT_TRUE(room_->setPreferences("bob", nlohmann::json::parse(R"({"max_layer": 1})")));
  for (int i = 0; i < 4; ++i) frame();  // more is needed: at once
  EXPECT_EQ(cam.guidanceLayer(), 1);
}

}  // namespace
}  // namespace sfu::room::test
