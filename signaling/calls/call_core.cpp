#include "signaling/calls/call_core.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "sfu/common/log.h"
#include "signaling/calls/call_json.h"
#include "signaling/calls/call_metrics.h"

namespace signaling::calls {
namespace {

using nlohmann::json;

std::string newCallId(int64_t now_ms) {
  unsigned char r[8];
  if (RAND_bytes(r, sizeof(r)) != 1) throw ApiError(500, "internal", "No randomness");
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", r[i]);
  return "call_" + std::to_string(now_ms) + "_" + hex;
}

bool inCall(const store::ParticipantRecord& p) {
  return p.status == "joined" || p.status == "invited";
}

json ok(json body) {
  body["success"] = true;
  return body;
}

}  // namespace

CoreOptions CoreOptions::fromConfig(const Config& cfg) {
  CoreOptions o;
  o.max_participants = std::max(2u, cfg.max_participants);
  o.ring_timeout = std::chrono::seconds(cfg.ring_timeout_s ? cfg.ring_timeout_s : 45);
  return o;
}

CallCore::CallCore(CoreOptions options, Scheduler& scheduler, Notifier& notifier,
                   store::CallStore& store, auth::JwtVerifier verifier, sfu::MediaApi* media)
    : options_(options),
      scheduler_(scheduler),
      notifier_(notifier),
      store_(store),
      verifier_(std::move(verifier)),
      media_(media),
      initiate_limiter_(options.initiate_limit),
      rest_limiter_(options.rest_limit),
      socket_limiter_(options.socket_limit) {
  CallMetrics::get();  // series exported (as zeros) from start-up, not from the first call
  recoverAfterRestart();
  if (media_) media_->setListener(this);
}

CallCore::~CallCore() {
  *alive_ = false;
  if (media_) media_->setListener(nullptr);
  for (auto& [id, call] : calls_) {
    CallMetrics::get().untrack(call.gauges);
    for (auto& [user, pres] : call.presence) {
      scheduler_.cancel(pres.ring_timer);
      scheduler_.cancel(pres.grace_timer);
    }
  }
  for (auto& [sock, echo] : echo_by_socket_) {
    if (media_) media_->echoStop(echo.session_id);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

CallCore::LiveCall* CallCore::findLive(const std::string& call_id) {
  auto it = calls_.find(call_id);
  return it == calls_.end() ? nullptr : &it->second;
}

store::CallRecord CallCore::recordFor(const std::string& user_id, const std::string& call_id) {
  std::optional<store::CallRecord> rec;
  if (auto* live = findLive(call_id)) {
    rec = live->rec;
  } else {
    try {
      rec = store_.findCall(call_id);
    } catch (const store::StoreError& e) {
      SFU_LOG_ERROR("calls", "store read failed call={} error={}", call_id, e.what());
      throw ApiError(500, "internal", "Call store unavailable");
    }
  }
  if (!rec) throw ApiError(404, "not_found", "Call not found");
  if (!rec->participant(user_id)) {
    throw ApiError(403, "forbidden", "Not a participant of this call");
  }
  return *rec;
}

void CallCore::syncGauges(LiveCall& call) {
  const std::string& state = call.rec.status;
  if (state == "ringing" || state == "active") {
    CallMetrics::get().track(call.gauges, call.rec.mode, state, joinedCount(call));
  } else {
    CallMetrics::get().untrack(call.gauges);  // finished: no longer live
  }
}

void CallCore::persist(LiveCall& call) {
  syncGauges(call);
  try {
    store_.saveCall(call.rec);
  } catch (const store::StoreError& e) {
    SFU_LOG_ERROR("calls", "store write failed call={} error={}", call.rec.call_id, e.what());
  }
}

void CallCore::rateLimit(auth::RateLimiter& limiter, const std::string& key, const char* scope) {
  auto d = limiter.take(key, scheduler_.steadyNow());
  if (d.allowed) return;
  CallMetrics::get().rate_limited.Add({{"scope", scope}}).Increment();
  throw ApiError(429, "rate_limited", "Too many requests").withRetryAfter(d.retryAfterSeconds());
}

void CallCore::emitToOthers(const LiveCall& call, const std::string& except_user,
                            const std::string& event, const json& data, bool joined_only) {
  for (const auto& p : call.rec.participants) {
    if (p.user_id == except_user) continue;
    if (joined_only ? p.status != "joined" : !inCall(p)) continue;
    notifier_.emitToUser(p.user_id, event, data);
  }
}

bool CallCore::emitToCallSocket(const LiveCall& call, const std::string& user_id,
                                const std::string& event, const json& data) {
  auto it = call.presence.find(user_id);
  if (it != call.presence.end() && !it->second.call_socket.empty() &&
      notifier_.emitToSocket(it->second.call_socket, event, data)) {
    return true;
  }
  return notifier_.emitToUser(user_id, event, data);
}

void CallCore::armGraceIfOffline(LiveCall& call, const std::string& user_id) {
  // A joined participant with no socket at all (REST only) must not keep a call open forever.
  if (sockets_by_user_.count(user_id)) return;
  Presence& pres = call.presence[user_id];
  if (pres.grace_timer) return;
  pres.grace_timer =
      scheduler_.schedule(options_.disconnect_grace,
                          [this, alive = alive_, call_id = call.rec.call_id, user = user_id] {
                            if (*alive) onGraceExpired(call_id, user);
                          });
}

size_t CallCore::joinedCount(const LiveCall& call) const {
  return std::count_if(call.rec.participants.begin(), call.rec.participants.end(),
                       [](const auto& p) { return p.status == "joined"; });
}

size_t CallCore::invitedCount(const LiveCall& call) const {
  return std::count_if(call.rec.participants.begin(), call.rec.participants.end(),
                       [](const auto& p) { return p.status == "invited"; });
}

// ---------------------------------------------------------------------------------------------
// REST

std::string CallCore::authenticate(std::string_view token) {
  auto r = verifier_.verify(token, scheduler_.nowMs() / 1000);
  if (!r.ok()) {
    CallMetrics::get().auth_failed.Add({{"reason", auth::jwtErrorName(r.error)}}).Increment();
    throw ApiError(401, "unauthorized",
                   std::string("Invalid token: ") + auth::jwtErrorName(r.error));
  }
  if (isReservedUserId(r.claims->user_id)) {
    // A user called "sfu" could pass for the media server in from_user_id.
    CallMetrics::get().auth_failed.Add({{"reason", "reserved_user_id"}}).Increment();
    throw ApiError(401, "unauthorized", "Invalid token: reserved user id");
  }
  return r.claims->user_id;
}

json CallCore::initiate(const std::string& user_id, const json& body) {
  if (draining_) {
    throw ApiError(503, "draining", "Server is shutting down; no new calls (retry elsewhere)");
  }
  // Validate first: a malformed request starts no call, so it must not use up the caller's
  // initiate budget (and its 400 must not turn into a 429 that hides the real error).
  InitiateRequest req = parseInitiate(body, user_id, options_.max_participants);
  rateLimit(initiate_limiter_, user_id, "initiate");
  int64_t now = scheduler_.nowMs();

  LiveCall call;
  store::CallRecord& rec = call.rec;
  rec.call_id = newCallId(now);
  rec.type = req.type;
  rec.mode = (req.participants.size() == 2 && !req.group_id) ? "p2p" : "sfu";
  rec.caller_id = user_id;
  rec.status = "ringing";
  rec.group_id = req.group_id;
  rec.started_at_ms = now;
  for (const auto& id : req.participants) {
    store::ParticipantRecord p{id, id == user_id ? "joined" : "invited", now, std::nullopt,
                               std::nullopt};
    if (id == user_id) p.joined_at_ms = now;
    rec.participants.push_back(std::move(p));
  }
  try {
    store_.saveCall(rec);
  } catch (const store::StoreError& e) {
    SFU_LOG_ERROR("calls", "store write failed call={} error={}", rec.call_id, e.what());
    throw ApiError(500, "internal", "Call store unavailable");
  }
  std::string call_id = rec.call_id;
  LiveCall& live = calls_.emplace(call_id, std::move(call)).first->second;
  CallMetrics::get().started.Add({{"mode", live.rec.mode}}).Increment();
  syncGauges(live);
  SFU_LOG_INFO("calls", "initiated call={} user={} mode={} participants={}", call_id, user_id,
               live.rec.mode, live.rec.participants.size());

  armGraceIfOffline(live, user_id);
  json ids = json::array();
  for (const auto& p : live.rec.participants) ids.push_back(p.user_id);
  json ringing = {{"call_id", call_id},
                  {"caller_id", user_id},
                  {"type", live.rec.type},
                  {"participants", ids},
                  {"mode", live.rec.mode}};
  if (live.rec.group_id) ringing["group_id"] = *live.rec.group_id;
  for (const auto& p : live.rec.participants) {
    if (p.user_id == user_id) continue;
    Presence& pres = live.presence[p.user_id];
    pres.ring_timer = scheduler_.schedule(options_.ring_timeout,
                                          [this, alive = alive_, call_id, user = p.user_id] {
                                            if (*alive) onRingTimeout(call_id, user);
                                          });
    notifier_.emitToUser(p.user_id, "webrtc_call_ringing", ringing);
  }
  return ok({{"call", callToJson(live.rec, now)}});
}

json CallCore::answer(const std::string& user_id, const std::string& call_id, const json& body) {
  rateLimit(rest_limiter_, user_id, "rest");
  bool accept = parseAnswer(body);
  return doAnswer(user_id, call_id, accept, Origin::kRest, "");
}

json CallCore::end(const std::string& user_id, const std::string& call_id) {
  rateLimit(rest_limiter_, user_id, "rest");
  return doEnd(user_id, call_id, Origin::kRest, "", nullptr);
}

json CallCore::get(const std::string& user_id, const std::string& call_id) {
  rateLimit(rest_limiter_, user_id, "rest");
  json call = callToJson(recordFor(user_id, call_id), scheduler_.nowMs());
  // Extension: the SFU's per-participant quality statistics (loss, jitter, RTT, layers).
  if (const LiveCall* live = findLive(call_id)) {
    if (live->media_stats) call["media_stats"] = live->media_stats();
  } else if (auto saved = store_.mediaStats(call_id)) {
    auto parsed = json::parse(*saved, nullptr, false);
    if (!parsed.is_discarded()) call["media_stats"] = std::move(parsed);
  }
  return ok({{"call", std::move(call)}});
}

void CallCore::pollMediaStats(const std::string& call_id) {
  LiveCall* call = findLive(call_id);
  if (call == nullptr || media_ == nullptr) return;
  call->stats_timer = scheduler_.schedule(kMediaStatsPeriod, [this, alive = alive_, call_id] {
    if (!*alive) return;
    LiveCall* c = findLive(call_id);
    if (c == nullptr) return;
    c->stats_timer = 0;
    media_->roomStatsLazy(call_id, [this, alive = alive_, call_id](sfu::MediaApi::StatsFn stats) {
      if (!*alive) return;
      LiveCall* live = findLive(call_id);
      // No room yet (nobody published) or no media server: keep the last good snapshot.
      if (live == nullptr || !stats) return;
      live->media_stats = std::move(stats);
    });
    pollMediaStats(call_id);
  });
}

json CallCore::active(const std::string& user_id) {
  rateLimit(rest_limiter_, user_id, "rest");
  std::vector<const store::CallRecord*> mine;
  for (const auto& [id, call] : calls_) {
    const auto* p = call.rec.participant(user_id);
    if (p && inCall(*p)) mine.push_back(&call.rec);
  }
  std::sort(mine.begin(), mine.end(), [](const auto* a, const auto* b) {
    return a->started_at_ms != b->started_at_ms ? a->started_at_ms > b->started_at_ms
                                                : a->call_id > b->call_id;
  });
  json calls = json::array();
  int64_t now = scheduler_.nowMs();
  for (const auto* rec : mine) calls.push_back(callToJson(*rec, now));
  return ok({{"calls", std::move(calls)}});
}

json CallCore::history(const std::string& user_id, int limit, int offset) {
  rateLimit(rest_limiter_, user_id, "rest");
  if (limit < 1 || offset < 0) {
    throw ApiError(400, "bad_request", "limit must be >= 1 and offset >= 0");
  }
  limit = std::min(limit, 100);
  store::HistoryPage page;
  try {
    page = store_.historyFor(user_id, limit, offset);
  } catch (const store::StoreError& e) {
    SFU_LOG_ERROR("calls", "store read failed user={} error={}", user_id, e.what());
    throw ApiError(500, "internal", "Call store unavailable");
  }
  json calls = json::array();
  int64_t now = scheduler_.nowMs();
  for (const auto& rec : page.calls) {
    // Live calls: the in-memory record is the freshest.
    const auto* live = findLive(rec.call_id);
    calls.push_back(callToJson(live ? live->rec : rec, now));
  }
  return ok(
      {{"calls", std::move(calls)}, {"total", page.total}, {"limit", limit}, {"offset", offset}});
}

json CallCore::quality(const std::string& user_id, const std::string& call_id, const json& body) {
  rateLimit(rest_limiter_, user_id, "rest");
  recordFor(user_id, call_id);
  store::QualityReport report;
  report.call_id = call_id;
  report.user_id = user_id;
  report.created_at_ms = scheduler_.nowMs();
  parseQuality(body, report);
  try {
    store_.addQualityReport(report);
  } catch (const store::StoreError& e) {
    SFU_LOG_ERROR("calls", "store write failed call={} error={}", call_id, e.what());
    throw ApiError(500, "internal", "Call store unavailable");
  }
  CallMetrics::get().qualityReport(report);
  return ok({{"message", "Quality report submitted"}, {"report", reportToJson(report)}});
}

// ---------------------------------------------------------------------------------------------
// Transitions

json CallCore::doAnswer(const std::string& user_id, const std::string& call_id, bool accepted,
                        Origin origin, const std::string& socket_id) {
  LiveCall* call = findLive(call_id);
  if (!call) {
    auto rec = recordFor(user_id, call_id);  // 404 / 403
    // The socket half of a REST+socket pair whose REST half already finished the call.
    if (origin == Origin::kSocket) return ok({{"call", callToJson(rec, scheduler_.nowMs())}});
    throw ApiError(409, "conflict", "Call is " + rec.status);
  }
  store::ParticipantRecord* p = call->rec.participant(user_id);
  if (!p) throw ApiError(403, "forbidden", "Not a participant of this call");
  if (p->status == "invited") {
    accepted ? accept(*call, user_id, socket_id) : reject(*call, user_id, socket_id);
  } else if (origin == Origin::kSocket) {
    // Already answered through REST: the others were told then. Now that the answering device is
    // known, stop the ringing on the user's other devices.
    if (p->status == "joined" && accepted && user_id != call->rec.caller_id) {
      Presence& pres = call->presence[user_id];
      if (pres.call_socket.empty()) pres.call_socket = socket_id;
      stopRingingElsewhere(*call, user_id, true, socket_id);
    }
  } else if (accepted && call->rec.mode == "sfu" && call->rec.status == "active" &&
             p->status != "joined") {
    accept(*call, user_id, socket_id);  // rejoining a group call
  } else {
    throw ApiError(409, "conflict", "Already answered (" + p->status + ")");
  }
  LiveCall* after = findLive(call_id);
  return ok({{"call", callToJson(after ? after->rec : last_finished_, scheduler_.nowMs())}});
}

json CallCore::doEnd(const std::string& user_id, const std::string& call_id, Origin origin,
                     const std::string& socket_id, const char* reason) {
  LiveCall* call = findLive(call_id);
  if (!call) {
    auto rec = recordFor(user_id, call_id);
    if (origin == Origin::kSocket) return ok({{"call", callToJson(rec, scheduler_.nowMs())}});
    throw ApiError(409, "conflict", "Call already " + rec.status);
  }
  store::ParticipantRecord* p = call->rec.participant(user_id);
  if (!p) throw ApiError(403, "forbidden", "Not a participant of this call");
  if (p->status == "invited") {
    reject(*call, user_id, socket_id);  // hanging up a ringing call declines it
  } else if (p->status == "joined") {
    leave(*call, user_id, reason);
  } else if (origin == Origin::kRest) {
    throw ApiError(409, "conflict", "Already out of this call (" + p->status + ")");
  }
  LiveCall* after = findLive(call_id);
  return ok({{"call", callToJson(after ? after->rec : last_finished_, scheduler_.nowMs())}});
}

void CallCore::accept(LiveCall& call, const std::string& user_id, const std::string& socket_id) {
  int64_t now = scheduler_.nowMs();
  store::ParticipantRecord* p = call.rec.participant(user_id);
  p->status = "joined";
  p->joined_at_ms = now;
  p->left_at_ms.reset();
  Presence& pres = call.presence[user_id];
  scheduler_.cancel(pres.ring_timer);
  pres.ring_timer = 0;
  if (!socket_id.empty()) pres.call_socket = socket_id;
  armGraceIfOffline(call, user_id);
  if (call.rec.status == "ringing") {
    call.rec.status = "active";
    call.rec.answered_at_ms = now;
  }
  if (call.rec.mode == "sfu" && media_ != nullptr && call.stats_timer == 0) {
    pollMediaStats(call.rec.call_id);
  }
  persist(call);
  SFU_LOG_INFO("calls", "accepted call={} user={}", call.rec.call_id, user_id);
  json ev = {{"call_id", call.rec.call_id}, {"user_id", user_id}};
  emitToOthers(call, user_id, "webrtc_call_accepted", ev, /*joined_only=*/true);
  if (call.rec.mode == "sfu") {
    emitToOthers(call, user_id, "webrtc_participant_joined", ev, /*joined_only=*/true);
  }
  stopRingingElsewhere(call, user_id, true, socket_id);
}

void CallCore::reject(LiveCall& call, const std::string& user_id, const std::string& socket_id) {
  int64_t now = scheduler_.nowMs();
  store::ParticipantRecord* p = call.rec.participant(user_id);
  p->status = "rejected";
  p->left_at_ms = now;
  Presence& pres = call.presence[user_id];
  scheduler_.cancel(pres.ring_timer);
  pres.ring_timer = 0;
  SFU_LOG_INFO("calls", "rejected call={} user={}", call.rec.call_id, user_id);
  json ev = {{"call_id", call.rec.call_id}, {"user_id", user_id}};
  emitToOthers(call, user_id, "webrtc_call_rejected", ev, /*joined_only=*/true);
  stopRingingElsewhere(call, user_id, false, socket_id);
  if (call.rec.mode == "p2p") {
    // The caller learnt it from webrtc_call_rejected: no webrtc_call_ended on top.
    finish(call, "rejected", user_id, "rejected", /*notify=*/false);
    return;
  }
  persist(call);
  maybeFinishGroup(call, user_id, "rejected");
}

void CallCore::leave(LiveCall& call, const std::string& user_id, const char* reason) {
  if (call.rec.mode == "p2p") {
    finish(call, "ended", user_id, reason, /*notify=*/true);
    return;
  }
  int64_t now = scheduler_.nowMs();
  store::ParticipantRecord* p = call.rec.participant(user_id);
  p->status = "left";
  p->left_at_ms = now;
  Presence& pres = call.presence[user_id];
  scheduler_.cancel(pres.grace_timer);
  pres.grace_timer = 0;
  pres.call_socket.clear();
  pres.speaker_sent.clear();  // told again if the user rejoins
  // The room forgets a speaker who leaves and names the next one when someone talks.
  if (call.active_speaker == user_id) call.active_speaker.clear();
  if (media_) media_->leave(call.rec.call_id, user_id);
  persist(call);
  SFU_LOG_INFO("calls", "left call={} user={} reason={}", call.rec.call_id, user_id,
               reason ? reason : "end");
  json ev = {{"call_id", call.rec.call_id}, {"user_id", user_id}};
  if (reason) ev["reason"] = reason;
  emitToOthers(call, user_id, "webrtc_participant_left", ev, /*joined_only=*/true);
  maybeFinishGroup(call, user_id, reason);
}

void CallCore::stopRingingElsewhere(LiveCall& call, const std::string& user_id, bool accepted,
                                    const std::string& socket_id) {
  Presence& pres = call.presence[user_id];
  json elsewhere = {{"call_id", call.rec.call_id}, {"user_id", user_id}, {"answer", accepted}};
  json ended = {{"call_id", call.rec.call_id},
                {"ended_by", user_id},
                {"duration", 0},
                {"reason", accepted ? "answered_elsewhere" : "rejected"}};
  if (socket_id.empty()) {
    // REST: the answering device is unknown. Every device gets the extension event; a refusal
    // ends the call for this user everywhere, so the guide's event is safe to all devices too.
    if (!pres.elsewhere_sent)
      notifier_.emitToUser(user_id, "webrtc_call_answered_elsewhere", elsewhere);
    pres.elsewhere_sent = true;
    if (!accepted) notifier_.emitToUser(user_id, "webrtc_call_ended", ended);
    return;
  }
  if (pres.others_stopped) return;
  pres.others_stopped = true;
  auto it = sockets_by_user_.find(user_id);
  if (it == sockets_by_user_.end()) return;
  for (const auto& s : it->second) {
    if (s == socket_id) continue;
    if (!pres.elsewhere_sent)
      notifier_.emitToSocket(s, "webrtc_call_answered_elsewhere", elsewhere);
    notifier_.emitToSocket(s, "webrtc_call_ended", ended);
  }
  pres.elsewhere_sent = true;
}

void CallCore::onRingTimeout(const std::string& call_id, const std::string& user_id) {
  LiveCall* call = findLive(call_id);
  if (!call) return;
  store::ParticipantRecord* p = call->rec.participant(user_id);
  call->presence[user_id].ring_timer = 0;
  if (!p || p->status != "invited") return;
  SFU_LOG_INFO("calls", "ring timeout call={} user={}", call_id, user_id);
  if (call->rec.mode == "p2p") {
    finish(*call, "missed", std::nullopt, "missed", /*notify=*/true);
    return;
  }
  p->status = "missed";
  notifier_.emitToUser(
      user_id, "webrtc_call_ended",
      {{"call_id", call_id}, {"ended_by", nullptr}, {"duration", 0}, {"reason", "missed"}});
  emitToOthers(*call, user_id, "webrtc_participant_left",
               {{"call_id", call_id}, {"user_id", user_id}, {"reason", "missed"}},
               /*joined_only=*/true);
  persist(*call);
  maybeFinishGroup(*call, "", "missed");
}

void CallCore::onGraceExpired(const std::string& call_id, const std::string& user_id) {
  LiveCall* call = findLive(call_id);
  if (!call) return;
  call->presence[user_id].grace_timer = 0;
  const store::ParticipantRecord* p = call->rec.participant(user_id);
  if (!p || p->status != "joined") return;
  SFU_LOG_INFO("calls", "disconnect grace expired call={} user={}", call_id, user_id);
  leave(*call, user_id, "disconnected");
}

bool CallCore::maybeFinishGroup(LiveCall& call, const std::string& by_user, const char* reason) {
  size_t joined = joinedCount(call);
  size_t invited = invitedCount(call);
  if (joined >= 2) return false;
  // The caller alone, still ringing the others: wait.
  if (joined == 1 && invited > 0 && !call.rec.answered_at_ms) return false;
  std::string status = "ended";
  if (!call.rec.answered_at_ms) {
    bool missed = false, rejected = false;
    for (const auto& p : call.rec.participants) {
      missed |= p.status == "missed";
      rejected |= p.status == "rejected";
    }
    if (missed) {
      status = "missed";
    } else if (rejected && invited == 0) {
      status = "rejected";
    }
  }
  std::optional<std::string> ended_by;
  if (!by_user.empty()) ended_by = by_user;
  finish(call, status, ended_by, reason, /*notify=*/true);
  return true;
}

void CallCore::finish(LiveCall& call, const std::string& status,
                      const std::optional<std::string>& ended_by, const char* reason, bool notify) {
  int64_t now = scheduler_.nowMs();
  store::CallRecord& rec = call.rec;
  std::vector<std::string> recipients;
  for (auto& p : rec.participants) {
    if (!inCall(p)) continue;
    if (!ended_by || p.user_id != *ended_by) recipients.push_back(p.user_id);
    if (p.status == "joined") {
      p.status = "left";
      p.left_at_ms = now;
    } else {
      p.status = "missed";
    }
  }
  rec.status = status;
  rec.ended_at_ms = now;
  rec.duration_s = callDuration(rec, now);
  for (auto& [user, pres] : call.presence) {
    scheduler_.cancel(pres.ring_timer);
    scheduler_.cancel(pres.grace_timer);
  }
  scheduler_.cancel(call.stats_timer);
  persist(call);
  if (call.media_stats) {
    try {
      store_.saveMediaStats(rec.call_id, call.media_stats().dump(), now);
    } catch (const store::StoreError& e) {
      SFU_LOG_ERROR("calls", "saving media stats failed call={} error={}", rec.call_id, e.what());
    }
  }
  CallMetrics::get().callFinished(rec);
  CallMetrics::get().untrack(call.gauges);
  SFU_LOG_INFO("calls", "finished call={} status={} duration={}", rec.call_id, status,
               *rec.duration_s);
  if (rec.mode == "sfu" && media_) media_->closeRoom(rec.call_id);
  if (notify) {
    json ev = {{"call_id", rec.call_id},
               {"ended_by", ended_by ? json(*ended_by) : json(nullptr)},
               {"duration", *rec.duration_s},
               {"status", status}};
    if (reason) ev["reason"] = reason;
    for (const auto& u : recipients) notifier_.emitToUser(u, "webrtc_call_ended", ev);
  }
  last_finished_ = rec;
  calls_.erase(rec.call_id);  // `call` is gone from here on
}

size_t CallCore::endAllCalls(const char* reason) {
  std::vector<std::string> ids;
  ids.reserve(calls_.size());
  for (const auto& [id, call] : calls_) ids.push_back(id);
  for (const auto& id : ids) {
    LiveCall* call = findLive(id);
    if (!call) continue;
    SFU_LOG_INFO("calls", "ending call call={} reason={}", id, reason);
    finish(*call, call->rec.answered_at_ms ? "ended" : "missed", std::nullopt, reason,
           /*notify=*/true);
  }
  return ids.size();
}

void CallCore::recoverAfterRestart() {
  std::vector<store::CallRecord> live;
  try {
    live = store_.liveCalls();
  } catch (const store::StoreError& e) {
    SFU_LOG_ERROR("calls", "store read failed at start error={}", e.what());
    return;
  }
  int64_t now = scheduler_.nowMs();
  for (auto& rec : live) {
    // Nobody can still be connected to a call of a previous process: close it out.
    rec.status = rec.status == "ringing" ? "missed" : "ended";
    rec.ended_at_ms = now;
    rec.duration_s = callDuration(rec, now);
    for (auto& p : rec.participants) {
      if (p.status == "joined") {
        p.status = "left";
        p.left_at_ms = now;
      } else if (p.status == "invited") {
        p.status = "missed";
      }
    }
    try {
      store_.saveCall(rec);
    } catch (const store::StoreError& e) {
      SFU_LOG_ERROR("calls", "store write failed call={} error={}", rec.call_id, e.what());
    }
  }
  if (!live.empty()) {
    SFU_LOG_WARN("calls", "closed calls left open by a previous run count={}", live.size());
  }
}

}  // namespace signaling::calls
