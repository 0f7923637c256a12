// Forwarding-path cost of the RTP wire layer on a realistic 1200-byte VP8 packet carrying mid,
// abs-send-time and transport-wide-cc extensions (one-byte form), as Chrome sends them.
#include <benchmark/benchmark.h>

#include <array>
#include <cstring>
#include <vector>

#include "rtp/codecs/vp8.h"
#include "rtp/rtp/extension_map.h"
#include "rtp/rtp/header_extensions.h"
#include "rtp/rtp/rtp_packet.h"
#include "rtp/stream/seq_rewriter.h"

namespace {

constexpr size_t kPacketSize = 1200;

struct VideoPacket {
  std::array<uint8_t, 1500> buf{};
  size_t size = 0;
  std::vector<uint8_t> payload;

  VideoPacket() {
    // VP8 descriptor: X S | I L T | 15-bit picture id | TL0PICIDX | TID, then a delta frame.
    payload = {0x90, 0xE0, 0x81, 0x23, 0x05, 0x40, 0x01, 0x02, 0x00};
    const uint8_t mid[] = {'1'};
    uint8_t abs[3];
    rtp::ext::writeAbsSendTime(abs, rtp::ext::absSendTimeFromMicros(1234567));
    uint8_t twcc[2];
    rtp::ext::writeTransportWideCc(twcc, 4242);
    const size_t header = 12 + 4 + 12;  // fixed + extension header + 3 elements padded
    payload.resize(kPacketSize - header, 0x5A);
    auto r = rtp::RtpPacketBuilder(buf)
                 .setMarker(false)
                 .setPayloadType(96)
                 .setSequenceNumber(1000)
                 .setTimestamp(90000)
                 .setSsrc(0xCAFEBABE)
                 .addExtension(4, mid)
                 .addExtension(2, abs)
                 .addExtension(3, twcc)
                 .setPayload(payload)
                 .build();
    size = r->size();
  }
};

// Publisher ids 2,3,4 → subscriber ids: a permutation, so the in-place path runs every time.
rtp::ExtensionIdMap subscriberMap() {
  rtp::ExtensionIdMap m;
  m.set(2, 3);
  m.set(3, 4);
  m.set(4, 2);
  return m;
}

void BM_Parse(benchmark::State& state) {
  VideoPacket v;
  for (auto _ : state) {
    auto r = rtp::RtpPacket::parse(v.buf.data(), v.size, v.buf.size());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Parse);

// The per-subscriber header work: parse, rewrite ssrc/seq/ts/pt, rewrite extension ids.
void BM_ParseRewrite(benchmark::State& state) {
  VideoPacket v;
  const rtp::ExtensionIdMap map = subscriberMap();
  uint16_t seq = 0;
  for (auto _ : state) {
    auto r = rtp::RtpPacket::parse(v.buf.data(), v.size, v.buf.size());
    rtp::RtpPacket& p = r.value();
    p.setSsrc(0x12345678);
    p.setSequenceNumber(seq++);
    p.setTimestamp(p.timestamp() + 3000);
    p.setPayloadType(98);
    benchmark::DoNotOptimize(rtp::rewriteExtensionIds(p, map));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_ParseRewrite);

// Same plus the per-hop transport-wide-cc sequence stamp.
void BM_ParseRewriteStampTwcc(benchmark::State& state) {
  VideoPacket v;
  const rtp::ExtensionIdMap map = subscriberMap();
  uint16_t seq = 0;
  for (auto _ : state) {
    auto r = rtp::RtpPacket::parse(v.buf.data(), v.size, v.buf.size());
    rtp::RtpPacket& p = r.value();
    p.setSsrc(0x12345678);
    p.setSequenceNumber(seq);
    p.setTimestamp(p.timestamp() + 3000);
    p.setPayloadType(98);
    rtp::rewriteExtensionIds(p, map);
    if (auto twcc = rtp::findExtension(p, 4); twcc && twcc->size() == 2) {
      rtp::ext::writeTransportWideCc(twcc->first<2>(), seq);
    }
    ++seq;
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_ParseRewriteStampTwcc);

// What a forward to one subscriber costs with the copy into its own buffer.
void BM_CopyParseRewrite(benchmark::State& state) {
  VideoPacket v;
  std::array<uint8_t, 1500> out{};
  const rtp::ExtensionIdMap map = subscriberMap();
  uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(out.data(), v.buf.data(), v.size);
    auto r = rtp::RtpPacket::parse(out.data(), v.size, out.size());
    rtp::RtpPacket& p = r.value();
    p.setSsrc(0x12345678);
    p.setSequenceNumber(seq++);
    p.setTimestamp(p.timestamp() + 3000);
    p.setPayloadType(98);
    rtp::rewriteExtensionIds(p, map);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_CopyParseRewrite);

void BM_FindExtension(benchmark::State& state) {
  VideoPacket v;
  auto r = rtp::RtpPacket::parse(v.buf.data(), v.size, v.buf.size());
  const rtp::RtpPacket& p = r.value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(rtp::findExtension(p, 3));
  }
}
BENCHMARK(BM_FindExtension);

void BM_Vp8Parse(benchmark::State& state) {
  VideoPacket v;
  auto r = rtp::RtpPacket::parse(v.buf.data(), v.size, v.buf.size());
  const std::span<const uint8_t> payload = r->payload();
  for (auto _ : state) {
    benchmark::DoNotOptimize(rtp::codecs::parseVp8(payload));
  }
}
BENCHMARK(BM_Vp8Parse);

void BM_SeqAndVp8Rewrite(benchmark::State& state) {
  VideoPacket v;
  auto r = rtp::RtpPacket::parse(v.buf.data(), v.size, v.buf.size());
  rtp::RtpPacket& p = r.value();
  rtp::SeqRewriter seq(90000);
  rtp::codecs::Vp8Rewriter vp8;
  uint16_t in = 0;
  int64_t now = 0;
  for (auto _ : state) {
    auto mapped = seq.rewrite(in, in * 3000u, now);
    p.setSequenceNumber(mapped->seq);
    p.setTimestamp(mapped->ts);
    auto d = rtp::codecs::parseVp8(p.payload());
    vp8.rewrite(p.payload(), *d);
    ++in;
    now += 1000;
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_SeqAndVp8Rewrite);

}  // namespace
