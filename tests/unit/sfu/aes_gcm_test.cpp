// AesGcm: the AES-NI engine (our key schedule and counter mode, OpenSSL's GHASH) against OpenSSL's
// EVP AES-GCM, byte for byte, over key sizes, text lengths around the 8-block stride and AAD
// shapes; and opening refuses every single-bit change to text, AAD or tag.
#include "sfu/srtp/aes_gcm.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sfu::srtp {
namespace {

struct Shape {
  size_t aad;
  size_t aad2;
};

std::vector<uint8_t> randomBytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

class AesGcmTest : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    if (!AesGcm::cpuHasAesNi()) GTEST_SKIP() << "no AES-NI on this CPU: only the EVP engine runs";
  }
};

TEST_P(AesGcmTest, AesNiSealsLikeEvpAndEachOpensTheOther) {
  const size_t keyLength = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(keyLength));
  const auto key = randomBytes(rng, keyLength);
  auto fastSeal = AesGcm::create(key.data(), keyLength, true);
  auto evpSeal = AesGcm::create(key.data(), keyLength, true, AesGcm::Engine::kEvp);
  auto fastOpen = AesGcm::create(key.data(), keyLength, false);
  auto evpOpen = AesGcm::create(key.data(), keyLength, false, AesGcm::Engine::kEvp);
  ASSERT_TRUE(fastSeal && evpSeal && fastOpen && evpOpen);
  EXPECT_TRUE(fastSeal->accelerated());
  EXPECT_FALSE(evpSeal->accelerated());

  const size_t lengths[] = {0, 1, 15, 16, 17, 112, 127, 128, 129, 143, 255, 256, 257, 1200, 1500};
  const Shape shapes[] = {{0, 0}, {12, 0}, {20, 4}, {8, 4}, {33, 0}};
  for (size_t n : lengths) {
    for (const Shape& shape : shapes) {
      SCOPED_TRACE(::testing::Message() << "n=" << n << " aad=" << shape.aad << "+" << shape.aad2);
      const auto iv = randomBytes(rng, kAesGcmIvLength);
      const auto aad = randomBytes(rng, shape.aad);
      const auto aad2 = randomBytes(rng, shape.aad2);
      const auto plain = randomBytes(rng, n);
      auto fast = plain;
      auto evp = plain;
      uint8_t fastTag[kAesGcmTagLength];
      uint8_t evpTag[kAesGcmTagLength];
      ASSERT_TRUE(fastSeal->run(iv.data(), aad.data(), aad.size(), aad2.data(), aad2.size(),
                                fast.data(), n, fastTag));
      ASSERT_TRUE(evpSeal->run(iv.data(), aad.data(), aad.size(), aad2.data(), aad2.size(),
                               evp.data(), n, evpTag));
      EXPECT_EQ(fast, evp);
      EXPECT_EQ(0, std::memcmp(fastTag, evpTag, sizeof(fastTag)));
      if (n > 0) {
        EXPECT_NE(fast, plain);
      }

      auto opened = fast;
      EXPECT_TRUE(evpOpen->run(iv.data(), aad.data(), aad.size(), aad2.data(), aad2.size(),
                               opened.data(), n, fastTag));
      EXPECT_EQ(opened, plain);
      opened = evp;
      EXPECT_TRUE(fastOpen->run(iv.data(), aad.data(), aad.size(), aad2.data(), aad2.size(),
                                opened.data(), n, evpTag));
      EXPECT_EQ(opened, plain);
    }
  }
}

TEST_P(AesGcmTest, AesNiOpenRefusesAnyFlippedBit) {
  const size_t keyLength = GetParam();
  std::mt19937 rng(7);
  const auto key = randomBytes(rng, keyLength);
  auto seal = AesGcm::create(key.data(), keyLength, true);
  auto open = AesGcm::create(key.data(), keyLength, false);
  ASSERT_TRUE(seal && open);
  const auto iv = randomBytes(rng, kAesGcmIvLength);
  const auto aad = randomBytes(rng, 12);
  const auto plain = randomBytes(rng, 150);
  auto sealed = plain;
  uint8_t tag[kAesGcmTagLength];
  ASSERT_TRUE(
      seal->run(iv.data(), aad.data(), aad.size(), nullptr, 0, sealed.data(), sealed.size(), tag));
  // The untouched packet opens (the context is reusable after refusals).
  auto check = [&](std::vector<uint8_t> a, std::vector<uint8_t> text,
                   std::array<uint8_t, kAesGcmTagLength> t) {
    return open->run(iv.data(), a.data(), a.size(), nullptr, 0, text.data(), text.size(), t.data());
  };
  std::array<uint8_t, kAesGcmTagLength> goodTag;
  std::memcpy(goodTag.data(), tag, sizeof(tag));
  EXPECT_TRUE(check(aad, sealed, goodTag));
  for (size_t bit = 0; bit < 8 * aad.size(); bit += 5) {
    auto a = aad;
    a[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(check(a, sealed, goodTag)) << "aad bit " << bit;
  }
  for (size_t bit = 0; bit < 8 * sealed.size(); bit += 37) {
    auto text = sealed;
    text[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(check(aad, text, goodTag)) << "text bit " << bit;
  }
  for (size_t bit = 0; bit < 8 * sizeof(tag); ++bit) {
    auto t = goodTag;
    t[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(check(aad, sealed, t)) << "tag bit " << bit;
  }
  EXPECT_TRUE(check(aad, sealed, goodTag));
}

TEST(AesGcmCreate, RefusesOtherKeyLengths) {
  const uint8_t key[32] = {};
  EXPECT_EQ(AesGcm::create(key, 24, true), nullptr);  // AES-192 is no SRTP GCM profile
  EXPECT_EQ(AesGcm::create(key, 0, true), nullptr);
  EXPECT_EQ(AesGcm::create(nullptr, 16, true), nullptr);
  EXPECT_NE(AesGcm::create(key, 16, false, AesGcm::Engine::kEvp), nullptr);
}

INSTANTIATE_TEST_SUITE_P(KeySizes, AesGcmTest, ::testing::Values(size_t{16}, size_t{32}),
                         [](const auto& info) { return "Aes" + std::to_string(info.param * 8); });

}  // namespace
}  // namespace sfu::srtp
