// The call state machine behind CallApi (DESIGN.md "Call semantics", spec/webrtc-call-guide.md).
// Single-threaded (the signaling thread); time and timers come from an injected Scheduler, the
// store, JWT verifier and media server are injected too, so every flow runs in unit tests.
//
// States of a call:      ringing ──answer(true)──▶ active ──end / last leave──▶ ended
//                          │ answer(false) (1:1)  → rejected
//                          │ ring timeout (1:1)   → missed
//                          └ caller ends / all invitees out (group) → ended | rejected | missed
// States of a participant: invited → joined → left, invited → rejected | missed.
//
// Server → client events beyond the guide (additive extensions):
//   webrtc_participant_joined / webrtc_participant_left {call_id, user_id[, reason]}
//   webrtc_active_speaker {call_id, user_id}
//   webrtc_layers {call_id, from_user_id: "sfu", track_id, mid, source, active: [rids],
//     inactive: [rids]}: to a publisher's call socket (dynacast): simulcast layers of its track
//     no subscriber takes now; a client may pause them (RTCRtpSender.setParameters active:false)
//     and must re-activate the rids listed in `active`. Optional: ignoring it changes nothing.
//   webrtc_call_answered_elsewhere {call_id, user_id, answer}: to the answering user's sockets
//     (other than the answering one when known); a device that answered itself ignores it.
//   webrtc_call_ended may carry `reason`: missed | rejected | answered_elsewhere | disconnected |
//     media_closed. To the answering user's *other* devices, once the answering socket is known
//     (the socket event after the REST answer), `webrtc_call_ended` {reason: answered_elsewhere}
//     stops ringing on clients that only know the guide's events.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "sfu/api/media_api.h"
#include "signaling/api/call_api.h"
#include "signaling/auth/jwt.h"
#include "signaling/auth/rate_limiter.h"
#include "signaling/calls/call_metrics.h"
#include "signaling/calls/scheduler.h"
#include "signaling/config/config.h"
#include "signaling/store/call_store.h"

