#include "sfu/ice/stun_message.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "tests/unit/sfu/alloc_count.h"

namespace sfu::ice {
namespace {

using Bytes = std::vector<uint8_t>;

// RFC 5769 §2.1 sample request (username "evtj:h6vY", password "VOkJxbRl1RmTxUk/WvJxBt").
const Bytes kSampleRequest = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
    0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};
// RFC 5769 §2.2 sample IPv4 response: 192.0.2.1:32853.
const Bytes kSampleResponseV4 = {
    0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96};
// RFC 5769 §2.3 sample IPv6 response: [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const Bytes kSampleResponseV6 = {
    0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
    0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c};
constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
const TransactionId kTid = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

StunMessage mustParse(const Bytes& b) {
  auto r = StunMessage::parse(b);
  EXPECT_TRUE(r.ok()) << toString(r.error);
  return *r.message;
}

TEST(StunRfc5769, SampleRequest) {
  auto m = mustParse(kSampleRequest);
  EXPECT_TRUE(m.isBindingRequest());
  EXPECT_EQ(m.method(), kStunMethodBinding);
  EXPECT_EQ(m.messageClass(), StunClass::kRequest);
  EXPECT_EQ(m.transactionId(), kTid);
  EXPECT_EQ(m.username(), "evtj:h6vY");
  EXPECT_EQ(m.priority(), 0x6e0001ffu);
  EXPECT_EQ(m.iceControlled(), 0x932ff9b151263b36ull);
  EXPECT_FALSE(m.iceControlling());
  EXPECT_FALSE(m.useCandidate());
  EXPECT_TRUE(m.unknownRequired().empty());  // SOFTWARE is comprehension-optional
  EXPECT_TRUE(m.checkIntegrity(kPassword));
  EXPECT_FALSE(m.checkIntegrity("wrong"));
  EXPECT_TRUE(m.checkFingerprint());
}

TEST(StunRfc5769, SampleResponseIpv4) {
  auto m = mustParse(kSampleResponseV4);
  EXPECT_EQ(m.messageClass(), StunClass::kSuccess);
  ASSERT_TRUE(m.xorMappedAddress());
  EXPECT_EQ(*m.xorMappedAddress(), *net::Endpoint::parse("192.0.2.1:32853"));
  EXPECT_TRUE(m.checkIntegrity(kPassword));
  EXPECT_TRUE(m.checkFingerprint());
}

TEST(StunRfc5769, SampleResponseIpv6) {
  auto m = mustParse(kSampleResponseV6);
  ASSERT_TRUE(m.xorMappedAddress());
  EXPECT_EQ(*m.xorMappedAddress(),
            *net::Endpoint::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"));
  EXPECT_TRUE(m.checkIntegrity(kPassword));
  EXPECT_TRUE(m.checkFingerprint());
}

// Rebuilding the RFC vectors with the writer gives the same bytes (SOFTWARE padded with spaces
// in the RFC, so it is added raw with its padding bytes, as the RFC does).
TEST(StunRfc5769, BuildReproducesIpv4Response) {
  StunPacket p;
  StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kSuccess), kTid);
  w.addString(stun_attr::kSoftware, "test vector");
  p.data[20 + 4 + 11] = 0x20;  // RFC pads SOFTWARE with a space; we pad with zero
  w.addXorMappedAddress(*net::Endpoint::parse("192.0.2.1:32853"));
  w.addMessageIntegrity(kPassword);
  w.addFingerprint();
  ASSERT_TRUE(w.ok());
  auto out = w.finish();
  EXPECT_EQ(Bytes(out.begin(), out.end()), kSampleResponseV4);
}

TEST(StunRfc5769, BuildReproducesIpv6Response) {
  StunPacket p;
  StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kSuccess), kTid);
  w.addString(stun_attr::kSoftware, "test vector");
  p.data[20 + 4 + 11] = 0x20;
  w.addXorMappedAddress(*net::Endpoint::parse("[2001:db8:1234:5678:11:2233:4455:6677]:32853"));
  w.addMessageIntegrity(kPassword);
  w.addFingerprint();
  auto out = w.finish();
  EXPECT_EQ(Bytes(out.begin(), out.end()), kSampleResponseV6);
}

TEST(StunRfc5769, BuildReproducesRequest) {
  StunPacket p;
  StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kRequest), kTid);
  w.addString(stun_attr::kSoftware, "STUN test client");
  w.addPriority(0x6e0001ff);
  w.addIceControlled(0x932ff9b151263b36ull);
  w.addUsername("evtj:h6vY");
  for (int i = 0; i < 3; ++i) p.data[w.size() - 3 + i] = 0x20;
  w.addMessageIntegrity(kPassword);
  w.addFingerprint();
  auto out = w.finish();
  EXPECT_EQ(Bytes(out.begin(), out.end()), kSampleRequest);
}

