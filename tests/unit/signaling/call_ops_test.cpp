// Operations side of the call logic: draining (no new calls), ending every call at shutdown, and
// the call metrics (live calls by mode and state, participants, quality reports).
#include <gtest/gtest.h>

#include "signaling/calls/call_metrics.h"
#include "unit/signaling/call_harness.h"

namespace signaling::testing {
namespace {

double gauge(const std::string& mode, const std::string& state) {
  return calls::CallMetrics::get().calls.Add({{"mode", mode}, {"state", state}}).Value();
}
double participants() { return calls::CallMetrics::get().participants.Value(); }
double qualityCount(const std::string& metric, const std::string& rating) {
  return calls::CallMetrics::get().quality.Add({{"metric", metric}, {"rating", rating}}).Value();
}
double issueCount(const std::string& issue) {
  return calls::CallMetrics::get().issues.Add({{"issue", issue}}).Value();
}
double finishedCount(const std::string& mode, const std::string& status) {
  return calls::CallMetrics::get().finished.Add({{"mode", mode}, {"status", status}}).Value();
}

class CallOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a = h.connect("alice", "a1");
    b = h.connect("bob", "b1");
    c = h.connect("carol", "c1");
  }
  CallHarness h;
  SocketRef a, b, c;
};

TEST_F(CallOpsTest, DrainingRefusesNewCallsOnly) {
  std::string live = h.initiate("alice", {"bob"});
  h.core->setDraining(true);
  EXPECT_TRUE(h.core->draining());
  try {
    h.initiate("alice", {"carol"});
    FAIL() << "initiate while draining";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_EQ(e.code(), "draining");
  }
  // The live call goes on: answer and end still work.
  h.core->answer("bob", live, {{"answer", true}});
  EXPECT_EQ(h.status("alice", live), "active");
  h.core->end("alice", live);
  EXPECT_EQ(h.status("alice", live), "ended");
  EXPECT_EQ(h.core->liveCallCount(), 0u);
  h.core->setDraining(false);
  EXPECT_FALSE(h.initiate("alice", {"carol"}).empty());
}

TEST_F(CallOpsTest, EndAllCallsSavesAndNotifies) {
  std::string active = h.initiate("alice", {"bob"});
  h.core->answer("bob", active, {{"answer", true}});
  std::string ringing = h.initiate("carol", {"alice", "bob"});
  h.clock.advance(std::chrono::seconds(3));
  EXPECT_EQ(h.core->endAllCalls("server_shutdown"), 2u);
  EXPECT_EQ(h.core->liveCallCount(), 0u);
  auto stored = h.store->findCall(active);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, "ended");
  EXPECT_DOUBLE_EQ(*stored->duration_s, 3.0);
  EXPECT_EQ(h.store->findCall(ringing)->status, "missed");
  for (const char* sid : {"a1", "b1"}) {
    const json* ev = h.hub.last(sid, "webrtc_call_ended");
    ASSERT_TRUE(ev) << sid;
    EXPECT_EQ((*ev)["reason"], "server_shutdown");
  }
  EXPECT_EQ(h.core->endAllCalls("server_shutdown"), 0u);
}

TEST_F(CallOpsTest, GaugesFollowCallStates) {
  const double p2p_ringing = gauge("p2p", "ringing"), p2p_active = gauge("p2p", "active");
  const double sfu_ringing = gauge("sfu", "ringing"), sfu_active = gauge("sfu", "active");
  const double joined = participants();
  const double ended = finishedCount("p2p", "ended");

  std::string one = h.initiate("alice", {"bob"});
  EXPECT_EQ(gauge("p2p", "ringing"), p2p_ringing + 1);
  EXPECT_EQ(participants(), joined + 1);  // the caller
  h.core->answer("bob", one, {{"answer", true}});
  EXPECT_EQ(gauge("p2p", "ringing"), p2p_ringing);
  EXPECT_EQ(gauge("p2p", "active"), p2p_active + 1);
  EXPECT_EQ(participants(), joined + 2);

  std::string group = h.initiate("carol", {"alice", "bob"});
  EXPECT_EQ(gauge("sfu", "ringing"), sfu_ringing + 1);
  h.core->answer("alice", group, {{"answer", true}});
  h.core->answer("bob", group, {{"answer", true}});
  EXPECT_EQ(gauge("sfu", "active"), sfu_active + 1);
  EXPECT_EQ(participants(), joined + 5);
  h.core->end("bob", group);  // leaves; carol and alice go on
  EXPECT_EQ(participants(), joined + 4);
  EXPECT_EQ(gauge("sfu", "active"), sfu_active + 1);

  h.core->end("alice", one);
  EXPECT_EQ(gauge("p2p", "active"), p2p_active);
  EXPECT_EQ(finishedCount("p2p", "ended"), ended + 1);
  EXPECT_EQ(participants(), joined + 2);

  h.core.reset();  // a destroyed core takes its calls out of the gauges
  EXPECT_EQ(gauge("sfu", "active"), sfu_active);
  EXPECT_EQ(participants(), joined);
}

TEST_F(CallOpsTest, QualityReportsCountByMetricRatingAndIssue) {
  std::string id = h.initiate("alice", {"bob"});
  const double video_poor = qualityCount("video", "poor");
  const double audio_good = qualityCount("audio", "good");
  const double conn_fair = qualityCount("connection", "fair");
  const double lag = issueCount("audio_lag"), other = issueCount("other");
  h.core->quality("alice", id,
                  {{"video_quality", "poor"},
                   {"audio_quality", "good"},
                   {"connection_quality", "fair"},
                   {"issues", {"audio_lag", "my cat sat on the keyboard", "audio_lag"}}});
  h.core->quality("bob", id, {{"video_quality", "poor"}});
  EXPECT_EQ(qualityCount("video", "poor"), video_poor + 2);
  EXPECT_EQ(qualityCount("audio", "good"), audio_good + 1);
  EXPECT_EQ(qualityCount("connection", "fair"), conn_fair + 1);
  EXPECT_EQ(issueCount("audio_lag"), lag + 2);
  EXPECT_EQ(issueCount("other"), other + 1);
  EXPECT_EQ(calls::CallMetrics::issueLabel("video_freeze"), "video_freeze");
  EXPECT_EQ(calls::CallMetrics::issueLabel("call_123"), "other");
}

}  // namespace
}  // namespace signaling::testing