namespace signaling::calls {

struct CoreOptions {
  unsigned max_participants = 8;
  std::chrono::milliseconds ring_timeout{45'000};
  // A joined participant whose sockets are all gone (or whose call socket closed) leaves after
  // this.
  std::chrono::milliseconds disconnect_grace{30'000};
  auth::RateLimiter::Options initiate_limit = auth::RateLimiter::initiatePreset();
  auth::RateLimiter::Options rest_limit = {20.0, 40.0, 100000};
  auth::RateLimiter::Options socket_limit = auth::RateLimiter::socketEventPreset();

  static CoreOptions fromConfig(const Config& cfg);
};

class CallCore : public CallApi, public sfu::MediaApi::Listener {
 public:
  static constexpr std::chrono::milliseconds kMediaStatsPeriod{2000};

  // `media` may be null (no SFU): "sfu"/"echo" targets then get ApiError 503.
  CallCore(CoreOptions options, Scheduler& scheduler, Notifier& notifier, store::CallStore& store,
           auth::JwtVerifier verifier, sfu::MediaApi* media);
  ~CallCore() override;
  CallCore(const CallCore&) = delete;
  CallCore& operator=(const CallCore&) = delete;

  // CallApi
  std::string authenticate(std::string_view token) override;
  nlohmann::json initiate(const std::string& user_id, const nlohmann::json& body) override;
  nlohmann::json answer(const std::string& user_id, const std::string& call_id,
                        const nlohmann::json& body) override;
  nlohmann::json end(const std::string& user_id, const std::string& call_id) override;
  nlohmann::json get(const std::string& user_id, const std::string& call_id) override;
  nlohmann::json active(const std::string& user_id) override;
  nlohmann::json history(const std::string& user_id, int limit, int offset) override;
  nlohmann::json quality(const std::string& user_id, const std::string& call_id,
                         const nlohmann::json& body) override;
  void onSocketConnected(const SocketRef& socket) override;
  void onSocketDisconnected(const SocketRef& socket) override;
  std::optional<nlohmann::json> onSocketEvent(const SocketRef& socket, const std::string& event,
                                              const nlohmann::json& data) override;

  // sfu::MediaApi::Listener
  void onMediaSubscribeOffer(const std::string& room_id, const std::string& user_id,
                             const std::string& sdp) override;
  void onMediaTransportClosed(const std::string& room_id, const std::string& user_id,
                              const std::string& reason) override;
  void onMediaActiveSpeaker(const std::string& room_id, const std::string& user_id) override;
  void onMediaPublisherLayers(const std::string& room_id, const std::string& user_id,
                              const sfu::PublisherLayers& layers) override;

  size_t liveCallCount() const { return calls_.size(); }

  // Graceful shutdown. While draining, `initiate` is refused with 503 {code: "draining"}; calls
  // already live go on (answers, joins, leaves, signaling).
  void setDraining(bool draining) { draining_ = draining; }
  bool draining() const { return draining_; }
  // Ends every live call now (ringing: missed, active: ended), tells the participants
  // (webrtc_call_ended with `reason`) and saves the calls. Returns how many were ended.
  size_t endAllCalls(const char* reason);

 private:
  // Runtime state of one participant of a live call (not stored).
  struct Presence {
    Scheduler::TimerId ring_timer = 0;
    Scheduler::TimerId grace_timer = 0;
    std::string call_socket;      // the socket that answered / signals for this call, when known
    bool elsewhere_sent = false;  // webrtc_call_answered_elsewhere went out
    bool others_stopped = false;  // the other devices got webrtc_call_ended
    std::string speaker_sent;     // the active speaker this user was last told about
  };
  struct LiveCall {
    store::CallRecord rec;
    std::map<std::string, Presence> presence;  // by user id
    CallGaugeShare gauges;                     // what this call adds to sfu_calls & co.
    // SFU calls: the room's last quality statistics, as JSON on demand (polled every 2 s, read
    // seldom: by GET /calls/:id and once when the call ends).
    sfu::MediaApi::StatsFn media_stats;
    Scheduler::TimerId stats_timer = 0;
    std::string active_speaker;  // last webrtc_active_speaker of the room
  };
  struct EchoSession {
    std::string call_id;
    std::string session_id;
  };
  enum class Origin { kRest, kSocket };

  // --- state helpers (call_core.cpp)
  LiveCall* findLive(const std::string& call_id);
  // A live or stored call the user takes part in; throws 404 / 403.
  store::CallRecord recordFor(const std::string& user_id, const std::string& call_id);
  // Saves the call (and brings the call gauges up to date).
  void persist(LiveCall& call);
  void syncGauges(LiveCall& call);
  void rateLimit(auth::RateLimiter& limiter, const std::string& key, const char* scope);
  void emitToOthers(const LiveCall& call, const std::string& except_user, const std::string& event,
                    const nlohmann::json& data, bool joined_only);
  // To the socket the user signals this call from, else all the user's sockets. False: offline.
  bool emitToCallSocket(const LiveCall& call, const std::string& user_id, const std::string& event,
                        const nlohmann::json& data);
  // Starts the disconnect grace timer if the user has no socket at all.
  void armGraceIfOffline(LiveCall& call, const std::string& user_id);
  size_t joinedCount(const LiveCall& call) const;
  size_t invitedCount(const LiveCall& call) const;

  // --- transitions (call_core.cpp)
  nlohmann::json doAnswer(const std::string& user_id, const std::string& call_id, bool accept,
                          Origin origin, const std::string& socket_id);
  nlohmann::json doEnd(const std::string& user_id, const std::string& call_id, Origin origin,
                       const std::string& socket_id, const char* reason);
  void accept(LiveCall& call, const std::string& user_id, const std::string& socket_id);
  void reject(LiveCall& call, const std::string& user_id, const std::string& socket_id);
  // A joined participant leaves (group), or ends the call (1:1). The call may be finished.
  void leave(LiveCall& call, const std::string& user_id, const char* reason);
  void stopRingingElsewhere(LiveCall& call, const std::string& user_id, bool accepted,
                            const std::string& socket_id);
  void onRingTimeout(const std::string& call_id, const std::string& user_id);
  void onGraceExpired(const std::string& call_id, const std::string& user_id);
  // Ends a group call if it can no longer go on; true if finished.
  bool maybeFinishGroup(LiveCall& call, const std::string& by_user, const char* reason);
  // Sets the final status, marks everyone out, persists, notifies, forgets the call.
  // `notify`: send webrtc_call_ended to everyone still in the call but `ended_by`.
  void finish(LiveCall& call, const std::string& status, const std::optional<std::string>& ended_by,
              const char* reason, bool notify);
  void recoverAfterRestart();
  // SFU calls: asks the media server for the room's statistics every kMediaStatsPeriod while the
  // call is live; the last answer is served by get() and saved with the call when it finishes.
  void pollMediaStats(const std::string& call_id);

  // --- socket events (call_core_socket.cpp)
  nlohmann::json relay(const SocketRef& socket, const std::string& event,
                       const nlohmann::json& data);
  void relayToSfu(const SocketRef& socket, LiveCall& call, const std::string& event,
                  const nlohmann::json& data);
  void relayToEcho(const SocketRef& socket, const std::string& call_id, const std::string& event,
                   const nlohmann::json& data);
  nlohmann::json onClientRinging(const SocketRef& socket, const nlohmann::json& data);
  nlohmann::json onClientEnded(const SocketRef& socket, const nlohmann::json& data);
  nlohmann::json onPreferences(const SocketRef& socket, const nlohmann::json& data);
  sfu::MediaApi& requireMedia();
  void stopEcho(const std::string& socket_id);

  CoreOptions options_;
  Scheduler& scheduler_;
  Notifier& notifier_;
  store::CallStore& store_;
  auth::JwtVerifier verifier_;
  sfu::MediaApi* media_;
  auth::RateLimiter initiate_limiter_;
  auth::RateLimiter rest_limiter_;
  auth::RateLimiter socket_limiter_;
  std::unordered_map<std::string, LiveCall> calls_;
  std::unordered_map<std::string, std::set<std::string>> sockets_by_user_;
  std::unordered_map<std::string, std::string> socket_user_;  // connected socket → user
  std::unordered_map<std::string, EchoSession> echo_by_socket_;
  bool draining_ = false;
  store::CallRecord last_finished_;  // the record finish() just removed, for the response
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace signaling::calls
