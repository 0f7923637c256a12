// Builds one transport-wide CC feedback packet (wire layout in twcc.h) from arrivals, choosing
// chunk encodings compactly as packets are added. Storage is inline: no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace rtp::rtcp {

class TwccBuilder {
 public:
  static constexpr size_t kMaxSize = 1500;  // one feedback packet never exceeds an MTU
  static constexpr int64_t kNotReceived = std::numeric_limits<int64_t>::min();

  TwccBuilder() = default;

  // Starts a new packet. `reference_time_us` is floored to 64 ms and written modulo 2^24; pass
  // the arrival time of the first received packet. `max_size` is capped at kMaxSize.
  void reset(uint32_t sender_ssrc, uint32_t media_ssrc, uint16_t base_seq,
             int64_t reference_time_us, uint8_t fb_pkt_count, size_t max_size = kMaxSize);

  // Appends the status of `seq` (arrival in µs on the same clock as the reference time, or
  // kNotReceived). Seqs must come in increasing RTP order starting at the base; skipped seqs are
  // reported not received. False, with the packet unchanged, when the status does not fit in
  // max_size, the delta does not fit 16 bits (more than ~8.2 s from the previous arrival), or
  // seq is not after the last one added: then write this packet and start the next one at seq.
  bool add(uint16_t seq, int64_t arrival_us);

  bool empty() const { return status_count_ == 0; }
  uint16_t statusCount() const { return status_count_; }
  uint16_t baseSeq() const { return base_seq_; }
  uint8_t fbPktCount() const { return fb_pkt_count_; }
  uint32_t referenceTime() const { return reference_time_; }

  // Encoded size including the RTCP header and zero padding to 32 bits; 0 when empty.
  size_t size() const;
  void write(uint8_t* out) const;

 private:
  static constexpr size_t kMaxChunks = (kMaxSize - 20) / 2;
  static constexpr size_t kMaxDeltaBytes = kMaxSize - 20 - 2;
  static constexpr size_t kVectorSymbols = 14;

  // Symbols not yet committed to a chunk. While all equal they may grow into a run of up to
  // 8191; otherwise at most 14 (1-bit vector) or 7 (any 2-bit symbol).
  struct Pending {
    std::array<uint8_t, kVectorSymbols> symbols{};
    uint16_t size = 0;
    bool all_same = true;
    bool has_large = false;
  };
  struct State {
    Pending pending;
    size_t chunk_count;
    size_t delta_size;
    int64_t last_ticks;
    uint16_t status_count;
    uint16_t next_seq;
    bool overflow;
  };

  bool canTake(uint8_t symbol) const;
  void push(uint8_t symbol);
  void pushNotReceived(uint32_t count);
  void emitOne();  // commits the head of pending_ as one chunk
  void appendChunk(uint16_t chunk);
  static uint16_t encodeFinal(const Pending& pending);
  State save() const;
  void restore(const State& state);

  uint32_t sender_ssrc_ = 0;
  uint32_t media_ssrc_ = 0;
  uint16_t base_seq_ = 0;
  uint32_t reference_time_ = 0;
  uint8_t fb_pkt_count_ = 0;
  size_t max_size_ = kMaxSize;

  Pending pending_;
  std::array<uint16_t, kMaxChunks> chunks_{};
  size_t chunk_count_ = 0;
  std::array<uint8_t, kMaxDeltaBytes> deltas_{};
  size_t delta_size_ = 0;
  int64_t last_ticks_ = 0;
  uint16_t status_count_ = 0;
  uint16_t next_seq_ = 0;
  bool overflow_ = false;
};

}  // namespace rtp::rtcp
