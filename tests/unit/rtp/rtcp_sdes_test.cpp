// SDES (RFC 3550 §6.5).
#include <gtest/gtest.h>

#include <string>

#include "rtcp_test_util.h"
#include "rtp/rtcp/sdes.h"

namespace rtp::rtcp {
namespace {

using testing::build;
using testing::Bytes;
using testing::hex;
using testing::parseAs;

struct WantItem {
  uint32_t ssrc;
  uint8_t type;
  std::string text;
  bool operator==(const WantItem&) const = default;
};

struct SdesCase {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  std::vector<WantItem> items;
  size_t chunks = 0;
  bool round_trip = true;
};

std::vector<WantItem> collect(const SdesView& view) {
  std::vector<WantItem> out;
  view.forEachChunk([&](uint32_t ssrc, SdesItemRange items) {
    for (const SdesItem item : items) out.push_back({ssrc, item.type, std::string(item.text)});
  });
  return out;
}

TEST(RtcpSdes, Table) {
  const std::vector<SdesCase> cases = {
      // CNAME "abc": 4 (ssrc) + 2 + 3 + END = 10 -> padded to 12.
      {"cname",
       hex("81ca 0003 11223344 0103 616263 00 0000"),
       std::nullopt,
       {{0x11223344, 1, "abc"}},
       1},
      // Items end exactly on a word: a whole null word follows (END + 3 pad).
      {"cname exact word",
       hex("81ca 0003 11223344 0102 6162 00000000"),
       std::nullopt,
       {{0x11223344, 1, "ab"}},
       1},
      {"two items",
       hex("81ca 0003 11223344 0101 61 0602 7878 00"),
       std::nullopt,
       {{0x11223344, 1, "a"}, {0x11223344, 6, "xx"}},
       1},
      {"two chunks",
       hex("82ca 0005 11223344 0101 61 00 55667788 0103 626364 00 0000"),
       std::nullopt,
       {{0x11223344, 1, "a"}, {0x55667788, 1, "bcd"}},
       2},
      {"empty chunk", hex("81ca 0002 11223344 00000000"), std::nullopt, {}, 1},
      {"no chunks", hex("80ca 0000"), std::nullopt, {}, 0},
      {"empty text", hex("81ca 0002 11223344 0100 0000"), std::nullopt, {{0x11223344, 1, ""}}, 1},
      {"padded",
       hex("a1ca 0004 11223344 0103 616263 00 0000 00000004"),
       std::nullopt,
       {{0x11223344, 1, "abc"}},
       1,
       false},
      {"item overruns", hex("81ca 0002 11223344 0109 6162"), ParseError::kBadItem},
      {"no END octet", hex("81ca 0002 11223344 0102 6162"), ParseError::kBadItem},
      {"item header cut", hex("81ca 0002 11223344 01016105"), ParseError::kBadItem},
      {"SC too large", hex("82ca 0003 11223344 0103 616263 00 0000"), ParseError::kBadLength},
      {"SC too small", hex("81ca 0003 11223344 0101 61 00 55667788"), ParseError::kBadCount},
      {"truncated", testing::cut(hex("81ca 0003 11223344 0103 616263 00 0000"), 4),
       ParseError::kTruncated},
      {"wrong version", hex("41ca 0002 11223344 00000000"), ParseError::kBadVersion},
      {"wrong type", hex("81cb 0002 11223344 00000000"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto sdes = parseAs<SdesView>(c.bytes);
    ASSERT_EQ(sdes.ok(), !c.error.has_value()) << (sdes ? "ok" : toString(sdes.error()));
    if (c.error) {
      EXPECT_EQ(sdes.error(), *c.error);
      continue;
    }
    EXPECT_EQ(sdes->chunkCount(), c.chunks);
    EXPECT_EQ(collect(*sdes), c.items);
    if (!c.round_trip) continue;
    // Rebuild chunk by chunk from the view.
    std::vector<std::vector<SdesItem>> items;
    std::vector<uint32_t> ssrcs;
    sdes->forEachChunk([&](uint32_t ssrc, SdesItemRange range) {
      ssrcs.push_back(ssrc);
      items.emplace_back(range.begin(), range.end());
    });
    std::vector<SdesChunk> chunks;
    for (size_t i = 0; i < ssrcs.size(); ++i) chunks.push_back({ssrcs[i], items[i]});
    EXPECT_EQ(build(Sdes{chunks}), c.bytes);
  }
}

TEST(RtcpSdes, CnameLookup) {
  const Bytes bytes = hex("82ca 0005 11223344 0101 61 00 55667788 0103 626364 00 0000");
  auto sdes = parseAs<SdesView>(bytes);
  ASSERT_TRUE(sdes);
  EXPECT_EQ(sdes->cname(), "a");
  EXPECT_EQ(sdes->cname(0x55667788), "bcd");
  EXPECT_FALSE(sdes->cname(0x99999999));
}

TEST(RtcpSdes, CnameBuilderMatchesGeneric) {
  for (std::string cname : {"", "a", "ab", "abc", "abcd", "user-1234@example"}) {
    SdesItem item{1, cname};
    SdesChunk chunk{0xdeadbeef, {&item, 1}};
    EXPECT_EQ(build(CnameSdes{0xdeadbeef, cname}), build(Sdes{{&chunk, 1}})) << cname;
    const Bytes bytes = build(CnameSdes{0xdeadbeef, cname});
    auto parsed = parseAs<SdesView>(bytes);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->cname(), cname);
  }
  EXPECT_EQ((CnameSdes{1, std::string(256, 'x')}).size(), 0u);
  SdesItem end_item{0, "x"};  // type 0 would terminate the list early
  SdesChunk chunk{1, {&end_item, 1}};
  EXPECT_EQ((Sdes{{&chunk, 1}}).size(), 0u);
}

}  // namespace
}  // namespace rtp::rtcp
