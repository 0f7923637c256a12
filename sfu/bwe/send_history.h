// Send side of transport-wide congestion control for one subscriber transport
// (draft-holmer-rmcat-transport-wide-cc-extensions-01): numbers every outgoing RTP packet with the
// next transport-wide sequence number (the caller writes it into the packet's transport-cc header
// extension, §2), remembers (send time, size, probe cluster) per number in a ring allocated at
// construction, and turns the receiver's feedback (§3.1) into per-packet results: when it was sent,
// when it arrived (receiver clock), or that it was reported lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rtp/rtcp/twcc.h"

namespace sfu::bwe {

inline constexpr int kNoCluster = -1;

struct PacketResult {
  static constexpr int64_t kNotReceived = -1;

  int64_t seq = 0;                    // unwrapped transport-wide sequence number
  int64_t send_us = 0;                // our clock
  int64_t arrival_us = kNotReceived;  // receiver clock (only differences are meaningful)
  uint32_t size = 0;                  // bytes on the wire as counted by the caller
  int32_t cluster = kNoCluster;       // probe cluster id, kNoCluster for media

  bool received() const { return arrival_us != kNotReceived; }
};

class SendHistory {
 public:
  struct Stats {
    uint64_t packets_sent = 0;
    uint64_t bytes_sent = 0;
    uint64_t feedbacks = 0;
    uint64_t reported_received = 0;
    uint64_t reported_lost = 0;
    uint64_t unknown_seq = 0;  // feedback for numbers never sent or already overwritten
    uint64_t duplicates = 0;   // a number reported received twice
    uint64_t malformed = 0;    // feedback whose status walk failed part-way
  };

  // `capacity` packets are remembered (rounded up to a power of two, at least 64). 2048 is over a
  // second of what a subscriber of 7 full-rate cameras receives (~1300 packets/s), and feedback
  // comes every 50-100 ms; each entry costs 32 bytes per subscriber, so no more than that. The
  // ring is allocated on the first onPacketSent.
  explicit SendHistory(size_t capacity = 2048);

  // Assigns the next transport-wide sequence number (16 bits on the wire) to a packet sent now.
  uint16_t onPacketSent(int64_t send_us, size_t size, int cluster = kNoCluster);
  // Unwrapped number of the last packet sent (-1 before the first).
  int64_t lastSeq() const { return next_seq_ - 1; }

  // Matches a feedback packet against the history, calling on_result(const PacketResult&) for
  // each packet's first report (received, or lost); a packet reported lost and later received
  // yields a second, received, result. Arrival times are on an unwrapped receiver clock built from
  // the 24-bit reference time (§3.1: 64 ms units, wrapping). No allocation.
  template <typename F>
  void onFeedback(const rtp::rtcp::TwccView& feedback, F&& on_result) {
    beginFeedback(feedback);
    auto cursor = feedback.cursor();
    rtp::rtcp::TwccPacketStatus status;
    PacketResult result;
    while (cursor.next(status)) {
      if (match(status, result)) on_result(static_cast<const PacketResult&>(result));
    }
    if (cursor.error() != rtp::rtcp::ParseError::kCount) ++stats_.malformed;
  }
  // Same, into `out`; returns the count written (results beyond out.size() are dropped).
  size_t onFeedback(const rtp::rtcp::TwccView& feedback, std::span<PacketResult> out);

  // Bytes sent within the last `window_us` up to the last packet, from the history (≤ capacity).
  // Sending rate in bps over that window; 0 before anything was sent.
  uint64_t sendRateBps(int64_t now_us, int64_t window_us = 500'000) const;
  // Bytes sent but not yet reported (received or lost).
  uint64_t bytesInFlight() const { return in_flight_bytes_; }

  const Stats& stats() const { return stats_; }

 private:
  enum class State : uint8_t { kEmpty, kSent, kLost, kReceived };
  struct Entry {
    int64_t seq = -1;
    int64_t send_us = 0;
    uint32_t size = 0;
    int32_t cluster = kNoCluster;
    State state = State::kEmpty;
  };

  void beginFeedback(const rtp::rtcp::TwccView& feedback);
  bool match(const rtp::rtcp::TwccPacketStatus& status, PacketResult& out);

  Entry& slot(int64_t seq) { return ring_[static_cast<size_t>(seq) & mask_]; }
  const Entry& slot(int64_t seq) const { return ring_[static_cast<size_t>(seq) & mask_]; }

  size_t mask_;
  std::vector<Entry> ring_;
  int64_t next_seq_ = 0;
  uint64_t in_flight_bytes_ = 0;
  // Receiver clock: the reference time of the last feedback, unwrapped, in µs.
  bool have_reference_ = false;
  uint32_t last_reference_ = 0;
  int64_t reference_us_ = 0;
  Stats stats_;
};

}  // namespace sfu::bwe
