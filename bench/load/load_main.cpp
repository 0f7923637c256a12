// sfu-load: the load generator of issue 9 (bench/README in bench/RESULTS.md). R rooms × P
// participants join a server through its real signaling, publish simulcast VP8 + Opus-sized audio,
// subscribe to everyone else and measure forwarding rate, latency, loss, join time, and the
// server's CPU and memory (from /proc/<pid>). Prints one JSON object (also written to --json).

#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bench/load/room_driver.h"
#include "sfu/common/log.h"
#include "sfu/dtls/certificate.h"
#include "sfu/dtls/dtls_context.h"
#include "sfu/srtp/srtp_session.h"

namespace {

using bench::load::Participant;
using nlohmann::json;

int64_t monoNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct ProcSample {
  double cpu_s = 0;  // utime + stime of every thread
  int64_t rss_kb = 0;
  bool ok = false;
};

ProcSample sampleProc(int pid) {
  ProcSample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // Fields after the ")" closing comm: state(3) ... utime(14) stime(15).
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  s.cpu_s = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stoll(line.substr(6));
  }
  s.ok = true;
  return s;
}

// LD_PRELOAD allocation counter (bench/load/alloc_counter.c): SIGUSR2 makes it write its counts,
// all threads then the media workers' (sfu-worker*) on a second line. -1 when unavailable.
struct AllocCount {
  int64_t total = -1;
  int64_t workers = -1;
};
AllocCount readAllocCount(int pid) {
  AllocCount c;
  if (pid <= 0) return c;
  const std::string path = "/tmp/sfu-alloc-count." + std::to_string(pid);
  ::unlink(path.c_str());
  if (::kill(pid, SIGUSR2) != 0) return c;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(path);
    int64_t total = -1, workers = -1;
    if (!(in >> total)) continue;
    c.total = total;
    if (in >> workers) {
      c.workers = workers;
      return c;
    }
  }
  return c;  // an older counter: the total only
}

struct WindowResult {
  bench::load::LoadStats stats;
  uint64_t expected = 0;
  uint64_t received = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sfu-load: WebRTC SFU load generator"};
  std::string target = "sfu";
  std::string server = "127.0.0.1:8080";
  std::string bindIp = "127.0.0.1";
  std::string jwtSecret = "bench-secret";
  std::string jsonPath;
  int rooms = 1, participants = 8;
  double duration = 10, warmup = 3, joinTimeout = 30;
  int serverPid = 0;
  bool countAllocs = false, expectFlow = false, noVideo = false, busyPoll = false;
  bool alignedMedia = false;
  app.add_option("--target", target, "sfu (ours), janus, or relay (relay-baseline)")
      ->check(CLI::IsMember({"sfu", "janus", "relay"}));
  app.add_option("--server", server, "signaling host:port (janus: its HTTP API)");
  app.add_option("--bind-ip", bindIp, "local IPv4 address for media sockets");
  app.add_option("--jwt-secret", jwtSecret, "HS256 secret the server was started with");
  app.add_option("--rooms", rooms)->check(CLI::PositiveNumber);
  app.add_option("--participants", participants)->check(CLI::Range(2, 64));
  app.add_option("--duration", duration, "measured window, seconds");
  app.add_option("--warmup", warmup, "seconds after everyone receives media");
  app.add_option("--join-timeout", joinTimeout, "seconds");
  app.add_option("--server-pid", serverPid, "server process for CPU/RSS from /proc");
  app.add_flag("--count-allocs", countAllocs, "read the LD_PRELOAD allocation counter");
  app.add_flag("--expect-flow", expectFlow, "exit 1 unless every participant receives media");
  app.add_flag("--no-video", noVideo, "audio only");
  app.add_flag("--busy-poll", busyPoll,
               "the media thread polls instead of sleeping: no server pays for waking it");
  app.add_flag("--aligned-media", alignedMedia,
               "every participant sends audio and video frames at the same instants (default: "
               "each on its own phase, fixed per participant, as independent browsers would)");
  app.add_option("--json", jsonPath, "also write the result here");
  CLI11_PARSE(app, argc, argv);

  bench::load::SignalingTarget sig;
  const auto colon = server.rfind(':');
  sig.host = server.substr(0, colon);
  sig.port = static_cast<uint16_t>(std::stoi(server.substr(colon + 1)));
  sig.jwt_secret = jwtSecret;

