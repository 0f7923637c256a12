// Keeps an outgoing RTP stream continuous while its source changes underneath (simulcast layer
// switch, publisher restart) and while packets are left out (dropped temporal layers, padding).
//
//   incoming (source A)  100 101 102 | switch | (source B) 7000 7001 [7002 skipped] 7003
//   outgoing             100 101 102 |        |           103  104                105
//
// Receivers see one gapless sequence (RFC 3550 §5.1: seq increments by one per packet sent), so
// losses they report (NACK) are real losses. Upstream gaps (lost packets) are kept as gaps.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace rtp {

// Rewrites one wrapping counter of `bits` width (RTP seq: 16, VP8 picture id: 15 or 7,
// TL0PICIDX: 8): out = in + offset, with a new offset at each source switch so the first value of
// the new source follows the last value sent, and with later values shifted down past skipped
// ones. Mapping the same input twice gives the same output (picture ids repeat per packet).
//
// CounterState is the part read for every value (40 bytes); the skip points it remembers live in
// a SkipRing the owner passes in and which is read only around skips. The owners (Vp8Rewriter,
// SeqRewriter) keep the states together and the rings out of line, so a subscriber's rewriters
// add little to the lines of its state a packet touches (DownTrack keeps them in four).
inline constexpr size_t kSkipHistory = 64;  // remembered skip points
using SkipRing = std::array<int64_t, kSkipHistory>;

class CounterState {
 public:
  explicit CounterState(unsigned bits) : mask_(bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1) {}

  // The next value passed to rewrite() or skip() starts a new source.
  void switchSource() { pendingSwitch_ = true; }
  // Output value, or nullopt when the input must not be sent: from before the current source's
  // first value, skipped, or too old to map correctly.
  std::optional<uint32_t> rewrite(uint32_t in, const SkipRing& ring);
  // The value is not sent. When it is the newest seen, later values shift down by one; an older
  // value cannot be taken back out of what was sent, so it just stays a gap. Returns true when
  // the output was shifted.
  bool skip(uint32_t in, SkipRing& ring);
  // Inverse mapping for the current source: which input was sent as `out` (e.g. to serve a
  // receiver's NACK from the publisher-side buffer). nullopt for values not sent from the current
  // source (before the switch, never sent, or beyond the remembered skips).
  std::optional<uint32_t> toInput(uint32_t out, const SkipRing& ring) const;

  bool started() const { return started_; }
  uint32_t lastOut() const { return static_cast<uint32_t>(highestOut_) & mask_; }

 private:
  uint32_t half() const { return (mask_ >> 1) + 1; }
  int64_t unwrap(uint32_t in) const;
  void begin(uint32_t in);
  bool wasSkipped(int64_t in, const SkipRing& ring) const;
  int64_t skipsAbove(int64_t in, const SkipRing& ring) const;
  void rememberSkip(int64_t in, SkipRing& ring);

  uint32_t mask_;
  bool started_ = false;
  bool pendingSwitch_ = false;
  uint8_t skipHead_ = 0;  // ring index of the oldest skip point
  uint8_t skipCount_ = 0;
  int64_t baseIn_ = 0;     // first unwrapped input still mappable
  int64_t highestIn_ = 0;  // unwrapped
  int64_t highestOut_ = -1;
  int64_t offset_ = 0;  // for inputs above the newest skip point
};
static_assert(sizeof(CounterState) == 40);
static_assert(kSkipHistory <= 128, "skipHead_ + skipCount_ fit in uint8_t arithmetic");

// Sequence number + timestamp rewriting for one outgoing RTP stream.
class SeqRewriter {
 public:
  struct Mapped {
    uint16_t seq;
    uint32_t ts;
  };

  // clockRate in Hz (90000 video, 48000 Opus): converts wall-clock gaps into timestamp deltas.
  explicit SeqRewriter(uint32_t clockRate) : clockRate_(clockRate), seq_(16) {}

  // Call when the source changes; the next forwarded packet (normally a keyframe) continues the
  // outgoing sequence at last + 1 and the timestamp at last + elapsed × clockRate (at least 1).
  void switchSource();

  // Mapping for a packet to send, or nullopt to drop it (from before the switch, skipped, or too
  // old). nowUs is the caller's clock (monotonic microseconds); no clock is read here.
  std::optional<Mapped> rewrite(uint16_t seq, uint32_t ts, int64_t nowUs);
  // The packet with this seq is not sent (dropped temporal layer, padding-only); later packets
  // shift down so the outgoing sequence stays gapless.
  void skip(uint16_t seq) { seq_.skip(seq, *seqSkips_); }
  // The incoming seq that was sent as outSeq, for retransmission lookups (current source only).
  std::optional<uint16_t> incomingSeq(uint16_t outSeq) const {
    const auto in = seq_.toInput(outSeq, *seqSkips_);
    return in ? std::optional<uint16_t>(static_cast<uint16_t>(*in)) : std::nullopt;
  }

  bool started() const { return seq_.started(); }
  uint16_t lastSeq() const { return static_cast<uint16_t>(seq_.lastOut()); }
  uint32_t lastTimestamp() const { return lastTs_; }

 private:
  // 64 bytes read for every packet: the timestamp state, then the sequence counter's state. The
  // skip ring lives out of line (read only around skips), so an owner can keep this next to its
  // other per-packet state.
  int64_t lastSentUs_ = 0;  // when the newest outgoing timestamp was sent
  uint32_t clockRate_;
  uint32_t tsOffset_ = 0;
  uint32_t lastTs_ = 0;  // newest outgoing timestamp
  bool tsStarted_ = false;
  bool tsPending_ = false;
  CounterState seq_;
  std::unique_ptr<SkipRing> seqSkips_ = std::make_unique<SkipRing>();
};

}  // namespace rtp
