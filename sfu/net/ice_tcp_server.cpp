#include "sfu/net/ice_tcp_server.h"

#include <netinet/tcp.h>

#include <array>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <span>

#include "sfu/common/log.h"
#include "sfu/net/tcp_framing.h"

namespace sfu::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr size_t kMaxGatherFrames = 16;
}

class IceTcpServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(IceTcpServer& server, tcp::socket socket, uint32_t id, const Endpoint& remote)
      : server_(server.alive_),
        socket_(std::move(socket)),
        id_(id),
        remote_(remote),
        decoder_(server.options_.max_frame),
        read_buf_(server.options_.read_buffer),
        queue_(server.options_.send_queue),
        last_rx_(std::chrono::steady_clock::now()) {}

  uint32_t id() const { return id_; }
  const Endpoint& remote() const { return remote_; }
  bool closed() const { return closed_; }
  std::chrono::steady_clock::time_point lastReceive() const { return last_rx_; }

  void start() { doRead(); }

  // False when the queue is full (the caller counts the drop).
  bool queue(PacketBuffer&& buffer) {
    if (closed_ || count_ == queue_.size()) return false;
    Frame& f = queue_[(head_ + count_) % queue_.size()];
    encodeFrameHeader(buffer.size(), f.header);
    f.buffer = std::move(buffer);
    ++count_;
    doWrite();
    return true;
  }

  void close(CloseReason reason) {
    if (closed_) return;
    closed_ = true;
    auto self = shared_from_this();  // the server's map may hold the last reference
    boost::system::error_code ignored;
    socket_.close(ignored);
    for (Frame& f : queue_) f.buffer.reset();
    count_ = 0;
    if (auto server = server_.lock()) (*server)->onConnectionClosed(*this, reason);
  }

 private:
  struct Frame {
    uint8_t header[kFrameHeaderSize] = {};
    PacketBuffer buffer;
  };

  void doRead() {
    socket_.async_read_some(asio::buffer(read_buf_),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        size_t n) { self->onRead(ec, n); });
  }

  void onRead(const boost::system::error_code& ec, size_t n) {
    if (closed_) return;
    auto server = server_.lock();
    if (!server) return;
    IceTcpServer& s = **server;
    if (ec) {
      bool peer = ec == asio::error::eof || ec == asio::error::connection_reset;
      close(peer ? CloseReason::kPeer : CloseReason::kError);
      return;
    }
    last_rx_ = std::chrono::steady_clock::now();
    uint64_t empty_before = decoder_.emptyFrames();
    FrameError err = decoder_.feed(std::span<const uint8_t>(read_buf_.data(), n),
                                   [&](const uint8_t* data, size_t len) {
                                     if (!closed_) s.deliver(*this, data, len);
                                   });
    s.stats_.empty_frames += decoder_.emptyFrames() - empty_before;
    s.flushBatch();
    if (closed_) return;  // the listener closed us
    if (err != FrameError::kNone) {
      close(CloseReason::kBadFrame);
      return;
    }
    doRead();
  }

  void doWrite() {
    if (writing_ || closed_ || count_ == 0) return;
    size_t frames = std::min(count_, kMaxGatherFrames);
    for (size_t i = 0; i < frames; ++i) {
      Frame& f = queue_[(head_ + i) % queue_.size()];
      gather_[2 * i] = asio::const_buffer(f.header, kFrameHeaderSize);
      gather_[2 * i + 1] = asio::const_buffer(f.buffer.data(), f.buffer.size());
    }
    writing_ = true;
    writing_frames_ = frames;
    asio::async_write(socket_, std::span<const asio::const_buffer>(gather_.data(), 2 * frames),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        self->onWrite(ec);
                      });
  }

  void onWrite(const boost::system::error_code& ec) {
    writing_ = false;
    if (closed_) return;
    auto server = server_.lock();
    if (!server) return;
    if (ec) {
      close(ec == asio::error::broken_pipe || ec == asio::error::connection_reset
                ? CloseReason::kPeer
                : CloseReason::kError);
      return;
    }
    Stats& stats = (*server)->stats_;
    for (size_t i = 0; i < writing_frames_; ++i) {
      Frame& f = queue_[head_];
      ++stats.packets_out;
      stats.bytes_out += f.buffer.size();
      f.buffer.reset();
      head_ = (head_ + 1) % queue_.size();
      --count_;
    }
    writing_frames_ = 0;
    doWrite();
  }

  std::weak_ptr<IceTcpServer*> server_;
  tcp::socket socket_;
  uint32_t id_;
  Endpoint remote_;
  FrameDecoder decoder_;
  std::vector<uint8_t> read_buf_;
  std::vector<Frame> queue_;
  size_t head_ = 0;
  size_t count_ = 0;
  std::array<asio::const_buffer, 2 * kMaxGatherFrames> gather_;
  size_t writing_frames_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point last_rx_;
};

