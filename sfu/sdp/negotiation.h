// Offer/answer for the SFU (JSEP RFC 8829, unified plan, BUNDLE RFC 8843, simulcast RFC 8853).
//  - publish: the client offers, createAnswer() answers as an ICE-lite, DTLS-passive receiver.
//  - subscribe: createSubscribeOffer() offers our outgoing tracks, applySubscribeAnswer() reads
//    the client's answer.
// Results are structured (NegotiatedMedia per m-line) for the transport and the room.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sfu/sdp/capabilities.h"
#include "sfu/sdp/session_description.h"

namespace sfu::sdp {

struct HostAddress {
  std::string ip;         // announced address (IPv4 or IPv6)
  uint16_t udp_port = 0;  // 0: no UDP candidate
  uint16_t tcp_port = 0;  // 0: no ICE-TCP candidate (RFC 6544 passive)
};

// Our side of the transport: one ICE/DTLS transport for the whole bundle.
struct LocalTransport {
  std::string ice_ufrag;
  std::string ice_pwd;
  Fingerprint fingerprint;  // {"sha-256", "AB:CD:..."}
  std::vector<HostAddress> addresses;
  std::string session_id = "1";  // o= session id (decimal), stable per PeerConnection
  uint64_t session_version = 1;  // o= version, bumped on each re-offer
};

// Host candidates: UDP (type preference 126) then TCP passive (90, below UDP as browsers do).
std::vector<Candidate> hostCandidates(const std::vector<HostAddress>& addresses);

// Header extension ids negotiated for one m-line (0 = not negotiated).
struct ExtensionIds {
  int mid = 0;
  int rid = 0;
  int repaired_rid = 0;
  int abs_send_time = 0;
  int transport_cc = 0;
  int audio_level = 0;
  int video_orientation = 0;
  int playout_delay = 0;
  bool operator==(const ExtensionIds&) const = default;
};

struct NegotiatedCodec {
  int pt = 0;
  std::string name;
  uint32_t clock_rate = 0;
  uint16_t channels = 0;
  std::string fmtp;
  std::vector<std::string> rtcp_fb;
  std::optional<int> rtx_pt;
  bool operator==(const NegotiatedCodec&) const = default;
};

struct NegotiatedMedia {
  std::string mid;
  std::string kind;  // audio | video | application
  bool rejected = false;
  Direction direction = Direction::kInactive;  // our direction for this m-line
  std::vector<NegotiatedCodec> codecs;         // preferred first; payload types as negotiated
  std::vector<Extmap> extensions;
  ExtensionIds ext_ids;
  std::vector<SimulcastFormat> rids;  // the sender's simulcast layers in order (empty: none)
  std::vector<uint32_t> ssrcs;        // the sender's media SSRCs when signalled
  std::vector<std::pair<uint32_t, uint32_t>> rtx_ssrcs;  // FID groups: media → rtx
  std::optional<Msid> msid;
  bool rtcp_rsize = false;
  // Data channel m-line.
  bool data_channel = false;
  uint16_t remote_sctp_port = 5000;
  uint32_t remote_max_message_size = 65536;  // RFC 8841 §6: default when absent
};

struct RemoteTransport {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::vector<Fingerprint> fingerprints;
  bool dtls_client = true;  // the remote side starts the DTLS handshake (we are passive)
  std::vector<Candidate> candidates;
  bool ice_lite = false;
};

struct AnswerOptions {
  // false (publish PC): we only receive, sendrecv offers get recvonly. true (echo): sendrecv.
  bool allow_send = false;
  bool accept_simulcast = true;
  // Reorder accepted video codecs by this name list (e.g. {"VP8","H264"}); empty keeps the
  // offerer's order.
  std::vector<std::string> video_codec_preference;
};

struct AnswerResult {
  bool ok = false;
  std::string error;
  SessionDescription answer;
  std::vector<NegotiatedMedia> media;  // one per m-line, offer order
  RemoteTransport remote;
};

AnswerResult createAnswer(const SessionDescription& offer, const Capabilities& caps,
                          const LocalTransport& local, const AnswerOptions& options = {});

// --- subscribe (server offers) ---

struct OutgoingTrack {
  enum class State : uint8_t {
    kActive,    // sendonly with msid and SSRCs
    kInactive,  // kept in the bundle, a=inactive, no SSRCs (slot free for reuse, same mid)
    kStopped,   // port 0 (JSEP §5.2.2: a recycled mid is never reused by this m-line)
  };
  std::string mid;
  std::string kind;  // audio | video | application (data channel)
  State state = State::kActive;
  std::string stream_id;  // msid stream id (the publisher's user id, or "<user>:screen")
  std::string track_id;
  std::string cname;
  uint32_t ssrc = 0;
  uint32_t rtx_ssrc = 0;                // 0: no RTX
  std::vector<NegotiatedCodec> codecs;  // empty: all capabilities of the kind
};

struct SubscribeOfferResult {
  SessionDescription offer;
  std::vector<NegotiatedMedia> media;  // what we offered, per m-line
};

SubscribeOfferResult createSubscribeOffer(const std::vector<OutgoingTrack>& tracks,
                                          const Capabilities& caps, const LocalTransport& local);

// Reads the client's answer to our subscribe offer: codecs it accepted (our payload types), its
// extension ids, its ICE/DTLS parameters. ok=false when the answer does not match the offer.
AnswerResult applySubscribeAnswer(const SessionDescription& offer,
                                  const SessionDescription& answer);

// Codecs of a kind from the capabilities with their preferred payload types.
std::vector<NegotiatedCodec> capabilityCodecs(const Capabilities& caps, std::string_view kind);

}  // namespace sfu::sdp
