/*
** test_break.c — the line-breaking stage: kinsoku, aki, justification.
**
** Paragraphs are shaped with the repository's catalogue (BIZ UD Mincho at
** 10 pt, so 1 em = 10 pt) and broken with tb_break_para; the assertions
** read the glyph positions of the lines (tb_lglyph.x).  Run from the
** repository root.
** Ids: break-1.x character classes, break-2.x kinsoku end to end,
** break-3.x spacing (aki), break-4.x justification, break-5.x forced
** breaks, break-6.x loose lines and break-7.x kinsoku that yields (the
** warnings of the quality report).
*/
#include <stdio.h>
#include <string.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/base/utf8.h"
#include "../../src/break/break.h"
#include "../../src/shape/shape.h"
#include "../../src/style/style.h"
#include "t.h"

static tb_ctx *ctx;
static tb_shaper *sh;
static tb_breaker *br;

static tb_para *para(tb_arena *a, const char *text) { return t_para(a, text, "body", "ja", 1, 1); }

static tb_lines *set(tb_arena *a, const char *text, float measure, float indent, tb_align align) {
    tb_shaped *s = tb_shape_para(sh, a, para(a, text));
    tb_break_opts o = {.measure = measure, .indent = indent, .align = align, .hang = false};
    return tb_break_para(br, a, s, &o);
}

/* TEXT in language LANG (its own fonts), its span at line 7, column 3. */
static tb_lines *set_lang(tb_arena *a, const char *text, const char *lang, float measure, tb_align align) {
    tb_para *p = para(a, text);
    p->lang = lang;
    p->spans[0].lang = lang;
    p->spans[0].line = 7;
    p->spans[0].col = 3;
    tb_shaped *s = tb_shape_para(sh, a, p);
    tb_break_opts o = {.measure = measure, .align = align};
    return tb_break_para(br, a, s, &o);
}

/* The diagnostics on one line ("; " between them). */
static const char *diags_line(void) {
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s", t_diags_text(ctx->diags));
    for (char *c = buf; (c = strchr(c, '\n'));) *c = ';';
    return buf;
}

/* The diagnostics of kind KIND; *FIRST the first of them. */
static size_t diags_of(const char *kind, const tb_diag **first) { return t_diags_of_kind(ctx->diags, kind, first); }

/* The first glyph standing for the character at byte OFF. */
static const tb_lglyph *glyph_at(const tb_lines *ls, uint32_t off) {
    for (size_t i = 0; i < ls->n; i++)
        for (size_t r = 0; r < ls->v[i].nruns; r++)
            for (size_t k = 0; k < ls->v[i].runs[r].n; k++) {
                const tb_lglyph *g = &ls->v[i].runs[r].g[k];
                if (g->text == off && g->ntext) return g;
            }
    return NULL;
}

static uint32_t cp_at(const char *s) { return tb_utf8_next(&s); }

/* The last code point of text[start, end). */
static uint32_t last_cp(const char *text, uint32_t start, uint32_t end) {
    const char *p = text + start, *e = text + end;
    uint32_t c = 0;
    while (p < e) c = tb_utf8_next(&p);
    return c;
}

static bool in_set(uint32_t c, const char *set) {
    for (const char *p = set; *p;)
        if (tb_utf8_next(&p) == c) return true;
    return false;
}