IceTcpServer::IceTcpServer(asio::io_context& io, PacketPool& pool, PacketListener& listener,
                           Options options)
    : io_(io),
      pool_(pool),
      listener_(&listener),
      options_(options),
      acceptor_(io),
      idle_timer_(io),
      alive_(std::make_shared<IceTcpServer*>(this)) {
  if (options_.send_queue == 0) options_.send_queue = 1;
  if (options_.read_buffer == 0) options_.read_buffer = 2048;
  if (options_.recv_batch == 0) options_.recv_batch = 1;
  batch_.resize(options_.recv_batch);
}

IceTcpServer::~IceTcpServer() {
  close();
  alive_.reset();
}

bool IceTcpServer::open(const asio::ip::address& address, uint16_t port,
                        boost::system::error_code& ec) {
  tcp::endpoint ep(address, port);
  acceptor_.open(ep.protocol(), ec);
  if (ec) return false;
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && address.is_v6()) acceptor_.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) local_port_ = acceptor_.local_endpoint(ec).port();
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return false;
  }
  return true;
}

void IceTcpServer::start() {
  doAccept();
  armIdleSweep();
}

void IceTcpServer::close() {
  boost::system::error_code ignored;
  if (acceptor_.is_open()) acceptor_.close(ignored);
  idle_timer_.cancel();
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [id, conn] : connections_) all.push_back(conn);
  for (auto& conn : all) conn->close(CloseReason::kLocal);
  for (auto& p : batch_) p.buffer.reset();
}

void IceTcpServer::doAccept() {
  if (!acceptor_.is_open()) return;
  std::weak_ptr<IceTcpServer*> weak = alive_;
  acceptor_.async_accept([weak](const boost::system::error_code& ec, tcp::socket socket) {
    if (auto self = weak.lock()) (*self)->onAccept(ec, std::move(socket));
  });
}

void IceTcpServer::onAccept(const boost::system::error_code& ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (!ec) {
    boost::system::error_code ep_ec;
    tcp::endpoint remote = socket.remote_endpoint(ep_ec);
    if (ep_ec || connections_.size() >= options_.max_connections) {
      ++stats_.rejected_limit;
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      uint32_t id = next_id_++;
      while (id == 0 || connections_.count(id) != 0) id = next_id_++;
      Endpoint ep = Endpoint::fromAsio(remote, id).unmapped();
      auto conn = std::make_shared<Connection>(*this, std::move(socket), id, ep);
      connections_.emplace(id, conn);
      ++stats_.accepted;
      SFU_LOG_DEBUG("net", "ice-tcp accepted remote={}", ep);
      conn->start();
    }
  }
  // Transient accept errors (EMFILE, ECONNABORTED) must not stop the acceptor.
  doAccept();
}

void IceTcpServer::armIdleSweep() {
  if (options_.idle_timeout.count() <= 0 || !acceptor_.is_open()) return;
  auto period = std::max(options_.idle_timeout / 4, std::chrono::milliseconds(10));
  idle_timer_.expires_after(period);
  std::weak_ptr<IceTcpServer*> weak = alive_;
  idle_timer_.async_wait(
      bindHandlerMemory(idle_sweep_memory_, [weak](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) (*self)->onIdleSweep();
      }));
}

