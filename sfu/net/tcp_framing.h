// RFC 4571 framing for ICE-TCP (RFC 6544 section 3: "the framing defined in RFC 4571 is used").
// Every packet (STUN, DTLS, SRTP/SRTCP) on the stream is preceded by its length:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   ---------------------------------------------------------------
//   |             LENGTH            |  STUN, DTLS, RTP or RTCP ...
//   ---------------------------------------------------------------
//
// LENGTH is the 16-bit big-endian byte count of the packet that follows (RFC 4571 section 2).
// FrameDecoder is pure and incremental: feed it whatever read() returned (any split or merge of
// frames) and it calls back once per complete frame. Frames wholly inside one feed are passed as
// pointers into the caller's bytes (no copy); only a frame split across feeds is assembled in the
// decoder's own buffer (max_frame bytes, allocated once at construction).
//
// Policy (ours, RFC 4571 sets no limit below 65535): a frame longer than max_frame is an error and
// the decoder stays failed (the connection is to be closed). A zero-length frame carries nothing:
// it is skipped and counted, not delivered.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "rtp/common/byte_io.h"

namespace sfu::net {

inline constexpr size_t kFrameHeaderSize = 2;
inline constexpr size_t kMaxFrameLength = 65535;

enum class FrameError : uint8_t { kNone, kOversize };

// Writes the 2-byte length prefix; false when len does not fit 16 bits.
inline bool encodeFrameHeader(size_t len, uint8_t* out) {
  if (len > kMaxFrameLength) return false;
  rtp::store16(out, static_cast<uint16_t>(len));
  return true;
}

class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_frame);

  // Consumes all of data (unless an error stops it) and calls on_frame(const uint8_t*, size_t)
  // for each complete non-empty frame, in order. on_frame must not call feed() re-entrantly.
  template <typename OnFrame>
  FrameError feed(std::span<const uint8_t> data, OnFrame&& on_frame);

  bool failed() const { return failed_; }
  size_t maxFrame() const { return max_frame_; }
  // Bytes of an incomplete frame (header included) held between feeds.
  size_t pending() const { return header_got_ + body_got_; }
  uint64_t frames() const { return frames_; }
  uint64_t emptyFrames() const { return empty_frames_; }

 private:
  // Called when a header is complete: validates the length; false on oversize.
  bool startFrame();

  size_t max_frame_;
  std::vector<uint8_t> body_;  // max_frame_ bytes
  uint8_t header_[kFrameHeaderSize] = {};
  size_t header_got_ = 0;
  size_t body_len_ = 0;
  size_t body_got_ = 0;
  bool in_body_ = false;
  bool failed_ = false;
  uint64_t frames_ = 0;
  uint64_t empty_frames_ = 0;
};

template <typename OnFrame>
FrameError FrameDecoder::feed(std::span<const uint8_t> data, OnFrame&& on_frame) {
  if (failed_) return FrameError::kOversize;
  const uint8_t* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    if (!in_body_) {
      // Fast path: a whole header and a whole frame in the caller's bytes, nothing pending.
      if (header_got_ == 0 && left >= kFrameHeaderSize) {
        size_t len = rtp::load16(p);
        if (left - kFrameHeaderSize >= len && len <= max_frame_) {
          p += kFrameHeaderSize;
          left -= kFrameHeaderSize;
          if (len == 0) {
            ++empty_frames_;
          } else {
            ++frames_;
            on_frame(p, len);
          }
          p += len;
          left -= len;
          continue;
        }
      }
      size_t take = std::min(left, kFrameHeaderSize - header_got_);
      std::memcpy(header_ + header_got_, p, take);
      header_got_ += take;
      p += take;
      left -= take;
      if (header_got_ < kFrameHeaderSize) break;
      if (!startFrame()) return FrameError::kOversize;
      if (body_len_ == 0) continue;  // startFrame counted it and reset
    }
    size_t take = std::min(left, body_len_ - body_got_);
    std::memcpy(body_.data() + body_got_, p, take);
    body_got_ += take;
    p += take;
    left -= take;
    if (body_got_ == body_len_) {
      ++frames_;
      in_body_ = false;
      header_got_ = 0;
      body_got_ = 0;
      on_frame(static_cast<const uint8_t*>(body_.data()), body_len_);
    }
  }
  return FrameError::kNone;
}

}  // namespace sfu::net
