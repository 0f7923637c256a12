#include "sfu/dtls/dtls_transport.h"

#include <gtest/gtest.h>

#include <cstring>

#include "dtls_pair.h"
#include "sfu/srtp/srtp_session.h"
#include "srtp_test_util.h"

namespace sfu::dtls {
namespace {

using srtp::SrtpDirection;
using srtp::SrtpProfile;
using srtp::SrtpResult;
using srtp::SrtpSession;
using test::DtlsPair;

class DtlsTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clientCert_ = Certificate::generate();
    serverCert_ = Certificate::generate();
  }
  static void TearDownTestSuite() {
    clientCert_.reset();
    serverCert_.reset();
  }

  std::shared_ptr<DtlsContext> context(std::shared_ptr<const Certificate> cert,
                                       std::vector<SrtpProfile> profiles = {}) {
    DtlsContext::Options options;
    if (!profiles.empty()) options.srtpProfiles = profiles;
    std::string error;
    auto ctx = DtlsContext::create(std::move(cert), options, &error);
    EXPECT_NE(ctx, nullptr) << error;
    return ctx;
  }

  // A pair with each side knowing the other's sha-256 fingerprint.
  void makePair(DtlsPair& pair, std::vector<SrtpProfile> clientProfiles = {}) {
    pair.create(context(clientCert_, clientProfiles), context(serverCert_));
    pair.client.transport->setRemoteFingerprint(serverCert_->fingerprint(), pair.now);
    pair.server.transport->setRemoteFingerprint(clientCert_->fingerprint(), pair.now);
  }

  static void handshake(DtlsPair& pair) {
    pair.server.transport->start(pair.now);
    pair.client.transport->start(pair.now);
    pair.pump();
  }

  static std::shared_ptr<const Certificate> clientCert_;
  static std::shared_ptr<const Certificate> serverCert_;
};

std::shared_ptr<const Certificate> DtlsTransportTest::clientCert_;
std::shared_ptr<const Certificate> DtlsTransportTest::serverCert_;

class DtlsProfileTest : public DtlsTransportTest,
                        public ::testing::WithParamInterface<SrtpProfile> {};

TEST_P(DtlsProfileTest, HandshakeExportsCrosswiseKeysThatProtect) {
  const SrtpProfile profile = GetParam();
  DtlsPair pair;
  makePair(pair, {profile});
  handshake(pair);

  ASSERT_EQ(pair.client.transport->state(), DtlsState::kConnected) << pair.client.failureDetail;
  ASSERT_EQ(pair.server.transport->state(), DtlsState::kConnected) << pair.server.failureDetail;
  EXPECT_EQ(pair.client.connectedCount, 1);
  EXPECT_EQ(pair.server.connectedCount, 1);
  EXPECT_EQ(pair.client.keys.profile, profile);
  EXPECT_EQ(pair.server.keys.profile, profile);
  EXPECT_EQ(pair.server.transport->srtpProfile(), profile);
  EXPECT_TRUE(pair.server.transport->handshakeDuration().has_value());
  EXPECT_FALSE(pair.client.transport->nextTimeout().has_value());

  const auto info = srtp::srtpProfileInfo(profile);
  ASSERT_EQ(pair.client.keys.local.length, info.keyLength + info.saltLength);
  // RFC 5764 §4.2: the client's write key is the server's read key and vice versa.
  auto same = [](const srtp::SrtpMasterKey& a, const srtp::SrtpMasterKey& b) {
    return a.length == b.length && std::memcmp(a.bytes.data(), b.bytes.data(), a.length) == 0;
  };
  EXPECT_TRUE(same(pair.client.keys.local, pair.server.keys.remote));
  EXPECT_TRUE(same(pair.client.keys.remote, pair.server.keys.local));
  EXPECT_FALSE(same(pair.client.keys.local, pair.client.keys.remote));

  // Client protects, server unprotects (RTP and RTCP), and the other way round.
  auto clientOut =
      SrtpSession::create(SrtpDirection::kOutbound, profile, pair.client.keys.local.view());
  auto serverIn =
      SrtpSession::create(SrtpDirection::kInbound, profile, pair.server.keys.remote.view());
  auto serverOut =
      SrtpSession::create(SrtpDirection::kOutbound, profile, pair.server.keys.local.view());
  auto clientIn =
      SrtpSession::create(SrtpDirection::kInbound, profile, pair.client.keys.remote.view());
  ASSERT_TRUE(clientOut && serverIn && serverOut && clientIn);

  auto rtp = test::makeRtp(7, 0xcafe, 1188, SrtpSession::kMaxTrailer);
  const std::vector<uint8_t> plain(rtp.begin(), rtp.begin() + 1200);
  size_t len = 1200;
  ASSERT_EQ(clientOut->protectRtp(rtp, len), SrtpResult::kOk);
  std::vector<uint8_t> copy(rtp.begin(), rtp.begin() + len);
  ASSERT_EQ(serverIn->unprotectRtp(rtp.data(), len), SrtpResult::kOk);
  EXPECT_EQ(std::vector<uint8_t>(rtp.begin(), rtp.begin() + len), plain);
  size_t copyLen = copy.size();
  EXPECT_EQ(serverIn->unprotectRtp(copy.data(), copyLen), SrtpResult::kReplay);
  copy[100] ^= 0x10;
  copy[3] ^= 0x01;  // new sequence number: not a replay, must fail authentication
  copyLen = copy.size();
  EXPECT_EQ(serverIn->unprotectRtp(copy.data(), copyLen), SrtpResult::kAuthFail);

  auto rtcp = test::makeRtcpRr(0xbeef, SrtpSession::kMaxTrailer);
  len = 32;
  ASSERT_EQ(serverOut->protectRtcp(rtcp, len), SrtpResult::kOk);
  ASSERT_EQ(clientIn->unprotectRtcp(rtcp.data(), len), SrtpResult::kOk);
  EXPECT_EQ(len, 32u);
  // A server-protected packet does not verify with the client's own write key.
  auto wrongIn =
      SrtpSession::create(SrtpDirection::kInbound, profile, pair.client.keys.local.view());
  auto rtp2 = test::makeRtp(8, 0xcafe, 100, SrtpSession::kMaxTrailer);
  len = 112;
  ASSERT_EQ(serverOut->protectRtp(rtp2, len), SrtpResult::kOk);
  EXPECT_EQ(wrongIn->unprotectRtp(rtp2.data(), len), SrtpResult::kAuthFail);
}

