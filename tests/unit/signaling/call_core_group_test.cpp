// Group calls through the SFU: join/leave semantics, per-invitee ring timeouts, the "sfu" and
// "echo" signaling targets, preferences, and events from the media server.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "signaling/calls/asio_scheduler.h"
#include "signaling/calls/call_service.h"
#include "unit/signaling/call_harness.h"
#include "unit/signaling/temp_dir.h"

namespace signaling::testing {
namespace {

using namespace std::chrono_literals;

class GroupCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a = h.connect("alice", "a1");
    b = h.connect("bob", "b1");
    c = h.connect("carol", "c1");
    d = h.connect("dave", "d1");
  }
  CallHarness h;
  SocketRef a, b, c, d;
};

TEST_F(GroupCallTest, ModeSelection) {
  json r = h.core->initiate("alice", {{"type", "video"}, {"participants", {"bob", "carol"}}});
  EXPECT_EQ(r["call"]["mode"], "sfu");
  r = h.core->initiate("alice",
                       {{"type", "audio"}, {"participants", {"bob"}}, {"group_id", "team-1"}});
  EXPECT_EQ(r["call"]["mode"], "sfu");
  EXPECT_EQ(r["call"]["group_id"], "team-1");
  EXPECT_EQ((*h.hub.last("b1", "webrtc_call_ringing"))["mode"], "sfu");
  r = h.core->initiate("alice", {{"type", "audio"}, {"participants", {"bob", "alice"}}});
  EXPECT_EQ(r["call"]["mode"], "p2p");  // the caller listed again is not another participant
  EXPECT_TRUE(r["call"]["group_id"].is_null());
}

TEST_F(GroupCallTest, JoinRejectMissLeaveEnd) {
  std::string id = h.initiate("alice", {"bob", "carol", "dave"});
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ringing"), 1);
  EXPECT_EQ(h.hub.count("c1", "webrtc_call_ringing"), 1);
  EXPECT_EQ(h.hub.count("d1", "webrtc_call_ringing"), 1);

  h.clock.advance(3s);
  h.core->answer("bob", id, {{"answer", true}});
  EXPECT_EQ(h.status("alice", id), "active");
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_accepted"), 1);
  EXPECT_EQ(*h.hub.last("a1", "webrtc_participant_joined"),
            json({{"call_id", id}, {"user_id", "bob"}}));
  // Invitees still ringing are not told about others joining.
  EXPECT_EQ(h.hub.count("c1", "webrtc_participant_joined"), 0);

  h.event(c, "webrtc_call_rejected", {{"call_id", id}, {"caller_id", "alice"}});
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_rejected"), 1);
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_rejected"), 1);
  EXPECT_EQ(h.status("alice", id), "active");

  h.clock.advance(42s);  // dave's ring times out (45 s after initiate)
  EXPECT_EQ((*h.hub.last("d1", "webrtc_call_ended"))["reason"], "missed");
  EXPECT_EQ(*h.hub.last("a1", "webrtc_participant_left"),
            json({{"call_id", id}, {"user_id", "dave"}, {"reason", "missed"}}));
  EXPECT_EQ(h.status("alice", id), "active");
  EXPECT_EQ(h.hub.count("a1", "webrtc_call_ended"), 0);

  h.clock.advance(10s);
  json r = h.core->end("bob", id);  // leave: two joined → one: the call ends
  EXPECT_EQ(*h.hub.last("a1", "webrtc_participant_left"),
            json({{"call_id", id}, {"user_id", "bob"}}));
  const json* ended = h.hub.last("a1", "webrtc_call_ended");
  ASSERT_TRUE(ended);
  EXPECT_EQ((*ended)["ended_by"], "bob");
  EXPECT_DOUBLE_EQ((*ended)["duration"].get<double>(), 52.0);
  EXPECT_EQ(r["call"]["status"], "ended");
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ended"), 0);
  EXPECT_TRUE(h.media.called("leave " + id + " bob"));
  EXPECT_TRUE(h.media.called("closeRoom " + id));
  json call = h.core->get("carol", id)["call"];
  EXPECT_EQ(call["participant_states"][0]["status"], "left");
  EXPECT_EQ(call["participant_states"][1]["status"], "left");
  EXPECT_EQ(call["participant_states"][2]["status"], "rejected");
  EXPECT_EQ(call["participant_states"][3]["status"], "missed");
  // The socket half of bob's end: nothing more to anyone.
  size_t before = h.hub.log.size();
  h.event(b, "webrtc_call_ended", {{"call_id", id}});
  EXPECT_EQ(h.hub.log.size(), before);
}

