// SDP model (RFC 8866, with the WebRTC attributes of JSEP RFC 8829, unified plan). Plain structs,
// comparable with ==, so parse → write → parse round trips can be checked as a whole. Attributes
// the model does not know are kept in order in `attributes` and written back unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sfu/sdp/candidate.h"

namespace sfu::sdp {

enum class Direction : uint8_t { kUnspecified, kSendRecv, kSendOnly, kRecvOnly, kInactive };
std::string_view toString(Direction d);
std::optional<Direction> parseDirection(std::string_view s);
// sendonly ↔ recvonly; others unchanged (RFC 3264 §6.1).
Direction reverse(Direction d);

// RFC 4145 §4 / RFC 5763 §5.
enum class Setup : uint8_t { kUnspecified, kActive, kPassive, kActpass, kHoldconn };
std::string_view toString(Setup s);
std::optional<Setup> parseSetup(std::string_view s);

struct Origin {  // o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
  std::string username = "-";
  std::string session_id = "0";
  std::string session_version = "0";
  std::string net_type = "IN";
  std::string addr_type = "IP4";
  std::string address = "127.0.0.1";
  bool operator==(const Origin&) const = default;
};

struct Fingerprint {  // a=fingerprint:<hash-func> <hex:pairs> (RFC 8122 §5)
  std::string algorithm;
  std::string value;
  bool operator==(const Fingerprint&) const = default;
};

struct Group {  // a=group:<semantics> <mid>* (RFC 5888)
  std::string semantics;
  std::vector<std::string> mids;
  bool operator==(const Group&) const = default;
};

struct MsidSemantic {  // a=msid-semantic: WMS [ids] (pre-RFC 8830, still sent by Chrome)
  std::string semantic;
  std::vector<std::string> ids;
  bool operator==(const MsidSemantic&) const = default;
};

struct Attribute {  // any a= line the model does not know
  std::string name;
  std::optional<std::string> value;
  bool operator==(const Attribute&) const = default;
};

// One payload type: a=rtpmap + a=fmtp + a=rtcp-fb lines.
struct Codec {
  int pt = 0;
  std::string name;  // as written ("opus", "VP8", "rtx")
  uint32_t clock_rate = 0;
  uint16_t channels = 0;  // 0: not given
  std::string fmtp;       // the raw parameter string, "" when absent
  std::vector<std::string> rtcp_fb;
  bool operator==(const Codec&) const = default;
};
// Value of `key` in a "k=v;k2=v2" fmtp string.
std::optional<std::string_view> fmtpParam(std::string_view fmtp, std::string_view key);

struct Extmap {  // a=extmap:<id>[/<direction>] <uri> [<attributes>] (RFC 8285 §8)
  int id = 0;
  Direction direction = Direction::kUnspecified;
  std::string uri;
  std::string attributes;
  bool operator==(const Extmap&) const = default;
};

struct Msid {  // a=msid:<stream id> <track id> (RFC 8830)
  std::string stream_id;
  std::string track_id;
  bool operator==(const Msid&) const = default;
};

struct Ssrc {  // a=ssrc:<ssrc> <attribute>[:<value>] lines, grouped per SSRC (RFC 5576)
  uint32_t ssrc = 0;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::optional<std::string_view> get(std::string_view name) const;
  bool operator==(const Ssrc&) const = default;
};

struct SsrcGroup {  // a=ssrc-group:<semantics> <ssrc>* (FID, SIM)
  std::string semantics;
  std::vector<uint32_t> ssrcs;
  bool operator==(const SsrcGroup&) const = default;
};

enum class RidDirection : uint8_t { kSend, kRecv };
struct Rid {  // a=rid:<id> <send|recv> [pt=<fmt>,..;<restriction>=<value>;...] (RFC 8851 §10)
  std::string id;
  RidDirection direction = RidDirection::kSend;
  std::vector<int> payload_types;
  std::vector<std::pair<std::string, std::string>> restrictions;
  bool operator==(const Rid&) const = default;
};

struct SimulcastFormat {  // one rid in a simulcast stream list; '~' prefix = paused (RFC 8853)
  std::string rid;
  bool paused = false;
  bool operator==(const SimulcastFormat&) const = default;
};
// a=simulcast:send <streams> recv <streams>; streams separated by ';', alternatives by ','.
using SimulcastStreams = std::vector<std::vector<SimulcastFormat>>;
struct Simulcast {
  SimulcastStreams send;
  SimulcastStreams recv;
  bool operator==(const Simulcast&) const = default;
};

struct Sctpmap {  // legacy a=sctpmap:<port> webrtc-datachannel <streams>
  uint16_t number = 5000;
  std::string app = "webrtc-datachannel";
  uint32_t streams = 1024;
  bool operator==(const Sctpmap&) const = default;
};

struct MediaSection {
  // m=<kind> <port>[/<count>] <proto> <fmt>...
  std::string kind;  // audio | video | application
  uint16_t port = 9;
  std::optional<uint16_t> port_count;
  std::string proto;
  std::vector<std::string> formats;
  std::optional<std::string> connection;  // c= value
  std::vector<std::string> bandwidths;    // b= values
  std::vector<std::string> other_lines;   // i=, k= lines verbatim ("i=title")

