#include "sfu/room/participant.h"

#include <algorithm>
#include <cstring>

#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/compound_parser.h"
#include "rtp/rtcp/fir.h"
#include "rtp/rtcp/nack.h"
#include "rtp/rtcp/ntp_time.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtcp/receiver_report.h"
#include "rtp/rtcp/remb.h"
#include "rtp/rtcp/sdes.h"
#include "rtp/rtcp/sender_report.h"
#include "rtp/rtcp/twcc.h"
#include "rtp/rtp/header_extensions.h"
#include "rtp/stream/rtx.h"
#include "sfu/common/log.h"
#include "sfu/room/room.h"
#include "sfu/sdp/sdp_parser.h"
#include "sfu/sdp/sdp_writer.h"

namespace sfu::room {

namespace {

constexpr std::string_view kRelayLabel = "sfu-relay";
constexpr size_t kRtcpBufferSize = 1200;
constexpr int64_t kDefaultRttMs = 100;

SdpResult fail(std::string error) { return SdpResult{false, {}, std::move(error)}; }

}  // namespace

Participant::Participant(Room& room, std::string user_id, uint32_t rtcp_ssrc)
    : room_(room), user_id_(std::move(user_id)), rtcp_ssrc_(rtcp_ssrc), bwe_(user_id_) {
  ssrcs_.reserve(16);
  // The subscribe PC always carries a data channel m-line (mid "0") for the relay.
  slots_.push_back(Slot{"0", "application", sdp::OutgoingTrack::State::kActive, nullptr, false});
  next_mid_ = 1;
}

Participant::~Participant() {
  // DownTracks unsubscribe from other participants' tracks as they go.
  down_tracks_.clear();
}

void Participant::start() {
  auto& factory = room_.context().transports;
  publish_ = factory.createTransport(*this);
  subscribe_ = factory.createTransport(*this);
}

void Participant::closeTransports() {
  if (publish_) publish_->close();
  if (subscribe_) subscribe_->close();
}

// ---------------------------------------------------------------------------------------------
// Publish PC

SdpResult Participant::publish(const std::string& offer_sdp,
                               const std::vector<TrackSource>& sources,
                               std::vector<PublishedTrack*>& added,
                               std::vector<std::unique_ptr<PublishedTrack>>& removed) {
  auto parsed = sdp::parse(offer_sdp);
  if (!parsed.ok()) return fail("malformed offer: " + std::string(toString(parsed.error.code)));
  sdp::LocalTransport local = publish_->local();
  local.session_version = publish_version_++;
  const auto& caps = room_.context().capabilities;
  auto answer = sdp::createAnswer(*parsed.sdp, caps, local, sdp::AnswerOptions{});
  if (!answer.ok) return fail("cannot answer offer: " + answer.error);
  publish_->setRemote(answer.remote);
  // Payload type → kind for the transport's counters; SCTP starts with DTLS when the offer
  // carried a data channel.
  publish_->setNegotiatedMedia(answer.media);

  // RFC 8843 §9.2: within a bundle an extension id means the same URI on every m-line, so one
  // map serves the whole transport for MID/RID learning and transport-cc.
  publish_ext_.clear();
  for (const auto& m : answer.media) {
    if (m.rejected || m.data_channel) continue;
    for (const auto& e : m.extensions) {
      if (e.id > 0 && e.id < 256 && !publish_ext_.has(rtp::extensionTypeFromUri(e.uri))) {
        publish_ext_.add(e.uri, static_cast<uint8_t>(e.id));
      }
    }
  }
  twcc_in_id_ = publish_ext_.idOf(rtp::ExtensionType::kTransportWideCc);
  if (twcc_in_id_ != 0 && !twcc_) {
    rtp::stream::TwccRecorderConfig tc;
    tc.sender_ssrc = rtcp_ssrc_;
    twcc_ = std::make_unique<rtp::stream::TwccRecorder>(tc);
  }

  for (const auto& m : answer.media) {
    const bool receiving =
        !m.rejected && !m.data_channel && (m.kind == "audio" || m.kind == "video") &&
        (m.direction == sdp::Direction::kRecvOnly || m.direction == sdp::Direction::kSendRecv);
    auto existing = std::find_if(tracks_.begin(), tracks_.end(),
                                 [&](const auto& t) { return t->mid() == m.mid; });
    if (!receiving) {
      if (existing != tracks_.end()) {
        PublishedTrack* gone = existing->get();
        ssrcs_.erase(std::remove_if(ssrcs_.begin(), ssrcs_.end(),
                                    [&](const SsrcEntry& e) { return e.track == gone; }),
                     ssrcs_.end());
        last_hit_ = 0;
        removed.push_back(std::move(*existing));
        tracks_.erase(existing);
      }
      continue;
    }
    if (existing != tracks_.end()) continue;  // unchanged m-line

    std::optional<Source> source;
    for (const auto& s : sources) {
      if (s.mid == m.mid) source = parseSource(s.source);
    }
    if (!source) {
      // DESIGN.md: without a declaration the first video is the camera, later ones screens;
      // likewise the first audio is the microphone.
      const bool video = m.kind == "video";
      const bool first = std::none_of(tracks_.begin(), tracks_.end(),
                                      [&](const auto& t) { return t->kind() == m.kind; });
      source = video ? (first ? Source::kCamera : Source::kScreen)
                     : (first ? Source::kMicrophone : Source::kScreenAudio);
    }
    std::string track_id = m.msid && !m.msid->track_id.empty() && m.msid->track_id != "-"
                               ? m.msid->track_id
                               : m.kind + "-" + m.mid;
    if (std::any_of(tracks_.begin(), tracks_.end(),
                    [&](const auto& t) { return t->trackId() == track_id; })) {
      track_id += "-" + m.mid;
    }
    auto track =
        std::make_unique<PublishedTrack>(*this, m, *source, std::move(track_id), room_.config());
    if (track->layer(0).ssrc != 0) {
      registerSsrc(track->layer(0).ssrc, track.get(), 0, false);
      if (track->layer(0).rtx_ssrc != 0) {
        registerSsrc(track->layer(0).rtx_ssrc, track.get(), 0, true);
      }
    }
    added.push_back(track.get());
    tracks_.push_back(std::move(track));
  }
  return SdpResult{true, sdp::write(answer.answer), {}};
}

void Participant::registerSsrc(uint32_t ssrc, PublishedTrack* track, size_t layer, bool rtx) {
  for (auto& e : ssrcs_) {
    if (e.ssrc == ssrc) {
      e = SsrcEntry{ssrc, track, static_cast<uint8_t>(layer), rtx};
      return;
    }
  }
  ssrcs_.push_back(SsrcEntry{ssrc, track, static_cast<uint8_t>(layer), rtx});
}

const Participant::SsrcEntry* Participant::lookup(uint32_t ssrc) {
  if (last_hit_ < ssrcs_.size() && ssrcs_[last_hit_].ssrc == ssrc) return &ssrcs_[last_hit_];
  for (size_t i = 0; i < ssrcs_.size(); ++i) {
    if (ssrcs_[i].ssrc == ssrc) {
      last_hit_ = i;
      return &ssrcs_[i];
    }
  }
  return nullptr;
}

// RFC 8843 §15 / RFC 8852 §3: an unknown SSRC is bound to its m-line by the MID extension and to
// its simulcast layer by RID, or as that layer's repair stream by repaired-RID (RFC 8852 §3.2).
const Participant::SsrcEntry* Participant::learn(rtp::RtpPacket& packet) {
  const uint8_t mid_id = publish_ext_.idOf(rtp::ExtensionType::kMid);
  if (mid_id == 0 || !packet.hasExtension()) return nullptr;
  const auto& cp = std::as_const(packet);
  auto sdes = [&](rtp::ExtensionType type) -> std::optional<std::string_view> {
    const uint8_t id = publish_ext_.idOf(type);
    if (id == 0) return std::nullopt;
    auto v = rtp::findExtension(cp, id);
    return v ? rtp::ext::readSdesString(*v) : std::nullopt;
  };
  const auto mid = sdes(rtp::ExtensionType::kMid);
  if (!mid) return nullptr;
  PublishedTrack* track = nullptr;
  for (auto& t : tracks_) {
    if (t->mid() == *mid) track = t.get();
  }
  if (track == nullptr) return nullptr;
  const uint32_t ssrc = packet.ssrc();
  int layer = -1;
  bool rtx = false;
  if (auto rrid = sdes(rtp::ExtensionType::kRepairedRid)) {
    layer = track->layerForRid(*rrid);
    rtx = true;
  } else if (auto rid = sdes(rtp::ExtensionType::kRid)) {
    layer = track->layerForRid(*rid);
    rtx = track->aptOf(packet.payloadType()) >= 0;
  } else if (track->layerCount() == 1) {
    layer = 0;
    rtx = track->aptOf(packet.payloadType()) >= 0;
  }
  if (layer < 0) return nullptr;
  IncomingLayer& l = track->layer(static_cast<size_t>(layer));
  (rtx ? l.rtx_ssrc : l.ssrc) = ssrc;
  registerSsrc(ssrc, track, static_cast<size_t>(layer), rtx);
  SFU_LOG_DEBUG("room", "learned ssrc={} user={} mid={} layer={} rtx={}", ssrc, user_id_,
                track->mid(), layer, rtx);
  return lookup(ssrc);
}

void Participant::onTransportRtp(transport::MediaTransport& t, net::PacketBuffer& packet,
                                 int64_t now_us) {
  if (&t != publish_.get()) return;  // subscribers send no media on their subscribe PC
  auto parsed = rtp::RtpPacket::parse(packet.data(), packet.size(), packet.capacity());
  if (!parsed) {
    t.countDrop(transport::TransportDrop::kRtpMalformed);
    return;
  }
  rtp::RtpPacket& p = *parsed;
  if (twcc_ && p.hasExtension()) {
    if (auto v = rtp::findExtension(std::as_const(p), twcc_in_id_)) {
      if (auto seq = rtp::ext::readTransportWideCc(*v)) twcc_->onPacket(*seq, now_us);
    }
  }
  const SsrcEntry* e = lookup(p.ssrc());
  if (e == nullptr) e = learn(p);
  if (e == nullptr) {
    ++rtp_unknown_;
    t.countDrop(transport::TransportDrop::kUnknownSsrc);
    return;
  }
  PublishedTrack* track = e->track;
  const size_t layer = e->layer;
  if (!e->rtx) {
    track->onRtp(p, layer, false, now_us);
    return;
  }
  // RFC 4588 §4: restore the original packet from the repair stream, then treat it as media.
  const uint32_t media_ssrc = track->layer(layer).ssrc;
  const int apt = track->aptOf(p.payloadType());
  if (media_ssrc == 0 || apt < 0) return;
  const auto r = rtp::stream::rtxUnwrap({packet.data(), packet.capacity()}, packet.size(),
                                        media_ssrc, static_cast<uint8_t>(apt));
  if (!r) return;  // padding-only probe
  packet.setSize(r.size);
  auto restored = rtp::RtpPacket::parse(packet.data(), packet.size(), packet.capacity());
  if (restored) track->onRtp(*restored, layer, true, now_us);
}

void Participant::sendPublishRtcp(std::span<const uint8_t> bytes) {
  if (!publish_ || bytes.empty()) return;
  net::PacketBuffer buf = publish_->pool().acquire();
  if (!buf || bytes.size() + transport::kSrtpTailroom > buf.capacity()) return;
  std::memcpy(buf.data(), bytes.data(), bytes.size());
  buf.setSize(bytes.size());
  publish_->sendRtcp(std::move(buf));
}

void Participant::onTransportRtcp(transport::MediaTransport& t, std::span<const uint8_t> compound,
                                  int64_t now_us) {
  if (&t == publish_.get()) {
    onPublishRtcp(compound, now_us);
  } else if (&t == subscribe_.get()) {
    onSubscribeRtcp(compound, now_us);
  }
}

void Participant::onPublishRtcp(std::span<const uint8_t> compound, int64_t now_us) {
  rtp::rtcp::CompoundParser parser(compound, rtp::rtcp::PaddingPolicy::kAnyPacket);
  while (!parser.done()) {
    auto packet = parser.next();
    if (!packet) break;
    if (rtp::rtcp::classify(*packet) != rtp::rtcp::PacketKind::kSenderReport) continue;
    auto sr = rtp::rtcp::SenderReportView::parse(*packet);
    if (!sr) continue;
    const SsrcEntry* e = lookup(sr->ssrc());
    if (e != nullptr && !e->rtx) {
      e->track->onSenderReport(e->layer, sr->ntpTime(), sr->rtpTimestamp(), now_us);
    }
  }
}

DownTrack* Participant::downTrackBySsrc(uint32_t ssrc) {
  for (auto& d : down_tracks_) {
    if (d->ssrc() == ssrc || (d->rtxSsrc() != 0 && d->rtxSsrc() == ssrc)) return d.get();
  }
  return nullptr;
}

void Participant::onSubscribeRtcp(std::span<const uint8_t> compound, int64_t now_us) {
  using rtp::rtcp::PacketKind;
  rtp::rtcp::CompoundParser parser(compound, rtp::rtcp::PaddingPolicy::kAnyPacket);
  int worst_loss = -1;  // highest fraction lost of our streams in this compound (REMB mode)
  auto onBlock = [&](const rtp::rtcp::ReportBlock& block) {
    if (DownTrack* d = downTrackBySsrc(block.ssrc)) {
      d->onReportBlock(block, now_us);
      if (d->rttMs() > 0) rtt_ms_ = d->rttMs();
      worst_loss = std::max<int>(worst_loss, block.fraction_lost);
    }
  };
  while (!parser.done()) {
    auto packet = parser.next();
    if (!packet) break;
    switch (rtp::rtcp::classify(*packet)) {
      case PacketKind::kReceiverReport:
        if (auto rr = rtp::rtcp::ReceiverReportView::parse(*packet)) {
          for (size_t i = 0; i < rr->reportCount(); ++i) onBlock(rr->reportBlock(i));
        }
        break;
      case PacketKind::kSenderReport:
        if (auto sr = rtp::rtcp::SenderReportView::parse(*packet)) {
          for (size_t i = 0; i < sr->reportCount(); ++i) onBlock(sr->reportBlock(i));
        }
        break;
      case PacketKind::kNack:
        if (auto nack = rtp::rtcp::NackView::parse(*packet)) {
          if (DownTrack* d = downTrackBySsrc(nack->mediaSsrc())) {
            uint16_t seqs[256];
            const size_t n = nack->lostSeqs(seqs);
            // Resend a packet at most once per RTT (100 ms until one is measured).
            d->onNack({seqs, n}, now_us, rtt_ms_ > 0 ? rtt_ms_ : kDefaultRttMs);
          }
        }
        break;
      case PacketKind::kPli:
        if (auto pli = rtp::rtcp::PliView::parse(*packet)) {
          if (DownTrack* d = downTrackBySsrc(pli->mediaSsrc())) d->onKeyframeRequest(now_us);
        }
        break;
      case PacketKind::kFir:
        if (auto fir = rtp::rtcp::FirView::parse(*packet)) {
          for (size_t i = 0; i < fir->entryCount(); ++i) {
            if (DownTrack* d = downTrackBySsrc(fir->entry(i).ssrc)) d->onKeyframeRequest(now_us);
          }
        }
        break;
      case PacketKind::kTwcc:
        // draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1: arrivals of what we sent.
        if (auto fb = rtp::rtcp::TwccView::parse(*packet)) bwe_.onTwccFeedback(*fb, now_us);
        break;
      case PacketKind::kRemb:
        // draft-alvestrand-rmcat-remb-03 §2: the receiver's own estimate of the whole session.
        if (auto remb = rtp::rtcp::RembView::parse(*packet))
          bwe_.onRemb(remb->bitrateBps(), now_us);
        break;
      default:
        break;
    }
  }
  if (worst_loss >= 0) bwe_.onReceiverLoss(static_cast<uint8_t>(worst_loss), now_us);
}

void Participant::onTransportConnected(transport::MediaTransport& t) {
  if (&t != subscribe_.get()) return;
  if (relay_stream_ < 0) relay_stream_ = t.openDataChannel(kRelayLabel);
  // Whatever was forwarded before the subscriber could decrypt it is lost: start on a key frame.
  const int64_t now_us = room_.context().clock.nowUs();
  for (auto& d : down_tracks_) {
    if (d->active()) d->onKeyframeRequest(now_us);
  }
}

void Participant::onTransportClosed(transport::MediaTransport& t, std::string_view reason) {
  (void)t;
  room_.onParticipantTransportClosed(*this, reason);  // destroys *this: nothing may follow
}

void Participant::onTransportDataChannelOpen(transport::MediaTransport& t, uint16_t stream_id,
                                             std::string_view label) {
  if (&t == publish_.get()) {
    publish_channels_.push_back(Channel{stream_id, std::string(label)});
  } else if (&t == subscribe_.get() && relay_stream_ < 0) {
    relay_stream_ = stream_id;  // the client opened one on the subscribe PC: use it
  }
}

void Participant::onTransportDataChannelMessage(transport::MediaTransport& t, uint16_t stream_id,
                                                bool binary, std::span<const uint8_t> data) {
  std::string_view label;
  if (&t == publish_.get()) {
    for (const auto& c : publish_channels_) {
      if (c.stream_id == stream_id) label = c.label;
    }
  } else if (&t != subscribe_.get()) {
    return;
  }
  ++data_received_;
  room_.onParticipantData(*this, label, binary, data);
}

void Participant::relayData(const std::string& from, std::string_view label, bool binary,
                            std::span<const uint8_t> data) {
  if (!subscribe_ || !subscribe_->connected()) {
    ++data_dropped_;
    return;
  }
  if (relay_stream_ < 0) relay_stream_ = subscribe_->openDataChannel(kRelayLabel);
  if (relay_stream_ < 0) {
    ++data_dropped_;
    return;
  }
  const auto stream = static_cast<uint16_t>(relay_stream_);
  bool ok;
  if (!binary) {
    // Text: {"from": "<user>", "label": "<sender's channel label>", "data": "<text>"}.
    nlohmann::json j = {
        {"from", from},
        {"label", label},
        {"data", std::string(reinterpret_cast<const char*>(data.data()), data.size())}};
    const std::string text = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ok = subscribe_->sendDataChannelMessage(
        stream, false, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  } else {
    // Binary: [1 byte n][n bytes sender user id][original bytes].
    const size_t n = std::min<size_t>(from.size(), 255);
    std::vector<uint8_t> out;
    out.reserve(1 + n + data.size());
    out.push_back(static_cast<uint8_t>(n));
    out.insert(out.end(), from.begin(), from.begin() + static_cast<std::ptrdiff_t>(n));
    out.insert(out.end(), data.begin(), data.end());
    ok = subscribe_->sendDataChannelMessage(stream, true, out);
  }
  ok ? ++data_relayed_ : ++data_dropped_;
}

// ---------------------------------------------------------------------------------------------
// Subscribe PC

bool Participant::subscribe(PublishedTrack& track) {
  if (&track.owner() == this) return false;
  for (const auto& d : down_tracks_) {
    if (&d->track() == &track) return false;
  }
  const uint32_t ssrc = room_.newSsrc();
  const uint32_t rtx = track.isVideo() ? room_.newSsrc() : 0;
  auto d = std::make_unique<DownTrack>(*this, track, ssrc, rtx, room_.config());
  if (d->offerCodecs().empty()) return false;  // none of its codecs is one we can offer
  applyPreference(*d);
  Slot* slot = nullptr;
  for (auto& s : slots_) {
    if (s.kind == track.kind() && s.down == nullptr && s.reusable) {
      slot = &s;
      break;
    }
  }
  if (slot == nullptr) {
    slots_.push_back(Slot{std::to_string(next_mid_++), track.kind()});
    slot = &slots_.back();
  }
  slot->state = sdp::OutgoingTrack::State::kActive;
  slot->down = d.get();
  slot->reusable = false;
  down_tracks_.push_back(std::move(d));
  return true;
}

bool Participant::unsubscribe(PublishedTrack& track) {
  auto it = std::find_if(down_tracks_.begin(), down_tracks_.end(),
                         [&](const auto& d) { return &d->track() == &track; });
  if (it == down_tracks_.end()) return false;
  for (auto& s : slots_) {
    if (s.down == it->get()) {
      // JSEP §5.2.2: the m-line stays (inactive) and can carry a later track once answered.
      s.down = nullptr;
      s.state = sdp::OutgoingTrack::State::kInactive;
      s.reusable = false;
    }
  }
  down_tracks_.erase(it);
  return true;
}

std::string Participant::buildSubscribeOffer() {
  std::vector<sdp::OutgoingTrack> tracks;
  tracks.reserve(slots_.size());
  for (const auto& s : slots_) {
    sdp::OutgoingTrack t;
    t.mid = s.mid;
    t.kind = s.kind;
    t.state = s.state;
    if (s.down != nullptr) {
      const PublishedTrack& pt = s.down->track();
      t.stream_id = pt.streamId();
      t.track_id = pt.trackId();
      t.cname = pt.owner().userId();
      t.ssrc = s.down->ssrc();
      t.rtx_ssrc = s.down->rtxSsrc();
      t.codecs = s.down->offerCodecs();
    } else if (s.kind != "application") {
      t.state = sdp::OutgoingTrack::State::kInactive;
    }
    tracks.push_back(std::move(t));
  }
  sdp::LocalTransport local = subscribe_->local();
  local.session_version = ++subscribe_version_;
  auto r = sdp::createSubscribeOffer(tracks, room_.context().capabilities, local);
  last_offer_ = std::move(r.offer);
  offer_outstanding_ = true;
  offer_pending_ = false;
  return sdp::write(last_offer_);
}

std::optional<std::string> Participant::requestSubscribeOffer() {
  if (!subscribe_) return std::nullopt;
  if (offer_outstanding_) {
    offer_pending_ = true;  // re-offered after the answer (one offer in flight: no glare)
    return std::nullopt;
  }
  return buildSubscribeOffer();
}

SdpResult Participant::applySubscribeAnswer(const std::string& answer_sdp,
                                            std::optional<std::string>& next_offer) {
  if (!offer_outstanding_) return fail("no subscribe offer outstanding");
  auto parsed = sdp::parse(answer_sdp);
  if (!parsed.ok()) return fail("malformed answer: " + std::string(toString(parsed.error.code)));
  auto r = sdp::applySubscribeAnswer(last_offer_, *parsed.sdp);
  if (!r.ok) return fail("answer does not match the offer: " + r.error);
  if (!subscribe_remote_set_ || r.remote.ice_ufrag != remote_ufrag_ ||
      r.remote.ice_pwd != remote_pwd_) {
    subscribe_->setRemote(r.remote);
    subscribe_remote_set_ = true;
    remote_ufrag_ = r.remote.ice_ufrag;
    remote_pwd_ = r.remote.ice_pwd;
  }
  // Our payload types as the client accepted them, and its SCTP port for the relay channel.
  subscribe_->setNegotiatedMedia(r.media);
  const int64_t now_us = room_.context().clock.nowUs();
  for (const auto& m : r.media) {
    for (auto& s : slots_) {
      if (s.mid != m.mid) continue;
      // Only what this offer carried: a slot changed since waits for the next answer.
      const uint32_t offered = m.ssrcs.empty() ? 0 : m.ssrcs.front();
      if (s.down != nullptr && offered == s.down->ssrc()) {
        if (!m.rejected && m.direction == sdp::Direction::kSendOnly) {
          s.down->configure(m, *subscribe_, now_us);
        } else {
          s.down->deactivate();
        }
      } else if (s.down == nullptr && s.state == sdp::OutgoingTrack::State::kInactive &&
                 offered == 0) {
        s.reusable = true;
      }
    }
  }
  offer_outstanding_ = false;
  if (offer_pending_) next_offer = buildSubscribeOffer();
  return SdpResult{true, {}, {}};
}

void Participant::setPreferences(
    TrackPreference global, const std::vector<std::pair<std::string, TrackPreference>>& per_track) {
  global_pref_ = global;
  track_prefs_ = per_track;
  for (auto& d : down_tracks_) applyPreference(*d);
}

void Participant::setPublisherPreference(const std::string& publisher, std::optional<Source> source,
                                         TrackPreference pref) {
  std::erase_if(publisher_prefs_, [&](const PublisherPreference& e) {
    return e.publisher == publisher && e.source == source;
  });
  publisher_prefs_.push_back({publisher, source, pref});
  for (auto& d : down_tracks_) applyPreference(*d);
}

void Participant::applyPreference(DownTrack& d) const {
  // Most specific wins: global, then per publisher (any source, then that source), then per track.
  TrackPreference p = global_pref_;
  const PublishedTrack& t = d.track();
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& e : publisher_prefs_) {
      if (e.publisher != t.owner().userId() || e.source.has_value() != (pass == 1)) continue;
      if (!e.source || *e.source == t.source()) p = e.pref;
    }
  }
  for (const auto& [id, tp] : track_prefs_) {
    if (id == d.track().trackId()) p = tp;
  }
  d.setPreferences(p.max_layer, p.max_temporal, p.paused);
}

