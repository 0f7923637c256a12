// A WebRTC client built from our own pieces, for in-process end-to-end tests against the media
// server over real loopback sockets: ICE checks as a controlling agent (sfu/ice/stun_client.h),
// DTLS in the client role with its own certificate, SRTP both ways, and optionally SCTP data
// channels. UDP, or ICE-TCP (RFC 4571 framing) to the server's passive TCP candidate.
//
// Blocking and single-threaded: every call runs on the test thread; receives poll with timeouts.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "rtp/rtp/rtp_packet.h"
#include "sfu/dtls/certificate.h"
#include "sfu/dtls/dtls_context.h"
#include "sfu/dtls/dtls_transport.h"
#include "sfu/ice/stun_client.h"
#include "sfu/net/demux.h"
#include "sfu/net/endpoint.h"
#include "sfu/sctp/sctp_association.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"
#include "sfu/srtp/srtp_session.h"

namespace sfu::test {

inline std::string readTestFile(const std::string& relative) {
  std::ifstream in(std::string(SFU_TEST_DATA_DIR) + "/" + relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces every "a=<name>:..." line's value.
inline std::string replaceAttribute(const std::string& sdp, const std::string& name,
                                    const std::string& value) {
  std::string out;
  std::istringstream in(sdp);
  std::string line;
  const std::string prefix = "a=" + name + ":";
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(prefix, 0) == 0) line = prefix + value;
    out += line + "\r\n";
  }
  return out;
}

class WebRtcTestPeer : private dtls::DtlsTransport::Listener,
                       private sctp::SctpAssociation::Listener {
 public:
  using Clock = std::chrono::steady_clock;
  using Bytes = std::vector<uint8_t>;

  explicit WebRtcTestPeer(bool tcp = false) : tcp_(tcp) {
    std::string err;
    cert_ = dtls::Certificate::generate(dtls::Certificate::Options{"test-client"}, &err);
    ctx_ = dtls::DtlsContext::create(cert_, &err);
    dtls::DtlsTransport::Options o;
    o.role = dtls::DtlsRole::kClient;
    dtls::DtlsTransport::Listener& self = *this;
    dtls_ = std::make_unique<dtls::DtlsTransport>(ctx_, self, o);
  }
  ~WebRtcTestPeer() {
    sctp_.reset();
    if (fd_ >= 0) ::close(fd_);
  }

  // The Chrome fixture offer with our own DTLS fingerprint (and the fixture's ICE credentials).
  std::string makeOffer(const std::string& fixture = "sdp/chrome_plain_offer.sdp",
                        bool wrong_fingerprint = false) {
    std::string offer = readTestFile(fixture);
    if (!wrong_fingerprint) {
      offer = replaceAttribute(offer, "fingerprint", "sha-256 " + cert_->fingerprintHex());
    }
    auto parsed = sdp::parse(offer);
    if (parsed.ok()) {
      ufrag_ = std::string(parsed.sdp->iceUfrag(parsed.sdp->media.front()));
      pwd_ = std::string(parsed.sdp->icePwd(parsed.sdp->media.front()));
    }
    return offer;
  }

  // Reads the server's answer: ICE credentials, candidates, our peer SSRCs per mid.
  bool setAnswer(const std::string& answer) {
    auto parsed = sdp::parse(answer);
    if (!parsed.ok() || parsed.sdp->media.empty()) return false;
    answer_ = *parsed.sdp;
    const auto& m = answer_.media.front();
    server_ufrag_ = std::string(answer_.iceUfrag(m));
    server_pwd_ = std::string(answer_.icePwd(m));
    for (const auto& c : m.candidates) {
      auto ep = net::Endpoint::parse(c.address + ":" + std::to_string(c.port));
      if (!ep) continue;
      if (c.isTcp() && !tcp_remote_) tcp_remote_ = ep;
      if (!c.isTcp() && !udp_remote_) udp_remote_ = ep;
    }
    std::vector<dtls::Fingerprint> fps;
    for (const auto& f : answer_.fingerprintsOf(m)) {
      if (auto fp = dtls::Fingerprint::parse(f.algorithm, f.value)) fps.push_back(*fp);
    }
    dtls_->setRemoteFingerprints(fps, Clock::now());
    return open();
  }

  // Our answer to a server offer (a room's subscribe PC): every m-line accepted as the server
  // offered it, sendonly → recvonly, our ICE credentials and fingerprint, DTLS active. Call
  // setAnswer(offer) once as well so the peer learns the server's credentials and candidates.
  std::string answerOffer(const std::string& offer) const {
    auto parsed = sdp::parse(offer);
    if (!parsed.ok()) return {};
    sdp::SessionDescription a = *parsed.sdp;
    a.ice_lite = false;
    a.origin.session_id = "4242";
    a.ice_ufrag.clear();
    a.ice_pwd.clear();
    a.fingerprints.clear();
    a.setup = sdp::Setup::kUnspecified;
    for (auto& m : a.media) {
      m.ice_ufrag = ufrag_;
      m.ice_pwd = pwd_;
      m.fingerprints = {{"sha-256", cert_->fingerprintHex()}};
      m.setup = sdp::Setup::kActive;
      m.candidates.clear();
      m.ssrcs.clear();
      m.ssrc_groups.clear();
      m.msids.clear();
      if (m.direction == sdp::Direction::kSendOnly) m.direction = sdp::Direction::kRecvOnly;
    }
    return sdp::write(a);
  }

  // The first a=ssrc of the answer's m-line `mid`.
  uint32_t answerSsrc(const std::string& mid) const {
    const auto* m = answer_.findMedia(mid);
    return m && !m->ssrcs.empty() ? m->ssrcs.front().ssrc : 0;
  }
  const sdp::SessionDescription& answer() const { return answer_; }

  // One connectivity check; true on a valid success response.
  bool iceCheck(bool use_candidate = true, int timeout_ms = 2000) {
    ice::BindingRequestParams p;
    p.local_ufrag = ufrag_;
    p.remote_ufrag = server_ufrag_;
    p.remote_pwd = server_pwd_;
    p.priority = 1853817087;
    p.tiebreaker = 0x1234;
    p.use_candidate = use_candidate;
    p.transaction_id = ice::randomTransactionId();
    ice::StunPacket pkt;
    auto req = ice::buildBindingRequest(p, pkt);
    if (first_stun_ == Clock::time_point{}) first_stun_ = Clock::now();
    sendRaw(req.data(), req.size());
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      auto in = receive(remainingMs(deadline));
      if (!in) continue;
      if (net::demux(*in).kind != net::PacketKind::kStun) {
        dispatch(*in);
        continue;
      }
      auto check = ice::validateBindingResponse(*in, p.transaction_id, server_pwd_);
      if (check.status == ice::BindingResponseCheck::Status::kSuccess) return true;
    }
    return false;
  }

