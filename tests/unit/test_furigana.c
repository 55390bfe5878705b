/*
** test_furigana.c — the furigana stage: automatic readings with MeCab.
**
** Each case writes a small guide, parses it and runs tb_furigana_apply on
** it, then prints the element with id "t" as text: ruby as base(reading)
** per rt (so 協働(きょうどう) is group ruby and 横(よこ)浜(はま) mono ruby),
** synthesized <nobr> phrases as [...], the U+200B between them as |.
** Run from the repository root (the parser reads schema/guide.rng).
** Ids: furigana-1.x grades, 2.x the hand-checked paragraphs, 3.x
** alignment (okurigana, mono/group, counters), 4.x what is left alone,
** 5.x errors, 6.x parentheses, 7.x phrases (文節) in headings.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/furigana/furigana.h"
#include "../../src/parse/doc.h"
#include "t.h"

static char dir[256];
static tb_ctx *ctx;
static tb_parser *parser;
static tb_furigana *fg;        /* the system dictionary and kanjidic */
static int last_rc;

static const char *write_guide(const char *name, const char *text) { return t_write_file(dir, name, text); }

static void dump(const tb_node *n, char *out, size_t cap, size_t *len) {
#define PUT(s, l)                                                    \
    do {                                                             \
        size_t l_ = (l);                                             \
        if (*len + l_ < cap) memcpy(out + *len, (s), l_), *len += l_; \
        out[*len] = 0;                                               \
    } while (0)
    for (const tb_node *c = n->first; c; c = c->next) {
        if (c->el == TB_EL_TEXT) {
            if (c->ntext == 3 && !memcmp(c->text, "\xE2\x80\x8B", 3)) PUT("|", 1);
            else PUT(c->text, c->ntext);
        } else if (c->el == TB_EL_RT) {
            PUT("(", 1);
            dump(c, out, cap, len);
            PUT(")", 1);
        } else if (c->el == TB_EL_NOBR) {
            PUT("[", 1);
            dump(c, out, cap, len);
            PUT("]", 1);
        } else dump(c, out, cap, len);
    }
#undef PUT
}

/* A guide with FURIGANA on <guide> (NULL: none) and BODY in one section
** titled TITLE; apply furigana in STYLE with handle H; return element t. */
static const char *run_with(tb_furigana *h, tb_arena *a, const char *furigana, const char *title, const char *body,
                            tb_furigana_style style) {
    static int seq;
    char name[32], buf[16384], attr[64] = "";
    snprintf(name, sizeof name, "f%d.xml", ++seq);
    if (furigana) snprintf(attr, sizeof attr, " furigana=\"%s\"", furigana);
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<guide xml:lang=\"ja\" layout=\"handbook-a5\" version=\"1\"%s>\n"
             "  <meta><title>試験</title></meta>\n"
             "  <section id=\"s\">\n"
             "    <title id=\"h\">%s</title>\n"
             "%s\n"
             "  </section>\n"
             "</guide>\n",
             attr, title, body);
    tb_diags_clear(ctx->diags);
    tb_doc *d = tb_parse_file(parser, a, write_guide(name, buf));
    if (!d) return "(parse failed)";
    if (tb_diags_count(ctx->diags, TB_ERROR)) return t_diags_text(ctx->diags);
    last_rc = tb_furigana_apply(h, ctx, a, d, style);
    if (last_rc) return t_diags_text(ctx->diags);
    const tb_node *t = tb_doc_find(d, "t");
    if (!t) return "(no element t)";
    static char out[8192];
    size_t len = 0;
    out[0] = 0;
    dump(t, out, sizeof out, &len);
    return out;
}

static const char *fur(tb_arena *a, const char *furigana, const char *body) {
    return run_with(fg, a, furigana, "見出し", body, TB_FURIGANA_RUBY);
}

