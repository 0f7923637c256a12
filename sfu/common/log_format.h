// Line formats of the process log. A log call's text is "comp=<tag> <message words> key=value ...";
// it is split into fields and written as one line per event, either logfmt
//   ts=2026-11-25T10:00:00.123Z level=info comp=ice msg=nominated session=ab12 remote=1.2.3.4:5
// or one JSON object
//   {"ts":"2026-11-25T10:00:00.123Z","level":"info","comp":"ice","msg":"nominated",
//    "session":"ab12","remote":"1.2.3.4:5"}
// Splitting rules: the words before the first `key=` token are the message; a value runs to the
// next whitespace that precedes a `key=` token (so an unquoted value with spaces stays whole); a
// value written "quoted" (with \" and \\ escapes) is unquoted. Every JSON value is a string, so a
// key keeps one type across lines. Newlines never split a record; invalid UTF-8 becomes U+FFFD in
// JSON. Keys that collide with ts/level/comp/msg get a trailing underscore.
#pragma once

#include <spdlog/formatter.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfu::log {

struct LogRecord {
  std::string comp;
  std::string msg;
  std::vector<std::pair<std::string, std::string>> fields;
};

LogRecord parsePayload(std::string_view payload);

// "2026-11-25T10:00:00.123Z"
std::string formatTimestamp(int64_t unix_ms);

// Both without the trailing newline. `level`: trace|debug|info|warn|error|critical.
std::string formatLogfmtLine(int64_t unix_ms, std::string_view level, std::string_view payload);
std::string formatJsonLine(int64_t unix_ms, std::string_view level, std::string_view payload);

// A JSON string literal (with the quotes) of `s`: escapes, control characters as \u00XX, invalid
// UTF-8 bytes as U+FFFD.
std::string jsonString(std::string_view s);

// spdlog formatters writing the lines above (with "\n").
std::unique_ptr<spdlog::formatter> makeLogfmtFormatter();
std::unique_ptr<spdlog::formatter> makeJsonFormatter();

}  // namespace sfu::log
