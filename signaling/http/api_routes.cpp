#include "signaling/http/api_routes.h"

#include <charconv>

namespace signaling::http {
namespace {

using nlohmann::json;

Response apiJson(bhttp::status status, const json& body, const RouteContext& ctx) {
  Response res = jsonResponse(status, body, ctx.request.version());
  res.set(bhttp::field::cache_control, "no-store");
  return res;
}

int intQuery(const RouteContext& ctx, std::string_view name, int fallback, int min, int max) {
  auto raw = ctx.queryParam(name);
  if (!raw || raw->empty()) return fallback;
  int value = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size() || value < min || value > max) {
    throw ApiError(400, "invalid_query",
                   std::string(name) + " must be an integer from " + std::to_string(min) + " to " +
                       std::to_string(max));
  }
  return value;
}

}  // namespace

std::string authenticateRequest(const RouteContext& ctx, CallApi& calls) {
  auto token = ctx.bearerToken();
  if (!token) throw ApiError(401, "unauthorized", "Missing bearer token");
  return calls.authenticate(*token);
}

void registerCallRoutes(Router& router, CallApi& calls) {
  using bhttp::verb;
  CallApi* api = &calls;

  router.add(verb::post, "/api/webrtc/call/initiate", [api](const RouteContext& ctx) {
    const auto user = authenticateRequest(ctx, *api);
    return apiJson(bhttp::status::created, api->initiate(user, ctx.jsonBody()), ctx);
  });
  router.add(verb::post, "/api/webrtc/call/{id}/answer", [api](const RouteContext& ctx) {
    const auto user = authenticateRequest(ctx, *api);
    return apiJson(bhttp::status::ok, api->answer(user, ctx.param("id"), ctx.jsonBody()), ctx);
  });
  router.add(verb::post, "/api/webrtc/call/{id}/end", [api](const RouteContext& ctx) {
    const auto user = authenticateRequest(ctx, *api);
    ctx.jsonBody();  // none expected, but a malformed one is still a 400
    return apiJson(bhttp::status::ok, api->end(user, ctx.param("id")), ctx);
  });
  router.add(verb::get, "/api/webrtc/call/{id}", [api](const RouteContext& ctx) {
    const auto user = authenticateRequest(ctx, *api);
    return apiJson(bhttp::status::ok, api->get(user, ctx.param("id")), ctx);
  });
  router.add(verb::get, "/api/webrtc/calls/active", [api](const RouteContext& ctx) {
    const auto user = authenticateRequest(ctx, *api);
    return apiJson(bhttp::status::ok, api->active(user), ctx);
  });
  router.add(verb::get, "/api/webrtc/calls/history", [api](const RouteContext& ctx) {
    const auto user = authenticateRequest(ctx, *api);
    const int limit = intQuery(ctx, "limit", 20, 0, 1000000);
    const int offset = intQuery(ctx, "offset", 0, 0, 1000000000);
    return apiJson(bhttp::status::ok, api->history(user, limit, offset), ctx);
  });
  router.add(verb::post, "/api/webrtc/call/{id}/quality", [api](const RouteContext& ctx) {
    const auto user = authenticateRequest(ctx, *api);
    return apiJson(bhttp::status::ok, api->quality(user, ctx.param("id"), ctx.jsonBody()), ctx);
  });
}

}  // namespace signaling::http
