#include "sfu/srtp/aes_gcm.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/modes.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define SFU_AES_NI 1
#else
#define SFU_AES_NI 0
#endif

namespace sfu::srtp {
namespace {

// ---- OpenSSL EVP engine ------------------------------------------------------------------------

const EVP_CIPHER* evpCipher(size_t keyLength) {
  return keyLength == 16 ? EVP_aes_128_gcm() : keyLength == 32 ? EVP_aes_256_gcm() : nullptr;
}

EVP_CIPHER_CTX* evpKeyed(const uint8_t* key, size_t keyLength, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return nullptr;
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx, evpCipher(keyLength), nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kAesGcmIvLength),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx, nullptr, nullptr, key, nullptr, enc) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

bool evpRun(EVP_CIPHER_CTX* ctx, bool encrypt, const uint8_t* iv, const uint8_t* aad,
            size_t aadLength, const uint8_t* aad2, size_t aad2Length, uint8_t* text, size_t n,
            uint8_t* tag) {
  int len = 0;
  if (EVP_CipherInit_ex(ctx, nullptr, nullptr, nullptr, iv, encrypt ? 1 : 0) != 1) return false;
  if (aadLength && EVP_CipherUpdate(ctx, nullptr, &len, aad, static_cast<int>(aadLength)) != 1) {
    return false;
  }
  if (aad2Length && EVP_CipherUpdate(ctx, nullptr, &len, aad2, static_cast<int>(aad2Length)) != 1) {
    return false;
  }
  if (n && EVP_CipherUpdate(ctx, text, &len, text, static_cast<int>(n)) != 1) return false;
  if (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagLength),
                                      tag) != 1) {
    return false;
  }
  int tail = 0;
  uint8_t none[16];
  if (EVP_CipherFinal_ex(ctx, text ? text + n : none, &tail) != 1) return false;
  if (encrypt) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagLength),
                               tag) == 1;
  }
  return true;
}

// ---- AES-NI engine -----------------------------------------------------------------------------
#if SFU_AES_NI

using RoundKeys = AesGcm::RoundKeys;

inline __m128i* roundKey(RoundKeys& key, int i) {
  return reinterpret_cast<__m128i*>(key.bytes + 16 * i);
}
inline __m128i roundKey(const RoundKeys& key, int i) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(key.bytes + 16 * i));
}

#define SFU_AESNI __attribute__((target("aes,ssse3")))

// One step of the key schedule: the previous round key with its words folded left-to-right
// (w[i] ^= w[i-1] for the four words), XOR the broadcast word `g` picked from aeskeygenassist.
SFU_AESNI inline __m128i foldKey(__m128i k, __m128i g) {
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
  return _mm_xor_si128(k, g);
}

// The round constant must be an immediate, hence a macro.
#define SFU_ROT_WORD(prev, rcon) _mm_shuffle_epi32(_mm_aeskeygenassist_si128(prev, rcon), 0xff)
#define SFU_SUB_WORD(prev) _mm_shuffle_epi32(_mm_aeskeygenassist_si128(prev, 0), 0xaa)

SFU_AESNI void expandKey128(RoundKeys& key, const uint8_t* k) {
  key.rounds = 10;
  __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k));
  _mm_store_si128(roundKey(key, 0), t);
#define SFU_STEP(i, rcon)                \
  t = foldKey(t, SFU_ROT_WORD(t, rcon)); \
  _mm_store_si128(roundKey(key, i), t);
  SFU_STEP(1, 0x01)
  SFU_STEP(2, 0x02)
  SFU_STEP(3, 0x04)
  SFU_STEP(4, 0x08)
  SFU_STEP(5, 0x10)
  SFU_STEP(6, 0x20)
  SFU_STEP(7, 0x40)
  SFU_STEP(8, 0x80)
  SFU_STEP(9, 0x1b)
  SFU_STEP(10, 0x36)
#undef SFU_STEP
}

SFU_AESNI void expandKey256(RoundKeys& key, const uint8_t* k) {
  key.rounds = 14;
  __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k));
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(k + 16));
  _mm_store_si128(roundKey(key, 0), a);
  _mm_store_si128(roundKey(key, 1), b);
  // Even round keys: RotWord + SubWord + Rcon of the previous odd one; odd round keys: SubWord
  // only of the previous even one (FIPS 197 §5.2, Nk = 8).
