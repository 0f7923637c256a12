// Room::stats() and Participant::stats(): quality per participant and direction, filled into a
// snapshot on the worker (room_stats.h) and turned into JSON by toJson() on any thread.
//
// {"room": "<id>", "participants": [{
//    "user": "<id>",
//    "publish": {"connected": bool, "rtt_ms": n, "unknown_packets": n, "tracks": [{
//        "track_id", "mid", "kind", "source", "stream_id", "subscribers": n, "bitrate_bps",
//        "layers": [{"rid", "ssrc", "rtx_ssrc", "active", "packets", "bytes", "lost",
//                    "fraction_lost", "jitter_ms", "bitrate_bps", "keyframes", "plis_sent",
//                    "nacks_sent", "history_bytes" (shared NACK store: arena + index)}]}]},
//    "subscribe": {"connected": bool, "rtt_ms": n, "offer_outstanding": bool, "streams": [
//        DownTrack::stats(): {"from", "track_id", "kind", "ssrc", "rtx_ssrc", "active",
//        "current_layer", "target_layer", "packets_sent", "bytes_sent", "packets_dropped",
//        "nacks_received", "retransmitted", "keyframe_requests", "layer_switches", "rtt_ms",
//        "remote_fraction_lost", "remote_cumulative_lost", "remote_jitter_ms",
//        "allocator_paused", "padding_sent"}],
//        "bwe": SubscriberBwe::stats(): {"active", "mode" (twcc|remb|none), "estimate_bps",
//        "delay_bps", "loss_bps", "remb_bps", "acked_bps", "loss_fraction", "last_reason",
//        "feedbacks", "rembs", "allocated_bps", "probes": {...}, "allocation": [{"from",
//        "track_id", "kind", "layer", "bps", "reason"}], "switches": [{"t_ms", "track_id",
//        "from_layer", "to_layer", "reason", "estimate_bps"}] (last 16), "switch_count"}},
//    "data": {"received": n, "relayed": n, "dropped": n}}]}
#include "sfu/room/room_stats.h"

#include "sfu/room/participant.h"
#include "sfu/room/room.h"

namespace sfu::room {

// --- worker: fill
// ---------------------------------------------------------------------------------

void Room::fillStats(RoomStatsSnapshot& out) const {
  const int64_t now = ctx_.clock.nowUs();
  out.room = id_;
  out.active_speaker = speaker_;
  // resize keeps the elements already there (and their capacity): no rebuild per fill.
  out.participants.resize(participants_.size());
  for (size_t i = 0; i < participants_.size(); ++i) {
    participants_[i]->fillStats(out.participants[i], now);
  }
}

nlohmann::json Room::stats() const {
  RoomStatsSnapshot s;
  fillStats(s);
  return toJson(s);
}

void Participant::fillStats(ParticipantStatsSnapshot& out, int64_t now_us) const {
  out.user = user_id_;
  out.publish_connected = publish_ && publish_->connected();
  out.rtt_ms = rtt_ms_;
  out.unknown_packets = rtp_unknown_;
  out.tracks.resize(tracks_.size());
  for (size_t i = 0; i < tracks_.size(); ++i) {
    const PublishedTrack& t = *tracks_[i];
    TrackStatsSnapshot& ts = out.tracks[i];
    ts.track_id = t.trackId();
    ts.mid = t.mid();
    ts.kind = t.kind();
    ts.source = toString(t.source());
    ts.stream_id = t.streamId();
    ts.subscribers = t.subscribers().size();
    ts.bitrate_bps = t.bitrate(now_us);
    ts.layers.resize(t.layerCount());
    for (size_t l = 0; l < t.layerCount(); ++l) {
      const IncomingLayer& layer = t.layer(l);
      LayerStatsSnapshot& ls = ts.layers[l];
      ls.rid = layer.rid;
      ls.ssrc = layer.ssrc;
      ls.rtx_ssrc = layer.rtx_ssrc;
      ls.active = t.layerActive(l, now_us);
      ls.packets = layer.stats.packets();
      ls.bytes = layer.stats.bytes();
      ls.lost = layer.stats.lost();
      ls.fraction_lost = layer.stats.lastFractionLost() / 256.0;
      ls.jitter_ms = layer.stats.jitterMs(t.clockRate());
      ls.bitrate_bps = layer.stats.bitrate(now_us);
      ls.keyframes = layer.keyframes;
      ls.plis_sent = layer.plis_sent;
      ls.nacks_sent = layer.nacks_sent;
      ls.history_bytes = layer.history.memoryBytes();
    }
  }
  out.subscribe_connected = subscribe_ && subscribe_->connected();
  out.offer_outstanding = offer_outstanding_;
  out.available_bps = available_bps_;
  out.streams.resize(down_tracks_.size());
  for (size_t i = 0; i < down_tracks_.size(); ++i)
    down_tracks_[i]->fillStats(out.streams[i], now_us);
  bwe_.fillStats(out.bwe, down_tracks_, now_us);
  out.data_received = data_received_;
  out.data_relayed = data_relayed_;
  out.data_dropped = data_dropped_;
}

nlohmann::json Participant::stats(int64_t now_us) const {
  ParticipantStatsSnapshot s;
  fillStats(s, now_us);
  return toJson(s);
}

// --- any thread: JSON ----------------------------------------------------------------------------

nlohmann::json toJson(const LayerStatsSnapshot& s) {
  return {
      {"rid", s.rid},
      {"ssrc", s.ssrc},
      {"rtx_ssrc", s.rtx_ssrc},
      {"active", s.active},
      {"packets", s.packets},
      {"bytes", s.bytes},
      {"lost", s.lost},
      {"fraction_lost", s.fraction_lost},
      {"jitter_ms", s.jitter_ms},
      {"bitrate_bps", s.bitrate_bps},
      {"keyframes", s.keyframes},
      {"plis_sent", s.plis_sent},
      {"nacks_sent", s.nacks_sent},
      {"history_bytes", s.history_bytes},
  };
}

nlohmann::json toJson(const TrackStatsSnapshot& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : s.layers) layers.push_back(toJson(l));
  return {{"track_id", s.track_id},
          {"mid", s.mid},
          {"kind", s.kind},
          {"source", s.source},
          {"stream_id", s.stream_id},
          {"subscribers", s.subscribers},
          {"bitrate_bps", s.bitrate_bps},
          {"layers", std::move(layers)}};
}

