/*
** test_paginate.c — widows and orphans: the paginator keeps a paragraph's
** first and last lines company where a break allows it, and reports the
** ones it could not avoid (the quality report's "widow" and "orphan").
**
** Each case writes a guide and a layout of small pages (one column of
** 160 pt, 10 pt type on 40 pt lines: a column holds as many lines as the
** page height allows) to a temp folder and runs the middle of the pipeline
** (tb_typeset: style, shape, break, paginate, again while page numbers
** change).  Run from the repository root (schema, fonts).
** Ids: paginate-1.x unavoidable, 2.x avoided, 3.x reported once over the
** passes, 4.x a line grid.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/break/break.h"
#include "../../src/paginate/paginate.h"
#include "../../src/parse/doc.h"
#include "../../src/shape/shape.h"
#include "../../src/style/layout.h"
#include "../../src/typeset/typeset.h"
#include "t.h"

static tb_ctx *ctx;
static tb_parser *parser;
static tb_shaper *sh;
static tb_breaker *br;
static char dir[] = "/tmp/tebiki-paginate-unit.XXXXXX";
static int serial;

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* A layout of pages HEIGHT pt high (margins of 20 pt; a column of 1 line:
** 90, 2 lines: 130, 3 lines: 170), with GRID (pt, 0 none); its path. */
static const char *layout(float height, float grid) {
    static char path[300];
    char text[2048], g[64] = "";
    if (grid > 0) snprintf(g, sizeof g, " grid=\"%.0fpt\"", grid);
    snprintf(path, sizeof path, "%s/l%d.xml", dir, ++serial);
    snprintf(text, sizeof text,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<layout name=\"tiny\" xml:lang=\"ja\">\n"
             "  <page size=\"custom\" width=\"200pt\" height=\"%.0fpt\" facing=\"false\"/>\n"
             "  <master name=\"cover\" margin-top=\"20pt\" margin-bottom=\"20pt\" margin-inner=\"20pt\"\n"
             "          margin-outer=\"20pt\"/>\n"
             "  <master name=\"back-cover\" margin-top=\"20pt\" margin-bottom=\"20pt\" margin-inner=\"20pt\"\n"
             "          margin-outer=\"20pt\"/>\n"
             "  <master name=\"body\" columns=\"1\" margin-top=\"20pt\" margin-bottom=\"20pt\"\n"
             "          margin-inner=\"20pt\" margin-outer=\"20pt\" folio=\"false\"%s/>\n"
             "  <style select=\"guide\" font=\"body\" size=\"10pt\" leading=\"40pt\" color=\"cmyk(0,0,0,100)\"/>\n"
             "  <style select=\"p\" indent=\"0\" align=\"justify\"/>\n"
             "  <style select=\"hr\" space-before=\"1pt\" space-after=\"1pt\" border=\"8pt\"/>\n"
             "</layout>\n",
             height, g);
    write_file(path, text);
    return path;
}

/* Paragraphs of N lines at 16 em: 16 kana a line. */
static const char *KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん";
static const char *lines_of(int n, char *buf, size_t cap) {
    /* 16 characters a line, the last line 8 */
    size_t chars = (size_t)(n - 1) * 16 + 8, k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < chars; i++) {
        const char *c = KANA + (i % 46) * 3;
        if (k + 4 >= cap) break;
        memcpy(buf + k, c, 3);
        k += 3;
    }
    buf[k] = 0;
    return buf;
}

/* Typeset BODY (the guide's blocks; its first line is line 4 of the file)
** on LAYOUT; the diagnostics stay in ctx->diags.  Returns the pages. */
static char seen[8192]; /* the runs' text of the last typeset, '|' after each */

