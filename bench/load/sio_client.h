#pragma once

// Blocking signaling client for the load generator: REST over HTTP/1.1 and Socket.IO v5 over an
// Engine.IO v4 WebSocket (Boost.Beast, synchronous). One instance per participant, used from one
// thread only: every emit happens on the thread that reads, so the stream is never shared.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace bench::load {

struct HttpResult {
  int status = 0;  // 0: transport failure (see body)
  nlohmann::json body;
};

// One request on a fresh connection; `body` null sends no body.
HttpResult httpRequest(const std::string& host, uint16_t port, std::string_view method,
                       std::string_view target, const std::string& bearer,
                       const nlohmann::json& body = nullptr);

struct SioEvent {
  std::string name;
  nlohmann::json data;  // first argument (null when absent)
};

class SioClient {
 public:
  SioClient();
  ~SioClient();
  SioClient(const SioClient&) = delete;
  SioClient& operator=(const SioClient&) = delete;

  // WebSocket upgrade on /socket.io/?EIO=4&transport=websocket, CONNECT with auth {token},
  // then `authenticate` and wait for `authenticated`.
  bool connect(const std::string& host, uint16_t port, const std::string& token,
               const std::string& user_id, std::string* error);
  void emit(std::string_view event, const nlohmann::json& data);
  // Next event within `timeout` (answers Engine.IO pings on the way); nullopt on timeout/close.
  std::optional<SioEvent> next(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench::load
