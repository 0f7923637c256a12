// Extended reports, RTCP PT 207 (RFC 3611): the receiver reference time (RRTR, §4.4) and DLRR
// (§4.5) blocks, which let a receive-only endpoint measure RTT. Other blocks are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|reserved |   PT=XR=207   |             length            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                              SSRC                             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |      BT       | type-specific |  block length (words - 1)     |  report blocks
//  :             type-specific block contents                      :
//
//  RRTR, BT=4, block length=2:           DLRR, BT=5, block length=3*n:
//  |     NTP timestamp, most sig. word |  |  SSRC_i | last RR (LRR) | delay since LRR |  n times
//  |     NTP timestamp, least sig. word|
inline constexpr uint8_t kXrBlockRrtr = 4;
inline constexpr uint8_t kXrBlockDlrr = 5;

struct DlrrItem {
  uint32_t ssrc = 0;
  uint32_t last_rr = 0;              // compact NTP of the RRTR being answered
  uint32_t delay_since_last_rr = 0;  // 1/65536 s
  bool operator==(const DlrrItem&) const = default;
};

class XrView {
 public:
  // Validates every block's length; a malformed RRTR/DLRR block is kBadItem.
  static ParseResult<XrView> parse(const PacketView& packet);

  uint32_t senderSsrc() const { return load32(&body_[0]); }
  // NTP time of the first RRTR block, if any.
  std::optional<uint64_t> rrtrNtp() const;
  // Items of the first DLRR block.
  size_t dlrrCount() const { return dlrr_count_; }
  DlrrItem dlrr(size_t i) const;  // i < dlrrCount()
  size_t blockCount() const { return blocks_; }

 private:
  std::span<const uint8_t> body_;
  size_t rrtr_offset_ = 0;  // 0: none
  size_t dlrr_offset_ = 0;
  size_t dlrr_count_ = 0;
  size_t blocks_ = 0;
};

struct Xr {
  uint32_t sender_ssrc = 0;
  std::optional<uint64_t> rrtr_ntp;  // RRTR block written first when set
  std::span<const DlrrItem> dlrr;    // DLRR block written when non-empty

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
