#include "rtp/codecs/av1.h"

namespace rtp::codecs {

namespace {

// LEB128 (AV1 bitstream §4.10.5): at most 8 bytes. Returns the value and advances `off`.
std::optional<uint64_t> readLeb128(std::span<const uint8_t> p, size_t& off) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    if (off >= p.size()) return std::nullopt;
    const uint8_t b = p[off++];
    value |= uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Av1Info> parseAv1(std::span<const uint8_t> payload) {
  const size_t n = payload.size();
  if (n < 2) return std::nullopt;  // aggregation header + at least one byte of OBU data
  Av1Info info;
  const uint8_t h = payload[0];
  info.continuation = (h & 0x80) != 0;
  info.continuesNext = (h & 0x40) != 0;
  info.w = (h >> 4) & 0x03;
  info.newCodedVideoSequence = (h & 0x08) != 0;
  info.startsWithObu = !info.continuation;
  info.keyframe = info.newCodedVideoSequence;

  size_t off = 1;
  size_t count = 0;
  while (off < n) {
    size_t size;
    if (info.w != 0 && count + 1 == info.w) {
      size = n - off;  // §4.4: the last of W elements carries no length field
    } else {
      const auto len = readLeb128(payload, off);
      if (!len || *len > n - off) return std::nullopt;
      size = static_cast<size_t>(*len);
    }
    if (size == 0) return std::nullopt;
    const bool fragmentTail = count == 0 && info.continuation;
    if (!fragmentTail) {
      const uint8_t obu = payload[off];
      if (obu & 0x80) return std::nullopt;  // forbidden bit
      const uint8_t type = (obu >> 3) & 0x0F;
      if (count == 0) info.firstObuType = type;
      if (type == av1::kObuSequenceHeader) info.hasSequenceHeader = true;
    }
    off += size;
    ++count;
  }
  if (count == 0 || (info.w != 0 && count != info.w)) return std::nullopt;
  info.elementCount = static_cast<uint8_t>(count > 255 ? 255 : count);
  return info;
}

}  // namespace rtp::codecs
