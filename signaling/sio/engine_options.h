// Tunables of the Engine.IO server. The defaults are the reference server's (socket.io v4).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace signaling::sio {

struct EngineOptions {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  uint32_t max_payload = 1000000;                    // bytes per polling body / WebSocket message
  std::chrono::milliseconds upgrade_timeout{10000};  // probe → "5" upgrade
  std::chrono::milliseconds connect_timeout{45000};  // Engine.IO open → Socket.IO CONNECT
  size_t max_queued_packets = 2048;                  // per session, outgoing, not yet flushed
  size_t max_queued_bytes = 4u << 20;
  size_t max_sessions = 20000;
};

}  // namespace signaling::sio
