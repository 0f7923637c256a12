// One OpenSSL SSL_CTX configured for WebRTC DTLS-SRTP, shared (std::shared_ptr) by every
// DtlsTransport that uses the same certificate, in both roles. SSL_CTX is reference counted by
// OpenSSL and safe to use from several worker threads once configured.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sfu/dtls/certificate.h"
#include "sfu/srtp/srtp_profile.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace sfu::dtls {

class DtlsContext {
 public:
  struct Options {
    // use_srtp profiles in preference order (RFC 5764 §4.1.1; a server's order wins in OpenSSL).
    // Empty: AEAD_AES_128_GCM, AEAD_AES_256_GCM, AES128_CM_SHA1_80.
    std::vector<srtp::SrtpProfile> srtpProfiles;
  };

  // DTLS 1.2 only; ECDHE-ECDSA with AES-GCM; use_srtp with the profiles of `options`; peer
  // certificate required (it is checked against the SDP fingerprint, not against a CA).
  // nullptr (and *error) on failure.
  static std::shared_ptr<DtlsContext> create(std::shared_ptr<const Certificate> certificate,
                                             const Options& options, std::string* error = nullptr);
  static std::shared_ptr<DtlsContext> create(std::shared_ptr<const Certificate> certificate,
                                             std::string* error = nullptr) {
    return create(std::move(certificate), Options{}, error);
  }

  ~DtlsContext();
  DtlsContext(const DtlsContext&) = delete;
  DtlsContext& operator=(const DtlsContext&) = delete;

  SSL_CTX* native() const { return ctx_; }
  const Certificate& certificate() const { return *certificate_; }
  const std::shared_ptr<const Certificate>& certificatePtr() const { return certificate_; }

 private:
  DtlsContext(SSL_CTX* ctx, std::shared_ptr<const Certificate> certificate);

  SSL_CTX* ctx_;
  std::shared_ptr<const Certificate> certificate_;
};

}  // namespace sfu::dtls
