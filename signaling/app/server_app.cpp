#include "signaling/app/server_app.h"

#include <csignal>

#include "sfu/common/log.h"
#include "sfu/media_server.h"
#include "signaling/calls/call_service.h"
#include "signaling/echo/echo_routes.h"
#include "signaling/http/http_server.h"
#include "signaling/sio/socket_hub.h"
#include "signaling/turn/ice_servers.h"

namespace signaling {

namespace bhttp = boost::beast::http;

namespace {

sfu::MediaServer::Config mediaConfig(const Config& cfg) {
  sfu::MediaServer::Config mc;
  mc.rtc_port = cfg.rtc_port;
  mc.workers = cfg.workers;
  mc.listen_ip = cfg.listen_ip;
  if (!cfg.announced_ip.empty()) mc.announced_ips = {cfg.announced_ip};
  mc.max_participants = cfg.max_participants;
  mc.udp_gso = cfg.udp_gso;
  return mc;
}

}  // namespace

ServerApp::ServerApp(boost::asio::io_context& io, const Config& cfg)
    : io_(io), cfg_(cfg), signals_(io), drain_timer_(io) {
  // Results and events of the media workers come back to the signaling thread.
  media_ = std::make_unique<sfu::MediaServer>(
      mediaConfig(cfg_), [&io, pool = media_posts_](sfu::MediaServer::Task task) {
        boost::asio::post(io, sfu::bindHandlerMemory(pool, std::move(task)));
      });
  std::string error;
  if (!media_->start(&error)) throw std::runtime_error("media server: " + error);
  hub_ = std::make_unique<sio::SocketHub>(io_);
  calls_ = std::make_unique<CallService>(io_, cfg_, *hub_, media_.get());
  http_ = std::make_unique<http::HttpServer>(io_, cfg_, *calls_, *hub_);
  // Ready: not draining, every media worker running, and the call store writable.
  http_->setReadinessCheck(
      [this] { return !draining_ && media_->running() && calls_->storeWritable(); });
  registerRoutes();
  SFU_LOG_INFO("main", "listening http_port={} tls={} rtc_port={} workers={} announced_ip={}",
               http_->port(), http_->tls(), media_->workerPort(0), media_->workerCount(),
               cfg_.announced_ip);
}

ServerApp::~ServerApp() {
  // In dependency order: no more requests, then the call logic and its store (closing SQLite
  // checkpoints the WAL into the database file), then the sockets.
  http_.reset();
  calls_.reset();
  SFU_LOG_INFO("main", "call store closed db={}", cfg_.db_path);
  hub_.reset();
}

uint16_t ServerApp::httpPort() const { return http_->port(); }

void ServerApp::registerRoutes() {
  // Extension: STUN (our own RTC port answers binding requests) + time-limited TURN credentials.
  http_->addRoute(
      bhttp::verb::get, "/api/webrtc/ice-servers", [this](const http::RouteContext& ctx) {
        auto token = ctx.bearerToken();
        if (!token) throw ApiError(401, "unauthorized", "Missing bearer token");
        std::string user = calls_->authenticate(*token);
        IceServersConfig ice;
        ice.stun_urls = cfg_.stun_urls;
        if (ice.stun_urls.empty()) {
          ice.stun_urls.push_back("stun:" + cfg_.announced_ip + ":" +
                                  std::to_string(cfg_.rtc_port));
        }
        ice.turn_urls = cfg_.turn_urls;
        ice.turn_secret = cfg_.turn_secret;
        ice.ttl = std::chrono::seconds(cfg_.turn_ttl_s);
        return http::jsonResponse(bhttp::status::ok,
                                  iceServersJson(ice, user, std::chrono::system_clock::now()));
      });

  registerEchoRoutes(*http_, *calls_, *media_);

  if (cfg_.dev) {
    // Development only: a token for any user name, for the demo page and manual testing.
    http_->addRoute(bhttp::verb::post, "/api/dev/token", [this](const http::RouteContext& ctx) {
      auto body = ctx.jsonBody();
      if (!body.contains("user_id") || !body["user_id"].is_string() ||
          body["user_id"].get<std::string>().empty() ||
          body["user_id"].get<std::string>().size() > 64) {
        throw ApiError(400, "invalid_body", "user_id must be a non-empty string (max 64)");
      }
      std::string user = body["user_id"];
      if (user == "sfu" || user == "echo") throw ApiError(400, "invalid_body", "Reserved user id");
      return http::jsonResponse(
          bhttp::status::ok,
          {{"success", true}, {"user_id", user}, {"token", calls_->issueToken(user, 12 * 3600)}});
    });
    // Development only: who has a Socket.IO connection now (the demo page's "online" list).
    // Not offered in production: it would let any user enumerate everyone connected.
    http_->addRoute(bhttp::verb::get, "/api/dev/online", [this](const http::RouteContext& ctx) {
      auto token = ctx.bearerToken();
      if (!token) throw ApiError(401, "unauthorized", "Missing bearer token");
      calls_->authenticate(*token);
      return http::jsonResponse(bhttp::status::ok,
                                {{"success", true}, {"users", hub_->onlineUsers()}});
    });
  }
}

namespace {

const char* signalName(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "other";
  }
}

}  // namespace

void ServerApp::stopOnSignals() {
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    SFU_LOG_INFO("main", "shutdown requested signal={} drain_s={} live_calls={}", signalName(signo),
                 cfg_.drain_s, calls_->core().liveCallCount());
    // A second signal stops at once.
    signals_.async_wait([this](const boost::system::error_code& ec2, int signo2) {
      if (ec2) return;
      SFU_LOG_WARN("main", "second signal, stopping now signal={}", signalName(signo2));
      shutdown();
    });
    beginDrain();
  });
}

void ServerApp::beginDrain() {
  if (draining_ || stopped_) return;
  draining_ = true;
  calls_->core().setDraining(true);  // initiate → 503 {code: "draining"}; /readyz → 503
  size_t told = hub_->emitToAll("server_shutdown", {{"drain_seconds", cfg_.drain_s}});
  SFU_LOG_INFO("main", "draining live_calls={} sockets_notified={} drain_s={}",
               calls_->core().liveCallCount(), told, cfg_.drain_s);
  drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(cfg_.drain_s);
  drainTick();
}

void ServerApp::drainTick() {
  size_t live = calls_->core().liveCallCount();
  if (live == 0) {
    SFU_LOG_INFO("main", "drained: no live calls");
    shutdown();
    return;
  }
  if (std::chrono::steady_clock::now() >= drain_deadline_) {
    SFU_LOG_WARN("main", "drain period over live_calls={}", live);
    shutdown();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(100));
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) drainTick();
  });
}

void ServerApp::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  draining_ = true;
  drain_timer_.cancel();
  signals_.cancel();
  calls_->core().setDraining(true);
  // Calls still going: end them now so that history shows them ended at this time (and the
  // participants get webrtc_call_ended {reason: "server_shutdown"}).
  if (size_t ended = calls_->core().endAllCalls("server_shutdown")) {
    SFU_LOG_WARN("main", "ended calls at shutdown count={}", ended);
  }
  http_->stop();
  media_->stop();
  // A moment for the last events and WebSocket closes to be written, then leave io.run().
  drain_timer_.expires_after(std::chrono::milliseconds(200));
  drain_timer_.async_wait([this](const boost::system::error_code&) { io_.stop(); });
}

}  // namespace signaling
