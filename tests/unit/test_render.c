/*
** test_render.c — the render stage on hand-built pages.
**
** Builds two pages with glyph runs shaped here with HarfBuzz (BIZ UD
** Mincho with 「、。」 and a vertical run, Noto Serif with ligatures and
** stacked marks, Noto Sans CJK SC from its .ttc as CFF), a bleeding rect,
** rules, links and an outline; renders the web and the print variant
** twice each and checks them with qpdf, pdffonts, pdftotext, pdfinfo and
** (when present) /work/shared/checks/pdfcheck.  Also checks that a failing
** render reports and returns nothing.
**
** Build from the repository root:
**   cc -std=c17 -O2 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
**      $(pkg-config --cflags harfbuzz harfbuzz-subset freetype2 libxml-2.0) \
**      -o build/test_render tests/unit/test_render.c src/render/render.c \
**      src/render/pdffont.c src/font/catalogue.c src/base/arena.c \
**      src/base/ctx.c src/base/diag.c -lhpdf \
**      $(pkg-config --libs harfbuzz harfbuzz-subset freetype2 libxml-2.0) -lm
** Run: build/test_render [OUTDIR]   (default /tmp/tebiki-test-render)
** Prints one ok/FAIL line per check; exit status 0 when all pass, 77 when
** a needed font is not installed (skip).
*/
#include <hb.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/font/font.h"
#include "../../src/render/render.h"

#define MINCHO "/usr/share/fonts/truetype/bizud-mincho/BIZUDMincho-Regular.ttf"
#define SERIF "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"
#define CJK "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
#define PDFCHECK "/work/shared/checks/pdfcheck"

static int failures;
static char outdir[512];

static void check(bool ok, const char *what, const char *detail) {
    printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail && *detail ? ": " : "", detail ? detail : "");
    if (!ok) failures++;
}

/* Output of a shell command (malloc'd, NUL-terminated) and its status. */
static char *run(const char *cmd, int *status) {
    FILE *p = popen(cmd, "r");
    if (!p) {
        *status = -1;
        return strdup("");
    }
    size_t n = 0, cap = 4096;
    char *s = malloc(cap);
    for (size_t k; (k = fread(s + n, 1, cap - n - 1, p)) > 0;) {
        n += k;
        if (cap - n < 2) s = realloc(s, cap *= 2);
    }
    s[n] = 0;
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return s;
}

static bool write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* A W x H 8-bit grey PNG (a checkerboard), deflate "stored", by hand. */
static uint32_t crc(const unsigned char *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static size_t put_chunk(unsigned char *o, const char *type, const unsigned char *d, uint32_t n) {
    o[0] = (unsigned char)(n >> 24), o[1] = (unsigned char)(n >> 16), o[2] = (unsigned char)(n >> 8),
    o[3] = (unsigned char)n;
    memcpy(o + 4, type, 4);
    if (n) memcpy(o + 8, d, n);
    uint32_t c = crc(o + 4, 4 + n);
    o[8 + n] = (unsigned char)(c >> 24), o[9 + n] = (unsigned char)(c >> 16), o[10 + n] = (unsigned char)(c >> 8),
    o[11 + n] = (unsigned char)c;
    return 12 + n;
}

static bool write_png(const char *path, unsigned w, unsigned h) {
    size_t raw_n = (size_t)(w + 1) * h;
    unsigned char *raw = malloc(raw_n), *z = malloc(raw_n + 16), *png = malloc(raw_n + 128);
    for (unsigned y = 0; y < h; y++) {
        raw[y * (w + 1)] = 0;
        for (unsigned x = 0; x < w; x++) raw[y * (w + 1) + 1 + x] = ((x / 4 + y / 4) & 1) ? 40 : 220;
    }
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < raw_n; i++) a = (a + raw[i]) % 65521, b = (b + a) % 65521;
    size_t zn = 0;
    z[zn++] = 0x78, z[zn++] = 0x01, z[zn++] = 0x01;
    z[zn++] = (unsigned char)raw_n, z[zn++] = (unsigned char)(raw_n >> 8);
    z[zn++] = (unsigned char)~raw_n, z[zn++] = (unsigned char)(~raw_n >> 8);
    memcpy(z + zn, raw, raw_n), zn += raw_n;
    uint32_t ad = b << 16 | a;
    z[zn++] = (unsigned char)(ad >> 24), z[zn++] = (unsigned char)(ad >> 16), z[zn++] = (unsigned char)(ad >> 8),
    z[zn++] = (unsigned char)ad;
    unsigned char ihdr[13] = {0, 0, 0, (unsigned char)w, 0, 0, 0, (unsigned char)h, 8, 0, 0, 0, 0};
    size_t n = 8;
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    n += put_chunk(png + n, "IHDR", ihdr, 13);
    n += put_chunk(png + n, "gAMA", (const unsigned char *)"\0\0\xB1\x8F", 4);
    n += put_chunk(png + n, "IDAT", z, (uint32_t)zn);
    n += put_chunk(png + n, "IEND", NULL, 0);
    bool ok = raw_n < 65535 && write_file(path, png, n);
    free(raw), free(z), free(png);
    return ok;
}

