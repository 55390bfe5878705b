/*
** shape.h — the itemize-and-shape stage: styled paragraphs → glyphs.
**
** A paragraph is split into runs wherever its style span, script (Common
** and Inherited characters join their neighbours; Han, Hiragana and
** Katakana shape as one run) or font changes.  The font of a character is
** the first face of the catalogue's chain for the span's role, weight and
** language that has it; a character no face has is an error naming it.
** Each run is shaped by HarfBuzz with its script, language and direction.
**
** Valid after tb_shape_doc(); allocated in the document's arena.
*/
#ifndef TB_SHAPE_H
#define TB_SHAPE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../base/arena.h"
#include "../base/ctx.h"
#include "../font/font.h"
#include "../style/style.h"

typedef struct tb_sglyph {
    uint32_t gid;
    uint32_t cluster;     /* byte offset in para->text where its cluster starts */
    float adv;            /* pt: advance along the line */
    float dx, dy;         /* pt: offset along the line (dx) and across it
                             (dy: upwards in horizontal text, to the right
                             in vertical text), from the pen position */
    uint32_t run;         /* index into tb_shaped.runs */
    float half_w;         /* pt: full-width punctuation on its half-em body
                             as the font's halt/vhal feature sets it: the
                             advance, and the shift along the line (0: the
                             font has no such feature; break assumes ½ em) */
    float half_shift;
} tb_sglyph;

/* How a run stands in its line. */
typedef enum {
    TB_OR_HORIZONTAL,     /* horizontal text */
    TB_OR_UPRIGHT,        /* vertical text, glyphs upright (TTB, vert/vrt2) */
    TB_OR_SIDEWAYS,       /* vertical text, Latin turned 90° clockwise */
    TB_OR_TCY,            /* vertical text, a short run set across (縦中横) */
} tb_orient;

typedef struct tb_srun {
    tb_face *face;        /* (transfer none) */
    float size;           /* pt */
    bool fake_bold;
    const tb_span *span;  /* style of this run (colour, rise, link, lang) */
    uint32_t start, end;  /* bytes of para->text */
    uint32_t g0, g1;      /* glyphs [g0, g1) */
    hb_script_t script;
    tb_orient orient;
    uint8_t level;        /* bidi embedding level (odd: right to left); the
                             glyphs of every run are in logical order */
} tb_srun;

typedef struct tb_shaped tb_shaped;
struct tb_shaped {
    const tb_para *para;
    tb_sglyph *g;         /* in logical order */
    size_t ng;
    tb_srun *runs;
    size_t nruns;
    tb_shaped **rt;        /* para->nruby readings, shaped at ruby size */
    tb_shaped *boten;      /* the emphasis dot (﹅), when a span asks for it */
    uint8_t base_level;    /* paragraph direction: 1 right to left */
};

/* A styled block with its shaped text; mirrors the tb_sblock tree. */
typedef struct tb_shblock {
    const tb_sblock *sb;
    tb_shaped *text;      /* NULL when the block has no text */
    tb_shaped *aux;       /* marker or toc number */
    tb_shaped *running;   /* running-head text of a level-1 heading */
    struct tb_shblock *first, *next;
} tb_shblock;

typedef struct tb_shaped_doc {
    const tb_styled *styled;
    tb_shblock *cover, *body, *back;
    tb_shaped *folio_digits;
    tb_shaped *running_title;
} tb_shaped_doc;

typedef struct tb_shaper tb_shaper;

/* One shaper per process: it keeps a HarfBuzz buffer and the font chains
** it has looked up.  NULL (with an error) when the font catalogue fails. */
tb_shaper *tb_shaper_new(tb_ctx *ctx);
void tb_shaper_free(tb_shaper *sh);

tb_shaped_doc *tb_shape_doc(tb_shaper *sh, tb_arena *a, const tb_styled *st);
/* The document is done (its arena is about to be freed): forget the
** paragraphs shaped for it.  Must be called before the next document. */
void tb_shaper_end_document(tb_shaper *sh);
tb_shaped *tb_shape_para(tb_shaper *sh, tb_arena *a, const tb_para *p);

/* Every run of a shaped document (its blocks, their markers, running
** heads, ruby and emphasis dots, the folio digits): FN gets the run's face,
** whether it is set upright in vertical text, and its N glyph ids, STRIDE
** bytes apart.  For work that can begin before the pages exist (render
** subsets the fonts early). */
typedef void (*tb_glyphs_fn)(void *ud, tb_face *face, bool vertical, const uint32_t *gids, size_t n,
                             size_t stride);
void tb_shaped_doc_glyphs(const tb_shaped_doc *d, tb_glyphs_fn fn, void *ud);

#endif
