// VP8 RTP payload descriptor (RFC 7741 §4.2) and payload header (§4.3): parse, keyframe
// detection, in-place rewrite of picture id / TL0PICIDX, and a rewriter that keeps both
// continuous across simulcast switches and dropped temporal layers.
//
//        0 1 2 3 4 5 6 7
//       +-+-+-+-+-+-+-+-+
//       |X|R|N|S|R| PID |  X: extensions present, N: non-reference frame,
//       +-+-+-+-+-+-+-+-+  S: start of partition, PID: partition index
//  X:   |I|L|T|K| RSV   |  I: picture id, L: TL0PICIDX, T: TID(+Y), K: KEYIDX present
//       +-+-+-+-+-+-+-+-+
//  I:   |M| PictureID   |  M: 15-bit picture id (second byte follows)
//       +-+-+-+-+-+-+-+-+
//  M:   |   PictureID   |
//       +-+-+-+-+-+-+-+-+
//  L:   |   TL0PICIDX   |
//       +-+-+-+-+-+-+-+-+
//  T/K: |TID|Y| KEYIDX  |  TID: temporal layer, Y: layer sync
//       +-+-+-+-+-+-+-+-+
//
// VP8 payload header, first bytes of partition 0 (S=1, PID=0):
//   0 1 2 3 4 5 6 7
//  +-+-+-+-+-+-+-+-+
//  |Size0|H| VER |P|  P: inverse key frame flag (0 = key frame)
//  +-+-+-+-+-+-+-+-+
//  |     Size1     |
//  +-+-+-+-+-+-+-+-+
//  |     Size2     |   key frames then carry start code 9d 01 2a and 14-bit width/height
//  +-+-+-+-+-+-+-+-+
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "rtp/stream/seq_rewriter.h"

namespace rtp::codecs {

struct Vp8Descriptor {
  bool nonReference = false;      // N
  bool startOfPartition = false;  // S
  uint8_t partitionIndex = 0;     // PID
  bool hasPictureId = false;      // I
  bool pictureId15 = false;       // M: 15-bit field
  uint16_t pictureId = 0;
  bool hasTl0PicIdx = false;  // L
  uint8_t tl0PicIdx = 0;
  bool hasTid = false;  // T
  uint8_t tid = 0;
  bool layerSync = false;  // Y
  bool hasKeyIdx = false;  // K
  uint8_t keyIdx = 0;
  size_t headerSize = 0;       // descriptor bytes; the VP8 payload starts here
  size_t pictureIdOffset = 0;  // byte offsets for in-place rewrites (valid when present)
  size_t tl0PicIdxOffset = 0;
  // From the payload header: set only on the first packet of a frame (S=1, PID=0).
  bool startOfFrame = false;
  bool keyframe = false;
  uint16_t width = 0;  // key frames only, 14 bits (scale bits dropped)
  uint16_t height = 0;
};

// Parses the descriptor (and, at the start of a frame, the payload header). nullopt when the
// payload is shorter than its own descriptor or carries no VP8 data.
std::optional<Vp8Descriptor> parseVp8(std::span<const uint8_t> payload);

// Rewrites fields in place; false when the descriptor does not carry the field. A 7-bit picture
// id field gets the low 7 bits.
bool setVp8PictureId(std::span<uint8_t> payload, const Vp8Descriptor& d, uint16_t pictureId);
bool setVp8Tl0PicIdx(std::span<uint8_t> payload, const Vp8Descriptor& d, uint8_t tl0PicIdx);

// Picture id / TL0PICIDX values for a descriptor; the flags say which ones are set.
struct Vp8Ids {
  bool hasPictureId = false;
  uint16_t pictureId = 0;
  bool hasTl0PicIdx = false;
  uint8_t tl0PicIdx = 0;
};

// Writes the set ids in place (e.g. to resend a packet with the ids it was first sent with).
// False when the descriptor lacks a field that `ids` sets, or carries one that `ids` does not.
bool setVp8Ids(std::span<uint8_t> payload, const Vp8Descriptor& d, const Vp8Ids& ids);

// Keeps picture id (15-bit) and TL0PICIDX (8-bit) continuous for one outgoing stream, alongside
// the SeqRewriter of the same stream.
class Vp8Rewriter {
 public:
  Vp8Rewriter() : pictureId_(15), tl0PicIdx_(8) {}

  // The next packet starts a new source (call together with SeqRewriter::switchSource()).
  void switchSource();
  // The outgoing ids for a packet with descriptor d (the state advances as for a sent packet).
  // nullopt: the packet belongs to before the switch or to a dropped picture and must not be
  // sent.
  std::optional<Vp8Ids> map(const Vp8Descriptor& d);
  // map() and setVp8Ids() in one: rewrites the packet's fields in place. False: must not be sent.
  bool rewrite(std::span<uint8_t> payload, const Vp8Descriptor& d);
  // The packet's picture is not sent (dropped temporal layer): later picture ids shift down so
  // receivers see no missing pictures. Call for each packet of the picture.
  void dropPicture(const Vp8Descriptor& d);

  // What map() reads: the first bytes of the object (an owner keeps them with its other
  // per-packet state).
  static constexpr size_t kStateBytes = 2 * sizeof(CounterState) + sizeof(bool);

 private:
  // Both counters' states, read for every packet; their skip rings out of line, read only around
  // dropped pictures.
  CounterState pictureId_;
  CounterState tl0PicIdx_;
  bool pictureId15_ = true;
  std::unique_ptr<SkipRing> pictureIdSkips_ = std::make_unique<SkipRing>();
  std::unique_ptr<SkipRing> tl0PicIdxSkips_ = std::make_unique<SkipRing>();
};

}  // namespace rtp::codecs
