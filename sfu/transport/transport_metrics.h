// Counters of the secure media path on one worker, and their export to Prometheus.
//
// The media path bumps plain integers in a TransportCounters owned by the worker's SessionRouter
// (one per worker thread, no atomics). Once a second the router calls TransportMetrics::fold(),
// which adds the deltas to the process-wide series:
//
//   sfu_rtp_packets_total{direction=in|out,kind=audio|video|rtx|rtcp|unknown}
//   sfu_rtp_bytes_total{direction,kind}            (SRTP payload as received / sent on the wire)
//   sfu_packet_drops_total{reason}                 (demux, routing, STUN, SRTP, send, room)
//   sfu_rtcp_packets_total{direction,type}         (each packet of a compound: sr, rr, nack, ...)
//   sfu_nacks_total{direction}                     (NACK feedback messages; in = from receivers)
//   sfu_plis_total{direction} sfu_firs_total{direction}   (key frame requests)
//   sfu_retransmissions_total                      (packets resent to answer NACKs)
//   sfu_receiver_loss_ratio                        (histogram: fraction lost of each report block
//                                                   receivers send us, RFC 3550 §6.4.1)
//   sfu_forwarding_latency_seconds                 (histogram: receive batch → forwarded copies
//                                                   queued for sending, one sample per forwarded
//                                                   packet, measured once per receive batch)
//
// Per-session events are observed directly (a handful per session, never per packet):
//
//   sfu_ice_handshake_seconds         first valid check → nomination (USE-CANDIDATE)
//   sfu_dtls_handshake_seconds        first ClientHello → verified connection
//   sfu_handshake_failures_total{stage=ice|dtls}
//
// The transport only knows a packet's kind when someone told it the negotiated payload types
// (MediaTransport::setNegotiatedMedia); otherwise RTP counts as "unknown".
#pragma once

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "sfu/metrics/local_histogram.h"
#include "sfu/net/demux.h"

namespace sfu::transport {

enum class PacketDirection : uint8_t { kIn = 0, kOut = 1 };
inline constexpr size_t kDirectionCount = 2;

enum class PacketKindLabel : uint8_t { kUnknown = 0, kAudio, kVideo, kRtx, kRtcp };
inline constexpr size_t kKindLabelCount = 5;
std::string_view kindLabelName(PacketKindLabel kind);

// Drops above the socket layer (the socket layer's own are sfu_worker_packets_dropped_total).
// The RFC 7983 demux reasons come first, with net::dropReasonName() names.
enum class TransportDrop : uint8_t {
  kUnknownUfrag = 0,   // STUN request whose USERNAME names no session on this worker
  kUnknownEndpoint,    // DTLS/RTP/RTCP from an address no valid check came from
  kStunMalformed,      // not parseable STUN (after the first-byte demux said STUN)
  kStunIgnored,        // not a request, bad FINGERPRINT, unsupported method, expired session
  kStunNoRemote,       // a check before the remote description was set
  kNotConnected,       // media before DTLS-SRTP is up
  kSrtpAuth,           // SRTP/SRTCP authentication failure (garbage, wrong key, tampering)
  kSrtpReplay,         // replayed or too old
  kSrtpOther,          // malformed SRTP, key expired, other libsrtp errors
  kSendNotConnected,   // sendRtp/sendRtcp/DTLS before there is a selected pair and keys
  kSendProtectFailed,  // protect failed (no tailroom, key expired)
  kSendRejected,       // the socket layer refused (queue full, unknown TCP connection)
  kDataChannel,        // data channel message refused (no association, channel closed)
  kRtpMalformed,       // decrypted RTP the room could not parse
  kUnknownSsrc,        // RTP whose SSRC no published track claims (no MID/RID match)
  kCount,
};
inline constexpr size_t kTransportDropCount = static_cast<size_t>(TransportDrop::kCount);
std::string_view transportDropName(TransportDrop reason);

// RTCP packet types as counted (one per packet of a compound), rtp::rtcp::PacketKind's order.
inline constexpr size_t kRtcpTypeCount = 14;
std::string_view rtcpTypeName(size_t type);  // rtp::rtcp::toString names ("unknown" last)

// Histogram bounds of the locally observed series.
inline constexpr std::array<double, 11> kForwardingLatencyBounds{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25};
inline constexpr std::array<double, 8> kLossRatioBounds{0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1};

struct TransportCounters {
  net::DropCounters demux;
  std::array<uint64_t, kTransportDropCount> drops{};
  uint64_t packets[kDirectionCount][kKindLabelCount] = {};
  uint64_t bytes[kDirectionCount][kKindLabelCount] = {};
  uint64_t rtcp[kDirectionCount][kRtcpTypeCount] = {};
  uint64_t retransmissions = 0;
  metrics::LocalHistogram receiver_loss{kLossRatioBounds};
  metrics::LocalHistogram forwarding_latency{kForwardingLatencyBounds};

  void drop(TransportDrop reason) { ++drops[static_cast<size_t>(reason)]; }
  void count(PacketDirection d, PacketKindLabel k, size_t size) {
    ++packets[static_cast<size_t>(d)][static_cast<size_t>(k)];
    bytes[static_cast<size_t>(d)][static_cast<size_t>(k)] += size;
  }
  uint64_t dropped(TransportDrop reason) const { return drops[static_cast<size_t>(reason)]; }
  uint64_t packetCount(PacketDirection d, PacketKindLabel k) const {
    return packets[static_cast<size_t>(d)][static_cast<size_t>(k)];
  }
  uint64_t rtcpCount(PacketDirection d, size_t type) const {
    return rtcp[static_cast<size_t>(d)][type];
  }
  // RTP packets (every kind but RTCP) sent so far.
  uint64_t rtpOut() const;
  // Every drop above the socket layer, demux included.
  uint64_t totalDrops() const;
  // Counts each packet of a plaintext RTCP compound by type; for incoming compounds also observes
  // the fraction lost of every SR/RR report block. Stops at the first malformed packet. No
  // allocation (a header walk).
  void countRtcp(PacketDirection d, std::span<const uint8_t> compound);
};

enum class HandshakeStage : uint8_t { kIce, kDtls };

// Process-wide families, created on first use (thread-safe). Per-session observations.
void observeIceHandshake(double seconds);
void observeDtlsHandshake(double seconds);
void countHandshakeFailure(HandshakeStage stage);

// Folds one worker's counters into the process-wide series (that worker's thread only).
class TransportMetrics {
 public:
  TransportMetrics();
  // Adds what changed since the previous fold.
  void fold(const TransportCounters& counters);

 private:
  struct Delta {
    prometheus::Counter* counter = nullptr;
    uint64_t last = 0;
    void add(uint64_t value);
  };

  std::array<Delta, net::kDropReasonCount> demux_;
  std::array<Delta, kTransportDropCount> drops_;
  Delta packets_[kDirectionCount][kKindLabelCount];
  Delta bytes_[kDirectionCount][kKindLabelCount];
  Delta rtcp_[kDirectionCount][kRtcpTypeCount];
  Delta nacks_[kDirectionCount];
  Delta plis_[kDirectionCount];
  Delta firs_[kDirectionCount];
  Delta retransmissions_;
  metrics::HistogramFolder receiver_loss_;
  metrics::HistogramFolder forwarding_latency_;
};

}  // namespace sfu::transport
