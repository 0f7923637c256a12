#include "signaling/config/config.h"

#include <sched.h>
#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace signaling {
namespace {

// The cores this process may run on: a container's cpuset or a taskset narrows it, which
// hardware_concurrency() (all online CPUs) does not see. One worker per usable core.
unsigned usableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// "error: --flag / ENV: detail\n"
ParseResult usageError(const CLI::Option* opt, const std::string& detail) {
  std::string name = opt ? opt->get_name() : "";
  std::string env = opt ? opt->get_envname() : "";
  std::string where = name.empty() ? "" : name + (env.empty() ? "" : " / " + env) + ": ";
  return {std::nullopt, 2, "error: " + where + detail + "\n"};
}

// The option a CLI11 error message is about: the one whose name appears in it (longest first, so
// "--turn-url" does not match "--turn-url-x").
const CLI::Option* optionInMessage(const CLI::App& app, const std::string& message) {
  const CLI::Option* best = nullptr;
  for (const CLI::Option* opt : app.get_options()) {
    std::string name = opt->get_name();
    if (name.empty() || message.find(name) == std::string::npos) continue;
    if (!best || name.size() > best->get_name().size()) best = opt;
  }
  return best;
}

std::string firstLine(std::string s) {
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

// Empty when the file can be opened and read, else why not.
std::string unreadable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path + ": " + std::strerror(errno);
  char c;
  in.read(&c, 1);
  if (in.bad() || (in.fail() && !in.eof())) return "cannot read " + path;
  return "";
}

bool hasScheme(const std::string& url, std::initializer_list<const char*> schemes) {
  for (const char* scheme : schemes) {
    if (url.rfind(scheme, 0) == 0 && url.size() > std::strlen(scheme)) return true;
  }
  return false;
}

}  // namespace

