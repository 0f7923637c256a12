// Sender report, RTCP PT 200 (RFC 3550 §6.4.1).
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
//  |V=2|P|    RC   |   PT=SR=200   |             length            |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                         SSRC of sender                        |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |              NTP timestamp, most significant word             |
//  |             NTP timestamp, least significant word             |
//  |                         RTP timestamp                         |
//  |                     sender's packet count                     |
//  |                      sender's octet count                     |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                 report blocks (RC x 24 bytes)                 |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                  profile-specific extensions                  |
class SenderReportView {
 public:
  static constexpr size_t kFixedBody = 24;

  static ParseResult<SenderReportView> parse(const PacketView& packet);

  uint32_t ssrc() const;
  uint64_t ntpTime() const;
  uint32_t rtpTimestamp() const;
  uint32_t packetCount() const;
  uint32_t octetCount() const;
  size_t reportCount() const { return count_; }
  ReportBlock reportBlock(size_t i) const;  // i < reportCount()
  std::span<const uint8_t> extension() const;

 private:
  std::span<const uint8_t> body_;
  size_t count_ = 0;
};

struct SenderReport {
  uint32_t ssrc = 0;
  uint64_t ntp_time = 0;
  uint32_t rtp_timestamp = 0;
  uint32_t packet_count = 0;
  uint32_t octet_count = 0;
  std::span<const ReportBlock> report_blocks;  // at most 31
  std::span<const uint8_t> extension;          // multiple of 4 bytes

  size_t size() const;
  void write(uint8_t* out) const;
};

}  // namespace rtp::rtcp
