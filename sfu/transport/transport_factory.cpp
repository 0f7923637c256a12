#include "sfu/transport/transport_factory.h"

#include <openssl/rand.h>

#include "sfu/ice/ice_lite.h"

namespace sfu::transport {

WorkerTransportFactory::WorkerTransportFactory(SessionRouter& router,
                                               std::shared_ptr<dtls::DtlsContext> dtls,
                                               Config config)
    : router_(router), dtls_(std::move(dtls)), config_(std::move(config)) {}

sdp::LocalTransport WorkerTransportFactory::makeLocal() const {
  sdp::LocalTransport local;
  ice::IceCredentials creds = ice::IceCredentials::generate();
  // 48 random bits make a clash unlikely, not impossible: a clash would route checks astray.
  while (router_.findByUfrag(creds.ufrag) != nullptr) creds = ice::IceCredentials::generate();
  local.ice_ufrag = std::move(creds.ufrag);
  local.ice_pwd = std::move(creds.pwd);
  local.fingerprint = {"sha-256", dtls_->certificate().fingerprintHex()};
  for (const auto& ip : config_.announced_ips) {
    local.addresses.push_back(sdp::HostAddress{ip, config_.udp_port, config_.tcp_port});
  }
  // RFC 8866 §5.2: a numeric session id, unique enough; 62 bits keep it positive everywhere.
  uint64_t id = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof(id));
  local.session_id = std::to_string((id >> 2) | 1);
  return local;
}

std::unique_ptr<WebRtcTransport> WorkerTransportFactory::create(
    MediaTransport::Listener& listener) {
  return std::make_unique<WebRtcTransport>(router_, dtls_, makeLocal(), listener,
                                           config_.transport);
}

std::unique_ptr<MediaTransport> WorkerTransportFactory::createTransport(
    MediaTransport::Listener& listener) {
  return create(listener);
}

}  // namespace sfu::transport
