// relay-baseline: the smallest program doing an SFU's per-packet work with no SFU logic. One
// thread, one UDP socket: recvmmsg a batch, SRTP-unprotect each packet once, and for each other
// subscriber of the room copy + SRTP-protect it, sendmmsg the batch. Participants register with a
// plain hello (relay_keys.h); keys are fixed. Driven by `sfu-load --target relay`.
//
// Like the server's UdpSocket, the send joins each subscriber's equal-sized datagrams into one
// message for UDP segmentation offload (sfu/net/segment_runs.h), so the kernel's share of the
// work is the same as the server's; a third argument "no-gso" sends one message per datagram.
//
//   relay-baseline [ip] [port] [no-gso]

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/relay-baseline/relay_keys.h"
#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "sfu/net/endpoint.h"
#include "sfu/net/segment_runs.h"
#include "sfu/srtp/srtp_session.h"

namespace {

using sfu::srtp::SrtpSession;

struct Peer {
  uint32_t participant = 0;
  uint32_t room = 0;
  uint8_t kind = 0;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::unique_ptr<SrtpSession> srtp;  // inbound (publish) or outbound (subscribe)
};

constexpr size_t kBatch = 32;
// As the server's UdpSocket: a batch's buffers are still cached when the kernel copies them.
constexpr size_t kSendBatch = 64;
constexpr size_t kCapacity = 1500;

volatile sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  const char* ip = argc > 1 ? argv[1] : "127.0.0.1";
  const int port = argc > 2 ? std::atoi(argv[2]) : 41000;
  const bool gso = !(argc > 3 && std::string(argv[3]) == "no-gso");
  SrtpSession::initLibrary();
  signal(SIGTERM, onSignal);
  signal(SIGINT, onSignal);

  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int size = 8 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  timeval tv{0, 200'000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  auto local = sfu::net::Endpoint::parse(std::string(ip) + ":" + std::to_string(port));
  sockaddr_storage ss{};
  const socklen_t len = local ? local->toSockaddr(ss) : 0;
  if (!local || ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    std::perror("relay-baseline: bind");
    return 1;
  }
  std::printf("relay-baseline listening on %s:%d\n", ip, port);
  std::fflush(stdout);

  // Peers by source address; subscribers by room (the fan-out lists).
  std::unordered_map<sfu::net::Endpoint, std::unique_ptr<Peer>> peers;
  std::unordered_map<uint32_t, std::vector<Peer*>> subscribers;

  std::vector<std::array<uint8_t, kCapacity>> recvBufs(kBatch);
  std::array<iovec, kBatch> recvIov{};
  std::array<mmsghdr, kBatch> recvMsgs{};
  std::array<sockaddr_storage, kBatch> recvNames{};
  std::vector<std::array<uint8_t, kCapacity>> sendBufs(kSendBatch);
  std::array<iovec, kSendBatch> sendIov{};
  std::array<mmsghdr, kSendBatch> sendMsgs{};
  size_t queued = 0;
  uint64_t forwarded = 0, received = 0;

  std::array<Peer*, kSendBatch> sendTo{};
  sfu::net::SegmentRuns<Peer*> runs(kSendBatch);
  std::array<iovec, kSendBatch> runIov{};
  std::array<mmsghdr, kSendBatch> runMsgs{};

  auto sendAll = [&](mmsghdr* msgs, size_t count) {
    size_t done = 0;
    while (done < count) {
      const int n = ::sendmmsg(fd, msgs + done, static_cast<unsigned>(count - done), 0);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  };
  auto flush = [&] {
    if (!gso) {
      sendAll(sendMsgs.data(), queued);
      queued = 0;
      return;
    }
    runs.clear();
    for (size_t i = 0; i < queued; ++i) runs.add(i, sendTo[i], sendIov[i].iov_len, true);
    runs.layout(runMsgs.data(), runIov.data());
    for (size_t k = 0; k < runs.runs(); ++k) {
      runMsgs[k].msg_hdr.msg_name = &runs.run(k).peer->addr;
      runMsgs[k].msg_hdr.msg_namelen = runs.run(k).peer->addr_len;
    }
    for (size_t i = 0; i < queued; ++i) runIov[runs.nextSlot(runs.runOf(i))] = sendIov[i];
    sendAll(runMsgs.data(), runs.runs());
    queued = 0;
  };

  while (!g_stop) {
    for (size_t i = 0; i < kBatch; ++i) {
      recvIov[i] = {recvBufs[i].data(), kCapacity};
      recvMsgs[i].msg_hdr = {};
      recvMsgs[i].msg_hdr.msg_iov = &recvIov[i];
      recvMsgs[i].msg_hdr.msg_iovlen = 1;
      recvMsgs[i].msg_hdr.msg_name = &recvNames[i];
      recvMsgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    const int n = ::recvmmsg(fd, recvMsgs.data(), kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    for (int i = 0; i < n; ++i) {
      uint8_t* data = recvBufs[i].data();
      size_t length = recvMsgs[i].msg_len;
      auto from = sfu::net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&recvNames[i]),
                                                   recvMsgs[i].msg_hdr.msg_namelen);
      if (!from) continue;
      if (length == bench::relay::kHelloSize && data[0] == 'R' && data[1] == 'B' &&
          data[2] == 'H') {
        if (peers.count(*from)) continue;
        auto peer = std::make_unique<Peer>();
        peer->kind = data[3];
        peer->participant = rtp::load32(data + 4);
        peer->room = rtp::load32(data + 8);
        peer->addr = recvNames[i];
        peer->addr_len = recvMsgs[i].msg_hdr.msg_namelen;
        const auto key = bench::relay::keyFor(peer->participant, peer->kind);
        peer->srtp = SrtpSession::create(peer->kind == bench::relay::kKindPublish
                                             ? sfu::srtp::SrtpDirection::kInbound
                                             : sfu::srtp::SrtpDirection::kOutbound,
                                         sfu::srtp::SrtpProfile::kAeadAes128Gcm, key);
        if (peer->kind == bench::relay::kKindSubscribe)
          subscribers[peer->room].push_back(peer.get());
        peers.emplace(*from, std::move(peer));
        continue;
      }
      auto it = peers.find(*from);
      if (it == peers.end() || it->second->kind != bench::relay::kKindPublish) continue;
      Peer& pub = *it->second;
      if (rtp::rtcp::looksLikeRtcp({data, length})) {
        pub.srtp->unprotectRtcp(data, length);  // consumed, like an SFU terminating RTCP
        continue;
      }
      if (pub.srtp->unprotectRtp(data, length) != sfu::srtp::SrtpResult::kOk) continue;
      ++received;
      if (length < 12 || !bench::relay::forwarded(rtp::load32(data + 8))) continue;
      for (Peer* sub : subscribers[pub.room]) {
        if (sub->participant == pub.participant) continue;
        if (queued == kSendBatch) flush();
        auto& out = sendBufs[queued];
        std::memcpy(out.data(), data, length);
        size_t outLength = length;
        if (sub->srtp->protectRtp(out, outLength) != sfu::srtp::SrtpResult::kOk) continue;
        sendIov[queued] = {out.data(), outLength};
        sendMsgs[queued].msg_hdr = {};
        sendMsgs[queued].msg_hdr.msg_iov = &sendIov[queued];
        sendMsgs[queued].msg_hdr.msg_iovlen = 1;
        sendMsgs[queued].msg_hdr.msg_name = &sub->addr;
        sendMsgs[queued].msg_hdr.msg_namelen = sub->addr_len;
        sendTo[queued] = sub;
        ++queued;
        ++forwarded;
      }
    }
    flush();
  }
  std::printf("relay-baseline: received %llu, forwarded %llu\n",
              static_cast<unsigned long long>(received),
              static_cast<unsigned long long>(forwarded));
  ::close(fd);
  return 0;
}
