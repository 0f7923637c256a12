#include "sfu/ice/ice_lite.h"

#include <gtest/gtest.h>

#include <vector>

#include "sfu/ice/stun_client.h"
#include "tests/unit/sfu/alloc_count.h"

namespace sfu::ice {
namespace {

using namespace std::chrono_literals;
using Status = BindingResponseCheck::Status;

class IceLiteTest : public ::testing::Test {
 protected:
  IceLiteTest() : agent_({"srvU", "serverpassword0123456789"}, t0_) {
    agent_.setRemoteCredentials("cli1", "clientpassword0123456789");
  }

  struct Sent {
    TransactionId tid;
    IceResult result;
  };
  Sent send(const net::Endpoint& from, TimePoint now, bool use_candidate = false,
            std::string_view local_ufrag = "cli1", std::string_view remote_ufrag = "srvU",
            std::string_view pwd = "serverpassword0123456789") {
    BindingRequestParams p;
    p.local_ufrag = local_ufrag;
    p.remote_ufrag = remote_ufrag;
    p.remote_pwd = pwd;
    p.priority = 1853817087;
    p.tiebreaker = 42;
    p.use_candidate = use_candidate;
    p.transaction_id = randomTransactionId();
    auto req = buildBindingRequest(p, pkt_);
    return {p.transaction_id, agent_.handleStun(req, from, now)};
  }

  TimePoint t0_{};
  IceLiteAgent agent_;
  StunPacket pkt_;
  net::Endpoint a_ = *net::Endpoint::parse("192.0.2.10:5000");
  net::Endpoint b_ = *net::Endpoint::parse("[2001:db8::7]:6000");
};

TEST_F(IceLiteTest, SuccessResponseValidatesOnClientSide) {
  auto s = send(a_, t0_ + 1s);
  ASSERT_EQ(s.result.outcome, IceResult::Outcome::kSuccess);
  auto check = validateBindingResponse(s.result.response, s.tid, "serverpassword0123456789");
  EXPECT_EQ(check.status, Status::kSuccess);
  EXPECT_EQ(check.mapped, a_);
  // The same response fails with the wrong key or another transaction.
  EXPECT_EQ(validateBindingResponse(s.result.response, s.tid, "nope").status,
            Status::kBadIntegrity);
  EXPECT_EQ(validateBindingResponse(s.result.response, randomTransactionId(), "x").status,
            Status::kWrongTransaction);
}

TEST_F(IceLiteTest, FirstCheckSelectsThenNominationCompletes) {
  EXPECT_EQ(agent_.state(), IceLiteAgent::State::kNew);
  auto s1 = send(a_, t0_ + 1s);
  EXPECT_TRUE(s1.result.selected_changed);
  EXPECT_FALSE(s1.result.nominated);
  EXPECT_EQ(agent_.state(), IceLiteAgent::State::kConnected);
  EXPECT_EQ(agent_.selected(), a_);
  // Another pair's un-nominated check does not steal the selection.
  auto s2 = send(b_, t0_ + 2s);
  EXPECT_EQ(s2.result.outcome, IceResult::Outcome::kSuccess);
  EXPECT_FALSE(s2.result.selected_changed);
  EXPECT_FALSE(s2.result.consent_refreshed);
  EXPECT_EQ(agent_.selected(), a_);
  // Nomination of b switches.
  auto s3 = send(b_, t0_ + 3s, true);
  EXPECT_TRUE(s3.result.nominated);
  EXPECT_TRUE(s3.result.selected_changed);
  EXPECT_EQ(agent_.selected(), b_);
  EXPECT_EQ(agent_.state(), IceLiteAgent::State::kCompleted);
  // Re-nominating the same pair is not a change.
  auto s4 = send(b_, t0_ + 4s, true);
  EXPECT_FALSE(s4.result.selected_changed);
  // A later nomination of a switches back (RFC 8445 §7.3.1.5: the newest nomination wins).
  auto s5 = send(a_, t0_ + 5s, true);
  EXPECT_TRUE(s5.result.selected_changed);
  EXPECT_EQ(agent_.selected(), a_);
}

// A consent check on the selected pair (parse, FINGERPRINT, MESSAGE-INTEGRITY, the signed
// response) allocates nothing.
TEST_F(IceLiteTest, ConsentCheckAllocatesNothing) {
  if (!sfu::test::allocationCountingAvailable()) GTEST_SKIP() << "sanitizer allocator";
  ASSERT_EQ(send(a_, t0_ + 1s, true).result.outcome, IceResult::Outcome::kSuccess);
  BindingRequestParams p;
  p.local_ufrag = "cli1";
  p.remote_ufrag = "srvU";
  p.remote_pwd = "serverpassword0123456789";
  p.priority = 1853817087;
  p.tiebreaker = 42;
  p.use_candidate = true;
  p.transaction_id = randomTransactionId();
  auto req = buildBindingRequest(p, pkt_);
  sfu::test::AllocationScope scope;
  for (int i = 0; i < 10; ++i) {
    auto r = agent_.handleStun(req, a_, t0_ + 2s + std::chrono::seconds(i));
    ASSERT_EQ(r.outcome, IceResult::Outcome::kSuccess);
    EXPECT_TRUE(r.consent_refreshed);
  }
  EXPECT_EQ(scope.count(), 0u);
}

TEST_F(IceLiteTest, NominationOfSelectedPairCompletesWithoutSwitch) {
  send(a_, t0_ + 1s);
  auto s = send(a_, t0_ + 2s, true);
  EXPECT_FALSE(s.result.selected_changed);
  EXPECT_TRUE(s.result.nominated);
  EXPECT_TRUE(agent_.nominated());
}

TEST_F(IceLiteTest, WrongUfragGets401WithoutIntegrity) {
  struct Case {
    const char* name;
    std::string_view local, remote, pwd;
  };
  const Case cases[] = {
      {"wrong server ufrag", "cli1", "XXXX", "serverpassword0123456789"},
      {"wrong client ufrag", "zzzz", "srvU", "serverpassword0123456789"},
      {"bad integrity", "cli1", "srvU", "wrongpassword"},
  };
  for (const auto& c : cases) {
    auto s = send(a_, t0_ + 1s, false, c.local, c.remote, c.pwd);
    EXPECT_EQ(s.result.outcome, IceResult::Outcome::kErrorResponse) << c.name;
    EXPECT_EQ(s.result.error_code, 401) << c.name;
    auto m = StunMessage::parse(s.result.response);
    ASSERT_TRUE(m.ok()) << c.name;
    EXPECT_FALSE(m.message->hasIntegrity()) << c.name;
    EXPECT_TRUE(m.message->checkFingerprint()) << c.name;
    auto check = validateBindingResponse(s.result.response, s.tid, "serverpassword0123456789");
    EXPECT_EQ(check.status, Status::kErrorResponse) << c.name;
    EXPECT_EQ(check.error_code, 401) << c.name;
  }
  EXPECT_FALSE(agent_.selected());
}

TEST_F(IceLiteTest, MissingUsernameOrIntegrityGets400) {
  StunPacket p;
  StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kRequest), randomTransactionId());
  w.addUsername("srvU:cli1");
  w.addFingerprint();
  auto r = agent_.handleStun(w.finish(), a_, t0_);
  EXPECT_EQ(r.outcome, IceResult::Outcome::kErrorResponse);
  EXPECT_EQ(r.error_code, 400);
}

