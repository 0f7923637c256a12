// A compact socket address: IPv4 or IPv6 address, port, and for ICE-TCP the connection it came on.
// Trivially copyable (24 bytes, no padding), so it works as a hash-map key without allocation
// (EndpointHash / std::hash), and can be copied into closures posted between threads.
//
//   bytes 0..15  address (IPv4 in the first 4 bytes, the rest zero)
//   bytes 16..17 port (host order)
//   byte  18     family (0 none, 4, 6)
//   byte  19     transport (udp, tcp)
//   bytes 20..23 connection id (0 for UDP; the ICE-TCP connection handle otherwise)
//
// IPv4 peers seen on a dual-stack socket arrive as v4-mapped IPv6 (::ffff:a.b.c.d); the sockets
// normalise them to plain IPv4 (unmapped()) so one peer always has one key. IPv6 scope ids are not
// kept (media over link-local addresses is not supported).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace sfu::net {

enum class Family : uint8_t { kNone = 0, kV4 = 4, kV6 = 6 };
enum class Transport : uint8_t { kUdp = 0, kTcp = 1 };

class Endpoint {
 public:
  using Bytes = std::array<uint8_t, 16>;

  constexpr Endpoint() = default;

  // addr is in host order: 0x7f000001 is 127.0.0.1.
  static Endpoint v4(uint32_t addr, uint16_t port);
  static Endpoint v6(const Bytes& addr, uint16_t port);
  static Endpoint fromAddress(const boost::asio::ip::address& addr, uint16_t port);
  static Endpoint fromAsio(const boost::asio::ip::udp::endpoint& ep);
  static Endpoint fromAsio(const boost::asio::ip::tcp::endpoint& ep, uint32_t connection_id);
  // AF_INET / AF_INET6 only; anything else (or a short length) gives nullopt.
  static std::optional<Endpoint> fromSockaddr(const sockaddr* sa, socklen_t len);
  // "1.2.3.4:5", "[::1]:5"; nullopt on anything else.
  static std::optional<Endpoint> parse(std::string_view text);

  Family family() const { return family_; }
  bool isV4() const { return family_ == Family::kV4; }
  bool isV6() const { return family_ == Family::kV6; }
  bool valid() const { return family_ != Family::kNone; }
  uint16_t port() const { return port_; }
  const Bytes& bytes() const { return addr_; }
  uint32_t v4Address() const;  // host order; 0 unless isV4()
  bool isV4Mapped() const;
  bool isLoopback() const;
  Transport transport() const { return transport_; }
  bool isTcp() const { return transport_ == Transport::kTcp; }
  uint32_t connectionId() const { return conn_id_; }

  // The same address and port tagged with an ICE-TCP connection (or back to UDP with id 0).
  Endpoint withConnection(Transport transport, uint32_t connection_id) const;
  // v4-mapped IPv6 → IPv4; other addresses unchanged.
  Endpoint unmapped() const;

  boost::asio::ip::address address() const;
  boost::asio::ip::udp::endpoint toUdp() const;
  boost::asio::ip::tcp::endpoint toTcp() const;
  // Fills ss; returns the length to pass to the kernel (0 for an invalid endpoint).
  // as_v6: write an IPv4 address as v4-mapped IPv6, for sending on an AF_INET6 socket.
  socklen_t toSockaddr(sockaddr_storage& ss, bool as_v6 = false) const;

  // "1.2.3.4:5", "[::1]:5", "tcp:1.2.3.4:5#7" for an ICE-TCP connection.
  std::string toString() const;
  // Same text into out (no allocation); returns the length written (truncated to size - 1).
  size_t format(char* out, size_t size) const;

  // Every byte is a field (24 bytes, no padding: asserted below), so equality is three word
  // compares rather than the memcmp call the defaulted operator makes of the address array; the
  // session router does one per received datagram.
  friend bool operator==(const Endpoint& a, const Endpoint& b) {
    uint64_t x[3];
    uint64_t y[3];
    std::memcpy(x, &a, sizeof(x));
    std::memcpy(y, &b, sizeof(y));
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
  }

 private:
  Bytes addr_{};
  uint16_t port_ = 0;
  Family family_ = Family::kNone;
  Transport transport_ = Transport::kUdp;
  uint32_t conn_id_ = 0;
};

static_assert(std::is_trivially_copyable_v<Endpoint>);
static_assert(sizeof(Endpoint) == 24, "Endpoint must stay compact and padding-free");
static_assert(std::has_unique_object_representations_v<Endpoint>,
              "operator== compares bytes: no padding");

struct EndpointHash {
  size_t operator()(const Endpoint& ep) const noexcept;
};

}  // namespace sfu::net

template <>
struct std::hash<sfu::net::Endpoint> {
  size_t operator()(const sfu::net::Endpoint& ep) const noexcept {
    return sfu::net::EndpointHash{}(ep);
  }
};

template <>
struct fmt::formatter<sfu::net::Endpoint> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const sfu::net::Endpoint& ep, FormatContext& ctx) const {
    char buf[80];
    size_t n = ep.format(buf, sizeof(buf));
    return fmt::formatter<std::string_view>::format(std::string_view(buf, n), ctx);
  }
};
