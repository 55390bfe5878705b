/*
** test_workflow.c — the quality report (src/workflow/report.c): kinds
** from the stages' messages, locating render's findings in the guide,
** the JSON; and the watcher's canonical paths (src/workflow/watch.c).
** Ids: workflow-1.x kinds, 2.x the report, 3.x JSON, 4.x watch.
** Run from the repository root (the parser reads schema/guide.rng).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/parse/doc.h"
#include "../../src/workflow/report.h"
#include "../../src/workflow/watch.h"
#include "t.h"

static void kinds(void) {
    static const struct {
        tb_severity sev;
        const char *msg, *kind;
    } k[] = {
        {TB_WARNING, "overfull line: no break point lets the text fit the measure of 53.3 pt", "overfull-line"},
        {TB_WARNING, "loose line: spaces stretched to 180 % of their width", "loose-line"},
        {TB_WARNING, "kinsoku: the rule for 「。」 yields", "kinsoku-yield"},
        {TB_WARNING, "widow: the last line of the paragraph stands alone", "widow"},
        {TB_WARNING, "orphan: the first line of the paragraph stands alone", "orphan"},
        {TB_ERROR, "no font has the character U+1F600 '😀' (role 'body', language 'ja')", "missing-glyph"},
        {TB_WARNING, "image content/x/a.png is 212 ppi at its placed size (700×500 pixels on 84×60 mm): print wants 300 ppi",
         "low-resolution-image"},
        {TB_ERROR, "image a.png is 12 ppi at its placed size (40×30 pixels on 84×63 mm): too coarse to print", "low-resolution-image"},
        {TB_WARNING, "page 3: text 「25」 is 2.4 mm from the trim edge; keep text 3 mm inside the trim", "near-trim"},
        {TB_WARNING, "text within 3 mm of the trim edge on 2 more pages", "near-trim"},
        {TB_WARNING, "3 runs of text below 6 pt (the smallest 5.0 pt)", "small-text"},
        {TB_WARNING, "colour cmyk(100,100,20,100) has 320 % total ink, above the layout's limit of 300 %", "ink-limit"},
        {TB_WARNING, "a saddle-stitched booklet needs a multiple of 4 pages: 2 blank pages added", "blank-pages"},
        {TB_WARNING, "no reading for 「乂」 in MeCab's dictionary", "no-reading"},
        {TB_ERROR, "unknown element <figcaptoin>; did you mean <figcaption>?", "input"},
        {TB_WARNING, "something else", "other"},
    };
    size_t nk = sizeof k / sizeof k[0];
    for (size_t i = 0; i < nk; i++)
        CHECK_STR(tb_report_kind(k[i].sev, k[i].msg), k[i].kind, "workflow-1.%zu a message of kind %s", i + 1, k[i].kind);
    /* the kind a stage gives a diagnostic wins over its message; one the
    ** report does not know falls back to the message */
    tb_diags *d = tb_diags_new();
    tb_diags_add_kind(d, TB_WARNING, TB_KIND_WIDOW, "g.xml", 3, 1, "a message that says %s", "nothing");
    tb_diags_add_kind(d, TB_WARNING, TB_KIND_KINSOKU_YIELD, "g.xml", 4, 1, "overfull line: a misleading text");
    tb_diags_add_kind(d, TB_WARNING, "no-such-kind", "g.xml", 5, 1, "overfull line: no break point");
    tb_diags_add(d, TB_WARNING, "g.xml", 6, 1, "loose line: without a kind");
    CHECK(tb_diags_at(d, 0)->kind && !strcmp(tb_diags_at(d, 0)->kind, "widow") && !tb_diags_at(d, 3)->kind &&
              !strcmp(tb_diags_at(d, 0)->msg, "a message that says nothing"),
          "workflow-1.%zu tb_diags_add_kind keeps the kind and formats the message", nk + 1);
    tb_report *r = tb_report_new();
    tb_report_guide(r, d, "g.xml", NULL, "web", 1, 0, NULL);
    CHECK(tb_report_count(r, "widow") == 1 && tb_report_count(r, "kinsoku-yield") == 1 &&
              tb_report_count(r, "overfull-line") == 1 && tb_report_count(r, "loose-line") == 1 &&
              tb_report_count(r, "other") == 0,
          "workflow-1.%zu the stage's kind first, the message's for none or an unknown one", nk + 2);
    tb_report_free(r);
    tb_diags_free(d);
}

static const char *GUIDE = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<guide xml:lang=\"ja\" layout=\"flyer-a4\" version=\"1\">\n"
                           "  <meta><title>検査</title></meta>\n"
                           "  <section id=\"s1\">\n"
                           "    <title>見出し</title>\n"
                           "    <p>ここに一度だけ出る文です。</p>\n"
                           "    <p>二度出る文。</p><p>二度出る文。</p>\n"
                           "    <figure id=\"f1\">\n"
                           "      <img src=\"pic.png\" alt=\"絵\"/>\n"
                           "    </figure>\n"
                           "  </section>\n"
                           "</guide>\n";

