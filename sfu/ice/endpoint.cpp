#include "sfu/ice/endpoint.h"

#include <arpa/inet.h>

#include <cstring>

namespace sfu::ice {

Endpoint Endpoint::v4(std::array<uint8_t, 4> a, uint16_t port, Protocol p) {
  Endpoint e;
  e.family = 4;
  std::memcpy(e.addr.data(), a.data(), 4);
  e.port = port;
  e.protocol = p;
  return e;
}

Endpoint Endpoint::v6(const std::array<uint8_t, 16>& a, uint16_t port, Protocol p) {
  Endpoint e;
  e.family = 6;
  e.addr = a;
  e.port = port;
  e.protocol = p;
  return e;
}

std::optional<Endpoint> Endpoint::fromAddress(std::string_view ip, uint16_t port, Protocol p) {
  if (ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, ip.data(), ip.size());
  Endpoint e;
  e.port = port;
  e.protocol = p;
  if (inet_pton(AF_INET, buf, e.addr.data()) == 1) {
    e.family = 4;
    return e;
  }
  if (inet_pton(AF_INET6, buf, e.addr.data()) == 1) {
    e.family = 6;
    return e;
  }
  return std::nullopt;
}

std::optional<Endpoint> Endpoint::fromString(std::string_view text, Protocol p) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return fromAddress(host, static_cast<uint16_t>(port), p);
}

std::string Endpoint::addressString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) {
    inet_ntop(AF_INET, addr.data(), buf, sizeof(buf));
  } else if (family == 6) {
    inet_ntop(AF_INET6, addr.data(), buf, sizeof(buf));
  } else {
    return "?";
  }
  return buf;
}

std::string Endpoint::toString() const {
  std::string out = family == 6 ? "[" + addressString() + "]" : addressString();
  out += ":" + std::to_string(port);
  if (protocol == Protocol::kTcp) out += "/tcp";
  return out;
}

size_t EndpointHash::operator()(const Endpoint& e) const noexcept {
  // FNV-1a over the significant bytes.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint8_t b) {
    h ^= b;
    h *= 1099511628211ull;
  };
  mix(e.family);
  for (size_t i = 0; i < e.addressLength(); ++i) mix(e.addr[i]);
  mix(static_cast<uint8_t>(e.port >> 8));
  mix(static_cast<uint8_t>(e.port));
  mix(static_cast<uint8_t>(e.protocol));
  return static_cast<size_t>(h);
}

}  // namespace sfu::ice
