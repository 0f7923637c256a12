// In-process group call through MediaServer: rooms placed on a worker, two WebRtcTestPeers per
// participant (publish PC: we offer the Chrome fixture; subscribe PC: we answer the server's
// offer) over real loopback sockets. Publish from one participant reaches the other.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "sfu/media_server.h"
#include "tests/unit/sfu/alloc_count.h"
#include "webrtc_test_peer.h"

namespace sfu {
namespace {

using namespace std::chrono_literals;
using test::WebRtcTestPeer;

// The Chrome fixture's audio SSRC and MID extension id (tests/data/sdp/chrome_plain_offer.sdp).
constexpr uint32_t kClientAudioSsrc = 1667910515;
constexpr uint8_t kMidExtId = 4;

// MediaApi::Listener events (delivered inline on the worker thread in these tests).
class Events final : public MediaApi::Listener {
 public:
  void onMediaSubscribeOffer(const std::string& room, const std::string& user,
                             const std::string& sdp) override {
    std::lock_guard lock(mu_);
    offers_[room + "/" + user].push_back(sdp);
    cv_.notify_all();
  }
  void onMediaTransportClosed(const std::string& room, const std::string& user,
                              const std::string& reason) override {
    std::lock_guard lock(mu_);
    closed_.push_back(room + "/" + user + ":" + reason);
    cv_.notify_all();
  }
  void onMediaActiveSpeaker(const std::string&, const std::string&) override {}

