// Room join / leave / re-offer flow with real SDP (Chrome offers from tests/data/sdp) and
// subscribe answers made by flipping our own offers.
#include "tests/unit/sfu/room_test_util.h"

namespace sfu::room::test {
namespace {

using sdp::Direction;

TEST_F(RoomTest, JoinAnswersPublishOfferWithSimulcastAndOffersSubscribe) {
  auto r = join("alice");
  ASSERT_TRUE(r.ok) << r.error;
  auto answer = sdp::parse(r.sdp);
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer.sdp->media.size(), 3u);
  EXPECT_TRUE(answer.sdp->ice_lite);
  EXPECT_EQ(answer.sdp->media[0].direction, Direction::kRecvOnly);
  ASSERT_TRUE(answer.sdp->media[1].simulcast);
  EXPECT_EQ(answer.sdp->media[1].rids.size(), 3u);
  EXPECT_TRUE(pub("alice").remote().has_value());
  EXPECT_EQ(pub("alice").remote()->ice_ufrag, "zqeO");
  EXPECT_EQ(room_->participantCount(), 1u);

  // The first subscribe offer carries the relay data channel only.
  ASSERT_EQ(rec_.offers["alice"].size(), 1u);
  auto lines = offerLines(rec_.offers["alice"][0]);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].kind, "application");

  const auto& tracks = participant("alice").tracks();
  ASSERT_EQ(tracks.size(), 2u);
  EXPECT_EQ(tracks[0]->source(), Source::kMicrophone);
  EXPECT_EQ(tracks[1]->source(), Source::kCamera);
  EXPECT_EQ(tracks[1]->layerCount(), 3u);
  EXPECT_EQ(tracks[1]->layer(0).rid, "q");
  EXPECT_EQ(tracks[1]->layer(2).rid, "f");
  EXPECT_EQ(tracks[1]->trackId(), "e801e1a3-db24-4a39-945b-f47242b4b360");
}

TEST_F(RoomTest, SecondJoinerGetsExistingTracksAndFirstIsReofferedAfterItsAnswer) {
  ASSERT_TRUE(join("alice").ok);
  ASSERT_TRUE(join("bob").ok);
  // Bob's first offer: data channel + alice's audio and video, labelled with her user id.
  ASSERT_EQ(rec_.offers["bob"].size(), 1u);
  auto lines = offerLines(rec_.offers["bob"][0]);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].kind, "audio");
  EXPECT_EQ(lines[1].msid, "alice 497f5be8-8064-418b-a549-dd5b634ddd04");
  EXPECT_EQ(lines[1].direction, Direction::kSendOnly);
  EXPECT_EQ(lines[2].kind, "video");
  EXPECT_EQ(lines[2].msid, "alice e801e1a3-db24-4a39-945b-f47242b4b360");
  EXPECT_NE(lines[2].ssrc, 0u);
  // Alice's first offer is unanswered: no second offer yet (one in flight per participant).
  EXPECT_EQ(rec_.offers["alice"].size(), 1u);
  ASSERT_TRUE(answer("alice").ok);
  ASSERT_EQ(rec_.offers["alice"].size(), 2u);
  lines = offerLines(rec_.offers["alice"][1]);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].msid, "bob 497f5be8-8064-418b-a549-dd5b634ddd04");
  // The re-offer bumps the o= version, same session id.
  auto first = sdp::parse(rec_.offers["alice"][0]);
  auto second = sdp::parse(rec_.offers["alice"][1]);
  EXPECT_EQ(first.sdp->origin.session_id, second.sdp->origin.session_id);
  EXPECT_NE(first.sdp->origin.session_version, second.sdp->origin.session_version);
  ASSERT_TRUE(answer("alice").ok);
  EXPECT_FALSE(participant("alice").subscribeOfferOutstanding());
  // The answer set the remote ICE/DTLS parameters of the subscribe transport once.
  EXPECT_EQ(sub("alice").set_remote_calls, 1);
  EXPECT_EQ(sub("alice").remote()->ice_ufrag, "cliU");
}

TEST_F(RoomTest, LeaveMakesLinesInactiveAndLaterTracksReuseThem) {
  ready("alice");
  ready("bob");
  settle();
  const size_t before = rec_.offers["alice"].size();
  FakeTransport& bob_pub = pub("bob");
  (void)bob_pub;
  room_->leave("bob");
  EXPECT_EQ(room_->participantCount(), 1u);
  EXPECT_TRUE(rec_.closed.empty());  // leave() was the caller's idea: no callback
  ASSERT_EQ(rec_.offers["alice"].size(), before + 1);
  auto lines = offerLines(rec_.offers["alice"].back());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].direction, Direction::kInactive);
  EXPECT_EQ(lines[2].direction, Direction::kInactive);
  EXPECT_TRUE(lines[1].msid.empty());
  ASSERT_TRUE(answer("alice").ok);
  EXPECT_TRUE(participant("alice").downTracks().empty());
  // Carol's tracks take the freed m-lines: no new m-lines are added.
  ASSERT_TRUE(join("carol").ok);
  lines = offerLines(rec_.offers["alice"].back());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].msid, "carol 497f5be8-8064-418b-a549-dd5b634ddd04");
  EXPECT_EQ(lines[2].direction, Direction::kSendOnly);
}

