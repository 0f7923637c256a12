#include "sfu/common/log_format.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace sfu::log {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool isKeyStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool isKeyChar(char c) { return isKeyStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; }

// Length of the key if `s` starts with `key=`, else 0.
size_t keyLength(std::string_view s) {
  if (s.empty() || !isKeyStart(s[0])) return 0;
  size_t i = 1;
  while (i < s.size() && isKeyChar(s[i])) ++i;
  return i < s.size() && s[i] == '=' ? i : 0;
}

// Position of the next token (after whitespace) that starts with `key=`, from `from`; npos if none.
// Only tokens that follow whitespace count.
size_t nextKeyToken(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size(); ++i) {
    if (!isSpace(s[i])) continue;
    size_t j = i;
    while (j < s.size() && isSpace(s[j])) ++j;
    if (j < s.size() && keyLength(s.substr(j)) > 0) return j;
    i = j;
  }
  return std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A "quoted" value at the start of `s`: its unescaped text and the length consumed, when the
// closing quote is followed by whitespace or the end.
bool readQuoted(std::string_view s, std::string& out, size_t& used) {
  if (s.empty() || s[0] != '"') return false;
  std::string text;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      text.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n);
      continue;
    }
    if (c == '"') {
      if (i + 1 < s.size() && !isSpace(s[i + 1])) return false;
      out = std::move(text);
      used = i + 1;
      return true;
    }
    text.push_back(c);
  }
  return false;
}

bool isReserved(std::string_view key) {
  return key == "ts" || key == "level" || key == "comp" || key == "msg";
}

// Length of a valid UTF-8 sequence at the start of `s`, or 0.
size_t utf8Length(std::string_view s) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// The backslash escapes logfmt and JSON share; false for any other character.
bool appendShortEscape(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return true;
    case '\\':
      out += "\\\\";
      return true;
    case '\n':
      out += "\\n";
      return true;
    case '\r':
      out += "\\r";
      return true;
    case '\t':
      out += "\\t";
      return true;
    default:
      return false;
  }
}

void appendLogfmtValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v) {
    if (isSpace(c) || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (appendShortEscape(out, c)) continue;
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

std::string levelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

int64_t unixMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

template <bool kJson>
class LineFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string line = kJson ? formatJsonLine(unixMs(msg.time), levelName(msg.level), payload)
                             : formatLogfmtLine(unixMs(msg.time), levelName(msg.level), payload);
    line.push_back('\n');
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>();
  }
};

}  // namespace

LogRecord parsePayload(std::string_view payload) {
  LogRecord rec;
  std::string_view s = trim(payload);
  if (s.substr(0, 5) == "comp=") {
    size_t end = 5;
    while (end < s.size() && !isSpace(s[end])) ++end;
    rec.comp = std::string(s.substr(5, end - 5));
    s = trim(s.substr(end));
  }
  // The message: everything before the first key= token (or the start if s opens with one).
  size_t first = keyLength(s) > 0 ? 0 : nextKeyToken(s, 0);
  rec.msg = std::string(trim(s.substr(0, first)));
  if (first == std::string_view::npos) return rec;
  s = s.substr(first);
  while (!s.empty()) {
    size_t klen = keyLength(s);
    std::string key(s.substr(0, klen));
    if (isReserved(key)) key.push_back('_');
    std::string_view rest = s.substr(klen + 1);
    std::string value;
    size_t used = 0;
    if (readQuoted(rest, value, used)) {
      // A quoted value; anything up to the next key= token that follows it belongs to it too.
      size_t next = nextKeyToken(rest, used);
      std::string_view tail = trim(
          rest.substr(used, next == std::string_view::npos ? std::string_view::npos : next - used));
      if (!tail.empty()) value += " " + std::string(tail);
      rec.fields.emplace_back(std::move(key), std::move(value));
      if (next == std::string_view::npos) break;
      s = rest.substr(next);
      continue;
    }
    size_t next = nextKeyToken(rest, 0);
    rec.fields.emplace_back(std::move(key), std::string(trim(rest.substr(0, next))));
    if (next == std::string_view::npos) break;
    s = rest.substr(next);
  }
  return rec;
}

std::string formatTimestamp(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  int ms = static_cast<int>(unix_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

std::string jsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8Length(s.substr(i));
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    if (!appendShortEscape(out, static_cast<char>(c))) {
      if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

std::string formatLogfmtLine(int64_t unix_ms, std::string_view level, std::string_view payload) {
  LogRecord rec = parsePayload(payload);
  std::string out = "ts=" + formatTimestamp(unix_ms) + " level=" + std::string(level);
  if (!rec.comp.empty()) {
    out += " comp=";
    appendLogfmtValue(out, rec.comp);
  }
  out += " msg=";
  appendLogfmtValue(out, rec.msg);
  for (const auto& [key, value] : rec.fields) {
    out += ' ';
    out += key;
    out += '=';
    appendLogfmtValue(out, value);
  }
  return out;
}

std::string formatJsonLine(int64_t unix_ms, std::string_view level, std::string_view payload) {
  LogRecord rec = parsePayload(payload);
  std::string out = "{\"ts\":\"" + formatTimestamp(unix_ms) + "\",\"level\":" + jsonString(level);
  if (!rec.comp.empty()) out += ",\"comp\":" + jsonString(rec.comp);
  out += ",\"msg\":" + jsonString(rec.msg);
  for (const auto& [key, value] : rec.fields) {
    out += ',';
    out += jsonString(key);
    out += ':';
    out += jsonString(value);
  }
  out += '}';
  return out;
}

std::unique_ptr<spdlog::formatter> makeLogfmtFormatter() {
  return std::make_unique<LineFormatter<false>>();
}

std::unique_ptr<spdlog::formatter> makeJsonFormatter() {
  return std::make_unique<LineFormatter<true>>();
}

}  // namespace sfu::log
