#include "signaling/turn/ice_servers.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace signaling {

TurnCredential makeTurnCredential(const std::string& secret, const std::string& user_id,
                                  std::chrono::system_clock::time_point expires) {
  auto expiry =
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count();
  TurnCredential out;
  out.username = std::to_string(expiry) + ":" + user_id;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(out.username.data()), out.username.size(), mac,
       &mac_len);
  std::string b64(4 * ((mac_len + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(mac_len));
  b64.resize(static_cast<size_t>(n));
  out.credential = std::move(b64);
  return out;
}

nlohmann::json iceServersJson(const IceServersConfig& cfg, const std::string& user_id,
                              std::chrono::system_clock::time_point now) {
  nlohmann::json servers = nlohmann::json::array();
  if (!cfg.stun_urls.empty()) servers.push_back({{"urls", cfg.stun_urls}});
  if (!cfg.turn_urls.empty() && !cfg.turn_secret.empty()) {
    auto cred = makeTurnCredential(cfg.turn_secret, user_id, now + cfg.ttl);
    servers.push_back(
        {{"urls", cfg.turn_urls}, {"username", cred.username}, {"credential", cred.credential}});
  }
  return {{"success", true}, {"ice_servers", servers}, {"ttl", cfg.ttl.count()}};
}

}  // namespace signaling
