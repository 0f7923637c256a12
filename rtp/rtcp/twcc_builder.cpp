#include "rtp/rtcp/twcc_builder.h"

#include <algorithm>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/feedback_header.h"
#include "rtp/rtcp/twcc.h"

namespace rtp::rtcp {
namespace {

constexpr uint16_t kMaxRun = 0x1FFF;
constexpr uint8_t kSymbolNotReceived = 0;
constexpr uint8_t kSymbolSmall = 1;
constexpr uint8_t kSymbolLarge = 2;

int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

uint16_t runChunk(uint8_t symbol, uint16_t length) {
  return static_cast<uint16_t>((symbol << 13) | length);
}

uint16_t oneBitChunk(const uint8_t* symbols, size_t n) {
  uint16_t chunk = 0x8000;
  for (size_t i = 0; i < n; ++i) chunk |= static_cast<uint16_t>(symbols[i] << (13 - i));
  return chunk;
}

uint16_t twoBitChunk(const uint8_t* symbols, size_t n) {
  uint16_t chunk = 0xC000;
  for (size_t i = 0; i < n; ++i) chunk |= static_cast<uint16_t>(symbols[i] << (12 - 2 * i));
  return chunk;
}

}  // namespace

void TwccBuilder::reset(uint32_t sender_ssrc, uint32_t media_ssrc, uint16_t base_seq,
                        int64_t reference_time_us, uint8_t fb_pkt_count, size_t max_size) {
  sender_ssrc_ = sender_ssrc;
  media_ssrc_ = media_ssrc;
  base_seq_ = base_seq;
  const int64_t reference = floorDiv(reference_time_us, kTwccReferenceTickUs);
  reference_time_ = static_cast<uint32_t>(reference) & 0xFFFFFFu;
  fb_pkt_count_ = fb_pkt_count;
  max_size_ = std::min(max_size, kMaxSize);
  pending_ = Pending{};
  chunk_count_ = 0;
  delta_size_ = 0;
  last_ticks_ = reference * (kTwccReferenceTickUs / kTwccDeltaTickUs);
  status_count_ = 0;
  next_seq_ = base_seq;
  overflow_ = false;
}

// Greedy chunk choice (draft §3.1.3/§3.1.4): a run while the symbols are equal, else a 1-bit
// vector of 14 while no symbol needs a large delta, else a 2-bit vector of 7.
bool TwccBuilder::canTake(uint8_t symbol) const {
  const Pending& p = pending_;
  if (p.size < 7) return true;
  if (p.all_same && symbol == p.symbols[0] && p.size < kMaxRun) return true;
  return p.size < kVectorSymbols && !p.has_large && symbol != kSymbolLarge;
}

void TwccBuilder::push(uint8_t symbol) {
  while (!canTake(symbol)) emitOne();
  Pending& p = pending_;
  if (p.size < kVectorSymbols) p.symbols[p.size] = symbol;
  if (p.size > 0 && symbol != p.symbols[0]) p.all_same = false;
  if (symbol == kSymbolLarge) p.has_large = true;
  ++p.size;
}

void TwccBuilder::pushNotReceived(uint32_t count) {
  while (count > 0) {
    Pending& p = pending_;
    if (p.size > 0 && p.all_same && p.symbols[0] == kSymbolNotReceived &&
        p.size >= kVectorSymbols) {
      // Extend the run in bulk, committing it whenever it reaches the 13-bit maximum.
      const uint32_t take = std::min<uint32_t>(count, kMaxRun - p.size);
      p.size = static_cast<uint16_t>(p.size + take);
      count -= take;
      if (p.size == kMaxRun && count > 0) emitOne();
      continue;
    }
    push(kSymbolNotReceived);
    --count;
  }
}

void TwccBuilder::emitOne() {
  Pending& p = pending_;
  if (p.all_same) {
    appendChunk(runChunk(p.symbols[0], p.size));
    p = Pending{};
    return;
  }
  if (!p.has_large && p.size == kVectorSymbols) {
    appendChunk(oneBitChunk(p.symbols.data(), kVectorSymbols));
    p = Pending{};
    return;
  }
  // A 2-bit vector of the first 7; the rest (fewer than 7) stays pending.
  appendChunk(twoBitChunk(p.symbols.data(), 7));
  Pending rest;
  for (size_t i = 7; i < p.size; ++i) {
    const uint8_t symbol = p.symbols[i];
    rest.symbols[rest.size] = symbol;
    if (rest.size > 0 && symbol != rest.symbols[0]) rest.all_same = false;
    if (symbol == kSymbolLarge) rest.has_large = true;
    ++rest.size;
  }
  p = rest;
}

void TwccBuilder::appendChunk(uint16_t chunk) {
  if (chunk_count_ == kMaxChunks) {
    overflow_ = true;
    return;
  }
  chunks_[chunk_count_++] = chunk;
}

uint16_t TwccBuilder::encodeFinal(const Pending& p) {
  if (p.all_same) return runChunk(p.symbols[0], p.size);
  if (!p.has_large) return oneBitChunk(p.symbols.data(), p.size);  // size <= 14
  return twoBitChunk(p.symbols.data(), p.size);                    // size <= 7
}

TwccBuilder::State TwccBuilder::save() const {
  return {pending_, chunk_count_, delta_size_, last_ticks_, status_count_, next_seq_, overflow_};
}

void TwccBuilder::restore(const State& state) {
  pending_ = state.pending;
  chunk_count_ = state.chunk_count;
  delta_size_ = state.delta_size;
  last_ticks_ = state.last_ticks;
  status_count_ = state.status_count;
  next_seq_ = state.next_seq;
  overflow_ = state.overflow;
}

bool TwccBuilder::add(uint16_t seq, int64_t arrival_us) {
  const auto gap = static_cast<uint16_t>(seq - next_seq_);  // statuses skipped before seq
  if (gap >= 0x8000) return false;                          // not after the last one
  if (uint32_t{status_count_} + gap + 1 > 0xFFFF) return false;

  uint8_t symbol = kSymbolNotReceived;
  int64_t ticks = 0;
  int64_t delta = 0;
  if (arrival_us != kNotReceived) {
    ticks = floorDiv(arrival_us, kTwccDeltaTickUs);
    delta = ticks - last_ticks_;
    if (delta >= 0 && delta <= 0xFF) {
      symbol = kSymbolSmall;
    } else if (delta >= INT16_MIN && delta <= INT16_MAX) {
      symbol = kSymbolLarge;
    } else {
      return false;
    }
  }

  const State saved = save();
  pushNotReceived(gap);
  push(symbol);
  if (symbol != kSymbolNotReceived) {
    if (delta_size_ + symbol > kMaxDeltaBytes) {
      overflow_ = true;
    } else if (symbol == kSymbolSmall) {
      deltas_[delta_size_++] = static_cast<uint8_t>(delta);
    } else {
      store16(&deltas_[delta_size_], static_cast<uint16_t>(static_cast<int16_t>(delta)));
      delta_size_ += 2;
    }
    last_ticks_ = ticks;
  }
  status_count_ = static_cast<uint16_t>(status_count_ + gap + 1);
  next_seq_ = static_cast<uint16_t>(seq + 1);
  if (overflow_ || size() > max_size_) {
    restore(saved);
    return false;
  }
  return true;
}

size_t TwccBuilder::size() const {
  if (status_count_ == 0) return 0;
  const size_t chunks = chunk_count_ + (pending_.size > 0 ? 1 : 0);
  const size_t raw = kHeaderSize + kTwccFixedBody + chunks * 2 + delta_size_;
  return (raw + 3) & ~size_t{3};
}

void TwccBuilder::write(uint8_t* out) const {
  const size_t total = size();
  writeFeedbackHeader(out, kFmtTwcc, kPtRtpfb, total, sender_ssrc_, media_ssrc_);
  uint8_t* p = out + kHeaderSize + kFeedbackFixedBody;
  store16(p, base_seq_);
  store16(p + 2, status_count_);
  store24(p + 4, reference_time_);
  p[7] = fb_pkt_count_;
  p += 8;
  for (size_t i = 0; i < chunk_count_; ++i, p += 2) store16(p, chunks_[i]);
  if (pending_.size > 0) {
    store16(p, encodeFinal(pending_));
    p += 2;
  }
  std::copy_n(deltas_.data(), delta_size_, p);
  p += delta_size_;
  while (p < out + total) *p++ = 0;  // zero padding to 32 bits (draft §3.1)
}

}  // namespace rtp::rtcp
