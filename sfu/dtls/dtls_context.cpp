#include "sfu/dtls/dtls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <span>

namespace sfu::dtls {
namespace {

// RFC 8827 §6.5 asks for ECDHE (forward secrecy); our key is ECDSA P-256.
constexpr const char* kCiphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
constexpr const char* kGroups = "X25519:P-256:P-384";

// WebRTC certificates are self-signed and authenticated by fingerprint after the handshake
// (RFC 8122 §5): accept any chain here, DtlsTransport compares the digest.
int acceptAnyCertificate(int /*preverifyOk*/, X509_STORE_CTX* /*ctx*/) { return 1; }

void setError(std::string* error, const char* what) {
  if (!error) return;
  *error = what;
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    *error += ": ";
    *error += buf;
  }
  ERR_clear_error();
}

}  // namespace

DtlsContext::DtlsContext(SSL_CTX* ctx, std::shared_ptr<const Certificate> certificate)
    : ctx_(ctx), certificate_(std::move(certificate)) {}

DtlsContext::~DtlsContext() { SSL_CTX_free(ctx_); }

std::shared_ptr<DtlsContext> DtlsContext::create(std::shared_ptr<const Certificate> certificate,
                                                 const Options& options, std::string* error) {
  if (!certificate) {
    if (error) *error = "no certificate";
    return nullptr;
  }
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(DTLS_method());
  if (!ctx) {
    setError(error, "SSL_CTX_new failed");
    return nullptr;
  }
  std::shared_ptr<DtlsContext> out(new DtlsContext(ctx, certificate));
  // After the handshake a DTLS session only carries the odd SCTP record: give the read/write
  // buffers (~34 KiB per connection) back while idle instead of holding them for the call.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1) {
    setError(error, "cannot pin DTLS 1.2");
    return nullptr;
  }
  if (SSL_CTX_use_certificate(ctx, certificate->x509()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, certificate->privateKey()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    setError(error, "cannot install certificate");
    return nullptr;
  }
  if (SSL_CTX_set_cipher_list(ctx, kCiphers) != 1) {
    setError(error, "cannot set ciphers");
    return nullptr;
  }
  if (SSL_CTX_set1_groups_list(ctx, kGroups) != 1) {
    setError(error, "cannot set groups");
    return nullptr;
  }
  // RFC 5764 §4.1.1: the server picks from the client's list; OpenSSL picks by the server's
  // order, so the list order is our preference. Note: returns 0 on success.
  static constexpr srtp::SrtpProfile kDefaultProfiles[] = {srtp::SrtpProfile::kAeadAes128Gcm,
                                                           srtp::SrtpProfile::kAeadAes256Gcm,
                                                           srtp::SrtpProfile::kAes128CmSha1_80};
  std::span<const srtp::SrtpProfile> wanted = options.srtpProfiles;
  if (wanted.empty()) wanted = kDefaultProfiles;
  std::string profiles;
  for (auto profile : wanted) {
    if (profile == srtp::SrtpProfile::kNone) continue;
    if (!profiles.empty()) profiles += ':';
    profiles += srtp::srtpProfileInfo(profile).name;
  }
  if (!profiles.empty() && SSL_CTX_set_tlsext_use_srtp(ctx, profiles.c_str()) != 0) {
    setError(error, "cannot set SRTP profiles");
    return nullptr;
  }
  // RFC 5763 §5: both ends present a certificate; the server must request the client's.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
  // No PMTU discovery through the BIO (we have none): the MTU is fixed per transport.
  SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_read_ahead(ctx, 1);
  return out;
}

}  // namespace sfu::dtls
