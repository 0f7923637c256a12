#include "rtp/codecs/vp9.h"

#include "rtp/common/byte_io.h"

namespace rtp::codecs {

namespace {

// RFC 9628 §4.2.1 scalability structure. Returns the offset after it, or nullopt if truncated.
std::optional<size_t> parseScalabilityStructure(std::span<const uint8_t> p, size_t off,
                                                Vp9Descriptor& d) {
  const size_t n = p.size();
  if (off >= n) return std::nullopt;
  const uint8_t b = p[off++];
  d.numSpatialLayers = static_cast<uint8_t>((b >> 5) + 1);
  d.hasResolutions = (b & 0x10) != 0;
  const bool hasGroup = (b & 0x08) != 0;
  if (d.hasResolutions) {
    if (n - off < size_t{4} * d.numSpatialLayers) return std::nullopt;
    for (size_t i = 0; i < d.numSpatialLayers; ++i) {
      d.widths[i] = load16(p.data() + off);
      d.heights[i] = load16(p.data() + off + 2);
      off += 4;
    }
  }
  if (hasGroup) {
    if (off >= n) return std::nullopt;
    d.numPicturesInGroup = p[off++];
    for (size_t i = 0; i < d.numPicturesInGroup; ++i) {
      if (off >= n) return std::nullopt;
      const size_t refs = (p[off++] >> 2) & 0x03;  // |T:3|U|R:2|-|-|
      if (n - off < refs) return std::nullopt;
      off += refs;
    }
  }
  return off;
}

}  // namespace

std::optional<Vp9Descriptor> parseVp9(std::span<const uint8_t> payload) {
  const size_t n = payload.size();
  if (n < 1) return std::nullopt;
  Vp9Descriptor d;
  const uint8_t b0 = payload[0];
  d.hasPictureId = (b0 & 0x80) != 0;
  d.interPicturePredicted = (b0 & 0x40) != 0;
  d.hasLayerIndices = (b0 & 0x20) != 0;
  d.flexibleMode = (b0 & 0x10) != 0;
  d.beginningOfFrame = (b0 & 0x08) != 0;
  d.endOfFrame = (b0 & 0x04) != 0;
  d.hasScalabilityStructure = (b0 & 0x02) != 0;
  d.notReference = (b0 & 0x01) != 0;
  size_t off = 1;

  if (d.hasPictureId) {
    if (off >= n) return std::nullopt;
    d.pictureIdOffset = off;
    if (payload[off] & 0x80) {
      if (n - off < 2) return std::nullopt;
      d.pictureId15 = true;
      d.pictureId = static_cast<uint16_t>(((payload[off] & 0x7F) << 8) | payload[off + 1]);
      off += 2;
    } else {
      d.pictureId = payload[off++] & 0x7F;
    }
  }
  if (d.hasLayerIndices) {
    if (off >= n) return std::nullopt;
    const uint8_t l = payload[off++];
    d.temporalId = l >> 5;
    d.switchingUp = (l & 0x10) != 0;
    d.spatialId = (l >> 1) & 0x07;
    d.interLayerDependency = (l & 0x01) != 0;
    if (!d.flexibleMode) {  // §4.2: TL0PICIDX only in non-flexible mode
      if (off >= n) return std::nullopt;
      d.hasTl0PicIdx = true;
      d.tl0PicIdxOffset = off;
      d.tl0PicIdx = payload[off++];
    }
  }
  if (d.flexibleMode && d.interPicturePredicted) {
    // §4.2: up to 3 reference indices, N set on all but the last.
    bool more = true;
    while (more) {
      if (off >= n || d.refCount == 3) return std::nullopt;
      const uint8_t r = payload[off++];
      d.pDiff[d.refCount++] = r >> 1;
      more = (r & 0x01) != 0;
    }
  }
  if (d.hasScalabilityStructure) {
    const auto end = parseScalabilityStructure(payload, off, d);
    if (!end) return std::nullopt;
    off = *end;
  }
  d.headerSize = off;
  if (off >= n) return std::nullopt;
  d.keyframe = d.beginningOfFrame && !d.interPicturePredicted && d.spatialId == 0;
  return d;
}

}  // namespace rtp::codecs
