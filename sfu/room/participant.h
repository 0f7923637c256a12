// One member of a room: its two transports (publish PC: it sends, we receive; subscribe PC: we
// send), the tracks it publishes, and the DownTracks through which it receives the others'.
// It is the MediaTransport::Listener of both transports and sorts their traffic:
//   publish  RTP → SSRC (or MID/RID on first sight) → PublishedTrack; RTCP SR → layer timing;
//            TWCC arrivals recorded; our NACK/PLI/RR/REMB/TWCC feedback goes back here.
//   subscribe RTCP RR/NACK/PLI/FIR → DownTrack by SSRC; our SRs go out here; data channel relay.
// Subscribe negotiation lives here too: m-line slots (mid reuse once a slot's inactive state was
// answered), one offer outstanding at a time, and a pending flag for changes made meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/rtp/extension_map.h"
#include "rtp/stream/twcc_recorder.h"
#include "sfu/api/media_api.h"
#include "sfu/room/down_track.h"
#include "sfu/room/published_track.h"
#include "sfu/room/subscriber_bwe.h"
#include "sfu/sdp/negotiation.h"
#include "sfu/transport/media_transport.h"

namespace sfu::room {

class Room;

// Per-subscriber preferences (Room::setPreferences documents the JSON shape).
struct TrackPreference {
  int max_layer = -1;  // -1: no cap
  int max_temporal = -1;
  bool paused = false;
};

class Participant final : public transport::MediaTransport::Listener {
 public:
  Participant(Room& room, std::string user_id, uint32_t rtcp_ssrc);
  ~Participant() override;
  Participant(const Participant&) = delete;
  Participant& operator=(const Participant&) = delete;

  const std::string& userId() const { return user_id_; }
  uint32_t rtcpSsrc() const { return rtcp_ssrc_; }
  Room& room() { return room_; }
  transport::MediaTransport* publishTransport() { return publish_.get(); }
  transport::MediaTransport* subscribeTransport() { return subscribe_.get(); }
  // Creates both transports through the room's factory.
  void start();
  // Closes both transports (no callbacks) ahead of destruction.
  void closeTransports();

  // --- publish PC ---
  // Answers a publish offer; tracks added by it go to `added`, tracks it stopped are moved to
  // `removed` (the caller unsubscribes everyone, then drops them).
  SdpResult publish(const std::string& offer_sdp, const std::vector<TrackSource>& sources,
                    std::vector<PublishedTrack*>& added,
                    std::vector<std::unique_ptr<PublishedTrack>>& removed);
  const std::vector<std::unique_ptr<PublishedTrack>>& tracks() const { return tracks_; }
  // Sends an RTCP packet on the publish transport (feedback to this participant as publisher).
  void sendPublishRtcp(std::span<const uint8_t> bytes);
  int64_t rttMs() const { return rtt_ms_; }

  // --- subscribe PC ---
  // Adds a DownTrack (and an m-line slot) for another participant's track.
  bool subscribe(PublishedTrack& track);
  // True when the participant was subscribed (its subscribe PC then needs a new offer).
  bool unsubscribe(PublishedTrack& track);
  // Marks the subscribe PC for a new offer; returns the SDP to emit now, or nullopt when an
  // offer is outstanding (it is re-offered after the answer).
  std::optional<std::string> requestSubscribeOffer();
  // Applies the client's answer; `next_offer` receives a follow-up offer for changes made while
  // waiting.
  SdpResult applySubscribeAnswer(const std::string& answer_sdp,
                                 std::optional<std::string>& next_offer);
  bool subscribeOfferOutstanding() const { return offer_outstanding_; }
  void setPreferences(TrackPreference global,
                      const std::vector<std::pair<std::string, TrackPreference>>& per_track);
  // Preference for the tracks of one publisher (all its video when `source` is empty); replaces
  // an earlier one for the same publisher and source, keeps the others.
  void setPublisherPreference(const std::string& publisher, std::optional<Source> source,
                              TrackPreference pref);
  void setAvailableBitrate(uint64_t bps) { available_bps_ = bps; }
  // Bandwidth estimation and layer allocation of the subscribe transport.
  SubscriberBwe& bwe() { return bwe_; }
  const SubscriberBwe& bwe() const { return bwe_; }
  const std::vector<std::unique_ptr<DownTrack>>& downTracks() const { return down_tracks_; }

