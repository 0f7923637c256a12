// LD_PRELOAD heap allocation counter for the benchmarked server: counts malloc/calloc/realloc/
// aligned allocations (operator new goes through malloc) and, on SIGUSR2, writes the count to
// /tmp/sfu-alloc-count.<pid>. Forwards to glibc's __libc_* entry points (no dlsym recursion).
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

static atomic_ullong g_count;

void* malloc(size_t n) {
  atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t m) {
  atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed);
  return __libc_calloc(n, m);
}
void* realloc(void* p, size_t n) {
  atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed);
  return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
  atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed);
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
  void* p = memalign(a, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}

static void onSignal(int sig) {
  (void)sig;
  char path[64];
  char text[32];
  int pos = 0;
  const char prefix[] = "/tmp/sfu-alloc-count.";
  for (size_t i = 0; i < sizeof(prefix) - 1; ++i) path[pos++] = prefix[i];
  char digits[16];
  int nd = 0;
  for (int pid = getpid(); pid > 0; pid /= 10) digits[nd++] = (char)('0' + pid % 10);
  while (nd > 0) path[pos++] = digits[--nd];
  path[pos] = 0;
  unsigned long long v = atomic_load(&g_count);
  int tn = 0;
  char tmp[24];
  do {
    tmp[tn++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  int len = 0;
  while (tn > 0) text[len++] = tmp[--tn];
  text[len++] = '\n';
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!write(fd, text, (size_t)len);
    close(fd);
  }
}

__attribute__((constructor)) static void installHandler(void) {
  struct sigaction sa = {0};
  sa.sa_handler = onSignal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR2, &sa, NULL);
}
