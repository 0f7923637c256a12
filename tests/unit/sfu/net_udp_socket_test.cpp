#include "sfu/net/udp_socket.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net_test_util.h"

namespace sfu::net {
namespace {

namespace asio = boost::asio;
using test::UdpClient;

struct Recorder : PacketListener {
  std::vector<size_t> batches;
  std::vector<std::string> payloads;
  std::vector<Endpoint> remotes;
  UdpSocket* echo = nullptr;
  bool keep = false;
  std::vector<PacketBuffer> kept;

  void onPacketsReceived(std::span<ReceivedPacket> packets) override {
    batches.push_back(packets.size());
    for (auto& p : packets) {
      payloads.emplace_back(reinterpret_cast<const char*>(p.buffer.data()), p.buffer.size());
      remotes.push_back(p.remote);
      if (echo != nullptr) echo->send(p.remote, std::move(p.buffer));
      if (keep) kept.push_back(std::move(p.buffer));
    }
  }
};

// Runs io until pred holds (or ~3 s pass).
void runUntil(asio::io_context& io, const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
  }
}

Endpoint loopback(uint16_t port) { return Endpoint::v4(0x7F000001, port); }

TEST(UdpSocket, ReceivesInBatchesAndEchoesWithSendmmsg) {
  asio::io_context io;
  PacketPool pool(256);
  Recorder rec;
  UdpSocket sock(io, pool, rec);
  rec.echo = &sock;
  boost::system::error_code ec;
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec)) << ec.message();
  ASSERT_NE(sock.localPort(), 0);
  sock.start();

  UdpClient client;
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(client.sendTo(loopback(sock.localPort()), "p" + std::to_string(i)));
  runUntil(io, [&] { return rec.payloads.size() == 40 && sock.queued() == 0; });

  ASSERT_EQ(rec.payloads.size(), 40u);
  ASSERT_GE(rec.batches.size(), 2u);
  EXPECT_EQ(rec.batches[0], 32u);  // all 40 were queued in the kernel before the first read
  EXPECT_EQ(rec.batches[1], 8u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(rec.payloads[i], "p" + std::to_string(i));
  EXPECT_EQ(rec.remotes[0], client.local());

  for (int i = 0; i < 40; ++i) {
    auto got = client.receive();
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(*got, "p" + std::to_string(i));
  }
  const auto& st = sock.stats();
  EXPECT_EQ(st.packets_in, 40u);
  EXPECT_EQ(st.packets_out, 40u);
  EXPECT_EQ(st.recv_batches, 2u);
  // The second batch came back short, so it emptied the queue: no third call to find EAGAIN.
  EXPECT_EQ(st.recv_empty, 0u);
  EXPECT_LE(st.send_batches, 2u);  // one sendmmsg per receive batch
  EXPECT_LE(pool.inUse(), 32u);    // only receive slots (refilled on the next read)

  // Stopping after a short batch leaves the edge-triggered wait armed: datagrams that arrive
  // later, in several bursts, each wake the socket again.
  for (int burst = 0; burst < 3; ++burst) {
    const size_t before = rec.payloads.size();
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(client.sendTo(loopback(sock.localPort()), "b" + std::to_string(burst)));
    runUntil(io, [&] { return rec.payloads.size() == before + 3 && sock.queued() == 0; });
    ASSERT_EQ(rec.payloads.size(), before + 3) << "burst " << burst;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(client.receive(), "b" + std::to_string(burst));
  }
  EXPECT_EQ(sock.stats().packets_in, 49u);

  // A send from a timer / posted closure: queued, flushed by one posted flush.
  const uint8_t hi[] = {'h', 'i'};
  EXPECT_TRUE(sock.send(client.local(), hi, 2));
  EXPECT_TRUE(sock.send(client.local(), hi, 1));
  EXPECT_EQ(sock.queued(), 2u);
  runUntil(io, [&] { return sock.queued() == 0; });
  EXPECT_EQ(client.receive(), "hi");
  EXPECT_EQ(client.receive(), "h");
  sock.close();
  EXPECT_EQ(pool.inUse(), 0u);
}

