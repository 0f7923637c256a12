#include "sfu/srtp/srtp_session.h"

#include <gtest/gtest.h>

#include <vector>

#include "srtp_test_util.h"

namespace sfu::srtp {
namespace {

using test::makeRtcpRr;
using test::makeRtp;

std::vector<uint8_t> keyFor(SrtpProfile profile, uint8_t seed) {
  auto info = srtpProfileInfo(profile);
  std::vector<uint8_t> key(info.keyLength + info.saltLength);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed + i * 3);
  return key;
}

class SrtpProfileTest : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(SrtpProfileTest, RtpRoundTripTamperReplay) {
  const SrtpProfile profile = GetParam();
  auto key = keyFor(profile, 1);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key);
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, key);
  ASSERT_NE(out, nullptr);
  ASSERT_NE(in, nullptr);
  const size_t trailer = srtpProfileInfo(profile).rtpTrailer;
  EXPECT_EQ(out->rtpTrailer(), trailer);

  for (uint16_t seq = 100; seq < 110; ++seq) {
    auto packet = makeRtp(seq, 0x1234, 1000, SrtpSession::kMaxTrailer);
    const auto plain = std::vector<uint8_t>(packet.begin(), packet.begin() + 1012);
    size_t len = 1012;
    ASSERT_EQ(out->protectRtp(packet, len), SrtpResult::kOk);
    EXPECT_EQ(len, 1012 + trailer);
    // Header stays in the clear, payload does not.
    EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + 12, packet.begin()));
    EXPECT_FALSE(std::equal(plain.begin() + 12, plain.end(), packet.begin() + 12));

    auto copy = std::vector<uint8_t>(packet.begin(), packet.begin() + len);
    size_t inLen = len;
    ASSERT_EQ(in->unprotectRtp(packet.data(), inLen), SrtpResult::kOk);
    EXPECT_EQ(inLen, 1012u);
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), packet.begin()));

    // The same SRTP packet again is a replay.
    size_t againLen = copy.size();
    EXPECT_EQ(in->unprotectRtp(copy.data(), againLen), SrtpResult::kReplay);
  }

  // Tampering with payload, header or tag fails authentication.
  for (size_t at : {size_t{1}, size_t{8}, size_t{500}, size_t{1012 + 2}}) {
    auto packet = makeRtp(200, 0x1234, 1000, SrtpSession::kMaxTrailer);
    size_t len = 1012;
    ASSERT_EQ(out->protectRtp(packet, len), SrtpResult::kOk);
    packet[at] ^= 0x01;
    size_t inLen = len;
    auto r = in->unprotectRtp(packet.data(), inLen);
    EXPECT_TRUE(r == SrtpResult::kAuthFail || r == SrtpResult::kReplay) << srtpResultName(r);
    if (at != 8) {
      EXPECT_EQ(r, SrtpResult::kAuthFail) << "byte " << at;
    }
  }
}

TEST_P(SrtpProfileTest, RtcpRoundTripTamperReplay) {
  const SrtpProfile profile = GetParam();
  auto key = keyFor(profile, 9);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key);
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, key);
  ASSERT_NE(out, nullptr);
  ASSERT_NE(in, nullptr);
  const size_t trailer = srtpProfileInfo(profile).rtcpTrailer;
  for (int i = 0; i < 3; ++i) {
    auto packet = makeRtcpRr(0xabcdef01, SrtpSession::kMaxTrailer);
    const auto plain = std::vector<uint8_t>(packet.begin(), packet.begin() + 32);
    size_t len = 32;
    ASSERT_EQ(out->protectRtcp(packet, len), SrtpResult::kOk);
    EXPECT_EQ(len, 32 + trailer);
    auto copy = std::vector<uint8_t>(packet.begin(), packet.begin() + len);
    size_t inLen = len;
    ASSERT_EQ(in->unprotectRtcp(packet.data(), inLen), SrtpResult::kOk);
    EXPECT_EQ(inLen, 32u);
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), packet.begin()));
    size_t againLen = copy.size();
    EXPECT_EQ(in->unprotectRtcp(copy.data(), againLen), SrtpResult::kReplay);
  }
  // A fresh packet with one flipped bit (payload or tag) fails authentication.
  for (size_t at : {size_t{4}, size_t{20}, size_t{33}}) {
    auto packet = makeRtcpRr(0xabcdef01, SrtpSession::kMaxTrailer);
    size_t len = 32;
    ASSERT_EQ(out->protectRtcp(packet, len), SrtpResult::kOk);
    packet[at] ^= 0x40;
    EXPECT_EQ(in->unprotectRtcp(packet.data(), len), SrtpResult::kAuthFail) << "byte " << at;
  }
}

