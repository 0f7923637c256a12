#pragma once

// One simulated browser of the load generator: a publish transport sending simulcast VP8
// (q/h/f at ~150/500/1500 kbps, 30 fps, periodic keyframes, RFC 7741 descriptors) and Opus-sized
// audio (50 packets/s), answering NACK (from a send history) and PLI/FIR (next frame is a key
// frame), sending SR + SDES; a subscribe transport receiving everyone else, measuring latency
// from the send time every payload carries, loss per stream, and sending RR.
//
// Threads: offer/answer text is built on the participant's signaling thread from immutable state;
// everything else runs on the media thread. Remote transports cross over under a mutex.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bench/load/client_peer.h"
#include "bench/load/load_stats.h"

namespace bench::load {

// Carried at the end of every payload (16 bytes): magic, publisher index, send time (ns,
// CLOCK_MONOTONIC: the server and the generator share the host's clock).
inline constexpr uint32_t kTagMagic = 0x4C4F4144;  // "LOAD"
inline constexpr size_t kTagSize = 16;

struct ParticipantConfig {
  uint32_t index = 0;  // global, unique
  std::string user_id;
  std::string bind_ip = "127.0.0.1";
  std::array<uint32_t, 3> layer_bps = {150'000, 500'000, 1'500'000};
  uint32_t fps = 30;
  uint32_t keyframe_interval_ms = 3000;
  bool video = true;
  bool rids_high_first = false;  // Janus reads the rid order as high, medium, low
  bool relay = false;  // relay-baseline: fixed SSRCs and keys (bench/relay-baseline/relay_keys.h)
  uint32_t room = 0;
  // Media clock: audio packets and video frames leave at epoch_ns + phase + k × interval, the
  // phases drawn from the index (participant.cpp). Independent browsers do not send in step, and
  // every target then gets the same timing, whatever order its transports connect in.
  int64_t epoch_ns = 0;
  bool aligned_media = false;  // phase 0 for everyone: all participants send in step
};

class Participant {
 public:
  Participant(const ParticipantConfig& config, std::shared_ptr<sfu::dtls::DtlsContext> context,
              LoadStats& stats);
  ~Participant();
  Participant(const Participant&) = delete;
  Participant& operator=(const Participant&) = delete;

  const ParticipantConfig& config() const { return config_; }

  // --- signaling thread ---
  std::string publishOffer(const std::string& fingerprint_attr) const;
  // The answer to a subscribe offer from the server; nullopt when it does not parse.
  std::optional<std::string> subscribeAnswer(const std::string& offer_sdp,
                                             const std::string& fingerprint_attr) const;
  // Remote transport from a server SDP (first UDP IPv4 host candidate).
  static std::optional<RemoteTransport> remoteFromSdp(const std::string& sdp);
  void setPublishRemote(const RemoteTransport& remote);
  void setSubscribeRemote(const RemoteTransport& remote);
  void setRelay(const sfu::net::Endpoint& relay);
  void markOfferSent(int64_t now_ns) { offerSentNs_.store(now_ns); }

  // --- media thread ---
  ClientPeer& publishPeer() { return *pub_; }
  ClientPeer& subscribePeer() { return *sub_; }
  void tick(int64_t now_ns);
  void resetWindow();          // start of the measured window: forget per-stream loss baselines
  int64_t joinTimeNs() const;  // offer → first forwarded packet; -1 when none yet
  bool publishReady() const { return publishReady_.load(); }
  bool mediaFlowing() const { return firstForwardNs_.load() != 0; }
  uint64_t streamsReceived() const { return subStreamCount_; }
  uint64_t expectedPackets() const;
  uint64_t receivedPackets() const;

 private:
  class PublishHandler;
  class SubscribeHandler;
  struct Layer {
    uint32_t ssrc = 0;
    uint16_t seq = 0;
    uint16_t picture_id = 0;
    uint32_t bps = 0;
    uint16_t width = 0;
    uint16_t height = 0;
    int64_t next_frame_ns = 0;
    int64_t next_key_ns = 0;
    bool key_requested = true;
    uint64_t packets = 0;
    uint64_t octets = 0;
    // NACK history: seq % kHistory.
    static constexpr size_t kHistory = 128;
    std::unique_ptr<std::array<std::array<uint8_t, kPacketCapacity>, kHistory>> history;
    std::array<uint16_t, kHistory> history_len{};
    std::array<uint16_t, kHistory> history_seq{};
  };
  struct RecvStream {
    uint32_t ssrc = 0;
    bool started = false;
    int64_t first = 0;    // unwrapped seq of the first packet in the window
    int64_t highest = 0;  // unwrapped highest seq
    uint16_t last = 0;
    uint64_t received = 0;
  };

  void pickUpRemotes(int64_t now_ns);
  void sendAudio(int64_t now_ns);
  void sendFrame(Layer& layer, size_t layer_index, int64_t now_ns);
  void sendReports(int64_t now_ns);
  void onPublishRtcp(const uint8_t* data, size_t size, int64_t now_ns);
  void onSubscribeRtp(uint8_t* data, size_t size, int64_t now_ns);
  void retransmit(uint32_t ssrc, uint16_t seq);
  int64_t phaseOf(uint32_t salt, int64_t interval_ns) const;
  void writeTag(uint8_t* end, int64_t now_ns) const;

  ParticipantConfig config_;
  LoadStats& stats_;
  std::unique_ptr<PublishHandler> pubHandler_;
  std::unique_ptr<SubscribeHandler> subHandler_;
  std::unique_ptr<ClientPeer> pub_;
  std::unique_ptr<ClientPeer> sub_;

  std::mutex remoteMutex_;
  std::optional<RemoteTransport> pendingPub_;
  std::optional<RemoteTransport> pendingSub_;
  std::optional<sfu::net::Endpoint> pendingRelay_;
  std::atomic<bool> remotePending_{false};

  std::atomic<int64_t> offerSentNs_{0};
  std::atomic<int64_t> firstForwardNs_{0};
  std::atomic<bool> publishReady_{false};

  uint32_t audioSsrc_ = 0;
  uint16_t audioSeq_ = 0;
  uint32_t audioTs_ = 0;
  int64_t nextAudioNs_ = 0;
  uint64_t audioPackets_ = 0;
  uint64_t audioOctets_ = 0;
  std::array<Layer, 3> layers_;
  uint32_t rtcpSsrc_ = 0;
  int64_t nextReportNs_ = 0;
  int64_t startNs_ = 0;

  std::array<RecvStream, 64> subStreams_{};
  size_t subStreamCount_ = 0;
};

}  // namespace bench::load
