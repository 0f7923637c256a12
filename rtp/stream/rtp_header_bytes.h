// Internal: where the payload of a raw RTP packet starts and how much padding ends it, read
// straight from the bytes (RFC 3550 §5.1, §5.3.1). Used by RTX so rtp/stream/ does not depend on
// the full RTP packet view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "rtp/common/byte_io.h"

namespace rtp::stream::detail {

//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                           timestamp                           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                             SSRC                              |
//  +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//  |                   CSRC list (CC x 32 bits)                    |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  defined by profile (X=1)     |  extension length (words)     |
//  |                        extension data                         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                     payload  ...  | padding | padding count   |
inline constexpr size_t kRtpFixedHeader = 12;

struct RtpLayout {
  size_t payload_offset = 0;
  size_t padding = 0;  // bytes at the end, the count octet included (0 when P is clear)
};

enum class RtpLayoutError : uint8_t { kTruncated, kBadVersion, kBadPadding };

// nullopt-like error reporting through `error` keeps this header dependency-free.
inline std::optional<RtpLayout> rtpLayout(std::span<const uint8_t> packet,
                                          RtpLayoutError* error = nullptr) {
  auto fail = [&](RtpLayoutError e) {
    if (error) *error = e;
    return std::nullopt;
  };
  if (packet.size() < kRtpFixedHeader) return fail(RtpLayoutError::kTruncated);
  if ((packet[0] >> 6) != 2) return fail(RtpLayoutError::kBadVersion);
  size_t offset = kRtpFixedHeader + size_t{packet[0] & 0x0Fu} * 4;
  if ((packet[0] & 0x10) != 0) {
    if (packet.size() < offset + 4) return fail(RtpLayoutError::kTruncated);
    offset += 4 + size_t{load16(&packet[offset + 2])} * 4;
  }
  if (packet.size() < offset) return fail(RtpLayoutError::kTruncated);
  RtpLayout layout{offset, 0};
  if ((packet[0] & 0x20) != 0) {
    const size_t pad = packet[packet.size() - 1];
    if (pad == 0 || pad > packet.size() - offset) return fail(RtpLayoutError::kBadPadding);
    layout.padding = pad;
  }
  return layout;
}

}  // namespace rtp::stream::detail
