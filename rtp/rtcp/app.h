// Application-defined packet, RTCP PT 204 (RFC 3550 §6.7). Parsed for pass-through only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P| subtype |   PT=APP=204  |             length            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           SSRC/CSRC                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                          name (ASCII)                         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                   application-dependent data                ...
class AppView {
 public:
  static ParseResult<AppView> parse(const PacketView& packet);

  uint8_t subtype() const { return subtype_; }
  uint32_t ssrc() const;
  std::array<uint8_t, 4> name() const;
  std::span<const uint8_t> data() const { return body_.subspan(8); }

 private:
  std::span<const uint8_t> body_;
  uint8_t subtype_ = 0;
};

struct App {
  uint8_t subtype = 0;  // 5 bits
  uint32_t ssrc = 0;
  std::array<uint8_t, 4> name{};
  std::span<const uint8_t> data;  // multiple of 4 bytes

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
