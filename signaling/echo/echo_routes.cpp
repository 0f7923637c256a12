#include "signaling/echo/echo_routes.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "sfu/common/log.h"
#include "sfu/media_server.h"

namespace signaling {
namespace {

namespace bhttp = boost::beast::http;

constexpr const char* kPath = "/api/webrtc/echo";

// Which user started which session (signaling thread only: handlers run there).
struct EchoOwners {
  std::unordered_map<std::string, std::string> owner;  // session id → user id

  // Forgets sessions that ended on their own (consent expiry, DTLS failure).
  void prune(const sfu::MediaServer& media) {
    for (auto it = owner.begin(); it != owner.end();) {
      it = media.hasEchoSession(it->first) ? std::next(it) : owner.erase(it);
    }
  }
  size_t countFor(const std::string& user) const {
    return static_cast<size_t>(std::count_if(owner.begin(), owner.end(),
                                             [&](const auto& kv) { return kv.second == user; }));
  }
};

std::string authenticate(CallApi& calls, const http::RouteContext& ctx) {
  auto token = ctx.bearerToken();
  if (!token) throw ApiError(401, "unauthorized", "Missing bearer token");
  return calls.authenticate(*token);
}

bool isSdp(const http::Request& req) {
  auto it = req.find(bhttp::field::content_type);
  if (it == req.end()) return false;
  std::string value(it->value());
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value.rfind("application/sdp", 0) == 0;
}

}  // namespace

void registerEchoRoutes(http::HttpServer& http, CallApi& calls, sfu::MediaServer& media,
                        EchoRouteOptions options) {
  auto owners = std::make_shared<EchoOwners>();

  http.addRoute(
      bhttp::verb::post, kPath, [&calls, &media, owners, options](const http::RouteContext& ctx) {
        const std::string user = authenticate(calls, ctx);
        if (!isSdp(ctx.request)) {
          throw ApiError(415, "unsupported_media_type", "Expected Content-Type: application/sdp");
        }
        if (ctx.request.body().empty()) throw ApiError(400, "bad_request", "Empty SDP offer");
        if (!media.running()) throw ApiError(503, "media_unavailable", "Media server unavailable");
        owners->prune(media);
        if (owners->countFor(user) >= options.max_sessions_per_user) {
          throw ApiError(429, "rate_limited", "Too many echo sessions").withRetryAfter(30);
        }
        // Blocks this thread for the few milliseconds the worker needs to answer.
        auto result = media.echoStartSync(ctx.request.body());
        if (!result.ok) throw ApiError(400, "bad_request", "Echo: " + result.error);
        owners->owner[result.session_id] = user;
        SFU_LOG_INFO("http", "echo started session={} user={}", result.session_id, user);
        auto res = http::textResponse(bhttp::status::created, std::move(result.sdp),
                                      "application/sdp", ctx.request.version());
        res.set(bhttp::field::location, std::string(kPath) + "/" + result.session_id);
        return res;
      });

  http.addRoute(bhttp::verb::delete_, std::string(kPath) + "/{id}",
                [&calls, &media, owners](const http::RouteContext& ctx) {
                  const std::string user = authenticate(calls, ctx);
                  const std::string& id = ctx.param("id");
                  auto it = owners->owner.find(id);
                  if (it == owners->owner.end()) {
                    throw ApiError(404, "not_found", "Unknown echo session");
                  }
                  if (it->second != user) {
                    throw ApiError(403, "forbidden", "Not your echo session");
                  }
                  owners->owner.erase(it);
                  media.echoStop(id);
                  http::Response res{bhttp::status::no_content, ctx.request.version()};
                  res.prepare_payload();
                  return res;
                });
}

}  // namespace signaling
