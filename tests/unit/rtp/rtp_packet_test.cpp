#include "rtp/rtp/rtp_packet.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "rtp/rtp/header_extensions.h"
#include "tests/unit/rtp/rtp_test_bytes.h"

namespace rtp {
namespace {

using test::hex;

// Header "80 60 | 00 01 | 00 00 00 02 | 00 00 00 03": pt 96, seq 1, ts 2, ssrc 3.
constexpr const char* kHdr = "80 60 0001 00000002 00000003";

struct Want {
  bool marker = false;
  uint8_t pt = 96;
  uint16_t seq = 1;
  uint32_t ts = 2;
  uint32_t ssrc = 3;
  uint8_t csrcCount = 0;
  size_t headerSize = 12;
  size_t payloadSize = 0;
  size_t paddingSize = 0;
  size_t extensionSize = 0;
  uint16_t profile = 0;
  bool canonical = true;  // builder reproduces the exact bytes
};

struct Case {
  std::string name;
  std::string bytes;
  Want want;
  RtpParseError error = RtpParseError::kNone;
};

std::vector<Case> parseCases() {
  const std::string h = kHdr;
  return {
      {"minimal_no_payload", h, {}},
      {"payload", h + "aabbcc", {.payloadSize = 3}},
      {"marker_pt111",
       "80ef 0001 00000002 00000003 aa",
       {.marker = true, .pt = 111, .payloadSize = 1}},
      {"max_fields",
       "807f ffff ffffffff ffffffff 00",
       {.pt = 127, .seq = 0xFFFF, .ts = 0xFFFFFFFF, .ssrc = 0xFFFFFFFF, .payloadSize = 1}},
      {"two_csrcs",
       "8260 0001 00000002 00000003 11111111 22222222 aa",
       {.csrcCount = 2, .headerSize = 20, .payloadSize = 1}},
      {"csrc_truncated",
       "8360 0001 00000002 00000003 11111111 22222222",
       {},
       RtpParseError::kBadCsrcCount},
      {"fifteen_csrcs_short", "8f60 0001 00000002 00000003", {}, RtpParseError::kBadCsrcCount},
      {"empty", "", {}, RtpParseError::kTooShort},
      {"eleven_bytes", "8060 0001 00000002 000000", {}, RtpParseError::kTooShort},
      {"version_0", "0060 0001 00000002 00000003", {}, RtpParseError::kBadVersion},
      {"version_1", "4060 0001 00000002 00000003", {}, RtpParseError::kBadVersion},
      {"version_3", "c060 0001 00000002 00000003", {}, RtpParseError::kBadVersion},
      {"one_byte_ext",
       "9060 0001 00000002 00000003 bede0001 10aa0000 bb",
       {.headerSize = 20, .payloadSize = 1, .extensionSize = 4, .profile = 0xBEDE}},
      {"ext_no_payload",
       "9060 0001 00000002 00000003 bede0001 10aa0000",
       {.headerSize = 20, .extensionSize = 4, .profile = 0xBEDE}},
      {"ext_zero_length",
       "9060 0001 00000002 00000003 abcd0000 ee",
       {.headerSize = 16, .payloadSize = 1, .profile = 0xABCD}},
      {"ext_header_truncated",
       "9060 0001 00000002 00000003 bede",
       {},
       RtpParseError::kBadExtensionLength},
      {"ext_length_past_end",
       "9060 0001 00000002 00000003 bede0002 10aa0000",
       {},
       RtpParseError::kBadExtensionLength},
      {"ext_length_huge",
       "9060 0001 00000002 00000003 bedeffff 10aa0000",
       {},
       RtpParseError::kBadExtensionLength},
      {"padding_3",
       "a060 0001 00000002 00000003 aabb 000003",
       {.payloadSize = 2, .paddingSize = 3}},
      {"padding_1", "a060 0001 00000002 00000003 aabb01", {.payloadSize = 2, .paddingSize = 1}},
      {"padding_count_into_header",
       "a060 0001 00000002 00000003 000004",
       {},
       RtpParseError::kBadPadding},
      {"padding_is_whole_payload", "a060 0001 00000002 00000003 000003", {.paddingSize = 3}},
      {"padding_exact_after_header", "a060 0001 00000002 00000003 00000004", {.paddingSize = 4}},
      {"padding_nonzero_content",
       "a060 0001 00000002 00000003 aa ffff03",
       {.payloadSize = 1, .paddingSize = 3, .canonical = false}},
      {"padding_zero_count", "a060 0001 00000002 00000003 aabb00", {}, RtpParseError::kBadPadding},
      {"padding_too_large", "a060 0001 00000002 00000003 aabb04", {}, RtpParseError::kBadPadding},
      {"padding_flag_no_bytes", "a060 0001 00000002 00000003", {}, RtpParseError::kBadPadding},
      {"padding_reaching_into_ext",
       "b060 0001 00000002 00000003 bede0001 10aa0002",
       {},
       RtpParseError::kBadPadding},
      {"all_features",
       "b2e0 0001 00000002 00000003 11111111 22222222 10000001 01020304 cafe01 0002",
       {.marker = true,
        .csrcCount = 2,
        .headerSize = 28,
        .payloadSize = 3,
        .paddingSize = 2,
        .extensionSize = 4,
        .profile = 0x1000}},
  };
}

class RtpPacketParse : public testing::TestWithParam<Case> {};

TEST_P(RtpPacketParse, Parses) {
  const Case& c = GetParam();
  std::vector<uint8_t> bytes = hex(c.bytes);
  auto r = RtpPacket::parse(bytes.data(), bytes.size(), bytes.size());
  ASSERT_EQ(r.error(), c.error) << toString(r.error());
  if (!r) return;
  const RtpPacket& p = r.value();
  const Want& w = c.want;
  EXPECT_EQ(p.marker(), w.marker);
  EXPECT_EQ(p.payloadType(), w.pt);
  EXPECT_EQ(p.sequenceNumber(), w.seq);
  EXPECT_EQ(p.timestamp(), w.ts);
  EXPECT_EQ(p.ssrc(), w.ssrc);
  EXPECT_EQ(p.csrcCount(), w.csrcCount);
  EXPECT_EQ(p.headerSize(), w.headerSize);
  EXPECT_EQ(p.payloadSize(), w.payloadSize);
  EXPECT_EQ(p.paddingSize(), w.paddingSize);
  EXPECT_EQ(p.extensionData().size(), w.extensionSize);
  EXPECT_EQ(p.extensionProfile(), w.profile);
  EXPECT_EQ(p.size(), bytes.size());
  EXPECT_EQ(p.headerSize() + p.payloadSize() + p.paddingSize(), p.size());
}

// parse → build → byte-equal, for every valid case whose encoding is canonical (the others are
// valid but have more than one encoding, so rebuilding them cannot be byte-equal).
void expectRoundTrip(const Case& c) {
  SCOPED_TRACE(c.name);
  std::vector<uint8_t> bytes = hex(c.bytes);
  auto r = RtpPacket::parse(bytes);
  ASSERT_TRUE(r);
  const RtpPacket& p = r.value();
  std::vector<uint32_t> csrcs;
  for (size_t i = 0; i < p.csrcCount(); ++i) csrcs.push_back(p.csrc(i));
  std::vector<uint8_t> out(bytes.size() + 16, 0xEE);
  RtpPacketBuilder b(out);
  b.setMarker(p.marker())
      .setPayloadType(p.payloadType())
      .setSequenceNumber(p.sequenceNumber())
      .setTimestamp(p.timestamp())
      .setSsrc(p.ssrc())
      .setCsrcs(csrcs)
      .setPayload(p.payload())
      .setPaddingSize(static_cast<uint8_t>(p.paddingSize()));
  if (p.hasExtension()) b.setRawExtension(p.extensionProfile(), p.extensionData());
  auto built = b.build();
  ASSERT_TRUE(built) << toString(built.error());
  EXPECT_EQ(b.size(), bytes.size());
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + built->size()), bytes);
}