static void grades(tb_arena *a) {
    CHECK_STR(fur(a, "grade:2", "<p id=\"t\">山の協働</p>"), "山の協働(きょうどう)",
              "furigana-1.1 grade:2 annotates 協働 (G4) but not 山 (G1)");
    CHECK_STR(fur(a, "all", "<p id=\"t\">山の協働</p>"), "山(やま)の協働(きょうどう)",
              "furigana-1.2 all annotates 山 too");
    CHECK_STR(fur(a, "auto", "<p id=\"t\">山と川</p>"), "山(やま)と川(かわ)", "furigana-1.3 auto is all");
    CHECK_STR(fur(a, "grade:2", "<p id=\"t\">市と市民</p>"), "市と市(し)民(みん)",
              "furigana-1.4 grade:2: 市 (G2) alone is plain; 市民 has 民 (G4), so the whole word is read");
    CHECK_STR(fur(a, "grade:6", "<p id=\"t\">地域と横浜</p>"), "地域と横(よこ)浜(はま)",
              "furigana-1.5 grade:6: 地域 (G2, G6) plain; 浜 is secondary-school jōyō (G8)");
    CHECK_STR(fur(a, "none", "<p id=\"t\">山の協働</p>"), "山の協働",
              "furigana-1.6 furigana=\"none\": nothing (and MeCab is not needed)");
    CHECK_STR(fur(a, NULL, "<p id=\"t\" furigana=\"grade:2\">山の協働</p><p id=\"u\">協働</p>"),
              "山の協働(きょうどう)", "furigana-1.7 an element alone can ask for furigana");
    CHECK_STR(fur(a, "all", "<p id=\"t\">海と<span furigana=\"none\">川</span>と<em furigana=\"grade:2\">山と協働</em></p>"),
              "海(うみ)と川と山と協働(きょうどう)", "furigana-1.8 the nearest furigana attribute decides");
}

/* Readings checked by hand, word by word, against a dictionary. */
static void paragraphs(tb_arena *a) {
    CHECK_STR(fur(a, "all",
                  "<p id=\"t\">横浜市市民協働推進センターは、地域の課題を解決する取組を支援しています。</p>"),
              "横(よこ)浜(はま)市(し)市(し)民(みん)協働(きょうどう)推(すい)進(しん)センターは、地(ち)域(いき)の"
              "課(か)題(だい)を解(かい)決(けつ)する取(とり)組(くみ)を支(し)援(えん)しています。",
              "furigana-2.1 the centre's paragraph, furigana=all: every reading as checked by hand");
    CHECK_STR(fur(a, "grade:2",
                  "<p id=\"t\">横浜市市民協働推進センターは、地域の課題を解決する取組を支援しています。</p>"),
              "横(よこ)浜(はま)市市(し)民(みん)協働(きょうどう)推(すい)進(しん)センターは、地(ち)域(いき)の"
              "課(か)題(だい)を解(かい)決(けつ)する取(とり)組(くみ)を支(し)援(えん)しています。",
              "furigana-2.2 the same paragraph at grade:2: only 市 (G2) is left plain");
    CHECK_STR(fur(a, "all",
                  "<p id=\"t\">センターは月曜日から土曜日まで開いています。1人でも相談できます。"
                  "申し込みは電話で受け付けます。</p>"),
              "センターは月(げつ)曜(よう)日(び)から土(ど)曜(よう)日(び)まで開(ひら)いています。"
              "1人(ひとり)でも相(そう)談(だん)できます。申(もう)し込(こ)みは電(でん)話(わ)で受(う)け付(つ)けます。",
              "furigana-2.3 a second paragraph: days, a counter, verbs with okurigana");
}

static void alignment(tb_arena *a) {
    CHECK_STR(fur(a, "all", "<p id=\"t\">地域に取り組む。</p>"), "地(ち)域(いき)に取(と)り組(く)む。",
              "furigana-3.1 okurigana: 取り組む → 取(と)り組(く)む, the kana not annotated");
    CHECK_STR(fur(a, "all", "<p id=\"t\">話し合いました</p>"), "話(はな)し合(あ)いました",
              "furigana-3.2 okurigana in a conjugated verb");
    CHECK_STR(fur(a, "all", "<p id=\"t\">協働と横浜</p>"), "協働(きょうどう)と横(よこ)浜(はま)",
              "furigana-3.3 協働: group ruby (きょう would spread the word: JLREQ jukugo); 横浜: mono ruby");
    CHECK_STR(fur(a, "all", "<p id=\"t\">今日は大人</p>"), "今日(きょう)は大人(おとな)",
              "furigana-3.4 熟字訓 (今日, 大人) cannot be split: group ruby");
    CHECK_STR(fur(a, "all", "<p id=\"t\">4月1日から3日間、2人で10分</p>"),
              "4月(がつ)1日(ついたち)から3日間(みっかかん)、2人(ふたり)で10分(ぷん)",
              "furigana-3.5 counters after numerals: がつ, ついたち, みっかかん, ふたり, ぷん");
    CHECK_STR(fur(a, "all", "<p id=\"t\">ステップ9 次を考える</p>"), "ステップ9 次(つぎ)を考(かんが)える",
              "furigana-3.7 a suffix after a space is read alone: 9 次 is つぎ, not じ (第9次)");
    CHECK_STR(fur(a, "all", "<p id=\"t\">ＮＰＯとセンターとabc</p>"), "ＮＰＯとセンターとabc",
              "furigana-3.6 Latin, full-width letters and katakana take no ruby");
}

