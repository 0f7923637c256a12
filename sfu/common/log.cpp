#include "sfu/common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace sfu::log {

bool init(std::string_view level, Format format) {
  spdlog::drop("sfu");
  auto logger = spdlog::stderr_logger_mt("sfu");
  spdlog::set_default_logger(logger);
  if (format == Format::kJson) {
    spdlog::set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","line":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    spdlog::set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  }
  auto parsed = spdlog::level::from_str(std::string(level));
  bool known = parsed != spdlog::level::off || level == "off";
  spdlog::set_level(known ? parsed : spdlog::level::info);
  spdlog::flush_on(spdlog::level::warn);
  return known;
}

}  // namespace sfu::log
