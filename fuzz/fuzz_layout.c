/*
** fuzz_layout.c — libFuzzer target: the bytes are a layout file
** (layouts/<name>.xml), loaded and validated by tb_layouts_get(); when it
** loads, one small fixed guide (Japanese and English text with ruby, a
** contents list, refs, lists, a table, an aside, an image, a cover and a
** back cover, so that most style rules apply) is laid out on it through
** furigana (the layout chooses ruby or parentheses), the HTML twin,
** paginate and render to memory, the print variant for inputs of odd
** length (bleed, marks, PDF/X and ink limit come from the layout).  The
** guide is parsed again for each input: furigana changes the tree.
**
**   make fuzz-build && build/fuzz/fuzz_layout -dict=fuzz/layout.dict CORPUS…
*/
#include "fuzz_common.h"

static const char GUIDE[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<guide xml:lang=\"ja\" layout=\"booklet-a4\" version=\"1\">\n"
    "  <meta><title>てびき 試験</title><subtitle>レイアウトの確認</subtitle>\n"
    "    <author>横浜市</author><publisher>センター</publisher><date>2024-03</date></meta>\n"
    "  <cover>\n"
    "    <p class=\"cover-title\"><ruby>手引<rt>てびき</rt></ruby>のための試験</p>\n"
    "    <p class=\"cover-subtitle\">協働のまちづくりに向けて</p>\n"
    "  </cover>\n"
    "  <toc title=\"目次\"/>\n"
    "  <section id=\"s1\" class=\"case\">\n"
    "    <title>はじめに</title>\n"
    "    <p>横浜市市民協働推進センターは、地域団体・NPO・企業・大学・行政など、"
    "組織の垣根を超えて協働し、地域課題を解決していく取組を支援しています。"
    "「協働」とは、それぞれの強みを持ち合うことです。詳しくは<ref to=\"s2\"/>を"
    "ご覧ください。<em>強調</em>と<strong>太字</strong>と<small>小さな字</small>、"
    "H<sub>2</sub>O と x<sup>2</sup>、<tcy>12</tcy>月、<nobr>切れない語</nobr>。</p>\n"
    "    <ul><li>一つめの項目です。</li><li>二つめの項目、English words too.</li></ul>\n"
    "    <ol start=\"3\"><li>三番</li><li>四番</li></ol>\n"
    "    <section id=\"s1a\"><title>小見出し</title>\n"
    "      <dl><dt>運営</dt><dd>認定NPO法人市民セクターよこはま</dd></dl>\n"
    "      <aside title=\"メモ\"><p>枠の中の文章です。<a href=\"https://example.org/\">リンク</a></p></aside>\n"
    "      <blockquote><p>引用された文章です。</p></blockquote>\n"
    "      <section id=\"s1b\"><title>三段目</title><p>本文。<br/>改行の後。</p>\n"
    "        <section id=\"s1c\"><title>四段目</title><p>深い見出しの本文。</p></section>\n"
    "      </section>\n"
    "    </section>\n"
    "  </section>\n"
    "  <section id=\"s2\">\n"
    "    <title>表と図</title>\n"
    "    <table><caption>表の見出し</caption>\n"
    "      <thead><tr><th>項目</th><th>内容</th></tr></thead>\n"
    "      <tbody><tr><td>開館</td><td>9時から21時まで</td></tr>\n"
    "        <tr><td colspan=\"2\">年末年始は休館します。</td></tr></tbody></table>\n"
    "    <figure><img src=\"photo.png\" alt=\"写真\" width=\"50%\"/><figcaption>図の説明</figcaption></figure>\n"
    "    <hr/>\n"
    "    <p xml:lang=\"en\">An English paragraph, long enough to be broken into more than one line"
    " in a narrow column of a layout, with a reference to <ref to=\"s1\"/>.</p>\n"
    "    <columnbreak/>\n"
    "    <p furigana=\"grade:2\">段の区切りの後の文章。協働のまちづくりを進めます。</p>\n"
    "    <pagebreak/>\n"
    "    <p>改ページの後の文章。</p>\n"
    "  </section>\n"
    "  <back-cover>\n"
    "    <p>お問い合わせ: 横浜市市民協働推進センター</p>\n"
    "    <qr href=\"https://example.org/\"/>\n"
    "  </back-cover>\n"
    "</guide>\n";

static fz_tool T;
static char guide_path[512], layout_path[512];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!T.ctx) {
        fz_init(&T);
        snprintf(guide_path, sizeof guide_path, "%s/guide.xml", T.dir);
        snprintf(layout_path, sizeof layout_path, "%s/layout.xml", T.dir);
        fz_write(guide_path, GUIDE, sizeof GUIDE - 1);
        tb_arena *a = tb_arena_new();
        tb_doc *doc = tb_parse_file(T.parser, a, guide_path);
        if (!doc || tb_diags_count(T.ctx->diags, TB_ERROR)) {
            tb_diags_print(T.ctx->diags, 0);
            fz_die("the fixed guide of fuzz_layout.c does not parse");
        }
        fz_done(&T);
        tb_arena_free(a);
    }
    fz_write(layout_path, data, size);
    tb_layouts *ls = tb_layouts_new(T.ctx);
    const tb_layout *lay = tb_layouts_get(ls, layout_path, guide_path, 2);
    tb_arena *a = tb_arena_new();
    if (lay) {
        tb_doc *doc = tb_parse_file(T.parser, a, guide_path);
        if (doc) fz_pipeline(&T, a, doc, lay, true, size & 1 ? TB_VARIANT_PRINT : TB_VARIANT_WEB);
    }
    fz_done(&T);
    tb_arena_free(a);
    tb_layouts_free(ls);
    return 0;
}