static size_t typeset(const char *lay_path, const char *body) {
    char path[300], text[8192];
    snprintf(path, sizeof path, "%s/g%d.xml", dir, ++serial);
    snprintf(text, sizeof text,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<guide xml:lang=\"ja\" layout=\"%s\" version=\"1\">\n"
             "  <meta><title>検査</title></meta>\n"
             "%s"
             "</guide>\n",
             lay_path, body);
    write_file(path, text);
    tb_diags_clear(ctx->diags);
    tb_arena *a = tb_arena_new();
    tb_layouts *ls = tb_layouts_new(ctx);
    tb_doc *doc = tb_parse_file(parser, a, path);
    const tb_layout *lay = doc && doc->root ? tb_layouts_get(ls, lay_path, path, 1) : NULL;
    size_t n = 0;
    if (lay && !tb_diags_count(ctx->diags, TB_ERROR)) {
        bool back = false;
        tb_pages *pages = tb_typeset(ctx, a, sh, br, doc, lay, NULL, &back);
        n = pages ? pages->n : 0;
        /* the text of every run, read back (under AddressSanitizer a page
           in an arena typeset dropped would be a use after free) */
        seen[0] = 0;
        for (size_t i = 0; i < n; i++)
            for (const tb_item *it = pages->pages[i].first; it; it = it->next)
                if (it->kind == TB_IT_GLYPHS && it->u.glyphs.text)
                    snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%.*s|", (int)it->u.glyphs.ntext,
                             it->u.glyphs.text);
    }
    tb_layouts_free(ls);
    tb_arena_free(a);
    return n;
}

/* The diagnostics of KIND; *FIRST the first. */
static size_t count(const char *kind, const tb_diag **first) { return t_diags_of_kind(ctx->diags, kind, first); }

static const char *diags_line(void) {
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s", t_diags_text(ctx->diags));
    for (char *c = buf; (c = strchr(c, '\n'));) *c = ';';
    return buf;
}

static void unavoidable(void) {
    char p[1024], body[2048];
    /* a column of one line: a paragraph of two lines leaves its first
    ** line alone at the foot of page 1 and its last alone on page 2 */
    snprintf(body, sizeof body, "  <p>%s</p>\n", lines_of(2, p, sizeof p));
    size_t pages = typeset(layout(90, 0), body);
    const tb_diag *w, *o;
    size_t nw = count(TB_KIND_WIDOW, &w), no = count(TB_KIND_ORPHAN, &o);
    CHECK(pages == 2, "paginate-1.1 two lines in columns of one: two pages (%zu; %s)", pages, diags_line());
    CHECK(nw == 1 && no == 1, "paginate-1.2 one widow and one orphan reported (%zu, %zu; %s)", nw, no, diags_line());
    if (w)
        CHECK_STR(w->msg, "widow: the last line of this paragraph stands alone at the top of page 2; no break avoids it",
                  "paginate-1.3 the widow's message");
    if (o)
        CHECK_STR(o->msg, "orphan: the first line of this paragraph stands alone at the foot of page 1; no break avoids it",
                  "paginate-1.4 the orphan's message");
    CHECK(w && o && w->line == 4 && w->col == 3 && o->line == 4 && o->col == 3 && w->sev == TB_WARNING &&
              strstr(w->file, dir) == w->file,
          "paginate-1.5 both at the <p> in the guide (line 4, column 3: %d:%d)", w ? w->line : 0, w ? w->col : 0);
    /* a column of two lines and a paragraph of three: one line must stand
    ** alone; the paginator carries two over and reports the orphan */
    snprintf(body, sizeof body, "  <p>%s</p>\n", lines_of(3, p, sizeof p));
    pages = typeset(layout(130, 0), body);
    nw = count(TB_KIND_WIDOW, NULL), no = count(TB_KIND_ORPHAN, &o);
    CHECK(pages == 2 && nw == 0 && no == 1 && o && strstr(o->msg, "foot of page 1;"),
          "paginate-1.6 three lines in columns of two: the orphan on page 1, no widow (%zu pages; %s)", pages,
          diags_line());
}