static void classes(void) {
    const char *no_start = "、。，．」』）】〕！？ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々ゝゞ・：；";
    bool all = true;
    for (const char *p = no_start; *p;) {
        uint32_t c = tb_utf8_next(&p);
        if (!tb_kinsoku_no_start(c)) {
            all = false;
            printf("# U+%04X may start a line\n", c);
        }
    }
    CHECK(all, "break-1.1 tb_kinsoku_no_start: closing brackets, 、。, ー, small kana, iteration marks");
    CHECK(!tb_kinsoku_no_start(0x6F22) && !tb_kinsoku_no_start(0x3042) && !tb_kinsoku_no_start(0x300C) &&
              !tb_kinsoku_no_start('A'),
          "break-1.2 漢, あ, 「 and A may start a line");
    CHECK(tb_kinsoku_no_end(0x300C) && tb_kinsoku_no_end(0x300E) && tb_kinsoku_no_end(0xFF08) &&
              tb_kinsoku_no_end(0x3010) && tb_kinsoku_no_end('('),
          "break-1.3 tb_kinsoku_no_end: 「『（【 and ( may not end a line");
    CHECK(!tb_kinsoku_no_end(0x300D) && !tb_kinsoku_no_end(0x3002) && !tb_kinsoku_no_end(0x6F22),
          "break-1.4 」, 。 and 漢 may end a line");
}

static void kinsoku(tb_arena *a) {
    const char *text =
        "「ちょっと待って」と、彼女は言った。「シャッターが閉まっている。」それから、きっと、"
        "ゆっくりとコーヒーを飲んだ。『東京』（とうきょう）へ行きましょう！ジャッジのシャッフルでぁっと言わせた"
        "後に、「括弧」「連続」。人々は々の字を知っている。ニュースのチェックはキャッシュで、"
        "ソフトウェアのアップデートをインストールしてください。";
    size_t lines = 0, bad_start = 0, bad_end = 0, over = 0;
    char first_bad[128] = "";
    for (float m = 50; m <= 200; m += 5) {
        tb_lines *ls = set(a, text, m, 0, TB_ALIGN_JUSTIFY);
        for (size_t i = 0; i < ls->n; i++) {
            const tb_line *L = &ls->v[i];
            lines++;
            over += L->overfull;
            uint32_t f = cp_at(ls->para->text + L->start), l = last_cp(ls->para->text, L->start, L->end);
            bool bs = i > 0 && in_set(f, "、。，．」』）！？ーぁぃぅぇぉっゃゅょァィゥェォッャュョ々");
            bool be = i + 1 < ls->n && in_set(l, "「『（");
            bad_start += bs;
            bad_end += be;
            if ((bs || be) && !*first_bad)
                snprintf(first_bad, sizeof first_bad, "measure %.0f pt, line %zu: %.*s", m, i + 1,
                         (int)(L->end - L->start), ls->para->text + L->start);
        }
    }
    CHECK(lines > 100, "break-2.1 a paragraph set at 31 measures from 5 to 20 em (%zu lines)", lines);
    CHECK(bad_start == 0, "break-2.2 no line starts with 、。」ー or small kana (%zu do; first: %s)", bad_start,
          first_bad);
    CHECK(bad_end == 0, "break-2.3 no line ends with 「『（ (%zu do; first: %s)", bad_end, first_bad);
    CHECK(over == 0, "break-2.4 no line is overfull at these measures (%zu are)", over);
    CHECK(diags_of(TB_KIND_KINSOKU_YIELD, NULL) == 0 && diags_of(TB_KIND_LOOSE_LINE, NULL) == 0,
          "break-2.5 ordinary Japanese text at these measures: no kinsoku yields, no loose-line warning (%s)",
          diags_line());
    tb_diags_clear(ctx->diags);
}

