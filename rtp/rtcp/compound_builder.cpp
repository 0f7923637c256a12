#include "rtp/rtcp/compound_builder.h"

#include <cstring>

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {

void RawPacket::write(uint8_t* out) const { std::memcpy(out, bytes.data(), bytes.size()); }

bool CompoundBuilder::padLast(size_t bytes) {
  if (count_ == 0 || bytes == 0 || bytes % 4 != 0 || bytes > 252) return false;
  if (bytes > remaining()) return false;
  uint8_t* packet = out_.data() + last_;
  if ((packet[0] & 0x20) != 0) return false;  // already padded
  std::memset(out_.data() + size_, 0, bytes);
  size_ += bytes;
  out_[size_ - 1] = static_cast<uint8_t>(bytes);
  packet[0] |= 0x20;
  store16(packet + 2, static_cast<uint16_t>((size_ - last_) / 4 - 1));
  return true;
}

}  // namespace rtp::rtcp
