#include "sfu/worker/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "net_test_util.h"
#include "sfu/metrics/registry.h"

namespace sfu::worker {
namespace {

using net::Endpoint;
using net::test::TcpClient;
using net::test::UdpClient;
using namespace std::chrono_literals;

// Echoes every packet back on the same transport (zero copy), and records what it saw.
class EchoListener : public net::PacketListener {
 public:
  explicit EchoListener(Worker& worker) : worker_(worker) {}

  void onPacketsReceived(std::span<net::ReceivedPacket> packets) override {
    EXPECT_TRUE(worker_.inWorkerThread());
    size_t n = packets.size();
    size_t prev = max_batch.load();
    while (n > prev && !max_batch.compare_exchange_weak(prev, n)) {
    }
    for (auto& p : packets) {
      if (p.remote.isTcp()) {
        ++tcp_packets;
        std::lock_guard lock(mu);
        last_tcp = p.remote;
      }
      ++packets_seen;
      worker_.send(p.remote, std::move(p.buffer));
    }
  }
  void onConnectionClosed(const Endpoint& remote) override {
    std::lock_guard lock(mu);
    closed.push_back(remote);
  }

  std::atomic<size_t> max_batch{0};
  std::atomic<size_t> packets_seen{0};
  std::atomic<size_t> tcp_packets{0};
  std::mutex mu;
  Endpoint last_tcp;
  std::vector<Endpoint> closed;

