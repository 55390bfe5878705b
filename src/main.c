/*
** main.c — the tebiki command: the driver that reads as the pipeline.
**
**   parse → style → shape → break → paginate → render
**
** Page numbers printed by refs and the contents are only known after
** pagination, so style..paginate run again until every number is stable
** (at most MAX_PASSES times).  Output files are written atomically: a
** temporary file in the target folder, renamed over the target only when
** complete, so a failed build leaves an earlier PDF untouched.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "base/arena.h"
#include "base/ctx.h"
#include "break/break.h"
#include "font/font.h"
#include "furigana/furigana.h"
#include "html/html.h"
#include "paginate/paginate.h"
#include "parse/doc.h"
#include "render/render.h"
#include "shape/shape.h"
#include "style/layout.h"
#include "style/style.h"

#define TEBIKI_VERSION "0.1.0"
enum { MAX_PASSES = 5 };
enum { EXIT_OK = 0, EXIT_GUIDE = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

typedef struct opts {
    bool check;
    const char *output;
    tb_variant variant;
    const char *layout;
    const char *depfile;
    int verbose;
    bool html, html_only;     /* --html, --html-only: the HTML twin */
} opts;

/* What one process shares between guides. */
typedef struct tool {
    tb_ctx *ctx;
    tb_parser *parser;
    tb_layouts *layouts;
    tb_shaper *shaper;
    tb_breaker *breaker;
    tb_furigana *furigana;    /* MeCab, opened by the first guide asking for furigana */
} tool;

static void usage(FILE *f) {
    fputs("usage: tebiki build [options] FILE.xml...   build PDFs\n"
          "       tebiki check [options] FILE.xml...   validate only; writes nothing\n"
          "       tebiki index [-o DIR] FILE.xml...    DIR/index.html and DIR/guides.json: every\n"
          "                                            guide built in DIR (default out/)\n"
          "       tebiki --help | --version\n"
          "\n"
          "options:\n"
          "  -o, --output PATH      the output file (one input) or folder (several);\n"
          "                         default out/<guide>.<name>.pdf\n"
          "  --variant web|print    web (default): RGB, bookmarks, links, small;\n"
          "                         print: CMYK, bleed, trim marks (<name>.print.pdf)\n"
          "  --layout NAME|FILE     use this layout instead of the guide's layout attribute\n"
          "  --layouts DIR          where layouts are found (default layouts/, then the share folder)\n"
          "  --fonts DIR            where the font catalogue is found (default fonts/, then share)\n"
          "  -M FILE                write a make-style dependency file\n"
          "  --html                 also write the HTML twin <guide>.<name>.html beside the\n"
          "                         PDF, linking the web and print PDFs found there\n"
          "  --html-only            write only the HTML twin (no typesetting)\n"
          "  -q, -v                 quieter, louder\n"
          "\n"
          "exit status: 0 success (warnings allowed), 1 an error in a guide, layout or\n"
          "font catalogue, 2 a usage error, 3 an I/O or internal failure.\n",
          f);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool maps_equal(const tb_pagemap *a, const tb_pagemap *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->ids[i], b->ids[i]) || a->pages[i] != b->pages[i]) return false;
    return true;
}

/* "content/in-spiral/ja.xml" → "in-spiral.ja" */
static void guide_name(const char *path, char *buf, size_t cap) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *base = strrchr(tmp, '/');
    char *name = base ? base + 1 : tmp;
    char *dot = strrchr(name, '.');
    if (dot) *dot = 0;
    const char *dir = "guide";
    if (base) {
        *base = 0;
        char *d = strrchr(tmp, '/');
        dir = d ? d + 1 : tmp;
        if (!*dir || !strcmp(dir, ".")) dir = "guide";
    }
    if (snprintf(buf, cap, "%s.%s", dir, name) >= (int)cap) buf[cap - 1] = 0;
}

