// The seam between the network half of signaling (HTTP server, Engine.IO/Socket.IO) and the call
// logic (calls, call store, JWT, rate limits). The network half owns sockets and turns requests and
// socket events into calls on CallApi; the call logic answers, and reaches connected users only
// through Notifier. Everything here runs on the single signaling thread: no locks.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace signaling {

// A control-plane error, thrown by call logic and turned into the error envelope
// {"success": false, "error": {"code", "message"}} (HTTP) or an `error` event {message} (socket)
// at exactly one boundary in the network half.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  // Seconds for Retry-After (429 only).
  std::optional<int> retryAfter() const { return retry_after_; }
  ApiError& withRetryAfter(int seconds) {
    retry_after_ = seconds;
    return *this;
  }

 private:
  int status_;
  std::string code_;
  std::optional<int> retry_after_;
};

// One authenticated Socket.IO connection (a user may have several: devices, tabs).
struct SocketRef {
  std::string socket_id;
  std::string user_id;
};

// Implemented by the network half: delivers server→client Socket.IO events.
class Notifier {
 public:
  virtual ~Notifier() = default;
  // To every socket of the user; returns false if the user has none.
  virtual bool emitToUser(const std::string& user_id, const std::string& event,
                          const nlohmann::json& data) = 0;
  // To one socket (e.g. stop ringing other devices, or an error to the sender).
  virtual bool emitToSocket(const std::string& socket_id, const std::string& event,
                            const nlohmann::json& data) = 0;
  virtual bool isOnline(const std::string& user_id) const = 0;
};

// Implemented by the call logic. Methods throw ApiError on refusal.
class CallApi {
 public:
  virtual ~CallApi() = default;

  // Verifies a bearer JWT; returns the user id (claim `sub`, else `user_id`). Throws 401.
  virtual std::string authenticate(std::string_view token) = 0;

  // REST. `user_id` comes from the verified token only. Each returns the full response body
  // (with "success": true); `initiate` is answered with 201 by the network half.
  virtual nlohmann::json initiate(const std::string& user_id, const nlohmann::json& body) = 0;
  virtual nlohmann::json answer(const std::string& user_id, const std::string& call_id,
                                const nlohmann::json& body) = 0;
  virtual nlohmann::json end(const std::string& user_id, const std::string& call_id) = 0;
  virtual nlohmann::json get(const std::string& user_id, const std::string& call_id) = 0;
  virtual nlohmann::json active(const std::string& user_id) = 0;
  virtual nlohmann::json history(const std::string& user_id, int limit, int offset) = 0;
  virtual nlohmann::json quality(const std::string& user_id, const std::string& call_id,
                                 const nlohmann::json& body) = 0;

  // Socket.IO. Called after the socket authenticated; `event` is the event name, `data` its first
  // argument. Returns an optional acknowledgement payload for clients that asked for an ACK.
  virtual void onSocketConnected(const SocketRef& socket) = 0;
  virtual void onSocketDisconnected(const SocketRef& socket) = 0;
  virtual std::optional<nlohmann::json> onSocketEvent(const SocketRef& socket,
                                                      const std::string& event,
                                                      const nlohmann::json& data) = 0;
};

}  // namespace signaling