TEST(UdpSocket, AFullBatchThatEmptiedTheQueueStillFlushes) {
  // Exactly one batch worth: the read after it finds nothing, and what the batch queued must go
  // out then rather than wait for the next datagram. Then a socket closed and started again before
  // its old read completed, and one destroyed while its read is queued in the reactor: the
  // operation frees itself when the io_context runs it (ASan checks).
  asio::io_context io;
  PacketPool pool(256);
  Recorder rec;
  UdpSocket sock(io, pool, rec);
  rec.echo = &sock;
  boost::system::error_code ec;
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec)) << ec.message();
  sock.start();
  UdpClient client;
  for (int i = 0; i < 32; ++i)
    ASSERT_TRUE(client.sendTo(loopback(sock.localPort()), "f" + std::to_string(i)));
  runUntil(io, [&] { return sock.stats().packets_out == 32; });
  ASSERT_EQ(rec.batches.size(), 1u);
  EXPECT_EQ(rec.batches[0], 32u);
  EXPECT_EQ(sock.stats().packets_out, 32u);
  EXPECT_EQ(sock.stats().recv_empty, 1u);  // the one read that found the queue empty
  for (int i = 0; i < 32; ++i) EXPECT_EQ(client.receive(), "f" + std::to_string(i));

  // Closed, opened and started again before the loop has run the closed read's completion.
  sock.close();
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec)) << ec.message();
  sock.start();
  ASSERT_TRUE(client.sendTo(loopback(sock.localPort()), "reopened"));
  runUntil(io, [&] { return rec.payloads.size() == 33; });
  ASSERT_EQ(rec.payloads.size(), 33u);
  EXPECT_EQ(rec.payloads.back(), "reopened");

  auto queued = std::make_unique<UdpSocket>(io, pool, rec);
  ASSERT_TRUE(queued->open(asio::ip::make_address("127.0.0.1"), 0, ec));
  queued->start();
  queued.reset();
  io.restart();
  io.poll();
}

TEST(UdpSocket, PoolExhaustionDropsAndCounts) {
  asio::io_context io;
  PacketPool pool(4);
  Recorder rec;
  rec.keep = true;  // the listener hangs on to every buffer
  UdpSocket::Options opt;
  opt.recv_batch = 8;
  UdpSocket sock(io, pool, rec, opt);
  boost::system::error_code ec;
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec));
  sock.start();
  UdpClient client;
  for (int i = 0; i < 10; ++i) client.sendTo(loopback(sock.localPort()), "x");
  runUntil(io, [&] { return sock.stats().packets_in + sock.stats().drop_pool_exhausted == 10; });
  EXPECT_EQ(sock.stats().packets_in, 4u);
  EXPECT_EQ(sock.stats().drop_pool_exhausted, 6u);
  EXPECT_GT(pool.exhausted(), 0u);
  // Buffers coming back let it receive again.
  rec.kept.clear();
  client.sendTo(loopback(sock.localPort()), "again");
  runUntil(io, [&] { return rec.payloads.size() == 5; });
  EXPECT_EQ(sock.stats().packets_in, 5u);
  EXPECT_EQ(rec.payloads.back(), "again");
  rec.kept.clear();
  sock.close();
}

TEST(UdpSocket, SinglePacketModeAndFlushOutsideABatch) {
  asio::io_context io;
  PacketPool pool(64);
  Recorder rec;
  UdpSocket::Options opt;
  opt.recv_batch = 1;
  opt.send_batch = 1;
  UdpSocket sock(io, pool, rec, opt);
  rec.echo = &sock;
  boost::system::error_code ec;
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec));
  sock.start();
  UdpClient client;
  for (int i = 0; i < 5; ++i) client.sendTo(loopback(sock.localPort()), std::to_string(i));
  runUntil(io, [&] { return rec.payloads.size() == 5; });
  EXPECT_EQ(rec.batches, (std::vector<size_t>{1, 1, 1, 1, 1}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.receive(), std::to_string(i));

  // With a send batch of 1 a send goes out at once.
  const uint8_t hi[] = {'h', 'i'};
  EXPECT_TRUE(sock.send(client.local(), hi, 2));
  EXPECT_EQ(sock.queued(), 0u);
  EXPECT_EQ(client.receive(), "hi");

  // An IPv6 destination on an IPv4 socket is refused and counted.
  EXPECT_FALSE(sock.send(*Endpoint::parse("[::1]:9"), hi, 2));
  EXPECT_EQ(sock.stats().drop_bad_address, 1u);
  sock.close();
}

