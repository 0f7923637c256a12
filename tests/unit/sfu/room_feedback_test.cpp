// Feedback through a room: subscriber NACK → retransmission from the buffer (RTX), NACK to the
// publisher on loss, PLI throttling, SR/RR contents, TWCC feedback from arrivals, REMB fallback,
// active speaker, data channel relay, stats.
#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/fir.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtcp/ntp_time.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/remb.h"
#include "rtp/rtcp/sender_report.h"
#include "rtp/rtcp/twcc.h"
#include "rtp/stream/rtx.h"
#include "tests/unit/sfu/room_test_util.h"

namespace sfu::room::test {
namespace {

using rtp::rtcp::PacketKind;

constexpr uint32_t kVideoSsrc = 1894558276;  // chrome_plain_offer.sdp camera (FID → 2848090084)
constexpr uint32_t kRtxSsrc = 2848090084;
constexpr uint32_t kAudioSsrc = 1667910515;

class FeedbackTest : public RoomTest {
 protected:
  void SetUp() override {
    ready("alice", "chrome_plain_offer.sdp");
    ready("bob", "chrome_plain_offer.sdp");
    settle();
  }
  void video(uint16_t seq, bool key = false, int twcc = -1) {
    PacketSpec s;
    s.pt = 96;
    s.ssrc = kVideoSsrc;
    s.seq = seq;
    s.ts = 90000u + seq * 3000u;
    s.twcc = twcc;
    s.payload = vp8Payload(key, static_cast<uint16_t>(seq), 0, 0);
    pub("alice").injectRtp(buildRtp(s), now());
  }
  void audio(const std::string& user, uint16_t seq, int level) {
    PacketSpec s;
    s.pt = 111;
    s.ssrc = kAudioSsrc;
    s.seq = seq;
    s.ts = seq * 960u;
    s.audio_level = level;
    pub(user).injectRtp(buildRtp(s), now());
  }
  DownTrack& bobTrack(bool video_kind) {
    for (const auto& d : participant("bob").downTracks()) {
      if (d->track().isVideo() == video_kind) return *d;
    }
    return *participant("bob").downTracks().front();
  }
  std::vector<std::vector<uint8_t>> packetsOf(const std::vector<std::vector<uint8_t>>& sent,
                                              PacketKind kind) {
    std::vector<std::vector<uint8_t>> out;
    for (auto& [k, bytes] : rtcpPackets(sent)) {
      if (k == kind) out.push_back(bytes);
    }
    return out;
  }
  static rtp::rtcp::PacketView view(const std::vector<uint8_t>& bytes) {
    return *rtp::rtcp::parsePacket(bytes);
  }
  template <typename T>
  void bobSends(const T& message) {
    uint8_t buf[256];
    rtp::rtcp::CompoundBuilder b(buf);
    ASSERT_TRUE(b.add(message));
    sub("bob").injectRtcp(b.bytes(), now());
  }
};

TEST_F(FeedbackTest, SignalledSsrcsForwardWithoutMidAndNackIsAnsweredWithRtx) {
  video(100, true);
  for (uint16_t s = 101; s < 105; ++s) video(s);
  DownTrack& d = bobTrack(true);
  ASSERT_EQ(sub("bob").rtp.size(), 5u);
  const auto second = parseRtp(sub("bob").rtp[1]);
  ASSERT_EQ(second.ssrc, d.ssrc());
  sub("bob").rtp.clear();
  const rtp::rtcp::NackItem items[] = {{second.seq, 0}};
  bobSends(rtp::rtcp::Nack{0x1234, d.ssrc(), items});
  ASSERT_EQ(sub("bob").rtp.size(), 1u);
  const auto rtx = parseRtp(sub("bob").rtp[0]);
  EXPECT_EQ(rtx.ssrc, d.rtxSsrc());
  EXPECT_EQ(rtx.pt, 97);  // our VP8 RTX payload type
  EXPECT_EQ(rtp::stream::rtxOriginalSeq(sub("bob").rtp[0]), second.seq);
  EXPECT_EQ(std::vector<uint8_t>(rtx.payload.begin() + 2, rtx.payload.end()), second.payload);
  EXPECT_EQ(sub("bob").retransmissions, 1);  // sfu_retransmissions_total
  // The same NACK again within an RTT is not answered twice.
  bobSends(rtp::rtcp::Nack{0x1234, d.ssrc(), items});
  EXPECT_EQ(sub("bob").rtp.size(), 1u);
  EXPECT_EQ(sub("bob").retransmissions, 1);
}

TEST_F(FeedbackTest, LossIsNackedToThePublisherAndRtxRecovers) {
  video(100, true);
  video(101);
  video(104);  // 102, 103 lost
  advanceMs(40);
  auto nacks = packetsOf(pub("alice").rtcp, PacketKind::kNack);
  ASSERT_FALSE(nacks.empty());
  auto nack = rtp::rtcp::NackView::parse(view(nacks[0]));
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->mediaSsrc(), kVideoSsrc);
  EXPECT_EQ(nack->senderSsrc(), participant("alice").rtcpSsrc());
  uint16_t lost[8];
  ASSERT_EQ(nack->lostSeqs(lost), 2u);
  EXPECT_EQ(lost[0], 102);
  EXPECT_EQ(lost[1], 103);
  // The publisher answers on its RTX stream; the room restores and forwards it.
  const size_t before = sub("bob").rtp.size();
  PacketSpec s;
  s.pt = 96;
  s.ssrc = kVideoSsrc;
  s.seq = 102;
  s.ts = 90000u + 102 * 3000u;
  s.payload = vp8Payload(false, 102, 0, 0);
  auto bytes = buildRtp(s);
  bytes.resize(bytes.size() + 2);
  auto r = rtp::stream::rtxWrap(bytes, bytes.size() - 2, kRtxSsrc, 97, 1);
  ASSERT_TRUE(r);
  bytes.resize(r.size);
  pub("alice").injectRtp(bytes, now());
  ASSERT_EQ(sub("bob").rtp.size(), before + 1);
  EXPECT_EQ(parseRtp(sub("bob").rtp.back()).payload, s.payload);
  EXPECT_EQ(participant("alice").tracks()[1]->layer(0).stats.lost(), 1);
}

TEST_F(FeedbackTest, PliIsForwardedToThePublisherAndThrottled) {
  video(100, true);
  DownTrack& d = bobTrack(true);
  pub("alice").rtcp.clear();
  bobSends(rtp::rtcp::Pli{0x1234, d.ssrc()});
  advanceMs(100);
  bobSends(rtp::rtcp::Pli{0x1234, d.ssrc()});
  const rtp::rtcp::FirEntry fir[] = {{d.ssrc(), 1}};
  bobSends(rtp::rtcp::Fir{0x1234, 0, fir});
  auto plis = packetsOf(pub("alice").rtcp, PacketKind::kPli);
  ASSERT_EQ(plis.size(), 1u);
  EXPECT_EQ(rtp::rtcp::PliView::parse(view(plis[0]))->mediaSsrc(), kVideoSsrc);
  advanceMs(400);
  bobSends(rtp::rtcp::Pli{0x1234, d.ssrc()});
  EXPECT_EQ(packetsOf(pub("alice").rtcp, PacketKind::kPli).size(), 2u);
}

TEST_F(FeedbackTest, ReportsCarryPublisherTimingAndReceptionState) {
  video(100, true);
  video(101);
  // Alice's SR for her camera: NTP T, RTP 90000 + 101 * 3000.
  const uint64_t ntp = rtp::rtcp::ntpFromUnixUs(1'700'000'000'000'000);
  const uint32_t rtp_ts = 90000u + 101 * 3000u;
  {
    uint8_t buf[128];
    rtp::rtcp::CompoundBuilder b(buf);
    b.add(rtp::rtcp::SenderReport{kVideoSsrc, ntp, rtp_ts, 2, 100, {}, {}});
    pub("alice").injectRtcp(b.bytes(), now());
  }
  const int64_t sr_at = now();
  sub("bob").rtcp.clear();
  pub("alice").rtcp.clear();
  advanceMs(1000);
  // RR to alice: her camera SSRC, LSR = middle of her NTP, DLSR ≈ the time since.
  auto rrs = packetsOf(pub("alice").rtcp, PacketKind::kReceiverReport);
  ASSERT_FALSE(rrs.empty());
  auto rr = rtp::rtcp::ReceiverReportView::parse(view(rrs[0]));
  ASSERT_TRUE(rr);
  bool found = false;
  for (size_t i = 0; i < rr->reportCount(); ++i) {
    auto block = rr->reportBlock(i);
    if (block.ssrc != kVideoSsrc) continue;
    found = true;
    EXPECT_EQ(block.last_sr, rtp::rtcp::compactNtp(ntp));
    EXPECT_NEAR(rtp::rtcp::compactNtpToUs(block.delay_since_last_sr), now() - sr_at, 20'000);
    EXPECT_EQ(block.extended_highest_seq, 101u);
    EXPECT_EQ(block.cumulative_lost, 0);
  }
  EXPECT_TRUE(found);
  // SR to bob: alice's NTP moved forward by the elapsed time, RTP through our offset.
  DownTrack& d = bobTrack(true);
  auto srs = packetsOf(sub("bob").rtcp, PacketKind::kSenderReport);
  ASSERT_FALSE(srs.empty());
  std::optional<rtp::rtcp::SenderReportView> sr;
  for (const auto& bytes : srs) {
    auto v = rtp::rtcp::SenderReportView::parse(view(bytes));
    if (v && v->ssrc() == d.ssrc()) sr = *v;
  }
  ASSERT_TRUE(sr);
  const auto last = parseRtp(sub("bob").rtp.back());  // alice's seq 101 as bob got it
  const int64_t elapsed = rtp::rtcp::unixUsFromNtp(sr->ntpTime()) - rtp::rtcp::unixUsFromNtp(ntp);
  EXPECT_NEAR(elapsed, 1'000'000, 20'000);
  const int64_t expect_rtp = static_cast<int64_t>(last.ts) + elapsed * 90 / 1000;
  EXPECT_NEAR(static_cast<double>(
                  static_cast<int32_t>(sr->rtpTimestamp() - static_cast<uint32_t>(expect_rtp))),
              0, 200);
  EXPECT_EQ(sr->packetCount(), 2u);
  // Bob's RR on that SR gives the RTT.
  clock_.advanceMs(30);
  rtp::rtcp::ReportBlock block;
  block.ssrc = d.ssrc();
  block.last_sr = rtp::rtcp::compactNtp(sr->ntpTime());
  block.delay_since_last_sr = rtp::rtcp::usToCompactNtp(10'000);
  const rtp::rtcp::ReportBlock blocks[] = {block};
  bobSends(rtp::rtcp::ReceiverReport{0x1234, blocks, {}});
  EXPECT_NEAR(static_cast<double>(d.rttMs()), 20, 2);
  EXPECT_EQ(participant("bob").rttMs(), d.rttMs());
}

TEST_F(FeedbackTest, TwccFeedbackIsBuiltFromArrivals) {
  pub("alice").rtcp.clear();
  video(100, true, 1);
  advanceMs(5);
  video(101, false, 2);
  video(103, false, 4);  // twcc 3 lost
  advanceMs(120);
  auto fbs = packetsOf(pub("alice").rtcp, PacketKind::kTwcc);
  ASSERT_FALSE(fbs.empty());
  auto fb = rtp::rtcp::TwccView::parse(view(fbs[0]));
  ASSERT_TRUE(fb);
  EXPECT_EQ(fb->baseSeq(), 1);
  EXPECT_EQ(fb->statusCount(), 4);
  EXPECT_EQ(fb->receivedCount(), 3u);
  // libwebrtc drops transport feedback whose media SSRC is not one of its own.
  EXPECT_TRUE(fb->mediaSsrc() == kAudioSsrc || fb->mediaSsrc() == kVideoSsrc) << fb->mediaSsrc();
  // transport-cc negotiated: no REMB.
  EXPECT_TRUE(packetsOf(pub("alice").rtcp, PacketKind::kRemb).empty());
}

TEST_F(RoomTest, RembIsSentWhenTransportCcIsNotNegotiated) {
  auto offer = sdp::parse(readFixture("chrome_plain_offer.sdp"));
  for (auto& m : offer.sdp->media) {
    std::erase_if(m.extmaps,
                  [](const sdp::Extmap& e) { return e.uri == sdp::ext_uri::kTransportCc; });
  }
  ASSERT_TRUE(room_->publish("alice", sdp::write(*offer.sdp), {}).ok);
  PacketSpec s;
  s.pt = 96;
  s.ssrc = kVideoSsrc;
  s.payload = vp8Payload(true, 1, 0, 0);
  pub("alice").injectRtp(buildRtp(s), now());
  advanceMs(1000);
  std::vector<std::vector<uint8_t>> rembs;
  for (auto& [k, bytes] : rtcpPackets(pub("alice").rtcp)) {
    if (k == PacketKind::kRemb) rembs.push_back(bytes);
  }
  ASSERT_FALSE(rembs.empty());
  auto remb = rtp::rtcp::RembView::parse(*rtp::rtcp::parsePacket(rembs[0]));
  ASSERT_TRUE(remb);
  EXPECT_GE(remb->bitrateBps(), 7'000'000u);
  ASSERT_EQ(remb->ssrcCount(), 1u);
  EXPECT_EQ(remb->ssrc(0), kVideoSsrc);
}

TEST_F(FeedbackTest, ActiveSpeakerNeedsToDominate) {
  uint16_t seq = 1;
  auto talk = [&](int alice_level, int bob_level, int ms) {
    for (int t = 0; t < ms; t += 20) {
      audio("alice", seq, alice_level);
      audio("bob", seq, bob_level);
      ++seq;
      advanceMs(20);
    }
  };
  talk(20, 127, 1000);  // alice loud (-20 dBov), bob silent
  ASSERT_EQ(rec_.speakers, std::vector<std::string>{"alice"});
  talk(127, 20, 300);  // bob briefly: not long enough
  EXPECT_EQ(rec_.speakers.size(), 1u);
  talk(127, 20, 1000);
  EXPECT_EQ(rec_.speakers, (std::vector<std::string>{"alice", "bob"}));
  talk(127, 127, 2000);  // silence keeps the last speaker
  EXPECT_EQ(rec_.speakers.size(), 2u);
}

TEST_F(FeedbackTest, DataChannelMessagesAreRelayedWithTheSender) {
  FakeTransport& a = pub("alice");
  a.listener().onTransportDataChannelOpen(a, 3, "chat");
  ASSERT_FALSE(sub("bob").opened.empty());
  EXPECT_EQ(sub("bob").opened[0], "sfu-relay");
  const std::string text = "hello";
  a.listener().onTransportDataChannelMessage(
      a, 3, false, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  ASSERT_EQ(sub("bob").data_sent.size(), 1u);
  auto j = nlohmann::json::parse(sub("bob").data_sent[0].data);
  EXPECT_EQ(j["from"], "alice");
  EXPECT_EQ(j["label"], "chat");
  EXPECT_EQ(j["data"], "hello");
  EXPECT_TRUE(sub("alice").data_sent.empty());  // not echoed to the sender
  const uint8_t bin[] = {1, 2, 3};
  a.listener().onTransportDataChannelMessage(a, 3, true, bin);
  ASSERT_EQ(sub("bob").data_sent.size(), 2u);
  EXPECT_TRUE(sub("bob").data_sent[1].binary);
  EXPECT_EQ(sub("bob").data_sent[1].data, std::string("\x05"
                                                      "alice\x01\x02\x03",
                                                      9));
}

TEST_F(FeedbackTest, StatsReportBothDirections) {
  video(100, true);
  video(102);
  advanceMs(1000);
  auto s = room_->stats();
  EXPECT_EQ(s["room"], "room1");
  ASSERT_EQ(s["participants"].size(), 2u);
  const auto& alice = s["participants"][0];
  EXPECT_EQ(alice["user"], "alice");
  const auto& layer = alice["publish"]["tracks"][1]["layers"][0];
  EXPECT_EQ(layer["ssrc"], kVideoSsrc);
  EXPECT_EQ(layer["packets"], 2);
  EXPECT_EQ(layer["lost"], 1);
  EXPECT_TRUE(alice["publish"]["connected"]);
  const auto& bob_streams = s["participants"][1]["subscribe"]["streams"];
  ASSERT_EQ(bob_streams.size(), 2u);
  EXPECT_EQ(bob_streams[1]["from"], "alice");
  EXPECT_EQ(bob_streams[1]["packets_sent"], 2);
}

}  // namespace
}  // namespace sfu::room::test
