// One track a participant publishes (one m-line of its publish PC): its incoming RTP streams
// (one per simulcast layer, each with an optional RTX repair stream), their reception state
// (NACK generator, statistics, the publisher's last SR) and the subscribers it fans out to.
//
//   publish transport → Participant (SSRC → track, layer) → PublishedTrack::onRtp
//        → layer's PacketStore (one copy, for NACKs of every subscriber)
//        → for each DownTrack subscribed: DownTrack::forward (copy, rewrite, send)
//
// The packet is parsed once here (codec descriptor, keyframe, audio level) and handed to every
// subscriber as a PacketInfo, so per-subscriber work is the copy and the rewrite only. It is also
// stored once per layer, as received (after RTX unwrap, before any per-subscriber rewrite): a
// subscriber's NACK is answered by rewriting that copy again with what its DownTrack logged when
// it first sent it, so no subscriber keeps packet copies of its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rtp/codecs/vp8.h"
#include "rtp/rtp/extension_map.h"
#include "rtp/rtp/rtp_packet.h"
#include "rtp/stream/nack_generator.h"
#include "rtp/stream/packet_store.h"
#include "sfu/room/receive_stats.h"
#include "sfu/sdp/negotiation.h"

namespace sfu::room {

struct RoomConfig;
class DownTrack;
class Participant;

inline constexpr size_t kMaxLayers = 3;

enum class Source : uint8_t { kMicrophone, kCamera, kScreen, kScreenAudio };
std::string_view toString(Source s);
std::optional<Source> parseSource(std::string_view s);

enum class CodecType : uint8_t { kOther, kOpus, kVp8, kVp9, kH264, kAv1, kRed };
CodecType codecType(std::string_view name);

// What the one parse of an incoming packet found, shared by every subscriber.
struct PacketInfo {
  size_t layer = 0;
  int64_t now_us = 0;
  CodecType codec = CodecType::kOther;
  bool keyframe = false;  // first packet of a key frame
  bool has_vp8 = false;
  rtp::codecs::Vp8Descriptor vp8;
  bool retransmission = false;  // recovered from the publisher's RTX stream
};

// The header of one incoming packet as subscribers send it: extension ids translated to theirs,
// dropped elements turned into padding. Every subscriber that negotiated the same ids (in
// practice all of them: they run the same client) sends the same bytes apart from SSRC, seq,
// timestamp, payload type and the per-hop transport fields. So the first of them to forward the
// packet fills this in and the others copy it, instead of each walking the extension block three
// times (rewrite, transport-cc, abs-send-time). PublishedTrack keeps one per packet on its stack.
struct HeaderTemplate {
  static constexpr size_t kMaxSize = 128;  // larger headers (rare) take the general path
  // Who may use it: the subscriber's translation of ids 1..14, then its transport-cc and
  // abs-send-time ids. A one-byte block can only carry ids 1..14, so equal keys mean equal bytes.
  // Subscribers hold the key's number in their track's table (PublishedTrack::templateKeyId), a
  // byte of their per-packet state instead of the key's sixteen.
  using Key = std::array<uint8_t, 16>;
  static constexpr uint8_t kNoKey = 0xFF;  // a subscriber whose ids need the general path
  // kUnusable: this packet's header does not fit a template (two-byte form, over kMaxSize), so
  // every subscriber takes the general path.
  enum class State : uint8_t { kEmpty, kFilled, kUnusable };
  State state = State::kEmpty;
  uint8_t key_id = kNoKey;
  uint16_t size = 0;             // fixed header, CSRCs and extension block
  uint16_t twcc_offset = 0;      // of the transport-wide seq value; 0: none to stamp
  uint16_t abs_send_offset = 0;  // of the abs-send-time value; 0: none to stamp
  std::array<uint8_t, kMaxSize> bytes;
};

struct IncomingLayer {
  std::string rid;  // empty without simulcast
  uint32_t ssrc = 0;
  uint32_t rtx_ssrc = 0;
  rtp::stream::NackGenerator nack;
  rtp::stream::PacketStore history;  // by the publisher's seq, answers subscribers' NACKs
  ReceiveStats stats;
  int64_t last_pli_us = INT64_MIN / 2;
  int64_t last_keyframe_us = -1;
  uint64_t keyframes = 0;
  uint64_t plis_sent = 0;
  uint64_t nacks_sent = 0;
  // The publisher's last sender report for this SSRC (RFC 3550 §6.4.1).
  bool has_sr = false;
  uint64_t sr_ntp = 0;
  uint32_t sr_rtp = 0;
  int64_t sr_arrival_us = 0;

  IncomingLayer(const rtp::stream::NackGeneratorConfig& c, const rtp::stream::PacketStoreConfig& s)
      : nack(c), history(s) {}
};

class PublishedTrack {
 public:
  PublishedTrack(Participant& owner, const sdp::NegotiatedMedia& media, Source source,
                 std::string track_id, const RoomConfig& config);
  ~PublishedTrack();
  PublishedTrack(const PublishedTrack&) = delete;
  PublishedTrack& operator=(const PublishedTrack&) = delete;

