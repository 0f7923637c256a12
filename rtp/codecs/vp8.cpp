#include "rtp/codecs/vp8.h"

namespace rtp::codecs {

std::optional<Vp8Descriptor> parseVp8(std::span<const uint8_t> payload) {
  const size_t n = payload.size();
  if (n < 1) return std::nullopt;
  Vp8Descriptor d;
  const uint8_t b0 = payload[0];
  d.nonReference = (b0 & 0x20) != 0;
  d.startOfPartition = (b0 & 0x10) != 0;
  d.partitionIndex = b0 & 0x07;
  size_t off = 1;
  if (b0 & 0x80) {  // X
    if (off >= n) return std::nullopt;
    const uint8_t x = payload[off++];
    d.hasPictureId = (x & 0x80) != 0;
    d.hasTl0PicIdx = (x & 0x40) != 0;
    d.hasTid = (x & 0x20) != 0;
    d.hasKeyIdx = (x & 0x10) != 0;
    if (d.hasPictureId) {
      if (off >= n) return std::nullopt;
      d.pictureIdOffset = off;
      if (payload[off] & 0x80) {  // M: 15-bit picture id
        if (off + 2 > n) return std::nullopt;
        d.pictureId15 = true;
        d.pictureId = static_cast<uint16_t>(((payload[off] & 0x7F) << 8) | payload[off + 1]);
        off += 2;
      } else {
        d.pictureId = payload[off] & 0x7F;
        off += 1;
      }
    }
    if (d.hasTl0PicIdx) {
      if (off >= n) return std::nullopt;
      d.tl0PicIdxOffset = off;
      d.tl0PicIdx = payload[off++];
    }
    if (d.hasTid || d.hasKeyIdx) {  // §4.2: one shared byte for T and K
      if (off >= n) return std::nullopt;
      const uint8_t tk = payload[off++];
      if (d.hasTid) {
        d.tid = tk >> 6;
        d.layerSync = (tk & 0x20) != 0;
      }
      if (d.hasKeyIdx) d.keyIdx = tk & 0x1F;
    }
  }
  d.headerSize = off;
  if (off >= n) return std::nullopt;  // §4.2: a descriptor without VP8 data is not a packet

  // §4.3: the payload header is present only at the start of partition 0 (start of the frame).
  if (d.startOfPartition && d.partitionIndex == 0) {
    d.startOfFrame = true;
    const std::span<const uint8_t> vp8 = payload.subspan(off);
    d.keyframe = (vp8[0] & 0x01) == 0;
    // RFC 6386 §9.1: key frames follow the 3-byte frame tag with a start code and dimensions.
    if (d.keyframe && vp8.size() >= 10 && vp8[3] == 0x9d && vp8[4] == 0x01 && vp8[5] == 0x2a) {
      d.width = static_cast<uint16_t>((vp8[6] | (vp8[7] << 8)) & 0x3FFF);
      d.height = static_cast<uint16_t>((vp8[8] | (vp8[9] << 8)) & 0x3FFF);
    }
  }
  return d;
}

bool setVp8PictureId(std::span<uint8_t> payload, const Vp8Descriptor& d, uint16_t pictureId) {
  if (!d.hasPictureId) return false;
  if (d.pictureId15) {
    if (d.pictureIdOffset + 2 > payload.size()) return false;
    payload[d.pictureIdOffset] = static_cast<uint8_t>(0x80 | ((pictureId >> 8) & 0x7F));
    payload[d.pictureIdOffset + 1] = static_cast<uint8_t>(pictureId);
  } else {
    if (d.pictureIdOffset + 1 > payload.size()) return false;
    payload[d.pictureIdOffset] = static_cast<uint8_t>(pictureId & 0x7F);
  }
  return true;
}

bool setVp8Tl0PicIdx(std::span<uint8_t> payload, const Vp8Descriptor& d, uint8_t tl0PicIdx) {
  if (!d.hasTl0PicIdx || d.tl0PicIdxOffset >= payload.size()) return false;
  payload[d.tl0PicIdxOffset] = tl0PicIdx;
  return true;
}

bool setVp8Ids(std::span<uint8_t> payload, const Vp8Descriptor& d, const Vp8Ids& ids) {
  if (ids.hasPictureId != d.hasPictureId || ids.hasTl0PicIdx != d.hasTl0PicIdx) return false;
  if (ids.hasPictureId && !setVp8PictureId(payload, d, ids.pictureId)) return false;
  if (ids.hasTl0PicIdx && !setVp8Tl0PicIdx(payload, d, ids.tl0PicIdx)) return false;
  return true;
}

void Vp8Rewriter::switchSource() {
  pictureId_.switchSource();
  tl0PicIdx_.switchSource();
}

std::optional<Vp8Ids> Vp8Rewriter::map(const Vp8Descriptor& d) {
  Vp8Ids ids;
  if (d.hasPictureId) {
    if (d.pictureId15 != pictureId15_) {
      // A sender switching between 7- and 15-bit ids: restart the counter at the new width.
      pictureId15_ = d.pictureId15;
      pictureId_ = CounterState(d.pictureId15 ? 15 : 7);  // an empty state ignores the old ring
    }
    const auto out = pictureId_.rewrite(d.pictureId, *pictureIdSkips_);
    if (!out) return std::nullopt;
    ids.hasPictureId = true;
    ids.pictureId = static_cast<uint16_t>(*out);
  }
  if (d.hasTl0PicIdx) {
    const auto out = tl0PicIdx_.rewrite(d.tl0PicIdx, *tl0PicIdxSkips_);
    if (!out) return std::nullopt;
    ids.hasTl0PicIdx = true;
    ids.tl0PicIdx = static_cast<uint8_t>(*out);
  }
  return ids;
}

bool Vp8Rewriter::rewrite(std::span<uint8_t> payload, const Vp8Descriptor& d) {
  const auto ids = map(d);
  return ids && setVp8Ids(payload, d, *ids);
}

void Vp8Rewriter::dropPicture(const Vp8Descriptor& d) {
  if (d.hasPictureId && d.pictureId15 == pictureId15_) {
    pictureId_.skip(d.pictureId, *pictureIdSkips_);
  }
}

}  // namespace rtp::codecs
