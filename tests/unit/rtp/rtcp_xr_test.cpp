// Extended reports (RFC 3611): RRTR and DLRR.
#include <gtest/gtest.h>

#include <string>

#include "rtcp_test_util.h"
#include "rtp/rtcp/xr.h"

namespace rtp::rtcp {
namespace {

using testing::build;
using testing::Bytes;
using testing::hex;
using testing::parseAs;

struct XrCase {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  std::optional<uint64_t> rrtr;
  std::vector<DlrrItem> dlrr;
  bool round_trip = true;
};

TEST(RtcpXr, Table) {
  const std::vector<XrCase> cases = {
      {"rrtr", hex("80cf 0004 11223344 04000002 e1234567 89abcdef"), std::nullopt,
       0xe123456789abcdefull},
      {"dlrr",
       hex("80cf 0005 11223344 05000003 55667788 12345678 00010000"),
       std::nullopt,
       std::nullopt,
       {{0x55667788, 0x12345678, 0x10000}}},
      {"rrtr + dlrr x2",
       hex("80cf 000b 11223344 04000002 e1234567 89abcdef 05000006 55667788 12345678 00010000 "
           "99aabbcc 00000001 00000002"),
       std::nullopt,
       0xe123456789abcdefull,
       {{0x55667788, 0x12345678, 0x10000}, {0x99aabbcc, 1, 2}}},
      {"no blocks", hex("80cf 0001 11223344"), std::nullopt},
      {"unknown block skipped",
       hex("80cf 0004 11223344 07000001 00000000 00000000"),
       std::nullopt,
       std::nullopt,
       {},
       false},
      {"empty dlrr", hex("80cf 0002 11223344 05000000"), std::nullopt, std::nullopt, {}, false},
      {"rrtr wrong length", hex("80cf 0003 11223344 04000001 e1234567"), ParseError::kBadItem},
      {"dlrr not multiple of 3", hex("80cf 0004 11223344 05000002 55667788 12345678"),
       ParseError::kBadItem},
      {"block overruns", hex("80cf 0003 11223344 04000002 e1234567"), ParseError::kBadItem},
      {"block header cut", hex("a0cf 0002 11223344 00000002"), ParseError::kBadItem},
      {"no ssrc", hex("80cf 0000"), ParseError::kBadLength},
      {"truncated", hex("80cf 0004 11223344 04000002"), ParseError::kTruncated},
      {"wrong version", hex("40cf 0001 11223344"), ParseError::kBadVersion},
      {"wrong type", hex("80ce 0001 11223344"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto xr = parseAs<XrView>(c.bytes);
    ASSERT_EQ(xr.ok(), !c.error.has_value()) << (xr ? "ok" : toString(xr.error()));
    if (c.error) {
      EXPECT_EQ(xr.error(), *c.error);
      continue;
    }
    EXPECT_EQ(xr->senderSsrc(), 0x11223344u);
    EXPECT_EQ(xr->rrtrNtp(), c.rrtr);
    std::vector<DlrrItem> dlrr;
    for (size_t i = 0; i < xr->dlrrCount(); ++i) dlrr.push_back(xr->dlrr(i));
    EXPECT_EQ(dlrr, c.dlrr);
    if (c.round_trip) {
      EXPECT_EQ(build(Xr{xr->senderSsrc(), xr->rrtrNtp(), dlrr}), c.bytes);
    }
  }
}

}  // namespace
}  // namespace rtp::rtcp
