#include "sfu/transport/webrtc_transport.h"

#include <fmt/format.h>

#include <algorithm>

#include "sfu/common/log.h"
#include "sfu/dtls/fingerprint.h"
#include "sfu/transport/session_router.h"

namespace sfu::transport {
namespace {

ice::TimePoint toTimePoint(int64_t us) { return ice::TimePoint(std::chrono::microseconds(us)); }

int64_t toUs(ice::TimePoint tp) {
  return std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count();
}

TransportDrop srtpDrop(srtp::SrtpResult r) {
  switch (r) {
    case srtp::SrtpResult::kAuthFail:
      return TransportDrop::kSrtpAuth;
    case srtp::SrtpResult::kReplay:
    case srtp::SrtpResult::kReplayOld:
      return TransportDrop::kSrtpReplay;
    default:
      return TransportDrop::kSrtpOther;
  }
}

}  // namespace

// Marks an entry point on the stack: if a callback destroys the transport, the destructor flips
// `destroyed` (and every outer entry's flag) so each entry point returns without touching members.
struct WebRtcTransport::Entry {
  explicit Entry(WebRtcTransport* t) : transport(t), outer(t->destroyed_) {
    t->destroyed_ = &destroyed;
  }
  ~Entry() {
    if (destroyed) {
      if (outer) *outer = true;
    } else {
      transport->destroyed_ = outer;
    }
  }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

