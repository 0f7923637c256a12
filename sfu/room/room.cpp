#include "sfu/room/room.h"

#include <algorithm>
#include <functional>

#include "sfu/common/log.h"
#include "sfu/room/participant.h"

namespace sfu::room {

namespace {

SdpResult fail(std::string error) { return SdpResult{false, {}, std::move(error)}; }

void addUnique(std::vector<Participant*>& list, Participant* p) {
  if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
}

}  // namespace

Room::Room(std::string id, RoomContext& ctx, Listener& listener)
    : id_(std::move(id)),
      ctx_(ctx),
      listener_(listener),
      tick_timer_(ctx.timers, [this] { onTick(); }),
      next_ssrc_(static_cast<uint32_t>(std::hash<std::string>{}(id_)) | 1u) {
  const int64_t now = ctx_.clock.nowUs();
  last_layer_check_us_ = now;
  last_report_us_ = now;
  tick_timer_.startMs(ctx_.config.tick_ms);
}

Room::~Room() { close(); }

Participant* Room::find(const std::string& user_id) const {
  for (const auto& p : participants_) {
    if (p->userId() == user_id) return p.get();
  }
  return nullptr;
}

uint32_t Room::newSsrc() {
  // A full-period LCG (Knuth's MMIX constants' 32-bit cousin): no repeats within 2^32 draws,
  // so SSRCs stay unique in a room without bookkeeping (RFC 3550 §8 only asks for randomness
  // to avoid collisions, which cannot happen among our own streams).
  do {
    next_ssrc_ = next_ssrc_ * 1664525u + 1013904223u;
  } while (next_ssrc_ == 0);
  return next_ssrc_;
}

SdpResult Room::publish(const std::string& user_id, const std::string& offer_sdp,
                        const std::vector<TrackSource>& tracks) {
  if (closed_) return fail("room closed");
  Participant* p = find(user_id);
  std::unique_ptr<Participant> fresh;
  if (p == nullptr) {
    if (participants_.size() >= ctx_.max_participants) return fail("room full");
    fresh = std::make_unique<Participant>(*this, user_id, newSsrc());
    fresh->start();
    if (fresh->publishTransport() == nullptr || fresh->subscribeTransport() == nullptr) {
      fresh->closeTransports();
      return fail("cannot create transports");
    }
    p = fresh.get();
  }
  std::vector<PublishedTrack*> added;
  std::vector<std::unique_ptr<PublishedTrack>> removed;
  SdpResult result = p->publish(offer_sdp, tracks, added, removed);
  if (!result.ok) {
    if (fresh) fresh->closeTransports();
    return result;
  }
  std::vector<Participant*> affected;
  if (fresh) {
    participants_.push_back(std::move(fresh));
    for (const auto& q : participants_) {
      if (q.get() == p) continue;
      for (const auto& t : q->tracks()) p->subscribe(*t);
    }
    addUnique(affected, p);  // its first subscribe offer: the data channel and everything so far
    SFU_LOG_INFO("room", "join room={} user={} participants={}", id_, user_id,
                 participants_.size());
  }
  for (auto& t : removed) {
    for (const auto& q : participants_) {
      if (q->unsubscribe(*t)) addUnique(affected, q.get());
    }
  }
  removed.clear();
  for (PublishedTrack* t : added) {
    for (const auto& q : participants_) {
      if (q.get() != p && q->subscribe(*t)) addUnique(affected, q.get());
    }
  }
  reoffer(affected);
  return result;
}

void Room::reoffer(const std::vector<Participant*>& affected) {
  for (Participant* q : affected) {
    if (auto offer = q->requestSubscribeOffer()) {
      listener_.onRoomSubscribeOffer(q->userId(), *offer);
    }
  }
}

SdpResult Room::subscribeAnswer(const std::string& user_id, const std::string& answer_sdp) {
  Participant* p = find(user_id);
  if (p == nullptr) return fail("not in the room");
  std::optional<std::string> next;
  SdpResult r = p->applySubscribeAnswer(answer_sdp, next);
  if (next) listener_.onRoomSubscribeOffer(user_id, *next);
  return r;
}

bool Room::setPreferences(const std::string& user_id, const nlohmann::json& prefs) {
  Participant* p = find(user_id);
  if (p == nullptr || !prefs.is_object()) return false;
  auto read = [](const nlohmann::json& j, TrackPreference base) -> std::optional<TrackPreference> {
    auto intField = [&](const char* key, int& out, int lo, int hi) {
      if (!j.contains(key)) return true;
      const auto& v = j.at(key);
      if (v.is_null()) {
        out = -1;
        return true;
      }
      if (!v.is_number_integer()) return false;
      const auto n = v.get<int64_t>();
      if (n < lo || n > hi) return false;
      out = static_cast<int>(n);
      return true;
    };
    if (!intField("max_layer", base.max_layer, 0, 2)) return std::nullopt;
    if (!intField("max_temporal_layer", base.max_temporal, 0, 3)) return std::nullopt;
    if (j.contains("paused")) {
      if (!j.at("paused").is_boolean()) return std::nullopt;
      base.paused = j.at("paused").get<bool>();
    }
    return base;
  };
  // Per publisher, as the web client sends it: {"user_id": "<publisher>", "source": "camera",
  // "max_layer": 0}.
  if (prefs.contains("user_id")) {
    const auto& publisher = prefs.at("user_id");
    if (!publisher.is_string() || prefs.contains("tracks")) return false;
    std::optional<Source> source;
    if (prefs.contains("source")) {
      if (!prefs.at("source").is_string()) return false;
      source = parseSource(prefs.at("source").get<std::string>());
      if (!source) return false;
    }
    auto pref = read(prefs, TrackPreference{});
    if (!pref) return false;
    p->setPublisherPreference(publisher.get<std::string>(), source, *pref);
    p->onLayerCheck(ctx_.clock.nowUs());
    return true;
  }
  auto global = read(prefs, TrackPreference{});
  if (!global) return false;
  std::vector<std::pair<std::string, TrackPreference>> per_track;
  if (prefs.contains("tracks")) {
    const auto& tracks = prefs.at("tracks");
    if (!tracks.is_object()) return false;
    for (const auto& [track_id, value] : tracks.items()) {
      if (!value.is_object()) return false;
      auto tp = read(value, *global);
      if (!tp) return false;
      per_track.emplace_back(track_id, *tp);
    }
  }
  p->setPreferences(*global, per_track);
  p->onLayerCheck(ctx_.clock.nowUs());  // apply now, not at the next check
  return true;
}

void Room::setAvailableBitrate(const std::string& user_id, uint64_t bps) {
  if (Participant* p = find(user_id)) p->setAvailableBitrate(bps);
}

void Room::leave(const std::string& user_id) {
  if (Participant* p = find(user_id)) {
    SFU_LOG_INFO("room", "leave room={} user={}", id_, user_id);
    removeParticipant(*p, true);
  }
}

void Room::close() {
  if (closed_) return;
  closed_ = true;
  tick_timer_.stop();
  while (!participants_.empty()) removeParticipant(*participants_.back(), false);
}

void Room::removeParticipant(Participant& participant, bool reoffer_others) {
  std::vector<Participant*> affected;
  for (const auto& t : participant.tracks()) {
    for (const auto& q : participants_) {
      if (q.get() != &participant && q->unsubscribe(*t)) addUnique(affected, q.get());
    }
  }
  participant.closeTransports();
  if (speaker_ == participant.userId()) speaker_.clear();
  if (candidate_ == participant.userId()) candidate_.clear();
  auto it = std::find_if(participants_.begin(), participants_.end(),
                         [&](const auto& p) { return p.get() == &participant; });
  if (it != participants_.end()) participants_.erase(it);  // destroys the participant
  if (reoffer_others) reoffer(affected);
}

void Room::onParticipantTransportClosed(Participant& participant, std::string_view reason) {
  const std::string user = participant.userId();
  const std::string why(reason);
  SFU_LOG_INFO("room", "transport closed room={} user={} reason={}", id_, user, why);
  removeParticipant(participant, true);
  listener_.onRoomParticipantClosed(user, why);
}

void Room::onParticipantData(Participant& from, std::string_view label, bool binary,
                             std::span<const uint8_t> data) {
  for (const auto& q : participants_) {
    if (q.get() != &from) q->relayData(from.userId(), label, binary, data);
  }
}

void Room::onTick() {
  const int64_t now = ctx_.clock.nowUs();
  for (const auto& p : participants_) p->onTick(now);
  if (now - last_layer_check_us_ >= ctx_.config.layer_check_ms * 1000) {
    last_layer_check_us_ = now;
    for (const auto& p : participants_) p->onLayerCheck(now);
    updatePublisherLayers(now);
  }
  if (now - last_report_us_ >= ctx_.config.report_interval_ms * 1000) {
    last_report_us_ = now;
    for (const auto& p : participants_) p->onReport(now);
  }
  tick_timer_.startMs(ctx_.config.tick_ms);
  // Last: the listener may call back into the room.
  if (now - last_speaker_check_us_ >= ctx_.config.layer_check_ms * 1000) {
    last_speaker_check_us_ = now;
    checkActiveSpeaker(now);
  }
}

void Room::updatePublisherLayers(int64_t now_us) {
  // Dynacast (as LiveKit's): a simulcast layer above every subscriber's max-layer preference
  // is not needed; the publisher may stop encoding it. The lowest layer always stays, so a new
  // subscriber starts at once. Bandwidth-limited choices do not count: a layer the allocator
  // may switch up to must keep flowing so that it stays available.
  std::vector<std::pair<std::string, PublisherLayers>> changes;
  for (const auto& p : participants_) {
    for (const auto& t : p->tracks()) {
      if (!t->isVideo() || t->layerCount() < 2) continue;
      const int top = static_cast<int>(t->layerCount()) - 1;
      int needed = 0;
      for (const DownTrack* d : t->subscribers()) {
        if (!d->active() || d->userPaused()) continue;
        needed = std::max(needed, d->maxLayer() < 0 ? top : std::min(d->maxLayer(), top));
      }
      const auto guidance = t->updateGuidance(needed, now_us, ctx_.config.dynacast_delay_ms * 1000);
      if (!guidance) continue;
      PublisherLayers l;
      l.track_id = t->trackId();
      l.mid = t->mid();
      l.source = std::string(toString(t->source()));
      for (size_t i = 0; i < t->layerCount(); ++i) {
        (static_cast<int>(i) <= *guidance ? l.active : l.inactive).push_back(t->layer(i).rid);
      }
      SFU_LOG_DEBUG("bwe", "publisher layers room={} user={} track={} active_top={}", id_,
                    p->userId(), t->trackId(), *guidance);
      changes.emplace_back(p->userId(), std::move(l));
    }
  }
  for (const auto& [user, layers] : changes) listener_.onRoomPublisherLayers(user, layers);
}

void Room::checkActiveSpeaker(int64_t now_us) {
  const Participant* loudest = nullptr;
  double best = ctx_.config.speaker_min_level;
  for (const auto& p : participants_) {
    for (const auto& t : p->tracks()) {
      if (!t->isAudio() || t->source() != Source::kMicrophone) continue;
      t->tickSpeaker();
      if (t->loudness() >= best) {
        best = t->loudness();
        loudest = p.get();
      }
    }
  }
  // Hysteresis: a new speaker must stay the loudest for the dominance period before the floor
  // changes; silence keeps the last speaker.
  if (loudest == nullptr || loudest->userId() == speaker_) {
    candidate_.clear();
    return;
  }
  if (candidate_ != loudest->userId()) {
    candidate_ = loudest->userId();
    candidate_since_us_ = now_us;
    return;
  }
  if (now_us - candidate_since_us_ < ctx_.config.speaker_dominance_ms * 1000) return;
  speaker_ = candidate_;
  candidate_.clear();
  listener_.onRoomActiveSpeaker(speaker_);
}

}  // namespace sfu::room