  Participant& owner() { return owner_; }
  const Participant& owner() const { return owner_; }
  const std::string& mid() const { return mid_; }
  const std::string& kind() const { return kind_; }
  bool isVideo() const { return kind_ == "video"; }
  bool isAudio() const { return kind_ == "audio"; }
  Source source() const { return source_; }
  const std::string& trackId() const { return track_id_; }
  // msid stream id subscribers see: the user id, or "<user>:screen" for screen sources.
  const std::string& streamId() const { return stream_id_; }
  const std::vector<sdp::NegotiatedCodec>& codecs() const { return codecs_; }
  const rtp::ExtensionMap& extensions() const { return extensions_; }
  bool nackEnabled() const { return nack_enabled_; }

  // Payload types: the codec of a media pt (nullptr if not negotiated), the media pt an RTX pt
  // repairs (-1 if pt is not RTX).
  const sdp::NegotiatedCodec* codecFor(uint8_t pt) const;
  int aptOf(uint8_t pt) const { return apt_[pt & 0x7F]; }
  uint32_t clockRate() const { return clock_rate_; }

  size_t layerCount() const { return layers_.size(); }
  IncomingLayer& layer(size_t i) { return layers_[i]; }
  const IncomingLayer& layer(size_t i) const { return layers_[i]; }
  // What arrived on a layer lately, for rebuilding retransmissions (see the top of this file).
  const rtp::stream::PacketStore& history(size_t i) const { return layers_[i].history; }
  // Layer index for a rid (layers are ordered lowest quality first); -1 when unknown.
  int layerForRid(std::string_view rid) const;
  // A layer whose packets arrived within the configured timeout.
  bool layerActive(size_t i, int64_t now_us) const;
  // Highest active layer ≤ max_layer whose bitrate fits budget_bps (0: unlimited); else the
  // lowest active one; -1 when none is active.
  int bestLayer(int64_t now_us, int max_layer, uint64_t budget_bps) const;
  uint64_t bitrate(int64_t now_us) const;

  // The packet path: a parsed media packet of `layer` (RTX already unwrapped). Stored in the
  // layer's history when anyone subscribes, then forwarded.
  void onRtp(rtp::RtpPacket& packet, size_t layer, bool retransmission, int64_t now_us);
  // The publisher's SR for one of our SSRCs.
  void onSenderReport(size_t layer, uint64_t ntp, uint32_t rtp_ts, int64_t now_us);

  // Asks the publisher for a key frame on a layer (PLI), at most once per throttle window unless
  // forced. False when throttled or the layer's SSRC is not known yet.
  bool requestKeyframe(size_t layer, int64_t now_us);

  void addSubscriber(DownTrack* d);
  void removeSubscriber(DownTrack* d);
  // Which layers a subscriber would do anything with now (bit i = layer i; DownTrack::gateMask).
  // onRtp calls forward() only for those, so a packet of a layer nobody takes touches no
  // subscriber state and is not stored for NACKs. DownTrack keeps it current.
  void setGate(const DownTrack* d, uint32_t mask);
  // The number of a HeaderTemplate key in this track's table (added when new), or
  // HeaderTemplate::kNoKey once the table holds kNoKey keys. Subscribers differ in their ids only
  // when their clients do, so the table stays a few entries long.
  uint8_t templateKeyId(const HeaderTemplate::Key& key);
  const std::vector<DownTrack*>& subscribers() const { return subscribers_; }

  // Publisher layer guidance (dynacast): `needed` is the highest layer any subscriber may take
  // now. Returns the new announced top layer when it changes: at once when more is needed, after
  // `delay_us` of needing less (so a preference flip does not toggle the encoder). Starts at the
  // top (the publisher sends every layer it offered).
  std::optional<int> updateGuidance(int needed, int64_t now_us, int64_t delay_us);
  int guidanceLayer() const { return guidance_; }

  // Smoothed loudness (127 - dBov, 0 = silence) from ssrc-audio-level; updated by tickSpeaker.
  double loudness() const { return loudness_; }
  void tickSpeaker();

 private:
  Participant& owner_;
  const RoomConfig& config_;
  std::string mid_;
  std::string kind_;
  Source source_;
  std::string track_id_;
  std::string stream_id_;
  std::vector<sdp::NegotiatedCodec> codecs_;
  std::array<int16_t, 128> codec_index_{};   // pt → index into codecs_, -1 when none
  std::array<CodecType, 128> codec_type_{};  // pt → its codec, read per packet (no name compare)
  std::array<int16_t, 128> apt_{};           // rtx pt → media pt, -1 when not RTX
  uint32_t clock_rate_ = 90000;
  rtp::ExtensionMap extensions_;
  uint8_t audio_level_id_ = 0;
  bool nack_enabled_ = false;
  std::vector<IncomingLayer> layers_;
  std::vector<DownTrack*> subscribers_;
  std::vector<uint32_t> gates_;                     // parallel to subscribers_
  std::vector<HeaderTemplate::Key> template_keys_;  // index: the key's number
  // Audio level accumulation between speaker ticks.
  uint32_t level_sum_ = 0;
  uint32_t level_count_ = 0;
  double loudness_ = 0;
  // Dynacast.
  int guidance_ = -1;  // -1: not set yet (top)
  int64_t guidance_lower_since_us_ = -1;
};

}  // namespace sfu::room
