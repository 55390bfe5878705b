/*
** test_jlreq.c — Japanese typography rules on positioned line output
** (JLREQ): ruby, punctuation spacing, 和欧間, justification order, hanging
** punctuation, vertical forms and 縦中横, emphasis dots.
**
** BIZ UD Mincho at 10 pt (1 em = 10 pt) from the repository's catalogue;
** assertions read tb_lglyph positions of the lines, before any PDF.
** Run from the repository root.
** Ids: jlreq-1.x ruby, 2.x punctuation, 3.x justification, 4.x vertical,
** 5.x emphasis dots.
*/
#include <stdio.h>
#include <string.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/break/break.h"
#include "../../src/shape/shape.h"
#include "../../src/style/style.h"
#include "t.h"

static tb_ctx *ctx;
static tb_shaper *sh;
static tb_breaker *br;

/* A paragraph of TEXT; ruby as "base|reading" pairs given apart. */
static tb_para *para(tb_arena *a, const char *text, bool vertical) {
    tb_para *p = t_para(a, text, "body", "ja", 1, 1);
    p->vertical = vertical;
    return p;
}

static void add_ruby(tb_arena *a, tb_para *p, const char *base, const char *reading, bool mono) {
    const char *at = strstr(p->text, base);
    tb_ruby *r = tb_arena_grow(a, p->ruby, p->nruby, p->nruby + 1, sizeof *r);
    r[p->nruby] = (tb_ruby){(uint32_t)(at - p->text), (uint32_t)(at - p->text + strlen(base)), reading, mono, false, -1};
    p->ruby = r;
    p->nruby++;
}

static tb_lines *set_para(tb_arena *a, tb_para *p, float measure, tb_align align, bool hang) {
    tb_shaped *s = tb_shape_para(sh, a, p);
    tb_break_opts o = {.measure = measure, .indent = 0, .align = align, .hang = hang};
    return tb_break_para(br, a, s, &o);
}

/* The glyph of the base text at byte OFF (not ruby). */
static const tb_lglyph *at(const tb_lines *ls, uint32_t off, size_t *line) {
    for (size_t i = 0; i < ls->n; i++)
        for (size_t r = 0; r < ls->v[i].nruns; r++) {
            if (ls->v[i].runs[r].ruby) continue;
            for (size_t k = 0; k < ls->v[i].runs[r].n; k++) {
                const tb_lglyph *g = &ls->v[i].runs[r].g[k];
                if (g->text == off && g->ntext) {
                    if (line) *line = i;
                    return g;
                }
            }
        }
    return NULL;
}

static uint32_t off(const tb_lines *ls, const char *s) { return (uint32_t)(strstr(ls->para->text, s) - ls->para->text); }

/* The ruby run on line 0 (the first one), or NULL. */
static const tb_lrun *ruby_run(const tb_lines *ls, size_t nth) {
    for (size_t i = 0; i < ls->n; i++)
        for (size_t r = 0; r < ls->v[i].nruns; r++)
            if (ls->v[i].runs[r].ruby && ls->v[i].runs[r].text && strcmp(ls->v[i].runs[r].text, "\xEF\xB9\x85") && !nth--)
                return &ls->v[i].runs[r];
    return NULL;
}

