/*
** lazylib.h — a library loaded when it is first needed.
**
** Each library a process maps at start costs it ~0.5 ms on this kind of
** machine (the loader's relocations and a page fault per page touched):
** MeCab, lcms2, libqrencode and libhyphen together were 3 ms of a 40 ms
** booklet that needs none of them.  A stage that uses one keeps a table of
** its functions, typed as the library's header declares them, and opens it
** through tb_lazylib_open on first use (one thread: the pipeline's).
*/
#ifndef TB_LAZYLIB_H
#define TB_LAZYLIB_H
#include <stdbool.h>
#include <stddef.h>

typedef struct tb_lazylib {
    const char *soname;   /* e.g. "libmecab.so.2" (borrowed, static) */
    int state;            /* 0 not tried, 1 open, -1 failed */
    char why[200];        /* after a failure: what was missing */
} tb_lazylib;

/* Open LIB once and fill TABLE, N function pointers in the order of NAMES
** (a struct of them, as TB_LAZY_SLOT declares).  True when it is open with
** every symbol (also on later calls); false, with the reason in LIB->why,
** when not (never retried). */
bool tb_lazylib_open(tb_lazylib *lib, const char *const *names, void *table, size_t n);

/* A table of functions F of a library, declared as its header does, and
** opened:
**   #define MY_FUNCS(X) X(foo_new) X(foo_free)
**   static struct { MY_FUNCS(TB_LAZY_SLOT) } api;
**   ... if (!TB_LAZY_OPEN(&lib, MY_FUNCS, api)) ... api.foo_new(...) */
#define TB_LAZY_SLOT(f) __typeof__(&f) f;
#define TB_LAZY_NAME(f) #f,
#define TB_LAZY_OPEN(lib, FUNCS, table) \
    tb_lazylib_open((lib), (const char *const[]){FUNCS(TB_LAZY_NAME)}, &(table), sizeof(table) / sizeof(void (*)(void)))

#endif
