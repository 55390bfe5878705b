/*
** main.c — the tebiki command: the driver that reads as the pipeline.
**
**   parse → style → shape → break → paginate → render
**
** Page numbers printed by refs and the contents are only known after
** pagination, so style..paginate run again until every number is stable
** (src/typeset: at most TB_TYPESET_MAX_PASSES times).  Output files are written atomically: a
** temporary file in the target folder, renamed over the target only when
** complete, so a failed build leaves an earlier PDF untouched.
*/
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "base/arena.h"
#include "base/ctx.h"
#include "base/mem.h"
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
#include "typeset/typeset.h"
#include "workflow/report.h"
#include "workflow/watch.h"

#define TEBIKI_VERSION "0.1.0"
enum { EXIT_OK = 0, EXIT_GUIDE = 1, EXIT_USAGE = 2, EXIT_IO = 3 };

typedef struct opts {
    bool check;
    const char *output;
    tb_variant variant;
    const char *layout;
    const char *depfile;
    int verbose;
    bool html, html_only;     /* --html, --html-only: the HTML twin */
    const char *report;       /* --report FILE.json: the quality report */
    bool variant_set;         /* --variant given (check defaults to print) */
    bool watch;               /* tebiki watch */
} opts;

/* What one process shares between guides. */
typedef struct tool {
    tb_ctx *ctx;
    tb_parser *parser;
    tb_layouts *layouts;
    tb_shaper *shaper;
    tb_breaker *breaker;
    tb_furigana *furigana;    /* MeCab, opened by the first guide asking for furigana */
    struct deps *collect;     /* when set, one() lists there what the guide read (watch) */
    tb_report *report;        /* --report: one() records each guide's findings */
} tool;

static void usage(FILE *f) {
    fputs("usage: tebiki build [options] FILE.xml...   build PDFs (one line per PDF, then a summary)\n"
          "       tebiki check [options] FILE.xml...   typeset and preflight in memory; writes no PDF\n"
          "                                            (the print variant unless --variant is given)\n"
          "       tebiki watch [options] [DIR]         build every guide in DIR (default content/), then\n"
          "                                            rebuild the guides whose files change; Ctrl-C stops\n"
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
          "  -M FILE                write a make-style dependency file (one guide; build only)\n"
          "  --report FILE.json     write the quality report (overfull lines, missing glyphs,\n"
          "                         images below print resolution, text near the trim, ...:\n"
          "                         file, line, kind, message) and a summary line on stderr\n"
          "  --html                 also write the HTML twin <guide>.<name>.html beside the\n"
          "                         PDF, linking the web and print PDFs found there\n"
          "  --html-only            write only the HTML twin (no typesetting)\n"
          "  -q, -v                 quieter (no progress lines, no warnings), louder\n"
          "\n"
          "environment: SOURCE_DATE_EPOCH (dates in the PDF), TEBIKI_SHARE (the share folder,\n"
          "default " TEBIKI_SHARE_DIR "), TEBIKI_CMYK_PROFILE (the press profile),\n"
          "TEBIKI_MECAB_DICDIR, TEBIKI_KANJIDIC (furigana), TEBIKI_FULL_CLEANUP (free everything\n"
          "before exit, for leak checkers)\n"
          "\n"
          "exit status: 0 success (warnings allowed), 1 an error in a guide, layout or\n"
          "font catalogue, 2 a usage error, 3 an I/O or internal failure; several guides:\n"
          "the worst of them.  watch: 0 after Ctrl-C.\n",
          f);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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

/* Put TMP in PATH's place, atomically.  An existing PATH is swapped with
** TMP (renameat2 RENAME_EXCHANGE) and the old file then removed: a plain
** rename over an existing file makes ext4 write the new file's data out
** at once (auto_da_alloc, ~1 ms here), the fsync this tool does without.
** Where the swap is not possible (no PATH yet, another file system, an
** older kernel), rename. */
static bool replace(const char *tmp, const char *path) {
#if defined(__linux__) && defined(SYS_renameat2)
    if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, path, 1 << 1 /* RENAME_EXCHANGE */) == 0) {
        unlink(tmp); /* now the previous output */
        return true;
    }
