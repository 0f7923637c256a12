// Per-outgoing-stream log of sent packets: lookup by outgoing seq, bounds by count and age,
// once-per-RTT resends, every field kept.
#include "rtp/stream/sent_packet_log.h"

#include <gtest/gtest.h>

namespace rtp::stream {
namespace {

SentPacket sent(uint16_t seq) {
  SentPacket p;
  p.seq = seq;
  p.source_seq = static_cast<uint16_t>(seq + 5000);
  p.source = 2;
  p.timestamp = 90000u + seq * 3000u;
  p.payload_type = 96;
  return p;
}

TEST(SentPacketLog, KeepsEveryField) {
  SentPacketLog log(8, 1000);
  SentPacket p = sent(42);
  p.has_picture_id = true;
  p.picture_id = 0x7ABC;
  p.has_tl0_pic_idx = true;
  p.tl0_pic_idx = 0xFE;
  log.record(p, 0);
  const auto got = log.takeForResend(42, 10, 0);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->seq, 42);
  EXPECT_EQ(got->source_seq, 5042);
  EXPECT_EQ(got->source, 2);
  EXPECT_EQ(got->timestamp, 90000u + 42 * 3000u);
  EXPECT_EQ(got->payload_type, 96);
  EXPECT_TRUE(got->has_picture_id);
  EXPECT_EQ(got->picture_id, 0x7ABC);
  EXPECT_TRUE(got->has_tl0_pic_idx);
  EXPECT_EQ(got->tl0_pic_idx, 0xFE);
  log.record(sent(43), 0);
  const auto plain = log.takeForResend(43, 10, 0);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_picture_id);
  EXPECT_FALSE(plain->has_tl0_pic_idx);
  EXPECT_FALSE(log.takeForResend(44, 10, 0));      // never sent
  EXPECT_FALSE(log.takeForResend(42 + 8, 10, 0));  // same entry, other seq
}

TEST(SentPacketLog, BoundedByCountAcrossTheWrap) {
  SentPacketLog log(6, 1000);  // rounded up to 8
  EXPECT_EQ(log.capacity(), 8u);
  for (uint32_t i = 65530; i < 65550; ++i) log.record(sent(static_cast<uint16_t>(i)), 0);
  for (uint32_t i = 65530; i < 65542; ++i) {
    EXPECT_FALSE(log.takeForResend(static_cast<uint16_t>(i), 0, 0)) << i;
  }
  for (uint32_t i = 65542; i < 65550; ++i) {
    EXPECT_TRUE(log.takeForResend(static_cast<uint16_t>(i), 0, 0)) << i;
  }
}

TEST(SentPacketLog, BoundedByAge) {
  SentPacketLog log(16, 500);
  log.record(sent(1), 1'000'000);
  log.record(sent(2), 1'000'300);
  EXPECT_FALSE(log.takeForResend(1, 1'000'501, 0));
  EXPECT_TRUE(log.takeForResend(2, 1'000'800, 0));
  EXPECT_FALSE(log.takeForResend(2, 1'000'801, 1000 * 1000));
}

TEST(SentPacketLog, ResendAtMostOncePerRtt) {
  SentPacketLog log(16, 1000);
  log.record(sent(7), 0);
  EXPECT_TRUE(log.takeForResend(7, 10, 100));
  EXPECT_FALSE(log.takeForResend(7, 50, 100));  // second NACK within the RTT
  EXPECT_FALSE(log.takeForResend(7, 109, 100));
  EXPECT_TRUE(log.takeForResend(7, 110, 100));
  // A new packet in the entry resets the resend time.
  log.record(sent(7 + 16), 120);
  EXPECT_TRUE(log.takeForResend(7 + 16, 121, 100));
  log.clear();
  EXPECT_FALSE(log.takeForResend(7 + 16, 300, 0));
}

}  // namespace
}  // namespace rtp::stream
