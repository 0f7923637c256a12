// MediaServer: group-call rooms (DESIGN.md "Negotiation model for group calls", "Threads").
//
//   signaling ──publish / subscribeAnswer / ...──▶ onRoom(): placement (room id → worker) under the
//             lock, pending += 1 ──post──▶ worker: find or create the RoomHost, run the operation,
//             settleRoom(): destroy the room if empty or closed, pending -= 1
//   worker ──Room::Listener event──▶ RoomHost ──post──▶ signaling: MediaApi::Listener
//
// A room is created by its first publish and destroyed on its worker when its last participant is
// gone (leave, transport death) or it was closed; its placement is forgotten once no operation for
// it is on its way, so the next publish for the same id may land on another worker.
#include <chrono>

#include "sfu/common/log.h"
#include "sfu/media_server_worker.h"

namespace sfu {
namespace {

constexpr const char* kNotRunning = "media server not running";
constexpr const char* kNoRoom = "no such room";

// Unix time minus the worker clock, for the NTP fields of our own RTCP (RoomContext).
int64_t wallclockOffsetUs(const worker::Clock& clock) {
  const auto unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  return unix_us - clock.nowUs();
}

}  // namespace

// --- RoomHost ------------------------------------------------------------------------------------

MediaServer::RoomHost::RoomHost(MediaServer& server, size_t worker, std::string id,
                                room::RoomContext& ctx)
    : server_(server),
      worker_(worker),
      id_(std::move(id)),
      room_(std::make_unique<room::Room>(id_, ctx, *this)) {}

MediaServer::RoomHost::~RoomHost() { room_.reset(); }

void MediaServer::RoomHost::onRoomSubscribeOffer(const std::string& user_id,
                                                 const std::string& sdp) {
  server_.emitToListener([room = id_, user_id, sdp](MediaApi::Listener& l) {
    l.onMediaSubscribeOffer(room, user_id, sdp);
  });
}

void MediaServer::RoomHost::onRoomParticipantClosed(const std::string& user_id,
                                                    const std::string& reason) {
  server_.emitToListener([room = id_, user_id, reason](MediaApi::Listener& l) {
    l.onMediaTransportClosed(room, user_id, reason);
  });
  // We are inside the room: an empty room goes from a fresh task on this worker.
  MediaServer& server = server_;
  const size_t index = worker_;
  server_.workers_[index]->worker->post(
      [&server, index, id = id_] { server.settleRoom(index, id, /*op_done=*/false); });
}

void MediaServer::RoomHost::onRoomActiveSpeaker(const std::string& user_id) {
  server_.emitToListener(
      [room = id_, user_id](MediaApi::Listener& l) { l.onMediaActiveSpeaker(room, user_id); });
}

void MediaServer::RoomHost::onRoomPublisherLayers(const std::string& user_id,
                                                  const PublisherLayers& layers) {
  server_.emitToListener([room = id_, user_id, layers](MediaApi::Listener& l) {
    l.onMediaPublisherLayers(room, user_id, layers);
  });
}

// --- placement -----------------------------------------------------------------------------------

void MediaServer::emitToListener(std::function<void(Listener&)> event) {
  postToSignaling([this, event = std::move(event)] {
    if (Listener* l = listener_.load(std::memory_order_acquire)) event(*l);
  });
}

void MediaServer::onRoom(const std::string& room_id, bool create, RoomFn fn) {
  if (!running()) {
    fn(nullptr);
    return;
  }
  size_t index = 0;
  {
    std::lock_guard lock(mu_);
    auto it = room_workers_.find(room_id);
    if (it == room_workers_.end()) {
      if (!create) {
        fn(nullptr);  // nothing to act on; callers deliver through the post hook
        return;
      }
      it = room_workers_.emplace(room_id, RoomPlacement{pool_->pick().index(), 0}).first;
    }
    index = it->second.worker;
    ++it->second.pending;
  }
  // `id = room_id`, not a plain copy capture: that would make a const member, which asio's
  // moves of the handler then copy (an allocation on the worker for every long room id).
  workers_[index]->worker->post([this, index, id = room_id, create, fn = std::move(fn)] {
    const std::string& room_id = id;
    WorkerState& ws = *workers_[index];
    auto it = ws.rooms.find(room_id);
    RoomHost* host = it != ws.rooms.end() ? it->second.get() : nullptr;
    if (host == nullptr && create) {
      ws.room_context->wallclock_offset_us = wallclockOffsetUs(ws.room_context->clock);
      auto fresh = std::make_unique<RoomHost>(*this, index, room_id, *ws.room_context);
      host = fresh.get();
      ws.rooms.emplace(room_id, std::move(fresh));
      ws.updateRoomGauges();
      SFU_LOG_INFO("room", "created room={} worker={}", room_id, index);
    }
    fn(host != nullptr ? &host->room() : nullptr);
    settleRoom(index, room_id, /*op_done=*/true);
  });
}

void MediaServer::settleRoom(size_t index, const std::string& room_id, bool op_done) {
  WorkerState& ws = *workers_[index];
  bool gone = true;
  if (auto it = ws.rooms.find(room_id); it != ws.rooms.end()) {
    RoomHost& host = *it->second;
    const int n = host.room().closed() ? 0 : static_cast<int>(host.room().participantCount());
    ws.worker->addLoad(n - host.counted);
    ws.participants += n - host.counted;
    host.counted = n;
    if (n == 0) {
      ws.rooms.erase(it);  // Room's destructor closes whatever is left, without callbacks
      SFU_LOG_INFO("room", "destroyed room={} worker={}", room_id, index);
    } else {
      gone = false;
    }
    ws.updateRoomGauges();
  }
  std::lock_guard lock(mu_);
  auto p = room_workers_.find(room_id);
  if (p == room_workers_.end() || p->second.worker != index) return;
  if (op_done) --p->second.pending;
  if (gone && p->second.pending <= 0) room_workers_.erase(p);
}

// --- MediaApi: rooms -----------------------------------------------------------------------------

void MediaServer::publish(const std::string& room_id, const std::string& user_id,
                          const std::string& offer_sdp, const std::vector<TrackSource>& tracks,
                          SdpCallback done) {
  onRoom(room_id, true,
         [this, room_id, user_id, offer = offer_sdp, tracks,
          done = std::move(done)](room::Room* room) mutable {
           SdpResult r = room != nullptr ? room->publish(user_id, offer, tracks)
                                         : SdpResult{false, {}, kNotRunning};
           if (!r.ok) {
             SFU_LOG_WARN("room", "publish refused room={} user={} error=\"{}\"", room_id, user_id,
                          r.error);
           }
           postToSignaling(
               [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
         });
}

void MediaServer::subscribeAnswer(const std::string& room_id, const std::string& user_id,
                                  const std::string& answer_sdp) {
  onRoom(room_id, false, [room_id, user_id, answer = answer_sdp](room::Room* room) {
    if (room == nullptr) {
      SFU_LOG_DEBUG("room", "subscribe answer for no room room={} user={}", room_id, user_id);
      return;
    }
    SdpResult r = room->subscribeAnswer(user_id, answer);
    if (!r.ok) {
      SFU_LOG_WARN("room", "subscribe answer refused room={} user={} error=\"{}\"", room_id,
                   user_id, r.error);
    }
  });
}

void MediaServer::setPreferences(const std::string& room_id, const std::string& user_id,
                                 const nlohmann::json& prefs) {
  onRoom(room_id, false, [room_id, user_id, prefs](room::Room* room) {
    if (room != nullptr && !room->setPreferences(user_id, prefs)) {
      SFU_LOG_DEBUG("room", "preferences refused room={} user={}", room_id, user_id);
    }
  });
}

void MediaServer::leave(const std::string& room_id, const std::string& user_id) {
  onRoom(room_id, false, [user_id](room::Room* room) {
    if (room != nullptr) room->leave(user_id);
  });
}

void MediaServer::closeRoom(const std::string& room_id) {
  forgetStatsBuffers(room_id);
  onRoom(room_id, false, [room_id](room::Room* room) {
    if (room == nullptr) return;
    SFU_LOG_INFO("room", "close room={} participants={}", room_id, room->participantCount());
    room->close();
  });
}

// Stats without JSON on the worker: the worker fills the room's reusable snapshot (allocation
// free once it has the room's shape, room_stats.h), the JSON is built in the completion on the
// signaling thread. The completion task is made here, on the signaling thread, with everything it
// needs; the worker only fills the snapshot, notes the outcome and moves the task back, so it
// allocates nothing for a poll.
//
//   signaling: lend buffer, make the completion ──post──▶ worker: Room::fillStats(buffer)
//              ──post the completion──▶ signaling: toJson(buffer), return buffer, done(json)
void MediaServer::fillRoomStats(const std::string& room_id, SnapshotFn done) {
  struct Outcome {
    std::shared_ptr<room::RoomStatsSnapshot> buf;
    const char* error = nullptr;
  };
  auto outcome = std::make_shared<Outcome>();
  outcome->buf = lendStatsBuffer(room_id);
  Task completion = [this, outcome, room_id, done = std::move(done)] {
    if (outcome->error != nullptr) {
      forgetStatsBuffers(room_id);
      outcome->buf.reset();
    }
    done(std::move(outcome->buf), outcome->error);
  };
  onRoom(room_id, false,
         [this, outcome, completion = std::move(completion)](room::Room* room) mutable {
           if (room != nullptr) {
             room->fillStats(*outcome->buf);
           } else {
             outcome->error = running() ? kNoRoom : kNotRunning;
           }
           postToSignaling(std::move(completion));
         });
}

void MediaServer::roomStats(const std::string& room_id, std::function<void(nlohmann::json)> done) {
  fillRoomStats(room_id, [room_id, done = std::move(done)](
                             std::shared_ptr<room::RoomStatsSnapshot> buf, const char* error) {
    done(buf ? room::toJson(*buf) : nlohmann::json{{"room_id", room_id}, {"error", error}});
  });
}

void MediaServer::roomStatsLazy(const std::string& room_id, std::function<void(StatsFn)> done) {
  fillRoomStats(
      room_id, [done = std::move(done)](std::shared_ptr<room::RoomStatsSnapshot> buf, const char*) {
        if (!buf) {
          done(StatsFn{});
          return;
        }
        // A shared_ptr fits std::function's local storage: keeping the statistics allocates
        // nothing.
        done([snapshot = std::shared_ptr<const room::RoomStatsSnapshot>(std::move(buf))] {
          return room::toJson(*snapshot);
        });
      });
}

std::shared_ptr<room::RoomStatsSnapshot> MediaServer::lendStatsBuffer(const std::string& room_id) {
  std::lock_guard lock(stats_mu_);
  for (auto& slot : stats_buffers_[room_id]) {
    if (slot == nullptr) slot = std::make_shared<room::RoomStatsSnapshot>();
    // Only this map holds it, and only this function (under the lock) hands out copies.
    if (slot.use_count() == 1) return slot;
  }
  // Both out (a poller keeps one, a request for the other is in flight): a fresh one.
  return std::make_shared<room::RoomStatsSnapshot>();
}

void MediaServer::forgetStatsBuffers(const std::string& room_id) {
  std::lock_guard lock(stats_mu_);
  stats_buffers_.erase(room_id);
}

}  // namespace sfu
