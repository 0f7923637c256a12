// sfu-server entry point.
#include <cstdio>

#include "sfu/common/log.h"
#include "signaling/config/config.h"

int main(int argc, char** argv) {
  auto parsed = signaling::parseConfig(argc, argv);
  if (!parsed.config) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  const auto& cfg = *parsed.config;
  sfu::log::init(cfg.log_level,
                 cfg.log_format == "json" ? sfu::log::Format::kJson : sfu::log::Format::kLogfmt);
  SFU_LOG_INFO("main", "starting http_port={} rtc_port={} workers={} dev={}", cfg.http_port,
               cfg.rtc_port, cfg.workers, cfg.dev);
  SFU_LOG_ERROR("main", "server not implemented yet");
  return 1;
}
