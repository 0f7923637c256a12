// A remote transport address as the ICE agent sees it: an opaque, comparable value (family,
// address bytes, port, transport protocol). The transport converts from its socket endpoint type;
// the ICE logic never touches sockets.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sfu::ice {

enum class Protocol : uint8_t { kUdp = 0, kTcp = 1 };

struct Endpoint {
  uint8_t family = 0;              // 4 or 6; 0 = unset
  std::array<uint8_t, 16> addr{};  // IPv4 uses the first 4 bytes, the rest stay zero
  uint16_t port = 0;
  Protocol protocol = Protocol::kUdp;

  static Endpoint v4(std::array<uint8_t, 4> a, uint16_t port, Protocol p = Protocol::kUdp);
  static Endpoint v6(const std::array<uint8_t, 16>& a, uint16_t port, Protocol p = Protocol::kUdp);
  // "1.2.3.4:5678" or "[2001:db8::1]:5678" (inet_pton syntax). nullopt when malformed.
  static std::optional<Endpoint> fromString(std::string_view text, Protocol p = Protocol::kUdp);
  // Address only: "1.2.3.4" or "2001:db8::1".
  static std::optional<Endpoint> fromAddress(std::string_view ip, uint16_t port,
                                             Protocol p = Protocol::kUdp);

  bool valid() const { return family == 4 || family == 6; }
  size_t addressLength() const { return family == 6 ? 16 : 4; }
  std::string addressString() const;
  std::string toString() const;  // "1.2.3.4:5" / "[::1]:5" (+ "/tcp" for TCP)

  auto operator<=>(const Endpoint&) const = default;
  bool operator==(const Endpoint&) const = default;
};

struct EndpointHash {
  size_t operator()(const Endpoint& e) const noexcept;
};

}  // namespace sfu::ice
