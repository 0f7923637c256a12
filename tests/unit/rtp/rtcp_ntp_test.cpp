// NTP time helpers (RFC 3550 §4, §6.4.1).
#include <gtest/gtest.h>

#include "rtp/rtcp/ntp_time.h"

namespace rtp::rtcp {
namespace {

TEST(RtcpNtp, UnixConversionRoundTrips) {
  struct Case {
    int64_t unix_us;
    uint64_t ntp;
  };
  const Case cases[] = {
      {0, kNtpUnixOffsetSeconds << 32},
      {500'000, (kNtpUnixOffsetSeconds << 32) | 0x80000000u},
      {1'700'000'000'250'000, ((kNtpUnixOffsetSeconds + 1'700'000'000) << 32) | 0x40000000u},
      {-250'000, ((kNtpUnixOffsetSeconds - 1) << 32) | 0xC0000000u},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ntpFromUnixUs(c.unix_us), c.ntp) << c.unix_us;
    EXPECT_EQ(unixUsFromNtp(c.ntp), c.unix_us) << c.unix_us;
  }
  for (int64_t us :
       {int64_t{1}, int64_t{999'999}, int64_t{123'456'789}, int64_t{1'700'000'000'123'457}}) {
    EXPECT_EQ(unixUsFromNtp(ntpFromUnixUs(us)), us);
  }
}

TEST(RtcpNtp, CompactNtp) {
  EXPECT_EQ(compactNtp(0x1234567890abcdefull), 0x567890abu);
  EXPECT_EQ(compactNtpToUs(0x10000), 1'000'000);
  EXPECT_EQ(compactNtpToUs(0x8000), 500'000);
  EXPECT_EQ(usToCompactNtp(1'000'000), 0x10000u);
  EXPECT_EQ(usToCompactNtp(250'000), 0x4000u);
  EXPECT_EQ(usToCompactNtp(-5), 0u);
  EXPECT_EQ(usToCompactNtp(int64_t{1} << 50), 0xFFFFFFFFu);
}

TEST(RtcpNtp, RttFromReportBlock) {
  // RFC 3550 §6.4.1 worked example: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000
  // (46853.125 s), DLSR = 0x0005:4000 (5.250 s) -> RTT 6.125 s.
  EXPECT_EQ(rttUs(0xb7108000u, 0xb7052000u, 0x00054000u), 6'125'000);
  EXPECT_EQ(rttUs(0x1000, 0, 0x10), std::nullopt);  // no SR received yet
  EXPECT_EQ(rttUs(0x1000, 0x0800, 0x0900), 0);      // skew: clamped
  // Wraps modulo 2^32.
  EXPECT_EQ(rttUs(0x00000100u, 0xFFFFFF00u, 0x100), compactNtpToUs(0x100));
}

}  // namespace
}  // namespace rtp::rtcp
