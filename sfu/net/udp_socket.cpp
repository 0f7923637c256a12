#include "sfu/net/udp_socket.h"

#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "sfu/common/log.h"

namespace sfu::net {

namespace asio = boost::asio;

#if SFU_UDP_REACTOR_READ
// One recvmmsg batch as a reactor operation (see udp_socket.h). perform() runs when the reactor
// tries it (at once when started, unless the last one drained the socket, and on every readable
// edge); complete() hands the batch over on the worker's loop.
class UdpSocket::ReadOp final : public asio::detail::reactor_op {
 public:
  explicit ReadOp(UdpSocket* owner)
      : reactor_op(boost::system::error_code(), &ReadOp::perform, &ReadOp::complete),
        owner_(owner) {}

  UdpSocket* owner_;  // nullptr once the socket is gone
  size_t received_ = 0;

 private:
  static status perform(reactor_op* base) {
    auto* op = static_cast<ReadOp*>(base);
    UdpSocket* s = op->owner_;
    op->received_ = 0;
    if (s == nullptr || !s->socket_.is_open()) return done;
    op->received_ = s->receiveBatch();
    if (op->received_ == 0) {
      if (s->recv_dropped_) return done;  // no buffers: dropped some, try again after a turn
      s->read_found_nothing_ = true;
      return not_done;
    }
    return s->recv_drained_ ? done_and_exhausted : done;
  }

  // The operation's own result is ec_ (operation_aborted when its socket closed), as for asio's
  // reactor operations; the argument is the scheduler's.
  static void complete(void* owner, asio::detail::operation* base, const boost::system::error_code&,
                       std::size_t) {
    auto* op = static_cast<ReadOp*>(base);
    UdpSocket* s = op->owner_;
    if (owner == nullptr || s == nullptr) {  // the io_context is going, or the socket went first
      if (s != nullptr) {
        s->read_op_ = nullptr;
        s->read_in_flight_ = false;
      }
      delete op;
      return;
    }
    s->read_in_flight_ = false;
    if (op->ec_) {  // closed: the operation stays with the socket
      if (s->read_started_ && s->socket_.is_open())
        s->startRead(false);  // opened and started again
      return;
    }
    s->onRead(op->received_);
  }
};
#else
class UdpSocket::ReadOp {};
#endif

UdpSocket::UdpSocket(asio::io_context& io, PacketPool& pool, PacketListener& listener,
                     Options options)
    : io_(io),
      pool_(pool),
      listener_(&listener),
      options_(options),
      socket_(io),
      runs_(std::max<size_t>(options.send_batch, 1)),
      alive_(std::make_shared<UdpSocket*>(this)) {
  if (options_.recv_batch == 0) options_.recv_batch = 1;
  if (options_.send_batch == 0) options_.send_batch = 1;
  if (options_.send_queue == 0) options_.send_queue = 1;
  if (options_.max_batches_per_wakeup == 0) options_.max_batches_per_wakeup = 1;
  packets_.resize(options_.recv_batch);
  recv_msgs_.resize(options_.recv_batch);
  recv_iov_.resize(options_.recv_batch);
  recv_names_.resize(options_.recv_batch);
  queue_.resize(options_.send_queue);
  send_msgs_.resize(options_.send_batch);
  send_iov_.resize(options_.send_batch);
  send_names_.resize(options_.send_batch);
  gso_enabled_ = options_.segmentation_offload && options_.send_batch > 1;
}

namespace {
// Refusals of joined messages, with none accepted in between, before a socket stops joining.
constexpr unsigned kMaxGsoRefusals = 8;
}  // namespace

UdpSocket::~UdpSocket() {
  alive_.reset();
  close();
#if SFU_UDP_REACTOR_READ
  if (read_op_ != nullptr) {
    if (read_in_flight_) {
      read_op_->owner_ = nullptr;  // asio still holds it: it deletes itself when it completes
    } else {
      delete read_op_;
    }
  }
#endif
}

bool UdpSocket::open(const asio::ip::address& address, uint16_t port,
                     boost::system::error_code& ec) {
  asio::ip::udp::endpoint ep(address, port);
  socket_.open(ep.protocol(), ec);
  if (ec) return false;
  v6_socket_ = address.is_v6();
  if (v6_socket_) {
    // Dual stack: "::" takes IPv4 peers as v4-mapped addresses too.
    socket_.set_option(asio::ip::v6_only(false), ec);
    ec.clear();
  }
  if (options_.socket_buffer_bytes > 0) {
    boost::system::error_code ignored;
    socket_.set_option(asio::socket_base::receive_buffer_size(options_.socket_buffer_bytes),
                       ignored);
    socket_.set_option(asio::socket_base::send_buffer_size(options_.socket_buffer_bytes), ignored);
  }
  socket_.bind(ep, ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return false;
  }
  const auto bound = socket_.local_endpoint(ec);
  if (ec) return false;
  local_ = Endpoint::fromAsio(bound).unmapped();
  if (options_.separate_send_socket) openSendSocket(bound);
  return true;
}

void UdpSocket::openSendSocket(const asio::ip::udp::endpoint& bound) {
  // The receive socket was bound without SO_REUSEPORT (exclusive); setting it now lets the send
  // socket join the same reuseport group, with the receive socket at index 0.
  const int one = 1;
  const int rfd = socket_.native_handle();
  const char* step = "SO_REUSEPORT";
  int fd = -1;
  if (::setsockopt(rfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0) {
    step = "socket";
    fd = ::socket(v6_socket_ ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  }
  bool ok = fd >= 0;
  if (ok && v6_socket_) {
    const int off = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
  }
  if (ok && options_.socket_buffer_bytes > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &options_.socket_buffer_bytes,
                 sizeof(options_.socket_buffer_bytes));
  }
  if (ok) {
    step = "bind";
    ok = ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0 &&
         ::bind(fd, bound.data(), static_cast<socklen_t>(bound.size())) == 0;
  }
  if (ok) {
    // Classic BPF "return 0": every datagram of the group goes to socket 0, the receive socket.
    step = "SO_ATTACH_REUSEPORT_CBPF";
    sock_filter code[] = {{BPF_RET | BPF_K, 0, 0, 0}};
    sock_fprog prog{1, code};
    ok = ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) == 0;
  }
  if (!ok) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    const int zero = 0;
    ::setsockopt(rfd, SOL_SOCKET, SO_REUSEPORT, &zero, sizeof(zero));
    SFU_LOG_INFO("net",
                 "udp send socket unavailable, sending on the receive socket port={} step={} "
                 "error=\"{}\"",
                 local_.port(), step, std::strerror(err));
    return;
  }
  send_fd_ = fd;
}

