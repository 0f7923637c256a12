#include "rtp/rtp/extension_map.h"

#include <algorithm>
#include <cstring>

#include "rtp/common/byte_io.h"

namespace rtp {

namespace {

constexpr std::array<std::string_view, kExtensionTypeCount> kUris = {
    "",
    "urn:ietf:params:rtp-hdrext:sdes:mid",
    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "urn:3gpp:video-orientation",
    "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
    "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension",
};

}  // namespace

std::string_view extensionUri(ExtensionType type) {
  const auto i = static_cast<size_t>(type);
  return i < kUris.size() ? kUris[i] : std::string_view{};
}

ExtensionType extensionTypeFromUri(std::string_view uri) {
  if (uri.empty()) return ExtensionType::kNone;
  for (size_t i = 1; i < kUris.size(); ++i) {
    if (kUris[i] == uri) return static_cast<ExtensionType>(i);
  }
  return ExtensionType::kNone;
}

bool ExtensionMap::add(ExtensionType type, uint8_t id) {
  const auto t = static_cast<size_t>(type);
  if (type == ExtensionType::kNone || t >= kExtensionTypeCount || id == 0) return false;
  if (types_[id] != ExtensionType::kNone && types_[id] != type) return false;
  remove(type);
  ids_[t] = id;
  types_[id] = type;
  return true;
}

bool ExtensionMap::add(std::string_view uri, uint8_t id) {
  const ExtensionType type = extensionTypeFromUri(uri);
  return type != ExtensionType::kNone && add(type, id);
}

void ExtensionMap::remove(ExtensionType type) {
  const auto t = static_cast<size_t>(type);
  if (t >= kExtensionTypeCount || ids_[t] == 0) return;
  types_[ids_[t]] = ExtensionType::kNone;
  ids_[t] = 0;
}

void ExtensionMap::clear() {
  ids_.fill(0);
  types_.fill(ExtensionType::kNone);
}

bool ExtensionMap::needsTwoByte() const {
  return std::any_of(ids_.begin(), ids_.end(), [](uint8_t id) { return id > kOneByteMaxId; });
}

ExtensionIdMap makeIdTranslation(const ExtensionMap& from, const ExtensionMap& to,
                                 std::span<const ExtensionType> keep) {
  ExtensionIdMap map;
  for (size_t t = 1; t < kExtensionTypeCount; ++t) {
    const auto type = static_cast<ExtensionType>(t);
    if (!keep.empty() && std::find(keep.begin(), keep.end(), type) == keep.end()) continue;
    const uint8_t a = from.idOf(type);
    const uint8_t b = to.idOf(type);
    if (a != 0 && b != 0) map.set(a, b);
  }
  return map;
}

namespace ext {

std::optional<AudioLevel> readAudioLevel(std::span<const uint8_t> value) {
  // RFC 6464 §3 defines one byte; tolerate trailing padding bytes in the two-byte form.
  if (value.empty()) return std::nullopt;
  return AudioLevel{(value[0] & 0x80) != 0, static_cast<uint8_t>(value[0] & 0x7F)};
}

void writeAudioLevel(std::span<uint8_t, kAudioLevelSize> out, AudioLevel v) {
  out[0] = static_cast<uint8_t>((v.voice ? 0x80 : 0) | (v.level & 0x7F));
}

std::optional<uint32_t> readAbsSendTime(std::span<const uint8_t> value) {
  if (value.size() != kAbsSendTimeSize) return std::nullopt;
  return load24(value.data());
}

void writeAbsSendTime(std::span<uint8_t, kAbsSendTimeSize> out, uint32_t value24) {
  store24(out.data(), value24 & 0xFFFFFF);
}

uint32_t absSendTimeFromMicros(uint64_t micros) {
  // 6.18 fixed point: seconds × 2^18, keeping the low 24 bits (64 s wrap).
  return static_cast<uint32_t>(((micros << 18) + 500000) / 1000000) & 0xFFFFFF;
}

uint64_t absSendTimeToMicros(uint32_t value24) {
  return ((uint64_t{value24 & 0xFFFFFF} * 1000000) + (1u << 17)) >> 18;
}

std::optional<uint16_t> readTransportWideCc(std::span<const uint8_t> value) {
  if (value.size() != kTransportWideCcSize) return std::nullopt;
  return load16(value.data());
}

void writeTransportWideCc(std::span<uint8_t, kTransportWideCcSize> out, uint16_t seq) {
  store16(out.data(), seq);
}

std::optional<VideoOrientation> readVideoOrientation(std::span<const uint8_t> value) {
  if (value.size() != kVideoOrientationSize) return std::nullopt;
  const uint8_t b = value[0];
  return VideoOrientation{(b & 0x08) != 0, (b & 0x04) != 0, static_cast<uint16_t>((b & 0x03) * 90)};
}

void writeVideoOrientation(std::span<uint8_t, kVideoOrientationSize> out, VideoOrientation v) {
  const uint8_t r = static_cast<uint8_t>((v.rotation / 90) & 0x03);
  out[0] = static_cast<uint8_t>((v.backCamera ? 0x08 : 0) | (v.flip ? 0x04 : 0) | r);
}

std::optional<PlayoutDelay> readPlayoutDelay(std::span<const uint8_t> value) {
  if (value.size() != kPlayoutDelaySize) return std::nullopt;
  const uint32_t v = load24(value.data());
  return PlayoutDelay{static_cast<uint16_t>(v >> 12), static_cast<uint16_t>(v & 0xFFF)};
}

void writePlayoutDelay(std::span<uint8_t, kPlayoutDelaySize> out, PlayoutDelay v) {
  store24(out.data(), (uint32_t{v.min & 0xFFFu} << 12) | (v.max & 0xFFFu));
}

std::optional<std::string_view> readSdesString(std::span<const uint8_t> value) {
  size_t n = value.size();
  while (n > 0 && value[n - 1] == 0) --n;
  if (n == 0) return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    if (value[i] < 0x21 || value[i] > 0x7E) return std::nullopt;  // printable ASCII tokens only
  }
  return std::string_view(reinterpret_cast<const char*>(value.data()), n);
}

size_t writeSdesString(std::span<uint8_t> out, std::string_view s) {
  if (s.empty() || s.size() > kTwoByteMaxValueSize || s.size() > out.size()) return 0;
  std::memcpy(out.data(), s.data(), s.size());
  return s.size();
}

std::optional<std::span<const uint8_t>> readDependencyDescriptor(std::span<const uint8_t> value) {
  // Mandatory fields: start/end of frame, template id, frame number = 3 bytes.
  if (value.size() < 3) return std::nullopt;
  return value;
}

}  // namespace ext
}  // namespace rtp
