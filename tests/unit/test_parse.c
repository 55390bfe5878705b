/*
** test_parse.c — the parse stage: white space, refusals, vocabulary checks.
**
** Each case writes a small guide to a temp folder and runs tb_parse_file on
** it.  Run from the repository root (tb_parser_new reads schema/guide.rng).
** Ids: parse-1.x white space, parse-2.x DOCTYPE and well-formedness,
** parse-3.x vocabulary (exact error text), parse-4.x positions.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/parse/doc.h"
#include "t.h"

static char dir[256];
static tb_ctx *ctx;
static tb_parser *parser;

static const char *write_guide(const char *name, const char *text) { return t_write_file(dir, name, text); }

/* A valid guide around BODY (blocks inside one section with id "s"). */
static const char *guide_with(const char *name, const char *body) {
    char buf[16384];
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<guide xml:lang=\"ja\" layout=\"booklet-a4\" version=\"1\">\n"
             "  <meta><title>試験</title></meta>\n"
             "  <section id=\"s\">\n"
             "    <title>見出し</title>\n"
             "%s\n"
             "  </section>\n"
             "</guide>\n",
             body);
    return write_guide(name, buf);
}

/* The text of <p id="t"> in a guide with BODY, after the white-space rule. */
static const char *text_of(tb_arena *a, const char *name, const char *body) {
    tb_diags_clear(ctx->diags);
    tb_doc *d = tb_parse_file(parser, a, guide_with(name, body));
    if (!d) return "(parse failed)";
    if (tb_diags_count(ctx->diags, TB_ERROR)) return t_diags_text(ctx->diags);
    tb_node *p = tb_doc_find(d, "t");
    return p ? tb_node_plain_text(a, p) : "(no element t)";
}

static void whitespace(void) {
    tb_arena *a = tb_arena_new();
    CHECK_STR(text_of(a, "ws1.xml", "<p id=\"t\">日本\n語</p>"), "日本語", "parse-1.1 a line break between two kanji vanishes");
    CHECK_STR(text_of(a, "ws2.xml", "<p id=\"t\">ひらがな\n        カタカナ</p>"), "ひらがなカタカナ",
              "parse-1.2 a line break and the indentation after it vanish between kana");
    CHECK_STR(text_of(a, "ws3.xml", "<p id=\"t\">日本\nLatin</p>"), "日本 Latin",
              "parse-1.3 a line break between Japanese and Latin becomes one space");
    CHECK_STR(text_of(a, "ws4.xml", "<p id=\"t\">Latin\n  日本</p>"), "Latin 日本",
              "parse-1.4 a line break between Latin and Japanese becomes one space");
    CHECK_STR(text_of(a, "ws5.xml", "<p id=\"t\">a   b\t\t c \n\n d</p>"), "a b c d",
              "parse-1.5 runs of spaces, tabs and line breaks collapse to one space");
    CHECK_STR(text_of(a, "ws6.xml", "<p id=\"t\">   \n  前後の空白  \n </p>"), "前後の空白",
              "parse-1.6 space at the start and end of a block is dropped");
    CHECK_STR(text_of(a, "ws7.xml", "<p id=\"t\">、\n「引用」\n。</p>"), "、「引用」。",
              "parse-1.7 a line break between CJK punctuation vanishes");
    CHECK_STR(text_of(a, "ws8.xml", "<p id=\"t\">日本 語</p>"), "日本 語",
              "parse-1.8 a space (not a line break) between kanji is kept");
    CHECK_STR(text_of(a, "ws9.xml", "<p id=\"t\">地域の<em>\n協働</em>\nです</p>"), "地域の協働です",
              "parse-1.9 the rule holds across inline elements");
    CHECK_STR(text_of(a, "ws10.xml", "<p id=\"t\">word <em> emphasis </em> end</p>"), "word emphasis end",
              "parse-1.10 spaces on both sides of an inline boundary collapse to one");
    CHECK_STR(text_of(a, "ws11.xml", "<p id=\"t\">한국어\n문장</p>"), "한국어 문장",
              "parse-1.11 a line break between Hangul words is a space (Korean spaces words)");
    CHECK_STR(text_of(a, "ws12.xml", "<p id=\"t\">全角ＡＢ\nＣ</p>"), "全角ＡＢＣ",
              "parse-1.12 a line break between full-width forms vanishes");
    CHECK(tb_is_cjk_break_char(0x6F22) && tb_is_cjk_break_char(0x3042) && tb_is_cjk_break_char(0x30A2) &&
              tb_is_cjk_break_char(0x3002) && !tb_is_cjk_break_char('A') && !tb_is_cjk_break_char(0xAC00),
          "parse-1.13 tb_is_cjk_break_char: kanji, kana, 。 yes; Latin, Hangul no");
    tb_arena_free(a);
}

