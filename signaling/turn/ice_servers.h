// ICE server list for clients (extension endpoint GET /api/webrtc/ice-servers): STUN URLs (the
// server's own RTC port answers plain STUN binding requests) and TURN with time-limited
// credentials in the TURN REST API scheme that coturn implements with `use-auth-secret`:
//   username   = "<expiry unix seconds>:<user id>"
//   credential = base64(HMAC-SHA1(shared secret, username))
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace signaling {

struct TurnCredential {
  std::string username;
  std::string credential;
};

TurnCredential makeTurnCredential(const std::string& secret, const std::string& user_id,
                                  std::chrono::system_clock::time_point expires);

struct IceServersConfig {
  std::vector<std::string> stun_urls;
  std::vector<std::string> turn_urls;
  std::string turn_secret;
  std::chrono::seconds ttl{std::chrono::hours(12)};
};

// {"ice_servers": [{"urls": [...]}, {"urls": [...], "username", "credential"}], "ttl": seconds}
// TURN is included only when both URLs and a secret are configured.
nlohmann::json iceServersJson(const IceServersConfig& cfg, const std::string& user_id,
                              std::chrono::system_clock::time_point now);

}  // namespace signaling
