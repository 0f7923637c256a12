// DTLS 1.2 for one WebRTC transport (RFC 6347, DTLS-SRTP RFC 5764, WebRTC RFC 8827), on OpenSSL
// through an in-memory read BIO and a callback write BIO. No sockets and no timers of its own:
//
//   owner (ICE transport on a worker)           DtlsTransport
//   ---------------------------------           -------------
//   datagram with first byte 20..63  ------->  handleDatagram(bytes, now)
//   onDtlsSend(bytes)                <-------  every record flight, one datagram per call
//   at nextTimeout():                -------> handleTimeout(now)   (handshake retransmission)
//   onDtlsConnected(keys)            <-------  handshake done + peer fingerprint verified
//   send(bytes) (SCTP packets)       ------->  onDtlsData(bytes) on the other side
//
// Roles: kServer answers setup:passive (browsers are the client); kClient is setup:active (our
// load generator and tests). The remote fingerprint(s) from SDP may arrive before or after the
// handshake completes; the peer is "connected" only once its certificate matched one of them
// (RFC 8122 §5). A mismatch closes the session (close_notify) and reports kFingerprintMismatch.
//
// Time: handshake retransmissions use OpenSSL's DTLS timer (wall clock), with our own back-off
// (DTLS_set_timer_cb: initialRetransmit, doubling, capped at maxRetransmit; OpenSSL gives up after
// 12 expiries). nextTimeout() translates the remaining time onto the owner's clock.
//
// Callbacks run synchronously inside handleDatagram/handleTimeout/start/send/close on the
// owner's thread. A listener may destroy the transport from onDtlsConnected, onDtlsFailed,
// onDtlsClosed or onDtlsData (the entry point notices and returns without touching members), but
// never from onDtlsSend (that one runs inside OpenSSL).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sfu/dtls/dtls_context.h"
#include "sfu/dtls/fingerprint.h"
#include "sfu/srtp/srtp_profile.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace sfu::dtls {

enum class DtlsRole : uint8_t {
  kClient,  // sends ClientHello: a=setup:active
  kServer,  // waits for ClientHello: a=setup:passive
};

enum class DtlsState : uint8_t { kNew, kConnecting, kConnected, kFailed, kClosed };

enum class DtlsFailure : uint8_t {
  kHandshake,            // TLS-level failure (bad message, no shared cipher/profile, alert sent)
  kAlert,                // the peer sent a fatal alert
  kTimeout,              // retransmissions exhausted
  kNoPeerCertificate,    // handshake finished without a peer certificate
  kFingerprintMismatch,  // peer certificate does not match the SDP fingerprint
  kInternal,             // allocation / OpenSSL internal error
};

std::string_view dtlsFailureName(DtlsFailure failure);
std::string_view dtlsStateName(DtlsState state);

class DtlsTransport {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  class Listener {
   public:
    virtual ~Listener() = default;
    // One datagram to send to the peer (already a complete DTLS datagram, <= mtu).
    virtual void onDtlsSend(std::span<const uint8_t> datagram) = 0;
    // Handshake done and peer verified. keys.profile is kNone if the peer offered no use_srtp.
    virtual void onDtlsConnected(const srtp::SrtpKeyMaterial& keys) = 0;
    virtual void onDtlsFailed(DtlsFailure reason, std::string_view detail) = 0;
    // The peer sent close_notify (we answered with ours).
    virtual void onDtlsClosed() = 0;
    // Application data (SCTP packets, RFC 8261).
    virtual void onDtlsData(std::span<const uint8_t> data) = 0;
  };

  struct Options {
    DtlsRole role = DtlsRole::kServer;
    // Largest datagram we emit (RFC 8261 §5 and WebRTC practice: stay well under 1280).
    size_t mtu = 1200;
    std::chrono::milliseconds initialRetransmit{100};
    std::chrono::milliseconds maxRetransmit{4000};
  };

