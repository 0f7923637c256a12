#include "bench/load/client_peer.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "rtp/rtcp/common_header.h"
#include "sfu/ice/stun_client.h"

namespace bench::load {

namespace {

std::string randomToken(std::mt19937_64& rng, size_t n) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
  std::string s(n, 'a');
  for (auto& c : s) c = kAlphabet[rng() % 64];
  return s;
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

constexpr int64_t kCheckIntervalNs = 50'000'000;       // while connecting
constexpr int64_t kConsentIntervalNs = 2'000'000'000;  // RFC 7675 §5.1: ~5 s; browsers do less

sfu::dtls::DtlsTransport::TimePoint toTimePoint(int64_t ns) {
  return sfu::dtls::DtlsTransport::TimePoint(std::chrono::nanoseconds(ns));
}

}  // namespace

ClientPeer::ClientPeer(std::shared_ptr<sfu::dtls::DtlsContext> context, PeerHandler& handler,
                       const std::string& bind_ip)
    : handler_(handler), context_(std::move(context)) {
  ufrag_ = randomToken(rng(), 8);
  pwd_ = randomToken(rng(), 24);
  tiebreaker_ = rng()();

  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int size = 1 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  auto ep = sfu::net::Endpoint::parse(bind_ip + ":0");
  addr.sin_addr.s_addr = ep ? htonl(ep->v4Address()) : htonl(INADDR_LOOPBACK);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) failed_ = true;
}

uint16_t ClientPeer::localPort() const {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  return ntohs(addr.sin_port);
}

ClientPeer::~ClientPeer() {
  dtls_.reset();
  if (fd_ >= 0) ::close(fd_);
}

bool ClientPeer::start(const RemoteTransport& remote, int64_t now_ns) {
  if (started_) return true;
  remote_ = remote;
  sockaddr_storage ss{};
  const socklen_t len = remote_.candidate.toSockaddr(ss);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    failed_ = true;
    return false;
  }
  // RFC 5763 §5: the answerer's a=setup decides; we offer actpass and answer active.
  sfu::dtls::DtlsTransport::Options options;
  options.role =
      remote.remote_dtls_client ? sfu::dtls::DtlsRole::kServer : sfu::dtls::DtlsRole::kClient;
  dtls_ = std::make_unique<sfu::dtls::DtlsTransport>(
      context_, static_cast<sfu::dtls::DtlsTransport::Listener&>(*this), options);
  dtls_->setRemoteFingerprint(remote_.fingerprint, toTimePoint(now_ns));
  started_ = true;
  nextCheckNs_ = now_ns;
  return true;
}

bool ClientPeer::startDirect(const sfu::net::Endpoint& relay, std::span<const uint8_t> hello,
                             std::span<const uint8_t> out_key, std::span<const uint8_t> in_key,
                             int64_t now_ns) {
  if (started_) return true;
  remote_.candidate = relay;
  sockaddr_storage ss{};
  const socklen_t len = relay.toSockaddr(ss);
  if (hello.size() > hello_.size() || ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    failed_ = true;
    return false;
  }
  std::memcpy(hello_.data(), hello.data(), hello.size());
  helloSize_ = hello.size();
  outbound_ = sfu::srtp::SrtpSession::create(sfu::srtp::SrtpDirection::kOutbound,
                                             sfu::srtp::SrtpProfile::kAeadAes128Gcm, out_key);
  inbound_ = sfu::srtp::SrtpSession::create(sfu::srtp::SrtpDirection::kInbound,
                                            sfu::srtp::SrtpProfile::kAeadAes128Gcm, in_key);
  direct_ = true;
  started_ = true;
  nextCheckNs_ = now_ns;
  return outbound_ && inbound_;
}

void ClientPeer::sendStunCheck(int64_t now_ns) {
  if (direct_) {
    sendRaw(hello_.data(), helloSize_);
    nextCheckNs_ = now_ns + kConsentIntervalNs;
    return;
  }
  sfu::ice::StunPacket packet;
  sfu::ice::BindingRequestParams params;
  params.local_ufrag = ufrag_;
  params.remote_ufrag = remote_.ufrag;
  params.remote_pwd = remote_.pwd;
  params.priority = 1853824767;
  params.tiebreaker = tiebreaker_;
  params.use_candidate = true;
  pendingTid_ = sfu::ice::randomTransactionId();
  params.transaction_id = pendingTid_;
  auto bytes = sfu::ice::buildBindingRequest(params, packet);
  sendRaw(bytes.data(), bytes.size());
  nextCheckNs_ = now_ns + (iceConnected_ ? kConsentIntervalNs : kCheckIntervalNs);
}

// A full-ICE server (Janus; libnice checks even in lite mode) sends its own checks: answer them
// (RFC 8445 §7.3) with our password as the MESSAGE-INTEGRITY key.
bool ClientPeer::answerBindingRequest(std::span<const uint8_t> bytes) {
  auto parsed = sfu::ice::StunMessage::parse(bytes);
  if (!parsed.ok() || !parsed.message->isBindingRequest()) return false;
  const auto& request = *parsed.message;
  if (!request.checkIntegrity(pwd_)) return true;
  std::array<uint8_t, 256> out;
  sfu::ice::StunWriter writer(
      out, sfu::ice::stunType(sfu::ice::kStunMethodBinding, sfu::ice::StunClass::kSuccess),
      request.transactionId());
  writer.addXorMappedAddress(remote_.candidate);
  writer.addMessageIntegrity(pwd_);
  writer.addFingerprint();
  if (writer.ok()) sendRaw(writer.finish().data(), writer.size());
  return true;
}

