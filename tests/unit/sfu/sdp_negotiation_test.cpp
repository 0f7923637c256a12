#include "sfu/sdp/negotiation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"

namespace sfu::sdp {
namespace {

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(SFU_TEST_DATA_DIR) + "/sdp/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SessionDescription fixture(const std::string& name) {
  auto r = parse(readFixture(name));
  EXPECT_TRUE(r.ok()) << name;
  return r.ok() ? *r.sdp : SessionDescription{};
}

const std::string kFp =
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
    "99";

LocalTransport local() {
  return LocalTransport{"abcd1234",
                        "0123456789abcdefghijklmn",
                        {"sha-256", kFp},
                        {{"127.0.0.1", 40000, 40000}, {"2001:db8::5", 40001, 0}},
                        "42",
                        1};
}

std::vector<int> pts(const NegotiatedMedia& m) {
  std::vector<int> out;
  for (const auto& c : m.codecs) out.push_back(c.pt);
  return out;
}

bool hasExt(const MediaSection& m, int id, std::string_view uri) {
  return std::any_of(m.extmaps.begin(), m.extmaps.end(),
                     [&](const Extmap& e) { return e.id == id && e.uri == uri; });
}

TEST(SdpAnswer, ChromeSimulcastOffer) {
  auto r = createAnswer(fixture("chrome_simulcast_offer.sdp"), Capabilities::defaults(), local());
  ASSERT_TRUE(r.ok) << r.error;
  const auto& a = r.answer;
  // Session level.
  EXPECT_TRUE(a.ice_lite);
  EXPECT_TRUE(a.extmap_allow_mixed);
  ASSERT_NE(a.findGroup("BUNDLE"), nullptr);
  EXPECT_EQ(a.findGroup("BUNDLE")->mids, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(a.origin.session_id, "42");
  // Remote transport.
  EXPECT_EQ(r.remote.ice_ufrag, "zqeO");
  EXPECT_EQ(r.remote.ice_pwd, "gNmJpXias06nx3NwdsCDvagt");
  ASSERT_EQ(r.remote.fingerprints.size(), 1u);
  EXPECT_TRUE(r.remote.dtls_client);
  ASSERT_EQ(a.media.size(), 3u);
  for (const auto& m : a.media) {
    EXPECT_EQ(m.port, 40000) << m.mid;
    EXPECT_EQ(m.connection, "IN IP4 127.0.0.1");
    EXPECT_EQ(m.ice_ufrag, "abcd1234");
    EXPECT_EQ(m.ice_pwd, "0123456789abcdefghijklmn");
    ASSERT_EQ(m.fingerprints.size(), 1u);
    EXPECT_EQ(m.fingerprints[0].algorithm, "sha-256");
    EXPECT_EQ(m.setup, Setup::kPassive);
    // UDP for both addresses, then TCP passive for the first.
    ASSERT_EQ(m.candidates.size(), 3u);
    EXPECT_EQ(m.candidates[0].transport, "udp");
    EXPECT_EQ(m.candidates[0].address, "127.0.0.1");
    EXPECT_EQ(m.candidates[1].address, "2001:db8::5");
    EXPECT_EQ(m.candidates[2].transport, "tcp");
    EXPECT_EQ(m.candidates[2].tcptype, "passive");
    EXPECT_EQ(m.candidates[2].port, 40000);
    EXPECT_GT(m.candidates[0].priority, m.candidates[1].priority);
    EXPECT_GT(m.candidates[1].priority, m.candidates[2].priority);
    EXPECT_TRUE(m.end_of_candidates);
  }
  // Audio: Opus only, our fmtp, recvonly.
  const auto& audio = a.media[0];
  EXPECT_EQ(audio.formats, std::vector<std::string>{"111"});
  EXPECT_EQ(audio.findCodec(111)->fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(audio.direction, Direction::kRecvOnly);
  EXPECT_TRUE(audio.rtcp_mux);
  EXPECT_TRUE(audio.rtcp_rsize);
  EXPECT_TRUE(hasExt(audio, 1, ext_uri::kAudioLevel));
  // Video: VP8, H264 (pm=1, 42e01f only), AV1, VP9 profile 0, each with its RTX.
  const auto& video = a.media[1];
  EXPECT_EQ(video.formats,
            (std::vector<std::string>{"96", "97", "108", "109", "45", "46", "98", "99"}));
  EXPECT_EQ(video.findCodec(97)->fmtp, "apt=96");
  EXPECT_EQ(video.findCodec(108)->fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  EXPECT_EQ(video.findCodec(96)->rtcp_fb,
            (std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}));
  EXPECT_EQ(video.findCodec(100), nullptr);  // VP9 profile 2
  EXPECT_EQ(video.findCodec(102), nullptr);  // H264 baseline 42001f
  EXPECT_EQ(video.findCodec(114), nullptr);  // H264 packetization-mode 0
  EXPECT_EQ(video.findCodec(118), nullptr);  // red
  // Simulcast: recv over the offered rids, with the rid extmaps kept (ids unchanged).
  ASSERT_TRUE(video.simulcast);
  EXPECT_TRUE(video.simulcast->send.empty());
  ASSERT_EQ(video.simulcast->recv.size(), 3u);
  EXPECT_EQ(video.simulcast->recv[0][0].rid, "q");
  ASSERT_EQ(video.rids.size(), 3u);
  EXPECT_EQ(video.rids[1].id, "h");
  EXPECT_EQ(video.rids[1].direction, RidDirection::kRecv);
  EXPECT_TRUE(hasExt(video, 10, ext_uri::kRid));
  EXPECT_TRUE(hasExt(video, 11, ext_uri::kRepairedRid));
  EXPECT_TRUE(hasExt(video, 4, ext_uri::kMid));
  EXPECT_FALSE(hasExt(video, 14, "urn:ietf:params:rtp-hdrext:toffset"));
  EXPECT_EQ(video.extmaps.size(), 7u);
  // Data channel.
  const auto& data = a.media[2];
  EXPECT_EQ(data.formats, std::vector<std::string>{"webrtc-datachannel"});
  EXPECT_EQ(data.sctp_port, 5000);
  EXPECT_EQ(data.max_message_size, 262144u);
  EXPECT_EQ(data.direction, Direction::kUnspecified);

  // Structured results.
  ASSERT_EQ(r.media.size(), 3u);
  EXPECT_EQ(pts(r.media[0]), std::vector<int>{111});
  const auto& nv = r.media[1];
  EXPECT_EQ(nv.kind, "video");
  EXPECT_EQ(pts(nv), (std::vector<int>{96, 108, 45, 98}));
  EXPECT_EQ(nv.codecs[0].rtx_pt, 97);
  EXPECT_EQ(nv.codecs[1].rtx_pt, 109);
  EXPECT_EQ(nv.ext_ids, (ExtensionIds{4, 10, 11, 2, 3, 0, 13, 5}));
  ASSERT_EQ(nv.rids.size(), 3u);
  EXPECT_EQ(nv.rids[2].rid, "f");
  ASSERT_TRUE(nv.msid);
  EXPECT_EQ(nv.msid->track_id, "e801e1a3-db24-4a39-945b-f47242b4b360");
  EXPECT_TRUE(r.media[2].data_channel);
  EXPECT_EQ(r.media[2].remote_max_message_size, 262144u);

  // The written answer parses back to the same model.
  auto again = parse(write(a));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again.sdp, a);
}

TEST(SdpAnswer, ChromePlainOfferSsrcs) {
  auto r = createAnswer(fixture("chrome_plain_offer.sdp"), Capabilities::defaults(), local());
  ASSERT_TRUE(r.ok) << r.error;
  const auto& v = r.media[1];
  EXPECT_EQ(v.ssrcs, std::vector<uint32_t>{1894558276u});
  ASSERT_EQ(v.rtx_ssrcs.size(), 1u);
  EXPECT_EQ(v.rtx_ssrcs[0], std::make_pair(1894558276u, 2848090084u));
  EXPECT_TRUE(v.rids.empty());
  EXPECT_FALSE(r.answer.media[1].simulcast);
  // sendrecv offer answered recvonly on a publish PC, sendrecv when sending is allowed (echo).
  EXPECT_EQ(r.answer.media[1].direction, Direction::kRecvOnly);
  AnswerOptions echo;
  echo.allow_send = true;
  auto e = createAnswer(fixture("chrome_plain_offer.sdp"), Capabilities::defaults(), local(), echo);
  EXPECT_EQ(e.answer.media[1].direction, Direction::kSendRecv);
}

TEST(SdpAnswer, FirefoxOffer) {
  auto r = createAnswer(fixture("firefox_simulcast_offer.sdp"), Capabilities::defaults(), local());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.remote.ice_ufrag, "5c8b6f1e");
  EXPECT_EQ(r.remote.fingerprints.size(), 1u);  // from session level
  EXPECT_EQ(r.remote.candidates.size(), 3u);
  EXPECT_EQ(pts(r.media[0]), std::vector<int>{109});
  const auto& v = r.media[1];
  EXPECT_EQ(pts(v), (std::vector<int>{120, 121, 126}));  // VP8, VP9, H264 pm=1 (not 97, pm=0)
  EXPECT_EQ(v.codecs[2].rtx_pt, 127);
  EXPECT_EQ(v.ext_ids.rid, 8);
  EXPECT_EQ(v.ext_ids.transport_cc, 7);
  EXPECT_EQ(v.ssrcs.size(), 3u);
  EXPECT_EQ(v.rtx_ssrcs.size(), 3u);
  ASSERT_EQ(v.rids.size(), 3u);
  EXPECT_EQ(v.rids[0].rid, "l");
  // Firefox's recvonly playout-delay extension is answered sendonly.
  const auto& am = r.answer.media[1];
  auto pd = std::find_if(am.extmaps.begin(), am.extmaps.end(),
                         [](const Extmap& e) { return e.uri == ext_uri::kPlayoutDelay; });
  ASSERT_NE(pd, am.extmaps.end());
  EXPECT_EQ(pd->direction, Direction::kSendOnly);
  EXPECT_EQ(r.media[2].remote_max_message_size, 1073741823u);
}

TEST(SdpAnswer, LegacyDataChannelAndActiveOfferer) {
  auto r = createAnswer(fixture("legacy_sctpmap_offer.sdp"), Capabilities::defaults(), local());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.remote.dtls_client);  // offerer said active
  const auto& d = r.answer.media[1];
  EXPECT_EQ(d.proto, "DTLS/SCTP");
  EXPECT_EQ(d.formats, std::vector<std::string>{"5000"});
  ASSERT_TRUE(d.sctpmap);
  EXPECT_EQ(d.sctpmap->streams, 1024u);
  EXPECT_FALSE(d.sctp_port);
  EXPECT_EQ(r.answer.findGroup("BUNDLE")->mids, (std::vector<std::string>{"audio", "data"}));
  // recvonly offer on a receive-only PC → inactive.
  EXPECT_EQ(r.answer.media[0].direction, Direction::kInactive);
}

