// Local interface addresses (getifaddrs), for the announced-IP default (DESIGN.md configuration:
// "first non-loopback address, else 127.0.0.1") and for listing host candidates.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <span>
#include <string>
#include <vector>

namespace sfu::net {

struct LocalAddress {
  std::string interface;
  boost::asio::ip::address address;
  bool up = false;
  bool loopback = false;
};

// Every IPv4/IPv6 address of every interface, in the kernel's order.
std::vector<LocalAddress> localAddresses();

// The first IPv4 address that is up, not loopback and not link-local (169.254/16); else
// 127.0.0.1. Pure, for tests.
boost::asio::ip::address pickAnnouncedAddress(std::span<const LocalAddress> addresses);

// pickAnnouncedAddress(localAddresses()).
boost::asio::ip::address defaultAnnouncedAddress();

}  // namespace sfu::net
