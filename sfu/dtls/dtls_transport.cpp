#include "sfu/dtls/dtls_transport.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "sfu/common/log.h"

namespace sfu::dtls {
namespace {

// RFC 5764 §4.2: the exporter label for DTLS-SRTP keying material.
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";

// A magic value in the BIO data / ex_data slot lets trampolines reject stale or foreign objects.
BIO_METHOD* writeBioMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sfu-dtls-write");
    return m;
  }();
  return method;
}

srtp::SrtpProfile profileFromId(unsigned long id) {
  switch (id) {
    case SRTP_AEAD_AES_128_GCM:
      return srtp::SrtpProfile::kAeadAes128Gcm;
    case SRTP_AEAD_AES_256_GCM:
      return srtp::SrtpProfile::kAeadAes256Gcm;
    case SRTP_AES128_CM_SHA1_80:
      return srtp::SrtpProfile::kAes128CmSha1_80;
    default:
      return srtp::SrtpProfile::kNone;
  }
}

std::string opensslErrors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace

std::string_view dtlsFailureName(DtlsFailure failure) {
  switch (failure) {
    case DtlsFailure::kHandshake:
      return "handshake";
    case DtlsFailure::kAlert:
      return "alert";
    case DtlsFailure::kTimeout:
      return "timeout";
    case DtlsFailure::kNoPeerCertificate:
      return "no_peer_certificate";
    case DtlsFailure::kFingerprintMismatch:
      return "fingerprint_mismatch";
    case DtlsFailure::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string_view dtlsStateName(DtlsState state) {
  switch (state) {
    case DtlsState::kNew:
      return "new";
    case DtlsState::kConnecting:
      return "connecting";
    case DtlsState::kConnected:
      return "connected";
    case DtlsState::kFailed:
      return "failed";
    case DtlsState::kClosed:
      return "closed";
  }
  return "unknown";
}

// Marks an entry point on the stack: if a listener callback destroys the transport, the
// destructor flips `destroyed` and the entry point returns without touching members.
struct DtlsTransport::EntryGuard {
  explicit EntryGuard(DtlsTransport* t) : transport(t), outer(t->destroyed_) {
    t->destroyed_ = &destroyed;
  }
  ~EntryGuard() {
    if (destroyed) {
      if (outer) *outer = true;
    } else {
      transport->destroyed_ = outer;
    }
  }
  EntryGuard(const EntryGuard&) = delete;
  EntryGuard& operator=(const EntryGuard&) = delete;

  DtlsTransport* transport;
  bool* outer;
  bool destroyed = false;
};

int DtlsTransport::exDataIndex() {
  static int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

DtlsTransport::DtlsTransport(std::shared_ptr<DtlsContext> context, Listener& listener,
                             const Options& options)
    : context_(std::move(context)), listener_(listener), options_(options) {
  static std::once_flag bioOnce;
  std::call_once(bioOnce, [] {
    BIO_METHOD* m = writeBioMethod();
    BIO_meth_set_write(m, &DtlsTransport::bioWrite);
    BIO_meth_set_ctrl(m, &DtlsTransport::bioCtrl);
    BIO_meth_set_create(m, &DtlsTransport::bioCreate);
    BIO_meth_set_destroy(m, &DtlsTransport::bioDestroy);
  });
  ERR_clear_error();
  ssl_ = SSL_new(context_->native());
  readBio_ = BIO_new(BIO_s_mem());
  writeBio_ = BIO_new(writeBioMethod());
  if (!ssl_ || !readBio_ || !writeBio_) {
    SFU_LOG_ERROR("dtls", "allocation failed error={}", opensslErrors());
    BIO_free(readBio_);
    BIO_free(writeBio_);
    readBio_ = writeBio_ = nullptr;
    state_ = DtlsState::kFailed;
    return;
  }
  // An empty memory BIO means "no datagram yet" (retry), not end of stream.
  BIO_set_mem_eof_return(readBio_, -1);
  BIO_set_data(writeBio_, this);
  BIO_set_init(writeBio_, 1);
  SSL_set_bio(ssl_, readBio_, writeBio_);
  SSL_set_ex_data(ssl_, exDataIndex(), this);
  SSL_set_options(ssl_, SSL_OP_NO_QUERY_MTU);
  DTLS_set_link_mtu(ssl_, static_cast<long>(options_.mtu));
  DTLS_set_timer_cb(ssl_, &DtlsTransport::onTimer);
  if (options_.role == DtlsRole::kClient) {
    SSL_set_connect_state(ssl_);
  } else {
    SSL_set_accept_state(ssl_);
  }
}

DtlsTransport::~DtlsTransport() {
  if (destroyed_) *destroyed_ = true;
  if (ssl_) {
    // Detach first: nothing OpenSSL does while freeing may reach the listener.
    SSL_set_ex_data(ssl_, exDataIndex(), nullptr);
    if (writeBio_) BIO_set_data(writeBio_, nullptr);
    SSL_free(ssl_);
  }
}

// --- OpenSSL trampolines ---------------------------------------------------------------------

int DtlsTransport::bioCreate(BIO* bio) {
  BIO_set_data(bio, nullptr);
  BIO_set_init(bio, 0);
  return 1;
}

int DtlsTransport::bioDestroy(BIO* bio) {
  if (bio) BIO_set_data(bio, nullptr);
  return 1;
}

int DtlsTransport::bioWrite(BIO* bio, const char* data, int length) {
  auto* self = static_cast<DtlsTransport*>(BIO_get_data(bio));
  if (length <= 0) return 0;
  // Detached (transport gone or going): swallow the datagram.
  if (!self) return length;
  ++self->datagramsSent_;
  self->listener_.onDtlsSend(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data),
                                                      static_cast<size_t>(length)));
  return length;
}

long DtlsTransport::bioCtrl(BIO* /*bio*/, int cmd, long /*num*/, void* /*ptr*/) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_DGRAM_QUERY_MTU:  // no PMTU discovery: DTLS_set_link_mtu decides
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
    case BIO_CTRL_WPENDING:
    case BIO_CTRL_PENDING:
      return 0;
    default:
      return 0;
  }
}

