// SessionRouter with a fake sender and a manual clock: demux and routing decisions, drop reasons,
// the plain STUN server, endpoint learning and removal, and consent timers driven by hand.
#include "sfu/transport/session_router.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "sfu/dtls/certificate.h"
#include "sfu/ice/stun_client.h"
#include "sfu/transport/webrtc_transport.h"

namespace sfu::transport {
namespace {

struct Sent {
  net::Endpoint to;
  std::vector<uint8_t> bytes;
};

struct FakeSender : net::PacketSender {
  std::vector<Sent> sent;
  bool send(const net::Endpoint& remote, const uint8_t* data, size_t len) override {
    sent.push_back({remote, std::vector<uint8_t>(data, data + len)});
    return true;
  }
  bool send(const net::Endpoint& remote, net::PacketBuffer&& buffer) override {
    return send(remote, buffer.data(), buffer.size());
  }
  void closeConnection(const net::Endpoint&) override {}
};

struct Recorder : MediaTransport::Listener {
  std::vector<std::string> closed;
  int connected = 0;
  void onTransportRtp(MediaTransport&, net::PacketBuffer&, int64_t) override {}
  void onTransportRtcp(MediaTransport&, std::span<const uint8_t>, int64_t) override {}
  void onTransportConnected(MediaTransport&) override { ++connected; }
  void onTransportClosed(MediaTransport&, std::string_view reason) override {
    closed.emplace_back(reason);
  }
};

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() : clock_(1'000'000'000), wheel_(clock_), pool_(256) {
    WorkerContext c;
    c.sender = &sender_;
    c.pool = &pool_;
    c.timers = &wheel_;
    c.post = [this](WorkerContext::Task t) { tasks_.push_back(std::move(t)); };
    SessionRouter::Options o;
    o.export_metrics = false;
    router_ = std::make_unique<SessionRouter>(std::move(c), o);
    ctx_ = dtls::DtlsContext::create(dtls::Certificate::generate());
  }

  std::unique_ptr<WebRtcTransport> makeTransport(const std::string& ufrag) {
    sdp::LocalTransport local;
    local.ice_ufrag = ufrag;
    local.ice_pwd = "serverpassword0123456789";
    WebRtcTransport::Options o;
    o.consent_timeout = std::chrono::milliseconds(30000);
    auto t = std::make_unique<WebRtcTransport>(*router_, ctx_, local, recorder_, o);
    sdp::RemoteTransport remote;
    remote.ice_ufrag = "cli1";
    remote.ice_pwd = "clientpassword0123456789";
    remote.fingerprints = {{"sha-256", ctx_->certificate().fingerprintHex()}};
    t->setRemote(remote);
    return t;
  }

  void deliver(const net::Endpoint& from, std::span<const uint8_t> bytes) {
    std::vector<net::ReceivedPacket> batch(1);
    batch[0].remote = from;
    batch[0].buffer = pool_.copy(bytes.data(), bytes.size());
    router_->onPacketsReceived(batch);
  }

  std::vector<uint8_t> check(const std::string& server_ufrag, bool nominate,
                             ice::TransactionId* tid = nullptr) {
    ice::BindingRequestParams p;
    p.local_ufrag = "cli1";
    p.remote_ufrag = server_ufrag;
    p.remote_pwd = "serverpassword0123456789";
    p.priority = 1;
    p.tiebreaker = 2;
    p.use_candidate = nominate;
    p.transaction_id = ice::randomTransactionId();
    if (tid) *tid = p.transaction_id;
    ice::StunPacket pkt;
    auto bytes = ice::buildBindingRequest(p, pkt);
    return {bytes.begin(), bytes.end()};
  }

  uint64_t drops(TransportDrop r) const { return router_->counters().dropped(r); }