  WebRtcTransport* transport;
  bool* outer;
  bool destroyed = false;
};

WebRtcTransport::WebRtcTransport(SessionRouter& router, std::shared_ptr<dtls::DtlsContext> dtls,
                                 sdp::LocalTransport local, MediaTransport::Listener& listener,
                                 Options options)
    : router_(router),
      counters_(router.counters()),
      dtls_context_(std::move(dtls)),
      local_(std::move(local)),
      listener_(listener),
      options_(options),
      ice_(ice::IceCredentials{local_.ice_ufrag, local_.ice_pwd},
           toTimePoint(router.context().nowUs()),
           ice::IceLiteAgent::Config{options.consent_timeout}),
      dtls_timer_(*router.context().timers),
      consent_timer_(*router.context().timers) {
  if (!router_.addSession(local_.ice_ufrag, *this)) {
    // Only with a colliding random ufrag: the session can never be reached, say so at once.
    SFU_LOG_ERROR("transport", "duplicate ufrag session={}", local_.ice_ufrag);
  }
  now_us_ = router.context().nowUs();
  dtls_timer_.setCallback([this] { onDtlsTimer(); });
  consent_timer_.setCallback([this] { onConsentTimer(); });
  armConsentTimer();
}

WebRtcTransport::~WebRtcTransport() {
  if (destroyed_) *destroyed_ = true;
  dtls_timer_.stop();
  consent_timer_.stop();
  sctp_.reset();  // before DTLS: nothing may send through it any more
  router_.removeSession(*this);
}

net::PacketPool& WebRtcTransport::pool() { return *router_.context().pool; }

dtls::DtlsState WebRtcTransport::dtlsState() const {
  return dtls_ ? dtls_->state() : dtls::DtlsState::kNew;
}

void WebRtcTransport::dropped(TransportDrop reason) {
  counters_.drop(reason);
  ++stats_.drops;
}

// --- configuration -------------------------------------------------------------------------------

void WebRtcTransport::setRemote(const sdp::RemoteTransport& remote) {
  if (state_ == State::kClosed) return;
  ice_.setRemoteCredentials(remote.ice_ufrag, remote.ice_pwd);
  std::vector<dtls::Fingerprint> fingerprints;
  for (const auto& f : remote.fingerprints) {
    if (auto fp = dtls::Fingerprint::parse(f.algorithm, f.value)) fingerprints.push_back(*fp);
  }
  if (fingerprints.empty()) {
    // Nothing we can verify the peer against: it could never connect (RFC 8827 §6.5).
    SFU_LOG_WARN("transport", "no usable remote fingerprint session={}", local_.ice_ufrag);
  }
  remote_fingerprints_ = std::move(fingerprints);
  if (!remote_set_) {
    dtls_role_ = options_.role.value_or(remote.dtls_client ? dtls::DtlsRole::kServer
                                                           : dtls::DtlsRole::kClient);
    next_local_stream_ = dtls_role_ == dtls::DtlsRole::kClient ? 0 : 1;  // RFC 8832 §6
  }
  remote_set_ = true;
  if (state_ == State::kNew) state_ = State::kConnecting;
  // A renegotiation may repeat the fingerprints; they matter only until the handshake is done.
  if (dtls_ && dtls_->state() != dtls::DtlsState::kConnected) {
    Entry entry(this);
    dtls_->setRemoteFingerprints(remote_fingerprints_, toTimePoint(router_.context().nowUs()));
    if (entry.destroyed) return;
    armDtlsTimer();
  }
}

void WebRtcTransport::setNegotiatedMedia(const std::vector<sdp::NegotiatedMedia>& media) {
  pt_kinds_.fill(PacketKindLabel::kUnknown);
  media_negotiated_ = true;
  for (const auto& m : media) {
    if (m.rejected) continue;
    if (m.data_channel) {
      want_sctp_ = true;
      sctp_negotiated_ = true;
      remote_sctp_port_ = m.remote_sctp_port;
      continue;
    }
    const PacketKindLabel kind = m.kind == "audio"   ? PacketKindLabel::kAudio
                                 : m.kind == "video" ? PacketKindLabel::kVideo
                                                     : PacketKindLabel::kUnknown;
    for (const auto& c : m.codecs) {
      if (c.pt >= 0 && c.pt < 128) pt_kinds_[static_cast<size_t>(c.pt)] = kind;
      if (c.rtx_pt && *c.rtx_pt >= 0 && *c.rtx_pt < 128) {
        pt_kinds_[static_cast<size_t>(*c.rtx_pt)] = PacketKindLabel::kRtx;
      }
    }
  }
  if (want_sctp_ && state_ == State::kConnected && !sctp_) startSctp();
}

void WebRtcTransport::ensureDtls() {
  if (dtls_ || !remote_set_) return;
  dtls::DtlsTransport::Options o;
  o.role = dtls_role_;
  o.mtu = options_.dtls_mtu;
  dtls::DtlsTransport::Listener& self = *this;
  dtls_ = std::make_unique<dtls::DtlsTransport>(dtls_context_, self, o);
  dtls_->setRemoteFingerprints(remote_fingerprints_, toTimePoint(now_us_));
}

// --- ICE -----------------------------------------------------------------------------------------

void WebRtcTransport::handleStun(net::ReceivedPacket& packet, int64_t now_us) {
  if (state_ == State::kClosed) return;
  if (!remote_set_) {
    // Without the peer's ufrag and pwd a check cannot be validated both ways (RFC 8445 §7.3);
    // the browser retransmits it.
    dropped(TransportDrop::kStunNoRemote);
    return;
  }
  now_us_ = now_us;
  const ice::IceResult r =
      ice_.handleStun(packet.buffer.bytes(), packet.remote, toTimePoint(now_us));
  if (r.outcome == ice::IceResult::Outcome::kDropped) {
    dropped(r.drop == ice::IceDropReason::kMalformed ? TransportDrop::kStunMalformed
                                                     : TransportDrop::kStunIgnored);
    return;
  }
  if (!r.response.empty()) {
    router_.context().sender->send(packet.remote, r.response.data(), r.response.size());
  }
  if (r.outcome != ice::IceResult::Outcome::kSuccess) return;

  // A valid check: DTLS and media from this address are ours from now on.
  if (std::find(endpoints_.begin(), endpoints_.end(), packet.remote) == endpoints_.end()) {
    router_.learnEndpoint(packet.remote, *this);
  }
  if (stats_.first_check_us < 0) {
    stats_.first_check_us = now_us;
    SFU_LOG_DEBUG("ice", "first check session={} remote={}", local_.ice_ufrag, packet.remote);
  }
  if (r.nominated && stats_.nominated_us < 0) {
    stats_.nominated_us = now_us;
    observeIceHandshake(static_cast<double>(now_us - stats_.first_check_us) / 1e6);
    SFU_LOG_DEBUG("ice", "nominated session={} remote={}", local_.ice_ufrag, packet.remote);
  }
  if (r.selected_changed) {
    SFU_LOG_DEBUG("ice", "selected session={} remote={}", local_.ice_ufrag, packet.remote);
  }
  if (r.consent_refreshed) armConsentTimer();
  ensureDtls();
  if (dtls_role_ == dtls::DtlsRole::kClient && dtls_ && dtls_->state() == dtls::DtlsState::kNew) {
    Entry entry(this);
    dtls_->start(toTimePoint(now_us));
    if (entry.destroyed) return;
    armDtlsTimer();
  }
}

void WebRtcTransport::armConsentTimer() {
  if (state_ == State::kClosed) return;
  consent_timer_.startAt(toUs(ice_.consentDeadline()));
}

void WebRtcTransport::onConsentTimer() {
  now_us_ = router_.context().nowUs();
  if (!ice_.checkConsent(toTimePoint(now_us_))) {
    armConsentTimer();
    return;
  }
  if (stats_.first_check_us < 0) {
    fail("ice timeout: no connectivity check", HandshakeStage::kIce);
  } else {
    fail("ice consent expired", HandshakeStage::kIce);
  }
}

void WebRtcTransport::onEndpointClosed(const net::Endpoint& remote) {
  auto& eps = endpoints_;
  eps.erase(std::remove(eps.begin(), eps.end(), remote), eps.end());
  if (state_ == State::kClosed) return;
  const auto& selected = ice_.selected();
  if (selected && *selected == remote) {
    // The ICE-TCP connection carrying our selected pair is gone; a lite agent cannot reconnect.
    fail("ice-tcp connection closed", HandshakeStage::kIce);
  }
}

// --- DTLS ----------------------------------------------------------------------------------------

void WebRtcTransport::handleDtls(net::ReceivedPacket& packet, int64_t now_us) {
  if (state_ == State::kClosed) return;
  now_us_ = now_us;
  ensureDtls();
  if (!dtls_) {
    dropped(TransportDrop::kNotConnected);
    return;
  }
  Entry entry(this);
  dtls_->handleDatagram(packet.buffer.bytes(), toTimePoint(now_us));
  if (entry.destroyed) return;
  armDtlsTimer();
}

void WebRtcTransport::armDtlsTimer() {
  if (!dtls_ || state_ == State::kClosed) return;
  if (auto next = dtls_->nextTimeout()) {
    dtls_timer_.startAt(toUs(*next));
  } else {
    dtls_timer_.stop();
  }
}

void WebRtcTransport::onDtlsTimer() {
  if (!dtls_) return;
  now_us_ = router_.context().nowUs();
  Entry entry(this);
  dtls_->handleTimeout(toTimePoint(now_us_));
  if (entry.destroyed) return;
  armDtlsTimer();
}

void WebRtcTransport::onDtlsSend(std::span<const uint8_t> datagram) {
  const auto& selected = ice_.selected();
  if (!selected) {
    dropped(TransportDrop::kSendNotConnected);
    return;
  }
  if (!router_.context().sender->send(*selected, datagram.data(), datagram.size())) {
    dropped(TransportDrop::kSendRejected);
  }
}

void WebRtcTransport::onDtlsConnected(const srtp::SrtpKeyMaterial& keys) {
  if (state_ == State::kClosed) return;
  if (keys.profile != srtp::SrtpProfile::kNone) {
    srtp_in_ =
        srtp::SrtpSession::create(srtp::SrtpDirection::kInbound, keys.profile, keys.remote.view());
    srtp_out_ =
        srtp::SrtpSession::create(srtp::SrtpDirection::kOutbound, keys.profile, keys.local.view());
    if (!srtp_in_ || !srtp_out_) {
      fail("srtp session setup failed", HandshakeStage::kDtls);
      return;
    }
    send_crypto_ = srtp_out_->rtpFootprint();
    recv_crypto_ = srtp_in_->rtpFootprint();
  }
  state_ = State::kConnected;
  stats_.connected_us = now_us_;
  const auto dtls_us = dtls_->handshakeDuration().value_or(std::chrono::microseconds(0));
  observeDtlsHandshake(static_cast<double>(dtls_us.count()) / 1e6);
  SFU_LOG_INFO("transport",
               "connected session={} remote={} profile={} dtls_ms={:.1f} total_ms={:.1f}",
               local_.ice_ufrag, ice_.selected() ? *ice_.selected() : net::Endpoint{},
               srtp::srtpProfileInfo(keys.profile).name, static_cast<double>(dtls_us.count()) / 1e3,
               static_cast<double>(now_us_ - stats_.first_check_us) / 1e3);
  if (want_sctp_ && (sctp_negotiated_ || !media_negotiated_)) startSctp();
  Entry entry(this);
  listener_.onTransportConnected(*this);
  if (entry.destroyed) return;
}

void WebRtcTransport::onDtlsFailed(dtls::DtlsFailure reason, std::string_view detail) {
  fail(fmt::format("dtls {}: {}", dtls::dtlsFailureName(reason), detail), HandshakeStage::kDtls);
}

void WebRtcTransport::onDtlsClosed() { fail("dtls closed by peer", HandshakeStage::kDtls); }

void WebRtcTransport::onDtlsData(std::span<const uint8_t> data) {
  if (state_ != State::kConnected) return;
  if (!sctp_) startSctp();  // the peer's INIT: a data channel m-line we were not told about
  if (sctp_) sctp_->handleDtlsData(data);
}

// --- SRTP ----------------------------------------------------------------------------------------

PacketKindLabel WebRtcTransport::kindOf(std::span<const uint8_t> rtp) const {
  return pt_kinds_[rtp[1] & 0x7F];
}

void WebRtcTransport::handleRtp(net::ReceivedPacket& packet, int64_t now_us) {
  if (!srtp_in_ || state_ != State::kConnected) {
    dropped(TransportDrop::kNotConnected);
    return;
  }
  const size_t wire = packet.buffer.size();
  size_t len = wire;
  const srtp::SrtpResult r = srtp_in_->unprotectRtp(packet.buffer.data(), len);
  if (r != srtp::SrtpResult::kOk) {
    dropped(srtpDrop(r));
    return;
  }
  packet.buffer.setSize(len);
  counters_.count(PacketDirection::kIn, kindOf(packet.buffer.bytes()), wire);
  ++stats_.rtp_in;
  stats_.bytes_in += wire;
  now_us_ = now_us;
  listener_.onTransportRtp(*this, packet.buffer, now_us);
}

void WebRtcTransport::handleRtcp(net::ReceivedPacket& packet, int64_t now_us) {
  if (!srtp_in_ || state_ != State::kConnected) {
    dropped(TransportDrop::kNotConnected);
    return;
  }
  const size_t wire = packet.buffer.size();
  size_t len = wire;
  const srtp::SrtpResult r = srtp_in_->unprotectRtcp(packet.buffer.data(), len);
  if (r != srtp::SrtpResult::kOk) {
    dropped(srtpDrop(r));
    return;
  }
  packet.buffer.setSize(len);
  counters_.count(PacketDirection::kIn, PacketKindLabel::kRtcp, wire);
  counters_.countRtcp(PacketDirection::kIn, packet.buffer.bytes());
  ++stats_.rtcp_in;
  stats_.bytes_in += wire;
  now_us_ = now_us;
  listener_.onTransportRtcp(*this, packet.buffer.bytes(), now_us);
}

bool WebRtcTransport::sendRtp(net::PacketBuffer&& packet) {
  return sendProtected(std::move(packet), false);
}

bool WebRtcTransport::sendRtcp(net::PacketBuffer&& packet) {
  return sendProtected(std::move(packet), true);
}

bool WebRtcTransport::sendProtected(net::PacketBuffer&& packet, bool rtcp) {
  const auto& selected = ice_.selected();
  if (!srtp_out_ || state_ != State::kConnected || !selected) {
    dropped(TransportDrop::kSendNotConnected);
    return false;
  }
  if (packet.size() < (rtcp ? 8u : 12u)) {
    dropped(TransportDrop::kSendProtectFailed);
    return false;
  }
  const PacketKindLabel kind = rtcp ? PacketKindLabel::kRtcp : kindOf(packet.bytes());
  // By type before SRTCP encrypts the compound; a protect or send failure below is counted as a
  // drop on top.
  if (rtcp) counters_.countRtcp(PacketDirection::kOut, packet.bytes());
  size_t len = packet.size();
  const std::span<uint8_t> area(packet.data(), packet.capacity());
  const srtp::SrtpResult r =
      rtcp ? srtp_out_->protectRtcp(area, len) : srtp_out_->protectRtp(area, len);
  if (r != srtp::SrtpResult::kOk) {
    dropped(TransportDrop::kSendProtectFailed);
    return false;
  }
  packet.setSize(len);
  if (!router_.context().sender->send(*selected, std::move(packet))) {
    dropped(TransportDrop::kSendRejected);
    return false;
  }
  counters_.count(PacketDirection::kOut, kind, len);
  ++(rtcp ? stats_.rtcp_out : stats_.rtp_out);
  stats_.bytes_out += len;
  return true;
}

// --- SCTP (data channels) ------------------------------------------------------------------------

void WebRtcTransport::startSctp() {
  if (sctp_ || state_ != State::kConnected) return;
  sctp::SctpAssociation::Options o;
  o.dtlsClient = dtls_role_ == dtls::DtlsRole::kClient;
  o.localPort = options_.sctp_port;
  o.remotePort = remote_sctp_port_;
  o.maxMessageSize = options_.max_message_size;
  o.post = router_.context().post;
  sctp::SctpAssociation::Listener& self = *this;
  sctp_ = std::make_unique<sctp::SctpAssociation>(self, std::move(o));
  if (!sctp_->start()) {
    SFU_LOG_WARN("sctp", "association failed to start session={}", local_.ice_ufrag);
    sctp_.reset();
  }
}

void WebRtcTransport::onSctpSend(std::span<const uint8_t> packet) {
  if (dtls_ && dtls_->state() == dtls::DtlsState::kConnected) dtls_->send(packet);
}

void WebRtcTransport::onSctpConnected() {
  auto pending = std::move(pending_channels_);
  pending_channels_.clear();
  for (const auto& [predicted, label] : pending) {
    auto id = sctp_->openChannel(label);
    if (!id || *id != predicted) {
      SFU_LOG_WARN("sctp", "pending channel opened differently session={} label={} want={} got={}",
                   local_.ice_ufrag, label, predicted, id ? int{*id} : -1);
    }
  }
}

void WebRtcTransport::onDataChannelOpen(uint16_t id, std::string_view label,
                                        std::string_view protocol) {
  (void)protocol;
  listener_.onTransportDataChannelOpen(*this, id, label);
}

void WebRtcTransport::onDataChannelMessage(uint16_t id, bool binary,
                                           std::span<const uint8_t> data) {
  listener_.onTransportDataChannelMessage(*this, id, binary, data);
}

void WebRtcTransport::onDataChannelClosed(uint16_t id) {
  SFU_LOG_DEBUG("sctp", "channel closed session={} stream={}", local_.ice_ufrag, id);
}

bool WebRtcTransport::sendDataChannelMessage(uint16_t stream_id, bool binary,
                                             std::span<const uint8_t> data) {
  if (!sctp_ || !sctp_->sendMessage(stream_id, binary, data)) {
    dropped(TransportDrop::kDataChannel);
    return false;
  }
  return true;
}

int WebRtcTransport::openDataChannel(std::string_view label) {
  if (state_ == State::kClosed) return -1;
  if (state_ == State::kConnected && !sctp_ && (sctp_negotiated_ || !media_negotiated_)) {
    startSctp();
  }
  if (sctp_ && sctp_->connected()) {
    auto id = sctp_->openChannel(std::string(label));
    if (!id) return -1;
    next_local_stream_ = static_cast<uint16_t>(std::max<int>(next_local_stream_, *id + 2));
    return *id;
  }
  // Not up yet: open once SCTP connects, on the id the association will pick (our parity, in
  // order, RFC 8832 §6).
  want_sctp_ = true;
  const uint16_t id = next_local_stream_;
  next_local_stream_ = static_cast<uint16_t>(next_local_stream_ + 2);
  pending_channels_.emplace_back(id, std::string(label));
  return id;
}

// --- closing -------------------------------------------------------------------------------------

void WebRtcTransport::shutdown(bool send_close_notify) {
  state_ = State::kClosed;
  dtls_timer_.stop();
  consent_timer_.stop();
  if (sctp_) {
    sctp_->close();
    sctp_.reset();
  }
  if (dtls_ && send_close_notify && dtls_->state() != dtls::DtlsState::kFailed) dtls_->close();
  router_.removeSession(*this);
}

void WebRtcTransport::close() {
  if (state_ == State::kClosed) return;
  close_reason_ = "closed locally";
  Entry entry(this);
  shutdown(true);
}

void WebRtcTransport::fail(std::string reason, HandshakeStage stage) {
  if (state_ == State::kClosed) return;
  const bool was_connected = state_ == State::kConnected;
  if (!was_connected) countHandshakeFailure(stage);
  SFU_LOG_INFO("transport", "closed session={} reason=\"{}\" connected={}", local_.ice_ufrag,
               reason, was_connected);
  close_reason_ = std::move(reason);
  {
    Entry entry(this);
    // After a DTLS failure OpenSSL has already sent its alert; a peer close needs no answer.
    shutdown(stage != HandshakeStage::kDtls);
    if (entry.destroyed) return;
  }
  // The listener may destroy us: nothing after this call, and it gets a reason it can outlive.
  const std::string reason_copy = close_reason_;
  listener_.onTransportClosed(*this, reason_copy);
}

}  // namespace sfu::transport