TEST_F(IceLiteTest, BadFingerprintDroppedSilently) {
  BindingRequestParams prm{"cli1", "srvU", "serverpassword0123456789", 1,
                           2,      false,  randomTransactionId()};
  auto req = buildBindingRequest(prm, pkt_);
  std::vector<uint8_t> b(req.begin(), req.end());
  b.back() ^= 0xFF;
  auto r = agent_.handleStun(b, a_, t0_);
  EXPECT_EQ(r.outcome, IceResult::Outcome::kDropped);
  EXPECT_EQ(r.drop, IceDropReason::kBadFingerprint);
  EXPECT_TRUE(r.response.empty());
}

TEST_F(IceLiteTest, NonRequestsAndGarbageDropped) {
  auto r = agent_.handleStun(std::vector<uint8_t>{0x80, 1, 2, 3}, a_, t0_);
  EXPECT_EQ(r.drop, IceDropReason::kMalformed);
  StunPacket p;
  StunWriter ind(p.data, stunType(kStunMethodBinding, StunClass::kIndication),
                 randomTransactionId());
  ind.addFingerprint();
  EXPECT_EQ(agent_.handleStun(ind.finish(), a_, t0_).drop, IceDropReason::kNotRequest);
  StunWriter alloc(p.data, stunType(0x003, StunClass::kRequest), randomTransactionId());
  EXPECT_EQ(agent_.handleStun(alloc.finish(), a_, t0_).drop, IceDropReason::kUnsupportedMethod);
}

TEST_F(IceLiteTest, RoleConflictAndUnknownAttribute) {
  {
    StunPacket p;
    StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kRequest), randomTransactionId());
    w.addUsername("srvU:cli1");
    w.addIceControlled(7);
    w.addMessageIntegrity("serverpassword0123456789");
    w.addFingerprint();
    auto r = agent_.handleStun(w.finish(), a_, t0_);
    EXPECT_EQ(r.error_code, 487);
    auto m = StunMessage::parse(r.response);
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(m.message->checkIntegrity("serverpassword0123456789"));
  }
  {
    StunPacket p;
    StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kRequest), randomTransactionId());
    w.addUsername("srvU:cli1");
    w.addAttribute(0x0077, {});
    w.addMessageIntegrity("serverpassword0123456789");
    w.addFingerprint();
    auto r = agent_.handleStun(w.finish(), a_, t0_);
    EXPECT_EQ(r.error_code, 420);
  }
  EXPECT_FALSE(agent_.selected());
}

