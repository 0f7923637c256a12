// See alloc_counter.h. The executable's definitions interpose the libc ones for every shared
// library (symbol lookup finds the executable first); free() stays glibc's.
#include "alloc_counter.h"

#include <atomic>
#include <cstddef>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
}

namespace {
std::atomic<uint64_t> g_count{0};
void count() { g_count.fetch_add(1, std::memory_order_relaxed); }
}  // namespace

uint64_t bench::heapAllocations() { return g_count.load(std::memory_order_relaxed); }

extern "C" {
void* malloc(size_t n) noexcept {
  count();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t m) noexcept {
  count();
  return __libc_calloc(n, m);
}
void* realloc(void* p, size_t n) noexcept {
  count();
  return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) noexcept {
  count();
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) noexcept { return memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) noexcept {
  void* p = memalign(a, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}
