// Room statistics as plain data: what Room::stats() reports (room_stats.cpp documents the JSON
// shape), split in two steps so the worker thread does no JSON work:
//
//   worker:    Room::fillStats(snapshot)   numbers and strings copied into a reusable snapshot
//   any:       toJson(snapshot)            the JSON, built where the caller is (signaling thread)
//
// Filling reuses the snapshot's storage: vectors are resized (elements kept, not rebuilt) and
// strings assigned in place, so a second fill of the same snapshot for an unchanged room
// allocates nothing. Reason, kind and mode names point at static strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sfu::room {

// One incoming RTP stream (simulcast layer) of a published track.
struct LayerStatsSnapshot {
  std::string rid;
  uint32_t ssrc = 0;
  uint32_t rtx_ssrc = 0;
  bool active = false;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  int64_t lost = 0;
  double fraction_lost = 0;
  double jitter_ms = 0;
  uint64_t bitrate_bps = 0;
  uint64_t keyframes = 0;
  uint64_t plis_sent = 0;
  uint64_t nacks_sent = 0;
  size_t history_bytes = 0;
};

struct TrackStatsSnapshot {
  std::string track_id;
  std::string mid;
  std::string kind;
  std::string_view source;  // static (toString(Source))
  std::string stream_id;
  size_t subscribers = 0;
  uint64_t bitrate_bps = 0;
  std::vector<LayerStatsSnapshot> layers;
};

// DownTrack::fillStats: one outgoing stream of a subscriber.
struct DownTrackStatsSnapshot {
  std::string from;
  std::string track_id;
  std::string kind;
  uint32_t ssrc = 0;
  uint32_t rtx_ssrc = 0;  // 0: no RTX (not in the JSON)
  bool active = false;
  int current_layer = -1;
  int target_layer = -1;
  uint64_t packets_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t packets_dropped = 0;
  uint64_t nacks_received = 0;
  uint64_t retransmitted = 0;
  uint64_t keyframe_requests = 0;
  uint64_t layer_switches = 0;
  bool allocator_paused = false;
  uint64_t padding_sent = 0;
  int64_t rtt_ms = 0;
  bool has_remote = false;  // the remote_* fields are in the JSON only with a receiver report
  double remote_fraction_lost = 0;
  int32_t remote_cumulative_lost = 0;
  double remote_jitter_ms = 0;
};

// SubscriberBwe::fillStats.
struct BweAllocationSnapshot {
  std::string from;
  std::string track_id;
  const char* kind = "";  // static
  int layer = -1;
  uint64_t bps = 0;
  const char* reason = "";  // static
};

struct BweSwitchSnapshot {
  int64_t t_ms = 0;
  std::string track_id;
  int from_layer = -1;
  int to_layer = -1;
  const char* reason = "";  // static
  uint64_t estimate_bps = 0;
};

struct BweStatsSnapshot {
  bool active = false;
  const char* mode = "none";  // static: twcc | remb | none
  uint64_t estimate_bps = 0;
  uint64_t delay_bps = 0;
  uint64_t loss_bps = 0;
  uint64_t remb_bps = 0;
  uint64_t acked_bps = 0;
  double loss_fraction = 0;
  const char* last_reason = "";  // static
  uint64_t feedbacks = 0;
  uint64_t rembs = 0;
  uint64_t allocated_bps = 0;
  uint64_t probes_started = 0;
  uint64_t probes_succeeded = 0;
  uint64_t probes_failed = 0;
  uint64_t probe_packets_sent = 0;
  uint64_t probe_packets_unsent = 0;
  std::vector<BweAllocationSnapshot> allocation;
  std::vector<BweSwitchSnapshot> switches;  // oldest first, the last 16
  size_t switch_count = 0;
};

struct ParticipantStatsSnapshot {
  std::string user;
  // publish
  bool publish_connected = false;
  int64_t rtt_ms = 0;
  uint64_t unknown_packets = 0;
  std::vector<TrackStatsSnapshot> tracks;
  // subscribe
  bool subscribe_connected = false;
  bool offer_outstanding = false;
  uint64_t available_bps = 0;
  std::vector<DownTrackStatsSnapshot> streams;
  BweStatsSnapshot bwe;
  // data
  uint64_t data_received = 0;
  uint64_t data_relayed = 0;
  uint64_t data_dropped = 0;
};

struct RoomStatsSnapshot {
  std::string room;
  std::string active_speaker;
  std::vector<ParticipantStatsSnapshot> participants;
};

// The JSON of Room::stats() / Participant::stats() / DownTrack::stats() / SubscriberBwe::stats().
// Pure; any thread.
nlohmann::json toJson(const LayerStatsSnapshot& s);
nlohmann::json toJson(const TrackStatsSnapshot& s);
nlohmann::json toJson(const DownTrackStatsSnapshot& s);
nlohmann::json toJson(const BweStatsSnapshot& s);
nlohmann::json toJson(const ParticipantStatsSnapshot& s);
nlohmann::json toJson(const RoomStatsSnapshot& s);

}  // namespace sfu::room
