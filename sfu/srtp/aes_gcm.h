// AES-GCM (NIST SP 800-38D) with one key and a 12-octet IV, the AEAD under the SRTP GCM profiles
// (RFC 7714). One call seals or opens one packet in place.
//
// Two engines behind one interface:
// - AES-NI (x86-64 with the AES instructions, checked at run time): our own AES key schedule and
//   8-block counter mode, with OpenSSL's GHASH through its GCM128 mode API (CRYPTO_gcm128_*,
//   which picks its carry-less-multiply code for the CPU). No OSSL_PARAM traffic per packet:
//   through EVP every packet pays a re-IV, a tag ctrl and the provider's parameter lookups
//   (strcmp chains), about 40 % of a 1200-octet seal measured here (bench/micro/sfu_srtp.cpp).
// - OpenSSL EVP otherwise (or when forced, for tests): the cipher context is keyed once and only
//   re-IV'd per packet.
//
// Neither engine allocates per packet. Not thread-safe: one owner at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "sfu/common/prefetch.h"

// OpenSSL's types, declared here so that this header does not pull in OpenSSL's.
struct evp_cipher_ctx_st;
struct gcm128_context;

namespace sfu::srtp {

inline constexpr size_t kAesGcmIvLength = 12;
inline constexpr size_t kAesGcmTagLength = 16;

// The state sits in the object itself (round keys included), so an owner that embeds it reaches
// it without another pointer: a cold seal costs the owner's lines and OpenSSL's GCM128 context.
class AesGcm {
 public:
  enum class Engine { kAuto, kEvp };

  // Unkeyed: init() before run().
  AesGcm() = default;
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;

  // Keys the context once. keyLength 16 (AES-128) or 32 (AES-256); false for another length, an
  // OpenSSL failure or a second call. The object must not move afterwards (GCM128 keeps a pointer
  // to the round keys), which deleting the copy and move operations enforces.
  bool init(const uint8_t* key, size_t keyLength, bool encrypt, Engine engine = Engine::kAuto);

  // A keyed context on the heap; nullptr where init() would fail.
  static std::unique_ptr<AesGcm> create(const uint8_t* key, size_t keyLength, bool encrypt,
                                        Engine engine = Engine::kAuto);

  // AAD = aad[0..aadLength) followed by aad2[0..aad2Length); then the n octets at `text`, in
  // place. Sealing writes the 16-octet tag; opening checks it and returns false on a mismatch
  // (the text is then garbage and must be dropped). A context made for sealing does not open,
  // and the reverse. False on an unkeyed context.
  bool run(const uint8_t* iv, const uint8_t* aad, size_t aadLength, const uint8_t* aad2,
           size_t aad2Length, uint8_t* text, size_t n, uint8_t* tag);

  // Bytes from the object's start that run() reads: up to the last round key in use.
  size_t hotBytes() const;
  // The cipher state outside the object that run() reads (OpenSSL's GCM128 or EVP context).
  HotLines cipherState() const;

  // True when the AES-NI engine runs (for tests and the benchmark's labels).
  bool accelerated() const { return gcm_ != nullptr; }
  // Whether this CPU runs the AES-NI engine.
  static bool cpuHasAesNi();

  // Expanded AES encryption key (FIPS 197 §5.2): rounds + 1 round keys of 16 octets.
  struct RoundKeys {
    alignas(16) uint8_t bytes[15 * 16];
    int rounds;
  };

 private:
  // What run() reads first, then the round keys.
  gcm128_context* gcm_ = nullptr;     // AES-NI engine: H, the GHASH tables, per-packet state
  evp_cipher_ctx_st* evp_ = nullptr;  // EVP engine
  bool encrypt_ = false;
  RoundKeys keys_{};
};

}  // namespace sfu::srtp