static void avoided(void) {
    char p[1024], body[2048];
    static const struct { float h; int lines; size_t pages; const char *what; } c[] = {
        {130, 4, 2, "four lines in columns of two: 2 + 2"},
        {170, 4, 2, "four lines in columns of three: 2 + 2, not 3 + 1"},
        {170, 5, 2, "five lines in columns of three: 3 + 2"},
        {130, 1, 1, "one line"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        snprintf(body, sizeof body, "  <p>%s</p>\n", lines_of(c[i].lines, p, sizeof p));
        size_t pages = typeset(layout(c[i].h, 0), body);
        CHECK(pages == c[i].pages && !count(TB_KIND_WIDOW, NULL) && !count(TB_KIND_ORPHAN, NULL),
              "paginate-2.%zu %s: nothing reported (%zu pages; %s)", i + 1, c[i].what, pages, diags_line());
    }
    /* a paragraph after another in a column of three: its first two lines
    ** do not fit below the first, so it starts on the next page */
    char p2[1024];
    snprintf(body, sizeof body, "  <p>%s</p>\n  <p>%s</p>\n", lines_of(2, p, sizeof p), lines_of(4, p2, sizeof p2));
    size_t pages = typeset(layout(170, 0), body);
    CHECK(pages == 3 && !count(TB_KIND_WIDOW, NULL) && !count(TB_KIND_ORPHAN, NULL),
          "paginate-2.5 two lines, then four in columns of three: the four start a page (%zu pages; %s)", pages,
          diags_line());
}

/* A guide that prints a page number (a ref) is laid out twice or more:
** the finding of the last pass stays, once. */
static void passes(void) {
    char p[1024], body[2048];
    snprintf(body, sizeof body,
             "  <p>%s</p>\n"
             "  <section id=\"s1\"><title>節</title><p>見出しは<ref to=\"s1\"/>にある。</p></section>\n",
             lines_of(2, p, sizeof p));
    size_t n = typeset(layout(90, 0), body);
    CHECK(count(TB_KIND_WIDOW, NULL) == 1 && count(TB_KIND_ORPHAN, NULL) == 1,
          "paginate-3.1 a guide with a ref (several passes): the widow and the orphan once each (%s)", diags_line());
    /* each pass's pages have an arena of their own, dropped after the next
       pass: the last pass's stay whole, with the page its ref found */
    CHECK(n >= 2 && strstr(seen, "節|") && strstr(seen, "見出しは"),
          "paginate-3.2 the last pass's pages read back whole after the earlier passes' are dropped (%zu pages: %.200s)",
          n, seen);
}

/* On a line grid, a paragraph's first line snaps down to the next grid
** line: the room its first two lines need is measured from there, so a
** paragraph that would leave one line behind starts on the next page. */
static void grid(void) {
    char p[1024], p2[1024], body[2048];
    /* grid lines every 40 pt from the top margin (20): 20, 60, 100, 140;
    ** the frame ends at 170.  One line (to 60), a rule to 70, then four
    ** lines: from 70 the room (100) holds two lines of 40, from the grid
    ** line at 100 only one.  The four go to page 2 (two of them, the other
    ** two to page 3: three would leave one alone) */
    snprintf(body, sizeof body, "  <p>%s</p>\n  <hr/>\n  <p>%s</p>\n", lines_of(1, p, sizeof p),
             lines_of(4, p2, sizeof p2));
    size_t pages = typeset(layout(190, 40), body);
    CHECK(pages == 3 && !count(TB_KIND_ORPHAN, NULL) && !count(TB_KIND_WIDOW, NULL),
          "paginate-4.1 on a grid, a paragraph whose second line would not fit below the snap starts a page (%zu "
          "pages; %s)",
          pages, diags_line());
}

int main(void) {
    if (!mkdtemp(dir)) {
        t_cannot("paginate-0.1 a temporary folder", "mkdtemp failed");
        return t_done();
    }
    ctx = tb_ctx_new();
    ctx->fonts_dir = "fonts";
    ctx->layouts_dir = "layouts";
    ctx->share_dir = NULL;
    parser = tb_parser_new(ctx);
    sh = tb_shaper_new(ctx);
    br = tb_breaker_new(ctx);
    if (!parser || !sh) {
        t_cannot("paginate-0.1 parser and shaper", t_diags_text(ctx->diags));
    } else {
        unavoidable();
        avoided();
        passes();
        grid();
    }
    tb_breaker_free(br);
    tb_shaper_free(sh);
    tb_parser_free(parser);
    tb_ctx_free(ctx);
    t_remove_dir(dir);
    return t_done();
}
