#include "sfu/sctp/dcep.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sfu::sctp {
namespace {

TEST(DcepTest, ParseTable) {
  struct Case {
    std::string name;
    std::vector<uint8_t> bytes;
    std::optional<DcepMessageType> want;
    DcepError error;
  };
  // OPEN, reliable, priority 256, label "chat", protocol "json".
  const std::vector<uint8_t> open = {0x03, 0x00, 0x01, 0x00, 0,   0,   0,   0,   0,   4,
                                     0,    4,    'c',  'h',  'a', 't', 'j', 's', 'o', 'n'};
  std::vector<uint8_t> badLength = open;
  badLength[9] = 5;  // label length runs into the end
  std::vector<uint8_t> badType = open;
  badType[1] = 0x03;
  const std::vector<Case> cases = {
      {"open", open, DcepMessageType::kOpen, {}},
      {"open with trailing label bytes allowed", open, DcepMessageType::kOpen, {}},
      {"ack", {0x02}, DcepMessageType::kAck, {}},
      {"empty", {}, std::nullopt, DcepError::kEmpty},
      {"ack with trailing byte", {0x02, 0x00}, std::nullopt, DcepError::kTrailingBytes},
      {"unknown type", {0x04, 0, 0}, std::nullopt, DcepError::kUnknownMessageType},
      {"open truncated header",
       {0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       std::nullopt,
       DcepError::kTruncatedHeader},
      {"open bad label length", badLength, std::nullopt, DcepError::kBadLength},
      {"open unknown channel type", badType, std::nullopt, DcepError::kUnknownChannelType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parseDcep(c.bytes);
    EXPECT_EQ(r.type, c.want);
    if (!c.want) {
      EXPECT_EQ(r.error, c.error) << dcepErrorName(r.error);
    }
  }
  auto r = parseDcep(open);
  EXPECT_EQ(r.open.label, "chat");
  EXPECT_EQ(r.open.protocol, "json");
  EXPECT_EQ(r.open.priority, 256);
  EXPECT_EQ(r.open.channelType, ChannelType::kReliable);
  // Build -> byte-equal round trip.
  EXPECT_EQ(buildDcepOpen(r.open), open);
  EXPECT_EQ(buildDcepAck(), std::vector<uint8_t>{0x02});
}

TEST(DcepTest, RoundTripAllChannelTypes) {
  for (auto type :
       {ChannelType::kReliable, ChannelType::kReliableUnordered,
        ChannelType::kPartialReliableRexmit, ChannelType::kPartialReliableRexmitUnordered,
        ChannelType::kPartialReliableTimed, ChannelType::kPartialReliableTimedUnordered}) {
    DcepOpen open;
    open.channelType = type;
    open.priority = 512;
    open.reliabilityParameter = 0x01020304;
    open.label = "l\xc3\xa9";
    open.protocol = "";
    auto bytes = buildDcepOpen(open);
    auto parsed = parseDcep(bytes);
    ASSERT_EQ(parsed.type, DcepMessageType::kOpen);
    EXPECT_EQ(parsed.open.channelType, type);
    EXPECT_EQ(parsed.open.reliabilityParameter, 0x01020304u);
    EXPECT_EQ(parsed.open.label, open.label);
    EXPECT_TRUE(parsed.open.protocol.empty());
    EXPECT_EQ(buildDcepOpen(parsed.open), bytes);
  }
  EXPECT_TRUE(isUnordered(ChannelType::kReliableUnordered));
  EXPECT_FALSE(isUnordered(ChannelType::kPartialReliableTimed));
}

}  // namespace
}  // namespace sfu::sctp