static void aki(tb_arena *a) {
    /* あ」「い: 」 on a half-em body, ½ em between 」 and 「, 「 on a half-em
    ** body: from the origin of 」 to that of い is 1.5 em */
    tb_lines *ls = set(a, "あ」「い", 1000, 0, TB_ALIGN_START);
    const tb_lglyph *ga = glyph_at(ls, 0), *gc = glyph_at(ls, 3), *go = glyph_at(ls, 6), *gi = glyph_at(ls, 9);
    CHECK(ga && gc && go && gi, "break-3.1 each character of あ」「い has a glyph");
    if (ga && gc && go && gi) {
        CHECK_NEAR(gc->x - ga->x, 10, 0.01, "break-3.2 あ advances one em");
        CHECK_NEAR(gi->x - gc->x, 15, 0.01, "break-3.3 」「 takes 1.5 em (from 」 to the next character)");
    }
    ls = set(a, "あ」。い", 1000, 0, TB_ALIGN_START);
    gc = glyph_at(ls, 3), gi = glyph_at(ls, 9);
    if (gc && gi) CHECK_NEAR(gi->x - gc->x, 15, 0.01, "break-3.4 」。 is set solid: 」。 takes 1.5 em");
    else t_cannot("break-3.4 」。", "glyphs not found");

    /* 漢字ABC漢字: a quarter em between kanji and Latin letters, both ways */
    ls = set(a, "漢字ABC漢字", 1000, 0, TB_ALIGN_START);
    const tb_lglyph *g_ji = glyph_at(ls, 3), *g_A = glyph_at(ls, 6), *g_C = glyph_at(ls, 8), *g_kan = glyph_at(ls, 9);
    if (g_ji && g_A && g_C && g_kan) {
        CHECK_NEAR(g_A->x - (g_ji->x + g_ji->advance), 2.5, 0.01, "break-3.5 ¼ em between 字 and A");
        CHECK_NEAR(g_kan->x - (g_C->x + g_C->advance), 2.5, 0.01, "break-3.6 ¼ em between C and 漢");
    } else t_cannot("break-3.5 ¼ em", "glyphs not found");
    ls = set(a, "ABC", 1000, 0, TB_ALIGN_START);
    const tb_lglyph *l_A = glyph_at(ls, 0), *l_B = glyph_at(ls, 1);
    if (l_A && l_B) CHECK_NEAR(l_B->x - (l_A->x + l_A->advance), 0, 0.01, "break-3.7 no aki between Latin letters");
    else t_cannot("break-3.7 Latin", "glyphs not found");
}

/* The end of line L: the last glyph's far edge, less the blank half of
** trailing full-width punctuation (a quarter for a middle dot). */
static float line_end(const tb_lines *ls, const tb_line *L) {
    const tb_lrun *r = &L->runs[L->nruns - 1];
    const tb_lglyph *g = &r->g[r->n - 1];
    float end = g->x + g->advance;
    uint32_t c = last_cp(ls->para->text, L->start, L->end);
    if (in_set(c, "」』）】、。，．") && g->advance > 0.95f * r->size) end -= 0.5f * r->size;
    /* a middle dot keeps its quarter em before and after, at a line end too
    ** (JLREQ 3.1.4): its box ends a quarter em before its glyph does */
    if (in_set(c, "・：；") && g->advance > 0.95f * r->size) end -= 0.25f * r->size;
    return end;
}

static void justify(tb_arena *a) {
    const char *text =
        "横浜市市民協働推進センターは、地域団体・NPO・企業・大学・行政など、組織の垣根を超えて協働し、"
        "地域課題を解決していく取組を支援しています。「協働」とは、異なる立場の人々が同じ目的のために"
        "力を合わせることです。2023年には、ヨコラボ（YOKOHAMA Co-lab.）を開催しました。"
        "参加者の意見交換から、未来を担う子どもたちに街の「宝」に気付いてもらい、それを育む気持ちを"
        "継承することが持続可能な街につながる、ということが見えてきました。";
    float measures[] = {203, 155.5f, 240.25f};
    for (size_t mi = 0; mi < sizeof measures / sizeof *measures; mi++) {
        float m = measures[mi];
        tb_lines *ls = set(a, text, m, 10, TB_ALIGN_JUSTIFY);
        size_t off = 0, over = 0;
        char worst[160] = "";
        float worst_d = 0;
        for (size_t i = 0; i + 1 < ls->n; i++) {
            const tb_line *L = &ls->v[i];
            if (L->overfull) over++;
            float d = line_end(ls, L) - m;
            if (d < -0.02f || d > 0.02f) {
                off++;
                if (d * d > worst_d * worst_d) {
                    worst_d = d;
                    snprintf(worst, sizeof worst, "line %zu ends %+.2f pt off: %.*s", i + 1, d,
                             (int)(L->end - L->start), ls->para->text + L->start);
                }
            }
        }
        CHECK(ls->n >= 4, "break-4.%zu.1 the paragraph takes several lines at %.2f pt (%zu)", mi + 1, m, ls->n);
        CHECK(off == 0 && over == 0, "break-4.%zu.2 justified lines end at exactly the measure of %.2f pt (%zu off, %zu overfull%s%s)",
              mi + 1, m, off, over, *worst ? "; worst " : "", worst);
        const tb_line *last = &ls->v[ls->n - 1];
        CHECK(line_end(ls, last) < m - 0.5f, "break-4.%zu.3 the last line is not stretched", mi + 1);
        /* the first line starts after the indent */
        const tb_lglyph *g0 = &ls->v[0].runs[0].g[0];
        CHECK_NEAR(g0->x, 10, 0.01, "break-4.%zu.4 the first line starts at the 1 em indent", mi + 1);
    }
}

