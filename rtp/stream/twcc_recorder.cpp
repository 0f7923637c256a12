#include "rtp/stream/twcc_recorder.h"

#include <algorithm>

#include "rtp/rtcp/compound_builder.h"

namespace rtp::stream {
namespace {

constexpr int64_t kNotReceived = rtcp::TwccBuilder::kNotReceived;

// A feedback packet must hold at least one status, and its header plus a chunk and a delta.
TwccRecorderConfig sanitize(TwccRecorderConfig config) {
  config.max_statuses = std::max<uint16_t>(config.max_statuses, 1);
  config.max_packet_size = std::max<size_t>(config.max_packet_size, 32);
  return config;
}

}  // namespace

TwccRecorder::TwccRecorder(const TwccRecorderConfig& config)
    : config_(sanitize(config)),
      mask_(seqRingSize(std::max<size_t>(config.window, 16)) - 1),
      arrivals_(mask_ + 1, kNotReceived) {}

void TwccRecorder::reset() {
  std::fill(arrivals_.begin(), arrivals_.end(), kNotReceived);
  unwrapper_ = SeqUnwrapper{};
  started_ = reported_ = false;
  next_report_ = highest_ = 0;
}

void TwccRecorder::onPacket(uint16_t transport_seq, int64_t arrival_us) {
  const int64_t seq = unwrapper_.unwrap(transport_seq);
  const auto window = static_cast<int64_t>(mask_ + 1);
  if (!started_) {
    started_ = true;
    next_report_ = highest_ = seq;
    slot(seq) = arrival_us;
    return;
  }
  if (seq > highest_) {
    // Forget the slots the new range reuses, seq's own included (it still holds the arrival of
    // seq - window); if the unreported range outgrows the window, the oldest part of it is
    // dropped unreported.
    for (int64_t s = std::max(highest_ + 1, seq - window + 1); s <= seq; ++s)
      slot(s) = kNotReceived;
    highest_ = seq;
    next_report_ = std::max(next_report_, seq - window + 1);
  } else if (seq < next_report_) {
    // Reordered before the first feedback went out: widen the range back. Otherwise it was
    // already reported lost and the sender has moved on.
    if (reported_ || highest_ - seq >= window) return;
    for (int64_t s = seq + 1; s < next_report_; ++s) slot(s) = kNotReceived;
    next_report_ = seq;
  }
  int64_t& arrival = slot(seq);
  if (arrival == kNotReceived) arrival = arrival_us;  // a duplicate keeps the first arrival
}

bool TwccRecorder::due(int64_t now_us) const {
  if (!started_ || next_report_ > highest_) return false;
  return !reported_ || now_us - last_feedback_us_ >= config_.interval_us;
}

size_t TwccRecorder::buildFeedback(int64_t now_us, std::span<uint8_t> out) {
  rtcp::CompoundBuilder compound(out);
  while (started_ && next_report_ <= highest_) {
    int64_t first = next_report_;
    while (first <= highest_ && slot(first) == kNotReceived) ++first;
    if (first > highest_) break;  // only losses so far: wait for a later arrival

    builder_.reset(config_.sender_ssrc, config_.media_ssrc, static_cast<uint16_t>(next_report_),
                   slot(first), fb_pkt_count_, config_.max_packet_size);
    const int64_t limit = std::min(highest_, next_report_ + config_.max_statuses - 1);
    for (int64_t s = first; s <= limit; ++s) {
      const int64_t arrival = slot(s);
      if (arrival == kNotReceived) continue;
      if (!builder_.add(static_cast<uint16_t>(s), arrival)) break;
    }
    if (builder_.empty() || !compound.add(builder_)) break;
    next_report_ += builder_.statusCount();
    ++fb_pkt_count_;
    reported_ = true;
  }
  if (compound.size() > 0) last_feedback_us_ = now_us;
  return compound.size();
}

}  // namespace rtp::stream