TEST(SdpAnswer, RejectionsAndErrors) {
  auto offer = fixture("chrome_plain_offer.sdp");
  // No common video codec → video rejected and out of BUNDLE.
  auto no_video = offer;
  for (auto& c : no_video.media[1].codecs) c.name = "X-" + c.name;
  auto r = createAnswer(no_video, Capabilities::defaults(), local());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.answer.media[1].port, 0);
  EXPECT_TRUE(r.media[1].rejected);
  EXPECT_EQ(r.answer.findGroup("BUNDLE")->mids, std::vector<std::string>{"0"});
  // Offerer passive → we are active (DTLS client).
  auto passive = offer;
  for (auto& m : passive.media) m.setup = Setup::kPassive;
  auto p = createAnswer(passive, Capabilities::defaults(), local());
  EXPECT_FALSE(p.remote.dtls_client);
  EXPECT_EQ(p.answer.media[0].setup, Setup::kActive);
  // Missing fingerprint / credentials are errors.
  auto nofp = offer;
  for (auto& m : nofp.media) m.fingerprints.clear();
  EXPECT_FALSE(createAnswer(nofp, Capabilities::defaults(), local()).ok);
  auto nocred = offer;
  for (auto& m : nocred.media) m.ice_pwd.clear();
  EXPECT_FALSE(createAnswer(nocred, Capabilities::defaults(), local()).ok);
  EXPECT_FALSE(createAnswer(SessionDescription{}, Capabilities::defaults(), local()).ok);
}

