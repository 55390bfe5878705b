/*
** test_layout.c — the layout language: lengths, colours, errors with lines.
**
** Ids: layout-1.x lengths, layout-2.x colours, layout-3.x layout files.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/base/ctx.h"
#include "../../src/style/layout.h"
#include "t.h"

#define MM (72.0 / 25.4)

static void len_ok(const char *s, double pt, bool em, const char *id) {
    tb_len l = {-1, !em};
    bool ok = tb_len_parse(s, &l);
    CHECK(ok && l.em == em, "%s tb_len_parse(\"%s\") succeeds%s", id, s, em ? " in em" : "");
    CHECK_NEAR(ok ? l.v : -1, pt, 1e-3, "%s tb_len_parse(\"%s\") value", id, s);
}

static void lengths(void) {
    len_ok("12mm", 12 * MM, false, "layout-1.1");
    len_ok("9.5pt", 9.5, false, "layout-1.2");
    len_ok("14Q", 3.5 * MM, false, "layout-1.3");
    len_ok("1em", 1, true, "layout-1.4");
    len_ok("0", 0, false, "layout-1.5");
    len_ok("2cm", 20 * MM, false, "layout-1.6");
    len_ok("-0.5em", -0.5, true, "layout-1.7");
    const char *bad[] = {"", "12", "mm", "9.5pp", "12 px", "1e9pt", "nan pt", "twelve mm"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tb_len l = {42, false};
        CHECK(!tb_len_parse(bad[i], &l) && l.v == 42, "layout-1.%zu tb_len_parse(\"%s\") is refused", 8 + i, bad[i]);
    }
}

static void colors(void) {
    tb_color c;
    bool ok = tb_color_parse("cmyk(0,0,0,100)", &c);
    CHECK(ok && c.c == 0 && c.m == 0 && c.y == 0 && c.k == 1 && !c.has_rgb,
          "layout-2.1 cmyk(0,0,0,100) is K 100%%, no RGB given");
    CHECK(ok && c.r == 0 && c.g == 0 && c.b == 0, "layout-2.2 K 100%% on screen is black");
    ok = tb_color_parse("cmyk(85,10,45,0) rgb(0,150,145)", &c);
    CHECK(ok && c.has_rgb, "layout-2.3 cmyk(…) rgb(…) parses with its RGB");
    CHECK_NEAR(ok ? c.c : -1, 0.85, 1e-6, "layout-2.4 cmyk(85,…): C is 0.85");
    CHECK_NEAR(ok ? c.g : -1, 150.0 / 255, 1e-6, "layout-2.5 rgb(0,150,145): G is 150/255");
    ok = tb_color_parse("rgb(255,0,0)", &c);
    CHECK(ok && c.r == 1 && c.g == 0 && c.b == 0 && c.m == 1 && c.y == 1 && c.k == 0,
          "layout-2.6 rgb(255,0,0) alone gets a CMYK for print (M100 Y100)");
    ok = tb_color_parse("#FF8000", &c);
    CHECK(ok && c.has_rgb && c.r == 1 && c.b == 0, "layout-2.7 #RRGGBB parses (layout.h promises it)");
    const char *bad[] = {"", "cmyk(0,0,0)", "cmyk(0,0,0,101)", "rgb(256,0,0)", "red", "cmyk(0,0,0,100", "rgb(1,2,3) x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(!tb_color_parse(bad[i], &c), "layout-2.%zu tb_color_parse(\"%s\") is refused", 8 + i, bad[i]);
}

static char dir[256];

static const char *write_layout(const char *name, const char *body) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) return NULL;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<layout name=\"t\" xml:lang=\"ja\">\n"
            "  <page size=\"A4\" orientation=\"portrait\" bleed=\"3mm\"/>\n"
            "%s\n"
            "</layout>\n",
            body);
    fclose(f);
    return path;
}

static const char *one_diag(tb_ctx *ctx) {
    static char buf[1024];
    if (tb_diags_len(ctx->diags) != 1) {
        snprintf(buf, sizeof buf, "%zu diagnostics: %.900s", tb_diags_len(ctx->diags), t_diags_text(ctx->diags));
        return buf;
    }
    const tb_diag *e = tb_diags_at(ctx->diags, 0);
    const char *base = strrchr(e->file, '/');
    snprintf(buf, sizeof buf, "%.100s:%d: %.800s", base ? base + 1 : e->file, e->line, e->msg);
    return buf;
}

static void files(void) {
    tb_ctx *ctx = tb_ctx_new();
    ctx->share_dir = NULL;
    tb_layouts *ls = tb_layouts_new(ctx);
    const char *p = write_layout("good.xml", "  <master name=\"body\" columns=\"2\" column-gap=\"7mm\" margin=\"20mm\"/>\n"
                                             "  <style select=\"p\" size=\"9.5pt\" indent=\"1em\"/>");
    const tb_layout *l = tb_layouts_get(ls, p, "guide.xml", 1);
    CHECK(l != NULL && tb_diags_len(ctx->diags) == 0, "layout-3.1 a small layout loads without diagnostics");
    if (l) {
        CHECK_NEAR(l->width, 210 * MM, 0.01, "layout-3.2 A4 is 210 mm wide");
        CHECK(l->body.columns == 2, "layout-3.3 the body master has two columns");
        CHECK_NEAR(l->body.column_gap, 7 * MM, 0.01, "layout-3.4 column-gap 7mm");
        CHECK_NEAR(l->body.top, 20 * MM, 0.01, "layout-3.5 margin sets all four margins");
    }
    CHECK(tb_layouts_get(ls, p, "guide.xml", 1) == l, "layout-3.6 a layout is loaded once and cached");

    tb_diags_clear(ctx->diags);
    p = write_layout("badlen.xml", "  <master name=\"body\" columns=\"1\"/>\n"
                                   "\n"
                                   "  <style select=\"p\" size=\"9.5pp\"/>");
    l = tb_layouts_get(ls, p, "guide.xml", 1);
    CHECK(l == NULL, "layout-3.7 a layout with a bad length is refused");
    CHECK_STR(one_diag(ctx), "badlen.xml:6: <style size=\"9.5pp\">: not a length (say 12mm, 9.5pt, 14Q or 1em)",
              "layout-3.8 the error names the layout file, the line and the value");

    tb_diags_clear(ctx->diags);
    p = write_layout("cols.xml", "  <master name=\"body\" columns=\"0\"/>");
    l = tb_layouts_get(ls, p, "guide.xml", 1);
    CHECK_STR(one_diag(ctx), "cols.xml:4: <master columns=\"0\">: a whole number from 1 to 12",
              "layout-3.9 zero columns is refused at its line");

    tb_diags_clear(ctx->diags);
    p = write_layout("wide.xml", "\n  <master name=\"body\" margin-inner=\"120mm\" margin-outer=\"120mm\"/>");
    l = tb_layouts_get(ls, p, "guide.xml", 1);
    CHECK(l == NULL, "layout-3.10 margins wider than the page are refused");
    CHECK(tb_diags_len(ctx->diags) == 1 && tb_diags_at(ctx->diags, 0)->line == 5,
          "layout-3.11 the margins error is at the <master> line (5): %s", one_diag(ctx));

    tb_diags_clear(ctx->diags);
    l = tb_layouts_get(ls, "no-such-layout", "guide.xml", 7);
    CHECK_STR(one_diag(ctx), "guide.xml:7: no layout named 'no-such-layout'",
              "layout-3.12 an unknown layout name is an error in the guide, at its line");
    tb_layouts_free(ls);
    tb_ctx_free(ctx);
}

int main(void) {
    if (!t_make_dir(dir, sizeof dir, "layout")) return 2;
    lengths();
    colors();
    files();
    t_remove_dir(dir);
    return t_done();
}