static void left_alone(tb_arena *a) {
    CHECK_STR(fur(a, "all", "<p id=\"t\"><ruby>協働<rt>きょうどう</rt></ruby>と<ruby>山<rt>さん</rt></ruby></p>"),
              "協働(きょうどう)と山(さん)", "furigana-4.1 a hand-written ruby is kept as written");
    CHECK_STR(fur(a, "all", "<p id=\"u\"><ruby>生業<rt>なりわい</rt></ruby></p><p id=\"t\">生業です</p>"),
              "生業(なりわい)です", "furigana-4.2 a hand-written reading wins for the same word elsewhere");
    CHECK_STR(fur(a, "all", "<p id=\"t\"><tcy>12</tcy>月と<span xml:lang=\"en\">日本 Japan</span></p>"),
              "12月(がつ)と日本 Japan", "furigana-4.3 English text is left alone");
    CHECK_STR(fur(a, "all", "<p id=\"t\"><a href=\"https://example.jp/\">地域</a>へ</p>"), "地(ち)域(いき)へ",
              "furigana-4.4 link text is annotated");
    /* the tree: the text node became text + ruby nodes, the ruby has one rt */
    tb_diags_clear(ctx->diags);
    tb_doc *d = tb_parse_file(parser, a,
                              write_guide("tree.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                                      "<guide xml:lang=\"ja\" layout=\"handbook-a5\" furigana=\"all\">"
                                                      "<meta><title>T</title></meta><section><title>T</title>"
                                                      "<p id=\"t\">この協働は</p></section></guide>\n"));
    int rc = d ? tb_furigana_apply(fg, ctx, a, d, TB_FURIGANA_RUBY) : -1;
    const tb_node *p = d ? tb_doc_find(d, "t") : NULL;
    const tb_node *r = p && p->first ? p->first->next : NULL;
    CHECK(rc == 0 && p && p->first && p->first->el == TB_EL_TEXT && r && r->el == TB_EL_RUBY && r->parent == p &&
              r->first && r->first->el == TB_EL_TEXT && r->first->next && r->first->next->el == TB_EL_RT &&
              !r->first->next->next && r->next && r->next->el == TB_EL_TEXT && p->last == r->next &&
              r->line == p->line && !strcmp(tb_node_plain_text(a, p), "この協働は"),
          "furigana-4.5 the tree: text, <ruby>協働<rt>…</rt></ruby>, text; plain text unchanged");
}

static void errors(tb_arena *a) {
    tb_furigana *bad = tb_furigana_new("/nonexistent/mecab-dic", NULL);
    const char *got = run_with(bad, a, "grade:2", "見出し", "<p id=\"t\">協働</p>", TB_FURIGANA_RUBY);
    CHECK_STR(got,
              "2:1: error: furigana=\"grade:2\": MeCab's IPA dictionary is not installed "
              "(no /nonexistent/mecab-dic/dicrc): install mecab-ipadic-utf8",
              "furigana-5.1 a missing MeCab dictionary: an error at the element that asked, not a crash");
    CHECK_INT(last_rc, 3, "furigana-5.2 … and the exit status of an I/O failure");
    got = run_with(bad, a, "grade:2", "見出し", "<p id=\"t\">協働</p>", TB_FURIGANA_RUBY);
    CHECK_INT(last_rc, 3, "furigana-5.3 a second guide with the same handle: the same error, no crash");
    CHECK_STR(run_with(bad, a, NULL, "見出し", "<p id=\"t\">協働</p>", TB_FURIGANA_RUBY), "協働",
              "furigana-5.4 a guide without furigana never opens MeCab");
    tb_furigana_free(bad);
    tb_furigana *nokd = tb_furigana_new(NULL, "/nonexistent/kanjidic");
    got = run_with(nokd, a, "grade:2", "見出し", "<p id=\"t\">協働</p>", TB_FURIGANA_RUBY);
    CHECK(strstr(got, "2:1: error: furigana=\"grade:2\" needs the school grades of kanjidic: cannot read "
                      "/nonexistent/kanjidic") && last_rc == 3,
          "furigana-5.5 grade:N without kanjidic: an error naming the file");
    CHECK_STR(run_with(nokd, a, "all", "見出し", "<p id=\"t\">横浜</p>", TB_FURIGANA_RUBY), "横浜(よこはま)",
              "furigana-5.6 all without kanjidic: group ruby only");
    tb_furigana_free(nokd);
    CHECK_STR(fur(a, "grade:9", "<p id=\"t\">協働</p>"),
              "2:1: error: furigana=\"grade:9\": say auto, all, grade:1 to grade:6, or none",
              "furigana-5.7 a bad value: an error at its element");
    CHECK_INT(last_rc, 1, "furigana-5.8 … with the exit status of an error in the guide");
    CHECK_STR(fur(a, "all", "<p id=\"t\">𠮷です</p>"), "𠮷です",
              "furigana-5.9 a word MeCab has no reading for is left alone");
    CHECK(strstr(t_diags_text(ctx->diags), "warning: no reading for 「𠮷」"),
          "furigana-5.10 … with a warning naming it");
}

