// The HTTP/1.1 server of sfu-server (Boost.Beast): the REST API of the call guide, /socket.io/
// (Engine.IO polling and WebSocket, handed to the SocketHub), /healthz, /readyz, /metrics, the
// Socket.IO client bundle, static files of the web client, and routes added later (addRoute).
// Plain HTTP by default; HTTPS/WSS when cfg.tls_cert_file and cfg.tls_key_file are set (one mode
// per server, no detection). Runs on the signaling io_context (one thread).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include "signaling/api/call_api.h"
#include "signaling/config/config.h"
#include "signaling/http/http_types.h"
#include "signaling/http/ws_connection.h"

namespace signaling::sio {
class SocketHub;
}

namespace signaling::http {

struct HttpServerOptions {
  size_t body_limit = 1u << 20;  // 1 MiB; larger bodies get 413
  size_t header_limit = 16u << 10;
  std::chrono::milliseconds header_timeout{10000};     // first request's header
  std::chrono::milliseconds idle_timeout{60000};       // keep-alive wait for the next request
  std::chrono::milliseconds body_timeout{30000};       // reading a body
  std::chrono::milliseconds handshake_timeout{10000};  // TLS and WebSocket handshakes
  std::chrono::milliseconds write_timeout{30000};
  size_t max_connections = 10000;
  // Directory holding node_modules/socket.io-client (npm ci in signaling/web/vendor); empty:
  // <web root>/vendor, then <source dir>/signaling/web/vendor.
  std::string vendor_dir;
  WsLimits ws_limits;  // max_message_bytes is replaced by the Engine.IO maxPayload
};

struct ServerCore;

class HttpServer {
 public:
  // Binds cfg.listen_ip:cfg.http_port (0: an ephemeral port, see port()) and starts accepting.
  // Throws std::runtime_error when the address cannot be bound or the TLS files cannot be
  // loaded. Attaches `calls` to `hub`.
  HttpServer(boost::asio::io_context& io, const Config& cfg, CallApi& calls, sio::SocketHub& hub,
             HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Registers a route, e.g. addRoute(verb::post, "/whip/{room}", handler). A literal segment
  // beats a `{param}` one; the pattern is the metrics route label.
  void addRoute(bhttp::verb method, std::string_view pattern, Handler handler);

  // /readyz answers 200 while `check` returns true, else 503 (default: always ready).
  void setReadinessCheck(std::function<bool()> check);

  uint16_t port() const;
  bool tls() const;
  size_t connectionCount() const;

  // Stops accepting and closes all Engine.IO sessions; open HTTP exchanges finish.
  void stop();

 private:
  class Listener;
  std::shared_ptr<ServerCore> core_;
  std::shared_ptr<Listener> listener_;
};

}  // namespace signaling::http
