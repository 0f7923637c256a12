// Counting allocator of sfu_tests (see alloc_count.h). The executable's malloc & co. take
// precedence over glibc's for every library (dynamic symbol interposition) and forward to
// glibc's __libc_* entry points; the counter is a plain thread_local in the executable's
// static TLS block, so counting allocates nothing and needs no lock.
#include "tests/unit/sfu/alloc_count.h"

#include <cerrno>
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SFU_ALLOC_COUNT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SFU_ALLOC_COUNT 0
#endif
#endif
#ifndef SFU_ALLOC_COUNT
#define SFU_ALLOC_COUNT 1
#endif

namespace {
thread_local uint64_t t_allocations = 0;
}  // namespace

namespace sfu::test {

bool allocationCountingAvailable() { return SFU_ALLOC_COUNT != 0; }
uint64_t threadAllocations() { return t_allocations; }

}  // namespace sfu::test

#if SFU_ALLOC_COUNT
extern "C" {
void* __libc_malloc(size_t n);
void* __libc_calloc(size_t n, size_t m);
void* __libc_realloc(void* p, size_t n);
void* __libc_memalign(size_t align, size_t n);

void* malloc(size_t n) noexcept {
  ++t_allocations;
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t m) noexcept {
  ++t_allocations;
  return __libc_calloc(n, m);
}
void* realloc(void* p, size_t n) noexcept {
  ++t_allocations;
  return __libc_realloc(p, n);
}
void* memalign(size_t align, size_t n) noexcept {
  ++t_allocations;
  return __libc_memalign(align, n);
}
void* aligned_alloc(size_t align, size_t n) noexcept { return memalign(align, n); }
int posix_memalign(void** out, size_t align, size_t n) noexcept {
  void* p = memalign(align, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
}
#endif