TEST(SdpAnswer, SimulcastNeedsRidExtension) {
  auto offer = fixture("chrome_simulcast_offer.sdp");
  auto& v = offer.media[1];
  v.extmaps.erase(std::remove_if(v.extmaps.begin(), v.extmaps.end(),
                                 [](const Extmap& e) { return e.uri == ext_uri::kRid; }),
                  v.extmaps.end());
  auto r = createAnswer(offer, Capabilities::defaults(), local());
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.answer.media[1].simulcast);
  EXPECT_TRUE(r.answer.media[1].rids.empty());
}

TEST(SdpAnswer, VideoCodecPreference) {
  AnswerOptions o;
  o.video_codec_preference = {"H264", "VP8"};
  auto r =
      createAnswer(fixture("chrome_simulcast_offer.sdp"), Capabilities::defaults(), local(), o);
  EXPECT_EQ(pts(r.media[1]), (std::vector<int>{108, 96, 45, 98}));
  EXPECT_EQ(r.answer.media[1].formats[0], "108");
}

TEST(SdpCapabilities, H264Profiles) {
  EXPECT_TRUE(h264ProfilesMatch("42e01f", "42e034"));  // level differs only
  EXPECT_TRUE(h264ProfilesMatch("42e01f", "42c01f"));  // constraint_set1 → constrained baseline
  EXPECT_FALSE(h264ProfilesMatch("42e01f", "42001f"));
  EXPECT_FALSE(h264ProfilesMatch("42e01f", "4d001f"));
  EXPECT_FALSE(h264ProfilesMatch("42e01f", "640c1f"));
  EXPECT_FALSE(h264ProfilesMatch("zz", "zz"));
}

