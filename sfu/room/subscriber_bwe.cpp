#include "sfu/room/subscriber_bwe.h"

#include <algorithm>

#include "sfu/common/log.h"
#include "sfu/room/down_track.h"
#include "sfu/room/participant.h"
#include "sfu/room/published_track.h"

namespace sfu::room {

namespace {

bwe::BandwidthEstimatorConfig estimatorConfig() {
  bwe::BandwidthEstimatorConfig c;
  // Probe padding rides in padding-only RTX packets (RFC 3550 §5.1: the count octet limits the
  // padding to 255 bytes), so clusters use small packets and more of them.
  c.probe.packet_size = 240;
  c.probe.min_packet_size = 60;
  c.probe.max_packets = 60;
  // Paced by the room's 20 ms tick: a cluster of 100 ms spans several ticks, so its send and
  // receive spans measure rates, not one burst.
  c.probe.duration_us = 100'000;
  return c;
}

const char* kindName(const PublishedTrack& t) {
  if (t.isAudio()) return "audio";
  return t.source() == Source::kScreen ? "screen" : "video";
}

}  // namespace

SubscriberBwe::SubscriberBwe(std::string user_id)
    : user_id_(std::move(user_id)), estimator_(estimatorConfig()) {
  streams_.reserve(16);
}

void SubscriberBwe::onTwccFeedback(const rtp::rtcp::TwccView& feedback, int64_t now_us) {
  estimator_.onTwccFeedback(feedback, now_us);
}

void SubscriberBwe::onRemb(uint64_t bps, int64_t now_us) { estimator_.onRemb(bps, now_us); }

void SubscriberBwe::onReceiverLoss(uint8_t fraction_lost, int64_t now_us) {
  // Without TWCC the receiver reports are the only loss signal (ignored by the estimator once
  // TWCC results count every packet).
  estimator_.onReceiverReportLoss(fraction_lost, 0, now_us);
}

void SubscriberBwe::setRttMs(int64_t rtt_ms) {
  if (rtt_ms > 0) estimator_.setRtt(rtt_ms * 1000);
}

void SubscriberBwe::syncStreams(const std::vector<std::unique_ptr<DownTrack>>& downs) {
  // Streams that went away (unsubscribed, or their m-line not active any more).
  for (size_t i = 0; i < streams_.size();) {
    const uint32_t id = streams_[i];
    const bool present = std::any_of(
        downs.begin(), downs.end(), [id](const auto& d) { return d->active() && d->ssrc() == id; });
    if (present) {
      ++i;
      continue;
    }
    allocator_.removeStream(id);
    streams_[i] = streams_.back();
    streams_.pop_back();
  }
  for (const auto& d : downs) {
    if (!d->active()) continue;
    if (std::find(streams_.begin(), streams_.end(), d->ssrc()) != streams_.end()) continue;
    const PublishedTrack& t = d->track();
    const bwe::StreamKind kind = t.isAudio()                     ? bwe::StreamKind::kAudio
                                 : t.source() == Source::kScreen ? bwe::StreamKind::kScreen
                                                                 : bwe::StreamKind::kVideo;
    allocator_.addStream(d->ssrc(), kind);
    streams_.push_back(d->ssrc());
  }
}

void SubscriberBwe::allocate(const std::vector<std::unique_ptr<DownTrack>>& downs,
                             const std::string& speaker, uint64_t cap_bps, int64_t now_us) {
  if (start_us_ < 0) start_us_ = now_us;
  syncStreams(downs);

  uint32_t speaker_id = 0;
  bool can_probe = false;
  for (const auto& d : downs) {
    if (!d->active()) continue;
    const PublishedTrack& t = d->track();
    if (!t.isVideo()) {
      const uint64_t bps = t.bitrate(now_us);
      allocator_.setLayerBitrates(d->ssrc(), {&bps, 1});
      continue;
    }
    // Per-layer rates as the publisher sends them (1 s window); a layer silent longer than the
    // layer timeout is unavailable (0).
    std::array<uint64_t, bwe::Allocator::kMaxLayers> bps{};
    const size_t n = std::min(t.layerCount(), bps.size());
    for (size_t l = 0; l < n; ++l) {
      if (t.layerActive(l, now_us))
        bps[l] = std::max<uint64_t>(1, t.layer(l).stats.bitrate(now_us));
    }
    allocator_.setLayerBitrates(d->ssrc(), {bps.data(), n});
    allocator_.setMaxLayer(d->ssrc(), d->maxLayer());
    allocator_.setPausedByUser(d->ssrc(), d->userPaused());
    if (!speaker.empty() && t.source() == Source::kCamera && t.owner().userId() == speaker) {
      speaker_id = d->ssrc();
    }
    can_probe = can_probe || d->canCarryPadding();
  }
  allocator_.setActiveSpeaker(speaker_id);

  if (auto r = estimator_.takeProbeResult(now_us)) {
    allocator_.onProbeResult(r->success(), r->measured_bps, now_us);
    SFU_LOG_DEBUG("bwe", "probe user={} cluster={} outcome={} target={} measured={}", user_id_,
                  r->cluster, bwe::toString(r->outcome), r->target_bps, r->measured_bps);
  }
  uint64_t estimate = estimator_.estimate();
  if (cap_bps != 0) estimate = std::min(estimate, cap_bps);
  if (!can_probe) {
    // Nothing can carry probe padding (no RTX negotiated): the estimate alone has to confirm an
    // up switch, after the allocator's stable period.
    allocator_.onProbeResult(true, estimate, now_us);
  }
  const bool congestion = estimator_.congestionVersion() != congestion_seen_;
  congestion_seen_ = estimator_.congestionVersion();

  const auto out = allocator_.allocate(estimate, now_us, congestion);
  for (const auto& a : out) {
    DownTrack* d = nullptr;
    for (const auto& x : downs) {
      if (x->ssrc() == a.id) d = x.get();
    }
    if (d == nullptr || !d->track().isVideo()) continue;
    const int from = d->allocatedLayer();
    d->setAllocatedLayer(a.layer, now_us);
    if (!a.changed) continue;
    recordSwitch(Switch{now_us, a.id, from, a.layer, a.reason, estimate});
    SFU_LOG_DEBUG("bwe",
                  "layer switch user={} from_user={} track={} layer={}->{} reason={} estimate={} "
                  "allocated={}",
                  user_id_, d->track().owner().userId(), d->track().trackId(), from, a.layer,
                  bwe::toString(a.reason), estimate, allocator_.allocatedBps());
  }
  if (auto wish = allocator_.probeWish(); wish && can_probe) {
    if (estimator_.requestProbe(wish->target_bps, wish->success_bps, now_us)) {
      SFU_LOG_DEBUG("bwe", "probe start user={} target={} success={} estimate={}", user_id_,
                    wish->target_bps, wish->success_bps, estimate);
    }
  }
  metrics_.fold(estimator_.stats(), allocator_.stats(), estimator_.probes().stats());
}

void SubscriberBwe::sendProbes(const std::vector<std::unique_ptr<DownTrack>>& downs, int64_t now_us,
                               int64_t tick_us) {
  // Slots up to half a tick ahead go now: with ticks of `tick_us`, a cluster leaves in bursts a
  // tick apart (the first one also carries the slots since the request).
  const int64_t horizon = now_us + tick_us / 2;
  if (estimator_.nextProbeUs() >= horizon) return;
  DownTrack* carrier = nullptr;
  for (const auto& d : downs) {
    if (d->canCarryPadding()) {
      carrier = d.get();
      break;
    }
  }
  bwe::ProbePacket p;
  // Every packet whose pacing slot falls before the horizon goes now (sent and stamped now).
  for (int64_t at = estimator_.nextProbeUs(); at < horizon && estimator_.pollProbe(at, p);
       at = estimator_.nextProbeUs()) {
    if (carrier != nullptr && carrier->sendPadding(p.size, p.cluster, now_us)) {
      ++probes_sent_;
    } else {
      ++probes_unsent_;
    }
  }
}

void SubscriberBwe::recordSwitch(const Switch& s) {
  switches_[switch_count_ % kSwitchRing] = s;
  ++switch_count_;
}

void SubscriberBwe::fillStats(BweStatsSnapshot& out,
                              const std::vector<std::unique_ptr<DownTrack>>& downs,
                              int64_t now_us) const {
  (void)now_us;
  const bwe::BweStats& s = estimator_.stats();
  const auto& ps = estimator_.probes().stats();
  auto trackOf = [&](uint32_t ssrc) -> const DownTrack* {
    for (const auto& d : downs) {
      if (d->ssrc() == ssrc) return d.get();
    }
    return nullptr;
  };
  out.active = active();
  out.mode = estimator_.twccActive() ? "twcc" : (s.rembs > 0 ? "remb" : "none");
  out.estimate_bps = s.estimate_bps;
  out.delay_bps = s.delay_bps;
  out.loss_bps = s.loss_bps;
  out.remb_bps = s.remb_bps;
  out.acked_bps = s.acked_bps;
  out.loss_fraction = s.loss_fraction;
  out.last_reason = bwe::toString(s.last_reason);
  out.feedbacks = s.feedbacks;
  out.rembs = s.rembs;
  out.allocated_bps = allocator_.allocatedBps();
  out.probes_started = ps.started;
  out.probes_succeeded = ps.succeeded;
  out.probes_failed = ps.failed;
  out.probe_packets_sent = probes_sent_;
  out.probe_packets_unsent = probes_unsent_;
  // Allocations of streams we still have (counted first, so the vector is resized once and its
  // elements keep their strings' storage).
  const auto allocations = allocator_.allocations();
  size_t n = 0;
  for (const auto& a : allocations) n += trackOf(a.id) != nullptr ? 1 : 0;
  out.allocation.resize(n);
  size_t i = 0;
  for (const auto& a : allocations) {
    const DownTrack* d = trackOf(a.id);
    if (d == nullptr) continue;
    BweAllocationSnapshot& x = out.allocation[i++];
    x.from = d->track().owner().userId();
    x.track_id = d->track().trackId();
    x.kind = kindName(d->track());
    x.layer = a.layer;
    x.bps = a.bps;
    x.reason = bwe::toString(a.reason);
  }
  const size_t recent = std::min(switch_count_, kSwitchRing);
  out.switches.resize(recent);
  for (size_t k = 0; k < recent; ++k) {
    const Switch& x = switches_[(switch_count_ - recent + k) % kSwitchRing];
    const DownTrack* d = trackOf(x.ssrc);
    BweSwitchSnapshot& w = out.switches[k];
    w.t_ms = (x.at_us - start_us_) / 1000;
    if (d != nullptr) {
      w.track_id = d->track().trackId();
    } else {
      w.track_id.clear();
    }
    w.from_layer = x.from;
    w.to_layer = x.to;
    w.reason = bwe::toString(x.reason);
    w.estimate_bps = x.estimate_bps;
  }
  out.switch_count = switch_count_;
}

nlohmann::json SubscriberBwe::stats(const std::vector<std::unique_ptr<DownTrack>>& downs,
                                    int64_t now_us) const {
  BweStatsSnapshot s;
  fillStats(s, downs, now_us);
  return toJson(s);
}

}  // namespace sfu::room
