// One UDP socket on an asio::io_context with batched I/O (DESIGN.md "The media path", steps 1, 5).
//
// Receive: non-blocking recvmmsg(2) into pooled buffers, up to recv_batch datagrams per call and
// max_batches_per_wakeup calls per wakeup (so timers, posts and ICE-TCP get their turn under
// load); each batch goes to PacketListener::onPacketsReceived. A wakeup reads until the socket is
// empty (or the cap) and flushes the send queue once at the end: what arrived while the previous
// batch was being forwarded leaves in the same sendmmsg, so the peers are woken once per burst
// rather than once per batch (a third fewer sendmmsg calls at 1 room of 8, measured). A recvmmsg
// that returns fewer datagrams than it asked for found the queue empty, so the wakeup ends there
// without a call that would only return EAGAIN: the socket is edge-triggered in asio's epoll set,
// and a datagram queued after that call raises a new edge.
//
// Read operation: the recvmmsg is itself the reactor operation asio keeps queued on the socket
// (a reactor_op of ours, started like asio's own reads), not an async_wait followed by a read. An
// async_wait is never tried at once, so re-arming it after every wakeup costs an
// epoll_ctl(EPOLL_CTL_MOD): ~4,400 cycles per wakeup here, 1.7 % of a 1-room forwarding core. A
// read that found the socket drained tells the reactor so (done_and_exhausted), and the next one
// is then queued without any call (~330 cycles); after a full batch it is tried at once instead. A
// datagram that arrives while none is queued raises an edge that makes the reactor try the next one
// at once, so none waits for a later one. This uses asio's reactor interface (boost/asio/detail),
// which is not a public API: it is compiled for the Boost and reactor it was written against
// (Boost 1.81, epoll) and the socket falls back to async_wait with any other.
//
// Send: send() only queues (bounded ring; full queue = counted drop). The queue is flushed with
// sendmmsg(2) at the end of each receive wakeup, as soon as a full send batch is queued, or, for
// sends made outside a receive batch (timers, posted closures), by one posted flush. EAGAIN parks
// the queue until async_wait(writable) fires. Per-datagram errors (ICMP-induced ECONNREFUSED,
// EMSGSIZE, ...) drop that datagram and are counted.
//
// Send socket: sends go out through a second socket bound to the same address and port (joined by
// SO_REUSEPORT after the first bind, which stays exclusive: a second server on the port still
// gets EADDRINUSE), steered by a reuseport program that hands every incoming datagram to the
// receive socket. The send socket is in no epoll set, so the kernel's write-space wakeup on each
// freed datagram (sock_wfree → ep_poll_callback, ~2 % of a forwarding core) finds no waiter.
// When the send socket is full (EAGAIN) the chunk goes through the receive socket instead, and
// when that is full too the queue waits for it to become writable. If the kernel refuses any step,
// the receive socket sends everything (sendSocketSeparate() false).
//
// Segmentation offload (UDP GSO, UDP_SEGMENT): before a chunk goes out, the datagrams to one peer
// are joined into one message when they have the same size (a video frame's packets: a packetizer
// splits a frame into equal or nearly equal parts), the last one of a run may be shorter
// (sfu/net/segment_runs.h). The kernel then builds, routes and queues one buffer for the run and
// splits it at the device (or the NIC does). A peer's datagrams keep their order. A chunk the
// kernel took only in part leaves holes (entries already sent) that the next chunk skips; the
// head of the queue is never one. If the kernel refuses a joined message
// (EIO: a route without checksum offload; EINVAL: a datagram larger than the path MTU allows),
// its datagrams are sent one by one; after 8 refusals without a success the socket stops joining.
//
// Batch size 1 uses plain recvmsg/sendmsg, the per-packet baseline of bench/micro/sfu_udp.cpp.
//
// Single-threaded: every call on the owning worker's thread.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/version.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "sfu/common/handler_memory.h"
#include "sfu/net/endpoint.h"
#include "sfu/net/packet_buffer.h"
#include "sfu/net/packet_listener.h"
#include "sfu/net/segment_runs.h"

#if BOOST_VERSION == 108100 && defined(BOOST_ASIO_HAS_EPOLL) && \
    !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#include <boost/asio/detail/reactor.hpp>
#define SFU_UDP_REACTOR_READ 1
#else
#define SFU_UDP_REACTOR_READ 0
#endif

namespace sfu::net {

// asio's UDP socket, with access to its reactor registration for the read operation (see above).
class ReactorUdpSocket : public boost::asio::ip::udp::socket {
 public:
  using boost::asio::ip::udp::socket::socket;
#if SFU_UDP_REACTOR_READ
  boost::asio::detail::reactor::per_descriptor_data& reactorData() {
    return impl_.get_implementation().reactor_data_;
  }
#endif
};

class UdpSocket {
 public:
  struct Options {
    size_t recv_batch = 32;
    // Small enough that a batch's buffers are still cached when the kernel copies them (256 did
    // not fit L2 beside the kernel's own copies).
    size_t send_batch = 64;
    size_t send_queue = 1024;
    size_t max_batches_per_wakeup = 8;
    int socket_buffer_bytes = 4 << 20;  // SO_RCVBUF / SO_SNDBUF request (kernel caps it)
    bool separate_send_socket = true;   // see "Send socket" above
    bool segmentation_offload = true;   // UDP GSO, see "Segmentation offload" above
  };