  worker::ManualClock clock_;
  worker::TimerWheel wheel_;
  net::PacketPool pool_;
  FakeSender sender_;
  std::deque<WorkerContext::Task> tasks_;
  std::unique_ptr<SessionRouter> router_;
  std::shared_ptr<dtls::DtlsContext> ctx_;
  Recorder recorder_;
  net::Endpoint client_ = *net::Endpoint::parse("192.0.2.10:5000");
  net::Endpoint other_ = *net::Endpoint::parse("192.0.2.11:6000");
};

TEST_F(RouterTest, DemuxDropsAreCountedByReason) {
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    net::DropReason reason;
  };
  const std::vector<Case> cases = {
      {"empty", {}, net::DropReason::kEmpty},
      {"zrtp", {17, 0, 0, 0}, net::DropReason::kZrtp},
      {"turn channel", {0x40, 0, 0, 4, 1, 2, 3, 4}, net::DropReason::kTurnChannel},
      {"short stun", {0, 1, 0, 0}, net::DropReason::kShortStun},
      {"short dtls", {22, 0xfe, 0xfd}, net::DropReason::kShortDtls},
      {"short rtp", {0x80, 96, 0, 1}, net::DropReason::kShortRtp},
      {"short rtcp", {0x80, 200, 0, 1}, net::DropReason::kShortRtcp},
      {"unknown first byte", {0xff, 0, 0, 0}, net::DropReason::kUnknownFirstByte},
  };
  for (const auto& c : cases) {
    const uint64_t before = router_->counters().demux[c.reason];
    deliver(client_, c.bytes);
    EXPECT_EQ(router_->counters().demux[c.reason], before + 1) << c.name;
  }
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(RouterTest, MediaFromUnknownEndpointIsDropped) {
  auto t = makeTransport("srvA");
  std::vector<uint8_t> rtp(40, 0);
  rtp[0] = 0x80;
  rtp[1] = 96;
  deliver(client_, rtp);
  std::vector<uint8_t> dtls(40, 0);
  dtls[0] = 22;
  deliver(client_, dtls);
  EXPECT_EQ(drops(TransportDrop::kUnknownEndpoint), 2u);
}

TEST_F(RouterTest, ValidCheckIsAnsweredAndTeachesTheEndpoint) {
  auto a = makeTransport("srvA");
  auto b = makeTransport("srvB");
  EXPECT_EQ(router_->sessionCount(), 2u);
  ice::TransactionId tid;
  deliver(client_, check("srvB", true, &tid));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, client_);
  auto resp = ice::validateBindingResponse(sender_.sent[0].bytes, tid, "serverpassword0123456789");
  EXPECT_EQ(resp.status, ice::BindingResponseCheck::Status::kSuccess);
  EXPECT_EQ(router_->findByEndpoint(client_), b.get());
  EXPECT_EQ(b->selectedEndpoint(), client_);
  EXPECT_EQ(b->iceState(), ice::IceLiteAgent::State::kCompleted);
  EXPECT_EQ(b->stats().first_check_us, clock_.nowUs());
  EXPECT_EQ(a->endpoints().size(), 0u);

  // Now RTP from it reaches b (not connected yet: counted as such, not as unknown).
  std::vector<uint8_t> rtp(40, 0);
  rtp[0] = 0x80;
  rtp[1] = 96;
  deliver(client_, rtp);
  EXPECT_EQ(drops(TransportDrop::kNotConnected), 1u);
  EXPECT_EQ(drops(TransportDrop::kUnknownEndpoint), 0u);

  // Destroying the session forgets its ufrag and endpoints.
  b.reset();
  EXPECT_EQ(router_->findByEndpoint(client_), nullptr);
  EXPECT_EQ(router_->findByUfrag("srvB"), nullptr);
  EXPECT_EQ(router_->sessionCount(), 1u);
}

