// Sender-side store of recently sent RTP packets for answering NACKs (RFC 4585 §6.2.1, RFC 4588).
// A ring indexed by sequence number, bounded by count and age, with all packet storage allocated
// at construction. Each slot remembers when it was last resent so a packet goes out at most once
// per RTT however many NACKs ask for it. Time is injected (ms).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace rtp::stream {

class RetransmissionBuffer {
 public:
  // `capacity` packets (rounded up to a power of two, at most 32768, so a seq always maps to the
  // same slot across the 16-bit wrap), each up to `max_packet_size` bytes, kept `max_age_ms`.
  RetransmissionBuffer(size_t capacity, size_t max_packet_size, int64_t max_age_ms);

  // Copies a sent packet in, replacing whatever the slot held. False when it is too large.
  bool insert(uint16_t seq, std::span<const uint8_t> packet, int64_t now_ms);

  // The stored packet for seq if present and younger than max_age (no side effect).
  std::optional<std::span<const uint8_t>> find(uint16_t seq, int64_t now_ms) const;

  // For a NACKed seq: the packet, unless absent, too old, or already resent less than rtt_ms
  // ago. Marks it resent at now_ms.
  std::optional<std::span<const uint8_t>> takeForResend(uint16_t seq, int64_t now_ms,
                                                        int64_t rtt_ms);

  void clear();
  size_t capacity() const { return slots_.size(); }
  size_t maxPacketSize() const { return max_packet_size_; }

 private:
  struct Slot {
    bool used = false;
    uint16_t seq = 0;
    uint16_t size = 0;
    int64_t stored_ms = 0;
    int64_t resent_ms = 0;
    bool resent = false;
  };

  const Slot* lookup(uint16_t seq, int64_t now_ms) const;
  uint8_t* data(size_t index) { return storage_.data() + index * max_packet_size_; }
  const uint8_t* data(size_t index) const { return storage_.data() + index * max_packet_size_; }

  size_t max_packet_size_;
  int64_t max_age_ms_;
  size_t mask_;
  std::vector<Slot> slots_;
  std::vector<uint8_t> storage_;
};

}  // namespace rtp::stream
