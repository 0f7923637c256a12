#include "rtp/stream/seq_rewriter.h"

#include <algorithm>

#include "rtp/common/seq.h"

namespace rtp {

int64_t CounterState::unwrap(uint32_t in) const {
  // Place `in` in the cycle nearest the newest input (RFC 3550 §A.1 style, any width).
  const uint32_t diff = (in - static_cast<uint32_t>(highestIn_)) & mask_;
  return highestIn_ + (diff >= half() ? static_cast<int64_t>(diff) - (int64_t{mask_} + 1)
                                      : static_cast<int64_t>(diff));
}

void CounterState::begin(uint32_t in) {
  const int64_t in64 = in & mask_;
  // First source: send values unchanged. Later sources: continue right after the last sent.
  offset_ = started_ ? highestOut_ + 1 - in64 : 0;
  if (!started_) highestOut_ = in64 - 1;
  baseIn_ = in64;
  highestIn_ = in64 - 1;
  skipHead_ = 0;
  skipCount_ = 0;
  started_ = true;
  pendingSwitch_ = false;
}

bool CounterState::wasSkipped(int64_t in, const SkipRing& ring) const {
  for (size_t i = skipCount_; i-- > 0;) {
    const int64_t s = ring[(skipHead_ + i) % kSkipHistory];
    if (s == in) return true;
    if (s < in) return false;
  }
  return false;
}

int64_t CounterState::skipsAbove(int64_t in, const SkipRing& ring) const {
  int64_t n = 0;
  for (size_t i = skipCount_; i-- > 0;) {
    if (ring[(skipHead_ + i) % kSkipHistory] <= in) break;
    ++n;
  }
  return n;
}

void CounterState::rememberSkip(int64_t in, SkipRing& ring) {
  if (skipCount_ == kSkipHistory) {
    // Forget the oldest skip point: values at or below it can no longer be mapped correctly.
    baseIn_ = std::max(baseIn_, ring[skipHead_] + 1);
    skipHead_ = static_cast<uint8_t>((skipHead_ + 1) % kSkipHistory);
    --skipCount_;
  }
  ring[(skipHead_ + skipCount_) % kSkipHistory] = in;
  ++skipCount_;
}

std::optional<uint32_t> CounterState::rewrite(uint32_t in, const SkipRing& ring) {
  in &= mask_;
  if (!started_ || pendingSwitch_) begin(in);
  const int64_t in64 = unwrap(in);
  if (in64 < baseIn_) return std::nullopt;
  int64_t out;
  if (in64 > highestIn_) {
    highestIn_ = in64;
    out = in64 + offset_;
  } else {
    if (wasSkipped(in64, ring)) return std::nullopt;
    out = in64 + offset_ + skipsAbove(in64, ring);
  }
  highestOut_ = std::max(highestOut_, out);
  return static_cast<uint32_t>(out) & mask_;
}

bool CounterState::skip(uint32_t in, SkipRing& ring) {
  in &= mask_;
  if (!started_ || pendingSwitch_) begin(in);
  const int64_t in64 = unwrap(in);
  if (in64 <= highestIn_) return false;  // already passed (sent, skipped, or older): a gap
  highestIn_ = in64;
  --offset_;
  rememberSkip(in64, ring);
  return true;
}

std::optional<uint32_t> CounterState::toInput(uint32_t out, const SkipRing& ring) const {
  if (!started_ || pendingSwitch_) return std::nullopt;
  const uint32_t diff = (out - static_cast<uint32_t>(highestOut_)) & mask_;
  const int64_t out64 =
      highestOut_ + (diff >= half() ? static_cast<int64_t>(diff) - (int64_t{mask_} + 1)
                                    : static_cast<int64_t>(diff));
  if (out64 > highestOut_) return std::nullopt;
  // out = in + offset_ + (skips above in). Walk the skips newest first: with k of them above,
  // in = out - offset_ - k, valid once it is above the (k+1)-th newest skip.
  for (size_t k = 0;; ++k) {
    const int64_t in = out64 - offset_ - static_cast<int64_t>(k);
    if (in < baseIn_ || in > highestIn_) return std::nullopt;
    if (k == skipCount_) return static_cast<uint32_t>(in) & mask_;
    const int64_t s = ring[(skipHead_ + skipCount_ - 1 - k) % kSkipHistory];
    if (in > s) return static_cast<uint32_t>(in) & mask_;
  }
}

void SeqRewriter::switchSource() {
  seq_.switchSource();
  tsPending_ = tsStarted_;
}

std::optional<SeqRewriter::Mapped> SeqRewriter::rewrite(uint16_t seq, uint32_t ts, int64_t nowUs) {
  const std::optional<uint32_t> outSeq = seq_.rewrite(seq, *seqSkips_);
  if (!outSeq) return std::nullopt;
  if (!tsStarted_) {
    tsStarted_ = true;
    tsOffset_ = 0;
    lastTs_ = ts;
    lastSentUs_ = nowUs;
  } else if (tsPending_) {
    // The new source's clock is unrelated to the old one: advance the outgoing timestamp by the
    // wall-clock time since the last sent packet, at least one tick so it never repeats.
    const int64_t elapsedUs = std::max<int64_t>(0, nowUs - lastSentUs_);
    const uint64_t ticks = static_cast<uint64_t>(elapsedUs) * clockRate_ / 1000000;
    const uint32_t delta = static_cast<uint32_t>(std::max<uint64_t>(1, ticks));
    tsOffset_ = lastTs_ + delta - ts;
    tsPending_ = false;
  }
  const uint32_t outTs = ts + tsOffset_;
  if (tsNewer(outTs, lastTs_) || outTs == lastTs_) {
    lastTs_ = outTs;
    lastSentUs_ = nowUs;
  }
  return Mapped{static_cast<uint16_t>(*outSeq), outTs};
}

}  // namespace rtp