/* ---- building pages ------------------------------------------------- */

static tb_color black(void) { return (tb_color){.k = 1, .r = 0, .g = 0, .b = 0, .has_rgb = true}; }

static tb_item *add_item(tb_arena *a, tb_page *pg, tb_item_kind kind) {
    tb_item *it = TB_NEW(a, tb_item);
    it->kind = kind;
    if (pg->last) pg->last->next = it;
    else pg->first = it;
    pg->last = it;
    return it;
}

/* Shape TEXT in FACE and add it as a run at (X, Y): horizontal LTR, or
** TTB with glyph positions at their vertical origins (pages.h). */
static tb_glyph_run *add_run(tb_arena *a, tb_page *pg, tb_face *face, const char *text, float size, float x,
                             float y, bool vertical, const char *lang) {
    hb_font_t *font = tb_face_hb_font(face);
    hb_buffer_t *buf = hb_buffer_create();
    hb_buffer_add_utf8(buf, text, -1, 0, -1);
    hb_buffer_guess_segment_properties(buf);
    hb_buffer_set_direction(buf, vertical ? HB_DIRECTION_TTB : HB_DIRECTION_LTR);
    hb_buffer_set_language(buf, hb_language_from_string(lang, -1));
    hb_shape(font, buf, NULL, 0);
    unsigned n;
    hb_glyph_info_t *gi = hb_buffer_get_glyph_infos(buf, &n);
    hb_glyph_position_t *gp = hb_buffer_get_glyph_positions(buf, NULL);
    tb_glyph *g = TB_NEWN(a, tb_glyph, n);
    double k = size / tb_face_upem(face), penx = 0, peny = 0;
    size_t len = strlen(text);
    for (unsigned i = 0; i < n; i++) {
        double gx = penx + gp[i].x_offset, gy = peny + gp[i].y_offset;
        if (vertical) { /* hb gives horizontal origins: add the vertical origin back */
            hb_position_t vx = 0, vy = 0;
            hb_font_get_glyph_v_origin(font, gi[i].codepoint, &vx, &vy);
            gx += vx;
            gy += vy;
        }
        g[i].gid = gi[i].codepoint;
        g[i].x = (float)(gx * k);
        g[i].y = (float)(-gy * k);
        g[i].advance = (float)((vertical ? -gp[i].y_advance : gp[i].x_advance) * k);
        unsigned end = (unsigned)len;
        for (unsigned j = 0; j < n; j++)
            if (gi[j].cluster > gi[i].cluster && gi[j].cluster < end) end = gi[j].cluster;
        bool first = i == 0 || gi[i - 1].cluster != gi[i].cluster;
        g[i].text = gi[i].cluster;
        g[i].ntext = first ? end - gi[i].cluster : 0;
        penx += gp[i].x_advance;
        peny += gp[i].y_advance;
    }
    hb_buffer_destroy(buf);
    tb_item *it = add_item(a, pg, TB_IT_GLYPHS);
    tb_glyph_run *r = &it->u.glyphs;
    r->face = face;
    r->size = size;
    r->vertical = vertical;
    r->color = black();
    r->x = x;
    r->y = y;
    r->text = tb_arena_strdup(a, text);
    r->ntext = len;
    r->glyphs = g;
    r->n = n;
    r->lang = lang;
    return r;
}