  // --- data channels ---
  // Relays a message from another participant on our subscribe PC's relay channel.
  void relayData(const std::string& from, std::string_view label, bool binary,
                 std::span<const uint8_t> data);

  // --- periodic work ---
  void onTick(int64_t now_us);        // NACKs + TWCC feedback to the publisher
  void onLayerCheck(int64_t now_us);  // layer selection for what we receive
  void onReport(int64_t now_us);      // RR (+REMB) to the publisher, SRs to the subscriber

  void fillStats(ParticipantStatsSnapshot& out, int64_t now_us) const;
  nlohmann::json stats(int64_t now_us) const;

  // MediaTransport::Listener
  void onTransportRtp(transport::MediaTransport& t, net::PacketBuffer& packet,
                      int64_t now_us) override;
  void onTransportRtcp(transport::MediaTransport& t, std::span<const uint8_t> compound,
                       int64_t now_us) override;
  void onTransportConnected(transport::MediaTransport& t) override;
  void onTransportClosed(transport::MediaTransport& t, std::string_view reason) override;
  void onTransportDataChannelOpen(transport::MediaTransport& t, uint16_t stream_id,
                                  std::string_view label) override;
  void onTransportDataChannelMessage(transport::MediaTransport& t, uint16_t stream_id, bool binary,
                                     std::span<const uint8_t> data) override;

 private:
  struct SsrcEntry {
    uint32_t ssrc;
    PublishedTrack* track;
    uint8_t layer;
    bool rtx;
  };
  struct Slot {
    std::string mid;
    std::string kind;
    sdp::OutgoingTrack::State state = sdp::OutgoingTrack::State::kActive;
    DownTrack* down = nullptr;
    bool reusable = false;  // inactive, and the client has answered that
  };
  struct Channel {
    uint16_t stream_id;
    std::string label;
  };

  const SsrcEntry* lookup(uint32_t ssrc);
  const SsrcEntry* learn(rtp::RtpPacket& packet);
  void registerSsrc(uint32_t ssrc, PublishedTrack* track, size_t layer, bool rtx);
  void onPublishRtcp(std::span<const uint8_t> compound, int64_t now_us);
  void onSubscribeRtcp(std::span<const uint8_t> compound, int64_t now_us);
  DownTrack* downTrackBySsrc(uint32_t ssrc);
  std::string buildSubscribeOffer();
  void applyPreference(DownTrack& d) const;
  void sendReceiverReports(int64_t now_us);
  void sendSenderReports(int64_t now_us);

  Room& room_;
  std::string user_id_;
  uint32_t rtcp_ssrc_;
  std::unique_ptr<transport::MediaTransport> publish_;
  std::unique_ptr<transport::MediaTransport> subscribe_;
  // Publish side.
  uint64_t publish_version_ = 1;
  std::vector<std::unique_ptr<PublishedTrack>> tracks_;
  std::vector<SsrcEntry> ssrcs_;
  size_t last_hit_ = 0;
  rtp::ExtensionMap publish_ext_;
  uint8_t twcc_in_id_ = 0;
  std::unique_ptr<rtp::stream::TwccRecorder> twcc_;
  std::vector<Channel> publish_channels_;
  uint64_t rtp_unknown_ = 0;  // packets no track claimed
  uint64_t data_received_ = 0;
  int64_t rtt_ms_ = 0;
  // Subscribe side.
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<DownTrack>> down_tracks_;
  uint64_t subscribe_version_ = 0;
  size_t next_mid_ = 0;
  bool offer_outstanding_ = false;
  bool offer_pending_ = false;
  bool subscribe_remote_set_ = false;
  std::string remote_ufrag_;
  std::string remote_pwd_;
  sdp::SessionDescription last_offer_;
  TrackPreference global_pref_;
  std::vector<std::pair<std::string, TrackPreference>> track_prefs_;
  struct PublisherPreference {
    std::string publisher;
    std::optional<Source> source;
    TrackPreference pref;
  };
  std::vector<PublisherPreference> publisher_prefs_;
  uint64_t available_bps_ = 0;
  SubscriberBwe bwe_;
  int relay_stream_ = -1;
  uint64_t data_relayed_ = 0;
  uint64_t data_dropped_ = 0;
};

}  // namespace sfu::room
