// Creates WebRtcTransports on one worker (DESIGN.md "Threads": one per worker, used on its thread):
// fresh ICE credentials (RFC 8839 §5.4), the process's shared DTLS certificate fingerprint, and
// host candidates for each announced address (UDP, and ICE-TCP passive on the same port number),
// each transport registered with the worker's SessionRouter.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sfu/dtls/dtls_context.h"
#include "sfu/transport/media_transport.h"
#include "sfu/transport/session_router.h"
#include "sfu/transport/webrtc_transport.h"

namespace sfu::transport {

class WorkerTransportFactory final : public TransportFactory {
 public:
  struct Config {
    std::vector<std::string> announced_ips;  // each gets host candidates
    uint16_t udp_port = 0;                   // the worker's UDP port (0: no UDP candidate)
    uint16_t tcp_port = 0;                   // the worker's ICE-TCP port (0: no TCP candidate)
    WebRtcTransport::Options transport;
  };

  WorkerTransportFactory(SessionRouter& router, std::shared_ptr<dtls::DtlsContext> dtls,
                         Config config);

  // TransportFactory (worker thread only).
  std::unique_ptr<MediaTransport> createTransport(MediaTransport::Listener& listener) override;
  std::unique_ptr<WebRtcTransport> create(MediaTransport::Listener& listener);

  // Fresh credentials (unique on this worker's router), fingerprint, host addresses.
  sdp::LocalTransport makeLocal() const;

  SessionRouter& router() { return router_; }
  const Config& config() const { return config_; }

 private:
  SessionRouter& router_;
  std::shared_ptr<dtls::DtlsContext> dtls_;
  Config config_;
};

}  // namespace sfu::transport