  DtlsTransport(std::shared_ptr<DtlsContext> context, Listener& listener, const Options& options);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // The peer's a=fingerprint values (any one must match). Setting them after the handshake
  // completes triggers the verification (and onDtlsConnected or onDtlsFailed).
  void setRemoteFingerprints(std::vector<Fingerprint> fingerprints, TimePoint now);
  void setRemoteFingerprint(const Fingerprint& fingerprint, TimePoint now) {
    setRemoteFingerprints({fingerprint}, now);
  }

  // Client: sends the ClientHello. Server: starts listening (the ClientHello may also simply
  // arrive; start() is then implicit). Only the first call does anything.
  void start(TimePoint now);

  // A received datagram classified as DTLS (RFC 7983: first byte 20..63).
  void handleDatagram(std::span<const uint8_t> datagram, TimePoint now);

  // When the owner must call handleTimeout (nullopt: no timer armed).
  std::optional<TimePoint> nextTimeout() const { return nextTimeout_; }
  void handleTimeout(TimePoint now);

  // Application data; false unless connected (or if OpenSSL refuses the record).
  bool send(std::span<const uint8_t> data);

  // Sends close_notify (if a session exists) and moves to kClosed. No callback.
  void close();

  DtlsState state() const { return state_; }
  DtlsRole role() const { return options_.role; }
  srtp::SrtpProfile srtpProfile() const { return keys_.profile; }
  // Client: from start(); server: from the first datagram received; to verified connection
  // (includes waiting for a late SDP fingerprint).
  std::optional<std::chrono::microseconds> handshakeDuration() const { return handshakeDuration_; }
  // Counts for tests and stats.
  uint64_t datagramsSent() const { return datagramsSent_; }
  uint64_t datagramsReceived() const { return datagramsReceived_; }
  const Certificate& localCertificate() const { return context_->certificate(); }

 private:
  struct EntryGuard;
  // OpenSSL trampolines; each looks the instance up through ex_data / BIO data and returns
  // harmlessly when it has been detached (destructor ran).
  static int bioWrite(BIO* bio, const char* data, int length);
  static long bioCtrl(BIO* bio, int cmd, long num, void* ptr);
  static int bioCreate(BIO* bio);
  static int bioDestroy(BIO* bio);
  static unsigned int onTimer(SSL* ssl, unsigned int previousUs);
  static int exDataIndex();

  // Each returns false if the listener destroyed us.
  bool continueHandshake(EntryGuard& guard);
  bool onHandshakeComplete(EntryGuard& guard);
  bool verifyPeer(EntryGuard& guard);
  bool readApplicationData(EntryGuard& guard);
  bool fail(EntryGuard& guard, DtlsFailure reason, std::string detail);
  bool exportKeys();
  void updateTimer(TimePoint now);

  std::shared_ptr<DtlsContext> context_;
  Listener& listener_;
  Options options_;
  SSL* ssl_ = nullptr;
  BIO* readBio_ = nullptr;   // owned by ssl_
  BIO* writeBio_ = nullptr;  // owned by ssl_
  DtlsState state_ = DtlsState::kNew;
  bool handshakeDone_ = false;
  bool started_ = false;
  std::vector<Fingerprint> remoteFingerprints_;
  srtp::SrtpKeyMaterial keys_;
  TimePoint handshakeStart_{};
  TimePoint now_{};  // the owner's clock at the current entry point
  std::optional<std::chrono::microseconds> handshakeDuration_;
  std::optional<TimePoint> nextTimeout_;
  uint64_t datagramsSent_ = 0;
  uint64_t datagramsReceived_ = 0;
  // Set while an entry point runs; the destructor sets *destroyed_ so the entry point stops.
  bool* destroyed_ = nullptr;
  // One record's plaintext (DTLS max fragment 2^14).
  std::array<uint8_t, 16384> readBuffer_{};
};

}  // namespace sfu::dtls
