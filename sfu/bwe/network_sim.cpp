#include "sfu/bwe/network_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "rtp/rtcp/compound_parser.h"

namespace sfu::bwe::sim {

// ---------------------------------------------------------------------------------------------
// Link

Link::Link(const LinkConfig& config) : config_(config), rng_(config.seed) {}

double Link::uniform() {
  // 53 random bits → [0, 1): the same on every platform (std distributions are not portable).
  return static_cast<double>(rng_() >> 11) * 0x1.0p-53;
}

bool Link::send(const SimPacket& packet, int64_t now_us) {
  ++stats_.sent;
  if (config_.loss > 0 && uniform() < config_.loss) {
    ++stats_.dropped_random;
    return false;
  }
  advance(now_us);
  if (queued_bytes_ + packet.size > config_.queue_bytes) {
    ++stats_.dropped_queue;
    return false;
  }
  queue_.push_back(Queued{packet, now_us});
  queued_bytes_ += packet.size;
  advance(now_us);
  return true;
}

void Link::advance(int64_t now_us) {
  // A packet's transmission is committed when it starts, at the capacity of that moment; its
  // bytes leave the queue then.
  while (!queue_.empty()) {
    const Queued& head = queue_.front();
    const int64_t start = std::max(busy_until_us_, head.enqueue_us);
    if (start > now_us) break;
    const auto capacity = std::max<uint64_t>(config_.capacity_bps, 1);
    const auto tx_us =
        static_cast<int64_t>(static_cast<uint64_t>(head.packet.size) * 8'000'000 / capacity);
    busy_until_us_ = start + tx_us;
    flying_.push_back(Flying{head.packet, busy_until_us_ + config_.propagation_us});
    queued_bytes_ -= head.packet.size;
    queue_.pop_front();
  }
}

int64_t Link::queueDelayUs(int64_t now_us) const {
  const auto capacity = std::max<uint64_t>(config_.capacity_bps, 1);
  const int64_t busy = std::max<int64_t>(0, busy_until_us_ - now_us);
  return busy + static_cast<int64_t>(static_cast<uint64_t>(queued_bytes_) * 8'000'000 / capacity);
}

// ---------------------------------------------------------------------------------------------
// Result helpers

size_t SimResult::switchesBetween(int64_t from_us, int64_t to_us) const {
  return static_cast<size_t>(
      std::count_if(switches.begin(), switches.end(),
                    [&](const SwitchEvent& e) { return e.t_us >= from_us && e.t_us < to_us; }));
}

double SimResult::utilisation(int64_t from_us, int64_t to_us) const {
  double delivered = 0, capacity = 0;
  for (const auto& s : samples) {
    if (s.t_us < from_us || s.t_us >= to_us) continue;
    delivered += static_cast<double>(s.delivered_bps);
    capacity += static_cast<double>(s.capacity_bps);
  }
  return capacity > 0 ? delivered / capacity : 0;
}

int64_t SimResult::maxQueueDelayUs(int64_t from_us, int64_t to_us) const {
  int64_t m = 0;
  for (const auto& s : samples) {
    if (s.t_us >= from_us && s.t_us < to_us) m = std::max(m, s.queue_delay_us);
  }
  return m;
}

uint64_t SimResult::maxEstimate(int64_t from_us, int64_t to_us) const {
  uint64_t m = 0;
  for (const auto& s : samples) {
    if (s.t_us >= from_us && s.t_us < to_us) m = std::max(m, s.estimate_bps);
  }
  return m;
}

double SimResult::meanDeliveredBps(int64_t from_us, int64_t to_us) const {
  double sum = 0;
  size_t n = 0;
  for (const auto& s : samples) {
    if (s.t_us < from_us || s.t_us >= to_us) continue;
    sum += static_cast<double>(s.delivered_bps);
    ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : 0;
}

std::string describe(const Sample& s) {
  std::string layers;
  for (int l : s.layers) layers += fmt::format("{} ", l);
  return fmt::format("t={:.1f}s cap={}k est={}k alloc={}k dlv={}k q={}ms layers=[{}]",
                     static_cast<double>(s.t_us) / 1e6, s.capacity_bps / 1000,
                     s.estimate_bps / 1000, s.allocated_bps / 1000, s.delivered_bps / 1000,
                     s.queue_delay_us / 1000, layers);
}

// ---------------------------------------------------------------------------------------------
// The closed loop

namespace {

constexpr int64_t kAudioIntervalUs = 20'000;
constexpr int64_t kReceiverClockOffsetUs = 7'777'000'000;  // the receiver's clock is its own

class Simulation {
 public:
  explicit Simulation(const SimConfig& config)
      : config_(config),
        link_(config.link),
        bwe_(config.bwe),
        allocator_(config.allocator),
        recorder_(rtp::stream::TwccRecorderConfig{.sender_ssrc = 0x5EC0,
                                                  .media_ssrc = 0x5EC1,
                                                  .interval_us = config.feedback_interval_us}),
        rng_(config.link.seed * 7919 + 1) {
    for (const auto& s : config_.streams) {
      sources_.push_back(Source{s, 0, -1});
      allocator_.addStream(s.id, s.kind);
      allocator_.setLayerBitrates(s.id, s.layer_bps);
      allocator_.setMaxLayer(s.id, s.max_layer);
    }
    bwe_.setRtt(2 * config_.link.propagation_us);
  }

  SimResult run() {
    size_t next_step = 0;
    int64_t next_sample = config_.sample_us;
    int64_t next_allocate = 0;
    uint64_t last_delivered = 0;
    for (int64_t now = 0; now <= config_.duration_us; now += config_.step_us) {
      clock_.setUs(now);
      while (next_step < config_.schedule.size() && config_.schedule[next_step].at_us <= now) {
        link_.advance(config_.schedule[next_step].at_us);
        link_.setCapacity(config_.schedule[next_step].capacity_bps);
        ++next_step;
      }
      if (now >= next_allocate) {
        allocate(now);
        next_allocate = now + config_.allocate_interval_us;
      }
      sendMedia(now);
      sendProbes(now);
      link_.deliver(now, [this](const SimPacket& p, int64_t arrival_us) {
        recorder_.onPacket(p.seq, arrival_us + kReceiverClockOffsetUs);
      });
      if (recorder_.due(now + kReceiverClockOffsetUs)) {
        std::array<uint8_t, 1500> buf{};
        const size_t n = recorder_.buildFeedback(now + kReceiverClockOffsetUs, buf);
        if (n > 0) {
          feedback_.push_back(Feedback{
              now + config_.link.propagation_us,
              std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n))});
        }
      }
      while (!feedback_.empty() && feedback_.front().at_us <= now) {
        onFeedback(feedback_.front().bytes, now);
        feedback_.pop_front();
      }
      if (now >= next_sample) {
        const uint64_t delivered = link_.stats().delivered_bytes;
        Sample s;
        s.t_us = now;
        s.capacity_bps = link_.capacity();
        s.estimate_bps = bwe_.estimate();
        s.allocated_bps = allocator_.allocatedBps();
        s.delivered_bps =
            (delivered - last_delivered) * 8'000'000 / static_cast<uint64_t>(config_.sample_us);
        s.queue_delay_us = link_.queueDelayUs(now);
        for (const auto& src : sources_) s.layers.push_back(src.layer);
        result_.samples.push_back(std::move(s));
        last_delivered = delivered;
        next_sample += config_.sample_us;
      }
    }
    result_.link = link_.stats();
    result_.bwe = bwe_.stats();
    return std::move(result_);
  }

 private:
  struct Source {
    SimStream config;
    int64_t next_us;
    int layer;
  };
  struct Feedback {
    int64_t at_us;
    std::vector<uint8_t> bytes;
  };

  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

  void sendPacket(size_t size, int64_t at_us, int cluster = kNoCluster) {
    const uint16_t seq = bwe_.onPacketSent(size, at_us, cluster);
    link_.send(SimPacket{seq, static_cast<uint32_t>(size), at_us}, at_us);
  }

  void sendMedia(int64_t now) {
    for (auto& src : sources_) {
      const bool audio = src.config.kind == StreamKind::kAudio;
      const int64_t interval = audio ? kAudioIntervalUs : 1'000'000 / std::max(config_.fps, 1);
      while (src.next_us <= now) {
        const int64_t at = src.next_us;
        src.next_us += interval;
        if (src.layer < 0 || static_cast<size_t>(src.layer) >= src.config.layer_bps.size())
          continue;
        const uint64_t bps = src.config.layer_bps[static_cast<size_t>(src.layer)];
        double bytes = static_cast<double>(bps) * static_cast<double>(interval) / 8e6;
        if (!audio) bytes *= 1 + config_.frame_size_jitter * (2 * uniform() - 1);
        auto left = static_cast<size_t>(std::max(bytes, 1.0));
        // One frame: packets of at most max_packet, forwarded back to back.
        const size_t packets = (left + config_.max_packet - 1) / config_.max_packet;
        for (size_t i = 0; i < packets; ++i) {
          const size_t size = (left + (packets - i) - 1) / (packets - i);
          left -= size;
          sendPacket(size, at);
        }
      }
    }
  }

  void sendProbes(int64_t now) {
    ProbePacket p;
    while (bwe_.pollProbe(now, p)) {
      sendPacket(p.size, now, p.cluster);
      result_.padding_bytes += p.size;
    }
  }

  void onFeedback(const std::vector<uint8_t>& bytes, int64_t now) {
    rtp::rtcp::CompoundParser parser(bytes, rtp::rtcp::PaddingPolicy::kAnyPacket);
    while (!parser.done()) {
      auto packet = parser.next();
      if (!packet) break;
      if (rtp::rtcp::classify(*packet) != rtp::rtcp::PacketKind::kTwcc) continue;
      auto view = rtp::rtcp::TwccView::parse(*packet);
      if (view) bwe_.onTwccFeedback(*view, now);
    }
    // Down immediately when congestion lowered the estimate.
    if (bwe_.version() != seen_version_) allocate(now);
  }

  void allocate(int64_t now) {
    seen_version_ = bwe_.version();
    if (auto r = bwe_.takeProbeResult(now)) {
      allocator_.onProbeResult(r->success(), r->measured_bps, now);
      result_.probes.push_back(ProbeEvent{now, *r});
    }
    const bool congestion = bwe_.congestionVersion() != seen_congestion_;
    seen_congestion_ = bwe_.congestionVersion();
    for (const auto& a : allocator_.allocate(bwe_.estimate(), now, congestion)) {
      for (auto& src : sources_) {
        if (src.config.id != a.id) continue;
        if (a.changed && a.layer != src.layer) {
          result_.switches.push_back(SwitchEvent{now, a.id, src.layer, a.layer, a.reason});
        }
        src.layer = a.layer;
      }
    }
    if (auto wish = allocator_.probeWish())
      bwe_.requestProbe(wish->target_bps, wish->success_bps, now);
  }

  SimConfig config_;
  worker::ManualClock clock_;
  Link link_;
  BandwidthEstimator bwe_;
  Allocator allocator_;
  rtp::stream::TwccRecorder recorder_;
  std::mt19937_64 rng_;
  std::vector<Source> sources_;
  std::deque<Feedback> feedback_;
  uint64_t seen_version_ = 0;
  uint64_t seen_congestion_ = 0;
  SimResult result_;
};

}  // namespace

SimResult runSimulation(const SimConfig& config) { return Simulation(config).run(); }

}  // namespace sfu::bwe::sim