static void report(void) {
    char dir[] = "/tmp/tebiki-workflow-unit.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0, "workflow-2.0 a temporary folder");
        return;
    }
    char xml[256], png[256], shown[300];
    snprintf(xml, sizeof xml, "%s/ja.xml", dir);
    snprintf(png, sizeof png, "%s/pic.png", dir);
    FILE *f = fopen(xml, "w");
    fputs(GUIDE, f);
    fclose(f);
    f = fopen(png, "w"); /* never decoded here: only its path matters */
    fputs("x", f);
    fclose(f);
    tb_ctx *ctx = tb_ctx_new();
    tb_parser *p = tb_parser_new(ctx);
    tb_arena *a = tb_arena_new();
    tb_doc *doc = p ? tb_parse_file(p, a, xml) : NULL;
    CHECK(doc && doc->root && !tb_diags_count(ctx->diags, TB_ERROR), "workflow-2.1 the guide parses");
    snprintf(shown, sizeof shown, "image %s/./pic.png is 169 ppi at its placed size: print wants 300 ppi", dir);
    tb_diags_add(ctx->diags, TB_WARNING, xml, 0, 0, "%s", shown);
    tb_diags_add(ctx->diags, TB_WARNING, xml, 0, 0, "page 1: text 「一度だけ出る」 is 2.0 mm from the trim edge");
    tb_diags_add(ctx->diags, TB_WARNING, xml, 0, 0, "page 1: text 「二度出る」 is 2.0 mm from the trim edge");
    tb_diags_add(ctx->diags, TB_WARNING, xml, 0, 0, "page 2: text 「25」 is 2.0 mm from the trim edge");
    tb_diags_add(ctx->diags, TB_WARNING, xml, 6, 8, "overfull line: no break point lets the text fit");
    tb_diags_add(ctx->diags, TB_ERROR, "layouts/x.xml", 3, 1, "a \"quoted\"\tmessage\\");
    tb_report *r = tb_report_new();
    tb_report_guide(r, ctx->diags, xml, "out/x.ja.pdf", "print", 1, 0, doc);
    unsigned char *json = NULL;
    size_t len = 0;
    CHECK(tb_report_json(r, &json, &len), "workflow-3.1 JSON written");
    char *j = json ? strndup((char *)json, len) : strdup("");
    CHECK(strstr(j, "\"kind\": \"low-resolution-image\", \"message\"") != NULL, "workflow-2.2 image kind");
    char want[512];
    snprintf(want, sizeof want, "\"file\": \"%s\", \"line\": 9, \"col\": ", xml);
    CHECK(strstr(j, want) != NULL, "workflow-2.3 the image located on its <img> line (9)");
    snprintf(want, sizeof want, "\"file\": \"%s\", \"line\": 6, \"col\": ", xml);
    char *first6 = strstr(j, want);
    CHECK(first6 && strstr(first6 + 1, want), "workflow-2.4 text in one place located (line 6), and the overfull line kept");
    snprintf(want, sizeof want, "\"line\": 7,");
    CHECK(!strstr(j, want), "workflow-2.5 text in two places not located");
    CHECK(strstr(j, "\"message\": \"page 2: text 「25」 is 2.0 mm from the trim edge\"") &&
              tb_report_count(r, "near-trim") == 3,
          "workflow-2.6 a number is not looked for; UTF-8 kept");
    CHECK(strstr(j, "\"message\": \"a \\\"quoted\\\"\\tmessage\\\\\"") != NULL, "workflow-3.2 JSON escapes");
    CHECK(strstr(j, "\"counts\": {\"overfull-line\": 1, \"low-resolution-image\": 1, \"near-trim\": 3, \"input\": 1}") != NULL,
          "workflow-3.3 counts per kind in a fixed order");
    CHECK(strstr(j, "\"variant\": \"print\", \"pages\": 1, \"status\": 0, \"errors\": 1, \"warnings\": 5") != NULL,
          "workflow-3.4 the guide's line");
    free(j);
    free(json);
    tb_report_free(r);
    tb_arena_free(a);
    tb_parser_free(p);
    tb_ctx_free(ctx);
    /* the watcher's canonical names */
    char *c = tb_watch_canon(png), *real = realpath(png, NULL);
    CHECK_STR(c, real, "workflow-4.1 canonical path of an existing file");
    free(c);
    char gone[300];
    snprintf(gone, sizeof gone, "%s/../%s/not-yet.xml", dir, strrchr(dir, '/') + 1);
    c = tb_watch_canon(gone);
    snprintf(want, sizeof want, "%.*s/not-yet.xml", real ? (int)(strlen(real) - strlen("/pic.png")) : 0, real ? real : "");
    CHECK_STR(c, want, "workflow-4.2 canonical path of a file not there yet");
    free(c);
    free(real);
    unlink(png);
    unlink(xml);
    rmdir(dir);
}

int main(void) {
    kinds();
    report();
    return t_done();
}
