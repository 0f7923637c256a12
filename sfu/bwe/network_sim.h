// Deterministic closed-loop simulation of one subscriber's downlink, for tests and benches:
//
//   layered sources ──► Allocator (layers) ──► BandwidthEstimator.onPacketSent ──► Link ──┐
//         ▲                   ▲    probe wish ──► ProbeController padding ──────────────┘ │
//         │                   └──── estimate ◄── onTwccFeedback ◄── TwccRecorder ◄─────────┘
//
// The link is a bottleneck with a capacity that can change over time, a drop-tail queue (bytes),
// a propagation delay, and random loss drawn from a seeded generator. Time is a ManualClock
// advanced in fixed steps; everything is reproducible from the seed. Runs ~100x faster than real
// time, so a 2-minute scenario takes well under a second.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "rtp/stream/twcc_recorder.h"
#include "sfu/bwe/allocator.h"
#include "sfu/bwe/bandwidth_estimator.h"
#include "sfu/worker/clock.h"

namespace sfu::bwe::sim {

struct SimPacket {
  uint16_t seq = 0;  // transport-wide
  uint32_t size = 0;
  int64_t send_us = 0;
};

struct LinkConfig {
  uint64_t capacity_bps = 2'500'000;
  size_t queue_bytes = 64'000;      // drop-tail limit
  int64_t propagation_us = 25'000;  // one way
  double loss = 0;                  // random loss probability before the queue
  uint64_t seed = 1;
};

class Link {
 public:
  struct Stats {
    uint64_t sent = 0;
    uint64_t delivered = 0;
    uint64_t delivered_bytes = 0;
    uint64_t dropped_queue = 0;
    uint64_t dropped_random = 0;
  };

  explicit Link(const LinkConfig& config);

  // Applies to packets whose transmission starts after this call (advance() to now first).
  void setCapacity(uint64_t bps) { config_.capacity_bps = bps; }
  void setLoss(double loss) { config_.loss = loss; }
  uint64_t capacity() const { return config_.capacity_bps; }

  // Offers a packet at now_us; false when it was dropped (random loss or queue full).
  bool send(const SimPacket& packet, int64_t now_us);
  // Moves the transmitter forward to now_us, then hands over every packet that has arrived.
  template <typename F>
  void deliver(int64_t now_us, F&& on_arrival) {
    advance(now_us);
    while (!flying_.empty() && flying_.front().arrival_us <= now_us) {
      const Flying f = flying_.front();
      flying_.pop_front();
      ++stats_.delivered;
      stats_.delivered_bytes += f.packet.size;
      on_arrival(f.packet, f.arrival_us);
    }
  }
  void advance(int64_t now_us);
  // Queueing delay a packet offered now would see.
  int64_t queueDelayUs(int64_t now_us) const;
  size_t queuedBytes() const { return queued_bytes_; }
  const Stats& stats() const { return stats_; }

 private:
  struct Queued {
    SimPacket packet;
    int64_t enqueue_us;
  };
  struct Flying {
    SimPacket packet;
    int64_t arrival_us;
  };

  double uniform();

  LinkConfig config_;
  std::mt19937_64 rng_;
  std::deque<Queued> queue_;
  std::deque<Flying> flying_;
  size_t queued_bytes_ = 0;
  int64_t busy_until_us_ = 0;
  Stats stats_;
};

struct SimStream {
  uint32_t id = 0;
  StreamKind kind = StreamKind::kVideo;
  std::vector<uint64_t> layer_bps;  // audio: one entry
  int max_layer = -1;
};

struct CapacityStep {
  int64_t at_us = 0;
  uint64_t capacity_bps = 0;
};

struct SimConfig {
  std::vector<SimStream> streams;
  LinkConfig link;
  std::vector<CapacityStep> schedule;  // capacity changes (the link config is the start value)
  int64_t duration_us = 60'000'000;
  int64_t step_us = 250;
  int64_t sample_us = 100'000;  // time series resolution
  int64_t feedback_interval_us = 100'000;
  int64_t allocate_interval_us = 100'000;
  double frame_size_jitter = 0.2;  // video frame sizes vary ±20%
  int fps = 30;
  size_t max_packet = 1200;
  BandwidthEstimatorConfig bwe;
  AllocatorConfig allocator;
};

struct Sample {
  int64_t t_us = 0;
  uint64_t capacity_bps = 0;
  uint64_t estimate_bps = 0;
  uint64_t allocated_bps = 0;
  uint64_t delivered_bps = 0;  // over the sample interval
  int64_t queue_delay_us = 0;
  std::vector<int> layers;  // per SimConfig::streams entry
};

struct SwitchEvent {
  int64_t t_us = 0;
  uint32_t stream = 0;
  int from = -1;
  int to = -1;
  SwitchReason reason = SwitchReason::kNone;
};

struct ProbeEvent {
  int64_t t_us = 0;
  ProbeResult result;
};

struct SimResult {
  std::vector<Sample> samples;
  std::vector<SwitchEvent> switches;
  std::vector<ProbeEvent> probes;
  Link::Stats link;
  BweStats bwe;
  uint64_t padding_bytes = 0;

  // Helpers over the series, for assertions and reports.
  // First sample time >= from_us where pred(sample) holds; -1 when never.
  template <typename P>
  int64_t firstTime(int64_t from_us, P&& pred) const {
    for (const auto& s : samples) {
      if (s.t_us >= from_us && pred(s)) return s.t_us;
    }
    return -1;
  }
  size_t switchesBetween(int64_t from_us, int64_t to_us) const;
  // Delivered bytes over capacity in [from, to).
  double utilisation(int64_t from_us, int64_t to_us) const;
  int64_t maxQueueDelayUs(int64_t from_us, int64_t to_us) const;
  uint64_t maxEstimate(int64_t from_us, int64_t to_us) const;
  double meanDeliveredBps(int64_t from_us, int64_t to_us) const;
};

// Runs the scenario to its end.
SimResult runSimulation(const SimConfig& config);

// Readable one-line summary of a sample (debug output).
std::string describe(const Sample& s);

}  // namespace sfu::bwe::sim
