// SRTP/SRTCP with AEAD_AES_128_GCM and AEAD_AES_256_GCM (RFC 7714), one direction. Replaces
// libsrtp for the GCM profiles: Debian's libsrtp2 runs GCM through NSS, which allocates on every
// packet; here the two AEAD contexts (SRTP, SRTCP; aes_gcm.h: AES-NI, or OpenSSL EVP) are keyed
// once at creation, so protect/unprotect allocate nothing.
//
// Per-SSRC state (ROC + highest sequence, replay windows, outbound SRTCP index) lives in a flat
// table: the SSRCs in one contiguous array scanned linearly (a session carries a handful to a few
// dozen: 7 publishers x camera, RTX, audio for a subscriber), the streams in a parallel array, so
// a lookup for a cold session costs one or two cache lines instead of a hash bucket and a node.
// Touched for insertion only when a new SSRC appears; inbound streams are created only after a
// packet authenticated (a forged SSRC costs no memory).
//
// Used through SrtpSession (srtp_session.h), which keeps libsrtp for AES_CM_128_HMAC_SHA1_80.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sfu/srtp/aes_gcm.h"
#include "sfu/srtp/replay_window.h"
#include "sfu/srtp/srtp_profile.h"
#include "sfu/srtp/srtp_session.h"

namespace sfu::srtp {

// RFC 7714 §12: 12-octet session salt, 16-octet tag; SRTCP carries a 4-octet E|index word.
inline constexpr size_t kGcmSaltLength = 12;
inline constexpr size_t kGcmTagLength = kAesGcmTagLength;
inline constexpr size_t kSrtcpIndexLength = 4;

// Session keys derived from a master key + salt (RFC 3711 §4.3, AES-CM PRF; RFC 7714 §11 and its
// errata 4938: the 96-bit master salt is extended with two zero octets on the right).
struct GcmSessionKeys {
  uint8_t rtpKey[32] = {};
  uint8_t rtpSalt[kGcmSaltLength] = {};
  uint8_t rtcpKey[32] = {};
  uint8_t rtcpSalt[kGcmSaltLength] = {};
  size_t keyLength = 0;
};

// False if the key length is neither 16 nor 32 or OpenSSL fails.
bool deriveGcmSessionKeys(std::span<const uint8_t> masterKey,
                          std::span<const uint8_t, kGcmSaltLength> masterSalt, GcmSessionKeys& out);

class alignas(64) GcmSrtp {
 public:
  // nullptr for a non-GCM profile, a wrong key length, or an OpenSSL failure.
  static std::unique_ptr<GcmSrtp> create(SrtpDirection direction, SrtpProfile profile,
                                         std::span<const uint8_t> masterKeyAndSalt,
                                         const SrtpSession::Options& options);
  // Keys from already derived session keys (RFC 7714 §16 test vectors give those).
  static std::unique_ptr<GcmSrtp> createWithSessionKeys(SrtpDirection direction,
                                                        const GcmSessionKeys& keys,
                                                        const SrtpSession::Options& options);
  ~GcmSrtp();
  GcmSrtp(const GcmSrtp&) = delete;
  GcmSrtp& operator=(const GcmSrtp&) = delete;

  // Same contracts as SrtpSession (buffer sizes checked there; repeated here for direct use).
  SrtpResult protectRtp(std::span<uint8_t> buffer, size_t& length);
  SrtpResult protectRtcp(std::span<uint8_t> buffer, size_t& length);
  SrtpResult unprotectRtp(uint8_t* data, size_t& length);
  SrtpResult unprotectRtcp(uint8_t* data, size_t& length);
  bool removeStream(uint32_t ssrc);

  // What protectRtp() / unprotectRtp() read besides the stream's entry: this object up to the
  // RTP AEAD's last round key, and the AEAD's cipher state (SrtpSession::rtpFootprint).
  std::array<HotLines, 2> rtpFootprint() const;

  // Current rollover counter for `ssrc` (tests); 0 for an unknown SSRC.
  uint32_t rolloverCounter(uint32_t ssrc) const;

 private:
  struct Stream {
    explicit Stream(uint32_t window) : rtpWindow(window), rtcpWindow(window) {}
    // 48-bit packet index (ROC << 16 | SEQ), RFC 3711 §3.3.1. An outbound session that allows
    // repeats keeps only its highest index (tooOld / advance), the others the whole bitmap.
    ReplayWindow rtpWindow;
    ReplayWindow rtcpWindow;     // inbound SRTCP index
    uint32_t nextRtcpIndex = 0;  // outbound SRTCP index (RFC 3711 §3.4)
  };

  GcmSrtp(SrtpDirection direction, const SrtpSession::Options& options);
  bool init(const GcmSessionKeys& keys, AesGcm::Engine engine);
  Stream* find(uint32_t ssrc);
  Stream* findOrAdd(uint32_t ssrc);
  static constexpr size_t kNone = SIZE_MAX;
  // RFC 3711 Appendix A: the 48-bit index a sequence number most likely belongs to.
  static bool estimateIndex(const Stream* stream, uint16_t seq, uint64_t& index);

  // What an RTP packet reads comes first: the stream table, the salt, then the AEAD with its
  // round keys inline (one object, no pointer to follow before the cipher can start).
  SrtpDirection direction_;
  bool allowRepeatTx_;
  uint32_t window_;
  size_t last_ = kNone;          // one-entry cache: consecutive packets mostly share an SSRC
  std::vector<uint32_t> ssrcs_;  // ssrcs_[i] is the SSRC of streams_[i]
  std::vector<Stream> streams_;
  uint8_t rtpSalt_[kGcmSaltLength] = {};
  AesGcm rtpAead_;
  uint8_t rtcpSalt_[kGcmSaltLength] = {};
  AesGcm rtcpAead_;
};

}  // namespace sfu::srtp
