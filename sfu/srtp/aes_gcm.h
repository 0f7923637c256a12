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

namespace sfu::srtp {

inline constexpr size_t kAesGcmIvLength = 12;
inline constexpr size_t kAesGcmTagLength = 16;

class AesGcm {
 public:
  enum class Engine { kAuto, kEvp };

  // keyLength 16 (AES-128) or 32 (AES-256); nullptr for another length or an OpenSSL failure.
  static std::unique_ptr<AesGcm> create(const uint8_t* key, size_t keyLength, bool encrypt,
                                        Engine engine = Engine::kAuto);
  ~AesGcm();
  AesGcm(const AesGcm&) = delete;
  AesGcm& operator=(const AesGcm&) = delete;

  // AAD = aad[0..aadLength) followed by aad2[0..aad2Length); then the n octets at `text`, in
  // place. Sealing writes the 16-octet tag; opening checks it and returns false on a mismatch
  // (the text is then garbage and must be dropped). A context made for sealing does not open,
  // and the reverse.
  bool run(const uint8_t* iv, const uint8_t* aad, size_t aadLength, const uint8_t* aad2,
           size_t aad2Length, uint8_t* text, size_t n, uint8_t* tag);

  // True when the AES-NI engine runs (for tests and the benchmark's labels).
  bool accelerated() const;
  // Whether this CPU runs the AES-NI engine.
  static bool cpuHasAesNi();

 private:
  struct Impl;
  explicit AesGcm(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfu::srtp
