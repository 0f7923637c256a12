// Media-path metrics: LocalHistogram bucket placement, HistogramFolder deltas into a Prometheus
// histogram, RTCP counting by type (and receiver loss from report blocks), and TransportMetrics'
// fold of a worker's plain counters into the process-wide series.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "rtp/rtcp/common_header.h"
#include "sfu/metrics/local_histogram.h"
#include "sfu/metrics/registry.h"
#include "sfu/transport/transport_metrics.h"

namespace sfu {
namespace {

using transport::PacketDirection;
using transport::TransportCounters;
using transport::TransportDrop;
using transport::TransportMetrics;

constexpr std::array<double, 3> kBounds{0.001, 0.01, 0.1};

TEST(LocalHistogram, PlacesValuesInTheirBucket) {
  struct Case {
    const char* name;
    double value;
    size_t bucket;
  };
  const Case cases[] = {
      {"zero", 0, 0},
      {"below first", 0.0005, 0},
      {"equal to a bound is le", 0.001, 0},
      {"just above a bound", 0.0011, 1},
      {"middle", 0.05, 2},
      {"last bound", 0.1, 2},
      {"above every bound", 3, 3},
      {"negative", -1, 0},
  };
  for (const auto& c : cases) {
    metrics::LocalHistogram h(kBounds);
    h.observe(c.value);
    ASSERT_EQ(h.counts().size(), 4u);
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(h.counts()[i], i == c.bucket ? 1u : 0u) << c.name << " bucket " << i;
    }
    EXPECT_EQ(h.count(), 1u) << c.name;
    EXPECT_DOUBLE_EQ(h.sum(), c.value) << c.name;
  }
}

TEST(LocalHistogram, WeightedObservations) {
  metrics::LocalHistogram h(kBounds);
  h.observe(0.005, 10);
  h.observe(0.5, 0);  // nothing
  EXPECT_EQ(h.counts()[1], 10u);
  EXPECT_EQ(h.counts()[3], 0u);
  EXPECT_EQ(h.count(), 10u);
  EXPECT_DOUBLE_EQ(h.sum(), 0.05);
}

// The cumulative bucket counts, sample count and sum of the only histogram in `families`.
struct Collected {
  std::vector<uint64_t> cumulative;
  uint64_t count = 0;
  double sum = 0;
};

Collected collectHistogram(prometheus::Registry& registry) {
  Collected c;
  for (const auto& f : registry.Collect()) {
    for (const auto& m : f.metric) {
      for (const auto& b : m.histogram.bucket) c.cumulative.push_back(b.cumulative_count);
      c.count = m.histogram.sample_count;
      c.sum = m.histogram.sample_sum;
    }
  }
  return c;
}

TEST(HistogramFolder, AddsOnlyWhatChangedSinceThePreviousFold) {
  prometheus::Registry registry;
  auto& target =
      prometheus::BuildHistogram()
          .Name("test_latency_seconds")
          .Help("test")
          .Register(registry)
          .Add({}, prometheus::Histogram::BucketBoundaries(kBounds.begin(), kBounds.end()));
  metrics::LocalHistogram local(kBounds);
  metrics::HistogramFolder folder(target, kBounds.size());

  local.observe(0.0005, 2);
  local.observe(0.05);
  folder.fold(local);
  Collected c = collectHistogram(registry);
  EXPECT_EQ(c.cumulative, (std::vector<uint64_t>{2, 2, 3, 3}));
  EXPECT_EQ(c.count, 3u);
  EXPECT_DOUBLE_EQ(c.sum, 0.051);

  folder.fold(local);  // unchanged: nothing added twice
  EXPECT_EQ(collectHistogram(registry).count, 3u);

  local.observe(7);
  folder.fold(local);
  c = collectHistogram(registry);
  EXPECT_EQ(c.cumulative, (std::vector<uint64_t>{2, 2, 3, 4}));
  EXPECT_EQ(c.count, 4u);
  EXPECT_DOUBLE_EQ(c.sum, 7.051);
}

// --- RTCP counting --------------------------------------------------------------------------

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// RR (RFC 3550 §6.4.2) with one report block per fraction.
std::vector<uint8_t> receiverReport(const std::vector<uint8_t>& fractions) {
  std::vector<uint8_t> p;
  const size_t words = 1 + 1 + 6 * fractions.size();
  p.push_back(static_cast<uint8_t>(0x80 | fractions.size()));
  p.push_back(rtp::rtcp::kPtReceiverReport);
  p.push_back(0);
  p.push_back(static_cast<uint8_t>(words - 1));
  put32(p, 0x11111111);
  for (size_t i = 0; i < fractions.size(); ++i) {
    put32(p, 0x22220000 + static_cast<uint32_t>(i));
    put32(p, uint32_t{fractions[i]} << 24);  // fraction lost, cumulative lost 0
    put32(p, 1000);                          // extended highest seq
    put32(p, 0);                             // jitter
    put32(p, 0);                             // LSR
    put32(p, 0);                             // DLSR
  }
  return p;
}

// A feedback message (RFC 4585 §6.1) of `fci_words` zero words.
std::vector<uint8_t> feedback(uint8_t pt, uint8_t fmt, size_t fci_words) {
  std::vector<uint8_t> p;
  p.push_back(static_cast<uint8_t>(0x80 | fmt));
  p.push_back(pt);
  p.push_back(0);
  p.push_back(static_cast<uint8_t>(2 + fci_words));
  put32(p, 0x11111111);
  put32(p, 0x22220000);
  for (size_t i = 0; i < fci_words; ++i) put32(p, 0);
  return p;
}

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

size_t type(rtp::rtcp::PacketKind kind) { return static_cast<size_t>(kind); }

TEST(RtcpCounting, CountsEachPacketOfACompoundByType) {
  using rtp::rtcp::PacketKind;
  const auto nack = feedback(rtp::rtcp::kPtRtpfb, 1, 1);
  const auto pli = feedback(rtp::rtcp::kPtPsfb, 1, 0);
  const auto fir = feedback(rtp::rtcp::kPtPsfb, 4, 2);
  const auto rr = receiverReport({0, 64});
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    PacketDirection direction;
    std::vector<std::pair<PacketKind, uint64_t>> want;
    uint64_t loss_samples;
  };
  const std::vector<Case> cases = {
      {"rr + nack + pli + fir in",
       concat({rr, nack, pli, fir}),
       PacketDirection::kIn,
       {{PacketKind::kReceiverReport, 1},
        {PacketKind::kNack, 1},
        {PacketKind::kPli, 1},
        {PacketKind::kFir, 1}},
       2},
      {"out: no loss samples",
       concat({rr, nack, nack}),
       PacketDirection::kOut,
       {{PacketKind::kReceiverReport, 1}, {PacketKind::kNack, 2}},
       0},
      {"truncated second packet: the first still counts",
       concat({pli, std::vector<uint8_t>(nack.begin(), nack.end() - 4)}),
       PacketDirection::kIn,
       {{PacketKind::kPli, 1}},
       0},
      {"bad version", {0x00, 201, 0, 1, 0, 0, 0, 0}, PacketDirection::kIn, {}, 0},
      {"empty", {}, PacketDirection::kIn, {}, 0},
      {"unknown type", {0x80, 199, 0, 0}, PacketDirection::kIn, {{PacketKind::kUnknown, 1}}, 0},
  };
  for (const auto& c : cases) {
    TransportCounters counters;
    counters.countRtcp(c.direction, c.bytes);
    for (size_t t = 0; t < transport::kRtcpTypeCount; ++t) {
      uint64_t want = 0;
      for (const auto& [kind, n] : c.want) {
        if (type(kind) == t) want = n;
      }
      EXPECT_EQ(counters.rtcpCount(c.direction, t), want)
          << c.name << " type " << transport::rtcpTypeName(t);
    }
    EXPECT_EQ(counters.receiver_loss.count(), c.loss_samples) << c.name;
  }
}

