// The server's DTLS identity: an ECDSA P-256 key and a self-signed X.509 certificate (RFC 8827
// §6.5: WebRTC endpoints authenticate by the certificate fingerprint carried in SDP, so the
// certificate need not chain to anything). One Certificate is generated (or loaded) at start and
// shared by every DTLS session through std::shared_ptr; it is immutable after creation and safe to
// read from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "sfu/dtls/fingerprint.h"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace sfu::dtls {

class Certificate {
 public:
  struct Options {
    std::string commonName = "sfu-server";
    // Browsers do not check validity dates of DTLS certificates, but other stacks may: keep the
    // window generous (it starts one day in the past to absorb clock skew).
    std::chrono::hours validity = std::chrono::hours(24 * 365);
  };

  // A fresh ECDSA P-256 key and a self-signed certificate (SHA-256 signature, random serial).
  // nullptr (and *error set) only if OpenSSL fails.
  static std::shared_ptr<const Certificate> generate(const Options& options,
                                                     std::string* error = nullptr);
  static std::shared_ptr<const Certificate> generate() { return generate(Options{}); }

  // From PEM text / PEM files (certificate, private key). The key must match the certificate.
  static std::shared_ptr<const Certificate> fromPem(std::string_view certPem,
                                                    std::string_view keyPem,
                                                    std::string* error = nullptr);
  static std::shared_ptr<const Certificate> loadPemFiles(const std::string& certPath,
                                                         const std::string& keyPath,
                                                         std::string* error = nullptr);

  ~Certificate();
  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;

  // Borrowed OpenSSL handles (valid as long as this object).
  X509* x509() const { return x509_; }
  EVP_PKEY* privateKey() const { return key_; }

  // The sha-256 fingerprint, computed once: what the SDP a=fingerprint line carries.
  const Fingerprint& fingerprint() const { return sha256_; }
  // "AB:CD:..." of the sha-256 fingerprint.
  std::string fingerprintHex() const { return sha256_.hex(); }
  // Any other algorithm (computed on demand).
  Fingerprint fingerprint(HashAlgorithm algorithm) const;

  std::string certificatePem() const;
  std::string privateKeyPem() const;

 private:
  Certificate(X509* x509, EVP_PKEY* key);

  X509* x509_;
  EVP_PKEY* key_;
  Fingerprint sha256_;
};

// The digest of an X.509 certificate with the given algorithm (used for the peer's certificate).
Fingerprint certificateFingerprint(X509* x509, HashAlgorithm algorithm);

}  // namespace sfu::dtls
