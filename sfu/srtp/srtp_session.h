// One direction of SRTP/SRTCP (RFC 3711, AEAD-GCM RFC 7714), keyed from DTLS-SRTP (RFC 5764).
// A transport owns two: an inbound session (remote key, unprotect) and an outbound session (local
// key, protect). Streams for new SSRCs are created on first use (one allocation per new SSRC,
// none per packet).
//
// Backends: the AEAD-AES-GCM profiles run on our own OpenSSL EVP implementation (gcm_srtp.h;
// Debian's libsrtp2 does GCM through NSS, which allocates per packet); AES_CM_128_HMAC_SHA1_80
// runs on libsrtp2 with a wildcard SSRC template.
//
// Packets are transformed in place. Buffer contract:
//   protect:   `buffer` is the whole writable area; `length` bytes of plain RTP/RTCP at its start.
//              buffer.size() must be >= length + trailer, with trailer = rtpTrailer() (10 for
//              AES-CM-80, 16 for GCM) or rtcpTrailer() (14 / 20). kMaxTrailer covers every
//              profile: size pooled buffers as MTU + kMaxTrailer.
//   unprotect: `length` bytes of SRTP/SRTCP; on kOk, `length` becomes the plain length.
// Results are values, never exceptions; nothing is allocated per packet.
//
// Thread model: a session is used by one worker thread (libsrtp sessions are independent);
// srtp_init runs once per process (std::call_once).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "sfu/srtp/aes_gcm.h"
#include "sfu/srtp/srtp_profile.h"

struct srtp_ctx_t_;

namespace sfu::srtp {

class GcmSrtp;

enum class SrtpResult : uint8_t {
  kOk,
  kReplay,      // index already seen (srtp_err_status_replay_fail)
  kReplayOld,   // index older than the replay window (srtp_err_status_replay_old)
  kAuthFail,    // tag mismatch: tampered, wrong key, or garbage
  kBadPacket,   // too short or malformed header / length
  kNoBuffer,    // protect: not enough tailroom
  kKeyExpired,  // key usage limit reached (RFC 3711 §9.2)
  kNoSession,   // session failed to initialize
  kError,       // any other libsrtp / OpenSSL failure
};

std::string_view srtpResultName(SrtpResult result);

enum class SrtpDirection : uint8_t { kInbound, kOutbound };

class SrtpSession {
 public:
  static constexpr size_t kMaxTrailer = 20;  // largest of rtpTrailer()/rtcpTrailer() (GCM SRTCP)

  struct Options {
    // Replay window in packets (libsrtp accepts 64..32767). Inbound: how far out of order a packet
    // may arrive. Outbound: with allowRepeatTx, how far back a retransmission may go.
    uint32_t replayWindow = 1024;
    // Outbound: allow protecting the same RTP sequence number again (NACK retransmissions sent
    // as-is, or repeated packets). Payload must be identical for the same index (RFC 3711 §9.1).
    bool allowRepeatTx = true;
    // GCM profiles on libsrtp2 instead of our implementation (benchmarks, comparisons).
    bool libsrtpForGcm = false;
    // Our GCM through OpenSSL EVP even where the AES-NI engine runs (aes_gcm.h; tests, benchmarks).
    bool evpForGcm = false;
  };

  // libsrtp init (idempotent, thread-safe). Returns false if libsrtp cannot initialize.
  static bool initLibrary();

  // nullptr if the profile is kNone, the key length does not match the profile, or libsrtp fails.
  static std::unique_ptr<SrtpSession> create(SrtpDirection direction, SrtpProfile profile,
                                             std::span<const uint8_t> masterKeyAndSalt,
                                             const Options& options);
  static std::unique_ptr<SrtpSession> create(SrtpDirection direction, SrtpProfile profile,
                                             std::span<const uint8_t> masterKeyAndSalt) {
    return create(direction, profile, masterKeyAndSalt, Options{});
  }

  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // Outbound only.
  SrtpResult protectRtp(std::span<uint8_t> buffer, size_t& length);
  SrtpResult protectRtcp(std::span<uint8_t> buffer, size_t& length);
  // Inbound only.
  SrtpResult unprotectRtp(uint8_t* data, size_t& length);
  SrtpResult unprotectRtcp(uint8_t* data, size_t& length);

  // Frees the per-SSRC stream libsrtp created for `ssrc` (a stream that ended). False if none.
  bool removeStream(uint32_t ssrc);

  // What protectRtp() or unprotectRtp() reads besides the packet and its stream's entry: this
  // object, then the GCM backend's state (its round keys inline) and OpenSSL's GCM128 context.
  // Empty spans for the libsrtp backend. Stable for the session's life.
  std::array<HotLines, 3> rtpFootprint() const;

  SrtpDirection direction() const { return direction_; }
  SrtpProfile profile() const { return profile_; }
  size_t rtpTrailer() const { return srtpProfileInfo(profile_).rtpTrailer; }
  size_t rtcpTrailer() const { return srtpProfileInfo(profile_).rtcpTrailer; }

 private:
  SrtpSession(srtp_ctx_t_* ctx, std::unique_ptr<GcmSrtp> gcm, SrtpDirection direction,
              SrtpProfile profile);

  srtp_ctx_t_* ctx_;              // libsrtp backend (AES-CM), or nullptr
  std::unique_ptr<GcmSrtp> gcm_;  // our GCM backend, or nullptr
  SrtpDirection direction_;
  SrtpProfile profile_;
};

}  // namespace sfu::srtp
