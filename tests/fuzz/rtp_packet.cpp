// Fuzz target: RTP parse, extension walk/find/typed reads, and every in-place rewrite the SFU
// performs (fixed header, extension set/remove/id rewrite), on a copy with spare capacity. Checks
// that each mutation leaves a packet that re-parses to the same view and an untouched payload.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "rtp/rtp/extension_map.h"
#include "rtp/rtp/header_extensions.h"
#include "rtp/rtp/rtp_packet.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The view must agree with a fresh parse of the same bytes, and the payload+padding must be
// `tail`.
void checkConsistent(rtp::RtpPacket& p, const std::vector<uint8_t>& tail) {
  auto re = rtp::RtpPacket::parse(p.data(), p.size(), p.capacity());
  check(re.ok());
  check(re->headerSize() == p.headerSize());
  check(re->payloadSize() == p.payloadSize());
  check(re->paddingSize() == p.paddingSize());
  check(p.size() - p.headerSize() == tail.size());
  check(std::memcmp(p.data() + p.headerSize(), tail.data(), tail.size()) == 0);
}

void readTyped(std::span<const uint8_t> v) {
  (void)rtp::ext::readAudioLevel(v);
  (void)rtp::ext::readAbsSendTime(v);
  (void)rtp::ext::readTransportWideCc(v);
  (void)rtp::ext::readVideoOrientation(v);
  (void)rtp::ext::readPlayoutDelay(v);
  (void)rtp::ext::readSdesString(v);
  (void)rtp::ext::readDependencyDescriptor(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> buf(data, data + size);
  buf.resize(size + 300);
  auto r = rtp::RtpPacket::parse(buf.data(), size, buf.size());
  (void)rtp::looksLikeRtcp({data, size});
  if (!r) return 0;
  rtp::RtpPacket& p = r.value();
  check(p.headerSize() + p.payloadSize() + p.paddingSize() == size);
  const std::vector<uint8_t> tail(buf.begin() + p.headerSize(), buf.begin() + size);

  // Walk and find.
  rtp::ExtensionReader reader(p);
  uint8_t firstId = 0;
  while (auto e = reader.next()) {
    check(e->value.data() >= p.extensionData().data() &&
          e->value.data() + e->value.size() <= p.extensionData().data() + p.extensionData().size());
    if (firstId == 0) firstId = e->id;
    readTyped(e->value);
    auto found = rtp::findExtension(static_cast<const rtp::RtpPacket&>(p), e->id);
    check(found.has_value());
  }

  // Builder round trip from the parsed fields (raw extension block keeps any profile).
  {
    std::vector<uint32_t> csrcs;
    for (size_t i = 0; i < p.csrcCount(); ++i) csrcs.push_back(p.csrc(i));
    std::vector<uint8_t> out(size + 16);
    rtp::RtpPacketBuilder b(out);
    b.setMarker(p.marker())
        .setPayloadType(p.payloadType())
        .setSequenceNumber(p.sequenceNumber())
        .setTimestamp(p.timestamp())
        .setSsrc(p.ssrc())
        .setCsrcs(csrcs)
        .setPayload(p.payload())
        .setPaddingSize(static_cast<uint8_t>(p.paddingSize()));
    if (p.hasExtension()) b.setRawExtension(p.extensionProfile(), p.extensionData());
    auto built = b.build();
    check(built.ok());
    check(built->size() == size);
    // Everything but the padding bytes (the builder writes zeros there) is byte-equal.
    check(std::memcmp(out.data(), data, size - p.paddingSize()) == 0);
  }

  // The forwarding rewrites.
  const uint8_t k = size > 12 ? data[size - 1] : 0;
  p.setSsrc(0x11223344);
  p.setSequenceNumber(static_cast<uint16_t>(k * 257));
  p.setTimestamp(k * 16777619u);
  p.setPayloadType(k);
  p.setMarker(k & 1);
  checkConsistent(p, tail);

  rtp::ExtensionIdMap map;
  for (unsigned id = 1; id < 256; ++id)
    map.set(static_cast<uint8_t>(id), static_cast<uint8_t>((id * 7 + k) % 23));
  const rtp::ExtensionError rewrite = rtp::rewriteExtensionIds(p, map);
  if (rewrite == rtp::ExtensionError::kNone) checkConsistent(p, tail);

  const uint8_t value[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
  const uint8_t setId = static_cast<uint8_t>(k % 17 + 1);
  const size_t setSize = k % 21;
  if (rtp::setExtension(p, setId, {value, setSize}) == rtp::ExtensionError::kNone) {
    checkConsistent(p, tail);
    auto v = rtp::findExtension(static_cast<const rtp::RtpPacket&>(p), setId);
    check(v && v->size() == setSize && std::memcmp(v->data(), value, setSize) == 0);
  }
  if (firstId != 0) {
    const auto mode = (k & 2) ? rtp::RemoveMode::kShrink : rtp::RemoveMode::kPad;
    if (rtp::removeExtension(p, firstId, mode) == rtp::ExtensionError::kNone) {
      checkConsistent(p, tail);
    }
  }
  return 0;
}
