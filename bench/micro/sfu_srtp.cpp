// SRTP cost per 1200-byte RTP packet: protect and unprotect, AEAD_AES_128_GCM vs
// AES_CM_128_HMAC_SHA1_80 (libsrtp2 as Debian builds it, on NSS).
#include <benchmark/benchmark.h>

#include <vector>

#include "rtp/common/byte_io.h"
#include "sfu/srtp/srtp_session.h"

namespace {

using sfu::srtp::SrtpDirection;
using sfu::srtp::SrtpProfile;
using sfu::srtp::SrtpResult;
using sfu::srtp::SrtpSession;

constexpr size_t kPacket = 1200;

std::vector<uint8_t> key(SrtpProfile profile) {
  auto info = sfu::srtp::srtpProfileInfo(profile);
  std::vector<uint8_t> k(info.keyLength + info.saltLength);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i * 13 + 1);
  return k;
}

void writeHeader(uint8_t* p, uint16_t seq) {
  p[0] = 0x80;
  p[1] = 96;
  rtp::store16(p + 2, seq);
  rtp::store32(p + 4, seq * 3000u);
  rtp::store32(p + 8, 0x12345678);
}

void protect(benchmark::State& state, SrtpProfile profile) {
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key(profile));
  std::vector<uint8_t> buf(kPacket + SrtpSession::kMaxTrailer, 0x42);
  uint16_t seq = 0;
  for (auto _ : state) {
    writeHeader(buf.data(), seq++);
    size_t len = kPacket;
    if (out->protectRtp(buf, len) != SrtpResult::kOk) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPacket));
}

void unprotect(benchmark::State& state, SrtpProfile profile) {
  auto k = key(profile);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, k);
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, k);
  constexpr size_t kBatch = 2048;
  const size_t stride = kPacket + SrtpSession::kMaxTrailer;
  std::vector<uint8_t> batch(kBatch * stride, 0x42);
  std::vector<size_t> lengths(kBatch);
  uint16_t seq = 0;
  size_t next = kBatch;
  for (auto _ : state) {
    if (next == kBatch) {
      // Fresh, in-order packets (the replay window rejects repeats); not timed.
      state.PauseTiming();
      for (size_t i = 0; i < kBatch; ++i) {
        uint8_t* p = batch.data() + i * stride;
        writeHeader(p, seq++);
        lengths[i] = kPacket;
        if (out->protectRtp(std::span<uint8_t>(p, stride), lengths[i]) != SrtpResult::kOk) {
          state.SkipWithError("protect failed");
        }
      }
      next = 0;
      state.ResumeTiming();
    }
    size_t len = lengths[next];
    if (in->unprotectRtp(batch.data() + next * stride, len) != SrtpResult::kOk) {
      state.SkipWithError("unprotect failed");
    }
    ++next;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPacket));
}

void BM_SrtpProtect_AeadAes128Gcm(benchmark::State& s) { protect(s, SrtpProfile::kAeadAes128Gcm); }
void BM_SrtpProtect_AesCm128HmacSha1_80(benchmark::State& s) {
  protect(s, SrtpProfile::kAes128CmSha1_80);
}
void BM_SrtpUnprotect_AeadAes128Gcm(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAeadAes128Gcm);
}
void BM_SrtpUnprotect_AesCm128HmacSha1_80(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAes128CmSha1_80);
}

BENCHMARK(BM_SrtpProtect_AeadAes128Gcm);
BENCHMARK(BM_SrtpProtect_AesCm128HmacSha1_80);
BENCHMARK(BM_SrtpUnprotect_AeadAes128Gcm);
BENCHMARK(BM_SrtpUnprotect_AesCm128HmacSha1_80);

}  // namespace
