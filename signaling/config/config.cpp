#include "signaling/config/config.h"

#include <CLI/CLI.hpp>
#include <thread>

namespace signaling {

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
  app.add_option("--listen-ip", cfg.listen_ip, "address for HTTP and media sockets")
      ->envname("SFU_LISTEN_IP");
  app.add_option("--announced-ip", cfg.announced_ip, "address put in ICE candidates")
      ->envname("SFU_ANNOUNCED_IP");
  app.add_option("--jwt-secret", cfg.jwt_secret, "HS256 secret for JWTs")
      ->envname("SFU_JWT_SECRET");
  app.add_option("--jwt-public-key", cfg.jwt_public_key_file, "PEM public key for RS256/ES256 JWTs")
      ->envname("SFU_JWT_PUBLIC_KEY")
      ->check(CLI::ExistingFile);
  app.add_option("--db", cfg.db_path, "SQLite database file")->envname("SFU_DB");
  app.add_option("--db-key", cfg.db_key, "key for encrypting call history at rest")
      ->envname("SFU_DB_KEY");
  app.add_option("--workers", cfg.workers, "media worker threads (0: one per core)")
      ->envname("SFU_WORKERS")
      ->check(CLI::Range(0u, 256u));
  app.add_option("--max-participants", cfg.max_participants, "participant limit per call")
      ->envname("SFU_MAX_PARTICIPANTS")
      ->check(CLI::Range(2u, 64u));
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
  app.add_option("--tls-cert", cfg.tls_cert_file, "PEM certificate chain for HTTPS/WSS")
      ->envname("SFU_TLS_CERT");
  app.add_option("--tls-key", cfg.tls_key_file, "PEM private key for HTTPS/WSS")
      ->envname("SFU_TLS_KEY");
  app.add_option("--ring-timeout", cfg.ring_timeout_s,
                 "seconds before an unanswered ring is missed")
      ->envname("SFU_RING_TIMEOUT")
      ->check(CLI::Range(1u, 3600u));
  app.add_option("--drain", cfg.drain_s, "seconds to let calls finish after SIGTERM")
      ->envname("SFU_DRAIN_SECONDS");
  app.add_option("--turn-secret", cfg.turn_secret, "shared secret of the TURN REST API (coturn)")
      ->envname("SFU_TURN_SECRET");
  app.add_option("--turn-url", cfg.turn_urls, "TURN URL handed to clients (repeatable)")
      ->envname("SFU_TURN_URLS")
      ->delimiter(',');
  app.add_option("--stun-url", cfg.stun_urls, "STUN URL handed to clients (repeatable)")
      ->envname("SFU_STUN_URLS")
      ->delimiter(',');

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    int code = app.exit(e, out, err);
    return {std::nullopt, code == 0 ? 0 : 2, out.str() + err.str()};
  }

  if (cfg.jwt_secret.empty() && cfg.jwt_public_key_file.empty()) {
    if (!cfg.dev) {
      return {std::nullopt, 2,
              "error: no JWT secret: set --jwt-secret / SFU_JWT_SECRET (or run with --dev)\n"};
    }
    cfg.jwt_secret = "dev-secret-do-not-use-in-production";
  }
  cfg.http_port = static_cast<uint16_t>(http_port);
  cfg.rtc_port = static_cast<uint16_t>(rtc_port);
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty()) {
    return {std::nullopt, 2, "error: --tls-cert and --tls-key go together\n"};
  }
  if (cfg.workers == 0) cfg.workers = std::max(1u, std::thread::hardware_concurrency());
  if (static_cast<unsigned>(cfg.rtc_port) + cfg.workers > 65536u) {
    return {std::nullopt, 2, "error: --rtc-port + --workers exceeds 65535\n"};
  }
  return {cfg, 0, ""};
}

}  // namespace signaling
