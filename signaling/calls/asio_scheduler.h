// Scheduler on a Boost.Asio io_context: one steady_timer per pending task.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <unordered_map>

#include "signaling/calls/scheduler.h"

namespace signaling::calls {

class AsioScheduler : public Scheduler {
 public:
  explicit AsioScheduler(boost::asio::io_context& io) : io_(io) {}
  ~AsioScheduler() override;

  int64_t nowMs() const override;
  std::chrono::steady_clock::time_point steadyNow() const override;
  TimerId schedule(std::chrono::milliseconds delay, Task task) override;
  void cancel(TimerId id) override;
  size_t pending() const { return timers_.size(); }

 private:
  boost::asio::io_context& io_;
  TimerId next_id_ = 1;
  std::unordered_map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace signaling::calls