TEST_F(GroupCallTest, ThreeJoinedOneLeavesCallGoesOn) {
  std::string id = h.initiate("alice", {"bob", "carol"});
  h.core->answer("bob", id, {{"answer", true}});
  h.core->answer("carol", id, {{"answer", true}});
  EXPECT_EQ(h.hub.count("b1", "webrtc_participant_joined"), 1);  // carol
  h.core->end("alice", id);
  EXPECT_EQ(h.status("bob", id), "active");
  EXPECT_EQ((*h.hub.last("c1", "webrtc_participant_left"))["user_id"], "alice");
  EXPECT_EQ(h.hub.count("b1", "webrtc_call_ended"), 0);
  EXPECT_EQ(apiStatus([&] { h.core->end("alice", id); }), 409);  // already left
  // Rejoin while the call is still going.
  h.core->answer("alice", id, {{"answer", true}});
  EXPECT_EQ(h.hub.count("b1", "webrtc_participant_joined"), 2);
  h.core->end("carol", id);
  EXPECT_EQ(h.status("bob", id), "active");
  h.core->end("bob", id);
  EXPECT_EQ(h.status("bob", id), "ended");
  EXPECT_EQ((*h.hub.last("a1", "webrtc_call_ended"))["ended_by"], "bob");
}

TEST_F(GroupCallTest, MediaStatsServedWhileLiveAndKeptAfterTheEnd) {
  std::string id = h.initiate("alice", {"bob", "carol"});
  h.core->answer("bob", id, {{"answer", true}});
  EXPECT_FALSE(h.core->get("alice", id)["call"].contains("media_stats"));
  h.clock.advance(calls::CallCore::kMediaStatsPeriod);  // no room yet: nothing to show
  EXPECT_EQ(h.media.stats_requests, 1);
  EXPECT_FALSE(h.core->get("alice", id)["call"].contains("media_stats"));
  h.media.room_stats = {{"room", id}, {"participants", {{{"user", "bob"}, {"publish", {}}}}}};
  h.clock.advance(calls::CallCore::kMediaStatsPeriod);
  EXPECT_EQ(h.media.stats_requests, 2);
  json live = h.core->get("bob", id)["call"];
  EXPECT_EQ(live["media_stats"]["participants"][0]["user"], "bob");
  // A failed poll keeps the last good snapshot.
  h.media.room_stats = nullptr;
  h.clock.advance(calls::CallCore::kMediaStatsPeriod);
  EXPECT_EQ(h.core->get("bob", id)["call"]["media_stats"]["room"], id);
  h.core->end("alice", id);  // bob alone (carol never answered): the call ends
  ASSERT_EQ(h.status("bob", id), "ended");
  // Saved with the call; polling stopped.
  EXPECT_EQ(h.core->get("carol", id)["call"]["media_stats"]["participants"][0]["user"], "bob");
  const int requests = h.media.stats_requests;
  h.clock.advance(calls::CallCore::kMediaStatsPeriod * 3);
  EXPECT_EQ(h.media.stats_requests, requests);
}

TEST_F(GroupCallTest, AllInviteesRejectEndsAsRejected) {
  std::string id = h.initiate("alice", {"bob", "carol"});
  h.core->answer("bob", id, {{"answer", false}});
  EXPECT_EQ(h.status("alice", id), "ringing");
  h.core->answer("carol", id, {{"answer", false}});
  EXPECT_EQ(h.status("alice", id), "rejected");
  EXPECT_EQ((*h.hub.last("a1", "webrtc_call_ended"))["status"], "rejected");
  EXPECT_EQ(h.core->liveCallCount(), 0u);
}

TEST_F(GroupCallTest, NobodyAnswersEndsAsMissed) {
  std::string id = h.initiate("alice", {"bob", "carol"});
  h.core->answer("bob", id, {{"answer", false}});
  h.clock.advance(45s);
  EXPECT_EQ(h.status("alice", id), "missed");
  EXPECT_EQ((*h.hub.last("a1", "webrtc_call_ended"))["reason"], "missed");
}

TEST_F(GroupCallTest, CallerCancelsWhileRinging) {
  std::string id = h.initiate("alice", {"bob", "carol"});
  h.core->end("alice", id);
  EXPECT_EQ(h.status("bob", id), "ended");
  EXPECT_EQ((*h.hub.last("b1", "webrtc_call_ended"))["ended_by"], "alice");
  EXPECT_EQ(h.hub.count("c1", "webrtc_call_ended"), 1);
  EXPECT_EQ(h.clock.pending(), 0u);
}

