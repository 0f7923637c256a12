// The 1:1 call flows of the guide on a manual clock: ringing on every device, answer, reject,
// missed, end, and the REST + socket event pairs reaching the others once.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "unit/signaling/call_harness.h"

namespace signaling::testing {
namespace {

using namespace std::chrono_literals;

class P2pCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a = h.connect("alice", "a1");
    b1 = h.connect("bob", "b1");
    b2 = h.connect("bob", "b2");
  }
  CallHarness h;
  SocketRef a, b1, b2;
};

TEST_F(P2pCallTest, InitiateRingsEveryInviteeDeviceOnce) {
  json r = h.core->initiate("alice", {{"type", "audio"}, {"participants", {"bob", "bob"}}});
  ASSERT_TRUE(r["success"].get<bool>());
  const json& call = r["call"];
  std::string id = call["call_id"];
  EXPECT_TRUE(std::regex_match(id, std::regex("call_[0-9]{13}_[0-9a-f]{16}"))) << id;
  EXPECT_EQ(call["type"], "audio");
  EXPECT_EQ(call["mode"], "p2p");
  EXPECT_EQ(call["caller_id"], "alice");
  EXPECT_EQ(call["participants"], json({"alice", "bob"}));
  EXPECT_EQ(call["status"], "ringing");
  EXPECT_TRUE(std::regex_match(call["started_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_TRUE(call["duration"].is_number());
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ringing"), 1);
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_ringing"), 1);
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_ringing"), 0);
  const json* ring = h.hub.last("b1", "webrtc_call_ringing");
  EXPECT_EQ((*ring)["call_id"], id);
  EXPECT_EQ((*ring)["caller_id"], "alice");
  EXPECT_EQ((*ring)["type"], "audio");
  EXPECT_EQ((*ring)["mode"], "p2p");
  EXPECT_EQ((*ring)["participants"], json({"alice", "bob"}));

  // The client's own webrtc_call_ringing (as the guide shows) does not ring again, and cannot
  // ring users outside the call.
  h.connect("mallory", "m1");
  json ack = h.event(a, "webrtc_call_ringing",
                     {{"call_id", id}, {"participants", {"alice", "bob", "mallory"}}});
  EXPECT_TRUE(ack["success"].get<bool>());
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ringing"), 1);
  EXPECT_EQ(h.hub.count("m1", "webrtc_call_ringing"), 0);
}

TEST_F(P2pCallTest, AnswerRelayEndWithRestAndSocketPairs) {
  std::string id = h.initiate("alice", {"bob"});
  h.clock.advance(2s);

  json r = h.core->answer("bob", id, {{"answer", true}});
  EXPECT_EQ(r["call"]["status"], "active");
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_accepted"), 1);
  EXPECT_EQ((*h.hub.last("a1", "webrtc_call_accepted")),
            json({{"call_id", id}, {"user_id", "bob"}}));
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_answered_elsewhere"), 1);
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_answered_elsewhere"), 1);
  // The guide's client then emits the socket event from the answering device (b1).
  h.event(b1, "webrtc_call_accepted", {{"call_id", id}, {"caller_id", "alice"}});
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_accepted"), 1);  // once, not twice
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_ended"), 1);     // stop ringing on the other device
  EXPECT_EQ((*h.hub.last("b2", "webrtc_call_ended"))["reason"], "answered_elsewhere");
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ended"), 0);
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_answered_elsewhere"), 1);
  h.event(b1, "webrtc_call_accepted", {{"call_id", id}});  // a repeat changes nothing
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_ended"), 1);

  // Offer/answer/candidates: relayed to the answering device only, from_user_id stamped.
  json offer = {{"type", "offer"}, {"sdp", "v=0..."}};
  h.event(a, "webrtc_offer",
          {{"call_id", id}, {"offer", offer}, {"to_user_id", "bob"}, {"from_user_id", "carol"}});
  ASSERT_EQ(h.hub.count("b1", "webrtc_offer"), 1);
  EXPECT_EQ(h.hub.count("b2", "webrtc_offer"), 0);
  EXPECT_EQ(*h.hub.last("b1", "webrtc_offer"),
            json({{"call_id", id}, {"offer", offer}, {"from_user_id", "alice"}}));
  h.event(b1, "webrtc_answer", {{"call_id", id}, {"answer", "v=0 bare"}, {"to_user_id", "alice"}});
  EXPECT_EQ((*h.hub.last("a1", "webrtc_answer"))["from_user_id"], "bob");
  EXPECT_EQ((*h.hub.last("a1", "webrtc_answer"))["answer"], "v=0 bare");
  json cand = {{"candidate", "candidate:1 1 udp 1 127.0.0.1 5000 typ host"}, {"sdpMid", "0"}};
  h.event(b1, "webrtc_ice_candidate",
          {{"call_id", id}, {"candidate", cand}, {"to_user_id", "alice"}});
  EXPECT_EQ((*h.hub.last("a1", "webrtc_ice_candidate"))["candidate"], cand);

  h.clock.advance(10500ms);
  r = h.core->end("alice", id);
  EXPECT_EQ(r["call"]["status"], "ended");
  EXPECT_DOUBLE_EQ(r["call"]["duration"].get<double>(), 10.5);
  EXPECT_TRUE(r["call"]["ended_at"].is_string());
  for (const char* s : {"b1", "b2"}) {
    const json* ended = h.hub.last(s, "webrtc_call_ended");
    ASSERT_TRUE(ended) << s;
    EXPECT_EQ((*ended)["ended_by"], "alice");
    EXPECT_DOUBLE_EQ((*ended)["duration"].get<double>(), 10.5);
  }
  int bob_ended = h.hub.count("b1", "webrtc_call_ended");
  // The socket half of the end pair: no second notification, no error.
  json ack = h.event(a, "webrtc_call_ended", {{"call_id", id}, {"participants", {"alice", "bob"}}});
  EXPECT_TRUE(ack["success"].get<bool>());
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ended"), bob_ended);
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_ended"), 0);
  EXPECT_EQ(apiStatus([&] { h.core->end("alice", id); }), 409);
  EXPECT_EQ(h.core->liveCallCount(), 0u);

  json hist = h.core->history("bob", 20, 0);
  EXPECT_EQ(hist["total"], 1);
  EXPECT_EQ(hist["limit"], 20);
  EXPECT_EQ(hist["offset"], 0);
  EXPECT_EQ(hist["calls"][0]["status"], "ended");
  EXPECT_TRUE(h.core->active("bob")["calls"].empty());
}

TEST_F(P2pCallTest, SocketOnlyAnswerWorksLikeRest) {
  std::string id = h.initiate("alice", {"bob"});
  h.event(b2, "webrtc_call_accepted", {{"call_id", id}, {"caller_id", "alice"}});
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_accepted"), 1);
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ended"), 1);
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_answered_elsewhere"), 1);
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_ended"), 0);
  EXPECT_EQ(h.status("bob", id), "active");
  // The late REST answer of the same device is a conflict, not a second notification.
  EXPECT_EQ(apiStatus([&] { h.core->answer("bob", id, {{"answer", true}}); }), 409);
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_accepted"), 1);
}

TEST_F(P2pCallTest, RejectNotifiesCallerOnceAndStopsRinging) {
  std::string id = h.initiate("alice", {"bob"});
  json r = h.core->answer("bob", id, {{"answer", false}});
  EXPECT_EQ(r["call"]["status"], "rejected");
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_rejected"), 1);
  EXPECT_EQ(*h.hub.last("a1", "webrtc_call_rejected"), json({{"call_id", id}, {"user_id", "bob"}}));
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_ended"), 0);
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ended"), 1);
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_ended"), 1);
  h.event(b1, "webrtc_call_rejected", {{"call_id", id}, {"caller_id", "alice"}});
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_rejected"), 1);
  EXPECT_EQ(apiStatus([&] { h.core->answer("bob", id, {{"answer", true}}); }), 409);
  EXPECT_EQ(h.status("alice", id), "rejected");
  EXPECT_EQ(h.core->liveCallCount(), 0u);
}

TEST_F(P2pCallTest, RingTimeoutMakesMissed) {
  std::string id = h.initiate("alice", {"bob"});
  h.clock.advance(44s);
  EXPECT_EQ(h.status("alice", id), "ringing");
  h.clock.advance(1s);
  EXPECT_EQ(h.status("alice", id), "missed");
  for (const char* s : {"a1", "b1", "b2"}) {
    const json* ended = h.hub.last(s, "webrtc_call_ended");
    ASSERT_TRUE(ended) << s;
    EXPECT_EQ((*ended)["reason"], "missed");
    EXPECT_TRUE((*ended)["ended_by"].is_null());
  }
  json call = h.core->get("bob", id)["call"];
  EXPECT_EQ(call["duration"], 0);
  EXPECT_EQ(call["participant_states"][1]["status"], "missed");
  EXPECT_EQ(h.clock.pending(), 0u);
}

TEST_F(P2pCallTest, CallerCancelsWhileRinging) {
  std::string id = h.initiate("alice", {"bob"});
  h.core->end("alice", id);
  EXPECT_EQ(h.status("bob", id), "ended");
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ended"), 1);
  EXPECT_EQ(h.hub.count("b2", "webrtc_call_ended"), 1);
  EXPECT_EQ(h.clock.pending(), 0u);  // the ring timer is gone
}

TEST_F(P2pCallTest, CalleeHangupWhileRingingDeclines) {
  std::string id = h.initiate("alice", {"bob"});
  h.core->end("bob", id);
  EXPECT_EQ(h.status("alice", id), "rejected");
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_rejected"), 1);
}

TEST_F(P2pCallTest, LastSocketDisconnectLeavesAfterGrace) {
  std::string id = h.initiate("alice", {"bob"});
  h.event(b1, "webrtc_call_accepted", {{"call_id", id}});
  h.disconnect(b2);  // not the call's device, and bob still has b1: nothing happens
  h.clock.advance(60s);
  EXPECT_EQ(h.status("alice", id), "active");
  h.disconnect(b1);
  h.clock.advance(29s);
  EXPECT_EQ(h.status("alice", id), "active");
  auto b3 = h.connect("bob", "b3");  // reconnected within the grace period
  h.clock.advance(60s);
  EXPECT_EQ(h.status("alice", id), "active");
  h.disconnect(b3);
  h.clock.advance(30s);
  EXPECT_EQ(h.status("alice", id), "ended");
  const json* ended = h.hub.last("a1", "webrtc_call_ended");
  ASSERT_TRUE(ended);
  EXPECT_EQ((*ended)["ended_by"], "bob");
  EXPECT_EQ((*ended)["reason"], "disconnected");
}

TEST_F(P2pCallTest, RelayRefusals) {
  std::string id = h.initiate("alice", {"bob"});
  h.connect("mallory", "m1");
  SocketRef m{"m1", "mallory"};
  struct Case {
    const char* name;
    SocketRef from;
    std::string event;
    json data;
    int status;
    std::string message;
  };
  const Case cases[] = {
      {"missing call_id",
       a,
       "webrtc_offer",
       {{"offer", "x"}, {"to_user_id", "bob"}},
       400,
       "Missing required fields"},
      {"missing to",
       a,
       "webrtc_offer",
       {{"call_id", id}, {"offer", "x"}},
       400,
       "Missing required fields"},
      {"missing offer",
       a,
       "webrtc_offer",
       {{"call_id", id}, {"to_user_id", "bob"}},
       400,
       "Missing required fields"},
      {"null candidate",
       a,
       "webrtc_ice_candidate",
       {{"call_id", id}, {"candidate", nullptr}, {"to_user_id", "bob"}},
       400,
       "Missing required fields"},
      {"payload not object", a, "webrtc_offer", json::array(), 400, "Missing required fields"},
      {"foreign call",
       m,
       "webrtc_offer",
       {{"call_id", id}, {"offer", "x"}, {"to_user_id", "bob"}},
       403,
       "Not a participant of this call"},
      {"unknown call",
       a,
       "webrtc_offer",
       {{"call_id", "call_0_0"}, {"offer", "x"}, {"to_user_id", "bob"}},
       404,
       "Call not found"},
      {"recipient outside call",
       a,
       "webrtc_offer",
       {{"call_id", id}, {"offer", "x"}, {"to_user_id", "mallory"}},
       403,
       "Recipient is not in this call"},
      {"to self",
       a,
       "webrtc_offer",
       {{"call_id", id}, {"offer", "x"}, {"to_user_id", "alice"}},
       400,
       "Cannot signal yourself"},
      {"sfu target on a p2p call",
       a,
       "webrtc_offer",
       {{"call_id", id}, {"offer", "x"}, {"to_user_id", "sfu"}},
       400,
       "Not an SFU call"},
      {"ringing of a foreign call",
       m,
       "webrtc_call_ringing",
       {{"call_id", id}},
       403,
       "Not a participant of this call"},
      {"accepted without call id", b1, "webrtc_call_accepted", json::object(), 400,
       "Missing required fields"},
      {"ended of a foreign call",
       m,
       "webrtc_call_ended",
       {{"call_id", id}},
       403,
       "Not a participant of this call"},
  };
  for (const auto& c : cases) {
    try {
      h.core->onSocketEvent(c.from, c.event, c.data);
      ADD_FAILURE() << c.name << ": no error";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.status(), c.status) << c.name;
      EXPECT_EQ(std::string(e.what()), c.message) << c.name;
    }
  }
  EXPECT_EQ(h.hub.countEvent("webrtc_offer"), 0);
  // Recipient with no socket.
  h.disconnect(b1);
  h.disconnect(b2);
  EXPECT_EQ(apiMessage([&] {
              h.event(a, "webrtc_offer", {{"call_id", id}, {"offer", "x"}, {"to_user_id", "bob"}});
            }),
            "Recipient not online");
  // Events that are not call events are left to the network half.
  EXPECT_FALSE(h.core->onSocketEvent(a, "chat_message", json::object()));
}

TEST_F(P2pCallTest, RestErrors) {
  std::string id = h.initiate("alice", {"bob"});
  // Each initiate case comes from a fresh caller: refused requests still spend rate-limit tokens.
  int n = 0;
  auto who = [&] { return "caller" + std::to_string(n++); };
  struct Case {
    const char* name;
    std::function<void()> fn;
    int status;
  };
  const Case cases[] = {
      {"initiate not object", [&] { h.core->initiate(who(), json::array()); }, 400},
      {"initiate bad type",
       [&] {
         h.core->initiate(who(), {{"type", "fax"}, {"participants", {"bob"}}});
       },
       400},
      {"initiate no participants",
       [&] {
         h.core->initiate(who(), {{"type", "audio"}});
       },
       400},
      {"initiate participants string",
       [&] {
         h.core->initiate(who(), {{"type", "audio"}, {"participants", "bob"}});
       },
       400},
      {"initiate participant object",
       [&] {
         h.core->initiate(who(), {{"type", "audio"}, {"participants", {json::object()}}});
       },
       400},
      {"initiate only self",
       [&] {
         auto u = who();
         h.core->initiate(u, {{"type", "audio"}, {"participants", {u}}});
       },
       400},
      {"initiate empty id",
       [&] {
         h.core->initiate(who(), {{"type", "audio"}, {"participants", {""}}});
       },
       400},
      {"initiate too many (8 others + caller)",
       [&] {
         h.core->initiate(who(),
                          {{"type", "audio"},
                           {"participants", {"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"}}});
       },
       400},
      {"initiate group_id object",
       [&] {
         h.core->initiate(who(), {{"type", "audio"}, {"participants", {"bob"}}, {"group_id", {1}}});
       },
       400},
      {"answer no body", [&] { h.core->answer("bob", id, json::object()); }, 400},
      {"answer string",
       [&] {
         h.core->answer("bob", id, {{"answer", "yes"}});
       },
       400},
      {"answer unknown call",
       [&] {
         h.core->answer("bob", "call_1_x", {{"answer", true}});
       },
       404},
      {"answer stranger",
       [&] {
         h.core->answer("eve", id, {{"answer", true}});
       },
       403},
      {"answer as caller",
       [&] {
         h.core->answer("alice", id, {{"answer", true}});
       },
       409},
      {"end unknown", [&] { h.core->end("alice", "call_1_x"); }, 404},
      {"end stranger", [&] { h.core->end("eve", id); }, 403},
      {"get unknown", [&] { h.core->get("alice", "call_1_x"); }, 404},
      {"get stranger", [&] { h.core->get("eve", id); }, 403},
      {"history limit 0", [&] { h.core->history("alice", 0, 0); }, 400},
      {"history offset -1", [&] { h.core->history("alice", 10, -1); }, 400},
      {"quality stranger",
       [&] {
         h.core->quality("eve", id, {{"audio_quality", "good"}});
       },
       403},
      {"quality unknown",
       [&] {
         h.core->quality("bob", "call_1_x", {{"audio_quality", "good"}});
       },
       404},
      {"quality bad enum",
       [&] {
         h.core->quality("bob", id, {{"audio_quality", "great"}});
       },
       400},
      {"quality issues string",
       [&] {
         h.core->quality("bob", id, {{"issues", "lag"}});
       },
       400},
      {"quality issues numbers",
       [&] {
         h.core->quality("bob", id, {{"issues", {1, 2}}});
       },
       400},
      {"quality empty", [&] { h.core->quality("bob", id, json::object()); }, 400},
      {"authenticate garbage", [&] { h.core->authenticate("not.a.token"); }, 401},
      {"authenticate wrong secret",
       [&] {
         h.core->authenticate(auth::signHs256({{"sub", "alice"}}, "other"));
       },
       401},
  };
  for (const auto& c : cases) EXPECT_EQ(apiStatus(c.fn), c.status) << c.name;
  // 7 others + the caller is the limit of 8.
  EXPECT_EQ(apiStatus([&] {
              h.core->initiate("carol",
                               {{"type", "audio"},
                                {"participants", {"u1", "u2", "u3", "u4", "u5", "u6", "u7"}}});
            }),
            0);
}

TEST_F(P2pCallTest, AuthenticateAcceptsSubOrUserId) {
  int64_t now = h.clock.nowMs() / 1000;
  EXPECT_EQ(
      h.core->authenticate(auth::signHs256({{"sub", "alice"}, {"exp", now + 60}}, kTestSecret)),
      "alice");
  EXPECT_EQ(h.core->authenticate(auth::signHs256({{"user_id", "bob"}}, kTestSecret)), "bob");
  EXPECT_EQ(
      apiStatus([&] {
        h.core->authenticate(auth::signHs256({{"sub", "a"}, {"exp", now - 3600}}, kTestSecret));
      }),
      401);
}

TEST_F(P2pCallTest, QualityReportShape) {
  std::string id = h.initiate("alice", {"bob"});
  json r = h.core->quality("bob", id,
                           {{"video_quality", "good"},
                            {"audio_quality", "fair"},
                            {"connection_quality", "poor"},
                            {"issues", {"audio_lag", "video_freeze"}}});
  EXPECT_TRUE(r["success"].get<bool>());
  EXPECT_TRUE(r["message"].is_string());
  EXPECT_EQ(r["report"]["call_id"], id);
  EXPECT_EQ(r["report"]["user_id"], "bob");
  EXPECT_EQ(r["report"]["audio_quality"], "fair");
  EXPECT_EQ(r["report"]["issues"], json({"audio_lag", "video_freeze"}));
  auto stored = h.store->qualityReports(id);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].connection_quality, "poor");
}

