/*
** test_shape.c — the shape stage: font chains by language, missing glyphs.
**
** Uses the repository's catalogue (fonts/catalogue.xml, with the Debian
** BIZ UD and Noto fonts): run from the repository root.
** Ids: shape-1.x font choice, shape-2.x errors.
*/
#include <stdio.h>
#include <string.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/font/font.h"
#include "../../src/shape/shape.h"
#include "../../src/style/style.h"
#include "t.h"

/* A paragraph of TEXT in one span: role ROLE, size 10 pt, language LANG. */
static tb_para *para(tb_arena *a, const char *text, const char *role, const char *lang) {
    return t_para(a, text, role, lang, 3, 5);
}

static bool all_runs_face(const tb_shaped *s, const char *id) {
    if (!s->nruns) return false;
    for (size_t i = 0; i < s->nruns; i++)
        if (strcmp(tb_face_id(s->runs[i].face), id)) return false;
    return true;
}

int main(void) {
    tb_ctx *ctx = tb_ctx_new();
    ctx->fonts_dir = "fonts";
    ctx->share_dir = NULL;
    tb_shaper *sh = tb_shaper_new(ctx);
    if (!sh) {
        t_cannot("shape-0.1 tb_shaper_new", t_diags_text(ctx->diags));
        return t_done();
    }
    tb_arena *a = tb_arena_new();

    tb_shaped *ja = tb_shape_para(sh, a, para(a, "日本語のテキストです。", "body", "ja"));
    CHECK(ja->ng == 11, "shape-1.1 eleven characters shape to eleven glyphs (got %zu)", ja->ng);
    CHECK(all_runs_face(ja, "bizud-mincho"), "shape-1.2 Japanese body text is set in BIZ UD Mincho (the ja chain)");
    bool gids = ja->ng > 0;
    for (size_t i = 0; i < ja->ng; i++) gids &= ja->g[i].gid != 0;
    CHECK(gids, "shape-1.3 no .notdef glyph in Japanese text");
    CHECK_NEAR(ja->ng ? ja->g[0].adv : 0, 10, 0.01, "shape-1.4 a kanji advances one em (10 pt at 10 pt)");
    tb_shaped *head = tb_shape_para(sh, a, para(a, "見出し", "heading", "ja"));
    CHECK(all_runs_face(head, "bizud-gothic"), "shape-1.5 the heading role picks BIZ UD Gothic");

    tb_shaped *zh = tb_shape_para(sh, a, para(a, "直", "body", "zh-Hans"));
    tb_shaped *jz = tb_shape_para(sh, a, para(a, "直", "body", "ja"));
    bool differ = zh->nruns && jz->nruns && zh->ng && jz->ng &&
                  (zh->runs[0].face != jz->runs[0].face || zh->g[0].gid != jz->g[0].gid);
    CHECK(differ, "shape-1.6 直 in zh-Hans and in ja: different faces or glyphs");
    CHECK(zh->nruns && !strcmp(tb_face_id(zh->runs[0].face), "noto-serif-cjk-sc"),
          "shape-1.7 zh-Hans body text is set in Noto Serif CJK SC");

    tb_shaped *mix = tb_shape_para(sh, a, para(a, "漢字とLatin", "body", "ja"));
    bool latin_run = false;
    for (size_t i = 0; i < mix->nruns; i++)
        if (mix->runs[i].script == HB_SCRIPT_LATIN) latin_run = true;
    CHECK(mix->nruns >= 2 && latin_run, "shape-1.8 Han and Latin shape as separate runs");

    tb_diags_clear(ctx->diags);
    tb_shaped *pua = tb_shape_para(sh, a, para(a, "私用\xEE\x80\x80文字", "body", "ja"));
    CHECK_STR(t_diags_text(ctx->diags),
              "3:5: error: no font has the character U+E000 '\xEE\x80\x80' (role 'body', language 'ja')",
              "shape-2.1 a character no font has is an error naming U+E000");
    CHECK(pua->ng == 4, "shape-2.2 the other characters are still shaped (got %zu glyphs)", pua->ng);

    tb_arena_free(a);
    tb_shaper_free(sh);
    tb_ctx_free(ctx);
    return t_done();
}
