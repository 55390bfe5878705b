/*
** mem.h — process-wide heap settings for a short-lived, allocation-heavy
** batch run.
**
** A build touches tens of megabytes of fresh memory in ~50 ms; with 4 KiB
** pages every first touch is a page fault, and on a virtual machine a
** fault costs microseconds: in-spiral took ~2,800 of them, a fifth of its
** run.  tb_mem_tune() asks glibc to grow the heap in large steps and keep
** it (no trimming), and the kernel to back it with transparent huge pages
** where it allows them (/sys/kernel/mm/transparent_hugepage/enabled set
** to "always" or "madvise").  Nothing is allocated up front: untouched heap
** costs no memory.  Call it once, first thing in main(); elsewhere (tests,
** fuzzing) the defaults stay.
*/
#ifndef TB_MEM_H
#define TB_MEM_H
#include <stddef.h>

void tb_mem_tune(void);

/* Map the pages of a read-only file mapping [P, P+N) now, in one system
** call, instead of one fault at a time as they are first read (a fault
** costs 25 µs on a VM; this ~0.03 ms per MB of page cache).  A hint:
** nothing happens where the kernel cannot do it. */
void tb_mem_populate(const void *p, size_t n);

#endif
