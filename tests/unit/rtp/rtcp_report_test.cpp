// Sender and receiver reports (RFC 3550 §6.4) with report blocks.
#include <gtest/gtest.h>

#include <string>

#include "rtcp_test_util.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/sender_report.h"

namespace rtp::rtcp {
namespace {

using testing::build;
using testing::Bytes;
using testing::hex;
using testing::parseAs;

// Block: ssrc 0xaabbccdd, fraction 0x40, cumulative lost -2 (0xfffffe), ext seq 0x00011000,
// jitter 0x20, LSR 0x12345678, DLSR 0x00018000.
const char* kBlock = "aabbccdd 40fffffe 00011000 00000020 12345678 00018000";
const ReportBlock kWantBlock{0xaabbccdd, 0x40, -2, 0x00011000, 0x20, 0x12345678, 0x00018000};

struct SrCase {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  size_t blocks = 0;
  size_t extension = 0;
  bool round_trip = true;
};

TEST(RtcpSenderReport, Table) {
  const std::string sr0 = "80c8 0006 11223344 e1234567 89abcdef 00001000 00000064 00002710";
  const std::string sr1 = "81c8 000c 11223344 e1234567 89abcdef 00001000 00000064 00002710 ";
  const std::vector<SrCase> cases = {
      {"no blocks", hex(sr0), std::nullopt},
      {"one block", hex(sr1 + kBlock), std::nullopt, 1},
      {"one block + extension",
       hex("81c8 000d 11223344 e1234567 89abcdef 00001000 00000064 00002710 " +
           std::string(kBlock) + " cafebabe"),
       std::nullopt, 1, 4},
      {"padded", hex("a0c8 0007 11223344 e1234567 89abcdef 00001000 00000064 00002710 00000004"),
       std::nullopt, 0, 0, false},
      {"truncated", testing::cut(hex(sr0), 4), ParseError::kTruncated},
      {"RC claims a block the length lacks",
       hex("81c8 0006 11223344 e1234567 89abcdef 00001000 00000064 00002710"),
       ParseError::kBadLength},
      {"body too short", hex("80c8 0001 11223344"), ParseError::kBadLength},
      {"wrong version", hex("c0c8 0006 11223344 e1234567 89abcdef 00001000 00000064 00002710"),
       ParseError::kBadVersion},
      {"wrong type", hex("80c9 0006 11223344 e1234567 89abcdef 00001000 00000064 00002710"),
       ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto sr = parseAs<SenderReportView>(c.bytes);
    ASSERT_EQ(sr.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(sr.error(), *c.error);
      continue;
    }
    EXPECT_EQ(sr->ssrc(), 0x11223344u);
    EXPECT_EQ(sr->ntpTime(), 0xe123456789abcdefull);
    EXPECT_EQ(sr->rtpTimestamp(), 0x1000u);
    EXPECT_EQ(sr->packetCount(), 100u);
    EXPECT_EQ(sr->octetCount(), 10000u);
    ASSERT_EQ(sr->reportCount(), c.blocks);
    std::vector<ReportBlock> blocks;
    for (size_t i = 0; i < sr->reportCount(); ++i) blocks.push_back(sr->reportBlock(i));
    if (c.blocks) {
      EXPECT_EQ(blocks[0], kWantBlock);
    }
    EXPECT_EQ(sr->extension().size(), c.extension);
    if (!c.round_trip) continue;
    SenderReport out{sr->ssrc(),       sr->ntpTime(), sr->rtpTimestamp(), sr->packetCount(),
                     sr->octetCount(), blocks,        sr->extension()};
    EXPECT_EQ(build(out), c.bytes);
  }
}

struct RrCase {
  std::string name;
  Bytes bytes;
  std::optional<ParseError> error;
  size_t blocks = 0;
};

TEST(RtcpReceiverReport, Table) {
  const std::vector<RrCase> cases = {
      {"empty rr", hex("80c9 0001 11223344"), std::nullopt},
      {"one block", hex("81c9 0007 11223344 " + std::string(kBlock)), std::nullopt, 1},
      {"two blocks", hex("82c9 000d 11223344 " + std::string(kBlock) + " " + std::string(kBlock)),
       std::nullopt, 2},
      {"block cut", hex("81c9 0006 11223344 aabbccdd 40fffffe 00011000 00000020 12345678"),
       ParseError::kBadLength},
      {"no ssrc", hex("80c9 0000"), ParseError::kBadLength},
      {"truncated buffer", hex("81c9 0007 11223344 aabbccdd"), ParseError::kTruncated},
      {"wrong version", hex("41c9 0001 11223344"), ParseError::kBadVersion},
      {"wrong type", hex("80c8 0001 11223344"), ParseError::kWrongType},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto rr = parseAs<ReceiverReportView>(c.bytes);
    ASSERT_EQ(rr.ok(), !c.error.has_value());
    if (c.error) {
      EXPECT_EQ(rr.error(), *c.error);
      continue;
    }
    EXPECT_EQ(rr->ssrc(), 0x11223344u);
    ASSERT_EQ(rr->reportCount(), c.blocks);
    std::vector<ReportBlock> blocks;
    for (size_t i = 0; i < rr->reportCount(); ++i) blocks.push_back(rr->reportBlock(i));
    for (const auto& block : blocks) EXPECT_EQ(block, kWantBlock);
    EXPECT_EQ(build(ReceiverReport{rr->ssrc(), blocks, rr->extension()}), c.bytes);
  }
}

TEST(RtcpReportBlock, CumulativeLostIsSigned24AndClamped) {
  uint8_t buf[ReportBlock::kSize];
  ReportBlock block;
  for (int32_t lost :
       {0, 1, -1, ReportBlock::kMaxCumulativeLost, ReportBlock::kMinCumulativeLost}) {
    block.cumulative_lost = lost;
    block.write(buf);
    EXPECT_EQ(ReportBlock::read(buf).cumulative_lost, lost);
  }
  block.cumulative_lost = 1 << 24;
  block.write(buf);
  EXPECT_EQ(ReportBlock::read(buf).cumulative_lost, ReportBlock::kMaxCumulativeLost);
  block.cumulative_lost = -(1 << 24);
  block.write(buf);
  EXPECT_EQ(ReportBlock::read(buf).cumulative_lost, ReportBlock::kMinCumulativeLost);
}

TEST(RtcpReports, BuilderLimits) {
  std::vector<ReportBlock> blocks(32);
  EXPECT_EQ((SenderReport{1, 0, 0, 0, 0, blocks, {}}).size(), 0u);
  EXPECT_EQ((ReceiverReport{1, blocks, {}}).size(), 0u);
  blocks.resize(31);
  EXPECT_EQ((ReceiverReport{1, blocks, {}}).size(), 8u + 31 * 24);
  const uint8_t odd[3] = {};
  EXPECT_EQ((ReceiverReport{1, {}, odd}).size(), 0u);
}

}  // namespace
}  // namespace rtp::rtcp
