// One Engine.IO v4 session: its transport (HTTP long-polling, later or directly WebSocket), its
// outgoing queue and its heartbeat.
//
//   polling ──GET/POST──▶ session ◀──WebSocket── probe ("2probe"/"3probe", then "5") ──▶ websocket
//
// The server pings every ping_interval and closes the session when no pong arrives within
// ping_timeout. Outgoing packets queue while no transport can take them (no pending poll, or an
// upgrade in progress); the queue is bounded and overflowing it closes the session.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "signaling/http/http_types.h"
#include "signaling/http/ws_connection.h"
#include "signaling/sio/engine_options.h"
#include "signaling/sio/engineio_packet.h"

namespace signaling::sio {

class EngineServer;

// What the client sent when the session was created (for Socket.IO auth by query or header).
struct HandshakeInfo {
  std::string query;          // raw query string of the handshake request
  std::string authorization;  // Authorization header value, may be empty
  std::string remote;         // "ip:port"
};

using ResponseSink = std::function<void(http::Response)>;

class EngineSession : public std::enable_shared_from_this<EngineSession> {
 public:
  enum class Transport { kPolling, kWebSocket };

  EngineSession(boost::asio::io_context& io, EngineServer& server, const EngineOptions& options,
                std::string sid, HandshakeInfo handshake);
  ~EngineSession();
  EngineSession(const EngineSession&) = delete;
  EngineSession& operator=(const EngineSession&) = delete;

  const std::string& id() const { return sid_; }
  const HandshakeInfo& handshake() const { return handshake_; }
  Transport transport() const { return transport_; }
  bool isOpen() const { return !closed_; }

  // Sends an Engine.IO message packet ("4" + text). False when closed or on overflow (which
  // closes the session).
  bool sendMessage(std::string_view text);

  // Closes the session (idempotent). The server's listener hears about it asynchronously.
  void close(std::string_view reason);

  // --- used by EngineServer -----------------------------------------------------------------
  // Polling handshake response (the open packet); starts the heartbeat.
  http::Response openPolling(unsigned version);
  // A direct WebSocket session: sends the open packet on it; starts the heartbeat.
  void openWebSocket(std::shared_ptr<http::WsConnection> ws);
  void onPollGet(ResponseSink sink, unsigned version);
  void onPollPost(const std::string& body, ResponseSink sink, unsigned version);
  // A WebSocket that wants to become this polling session's transport.
  bool attachProbe(std::shared_ptr<http::WsConnection> ws);

 private:
  std::string openPacket() const;
  void enqueue(std::string packet);
  void flushPoll();
  void answerPoll(std::string body);
  void handlePacket(const EnginePacket& packet);
  void onWsMessage(std::string message, bool binary);
  void onProbeMessage(std::string message, bool binary);
  void completeUpgrade();
  void abortUpgrade(std::string_view why);
  void schedulePing();
  void onHeartbeatTimer();

  boost::asio::io_context& io_;
  EngineServer& server_;
  const EngineOptions& options_;
  std::string sid_;
  HandshakeInfo handshake_;
  Transport transport_ = Transport::kPolling;
  bool closed_ = false;

  // Outgoing packets (already encoded) not yet handed to a transport.
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;

  // Polling: the GET waiting for data.
  ResponseSink pending_poll_;
  unsigned pending_version_ = 11;

  std::shared_ptr<http::WsConnection> ws_;     // active WebSocket transport
  std::shared_ptr<http::WsConnection> probe_;  // WebSocket being upgraded to
  bool upgrading_ = false;                     // probe answered, waiting for "5"

  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer upgrade_timer_;
  bool awaiting_pong_ = false;
};

}  // namespace signaling::sio