INSTANTIATE_TEST_SUITE_P(Profiles, DtlsProfileTest,
                         ::testing::Values(SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAeadAes256Gcm,
                                           SrtpProfile::kAes128CmSha1_80),
                         [](const auto& info) {
                           return std::string(srtp::srtpProfileInfo(info.param).name).substr(5);
                         });

TEST_F(DtlsTransportTest, ServerPrefersAes128GcmWhenClientOffersAll) {
  DtlsPair pair;
  makePair(pair, {SrtpProfile::kAes128CmSha1_80, SrtpProfile::kAeadAes256Gcm,
                  SrtpProfile::kAeadAes128Gcm});
  handshake(pair);
  ASSERT_EQ(pair.server.transport->state(), DtlsState::kConnected);
  EXPECT_EQ(pair.server.keys.profile, SrtpProfile::kAeadAes128Gcm);
}

TEST_F(DtlsTransportTest, DatagramsRespectMtu) {
  DtlsPair pair;
  makePair(pair);
  size_t largest = 0;
  pair.drop = [&](int, size_t) { return false; };
  pair.server.transport->start(pair.now);
  pair.client.transport->start(pair.now);
  for (int i = 0; i < 20; ++i) {
    for (auto* e : {&pair.client, &pair.server}) {
      for (const auto& d : e->outbox) largest = std::max(largest, d.size());
    }
    pair.pump(1);
  }
  pair.pump();
  EXPECT_EQ(pair.server.transport->state(), DtlsState::kConnected);
  EXPECT_GT(largest, 0u);
  EXPECT_LE(largest, 1200u);
}

TEST_F(DtlsTransportTest, HandshakeDurationExcludesIdleListening) {
  DtlsPair pair;
  makePair(pair);
  pair.server.transport->start(pair.now);
  pair.now += std::chrono::seconds(5);  // ICE takes a while before the ClientHello comes
  pair.client.transport->start(pair.now);
  pair.pump();
  ASSERT_EQ(pair.server.transport->state(), DtlsState::kConnected);
  ASSERT_TRUE(pair.server.transport->handshakeDuration().has_value());
  ASSERT_TRUE(pair.client.transport->handshakeDuration().has_value());
  EXPECT_LT(*pair.server.transport->handshakeDuration(), std::chrono::seconds(1));
  EXPECT_LT(*pair.client.transport->handshakeDuration(), std::chrono::seconds(1));
}

