// Adaptive bitrate for one subscriber: the send-side bandwidth estimator of its subscribe
// transport (sfu/bwe, draft-ietf-rmcat-gcc) and the allocator that splits the estimate across
// the DownTracks it receives.
//
//   DownTrack::forward / onNack ─► onPacketSent (transport-wide seq + send history)
//   subscribe RTCP: TWCC ──► onTwccFeedback     REMB ──► onRemb     RR loss ──► onReceiverLoss
//   layer check (100 ms) ──► allocate(): per-layer bitrates, preferences, active speaker →
//        Allocator → DownTrack::setAllocatedLayer (layer, or -1 = paused); probe wish → cluster
//   tick (20 ms) ──► sendProbes(): due padding packets (RTX padding-only, transport-cc stamped)
//
// The estimator takes control once the subscriber gave feedback (TWCC or REMB); before that, and
// when a test or operator forces a rate with Room::setAvailableBitrate, the participant keeps its
// simple per-track layer choice. Every switch is counted by reason (sfu_layer_switches_total),
// logged at debug level, and kept in a small ring that stats() shows. Worker thread only; no
// allocation per packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rtp/rtcp/twcc.h"
#include "sfu/bwe/allocator.h"
#include "sfu/bwe/bandwidth_estimator.h"
#include "sfu/bwe/bwe_metrics.h"
#include "sfu/room/room_stats.h"

namespace sfu::room {

class DownTrack;

class SubscriberBwe {
 public:
  explicit SubscriberBwe(std::string user_id);

  // --- media path ---
  // Numbers a packet of `size` bytes sent now; the caller writes the value into transport-cc.
  uint16_t onPacketSent(size_t size, int64_t now_us, int cluster = bwe::kNoCluster) {
    return estimator_.onPacketSent(size, now_us, cluster);
  }

  // --- feedback from the subscriber ---
  void onTwccFeedback(const rtp::rtcp::TwccView& feedback, int64_t now_us);
  void onRemb(uint64_t bps, int64_t now_us);
  void onReceiverLoss(uint8_t fraction_lost, int64_t now_us);
  void setRttMs(int64_t rtt_ms);

  // True once feedback arrived: the estimator then drives layer selection.
  bool active() const { return estimator_.twccActive() || estimator_.stats().rembs > 0; }

  // Layer check: allocates the estimate (capped at cap_bps when nonzero) across `downs` and
  // applies it. `speaker`: the room's active speaker (empty: none).
  void allocate(const std::vector<std::unique_ptr<DownTrack>>& downs, const std::string& speaker,
                uint64_t cap_bps, int64_t now_us);
  // Tick: sends the probe packets due before the next tick (`tick_us` ahead: the worker's timers
  // are coarser than the probe's pacing, so a cluster goes out in a few small bursts) on a
  // DownTrack able to carry padding.
  void sendProbes(const std::vector<std::unique_ptr<DownTrack>>& downs, int64_t now_us,
                  int64_t tick_us);

  uint64_t estimate() const { return estimator_.estimate(); }
  const bwe::BandwidthEstimator& estimator() const { return estimator_; }
  const bwe::Allocator& allocator() const { return allocator_; }
  // Fills `out` in place (its vectors and strings reused); `downs` name the allocator's streams.
  void fillStats(BweStatsSnapshot& out, const std::vector<std::unique_ptr<DownTrack>>& downs,
                 int64_t now_us) const;
  nlohmann::json stats(const std::vector<std::unique_ptr<DownTrack>>& downs, int64_t now_us) const;

 private:
  struct Switch {
    int64_t at_us = 0;
    uint32_t ssrc = 0;
    int from = -1;
    int to = -1;
    bwe::SwitchReason reason = bwe::SwitchReason::kNone;
    uint64_t estimate_bps = 0;
  };
  static constexpr size_t kSwitchRing = 16;

  void syncStreams(const std::vector<std::unique_ptr<DownTrack>>& downs);
  void recordSwitch(const Switch& s);

  std::string user_id_;
  bwe::BandwidthEstimator estimator_;
  bwe::Allocator allocator_;
  bwe::BweMetricsFolder metrics_;
  std::vector<uint32_t> streams_;  // allocator ids (DownTrack SSRCs) known to the allocator
  uint64_t congestion_seen_ = 0;
  std::array<Switch, kSwitchRing> switches_{};
  size_t switch_count_ = 0;
  uint64_t probes_sent_ = 0;
  uint64_t probes_unsent_ = 0;  // due probe packets no DownTrack could carry
  int64_t start_us_ = -1;
};

}  // namespace sfu::room
