#include "signaling/turn/ice_servers.h"

#include <gtest/gtest.h>

namespace signaling {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(TurnCredential, RestApiScheme) {
  // Reference value computed independently: printf '1700000000:alice' |
  //   openssl dgst -sha1 -hmac secret -binary | base64
  auto cred = makeTurnCredential("secret", "alice", system_clock::time_point(seconds(1700000000)));
  EXPECT_EQ(cred.username, "1700000000:alice");
  EXPECT_EQ(cred.credential, "d8soP47RbdIKLDUOpnJPVQyq5Ts=");
}

TEST(IceServers, TurnOnlyWithSecretAndUrls) {
  IceServersConfig cfg;
  cfg.stun_urls = {"stun:127.0.0.1:40000"};
  auto now = system_clock::time_point(seconds(1000));
  auto j = iceServersJson(cfg, "bob", now);
  ASSERT_EQ(j["ice_servers"].size(), 1u);
  EXPECT_EQ(j["ice_servers"][0]["urls"][0], "stun:127.0.0.1:40000");

  cfg.turn_urls = {"turn:127.0.0.1:3478?transport=udp"};
  EXPECT_EQ(iceServersJson(cfg, "bob", now)["ice_servers"].size(), 1u);  // no secret yet
  cfg.turn_secret = "s3";
  cfg.ttl = seconds(600);
  j = iceServersJson(cfg, "bob", now);
  ASSERT_EQ(j["ice_servers"].size(), 2u);
  EXPECT_EQ(j["ice_servers"][1]["username"], "1600:bob");
  EXPECT_EQ(j["ttl"], 600);
  EXPECT_TRUE(j["success"].get<bool>());
}

}  // namespace
}  // namespace signaling
