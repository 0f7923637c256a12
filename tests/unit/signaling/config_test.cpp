// parseConfig: defaults, environment twins, and validation errors (exit code 2 with a one-line
// message that names the flag and its environment variable).
#include "signaling/config/config.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <cstdlib>
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

// Sets an environment variable for the scope of a test case.
class ScopedEnv {
 public:
  ScopedEnv(const std::string& name, const std::string& value) : name_(name) {
    if (!name_.empty()) setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (!name_.empty()) unsetenv(name_.c_str());
  }

 private:
  std::string name_;
};

std::string dataFile(const char* rel) { return std::string(SFU_TEST_DATA_DIR) + "/" + rel; }

TEST(Config, DefaultsWithASecret) {
  auto r = parse({"--jwt-secret", "s"});
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_EQ(r.config->http_port, 8080);
  EXPECT_EQ(r.config->rtc_port, 40000);
  EXPECT_EQ(r.config->listen_ip, "0.0.0.0");
  EXPECT_EQ(r.config->db_path, "./data/sfu.db");
  EXPECT_EQ(r.config->max_participants, 8u);
  EXPECT_EQ(r.config->ring_timeout_s, 45u);
  EXPECT_TRUE(r.config->udp_gso);
  EXPECT_GE(r.config->workers, 1u);  // 0 resolves to the number of cores
}

TEST(Config, SegmentationOffloadCanBeTurnedOff) {
  auto flag = parse({"--jwt-secret", "s", "--udp-gso", "off"});
  ASSERT_TRUE(flag.config) << flag.message;
  EXPECT_FALSE(flag.config->udp_gso);
  ScopedEnv gso("SFU_UDP_GSO", "false");
  auto env = parse({"--jwt-secret", "s"});
  ASSERT_TRUE(env.config) << env.message;
  EXPECT_FALSE(env.config->udp_gso);
  auto bad = parse({"--jwt-secret", "s", "--udp-gso", "maybe"});
  EXPECT_FALSE(bad.config);
}

