#include "sfu/srtp/gcm_srtp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstring>

#include "rtp/common/byte_io.h"

namespace sfu::srtp {
namespace {

constexpr size_t kRtpHeader = 12;
constexpr size_t kRtcpHeader = 8;  // common header + sender SSRC, RFC 3550 §6.4
constexpr size_t kIvLength = kAesGcmIvLength;
constexpr uint32_t kMaxSrtcpIndex = 0x7fffffff;  // 31 bits, RFC 3711 §3.4

// RFC 3711 §4.3.1 / RFC 7714 §11 key derivation labels.
constexpr uint8_t kLabelRtpKey = 0x00;
constexpr uint8_t kLabelRtpSalt = 0x02;
constexpr uint8_t kLabelRtcpKey = 0x03;
constexpr uint8_t kLabelRtcpSalt = 0x05;

// AES-CM PRF (RFC 3711 §4.3.3): keystream of AES in counter mode under the master key, starting
// at IV = (master salt XOR (label << 48)) * 2^16, with the key derivation rate 0 (r = 0).
//
//   x (14 octets) = salt12 || 00 00, then x[7] ^= label      IV (16 octets) = x || 00 00
bool prf(std::span<const uint8_t> masterKey, std::span<const uint8_t, kGcmSaltLength> salt,
         uint8_t label, uint8_t* out, size_t outLength) {
  const EVP_CIPHER* cipher = masterKey.size() == 16   ? EVP_aes_128_ctr()
                             : masterKey.size() == 32 ? EVP_aes_256_ctr()
                                                      : nullptr;
  if (!cipher || outLength > 64) return false;
  uint8_t iv[16] = {};
  std::memcpy(iv, salt.data(), salt.size());
  iv[7] ^= label;
  uint8_t zeros[64] = {};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return false;
  int len = 0;
  int tail = 0;
  // The counter occupies the low 16 bits and starts at 0, so OpenSSL's 128-bit increment matches.
  const bool ok = EVP_EncryptInit_ex(ctx, cipher, nullptr, masterKey.data(), iv) == 1 &&
                  EVP_EncryptUpdate(ctx, out, &len, zeros, static_cast<int>(outLength)) == 1 &&
                  EVP_EncryptFinal_ex(ctx, out + len, &tail) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

// RTP header length including CSRCs and the header extension (RFC 3550 §5.1, §5.3.1), or 0 if
// the header is malformed or does not fit in `length` bytes.
//
//    0                   1                   2                   3
//   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//   |                           timestamp                           |
//   |                             SSRC                              |
//   |                 CSRC list (CC x 32 bits)                      |
//   |   defined by profile (X=1)    |        length (words)         |
//   |                   header extension ...                        |
size_t rtpHeaderLength(const uint8_t* data, size_t length) {
  if (length < kRtpHeader || (data[0] >> 6) != 2) return 0;
  size_t header = kRtpHeader + 4 * size_t{static_cast<uint8_t>(data[0] & 0x0f)};
  if (data[0] & 0x10) {
    if (header + 4 > length) return 0;
    header += 4 + 4 * size_t{rtp::load16(data + header + 2)};
  }
  return header <= length ? header : 0;
}

// RFC 7714 §8.1 (SRTP) IV: 00 00 || SSRC || ROC || SEQ, XOR the 12-octet session salt.
void rtpIv(const uint8_t* salt, uint32_t ssrc, uint64_t index, uint8_t* iv) {
  uint8_t plain[kIvLength] = {};
  rtp::store32(plain + 2, ssrc);
  rtp::store32(plain + 6, static_cast<uint32_t>(index >> 16));
  rtp::store16(plain + 10, static_cast<uint16_t>(index));
  for (size_t i = 0; i < kIvLength; ++i) iv[i] = plain[i] ^ salt[i];
}

// RFC 7714 §9.1 (SRTCP) IV: 00 00 || SSRC || 00 00 || 0 || SRTCP index (31 bits), XOR the salt.
void rtcpIv(const uint8_t* salt, uint32_t ssrc, uint32_t index, uint8_t* iv) {
  uint8_t plain[kIvLength] = {};
  rtp::store32(plain + 2, ssrc);
  rtp::store32(plain + 8, index & kMaxSrtcpIndex);
  for (size_t i = 0; i < kIvLength; ++i) iv[i] = plain[i] ^ salt[i];
}

// What an inbound packet whose index the replay window has already seen (or dropped) gets.
SrtpResult replayRefusal(ReplayWindow::Check check) {
  return check == ReplayWindow::Check::kSeen ? SrtpResult::kReplay : SrtpResult::kReplayOld;
}

}  // namespace

bool deriveGcmSessionKeys(std::span<const uint8_t> masterKey,
                          std::span<const uint8_t, kGcmSaltLength> masterSalt,
                          GcmSessionKeys& out) {
  const size_t n = masterKey.size();
  if (n != 16 && n != 32) return false;
  out.keyLength = n;
  return prf(masterKey, masterSalt, kLabelRtpKey, out.rtpKey, n) &&
         prf(masterKey, masterSalt, kLabelRtpSalt, out.rtpSalt, kGcmSaltLength) &&
         prf(masterKey, masterSalt, kLabelRtcpKey, out.rtcpKey, n) &&
         prf(masterKey, masterSalt, kLabelRtcpSalt, out.rtcpSalt, kGcmSaltLength);
}

GcmSrtp::GcmSrtp(SrtpDirection direction, const SrtpSession::Options& options)
    : direction_(direction),
      allowRepeatTx_(direction == SrtpDirection::kOutbound && options.allowRepeatTx),
      window_(options.replayWindow < 64       ? 64
              : options.replayWindow > 0x7fff ? 0x7fff
                                              : options.replayWindow) {}

GcmSrtp::~GcmSrtp() {
  OPENSSL_cleanse(rtpSalt_, sizeof(rtpSalt_));
  OPENSSL_cleanse(rtcpSalt_, sizeof(rtcpSalt_));
}

std::unique_ptr<GcmSrtp> GcmSrtp::create(SrtpDirection direction, SrtpProfile profile,
                                         std::span<const uint8_t> masterKeyAndSalt,
                                         const SrtpSession::Options& options) {
  if (profile != SrtpProfile::kAeadAes128Gcm && profile != SrtpProfile::kAeadAes256Gcm) {
    return nullptr;
  }
  const auto info = srtpProfileInfo(profile);
  if (info.saltLength != kGcmSaltLength ||
      masterKeyAndSalt.size() != info.keyLength + info.saltLength) {
    return nullptr;
  }
  GcmSessionKeys keys;
  const bool derived =
      deriveGcmSessionKeys(masterKeyAndSalt.first(info.keyLength),
                           std::span<const uint8_t, kGcmSaltLength>(
                               masterKeyAndSalt.data() + info.keyLength, kGcmSaltLength),
                           keys);
  auto session = derived ? createWithSessionKeys(direction, keys, options) : nullptr;
  OPENSSL_cleanse(&keys, sizeof(keys));
  return session;
}

std::unique_ptr<GcmSrtp> GcmSrtp::createWithSessionKeys(SrtpDirection direction,
                                                        const GcmSessionKeys& keys,
                                                        const SrtpSession::Options& options) {
  std::unique_ptr<GcmSrtp> session(new GcmSrtp(direction, options));
  const auto engine = options.evpForGcm ? AesGcm::Engine::kEvp : AesGcm::Engine::kAuto;
  if (!session->init(keys, engine)) return nullptr;
  return session;
}

bool GcmSrtp::init(const GcmSessionKeys& keys, AesGcm::Engine engine) {
  const bool encrypt = direction_ == SrtpDirection::kOutbound;
  std::memcpy(rtpSalt_, keys.rtpSalt, kGcmSaltLength);
  std::memcpy(rtcpSalt_, keys.rtcpSalt, kGcmSaltLength);
  return rtpAead_.init(keys.rtpKey, keys.keyLength, encrypt, engine) &&
         rtcpAead_.init(keys.rtcpKey, keys.keyLength, encrypt, engine);
}

std::array<HotLines, 2> GcmSrtp::rtpFootprint() const {
  const auto* begin = reinterpret_cast<const char*>(this);
  const auto* end = reinterpret_cast<const char*>(&rtpAead_) + rtpAead_.hotBytes();
  return {linesOf(begin, static_cast<size_t>(end - begin)), rtpAead_.cipherState()};
}

GcmSrtp::Stream* GcmSrtp::find(uint32_t ssrc) {
  if (last_ != kNone && ssrcs_[last_] == ssrc) return &streams_[last_];
  const size_t n = ssrcs_.size();
  for (size_t i = 0; i < n; ++i) {
    if (ssrcs_[i] != ssrc) continue;
    last_ = i;
    return &streams_[i];
  }
  return nullptr;
}

GcmSrtp::Stream* GcmSrtp::findOrAdd(uint32_t ssrc) {
  if (Stream* s = find(ssrc)) return s;
  // The only allocations: a stream's first packet (replay bitmaps, and the tables when they grow).
  ssrcs_.push_back(ssrc);
  streams_.emplace_back(window_);
  last_ = streams_.size() - 1;
  return &streams_.back();
}

bool GcmSrtp::removeStream(uint32_t ssrc) {
  for (size_t i = 0; i < ssrcs_.size(); ++i) {
    if (ssrcs_[i] != ssrc) continue;
    // Swap with the last and pop: order does not matter for a linear scan.
    if (i + 1 != ssrcs_.size()) {
      ssrcs_[i] = ssrcs_.back();
      streams_[i] = std::move(streams_.back());
    }
    ssrcs_.pop_back();
    streams_.pop_back();
    last_ = kNone;
    return true;
  }
  return false;
}

uint32_t GcmSrtp::rolloverCounter(uint32_t ssrc) const {
  for (size_t i = 0; i < ssrcs_.size(); ++i) {
    if (ssrcs_[i] != ssrc) continue;
    const ReplayWindow& w = streams_[i].rtpWindow;
    return w.empty() ? 0 : static_cast<uint32_t>(w.highest() >> 16);
  }
  return 0;
}

bool GcmSrtp::estimateIndex(const Stream* stream, uint16_t seq, uint64_t& index) {
  // A new stream starts at ROC 0 (RFC 3711 §3.3.1); while the highest index is in the first half
  // of ROC 0, a sequence number is never guessed to belong to ROC -1 (as libsrtp does).
  if (!stream || stream->rtpWindow.empty() || stream->rtpWindow.highest() <= 0x8000) {
    index = seq;
    return true;
  }
  const uint64_t top = stream->rtpWindow.highest();
  const uint64_t roc = top >> 16;
  const uint16_t sl = static_cast<uint16_t>(top);
  uint64_t v = roc;
  // RFC 3711 Appendix A.
  if (sl < 0x8000) {
    if (seq > sl && seq - sl > 0x8000) v = roc - 1;
  } else if (sl - 0x8000 > seq) {
    v = roc + 1;
  }
  if (v > 0xffffffffu) return false;  // ROC exhausted: the key must be renewed (§9.2)
  index = (v << 16) | seq;
  return true;
}

//   protect (RFC 7714 §8.2):
//   | RTP header (+CSRC, +ext) = AAD | payload (encrypted in place) | tag (16) |
SrtpResult GcmSrtp::protectRtp(std::span<uint8_t> buffer, size_t& length) {
  if (direction_ != SrtpDirection::kOutbound) return SrtpResult::kNoSession;
  if (length > buffer.size()) return SrtpResult::kBadPacket;
  uint8_t* data = buffer.data();
  const size_t header = rtpHeaderLength(data, length);
  if (header == 0) return SrtpResult::kBadPacket;
  if (buffer.size() - length < kGcmTagLength) return SrtpResult::kNoBuffer;
  const uint32_t ssrc = rtp::load32(data + 8);
  const uint16_t seq = rtp::load16(data + 2);
  Stream* stream = findOrAdd(ssrc);
  uint64_t index = 0;
  if (!estimateIndex(stream, seq, index)) return SrtpResult::kKeyExpired;
  if (allowRepeatTx_) {
    // A repeated index is a retransmission of the same packet (same payload: RFC 3711 §9.1).
    if (stream->rtpWindow.tooOld(index)) return SrtpResult::kReplayOld;
  } else {
    const ReplayWindow::Check check = stream->rtpWindow.check(index);
    if (check != ReplayWindow::Check::kNew) return replayRefusal(check);
  }
  uint8_t iv[kIvLength];
  rtpIv(rtpSalt_, ssrc, index, iv);
  if (!rtpAead_.run(iv, data, header, nullptr, 0, data + header, length - header, data + length)) {
    return SrtpResult::kError;
  }
  if (allowRepeatTx_) {
    stream->rtpWindow.advance(index);
  } else {
    stream->rtpWindow.add(index);
  }
  length += kGcmTagLength;
  return SrtpResult::kOk;
}

SrtpResult GcmSrtp::unprotectRtp(uint8_t* data, size_t& length) {
  if (direction_ != SrtpDirection::kInbound) return SrtpResult::kNoSession;
  if (!data || length < kRtpHeader + kGcmTagLength) return SrtpResult::kBadPacket;
  const size_t body = length - kGcmTagLength;
  const size_t header = rtpHeaderLength(data, body);
  if (header == 0) return SrtpResult::kBadPacket;
  const uint32_t ssrc = rtp::load32(data + 8);
  const uint16_t seq = rtp::load16(data + 2);
  Stream* stream = find(ssrc);
  uint64_t index = 0;
  if (!estimateIndex(stream, seq, index)) return SrtpResult::kKeyExpired;
  if (stream) {
    const ReplayWindow::Check check = stream->rtpWindow.check(index);
    if (check != ReplayWindow::Check::kNew) return replayRefusal(check);
  }
  uint8_t iv[kIvLength];
  rtpIv(rtpSalt_, ssrc, index, iv);
  uint8_t tag[kGcmTagLength];
  std::memcpy(tag, data + body, kGcmTagLength);
  if (!rtpAead_.run(iv, data, header, nullptr, 0, data + header, body - header, tag)) {
    return SrtpResult::kAuthFail;
  }
  // Only an authenticated packet creates a stream or moves its ROC (RFC 3711 §3.3.1).
  if (!stream) stream = findOrAdd(ssrc);
  stream->rtpWindow.add(index);
  length = body;
  return SrtpResult::kOk;
}

//   protect (RFC 7714 §9.2), E = 1:
//   | header + sender SSRC (8) = AAD | rest (encrypted) | tag (16) | E | SRTCP index (31) |
//   The E|index word is also AAD (it follows the header in the AAD, RFC 7714 §9.2 / §17).
SrtpResult GcmSrtp::protectRtcp(std::span<uint8_t> buffer, size_t& length) {
  if (direction_ != SrtpDirection::kOutbound) return SrtpResult::kNoSession;
  if (length < kRtcpHeader || length > buffer.size()) return SrtpResult::kBadPacket;
  if (buffer.size() - length < kGcmTagLength + kSrtcpIndexLength) return SrtpResult::kNoBuffer;
  uint8_t* data = buffer.data();
  const uint32_t ssrc = rtp::load32(data + 4);
  Stream* stream = findOrAdd(ssrc);
  if (stream->nextRtcpIndex > kMaxSrtcpIndex) return SrtpResult::kKeyExpired;
  const uint32_t index = stream->nextRtcpIndex;
  uint8_t word[kSrtcpIndexLength];
  rtp::store32(word, 0x80000000u | index);
  uint8_t iv[kIvLength];
  rtcpIv(rtcpSalt_, ssrc, index, iv);
  if (!rtcpAead_.run(iv, data, kRtcpHeader, word, sizeof(word), data + kRtcpHeader,
                     length - kRtcpHeader, data + length)) {
    return SrtpResult::kError;
  }
  std::memcpy(data + length + kGcmTagLength, word, sizeof(word));
  ++stream->nextRtcpIndex;
  length += kGcmTagLength + kSrtcpIndexLength;
  return SrtpResult::kOk;
}

SrtpResult GcmSrtp::unprotectRtcp(uint8_t* data, size_t& length) {
  if (direction_ != SrtpDirection::kInbound) return SrtpResult::kNoSession;
  if (!data || length < kRtcpHeader + kGcmTagLength + kSrtcpIndexLength) {
    return SrtpResult::kBadPacket;
  }
  const size_t body = length - kGcmTagLength - kSrtcpIndexLength;
  uint8_t word[kSrtcpIndexLength];
  std::memcpy(word, data + length - kSrtcpIndexLength, sizeof(word));
  const uint32_t e = rtp::load32(word);
  const bool encrypted = (e & 0x80000000u) != 0;
  const uint32_t index = e & kMaxSrtcpIndex;
  const uint32_t ssrc = rtp::load32(data + 4);
  Stream* stream = find(ssrc);
  if (stream) {
    const ReplayWindow::Check check = stream->rtcpWindow.check(index);
    if (check != ReplayWindow::Check::kNew) return replayRefusal(check);
  }
  uint8_t iv[kIvLength];
  rtcpIv(rtcpSalt_, ssrc, index, iv);
  uint8_t tag[kGcmTagLength];
  std::memcpy(tag, data + body, kGcmTagLength);
  bool ok = false;
  if (encrypted) {
    ok = rtcpAead_.run(iv, data, kRtcpHeader, word, sizeof(word), data + kRtcpHeader,
                       body - kRtcpHeader, tag);
  } else {
    // E = 0 (RFC 7714 §9.3): the whole packet is AAD, nothing is encrypted.
    ok = rtcpAead_.run(iv, data, body, word, sizeof(word), nullptr, 0, tag);
  }
  if (!ok) return SrtpResult::kAuthFail;
  if (!stream) stream = findOrAdd(ssrc);
  stream->rtcpWindow.add(index);
  length = body;
  return SrtpResult::kOk;
}

}  // namespace sfu::srtp
