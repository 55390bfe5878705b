/*
** fuzz_common.h — what the two libFuzzer targets share: the process-wide
** tool (context, parser, shaper, breaker) made once, a private work folder
** with a few small images for <img>, and the pipeline of src/main.c from
** style to render.  Included by fuzz_guide.c and fuzz_layout.c only.
**
** Run from the repository root (schema/, layouts/ and fonts/ are found
** there, as bin/tebiki finds them).  FUZZ_VERBOSE=1 prints each input's
** diagnostics, for looking at a reproducer.
*/
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H
#define _XOPEN_SOURCE 700 /* nftw */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "../src/base/arena.h"
#include "../src/base/ctx.h"
#include "../src/break/break.h"
#include "../src/font/font.h"
#include "../src/furigana/furigana.h"
#include "../src/html/html.h"
#include "../src/paginate/paginate.h"
#include "../src/parse/doc.h"
#include "../src/render/render.h"
#include "../src/shape/shape.h"
#include "../src/style/layout.h"
#include "../src/style/style.h"
#include "../src/typeset/typeset.h"

enum { FZ_MAX_PAGES = 50 };

typedef struct fz_tool {
    tb_ctx *ctx;
    tb_parser *parser;
    tb_shaper *shaper;
    tb_breaker *breaker;
    tb_furigana *furigana;  /* MeCab, opened by the first input asking for it */
    char dir[256];      /* private work folder: inputs and images */
    int verbose;
} fz_tool;

static void fz_die(const char *what) {
    fprintf(stderr, "fuzz: %s (run from the repository root: schema/, layouts/, fonts/)\n", what);
    abort();
}

static void fz_write(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) fz_die("cannot write in the work folder");
    if (n && fwrite(data, 1, n, f) != n) fz_die("cannot write in the work folder");
    if (fclose(f)) fz_die("cannot write in the work folder");
}

/* A small PNG: W×H, colour type CT (0 grey, 2 RGB, 3 palette, 4 grey+alpha,
** 6 RGBA), 8 bits, a gradient; for <img src="…"> in fuzzed guides. */
static void fz_png(const char *path, unsigned w, unsigned h, int ct) {
    static const int chans[7] = {1, 0, 3, 1, 2, 0, 4};
    size_t row = 1 + (size_t)w * (size_t)chans[ct], raw_n = row * h;
    unsigned char *raw = calloc(1, raw_n);
    for (unsigned y = 0; y < h; y++)
        for (size_t x = 1; x < row; x++) raw[y * row + x] = (unsigned char)(x * 37 + y * 11);
    uLongf zn = compressBound((uLong)raw_n);
    unsigned char *z = malloc(zn);
    if (compress(z, &zn, raw, (uLong)raw_n) != Z_OK) fz_die("zlib");
    unsigned char *out = malloc(zn + 1024), *p = out;
#define BE32(v) (p[0] = (unsigned char)((v) >> 24), p[1] = (unsigned char)((v) >> 16), \
                 p[2] = (unsigned char)((v) >> 8), p[3] = (unsigned char)(v), p += 4)
#define CHUNK(type, data, n) do { BE32((uint32_t)(n)); unsigned char *t = p; memcpy(p, type, 4); p += 4; \
        if (n) memcpy(p, data, n); p += (n); uLong c = crc32(0, t, (uInt)(4 + (n))); BE32(c); } while (0)
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    p += 8;
    unsigned char ihdr[13] = {(unsigned char)(w >> 24), (unsigned char)(w >> 16), (unsigned char)(w >> 8),
                              (unsigned char)w, (unsigned char)(h >> 24), (unsigned char)(h >> 16),
                              (unsigned char)(h >> 8), (unsigned char)h, 8, (unsigned char)ct, 0, 0, 0};
    CHUNK("IHDR", ihdr, 13);
    if (ct == 3) {
        unsigned char plte[768];
        for (int i = 0; i < 768; i++) plte[i] = (unsigned char)(i * 7);
        CHUNK("PLTE", plte, 768);
    }
    CHUNK("IDAT", z, zn);
    CHUNK("IEND", "", 0);
#undef CHUNK
#undef BE32
    fz_write(path, out, (size_t)(p - out));
    free(out);
    free(z);
    free(raw);
}

/* The work folder goes when the process ends normally (after a crash it
** stays, with the input that crashed as guide.xml or layout.xml). */
static char fz_dir[256];
static int fz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}
static void fz_cleanup(void) {
    if (fz_dir[0]) nftw(fz_dir, fz_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* The images of content/ (content/GUIDE/NAME.png → WORK/NAME.png), so that
** the guides of content/ as seeds get through to the renderer. */
static void fz_copy_content_images(const char *dir) {
    glob_t g;
    if (glob("content/*/*.png", 0, NULL, &g) != 0) return;
    glob("content/*/*.jpg", GLOB_APPEND, NULL, &g);
    glob("content/*/*.jpeg", GLOB_APPEND, NULL, &g);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        FILE *f = fopen(g.gl_pathv[i], "rb");
        if (!f) continue;
        char *buf = NULL;
        size_t n = 0, cap = 0;
        for (;;) {
            if (n == cap && !(buf = realloc(buf, cap = cap ? cap * 2 : 65536))) fz_die("out of memory");
            size_t r = fread(buf + n, 1, cap - n, f);
            if (!r) break;
            n += r;
        }
        fclose(f);
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, strrchr(g.gl_pathv[i], '/') + 1);
        fz_write(p, buf, n);
        free(buf);
    }
    globfree(&g);
}

