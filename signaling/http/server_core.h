// State shared by the HTTP server and its sessions (internal to signaling/http). Sessions hold it
// by shared_ptr so a late completion handler never touches a destroyed server.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "signaling/api/call_api.h"
#include "signaling/http/cors_policy.h"
#include "signaling/http/http_server.h"
#include "signaling/http/router.h"
#include "signaling/http/static_files.h"

namespace signaling::sio {
class SocketHub;
}

namespace signaling::http {

// What a session keeps of a request after handing the request itself on.
struct RequestMeta {
  bhttp::verb method = bhttp::verb::get;
  unsigned version = 11;
  bool keep_alive = false;
  std::string origin;
  std::string route = "unmatched";  // metrics label
  std::chrono::steady_clock::time_point start;
};

struct ServerCore {
  HttpServerOptions options;
  Router router;
  CorsPolicy cors{{}};
  std::optional<StaticFiles> static_files;
  std::filesystem::path socketio_bundle;  // .../socket.io-client/dist/socket.io.min.js
  sio::SocketHub* hub = nullptr;
  std::function<bool()> ready;
  std::optional<boost::asio::ssl::context> tls;
  size_t connections = 0;
  bool stopped = false;

  // Answers every request that is not for the Engine.IO endpoint. Never throws.
  Response handle(const Request& req, const std::string& remote, RequestMeta& meta);

  // True for the Engine.IO endpoint "/socket.io/" (not for the bundle files under it).
  static bool isEnginePath(std::string_view target);
};

// Splits "/a/b?x=1" into path and query.
std::pair<std::string_view, std::string_view> splitTarget(std::string_view target);

}  // namespace signaling::http
