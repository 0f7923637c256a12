// A media worker (DESIGN.md "Threads"): one thread running one asio::io_context, owning one UDP
// socket on its port (rtc_port + index), the ICE-TCP listener on the same port number, a packet
// pool, a monotonic clock and a timer wheel. Rooms live entirely on one worker; other threads reach
// it only through post().
//
//   signaling thread ──post(fn)──▶ io_context ◀── UDP readable ── recvmmsg batch ─▶ listener
//                                     │      ◀── ICE-TCP frames ──────────────────▶ listener
//                                     ├── tick timer (at the next due tick, none while idle) ─▶
//                                     wheel └── metrics timer (1 s): fold counters, utilisation
//                                     gauge
//
// Loop utilisation is the worker thread's CPU time (CLOCK_THREAD_CPUTIME_ID, syscalls included)
// over wall time per metrics interval: no per-packet cost, and blocking in epoll counts as idle.
//
// Lifecycle: construct → open() (binds on the calling thread, so EADDRINUSE is reported there) →
// setListener() → start() → ... → stop() (runs the stop hook on the worker thread, closes sockets,
// stops the loop, joins). Send/timer/pool calls are for the worker thread only.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "sfu/common/handler_memory.h"
#include "sfu/net/ice_tcp_server.h"
#include "sfu/net/packet_buffer.h"
#include "sfu/net/packet_listener.h"
#include "sfu/net/udp_socket.h"
#include "sfu/worker/clock.h"
#include "sfu/worker/timer_wheel.h"
#include "sfu/worker/worker_metrics.h"

namespace sfu::worker {

class Worker final : public net::PacketSender {
 public:
  struct Options {
    unsigned index = 0;
    boost::asio::ip::address listen_ip = boost::asio::ip::address_v4::any();
    uint16_t port = 0;  // 0: an ephemeral port (TCP then takes the same number)
    bool enable_tcp = true;
    size_t pool_buffers = 4096;  // x 2 KiB
    net::UdpSocket::Options udp;
    net::IceTcpServer::Options tcp;
    int64_t timer_tick_us = 10'000;
    std::chrono::milliseconds metrics_interval{1000};
    bool export_metrics = true;  // fold counters into the process-wide registry
  };

  explicit Worker(Options options);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  bool open(boost::system::error_code& ec);
  // Packets go to listener (nullptr: dropped). Before start(), or on the worker thread.
  void setListener(net::PacketListener* listener);
  // Runs on the worker thread when stop() begins, before the sockets close (tear sessions down).
  void setStopHook(std::function<void()> hook) { stop_hook_ = std::move(hook); }
  void start();
  // Idempotent; must not be called from the worker thread itself.
  void stop();
  bool running() const { return running_.load(std::memory_order_acquire); }

  // Runs fn on the worker thread (any thread may call; FIFO per caller).
  template <typename Fn>
  void post(Fn&& fn) {
    boost::asio::post(io_, std::forward<Fn>(fn));
  }
  boost::asio::io_context& ioContext() { return io_; }
  bool inWorkerThread() const { return std::this_thread::get_id() == thread_id_.load(); }

  unsigned index() const { return options_.index; }
  uint16_t port() const { return port_; }
  net::PacketPool& pool() { return pool_; }
  TimerWheel& timers() { return wheel_; }
  const Clock& clock() const { return clock_; }
  net::UdpSocket& udp() { return *udp_; }
  net::IceTcpServer* tcp() { return tcp_.get(); }

  // net::PacketSender: UDP or ICE-TCP by remote.transport(). Worker thread only.
  bool send(const net::Endpoint& remote, const uint8_t* data, size_t len) override;
  bool send(const net::Endpoint& remote, net::PacketBuffer&& buffer) override;
  void closeConnection(const net::Endpoint& remote) override;

  // Cross-thread readable load figures for worker selection.
  double utilization() const { return utilization_.load(std::memory_order_relaxed); }
  int load() const { return load_.load(std::memory_order_relaxed); }
  // The session layer counts what it places here (e.g. +1 per session, or per participant).
  void addLoad(int delta) { load_.fetch_add(delta, std::memory_order_relaxed); }

  // CPU time the worker thread has used so far (any thread; 0 when not running).
  int64_t threadCpuNs();

  // The current counters (worker thread only, or after stop()).
  WorkerSnapshot snapshot() const;
  // Times the tick timer woke the worker (worker thread only): once per due tick, none idle.
  uint64_t tickWakeups() const { return tick_wakeups_; }

 private:
  // Forwards to the user's listener; drops packets when there is none.
  class ListenerTap : public net::PacketListener {
   public:
    net::PacketListener* target = nullptr;
    uint64_t dropped_no_listener = 0;
    void onPacketsReceived(std::span<net::ReceivedPacket> packets) override;
    void onConnectionClosed(const net::Endpoint& remote) override;
  };

  void run();
  void armTick();
  void onTick();
  void armMetrics();
  void onMetrics();
  void shutdown();

  Options options_;
  // Declaration order is destruction order reversed: the pool outlives the io_context (whose
  // destructor frees handlers still holding connections), which outlives the sockets.
  net::PacketPool pool_;
  SteadyClock clock_;
  TimerWheel wheel_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  ListenerTap tap_;
  std::unique_ptr<net::UdpSocket> udp_;
  std::unique_ptr<net::IceTcpServer> tcp_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer metrics_timer_;
  std::unique_ptr<WorkerMetrics> metrics_;
  std::function<void()> stop_hook_;
  uint16_t port_ = 0;
  bool ticking_ = false;  // in onTick: arming timers reschedules once, at its end
  uint64_t tick_wakeups_ = 0;
  uint64_t tick_generation_ = 0;  // the current tick wait's (a superseded one ignores its wake)
  // The tick and metrics waits' operation state, re-armed without the heap (two for the tick: a
  // wait moved earlier is cancelled, and holds its block until its completion runs).
  std::array<std::shared_ptr<HandlerMemory>, 2> tick_memory_ = {std::make_shared<HandlerMemory>(),
                                                                std::make_shared<HandlerMemory>()};
  std::shared_ptr<HandlerMemory> metrics_memory_ = std::make_shared<HandlerMemory>();
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::atomic<bool> running_{false};
  std::atomic<double> utilization_{0};
  std::atomic<int> load_{0};
  int64_t last_cpu_ns_ = 0;
  int64_t last_wall_ns_ = 0;
};

}  // namespace sfu::worker
