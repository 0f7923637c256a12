// Our AEAD-AES-GCM SRTP (sfu/srtp/gcm_srtp.h) against libsrtp2 itself, both ways: identical
// ciphertext for the same input, and each side unprotects what the other protected.
#include "sfu/srtp/gcm_srtp.h"

#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "rtp/common/byte_io.h"
#include "sfu/srtp/replay_window.h"
#include "sfu/srtp/srtp_session.h"

namespace sfu::srtp {
namespace {

constexpr size_t kTail = SrtpSession::kMaxTrailer;

std::vector<uint8_t> masterKey(SrtpProfile profile, uint8_t seed) {
  auto info = srtpProfileInfo(profile);
  std::vector<uint8_t> key(info.keyLength + info.saltLength);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(seed * 31 + i * 5);
  return key;
}

struct LibsrtpDeleter {
  void operator()(srtp_ctx_t_* ctx) const { srtp_dealloc(ctx); }
};
using Libsrtp = std::unique_ptr<srtp_ctx_t_, LibsrtpDeleter>;

// A libsrtp2 session built directly from its API, as a reference implementation.
Libsrtp makeLibsrtp(SrtpProfile profile, SrtpDirection direction, std::vector<uint8_t> key,
                    bool allowRepeatTx = false) {
  SrtpSession::initLibrary();
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof(policy));
  if (profile == SrtpProfile::kAeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
  }
  policy.ssrc.type = direction == SrtpDirection::kInbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.key = key.data();
  policy.window_size = 1024;
  policy.allow_repeat_tx = allowRepeatTx ? 1 : 0;
  srtp_t ctx = nullptr;
  if (srtp_create(&ctx, &policy) != srtp_err_status_ok) return nullptr;
  return Libsrtp(ctx);
}

std::unique_ptr<GcmSrtp> makeOurs(SrtpProfile profile, SrtpDirection direction,
                                  const std::vector<uint8_t>& key,
                                  SrtpSession::Options options = {}) {
  return GcmSrtp::create(direction, profile, key, options);
}

// RTP with optional CSRCs, a one-byte-header extension and padding (RFC 3550 §5.1, §5.3.1).
struct RtpShape {
  uint8_t csrcs = 0;
  uint16_t extWords = 0;  // 0 = no extension
  uint8_t padding = 0;    // padding octets (last one holds the count), P bit set when > 0
  size_t payload = 100;
};

std::vector<uint8_t> buildRtp(const RtpShape& s, uint16_t seq, uint32_t ssrc) {
  std::vector<uint8_t> p;
  p.push_back(
      static_cast<uint8_t>(0x80 | (s.padding ? 0x20 : 0) | (s.extWords ? 0x10 : 0) | s.csrcs));
  p.push_back(0x60 | 0x80);
  p.resize(12);
  rtp::store16(&p[2], seq);
  rtp::store32(&p[4], 3000u * seq);
  rtp::store32(&p[8], ssrc);
  for (uint8_t i = 0; i < s.csrcs; ++i) {
    p.resize(p.size() + 4);
    rtp::store32(&p[p.size() - 4], 0xc0000000u + i);
  }
  if (s.extWords) {
    const size_t at = p.size();
    p.resize(at + 4 + 4 * size_t{s.extWords});
    rtp::store16(&p[at], 0xbede);
    rtp::store16(&p[at + 2], s.extWords);
    for (size_t i = at + 4; i < p.size(); ++i) p[i] = static_cast<uint8_t>(i);
  }
  for (size_t i = 0; i < s.payload; ++i) p.push_back(static_cast<uint8_t>(i * 11 + seq));
  for (uint8_t i = 0; i < s.padding; ++i) p.push_back(i + 1 == s.padding ? s.padding : 0);
  return p;
}

struct Shaped {
  std::string name;
  RtpShape shape;
};

const std::vector<Shaped> kShapes = {
    {"plain", {}},
    {"csrcs", {3, 0, 0, 200}},
    {"extension", {0, 2, 0, 1100}},
    {"csrcs_extension_padding", {2, 1, 4, 60}},
    {"empty_payload", {0, 0, 0, 0}},
};

class GcmInteropTest : public ::testing::TestWithParam<SrtpProfile> {};

TEST_P(GcmInteropTest, RtpSameCiphertextAndBothWays) {
  const SrtpProfile profile = GetParam();
  const auto key = masterKey(profile, 1);
  auto oursOut = makeOurs(profile, SrtpDirection::kOutbound, key);
  auto oursIn = makeOurs(profile, SrtpDirection::kInbound, key);
  auto libOut = makeLibsrtp(profile, SrtpDirection::kOutbound, key);
  auto libIn = makeLibsrtp(profile, SrtpDirection::kInbound, key);
  ASSERT_TRUE(oursOut && oursIn && libOut && libIn);
  uint16_t seq = 1000;
  for (const auto& c : kShapes) {
    SCOPED_TRACE(c.name);
    const auto plain = buildRtp(c.shape, seq++, 0x11223344);
    auto a = plain;
    a.resize(plain.size() + kTail);
    size_t aLen = plain.size();
    ASSERT_EQ(oursOut->protectRtp(a, aLen), SrtpResult::kOk);
    ASSERT_EQ(aLen, plain.size() + kGcmTagLength);
    auto b = plain;
    b.resize(plain.size() + kTail);
    int bLen = static_cast<int>(plain.size());
    ASSERT_EQ(srtp_protect(libOut.get(), b.data(), &bLen), srtp_err_status_ok);
    ASSERT_EQ(static_cast<size_t>(bLen), aLen);
    EXPECT_EQ(std::vector<uint8_t>(a.begin(), a.begin() + aLen),
              std::vector<uint8_t>(b.begin(), b.begin() + bLen));

    // ours -> libsrtp
    int libLen = static_cast<int>(aLen);
    auto forLib = a;
    ASSERT_EQ(srtp_unprotect(libIn.get(), forLib.data(), &libLen), srtp_err_status_ok);
    EXPECT_EQ(std::vector<uint8_t>(forLib.begin(), forLib.begin() + libLen), plain);
    // libsrtp -> ours
    size_t ourLen = static_cast<size_t>(bLen);
    ASSERT_EQ(oursIn->unprotectRtp(b.data(), ourLen), SrtpResult::kOk);
    EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + ourLen), plain);
  }
}

