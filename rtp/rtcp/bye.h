// Goodbye, RTCP PT 203 (RFC 3550 §6.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|    SC   |   PT=BYE=203  |             length            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           SSRC/CSRC  (SC times)               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     length    |               reason for leaving (opt)      ...
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
class ByeView {
 public:
  static ParseResult<ByeView> parse(const PacketView& packet);

  size_t ssrcCount() const { return count_; }
  uint32_t ssrc(size_t i) const;  // i < ssrcCount()
  std::optional<std::string_view> reason() const { return reason_; }

 private:
  std::span<const uint8_t> body_;
  size_t count_ = 0;
  std::optional<std::string_view> reason_;
};

struct Bye {
  std::span<const uint32_t> ssrcs;  // at most 31
  std::string_view reason;          // at most 255 octets; empty: no reason field

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
