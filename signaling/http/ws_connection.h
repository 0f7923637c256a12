// One accepted WebSocket (RFC 6455) connection, seen through a transport-neutral interface so the
// Engine.IO layer works the same over plain TCP and TLS. Text frames only are expected; the
// implementation (ws_connection.cpp) is a Beast websocket::stream over either stream type.
//
// Send queue: bounded in bytes and messages; overflowing it closes the connection (the peer is too
// slow to keep up, and a stale signaling stream is worse than a reconnect).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace signaling::http {

struct WsLimits {
  size_t max_message_bytes = 1000000;  // larger incoming messages close the connection (1009)
  size_t max_queued_bytes = 4u << 20;  // outgoing, not yet written
  size_t max_queued_messages = 4096;
};

class WsConnection {
 public:
  struct Callbacks {
    std::function<void(std::string message, bool binary)> on_message;
    // Called once when the connection is gone (peer close, error, overflow, close()).
    std::function<void(std::string_view reason)> on_close;
  };

  virtual ~WsConnection() = default;

  // Installs callbacks (replacing earlier ones) and starts reading if not yet started.
  virtual void start(Callbacks callbacks) = 0;
  // Queues a text message. False when closed, or when the queue overflowed (then closes).
  virtual bool send(std::string text) = 0;
  // Sends a close frame after the queued messages; on_close fires once it is done.
  virtual void close() = 0;
  // Drops the callbacks: the owner no longer wants to hear from this connection.
  virtual void detach() = 0;
  virtual bool isOpen() const = 0;
  virtual size_t queuedBytes() const = 0;
  virtual const std::string& remote() const = 0;
};

}  // namespace signaling::http
