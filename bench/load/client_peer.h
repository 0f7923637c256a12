#pragma once

// One client-side PeerConnection transport of the load generator: a connected UDP socket toward
// the server's host candidate, ICE as the controlling agent (binding requests with USE-CANDIDATE,
// then consent checks), DTLS as the client (a=setup:active), SRTP both ways. Batched sends
// (sendmmsg) and receives (recvmmsg). Single-threaded: owned by one media thread.

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "sfu/dtls/dtls_transport.h"
#include "sfu/ice/stun_message.h"
#include "sfu/net/endpoint.h"
#include "sfu/srtp/srtp_session.h"

namespace bench::load {

inline constexpr size_t kPacketCapacity = 1500;

struct RemoteTransport {
  std::string ufrag;
  std::string pwd;
  sfu::dtls::Fingerprint fingerprint;
  sfu::net::Endpoint candidate;     // the server's UDP host candidate
  bool remote_dtls_client = false;  // the server answered a=setup:active (Janus does)
};

class PeerHandler {
 public:
  virtual ~PeerHandler() = default;
  // Decrypted RTP (data may be modified in place) and decrypted compound RTCP.
  virtual void onRtp(uint8_t* data, size_t size, int64_t now_ns) = 0;
  virtual void onRtcp(const uint8_t* data, size_t size, int64_t now_ns) = 0;
};

class ClientPeer : private sfu::dtls::DtlsTransport::Listener {
 public:
  static constexpr size_t kBatch = 64;

  ClientPeer(std::shared_ptr<sfu::dtls::DtlsContext> context, PeerHandler& handler,
             const std::string& bind_ip);
  ~ClientPeer() override;
  ClientPeer(const ClientPeer&) = delete;
  ClientPeer& operator=(const ClientPeer&) = delete;

  int fd() const { return fd_; }
  uint16_t localPort() const;
  const std::string& localUfrag() const { return ufrag_; }
  const std::string& localPwd() const { return pwd_; }

  bool start(const RemoteTransport& remote, int64_t now_ns);
  // relay-baseline: no ICE/DTLS; fixed keys (AEAD_AES_128_GCM) and a plain hello datagram that
  // the relay uses to register this transport (re-sent every 2 s).
  bool startDirect(const sfu::net::Endpoint& relay, std::span<const uint8_t> hello,
                   std::span<const uint8_t> out_key, std::span<const uint8_t> in_key,
                   int64_t now_ns);
  bool started() const { return started_; }
  bool ready() const { return outbound_ != nullptr; }
  bool failed() const { return failed_; }

  // ICE checks and consent, DTLS retransmission; flushes queued packets.
  void tick(int64_t now_ns);
  // Drains the socket: STUN/DTLS handled here, SRTP/SRTCP decrypted and handed to the handler.
  void receive(int64_t now_ns);

  // Protects the plain RTP/RTCP packet in `buffer[0..size)` into the send queue (copies it).
  bool sendRtp(const uint8_t* data, size_t size);
  bool sendRtcp(const uint8_t* data, size_t size);
  void flush();

  uint64_t packetsSent() const { return packetsSent_; }
  uint64_t bytesSent() const { return bytesSent_; }
  uint64_t protectFailures() const { return protectFailures_; }
  uint64_t unprotectFailures() const { return unprotectFailures_; }

 private:
  void onDtlsSend(std::span<const uint8_t> datagram) override;
  void onDtlsConnected(const sfu::srtp::SrtpKeyMaterial& keys) override;
  void onDtlsFailed(sfu::dtls::DtlsFailure reason, std::string_view detail) override;
  void onDtlsClosed() override {}
  void onDtlsData(std::span<const uint8_t>) override {}  // SCTP: not used by the benchmark

  void sendStunCheck(int64_t now_ns);
  bool answerBindingRequest(std::span<const uint8_t> bytes);
  uint8_t* queueSlot();
  void sendRaw(const uint8_t* data, size_t size);

  PeerHandler& handler_;
  std::shared_ptr<sfu::dtls::DtlsContext> context_;
  int fd_ = -1;
  std::string ufrag_;
  std::string pwd_;
  RemoteTransport remote_;
  bool started_ = false;
  bool iceConnected_ = false;
  bool direct_ = false;
  std::array<uint8_t, 16> hello_{};
  size_t helloSize_ = 0;
  bool failed_ = false;
  int64_t nextCheckNs_ = 0;
  sfu::ice::TransactionId pendingTid_{};
  uint64_t tiebreaker_ = 0;
  std::unique_ptr<sfu::dtls::DtlsTransport> dtls_;
  std::unique_ptr<sfu::srtp::SrtpSession> outbound_;
  std::unique_ptr<sfu::srtp::SrtpSession> inbound_;

  std::array<std::array<uint8_t, kPacketCapacity>, kBatch> sendBufs_{};
  std::array<size_t, kBatch> sendLens_{};
  size_t sendCount_ = 0;

  uint64_t packetsSent_ = 0;
  uint64_t bytesSent_ = 0;
  uint64_t protectFailures_ = 0;
  uint64_t unprotectFailures_ = 0;
};

}  // namespace bench::load
