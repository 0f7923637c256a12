// WebRtcTransport on a real worker (router + factory, loopback sockets) with a recording listener:
// connection, fingerprint mismatch, consent expiry, ICE timeout.
#include "sfu/transport/webrtc_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>

#include "sfu/sdp/negotiation.h"
#include "sfu/sdp/sdp_writer.h"
#include "sfu/transport/session_router.h"
#include "sfu/transport/transport_factory.h"
#include "sfu/worker/worker.h"
#include "webrtc_test_peer.h"

namespace sfu::transport {
namespace {

using namespace std::chrono_literals;
using test::WebRtcTestPeer;

struct Recorder : MediaTransport::Listener {
  std::mutex mu;
  int connected = 0;
  std::vector<std::string> closed;
  std::promise<std::string> closed_promise;
  uint64_t rtp = 0;

  void onTransportRtp(MediaTransport&, net::PacketBuffer&, int64_t) override { ++rtp; }
  void onTransportRtcp(MediaTransport&, std::span<const uint8_t>, int64_t) override {}
  void onTransportConnected(MediaTransport&) override {
    std::lock_guard lock(mu);
    ++connected;
  }
  void onTransportClosed(MediaTransport&, std::string_view reason) override {
    std::lock_guard lock(mu);
    closed.emplace_back(reason);
    if (closed.size() == 1) closed_promise.set_value(std::string(reason));
  }
};

class TransportFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    worker::Worker::Options wo;
    wo.listen_ip = boost::asio::ip::make_address("127.0.0.1");
    wo.pool_buffers = 512;
    worker_ = std::make_unique<worker::Worker>(wo);
    boost::system::error_code ec;
    ASSERT_TRUE(worker_->open(ec)) << ec.message();
    router_ = std::make_unique<SessionRouter>(WorkerContext::of(*worker_));
    cert_ = dtls::Certificate::generate();
    ctx_ = dtls::DtlsContext::create(cert_);
    WorkerTransportFactory::Config fc;
    fc.announced_ips = {"127.0.0.1"};
    fc.udp_port = worker_->port();
    fc.tcp_port = worker_->port();
    fc.transport.consent_timeout = 400ms;
    factory_ = std::make_unique<WorkerTransportFactory>(*router_, ctx_, fc);
    worker_->setListener(router_.get());
    worker_->start();
  }
  void TearDown() override {
    onWorker([this] {
      transport_.reset();
      return 0;
    });
    worker_->stop();
    factory_.reset();
    router_.reset();
  }

  template <typename Fn>
  auto onWorker(Fn fn) -> decltype(fn()) {
    std::promise<decltype(fn())> p;
    auto f = p.get_future();
    worker_->post([&] { p.set_value(fn()); });
    EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
    return f.get();
  }

  // Creates a transport for the peer's offer and returns the answer SDP.
  std::string createFor(const std::string& offer) {
    return onWorker([&] {
      transport_ = factory_->create(recorder_);
      auto parsed = sdp::parse(offer);
      auto answer =
          sdp::createAnswer(*parsed.sdp, sdp::Capabilities::defaults(), transport_->local(), {});
      transport_->setRemote(answer.remote);
      transport_->setNegotiatedMedia(answer.media);
      return sdp::write(answer.answer);
    });
  }

  std::string waitClosed(std::chrono::milliseconds timeout = 5s) {
    auto f = recorder_.closed_promise.get_future();
    if (f.wait_for(timeout) != std::future_status::ready) return "(not closed)";
    return f.get();
  }

  std::unique_ptr<worker::Worker> worker_;
  std::unique_ptr<SessionRouter> router_;
  std::shared_ptr<const dtls::Certificate> cert_;
  std::shared_ptr<dtls::DtlsContext> ctx_;
  std::unique_ptr<WorkerTransportFactory> factory_;
  Recorder recorder_;
  std::unique_ptr<WebRtcTransport> transport_;
};