static bool write_atomic(tb_ctx *ctx, const char *path, const unsigned char *data, size_t len) {
    char tmp[4200];
    const char *slash = strrchr(path, '/');
    snprintf(tmp, sizeof tmp, "%.*s%s.%s.tmp-XXXXXX", slash ? (int)(slash - path + 1) : 0, path, "",
             slash ? slash + 1 : path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        tb_error(ctx, path, 0, 0, "cannot write the output: %s", strerror(errno));
        return false;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            tb_error(ctx, path, 0, 0, "cannot write the output: %s", strerror(errno));
            close(fd);
            unlink(tmp);
            return false;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 && errno != EINVAL) {
        tb_error(ctx, path, 0, 0, "cannot write the output: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        return false;
    }
    fchmod(fd, 0644);
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        tb_error(ctx, path, 0, 0, "cannot write the output: %s", strerror(errno));
        unlink(tmp);
        return false;
    }
    return true;
}

/* Every file the PDF depends on, for -M. */
typedef struct deps {
    char **v;
    size_t n;
} deps;

static void dep_add(deps *d, const char *f) {
    if (!f) return;
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i], f)) return;
    d->v = realloc(d->v, (d->n + 1) * sizeof *d->v);
    d->v[d->n++] = strdup(f);
}

static bool write_deps(tb_ctx *ctx, const char *file, const char *target, deps *d) {
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    len += (size_t)snprintf(s, cap, "%s:", target);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->n; i++) {
            size_t need = strlen(d->v[i]) + strlen(target) + 8;
            if (len + need >= cap) {
                cap = (len + need) * 2;
                s = realloc(s, cap);
            }
            if (pass == 0) len += (size_t)snprintf(s + len, cap - len, " %s", d->v[i]);
            else len += (size_t)snprintf(s + len, cap - len, "%s:\n", d->v[i]);
            if (pass == 0 && i == d->n - 1) len += (size_t)snprintf(s + len, cap - len, "\n");
        }
    if (!d->n) len += (size_t)snprintf(s + len, cap - len, "\n");
    bool ok = write_atomic(ctx, file, (unsigned char *)s, len);
    free(s);
    return ok;
}

/* The HTML twin beside OUT_PATH ("out/x.ja.pdf", "….print.pdf" or
** "….html" → out/x.ja.html), linking out/x.ja.pdf and out/x.ja.print.pdf
** when they are there.  Returns an exit status. */
static int write_html(tb_ctx *ctx, const opts *o, const tb_doc *doc, const tb_layout *lay, const char *out_path) {
    char base[4096], html[4200], pdf[4200], print[4200];
    snprintf(base, sizeof base, "%s", out_path);
    size_t n = strlen(base);
    static const char *const ext[] = {".print.pdf", ".pdf", ".html"};
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(ext[i]);
        if (n > k && !strcmp(base + n - k, ext[i])) {
            base[n - k] = 0;
            break;
        }
    }
    snprintf(html, sizeof html, "%s.html", base);
    snprintf(pdf, sizeof pdf, "%s.pdf", base);
    snprintf(print, sizeof print, "%s.print.pdf", base);
    tb_html_opts ho = {.layout = lay};
    struct stat st;
    if (stat(pdf, &st) == 0 && S_ISREG(st.st_mode))
        ho.pdf = (tb_html_file){strrchr(pdf, '/') ? strrchr(pdf, '/') + 1 : pdf, (size_t)st.st_size};
    if (stat(print, &st) == 0 && S_ISREG(st.st_mode))
        ho.print = (tb_html_file){strrchr(print, '/') ? strrchr(print, '/') + 1 : print, (size_t)st.st_size};
    unsigned char *buf = NULL;
    size_t len = 0;
    if (!tb_html_write(ctx, doc, &ho, &buf, &len)) return EXIT_GUIDE;
    int rc = write_atomic(ctx, html, buf, len) ? EXIT_OK : EXIT_IO;
    free(buf);
    if (rc == EXIT_OK && o->verbose >= 0) {
        const char *slash = strrchr(html, '/');
        printf("%-28s           %6zu KB\n", slash ? slash + 1 : html, (len + 1023) / 1024);
    }
    return rc;
}

static long long source_epoch(const char *xml) {
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (e && *e) {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (!*end && v >= 0) return v;
    }
    struct stat st;
    return stat(xml, &st) == 0 ? (long long)st.st_mtime : 0;
}

