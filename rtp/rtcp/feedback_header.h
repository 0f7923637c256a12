// The common part of RTPFB/PSFB feedback messages (RFC 4585 §6.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/common_header.h"
#include "rtp/rtcp/parse_result.h"

namespace rtp::rtcp {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|   FMT   |       PT      |          length               |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  SSRC of packet sender                        |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                  SSRC of media source                         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  :            Feedback Control Information (FCI)                 :
inline constexpr size_t kFeedbackFixedBody = 8;

// FMT values: RFC 4585 §6.2 / §6.3, RFC 5104 §4.3, the REMB and transport-cc drafts.
inline constexpr uint8_t kFmtNack = 1;
inline constexpr uint8_t kFmtTwcc = 15;
inline constexpr uint8_t kFmtPli = 1;
inline constexpr uint8_t kFmtFir = 4;
inline constexpr uint8_t kFmtAfb = 15;  // application layer feedback (REMB)

// kWrongType unless the packet is (type, fmt); kBadLength when the fixed body is missing.
inline std::optional<ParseError> checkFeedback(const PacketView& packet, uint8_t type,
                                               uint8_t fmt) {
  if (packet.type != type || packet.count != fmt) return ParseError::kWrongType;
  if (packet.body.size() < kFeedbackFixedBody) return ParseError::kBadLength;
  return std::nullopt;
}

inline void writeFeedbackHeader(uint8_t* out, uint8_t fmt, uint8_t type, size_t total_size,
                                uint32_t sender_ssrc, uint32_t media_ssrc) {
  writeHeader(out, fmt, type, total_size);
  store32(out + 4, sender_ssrc);
  store32(out + 8, media_ssrc);
}

}  // namespace rtp::rtcp