static void parentheses(tb_arena *a) {
    CHECK_STR(run_with(fg, a, "grade:2", "見出し", "<p id=\"t\">山の協働に取り組む</p>", TB_FURIGANA_PARENS),
              "山の協働（きょうどう）に取（と）り組（く）む",
              "furigana-6.1 parentheses style: 協働（きょうどう）, plain text, no ruby");
    tb_diags_clear(ctx->diags);
    tb_doc *d = tb_parse_file(parser, a,
                              write_guide("aside.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                                       "<guide xml:lang=\"ja\" layout=\"handbook-a5\" furigana=\"grade:2\">"
                                                       "<meta><title>T</title></meta><section><title>T</title>"
                                                       "<aside id=\"t\" title=\"防災の例\"><p>山</p></aside>"
                                                       "</section></guide>\n"));
    int rc = d ? tb_furigana_apply(fg, ctx, a, d, TB_FURIGANA_RUBY) : -1;
    const tb_node *as = d ? tb_doc_find(d, "t") : NULL;
    CHECK_STR(rc == 0 && as ? as->title : NULL, "防災（ぼうさい）の例（れい）",
              "furigana-6.3 an aside's title attribute cannot hold ruby: parentheses");
}

static void phrases(tb_arena *a) {
    tb_diags_clear(ctx->diags);
    const char *h[][2] = {
        {"協働のはじめ方スタートアップガイド", "[協働(きょうどう)の]|[はじめ方スタートアップガイド]"},
        {"ステップ1 気づく・課題を知る", "[ステップ1 ]|[気づく・]|[課(か)題(だい)を]|[知る]"},
        {"相手の「大切にしていること」を知る", "[相(あい)手(て)の]|[「大切に]|[している]|[こと」を]|[知る]"},
    };
    for (size_t i = 0; i < sizeof h / sizeof *h; i++) {
        char g[4096];
        snprintf(g, sizeof g,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<guide xml:lang=\"ja\" layout=\"handbook-a5\" furigana=\"grade:2\">"
                 "<meta><title>T</title></meta><section><title id=\"t\">%s</title><p>本文</p></section></guide>\n",
                 h[i][0]);
        char name[32];
        snprintf(name, sizeof name, "h%zu.xml", i);
        tb_doc *d = tb_parse_file(parser, a, write_guide(name, g));
        int rc = d ? tb_furigana_apply(fg, ctx, a, d, TB_FURIGANA_RUBY) : -1;
        const tb_node *t = d ? tb_doc_find(d, "t") : NULL;
        static char out[4096];
        size_t len = 0;
        out[0] = 0;
        if (t && rc == 0) dump(t, out, sizeof out, &len);
        CHECK_STR(out, h[i][1], "furigana-7.%zu a heading in phrases (文節): %s", i + 1, h[i][0]);
    }
}

int main(void) {
    if (!t_make_dir(dir, sizeof dir, "furigana")) return 2;
    ctx = tb_ctx_new();
    ctx->share_dir = NULL;
    parser = tb_parser_new(ctx);
    if (!parser) {
        t_cannot("furigana-0.1 tb_parser_new", "schema/guide.rng not found (run from the repository root)");
        return t_done();
    }
    fg = tb_furigana_new(NULL, NULL);
    tb_arena *a = tb_arena_new();
    const char *err = NULL;
    if (!tb_furigana_reading(fg, a, "山", &err)) {
        t_cannot("furigana-0.2 MeCab", err ? err : "cannot be opened");
    } else {
        grades(a);
        paragraphs(a);
        alignment(a);
        left_alone(a);
        errors(a);
        parentheses(a);
        phrases(a);
    }
    tb_arena_free(a);
    tb_furigana_free(fg);
    tb_parser_free(parser);
    tb_ctx_free(ctx);
    t_remove_dir(dir);
    return t_done();
}
