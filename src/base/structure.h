/*
** structure.h — the logical structure of a guide, for tagged PDF.
**
** Built by the style stage from the document, carried unchanged to
** render, which writes it as the StructTreeRoot; items on pages name the
** element their content belongs to.
*/
#ifndef TB_STRUCTURE_H
#define TB_STRUCTURE_H
#include <stdbool.h>

/* The logical structure of a tagged PDF (PDF 1.7 standard types), in
** document order: the reading order, whatever the page layout. */
typedef struct tb_struct {
    const char *type;        /* "Document", "Sect", "H1".."H4", "P", "L", "LI",
                                "Lbl", "LBody", "Table", "TR", "TH", "TD",
                                "Figure", "Caption", "Link", "TOC", "TOCI",
                                "Div", "BlockQuote", "Span", "Ruby", "RB", "RT" */
    int parent;              /* index of the parent; -1 for the root */
    const char *lang;        /* BCP 47 where it differs from the parent's */
    const char *alt;         /* Figure: its text alternative */
    const char *actual;      /* RT/Lbl: text a screen reader should say */
    int colspan, rowspan;    /* TH, TD (1 by default) */
    bool col_header;         /* TH in a header row (scope Column; else Row) */
} tb_struct;

#endif