TEST(RtpPacketRoundTrip, CanonicalCases) {
  size_t checked = 0;
  for (const Case& c : parseCases()) {
    if (c.error != RtpParseError::kNone || !c.want.canonical) continue;
    expectRoundTrip(c);
    ++checked;
  }
  EXPECT_GE(checked, 5u);
}

INSTANTIATE_TEST_SUITE_P(Table, RtpPacketParse, testing::ValuesIn(parseCases()),
                         [](const auto& info) { return info.param.name; });

TEST(RtpPacket, CapacitySmallerThanSize) {
  std::vector<uint8_t> bytes = hex(kHdr);
  EXPECT_EQ(RtpPacket::parse(bytes.data(), bytes.size(), 5).error(), RtpParseError::kBadCapacity);
  EXPECT_EQ(RtpPacket::parse(nullptr, 0, 0).error(), RtpParseError::kTooShort);
}

TEST(RtpPacket, SettersRewriteInPlace) {
  std::vector<uint8_t> bytes =
      hex("b2e0 0001 00000002 00000003 11111111 22222222 "
          "bede0001 10aa0000 cafe 02 02");
  auto r = RtpPacket::parse(bytes);
  ASSERT_TRUE(r);
  RtpPacket& p = r.value();
  p.setSsrc(0xDEADBEEF);
  p.setSequenceNumber(0xFFFE);
  p.setTimestamp(0x01020304);
  p.setPayloadType(0x7F + 1 + 8);  // masked to 7 bits
  p.setMarker(false);
  EXPECT_EQ(p.ssrc(), 0xDEADBEEFu);
  EXPECT_EQ(p.sequenceNumber(), 0xFFFE);
  EXPECT_EQ(p.timestamp(), 0x01020304u);
  EXPECT_EQ(p.payloadType(), 8);
  EXPECT_FALSE(p.marker());
  p.setMarker(true);
  EXPECT_TRUE(p.marker());
  EXPECT_EQ(p.payloadType(), 8);
  EXPECT_EQ(bytes, hex("b288 fffe 01020304 deadbeef 11111111 22222222 "
                       "bede0001 10aa0000 cafe 02 02"));
  auto again = RtpPacket::parse(bytes);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->csrc(1), 0x22222222u);
}

