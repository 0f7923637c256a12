// A group call's media room (DESIGN.md "Negotiation model for group calls", "The media path"):
// who publishes which tracks, who receives them, and the forwarding between them. One Room per
// group call, living entirely on one worker thread: every method is called on that thread, and
// every listener callback comes back on it (the MediaServer posts to the worker and back).
//
// Two PeerConnections per participant, as mediasoup-client and LiveKit do:
//   publish    client offers  → publish(user, offer, tracks) returns our answer (recvonly,
//              simulcast recv when offered).
//   subscribe  server offers  → Listener::onRoomSubscribeOffer(user, sdp); the client answers
//              → subscribeAnswer(user, sdp). The room re-offers whenever tracks come and go.
//              One subscribe offer is outstanding per participant at a time: changes while it
//              waits are collected and re-offered right after the answer (glare-free).
//
// Data channels: a message a participant sends on any channel of its publish PC reaches every
// other participant on the "sfu-relay" channel the server opens on their subscribe PC (clients
// get it through ondatachannel; a channel the client opens there itself is used instead). Text
// is wrapped as JSON {"from": "<user>", "label": "<sender's label>", "data": "<text>"}; binary as
// [1 byte n][n bytes sender user id][original bytes].
//
// Packets: publisher transport → PublishedTrack (SSRC → layer) → one DownTrack per subscriber
// (seq/ts/pt/extension ids rewritten into a pooled copy) → subscriber transport.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/api/media_api.h"
#include "sfu/room/room_stats.h"
#include "sfu/sdp/capabilities.h"
#include "sfu/transport/media_transport.h"
#include "sfu/worker/clock.h"
#include "sfu/worker/timer_wheel.h"

namespace sfu::room {

// Packets are answerable to NACKs this long after they arrived / were sent. A receiver NACKs a
// gap at once and again every RTT, so 500 ms answers two or more rounds up to ~200 ms RTT (Janus
// keeps 200 ms at least, growing with RTT); the key frame request covers what is older. The
// shared history costs about bitrate x this per published layer.
inline constexpr int64_t kHistoryMaxAgeMs = 500;

// Tunables; the defaults are what the server runs with.
struct RoomConfig {
  int64_t tick_ms = 20;                     // NACK / TWCC feedback cadence
  int64_t layer_check_ms = 100;             // layer selection + active speaker cadence
  int64_t report_interval_ms = 1000;        // SR / RR / REMB cadence
  int64_t pli_throttle_ms = 400;            // at most one PLI per publisher layer in this window
  int64_t layer_timeout_ms = 1500;          // a simulcast layer silent this long counts as gone
  size_t video_history_packets = 256;       // per outgoing video stream: NACK log entries (24 B)
  size_t audio_history_packets = 32;        // per outgoing audio stream: NACK log entries
  uint64_t publisher_remb_bps = 8'000'000;  // REMB sent to publishers without transport-cc
  int64_t speaker_dominance_ms = 600;       // a new speaker must be loudest this long
  int speaker_min_level = 25;               // loudness (127 - dBov) below which nobody speaks
  int64_t dynacast_delay_ms = 3000;         // a layer unneeded this long is paused at the publisher
  // Per published layer: cap of the shared NACK packet store, which grows from 32 KiB (video) /
  // 8 KiB (audio) to what the layer sends in kHistoryMaxAgeMs.
  size_t history_store_max_bytes = 1 << 20;
};

// What a room needs from its worker. Outlives every room that refers to it.
struct RoomContext {
  const worker::Clock& clock;
  worker::TimerWheel& timers;
  transport::TransportFactory& transports;
  const sdp::Capabilities& capabilities;
  size_t max_participants = 8;
  // Unix time in µs = clock.nowUs() + wallclock_offset_us (NTP fields of our own RTCP when no
  // publisher SR gives a timebase yet).
  int64_t wallclock_offset_us = 0;
  RoomConfig config = {};
};

class Participant;
class PublishedTrack;

class Room {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // A (re-)offer for the participant's subscribe PeerConnection (send as webrtc_offer from
    // "sfu"). Emitted at join (data channel + everything already published) and whenever tracks
    // come and go, never while a previous offer to the same user is unanswered.
    virtual void onRoomSubscribeOffer(const std::string& user_id, const std::string& sdp) = 0;
    // The room removed a participant on its own: one of its transports died (ICE consent
    // expiry, DTLS failure). Its streams are already cleaned up; treat it as having left.
    // Not called for leave() or close(), which the caller initiated.
    virtual void onRoomParticipantClosed(const std::string& user_id, const std::string& reason) = 0;
    // The dominant speaker changed (smoothed ssrc-audio-level with hysteresis).
    virtual void onRoomActiveSpeaker(const std::string& user_id) = 0;
    // Dynacast guidance for a publisher: of a simulcast track, the layers (rids, lowest first)
    // some subscriber may take; the others can be paused at the encoder
    // (RTCRtpSender.setParameters active:false). Optional for clients.
    virtual void onRoomPublisherLayers(const std::string& user_id, const PublisherLayers& layers) {
      (void)user_id;
      (void)layers;
    }
  };

