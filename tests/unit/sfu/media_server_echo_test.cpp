// In-process end to end: a MediaServer with one worker on loopback, and WebRtcTestPeer (our own
// ICE client checks, DTLS client, SRTP) over a real socket, answering a Chrome offer fixture.
#include "sfu/media_server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <random>
#include <regex>

#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtcp/pli.h"
#include "sfu/metrics/registry.h"
#include "webrtc_test_peer.h"

namespace sfu {
namespace {

using namespace std::chrono_literals;
using test::WebRtcTestPeer;

// The Chrome fixture's sending SSRCs and its MID extension id.
constexpr uint32_t kClientAudioSsrc = 1667910515;
constexpr uint32_t kClientVideoSsrc = 1894558276;
constexpr uint8_t kMidExtId = 4;

std::unique_ptr<MediaServer> startServer(MediaServer::Config config = {}) {
  config.rtc_port = 0;
  config.workers = 1;
  config.listen_ip = "127.0.0.1";
  config.announced_ips = {"127.0.0.1"};
  config.pool_buffers = 2048;
  auto server = std::make_unique<MediaServer>(config, [](MediaServer::Task t) { t(); });
  std::string error;
  EXPECT_TRUE(server->start(&error)) << error;
  return server;
}

MediaApi::EchoResult echoStart(MediaServer& server, const std::string& offer) {
  std::promise<MediaApi::EchoResult> p;
  auto f = p.get_future();
  server.echoStart(offer, [&p](MediaApi::EchoResult r) { p.set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
  return f.get();
}

// Sum of every series of a counter family in the Prometheus text output.
double scrapeSum(const std::string& family, const std::string& label_filter = "") {
  const std::string text = metrics::serialize();
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(family, 0) != 0 || line[family.size()] == '_') continue;
    if (!label_filter.empty() && line.find(label_filter) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

std::vector<uint8_t> payload(size_t n, uint8_t seed) {
  std::vector<uint8_t> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(seed + i);
  return p;
}

bool echoesAudio(WebRtcTestPeer& peer, uint16_t seq) {
  const auto body = payload(160, static_cast<uint8_t>(seq));
  if (!peer.sendRtp(111, kClientAudioSsrc, seq, seq * 960u, body, kMidExtId, "0")) return false;
  for (int i = 0; i < 20; ++i) {
    auto got = peer.receiveRtp(2000);
    if (!got) return false;
    auto parsed = rtp::RtpPacket::parse(*got);
    if (!parsed || parsed->sequenceNumber() != seq) continue;  // an earlier echo
    return parsed->ssrc() == peer.answerSsrc("0") && parsed->payloadType() == 111 &&
           std::equal(body.begin(), body.end(), parsed->payload().begin(), parsed->payload().end());
  }
  return false;
}

TEST(MediaServerEcho, AnswersChromeOfferAndEchoesAudioAndVideo) {
  auto server = startServer();
  WebRtcTestPeer peer;
  const std::string offer = peer.makeOffer();
  auto result = echoStart(*server, offer);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_FALSE(result.session_id.empty());
  EXPECT_NE(result.sdp.find("a=ice-lite"), std::string::npos);
  EXPECT_NE(result.sdp.find("a=setup:passive"), std::string::npos);
  EXPECT_NE(result.sdp.find("a=sendrecv"), std::string::npos);
  EXPECT_NE(result.sdp.find(server->certificate().fingerprintHex()), std::string::npos);
  EXPECT_NE(result.sdp.find("tcptype passive"), std::string::npos);
  ASSERT_TRUE(peer.setAnswer(result.sdp));
  ASSERT_NE(peer.answerSsrc("0"), 0u);
  ASSERT_NE(peer.answerSsrc("1"), 0u);
  EXPECT_NE(peer.answerSsrc("0"), kClientAudioSsrc);
  EXPECT_EQ(server->echoSessionCount(), 1u);

  ASSERT_TRUE(peer.connect());
  std::printf("[ measure  ] handshake first STUN -> SRTP ready on loopback: %.2f ms\n",
              static_cast<double>(peer.handshakeTime().count()) / 1000.0);

  for (uint16_t seq = 100; seq < 110; ++seq) EXPECT_TRUE(echoesAudio(peer, seq)) << seq;

  // Video: the answer's video SSRC, MID kept.
  const auto body = payload(900, 7);
  ASSERT_TRUE(peer.sendRtp(96, kClientVideoSsrc, 5000, 90000, body, kMidExtId, "1"));
  std::optional<std::vector<uint8_t>> got;
  for (int i = 0; i < 5 && (!got || rtp::RtpPacket::parse(*got)->payloadType() != 96); ++i) {
    got = peer.receiveRtp();
  }
  ASSERT_TRUE(got);
  auto v = rtp::RtpPacket::parse(*got);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->ssrc(), peer.answerSsrc("1"));
  EXPECT_EQ(v->sequenceNumber(), 5000);
  EXPECT_EQ(v->payloadSize(), body.size());

  // A PLI for our video SSRC comes back as a PLI for the client's.
  std::array<uint8_t, 64> buf{};
  rtp::rtcp::CompoundBuilder b(buf);
  b.add(rtp::rtcp::Pli{kClientVideoSsrc, peer.answerSsrc("1")});
  ASSERT_TRUE(peer.sendRtcp(b.bytes()));
  auto pli = peer.receiveRtcp([](const std::vector<uint8_t>& c) {
    rtp::rtcp::CompoundParser parser(c, rtp::rtcp::PaddingPolicy::kAnyPacket);
    while (!parser.done()) {
      auto p = parser.next();
      if (!p) return false;
      if (rtp::rtcp::classify(*p) != rtp::rtcp::PacketKind::kPli) continue;
      auto v = rtp::rtcp::PliView::parse(*p);
      return v && v->mediaSsrc() == kClientVideoSsrc;
    }
    return false;
  });
  EXPECT_TRUE(pli);

  // Receiver reports (and transport-cc feedback) for the client's streams come once a second.
  auto rr = peer.receiveRtcp(
      [](const std::vector<uint8_t>& c) {
        rtp::rtcp::CompoundParser parser(c, rtp::rtcp::PaddingPolicy::kAnyPacket);
        auto p = parser.next();
        return p && rtp::rtcp::classify(*p) == rtp::rtcp::PacketKind::kReceiverReport &&
               p->count > 0;
      },
      3000);
  EXPECT_TRUE(rr);

  server->echoStop(result.session_id);
  EXPECT_EQ(server->echoSessionCount(), 0u);
  server->stop();
}

TEST(MediaServerEcho, DataChannelMessagesAreEchoed) {
  auto server = startServer();
  WebRtcTestPeer peer;
  auto result = echoStart(*server, peer.makeOffer("sdp/chrome_simulcast_offer.sdp"));
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_TRUE(peer.setAnswer(result.sdp));
  ASSERT_TRUE(peer.connect());
  ASSERT_TRUE(peer.startSctp());
  auto id = peer.sctp()->openChannel("echo");
  ASSERT_TRUE(id);
  ASSERT_TRUE(peer.sctp()->sendText(*id, "hello echo"));
  auto back = peer.receiveMessage();
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, "hello echo");
}

TEST(MediaServerEcho, IceTcpCandidateCarriesTheWholeSession) {
  auto server = startServer();
  WebRtcTestPeer peer(/*tcp=*/true);
  auto result = echoStart(*server, peer.makeOffer());
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_TRUE(peer.setAnswer(result.sdp));
  ASSERT_TRUE(peer.tcpRemote());
  ASSERT_TRUE(peer.connect());
  std::printf("[ measure  ] ICE-TCP handshake first STUN -> SRTP ready: %.2f ms\n",
              static_cast<double>(peer.handshakeTime().count()) / 1000.0);
  for (uint16_t seq = 1; seq < 6; ++seq) EXPECT_TRUE(echoesAudio(peer, seq)) << seq;
}

TEST(MediaServerEcho, PlainBindingRequestIsAnsweredAsStunServer) {
  auto server = startServer();
  WebRtcTestPeer peer;
  auto result = echoStart(*server, peer.makeOffer());
  ASSERT_TRUE(peer.setAnswer(result.sdp));
  ice::StunPacket req;
  const auto tid = ice::randomTransactionId();
  ice::StunWriter w(req.data, ice::stunType(ice::kStunMethodBinding, ice::StunClass::kRequest),
                    tid);
  w.addFingerprint();
  req.size = w.size();
  ASSERT_TRUE(peer.sendRaw(req.data.data(), req.size));
  auto resp = peer.receive(2000);
  ASSERT_TRUE(resp);
  auto parsed = ice::StunMessage::parse(*resp);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.message->messageClass(), ice::StunClass::kSuccess);
  EXPECT_EQ(parsed.message->transactionId(), tid);
  EXPECT_EQ(parsed.message->xorMappedAddress(), peer.localEndpoint());
  EXPECT_EQ(server->stunUrl(), "stun:127.0.0.1:" + std::to_string(server->workerPort(0)));
}

TEST(MediaServerEcho, GarbageBurstIsCountedAndSessionKeepsWorking) {
  auto server = startServer();
  WebRtcTestPeer peer;
  auto result = echoStart(*server, peer.makeOffer());
  ASSERT_TRUE(result.ok);
  ASSERT_TRUE(peer.setAnswer(result.sdp));
  ASSERT_TRUE(peer.connect());
  ASSERT_TRUE(echoesAudio(peer, 1));
  server->foldMetrics();
  const double drops_before = scrapeSum("sfu_packet_drops_total");

  // 10k datagrams from a stranger: random bytes (every first-byte class) and truncated headers.
  WebRtcTestPeer stranger;
  ASSERT_TRUE(stranger.setAnswer(result.sdp));
  std::mt19937 rng(1234);
  std::vector<uint8_t> d(1500);
  size_t sent = 0;
  for (int i = 0; i < 10000; ++i) {
    size_t len = rng() % 1400;
    if (i % 4 == 0) len = rng() % 24;  // truncated STUN/DTLS/RTP headers
    for (size_t k = 0; k < len; ++k) d[k] = static_cast<uint8_t>(rng());
    if (i % 8 == 1 && len >= 20) {  // STUN-shaped with a cookie and a bogus USERNAME
      d[0] = 0x00, d[1] = 0x01, d[4] = 0x21, d[5] = 0x12, d[6] = 0xA4, d[7] = 0x42;
    }
    if (stranger.sendRaw(d.data(), len)) ++sent;
    if (i % 256 == 0) std::this_thread::sleep_for(1ms);  // stay under the socket buffer
  }
  // And 1000 from the session's own address: random "SRTP" that fails authentication.
  for (int i = 0; i < 1000; ++i) {
    size_t len = 12 + rng() % 200;
    for (size_t k = 0; k < len; ++k) d[k] = static_cast<uint8_t>(rng());
    d[0] = 0x80;
    d[1] = static_cast<uint8_t>(rng() % 128);
    peer.sendRaw(d.data(), len);
    if (i % 256 == 0) std::this_thread::sleep_for(1ms);
  }
  EXPECT_GT(sent, 9000u);
  peer.clearReceived();
  for (uint16_t seq = 2; seq < 12; ++seq) EXPECT_TRUE(echoesAudio(peer, seq)) << seq;

  server->foldMetrics();
  const double dropped = scrapeSum("sfu_packet_drops_total") - drops_before;
  std::printf("[ measure  ] garbage burst: %zu sent, %.0f counted as drops\n", sent + 1000,
              dropped);
  EXPECT_GT(dropped, 5000);
  EXPECT_GT(scrapeSum("sfu_packet_drops_total", "reason=\"srtp_auth\""), 500);
  EXPECT_GT(scrapeSum("sfu_rtp_packets_total", "direction=\"out\""), 10);
  EXPECT_EQ(server->echoSessionCount(), 1u);
}

TEST(MediaServerEcho, EchoThroughputOneWorker) {
  auto server = startServer();
  WebRtcTestPeer peer;
  auto result = echoStart(*server, peer.makeOffer());
  ASSERT_TRUE(peer.setAnswer(result.sdp));
  ASSERT_TRUE(peer.connect());
  const auto body = payload(1000, 3);
  constexpr int kPackets = 20000;
  constexpr int kWindow = 256;
  int sent = 0;
  int received = 0;
  const auto start = std::chrono::steady_clock::now();
  while (received < kPackets && std::chrono::steady_clock::now() - start < 20s) {
    while (sent < kPackets && sent - received < kWindow) {
      peer.sendRtp(96, kClientVideoSsrc, static_cast<uint16_t>(sent), 0, body, kMidExtId, "1");
      ++sent;
    }
    auto got = peer.receiveRtp(200);
    if (!got) {
      if (sent == kPackets) break;  // the rest were lost
      received = sent;              // a lost window: move on
      continue;
    }
    ++received;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ measure  ] echo: %d packets of %zu B through one worker in %.2f s = %.0f pkt/s\n",
              received, body.size(), secs, received / secs);
  EXPECT_GT(received, kPackets / 2);
}

}  // namespace
}  // namespace sfu
