// Forwarding through a room with synthetic streams: SSRC learning from MID/RID, simulcast layer
// selection and key-frame-gated switching with seq/ts/picture id continuity, layer dropout,
// preferences, temporal layer dropping, extension/pt translation, and cleanup.
#include <set>

#include "rtp/codecs/vp8.h"
#include "rtp/rtp/header_extensions.h"
#include "tests/unit/sfu/room_test_util.h"

namespace sfu::room::test {
namespace {

constexpr uint32_t kQ = 1000, kH = 2000, kF = 3000;  // alice's simulcast SSRCs (learned)

class ForwardTest : public RoomTest {
 protected:
  void SetUp() override {
    ready("alice");
    ready("bob");
    settle();
  }
  // One VP8 packet of alice's camera on a layer.
  void video(uint32_t ssrc, uint16_t seq, uint32_t ts, bool key, uint16_t picture_id,
             uint8_t tid = 0, uint8_t tl0 = 0, uint8_t pt = 96) {
    PacketSpec s;
    s.pt = pt;
    s.ssrc = ssrc;
    s.seq = seq;
    s.ts = ts;
    s.mid = "1";
    s.rid = ssrc == kQ ? "q" : ssrc == kH ? "h" : "f";
    s.twcc = twcc_++;
    s.marker = true;
    s.payload = vp8Payload(key, picture_id, tl0, tid);
    pub("alice").injectRtp(buildRtp(s), now());
  }
  // A frame on each layer at once (as a simulcast sender does), 33 ms apart.
  void frameAll(bool key_q, bool key_h, bool key_f) {
    video(kQ, seq_q_++, ts_, key_q, pic_);
    video(kH, seq_h_++, ts_ + 500, key_h, pic_);
    video(kF, seq_f_++, ts_ + 900, key_f, pic_);
    ++pic_;
    ts_ += 3000;
    advanceMs(33);
  }
  DownTrack& bobVideo() {
    for (const auto& d : participant("bob").downTracks()) {
      if (d->track().isVideo()) return *d;
    }
    ADD_FAILURE() << "no video down track";
    return *participant("bob").downTracks().front();
  }
  std::vector<ParsedRtp> bobReceived(uint32_t ssrc) {
    std::vector<ParsedRtp> out;
    for (const auto& b : sub("bob").rtp) {
      auto p = parseRtp(b);
      if (p.ssrc == ssrc) out.push_back(p);
    }
    return out;
  }
  size_t plisTo(uint32_t media_ssrc) {
    size_t n = 0;
    for (const auto& [kind, bytes] : rtcpPackets(pub("alice").rtcp)) {
      if (kind == rtp::rtcp::PacketKind::kPli && rtp::load32(&bytes[8]) == media_ssrc) ++n;
    }
    return n;
  }

  int twcc_ = 1;
  uint16_t seq_q_ = 100, seq_h_ = 5000, seq_f_ = 60000;
  uint32_t ts_ = 90000;
  uint16_t pic_ = 10;
};

TEST_F(ForwardTest, LearnsSsrcsFromMidRidAndStartsOnTopLayerKeyframe) {
  frameAll(false, false, false);
  const PublishedTrack& cam = *participant("alice").tracks()[1];
  EXPECT_EQ(cam.layer(0).ssrc, kQ);
  EXPECT_EQ(cam.layer(1).ssrc, kH);
  EXPECT_EQ(cam.layer(2).ssrc, kF);
  DownTrack& d = bobVideo();
  EXPECT_TRUE(d.active());
  EXPECT_TRUE(bobReceived(d.ssrc()).empty());  // nothing before a key frame
  advanceMs(100);                              // layer check: every layer active → top
  frameAll(false, false, false);
  EXPECT_EQ(d.targetLayer(), 2);
  EXPECT_GE(plisTo(kF), 1u);
  EXPECT_EQ(d.currentLayer(), -1);
  frameAll(true, true, true);
  EXPECT_EQ(d.currentLayer(), 2);
  auto got = bobReceived(d.ssrc());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].pt, 96);
  auto vp8 = rtp::codecs::parseVp8(got[0].payload);
  ASSERT_TRUE(vp8);
  EXPECT_TRUE(vp8->keyframe);
  // The mid/rid elements are the publisher's business: none reaches the subscriber.
  auto pkt = rtp::RtpPacket::parse(got[0].bytes);
  EXPECT_FALSE(rtp::findExtension(*pkt, kRidId).has_value());
  frameAll(false, false, false);
  got = bobReceived(d.ssrc());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(static_cast<uint16_t>(got[1].seq - got[0].seq), 1);
  EXPECT_EQ(got[1].ts - got[0].ts, 3000u);
}