  Room(std::string id, RoomContext& ctx, Listener& listener);
  ~Room();
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  const std::string& id() const { return id_; }

  // The client's publish offer → our answer. The first call for a user joins the room (creates
  // both transports and emits the first subscribe offer); later calls renegotiate the publish PC
  // (tracks added or stopped, e.g. screen share). `tracks` declares sources per mid; without an
  // entry the first audio is the microphone (later: screen_audio) and the first video the camera
  // (later: screen). Errors: room full, closed, unparseable or unanswerable offer.
  SdpResult publish(const std::string& user_id, const std::string& offer_sdp,
                    const std::vector<TrackSource>& tracks);

  // The client's answer to the outstanding subscribe offer (ok=false with error otherwise; sdp
  // stays empty). Streams start flowing to the user once their m-line is answered.
  SdpResult subscribeAnswer(const std::string& user_id, const std::string& answer_sdp);

  // Per-subscriber preferences; returns false for an unknown user or malformed JSON. Shape:
  //   {"max_layer": 1,                      // simulcast spatial layer cap for every track,
  //                                         // 0 = lowest; absent/null = no cap
  //    "max_temporal_layer": 2,             // VP8 temporal layer cap (0..3)
  //    "tracks": {"<track_id>": {"max_layer": 0, "max_temporal_layer": 1, "paused": false}}}
  // Per-track values override the global ones; a later call replaces earlier preferences.
  // Or per publisher (what webrtc-service.js sends for small tiles), kept alongside the others
  // and replacing only an earlier one for the same publisher and source:
  //   {"user_id": "<publisher>", "source": "camera" (optional: all its tracks), "max_layer": 0,
  //    "max_temporal_layer": .., "paused": ..}
  bool setPreferences(const std::string& user_id, const nlohmann::json& prefs);

  // Bandwidth available towards a subscriber (bits/s; 0 = unlimited, the default until a
  // bandwidth estimator feeds it). Layer selection picks the highest layers that fit.
  void setAvailableBitrate(const std::string& user_id, uint64_t bps);

  // Removes the participant: closes both transports, stops its tracks and its subscriptions,
  // re-offers everyone affected. Unknown users are ignored.
  void leave(const std::string& user_id);

  // Ends the call: every participant is removed without re-offers. Idempotent; a closed room
  // refuses publish().
  void close();
  bool closed() const { return closed_; }

  // Quality per participant and direction (see room_stats.cpp for the shape): fillStats into a
  // snapshot reused across calls (no allocation once its storage fits), toJson(snapshot) later
  // on any thread; stats() does both.
  void fillStats(RoomStatsSnapshot& out) const;
  nlohmann::json stats() const;

  size_t participantCount() const { return participants_.size(); }
  bool hasParticipant(const std::string& user_id) const { return find(user_id) != nullptr; }

  // --- internal, for Participant and the tests ---
  RoomContext& context() { return ctx_; }
  const RoomConfig& config() const { return ctx_.config; }
  Participant* find(const std::string& user_id) const;
  // A participant's transport died (called from its transport listener; may destroy it).
  void onParticipantTransportClosed(Participant& participant, std::string_view reason);
  // Data channel message from a participant's publish PC: relayed to the others.
  void onParticipantData(Participant& from, std::string_view label, bool binary,
                         std::span<const uint8_t> data);
  // Allocates a fresh SSRC for an outgoing stream (unique within the room).
  uint32_t newSsrc();
  // The dominant speaker (empty: nobody yet); subscribers give its video priority.
  const std::string& activeSpeaker() const { return speaker_; }

 private:
  void removeParticipant(Participant& participant, bool reoffer);
  void reoffer(const std::vector<Participant*>& affected);
  void onTick();
  void checkActiveSpeaker(int64_t now_us);
  void updatePublisherLayers(int64_t now_us);

  std::string id_;
  RoomContext& ctx_;
  Listener& listener_;
  std::vector<std::unique_ptr<Participant>> participants_;
  worker::Timer tick_timer_;
  int64_t last_layer_check_us_ = 0;
  int64_t last_report_us_ = 0;
  int64_t last_speaker_check_us_ = 0;
  uint32_t next_ssrc_;
  bool closed_ = false;
  // Active speaker detection state.
  std::string speaker_;
  std::string candidate_;
  int64_t candidate_since_us_ = 0;
};

}  // namespace sfu::room
