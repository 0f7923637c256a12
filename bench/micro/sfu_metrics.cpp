// Cost of the media path's metrics: counting one RTCP compound by type (the header walk every
// incoming and outgoing compound goes through), a latency observation into the worker's plain
// histogram, and the once-a-second fold of a worker's counters into prometheus-cpp.
#include <benchmark/benchmark.h>

#include <vector>

#include "rtp/common/byte_io.h"
#include "sfu/transport/transport_metrics.h"

namespace {

using sfu::transport::PacketDirection;
using sfu::transport::TransportCounters;

// RR with one report block + generic NACK + PLI, as a browser's feedback compound looks.
std::vector<uint8_t> compound() {
  std::vector<uint8_t> c(32 + 16 + 12, 0);
  c[0] = 0x81;
  c[1] = 201;
  rtp::store16(&c[2], 7);
  c[12] = 12;  // fraction lost of the block
  c[32] = 0x81;
  c[33] = 205;
  rtp::store16(&c[34], 3);
  c[48] = 0x81;
  c[49] = 206;
  rtp::store16(&c[50], 2);
  return c;
}

void BM_CountRtcpCompoundIn(benchmark::State& state) {
  TransportCounters counters;
  const auto bytes = compound();
  for (auto _ : state) {
    counters.countRtcp(PacketDirection::kIn, bytes);
    benchmark::DoNotOptimize(counters.rtcp);
  }
}
BENCHMARK(BM_CountRtcpCompoundIn);

void BM_LatencyObserve(benchmark::State& state) {
  TransportCounters counters;
  double v = 0.00005;
  for (auto _ : state) {
    counters.forwarding_latency.observe(v, 8);
    v = v > 0.05 ? 0.00005 : v * 1.7;
  }
  benchmark::DoNotOptimize(counters.forwarding_latency.count());
}
BENCHMARK(BM_LatencyObserve);

void BM_FoldWorkerCounters(benchmark::State& state) {
  sfu::transport::TransportMetrics metrics;
  TransportCounters counters;
  const auto bytes = compound();
  for (auto _ : state) {
    counters.countRtcp(PacketDirection::kIn, bytes);
    counters.forwarding_latency.observe(0.0001, 100);
    counters.count(PacketDirection::kOut, sfu::transport::PacketKindLabel::kVideo, 1200);
    metrics.fold(counters);
  }
}
BENCHMARK(BM_FoldWorkerCounters);

}  // namespace
