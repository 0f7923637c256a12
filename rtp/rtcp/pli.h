// Picture loss indication, PSFB FMT 1 (RFC 4585 §6.3.1): the feedback header and no FCI.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P| FMT=1   |    PT=206     |          length=2             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  SSRC of packet sender                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  SSRC of media source                         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
class PliView {
 public:
  // Any FCI bytes are ignored ("no parameters" in §6.3.1, tolerated for robustness).
  static ParseResult<PliView> parse(const PacketView& packet);

  uint32_t senderSsrc() const { return sender_; }
  uint32_t mediaSsrc() const { return media_; }

 private:
  uint32_t sender_ = 0;
  uint32_t media_ = 0;
};

struct Pli {
  static constexpr size_t kSize = 12;
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;

  size_t size() const { return kSize; }
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
