#include "sfu/net/local_addresses.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>

#include "sfu/net/endpoint.h"

namespace sfu::net {

std::vector<LocalAddress> localAddresses() {
  std::vector<LocalAddress> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    int family = it->ifa_addr->sa_family;
    socklen_t len = family == AF_INET    ? sizeof(sockaddr_in)
                    : family == AF_INET6 ? sizeof(sockaddr_in6)
                                         : 0;
    if (len == 0) continue;
    auto ep = Endpoint::fromSockaddr(it->ifa_addr, len);
    if (!ep) continue;
    LocalAddress a;
    a.interface = it->ifa_name != nullptr ? it->ifa_name : "";
    a.address = ep->address();
    a.up = (it->ifa_flags & IFF_UP) != 0;
    a.loopback = (it->ifa_flags & IFF_LOOPBACK) != 0 || a.address.is_loopback();
    out.push_back(std::move(a));
  }
  freeifaddrs(list);
  return out;
}

boost::asio::ip::address pickAnnouncedAddress(std::span<const LocalAddress> addresses) {
  for (const auto& a : addresses) {
    if (!a.up || a.loopback || !a.address.is_v4()) continue;
    uint32_t v4 = a.address.to_v4().to_uint();
    if ((v4 >> 16) == 0xa9fe) continue;  // 169.254.0.0/16 link-local
    if (v4 == 0) continue;
    return a.address;
  }
  return boost::asio::ip::address_v4::loopback();
}

boost::asio::ip::address defaultAnnouncedAddress() {
  auto all = localAddresses();
  return pickAnnouncedAddress(all);
}

}  // namespace sfu::net