static tb_face *face_for(tb_ctx *ctx, const char *role) {
    tb_face *f = NULL;
    if (tb_fontcat_chain(ctx, ctx->fonts, role, false, "ja", &f, 1, NULL) != 1) return NULL;
    return tb_face_open(ctx, f) ? f : NULL;
}

/* The test document.  Page 1 is A5. */
static const char *const LINES[] = {
    "「こんにちは、世界。」と言った。",
    "office affluent",
    "简体中文：你好，世界。",
    "第二章おわりに",
};
static const char *const VERTICAL = "縦書き「テスト」。";
static const char *const MARKS = "q̣̂ x̃y";

static void build(tb_arena *a, tb_ctx *ctx, tb_pages *ps, tb_face *mincho, tb_face *serif, tb_face *sc,
                  const char *image) {
    ps->n = 2;
    ps->pages = TB_NEWN(a, tb_page, 2);
    tb_page *p1 = &ps->pages[0], *p2 = &ps->pages[1];
    p1->w = p2->w = 419.53f;
    p1->h = p2->h = 595.28f;
    p1->folio = 1;
    p2->folio = 2;
    (void)ctx;

    /* a band touching the top and both sides: bleeds in print */
    tb_item *it = add_item(a, p1, TB_IT_RECT);
    it->artifact = true;
    it->u.rect = (tb_rect_item){.x = 0, .y = 0, .w = p1->w, .h = 40, .fill = true,
                                .fill_color = {.c = 0.1f, .m = 0.0f, .y = 0.3f, .k = 0}};
    add_run(a, p1, mincho, LINES[0], 14, 40, 90, false, "ja");
    tb_glyph_run *lat = add_run(a, p1, serif, LINES[1], 14, 40, 130, false, "en");
    lat->fake_bold = false;
    add_run(a, p1, sc, LINES[2], 14, 40, 170, false, "zh-Hans");
    add_run(a, p1, serif, MARKS, 14, 40, 250, false, "en");
    tb_glyph_run *bold = add_run(a, p1, mincho, "太字の見出し", 14, 40, 290, false, "ja");
    bold->fake_bold = true;
    bold->color = (tb_color){.c = 1, .m = 0.5f, .r = 0, .g = 0.3f, .b = 0.6f, .has_rgb = true};
    add_run(a, p1, mincho, VERTICAL, 14, 360, 320, true, "ja");

    it = add_item(a, p1, TB_IT_RULE);
    it->u.rule = (tb_rule_item){.x1 = 40, .y1 = 190, .x2 = 380, .y2 = 190, .width = 0.5f, .color = black()};
    it = add_item(a, p1, TB_IT_RULE);
    it->u.rule = (tb_rule_item){.x1 = 40, .y1 = 200, .x2 = 380, .y2 = 200, .width = 1, .color = black(),
                                .dotted = true};
    it = add_item(a, p1, TB_IT_RECT);
    it->u.rect = (tb_rect_item){.x = 30, .y = 60, .w = 360, .h = 150, .stroke = true, .stroke_width = 0.5f,
                                .stroke_color = {.k = 0.5f}};
    it = add_item(a, p1, TB_IT_LINK);
    it->u.link = (tb_link_item){.x = 40, .y = 116, .w = 120, .h = 18, .uri = "https://example.org/office"};
    it = add_item(a, p1, TB_IT_LINK);
    it->u.link = (tb_link_item){.x = 40, .y = 76, .w = 200, .h = 18, .page = 1, .target_y = 60};
    if (image) {
        it = add_item(a, p1, TB_IT_IMAGE);
        it->u.image = (tb_image_item){.x = 40, .y = 400, .w = 100, .h = 50, .path = image, .alt = "x"};
    }

    add_run(a, p2, mincho, LINES[3], 18, 40, 80, false, "ja");

    ps->n_outline = 3;
    ps->outline = TB_NEWN(a, tb_outline_entry, 3);
    ps->outline[0] = (tb_outline_entry){"はじめに", 1, 0, 70};
    ps->outline[1] = (tb_outline_entry){"Latin 𠮷 text", 2, 0, 115};
    ps->outline[2] = (tb_outline_entry){"第二章", 1, 1, 60};
    ps->meta = (tb_doc_meta){.title = "テスト案内", .author = "横浜市", .description = "描画の単体テスト",
                             .keywords = "tebiki, test", .lang = "ja"};
}

