/*
** layout.h — the layout language: layouts/<name>.xml, read once per
** process and shared by every guide that names it.
**
** A layout fixes the page geometry (size, margins, columns), the masters
** (cover, body, back cover) with their folios, per-language strings and the
** style rules that the style stage applies.  Lengths are stored in points;
** "em" lengths keep their unit and are resolved against the font size.
** Documented for users in layouts/README.md.
*/
#ifndef TB_LAYOUT_H
#define TB_LAYOUT_H
#include <stdbool.h>
#include <stddef.h>
#include "../base/ctx.h"
#include "../base/color.h"

typedef struct tb_len {
    float v;       /* pt, or em when em is true */
    bool em;
} tb_len;

typedef enum { TB_ALIGN_JUSTIFY, TB_ALIGN_START, TB_ALIGN_CENTER, TB_ALIGN_END } tb_align;

/* Style properties; a rule sets some of them (mask bits TB_P_*). */
enum {
    TB_P_FONT = 1 << 0, TB_P_BOLD = 1 << 1, TB_P_SIZE = 1 << 2, TB_P_LEADING = 1 << 3,
    TB_P_COLOR = 1 << 4, TB_P_BEFORE = 1 << 5, TB_P_AFTER = 1 << 6, TB_P_INDENT = 1 << 7,
    TB_P_START = 1 << 8, TB_P_END = 1 << 9, TB_P_ALIGN = 1 << 10, TB_P_BORDER = 1 << 11,
    TB_P_BACKGROUND = 1 << 12, TB_P_PADDING = 1 << 13, TB_P_KEEP = 1 << 14,
    TB_P_BREAK_BEFORE = 1 << 15, TB_P_MARKER = 1 << 16, TB_P_SPAN = 1 << 17,
    TB_P_RISE = 1 << 18, TB_P_RULE_BELOW = 1 << 19,
};

typedef struct tb_props {
    unsigned mask;
    const char *font;          /* font role: "body", "heading", … */
    bool bold;
    tb_len size, leading;      /* leading: baseline to baseline */
    tb_color color;
    tb_len before, after;      /* space before / after a block */
    tb_len indent;             /* first-line indent */
    tb_len start, end;         /* block margins (left/right in horizontal) */
    tb_align align;
    tb_len border;             /* border width; colour in border_color */
    tb_color border_color;
    tb_color background;
    tb_len padding;
    bool keep_with_next;
    bool break_before;         /* page break before (e.g. a level-1 section) */
    const char *marker;        /* list marker: "・", "●", "decimal", "(decimal)" */
    bool span_columns;         /* a block across all columns */
    tb_len rise;               /* baseline shift (sup/sub), em */
    tb_len rule_below;         /* a rule under the block (headings) */
    tb_color rule_color;
} tb_props;

typedef struct tb_rule {
    /* selector "el", "el.class", or "ancestor[.class] el[.class]" */
    const char *el, *cls, *ancestor, *ancestor_cls;
    const char *langs;         /* space-separated language prefixes the rule
                                  is for ("ja zh ko"), NULL for all */
    tb_props props;
    int line;                  /* in the layout file */
} tb_rule;

typedef struct tb_master {
    const char *name;          /* "cover", "body", "back-cover" */
    int columns;
    float column_gap;          /* pt */
    float top, bottom, inner, outer; /* margins, pt */
    bool folio;                /* page number shown */
    bool valign_center;        /* cover: blocks centred vertically */
    float grid;                /* pt: line grid (行送り) of the body text, 0 off */
    /* panels of a folded leaflet: widths of the columns on odd and even
    ** pages, the padding inside each panel, and which panel (1-based, in
    ** reading order) stands in each slot of the sheet (pages left to right) */
    float colw[12], colw_verso[12];
    int ncolw, ncolw_verso;
    float panel_padding;
    int panel_order[24];
    int npanel_order;
    tb_color background;       /* a full-bleed page background */
    bool has_background;
    int line;                  /* of <master> in the layout file, 0 default */
} tb_master;

typedef struct tb_layout {
    const char *name, *file;   /* owned by the layout */
    float width, height;       /* trim, pt */
    bool facing;               /* inner/outer margins alternate */
    bool saddle;               /* saddle-stitched: pages a multiple of 4 */
    float bleed;               /* pt */
    /* print variant (read by render): <page pdfx ink-limit marks> */
    int pdfx;                  /* 1 PDF/X-1a:2001 (default), 4 PDF/X-4 */
    float ink_limit;           /* percent: fills above it are warned about */
    bool no_marks;             /* marks="false": no trim marks and no slug */
    int page_line;             /* line of <page> in the file, 0 when none */
    const char *lang;          /* the language the layout is designed for */
    tb_master cover, body, back;
    /* folio */
    const char *folio_format;  /* "%d", "- %d -", "P%d" */
    tb_len folio_size;
    const char *folio_font;
    float folio_offset;        /* pt from the bottom trim edge to the baseline */
    int folio_pos;             /* 0 centre, 1 outer edge */
    tb_color folio_color;
    /* strings, per language prefix: "ref" → "P%d" */
    struct tb_string { const char *name, *lang, *value; } *strings;
    size_t nstrings;
    tb_rule *rules;
    size_t nrules;
    bool hang_punct;           /* ぶら下がり of 、。 at line end */
    bool ruby_jukugo;          /* mono ruby of a word set as 熟語ルビ */
    bool ruby_reserve;         /* every line keeps room for ruby (else only
                                  lines carrying ruby grow) */
    bool furigana_parens;      /* <page furigana-style="parentheses">: automatic
                                  readings as 漢字（かんじ）, not ruby (src/furigana) */
    bool vertical;             /* writing-mode vertical-rl (縦書き): lines top to
                                  bottom, right to left; 段 stacked downwards;
                                  pages progress right to left */
    /* running head on body pages: the guide's title on left-hand pages,
    ** the current level-1 section on right-hand ones (either may be off) */
    bool head_title, head_section;
    tb_len head_size;
    const char *head_font;
    float head_offset;         /* pt from the top trim edge to the baseline */
    int head_pos;              /* 0 centre, 1 outer edge */
    tb_color head_color;
} tb_layout;

/* Load NAME (a name found in ctx->layouts_dir or the share folder, or a file
** path ending in .xml).  Loaded layouts are cached in the returned handle's
** owner; errors (with the layout file's line) go to ctx->diags. */
typedef struct tb_layouts tb_layouts;
tb_layouts *tb_layouts_new(tb_ctx *ctx);
void tb_layouts_free(tb_layouts *ls);
const tb_layout *tb_layouts_get(tb_layouts *ls, const char *name_or_file,
                                const char *from_file, int from_line);

/* A per-language string of the layout ("ref", "toc-title"); FALLBACK when
** the layout has none. */
const char *tb_layout_string(const tb_layout *l, const char *name, const char *lang,
                             const char *fallback);

/* Parse a length ("12mm", "9.5pt", "14Q", "1em", "0"); false if malformed. */
bool tb_len_parse(const char *s, tb_len *out);
/* Parse a colour ("cmyk(0,0,0,100)", "#RRGGBB", "cmyk(…) rgb(…)"). */
bool tb_color_parse(const char *s, tb_color *out);

#endif
