// The controlling (client) side of an ICE connectivity check, for our load generator and tests:
// build a Binding request as a browser sends it to an ICE-lite server, and validate the answer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "sfu/ice/stun_message.h"
#include "sfu/net/endpoint.h"

namespace sfu::ice {

struct BindingRequestParams {
  std::string_view local_ufrag;   // the client's own ufrag
  std::string_view remote_ufrag;  // the server's ufrag (from its SDP)
  std::string_view remote_pwd;    // the server's pwd: the MESSAGE-INTEGRITY key
  uint32_t priority = 0;          // RFC 8445 §5.1.2: the would-be peer-reflexive priority
  uint64_t tiebreaker = 0;
  bool use_candidate = false;
  TransactionId transaction_id{};
};

// USERNAME "remote_ufrag:local_ufrag", PRIORITY, ICE-CONTROLLING, [USE-CANDIDATE],
// MESSAGE-INTEGRITY, FINGERPRINT (RFC 8445 §7.1.1). Empty span on overflow.
std::span<const uint8_t> buildBindingRequest(const BindingRequestParams& params, StunPacket& out);

struct BindingResponseCheck {
  enum class Status : uint8_t {
    kSuccess,
    kErrorResponse,        // a valid error response; see error_code
    kMalformed,            // not STUN / not a Binding response
    kWrongTransaction,     // not an answer to our request
    kBadIntegrity,         // missing or wrong MESSAGE-INTEGRITY (success responses)
    kBadFingerprint,       // missing or wrong FINGERPRINT
    kMissingMappedAddress  // success without XOR-MAPPED-ADDRESS
  };
  Status status = Status::kMalformed;
  std::optional<net::Endpoint> mapped;
  uint16_t error_code = 0;
};

// Validates the answer to a request built with `tid`, keyed with the server's pwd.
BindingResponseCheck validateBindingResponse(std::span<const uint8_t> bytes,
                                             const TransactionId& tid, std::string_view remote_pwd);

}  // namespace sfu::ice
