// Loopback UDP echo through one media worker: recvmmsg/sendmmsg batches (32) against one
// syscall per datagram (recvmsg/sendmsg), plus the per-packet building blocks (pool, endpoint map).
// The client keeps a window of datagrams in flight with sendmmsg and collects the echoes with
// recvmmsg, identically in both modes, so the difference is the worker's syscall pattern.
// worker_cpu_ns_per_pkt (worker thread CPU / datagrams echoed) is the figure to compare on a shared
// machine; items_per_second also includes the client's own work.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "sfu/net/endpoint.h"
#include "sfu/net/packet_buffer.h"
#include "sfu/worker/worker.h"

namespace {

using sfu::net::Endpoint;
using sfu::worker::Worker;

class Echo : public sfu::net::PacketListener {
 public:
  explicit Echo(Worker& w) : worker_(w) {}
  void onPacketsReceived(std::span<sfu::net::ReceivedPacket> packets) override {
    for (auto& p : packets) worker_.send(p.remote, std::move(p.buffer));
  }

 private:
  Worker& worker_;
};

void BM_UdpEcho(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const size_t window = 64;
  const size_t payload = 1200;

  Worker::Options opt;
  opt.listen_ip = boost::asio::ip::make_address("127.0.0.1");
  opt.enable_tcp = false;
  opt.export_metrics = false;
  opt.udp.recv_batch = batch;
  opt.udp.send_batch = batch;
  Worker worker(opt);
  boost::system::error_code ec;
  if (!worker.open(ec)) {
    state.SkipWithError("bind failed");
    return;
  }
  Echo echo(worker);
  worker.setListener(&echo);
  worker.start();

  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_storage to;
  socklen_t to_len = Endpoint::v4(0x7F000001, worker.port()).toSockaddr(to);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), to_len) != 0) {
    state.SkipWithError("connect failed");
    return;
  }

  std::vector<uint8_t> out(payload, 0xAB);
  std::vector<std::vector<uint8_t>> in(window, std::vector<uint8_t>(2048));
  std::vector<mmsghdr> smsgs(window), rmsgs(window);
  std::vector<iovec> siov(window), riov(window);
  for (size_t i = 0; i < window; ++i) {
    siov[i] = {out.data(), out.size()};
    smsgs[i] = {};
    smsgs[i].msg_hdr.msg_iov = &siov[i];
    smsgs[i].msg_hdr.msg_iovlen = 1;
    riov[i] = {in[i].data(), in[i].size()};
  }

  size_t lost = 0;
  int64_t cpu_start = worker.threadCpuNs();
  for (auto _ : state) {
    size_t sent = 0;
    while (sent < window) {
      int r = ::sendmmsg(fd, smsgs.data() + sent, static_cast<unsigned>(window - sent), 0);
      if (r <= 0) break;
      sent += static_cast<size_t>(r);
    }
    size_t got = 0;
    while (got < sent) {
      for (size_t i = 0; i < window; ++i) {
        rmsgs[i] = {};
        rmsgs[i].msg_hdr.msg_iov = &riov[i];
        rmsgs[i].msg_hdr.msg_iovlen = 1;
      }
      int r =
          ::recvmmsg(fd, rmsgs.data(), static_cast<unsigned>(sent - got), MSG_WAITFORONE, nullptr);
      if (r <= 0) {
        lost += sent - got;
        break;
      }
      got += static_cast<size_t>(r);
    }
  }
  int64_t cpu_used = worker.threadCpuNs() - cpu_start;
  ::close(fd);
  worker.stop();
  auto snap = worker.snapshot();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * window));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * window * payload));
  // Worker-thread CPU per echoed datagram: robust to a busy machine, unlike wall-clock rates.
  state.counters["worker_cpu_ns_per_pkt"] =
      static_cast<double>(cpu_used) / static_cast<double>(state.iterations() * window);
  state.counters["lost"] = static_cast<double>(lost);
  state.counters["worker_rx_per_syscall"] =
      snap.udp.recv_batches ? static_cast<double>(snap.udp.packets_in) / snap.udp.recv_batches : 0;
  state.counters["worker_tx_per_syscall"] =
      snap.udp.send_batches ? static_cast<double>(snap.udp.packets_out) / snap.udp.send_batches : 0;
}
BENCHMARK(BM_UdpEcho)->Arg(1)->Arg(32)->ArgName("batch")->UseRealTime()->MinTime(1.5);

void BM_PoolAcquireRelease(benchmark::State& state) {
  sfu::net::PacketPool pool(1024);
  for (auto _ : state) {
    auto b = pool.acquire();
    benchmark::DoNotOptimize(b.data());
  }
}
BENCHMARK(BM_PoolAcquireRelease);

void BM_EndpointMapLookup(benchmark::State& state) {
  std::unordered_map<Endpoint, int> map;
  std::vector<Endpoint> keys;
  for (uint32_t i = 0; i < 256; ++i) {
    keys.push_back(Endpoint::v4(0x0A000000 | i, static_cast<uint16_t>(40000 + i)));
    map[keys.back()] = static_cast<int>(i);
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(map.find(keys[i++ & 255]));
  }
}
BENCHMARK(BM_EndpointMapLookup);

}  // namespace
