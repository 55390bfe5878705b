/*
** typeset.c — style → shape → break → paginate until page numbers settle;
** see typeset.h.
*/
#include "typeset.h"
#include <string.h>
#include "../style/style.h"

static bool maps_equal(const tb_pagemap *a, const tb_pagemap *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->ids[i], b->ids[i]) || a->pages[i] != b->pages[i]) return false;
    return true;
}

tb_pages *tb_typeset(tb_ctx *ctx, tb_arena *a, tb_shaper *sh, tb_breaker *br, const tb_doc *doc,
                     const tb_layout *lay, const tb_typeset_hook *hook, bool *back_cover) {
    tb_pagemap map = {0}, prev = {0};
    tb_pages *pages = NULL;
    size_t mark = tb_diags_len(ctx->diags);
    *back_cover = false;
    /* each pass's pages in an arena of their own: an earlier pass's are
       dropped once the next pass has compared its page numbers (only its
       map is read, and nothing else points into them); the last is kept
       with A */
    tb_arena *earlier = NULL, *cur = NULL;
    tb_breaker_begin_document(br); /* later passes re-break only what changed */
    for (int pass = 0; pass < TB_TYPESET_MAX_PASSES; pass++) {
        tb_diags_truncate(ctx->diags, mark);
        const tb_styled *st = tb_style_run(ctx, a, doc, lay, pass ? &prev : NULL);
        *back_cover = st && st->back;
        const tb_shaped_doc *shd = tb_shape_doc(sh, a, st);
        if (pass == 0 && hook && hook->shaped && shd && !tb_diags_count(ctx->diags, TB_ERROR))
            hook->shaped(hook->ud, shd);
        const tb_lined_doc *ld = tb_break_doc(br, a, shd);
        cur = tb_arena_new();
        pages = tb_paginate(ctx, cur ? cur : a, ld, &map);
        if (!pages || tb_diags_count(ctx->diags, TB_ERROR)) {
            tb_breaker_end_document(br);
            tb_arena_free(earlier);
            tb_arena_free(cur);
            return NULL;
        }
        if (!st->page_numbers) break; /* nothing printed depends on pages */
        if (pass && maps_equal(&map, &prev)) break;
        prev = map;
        tb_arena_free(earlier);
        earlier = cur;
        cur = NULL;
    }
    tb_breaker_end_document(br);
    if (!cur) { /* every pass ran: the last one's pages went to EARLIER */
        cur = earlier;
        earlier = NULL;
    }
    tb_arena_free(earlier);
    tb_arena_adopt(a, cur);
    return pages;
}
