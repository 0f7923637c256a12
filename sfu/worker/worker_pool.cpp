#include "sfu/worker/worker_pool.h"

#include <thread>

#include "sfu/common/log.h"

namespace sfu::worker {

WorkerPool::WorkerPool(Options options) : options_(std::move(options)) {
  unsigned n = options_.workers;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    Worker::Options wo = options_.worker;
    wo.index = i;
    wo.listen_ip = options_.listen_ip;
    wo.port = options_.base_port == 0 ? 0 : static_cast<uint16_t>(options_.base_port + i);
    workers_.push_back(std::make_unique<Worker>(std::move(wo)));
  }
}

WorkerPool::~WorkerPool() { stop(); }

bool WorkerPool::open(boost::system::error_code& ec) {
  if (options_.base_port != 0 && options_.base_port + workers_.size() - 1 > 65535) {
    ec = boost::asio::error::invalid_argument;
    return false;
  }
  for (auto& w : workers_) {
    if (!w->open(ec)) {
      SFU_LOG_ERROR("worker", "bind failed worker={} ip={} port={} error=\"{}\"", w->index(),
                    options_.listen_ip.to_string(),
                    options_.base_port == 0 ? 0 : options_.base_port + w->index(), ec.message());
      for (auto& o : workers_) o->stop();  // closes whatever did open
      return false;
    }
  }
  return true;
}

void WorkerPool::start(const std::function<net::PacketListener*(Worker&)>& listener_for) {
  for (auto& w : workers_) {
    if (listener_for) w->setListener(listener_for(*w));
    w->start();
  }
}

void WorkerPool::stop() {
  for (auto& w : workers_) w->stop();
}

Worker& WorkerPool::pick() {
  size_t n = workers_.size();
  size_t start = rr_.fetch_add(1, std::memory_order_relaxed);
  Worker* best = nullptr;
  for (size_t k = 0; k < n; ++k) {
    Worker* w = workers_[(start + k) % n].get();
    if (best == nullptr || w->load() < best->load() ||
        (w->load() == best->load() && w->utilization() < best->utilization())) {
      best = w;
    }
  }
  return *best;
}

Worker& WorkerPool::next() {
  return *workers_[rr_.fetch_add(1, std::memory_order_relaxed) % workers_.size()];
}

}  // namespace sfu::worker