TEST(StunMessage, TamperingBreaksIntegrityAndFingerprint) {
  Bytes b = kSampleRequest;
  b[46] ^= 0x01;  // inside the PRIORITY value, before MESSAGE-INTEGRITY
  auto m = mustParse(b);
  EXPECT_FALSE(m.checkIntegrity(kPassword));
  EXPECT_FALSE(m.checkFingerprint());
  Bytes f = kSampleRequest;
  f.back() ^= 0x01;  // the fingerprint itself
  auto m2 = mustParse(f);
  EXPECT_TRUE(m2.checkIntegrity(kPassword));
  EXPECT_FALSE(m2.checkFingerprint());
}

TEST(StunMessage, AbsentIntegrityAndFingerprintFail) {
  StunPacket p;
  StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kRequest), kTid);
  const Bytes b(w.finish().begin(), w.finish().end());
  auto m = mustParse(b);
  EXPECT_FALSE(m.hasIntegrity());
  EXPECT_FALSE(m.checkIntegrity(""));
  EXPECT_FALSE(m.checkFingerprint());
}

TEST(StunMessage, RoundTripAllAttributes) {
  StunPacket p;
  StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kError), kTid);
  w.addUsername("abcd:efgh");
  w.addPriority(12345);
  w.addUseCandidate();
  w.addIceControlling(0x0102030405060708ull);
  w.addXorMappedAddress(*net::Endpoint::parse("[::1]:9"));
  w.addErrorCode(487, "Role Conflict");
  const uint16_t unknown[] = {0x7777, 0x0033};
  w.addUnknownAttributes(unknown);
  w.addAttribute(0x7777, {});  // unknown comprehension-required: reported
  w.addAttribute(0xC057, {});  // unknown comprehension-optional: skipped silently
  w.addMessageIntegrity("key");
  w.addFingerprint();
  ASSERT_TRUE(w.ok());
  Bytes b(w.finish().begin(), w.finish().end());
  auto m = mustParse(b);
  EXPECT_EQ(m.messageClass(), StunClass::kError);
  EXPECT_EQ(m.username(), "abcd:efgh");
  EXPECT_EQ(m.priority(), 12345u);
  EXPECT_TRUE(m.useCandidate());
  EXPECT_EQ(m.iceControlling(), 0x0102030405060708ull);
  EXPECT_EQ(m.xorMappedAddress()->toString(), "[::1]:9");
  ASSERT_TRUE(m.errorCode());
  EXPECT_EQ(m.errorCode()->code, 487);
  EXPECT_EQ(m.errorCode()->reason, "Role Conflict");
  ASSERT_EQ(m.unknownRequired().size(), 1u);
  EXPECT_EQ(m.unknownRequired()[0], 0x7777);
  EXPECT_TRUE(m.checkIntegrity("key"));
  EXPECT_TRUE(m.checkFingerprint());
  EXPECT_TRUE(StunMessage::looksLikeStun(b));
}

TEST(StunMessage, AttributesAfterIntegrityIgnored) {
  StunPacket p;
  StunWriter w(p.data, stunType(kStunMethodBinding, StunClass::kRequest), kTid);
  w.addUsername("a:b");
  w.addMessageIntegrity("k");
  w.addPriority(7);  // RFC 8489 §14.5: ignored
  w.addFingerprint();
  const Bytes b(w.finish().begin(), w.finish().end());
  auto m = mustParse(b);
  EXPECT_FALSE(m.priority());
  EXPECT_TRUE(m.checkFingerprint());
  // Integrity covers only up to MESSAGE-INTEGRITY with the adjusted length.
  EXPECT_TRUE(m.checkIntegrity("k"));
}

TEST(StunMessage, WriterOverflowIsSticky) {
  std::array<uint8_t, 28> small{};
  StunWriter w(small, stunType(kStunMethodBinding, StunClass::kRequest), kTid);
  EXPECT_TRUE(w.addPriority(1));  // 20 + 8 = 28
  EXPECT_FALSE(w.addUseCandidate());
  EXPECT_FALSE(w.addPriority(2));
  EXPECT_FALSE(w.ok());
  EXPECT_TRUE(w.finish().empty());
}

// MESSAGE-INTEGRITY against OpenSSL's own HMAC, for keys shorter than, equal to and longer
// than the SHA-1 block (RFC 2104 §2: a longer key is hashed first).
TEST(StunMessage, IntegrityIsHmacSha1ForEveryKeyLength) {
  for (size_t key_len : {0, 1, 24, 63, 64, 65, 200}) {
    std::string key(key_len, 'k');
    for (size_t i = 0; i < key_len; ++i) key[i] = static_cast<char>('a' + i % 26);
    std::array<uint8_t, 256> buf{};
    StunWriter w(buf, stunType(kStunMethodBinding, StunClass::kRequest),
                 TransactionId{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    w.addUsername("user:name");
    ASSERT_TRUE(w.addMessageIntegrity(key));
    const auto msg = w.finish();
    ASSERT_GE(msg.size(), 24u);
    uint8_t want[EVP_MAX_MD_SIZE];
    unsigned int want_len = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg.data(), msg.size() - 24, want,
         &want_len);
    ASSERT_EQ(want_len, 20u);
    EXPECT_EQ(std::vector<uint8_t>(msg.end() - 20, msg.end()),
              std::vector<uint8_t>(want, want + 20))
        << "key length " << key_len;
    auto parsed = StunMessage::parse(msg);
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed.message->checkIntegrity(key));
  }
}

