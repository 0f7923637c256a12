#include "sfu/worker/timer_wheel.h"

#include <algorithm>

namespace sfu::worker {

Timer::Timer(TimerWheel& wheel, Callback callback)
    : wheel_(&wheel), callback_(std::move(callback)) {}

void Timer::start(int64_t delay_us) {
  startAt(wheel_->clock_.nowUs() + std::max<int64_t>(delay_us, 0));
}

void Timer::startAt(int64_t deadline_us) { wheel_->arm(*this, deadline_us); }

void Timer::stop() {
  if (linked()) wheel_->disarm(*this);
}

TimerWheel::TimerWheel(const Clock& clock, int64_t tick_us, size_t slots)
    : clock_(clock),
      tick_us_(std::max<int64_t>(tick_us, 1)),
      slots_(std::max<size_t>(slots, 1)),
      current_tick_(clock.nowUs() / tick_us_) {
  for (auto& s : slots_) s.prev = s.next = &s;
}

TimerWheel::~TimerWheel() {
  // Detach what is still armed so the timers' destructors do not touch a dead wheel.
  for (auto& s : slots_) {
    while (s.next != &s) s.next->unlink();
  }
}

void TimerWheel::arm(Timer& t, int64_t deadline_us) {
  if (t.linked()) {
    t.unlink();
    --armed_;
  }
  t.deadline_us_ = deadline_us;
  // Round up: never fire before the deadline's tick; never into a tick already processed.
  int64_t tick = deadline_us <= 0 ? 0 : (deadline_us + tick_us_ - 1) / tick_us_;
  t.deadline_tick_ = std::max(tick, current_tick_ + 1);
  t.linkBefore(&slots_[static_cast<size_t>(t.deadline_tick_) % slots_.size()]);
  ++armed_;
  if (t.deadline_tick_ < wake_tick_ && arm_hook_) arm_hook_();
}

int64_t TimerWheel::nextDueTick() const {
  if (armed_ == 0) return -1;
  const auto n = static_cast<int64_t>(slots_.size());
  for (int64_t tick = current_tick_ + 1; tick <= current_tick_ + n; ++tick) {
    const detail::TimerNode& head = slots_[static_cast<size_t>(tick % n)];
    if (head.next != &head) return tick;
  }
  return current_tick_ + 1;  // unreachable: every armed timer sits in one of the slots
}

void TimerWheel::disarm(Timer& t) {
  t.unlink();
  --armed_;
}

size_t TimerWheel::advanceTo(int64_t now_us) {
  int64_t target = now_us / tick_us_;
  if (target <= current_tick_) return 0;
  // Collect everything due into a local list first, so callbacks that arm, stop or destroy timers
  // never disturb the walk over the slots.
  detail::TimerNode expired;
  expired.prev = expired.next = &expired;
  int64_t span = std::min<int64_t>(target - current_tick_, static_cast<int64_t>(slots_.size()));
  for (int64_t i = 1; i <= span; ++i) {
    detail::TimerNode& head = slots_[static_cast<size_t>(current_tick_ + i) % slots_.size()];
    for (detail::TimerNode* n = head.next; n != &head;) {
      detail::TimerNode* next = n->next;
      if (static_cast<Timer*>(n)->deadline_tick_ <= target) {
        n->unlink();
        n->linkBefore(&expired);
      }
      n = next;
    }
  }
  current_tick_ = target;
  size_t fired = 0;
  while (expired.next != &expired) {
    auto* t = static_cast<Timer*>(expired.next);
    t->unlink();
    --armed_;
    ++fired;
    if (t->callback_) t->callback_();  // may re-arm or destroy t: not touched afterwards
  }
  return fired;
}

}  // namespace sfu::worker