/* Build (or check) one guide.  Returns an exit status. */
static int one(tool *t, const opts *o, const char *xml, const char *out_path, int *pages_out) {
    tb_ctx *ctx = t->ctx;
    double t0 = now_ms();
    tb_arena *a = tb_arena_new();
    int rc = EXIT_OK;
    deps d = {0};
    tb_doc *doc = tb_parse_file(t->parser, a, xml);
    const tb_layout *lay = NULL;
    if (doc && doc->root) {
        const char *lname = o->layout ? o->layout : doc->layout;
        if (lname) lay = tb_layouts_get(t->layouts, lname, xml, doc->root->line);
    }
    if (!doc || !lay || tb_diags_count(ctx->diags, TB_ERROR)) {
        rc = EXIT_GUIDE;
        goto done;
    }
    /* furigana: automatic readings (ruby, or 漢字（かんじ） as the layout says) */
    if ((rc = tb_furigana_apply(t->furigana, ctx, a, doc,
                                lay->furigana_parens ? TB_FURIGANA_PARENS : TB_FURIGANA_RUBY)))
        goto done;
    if (o->html_only) {
        rc = write_html(ctx, o, doc, lay, out_path);
        goto done;
    }
    if (!t->shaper && !(t->shaper = tb_shaper_new(ctx))) {
        rc = EXIT_GUIDE;
        goto done;
    }
    tb_pagemap map = {0}, prev = {0};
    tb_pages *pages = NULL;
    size_t mark = tb_diags_len(ctx->diags);
    bool back_cover = false; /* for render: blank pages go before it */
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        tb_diags_truncate(ctx->diags, mark);
        const tb_styled *st = tb_style_run(ctx, a, doc, lay, pass ? &prev : NULL);
        back_cover = st && st->back;
        const tb_shaped_doc *sh = tb_shape_doc(t->shaper, a, st);
        const tb_lined_doc *ld = tb_break_doc(t->breaker, a, sh);
        pages = tb_paginate(ctx, a, ld, &map);
        if (!pages || tb_diags_count(ctx->diags, TB_ERROR)) break;
        if (!st->page_numbers) break; /* nothing printed depends on pages */
        if (pass && maps_equal(&map, &prev)) break;
        prev = map;
    }
    if (!pages || tb_diags_count(ctx->diags, TB_ERROR)) {
        rc = EXIT_GUIDE;
        goto done;
    }
    *pages_out = (int)pages->n;
    if (o->check) goto done;
    /* render */
    char gname[512];
    guide_name(xml, gname, sizeof gname);
    tb_render_opts ro = {o->variant, source_epoch(xml), gname, .layout = lay, .guide_file = xml,
                         .back_cover = back_cover};
    unsigned char *pdf = NULL;
    size_t len = 0;
    if (!tb_render_pdf(ctx, pages, &ro, &pdf, &len)) {
        rc = EXIT_IO;
        goto done;
    }
    if (!write_atomic(ctx, out_path, pdf, len)) rc = EXIT_IO;
    free(pdf);
    if (rc == EXIT_OK && o->depfile) {
        dep_add(&d, xml);
        dep_add(&d, lay->file);
        if (ctx->fonts) dep_add(&d, tb_fontcat_path(ctx->fonts));
        for (size_t i = 0; i < pages->n; i++)
            for (tb_item *it = pages->pages[i].first; it; it = it->next) {
                if (it->kind == TB_IT_GLYPHS) dep_add(&d, tb_face_path(it->u.glyphs.face));
                if (it->kind == TB_IT_IMAGE) dep_add(&d, it->u.image.path);
            }
        if (!write_deps(ctx, o->depfile, out_path, &d)) rc = EXIT_IO;
    }
    if (rc == EXIT_OK && o->verbose >= 0) {
        const char *base = strrchr(out_path, '/');
        printf("%-28s %3zu pages %6zu KB %5.0f ms %3zu warnings\n", base ? base + 1 : out_path, pages->n,
               (len + 1023) / 1024, now_ms() - t0, tb_diags_count(ctx->diags, TB_WARNING));
    }
    if (rc == EXIT_OK && o->html) rc = write_html(ctx, o, doc, lay, out_path);
