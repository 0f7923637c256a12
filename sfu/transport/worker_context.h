// What the session layer needs from the worker it lives on: a way to send, the worker's packet
// pool, its timer wheel (and through it the clock), and a way to run something later on the same
// thread. A worker::Worker provides all of them (of()); unit tests assemble one from a fake sender,
// a local pool and a wheel over a ManualClock.
#pragma once

#include <functional>
#include <utility>

#include "sfu/net/packet_buffer.h"
#include "sfu/net/packet_listener.h"
#include "sfu/worker/clock.h"
#include "sfu/worker/timer_wheel.h"
#include "sfu/worker/worker.h"

namespace sfu::transport {

struct WorkerContext {
  using Task = std::function<void()>;

  net::PacketSender* sender = nullptr;
  net::PacketPool* pool = nullptr;
  worker::TimerWheel* timers = nullptr;
  // Runs a task later on this worker's thread (never inline).
  std::function<void(Task)> post;
  unsigned index = 0;

  const worker::Clock& clock() const { return timers->clock(); }
  int64_t nowUs() const { return timers->clock().nowUs(); }

  static WorkerContext of(worker::Worker& w) {
    WorkerContext c;
    c.sender = &w;
    c.pool = &w.pool();
    c.timers = &w.timers();
    c.post = [&w](Task task) { w.post(std::move(task)); };
    c.index = w.index();
    return c;
  }
};

}  // namespace sfu::transport