std::vector<OutgoingTrack> subscribeTracks() {
  using S = OutgoingTrack::State;
  return {
      {"0", "audio", S::kActive, "userA", "mic", "cnA", 1111, 0, {}},
      {"1", "video", S::kActive, "userA", "cam", "cnA", 2222, 3333, {}},
      {"2", "video", S::kInactive, "", "", "", 0, 0, {}},
      {"3", "video", S::kStopped, "", "", "", 0, 0, {}},
      {"4", "application", S::kActive, "", "", "", 0, 0, {}},
  };
}

TEST(SdpSubscribeOffer, Structure) {
  auto r = createSubscribeOffer(subscribeTracks(), Capabilities::defaults(), local());
  const auto& o = r.offer;
  EXPECT_TRUE(o.ice_lite);
  EXPECT_EQ(o.findGroup("BUNDLE")->mids, (std::vector<std::string>{"0", "1", "2", "4"}));
  ASSERT_EQ(o.media.size(), 5u);
  const auto& audio = o.media[0];
  EXPECT_EQ(audio.setup, Setup::kActpass);
  EXPECT_EQ(audio.direction, Direction::kSendOnly);
  EXPECT_EQ(audio.formats, std::vector<std::string>{"111"});
  ASSERT_EQ(audio.msids.size(), 1u);
  EXPECT_EQ(audio.msids[0], (Msid{"userA", "mic"}));
  ASSERT_EQ(audio.ssrcs.size(), 1u);
  EXPECT_EQ(audio.ssrcs[0].get("cname"), "cnA");
  EXPECT_EQ(audio.ssrcs[0].get("msid"), "userA mic");
  const auto& video = o.media[1];
  EXPECT_EQ(video.formats,
            (std::vector<std::string>{"96", "97", "98", "99", "102", "103", "104", "105"}));
  ASSERT_EQ(video.ssrc_groups.size(), 1u);
  EXPECT_EQ(video.ssrc_groups[0], (SsrcGroup{"FID", {2222, 3333}}));
  EXPECT_EQ(video.ssrcs.size(), 2u);
  EXPECT_FALSE(hasExt(video, 10, ext_uri::kRid));  // publish-side only
  EXPECT_TRUE(hasExt(video, 4, ext_uri::kMid));
  EXPECT_TRUE(hasExt(video, 3, ext_uri::kTransportCc));
  const auto& inactive = o.media[2];
  EXPECT_EQ(inactive.direction, Direction::kInactive);
  EXPECT_NE(inactive.port, 0);
  EXPECT_TRUE(inactive.ssrcs.empty());
  EXPECT_TRUE(inactive.msids.empty());
  const auto& stopped = o.media[3];
  EXPECT_EQ(stopped.port, 0);
  EXPECT_EQ(stopped.direction, Direction::kInactive);
  EXPECT_TRUE(stopped.candidates.empty());
  EXPECT_FALSE(stopped.formats.empty());
  EXPECT_EQ(stopped.mid, "3");
  const auto& data = o.media[4];
  EXPECT_TRUE(data.isDataChannel());
  EXPECT_EQ(data.sctp_port, 5000);
  EXPECT_EQ(r.media[1].ssrcs, std::vector<uint32_t>{2222});
  EXPECT_TRUE(r.media[3].rejected);
  auto again = parse(write(o));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again.sdp, o);
}

