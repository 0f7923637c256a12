// Route table: (method, pattern) → handler. Patterns are absolute paths whose segments are either
// literals or `{name}` parameters, e.g. "/api/webrtc/call/{id}/answer". A literal segment beats a
// parameter at the same position, so "/api/webrtc/call/initiate" wins over "/api/webrtc/call/{id}".
// Segments are percent-decoded one by one (an encoded '/' stays inside its segment).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "signaling/http/http_types.h"

namespace signaling::http {

class Router {
 public:
  enum class Outcome { kFound, kMethodNotAllowed, kNotFound };

  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const Handler* handler = nullptr;  // kFound only
    std::string pattern;               // the matched pattern (a low-cardinality metrics label)
    PathParams params;
    std::string allow;  // kMethodNotAllowed: "GET, POST" for the Allow header
  };

  // Throws std::invalid_argument for a malformed pattern (not absolute, empty `{}`).
  void add(bhttp::verb method, std::string_view pattern, Handler handler);

  // `path` is the raw (still percent-encoded) path without the query. HEAD matches GET routes.
  Match match(bhttp::verb method, std::string_view path) const;

  size_t size() const { return routes_.size(); }

 private:
  struct Segment {
    std::string text;  // literal text or parameter name
    bool param = false;
  };
  struct Route {
    bhttp::verb method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };

  std::vector<Route> routes_;
};

// Splits a raw path into decoded segments; nullopt if it is not absolute, has an empty inner
// segment ("//") or a bad escape. A single trailing '/' is ignored ("/a/" == "/a"); "/" → {}.
std::optional<std::vector<std::string>> splitPath(std::string_view raw_path);

}  // namespace signaling::http
