#include "sfu/room/published_track.h"

#include <algorithm>

#include "rtp/codecs/av1.h"
#include "rtp/codecs/h264.h"
#include "rtp/codecs/vp9.h"
#include "rtp/rtcp/compound_builder.h"
#include "rtp/rtcp/pli.h"
#include "rtp/rtp/header_extensions.h"
#include "sfu/room/down_track.h"
#include "sfu/room/participant.h"
#include "sfu/room/room.h"
#include "sfu/sdp/session_description.h"

namespace sfu::room {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Simulcast layers lowest first. Browsers list rids in the order of their encodings, which
// clients set up low → high (Chrome q;h;f, Firefox l;m;h); well-known names are ranked
// explicitly so an offer listing them high → low still maps correctly.
std::vector<std::string> orderRids(const std::vector<sdp::SimulcastFormat>& rids) {
  std::vector<std::string> out;
  for (const auto& r : rids) out.push_back(r.rid);
  static const std::vector<std::vector<std::string_view>> kNamings = {
      {"q", "h", "f"}, {"l", "m", "h"}, {"low", "mid", "high"}, {"0", "1", "2"}};
  for (const auto& naming : kNamings) {
    auto rank = [&](const std::string& rid) {
      return std::find(naming.begin(), naming.end(), rid) - naming.begin();
    };
    if (std::all_of(out.begin(), out.end(),
                    [&](const std::string& r) { return rank(r) < std::ssize(naming); })) {
      std::stable_sort(out.begin(), out.end(),
                       [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
      break;
    }
  }
  return out;
}

}  // namespace

std::string_view toString(Source s) {
  switch (s) {
    case Source::kMicrophone:
      return "microphone";
    case Source::kCamera:
      return "camera";
    case Source::kScreen:
      return "screen";
    case Source::kScreenAudio:
      return "screen_audio";
  }
  return "camera";
}

std::optional<Source> parseSource(std::string_view s) {
  for (Source v : {Source::kMicrophone, Source::kCamera, Source::kScreen, Source::kScreenAudio}) {
    if (toString(v) == s) return v;
  }
  return std::nullopt;
}

CodecType codecType(std::string_view name) {
  if (iequals(name, "opus")) return CodecType::kOpus;
  if (iequals(name, "VP8")) return CodecType::kVp8;
  if (iequals(name, "VP9")) return CodecType::kVp9;
  if (iequals(name, "H264")) return CodecType::kH264;
  if (iequals(name, "AV1")) return CodecType::kAv1;
  if (iequals(name, "red")) return CodecType::kRed;
  return CodecType::kOther;
}

PublishedTrack::PublishedTrack(Participant& owner, const sdp::NegotiatedMedia& media, Source source,
                               std::string track_id, const RoomConfig& config)
    : owner_(owner),
      config_(config),
      mid_(media.mid),
      kind_(media.kind),
      source_(source),
      track_id_(std::move(track_id)),
      codecs_(media.codecs) {
  stream_id_ = owner.userId();
  if (source == Source::kScreen || source == Source::kScreenAudio) stream_id_ += ":screen";
  codec_index_.fill(-1);
  apt_.fill(-1);
  for (size_t i = 0; i < codecs_.size(); ++i) {
    const auto& c = codecs_[i];
    if (c.pt >= 0 && c.pt < 128) {
      codec_index_[static_cast<size_t>(c.pt)] = static_cast<int16_t>(i);
      codec_type_[static_cast<size_t>(c.pt)] = codecType(c.name);
    }
    if (c.rtx_pt && *c.rtx_pt >= 0 && *c.rtx_pt < 128) {
      apt_[static_cast<size_t>(*c.rtx_pt)] = static_cast<int16_t>(c.pt);
    }
    if (std::find(c.rtcp_fb.begin(), c.rtcp_fb.end(), "nack") != c.rtcp_fb.end()) {
      nack_enabled_ = true;
    }
  }
  if (!codecs_.empty()) clock_rate_ = codecs_.front().clock_rate;
  for (const auto& e : media.extensions) {
    if (e.id > 0 && e.id < 256) extensions_.add(e.uri, static_cast<uint8_t>(e.id));
  }
  audio_level_id_ = extensions_.idOf(rtp::ExtensionType::kAudioLevel);

  rtp::stream::NackGeneratorConfig nack_config;
  // Shared NACK history per layer: index slots for kHistoryMaxAgeMs of packets at any realistic
  // rate (video up to ~1000 packets/s, audio 50-100), arena starting at a few packets and growing
  // with the layer's bitrate × max age (packet_store.h).
  rtp::stream::PacketStoreConfig store_config;
  store_config.slots = isVideo() ? 512 : 64;
  store_config.initial_bytes = isVideo() ? 16 * 1024 : 4 * 1024;
  store_config.max_bytes = config.history_store_max_bytes;
  store_config.max_age_ms = kHistoryMaxAgeMs;
  std::vector<std::string> rids = orderRids(media.rids);
  if (rids.empty()) rids.emplace_back();
  if (rids.size() > kMaxLayers) rids.resize(kMaxLayers);
  layers_.reserve(rids.size());
  for (auto& rid : rids) {
    layers_.emplace_back(nack_config, store_config);
    layers_.back().rid = std::move(rid);
  }
  // Without simulcast the SSRCs usually come in the SDP (a=ssrc, FID group).
  if (media.rids.empty() && !media.ssrcs.empty()) {
    layers_[0].ssrc = media.ssrcs.front();
    for (const auto& [m, r] : media.rtx_ssrcs) {
      if (m == layers_[0].ssrc) layers_[0].rtx_ssrc = r;
    }
  }
}

PublishedTrack::~PublishedTrack() = default;

const sdp::NegotiatedCodec* PublishedTrack::codecFor(uint8_t pt) const {
  const int16_t i = codec_index_[pt & 0x7F];
  return i < 0 ? nullptr : &codecs_[static_cast<size_t>(i)];
}

int PublishedTrack::layerForRid(std::string_view rid) const {
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i].rid == rid) return static_cast<int>(i);
  }
  return -1;
}

