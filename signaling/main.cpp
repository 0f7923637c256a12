// sfu-server entry point: configuration, logging, then the server on the signaling thread.
#include <boost/asio/io_context.hpp>
#include <cstdio>

#include "sfu/common/log.h"
#include "sfu/net/local_addresses.h"
#include "signaling/app/server_app.h"
#include "signaling/config/config.h"

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
  if (cfg.dev) SFU_LOG_WARN("main", "development mode: dev token endpoint on, default JWT secret");

  try {
    boost::asio::io_context io(1);
    {
      signaling::ServerApp app(io, cfg);
      app.stopOnSignals();
      io.run();
    }  // destroyed here: sockets closed, call store flushed and closed
    SFU_LOG_INFO("main", "stopped exit_code=0");
  } catch (const std::exception& e) {
    SFU_LOG_ERROR("main", "startup failed error=\"{}\"", e.what());
    spdlog::shutdown();
    return 1;
  }
  spdlog::shutdown();
  return 0;
}
