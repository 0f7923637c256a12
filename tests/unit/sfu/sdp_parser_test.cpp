#include "sfu/sdp/sdp_parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sfu/sdp/sdp_writer.h"

namespace sfu::sdp {
namespace {

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(SFU_TEST_DATA_DIR) + "/sdp/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SessionDescription mustParse(const std::string& text) {
  auto r = parse(text);
  EXPECT_TRUE(r.ok()) << toString(r.error.code) << " line " << r.error.line << " "
                      << r.error.detail;
  return r.ok() ? *r.sdp : SessionDescription{};
}

class Fixtures : public ::testing::TestWithParam<const char*> {};

// parse → write → parse gives the same model, and writing is stable (write∘parse idempotent).
TEST_P(Fixtures, RoundTrip) {
  const std::string text = readFixture(GetParam());
  ASSERT_FALSE(text.empty());
  auto first = mustParse(text);
  const std::string written = write(first);
  auto second = mustParse(written);
  EXPECT_EQ(first, second);
  EXPECT_EQ(write(second), written);
  // LF-only input parses to the same model.
  std::string lf;
  for (char c : text) {
    if (c != '\r') lf += c;
  }
  EXPECT_EQ(mustParse(lf), first);
}

INSTANTIATE_TEST_SUITE_P(Sdp, Fixtures,
                         ::testing::Values("chrome_simulcast_offer.sdp", "chrome_plain_offer.sdp",
                                           "firefox_simulcast_offer.sdp",
                                           "legacy_sctpmap_offer.sdp"));

TEST(SdpParser, ChromeSimulcastOffer) {
  auto s = mustParse(readFixture("chrome_simulcast_offer.sdp"));
  EXPECT_EQ(s.origin.session_id, "4878776600265799011");
  EXPECT_TRUE(s.extmap_allow_mixed);
  ASSERT_NE(s.findGroup("BUNDLE"), nullptr);
  EXPECT_EQ(s.findGroup("BUNDLE")->mids, (std::vector<std::string>{"0", "1", "2"}));
  ASSERT_TRUE(s.msid_semantic);
  EXPECT_EQ(s.msid_semantic->semantic, "WMS");
  ASSERT_EQ(s.media.size(), 3u);

  const auto& audio = s.media[0];
  EXPECT_EQ(audio.kind, "audio");
  EXPECT_EQ(audio.proto, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.direction, Direction::kSendOnly);
  EXPECT_TRUE(audio.rtcp_mux);
  EXPECT_TRUE(audio.rtcp_rsize);
  EXPECT_EQ(audio.ice_ufrag, "zqeO");
  EXPECT_EQ(audio.setup, Setup::kActpass);
  ASSERT_EQ(audio.fingerprints.size(), 1u);
  EXPECT_EQ(audio.fingerprints[0].algorithm, "sha-256");
  ASSERT_NE(audio.findCodec(111), nullptr);
  EXPECT_EQ(audio.findCodec(111)->name, "opus");
  EXPECT_EQ(audio.findCodec(111)->channels, 2);
  EXPECT_EQ(audio.findCodec(111)->fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(audio.findCodec(111)->rtcp_fb, std::vector<std::string>{"transport-cc"});
  EXPECT_EQ(audio.candidates.size(), 4u);
  EXPECT_EQ(audio.candidates[2].tcptype, "active");
  ASSERT_EQ(audio.ssrcs.size(), 1u);
  EXPECT_EQ(audio.ssrcs[0].get("cname"), "J5khFGwDkCr28c8o");
  // Unknown attributes are kept.
  ASSERT_EQ(audio.attributes.size(), 1u);
  EXPECT_EQ(audio.attributes[0].name, "rtcp-xr");

  const auto& video = s.media[1];
  EXPECT_EQ(video.codecs.size(), video.formats.size());
  ASSERT_NE(video.findCodec(45), nullptr);
  EXPECT_EQ(video.findCodec(45)->name, "AV1");
  EXPECT_EQ(video.findCodec(97)->fmtp, "apt=96");
  EXPECT_EQ(video.findCodec(96)->rtcp_fb.size(), 5u);
  ASSERT_EQ(video.rids.size(), 3u);
  EXPECT_EQ(video.rids[0].id, "q");
  EXPECT_EQ(video.rids[0].direction, RidDirection::kSend);
  ASSERT_TRUE(video.simulcast);
  ASSERT_EQ(video.simulcast->send.size(), 3u);
  EXPECT_EQ(video.simulcast->send[2][0].rid, "f");
  EXPECT_TRUE(video.simulcast->recv.empty());
  bool has_rid_ext = false;
  for (const auto& e : video.extmaps) has_rid_ext |= e.id == 10;
  EXPECT_TRUE(has_rid_ext);

  const auto& data = s.media[2];
  EXPECT_TRUE(data.isDataChannel());
  EXPECT_EQ(data.sctp_port, 5000);
  EXPECT_EQ(data.max_message_size, 262144u);
}

TEST(SdpParser, FirefoxOffer) {
  auto s = mustParse(readFixture("firefox_simulcast_offer.sdp"));
  EXPECT_EQ(s.fingerprints.size(), 1u);  // session-level
  EXPECT_EQ(s.ice_options, std::vector<std::string>{"trickle"});
  ASSERT_EQ(s.media.size(), 3u);
  const auto& audio = s.media[0];
  EXPECT_EQ(s.fingerprintsOf(audio).size(), 1u);
  EXPECT_TRUE(audio.end_of_candidates);
  EXPECT_EQ(audio.candidates[2].type, "srflx");
  EXPECT_EQ(audio.candidates[2].rel_addr, "192.168.1.23");
  EXPECT_EQ(audio.candidates[2].rel_port, 52104);
  EXPECT_EQ(audio.extmaps[1].direction, Direction::kRecvOnly);
  const auto& video = s.media[1];
  EXPECT_EQ(video.ssrc_groups.size(), 3u);
  EXPECT_EQ(video.ssrc_groups[0].semantics, "FID");
  EXPECT_EQ(video.findCodec(126)->fmtp,
            "profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1");
  EXPECT_EQ(s.media[2].max_message_size, 1073741823u);
}

TEST(SdpParser, LegacySctpmap) {
  auto s = mustParse(readFixture("legacy_sctpmap_offer.sdp"));
  const auto& data = s.media[1];
  EXPECT_EQ(data.proto, "DTLS/SCTP");
  ASSERT_TRUE(data.sctpmap);
  EXPECT_EQ(data.sctpmap->number, 5000);
  EXPECT_EQ(data.sctpmap->streams, 1024u);
  EXPECT_EQ(data.formats, std::vector<std::string>{"5000"});
}

TEST(SdpParser, SimulcastAndRidSyntax) {
  auto s = mustParse(
      "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\nm=video 9 UDP/TLS/RTP/SAVPF 96 97\n"
      "a=rtpmap:96 VP8/90000\na=rtpmap:97 VP9/90000\n"
      "a=rid:a send pt=96,97;max-width=1280;max-height=720\na=rid:b send\na=rid:c recv\n"
      "a=simulcast:send a,~b;c recv d\n"
      "a=extmap:3/sendonly urn:x ext-attr\n");
  const auto& m = s.media[0];
  ASSERT_EQ(m.rids.size(), 3u);
  EXPECT_EQ(m.rids[0].payload_types, (std::vector<int>{96, 97}));
  ASSERT_EQ(m.rids[0].restrictions.size(), 2u);
  EXPECT_EQ(m.rids[0].restrictions[0].first, "max-width");
  EXPECT_EQ(m.rids[0].restrictions[0].second, "1280");
  EXPECT_EQ(m.rids[2].direction, RidDirection::kRecv);
  ASSERT_TRUE(m.simulcast);
  ASSERT_EQ(m.simulcast->send.size(), 2u);
  ASSERT_EQ(m.simulcast->send[0].size(), 2u);
  EXPECT_TRUE(m.simulcast->send[0][1].paused);
  EXPECT_EQ(m.simulcast->send[0][1].rid, "b");
  EXPECT_EQ(m.simulcast->recv[0][0].rid, "d");
  EXPECT_EQ(m.extmaps[0].direction, Direction::kSendOnly);
  EXPECT_EQ(m.extmaps[0].attributes, "ext-attr");
  // Round trip of the exotic syntax.
  EXPECT_EQ(mustParse(write(s)), s);
  EXPECT_NE(write(s).find("a=simulcast:send a,~b;c recv d\r\n"), std::string::npos);
  EXPECT_NE(write(s).find("a=rid:a send pt=96,97;max-width=1280;max-height=720\r\n"),
            std::string::npos);
}

TEST(SdpParser, Errors) {
  struct Case {
    const char* name;
    std::string text;
    ParseErrorCode error;
    size_t line;
  };
  const std::string head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  const std::string m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
  const std::vector<Case> cases = {
      {"empty", "", ParseErrorCode::kMissingVersion, 0},
      {"no version", "o=- 1 1 IN IP4 0.0.0.0\r\n", ParseErrorCode::kMissingVersion, 1},
      {"version 1", "v=1\r\n", ParseErrorCode::kBadVersion, 1},
      {"garbage line", "v=0\r\nhello\r\n", ParseErrorCode::kBadLine, 2},
      {"uppercase type", "v=0\r\nX=1\r\n", ParseErrorCode::kBadLine, 2},
      {"short origin", "v=0\r\no=- 1 1\r\n", ParseErrorCode::kBadOrigin, 2},
      {"m without proto", head + "m=audio 9\r\n", ParseErrorCode::kBadMediaLine, 5},
      {"m bad port", head + "m=audio 99999 RTP/AVP 0\r\n", ParseErrorCode::kBadMediaLine, 5},
      {"m bad pt", head + "m=audio 9 RTP/AVP 300\r\n", ParseErrorCode::kBadMediaLine, 5},
      {"rtpmap no clock", head + m + "a=rtpmap:111 opus\r\n", ParseErrorCode::kBadAttribute, 6},
      {"rtpmap pt text", head + m + "a=rtpmap:x opus/48000\r\n", ParseErrorCode::kBadAttribute, 6},
      {"extmap id 0", head + m + "a=extmap:0 urn:x\r\n", ParseErrorCode::kBadAttribute, 6},
      {"extmap bad dir", head + m + "a=extmap:1/up urn:x\r\n", ParseErrorCode::kBadAttribute, 6},
      {"ssrc text", head + m + "a=ssrc:abc cname:x\r\n", ParseErrorCode::kBadAttribute, 6},
      {"candidate short", head + m + "a=candidate:1 1 udp 5 1.2.3.4 9\r\n",
       ParseErrorCode::kBadAttribute, 6},
      {"simulcast bad dir", head + m + "a=simulcast:both a\r\n", ParseErrorCode::kBadAttribute, 6},
      {"rid bad dir", head + m + "a=rid:a sideways\r\n", ParseErrorCode::kBadAttribute, 6},
      {"setup bad", head + m + "a=setup:maybe\r\n", ParseErrorCode::kBadAttribute, 6},
      {"fingerprint no value", head + "a=fingerprint:sha-256\r\n", ParseErrorCode::kBadAttribute,
       5},
      {"sctp-port text",
       head + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:x\r\n",
       ParseErrorCode::kBadAttribute, 6},
      {"too large", "v=0\r\n" + std::string(kMaxSdpSize, 'a'), ParseErrorCode::kTooLarge, 0},
  };
  for (const auto& c : cases) {
    auto r = parse(c.text);
    EXPECT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error.code, c.error) << c.name << ": " << toString(r.error.code);
    EXPECT_EQ(r.error.line, c.line) << c.name;
  }
}

TEST(SdpParser, TolerantInput) {
  // Blank lines, trailing spaces, LF endings, unknown session lines, value-less unknown attrs.
  auto r = parse(
      "v=0\n\no=- 1 1 IN IP4 0.0.0.0\ns=-\ni=info\nt=0 0\na=x-custom\na=x-k:v w\n"
      "m=audio 9 RTP/AVP 0\ni=media title\na=rtpmap:0 PCMU/8000  \n");
  ASSERT_TRUE(r.ok()) << toString(r.error.code);
  EXPECT_EQ(r.sdp->other_lines, std::vector<std::string>{"i=info"});
  ASSERT_EQ(r.sdp->attributes.size(), 2u);
  EXPECT_FALSE(r.sdp->attributes[0].value);
  EXPECT_EQ(r.sdp->attributes[1].value, "v w");
  EXPECT_EQ(r.sdp->media[0].other_lines, std::vector<std::string>{"i=media title"});
  EXPECT_EQ(r.sdp->media[0].findCodec(0)->clock_rate, 8000u);
  EXPECT_EQ(mustParse(write(*r.sdp)), *r.sdp);
}

TEST(SdpCandidate, ParseAndFormat) {
  auto c = Candidate::parse(
      "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.2 rport "
      "61665 generation 0 ufrag EsAw network-cost 999");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->foundation, "842163049");
  EXPECT_EQ(c->priority, 1677729535u);
  EXPECT_EQ(c->type, "srflx");
  EXPECT_EQ(c->rel_port, 61665);
  ASSERT_EQ(c->extensions.size(), 3u);
  EXPECT_EQ(c->extensions[1].first, "ufrag");
  EXPECT_EQ(*Candidate::parse(c->toString()), *c);
  EXPECT_FALSE(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 5 typ host generation"));
  EXPECT_FALSE(Candidate::parse("candidate:1 1 udp 1 1.2.3.4 5 type host"));
  EXPECT_TRUE(Candidate::parse("1 1 TCP 1 ::1 9 typ host tcptype passive")->isTcp());
}

}  // namespace
}  // namespace sfu::sdp