#endif
    return rename(tmp, path) == 0;
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
    /* no fsync: like a compiler's, the output is rebuilt from its sources;
       the rename still means a reader never sees a partial file */
    fchmod(fd, 0644);
    if (close(fd) != 0 || !replace(tmp, path)) {
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

/* What a guide read: the guide, its layout, the font catalogue, the font
** files and images on its pages (those known so far when it failed). */
static void collect_deps(tb_ctx *ctx, deps *d, const char *xml, const tb_layout *lay, const tb_pages *pages) {
    dep_add(d, xml);
    if (lay) dep_add(d, lay->file);
    if (ctx->fonts) dep_add(d, tb_fontcat_path(ctx->fonts));
    for (size_t i = 0; pages && i < pages->n; i++)
        for (tb_item *it = pages->pages[i].first; it; it = it->next) {
            if (it->kind == TB_IT_GLYPHS) dep_add(d, tb_face_path(it->u.glyphs.face));
            if (it->kind == TB_IT_IMAGE) dep_add(d, it->u.image.path);
        }
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

/* The typeset hook: once the guide is shaped, its fonts begin to be subset
** on the second core (render takes what fits; tb_early_fonts). */
static void early_glyphs(void *ud, tb_face *face, bool vertical, const uint32_t *gids, size_t n, size_t stride) {
    tb_early_fonts_add(ud, face, vertical, gids, n, stride);
}

static void early_fonts(void *ud, const tb_shaped_doc *shd) {
    tb_shaped_doc_glyphs(shd, early_glyphs, ud);
    tb_early_fonts_start(ud);
}

/* Build (or check) one guide.  Returns an exit status. */
static int one(tool *t, const opts *o, const char *xml, const char *out_path, int *pages_out) {
    tb_ctx *ctx = t->ctx;
    double t0 = now_ms();
    tb_arena *a = tb_arena_new();
    int rc = EXIT_OK;
    deps d = {0};
    const tb_pages *laid = NULL; /* for the report and watch */
    tb_doc *doc = NULL;
    const tb_layout *lay = NULL;
    tb_early_fonts *early = NULL;
    /* the shaper (and its fonts) first: the schema is still being compiled
       on the other core, and parsing waits for it */
    if (!o->html_only && !t->shaper && !(t->shaper = tb_shaper_new(ctx))) {
        rc = EXIT_GUIDE;
        goto done;
    }
    if (!(doc = tb_parse_file(t->parser, a, xml)) && tb_parser_broken(t->parser)) {
        rc = EXIT_IO;
        goto done;
    }
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
    bool back_cover = false; /* for render: blank pages go before it */
    early = tb_early_fonts_new(ctx, o->variant);
    tb_typeset_hook hook = {early_fonts, early};
    tb_pages *pages = tb_typeset(ctx, a, t->shaper, t->breaker, doc, lay, early ? &hook : NULL, &back_cover);
    if (!pages || tb_diags_count(ctx->diags, TB_ERROR)) {
        rc = EXIT_GUIDE;
        goto done;
    }
    *pages_out = (int)pages->n;
    laid = pages;
    /* render */
    char gname[512];
    guide_name(xml, gname, sizeof gname);
    bool render_input_error = false;
    tb_render_opts ro = {o->variant, source_epoch(xml), gname, .layout = lay, .guide_file = xml,
                         .back_cover = back_cover, .early = early, .input_error = &render_input_error};
    unsigned char *pdf = NULL;
    size_t len = 0;
    if (!tb_render_pdf(ctx, pages, &ro, &pdf, &len)) {
        rc = render_input_error ? EXIT_GUIDE : EXIT_IO;
        goto done;
    }
    if (o->check) { /* the preflight ran; nothing is written */
        free(pdf);
        goto done;
    }
    if (!write_atomic(ctx, out_path, pdf, len)) rc = EXIT_IO;
    free(pdf);
    if (rc == EXIT_OK && o->depfile) {
        collect_deps(ctx, &d, xml, lay, pages);
        if (!write_deps(ctx, o->depfile, out_path, &d)) rc = EXIT_IO;
    }
    if (rc == EXIT_OK && o->verbose >= 0) {
        const char *base = strrchr(out_path, '/');
        printf("%-28s %3zu pages %6zu KB %5.0f ms %3zu warnings\n", base ? base + 1 : out_path, pages->n,
               (len + 1023) / 1024, now_ms() - t0, tb_diags_count(ctx->diags, TB_WARNING));
    }
    if (rc == EXIT_OK && o->html) rc = write_html(ctx, o, doc, lay, out_path);
done:
    if (t->collect) collect_deps(ctx, t->collect, xml, lay, laid);
    if (t->report)
        tb_report_guide(t->report, ctx->diags, xml, o->check ? NULL : out_path,
                        o->variant == TB_VARIANT_PRINT ? "print" : "web", laid ? laid->n : 0, rc, doc);
    for (size_t i = 0; i < d.n; i++) free(d.v[i]);
    free(d.v);
    tb_shaper_end_document(t->shaper); /* its cache points into the arena */
    if (!ctx->exiting) {
        tb_early_fonts_free(early);
        tb_arena_free(a);
    }
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
    bool usable = p && !tb_parser_broken(p);
    if (!usable) {
        tb_diags_print(ctx->diags, 0);
        rc = EXIT_IO;
    }
    for (size_t i = 0; usable && i < nfiles; i++) {
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

/* --report FILE.json, and its summary line on stderr. */
static int write_report(tb_ctx *ctx, tb_report *r, const char *file, int verbose) {
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = EXIT_OK;
    if (!tb_report_json(r, &buf, &len)) {
        tb_error(ctx, file, 0, 0, "out of memory writing the report");
        rc = EXIT_IO;
    } else if (!write_atomic(ctx, file, buf, len)) rc = EXIT_IO;
    free(buf);
    tb_diags_print(ctx->diags, 0);
    tb_diags_clear(ctx->diags);
    if (rc == EXIT_OK && verbose >= 0) tb_report_summary(r, stderr, file);
    return rc;
}

/* ---- tebiki watch [DIR] ----------------------------------------------------
** Builds every guide in DIR (DIR/NAME.xml and DIR/GUIDE/NAME.xml whose root is
** <guide>), noting what each read (collect_deps: the guide, its layout, the
** catalogue, fonts, images); watches the folders of all of those and
** rebuilds a guide when one of its files changes (a guide that failed: when
** anything changes in its folder, as it may have failed for want of an
** image).  A changed layout, catalogue or font drops the loaded ones.
** An error leaves the last good PDF (write_atomic). */
static volatile sig_atomic_t watch_stop;

static void watch_signal(int sig) {
    watch_stop = 1;
    signal(sig, SIG_DFL); /* a second Ctrl-C ends at once */
}

typedef struct wguide {
    char *file;    /* as found under DIR */
    char *canon;   /* tb_watch_canon(file) */
    deps read;     /* canonical paths of what it read */
    bool failed, marked;
} wguide;

typedef struct wstate {
    tool *t;
    const opts *o;
    const char *dir;
    char *dir_canon;
    tb_watch *w;
    wguide *g;
    size_t n, cap;
} wstate;

static bool looks_like_guide(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char buf[4097];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return strstr(buf, "<guide") != NULL;
}

static bool has_ext(const char *p, const char *const *ext) {
    const char *dot = strrchr(p, '.');
    if (!dot || strchr(dot, '/')) return false;
    for (; *ext; ext++)
        if (!strcasecmp(dot + 1, *ext)) return true;
    return false;
}

/* Find the guides in DIR: new ones are added and marked; ones whose file
** went are dropped (their PDFs stay). */
static void watch_scan(wstate *s) {
    for (size_t i = 0; i < s->n;) {
        if (access(s->g[i].file, F_OK) == 0) {
            i++;
            continue;
        }
        if (s->o->verbose >= 0) printf("%s: gone; no longer watched\n", s->g[i].file);
        for (size_t k = 0; k < s->g[i].read.n; k++) free(s->g[i].read.v[k]);
        free(s->g[i].read.v);
        free(s->g[i].file);
        free(s->g[i].canon);
        memmove(&s->g[i], &s->g[i + 1], (s->n - i - 1) * sizeof *s->g);
        s->n--;
    }
    static const char *const pats[] = {"%s/*.xml", "%s/*/*.xml"};
    for (size_t p = 0; p < 2; p++) {
        char pat[4200];
        snprintf(pat, sizeof pat, pats[p], s->dir);
        glob_t gl;
        if (glob(pat, 0, NULL, &gl) != 0) continue;
        for (size_t i = 0; i < gl.gl_pathc; i++) {
            const char *f = gl.gl_pathv[i];
            bool known = false;
            for (size_t k = 0; k < s->n && !known; k++) known = !strcmp(s->g[k].file, f);
            if (known || !looks_like_guide(f)) continue;
            if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 16;
                s->g = realloc(s->g, s->cap * sizeof *s->g);
            }
            s->g[s->n++] = (wguide){strdup(f), tb_watch_canon(f), {0}, false, true};
            tb_watch_file_dir(s->w, f);
        }
        globfree(&gl);
    }
}

static void watch_build(wstate *s, wguide *g) {
    tool *t = s->t;
    tb_ctx *ctx = t->ctx;
    char path[4096], gname[512];
    guide_name(g->file, gname, sizeof gname);
    snprintf(path, sizeof path, "%s/%s%s", s->o->output ? s->o->output : "out", gname,
             s->o->variant == TB_VARIANT_PRINT ? ".print.pdf" : ".pdf");
    deps d = {0};
    t->collect = &d;
    int pages = 0;
    int rc = one(t, s->o, g->file, path, &pages);
    t->collect = NULL;
    size_t errors = tb_diags_count(ctx->diags, TB_ERROR);
    tb_diags_print(ctx->diags, s->o->verbose < 0);
    tb_diags_clear(ctx->diags);
    if (rc != EXIT_OK && s->o->verbose >= 0)
        printf("%-28s failed: %zu error%s; %s\n", strrchr(path, '/') + 1, errors, errors == 1 ? "" : "s",
               access(path, F_OK) == 0 ? "the last good PDF stays" : "no PDF written");
    /* what it read, canonical; after a failure also what it read before */
    if (rc == EXIT_OK) {
        for (size_t k = 0; k < g->read.n; k++) free(g->read.v[k]);
        g->read.n = 0;
    }
    for (size_t k = 0; k < d.n; k++) {
        char *c = tb_watch_canon(d.v[k]);
        if (c) {
            dep_add(&g->read, c);
            tb_watch_file_dir(s->w, c);
        }
        free(c);
        free(d.v[k]);
    }
    free(d.v);
    g->failed = rc != EXIT_OK;
    g->marked = false;
}

/* Build the marked guides; --report: the report of this round. */
static void watch_batch(wstate *s) {
    tb_report *rep = s->o->report ? tb_report_new() : NULL;
    s->t->report = rep;
    for (size_t i = 0; i < s->n && !watch_stop; i++)
        if (s->g[i].marked) watch_build(s, &s->g[i]);
    s->t->report = NULL;
    if (rep) write_report(s->t->ctx, rep, s->o->report, s->o->verbose);
    tb_report_free(rep);
}

static bool same_dir(const char *a, const char *b) { /* canonical paths: is A's folder B's? */
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
    return sa && sb && sa - a == sb - b && !strncmp(a, b, (size_t)(sa - a));
}

static int cmd_watch(tool *t, const opts *o, const char *dir) {
    tb_ctx *ctx = t->ctx;
    if (!is_dir(dir)) {
        fprintf(stderr, "tebiki: %s: not a folder to watch\n", dir);
        return EXIT_USAGE;
    }
    const char *outdir = o->output ? o->output : "out";
    if (!is_dir(outdir) && mkdir(outdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create the output folder: %s\n", outdir, strerror(errno));
        return EXIT_IO;
    }
    wstate s = {t, o, dir, NULL, tb_watch_new(), NULL, 0, 0};
    if (!s.w || !tb_watch_dir(s.w, dir)) {
        fprintf(stderr, "tebiki: cannot watch %s: %s\n", dir, strerror(errno));
        tb_watch_free(s.w);
        return EXIT_IO;
    }
    s.dir_canon = realpath(dir, NULL);
    struct sigaction sa = {0};
    sa.sa_handler = watch_signal; /* no SA_RESTART: poll returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* folders under DIR: new guides appear there */
    glob_t gl;
    char pat[4200];
    snprintf(pat, sizeof pat, "%s/*/", dir);
    if (glob(pat, GLOB_ONLYDIR, NULL, &gl) == 0) {
        for (size_t i = 0; i < gl.gl_pathc; i++) tb_watch_dir(s.w, gl.gl_pathv[i]);
        globfree(&gl);
    }
    watch_scan(&s);
    watch_batch(&s);
    if (o->verbose >= 0 && !watch_stop)
        printf("watching %zu guide%s in %s (Ctrl-C stops)\n", s.n, s.n == 1 ? "" : "s", dir);
    static const char *const images[] = {"png", "jpg", "jpeg", NULL};
    static const char *const inputs[] = {"xml", "png", "jpg", "jpeg", NULL};
    while (!watch_stop) {
        char **ch;
        size_t nch;
        bool all;
        if (!tb_watch_wait(s.w, &watch_stop, 100, &ch, &nch, &all)) break;
        bool reset = all, rescan = all;
        for (size_t c = 0; c < nch; c++) {
            const char *p = ch[c];
            if (is_dir(p)) { /* a new folder in DIR: a new guide's */
                const char *slash = strrchr(p, '/');
                size_t dl = s.dir_canon ? strlen(s.dir_canon) : 0;
                if (dl && slash && (size_t)(slash - p) == dl && !strncmp(p, s.dir_canon, dl)) {
                    tb_watch_dir(s.w, p);
                    rescan = true;
                }
                continue;
            }
            bool guide_file = false;
            for (size_t i = 0; i < s.n; i++) {
                wguide *g = &s.g[i];
                if (!strcmp(g->canon, p)) {
                    g->marked = guide_file = true;
                    if (access(p, F_OK) != 0) rescan = true; /* it went: drop it */
                    continue;
                }
                for (size_t k = 0; k < g->read.n; k++)
                    if (!strcmp(g->read.v[k], p)) {
                        g->marked = true;
                        if (!has_ext(p, images)) reset = true; /* a layout, the catalogue, a font */
                        break;
                    }
                if (g->failed && same_dir(p, g->canon) && has_ext(p, inputs)) g->marked = true;
            }
            if (!guide_file && has_ext(p, (const char *const[]){"xml", NULL})) rescan = true;
        }
        if (rescan) watch_scan(&s);
        if (all)
            for (size_t i = 0; i < s.n; i++) s.g[i].marked = true;
        if (reset) { /* read layouts and fonts again */
            tb_layouts_free(t->layouts);
            t->layouts = tb_layouts_new(ctx);
            tb_shaper_free(t->shaper);
            t->shaper = NULL;
            tb_fontcat_free(ctx->fonts);
            ctx->fonts = NULL;
        }
        watch_batch(&s);
    }
    for (size_t i = 0; i < s.n; i++) {
        for (size_t k = 0; k < s.g[i].read.n; k++) free(s.g[i].read.v[k]);
        free(s.g[i].read.v);
        free(s.g[i].file);
        free(s.g[i].canon);
    }
    free(s.g);
    free(s.dir_canon);
    tb_watch_free(s.w);
    if (o->verbose >= 0) printf("watch: stopped\n");
    return EXIT_OK;
}

/* The end of a run: the kernel takes the heap, the mapped fonts and the
** libraries back at once, faster than freeing them piece by piece (a few
** milliseconds of a 50 ms build).  Builds for leak checkers (AddressSanitizer,
** -DTB_FULL_CLEANUP for Valgrind and the like) free everything as usual. */
#if defined(__SANITIZE_ADDRESS__)
#define TB_FULL_CLEANUP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TB_FULL_CLEANUP 1
#endif
#endif
static bool full_cleanup(void) {
#ifndef TB_FULL_CLEANUP
    return getenv("TEBIKI_FULL_CLEANUP") != NULL;
#else
    return true;
#endif
}

static void fast_exit(int status) {
    if (!full_cleanup() && fflush(NULL) == 0) _exit(status);
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
    tb_mem_tune();
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines as they come (make -j, watch) */
    opts o = {0};
    if (!strcmp(argv[1], "check")) o.check = true;
    else if (!strcmp(argv[1], "watch")) o.watch = true;
    else if (strcmp(argv[1], "build")) {
        fprintf(stderr, "tebiki: unknown command '%s' (say build, check, watch or index)\n", argv[1]);
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
            o.variant_set = true;
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
        else if (!strcmp(a, "--report")) o.report = NEXT();
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
    if (o.watch && (nfiles > 1 || o.depfile || (o.output && !is_dir(o.output)))) {
        fprintf(stderr, nfiles > 1 ? "tebiki: watch takes one folder\n"
                        : o.depfile ? "tebiki: -M does not go with watch (it knows what each guide reads)\n"
                                    : "tebiki: watch -o takes an existing folder\n");
        tb_ctx_free(ctx);
        free(files);
        return EXIT_USAGE;
    }
    if (o.watch && !nfiles) files[nfiles++] = "content";
    if (!nfiles) {
        fprintf(stderr, "tebiki: no guide given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o.check && !o.variant_set) o.variant = TB_VARIANT_PRINT; /* the preflight is the print one */
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

    tool t = {ctx, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    int worst = EXIT_OK;
    t.parser = tb_parser_new(ctx);
    t.layouts = tb_layouts_new(ctx);
    t.breaker = tb_breaker_new(ctx);
    t.furigana = tb_furigana_new(NULL, NULL);
    if (o.report && !o.watch) t.report = tb_report_new();
    size_t failed = 0, total_err = 0, total_warn = 0;
    if (!t.parser) {
        tb_diags_print(ctx->diags, 0);
        worst = EXIT_IO;
        goto out;
    }
    if (o.watch) {
        worst = cmd_watch(&t, &o, files[0]);
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
        /* the last guide of a run without a report: fast_exit follows */
        ctx->exiting = i + 1 == nfiles && !t.report && !full_cleanup();
        int rc = tb_diags_count(ctx->diags, TB_ERROR) ? EXIT_IO : one(&t, &o, files[i], path, &pages);
        total_err += tb_diags_count(ctx->diags, TB_ERROR);
        total_warn += tb_diags_count(ctx->diags, TB_WARNING);
        tb_diags_print(ctx->diags, o.verbose < 0);
        tb_diags_clear(ctx->diags);
        if (rc != EXIT_OK) failed++;
        if (rc > worst) worst = rc;
        if (tb_parser_broken(t.parser)) { /* (said once) no guide can be checked */
            failed += nfiles - i - 1;
            break;
        }
    }
    if (o.check)
        fprintf(stderr, "tebiki check: %zu error%s, %zu warning%s in %zu guide%s\n", total_err, total_err == 1 ? "" : "s",
                total_warn, total_warn == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
    else if (nfiles > 1 && o.verbose >= 0)
        printf("%zu guides, %zu failed\n", nfiles, failed);
    if (t.report && write_report(ctx, t.report, o.report, o.verbose) != EXIT_OK && worst < EXIT_IO) worst = EXIT_IO;
out:
    fast_exit(worst);
    tb_report_free(t.report);
    tb_shaper_free(t.shaper);
    tb_breaker_free(t.breaker);
    tb_furigana_free(t.furigana);
    tb_layouts_free(t.layouts);
    tb_parser_free(t.parser);
    tb_ctx_free(ctx);
    free(files);
    return worst;
}