TEST_F(GroupCallTest, PublishSubscribeThroughSfu) {
  std::string id = h.initiate("alice", {"bob", "carol"});
  // Media before joining is refused.
  EXPECT_EQ(
      apiStatus([&] {
        h.event(b, "webrtc_offer", {{"call_id", id}, {"offer", "v=0"}, {"to_user_id", "sfu"}});
      }),
      409);
  h.event(b, "webrtc_call_accepted", {{"call_id", id}});
  json offer = {{"type", "offer"}, {"sdp", "v=0 publish"}};
  json ack = h.event(b, "webrtc_offer",
                     {{"call_id", id},
                      {"offer", offer},
                      {"to_user_id", "sfu"},
                      {"tracks",
                       {{{"mid", "0"}, {"source", "microphone"}},
                        {{"mid", "1"}, {"source", "camera"}},
                        {{"mid", "2"}, {"source", "screen"}}}}});
  EXPECT_TRUE(ack["success"].get<bool>());
  ASSERT_EQ(h.media.publishes.size(), 1u);
  auto& pub = h.media.publishes[0];
  EXPECT_EQ(pub.room, id);
  EXPECT_EQ(pub.user, "bob");
  EXPECT_EQ(pub.sdp, "v=0 publish");
  ASSERT_EQ(pub.tracks.size(), 3u);
  EXPECT_EQ(pub.tracks[2].mid, "2");
  EXPECT_EQ(pub.tracks[2].source, "screen");
  pub.done({true, "v=0 answer", ""});
  const json* ans = h.hub.last("b1", "webrtc_answer");
  ASSERT_TRUE(ans);
  EXPECT_EQ(*ans, json({{"call_id", id},
                        {"answer", {{"type", "answer"}, {"sdp", "v=0 answer"}}},
                        {"from_user_id", "sfu"}}));
  // A failed publish comes back as an error event.
  h.event(b, "webrtc_offer", {{"call_id", id}, {"offer", "v=0 again"}, {"to_user_id", "sfu"}});
  h.media.publishes[1].done({false, "", "bad sdp"});
  EXPECT_EQ((*h.hub.last("b1", "error"))["message"], "SFU: bad sdp");

  // Subscribe: the server offers, the client answers.
  ASSERT_TRUE(h.media.listener);
  h.media.listener->onMediaSubscribeOffer(id, "bob", "v=0 sub");
  EXPECT_EQ(*h.hub.last("b1", "webrtc_offer"),
            json({{"call_id", id},
                  {"offer", {{"type", "offer"}, {"sdp", "v=0 sub"}}},
                  {"from_user_id", "sfu"}}));
  h.event(b, "webrtc_answer",
          {{"call_id", id},
           {"answer", {{"type", "answer"}, {"sdp", "v=0 ans"}}},
           {"to_user_id", "sfu"}});
  EXPECT_TRUE(h.media.called("subscribeAnswer " + id + " bob v=0 ans"));
  // Trickled candidates to the ICE-lite SFU are accepted and ignored.
  json cand_ack =
      h.event(b, "webrtc_ice_candidate",
              {{"call_id", id}, {"candidate", {{"candidate", "c"}}}, {"to_user_id", "sfu"}});
  EXPECT_TRUE(cand_ack["success"].get<bool>());

  // Preferences pass through without the call id.
  h.event(b, "webrtc_set_preferences", {{"call_id", id}, {"max_layer", 1}});
  EXPECT_TRUE(h.media.called("setPreferences " + id + " bob {\"max_layer\":1}"));
  EXPECT_EQ(apiStatus([&] {
              h.event(b, "webrtc_set_preferences", {{"call_id", id}, {"max_layer", 7}});
            }),
            400);
  EXPECT_EQ(apiStatus([&] { h.event(c, "webrtc_set_preferences", {{"call_id", id}}); }), 409);

  // Bad track declarations and descriptions.
  EXPECT_EQ(apiStatus([&] {
              h.event(b, "webrtc_offer",
                      {{"call_id", id},
                       {"offer", "v=0"},
                       {"to_user_id", "sfu"},
                       {"tracks", {{{"mid", "0"}, {"source", "hologram"}}}}});
            }),
            400);
  EXPECT_EQ(apiStatus([&] {
              h.event(b, "webrtc_offer",
                      {{"call_id", id}, {"offer", {{"type", "offer"}}}, {"to_user_id", "sfu"}});
            }),
            400);

  // Active speaker goes to the joined participants.
  h.core->answer("carol", id, {{"answer", true}});
  h.media.listener->onMediaActiveSpeaker(id, "carol");
  EXPECT_EQ(*h.hub.last("a1", "webrtc_active_speaker"),
            json({{"call_id", id}, {"user_id", "carol"}}));
  EXPECT_EQ(h.hub.count("b1", "webrtc_active_speaker"), 1);

  // Dynacast guidance goes to the publisher only.
  h.media.listener->onMediaPublisherLayers(
      id, "bob", sfu::PublisherLayers{"t1", "1", "camera", {"q"}, {"h", "f"}});
  EXPECT_EQ(*h.hub.last("b1", "webrtc_layers"), json({{"call_id", id},
                                                      {"from_user_id", "sfu"},
                                                      {"track_id", "t1"},
                                                      {"mid", "1"},
                                                      {"source", "camera"},
                                                      {"active", json::array({"q"})},
                                                      {"inactive", json::array({"h", "f"})}}));
  EXPECT_EQ(h.hub.count("a1", "webrtc_layers"), 0);

  // A dead transport means the participant left.
  h.media.listener->onMediaTransportClosed(id, "carol", "consent expired");
  EXPECT_EQ(*h.hub.last("a1", "webrtc_participant_left"),
            json({{"call_id", id}, {"user_id", "carol"}, {"reason", "media_closed"}}));
  EXPECT_EQ(h.status("alice", id), "active");
}

