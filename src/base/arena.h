/*
** arena.h — one arena per document.
**
** Every object of a document's trees (document tree, styled tree, shaped
** runs, lines, pages) is allocated here and freed in one call.  Long-lived
** shared resources (font faces, layouts) are not: they belong to tb_ctx.
*/
#ifndef TB_ARENA_H
#define TB_ARENA_H
#include <stddef.h>

typedef struct tb_arena tb_arena;

/* A new empty arena; NULL when out of memory. */
tb_arena *tb_arena_new(void);
/* Free every block the arena handed out; accepts NULL. */
void tb_arena_free(tb_arena *a);
/* Zeroed storage, 16-byte aligned; aborts the process on out of memory
** (an arena allocation cannot fail half-way through a stage). */
void *tb_arena_alloc(tb_arena *a, size_t size);
/* Grow an arena array: copies old_n elements of size elt into a new block. */
void *tb_arena_grow(tb_arena *a, void *old, size_t old_n, size_t new_n, size_t elt);
char *tb_arena_strdup(tb_arena *a, const char *s);
char *tb_arena_strndup(tb_arena *a, const char *s, size_t n);
/* Bytes handed out so far, its adopted arenas' included (for limits and
** the benchmark). */
size_t tb_arena_used(const tb_arena *a);
/* CHILD (an arena of its own, not adopted before) is freed with A from
** now on: work that kept it apart, to drop it early, keeps it.  Accepts a
** NULL CHILD. */
void tb_arena_adopt(tb_arena *a, tb_arena *child);

#define TB_NEW(a, T) ((T *)tb_arena_alloc((a), sizeof(T)))
#define TB_NEWN(a, T, n) ((T *)tb_arena_alloc((a), sizeof(T) * (size_t)(n)))

#endif
