// The seven REST endpoints of the call guide, registered on a Router and backed by CallApi.
// Every endpoint authenticates the bearer token first (401), then parses its JSON body (400).
#pragma once

#include "signaling/api/call_api.h"
#include "signaling/http/router.h"

namespace signaling::http {

void registerCallRoutes(Router& router, CallApi& calls);

// The caller's user id from "Authorization: Bearer <jwt>"; throws ApiError 401 without one.
std::string authenticateRequest(const RouteContext& ctx, CallApi& calls);

}  // namespace signaling::http