TEST_P(GcmInteropTest, RtcpBothWays) {
  const SrtpProfile profile = GetParam();
  const auto key = masterKey(profile, 2);
  auto oursOut = makeOurs(profile, SrtpDirection::kOutbound, key);
  auto oursIn = makeOurs(profile, SrtpDirection::kInbound, key);
  auto libOut = makeLibsrtp(profile, SrtpDirection::kOutbound, key);
  auto libIn = makeLibsrtp(profile, SrtpDirection::kInbound, key);
  ASSERT_TRUE(oursOut && oursIn && libOut && libIn);
  for (size_t body : {size_t{0}, size_t{24}, size_t{76}}) {
    SCOPED_TRACE(body);
    std::vector<uint8_t> plain(8 + body);
    plain[0] = 0x81;
    plain[1] = 201;
    rtp::store16(&plain[2], static_cast<uint16_t>((plain.size() / 4) - 1));
    rtp::store32(&plain[4], 0xabcdef01);
    for (size_t i = 8; i < plain.size(); ++i) plain[i] = static_cast<uint8_t>(i * 3);

    auto a = plain;
    a.resize(plain.size() + kTail);
    size_t aLen = plain.size();
    ASSERT_EQ(oursOut->protectRtcp(a, aLen), SrtpResult::kOk);
    ASSERT_EQ(aLen, plain.size() + 20);
    EXPECT_EQ(a[aLen - 4] & 0x80, 0x80);  // E flag
    int libLen = static_cast<int>(aLen);
    ASSERT_EQ(srtp_unprotect_rtcp(libIn.get(), a.data(), &libLen), srtp_err_status_ok);
    EXPECT_EQ(std::vector<uint8_t>(a.begin(), a.begin() + libLen), plain);

    auto b = plain;
    b.resize(plain.size() + kTail);
    int bLen = static_cast<int>(plain.size());
    ASSERT_EQ(srtp_protect_rtcp(libOut.get(), b.data(), &bLen), srtp_err_status_ok);
    ASSERT_EQ(static_cast<size_t>(bLen), plain.size() + 20);
    size_t ourLen = static_cast<size_t>(bLen);
    ASSERT_EQ(oursIn->unprotectRtcp(b.data(), ourLen), SrtpResult::kOk);
    EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + ourLen), plain);
  }
}

