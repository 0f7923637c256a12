// Engine.IO v4 server: the `/socket.io/` endpoint. Creates sessions on handshake (polling GET or
// direct WebSocket), routes polling requests and WebSocket upgrades to them by `sid`, and reports
// opened sessions, their messages and their end to a Listener (the Socket.IO layer).
//
// Errors follow the reference server: HTTP 400 with {"code","message"}, codes 0 "Transport
// unknown", 1 "Session ID unknown", 2 "Bad handshake method", 3 "Bad request", 5 "Unsupported
// protocol version".
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "signaling/sio/engine_session.h"

namespace signaling::sio {

class EngineServer {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onEngineOpen(EngineSession& session) = 0;
    virtual void onEngineMessage(EngineSession& session, std::string_view text) = 0;
    // Called once per opened session, asynchronously after it closed (never from inside a call
    // into the session).
    virtual void onEngineClose(const std::string& sid, std::string_view reason) = 0;
  };

  EngineServer(boost::asio::io_context& io, EngineOptions options, Listener& listener);
  ~EngineServer();

  // A non-WebSocket request to /socket.io/. `sink` is called exactly once, now or later (a
  // long-poll GET is answered when data is there).
  void handlePolling(const http::Request& request, const std::string& remote, ResponseSink sink);

  // Checks a WebSocket upgrade request before the handshake; an error response, or nullopt.
  std::optional<http::Response> checkWebSocket(const http::Request& request) const;

  // Takes an accepted WebSocket: a new session (no sid) or a polling session's upgrade probe.
  void attachWebSocket(std::shared_ptr<http::WsConnection> ws, const std::string& target,
                       HandshakeInfo handshake);

  std::shared_ptr<EngineSession> find(const std::string& sid) const;
  size_t sessionCount() const { return sessions_.size(); }
  const EngineOptions& options() const { return options_; }

  // Closes every session (shutdown).
  void closeAll(std::string_view reason);

 private:
  friend class EngineSession;
  void onSessionClosed(const std::string& sid, std::string_view reason);
  void deliver(EngineSession& session, std::string_view text);
  std::shared_ptr<EngineSession> create(HandshakeInfo handshake);

  boost::asio::io_context& io_;
  EngineOptions options_;
  Listener& listener_;
  std::unordered_map<std::string, std::shared_ptr<EngineSession>> sessions_;
  std::shared_ptr<bool> alive_;
};

// A random URL-safe id (base64url of 15 CSPRNG bytes: 20 characters).
std::string randomId();

// Engine.IO error response: status 400 (or given) with {"code","message"}.
http::Response engineError(int code, std::string_view message, unsigned version,
                           http::bhttp::status status = http::bhttp::status::bad_request);

}  // namespace signaling::sio
