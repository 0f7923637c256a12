// H.264 RTP payload (RFC 6184): single NAL unit packets, STAP-A aggregation and FU-A
// fragmentation (the packetization-mode 0/1 subset WebRTC uses). Reports NAL types and whether
// the packet starts a key frame.
//
// NAL unit header (§1.3):        STAP-A (§5.7.1):                 FU-A (§5.8):
//   0 1 2 3 4 5 6 7              +---------+--------+-------+--   +--------+--------+------
//  +-+-+-+-+-+-+-+-+             | hdr=24  | size16 | NAL 1 | ..  |ind=28  |S|E|R|T | data
//  |F|NRI|  Type   |             +---------+--------+-------+--   +--------+--------+------
//  +-+-+-+-+-+-+-+-+                                               T = type of fragmented NAL
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtp::codecs {

namespace h264 {
inline constexpr uint8_t kSlice = 1;
inline constexpr uint8_t kIdr = 5;
inline constexpr uint8_t kSei = 6;
inline constexpr uint8_t kSps = 7;
inline constexpr uint8_t kPps = 8;
inline constexpr uint8_t kAud = 9;
inline constexpr uint8_t kStapA = 24;
inline constexpr uint8_t kFuA = 28;
}  // namespace h264

enum class H264Packetization : uint8_t { kSingleNal, kStapA, kFuA };

struct H264Info {
  H264Packetization packetization = H264Packetization::kSingleNal;
  uint8_t nalType = 0;         // single NAL / fragmented NAL type; first NAL type in a STAP-A
  uint8_t nalCount = 0;        // NAL units carried (STAP-A: aggregated units; else 1)
  bool fragmentStart = false;  // FU-A S bit (true for whole NAL units)
  bool fragmentEnd = false;    // FU-A E bit (true for whole NAL units)
  bool hasSps = false;
  bool hasPps = false;
  bool hasIdr = false;  // an IDR slice starts in this packet
  // Starts a key frame: IDR slice start or SPS present (SPS/PPS precede the IDR of a key frame).
  bool keyframe = false;
};

// nullopt for empty/forbidden-bit packets, truncated STAP-A units, short FU-A, and types WebRTC
// does not use (STAP-B, MTAP, FU-B, reserved 0/30/31).
std::optional<H264Info> parseH264(std::span<const uint8_t> payload);

}  // namespace rtp::codecs
