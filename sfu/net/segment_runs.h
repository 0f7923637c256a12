// Lays out a batch of outgoing datagrams as sendmmsg(2) messages, joining each peer's datagrams of
// equal size into one message that UDP segmentation offload splits again (UDP_SEGMENT, Linux
// 4.18+): the kernel builds, routes and queues one buffer per run instead of one per datagram.
//
// A datagram joins its peer's newest run when the run is still open, the datagram is not longer
// than the run's segment size, and the run stays within 64 datagrams and 60 000 bytes; a shorter
// datagram joins and closes the run (only the last segment may be shorter). Anything else opens a
// new run. So each peer's datagrams keep their order, and a frame split into equal parts, or
// parts that differ by one byte with the larger last (libwebrtc's packetizer), leaves in one or
// two messages.
//
//   batch:    a1 b1 a2 b2 a3(short) a4 b3(long)
//   runs:     [a1 a2 a3] [b1 b2] [a4] [b3]      iovecs side by side per run, in batch order
//
// Used by net::UdpSocket and by bench/relay-baseline. Peer: equality-comparable and cheap to copy
// (an Endpoint, a pointer).
#pragma once

#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sfu::net {

template <typename Peer>
class SegmentRuns {
 public:
  static constexpr size_t kMaxDatagrams = 64;  // UDP_MAX_SEGMENTS (128 in newer kernels)
  static constexpr size_t kMaxBytes = 60'000;  // one IP datagram's payload is at most 65 507
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Run {
    Peer peer;
    size_t segment;  // every datagram but the last has this size
    size_t count;
    size_t bytes;
    size_t next_iov;  // while laying out: where the run's next iovec goes
    bool open;
  };

  // A UDP_SEGMENT control message, one per joined run.
  union Control {
    cmsghdr header;
    char bytes[CMSG_SPACE(sizeof(uint16_t))];
  };

  explicit SegmentRuns(size_t capacity) : runs_(capacity), controls_(capacity), run_of_(capacity) {}

  void clear() { count_ = 0; }

  // Batch index `index` (added in increasing order, below the capacity): `size` bytes to `peer`.
  // join false: a run of its own. Returns the run it is in. An empty datagram never joins (a
  // segment size of 0 would turn the run into one datagram).
  uint32_t add(size_t index, const Peer& peer, size_t size, bool join) {
    if (join && size > 0) {
      size_t k = count_;
      while (k > 0 && !(runs_[k - 1].peer == peer)) --k;
      if (k > 0) {
        Run& run = runs_[k - 1];
        if (run.open && run.segment > 0 && size <= run.segment && run.count < kMaxDatagrams &&
            run.bytes + size <= kMaxBytes) {
          ++run.count;
          run.bytes += size;
          run.open = size == run.segment;
          return run_of_[index] = static_cast<uint32_t>(k - 1);
        }
      }
    }
    runs_[count_] = Run{peer, size, 1, size, 0, true};
    return run_of_[index] = static_cast<uint32_t>(count_++);
  }
  // Batch index `index` carries nothing (already sent).
  void skip(size_t index) { run_of_[index] = kNone; }

  size_t runs() const { return count_; }
  const Run& run(size_t k) const { return runs_[k]; }
  uint32_t runOf(size_t index) const { return run_of_[index]; }

  // After the adds: points message k at run k's iovecs within `iov` (side by side, run by run)
  // and, for a joined run, at its UDP_SEGMENT control message. The caller sets the name. Then
  // put each datagram's iovec at iov[nextSlot(runOf(index))], in batch order.
  void layout(mmsghdr* msgs, iovec* iov) {
    size_t at = 0;
    for (size_t k = 0; k < count_; ++k) {
      Run& run = runs_[k];
      run.next_iov = at;
      msghdr& m = msgs[k].msg_hdr;
      std::memset(&msgs[k], 0, sizeof(mmsghdr));
      m.msg_iov = iov + at;
      m.msg_iovlen = run.count;
      if (run.count > 1) {
        Control& c = controls_[k];
        std::memset(&c, 0, sizeof(c));
        c.header.cmsg_level = SOL_UDP;
        c.header.cmsg_type = UDP_SEGMENT;
        c.header.cmsg_len = CMSG_LEN(sizeof(uint16_t));
        const auto segment = static_cast<uint16_t>(run.segment);
        std::memcpy(CMSG_DATA(&c.header), &segment, sizeof(segment));
        m.msg_control = &c;
        m.msg_controllen = sizeof(c);
      }
      at += run.count;
    }
  }
  size_t nextSlot(uint32_t run) { return runs_[run].next_iov++; }

 private:
  std::vector<Run> runs_;
  std::vector<Control> controls_;
  std::vector<uint32_t> run_of_;
  size_t count_ = 0;
};

}  // namespace sfu::net
