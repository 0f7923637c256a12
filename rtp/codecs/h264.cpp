#include "rtp/codecs/h264.h"

#include "rtp/common/byte_io.h"

namespace rtp::codecs {

namespace {

void noteNal(H264Info& info, uint8_t type) {
  if (type == h264::kSps) info.hasSps = true;
  if (type == h264::kPps) info.hasPps = true;
  if (type == h264::kIdr) info.hasIdr = true;
}

}  // namespace

std::optional<H264Info> parseH264(std::span<const uint8_t> payload) {
  if (payload.empty() || (payload[0] & 0x80) != 0) return std::nullopt;  // F must be 0
  H264Info info;
  const uint8_t type = payload[0] & 0x1F;

  if (type >= 1 && type <= 23) {  // §5.6 single NAL unit packet
    info.packetization = H264Packetization::kSingleNal;
    info.nalType = type;
    info.nalCount = 1;
    info.fragmentStart = info.fragmentEnd = true;
    noteNal(info, type);
  } else if (type == h264::kStapA) {  // §5.7.1: [size16, NAL]...
    info.packetization = H264Packetization::kStapA;
    info.fragmentStart = info.fragmentEnd = true;
    size_t off = 1;
    while (off < payload.size()) {
      if (payload.size() - off < 2) return std::nullopt;
      const size_t size = load16(payload.data() + off);
      off += 2;
      if (size == 0 || size > payload.size() - off) return std::nullopt;
      const uint8_t nal = payload[off] & 0x1F;
      if (info.nalCount == 0) info.nalType = nal;
      if (info.nalCount < 255) ++info.nalCount;
      noteNal(info, nal);
      off += size;
    }
    if (info.nalCount == 0) return std::nullopt;
  } else if (type == h264::kFuA) {  // §5.8: FU indicator, FU header |S|E|R|Type|, fragment
    if (payload.size() < 3) return std::nullopt;
    const uint8_t fu = payload[1];
    info.packetization = H264Packetization::kFuA;
    info.fragmentStart = (fu & 0x80) != 0;
    info.fragmentEnd = (fu & 0x40) != 0;
    info.nalType = fu & 0x1F;
    info.nalCount = 1;
    // Only the first fragment starts the NAL; later ones do not repeat its properties.
    if (info.fragmentStart) noteNal(info, info.nalType);
  } else {
    return std::nullopt;
  }
  info.keyframe = info.hasIdr || info.hasSps;
  return info;
}

}  // namespace rtp::codecs
