#include "signaling/auth/rate_limiter.h"

#include <gtest/gtest.h>

namespace signaling::auth {
namespace {

using namespace std::chrono_literals;
using TP = RateLimiter::Clock::time_point;

TEST(RateLimiterTest, BurstThenRefill) {
  RateLimiter rl(RateLimiter::initiatePreset());  // 10/min, burst 5
  TP t0{};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(rl.take("u", t0).allowed) << i;
  auto d = rl.take("u", t0);
  EXPECT_FALSE(d.allowed);
  EXPECT_NEAR(d.retry_after_s, 6.0, 1e-6);
  EXPECT_EQ(d.retryAfterSeconds(), 6);
  EXPECT_FALSE(rl.take("u", t0 + 5s).allowed);
  EXPECT_TRUE(rl.take("u", t0 + 6s).allowed);
  // Another key is independent.
  EXPECT_TRUE(rl.take("v", t0).allowed);
}

TEST(RateLimiterTest, SocketPreset) {
  RateLimiter rl(RateLimiter::socketEventPreset());  // 50/s, burst 100
  TP t0{};
  int allowed = 0;
  for (int i = 0; i < 150; ++i) allowed += rl.take("s", t0).allowed;
  EXPECT_EQ(allowed, 100);
  allowed = 0;
  for (int i = 0; i < 60; ++i) allowed += rl.take("s", t0 + 1s).allowed;
  EXPECT_EQ(allowed, 50);
  EXPECT_EQ(rl.take("s", t0 + 1s).retryAfterSeconds(), 1);
}

TEST(RateLimiterTest, MemoryBounded) {
  RateLimiter rl({1.0, 2.0, 100});
  TP t0{};
  for (int i = 0; i < 1000; ++i) rl.take("k" + std::to_string(i), t0);
  EXPECT_LE(rl.size(), 100u);
  // Idle keys whose buckets refilled are dropped.
  rl.take("fresh", t0 + 10s);
  EXPECT_EQ(rl.size(), 1u);
}

TEST(RateLimiterTest, EvictionKeepsRecentKeysInDebt) {
  RateLimiter rl({0.001, 1.0, 3});
  TP t0{};
  EXPECT_TRUE(rl.take("a", t0).allowed);
  EXPECT_TRUE(rl.take("b", t0).allowed);
  EXPECT_TRUE(rl.take("c", t0).allowed);
  EXPECT_FALSE(rl.take("a", t0).allowed);  // a is now most recent
  EXPECT_TRUE(rl.take("d", t0).allowed);   // evicts b (least recently used)
  EXPECT_FALSE(rl.take("a", t0).allowed);
  EXPECT_EQ(rl.size(), 3u);
  rl.forget("a");
  EXPECT_TRUE(rl.take("a", t0).allowed);
}

}  // namespace
}  // namespace signaling::auth