// ---------------------------------------------------------------------------------------------
// Periodic work

void Participant::onTick(int64_t now_us) {
  if (!publish_) return;
  if (subscribe_ && subscribe_->connected() && available_bps_ == 0 && bwe_.active()) {
    bwe_.sendProbes(down_tracks_, now_us, room_.config().tick_ms * 1000);
  }
  uint8_t buf[kRtcpBufferSize];
  rtp::rtcp::CompoundBuilder b(buf);
  for (auto& t : tracks_) {
    if (!t->nackEnabled()) continue;
    for (size_t l = 0; l < t->layerCount(); ++l) {
      IncomingLayer& layer = t->layer(l);
      if (layer.ssrc == 0) continue;
      uint16_t seqs[128];
      const size_t n = layer.nack.onTick(now_us / 1000, rtt_ms_ > 0 ? rtt_ms_ : 0, seqs);
      if (n > 0) {
        // RFC 4585 §6.2.1: generic NACK, PID + bitmask of the 16 following.
        rtp::rtcp::NackItem items[64];
        const size_t k = rtp::rtcp::packNackItems({seqs, n}, items);
        if (b.add(rtp::rtcp::Nack{rtcp_ssrc_, layer.ssrc, {items, k}})) layer.nacks_sent += n;
      }
      if (layer.nack.takeKeyframeRequest()) t->requestKeyframe(l, now_us);
    }
  }
  if (b.size() > 0) sendPublishRtcp(b.bytes());
  if (twcc_ && twcc_->due(now_us)) {
    // The feedback's media SSRC must be one the publisher sends (libwebrtc ignores feedback
    // for SSRCs it does not know): the first media SSRC learned.
    uint32_t media_ssrc = 0;
    for (const auto& e : ssrcs_) {
      if (!e.rtx) {
        media_ssrc = e.ssrc;
        break;
      }
    }
    twcc_->setMediaSsrc(media_ssrc);
    net::PacketBuffer out = publish_->pool().acquire();
    if (out) {
      const size_t n =
          twcc_->buildFeedback(now_us, {out.data(), out.capacity() - transport::kSrtpTailroom});
      if (n > 0) {
        out.setSize(n);
        publish_->sendRtcp(std::move(out));
      }
    }
  }
}

