#include <chrono>
#include <mutex>

#include "bench/load/room_driver.h"
#include "bench/load/sio_client.h"
#include "signaling/auth/jwt.h"

namespace bench::load {

using nlohmann::json;

void DriverStatus::fail(const std::string& what) {
  std::lock_guard lock(errorMutex);
  if (errors.fetch_add(1) == 0) firstError = what;
}

namespace {

int64_t monoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string tokenFor(const std::string& user, const std::string& secret) {
  const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() +
                   6 * 3600;
  return signaling::auth::signHs256(json{{"sub", user}, {"user_id", user}, {"exp", exp}}, secret);
}

std::string sdpOf(const json& description) {
  if (description.is_string()) return description.get<std::string>();
  if (description.is_object() && description.contains("sdp")) return description["sdp"];
  return {};
}

}  // namespace

void runSfuParticipant(const SignalingTarget& target, RoomShared& room, size_t member,
                       const std::string& fingerprint_attr, DriverStatus& status,
                       const std::atomic<bool>& stop) {
  Participant& self = *room.members[member];
  const std::string& user = self.config().user_id;
  const std::string token = tokenFor(user, target.jwt_secret);
  SioClient sio;
  std::string error;
  const bool ok = sio.connect(target.host, target.port, token, user, &error);
  if (!ok) {
    status.fail(user + ": socket: " + error);
    room.failed = true;
  }
  room.connected->arrive_and_wait();
  if (!ok || room.failed) return;

  std::string callId;
  if (member == 0) {
    json participants = json::array();
    for (auto* p : room.members) participants.push_back(p->config().user_id);
    const json body{{"type", "video"},
                    {"participants", participants},
                    {"group_id", "bench-room-" + std::to_string(room.room_index)}};
    auto res =
        httpRequest(target.host, target.port, "POST", "/api/webrtc/call/initiate", token, body);
    if (res.status != 201 || !res.body.contains("call")) {
      status.fail(user + ": initiate: " + std::to_string(res.status) + " " + res.body.dump());
      room.failed = true;
      return;
    }
    callId = res.body["call"]["call_id"];
  } else {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (callId.empty() && std::chrono::steady_clock::now() < deadline && !stop) {
      auto event = sio.next(std::chrono::milliseconds(200));
      if (event && event->name == "webrtc_call_ringing" && event->data.contains("call_id")) {
        callId = event->data["call_id"];
      }
      if (room.failed) return;
    }
    if (callId.empty()) {
      status.fail(user + ": no webrtc_call_ringing");
      return;
    }
    auto res = httpRequest(target.host, target.port, "POST",
                           "/api/webrtc/call/" + callId + "/answer", token, json{{"answer", true}});
    if (res.status != 200) {
      status.fail(user + ": answer: " + std::to_string(res.status) + " " + res.body.dump());
      return;
    }
  }

  json tracks = json::array({json{{"mid", "0"}, {"source", "microphone"}}});
  if (self.config().video) tracks.push_back(json{{"mid", "1"}, {"source", "camera"}});
  self.markOfferSent(monoNs());
  sio.emit("webrtc_offer",
           json{{"call_id", callId},
                {"to_user_id", "sfu"},
                {"offer", json{{"type", "offer"}, {"sdp", self.publishOffer(fingerprint_attr)}}},
                {"tracks", tracks}});
  bool joined = false;
  while (!stop) {
    auto event = sio.next(std::chrono::milliseconds(200));
    if (!event) continue;
    const json& d = event->data;
    const bool fromSfu = d.is_object() && d.value("from_user_id", "") == "sfu";
    if (event->name == "webrtc_answer" && fromSfu) {
      auto remote = Participant::remoteFromSdp(sdpOf(d.value("answer", json())));
      if (!remote) {
        status.fail(user + ": unusable publish answer");
        continue;
      }
      self.setPublishRemote(*remote);
      if (!joined) {
        joined = true;
        ++status.joined;
      }
    } else if (event->name == "webrtc_offer" && fromSfu) {
      const std::string offer = sdpOf(d.value("offer", json()));
      auto answer = self.subscribeAnswer(offer, fingerprint_attr);
      auto remote = Participant::remoteFromSdp(offer);
      if (!answer || !remote) {
        status.fail(user + ": unusable subscribe offer");
        continue;
      }
      self.setSubscribeRemote(*remote);
      sio.emit("webrtc_answer", json{{"call_id", callId},
                                     {"to_user_id", "sfu"},
                                     {"answer", json{{"type", "answer"}, {"sdp", *answer}}}});
    } else if (event->name == "error") {
      status.fail(user + ": error event: " + d.dump());
    }
  }
  httpRequest(target.host, target.port, "POST", "/api/webrtc/call/" + callId + "/end", token);
  sio.close();
}

void runRelayParticipant(const SignalingTarget& target, RoomShared& room, size_t member,
                         DriverStatus& status, const std::atomic<bool>&) {
  Participant& self = *room.members[member];
  auto relay = sfu::net::Endpoint::parse(target.host + ":" + std::to_string(target.port));
  room.connected->arrive_and_wait();
  if (!relay) {
    status.fail("bad relay address");
    return;
  }
  self.markOfferSent(monoNs());
  self.setRelay(*relay);
  ++status.joined;
}

}  // namespace bench::load
