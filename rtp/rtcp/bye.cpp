#include "rtp/rtcp/bye.h"

#include <cstring>

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {

ParseResult<ByeView> ByeView::parse(const PacketView& packet) {
  if (packet.type != kPtBye) return ParseError::kWrongType;
  const auto body = packet.body;
  const size_t list = size_t{packet.count} * 4;
  if (body.size() < list) return ParseError::kBadLength;
  ByeView view;
  view.body_ = body;
  view.count_ = packet.count;
  if (body.size() > list) {
    const size_t length = body[list];
    if (body.size() - list - 1 < length) return ParseError::kBadItem;
    const auto* text = static_cast<const char*>(static_cast<const void*>(&body[list + 1]));
    view.reason_ = std::string_view(text, length);
  }
  return view;
}

uint32_t ByeView::ssrc(size_t i) const { return load32(&body_[i * 4]); }

size_t Bye::size() const {
  if (ssrcs.size() > kMaxCount || reason.size() > 255) return 0;
  const size_t reason_bytes = reason.empty() ? 0 : (1 + reason.size() + 3) & ~size_t{3};
  return kHeaderSize + ssrcs.size() * 4 + reason_bytes;
}

void Bye::write(uint8_t* out) const {
  const size_t total = size();
  writeHeader(out, static_cast<uint8_t>(ssrcs.size()), kPtBye, total);
  uint8_t* p = out + kHeaderSize;
  for (uint32_t ssrc : ssrcs) {
    store32(p, ssrc);
    p += 4;
  }
  if (reason.empty()) return;
  const size_t end = total - static_cast<size_t>(p - out);
  std::memset(p, 0, end);
  p[0] = static_cast<uint8_t>(reason.size());
  std::memcpy(p + 1, reason.data(), reason.size());
}

}  // namespace rtp::rtcp