/* Parse NAME with TEXT; return the diagnostics as text, *DOC the tree. */
static const char *diags_of(tb_arena *a, const char *name, const char *text, tb_doc **doc) {
    tb_diags_clear(ctx->diags);
    tb_doc *d = tb_parse_file(parser, a, write_guide(name, text));
    if (doc) *doc = d;
    return t_diags_text(ctx->diags);
}

static void refusals(void) {
    tb_arena *a = tb_arena_new();
    tb_doc *d;
    const char *xxe =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!DOCTYPE guide [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        "<guide xml:lang=\"ja\" layout=\"booklet-a4\"><meta><title>&x;</title></meta></guide>\n";
    CHECK_STR(diags_of(a, "xxe.xml", xxe, &d),
              "2:1: error: a DOCTYPE is not allowed in a guide (entities are never loaded or expanded)",
              "parse-2.1 a DOCTYPE is refused with one error at its line");
    CHECK(d == NULL, "parse-2.2 a guide with a DOCTYPE gives no tree");
    const char *plain_doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE guide>\n<guide xml:lang=\"ja\" layout=\"x\"/>\n";
    CHECK_STR(diags_of(a, "doctype.xml", plain_doctype, &d),
              "2:1: error: a DOCTYPE is not allowed in a guide (entities are never loaded or expanded)",
              "parse-2.3 even a DOCTYPE without entities is refused");
    const char *unclosed =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
        "  <meta><title>T</title></meta>\n"
        "  <p>閉じていない\n"
        "</guide>\n";
    CHECK_STR(diags_of(a, "unclosed.xml", unclosed, &d),
              "5:1: error: </guide> does not close <p> (opened on line 4): a closing tag is missing or misspelt",
              "parse-2.4 an unclosed tag: one error naming both tags, at the end tag");
    CHECK(d == NULL, "parse-2.5 a file that is not well-formed gives no tree");
    CHECK_STR(diags_of(a, "empty.xml", "", &d),
              "1:1: error: the file has no <guide> element (it is empty, or has text before the first tag)",
              "parse-2.6 an empty file");
    char bad[256];
    snprintf(bad, sizeof bad, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<guide xml:lang=\"ja\" layout=\"x\">\xff</guide>\n");
    CHECK_STR(diags_of(a, "badutf8.xml", bad, &d),
              "2:33: error: the file is not valid UTF-8 (bytes 0xFF 0x3C 0x2F 0x67); save it as UTF-8",
              "parse-2.7 bad UTF-8: one line, with the bytes");
    /* the habits of HTML, said in a guide's terms */
    const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<guide xml:lang=\"ja\" layout=\"x\">\n";
    const struct { const char *body, *want, *name; } html[] = {
        {"<p>改行<br>の後</p></guide>\n", "3:6: error: <br> is never closed: write an empty element as <br/>",
         "parse-2.8 <br> without a slash"},
        {"<p>A&nbsp;B</p></guide>\n",
         "3:11: error: unknown entity &nbsp;: a guide knows only &amp; &lt; &gt; &quot; &apos; and &#NNNN; "
         "(or type the character itself)",
         "parse-2.9 an HTML entity"},
        {"<p>AT&T</p></guide>\n", "3:8: error: a '&' that does not start an entity: write a literal & as &amp;",
         "parse-2.10 a bare ampersand"},
        {"<p>1 < 2</p></guide>\n", "3:7: error: a '<' that does not start a tag: write a literal < as &lt;",
         "parse-2.11 a bare less-than sign"},
        {"<p class=lead>x</p></guide>\n", "3:10: error: an attribute value must be in quotes (name=\"value\")",
         "parse-2.12 an attribute value without quotes"},
        {"<p id=\"a\" id=\"b\">x</p></guide>\n", "3:17: error: the attribute 'id' is given twice",
         "parse-2.13 an attribute given twice"},
        {"<p>x</p></guide>\n<p>after</p>\n", "4:1: error: text or markup after the end of <guide>",
         "parse-2.14 markup after the end of the guide"},
    };
    for (size_t i = 0; i < sizeof html / sizeof *html; i++) {
        char doc[512];
        snprintf(doc, sizeof doc, "%s%s", head, html[i].body);
        CHECK_STR(diags_of(a, "html.xml", doc, &d), html[i].want, "%s", html[i].name);
    }
    tb_arena_free(a);
}

static void vocabulary(void) {
    tb_arena *a = tb_arena_new();
    tb_doc *d = NULL;
    const char *text;
    text = diags_of(a, "figcap.xml",
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
                    "  <meta><title>T</title></meta>\n"
                    "  <figure><img src=\"a.png\" alt=\"A\"/>\n"
                    "    <figcaptoin>説明</figcaptoin></figure>\n"
                    "</guide>\n",
                    &d);
    CHECK_STR(text, "5:5: error: unknown element <figcaptoin>; did you mean <figcaption>?",
              "parse-3.1 an unknown element with a suggestion");
    CHECK(d != NULL, "parse-3.2 vocabulary errors still give a tree (check goes on)");
    text = diags_of(a, "attr.xml",
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
                    "  <meta><title>T</title></meta>\n"
                    "  <p clas=\"lead\">本文</p>\n"
                    "</guide>\n",
                    NULL);
    CHECK_STR(text, "4:3: error: unknown attribute 'clas' on <p>; did you mean 'class'?",
              "parse-3.3 an unknown attribute with a suggestion");
    text = diags_of(a, "alt.xml",
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
                    "  <meta><title>T</title></meta>\n"
                    "  <img src=\"a.png\"/>\n"
                    "</guide>\n",
                    NULL);
    CHECK_STR(text, "4:3: error: <img> needs the attribute 'alt'", "parse-3.4 img without alt");
    text = diags_of(a, "dup.xml",
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
                    "  <meta><title>T</title></meta>\n"
                    "  <section id=\"x\"><title>一</title></section>\n"
                    "  <section id=\"x\"><title>二</title></section>\n"
                    "</guide>\n",
                    NULL);
    CHECK_STR(text, "5:3: error: duplicate id 'x' (first used on line 4)", "parse-3.5 a duplicate id");
    text = diags_of(a, "ref.xml",
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
                    "  <meta><title>T</title></meta>\n"
                    "  <section id=\"x\"><title>一</title>\n"
                    "    <p>詳しくは<ref to=\"nowhere\"/>を参照。</p></section>\n"
                    "</guide>\n",
                    NULL);
    CHECK_STR(text, "5:12: error: <ref to=\"nowhere\">: no element has this id", "parse-3.6 a ref to an unknown id");
    text = diags_of(a, "many.xml",
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
                    "  <meta><title>T</title></meta>\n"
                    "  <section id=\"x\"><title>一</title>\n"
                    "    <p>詳しくは<ref to=\"nowhere\"/>を参照。</p>\n"
                    "    <secton><title>二</title></secton>\n"
                    "    <p colspan=\"2\">x</p>\n"
                    "  </section>\n"
                    "</guide>\n",
                    NULL);
    CHECK_INT((long long)tb_diags_count(ctx->diags, TB_ERROR), 3, "parse-3.7 several errors are all reported");
    CHECK_STR(tb_el_name(TB_EL_FIGCAPTION), "figcaption", "parse-3.8 tb_el_name");
    tb_arena_free(a);
}

static void positions(void) {
    tb_arena *a = tb_arena_new();
    tb_doc *d = NULL;
    diags_of(a, "pos.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
             "  <meta><title>T</title></meta>\n"
             "  <section id=\"x\">\n"
             "    <title>一</title>\n"
             "    <p>日本語の文。<em id=\"e\">強調</em></p>\n"
             "  </section>\n"
             "</guide>\n",
             &d);
    CHECK_INT((long long)tb_diags_len(ctx->diags), 0, "parse-4.1 a valid guide has no diagnostics");
    tb_node *x = d ? tb_doc_find(d, "x") : NULL, *e = d ? tb_doc_find(d, "e") : NULL;
    CHECK(x && x->line == 4 && x->col == 3, "parse-4.2 a node has the line and column of its start tag");
    /* the column counts characters, not bytes: 「日本語の文。」 is 6 columns */
    CHECK(e && e->line == 6 && e->col == 14, "parse-4.3 columns count characters after multi-byte text");
    CHECK_STR(d ? tb_node_lang(e) : NULL, "ja", "parse-4.4 a node inherits xml:lang");
    /* every diagnostic of a file with several errors has a column */
    diags_of(a, "cols.xml",
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
             "  <meta><title>T</title></meta>\n"
             "      <bogus/>\n"
             "  <p foo=\"1\">x</p> <img src=\"a.png\"/>\n"
             "</guide>\n",
             NULL);
    bool all = tb_diags_len(ctx->diags) >= 3;
    for (size_t i = 0; i < tb_diags_len(ctx->diags); i++) all &= tb_diags_at(ctx->diags, i)->col > 0;
    CHECK(all, "parse-4.5 every diagnostic carries a column");
    CHECK_STR(t_diags_text(ctx->diags),
              "4:7: error: unknown element <bogus>\n"
              "5:3: error: unknown attribute 'foo' on <p>\n"
              "5:20: error: <img> needs the attribute 'alt'",
              "parse-4.6 the columns are those of the start tags");
    tb_arena_free(a);
}

static void limits(void) {
    tb_arena *a = tb_arena_new();
    char *buf = malloc(65536);
    size_t n = (size_t)snprintf(buf, 65536,
                                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<guide xml:lang=\"ja\" layout=\"booklet-a4\">\n"
                                "<meta><title>T</title></meta>\n");
    for (int i = 0; i < 100; i++) n += (size_t)snprintf(buf + n, 65536 - n, "<blockquote>");
    n += (size_t)snprintf(buf + n, 65536 - n, "\n");
    for (int i = 0; i < 100; i++) n += (size_t)snprintf(buf + n, 65536 - n, "</blockquote>");
    snprintf(buf + n, 65536 - n, "\n</guide>\n");
    tb_doc *d;
    /* guide is depth 1: the 64th blockquote is depth 65, at column 1 + 63 * 12 */
    CHECK_STR(diags_of(a, "deep.xml", buf, &d), "4:757: error: elements nested more than 64 deep",
              "parse-5.1 the nesting limit: one error at the first element too deep");
    CHECK(d == NULL, "parse-5.2 a guide nested too deep gives no tree");
    free(buf);
    tb_arena_free(a);
}

int main(void) {
    if (!t_make_dir(dir, sizeof dir, "parse")) return 2;
    ctx = tb_ctx_new();
    ctx->share_dir = NULL;
    parser = tb_parser_new(ctx);
    if (!parser) {
        t_cannot("parse-0.1 tb_parser_new", "schema/guide.rng not found (run from the repository root)");
        return t_done();
    }
    whitespace();
    refusals();
    vocabulary();
    positions();
    limits();
    tb_parser_free(parser);
    tb_ctx_free(ctx);
    t_remove_dir(dir);
    return t_done();
}