unsigned int DtlsTransport::onTimer(SSL* ssl, unsigned int previousUs) {
  auto* self = static_cast<DtlsTransport*>(SSL_get_ex_data(ssl, exDataIndex()));
  const unsigned int initial =
      self ? static_cast<unsigned int>(self->options_.initialRetransmit.count() * 1000) : 1000000;
  const unsigned int cap =
      self ? static_cast<unsigned int>(self->options_.maxRetransmit.count() * 1000) : 60000000;
  // RFC 6347 §4.2.4.1: start at the initial value, double on every expiry, up to a ceiling.
  if (previousUs == 0) return initial;
  return std::min(cap, previousUs * 2);
}

// --- entry points ------------------------------------------------------------------------------

void DtlsTransport::start(TimePoint now) {
  if (started_ || state_ != DtlsState::kNew || !ssl_) return;
  EntryGuard guard(this);
  now_ = now;
  started_ = true;
  state_ = DtlsState::kConnecting;
  // A server's handshake starts with the first ClientHello, not when it begins listening.
  if (options_.role == DtlsRole::kClient) handshakeStart_ = now;
  if (options_.role == DtlsRole::kClient) {
    if (!continueHandshake(guard)) return;
  }
  updateTimer(now);
}

void DtlsTransport::handleDatagram(std::span<const uint8_t> datagram, TimePoint now) {
  if (!ssl_ || datagram.empty()) return;
  if (state_ == DtlsState::kFailed || state_ == DtlsState::kClosed) return;
  if (state_ == DtlsState::kNew) {
    // A server may see the ClientHello before its owner called start(); a client ignores
    // anything before its own ClientHello.
    if (options_.role == DtlsRole::kClient) return;
    started_ = true;
    state_ = DtlsState::kConnecting;
  }
  if (options_.role == DtlsRole::kServer && datagramsReceived_ == 0) handshakeStart_ = now;
  EntryGuard guard(this);
  now_ = now;
  ++datagramsReceived_;
  ERR_clear_error();
  // One datagram at a time: OpenSSL reads the whole memory BIO as one packet.
  (void)BIO_reset(readBio_);
  if (BIO_write(readBio_, datagram.data(), static_cast<int>(datagram.size())) <= 0) return;
  if (!handshakeDone_) {
    if (!continueHandshake(guard)) return;
  }
  if (handshakeDone_ && (state_ == DtlsState::kConnected || state_ == DtlsState::kConnecting)) {
    if (!readApplicationData(guard)) return;
  }
  // Whatever OpenSSL did not consume (a bad record) is not carried into the next datagram.
  (void)BIO_reset(readBio_);
  updateTimer(now);
}

