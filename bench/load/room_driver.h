#pragma once

// Drives one participant's signaling against a server, on its own thread: our SFU (REST +
// Socket.IO, DESIGN.md "Negotiation model for group calls") or Janus (VideoRoom over its HTTP
// API). Media is left to the media thread through Participant::set*Remote().

#include <atomic>
#include <barrier>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench/load/participant.h"

namespace bench::load {

struct SignalingTarget {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string jwt_secret;  // ours: HS256 tokens are minted locally
  std::string janus_path = "/janus";
};

struct RoomShared {
  uint32_t room_index = 0;
  std::vector<Participant*> members;
  std::unique_ptr<std::barrier<>> connected;  // everyone's signaling is up
  std::atomic<bool> failed{false};
  std::atomic<int> published{0};  // janus: members that published
  std::string call_id;            // ours
  uint64_t janus_room = 0;        // janus
};

struct DriverStatus {
  std::atomic<int> joined{0};
  std::atomic<int> errors{0};
  std::string firstError;  // written once under errorMutex
  std::mutex errorMutex;
  void fail(const std::string& what);
};

// Runs until `stop` is set; returns when the participant left.
void runSfuParticipant(const SignalingTarget& target, RoomShared& room, size_t member,
                       const std::string& fingerprint_attr, DriverStatus& status,
                       const std::atomic<bool>& stop);
void runRelayParticipant(const SignalingTarget& target, RoomShared& room, size_t member,
                         DriverStatus& status, const std::atomic<bool>& stop);
void runJanusParticipant(const SignalingTarget& target, RoomShared& room, size_t member,
                         const std::string& fingerprint_attr, DriverStatus& status,
                         const std::atomic<bool>& stop);

}  // namespace bench::load
