// Sliding replay window over 48-bit SRTP indices (RFC 3711 §3.3.2) or 31-bit SRTCP indices.
// A ring bitmap sized once at construction (one allocation per stream, none per packet), a power
// of two bits long so a bit's position is a mask, not a division.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace sfu::srtp {

class ReplayWindow {
 public:
  enum class Check : uint8_t { kNew, kSeen, kTooOld };

  // `size` packets behind the highest index are tracked; older ones are kTooOld.
  explicit ReplayWindow(uint32_t size)
      : size_(std::max<uint32_t>(size, 1)),
        mask_(std::bit_ceil(std::max<uint64_t>(size_, 64)) - 1),
        words_((mask_ + 1) / 64, 0) {}

  bool empty() const { return !started_; }
  uint64_t highest() const { return top_; }

  Check check(uint64_t index) const {
    if (!started_ || index > top_) return Check::kNew;
    if (top_ - index >= size_) return Check::kTooOld;
    return testBit(index) ? Check::kSeen : Check::kNew;
  }

  // For a sender that may protect an index again (RFC 3711 §9.1: a retransmission is the same
  // packet), the bitmap answers nothing: all it needs is whether an index is older than the
  // window. tooOld() and advance() keep only the highest index; a window used through them is
  // never used through check() / add().
  bool tooOld(uint64_t index) const { return started_ && index < top_ && top_ - index >= size_; }
  void advance(uint64_t index) {
    if (!started_ || index > top_) {
      started_ = true;
      top_ = index;
    }
  }

  // Records `index` (after it authenticated). Indices older than the window are ignored.
  void add(uint64_t index) {
    if (!started_) {
      started_ = true;
      top_ = index;
    } else if (index > top_) {
      const uint64_t delta = index - top_;
      if (delta > mask_) {
        std::fill(words_.begin(), words_.end(), 0);
      } else {
        for (uint64_t i = top_ + 1; i < index; ++i) clearBit(i);
      }
      top_ = index;
    } else if (top_ - index >= size_) {
      return;
    }
    setBit(index);
  }

 private:
  bool testBit(uint64_t index) const {
    const uint64_t pos = index & mask_;
    return (words_[pos / 64] >> (pos % 64)) & 1;
  }
  void setBit(uint64_t index) {
    const uint64_t pos = index & mask_;
    words_[pos / 64] |= uint64_t{1} << (pos % 64);
  }
  void clearBit(uint64_t index) {
    const uint64_t pos = index & mask_;
    words_[pos / 64] &= ~(uint64_t{1} << (pos % 64));
  }

  uint32_t size_;
  uint64_t mask_;  // bits in the ring - 1 (≥ size_)
  std::vector<uint64_t> words_;
  uint64_t top_ = 0;
  bool started_ = false;
};

}  // namespace sfu::srtp