// The send queue is a ring: many times its size goes through it, in order, whatever the head's
// position when a chunk wraps past the end.
TEST(UdpSocket, SendQueueWrapsAroundInOrder) {
  asio::io_context io;
  PacketPool pool(64);
  Recorder rec;
  UdpSocket::Options opt;
  opt.send_batch = 5;  // a full ring's worth waits for the flush: every slot in use
  opt.send_queue = 5;
  opt.segmentation_offload = false;  // one slot, one datagram
  UdpSocket sock(io, pool, rec, opt);
  boost::system::error_code ec;
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec));
  sock.start();
  UdpClient client;
  int sent = 0;
  for (int burst = 0; burst < 12; ++burst) {  // 3, 5, 2, 4, 1, ...: every head position
    for (int i = 0; i < 1 + (burst * 3 + 2) % 5; ++i) {
      const std::string s = std::to_string(sent++);
      ASSERT_TRUE(sock.send(client.local(), reinterpret_cast<const uint8_t*>(s.data()), s.size()));
    }
    runUntil(io, [&] { return sock.queued() == 0; });
  }
  for (int i = 0; i < sent; ++i) EXPECT_EQ(client.receive(), std::to_string(i));
  EXPECT_EQ(sock.stats().packets_out, static_cast<uint64_t>(sent));
  sock.close();
}

TEST(UdpSocket, SendSocketSharesThePortAndNeverReceives) {
  asio::io_context io;
  PacketPool pool(256);
  Recorder rec;
  UdpSocket sock(io, pool, rec);
  rec.echo = &sock;
  boost::system::error_code ec;
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec)) << ec.message();
  ASSERT_TRUE(sock.sendSocketSeparate());
  sock.start();

  // The port stays exclusive: a second socket cannot take it, so a second server on the same port
  // still fails at start-up.
  UdpSocket other(io, pool, rec);
  boost::system::error_code other_ec;
  EXPECT_FALSE(other.open(asio::ip::make_address("127.0.0.1"), sock.localPort(), other_ec));
  EXPECT_EQ(other_ec, asio::error::address_in_use);

  // Many peers (reuseport would otherwise spread them over the group by hash): every datagram
  // reaches the receive socket, and every reply comes from the receive socket's address.
  std::vector<std::unique_ptr<UdpClient>> clients;
  for (int i = 0; i < 24; ++i) {
    clients.push_back(std::make_unique<UdpClient>());
    ASSERT_TRUE(clients.back()->sendTo(loopback(sock.localPort()), "c" + std::to_string(i)));
  }
  runUntil(io, [&] { return rec.payloads.size() == clients.size() && sock.queued() == 0; });
  ASSERT_EQ(rec.payloads.size(), clients.size());
  for (size_t i = 0; i < clients.size(); ++i) {
    auto got = clients[i]->receiveFrom();
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(got->first, "c" + std::to_string(i));
    EXPECT_EQ(got->second, sock.localEndpoint());
  }
  EXPECT_EQ(sock.stats().packets_out, clients.size());
  sock.close();
  EXPECT_FALSE(sock.sendSocketSeparate());

  // Turned off: the receive socket sends, as before.
  UdpSocket::Options opt;
  opt.separate_send_socket = false;
  UdpSocket plain(io, pool, rec, opt);
  ASSERT_TRUE(plain.open(asio::ip::make_address("127.0.0.1"), 0, ec));
  EXPECT_FALSE(plain.sendSocketSeparate());
  plain.close();
}

// Queues, before the loop runs, datagrams to two peers: runs of equal sizes, interleaved, that a
// shorter datagram ends and a longer one cannot join. Each peer must get each datagram whole and
// in its order, whether or not runs are joined into one message.
TEST(UdpSocket, RunsToOnePeerLeaveAsOneMessage) {
  for (const bool offload : {true, false}) {
    SCOPED_TRACE(offload ? "segmentation offload" : "one message per datagram");
    asio::io_context io;
    PacketPool pool(64);
    Recorder rec;
    UdpSocket::Options opt;
    opt.segmentation_offload = offload;
    UdpSocket sock(io, pool, rec, opt);
    boost::system::error_code ec;
    ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec)) << ec.message();
    EXPECT_EQ(sock.segmentationOffload(), offload);
    sock.start();
    UdpClient a, b;
    std::vector<std::string> to_a, to_b;
    auto queue = [&](UdpClient& peer, std::vector<std::string>& sent, size_t size) {
      std::string d(size, static_cast<char>('A' + to_a.size() + to_b.size()));
      d[0] = static_cast<char>(sent.size());  // position in the peer's order
      sent.push_back(d);
      ASSERT_TRUE(sock.send(peer.local(), reinterpret_cast<const uint8_t*>(d.data()), d.size()));
    };
    for (int i = 0; i < 5; ++i) {
      queue(a, to_a, 1000);             // A's first run: 5 × 1000 ...
      if (i < 3) queue(b, to_b, 1000);  // B's first run: 3 × 1000
    }
    queue(a, to_a, 600);   // ... and a shorter last one: 6 in one message
    queue(a, to_a, 1000);  // after the shorter one: a new message
    queue(b, to_b, 1200);  // longer than B's run: a new run, 2 × 1200
    queue(b, to_b, 1200);
    ASSERT_EQ(sock.queued(), 12u);
    runUntil(io, [&] { return sock.queued() == 0; });
    ASSERT_EQ(sock.queued(), 0u);
    for (const std::string& want : to_a) EXPECT_EQ(a.receive(), want);
    for (const std::string& want : to_b) EXPECT_EQ(b.receive(), want);
    const auto& st = sock.stats();
    EXPECT_EQ(st.packets_out, 12u);
    EXPECT_EQ(st.bytes_out, 5 * 1000u + 600 + 1000 + 3 * 1000 + 2 * 1200);
    EXPECT_EQ(st.send_batches, 1u);
    EXPECT_EQ(st.gso_refused, 0u);
    EXPECT_EQ(st.gso_messages, offload ? 3u : 0u);
    EXPECT_EQ(st.gso_datagrams, offload ? 6u + 3 + 2 : 0u);
    sock.close();
    EXPECT_EQ(pool.inUse(), 0u);
  }
}

