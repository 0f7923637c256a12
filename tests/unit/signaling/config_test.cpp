// parseConfig: defaults, environment twins, and validation errors (exit code 2 with a message that
// names the flag).
#include "signaling/config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

namespace signaling {
namespace {

ParseResult parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sfu-server");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return parseConfig(static_cast<int>(argv.size()), argv.data());
}

// Sets an environment variable for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

TEST(ConfigTest, DefaultsWithASecret) {
  auto r = parse({"--jwt-secret", "s"});
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_EQ(r.config->http_port, 8080);
  EXPECT_EQ(r.config->rtc_port, 40000);
  EXPECT_EQ(r.config->listen_ip, "0.0.0.0");
  EXPECT_EQ(r.config->db_path, "./data/sfu.db");
  EXPECT_EQ(r.config->max_participants, 8u);
  EXPECT_EQ(r.config->ring_timeout_s, 45u);
  EXPECT_GE(r.config->workers, 1u);  // 0 resolves to the number of cores
}

TEST(ConfigTest, EnvironmentTwins) {
  ScopedEnv port("SFU_HTTP_PORT", "9090");
  ScopedEnv secret("SFU_JWT_SECRET", "from-env");
  ScopedEnv urls("SFU_TURN_URLS", "turn:a:3478,turns:b:5349");
  auto r = parse({});
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_EQ(r.config->http_port, 9090);
  EXPECT_EQ(r.config->jwt_secret, "from-env");
  EXPECT_EQ(r.config->turn_urls, (std::vector<std::string>{"turn:a:3478", "turns:b:5349"}));
}

TEST(ConfigTest, DevModeGetsADefaultSecret) {
  auto r = parse({"--dev"});
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_TRUE(r.config->dev);
  EXPECT_FALSE(r.config->jwt_secret.empty());
}

TEST(ConfigTest, ValidationErrors) {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    const char* want;  // substring of the message
  };
  const std::vector<Case> cases = {
      {"no secret", {}, "no JWT secret"},
      {"port too large", {"--jwt-secret", "s", "--http-port", "70000"}, "--http-port"},
      {"port zero", {"--jwt-secret", "s", "--http-port", "0"}, "--http-port"},
      {"port not a number", {"--jwt-secret", "s", "--http-port", "abc"}, "--http-port"},
      {"rtc port too large", {"--jwt-secret", "s", "--rtc-port", "65536"}, "--rtc-port"},
      {"rtc range overflow",
       {"--jwt-secret", "s", "--rtc-port", "65535", "--workers", "2"},
       "--rtc-port"},
      {"participants", {"--jwt-secret", "s", "--max-participants", "1"}, "--max-participants"},
      {"tls half", {"--jwt-secret", "s", "--tls-cert", "c.pem"}, "--tls-key"},
      {"unknown flag", {"--jwt-secret", "s", "--nope"}, "--nope"},
      {"log level", {"--jwt-secret", "s", "--log-level", "loud"}, "--log-level"},
  };
  for (const auto& c : cases) {
    auto r = parse(c.args);
    EXPECT_FALSE(r.config) << c.name;
    EXPECT_EQ(r.exit_code, 2) << c.name;
    EXPECT_NE(r.message.find(c.want), std::string::npos) << c.name << ": " << r.message;
  }
}

TEST(ConfigTest, PortOutOfRangeSaysSo) {
  auto r = parse({"--jwt-secret", "s", "--http-port", "70000"});
  EXPECT_NE(r.message.find("not in range"), std::string::npos) << r.message;
}

TEST(ConfigTest, HelpExitsZero) {
  auto r = parse({"--help"});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.message.find("--db-key"), std::string::npos);
}

}  // namespace
}  // namespace signaling
