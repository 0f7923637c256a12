// Receiver-side loss tracking (RFC 4585 §6.2.1 generic NACK): notes the sequence numbers missing
// from an incoming RTP stream and, on each tick, lists those due for a (re)request. The resend
// interval follows the RTT; a seq is given up after max_retries or max_age; when too much is
// missing the list is cleared and a keyframe is requested instead. Time is injected (ms).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rtp/common/seq.h"

namespace rtp::stream {

struct NackGeneratorConfig {
  size_t max_missing = 500;      // more missing than this at once: clear and ask for a keyframe
  uint32_t max_jump = 1000;      // a forward jump skipping more seqs than this: same
  uint32_t max_retries = 10;     // requests per seq before giving up
  int64_t max_age_ms = 1000;     // give up on a seq missing for longer than this
  int64_t initial_delay_ms = 0;  // wait before the first request (absorbs reordering)
  int64_t min_resend_interval_ms = 5;  // floor of the RTT-based resend interval
  int64_t default_rtt_ms = 100;        // used while no RTT is known (rtt_ms <= 0)
};

class NackGenerator {
 public:
  enum class PacketEvent : uint8_t {
    kFirst,      // first packet of the stream
    kInOrder,    // the next expected seq
    kGap,        // newer than expected: the skipped seqs are now missing
    kRecovered,  // a missing seq arrived (retransmission or reordering)
    kOld,        // older than the highest and not missing: duplicate or given up
    kKeyframe,   // too much missing: list cleared, keyframe request raised
  };

  // Reserves all storage up front; no allocation afterwards.
  explicit NackGenerator(const NackGeneratorConfig& config = {});

  PacketEvent onPacket(uint16_t seq, int64_t now_ms);

  // Writes the seqs due for a request now (oldest first, at most out.size()) and returns how
  // many. Drops seqs past max_retries or max_age first. Pack them with rtcp::packNackItems.
  size_t onTick(int64_t now_ms, int64_t rtt_ms, std::span<uint16_t> out);

  // True once after the generator gave up on recovery; the caller sends PLI/FIR.
  bool takeKeyframeRequest();

  size_t missingCount() const { return missing_.size(); }
  void reset();

  struct Stats {
    uint64_t requested = 0;  // seqs written by onTick (resends included)
    uint64_t recovered = 0;
    uint64_t given_up = 0;
    uint64_t keyframe_requests = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Missing {
    int64_t seq;  // unwrapped
    int64_t since_ms;
    int64_t last_sent_ms;
    uint32_t retries;
  };

  void requestKeyframe();

  static constexpr size_t kInitialMissing = 64;

  NackGeneratorConfig config_;
  SeqUnwrapper unwrapper_;
  bool started_ = false;
  int64_t highest_ = 0;
  std::vector<Missing> missing_;  // ascending seq, capacity max_missing
  bool keyframe_requested_ = false;
  Stats stats_;
};

}  // namespace rtp::stream
