/*
** mem.c — heap settings; see mem.h.
*/
#include "mem.h"
#include <stdint.h>
#include <stdlib.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

enum {
    HEAP_STEP = 256 << 20, /* bytes the heap grows by at a time (address space, not memory) */
    HUGE = 2 << 20,        /* a transparent huge page on x86-64 and arm64 */
};

void tb_mem_tune(void) {
#if defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE)
    /* one heap (a second thread allocates from it too), grown in large
       steps and never given back before exit; large blocks from it, not
       from mmap, so they share its huge pages */
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_TRIM_THRESHOLD, 4 * (size_t)HEAP_STEP);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TOP_PAD, HEAP_STEP);
    char *start = sbrk(0);
    void *p = malloc(1 << 20); /* more than the heap has free: it grows now, by HEAP_STEP more */
    char *end = sbrk(0);
    free(p);
    if (!p || start == (char *)-1 || end == (char *)-1 || end <= start) return;
    uintptr_t lo = ((uintptr_t)start + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
    uintptr_t hi = (uintptr_t)end & ~(uintptr_t)(HUGE - 1);
    if (hi > lo) (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* a hint: failure is harmless */
#ifdef MADV_POPULATE_WRITE
    /* the heap's head, below its first huge-page boundary, cannot have a
       huge page: map its small pages now, in one call, rather than take a
       fault on each first touch (~300 of them, 13 µs each on a VM) */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t head = ((uintptr_t)start + page - 1) & ~(page - 1);
    if (page && hi > lo && lo > head) (void)madvise((void *)head, lo - head, MADV_POPULATE_WRITE);
#endif
#endif
}

void tb_mem_populate(const void *p, size_t n) {
#if defined(__linux__) && defined(MADV_POPULATE_READ)
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (!p || !n || !page) return;
    uintptr_t lo = (uintptr_t)p & ~(page - 1);
    uintptr_t hi = ((uintptr_t)p + n + page - 1) & ~(page - 1);
    (void)madvise((void *)lo, hi - lo, MADV_POPULATE_READ); /* a hint: older kernels say EINVAL */
#else
    (void)p;
    (void)n;
#endif
}
