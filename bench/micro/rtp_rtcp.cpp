// RTCP parse/build and per-stream loss-recovery micro benchmarks (ns per operation).
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/remb.h"
#include "rtp/rtcp/sdes.h"
#include "rtp/rtcp/sender_report.h"
#include "rtp/rtcp/twcc.h"
#include "rtp/rtcp/twcc_builder.h"
#include "rtp/stream/nack_generator.h"
#include "rtp/stream/packet_store.h"
#include "rtp/stream/rtx.h"
#include "rtp/stream/sent_packet_log.h"

namespace {

using namespace rtp::rtcp;  // NOLINT(google-build-using-namespace)

const ReportBlock kBlock{0xaabbccdd, 12, 345, 0x10000 + 777, 40, 0x12345678, 0x8000};

std::vector<uint8_t> buildCompound(auto... messages) {
  std::vector<uint8_t> out(1500);
  CompoundBuilder builder(out);
  (builder.add(messages), ...);
  out.resize(builder.size());
  return out;
}

// Walks a compound and touches the typed content of every packet, as the media path would.
uint64_t consume(std::span<const uint8_t> bytes) {
  uint64_t sink = 0;
  CompoundParser parser(bytes);
  while (!parser.done()) {
    auto packet = parser.next();
    if (!packet) break;
    switch (classify(*packet)) {
      case PacketKind::kSenderReport:
        if (auto sr = SenderReportView::parse(*packet)) {
          sink += sr->ntpTime() + sr->reportCount();
          for (size_t i = 0; i < sr->reportCount(); ++i) sink += sr->reportBlock(i).last_sr;
        }
        break;
      case PacketKind::kReceiverReport:
        if (auto rr = ReceiverReportView::parse(*packet)) {
          for (size_t i = 0; i < rr->reportCount(); ++i) sink += rr->reportBlock(i).jitter;
        }
        break;
      case PacketKind::kSdes:
        if (auto sdes = SdesView::parse(*packet)) sink += sdes->cname().value_or("").size();
        break;
      case PacketKind::kRemb:
        if (auto remb = RembView::parse(*packet)) sink += remb->bitrateBps();
        break;
      case PacketKind::kNack:
        if (auto nack = NackView::parse(*packet)) {
          nack->forEachLost([&](uint16_t seq) { sink += seq; });
        }
        break;
      default:
        break;
    }
  }
  return sink;
}

void BM_ParseSrSdes(benchmark::State& state) {
  const auto bytes =
      buildCompound(SenderReport{1, 0xe123456789abcdefull, 9000, 100, 100000, {&kBlock, 1}, {}},
                    CnameSdes{1, "0f3c6a1b-user-camera"});
  for (auto _ : state) benchmark::DoNotOptimize(consume(bytes));
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_ParseSrSdes);

void BM_ParseRrRemb(benchmark::State& state) {
  const std::array<uint32_t, 2> ssrcs{0x11, 0x22};
  const auto bytes = buildCompound(ReceiverReport{1, {&kBlock, 1}, {}}, Remb{1, 2'500'000, ssrcs});
  for (auto _ : state) benchmark::DoNotOptimize(consume(bytes));
}
BENCHMARK(BM_ParseRrRemb);

void BM_ParseNack(benchmark::State& state) {
  const std::array<uint16_t, 10> lost{100, 101, 105, 116, 200, 201, 202, 400, 65535, 3};
  std::array<NackItem, 10> items{};
  const size_t n = packNackItems(lost, items);
  const auto bytes = buildCompound(ReceiverReport{1, {}, {}}, Nack{1, 2, {items.data(), n}});
  for (auto _ : state) benchmark::DoNotOptimize(consume(bytes));
}
BENCHMARK(BM_ParseNack);

struct Arrival {
  uint16_t seq;
  int64_t us;
};

// 100 packets at ~1 ms spacing with 5% loss, some jitter and two long gaps (large deltas).
std::vector<Arrival> arrivals100() {
  std::vector<Arrival> out;
  int64_t t = 10'000'000;
  for (uint16_t i = 0; i < 105; ++i) {
    t += 800 + (i * 37) % 500;
    if (i == 40 || i == 80) t += 90'000;
    if (i % 20 == 7) continue;
    out.push_back({static_cast<uint16_t>(65480 + i), t});
  }
  out.resize(100);
  return out;
}

void BM_TwccBuild100(benchmark::State& state) {
  const auto arrivals = arrivals100();
  TwccBuilder builder;
  std::array<uint8_t, 1500> out{};
  for (auto _ : state) {
    builder.reset(1, 2, arrivals[0].seq, arrivals[0].us, 7);
    for (const auto& a : arrivals) builder.add(a.seq, a.us);
    builder.write(out.data());
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_TwccBuild100);

void BM_TwccParse100(benchmark::State& state) {
  const auto arrivals = arrivals100();
  TwccBuilder builder;
  builder.reset(1, 2, arrivals[0].seq, arrivals[0].us, 7);
  for (const auto& a : arrivals) builder.add(a.seq, a.us);
  std::vector<uint8_t> bytes(builder.size());
  builder.write(bytes.data());
  std::array<TwccPacketStatus, 256> statuses{};
  for (auto _ : state) {
    auto packet = parsePacket(bytes);
    auto twcc = TwccView::parse(*packet);
    benchmark::DoNotOptimize(twcc->statuses(statuses));
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_TwccParse100);

void BM_NackGeneratorPacket(benchmark::State& state) {
  rtp::stream::NackGenerator gen;
  uint16_t seq = 0;
  int64_t now = 0;
  std::array<uint16_t, 64> out{};
  for (auto _ : state) {
    ++seq;
    if (seq % 100 == 0) ++seq;  // 1% loss
    gen.onPacket(seq, ++now);
    if (now % 10 == 0) benchmark::DoNotOptimize(gen.onTick(now, 50, out));
  }
}
BENCHMARK(BM_NackGeneratorPacket);

// Per forwarded packet: one insert into the layer's shared store and one log entry (the
// subscriber side); per NACK: log lookup, store lookup, copy and RTX wrap.
void BM_RetransmissionStoreAndRtxWrap(benchmark::State& state) {
  rtp::stream::PacketStore store;
  rtp::stream::SentPacketLog log(512, 1000);
  std::vector<uint8_t> packet(1100, 0);
  packet[0] = 0x90;
  packet[1] = 96;
  packet[12] = 0xBE;
  packet[13] = 0xDE;
  packet[15] = 1;
  std::array<uint8_t, 1500> scratch{};
  uint16_t seq = 0;
  int64_t now = 0;
  for (auto _ : state) {
    ++seq;
    ++now;
    store.insert(seq, packet, now);
    rtp::stream::SentPacket sent;
    sent.seq = static_cast<uint16_t>(seq + 1000);
    sent.source_seq = seq;
    log.record(sent, now);
    const auto meta = log.takeForResend(static_cast<uint16_t>(seq + 1000 - 10), now, 50);
    if (!meta) continue;
    const auto stored = store.find(meta->source_seq, now);
    if (stored) {
      std::copy(stored->begin(), stored->end(), scratch.begin());
      benchmark::DoNotOptimize(rtp::stream::rtxWrap(scratch, stored->size(), 5, 97, seq));
    }
  }
  state.counters["store_bytes"] = static_cast<double>(store.arenaBytes());
}
BENCHMARK(BM_RetransmissionStoreAndRtxWrap);

}  // namespace
