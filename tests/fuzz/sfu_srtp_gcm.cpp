// Fuzz target: our AEAD-AES-GCM SRTP (sfu/srtp/gcm_srtp.h) on arbitrary packets.
//
// Input format: a sequence of records, each a 1-byte mode, a 2-byte big-endian length, then that
// many bytes (a truncated last record is used as it is). Mode & 3:
//   0: unprotectRtp of the bytes as received      1: unprotectRtcp of the bytes as received
//   2: protectRtp then unprotectRtp: must round-trip to the same bytes (or fail on both sides as
//      a replay), exercising header parsing, ROC estimation and the replay window past the tag
//   3: protectRtcp then unprotectRtcp, likewise.
// One pair of sessions lives for the whole input, so records build up per-SSRC state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sfu/srtp/gcm_srtp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sfu::srtp::GcmSrtp;
  using sfu::srtp::SrtpDirection;
  using sfu::srtp::SrtpProfile;
  using sfu::srtp::SrtpResult;
  uint8_t key[28];
  for (size_t i = 0; i < sizeof(key); ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
  sfu::srtp::SrtpSession::Options options;
  options.replayWindow = 64;
  auto out = GcmSrtp::create(SrtpDirection::kOutbound, SrtpProfile::kAeadAes128Gcm, key, options);
  auto in = GcmSrtp::create(SrtpDirection::kInbound, SrtpProfile::kAeadAes128Gcm, key, options);
  if (!out || !in) abort();
  std::vector<uint8_t> buf;
  size_t pos = 0;
  while (pos < size) {
    const uint8_t mode = data[pos++] & 3;
    size_t n = 0;
    if (pos + 2 <= size) {
      n = (size_t{data[pos]} << 8) | data[pos + 1];
      pos += 2;
    }
    n = std::min(n, size - pos);
    buf.assign(data + pos, data + pos + n);
    pos += n;
    buf.resize(n + 20);
    size_t len = n;
    switch (mode) {
      case 0:
        (void)in->unprotectRtp(buf.data(), len);
        break;
      case 1:
        (void)in->unprotectRtcp(buf.data(), len);
        break;
      case 2:
      case 3: {
        const bool rtcp = mode == 3;
        SrtpResult r = rtcp ? out->protectRtcp(buf, len) : out->protectRtp(buf, len);
        if (r != SrtpResult::kOk || (!rtcp && n < 12)) break;
        r = rtcp ? in->unprotectRtcp(buf.data(), len) : in->unprotectRtp(buf.data(), len);
        if (r == SrtpResult::kReplay || r == SrtpResult::kReplayOld) break;  // repeated seq
        if (r != SrtpResult::kOk || len != n || std::memcmp(buf.data(), data + pos - n, n) != 0) {
          abort();
        }
        break;
      }
    }
  }
  return 0;
}
