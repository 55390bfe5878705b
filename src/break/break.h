/*
** break.h — the line-breaking stage: shaped paragraphs → set lines.
**
** Break opportunities come from ICU's line break iterator (UAX #14; for
** Japanese with the strict rules), then JLREQ kinsoku is enforced on top
** (no line starts with closing brackets, 、。・：；？！ー, small kana or
** iteration marks; none ends with an opening bracket; nothing breaks
** inside nobr, a ref or a ruby group).  Full-width punctuation is set on
** its half-em body with the JLREQ spacing (aki) around it, resolved between
** neighbours (」「 → ½ em, 」。 → solid), dropped at line ends and at the
** start of continuation lines; ¼ em separates kana/kanji from Latin letters
** and digits.  Lines are filled greedily, preferring to shrink over
** stretching (JLREQ 3.8.2), and justified by taking space from and giving
** space to the adjustable places in JLREQ's priority order (3.8.3, 3.8.4)
** before spreading the rest between characters.
**
** Warnings, each once a paragraph at its span's line (kinds for the quality
** report): "overfull line" (no break point lets a line fit), "loose line"
** (justified word spaces over 500 % of their width, in languages written
** with spaces), "kinsoku" (a run without a break point cut where a rule
** forbids: the rule yields).
**
** Valid after tb_break_doc(); allocated in the document's arena.
*/
#ifndef TB_BREAK_H
#define TB_BREAK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../base/arena.h"
#include "../base/ctx.h"
#include "../base/glyph.h"
#include "../shape/shape.h"

/* A glyph set on a line: x, y from the line start on the baseline (y
** down); text, ntext into the paragraph's text (or the run's reading).
** The same type as a page's glyphs, so paginate can hand them on. */
typedef tb_glyph tb_lglyph;

typedef struct tb_lrun {
    tb_face *face;         /* (transfer none) */
    float size;            /* pt */
    bool fake_bold;
    const tb_span *span;   /* colour, rise, link, language */
    tb_lglyph *g;
    size_t n;
    float x0, x1;          /* pt: extent on the line (for link areas) */
    const char *text;      /* text the glyphs' offsets refer to: NULL for
                              the paragraph's, else a ruby reading */
    size_t ntext;
    bool ruby;             /* a reading set above its base */
    tb_orient orient;      /* upright, sideways or across in vertical text */
    bool rtl;              /* right to left (odd bidi level) */
    int st;                /* structure element: -1 the span's, -2 none
                              (a decoration: emphasis dots); ruby: its RT */
} tb_lrun;

typedef struct tb_line {
    tb_lrun *runs;
    size_t nruns;
    float width;           /* pt: set width, from the line start */
    float ascent, descent; /* pt above / below the baseline */
    uint32_t start, end;   /* bytes of para->text on this line */
    bool hard;             /* ends in a forced break (br) */
    bool ruby;             /* carries ruby (or emphasis dots) */
    bool overfull;         /* no break point let the line fit */
} tb_line;

typedef struct tb_lines {
    const tb_para *para;   /* (transfer none) */
    tb_line *v;
    size_t n;
} tb_lines;

/* A block with its lines; mirrors the tb_shblock tree. */
typedef struct tb_lblock {
    const tb_sblock *sb;
    tb_lines *text;        /* NULL for blocks without text */
    tb_lines *aux;         /* marker / toc number: one line, start-aligned */
    tb_lines *running;     /* running-head text: one line */
    struct tb_lblock *first, *next;
} tb_lblock;

typedef struct tb_lined_doc {
    const tb_styled *styled;
    tb_lblock *cover, *body, *back;
    tb_lines *folio_digits;
    tb_lines *running_title;
} tb_lined_doc;

typedef struct tb_breaker tb_breaker;

/* One per process; keeps ICU break iterators per locale. */
tb_breaker *tb_breaker_new(tb_ctx *ctx);
void tb_breaker_free(tb_breaker *br);

typedef struct tb_break_opts {
    float measure;         /* pt: line length */
    float indent;          /* pt: first-line indent (may be negative) */
    tb_align align;
    bool hang;             /* 、。 may hang past the line end */
} tb_break_opts;

tb_lines *tb_break_para(tb_breaker *br, tb_arena *a, const tb_shaped *sp,
                        const tb_break_opts *o);

/* Between begin and end, a paragraph equal in text, spans, ruby and options
** to one already broken gets the same lines (read-only, in the arena the
** first were made in, which must outlive the document) and its findings
** again: tb_typeset's later passes re-break only what changed.  Call end
** before that arena is freed. */
void tb_breaker_begin_document(tb_breaker *br);
void tb_breaker_end_document(tb_breaker *br);
tb_lined_doc *tb_break_doc(tb_breaker *br, tb_arena *a, const tb_shaped_doc *d);

/* JLREQ character classes used by the rules (exposed for unit tests). */
bool tb_kinsoku_no_start(uint32_t cp);  /* may not begin a line */
bool tb_kinsoku_no_end(uint32_t cp);    /* may not end a line */

#endif
