/*
** test_render.c — the render stage on hand-built pages.
**
** Builds two pages with glyph runs shaped here with HarfBuzz (BIZ UD
** Mincho with 「、。」 and a vertical run, Noto Serif with ligatures and
** stacked marks, Noto Sans CJK SC from its .ttc as CFF), a bleeding rect,
** rules, a PNG, links and an outline; renders the web and the print
** variant twice each and checks them with qpdf, pdffonts, pdftotext,
** pdfinfo and (when present) /work/shared/checks/pdfcheck.  Then checks
** that failing renders report one error and return nothing.
**
** Fonts come from their Debian paths through a catalogue written to the
** output folder, so the test does not depend on fonts/catalogue.xml.
** Output (PDFs to look at): the folder given as argument, else a new
** /tmp/tebiki-render-XXXXXX, removed again when every check passed.
** Ids: render-1.x web, render-2.x print, render-3.x failures.
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
#include "t.h"

#define MINCHO "/usr/share/fonts/truetype/bizud-mincho/BIZUDMincho-Regular.ttf"
#define SERIF "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"
#define CJK "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
#define PDFCHECK "/work/shared/checks/pdfcheck"

static char outdir[512];

/* A check named by FMT whose failure reason is DETAIL. */
static bool check(bool ok, const char *detail, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool check(bool ok, const char *detail, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    t_report(ok, detail && *detail ? detail : "failed", fmt, ap);
    va_end(ap);
    return ok;
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
        it->u.image = (tb_image_item){.x = 40, .y = 400, .w = 50, .h = 25, .path = image, .alt = "x"};
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
        if ((p == text || p[-1] == '\n' || p[-1] == '\f') && (p[n] == '\n' || p[n] == '\f' || p[n] == 0))
            return true;
    return false;
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

/* Checks for both variants; ID is "render-1" (web) or "render-2" (print). */
static void check_common(const char *id, const char *pdf, bool print) {
    char cmd[4096], detail[512];
    int st;

    snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
    char *out = run(cmd, &st);
    check(st == 0 && !strstr(out, "WARNING"), out, "%s.3 qpdf --check clean", id);
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
        if (!cid || !flags || !ident) bad++;
    }
    snprintf(detail, sizeof detail, "%d fonts, %d not CID + Identity + emb/sub/uni", fonts, bad);
    check(st == 0 && fonts == 4 && bad == 0, detail, "%s.4 pdffonts: 4 CID fonts (one Identity-V), emb sub uni", id);
    free(out);

    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 '%s' - 2>&1", pdf);
    out = run(cmd, &st);
    for (size_t i = 0; i < sizeof LINES / sizeof *LINES; i++)
        check(has_line(out, LINES[i]), out, "%s.5.%zu pdftotext line %s", id, i + 1, LINES[i]);
    check(has_line(out, MARKS), out, "%s.6 pdftotext stacked marks %s", id, MARKS);
    check(has_line(out, "太字の見出し"), out, "%s.7 pdftotext fake bold", id);
    if (print) check(strstr(out, "1 / 2") && strstr(out, "UTC"), out, "%s.8 slug line", id);
    free(out);

    /* vertical text: poppler gives one character a line, top to bottom */
    float m = print ? 20 * 72 / 25.4f : 0;
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -raw -f 1 -l 1 -x %d -y %d -W 30 -H 200 '%s' - 2>&1",
             (int)(345 + m), (int)(318 + m), pdf);
    out = run(cmd, &st);
    char squash[256];
    size_t k = 0;
    for (char *p = out; *p && k + 1 < sizeof squash; p++)
        if (*p != '\n' && *p != '\f' && *p != ' ') squash[k++] = *p;
    squash[k] = 0;
    snprintf(detail, sizeof detail, "got '%s'", squash);
    check(!strcmp(squash, VERTICAL), detail, "%s.9 pdftotext vertical run %s", id, VERTICAL);
    free(out);

    /* positions: the Latin word starts exactly at x = 40 pt (+ margin) */
    snprintf(cmd, sizeof cmd, "pdftotext -bbox -f 1 -l 1 '%s' - 2>/dev/null | grep '>office<'", pdf);
    out = run(cmd, &st);
    char *xm = strstr(out, "xMin=\"");
    double x = xm ? atof(xm + 6) : -1, want = 40 + m;
    snprintf(detail, sizeof detail, "xMin %.3f, want %.3f", x, want);
    check(fabs(x - want) < 0.01, detail, "%s.10 'office' starts at x = 40 pt of the trim", id);
    free(out);

    if (access(PDFCHECK, X_OK) == 0) {
        snprintf(cmd, sizeof cmd, "%s %s '%s' 2>&1", PDFCHECK, print ? "--print" : "--web", pdf);
        out = run(cmd, &st);
        check(st == 0, out, "%s.11 pdfcheck %s", id, print ? "--print" : "--web");
        free(out);
    }
}

