/*
** lazylib.c — libraries loaded on first use; see lazylib.h.
*/
#include "lazylib.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

bool tb_lazylib_open(tb_lazylib *lib, const char *const *names, void *table, size_t n) {
    if (lib->state) return lib->state > 0;
    lib->state = -1;
    void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(lib->why, sizeof lib->why, "%s", e ? e : lib->soname);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        void *sym = dlsym(h, names[i]);
        if (!sym) {
            snprintf(lib->why, sizeof lib->why, "%s has no %s", lib->soname, names[i]);
            dlclose(h);
            return false;
        }
        /* POSIX: a function's address as a void pointer, copied into the
           table's I-th function pointer (a struct of nothing else) */
        memcpy((char *)table + i * sizeof(void (*)(void)), &sym, sizeof sym);
    }
    lib->state = 1; /* the handle stays open until the process ends */
    return true;
}
