// The server's offer for a subscribe PeerConnection and the reading of the client's answer.
#include <algorithm>

#include "sfu/sdp/negotiation.h"
#include "sfu/sdp/negotiation_detail.h"
#include "sfu/sdp/text_util.h"

namespace sfu::sdp {

std::vector<NegotiatedCodec> capabilityCodecs(const Capabilities& caps, std::string_view kind) {
  std::vector<NegotiatedCodec> out;
  for (const auto& c : caps.codecs) {
    if (c.kind != kind) continue;
    NegotiatedCodec n{c.preferred_pt, c.name, c.clock_rate, c.channels, c.fmtp, c.rtcp_fb, {}};
    if (c.preferred_rtx_pt >= 0) n.rtx_pt = c.preferred_rtx_pt;
    out.push_back(std::move(n));
  }
  return out;
}

SubscribeOfferResult createSubscribeOffer(const std::vector<OutgoingTrack>& tracks,
                                          const Capabilities& caps, const LocalTransport& local) {
  SubscribeOfferResult r;
  SessionDescription& o = r.offer;
  o.origin.session_id = local.session_id;
  o.origin.session_version = std::to_string(local.session_version);
  o.ice_lite = true;
  o.extmap_allow_mixed = true;
  o.msid_semantic = MsidSemantic{"WMS", {}};
  const auto candidates = hostCandidates(local.addresses);
  Group bundle{"BUNDLE", {}};

  for (const auto& t : tracks) {
    MediaSection m;
    NegotiatedMedia nm;
    m.kind = t.kind;
    m.mid = t.mid;
    nm.mid = t.mid;
    nm.kind = t.kind;
    const bool stopped = t.state == OutgoingTrack::State::kStopped;
    if (t.kind == "application") {
      m.proto = "UDP/DTLS/SCTP";
      m.formats = {"webrtc-datachannel"};
      m.sctp_port = caps.sctp_port;
      m.max_message_size = caps.max_message_size;
      nm.data_channel = true;
      nm.direction = Direction::kSendRecv;
    } else {
      m.proto = "UDP/TLS/RTP/SAVPF";
      nm.codecs = t.codecs.empty() ? capabilityCodecs(caps, t.kind) : t.codecs;
      m.codecs = detail::toSdpCodecs(nm.codecs);
      m.syncFormatsFromCodecs();
      for (const auto& e : caps.extensions) {
        if (e.kind == t.kind && e.in_subscribe_offers) {
          m.extmaps.push_back(Extmap{e.preferred_id, Direction::kUnspecified, e.uri, {}});
        }
      }
      nm.extensions = m.extmaps;
      nm.ext_ids = detail::extensionIds(m.extmaps);
      m.rtcp_mux = true;
      m.rtcp_rsize = true;
      nm.rtcp_rsize = true;
      if (t.state == OutgoingTrack::State::kActive) {
        m.direction = Direction::kSendOnly;
        m.msids.push_back(Msid{t.stream_id, t.track_id});
        nm.msid = m.msids.back();
        const std::string cname = t.cname.empty() ? t.stream_id : t.cname;
        const std::string msid = t.stream_id + " " + t.track_id;
        if (t.rtx_ssrc != 0) {
          m.ssrc_groups.push_back(SsrcGroup{"FID", {t.ssrc, t.rtx_ssrc}});
          nm.rtx_ssrcs.emplace_back(t.ssrc, t.rtx_ssrc);
        }
        for (uint32_t s : {t.ssrc, t.rtx_ssrc}) {
          if (s == 0) continue;
          m.ssrcs.push_back(Ssrc{s, {{"cname", cname}, {"msid", msid}}});
        }
        if (t.ssrc != 0) nm.ssrcs.push_back(t.ssrc);
      } else {
        m.direction = Direction::kInactive;
      }
      nm.direction = m.direction;
    }
    if (stopped) {
      // JSEP §5.2.2: a stopped transceiver's m= section has port 0 and is out of the bundle.
      m.port = 0;
      m.connection = "IN IP4 0.0.0.0";
      m.direction = t.kind == "application" ? Direction::kUnspecified : Direction::kInactive;
      m.ssrcs.clear();
      m.ssrc_groups.clear();
      m.msids.clear();
      nm.rejected = true;
      nm.direction = Direction::kInactive;
    } else {
      detail::applyLocalTransport(m, local, Setup::kActpass, candidates);  // RFC 5763 §5
      bundle.mids.push_back(t.mid);
    }
    o.media.push_back(std::move(m));
    r.media.push_back(std::move(nm));
  }
  if (!bundle.mids.empty()) o.groups.push_back(std::move(bundle));
  return r;
}

AnswerResult applySubscribeAnswer(const SessionDescription& offer,
                                  const SessionDescription& answer) {
  AnswerResult r;
  if (answer.media.size() != offer.media.size()) {
    r.error = "answer has a different number of m-lines than the offer";
    return r;
  }
  const MediaSection* first = nullptr;
  for (size_t i = 0; i < answer.media.size(); ++i) {
    const auto& am = answer.media[i];
    const auto& om = offer.media[i];
    if (am.kind != om.kind || (!am.mid.empty() && am.mid != om.mid)) {
      r.error = "answer m-line " + std::to_string(i) + " does not match the offer";
      return r;
    }
    if (am.port != 0 && first == nullptr) first = &am;
  }
  if (first != nullptr) {
    r.remote = detail::remoteTransport(answer, *first);
    // RFC 5763 §5: the answerer chose; active means it starts the handshake.
    const Setup s = answer.setupOf(*first);
    if (s != Setup::kActive && s != Setup::kPassive) {
      r.error = "answer setup must be active or passive";
      return r;
    }
    r.remote.dtls_client = s == Setup::kActive;
    if (r.remote.ice_ufrag.empty() || r.remote.ice_pwd.empty() || r.remote.fingerprints.empty()) {
      r.error = "answer lacks ICE credentials or fingerprint";
      return r;
    }
  }
  for (size_t i = 0; i < answer.media.size(); ++i) {
    const auto& am = answer.media[i];
    const auto& om = offer.media[i];
    NegotiatedMedia nm;
    nm.mid = om.mid;
    nm.kind = om.kind;
    if (am.port == 0 || om.port == 0) {
      nm.rejected = true;
      r.media.push_back(std::move(nm));
      continue;
    }
    if (om.isDataChannel()) {
      nm.data_channel = true;
      nm.direction = Direction::kSendRecv;
      nm.remote_sctp_port = am.sctp_port.value_or(5000);
      nm.remote_max_message_size = am.max_message_size.value_or(65536);
      r.media.push_back(std::move(nm));
      continue;
    }
    // Codecs the answer kept, in the answer's order, with our payload types.
    for (const auto& ac : am.codecs) {
      if (text::iequals(ac.name, "rtx")) continue;
      const Codec* oc = om.findCodec(ac.pt);
      if (oc == nullptr || !text::iequals(oc->name, ac.name)) continue;
      NegotiatedCodec n{oc->pt, oc->name, oc->clock_rate, oc->channels, ac.fmtp, {}, {}};
      for (const auto& fb : ac.rtcp_fb) {
        if (std::find(oc->rtcp_fb.begin(), oc->rtcp_fb.end(), fb) != oc->rtcp_fb.end()) {
          n.rtcp_fb.push_back(fb);
        }
      }
      for (const auto& rc : am.codecs) {
        auto apt = fmtpParam(rc.fmtp, "apt");
        if (text::iequals(rc.name, "rtx") && apt && text::toNumber<int>(*apt) == ac.pt &&
            om.findCodec(rc.pt) != nullptr) {
          n.rtx_pt = rc.pt;
        }
      }
      nm.codecs.push_back(std::move(n));
    }
    if (nm.codecs.empty()) {
      nm.rejected = true;
      r.media.push_back(std::move(nm));
      continue;
    }
    for (const auto& e : am.extmaps) {
      for (const auto& oe : om.extmaps) {
        if (oe.id == e.id && oe.uri == e.uri) nm.extensions.push_back(e);
      }
    }
    nm.ext_ids = detail::extensionIds(nm.extensions);
    // Our direction: what we offered, narrowed by what the answerer accepted.
    const Direction their =
        am.direction == Direction::kUnspecified ? Direction::kSendRecv : am.direction;
    const bool they_receive = their == Direction::kRecvOnly || their == Direction::kSendRecv;
    nm.direction = (om.direction == Direction::kSendOnly && they_receive) ? Direction::kSendOnly
                                                                          : Direction::kInactive;
    nm.rtcp_rsize = am.rtcp_rsize && om.rtcp_rsize;
    detail::readSenderInfo(om, nm);  // we are the sender: our SSRCs from the offer
    r.media.push_back(std::move(nm));
  }
  r.answer = answer;
  r.ok = true;
  return r;
}

}  // namespace sfu::sdp
