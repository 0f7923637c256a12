// BYE (RFC 3550 §6.6) and APP (§6.7).
#include <gtest/gtest.h>

#include <string>

#include "rtcp_test_util.h"
#include "rtp/rtcp/app.h"
#include "rtp/rtcp/bye.h"

namespace rtp::rtcp {
namespace {

using testing::build;
using testing::Bytes;
using testing::hex;
using testing::parseAs;

struct ByeCase {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  std::vector<uint32_t> ssrcs;
  std::optional<std::string> reason;
  bool round_trip = true;
};

TEST(RtcpBye, Table) {
  const std::vector<ByeCase> cases = {
      {"one ssrc", hex("81cb 0001 11223344"), std::nullopt, {0x11223344}},
      {"two ssrcs", hex("82cb 0002 11223344 55667788"), std::nullopt, {0x11223344, 0x55667788}},
      {"no ssrc", hex("80cb 0000"), std::nullopt, {}},
      {"reason", hex("81cb 0003 11223344 04627965 21000000"), std::nullopt, {0x11223344}, "bye!"},
      {"reason exact word", hex("81cb 0002 11223344 03627965"), std::nullopt, {0x11223344}, "bye"},
      {"empty reason field",
       hex("81cb 0002 11223344 00000000"),
       std::nullopt,
       {0x11223344},
       "",
       false},
      {"reason overruns", hex("81cb 0002 11223344 09627965"), ParseError::kBadItem},
      {"SC too large", hex("82cb 0001 11223344"), ParseError::kBadLength},
      {"truncated", hex("81cb 0002 11223344"), ParseError::kTruncated},
      {"wrong version", hex("01cb 0001 11223344"), ParseError::kBadVersion},
      {"wrong type", hex("81cc 0001 11223344"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bye = parseAs<ByeView>(c.bytes);
    ASSERT_EQ(bye.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(bye.error(), *c.error);
      continue;
    }
    std::vector<uint32_t> ssrcs;
    for (size_t i = 0; i < bye->ssrcCount(); ++i) ssrcs.push_back(bye->ssrc(i));
    EXPECT_EQ(ssrcs, c.ssrcs);
    EXPECT_EQ(bye->reason().has_value(), c.reason.has_value());
    if (c.reason) {
      EXPECT_EQ(*bye->reason(), *c.reason);
    }
    if (c.round_trip) {
      EXPECT_EQ(build(Bye{ssrcs, bye->reason().value_or("")}), c.bytes);
    }
  }
}

TEST(RtcpBye, BuilderLimits) {
  std::vector<uint32_t> ssrcs(32, 1);
  EXPECT_EQ((Bye{ssrcs, ""}).size(), 0u);
  EXPECT_EQ((Bye{{}, std::string(256, 'x')}).size(), 0u);
  EXPECT_EQ((Bye{{}, std::string(255, 'x')}).size(), 4u + 256);
}

struct AppCase {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  uint8_t subtype = 0;
  size_t data = 0;
};

TEST(RtcpApp, Table) {
  const std::vector<AppCase> cases = {
      {"no data", hex("83cc 0002 11223344 41424344"), std::nullopt, 3, 0},
      {"data", hex("9fcc 0004 11223344 41424344 01020304 05060708"), std::nullopt, 31, 8},
      {"no name", hex("80cc 0001 11223344"), ParseError::kBadLength},
      {"truncated", hex("80cc 0003 11223344 41424344"), ParseError::kTruncated},
      {"wrong version", hex("40cc 0002 11223344 41424344"), ParseError::kBadVersion},
      {"wrong type", hex("80cb 0002 11223344 41424344"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto app = parseAs<AppView>(c.bytes);
    ASSERT_EQ(app.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(app.error(), *c.error);
      continue;
    }
    EXPECT_EQ(app->subtype(), c.subtype);
    EXPECT_EQ(app->ssrc(), 0x11223344u);
    EXPECT_EQ(app->name(), (std::array<uint8_t, 4>{'A', 'B', 'C', 'D'}));
    EXPECT_EQ(app->data().size(), c.data);
    EXPECT_EQ(build(App{app->subtype(), app->ssrc(), app->name(), app->data()}), c.bytes);
  }
}

}  // namespace
}  // namespace rtp::rtcp
