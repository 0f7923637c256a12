// Test doubles for the call logic: a recording Notifier (per-socket deliveries), a recording
// MediaApi whose callbacks the test completes by hand, and a harness wiring CallCore to a manual
// clock and an in-memory SQLite store.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "signaling/auth/jwt.h"
#include "signaling/calls/call_core.h"
#include "signaling/calls/manual_scheduler.h"
#include "signaling/store/sqlite_call_store.h"

namespace signaling::testing {

using nlohmann::json;

struct Delivery {
  std::string socket_id;
  std::string event;
  json data;
};

class FakeNotifier : public Notifier {
 public:
  bool emitToUser(const std::string& user_id, const std::string& event, const json& data) override {
    auto it = sockets_.find(user_id);
    if (it == sockets_.end() || it->second.empty()) return false;
    for (const auto& s : it->second) log.push_back({s, event, data});
    return true;
  }
  bool emitToSocket(const std::string& socket_id, const std::string& event,
                    const json& data) override {
    for (const auto& [user, set] : sockets_) {
      if (set.count(socket_id)) {
        log.push_back({socket_id, event, data});
        return true;
      }
    }
    return false;
  }
  bool isOnline(const std::string& user_id) const override {
    auto it = sockets_.find(user_id);
    return it != sockets_.end() && !it->second.empty();
  }

  void add(const std::string& user, const std::string& sid) { sockets_[user].insert(sid); }
  void remove(const std::string& user, const std::string& sid) { sockets_[user].erase(sid); }

  int count(const std::string& sid, const std::string& event) const {
    int n = 0;
    for (const auto& d : log) n += d.socket_id == sid && d.event == event;
    return n;
  }
  int countEvent(const std::string& event) const {
    int n = 0;
    for (const auto& d : log) n += d.event == event;
    return n;
  }
  const json* last(const std::string& sid, const std::string& event) const {
    for (auto it = log.rbegin(); it != log.rend(); ++it) {
      if (it->socket_id == sid && it->event == event) return &it->data;
    }
    return nullptr;
  }

  std::vector<Delivery> log;

 private:
  std::map<std::string, std::set<std::string>> sockets_;
};

class FakeMedia : public sfu::MediaApi {
 public:
  struct Publish {
    std::string room, user, sdp;
    std::vector<sfu::TrackSource> tracks;
    sfu::SdpCallback done;
  };
  void setListener(Listener* l) override { listener = l; }
  void publish(const std::string& room, const std::string& user, const std::string& sdp,
               const std::vector<sfu::TrackSource>& tracks, sfu::SdpCallback done) override {
    publishes.push_back({room, user, sdp, tracks, std::move(done)});
  }
  void subscribeAnswer(const std::string& room, const std::string& user,
                       const std::string& sdp) override {
    calls.push_back("subscribeAnswer " + room + " " + user + " " + sdp);
  }
  void setPreferences(const std::string& room, const std::string& user,
                      const json& prefs) override {
    calls.push_back("setPreferences " + room + " " + user + " " + prefs.dump());
  }
  void leave(const std::string& room, const std::string& user) override {
    calls.push_back("leave " + room + " " + user);
  }
  void closeRoom(const std::string& room) override { calls.push_back("closeRoom " + room); }
  void echoStart(const std::string& sdp, std::function<void(EchoResult)> done) override {
    echo_starts.push_back({sdp, std::move(done)});
  }
  void echoStop(const std::string& session) override { calls.push_back("echoStop " + session); }
  void roomStats(const std::string& room, std::function<void(json)> done) override {
    ++stats_requests;
    done(room_stats.is_null() ? json{{"room_id", room}, {"error", "no such room"}} : room_stats);
  }
  json room_stats;  // what roomStats answers (null: the media server's "no such room")
  int stats_requests = 0;

  bool called(const std::string& what) const {
    for (const auto& c : calls) {
      if (c == what) return true;
    }
    return false;
  }

  Listener* listener = nullptr;
  std::vector<Publish> publishes;
  std::vector<std::pair<std::string, std::function<void(EchoResult)>>> echo_starts;
  std::vector<std::string> calls;
};

inline constexpr char kTestSecret[] = "unit-test-secret";

class CallHarness {
 public:
  explicit CallHarness(bool with_media = true, calls::CoreOptions opts = {}) : opts_(opts) {
    store = std::make_unique<store::SqliteCallStore>(store::SqliteCallStore::Options{":memory:"});
    core = std::make_unique<calls::CallCore>(
        opts_, clock, hub, *store, auth::JwtVerifier(kTestSecret), with_media ? &media : nullptr);
  }

  SocketRef connect(const std::string& user, const std::string& sid) {
    hub.add(user, sid);
    SocketRef ref{sid, user};
    core->onSocketConnected(ref);
    return ref;
  }
  void disconnect(const SocketRef& ref) {
    hub.remove(ref.user_id, ref.socket_id);
    core->onSocketDisconnected(ref);
  }
  std::string initiate(const std::string& caller, json participants, json extra = json::object()) {
    json body = {{"type", "video"}, {"participants", participants}};
    for (auto& [k, v] : extra.items()) body[k] = v;
    json r = core->initiate(caller, body);
    return r["call"]["call_id"].get<std::string>();
  }
  json event(const SocketRef& s, const std::string& ev, json data) {
    auto r = core->onSocketEvent(s, ev, data);
    return r ? *r : json();
  }
  std::string status(const std::string& user, const std::string& call_id) {
    return core->get(user, call_id)["call"]["status"].get<std::string>();
  }

  calls::ManualScheduler clock;
  FakeNotifier hub;
  FakeMedia media;
  std::unique_ptr<store::SqliteCallStore> store;
  std::unique_ptr<calls::CallCore> core;

 private:
  calls::CoreOptions opts_;
};

// Runs `fn` and returns the ApiError status it throws (0 if none).
template <typename Fn>
int apiStatus(Fn&& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return e.status();
  }
  return 0;
}

template <typename Fn>
std::string apiMessage(Fn&& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return e.what();
  }
  return "";
}

}  // namespace signaling::testing
