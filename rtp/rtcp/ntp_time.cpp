#include "rtp/rtcp/ntp_time.h"

namespace rtp::rtcp {
namespace {
constexpr int64_t kUsPerSecond = 1'000'000;
}  // namespace

uint64_t ntpFromUnixUs(int64_t unix_us) {
  // Floor division so times before 1970 still map monotonically.
  int64_t seconds = unix_us / kUsPerSecond;
  int64_t micros = unix_us % kUsPerSecond;
  if (micros < 0) {
    micros += kUsPerSecond;
    --seconds;
  }
  const uint64_t fraction =
      ((static_cast<uint64_t>(micros) << 32) + kUsPerSecond / 2) / kUsPerSecond;
  const uint64_t ntp_seconds = static_cast<uint64_t>(seconds) + kNtpUnixOffsetSeconds;
  return (ntp_seconds << 32) + fraction;  // fraction may round up into the next second
}

int64_t unixUsFromNtp(uint64_t ntp) {
  const auto seconds =
      static_cast<int64_t>(ntp >> 32) - static_cast<int64_t>(kNtpUnixOffsetSeconds);
  const uint64_t fraction = ntp & 0xFFFFFFFFu;
  const auto micros = static_cast<int64_t>((fraction * kUsPerSecond + (1ull << 31)) >> 32);
  return seconds * kUsPerSecond + micros;
}

int64_t compactNtpToUs(uint32_t compact) {
  return static_cast<int64_t>((uint64_t{compact} * kUsPerSecond + 0x8000) >> 16);
}

uint32_t usToCompactNtp(int64_t us) {
  if (us <= 0) return 0;
  if (us >= int64_t{65536} * kUsPerSecond) return 0xFFFFFFFFu;
  const uint64_t units = ((static_cast<uint64_t>(us) << 16) + kUsPerSecond / 2) / kUsPerSecond;
  return units > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(units);
}

std::optional<int64_t> rttUs(uint32_t arrival, uint32_t last_sr, uint32_t delay_since_last_sr) {
  if (last_sr == 0) return std::nullopt;
  const uint32_t since_sr = arrival - last_sr;  // modulo 2^32, as the RFC computes it
  if (since_sr < delay_since_last_sr) return 0;
  return compactNtpToUs(since_sr - delay_since_last_sr);
}

}  // namespace rtp::rtcp
