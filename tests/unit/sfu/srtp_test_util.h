// Small RTP/RTCP packet builders for the SRTP tests.
#pragma once

#include <cstdint>
#include <vector>

#include "rtp/common/byte_io.h"

namespace sfu::test {

// RTP (RFC 3550 §5.1): V=2, PT, seq, timestamp, SSRC, then `payloadSize` patterned bytes.
// The returned vector has `tailroom` extra bytes after the packet (its size() is the capacity).
inline std::vector<uint8_t> makeRtp(uint16_t seq, uint32_t ssrc, size_t payloadSize,
                                    size_t tailroom, uint8_t pt = 96) {
  std::vector<uint8_t> p(12 + payloadSize + tailroom, 0);
  p[0] = 0x80;
  p[1] = pt;
  rtp::store16(&p[2], seq);
  rtp::store32(&p[4], 90000u * seq);
  rtp::store32(&p[8], ssrc);
  for (size_t i = 0; i < payloadSize; ++i) p[12 + i] = static_cast<uint8_t>(i * 7 + seq);
  return p;
}

// RTCP receiver report with one report block (RFC 3550 §6.4.2), 32 bytes + tailroom.
inline std::vector<uint8_t> makeRtcpRr(uint32_t ssrc, size_t tailroom) {
  std::vector<uint8_t> p(32 + tailroom, 0);
  p[0] = 0x81;             // V=2, RC=1
  p[1] = 201;              // RR
  rtp::store16(&p[2], 7);  // length in words - 1
  rtp::store32(&p[4], ssrc);
  rtp::store32(&p[8], 0x11223344);  // reportee
  for (size_t i = 12; i < 32; ++i) p[i] = static_cast<uint8_t>(i);
  return p;
}

}  // namespace sfu::test