/* ---- checks ---------------------------------------------------------- */

static bool has_line(const char *text, const char *line) {
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n' || p[-1] == '\f') && (p[n] == '\n' || p[n] == '\f' || p[n] == 0)) return true;
    return false;
}

static void check_common(const char *pdf, bool print) {
    char cmd[4096], detail[512];
    int st;
    const char *v = print ? "print" : "web";

    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    char *out = run(cmd, &st);
    snprintf(detail, sizeof detail, "exit %d%s", st, strstr(out, "WARNING") ? ", warnings" : "");
    snprintf(cmd, sizeof cmd, "%s: qpdf --check", v);
    check(st == 0 && !strstr(out, "WARNING"), cmd, st == 0 && !strstr(out, "WARNING") ? "" : out);
    free(out);

    snprintf(cmd, sizeof cmd, "pdffonts '%s' 2>&1", pdf);
    out = run(cmd, &st);
    int fonts = 0, bad = 0;
    char *save = NULL;
    for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (!strchr(l, '+')) continue;
        fonts++;
        bool cid = strstr(l, "CID TrueType") || strstr(l, "CID Type 0C");
        bool flags = strstr(l, "yes yes yes") != NULL;
        bool ident = strstr(l, "Identity-H") || strstr(l, "Identity-V");
        if (!cid || !flags || !ident) {
            bad++;
            printf("     %s\n", l);
        }
    }
    snprintf(detail, sizeof detail, "%d fonts, %d not CID+Identity+emb/sub/uni", fonts, bad);
    snprintf(cmd, sizeof cmd, "%s: pdffonts", v);
    check(st == 0 && fonts == 4 && bad == 0, cmd, detail);
    free(out);

    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>&1", pdf);
    out = run(cmd, &st);
    for (size_t i = 0; i < sizeof LINES / sizeof *LINES; i++) {
        snprintf(cmd, sizeof cmd, "%s: pdftotext line %zu", v, i + 1);
        check(has_line(out, LINES[i]), cmd, LINES[i]);
    }
    snprintf(cmd, sizeof cmd, "%s: pdftotext marks", v);
    check(has_line(out, MARKS), cmd, MARKS);
    snprintf(cmd, sizeof cmd, "%s: pdftotext fake bold", v);
    check(has_line(out, "太字の見出し"), cmd, "太字の見出し");
    if (print) {
        check(strstr(out, "1 / 2") && strstr(out, "UTC"), "print: slug line", "");
    }
    free(out);
    /* vertical text: poppler gives one character a line, top to bottom */
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -raw -f 1 -l 1 -x %d -y %d -W 30 -H 200 '%s' - 2>&1",
             print ? 345 + 57 : 345, print ? 318 + 57 : 318, pdf);
    out = run(cmd, &st);
    char squash[256];
    size_t k = 0;
    for (char *p = out; *p && k + 1 < sizeof squash; p++)
        if (*p != '\n' && *p != '\f' && *p != ' ') squash[k++] = *p;
    squash[k] = 0;
    snprintf(cmd, sizeof cmd, "%s: pdftotext vertical run", v);
    snprintf(detail, sizeof detail, "got '%s'", squash);
    check(!strcmp(squash, VERTICAL), cmd, detail);
    free(out);

    /* positions: the Latin word starts exactly at x = 40 pt (+ margin) */
    snprintf(cmd, sizeof cmd, "pdftotext -bbox -f 1 -l 1 '%s' - 2>/dev/null | grep '>office<'", pdf);
    out = run(cmd, &st);
    char *xm = strstr(out, "xMin=\"");
    double x = xm ? atof(xm + 6) : -1, want = print ? 40 + 20 * 72 / 25.4 : 40;
    snprintf(cmd, sizeof cmd, "%s: position of 'office'", v);
    snprintf(detail, sizeof detail, "xMin %.3f, want %.3f", x, want);
    check(fabs(x - want) < 0.01, cmd, detail);
    free(out);

    if (access(PDFCHECK, X_OK) == 0) {
        snprintf(cmd, sizeof cmd, "%s --no-kinsoku %s '%s' 2>&1", PDFCHECK, print ? "--print" : "--web", pdf);
        out = run(cmd, &st);
        snprintf(cmd, sizeof cmd, "%s: pdfcheck %s", v, print ? "--print" : "--web");
        check(st == 0, cmd, st == 0 ? "" : out);
        free(out);
    }
}