void Participant::onLayerCheck(int64_t now_us) {
  if (available_bps_ == 0 && bwe_.active()) {
    // The subscriber gives congestion feedback: its estimate decides (SubscriberBwe).
    bwe_.setRttMs(rtt_ms_);
    bwe_.allocate(down_tracks_, room_.activeSpeaker(), 0, now_us);
    return;
  }
  uint64_t video_budget = 0;  // unlimited
  if (available_bps_ != 0) {
    uint64_t audio = 0;
    size_t videos = 0;
    for (const auto& d : down_tracks_) {
      if (!d->active()) continue;
      if (d->track().isVideo()) {
        ++videos;
      } else {
        audio += d->track().bitrate(now_us);
      }
    }
    const uint64_t left = available_bps_ > audio ? available_bps_ - audio : 1;
    video_budget = std::max<uint64_t>(1, left / std::max<size_t>(1, videos));
  }
  for (auto& d : down_tracks_) d->updateLayer(now_us, video_budget);
}

void Participant::onReport(int64_t now_us) {
  sendReceiverReports(now_us);
  sendSenderReports(now_us);
  if (subscribe_ && subscribe_->connected() && relay_stream_ < 0) {
    relay_stream_ = subscribe_->openDataChannel(kRelayLabel);
  }
}

