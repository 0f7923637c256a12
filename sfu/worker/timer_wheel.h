// The worker's timer facility for session timers (DTLS retransmits, consent checks, RTCP reports,
// NACK/TWCC feedback, BWE ticks): a hashed timer wheel with a fixed tick (default 10 ms).
//
// Why a wheel and not one asio::steady_timer per timer: a room has a dozen periodic timers per
// participant; arming, re-arming and cancelling a wheel timer is O(1) pointer surgery on intrusive
// lists, never allocates (the callback is set once), and costs the worker one steady_timer wakeup
// per due tick (none while idle). The price is resolution: a timer fires on the
// first tick at or after its deadline (up to one tick late, never early by more than the clock
// rounding to ticks), which is fine for everything above (the shortest are ~10-20 ms).
//
//   slots: [0] [1] [2] ... [N-1]      slot = deadline_tick % N, each an intrusive doubly-linked
//   list
//            |        |
//           T1 <-> T4  T2             a timer further than N ticks away waits in its slot until
//                                     the wheel comes round to its deadline tick
//
// Time comes from an injected Clock (sfu/worker/clock.h); the worker calls advance() from its tick
// timer, tests call advanceTo() with a ManualClock. Single-threaded: the owning worker's thread.
// A callback may stop, restart or destroy any timer, its own included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "sfu/worker/clock.h"

namespace sfu::worker {

class TimerWheel;

namespace detail {
struct TimerNode {
  TimerNode* prev = nullptr;
  TimerNode* next = nullptr;
  bool linked() const { return next != nullptr; }
  void unlink() {
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
  void linkBefore(TimerNode* head) {  // append to the list whose sentinel is head
    prev = head->prev;
    next = head;
    head->prev->next = this;
    head->prev = this;
  }
};
}  // namespace detail

class Timer : private detail::TimerNode {
 public:
  using Callback = std::function<void()>;

  Timer(TimerWheel& wheel, Callback callback);
  explicit Timer(TimerWheel& wheel) : Timer(wheel, {}) {}
  ~Timer() { stop(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void setCallback(Callback callback) { callback_ = std::move(callback); }
  // (Re)arms to fire delay_us from the wheel clock's now (negative counts as 0).
  void start(int64_t delay_us);
  void startMs(int64_t delay_ms) { start(delay_ms * 1000); }
  // (Re)arms for an absolute time on the wheel's clock.
  void startAt(int64_t deadline_us);
  void stop();
  bool armed() const { return linked(); }
  int64_t deadlineUs() const { return deadline_us_; }

 private:
  friend class TimerWheel;
  TimerWheel* wheel_;
  Callback callback_;
  int64_t deadline_us_ = 0;
  int64_t deadline_tick_ = 0;
};

class TimerWheel {
 public:
  explicit TimerWheel(const Clock& clock, int64_t tick_us = 10'000, size_t slots = 512);
  ~TimerWheel();
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Fires every timer due at or before now; returns how many fired. Within one call timers fire
  // slot by slot in deadline-tick order (timers in the same tick: in arming order).
  size_t advance() { return advanceTo(clock_.nowUs()); }
  size_t advanceTo(int64_t now_us);

  const Clock& clock() const { return clock_; }
  int64_t tickUs() const { return tick_us_; }
  size_t armedCount() const { return armed_; }

  // The first tick after the last one processed whose slot holds a timer; -1 when nothing is
  // armed. A timer a whole rotation or more away makes this earlier than its deadline, never later:
  // the owner wakes, advances and asks again. Scans at most one rotation of slots.
  int64_t nextDueTick() const;
  // The owner wakes for the wheel at tick `tick` (the start of that tick on the clock): arming a
  // timer due earlier calls the arm hook, so the owner can wake sooner. kNoWake: not waking.
  static constexpr int64_t kNoWake = INT64_MAX;
  void setWakeTick(int64_t tick) { wake_tick_ = tick; }
  int64_t wakeTick() const { return wake_tick_; }
  // Called when a timer is armed for a tick before the wake tick (on an idle wheel: the first
  // timer). The worker (re)schedules its tick timer at nextDueTick().
  void setArmHook(std::function<void()> hook) { arm_hook_ = std::move(hook); }

 private:
  friend class Timer;
  void arm(Timer& t, int64_t deadline_us);
  void disarm(Timer& t);

  const Clock& clock_;
  int64_t tick_us_;
  std::vector<detail::TimerNode> slots_;  // sentinels, never resized after construction
  int64_t current_tick_;                  // last tick processed
  int64_t wake_tick_ = kNoWake;
  size_t armed_ = 0;
  std::function<void()> arm_hook_;
};

}  // namespace sfu::worker