// Sequence numbers 65530..65535, 0..5 (ROC 0 -> 1), then a late packet from before the wrap.
TEST_P(GcmInteropTest, RolloverBothWays) {
  const SrtpProfile profile = GetParam();
  const auto key = masterKey(profile, 3);
  auto oursOut = makeOurs(profile, SrtpDirection::kOutbound, key);
  auto oursIn = makeOurs(profile, SrtpDirection::kInbound, key);
  auto libOut = makeLibsrtp(profile, SrtpDirection::kOutbound, key);
  auto libIn = makeLibsrtp(profile, SrtpDirection::kInbound, key);
  const uint32_t ssrc = 0x5eed;
  std::vector<uint16_t> seqs;
  for (uint32_t s = 65500; s < 65536 + 6; ++s) seqs.push_back(static_cast<uint16_t>(s));
  std::vector<std::vector<uint8_t>> heldOurs, heldLib;
  for (uint16_t seq : seqs) {
    SCOPED_TRACE(seq);
    const auto plain = buildRtp({0, 1, 0, 40}, seq, ssrc);
    auto a = plain;
    a.resize(plain.size() + kTail);
    size_t aLen = plain.size();
    ASSERT_EQ(oursOut->protectRtp(a, aLen), SrtpResult::kOk);
    a.resize(aLen);
    auto b = plain;
    b.resize(plain.size() + kTail);
    int bLen = static_cast<int>(plain.size());
    ASSERT_EQ(srtp_protect(libOut.get(), b.data(), &bLen), srtp_err_status_ok);
    b.resize(static_cast<size_t>(bLen));
    EXPECT_EQ(a, b);
    if (seq == 65534) {  // delivered late, after the wrap
      heldOurs.push_back(a);
      heldLib.push_back(b);
      continue;
    }
    int libLen = static_cast<int>(a.size());
    ASSERT_EQ(srtp_unprotect(libIn.get(), a.data(), &libLen), srtp_err_status_ok);
    size_t ourLen = b.size();
    ASSERT_EQ(oursIn->unprotectRtp(b.data(), ourLen), SrtpResult::kOk);
    EXPECT_EQ(std::vector<uint8_t>(b.begin(), b.begin() + ourLen), plain);
  }
  EXPECT_EQ(oursOut->rolloverCounter(ssrc), 1u);
  EXPECT_EQ(oursIn->rolloverCounter(ssrc), 1u);
  int libLen = static_cast<int>(heldOurs[0].size());
  EXPECT_EQ(srtp_unprotect(libIn.get(), heldOurs[0].data(), &libLen), srtp_err_status_ok);
  size_t ourLen = heldLib[0].size();
  EXPECT_EQ(oursIn->unprotectRtp(heldLib[0].data(), ourLen), SrtpResult::kOk);
  EXPECT_EQ(oursIn->rolloverCounter(ssrc), 1u);
}