  sfu::log::init("warn");
  sfu::srtp::SrtpSession::initLibrary();
  auto cert = sfu::dtls::Certificate::generate();
  sfu::dtls::DtlsContext::Options dtlsOptions;
  dtlsOptions.srtpProfiles = {sfu::srtp::SrtpProfile::kAeadAes128Gcm,
                              sfu::srtp::SrtpProfile::kAes128CmSha1_80};
  auto ctx = sfu::dtls::DtlsContext::create(cert, dtlsOptions);
  if (!ctx) {
    std::cerr << "dtls context failed\n";
    return 2;
  }
  const std::string fingerprintAttr = cert->fingerprint().toAttribute();
  const ProcSample idle = sampleProc(serverPid);

  bench::load::LoadStats stats;
  const std::string runTag = std::to_string(::getpid() % 100000);
  std::vector<std::unique_ptr<Participant>> people;
  std::vector<std::unique_ptr<bench::load::RoomShared>> roomState;
  const int64_t mediaEpochNs = monoNs();
  for (int r = 0; r < rooms; ++r) {
    auto room = std::make_unique<bench::load::RoomShared>();
    room->room_index = static_cast<uint32_t>(r);
    room->connected = std::make_unique<std::barrier<>>(participants);
    for (int p = 0; p < participants; ++p) {
      bench::load::ParticipantConfig config;
      config.index = static_cast<uint32_t>(people.size());
      config.user_id = "load" + runTag + "-r" + std::to_string(r) + "-p" + std::to_string(p);
      config.bind_ip = bindIp;
      config.video = !noVideo;
      config.relay = target == "relay";
      config.rids_high_first = target == "janus";
      config.room = static_cast<uint32_t>(r);
      config.epoch_ns = mediaEpochNs;
      config.aligned_media = alignedMedia;
      people.push_back(std::make_unique<Participant>(config, ctx, stats));
      room->members.push_back(people.back().get());
    }
    roomState.push_back(std::move(room));
  }

