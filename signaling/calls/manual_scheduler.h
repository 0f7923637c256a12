// A Scheduler driven by hand, for tests: time moves only through advance(), which runs due tasks in
// order (including tasks scheduled by tasks, if due).
#pragma once

#include <map>
#include <utility>

#include "signaling/calls/scheduler.h"

namespace signaling::calls {

class ManualScheduler : public Scheduler {
 public:
  explicit ManualScheduler(int64_t start_ms = 1'730'800'000'000) : now_ms_(start_ms) {}

  int64_t nowMs() const override { return now_ms_; }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_ms_));
  }
  TimerId schedule(std::chrono::milliseconds delay, Task task) override {
    TimerId id = next_id_++;
    tasks_.emplace(std::make_pair(now_ms_ + delay.count(), id), std::move(task));
    return id;
  }
  void cancel(TimerId id) override {
    for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
      if (it->first.second == id) {
        tasks_.erase(it);
        return;
      }
    }
  }

  void advance(std::chrono::milliseconds by) {
    int64_t target = now_ms_ + by.count();
    while (!tasks_.empty() && tasks_.begin()->first.first <= target) {
      auto it = tasks_.begin();
      now_ms_ = it->first.first;
      Task task = std::move(it->second);
      tasks_.erase(it);
      task();
    }
    now_ms_ = target;
  }
  size_t pending() const { return tasks_.size(); }

 private:
  int64_t now_ms_;
  TimerId next_id_ = 1;
  std::map<std::pair<int64_t, TimerId>, Task> tasks_;
};

}  // namespace signaling::calls
