// Retransmissions rebuilt from the publisher-side shared packet store (one per published layer)
// and each DownTrack's log of what it sent: a NACKed packet goes out byte-identical to the first
// send (apart from the per-hop transport-wide seq and abs-send-time), across a simulcast layer
// switch and with VP8 picture id / TL0PICIDX rewriting, as RTX when negotiated, at most once per
// RTT per subscriber, and not at all once the shared store had to drop it.
#include <set>

#include "rtp/codecs/vp8.h"
#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtp/header_extensions.h"
#include "rtp/stream/rtx.h"
#include "tests/unit/sfu/room_test_util.h"

namespace sfu::room::test {
namespace {

constexpr uint32_t kQ = 1000, kH = 2000, kF = 3000;  // alice's simulcast SSRCs (learned)
constexpr uint32_t kPlainVideoSsrc = 1894558276;     // chrome_plain_offer.sdp camera

// The subscriber's answer without RTX: only the media codecs of each m-line.
std::string withoutRtx(const std::string& answer_sdp) {
  auto parsed = sdp::parse(answer_sdp);
  EXPECT_TRUE(parsed.ok());
  sdp::SessionDescription a = *parsed.sdp;
  for (auto& m : a.media) {
    std::erase_if(m.codecs, [](const sdp::Codec& c) { return c.name == "rtx"; });
    m.syncFormatsFromCodecs();
  }
  return sdp::write(a);
}

class RetransmitTest : public RoomTest {
 protected:
  // alice publishes (simulcast or plain), bob subscribes (with or without RTX), then carol.
  void setUpRoom(const std::string& fixture, bool bob_rtx) {
    ready("alice", fixture);
    ASSERT_TRUE(join("bob", fixture).ok);
    const std::string bob_answer = flipOffer(rec_.offers["bob"].back());
    ASSERT_TRUE(room_->subscribeAnswer("bob", bob_rtx ? bob_answer : withoutRtx(bob_answer)).ok);
    connect("bob");
    ready("carol", fixture);
    // Answer the re-offers (carol's tracks), bob's still without RTX.
    for (int round = 0; round < 4; ++round) {
      for (auto& [user, offers] : rec_.offers) {
        if (!participant(user).subscribeOfferOutstanding()) continue;
        const std::string a = flipOffer(offers.back());
        ASSERT_TRUE(room_->subscribeAnswer(user, user == "bob" && !bob_rtx ? withoutRtx(a) : a).ok);
      }
    }
    for (const auto& e : caps_.extensions) {
      if (e.kind != "video") continue;
      if (e.uri == sdp::ext_uri::kTransportCc) twcc_id_ = static_cast<uint8_t>(e.preferred_id);
      if (e.uri == sdp::ext_uri::kAbsSendTime) abs_id_ = static_cast<uint8_t>(e.preferred_id);
    }
  }

  // One VP8 packet of alice's camera. Layers carry their own picture ids and TL0PICIDX so the
  // subscriber's continuous ones differ from the source after a switch.
  void video(uint32_t ssrc, uint16_t seq, uint32_t ts, bool key, uint16_t picture_id, uint8_t tl0,
             size_t extra = 40) {
    PacketSpec s;
    s.pt = 96;
    s.ssrc = ssrc;
    s.seq = seq;
    s.ts = ts;
    if (ssrc != kPlainVideoSsrc) {
      s.mid = "1";
      s.rid = ssrc == kQ ? "q" : ssrc == kH ? "h" : "f";
    }
    s.twcc = twcc_++;
    s.marker = true;
    s.payload = vp8Payload(key, picture_id, tl0, 0);
    for (size_t i = 0; i < extra; ++i) s.payload.push_back(static_cast<uint8_t>(seq + i));
    pub("alice").injectRtp(buildRtp(s), now());
  }
  void frameAll(bool key_q, bool key_h, bool key_f) {
    video(kQ, seq_q_++, ts_, key_q, static_cast<uint16_t>(pic_ + 1000), tl0_q_++);
    video(kH, seq_h_++, ts_ + 500, key_h, static_cast<uint16_t>(pic_ + 2000), 77);
    video(kF, seq_f_++, ts_ + 900, key_f, pic_, tl0_f_++);
    ++pic_;
    ts_ += 3000;
    advanceMs(33);
  }

