#include "sfu/ice/ice_lite.h"

#include <openssl/rand.h>

#include "rtp/common/byte_io.h"

namespace sfu::ice {
namespace {

constexpr std::string_view kIceChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string randomIceString(size_t n) {
  std::string out(n, 'A');
  std::array<uint8_t, 64> rnd{};
  if (RAND_bytes(rnd.data(), static_cast<int>(rnd.size())) != 1) {
    // Only with an unseeded CSPRNG; credentials must not be predictable, so refuse loudly.
    std::abort();
  }
  for (size_t i = 0; i < n; ++i) out[i] = kIceChars[rnd[i % rnd.size()] & 63];
  return out;
}

constexpr uint16_t kBindingSuccess = stunType(kStunMethodBinding, StunClass::kSuccess);
constexpr uint16_t kBindingError = stunType(kStunMethodBinding, StunClass::kError);

}  // namespace

IceCredentials IceCredentials::generate() { return {randomIceString(8), randomIceString(24)}; }

std::string_view toString(IceDropReason r) {
  switch (r) {
    case IceDropReason::kNone:
      return "none";
    case IceDropReason::kMalformed:
      return "malformed";
    case IceDropReason::kNotRequest:
      return "not_request";
    case IceDropReason::kUnsupportedMethod:
      return "unsupported_method";
    case IceDropReason::kBadFingerprint:
      return "bad_fingerprint";
    case IceDropReason::kExpired:
      return "expired";
  }
  return "unknown";
}

IceLiteAgent::IceLiteAgent(IceCredentials local, TimePoint now, Config config)
    : local_(std::move(local)), config_(config), last_consent_(now) {}

void IceLiteAgent::setRemoteCredentials(std::string ufrag, std::string pwd) {
  remote_.ufrag = std::move(ufrag);
  remote_.pwd = std::move(pwd);
}

IceResult IceLiteAgent::handleStun(std::span<const uint8_t> bytes, const net::Endpoint& from,
                                   TimePoint now) {
  auto parsed = StunMessage::parse(bytes);
  if (!parsed.ok()) {
    IceResult r;
    r.drop = IceDropReason::kMalformed;
    return r;
  }
  return handleMessage(*parsed.message, from, now);
}

IceResult IceLiteAgent::respondError(const StunMessage& req, uint16_t code, std::string_view reason,
                                     bool with_integrity, std::span<const uint16_t> unknown) {
  StunWriter w(out_.data, kBindingError, req.transactionId());
  w.addErrorCode(code, reason);
  if (!unknown.empty()) w.addUnknownAttributes(unknown);
  // RFC 8489 §9.1.3: 400/401 caused by missing or bad credentials carry no MESSAGE-INTEGRITY.
  if (with_integrity) w.addMessageIntegrity(local_.pwd);
  w.addFingerprint();  // RFC 8445 §7.3: all ICE responses carry FINGERPRINT
  out_.size = w.size();
  IceResult r;
  r.outcome = IceResult::Outcome::kErrorResponse;
  r.error_code = code;
  r.response = out_.bytes();
  return r;
}

IceResult IceLiteAgent::handleMessage(const StunMessage& msg, const net::Endpoint& from,
                                      TimePoint now) {
  IceResult r;
  if (state_ == State::kExpired) {
    r.drop = IceDropReason::kExpired;
    return r;
  }
  if (msg.messageClass() != StunClass::kRequest) {
    r.drop = IceDropReason::kNotRequest;
    return r;
  }
  if (msg.method() != kStunMethodBinding) {
    r.drop = IceDropReason::kUnsupportedMethod;
    return r;
  }
  // RFC 8489 §7.3: a wrong FINGERPRINT means "not STUN": discard silently.
  if (msg.hasFingerprint() && !msg.checkFingerprint()) {
    r.drop = IceDropReason::kBadFingerprint;
    return r;
  }
  // RFC 8489 §9.1.3 (short-term credentials): missing USERNAME or MESSAGE-INTEGRITY → 400.
  if (!msg.username() || !msg.hasIntegrity()) {
    return respondError(msg, 400, "Bad Request", false);
  }
  // RFC 8445 §7.3: USERNAME is "<our ufrag>:<their ufrag>"; otherwise 401.
  const std::string_view username = *msg.username();
  const auto colon = username.find(':');
  if (colon == std::string_view::npos || username.substr(0, colon) != local_.ufrag ||
      (!remote_.ufrag.empty() && username.substr(colon + 1) != remote_.ufrag)) {
    return respondError(msg, 401, "Unauthorized", false);
  }
  if (!msg.checkIntegrity(local_.pwd)) return respondError(msg, 401, "Unauthorized", false);
  // RFC 8489 §6.3.1: unknown comprehension-required attributes → 420 with UNKNOWN-ATTRIBUTES.
  if (!msg.unknownRequired().empty()) {
    return respondError(msg, 420, "Unknown Attribute", true, msg.unknownRequired());
  }
  // RFC 8445 §6.1.1 / §7.3.1.1: a lite agent is always controlled; a peer claiming the controlled
  // role too is told to switch with 487 (Role Conflict).
  if (msg.iceControlled() && !msg.iceControlling()) {
    return respondError(msg, 487, "Role Conflict", true);
  }

  // Valid check. RFC 8445 §7.3.1.5 (lite): a check with USE-CANDIDATE nominates its pair; a later
  // nomination of another pair replaces it. Before any nomination the first valid pair is used so
  // media can flow as soon as the peer's first check arrives.
  const bool nominate = msg.useCandidate();
  r.nominated = nominate;
  if (!selected_ || (nominate && (*selected_ != from || state_ != State::kCompleted))) {
    r.selected_changed = !selected_ || *selected_ != from;
    selected_ = from;
    state_ = nominate ? State::kCompleted : State::kConnected;
  }
  // RFC 7675: checks on the selected pair are what keeps the session alive.
  if (*selected_ == from) {
    last_consent_ = now;
    r.consent_refreshed = true;
  }

  StunWriter w(out_.data, kBindingSuccess, msg.transactionId());
  w.addXorMappedAddress(from);
  w.addMessageIntegrity(local_.pwd);
  w.addFingerprint();
  out_.size = w.size();
  r.outcome = IceResult::Outcome::kSuccess;
  r.response = out_.bytes();
  return r;
}

bool IceLiteAgent::checkConsent(TimePoint now) {
  if (state_ == State::kExpired) return true;
  if (now - last_consent_ >= config_.consent_timeout) {
    state_ = State::kExpired;
    return true;
  }
  return false;
}

std::span<const uint8_t> answerPlainBinding(const StunMessage& req, const net::Endpoint& from,
                                            StunPacket& out) {
  out.size = 0;
  if (!req.isBindingRequest() || !from.valid()) return {};
  StunWriter w(out.data, kBindingSuccess, req.transactionId());
  w.addXorMappedAddress(from);
  if (req.hasFingerprint()) w.addFingerprint();
  out.size = w.size();
  return out.bytes();
}

std::optional<std::string_view> localUfragOf(std::span<const uint8_t> packet) {
  if (!StunMessage::looksLikeStun(packet)) return std::nullopt;
  const uint8_t* p = packet.data();
  if (rtp::load16(p) != stunType(kStunMethodBinding, StunClass::kRequest)) return std::nullopt;
  size_t off = kStunHeaderSize;
  while (packet.size() - off >= 4) {
    const uint16_t type = rtp::load16(p + off);
    const size_t len = rtp::load16(p + off + 2);
    const size_t padded = (len + 3) & ~size_t{3};
    if (packet.size() - off - 4 < padded) return std::nullopt;
    if (type == stun_attr::kUsername) {
      std::string_view user(reinterpret_cast<const char*>(p + off + 4), len);
      const auto colon = user.find(':');
      if (colon == std::string_view::npos || colon == 0) return std::nullopt;
      return user.substr(0, colon);
    }
    if (type == stun_attr::kMessageIntegrity) return std::nullopt;  // USERNAME must precede it
    off += 4 + padded;
  }
  return std::nullopt;
}

}  // namespace sfu::ice
