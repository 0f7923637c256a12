#include "sfu/ice/stun_client.h"

#include <array>

namespace sfu::ice {

std::span<const uint8_t> buildBindingRequest(const BindingRequestParams& params, StunPacket& out) {
  StunWriter w(out.data, stunType(kStunMethodBinding, StunClass::kRequest), params.transaction_id);
  // USERNAME: the receiver's ufrag first (RFC 8445 §7.2.2).
  std::array<char, 514> user{};
  const size_t n = params.remote_ufrag.size() + 1 + params.local_ufrag.size();
  if (n > user.size()) {
    out.size = 0;
    return {};
  }
  size_t i = 0;
  for (char c : params.remote_ufrag) user[i++] = c;
  user[i++] = ':';
  for (char c : params.local_ufrag) user[i++] = c;
  w.addUsername(std::string_view(user.data(), n));
  w.addPriority(params.priority);
  w.addIceControlling(params.tiebreaker);
  if (params.use_candidate) w.addUseCandidate();
  w.addMessageIntegrity(params.remote_pwd);
  w.addFingerprint();
  out.size = w.size();
  return out.bytes();
}

BindingResponseCheck validateBindingResponse(std::span<const uint8_t> bytes,
                                             const TransactionId& tid,
                                             std::string_view remote_pwd) {
  using Status = BindingResponseCheck::Status;
  BindingResponseCheck c;
  auto parsed = StunMessage::parse(bytes);
  if (!parsed.ok() || parsed.message->method() != kStunMethodBinding) return c;
  const StunMessage& m = *parsed.message;
  const StunClass cls = m.messageClass();
  if (cls != StunClass::kSuccess && cls != StunClass::kError) return c;
  if (m.transactionId() != tid) {
    c.status = Status::kWrongTransaction;
    return c;
  }
  if (!m.checkFingerprint()) {
    c.status = Status::kBadFingerprint;
    return c;
  }
  if (cls == StunClass::kError) {
    // 400/401 responses legitimately lack integrity; when present it must verify.
    if (m.hasIntegrity() && !m.checkIntegrity(remote_pwd)) {
      c.status = Status::kBadIntegrity;
      return c;
    }
    c.status = Status::kErrorResponse;
    c.error_code = m.errorCode() ? m.errorCode()->code : 0;
    return c;
  }
  if (!m.checkIntegrity(remote_pwd)) {
    c.status = Status::kBadIntegrity;
    return c;
  }
  c.mapped = m.xorMappedAddress();
  c.status = c.mapped ? Status::kSuccess : Status::kMissingMappedAddress;
  return c;
}

}  // namespace sfu::ice
