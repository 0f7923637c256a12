// Receiver side of transport-wide congestion control: records (transport-wide seq, arrival time)
// for every incoming packet carrying the transport-cc header extension and periodically turns the
// unreported range into feedback packets (draft-holmer-rmcat-transport-wide-cc-extensions-01
// §3.1). Storage is allocated at construction; time is injected (µs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rtp/common/seq.h"
#include "rtp/rtcp/twcc_builder.h"

namespace rtp::stream {

struct TwccRecorderConfig {
  uint32_t sender_ssrc = 0;       // our SSRC in the feedback
  uint32_t media_ssrc = 0;        // a media SSRC of the remote sender (transport-wide: any of them)
  size_t max_packet_size = 1200;  // bytes per feedback packet (capped at TwccBuilder::kMaxSize)
  uint16_t max_statuses = 0xFFFF;  // packet statuses per feedback packet
  size_t window = 8192;            // seqs tracked; rounded up to a power of two, at most 32768
  int64_t interval_us = 100'000;   // feedback period
};

class TwccRecorder {
 public:
  explicit TwccRecorder(const TwccRecorderConfig& config);

  void onPacket(uint16_t transport_seq, int64_t arrival_us);

  // True when the interval has passed since the last feedback and something is unreported.
  bool due(int64_t now_us) const;

  // Writes feedback packets for the unreported range into `out` (one after another, a valid
  // compound tail), each within max_packet_size and max_statuses, each with the next fb pkt.
  // count. Stops when `out` is full, leaving the rest for the next call. Returns bytes written.
  // A range of losses after the last received packet waits until a later packet arrives.
  size_t buildFeedback(int64_t now_us, std::span<uint8_t> out);

  // The media source SSRC put in later feedback packets. libwebrtc drops transport feedback whose
  // media SSRC is not one of its own, so a receiver that learns SSRCs late sets it here.
  void setMediaSsrc(uint32_t ssrc) { config_.media_ssrc = ssrc; }
  uint32_t mediaSsrc() const { return config_.media_ssrc; }

  uint8_t nextFbPktCount() const { return fb_pkt_count_; }
  void reset();

 private:
  int64_t& slot(int64_t seq) { return arrivals_[static_cast<size_t>(seq) & mask_]; }

  TwccRecorderConfig config_;
  size_t mask_;
  std::vector<int64_t> arrivals_;  // by unwrapped seq & mask_, kNotReceived when absent
  SeqUnwrapper unwrapper_;
  bool started_ = false;
  bool reported_ = false;    // a feedback went out: the window start cannot move back any more
  int64_t next_report_ = 0;  // first unreported seq (unwrapped)
  int64_t highest_ = 0;
  int64_t last_feedback_us_ = 0;
  uint8_t fb_pkt_count_ = 0;
  rtcp::TwccBuilder builder_;
};

}  // namespace rtp::stream
