// Folds one worker's plain per-thread counters into the process-wide Prometheus registry.
// The media path bumps ordinary integers (UdpSocket::Stats, IceTcpServer::Stats, PacketPool);
// the worker calls fold() from its own thread once per metrics interval, which adds the deltas to
// the worker's series. Nothing is looked up or incremented per packet.
//
//   sfu_worker_packets_received_total{worker,transport}   sfu_worker_bytes_received_total{...}
//   sfu_worker_packets_sent_total{worker,transport}       sfu_worker_bytes_sent_total{...}
//   sfu_worker_packets_dropped_total{worker,transport,reason}  (transport=any: no listener set)
//   sfu_worker_tcp_connections_closed_total{worker,reason}   sfu_worker_tcp_connections{worker}
//   sfu_worker_send_blocked_total{worker} sfu_worker_send_fallback_total{worker}
//   sfu_worker_pool_exhausted_total{worker}
//   sfu_worker_gso_datagrams_total{worker}  sfu_worker_gso_refused_total{worker}
//   sfu_worker_pool_buffers_in_use{worker}                   sfu_worker_utilization_ratio{worker}
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <cstdint>
#include <vector>

#include "sfu/net/ice_tcp_server.h"
#include "sfu/net/udp_socket.h"

namespace sfu::worker {

struct WorkerSnapshot {
  net::UdpSocket::Stats udp;
  net::IceTcpServer::Stats tcp;
  uint64_t pool_exhausted = 0;
  size_t pool_in_use = 0;
  size_t tcp_connections = 0;
  uint64_t dropped_no_listener = 0;
  double utilization = 0;  // 0..1
};

class WorkerMetrics {
 public:
  explicit WorkerMetrics(unsigned worker_index);

  // Adds now - previous fold to the counters and sets the gauges.
  void fold(const WorkerSnapshot& now);
  // Zeroes the gauges (a stopped worker is not busy and holds no buffers).
  void clearGauges();

 private:
  struct Delta {
    prometheus::Counter* counter;
    uint64_t last = 0;
    void add(uint64_t value);
  };

  Delta& counter(const char* family, const char* help,
                 std::initializer_list<std::pair<const char*, const char*>> labels);

  std::string worker_;
  std::vector<Delta> deltas_;  // in the order fold() feeds them
  prometheus::Gauge* utilization_;
  prometheus::Gauge* pool_in_use_;
  prometheus::Gauge* tcp_connections_;
};

}  // namespace sfu::worker