TEST_F(TransportFixture, ConnectsAndCountsRtpByKind) {
  WebRtcTestPeer peer;
  ASSERT_TRUE(peer.setAnswer(createFor(peer.makeOffer())));
  ASSERT_TRUE(peer.connect());
  const std::vector<uint8_t> body(100, 1);
  for (uint16_t i = 0; i < 5; ++i) ASSERT_TRUE(peer.sendRtp(111, 1, i, 0, body));
  ASSERT_TRUE(peer.sendRtp(97, 3, 1, 0, body));  // RTX payload type of the video m-line
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (onWorker([&] { return recorder_.rtp; }) < 6 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  auto [connected, audio, rtx, state, endpoints] = onWorker([&] {
    const auto& c = router_->counters();
    return std::tuple(transport_->connected(),
                      c.packetCount(PacketDirection::kIn, PacketKindLabel::kAudio),
                      c.packetCount(PacketDirection::kIn, PacketKindLabel::kRtx),
                      transport_->iceState(), transport_->endpoints().size());
  });
  EXPECT_TRUE(connected);
  EXPECT_EQ(audio, 5u);
  EXPECT_EQ(rtx, 1u);
  EXPECT_EQ(state, ice::IceLiteAgent::State::kCompleted);
  EXPECT_EQ(endpoints, 1u);
  EXPECT_EQ(recorder_.connected, 1);
}

// The server opens its relay channel on every subscriber transport; a peer whose SDP has no
// application m-section must not get SCTP INITs for it (the channel stays pending), while a peer
// that negotiated one does.
TEST_F(TransportFixture, NoSctpTowardAPeerThatNegotiatedNoDataChannel) {
  WebRtcTestPeer peer;
  ASSERT_TRUE(peer.setAnswer(createFor(peer.makeOffer("sdp/chrome_plain_offer.sdp"))));
  ASSERT_TRUE(peer.connect());
  EXPECT_GE(onWorker([&] { return transport_->openDataChannel("relay"); }), 0);  // pending
  for (int i = 0; i < 30; ++i) peer.pumpOnce(10);
  EXPECT_EQ(peer.dtlsDataReceived(), 0u);
}

TEST_F(TransportFixture, SctpInitTowardAPeerThatNegotiatedADataChannel) {
  WebRtcTestPeer peer;
  ASSERT_TRUE(peer.setAnswer(createFor(peer.makeOffer("sdp/chrome_simulcast_offer.sdp"))));
  ASSERT_TRUE(peer.connect());
  EXPECT_GE(onWorker([&] { return transport_->openDataChannel("relay"); }), 0);
  for (int i = 0; i < 30 && peer.dtlsDataReceived() == 0; ++i) peer.pumpOnce(10);
  EXPECT_GT(peer.dtlsDataReceived(), 0u);  // our INIT
}

TEST_F(TransportFixture, WrongFingerprintClosesWithReason) {
  WebRtcTestPeer peer;
  // The fixture's own fingerprint is not our test client's certificate.
  ASSERT_TRUE(peer.setAnswer(createFor(peer.makeOffer("sdp/chrome_plain_offer.sdp", true))));
  // The client's own check of our certificate passes; ours of its certificate fails once the
  // handshake completes (RFC 8122 §5), and we close the DTLS session.
  peer.connect(2000);
  const std::string reason = waitClosed();
  EXPECT_NE(reason.find("fingerprint_mismatch"), std::string::npos) << reason;
  EXPECT_EQ(recorder_.connected, 0);
  EXPECT_EQ(onWorker([&] { return router_->sessionCount(); }), 0u);
  for (int i = 0; i < 20 && !peer.dtlsClosedByPeer(); ++i) peer.pumpOnce(20);
  EXPECT_TRUE(peer.dtlsClosedByPeer());
}

TEST_F(TransportFixture, ConsentExpiresWithoutChecks) {
  WebRtcTestPeer peer;
  ASSERT_TRUE(peer.setAnswer(createFor(peer.makeOffer())));
  ASSERT_TRUE(peer.connect());
  // Checks keep it alive...
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(150ms);
    ASSERT_TRUE(peer.iceCheck(false));
  }
  EXPECT_TRUE(onWorker([&] { return transport_->connected(); }));
  // ...silence does not (consent_timeout 400 ms in this fixture).
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(waitClosed(), "ice consent expired");
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GT(waited, 200ms);
  EXPECT_FALSE(onWorker([&] { return transport_->connected(); }));
  // A dead session answers nothing any more.
  EXPECT_FALSE(peer.iceCheck(true, 300));
}

TEST_F(TransportFixture, NoCheckAtAllTimesOut) {
  WebRtcTestPeer peer;
  ASSERT_TRUE(peer.setAnswer(createFor(peer.makeOffer())));
  EXPECT_EQ(waitClosed(), "ice timeout: no connectivity check");
}

TEST_F(TransportFixture, IceTcpConnectionLossClosesTheSession) {
  WebRtcTestPeer peer(/*tcp=*/true);
  ASSERT_TRUE(peer.setAnswer(createFor(peer.makeOffer())));
  ASSERT_TRUE(peer.connect());
  auto tcp = onWorker([&] { return transport_->selectedEndpoint(); });
  ASSERT_TRUE(tcp);
  EXPECT_TRUE(tcp->isTcp());
  onWorker([&] {
    worker_->closeConnection(*tcp);
    return 0;
  });
  EXPECT_EQ(waitClosed(), "ice-tcp connection closed");
}

}  // namespace
}  // namespace sfu::transport
