// Sender-side retransmission buffer: bounds by count and age, lookup, once-per-RTT resends.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "rtp/stream/retransmission_buffer.h"

namespace rtp::stream {
namespace {

std::vector<uint8_t> packet(uint16_t seq, size_t size = 20) {
  std::vector<uint8_t> p(size, static_cast<uint8_t>(seq));
  if (size >= 4) {
    p[2] = static_cast<uint8_t>(seq >> 8);
    p[3] = static_cast<uint8_t>(seq);
  }
  return p;
}

TEST(RetransmissionBuffer, StoresAndFinds) {
  RetransmissionBuffer buffer(8, 100, 1000);
  const auto p = packet(42);
  ASSERT_TRUE(buffer.insert(42, p, 0));
  auto found = buffer.find(42, 10);
  ASSERT_TRUE(found);
  EXPECT_EQ(std::vector<uint8_t>(found->begin(), found->end()), p);
  EXPECT_FALSE(buffer.find(43, 10));
  EXPECT_FALSE(buffer.find(42 + 8, 10));  // same slot, different seq
}

TEST(RetransmissionBuffer, BoundedByCount) {
  RetransmissionBuffer buffer(6, 100, 1000);  // rounded up to 8
  EXPECT_EQ(buffer.capacity(), 8u);
  for (uint16_t seq = 0; seq < 20; ++seq) buffer.insert(seq, packet(seq), 0);
  for (uint16_t seq = 0; seq < 12; ++seq) EXPECT_FALSE(buffer.find(seq, 0)) << seq;
  for (uint16_t seq = 12; seq < 20; ++seq) EXPECT_TRUE(buffer.find(seq, 0)) << seq;
}

TEST(RetransmissionBuffer, BoundedByAge) {
  RetransmissionBuffer buffer(16, 100, 500);
  buffer.insert(1, packet(1), 0);
  buffer.insert(2, packet(2), 300);
  EXPECT_TRUE(buffer.find(1, 500));
  EXPECT_FALSE(buffer.find(1, 501));
  EXPECT_TRUE(buffer.find(2, 800));
  EXPECT_FALSE(buffer.takeForResend(1, 600, 0));
}

TEST(RetransmissionBuffer, WrapAroundKeepsSlots) {
  RetransmissionBuffer buffer(16, 100, 1000);
  for (uint32_t i = 65530; i < 65540; ++i) {
    buffer.insert(static_cast<uint16_t>(i), packet(static_cast<uint16_t>(i)), 0);
  }
  for (uint32_t i = 65530; i < 65540; ++i) {
    auto found = buffer.find(static_cast<uint16_t>(i), 0);
    ASSERT_TRUE(found) << i;
    EXPECT_EQ((*found)[3], static_cast<uint8_t>(i));
  }
}

TEST(RetransmissionBuffer, ResendAtMostOncePerRtt) {
  RetransmissionBuffer buffer(16, 100, 1000);
  buffer.insert(7, packet(7), 0);
  EXPECT_TRUE(buffer.takeForResend(7, 10, 100));
  EXPECT_FALSE(buffer.takeForResend(7, 50, 100));  // second NACK within the RTT
  EXPECT_FALSE(buffer.takeForResend(7, 109, 100));
  EXPECT_TRUE(buffer.takeForResend(7, 110, 100));
  EXPECT_FALSE(buffer.takeForResend(8, 110, 100));  // never stored
  // A new packet in the slot resets the resend time.
  buffer.insert(7 + 16, packet(7 + 16), 120);
  EXPECT_TRUE(buffer.takeForResend(7 + 16, 121, 100));
}

TEST(RetransmissionBuffer, RejectsOversizedAndClears) {
  RetransmissionBuffer buffer(4, 32, 1000);
  EXPECT_FALSE(buffer.insert(1, packet(1, 33), 0));
  EXPECT_TRUE(buffer.insert(1, packet(1, 32), 0));
  EXPECT_TRUE(buffer.insert(2, {}, 0));  // empty is allowed (padding-only probes)
  buffer.clear();
  EXPECT_FALSE(buffer.find(1, 0));
}

}  // namespace
}  // namespace rtp::stream