TEST_F(RoomTest, ChangesWhileWaitingAreReofferedOnceAfterTheAnswer) {
  ASSERT_TRUE(join("alice").ok);
  ASSERT_TRUE(join("bob").ok);
  ASSERT_TRUE(join("carol").ok);
  room_->leave("carol");
  // Alice still has her first offer outstanding: one follow-up covering bob's tracks only.
  ASSERT_EQ(rec_.offers["alice"].size(), 1u);
  ASSERT_TRUE(answer("alice").ok);
  ASSERT_EQ(rec_.offers["alice"].size(), 2u);
  auto lines = offerLines(rec_.offers["alice"][1]);
  size_t active = 0;
  for (const auto& l : lines) {
    if (l.direction == Direction::kSendOnly) {
      ++active;
      EXPECT_EQ(l.msid.rfind("bob ", 0), 0u);
    }
  }
  EXPECT_EQ(active, 2u);
}

TEST_F(RoomTest, RoomFullAndClosedRefuseJoins) {
  make(2);
  ASSERT_TRUE(join("a").ok);
  ASSERT_TRUE(join("b").ok);
  auto r = join("c");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "room full");
  // A renegotiation of an existing member is fine.
  EXPECT_TRUE(join("a").ok);
  room_->close();
  EXPECT_EQ(room_->participantCount(), 0u);
  EXPECT_FALSE(join("a").ok);
}

TEST_F(RoomTest, BadOfferAndAnswerAreRefused) {
  EXPECT_FALSE(room_->publish("alice", "not sdp", {}).ok);
  EXPECT_EQ(room_->participantCount(), 0u);
  ASSERT_TRUE(join("alice").ok);
  auto offer = rec_.offers["alice"].back();
  EXPECT_FALSE(room_->subscribeAnswer("alice", "v=0\r\n").ok);
  EXPECT_FALSE(room_->subscribeAnswer("nobody", flipOffer(offer)).ok);
  ASSERT_TRUE(room_->subscribeAnswer("alice", flipOffer(offer)).ok);
  auto again = room_->subscribeAnswer("alice", flipOffer(offer));
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.error, "no subscribe offer outstanding");
}

TEST_F(RoomTest, DeclaredScreenShareGetsScreenStreamId) {
  ASSERT_TRUE(
      join("alice", "chrome_simulcast_offer.sdp", {{"1", "screen"}, {"0", "screen_audio"}}).ok);
  const auto& tracks = participant("alice").tracks();
  EXPECT_EQ(tracks[1]->source(), Source::kScreen);
  EXPECT_EQ(tracks[1]->streamId(), "alice:screen");
  EXPECT_EQ(tracks[0]->streamId(), "alice:screen");
  ASSERT_TRUE(join("bob").ok);
  auto lines = offerLines(rec_.offers["bob"][0]);
  EXPECT_EQ(lines[2].msid, "alice:screen e801e1a3-db24-4a39-945b-f47242b4b360");
}

TEST_F(RoomTest, RenegotiationAddsSecondVideoAsScreenAndStopsIt) {
  ready("alice", "chrome_plain_offer.sdp");
  ready("bob", "chrome_plain_offer.sdp");
  settle();
  // Alice adds a second video m-line (a screen share): her camera section again, as mid 9.
  auto offer = sdp::parse(readFixture("chrome_plain_offer.sdp"));
  ASSERT_TRUE(offer.ok());
  sdp::SessionDescription o = *offer.sdp;
  sdp::MediaSection screen = o.media[1];
  screen.mid = "9";
  screen.msids = {{"s1", "screen-track"}};
  screen.ssrcs.clear();
  screen.ssrc_groups.clear();
  o.media.push_back(screen);
  o.groups[0].mids.push_back("9");
  ASSERT_TRUE(room_->publish("alice", sdp::write(o), {}).ok);
  ASSERT_EQ(participant("alice").tracks().size(), 3u);
  EXPECT_EQ(participant("alice").tracks()[2]->source(), Source::kScreen);
  auto lines = offerLines(rec_.offers["bob"].back());
  EXPECT_EQ(lines.back().msid, "alice:screen screen-track");
  ASSERT_TRUE(answer("bob").ok);
  // Stopping it (port 0) removes the track and frees bob's m-line.
  o.media.back().port = 0;
  ASSERT_TRUE(room_->publish("alice", sdp::write(o), {}).ok);
  EXPECT_EQ(participant("alice").tracks().size(), 2u);
  lines = offerLines(rec_.offers["bob"].back());
  EXPECT_EQ(lines.back().direction, Direction::kInactive);
}

TEST_F(RoomTest, TransportDeathRemovesParticipantAndNotifies) {
  ready("alice");
  ready("bob");
  settle();
  FakeTransport& t = sub("bob");
  t.listener().onTransportClosed(t, "consent expired");
  EXPECT_EQ(room_->participantCount(), 1u);
  ASSERT_EQ(rec_.closed.size(), 1u);
  EXPECT_EQ(rec_.closed[0].first, "bob");
  EXPECT_EQ(rec_.closed[0].second, "consent expired");
  EXPECT_TRUE(participant("alice").downTracks().empty());
  EXPECT_TRUE(participant("alice").subscribeOfferOutstanding());
  for (const auto& track : participant("alice").tracks()) {
    EXPECT_TRUE(track->subscribers().empty());
  }
}

}  // namespace
}  // namespace sfu::room::test
