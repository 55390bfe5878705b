/*
** style.h — the style stage: document tree + layout → styled blocks.
**
** Each block of the guide becomes a tb_sblock with its computed style and,
** where it holds text, a paragraph: the text as one UTF-8 string with
** inline spans (font role, weight, size, colour, language, link) and ruby
** annotations.  Cross references and contents entries get their page
** numbers from a page map (NULL on the first pass: the driver lays the
** guide out again until the numbers are stable).
**
** Valid after tb_style_run(); allocated in the document's arena.
*/
#ifndef TB_STYLE_H
#define TB_STYLE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../base/arena.h"
#include "../base/color.h"
#include "../base/ctx.h"
#include "../parse/doc.h"
#include "layout.h"
#include "../base/structure.h"

/* An inline run of a paragraph: text[start, end) in one style. */
typedef struct tb_span {
    uint32_t start, end;      /* bytes in para->text */
    const char *font;         /* font role */
    bool bold;
    float size;               /* pt */
    tb_color color;
    const char *lang;         /* BCP 47 */
    float rise;               /* pt, baseline shift upwards (sup, sub < 0) */
    const char *href;         /* link target URI, or NULL */
    const char *dest;         /* internal link target id, or NULL */
    bool nobr;                /* no break inside */
    bool tcy;                 /* upright in vertical text (縦中横) */
    bool boten;               /* emphasis dots (傍点) over each character */
    int st;                   /* structure element (Link, Span, RB), -1: the block's */
    int line, col;            /* source position (for diagnostics) */
} tb_span;

/* A ruby annotation over text[start, end). */
typedef struct tb_ruby {
    uint32_t start, end;
    const char *text;         /* the reading, UTF-8 */
    bool mono;                /* one reading per base character */
    bool jukugo;              /* mono readings of one word set together
                                 when one overflows its character (熟語ルビ) */
    int st;                   /* its RT structure element */
} tb_ruby;

typedef struct tb_para {
    const char *text;         /* UTF-8, white space already processed */
    uint32_t len;
    tb_span *spans;           /* cover text[0, len) in order, no gaps */
    size_t nspans;
    tb_ruby *ruby;
    size_t nruby;
    const char *lang;         /* the paragraph's language */
    const char *file;         /* source file for diagnostics */
    bool vertical;            /* set in vertical lines (縦書き) */
} tb_para;

typedef enum {
    TB_SB_PARA,        /* a paragraph, heading, list item, toc entry */
    TB_SB_BOX,         /* aside, blockquote: children in a frame */
    TB_SB_RULE,        /* hr */
    TB_SB_PAGEBREAK,
    TB_SB_COLUMNBREAK,
    TB_SB_IMAGE,
    TB_SB_TABLE,       /* children: TB_SB_ROW blocks */
    TB_SB_ROW,         /* children: TB_SB_CELL blocks */
    TB_SB_CELL,        /* children: the cell's content blocks */
    TB_SB_QR,          /* a QR code: qr_n × qr_n modules */
} tb_sblock_kind;

typedef enum { TB_AREA_COVER, TB_AREA_BODY, TB_AREA_BACK } tb_area;

typedef struct tb_sblock {
    tb_sblock_kind kind;
    tb_area area;
    struct tb_sblock *next;       /* next block in its area or box */
    struct tb_sblock *first;      /* TB_SB_BOX: the blocks inside */
    const tb_node *src;           /* the element (line, id) */
    const char *id;               /* the element's id (ref target) */
    /* computed style (points) */
    float size, leading;          /* of the paragraph's own text */
    float before, after;          /* space around the block */
    float start, end;             /* margins from the frame edges */
    float indent;                 /* first-line indent */
    tb_align align;
    bool keep_with_next, break_before, span_columns;
    float border, padding;        /* boxes */
    tb_color border_color, background, rule_color;
    bool has_background;
    float rule_below;             /* width of a rule under the block */
    float measure;                /* line length for the text, pt */
    /* text */
    tb_para *para;                /* NULL for rules and breaks */
    tb_para *aux;                 /* list marker or toc page number */
    float aux_width;              /* room the marker hangs in (pt) */
    bool aux_right;               /* aux is a toc page number (leader) */
    int heading;                  /* 1..4 for section titles, else 0 */
    const char *outline;          /* heading text for the PDF outline */
    const char *target;           /* toc entry: id of the section */
    tb_para *running;             /* level-1 heading: its running-head text */
    /* image */
    const char *img_path;         /* resolved, inside the guide's folder */
    float img_w, img_h;           /* placed size, pt (also a QR code's) */
    /* tables: a cell's place in the grid and its frame */
    int col, colspan, rowspan;    /* TB_SB_CELL */
    float cell_x, cell_w;         /* pt from the table's left edge */
    float pad_x;                  /* pt: a cell's padding left and right */
    bool header;                  /* TB_SB_ROW of thead; TB_SB_CELL th */
    /* QR code */
    int qr_n;                     /* modules a side, 0 = none */
    const unsigned char *qr;      /* qr_n*qr_n bytes, 1 = dark */
    const char *href;             /* QR target (a link over it) */
    int st, st_aux;               /* structure elements of the block and of
                                     its marker (Lbl) or page number */
} tb_sblock;

typedef struct tb_styled {
    const tb_doc *doc;
    const tb_layout *layout;
    tb_sblock *cover, *body, *back;  /* block lists */
    const char *title, *subtitle, *author, *publisher, *date;
    const char *description, *keywords, *lang;
    tb_para *folio_digits;           /* "0123456789" in the folio style */
    tb_para *running_title;          /* the guide's title in the head style */
    const char *folio_format;
    bool page_numbers;               /* refs or contents print page numbers:
                                        the layout must run again */
    tb_struct *structs;              /* the logical structure (pages.h) */
    size_t nstructs;
} tb_styled;

/* The page each id stands on, found by paginate (0-based; -1 unknown). */
typedef struct tb_pagemap {
    const char **ids;
    int *pages;
    size_t n;
} tb_pagemap;

tb_styled *tb_style_run(tb_ctx *ctx, tb_arena *a, const tb_doc *doc,
                        const tb_layout *layout, const tb_pagemap *pages);

/* The computed frame widths: the measure of a full column of a master. */
float tb_style_column_width(const tb_layout *l, const tb_master *m);

#endif
