// Janus side of the benchmark: the same participant against Janus's VideoRoom plugin over its
// HTTP API (Janus 1.x multistream). Publisher handle: join + publish (our simulcast offer, Janus
// answers); once every member of the room published, a subscriber handle joins with all other
// feeds in one request (Janus offers, we answer with "start"). Janus runs with --ice-lite, so our
// controlling ICE agent nominates exactly as with our server.

#include <chrono>
#include <thread>

#include "bench/load/room_driver.h"
#include "bench/load/sio_client.h"

namespace bench::load {

using nlohmann::json;

namespace {

int64_t monoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class JanusSession {
 public:
  JanusSession(const SignalingTarget& target) : target_(target) {}

  bool create(std::string* error) {
    auto res = post(target_.janus_path, json{{"janus", "create"}});
    if (res.value("janus", "") != "success") return fail(error, "create", res);
    session_ = res["data"]["id"].get<uint64_t>();
    return true;
  }
  std::optional<uint64_t> attach(std::string* error) {
    auto res = post(sessionPath(), json{{"janus", "attach"}, {"plugin", "janus.plugin.videoroom"}});
    if (res.value("janus", "") != "success") {
      fail(error, "attach", res);
      return std::nullopt;
    }
    return res["data"]["id"].get<uint64_t>();
  }
  json message(uint64_t handle, const json& body, const json& jsep = nullptr) {
    json m{{"janus", "message"}, {"body", body}};
    if (!jsep.is_null()) m["jsep"] = jsep;
    return post(sessionPath() + "/" + std::to_string(handle), m);
  }
  void keepalive() { post(sessionPath(), json{{"janus", "keepalive"}}); }
  void destroy() { post(sessionPath(), json{{"janus", "destroy"}}); }

  // Long-polls until an event of `handle` satisfies `match` (events of other handles are kept).
  template <class F>
  std::optional<json> waitEvent(uint64_t handle, F match, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        if (it->value("sender", uint64_t{0}) == handle && match(*it)) {
          json e = std::move(*it);
          pending_.erase(it);
          return e;
        }
      }
      auto res = httpRequest(target_.host, target_.port, "GET", sessionPath() + "?maxev=10", "");
      if (res.status != 200) return std::nullopt;
      if (res.body.is_array()) {
        for (auto& e : res.body) pending_.push_back(e);
      } else if (res.body.is_object()) {
        pending_.push_back(res.body);
      }
    }
    return std::nullopt;
  }

 private:
  std::string sessionPath() const { return target_.janus_path + "/" + std::to_string(session_); }
  json post(const std::string& path, json body) {
    body["transaction"] = std::to_string(++transaction_);
    return httpRequest(target_.host, target_.port, "POST", path, "", body).body;
  }
  static bool fail(std::string* error, const char* what, const json& res) {
    if (error) *error = std::string(what) + ": " + res.dump();
    return false;
  }

  const SignalingTarget& target_;
  uint64_t session_ = 0;
  uint64_t transaction_ = 0;
  std::vector<json> pending_;
};

bool hasJsep(const json& e) { return e.contains("jsep") && e["jsep"].contains("sdp"); }

}  // namespace

void runJanusParticipant(const SignalingTarget& target, RoomShared& room, size_t member,
                         const std::string& fingerprint_attr, DriverStatus& status,
                         const std::atomic<bool>& stop) {
  Participant& self = *room.members[member];
  const std::string& user = self.config().user_id;
  const uint64_t roomId = 1000 + room.room_index;
  const uint64_t feedId = 1 + self.config().index;
  JanusSession janus(target);
  std::string error;
  std::optional<uint64_t> pubHandle;
  bool ok = janus.create(&error) && (pubHandle = janus.attach(&error)).has_value();
  if (ok && member == 0) {
    auto res = janus.message(*pubHandle, json{{"request", "create"},
                                              {"room", roomId},
                                              {"publishers", room.members.size() + 1},
                                              {"videocodec", "vp8"},
                                              {"audiocodec", "opus"},
                                              {"bitrate", 0},
                                              {"permanent", false}});
    const auto& data = res["plugindata"]["data"];
    if (data.value("videoroom", "") != "created" && data.value("error_code", 0) != 427) {
      error = "room create: " + res.dump();
      ok = false;
    }
  }
  if (!ok) {
    status.fail(user + ": janus: " + error);
    room.failed = true;
  }
  room.connected->arrive_and_wait();  // the room exists
  if (!ok || room.failed) return;

  auto fail = [&](const std::string& what) {
    status.fail(user + ": janus " + what);
    room.failed = true;
  };
  janus.message(*pubHandle, json{{"request", "join"},
                                 {"ptype", "publisher"},
                                 {"room", roomId},
                                 {"id", feedId},
                                 {"display", user}});
  auto joined = janus.waitEvent(
      *pubHandle,
      [](const json& e) {
        return e.contains("plugindata") &&
               e["plugindata"]["data"].value("videoroom", "") == "joined";
      },
      std::chrono::seconds(30));
  if (!joined) return fail("join: no joined event");
  self.markOfferSent(monoNs());
  janus.message(*pubHandle, json{{"request", "publish"}, {"audio", true}, {"video", true}},
                json{{"type", "offer"}, {"sdp", self.publishOffer(fingerprint_attr)}});
  auto answer = janus.waitEvent(*pubHandle, hasJsep, std::chrono::seconds(30));
  if (!answer) return fail("publish: no answer");
  auto pubRemote = Participant::remoteFromSdp((*answer)["jsep"]["sdp"]);
  if (!pubRemote) return fail("publish: unusable answer " + (*answer)["jsep"].dump());
  self.setPublishRemote(*pubRemote);
  ++status.joined;

  // Subscribe once everyone's publish transport is up (Janus lists a feed only then): one offer
  // with all feeds.
  const auto readyDeadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!self.publishReady() && !stop && std::chrono::steady_clock::now() < readyDeadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!self.publishReady()) return fail("publish: transport not connected");
  room.published.fetch_add(1);
  while (room.published.load() < static_cast<int>(room.members.size()) && !stop && !room.failed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto subHandle = janus.attach(&error);
  if (!subHandle) return fail("attach subscriber: " + error);
  json streams = json::array();
  for (auto* other : room.members) {
    if (other != &self) streams.push_back(json{{"feed", 1 + other->config().index}});
  }
  janus.message(
      *subHandle,
      json{{"request", "join"}, {"ptype", "subscriber"}, {"room", roomId}, {"streams", streams}});
  auto offer = janus.waitEvent(*subHandle, hasJsep, std::chrono::seconds(30));
  if (!offer) return fail("subscribe: no offer");
  const std::string offerSdp = (*offer)["jsep"]["sdp"];
  auto subAnswer = self.subscribeAnswer(offerSdp, fingerprint_attr);
  auto subRemote = Participant::remoteFromSdp(offerSdp);
  if (!subAnswer || !subRemote) return fail("subscribe: unusable offer");
  self.setSubscribeRemote(*subRemote);
  janus.message(*subHandle, json{{"request", "start"}},
                json{{"type", "answer"}, {"sdp", *subAnswer}});

  auto lastKeepalive = std::chrono::steady_clock::now();
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() - lastKeepalive > std::chrono::seconds(15)) {
      janus.keepalive();
      lastKeepalive = std::chrono::steady_clock::now();
    }
  }
  janus.destroy();
}

}  // namespace bench::load
