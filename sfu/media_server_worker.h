// MediaServer internals shared by media_server.cpp (lifecycle, echo) and media_server_rooms.cpp
// (group-call rooms): what each worker holds, and the host that ties a Room to the server.
#pragma once

#include <prometheus/gauge.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "sfu/echo/echo_session.h"
#include "sfu/media_server.h"
#include "sfu/room/room.h"
#include "sfu/transport/session_router.h"
#include "sfu/transport/transport_factory.h"

namespace sfu {

// One room on its worker, and its Room::Listener: events go to the signaling executor as
// MediaApi::Listener calls. Created and destroyed on the worker thread.
class MediaServer::RoomHost final : public room::Room::Listener {
 public:
  RoomHost(MediaServer& server, size_t worker, std::string id, room::RoomContext& ctx);
  ~RoomHost() override;
  RoomHost(const RoomHost&) = delete;
  RoomHost& operator=(const RoomHost&) = delete;

  room::Room& room() { return *room_; }
  // Participants counted in the worker's load so far.
  int counted = 0;

  // room::Room::Listener (worker thread, from inside the room).
  void onRoomSubscribeOffer(const std::string& user_id, const std::string& sdp) override;
  void onRoomParticipantClosed(const std::string& user_id, const std::string& reason) override;
  void onRoomActiveSpeaker(const std::string& user_id) override;
  void onRoomPublisherLayers(const std::string& user_id, const PublisherLayers& layers) override;

 private:
  MediaServer& server_;
  size_t worker_;
  std::string id_;
  std::unique_ptr<room::Room> room_;  // last member: destroyed first, while the rest is valid
};

// Per worker: its router and factory (created on the constructing thread before the worker
// starts, used only on the worker thread afterwards), the rooms' context, and the sessions and
// rooms living there.
struct MediaServer::WorkerState {
  worker::Worker* worker = nullptr;
  std::unique_ptr<transport::SessionRouter> router;
  std::unique_ptr<transport::WorkerTransportFactory> factory;
  std::unique_ptr<room::RoomContext> room_context;
  std::unordered_map<std::string, std::unique_ptr<echo::EchoSession>> echo;  // worker thread
  std::unordered_map<std::string, std::unique_ptr<RoomHost>> rooms;          // worker thread
  // sfu_rooms{worker} and sfu_room_participants{worker} (null without metrics). Set on the worker
  // thread whenever a room is created, settled or destroyed.
  prometheus::Gauge* rooms_gauge = nullptr;
  prometheus::Gauge* participants_gauge = nullptr;
  int participants = 0;
  void updateRoomGauges() {
    if (rooms_gauge != nullptr) rooms_gauge->Set(static_cast<double>(rooms.size()));
    if (participants_gauge != nullptr) participants_gauge->Set(participants);
  }
};

}  // namespace sfu