TEST(RtpPacket, LooksLikeRtcp) {
  struct C {
    const char* bytes;
    bool rtcp;
  } cases[] = {
      {"80c8 0006", true},  // SR
      {"81c9 0007", true},  // RR
      {"81cd 0003", true},  // RTPFB (205)
      {"81ce 0002", true},  // PSFB (206)
      {"80df", true},       // 223, top of the range
      {"8048", true},       // pt 72 without marker collides too (RFC 5761 §4)
      {"80e0", false},      // pt 96 with marker: RTP
      {"8060", false},      // pt 96
      {"80ef", false},      // pt 111 + marker
      {"8000", false},      // pt 0 PCMU
      {"80bf", false},      // 191 → pt 63
      {"00c8", false},      // version 0
      {"80", false},        // too short
      {"", false},
  };
  for (const auto& c : cases) {
    auto b = hex(c.bytes);
    EXPECT_EQ(looksLikeRtcp(b), c.rtcp) << c.bytes;
  }
}

TEST(RtpPacketBuilder, BuildsHeaderExtensionsPayloadPadding) {
  const uint8_t mid[] = {'0'};
  const uint8_t abs[] = {0x12, 0x34, 0x56};
  const uint8_t payload[] = {0xDE, 0xAD};
  const uint32_t csrcs[] = {0xAABBCCDD};
  uint8_t buf[64];
  RtpPacketBuilder b(buf);
  b.setMarker(true)
      .setPayloadType(96)
      .setSequenceNumber(0x1234)
      .setTimestamp(0x11223344)
      .setSsrc(0x55667788)
      .setCsrcs(csrcs)
      .addExtension(1, mid)
      .addExtension(3, abs)
      .setPayload(payload)
      .setPaddingSize(4);
  auto r = b.build();
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(std::vector<uint8_t>(buf, buf + r->size()),
            hex("b1e0 1234 11223344 55667788 aabbccdd bede0002 1030 32123456 0000 dead 00000004"));
  EXPECT_EQ(b.size(), r->size());
  auto found = findExtension(r.value(), 3);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->size(), 3u);
}

