#include "rtp/rtp/extension_map.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/rtp/rtp_test_bytes.h"

namespace rtp {
namespace {

using test::hex;

TEST(ExtensionMap, UrisRoundTrip) {
  for (size_t t = 1; t < kExtensionTypeCount; ++t) {
    const auto type = static_cast<ExtensionType>(t);
    EXPECT_FALSE(extensionUri(type).empty());
    EXPECT_EQ(extensionTypeFromUri(extensionUri(type)), type) << extensionUri(type);
  }
  EXPECT_EQ(extensionTypeFromUri("urn:ietf:params:rtp-hdrext:toffset"), ExtensionType::kNone);
  EXPECT_EQ(extensionTypeFromUri(""), ExtensionType::kNone);
  EXPECT_EQ(extensionTypeFromUri("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-"
                                 "extensions-01"),
            ExtensionType::kTransportWideCc);
}

TEST(ExtensionMap, AddRemoveConflicts) {
  ExtensionMap m;
  EXPECT_TRUE(m.add("urn:ietf:params:rtp-hdrext:sdes:mid", 1));
  EXPECT_TRUE(m.add(ExtensionType::kAbsSendTime, 3));
  EXPECT_FALSE(m.add(ExtensionType::kTransportWideCc, 3));  // id taken
  EXPECT_FALSE(m.add("urn:example:unknown", 4));
  EXPECT_FALSE(m.add(ExtensionType::kRid, 0));
  EXPECT_FALSE(m.add(ExtensionType::kNone, 5));
  EXPECT_EQ(m.idOf(ExtensionType::kMid), 1);
  EXPECT_EQ(m.typeOf(3), ExtensionType::kAbsSendTime);
  EXPECT_FALSE(m.needsTwoByte());
  EXPECT_TRUE(m.add(ExtensionType::kMid, 16));  // moves
  EXPECT_EQ(m.typeOf(1), ExtensionType::kNone);
  EXPECT_EQ(m.typeOf(16), ExtensionType::kMid);
  EXPECT_TRUE(m.needsTwoByte());
  m.remove(ExtensionType::kMid);
  EXPECT_FALSE(m.has(ExtensionType::kMid));
  EXPECT_FALSE(m.needsTwoByte());
  m.clear();
  EXPECT_EQ(m.typeOf(3), ExtensionType::kNone);
}

TEST(ExtensionMap, Translation) {
  ExtensionMap pub;  // Chrome's usual numbering
  pub.add(ExtensionType::kAudioLevel, 1);
  pub.add(ExtensionType::kAbsSendTime, 2);
  pub.add(ExtensionType::kTransportWideCc, 3);
  pub.add(ExtensionType::kMid, 4);
  pub.add(ExtensionType::kRid, 10);
  ExtensionMap sub;
  sub.add(ExtensionType::kMid, 1);
  sub.add(ExtensionType::kAbsSendTime, 5);
  sub.add(ExtensionType::kTransportWideCc, 6);
  sub.add(ExtensionType::kAudioLevel, 9);
  const ExtensionIdMap all = makeIdTranslation(pub, sub);
  EXPECT_EQ(all[1], 9);
  EXPECT_EQ(all[2], 5);
  EXPECT_EQ(all[3], 6);
  EXPECT_EQ(all[4], 1);
  EXPECT_EQ(all[10], 0);  // subscriber did not negotiate rid
  const ExtensionType keep[] = {ExtensionType::kMid, ExtensionType::kAudioLevel};
  const ExtensionIdMap some = makeIdTranslation(pub, sub, keep);
  EXPECT_EQ(some[1], 9);
  EXPECT_EQ(some[2], 0);
  EXPECT_EQ(some[4], 1);
}

TEST(ExtensionValues, AudioLevel) {
  struct C {
    const char* bytes;
    std::optional<ext::AudioLevel> want;
  } cases[] = {
      {"80", ext::AudioLevel{true, 0}},
      {"7f", ext::AudioLevel{false, 127}},
      {"9e", ext::AudioLevel{true, 30}},
      {"9e00", ext::AudioLevel{true, 30}},  // two-byte form with padding
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    auto got = ext::readAudioLevel(hex(c.bytes));
    ASSERT_EQ(got.has_value(), c.want.has_value()) << c.bytes;
    if (!got) continue;
    EXPECT_EQ(got->voice, c.want->voice);
    EXPECT_EQ(got->level, c.want->level);
    if (std::string(c.bytes).size() == 2) {
      uint8_t out[1];
      ext::writeAudioLevel(out, *got);
      EXPECT_EQ(std::vector<uint8_t>(out, out + 1), hex(c.bytes));
    }
  }
}

TEST(ExtensionValues, AbsSendTime) {
  EXPECT_EQ(ext::absSendTimeFromMicros(1000000), 1u << 18);
  EXPECT_EQ(ext::absSendTimeFromMicros(64000000), 0u);  // wraps every 64 s
  EXPECT_EQ(ext::absSendTimeFromMicros(500000), 1u << 17);
  EXPECT_EQ(ext::absSendTimeToMicros(1u << 18), 1000000u);
  EXPECT_NEAR(static_cast<double>(ext::absSendTimeToMicros(ext::absSendTimeFromMicros(12345678))),
              12345678.0, 4.0);
  uint8_t out[3];
  ext::writeAbsSendTime(out, 0x123456);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 3), hex("123456"));
  EXPECT_EQ(ext::readAbsSendTime(hex("123456")), 0x123456u);
  EXPECT_FALSE(ext::readAbsSendTime(hex("1234")));
  EXPECT_FALSE(ext::readAbsSendTime(hex("12345678")));
}

