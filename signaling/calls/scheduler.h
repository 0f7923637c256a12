// Time and timers for the call logic, injected so tests run on a manual clock (no sleeps).
// Production uses AsioScheduler on the signaling io_context; tests use ManualScheduler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace signaling::calls {

class Scheduler {
 public:
  using TimerId = uint64_t;  // 0 is never a valid id
  using Task = std::function<void()>;

  virtual ~Scheduler() = default;
  // Wall clock, Unix milliseconds (for timestamps shown to users and stored).
  virtual int64_t nowMs() const = 0;
  // Monotonic clock (for rate limits and durations of timers).
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
  // Runs `task` once after `delay` on the scheduler's thread. Tasks never run inline.
  virtual TimerId schedule(std::chrono::milliseconds delay, Task task) = 0;
  // Cancels a pending task; unknown or fired ids are ignored.
  virtual void cancel(TimerId id) = 0;
};

}  // namespace signaling::calls
