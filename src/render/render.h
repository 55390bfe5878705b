/*
** render.h — the last stage: laid-out pages to PDF bytes, through libharu.
**
** The only module that includes hpdf.h.  Text is written as HarfBuzz glyph
** ids through Type0/Identity-H fonts whose CIDFonts embed hb-subset subsets,
** with /W widths and a ToUnicode CMap (see pdffont.h).
*/
#ifndef TB_RENDER_H
#define TB_RENDER_H
#include <stdbool.h>
#include <stddef.h>
#include "../base/ctx.h"
#include "../font/font.h"
#include "../paginate/pages.h"

typedef enum { TB_VARIANT_WEB, TB_VARIANT_PRINT } tb_variant;

struct tb_layout; /* style/layout.h */

/* Font subsets begun early, on the run's second core (tb_ctx_workq),
** from the glyphs the guide was first shaped with, while its pages are
** still being laid out (with every digit, for page numbers, and the
** hyphen a line may end in): render takes a face's subset when it holds
** the glyphs drawn and at most 10 (or 1 %) more, and makes the others
** itself.  One per
** document; add every run's glyphs (N ids, STRIDE bytes apart; VERTICAL:
** set upright in vertical text), then start.  Free after the render
** (it waits for what was begun and not taken).  NULL when out of memory;
** every function accepts NULL. */
typedef struct tb_early_fonts tb_early_fonts;
tb_early_fonts *tb_early_fonts_new(tb_ctx *ctx, tb_variant variant);
void tb_early_fonts_add(tb_early_fonts *e, tb_face *face, bool vertical, const uint32_t *gids, size_t n,
                        size_t stride);
void tb_early_fonts_start(tb_early_fonts *e);
void tb_early_fonts_free(tb_early_fonts *e);

typedef struct tb_render_opts {
    tb_variant variant;
    long long epoch;          /* creation date, seconds since 1970 (from
                                 SOURCE_DATE_EPOCH or the inputs' mtime) */
    const char *guide_name;   /* "in-spiral.ja", for the slug line and /ID */
    /* optional (zero = defaults): */
    const struct tb_layout *layout; /* print settings (pdfx, ink-limit, marks,
                                 binding) and, for diagnostics, the layout
                                 file and the lines of its colours */
    const char *guide_file;   /* the guide's path: where preflight findings
                                 are reported (else guide_name) */
    bool back_cover;          /* the last page is a back cover: blank pages
                                 that a saddle stitch needs go before it */
    tb_early_fonts *early;    /* subsets already under way (borrowed; may
                                 be NULL) */
    bool *input_error;        /* when not NULL, set to whether a failed
                                 render failed on its input (a preflight
                                 error, a damaged image: exit status 1)
                                 rather than on I/O or inside (3) */
} tb_render_opts;

/* Render PAGES to a complete PDF in memory.  The print variant also runs
** the preflight (image resolution, total ink, text near the trim or below
** 6 pt, a saddle stitch's page count): findings are warnings or errors in
** ctx->diags; an error fails the render.  On success *OUT is a malloc'd
** buffer of *LEN bytes that the caller frees.  On failure returns false,
** *OUT is NULL and the reason is in ctx->diags; nothing is written to disk
** here (the driver writes the file atomically). */
bool tb_render_pdf(tb_ctx *ctx, const tb_pages *pages,
                   const tb_render_opts *opts, unsigned char **out,
                   size_t *len);

#endif
