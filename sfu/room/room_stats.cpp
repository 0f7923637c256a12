// Room::stats() and Participant::stats(): quality per participant and direction.
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
#include "sfu/room/participant.h"
#include "sfu/room/room.h"

namespace sfu::room {

nlohmann::json Room::stats() const {
  const int64_t now = ctx_.clock.nowUs();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : participants_) list.push_back(p->stats(now));
  return {{"room", id_}, {"participants", std::move(list)}, {"active_speaker", speaker_}};
}

nlohmann::json Participant::stats(int64_t now_us) const {
  nlohmann::json tracks = nlohmann::json::array();
  for (const auto& t : tracks_) {
    nlohmann::json layers = nlohmann::json::array();
    for (size_t l = 0; l < t->layerCount(); ++l) {
      const IncomingLayer& layer = t->layer(l);
      layers.push_back({
          {"rid", layer.rid},
          {"ssrc", layer.ssrc},
          {"rtx_ssrc", layer.rtx_ssrc},
          {"active", t->layerActive(l, now_us)},
          {"packets", layer.stats.packets()},
          {"bytes", layer.stats.bytes()},
          {"lost", layer.stats.lost()},
          {"fraction_lost", layer.stats.lastFractionLost() / 256.0},
          {"jitter_ms", layer.stats.jitterMs(t->clockRate())},
          {"bitrate_bps", layer.stats.bitrate(now_us)},
          {"keyframes", layer.keyframes},
          {"plis_sent", layer.plis_sent},
          {"nacks_sent", layer.nacks_sent},
          {"history_bytes", layer.history.memoryBytes()},
      });
    }
    tracks.push_back({{"track_id", t->trackId()},
                      {"mid", t->mid()},
                      {"kind", t->kind()},
                      {"source", toString(t->source())},
                      {"stream_id", t->streamId()},
                      {"subscribers", t->subscribers().size()},
                      {"bitrate_bps", t->bitrate(now_us)},
                      {"layers", std::move(layers)}});
  }
  nlohmann::json streams = nlohmann::json::array();
  for (const auto& d : down_tracks_) streams.push_back(d->stats(now_us));
  return {
      {"user", user_id_},
      {"publish",
       {{"connected", publish_ && publish_->connected()},
        {"rtt_ms", rtt_ms_},
        {"unknown_packets", rtp_unknown_},
        {"tracks", std::move(tracks)}}},
      {"subscribe",
       {{"connected", subscribe_ && subscribe_->connected()},
        {"rtt_ms", rtt_ms_},
        {"offer_outstanding", offer_outstanding_},
        {"available_bps", available_bps_},
        {"streams", std::move(streams)},
        {"bwe", bwe_.stats(down_tracks_, now_us)}}},
      {"data",
       {{"received", data_received_}, {"relayed", data_relayed_}, {"dropped", data_dropped_}}},
  };
}

}  // namespace sfu::room
