// LD_PRELOAD heap allocation counter for the benchmarked server: counts malloc/calloc/realloc/
// aligned allocations (operator new goes through malloc), process-wide and per thread, and on
// SIGUSR2 writes two lines to /tmp/sfu-alloc-count.<pid>:
//   <all threads>
//   <threads named sfu-worker*>   (the media workers, sfu/worker/worker.cpp)
// Forwards to glibc's __libc_* entry points (no dlsym recursion). Per-thread counts live in a
// fixed registry: a thread claims a slot on its first allocation (atomic index, its tid stored in
// the slot) and counts there with relaxed atomics; nothing here allocates. Threads beyond
// kSlots count in the total only.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void* __libc_memalign(size_t, size_t);

#define kSlots 256

struct Slot {
  atomic_int tid;  // 0: not claimed yet
  atomic_ullong count;
};

static atomic_ullong g_count;
static struct Slot g_slots[kSlots];
static atomic_int g_next_slot;
// initial-exec: a plain offset from the thread pointer, never __tls_get_addr (which may allocate).
static __thread struct Slot* t_slot __attribute__((tls_model("initial-exec")));
static __thread int t_claimed __attribute__((tls_model("initial-exec")));

static void countOne(void) {
  atomic_fetch_add_explicit(&g_count, 1, memory_order_relaxed);
  struct Slot* s = t_slot;
  if (s == NULL) {
    if (t_claimed) return;  // registry full when this thread came
    t_claimed = 1;
    const int i = atomic_fetch_add_explicit(&g_next_slot, 1, memory_order_relaxed);
    if (i >= kSlots) return;
    s = &g_slots[i];
    atomic_store_explicit(&s->tid, (int)syscall(SYS_gettid), memory_order_release);
    t_slot = s;
  }
  atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
}

void* malloc(size_t n) {
  countOne();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t m) {
  countOne();
  return __libc_calloc(n, m);
}
void* realloc(void* p, size_t n) {
  countOne();
  return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
  countOne();
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void** out, size_t a, size_t n) {
  void* p = memalign(a, n);
  if (!p) return 12;  // ENOMEM
  *out = p;
  return 0;
}

// --- SIGUSR2: async-signal-safe only (open/read/write/close, no stdio) ---------------------------

static int appendText(char* out, int pos, const char* text) {
  while (*text) out[pos++] = *text++;
  return pos;
}

static int appendNumber(char* out, int pos, unsigned long long v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (n > 0) out[pos++] = tmp[--n];
  return pos;
}

// True when /proc/self/task/<tid>/comm starts with `prefix`.
static int threadNamed(int tid, const char* prefix) {
  char path[64];
  int pos = appendText(path, 0, "/proc/self/task/");
  pos = appendNumber(path, pos, (unsigned long long)tid);
  pos = appendText(path, pos, "/comm");
  path[pos] = 0;
  const int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;  // the thread is gone
  char name[32];
  const ssize_t len = read(fd, name, sizeof(name));
  close(fd);
  for (ssize_t i = 0; prefix[i]; ++i) {
    if (i >= len || name[i] != prefix[i]) return 0;
  }
  return 1;
}

static void onSignal(int sig) {
  (void)sig;
  char path[64];
  int pos = appendText(path, 0, "/tmp/sfu-alloc-count.");
  pos = appendNumber(path, pos, (unsigned long long)getpid());
  path[pos] = 0;
  unsigned long long workers = 0;
  int used = atomic_load(&g_next_slot);
  if (used > kSlots) used = kSlots;
  for (int i = 0; i < used; ++i) {
    const int tid = atomic_load_explicit(&g_slots[i].tid, memory_order_acquire);
    if (tid != 0 && threadNamed(tid, "sfu-worker")) {
      workers += atomic_load_explicit(&g_slots[i].count, memory_order_relaxed);
    }
  }
  char text[64];
  int len = appendNumber(text, 0, atomic_load(&g_count));
  text[len++] = '\n';
  len = appendNumber(text, len, workers);
  text[len++] = '\n';
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
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
