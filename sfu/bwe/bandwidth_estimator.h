// Send-side bandwidth estimation for one subscriber transport: the sum of the pieces in this
// folder, as one object the transport drives and the allocator reads.
//
//   onPacketSent ──► SendHistory (transport-wide seq, send time, size, probe cluster)
//   onTwccFeedback ─► results ─┬─► DelayBasedBwe (groups → trendline → detector → AIMD)
//                              ├─► LossBasedBwe (loss windows, §6)
//                              └─► ProbeController (cluster measurement)
//   estimate = clamp(min(delay-based, loss-based, REMB cap), min, max)
//
// Without transport-cc (REMB negotiated only), the receiver's REMB is the delay-based part and RTCP
// receiver-report loss feeds the loss-based part. Every change of the estimate carries a reason.
// No allocation after construction; time is injected (µs).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/rtcp/twcc.h"
#include "sfu/bwe/delay_based.h"
#include "sfu/bwe/loss_based.h"
#include "sfu/bwe/probe_controller.h"
#include "sfu/bwe/send_history.h"

namespace sfu::bwe {

enum class EstimateReason : uint8_t {
  kInitial,
  kIncrease,  // delay-based or loss-based increase
  kOveruse,   // delay-based decrease
  kLoss,      // loss-based decrease
  kProbe,     // a probe measured more
  kRemb,      // receiver estimate (REMB mode, or a REMB cap)
  kCount,
};
const char* toString(EstimateReason reason);

struct BandwidthEstimatorConfig {
  uint64_t initial_bps = 1'000'000;
  uint64_t min_bps = 50'000;
  uint64_t max_bps = 20'000'000;
  double max_probe_ratio = 2.0;            // probe at most to this x the estimate
  int64_t probe_drain_us = 300'000;        // guard after a probe result (its queue drains)
  int64_t probe_guard_max_us = 2'000'000;  // and at most this long while overuse persists
  int64_t probe_holdoff_us = 1'000'000;    // no probe this soon after a congestion decrease
  size_t history_packets = 2048;           // see SendHistory: > 1 s of a 7-camera subscription
  DelayBasedConfig delay;
  LossBasedConfig loss;
  ProbeConfig probe;
};

struct BweStats {
  uint64_t estimate_bps = 0;
  uint64_t delay_bps = 0;
  uint64_t loss_bps = 0;
  uint64_t remb_bps = 0;   // 0: none received
  uint64_t acked_bps = 0;  // 0: unknown yet
  double loss_fraction = 0;
  EstimateReason last_reason = EstimateReason::kInitial;
  std::array<uint64_t, static_cast<size_t>(EstimateReason::kCount)> changes{};
  uint64_t feedbacks = 0;
  uint64_t rembs = 0;
  uint64_t probe_masked_decreases = 0;  // overuse caused by our own probe cluster, ignored
};

class BandwidthEstimator {
 public:
  explicit BandwidthEstimator(const BandwidthEstimatorConfig& config = {});

  // --- media path ---
  // Numbers a packet sent now (size: bytes on the wire); the caller writes the returned value into
  // the transport-cc extension. Probe padding passes its cluster id.
  uint16_t onPacketSent(size_t size, int64_t now_us, int cluster = kNoCluster);

  // --- feedback ---
  void onTwccFeedback(const rtp::rtcp::TwccView& feedback, int64_t now_us);
  // Already matched results (tests, or a caller with its own history); one feedback's worth.
  void onPacketResults(std::span<const PacketResult> results, int64_t now_us);
  // Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb): the estimate when no TWCC
  // feedback ever arrived, a cap otherwise.
  void onRemb(uint64_t bps, int64_t now_us);
  // RTCP receiver report loss (fraction lost 0..255 of RFC 3550 §6.4.1) when TWCC is absent.
  void onReceiverReportLoss(uint8_t fraction_lost, uint32_t packets, int64_t now_us);
  void setRtt(int64_t rtt_us);

  // --- probing ---
  // Asks for a probe to `target_bps` total (see ProbeController::request); media rate from the
  // send history. A target above 2x the estimate is probed in steps: this cluster goes to 2x (the
  // success threshold scaled alike) and a later request continues from the raised estimate.
  bool requestProbe(uint64_t target_bps, uint64_t success_bps, int64_t now_us);
  bool pollProbe(int64_t now_us, ProbePacket& out) { return probes_.poll(now_us, out); }
  int64_t nextProbeUs() const { return probes_.nextPacketUs(); }
  // The last finished probe, once (timeouts are checked here too).
  std::optional<ProbeResult> takeProbeResult(int64_t now_us);

  // --- output ---
  uint64_t estimate() const { return estimate_; }
  EstimateReason lastReason() const { return stats_.last_reason; }
  // Increments on every change of the estimate (cheap "did it change" check for the caller).
  uint64_t version() const { return version_; }
  // Increments on every congestion-driven decrease (overuse or loss): the allocator moves down
  // without hysteresis when it changed since its last look.
  uint64_t congestionVersion() const { return congestion_version_; }
  bool twccActive() const { return twcc_seen_; }
  uint64_t sendRateBps(int64_t now_us) const { return history_.sendRateBps(now_us); }

  const BweStats& stats() const { return stats_; }
  const SendHistory& history() const { return history_; }
  const DelayBasedBwe& delayBased() const { return delay_; }
  const LossBasedBwe& lossBased() const { return loss_; }
  const ProbeController& probes() const { return probes_; }

 private:
  void onResult(const PacketResult& result, int64_t now_us);
  void onFeedbackDone(int64_t now_us);
  void publish(int64_t now_us, EstimateReason increase_reason, EstimateReason decrease_reason);

  BandwidthEstimatorConfig config_;
  SendHistory history_;
  DelayBasedBwe delay_;
  LossBasedBwe loss_;
  ProbeController probes_;
  std::optional<ProbeResult> probe_result_;
  uint64_t estimate_;
  uint64_t remb_bps_ = 0;
  bool twcc_seen_ = false;
  uint64_t version_ = 0;
  uint64_t congestion_version_ = 0;
  int64_t last_congestion_us_ = INT64_MIN / 2;
  // While a probe runs and its queue drains, the delay-based controller's decreases are the
  // probe's own doing: they are undone (the pre-probe estimate was fine).
  bool probe_guard_ = false;
  int64_t probe_guard_until_us_ = 0;
  int64_t probe_guard_hard_until_us_ = 0;
  uint64_t pre_probe_delay_bps_ = 0;
  BweStats stats_;
};

}  // namespace sfu::bwe
