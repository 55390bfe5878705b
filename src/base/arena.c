/*
** arena.c — bump allocator in chained blocks; see arena.h.
*/
#include "arena.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 64 * 1024 };

typedef struct block {
    struct block *prev;
    size_t size, used;      /* bytes of data[] */
    _Alignas(16) unsigned char data[];
} block;

struct tb_arena {
    block *top;
    size_t total;           /* bytes handed out */
    tb_arena *kids, *next;  /* owned: arenas freed with this one (tb_arena_adopt) */
};

tb_arena *tb_arena_new(void) { return calloc(1, sizeof(tb_arena)); }

void tb_arena_free(tb_arena *a) {
    if (!a) return;
    for (tb_arena *k = a->kids, *nx; k; k = nx) {
        nx = k->next;
        tb_arena_free(k);
    }
    for (block *b = a->top, *p; b; b = p) {
        p = b->prev;
        free(b);
    }
    free(a);
}

void *tb_arena_alloc(tb_arena *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    block *b = a->top;
    if (!b || b->size - b->used < size) {
        size_t cap = size > BLOCK / 4 ? size : BLOCK;
        b = malloc(sizeof(block) + cap);
        if (!b) {
            fputs("tebiki: out of memory\n", stderr);
            abort();
        }
        b->size = cap;
        b->used = 0;
        if (cap == size && a->top) {
            /* a large object gets its own block under the current one,
            ** so the current block's free space is not wasted */
            b->prev = a->top->prev;
            a->top->prev = b;
        } else {
            b->prev = a->top;
            a->top = b;
        }
    }
    void *p = b->data + b->used;
    b->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

void *tb_arena_grow(tb_arena *a, void *old, size_t old_n, size_t new_n, size_t elt) {
    void *p = tb_arena_alloc(a, new_n * elt);
    if (old && old_n) memcpy(p, old, old_n * elt);
    return p;
}

char *tb_arena_strndup(tb_arena *a, const char *s, size_t n) {
    char *p = tb_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *tb_arena_strdup(tb_arena *a, const char *s) {
    return s ? tb_arena_strndup(a, s, strlen(s)) : NULL;
}

size_t tb_arena_used(const tb_arena *a) {
    size_t n = a->total;
    for (const tb_arena *k = a->kids; k; k = k->next) n += tb_arena_used(k);
    return n;
}

void tb_arena_adopt(tb_arena *a, tb_arena *child) {
    if (!child) return;
    child->next = a->kids;
    a->kids = child;
}