  // Waits for the n-th (1-based) subscribe offer to room/user.
  std::string offer(const std::string& key, size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 5s, [&] { return offers_[key].size() >= n; });
    return offers_[key].size() >= n ? offers_[key][n - 1] : std::string();
  }
  size_t offerCount(const std::string& key) {
    std::lock_guard lock(mu_);
    return offers_[key].size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::vector<std::string>> offers_;
  std::vector<std::string> closed_;
};

std::unique_ptr<MediaServer> startServer(size_t max_participants = 8, unsigned workers = 1) {
  MediaServer::Config config;
  config.rtc_port = 0;
  config.workers = workers;
  config.listen_ip = "127.0.0.1";
  config.announced_ips = {"127.0.0.1"};
  config.pool_buffers = 2048;
  config.max_participants = max_participants;
  auto server = std::make_unique<MediaServer>(config, [](MediaServer::Task t) { t(); });
  std::string error;
  EXPECT_TRUE(server->start(&error)) << error;
  return server;
}

SdpResult publish(MediaServer& server, const std::string& room, const std::string& user,
                  const std::string& offer, std::vector<TrackSource> tracks = {}) {
  std::promise<SdpResult> p;
  auto f = p.get_future();
  server.publish(room, user, offer, tracks, [&p](SdpResult r) { p.set_value(std::move(r)); });
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
  return f.get();
}

nlohmann::json stats(MediaServer& server, const std::string& room) {
  std::promise<nlohmann::json> p;
  auto f = p.get_future();
  server.roomStats(room, [&p](nlohmann::json j) { p.set_value(std::move(j)); });
  EXPECT_EQ(f.wait_for(5s), std::future_status::ready);
  return f.get();
}

// Blocks until `pred` holds (the worker runs asynchronously), at most 3 s.
template <typename Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// The a=msid and first a=ssrc of each m-line of `sdp`, by mid.
std::map<std::string, std::pair<std::string, uint32_t>> lines(const std::string& sdp_text) {
  std::map<std::string, std::pair<std::string, uint32_t>> out;
  auto parsed = sdp::parse(sdp_text);
  if (!parsed.ok()) return out;
  for (const auto& m : parsed.sdp->media) {
    std::string msid = m.msids.empty() ? "" : m.msids[0].stream_id + " " + m.msids[0].track_id;
    out[m.mid] = {m.kind + (msid.empty() ? "" : " " + msid), m.ssrcs.empty() ? 0 : m.ssrcs[0].ssrc};
  }
  return out;
}

TEST(MediaServerRoom, PublishReachesTheOtherParticipant) {
  auto server = startServer();
  Events events;
  server->setListener(&events);

  // alice joins: publish answer, then a subscribe offer with the relay data channel only.
  WebRtcTestPeer alice_pub;
  auto a = publish(*server, "call-1", "alice", alice_pub.makeOffer());
  ASSERT_TRUE(a.ok) << a.error;
  EXPECT_NE(a.sdp.find("a=ice-lite"), std::string::npos);
  EXPECT_NE(a.sdp.find("a=recvonly"), std::string::npos);
  EXPECT_EQ(server->roomCount(), 1u);
  ASSERT_TRUE(alice_pub.setAnswer(a.sdp));
  ASSERT_TRUE(alice_pub.connect());

  const std::string first = events.offer("call-1/alice", 1);
  ASSERT_FALSE(first.empty());
  EXPECT_NE(first.find("m=application"), std::string::npos);
  EXPECT_NE(first.find("a=setup:actpass"), std::string::npos);
  WebRtcTestPeer alice_sub;
  alice_sub.makeOffer();  // takes the fixture's ICE credentials
  server->subscribeAnswer("call-1", "alice", alice_sub.answerOffer(first));
  ASSERT_TRUE(alice_sub.setAnswer(first));
  ASSERT_TRUE(alice_sub.connect());

  // bob joins: alice is re-offered bob's audio and video (stream id = bob's user id).
  WebRtcTestPeer bob_pub;
  auto b = publish(*server, "call-1", "bob", bob_pub.makeOffer());
  ASSERT_TRUE(b.ok) << b.error;
  ASSERT_TRUE(bob_pub.setAnswer(b.sdp));
  ASSERT_TRUE(bob_pub.connect());
  EXPECT_FALSE(events.offer("call-1/bob", 1).empty());
  const std::string second = events.offer("call-1/alice", 2);
  ASSERT_FALSE(second.empty());
  auto offered = lines(second);
  uint32_t audio_ssrc = 0;
  int bob_lines = 0;
  for (const auto& [mid, line] : offered) {
    if (line.first.find(" bob ") != std::string::npos) ++bob_lines;
    if (line.first.rfind("audio bob", 0) == 0) audio_ssrc = line.second;
  }
  EXPECT_EQ(bob_lines, 2) << second;
  ASSERT_NE(audio_ssrc, 0u) << second;
  server->subscribeAnswer("call-1", "alice", alice_sub.answerOffer(second));

  // bob's audio reaches alice's subscribe PC under the SSRC the offer announced.
  std::optional<std::vector<uint8_t>> got;
  const std::vector<uint8_t> body(160, 0x55);
  for (uint16_t seq = 1; seq < 100 && !got; ++seq) {
    ASSERT_TRUE(bob_pub.sendRtp(111, kClientAudioSsrc, seq, seq * 960u, body, kMidExtId, "0"));
    while (auto pkt = alice_sub.receiveRtp(20)) {
      auto parsed = rtp::RtpPacket::parse(*pkt);
      if (parsed && parsed->ssrc() == audio_ssrc) {
        got = pkt;
        break;
      }
    }
  }
  ASSERT_TRUE(got) << "no audio forwarded from bob to alice";
  auto fwd = rtp::RtpPacket::parse(*got);
  EXPECT_EQ(fwd->payloadSize(), body.size());

  auto st = stats(*server, "call-1");
  EXPECT_FALSE(st.contains("error")) << st.dump();

  // bob leaves: alice is re-offered (bob's m-lines inactive); alice leaves: the room goes.
  server->leave("call-1", "bob");
  EXPECT_FALSE(events.offer("call-1/alice", 3).empty());
  server->leave("call-1", "alice");
  EXPECT_TRUE(eventually([&] { return server->roomCount() == 0; }));
  EXPECT_TRUE(stats(*server, "call-1").contains("error"));
}

TEST(MediaServerRoom, FullRoomRefusesAndCloseRoomForgetsIt) {
  auto server = startServer(/*max_participants=*/2, /*workers=*/2);
  Events events;
  server->setListener(&events);
  WebRtcTestPeer p1, p2, p3;
  EXPECT_TRUE(publish(*server, "call-2", "u1", p1.makeOffer()).ok);
  EXPECT_TRUE(publish(*server, "call-2", "u2", p2.makeOffer()).ok);
  auto r = publish(*server, "call-2", "u3", p3.makeOffer());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "room full");
  // A refused first publish into a fresh room leaves nothing behind.
  EXPECT_FALSE(publish(*server, "call-3", "u1", "not sdp").ok);
  EXPECT_TRUE(eventually([&] { return server->roomCount() == 1; }));

