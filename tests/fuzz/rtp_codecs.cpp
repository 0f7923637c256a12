// Fuzz target: every codec payload parser on the same input, plus the VP8 in-place rewriter on a
// copy. Parsers must never read out of bounds and must report offsets inside the payload.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "rtp/codecs/av1.h"
#include "rtp/codecs/h264.h"
#include "rtp/codecs/vp8.h"
#include "rtp/codecs/vp9.h"

namespace {
void check(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  if (auto vp8 = rtp::codecs::parseVp8(in)) {
    check(vp8->headerSize < size);
    if (vp8->hasPictureId)
      check(vp8->pictureIdOffset + (vp8->pictureId15 ? 2 : 1) <= vp8->headerSize);
    if (vp8->hasTl0PicIdx) check(vp8->tl0PicIdxOffset < vp8->headerSize);
    std::vector<uint8_t> copy(data, data + size);
    rtp::codecs::Vp8Rewriter rw;
    const bool ok = rw.rewrite(copy, *vp8);
    check(ok);
    auto again = rtp::codecs::parseVp8(copy);
    check(again && again->headerSize == vp8->headerSize && again->keyframe == vp8->keyframe);
    rw.switchSource();
    rw.dropPicture(*vp8);
    (void)rw.rewrite(copy, *again);
  }
  if (auto vp9 = rtp::codecs::parseVp9(in)) {
    check(vp9->headerSize < size);
    check(vp9->refCount <= 3 && vp9->numSpatialLayers <= 8);
  }
  if (auto h264 = rtp::codecs::parseH264(in)) {
    check(h264->nalCount >= 1);
  }
  if (auto av1 = rtp::codecs::parseAv1(in)) {
    check(av1->elementCount >= 1);
    check(av1->w == 0 || av1->elementCount == av1->w);
  }
  return 0;
}