void UdpSocket::closeSendSocket() {
  if (send_fd_ < 0) return;
  ::close(send_fd_);
  send_fd_ = -1;
}

void UdpSocket::start() {
#if SFU_UDP_REACTOR_READ
  if (read_op_ == nullptr) read_op_ = new ReadOp(this);
  read_started_ = true;
  reactor_ = &asio::use_service<asio::detail::reactor>(io_);
  startRead(/*try_now=*/false);  // nothing has arrived yet: wait for the first edge
#else
  read_started_ = true;
  waitReadable();
#endif
}

void UdpSocket::startRead(bool try_now) {
#if SFU_UDP_REACTOR_READ
  if (read_in_flight_ || read_op_ == nullptr || !socket_.is_open()) return;
  read_in_flight_ = true;
  read_op_->ec_ = {};
  read_op_->received_ = 0;
  reactor_->start_op(asio::detail::reactor::read_op, socket_.native_handle(), socket_.reactorData(),
                     read_op_,
                     /*is_continuation=*/try_now, /*allow_speculative=*/try_now);
#else
  (void)try_now;
#endif
}

void UdpSocket::onRead(size_t n) {
  if (!socket_.is_open()) return;
  if (n > 0) {
    in_batch_ = true;
    listener_->onPacketsReceived(std::span<ReceivedPacket>(packets_.data(), n));
    in_batch_ = false;
    if (!socket_.is_open()) return;  // the listener closed us
  }
  // Drained, or the per-wakeup cap: send what the wakeup queued, and wait (or, at the cap, read
  // on after the handlers already queued have had their turn).
  if (recv_drained_ || ++read_rounds_ >= options_.max_batches_per_wakeup) {
    read_rounds_ = 0;
    flush();
    startRead();
    return;
  }
  // A full batch: more is likely waiting. Read on at once, flushing only if there was nothing.
  read_found_nothing_ = false;
  startRead();
  if (read_found_nothing_) {
    read_rounds_ = 0;
    flush();
  }
}

