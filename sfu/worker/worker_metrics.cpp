#include "sfu/worker/worker_metrics.h"

#include <prometheus/family.h>

#include <string>

#include "sfu/metrics/registry.h"

namespace sfu::worker {

namespace {

prometheus::Family<prometheus::Counter>& counterFamily(const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(metrics::registry());
}

prometheus::Gauge& gauge(const char* name, const char* help, const std::string& worker) {
  return prometheus::BuildGauge()
      .Name(name)
      .Help(help)
      .Register(metrics::registry())
      .Add({{"worker", worker}});
}

constexpr const char* kRx = "sfu_worker_packets_received_total";
constexpr const char* kRxBytes = "sfu_worker_bytes_received_total";
constexpr const char* kTx = "sfu_worker_packets_sent_total";
constexpr const char* kTxBytes = "sfu_worker_bytes_sent_total";
constexpr const char* kDrop = "sfu_worker_packets_dropped_total";
constexpr const char* kClosed = "sfu_worker_tcp_connections_closed_total";
constexpr const char* kRxHelp =
    "Packets received by a media worker (UDP datagrams, ICE-TCP frames)";
constexpr const char* kRxBytesHelp = "Bytes received by a media worker";
constexpr const char* kTxHelp = "Packets sent by a media worker";
constexpr const char* kTxBytesHelp = "Bytes sent by a media worker";
constexpr const char* kDropHelp = "Packets a media worker's socket layer dropped, by reason";
constexpr const char* kClosedHelp = "ICE-TCP connections closed, by reason";

}  // namespace

void WorkerMetrics::Delta::add(uint64_t value) {
  if (value > last) counter->Increment(static_cast<double>(value - last));
  last = value;
}

WorkerMetrics::Delta& WorkerMetrics::counter(
    const char* family, const char* help,
    std::initializer_list<std::pair<const char*, const char*>> labels) {
  prometheus::Labels l{{"worker", worker_}};
  for (const auto& [k, v] : labels) l.emplace(k, v);
  deltas_.push_back(Delta{&counterFamily(family, help).Add(l)});
  return deltas_.back();
}

WorkerMetrics::WorkerMetrics(unsigned worker_index) : worker_(std::to_string(worker_index)) {
  deltas_.reserve(32);
  // The order here is the order fold() passes values in.
  counter(kRx, kRxHelp, {{"transport", "udp"}});
  counter(kRxBytes, kRxBytesHelp, {{"transport", "udp"}});
  counter(kTx, kTxHelp, {{"transport", "udp"}});
  counter(kTxBytes, kTxBytesHelp, {{"transport", "udp"}});
  counter(kRx, kRxHelp, {{"transport", "tcp"}});
  counter(kRxBytes, kRxBytesHelp, {{"transport", "tcp"}});
  counter(kTx, kTxHelp, {{"transport", "tcp"}});
  counter(kTxBytes, kTxBytesHelp, {{"transport", "tcp"}});
  counter(kDrop, kDropHelp, {{"transport", "udp"}, {"reason", "pool_exhausted"}});
  counter(kDrop, kDropHelp, {{"transport", "udp"}, {"reason", "truncated"}});
  counter(kDrop, kDropHelp, {{"transport", "udp"}, {"reason", "send_queue_full"}});
  counter(kDrop, kDropHelp, {{"transport", "udp"}, {"reason", "send_error"}});
  counter(kDrop, kDropHelp, {{"transport", "udp"}, {"reason", "bad_address"}});
  counter(kDrop, kDropHelp, {{"transport", "tcp"}, {"reason", "pool_exhausted"}});
  counter(kDrop, kDropHelp, {{"transport", "tcp"}, {"reason", "send_queue_full"}});
  counter(kDrop, kDropHelp, {{"transport", "tcp"}, {"reason", "no_connection"}});
  counter(kDrop, kDropHelp, {{"transport", "tcp"}, {"reason", "oversize"}});
  counter(kDrop, kDropHelp, {{"transport", "tcp"}, {"reason", "empty_frame"}});
  counter(kDrop, kDropHelp, {{"transport", "any"}, {"reason", "no_listener"}});
  counter(kClosed, kClosedHelp, {{"reason", "peer"}});
  counter(kClosed, kClosedHelp, {{"reason", "error"}});
  counter(kClosed, kClosedHelp, {{"reason", "bad_frame"}});
  counter(kClosed, kClosedHelp, {{"reason", "idle"}});
  counter(kClosed, kClosedHelp, {{"reason", "local"}});
  counter(kClosed, kClosedHelp, {{"reason", "rejected_limit"}});
  counter("sfu_worker_send_blocked_total",
          "Times a worker's UDP send queue waited for the socket to become writable", {});
  counter("sfu_worker_send_fallback_total",
          "Send batches that went out on the receive socket because the send socket was full", {});
  counter("sfu_worker_pool_exhausted_total",
          "Packet buffer requests refused because the worker's pool was empty", {});
  counter("sfu_worker_gso_datagrams_total",
          "UDP datagrams sent in runs to one peer joined into one message (segmentation offload)",
          {});
  counter("sfu_worker_gso_refused_total",
          "Joined UDP messages the kernel refused (their datagrams were resent one by one)", {});
  utilization_ = &gauge("sfu_worker_utilization_ratio",
                        "Fraction of wall time the worker thread spent on CPU (0..1)", worker_);
  pool_in_use_ = &gauge("sfu_worker_pool_buffers_in_use",
                        "Packet buffers currently taken from the pool", worker_);
  tcp_connections_ =
      &gauge("sfu_worker_tcp_connections", "Open ICE-TCP connections on the worker", worker_);
}

void WorkerMetrics::fold(const WorkerSnapshot& s) {
  const uint64_t values[] = {
      s.udp.packets_in,          s.udp.bytes_in,
      s.udp.packets_out,         s.udp.bytes_out,
      s.tcp.packets_in,          s.tcp.bytes_in,
      s.tcp.packets_out,         s.tcp.bytes_out,
      s.udp.drop_pool_exhausted, s.udp.drop_truncated,
      s.udp.drop_queue_full,     s.udp.drop_send_error,
      s.udp.drop_bad_address,    s.tcp.drop_pool_exhausted,
      s.tcp.drop_queue_full,     s.tcp.drop_no_connection,
      s.tcp.drop_oversize,       s.tcp.empty_frames,
      s.dropped_no_listener,     s.tcp.closed_peer,
      s.tcp.closed_error,        s.tcp.closed_bad_frame,
      s.tcp.closed_idle,         s.tcp.closed_local,
      s.tcp.rejected_limit,      s.udp.send_blocked,
      s.udp.send_fallback,       s.pool_exhausted,
      s.udp.gso_datagrams,       s.udp.gso_refused,
  };
  static_assert(sizeof(values) / sizeof(values[0]) == 30);
  for (size_t i = 0; i < deltas_.size() && i < std::size(values); ++i) deltas_[i].add(values[i]);
  utilization_->Set(s.utilization);
  pool_in_use_->Set(static_cast<double>(s.pool_in_use));
  tcp_connections_->Set(static_cast<double>(s.tcp_connections));
}

void WorkerMetrics::clearGauges() {
  utilization_->Set(0);
  pool_in_use_->Set(0);
  tcp_connections_->Set(0);
}

}  // namespace sfu::worker
