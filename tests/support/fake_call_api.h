// A test-only CallApi for the network half of signaling: accepts tokens "good-<user>" (user id
// <user>) and refuses every other token with 401; records every call; answers REST calls with
// canned envelopes and socket events with a few scripted behaviours:
//   "echo"        → emits "echo" with the same data back to the sending socket
//   "ack_me"      → returns {"got": data} as the acknowledgement
//   "fail"        → throws ApiError 400 "Missing required fields"
//   "boom"        → throws std::runtime_error
//   "notify_user" → emits "notified" data to data.to (all sockets); acks {"delivered": bool}
// REST: call id "missing" → 404, "busy" → 429 with Retry-After 7, "forbidden" → 403.
// Thread-safe recording (the server runs on its own thread in tests).
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "signaling/api/call_api.h"

namespace signaling::testing {

class FakeCallApi : public CallApi {
 public:
  struct Record {
    std::string what;  // "initiate", "event:webrtc_offer", "connected", "disconnected", ...
    std::string user;
    std::string id;  // call id or socket id
    nlohmann::json data;
  };

  explicit FakeCallApi(Notifier& notifier) : notifier_(notifier) {}

  std::vector<Record> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }
  size_t count(const std::string& what) const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& r : records_) n += r.what == what;
    return n;
  }

  std::string authenticate(std::string_view token) override {
    constexpr std::string_view kPrefix = "good-";
    if (token.size() > kPrefix.size() && token.substr(0, kPrefix.size()) == kPrefix) {
      return std::string(token.substr(kPrefix.size()));
    }
    throw ApiError(401, "unauthorized", "Invalid token");
  }

  nlohmann::json initiate(const std::string& user, const nlohmann::json& body) override {
    record("initiate", user, "", body);
    nlohmann::json call = {{"call_id", "call_1"},
                           {"type", body.value("type", "audio")},
                           {"caller_id", user},
                           {"participants", body.value("participants", nlohmann::json::array())},
                           {"status", "ringing"},
                           {"started_at", "2024-11-05T10:30:00Z"}};
    return {{"success", true}, {"call", call}};
  }
  nlohmann::json answer(const std::string& user, const std::string& id,
                        const nlohmann::json& body) override {
    check(id);
    record("answer", user, id, body);
    return {{"success", true}, {"call", {{"call_id", id}, {"status", "active"}}}};
  }
  nlohmann::json end(const std::string& user, const std::string& id) override {
    check(id);
    record("end", user, id, nullptr);
    return {{"success", true}, {"call", {{"call_id", id}, {"status", "ended"}}}};
  }
  nlohmann::json get(const std::string& user, const std::string& id) override {
    check(id);
    record("get", user, id, nullptr);
    return {{"success", true}, {"call", {{"call_id", id}, {"status", "active"}}}};
  }
  nlohmann::json active(const std::string& user) override {
    record("active", user, "", nullptr);
    return {{"success", true}, {"calls", nlohmann::json::array()}};
  }
  nlohmann::json history(const std::string& user, int limit, int offset) override {
    record("history", user, "", {{"limit", limit}, {"offset", offset}});
    return {{"success", true},
            {"calls", nlohmann::json::array()},
            {"total", 0},
            {"limit", limit},
            {"offset", offset}};
  }
  nlohmann::json quality(const std::string& user, const std::string& id,
                         const nlohmann::json& body) override {
    check(id);
    record("quality", user, id, body);
    return {{"success", true}, {"message", "Quality report saved"}, {"report", body}};
  }

  void onSocketConnected(const SocketRef& s) override {
    record("connected", s.user_id, s.socket_id, nullptr);
  }
  void onSocketDisconnected(const SocketRef& s) override {
    record("disconnected", s.user_id, s.socket_id, nullptr);
  }
  std::optional<nlohmann::json> onSocketEvent(const SocketRef& s, const std::string& event,
                                              const nlohmann::json& data) override {
    record("event:" + event, s.user_id, s.socket_id, data);
    if (event == "echo") {
      notifier_.emitToSocket(s.socket_id, "echo", data);
      return std::nullopt;
    }
    if (event == "ack_me") return nlohmann::json{{"got", data}};
    if (event == "fail") throw ApiError(400, "bad_request", "Missing required fields");
    if (event == "boom") throw std::runtime_error("boom");
    if (event == "notify_user") {
      const std::string to = data.is_object() ? data.value("to", "") : "";
      return nlohmann::json{{"delivered", notifier_.emitToUser(to, "notified", data)}};
    }
    return std::nullopt;
  }

 private:
  static void check(const std::string& id) {
    if (id == "missing") throw ApiError(404, "not_found", "Call not found");
    if (id == "forbidden") throw ApiError(403, "forbidden", "Not a participant");
    if (id == "busy") throw ApiError(429, "rate_limited", "Too many requests").withRetryAfter(7);
  }
  void record(std::string what, const std::string& user, const std::string& id,
              nlohmann::json data) {
    std::lock_guard lock(mutex_);
    records_.push_back({std::move(what), user, id, std::move(data)});
  }

  Notifier& notifier_;
  mutable std::mutex mutex_;
  std::vector<Record> records_;
};

}  // namespace signaling::testing