TEST_F(P2pCallTest, InitiateRateLimited) {
  for (int i = 0; i < 5; ++i) h.initiate("alice", {"bob"});
  try {
    h.initiate("alice", {"bob"});
    ADD_FAILURE() << "not limited";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 429);
    ASSERT_TRUE(e.retryAfter());
    EXPECT_EQ(*e.retryAfter(), 6);
  }
  h.clock.advance(6s);
  EXPECT_NO_THROW(h.initiate("alice", {"bob"}));
}

TEST_F(P2pCallTest, MalformedInitiateIsNotRateLimited) {
  // Invalid requests start no call: they stay 400 and leave the initiate budget alone.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(apiStatus([&] { h.core->initiate("alice", {{"type", "hologram"}}); }), 400);
  }
  for (int i = 0; i < 5; ++i) EXPECT_NO_THROW(h.initiate("alice", {"bob"}));
  EXPECT_EQ(apiStatus([&] { h.initiate("alice", {"bob"}); }), 429);
}

TEST_F(P2pCallTest, SocketEventsRateLimited) {
  std::string id = h.initiate("alice", {"bob"});
  int limited = 0;
  for (int i = 0; i < 120; ++i) {
    limited += apiStatus([&] {
                 h.event(a, "webrtc_ice_candidate",
                         {{"call_id", id}, {"candidate", "c"}, {"to_user_id", "bob"}});
               }) == 429;
  }
  EXPECT_EQ(limited, 20);
}

