#include "signaling/http/http_types.h"

#include "signaling/sio/socketio_packet.h"

namespace signaling::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const std::string& RouteContext::param(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return kEmpty;
}

std::optional<std::string> RouteContext::queryParam(std::string_view name) const {
  return findQueryParam(query, name);
}

std::optional<std::string> RouteContext::bearerToken() const {
  auto it = request.find(bhttp::field::authorization);
  if (it == request.end()) return std::nullopt;
  return parseBearer(it->value());
}

nlohmann::json RouteContext::jsonBody() const {
  const std::string& body = request.body();
  if (trim(body).empty()) return nlohmann::json::object();
  auto parsed = sio::parseJsonBounded(body);
  if (parsed.is_discarded()) {
    throw ApiError(400, "invalid_json", "Request body is not valid JSON (or nested too deeply)");
  }
  if (!parsed.is_object()) {
    throw ApiError(400, "invalid_body", "Request body must be a JSON object");
  }
  return parsed;
}

Response jsonResponse(bhttp::status status, const nlohmann::json& body, unsigned version) {
  Response res{status, version};
  res.set(bhttp::field::content_type, "application/json");
  res.body() = sio::dumpJson(body);
  res.prepare_payload();
  return res;
}

Response textResponse(bhttp::status status, std::string body, std::string_view content_type,
                      unsigned version) {
  Response res{status, version};
  res.set(bhttp::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response errorResponse(const ApiError& error, unsigned version) {
  const nlohmann::json body{{"success", false},
                            {"error", {{"code", error.code()}, {"message", error.what()}}}};
  int status = error.status();
  if (status < 400 || status > 599) status = 500;
  Response res = jsonResponse(static_cast<bhttp::status>(status), body, version);
  if (status == 429 && error.retryAfter()) {
    res.set(bhttp::field::retry_after, std::to_string(*error.retryAfter()));
  }
  return res;
}

std::optional<std::string> parseBearer(std::string_view value) {
  value = trim(value);
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size() || !iequals(value.substr(0, kScheme.size()), kScheme) ||
      (value[kScheme.size()] != ' ' && value[kScheme.size()] != '\t')) {
    return std::nullopt;
  }
  auto token = trim(value.substr(kScheme.size() + 1));
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

std::optional<std::string> percentDecode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hexValue(in[i + 1]);
      const int lo = hexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::optional<std::string> findQueryParam(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    const size_t eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    if (key && *key == name) {
      if (eq == std::string_view::npos) return std::string();
      auto value = percentDecode(pair.substr(eq + 1), true);
      if (value) return value;
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace signaling::http