#define SFU_STEP(i, rcon)                       \
  a = foldKey(a, SFU_ROT_WORD(b, rcon));        \
  _mm_store_si128(roundKey(key, i), a);         \
  if ((i) < 14) {                               \
    b = foldKey(b, SFU_SUB_WORD(a));            \
    _mm_store_si128(roundKey(key, (i) + 1), b); \
  }
  SFU_STEP(2, 0x01)
  SFU_STEP(4, 0x02)
  SFU_STEP(6, 0x04)
  SFU_STEP(8, 0x08)
  SFU_STEP(10, 0x10)
  SFU_STEP(12, 0x20)
  SFU_STEP(14, 0x40)
#undef SFU_STEP
}

#undef SFU_ROT_WORD
#undef SFU_SUB_WORD

inline __m128i load(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// block128_f for GCM128: one block (the hash key H = E(0) and E(Y0) for the tag).
SFU_AESNI void aesNiBlock(const unsigned char in[16], unsigned char out[16], const void* k) {
  const RoundKeys& key = *static_cast<const RoundKeys*>(k);
  __m128i x =
      _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in)), roundKey(key, 0));
  for (int r = 1; r < key.rounds; ++r) x = _mm_aesenc_si128(x, roundKey(key, r));
  x = _mm_aesenclast_si128(x, roundKey(key, key.rounds));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), x);
}

// ctr128_f for GCM128: `blocks` blocks of counter mode from the counter block `ivec`, whose last
// 32 bits count (big-endian, wrapping in 32 bits: GCM's inc32). Eight blocks at a time keep the
// AES unit's pipeline full; in and out may be the same buffer.
SFU_AESNI void aesNiCtr32(const unsigned char* in, unsigned char* out, size_t blocks, const void* k,
                          const unsigned char ivec[16]) {
  const RoundKeys& key = *static_cast<const RoundKeys*>(k);
  const int nr = key.rounds;
  const __m128i reverse = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i one = _mm_set_epi32(0, 0, 0, 1);
  // Byte-reversed, the counter word is the low 32-bit lane, where _mm_add_epi32 wraps it.
  __m128i ctr = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(ivec)), reverse);
  const __m128i k0 = roundKey(key, 0);
  const __m128i kLast = roundKey(key, nr);
  while (blocks >= 8) {
    __m128i b0, b1, b2, b3, b4, b5, b6, b7;
#define SFU_NEXT(x)                                      \
  x = _mm_xor_si128(_mm_shuffle_epi8(ctr, reverse), k0); \
  ctr = _mm_add_epi32(ctr, one);
    SFU_NEXT(b0)
    SFU_NEXT(b1)
    SFU_NEXT(b2)
    SFU_NEXT(b3)
    SFU_NEXT(b4)
    SFU_NEXT(b5)
    SFU_NEXT(b6)
    SFU_NEXT(b7)
#undef SFU_NEXT
    for (int r = 1; r < nr; ++r) {
      const __m128i kr = roundKey(key, r);
      b0 = _mm_aesenc_si128(b0, kr);
      b1 = _mm_aesenc_si128(b1, kr);
      b2 = _mm_aesenc_si128(b2, kr);
      b3 = _mm_aesenc_si128(b3, kr);
      b4 = _mm_aesenc_si128(b4, kr);
      b5 = _mm_aesenc_si128(b5, kr);
      b6 = _mm_aesenc_si128(b6, kr);
      b7 = _mm_aesenc_si128(b7, kr);
    }
#define SFU_OUT(x, j)                                          \
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * (j)), \
                   _mm_xor_si128(_mm_aesenclast_si128(x, kLast), load(in + 16 * (j))));
    SFU_OUT(b0, 0)
    SFU_OUT(b1, 1)
    SFU_OUT(b2, 2)
    SFU_OUT(b3, 3)
    SFU_OUT(b4, 4)
    SFU_OUT(b5, 5)
    SFU_OUT(b6, 6)
    SFU_OUT(b7, 7)
