// SRTP cost per 1200-byte RTP packet: protect and unprotect, AEAD_AES_128/256_GCM on our
// implementation ("Ours": the AES-NI engine where the CPU has it, aes_gcm.h; "OursEvp": the same
// through OpenSSL EVP) vs libsrtp2 as Debian builds it, on NSS ("Libsrtp"), and
// AES_CM_128_HMAC_SHA1_80 (libsrtp2). allocs_per_op counts every heap allocation call in the
// timed loop (malloc/calloc/realloc, C libraries included: see alloc_counter.h).
#include <benchmark/benchmark.h>

#include <vector>

#include "alloc_counter.h"
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

enum class Backend { kOurs, kOursEvp, kLibsrtp };

SrtpSession::Options options(Backend backend) {
  SrtpSession::Options o;
  o.libsrtpForGcm = backend == Backend::kLibsrtp;
  o.evpForGcm = backend == Backend::kOursEvp;
  return o;
}

void reportAllocations(benchmark::State& state, uint64_t before) {
  const auto ops = static_cast<double>(state.iterations());
  state.counters["allocs_per_op"] =
      ops > 0 ? static_cast<double>(bench::heapAllocations() - before) / ops : 0;
}

void protect(benchmark::State& state, SrtpProfile profile, Backend backend) {
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, key(profile), options(backend));
  std::vector<uint8_t> buf(kPacket + SrtpSession::kMaxTrailer, 0x42);
  uint16_t seq = 0;
  writeHeader(buf.data(), seq++);  // warm-up: the per-SSRC stream is created here
  size_t warm = kPacket;
  (void)out->protectRtp(buf, warm);
  const uint64_t before = bench::heapAllocations();
  for (auto _ : state) {
    writeHeader(buf.data(), seq++);
    size_t len = kPacket;
    if (out->protectRtp(buf, len) != SrtpResult::kOk) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(buf.data());
  }
  reportAllocations(state, before);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPacket));
}

void unprotect(benchmark::State& state, SrtpProfile profile, Backend backend) {
  auto k = key(profile);
  auto out = SrtpSession::create(SrtpDirection::kOutbound, profile, k, options(backend));
  auto in = SrtpSession::create(SrtpDirection::kInbound, profile, k, options(backend));
  constexpr size_t kBatch = 2048;
  const size_t stride = kPacket + SrtpSession::kMaxTrailer;
  std::vector<uint8_t> batch(kBatch * stride, 0x42);
  std::vector<size_t> lengths(kBatch);
  uint16_t seq = 0;
  size_t next = kBatch;
  {  // warm-up: the per-SSRC streams are created here (an allocation per new SSRC is allowed)
    writeHeader(batch.data(), seq++);
    size_t len = kPacket;
    (void)out->protectRtp(std::span<uint8_t>(batch.data(), stride), len);
    (void)in->unprotectRtp(batch.data(), len);
  }
  uint64_t paused = 0;  // allocations while refilling the batch (not timed, not counted)
  const uint64_t before = bench::heapAllocations();
  for (auto _ : state) {
    if (next == kBatch) {
      const uint64_t refill = bench::heapAllocations();
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
      paused += bench::heapAllocations() - refill;
    }
    size_t len = lengths[next];
    if (in->unprotectRtp(batch.data() + next * stride, len) != SrtpResult::kOk) {
      state.SkipWithError("unprotect failed");
    }
    ++next;
  }
  reportAllocations(state, before + paused);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kPacket));
}

void BM_SrtpProtect_AeadAes128Gcm_Ours(benchmark::State& s) {
  protect(s, SrtpProfile::kAeadAes128Gcm, Backend::kOurs);
}
void BM_SrtpProtect_AeadAes128Gcm_OursEvp(benchmark::State& s) {
  protect(s, SrtpProfile::kAeadAes128Gcm, Backend::kOursEvp);
}
void BM_SrtpProtect_AeadAes128Gcm_Libsrtp(benchmark::State& s) {
  protect(s, SrtpProfile::kAeadAes128Gcm, Backend::kLibsrtp);
}
void BM_SrtpProtect_AeadAes256Gcm_Ours(benchmark::State& s) {
  protect(s, SrtpProfile::kAeadAes256Gcm, Backend::kOurs);
}
void BM_SrtpProtect_AeadAes256Gcm_Libsrtp(benchmark::State& s) {
  protect(s, SrtpProfile::kAeadAes256Gcm, Backend::kLibsrtp);
}
void BM_SrtpProtect_AesCm128HmacSha1_80(benchmark::State& s) {
  protect(s, SrtpProfile::kAes128CmSha1_80, Backend::kLibsrtp);
}
void BM_SrtpUnprotect_AeadAes128Gcm_Ours(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAeadAes128Gcm, Backend::kOurs);
}
void BM_SrtpUnprotect_AeadAes128Gcm_OursEvp(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAeadAes128Gcm, Backend::kOursEvp);
}
void BM_SrtpUnprotect_AeadAes128Gcm_Libsrtp(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAeadAes128Gcm, Backend::kLibsrtp);
}
void BM_SrtpUnprotect_AeadAes256Gcm_Ours(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAeadAes256Gcm, Backend::kOurs);
}
void BM_SrtpUnprotect_AeadAes256Gcm_Libsrtp(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAeadAes256Gcm, Backend::kLibsrtp);
}
void BM_SrtpUnprotect_AesCm128HmacSha1_80(benchmark::State& s) {
  unprotect(s, SrtpProfile::kAes128CmSha1_80, Backend::kLibsrtp);
}

BENCHMARK(BM_SrtpProtect_AeadAes128Gcm_Ours);
BENCHMARK(BM_SrtpProtect_AeadAes128Gcm_OursEvp);
BENCHMARK(BM_SrtpProtect_AeadAes128Gcm_Libsrtp);
BENCHMARK(BM_SrtpProtect_AeadAes256Gcm_Ours);
BENCHMARK(BM_SrtpProtect_AeadAes256Gcm_Libsrtp);
BENCHMARK(BM_SrtpProtect_AesCm128HmacSha1_80);
BENCHMARK(BM_SrtpUnprotect_AeadAes128Gcm_Ours);
BENCHMARK(BM_SrtpUnprotect_AeadAes128Gcm_OursEvp);
BENCHMARK(BM_SrtpUnprotect_AeadAes128Gcm_Libsrtp);
BENCHMARK(BM_SrtpUnprotect_AeadAes256Gcm_Ours);
BENCHMARK(BM_SrtpUnprotect_AeadAes256Gcm_Libsrtp);
BENCHMARK(BM_SrtpUnprotect_AesCm128HmacSha1_80);

}  // namespace
