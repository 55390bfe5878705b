/*
** ctx.h — the one context passed first to every stage.
**
** It holds what outlives a single guide: diagnostics, the font catalogue
** and its open faces, loaded layouts, search paths and limits.  No stage
** keeps global state; two contexts never share anything.
*/
#ifndef TB_CTX_H
#define TB_CTX_H
#include <stdbool.h>
#include <stddef.h>
#include "diag.h"

typedef struct tb_fontcat tb_fontcat; /* font/font.h */
typedef struct tb_workq tb_workq;     /* base/workq.h */

typedef struct tb_limits {
    size_t max_pages;      /* a guide needing more is an error (default 2000) */
    size_t max_depth;      /* element nesting (default 64) */
    size_t max_input;      /* bytes of one XML file (default 64 MiB) */
    size_t max_image_px;   /* width*height of one image (default 100 Mpx) */
} tb_limits;

typedef struct tb_ctx {
    tb_diags *diags;          /* owned */
    tb_limits limits;
    const char *layouts_dir;  /* borrowed: argv or a constant */
    const char *fonts_dir;    /* borrowed */
    const char *share_dir;    /* borrowed: installed data (schema, layouts) */
    tb_fontcat *fonts;        /* owned; loaded lazily by tb_ctx_fonts() */
    tb_workq *wq;             /* owned; the second core's jobs, made by tb_ctx_workq() */
    int verbose;              /* -1 quiet, 0 normal, 1 verbose */
    bool trace;               /* stages print golden traces to stdout */
    bool exiting;             /* the process ends after this guide (main sets
                                 it, never for leak checkers): a stage may
                                 leave what it would free to the kernel */
} tb_ctx;

tb_ctx *tb_ctx_new(void);
void tb_ctx_free(tb_ctx *ctx);
/* The font catalogue, loaded on first use from fonts_dir; NULL after an
** error (which is in ctx->diags). */
tb_fontcat *tb_ctx_fonts(tb_ctx *ctx);
/* The run's work queue (base/workq.h), started on first use; NULL when
** out of memory (then a stage does its work itself). */
tb_workq *tb_ctx_workq(tb_ctx *ctx);
/* Find a data file: DIR/NAME where DIR is the given dir (if not NULL),
** then the share dir.  Returns a malloc'd path or NULL. */
char *tb_ctx_find(tb_ctx *ctx, const char *dir, const char *sub, const char *name);

#define tb_error(ctx, file, line, col, ...) \
    tb_diags_add((ctx)->diags, TB_ERROR, (file), (line), (col), __VA_ARGS__)
#define tb_warning(ctx, file, line, col, ...) \
    tb_diags_add((ctx)->diags, TB_WARNING, (file), (line), (col), __VA_ARGS__)
/* With the kind the quality report files the finding under (diag.h). */
#define tb_error_kind(ctx, kind, file, line, col, ...) \
    tb_diags_add_kind((ctx)->diags, TB_ERROR, (kind), (file), (line), (col), __VA_ARGS__)
#define tb_warning_kind(ctx, kind, file, line, col, ...) \
    tb_diags_add_kind((ctx)->diags, TB_WARNING, (kind), (file), (line), (col), __VA_ARGS__)

#endif
