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

TEST(TimerWheel, PastDeadlineFiresOnNextTickAndHookSeesEarlierArms) {
  ManualClock clock(500 * kMs);
  TimerWheel wheel(clock, 10 * kMs, 16);
  int hooks = 0;
  // The owner wakes at the next due tick, as the worker does.
  wheel.setArmHook([&] {
    ++hooks;
    wheel.setWakeTick(wheel.nextDueTick());
  });
  int fired = 0;
  Timer t1(wheel, [&] { ++fired; });
  Timer t2(wheel, [&] { ++fired; });
  t1.startAt(0);  // long past
  EXPECT_EQ(hooks, 1);
  EXPECT_EQ(wheel.wakeTick(), 51);
  t2.start(-5);  // the same tick: the owner already wakes in time
  EXPECT_EQ(hooks, 1);
  EXPECT_EQ(wheel.advanceTo(500 * kMs), 0u);
  clock.setUs(510 * kMs);
  EXPECT_EQ(wheel.advanceTo(clock.nowUs()), 2u);
  EXPECT_EQ(fired, 2);
  wheel.setWakeTick(TimerWheel::kNoWake);  // the owner woke and nothing is armed
  EXPECT_EQ(wheel.nextDueTick(), -1);
  t1.startMs(100);  // tick 61
  EXPECT_EQ(hooks, 2);
  EXPECT_EQ(wheel.wakeTick(), 61);
  t2.startMs(200);  // later than the wake: no hook
  EXPECT_EQ(hooks, 2);
  t2.startMs(30);  // earlier: the owner must wake sooner
  EXPECT_EQ(hooks, 3);
  EXPECT_EQ(wheel.wakeTick(), 54);
}

TEST(TimerWheel, NextDueTickSkipsEmptySlotsAndNeverPassesADeadline) {
  ManualClock clock(0);
  TimerWheel wheel(clock, 10 * kMs, 16);
  Timer near(wheel, [] {});
  Timer far(wheel, [] {});
  EXPECT_EQ(wheel.nextDueTick(), -1);
  far.startMs(500);                   // tick 50: three rotations of 16 slots away, in slot 2
  EXPECT_EQ(wheel.nextDueTick(), 2);  // early (its slot comes round first), never late
  near.startMs(75);                   // tick 8
  EXPECT_EQ(wheel.nextDueTick(), 2);
  clock.setUs(20 * kMs);
  EXPECT_EQ(wheel.advanceTo(clock.nowUs()), 0u);  // slot 2 held only the far timer
  EXPECT_EQ(wheel.nextDueTick(), 8);
  clock.setUs(80 * kMs);
  EXPECT_EQ(wheel.advanceTo(clock.nowUs()), 1u);
  EXPECT_EQ(wheel.nextDueTick(), 18);  // slot 2 again, one rotation on
  clock.setUs(500 * kMs);
  EXPECT_EQ(wheel.advanceTo(clock.nowUs()), 1u);
  EXPECT_EQ(wheel.nextDueTick(), -1);
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
