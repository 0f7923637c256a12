// Splits one subscriber's bandwidth estimate across the streams it receives, in priority order:
//
//   1. audio         always (even when the estimate is below it)
//   2. screen share  highest layer that fits
//   3. active speaker's video
//   4. other videos  in the order they were added
//
// Lowest layers first: a video stream only upgrades with what remains once every video after it
// has its lowest layer (when not all lowest layers fit, the earlier streams get theirs first), so
// a small link shows all cameras at low quality rather than one camera at high quality.
// Each video stream gets the highest layer (per-layer bitrates measured at the publisher, given
// as input) within the subscriber's max-layer preference that fits what is left; a stream whose
// lowest layer does not fit is paused, and resumed later. Hysteresis, so a steady link does not
// flap:
//   - keep: the current layer stays while bitrate x keep_ratio (0.9) fits, so small estimate
//     wobbles that are not congestion (REMB jitter, loss-based holds) do not knock it out;
//   - down: at once when a congestion signal (overuse, loss) lowered the estimate below the
//     current layer, to the highest layer that fits outright (the queue must drain);
//   - up (or resume): only after the estimate covered the new total x up_margin (1.1) for the
//     stable period (2.5 s) AND a probe confirmed that total within probe_valid; a down switch
//     forgets earlier confirmations. Where no probe confirms it, probeWish() says what to probe.
// Output: per stream the target layer (-1: paused) and why it changed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sfu::bwe {

enum class StreamKind : uint8_t { kAudio, kScreen, kVideo };

enum class SwitchReason : uint8_t {
  kNone,
  kStart,       // first allocation of the stream
  kUp,          // stable estimate and a confirmed probe
  kDown,        // the estimate dropped below the current layer
  kPaused,      // not even the lowest layer fits
  kResumed,     // the lowest layer fits again (stable + probe)
  kPreference,  // the subscriber's max layer / pause changed
  kLayerGone,   // the publisher stopped sending the layer
  kCount,
};
const char* toString(SwitchReason reason);

struct AllocatorConfig {
  double up_margin = 1.1;
  double keep_ratio = 0.9;
  int64_t stable_us = 2'500'000;
  bool require_probe = true;
  int64_t probe_valid_us = 10'000'000;
  double probe_target_ratio = 1.25;  // probe to the needed total x this
  int64_t settle_us = 1'000'000;     // no probe wish this soon after a switch (rates settle)
};

struct StreamAllocation {
  uint32_t id = 0;
  int layer = -1;  // -1: paused / nothing to send
  uint64_t bps = 0;
  SwitchReason reason = SwitchReason::kNone;  // why it last changed
  bool changed = false;                       // changed by the last allocate()
};

struct ProbeWish {
  uint64_t target_bps = 0;   // total rate to probe to
  uint64_t success_bps = 0;  // what the probe must measure to allow the switch
};

class Allocator {
 public:
  static constexpr size_t kMaxLayers = 4;

  struct Stats {
    std::array<uint64_t, static_cast<size_t>(SwitchReason::kCount)> switches{};
    uint64_t allocations = 0;
  };

  explicit Allocator(const AllocatorConfig& config = {});

  void addStream(uint32_t id, StreamKind kind);
  void removeStream(uint32_t id);
  // Measured bitrate of each layer, lowest first (0: the layer is not being received). Audio: one.
  void setLayerBitrates(uint32_t id, std::span<const uint64_t> bps);
  // Subscriber preferences: highest layer wanted (-1: any), and an explicit pause.
  void setMaxLayer(uint32_t id, int max_layer);
  void setPausedByUser(uint32_t id, bool paused);
  // The video of the active speaker (0 / unknown id: nobody).
  void setActiveSpeaker(uint32_t id);

  // A finished probe (successful ones confirm capacity for up switches).
  void onProbeResult(bool success, uint64_t measured_bps, int64_t now_us);

  // Recomputes the allocation for `estimate_bps`. `congestion`: the estimate was lowered by an
  // overuse or loss since the last call — layers that no longer fit go down at once, without the
  // keep band. Results in priority order.
  std::span<const StreamAllocation> allocate(uint64_t estimate_bps, int64_t now_us,
                                             bool congestion = false);
  std::span<const StreamAllocation> allocations() const { return out_; }
  std::optional<StreamAllocation> allocation(uint32_t id) const;
  // What to probe for the most important stream that wants more; nullopt: nothing.
  std::optional<ProbeWish> probeWish() const { return wish_; }
  uint64_t allocatedBps() const { return allocated_bps_; }
  const Stats& stats() const { return stats_; }

 private:
  struct Stream {
    uint32_t id = 0;
    StreamKind kind = StreamKind::kVideo;
    size_t order = 0;
    std::array<uint64_t, kMaxLayers> layer_bps{};
    size_t layers = 0;
    int max_layer = -1;
    bool user_paused = false;
    bool started = false;
    int layer = -1;
    SwitchReason reason = SwitchReason::kNone;
    int64_t up_since_us = -1;  // since when a higher layer fits the estimate
  };

  Stream* find(uint32_t id);
  int priority(const Stream& s) const;
  bool available(const Stream& s, int layer) const;
  int cap(const Stream& s) const;
  uint64_t floorBps(const Stream& s) const;  // its lowest wanted layer's bitrate; 0: none
  bool probeConfirms(uint64_t total_bps, int64_t now_us) const;
  void allocateVideo(Stream& s, uint64_t& budget, uint64_t used, int64_t now_us);
  void setLayer(Stream& s, int layer, SwitchReason reason);

  AllocatorConfig config_;
  std::vector<Stream> streams_;
  std::vector<Stream*> order_;    // scratch, priority order
  std::vector<uint64_t> floors_;  // scratch: floors_[i] = floors of order_[i..]
  std::vector<StreamAllocation> out_;
  size_t next_order_ = 0;
  uint32_t active_speaker_ = 0;
  uint64_t probe_ok_bps_ = 0;
  int64_t probe_ok_us_ = 0;
  std::optional<ProbeWish> wish_;
  uint64_t allocated_bps_ = 0;
  int64_t last_switch_us_ = INT64_MIN / 2;
  bool last_changed_ = false;
  double keep_ratio_ = 0.9;  // this allocation's: config keep_ratio, or 1 under congestion
  Stats stats_;
};

}  // namespace sfu::bwe
