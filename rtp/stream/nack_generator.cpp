#include "rtp/stream/nack_generator.h"

#include <algorithm>
#include <limits>

namespace rtp::stream {
namespace {
constexpr int64_t kNever = std::numeric_limits<int64_t>::min();
}  // namespace

NackGenerator::NackGenerator(const NackGeneratorConfig& config) : config_(config) {
  // Room for ordinary loss up front (2 KiB); a burst beyond it grows the list a few times, up to
  // max_missing, once in the stream's life. Reserving max_missing (16 KiB) for each of a
  // publisher's streams cost 64 KiB per participant that almost never gets used.
  missing_.reserve(std::min<size_t>(config_.max_missing, kInitialMissing));
}

void NackGenerator::reset() {
  unwrapper_ = SeqUnwrapper{};
  started_ = false;
  highest_ = 0;
  missing_.clear();
  keyframe_requested_ = false;
}

void NackGenerator::requestKeyframe() {
  missing_.clear();
  keyframe_requested_ = true;
  ++stats_.keyframe_requests;
}

bool NackGenerator::takeKeyframeRequest() {
  const bool requested = keyframe_requested_;
  keyframe_requested_ = false;
  return requested;
}

NackGenerator::PacketEvent NackGenerator::onPacket(uint16_t seq, int64_t now_ms) {
  const int64_t value = unwrapper_.unwrap(seq);
  if (!started_) {
    started_ = true;
    highest_ = value;
    return PacketEvent::kFirst;
  }
  if (value == highest_ + 1) {
    highest_ = value;
    return PacketEvent::kInOrder;
  }
  if (value > highest_) {
    const int64_t skipped = value - highest_ - 1;
    const int64_t first_missing = highest_ + 1;
    highest_ = value;
    if (skipped > config_.max_jump ||
        missing_.size() + static_cast<size_t>(skipped) > config_.max_missing) {
      requestKeyframe();
      return PacketEvent::kKeyframe;
    }
    for (int64_t s = first_missing; s < value; ++s) missing_.push_back({s, now_ms, kNever, 0});
    return PacketEvent::kGap;
  }
  // Older than the highest: either one we are waiting for, or a duplicate / given-up seq.
  auto it = std::lower_bound(missing_.begin(), missing_.end(), value,
                             [](const Missing& m, int64_t s) { return m.seq < s; });
  if (it == missing_.end() || it->seq != value) return PacketEvent::kOld;
  missing_.erase(it);
  ++stats_.recovered;
  return PacketEvent::kRecovered;
}

size_t NackGenerator::onTick(int64_t now_ms, int64_t rtt_ms, std::span<uint16_t> out) {
  const int64_t interval =
      std::max(config_.min_resend_interval_ms, rtt_ms > 0 ? rtt_ms : config_.default_rtt_ms);
  // Give up on exhausted or stale seqs; RTT-based spacing means a seq gets one request per RTT.
  const auto end = std::remove_if(missing_.begin(), missing_.end(), [&](const Missing& m) {
    const bool stale = now_ms - m.since_ms > config_.max_age_ms;
    const bool exhausted = m.retries >= config_.max_retries && m.last_sent_ms != kNever &&
                           now_ms - m.last_sent_ms >= interval;
    return stale || exhausted;
  });
  stats_.given_up += static_cast<uint64_t>(missing_.end() - end);
  missing_.erase(end, missing_.end());

  size_t n = 0;
  for (auto& m : missing_) {
    if (n == out.size()) break;
    if (m.retries >= config_.max_retries) continue;
    const bool due = m.last_sent_ms == kNever ? now_ms - m.since_ms >= config_.initial_delay_ms
                                              : now_ms - m.last_sent_ms >= interval;
    if (!due) continue;
    out[n++] = static_cast<uint16_t>(m.seq);
    m.last_sent_ms = now_ms;
    ++m.retries;
  }
  stats_.requested += n;
  return n;
}

}  // namespace rtp::stream