static void check_web(const char *pdf) {
    char cmd[4096];
    int st;
    snprintf(cmd, sizeof cmd, "pdfinfo '%s' 2>&1", pdf);
    char *out = run(cmd, &st);
    check(info_is(out, "Title", "テスト案内") && info_is(out, "Author", "横浜市") &&
              info_is(out, "Subject", "描画の単体テスト") && info_is(out, "Creator", "tebiki"),
          out, "render-1.20 info: title, author, subject, creator");
    check(info_is(out, "Page size", "419.53 x 595.28 pts"), out, "render-1.21 MediaBox = trim");
    free(out);
    snprintf(cmd, sizeof cmd,
             "qpdf --qdf --object-streams=disable '%s' - | grep -a -E '/Lang|DisplayDocTitle|/CreationDate|/URI|/XYZ|/ID'",
             pdf);
    out = run(cmd, &st);
    check(strstr(out, "/Lang (ja)") != NULL, out, "render-1.22 /Lang (ja)");
    check(strstr(out, "/DisplayDocTitle true") != NULL, out, "render-1.23 DisplayDocTitle");
    check(strstr(out, "/CreationDate (D:20240318120000Z00'00')") != NULL, out, "render-1.24 CreationDate from the epoch");
    check(strstr(out, "/URI (https://example.org/office)") != NULL, out, "render-1.25 URI link");
    check(strstr(out, "/XYZ") != NULL, out, "render-1.26 internal destinations");
    check(strstr(out, "/ID [<") && !strstr(out, "<00000000000000000000000000000000>"), out,
          "render-1.27 /ID filled in");
    free(out);
    snprintf(cmd, sizeof cmd, "qpdf --json --json-key=outlines '%s' 2>&1", pdf);
    out = run(cmd, &st);
    int titles = 0;
    for (const char *q = out; (q = strstr(q, "\"title\"")) != NULL; q++) titles++;
    check(titles == 3 && strstr(out, "\"Latin 𠮷 text\""), out, "render-1.28 outline: 3 entries, UTF-16 titles");
    free(out);
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
    check(ok, detail, "render-2.20 TrimBox = trim, BleedBox = trim ± 3 mm, room for marks");
    free(out);

    snprintf(cmd, sizeof cmd,
             "qpdf --qdf --object-streams=disable '%s' - | grep -a -c -E '(^|[^A-Za-z/])(rg|RG)$|DeviceRGB'", pdf);
    out = run(cmd, &st);
    out[strcspn(out, "\n")] = 0;
    check(atoi(out) == 0, out, "render-2.21 no RGB operators or colour spaces");
    free(out);
    snprintf(cmd, sizeof cmd,
             "qpdf --qdf --object-streams=disable '%s' - | grep -a -c -E "
             "'/OutputIntents|GTS_PDFX|/Trapped /False|PDF/X-1a:2001|JC200103'",
             pdf);
    out = run(cmd, &st);
    check(atoi(out) >= 5, out, "render-2.22 output intent and PDF/X keys");
    free(out);
    /* the band at y 0..40 reaches the bleed on top, left and right */
    snprintf(cmd, sizeof cmd, "qpdf --qdf --object-streams=disable '%s' - | grep -a -E ' re$' | head -1", pdf);
    out = run(cmd, &st);
    double rx = 0, ry = 0, rw = 0, rh = 0;
    sscanf(out, "%lf %lf %lf %lf", &rx, &ry, &rw, &rh);
    snprintf(detail, sizeof detail, "band %.2f %.2f %.2f %.2f", rx, ry, rw, rh);
    check(fabs(rx - b[0]) < 0.01 && fabs(rx + rw - b[2]) < 0.01 && fabs(ry + rh - b[3]) < 0.01 &&
              fabs(ry - (t[3] - 40)) < 0.01,
          detail, "render-2.23 a fill touching the trim reaches the bleed");
    free(out);
}

