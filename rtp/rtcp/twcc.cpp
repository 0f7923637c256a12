#include "rtp/rtcp/twcc.h"

#include <algorithm>

#include "rtp/rtcp/feedback_header.h"

namespace rtp::rtcp {
namespace {

constexpr uint16_t kVectorFlag = 0x8000;
constexpr uint16_t kTwoBitFlag = 0x4000;

// Symbols a chunk covers (before the status count cuts the last one short); 0 when invalid.
uint32_t chunkCapacity(uint16_t chunk) {
  if ((chunk & kVectorFlag) == 0) {
    const uint32_t run = chunk & 0x1FFF;
    const uint32_t symbol = (chunk >> 13) & 3;
    return symbol == 3 ? 0 : run;  // a zero run or a reserved symbol is invalid
  }
  return (chunk & kTwoBitFlag) != 0 ? 7 : 14;
}

}  // namespace

TwccStatusCursor::TwccStatusCursor(std::span<const uint8_t> body) : body_(body) {
  if (body.size() < kTwccFixedBody) {
    error_ = ParseError::kBadLength;
    return;
  }
  seq_ = load16(&body[8]);
  remaining_ = load16(&body[10]);
  // The deltas start after the last chunk: find it first (chunks are 2 bytes each).
  uint32_t left = remaining_;
  size_t offset = kTwccFixedBody;
  while (left > 0) {
    if (body.size() - offset < 2) {
      error_ = ParseError::kBadLength;
      return;
    }
    const uint32_t n = chunkCapacity(load16(&body[offset]));
    if (n == 0) {
      error_ = ParseError::kBadChunk;
      return;
    }
    offset += 2;
    left -= std::min(n, left);
  }
  delta_offset_ = offset;
}

bool TwccStatusCursor::loadChunk() {
  chunk_ = load16(&body_[chunk_offset_]);
  chunk_offset_ += 2;
  chunk_left_ = chunkCapacity(chunk_);
  chunk_index_ = 0;
  return chunk_left_ > 0;
}

bool TwccStatusCursor::next(TwccPacketStatus& out) {
  if (remaining_ == 0 || error_ != ParseError::kCount) return false;
  if (chunk_left_ == 0) loadChunk();  // validated by the constructor's walk
  uint8_t symbol;
  if ((chunk_ & kVectorFlag) == 0) {
    symbol = static_cast<uint8_t>((chunk_ >> 13) & 3);
  } else if ((chunk_ & kTwoBitFlag) == 0) {
    symbol = static_cast<uint8_t>((chunk_ >> (13 - chunk_index_)) & 1);
  } else {
    symbol = static_cast<uint8_t>((chunk_ >> (12 - 2 * chunk_index_)) & 3);
    if (symbol == 3) {
      error_ = ParseError::kBadChunk;
      return false;
    }
  }
  ++chunk_index_;
  --chunk_left_;
  --remaining_;

  out.seq = seq_++;
  out.received = symbol != 0;
  out.delta_ticks = 0;
  out.arrival_offset_us = 0;
  if (symbol == 0) return true;
  const size_t width = symbol;  // small: 1 byte unsigned, large: 2 bytes signed
  if (body_.size() - delta_offset_ < width) {
    error_ = ParseError::kBadLength;
    return false;
  }
  out.delta_ticks = width == 1 ? int32_t{body_[delta_offset_]}
                               : int32_t{static_cast<int16_t>(load16(&body_[delta_offset_]))};
  delta_offset_ += width;
  ticks_ += out.delta_ticks;
  out.arrival_offset_us = ticks_ * kTwccDeltaTickUs;
  return true;
}

ParseResult<TwccView> TwccView::parse(const PacketView& packet) {
  if (auto error = checkFeedback(packet, kPtRtpfb, kFmtTwcc)) return *error;
  if (packet.body.size() < kTwccFixedBody) return ParseError::kBadLength;
  if (load16(&packet.body[10]) == 0) return ParseError::kBadCount;
  TwccView view;
  view.body_ = packet.body;
  TwccStatusCursor cursor(packet.body);
  TwccPacketStatus status;
  while (cursor.next(status)) {
    if (status.received) ++view.received_;
  }
  if (cursor.error() != ParseError::kCount) return cursor.error();
  return view;
}

size_t TwccView::statuses(std::span<TwccPacketStatus> out) const {
  TwccStatusCursor walker = cursor();
  size_t n = 0;
  while (n < out.size() && walker.next(out[n])) ++n;
  return n;
}

int64_t TwccView::referenceDeltaUs(uint32_t from, uint32_t to) {
  int64_t delta = static_cast<int64_t>((to - from) & 0xFFFFFFu);
  if (delta >= (int64_t{1} << 23)) delta -= int64_t{1} << 24;
  return delta * kTwccReferenceTickUs;
}

}  // namespace rtp::rtcp
