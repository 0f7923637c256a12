// Manual time for OpenSSL's DTLS retransmission timer in unit tests.
//
// OpenSSL 3.0 reads the wall clock (gettimeofday) for its DTLS timer; there is no hook to inject a
// clock. The test binary interposes gettimeofday() with the real time plus an offset that only
// tests move, so a retransmission test advances time instead of sleeping. With offset 0 (the
// default) every other caller sees the real time.
#pragma once

#include <chrono>

namespace sfu::test {

void advanceOpensslClock(std::chrono::microseconds delta);

}  // namespace sfu::test