TEST(Config, WorkersDefaultToTheCoresWeMayRunOn) {
  // A cpuset/taskset of one core: one worker, however many cores the machine has online.
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  int first = 0;
  while (!CPU_ISSET(first, &saved)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  auto r = parse({"--jwt-secret", "s"});
  sched_setaffinity(0, sizeof(saved), &saved);
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_EQ(r.config->workers, 1u);
  auto all = parse({"--jwt-secret", "s"});
  ASSERT_TRUE(all.config) << all.message;
  EXPECT_EQ(all.config->workers, static_cast<unsigned>(CPU_COUNT(&saved)));
}

TEST(Config, EnvironmentTwins) {
  ScopedEnv port("SFU_HTTP_PORT", "9090");
  ScopedEnv secret("SFU_JWT_SECRET", "from-env");
  ScopedEnv urls("SFU_TURN_URLS", "turn:a:3478,turns:b:5349");
  ScopedEnv turn_secret("SFU_TURN_SECRET", "t");  // TURN URLs need a secret to sign with
  auto r = parse({});
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_EQ(r.config->http_port, 9090);
  EXPECT_EQ(r.config->jwt_secret, "from-env");
  EXPECT_EQ(r.config->turn_urls, (std::vector<std::string>{"turn:a:3478", "turns:b:5349"}));
}

TEST(Config, DevModeGetsADefaultSecret) {
  auto r = parse({"--dev"});
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_TRUE(r.config->dev);
  EXPECT_FALSE(r.config->jwt_secret.empty());
}

TEST(Config, ValidationErrors) {
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

TEST(Config, PortOutOfRangeSaysSo) {
  auto r = parse({"--jwt-secret", "s", "--http-port", "70000"});
  EXPECT_NE(r.message.find("not in range"), std::string::npos) << r.message;
}

TEST(Config, HelpExitsZero) {
  auto r = parse({"--help"});
  EXPECT_FALSE(r.config);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.message.find("--db-key"), std::string::npos);
}

TEST(Config, ValidationErrorsNameFlagAndEnv) {
  const std::string cert = dataFile("tls/cert.pem");
  const std::string key = dataFile("tls/key.pem");
  struct Case {
    const char* name;
    std::vector<std::string> args;
    std::string env_name, env_value;
    std::vector<std::string> want;  // substrings of the message
  };
  const std::vector<Case> cases = {
      {"missing secret", {}, "", "", {"--jwt-secret", "SFU_JWT_SECRET"}},
      {"port out of range",
       {"--dev", "--http-port", "70000"},
       "",
       "",
       {"--http-port", "SFU_HTTP_PORT"}},
      {"port zero", {"--dev", "--http-port", "0"}, "", "", {"--http-port", "SFU_HTTP_PORT"}},
      {"port not a number", {"--dev", "--rtc-port", "abc"}, "", "", {"--rtc-port", "SFU_RTC_PORT"}},
      {"port from env", {"--dev"}, "SFU_HTTP_PORT", "http", {"--http-port", "SFU_HTTP_PORT"}},
      {"workers too many", {"--dev", "--workers", "1000"}, "", "", {"--workers", "SFU_WORKERS"}},
      {"workers negative", {"--dev", "--workers", "-2"}, "", "", {"--workers", "SFU_WORKERS"}},
      {"workers from env", {"--dev"}, "SFU_WORKERS", "many", {"--workers", "SFU_WORKERS"}},
      {"workers past last port",
       {"--dev", "--rtc-port", "65530", "--workers", "8"},
       "",
       "",
       {"--workers", "65535"}},
      {"tls cert without key", {"--dev", "--tls-cert", cert}, "", "", {"--tls-key", "SFU_TLS_KEY"}},
      {"tls key without cert", {"--dev", "--tls-key", key}, "", "", {"--tls-cert", "SFU_TLS_CERT"}},
      {"unreadable key file",
       {"--dev", "--tls-cert", cert, "--tls-key", "/nonexistent/key.pem"},
       "",
       "",
       {"--tls-key", "SFU_TLS_KEY", "/nonexistent/key.pem"}},
      {"key file is a directory",
       {"--dev", "--tls-cert", cert, "--tls-key", "/"},
       "",
       "",
       {"--tls-key", "SFU_TLS_KEY"}},
      {"unreadable jwt key",
       {"--jwt-public-key", "/nonexistent.pem"},
       "",
       "",
       {"--jwt-public-key", "SFU_JWT_PUBLIC_KEY"}},
      {"bad log format",
       {"--dev", "--log-format", "xml"},
       "",
       "",
       {"--log-format", "SFU_LOG_FORMAT"}},
      {"bad listen ip",
       {"--dev", "--listen-ip", "localhost"},
       "",
       "",
       {"--listen-ip", "SFU_LISTEN_IP"}},
      {"turn url without secret",
       {"--dev", "--turn-url", "turn:127.0.0.1:3478"},
       "",
       "",
       {"--turn-secret", "SFU_TURN_SECRET"}},
      {"turn url scheme",
       {"--dev", "--turn-secret", "s", "--turn-url", "http://x"},
       "",
       "",
       {"--turn-url", "SFU_TURN_URLS"}},
      {"drain too long", {"--dev", "--drain", "99999"}, "", "", {"--drain", "SFU_DRAIN_SECONDS"}},
      {"unknown flag", {"--dev", "--no-such-flag"}, "", "", {"--no-such-flag"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ScopedEnv env(c.env_name, c.env_value);
    auto r = parse(c.args);
    EXPECT_FALSE(r.config.has_value());
    EXPECT_EQ(r.exit_code, 2);
    ASSERT_FALSE(r.message.empty());
    EXPECT_EQ(r.message.rfind("error: ", 0), 0u) << r.message;
    EXPECT_EQ(r.message.find('\n'), r.message.size() - 1) << "one line: " << r.message;
    for (const auto& w : c.want) EXPECT_NE(r.message.find(w), std::string::npos) << r.message;
  }
}

TEST(Config, ValidConfigurations) {
  const std::string cert = dataFile("tls/cert.pem");
  const std::string key = dataFile("tls/key.pem");
  auto r = parse({"--jwt-secret", "s", "--http-port", "9000", "--workers", "2", "--tls-cert", cert,
                  "--tls-key", key, "--turn-secret", "t", "--turn-url",
                  "turn:127.0.0.1:3478?transport=udp", "--turn-ttl", "60", "--drain", "0"});
  ASSERT_TRUE(r.config) << r.message;
  EXPECT_EQ(r.config->http_port, 9000);
  EXPECT_EQ(r.config->workers, 2u);
  EXPECT_EQ(r.config->turn_ttl_s, 60u);
  EXPECT_EQ(r.config->drain_s, 0u);

  ScopedEnv env("SFU_DRAIN_SECONDS", "7");
  auto e = parse({"--dev"});
  ASSERT_TRUE(e.config) << e.message;
  EXPECT_EQ(e.config->drain_s, 7u);
  EXPECT_EQ(e.config->turn_ttl_s, 12u * 3600);
}

TEST(Config, HelpAndVersionExitZero) {
  auto h = parse({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.message.find("--drain"), std::string::npos);
  auto v = parse({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.message.find("sfu-server"), std::string::npos);
}

}  // namespace
}  // namespace signaling
