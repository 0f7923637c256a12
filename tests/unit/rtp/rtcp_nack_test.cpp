// Generic NACK (RFC 4585 §6.2.1).
#include <gtest/gtest.h>

#include <string>

#include "rtcp_test_util.h"
#include "rtp/rtcp/nack.h"

namespace rtp::rtcp {
namespace {

using testing::build;
using testing::Bytes;
using testing::hex;
using testing::parseAs;

struct NackCase {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  std::vector<uint16_t> lost;
};

TEST(RtcpNack, Table) {
  const std::vector<NackCase> cases = {
      {"single", hex("81cd 0003 11223344 55667788 00640000"), std::nullopt, {100}},
      {"blp", hex("81cd 0003 11223344 55667788 00648005"), std::nullopt, {100, 101, 103, 116}},
      {"two items across wrap",
       hex("81cd 0004 11223344 55667788 fffe0001 00100000"),
       std::nullopt,
       {65534, 65535, 16}},
      {"blp wraps", hex("81cd 0003 11223344 55667788 ffff0003"), std::nullopt, {65535, 0, 1}},
      {"no fci", hex("81cd 0002 11223344 55667788"), ParseError::kBadLength},
      {"no media ssrc", hex("81cd 0001 11223344"), ParseError::kBadLength},
      {"truncated", hex("81cd 0003 11223344 55667788"), ParseError::kTruncated},
      {"wrong version", hex("41cd 0003 11223344 55667788 00640000"), ParseError::kBadVersion},
      {"wrong fmt", hex("82cd 0003 11223344 55667788 00640000"), ParseError::kWrongType},
      {"wrong type", hex("81ce 0003 11223344 55667788 00640000"), ParseError::kWrongType},
      {"padding makes fci odd", hex("a1cd 0004 11223344 55667788 00640000 00000002"),
       ParseError::kBadLength},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto nack = parseAs<NackView>(c.bytes);
    ASSERT_EQ(nack.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(nack.error(), *c.error);
      continue;
    }
    EXPECT_EQ(nack->senderSsrc(), 0x11223344u);
    EXPECT_EQ(nack->mediaSsrc(), 0x55667788u);
    std::vector<uint16_t> lost(64);
    lost.resize(nack->lostSeqs(lost));
    EXPECT_EQ(lost, c.lost);
    std::vector<NackItem> items;
    for (size_t i = 0; i < nack->itemCount(); ++i) items.push_back(nack->item(i));
    EXPECT_EQ(build(Nack{nack->senderSsrc(), nack->mediaSsrc(), items}), c.bytes);
    // Re-packing the lost list gives the same items (they were packed greedily).
    std::vector<NackItem> packed(16);
    packed.resize(packNackItems(lost, packed));
    EXPECT_EQ(packed, items);
  }
}

TEST(RtcpNack, PackSeqs) {
  struct Case {
    std::string name;
    std::vector<uint16_t> seqs;
    std::vector<NackItem> want;
  };
  const std::vector<Case> cases = {
      {"empty", {}, {}},
      {"one", {7}, {{7, 0}}},
      {"within 16", {10, 11, 26}, {{10, 0x8001}}},
      {"17 apart", {10, 27}, {{10, 0}, {27, 0}}},
      {"duplicates", {10, 10, 11, 11}, {{10, 1}}},
      {"wrap", {65530, 65535, 0, 3}, {{65530, (1 << 4) | (1 << 5) | (1 << 8)}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<NackItem> out(8);
    out.resize(packNackItems(c.seqs, out));
    EXPECT_EQ(out, c.want);
  }
}

TEST(RtcpNack, PackStopsWhenOutputFull) {
  std::vector<uint16_t> seqs;
  for (uint16_t s = 0; s < 100; s += 20) seqs.push_back(s);  // 0 20 40 60 80
  std::vector<NackItem> out(3);
  size_t consumed = 0;
  EXPECT_EQ(packNackItems(seqs, out, &consumed), 3u);
  EXPECT_EQ(consumed, 3u);
  EXPECT_EQ(out[2].pid, 40);
}

TEST(RtcpNack, EmptyNackCannotBeBuilt) { EXPECT_EQ((Nack{1, 2, {}}).size(), 0u); }

}  // namespace
}  // namespace rtp::rtcp