TEST_F(RouterTest, UnknownUfragAndBadIntegrityAreNotAnswered) {
  auto a = makeTransport("srvA");
  deliver(client_, check("nobody", true));
  EXPECT_EQ(drops(TransportDrop::kUnknownUfrag), 1u);
  EXPECT_TRUE(sender_.sent.empty());
  auto bad = check("srvA", true);
  bad[bad.size() - 10] ^= 1;  // MESSAGE-INTEGRITY: FINGERPRINT no longer matches, discarded
  deliver(client_, bad);
  EXPECT_EQ(router_->findByEndpoint(client_), nullptr);
  EXPECT_EQ(drops(TransportDrop::kStunIgnored), 1u);
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(RouterTest, PlainBindingIsAnsweredWithoutASession) {
  ice::StunPacket req;
  const auto tid = ice::randomTransactionId();
  ice::StunWriter w(req.data, ice::stunType(ice::kStunMethodBinding, ice::StunClass::kRequest),
                    tid);
  req.size = w.size();
  deliver(other_, req.bytes());
  ASSERT_EQ(sender_.sent.size(), 1u);
  auto m = ice::StunMessage::parse(sender_.sent[0].bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.message->xorMappedAddress(), other_);
  EXPECT_EQ(m.message->transactionId(), tid);
}

// The router looks up a batch's transports before handling any of its packets; a packet that
// teaches or removes an endpoint must be seen by the packets after it in the same batch.
TEST_F(RouterTest, EndpointChangesApplyWithinTheSameBatch) {
  auto a = makeTransport("srvA");
  std::vector<uint8_t> rtp(40, 0);
  rtp[0] = 0x80;
  rtp[1] = 96;
  const auto batchOf = [&](std::initializer_list<std::span<const uint8_t>> packets) {
    std::vector<net::ReceivedPacket> batch(packets.size());
    size_t i = 0;
    for (const auto bytes : packets) {
      batch[i].remote = client_;
      batch[i++].buffer = pool_.copy(bytes.data(), bytes.size());
    }
    router_->onPacketsReceived(batch);
  };
  const auto nominate = check("srvA", true);
  batchOf({nominate, rtp});  // the check teaches client_: the RTP after it is a's
  EXPECT_EQ(router_->findByEndpoint(client_), a.get());
  EXPECT_EQ(drops(TransportDrop::kUnknownEndpoint), 0u);
  router_->onConnectionClosed(client_);
  batchOf({rtp});
  EXPECT_EQ(drops(TransportDrop::kUnknownEndpoint), 1u);
}

TEST_F(RouterTest, LaterSessionTakesOverAnEndpoint) {
  auto a = makeTransport("srvA");
  auto b = makeTransport("srvB");
  deliver(client_, check("srvA", true));
  EXPECT_EQ(router_->findByEndpoint(client_), a.get());
  deliver(client_, check("srvB", true));
  EXPECT_EQ(router_->findByEndpoint(client_), b.get());
  a.reset();  // must not remove b's mapping
  EXPECT_EQ(router_->findByEndpoint(client_), b.get());
}

TEST_F(RouterTest, ConsentTimersRunOnTheWheel) {
  auto a = makeTransport("srvA");
  deliver(client_, check("srvA", true));
  clock_.advanceMs(20000);
  wheel_.advance();
  deliver(client_, check("srvA", false));  // refreshes consent
  clock_.advanceMs(20000);
  wheel_.advance();
  EXPECT_TRUE(recorder_.closed.empty());
  clock_.advanceMs(11000);
  wheel_.advance();
  ASSERT_EQ(recorder_.closed.size(), 1u);
  EXPECT_EQ(recorder_.closed[0], "ice consent expired");
  EXPECT_EQ(a->state(), WebRtcTransport::State::kClosed);
  EXPECT_EQ(router_->sessionCount(), 0u);
  EXPECT_EQ(router_->findByEndpoint(client_), nullptr);
}

TEST_F(RouterTest, ChecksBeforeTheRemoteDescriptionAreDropped) {
  sdp::LocalTransport local;
  local.ice_ufrag = "srvC";
  local.ice_pwd = "serverpassword0123456789";
  WebRtcTransport t(*router_, ctx_, local, recorder_);
  deliver(client_, check("srvC", true));
  EXPECT_EQ(drops(TransportDrop::kStunNoRemote), 1u);
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(RouterTest, RandomDatagramsNeverBreakRouting) {
  auto a = makeTransport("srvA");
  deliver(client_, check("srvA", true));
  std::mt19937 rng(7);
  std::vector<uint8_t> d(1500);
  for (int i = 0; i < 20000; ++i) {
    const size_t len = (i % 3 == 0) ? rng() % 32 : rng() % 1500;
    for (size_t k = 0; k < len; ++k) d[k] = static_cast<uint8_t>(rng());
    if (i % 5 == 0 && len >= 20) {  // STUN-shaped
      d[0] = 0, d[1] = 1, d[4] = 0x21, d[5] = 0x12, d[6] = 0xA4, d[7] = 0x42;
    }
    deliver(i % 2 ? client_ : other_, std::span<const uint8_t>(d.data(), len));
  }
  EXPECT_GT(router_->counters().totalDrops(), 10000u);
  // The session still answers checks and still owns its endpoint.
  sender_.sent.clear();
  deliver(client_, check("srvA", false));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(router_->findByEndpoint(client_), a.get());
}

}  // namespace
}  // namespace sfu::transport
