// Receiver estimated maximum bitrate, PSFB FMT 15 (draft-alvestrand-rmcat-remb-03 §2.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P| FMT=15  |   PT=206      |             length            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  SSRC of packet sender                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  SSRC of media source (0)                     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Unique identifier 'R' 'E' 'M' 'B'                            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Num SSRC     | BR Exp    |  BR Mantissa                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |   SSRC feedback (Num SSRC times)                              |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Bitrate in bits per second = mantissa (18 bits) * 2^exp (6 bits).
class RembView {
 public:
  static ParseResult<RembView> parse(const PacketView& packet);

  uint32_t senderSsrc() const { return load32(&body_[0]); }
  uint32_t mediaSsrc() const { return load32(&body_[4]); }
  uint8_t exponent() const { return body_[13] >> 2; }
  uint32_t mantissa() const { return load24(&body_[13]) & 0x3FFFFu; }
  uint64_t bitrateBps() const;  // saturates at UINT64_MAX
  size_t ssrcCount() const { return body_[12]; }
  uint32_t ssrc(size_t i) const { return load32(&body_[16 + i * 4]); }  // i < ssrcCount()

 private:
  std::span<const uint8_t> body_;
};

struct Remb {
  uint32_t sender_ssrc = 0;
  uint64_t bitrate_bps = 0;         // rounded down to 18 significant bits
  std::span<const uint32_t> ssrcs;  // at most 255

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
