#include "sfu/sdp/candidate.h"

#include "sfu/sdp/text_util.h"

namespace sfu::sdp {

std::optional<Candidate> Candidate::parse(std::string_view text) {
  text = text::trim(text);
  if (text.substr(0, 10) == "candidate:") text.remove_prefix(10);
  const auto f = text::split(text, ' ');
  // foundation component transport priority address port "typ" type
  if (f.size() < 8 || f[6] != "typ") return std::nullopt;
  Candidate c;
  c.foundation = f[0];
  auto component = text::toNumber<uint32_t>(f[1]);
  auto priority = text::toNumber<uint32_t>(f[3]);
  auto port = text::toNumber<uint16_t>(f[5]);
  if (!component || !priority || !port) return std::nullopt;
  c.component = *component;
  c.transport = f[2];
  c.priority = *priority;
  c.address = f[4];
  c.port = *port;
  c.type = f[7];
  // The rest are name/value pairs.
  if ((f.size() - 8) % 2 != 0) return std::nullopt;
  for (size_t i = 8; i + 1 < f.size(); i += 2) {
    const std::string_view name = f[i];
    const std::string_view value = f[i + 1];
    if (name == "raddr") {
      c.rel_addr = value;
    } else if (name == "rport") {
      auto p = text::toNumber<uint16_t>(value);
      if (!p) return std::nullopt;
      c.rel_port = *p;
    } else if (name == "tcptype") {
      c.tcptype = value;
    } else {
      c.extensions.emplace_back(std::string(name), std::string(value));
    }
  }
  return c;
}

std::string Candidate::toString() const {
  std::string s = foundation + " " + std::to_string(component) + " " + transport + " " +
                  std::to_string(priority) + " " + address + " " + std::to_string(port) + " typ " +
                  type;
  if (!rel_addr.empty()) s += " raddr " + rel_addr;
  if (rel_port) s += " rport " + std::to_string(*rel_port);
  if (!tcptype.empty()) s += " tcptype " + tcptype;
  for (const auto& [k, v] : extensions) s += " " + k + " " + v;
  return s;
}

bool Candidate::isTcp() const { return text::iequals(transport, "tcp"); }

uint32_t candidatePriority(uint32_t type_preference, uint32_t local_preference,
                           uint32_t component) {
  return (type_preference << 24) + (local_preference << 8) + (256 - component);
}

}  // namespace sfu::sdp
