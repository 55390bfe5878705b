/*
** doc.h — the parse stage: a guide file to a document tree.
**
** Reads XML with libxml2 without network access, without DTDs and without
** entity expansion (a DOCTYPE is refused), checks the guide vocabulary
** (unknown elements and attributes with suggestions, required attributes,
** unique ids, ref targets) and validates against the RELAX NG schema.
** Text nodes come out with the contract's white-space rule applied: runs
** collapse to one space, a line break between two CJK characters vanishes,
** and space at the start and end of a block is dropped.
**
** The tree is allocated in the document's arena; valid until it is freed.
*/
#ifndef TB_DOC_H
#define TB_DOC_H
#include <stdbool.h>
#include <stddef.h>
#include "../base/arena.h"
#include "../base/ctx.h"

/* ORDER: keep in step with the name table in parse.c */
typedef enum tb_el {
    TB_EL_TEXT = 0,
    /* structure */
    TB_EL_GUIDE, TB_EL_META, TB_EL_TITLE, TB_EL_SUBTITLE, TB_EL_AUTHOR,
    TB_EL_PUBLISHER, TB_EL_DATE, TB_EL_DESCRIPTION, TB_EL_KEYWORDS,
    TB_EL_COVER, TB_EL_BACK_COVER, TB_EL_TOC, TB_EL_SECTION,
    /* blocks */
    TB_EL_P, TB_EL_UL, TB_EL_OL, TB_EL_LI, TB_EL_DL, TB_EL_DT, TB_EL_DD,
    TB_EL_TABLE, TB_EL_CAPTION, TB_EL_THEAD, TB_EL_TBODY, TB_EL_TR, TB_EL_TH,
    TB_EL_TD, TB_EL_FIGURE, TB_EL_IMG, TB_EL_FIGCAPTION, TB_EL_ASIDE,
    TB_EL_BLOCKQUOTE, TB_EL_QR, TB_EL_HR, TB_EL_PAGEBREAK, TB_EL_COLUMNBREAK,
    /* inline */
    TB_EL_EM, TB_EL_STRONG, TB_EL_SMALL, TB_EL_SUP, TB_EL_SUB, TB_EL_A,
    TB_EL_REF, TB_EL_RUBY, TB_EL_RT, TB_EL_RP, TB_EL_SPAN, TB_EL_BR,
    TB_EL_TCY, TB_EL_NOBR, TB_EL_Q,
    TB_EL_COUNT
} tb_el;

typedef struct tb_node {
    tb_el el;
    struct tb_node *parent, *first, *last, *next;  /* tree links */
    const char *text;     /* TB_EL_TEXT: processed UTF-8 (may be "") */
    size_t ntext;
    /* attributes, NULL when absent (all arena strings) */
    const char *id, *lang, *cls, *href, *to, *src, *alt, *width, *size;
    const char *title;    /* aside/toc title attribute */
    const char *furigana;
    int start;            /* ol start, default 1 */
    int colspan, rowspan; /* default 1 */
    int line, col;        /* position of the start tag in the file */
} tb_node;

typedef struct tb_doc {
    const char *file;     /* as given on the command line */
    const char *dir;      /* its folder (images are relative to it) */
    tb_node *root;        /* <guide> */
    const char *layout;   /* guide/@layout */
    const char *lang;     /* guide/@xml:lang */
    tb_node *meta;        /* <meta> */
    tb_node **ids;        /* the elements with an id, sorted by id (arena);
                             NULL in a tree not made by tb_parse_file */
    size_t nids;
} tb_doc;

typedef struct tb_parser tb_parser;

/* A parser holding the compiled schema (found as schema/guide.rng next to
** the layouts folder's parent or in the share folder).  NULL with an error
** in ctx->diags when there is no schema.  The schema is compiled on the
** run's second core (tb_ctx_workq) while the first guide is read:
** whether it compiled is known from the first tb_parse_file on, or from
** tb_parser_broken. */
tb_parser *tb_parser_new(tb_ctx *ctx);
/* True when the schema could not be compiled (waits for it; the error is
** in ctx->diags, once).  Accepts NULL (false). */
bool tb_parser_broken(tb_parser *p);
void tb_parser_free(tb_parser *p);

/* Parse and check one guide.  Returns NULL when the file cannot be read or
** is not well-formed, or the schema could not be compiled (then only that
** is reported: see tb_parser_broken); otherwise a tree, even when checks
** found errors (the caller looks at the error count: `check` goes on to
** report more). */
tb_doc *tb_parse_file(tb_parser *p, tb_arena *a, const char *path);

/* The element with this id, or NULL. */
tb_node *tb_doc_find(const tb_doc *d, const char *id);
/* The effective language of a node (nearest xml:lang). */
const char *tb_node_lang(const tb_node *n);
/* The element's name as written in guides ("figcaption"). */
const char *tb_el_name(tb_el el);
/* The text of a node's descendants, without rt/rp, concatenated (arena). */
char *tb_node_plain_text(tb_arena *a, const tb_node *n);

/* The white-space rule, exposed for unit tests: is this code point one
** across which a source line break vanishes (CJK ideograph, kana, CJK
** punctuation or full-width form)? */
bool tb_is_cjk_break_char(unsigned cp);

#endif
