// Per outgoing stream: what was sent under each outgoing sequence number, so that a NACKed packet
// (RFC 4585 §6.2.1) can be rebuilt from the shared PacketStore of its source (packet_store.h)
// instead of each outgoing stream keeping a copy of every packet it sent. An entry holds what the
// per-receiver rewrite produced (source layer and seq, outgoing timestamp, payload type, VP8
// picture id / TL0PICIDX) and when the packet went out and was last resent: a packet is resent at
// most once per RTT however many NACKs ask for it. 24 bytes per entry, allocated at construction.
//
// Times are kept as the low 32 bits of the injected ms clock; the age test is exact for ages under
// ~24 days, far beyond max_age.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace rtp::stream {

// One packet as it was sent.
struct SentPacket {
  uint16_t seq = 0;         // outgoing
  uint16_t source_seq = 0;  // the sender's, the key into its PacketStore
  uint8_t source = 0;       // which source stream (simulcast layer) it came from
  uint32_t timestamp = 0;   // outgoing
  uint8_t payload_type = 0;
  bool has_picture_id = false;  // VP8 descriptor fields as written
  uint16_t picture_id = 0;
  bool has_tl0_pic_idx = false;
  uint8_t tl0_pic_idx = 0;
};

class SentPacketLog {
 public:
  // `capacity` entries (rounded up to a power of two, at most 32768, so a seq always maps to the
  // same entry across the 16-bit wrap), each answerable for `max_age_ms`.
  SentPacketLog(size_t capacity, int64_t max_age_ms);

  void record(const SentPacket& packet, int64_t now_ms);

  // For a NACKed outgoing seq: what was sent, unless never recorded (or overwritten by a later
  // seq), older than max age, or already resent less than rtt_ms ago. Marks it resent at now_ms.
  std::optional<SentPacket> takeForResend(uint16_t seq, int64_t now_ms, int64_t rtt_ms);

  void clear();
  size_t capacity() const { return size_t{mask_} + 1; }
  // Starts loading the entry `seq` maps to, for writing (the fan-out calls it a subscriber ahead).
  void prefetchSlot(uint16_t seq) const { __builtin_prefetch(&entries_[seq & mask_], 1); }

 private:
  static constexpr uint8_t kValid = 0x01;
  static constexpr uint8_t kResent = 0x02;
  static constexpr uint8_t kPictureId = 0x04;
  static constexpr uint8_t kTl0PicIdx = 0x08;

  struct Entry {
    uint32_t timestamp = 0;
    uint32_t sent_ms = 0;
    uint32_t resent_ms = 0;
    uint16_t seq = 0;
    uint16_t source_seq = 0;
    uint16_t picture_id = 0;
    uint8_t tl0_pic_idx = 0;
    uint8_t payload_type = 0;
    uint8_t source = 0;
    uint8_t flags = 0;
  };
  static_assert(sizeof(Entry) == 24);

  // 16 bytes, read for every packet: the owner keeps them with its other per-packet state.
  std::unique_ptr<Entry[]> entries_;
  uint32_t mask_;
  int32_t max_age_ms_;
};

}  // namespace rtp::stream