  DownTrack& videoOf(const std::string& user) {
    for (const auto& d : participant(user).downTracks()) {
      if (d->track().isVideo()) return *d;
    }
    ADD_FAILURE() << "no video down track";
    return *participant(user).downTracks().front();
  }
  std::vector<std::vector<uint8_t>> sentOn(const std::string& user, uint32_t ssrc) {
    std::vector<std::vector<uint8_t>> out;
    for (const auto& b : sub(user).rtp) {
      if (parseRtp(b).ssrc == ssrc) out.push_back(b);
    }
    return out;
  }
  void nack(const std::string& user, uint32_t media_ssrc, const std::vector<uint16_t>& seqs) {
    std::vector<rtp::rtcp::NackItem> items;
    for (uint16_t s : seqs) items.push_back({s, 0});
    std::vector<uint8_t> buf(1200);
    rtp::rtcp::CompoundBuilder b(buf);
    ASSERT_TRUE(b.add(rtp::rtcp::Nack{0x1234, media_ssrc, items}));
    sub(user).injectRtcp(b.bytes(), now());
  }
  // The bytes with the per-hop transport fields zeroed.
  std::vector<uint8_t> masked(std::vector<uint8_t> bytes) const {
    auto p = rtp::RtpPacket::parse(bytes);
    EXPECT_TRUE(p.ok());
    for (uint8_t id : {twcc_id_, abs_id_}) {
      if (id == 0) continue;
      if (auto v = rtp::findExtension(*p, id)) std::fill(v->begin(), v->end(), 0);
    }
    return bytes;
  }
  // The original packet inside an RTX packet (RFC 4588 §4).
  static std::vector<uint8_t> unwrapRtx(std::vector<uint8_t> bytes, uint32_t ssrc, uint8_t pt) {
    const auto r = rtp::stream::rtxUnwrap(bytes, bytes.size(), ssrc, pt);
    EXPECT_TRUE(r);
    bytes.resize(r.size);
    return bytes;
  }