// A publisher may change codec mid-stream (alice negotiated VP9 as 98 too): each packet goes
// out under the payload type bob answered for its own codec, however often the type changes.
TEST_F(ForwardTest, EveryPacketCarriesItsOwnCodecsPayloadType) {
  frameAll(false, false, false);
  advanceMs(100);
  DownTrack& d = bobVideo();
  const uint8_t pts[] = {96, 96, 98, 98, 96, 98, 96};
  for (size_t i = 0; i < std::size(pts); ++i) {
    video(kF, seq_f_++, ts_, i == 0, pic_++, 0, 0, pts[i]);
    ts_ += 3000;
  }
  auto got = bobReceived(d.ssrc());
  ASSERT_EQ(got.size(), std::size(pts));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].pt, pts[i]) << "packet " << i;
    if (i > 0) {
      EXPECT_EQ(static_cast<uint16_t>(got[i].seq - got[i - 1].seq), 1);
    }
  }
}

// Template keys are numbered per track: the same ids get the same number, and a full table
// sends further subscribers down the general path instead of reusing a number.
TEST_F(ForwardTest, TemplateKeysAreNumberedUntilTheTableIsFull) {
  PublishedTrack& cam = *participant("alice").tracks()[1];
  HeaderTemplate::Key key{};
  key[0] = 9;
  const uint8_t first = cam.templateKeyId(key);
  EXPECT_NE(first, HeaderTemplate::kNoKey);
  EXPECT_EQ(cam.templateKeyId(key), first);
  // Bob's subscription numbered its key already; new keys take the numbers left, each once.
  std::set<uint8_t> seen{first};
  bool full = false;
  for (int i = 1; i < 300 && !full; ++i) {
    key[1] = static_cast<uint8_t>(i);
    key[2] = static_cast<uint8_t>(i >> 8);
    const uint8_t id = cam.templateKeyId(key);
    full = id == HeaderTemplate::kNoKey;
    if (!full) {
      EXPECT_TRUE(seen.insert(id).second) << "number " << int{id} << " given twice";
    }
  }
  // Numbers are handed out in order, so the keys before ours (bob's) took 0..first-1 and ours
  // take every number from first up to the last one below kNoKey.
  EXPECT_TRUE(full);
  EXPECT_EQ(seen.size(), size_t{HeaderTemplate::kNoKey} - first);
  EXPECT_EQ(*seen.begin(), first);
  EXPECT_EQ(*seen.rbegin(), HeaderTemplate::kNoKey - 1);
  key = {};
  key[0] = 9;
  EXPECT_EQ(cam.templateKeyId(key), first);
}

// What the room cannot forward is counted through the transport (sfu_packet_drops_total).
TEST_F(ForwardTest, UnparseableAndUnclaimedRtpAreCountedAsDrops) {
  using transport::TransportDrop;
  pub("alice").injectRtp({0x80, 0x60, 0x00}, now());  // shorter than an RTP header
  PacketSpec s;
  s.ssrc = 0x0BADF00D;
  s.mid = "9";  // no such m-line
  pub("alice").injectRtp(buildRtp(s), now());
  frameAll(false, false, false);  // known layers: nothing more counted
  EXPECT_EQ(pub("alice").drops, (std::vector<TransportDrop>{TransportDrop::kRtpMalformed,
                                                            TransportDrop::kUnknownSsrc}));
}

