/*
** paginate.h — the pagination stage: set lines → pages.
**
** Places the blocks of the cover, the body and the back cover into the
** frames of the layout's masters (columns on pages), keeping headings with
** what follows, avoiding single lines of a paragraph at the foot or the
** head of a column (widows and orphans), drawing boxes, rules, list
** markers, contents leaders and folios, and recording on which page every
** id stands (for refs and the contents, and the outline).  A widow or an
** orphan these rules cannot avoid (a column shorter than the lines they
** need) is a warning of kind "widow" or "orphan" at the paragraph's line.
**
** Invariants the placer keeps (the paginator's state, in order):
**  (1) y is the top of the free space in the current column, in pt from the
**      top of the trim; it only grows within a column;
**  (2) a block starts in a column only if its first lines (all of them, or
**      two, for a paragraph that may split) fit below y (below the line
**      grid's next line, where there is a grid);
**  (3) a heading (keep-with-next) starts only where the first lines of the
**      block after it also fit;
**  (4) when a column is full the next column starts at the top of the
**      current region, and after the last column a new page starts.
*/
#ifndef TB_PAGINATE_H
#define TB_PAGINATE_H
#include "../base/arena.h"
#include "../base/ctx.h"
#include "../break/break.h"
#include "pages.h"

/* Lay DOC out.  *MAP receives the page of every id (arena); returns NULL
** after an error (too many pages: ctx->limits.max_pages). */
tb_pages *tb_paginate(tb_ctx *ctx, tb_arena *a, const tb_lined_doc *doc, tb_pagemap *map);

#endif