TEST_F(IceLiteTest, ConsentExpiresAfter30sWithoutChecks) {
  // Never connected: the clock runs from creation.
  EXPECT_FALSE(agent_.checkConsent(t0_ + 29s));
  send(a_, t0_ + 20s, true);
  EXPECT_EQ(agent_.consentDeadline(), t0_ + 50s);
  EXPECT_FALSE(agent_.checkConsent(t0_ + 49s));
  // Checks from a non-selected endpoint do not refresh consent.
  auto other = send(b_, t0_ + 45s);
  EXPECT_FALSE(other.result.consent_refreshed);
  auto s = send(a_, t0_ + 48s);
  EXPECT_TRUE(s.result.consent_refreshed);
  EXPECT_FALSE(agent_.checkConsent(t0_ + 77999ms));
  EXPECT_TRUE(agent_.checkConsent(t0_ + 78s));
  EXPECT_EQ(agent_.state(), IceLiteAgent::State::kExpired);
  // Sticky: later checks are dropped.
  EXPECT_EQ(send(a_, t0_ + 79s).result.drop, IceDropReason::kExpired);
  EXPECT_TRUE(agent_.checkConsent(t0_ + 79s));
}

TEST_F(IceLiteTest, NeverConnectedExpires) { EXPECT_TRUE(agent_.checkConsent(t0_ + 30s)); }

TEST(IceLite, UnknownRemoteUfragAccepted) {
  IceLiteAgent agent({"srvU", "serverpassword0123456789"}, TimePoint{});
  StunPacket pkt;
  BindingRequestParams p{"anyone", "srvU", "serverpassword0123456789", 1,
                         2,        true,   randomTransactionId()};
  auto r = agent.handleStun(buildBindingRequest(p, pkt), *net::Endpoint::parse("1.2.3.4:5"),
                            TimePoint{});
  EXPECT_EQ(r.outcome, IceResult::Outcome::kSuccess);
}

TEST(IceLite, GeneratedCredentials) {
  auto c = IceCredentials::generate();
  auto d = IceCredentials::generate();
  EXPECT_EQ(c.ufrag.size(), 8u);
  EXPECT_EQ(c.pwd.size(), 24u);
  EXPECT_NE(c.ufrag, d.ufrag);
  EXPECT_NE(c.pwd, d.pwd);
  for (char ch : c.ufrag + c.pwd) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/');
  }
}

TEST(IceLite, PlainBindingAndRouter) {
  StunPacket req;
  StunWriter w(req.data, stunType(kStunMethodBinding, StunClass::kRequest), randomTransactionId());
  w.addFingerprint();
  req.size = w.size();
  auto m = StunMessage::parse(req.bytes());
  ASSERT_TRUE(m.ok());
  StunPacket out;
  const auto from = *net::Endpoint::parse("[2001:db8::1]:4444");
  auto resp = answerPlainBinding(*m.message, from, out);
  auto parsed = StunMessage::parse(resp);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.message->messageClass(), StunClass::kSuccess);
  EXPECT_EQ(parsed.message->transactionId(), m.message->transactionId());
  EXPECT_EQ(parsed.message->xorMappedAddress(), from);
  EXPECT_TRUE(parsed.message->checkFingerprint());
  EXPECT_FALSE(parsed.message->hasIntegrity());
  EXPECT_FALSE(localUfragOf(req.bytes()));  // no USERNAME

  StunPacket pkt;
  BindingRequestParams p{"cli1", "srvU", "pw", 1, 2, true, randomTransactionId()};
  auto bytes = buildBindingRequest(p, pkt);
  auto ufrag = localUfragOf(bytes);
  ASSERT_TRUE(ufrag);
  EXPECT_EQ(*ufrag, "srvU");
  EXPECT_GE(ufrag->data(), reinterpret_cast<const char*>(bytes.data()));  // a view, not a copy
  EXPECT_FALSE(localUfragOf(resp));                                       // not a request
}

TEST(IceLite, TcpEndpointIsADistinctPair) {
  // The same address over ICE-TCP (tagged with its connection) is another candidate pair.
  IceLiteAgent agent({"srvU", "serverpassword0123456789"}, TimePoint{});
  const auto udp = *net::Endpoint::parse("10.0.0.1:443");
  const auto tcp = udp.withConnection(net::Transport::kTcp, 7);
  StunPacket pkt;
  BindingRequestParams p{"cli1", "srvU", "serverpassword0123456789", 1,
                         2,      false,  randomTransactionId()};
  auto r = agent.handleStun(buildBindingRequest(p, pkt), udp, TimePoint{});
  ASSERT_EQ(r.outcome, IceResult::Outcome::kSuccess);
  EXPECT_TRUE(r.selected_changed);
  p.use_candidate = true;
  p.transaction_id = randomTransactionId();
  r = agent.handleStun(buildBindingRequest(p, pkt), tcp, TimePoint{});
  ASSERT_EQ(r.outcome, IceResult::Outcome::kSuccess);
  EXPECT_TRUE(r.selected_changed);
  EXPECT_EQ(agent.selected(), tcp);
  // The mapped address is the TCP peer's address and port.
  auto resp = StunMessage::parse(r.response);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp.message->xorMappedAddress(), udp);
}

}  // namespace
}  // namespace sfu::ice
