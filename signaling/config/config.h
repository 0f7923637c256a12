// Server configuration: every flag has an environment twin (DESIGN.md, Configuration).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace signaling {

struct Config {
  uint16_t http_port = 8080;
  uint16_t rtc_port = 40000;
  std::string listen_ip = "0.0.0.0";
  std::string announced_ip;  // empty: first non-loopback address, else 127.0.0.1
  std::string jwt_secret;
  std::string jwt_public_key_file;  // optional RS256/ES256 verification key (PEM)
  std::string db_path = "./data/sfu.db";
  std::string db_key;    // hex or passphrase for encryption at rest; empty: plaintext (warned)
  unsigned workers = 0;  // 0: number of cores
  unsigned max_participants = 8;
  bool udp_gso = true;  // join each peer's equal-sized datagrams into one send (UDP GSO)
  bool dev = false;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  std::string web_root;  // static web client; empty: the built-in signaling/web
  std::vector<std::string> cors_origins;
  std::string tls_cert_file;
  std::string tls_key_file;
  unsigned ring_timeout_s = 45;
  unsigned drain_s = 30;
  std::string turn_secret;
  std::vector<std::string> turn_urls;
  unsigned turn_ttl_s = 12 * 3600;  // lifetime of TURN REST credentials
  std::vector<std::string> stun_urls;
};

// Outcome of parsing argv + environment: a config, or a message and an exit code
// (0 for --help/--version, 2 for a usage or validation error). Errors are one line,
// "error: <flag> / <ENV>: <what is wrong>", naming both the flag and its environment twin.
struct ParseResult {
  std::optional<Config> config;
  int exit_code = 0;
  std::string message;
};

ParseResult parseConfig(int argc, const char* const* argv);

}  // namespace signaling
