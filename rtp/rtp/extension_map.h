// Per-transport mapping between negotiated header-extension URIs (SDP a=extmap, RFC 8285 §5) and
// local ids, plus typed readers/writers for the values the SFU understands.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "rtp/rtp/header_extensions.h"

namespace rtp {

enum class ExtensionType : uint8_t {
  kNone = 0,
  kMid,                   // urn:ietf:params:rtp-hdrext:sdes:mid (RFC 8843 §15.2)
  kRid,                   // urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id (RFC 8852 §3.1)
  kRepairedRid,           // urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id (§3.2)
  kAbsSendTime,           // http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time
  kTransportWideCc,       // draft-holmer-rmcat-transport-wide-cc-extensions-01
  kAudioLevel,            // urn:ietf:params:rtp-hdrext:ssrc-audio-level (RFC 6464)
  kVideoOrientation,      // urn:3gpp:video-orientation (3GPP TS 26.114 §7.4.5)
  kPlayoutDelay,          // http://www.webrtc.org/experiments/rtp-hdrext/playout-delay
  kDependencyDescriptor,  // AV1 RTP spec appendix A (opaque bytes here)
};
inline constexpr size_t kExtensionTypeCount = 10;

std::string_view extensionUri(ExtensionType type);
// kNone for URIs we do not handle (they are simply not mapped).
ExtensionType extensionTypeFromUri(std::string_view uri);

class ExtensionMap {
 public:
  // Maps type ↔ id (1..255). Replaces an earlier id of the same type. False when the id is 0, the
  // type kNone, or the id is already used by another type.
  bool add(ExtensionType type, uint8_t id);
  // Same by URI; false for unknown URIs.
  bool add(std::string_view uri, uint8_t id);
  void remove(ExtensionType type);
  void clear();

  uint8_t idOf(ExtensionType type) const { return ids_[static_cast<size_t>(type)]; }
  ExtensionType typeOf(uint8_t id) const { return types_[id]; }
  bool has(ExtensionType type) const { return idOf(type) != 0; }
  // Some id is above 14: packets carrying it need the two-byte form.
  bool needsTwoByte() const;

 private:
  std::array<uint8_t, kExtensionTypeCount> ids_{};
  std::array<ExtensionType, 256> types_{};
};

// Id translation for forwarding from a publisher's numbering to a subscriber's: types known to
// both map to the subscriber's id; everything else (including types only the publisher has) is
// dropped. Types in `keep` are kept only if listed (e.g. drop abs-send-time/twcc that the SFU
// re-stamps per hop); an empty `keep` keeps every shared type.
ExtensionIdMap makeIdTranslation(const ExtensionMap& from, const ExtensionMap& to,
                                 std::span<const ExtensionType> keep = {});

// Typed values. Readers validate the size and return nullopt otherwise; writers fill `out`
// (sized by the k*Size constant) or return the byte count.
namespace ext {

// RFC 6464 §3: V (voice activity) + level in -dBov, 0 (loudest) .. 127 (silence).
//   0 1 2 3 4 5 6 7
//  +-+-+-+-+-+-+-+-+
//  |V|   level     |
//  +-+-+-+-+-+-+-+-+
struct AudioLevel {
  bool voice = false;
  uint8_t level = 127;
};
inline constexpr size_t kAudioLevelSize = 1;
std::optional<AudioLevel> readAudioLevel(std::span<const uint8_t> value);
void writeAudioLevel(std::span<uint8_t, kAudioLevelSize> out, AudioLevel v);

// abs-send-time: 24-bit unsigned 6.18 fixed-point seconds (wraps every 64 s).
inline constexpr size_t kAbsSendTimeSize = 3;
std::optional<uint32_t> readAbsSendTime(std::span<const uint8_t> value);
void writeAbsSendTime(std::span<uint8_t, kAbsSendTimeSize> out, uint32_t value24);
uint32_t absSendTimeFromMicros(uint64_t micros);
uint64_t absSendTimeToMicros(uint32_t value24);  // within one 64 s cycle

// transport-wide-cc: 16-bit transport-wide sequence number.
inline constexpr size_t kTransportWideCcSize = 2;
std::optional<uint16_t> readTransportWideCc(std::span<const uint8_t> value);
void writeTransportWideCc(std::span<uint8_t, kTransportWideCcSize> out, uint16_t seq);

// 3GPP TS 26.114 §7.4.5 coordination of video orientation:
//   0 1 2 3 4 5 6 7
//  +-+-+-+-+-+-+-+-+
//  |0 0 0 0|C|F|R R|   C camera (0 front, 1 back), F horizontal flip, R rotation ×90° (CW)
//  +-+-+-+-+-+-+-+-+
struct VideoOrientation {
  bool backCamera = false;
  bool flip = false;
  uint16_t rotation = 0;  // 0, 90, 180, 270
};
inline constexpr size_t kVideoOrientationSize = 1;
std::optional<VideoOrientation> readVideoOrientation(std::span<const uint8_t> value);
void writeVideoOrientation(std::span<uint8_t, kVideoOrientationSize> out, VideoOrientation v);

// playout-delay: MIN and MAX, 12 bits each, in units of 10 ms.
//   0                   1                   2
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |       MIN delay       |       MAX delay       |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
struct PlayoutDelay {
  uint16_t min = 0;  // 10 ms units, 0..4095
  uint16_t max = 0;
};
inline constexpr size_t kPlayoutDelaySize = 3;
std::optional<PlayoutDelay> readPlayoutDelay(std::span<const uint8_t> value);
void writePlayoutDelay(std::span<uint8_t, kPlayoutDelaySize> out, PlayoutDelay v);

// mid / rid / repaired-rid (RFC 8852 §3, RFC 8843 §15): an RtpStreamId / mid token, 1..255
// bytes. The view excludes trailing NUL bytes some senders pad with; nullopt for empty or
// non-printable content.
std::optional<std::string_view> readSdesString(std::span<const uint8_t> value);
// Copies s (1..255 bytes) into out; returns the byte count, or 0 when it does not fit / is empty.
size_t writeSdesString(std::span<uint8_t> out, std::string_view s);

// Dependency descriptor: forwarded as opaque bytes (at least the 3-byte mandatory fields).
std::optional<std::span<const uint8_t>> readDependencyDescriptor(std::span<const uint8_t> value);

}  // namespace ext
}  // namespace rtp
