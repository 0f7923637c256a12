#include "rtp/stream/sent_packet_log.h"

#include <algorithm>

#include "rtp/common/seq.h"

namespace rtp::stream {
namespace {

// Elapsed ms between two truncated clock readings.
int64_t since(int64_t now_ms, uint32_t then) {
  return static_cast<int64_t>(static_cast<uint32_t>(now_ms) - then);
}

}  // namespace

SentPacketLog::SentPacketLog(size_t capacity, int64_t max_age_ms)
    : entries_(std::make_unique<Entry[]>(seqRingSize(capacity))),
      mask_(static_cast<uint32_t>(seqRingSize(capacity) - 1)),
      max_age_ms_(static_cast<int32_t>(std::clamp<int64_t>(max_age_ms, 0, INT32_MAX))) {}

void SentPacketLog::record(const SentPacket& p, int64_t now_ms) {
  Entry& e = entries_[p.seq & mask_];
  e.timestamp = p.timestamp;
  e.sent_ms = static_cast<uint32_t>(now_ms);
  e.resent_ms = 0;
  e.seq = p.seq;
  e.source_seq = p.source_seq;
  e.picture_id = p.picture_id;
  e.tl0_pic_idx = p.tl0_pic_idx;
  e.payload_type = p.payload_type;
  e.source = p.source;
  e.flags = static_cast<uint8_t>(kValid | (p.has_picture_id ? kPictureId : 0) |
                                 (p.has_tl0_pic_idx ? kTl0PicIdx : 0));
}

std::optional<SentPacket> SentPacketLog::takeForResend(uint16_t seq, int64_t now_ms,
                                                       int64_t rtt_ms) {
  Entry& e = entries_[seq & mask_];
  if (!(e.flags & kValid) || e.seq != seq || since(now_ms, e.sent_ms) > max_age_ms_) {
    return std::nullopt;
  }
  if ((e.flags & kResent) && since(now_ms, e.resent_ms) < rtt_ms) return std::nullopt;
  e.flags |= kResent;
  e.resent_ms = static_cast<uint32_t>(now_ms);
  SentPacket p;
  p.seq = e.seq;
  p.source_seq = e.source_seq;
  p.source = e.source;
  p.timestamp = e.timestamp;
  p.payload_type = e.payload_type;
  p.has_picture_id = (e.flags & kPictureId) != 0;
  p.picture_id = e.picture_id;
  p.has_tl0_pic_idx = (e.flags & kTl0PicIdx) != 0;
  p.tl0_pic_idx = e.tl0_pic_idx;
  return p;
}

void SentPacketLog::clear() { std::fill(entries_.get(), entries_.get() + capacity(), Entry{}); }

}  // namespace rtp::stream