done:
    for (size_t i = 0; i < d.n; i++) free(d.v[i]);
    free(d.v);
    tb_shaper_end_document(t->shaper); /* its cache points into the arena */
    tb_arena_free(a);
    return rc;
}

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* tebiki index [-o DIR] FILE.xml...: DIR/index.html and DIR/guides.json
** from the guides and what was built of them in DIR.  Writes nothing when
** a guide has an error. */
static int cmd_index(int argc, char **argv) {
    const char *dir = "out";
    int verbose = 0;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tebiki: %s needs a value\n", a);
                free(files);
                return EXIT_USAGE;
            }
            dir = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) verbose = -1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) verbose = 1;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tebiki: unknown option '%s' for index\n", a);
            usage(stderr);
            free(files);
            return EXIT_USAGE;
        } else files[nfiles++] = a;
    }
    if (!nfiles) {
        fprintf(stderr, "tebiki: no guide given\n");
        usage(stderr);
        free(files);
        return EXIT_USAGE;
    }
    tb_ctx *ctx = tb_ctx_new();
    if (!ctx) return EXIT_IO;
    ctx->share_dir = getenv("TEBIKI_SHARE") ? getenv("TEBIKI_SHARE") : TEBIKI_SHARE_DIR;
    ctx->verbose = verbose;
    int rc = EXIT_OK;
    tb_edition *eds = calloc(nfiles, sizeof *eds);
    size_t n = 0;
    tb_parser *p = tb_parser_new(ctx);
    if (!p) rc = EXIT_IO;
    for (size_t i = 0; p && i < nfiles; i++) {
        tb_arena *a = tb_arena_new();
        tb_doc *doc = tb_parse_file(p, a, files[i]);
        if (!doc || !doc->root || tb_diags_count(ctx->diags, TB_ERROR)) {
            rc = EXIT_GUIDE;
        } else {
            char gname[512];
            guide_name(files[i], gname, sizeof gname);
            tb_edition_find(doc, dir, gname, &eds[n]);
            if (!eds[n].pdf.name) tb_warning(ctx, files[i], 0, 0, "%s/%s.pdf is not built: listed without it", dir, gname);
            n++;
        }
        tb_diags_print(ctx->diags, verbose < 0);
        tb_diags_clear(ctx->diags);
        tb_arena_free(a);
    }
    if (rc == EXIT_OK) {
        unsigned char *h = NULL, *j = NULL;
        size_t hl = 0, jl = 0;
        tb_html_index(eds, n, &h, &hl, &j, &jl);
        char path[4200];
        snprintf(path, sizeof path, "%s/guides.json", dir);
        if (!write_atomic(ctx, path, j, jl)) rc = EXIT_IO;
        snprintf(path, sizeof path, "%s/index.html", dir);
        if (rc == EXIT_OK && !write_atomic(ctx, path, h, hl)) rc = EXIT_IO;
        tb_diags_print(ctx->diags, verbose < 0);
        free(h);
        free(j);
        size_t guides = 0;
        for (size_t i = 0; i < n; i++) {
            size_t k = 0;
            while (k < i && strcmp(eds[k].guide, eds[i].guide)) k++;
            guides += k == i;
        }
        if (rc == EXIT_OK && verbose >= 0)
            printf("%-28s %3zu guide%s, %zu edition%s\n", "index.html, guides.json", guides, guides == 1 ? "" : "s", n,
                   n == 1 ? "" : "s");
    }
    for (size_t i = 0; i < n; i++) tb_edition_free(&eds[i]);
    free(eds);
    tb_parser_free(p);
    tb_ctx_free(ctx);
    free(files);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tebiki %s\n", TEBIKI_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "index")) return cmd_index(argc, argv);
    opts o = {0};
    if (!strcmp(argv[1], "check")) o.check = true;
    else if (strcmp(argv[1], "build")) {
        fprintf(stderr, "tebiki: unknown command '%s' (say build, check or index)\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
    }
    tb_ctx *ctx = tb_ctx_new();
    if (!ctx) return EXIT_IO;
    const char **files = calloc((size_t)argc, sizeof *files);
    size_t nfiles = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (fprintf(stderr, "tebiki: %s needs a value\n", a), exit(EXIT_USAGE), ""))
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) o.output = NEXT();
        else if (!strcmp(a, "--variant")) {
            const char *v = NEXT();
            if (!strcmp(v, "web")) o.variant = TB_VARIANT_WEB;
            else if (!strcmp(v, "print")) o.variant = TB_VARIANT_PRINT;
            else {
                fprintf(stderr, "tebiki: --variant takes web or print, not '%s'\n", v);
                return EXIT_USAGE;
            }
        } else if (!strcmp(a, "--layout")) o.layout = NEXT();
        else if (!strcmp(a, "--layouts")) ctx->layouts_dir = NEXT();
        else if (!strcmp(a, "--fonts")) ctx->fonts_dir = NEXT();
        else if (!strcmp(a, "-M")) o.depfile = NEXT();
        else if (!strcmp(a, "--html")) o.html = true;
        else if (!strcmp(a, "--html-only")) o.html = o.html_only = true;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o.verbose = -1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) o.verbose = 1;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "tebiki: unknown option '%s'\n", a);
            usage(stderr);
            return EXIT_USAGE;
        } else files[nfiles++] = a;
