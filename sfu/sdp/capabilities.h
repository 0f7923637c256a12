// What the SFU can receive and send: codecs with their preferred payload types, RTCP feedback,
// and RTP header extensions. Used to answer publish offers and to build subscribe offers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/sdp/session_description.h"

namespace sfu::sdp {

namespace ext_uri {
inline constexpr std::string_view kMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kRepairedRid =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
inline constexpr std::string_view kTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kVideoOrientation = "urn:3gpp:video-orientation";
inline constexpr std::string_view kPlayoutDelay =
    "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";
}  // namespace ext_uri

struct CodecCapability {
  std::string kind;  // audio | video
  std::string name;  // matched case-insensitively
  uint32_t clock_rate = 0;
  uint16_t channels = 0;
  int preferred_pt = 0;
  int preferred_rtx_pt = -1;  // -1: no RTX
  std::string fmtp;           // what we write in our own offers and (audio) answers
  std::vector<std::string> rtcp_fb;
};

struct ExtensionCapability {
  std::string kind;  // audio | video
  std::string uri;
  int preferred_id = 0;
  bool in_subscribe_offers = true;  // false for rid/repaired-rid (publish side only)
};

struct Capabilities {
  std::vector<CodecCapability> codecs;
  std::vector<ExtensionCapability> extensions;
  bool data_channel = true;
  uint16_t sctp_port = 5000;
  uint32_t max_message_size = 262144;
  uint32_t sctp_streams = 1024;  // legacy a=sctpmap

  // Opus 111/48000/2 (minptime=10;useinbandfec=1), VP8 96/97, VP9 98/99 (profile 0),
  // H264 102/103 (packetization-mode=1, profile-level-id=42e01f), AV1 104/105;
  // rtcp-fb nack, nack pli, ccm fir, goog-remb, transport-cc; extensions mid, rid, repaired-rid,
  // abs-send-time, transport-cc, audio-level, video-orientation, playout-delay.
  static Capabilities defaults();

  const CodecCapability* match(std::string_view kind, const Codec& offered) const;
  const ExtensionCapability* extension(std::string_view kind, std::string_view uri) const;
};

// RFC 6184 §8.1: compares profile (not level) of two profile-level-id values; constrained
// baseline is recognised from 42e0xx / 42c0xx / 4240xx and 4d80xx / 4d40xx... forms.
bool h264ProfilesMatch(std::string_view a, std::string_view b);

}  // namespace sfu::sdp
