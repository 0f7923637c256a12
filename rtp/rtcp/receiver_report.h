// Receiver report, RTCP PT 201 (RFC 3550 §6.4.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"
#include "rtp/rtcp/report_block.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|    RC   |   PT=RR=201   |             length            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                     SSRC of packet sender                     |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                 report blocks (RC x 24 bytes)                 |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                  profile-specific extensions                  |
class ReceiverReportView {
 public:
  static constexpr size_t kFixedBody = 4;

  static ParseResult<ReceiverReportView> parse(const PacketView& packet);

  uint32_t ssrc() const;
  size_t reportCount() const { return count_; }
  ReportBlock reportBlock(size_t i) const;  // i < reportCount()
  std::span<const uint8_t> extension() const;

 private:
  std::span<const uint8_t> body_;
  size_t count_ = 0;
};

struct ReceiverReport {
  uint32_t ssrc = 0;
  std::span<const ReportBlock> report_blocks;  // at most 31 (an empty RR is valid)
  std::span<const uint8_t> extension;          // multiple of 4 bytes

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