// A retransmission protected again (allowRepeatTx) is byte-identical and libsrtp agrees.
TEST_P(GcmInteropTest, RepeatTransmission) {
  const SrtpProfile profile = GetParam();
  const auto key = masterKey(profile, 4);
  SrtpSession::Options allow;
  SrtpSession::Options forbid;
  forbid.allowRepeatTx = false;
  auto oursAllow = makeOurs(profile, SrtpDirection::kOutbound, key, allow);
  auto oursForbid = makeOurs(profile, SrtpDirection::kOutbound, key, forbid);
  auto libOut = makeLibsrtp(profile, SrtpDirection::kOutbound, key, true);
  for (uint16_t seq : {10, 11, 12}) {
    for (auto* out : {oursAllow.get(), oursForbid.get()}) {
      auto p = buildRtp({}, seq, 9);
      size_t len = p.size();
      p.resize(len + kTail);
      ASSERT_EQ(out->protectRtp(p, len), SrtpResult::kOk);
    }
  }
  auto again = buildRtp({}, 11, 9);
  const size_t plainLen = again.size();
  again.resize(plainLen + kTail);
  auto copy = again;
  size_t len = plainLen;
  EXPECT_EQ(oursForbid->protectRtp(copy, len), SrtpResult::kReplay);
  len = plainLen;
  ASSERT_EQ(oursAllow->protectRtp(again, len), SrtpResult::kOk);
  // libsrtp, after 10 and 12, protects 11 twice: same bytes as ours.
  for (uint16_t seq : {10, 12, 11, 11}) {
    auto p = buildRtp({}, seq, 9);
    int bLen = static_cast<int>(p.size());
    p.resize(p.size() + kTail);
    ASSERT_EQ(srtp_protect(libOut.get(), p.data(), &bLen), srtp_err_status_ok);
    if (seq == 11) {
      EXPECT_EQ(std::vector<uint8_t>(p.begin(), p.begin() + bLen),
                std::vector<uint8_t>(again.begin(), again.begin() + len));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, GcmInteropTest,
                         ::testing::Values(SrtpProfile::kAeadAes128Gcm,
                                           SrtpProfile::kAeadAes256Gcm),
                         [](const auto& info) {
                           return std::string(srtpProfileInfo(info.param).name).substr(5);
                         });

// Error results of our implementation (through SrtpSession, which dispatches GCM to it).
TEST(GcmSrtpTest, ErrorResults) {
  const auto profile = SrtpProfile::kAeadAes128Gcm;
  const auto key = masterKey(profile, 5);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key);
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, key);
  ASSERT_TRUE(out && in);

  auto protect = [&](uint16_t seq, RtpShape shape = {}) {
    auto p = buildRtp(shape, seq, 77);
    size_t len = p.size();
    p.resize(len + kTail);
    EXPECT_EQ(out->protectRtp(p, len), SrtpResult::kOk);
    p.resize(len);
    return p;
  };
  struct Case {
    std::string name;
    std::vector<uint8_t> bytes;
    SrtpResult want;
  };
  auto tamperedTag = protect(1);
  tamperedTag.back() ^= 0x01;
  auto tamperedHeader = protect(2, {1, 1, 0, 30});
  tamperedHeader[13] ^= 0x80;  // inside the CSRC (AAD)
  auto tamperedExt = protect(3, {0, 2, 0, 30});
  tamperedExt[20] ^= 0x02;
  auto truncated = protect(4);
  truncated.resize(12 + kGcmTagLength - 1);
  auto badExtLength = protect(5, {0, 1, 0, 4});
  rtp::store16(&badExtLength[14], 200);  // extension longer than the packet
  auto badVersion = protect(6);
  badVersion[0] = 0x40;
  auto good = protect(7);
  auto replay = good;
  const std::vector<Case> cases = {
      {"tampered tag", tamperedTag, SrtpResult::kAuthFail},
      {"tampered csrc", tamperedHeader, SrtpResult::kAuthFail},
      {"tampered extension", tamperedExt, SrtpResult::kAuthFail},
      {"truncated", truncated, SrtpResult::kBadPacket},
      {"extension beyond packet", badExtLength, SrtpResult::kBadPacket},
      {"version 1", badVersion, SrtpResult::kBadPacket},
      {"good", good, SrtpResult::kOk},
      {"duplicate", replay, SrtpResult::kReplay},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bytes = c.bytes;
    size_t len = bytes.size();
    EXPECT_EQ(in->unprotectRtp(bytes.data(), len), c.want);
  }

  // Tailroom too small for the tag / the SRTCP trailer.
  auto p = buildRtp({}, 8, 77);
  const size_t plainLen = p.size();
  p.resize(plainLen + kGcmTagLength - 1);
  size_t len = plainLen;
  EXPECT_EQ(out->protectRtp(p, len), SrtpResult::kNoBuffer);
  std::vector<uint8_t> rtcp(8 + 19, 0);
  rtcp[0] = 0x80;
  rtcp[1] = 200;
  len = 8;
  EXPECT_EQ(out->protectRtcp(rtcp, len), SrtpResult::kNoBuffer);

  // SRTCP: tampered index word, replay, truncated.
  std::vector<uint8_t> sr(8 + 20 + kTail, 0);
  sr[0] = 0x80;
  sr[1] = 201;
  rtp::store16(&sr[2], 1);
  rtp::store32(&sr[4], 99);
  len = 8;
  ASSERT_EQ(out->protectRtcp(sr, len), SrtpResult::kOk);
  sr.resize(len);
  auto badIndex = sr;
  badIndex[len - 1] ^= 0x01;
  size_t l = len;
  EXPECT_EQ(in->unprotectRtcp(badIndex.data(), l), SrtpResult::kAuthFail);
  auto okCopy = sr;
  l = len;
  EXPECT_EQ(in->unprotectRtcp(okCopy.data(), l), SrtpResult::kOk);
  okCopy = sr;
  l = len;
  EXPECT_EQ(in->unprotectRtcp(okCopy.data(), l), SrtpResult::kReplay);
  l = 27;
  EXPECT_EQ(in->unprotectRtcp(sr.data(), l), SrtpResult::kBadPacket);
}