bool PublishedTrack::layerActive(size_t i, int64_t now_us) const {
  const int64_t last = layers_[i].stats.lastArrivalUs();
  return last >= 0 && now_us - last <= config_.layer_timeout_ms * 1000;
}

int PublishedTrack::bestLayer(int64_t now_us, int max_layer, uint64_t budget_bps) const {
  int top = static_cast<int>(layers_.size()) - 1;
  if (max_layer >= 0) top = std::min(top, max_layer);
  int lowest_active = -1;
  for (int l = top; l >= 0; --l) {
    if (!layerActive(static_cast<size_t>(l), now_us)) continue;
    lowest_active = l;
    if (budget_bps == 0 || layers_[static_cast<size_t>(l)].stats.bitrate(now_us) <= budget_bps) {
      return l;
    }
  }
  if (lowest_active >= 0) return lowest_active;
  // Everything under the cap is gone: a higher layer is better than nothing.
  for (size_t l = static_cast<size_t>(top + 1); l < layers_.size(); ++l) {
    if (layerActive(l, now_us)) return static_cast<int>(l);
  }
  return -1;
}

std::optional<int> PublishedTrack::updateGuidance(int needed, int64_t now_us, int64_t delay_us) {
  const int top = static_cast<int>(layers_.size()) - 1;
  if (guidance_ < 0) guidance_ = top;
  needed = std::clamp(needed, 0, top);
  if (needed > guidance_) {
    guidance_ = needed;
    guidance_lower_since_us_ = -1;
    return guidance_;
  }
  if (needed == guidance_) {
    guidance_lower_since_us_ = -1;
    return std::nullopt;
  }
  if (guidance_lower_since_us_ < 0) guidance_lower_since_us_ = now_us;
  if (now_us - guidance_lower_since_us_ < delay_us) return std::nullopt;
  guidance_ = needed;
  guidance_lower_since_us_ = -1;
  return guidance_;
}

uint64_t PublishedTrack::bitrate(int64_t now_us) const {
  uint64_t sum = 0;
  for (const auto& l : layers_) sum += l.stats.bitrate(now_us);
  return sum;
}