TEST(RtcpCounting, ReceiverLossIsTheReportedFraction) {
  TransportCounters counters;
  counters.countRtcp(PacketDirection::kIn, receiverReport({0, 64, 255}));
  const auto& counts = counters.receiver_loss.counts();
  // Bounds 0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1: 0 → le=0, 0.25 → le=0.5, 0.996 → le=1.
  EXPECT_EQ(counts[0], 1u);
  EXPECT_EQ(counts[6], 1u);
  EXPECT_EQ(counts[7], 1u);
  EXPECT_NEAR(counters.receiver_loss.sum(), (64 + 255) / 256.0, 1e-9);
}

TEST(RtcpCounting, TypeNamesAreLowCardinalityLabels) {
  EXPECT_EQ(transport::rtcpTypeName(type(rtp::rtcp::PacketKind::kNack)), "nack");
  EXPECT_EQ(transport::rtcpTypeName(type(rtp::rtcp::PacketKind::kSenderReport)), "sr");
  EXPECT_EQ(transport::rtcpTypeName(type(rtp::rtcp::PacketKind::kOtherPsfb)), "psfb");
  EXPECT_EQ(transport::rtcpTypeName(transport::kRtcpTypeCount - 1), "unknown");
  EXPECT_EQ(transport::rtcpTypeName(99), "unknown");
}

