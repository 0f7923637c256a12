// Monotonic time for the media path, injected so tests drive time by hand (no sleeps).
// Microseconds since an arbitrary epoch (CLOCK_MONOTONIC for SteadyClock).
#pragma once

#include <chrono>
#include <cstdint>

namespace sfu::worker {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowUs() const = 0;
  int64_t nowMs() const { return nowUs() / 1000; }
};

class SteadyClock final : public Clock {
 public:
  int64_t nowUs() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_us = 0) : now_us_(start_us) {}
  int64_t nowUs() const override { return now_us_; }
  void setUs(int64_t now_us) { now_us_ = now_us; }
  void advanceUs(int64_t us) { now_us_ += us; }
  void advanceMs(int64_t ms) { now_us_ += ms * 1000; }

 private:
  int64_t now_us_;
};

}  // namespace sfu::worker
