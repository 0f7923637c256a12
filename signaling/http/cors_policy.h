// CORS (Fetch standard, "CORS protocol"): allowed origins come from configuration; "*" allows
// any origin. Allowed requests get the origin echoed back (never "*", so credentials work), and
// preflights (OPTIONS + Access-Control-Request-Method) are answered with 204.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "signaling/http/http_types.h"

namespace signaling::http {

class CorsPolicy {
 public:
  explicit CorsPolicy(std::vector<std::string> origins);

  bool enabled() const { return !origins_.empty(); }
  bool allows(std::string_view origin) const;

  // Adds the CORS response headers when `origin` is allowed.
  void decorate(Response& res, std::string_view origin) const;

  // True for a preflight request.
  static bool isPreflight(const Request& req);
  Response preflight(const Request& req) const;

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

}  // namespace signaling::http
