// Differential fuzz of the RFC 4571 deframer: the input (after a 2-byte header choosing max_frame
// and a chunking seed) is fed whole and again in pseudo-random chunks; both must yield the same
// frames and the same error, every frame within max_frame, and nothing but what the input held.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sfu/net/tcp_framing.h"

namespace {

struct Result {
  std::vector<std::string> frames;
  sfu::net::FrameError error = sfu::net::FrameError::kNone;
};

Result decode(const uint8_t* data, size_t size, size_t max_frame, uint32_t seed) {
  sfu::net::FrameDecoder d(max_frame);
  Result r;
  size_t off = 0;
  while (off < size) {
    size_t n = size - off;
    if (seed != 0) {
      seed = seed * 1103515245u + 12345u;
      n = std::min<size_t>(n, 1 + (seed >> 16) % 64);
    }
    r.error = d.feed(std::span<const uint8_t>(data + off, n), [&](const uint8_t* p, size_t len) {
      if (len == 0 || len > max_frame) std::abort();
      r.frames.emplace_back(reinterpret_cast<const char*>(p), len);
    });
    if (r.error != sfu::net::FrameError::kNone) break;
    off += n;
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t max_frame = 1 + data[0] * 8;  // 1 .. 2041
  uint32_t seed = data[1] | 1u;
  data += 2;
  size -= 2;
  Result whole = decode(data, size, max_frame, 0);
  Result chunked = decode(data, size, max_frame, seed);
  if (whole.frames != chunked.frames || whole.error != chunked.error) std::abort();
  size_t total = 0;
  for (const auto& f : whole.frames) total += f.size() + 2;
  if (total > size) std::abort();
  return 0;
}
