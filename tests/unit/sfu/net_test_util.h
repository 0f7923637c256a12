// Blocking loopback clients for socket tests (with receive timeouts, so a bug fails, not hangs).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "sfu/net/endpoint.h"

namespace sfu::net::test {

inline void setTimeout(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

class UdpClient {
 public:
  explicit UdpClient(bool v6 = false) {
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
    Endpoint local = v6 ? *Endpoint::parse("[::1]:0") : Endpoint::v4(0x7F000001, 0);
    sockaddr_storage ss;
    socklen_t len = local.toSockaddr(ss);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len);
    setTimeout(fd_, 3000);
  }
  ~UdpClient() { ::close(fd_); }
  Endpoint local() const {
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    return *Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
  }
  bool sendTo(const Endpoint& to, const std::string& payload) {
    sockaddr_storage ss;
    socklen_t len = to.toSockaddr(ss);
    return ::sendto(fd_, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&ss),
                    len) == static_cast<ssize_t>(payload.size());
  }
  // A datagram and the address it came from.
  std::optional<std::pair<std::string, Endpoint>> receiveFrom() {
    char buf[4096];
    sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    ssize_t n = ::recvfrom(fd_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&ss), &len);
    auto from = Endpoint::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    if (n < 0 || !from) return std::nullopt;
    return std::make_pair(std::string(buf, static_cast<size_t>(n)), *from);
  }
  std::optional<std::string> receive() {
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

 private:
  int fd_;
};

class TcpClient {
 public:
  explicit TcpClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_storage ss;
    socklen_t len = Endpoint::v4(0x7F000001, port).toSockaddr(ss);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0;
    setTimeout(fd_, 3000);
  }
  ~TcpClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool write(const uint8_t* data, size_t len) {
    return ::send(fd_, data, len, MSG_NOSIGNAL) == static_cast<ssize_t>(len);
  }
  bool write(const std::vector<uint8_t>& bytes) { return write(bytes.data(), bytes.size()); }
  static std::vector<uint8_t> frame(const std::string& payload) {
    std::vector<uint8_t> out(2 + payload.size());
    out[0] = static_cast<uint8_t>(payload.size() >> 8);
    out[1] = static_cast<uint8_t>(payload.size());
    std::memcpy(out.data() + 2, payload.data(), payload.size());
    return out;
  }
  // Reads one RFC 4571 frame; nullopt on EOF / timeout.
  std::optional<std::string> readFrame() {
    uint8_t h[2];
    if (!readExact(h, 2)) return std::nullopt;
    std::string payload((size_t{h[0]} << 8) | h[1], '\0');
    if (!readExact(reinterpret_cast<uint8_t*>(payload.data()), payload.size())) return std::nullopt;
    return payload;
  }
  // True when the server closed the connection (EOF or reset) within the timeout.
  bool closedByPeer() {
    uint8_t b;
    ssize_t n = ::recv(fd_, &b, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool readExact(uint8_t* p, size_t n) {
    while (n > 0) {
      ssize_t r = ::recv(fd_, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  int fd_;
  bool connected_ = false;
};

}  // namespace sfu::net::test
