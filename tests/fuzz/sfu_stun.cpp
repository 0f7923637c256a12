// Fuzz target: STUN parsing, integrity/fingerprint checks, the ICE-lite agent, the router helper
// and the client-side response validation. Built responses must parse back.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "sfu/ice/ice_lite.h"
#include "sfu/ice/stun_client.h"
#include "sfu/ice/stun_message.h"

using namespace sfu::ice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  static const sfu::net::Endpoint kFrom = *sfu::net::Endpoint::parse("192.0.2.1:32853");
  static const sfu::net::Endpoint kFrom6 = *sfu::net::Endpoint::parse("[2001:db8::1]:9");

  auto parsed = StunMessage::parse(in);
  (void)StunMessage::looksLikeStun(in);
  (void)localUfragOf(in);
  if (parsed.ok()) {
    const StunMessage& m = *parsed.message;
    (void)m.method();
    (void)m.messageClass();
    (void)m.checkIntegrity("VOkJxbRl1RmTxUk/WvJxBt");
    (void)m.checkFingerprint();
    if (m.errorCode()) (void)m.errorCode()->reason.size();
    StunPacket out;
    auto resp = answerPlainBinding(m, kFrom6, out);
    if (!resp.empty() && !StunMessage::parse(resp).ok()) std::abort();
    (void)validateBindingResponse(in, m.transactionId(), "pw");
  }

  IceLiteAgent agent({"evtj", "VOkJxbRl1RmTxUk/WvJxBt"}, TimePoint{});
  agent.setRemoteCredentials("h6vY", "remotepassword0123456789");
  auto r = agent.handleStun(in, kFrom, TimePoint{});
  if (!r.response.empty()) {
    auto back = StunMessage::parse(r.response);
    if (!back.ok() || !back.message->checkFingerprint()) std::abort();
  }
  (void)agent.checkConsent(TimePoint{} + std::chrono::seconds(31));
  return 0;
}