 private:
  Worker& worker_;
};

WorkerPool::Options loopbackOptions(unsigned n) {
  WorkerPool::Options o;
  o.workers = n;
  o.listen_ip = boost::asio::ip::make_address("127.0.0.1");
  o.base_port = 0;
  o.worker.pool_buffers = 512;
  o.worker.metrics_interval = 50ms;
  return o;
}

// Runs fn on the worker and waits for its result.
template <typename Fn>
auto onWorker(Worker& w, Fn fn) -> decltype(fn()) {
  std::promise<decltype(fn())> p;
  auto f = p.get_future();
  w.post([&] { p.set_value(fn()); });
  EXPECT_EQ(f.wait_for(3s), std::future_status::ready);
  return f.get();
}

// Polls a worker-side condition (write completions land a moment after the peer has the bytes).
template <typename Fn>
bool eventually(Worker& w, Fn pred) {
  for (int i = 0; i < 300; ++i) {
    if (onWorker(w, pred)) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  void startPool(unsigned n) {
    pool_ = std::make_unique<WorkerPool>(loopbackOptions(n));
    boost::system::error_code ec;
    ASSERT_TRUE(pool_->open(ec)) << ec.message();
    for (size_t i = 0; i < pool_->size(); ++i) {
      listeners_.push_back(std::make_unique<EchoListener>(pool_->byIndex(i)));
    }
    pool_->start([&](Worker& w) { return listeners_[w.index()].get(); });
  }
  void TearDown() override {
    if (pool_) pool_->stop();
  }

  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::unique_ptr<EchoListener>> listeners_;
};

TEST_F(WorkerPoolTest, UdpEchoOnEveryWorkerWithBatches) {
  startPool(2);
  ASSERT_EQ(pool_->size(), 2u);
  EXPECT_NE(pool_->byIndex(0).port(), pool_->byIndex(1).port());
  for (size_t i = 0; i < 2; ++i) {
    Worker& w = pool_->byIndex(i);
    Endpoint to = Endpoint::v4(0x7F000001, w.port());
    UdpClient client;
    // Hold the worker busy while the datagrams pile up, so it reads them as one batch.
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    w.post([gate] { gate.wait(); });
    for (int k = 0; k < 20; ++k) ASSERT_TRUE(client.sendTo(to, "w" + std::to_string(k)));
    release.set_value();
    for (int k = 0; k < 20; ++k) {
      auto got = client.receive();
      ASSERT_TRUE(got) << "worker " << i << " packet " << k;
      EXPECT_EQ(*got, "w" + std::to_string(k));
    }
    EXPECT_EQ(listeners_[i]->max_batch.load(), 20u);
    auto snap = onWorker(w, [&] { return w.snapshot(); });
    EXPECT_EQ(snap.udp.packets_in, 20u);
    EXPECT_TRUE(eventually(w, [&] { return w.snapshot().udp.packets_out == 20; }));
    EXPECT_LE(snap.udp.send_batches, 2u);
  }
}

TEST_F(WorkerPoolTest, IceTcpFramesInAndOutOnTheSamePort) {
  startPool(2);
  Worker& w = pool_->byIndex(1);
  TcpClient client(w.port());
  ASSERT_TRUE(client.connected());
  // Three frames in one write, then one frame split across two writes.
  std::vector<uint8_t> merged;
  for (const char* s : {"alpha", "beta", "gamma"}) {
    auto f = TcpClient::frame(s);
    merged.insert(merged.end(), f.begin(), f.end());
  }
  ASSERT_TRUE(client.write(merged));
  auto last = TcpClient::frame(std::string(1200, 'z'));
  ASSERT_TRUE(client.write(last.data(), 1));
  ASSERT_TRUE(client.write(last.data() + 1, last.size() - 1));
  EXPECT_EQ(client.readFrame(), "alpha");
  EXPECT_EQ(client.readFrame(), "beta");
  EXPECT_EQ(client.readFrame(), "gamma");
  EXPECT_EQ(client.readFrame(), std::string(1200, 'z'));

  Endpoint remote;
  {
    std::lock_guard lock(listeners_[1]->mu);
    remote = listeners_[1]->last_tcp;
  }
  EXPECT_TRUE(remote.isTcp());
  EXPECT_NE(remote.connectionId(), 0u);
  EXPECT_TRUE(remote.isLoopback());

  // The session layer can also originate frames on the connection.
  EXPECT_TRUE(onWorker(w, [&] {
    const uint8_t msg[] = {'h', 'e', 'y'};
    return w.send(remote, msg, sizeof(msg));
  }));
  EXPECT_EQ(client.readFrame(), "hey");

  EXPECT_TRUE(eventually(w, [&] { return w.snapshot().tcp.packets_out == 5; }));
  auto snap = onWorker(w, [&] { return w.snapshot(); });
  EXPECT_EQ(snap.tcp.accepted, 1u);
  EXPECT_EQ(snap.tcp.packets_in, 4u);
  EXPECT_EQ(snap.tcp.packets_out, 5u);
  EXPECT_EQ(snap.tcp_connections, 1u);
}

TEST_F(WorkerPoolTest, IceTcpOversizeFrameClosesAndCounts) {
  startPool(1);
  Worker& w = pool_->byIndex(0);
  TcpClient client(w.port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.write(TcpClient::frame("fine")));
  EXPECT_EQ(client.readFrame(), "fine");
  ASSERT_TRUE(client.write({0xFF, 0xF0, 1, 2, 3}));  // announces 65520 bytes
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_TRUE(eventually(w, [&] { return w.snapshot().tcp.closed_bad_frame == 1; }));
  auto snap = onWorker(w, [&] { return w.snapshot(); });
  EXPECT_EQ(snap.tcp_connections, 0u);
  // The listener heard about it (posted after the close).
  onWorker(w, [] { return 0; });
  std::lock_guard lock(listeners_[0]->mu);
  ASSERT_EQ(listeners_[0]->closed.size(), 1u);
  EXPECT_TRUE(listeners_[0]->closed[0].isTcp());
}

TEST_F(WorkerPoolTest, ListenerCanCloseAConnection) {
  startPool(1);
  Worker& w = pool_->byIndex(0);
  TcpClient client(w.port());
  ASSERT_TRUE(client.write(TcpClient::frame("x")));
  EXPECT_EQ(client.readFrame(), "x");
  Endpoint remote;
  {
    std::lock_guard lock(listeners_[0]->mu);
    remote = listeners_[0]->last_tcp;
  }
  onWorker(w, [&] {
    w.closeConnection(remote);
    return 0;
  });
  EXPECT_TRUE(client.closedByPeer());
  EXPECT_EQ(onWorker(w, [&] { return w.snapshot(); }).tcp.closed_local, 1u);
  // Sending on the stale endpoint is a counted drop, not a crash.
  EXPECT_FALSE(onWorker(w, [&] {
    const uint8_t b = 0;
    return w.send(remote, &b, 1);
  }));
  EXPECT_EQ(onWorker(w, [&] { return w.snapshot(); }).tcp.drop_no_connection, 1u);
}

TEST_F(WorkerPoolTest, PostRunsInOrderOnTheWorkerThread) {
  startPool(2);
  Worker& w = pool_->byIndex(0);
  std::vector<int> seen;  // touched only on the worker thread
  for (int i = 0; i < 1000; ++i) {
    w.post([&seen, &w, i] {
      if (w.inWorkerThread()) seen.push_back(i);
    });
  }
  auto got = onWorker(w, [&] { return seen; });
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(got[i], i);
  EXPECT_FALSE(w.inWorkerThread());
}

TEST_F(WorkerPoolTest, WheelTimersFireOnTheWorker) {
  startPool(1);
  Worker& w = pool_->byIndex(0);
  std::promise<int64_t> fired;
  std::unique_ptr<Timer> timer;
  int64_t armed_at = onWorker(w, [&] {
    timer = std::make_unique<Timer>(w.timers(), [&] { fired.set_value(w.clock().nowUs()); });
    timer->startMs(30);
    return w.clock().nowUs();
  });
  auto f = fired.get_future();
  ASSERT_EQ(f.wait_for(3s), std::future_status::ready);
  EXPECT_GE(f.get() - armed_at, 30'000 - 10'000);  // never earlier than one tick of rounding
  onWorker(w, [&] {
    timer.reset();
    return 0;
  });
}

TEST_F(WorkerPoolTest, TickWakesOnlyWhenATimerIsDue) {
  startPool(1);
  Worker& w = pool_->byIndex(0);
  std::atomic<int> fired{0};
  std::unique_ptr<Timer> periodic;
  const uint64_t before = onWorker(w, [&] {
    periodic = std::make_unique<Timer>(w.timers());
    periodic->setCallback([&] {
      ++fired;
      periodic->startMs(100);
    });
    periodic->startMs(100);
    return w.tickWakeups();
  });
  std::this_thread::sleep_for(450ms);
  const uint64_t wakeups = onWorker(w,
                                    [&] {
                                      periodic.reset();
                                      return w.tickWakeups();
                                    }) -
                           before;
  EXPECT_GE(fired.load(), 2);
  // Once per firing (a 10 ms tick woke 45 times in the same time), plus slack for a slow machine.
  EXPECT_LE(wakeups, static_cast<uint64_t>(fired.load()) + 2);
}

TEST_F(WorkerPoolTest, TimerArmedBeforeTheScheduledWakeFiresOnTime) {
  startPool(1);
  Worker& w = pool_->byIndex(0);
  std::promise<int64_t> fired;
  std::unique_ptr<Timer> late, early;
  const int64_t armed_at = onWorker(w, [&] {
    late = std::make_unique<Timer>(w.timers(), [] {});
    late->startMs(5000);  // the worker now sleeps until then
    early = std::make_unique<Timer>(w.timers(), [&] { fired.set_value(w.clock().nowUs()); });
    early->startMs(30);  // must move the wake earlier
    return w.clock().nowUs();
  });
  auto f = fired.get_future();
  ASSERT_EQ(f.wait_for(3s), std::future_status::ready);
  EXPECT_GE(f.get() - armed_at, 30'000 - 10'000);
  onWorker(w, [&] {
    late.reset();
    early.reset();
    return 0;
  });
}

TEST_F(WorkerPoolTest, StopJoinsAndIsIdempotent) {
  startPool(2);
  std::atomic<int> hooks{0};
  // Hooks must be set before start in real use; here the worker thread sets it via post.
  for (size_t i = 0; i < 2; ++i) {
    Worker& w = pool_->byIndex(i);
    onWorker(w, [&] {
      w.setStopHook([&] { ++hooks; });
      return 0;
    });
    EXPECT_TRUE(w.running());
  }
  pool_->stop();
  EXPECT_EQ(hooks.load(), 2);
  for (size_t i = 0; i < 2; ++i) EXPECT_FALSE(pool_->byIndex(i).running());
  pool_->stop();  // again: no-op
  EXPECT_EQ(hooks.load(), 2);
  // Stopped workers export their counters.
  std::string text = metrics::serialize();
  EXPECT_NE(text.find("sfu_worker_packets_received_total"), std::string::npos);
  EXPECT_NE(text.find("sfu_worker_utilization_ratio"), std::string::npos);
}

TEST_F(WorkerPoolTest, PickPrefersTheLeastLoaded) {
  startPool(2);
  pool_->byIndex(0).addLoad(3);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pool_->pick().index(), 1u);
  pool_->byIndex(1).addLoad(5);
  EXPECT_EQ(pool_->pick().index(), 0u);
  std::set<unsigned> rr;
  for (int i = 0; i < 4; ++i) rr.insert(pool_->next().index());
  EXPECT_EQ(rr.size(), 2u);
}

TEST(WorkerPool, BindConflictFailsCleanly) {
  auto first = std::make_unique<WorkerPool>(loopbackOptions(1));
  boost::system::error_code ec;
  ASSERT_TRUE(first->open(ec));
  WorkerPool::Options o = loopbackOptions(2);
  o.base_port = first->byIndex(0).port();  // worker 0 of the second pool collides
  WorkerPool second(o);
  EXPECT_FALSE(second.open(ec));
  EXPECT_TRUE(ec);
  second.stop();
  first->stop();
}

}  // namespace
}  // namespace sfu::worker
