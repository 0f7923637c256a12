#include "sfu/net/endpoint.h"

#include <gtest/gtest.h>

#include <unordered_map>
#include <unordered_set>

namespace sfu::net {
namespace {

TEST(Endpoint, V4RoundTripsThroughAsioAndSockaddr) {
  Endpoint ep = Endpoint::v4(0xC0A80102, 40000);  // 192.168.1.2
  EXPECT_TRUE(ep.isV4());
  EXPECT_EQ(ep.v4Address(), 0xC0A80102u);
  EXPECT_EQ(ep.toString(), "192.168.1.2:40000");

  auto udp = ep.toUdp();
  EXPECT_EQ(udp.address().to_string(), "192.168.1.2");
  EXPECT_EQ(udp.port(), 40000);
  EXPECT_EQ(Endpoint::fromAsio(udp), ep);

  sockaddr_storage ss;
  socklen_t len = ep.toSockaddr(ss);
  EXPECT_EQ(len, sizeof(sockaddr_in));
  auto back = Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, ep);
}

TEST(Endpoint, V6RoundTripsAndFormatsWithBrackets) {
  auto ep = Endpoint::parse("[2001:db8::1]:5004");
  ASSERT_TRUE(ep);
  EXPECT_TRUE(ep->isV6());
  EXPECT_EQ(ep->port(), 5004);
  EXPECT_EQ(ep->toString(), "[2001:db8::1]:5004");
  EXPECT_EQ(fmt::format("{}", *ep), "[2001:db8::1]:5004");

  sockaddr_storage ss;
  socklen_t len = ep->toSockaddr(ss);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  auto back = Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *ep);
  EXPECT_EQ(Endpoint::fromAsio(ep->toUdp()), *ep);
}

TEST(Endpoint, V4MappedNormalisesAndMapsBackForV6Sockets) {
  auto mapped = Endpoint::parse("[::ffff:10.0.0.7]:99");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->isV4Mapped());
  EXPECT_TRUE(mapped->isV6());
  Endpoint plain = mapped->unmapped();
  EXPECT_TRUE(plain.isV4());
  EXPECT_EQ(plain, Endpoint::v4(0x0A000007, 99));
  EXPECT_EQ(plain.unmapped(), plain);

  sockaddr_storage ss;
  socklen_t len = plain.toSockaddr(ss, /*as_v6=*/true);
  ASSERT_EQ(len, sizeof(sockaddr_in6));
  auto back = Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), len);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *mapped);
}

TEST(Endpoint, EqualityComparesEveryField) {
  // operator== compares the object's bytes: each field alone must make two endpoints differ.
  const Endpoint a = Endpoint::v4(0x0A000001, 5000);
  EXPECT_EQ(a, Endpoint::v4(0x0A000001, 5000));
  EXPECT_NE(a, Endpoint::v4(0x0A000002, 5000));  // last address byte
  EXPECT_NE(a, Endpoint::v4(0x8A000001, 5000));  // first address byte
  EXPECT_NE(a, Endpoint::v4(0x0A000001, 5001));  // port
  Endpoint::Bytes v6{};
  v6[15] = 1;
  EXPECT_NE(Endpoint::v6(v6, 5000), Endpoint::v4(0x00000001, 5000));  // family
  EXPECT_NE(a.withConnection(Transport::kTcp, 7), a.withConnection(Transport::kTcp, 8));
}

TEST(Endpoint, TcpConnectionIsPartOfIdentity) {
  Endpoint udp = Endpoint::v4(0x7F000001, 1234);
  Endpoint tcp1 = udp.withConnection(Transport::kTcp, 1);
  Endpoint tcp2 = udp.withConnection(Transport::kTcp, 2);
  EXPECT_NE(udp, tcp1);
  EXPECT_NE(tcp1, tcp2);
  EXPECT_TRUE(tcp1.isTcp());
  EXPECT_EQ(tcp1.connectionId(), 1u);
  EXPECT_EQ(tcp1.toString(), "tcp:127.0.0.1:1234#1");
  EXPECT_EQ(tcp1.withConnection(Transport::kUdp, 9), udp);  // UDP never carries an id
  EXPECT_TRUE(udp.isLoopback());
  auto tcp_ep = tcp2.toTcp();
  EXPECT_EQ(Endpoint::fromAsio(tcp_ep, 2), tcp2);
}

TEST(Endpoint, ParseTable) {
  struct Case {
    const char* text;
    bool ok;
    const char* formatted;
  };
  const Case cases[] = {
      {"1.2.3.4:5", true, "1.2.3.4:5"},
      {"0.0.0.0:0", true, "0.0.0.0:0"},
      {"255.255.255.255:65535", true, "255.255.255.255:65535"},
      {"[::1]:80", true, "[::1]:80"},
      {"1.2.3.4", false, nullptr},
      {"1.2.3.4:", false, nullptr},
      {"1.2.3.4:65536", false, nullptr},
      {"1.2.3.4:12a", false, nullptr},
      {"::1:80", false, nullptr},
      {"[::1]", false, nullptr},
      {"[1.2.3.4]:80", false, nullptr},
      {"host.example:80", false, nullptr},
      {"", false, nullptr},
  };
  for (const auto& c : cases) {
    auto ep = Endpoint::parse(c.text);
    EXPECT_EQ(ep.has_value(), c.ok) << c.text;
    if (ep && c.formatted) {
      EXPECT_EQ(ep->toString(), c.formatted) << c.text;
    }
  }
}

TEST(Endpoint, FromSockaddrRejectsShortAndUnknown) {
  sockaddr_storage ss;
  Endpoint::v4(0x01020304, 5).toSockaddr(ss);
  EXPECT_FALSE(Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), 4));
  EXPECT_FALSE(Endpoint::fromSockaddr(nullptr, sizeof(ss)));
  ss.ss_family = AF_UNIX;
  EXPECT_FALSE(Endpoint::fromSockaddr(reinterpret_cast<const sockaddr*>(&ss), sizeof(ss)));
  Endpoint none;
  EXPECT_FALSE(none.valid());
  EXPECT_EQ(none.toSockaddr(ss), 0u);
}

TEST(Endpoint, FormatTruncatesSafely) {
  Endpoint ep = Endpoint::v4(0xC0A80102, 40000);
  char buf[8];
  size_t n = ep.format(buf, sizeof(buf));
  EXPECT_EQ(n, 7u);
  EXPECT_EQ(std::string(buf), "192.168");
}

TEST(Endpoint, HashSpreadsAndWorksAsMapKey) {
  std::unordered_set<size_t> hashes;
  std::unordered_map<Endpoint, int> map;
  int i = 0;
  for (uint32_t a = 0; a < 64; ++a) {
    for (uint16_t port = 50000; port < 50016; ++port) {
      Endpoint ep = Endpoint::v4(0x0A000000 | a, port);
      hashes.insert(std::hash<Endpoint>{}(ep));
      map[ep] = i++;
    }
  }
  EXPECT_EQ(hashes.size(), 64u * 16u);  // no collisions among neighbours
  EXPECT_EQ(map.size(), 64u * 16u);
  EXPECT_EQ(map.at(Endpoint::v4(0x0A000005, 50003)), 5 * 16 + 3);
  // Same address, different transport / connection: different keys.
  Endpoint base = Endpoint::v4(0x0A000001, 1);
  EXPECT_NE(EndpointHash{}(base), EndpointHash{}(base.withConnection(Transport::kTcp, 1)));
}

}  // namespace
}  // namespace sfu::net
