// Bandwidth probing: before the allocator moves a subscriber up to a layer the estimate cannot
// confirm (an application-limited sender never learns more than ~1.5x what it sends, §5.5), a
// short cluster of padding packets raises the total sending rate to a target for a few tens of
// milliseconds. The TWCC results of the cluster tell what the path delivered:
//
//   send rate    = bytes sent in the cluster (all but the last)  / (last send - first send)
//   receive rate = bytes received (all but the first to arrive) / (last arrival - first arrival)
//   measured     = min(send rate, receive rate)
//
// The cluster is the transport-wide sequence range from its first to its last padding packet, so
// media packets forwarded in between count too (an SFU forwards media unpaced; the link sees the
// sum). The padding itself is paced at the target rate. A probe succeeds when the measured rate
// reaches the caller's success threshold. After a failure the next probe waits (2 s, doubling to 5
// s) so a saturated link is not probed constantly; a success allows the next one after the minimum
// gap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "sfu/bwe/send_history.h"

namespace sfu::bwe {

struct ProbeConfig {
  size_t packet_size = 1000;  // padding bytes per probe packet (smaller at low padding rates)
  size_t min_packet_size = 200;
  int64_t duration_us = 40'000;  // cluster length at the padding rate
  size_t min_packets = 5;
  size_t max_packets = 40;
  int64_t min_gap_us = 1'000'000;    // between probes
  int64_t min_retry_us = 2'000'000;  // after a failure; doubles up to max_retry_us
  int64_t max_retry_us = 5'000'000;
  int64_t result_timeout_us = 1'500'000;  // from the last probe packet sent
  double min_received_fraction = 0.8;
};

struct ProbePacket {
  int cluster = kNoCluster;
  size_t size = 0;  // padding bytes to send
};

struct ProbeResult {
  enum class Outcome : uint8_t { kSuccess, kTooSlow, kLost, kTimeout };
  int cluster = kNoCluster;
  uint64_t target_bps = 0;
  uint64_t success_bps = 0;
  uint64_t measured_bps = 0;
  uint64_t send_bps = 0;
  uint64_t receive_bps = 0;
  uint32_t packets = 0;  // reported in the cluster's range (media included)
  Outcome outcome = Outcome::kTimeout;
  bool success() const { return outcome == Outcome::kSuccess; }
};
const char* toString(ProbeResult::Outcome outcome);

class ProbeController {
 public:
  struct Stats {
    uint64_t started = 0;
    uint64_t succeeded = 0;
    uint64_t failed = 0;
    uint64_t refused = 0;  // requests refused (busy, backoff, not needed)
    uint64_t packets = 0;
    uint64_t bytes = 0;
    std::array<uint64_t, 4> outcomes{};  // by ProbeResult::Outcome
  };

  explicit ProbeController(const ProbeConfig& config = {});

  // Starts a cluster of padding paced at `target_bps` for ~duration (media forwarded meanwhile
  // adds on top). False when a probe is running or waiting for its result, within the
  // gap/backoff, or when media alone (`media_bps`) already reaches the target.
  bool request(uint64_t target_bps, uint64_t success_bps, uint64_t media_bps, int64_t now_us);
  bool busy() const { return phase_ != Phase::kIdle; }
  // When the next request may start (now or earlier: any time).
  int64_t nextAllowedUs() const { return next_allowed_us_; }

  // Pacing: true and fills `out` when a probe packet is due at now_us; call until false.
  bool poll(int64_t now_us, ProbePacket& out);
  // Time of the next due packet; INT64_MAX when none.
  int64_t nextPacketUs() const;
  // The caller sent a probe packet of `cluster` with transport-wide seq `seq`.
  void onProbeSent(int cluster, int64_t seq, int64_t send_us);

  // Every feedback result (media and padding alike).
  void onPacketResult(const PacketResult& result);
  // After a feedback or on a timer: the finished probe's result, once.
  std::optional<ProbeResult> takeResult(int64_t now_us);

  const Stats& stats() const { return stats_; }

 private:
  enum class Phase : uint8_t { kIdle, kSending, kMeasuring };
  ProbeResult finish(ProbeResult::Outcome outcome, uint64_t send_bps, uint64_t receive_bps,
                     int64_t now_us);

  ProbeConfig config_;
  Phase phase_ = Phase::kIdle;
  int next_cluster_ = 0;
  int64_t next_allowed_us_ = INT64_MIN;
  int64_t retry_us_;
  // The running cluster.
  int cluster_ = kNoCluster;
  uint64_t target_bps_ = 0;
  uint64_t success_bps_ = 0;
  size_t packet_size_ = 0;
  size_t packets_left_ = 0;
  int64_t interval_us_ = 0;
  int64_t next_send_us_ = 0;
  int64_t last_sent_us_ = 0;
  int64_t first_seq_ = -1;
  int64_t last_seq_ = -1;
  // Measurement over [first_seq_, last_seq_].
  uint64_t reported_ = 0;
  uint64_t received_ = 0;
  uint64_t sent_bytes_ = 0;
  uint64_t received_bytes_ = 0;
  int64_t first_send_us_ = 0, last_send_us_ = 0;
  uint32_t last_send_size_ = 0;
  int64_t first_arrival_us_ = 0, last_arrival_us_ = 0;
  uint32_t first_arrival_size_ = 0;
  Stats stats_;
};

}  // namespace sfu::bwe