/* ---- early subsets ---------------------------------------------------- */

/* Every glyph of PS into E, but (DROP) the highest glyph id FACE draws;
** EXTRA adds glyph ids 1..EXTRA of FACE. */
static void early_add(tb_early_fonts *e, const tb_pages *ps, bool drop, tb_face *face, uint32_t extra) {
    uint32_t max = 0;
    for (size_t i = 0; drop && i < ps->n; i++)
        for (const tb_item *it = ps->pages[i].first; it; it = it->next)
            for (size_t g = 0; it->kind == TB_IT_GLYPHS && it->u.glyphs.face == face && g < it->u.glyphs.n; g++)
                if (it->u.glyphs.glyphs[g].gid > max) max = it->u.glyphs.glyphs[g].gid;
    for (size_t i = 0; i < ps->n; i++)
        for (const tb_item *it = ps->pages[i].first; it; it = it->next) {
            if (it->kind != TB_IT_GLYPHS) continue;
            const tb_glyph_run *r = &it->u.glyphs;
            for (size_t g = 0; g < r->n; g++)
                if (!(drop && r->face == face && r->glyphs[g].gid == max))
                    tb_early_fonts_add(e, r->face, r->vertical, &r->glyphs[g].gid, 1, sizeof r->glyphs[g].gid);
        }
    for (uint32_t g = 1; g <= extra; g++) tb_early_fonts_add(e, face, false, &g, 1, sizeof g);
}

/* PDF's pages as grey pixels and its text, one string ("" when a tool
** failed): what a reader sees of it. */
static char *seen_of(const char *pdf) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "pdftoppm -r 36 -gray '%s' 2>/dev/null | md5sum; pdftotext '%s' - 2>/dev/null | md5sum",
             pdf, pdf);
    int st = 0;
    char *out = run(cmd, &st);
    if (st != 0) out[0] = 0;
    return out;
}