TEST(ExtensionValues, TransportWideCc) {
  uint8_t out[2];
  ext::writeTransportWideCc(out, 0xBEEF);
  EXPECT_EQ(std::vector<uint8_t>(out, out + 2), hex("beef"));
  EXPECT_EQ(ext::readTransportWideCc(hex("beef")), 0xBEEF);
  EXPECT_FALSE(ext::readTransportWideCc(hex("be")));
}

TEST(ExtensionValues, VideoOrientation) {
  struct C {
    const char* bytes;
    bool back;
    bool flip;
    uint16_t rotation;
  } cases[] = {
      {"00", false, false, 0},  {"01", false, false, 90}, {"0a", true, false, 180},
      {"07", false, true, 270}, {"0f", true, true, 270},
  };
  for (const auto& c : cases) {
    auto got = ext::readVideoOrientation(hex(c.bytes));
    ASSERT_TRUE(got) << c.bytes;
    EXPECT_EQ(got->backCamera, c.back);
    EXPECT_EQ(got->flip, c.flip);
    EXPECT_EQ(got->rotation, c.rotation);
    uint8_t out[1];
    ext::writeVideoOrientation(out, *got);
    EXPECT_EQ(std::vector<uint8_t>(out, out + 1), hex(c.bytes));
  }
  EXPECT_FALSE(ext::readVideoOrientation({}));
}

TEST(ExtensionValues, PlayoutDelay) {
  auto got = ext::readPlayoutDelay(hex("00a064"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->min, 10);
  EXPECT_EQ(got->max, 100);
  uint8_t out[3];
  ext::writePlayoutDelay(out, {4095, 4095});
  EXPECT_EQ(std::vector<uint8_t>(out, out + 3), hex("ffffff"));
  ext::writePlayoutDelay(out, {0, 1});
  EXPECT_EQ(std::vector<uint8_t>(out, out + 3), hex("000001"));
  EXPECT_FALSE(ext::readPlayoutDelay(hex("0000")));
}

TEST(ExtensionValues, SdesStrings) {
  struct C {
    const char* bytes;
    std::optional<std::string> want;
  } cases[] = {
      {"30", "0"},
      {"6869", "hi"},
      {"6869 0000", "hi"},  // NUL-padded
      {"", std::nullopt},
      {"00", std::nullopt},
      {"68 20 69", std::nullopt},  // space
      {"68 ff", std::nullopt},
  };
  for (const auto& c : cases) {
    const std::vector<uint8_t> bytes = hex(c.bytes);
    auto got = ext::readSdesString(bytes);
    ASSERT_EQ(got.has_value(), c.want.has_value()) << c.bytes;
    if (got) {
      EXPECT_EQ(std::string(*got), *c.want);
    }
  }
  uint8_t out[4];
  EXPECT_EQ(ext::writeSdesString(out, "q"), 1u);
  EXPECT_EQ(out[0], 'q');
  EXPECT_EQ(ext::writeSdesString(out, "toolong"), 0u);
  EXPECT_EQ(ext::writeSdesString(out, ""), 0u);
}

TEST(ExtensionValues, DependencyDescriptor) {
  EXPECT_TRUE(ext::readDependencyDescriptor(hex("800001")));
  EXPECT_FALSE(ext::readDependencyDescriptor(hex("8000")));
}

// The typed values through a packet: what a publisher's video packet carries.
TEST(ExtensionValues, InPacket) {
  ExtensionMap m;
  m.add(ExtensionType::kMid, 4);
  m.add(ExtensionType::kRid, 10);
  m.add(ExtensionType::kAbsSendTime, 2);
  m.add(ExtensionType::kTransportWideCc, 3);
  uint8_t abs[3];
  ext::writeAbsSendTime(abs, ext::absSendTimeFromMicros(2000000));
  uint8_t twcc[2];
  ext::writeTransportWideCc(twcc, 77);
  const uint8_t mid[] = {'1'};
  const uint8_t rid[] = {'h'};
  uint8_t buf[128];
  auto r = RtpPacketBuilder(buf)
               .setPayloadType(96)
               .addExtension(m.idOf(ExtensionType::kMid), mid)
               .addExtension(m.idOf(ExtensionType::kRid), rid)
               .addExtension(m.idOf(ExtensionType::kAbsSendTime), abs)
               .addExtension(m.idOf(ExtensionType::kTransportWideCc), twcc)
               .build();
  ASSERT_TRUE(r);
  const RtpPacket& p = r.value();
  EXPECT_EQ(ext::readSdesString(*findExtension(p, 4)), "1");
  EXPECT_EQ(ext::readSdesString(*findExtension(p, 10)), "h");
  EXPECT_EQ(ext::readAbsSendTime(*findExtension(p, 2)), 2u << 18);
  EXPECT_EQ(ext::readTransportWideCc(*findExtension(p, 3)), 77);
}

}  // namespace
}  // namespace rtp