TEST_F(ForwardTest, MaxLayerPreferenceSwitchesDownOnlyAtKeyframeAndStaysContinuous) {
  frameAll(false, false, false);
  advanceMs(100);
  frameAll(true, true, true);
  frameAll(false, false, false);
  DownTrack& d = bobVideo();
  ASSERT_EQ(d.currentLayer(), 2);
  ASSERT_TRUE(room_->setPreferences("bob", nlohmann::json::parse(R"({"max_layer": 0})")));
  EXPECT_EQ(d.targetLayer(), 0);
  EXPECT_GE(plisTo(kQ), 1u);
  frameAll(false, false, false);  // no key frame on q yet: f keeps flowing
  EXPECT_EQ(d.currentLayer(), 2);
  frameAll(true, false, false);
  EXPECT_EQ(d.currentLayer(), 0);
  frameAll(false, false, false);
  auto got = bobReceived(d.ssrc());
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(got[i].seq - got[i - 1].seq), 1) << i;
    EXPECT_TRUE(rtp::tsNewer(got[i].ts, got[i - 1].ts)) << i;
    auto a = rtp::codecs::parseVp8(got[i - 1].payload);
    auto b = rtp::codecs::parseVp8(got[i].payload);
    ASSERT_TRUE(a && b);
    EXPECT_EQ((b->pictureId - a->pictureId) & 0x7FFF, 1) << i;
  }
  auto kf = rtp::codecs::parseVp8(got[3].payload);
  EXPECT_TRUE(kf->keyframe);  // the switch happened on q's key frame
  // Per-track preference shape; unknown shapes are refused.
  EXPECT_TRUE(room_->setPreferences(
      "bob", nlohmann::json::parse(
                 R"({"tracks": {"e801e1a3-db24-4a39-945b-f47242b4b360": {"max_layer": 1}}})")));
  EXPECT_EQ(d.maxLayer(), 1);
  EXPECT_FALSE(room_->setPreferences("bob", nlohmann::json::parse(R"({"max_layer": "high"})")));
  EXPECT_FALSE(room_->setPreferences("nobody", nlohmann::json::object()));
}

// A layer no subscriber takes or targets is neither forwarded to nor stored for NACKs: its
// packets touch no DownTrack. A target layer opens the gate before the switch.
TEST_F(ForwardTest, LayersNobodyTakesAreGatedOut) {
  frameAll(false, false, false);
  advanceMs(100);
  frameAll(true, true, true);
  DownTrack& d = bobVideo();
  ASSERT_EQ(d.currentLayer(), 2);
  EXPECT_EQ(d.gateMask(), 0b100u);
  const PublishedTrack& cam = *participant("alice").tracks()[1];
  const uint16_t q = seq_q_, h = seq_h_, f = seq_f_;
  frameAll(false, false, false);
  const int64_t now_ms = now() / 1000;
  EXPECT_FALSE(cam.layer(0).history.find(q, now_ms));
  EXPECT_FALSE(cam.layer(1).history.find(h, now_ms));
  EXPECT_TRUE(cam.layer(2).history.find(f, now_ms));

  ASSERT_TRUE(room_->setPreferences("bob", nlohmann::json::parse(R"({"max_layer": 0})")));
  EXPECT_EQ(d.gateMask(), 0b101u);  // still on f, waiting for a key frame on q
  const uint16_t q2 = seq_q_;
  frameAll(false, false, false);
  EXPECT_TRUE(cam.layer(0).history.find(q2, now() / 1000));
  frameAll(true, false, false);
  EXPECT_EQ(d.currentLayer(), 0);
  EXPECT_EQ(d.gateMask(), 0b001u);

  // Paused: nothing at all.
  ASSERT_TRUE(room_->setPreferences("bob", nlohmann::json::parse(R"({"paused": true})")));
  EXPECT_EQ(d.gateMask(), 0u);
  const size_t before = bobReceived(d.ssrc()).size();
  frameAll(true, true, true);
  EXPECT_EQ(bobReceived(d.ssrc()).size(), before);
}