TEST_P(SrtpProfileTest, WrongKeyFailsAuth) {
  const SrtpProfile profile = GetParam();
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, keyFor(profile, 1));
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, keyFor(profile, 2));
  auto packet = makeRtp(1, 5, 200, SrtpSession::kMaxTrailer);
  size_t len = 212;
  ASSERT_EQ(out->protectRtp(packet, len), SrtpResult::kOk);
  EXPECT_EQ(in->unprotectRtp(packet.data(), len), SrtpResult::kAuthFail);
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpProfileTest,
                         ::testing::Values(SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAeadAes256Gcm,
                                           SrtpProfile::kAes128CmSha1_80),
                         [](const auto& info) {
                           return std::string(srtpProfileInfo(info.param).name).substr(5);
                         });

TEST(SrtpSessionTest, RejectsBadKeysAndDirections) {
  EXPECT_EQ(SrtpSession::create(SrtpDirection::kOutbound, SrtpProfile::kNone, {}), nullptr);
  std::vector<uint8_t> shortKey(20, 1);
  EXPECT_EQ(SrtpSession::create(SrtpDirection::kOutbound, SrtpProfile::kAeadAes128Gcm, shortKey),
            nullptr);
  auto key = keyFor(SrtpProfile::kAeadAes128Gcm, 3);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, SrtpProfile::kAeadAes128Gcm, key);
  auto packet = makeRtp(1, 1, 10, 16);
  size_t len = 22;
  EXPECT_EQ(out->unprotectRtp(packet.data(), len), SrtpResult::kNoSession);
  auto in = SrtpSession::create(SrtpDirection::kInbound, SrtpProfile::kAeadAes128Gcm, key);
  EXPECT_EQ(in->protectRtp(packet, len), SrtpResult::kNoSession);
}

TEST(SrtpSessionTest, BufferAndLengthChecks) {
  struct Case {
    std::string name;
    size_t length;
    size_t capacity;
    SrtpResult want;
  };
  const std::vector<Case> cases = {
      {"fits exactly", 100, 116, SrtpResult::kOk},
      {"one byte short of tailroom", 100, 115, SrtpResult::kNoBuffer},
      {"no tailroom", 100, 100, SrtpResult::kNoBuffer},
      {"shorter than rtp header", 11, 100, SrtpResult::kBadPacket},
      {"length beyond buffer", 200, 100, SrtpResult::kBadPacket},
  };
  auto key = keyFor(SrtpProfile::kAeadAes128Gcm, 4);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, SrtpProfile::kAeadAes128Gcm, key);
  uint16_t seq = 1;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto packet = makeRtp(seq++, 77, 100, 100);
    size_t len = c.length;
    EXPECT_EQ(out->protectRtp(std::span<uint8_t>(packet.data(), c.capacity), len), c.want);
  }
  auto in = SrtpSession::create(SrtpDirection::kInbound, SrtpProfile::kAeadAes128Gcm, key);
  std::vector<uint8_t> tiny(27, 0x80);
  size_t len = tiny.size();
  EXPECT_EQ(in->unprotectRtp(tiny.data(), len), SrtpResult::kBadPacket);
  len = 10;
  EXPECT_EQ(in->unprotectRtcp(tiny.data(), len), SrtpResult::kBadPacket);
}

TEST(SrtpSessionTest, RepeatTransmissionAllowedOnlyWhenConfigured) {
  const auto profile = SrtpProfile::kAeadAes128Gcm;
  auto key = keyFor(profile, 5);
  SrtpSession::Options allow;
  allow.allowRepeatTx = true;
  SrtpSession::Options forbid;
  forbid.allowRepeatTx = false;
  auto outAllow = SrtpSession::create(SrtpDirection::kOutbound, profile, key, allow);
  auto outForbid = SrtpSession::create(SrtpDirection::kOutbound, profile, key, forbid);
  for (auto* out : {outAllow.get(), outForbid.get()}) {
    auto first = makeRtp(500, 42, 100, 16);
    size_t len = 112;
    ASSERT_EQ(out->protectRtp(first, len), SrtpResult::kOk);
    auto later = makeRtp(501, 42, 100, 16);
    len = 112;
    ASSERT_EQ(out->protectRtp(later, len), SrtpResult::kOk);
  }
  // A NACK retransmission of seq 500, protected again.
  auto again = makeRtp(500, 42, 100, 16);
  size_t len = 112;
  EXPECT_EQ(outAllow->protectRtp(again, len), SrtpResult::kOk);
  again = makeRtp(500, 42, 100, 16);
  len = 112;
  EXPECT_EQ(outForbid->protectRtp(again, len), SrtpResult::kReplay);
}

