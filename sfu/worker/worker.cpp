#include "sfu/worker/worker.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <exception>
#include <string>

#include "sfu/common/log.h"

namespace sfu::worker {

namespace asio = boost::asio;

namespace {

int64_t currentThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t wallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Worker::ListenerTap::onPacketsReceived(std::span<net::ReceivedPacket> packets) {
  if (target != nullptr) {
    target->onPacketsReceived(packets);
  } else {
    dropped_no_listener += packets.size();
  }
}

void Worker::ListenerTap::onConnectionClosed(const net::Endpoint& remote) {
  if (target != nullptr) target->onConnectionClosed(remote);
}

Worker::Worker(Options options)
    : options_(std::move(options)),
      pool_(options_.pool_buffers),
      wheel_(clock_, options_.timer_tick_us),
      io_(1),
      work_(io_.get_executor()),
      tick_timer_(io_),
      metrics_timer_(io_) {
  wheel_.setArmHook([this] { armTick(); });
  if (options_.export_metrics) metrics_ = std::make_unique<WorkerMetrics>(options_.index);
}

Worker::~Worker() { stop(); }

bool Worker::open(boost::system::error_code& ec) {
  // With an ephemeral port the TCP side may find "our" number taken: pick another UDP port.
  int attempts = options_.port == 0 && options_.enable_tcp ? 16 : 1;
  for (int i = 0; i < attempts; ++i) {
    tcp_.reset();
    udp_ = std::make_unique<net::UdpSocket>(io_, pool_, tap_, options_.udp);
    if (!udp_->open(options_.listen_ip, options_.port, ec)) return false;
    port_ = udp_->localPort();
    if (!options_.enable_tcp) return true;
    tcp_ = std::make_unique<net::IceTcpServer>(io_, pool_, tap_, options_.tcp);
    if (tcp_->open(options_.listen_ip, port_, ec)) return true;
    if (ec != asio::error::address_in_use) break;
  }
  tcp_.reset();
  udp_.reset();
  port_ = 0;
  return false;
}

void Worker::setListener(net::PacketListener* listener) { tap_.target = listener; }

void Worker::start() {
  if (thread_.joinable() || !udp_) return;
  udp_->start();
  if (tcp_) tcp_->start();
  armMetrics();
  running_.store(true, std::memory_order_release);
  thread_ = std::thread([this] { run(); });
}

void Worker::run() {
  thread_id_.store(std::this_thread::get_id());
  std::string name = "sfu-worker-" + std::to_string(options_.index);
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  last_cpu_ns_ = currentThreadCpuNs();
  last_wall_ns_ = wallNs();
  SFU_LOG_INFO("worker", "started worker={} port={}", options_.index, port_);
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      // A handler threw: log and keep the worker alive (its rooms stay served).
      SFU_LOG_ERROR("worker", "handler threw worker={} error=\"{}\"", options_.index, e.what());
    }
  }
  SFU_LOG_INFO("worker", "stopped worker={}", options_.index);
}

void Worker::stop() {
  if (!thread_.joinable()) {
    if (udp_) udp_->close();
    if (tcp_) tcp_->close();
    return;
  }
  asio::post(io_, [this] { shutdown(); });
  thread_.join();
  thread_id_.store(std::thread::id{});
  running_.store(false, std::memory_order_release);
  utilization_.store(0, std::memory_order_relaxed);
  if (metrics_) metrics_->clearGauges();
}

void Worker::shutdown() {
  stopping_ = true;
  if (stop_hook_) stop_hook_();
  udp_->close();
  if (tcp_) tcp_->close();
  tick_timer_.cancel();
  metrics_timer_.cancel();
  if (metrics_) metrics_->fold(snapshot());
  work_.reset();
  // Queued behind the completions the closes just produced (and the listener's connection-closed
  // notifications): those run, then the loop stops even if someone left a timer of their own.
  asio::post(io_, [this] { io_.stop(); });
}

void Worker::armTick() {
  if (ticking_ || stopping_) return;  // onTick schedules once the due timers have run
  const int64_t tick = wheel_.nextDueTick();
  if (tick < 0 || tick >= wheel_.wakeTick()) return;  // nothing armed, or already waking in time
  // The wake is the start of the due tick on the steady clock: every worker, and the SCTP timer
  // thread, wake on the same grid, so their timers expire together and the core leaves idle once.
  wheel_.setWakeTick(tick);
  const uint64_t generation = ++tick_generation_;
  // Re-arming cancels the pending wait, whose operation keeps its block until its completion
  // runs: take the other one.
  auto& memory = tick_memory_[0]->inUse() ? tick_memory_[1] : tick_memory_[0];
  tick_timer_.expires_at(
      std::chrono::steady_clock::time_point(std::chrono::microseconds(tick * wheel_.tickUs())));
  tick_timer_.async_wait(
      bindHandlerMemory(memory, [this, generation](const boost::system::error_code& ec) {
        if (ec || generation != tick_generation_) return;  // cancelled / superseded
        onTick();
      }));
}

void Worker::onTick() {
  ++tick_wakeups_;
  wheel_.setWakeTick(TimerWheel::kNoWake);
  ticking_ = true;
  wheel_.advance();
  ticking_ = false;
  armTick();
}

void Worker::armMetrics() {
  if (stopping_) return;
  metrics_timer_.expires_after(options_.metrics_interval);
  metrics_timer_.async_wait(
      bindHandlerMemory(metrics_memory_, [this](const boost::system::error_code& ec) {
        if (!ec) onMetrics();
      }));
}

void Worker::onMetrics() {
  int64_t cpu = currentThreadCpuNs();
  int64_t wall = wallNs();
  if (wall > last_wall_ns_) {
    double u = static_cast<double>(cpu - last_cpu_ns_) / static_cast<double>(wall - last_wall_ns_);
    utilization_.store(std::clamp(u, 0.0, 1.0), std::memory_order_relaxed);
  }
  last_cpu_ns_ = cpu;
  last_wall_ns_ = wall;
  if (metrics_) metrics_->fold(snapshot());
  armMetrics();
}

int64_t Worker::threadCpuNs() {
  if (!thread_.joinable()) return 0;
  clockid_t cid;
  if (pthread_getcpuclockid(thread_.native_handle(), &cid) != 0) return 0;
  timespec ts{};
  if (clock_gettime(cid, &ts) != 0) return 0;
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

WorkerSnapshot Worker::snapshot() const {
  WorkerSnapshot s;
  if (udp_) s.udp = udp_->stats();
  if (tcp_) {
    s.tcp = tcp_->stats();
    s.tcp_connections = tcp_->connectionCount();
  }
  s.pool_exhausted = pool_.exhausted();
  s.pool_in_use = pool_.inUse();
  s.dropped_no_listener = tap_.dropped_no_listener;
  s.utilization = utilization_.load(std::memory_order_relaxed);
  return s;
}

bool Worker::send(const net::Endpoint& remote, const uint8_t* data, size_t len) {
  if (remote.isTcp()) return tcp_ && tcp_->send(remote, data, len);
  return udp_ && udp_->send(remote, data, len);
}

bool Worker::send(const net::Endpoint& remote, net::PacketBuffer&& buffer) {
  if (remote.isTcp()) {
    if (!tcp_) return false;
    return tcp_->send(remote, std::move(buffer));
  }
  return udp_ && udp_->send(remote, std::move(buffer));
}

void Worker::closeConnection(const net::Endpoint& remote) {
  if (tcp_) tcp_->closeConnection(remote);
}

}  // namespace sfu::worker
