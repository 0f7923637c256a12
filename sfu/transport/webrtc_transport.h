// One participant's secure media session on one worker: MediaTransport over the stack
//
//   SessionRouter (demux, RFC 7983) ──STUN──▶ IceLiteAgent ──response──▶ worker send
//                                   ──DTLS──▶ DtlsTransport ──records──▶ selected endpoint
//                                   ──SRTP──▶ inbound SrtpSession ──▶ Listener::onTransportRtp
//                                   ──SRTCP─▶ inbound SrtpSession ──▶ Listener::onTransportRtcp
//   sendRtp/sendRtcp ──▶ outbound SrtpSession (in place) ──▶ worker send to the ICE-selected pair
//   DtlsTransport app data ◀──▶ SctpAssociation (data channels; its callbacks posted to the worker)
//
// (libdatachannel-style layering: ICE → DTLS → SRTP / SCTP, each its own class.)
//
// ICE is lite and always controlled (RFC 8445 §2.5): the peer's valid checks select the pair we
// send on (UDP datagrams or an ICE-TCP connection, whichever the latest nomination picked). The
// router learns each checked endpoint → this transport, so DTLS/SRTP from it find us.
//
// DTLS role: from setRemote() (RemoteTransport::dtls_client: the peer starts the handshake, we are
// the server, as for every browser offer answered with setup:passive), unless Options::role forces
// one. As a client we send the ClientHello as soon as ICE has a selected pair. The SDP fingerprint
// is checked by DtlsTransport after the handshake (RFC 8122 §5); a mismatch closes us with reason
// "dtls fingerprint_mismatch: ...".
//
// Timers (worker TimerWheel): DTLS retransmission (DtlsTransport::nextTimeout) and consent
// freshness (RFC 7675 §5.1: no valid check for consent_timeout → closed "ice consent expired"; no
// check at all since creation → closed "ice timeout").
//
// Threading: everything on the owning worker's thread. Listener calls are synchronous; a listener
// may destroy the transport from onTransportClosed (and from any other callback: every entry
// point notices and returns without touching members).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/dtls/dtls_context.h"
#include "sfu/dtls/dtls_transport.h"
#include "sfu/ice/ice_lite.h"
#include "sfu/net/endpoint.h"
#include "sfu/net/packet_listener.h"
#include "sfu/sctp/sctp_association.h"
#include "sfu/srtp/srtp_session.h"
#include "sfu/transport/media_transport.h"
#include "sfu/transport/transport_metrics.h"
#include "sfu/worker/timer_wheel.h"

