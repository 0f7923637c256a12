#include "sfu/room/down_track.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "rtp/common/byte_io.h"
#include "rtp/rtcp/ntp_time.h"
#include "rtp/rtp/extension_map.h"
#include "rtp/stream/rtx.h"
#include "sfu/room/participant.h"
#include "sfu/room/room.h"

namespace sfu::room {

namespace {

constexpr uint8_t kNoPt = 0xFF;
constexpr int64_t kKeyframeRetryUs = 1'000'000;

// Extensions forwarded to subscribers. mid/rid/repaired-rid name the publisher's m-line and
// layer and mean nothing on the subscriber's; transport-cc and abs-send-time are restamped per
// hop (they describe our sending, not the publisher's).
constexpr rtp::ExtensionType kForwardedExtensions[] = {
    rtp::ExtensionType::kAudioLevel,   rtp::ExtensionType::kVideoOrientation,
    rtp::ExtensionType::kPlayoutDelay, rtp::ExtensionType::kTransportWideCc,
    rtp::ExtensionType::kAbsSendTime,
};

}  // namespace

DownTrack::DownTrack(Participant& subscriber, PublishedTrack& track, uint32_t ssrc,
                     uint32_t rtx_ssrc, const RoomConfig& config)
    : track_(track),
      subscriber_(subscriber),
      ssrc_(ssrc),
      sent_log_(track.isVideo() ? config.video_history_packets : config.audio_history_packets,
                kHistoryMaxAgeMs),
      seq_(track.clockRate()),
      config_(config),
      rtx_ssrc_(rtx_ssrc) {
  pt_map_.fill(kNoPt);
  rtx_pt_.fill(kNoPt);
  // Offer the publisher's codecs under our own payload types: every subscribe PC then uses one
  // consistent pt → codec mapping across its bundle, whoever published (RFC 8843 §9.1).
  const sdp::Capabilities& caps = subscriber.room().context().capabilities;
  for (const auto& c : track.codecs()) {
    const sdp::Codec offered{c.pt, c.name, c.clock_rate, c.channels, c.fmtp, c.rtcp_fb};
    const sdp::CodecCapability* cap = caps.match(track.kind(), offered);
    if (cap == nullptr) continue;
    if (std::any_of(offer_codecs_.begin(), offer_codecs_.end(),
                    [&](const auto& o) { return o.pt == cap->preferred_pt; })) {
      continue;
    }
    sdp::NegotiatedCodec n{cap->preferred_pt,
                           cap->name,
                           cap->clock_rate,
                           cap->channels,
                           track.isVideo() ? c.fmtp : cap->fmtp,
                           cap->rtcp_fb,
                           {}};
    if (rtx_ssrc_ != 0 && cap->preferred_rtx_pt >= 0) n.rtx_pt = cap->preferred_rtx_pt;
    offer_codecs_.push_back(std::move(n));
    source_pts_.push_back(static_cast<uint8_t>(c.pt));
  }
  track_.addSubscriber(this);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"  // GCC lays out this class like any other
  static_assert(offsetof(DownTrack, vp8_) + rtp::codecs::Vp8Rewriter::kStateBytes <= kHotBytes,
                "forward()'s per-packet state outgrew the lines prefetch() loads");
#pragma GCC diagnostic pop
}

DownTrack::~DownTrack() { track_.removeSubscriber(this); }

void DownTrack::configure(const sdp::NegotiatedMedia& answered, transport::MediaTransport& out,
                          int64_t now_us) {
  out_ = &out;
  pt_map_.fill(kNoPt);
  rtx_pt_.fill(kNoPt);
  for (const auto& ac : answered.codecs) {
    for (size_t i = 0; i < offer_codecs_.size(); ++i) {
      if (offer_codecs_[i].pt != ac.pt) continue;
      pt_map_[source_pts_[i] & 0x7F] = static_cast<uint8_t>(ac.pt);
      if (rtx_ssrc_ != 0 && ac.rtx_pt) {
        rtx_pt_[static_cast<size_t>(ac.pt) & 0x7F] = static_cast<uint8_t>(*ac.rtx_pt);
      }
    }
  }
  rtp::ExtensionMap theirs;
  for (const auto& e : answered.extensions) {
    if (e.id > 0 && e.id < 256) theirs.add(e.uri, static_cast<uint8_t>(e.id));
  }
  ext_map_ = rtp::makeIdTranslation(track_.extensions(), theirs, kForwardedExtensions);
  twcc_id_ = theirs.idOf(rtp::ExtensionType::kTransportWideCc);
  padding_rtx_pt_ = kNoPt;
  for (const auto& ac : answered.codecs) {
    const uint8_t rtx = rtx_pt_[static_cast<size_t>(ac.pt) & 0x7F];
    if (rtx != kNoPt) {
      padding_rtx_pt_ = rtx;
      break;
    }
  }
  abs_send_time_id_ = theirs.idOf(rtp::ExtensionType::kAbsSendTime);
  template_id_ = HeaderTemplate::kNoKey;
  if (ext_map_.oneByteSafe()) {
    HeaderTemplate::Key key{};
    for (uint8_t id = 1; id <= rtp::kOneByteMaxId; ++id) key[id - 1] = ext_map_[id];
    key[rtp::kOneByteMaxId] = twcc_id_;
    key[rtp::kOneByteMaxId + 1] = abs_send_time_id_;
    template_id_ = track_.templateKeyId(key);
  }
  last_source_pt_ = 0xFF;  // pt_map_ changed: no payload type maps through the cache
  const bool was_active = active_;
  active_ = true;
  if (!was_active) updateLayer(now_us, 0);
  refreshGate();
}

void DownTrack::deactivate() {
  active_ = false;
  refreshGate();
}

void DownTrack::setPreferences(int max_layer, int max_temporal, bool paused) {
  max_layer_ = max_layer;
  max_temporal_ = static_cast<int8_t>(std::clamp(max_temporal, -1, 127));
  paused_ = paused;
  refreshGate();
}

uint32_t DownTrack::gateMask() const {
  if (!active_ || paused_ || bwe_paused_ || out_ == nullptr) return 0;
  if (!track_.isVideo() || (current_layer_ < 0 && target_layer_ < 0)) return ~0u;
  uint32_t mask = 0;
  for (const int l : {current_layer_, target_layer_}) {
    if (l >= 0) mask |= 1u << l;
  }
  return mask;
}

void DownTrack::refreshGate() { track_.setGate(this, gateMask()); }

void DownTrack::updateLayer(int64_t now_us, uint64_t budget_bps) {
  if (!active_ || paused_ || !track_.isVideo()) return;
  if (bwe_paused_) {
    // The allocator paused us and no longer decides (its estimate went away): start afresh.
    bwe_paused_ = false;
    current_layer_ = target_layer_ = -1;
    refreshGate();
  }
  const int best = track_.bestLayer(now_us, max_layer_, budget_bps);
  if (best < 0) return;
  setTarget(best, now_us);
}

void DownTrack::setAllocatedLayer(int layer, int64_t now_us) {
  if (!active_ || !track_.isVideo()) return;
  if (layer < 0) {
    // Paused: nothing is forwarded; the receiver's decoder needs a key frame on resume, so the
    // resumed layer is switched to like a new one.
    bwe_paused_ = true;
    current_layer_ = target_layer_ = -1;
    refreshGate();
    return;
  }
  bwe_paused_ = false;
  setTarget(layer, now_us);
  refreshGate();  // also when the target stayed: the pause may just have ended
}

void DownTrack::setTarget(int layer, int64_t now_us) {
  if (layer != target_layer_) {
    target_layer_ = static_cast<int8_t>(layer);
    if (layer != current_layer_) {
      last_keyframe_request_us_ = now_us;
      track_.requestKeyframe(static_cast<size_t>(layer), now_us);
    }
  } else if (target_layer_ != current_layer_ &&
             now_us - last_keyframe_request_us_ >= kKeyframeRetryUs) {
    // Still waiting for the switch: the PLI or the key frame may have been lost.
    last_keyframe_request_us_ = now_us;
    track_.requestKeyframe(static_cast<size_t>(target_layer_), now_us);
  }
  refreshGate();
}

void DownTrack::switchTo(size_t layer) {
  if (seq_.started()) {
    seq_.switchSource();
    vp8_.switchSource();
    ++layer_switches_;
  }
  current_layer_ = static_cast<int8_t>(layer);
  refreshGate();
}

void DownTrack::stampTransportFields(rtp::RtpPacket& p, int64_t now_us) {
  if (twcc_id_ != 0) {
    if (auto v = rtp::findExtension(p, twcc_id_);
        v && v->size() == rtp::ext::kTransportWideCcSize) {
      rtp::ext::writeTransportWideCc(v->first<rtp::ext::kTransportWideCcSize>(),
                                     subscriber_.bwe().onPacketSent(p.size(), now_us));
    }
  }
  if (abs_send_time_id_ != 0) {
    if (auto v = rtp::findExtension(p, abs_send_time_id_);
        v && v->size() == rtp::ext::kAbsSendTimeSize) {
      rtp::ext::writeAbsSendTime(v->first<rtp::ext::kAbsSendTimeSize>(),
                                 rtp::ext::absSendTimeFromMicros(static_cast<uint64_t>(now_us)));
    }
  }
}

std::optional<rtp::RtpPacket> DownTrack::writePacket(net::PacketBuffer& buf,
                                                     std::span<const uint8_t> source,
                                                     const rtp::stream::SentPacket& sent,
                                                     const rtp::codecs::Vp8Descriptor* vp8,
                                                     size_t reserve) {
  const size_t room = buf.capacity() - transport::kSrtpTailroom;
  if (source.size() + reserve > room) return std::nullopt;
  std::memcpy(buf.data(), source.data(), source.size());
  auto parsed = rtp::RtpPacket::parse(buf.data(), source.size(), room - reserve);
  if (!parsed) return std::nullopt;
  rtp::RtpPacket& p = *parsed;
  if (p.hasExtension()) rtp::rewriteExtensionIds(p, ext_map_);
  if (!writeStreamFields(p.data(), p.payload(), sent, vp8)) return std::nullopt;
  buf.setSize(p.size());
  return p;
}

bool DownTrack::writeStreamFields(uint8_t* header, std::span<uint8_t> payload,
                                  const rtp::stream::SentPacket& sent,
                                  const rtp::codecs::Vp8Descriptor* vp8) const {
  header[1] = static_cast<uint8_t>((header[1] & 0x80) | (sent.payload_type & 0x7F));
  rtp::store16(header + 2, sent.seq);
  rtp::store32(header + 4, sent.timestamp);
  rtp::store32(header + 8, ssrc_);
  if (!sent.has_picture_id && !sent.has_tl0_pic_idx) return true;
  std::optional<rtp::codecs::Vp8Descriptor> parsed_vp8;
  if (vp8 == nullptr) {
    parsed_vp8 = rtp::codecs::parseVp8(payload);
    if (!parsed_vp8) return false;
    vp8 = &*parsed_vp8;
  }
  const rtp::codecs::Vp8Ids ids{sent.has_picture_id, sent.picture_id, sent.has_tl0_pic_idx,
                                sent.tl0_pic_idx};
  return rtp::codecs::setVp8Ids(payload, *vp8, ids);
}

bool DownTrack::useTemplate(const rtp::RtpPacket& in, HeaderTemplate& header) const {
  using State = HeaderTemplate::State;
  if (template_id_ == HeaderTemplate::kNoKey || header.state == State::kUnusable) return false;
  if (header.state == State::kFilled && header.key_id == template_id_) return true;
  const size_t size = in.headerSize();
  if (size > HeaderTemplate::kMaxSize ||
      (in.hasExtension() && in.extensionProfile() != rtp::kOneByteExtensionProfile)) {
    header.state = State::kUnusable;
    return false;
  }
  std::memcpy(header.bytes.data(), in.data(), size);
  header.size = static_cast<uint16_t>(size);
  header.twcc_offset = 0;
  header.abs_send_offset = 0;
  if (in.hasExtension()) {
    const auto at = static_cast<size_t>(in.extensionData().data() - in.data());
    const std::span<uint8_t> block(header.bytes.data() + at, in.extensionData().size());
    rtp::rewriteOneByteIds(block, ext_map_);
    const auto offsetOf = [&](uint8_t id, size_t value_size) -> uint16_t {
      if (id == 0) return 0;
      const auto v = rtp::findOneByteElement(block, id);
      if (!v || v->size() != value_size) return 0;
      return static_cast<uint16_t>(v->data() - header.bytes.data());
    };
    header.twcc_offset = offsetOf(twcc_id_, rtp::ext::kTransportWideCcSize);
    header.abs_send_offset = offsetOf(abs_send_time_id_, rtp::ext::kAbsSendTimeSize);
  }
  header.key_id = template_id_;
  header.state = State::kFilled;
  return true;
}

bool DownTrack::writeFromTemplate(net::PacketBuffer& buf, const rtp::RtpPacket& in,
                                  const rtp::stream::SentPacket& sent, const PacketInfo& info,
                                  const HeaderTemplate& header) {
  const size_t size = in.size();
  if (size > buf.capacity() - transport::kSrtpTailroom) return false;
  uint8_t* b = buf.data();
  std::memcpy(b, header.bytes.data(), header.size);
  std::memcpy(b + header.size, in.data() + header.size, size - header.size);
  if (!writeStreamFields(b, {b + header.size, in.payloadSize()}, sent,
                         info.has_vp8 ? &info.vp8 : nullptr)) {
    return false;
  }
  if (header.twcc_offset != 0) {
    rtp::ext::writeTransportWideCc(std::span<uint8_t, rtp::ext::kTransportWideCcSize>(
                                       b + header.twcc_offset, rtp::ext::kTransportWideCcSize),
                                   subscriber_.bwe().onPacketSent(size, info.now_us));
  }
  if (header.abs_send_offset != 0) {
    rtp::ext::writeAbsSendTime(std::span<uint8_t, rtp::ext::kAbsSendTimeSize>(
                                   b + header.abs_send_offset, rtp::ext::kAbsSendTimeSize),
                               rtp::ext::absSendTimeFromMicros(static_cast<uint64_t>(info.now_us)));
  }
  buf.setSize(size);
  return true;
}

void DownTrack::forward(const rtp::RtpPacket& in, const PacketInfo& info, HeaderTemplate& header) {
  if (!active_ || paused_ || bwe_paused_ || out_ == nullptr) return;
  const int layer = static_cast<int>(info.layer);
  if (track_.isVideo()) {
    if (layer != current_layer_) {
      if (current_layer_ < 0 && target_layer_ < 0) {
        // No layer chosen yet (nothing had arrived at configure time): start with what comes.
        target_layer_ = static_cast<int8_t>(layer);
        refreshGate();
        if (!info.keyframe) {
          last_keyframe_request_us_ = info.now_us;
          track_.requestKeyframe(info.layer, info.now_us);
        }
      }
      // Switch only at a key frame of the target layer (anything else would not decode).
      if (layer != target_layer_ || !info.keyframe) return;
      switchTo(info.layer);
    }
  } else if (current_layer_ != layer) {
    switchTo(info.layer);
  }
  if (in.payloadType() != last_source_pt_) {
    last_source_pt_ = in.payloadType();
    last_out_pt_ = pt_map_[last_source_pt_];
  }
  const uint8_t pt = last_out_pt_;
  if (pt == kNoPt) {
    seq_.skip(in.sequenceNumber());  // a codec this subscriber did not accept
    return;
  }
  if (info.has_vp8 && info.vp8.hasTid && max_temporal_ >= 0 && info.vp8.tid > max_temporal_) {
    // VP8 temporal scalability (RFC 7741 §4.2): frames above the cap are left out; later ones
    // shift down so seq and picture id stay gapless.
    seq_.skip(in.sequenceNumber());
    vp8_.dropPicture(info.vp8);
    return;
  }
  const auto mapped = seq_.rewrite(in.sequenceNumber(), in.timestamp(), info.now_us);
  if (!mapped) return;

  net::PacketBuffer buf = out_->pool().acquire();
  if (!buf) {
    ++packets_dropped_;
    return;
  }
  rtp::stream::SentPacket sent;
  sent.seq = mapped->seq;
  sent.source_seq = in.sequenceNumber();
  sent.source = static_cast<uint8_t>(info.layer);
  sent.timestamp = mapped->ts;
  sent.payload_type = pt;
  if (info.has_vp8) {
    const auto ids = vp8_.map(info.vp8);
    if (!ids) return;  // from before the switch or of a dropped picture
    sent.has_picture_id = ids->hasPictureId;
    sent.picture_id = ids->pictureId;
    sent.has_tl0_pic_idx = ids->hasTl0PicIdx;
    sent.tl0_pic_idx = ids->tl0PicIdx;
  }
  if (useTemplate(in, header)) {
    if (!writeFromTemplate(buf, in, sent, info, header)) {
      ++packets_dropped_;
      return;
    }
  } else {
    auto p = writePacket(buf, {in.data(), in.size()}, sent, info.has_vp8 ? &info.vp8 : nullptr, 0);
    if (!p) {
      ++packets_dropped_;
      return;
    }
    if (p->hasExtension()) stampTransportFields(*p, info.now_us);
  }

  ts_offset_ = mapped->ts - in.timestamp();
  ts_offset_valid_ = true;
  last_out_ts_ = mapped->ts;
  last_sent_us_ = info.now_us;
  sent_log_.record(sent, info.now_us / 1000);
  ++packets_sent_;
  bytes_sent_ += in.payloadSize();
  if (!out_->sendRtp(std::move(buf))) ++packets_dropped_;
}

void DownTrack::onNack(std::span<const uint16_t> seqs, int64_t now_us, int64_t rtt_ms) {
  if (!active_ || out_ == nullptr) return;
  const int64_t now_ms = now_us / 1000;
  for (uint16_t seq : seqs) {
    ++nacks_received_;
    const auto sent = sent_log_.takeForResend(seq, now_ms, rtt_ms);
    if (!sent || sent->source >= track_.layerCount()) continue;
    // The publisher's packet as it arrived, shared by every subscriber; gone when the layer's
    // store had to make room (counted like a packet never sent).
    const auto stored = track_.history(sent->source).find(sent->source_seq, now_ms);
    if (!stored) continue;
    net::PacketBuffer buf = out_->pool().acquire();
    if (!buf) {
      ++packets_dropped_;
      continue;
    }
    auto p = writePacket(buf, *stored, *sent, nullptr, rtp::stream::kRtxOverhead);
    if (!p) {
      ++packets_dropped_;
      continue;
    }
    size_t size = p->size();
    const size_t room = buf.capacity() - transport::kSrtpTailroom;
    // RFC 4588 §4: resend on the repair stream when the subscriber negotiated RTX, else as is.
    const uint8_t rtx_pt = rtx_pt_[sent->payload_type & 0x7F];
    if (rtx_pt != kNoPt) {
      const auto r = rtp::stream::rtxWrap({buf.data(), room}, size, rtx_ssrc_, rtx_pt, rtx_seq_);
      if (!r) continue;
      ++rtx_seq_;
      size = r.size;
    }
    if (auto q = rtp::RtpPacket::parse(buf.data(), size, room); q && q->hasExtension()) {
      stampTransportFields(*q, now_us);
    }
    buf.setSize(size);
    ++retransmitted_;
    out_->countRetransmission();
    if (!out_->sendRtp(std::move(buf))) ++packets_dropped_;
  }
}

bool DownTrack::canCarryPadding() const {
  return active_ && out_ != nullptr && track_.isVideo() && rtx_ssrc_ != 0 &&
         padding_rtx_pt_ != kNoPt && twcc_id_ != 0 && twcc_id_ <= 14 && packets_sent_ > 0;
}

bool DownTrack::sendPadding(size_t padding, int cluster, int64_t now_us) {
  //   0                   1                   2                   3
  //  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
  //  |                           timestamp                           |
  //  |                             SSRC                              |
  //  |      0xBE     |      0xDE     |           length=1            |   RFC 8285 §4.2
  //  |  ID   | L=1   |    transport-wide seq         |       0       |
  //  |                 padding ...               |  padding count    |   RFC 3550 §5.1
  constexpr size_t kHeader = 20;
  if (!canCarryPadding()) return false;
  padding = std::clamp<size_t>(padding, 1, 255);
  net::PacketBuffer buf = out_->pool().acquire();
  if (!buf || kHeader + padding + transport::kSrtpTailroom > buf.capacity()) return false;
  uint8_t* b = buf.data();
  b[0] = 0x80 | 0x20 | 0x10;
  b[1] = padding_rtx_pt_;
  rtp::store16(b + 2, rtx_seq_++);
  rtp::store32(b + 4, last_out_ts_);
  rtp::store32(b + 8, rtx_ssrc_);
  b[12] = 0xBE;
  b[13] = 0xDE;
  rtp::store16(b + 14, 1);
  const size_t size = kHeader + padding;
  b[16] = static_cast<uint8_t>((twcc_id_ << 4) | 1);
  rtp::store16(b + 17, subscriber_.bwe().onPacketSent(size, now_us, cluster));
  b[19] = 0;
  std::memset(b + kHeader, 0, padding - 1);
  b[size - 1] = static_cast<uint8_t>(padding);
  buf.setSize(size);
  ++padding_sent_;
  return out_->sendRtp(std::move(buf));
}

void DownTrack::onKeyframeRequest(int64_t now_us) {
  ++keyframe_requests_;
  const int layer = current_layer_ >= 0 ? current_layer_ : target_layer_;
  if (layer >= 0) track_.requestKeyframe(static_cast<size_t>(layer), now_us);
}

void DownTrack::onReportBlock(const rtp::rtcp::ReportBlock& block, int64_t now_us) {
  remote_ = block;
  has_remote_ = true;
  // RFC 3550 §6.4.1: RTT = arrival - LSR - DLSR; we know when the SR with that LSR left.
  if (block.last_sr != 0 && block.last_sr == last_sr_compact_) {
    const int64_t rtt_us =
        now_us - last_sr_sent_us_ - rtp::rtcp::compactNtpToUs(block.delay_since_last_sr);
    rtt_ms_ = std::max<int64_t>(0, rtt_us / 1000);
  }
}

bool DownTrack::makeSenderReport(int64_t now_us, int64_t wallclock_offset_us,
                                 rtp::rtcp::SenderReport& out) {
  if (packets_sent_ == 0) return false;
  const uint32_t clock = track_.clockRate();
  const size_t layer_index = current_layer_ >= 0 ? static_cast<size_t>(current_layer_) : 0;
  const IncomingLayer& layer = track_.layer(layer_index);
  uint64_t ntp;
  uint32_t rtp_ts;
  if (layer.has_sr && ts_offset_valid_) {
    // RFC 3550 §6.4.1: the publisher's (NTP, RTP) pair moved through our timestamp offset and
    // advanced to now. Audio and video of one publisher share its NTP clock, so receivers can
    // still line them up (lip sync) after the SFU rewrote both.
    const int64_t elapsed = now_us - layer.sr_arrival_us;
    ntp = layer.sr_ntp + static_cast<uint64_t>((static_cast<__int128>(elapsed) << 32) / 1'000'000);
    rtp_ts = layer.sr_rtp + ts_offset_ +
             static_cast<uint32_t>(elapsed * static_cast<int64_t>(clock) / 1'000'000);
  } else {
    ntp = rtp::rtcp::ntpFromUnixUs(now_us + wallclock_offset_us);
    rtp_ts = last_out_ts_ + static_cast<uint32_t>((now_us - last_sent_us_) *
                                                  static_cast<int64_t>(clock) / 1'000'000);
  }
  out.ssrc = ssrc_;
  out.ntp_time = ntp;
  out.rtp_timestamp = rtp_ts;
  out.packet_count = static_cast<uint32_t>(packets_sent_);
  out.octet_count = static_cast<uint32_t>(bytes_sent_);
  last_sr_compact_ = rtp::rtcp::compactNtp(ntp);
  last_sr_sent_us_ = now_us;
  return true;
}

void DownTrack::fillStats(DownTrackStatsSnapshot& out, int64_t now_us) const {
  (void)now_us;
  out.from = track_.owner().userId();
  out.track_id = track_.trackId();
  out.kind = track_.kind();
  out.ssrc = ssrc_;
  out.rtx_ssrc = rtx_ssrc_;
  out.active = active_;
  out.current_layer = current_layer_;
  out.target_layer = target_layer_;
  out.packets_sent = packets_sent_;
  out.bytes_sent = bytes_sent_;
  out.packets_dropped = packets_dropped_;
  out.nacks_received = nacks_received_;
  out.retransmitted = retransmitted_;
  out.keyframe_requests = keyframe_requests_;
  out.layer_switches = layer_switches_;
  out.allocator_paused = bwe_paused_;
  out.padding_sent = padding_sent_;
  out.rtt_ms = rtt_ms_;
  out.has_remote = has_remote_;
  out.remote_fraction_lost = has_remote_ ? remote_.fraction_lost / 256.0 : 0.0;
  out.remote_cumulative_lost = has_remote_ ? remote_.cumulative_lost : 0;
  const uint32_t clock = track_.clockRate();
  out.remote_jitter_ms = has_remote_ && clock != 0 ? remote_.jitter * 1000.0 / clock : 0.0;
}

nlohmann::json DownTrack::stats(int64_t now_us) const {
  DownTrackStatsSnapshot s;
  fillStats(s, now_us);
  return toJson(s);
}

}  // namespace sfu::room