ParseResult parseConfig(int argc, const char* const* argv) {
  Config cfg;
  CLI::App app{"sfu-server: WebRTC signaling and selective forwarding unit"};
  app.set_version_flag("--version", "sfu-server 0.1.0");
  // Parsed wider than uint16_t so that 70000 is reported as out of range, not as unconvertible.
  unsigned http_port = cfg.http_port;
  unsigned rtc_port = cfg.rtc_port;
  app.add_option("--http-port", http_port, "HTTP/WebSocket port")
      ->envname("SFU_HTTP_PORT")
      ->check(CLI::Range(1u, 65535u));
  app.add_option("--rtc-port", rtc_port, "first media port (worker i uses rtc-port+i)")
      ->envname("SFU_RTC_PORT")
      ->check(CLI::Range(1u, 65535u));
  auto* listen_ip =
      app.add_option("--listen-ip", cfg.listen_ip, "address for HTTP and media sockets")
          ->envname("SFU_LISTEN_IP");
  auto* announced_ip =
      app.add_option("--announced-ip", cfg.announced_ip, "address put in ICE candidates")
          ->envname("SFU_ANNOUNCED_IP");
  auto* jwt_secret = app.add_option("--jwt-secret", cfg.jwt_secret, "HS256 secret for JWTs")
                         ->envname("SFU_JWT_SECRET");
  auto* jwt_key = app.add_option("--jwt-public-key", cfg.jwt_public_key_file,
                                 "PEM public key for RS256/ES256 JWTs")
                      ->envname("SFU_JWT_PUBLIC_KEY");
  auto* db = app.add_option("--db", cfg.db_path, "SQLite database file")->envname("SFU_DB");
  app.add_option("--db-key", cfg.db_key, "key for encrypting call history at rest")
      ->envname("SFU_DB_KEY");
  auto* workers = app.add_option("--workers", cfg.workers, "media worker threads (0: one per core)")
                      ->envname("SFU_WORKERS")
                      ->check(CLI::Range(0u, 256u));
  app.add_option("--max-participants", cfg.max_participants, "participant limit per call")
      ->envname("SFU_MAX_PARTICIPANTS")
      ->check(CLI::Range(2u, 64u));
  app.add_option("--udp-gso", cfg.udp_gso,
                 "send each peer's equal-sized datagrams as one message (UDP segmentation offload)")
      ->envname("SFU_UDP_GSO");
  app.add_flag("--dev", cfg.dev, "development mode: dev token endpoint, default JWT secret")
      ->envname("SFU_DEV");
  app.add_option("--log-level", cfg.log_level, "trace|debug|info|warn|error")
      ->envname("SFU_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--log-format", cfg.log_format, "logfmt|json")
      ->envname("SFU_LOG_FORMAT")
      ->check(CLI::IsMember({"logfmt", "json"}));
  app.add_option("--web-root", cfg.web_root, "directory of the static web client")
      ->envname("SFU_WEB_ROOT");
  app.add_option("--cors-origin", cfg.cors_origins, "allowed CORS origin (repeatable)")
      ->envname("SFU_CORS_ORIGINS")
      ->delimiter(',');
  auto* tls_cert =
      app.add_option("--tls-cert", cfg.tls_cert_file, "PEM certificate chain for HTTPS/WSS")
          ->envname("SFU_TLS_CERT");
  auto* tls_key = app.add_option("--tls-key", cfg.tls_key_file, "PEM private key for HTTPS/WSS")
                      ->envname("SFU_TLS_KEY");
  app.add_option("--ring-timeout", cfg.ring_timeout_s,
                 "seconds before an unanswered ring is missed")
      ->envname("SFU_RING_TIMEOUT")
      ->check(CLI::Range(1u, 3600u));
  app.add_option("--drain", cfg.drain_s,
                 "seconds to let calls finish after SIGTERM/SIGINT (a second signal stops at once)")
      ->envname("SFU_DRAIN_SECONDS")
      ->check(CLI::Range(0u, 3600u));
  auto* turn_secret = app.add_option("--turn-secret", cfg.turn_secret,
                                     "shared secret of the TURN REST API (coturn)")
                          ->envname("SFU_TURN_SECRET");
  auto* turn_urls =
      app.add_option("--turn-url", cfg.turn_urls, "TURN URL handed to clients (repeatable)")
          ->envname("SFU_TURN_URLS")
          ->delimiter(',');
  app.add_option("--turn-ttl", cfg.turn_ttl_s, "seconds TURN credentials stay valid")
      ->envname("SFU_TURN_TTL")
      ->check(CLI::Range(1u, 7u * 24 * 3600));
  auto* stun_urls =
      app.add_option("--stun-url", cfg.stun_urls, "STUN URL handed to clients (repeatable)")
          ->envname("SFU_STUN_URLS")
          ->delimiter(',');

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    int code = app.exit(e, out, err);
    if (code == 0) return {std::nullopt, 0, out.str() + err.str()};
    std::string message = firstLine(e.what());
    const CLI::Option* opt = optionInMessage(app, message);
    if (!opt) return {std::nullopt, 2, "error: " + message + "\n"};
    // "--http-port: Value 0 not in range ..." → "--http-port / SFU_HTTP_PORT: Value 0 ..."
    const std::string prefix = opt->get_name() + ": ";
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    return usageError(opt, message);
  }

  if (cfg.jwt_secret.empty() && cfg.jwt_public_key_file.empty()) {
    if (!cfg.dev) {
      return usageError(jwt_secret,
                        "no JWT secret: set it (or --jwt-public-key, or run with --dev)");
    }
    cfg.jwt_secret = "dev-secret-do-not-use-in-production";
  }
  cfg.http_port = static_cast<uint16_t>(http_port);
  cfg.rtc_port = static_cast<uint16_t>(rtc_port);
  if (!cfg.jwt_public_key_file.empty()) {
    if (auto why = unreadable(cfg.jwt_public_key_file); !why.empty())
      return usageError(jwt_key, why);
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(cfg.listen_ip, ec);
  if (ec) return usageError(listen_ip, "not an IP address: " + cfg.listen_ip);
  if (!cfg.announced_ip.empty()) {
    boost::asio::ip::make_address(cfg.announced_ip, ec);
    if (ec) return usageError(announced_ip, "not an IP address: " + cfg.announced_ip);
  }
  if (cfg.db_path.empty()) return usageError(db, "empty path");
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty()) {
    return usageError(cfg.tls_cert_file.empty() ? tls_cert : tls_key,
                      "--tls-cert and --tls-key go together (SFU_TLS_CERT, SFU_TLS_KEY)");
  }
  if (!cfg.tls_cert_file.empty()) {
    if (auto why = unreadable(cfg.tls_cert_file); !why.empty()) return usageError(tls_cert, why);
    if (auto why = unreadable(cfg.tls_key_file); !why.empty()) return usageError(tls_key, why);
  }
  for (const auto& url : cfg.turn_urls) {
    if (!hasScheme(url, {"turn:", "turns:"})) {
      return usageError(turn_urls, "not a turn: or turns: URL: " + url);
    }
  }
  for (const auto& url : cfg.stun_urls) {
    if (!hasScheme(url, {"stun:", "stuns:"})) {
      return usageError(stun_urls, "not a stun: or stuns: URL: " + url);
    }
  }
  if (!cfg.turn_urls.empty() && cfg.turn_secret.empty()) {
    return usageError(turn_secret, "TURN URLs are set but no secret to sign credentials with");
  }
  if (cfg.workers == 0) cfg.workers = usableCores();
  if (static_cast<unsigned>(cfg.rtc_port) + cfg.workers > 65536u) {
    return usageError(workers, "--rtc-port " + std::to_string(cfg.rtc_port) + " + " +
                                   std::to_string(cfg.workers) +
                                   " workers goes past port 65535 (SFU_RTC_PORT)");
  }
  return {cfg, 0, ""};
}

}  // namespace signaling
