// Walks the packets of an RTCP compound (RFC 3550 §6.1) with validation, yielding one PacketView
// per packet or the reason the compound is malformed. No allocation; views point into the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

// RFC 3550 §6.4.1 allows the P bit only on the last packet of a compound. libwebrtc sets P on
// transport-cc feedback and may batch several of them in one datagram, so a receiver facing
// browsers can relax the rule.
enum class PaddingPolicy : uint8_t { kLastOnly, kAnyPacket };

// Usage:
//   CompoundParser parser(bytes);
//   while (!parser.done()) {
//     auto packet = parser.next();
//     if (!packet) { count(packet.error()); break; }
//     switch (classify(*packet)) { ... }
//   }
// After an error done() is true. Packets yielded before the error were valid on their own.
//
// The RFC 3550 §6.1 rule that a compound starts with SR or RR is not enforced: RFC 5506
// reduced-size RTCP (negotiated with a=rtcp-rsize, as browsers do) sends feedback alone.
class CompoundParser {
 public:
  explicit CompoundParser(std::span<const uint8_t> bytes,
                          PaddingPolicy padding = PaddingPolicy::kLastOnly)
      : rest_(bytes), padding_(padding) {}

  bool done() const { return failed_ || rest_.empty(); }
  ParseResult<PacketView> next();

 private:
  std::span<const uint8_t> rest_;
  PaddingPolicy padding_;
  bool failed_ = false;
};

// Validates a whole compound; returns the number of packets or the first error. An empty buffer
// is kTruncated.
ParseResult<size_t> validateCompound(std::span<const uint8_t> bytes,
                                     PaddingPolicy padding = PaddingPolicy::kLastOnly);

}  // namespace rtp::rtcp