#undef SFU_OUT
    in += 128;
    out += 128;
    blocks -= 8;
  }
  for (; blocks > 0; --blocks, in += 16, out += 16) {
    __m128i x = _mm_xor_si128(_mm_shuffle_epi8(ctr, reverse), k0);
    ctr = _mm_add_epi32(ctr, one);
    for (int r = 1; r < nr; ++r) x = _mm_aesenc_si128(x, roundKey(key, r));
    x = _mm_xor_si128(_mm_aesenclast_si128(x, kLast), load(in));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), x);
  }
}

#undef SFU_AESNI
#endif  // SFU_AES_NI

}  // namespace

AesGcm::~AesGcm() {
  EVP_CIPHER_CTX_free(evp_);
#if SFU_AES_NI
  if (gcm_) CRYPTO_gcm128_release(gcm_);  // cleanses it
#endif
  OPENSSL_cleanse(&keys_, sizeof(keys_));
}

bool AesGcm::cpuHasAesNi() {
#if SFU_AES_NI
  static const bool has = __builtin_cpu_supports("aes") && __builtin_cpu_supports("ssse3");
  return has;
#else
  return false;
#endif
}

bool AesGcm::init(const uint8_t* key, size_t keyLength, bool encrypt, Engine engine) {
  if (!key || (keyLength != 16 && keyLength != 32) || gcm_ || evp_) return false;
  encrypt_ = encrypt;
#if SFU_AES_NI
  if (engine == Engine::kAuto && cpuHasAesNi()) {
    if (keyLength == 16) {
      expandKey128(keys_, key);
    } else {
      expandKey256(keys_, key);
    }
    gcm_ = CRYPTO_gcm128_new(&keys_, aesNiBlock);
    return gcm_ != nullptr;
  }
#else
  (void)engine;
#endif
  evp_ = evpKeyed(key, keyLength, encrypt);
  return evp_ != nullptr;
}

size_t AesGcm::hotBytes() const {
  if (!gcm_) return sizeof(*this);
  return offsetof(AesGcm, keys_) + 16 * static_cast<size_t>(keys_.rounds + 1);
}

HotLines AesGcm::cipherState() const {
  // OpenSSL 3's gcm128_context: six 16-byte blocks, the 16-entry GHASH table, two function
  // pointers, mres/ares, block, key and a 48-byte buffer (440 bytes on 64-bit); all of it is read
  // per packet. EVP's context: its first lines hold what a re-IV and an update read.
  if (gcm_) return linesOf(gcm_, 440);
  return linesOf(evp_, 128);
}

std::unique_ptr<AesGcm> AesGcm::create(const uint8_t* key, size_t keyLength, bool encrypt,
                                       Engine engine) {
  auto aead = std::make_unique<AesGcm>();
  if (!aead->init(key, keyLength, encrypt, engine)) return nullptr;
  return aead;
}

bool AesGcm::run(const uint8_t* iv, const uint8_t* aad, size_t aadLength, const uint8_t* aad2,
                 size_t aad2Length, uint8_t* text, size_t n, uint8_t* tag) {
#if SFU_AES_NI
  if (gcm_) {
    CRYPTO_gcm128_setiv(gcm_, iv, kAesGcmIvLength);
    if (aadLength && CRYPTO_gcm128_aad(gcm_, aad, aadLength) != 0) return false;
    if (aad2Length && CRYPTO_gcm128_aad(gcm_, aad2, aad2Length) != 0) return false;
    if (encrypt_) {
      if (n && CRYPTO_gcm128_encrypt_ctr32(gcm_, text, text, n, aesNiCtr32) != 0) return false;
      CRYPTO_gcm128_tag(gcm_, tag, kAesGcmTagLength);
      return true;
    }
    if (n && CRYPTO_gcm128_decrypt_ctr32(gcm_, text, text, n, aesNiCtr32) != 0) return false;
    return CRYPTO_gcm128_finish(gcm_, tag, kAesGcmTagLength) == 0;  // constant-time compare
  }
#endif
  if (!evp_) return false;
  return evpRun(evp_, encrypt_, iv, aad, aadLength, aad2, aad2Length, text, n, tag);
}

}  // namespace sfu::srtp
