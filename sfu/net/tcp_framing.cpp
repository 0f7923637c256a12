#include "sfu/net/tcp_framing.h"

namespace sfu::net {

FrameDecoder::FrameDecoder(size_t max_frame)
    : max_frame_(max_frame < kMaxFrameLength ? max_frame : kMaxFrameLength), body_(max_frame_) {}

bool FrameDecoder::startFrame() {
  body_len_ = rtp::load16(header_);
  if (body_len_ > max_frame_) {
    failed_ = true;
    return false;
  }
  if (body_len_ == 0) {
    ++empty_frames_;
    header_got_ = 0;
    return true;
  }
  in_body_ = true;
  body_got_ = 0;
  return true;
}

}  // namespace sfu::net