  // ICE (nominating) then DTLS; true once SRTP is keyed.
  bool connect(int timeout_ms = 5000) {
    if (!iceCheck(true)) return false;
    dtls_->start(Clock::now());
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline && !srtp_out_ && !dtls_failed_) {
      pumpOnce(20);
    }
    if (srtp_out_) connected_at_ = Clock::now();
    return srtp_out_ != nullptr;
  }

  // Receives and handles one packet (DTLS, SCTP, RTP, RTCP) or times out; runs DTLS timers and
  // posted SCTP tasks.
  void pumpOnce(int timeout_ms) {
    runTasks();
    if (auto t = dtls_->nextTimeout(); t && *t <= Clock::now()) dtls_->handleTimeout(Clock::now());
    if (auto in = receive(timeout_ms)) dispatch(*in);
    runTasks();
  }

  bool sendRtp(uint8_t pt, uint32_t ssrc, uint16_t seq, uint32_t ts,
               std::span<const uint8_t> payload, uint8_t mid_id = 0, std::string_view mid = {}) {
    std::array<uint8_t, 1500> buf{};
    rtp::RtpPacketBuilder b(buf);
    b.setPayloadType(pt).setSequenceNumber(seq).setTimestamp(ts).setSsrc(ssrc).setPayload(payload);
    if (mid_id != 0) {
      b.addExtension(mid_id, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(mid.data()),
                                                      mid.size()));
    }
    auto built = b.build();
    if (!built || !srtp_out_) return false;
    size_t len = built->size();
    if (srtp_out_->protectRtp(buf, len) != srtp::SrtpResult::kOk) return false;
    return sendRaw(buf.data(), len);
  }

  bool sendRtcp(std::span<const uint8_t> compound) {
    std::array<uint8_t, 1500> buf{};
    std::copy(compound.begin(), compound.end(), buf.begin());
    size_t len = compound.size();
    if (!srtp_out_ || srtp_out_->protectRtcp(buf, len) != srtp::SrtpResult::kOk) return false;
    return sendRaw(buf.data(), len);
  }

  // Waits for the next decrypted RTP packet.
  std::optional<Bytes> receiveRtp(int timeout_ms = 2000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (rtp_in_.empty() && Clock::now() < deadline) pumpOnce(remainingMs(deadline));
    if (rtp_in_.empty()) return std::nullopt;
    Bytes out = std::move(rtp_in_.front());
    rtp_in_.pop_front();
    return out;
  }
  // Waits for an RTCP compound satisfying pred (others are discarded).
  std::optional<Bytes> receiveRtcp(const std::function<bool(const Bytes&)>& pred,
                                   int timeout_ms = 2000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      while (!rtcp_in_.empty()) {
        Bytes b = std::move(rtcp_in_.front());
        rtcp_in_.pop_front();
        if (pred(b)) return b;
      }
      pumpOnce(remainingMs(deadline));
    }
    return std::nullopt;
  }
  size_t pendingRtp() const { return rtp_in_.size(); }
  void clearReceived() {
    rtp_in_.clear();
    rtcp_in_.clear();
  }

  // Data channels (SCTP over our DTLS). Call after connect().
  bool startSctp() {
    sctp::SctpAssociation::Options o;
    o.dtlsClient = true;
    // usrsctp calls back on its own thread: queue for the test thread.
    o.post = [this](sctp::SctpAssociation::Task t) {
      std::lock_guard lock(tasks_mu_);
      tasks_.push_back(std::move(t));
    };
    sctp::SctpAssociation::Listener& self = *this;
    sctp_ = std::make_unique<sctp::SctpAssociation>(self, std::move(o));
    if (!sctp_->start()) return false;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (!sctp_connected_ && Clock::now() < deadline) pumpOnce(20);
    return sctp_connected_;
  }
  sctp::SctpAssociation* sctp() { return sctp_.get(); }
  // Waits for a data channel message.
  std::optional<std::string> receiveMessage(int timeout_ms = 3000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (messages_.empty() && Clock::now() < deadline) pumpOnce(20);
    if (messages_.empty()) return std::nullopt;
    std::string m = std::move(messages_.front());
    messages_.pop_front();
    return m;
  }
  bool channelOpen(uint16_t id) const { return sctp_ && sctp_->channelOpen(id); }

  bool sendRaw(const uint8_t* data, size_t len) {
    if (fd_ < 0) return false;
    if (tcp_) {
      std::vector<uint8_t> frame(2 + len);
      frame[0] = static_cast<uint8_t>(len >> 8);
      frame[1] = static_cast<uint8_t>(len);
      std::copy(data, data + len, frame.begin() + 2);
      return ::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL) ==
             static_cast<ssize_t>(frame.size());
    }
    sockaddr_storage ss;
    socklen_t sl = udp_remote_->toSockaddr(ss);
    return ::sendto(fd_, data, len, 0, reinterpret_cast<sockaddr*>(&ss), sl) ==
           static_cast<ssize_t>(len);
  }

  // Next raw packet (datagram or de-framed TCP frame), or nullopt on timeout / closed.
  std::optional<Bytes> receive(int timeout_ms) {
    if (tcp_) {
      if (auto f = takeFrame()) return f;
    }
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, std::max(0, timeout_ms)) <= 0) return std::nullopt;
    uint8_t buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (tcp_ && n == 0) peer_closed_ = true;
      return std::nullopt;
    }
    if (!tcp_) return Bytes(buf, buf + n);
    tcp_buffer_.insert(tcp_buffer_.end(), buf, buf + n);
    return takeFrame();
  }

  net::Endpoint localEndpoint() const {
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    return *net::Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  }
  std::optional<net::Endpoint> udpRemote() const { return udp_remote_; }
  std::optional<net::Endpoint> tcpRemote() const { return tcp_remote_; }
  bool dtlsFailed() const { return dtls_failed_; }
  // DTLS application records received (SCTP packets from the server).
  size_t dtlsDataReceived() const { return dtls_data_; }
  bool dtlsClosedByPeer() const { return dtls_closed_; }
  bool peerClosed() const { return peer_closed_; }
  // First STUN request sent → SRTP keyed.
  std::chrono::microseconds handshakeTime() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(connected_at_ - first_stun_);
  }
  uint64_t unprotectFailures() const { return unprotect_failures_; }

 private:
  static int remainingMs(Clock::time_point deadline) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, ms.count()));
  }

  bool open() {
    if (fd_ >= 0) return true;
    if (tcp_) {
      if (!tcp_remote_) return false;
      fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
      int one = 1;
      setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      sockaddr_storage ss;
      socklen_t len = tcp_remote_->toSockaddr(ss);
      return ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
    }
    if (!udp_remote_) return false;
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    int size = 4 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    sockaddr_storage ss;
    socklen_t len = net::Endpoint::v4(0x7F000001, 0).toSockaddr(ss);
    return ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
  }

  std::optional<Bytes> takeFrame() {
    if (tcp_buffer_.size() < 2) return std::nullopt;
    const size_t len = (size_t{tcp_buffer_[0]} << 8) | tcp_buffer_[1];
    if (tcp_buffer_.size() < 2 + len) return std::nullopt;
    Bytes out(tcp_buffer_.begin() + 2, tcp_buffer_.begin() + 2 + static_cast<ptrdiff_t>(len));
    tcp_buffer_.erase(tcp_buffer_.begin(), tcp_buffer_.begin() + 2 + static_cast<ptrdiff_t>(len));
    return out;
  }

  void dispatch(Bytes& in) {
    switch (net::demux(in).kind) {
      case net::PacketKind::kDtls:
        dtls_->handleDatagram(in, Clock::now());
        break;
      case net::PacketKind::kRtp: {
        if (!srtp_in_) break;
        size_t len = in.size();
        if (srtp_in_->unprotectRtp(in.data(), len) != srtp::SrtpResult::kOk) {
          ++unprotect_failures_;
          break;
        }
        in.resize(len);
        rtp_in_.push_back(std::move(in));
        break;
      }
      case net::PacketKind::kRtcp: {
        if (!srtp_in_) break;
        size_t len = in.size();
        if (srtp_in_->unprotectRtcp(in.data(), len) != srtp::SrtpResult::kOk) {
          ++unprotect_failures_;
          break;
        }
        in.resize(len);
        rtcp_in_.push_back(std::move(in));
        break;
      }
      default:
        break;
    }
  }

  void runTasks() {
    for (;;) {
      sctp::SctpAssociation::Task t;
      {
        std::lock_guard lock(tasks_mu_);
        if (tasks_.empty()) return;
        t = std::move(tasks_.front());
        tasks_.pop_front();
      }
      t();
    }
  }

  // dtls::DtlsTransport::Listener
  void onDtlsSend(std::span<const uint8_t> datagram) override {
    sendRaw(datagram.data(), datagram.size());
  }
  void onDtlsConnected(const srtp::SrtpKeyMaterial& keys) override {
    srtp_out_ =
        srtp::SrtpSession::create(srtp::SrtpDirection::kOutbound, keys.profile, keys.local.view());
    srtp_in_ =
        srtp::SrtpSession::create(srtp::SrtpDirection::kInbound, keys.profile, keys.remote.view());
  }
  void onDtlsFailed(dtls::DtlsFailure, std::string_view) override { dtls_failed_ = true; }
  void onDtlsClosed() override { dtls_closed_ = true; }
  void onDtlsData(std::span<const uint8_t> data) override {
    ++dtls_data_;
    if (sctp_) sctp_->handleDtlsData(data);
  }
  // sctp::SctpAssociation::Listener
  void onSctpSend(std::span<const uint8_t> packet) override { dtls_->send(packet); }
  void onSctpConnected() override { sctp_connected_ = true; }
  void onDataChannelOpen(uint16_t, std::string_view, std::string_view) override {}
  void onDataChannelMessage(uint16_t, bool, std::span<const uint8_t> data) override {
    messages_.emplace_back(data.begin(), data.end());
  }
  void onDataChannelClosed(uint16_t) override {}

  bool tcp_;
  int fd_ = -1;
  std::shared_ptr<const dtls::Certificate> cert_;
  std::shared_ptr<dtls::DtlsContext> ctx_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  std::unique_ptr<srtp::SrtpSession> srtp_in_;
  std::unique_ptr<srtp::SrtpSession> srtp_out_;
  std::unique_ptr<sctp::SctpAssociation> sctp_;
  size_t dtls_data_ = 0;
  bool sctp_connected_ = false;
  std::mutex tasks_mu_;
  std::deque<sctp::SctpAssociation::Task> tasks_;
  std::deque<std::string> messages_;
  std::string ufrag_ = "cli1";
  std::string pwd_ = "clientpassword0123456789";
  std::string server_ufrag_;
  std::string server_pwd_;
  sdp::SessionDescription answer_;
  std::optional<net::Endpoint> udp_remote_;
  std::optional<net::Endpoint> tcp_remote_;
  std::vector<uint8_t> tcp_buffer_;
  std::deque<Bytes> rtp_in_;
  std::deque<Bytes> rtcp_in_;
  bool dtls_failed_ = false;
  bool dtls_closed_ = false;
  bool peer_closed_ = false;
  uint64_t unprotect_failures_ = 0;
  Clock::time_point first_stun_{};
  Clock::time_point connected_at_{};
};

}  // namespace sfu::test
