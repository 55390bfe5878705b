/*
** diag.c — the diagnostics list; see diag.h.
*/
#include "diag.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct tb_diags {
    tb_diag *v;
    size_t n, cap;
};

tb_diags *tb_diags_new(void) { return calloc(1, sizeof(tb_diags)); }

void tb_diags_truncate(tb_diags *d, size_t n) {
    for (size_t i = n; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    if (n < d->n) d->n = n;
}

void tb_diags_clear(tb_diags *d) {
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    d->n = 0;
}

void tb_diags_free(tb_diags *d) {
    if (!d) return;
    tb_diags_clear(d);
    free(d->v);
    free(d);
}

/* Room for one more entry; false when out of memory (the ones we have
** are kept). */
static bool room(tb_diags *d) {
    if (d->n < d->cap) return true;
    size_t cap = d->cap ? d->cap * 2 : 16;
    tb_diag *v = realloc(d->v, cap * sizeof *v);
    if (!v) return false;
    d->v = v;
    d->cap = cap;
    return true;
}

static void add(tb_diags *d, tb_severity sev, const char *kind, const char *file, int line, int col,
                const char *fmt, va_list ap) {
    if (!room(d)) return;
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    char *msg = malloc((size_t)(len < 0 ? 0 : len) + 1);
    if (!msg) {
        va_end(ap2);
        return;
    }
    vsnprintf(msg, (size_t)(len < 0 ? 0 : len) + 1, fmt, ap2);
    va_end(ap2);
    tb_diag *e = &d->v[d->n++];
    e->sev = sev;
    e->file = strdup(file ? file : "tebiki");
    e->line = line;
    e->col = col;
    e->msg = msg;
    e->kind = kind;
}

void tb_diags_add(tb_diags *d, tb_severity sev, const char *file, int line,
                  int col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add(d, sev, NULL, file, line, col, fmt, ap);
    va_end(ap);
}

void tb_diags_add_kind(tb_diags *d, tb_severity sev, const char *kind, const char *file, int line,
                       int col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add(d, sev, kind, file, line, col, fmt, ap);
    va_end(ap);
}

void tb_diags_push(tb_diags *d, const tb_diag *e) {
    if (!room(d)) return;
    char *file = strdup(e->file ? e->file : "tebiki"), *msg = strdup(e->msg ? e->msg : "");
    if (!file || !msg) {
        free(file);
        free(msg);
        return;
    }
    tb_diag *c = &d->v[d->n++];
    *c = *e;
    c->file = file;
    c->msg = msg;
}

size_t tb_diags_count(const tb_diags *d, tb_severity sev) {
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) k += d->v[i].sev == sev;
    return k;
}

size_t tb_diags_len(const tb_diags *d) { return d->n; }
const tb_diag *tb_diags_at(const tb_diags *d, size_t i) { return &d->v[i]; }

static int cmp(const void *pa, const void *pb) {
    const tb_diag *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return a < b ? -1 : a > b; /* stable: by insertion */
}

void tb_diags_print(tb_diags *d, int quiet_warnings) {
    /* qsort is not stable: tie-break on address keeps insertion order */
    if (d->n) qsort(d->v, d->n, sizeof *d->v, cmp);
    for (size_t i = 0; i < d->n; i++) {
        const tb_diag *e = &d->v[i];
        if (e->sev == TB_WARNING && quiet_warnings) continue;
        const char *what = e->sev == TB_ERROR ? "error" : "warning";
        if (e->line > 0)
            fprintf(stderr, "%s:%d:%d: %s: %s\n", e->file, e->line,
                    e->col > 0 ? e->col : 1, what, e->msg);
        else
            fprintf(stderr, "%s: %s: %s\n", e->file, what, e->msg);
    }
}