TEST_F(GroupCallTest, LateJoinerLearnsTheActiveSpeakerWithItsSubscription) {
  std::string id = h.initiate("alice", {"bob", "carol", "dave"});
  h.core->answer("bob", id, {{"answer", true}});
  // Nobody has spoken yet: a subscription carries no speaker.
  h.media.listener->onMediaSubscribeOffer(id, "bob", "v=0 sub");
  EXPECT_EQ(h.hub.count("b1", "webrtc_active_speaker"), 0);
  h.media.listener->onMediaActiveSpeaker(id, "alice");
  EXPECT_EQ(h.hub.count("b1", "webrtc_active_speaker"), 1);
  // Already told: re-offers do not repeat it.
  h.media.listener->onMediaSubscribeOffer(id, "bob", "v=0 sub 2");
  EXPECT_EQ(h.hub.count("b1", "webrtc_active_speaker"), 1);

  // carol joins after alice took the floor: she is told with her first subscribe offer, once.
  h.core->answer("carol", id, {{"answer", true}});
  EXPECT_EQ(h.hub.count("c1", "webrtc_active_speaker"), 0);
  h.media.listener->onMediaSubscribeOffer(id, "carol", "v=0 sub c");
  EXPECT_EQ(*h.hub.last("c1", "webrtc_active_speaker"),
            json({{"call_id", id}, {"user_id", "alice"}}));
  h.media.listener->onMediaSubscribeOffer(id, "carol", "v=0 sub c2");
  EXPECT_EQ(h.hub.count("c1", "webrtc_active_speaker"), 1);

  // The speaker left: a later joiner is not told about her.
  h.core->end("alice", id);
  h.core->answer("dave", id, {{"answer", true}});
  h.media.listener->onMediaSubscribeOffer(id, "dave", "v=0 sub d");
  EXPECT_EQ(h.hub.count("d1", "webrtc_active_speaker"), 0);
}

TEST_F(GroupCallTest, PublishAnswerAfterLeavingIsDropped) {
  std::string id = h.initiate("alice", {"bob", "carol"});
  h.core->answer("bob", id, {{"answer", true}});
  h.core->answer("carol", id, {{"answer", true}});
  h.event(b, "webrtc_offer", {{"call_id", id}, {"offer", "v=0"}, {"to_user_id", "sfu"}});
  h.core->end("bob", id);
  h.media.publishes[0].done({true, "v=0 late", ""});
  EXPECT_EQ(h.hub.count("b1", "webrtc_answer"), 0);
}

TEST(SfuUnavailableTest, SfuAndEchoTargetsGet503) {
  CallHarness h(/*with_media=*/false);
  auto a = h.connect("alice", "a1");
  auto b = h.connect("bob", "b1");
  h.connect("carol", "c1");
  std::string id = h.initiate("alice", {"bob", "carol"});
  h.core->answer("bob", id, {{"answer", true}});
  EXPECT_EQ(
      apiStatus([&] {
        h.event(b, "webrtc_offer", {{"call_id", id}, {"offer", "v=0"}, {"to_user_id", "sfu"}});
      }),
      503);
  EXPECT_EQ(apiStatus([&] {
              h.event(a, "webrtc_offer",
                      {{"call_id", "echo_1"}, {"offer", "v=0"}, {"to_user_id", "echo"}});
            }),
            503);
  EXPECT_EQ(apiStatus([&] { h.event(b, "webrtc_set_preferences", {{"call_id", id}}); }), 503);
  // Leaving (and so ending: one joined left) still works without a media server.
  h.core->end("bob", id);
  EXPECT_EQ(h.status("alice", id), "ended");
}