static void check_print(const char *pdf) {
    char cmd[4096], detail[256];
    int st;
    snprintf(cmd, sizeof cmd, "pdfinfo -box -f 1 -l 1 '%s' 2>&1", pdf);
    char *out = run(cmd, &st);
    double m[4] = {0}, t[4] = {0}, b[4] = {0};
    char *p;
    if ((p = strstr(out, "MediaBox:"))) sscanf(p + 9, "%lf %lf %lf %lf", &m[0], &m[1], &m[2], &m[3]);
    if ((p = strstr(out, "TrimBox:"))) sscanf(p + 8, "%lf %lf %lf %lf", &t[0], &t[1], &t[2], &t[3]);
    if ((p = strstr(out, "BleedBox:"))) sscanf(p + 9, "%lf %lf %lf %lf", &b[0], &b[1], &b[2], &b[3]);
    double bl = 3 * 72 / 25.4;
    bool ok = fabs(t[2] - t[0] - 419.53) < 0.01 && fabs(t[3] - t[1] - 595.28) < 0.01 &&
              fabs(t[0] - b[0] - bl) < 0.01 && fabs(b[2] - t[2] - bl) < 0.01 && fabs(t[1] - b[1] - bl) < 0.01 &&
              fabs(b[3] - t[3] - bl) < 0.01 && m[0] <= b[0] - 13 * 72 / 25.4 && m[2] >= b[2] + 10 * 72 / 25.4;
    snprintf(detail, sizeof detail, "Media %.2f %.2f, Trim %.2f %.2f %.2f %.2f, Bleed %.2f %.2f %.2f %.2f", m[2],
             m[3], t[0], t[1], t[2], t[3], b[0], b[1], b[2], b[3]);
    check(ok, "print: boxes", detail);
    free(out);

    snprintf(cmd, sizeof cmd,
             "qpdf --qdf --object-streams=disable '%s' - | grep -a -c -E '(^|[^A-Za-z/])(rg|RG)$|DeviceRGB'", pdf);
    out = run(cmd, &st);
    check(atoi(out) == 0, "print: no RGB operators or colour spaces", out);
    free(out);
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' - | grep -a -c -E "
             "'/OutputIntents|GTS_PDFX|/Trapped /False|PDF/X-1a:2001|JC200103'", pdf);
    out = run(cmd, &st);
    check(atoi(out) >= 5, "print: output intent and PDF/X keys", "");
    free(out);
    /* the band at y 0..40 reaches the bleed on top, left and right */
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' - | grep -a -E ' re$' | head -1", pdf);
    out = run(cmd, &st);
    double rx = 0, ry = 0, rw = 0, rh = 0;
    sscanf(out, "%lf %lf %lf %lf", &rx, &ry, &rw, &rh);
    snprintf(detail, sizeof detail, "band %.2f %.2f %.2f %.2f", rx, ry, rw, rh);
    check(fabs(rx - b[0]) < 0.01 && fabs(rx + rw - b[2]) < 0.01 && fabs(ry + rh - b[3]) < 0.01 &&
              fabs(ry - (t[3] - 40)) < 0.01,
          "print: edge fill extended to the bleed", detail);
    free(out);
}

