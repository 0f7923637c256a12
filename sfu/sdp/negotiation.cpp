#include "sfu/sdp/negotiation.h"

#include <algorithm>

#include "sfu/sdp/negotiation_detail.h"
#include "sfu/sdp/text_util.h"

namespace sfu::sdp {
namespace detail {

ExtensionIds extensionIds(const std::vector<Extmap>& extmaps) {
  ExtensionIds ids;
  for (const auto& e : extmaps) {
    if (e.uri == ext_uri::kMid) ids.mid = e.id;
    if (e.uri == ext_uri::kRid) ids.rid = e.id;
    if (e.uri == ext_uri::kRepairedRid) ids.repaired_rid = e.id;
    if (e.uri == ext_uri::kAbsSendTime) ids.abs_send_time = e.id;
    if (e.uri == ext_uri::kTransportCc) ids.transport_cc = e.id;
    if (e.uri == ext_uri::kAudioLevel) ids.audio_level = e.id;
    if (e.uri == ext_uri::kVideoOrientation) ids.video_orientation = e.id;
    if (e.uri == ext_uri::kPlayoutDelay) ids.playout_delay = e.id;
  }
  return ids;
}

RemoteTransport remoteTransport(const SessionDescription& sdp, const MediaSection& m) {
  RemoteTransport t;
  t.ice_ufrag = sdp.iceUfrag(m);
  t.ice_pwd = sdp.icePwd(m);
  t.fingerprints = sdp.fingerprintsOf(m);
  t.candidates = m.candidates;
  t.ice_lite = sdp.ice_lite;
  return t;
}

void applyLocalTransport(MediaSection& m, const LocalTransport& local, Setup setup,
                         const std::vector<Candidate>& candidates) {
  m.ice_ufrag = local.ice_ufrag;
  m.ice_pwd = local.ice_pwd;
  m.fingerprints = {local.fingerprint};
  m.setup = setup;
  m.candidates = candidates;
  m.end_of_candidates = true;  // ICE-lite: all our candidates are in the SDP (RFC 8838 §8.2)
  m.port = 9;
  m.connection = "IN IP4 0.0.0.0";
  for (const auto& a : local.addresses) {
    if (a.udp_port == 0) continue;
    m.port = a.udp_port;
    const bool v6 = a.ip.find(':') != std::string::npos;
    m.connection = std::string(v6 ? "IN IP6 " : "IN IP4 ") + a.ip;
    break;
  }
}

void readSenderInfo(const MediaSection& m, NegotiatedMedia& out) {
  std::vector<uint32_t> repair;
  for (const auto& g : m.ssrc_groups) {
    if (g.semantics == "FID" && g.ssrcs.size() == 2) {
      out.rtx_ssrcs.emplace_back(g.ssrcs[0], g.ssrcs[1]);
      repair.push_back(g.ssrcs[1]);
    }
  }
  for (const auto& s : m.ssrcs) {
    if (std::find(repair.begin(), repair.end(), s.ssrc) == repair.end()) {
      out.ssrcs.push_back(s.ssrc);
    }
  }
  if (!m.msids.empty()) {
    out.msid = m.msids.front();
  } else {
    for (const auto& s : m.ssrcs) {
      if (auto v = s.get("msid")) {
        auto p = text::splitOnce(*v, ' ');
        out.msid = Msid{std::string(p.first), std::string(p.second)};
        break;
      }
    }
  }
}

std::vector<Codec> toSdpCodecs(const std::vector<NegotiatedCodec>& codecs) {
  std::vector<Codec> out;
  for (const auto& c : codecs) {
    out.push_back(Codec{c.pt, c.name, c.clock_rate, c.channels, c.fmtp, c.rtcp_fb});
    if (c.rtx_pt) {
      out.push_back(Codec{*c.rtx_pt, "rtx", c.clock_rate, 0, "apt=" + std::to_string(c.pt), {}});
    }
  }
  return out;
}

}  // namespace detail

namespace {

std::optional<int> findRtx(const MediaSection& m, int apt) {
  for (const auto& c : m.codecs) {
    if (!text::iequals(c.name, "rtx")) continue;
    auto a = fmtpParam(c.fmtp, "apt");
    if (a && text::toNumber<int>(*a) == apt) return c.pt;
  }
  return std::nullopt;
}

std::vector<NegotiatedCodec> intersectCodecs(const MediaSection& m, const Capabilities& caps,
                                             const AnswerOptions& options) {
  std::vector<NegotiatedCodec> out;
  for (const auto& c : m.codecs) {
    if (text::iequals(c.name, "rtx")) continue;
    const CodecCapability* cap = caps.match(m.kind, c);
    if (cap == nullptr) continue;
    NegotiatedCodec n;
    n.pt = c.pt;  // JSEP §5.3.1: the answer keeps the offerer's payload types
    n.name = c.name;
    n.clock_rate = c.clock_rate;
    n.channels = c.channels;
    // Audio: our receive preferences (e.g. Opus FEC). Video: the offerer's parameters, which
    // matched ours on what matters (H264 profile + packetization-mode, VP9/AV1 profile).
    n.fmtp = m.kind == "audio" ? cap->fmtp : c.fmtp;
    for (const auto& fb : c.rtcp_fb) {
      if (std::find(cap->rtcp_fb.begin(), cap->rtcp_fb.end(), fb) != cap->rtcp_fb.end()) {
        n.rtcp_fb.push_back(fb);
      }
    }
    if (cap->preferred_rtx_pt >= 0) n.rtx_pt = findRtx(m, c.pt);
    out.push_back(std::move(n));
  }
  if (m.kind == "video" && !options.video_codec_preference.empty()) {
    auto rank = [&](const NegotiatedCodec& c) {
      for (size_t i = 0; i < options.video_codec_preference.size(); ++i) {
        if (text::iequals(options.video_codec_preference[i], c.name)) return i;
      }
      return options.video_codec_preference.size();
    };
    std::stable_sort(out.begin(), out.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  }
  return out;
}

Direction answerDirection(Direction offered, bool allow_send) {
  if (offered == Direction::kUnspecified) offered = Direction::kSendRecv;
  Direction d = reverse(offered);  // RFC 3264 §6.1
  if (!allow_send) {
    if (d == Direction::kSendRecv) d = Direction::kRecvOnly;
    if (d == Direction::kSendOnly) d = Direction::kInactive;
  }
  return d;
}

bool answerRtp(const MediaSection& m, const Capabilities& caps, const AnswerOptions& options,
               MediaSection& am, NegotiatedMedia& nm) {
  nm.codecs = intersectCodecs(m, caps, options);
  if (nm.codecs.empty()) return false;
  am.codecs = detail::toSdpCodecs(nm.codecs);
  am.syncFormatsFromCodecs();
  for (const auto& e : m.extmaps) {
    if (caps.extension(m.kind, e.uri) == nullptr) continue;
    Extmap ae = e;  // same id (RFC 8285 §6: the answer may not change it)
    ae.direction = reverse(e.direction);
    ae.attributes.clear();
    am.extmaps.push_back(std::move(ae));
  }
  nm.extensions = am.extmaps;
  nm.ext_ids = detail::extensionIds(am.extmaps);
  am.direction = answerDirection(m.direction, options.allow_send);
  nm.direction = am.direction;
  am.rtcp_mux = m.rtcp_mux;
  am.rtcp_rsize = m.rtcp_rsize;
  nm.rtcp_rsize = m.rtcp_rsize;
  // RFC 8853 §5.3: answer a=simulcast:send with recv over the same rids; Chrome also requires the
  // rid header extension to be accepted, so simulcast is only taken together with it.
  if (options.accept_simulcast && m.simulcast && !m.simulcast->send.empty() && nm.ext_ids.rid &&
      am.direction != Direction::kInactive) {
    am.simulcast = Simulcast{{}, m.simulcast->send};
    for (const auto& stream : m.simulcast->send) {
      for (const auto& alt : stream) am.rids.push_back(Rid{alt.rid, RidDirection::kRecv, {}, {}});
      nm.rids.push_back(stream.front());
    }
  }
  detail::readSenderInfo(m, nm);
  return true;
}

bool answerDataChannel(const MediaSection& m, const Capabilities& caps, MediaSection& am,
                       NegotiatedMedia& nm) {
  if (!caps.data_channel || m.formats.empty()) return false;
  nm.data_channel = true;
  nm.direction = Direction::kSendRecv;
  if (m.formats.front() == "webrtc-datachannel") {  // RFC 8841
    am.formats = {"webrtc-datachannel"};
    am.sctp_port = caps.sctp_port;
    am.max_message_size = caps.max_message_size;
    nm.remote_sctp_port = m.sctp_port.value_or(5000);
    nm.remote_max_message_size = m.max_message_size.value_or(65536);
    return true;
  }
  // Legacy draft-ietf-mmusic-sctp-sdp-05: m=application <port> DTLS/SCTP <sctp port> + sctpmap.
  auto port = text::toNumber<uint16_t>(m.formats.front());
  if (!port) return false;
  am.formats = {m.formats.front()};
  am.sctpmap = Sctpmap{*port, "webrtc-datachannel", caps.sctp_streams};
  nm.remote_sctp_port = m.sctpmap ? m.sctpmap->number : *port;
  if (m.max_message_size) nm.remote_max_message_size = *m.max_message_size;
  return true;
}

}  // namespace

std::vector<Candidate> hostCandidates(const std::vector<HostAddress>& addresses) {
  std::vector<Candidate> out;
  uint32_t foundation = 1;
  for (size_t i = 0; i < addresses.size(); ++i) {
    const auto& a = addresses[i];
    const auto local_pref = static_cast<uint32_t>(65535 - std::min<size_t>(i, 65535));
    if (a.udp_port != 0) {
      Candidate c;
      c.foundation = std::to_string(foundation++);
      c.transport = "udp";
      c.priority = candidatePriority(126, local_pref);
      c.address = a.ip;
      c.port = a.udp_port;
      c.type = "host";
      out.push_back(std::move(c));
    }
  }
  for (size_t i = 0; i < addresses.size(); ++i) {
    const auto& a = addresses[i];
    const auto local_pref = static_cast<uint32_t>(65535 - std::min<size_t>(i, 65535));
    if (a.tcp_port != 0) {
      Candidate c;
      c.foundation = std::to_string(foundation++);
      c.transport = "tcp";
      c.priority = candidatePriority(90, local_pref);
      c.address = a.ip;
      c.port = a.tcp_port;
      c.type = "host";
      c.tcptype = "passive";  // RFC 6544 §4.5: we accept connections, never open them
      out.push_back(std::move(c));
    }
  }
  return out;
}

AnswerResult createAnswer(const SessionDescription& offer, const Capabilities& caps,
                          const LocalTransport& local, const AnswerOptions& options) {
  AnswerResult r;
  const MediaSection* first = nullptr;
  for (const auto& m : offer.media) {
    if (m.port != 0) {
      first = &m;
      break;
    }
  }
  if (first == nullptr) {
    r.error = "offer has no active m-line";
    return r;
  }
  r.remote = detail::remoteTransport(offer, *first);
  if (r.remote.ice_ufrag.empty() || r.remote.ice_pwd.empty()) {
    r.error = "offer lacks ice-ufrag/ice-pwd";
    return r;
  }
  if (r.remote.fingerprints.empty()) {
    r.error = "offer lacks a DTLS fingerprint";
    return r;
  }
  // RFC 5763 §5: the answerer to actpass picks; we are passive (DTLS server) unless the offerer
  // insists on being passive itself.
  const Setup remote_setup = offer.setupOf(*first);
  if (remote_setup == Setup::kHoldconn) {
    r.error = "offer has setup:holdconn";
    return r;
  }
  const Setup our_setup = remote_setup == Setup::kPassive ? Setup::kActive : Setup::kPassive;
  r.remote.dtls_client = our_setup == Setup::kPassive;

  SessionDescription& a = r.answer;
  a.origin.session_id = local.session_id;
  a.origin.session_version = std::to_string(local.session_version);
  a.ice_lite = true;  // RFC 8445 §2.5
  a.extmap_allow_mixed = offer.extmap_allow_mixed;
  a.msid_semantic = MsidSemantic{"WMS", {}};
  const auto candidates = hostCandidates(local.addresses);

  for (const auto& m : offer.media) {
    MediaSection am;
    NegotiatedMedia nm;
    am.kind = m.kind;
    am.proto = m.proto;
    am.mid = m.mid;
    nm.mid = m.mid;
    nm.kind = m.kind;
    bool accepted = false;
    if (m.port != 0) {
      if ((m.kind == "audio" || m.kind == "video") && m.isRtp()) {
        accepted = answerRtp(m, caps, options, am, nm);
      } else if (m.isDataChannel()) {
        accepted = answerDataChannel(m, caps, am, nm);
      }
    }
    if (accepted) {
      detail::applyLocalTransport(am, local, our_setup, candidates);
      am.extmap_allow_mixed = m.extmap_allow_mixed;
    } else {
      // JSEP §5.3.1: a rejected m= section keeps its kind/proto, port 0, and stays out of BUNDLE.
      am = MediaSection{};
      am.kind = m.kind;
      am.proto = m.proto;
      am.port = 0;
      am.mid = m.mid;
      if (!m.formats.empty()) am.formats = {m.formats.front()};
      if (m.isRtp() && !m.codecs.empty()) {
        const Codec& c = m.codecs.front();
        am.codecs = {Codec{c.pt, c.name, c.clock_rate, c.channels, {}, {}}};
        am.syncFormatsFromCodecs();
      }
      am.connection = "IN IP4 0.0.0.0";
      if (m.isRtp()) am.direction = Direction::kInactive;
      nm = NegotiatedMedia{};
      nm.mid = m.mid;
      nm.kind = m.kind;
      nm.rejected = true;
    }
    a.media.push_back(std::move(am));
    r.media.push_back(std::move(nm));
  }

  if (const Group* bundle = offer.findGroup("BUNDLE")) {
    Group g{"BUNDLE", {}};
    for (const auto& mid : bundle->mids) {
      for (const auto& nm : r.media) {
        if (nm.mid == mid && !nm.rejected) g.mids.push_back(mid);
      }
    }
    if (!g.mids.empty()) a.groups.push_back(std::move(g));
  }
  r.ok = true;
  return r;
}

}  // namespace sfu::sdp