TEST_F(ForwardTest, PerPublisherPreferenceAsTheWebClientSendsIt) {
  frameAll(false, false, false);
  advanceMs(100);
  frameAll(true, true, true);
  DownTrack& d = bobVideo();
  ASSERT_EQ(d.currentLayer(), 2);
  // {user_id, source, max_layer}: the publisher's camera only.
  ASSERT_TRUE(room_->setPreferences(
      "bob", nlohmann::json::parse(R"({"user_id": "alice", "source": "camera", "max_layer": 0})")));
  EXPECT_EQ(d.maxLayer(), 0);
  EXPECT_EQ(d.targetLayer(), 0);
  // Another publisher's preference leaves alice's in place; a screen one does not touch camera.
  ASSERT_TRUE(room_->setPreferences(
      "bob", nlohmann::json::parse(R"({"user_id": "carol", "source": "camera", "max_layer": 1})")));
  ASSERT_TRUE(room_->setPreferences(
      "bob", nlohmann::json::parse(R"({"user_id": "alice", "source": "screen", "max_layer": 1})")));
  EXPECT_EQ(d.maxLayer(), 0);
  // Replacing alice's camera preference lifts the cap; without a source it covers all her tracks
  // unless a source-specific one is more precise.
  ASSERT_TRUE(room_->setPreferences(
      "bob",
      nlohmann::json::parse(R"({"user_id": "alice", "source": "camera", "max_layer": null})")));
  EXPECT_EQ(d.maxLayer(), -1);
  ASSERT_TRUE(room_->setPreferences(
      "bob", nlohmann::json::parse(R"({"user_id": "alice", "max_layer": 1})")));
  EXPECT_EQ(d.maxLayer(), -1);  // the camera entry (max_layer null) is more specific
  // Malformed: non-string publisher, unknown source, mixed with "tracks".
  EXPECT_FALSE(room_->setPreferences("bob", nlohmann::json::parse(R"({"user_id": 7})")));
  EXPECT_FALSE(room_->setPreferences(
      "bob", nlohmann::json::parse(R"({"user_id": "alice", "source": "webcam", "max_layer": 0})")));
  EXPECT_FALSE(room_->setPreferences(
      "bob", nlohmann::json::parse(R"({"user_id": "alice", "tracks": {}, "max_layer": 0})")));
}

TEST_F(ForwardTest, SilentLayerIsLeftForTheNextOneDown) {
  frameAll(false, false, false);
  advanceMs(100);
  frameAll(true, true, true);
  DownTrack& d = bobVideo();
  ASSERT_EQ(d.currentLayer(), 2);
  // f stops; q and h keep coming for 2 s.
  for (int i = 0; i < 60; ++i) {
    video(kQ, seq_q_++, ts_, false, pic_);
    video(kH, seq_h_++, ts_ + 500, false, pic_);
    ++pic_;
    ts_ += 3000;
    advanceMs(33);
  }
  EXPECT_EQ(d.targetLayer(), 1);
  EXPECT_GE(plisTo(kH), 1u);
  video(kH, seq_h_++, ts_ + 500, true, pic_++);
  EXPECT_EQ(d.currentLayer(), 1);
}

TEST_F(ForwardTest, LimitedBitrateSelectsLowerLayer) {
  for (int i = 0; i < 10; ++i) frameAll(i == 0, i == 0, i == 0);
  room_->setAvailableBitrate("bob", 1);  // less than any layer: the lowest active one
  advanceMs(100);
  EXPECT_EQ(bobVideo().targetLayer(), 0);
  room_->setAvailableBitrate("bob", 0);  // unlimited again
  advanceMs(100);
  EXPECT_EQ(bobVideo().targetLayer(), 2);
}

