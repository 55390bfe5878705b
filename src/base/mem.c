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
#endif
}
