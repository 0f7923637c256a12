// CallCore: Socket.IO events (the seven client→server events of the guide plus extensions), socket
// presence, and events from the media server.
#include <unordered_set>

#include "sfu/common/log.h"
#include "signaling/calls/call_core.h"
#include "signaling/calls/call_json.h"
#include "signaling/calls/call_metrics.h"

namespace signaling::calls {
namespace {

using nlohmann::json;

const std::unordered_set<std::string> kEvents = {
    "webrtc_offer",        "webrtc_answer",          "webrtc_ice_candidate",
    "webrtc_call_ringing", "webrtc_call_accepted",   "webrtc_call_rejected",
    "webrtc_call_ended",   "webrtc_set_preferences",
};

const char* payloadKey(const std::string& event) {
  if (event == "webrtc_offer") return "offer";
  if (event == "webrtc_answer") return "answer";
  return "candidate";
}

[[noreturn]] void missingFields() { throw ApiError(400, "bad_request", "Missing required fields"); }

bool inCall(const store::ParticipantRecord& p) {
  return p.status == "joined" || p.status == "invited";
}

json okAck() { return {{"success", true}}; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Presence

void CallCore::onSocketConnected(const SocketRef& socket) {
  socket_user_[socket.socket_id] = socket.user_id;
  sockets_by_user_[socket.user_id].insert(socket.socket_id);
  // A reconnect (Socket.IO gives a new socket id) within the grace period keeps the user in calls.
  for (auto& [id, call] : calls_) {
    auto it = call.presence.find(socket.user_id);
    if (it != call.presence.end() && it->second.grace_timer) {
      scheduler_.cancel(it->second.grace_timer);
      it->second.grace_timer = 0;
    }
  }
}

void CallCore::onSocketDisconnected(const SocketRef& socket) {
  stopEcho(socket.socket_id);
  socket_limiter_.forget(socket.socket_id);
  socket_user_.erase(socket.socket_id);
  bool none_left = true;
  if (auto it = sockets_by_user_.find(socket.user_id); it != sockets_by_user_.end()) {
    it->second.erase(socket.socket_id);
    none_left = it->second.empty();
    if (none_left) sockets_by_user_.erase(it);
  }
  for (auto& [id, call] : calls_) {
    const auto* p = call.rec.participant(socket.user_id);
    if (!p || p->status != "joined") continue;
    Presence& pres = call.presence[socket.user_id];
    bool call_socket_lost = pres.call_socket == socket.socket_id;
    if (call_socket_lost) pres.call_socket.clear();
    if (none_left) {
      armGraceIfOffline(call, socket.user_id);
    } else if (call_socket_lost && !pres.grace_timer) {
      pres.grace_timer = scheduler_.schedule(
          options_.disconnect_grace, [this, alive = alive_, call_id = id, user = socket.user_id] {
            if (*alive) onGraceExpired(call_id, user);
          });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Events

std::optional<json> CallCore::onSocketEvent(const SocketRef& socket, const std::string& event,
                                            const json& data) {
  if (!kEvents.count(event)) return std::nullopt;  // not a call event
  CallMetrics::get().socket_events.Add({{"event", event}}).Increment();
  rateLimit(socket_limiter_, socket.socket_id, "socket");
  if (!data.is_object()) missingFields();
  if (event == "webrtc_offer" || event == "webrtc_answer" || event == "webrtc_ice_candidate") {
    return relay(socket, event, data);
  }
  if (event == "webrtc_call_ringing") return onClientRinging(socket, data);
  if (event == "webrtc_call_ended") return onClientEnded(socket, data);
  if (event == "webrtc_set_preferences") return onPreferences(socket, data);
  // webrtc_call_accepted / webrtc_call_rejected: the same as the REST answer (deduplicated).
  auto call_id = stringField(data, "call_id");
  if (!call_id) missingFields();
  return doAnswer(socket.user_id, *call_id, event == "webrtc_call_accepted", Origin::kSocket,
                  socket.socket_id);
}

json CallCore::relay(const SocketRef& socket, const std::string& event, const json& data) {
  const char* key = payloadKey(event);
  auto call_id = stringField(data, "call_id");
  auto to = stringField(data, "to_user_id");
  auto payload = data.find(key);
  if (!call_id || !to || payload == data.end() || payload->is_null()) missingFields();
  if (*to == "echo") {
    relayToEcho(socket, *call_id, event, data);
    return okAck();
  }
  LiveCall* call = findLive(*call_id);
  if (!call) {
    auto rec = recordFor(socket.user_id, *call_id);  // 404 unknown, 403 not a participant
    throw ApiError(409, "conflict", "Call is " + rec.status);
  }
  const store::ParticipantRecord* me = call->rec.participant(socket.user_id);
  if (!me || !inCall(*me)) throw ApiError(403, "forbidden", "Not a participant of this call");
  if (*to == "sfu") {
    relayToSfu(socket, *call, event, data);
    return okAck();
  }
  if (*to == socket.user_id) throw ApiError(400, "bad_request", "Cannot signal yourself");
  const store::ParticipantRecord* target = call->rec.participant(*to);
  if (!target || !inCall(*target)) {
    throw ApiError(403, "forbidden", "Recipient is not in this call");
  }
  if (me->status == "joined") call->presence[socket.user_id].call_socket = socket.socket_id;
  // from_user_id is always the authenticated sender: a `from_user_id` in the payload is ignored.
  json out = {{"call_id", *call_id}, {key, *payload}, {"from_user_id", socket.user_id}};
  if (!emitToCallSocket(*call, *to, event, out)) {
    throw ApiError(404, "recipient_offline", "Recipient not online");
  }
  return okAck();
}

void CallCore::relayToSfu(const SocketRef& socket, LiveCall& call, const std::string& event,
                          const json& data) {
  if (call.rec.mode != "sfu") throw ApiError(400, "bad_request", "Not an SFU call");
  if (call.rec.participant(socket.user_id)->status != "joined") {
    throw ApiError(409, "conflict", "Answer the call before sending media");
  }
  sfu::MediaApi& media = requireMedia();
  // The SFU is ICE-lite and lists its candidates in its SDP; trickled client candidates are
  // accepted and ignored (DESIGN.md, Wire details).
  if (event == "webrtc_ice_candidate") return;
  auto sdp = sdpOf(data[payloadKey(event)]);
  if (!sdp) throw ApiError(400, "bad_request", "Invalid session description");
  const std::string& call_id = call.rec.call_id;
  call.presence[socket.user_id].call_socket = socket.socket_id;
  if (event == "webrtc_answer") {
    media.subscribeAnswer(call_id, socket.user_id, *sdp);
    return;
  }
  auto tracks = parseTracks(data);
  media.publish(call_id, socket.user_id, *sdp, tracks,
                [this, alive = alive_, call_id, user = socket.user_id,
                 sock = socket.socket_id](sfu::SdpResult r) {
                  if (!*alive) return;
                  LiveCall* c = findLive(call_id);
                  const auto* p = c ? c->rec.participant(user) : nullptr;
                  if (!p || p->status != "joined") return;  // left meanwhile
                  if (!r.ok) {
                    notifier_.emitToSocket(sock, "error",
                                           {{"message", "SFU: " + r.error}, {"call_id", call_id}});
                    return;
                  }
                  notifier_.emitToSocket(sock, "webrtc_answer",
                                         {{"call_id", call_id},
                                          {"answer", {{"type", "answer"}, {"sdp", r.sdp}}},
                                          {"from_user_id", "sfu"}});
                });
}

void CallCore::relayToEcho(const SocketRef& socket, const std::string& call_id,
                           const std::string& event, const json& data) {
  sfu::MediaApi& media = requireMedia();
  if (event == "webrtc_ice_candidate") return;  // candidates are in the echo session's SDP
  if (event != "webrtc_offer") throw ApiError(400, "bad_request", "The echo test expects an offer");
  auto sdp = sdpOf(data["offer"]);
  if (!sdp) throw ApiError(400, "bad_request", "Invalid session description");
  stopEcho(socket.socket_id);
  media.echoStart(*sdp, [this, alive = alive_, call_id, sock = socket.socket_id,
                         media_ptr = media_](sfu::MediaApi::EchoResult r) {
    if (!*alive) {
      if (r.ok) media_ptr->echoStop(r.session_id);
      return;
    }
    if (!socket_user_.count(sock)) {  // the socket went away meanwhile
      if (r.ok) media_ptr->echoStop(r.session_id);
      return;
    }
    if (!r.ok) {
      notifier_.emitToSocket(sock, "error",
                             {{"message", "Echo: " + r.error}, {"call_id", call_id}});
      return;
    }
    stopEcho(sock);  // one echo session per socket
    echo_by_socket_[sock] = EchoSession{call_id, r.session_id};
    notifier_.emitToSocket(sock, "webrtc_answer",
                           {{"call_id", call_id},
                            {"answer", {{"type", "answer"}, {"sdp", r.sdp}}},
                            {"from_user_id", "echo"}});
  });
}

json CallCore::onClientRinging(const SocketRef& socket, const json& data) {
  auto call_id = stringField(data, "call_id");
  if (!call_id) missingFields();
  // The server already rang every invitee at initiate: never ring twice, and never ring users
  // the payload adds (its `participants` are ignored).
  recordFor(socket.user_id, *call_id);
  return okAck();
}

json CallCore::onClientEnded(const SocketRef& socket, const json& data) {
  auto call_id = stringField(data, "call_id");
  if (!call_id) missingFields();
  auto echo = echo_by_socket_.find(socket.socket_id);
  if (echo != echo_by_socket_.end() && echo->second.call_id == *call_id) {
    stopEcho(socket.socket_id);
    return okAck();
  }
  return doEnd(socket.user_id, *call_id, Origin::kSocket, socket.socket_id, nullptr);
}

json CallCore::onPreferences(const SocketRef& socket, const json& data) {
  auto call_id = stringField(data, "call_id");
  if (!call_id) missingFields();
  LiveCall* call = findLive(*call_id);
  if (!call) {
    auto rec = recordFor(socket.user_id, *call_id);
    throw ApiError(409, "conflict", "Call is " + rec.status);
  }
  const auto* me = call->rec.participant(socket.user_id);
  if (!me) throw ApiError(403, "forbidden", "Not a participant of this call");
  if (call->rec.mode != "sfu") throw ApiError(400, "bad_request", "Not an SFU call");
  if (me->status != "joined") throw ApiError(409, "conflict", "Not joined");
  json prefs = data;
  prefs.erase("call_id");
  if (auto it = prefs.find("max_layer"); it != prefs.end()) {
    if (!it->is_number_integer() || it->get<int>() < 0 || it->get<int>() > 2) {
      throw ApiError(400, "bad_request", "max_layer must be 0, 1 or 2");
    }
  }
  requireMedia().setPreferences(*call_id, socket.user_id, prefs);
  return okAck();
}

sfu::MediaApi& CallCore::requireMedia() {
  if (!media_) throw ApiError(503, "media_unavailable", "Media server unavailable");
  return *media_;
}

void CallCore::stopEcho(const std::string& socket_id) {
  auto it = echo_by_socket_.find(socket_id);
  if (it == echo_by_socket_.end()) return;
  if (media_) media_->echoStop(it->second.session_id);
  echo_by_socket_.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Media server events (delivered on the signaling thread)

void CallCore::onMediaSubscribeOffer(const std::string& room_id, const std::string& user_id,
                                     const std::string& sdp) {
  LiveCall* call = findLive(room_id);
  const auto* p = call ? call->rec.participant(user_id) : nullptr;
  if (!p || p->status != "joined") return;
  emitToCallSocket(*call, user_id, "webrtc_offer",
                   {{"call_id", room_id},
                    {"offer", {{"type", "offer"}, {"sdp", sdp}}},
                    {"from_user_id", "sfu"}});
  // A late joiner learns who is speaking with its subscription: the room only reports changes,
  // and the floor may stay with one speaker for the whole call.
  Presence& pres = call->presence[user_id];
  if (!call->active_speaker.empty() && pres.speaker_sent != call->active_speaker) {
    pres.speaker_sent = call->active_speaker;
    emitToCallSocket(*call, user_id, "webrtc_active_speaker",
                     {{"call_id", room_id}, {"user_id", call->active_speaker}});
  }
}

void CallCore::onMediaTransportClosed(const std::string& room_id, const std::string& user_id,
                                      const std::string& reason) {
  LiveCall* call = findLive(room_id);
  const auto* p = call ? call->rec.participant(user_id) : nullptr;
  if (!p || p->status != "joined") return;
  SFU_LOG_INFO("calls", "media transport closed call={} user={} reason={}", room_id, user_id,
               reason);
  leave(*call, user_id, "media_closed");
}

void CallCore::onMediaActiveSpeaker(const std::string& room_id, const std::string& user_id) {
  LiveCall* call = findLive(room_id);
  if (!call) return;
  call->active_speaker = user_id;
  for (const auto& p : call->rec.participants) {
    if (p.status == "joined") call->presence[p.user_id].speaker_sent = user_id;
  }
  emitToOthers(*call, "", "webrtc_active_speaker", {{"call_id", room_id}, {"user_id", user_id}},
               /*joined_only=*/true);
}

void CallCore::onMediaPublisherLayers(const std::string& room_id, const std::string& user_id,
                                      const sfu::PublisherLayers& layers) {
  LiveCall* call = findLive(room_id);
  const auto* p = call ? call->rec.participant(user_id) : nullptr;
  if (!p || p->status != "joined") return;
  emitToCallSocket(*call, user_id, "webrtc_layers",
                   {{"call_id", room_id},
                    {"from_user_id", "sfu"},
                    {"track_id", layers.track_id},
                    {"mid", layers.mid},
                    {"source", layers.source},
                    {"active", layers.active},
                    {"inactive", layers.inactive}});
}

}  // namespace signaling::calls