TEST_F(ForwardTest, TemporalLayerCapDropsFramesWithoutGaps) {
  ASSERT_TRUE(room_->setPreferences("bob", nlohmann::json::parse(R"({"max_temporal_layer": 0})")));
  frameAll(false, false, false);
  advanceMs(100);
  DownTrack& d = bobVideo();
  // On f: key (tid 0), tid 1, tid 0, tid 1, tid 0.
  const uint8_t tids[] = {0, 1, 0, 1, 0};
  for (int i = 0; i < 5; ++i) {
    video(kF, seq_f_++, ts_, i == 0, pic_++, tids[i], static_cast<uint8_t>(i / 2));
    ts_ += 3000;
  }
  auto got = bobReceived(d.ssrc());
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(static_cast<uint16_t>(got[i].seq - got[i - 1].seq), 1);
    auto a = rtp::codecs::parseVp8(got[i - 1].payload);
    auto b = rtp::codecs::parseVp8(got[i].payload);
    EXPECT_EQ((b->pictureId - a->pictureId) & 0x7FFF, 1);
  }
}

TEST_F(ForwardTest, AudioIsForwardedWithTranslatedExtensionsAndPayloadType) {
  PacketSpec s;
  s.pt = 111;
  s.ssrc = 305777949;  // signalled in the offer's a=ssrc
  s.seq = 7;
  s.ts = 960;
  s.mid = "0";
  s.audio_level = 30;
  s.twcc = 5;
  pub("alice").injectRtp(buildRtp(s), now());
  DownTrack* audio = nullptr;
  for (const auto& d : participant("bob").downTracks()) {
    if (d->track().isAudio()) audio = d.get();
  }
  ASSERT_NE(audio, nullptr);
  auto got = bobReceived(audio->ssrc());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].pt, 111);
  EXPECT_EQ(got[0].payload, s.payload);
  // Bob's ids are the ones of our subscribe offer (capability preferred ids).
  uint8_t level_id = 0;
  for (const auto& e : caps_.extensions) {
    if (e.kind == "audio" && e.uri == sdp::ext_uri::kAudioLevel)
      level_id = static_cast<uint8_t>(e.preferred_id);
  }
  auto pkt = rtp::RtpPacket::parse(got[0].bytes);
  auto level = rtp::findExtension(*pkt, level_id);
  ASSERT_TRUE(level.has_value());
  EXPECT_EQ(rtp::ext::readAudioLevel(*level)->level, 30);
}