  std::string mid;
  Direction direction = Direction::kUnspecified;
  bool rtcp_mux = false;
  bool rtcp_mux_only = false;
  bool rtcp_rsize = false;
  std::optional<std::string> rtcp;  // a=rtcp:<port> [addr]
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<std::string> ice_options;
  std::vector<Fingerprint> fingerprints;
  Setup setup = Setup::kUnspecified;
  std::vector<Candidate> candidates;
  bool end_of_candidates = false;
  std::vector<Codec> codecs;                  // in m-line order
  std::vector<std::string> rtcp_fb_wildcard;  // a=rtcp-fb:* <value>
  std::vector<Extmap> extmaps;
  bool extmap_allow_mixed = false;
  std::vector<Msid> msids;
  std::vector<SsrcGroup> ssrc_groups;
  std::vector<Ssrc> ssrcs;
  std::vector<Rid> rids;
  std::optional<Simulcast> simulcast;
  std::optional<uint16_t> sctp_port;
  std::optional<uint32_t> max_message_size;
  std::optional<Sctpmap> sctpmap;
  std::vector<Attribute> attributes;

  bool operator==(const MediaSection&) const = default;

  bool isRtp() const;          // proto contains "RTP/"
  bool isDataChannel() const;  // application + (UDP/)DTLS/SCTP
  Codec* findCodec(int pt);
  const Codec* findCodec(int pt) const;
  Ssrc& ssrcEntry(uint32_t ssrc);  // find or append
  // Rewrites `formats` from `codecs` (for RTP sections).
  void syncFormatsFromCodecs();
};

struct SessionDescription {
  int version = 0;
  Origin origin;
  std::string session_name = "-";
  std::vector<std::string> times = {"0 0"};  // t= values
  std::optional<std::string> connection;
  std::vector<std::string> bandwidths;
  std::vector<std::string> other_lines;  // i=, u=, e=, p=, r=, z=, k= lines verbatim

  bool ice_lite = false;
  std::vector<std::string> ice_options;
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<Fingerprint> fingerprints;
  Setup setup = Setup::kUnspecified;
  std::vector<Group> groups;
  std::optional<MsidSemantic> msid_semantic;
  bool extmap_allow_mixed = false;
  std::vector<Extmap> extmaps;
  std::vector<Attribute> attributes;
  std::vector<MediaSection> media;

  bool operator==(const SessionDescription&) const = default;

  const Group* findGroup(std::string_view semantics) const;
  const MediaSection* findMedia(std::string_view mid) const;
  // ICE credentials / fingerprint / setup of a section, falling back to session level.
  std::string_view iceUfrag(const MediaSection& m) const;
  std::string_view icePwd(const MediaSection& m) const;
  const std::vector<Fingerprint>& fingerprintsOf(const MediaSection& m) const;
  Setup setupOf(const MediaSection& m) const;
};

}  // namespace sfu::sdp
