// The echo test over plain HTTP, WHIP-style (RFC 9725 shapes): a pre-call check a page can run
// with fetch() alone.
//
//   POST   /api/webrtc/echo        Content-Type: application/sdp, Authorization: Bearer <jwt>
//          body = the client's SDP offer
//          → 201, body = the SDP answer (application/sdp), Location: /api/webrtc/echo/<id>
//   DELETE /api/webrtc/echo/<id>   Authorization: Bearer <jwt> (the same user)  → 204
//
// Errors use the JSON error envelope: 401 bad token, 415 wrong content type, 400 unusable offer,
// 403 another user's session, 404 unknown session, 429 too many sessions for one user, 503 media
// server down. Sessions a client never deletes end by themselves (ICE consent expiry, ~30 s).
#pragma once

#include <cstddef>
#include <memory>

#include "signaling/api/call_api.h"
#include "signaling/http/http_server.h"

namespace sfu {
class MediaServer;
}

namespace signaling {

struct EchoRouteOptions {
  size_t max_sessions_per_user = 4;
};

// Registers both routes on `http`; `calls` authenticates, `media` runs the sessions. All three
// must outlive the server's handlers.
void registerEchoRoutes(http::HttpServer& http, CallApi& calls, sfu::MediaServer& media,
                        EchoRouteOptions options = {});

}  // namespace signaling