/* pdfinfo's "KEY:   VALUE" line has VALUE. */
static bool info_is(const char *out, const char *key, const char *value) {
    char k[64];
    snprintf(k, sizeof k, "\n%s:", key);
    const char *p = strstr(out, k);
    if (!p && !strncmp(out, k + 1, strlen(k + 1))) p = out - 1;
    if (!p) return false;
    p += strlen(k);
    while (*p == ' ') p++;
    size_t n = strlen(value);
    return !strncmp(p, value, n) && (p[n] == '\n' || p[n] == 0);
}

static void check_web(const char *pdf) {
    char cmd[4096];
    int st;
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>&1", pdf);
    char *out = run(cmd, &st);
    check(info_is(out, "Title", "テスト案内"), "web: title", "");
    check(info_is(out, "Author", "横浜市"), "web: author", "");
    check(info_is(out, "Creator", "tebiki"), "web: creator", "");
    check(info_is(out, "Page size", "419.53 x 595.28 pts"), "web: page size = trim", "");
    free(out);
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' - | grep -a -E "
             "'/Lang|DisplayDocTitle|/CreationDate|/URI|/XYZ|/ID'", pdf);
    out = run(cmd, &st);
    check(strstr(out, "/Lang (ja)") != NULL, "web: /Lang (ja)", "");
    check(strstr(out, "/DisplayDocTitle true") != NULL, "web: DisplayDocTitle", "");
    check(strstr(out, "/CreationDate (D:20240318120000Z00'00')") != NULL, "web: CreationDate from epoch", "");
    check(strstr(out, "/URI (https://example.org/office)") != NULL, "web: URI link", "");
    check(strstr(out, "/XYZ") != NULL, "web: internal destinations", "");
    check(strstr(out, "/ID [<") != NULL && !strstr(out, "<00000000000000000000000000000000>"), "web: /ID set", "");
    free(out);
    snprintf(cmd, sizeof cmd, "qpdf --json --json-key=outlines '%s' 2>&1", pdf);
    out = run(cmd, &st);
    int titles = 0;
    for (const char *q = out; (q = strstr(q, "\"title\"")) != NULL; q++) titles++;
    char n[32];
    snprintf(n, sizeof n, "%d", titles);
    free(out);
    out = strdup(n);
    check(atoi(out) == 3, "web: 3 outline entries", out);
    free(out);
}

/* ---- main ------------------------------------------------------------ */