// chrome_subscribe_answer.sdp is Chromium's answer to exactly this offer
// (tests/data/sdp/validate_with_chromium.mjs).
TEST(SdpSubscribeOffer, ApplyChromeAnswer) {
  LocalTransport lt = local();
  lt.addresses = {{"127.0.0.1", 40000, 40000}};
  auto offer = createSubscribeOffer(subscribeTracks(), Capabilities::defaults(), lt);
  auto r = applySubscribeAnswer(offer.offer, fixture("chrome_subscribe_answer.sdp"));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.remote.dtls_client);  // Chrome answers setup:active
  EXPECT_FALSE(r.remote.ice_ufrag.empty());
  ASSERT_EQ(r.media.size(), 5u);
  EXPECT_EQ(r.media[0].direction, Direction::kSendOnly);
  EXPECT_EQ(pts(r.media[0]), std::vector<int>{111});
  EXPECT_EQ(r.media[1].direction, Direction::kSendOnly);
  EXPECT_EQ(pts(r.media[1]), (std::vector<int>{96, 98, 102, 104}));
  EXPECT_EQ(r.media[1].codecs[0].rtx_pt, 97);
  EXPECT_EQ(r.media[1].ext_ids.mid, 4);
  EXPECT_EQ(r.media[1].ext_ids.transport_cc, 3);
  EXPECT_EQ(r.media[1].ssrcs, std::vector<uint32_t>{2222});
  EXPECT_EQ(r.media[2].direction, Direction::kInactive);
  EXPECT_TRUE(r.media[3].rejected);
  EXPECT_TRUE(r.media[4].data_channel);
  // A mismatching answer is refused.
  auto wrong = fixture("chrome_subscribe_answer.sdp");
  wrong.media.pop_back();
  EXPECT_FALSE(applySubscribeAnswer(offer.offer, wrong).ok);
}

}  // namespace
}  // namespace sfu::sdp
