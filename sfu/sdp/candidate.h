// ICE candidate attribute (RFC 8839 §5.1, TCP candidates RFC 6544 §4.5):
//   candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
//             [raddr <addr>] [rport <port>] [tcptype <active|passive|so>] *(<ext-name> <ext-value>)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfu::sdp {

struct Candidate {
  std::string foundation;
  uint32_t component = 1;
  std::string transport;  // "udp" / "tcp" as written (compare case-insensitively)
  uint32_t priority = 0;
  std::string address;  // IP or mDNS name
  uint16_t port = 0;
  std::string type;  // host | srflx | prflx | relay
  std::string rel_addr;
  std::optional<uint16_t> rel_port;
  std::string tcptype;
  std::vector<std::pair<std::string, std::string>> extensions;  // e.g. generation 0

  bool operator==(const Candidate&) const = default;

  // Accepts the value with or without the "candidate:" prefix (trickle sends it with).
  static std::optional<Candidate> parse(std::string_view text);
  // Without the "candidate:" prefix (the SDP attribute value after "a=candidate:").
  std::string toString() const;
  bool isTcp() const;
};

// RFC 8445 §5.1.2.1: priority = 2^24 * type pref + 2^8 * local pref + (256 - component).
uint32_t candidatePriority(uint32_t type_preference, uint32_t local_preference,
                           uint32_t component = 1);

}  // namespace sfu::sdp