/* A forced line break (<br/>) after text wider than the measure: the text
** before it still breaks where it may, and the forced break still holds. */
static void forced(tb_arena *a) {
    const char *t = "ファンドレイジングの手引き\n次の行";
    tb_lines *ls = set(a, t, 70, 0, TB_ALIGN_START);
    CHECK(ls && ls->n == 3, "break-5.1 a 13-character line before a forced break, at 7 em, makes 2 lines, then the forced one (%zu lines)",
          ls ? ls->n : 0);
    bool over = false;
    for (size_t i = 0; ls && i < ls->n; i++) over |= ls->v[i].overfull || ls->v[i].width > 70.5f;
    CHECK(!over, "break-5.2 no line before the forced break is overfull");
    if (ls && ls->n == 3) {
        CHECK(ls->v[1].hard && !ls->v[0].hard, "break-5.3 the second line, not the first, ends in the forced break");
        CHECK(ls->v[2].start == (uint32_t)(strchr(t, '\n') - t) + 1, "break-5.4 the last line starts after the forced break");
    }
}

/* Loose lines: a word too long to join the line before leaves that line's
** spaces to take what is left (Tagalog: no hyphenation dictionary). */
static void loose(tb_arena *a) {
    const char *t = "aa bb cc Pakikipagtulungan ee ff gg hh ii jj kk ll mm nn oo pp";
    tb_diags_clear(ctx->diags);
    tb_lines *ls = set_lang(a, t, "tl", 120, TB_ALIGN_JUSTIFY);
    const tb_diag *d;
    size_t n = diags_of(TB_KIND_LOOSE_LINE, &d);
    CHECK(ls && ls->n >= 3 && ls->v[0].end == 8, "break-6.1 \"aa bb cc\" is the first line at 12 em (%zu lines, first ends at %u)",
          ls ? ls->n : 0, ls && ls->n ? ls->v[0].end : 0);
    CHECK(n == 1, "break-6.2 one loose-line warning for the paragraph (%zu: %s)", n, diags_line());
    if (d) {
        /* the two spaces of "aa bb cc" take the rest of the 120 pt line */
        float sp = 0;
        const tb_lrun *r = &ls->v[0].runs[0];
        for (size_t i = 0; i + 1 < r->n; i++)
            if (t[r->g[i].text] == ' ') sp += r->g[i + 1].x - r->g[i].x;
        int pct = 0;
        CHECK(sscanf(d->msg, "loose line: the spaces are stretched to %d %% of their width (more than 500 %%)", &pct) == 1 &&
                  pct > 500,
              "break-6.3 the message: %s", d->msg);
        CHECK(d->line == 7 && d->col == 3 && d->sev == TB_WARNING && !strcmp(d->file, "test.xml"),
              "break-6.4 a warning at the span's line and column (%d:%d)", d->line, d->col);
        CHECK(sp > 0 && pct > 0, "break-6.5 the spaces of the first line are %.1f pt together, %d %% of their width", sp, pct);
    }
    /* the same text ragged, or as the paragraph's last line, is not loose */
    tb_diags_clear(ctx->diags);
    set_lang(a, t, "tl", 120, TB_ALIGN_START);
    set_lang(a, "aa bb cc", "tl", 120, TB_ALIGN_JUSTIFY);
    set_lang(a, "aa bb cc\nPakikipagtulungan", "tl", 120, TB_ALIGN_JUSTIFY);
    CHECK(diags_of(TB_KIND_LOOSE_LINE, NULL) == 0,
          "break-6.6 not for ragged text, the last line, or a line ending in a forced break (%s)", diags_line());
    /* ordinary justified English at a book measure stretches its spaces
    ** a little: no warning */
    tb_diags_clear(ctx->diags);
    set_lang(a,
             "Civic collaboration means that residents, associations, companies and the city work together on "
             "problems none of them can solve alone. This guide explains how to start, how to find partners "
             "and how to agree on roles, budgets and schedules before the work begins.",
             "en", 300, TB_ALIGN_JUSTIFY);
    CHECK(diags_of(TB_KIND_LOOSE_LINE, NULL) == 0, "break-6.7 ordinary English at 30 em: no loose line (%s)",
          diags_line());
    tb_diags_clear(ctx->diags);
}

