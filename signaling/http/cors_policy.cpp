#include "signaling/http/cors_policy.h"

#include <algorithm>

namespace signaling::http {

CorsPolicy::CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {
  for (auto& o : origins_) {
    while (!o.empty() && o.back() == '/') o.pop_back();  // "https://a.example/" == origin
  }
  origins_.erase(std::remove(origins_.begin(), origins_.end(), std::string()), origins_.end());
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty() || origins_.empty()) return false;
  if (any_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void CorsPolicy::decorate(Response& res, std::string_view origin) const {
  if (!allows(origin)) return;
  res.set(bhttp::field::access_control_allow_origin, origin);
  res.set(bhttp::field::access_control_allow_credentials, "true");
  res.set(bhttp::field::access_control_expose_headers, "Retry-After");
  res.set(bhttp::field::vary, "Origin");
}

bool CorsPolicy::isPreflight(const Request& req) {
  return req.method() == bhttp::verb::options && req.find(bhttp::field::origin) != req.end() &&
         req.find(bhttp::field::access_control_request_method) != req.end();
}

Response CorsPolicy::preflight(const Request& req) const {
  Response res{bhttp::status::no_content, req.version()};
  const auto origin = req[bhttp::field::origin];
  if (allows(origin)) {
    decorate(res, origin);
    res.set(bhttp::field::access_control_allow_methods, "GET, POST, OPTIONS");
    const std::string_view requested = req[bhttp::field::access_control_request_headers];
    res.set(bhttp::field::access_control_allow_headers,
            requested.empty() ? std::string_view("Authorization, Content-Type") : requested);
    res.set(bhttp::field::access_control_max_age, "600");
  }
  res.prepare_payload();
  return res;
}

}  // namespace signaling::http