nlohmann::json toJson(const DownTrackStatsSnapshot& s) {
  nlohmann::json j = {
      {"from", s.from},
      {"track_id", s.track_id},
      {"kind", s.kind},
      {"ssrc", s.ssrc},
      {"active", s.active},
      {"current_layer", s.current_layer},
      {"target_layer", s.target_layer},
      {"packets_sent", s.packets_sent},
      {"bytes_sent", s.bytes_sent},
      {"packets_dropped", s.packets_dropped},
      {"nacks_received", s.nacks_received},
      {"retransmitted", s.retransmitted},
      {"keyframe_requests", s.keyframe_requests},
      {"layer_switches", s.layer_switches},
      {"allocator_paused", s.allocator_paused},
      {"padding_sent", s.padding_sent},
      {"rtt_ms", s.rtt_ms},
  };
  if (s.rtx_ssrc != 0) j["rtx_ssrc"] = s.rtx_ssrc;
  if (s.has_remote) {
    j["remote_fraction_lost"] = s.remote_fraction_lost;
    j["remote_cumulative_lost"] = s.remote_cumulative_lost;
    j["remote_jitter_ms"] = s.remote_jitter_ms;
  }
  return j;
}

nlohmann::json toJson(const BweStatsSnapshot& s) {
  nlohmann::json j = {
      {"active", s.active},
      {"mode", s.mode},
      {"estimate_bps", s.estimate_bps},
      {"delay_bps", s.delay_bps},
      {"loss_bps", s.loss_bps},
      {"remb_bps", s.remb_bps},
      {"acked_bps", s.acked_bps},
      {"loss_fraction", s.loss_fraction},
      {"last_reason", s.last_reason},
      {"feedbacks", s.feedbacks},
      {"rembs", s.rembs},
      {"allocated_bps", s.allocated_bps},
      {"probes",
       {{"started", s.probes_started},
        {"succeeded", s.probes_succeeded},
        {"failed", s.probes_failed},
        {"packets_sent", s.probe_packets_sent},
        {"packets_unsent", s.probe_packets_unsent}}},
  };
  nlohmann::json alloc = nlohmann::json::array();
  for (const auto& a : s.allocation) {
    alloc.push_back({{"from", a.from},
                     {"track_id", a.track_id},
                     {"kind", a.kind},
                     {"layer", a.layer},
                     {"bps", a.bps},
                     {"reason", a.reason}});
  }
  j["allocation"] = std::move(alloc);
  nlohmann::json sw = nlohmann::json::array();
  for (const auto& x : s.switches) {
    sw.push_back({{"t_ms", x.t_ms},
                  {"track_id", x.track_id},
                  {"from_layer", x.from_layer},
                  {"to_layer", x.to_layer},
                  {"reason", x.reason},
                  {"estimate_bps", x.estimate_bps}});
  }
  j["switches"] = std::move(sw);
  j["switch_count"] = s.switch_count;
  return j;
}

nlohmann::json toJson(const ParticipantStatsSnapshot& s) {
  nlohmann::json tracks = nlohmann::json::array();
  for (const auto& t : s.tracks) tracks.push_back(toJson(t));
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& d : s.streams) streams.push_back(toJson(d));
  return {
      {"user", s.user},
      {"publish",
       {{"connected", s.publish_connected},
        {"rtt_ms", s.rtt_ms},
        {"unknown_packets", s.unknown_packets},
        {"tracks", std::move(tracks)}}},
      {"subscribe",
       {{"connected", s.subscribe_connected},
        {"rtt_ms", s.rtt_ms},
        {"offer_outstanding", s.offer_outstanding},
        {"available_bps", s.available_bps},
        {"streams", std::move(streams)},
        {"bwe", toJson(s.bwe)}}},
      {"data",
       {{"received", s.data_received}, {"relayed", s.data_relayed}, {"dropped", s.data_dropped}}},
  };
}

nlohmann::json toJson(const RoomStatsSnapshot& s) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : s.participants) list.push_back(toJson(p));
  return {
      {"room", s.room}, {"participants", std::move(list)}, {"active_speaker", s.active_speaker}};
}

}  // namespace sfu::room
