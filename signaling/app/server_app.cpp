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
  return mc;
}

}  // namespace

ServerApp::ServerApp(boost::asio::io_context& io, const Config& cfg)
    : io_(io), cfg_(cfg), signals_(io), drain_timer_(io) {
  // Results and events of the media workers come back to the signaling thread.
  media_ = std::make_unique<sfu::MediaServer>(
      mediaConfig(cfg_),
      [&io](sfu::MediaServer::Task task) { boost::asio::post(io, std::move(task)); });
  std::string error;
  if (!media_->start(&error)) throw std::runtime_error("media server: " + error);
  hub_ = std::make_unique<sio::SocketHub>(io_);
  calls_ = std::make_unique<CallService>(io_, cfg_, *hub_, media_.get());
  http_ = std::make_unique<http::HttpServer>(io_, cfg_, *calls_, *hub_);
  http_->setReadinessCheck([this] { return !draining_; });
  registerRoutes();
  SFU_LOG_INFO("main", "listening http_port={} tls={} rtc_port={} workers={} announced_ip={}",
               http_->port(), http_->tls(), media_->workerPort(0), media_->workerCount(),
               cfg_.announced_ip);
}

ServerApp::~ServerApp() = default;

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
  }
}

void ServerApp::stopOnSignals() {
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    SFU_LOG_INFO("main", "signal received signal={} drain_s={}", signo, cfg_.drain_s);
    beginDrain();
    // A second signal stops at once.
    signals_.async_wait([this](const boost::system::error_code& ec2, int) {
      if (!ec2) shutdown();
    });
  });
}

void ServerApp::beginDrain() {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(cfg_.drain_s);
  drainTick();
}

void ServerApp::drainTick() {
  size_t live = calls_->core().liveCallCount();
  if (live == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
    SFU_LOG_INFO("main", "drained live_calls={}", live);
    shutdown();
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(250));
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) drainTick();
  });
}

void ServerApp::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  drain_timer_.cancel();
  signals_.cancel();
  http_->stop();
  media_->stop();
  // Let the closes above flush, then leave io.run().
  boost::asio::post(io_, [this] { io_.stop(); });
}

}  // namespace signaling
