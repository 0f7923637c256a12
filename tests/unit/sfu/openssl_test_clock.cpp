#include "openssl_test_clock.h"

#include <sys/time.h>
#include <time.h>

#include <atomic>
#include <cstdint>

namespace {
std::atomic<int64_t> gOffsetUs{0};
}  // namespace

namespace sfu::test {

void advanceOpensslClock(std::chrono::microseconds delta) { gOffsetUs += delta.count(); }

}  // namespace sfu::test

// Interposes libc's gettimeofday for the whole test binary (libssl resolves it here first).
extern "C" int gettimeofday(struct timeval* tv, void* /*tz*/) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t us = static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000 + gOffsetUs.load();
  tv->tv_sec = static_cast<time_t>(us / 1000000);
  tv->tv_usec = static_cast<suseconds_t>(us % 1000000);
  return 0;
}