TEST(RtpPacketBuilder, ChoosesTwoByteForm) {
  const uint8_t big[17] = {};
  const uint8_t one[] = {7};
  struct C {
    const char* name;
    uint8_t id;
    std::span<const uint8_t> value;
    bool force;
    const char* block;
  } cases[] = {
      {"id_15", 15, one, false, "10000001 0f010700"},
      {"empty_value", 2, {}, false, "10000001 02000000"},
      {"seventeen_bytes", 1, big, false, "10000005 0111 000000000000000000000000000000000000"},
      {"forced", 1, one, true, "10000001 01010700"},
      {"one_byte", 1, one, false, "bede0001 10070000"},
  };
  for (const auto& c : cases) {
    uint8_t buf[128];
    auto r =
        RtpPacketBuilder(buf).addExtension(c.id, c.value).forceTwoByteExtensions(c.force).build();
    ASSERT_TRUE(r) << c.name;
    auto ext = std::vector<uint8_t>(buf + 12, buf + r->headerSize());
    EXPECT_EQ(ext, hex(c.block)) << c.name;
  }
}

TEST(RtpPacketBuilder, Errors) {
  uint8_t buf[64];
  const uint32_t csrcs[16] = {};
  EXPECT_EQ(RtpPacketBuilder(buf).setCsrcs(csrcs).build().error(), RtpParseError::kBadCsrcCount);
  EXPECT_EQ(RtpPacketBuilder(std::span<uint8_t>(buf, 11)).build().error(),
            RtpParseError::kTooShort);
  const uint8_t payload[60] = {};
  EXPECT_EQ(RtpPacketBuilder(buf).setPayload(payload).build().error(), RtpParseError::kTooShort);
  const uint8_t v[] = {1};
  EXPECT_EQ(RtpPacketBuilder(buf).addExtension(0, v).build().error(),
            RtpParseError::kBadExtensionLength);
  const uint8_t raw3[] = {1, 2, 3};
  EXPECT_EQ(RtpPacketBuilder(buf).setRawExtension(0xBEDE, raw3).build().error(),
            RtpParseError::kBadExtensionLength);
  RtpPacketBuilder many(buf);
  for (int i = 0; i < 17; ++i) many.addExtension(1, v);
  EXPECT_EQ(many.build().error(), RtpParseError::kBadExtensionLength);
  EXPECT_EQ(many.size(), 0u);
}

TEST(RtpPacket, ResizeExtensionMovesPayload) {
  std::vector<uint8_t> bytes = hex("a060 0001 00000002 00000003 aabbcc 0002");
  bytes.resize(64);
  auto r = RtpPacket::parse(bytes.data(), 17, bytes.size());
  ASSERT_TRUE(r);
  RtpPacket& p = r.value();
  ASSERT_TRUE(p.resizeExtension(0xBEDE, 8));
  EXPECT_TRUE(p.hasExtension());
  EXPECT_EQ(p.size(), 29u);
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 29),
            hex("b060 0001 00000002 00000003 bede0002 0000000000000000 aabbcc 0002"));
  // Shrink back to 4 bytes: the first bytes of the block stay.
  p.extensionData()[0] = 0x10;
  ASSERT_TRUE(p.resizeExtension(0xBEDE, 4));
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + p.size()),
            hex("b060 0001 00000002 00000003 bede0001 10000000 aabbcc 0002"));
  p.removeExtension();
  EXPECT_EQ(std::vector<uint8_t>(bytes.begin(), bytes.begin() + p.size()),
            hex("a060 0001 00000002 00000003 aabbcc 0002"));
  EXPECT_EQ(p.paddingSize(), 2u);
  // Parse of the result agrees with the view.
  auto re = RtpPacket::parse(bytes.data(), p.size(), bytes.size());
  ASSERT_TRUE(re);
  EXPECT_EQ(re->payloadSize(), 3u);
  // Not enough capacity: untouched.
  EXPECT_FALSE(p.resizeExtension(0xBEDE, 64));
  EXPECT_FALSE(p.resizeExtension(0xBEDE, 6));  // not a multiple of 4
  EXPECT_EQ(p.size(), 17u);
}

TEST(RtpPacket, SetPayloadSizeDropsPadding) {
  std::vector<uint8_t> bytes = hex("a060 0001 00000002 00000003 aabbcc 0002");
  bytes.resize(20);
  auto r = RtpPacket::parse(bytes.data(), 17, bytes.size());
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->setPayloadSize(8));
  EXPECT_FALSE(r->hasPadding());
  EXPECT_EQ(r->size(), 20u);
  EXPECT_FALSE(r->setPayloadSize(9));
  ASSERT_TRUE(r->setPayloadSize(1));
  EXPECT_EQ(r->payload()[0], 0xAA);
  EXPECT_EQ(r->size(), 13u);
}

}  // namespace
}  // namespace rtp
