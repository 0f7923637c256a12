// The media server behind sfu::MediaApi: N shared-nothing workers (DESIGN.md "Threads"), each with
// its SessionRouter (the worker's packet listener) and transport factory, one DTLS certificate and
// context shared by all, and the sessions placed on them.
//
//   signaling thread ──MediaApi call──▶ pick / find the worker ──post──▶ worker thread
//   worker thread ──result / event──▶ post hook (the signaling executor) ──▶ callback / Listener
//
// Echo sessions go to the least loaded worker and stay there. A group-call room (sfu/room) is
// created by its first publish on the least loaded worker and lives there entirely (all of its
// participants' transports too, DESIGN.md "Threads"); it is destroyed when its last participant
// leaves or closeRoom() ends it. Room::Listener events come back as MediaApi::Listener calls on
// the signaling executor. Worker load counts echo sessions plus room participants.
//
// Lifecycle: construct → start() (binds every worker's UDP + ICE-TCP port: rtc_port + i) → ... →
// stop() (closes sessions on their workers, stops and joins the workers). The destructor stops.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "sfu/api/media_api.h"
#include "sfu/dtls/certificate.h"
#include "sfu/dtls/dtls_context.h"
#include "sfu/sdp/capabilities.h"
#include "sfu/worker/worker_pool.h"

namespace sfu {

namespace echo {
class EchoSession;
}
namespace room {
class Room;
struct RoomStatsSnapshot;
}  // namespace room
namespace transport {
class SessionRouter;
class WorkerTransportFactory;
}  // namespace transport

class MediaServer final : public MediaApi {
 public:
  using Task = std::function<void()>;
  using PostFn = std::function<void(Task)>;

  struct Config {
    uint16_t rtc_port = 40000;  // worker i on rtc_port + i (UDP and ICE-TCP); 0: ephemeral (tests)
    unsigned workers = 0;       // 0: one per core
    std::string listen_ip = "0.0.0.0";
    std::vector<std::string> announced_ips;  // empty: first non-loopback address, else 127.0.0.1
    bool enable_tcp = true;
    std::chrono::milliseconds consent_timeout{30000};
    size_t pool_buffers = 4096;  // per worker, 2 KiB each
    bool export_metrics = true;
    size_t max_participants = 8;  // per room, the publisher included
    bool udp_gso = true;          // UDP segmentation offload on send (net::UdpSocket)
    // Optional PEM certificate + key; otherwise a fresh ECDSA P-256 certificate per process.
    std::string cert_file;
    std::string key_file;
  };

  // post_to_signaling runs a task on the signaling executor (every result and event goes there).
  MediaServer(Config config, PostFn post_to_signaling);
  ~MediaServer() override;
  MediaServer(const MediaServer&) = delete;
  MediaServer& operator=(const MediaServer&) = delete;

  bool start(std::string* error = nullptr);
  void stop();
  bool running() const { return running_.load(std::memory_order_acquire); }

  // MediaApi
  void setListener(Listener* listener) override;
  void publish(const std::string& room_id, const std::string& user_id, const std::string& offer_sdp,
               const std::vector<TrackSource>& tracks, SdpCallback done) override;
  void subscribeAnswer(const std::string& room_id, const std::string& user_id,
                       const std::string& answer_sdp) override;
  void setPreferences(const std::string& room_id, const std::string& user_id,
                      const nlohmann::json& prefs) override;
  void leave(const std::string& room_id, const std::string& user_id) override;
  void closeRoom(const std::string& room_id) override;
  void echoStart(const std::string& offer_sdp, std::function<void(EchoResult)> done) override;
  void echoStop(const std::string& session_id) override;
  // echoStart for callers that must answer synchronously (an HTTP handler on the signaling
  // thread): waits for the worker, bypassing the post hook. Takes a few milliseconds.
  EchoResult echoStartSync(const std::string& offer_sdp,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));
  bool hasEchoSession(const std::string& session_id) const;
  void roomStats(const std::string& room_id, std::function<void(nlohmann::json)> done) override;
  void roomStatsLazy(const std::string& room_id, std::function<void(StatsFn)> done) override;

