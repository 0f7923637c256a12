// Full intra request, PSFB FMT 4 (RFC 5104 §4.3.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

// Feedback header (media source SSRC SHALL be 0, §4.3.1.2) followed by one or more entries:
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                              SSRC                             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | Seq nr.       |    Reserved                                   |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The sender increments Seq nr. (mod 256) for each new request; a repeat keeps it (§4.3.1.2).
struct FirEntry {
  uint32_t ssrc = 0;
  uint8_t seq_nr = 0;
  bool operator==(const FirEntry&) const = default;
};

class FirView {
 public:
  static ParseResult<FirView> parse(const PacketView& packet);

  uint32_t senderSsrc() const { return load32(&body_[0]); }
  uint32_t mediaSsrc() const { return load32(&body_[4]); }
  size_t entryCount() const { return (body_.size() - 8) / 8; }
  FirEntry entry(size_t i) const;  // i < entryCount()

 private:
  std::span<const uint8_t> body_;
};

struct Fir {
  uint32_t sender_ssrc = 0;
  uint32_t media_ssrc = 0;            // 0 per §4.3.1.2
  std::span<const FirEntry> entries;  // at least one

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
