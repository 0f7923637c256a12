#include "sfu/transport/transport_metrics.h"

#include <prometheus/family.h>

#include <string>

#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/sender_report.h"
#include "sfu/metrics/registry.h"

namespace sfu::transport {
namespace {

constexpr const char* kDropsName = "sfu_packet_drops_total";
constexpr const char* kDropsHelp =
    "Packets the media path dropped above the socket layer (demux, routing, STUN, SRTP, send)";

prometheus::Family<prometheus::Counter>& counterFamily(const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(metrics::registry());
}

prometheus::Histogram& histogram(const char* name, const char* help,
                                 std::span<const double> bounds) {
  return prometheus::BuildHistogram()
      .Name(name)
      .Help(help)
      .Register(metrics::registry())
      .Add({}, prometheus::Histogram::BucketBoundaries(bounds.begin(), bounds.end()));
}

const char* directionName(size_t d) { return d == 0 ? "in" : "out"; }

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
    case TransportDrop::kRtpMalformed:
      return "rtp_malformed";
    case TransportDrop::kUnknownSsrc:
      return "unknown_ssrc";
    case TransportDrop::kCount:
      break;
  }
  return "unknown";
}

static_assert(static_cast<size_t>(rtp::rtcp::PacketKind::kUnknown) + 1 == kRtcpTypeCount);

std::string_view rtcpTypeName(size_t type) {
  if (type + 1 >= kRtcpTypeCount) return "unknown";
  return rtp::rtcp::toString(static_cast<rtp::rtcp::PacketKind>(type));
}

uint64_t TransportCounters::rtpOut() const {
  const auto& out = packets[static_cast<size_t>(PacketDirection::kOut)];
  return out[static_cast<size_t>(PacketKindLabel::kUnknown)] +
         out[static_cast<size_t>(PacketKindLabel::kAudio)] +
         out[static_cast<size_t>(PacketKindLabel::kVideo)] +
         out[static_cast<size_t>(PacketKindLabel::kRtx)];
}

void TransportCounters::countRtcp(PacketDirection d, std::span<const uint8_t> compound) {
  using rtp::rtcp::PacketKind;
  auto& by_type = rtcp[static_cast<size_t>(d)];
  // Browsers pad transport-cc feedback inside compounds (compound_parser.h).
  rtp::rtcp::CompoundParser parser(compound, rtp::rtcp::PaddingPolicy::kAnyPacket);
  while (!parser.done()) {
    auto packet = parser.next();
    if (!packet) break;
    const PacketKind kind = rtp::rtcp::classify(*packet);
    ++by_type[static_cast<size_t>(kind)];
    if (d != PacketDirection::kIn) continue;
    // RFC 3550 §6.4.1: fraction lost is lost/expected since the previous report, 8-bit fixed
    // point.
    if (kind == PacketKind::kReceiverReport) {
      if (auto rr = rtp::rtcp::ReceiverReportView::parse(*packet)) {
        for (size_t i = 0; i < rr->reportCount(); ++i) {
          receiver_loss.observe(rr->reportBlock(i).fraction_lost / 256.0);
        }
      }
    } else if (kind == PacketKind::kSenderReport) {
      if (auto sr = rtp::rtcp::SenderReportView::parse(*packet)) {
        for (size_t i = 0; i < sr->reportCount(); ++i) {
          receiver_loss.observe(sr->reportBlock(i).fraction_lost / 256.0);
        }
      }
    }
  }
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

TransportMetrics::TransportMetrics()
    : receiver_loss_(histogram("sfu_receiver_loss_ratio",
                               "Fraction lost of each RTCP report block receivers sent (0..1)",
                               kLossRatioBounds),
                     kLossRatioBounds.size()),
      forwarding_latency_(
          histogram("sfu_forwarding_latency_seconds",
                    "Receive batch to forwarded copies queued for sending, per forwarded packet",
                    kForwardingLatencyBounds),
          kForwardingLatencyBounds.size()) {
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
  auto& rtcp = counterFamily("sfu_rtcp_packets_total",
                             "RTCP packets (each packet of a compound) by direction and type");
  auto& nacks = counterFamily("sfu_nacks_total",
                              "Generic NACK messages (RFC 4585), in: from receivers, out: ours");
  auto& plis = counterFamily("sfu_plis_total", "Picture loss indications by direction");
  auto& firs = counterFamily("sfu_firs_total", "Full intra requests by direction");
  for (size_t d = 0; d < kDirectionCount; ++d) {
    for (size_t t = 0; t < kRtcpTypeCount; ++t) {
      rtcp_[d][t].counter =
          &rtcp.Add({{"direction", directionName(d)}, {"type", std::string(rtcpTypeName(t))}});
    }
    nacks_[d].counter = &nacks.Add({{"direction", directionName(d)}});
    plis_[d].counter = &plis.Add({{"direction", directionName(d)}});
    firs_[d].counter = &firs.Add({{"direction", directionName(d)}});
  }
  retransmissions_.counter = &counterFamily("sfu_retransmissions_total",
                                            "RTP packets resent to answer NACKs (RTX or as is)")
                                  .Add({});
}

void TransportMetrics::fold(const TransportCounters& c) {
  for (size_t i = 0; i < net::kDropReasonCount; ++i) demux_[i].add(c.demux.counts[i]);
  for (size_t i = 0; i < kTransportDropCount; ++i) drops_[i].add(c.drops[i]);
  for (size_t d = 0; d < kDirectionCount; ++d) {
    for (size_t k = 0; k < kKindLabelCount; ++k) {
      packets_[d][k].add(c.packets[d][k]);
      bytes_[d][k].add(c.bytes[d][k]);
    }
    for (size_t t = 0; t < kRtcpTypeCount; ++t) rtcp_[d][t].add(c.rtcp[d][t]);
    nacks_[d].add(c.rtcp[d][static_cast<size_t>(rtp::rtcp::PacketKind::kNack)]);
    plis_[d].add(c.rtcp[d][static_cast<size_t>(rtp::rtcp::PacketKind::kPli)]);
    firs_[d].add(c.rtcp[d][static_cast<size_t>(rtp::rtcp::PacketKind::kFir)]);
  }
  retransmissions_.add(c.retransmissions);
  receiver_loss_.fold(c.receiver_loss);
  forwarding_latency_.fold(c.forwarding_latency);
}

}  // namespace sfu::transport
