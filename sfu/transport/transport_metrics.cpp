#include "sfu/transport/transport_metrics.h"

#include <prometheus/family.h>

#include <string>

#include "sfu/metrics/registry.h"

namespace sfu::transport {
namespace {

constexpr const char* kDropsName = "sfu_packet_drops_total";
constexpr const char* kDropsHelp =
    "Packets the media path dropped above the socket layer (demux, routing, STUN, SRTP, send)";

prometheus::Family<prometheus::Counter>& counterFamily(const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(metrics::registry());
}

struct Handshakes {
  prometheus::Histogram* ice;
  prometheus::Histogram* dtls;
  prometheus::Counter* ice_failures;
  prometheus::Counter* dtls_failures;
};

const Handshakes& handshakes() {
  static const Handshakes h = [] {
    const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                          0.5,   1,    2.5,   5,    10};
    auto& ice = prometheus::BuildHistogram()
                    .Name("sfu_ice_handshake_seconds")
                    .Help("ICE-lite: first valid connectivity check to nomination")
                    .Register(metrics::registry());
    auto& dtls = prometheus::BuildHistogram()
                     .Name("sfu_dtls_handshake_seconds")
                     .Help("DTLS: first handshake datagram to verified connection")
                     .Register(metrics::registry());
    auto& failures = counterFamily("sfu_handshake_failures_total",
                                   "Media sessions that failed to connect, by stage");
    return Handshakes{&ice.Add({}, buckets), &dtls.Add({}, buckets),
                      &failures.Add({{"stage", "ice"}}), &failures.Add({{"stage", "dtls"}})};
  }();
  return h;
}

}  // namespace

std::string_view kindLabelName(PacketKindLabel kind) {
  switch (kind) {
    case PacketKindLabel::kUnknown:
      return "unknown";
    case PacketKindLabel::kAudio:
      return "audio";
    case PacketKindLabel::kVideo:
      return "video";
    case PacketKindLabel::kRtx:
      return "rtx";
    case PacketKindLabel::kRtcp:
      return "rtcp";
  }
  return "unknown";
}

std::string_view transportDropName(TransportDrop reason) {
  switch (reason) {
    case TransportDrop::kUnknownUfrag:
      return "unknown_ufrag";
    case TransportDrop::kUnknownEndpoint:
      return "unknown_endpoint";
    case TransportDrop::kStunMalformed:
      return "stun_malformed";
    case TransportDrop::kStunIgnored:
      return "stun_ignored";
    case TransportDrop::kStunNoRemote:
      return "stun_no_remote";
    case TransportDrop::kNotConnected:
      return "not_connected";
    case TransportDrop::kSrtpAuth:
      return "srtp_auth";
    case TransportDrop::kSrtpReplay:
      return "srtp_replay";
    case TransportDrop::kSrtpOther:
      return "srtp_other";
    case TransportDrop::kSendNotConnected:
      return "send_not_connected";
    case TransportDrop::kSendProtectFailed:
      return "send_protect_failed";
    case TransportDrop::kSendRejected:
      return "send_rejected";
    case TransportDrop::kDataChannel:
      return "data_channel";
    case TransportDrop::kCount:
      break;
  }
  return "unknown";
}

uint64_t TransportCounters::totalDrops() const {
  uint64_t sum = demux.total();
  for (uint64_t d : drops) sum += d;
  return sum;
}

void observeIceHandshake(double seconds) { handshakes().ice->Observe(seconds); }
void observeDtlsHandshake(double seconds) { handshakes().dtls->Observe(seconds); }
void countHandshakeFailure(HandshakeStage stage) {
  (stage == HandshakeStage::kIce ? handshakes().ice_failures : handshakes().dtls_failures)
      ->Increment();
}

void TransportMetrics::Delta::add(uint64_t value) {
  if (value > last) counter->Increment(static_cast<double>(value - last));
  last = value;
}

TransportMetrics::TransportMetrics() {
  (void)handshakes();  // the histograms exist (at zero) from the first worker on
  auto& drops = counterFamily(kDropsName, kDropsHelp);
  for (size_t i = 0; i < net::kDropReasonCount; ++i) {
    demux_[i].counter =
        &drops.Add({{"reason", std::string(net::dropReasonName(static_cast<net::DropReason>(i)))}});
  }
  for (size_t i = 0; i < kTransportDropCount; ++i) {
    drops_[i].counter =
        &drops.Add({{"reason", std::string(transportDropName(static_cast<TransportDrop>(i)))}});
  }
  auto& packets =
      counterFamily("sfu_rtp_packets_total", "SRTP/SRTCP packets by direction and kind");
  auto& bytes = counterFamily("sfu_rtp_bytes_total", "SRTP/SRTCP bytes by direction and kind");
  for (size_t d = 0; d < kDirectionCount; ++d) {
    for (size_t k = 0; k < kKindLabelCount; ++k) {
      prometheus::Labels labels{
          {"direction", d == 0 ? "in" : "out"},
          {"kind", std::string(kindLabelName(static_cast<PacketKindLabel>(k)))}};
      packets_[d][k].counter = &packets.Add(labels);
      bytes_[d][k].counter = &bytes.Add(labels);
    }
  }
}

void TransportMetrics::fold(const TransportCounters& c) {
  for (size_t i = 0; i < net::kDropReasonCount; ++i) demux_[i].add(c.demux.counts[i]);
  for (size_t i = 0; i < kTransportDropCount; ++i) drops_[i].add(c.drops[i]);
  for (size_t d = 0; d < kDirectionCount; ++d) {
    for (size_t k = 0; k < kKindLabelCount; ++k) {
      packets_[d][k].add(c.packets[d][k]);
      bytes_[d][k].add(c.bytes[d][k]);
    }
  }
}

}  // namespace sfu::transport
