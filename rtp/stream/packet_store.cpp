#include "rtp/stream/packet_store.h"

#include <algorithm>
#include <bit>
#include <cstring>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "rtp/common/byte_io.h"
#include "rtp/common/seq.h"

namespace rtp::stream {
namespace {

// Copies n bytes to dst (8-byte aligned) with non-temporal stores where it can: a record is read
// again only if a receiver asks for it, so writing it should neither read its lines from memory
// first nor push the fan-out's working set out of the cache. The core still sees its own stores.
void streamCopy(uint8_t* dst, const uint8_t* src, size_t n) {
#if defined(__x86_64__)
  const auto stream8 = [&] {
    long long v;
    std::memcpy(&v, src, 8);
    _mm_stream_si64(reinterpret_cast<long long*>(dst), v);
    dst += 8, src += 8, n -= 8;
  };
  if ((reinterpret_cast<uintptr_t>(dst) & 15) != 0 && n >= 8) stream8();
  for (; n >= 16; dst += 16, src += 16, n -= 16) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(dst),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
  }
  if (n >= 8) stream8();
#endif
  std::memcpy(dst, src, n);
}

}  // namespace

PacketStore::PacketStore(const PacketStoreConfig& config)
    : max_packet_size_(std::min<size_t>(config.max_packet_size, 0xFFFF)),
      max_age_ms_(config.max_age_ms),
      mask_(seqRingSize(config.slots) - 1),
      index_(mask_ + 1) {
  // The largest record must fit twice, so that placing one after a skip record never needs to
  // drop a record that is not yet written (see insert()).
  const size_t largest = (kHeader + max_packet_size_ + 7) & ~size_t{7};
  capacity_ = std::bit_ceil(std::max(config.initial_bytes, 2 * largest));
  max_bytes_ = std::max(config.max_bytes, capacity_);
  // Uninitialised: pages are touched (and count in RSS) only as records are written.
  arena_ = std::make_unique_for_overwrite<uint8_t[]>(capacity_);
}

PacketStore::Record PacketStore::recordAt(uint64_t position) const {
  const uint8_t* b = arena_.get() + (position & (capacity_ - 1));
  return Record{load16(b), load16(b + 2), load32(b + 4)};
}

void PacketStore::writeHeader(uint64_t position, uint16_t seq, uint16_t size, uint32_t length) {
  uint8_t* b = arena_.get() + (position & (capacity_ - 1));
  store16(b, seq);
  store16(b + 2, size);
  store32(b + 4, length);
}

const PacketStore::Slot* PacketStore::liveSlot(uint16_t seq, int64_t now_ms) const {
  const Slot& slot = index_[seq & mask_];
  if (slot.position == kNoPosition || slot.position < tail_) return nullptr;
  if (now_ms - slot.stored_ms > max_age_ms_) return nullptr;
  if (recordAt(slot.position).seq != seq) return nullptr;
  return &slot;
}

PacketStoreResult PacketStore::insert(uint16_t seq, std::span<const uint8_t> packet,
                                      int64_t now_ms) {
  if (packet.empty() || packet.size() > max_packet_size_) return PacketStoreResult::kTooLarge;
  Slot& slot = index_[seq & mask_];
  if (slot.position != kNoPosition && slot.position >= tail_ &&
      now_ms - slot.stored_ms <= max_age_ms_) {
    const uint16_t held = recordAt(slot.position).seq;
    if (held == seq) return PacketStoreResult::kDuplicate;
    // A late packet 'slots' behind the newest must not push out a newer one still answerable.
    if (seqNewer(held, seq)) return PacketStoreResult::kStale;
  }
  const uint64_t length = (kHeader + packet.size() + 7) & ~uint64_t{7};
  uint64_t at = head_;
  for (;;) {
    const uint64_t offset = head_ & (capacity_ - 1);
    at = offset + length > capacity_ ? head_ + (capacity_ - offset) : head_;
    // Writing [at, at + length) overwrites what was written one capacity earlier.
    if (at + length <= capacity_ || makeRoom(at + length - capacity_, now_ms)) break;
    grow();
  }
  if (at != head_) writeHeader(head_, 0, 0, static_cast<uint32_t>(at - head_));  // skip record
  uint8_t header[kHeader];
  store16(header, seq);
  store16(header + 2, static_cast<uint16_t>(packet.size()));
  store32(header + 4, static_cast<uint32_t>(length));
  uint8_t* record = arena_.get() + (at & (capacity_ - 1));
  streamCopy(record, header, kHeader);
  streamCopy(record + kHeader, packet.data(), packet.size());
  head_ = at + length;
  slot = Slot{at, now_ms};
  return PacketStoreResult::kStored;
}

bool PacketStore::makeRoom(uint64_t limit, int64_t now_ms) {
  while (tail_ < head_ && tail_ < limit) {
    const Record r = recordAt(tail_);
    if (r.size != 0 && capacity_ < max_bytes_) {
      const Slot& owner = index_[r.seq & mask_];
      if (owner.position == tail_ && now_ms - owner.stored_ms <= max_age_ms_) return false;
    }
    tail_ += r.length;
  }
  return true;
}

void PacketStore::grow() {
  const size_t next_capacity = capacity_ * 2;
  auto next = std::make_unique_for_overwrite<uint8_t[]>(next_capacity);
  // Absolute positions stay; each byte moves from p % capacity to p % (2 × capacity). A record
  // never straddles a multiple of the old capacity, hence not one of the new.
  for (uint64_t p = tail_; p < head_;) {
    const uint64_t end = std::min<uint64_t>(head_, (p | (capacity_ - 1)) + 1);
    std::memcpy(next.get() + (p & (next_capacity - 1)), arena_.get() + (p & (capacity_ - 1)),
                static_cast<size_t>(end - p));
    p = end;
  }
  arena_ = std::move(next);
  capacity_ = next_capacity;
  ++growths_;
}

std::optional<std::span<const uint8_t>> PacketStore::find(uint16_t seq, int64_t now_ms) const {
  const Slot* slot = liveSlot(seq, now_ms);
  if (slot == nullptr) return std::nullopt;
  const Record r = recordAt(slot->position);
  return std::span<const uint8_t>(arena_.get() + (slot->position & (capacity_ - 1)) + kHeader,
                                  r.size);
}

}  // namespace rtp::stream
