// AV1 RTP payload (AV1 RTP specification §4.4, aggregation header; §4.5 OBU elements). The
// N bit marks the first packet of a coded video sequence, which is what the SFU treats as a key
// frame; Z=0 means the packet starts with a whole OBU (start of a frame or of its OBUs).
//
//   0 1 2 3 4 5 6 7
//  +-+-+-+-+-+-+-+-+
//  |Z|Y| W |N|-|-|-|   Z: first OBU element continues one from the previous packet
//  +-+-+-+-+-+-+-+-+   Y: last OBU element continues in the next packet
//  | OBU elements  |   W: element count (0: every element has a LEB128 length; 1..3: all but
//  |      ...      |      the last do)    N: first packet of a coded video sequence
//
// OBU header (AV1 bitstream §5.3.2): |F|type:4|X|S|R| — F forbidden, X extension byte follows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace rtp::codecs {

namespace av1 {
inline constexpr uint8_t kObuSequenceHeader = 1;
inline constexpr uint8_t kObuTemporalDelimiter = 2;
inline constexpr uint8_t kObuFrameHeader = 3;
inline constexpr uint8_t kObuTileGroup = 4;
inline constexpr uint8_t kObuMetadata = 5;
inline constexpr uint8_t kObuFrame = 6;
}  // namespace av1

struct Av1Info {
  bool continuation = false;           // Z
  bool continuesNext = false;          // Y
  uint8_t w = 0;                       // W
  bool newCodedVideoSequence = false;  // N
  bool startsWithObu = false;          // !Z
  uint8_t elementCount = 0;
  uint8_t firstObuType = 0;        // when startsWithObu
  bool hasSequenceHeader = false;  // a whole-OBU start of type sequence header is in the packet
  bool keyframe = false;           // == N
};

// Walks the OBU elements; nullopt when a length runs past the packet, an element is empty, W
// promises more elements than present, or a starting OBU header has the forbidden bit set.
std::optional<Av1Info> parseAv1(std::span<const uint8_t> payload);

}  // namespace rtp::codecs
