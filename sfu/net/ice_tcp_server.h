// Passive ICE-TCP (RFC 6544): accepts TCP connections on the worker's port number and carries
// RFC 4571-framed packets (sfu/net/tcp_framing.h) in both directions. The server never connects
// out: our candidates are "tcptype passive" (RFC 6544 section 4.5), and ICE-lite has no active
// side.
//
// Frames arrive at the same PacketListener as UDP datagrams, with the endpoint tagged
// Transport::kTcp and the connection id, so the session layer answers through send(remote, ...) on
// the same connection. What the frames contain (STUN first, then DTLS/SRTP) is for the listener
// to judge; it calls closeConnection() on garbage. This layer closes, and counts, connections that:
// announce a frame longer than max_frame, exceed max_connections, send nothing for idle_timeout,
// or fail with a socket error. Each closure reaches the listener as onConnectionClosed (posted,
// never from inside a send/closeConnection call).
//
// Per-connection send queue: a bounded ring of pooled frames written with gathered async_write;
// a full queue drops (counted) rather than buffering without limit behind a slow peer.
//
// Single-threaded: every call on the owning worker's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sfu/common/handler_memory.h"
#include "sfu/net/endpoint.h"
#include "sfu/net/packet_buffer.h"
#include "sfu/net/packet_listener.h"

namespace sfu::net {

class IceTcpServer {
 public:
  struct Options {
    size_t max_connections = 1024;
    size_t send_queue = 256;  // frames per connection
    size_t max_frame = kPacketBufferSize;
    size_t read_buffer = 8192;
    size_t recv_batch = 32;                         // frames per listener callback
    std::chrono::milliseconds idle_timeout{30000};  // 0: never (RFC 7675 consent is 30 s)
  };

  struct Stats {
    uint64_t accepted = 0;
    uint64_t rejected_limit = 0;
    uint64_t closed_peer = 0;       // orderly close or reset by the peer
    uint64_t closed_error = 0;      // socket error
    uint64_t closed_bad_frame = 0;  // oversize frame
    uint64_t closed_idle = 0;
    uint64_t closed_local = 0;  // closeConnection() / close()
    uint64_t packets_in = 0;
    uint64_t bytes_in = 0;
    uint64_t packets_out = 0;
    uint64_t bytes_out = 0;
    uint64_t empty_frames = 0;
    uint64_t drop_queue_full = 0;
    uint64_t drop_pool_exhausted = 0;
    uint64_t drop_no_connection = 0;
    uint64_t drop_oversize = 0;
  };

  IceTcpServer(boost::asio::io_context& io, PacketPool& pool, PacketListener& listener,
               Options options);
  IceTcpServer(boost::asio::io_context& io, PacketPool& pool, PacketListener& listener)
      : IceTcpServer(io, pool, listener, Options{}) {}
  ~IceTcpServer();
  IceTcpServer(const IceTcpServer&) = delete;
  IceTcpServer& operator=(const IceTcpServer&) = delete;

  // Listens on address:port (SO_REUSEADDR; IPv6 addresses dual-stack).
  bool open(const boost::asio::ip::address& address, uint16_t port, boost::system::error_code& ec);
  void start();
  // Stops accepting and closes every connection.
  void close();
  bool isOpen() const { return acceptor_.is_open(); }
  uint16_t localPort() const { return local_port_; }

  bool send(const Endpoint& to, const uint8_t* data, size_t len);
  bool send(const Endpoint& to, PacketBuffer&& buffer);
  void closeConnection(const Endpoint& remote);
  size_t connectionCount() const { return connections_.size(); }

  void setListener(PacketListener& listener) { listener_ = &listener; }
  const Stats& stats() const { return stats_; }

 private:
  class Connection;
  friend class Connection;
  enum class CloseReason { kPeer, kError, kBadFrame, kIdle, kLocal };

  void doAccept();
  void onAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);
  void armIdleSweep();
  void onIdleSweep();
  // Called by a connection as it closes: forget it, count, tell the listener (posted).
  void onConnectionClosed(Connection& conn, CloseReason reason);
  void deliver(Connection& conn, const uint8_t* data, size_t len);
  void flushBatch();

  boost::asio::io_context& io_;
  PacketPool& pool_;
  PacketListener* listener_;
  Options options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer idle_timer_;
  std::shared_ptr<HandlerMemory> idle_sweep_memory_ = std::make_shared<HandlerMemory>();
  uint16_t local_port_ = 0;
  uint32_t next_id_ = 1;
  std::unordered_map<uint32_t, std::shared_ptr<Connection>> connections_;
  std::vector<ReceivedPacket> batch_;
  size_t batch_count_ = 0;
  Stats stats_;
  std::shared_ptr<IceTcpServer*> alive_;
};

}  // namespace sfu::net
