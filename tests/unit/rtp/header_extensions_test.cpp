#include "rtp/rtp/header_extensions.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/rtp/rtp_test_bytes.h"

namespace rtp {
namespace {

using test::hex;

constexpr const char* kHdrX = "9060 0001 00000002 00000003 ";  // X=1
constexpr const char* kHdr = "8060 0001 00000002 00000003 ";   // X=0

// Owns a buffer with spare capacity and a parsed view over it.
struct Pkt {
  std::vector<uint8_t> buf;
  RtpPacket p;

  Pkt(const std::string& h, size_t spare = 64) : buf(hex(h)) {
    const size_t size = buf.size();
    buf.resize(size + spare, 0xEE);
    auto r = RtpPacket::parse(buf.data(), size, buf.size());
    EXPECT_TRUE(r) << toString(r.error());
    p = r.value();
  }
  std::vector<uint8_t> bytes() const { return {buf.begin(), buf.begin() + p.size()}; }
  std::vector<uint8_t> value(uint8_t id) const {
    auto v = findExtension(p, id);
    return v ? std::vector<uint8_t>(v->begin(), v->end()) : std::vector<uint8_t>{0xFF, 0xFF};
  }
};

using Elements = std::vector<std::pair<uint8_t, std::vector<uint8_t>>>;

struct WalkCase {
  std::string name;
  uint16_t profile;
  std::string block;
  Elements want;
  bool malformed = false;
};

std::vector<WalkCase> walkCases() {
  return {
      {"one_byte_single", 0xBEDE, "10aa0000", {{1, {0xAA}}}},
      {"one_byte_padding_between", 0xBEDE, "10aa 00 21bbcc 0000", {{1, {0xAA}}, {2, {0xBB, 0xCC}}}},
      {"one_byte_sixteen_bytes",
       0xBEDE,
       "ef 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 000000",
       {{14, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}}}},
      {"one_byte_id15_stops", 0xBEDE, "10aa f0 22bbccdd 00", {{1, {0xAA}}}},
      {"one_byte_overrun", 0xBEDE, "10aa 27bbccddeeff", {{1, {0xAA}}}, true},
      {"one_byte_id0_nonzero_len", 0xBEDE, "01aa0000", {}, true},
      {"one_byte_all_padding", 0xBEDE, "00000000", {}},
      {"two_byte_empty_and_two", 0x1000, "0100 0202aabb 0000", {{1, {}}, {2, {0xAA, 0xBB}}}},
      {"two_byte_appbits", 0x100F, "ff01cc00", {{255, {0xCC}}}},
      {"two_byte_padding_between",
       0x1000,
       "00 0101aa 00 1001bb 00000000",
       {{1, {0xAA}}, {16, {0xBB}}}},
      {"two_byte_overrun", 0x1000, "0503aabb", {}, true},
      {"two_byte_header_cut", 0x1000, "0101aa05", {{1, {0xAA}}}, true},
      {"other_profile", 0xABCD, "10aa0000", {}},
  };
}

class ExtensionWalk : public testing::TestWithParam<WalkCase> {};

TEST_P(ExtensionWalk, Elements) {
  const WalkCase& c = GetParam();
  const std::vector<uint8_t> block = hex(c.block);
  ExtensionReader reader(extensionForm(c.profile), block);
  Elements got;
  while (auto e = reader.next())
    got.emplace_back(e->id, std::vector(e->value.begin(), e->value.end()));
  EXPECT_EQ(got, c.want);
  EXPECT_EQ(reader.malformed(), c.malformed);
  // The same block inside a packet.
  char len[32];
  std::snprintf(len, sizeof len, "%04x%04zx", c.profile, block.size() / 4);
  Pkt pkt(std::string(kHdrX) + len + c.block + "aa");
  for (const auto& [id, value] : c.want) EXPECT_EQ(pkt.value(id), value) << int{id};
  EXPECT_FALSE(findExtension(pkt.p, 0));
  EXPECT_FALSE(findExtension(pkt.p, 99));
}

INSTANTIATE_TEST_SUITE_P(Table, ExtensionWalk, testing::ValuesIn(walkCases()),
                         [](const auto& info) { return info.param.name; });

struct SetCase {
  std::string name;
  std::string packet;
  uint8_t id;
  std::string value;
  std::string want;  // whole packet after
  ExtensionError error = ExtensionError::kNone;
};

std::vector<SetCase> setCases() {
  const std::string x = kHdrX;
  const std::string n = kHdr;
  return {
      {"replace_same_size", x + "bede0002 10aa21bb cc000000 99", 1, "11",
       x + "bede0002 101121bb cc000000 99"},
      {"replace_smaller_pads", x + "bede0001 22aabbcc 99", 2, "dd", x + "bede0001 20dd0000 99"},
      {"add_into_padding", x + "bede0001 10aa0000 99", 2, "bb", x + "bede0001 10aa20bb 99"},
      {"add_fills_padding", x + "bede0002 10aa21bb cc000000 99", 3, "0102",
       x + "bede0002 10aa21bb cc310102 99"},
      {"add_grows_block", x + "bede0001 10aa20bb 99", 3, "0102",
       x + "bede0002 10aa20bb 31010200 99"},
      {"add_to_bare_packet", n + "99", 5, "abcdef",
       "9060 0001 00000002 00000003 bede0001 52abcdef 99"},
      {"add_id15_switches_form", x + "bede0001 10aa0000 99", 15, "bb",
       x + "10000002 0101aa0f 01bb0000 99"},
      {"add_empty_switches_form", x + "bede0001 10aa0000 99", 2, "",
       x + "10000002 0101aa02 00000000 99"},
      {"replace_larger_rebuilds", x + "bede0002 10aa21bb cc000000 99", 1, "010203",
       x + "bede0002 21bbcc12 01020300 99"},
      {"two_byte_add", x + "10000001 0101aa00 99", 20, "", x + "10000002 0101aa14 00000000 99"},
      {"two_byte_replace_smaller", x + "10000001 0102aabb 99", 1, "", x + "10000001 01000000 99"},
      {"id0", x + "bede0001 10aa0000 99", 0, "bb", "", ExtensionError::kBadId},
      {"other_profile", x + "abcd0001 10aa0000 99", 1, "bb", "",
       ExtensionError::kUnsupportedProfile},
      {"malformed_block", x + "bede0001 13aa0000 99", 2, "bb", "", ExtensionError::kMalformed},
  };
}

class ExtensionSet : public testing::TestWithParam<SetCase> {};

TEST_P(ExtensionSet, Writes) {
  const SetCase& c = GetParam();
  Pkt pkt(c.packet);
  const auto before = pkt.bytes();
  const std::vector<uint8_t> value = hex(c.value);
  EXPECT_EQ(setExtension(pkt.p, c.id, value), c.error);
  if (c.error != ExtensionError::kNone) {
    EXPECT_EQ(pkt.bytes(), before);
    return;
  }
  EXPECT_EQ(pkt.bytes(), hex(c.want));
  EXPECT_EQ(pkt.value(c.id), value);
  // The view and a fresh parse agree.
  auto re = RtpPacket::parse(pkt.buf.data(), pkt.p.size(), pkt.buf.size());
  ASSERT_TRUE(re);
  EXPECT_EQ(re->payloadSize(), pkt.p.payloadSize());
  EXPECT_EQ(re->headerSize(), pkt.p.headerSize());
  EXPECT_EQ(pkt.p.payload()[0], 0x99);
}

INSTANTIATE_TEST_SUITE_P(Table, ExtensionSet, testing::ValuesIn(setCases()),
                         [](const auto& info) { return info.param.name; });

TEST(HeaderExtensions, SetWithoutCapacityLeavesPacket) {
  Pkt pkt(std::string(kHdrX) + "bede0001 10aa20bb 99", 0);
  const auto before = pkt.bytes();
  const uint8_t v[] = {1, 2};
  EXPECT_EQ(setExtension(pkt.p, 3, v), ExtensionError::kNoRoom);
  EXPECT_EQ(pkt.bytes(), before);
  const uint8_t tooBig[256] = {};
  EXPECT_EQ(setExtension(pkt.p, 3, tooBig), ExtensionError::kBadSize);
}

TEST(HeaderExtensions, Remove) {
  const std::string x = kHdrX;
  struct C {
    const char* name;
    std::string packet;
    uint8_t id;
    RemoveMode mode;
    std::string want;
    ExtensionError error = ExtensionError::kNone;
  } cases[] = {
      {"pad_one_byte", x + "bede0002 10aa21bb cc000000 99", 2, RemoveMode::kPad,
       x + "bede0002 10aa0000 00000000 99"},
      {"pad_two_byte", x + "10000001 0101aa00 99", 1, RemoveMode::kPad, x + "10000001 00000000 99"},
      {"shrink", x + "bede0003 10aa21bb cc320102 03000000 99", 2, RemoveMode::kShrink,
       x + "bede0002 10aa3201 02030000 99"},
      {"shrink_last_drops_block", x + "bede0001 10aa0000 99", 1, RemoveMode::kShrink,
       "8060 0001 00000002 00000003 99"},
      {"not_found", x + "bede0001 10aa0000 99", 2, RemoveMode::kPad, "", ExtensionError::kNotFound},
      {"no_block", std::string(kHdr) + "99", 1, RemoveMode::kPad, "", ExtensionError::kNotFound},
      {"malformed", x + "bede0001 10aa1300 99", 3, RemoveMode::kPad, "",
       ExtensionError::kMalformed},
  };
  for (const auto& c : cases) {
    Pkt pkt(c.packet);
    EXPECT_EQ(removeExtension(pkt.p, c.id, c.mode), c.error) << c.name;
    if (c.error == ExtensionError::kNone) {
      EXPECT_EQ(pkt.bytes(), hex(c.want)) << c.name;
      EXPECT_FALSE(findExtension(pkt.p, c.id)) << c.name;
    }
  }
}

TEST(HeaderExtensions, RewriteIds) {
  const std::string x = kHdrX;
  ExtensionIdMap inPlace;  // publisher 1(mid)→4, 2(abs)→2, 3(twcc)→dropped
  inPlace.set(1, 4);
  inPlace.set(2, 2);
  ExtensionIdMap wide = inPlace;  // mid → 20: needs the two-byte form
  wide.set(1, 20);
  struct C {
    const char* name;
    std::string packet;
    const ExtensionIdMap* map;
    std::string want;
  } cases[] = {
      {"one_byte_in_place", x + "bede0003 1030 22123456 310102 000000 99", &inPlace,
       x + "bede0003 4030 22123456 000000 000000 99"},
      {"one_byte_to_two_byte", x + "bede0003 1030 22123456 310102 000000 99", &wide,
       x + "10000002 14013002 03123456 99"},
      {"two_byte_in_place", x + "10000002 01013002 03123456 99", &wide,
       x + "10000002 14013002 03123456 99"},
      {"one_byte_tail_after_id15_zeroed", x + "bede0001 1030 f0ee 99", &inPlace,
       x + "bede0001 4030 0000 99"},
      {"malformed_tail_zeroed", x + "bede0001 1030 1fee 99", &inPlace, x + "bede0001 4030 0000 99"},
      {"no_extension", std::string(kHdr) + "99", &inPlace, std::string(kHdr) + "99"},
  };
  for (const auto& c : cases) {
    Pkt pkt(c.packet);
    EXPECT_EQ(rewriteExtensionIds(pkt.p, *c.map), ExtensionError::kNone) << c.name;
    EXPECT_EQ(pkt.bytes(), hex(c.want)) << c.name;
    EXPECT_EQ(pkt.p.payload()[0], 0x99) << c.name;
  }
  Pkt other(x + "abcd0001 10300000 99");
  EXPECT_EQ(rewriteExtensionIds(other.p, inPlace), ExtensionError::kUnsupportedProfile);
}

TEST(HeaderExtensions, IdMap) {
  ExtensionIdMap m;
  EXPECT_TRUE(m.oneByteSafe());
  EXPECT_EQ(m[5], 0);
  m.set(5, 14);
  EXPECT_TRUE(m.oneByteSafe());
  m.set(6, 15);
  EXPECT_FALSE(m.oneByteSafe());
  m.set(6, 0);
  EXPECT_TRUE(m.oneByteSafe());
  auto id = ExtensionIdMap::identity();
  EXPECT_EQ(id[200], 200);
  Pkt pkt(std::string(kHdrX) + "bede0001 10aa0000 99");
  const auto before = pkt.bytes();
  EXPECT_EQ(rewriteExtensionIds(pkt.p, id), ExtensionError::kNone);
  EXPECT_EQ(pkt.bytes(), before);
}

TEST(HeaderExtensions, WriterRejectsInvalid) {
  uint8_t buf[8];
  const uint8_t v2[] = {1, 2};
  ExtensionBlockWriter one(ExtensionForm::kOneByte, buf);
  EXPECT_FALSE(one.add(15, v2));
  EXPECT_FALSE(one.finish());
  const uint8_t v3[] = {1, 2, 3};
  ExtensionBlockWriter full(ExtensionForm::kTwoByte, std::span<uint8_t>(buf, 5));
  EXPECT_TRUE(full.add(1, v3));  // 5 bytes fit
  EXPECT_FALSE(full.finish());   // but not the padding to 8
  ExtensionBlockWriter tight(ExtensionForm::kTwoByte, std::span<uint8_t>(buf, 3));
  EXPECT_FALSE(tight.add(1, v2));
}

}  // namespace
}  // namespace rtp
