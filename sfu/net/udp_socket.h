// One UDP socket on an asio::io_context with batched I/O (DESIGN.md "The media path", steps 1, 5).
//
// Receive: async_wait(readable), then non-blocking recvmmsg(2) into pooled buffers, up to
// recv_batch datagrams per call and max_batches_per_wakeup calls per wakeup (so timers, posts and
// ICE-TCP get their turn under load); each batch goes to PacketListener::onPacketsReceived, and the
// send queue is flushed right after it.
//
// Send: send() only queues (bounded ring; full queue = counted drop). The queue is flushed with
// sendmmsg(2) after each receive batch, as soon as a full send batch is queued, or, for sends made
// outside a receive batch (timers, posted closures), by one posted flush. EAGAIN parks the queue
// until async_wait(writable) fires. Per-datagram errors (ICMP-induced ECONNREFUSED, EMSGSIZE, ...)
// drop that datagram and are counted.
//
// Batch size 1 uses plain recvmsg/sendmsg, the per-packet baseline of bench/micro/sfu_udp.cpp.
// Not done yet: UDP GSO (UDP_SEGMENT) for runs of equal-sized datagrams to one peer.
//
// Single-threaded: every call on the owning worker's thread.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "sfu/net/endpoint.h"
#include "sfu/net/packet_buffer.h"
#include "sfu/net/packet_listener.h"

namespace sfu::net {

class UdpSocket {
 public:
  struct Options {
    size_t recv_batch = 32;
    size_t send_batch = 256;  // one sendmmsg for a whole receive batch's fan-out (32 in × 7 out)
    size_t send_queue = 1024;
    size_t max_batches_per_wakeup = 8;
    int socket_buffer_bytes = 4 << 20;  // SO_RCVBUF / SO_SNDBUF request (kernel caps it)
  };

  struct Stats {
    uint64_t packets_in = 0;
    uint64_t bytes_in = 0;
    uint64_t packets_out = 0;
    uint64_t bytes_out = 0;
    uint64_t recv_batches = 0;
    uint64_t send_batches = 0;
    uint64_t drop_pool_exhausted = 0;  // received, but no buffer to keep it
    uint64_t drop_truncated = 0;       // datagram larger than a buffer
    uint64_t drop_queue_full = 0;      // send queue full
    uint64_t drop_send_error = 0;      // kernel refused the datagram
    uint64_t drop_bad_address = 0;     // IPv6 destination on an IPv4 socket, invalid endpoint
    uint64_t send_blocked = 0;         // EAGAIN: waited for writability
  };

  UdpSocket(boost::asio::io_context& io, PacketPool& pool, PacketListener& listener,
            Options options);
  UdpSocket(boost::asio::io_context& io, PacketPool& pool, PacketListener& listener)
      : UdpSocket(io, pool, listener, Options{}) {}
  ~UdpSocket();
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Binds to address:port (port 0: ephemeral). An IPv6 address binds dual-stack (IPV6_V6ONLY off),
  // so "::" also receives IPv4 peers (reported as plain IPv4 endpoints).
  bool open(const boost::asio::ip::address& address, uint16_t port, boost::system::error_code& ec);
  // Starts receiving. Call once, from the io_context's thread or before it runs.
  void start();
  // Flushes nothing, drops the queue, closes the fd; pending waits complete as aborted.
  void close();
  bool isOpen() const { return socket_.is_open(); }

  Endpoint localEndpoint() const { return local_; }
  uint16_t localPort() const { return local_.port(); }

  bool send(const Endpoint& to, const uint8_t* data, size_t len);
  bool send(const Endpoint& to, PacketBuffer&& buffer);
  // Sends what is queued now (normally automatic, see above).
  void flush();
  size_t queued() const { return queue_count_; }

  // Replaces the listener (worker thread only).
  void setListener(PacketListener& listener) { listener_ = &listener; }

  const Stats& stats() const { return stats_; }

 private:
  struct Outgoing {
    Endpoint to;
    PacketBuffer buffer;
  };

  void waitReadable();
  void onReadable();
  // Receives one batch; returns the number of datagrams received, 0 on EAGAIN / error.
  size_t receiveBatch();
  size_t receiveMmsg(size_t slots);
  size_t receiveSingle();
  void drainOneDropped();
  void scheduleFlush();
  void waitWritable();
  // Sends up to send_batch from the head of the queue; false on EAGAIN.
  bool sendChunk();
  void popFront(size_t n, bool sent);

  boost::asio::io_context& io_;
  PacketPool& pool_;
  PacketListener* listener_;
  Options options_;
  boost::asio::ip::udp::socket socket_;
  Endpoint local_;
  bool v6_socket_ = false;

  // Receive slots: packets_[i].buffer is the buffer the next recvmmsg fills at index i.
  std::vector<ReceivedPacket> packets_;
  std::vector<mmsghdr> recv_msgs_;
  std::vector<iovec> recv_iov_;
  std::vector<sockaddr_storage> recv_names_;

  // Send ring.
  std::vector<Outgoing> queue_;
  size_t queue_head_ = 0;
  size_t queue_count_ = 0;
  std::vector<mmsghdr> send_msgs_;
  std::vector<iovec> send_iov_;
  std::vector<sockaddr_storage> send_names_;

  bool in_batch_ = false;
  bool flush_posted_ = false;
  bool write_blocked_ = false;
  bool read_waiting_ = false;
  Stats stats_;
  // Handlers hold a weak_ptr to this: a handler that outlives the socket does nothing.
  std::shared_ptr<UdpSocket*> alive_;
};

}  // namespace sfu::net
