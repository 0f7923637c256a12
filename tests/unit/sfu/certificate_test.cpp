#include "sfu/dtls/certificate.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "sfu/dtls/fingerprint.h"

namespace sfu::dtls {
namespace {

const std::string kSha256Hex =
    "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:"
    "89";

TEST(FingerprintTest, ParseTable) {
  struct Case {
    std::string name;
    std::string algorithm;
    std::string hex;
    bool valid;
    HashAlgorithm want;
  };
  const std::string sha1 = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33";
  std::string lower = kSha256Hex;
  for (auto& c : lower) c = static_cast<char>(std::tolower(c));
  const std::vector<Case> cases = {
      {"sha-256", "sha-256", kSha256Hex, true, HashAlgorithm::kSha256},
      {"upper case algorithm", "SHA-256", kSha256Hex, true, HashAlgorithm::kSha256},
      {"lower case hex", "sha-256", lower, true, HashAlgorithm::kSha256},
      {"sha-1", "sha-1", sha1, true, HashAlgorithm::kSha1},
      {"md5 unsupported", "md5", "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF", false, {}},
      {"unknown algorithm", "sha-3", kSha256Hex, false, {}},
      {"short digest", "sha-256", sha1, false, {}},
      {"long digest", "sha-1", kSha256Hex, false, {}},
      {"missing colon", "sha-256", "ABCD" + kSha256Hex.substr(5) + ":00", false, {}},
      {"bad hex", "sha-256", "XB" + kSha256Hex.substr(2), false, {}},
      {"empty", "sha-256", "", false, {}},
      {"trailing colon", "sha-256", kSha256Hex + ":", false, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto fp = Fingerprint::parse(c.algorithm, c.hex);
    ASSERT_EQ(fp.has_value(), c.valid);
    if (!c.valid) continue;
    EXPECT_EQ(fp->algorithm(), c.want);
    EXPECT_EQ(fp->digest().size(), hashAlgorithmSize(c.want));
    // Round trip: formatting gives the canonical (upper case) text, which parses to the same.
    auto again = Fingerprint::parse(hashAlgorithmName(fp->algorithm()), fp->hex());
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *fp);
  }
}

TEST(FingerprintTest, AttributeRoundTrip) {
  auto fp = Fingerprint::parseAttribute("  sha-256 " + kSha256Hex + "\r");
  ASSERT_TRUE(fp.has_value());
  EXPECT_EQ(fp->toAttribute(), "sha-256 " + kSha256Hex);
  EXPECT_FALSE(Fingerprint::parseAttribute("sha-256").has_value());
  EXPECT_FALSE(Fingerprint::parseAttribute("").has_value());
}

TEST(FingerprintTest, HashNames) {
  for (auto alg : {HashAlgorithm::kSha1, HashAlgorithm::kSha224, HashAlgorithm::kSha256,
                   HashAlgorithm::kSha384, HashAlgorithm::kSha512}) {
    auto parsed = parseHashAlgorithm(hashAlgorithmName(alg));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, alg);
  }
  EXPECT_EQ(formatFingerprintHex(std::vector<uint8_t>{0x0a, 0xff}), "0A:FF");
  EXPECT_EQ(formatFingerprintHex({}), "");
}

TEST(CertificateTest, GeneratesEcdsaP256WithSdpFingerprint) {
  std::string error;
  auto cert = Certificate::generate(Certificate::Options{}, &error);
  ASSERT_NE(cert, nullptr) << error;
  EXPECT_EQ(EVP_PKEY_get_base_id(cert->privateKey()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(cert->privateKey()), 256);
  // Self-signed: issuer == subject, and the signature verifies with its own key.
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(cert->x509()), X509_get_issuer_name(cert->x509())),
            0);
  EXPECT_EQ(X509_verify(cert->x509(), cert->privateKey()), 1);

  const std::regex sdpHex("^([0-9A-F]{2}:){31}[0-9A-F]{2}$");
  EXPECT_TRUE(std::regex_match(cert->fingerprintHex(), sdpHex)) << cert->fingerprintHex();
  EXPECT_EQ(cert->fingerprint().algorithm(), HashAlgorithm::kSha256);
  EXPECT_EQ(cert->fingerprint(HashAlgorithm::kSha1).digest().size(), 20u);
  EXPECT_EQ(cert->fingerprint(HashAlgorithm::kSha384).digest().size(), 48u);
  EXPECT_EQ(cert->fingerprint(HashAlgorithm::kSha512).digest().size(), 64u);
  EXPECT_EQ(cert->fingerprint(HashAlgorithm::kSha256), cert->fingerprint());

  auto other = Certificate::generate();
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->fingerprintHex(), cert->fingerprintHex());
}

TEST(CertificateTest, PemRoundTripKeepsFingerprint) {
  auto cert = Certificate::generate();
  ASSERT_NE(cert, nullptr);
  std::string certPem = cert->certificatePem();
  std::string keyPem = cert->privateKeyPem();
  EXPECT_NE(certPem.find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE(keyPem.find("PRIVATE KEY"), std::string::npos);

  std::string error;
  auto loaded = Certificate::fromPem(certPem, keyPem, &error);
  ASSERT_NE(loaded, nullptr) << error;
  EXPECT_EQ(loaded->fingerprint(), cert->fingerprint());

  auto dir = std::filesystem::temp_directory_path() / ("sfu-cert-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "cert.pem") << certPem;
  std::ofstream(dir / "key.pem") << keyPem;
  auto fromFiles =
      Certificate::loadPemFiles((dir / "cert.pem").string(), (dir / "key.pem").string(), &error);
  ASSERT_NE(fromFiles, nullptr) << error;
  EXPECT_EQ(fromFiles->fingerprintHex(), cert->fingerprintHex());
  EXPECT_EQ(
      Certificate::loadPemFiles((dir / "missing.pem").string(), (dir / "key.pem").string(), &error),
      nullptr);
  EXPECT_NE(error.find("cannot read"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(CertificateTest, RejectsMismatchedKeyAndGarbage) {
  auto a = Certificate::generate();
  auto b = Certificate::generate();
  std::string error;
  EXPECT_EQ(Certificate::fromPem(a->certificatePem(), b->privateKeyPem(), &error), nullptr);
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
  EXPECT_EQ(Certificate::fromPem("not a pem", a->privateKeyPem(), &error), nullptr);
  EXPECT_EQ(Certificate::fromPem(a->certificatePem(), "junk", &error), nullptr);
}

}  // namespace
}  // namespace sfu::dtls