TEST(EchoTest, OfferToEchoAnswersFromEchoAndStopsOnDisconnect) {
  CallHarness h;
  auto a = h.connect("alice", "a1");
  h.event(a, "webrtc_offer",
          {{"call_id", "echo-test"},
           {"offer", {{"type", "offer"}, {"sdp", "v=0 e"}}},
           {"to_user_id", "echo"}});
  ASSERT_EQ(h.media.echo_starts.size(), 1u);
  EXPECT_EQ(h.media.echo_starts[0].first, "v=0 e");
  h.media.echo_starts[0].second({true, "echo-1", "v=0 echo answer", ""});
  EXPECT_EQ(*h.hub.last("a1", "webrtc_answer"),
            json({{"call_id", "echo-test"},
                  {"answer", {{"type", "answer"}, {"sdp", "v=0 echo answer"}}},
                  {"from_user_id", "echo"}}));
  // A second echo offer replaces the first session.
  h.event(a, "webrtc_offer",
          {{"call_id", "echo-test"}, {"offer", "v=0 e2"}, {"to_user_id", "echo"}});
  EXPECT_TRUE(h.media.called("echoStop echo-1"));
  h.media.echo_starts[1].second({true, "echo-2", "v=0", ""});
  // Ending the echo "call" stops it; so does a disconnect.
  h.event(a, "webrtc_call_ended", {{"call_id", "echo-test"}});
  EXPECT_TRUE(h.media.called("echoStop echo-2"));
  h.event(a, "webrtc_offer",
          {{"call_id", "echo-test"}, {"offer", "v=0 e3"}, {"to_user_id", "echo"}});
  h.media.echo_starts[2].second({true, "echo-3", "v=0", ""});
  h.disconnect(a);
  EXPECT_TRUE(h.media.called("echoStop echo-3"));
  // A session that completes after its socket left is stopped at once.
  auto a2 = h.connect("alice", "a2");
  h.event(a2, "webrtc_offer", {{"call_id", "e"}, {"offer", "v=0"}, {"to_user_id", "echo"}});
  h.disconnect(a2);
  h.media.echo_starts[3].second({true, "echo-4", "v=0", ""});
  EXPECT_TRUE(h.media.called("echoStop echo-4"));
}

TEST(AsioSchedulerTest, RunsAndCancels) {
  boost::asio::io_context io;
  calls::AsioScheduler s(io);
  int fired = 0;
  s.schedule(0ms, [&] { ++fired; });
  auto id = s.schedule(0ms, [&] { fired += 100; });
  s.cancel(id);
  EXPECT_EQ(s.pending(), 1u);
  io.run();
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_GT(s.nowMs(), 1'600'000'000'000);
}

TEST(CallServiceTest, WiresStoreAuthAndTimers) {
  TempDir dir;
  Config cfg;
  cfg.jwt_secret = "service-secret";
  cfg.db_path = dir.file("data/sfu.db");
  cfg.db_key = "service-db-key";
  boost::asio::io_context io;
  FakeNotifier hub;
  hub.add("alice", "a1");
  hub.add("bob", "b1");
  {
    CallService svc(io, cfg, hub, nullptr);
    std::string user = svc.authenticate(svc.issueToken("alice"));
    EXPECT_EQ(user, "alice");
    json r = svc.initiate(user, {{"type", "audio"}, {"participants", {"bob"}}});
    EXPECT_EQ(hub.count("b1", "webrtc_call_ringing"), 1);
    std::string id = r["call"]["call_id"];
    svc.answer("bob", id, {{"answer", true}});
    svc.end("bob", id);
    EXPECT_EQ(svc.history("alice", 10, 0)["total"], 1);
    io.run();  // no timers left behind
  }
  EXPECT_TRUE(std::filesystem::exists(cfg.db_path));
  Config bad = cfg;
  bad.jwt_public_key_file = dir.file("missing.pem");
  EXPECT_THROW(CallService(io, bad, hub, nullptr), std::runtime_error);
}

}  // namespace
}  // namespace signaling::testing
