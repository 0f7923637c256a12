// HandlerMemory: a recurring asio wait (timer, socket readable) re-armed through it keeps its
// operation state in the block, never on the heap (asio's own per-thread recycling also gets
// this single-threaded case to zero; on a media worker, cross-thread posts defeat it), an
// overlapping second operation still works (from the heap), and a wait left pending when its
// owner goes away returns its memory safely.
#include "sfu/common/handler_memory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "alloc_count.h"

namespace sfu {
namespace {

namespace asio = boost::asio;

TEST(HandlerMemory, ReArmingATimerAllocatesNothing) {
  if (!test::allocationCountingAvailable()) GTEST_SKIP() << "no allocation counting here";
  asio::io_context io;
  asio::steady_timer timer(io);
  auto memory = std::make_shared<HandlerMemory>();
  int fired = 0;
  std::function<void()> arm = [&] {
    timer.expires_after(std::chrono::microseconds(1));
    timer.async_wait(bindHandlerMemory(memory, [&](const boost::system::error_code& ec) {
      if (ec) return;
      if (++fired < 200) arm();
    }));
  };
  arm();  // the first round may set up the reactor and timer queue
  io.run_one();
  io.restart();
  test::AllocationScope scope;
  io.run();
  EXPECT_EQ(fired, 200);
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_EQ(memory->blockUses(), 200u);  // every wait's state was in the block
  EXPECT_EQ(memory->heapAllocations(), 0u);
}

TEST(HandlerMemory, ReArmingASocketWaitAllocatesNothing) {
  if (!test::allocationCountingAvailable()) GTEST_SKIP() << "no allocation counting here";
  asio::io_context io;
  asio::ip::udp::socket rx(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::ip::udp::socket tx(io, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  rx.non_blocking(true);
  auto memory = std::make_shared<HandlerMemory>();
  const uint8_t datagram[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  int woken = 0;
  std::function<void()> wait = [&] {
    rx.async_wait(asio::socket_base::wait_read,
                  bindHandlerMemory(memory, [&](const boost::system::error_code& ec) {
                    if (ec) return;
                    uint8_t buf[16];
                    boost::system::error_code rec;
                    while (rx.receive(asio::buffer(buf), 0, rec) > 0) {
                    }
                    if (++woken < 100) {
                      tx.send_to(asio::buffer(datagram), rx.local_endpoint());
                      wait();
                    }
                  }));
  };
  tx.send_to(asio::buffer(datagram), rx.local_endpoint());
  wait();
  io.run_one();
  io.restart();
  test::AllocationScope scope;
  io.run();
  EXPECT_EQ(woken, 100);
  EXPECT_EQ(scope.count(), 0u);
  EXPECT_EQ(memory->blockUses(), 100u);
  EXPECT_EQ(memory->heapAllocations(), 0u);
}

TEST(HandlerMemory, OverlappingOperationsAndOwnersThatGoFirst) {
  asio::io_context io;
  auto memory = std::make_shared<HandlerMemory>();
  int done = 0;
  {
    asio::steady_timer a(io, std::chrono::milliseconds(1));
    asio::steady_timer b(io, std::chrono::milliseconds(1));
    a.async_wait(bindHandlerMemory(memory, [&](const boost::system::error_code&) { ++done; }));
    b.async_wait(bindHandlerMemory(memory, [&](const boost::system::error_code&) { ++done; }));
    EXPECT_EQ(memory->heapAllocations(), 1u);  // the second one while the block is taken
  }  // both timers destroyed with their waits pending: the operations outlive them
  std::weak_ptr<HandlerMemory> watch = memory;
  memory.reset();
  io.run();
  EXPECT_EQ(done, 2);            // aborted waits still complete
  EXPECT_TRUE(watch.expired());  // and the last of them gave the block back
}

// A worker posting completions to another thread's io_context (freed there) allocates nothing
// with the shared pool; without it every post allocates on the poster.
TEST(SharedHandlerPool, PostsToAnotherThreadAllocateNothingOnThePoster) {
  if (!test::allocationCountingAvailable()) GTEST_SKIP() << "no allocation counting here";
  asio::io_context signaling;
  auto guard = asio::make_work_guard(signaling);
  std::thread signaling_thread([&] { signaling.run(); });
  auto pool = std::make_shared<SharedHandlerPool>(64);
  std::atomic<int> ran{0};
  // The allocations of n posts, each waited for (its state freed on the other thread) before the
  // next.
  auto count = [&](bool pooled, int n) {
    uint64_t allocations = 0;
    for (int i = 0; i < n; ++i) {
      const int target = ran.load() + 1;
      std::function<void()> task = [&ran] { ran.fetch_add(1); };  // fits std::function inline
      const uint64_t before = test::threadAllocations();
      if (pooled) {
        asio::post(signaling, bindHandlerMemory(pool, std::move(task)));
      } else {
        asio::post(signaling, std::move(task));
      }
      allocations += test::threadAllocations() - before;
      while (ran.load() < target) std::this_thread::yield();
    }
    return allocations;
  };
  const uint64_t plain = count(false, 100);
  const uint64_t pooled = count(true, 100);
  guard.reset();
  signaling_thread.join();
  EXPECT_EQ(ran.load(), 200);
  EXPECT_GE(plain, 100u);
  EXPECT_EQ(pooled, 0u);
  EXPECT_EQ(pool->heapAllocations(), 0u);
}

}  // namespace
}  // namespace sfu
