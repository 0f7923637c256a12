// RFC 7714 §16 (SRTP) and §17 (SRTCP) test vectors for our GCM implementation. The vectors give
// session keys and salts directly (no key derivation): the packet index is ROC 0, SEQ 0xf17b, the
// SRTCP index 0x5d4. Key derivation is covered by the byte-equal interop tests in
// srtp_gcm_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sfu/srtp/gcm_srtp.h"

namespace sfu::srtp {
namespace {

std::vector<uint8_t> unhex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

constexpr std::string_view kKey128 = "000102030405060708090a0b0c0d0e0f";
constexpr std::string_view kKey256 =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kSalt = "517569642070726f2071756f";  // "Quid pro quo"
// Header 8040f17b 8041f8d3 5501a0b2, payload "Gallia est omnis divisa in partes tres".
constexpr std::string_view kRtp =
    "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e207061727465"
    "732074726573";
constexpr std::string_view kRtcp =
    "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdea"
    "dbeefdeadbeef";
constexpr uint32_t kSrtcpIndex = 0x5d4;

struct Case {
  std::string name;
  std::string_view key;
  std::string_view srtp;   // §16.1.1 / §16.2.1
  std::string_view srtcp;  // §17.1 / §17.2
};

const std::vector<Case> kCases = {
    {"aes128", kKey128,
     "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de"
     "3adf8833899d7f27beb16a9152cf765ee4390cce",
     "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b468630"
     "3ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4"},
    {"aes256", kKey256,
     "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba6"
     "3799b87b7aa3db36dfffd6b0f9bb7878d7a76c13",
     "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61d"
     "e0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4"},
};

std::unique_ptr<GcmSrtp> fromSessionKeys(SrtpDirection direction, std::string_view keyHex) {
  GcmSessionKeys keys;
  const auto key = unhex(keyHex);
  const auto salt = unhex(kSalt);
  keys.keyLength = key.size();
  std::copy(key.begin(), key.end(), keys.rtpKey);
  std::copy(key.begin(), key.end(), keys.rtcpKey);
  std::copy(salt.begin(), salt.end(), keys.rtpSalt);
  std::copy(salt.begin(), salt.end(), keys.rtcpSalt);
  return GcmSrtp::createWithSessionKeys(direction, keys, {});
}

TEST(GcmSrtpVectorsTest, Rfc7714Section16And17) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.name);
    auto out = fromSessionKeys(SrtpDirection::kOutbound, c.key);
    auto in = fromSessionKeys(SrtpDirection::kInbound, c.key);
    ASSERT_TRUE(out && in);

    // SRTP protect: byte-equal to the vector; unprotect gives the plain packet back.
    const auto plain = unhex(kRtp);
    const auto want = unhex(c.srtp);
    auto buf = plain;
    buf.resize(plain.size() + 16);
    size_t len = plain.size();
    ASSERT_EQ(out->protectRtp(buf, len), SrtpResult::kOk);
    EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + len), want);
    auto srtp = want;
    len = srtp.size();
    ASSERT_EQ(in->unprotectRtp(srtp.data(), len), SrtpResult::kOk);
    EXPECT_EQ(std::vector<uint8_t>(srtp.begin(), srtp.begin() + len), plain);

    // SRTCP: unprotect the vector; protect at index 0x5d4 (our index counts from 0).
    const auto rtcp = unhex(kRtcp);
    const auto wantRtcp = unhex(c.srtcp);
    auto srtcp = wantRtcp;
    len = srtcp.size();
    ASSERT_EQ(in->unprotectRtcp(srtcp.data(), len), SrtpResult::kOk);
    EXPECT_EQ(std::vector<uint8_t>(srtcp.begin(), srtcp.begin() + len), rtcp);
    for (uint32_t i = 0; i <= kSrtcpIndex; ++i) {
      buf = rtcp;
      buf.resize(rtcp.size() + 20);
      len = rtcp.size();
      ASSERT_EQ(out->protectRtcp(buf, len), SrtpResult::kOk);
    }
    EXPECT_EQ(std::vector<uint8_t>(buf.begin(), buf.begin() + len), wantRtcp);
  }
}

// §17.3: E = 0, the packet is authenticated but not encrypted (the whole packet and the index
// word are AAD). We never send it; we accept it.
TEST(GcmSrtpVectorsTest, Rfc7714Section17AuthenticatedOnly) {
  auto in = fromSessionKeys(SrtpDirection::kInbound, kKey128);
  auto tagged = unhex(
      "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdea"
      "dbeefdeadbeef841dd9683dd78ec92ae58790125f62b3000005d4");
  size_t len = tagged.size();
  ASSERT_EQ(in->unprotectRtcp(tagged.data(), len), SrtpResult::kOk);
  EXPECT_EQ(std::vector<uint8_t>(tagged.begin(), tagged.begin() + len), unhex(kRtcp));
}

}  // namespace
}  // namespace sfu::srtp