// A kernel that refuses joined messages (here: checksums turned off on the socket, which UDP GSO
// cannot do without) gets every datagram one by one, and after a few refusals no more runs.
TEST(UdpSocket, RefusedRunsGoOutOneByOne) {
  asio::io_context io;
  PacketPool pool(64);
  Recorder rec;
  UdpSocket::Options opt;
  opt.separate_send_socket = false;  // the socket whose option the test sets sends
  UdpSocket sock(io, pool, rec, opt);
  boost::system::error_code ec;
  ASSERT_TRUE(sock.open(asio::ip::make_address("127.0.0.1"), 0, ec)) << ec.message();
  const int one = 1;
  ASSERT_EQ(::setsockopt(sock.nativeHandle(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)), 0);
  sock.start();
  UdpClient peer;
  for (int chunk = 0; chunk < 10; ++chunk) {
    for (int i = 0; i < 3; ++i) {
      const std::string d(500, static_cast<char>('a' + chunk * 3 + i));
      ASSERT_TRUE(sock.send(peer.local(), reinterpret_cast<const uint8_t*>(d.data()), d.size()));
    }
    runUntil(io, [&] { return sock.queued() == 0; });
    for (int i = 0; i < 3; ++i)
      EXPECT_EQ(peer.receive(), std::string(500, static_cast<char>('a' + chunk * 3 + i)));
  }
  const auto& st = sock.stats();
  EXPECT_EQ(st.packets_out, 30u);
  EXPECT_EQ(st.drop_send_error, 0u);
  EXPECT_EQ(st.gso_messages, 0u);
  EXPECT_EQ(st.gso_refused, 8u);  // then the socket stopped joining
  EXPECT_FALSE(sock.segmentationOffload());
  sock.close();
}

TEST(UdpSocket, DualStackReportsPlainIpv4Peers) {
  asio::io_context io;
  PacketPool pool(64);
  Recorder rec;
  UdpSocket sock(io, pool, rec);
  rec.echo = &sock;
  boost::system::error_code ec;
  if (!sock.open(asio::ip::make_address("::"), 0, ec)) GTEST_SKIP() << "no IPv6: " << ec.message();
  EXPECT_TRUE(sock.sendSocketSeparate());
  sock.start();
  UdpClient client;
  client.sendTo(loopback(sock.localPort()), "v4");
  runUntil(io, [&] { return rec.payloads.size() == 1 && sock.queued() == 0; });
  ASSERT_EQ(rec.remotes.size(), 1u);
  EXPECT_TRUE(rec.remotes[0].isV4());
  EXPECT_EQ(rec.remotes[0], client.local());
  // Sent back through a v4-mapped address, from the same port.
  auto got = client.receiveFrom();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "v4");
  EXPECT_EQ(got->second.port(), sock.localPort());
  // A run to a v4-mapped peer leaves as one message too, and arrives as separate datagrams.
  for (const char* d : {"r1", "r2", "r"})
    sock.send(client.local(), reinterpret_cast<const uint8_t*>(d), std::strlen(d));
  runUntil(io, [&] { return sock.queued() == 0; });
  for (const char* d : {"r1", "r2", "r"}) EXPECT_EQ(client.receive(), d);
  EXPECT_EQ(sock.stats().gso_messages, 1u);
  EXPECT_EQ(sock.stats().gso_datagrams, 3u);
  sock.close();
}

}  // namespace
}  // namespace sfu::net