void IceTcpServer::onIdleSweep() {
  auto deadline = std::chrono::steady_clock::now() - options_.idle_timeout;
  std::vector<std::shared_ptr<Connection>> idle;
  for (auto& [id, conn] : connections_) {
    if (conn->lastReceive() < deadline) idle.push_back(conn);
  }
  for (auto& conn : idle) conn->close(CloseReason::kIdle);
  armIdleSweep();
}

void IceTcpServer::onConnectionClosed(Connection& conn, CloseReason reason) {
  switch (reason) {
    case CloseReason::kPeer:
      ++stats_.closed_peer;
      break;
    case CloseReason::kError:
      ++stats_.closed_error;
      break;
    case CloseReason::kBadFrame:
      ++stats_.closed_bad_frame;
      break;
    case CloseReason::kIdle:
      ++stats_.closed_idle;
      break;
    case CloseReason::kLocal:
      ++stats_.closed_local;
      break;
  }
  Endpoint remote = conn.remote();
  connections_.erase(conn.id());
  SFU_LOG_DEBUG("net", "ice-tcp closed remote={} reason={}", remote, static_cast<int>(reason));
  std::weak_ptr<IceTcpServer*> weak = alive_;
  asio::post(io_, [weak, remote] {
    if (auto self = weak.lock()) (*self)->listener_->onConnectionClosed(remote);
  });
}

void IceTcpServer::deliver(Connection& conn, const uint8_t* data, size_t len) {
  PacketBuffer buf = pool_.copy(data, len);
  if (!buf) {
    ++stats_.drop_pool_exhausted;
    return;
  }
  ++stats_.packets_in;
  stats_.bytes_in += len;
  batch_[batch_count_].remote = conn.remote();
  batch_[batch_count_].buffer = std::move(buf);
  if (++batch_count_ == batch_.size()) flushBatch();
}

void IceTcpServer::flushBatch() {
  if (batch_count_ == 0) return;
  size_t n = batch_count_;
  batch_count_ = 0;
  listener_->onPacketsReceived(std::span<ReceivedPacket>(batch_.data(), n));
  for (size_t i = 0; i < n; ++i) batch_[i].buffer.reset();
}

bool IceTcpServer::send(const Endpoint& to, const uint8_t* data, size_t len) {
  if (len > options_.max_frame || len > kMaxFrameLength) {
    ++stats_.drop_oversize;
    return false;
  }
  auto it = connections_.find(to.connectionId());
  if (!to.isTcp() || it == connections_.end()) {
    ++stats_.drop_no_connection;
    return false;
  }
  PacketBuffer buf = pool_.copy(data, len);
  if (!buf) {
    ++stats_.drop_pool_exhausted;
    return false;
  }
  if (!it->second->queue(std::move(buf))) {
    ++stats_.drop_queue_full;
    return false;
  }
  return true;
}

bool IceTcpServer::send(const Endpoint& to, PacketBuffer&& buffer) {
  if (!buffer) return false;
  if (buffer.size() > kMaxFrameLength) {
    ++stats_.drop_oversize;
    buffer.reset();
    return false;
  }
  auto it = connections_.find(to.connectionId());
  if (!to.isTcp() || it == connections_.end()) {
    ++stats_.drop_no_connection;
    buffer.reset();
    return false;
  }
  if (!it->second->queue(std::move(buffer))) {
    ++stats_.drop_queue_full;
    buffer.reset();
    return false;
  }
  return true;
}

void IceTcpServer::closeConnection(const Endpoint& remote) {
  if (!remote.isTcp()) return;
  auto it = connections_.find(remote.connectionId());
  if (it == connections_.end()) return;
  auto conn = it->second;
  conn->close(CloseReason::kLocal);
}

}  // namespace sfu::net