#undef NEXT
    }
    if (!nfiles) {
        fprintf(stderr, "tebiki: no guide given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if ((o.html && o.check) || (o.html_only && o.depfile)) {
        fprintf(stderr, o.check ? "tebiki: --html and --html-only go with build\n"
                                : "tebiki: -M does not go with --html-only (the PDF's dependencies cover the HTML)\n");
        tb_ctx_free(ctx);
        free(files);
        return EXIT_USAGE;
    }
    if (o.depfile && nfiles > 1) {
        fprintf(stderr, "tebiki: -M takes one guide at a time\n");
        return EXIT_USAGE;
    }
    if (!ctx->layouts_dir) ctx->layouts_dir = "layouts";
    if (!ctx->fonts_dir) ctx->fonts_dir = "fonts";
    ctx->share_dir = getenv("TEBIKI_SHARE") ? getenv("TEBIKI_SHARE") : TEBIKI_SHARE_DIR;
    ctx->verbose = o.verbose;

    tool t = {ctx, NULL, NULL, NULL, NULL, NULL};
    int worst = EXIT_OK;
    t.parser = tb_parser_new(ctx);
    t.layouts = tb_layouts_new(ctx);
    t.breaker = tb_breaker_new(ctx);
    t.furigana = tb_furigana_new(NULL, NULL);
    size_t failed = 0, total_err = 0, total_warn = 0;
    if (!t.parser) {
        tb_diags_print(ctx->diags, 0);
        worst = EXIT_IO;
        goto out;
    }
    bool out_is_dir = o.output && (nfiles > 1 || is_dir(o.output));
    for (size_t i = 0; i < nfiles; i++) {
        char path[4096], gname[512];
        guide_name(files[i], gname, sizeof gname);
        const char *suffix = o.variant == TB_VARIANT_PRINT ? ".print.pdf" : ".pdf";
        if (o.output && !out_is_dir) snprintf(path, sizeof path, "%s", o.output);
        else snprintf(path, sizeof path, "%s/%s%s", o.output ? o.output : "out", gname, suffix);
        if (!o.output && !o.check && !is_dir("out") && mkdir("out", 0755) != 0 && errno != EEXIST) {
            tb_error(ctx, "out", 0, 0, "cannot create the output folder: %s", strerror(errno));
        }
        int pages = 0;
        int rc = tb_diags_count(ctx->diags, TB_ERROR) ? EXIT_IO : one(&t, &o, files[i], path, &pages);
        total_err += tb_diags_count(ctx->diags, TB_ERROR);
        total_warn += tb_diags_count(ctx->diags, TB_WARNING);
        tb_diags_print(ctx->diags, o.verbose < 0);
        tb_diags_clear(ctx->diags);
        if (rc != EXIT_OK) failed++;
        if (rc > worst) worst = rc;
    }
    if (o.check)
        fprintf(stderr, "tebiki check: %zu error%s, %zu warning%s in %zu guide%s\n", total_err, total_err == 1 ? "" : "s",
                total_warn, total_warn == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
    else if (nfiles > 1 && o.verbose >= 0)
        printf("%zu guides, %zu failed\n", nfiles, failed);
out:
    tb_shaper_free(t.shaper);
    tb_breaker_free(t.breaker);
    tb_furigana_free(t.furigana);
    tb_layouts_free(t.layouts);
    tb_parser_free(t.parser);
    tb_ctx_free(ctx);
    free(files);
    return worst;
}
