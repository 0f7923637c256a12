// DTLS-SRTP protection profiles and the keying material a DTLS handshake exports for them.
// Shared by sfu/dtls (which negotiates and exports) and sfu/srtp (which protects packets).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sfu::srtp {

// Profiles we negotiate, in our order of preference (the DTLS server's order wins, RFC 5764
// §4.1.1). GCM first: with Debian's NSS-backed libsrtp2, AES-CM + HMAC-SHA1 costs several times
// more per packet than AES-GCM.
enum class SrtpProfile : uint8_t {
  kNone = 0,         // no use_srtp negotiated (data channel only)
  kAeadAes128Gcm,    // SRTP_AEAD_AES_128_GCM, RFC 7714 §14.2 (0x0007)
  kAeadAes256Gcm,    // SRTP_AEAD_AES_256_GCM, RFC 7714 §14.2 (0x0008)
  kAes128CmSha1_80,  // SRTP_AES128_CM_HMAC_SHA1_80, RFC 5764 §4.1.2 (0x0001)
};

struct SrtpProfileInfo {
  std::string_view name;  // OpenSSL / IANA name, e.g. "SRTP_AEAD_AES_128_GCM"
  uint16_t id;            // the use_srtp extension value
  size_t keyLength;       // master key bytes
  size_t saltLength;      // master salt bytes
  size_t rtpTrailer;      // bytes protect() appends to an RTP packet (auth tag)
  size_t rtcpTrailer;     // bytes protect() appends to an RTCP packet (tag + E|SRTCP index)
};

constexpr SrtpProfileInfo srtpProfileInfo(SrtpProfile profile) {
  switch (profile) {
    case SrtpProfile::kAeadAes128Gcm:
      // RFC 7714 §12: 16-octet key, 12-octet salt, 16-octet tag; SRTCP adds the 4-octet index.
      return {"SRTP_AEAD_AES_128_GCM", 0x0007, 16, 12, 16, 20};
    case SrtpProfile::kAeadAes256Gcm:
      return {"SRTP_AEAD_AES_256_GCM", 0x0008, 32, 12, 16, 20};
    case SrtpProfile::kAes128CmSha1_80:
      // RFC 3711 §8.2 / RFC 5764 §4.1.2: 16-octet key, 14-octet salt, 80-bit HMAC tag.
      return {"SRTP_AES128_CM_SHA1_80", 0x0001, 16, 14, 10, 14};
    case SrtpProfile::kNone:
      break;
  }
  return {"none", 0, 0, 0, 0, 0};
}

// The largest key+salt of any profile we support (AES-256-GCM: 32 + 12; AES-CM: 16 + 14).
inline constexpr size_t kMaxMasterKeyLength = 46;

// One direction's SRTP master key followed by its master salt (the layout libsrtp expects).
struct SrtpMasterKey {
  std::array<uint8_t, kMaxMasterKeyLength> bytes{};
  size_t length = 0;
  std::span<const uint8_t> view() const { return {bytes.data(), length}; }
};

// What DTLS hands to SRTP after the handshake (RFC 5764 §4.2): local = what we protect with,
// remote = what we unprotect with.
struct SrtpKeyMaterial {
  SrtpProfile profile = SrtpProfile::kNone;
  SrtpMasterKey local;
  SrtpMasterKey remote;
};

}  // namespace sfu::srtp