TEST(SrtpSessionTest, RepeatsAllowedOnlyWithinTheWindow) {
  // An outbound session that allows repeats keeps only its highest index: a repeat inside the
  // window goes out, one older than the window is refused, and the index keeps advancing.
  const auto profile = SrtpProfile::kAeadAes128Gcm;
  auto key = keyFor(profile, 8);
  SrtpSession::Options options;
  options.allowRepeatTx = true;
  options.replayWindow = 64;
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key, options);
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, key);
  auto protect = [&](uint16_t seq) {
    auto p = makeRtp(seq, 77, 100, 16);
    size_t len = 112;
    return out->protectRtp(p, len);
  };
  for (uint16_t seq = 1000; seq <= 1100; ++seq) ASSERT_EQ(protect(seq), SrtpResult::kOk) << seq;
  EXPECT_EQ(protect(1100 - 63), SrtpResult::kOk);  // 63 behind the highest: inside
  EXPECT_EQ(protect(1100), SrtpResult::kOk);       // the highest itself, again
  EXPECT_EQ(protect(1100 - 64), SrtpResult::kReplayOld);
  EXPECT_EQ(protect(1000), SrtpResult::kReplayOld);
  // Still in step with a receiver after the refusals.
  auto p = makeRtp(1101, 77, 100, 16);
  size_t len = 112;
  ASSERT_EQ(out->protectRtp(p, len), SrtpResult::kOk);
  EXPECT_EQ(in->unprotectRtp(p.data(), len), SrtpResult::kOk);
}

TEST(SrtpSessionTest, ManySsrcsOnOneOutboundSessionAndRemoveStream) {
  const auto profile = SrtpProfile::kAes128CmSha1_80;
  auto key = keyFor(profile, 6);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key);
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, key);
  for (uint32_t ssrc = 1000; ssrc < 1010; ++ssrc) {
    for (uint16_t seq = 0; seq < 3; ++seq) {
      auto p = makeRtp(seq, ssrc, 50, 16);
      size_t len = 62;
      ASSERT_EQ(out->protectRtp(p, len), SrtpResult::kOk);
      ASSERT_EQ(in->unprotectRtp(p.data(), len), SrtpResult::kOk);
    }
  }
  EXPECT_TRUE(out->removeStream(1005));
  EXPECT_FALSE(out->removeStream(1005));
  EXPECT_TRUE(in->removeStream(1005));
  // A removed stream starts over from the template: works again.
  auto p = makeRtp(10, 1005, 50, 16);
  size_t len = 62;
  ASSERT_EQ(out->protectRtp(p, len), SrtpResult::kOk);
  EXPECT_EQ(in->unprotectRtp(p.data(), len), SrtpResult::kOk);
}

TEST(SrtpSessionTest, OldPacketOutsideReplayWindow) {
  const auto profile = SrtpProfile::kAeadAes128Gcm;
  auto key = keyFor(profile, 7);
  SrtpSession::Options options;
  options.replayWindow = 64;
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key, options);
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, key, options);
  auto old = makeRtp(1, 9, 20, 16);
  size_t oldLen = 32;
  ASSERT_EQ(out->protectRtp(old, oldLen), SrtpResult::kOk);
  for (uint16_t seq = 2; seq < 200; ++seq) {
    auto p = makeRtp(seq, 9, 20, 16);
    size_t len = 32;
    ASSERT_EQ(out->protectRtp(p, len), SrtpResult::kOk);
    ASSERT_EQ(in->unprotectRtp(p.data(), len), SrtpResult::kOk);
  }
  EXPECT_EQ(in->unprotectRtp(old.data(), oldLen), SrtpResult::kReplayOld);
}

}  // namespace
}  // namespace sfu::srtp