void UdpSocket::close() {
  read_started_ = false;
  if (!socket_.is_open()) return;
  boost::system::error_code ignored;
  socket_.close(ignored);
  closeSendSocket();
  for (; queue_count_ > 0; --queue_count_) {
    queue_[queue_head_].buffer.reset();
    queue_head_ = ringIndex(1);
  }
  for (auto& p : packets_) p.buffer.reset();
}

void UdpSocket::waitReadable() {
  if (read_waiting_ || !socket_.is_open()) return;
  read_waiting_ = true;
  std::weak_ptr<UdpSocket*> weak = alive_;
  socket_.async_wait(
      asio::socket_base::wait_read,
      bindHandlerMemory(read_wait_memory_, [weak](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (!self) return;
        UdpSocket* s = *self;
        s->read_waiting_ = false;
        if (ec) {  // closed / aborted
          if (s->read_started_ && s->socket_.is_open())
            s->waitReadable();  // opened and started again
          return;
        }
        s->onReadable();
      }));
}

void UdpSocket::onReadable() {
  for (size_t round = 0; round < options_.max_batches_per_wakeup; ++round) {
    size_t n = receiveBatch();
    if (n == 0) break;
    in_batch_ = true;
    listener_->onPacketsReceived(std::span<ReceivedPacket>(packets_.data(), n));
    in_batch_ = false;
    if (!socket_.is_open()) return;  // the listener closed us
    if (recv_drained_) break;
  }
  flush();
  // If we stopped at the per-wakeup cap the socket is still readable: async_wait completes at once,
  // after the handlers already queued have run.
  waitReadable();
}

size_t UdpSocket::receiveBatch() {
  recv_drained_ = false;
  recv_dropped_ = false;
  if (!socket_.is_open()) return 0;
  // Refill slots the listener took buffers from.
  size_t slots = 0;
  for (; slots < packets_.size(); ++slots) {
    if (!packets_[slots].buffer) {
      packets_[slots].buffer = pool_.acquire();
      if (!packets_[slots].buffer) break;
    }
  }
  if (slots == 0) {
    recv_dropped_ = drainOneDropped() > 0;
    return 0;
  }
  size_t n = slots == 1 || options_.recv_batch == 1 ? receiveSingle() : receiveMmsg(slots);
  if (n > 0) ++stats_.recv_batches;
  return n;
}

size_t UdpSocket::receiveMmsg(size_t slots) {
  int fd = socket_.native_handle();
  for (size_t i = 0; i < slots; ++i) {
    recv_iov_[i].iov_base = packets_[i].buffer.data();
    recv_iov_[i].iov_len = packets_[i].buffer.capacity();
    std::memset(&recv_msgs_[i], 0, sizeof(mmsghdr));
    recv_msgs_[i].msg_hdr.msg_name = &recv_names_[i];
    recv_msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    recv_msgs_[i].msg_hdr.msg_iov = &recv_iov_[i];
    recv_msgs_[i].msg_hdr.msg_iovlen = 1;
  }
  int r;
  do {
    r = ::recvmmsg(fd, recv_msgs_.data(), static_cast<unsigned>(slots), MSG_DONTWAIT, nullptr);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) {  // EAGAIN, or an error the next wait will surface again
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) ++stats_.recv_empty;
    return 0;
  }
  recv_drained_ = static_cast<size_t>(r) < slots;
  // Compact: drop truncated / unparsable datagrams, keep the others at the front.
  size_t kept = 0;
  for (size_t i = 0; i < static_cast<size_t>(r); ++i) {
    const msghdr& h = recv_msgs_[i].msg_hdr;
    auto remote =
        Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(h.msg_name), h.msg_namelen);
    if ((h.msg_flags & MSG_TRUNC) != 0 || !remote) {
      ++stats_.drop_truncated;
      continue;
    }
    size_t len = recv_msgs_[i].msg_len;
    if (kept != i) std::swap(packets_[kept].buffer, packets_[i].buffer);
    packets_[kept].remote = remote->unmapped();
    packets_[kept].buffer.setSize(len);
    ++stats_.packets_in;
    stats_.bytes_in += len;
    ++kept;
  }
  return kept;
}

