// The low-level SHA1_* calls are deprecated in OpenSSL 3 but remain, and unlike EVP they work
// on a caller's stack context (see hmacSha1).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sfu/ice/stun_message.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>

#include "rtp/common/byte_io.h"

namespace sfu::ice {
namespace {

using rtp::load16;
using rtp::load32;
using rtp::load64;
using rtp::store16;
using rtp::store32;
using rtp::store64;

constexpr uint32_t kFingerprintXor = 0x5354554e;  // RFC 8489 §14.7
constexpr size_t kIntegritySize = 20;
constexpr size_t kMaxUsername = 513;  // RFC 8489 §14.3: fewer than 509 bytes (+ slack for SASLprep)

constexpr std::array<uint32_t, 256> makeCrcTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = makeCrcTable();

bool isKnownRequired(uint16_t type) {
  switch (type) {
    case stun_attr::kMappedAddress:
    case stun_attr::kUsername:
    case stun_attr::kMessageIntegrity:
    case stun_attr::kErrorCode:
    case stun_attr::kUnknownAttributes:
    case stun_attr::kRealm:
    case stun_attr::kNonce:
    case stun_attr::kMessageIntegritySha256:
    case stun_attr::kXorMappedAddress:
    case stun_attr::kPriority:
    case stun_attr::kUseCandidate:
      return true;
    default:
      return false;
  }
}

// MAPPED-ADDRESS / XOR-MAPPED-ADDRESS value (RFC 8489 §14.1, §14.2):
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                 (X-)Address (32 bits or 128 bits)             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
std::optional<net::Endpoint> decodeAddress(const uint8_t* v, size_t len, bool xored,
                                           const uint8_t* header) {
  if (len < 4) return std::nullopt;
  const uint8_t family = v[1];
  size_t alen = 0;
  if (family == 0x01) {
    alen = 4;
  } else if (family == 0x02) {
    alen = 16;
  } else {
    return std::nullopt;
  }
  if (len != 4 + alen) return std::nullopt;
  uint16_t port = load16(v + 2);
  if (xored) port ^= static_cast<uint16_t>(kStunMagicCookie >> 16);
  net::Endpoint::Bytes addr{};
  for (size_t i = 0; i < alen; ++i) {
    // The XOR key is the magic cookie followed by the transaction id: header bytes 4..19.
    addr[i] = xored ? static_cast<uint8_t>(v[4 + i] ^ header[4 + i]) : v[4 + i];
  }
  if (alen == 4) return net::Endpoint::v4(load32(addr.data()), port);
  return net::Endpoint::v6(addr, port);
}

// Keyed HMAC-SHA1 (RFC 2104) over two pieces (the adjusted header, then the rest), on stack
// SHA_CTX states: no allocation per check (EVP_MAC_init with a new key allocates inside OpenSSL).
//   HMAC(K, m) = SHA1((K0 ^ opad) || SHA1((K0 ^ ipad) || m)), K0 = K zero-padded to the 64-byte
//   block (or SHA1(K) zero-padded when K is longer than a block), ipad = 0x36.., opad = 0x5c..
bool hmacSha1(std::string_view key, std::span<const uint8_t> a, std::span<const uint8_t> b,
              uint8_t out[kIntegritySize]) {
  constexpr size_t kBlock = 64;  // SHA_CBLOCK
  std::array<uint8_t, kBlock> k0{};
  SHA_CTX ctx;
  if (key.size() > kBlock) {
    if (SHA1_Init(&ctx) != 1 || SHA1_Update(&ctx, key.data(), key.size()) != 1 ||
        SHA1_Final(k0.data(), &ctx) != 1) {
      return false;
    }
  } else if (!key.empty()) {
    std::memcpy(k0.data(), key.data(), key.size());
  }
  std::array<uint8_t, kBlock> pad{};
  for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<uint8_t>(k0[i] ^ 0x36);
  std::array<uint8_t, kIntegritySize> inner{};
  bool ok = SHA1_Init(&ctx) == 1 && SHA1_Update(&ctx, pad.data(), kBlock) == 1 &&
            SHA1_Update(&ctx, a.data(), a.size()) == 1 &&
            (b.empty() || SHA1_Update(&ctx, b.data(), b.size()) == 1) &&
            SHA1_Final(inner.data(), &ctx) == 1;
  for (size_t i = 0; i < kBlock; ++i) pad[i] = static_cast<uint8_t>(k0[i] ^ 0x5c);
  ok = ok && SHA1_Init(&ctx) == 1 && SHA1_Update(&ctx, pad.data(), kBlock) == 1 &&
       SHA1_Update(&ctx, inner.data(), inner.size()) == 1 && SHA1_Final(out, &ctx) == 1;
  OPENSSL_cleanse(k0.data(), k0.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  OPENSSL_cleanse(inner.data(), inner.size());
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  return ok;
}

// Header copy whose length field says the message ends at `end` (RFC 8489 §14.5, §14.7).
std::array<uint8_t, kStunHeaderSize> adjustedHeader(const uint8_t* data, size_t end) {
  std::array<uint8_t, kStunHeaderSize> h{};
  std::memcpy(h.data(), data, kStunHeaderSize);
  store16(h.data() + 2, static_cast<uint16_t>(end - kStunHeaderSize));
  return h;
}

}  // namespace

std::string_view toString(StunParseError e) {
  switch (e) {
    case StunParseError::kNone:
      return "none";
    case StunParseError::kTooShort:
      return "too_short";
    case StunParseError::kNotStun:
      return "not_stun";
    case StunParseError::kBadMagicCookie:
      return "bad_magic_cookie";
    case StunParseError::kBadLength:
      return "bad_length";
    case StunParseError::kTruncatedAttribute:
      return "truncated_attribute";
    case StunParseError::kBadAttribute:
      return "bad_attribute";
    case StunParseError::kAfterFingerprint:
      return "after_fingerprint";
  }
  return "unknown";
}

uint32_t stunCrc32(std::span<const uint8_t> data, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : data) crc = kCrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

bool StunMessage::looksLikeStun(std::span<const uint8_t> data) {
  if (data.size() < kStunHeaderSize) return false;
  if ((data[0] & 0xC0) != 0) return false;
  if (load32(data.data() + 4) != kStunMagicCookie) return false;
  const size_t len = load16(data.data() + 2);
  return (len & 3) == 0 && len + kStunHeaderSize == data.size();
}

StunParseResult StunMessage::parse(std::span<const uint8_t> data) {
  StunParseResult r;
  if (data.size() < kStunHeaderSize) {
    r.error = StunParseError::kTooShort;
    return r;
  }
  const uint8_t* p = data.data();
  if ((p[0] & 0xC0) != 0) {
    r.error = StunParseError::kNotStun;
    return r;
  }
  if (load32(p + 4) != kStunMagicCookie) {
    r.error = StunParseError::kBadMagicCookie;
    return r;
  }
  const size_t body = load16(p + 2);
  if ((body & 3) != 0 || body + kStunHeaderSize != data.size()) {
    r.error = StunParseError::kBadLength;
    return r;
  }
  StunMessage m;
  m.data_ = data;
  m.type_ = load16(p);
  std::memcpy(m.tid_.data(), p + 8, 12);

  size_t off = kStunHeaderSize;
  while (off < data.size()) {
    if (m.fingerprint_offset_ != 0) {
      r.error = StunParseError::kAfterFingerprint;
      return r;
    }
    if (data.size() - off < 4) {
      r.error = StunParseError::kTruncatedAttribute;
      return r;
    }
    const uint16_t type = load16(p + off);
    const size_t len = load16(p + off + 2);
    const size_t padded = (len + 3) & ~size_t{3};
    if (data.size() - off - 4 < padded) {
      r.error = StunParseError::kTruncatedAttribute;
      return r;
    }
    const uint8_t* v = p + off + 4;
    // RFC 8489 §14.5: after MESSAGE-INTEGRITY only MESSAGE-INTEGRITY-SHA256 and FINGERPRINT count.
    const bool after_integrity = m.integrity_offset_ != 0;
    bool bad = false;
    if (type == stun_attr::kFingerprint) {
      bad = len != 4;
      m.fingerprint_offset_ = off;
    } else if (after_integrity) {
      // ignored
    } else {
      switch (type) {
        case stun_attr::kUsername:
          bad = len > kMaxUsername;
          if (!m.username_) m.username_ = std::string_view(reinterpret_cast<const char*>(v), len);
          break;
        case stun_attr::kMessageIntegrity:
          bad = len != kIntegritySize;
          m.integrity_offset_ = off;
          break;
        case stun_attr::kPriority:
          bad = len != 4;
          if (!bad && !m.priority_) m.priority_ = load32(v);
          break;
        case stun_attr::kUseCandidate:
          bad = len != 0;
          m.use_candidate_ = true;
          break;
        case stun_attr::kIceControlling:
          bad = len != 8;
          if (!bad && !m.ice_controlling_) m.ice_controlling_ = load64(v);
          break;
        case stun_attr::kIceControlled:
          bad = len != 8;
          if (!bad && !m.ice_controlled_) m.ice_controlled_ = load64(v);
          break;
        case stun_attr::kXorMappedAddress:
          if (!m.xor_mapped_) {
            m.xor_mapped_ = decodeAddress(v, len, true, p);
            bad = !m.xor_mapped_;
          }
          break;
        case stun_attr::kMappedAddress:
          if (!m.mapped_) {
            m.mapped_ = decodeAddress(v, len, false, p);
            bad = !m.mapped_;
          }
          break;
        case stun_attr::kErrorCode: {
          // RFC 8489 §14.8: 21 reserved bits, Class (3 bits, 3..6), Number (8 bits, 0..99).
          if (len < 4) {
            bad = true;
            break;
          }
          const unsigned cls = v[2] & 0x07;
          const unsigned num = v[3];
          if (cls < 3 || cls > 6 || num > 99) {
            bad = true;
            break;
          }
          if (!m.error_code_) {
            m.error_code_ =
                StunErrorCode{static_cast<uint16_t>(cls * 100 + num),
                              std::string_view(reinterpret_cast<const char*>(v + 4), len - 4)};
          }
          break;
        }
        default:
          if (type < 0x8000 && !isKnownRequired(type) && m.unknown_count_ < kMaxUnknown) {
            m.unknown_[m.unknown_count_++] = type;
          }
          break;
      }
    }
    if (bad) {
      r.error = StunParseError::kBadAttribute;
      return r;
    }
    off += 4 + padded;
  }
  r.message = m;
  return r;
}

uint16_t StunMessage::method() const {
  return static_cast<uint16_t>((type_ & 0x000F) | ((type_ & 0x00E0) >> 1) |
                               ((type_ & 0x3E00) >> 2));
}

StunClass StunMessage::messageClass() const {
  return static_cast<StunClass>(((type_ >> 4) & 0x1) | ((type_ >> 7) & 0x2));
}

bool StunMessage::checkIntegrity(std::string_view key) const {
  if (integrity_offset_ == 0) return false;
  const uint8_t* p = data_.data();
  const size_t end = integrity_offset_ + 4 + kIntegritySize;
  const auto header = adjustedHeader(p, end);
  uint8_t mac[kIntegritySize];
  if (!hmacSha1(key, header, data_.subspan(kStunHeaderSize, integrity_offset_ - kStunHeaderSize),
                mac)) {
    return false;
  }
  return CRYPTO_memcmp(mac, p + integrity_offset_ + 4, kIntegritySize) == 0;
}

bool StunMessage::checkFingerprint() const {
  if (fingerprint_offset_ == 0) return false;
  const uint8_t* p = data_.data();
  const auto header = adjustedHeader(p, fingerprint_offset_ + 8);
  uint32_t crc = stunCrc32(header);
  crc = stunCrc32(data_.subspan(kStunHeaderSize, fingerprint_offset_ - kStunHeaderSize), crc);
  return (crc ^ kFingerprintXor) == load32(p + fingerprint_offset_ + 4);
}

// --- writer ---

StunWriter::StunWriter(std::span<uint8_t> out, uint16_t type, const TransactionId& tid)
    : out_(out) {
  if (out_.size() < kStunHeaderSize) {
    ok_ = false;
    return;
  }
  store16(out_.data(), static_cast<uint16_t>(type & 0x3FFF));
  store16(out_.data() + 2, 0);
  store32(out_.data() + 4, kStunMagicCookie);
  std::memcpy(out_.data() + 8, tid.data(), tid.size());
  size_ = kStunHeaderSize;
}

void StunWriter::setLength(size_t body_length) {
  store16(out_.data() + 2, static_cast<uint16_t>(body_length));
}

uint8_t* StunWriter::reserve(uint16_t type, size_t length) {
  if (!ok_) return nullptr;
  const size_t padded = (length + 3) & ~size_t{3};
  if (length > 0xFFFF || out_.size() - size_ < 4 + padded ||
      size_ + 4 + padded - kStunHeaderSize > 0xFFFF) {
    ok_ = false;
    return nullptr;
  }
  uint8_t* a = out_.data() + size_;
  store16(a, type);
  store16(a + 2, static_cast<uint16_t>(length));
  std::memset(a + 4 + length, 0, padded - length);
  size_ += 4 + padded;
  setLength(size_ - kStunHeaderSize);
  return a + 4;
}

bool StunWriter::addAttribute(uint16_t type, std::span<const uint8_t> value) {
  uint8_t* v = reserve(type, value.size());
  if (v == nullptr) return false;
  if (!value.empty()) std::memcpy(v, value.data(), value.size());
  return true;
}

bool StunWriter::addString(uint16_t type, std::string_view value) {
  return addAttribute(type, {reinterpret_cast<const uint8_t*>(value.data()), value.size()});
}

bool StunWriter::addPriority(uint32_t priority) {
  uint8_t* v = reserve(stun_attr::kPriority, 4);
  if (v == nullptr) return false;
  store32(v, priority);
  return true;
}

bool StunWriter::addIceControlling(uint64_t tiebreaker) {
  uint8_t* v = reserve(stun_attr::kIceControlling, 8);
  if (v == nullptr) return false;
  store64(v, tiebreaker);
  return true;
}

bool StunWriter::addIceControlled(uint64_t tiebreaker) {
  uint8_t* v = reserve(stun_attr::kIceControlled, 8);
  if (v == nullptr) return false;
  store64(v, tiebreaker);
  return true;
}

bool StunWriter::addXorMappedAddress(const net::Endpoint& ep) {
  if (!ep.valid()) {
    ok_ = false;
    return false;
  }
  const bool v6 = ep.isV6();
  const size_t alen = v6 ? 16 : 4;
  uint8_t* v = reserve(stun_attr::kXorMappedAddress, 4 + alen);
  if (v == nullptr) return false;
  v[0] = 0;
  v[1] = v6 ? 0x02 : 0x01;
  store16(v + 2, static_cast<uint16_t>(ep.port() ^ (kStunMagicCookie >> 16)));
  const auto& addr = ep.bytes();
  for (size_t i = 0; i < alen; ++i) v[4 + i] = static_cast<uint8_t>(addr[i] ^ out_[4 + i]);
  return true;
}

bool StunWriter::addErrorCode(uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699) {
    ok_ = false;
    return false;
  }
  uint8_t* v = reserve(stun_attr::kErrorCode, 4 + reason.size());
  if (v == nullptr) return false;
  v[0] = 0;
  v[1] = 0;
  v[2] = static_cast<uint8_t>(code / 100);
  v[3] = static_cast<uint8_t>(code % 100);
  if (!reason.empty()) std::memcpy(v + 4, reason.data(), reason.size());
  return true;
}

bool StunWriter::addUnknownAttributes(std::span<const uint16_t> types) {
  uint8_t* v = reserve(stun_attr::kUnknownAttributes, types.size() * 2);
  if (v == nullptr) return false;
  for (size_t i = 0; i < types.size(); ++i) store16(v + 2 * i, types[i]);
  return true;
}

bool StunWriter::addMessageIntegrity(std::string_view key) {
  const size_t start = size_;
  uint8_t* v = reserve(stun_attr::kMessageIntegrity, kIntegritySize);
  if (v == nullptr) return false;
  // The header length already covers this attribute (reserve updated it): hash up to `start`.
  const auto all = std::span<const uint8_t>(out_.data(), start);
  if (!hmacSha1(key, all.first(kStunHeaderSize), all.subspan(kStunHeaderSize), v)) {
    ok_ = false;
    return false;
  }
  return true;
}

bool StunWriter::addFingerprint() {
  const size_t start = size_;
  uint8_t* v = reserve(stun_attr::kFingerprint, 4);
  if (v == nullptr) return false;
  const uint32_t crc = stunCrc32(std::span<const uint8_t>(out_.data(), start));
  store32(v, crc ^ kFingerprintXor);
  return true;
}

TransactionId randomTransactionId() {
  TransactionId tid{};
  if (RAND_bytes(tid.data(), static_cast<int>(tid.size())) != 1) {
    // RAND_bytes only fails when the CSPRNG is unseeded; a transaction id then still must differ.
    static thread_local uint64_t counter = 0;
    store64(tid.data(), ++counter);
  }
  return tid;
}

}  // namespace sfu::ice