  // Media thread: all transports, one epoll set, 1 ms ticks.
  std::atomic<bool> stopMedia{false};
  std::atomic<int64_t> windowStartNs{0}, windowEndNs{0};
  std::atomic<bool> windowDone{false};
  WindowResult window;
  std::thread media([&] {
    const int ep = ::epoll_create1(EPOLL_CLOEXEC);
    for (auto& p : people) {
      for (auto* peer : {&p->publishPeer(), &p->subscribePeer()}) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = peer;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, peer->fd(), &ev);
      }
    }
    bool started = false;
    std::array<epoll_event, 256> events;
    while (!stopMedia.load(std::memory_order_relaxed)) {
      int64_t now = monoNs();
      const int64_t ws = windowStartNs.load(std::memory_order_relaxed);
      if (!started && ws != 0 && now >= ws) {
        started = true;
        stats.reset();
        for (auto& p : people) p->resetWindow();
      }
      const int64_t we = windowEndNs.load(std::memory_order_relaxed);
      if (started && !windowDone && we != 0 && now >= we) {
        window.stats = stats;
        for (auto& p : people) {
          window.expected += p->expectedPackets();
          window.received += p->receivedPackets();
        }
        windowDone = true;
      }
      for (auto& p : people) p->tick(now);
      const int n =
          ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), busyPoll ? 0 : 1);
      now = monoNs();
      for (int i = 0; i < n; ++i)
        static_cast<bench::load::ClientPeer*>(events[i].data.ptr)->receive(now);
    }
    ::close(ep);
  });

  bench::load::DriverStatus status;
  std::atomic<bool> stopSignaling{false};
  std::vector<std::thread> drivers;
  for (auto& room : roomState) {
    for (size_t m = 0; m < room->members.size(); ++m) {
      drivers.emplace_back([&, r = room.get(), m] {
        if (target == "relay") {
          bench::load::runRelayParticipant(sig, *r, m, status, stopSignaling);
        } else if (target == "janus") {
          bench::load::runJanusParticipant(sig, *r, m, fingerprintAttr, status, stopSignaling);
        } else {
          bench::load::runSfuParticipant(sig, *r, m, fingerprintAttr, status, stopSignaling);
        }
      });
    }
  }

  // Everyone joined when each subscriber receives the P-1 others (audio + video streams).
  const size_t wantStreams = static_cast<size_t>(participants - 1) * (noVideo ? 1 : 2);
  const int64_t joinDeadline = monoNs() + static_cast<int64_t>(joinTimeout * 1e9);
  bool allFlowing = false;
  while (monoNs() < joinDeadline) {
    allFlowing = std::all_of(people.begin(), people.end(), [&](const auto& p) {
      return p->mediaFlowing() && p->streamsReceived() >= wantStreams;
    });
    if (allFlowing) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const double joinWaitS =
      (monoNs() - (joinDeadline - static_cast<int64_t>(joinTimeout * 1e9))) / 1e9;
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(warmup * 1000)));

  const AllocCount allocBefore = countAllocs ? readAllocCount(serverPid) : AllocCount{};
  const ProcSample before = sampleProc(serverPid);
  const int64_t start = monoNs() + 20'000'000;
  windowStartNs = start;
  windowEndNs = start + static_cast<int64_t>(duration * 1e9);
  while (!windowDone) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const ProcSample after = sampleProc(serverPid);
  const AllocCount allocAfter = countAllocs ? readAllocCount(serverPid) : AllocCount{};

  stopSignaling = true;
  for (auto& t : drivers) t.join();
  stopMedia = true;
  media.join();

  const auto& ws = window.stats;
  std::vector<double> joins;
  int flowing = 0;
  for (auto& p : people) {
    if (p->mediaFlowing()) ++flowing;
    if (p->joinTimeNs() >= 0) joins.push_back(p->joinTimeNs() / 1e6);
  }
  std::sort(joins.begin(), joins.end());
  const double forwardedPps = ws.rtpReceived / duration;
  const double cpu = after.ok && before.ok ? after.cpu_s - before.cpu_s : -1;
  const int total = rooms * participants;
  json out{
      {"target", target},
      {"rooms", rooms},
      {"participants_per_room", participants},
      {"participants", total},
      {"duration_s", duration},
      {"joined", status.joined.load()},
      {"media_flowing", flowing},
      {"all_flowing_after_s", allFlowing ? joinWaitS : -1},
      {"errors", status.errors.load()},
      {"first_error", status.firstError},
      {"sent_pps", ws.rtpSent / duration},
      {"sent_mbps", ws.bytesSent * 8 / duration / 1e6},
      {"forwarded_pps", forwardedPps},
      {"forwarded_mbps", ws.bytesReceived * 8 / duration / 1e6},
      {"forwarded_video_pps", ws.videoReceived / duration},
      {"forwarded_audio_pps", ws.audioReceived / duration},
      {"latency_us",
       {{"p50", ws.latencyUs(0.5)}, {"p99", ws.latencyUs(0.99)}, {"p999", ws.latencyUs(0.999)}}},
      {"loss",
       window.expected ? 1.0 - static_cast<double>(window.received) / window.expected : 0.0},
      {"join_ms",
       {{"p50", joins.empty() ? -1 : joins[joins.size() / 2]},
        {"max", joins.empty() ? -1 : joins.back()}}},
      {"nacks_received", ws.nacksReceived},
      {"retransmitted", ws.retransmitted},
      {"plis_received", ws.plisReceived},
      {"generator_late_ticks", ws.lateTicks},
      {"server_pid", serverPid},
      {"server_cpu_s", cpu},
      {"server_cpu_pct", cpu >= 0 ? 100 * cpu / duration : -1},
      {"cpu_s_per_million_forwarded", cpu >= 0 && ws.rtpReceived ? cpu * 1e6 / ws.rtpReceived : -1},
      {"server_rss_idle_kb", idle.rss_kb},
      {"server_rss_kb", after.rss_kb},
      {"rss_per_participant_kb",
       after.ok ? static_cast<double>(after.rss_kb - idle.rss_kb) / total : -1},
      {"allocs_per_forwarded_packet",
       allocBefore.total >= 0 && allocAfter.total >= 0 && ws.rtpReceived
           ? static_cast<double>(allocAfter.total - allocBefore.total) / ws.rtpReceived
           : -1},
      // The media worker threads alone (the packet path's share; signaling and the rest left out).
      {"worker_allocs_per_forwarded_packet",
       allocBefore.workers >= 0 && allocAfter.workers >= 0 && ws.rtpReceived
           ? static_cast<double>(allocAfter.workers - allocBefore.workers) / ws.rtpReceived
           : -1},
  };
  const std::string text = out.dump(2);
  std::cout << text << std::endl;
  if (!jsonPath.empty()) std::ofstream(jsonPath) << text << "\n";
  if (expectFlow && (!allFlowing || ws.rtpReceived == 0)) {
    std::cerr << "sfu-load: media did not flow to every participant (" << flowing << "/" << total
              << "), first error: " << status.firstError << "\n";
    return 1;
  }
  return 0;
}
