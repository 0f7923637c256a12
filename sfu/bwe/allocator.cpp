#include "sfu/bwe/allocator.h"

#include <algorithm>

namespace sfu::bwe {

const char* toString(SwitchReason reason) {
  switch (reason) {
    case SwitchReason::kNone:
      return "none";
    case SwitchReason::kStart:
      return "start";
    case SwitchReason::kUp:
      return "up";
    case SwitchReason::kDown:
      return "down";
    case SwitchReason::kPaused:
      return "paused";
    case SwitchReason::kResumed:
      return "resumed";
    case SwitchReason::kPreference:
      return "preference";
    case SwitchReason::kLayerGone:
      return "layer_gone";
    case SwitchReason::kCount:
      break;
  }
  return "?";
}

Allocator::Allocator(const AllocatorConfig& config) : config_(config) {}

Allocator::Stream* Allocator::find(uint32_t id) {
  for (auto& s : streams_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

void Allocator::addStream(uint32_t id, StreamKind kind) {
  if (find(id) != nullptr) return;
  Stream s;
  s.id = id;
  s.kind = kind;
  s.order = next_order_++;
  streams_.push_back(s);
  order_.reserve(streams_.size());
  floors_.reserve(streams_.size() + 1);
  out_.reserve(streams_.size());
}

void Allocator::removeStream(uint32_t id) {
  std::erase_if(streams_, [id](const Stream& s) { return s.id == id; });
  std::erase_if(out_, [id](const StreamAllocation& a) { return a.id == id; });
  if (active_speaker_ == id) active_speaker_ = 0;
}

void Allocator::setLayerBitrates(uint32_t id, std::span<const uint64_t> bps) {
  Stream* s = find(id);
  if (s == nullptr) return;
  s->layers = std::min(bps.size(), kMaxLayers);
  s->layer_bps.fill(0);
  std::copy_n(bps.begin(), s->layers, s->layer_bps.begin());
}

void Allocator::setMaxLayer(uint32_t id, int max_layer) {
  if (Stream* s = find(id)) s->max_layer = max_layer;
}

void Allocator::setPausedByUser(uint32_t id, bool paused) {
  if (Stream* s = find(id)) s->user_paused = paused;
}

void Allocator::setActiveSpeaker(uint32_t id) { active_speaker_ = id; }

void Allocator::onProbeResult(bool success, uint64_t measured_bps, int64_t now_us) {
  if (!success) return;
  probe_ok_bps_ = measured_bps;
  probe_ok_us_ = now_us;
}

std::optional<StreamAllocation> Allocator::allocation(uint32_t id) const {
  for (const auto& a : out_) {
    if (a.id == id) return a;
  }
  return std::nullopt;
}

int Allocator::priority(const Stream& s) const {
  if (s.kind == StreamKind::kAudio) return 0;
  if (s.kind == StreamKind::kScreen) return 1;
  return s.id == active_speaker_ ? 2 : 3;
}

bool Allocator::available(const Stream& s, int layer) const {
  return layer >= 0 && static_cast<size_t>(layer) < s.layers &&
         s.layer_bps[static_cast<size_t>(layer)] > 0;
}

int Allocator::cap(const Stream& s) const {
  int top = static_cast<int>(s.layers) - 1;
  if (s.max_layer >= 0) top = std::min(top, s.max_layer);
  return top;
}

uint64_t Allocator::floorBps(const Stream& s) const {
  if (s.kind == StreamKind::kAudio || s.user_paused) return 0;
  const int top = cap(s);
  for (int l = 0; l <= top; ++l) {
    if (available(s, l)) return s.layer_bps[static_cast<size_t>(l)];
  }
  return 0;
}

bool Allocator::probeConfirms(uint64_t total_bps, int64_t now_us) const {
  if (!config_.require_probe) return true;
  return probe_ok_bps_ != 0 && now_us - probe_ok_us_ <= config_.probe_valid_us &&
         static_cast<double>(probe_ok_bps_) >= static_cast<double>(total_bps) * config_.up_margin;
}

void Allocator::setLayer(Stream& s, int layer, SwitchReason reason) {
  if (layer == s.layer && s.started) return;
  s.layer = layer;
  s.reason = reason;
  s.started = true;
  last_changed_ = true;
  ++stats_.switches[static_cast<size_t>(reason)];
  // A congestion-driven drop invalidates what earlier probes said about the path.
  if (reason == SwitchReason::kDown || reason == SwitchReason::kPaused) probe_ok_bps_ = 0;
}

void Allocator::allocateVideo(Stream& s, uint64_t& budget, uint64_t used, int64_t now_us) {
  const auto bps = [&s](int l) { return s.layer_bps[static_cast<size_t>(l)]; };
  const auto fits = [&](int l, double factor) {
    return static_cast<double>(bps(l)) * factor <= static_cast<double>(budget);
  };
  const int top = cap(s);
  const int cur = s.layer;

  if (s.user_paused) {
    if (cur != -1 || !s.started) setLayer(s, -1, SwitchReason::kPreference);
    s.up_since_us = -1;
    return;
  }

  if (!s.started) {
    // First allocation: the best layer the estimate covers with margin, else the lowest one
    // available if it fits at all, else paused. Nothing available yet: wait.
    int lowest = -1, best = -1;
    for (int l = 0; l <= top; ++l) {
      if (!available(s, l)) continue;
      if (lowest < 0) lowest = l;
      if (fits(l, config_.up_margin)) best = l;
    }
    if (lowest < 0) return;
    if (best < 0 && fits(lowest, 1.0)) best = lowest;
    setLayer(s, best, best < 0 ? SwitchReason::kPaused : SwitchReason::kStart);
  } else {
    int target = -1;
    SwitchReason why = SwitchReason::kDown;
    if (cur >= 0 && cur <= top && available(s, cur) && fits(cur, keep_ratio_)) {
      target = cur;  // keep (hysteresis band)
    } else if (cur >= 0) {
      int limit = cur - 1;
      if (cur > top) {
        why = SwitchReason::kPreference;
        limit = top;
      } else if (!available(s, cur)) {
        why = SwitchReason::kLayerGone;
        limit = top;
      }
      for (int l = limit; l >= 0; --l) {
        if (available(s, l) && fits(l, 1.0)) {
          target = l;
          break;
        }
      }
      if (target < 0 && why == SwitchReason::kDown) why = SwitchReason::kPaused;
      setLayer(s, target, why);
      s.up_since_us = -1;
    }

    // Up (or resume from pause): the best layer above the target the estimate covers with margin.
    int up = -1;
    for (int l = top; l > target; --l) {
      if (available(s, l) && fits(l, config_.up_margin)) {
        up = l;
        break;
      }
    }
    if (up >= 0) {
      const uint64_t total = used + bps(up);
      if (s.up_since_us < 0) s.up_since_us = now_us;
      const bool stable = now_us - s.up_since_us >= config_.stable_us;
      const bool confirmed = probeConfirms(total, now_us);
      if (stable && confirmed) {
        setLayer(s, up, target < 0 ? SwitchReason::kResumed : SwitchReason::kUp);
        s.up_since_us = -1;
      } else if (!confirmed && !wish_) {
        wish_ = ProbeWish{
            static_cast<uint64_t>(static_cast<double>(total) * config_.probe_target_ratio),
            static_cast<uint64_t>(static_cast<double>(total) * config_.up_margin)};
      }
    } else {
      s.up_since_us = -1;
      // Nothing above fits the estimate: a probe for the next layer may show the estimate is low
      // (an application-limited sender cannot see spare capacity any other way).
      for (int l = target + 1; l <= top && !wish_; ++l) {
        if (!available(s, l)) continue;
        const uint64_t total = used + bps(l);
        wish_ = ProbeWish{
            static_cast<uint64_t>(static_cast<double>(total) * config_.probe_target_ratio),
            static_cast<uint64_t>(static_cast<double>(total) * config_.up_margin)};
      }
    }
  }
  if (s.layer >= 0) budget -= std::min(budget, bps(s.layer));
}

std::span<const StreamAllocation> Allocator::allocate(uint64_t estimate_bps, int64_t now_us,
                                                      bool congestion) {
  ++stats_.allocations;
  keep_ratio_ = congestion ? 1.0 : config_.keep_ratio;
  wish_.reset();
  order_.clear();
  for (auto& s : streams_) order_.push_back(&s);
  std::sort(order_.begin(), order_.end(), [this](const Stream* a, const Stream* b) {
    const int pa = priority(*a), pb = priority(*b);
    return pa != pb ? pa < pb : a->order < b->order;
  });

  // Floors first: what the lowest layer of every wanted video after each position costs. A
  // stream may only upgrade with what is left once the streams after it have their lowest layer,
  // so a constrained link shows every camera small before it shows one of them large.
  floors_.assign(order_.size() + 1, 0);
  for (size_t i = order_.size(); i-- > 0;) {
    floors_[i] = floors_[i + 1] + floorBps(*order_[i]);
  }

  uint64_t budget = estimate_bps;
  uint64_t used = 0;  // allocated to the streams before this one
  out_.clear();
  for (size_t i = 0; i < order_.size(); ++i) {
    Stream* s = order_[i];
    last_changed_ = false;
    if (s->kind == StreamKind::kAudio) {
      // Audio always goes out: a call without voice is not a call.
      setLayer(*s, 0, SwitchReason::kStart);
      budget -= std::min(budget, s->layer_bps[0]);
    } else {
      // Keep back the later streams' floors, but never this stream's own floor: when not every
      // floor fits, the earlier (more important) streams get theirs first.
      const uint64_t own = floorBps(*s);
      const uint64_t reserve = std::min(floors_[i + 1], budget - std::min(budget, own));
      uint64_t mine = budget - reserve;
      const uint64_t before = mine;
      allocateVideo(*s, mine, used + reserve, now_us);
      budget -= before - mine;
    }
    StreamAllocation a;
    a.id = s->id;
    a.layer = s->layer;
    a.bps = s->layer >= 0 ? s->layer_bps[static_cast<size_t>(s->layer)] : 0;
    a.reason = s->reason;
    a.changed = last_changed_;
    out_.push_back(a);
    used += a.bps;
  }
  allocated_bps_ = used;
  for (const auto& a : out_) {
    if (a.changed) last_switch_us_ = now_us;
  }
  if (now_us - last_switch_us_ < config_.settle_us) wish_.reset();
  return out_;
}

}  // namespace sfu::bwe
