// Structured logging: one line per event (logfmt, or JSON with --log-format json; see
// log_format.h), a component tag and key=value identity, e.g.
//   ts=2026-11-25T10:00:00.123Z level=info comp=ice msg=nominated session=ab12 remote=1.2.3.4:5
// Usage: SFU_LOG_INFO("ice", "nominated session={} remote={}", id, addr);
// The first words (up to the first key=) are the message; quote values that may hold spaces or
// `key=` text (error="{}"). Trace is compiled out of release builds.
#pragma once

#ifndef SPDLOG_ACTIVE_LEVEL
#ifdef NDEBUG
#define SPDLOG_ACTIVE_LEVEL SPDLOG_LEVEL_DEBUG
#else
#define SPDLOG_ACTIVE_LEVEL SPDLOG_LEVEL_TRACE
#endif
#endif
#include <spdlog/spdlog.h>

#include <string_view>

namespace sfu::log {

enum class Format { kLogfmt, kJson };

// Configures the process-wide logger (stderr). level: trace|debug|info|warn|error|off.
// Returns false for an unknown level name (and leaves the level at info).
bool init(std::string_view level, Format format = Format::kLogfmt);

}  // namespace sfu::log

#define SFU_LOG_TRACE(tag, fmtstr, ...) \
  SPDLOG_TRACE("comp=" tag " " fmtstr __VA_OPT__(, ) __VA_ARGS__)
#define SFU_LOG_DEBUG(tag, fmtstr, ...) \
  SPDLOG_DEBUG("comp=" tag " " fmtstr __VA_OPT__(, ) __VA_ARGS__)
#define SFU_LOG_INFO(tag, fmtstr, ...) \
  SPDLOG_INFO("comp=" tag " " fmtstr __VA_OPT__(, ) __VA_ARGS__)
#define SFU_LOG_WARN(tag, fmtstr, ...) \
  SPDLOG_WARN("comp=" tag " " fmtstr __VA_OPT__(, ) __VA_ARGS__)
#define SFU_LOG_ERROR(tag, fmtstr, ...) \
  SPDLOG_ERROR("comp=" tag " " fmtstr __VA_OPT__(, ) __VA_ARGS__)