static bool starts_with(const tb_lines *ls, const char *s) {
    for (size_t i = 1; i < ls->n; i++)
        if (!strncmp(ls->para->text + ls->v[i].start, s, strlen(s))) return true;
    return false;
}

/* Kinsoku that yields: a run with no break point at all is broken where the
** measure ends (an emergency break); where that break puts 。 at a line
** start or 「 at a line end and no place a few characters back avoids it,
** the rule yields and the report says so. */
static void yields(tb_arena *a) {
    tb_diags_clear(ctx->diags);
    tb_lines *ls = set(a, "あ。。。。。。。。。。。。。。。。", 30, 0, TB_ALIGN_START);
    const tb_diag *d;
    size_t n = diags_of(TB_KIND_KINSOKU_YIELD, &d);
    CHECK(ls && ls->n >= 2 && starts_with(ls, "。"), "break-7.1 あ and 16 。 at 3 em: a line starts with 。 (%zu lines)",
          ls ? ls->n : 0);
    CHECK(n == 1 && d, "break-7.2 one kinsoku warning for the paragraph (%s)", diags_line());
    if (d) {
        CHECK_STR(d->msg, "kinsoku: no break point keeps 「。」 off the start of the line; the rule yields",
                  "break-7.3 the message names 。 and the start of the line");
        CHECK(d->line == 1 && d->col == 1 && d->sev == TB_WARNING, "break-7.4 at the span's line (%d:%d)", d->line, d->col);
    }
    tb_diags_clear(ctx->diags);
    ls = set(a, "「「「「「「「「「「「「「「「「あ", 30, 0, TB_ALIGN_START);
    n = diags_of(TB_KIND_KINSOKU_YIELD, &d);
    CHECK(n == 1 && d && !strcmp(d->msg, "kinsoku: no break point keeps 「「」 off the end of the line; the rule yields"),
          "break-7.5 16 「 and あ at 3 em: the rule that 「 may not end a line yields (%s)", diags_line());
    /* a Latin word cut where the measure ends, right before a full stop:
    ** the cut moves back a letter, no line starts with ".", nothing yields */
    tb_diags_clear(ctx->diags);
    ls = set(a, "abcdefghij.klmnopqrstuvwxyz", 50, 0, TB_ALIGN_START);
    bool dot = false;
    for (size_t i = 1; ls && i < ls->n; i++) dot |= ls->para->text[ls->v[i].start] == '.';
    CHECK(ls && ls->n >= 2 && !dot && diags_of(TB_KIND_KINSOKU_YIELD, NULL) == 0 &&
              diags_of(TB_KIND_OVERFULL_LINE, NULL) == 1,
          "break-7.6 an emergency break steps back before \"j.\": no line starts with \".\", no yield, one overfull "
          "warning (%zu lines; %s)",
          ls ? ls->n : 0, diags_line());
    tb_diags_clear(ctx->diags);
}

