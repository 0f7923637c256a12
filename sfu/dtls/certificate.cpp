#include "sfu/dtls/certificate.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

namespace sfu::dtls {
namespace {

const EVP_MD* digestFor(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha1:
      return EVP_sha1();
    case HashAlgorithm::kSha224:
      return EVP_sha224();
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha384:
      return EVP_sha384();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

void setError(std::string* error, std::string_view what) {
  if (!error) return;
  *error = std::string(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    *error += ": ";
    *error += buf;
  }
  ERR_clear_error();
}

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

bool setRandomSerial(X509* x509) {
  // RFC 5280 §4.1.2.2: positive, at most 20 octets. 63 random bits keep it positive.
  uint8_t bytes[8];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return false;
  bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(bytes, sizeof(bytes), nullptr);
  if (!bn) return false;
  ASN1_INTEGER* serial = X509_get_serialNumber(x509);
  bool ok = BN_to_ASN1_INTEGER(bn, serial) != nullptr;
  BN_free(bn);
  return ok;
}

std::string readFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  *ok = static_cast<bool>(in) || in.eof();
  return text.str();
}

}  // namespace

Fingerprint certificateFingerprint(X509* x509, HashAlgorithm algorithm) {
  uint8_t md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!x509 || X509_digest(x509, digestFor(algorithm), md, &len) != 1) return Fingerprint();
  return Fingerprint(algorithm, std::span<const uint8_t>(md, len));
}

Certificate::Certificate(X509* x509, EVP_PKEY* key)
    : x509_(x509), key_(key), sha256_(certificateFingerprint(x509, HashAlgorithm::kSha256)) {}

Certificate::~Certificate() {
  X509_free(x509_);
  EVP_PKEY_free(key_);
}

std::shared_ptr<const Certificate> Certificate::generate(const Options& options,
                                                         std::string* error) {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    setError(error, "EC P-256 key generation failed");
    return nullptr;
  }
  X509Ptr x509(X509_new());
  if (!x509 || X509_set_version(x509.get(), 2) != 1 || !setRandomSerial(x509.get())) {
    setError(error, "certificate allocation failed");
    return nullptr;
  }
  const long validitySeconds =
      static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(options.validity).count());
  if (!X509_gmtime_adj(X509_getm_notBefore(x509.get()), -24L * 3600) ||
      !X509_gmtime_adj(X509_getm_notAfter(x509.get()), validitySeconds)) {
    setError(error, "certificate validity failed");
    return nullptr;
  }
  X509_NAME* name = X509_get_subject_name(x509.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(options.commonName.c_str()),
                                 static_cast<int>(options.commonName.size()), -1, 0) != 1 ||
      X509_set_issuer_name(x509.get(), name) != 1 || X509_set_pubkey(x509.get(), key.get()) != 1) {
    setError(error, "certificate subject failed");
    return nullptr;
  }
  if (X509_sign(x509.get(), key.get(), EVP_sha256()) <= 0) {
    setError(error, "certificate signing failed");
    return nullptr;
  }
  return std::shared_ptr<const Certificate>(new Certificate(x509.release(), key.release()));
}

std::shared_ptr<const Certificate> Certificate::fromPem(std::string_view certPem,
                                                        std::string_view keyPem,
                                                        std::string* error) {
  BioPtr certBio(BIO_new_mem_buf(certPem.data(), static_cast<int>(certPem.size())));
  BioPtr keyBio(BIO_new_mem_buf(keyPem.data(), static_cast<int>(keyPem.size())));
  if (!certBio || !keyBio) {
    setError(error, "BIO allocation failed");
    return nullptr;
  }
  X509Ptr x509(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
  if (!x509) {
    setError(error, "cannot parse certificate PEM");
    return nullptr;
  }
  KeyPtr key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    setError(error, "cannot parse private key PEM");
    return nullptr;
  }
  if (X509_check_private_key(x509.get(), key.get()) != 1) {
    setError(error, "private key does not match certificate");
    return nullptr;
  }
  return std::shared_ptr<const Certificate>(new Certificate(x509.release(), key.release()));
}

std::shared_ptr<const Certificate> Certificate::loadPemFiles(const std::string& certPath,
                                                             const std::string& keyPath,
                                                             std::string* error) {
  bool certOk = false;
  bool keyOk = false;
  std::string cert = readFile(certPath, &certOk);
  std::string key = readFile(keyPath, &keyOk);
  if (!certOk || cert.empty()) {
    if (error) *error = "cannot read " + certPath;
    return nullptr;
  }
  if (!keyOk || key.empty()) {
    if (error) *error = "cannot read " + keyPath;
    return nullptr;
  }
  return fromPem(cert, key, error);
}

Fingerprint Certificate::fingerprint(HashAlgorithm algorithm) const {
  if (algorithm == HashAlgorithm::kSha256) return sha256_;
  return certificateFingerprint(x509_, algorithm);
}

std::string Certificate::certificatePem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), x509_) != 1) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string Certificate::privateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace sfu::dtls
