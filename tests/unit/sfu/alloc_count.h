// Heap allocation counting for tests that assert a path allocates nothing: sfu_tests replaces
// malloc/calloc/realloc/memalign (operator new and OpenSSL allocate through them) with
// counting forwarders to glibc, per thread. Not available under sanitizers, which bring their
// own allocator: tests then skip.
#pragma once

#include <cstdint>

namespace sfu::test {

// False when the counting allocator is not linked in (sanitizer builds).
bool allocationCountingAvailable();
// Allocations made by the calling thread since it started.
uint64_t threadAllocations();

// Allocations made by the calling thread while it lives.
class AllocationScope {
 public:
  AllocationScope() : start_(threadAllocations()) {}
  uint64_t count() const { return threadAllocations() - start_; }

 private:
  uint64_t start_;
};

}  // namespace sfu::test
