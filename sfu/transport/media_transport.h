// The seam between a room (sfu/room: who forwards what to whom) and a participant's secure media
// session (sfu/transport: ICE-lite → DTLS → SRTP/SCTP on a worker's sockets). A room sees only
// decrypted packets in and unprotected packets out. Everything here lives on one worker thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/common/prefetch.h"
#include "sfu/net/packet_buffer.h"
#include "sfu/sdp/negotiation.h"
#include "sfu/transport/transport_metrics.h"

namespace sfu::transport {

// Tailroom a buffer handed to sendRtp/sendRtcp must leave after its payload for the SRTP trailer
// (the largest of all profiles, RTCP included).
inline constexpr size_t kSrtpTailroom = 32;

class MediaTransport {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // A decrypted RTP packet (buffer.size() = RTP length; capacity leaves tailroom). The listener
    // may move the buffer out to keep it; otherwise it is recycled when the call returns.
    virtual void onTransportRtp(MediaTransport& transport, net::PacketBuffer& packet,
                                int64_t now_us) = 0;
    // A decrypted RTCP compound packet.
    virtual void onTransportRtcp(MediaTransport& transport, std::span<const uint8_t> compound,
                                 int64_t now_us) = 0;
    // ICE nominated and DTLS connected: SRTP is ready, sends will go out.
    virtual void onTransportConnected(MediaTransport& transport) = 0;
    // Consent expired, DTLS failed (e.g. fingerprint mismatch) or closed. The transport may be
    // destroyed by the listener from inside this call.
    virtual void onTransportClosed(MediaTransport& transport, std::string_view reason) = 0;
    // Data channels (SCTP over DTLS), when the m-line was negotiated.
    virtual void onTransportDataChannelOpen(MediaTransport& transport, uint16_t stream_id,
                                            std::string_view label) {
      (void)transport, (void)stream_id, (void)label;
    }
    virtual void onTransportDataChannelMessage(MediaTransport& transport, uint16_t stream_id,
                                               bool binary, std::span<const uint8_t> data) {
      (void)transport, (void)stream_id, (void)binary, (void)data;
    }
  };

  virtual ~MediaTransport() = default;

  // Starts loading the object's first two cache lines, where an implementation keeps what every
  // send reads (the fan-out calls it two subscribers ahead).
  void prefetchSendPath() const { prefetchLines(HotLines{this, 2}); }

  // Starts loading what protecting an RTP packet for this transport reads (its outbound SRTP
  // session), from addresses noted when the keys were installed. It reads this object's first
  // line, so the fan-out calls it a step after prefetchSendPath().
  void prefetchSendCrypto() const { prefetchLines(send_crypto_); }

  // Local ICE credentials, DTLS fingerprint and host addresses, for the SDP this side writes.
  virtual const sdp::LocalTransport& local() const = 0;
  // The remote side's ICE credentials and DTLS fingerprints from its SDP (offer or answer).
  // Must be called before the remote's first connectivity check can succeed.
  virtual void setRemote(const sdp::RemoteTransport& remote) = 0;
  // Optional: the negotiated m-lines (from createAnswer / createSubscribeOffer). Lets the
  // transport label its packet counters by kind (payload type → audio/video/rtx) and start SCTP as
  // soon as DTLS is up when a data channel m-line was accepted (otherwise SCTP starts when the
  // peer's first SCTP packet arrives or openDataChannel() is called).
  virtual void setNegotiatedMedia(const std::vector<sdp::NegotiatedMedia>& media) { (void)media; }
  // Protects an unprotected RTP/RTCP packet in place (needs kSrtpTailroom free capacity after
  // size()) and queues it for the selected ICE pair. False (and counted) when not connected yet
  // or dropped; never blocks.
  virtual bool sendRtp(net::PacketBuffer&& packet) = 0;
  virtual bool sendRtcp(net::PacketBuffer&& packet) = 0;
  virtual bool sendDataChannelMessage(uint16_t stream_id, bool binary,
                                      std::span<const uint8_t> data) = 0;
  // Opens an outgoing data channel (e.g. the subscribe PC's relay channel); returns its stream id
  // or -1.
  virtual int openDataChannel(std::string_view label) = 0;
  virtual bool connected() const = 0;
  // Worker-local packet pool to take outgoing buffers from.
  virtual net::PacketPool& pool() = 0;
  // Closes (DTLS close_notify) without calling back; the owner then destroys it.
  virtual void close() = 0;
  // Counting hooks for the room, into the worker's plain per-thread counters (exported as
  // sfu_packet_drops_total{reason} and sfu_retransmissions_total): a packet the room dropped,
  // a packet resent to answer a NACK. No-ops in transports without metrics.
  virtual void countDrop(TransportDrop reason) { (void)reason; }
  virtual void countRetransmission() {}

 protected:
  // What prefetchSendCrypto() loads: set by an implementation when it installs its outbound SRTP
  // session (srtp::SrtpSession::rtpFootprint), empty before. Next to the vtable pointer, in
  // the line prefetchSendPath() loads.
  std::array<HotLines, 3> send_crypto_{};
};

// Creates transports on the current worker, registered with its ICE router (by local ufrag).
class TransportFactory {
 public:
  virtual ~TransportFactory() = default;
  virtual std::unique_ptr<MediaTransport> createTransport(MediaTransport::Listener& listener) = 0;
};

}  // namespace sfu::transport
