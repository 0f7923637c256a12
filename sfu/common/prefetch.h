// Cache-line prefetch hints for the media path: a piece of memory a call is about to read, named
// so that a caller one step ahead can start loading it. A prefetch never faults or blocks, so a
// stale or null address costs nothing but the hint.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sfu {

// Cache lines starting at `at` (at + 64 × i for i < lines).
struct HotLines {
  const void* at = nullptr;
  uint8_t lines = 0;
};

// The lines covering [at, at + bytes).
inline HotLines linesOf(const void* at, size_t bytes) {
  const auto offset = reinterpret_cast<uintptr_t>(at) % 64;
  return {at, static_cast<uint8_t>((offset + bytes + 63) / 64)};
}

inline void prefetchLines(HotLines span) {
  const auto* at = static_cast<const char*>(span.at);
  for (uint8_t i = 0; i < span.lines; ++i) __builtin_prefetch(at + 64 * i);
}

template <size_t N>
inline void prefetchLines(const std::array<HotLines, N>& spans) {
  for (const HotLines& span : spans) prefetchLines(span);
}

}  // namespace sfu