void Participant::sendReceiverReports(int64_t now_us) {
  if (!publish_ || tracks_.empty()) return;
  rtp::rtcp::ReportBlock blocks[rtp::rtcp::kMaxCount];
  size_t count = 0;
  uint32_t video_ssrcs[16];
  size_t video_count = 0;
  for (auto& t : tracks_) {
    for (size_t l = 0; l < t->layerCount(); ++l) {
      IncomingLayer& layer = t->layer(l);
      if (layer.ssrc == 0 || !layer.stats.started()) continue;
      if (t->isVideo() && video_count < std::size(video_ssrcs)) {
        video_ssrcs[video_count++] = layer.ssrc;
      }
      if (count == std::size(blocks)) continue;
      rtp::rtcp::ReportBlock rb = layer.stats.makeReportBlock(layer.ssrc);
      if (layer.has_sr) {
        rb.last_sr = rtp::rtcp::compactNtp(layer.sr_ntp);
        rb.delay_since_last_sr = rtp::rtcp::usToCompactNtp(now_us - layer.sr_arrival_us);
      }
      blocks[count++] = rb;
    }
  }
  if (count == 0) return;
  uint8_t buf[kRtcpBufferSize];
  rtp::rtcp::CompoundBuilder b(buf);
  b.add(rtp::rtcp::ReceiverReport{rtcp_ssrc_, {blocks, count}, {}});
  b.add(rtp::rtcp::CnameSdes{rtcp_ssrc_, "sfu"});
  if (twcc_in_id_ == 0 && video_count > 0) {
    // draft-alvestrand-rmcat-remb: without transport-cc feedback the sender's estimate only
    // grows with REMB; Chrome otherwise never enables its top simulcast layer.
    b.add(
        rtp::rtcp::Remb{rtcp_ssrc_, room_.config().publisher_remb_bps, {video_ssrcs, video_count}});
  }
  sendPublishRtcp(b.bytes());
}

void Participant::sendSenderReports(int64_t now_us) {
  if (!subscribe_ || !subscribe_->connected()) return;
  const int64_t offset = room_.context().wallclock_offset_us;
  uint8_t buf[kRtcpBufferSize];
  rtp::rtcp::CompoundBuilder b(buf);
  auto flush = [&] {
    if (b.size() == 0) return;
    net::PacketBuffer out = subscribe_->pool().copy(b.bytes().data(), b.size());
    if (out) subscribe_->sendRtcp(std::move(out));
    b.clear();
  };
  for (auto& d : down_tracks_) {
    if (!d->active()) continue;
    rtp::rtcp::SenderReport sr;
    if (!d->makeSenderReport(now_us, offset, sr)) continue;
    if (!b.add(sr)) {
      flush();
      b.add(sr);
    }
  }
  flush();
}

}  // namespace sfu::room
