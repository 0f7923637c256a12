#include "signaling/http/router.h"

#include <algorithm>
#include <stdexcept>

namespace signaling::http {

std::optional<std::vector<std::string>> splitPath(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  raw.remove_prefix(1);
  if (!raw.empty() && raw.back() == '/') raw.remove_suffix(1);
  std::vector<std::string> out;
  if (raw.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t end = raw.find('/', start);
    const auto seg = raw.substr(start, end == std::string_view::npos ? raw.npos : end - start);
    if (seg.empty()) return std::nullopt;
    auto decoded = percentDecode(seg);
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

void Router::add(bhttp::verb method, std::string_view pattern, Handler handler) {
  auto parts = splitPath(pattern);
  if (!parts) throw std::invalid_argument("bad route pattern: " + std::string(pattern));
  Route route{method, std::string(pattern), {}, std::move(handler)};
  for (auto& part : *parts) {
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      if (part.size() == 2) throw std::invalid_argument("empty parameter in " + route.pattern);
      route.segments.push_back({part.substr(1, part.size() - 2), true});
    } else {
      route.segments.push_back({std::move(part), false});
    }
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::match(bhttp::verb method, std::string_view path) const {
  Match result;
  auto segments = splitPath(path);
  if (!segments) return result;

  const Route* best = nullptr;
  std::vector<bool> best_shape;  // true = literal, per position; lexicographically larger wins
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments->size()) continue;
    std::vector<bool> shape;
    bool ok = true;
    for (size_t i = 0; i < segments->size() && ok; ++i) {
      const auto& seg = route.segments[i];
      ok = seg.param ? !(*segments)[i].empty() : seg.text == (*segments)[i];
      shape.push_back(!seg.param);
    }
    if (!ok) continue;
    const bool method_ok =
        route.method == method || (method == bhttp::verb::head && route.method == bhttp::verb::get);
    if (!method_ok) {
      allowed.emplace_back(bhttp::to_string(route.method));
      continue;
    }
    if (!best || shape > best_shape) {
      best = &route;
      best_shape = std::move(shape);
    }
  }
  if (best) {
    result.outcome = Outcome::kFound;
    result.handler = &best->handler;
    result.pattern = best->pattern;
    for (size_t i = 0; i < best->segments.size(); ++i) {
      if (best->segments[i].param) {
        result.params.emplace_back(best->segments[i].text, std::move((*segments)[i]));
      }
    }
    return result;
  }
  if (!allowed.empty()) {
    if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) {
      allowed.emplace_back("HEAD");
    }
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    result.outcome = Outcome::kMethodNotAllowed;
    for (size_t i = 0; i < allowed.size(); ++i) {
      if (i) result.allow += ", ";
      result.allow += allowed[i];
    }
  }
  return result;
}

}  // namespace signaling::http
