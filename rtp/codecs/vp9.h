// VP9 RTP payload descriptor (RFC 9628 §4.2), flexible and non-flexible modes, with the
// scalability structure (§4.2.1). Key frame = start of a frame, not inter-picture predicted, on
// spatial layer 0.
//
//        0 1 2 3 4 5 6 7
//       +-+-+-+-+-+-+-+-+
//       |I|P|L|F|B|E|V|Z|  I picture id, P inter-picture predicted, L layer indices, F flexible,
//       +-+-+-+-+-+-+-+-+  B begin / E end of frame, V scalability structure, Z not a reference
//  I:   |M| PICTURE ID  |
//       +-+-+-+-+-+-+-+-+
//  M:   | EXTENDED PID  |
//       +-+-+-+-+-+-+-+-+
//  L:   | TID |U| SID |D|  temporal id, switching up point, spatial id, inter-layer dependency
//       +-+-+-+-+-+-+-+-+
//       |   TL0PICIDX   |  (L and F=0 only)
//       +-+-+-+-+-+-+-+-+
//  P,F: | P_DIFF      |N|  (up to 3 times, N = another follows)
//       +-+-+-+-+-+-+-+-+
//  V:   | N_S |Y|G|-|-|-|  then (N_S+1) × WIDTH16 HEIGHT16 if Y, N_G and N_G pictures if G
//       +-+-+-+-+-+-+-+-+
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtp::codecs {

struct Vp9Descriptor {
  bool hasPictureId = false;             // I
  bool interPicturePredicted = false;    // P
  bool hasLayerIndices = false;          // L
  bool flexibleMode = false;             // F
  bool beginningOfFrame = false;         // B
  bool endOfFrame = false;               // E
  bool hasScalabilityStructure = false;  // V
  bool notReference = false;             // Z
  bool pictureId15 = false;              // M
  uint16_t pictureId = 0;
  uint8_t temporalId = 0;
  bool switchingUp = false;  // U
  uint8_t spatialId = 0;
  bool interLayerDependency = false;  // D
  bool hasTl0PicIdx = false;
  uint8_t tl0PicIdx = 0;
  uint8_t refCount = 0;  // flexible mode P_DIFFs
  std::array<uint8_t, 3> pDiff{};
  // Scalability structure (V).
  uint8_t numSpatialLayers = 0;  // N_S + 1 when V
  bool hasResolutions = false;
  std::array<uint16_t, 8> widths{};
  std::array<uint16_t, 8> heights{};
  uint8_t numPicturesInGroup = 0;  // N_G
  size_t headerSize = 0;
  size_t pictureIdOffset = 0;
  size_t tl0PicIdxOffset = 0;
  bool keyframe = false;
};

// nullopt when truncated, or when the descriptor leaves no payload data.
std::optional<Vp9Descriptor> parseVp9(std::span<const uint8_t> payload);

}  // namespace rtp::codecs
