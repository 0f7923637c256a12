// The whole server assembled from its parts, in dependency order: media server (sfu), Socket.IO
// hub, call logic, HTTP server and the extension routes. main() only parses the configuration,
// runs this on the signaling thread and waits for a signal.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

#include "sfu/common/handler_memory.h"
#include "signaling/config/config.h"

namespace sfu {
class MediaServer;
}

namespace signaling {

class CallService;
namespace sio {
class SocketHub;
}
namespace http {
class HttpServer;
}

class ServerApp {
 public:
  // Throws std::runtime_error when a part cannot start (port in use, bad key, unusable DB).
  ServerApp(boost::asio::io_context& io, const Config& cfg);
  ~ServerApp();

  // SIGTERM / SIGINT start the drain (beginDrain); a second signal stops at once (shutdown).
  void stopOnSignals();
  // Graceful shutdown: /readyz answers 503, `initiate` is refused with 503 {code: "draining"},
  // every socket gets `server_shutdown` {drain_seconds}, and live calls get up to cfg.drain_s
  // seconds to end. Then calls still live are ended and saved, HTTP and Socket.IO close, and
  // io.run() returns (the store is closed when ServerApp is destroyed).
  void beginDrain();
  bool draining() const { return draining_; }
  uint16_t httpPort() const;

 private:
  void registerRoutes();
  void drainTick();
  void shutdown();

  boost::asio::io_context& io_;
  Config cfg_;
  // Operation state for the media workers' posts back to this thread (results, events, stats
  // completions): allocated on a worker, freed here, so a shared pool rather than asio's
  // per-thread cache, which the workers would drain.
  std::shared_ptr<sfu::SharedHandlerPool> media_posts_ =
      std::make_shared<sfu::SharedHandlerPool>(256);
  std::unique_ptr<sfu::MediaServer> media_;
  std::unique_ptr<sio::SocketHub> hub_;
  std::unique_ptr<CallService> calls_;
  std::unique_ptr<http::HttpServer> http_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  bool draining_ = false;
  bool stopped_ = false;
};

}  // namespace signaling
