#include "sfu/transport/session_router.h"

#include <algorithm>
#include <array>

#include "sfu/common/log.h"
#include "sfu/ice/ice_lite.h"
#include "sfu/net/demux.h"
#include "sfu/transport/webrtc_transport.h"

namespace sfu::transport {

SessionRouter::SessionRouter(WorkerContext context, Options options)
    : context_(std::move(context)), options_(options), fold_timer_(*context_.timers) {
  if (options_.export_metrics) metrics_ = std::make_unique<TransportMetrics>();
  fold_timer_.setCallback([this] { foldMetrics(); });
}

SessionRouter::~SessionRouter() {
  foldMetrics();
  fold_timer_.stop();
}

void SessionRouter::onPacketsReceived(std::span<net::ReceivedPacket> packets) {
  const int64_t now_us = context_.nowUs();
  const uint64_t sent_before = counters_.rtpOut();
  std::array<WebRtcTransport*, kLookupChunk> found;
  for (size_t start = 0; start < packets.size(); start += kLookupChunk) {
    const auto chunk = packets.subspan(start, std::min(kLookupChunk, packets.size() - start));
    lookUpAndPrefetch(chunk, found);
    // Handling a packet may teach an endpoint, or close a transport (and its owner destroy it):
    // what was looked up stays good only while no endpoint has been added, moved or removed.
    const uint64_t generation = endpoints_generation_;
    for (size_t i = 0; i < chunk.size(); ++i) {
      route(chunk[i], endpoints_generation_ == generation ? &found[i] : nullptr, now_us);
    }
  }
  // Forwarding is synchronous: every RTP packet sent during the batch is a forwarded copy (or a
  // retransmission) of something it received, queued for the flush that ends the socket's wakeup.
  // One clock read per batch; each such packet is one sample of the batch's duration (an upper
  // bound for its own receive → queued time; the sendmmsg follows once the socket is drained,
  // after at most max_batches_per_wakeup - 1 further batches: udp_socket.h).
  if (const uint64_t forwarded = counters_.rtpOut() - sent_before; forwarded > 0) {
    const int64_t elapsed_us = std::max<int64_t>(0, context_.nowUs() - now_us);
    counters_.forwarding_latency.observe(static_cast<double>(elapsed_us) / 1e6, forwarded);
  }
  touchMetrics();
}

void SessionRouter::lookUpAndPrefetch(std::span<const net::ReceivedPacket> packets,
                                      std::span<WebRtcTransport*, kLookupChunk> found) const {
  // Two passes over the chunk before any packet is handled, so that the lookups and the loads
  // of several packets overlap instead of each packet waiting for its own: the SRTP datagrams'
  // transports (their first lines), then each one's inbound SRTP state (whose addresses those
  // lines hold). RFC 7983 §7: 128-191 is RTP or RTCP, and only those are looked up here.
  for (size_t i = 0; i < packets.size(); ++i) {
    const net::ReceivedPacket& p = packets[i];
    found[i] = nullptr;
    if (p.buffer.size() == 0 || p.buffer.data()[0] < 128 || p.buffer.data()[0] > 191) continue;
    const auto it = endpoints_.find(p.remote);
    if (it == endpoints_.end()) continue;
    it->second->prefetchReceivePath();
    found[i] = it->second;
  }
  for (size_t i = 0; i < packets.size(); ++i) {
    if (found[i] != nullptr) found[i]->prefetchReceiveCrypto();
  }
}

void SessionRouter::route(net::ReceivedPacket& packet, WebRtcTransport* const* found,
                          int64_t now_us) {
  const std::span<const uint8_t> bytes = packet.buffer.bytes();
  const net::PacketKind kind = net::demux(bytes, counters_.demux);
  switch (kind) {
    case net::PacketKind::kStun:
      routeStun(packet, now_us);
      return;
    case net::PacketKind::kDrop:
      return;  // counted by demux
    case net::PacketKind::kDtls:
      found = nullptr;  // not looked up in advance
      break;
    case net::PacketKind::kRtp:
    case net::PacketKind::kRtcp:
      break;
  }
  WebRtcTransport* t = nullptr;
  if (found != nullptr) {
    t = *found;
  } else if (auto it = endpoints_.find(packet.remote); it != endpoints_.end()) {
    t = it->second;
  }
  if (t == nullptr) {
    counters_.drop(TransportDrop::kUnknownEndpoint);
    return;
  }
  switch (kind) {
    case net::PacketKind::kDtls:
      t->handleDtls(packet, now_us);
      break;
    case net::PacketKind::kRtp:
      t->handleRtp(packet, now_us);
      break;
    case net::PacketKind::kRtcp:
      t->handleRtcp(packet, now_us);
      break;
    default:
      break;
  }
}

void SessionRouter::routeStun(net::ReceivedPacket& packet, int64_t now_us) {
  const std::span<const uint8_t> bytes = packet.buffer.bytes();
  // RFC 8445 §7.3: a check's USERNAME starts with the ufrag we put in our SDP.
  if (auto ufrag = ice::localUfragOf(bytes)) {
    auto it = sessions_.find(*ufrag);
    if (it == sessions_.end()) {
      counters_.drop(TransportDrop::kUnknownUfrag);
      return;
    }
    it->second->handleStun(packet, now_us);
    return;
  }
  auto parsed = ice::StunMessage::parse(bytes);
  if (!parsed.ok()) {
    counters_.drop(TransportDrop::kStunMalformed);
    return;
  }
  const ice::StunMessage& msg = *parsed.message;
  if (options_.stun_server && msg.isBindingRequest() && !msg.username()) {
    // A plain STUN server query (RFC 8489 §7.3.1), e.g. a 1-on-1 client gathering srflx.
    auto response = ice::answerPlainBinding(msg, packet.remote, stun_out_);
    if (!response.empty()) {
      context_.sender->send(packet.remote, response.data(), response.size());
      return;
    }
  }
  // A request whose USERNAME could not be read as a check, an indication or a response: let the
  // session of a known endpoint judge it (it counts it), drop anything else.
  auto it = endpoints_.find(packet.remote);
  if (it != endpoints_.end()) {
    it->second->handleStun(packet, now_us);
    return;
  }
  counters_.drop(TransportDrop::kStunIgnored);
}

void SessionRouter::onConnectionClosed(const net::Endpoint& remote) {
  auto it = endpoints_.find(remote);
  if (it == endpoints_.end()) return;
  WebRtcTransport* t = it->second;
  endpoints_.erase(it);
  ++endpoints_generation_;
  t->onEndpointClosed(remote);  // may close (and let its owner destroy) the transport
}

bool SessionRouter::addSession(std::string_view ufrag, WebRtcTransport& transport) {
  auto [it, inserted] = sessions_.try_emplace(std::string(ufrag), &transport);
  (void)it;
  return inserted;
}

void SessionRouter::removeSession(WebRtcTransport& transport) {
  auto it = sessions_.find(std::string_view(transport.ufrag()));
  if (it != sessions_.end() && it->second == &transport) sessions_.erase(it);
  for (const auto& ep : transport.endpoints_) {
    auto e = endpoints_.find(ep);
    if (e != endpoints_.end() && e->second == &transport) endpoints_.erase(e);
  }
  ++endpoints_generation_;
  transport.endpoints_.clear();
  touchMetrics();
}

void SessionRouter::learnEndpoint(const net::Endpoint& remote, WebRtcTransport& transport) {
  auto [it, inserted] = endpoints_.try_emplace(remote, &transport);
  if (!inserted) {
    if (it->second == &transport) return;
    // The same remote address now checks another session (a client reusing its port): the
    // latest valid check wins. The old session keeps it in its list; removal checks ownership.
    auto& old = it->second->endpoints_;
    old.erase(std::remove(old.begin(), old.end(), remote), old.end());
    it->second = &transport;
  }
  ++endpoints_generation_;
  transport.endpoints_.push_back(remote);
}

void SessionRouter::forgetEndpoint(const net::Endpoint& remote, WebRtcTransport& transport) {
  auto it = endpoints_.find(remote);
  if (it != endpoints_.end() && it->second == &transport) {
    endpoints_.erase(it);
    ++endpoints_generation_;
  }
  auto& eps = transport.endpoints_;
  eps.erase(std::remove(eps.begin(), eps.end(), remote), eps.end());
}

WebRtcTransport* SessionRouter::findByUfrag(std::string_view ufrag) const {
  auto it = sessions_.find(ufrag);
  return it == sessions_.end() ? nullptr : it->second;
}

WebRtcTransport* SessionRouter::findByEndpoint(const net::Endpoint& remote) const {
  auto it = endpoints_.find(remote);
  return it == endpoints_.end() ? nullptr : it->second;
}

void SessionRouter::touchMetrics() {
  if (metrics_ && !fold_timer_.armed()) fold_timer_.start(options_.metrics_fold_us);
}

void SessionRouter::foldMetrics() {
  if (metrics_) metrics_->fold(counters_);
}

}  // namespace sfu::transport
