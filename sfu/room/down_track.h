// One published track as one subscriber receives it: an outgoing RTP stream with its own SSRC
// (and RTX SSRC) on the subscriber's subscribe transport. Owns the state that makes the stream
// look like a single, continuous source to the receiver:
//   - layer selection: the simulcast layer forwarded (current) and the one wanted (target);
//     switches happen only on a key frame of the target layer;
//   - SeqRewriter + Vp8Rewriter: seq, timestamp, picture id, TL0PICIDX continuous across switches
//     and dropped VP8 temporal layers;
//   - payload type and header extension id translation to the subscriber's negotiation;
//   - a SentPacketLog of what was sent (source layer and seq, outgoing seq/ts/pt/VP8 ids): a NACK
//     is answered by rewriting the packet again from the track's shared per-layer PacketStore,
//     byte-identical to the first send apart from the per-hop transport-cc / abs-send-time
//     values, as RTX when negotiated;
//   - SR timing derived from the publisher's SR through the rewritten timestamp offset.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "rtp/codecs/vp8.h"
#include "rtp/rtcp/report_block.h"
#include "rtp/rtcp/sender_report.h"
#include "rtp/rtp/header_extensions.h"
#include "rtp/stream/sent_packet_log.h"
#include "rtp/stream/seq_rewriter.h"
#include "sfu/room/published_track.h"
#include "sfu/room/room_stats.h"
#include "sfu/sdp/negotiation.h"
#include "sfu/transport/media_transport.h"

namespace sfu::room {

struct RoomConfig;

// Line-aligned: forward() reads the first four cache lines of the object for every packet
// (static_assert in down_track.cpp), which prefetch() names.
class alignas(64) DownTrack {
 public:
  DownTrack(Participant& subscriber, PublishedTrack& track, uint32_t ssrc, uint32_t rtx_ssrc,
            const RoomConfig& config);
  ~DownTrack();  // unsubscribes from the track
  DownTrack(const DownTrack&) = delete;
  DownTrack& operator=(const DownTrack&) = delete;

  Participant& subscriber() { return subscriber_; }
  PublishedTrack& track() { return track_; }
  const PublishedTrack& track() const { return track_; }
  uint32_t ssrc() const { return ssrc_; }
  uint32_t rtxSsrc() const { return rtx_ssrc_; }
  // The codecs we offer for this stream: our capability payload types for the publisher's codecs.
  const std::vector<sdp::NegotiatedCodec>& offerCodecs() const { return offer_codecs_; }

  // The subscriber answered our offer for this m-line: payload types it accepted, its extension
  // ids, RTX. Forwarding starts (video: from the next key frame, which is requested).
  void configure(const sdp::NegotiatedMedia& answered, transport::MediaTransport& out,
                 int64_t now_us);
  void deactivate();
  bool active() const { return active_; }

  // Preferences (spatial/temporal caps, pause). -1: no cap.
  void setPreferences(int max_layer, int max_temporal, bool paused);
  int maxLayer() const { return max_layer_; }
  int currentLayer() const { return current_layer_; }
  int targetLayer() const { return target_layer_; }
  bool userPaused() const { return paused_; }
  // Chooses the target layer for the budget; requests a key frame when the target changes.
  void updateLayer(int64_t now_us, uint64_t budget_bps);
  // The bandwidth allocator's choice (SubscriberBwe): a layer, or -1 to pause the stream until
  // a later allocation resumes it (from a key frame). Called every layer check; retries the key
  // frame request while a switch is pending.
  void setAllocatedLayer(int layer, int64_t now_us);
  // -1 while paused by the allocator, else the target layer.
  int allocatedLayer() const { return bwe_paused_ ? -1 : target_layer_; }