/* Subsets begun early are taken only when they hold the glyphs drawn
** (render.h): a file made with them looks and reads as the file made
** without them, and is no more than a few glyphs larger (a taken subset
** may hold the digits and hyphen render adds for what pages may need). */
static void early_fonts(tb_ctx *ctx, tb_pages *ps) {
    tb_render_opts o = {.variant = TB_VARIANT_WEB, .epoch = 1710763200, .guide_name = "test.ja"};
    unsigned char *ref = NULL;
    size_t nref = 0;
    char path[700];
    snprintf(path, sizeof path, "%s/early-ref.pdf", outdir);
    if (!check(tb_render_pdf(ctx, ps, &o, &ref, &nref) && write_file(path, ref, nref), t_diags_text(ctx->diags),
               "render-4.1 renders without early subsets"))
        return;
    char *want = seen_of(path);
    const tb_face *first = NULL;
    for (const tb_item *it = ps->pages[0].first; it && !first; it = it->next)
        if (it->kind == TB_IT_GLYPHS) first = it->u.glyphs.face;
    static const struct {
        bool drop;
        uint32_t extra;
        const char *what;
    } cases[] = {
        {false, 0, "render-4.2 early subsets of the glyphs drawn: pages that look and read the same"},
        {true, 0, "render-4.3 early subsets short of a glyph drawn are not taken: pages that look and read the same"},
        {false, 300, "render-4.4 early subsets with many more glyphs are not taken: pages that look and read the same"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        tb_early_fonts *e = tb_early_fonts_new(ctx, TB_VARIANT_WEB);
        early_add(e, ps, cases[k].drop, (tb_face *)first, cases[k].extra);
        tb_early_fonts_start(e);
        o.early = e;
        unsigned char *out = NULL;
        size_t n = 0;
        bool ok = tb_render_pdf(ctx, ps, &o, &out, &n);
        tb_early_fonts_free(e);
        snprintf(path, sizeof path, "%s/early-%zu.pdf", outdir, k + 2);
        char *got = ok && write_file(path, out, n) ? seen_of(path) : strdup("");
        /* and no larger than a few glyphs more */
        char why[160];
        snprintf(why, sizeof why, "%zu bytes against %zu without early subsets", n, nref);
        check(ok && want[0] && !strcmp(got, want) && n <= nref + 4096, !ok ? t_diags_text(ctx->diags) : n > nref + 4096 ? why : got,
              "%s", cases[k].what);
        free(got);
        free(out);
    }
    tb_early_fonts_free(NULL);
    free(want);
    free(ref);
}

/* ---- main ------------------------------------------------------------ */

/* Render twice; write the first result to PATH.  ID names the checks. */
static bool render_twice(tb_ctx *ctx, tb_pages *ps, tb_render_opts *o, const char *path, const char *id) {
    unsigned char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    bool ok1 = tb_render_pdf(ctx, ps, o, &a, &na);
    bool ok2 = tb_render_pdf(ctx, ps, o, &b, &nb);
    check(ok1 && ok2 && a && na > 0, t_diags_text(ctx->diags), "%s.1 renders", id);
    check(ok1 && ok2 && na == nb && !memcmp(a, b, na), "outputs differ", "%s.2 a second render is byte-identical", id);
    bool w = ok1 && write_file(path, a, na);
    free(a);
    free(b);
    return w;
}

/* Render PAGES expecting failure: one error, nothing returned. */
static void render_fails(tb_ctx *ctx, tb_pages *ps, tb_render_opts *o, const char *want, const char *name) {
    unsigned char *out = (unsigned char *)"x";
    size_t len = 1;
    tb_diags_clear(ctx->diags);
    bool ok = tb_render_pdf(ctx, ps, o, &out, &len);
    const char *got = t_diags_text(ctx->diags);
    check(!ok && !out && !len && tb_diags_count(ctx->diags, TB_ERROR) == 1 && strstr(got, want), got, "%s", name);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) {
        snprintf(outdir, sizeof outdir, "%s", argv[1]);
        mkdir(outdir, 0777);
    } else {
        snprintf(outdir, sizeof outdir, "/tmp/tebiki-render-XXXXXX");
        if (!mkdtemp(outdir)) {
            t_cannot("render-0.1 output folder", "mkdtemp failed");
            return t_done();
        }
    }
    printf("# output in %s\n", outdir);
    if (access(MINCHO, R_OK) || access(SERIF, R_OK) || access(CJK, R_OK)) {
        t_cannot("render-0.1 fonts", "BIZ UD Mincho, Noto Serif or Noto Sans CJK not installed");
        return t_done();
    }
    char cat[600], web[600], prn[600], png[600];
    snprintf(cat, sizeof cat, "%s/catalogue.xml", outdir);
    snprintf(web, sizeof web, "%s/web.pdf", outdir);
    snprintf(prn, sizeof prn, "%s/print.pdf", outdir);
    snprintf(png, sizeof png, "%s/grey.png", outdir);
    const char *xml = "<catalogue>\n"
                      "  <face id='mincho' file='" MINCHO "'/>\n"
                      "  <face id='serif' file='" SERIF "'/>\n"
                      "  <face id='sc' file='" CJK "' index='2'/>\n"
                      "  <chain role='body'><use face='mincho'/></chain>\n"
                      "  <chain role='serif'><use face='serif'/></chain>\n"
                      "  <chain role='sc'><use face='sc'/></chain>\n"
                      "</catalogue>\n";
    if (!write_file(cat, xml, strlen(xml)) || !write_png(png, 240, 120)) {
        t_cannot("render-0.1 test files", outdir);
        return t_done();
    }

    tb_ctx *ctx = tb_ctx_new();
    ctx->fonts = tb_fontcat_load(ctx, cat);
    tb_face *mincho = ctx->fonts ? face_for(ctx, "body") : NULL;
    tb_face *serif = ctx->fonts ? face_for(ctx, "serif") : NULL;
    tb_face *sc = ctx->fonts ? face_for(ctx, "sc") : NULL;
    if (!check(mincho && serif && sc && tb_face_is_cff(sc) && !tb_face_is_cff(mincho), t_diags_text(ctx->diags),
               "render-0.1 faces open (SC is CFF, Mincho glyf)")) {
        tb_ctx_free(ctx);
        return t_done();
    }

    tb_arena *a = tb_arena_new();
    tb_pages ps = {0};
    build(a, ctx, &ps, mincho, serif, sc, png);
    tb_render_opts o = {.variant = TB_VARIANT_WEB, .epoch = 1710763200, .guide_name = "test.ja"};
    if (render_twice(ctx, &ps, &o, web, "render-1")) {
        check_common("render-1", web, false);
        check_web(web);
    }
    o.variant = TB_VARIANT_PRINT;
    if (render_twice(ctx, &ps, &o, prn, "render-2")) {
        check_common("render-2", prn, true);
        check_print(prn);
    }
    check(tb_diags_len(ctx->diags) == 0, t_diags_text(ctx->diags), "render-2.30 no errors or warnings reported");
    early_fonts(ctx, &ps);
    tb_arena_free(a);

    /* failing renders: each reports one error and returns nothing */
    static const struct {
        const char *name, *bytes;
        size_t n;
        const char *want, *check;
    } bad_images[] = {
#define LIT(s) s, sizeof s - 1
        {NULL, NULL, 0, "cannot read image", "render-3.1 missing image"},
        {"junk.png", LIT("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDRnot really"), "damaged PNG image",
         "render-3.2 damaged PNG (would abort inside libpng)"},
        {"junk.jpg", LIT("\xFF\xD8\xFF\xE0 not a real JPEG at all"), "damaged JPEG image",
         "render-3.3 junk JPEG (libjpeg's error, not an abort)"},
        {"text.gif", LIT("GIF89a"), "neither PNG nor JPEG", "render-3.4 unknown image format"},
    };
    for (size_t i = 0; i < sizeof bad_images / sizeof *bad_images; i++) {
        char path[700];
        if (bad_images[i].name) {
            snprintf(path, sizeof path, "%s/%s", outdir, bad_images[i].name);
            write_file(path, bad_images[i].bytes, bad_images[i].n);
        } else {
            snprintf(path, sizeof path, "/nonexistent/picture.png");
        }
        a = tb_arena_new();
        tb_pages bad = {0};
        build(a, ctx, &bad, mincho, serif, sc, path);
        render_fails(ctx, &bad, &o, bad_images[i].want, bad_images[i].check);
        tb_arena_free(a);
    }

    /* a glyph id the face does not have: an error from the font side */
    a = tb_arena_new();
    tb_pages bad = {0};
    build(a, ctx, &bad, mincho, serif, sc, NULL);
    ((tb_glyph *)bad.pages[1].first->u.glyphs.glyphs)[0].gid = 999999;
    render_fails(ctx, &bad, &o, "font 'mincho' has no glyph 999999", "render-3.5 unknown glyph id");
    bad.n = 0;
    render_fails(ctx, &bad, &o, "no pages", "render-3.6 no pages");
    tb_arena_free(a);

    /* a real JPEG (pdftoppm makes one of the web file's first page): libjpeg
       is opened for it (base/lazylib.h), it is decoded (the web file
       downsamples it) and the file carries it */
    {
        char jroot[700], jpg[720], cmd[1600], out[700];
        snprintf(jroot, sizeof jroot, "%s/photo", outdir);
        snprintf(jpg, sizeof jpg, "%s.jpg", jroot);
        snprintf(out, sizeof out, "%s/jpeg.pdf", outdir);
        snprintf(cmd, sizeof cmd, "pdftoppm -jpeg -r 20 -f 1 -l 1 -singlefile '%s' '%s' 2>&1", web, jroot);
        int st = 0;
        free(run(cmd, &st));
        a = tb_arena_new();
        tb_pages jp = {0};
        build(a, ctx, &jp, mincho, serif, sc, jpg);
        tb_diags_clear(ctx->diags);
        o.variant = TB_VARIANT_WEB;
        unsigned char *pdf = NULL;
        size_t np = 0;
        bool ok = st == 0 && tb_render_pdf(ctx, &jp, &o, &pdf, &np) && write_file(out, pdf, np);
        char *list = NULL;
        if (ok) {
            snprintf(cmd, sizeof cmd, "pdfimages -list '%s' | awk 'NR > 2 { print $9 }'", out);
            list = run(cmd, &st);
        }
        check(ok && list && (strstr(list, "image") || strstr(list, "jpeg")), list ? list : t_diags_text(ctx->diags),
              "render-3.7 a JPEG image is read and drawn (pdfimages lists it)");
        free(list);
        free(pdf);
        tb_arena_free(a);
    }

    tb_ctx_free(ctx);
    if (!t_failed && argc <= 1) { /* keep the files only when something failed */
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
        if (system(cmd) != 0) printf("# could not remove %s\n", outdir);
    }
    return t_done();
}
