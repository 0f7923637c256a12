#include <gtest/gtest.h>

#include <array>
#include <string>

#include "rtcp_test_util.h"
#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtcp/receiver_report.h"

namespace rtp::rtcp {
namespace {

using testing::Bytes;
using testing::concat;
using testing::hex;

const Bytes kRr = hex("80c9 0001 11223344");
const Bytes kPli = hex("81ce 0002 11223344 55667788");
const Bytes kPaddedPli = hex("a1ce 0003 11223344 55667788 00000004");

struct CompoundCase {
  std::string name;
  Bytes bytes;
  PaddingPolicy policy;
  size_t want_packets;  // packets yielded before the end or the error
  std::optional<ParseError> error;
};

TEST(RtcpCompound, Table) {
  const std::vector<CompoundCase> cases = {
      {"single rr", kRr, PaddingPolicy::kLastOnly, 1, std::nullopt},
      {"rr + pli", concat({kRr, kPli}), PaddingPolicy::kLastOnly, 2, std::nullopt},
      {"padding on last", concat({kRr, kPaddedPli}), PaddingPolicy::kLastOnly, 2, std::nullopt},
      {"padding not last", concat({kPaddedPli, kRr}), PaddingPolicy::kLastOnly, 0,
       ParseError::kPaddingNotLast},
      {"padding not last, relaxed", concat({kPaddedPli, kRr}), PaddingPolicy::kAnyPacket, 2,
       std::nullopt},
      {"empty", {}, PaddingPolicy::kLastOnly, 0, ParseError::kTruncated},
      {"short header", hex("80c9 00"), PaddingPolicy::kLastOnly, 0, ParseError::kTruncated},
      {"trailing garbage", concat({kRr, hex("80")}), PaddingPolicy::kLastOnly, 1,
       ParseError::kTruncated},
      {"length beyond buffer", hex("80c9 0002 11223344"), PaddingPolicy::kLastOnly, 0,
       ParseError::kTruncated},
      {"second packet cut", concat({kRr, hex("81ce 0002 11223344")}), PaddingPolicy::kLastOnly, 1,
       ParseError::kTruncated},
      {"version 1", hex("40c9 0001 11223344"), PaddingPolicy::kLastOnly, 0,
       ParseError::kBadVersion},
      {"version 0 second", concat({kRr, hex("00c9 0001 11223344")}), PaddingPolicy::kLastOnly, 1,
       ParseError::kBadVersion},
      {"padding count zero", hex("a1ce 0003 11223344 55667788 00000000"), PaddingPolicy::kLastOnly,
       0, ParseError::kBadPadding},
      {"padding count too big", hex("a1ce 0003 11223344 55667788 00000011"),
       PaddingPolicy::kLastOnly, 0, ParseError::kBadPadding},
      {"padding eats whole body", hex("a1ce 0003 11223344 55667788 0000000c"),
       PaddingPolicy::kLastOnly, 1, std::nullopt},
      {"header only packet", hex("80cb 0000"), PaddingPolicy::kLastOnly, 1, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    CompoundParser parser(c.bytes, c.policy);
    size_t packets = 0;
    std::optional<ParseError> error;
    while (!parser.done()) {
      auto packet = parser.next();
      if (!packet) {
        error = packet.error();
        break;
      }
      ++packets;
    }
    if (c.bytes.empty()) error = validateCompound(c.bytes).error();
    EXPECT_EQ(packets, c.want_packets);
    EXPECT_EQ(error, c.error);
    auto whole = validateCompound(c.bytes, c.policy);
    EXPECT_EQ(whole.ok(), !c.error.has_value());
    if (whole) {
      EXPECT_EQ(*whole, c.want_packets);
    }
  }
}

TEST(RtcpCompound, PacketViewFields) {
  auto packet = parsePacket(kPaddedPli);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->count, 1);
  EXPECT_EQ(packet->type, kPtPsfb);
  EXPECT_TRUE(packet->padded);
  EXPECT_EQ(packet->packet.size(), 16u);
  EXPECT_EQ(packet->body.size(), 8u);
  EXPECT_EQ(classify(*packet), PacketKind::kPli);
}

TEST(RtcpCompound, Classify) {
  struct Case {
    Bytes bytes;
    PacketKind want;
  };
  const std::vector<Case> cases = {
      {hex("80c8 0006 00000000 00000000 00000000 00000000 00000000 00000000"),
       PacketKind::kSenderReport},
      {kRr, PacketKind::kReceiverReport},
      {hex("80ca 0000"), PacketKind::kSdes},
      {hex("80cb 0000"), PacketKind::kBye},
      {hex("80cc 0002 00000000 41424344"), PacketKind::kApp},
      {hex("81cd 0003 00000001 00000002 00010000"), PacketKind::kNack},
      {hex("8fcd 0002 00000001 00000002"), PacketKind::kTwcc},
      {hex("83cd 0002 00000001 00000002"), PacketKind::kOtherRtpfb},
      {kPli, PacketKind::kPli},
      {hex("84ce 0004 00000001 00000000 00000002 01000000"), PacketKind::kFir},
      {hex("8fce 0004 00000001 00000000 52454d42 00000000"), PacketKind::kRemb},
      {hex("8fce 0004 00000001 00000000 41424344 00000000"), PacketKind::kOtherPsfb},
      {hex("80cf 0001 00000001"), PacketKind::kXr},
      {hex("80d0 0000"), PacketKind::kUnknown},
  };
  for (const auto& c : cases) {
    auto packet = parsePacket(c.bytes);
    ASSERT_TRUE(packet);
    EXPECT_EQ(classify(*packet), c.want) << toString(c.want);
  }
}

TEST(RtcpCompound, LooksLikeRtcp) {
  EXPECT_TRUE(looksLikeRtcp(kRr));
  EXPECT_TRUE(looksLikeRtcp(hex("80c0 0000")));   // 192
  EXPECT_TRUE(looksLikeRtcp(hex("80df 0000")));   // 223
  EXPECT_FALSE(looksLikeRtcp(hex("80e0 0000")));  // 224: RTP PT 96 with marker
  EXPECT_FALSE(looksLikeRtcp(hex("80bf 0000")));  // 191: RTP PT 63 with marker
  EXPECT_FALSE(looksLikeRtcp(hex("806f 0000")));  // RTP PT 111
  EXPECT_FALSE(looksLikeRtcp(hex("80c9")));       // too short
  EXPECT_FALSE(looksLikeRtcp(hex("00c9 0001")));  // not version 2
}

TEST(RtcpCompound, BuilderAppendsAndChecksRoom) {
  std::array<uint8_t, 28> buffer{};
  CompoundBuilder builder(buffer);
  ReceiverReport rr{0x11223344, {}, {}};
  Pli pli{0x11223344, 0x55667788};
  ASSERT_TRUE(builder.add(rr));
  ASSERT_TRUE(builder.add(pli));
  EXPECT_EQ(builder.packetCount(), 2u);
  EXPECT_EQ(Bytes(builder.bytes().begin(), builder.bytes().end()), concat({kRr, kPli}));
  EXPECT_FALSE(builder.add(pli));  // 20 + 12 > 28
  EXPECT_EQ(builder.size(), 20u);
  // RFC 3550 §6.4.1 padding on the last packet, counted in its length field.
  EXPECT_FALSE(builder.padLast(3));
  EXPECT_FALSE(builder.padLast(12));  // no room
  ASSERT_TRUE(builder.padLast(4));
  EXPECT_FALSE(builder.padLast(4));  // already padded
  EXPECT_EQ(Bytes(builder.bytes().begin(), builder.bytes().end()), concat({kRr, kPaddedPli}));
  EXPECT_EQ(validateCompound(builder.bytes()).value(), 2u);
  builder.clear();
  EXPECT_FALSE(builder.padLast(4));
  EXPECT_EQ(builder.size(), 0u);
}

TEST(RtcpCompound, BuilderRejectsUnencodable) {
  std::array<uint8_t, 64> buffer{};
  CompoundBuilder builder(buffer);
  const std::array<uint8_t, 3> odd{1, 2, 3};
  EXPECT_FALSE(builder.add(RawPacket{odd}));
  EXPECT_TRUE(builder.add(RawPacket{kPli}));
  EXPECT_EQ(builder.size(), kPli.size());
}

TEST(RtcpCompound, ErrorNames) {
  for (int i = 0; i < static_cast<int>(ParseError::kCount); ++i) {
    EXPECT_STRNE(toString(static_cast<ParseError>(i)), "unknown");
  }
}

}  // namespace
}  // namespace rtp::rtcp
