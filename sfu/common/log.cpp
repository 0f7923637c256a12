#include "sfu/common/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include "sfu/common/log_format.h"

namespace sfu::log {

bool init(std::string_view level, Format format) {
  spdlog::drop("sfu");
  auto logger = spdlog::stderr_logger_mt("sfu");
  spdlog::set_default_logger(logger);
  // Our own formatters (log_format.h): spdlog's %v pattern flag writes the text unescaped, which
  // breaks JSON on the first quote and logfmt on the first newline.
  logger->set_formatter(format == Format::kJson ? makeJsonFormatter() : makeLogfmtFormatter());
  auto parsed = spdlog::level::from_str(std::string(level));
  bool known = parsed != spdlog::level::off || level == "off";
  spdlog::set_level(known ? parsed : spdlog::level::info);
  spdlog::flush_on(spdlog::level::warn);
  return known;
}

}  // namespace sfu::log