// Subscribers that answered different extension ids share no header bytes: each gets its own
// ids and its own transport-wide seq, whatever order the fan-out meets them in (bob and dave
// answered everything, carol left transport-cc and abs-send-time out, so each packet's header is
// made for bob, remade for carol, remade for dave).
TEST_F(ForwardTest, EachSubscriberGetsItsOwnExtensionIds) {
  ASSERT_TRUE(join("carol").ok);
  ASSERT_TRUE(join("dave").ok);
  const auto withoutCongestionControl = [](const std::string& answer_sdp) {
    auto parsed = sdp::parse(answer_sdp);
    EXPECT_TRUE(parsed.ok());
    sdp::SessionDescription a = *parsed.sdp;
    for (auto& m : a.media) {
      std::erase_if(m.extmaps, [](const sdp::Extmap& e) {
        return e.uri == sdp::ext_uri::kTransportCc || e.uri == sdp::ext_uri::kAbsSendTime;
      });
    }
    return sdp::write(a);
  };
  for (int round = 0; round < 4; ++round) {
    for (auto& [user, offers] : rec_.offers) {
      if (!participant(user).subscribeOfferOutstanding()) continue;
      const std::string a = flipOffer(offers.back());
      ASSERT_TRUE(
          room_->subscribeAnswer(user, user == "carol" ? withoutCongestionControl(a) : a).ok);
    }
  }
  connect("carol");
  connect("dave");
  uint8_t level_id = 0, twcc_id = 0, abs_id = 0;
  for (const auto& e : caps_.extensions) {
    if (e.kind != "audio") continue;
    if (e.uri == sdp::ext_uri::kAudioLevel) level_id = static_cast<uint8_t>(e.preferred_id);
    if (e.uri == sdp::ext_uri::kTransportCc) twcc_id = static_cast<uint8_t>(e.preferred_id);
    if (e.uri == sdp::ext_uri::kAbsSendTime) abs_id = static_cast<uint8_t>(e.preferred_id);
  }
  ASSERT_NE(level_id, 0);
  ASSERT_NE(twcc_id, 0);
  ASSERT_NE(abs_id, 0);

  const auto audioOf = [&](const std::string& user) -> std::vector<rtp::RtpPacket> {
    uint32_t ssrc = 0;
    for (const auto& d : participant(user).downTracks()) {
      if (d->track().isAudio() && &d->track().owner() == &participant("alice")) ssrc = d->ssrc();
    }
    std::vector<rtp::RtpPacket> out;
    for (auto& b : sub(user).rtp) {
      auto p = rtp::RtpPacket::parse(b);
      if (p && p->ssrc() == ssrc) out.push_back(*p);
    }
    return out;
  };
  std::vector<uint32_t> abs_sent;  // ours: when each packet went out
  for (uint16_t i = 0; i < 3; ++i) {
    PacketSpec s;
    s.pt = 111;
    s.ssrc = 305777949;
    s.seq = static_cast<uint16_t>(7 + i);
    s.ts = 960u * (i + 1);
    s.mid = "0";
    s.audio_level = 30 + i;
    s.twcc = 500 + i;
    s.abs_send_time = 0xABCDEF;
    pub("alice").injectRtp(buildRtp(s), now());
    abs_sent.push_back(rtp::ext::absSendTimeFromMicros(static_cast<uint64_t>(now())));
    advanceMs(20);
  }
  for (const std::string user : {"bob", "carol", "dave"}) {
    const auto got = audioOf(user);
    ASSERT_EQ(got.size(), 3u) << user;
    for (size_t i = 0; i < got.size(); ++i) {
      const auto level = rtp::findExtension(got[i], level_id);
      ASSERT_TRUE(level.has_value()) << user;
      EXPECT_EQ(rtp::ext::readAudioLevel(*level)->level, 30 + i) << user;
      EXPECT_FALSE(rtp::findExtension(got[i], kMidId).has_value()) << user;
      const auto twcc = rtp::findExtension(got[i], twcc_id);
      const auto abs = rtp::findExtension(got[i], abs_id);
      if (user == "carol") {
        EXPECT_FALSE(twcc.has_value());
        EXPECT_FALSE(abs.has_value());
        continue;
      }
      ASSERT_TRUE(abs.has_value()) << user;
      EXPECT_EQ(rtp::ext::readAbsSendTime(*abs), abs_sent[i]) << user;
      ASSERT_TRUE(twcc.has_value()) << user;
      // Our own transport-wide numbering on that subscriber's transport, not alice's 500+.
      const uint16_t seq = rtp::load16(twcc->data());
      EXPECT_LT(seq, 500) << user;
      if (i > 0) {
        const uint16_t prev = rtp::load16(rtp::findExtension(got[i - 1], twcc_id)->data());
        EXPECT_EQ(static_cast<uint16_t>(seq - prev), 1) << user;
      }
    }
  }
}

TEST_F(ForwardTest, LeaveCleansUpEveryStream) {
  frameAll(false, false, false);
  FakeTransport& bob_sub = sub("bob");
  EXPECT_EQ(participant("alice").tracks()[1]->subscribers().size(), 1u);
  room_->leave("alice");
  EXPECT_FALSE(bob_sub.closed);
  EXPECT_TRUE(participant("bob").downTracks().empty());
  for (const auto& t : participant("bob").tracks()) EXPECT_TRUE(t->subscribers().empty());
  room_->close();
  EXPECT_EQ(room_->participantCount(), 0u);
  EXPECT_EQ(wheel_.armedCount(), 0u);
}

}  // namespace
}  // namespace sfu::room::test
