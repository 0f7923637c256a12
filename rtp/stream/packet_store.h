// Store of the packets received on one incoming RTP stream (one simulcast layer of a published
// track), keyed by the sender's sequence number, shared by every outgoing stream forwarded from
// it: a NACK from any receiver (RFC 4585 §6.2.1) is answered from the one copy kept here, rewritten
// for that receiver (DownTrack), instead of each receiver keeping its own copy of what it was sent.
//
// Two rings:
//
//   index  power-of-two slots, slot = seq & mask: {absolute position of the record, stored ms}
//   arena  records at increasing absolute positions p, kept at arena[p % capacity]:
//
//     +--------+--------+----------------+------------------+-----------+
//     |  seq   |  size  |  record length | packet (size)    |  pad to 8 |
//     +--------+--------+----------------+------------------+-----------+
//      2 bytes  2 bytes   4 bytes          as received
//
//   A record never straddles the end of the arena: when the tail cannot hold it, a skip record
//   (size 0) fills the tail and the packet starts again at offset 0. Records between tail_ and
//   head_ are intact; a record is overwritten once head_ passes its position + capacity, at which
//   point tail_ has moved past it. An index slot is valid while its record position is ≥ tail_,
//   the record's seq is the one asked for and it is younger than the maximum age.
//
// Sizing by time, not by count: a 100-byte audio packet costs 108 bytes, a 1200-byte video packet
// 1208. The arena starts small and doubles (up to max_bytes) whenever the record about to be
// overwritten is still younger than max_age_ms, i.e. still answerable. Memory therefore follows
// the stream's bitrate × max age (≈ 190 KB for 1.5 Mbit/s over 1 s, rounded up to a power of
// two); the reallocations happen a few times while a stream ramps up, never in steady state, and
// a growth keeps every stored packet. Records that are unreachable (index slot reused by a newer
// seq) or too old are overwritten without growing. Time is injected (ms); no allocation on insert
// or find except those doublings.
//
// Records are written with non-temporal stores (x86-64): most are never read again, so writing
// one neither reads its lines from memory first nor evicts the forwarding state from the cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace rtp::stream {

struct PacketStoreConfig {
  size_t slots = 1024;               // index entries, rounded up to a power of two, ≤ 32768
  size_t initial_bytes = 32 * 1024;  // arena at construction (power of two)
  size_t max_bytes = 1024 * 1024;    // growth cap
  size_t max_packet_size = 1500;     // larger packets are not stored
  int64_t max_age_ms = 1000;         // older packets are not returned
};

enum class PacketStoreResult : uint8_t {
  kStored,
  kDuplicate,  // this seq is already stored (e.g. the sender's retransmission of a packet we had)
  kStale,      // the slot holds a newer seq that is still valid: the packet is too old to keep
  kTooLarge,   // empty or larger than max_packet_size
};

class PacketStore {
 public:
  explicit PacketStore(const PacketStoreConfig& config = {});

  PacketStoreResult insert(uint16_t seq, std::span<const uint8_t> packet, int64_t now_ms);
  // Starts loading what insert(seq, ...) reads first: seq's index slot and the oldest record,
  // which making room looks at. A hint only: nothing changes.
  void prefetchInsert(uint16_t seq) const {
    __builtin_prefetch(&index_[seq & mask_]);
    __builtin_prefetch(arena_.get() + (tail_ & (capacity_ - 1)));
  }

  // The packet stored for seq, when still intact and younger than max age. Valid until the next
  // insert.
  std::optional<std::span<const uint8_t>> find(uint16_t seq, int64_t now_ms) const;

  size_t slotCount() const { return index_.size(); }
  size_t arenaBytes() const { return capacity_; }
  // Bytes between the oldest intact record and the write position (headers and padding included).
  size_t usedBytes() const { return static_cast<size_t>(head_ - tail_); }
  size_t memoryBytes() const { return capacity_ + index_.size() * sizeof(Slot); }
  uint64_t growths() const { return growths_; }

 private:
  static constexpr size_t kHeader = 8;
  static constexpr uint64_t kNoPosition = UINT64_MAX;

  struct Slot {
    uint64_t position = kNoPosition;
    int64_t stored_ms = 0;
  };
  struct Record {
    uint16_t seq;
    uint16_t size;  // 0: skip record
    uint32_t length;
  };

  Record recordAt(uint64_t position) const;
  // The slot's packet when intact, for seq, and not older than max age; nullptr otherwise.
  const Slot* liveSlot(uint16_t seq, int64_t now_ms) const;
  // Drops records starting before `limit`; false (nothing more dropped) when the next one is
  // still answerable and the arena may grow instead.
  bool makeRoom(uint64_t limit, int64_t now_ms);
  void grow();
  void writeHeader(uint64_t position, uint16_t seq, uint16_t size, uint32_t length);

  size_t max_bytes_;
  size_t max_packet_size_;
  int64_t max_age_ms_;
  size_t mask_;
  std::vector<Slot> index_;
  std::unique_ptr<uint8_t[]> arena_;
  size_t capacity_;
  uint64_t tail_ = 0;  // oldest intact record
  uint64_t head_ = 0;  // next write position
  uint64_t growths_ = 0;
};

}  // namespace rtp::stream
