/*
** pages.h — the laid-out document: what paginate produces and render draws.
**
** A page is a list of items (glyph runs, rectangles, rules, links, images)
** in page coordinates: points (1/72 in), origin at the top-left corner of
** the TRIM box, y growing downwards.  Render maps them to PDF space and
** adds what depends on the output variant (bleed, trim marks, colour space).
** Nothing here knows about PDF or libharu.
**
** Everything is allocated in the document's arena and valid until
** tb_arena_free().
*/
#ifndef TB_PAGES_H
#define TB_PAGES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../base/color.h"
#include "../base/glyph.h"
#include "../base/structure.h"

typedef struct tb_face tb_face; /* font/font.h; owned by the catalogue */


/* One glyph of a run: tb_glyph, base/glyph.h. */

typedef struct tb_glyph_run {
    tb_face *face;      /* (transfer none) */
    float size;         /* pt */
    bool vertical;      /* glyphs shaped TTB: set with the font's vertical
                           metrics (Identity-V); x,y are vertical origins */
    bool fake_bold;     /* embolden synthetically (fill+stroke) */
    bool sideways;      /* horizontal glyphs turned 90° clockwise (Latin in
                           vertical text); x,y are their baseline origins */
    tb_color color;
    float x, y;         /* pt: run origin = baseline start (horizontal) or
                           centre-top of the column (vertical) */
    const char *text;   /* UTF-8 the glyphs stand for, in logical order */
    size_t ntext;
    const tb_glyph *glyphs;
    size_t n;
    const char *lang;   /* BCP 47 of this run, NULL = the document's */
    int line, col;      /* where its text is in the guide (for the print
                           preflight's findings); 0 for what the layout
                           adds (folios, running heads, the slug) */
} tb_glyph_run;

typedef enum {
    TB_IT_GLYPHS,   /* a glyph run */
    TB_IT_RECT,     /* a filled and/or stroked rectangle */
    TB_IT_RULE,     /* a straight line */
    TB_IT_LINK,     /* a clickable area: URI or page in this document */
    TB_IT_IMAGE     /* a raster image from a file */
} tb_item_kind;

typedef struct tb_rect_item {
    float x, y, w, h;        /* pt, y downwards; (x,y) is the top-left */
    bool fill, stroke;
    tb_color fill_color, stroke_color;
    float stroke_width;      /* pt */
} tb_rect_item;

typedef struct tb_rule_item {
    float x1, y1, x2, y2;    /* pt */
    float width;             /* pt */
    tb_color color;
    bool dotted;
} tb_rule_item;

typedef struct tb_link_item {
    float x, y, w, h;        /* pt: the clickable area */
    const char *uri;         /* external link, or NULL */
    int page;                /* internal target page (0-based) when uri NULL */
    float target_y;          /* pt on that page */
} tb_link_item;

typedef struct tb_image_item {
    float x, y, w, h;        /* pt: placed size */
    const char *path;        /* resolved, checked file path */
    const char *alt;
    int line, col;           /* the <img> in the guide; 0 when unknown */
} tb_image_item;

typedef struct tb_item {
    tb_item_kind kind;
    bool artifact;           /* running head, folio, decoration */
    int st;                  /* structure element of the content, -1 none */
    struct tb_item *next;
    union {
        tb_glyph_run glyphs;
        tb_rect_item rect;
        tb_rule_item rule;
        tb_link_item link;
        tb_image_item image;
    } u;
} tb_item;

typedef struct tb_page {
    float w, h;              /* pt: trim size */
    tb_item *first, *last;   /* in drawing order */
    int folio;               /* printed page number, 0 = none */
} tb_page;

typedef struct tb_outline_entry {
    const char *title;       /* UTF-8 */
    int level;               /* 1..4 */
    int page;                /* 0-based */
    float y;                 /* pt from the top of the trim */
} tb_outline_entry;

typedef struct tb_doc_meta {
    const char *title, *subtitle, *author, *publisher, *date;
    const char *description, *keywords;
    const char *lang;        /* BCP 47 of the guide */
} tb_doc_meta;

typedef struct tb_pages {
    tb_page *pages;
    size_t n;
    tb_outline_entry *outline;
    size_t n_outline;
    tb_doc_meta meta;
    bool right_to_left;      /* page progression R2L (vertical writing) */
    const tb_struct *structs; /* the structure tree (structs[0] = Document) */
    size_t nstructs;
    float bleed;             /* pt: bleed the layout asks for (print) */
} tb_pages;

#endif