/* break-8.x: between begin and end of a document, an equal paragraph gets
** the lines already made and reports what they reported again. */
static void cache(tb_arena *a) {
    const char *text = "横浜市市民協働推進センターは、市民活動を支援する拠点です。";
    const char *tight = "あいうえおかきくけこさしすせそ\xE3\x80\x8Cたちつてとなにぬねの\xE3\x80\x8Dはひふへほ";
    tb_break_opts o = {.measure = 100, .indent = 0, .align = TB_ALIGN_JUSTIFY, .hang = false};
    tb_breaker_begin_document(br);
    tb_lines *l1 = tb_break_para(br, a, tb_shape_para(sh, a, para(a, text)), &o);
    tb_lines *l2 = tb_break_para(br, a, tb_shape_para(sh, a, para(a, text)), &o);
    CHECK(l1 && l1 == l2, "break-8.1 an equal paragraph broken again in the same document gets the same lines");
    tb_break_opts o2 = o;
    o2.measure = 90;
    tb_lines *l3 = tb_break_para(br, a, tb_shape_para(sh, a, para(a, text)), &o2);
    CHECK(l3 && l3 != l1, "break-8.2 another measure breaks anew");
    tb_para *p4 = para(a, text);
    p4->spans[0].nobr = true;
    tb_lines *l4 = tb_break_para(br, a, tb_shape_para(sh, a, p4), &o);
    CHECK(l4 && l4 != l1 && l4->n && l4->v[0].overfull,
          "break-8.3 a paragraph that differs in a span (nobr) breaks anew (its first line is overfull)");
    /* an unbreakable paragraph wider than the measure: one finding each time */
    tb_para *p5 = para(a, tight);
    p5->spans[0].nobr = true;
    tb_break_opts o5 = {.measure = 50, .indent = 0, .align = TB_ALIGN_START, .hang = false};
    size_t w0 = tb_diags_count(ctx->diags, TB_WARNING);
    tb_lines *l5 = tb_break_para(br, a, tb_shape_para(sh, a, p5), &o5);
    size_t w1 = tb_diags_count(ctx->diags, TB_WARNING);
    tb_para *p6 = para(a, tight);
    p6->spans[0].nobr = true;
    tb_lines *l6 = tb_break_para(br, a, tb_shape_para(sh, a, p6), &o5);
    size_t w2 = tb_diags_count(ctx->diags, TB_WARNING);
    CHECK(l5 == l6 && w1 > w0 && w2 - w1 == w1 - w0,
          "break-8.4 a cached paragraph reports its findings again (%zu, then %zu)", w1 - w0, w2 - w1);
    tb_breaker_end_document(br);
    tb_lines *l7 = tb_break_para(br, a, tb_shape_para(sh, a, para(a, text)), &o);
    CHECK(l7 && l7 != l1, "break-8.5 after the document ends nothing is reused");
    tb_diags_clear(ctx->diags);
}

int main(void) {
    ctx = tb_ctx_new();
    ctx->fonts_dir = "fonts";
    ctx->share_dir = NULL;
    sh = tb_shaper_new(ctx);
    br = tb_breaker_new(ctx);
    classes();
    if (!sh) {
        t_cannot("break-2.0 tb_shaper_new", t_diags_text(ctx->diags));
        return t_done();
    }
    tb_arena *a = tb_arena_new();
    kinsoku(a);
    aki(a);
    justify(a);
    forced(a);
    loose(a);
    yields(a);
    cache(a);
    tb_arena_free(a);
    tb_breaker_free(br);
    tb_shaper_free(sh);
    tb_ctx_free(ctx);
    return t_done();
}
