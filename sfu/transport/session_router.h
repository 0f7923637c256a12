// Per-worker packet router (DESIGN.md "The media path", step 2): the worker's PacketListener.
// Each datagram (or ICE-TCP frame) is classified by its first byte (RFC 7983 §7, sfu/net/demux.h):
//
//   STUN  ── Binding request with USERNAME "ourufrag:theirs" ──▶ session by local ufrag
//         ── Binding request without USERNAME ──▶ answered here as a plain STUN server (RFC 8489
//            §7.3.1: XOR-MAPPED-ADDRESS only), so 1-on-1 calls can use us for server-reflexive
//            candidates
//   DTLS / RTP / RTCP ──▶ session by remote endpoint (learned from that session's valid checks)
//   anything else, or no session ──▶ dropped and counted (sfu_packet_drops_total{reason})
//
// Lookups allocate nothing: the ufrag map takes a string_view into the packet (transparent hash),
// the endpoint map hashes the 24-byte net::Endpoint. Peer bytes never reach anything that can
// throw or abort: malformed input is a counted drop, and other sessions keep working.
//
// Counters are plain integers (TransportCounters) folded into Prometheus about once a second by a
// wheel timer that is armed only while something changed, so an idle worker does not tick.
//
// Single-threaded: the owning worker's thread. The router must outlive its transports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sfu/ice/stun_message.h"
#include "sfu/net/endpoint.h"
#include "sfu/net/packet_listener.h"
#include "sfu/transport/transport_metrics.h"
#include "sfu/transport/worker_context.h"
#include "sfu/worker/timer_wheel.h"

namespace sfu::transport {

class WebRtcTransport;

class SessionRouter final : public net::PacketListener {
 public:
  struct Options {
    bool stun_server = true;  // answer Binding requests without USERNAME
    int64_t metrics_fold_us = 1'000'000;
    bool export_metrics = true;
  };

  explicit SessionRouter(WorkerContext context) : SessionRouter(std::move(context), Options{}) {}
  SessionRouter(WorkerContext context, Options options);
  ~SessionRouter() override;
  SessionRouter(const SessionRouter&) = delete;
  SessionRouter& operator=(const SessionRouter&) = delete;

  // net::PacketListener
  void onPacketsReceived(std::span<net::ReceivedPacket> packets) override;
  void onConnectionClosed(const net::Endpoint& remote) override;

  // Registration (WebRtcTransport's constructor / destructor). False when the ufrag is taken.
  bool addSession(std::string_view ufrag, WebRtcTransport& transport);
  void removeSession(WebRtcTransport& transport);
  // Maps remote → transport (a valid check came from it); a later session's check takes over.
  void learnEndpoint(const net::Endpoint& remote, WebRtcTransport& transport);
  void forgetEndpoint(const net::Endpoint& remote, WebRtcTransport& transport);

  WebRtcTransport* findByUfrag(std::string_view ufrag) const;
  WebRtcTransport* findByEndpoint(const net::Endpoint& remote) const;
  size_t sessionCount() const { return sessions_.size(); }

  WorkerContext& context() { return context_; }
  TransportCounters& counters() { return counters_; }
  const TransportCounters& counters() const { return counters_; }
  // Folds the counters into Prometheus now (also done by the router's own timer).
  void foldMetrics();

 private:
  struct UfragHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  static constexpr size_t kLookupChunk = 32;
  // The transport of each RTP/RTCP datagram of a chunk (nullptr: not one, or unknown), with its
  // receive path prefetched.
  void lookUpAndPrefetch(std::span<const net::ReceivedPacket> packets,
                         std::span<WebRtcTransport*, kLookupChunk> found) const;
  // `found`: what lookUpAndPrefetch() found for this packet while still valid, else nullptr
  // (looked up here).
  void route(net::ReceivedPacket& packet, WebRtcTransport* const* found, int64_t now_us);
  void routeStun(net::ReceivedPacket& packet, int64_t now_us);
  void touchMetrics();

  WorkerContext context_;
  Options options_;
  TransportCounters counters_;
  std::unique_ptr<TransportMetrics> metrics_;
  std::unordered_map<std::string, WebRtcTransport*, UfragHash, std::equal_to<>> sessions_;
  std::unordered_map<net::Endpoint, WebRtcTransport*, net::EndpointHash> endpoints_;
  uint64_t endpoints_generation_ = 0;  // bumped whenever an endpoint is added, moved or removed
  ice::StunPacket stun_out_;
  worker::Timer fold_timer_;
};

}  // namespace sfu::transport
