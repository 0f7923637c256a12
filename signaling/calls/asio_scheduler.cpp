#include "signaling/calls/asio_scheduler.h"

namespace signaling::calls {

AsioScheduler::~AsioScheduler() {
  *alive_ = false;
  for (auto& [id, t] : timers_) t->cancel();
}

int64_t AsioScheduler::nowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::time_point AsioScheduler::steadyNow() const {
  return std::chrono::steady_clock::now();
}

Scheduler::TimerId AsioScheduler::schedule(std::chrono::milliseconds delay, Task task) {
  TimerId id = next_id_++;
  auto timer = std::make_unique<boost::asio::steady_timer>(io_, delay);
  timer->async_wait(
      [this, id, alive = alive_, task = std::move(task)](const boost::system::error_code& ec) {
        if (ec || !*alive) return;
        auto it = timers_.find(id);
        if (it == timers_.end()) return;  // cancelled after expiry was queued
        timers_.erase(it);
        task();
      });
  timers_.emplace(id, std::move(timer));
  return id;
}

void AsioScheduler::cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  it->second->cancel();
  timers_.erase(it);
}

}  // namespace signaling::calls
