/*
** ctx.c — the context; see ctx.h.
*/
#include "ctx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../font/font.h"
#include "workq.h"

tb_ctx *tb_ctx_new(void) {
    tb_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->diags = tb_diags_new();
    if (!ctx->diags) {
        free(ctx);
        return NULL;
    }
    ctx->limits.max_pages = 2000;
    ctx->limits.max_depth = 64;
    ctx->limits.max_input = 64u << 20;
    ctx->limits.max_image_px = 100u * 1000 * 1000;
    return ctx;
}

void tb_ctx_free(tb_ctx *ctx) {
    if (!ctx) return;
    tb_workq_free(ctx->wq); /* first: its jobs may point into what follows */
    tb_fontcat_free(ctx->fonts);
    tb_diags_free(ctx->diags);
    free(ctx);
}

tb_workq *tb_ctx_workq(tb_ctx *ctx) {
    if (!ctx->wq) ctx->wq = tb_workq_new();
    return ctx->wq;
}

static char *join(const char *a, const char *b, const char *c) {
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s%s%s%s%s", a, *b ? "/" : "", b, *c ? "/" : "", c);
    return p;
}

char *tb_ctx_find(tb_ctx *ctx, const char *dir, const char *sub, const char *name) {
    if (dir) {
        char *p = join(dir, "", name);
        if (p && access(p, R_OK) == 0) return p;
        free(p);
    }
    if (ctx->share_dir) {
        char *p = join(ctx->share_dir, sub, name);
        if (p && access(p, R_OK) == 0) return p;
        free(p);
    }
    return NULL;
}

tb_fontcat *tb_ctx_fonts(tb_ctx *ctx) {
    if (ctx->fonts) return ctx->fonts;
    char *path = tb_ctx_find(ctx, ctx->fonts_dir, "fonts", "catalogue.xml");
    if (!path) {
        tb_error(ctx, ctx->fonts_dir ? ctx->fonts_dir : "fonts", 0, 0,
                 "no font catalogue (catalogue.xml) found");
        return NULL;
    }
    ctx->fonts = tb_fontcat_load(ctx, path);
    free(path);
    return ctx->fonts;
}