  uint8_t twcc_id_ = 0;
  uint8_t abs_id_ = 0;
  int twcc_ = 1;
  uint16_t seq_q_ = 100, seq_h_ = 5000, seq_f_ = 65530;  // f wraps during the test
  uint8_t tl0_q_ = 200, tl0_f_ = 3;
  uint32_t ts_ = 90000;
  uint16_t pic_ = 32760;  // f's picture id wraps too
};

class RetransmitRtxTest : public RetransmitTest, public ::testing::WithParamInterface<bool> {};

TEST_P(RetransmitRtxTest, ResendIsByteIdenticalAcrossLayerSwitchAndVp8Rewrite) {
  const bool rtx = GetParam();
  setUpRoom("chrome_simulcast_offer.sdp", rtx);
  frameAll(false, false, false);
  advanceMs(100);  // layer check: top layer
  frameAll(true, true, true);
  for (int i = 0; i < 4; ++i) frameAll(false, false, false);
  DownTrack& d = videoOf("bob");
  ASSERT_EQ(d.currentLayer(), 2);
  ASSERT_TRUE(room_->setPreferences("bob", nlohmann::json::parse(R"({"max_layer": 0})")));
  frameAll(false, false, false);
  frameAll(true, false, false);  // q key frame: switch
  ASSERT_EQ(d.currentLayer(), 0);
  for (int i = 0; i < 4; ++i) frameAll(false, false, false);

  const auto first = sentOn("bob", d.ssrc());
  ASSERT_EQ(first.size(), 11u);  // 6 from f, 5 from q
  // The q packets went out with picture ids continuing f's, not q's own (+1000).
  const auto q_sent = parseRtp(first.back());
  EXPECT_NE(rtp::codecs::parseVp8(q_sent.payload)->pictureId,
            static_cast<uint16_t>((pic_ - 1 + 1000) & 0x7FFF));
  std::vector<uint16_t> seqs;
  for (const auto& b : first) seqs.push_back(parseRtp(b).seq);
  sub("bob").rtp.clear();
  const int before = sub("bob").retransmissions;
  nack("bob", d.ssrc(), seqs);
  EXPECT_EQ(sub("bob").retransmissions - before, 11);

  const auto again = sentOn("bob", rtx ? d.rtxSsrc() : d.ssrc());
  ASSERT_EQ(again.size(), first.size());
  std::set<uint16_t> rtx_seqs;
  for (size_t i = 0; i < again.size(); ++i) {
    std::vector<uint8_t> resent = again[i];
    if (rtx) {
      const auto outer = parseRtp(resent);
      EXPECT_EQ(outer.pt, 97);  // our VP8 RTX payload type
      rtx_seqs.insert(outer.seq);
      resent = unwrapRtx(resent, d.ssrc(), 96);
    }
    EXPECT_EQ(masked(resent), masked(first[i])) << "packet " << i;
  }
  EXPECT_EQ(rtx_seqs.size(), rtx ? again.size() : 0u);  // the repair stream has its own seqs
}

INSTANTIATE_TEST_SUITE_P(Rtx, RetransmitRtxTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "rtx" : "plain"; });

TEST_F(RetransmitTest, OncePerRttAndSubscriber) {
  setUpRoom("chrome_plain_offer.sdp", true);
  video(kPlainVideoSsrc, 10, 1000, true, 5, 0);
  for (uint16_t s = 11; s < 15; ++s) video(kPlainVideoSsrc, s, 1000 + s * 3000u, false, s - 5, 0);
  DownTrack& bob = videoOf("bob");
  DownTrack& carol = videoOf("carol");
  const uint16_t seq = parseRtp(sentOn("bob", bob.ssrc())[2]).seq;
  auto resends = [&](const std::string& user, const DownTrack& d) {
    int n = 0;
    for (const auto& b : sentOn(user, d.rtxSsrc())) n += rtp::stream::rtxOriginalSeq(b) == seq;
    return n;
  };
  nack("bob", bob.ssrc(), {seq});
  nack("bob", bob.ssrc(), {seq});  // within the RTT (100 ms without an RR): ignored
  EXPECT_EQ(resends("bob", bob), 1);
  // The other subscriber of the same layer has its own resend state, same shared packet.
  const uint16_t carol_seq = parseRtp(sentOn("carol", carol.ssrc())[2]).seq;
  nack("carol", carol.ssrc(), {carol_seq});
  EXPECT_EQ(resends("bob", bob), 1);
  EXPECT_EQ(sentOn("carol", carol.rtxSsrc()).size(), 1u);
  clock_.advanceMs(100);
  nack("bob", bob.ssrc(), {seq});
  EXPECT_EQ(resends("bob", bob), 2);
  // Too old (1 s after it was sent, past the 500 ms history): nothing.
  clock_.advanceMs(1000);
  nack("bob", bob.ssrc(), {seq});
  EXPECT_EQ(resends("bob", bob), 2);
}

// 41 packets of ~1.1 KB within 41 ms: 46 KB, more than a 32 KiB store holds.
class RetransmitStoreTest : public RetransmitTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(RetransmitStoreTest, NotResentOnceTheSharedStoreDroppedIt) {
  const size_t max_bytes = GetParam();
  ctx_->config.history_store_max_bytes = max_bytes;
  setUpRoom("chrome_plain_offer.sdp", true);
  for (uint16_t s = 0; s < 41; ++s) {
    video(kPlainVideoSsrc, static_cast<uint16_t>(100 + s), 1000 + s * 3000u, s == 0, s, 0, 1100);
    clock_.advanceMs(1);
  }
  DownTrack& d = videoOf("bob");
  const auto sent = sentOn("bob", d.ssrc());
  ASSERT_EQ(sent.size(), 41u);
  const uint16_t oldest = parseRtp(sent.front()).seq;
  const uint16_t newest = parseRtp(sent.back()).seq;
  sub("bob").rtp.clear();
  nack("bob", d.ssrc(), {oldest, newest});
  std::vector<uint16_t> resent;
  for (const auto& b : sentOn("bob", d.rtxSsrc()))
    resent.push_back(*rtp::stream::rtxOriginalSeq(b));
  const PublishedTrack& cam = d.track();
  if (max_bytes <= 32 * 1024) {
    // The store grew from 16 KiB to its 32 KiB cap: the oldest packet was overwritten although
    // the DownTrack's log still knows it.
    EXPECT_EQ(cam.history(0).arenaBytes(), 32u * 1024);
    EXPECT_EQ(resent, std::vector<uint16_t>{newest});
  } else {
    // Every packet is younger than the max age: the store grew (16 → 64 KiB) instead of
    // dropping one.
    EXPECT_EQ(cam.history(0).arenaBytes(), 64u * 1024);
    EXPECT_EQ(resent, (std::vector<uint16_t>{oldest, newest}));
  }
  // Exported per layer in the room stats: arena + index.
  const nlohmann::json stats = room_->stats();
  const auto& layer = stats["participants"][0]["publish"]["tracks"][1]["layers"][0];
  EXPECT_EQ(layer["history_bytes"], cam.history(0).arenaBytes() + 512 * 16);
}

INSTANTIATE_TEST_SUITE_P(Cap, RetransmitStoreTest, ::testing::Values(32 * 1024, 1 << 20),
                         [](const auto& info) { return "max" + std::to_string(info.param); });

}  // namespace
}  // namespace sfu::room::test