static void fz_init(fz_tool *t) {
    t->verbose = getenv("FUZZ_VERBOSE") && *getenv("FUZZ_VERBOSE") && strcmp(getenv("FUZZ_VERBOSE"), "0");
    if (access("schema/guide.rng", R_OK) || access("fonts/catalogue.xml", R_OK) || access("layouts", R_OK))
        fz_die("schema/guide.rng, fonts/catalogue.xml or layouts/ not found");
    const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(t->dir, sizeof t->dir, "%s/tebiki-fuzz.XXXXXX", tmp);
    if (!mkdtemp(t->dir)) fz_die("cannot make a work folder");
    snprintf(fz_dir, sizeof fz_dir, "%s", t->dir);
    atexit(fz_cleanup);
    char p[512];
    static const struct { const char *name; unsigned w, h; int ct; } imgs[] = {
        /* enough pixels for the print preflight (150 ppi) at most placed sizes */
        {"photo.png", 640, 480, 2}, {"logo.png", 160, 160, 6}, {"grey.png", 48, 384, 0},
        {"map.png", 480, 120, 3}, {"line.png", 1200, 2, 4}, {"images/photo.png", 480, 640, 2},
    };
    snprintf(p, sizeof p, "%s/images", t->dir);
    mkdir(p, 0755);
    for (size_t i = 0; i < sizeof imgs / sizeof *imgs; i++) {
        snprintf(p, sizeof p, "%s/%s", t->dir, imgs[i].name);
        fz_png(p, imgs[i].w, imgs[i].h, imgs[i].ct);
    }
    fz_copy_content_images(t->dir);
    t->ctx = tb_ctx_new();
    if (!t->ctx) fz_die("tb_ctx_new");
    t->ctx->layouts_dir = "layouts";
    t->ctx->fonts_dir = "fonts";
    t->ctx->share_dir = NULL;
    t->ctx->verbose = -1;
    t->ctx->limits.max_pages = FZ_MAX_PAGES;
    t->parser = tb_parser_new(t->ctx);
    t->breaker = tb_breaker_new(t->ctx);
    t->shaper = tb_shaper_new(t->ctx);
    t->furigana = tb_furigana_new(NULL, NULL);
    if (!t->parser || !t->breaker || !t->shaper || !t->furigana) {
        tb_diags_print(t->ctx->diags, 0);
        fz_die("cannot make the parser, shaper or breaker");
    }
    tb_diags_clear(t->ctx->diags);
}

/* furigana → the HTML twin → style → shape → break → paginate (until page
** numbers are stable) → render to memory, as one() in src/main.c does for
** `tebiki build --html`.  RENDER false stops after pagination.  Returns the
** number of pages, or -1 after an error. */
static int fz_pipeline(fz_tool *t, tb_arena *a, tb_doc *doc, const tb_layout *lay, bool render,
                       tb_variant variant) {
    tb_ctx *ctx = t->ctx;
    if (tb_diags_count(ctx->diags, TB_ERROR)) return -1;
    if (tb_furigana_apply(t->furigana, ctx, a, doc,
                          lay->furigana_parens ? TB_FURIGANA_PARENS : TB_FURIGANA_RUBY))
        return -1;
    {
        tb_html_opts ho = {.layout = lay, .pdf = {"fuzz.ja.pdf", 310000}, .print = {"fuzz.ja.print.pdf", 1200000}};
        unsigned char *html = NULL;
        size_t hlen = 0;
        if (tb_html_write(ctx, doc, &ho, &html, &hlen) && !html) {
            fprintf(stderr, "fuzz: tb_html_write succeeded without HTML\n");
            abort();
        }
        free(html);
        if (tb_diags_count(ctx->diags, TB_ERROR)) return -1;
    }
    bool back_cover = false;
    tb_pages *pages = tb_typeset(ctx, a, t->shaper, t->breaker, doc, lay, NULL, &back_cover);
    if (!pages || tb_diags_count(ctx->diags, TB_ERROR)) return -1;
    if (render) {
        tb_render_opts ro = {variant, 1700000000LL, "fuzz.ja", .layout = lay, .guide_file = doc->file,
                             .back_cover = back_cover};
        unsigned char *pdf = NULL;
        size_t len = 0;
        if (!tb_render_pdf(ctx, pages, &ro, &pdf, &len)) return -1;
        if (len < 5 || memcmp(pdf, "%PDF-", 5)) {
            fprintf(stderr, "fuzz: tb_render_pdf succeeded without a PDF\n");
            abort();
        }
        free(pdf);
    }
    return (int)pages->n;
}

/* End of one input, before its arena is freed: the shaper's cache points
** into it (tb_shaper_end_document, as src/main.c); show (with FUZZ_VERBOSE)
** and forget the input's diagnostics. */
static void fz_done(fz_tool *t) {
    tb_shaper_end_document(t->shaper);
    if (t->verbose) tb_diags_print(t->ctx->diags, 0);
    tb_diags_clear(t->ctx->diags);
}

#endif
