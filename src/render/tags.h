/*
** tags.h — tagged PDF: marked content on pages and the structure tree.
**
** Internal to the render stage.  The structure (tb_pages.structs, built by
** style) becomes the StructTreeRoot; every item drawn is bracketed as
** marked content of its element (BDC with an MCID) or as an Artifact, and
** link annotations join the tree as OBJR.  Reading order in the tree is
** the order content is drawn, which paginate keeps in document order.
*/
#ifndef TB_TAGS_H
#define TB_TAGS_H
#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>
#include "../base/ctx.h"
#include "../paginate/pages.h"

typedef struct tb_tagger tb_tagger;

/* NULL when the pages carry no structure (nothing to tag).  Marked-content
** operators are appended to OPS (borrowed), the buffer render writes the
** current page's content into. */
typedef struct pdfbuf pdfbuf;
tb_tagger *tb_tagger_new(tb_ctx *ctx, HPDF_Doc pdf, const tb_pages *pages, pdfbuf *ops);
/* After HPDF_SaveToStream (before or after HPDF_Free): the tree's
** dictionaries in PDF hold no entries of their own; their write hooks
** write them from the tagger's records when the document is saved.  The
** PAGES given to tb_tagger_new are read until then too. */
void tb_tagger_free(tb_tagger *t);

/* Before drawing IT on PAGE (index IDX): writes "/Type <</MCID n>> BDC" or
** "/Artifact BMC" into the page's operators.  False after an error
** (reported). */
bool tb_tagger_begin(tb_tagger *t, HPDF_Page page, size_t idx, const tb_item *it);
/* After it: "EMC". */
bool tb_tagger_end(tb_tagger *t, HPDF_Page page);
/* A link annotation made for IT: its /StructParent and its OBJR in IT's
** element (a Link). */
bool tb_tagger_annot(tb_tagger *t, HPDF_Page page, size_t idx, HPDF_Annotation a, const tb_item *it);
/* Once, before saving: the structure tree, the parent tree, /MarkInfo,
** each page's /StructParents and /Tabs /S. */
bool tb_tagger_finish(tb_tagger *t);

#endif