  // Introspection (any thread).
  size_t workerCount() const { return workers_.size(); }
  uint16_t workerPort(size_t i) const;
  const std::vector<std::string>& announcedIps() const { return announced_; }
  // The first announced address and worker 0's port: the STUN server URL we can offer clients.
  std::string stunUrl() const;
  size_t echoSessionCount() const;
  // Rooms placed on a worker (live, or with an operation in flight).
  size_t roomCount() const;
  const dtls::Certificate& certificate() const { return *certificate_; }
  // Folds every worker's transport counters into Prometheus now (blocks until each worker did).
  void foldMetrics();

 private:
  struct WorkerState;
  class RoomHost;
  // Where a room lives, and how many posted operations for it have not run yet: the placement
  // stays while either the room exists or an operation is on its way (so a room id never ends up
  // on two workers).
  struct RoomPlacement {
    size_t worker = 0;
    int pending = 0;
  };
  using RoomFn = std::function<void(room::Room*)>;

  // Creates the session on the least loaded worker; `deliver` runs on that worker's thread.
  void startEcho(const std::string& offer_sdp, std::function<void(EchoResult)> deliver);
  void onEchoClosed(size_t worker, const std::string& id, std::string_view reason);
  void postToSignaling(Task task);
  // Runs `fn` on the room's worker with the room (nullptr when there is none and `create` is
  // false); `create` places a new room on the least loaded worker. Without a running server, `fn`
  // gets nullptr on the calling thread.
  void onRoom(const std::string& room_id, bool create, RoomFn fn);
  // Worker thread: destroys the room when empty or closed, keeps the load figure, forgets the
  // placement when nothing else is on its way.
  void settleRoom(size_t worker, const std::string& room_id, bool op_done);
  void emitToListener(std::function<void(Listener&)> event);
  // roomStats buffers (see media_server_rooms.cpp): a snapshot of the room nobody else holds to
  // lend to its worker (a fresh one when both are out); dropped when the room is unknown.
  std::shared_ptr<room::RoomStatsSnapshot> lendStatsBuffer(const std::string& room_id);
  void forgetStatsBuffers(const std::string& room_id);
  // Fills a lent snapshot on the room's worker; `done` gets it on the signaling thread (nullptr
  // when the room is unknown, `error` says why).
  using SnapshotFn =
      std::function<void(std::shared_ptr<room::RoomStatsSnapshot>, const char* error)>;
  void fillRoomStats(const std::string& room_id, SnapshotFn done);

  Config config_;
  PostFn post_;
  std::vector<std::string> announced_;
  std::shared_ptr<const dtls::Certificate> certificate_;
  std::shared_ptr<dtls::DtlsContext> dtls_;
  sdp::Capabilities caps_;
  std::unique_ptr<worker::WorkerPool> pool_;
  std::vector<std::unique_ptr<WorkerState>> workers_;
  std::atomic<bool> running_{false};
  std::atomic<Listener*> listener_{nullptr};
  mutable std::mutex mu_;  // control plane only: which worker an echo session or room lives on
  std::unordered_map<std::string, size_t> echo_workers_;
  std::unordered_map<std::string, RoomPlacement> room_workers_;
  // Per room, two stats snapshots its worker fills in place (no allocation once sized): one may
  // be kept by the poller (roomStatsLazy) while the other is filled, and a snapshot is lent only
  // when this map holds its sole reference. Control plane: every 2 s a room; its own lock only
  // because tests run completions inline on the worker.
  std::mutex stats_mu_;
  std::unordered_map<std::string, std::array<std::shared_ptr<room::RoomStatsSnapshot>, 2>>
      stats_buffers_;
};

}  // namespace sfu