static void ruby(void) {
    tb_arena *a = tb_arena_new();
    /* group ruby longer than its base, kana on both sides: overhangs them
    ** (up to one ruby character each), the base is not spread */
    tb_para *p = para(a, "これは協働のテスト", false);
    add_ruby(a, p, "協働", "きょうどう", false);
    tb_lines *ls = set_para(a, p, 400, TB_ALIGN_START, false);
    const tb_lglyph *ha = at(ls, off(ls, "は"), NULL), *kyo = at(ls, off(ls, "協"), NULL), *no = at(ls, off(ls, "の"), NULL);
    const tb_lrun *rr = ruby_run(ls, 0);
    CHECK(ha && kyo && no && rr, "jlreq-1.1 group ruby: base glyphs and a reading run are set");
    if (ha && kyo && no && rr) {
        CHECK_NEAR(kyo->x - ha->x, 10, 0.01, "jlreq-1.2 overhang onto kana: the base is not spread before it (は→協 1 em)");
        CHECK_NEAR(no->x - kyo->x, 20, 0.01, "jlreq-1.3 overhang onto kana: 協働 keeps 2 em (協→の)");
        /* 25 pt over 20 pt: 2.5 pt over each neighbour, within the limit of one ruby character */
        CHECK_NEAR(rr->g[0].x, kyo->x - 2.5, 0.01, "jlreq-1.4 the reading overhangs its kana neighbours evenly (2.5 pt)");
        CHECK_NEAR(rr->size, 5, 0.001, "jlreq-1.5 ruby is half the base size");
        CHECK(rr->g[0].y < -8, "jlreq-1.6 the reading stands above the base (y %.2f)", rr->g[0].y);
    }
    /* kanji on both sides: no overhang, the base spreads 1:2:1 */
    p = para(a, "東京都庁舎", false);
    add_ruby(a, p, "京都", "きょうとふ", false);
    ls = set_para(a, p, 400, TB_ALIGN_START, false);
    const tb_lglyph *to = at(ls, off(ls, "東"), NULL), *kyo2 = at(ls, off(ls, "京"), NULL), *tsu = at(ls, off(ls, "都"), NULL),
                    *cho = at(ls, off(ls, "庁"), NULL);
    if (to && kyo2 && tsu && cho) {
        /* reading 25 pt over a 20 pt base: 5 pt spread as 1:2:1 (1.25, 2.5, 1.25) */
        CHECK_NEAR(kyo2->x - to->x, 10 + 1.25, 0.01, "jlreq-1.7 no overhang onto kanji: 1 part before the base");
        CHECK_NEAR(tsu->x - kyo2->x, 10 + 2.5, 0.01, "jlreq-1.8 2 parts between base characters");
        CHECK_NEAR(cho->x - tsu->x, 10 + 1.25, 0.01, "jlreq-1.9 1 part after the base");
    } else t_cannot("jlreq-1.7", "glyphs not found");
    /* a group-ruby base is never split across lines */
    p = para(a, "ああああ協働ああ", false);
    add_ruby(a, p, "協働", "きょうどう", false);
    ls = set_para(a, p, 50, TB_ALIGN_START, false);
    size_t l1 = 9, l2 = 8;
    at(ls, off(ls, "協"), &l1);
    at(ls, off(ls, "働"), &l2);
    CHECK(l1 == l2, "jlreq-1.10 協働 with group ruby stays on one line (lines %zu, %zu)", l1, l2);
    /* mono ruby centred over each character */
    p = para(a, "市民", false);
    add_ruby(a, p, "市", "し", true);
    add_ruby(a, p, "民", "みん", true);
    ls = set_para(a, p, 400, TB_ALIGN_START, false);
    const tb_lrun *r1 = ruby_run(ls, 0), *r2 = ruby_run(ls, 1);
    const tb_lglyph *shi = at(ls, 0, NULL);
    if (r1 && r2 && shi) {
        CHECK_NEAR(r1->g[0].x, shi->x + 2.5, 0.01, "jlreq-1.11 mono ruby し centred over 市");
        CHECK_NEAR(r2->g[0].x, shi->x + 10, 0.01, "jlreq-1.12 mono ruby みん centred over 民 (as wide)");
    } else t_cannot("jlreq-1.11", "runs not found");
    tb_arena_free(a);
}

static void punctuation(void) {
    tb_arena *a = tb_arena_new();
    tb_lines *ls = set_para(a, para(a, "あ」「い", false), 400, TB_ALIGN_START, false);
    const tb_lglyph *x = at(ls, 0, NULL), *y = at(ls, off(ls, "い"), NULL);
    if (x && y) CHECK_NEAR(y->x - x->x, 10 + 15, 0.01, "jlreq-2.1 」「 take 1.5 em together");
    ls = set_para(a, para(a, "あ」。い", false), 400, TB_ALIGN_START, false);
    x = at(ls, 0, NULL), y = at(ls, off(ls, "い"), NULL);
    if (x && y) CHECK_NEAR(y->x - x->x, 10 + 15, 0.01, "jlreq-2.2 」。 take 1.5 em together (」 solid against 。)");
    ls = set_para(a, para(a, "あ「「い", false), 400, TB_ALIGN_START, false);
    x = at(ls, 0, NULL), y = at(ls, off(ls, "い"), NULL);
    if (x && y) CHECK_NEAR(y->x - x->x, 10 + 15, 0.01, "jlreq-2.3 「「 take 1.5 em together");
    ls = set_para(a, para(a, "漢字ABC漢字", false), 400, TB_ALIGN_START, false);
    const tb_lglyph *ji = at(ls, off(ls, "字"), NULL), *A = at(ls, off(ls, "A"), NULL);
    if (ji && A) CHECK_NEAR(A->x - ji->x, 10 + 2.5, 0.01, "jlreq-2.4 a quarter em between kanji and Latin (和欧間)");
    /* hanging punctuation: 、 past the line end instead of pushing a character */
    ls = set_para(a, para(a, "あいうえおかきくけ、こさ", false), 90, TB_ALIGN_JUSTIFY, true);
    size_t line = 9;
    const tb_lglyph *ten = at(ls, off(ls, "、"), &line);
    CHECK(ten && line == 0 && ten->x >= 89.9, "jlreq-2.5 hanging: 、 stays on the full line, past the measure");
    ls = set_para(a, para(a, "あいうえおかきくけ、こさ", false), 90, TB_ALIGN_JUSTIFY, false);
    const tb_lglyph *ke = at(ls, off(ls, "け"), &line);
    CHECK(ke && line == 1, "jlreq-2.6 without hanging: け goes down with 、 (追い出し)");
    tb_arena_free(a);
}