  // Probe padding: an RTX padding-only packet (RFC 4588 §4 repair stream, RFC 3550 §5.1 P bit)
  // of `padding` bytes (≤ 255) stamped with the next transport-wide sequence number of the
  // probe `cluster`. Only when RTX and transport-cc (one-byte id) were negotiated.
  bool canCarryPadding() const;
  bool sendPadding(size_t padding, int cluster, int64_t now_us);

  // Packet path (no allocation): copy into a pooled buffer, rewrite, log, send. `header` is the
  // packet's HeaderTemplate, shared by the subscribers forward() is called for in turn.
  void forward(const rtp::RtpPacket& in, const PacketInfo& info, HeaderTemplate& header);

  // Feedback from the subscriber.
  void onNack(std::span<const uint16_t> seqs, int64_t now_us, int64_t rtt_ms);
  void onKeyframeRequest(int64_t now_us);
  void onReportBlock(const rtp::rtcp::ReportBlock& block, int64_t now_us);

  // Fills an SR for this stream at now_us; false when nothing was sent yet.
  bool makeSenderReport(int64_t now_us, int64_t wallclock_offset_us, rtp::rtcp::SenderReport& out);
  int64_t rttMs() const { return rtt_ms_; }

  void fillStats(DownTrackStatsSnapshot& out, int64_t now_us) const;
  nlohmann::json stats(int64_t now_us) const;

  // The layers forward() would do anything with now (bit i = layer i): none while inactive or
  // paused; for video the current and the target layer (any while neither is chosen); for audio
  // every layer. PublishedTrack skips the others without touching this object.
  uint32_t gateMask() const;

  // Starts loading the cache lines forward() reads for every packet (PublishedTrack calls it three
  // subscribers ahead of the one it serves).
  void prefetch() const {
    const auto* self = reinterpret_cast<const char*>(this);
    __builtin_prefetch(self);
    __builtin_prefetch(self + 64);
    __builtin_prefetch(self + 128);
    __builtin_prefetch(self + 192);
  }
  static constexpr size_t kHotBytes = 256;  // what prefetch() loads
  // The log entry the next forwarded packet will fill and the head of the transport it goes out
  // on; reads the log's head, the rewriter's last seq and out_, so call it once prefetch() has had
  // time to bring them in.
  void prefetchEntry() const {
    sent_log_.prefetchSlot(static_cast<uint16_t>(seq_.lastSeq() + 1));
    if (out_ != nullptr) out_->prefetchSendPath();
  }
  // The outbound SRTP state, whose addresses sit in the transport line prefetchEntry() loads: call
  // it a step after that one.
  void prefetchCrypto() const {
    if (out_ != nullptr) out_->prefetchSendCrypto();
  }

 private:
  // Tells the track gateMask() after a change of state it depends on.
  void refreshGate();
  void switchTo(size_t layer);
  void setTarget(int layer, int64_t now_us);
  void stampTransportFields(rtp::RtpPacket& p, int64_t now_us);
  // The one per-subscriber rewrite, shared by forward() and onNack() so a retransmission is the
  // packet first sent: copies a publisher packet into buf and writes this stream's SSRC and the
  // logged seq, timestamp, payload type and VP8 ids, and translates extension ids. Transport
  // fields are left to the caller. `vp8` is the packet's descriptor when known (parsed otherwise);
  // `reserve` bytes must stay free after the packet (RTX). nullopt when it does not fit.
  std::optional<rtp::RtpPacket> writePacket(net::PacketBuffer& buf, std::span<const uint8_t> source,
                                            const rtp::stream::SentPacket& sent,
                                            const rtp::codecs::Vp8Descriptor* vp8, size_t reserve);
  // This stream's SSRC and the logged seq, timestamp, payload type and VP8 ids, written into a
  // copy of a publisher packet (`header` at its first byte). `vp8`: the payload's descriptor when
  // known (parsed otherwise). False when the VP8 ids cannot be written.
  bool writeStreamFields(uint8_t* header, std::span<uint8_t> payload,
                         const rtp::stream::SentPacket& sent,
                         const rtp::codecs::Vp8Descriptor* vp8) const;
  // True when `header` holds this stream's rewritten header of `in`: filled here if it was empty
  // or made for another key. False: `in` or our ids need the general path (writePacket).
  bool useTemplate(const rtp::RtpPacket& in, HeaderTemplate& header) const;
  // writePacket() and the transport fields for forward(), from the template: same bytes.
  bool writeFromTemplate(net::PacketBuffer& buf, const rtp::RtpPacket& in,
                         const rtp::stream::SentPacket& sent, const PacketInfo& info,
                         const HeaderTemplate& header);

