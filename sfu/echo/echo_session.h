// The echo test (a pre-call check, like Janus' EchoTest): the client's own audio and video come
// back over the same PeerConnection.
//
//   client offer ──▶ createAnswer(allow_send, no simulcast) + our SSRC per m-line (a=ssrc, msid,
//                    FID group when RTX was negotiated) ──▶ answer
//   RTP in (client SSRC) ──▶ SSRC rewritten to ours for that m-line (MID kept, transport-cc padded
//                            out) ──▶ protected ──▶ back to the client
//   RTCP in: PLI / FIR / NACK for our SSRCs ──▶ the same request for the client's SSRCs (so
//            keyframes and retransmissions come); SR ──▶ LSR for our reports
//   every second: RR for the client's streams (+ REMB when transport-cc was not negotiated);
//   every ~100 ms: transport-wide CC feedback (rtp::stream::TwccRecorder), so the browser's
//   bandwidth estimate rises as on a real call
//   data channel messages ──▶ echoed on the same channel
//
// Sequence numbers and timestamps are kept, so an RTX packet's OSN stays valid: the client's
// NACKs for our SSRC translate one to one.
//
// Lives on one worker; every call on its thread. The owner destroys the session after
// onClosed (it may do so from inside the callback) or after close().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rtp/rtp/rtp_packet.h"
#include "rtp/stream/twcc_recorder.h"
#include "sfu/echo/receive_statistics.h"
#include "sfu/sdp/capabilities.h"
#include "sfu/sdp/negotiation.h"
#include "sfu/transport/media_transport.h"
#include "sfu/worker/timer_wheel.h"

namespace sfu::echo {

class EchoSession final : public transport::MediaTransport::Listener {
 public:
  using ClosedFn = std::function<void(EchoSession& session, std::string_view reason)>;

  struct Stats {
    uint64_t rtp_echoed = 0;
    uint64_t rtp_dropped = 0;  // unknown SSRC, recvonly m-line, send refused
    uint64_t rtcp_sent = 0;
    uint64_t feedback_translated = 0;  // PLI, FIR, NACK
    uint64_t twcc_sent = 0;
    uint64_t messages_echoed = 0;
  };

  struct Created {
    std::unique_ptr<EchoSession> session;
    std::string answer_sdp;
    std::string error;
  };

  // Parses the offer, creates a transport from `factory` (on this worker), answers sendrecv.
  static Created create(transport::TransportFactory& factory, worker::TimerWheel& timers,
                        std::string_view offer_sdp, const sdp::Capabilities& caps,
                        ClosedFn on_closed);

  ~EchoSession() override;
  EchoSession(const EchoSession&) = delete;
  EchoSession& operator=(const EchoSession&) = delete;

  // Closes the transport (no onClosed callback); the owner destroys the session.
  void close();

  transport::MediaTransport& transport() { return *transport_; }
  const Stats& stats() const { return stats_; }
  // Our SSRC for an m-line (0 when the m-line does not send).
  uint32_t ssrcForMid(std::string_view mid) const;

  // MediaTransport::Listener
  void onTransportRtp(transport::MediaTransport& t, net::PacketBuffer& packet,
                      int64_t now_us) override;
  void onTransportRtcp(transport::MediaTransport& t, std::span<const uint8_t> compound,
                       int64_t now_us) override;
  void onTransportConnected(transport::MediaTransport& t) override;
  void onTransportClosed(transport::MediaTransport& t, std::string_view reason) override;
  void onTransportDataChannelMessage(transport::MediaTransport& t, uint16_t stream_id, bool binary,
                                     std::span<const uint8_t> data) override;

 private:
  struct Track {
    std::string mid;
    bool video = false;
    bool sends = false;  // our direction includes send
    uint32_t clock_rate = 90000;
    uint32_t our_ssrc = 0;
    uint32_t our_rtx_ssrc = 0;
    std::vector<int> rtx_pts;
    uint32_t client_ssrc = 0;
    uint32_t client_rtx_ssrc = 0;
    ReceiveStatistics stats;
    uint8_t fir_seq = 0;
  };
  struct SsrcRoute {
    uint32_t ssrc = 0;
    size_t track = 0;
    bool rtx = false;
  };
  static constexpr size_t kMaxRoutes = 16;

  EchoSession(worker::TimerWheel& timers, ClosedFn on_closed);

  const SsrcRoute* route(uint32_t ssrc) const;
  const SsrcRoute* learn(const rtp::RtpPacket& packet);
  Track* trackByOurSsrc(uint32_t ssrc);
  void onTimer();
  void sendReports(int64_t now_us);
  void sendTwcc(int64_t now_us);
  void translateFeedback(std::span<const uint8_t> packet, int64_t now_us);
  bool sendCompound(std::span<const uint8_t> bytes);

  worker::TimerWheel& timers_;
  ClosedFn on_closed_;
  std::unique_ptr<transport::MediaTransport> transport_;
  std::vector<Track> tracks_;
  std::vector<SsrcRoute> routes_;
  sdp::ExtensionIds ext_ids_;
  uint32_t report_ssrc_ = 0;  // sender SSRC of our RTCP
  std::optional<rtp::stream::TwccRecorder> twcc_;
  bool send_remb_ = false;
  worker::Timer timer_;
  int64_t next_report_us_ = 0;
  uint64_t bytes_since_report_ = 0;
  int64_t last_report_us_ = 0;
  bool closed_ = false;
  Stats stats_;
};

}  // namespace sfu::echo
