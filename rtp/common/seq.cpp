#include "rtp/common/seq.h"

namespace rtp {

int64_t SeqUnwrapper::peek(uint16_t seq) const {
  if (!started_) return seq;
  return last_ + seqDiff(seq, static_cast<uint16_t>(last_));
}

int64_t SeqUnwrapper::unwrap(uint16_t seq) {
  int64_t value = peek(seq);
  if (!started_ || value > last_) last_ = value;
  started_ = true;
  return value;
}

}  // namespace rtp
