/*
** typeset.h — the middle of the pipeline as one call: style → shape →
** break → paginate, run again (at most TB_TYPESET_MAX_PASSES times) while
** the page numbers the guide prints (refs, the contents) change.  Used by
** the driver (src/main.c) and the fuzz targets, so that both typeset a
** guide the same way.
*/
#ifndef TB_TYPESET_H
#define TB_TYPESET_H
#include <stdbool.h>
#include "../base/arena.h"
#include "../base/ctx.h"
#include "../break/break.h"
#include "../paginate/paginate.h"
#include "../parse/doc.h"
#include "../shape/shape.h"
#include "../style/layout.h"

enum { TB_TYPESET_MAX_PASSES = 5 };

/* Called once, after the first pass has shaped the guide (NULL: none):
** the driver starts work that needs the glyphs but not the pages. */
typedef struct tb_typeset_hook {
    void (*shaped)(void *ud, const tb_shaped_doc *shd);
    void *ud;
} tb_typeset_hook;

/* The pages of DOC on LAY, allocated in A; NULL after an error (reported
** in ctx->diags: the diagnostics of earlier passes are dropped, those of
** the last pass stay).  *BACK_COVER: the guide has a back cover (render
** puts blank pages before it).  SH, BR and HOOK (may be NULL) are
** borrowed. */
tb_pages *tb_typeset(tb_ctx *ctx, tb_arena *a, tb_shaper *sh, tb_breaker *br, const tb_doc *doc,
                     const tb_layout *lay, const tb_typeset_hook *hook, bool *back_cover);

#endif