void DtlsTransport::handleTimeout(TimePoint now) {
  if (!ssl_ || state_ != DtlsState::kConnecting || handshakeDone_) {
    nextTimeout_.reset();
    return;
  }
  EntryGuard guard(this);
  now_ = now;
  ERR_clear_error();
  // Retransmits the last flight if OpenSSL's timer expired (no-op when called early).
  if (DTLSv1_handle_timeout(ssl_) < 0) {
    fail(guard, DtlsFailure::kTimeout, "handshake retransmissions exhausted " + opensslErrors());
    return;
  }
  updateTimer(now);
}

void DtlsTransport::setRemoteFingerprints(std::vector<Fingerprint> fingerprints, TimePoint now) {
  remoteFingerprints_ = std::move(fingerprints);
  // Handshake already finished and waiting for the SDP: verify now.
  if (handshakeDone_ && state_ == DtlsState::kConnecting && !remoteFingerprints_.empty()) {
    EntryGuard guard(this);
    now_ = now;
    if (!verifyPeer(guard)) return;
    updateTimer(now);
  }
}

bool DtlsTransport::send(std::span<const uint8_t> data) {
  if (state_ != DtlsState::kConnected || data.empty()) return false;
  ERR_clear_error();
  int written = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
  if (written <= 0) {
    ERR_clear_error();
    return false;
  }
  return static_cast<size_t>(written) == data.size();
}

void DtlsTransport::close() {
  if (!ssl_ || state_ == DtlsState::kClosed || state_ == DtlsState::kFailed) return;
  if (started_) {
    ERR_clear_error();
    // RFC 5246 §7.2.1: close_notify; we do not wait for the peer's.
    if (handshakeDone_) SSL_shutdown(ssl_);
    ERR_clear_error();
  }
  state_ = DtlsState::kClosed;
  nextTimeout_.reset();
}

// --- internals ---------------------------------------------------------------------------------

bool DtlsTransport::continueHandshake(EntryGuard& guard) {
  int ret = SSL_do_handshake(ssl_);
  if (guard.destroyed) return false;
  if (ret == 1) return onHandshakeComplete(guard);
  int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    return true;
  }
  if (err == SSL_ERROR_ZERO_RETURN) {
    state_ = DtlsState::kClosed;
    nextTimeout_.reset();
    listener_.onDtlsClosed();
    return !guard.destroyed;
  }
  // A fatal alert from the peer leaves SSL_R_SSLV3_ALERT_* / SSL_R_TLSV1_ALERT_* on the queue.
  std::string detail = opensslErrors();
  const bool alert = detail.find("alert") != std::string::npos &&
                     (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0;
  return fail(guard, alert ? DtlsFailure::kAlert : DtlsFailure::kHandshake, std::move(detail));
}

bool DtlsTransport::onHandshakeComplete(EntryGuard& guard) {
  handshakeDone_ = true;
  nextTimeout_.reset();
  if (!SSL_get0_peer_certificate(ssl_)) {
    return fail(guard, DtlsFailure::kNoPeerCertificate, "peer sent no certificate");
  }
  if (!exportKeys()) {
    return fail(guard, DtlsFailure::kInternal, "keying material export failed " + opensslErrors());
  }
  // Without the SDP fingerprint yet, stay kConnecting until setRemoteFingerprints().
  if (remoteFingerprints_.empty()) {
    SFU_LOG_DEBUG("dtls", "handshake done, awaiting remote fingerprint");
    return true;
  }
  return verifyPeer(guard);
}

bool DtlsTransport::verifyPeer(EntryGuard& guard) {
  X509* peer = SSL_get0_peer_certificate(ssl_);
  bool match = false;
  for (const auto& want : remoteFingerprints_) {
    if (certificateFingerprint(peer, want.algorithm()) == want) {
      match = true;
      break;
    }
  }
  if (!match) {
    // RFC 5763 §5 / RFC 8122 §5: a certificate that does not match the fingerprint is fatal.
    ERR_clear_error();
    SSL_shutdown(ssl_);
    ERR_clear_error();
    if (guard.destroyed) return false;
    return fail(guard, DtlsFailure::kFingerprintMismatch,
                "peer sha-256 " + certificateFingerprint(peer, HashAlgorithm::kSha256).hex());
  }
  state_ = DtlsState::kConnected;
  handshakeDuration_ =
      std::chrono::duration_cast<std::chrono::microseconds>(now_ - handshakeStart_);
  SFU_LOG_INFO("dtls", "connected role={} profile={} cipher={} handshake_us={}",
               options_.role == DtlsRole::kClient ? "client" : "server",
               srtp::srtpProfileInfo(keys_.profile).name, SSL_get_cipher_name(ssl_),
               handshakeDuration_->count());
  listener_.onDtlsConnected(keys_);
  return !guard.destroyed;
}