void ClientPeer::tick(int64_t now_ns) {
  if (!started_ || failed_) return;
  if (now_ns >= nextCheckNs_) sendStunCheck(now_ns);
  if (auto t = dtls_ ? dtls_->nextTimeout() : std::nullopt; t && toTimePoint(now_ns) >= *t) {
    dtls_->handleTimeout(toTimePoint(now_ns));
  }
  flush();
}

void ClientPeer::receive(int64_t now_ns) {
  static constexpr size_t kRecvBatch = 32;
  thread_local std::array<std::array<uint8_t, kPacketCapacity>, kRecvBatch> bufs;
  thread_local std::array<iovec, kRecvBatch> iov;
  thread_local std::array<mmsghdr, kRecvBatch> msgs;
  for (int round = 0; round < 16; ++round) {
    for (size_t i = 0; i < kRecvBatch; ++i) {
      iov[i] = {bufs[i].data(), bufs[i].size()};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = ::recvmmsg(fd_, msgs.data(), kRecvBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      uint8_t* data = bufs[i].data();
      size_t size = msgs[i].msg_len;
      if (size == 0) continue;
      const uint8_t first = data[0];
      if (first <= 3) {  // RFC 7983 §7: STUN
        if (answerBindingRequest({data, size})) continue;
        auto check = sfu::ice::validateBindingResponse({data, size}, pendingTid_, remote_.pwd);
        if (check.status == sfu::ice::BindingResponseCheck::Status::kSuccess && !iceConnected_) {
          iceConnected_ = true;
          nextCheckNs_ = now_ns + kConsentIntervalNs;
          dtls_->start(toTimePoint(now_ns));
        }
      } else if (first >= 20 && first <= 63 && dtls_) {  // DTLS
        dtls_->handleDatagram({data, size}, toTimePoint(now_ns));
      } else if (first >= 128 && first <= 191 && inbound_) {  // RTP / RTCP
        if (rtp::rtcp::looksLikeRtcp({data, size})) {
          if (inbound_->unprotectRtcp(data, size) == sfu::srtp::SrtpResult::kOk) {
            handler_.onRtcp(data, size, now_ns);
          } else {
            ++unprotectFailures_;
          }
        } else if (inbound_->unprotectRtp(data, size) == sfu::srtp::SrtpResult::kOk) {
          handler_.onRtp(data, size, now_ns);
        } else {
          ++unprotectFailures_;
        }
      }
    }
    if (static_cast<size_t>(n) < kRecvBatch) return;
  }
}

uint8_t* ClientPeer::queueSlot() {
  if (sendCount_ == kBatch) flush();
  return sendBufs_[sendCount_].data();
}

bool ClientPeer::sendRtp(const uint8_t* data, size_t size) {
  if (!outbound_ || size + sfu::srtp::SrtpSession::kMaxTrailer > kPacketCapacity) return false;
  uint8_t* slot = queueSlot();
  std::memcpy(slot, data, size);
  size_t length = size;
  if (outbound_->protectRtp({slot, kPacketCapacity}, length) != sfu::srtp::SrtpResult::kOk) {
    ++protectFailures_;
    return false;
  }
  sendLens_[sendCount_++] = length;
  return true;
}

bool ClientPeer::sendRtcp(const uint8_t* data, size_t size) {
  if (!outbound_ || size + sfu::srtp::SrtpSession::kMaxTrailer > kPacketCapacity) return false;
  uint8_t* slot = queueSlot();
  std::memcpy(slot, data, size);
  size_t length = size;
  if (outbound_->protectRtcp({slot, kPacketCapacity}, length) != sfu::srtp::SrtpResult::kOk) {
    ++protectFailures_;
    return false;
  }
  sendLens_[sendCount_++] = length;
  return true;
}

void ClientPeer::sendRaw(const uint8_t* data, size_t size) {
  if (size > kPacketCapacity) return;
  uint8_t* slot = queueSlot();
  std::memcpy(slot, data, size);
  sendLens_[sendCount_++] = size;
}

void ClientPeer::flush() {
  if (sendCount_ == 0) return;
  std::array<iovec, kBatch> iov;
  std::array<mmsghdr, kBatch> msgs;
  for (size_t i = 0; i < sendCount_; ++i) {
    iov[i] = {sendBufs_[i].data(), sendLens_[i]};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  size_t done = 0;
  while (done < sendCount_) {
    const int n = ::sendmmsg(fd_, msgs.data() + done, static_cast<unsigned>(sendCount_ - done), 0);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;  // EAGAIN / ECONNREFUSED: the rest of the batch is dropped, like a full socket
    }
    for (int i = 0; i < n; ++i) bytesSent_ += sendLens_[done + i];
    packetsSent_ += n;
    done += n;
  }
  sendCount_ = 0;
}

void ClientPeer::onDtlsSend(std::span<const uint8_t> datagram) {
  sendRaw(datagram.data(), datagram.size());
  flush();
}

void ClientPeer::onDtlsConnected(const sfu::srtp::SrtpKeyMaterial& keys) {
  sfu::srtp::SrtpSession::Options options;
  options.allowRepeatTx = true;  // NACK answers re-send the same packet
  outbound_ = sfu::srtp::SrtpSession::create(sfu::srtp::SrtpDirection::kOutbound, keys.profile,
                                             keys.local.view(), options);
  inbound_ = sfu::srtp::SrtpSession::create(sfu::srtp::SrtpDirection::kInbound, keys.profile,
                                            keys.remote.view(), options);
  if (!outbound_ || !inbound_) failed_ = true;
}

void ClientPeer::onDtlsFailed(sfu::dtls::DtlsFailure, std::string_view) { failed_ = true; }

}  // namespace bench::load
