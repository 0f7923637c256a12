// The set of media workers (DESIGN.md "Threads"): N workers (default: one per core), worker i on
// port base_port + i for UDP and ICE-TCP. New rooms / sessions go to pick() (least loaded);
// byIndex() finds the worker an existing room lives on. pick() and byIndex() are safe from any
// thread; everything else about a worker follows Worker's own rules.
//
// base_port 0 (tests): every worker takes its own ephemeral port (not consecutive; read port()).
#pragma once

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "sfu/worker/worker.h"

namespace sfu::worker {

class WorkerPool {
 public:
  struct Options {
    unsigned workers = 0;  // 0: std::thread::hardware_concurrency() (at least 1)
    boost::asio::ip::address listen_ip = boost::asio::ip::address_v4::any();
    uint16_t base_port = 40000;
    Worker::Options worker;  // template: index, listen_ip and port are filled in per worker
  };

  explicit WorkerPool(Options options);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Binds every worker's sockets (all or nothing: on failure none stay open).
  bool open(boost::system::error_code& ec);
  // Gives each worker its listener (called once per worker, before start) and starts the threads.
  void start(const std::function<net::PacketListener*(Worker&)>& listener_for = {});
  // Stops and joins every worker. Idempotent.
  void stop();

  size_t size() const { return workers_.size(); }
  Worker& byIndex(size_t i) { return *workers_.at(i); }
  // Least load(); ties go to the lower utilisation, then round-robin.
  Worker& pick();
  // Plain round-robin.
  Worker& next();

 private:
  Options options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> rr_{0};
};

}  // namespace sfu::worker
