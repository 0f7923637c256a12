// Reception report block shared by SR and RR (RFC 3550 §6.4.1).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 SSRC_n (SSRC of source n)                     |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  | fraction lost |   cumulative number of packets lost (signed)  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |           extended highest sequence number received           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                      interarrival jitter                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         last SR (LSR)                         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                   delay since last SR (DLSR)                  |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct ReportBlock {
  static constexpr size_t kSize = 24;
  static constexpr int32_t kMaxCumulativeLost = (1 << 23) - 1;
  static constexpr int32_t kMinCumulativeLost = -(1 << 23);

  uint32_t ssrc = 0;
  uint8_t fraction_lost = 0;    // fixed point, lost / expected * 256
  int32_t cumulative_lost = 0;  // 24-bit signed on the wire; clamped when written
  uint32_t extended_highest_seq = 0;
  uint32_t jitter = 0;               // RTP timestamp units
  uint32_t last_sr = 0;              // compact NTP (middle 32 bits) of the last SR received
  uint32_t delay_since_last_sr = 0;  // 1/65536 s

  static ReportBlock read(const uint8_t* in);
  void write(uint8_t* out) const;

  bool operator==(const ReportBlock&) const = default;
};

}  // namespace rtp::rtcp
