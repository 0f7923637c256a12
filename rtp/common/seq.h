// Sequence-number arithmetic for 16-bit RTP sequence numbers and 32-bit timestamps (RFC 3550 §A.1).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace rtp {

// True when a is newer than b, treating the 16-bit space as a circle (half-range rule).
constexpr bool seqNewer(uint16_t a, uint16_t b) {
  return a != b && static_cast<uint16_t>(a - b) < 0x8000;
}
constexpr bool tsNewer(uint32_t a, uint32_t b) {
  return a != b && static_cast<uint32_t>(a - b) < 0x80000000u;
}
// Signed distance from b to a in the shortest direction.
constexpr int32_t seqDiff(uint16_t a, uint16_t b) { return static_cast<int16_t>(a - b); }

// Slots of a ring indexed by `seq & (size - 1)`: `wanted` rounded up to a power of two, at most
// 32768, so the size divides 65536 and a seq keeps its slot across the 16-bit wrap.
constexpr size_t seqRingSize(size_t wanted) {
  return std::min<size_t>(std::bit_ceil(std::max<size_t>(wanted, 1)), 32768);
}

// Extends a wrapping 16-bit counter to 64 bits. The first value seeds the cycle count; later values
// are placed in the cycle nearest the highest value seen, so reordering across a wrap is handled.
class SeqUnwrapper {
 public:
  int64_t unwrap(uint16_t seq);
  // Unwraps without updating state (for probing where an old packet would land).
  int64_t peek(uint16_t seq) const;
  bool started() const { return started_; }

 private:
  bool started_ = false;
  int64_t last_ = 0;
};

}  // namespace rtp
