// A heap profiler for peaks: an LD_PRELOAD library that follows every live
// heap block of at least 256 KB (malloc, calloc, realloc, the aligned
// allocators) and, at the largest total those blocks ever reached, records
// them by the stack that allocated them; at exit it prints that peak to
// stderr, largest stacks first. Small blocks are not counted.
//
//   cc -O2 -shared -fPIC -o heappeak.so Benchmarks/heap-peak/heappeak.c -ldl
//   LD_PRELOAD=$PWD/heappeak.so limn enhance in.jpg out.jpg 2> peak.txt
//   Benchmarks/heap-peak/symbolize.sh peak.txt
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

enum { LARGE = 256 << 10, SLOTS = 1 << 16, DEPTH = 12, STEP = 1 << 20 };

typedef struct { void *p; size_t size; int depth; void *stack[DEPTH]; } Live;

static Live live[SLOTS], at_peak[SLOTS];
static size_t total, peak, peak_count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int inside;

static size_t slot(void *p) { return ((uintptr_t) p >> 12) * 2654435761u % SLOTS; }

static void track(void *p) {
    if (!p || inside) return;
    size_t size = malloc_usable_size(p);
    if (size < LARGE) return;
    inside = 1;
    Live e = { p, size, 0, {0} };
    e.depth = backtrace(e.stack, DEPTH);
    pthread_mutex_lock(&lock);
    size_t i = slot(p);
    while (live[i].p) i = (i + 1) % SLOTS;
    live[i] = e;
    total += size;
    if (total >= peak + STEP || (total > peak && peak_count == 0)) {
        peak = total;
        peak_count = 0;
        for (size_t j = 0; j < SLOTS; j++) if (live[j].p) at_peak[peak_count++] = live[j];
    }
    pthread_mutex_unlock(&lock);
    inside = 0;
}

static void untrack(void *p) {
    if (!p || malloc_usable_size(p) < LARGE) return;
    pthread_mutex_lock(&lock);
    size_t i = slot(p);
    for (size_t n = 0; n < SLOTS && live[i].p; n++, i = (i + 1) % SLOTS) {
        if (live[i].p != p) continue;
        total -= live[i].size;
        // Backward-shift deletion keeps every probe chain unbroken.
        size_t hole = i, j = (i + 1) % SLOTS;
        while (live[j].p) {
            size_t home = slot(live[j].p);
            if ((j > hole && (home <= hole || home > j)) || (j < hole && home <= hole && home > j)) {
                live[hole] = live[j];
                hole = j;
            }
            j = (j + 1) % SLOTS;
        }
        live[hole].p = NULL;
        break;
    }
    pthread_mutex_unlock(&lock);
}

void *malloc(size_t n) { void *p = __libc_malloc(n); track(p); return p; }
void *calloc(size_t a, size_t b) { void *p = __libc_calloc(a, b); track(p); return p; }
void free(void *p) { untrack(p); __libc_free(p); }
void *realloc(void *p, size_t n) { untrack(p); void *q = __libc_realloc(p, n); track(q ? q : p); return q; }
void *memalign(size_t a, size_t n) { void *p = __libc_memalign(a, n); track(p); return p; }
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    void *p = memalign(a, n);
    if (!p) return 12;
    *out = p;
    return 0;
}

static int by_stack(const void *a, const void *b) {
    return memcmp(((const Live *) a)->stack, ((const Live *) b)->stack, sizeof(((Live *) 0)->stack));
}

__attribute__((destructor)) static void report(void) {
    inside = 1;
    // Group the peak's blocks by stack (frame 0 is track itself and is skipped).
    qsort(at_peak, peak_count, sizeof(Live), by_stack);
    fprintf(stderr, "heappeak: %.1f MB in %zu blocks of >= %d KB\n", peak / 1e6, peak_count, LARGE >> 10);
    for (size_t i = 0; i < peak_count;) {
        size_t j = i, bytes = 0;
        while (j < peak_count && by_stack(&at_peak[i], &at_peak[j]) == 0) bytes += at_peak[j++].size;
        fprintf(stderr, "heappeak: %.1f MB in %zu blocks:", bytes / 1e6, j - i);
        for (int d = 2; d < at_peak[i].depth; d++) {
            Dl_info info;
            if (dladdr(at_peak[i].stack[d], &info) && info.dli_fname)
                fprintf(stderr, " %s+%#lx", info.dli_fname,
                        (unsigned long) ((char *) at_peak[i].stack[d] - (char *) info.dli_fbase));
            else fprintf(stderr, " %p", at_peak[i].stack[d]);
        }
        fprintf(stderr, "\n");
        i = j;
    }
}
