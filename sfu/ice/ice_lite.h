// ICE-lite agent for one session (RFC 8445 §2.5, §7.3 as a lite, always-controlled agent) with
// consent freshness on the receiving side (RFC 7675): the peer's valid checks keep the session
// alive; 30 s without one expires it. Pure logic: bytes + remote endpoint + time in, response
// bytes + events out. No sockets, no timers, no clock reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sfu/ice/stun_message.h"
#include "sfu/net/endpoint.h"

namespace sfu::ice {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct IceCredentials {
  std::string ufrag;
  std::string pwd;
  // RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/"; ufrag ≥ 4 chars with ≥ 24 random bits,
  // pwd ≥ 22 chars with ≥ 128 random bits. We make 8 and 24 characters (48 / 144 bits).
  static IceCredentials generate();
};

// Why a packet got no response. Use as a metrics label (toString).
enum class IceDropReason : uint8_t {
  kNone = 0,
  kMalformed,          // not a parseable STUN message
  kNotRequest,         // indication or response (lite agents send no requests)
  kUnsupportedMethod,  // a request other than Binding
  kBadFingerprint,     // FINGERPRINT present and wrong (RFC 8489 §7.3)
  kExpired,            // consent already expired: the session is dead
};
std::string_view toString(IceDropReason r);

struct IceResult {
  enum class Outcome : uint8_t { kDropped, kSuccess, kErrorResponse };
  Outcome outcome = Outcome::kDropped;
  IceDropReason drop = IceDropReason::kNone;
  uint16_t error_code = 0;            // for kErrorResponse: 400, 401, 420, 487
  std::span<const uint8_t> response;  // send to the request's source; valid until the next call
  bool selected_changed = false;      // the selected endpoint is now the request's source
  bool nominated = false;             // the request carried USE-CANDIDATE
  bool consent_refreshed = false;
};

class IceLiteAgent {
 public:
  struct Config {
    std::chrono::milliseconds consent_timeout{30000};  // RFC 7675 §5.1
  };
  enum class State : uint8_t {
    kNew,        // no valid check yet
    kConnected,  // a pair is selected (first valid check), not nominated yet
    kCompleted,  // the controlling peer nominated a pair (USE-CANDIDATE)
    kExpired,    // consent expired (sticky)
  };

  IceLiteAgent(IceCredentials local, TimePoint now)
      : IceLiteAgent(std::move(local), now, Config{}) {}
  IceLiteAgent(IceCredentials local, TimePoint now, Config config);

  const IceCredentials& localCredentials() const { return local_; }
  // From the remote SDP. Until set, any remote ufrag in USERNAME is accepted.
  void setRemoteCredentials(std::string ufrag, std::string pwd);
  const IceCredentials& remoteCredentials() const { return remote_; }

  // One datagram (or de-framed ICE-TCP message) believed to be STUN.
  IceResult handleStun(std::span<const uint8_t> bytes, const net::Endpoint& from, TimePoint now);
  IceResult handleMessage(const StunMessage& msg, const net::Endpoint& from, TimePoint now);

  // True once no valid check arrived for consent_timeout (from creation until the first check,
  // then on the selected pair). Sticky: a dead session stays dead.
  bool checkConsent(TimePoint now);
  // When the next checkConsent() could first report expiry (for the owner's timer).
  TimePoint consentDeadline() const { return last_consent_ + config_.consent_timeout; }

  State state() const { return state_; }
  const std::optional<net::Endpoint>& selected() const { return selected_; }
  bool nominated() const { return state_ == State::kCompleted; }

 private:
  IceResult respondError(const StunMessage& req, uint16_t code, std::string_view reason,
                         bool with_integrity, std::span<const uint16_t> unknown = {});

  IceCredentials local_;
  IceCredentials remote_;
  Config config_;
  State state_ = State::kNew;
  std::optional<net::Endpoint> selected_;
  TimePoint last_consent_;
  StunPacket out_;
};

// A Binding request without USERNAME (a plain STUN server query, RFC 8489 §7.3.1): answers with
// XOR-MAPPED-ADDRESS (+ FINGERPRINT when the request had one), no integrity. Needs no session.
// Returns the response bytes inside `out`, or an empty span when `req` is not a Binding request.
std::span<const uint8_t> answerPlainBinding(const StunMessage& req, const net::Endpoint& from,
                                            StunPacket& out);

// Router helper: the local (our) ufrag from a Binding request's USERNAME "ourufrag:theirufrag",
// as a view into `packet` (no allocation, no full parse). nullopt when not a Binding request or
// no USERNAME.
std::optional<std::string_view> localUfragOf(std::span<const uint8_t> packet);

}  // namespace sfu::ice
