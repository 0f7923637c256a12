// NTP timestamps as RTCP carries them (RFC 3550 §4): 64-bit fixed point, seconds since 1900 in
// the high word, and the "compact" middle 32 bits (16.16) used by LSR/DLSR and XR LRR/DLRR.
#pragma once

#include <cstdint>
#include <optional>

namespace rtp::rtcp {

inline constexpr uint64_t kNtpUnixOffsetSeconds = 2208988800ull;  // 1900-01-01 to 1970-01-01

// Unix time in microseconds to a 64-bit NTP timestamp and back (fraction rounded to nearest).
uint64_t ntpFromUnixUs(int64_t unix_us);
int64_t unixUsFromNtp(uint64_t ntp);

// The middle 32 bits of an NTP timestamp (RFC 3550 §6.4.1, LSR).
constexpr uint32_t compactNtp(uint64_t ntp) { return static_cast<uint32_t>(ntp >> 16); }

// Durations in compact NTP units (1/65536 s) to and from microseconds. Negative input is 0.
int64_t compactNtpToUs(uint32_t compact);
uint32_t usToCompactNtp(int64_t us);

// Round-trip time from a report block (RFC 3550 §6.4.1, "A - LSR - DLSR"), all compact NTP,
// `arrival` being the compact NTP time the report arrived. Empty when LSR is 0 (no SR seen yet).
// A negative result (clock or rounding skew) is clamped to 0. Also serves XR DLRR (RFC 3611
// §4.5) with LRR/DLRR in place of LSR/DLSR.
std::optional<int64_t> rttUs(uint32_t arrival, uint32_t last_sr, uint32_t delay_since_last_sr);

}  // namespace rtp::rtcp