static void justification(void) {
    tb_arena *a = tb_arena_new();
    /* a Latin word space takes the stretch before inter-character spacing:
    ** "あいう abc def" set on 12 em: the CJK characters keep 1 em pitch */
    tb_lines *ls = set_para(a, para(a, "あいうえおabc defかきくけこさしすせそたちつてと", false), 120, TB_ALIGN_JUSTIFY, false);
    const tb_lglyph *aa = at(ls, 0, NULL), *ii = at(ls, off(ls, "い"), NULL), *d = at(ls, off(ls, "d"), NULL),
                    *c = at(ls, off(ls, "c"), NULL);
    CHECK(ls->n >= 2, "jlreq-3.1 the paragraph breaks");
    if (aa && ii && d && c) {
        CHECK_NEAR(ii->x - aa->x, 10, 0.01, "jlreq-3.2 characters before the word space keep their 1 em pitch");
        CHECK(d->x - c->x > 5.0 + 0.5, "jlreq-3.3 the word space took the stretch (c→d %.2f pt)", d->x - c->x);
    }
    /* every justified line but the last ends at the measure */
    ls = set_para(a, para(a, "「協働」とは、地域社会における異なる個人や組織が共通の目的に向けて取り組むことです。", false), 95,
                  TB_ALIGN_JUSTIFY, false);
    bool flush = true;
    for (size_t i = 0; i + 1 < ls->n; i++) flush &= fabsf(ls->v[i].width - 95) < 0.05f;
    CHECK(flush, "jlreq-3.4 justified lines end exactly at the measure");
    tb_arena_free(a);
}

static void vertical(void) {
    tb_arena *a = tb_arena_new();
    tb_lines *h = set_para(a, para(a, "あ、ー（", false), 400, TB_ALIGN_START, false);
    tb_lines *v = set_para(a, para(a, "あ、ー（", true), 400, TB_ALIGN_START, false);
    const char *names[] = {"、", "ー", "（"};
    for (int i = 0; i < 3; i++) {
        const tb_lglyph *gh = at(h, off(h, names[i]), NULL), *gv = at(v, off(v, names[i]), NULL);
        CHECK(gh && gv && gh->gid != gv->gid, "jlreq-4.%d %s takes its vertical form (gid %u → %u)", i + 1, names[i],
              gh ? gh->gid : 0, gv ? gv->gid : 0);
    }
    const tb_lrun *r0 = &v->v[0].runs[0];
    CHECK(r0->orient == TB_OR_UPRIGHT, "jlreq-4.4 Japanese stands upright in vertical lines");
    tb_lines *t = set_para(a, para(a, "令和5年", true), 400, TB_ALIGN_START, false);
    const tb_lglyph *five = at(t, off(t, "5"), NULL), *nen = at(t, off(t, "年"), NULL);
    bool tcy = false;
    for (size_t r = 0; r < t->v[0].nruns; r++) tcy |= t->v[0].runs[r].orient == TB_OR_TCY;
    CHECK(tcy, "jlreq-4.5 a single digit is set across the line (縦中横)");
    if (five && nen) CHECK_NEAR(nen->x - five->x, 10 - 8.8, 0.01, "jlreq-4.6 縦中横 takes one em along the line");
    tb_lines *l = set_para(a, para(a, "協働Co-lab協働", true), 400, TB_ALIGN_START, false);
    bool side = false;
    for (size_t r = 0; r < l->v[0].nruns; r++) side |= l->v[0].runs[r].orient == TB_OR_SIDEWAYS;
    CHECK(side, "jlreq-4.7 a Latin word is turned sideways");
    tb_arena_free(a);
}

static void boten(void) {
    tb_arena *a = tb_arena_new();
    tb_para *p = para(a, "とても大切。", false);
    p->spans[0].boten = true;
    tb_lines *ls = set_para(a, p, 400, TB_ALIGN_START, false);
    size_t dots = 0;
    for (size_t r = 0; r < ls->v[0].nruns; r++)
        if (ls->v[0].runs[r].text && !strcmp(ls->v[0].runs[r].text, "\xEF\xB9\x85")) dots += ls->v[0].runs[r].n;
    CHECK_INT((long long)dots, 5, "jlreq-5.1 one emphasis dot over each of とても大切, none over 。");
    tb_arena_free(a);
}

int main(void) {
    ctx = tb_ctx_new();
    ctx->fonts_dir = "fonts";
    sh = tb_shaper_new(ctx);
    br = tb_breaker_new(ctx);
    if (!sh) {
        t_cannot("jlreq-0", "no font catalogue");
        return t_done();
    }
    ruby();
    punctuation();
    justification();
    vertical();
    boten();
    tb_shaper_free(sh);
    tb_breaker_free(br);
    tb_ctx_free(ctx);
    return t_done();
}
