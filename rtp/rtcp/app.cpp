#include "rtp/rtcp/app.h"

#include <cstring>

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {

ParseResult<AppView> AppView::parse(const PacketView& packet) {
  if (packet.type != kPtApp) return ParseError::kWrongType;
  if (packet.body.size() < 8) return ParseError::kBadLength;
  AppView view;
  view.body_ = packet.body;
  view.subtype_ = packet.count;
  return view;
}

uint32_t AppView::ssrc() const { return load32(&body_[0]); }

std::array<uint8_t, 4> AppView::name() const { return {body_[4], body_[5], body_[6], body_[7]}; }

size_t App::size() const {
  if (subtype > kMaxCount || data.size() % 4 != 0) return 0;
  const size_t total = kHeaderSize + 8 + data.size();
  return total <= kMaxPacketSize ? total : 0;
}

void App::write(uint8_t* out) const {
  writeHeader(out, subtype, kPtApp, size());
  store32(out + 4, ssrc);
  std::memcpy(out + 8, name.data(), 4);
  if (!data.empty()) std::memcpy(out + 12, data.data(), data.size());
}

}  // namespace rtp::rtcp