size_t UdpSocket::receiveSingle() {
  int fd = socket_.native_handle();
  for (;;) {
    iovec iov{packets_[0].buffer.data(), packets_[0].buffer.capacity()};
    msghdr h{};
    h.msg_name = &recv_names_[0];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    ssize_t r;
    do {
      r = ::recvmsg(fd, &h, MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) ++stats_.recv_empty;
      return 0;
    }
    auto remote =
        Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(h.msg_name), h.msg_namelen);
    if ((h.msg_flags & MSG_TRUNC) != 0 || !remote) {
      ++stats_.drop_truncated;
      continue;
    }
    packets_[0].remote = remote->unmapped();
    packets_[0].buffer.setSize(static_cast<size_t>(r));
    ++stats_.packets_in;
    stats_.bytes_in += static_cast<size_t>(r);
    return 1;
  }
}

size_t UdpSocket::drainOneDropped() {
  // No buffer to receive into: read the datagram into scratch space and count it, so the kernel
  // queue keeps moving and the wait below does not spin on a readable socket forever.
  uint8_t scratch[64];
  size_t dropped = 0;
  for (; dropped < options_.recv_batch; ++dropped) {
    ssize_t r = ::recv(socket_.native_handle(), scratch, sizeof(scratch), MSG_DONTWAIT | MSG_TRUNC);
    if (r < 0) break;
    ++stats_.drop_pool_exhausted;
  }
  return dropped;
}

bool UdpSocket::send(const Endpoint& to, const uint8_t* data, size_t len) {
  if (!socket_.is_open()) return false;
  if (queue_count_ == queue_.size()) {
    // Make room if the kernel takes it; otherwise drop.
    if (!write_blocked_) flush();
    if (queue_count_ == queue_.size()) {
      ++stats_.drop_queue_full;
      return false;
    }
  }
  PacketBuffer buf = pool_.copy(data, len);
  if (!buf) {
    ++stats_.drop_pool_exhausted;
    return false;
  }
  return send(to, std::move(buf));
}

bool UdpSocket::send(const Endpoint& to, PacketBuffer&& buffer) {
  if (!socket_.is_open() || !buffer) return false;
  if (!to.valid() || (to.isV6() && !v6_socket_)) {
    ++stats_.drop_bad_address;
    buffer.reset();
    return false;
  }
  if (queue_count_ == queue_.size()) {
    if (!write_blocked_) flush();
    if (queue_count_ == queue_.size()) {
      ++stats_.drop_queue_full;
      buffer.reset();
      return false;
    }
  }
  Outgoing& slot = queue_[ringIndex(queue_count_)];
  slot.to = to;
  slot.buffer = std::move(buffer);
  ++queue_count_;
  if (queue_count_ >= options_.send_batch && !write_blocked_) {
    flush();  // a full sendmmsg worth: no reason to wait
  } else {
    scheduleFlush();
  }
  return true;
}

void UdpSocket::scheduleFlush() {
  if (in_batch_ || flush_posted_ || write_blocked_) return;
  flush_posted_ = true;
  std::weak_ptr<UdpSocket*> weak = alive_;
  asio::post(io_, [weak] {
    auto self = weak.lock();
    if (!self) return;
    (*self)->flush_posted_ = false;
    (*self)->flush();
  });
}

void UdpSocket::flush() {
  if (write_blocked_ || !socket_.is_open()) return;
  while (queue_count_ > 0) {
    if (!sendChunk()) {
      write_blocked_ = true;
      ++stats_.send_blocked;
      waitWritable();
      return;
    }
  }
}

void UdpSocket::waitWritable() {
  std::weak_ptr<UdpSocket*> weak = alive_;
  socket_.async_wait(asio::socket_base::wait_write, [weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    (*self)->write_blocked_ = false;
    if (ec) return;
    (*self)->flush();
  });
}

