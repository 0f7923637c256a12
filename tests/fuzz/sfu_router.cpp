// Fuzz target: datagrams from two remote addresses through a worker's SessionRouter with two
// sessions (one of which the first address has checked): demux, STUN routing and answering, the
// plain STUN server, the ICE-lite agent, the DTLS server state machine, consent timers.
//
// Input: records of [flags][len hi][len lo][len bytes]. flags bit 0: from the second address;
// bit 1: advance the manual clock by (flags >> 2) * 100 ms and run the timer wheel first.
// Each input starts from a fresh router, so inputs are independent.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sfu/dtls/certificate.h"
#include "sfu/dtls/dtls_context.h"
#include "sfu/ice/stun_client.h"
#include "sfu/transport/session_router.h"
#include "sfu/transport/webrtc_transport.h"

using namespace sfu;

namespace {

struct NullSender : net::PacketSender {
  size_t sent = 0;
  bool send(const net::Endpoint&, const uint8_t*, size_t) override { return ++sent, true; }
  bool send(const net::Endpoint&, net::PacketBuffer&&) override { return ++sent, true; }
  void closeConnection(const net::Endpoint&) override {}
};

struct Listener : transport::MediaTransport::Listener {
  void onTransportRtp(transport::MediaTransport&, net::PacketBuffer&, int64_t) override {}
  void onTransportRtcp(transport::MediaTransport&, std::span<const uint8_t>, int64_t) override {}
  void onTransportConnected(transport::MediaTransport&) override {}
  void onTransportClosed(transport::MediaTransport&, std::string_view) override {}
};

std::shared_ptr<dtls::DtlsContext> context() {
  static auto ctx = dtls::DtlsContext::create(dtls::Certificate::generate());
  return ctx;
}

std::unique_ptr<transport::WebRtcTransport> session(transport::SessionRouter& router,
                                                    Listener& listener, const char* ufrag) {
  sdp::LocalTransport local;
  local.ice_ufrag = ufrag;
  local.ice_pwd = "serverpassword0123456789";
  auto t = std::make_unique<transport::WebRtcTransport>(router, context(), local, listener);
  sdp::RemoteTransport remote;
  remote.ice_ufrag = "cli1";
  remote.ice_pwd = "clientpassword0123456789";
  remote.fingerprints = {{"sha-256", context()->certificate().fingerprintHex()}};
  t->setRemote(remote);
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const net::Endpoint kA = *net::Endpoint::parse("192.0.2.1:5000");
  static const net::Endpoint kB = *net::Endpoint::parse("[2001:db8::1]:6000");
  worker::ManualClock clock(1'000'000'000);
  worker::TimerWheel wheel(clock);
  net::PacketPool pool(64);
  NullSender sender;
  Listener listener;
  transport::WorkerContext c;
  c.sender = &sender;
  c.pool = &pool;
  c.timers = &wheel;
  c.post = [](transport::WorkerContext::Task) {};
  transport::SessionRouter::Options o;
  o.export_metrics = false;
  transport::SessionRouter router(c, o);
  auto s1 = session(router, listener, "fuz1");
  auto s2 = session(router, listener, "fuz2");
  {
    // A valid nominating check from kA, so DTLS/SRTP-class datagrams from it reach s1.
    ice::BindingRequestParams p{"cli1", "fuz1", "serverpassword0123456789", 1,
                                2,      true,   ice::TransactionId{}};
    ice::StunPacket pkt;
    auto req = ice::buildBindingRequest(p, pkt);
    std::vector<net::ReceivedPacket> batch(1);
    batch[0].remote = kA;
    batch[0].buffer = pool.copy(req.data(), req.size());
    router.onPacketsReceived(batch);
  }
  std::span<const uint8_t> in(data, size);
  while (in.size() >= 3) {
    const uint8_t flags = in[0];
    const size_t len = std::min<size_t>((size_t{in[1]} << 8) | in[2], in.size() - 3);
    const auto bytes = in.subspan(3, len);
    in = in.subspan(3 + len);
    if (flags & 2) {
      clock.advanceMs((flags >> 2) * 100);
      wheel.advance();
    }
    std::vector<net::ReceivedPacket> batch(1);
    batch[0].remote = (flags & 1) ? kB : kA;
    batch[0].buffer = pool.copy(bytes.data(), bytes.size());
    if (!batch[0].buffer && !bytes.empty()) continue;  // larger than a pool buffer
    router.onPacketsReceived(batch);
  }
  return 0;
}