void PublishedTrack::onRtp(rtp::RtpPacket& packet, size_t layer_index, bool retransmission,
                           int64_t now_us) {
  IncomingLayer& layer = layers_[layer_index];
  const uint16_t seq = packet.sequenceNumber();
  layer.history.prefetchInsert(seq);  // inserted below, after the NACK and receive bookkeeping
  if (nack_enabled_) layer.nack.onPacket(seq, now_us / 1000);
  layer.stats.onPacket(seq, packet.timestamp(), now_us, clock_rate_, packet.size(), retransmission);

  PacketInfo info;
  info.layer = layer_index;
  info.now_us = now_us;
  info.retransmission = retransmission;
  const uint8_t pt = packet.payloadType();
  // Not a negotiated payload type: nothing a receiver can decode.
  if (codec_index_[pt & 0x7F] < 0) return;
  info.codec = codec_type_[pt & 0x7F];
  const auto payload = std::span<const uint8_t>(packet.payload());
  switch (info.codec) {
    case CodecType::kVp8:
      if (auto d = rtp::codecs::parseVp8(payload)) {
        info.has_vp8 = true;
        info.vp8 = *d;
        info.keyframe = d->keyframe;
      }
      break;
    case CodecType::kVp9:
      if (auto d = rtp::codecs::parseVp9(payload)) info.keyframe = d->keyframe;
      break;
    case CodecType::kH264:
      if (auto d = rtp::codecs::parseH264(payload)) info.keyframe = d->keyframe;
      break;
    case CodecType::kAv1:
      if (auto d = rtp::codecs::parseAv1(payload)) info.keyframe = d->keyframe;
      break;
    default:
      break;
  }
  if (info.keyframe) {
    layer.last_keyframe_us = now_us;
    ++layer.keyframes;
  }
  if (audio_level_id_ != 0 && packet.hasExtension()) {
    if (auto v = rtp::findExtension(std::as_const(packet), audio_level_id_)) {
      if (auto level = rtp::ext::readAudioLevel(*v)) {
        level_sum_ += 127u - std::min<uint8_t>(level->level, 127);
        ++level_count_;
      }
    }
  }
  static_assert(kMaxLayers <= 32, "a layer is one bit of a gate mask");
  const uint32_t bit = 1u << layer_index;
  bool wanted = false;
  for (const uint32_t g : gates_) wanted |= (g & bit) != 0;
  if (!wanted) return;
  // Software pipeline over the subscribers, whose state is cold at this rate. Each stage reads
  // what the one before loaded: a subscriber's hot lines load three ahead, its log entry and its
  // transport's first lines two ahead, its transport's SRTP state one ahead, while this one
  // rewrites, encrypts and queues. The first three start loading under the history copy.
  const size_t n = subscribers_.size();
  const auto wants = [&](size_t i) { return i < n && (gates_[i] & bit) != 0; };
  for (size_t i = 0; i < 3; ++i) {
    if (wants(i)) subscribers_[i]->prefetch();
  }
  layer.history.insert(seq, {packet.data(), packet.size()}, now_us / 1000);
  if (wants(0)) subscribers_[0]->prefetchEntry();
  if (wants(1)) subscribers_[1]->prefetchEntry();
  if (wants(0)) subscribers_[0]->prefetchCrypto();
  HeaderTemplate header;
  for (size_t i = 0; i < n; ++i) {
    if (wants(i + 3)) subscribers_[i + 3]->prefetch();
    if (wants(i + 2)) subscribers_[i + 2]->prefetchEntry();
    if (wants(i + 1)) subscribers_[i + 1]->prefetchCrypto();
    if (wants(i)) subscribers_[i]->forward(packet, info, header);
  }
}

void PublishedTrack::onSenderReport(size_t layer, uint64_t ntp, uint32_t rtp_ts, int64_t now_us) {
  IncomingLayer& l = layers_[layer];
  l.has_sr = true;
  l.sr_ntp = ntp;
  l.sr_rtp = rtp_ts;
  l.sr_arrival_us = now_us;
}

bool PublishedTrack::requestKeyframe(size_t layer_index, int64_t now_us) {
  if (layer_index >= layers_.size()) return false;
  IncomingLayer& layer = layers_[layer_index];
  if (layer.ssrc == 0) return false;
  // RFC 4585 §3.5.1: feedback is rate limited; several subscribers asking at once (a new joiner,
  // a layer switch, a decoder error) should cost the publisher one key frame, not N.
  if (now_us - layer.last_pli_us < config_.pli_throttle_ms * 1000) return false;
  layer.last_pli_us = now_us;
  ++layer.plis_sent;
  uint8_t buf[64];
  rtp::rtcp::CompoundBuilder b(buf);
  b.add(rtp::rtcp::Pli{owner_.rtcpSsrc(), layer.ssrc});
  owner_.sendPublishRtcp(b.bytes());
  return true;
}

void PublishedTrack::addSubscriber(DownTrack* d) {
  if (std::find(subscribers_.begin(), subscribers_.end(), d) == subscribers_.end()) {
    subscribers_.push_back(d);
    gates_.push_back(d->gateMask());
  }
}

void PublishedTrack::removeSubscriber(DownTrack* d) {
  for (size_t i = 0; i < subscribers_.size(); ++i) {
    if (subscribers_[i] != d) continue;
    subscribers_.erase(subscribers_.begin() + static_cast<std::ptrdiff_t>(i));
    gates_.erase(gates_.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

void PublishedTrack::setGate(const DownTrack* d, uint32_t mask) {
  for (size_t i = 0; i < subscribers_.size(); ++i) {
    if (subscribers_[i] == d) gates_[i] = mask;
  }
}

uint8_t PublishedTrack::templateKeyId(const HeaderTemplate::Key& key) {
  const auto it = std::find(template_keys_.begin(), template_keys_.end(), key);
  if (it != template_keys_.end()) return static_cast<uint8_t>(it - template_keys_.begin());
  if (template_keys_.size() >= HeaderTemplate::kNoKey) return HeaderTemplate::kNoKey;
  template_keys_.push_back(key);
  return static_cast<uint8_t>(template_keys_.size() - 1);
}

void PublishedTrack::tickSpeaker() {
  // Window average (silence while DTX sends nothing), then an exponential smoothing so a cough
  // does not take the floor.
  const double window = level_count_ == 0 ? 0.0 : static_cast<double>(level_sum_) / level_count_;
  loudness_ = 0.6 * loudness_ + 0.4 * window;
  level_sum_ = 0;
  level_count_ = 0;
}

}  // namespace sfu::room
