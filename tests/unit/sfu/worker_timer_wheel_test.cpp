#include "sfu/worker/timer_wheel.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace sfu::worker {
namespace {

constexpr int64_t kMs = 1000;

TEST(TimerWheel, FiresAtTheDeadlineTickNotBefore) {
  ManualClock clock(1'000'000);
  TimerWheel wheel(clock, 10 * kMs, 64);
  int fired = 0;
  Timer t(wheel, [&] { ++fired; });
  t.start(25 * kMs);  // deadline 1.025 s → tick 103 (rounded up)
  EXPECT_TRUE(t.armed());
  EXPECT_EQ(wheel.armedCount(), 1u);
  EXPECT_EQ(wheel.advanceTo(1'020'000), 0u);
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(wheel.advanceTo(1'029'999), 0u);
  EXPECT_EQ(wheel.advanceTo(1'030'000), 1u);
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(t.armed());
  EXPECT_EQ(wheel.armedCount(), 0u);
}

TEST(TimerWheel, StopAndRestart) {
  ManualClock clock;
  TimerWheel wheel(clock, 10 * kMs, 64);
  int fired = 0;
  Timer t(wheel, [&] { ++fired; });
  t.startMs(20);
  t.stop();
  EXPECT_EQ(wheel.armedCount(), 0u);
  clock.advanceMs(100);
  wheel.advance();
  EXPECT_EQ(fired, 0);
  t.startMs(20);
  t.startMs(50);  // re-arming moves it
  clock.advanceMs(30);
  wheel.advance();
  EXPECT_EQ(fired, 0);
  clock.advanceMs(20);
  wheel.advance();
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, PeriodicTimerRearmsFromItsCallback) {
  ManualClock clock;
  TimerWheel wheel(clock, 10 * kMs, 8);
  std::vector<int64_t> at;
  Timer t(wheel);
  t.setCallback([&] {
    at.push_back(clock.nowUs() / kMs);
    t.startMs(20);
  });
  t.startMs(20);
  for (int i = 0; i < 10; ++i) {
    clock.advanceMs(10);
    wheel.advance();
  }
  EXPECT_EQ(at, (std::vector<int64_t>{20, 40, 60, 80, 100}));
}

TEST(TimerWheel, LongDelaysWaitForTheirRound) {
  ManualClock clock;
  TimerWheel wheel(clock, 10 * kMs, 8);  // one revolution = 80 ms
  int fired = 0;
  Timer t(wheel, [&] { ++fired; });
  t.startMs(250);
  for (int ms = 10; ms < 250; ms += 10) {
    clock.setUs(ms * kMs);
    wheel.advance();
    ASSERT_EQ(fired, 0) << ms;
  }
  clock.setUs(250 * kMs);
  wheel.advance();
  EXPECT_EQ(fired, 1);
}

TEST(TimerWheel, BigJumpFiresEverythingDueInDeadlineOrder) {
  ManualClock clock;
  TimerWheel wheel(clock, 10 * kMs, 8);
  std::vector<int> order;
  std::vector<std::unique_ptr<Timer>> timers;
  const int delays[] = {50, 10, 1000, 30, 70};
  for (int i = 0; i < 5; ++i) {
    timers.push_back(std::make_unique<Timer>(wheel, [&order, i] { order.push_back(i); }));
    timers.back()->startMs(delays[i]);
  }
  clock.advanceMs(75);
  EXPECT_EQ(wheel.advance(), 4u);
  EXPECT_EQ(order, (std::vector<int>{1, 3, 0, 4}));
  clock.advanceMs(10'000);  // far beyond a revolution
  EXPECT_EQ(wheel.advance(), 1u);
  EXPECT_EQ(order.back(), 2);
}

TEST(TimerWheel, CallbackMayStopOrDestroyOtherAndOwnTimers) {
  ManualClock clock;
  TimerWheel wheel(clock, 10 * kMs, 64);
  int b_fired = 0;
  auto a = std::make_unique<Timer>(wheel);
  auto b = std::make_unique<Timer>(wheel, [&] { ++b_fired; });
  auto c = std::make_unique<Timer>(wheel);
  a->setCallback([&] {
    b.reset();  // destroys a timer that is due in the same advance
    a.reset();  // and itself
  });
  c->setCallback([&] { c->startMs(10); });
  a->startMs(10);
  b->startMs(10);
  c->startMs(10);
  clock.advanceMs(10);
  EXPECT_EQ(wheel.advance(), 2u);  // a and c; b never fires
  EXPECT_EQ(b_fired, 0);
  EXPECT_EQ(wheel.armedCount(), 1u);  // c re-armed
}

TEST(TimerWheel, PastDeadlineFiresOnNextTickAndHookSeesFirstArm) {
  ManualClock clock(500 * kMs);
  TimerWheel wheel(clock, 10 * kMs, 16);
  int hooks = 0;
  wheel.setArmHook([&] { ++hooks; });
  int fired = 0;
  Timer t1(wheel, [&] { ++fired; });
  Timer t2(wheel, [&] { ++fired; });
  t1.startAt(0);  // long past
  t2.start(-5);
  EXPECT_EQ(hooks, 1);  // only the empty → non-empty transition
  EXPECT_EQ(wheel.advanceTo(500 * kMs), 0u);
  EXPECT_EQ(wheel.advanceTo(510 * kMs), 2u);
  EXPECT_EQ(fired, 2);
  t1.startMs(10);
  EXPECT_EQ(hooks, 2);
}

TEST(TimerWheel, TimerOutlivingWheelIsSafe) {
  ManualClock clock;
  auto wheel = std::make_unique<TimerWheel>(clock);
  Timer t(*wheel, [] {});
  t.startMs(10);
  wheel.reset();
  EXPECT_FALSE(t.armed());  // detached; destructor is a no-op
}

}  // namespace
}  // namespace sfu::worker