// --- TransportMetrics fold ------------------------------------------------------------------

// A sample of the process-wide registry (the test binary shares it), or nullopt.
std::optional<double> value(const std::string& name, const prometheus::Labels& labels) {
  for (const auto& f : metrics::registry().Collect()) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      bool match = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found = found || (l.name == k && l.value == v);
        match = match && found;
      }
      if (!match) continue;
      if (f.type == prometheus::MetricType::Histogram) {
        return static_cast<double>(m.histogram.sample_count);
      }
      return m.counter.value;
    }
  }
  return std::nullopt;
}

TEST(TransportMetrics, FoldAddsTheWorkersDeltas) {
  TransportMetrics metrics;  // registers (or reuses) the process-wide series
  auto read = [](const std::string& name, const prometheus::Labels& labels) {
    auto v = value(name, labels);
    EXPECT_TRUE(v.has_value()) << name;
    return v.value_or(-1);
  };
  struct Series {
    std::string name;
    prometheus::Labels labels;
    double want_delta;
  };
  const std::vector<Series> series = {
      {"sfu_nacks_total", {{"direction", "in"}}, 2},
      {"sfu_nacks_total", {{"direction", "out"}}, 1},
      {"sfu_plis_total", {{"direction", "in"}}, 1},
      {"sfu_firs_total", {{"direction", "in"}}, 0},
      {"sfu_rtcp_packets_total", {{"direction", "in"}, {"type", "rr"}}, 1},
      {"sfu_rtcp_packets_total", {{"direction", "out"}, {"type", "nack"}}, 1},
      {"sfu_retransmissions_total", {}, 3},
      {"sfu_packet_drops_total", {{"reason", "unknown_ssrc"}}, 4},
      {"sfu_packet_drops_total", {{"reason", "rtp_malformed"}}, 0},
      {"sfu_receiver_loss_ratio", {}, 1},
      {"sfu_forwarding_latency_seconds", {}, 5},
  };
  std::vector<double> before;
  for (const auto& s : series) before.push_back(read(s.name, s.labels));

  TransportCounters c;
  c.countRtcp(PacketDirection::kIn, concat({receiverReport({10}), feedback(205, 1, 1),
                                            feedback(205, 1, 1), feedback(206, 1, 0)}));
  c.countRtcp(PacketDirection::kOut, feedback(205, 1, 1));
  c.retransmissions = 3;
  for (int i = 0; i < 4; ++i) c.drop(TransportDrop::kUnknownSsrc);
  c.forwarding_latency.observe(0.0002, 5);
  metrics.fold(c);
  metrics.fold(c);  // a second fold without changes adds nothing
  for (size_t i = 0; i < series.size(); ++i) {
    EXPECT_DOUBLE_EQ(read(series[i].name, series[i].labels) - before[i], series[i].want_delta)
        << series[i].name;
  }
}

}  // namespace
}  // namespace sfu