TEST_F(DtlsTransportTest, ApplicationDataBothWaysThenCloseNotify) {
  DtlsPair pair;
  makePair(pair);
  handshake(pair);
  ASSERT_EQ(pair.client.transport->state(), DtlsState::kConnected);
  std::vector<uint8_t> hello = {1, 2, 3, 4, 5};
  std::vector<uint8_t> big(1100, 0x5a);
  EXPECT_TRUE(pair.client.transport->send(hello));
  EXPECT_TRUE(pair.server.transport->send(big));
  pair.pump();
  ASSERT_EQ(pair.server.received.size(), 1u);
  EXPECT_EQ(pair.server.received[0], hello);
  ASSERT_EQ(pair.client.received.size(), 1u);
  EXPECT_EQ(pair.client.received[0], big);

  pair.client.transport->close();
  EXPECT_EQ(pair.client.transport->state(), DtlsState::kClosed);
  EXPECT_FALSE(pair.client.transport->send(hello));
  pair.pump();
  EXPECT_EQ(pair.server.transport->state(), DtlsState::kClosed);
  EXPECT_EQ(pair.server.closedCount, 1);
  EXPECT_EQ(pair.client.closedCount, 0);  // local close does not call back
}

TEST_F(DtlsTransportTest, RetransmitsLostFlights) {
  // A clean handshake first, to know how many datagrams each side sends.
  DtlsPair clean;
  makePair(clean);
  handshake(clean);
  ASSERT_EQ(clean.server.transport->state(), DtlsState::kConnected);
  const size_t clientCount = clean.sent[0];
  const size_t serverCount = clean.sent[1];
  ASSERT_GE(clientCount, 2u);
  ASSERT_GE(serverCount, 2u);

  struct Case {
    std::string name;
    int direction;
    size_t index;
  };
  const std::vector<Case> cases = {
      {"lost ClientHello", 0, 0},
      {"lost first datagram of the server flight", 1, 0},
      {"lost first datagram of the client certificate flight", 0, 1},
      {"lost client Finished", 0, clientCount - 1},
      {"lost server Finished", 1, serverCount - 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    DtlsPair pair;
    makePair(pair);
    bool droppedOnce = false;
    pair.drop = [&](int direction, size_t index) {
      if (!droppedOnce && direction == c.direction && index == c.index) {
        droppedOnce = true;
        return true;
      }
      return false;
    };
    const auto start = pair.now;
    handshake(pair);
    EXPECT_TRUE(droppedOnce);
    EXPECT_EQ(pair.client.transport->state(), DtlsState::kConnected) << pair.client.failureDetail;
    EXPECT_EQ(pair.server.transport->state(), DtlsState::kConnected) << pair.server.failureDetail;
    // A retransmission timer (100 ms initial) had to fire, and more datagrams were sent.
    EXPECT_GE(pair.now - start, std::chrono::milliseconds(90));
    EXPECT_GT(pair.sent[0] + pair.sent[1], clientCount + serverCount);
  }
}

TEST_F(DtlsTransportTest, GivesUpWhenPeerNeverAnswers) {
  DtlsPair pair;
  makePair(pair);
  pair.drop = [](int direction, size_t) { return direction == 0; };
  handshake(pair);
  EXPECT_EQ(pair.client.transport->state(), DtlsState::kFailed);
  ASSERT_TRUE(pair.client.failure.has_value());
  EXPECT_EQ(*pair.client.failure, DtlsFailure::kTimeout);
  EXPECT_GT(pair.client.transport->datagramsSent(), 5u);
}

TEST_F(DtlsTransportTest, FingerprintMismatchFailsAndClosesPeer) {
  DtlsPair pair;
  pair.create(context(clientCert_), context(serverCert_));
  pair.client.transport->setRemoteFingerprint(serverCert_->fingerprint(), pair.now);
  // The server expects some other certificate.
  auto stranger = Certificate::generate();
  pair.server.transport->setRemoteFingerprint(stranger->fingerprint(), pair.now);
  handshake(pair);
  EXPECT_EQ(pair.server.transport->state(), DtlsState::kFailed);
  ASSERT_TRUE(pair.server.failure.has_value());
  EXPECT_EQ(*pair.server.failure, DtlsFailure::kFingerprintMismatch);
  EXPECT_EQ(pair.server.connectedCount, 0);
  // The client saw the handshake finish, then the server's close_notify.
  EXPECT_EQ(pair.client.transport->state(), DtlsState::kClosed);
  EXPECT_EQ(pair.client.closedCount, 1);
}

TEST_F(DtlsTransportTest, ClientRejectsServerWithWrongFingerprint) {
  DtlsPair pair;
  pair.create(context(clientCert_), context(serverCert_));
  pair.client.transport->setRemoteFingerprint(clientCert_->fingerprint(), pair.now);
  pair.server.transport->setRemoteFingerprint(clientCert_->fingerprint(), pair.now);
  handshake(pair);
  EXPECT_EQ(pair.client.transport->state(), DtlsState::kFailed);
  EXPECT_EQ(pair.client.failure, DtlsFailure::kFingerprintMismatch);
}

TEST_F(DtlsTransportTest, VerifiesOtherHashAlgorithmsAndLateFingerprint) {
  DtlsPair pair;
  pair.create(context(clientCert_), context(serverCert_));
  pair.client.transport->setRemoteFingerprints(
      {Certificate::generate()->fingerprint(), serverCert_->fingerprint(HashAlgorithm::kSha384)},
      pair.now);
  handshake(pair);
  EXPECT_EQ(pair.client.transport->state(), DtlsState::kConnected);
  // The server finished the handshake but has no SDP fingerprint yet: not connected.
  EXPECT_EQ(pair.server.transport->state(), DtlsState::kConnecting);
  EXPECT_EQ(pair.server.connectedCount, 0);
  // Data from an unverified peer is not delivered.
  EXPECT_TRUE(pair.client.transport->send(std::vector<uint8_t>{9, 9}));
  pair.pump();
  EXPECT_TRUE(pair.server.received.empty());

  pair.server.transport->setRemoteFingerprint(clientCert_->fingerprint(HashAlgorithm::kSha1),
                                              pair.now);
  EXPECT_EQ(pair.server.transport->state(), DtlsState::kConnected);
  EXPECT_EQ(pair.server.connectedCount, 1);
  EXPECT_TRUE(pair.server.transport->send(std::vector<uint8_t>{1}));
  pair.pump();
  EXPECT_EQ(pair.client.received.size(), 1u);
}

TEST_F(DtlsTransportTest, ListenerMayDestroyTransportInCallback) {
  DtlsPair pair;
  makePair(pair);
  pair.server.onConnected = [&] { pair.server.transport.reset(); };
  handshake(pair);
  EXPECT_EQ(pair.server.transport, nullptr);
  EXPECT_EQ(pair.server.connectedCount, 1);

  DtlsPair second;
  makePair(second);
  handshake(second);
  second.server.onData = [&](std::span<const uint8_t>) { second.server.transport.reset(); };
  EXPECT_TRUE(second.client.transport->send(std::vector<uint8_t>{1}));
  EXPECT_TRUE(second.client.transport->send(std::vector<uint8_t>{2}));
  second.pump();
  EXPECT_EQ(second.server.transport, nullptr);
  EXPECT_EQ(second.server.received.size(), 1u);
}

TEST_F(DtlsTransportTest, ServerIgnoresGarbageBeforeHandshake) {
  DtlsPair pair;
  makePair(pair);
  pair.server.transport->start(pair.now);
  std::vector<uint8_t> junk(200, 0);
  junk[0] = 22;
  junk[1] = 0xfe;
  junk[2] = 0xfd;
  pair.server.transport->handleDatagram(junk, pair.now);
  std::vector<uint8_t> tiny = {23};
  pair.server.transport->handleDatagram(tiny, pair.now);
  EXPECT_NE(pair.server.transport->state(), DtlsState::kConnected);
  // A real handshake still works afterwards if the server did not fail.
  if (pair.server.transport->state() == DtlsState::kConnecting) {
    pair.client.transport->start(pair.now);
    pair.pump();
    EXPECT_EQ(pair.server.transport->state(), DtlsState::kConnected);
  }
}

TEST_F(DtlsTransportTest, ClientIgnoresDatagramsBeforeStart) {
  DtlsPair pair;
  makePair(pair);
  std::vector<uint8_t> junk(50, 22);
  pair.client.transport->handleDatagram(junk, pair.now);
  EXPECT_EQ(pair.client.transport->state(), DtlsState::kNew);
  EXPECT_TRUE(pair.client.outbox.empty());
}

}  // namespace
}  // namespace sfu::dtls