bool DtlsTransport::exportKeys() {
  keys_ = srtp::SrtpKeyMaterial{};
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
  keys_.profile = selected ? profileFromId(selected->id) : srtp::SrtpProfile::kNone;
  if (keys_.profile == srtp::SrtpProfile::kNone) return true;
  const auto info = srtp::srtpProfileInfo(keys_.profile);
  const size_t k = info.keyLength;
  const size_t s = info.saltLength;
  // RFC 5764 §4.2: client_write_SRTP_master_key | server_write_SRTP_master_key |
  //                client_write_SRTP_master_salt | server_write_SRTP_master_salt
  std::array<uint8_t, 2 * srtp::kMaxMasterKeyLength> material{};
  if (SSL_export_keying_material(ssl_, material.data(), 2 * (k + s), kExporterLabel,
                                 sizeof(kExporterLabel) - 1, nullptr, 0, 0) != 1) {
    return false;
  }
  srtp::SrtpMasterKey client;
  srtp::SrtpMasterKey server;
  std::memcpy(client.bytes.data(), material.data(), k);
  std::memcpy(server.bytes.data(), material.data() + k, k);
  std::memcpy(client.bytes.data() + k, material.data() + 2 * k, s);
  std::memcpy(server.bytes.data() + k, material.data() + 2 * k + s, s);
  client.length = server.length = k + s;
  const bool weAreClient = options_.role == DtlsRole::kClient;
  keys_.local = weAreClient ? client : server;
  keys_.remote = weAreClient ? server : client;
  OPENSSL_cleanse(material.data(), material.size());
  return true;
}

bool DtlsTransport::readApplicationData(EntryGuard& guard) {
  while (true) {
    ERR_clear_error();
    int n = SSL_read(ssl_, readBuffer_.data(), static_cast<int>(readBuffer_.size()));
    if (guard.destroyed) return false;
    if (n > 0) {
      // Data before verification (handshake done, fingerprint pending) is dropped: the peer
      // is not yet authenticated.
      if (state_ != DtlsState::kConnected) continue;
      listener_.onDtlsData(std::span<const uint8_t>(readBuffer_.data(), static_cast<size_t>(n)));
      if (guard.destroyed) return false;
      if (state_ != DtlsState::kConnected) return true;
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      return true;
    }
    if (err == SSL_ERROR_ZERO_RETURN) {
      // close_notify from the peer: answer with ours and report.
      ERR_clear_error();
      SSL_shutdown(ssl_);
      ERR_clear_error();
      if (guard.destroyed) return false;
      state_ = DtlsState::kClosed;
      nextTimeout_.reset();
      SFU_LOG_DEBUG("dtls", "close_notify received");
      listener_.onDtlsClosed();
      return !guard.destroyed;
    }
    std::string detail = opensslErrors();
    const bool alert = (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0;
    return fail(guard, alert ? DtlsFailure::kAlert : DtlsFailure::kHandshake, std::move(detail));
  }
}

bool DtlsTransport::fail(EntryGuard& guard, DtlsFailure reason, std::string detail) {
  ERR_clear_error();
  state_ = DtlsState::kFailed;
  nextTimeout_.reset();
  SFU_LOG_INFO("dtls", "failed reason={} role={} detail=\"{}\"", dtlsFailureName(reason),
               options_.role == DtlsRole::kClient ? "client" : "server", detail);
  listener_.onDtlsFailed(reason, detail);
  return !guard.destroyed;
}

void DtlsTransport::updateTimer(TimePoint now) {
  if (state_ != DtlsState::kConnecting || handshakeDone_) {
    nextTimeout_.reset();
    return;
  }
  timeval tv{};
  if (DTLSv1_get_timeout(ssl_, &tv) == 1) {
    nextTimeout_ = now + std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  } else {
    nextTimeout_.reset();
  }
}

}  // namespace sfu::dtls