  // Member order follows the packet path. Everything forward() reads for every packet sits in
  // the first kHotBytes (the send log's and the rewriters' heads included; their entries and skip
  // rings live out of line), so a fan-out over cold subscribers loads four lines of each, which
  // prefetch() starts three subscribers ahead. Setup and statistics come after.
  PublishedTrack& track_;
  transport::MediaTransport* out_ = nullptr;
  Participant& subscriber_;  // its estimator stamps transport-cc
  bool active_ = false;
  bool paused_ = false;
  bool bwe_paused_ = false;  // the allocator found no room for the lowest layer
  bool ts_offset_valid_ = false;
  uint8_t twcc_id_ = 0;
  uint8_t abs_send_time_id_ = 0;
  // The HeaderTemplate key of this stream's ids in its track's table; kNoKey when ext_map_ may
  // need the two-byte form.
  uint8_t template_id_ = HeaderTemplate::kNoKey;
  // The last publisher payload type seen and its pt_map_ entry: a stream's packets keep one
  // payload type, so pt_map_ (two lines) is read only when it changes.
  uint8_t last_source_pt_ = 0xFF;
  uint8_t last_out_pt_ = 0xFF;
  int8_t max_temporal_ = -1;
  int8_t current_layer_ = -1;
  int8_t target_layer_ = -1;
  uint32_t ssrc_;
  uint32_t ts_offset_ = 0;  // outgoing - incoming timestamp of the current source
  uint32_t last_out_ts_ = 0;
  int64_t last_sent_us_ = 0;
  uint64_t packets_sent_ = 0;
  uint64_t bytes_sent_ = 0;
  rtp::stream::SentPacketLog sent_log_;
  rtp::SeqRewriter seq_;
  rtp::codecs::Vp8Rewriter vp8_;
  // Rewriting tables, read when a payload type changes or a HeaderTemplate is filled.
  // Payload types: publisher pt → subscriber pt (0xFF: not accepted, dropped).
  std::array<uint8_t, 128> pt_map_{};
  rtp::ExtensionIdMap ext_map_;
  // Set up once.
  const RoomConfig& config_;
  uint32_t rtx_ssrc_;
  uint8_t padding_rtx_pt_ = 0xFF;
  uint16_t rtx_seq_ = 0;
  std::array<uint8_t, 128> rtx_pt_{};  // subscriber media pt → its RTX pt (0xFF: none)
  std::vector<sdp::NegotiatedCodec> offer_codecs_;
  std::vector<uint8_t> source_pts_;  // publisher pt of each offer codec
  // Layers.
  int max_layer_ = -1;
  int64_t last_keyframe_request_us_ = INT64_MIN / 2;
  // Counters.
  uint64_t packets_dropped_ = 0;  // pool exhausted or send refused
  uint64_t nacks_received_ = 0;
  uint64_t retransmitted_ = 0;
  uint64_t keyframe_requests_ = 0;
  uint64_t layer_switches_ = 0;
  uint64_t padding_sent_ = 0;
  // Sender reports and what the receiver reported.
  uint32_t last_sr_compact_ = 0;
  int64_t last_sr_sent_us_ = 0;
  int64_t rtt_ms_ = 0;
  rtp::rtcp::ReportBlock remote_{};
  bool has_remote_ = false;
};

}  // namespace sfu::room
