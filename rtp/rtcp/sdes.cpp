#include "rtp/rtcp/sdes.h"

#include <cstring>

#include "rtp/common/byte_io.h"

namespace rtp::rtcp {
namespace {

constexpr size_t roundUp4(size_t n) { return (n + 3) & ~size_t{3}; }

// Items of a chunk plus the END octet and null padding to the next 32-bit boundary.
size_t chunkSize(const SdesChunk& chunk) {
  size_t items = 0;
  for (const auto& item : chunk.items) {
    if (item.text.size() > 255 || item.type == 0) return 0;
    items += 2 + item.text.size();
  }
  return 4 + roundUp4(items + 1);
}

uint8_t* writeItem(uint8_t* p, uint8_t type, std::string_view text) {
  p[0] = type;
  p[1] = static_cast<uint8_t>(text.size());
  if (!text.empty()) std::memcpy(p + 2, text.data(), text.size());
  return p + 2 + text.size();
}

// Writes the END octet and null padding so the chunk that began at `start` ends on 32 bits.
uint8_t* endChunk(uint8_t* p, const uint8_t* start) {
  const size_t used = static_cast<size_t>(p - start);
  const size_t padded = roundUp4(used + 1);
  std::memset(p, 0, padded - used);
  return p + (padded - used);
}

}  // namespace

SdesItem SdesItemRange::Iterator::operator*() const {
  const auto* text = static_cast<const char*>(static_cast<const void*>(p_ + 2));
  return {p_[0], std::string_view(text, p_[1])};
}

SdesItemRange::Iterator& SdesItemRange::Iterator::operator++() {
  p_ += 2 + size_t{p_[1]};
  return *this;
}

ParseResult<SdesView> SdesView::parse(const PacketView& packet) {
  if (packet.type != kPtSdes) return ParseError::kWrongType;
  const auto body = packet.body;
  size_t offset = 0;
  for (size_t i = 0; i < packet.count; ++i) {
    if (body.size() - offset < 4) return ParseError::kBadLength;
    size_t p = offset + 4;
    while (true) {
      if (p >= body.size()) return ParseError::kBadItem;  // no END octet
      if (body[p] == 0) break;
      if (body.size() - p < 2 || body.size() - p - 2 < body[p + 1]) return ParseError::kBadItem;
      p += 2 + size_t{body[p + 1]};
    }
    // The END octet and the padding after it complete the 32-bit word (chunk starts aligned).
    const size_t next = offset + roundUp4(p + 1 - offset);
    if (next > body.size()) return ParseError::kBadItem;
    offset = next;
  }
  if (offset != body.size()) return ParseError::kBadCount;  // bytes beyond the SC chunks
  SdesView view;
  view.body_ = body;
  view.count_ = packet.count;
  return view;
}

SdesView::Chunk SdesView::readChunk(size_t offset) const {
  const uint32_t ssrc = load32(&body_[offset]);
  size_t p = offset + 4;
  while (body_[p] != 0) p += 2 + size_t{body_[p + 1]};
  return {ssrc, body_.subspan(offset + 4, p - offset - 4), offset + roundUp4(p + 1 - offset)};
}

std::optional<std::string_view> SdesView::cname(std::optional<uint32_t> ssrc) const {
  std::optional<std::string_view> found;
  forEachChunk([&](uint32_t chunk_ssrc, SdesItemRange items) {
    if (found || (ssrc && *ssrc != chunk_ssrc)) return;
    for (const SdesItem item : items) {
      if (item.type == static_cast<uint8_t>(SdesType::kCname)) {
        found = item.text;
        return;
      }
    }
  });
  return found;
}

size_t Sdes::size() const {
  if (chunks.size() > kMaxCount) return 0;
  size_t total = kHeaderSize;
  for (const auto& chunk : chunks) {
    const size_t n = chunkSize(chunk);
    if (n == 0) return 0;
    total += n;
  }
  return total <= kMaxPacketSize ? total : 0;
}

void Sdes::write(uint8_t* out) const {
  writeHeader(out, static_cast<uint8_t>(chunks.size()), kPtSdes, size());
  uint8_t* p = out + kHeaderSize;
  for (const auto& chunk : chunks) {
    uint8_t* start = p;
    store32(p, chunk.ssrc);
    p += 4;
    for (const auto& item : chunk.items) p = writeItem(p, item.type, item.text);
    p = endChunk(p, start);
  }
}

size_t CnameSdes::size() const {
  if (cname.size() > 255) return 0;
  return kHeaderSize + 4 + roundUp4(2 + cname.size() + 1);
}

void CnameSdes::write(uint8_t* out) const {
  writeHeader(out, 1, kPtSdes, size());
  uint8_t* start = out + kHeaderSize;
  store32(start, ssrc);
  uint8_t* p = writeItem(start + 4, static_cast<uint8_t>(SdesType::kCname), cname);
  endChunk(p, start);
}

}  // namespace rtp::rtcp