bool UdpSocket::sendChunk() {
  const size_t n = std::min(queue_count_, options_.send_batch);
  const size_t messages = prepareMessages(n, gso_enabled_ && !gso_split_next_);
  gso_split_next_ = false;
  if (messages == 0) {  // only holes (cannot happen: the head is never one); pop them
    completeMessages(n, 0, 0, true);
    return true;
  }
  int r = -1;
  if (send_fd_ >= 0) {
    r = sendPrepared(send_fd_, messages);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      ++stats_.send_fallback;
      r = sendPrepared(socket_.native_handle(), messages);
    }
  } else {
    r = sendPrepared(socket_.native_handle(), messages);
  }
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    const int err = errno;
    if (runs_.run(0).count > 1 && (err == EIO || err == EINVAL || err == EMSGSIZE ||
                                   err == EOPNOTSUPP || err == ENOPROTOOPT)) {
      // A joined message refused (EIO: no checksum offload on the route; EINVAL: a datagram
      // larger than the path MTU allows; an old kernel): its datagrams go again, one by one.
      ++stats_.gso_refused;
      gso_split_next_ = true;
      if (++gso_refusals_ == kMaxGsoRefusals) {
        gso_enabled_ = false;
        SFU_LOG_WARN("net",
                     "udp segmentation offload refused, sending datagrams one by one port={} "
                     "error=\"{}\"",
                     local_.port(), std::strerror(err));
      }
      return true;
    }
    // sendmmsg reports an error only for the first message of the chunk: drop just that one (its
    // datagrams all go to the one peer). (ECONNREFUSED from an earlier ICMP, EMSGSIZE,
    // ENETUNREACH, EPERM from a firewall, ...)
    stats_.drop_send_error += runs_.run(0).count;
    completeMessages(n, 0, 1, false);
    return true;
  }
  ++stats_.send_batches;
  completeMessages(n, 0, static_cast<size_t>(r), true);
  return true;
}

size_t UdpSocket::prepareMessages(size_t n, bool join) {
  runs_.clear();
  for (size_t i = 0; i < n; ++i) {
    const Outgoing& o = queue_[ringIndex(i)];
    if (o.buffer) {
      runs_.add(i, o.to, o.buffer.size(), join);
    } else {
      runs_.skip(i);  // went out with an earlier message
    }
  }
  runs_.layout(send_msgs_.data(), send_iov_.data());
  for (size_t k = 0; k < runs_.runs(); ++k) {
    msghdr& m = send_msgs_[k].msg_hdr;
    m.msg_name = &send_names_[k];
    m.msg_namelen = runs_.run(k).peer.toSockaddr(send_names_[k], v6_socket_);
  }
  for (size_t i = 0; i < n; ++i) {
    const uint32_t k = runs_.runOf(i);
    if (k == Runs::kNone) continue;
    Outgoing& o = queue_[ringIndex(i)];
    send_iov_[runs_.nextSlot(k)] = {o.buffer.data(), o.buffer.size()};
  }
  return runs_.runs();
}

int UdpSocket::sendPrepared(int fd, size_t n) {
  int r;
  if (n == 1 || options_.send_batch == 1) {
    ssize_t s;
    do {
      s = ::sendmsg(fd, &send_msgs_[0].msg_hdr, MSG_DONTWAIT);
    } while (s < 0 && errno == EINTR);
    r = s < 0 ? -1 : 1;
  } else {
    do {
      r = ::sendmmsg(fd, send_msgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    } while (r < 0 && errno == EINTR);
  }
  return r;
}

void UdpSocket::completeMessages(size_t n, size_t first, size_t last, bool sent) {
  if (sent) {
    for (size_t k = first; k < last; ++k) {
      if (runs_.run(k).count < 2) continue;
      ++stats_.gso_messages;
      stats_.gso_datagrams += runs_.run(k).count;
      gso_refusals_ = 0;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const uint32_t k = runs_.runOf(i);
    if (k == Runs::kNone || k < first || k >= last) continue;
    Outgoing& o = queue_[ringIndex(i)];
    if (sent) {
      ++stats_.packets_out;
      stats_.bytes_out += o.buffer.size();
    }
    o.buffer.reset();
  }
  // Pop the head up to the first datagram still waiting; those behind it stay as holes, skipped
  // by the next chunk.
  while (queue_count_ > 0 && !queue_[queue_head_].buffer) {
    queue_head_ = ringIndex(1);
    --queue_count_;
  }
}

}  // namespace sfu::net