TEST_F(P2pCallTest, ActiveListsLiveCallsNewestFirst) {
  std::string first = h.initiate("alice", {"bob"});
  h.clock.advance(1s);
  std::string second = h.initiate("carol", {"bob"});
  json active = h.core->active("bob");
  ASSERT_EQ(active["calls"].size(), 2u);
  EXPECT_EQ(active["calls"][0]["call_id"], second);
  EXPECT_EQ(active["calls"][1]["call_id"], first);
  EXPECT_EQ(h.core->active("alice")["calls"].size(), 1u);
  h.core->answer("bob", first, {{"answer", false}});
  EXPECT_EQ(h.core->active("bob")["calls"].size(), 1u);
}

TEST(CallCoreRecoveryTest, LiveCallsOfAPreviousRunAreClosed) {
  CallHarness h;
  h.connect("alice", "a1");
  h.connect("bob", "b1");
  std::string ringing = h.initiate("alice", {"bob"});
  std::string active = h.initiate("alice", {"carol"});
  h.core->answer("carol", active, {{"answer", true}});
  h.clock.advance(5s);
  // A new process on the same store.
  calls::CallCore fresh({}, h.clock, h.hub, *h.store, auth::JwtVerifier(kTestSecret), nullptr);
  EXPECT_EQ(fresh.liveCallCount(), 0u);
  EXPECT_EQ(fresh.get("bob", ringing)["call"]["status"], "missed");
  json a = fresh.get("alice", active)["call"];
  EXPECT_EQ(a["status"], "ended");
  EXPECT_DOUBLE_EQ(a["duration"].get<double>(), 5.0);
  EXPECT_TRUE(fresh.active("alice")["calls"].empty());
}

}  // namespace
}  // namespace signaling::testing