static bool render_twice(tb_ctx *ctx, tb_pages *ps, tb_render_opts *o, const char *path) {
    unsigned char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    bool ok1 = tb_render_pdf(ctx, ps, o, &a, &na);
    bool ok2 = tb_render_pdf(ctx, ps, o, &b, &nb);
    char what[128];
    snprintf(what, sizeof what, "%s: render", o->variant == TB_VARIANT_PRINT ? "print" : "web");
    check(ok1 && ok2 && a && na > 0, what, "");
    if ((!ok1 || !ok2) && tb_diags_len(ctx->diags)) tb_diags_print(ctx->diags, 0);
    snprintf(what, sizeof what, "%s: byte-identical on a second render", o->variant == TB_VARIANT_PRINT ? "print" : "web");
    check(ok1 && ok2 && na == nb && !memcmp(a, b, na), what, "");
    bool w = ok1 && write_file(path, a, na);
    free(a);
    free(b);
    return w;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(outdir, sizeof outdir, "%s", argc > 1 ? argv[1] : "/tmp/tebiki-test-render");
    mkdir(outdir, 0777);
    if (access(MINCHO, R_OK) || access(SERIF, R_OK) || access(CJK, R_OK)) {
        printf("skip: fonts not installed\n");
        return 77;
    }
    char cat[600], web[600], prn[600];
    snprintf(cat, sizeof cat, "%s/catalogue.xml", outdir);
    snprintf(web, sizeof web, "%s/web.pdf", outdir);
    snprintf(prn, sizeof prn, "%s/print.pdf", outdir);
    const char *xml =
        "<catalogue>\n"
        "  <face id='mincho' file='" MINCHO "'/>\n"
        "  <face id='serif' file='" SERIF "'/>\n"
        "  <face id='sc' file='" CJK "' index='2'/>\n"
        "  <chain role='body'><use face='mincho'/></chain>\n"
        "  <chain role='serif'><use face='serif'/></chain>\n"
        "  <chain role='sc'><use face='sc'/></chain>\n"
        "</catalogue>\n";
    write_file(cat, xml, strlen(xml));

    tb_ctx *ctx = tb_ctx_new();
    ctx->fonts = tb_fontcat_load(ctx, cat);
    tb_face *mincho = ctx->fonts ? face_for(ctx, "body") : NULL;
    tb_face *serif = ctx->fonts ? face_for(ctx, "serif") : NULL;
    tb_face *sc = ctx->fonts ? face_for(ctx, "sc") : NULL;
    check(mincho && serif && sc && tb_face_is_cff(sc) && !tb_face_is_cff(mincho), "faces open (SC is CFF)", "");
    if (!mincho || !serif || !sc) {
        if (tb_diags_len(ctx->diags)) tb_diags_print(ctx->diags, 0);
        tb_ctx_free(ctx);
        return 1;
    }

    char png[600];
    snprintf(png, sizeof png, "%s/grey.png", outdir);
    check(write_png(png, 64, 32), "test PNG written", png);
    tb_arena *a = tb_arena_new();
    tb_pages ps = {0};
    build(a, ctx, &ps, mincho, serif, sc, png);
    tb_render_opts o = {.variant = TB_VARIANT_WEB, .epoch = 1710763200, .guide_name = "test.ja"};
    if (render_twice(ctx, &ps, &o, web)) {
        check_common(web, false);
        check_web(web);
    }
    o.variant = TB_VARIANT_PRINT;
    if (render_twice(ctx, &ps, &o, prn)) {
        check_common(prn, true);
        check_print(prn);
    }
    check(tb_diags_len(ctx->diags) == 0, "no errors or warnings reported", "");
    if (tb_diags_len(ctx->diags)) tb_diags_print(ctx->diags, 0);
    tb_arena_free(a);

    /* failing renders: each reports one error and returns nothing */
    static const struct {
        const char *name, *bytes;
        size_t n;
        const char *what;
    } bad_images[] = {
        {NULL, NULL, 0, "missing image fails cleanly"},
        {"junk.png", "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDRnot really", 24, "damaged PNG fails cleanly (no abort)"},
        {"junk.jpg", "\xFF\xD8\xFF\xE0 not a real JPEG at all", 29, "junk JPEG fails cleanly (libharu error)"},
        {"text.gif", "GIF89a", 6, "unknown image format fails cleanly"},
    };
    for (size_t i = 0; i < sizeof bad_images / sizeof *bad_images; i++) {
        char path[600];
        if (bad_images[i].name) {
            snprintf(path, sizeof path, "%s/%s", outdir, bad_images[i].name);
            write_file(path, bad_images[i].bytes, bad_images[i].n);
        } else {
            snprintf(path, sizeof path, "/nonexistent/picture.png");
        }
        a = tb_arena_new();
        tb_pages bad = {0};
        build(a, ctx, &bad, mincho, serif, sc, path);
        unsigned char *out = (unsigned char *)"x";
        size_t len = 1;
        tb_diags_clear(ctx->diags);
        bool ok = tb_render_pdf(ctx, &bad, &o, &out, &len);
        const tb_diag *d = tb_diags_len(ctx->diags) ? tb_diags_at(ctx->diags, 0) : NULL;
        char detail[700];
        snprintf(detail, sizeof detail, "%s: %s", d ? d->file : "-", d ? d->msg : "no diagnostic");
        check(!ok && !out && !len && tb_diags_count(ctx->diags, TB_ERROR) == 1, bad_images[i].what, detail);
        tb_arena_free(a);
    }

    tb_ctx_free(ctx);
    printf("%s\n", failures ? "FAIL" : "ok");
    return failures ? 1 : 0;
}