namespace sfu::transport {

class SessionRouter;

class WebRtcTransport final : public MediaTransport,
                              private dtls::DtlsTransport::Listener,
                              private sctp::SctpAssociation::Listener {
 public:
  struct Options {
    // RFC 7675 §5.1: 30 s. Tests shorten it.
    std::chrono::milliseconds consent_timeout{30000};
    // Force a DTLS role instead of taking it from setRemote().
    std::optional<dtls::DtlsRole> role;
    size_t dtls_mtu = 1200;
    // Our a=sctp-port and a=max-message-size (sfu::sdp::Capabilities).
    uint16_t sctp_port = 5000;
    size_t max_message_size = 262144;
  };

  enum class State : uint8_t { kNew, kConnecting, kConnected, kClosed };

  struct Stats {
    uint64_t rtp_in = 0;
    uint64_t rtp_out = 0;
    uint64_t rtcp_in = 0;
    uint64_t rtcp_out = 0;
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    uint64_t drops = 0;
    int64_t first_check_us = -1;  // worker clock: the first valid connectivity check
    int64_t nominated_us = -1;
    int64_t connected_us = -1;  // DTLS verified, SRTP keyed
  };

  // Registers with `router` under local.ice_ufrag (which must be unique on the worker).
  WebRtcTransport(SessionRouter& router, std::shared_ptr<dtls::DtlsContext> dtls,
                  sdp::LocalTransport local, MediaTransport::Listener& listener, Options options);
  WebRtcTransport(SessionRouter& router, std::shared_ptr<dtls::DtlsContext> dtls,
                  sdp::LocalTransport local, MediaTransport::Listener& listener)
      : WebRtcTransport(router, std::move(dtls), std::move(local), listener, Options{}) {}
  ~WebRtcTransport() override;
  WebRtcTransport(const WebRtcTransport&) = delete;
  WebRtcTransport& operator=(const WebRtcTransport&) = delete;

  // MediaTransport.
  const sdp::LocalTransport& local() const override { return local_; }
  void setRemote(const sdp::RemoteTransport& remote) override;
  void setNegotiatedMedia(const std::vector<sdp::NegotiatedMedia>& media) override;
  bool sendRtp(net::PacketBuffer&& packet) override;
  bool sendRtcp(net::PacketBuffer&& packet) override;
  bool sendDataChannelMessage(uint16_t stream_id, bool binary,
                              std::span<const uint8_t> data) override;
  int openDataChannel(std::string_view label) override;
  bool connected() const override { return state_ == State::kConnected; }
  net::PacketPool& pool() override;
  void close() override;
  void countDrop(TransportDrop reason) override { counters_.drop(reason); }
  void countRetransmission() override { ++counters_.retransmissions; }

  // From the SessionRouter (packets already demultiplexed).
  void handleStun(net::ReceivedPacket& packet, int64_t now_us);
  void handleDtls(net::ReceivedPacket& packet, int64_t now_us);
  void handleRtp(net::ReceivedPacket& packet, int64_t now_us);
  // For the session router, which calls these for a batch's transports before handling the
  // batch. First the lines handleRtp() reads of this object (the first three: recv_crypto_ and
  // stats_ included), then, once those are in, the inbound SRTP state it decrypts with.
  void prefetchReceivePath() const { prefetchLines(HotLines{this, 3}); }
  void prefetchReceiveCrypto() const { prefetchLines(recv_crypto_); }
  void handleRtcp(net::ReceivedPacket& packet, int64_t now_us);
  // An ICE-TCP connection this transport had checks on went away.
  void onEndpointClosed(const net::Endpoint& remote);

  State state() const { return state_; }
  const std::string& ufrag() const { return local_.ice_ufrag; }
  std::optional<net::Endpoint> selectedEndpoint() const { return ice_.selected(); }
  ice::IceLiteAgent::State iceState() const { return ice_.state(); }
  dtls::DtlsState dtlsState() const;
  const Stats& stats() const { return stats_; }
  std::string_view closeReason() const { return close_reason_; }
  // Endpoints the router maps to this transport (what its valid checks came from).
  const std::vector<net::Endpoint>& endpoints() const { return endpoints_; }

 private:
  struct Entry;

  // dtls::DtlsTransport::Listener
  void onDtlsSend(std::span<const uint8_t> datagram) override;
  void onDtlsConnected(const srtp::SrtpKeyMaterial& keys) override;
  void onDtlsFailed(dtls::DtlsFailure reason, std::string_view detail) override;
  void onDtlsClosed() override;
  void onDtlsData(std::span<const uint8_t> data) override;
  // sctp::SctpAssociation::Listener
  void onSctpSend(std::span<const uint8_t> packet) override;
  void onSctpConnected() override;
  void onDataChannelOpen(uint16_t id, std::string_view label, std::string_view protocol) override;
  void onDataChannelMessage(uint16_t id, bool binary, std::span<const uint8_t> data) override;
  void onDataChannelClosed(uint16_t id) override;

  void ensureDtls();
  void startSctp();
  void armDtlsTimer();
  void onDtlsTimer();
  void armConsentTimer();
  void onConsentTimer();
  // Closes, counts a handshake failure if we never connected, unregisters, then tells the
  // listener (last: it may destroy us).
  void fail(std::string reason, HandshakeStage stage);
  void shutdown(bool send_close_notify);
  bool sendProtected(net::PacketBuffer&& packet, bool rtcp);
  PacketKindLabel kindOf(std::span<const uint8_t> rtp) const;
  void dropped(TransportDrop reason);

  // What every packet sent or received reads comes first: after the vtable pointers and
  // send_crypto_, the first two lines (which a DownTrack prefetches two subscribers ahead) and the
  // third (recv_crypto_'s end and stats_, which the session router prefetches with them for a
  // received batch); the rest of the object is session setup.
  SessionRouter& router_;
  TransportCounters& counters_;
  State state_ = State::kNew;
  std::unique_ptr<srtp::SrtpSession> srtp_out_;
  std::unique_ptr<srtp::SrtpSession> srtp_in_;
  std::array<HotLines, 3> recv_crypto_{};  // srtp_in_'s rtpFootprint(), for the router
  Stats stats_;
  std::array<PacketKindLabel, 128> pt_kinds_{};
  std::shared_ptr<dtls::DtlsContext> dtls_context_;
  sdp::LocalTransport local_;
  MediaTransport::Listener& listener_;
  Options options_;
  ice::IceLiteAgent ice_;
  bool remote_set_ = false;
  dtls::DtlsRole dtls_role_ = dtls::DtlsRole::kServer;
  std::vector<dtls::Fingerprint> remote_fingerprints_;
  std::unique_ptr<dtls::DtlsTransport> dtls_;
  std::unique_ptr<sctp::SctpAssociation> sctp_;
  bool want_sctp_ = false;
  // After setNegotiatedMedia: whether the peer accepted an application m-section. A peer that
  // did not gets no SCTP INIT from openDataChannel (its channels stay pending).
  bool media_negotiated_ = false;
  bool sctp_negotiated_ = false;
  uint16_t remote_sctp_port_ = 5000;
  std::vector<std::pair<uint16_t, std::string>> pending_channels_;  // opened before SCTP was up
  uint16_t next_local_stream_ = 1;
  std::vector<net::Endpoint> endpoints_;
  worker::Timer dtls_timer_;
  worker::Timer consent_timer_;
  int64_t now_us_ = 0;  // the clock at the current entry point
  std::string close_reason_;
  bool* destroyed_ = nullptr;  // set while an entry point runs; the destructor flips it

  friend class SessionRouter;
};

}  // namespace sfu::transport
