/*
** pdffont.h — embedded fonts of one PDF: HarfBuzz glyph ids to Type0 codes.
**
** Each tb_face drawn in a document gets one Type0 font (Identity-H), and a
** second one (Identity-V) the first time a vertical run uses the face; both
** share one descriptor, one font file, one ToUnicode CMap and (TrueType)
** one CIDToGIDMap.  Codes are 2 bytes:
**   - glyf fonts (CIDFontType2): our own sequential CID per distinct
**     (glyph id, cluster text) pair, mapped to the subset's new glyph id by
**     /CIDToGIDMap, so a ligature or a glyph shared by two characters
**     always gets an exact ToUnicode entry;
**   - CFF fonts (CIDFontType0): the glyph's CID in a CID-keyed font (kept
**     by hb-subset), its glyph id in a name-keyed one (subset with
**     retain-gids); one code per glyph, the first text seen maps it.
** The PDF objects are created when a face is first used, so content can
** reference them at once; tb_pdffonts_finish() subsets every face with
** hb-subset and fills in the font files, widths and CMaps, once, before
** the document is saved.
**
** Only render.c uses this header.  Errors of our own (a broken face, too
** many glyphs, hb-subset failing) go to the context's diagnostics under
** the file name given to tb_pdffonts_new().  A libharu failure is not
** reported here: it stays in the document's error state (HPDF_GetError)
** for render.c to report once, as it does for its own libharu calls.
*/
#ifndef TB_PDFFONT_H
#define TB_PDFFONT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hpdf.h>
#include "../base/ctx.h"
#include "../font/font.h"
#include "../base/workq.h"

typedef struct tb_pdffonts tb_pdffonts; /* the fonts of one document */
typedef struct tb_early_fonts tb_early_fonts; /* render.h */
typedef struct tb_pdffont tb_pdffont;   /* one face in it; owned by the set */

/* What a run needs to write one glyph. */
typedef struct tb_pdfglyph {
    uint16_t code;   /* the 2-byte code to write in a TJ string */
    float w;         /* 1/1000 em: horizontal advance declared in /W */
    float w1y;       /* 1/1000 em: vertical advance declared in /W2
                        (negative: downwards, as PDF wants it) */
} tb_pdfglyph;

/* A new empty set for PDF, whose objects it adds to as faces are used.
** FILE (borrowed, must outlive the set) names the output in diagnostics.
** NULL when out of memory (reported). */
tb_pdffonts *tb_pdffonts_new(tb_ctx *ctx, HPDF_Doc pdf, const char *file);
/* The zlib level of the font programs (default TB_DEFLATE_WEB). */
void tb_pdffonts_set_level(tb_pdffonts *set, int level);
/* Free the set's own memory.  The PDF objects belong to the HPDF_Doc and
** go with HPDF_Free().  Accepts NULL. */
void tb_pdffonts_free(tb_pdffonts *set);

/* The font for FACE, created on first use (the face must be open).  NULL
** on failure: a face without FreeType access or an unusable CFF (reported),
** or a libharu error (left in the document). */
tb_pdffont *tb_pdffonts_get(tb_pdffonts *set, tb_face *face);

/* The Type0 font dictionary to select with Tf: Identity-H, or Identity-V
** (created on first call) when VERTICAL.  (transfer none) owned by the
** document.  NULL on a libharu error (left in the document). */
HPDF_Dict tb_pdffont_type0(tb_pdffont *f, bool vertical);

/* The code for glyph GID standing for TEXT (NTEXT bytes of UTF-8; 0 for
** a glyph that continues a cluster).  Returns false (reported) when the
** face has no such glyph or the font runs out of its 65,535 codes. */
bool tb_pdffont_glyph(tb_pdffont *f, uint32_t gid, const char *text,
                      size_t ntext, tb_pdfglyph *out);

/* Subset every face and write font files, /W, /W2, CIDToGIDMap, ToUnicode,
** descriptors and subset names.  Call exactly once, after the last glyph
** and before saving; a second call fails.  Returns false on an hb-subset
** failure (reported) or a libharu one (left in the document). */
bool tb_pdffonts_finish(tb_pdffonts *set);

/* Subsetting ahead, on a second core.  Before the first page is drawn,
** declare every glyph a face will be drawn with (GIDS: N glyph ids, STRIDE
** bytes apart) and whether any run sets it vertically; then start: each
** declared face's subset and deflate become a job on Q (the most glyphs
** first), done while the pages are drawn.  A face that EARLY (may be NULL:
** render.h) began to subset with the same glyphs, or at most 10 (or 1 %) more,
** takes that job instead; EARLY's other jobs are cancelled if not begun.
** Finish waits for Q and uses each subset whose glyphs are exactly the
** glyphs used (an early one: at least them; else subsets again).
** Declaring is optional; so is starting.  Q must outlive the jobs: wait
** for it (or free it) before tb_pdffonts_free. */
void tb_pdffonts_declare(tb_pdffonts *set, tb_face *face, bool vertical, const uint32_t *gids, size_t n,
                         size_t stride);
void tb_pdffonts_start(tb_pdffonts *set, tb_workq *q, tb_early_fonts *early);

#endif