  struct Stats {
    uint64_t packets_in = 0;
    uint64_t bytes_in = 0;
    uint64_t packets_out = 0;
    uint64_t bytes_out = 0;
    uint64_t recv_batches = 0;
    uint64_t recv_empty = 0;  // receive calls that found the queue empty (EAGAIN)
    uint64_t send_batches = 0;
    uint64_t drop_pool_exhausted = 0;  // received, but no buffer to keep it
    uint64_t drop_truncated = 0;       // datagram larger than a buffer
    uint64_t drop_queue_full = 0;      // send queue full
    uint64_t drop_send_error = 0;      // kernel refused the datagram
    uint64_t drop_bad_address = 0;     // IPv6 destination on an IPv4 socket, invalid endpoint
    uint64_t send_blocked = 0;         // EAGAIN: waited for writability
    uint64_t send_fallback = 0;        // send socket full: chunk went out on the receive socket
    uint64_t gso_messages = 0;         // messages that carried a run of datagrams (UDP GSO)
    uint64_t gso_datagrams = 0;        // datagrams sent in those runs
    uint64_t gso_refused = 0;          // joined messages the kernel refused (resent one by one)
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
  // Whether sends use their own socket (see above).
  bool sendSocketSeparate() const { return send_fd_ >= 0; }
  // Whether runs of datagrams to one peer still go out as one message (see above).
  bool segmentationOffload() const { return gso_enabled_; }
  // The receive socket's descriptor (socket options; it also sends when !sendSocketSeparate()).
  int nativeHandle() { return socket_.native_handle(); }

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

  void openSendSocket(const boost::asio::ip::udp::endpoint& bound);
  void closeSendSocket();
  class ReadOp;
  void waitReadable();
  void onReadable();
  // The reactor read operation's side (SFU_UDP_REACTOR_READ): queue it (with try_now, tried at
  // once unless the last read drained the socket); handle the batch it read.
  void startRead(bool try_now = true);
  void onRead(size_t n);
  // Receives one batch; returns the number of datagrams received, 0 on EAGAIN / error. Sets
  // recv_drained_ when the call found the kernel queue empty before filling every slot, and
  // recv_dropped_ when it had no buffers and dropped datagrams instead.
  size_t receiveBatch();
  size_t receiveMmsg(size_t slots);
  size_t receiveSingle();
  // Reads and drops up to recv_batch datagrams (no buffer to keep them); returns how many.
  size_t drainOneDropped();
  void scheduleFlush();
  void waitWritable();
  // Sends up to send_batch from the head of the queue; false on EAGAIN.
  bool sendChunk();
  // Lays out the messages for the first n queue entries (runs joined when join); returns how many.
  size_t prepareMessages(size_t n, bool join);
  // One sendmsg/sendmmsg of the first n prepared messages on fd: messages sent, -1 on error.
  int sendPrepared(int fd, size_t n);
  // Marks the datagrams of messages [first, last) sent (or dropped), then pops the sent head.
  void completeMessages(size_t n, size_t first, size_t last, bool sent);

  boost::asio::io_context& io_;
  PacketPool& pool_;
  PacketListener* listener_;
  Options options_;
  ReactorUdpSocket socket_;
  Endpoint local_;
  bool v6_socket_ = false;
  int send_fd_ = -1;  // the send socket, -1: sends use socket_

  // Receive slots: packets_[i].buffer is the buffer the next recvmmsg fills at index i.
  std::vector<ReceivedPacket> packets_;
  std::vector<mmsghdr> recv_msgs_;
  std::vector<iovec> recv_iov_;
  std::vector<sockaddr_storage> recv_names_;

  // Send ring.
  std::vector<Outgoing> queue_;
  // The queue index `i` places after the head (i < queue_.size()): a compare instead of a modulo.
  size_t ringIndex(size_t i) const {
    const size_t j = queue_head_ + i;
    return j < queue_.size() ? j : j - queue_.size();
  }
  size_t queue_head_ = 0;
  size_t queue_count_ = 0;
  std::vector<mmsghdr> send_msgs_;
  std::vector<iovec> send_iov_;
  std::vector<sockaddr_storage> send_names_;
  // The chunk being sent: message k is run k (entries of the chunk: offsets from the head).
  using Runs = SegmentRuns<Endpoint>;
  Runs runs_;
  bool gso_enabled_ = false;
  bool gso_split_next_ = false;  // the last joined message was refused: send it one by one
  unsigned gso_refusals_ = 0;    // refusals since the last joined message went out

  bool in_batch_ = false;
  bool recv_drained_ = false;
  bool recv_dropped_ = false;
  bool flush_posted_ = false;
  bool write_blocked_ = false;
  bool read_waiting_ = false;
  // The read operation: owned here while idle; while queued (in the reactor or for completion) it
  // belongs to asio, and when this socket goes first it deletes itself on completion.
  ReadOp* read_op_ = nullptr;
#if SFU_UDP_REACTOR_READ
  boost::asio::detail::reactor* reactor_ = nullptr;  // the io_context's (looked up once)
#endif
  bool read_in_flight_ = false;
  bool read_started_ = false;        // start() called since the last close()
  bool read_found_nothing_ = false;  // the last try found the socket empty (or a receive error)
  size_t read_rounds_ = 0;           // batches read in this wakeup
  // The read wait's operation state, re-armed on every wakeup without the heap.
  std::shared_ptr<HandlerMemory> read_wait_memory_ = std::make_shared<HandlerMemory>();
  Stats stats_;
  // Handlers hold a weak_ptr to this: a handler that outlives the socket does nothing.
  std::shared_ptr<UdpSocket*> alive_;
};

}  // namespace sfu::net
