/*
** glyph.h — one positioned glyph, as the break stage sets it in a line and
** as a page's glyph run carries it to render (the same memory: paginate
** hands a horizontal line's glyphs to the page without copying them).
*/
#ifndef TB_GLYPH_H
#define TB_GLYPH_H
#include <stdint.h>

typedef struct tb_glyph {
    uint32_t gid;       /* glyph id in the run's face */
    float x, y;         /* pt: glyph origin relative to the run (line)
                           origin: pen position plus GPOS offset, y down */
    float advance;      /* pt: the font's own advance at the run's size */
    uint32_t text;      /* byte offset into the run's text of the characters */
    uint32_t ntext;     /* this glyph stands for (its cluster's text); 0
                           for the second and later glyphs of a cluster */
} tb_glyph;

#endif
