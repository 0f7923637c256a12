#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

#include "sfu/net/packet_buffer.h"

namespace sfu::net {
namespace {

TEST(PacketPool, AcquireReleaseAndExhaustion) {
  PacketPool pool(3);
  EXPECT_EQ(pool.capacity(), 3u);
  EXPECT_EQ(pool.bufferSize(), kPacketBufferSize);
  std::vector<PacketBuffer> held;
  std::set<const uint8_t*> seen;
  for (int i = 0; i < 3; ++i) {
    held.push_back(pool.acquire());
    ASSERT_TRUE(held.back());
    EXPECT_EQ(held.back().capacity(), kPacketBufferSize);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(held.back().data()) % 64, 0u);
    seen.insert(held.back().data());
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(pool.available(), 0u);

  // Exhausted: empty handles, counted, no crash.
  PacketBuffer none = pool.acquire();
  EXPECT_FALSE(none);
  EXPECT_EQ(none.capacity(), 0u);
  EXPECT_FALSE(pool.copy(reinterpret_cast<const uint8_t*>("x"), 1));
  EXPECT_EQ(pool.exhausted(), 2u);
  EXPECT_EQ(pool.lowWatermark(), 0u);

  held.pop_back();  // returns one
  EXPECT_EQ(pool.available(), 1u);
  EXPECT_TRUE(pool.acquire());  // and it is released again at once
  EXPECT_EQ(pool.inUse(), 2u);
  held.clear();
  EXPECT_EQ(pool.inUse(), 0u);
  EXPECT_EQ(pool.acquired(), 4u);
}

TEST(PacketPool, MoveTransfersOwnership) {
  PacketPool pool(2);
  PacketBuffer a = pool.acquire();
  a.setSize(10);
  uint8_t* data = a.data();
  PacketBuffer b = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.size(), 10u);
  PacketBuffer c = pool.acquire();
  c = std::move(b);  // c's old block goes back
  EXPECT_EQ(pool.inUse(), 1u);
  c.reset();
  EXPECT_EQ(pool.inUse(), 0u);
}

TEST(PacketPool, CopyAndSizeClamp) {
  PacketPool pool(2, 100);  // rounded up to 128
  EXPECT_EQ(pool.bufferSize(), 128u);
  const uint8_t bytes[] = {1, 2, 3, 4};
  PacketBuffer b = pool.copy(bytes, sizeof(bytes));
  ASSERT_TRUE(b);
  EXPECT_EQ(b.size(), 4u);
  EXPECT_EQ(std::memcmp(b.data(), bytes, 4), 0);
  b.setSize(100000);
  EXPECT_EQ(b.size(), 128u);
  std::vector<uint8_t> big(129);
  EXPECT_FALSE(pool.copy(big.data(), big.size()));
  EXPECT_EQ(pool.oversize(), 1u);
}

}  // namespace
}  // namespace sfu::net
