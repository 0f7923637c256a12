#include "sfu/net/local_addresses.h"

#include <gtest/gtest.h>

namespace sfu::net {
namespace {

namespace ip = boost::asio::ip;

LocalAddress addr(const char* ifname, const char* text, bool up = true, bool loopback = false) {
  return LocalAddress{ifname, ip::make_address(text), up, loopback};
}

TEST(LocalAddresses, PickTable) {
  struct Case {
    const char* name;
    std::vector<LocalAddress> in;
    const char* want;
  };
  const Case cases[] = {
      {"none", {}, "127.0.0.1"},
      {"loopback only",
       {addr("lo", "127.0.0.1", true, true), addr("lo", "::1", true, true)},
       "127.0.0.1"},
      {"first non-loopback v4",
       {addr("lo", "127.0.0.1", true, true), addr("eth0", "10.0.0.5"), addr("eth1", "192.168.1.2")},
       "10.0.0.5"},
      {"skips v6", {addr("eth0", "2001:db8::5"), addr("eth0", "10.1.2.3")}, "10.1.2.3"},
      {"skips down", {addr("eth0", "10.0.0.5", false), addr("eth1", "10.0.0.6")}, "10.0.0.6"},
      {"skips link-local", {addr("eth0", "169.254.3.4"), addr("eth1", "172.16.0.1")}, "172.16.0.1"},
      {"only v6 global", {addr("eth0", "2001:db8::5")}, "127.0.0.1"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(pickAnnouncedAddress(c.in).to_string(), c.want) << c.name;
  }
}

TEST(LocalAddresses, EnumeratesLoopback) {
  auto all = localAddresses();
  bool saw_loopback = false;
  for (const auto& a : all) {
    if (a.loopback && a.address.is_v4()) saw_loopback = true;
  }
  EXPECT_TRUE(saw_loopback);
  EXPECT_TRUE(defaultAnnouncedAddress().is_v4());
}

}  // namespace
}  // namespace sfu::net