namespace signaling::testing {
namespace {

TEST(CallCoreReservedIdsTest, SfuAndEchoAreNeverUsers) {
  CallHarness h;
  EXPECT_EQ(apiStatus([&] {
              h.core->authenticate(auth::signHs256({{"sub", "sfu"}}, kTestSecret));
            }),
            401);
  EXPECT_EQ(apiStatus([&] {
              h.core->authenticate(auth::signHs256({{"sub", "echo"}}, kTestSecret));
            }),
            401);
  EXPECT_EQ(apiStatus([&] {
              h.core->initiate("alice", {{"type", "audio"}, {"participants", {"bob", "sfu"}}});
            }),
            400);
}

TEST(CallCoreOfflineTest, RestOnlyCallWithoutSocketsEndsAfterGrace) {
  CallHarness h;
  std::string id = h.initiate("alice", {"bob"});
  h.core->answer("bob", id, {{"answer", true}});
  h.clock.advance(std::chrono::seconds(29));
  EXPECT_EQ(h.status("alice", id), "active");
  h.clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(h.status("alice", id), "ended");
  EXPECT_EQ(h.clock.pending(), 0u);
}

TEST(CallCoreOfflineTest, ConnectingCancelsTheGrace) {
  CallHarness h;
  std::string id = h.initiate("alice", {"bob"});
  h.connect("alice", "a1");
  h.core->answer("bob", id, {{"answer", true}});
  h.connect("bob", "b1");
  h.clock.advance(std::chrono::minutes(10));
  EXPECT_EQ(h.status("alice", id), "active");
}

}  // namespace
}  // namespace signaling::testing
