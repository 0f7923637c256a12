// Heap allocation counter for the bench_sfu binary: sfu_alloc_counter.cpp replaces malloc,
// calloc, realloc and the aligned allocators (forwarding to glibc's __libc_* entry points), so it
// sees C allocations in shared libraries (libsrtp2 -> NSS PORT_Alloc) as well as operator new
// (libstdc++'s operator new calls malloc).
#pragma once

#include <cstdint>

namespace bench {

// Allocation calls (malloc/calloc/realloc/aligned) since process start, all threads.
uint64_t heapAllocations();

}  // namespace bench
