// Fuzz target: RFC 7983 demux + RTP/RTCP split on every datagram, and every datagram classified as
// DTLS fed to a fresh DTLS server transport (the state a browser's first packets meet).
//
// Input format: a sequence of datagrams, each a 2-byte big-endian length then that many bytes; a
// truncated last record is used as it is. The seed corpus has real ClientHellos, STUN, RTP, RTCP.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "sfu/dtls/dtls_transport.h"
#include "sfu/net/demux.h"

namespace {

struct NullListener : sfu::dtls::DtlsTransport::Listener {
  size_t sent = 0;
  void onDtlsSend(std::span<const uint8_t> d) override { sent += d.size(); }
  void onDtlsConnected(const sfu::srtp::SrtpKeyMaterial&) override {}
  void onDtlsFailed(sfu::dtls::DtlsFailure, std::string_view) override {}
  void onDtlsClosed() override {}
  void onDtlsData(std::span<const uint8_t>) override {}
};

std::shared_ptr<sfu::dtls::DtlsContext> context() {
  static std::shared_ptr<sfu::dtls::DtlsContext> ctx = [] {
    spdlog::set_level(spdlog::level::off);
    return sfu::dtls::DtlsContext::create(sfu::dtls::Certificate::generate());
  }();
  return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  NullListener listener;
  sfu::dtls::DtlsTransport::Options options;
  options.role = sfu::dtls::DtlsRole::kServer;
  sfu::dtls::DtlsTransport server(context(), listener, options);
  sfu::net::DropCounters drops;
  auto now = sfu::dtls::DtlsTransport::TimePoint(std::chrono::seconds(1));
  size_t at = 0;
  int datagrams = 0;
  while (at < size && datagrams < 64) {
    size_t len = size - at;
    size_t start = at;
    if (size - at >= 2) {
      size_t want = (size_t{data[at]} << 8) | data[at + 1];
      start = at + 2;
      len = std::min(want, size - start);
    }
    std::span<const uint8_t> datagram(data + start, len);
    at = start + len;
    ++datagrams;
    auto result = sfu::net::demux(datagram);
    (void)sfu::net::demux(datagram, drops);
    if (result.kind == sfu::net::PacketKind::kDtls) {
      server.handleDatagram(datagram, now);
      if (server.nextTimeout()) server.handleTimeout(*server.nextTimeout());
    }
    now += std::chrono::milliseconds(10);
  }
  return 0;
}
