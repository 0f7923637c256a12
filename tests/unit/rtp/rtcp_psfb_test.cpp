// Payload-specific feedback: PLI (RFC 4585 §6.3.1), FIR (RFC 5104 §4.3.1), REMB.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "rtcp_test_util.h"
#include "rtp/rtcp/fir.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtcp/remb.h"

namespace rtp::rtcp {
namespace {

using testing::build;
using testing::Bytes;
using testing::hex;
using testing::parseAs;

struct Case {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  bool round_trip = true;
};

TEST(RtcpPli, Table) {
  const std::vector<Case> cases = {
      {"pli", hex("81ce 0002 11223344 55667788"), std::nullopt},
      {"pli with ignored fci", hex("81ce 0003 11223344 55667788 00000000"), std::nullopt, false},
      {"padded", hex("a1ce 0003 11223344 55667788 00000004"), std::nullopt, false},
      {"short", hex("81ce 0001 11223344"), ParseError::kBadLength},
      {"truncated", hex("81ce 0002 11223344"), ParseError::kTruncated},
      {"wrong version", hex("c1ce 0002 11223344 55667788"), ParseError::kBadVersion},
      {"wrong fmt", hex("82ce 0002 11223344 55667788"), ParseError::kWrongType},
      {"rtpfb", hex("81cd 0002 11223344 55667788"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto pli = parseAs<PliView>(c.bytes);
    ASSERT_EQ(pli.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(pli.error(), *c.error);
      continue;
    }
    EXPECT_EQ(pli->senderSsrc(), 0x11223344u);
    EXPECT_EQ(pli->mediaSsrc(), 0x55667788u);
    if (c.round_trip) {
      EXPECT_EQ(build(Pli{pli->senderSsrc(), pli->mediaSsrc()}), c.bytes);
    }
  }
}

TEST(RtcpFir, Table) {
  const std::vector<Case> cases = {
      {"one entry", hex("84ce 0004 11223344 00000000 55667788 07000000"), std::nullopt},
      {"two entries", hex("84ce 0006 11223344 00000000 55667788 07000000 99aabbcc ff000000"),
       std::nullopt},
      {"no entry", hex("84ce 0002 11223344 00000000"), ParseError::kBadLength},
      {"half entry", hex("84ce 0003 11223344 00000000 55667788"), ParseError::kBadLength},
      {"truncated", hex("84ce 0004 11223344 00000000 55667788"), ParseError::kTruncated},
      {"wrong version", hex("04ce 0004 11223344 00000000 55667788 07000000"),
       ParseError::kBadVersion},
      {"wrong fmt", hex("83ce 0004 11223344 00000000 55667788 07000000"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto fir = parseAs<FirView>(c.bytes);
    ASSERT_EQ(fir.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(fir.error(), *c.error);
      continue;
    }
    EXPECT_EQ(fir->senderSsrc(), 0x11223344u);
    EXPECT_EQ(fir->mediaSsrc(), 0u);
    ASSERT_GE(fir->entryCount(), 1u);
    EXPECT_EQ(fir->entry(0), (FirEntry{0x55667788, 7}));
    std::vector<FirEntry> entries;
    for (size_t i = 0; i < fir->entryCount(); ++i) entries.push_back(fir->entry(i));
    EXPECT_EQ(build(Fir{fir->senderSsrc(), fir->mediaSsrc(), entries}), c.bytes);
  }
  EXPECT_EQ((Fir{1, 0, {}}).size(), 0u);
}

TEST(RtcpRemb, Table) {
  struct RembCase {
    std::string name;
    Bytes bytes;
    std::optional<ParseError> error;
    uint64_t bitrate = 0;
    std::vector<uint32_t> ssrcs;
  };
  // 0x07a120 -> exp 1, mantissa 0x3a120 = 237856 -> 475712 bps.
  const std::vector<RembCase> cases = {
      {"one ssrc",
       hex("8fce 0005 11223344 00000000 52454d42 0107a120 55667788"),
       std::nullopt,
       475712,
       {0x55667788}},
      {"two ssrcs",
       hex("8fce 0006 11223344 00000000 52454d42 02000400 55667788 99aabbcc"),
       std::nullopt,
       1024,
       {0x55667788, 0x99aabbcc}},
      {"no ssrc", hex("8fce 0004 11223344 00000000 52454d42 00000000"), std::nullopt, 0, {}},
      {"num ssrc too large", hex("8fce 0005 11223344 00000000 52454d42 0207a120 55667788"),
       ParseError::kBadLength},
      {"no bitrate word", hex("8fce 0003 11223344 00000000 52454d42"), ParseError::kBadLength},
      {"not remb", hex("8fce 0004 11223344 00000000 52454d43 00000000"),
       ParseError::kBadIdentifier},
      {"truncated", hex("8fce 0005 11223344 00000000 52454d42 0107a120"), ParseError::kTruncated},
      {"wrong version", hex("4fce 0004 11223344 00000000 52454d42 00000000"),
       ParseError::kBadVersion},
      {"wrong fmt", hex("8ece 0004 11223344 00000000 52454d42 00000000"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto remb = parseAs<RembView>(c.bytes);
    ASSERT_EQ(remb.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(remb.error(), *c.error);
      continue;
    }
    EXPECT_EQ(remb->senderSsrc(), 0x11223344u);
    EXPECT_EQ(remb->bitrateBps(), c.bitrate);
    std::vector<uint32_t> ssrcs;
    for (size_t i = 0; i < remb->ssrcCount(); ++i) ssrcs.push_back(remb->ssrc(i));
    EXPECT_EQ(ssrcs, c.ssrcs);
    EXPECT_EQ(build(Remb{remb->senderSsrc(), remb->bitrateBps(), ssrcs}), c.bytes);
  }
}

TEST(RtcpRemb, ExponentMantissaEncoding) {
  const uint32_t ssrc = 1;
  for (uint64_t bps :
       {0ull, 1ull, 0x3FFFFull, 0x40000ull, 1'000'000ull, 2'500'000'000ull, (0x3FFFFull << 46)}) {
    auto bytes = build(Remb{9, bps, {&ssrc, 1}});
    auto remb = parseAs<RembView>(bytes);
    ASSERT_TRUE(remb);
    EXPECT_LE(remb->mantissa(), 0x3FFFFu);
    EXPECT_LE(remb->bitrateBps(), bps);
    // Rounded down to 18 significant bits: within one part in 2^17.
    EXPECT_GE(remb->bitrateBps(), bps - (bps >> 17)) << bps;
  }
  // Exponent 63 with a full mantissa saturates instead of overflowing.
  const Bytes huge_bytes = hex("8fce 0004 11223344 00000000 52454d42 00ffffff");
  auto huge = parseAs<RembView>(huge_bytes);
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->exponent(), 63);
  EXPECT_EQ(huge->bitrateBps(), std::numeric_limits<uint64_t>::max());
}

}  // namespace
}  // namespace rtp::rtcp