// Worker path: computing and checking MESSAGE-INTEGRITY and FINGERPRINT allocates nothing.
TEST(StunMessage, IntegrityAndFingerprintAllocateNothing) {
  if (!sfu::test::allocationCountingAvailable()) GTEST_SKIP() << "sanitizer allocator";
  std::array<uint8_t, 256> buf{};
  const TransactionId tid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  sfu::test::AllocationScope scope;
  for (int i = 0; i < 100; ++i) {
    StunWriter w(buf, stunType(kStunMethodBinding, StunClass::kSuccess), tid);
    w.addXorMappedAddress(*net::Endpoint::parse("192.0.2.1:32853"));
    w.addMessageIntegrity(i % 2 == 0 ? "VOkJxbRl1RmTxUk/WvJxBt" : "another-password-0123");
    w.addFingerprint();
    auto parsed = StunMessage::parse(w.finish());
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed.message->checkFingerprint());
    EXPECT_EQ(parsed.message->checkIntegrity("VOkJxbRl1RmTxUk/WvJxBt"), i % 2 == 0);
  }
  EXPECT_EQ(scope.count(), 0u);
}

TEST(StunMessage, Crc32MatchesZlib) {
  const std::string s = "123456789";
  EXPECT_EQ(stunCrc32({reinterpret_cast<const uint8_t*>(s.data()), s.size()}), 0xCBF43926u);
}

struct ParseCase {
  const char* name;
  Bytes bytes;
  StunParseError error;
};

Bytes header(uint16_t type, uint16_t len) {
  Bytes b = {static_cast<uint8_t>(type >> 8),
             static_cast<uint8_t>(type),
             static_cast<uint8_t>(len >> 8),
             static_cast<uint8_t>(len),
             0x21,
             0x12,
             0xa4,
             0x42};
  b.resize(20, 0xAB);
  return b;
}
Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(StunMessage, ParseErrors) {
  Bytes bad_cookie = header(0x0001, 0);
  bad_cookie[4] = 0;
  Bytes after_fp = kSampleRequest;
  after_fp[3] += 8;
  after_fp = concat(after_fp, {0x00, 0x24, 0x00, 0x04, 0, 0, 0, 1});
  const std::vector<ParseCase> cases = {
      {"empty", {}, StunParseError::kTooShort},
      {"short header", Bytes(kSampleRequest.begin(), kSampleRequest.begin() + 19),
       StunParseError::kTooShort},
      {"rtp first byte", concat(Bytes{0x80}, Bytes(19, 0)), StunParseError::kNotStun},
      {"bad cookie", bad_cookie, StunParseError::kBadMagicCookie},
      {"length not multiple of 4", concat(header(0x0001, 2), {0, 0}), StunParseError::kBadLength},
      {"length beyond datagram", header(0x0001, 4), StunParseError::kBadLength},
      {"datagram longer than length", concat(header(0x0001, 0), {0, 0, 0, 0}),
       StunParseError::kBadLength},
      {"attribute header truncated", concat(header(0x0001, 4), {0x00, 0x06, 0x00, 0x08}),
       StunParseError::kTruncatedAttribute},
      {"priority wrong length", concat(header(0x0001, 8), {0x00, 0x24, 0x00, 0x02, 1, 2, 0, 0}),
       StunParseError::kBadAttribute},
      {"integrity wrong length", concat(header(0x0001, 8), {0x00, 0x08, 0x00, 0x04, 1, 2, 3, 4}),
       StunParseError::kBadAttribute},
      {"xor address bad family",
       concat(header(0x0101, 12), {0x00, 0x20, 0x00, 0x08, 0, 3, 0, 0, 0, 0, 0, 0}),
       StunParseError::kBadAttribute},
      {"xor v6 too short",
       concat(header(0x0101, 12), {0x00, 0x20, 0x00, 0x08, 0, 2, 0, 0, 0, 0, 0, 0}),
       StunParseError::kBadAttribute},
      {"error code class 7", concat(header(0x0111, 8), {0x00, 0x09, 0x00, 0x04, 0, 0, 7, 0}),
       StunParseError::kBadAttribute},
      {"attribute after fingerprint", after_fp, StunParseError::kAfterFingerprint},
  };
  for (const auto& c : cases) {
    auto r = StunMessage::parse(c.bytes);
    EXPECT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error, c.error) << c.name << " got " << toString(r.error);
  }
}

}  // namespace
}  // namespace sfu::ice