  server->closeRoom("call-2");
  EXPECT_TRUE(eventually([&] { return server->roomCount() == 0; }));
  // Unknown rooms: quiet no-ops.
  server->leave("nope", "u1");
  server->subscribeAnswer("nope", "u1", "v=0\r\n");
  EXPECT_EQ(server->roomCount(), 0u);
  // The id can be used again afterwards.
  WebRtcTestPeer p4;
  EXPECT_TRUE(publish(*server, "call-2", "u4", p4.makeOffer()).ok);
  EXPECT_EQ(server->roomCount(), 1u);
  server->stop();
  EXPECT_EQ(server->roomCount(), 0u);
}

// roomStats fills the room's snapshot on the worker and builds the JSON in the completion: the
// completions are queued here and run on the test thread (the signaling thread), the count of
// the worker's allocations taken as each one is posted. Between two requests (the snapshot
// reused) the worker allocates nothing: the completion task is made on the signaling thread.
TEST(MediaServerRoom, StatsFillTheRoomsSnapshotOnTheWorker) {
  if (!test::allocationCountingAvailable()) GTEST_SKIP() << "sanitizer allocator";
  std::mutex mu;
  std::vector<uint64_t> posted_at;  // the worker's allocation count at each post
  std::vector<MediaServer::Task> tasks;
  posted_at.reserve(4096);
  tasks.reserve(4096);
  MediaServer::Config config;
  config.rtc_port = 0;
  config.workers = 1;
  config.listen_ip = "127.0.0.1";
  config.announced_ips = {"127.0.0.1"};
  config.pool_buffers = 256;
  MediaServer server(config, [&](MediaServer::Task t) {
    const uint64_t n = test::threadAllocations();
    std::lock_guard lock(mu);
    posted_at.push_back(n);
    tasks.push_back(std::move(t));
  });
  ASSERT_TRUE(server.start());
  // Runs queued completions on this thread until `ready` holds (at most 5 s).
  auto pump = [&](auto ready) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!ready() && std::chrono::steady_clock::now() < deadline) {
      std::vector<MediaServer::Task> now;
      {
        std::lock_guard lock(mu);
        now.swap(tasks);
        tasks.reserve(4096);
      }
      for (auto& t : now) t();
      std::this_thread::sleep_for(1ms);
    }
    return ready();
  };
  WebRtcTestPeer p1, p2;
  for (auto* p : {&p1, &p2}) {
    bool done = false;
    server.publish("call-s", p == &p1 ? "first-user-with-a-long-id" : "second-user-with-a-long-id",
                   p->makeOffer(), {}, [&done](SdpResult r) { done = r.ok; });
    ASSERT_TRUE(pump([&] { return done; }));
  }
  // Runs one stats request (`start` gets the completion flag to set) to its completion; `posted`
  // is the worker's allocation count when it posted the answer.
  auto await = [&](uint64_t& posted, auto start) {
    size_t before = 0;
    {
      std::lock_guard lock(mu);
      before = posted_at.size();
    }
    bool done = false;
    start(done);
    ASSERT_TRUE(pump([&] { return done; }));
    std::lock_guard lock(mu);
    ASSERT_GT(posted_at.size(), before);
    posted = posted_at.back();
  };
  auto request = [&](nlohmann::json& out, uint64_t& posted) {
    await(posted, [&](bool& done) {
      server.roomStats("call-s", [&](nlohmann::json j) {
        out = std::move(j);
        done = true;
      });
    });
  };
  nlohmann::json first, j;
  uint64_t posted = 0, previous = 0;
  request(first, previous);
  ASSERT_EQ(first["participants"].size(), 2u) << first.dump();
  uint64_t least = UINT64_MAX;
  for (int i = 0; i < 5; ++i) {
    request(j, posted);
    least = std::min(least, posted - previous);
    previous = posted;
    EXPECT_EQ(j["participants"].size(), 2u);
    EXPECT_EQ(j["room"], "call-s");
  }
  // Nothing on the worker (the least over five requests: a stray timer could add one once).
  EXPECT_EQ(least, 0u);
  std::cout << "[ alloc    ] worker allocations per roomStats: " << least << "\n";

  // Lazy: the poller keeps the statistics and builds JSON only when asked, as often as it likes.
  // While it keeps one snapshot the next request fills the other; once both exist the worker
  // allocates nothing.
  auto lazy = [&](MediaApi::StatsFn& out, uint64_t& posted_n) {
    await(posted_n, [&](bool& done) {
      server.roomStatsLazy("call-s", [&](MediaApi::StatsFn fn) {
        out = std::move(fn);
        done = true;
      });
    });
  };
  MediaApi::StatsFn kept, next;
  lazy(kept, previous);
  ASSERT_TRUE(kept);
  const std::string kept_json = kept().dump();
  EXPECT_EQ(nlohmann::json::parse(kept_json)["participants"].size(), 2u);
  least = UINT64_MAX;
  for (int i = 0; i < 6; ++i) {
    lazy(next, posted);
    ASSERT_TRUE(next);
    if (i >= 2) least = std::min(least, posted - previous);
    previous = posted;
    EXPECT_EQ(next().dump(), kept_json);  // nothing moved in this room: the same statistics
    kept = std::move(next);               // what the poller does: keep the newest
    next = nullptr;
  }
  EXPECT_EQ(least, 0u);

  // Two requests in flight: the second gets a fresh buffer, both answer.
  nlohmann::json a, b;
  bool done_a = false, done_b = false;
  server.roomStats("call-s", [&](nlohmann::json x) {
    a = std::move(x);
    done_a = true;
  });
  server.roomStats("call-s", [&](nlohmann::json x) {
    b = std::move(x);
    done_b = true;
  });
  ASSERT_TRUE(pump([&] { return done_a && done_b; }));
  EXPECT_EQ(a["participants"].size(), 2u);
  EXPECT_EQ(b["participants"].size(), 2u);
  // Closed: the buffer is forgotten, the room unknown.
  server.closeRoom("call-s");
  ASSERT_TRUE(pump([&] { return server.roomCount() == 0; }));
  request(j, posted);
  EXPECT_EQ(j["error"], "no such room");
  server.stop();
  pump([&] { return true; });
}

}  // namespace
}  // namespace sfu
