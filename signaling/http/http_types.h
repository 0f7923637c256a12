// HTTP vocabulary shared by the router, the server and the handlers registered on it.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signaling/api/call_api.h"

namespace signaling::http {

namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Values of `{name}` segments of a route pattern, in pattern order.
using PathParams = std::vector<std::pair<std::string, std::string>>;

// What a route handler sees: the request, its decoded path parameters and query.
struct RouteContext {
  const Request& request;
  PathParams params;
  std::string path;   // decoded path, without the query
  std::string query;  // raw query (after '?'), may be empty
  std::string remote;

  // The value of a path parameter ("" if the pattern has no such name).
  const std::string& param(std::string_view name) const;
  // The first value of a decoded query parameter.
  std::optional<std::string> queryParam(std::string_view name) const;
  // The token of an "Authorization: Bearer <token>" header.
  std::optional<std::string> bearerToken() const;
  // The body as JSON: empty body → empty object; malformed → ApiError 400 "invalid_json";
  // anything but an object → ApiError 400 "invalid_body".
  nlohmann::json jsonBody() const;
};

// Returns a response, or throws ApiError (turned into the error envelope by the server).
using Handler = std::function<Response(const RouteContext&)>;

// {"success": false, "error": {"code", "message"}} with the error's status (+Retry-After on 429).
Response errorResponse(const ApiError& error, unsigned version = 11);
Response jsonResponse(bhttp::status status, const nlohmann::json& body, unsigned version = 11);
Response textResponse(bhttp::status status, std::string body, std::string_view content_type,
                      unsigned version = 11);

// "Authorization: Bearer <token>" → token (case-insensitive scheme, trimmed).
std::optional<std::string> parseBearer(std::string_view header_value);

// Decodes %XX escapes ('+' is left alone: paths never use it). Fails on a bad escape or NUL.
std::optional<std::string> percentDecode(std::string_view in, bool plus_as_space = false);

// The first value of `name` in a raw query string ("a=1&b=2"), decoded.
std::optional<std::string> findQueryParam(std::string_view query, std::string_view name);

}  // namespace signaling::http