// SrtpSession dispatches GCM to ours by default; Options::libsrtpForGcm keeps libsrtp2. Both
// backends behind the same API talk to each other.
TEST(GcmSrtpTest, SessionBackendsInteroperate) {
  for (auto profile : {SrtpProfile::kAeadAes128Gcm, SrtpProfile::kAeadAes256Gcm}) {
    SCOPED_TRACE(srtpProfileInfo(profile).name);
    const auto key = masterKey(profile, 8);
    SrtpSession::Options lib;
    lib.libsrtpForGcm = true;
    auto oursOut = SrtpSession::create(SrtpDirection::kOutbound, profile, key);
    auto libIn = SrtpSession::create(SrtpDirection::kInbound, profile, key, lib);
    auto libOut = SrtpSession::create(SrtpDirection::kOutbound, profile, key, lib);
    auto oursIn = SrtpSession::create(SrtpDirection::kInbound, profile, key);
    ASSERT_TRUE(oursOut && libIn && libOut && oursIn);
    for (uint16_t seq = 1; seq < 4; ++seq) {
      const auto plain = buildRtp({1, 1, 0, 300}, seq, 0x77);
      for (auto [out, in] :
           {std::pair{oursOut.get(), libIn.get()}, std::pair{libOut.get(), oursIn.get()}}) {
        auto p = plain;
        p.resize(plain.size() + kTail);
        size_t len = plain.size();
        ASSERT_EQ(out->protectRtp(p, len), SrtpResult::kOk);
        ASSERT_EQ(in->unprotectRtp(p.data(), len), SrtpResult::kOk);
        EXPECT_EQ(std::vector<uint8_t>(p.begin(), p.begin() + len), plain);
      }
    }
  }
}

TEST(GcmSrtpTest, ForgedSsrcCreatesNoStream) {
  const auto profile = SrtpProfile::kAeadAes256Gcm;
  auto in = makeOurs(profile, SrtpDirection::kInbound, masterKey(profile, 6));
  auto p = buildRtp({}, 5, 1234);
  p.resize(p.size() + kGcmTagLength);
  size_t len = p.size();
  EXPECT_EQ(in->unprotectRtp(p.data(), len), SrtpResult::kAuthFail);
  EXPECT_FALSE(in->removeStream(1234));
}

TEST(ReplayWindowTest, Table) {
  struct Step {
    uint64_t index;
    ReplayWindow::Check want;
  };
  ReplayWindow w(64);
  const std::vector<Step> steps = {
      {100, ReplayWindow::Check::kNew},    {100, ReplayWindow::Check::kSeen},
      {99, ReplayWindow::Check::kNew},     {101, ReplayWindow::Check::kNew},
      {38, ReplayWindow::Check::kNew},     {37, ReplayWindow::Check::kTooOld},
      {500, ReplayWindow::Check::kNew},    {437, ReplayWindow::Check::kNew},
      {436, ReplayWindow::Check::kTooOld}, {101, ReplayWindow::Check::kTooOld},
      {499, ReplayWindow::Check::kNew},    {499, ReplayWindow::Check::kSeen},
  };
  for (const auto& s : steps) {
    SCOPED_TRACE(s.index);
    EXPECT_EQ(w.check(s.index), s.want);
    if (s.want == ReplayWindow::Check::kNew) w.add(s.index);
  }
}

}  // namespace
}  // namespace sfu::srtp
