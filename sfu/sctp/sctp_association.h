// WebRTC data channels: SCTP over DTLS (RFC 8261) with usrsctp in AF_CONN mode, plus DCEP
// (RFC 8832) channel setup and the RFC 8831 message PPIDs.
//
//   DtlsTransport::Listener::onDtlsData  -->  handleDtlsData()  --> usrsctp_conninput
//   Listener::onSctpSend(packet)         <--  (posted) usrsctp conn output
//   DtlsTransport::send(packet)          <--  owner forwards it
//
// Threads. usrsctp is one process-wide stack with its own timer thread: its callbacks (packets to
// send, received messages, notifications) arrive on that thread or inside our own usrsctp calls.
// The association never calls the listener from them. Each callback copies its data and hands a
// task to Options::post, which the owner implements by posting to its worker (e.g.
// `asio::post(io, std::move(task))`). The task runs on the owner's thread, looks the association
// id up in a process-wide registry of live associations and delivers only if it is still alive.
// So the listener always runs on the owner's thread, never re-entrantly inside a call.
// Destroy an association on its owner's thread; it unregisters first, and tasks still queued for
// it find it gone.
//
// Stream ids (RFC 8832 §6): the DTLS client opens even ids, the DTLS server odd ids.
// Listener::onDataChannelOpen fires for a channel the peer opened (after we send the ACK) and for
// one we opened (when the peer's ACK arrives). Messages may be sent right after openChannel()
// (RFC 8832 §6: ordered until the ACK).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/sctp/dcep.h"

struct socket;
union sctp_sockstore;
struct sctp_rcvinfo;

namespace sfu::sctp {

class SctpAssociation {
 public:
  using Task = std::function<void()>;
  using PostFn = std::function<void(Task)>;

  class Listener {
   public:
    virtual ~Listener() = default;
    // An SCTP packet for DtlsTransport::send().
    virtual void onSctpSend(std::span<const uint8_t> packet) = 0;
    virtual void onSctpConnected() {}
    // Association ended (peer SHUTDOWN/ABORT or lost).
    virtual void onSctpClosed() {}
    virtual void onDataChannelOpen(uint16_t id, std::string_view label,
                                   std::string_view protocol) = 0;
    virtual void onDataChannelMessage(uint16_t id, bool binary, std::span<const uint8_t> data) = 0;
    virtual void onDataChannelClosed(uint16_t id) = 0;
  };

  struct Options {
    // Our DTLS role decides stream id parity (client even, server odd).
    bool dtlsClient = false;
    // a=sctp-port values (RFC 8841 §5); 5000 is what browsers use.
    uint16_t localPort = 5000;
    uint16_t remotePort = 5000;
    // Largest SCTP packet: the DTLS MTU (1200) minus the DTLS record overhead (13-byte header,
    // 8-byte explicit nonce, 16-byte tag for AES-GCM) with margin.
    uint32_t mtu = 1150;
    // a=max-message-size (RFC 8841 §6); larger incoming messages are dropped.
    size_t maxMessageSize = 256 * 1024;
    uint16_t streams = 1024;
    // Required: runs a task on the owner's thread (see the header comment).
    PostFn post;
  };

  struct Stats {
    uint64_t messagesSent = 0;
    uint64_t messagesReceived = 0;
    uint64_t dropped = 0;  // unknown stream / PPID, bad DCEP, oversize
  };

  SctpAssociation(Listener& listener, Options options);
  ~SctpAssociation();
  SctpAssociation(const SctpAssociation&) = delete;
  SctpAssociation& operator=(const SctpAssociation&) = delete;

  // Creates the usrsctp socket and starts the association (both ends connect, RFC 8841 §9.3).
  // Call once DTLS is connected. False if usrsctp refuses.
  bool start();

  // Application data from DTLS (onDtlsData).
  void handleDtlsData(std::span<const uint8_t> packet);

  // DCEP DATA_CHANNEL_OPEN on the next free id of our parity; nullopt if not connected or out of
  // ids.
  std::optional<uint16_t> openChannel(const std::string& label, const std::string& protocol = "",
                                      ChannelType type = ChannelType::kReliable,
                                      uint32_t reliabilityParameter = 0);
  // One message (PPID 51/53, or 56/57 when empty). False if the channel is unknown/closed, the
  // message is too large, or usrsctp's send buffer is full.
  bool sendMessage(uint16_t id, bool binary, std::span<const uint8_t> data);
  bool sendText(uint16_t id, std::string_view text) {
    return sendMessage(
        id, false,
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  // RFC 8831 §6.7: reset our outgoing stream; onDataChannelClosed when the peer resets its own.
  void closeChannel(uint16_t id);
  // Graceful SCTP SHUTDOWN; the peer gets onSctpClosed, we get no callback.
  void close();

  bool connected() const { return connected_; }
  bool channelOpen(uint16_t id) const;
  const Stats& stats() const { return stats_; }
  uintptr_t id() const { return id_; }

  // Starts usrsctp (once per process) and our timer thread, which ticks only while associations
  // exist (sctp_association.cpp, TimerDriver). The first association does it too; a server calls
  // it at start-up.
  static void initLibrary();

  // The timer thread's ticks so far: every 20 ms while a chunk moved within the last second
  // (busy), every 200 ms otherwise (idle), or early when a chunk ends an idle wait (woken).
  struct TimerTicks {
    uint64_t busy = 0;
    uint64_t idle = 0;
    uint64_t woken = 0;
  };
  static TimerTicks timerTicks();

 private:
  enum class ChannelState : uint8_t { kOpening, kOpen, kClosing };
  struct Channel {
    ChannelState state = ChannelState::kOpening;
    DcepOpen params;
    bool localOpened = false;
  };
  struct Incoming {
    std::vector<uint8_t> data;
    uint16_t stream = 0;
    uint32_t ppid = 0;
    int flags = 0;
  };

  static int onConnOutput(void* addr, void* buffer, size_t length, uint8_t tos, uint8_t setDf);
  static int onReceive(struct socket* sock, union ::sctp_sockstore addr, void* data, size_t length,
                       struct ::sctp_rcvinfo info, int flags, void* ulpInfo);
  // Runs `fn(self)` on the owner's thread if the association `id` is still alive.
  static void postToLive(uintptr_t id, std::function<void(SctpAssociation&)> fn);

  void onIncoming(Incoming incoming);
  void onNotification(std::span<const uint8_t> data);
  void onStreamReset(std::span<const uint16_t> streams, bool incoming);
  void onDcep(uint16_t stream, std::span<const uint8_t> message);
  void onUserMessage(uint16_t stream, uint32_t ppid, std::span<const uint8_t> message);
  bool sendRaw(uint16_t stream, uint32_t ppid, bool unordered, const Channel* channel,
               std::span<const uint8_t> data);
  void resetOutgoing(uint16_t stream);

  Listener& listener_;
  Options options_;
  uintptr_t id_;
  struct socket* sock_ = nullptr;
  bool connected_ = false;
  bool closed_ = false;
  std::map<uint16_t, Channel> channels_;
  uint16_t nextStream_;
  std::vector<uint8_t> partial_;  // a message usrsctp delivers in pieces (no MSG_EOR yet)
  Stats stats_;
  bool* destroyed_ = nullptr;  // set while delivering; the destructor flips it
};

}  // namespace sfu::sctp
