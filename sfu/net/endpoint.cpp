#include "sfu/net/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace sfu::net {

namespace {

constexpr uint8_t kV4MappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

uint64_t load64Native(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// A 64-bit finaliser (splitmix64): cheap, and spreads addresses that differ in one byte.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

Endpoint Endpoint::v4(uint32_t addr, uint16_t port) {
  Endpoint ep;
  ep.addr_[0] = static_cast<uint8_t>(addr >> 24);
  ep.addr_[1] = static_cast<uint8_t>(addr >> 16);
  ep.addr_[2] = static_cast<uint8_t>(addr >> 8);
  ep.addr_[3] = static_cast<uint8_t>(addr);
  ep.port_ = port;
  ep.family_ = Family::kV4;
  return ep;
}

Endpoint Endpoint::v6(const Bytes& addr, uint16_t port) {
  Endpoint ep;
  ep.addr_ = addr;
  ep.port_ = port;
  ep.family_ = Family::kV6;
  return ep;
}

Endpoint Endpoint::fromAddress(const boost::asio::ip::address& addr, uint16_t port) {
  if (addr.is_v4()) return v4(addr.to_v4().to_uint(), port);
  return v6(addr.to_v6().to_bytes(), port);
}

Endpoint Endpoint::fromAsio(const boost::asio::ip::udp::endpoint& ep) {
  return fromAddress(ep.address(), ep.port());
}

Endpoint Endpoint::fromAsio(const boost::asio::ip::tcp::endpoint& ep, uint32_t connection_id) {
  return fromAddress(ep.address(), ep.port()).withConnection(Transport::kTcp, connection_id);
}

std::optional<Endpoint> Endpoint::fromSockaddr(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return std::nullopt;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in sin;
    std::memcpy(&sin, sa, sizeof(sin));
    return v4(ntohl(sin.sin_addr.s_addr), ntohs(sin.sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, sa, sizeof(sin6));
    Bytes b;
    std::memcpy(b.data(), &sin6.sin6_addr, 16);
    return v6(b, ntohs(sin6.sin6_port));
  }
  return std::nullopt;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return std::nullopt;
  uint32_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
    p = p * 10 + static_cast<uint32_t>(c - '0');
  }
  if (p > 65535) return std::nullopt;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  if (text.front() == '[' && !addr.is_v6()) return std::nullopt;
  if (text.front() != '[' && !addr.is_v4()) return std::nullopt;
  return fromAddress(addr, static_cast<uint16_t>(p));
}

uint32_t Endpoint::v4Address() const {
  if (family_ != Family::kV4) return 0;
  return (uint32_t{addr_[0]} << 24) | (uint32_t{addr_[1]} << 16) | (uint32_t{addr_[2]} << 8) |
         uint32_t{addr_[3]};
}

bool Endpoint::isV4Mapped() const {
  return family_ == Family::kV6 && std::memcmp(addr_.data(), kV4MappedPrefix, 12) == 0;
}

bool Endpoint::isLoopback() const {
  if (family_ == Family::kV4) return addr_[0] == 127;
  if (isV4Mapped()) return addr_[12] == 127;
  if (family_ == Family::kV6) {
    static constexpr Bytes kLoop = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return addr_ == kLoop;
  }
  return false;
}

Endpoint Endpoint::withConnection(Transport transport, uint32_t connection_id) const {
  Endpoint ep = *this;
  ep.transport_ = transport;
  ep.conn_id_ = transport == Transport::kTcp ? connection_id : 0;
  return ep;
}

Endpoint Endpoint::unmapped() const {
  if (!isV4Mapped()) return *this;
  Endpoint ep = *this;
  ep.family_ = Family::kV4;
  std::memmove(ep.addr_.data(), addr_.data() + 12, 4);
  std::fill(ep.addr_.begin() + 4, ep.addr_.end(), uint8_t{0});
  return ep;
}

boost::asio::ip::address Endpoint::address() const {
  if (family_ == Family::kV4) return boost::asio::ip::address_v4(v4Address());
  if (family_ == Family::kV6) return boost::asio::ip::address_v6(addr_);
  return {};
}

boost::asio::ip::udp::endpoint Endpoint::toUdp() const { return {address(), port_}; }

boost::asio::ip::tcp::endpoint Endpoint::toTcp() const { return {address(), port_}; }

socklen_t Endpoint::toSockaddr(sockaddr_storage& ss, bool as_v6) const {
  std::memset(&ss, 0, sizeof(ss));
  if (family_ == Family::kV4 && !as_v6) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port_);
    std::memcpy(&sin.sin_addr, addr_.data(), 4);
    std::memcpy(&ss, &sin, sizeof(sin));
    return sizeof(sin);
  }
  if (family_ == Family::kV4 || family_ == Family::kV6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port_);
    Bytes a = addr_;
    if (family_ == Family::kV4) {
      std::memcpy(a.data(), kV4MappedPrefix, 12);
      std::memcpy(a.data() + 12, addr_.data(), 4);
    }
    std::memcpy(&sin6.sin6_addr, a.data(), 16);
    std::memcpy(&ss, &sin6, sizeof(sin6));
    return sizeof(sin6);
  }
  return 0;
}

size_t Endpoint::format(char* out, size_t size) const {
  if (size == 0) return 0;
  char addr[INET6_ADDRSTRLEN] = "?";
  if (family_ == Family::kV4) {
    inet_ntop(AF_INET, addr_.data(), addr, sizeof(addr));
  } else if (family_ == Family::kV6) {
    inet_ntop(AF_INET6, addr_.data(), addr, sizeof(addr));
  }
  const char* prefix = transport_ == Transport::kTcp ? "tcp:" : "";
  int n;
  if (family_ == Family::kV6) {
    n = transport_ == Transport::kTcp
            ? std::snprintf(out, size, "%s[%s]:%u#%u", prefix, addr, port_, conn_id_)
            : std::snprintf(out, size, "[%s]:%u", addr, port_);
  } else {
    n = transport_ == Transport::kTcp
            ? std::snprintf(out, size, "%s%s:%u#%u", prefix, addr, port_, conn_id_)
            : std::snprintf(out, size, "%s:%u", addr, port_);
  }
  if (n < 0) {
    out[0] = '\0';
    return 0;
  }
  return std::min(static_cast<size_t>(n), size - 1);
}

std::string Endpoint::toString() const {
  char buf[80];
  size_t n = format(buf, sizeof(buf));
  return std::string(buf, n);
}

size_t EndpointHash::operator()(const Endpoint& ep) const noexcept {
  const uint8_t* a = ep.bytes().data();
  uint64_t h = mix(load64Native(a) ^ 0x9e3779b97f4a7c15ULL);
  h = mix(h ^ load64Native(a + 8));
  uint64_t tail = (uint64_t{ep.port()} << 48) |
                  (uint64_t{static_cast<uint8_t>(ep.family())} << 40) |
                  (uint64_t{static_cast<uint8_t>(ep.transport())} << 32) | ep.connectionId();
  return static_cast<size_t>(mix(h ^ tail));
}

}  // namespace sfu::net
