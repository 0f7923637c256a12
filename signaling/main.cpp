// sfu-server entry point: configuration → logging → media server (workers on rtc_port + i) →
// Socket.IO hub → call service → HTTP server (+ extension routes), all signaling on one
// io_context thread; SIGTERM / SIGINT stop it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <stdexcept>

#include "sfu/common/log.h"
#include "sfu/media_server.h"
#include "sfu/net/local_addresses.h"
#include "signaling/calls/call_service.h"
#include "signaling/config/config.h"
#include "signaling/echo/echo_routes.h"
#include "signaling/http/http_server.h"
#include "signaling/sio/socket_hub.h"
#include "signaling/turn/ice_servers.h"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

sfu::MediaServer::Config mediaConfig(const signaling::Config& cfg) {
  sfu::MediaServer::Config mc;
  mc.rtc_port = cfg.rtc_port;
  mc.workers = cfg.workers;
  mc.listen_ip = cfg.listen_ip;
  mc.announced_ips = {cfg.announced_ip};
  return mc;
}

// GET /api/webrtc/ice-servers: our own RTC port as STUN (it answers plain binding requests),
// plus time-limited TURN credentials when configured.
void addIceServersRoute(signaling::http::HttpServer& http, signaling::CallApi& calls,
                        const signaling::Config& cfg, const sfu::MediaServer& media) {
  http.addRoute(bhttp::verb::get, "/api/webrtc/ice-servers",
                [&calls, &cfg, &media](const signaling::http::RouteContext& ctx) {
                  auto token = ctx.bearerToken();
                  if (!token) {
                    throw signaling::ApiError(401, "unauthorized", "Missing bearer token");
                  }
                  const std::string user = calls.authenticate(*token);
                  signaling::IceServersConfig ice;
                  ice.stun_urls = cfg.stun_urls;
                  if (ice.stun_urls.empty()) ice.stun_urls.push_back(media.stunUrl());
                  ice.turn_urls = cfg.turn_urls;
                  ice.turn_secret = cfg.turn_secret;
                  return signaling::http::jsonResponse(
                      bhttp::status::ok,
                      signaling::iceServersJson(ice, user, std::chrono::system_clock::now()));
                });
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = signaling::parseConfig(argc, argv);
  if (!parsed.config) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  auto cfg = *parsed.config;
  sfu::log::init(cfg.log_level,
                 cfg.log_format == "json" ? sfu::log::Format::kJson : sfu::log::Format::kLogfmt);
  if (cfg.announced_ip.empty()) cfg.announced_ip = sfu::net::defaultAnnouncedAddress().to_string();

  try {
    asio::io_context io(1);
    // Results and events of the media workers come back to this thread.
    sfu::MediaServer media(mediaConfig(cfg),
                           [&io](sfu::MediaServer::Task task) { asio::post(io, std::move(task)); });
    std::string error;
    if (!media.start(&error)) throw std::runtime_error("media server: " + error);
    signaling::sio::SocketHub hub(io);
    signaling::CallService calls(io, cfg, hub, &media);
    signaling::http::HttpServer http(io, cfg, calls, hub);
    addIceServersRoute(http, calls, cfg, media);
    signaling::registerEchoRoutes(http, calls, media);

    asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      SFU_LOG_INFO("main", "signal received signal={}", signo);
      http.stop();
      media.stop();
      // Let the closes above flush, then leave io.run().
      asio::post(io, [&io] { io.stop(); });
    });
    SFU_LOG_INFO("main", "listening http_port={} tls={} rtc_port={} workers={} announced_ip={}",
                 http.port(), http.tls(), media.workerPort(0), media.workerCount(),
                 cfg.announced_ip);
    io.run();
    SFU_LOG_INFO("main", "stopped");
  } catch (const std::exception& e) {
    SFU_LOG_ERROR("main", "startup failed error=\"{}\"", e.what());
    spdlog::shutdown();
    return 1;
  }
  spdlog::shutdown();
  return 0;
}
