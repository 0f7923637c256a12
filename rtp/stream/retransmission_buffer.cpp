#include "rtp/stream/retransmission_buffer.h"

#include <algorithm>
#include <cstring>

namespace rtp::stream {
namespace {

size_t roundUpPow2(size_t n) {
  size_t p = 1;
  while (p < n && p < 32768) p <<= 1;
  return p;
}

}  // namespace

RetransmissionBuffer::RetransmissionBuffer(size_t capacity, size_t max_packet_size,
                                           int64_t max_age_ms)
    : max_packet_size_(std::min<size_t>(max_packet_size, 0xFFFF)),
      max_age_ms_(max_age_ms),
      mask_(roundUpPow2(std::max<size_t>(capacity, 1)) - 1),
      slots_(mask_ + 1),
      storage_((mask_ + 1) * max_packet_size_) {}

bool RetransmissionBuffer::insert(uint16_t seq, std::span<const uint8_t> packet, int64_t now_ms) {
  if (packet.size() > max_packet_size_) return false;
  const size_t index = seq & mask_;
  Slot& slot = slots_[index];
  slot = Slot{true, seq, static_cast<uint16_t>(packet.size()), now_ms, 0, false};
  if (!packet.empty()) std::memcpy(data(index), packet.data(), packet.size());
  return true;
}

const RetransmissionBuffer::Slot* RetransmissionBuffer::lookup(uint16_t seq, int64_t now_ms) const {
  const Slot& slot = slots_[seq & mask_];
  if (!slot.used || slot.seq != seq || now_ms - slot.stored_ms > max_age_ms_) return nullptr;
  return &slot;
}

std::optional<std::span<const uint8_t>> RetransmissionBuffer::find(uint16_t seq,
                                                                   int64_t now_ms) const {
  const Slot* slot = lookup(seq, now_ms);
  if (!slot) return std::nullopt;
  return std::span<const uint8_t>(data(seq & mask_), slot->size);
}

std::optional<std::span<const uint8_t>> RetransmissionBuffer::takeForResend(uint16_t seq,
                                                                            int64_t now_ms,
                                                                            int64_t rtt_ms) {
  if (!lookup(seq, now_ms)) return std::nullopt;
  Slot& slot = slots_[seq & mask_];
  if (slot.resent && now_ms - slot.resent_ms < rtt_ms) return std::nullopt;
  slot.resent = true;
  slot.resent_ms = now_ms;
  return std::span<const uint8_t>(data(seq & mask_), slot.size);
}

void RetransmissionBuffer::clear() { std::fill(slots_.begin(), slots_.end(), Slot{}); }

}  // namespace rtp::stream
