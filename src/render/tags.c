/*
** tags.c — tagged PDF (PDF 1.7, 14.7–14.8); see tags.h.
**
** The tree is built at the end.  An element's own content references
** (MCR, OBJR) are in the order they were drawn; its child elements are in
** document order (the order style made them: the reading order, also where
** pages are drawn in another order, as on a folded leaflet); the two are
** merged by when each child's content was first drawn.  Elements with no
** content anywhere below them are left out.
*/
#include "tags.h"
#include <hpdf_doc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/utf8.h"
#include "pdfbuf.h"

typedef struct rec {         /* a marked-content item or an OBJR of an element */
    long seq;                /* when it was drawn */
    HPDF_Dict obj;           /* direct dict (an OBJR), added to /K at the end;
                                NULL: marked content MCID on page PAGE */
    int page, mcid;
} rec;

typedef struct elem {
    HPDF_Dict d;             /* the StructElem, made when first needed */
    rec *recs;               /* owned: its own content, in drawing order */
    size_t nrecs, caprecs;
    long first;              /* first drawing of anything in its subtree */
} elem;

typedef struct pageinfo {
    HPDF_Page page;
    HPDF_Array parents;      /* ParentTree entry: element of each MCID */
    int mcid;                /* next MCID on the page */
    bool annots;             /* has link annotations (→ /Tabs /S) */
} pageinfo;

struct tb_tagger {
    tb_ctx *ctx;
    HPDF_Doc pdf;
    const tb_pages *pages;
    pdfbuf *ops;             /* (borrowed) the page's operators, written by render */
    elem *el;                /* one per structure element */
    pageinfo *pg;            /* one per page */
    HPDF_Dict root;          /* StructTreeRoot */
    HPDF_Array root_kids;
    HPDF_Array nums;         /* the parent tree's /Nums */
    int next_key;            /* ParentTree keys: pages first, then annotations */
    struct { int key; HPDF_Dict elem; } *annots;
    size_t nannots;
    bool in_mc;              /* marked content open */
    bool failed;
    bool linked;             /* the recs and parent arrays belong to the
                                document (else tb_tagger_free frees them) */
    long seq;                /* drawing counter */
};

static bool fail(tb_tagger *t, const char *what) {
    if (!t->failed) tb_error(t->ctx, "render", 0, 0, "tagged PDF: %s", what);
    t->failed = true;
    return false;
}

/* A PDF text string: ASCII as is, anything else as UTF-16BE with a BOM. */
static HPDF_Binary textstr(tb_tagger *t, const char *s) {
    size_t n = strlen(s), k = 0;
    unsigned char *b = malloc(2 * n + 4);
    if (!b) return NULL;
    b[k++] = 0xFE, b[k++] = 0xFF;
    for (const char *p = s; *p;) {
        unsigned c = tb_utf8_next(&p);
        if (c >= 0x10000) {
            unsigned h = 0xD800 + ((c - 0x10000) >> 10), l = 0xDC00 + ((c - 0x10000) & 0x3FF);
            b[k++] = (unsigned char)(h >> 8), b[k++] = (unsigned char)h;
            b[k++] = (unsigned char)(l >> 8), b[k++] = (unsigned char)l;
        } else {
            b[k++] = (unsigned char)(c >> 8), b[k++] = (unsigned char)c;
        }
    }
    HPDF_Binary r = HPDF_Binary_New(t->pdf->mmgr, b, (HPDF_UINT)k);
    free(b);
    return r;
}

tb_tagger *tb_tagger_new(tb_ctx *ctx, HPDF_Doc pdf, const tb_pages *pages, pdfbuf *ops) {
    if (!pages->structs || !pages->nstructs) return NULL;
    tb_tagger *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ctx = ctx;
    t->pdf = pdf;
    t->pages = pages;
    t->ops = ops;
    t->el = calloc(pages->nstructs, sizeof *t->el);
    t->pg = calloc(pages->n + 1, sizeof *t->pg);
    if (!t->el || !t->pg) {
        tb_tagger_free(t);
        return NULL;
    }
    t->next_key = (int)pages->n;
    for (size_t i = 0; i < pages->nstructs; i++) t->el[i].first = -1;
    return t;
}

void tb_tagger_free(tb_tagger *t) {
    if (!t) return;
    /* a render that stopped early (a damaged image): the direct objects
    ** made for the tree are in no document object yet */
    for (size_t i = 0; !t->linked && t->el && i < t->pages->nstructs; i++)
        for (size_t r = 0; r < t->el[i].nrecs; r++)
            if (t->el[i].recs[r].obj) HPDF_Dict_Free(t->el[i].recs[r].obj);
    for (size_t i = 0; !t->linked && t->pg && i < t->pages->n; i++)
        if (t->pg[i].parents) HPDF_Array_Free(t->pg[i].parents);
    for (size_t i = 0; t->el && i < t->pages->nstructs; i++) free(t->el[i].recs);
    free(t->el);
    free(t->pg);
    free(t->annots);
    free(t);
}

static bool ensure_root(tb_tagger *t) {
    if (t->root) return true;
    HPDF_MMgr mm = t->pdf->mmgr;
    t->root = HPDF_Dict_New(mm);
    t->root_kids = HPDF_Array_New(mm);
    if (!t->root || !t->root_kids || HPDF_Xref_Add(t->pdf->xref, t->root) != HPDF_OK ||
        HPDF_Dict_AddName(t->root, "Type", "StructTreeRoot") != HPDF_OK ||
        HPDF_Dict_Add(t->root, "K", t->root_kids) != HPDF_OK)
        return fail(t, "cannot make the structure tree root");
    return true;
}

/* The StructElem of element I, made on first use (linked at the end). */
static HPDF_Dict elem_dict(tb_tagger *t, int i) {
    elem *e = &t->el[i];
    const tb_struct *s = &t->pages->structs[i];
    if (e->d) return e->d;
    HPDF_MMgr mm = t->pdf->mmgr;
    e->d = HPDF_Dict_New(mm);
    if (!e->d || HPDF_Xref_Add(t->pdf->xref, e->d) != HPDF_OK ||
        HPDF_Dict_AddName(e->d, "Type", "StructElem") != HPDF_OK || HPDF_Dict_AddName(e->d, "S", s->type) != HPDF_OK) {
        fail(t, "cannot make a structure element");
        return NULL;
    }
    if (s->lang && HPDF_Dict_Add(e->d, "Lang", textstr(t, s->lang)) != HPDF_OK) fail(t, "Lang");
    if (s->alt && HPDF_Dict_Add(e->d, "Alt", textstr(t, s->alt)) != HPDF_OK) fail(t, "Alt");
    if (s->actual && HPDF_Dict_Add(e->d, "ActualText", textstr(t, s->actual)) != HPDF_OK) fail(t, "ActualText");
    if (!strcmp(s->type, "TH") || !strcmp(s->type, "TD")) {
        HPDF_Dict a = HPDF_Dict_New(mm);
        if (!a || HPDF_Dict_Add(e->d, "A", a) != HPDF_OK || HPDF_Dict_AddName(a, "O", "Table") != HPDF_OK)
            fail(t, "table attributes");
        else {
            if (!strcmp(s->type, "TH")) HPDF_Dict_AddName(a, "Scope", s->col_header ? "Column" : "Row");
            if (s->colspan > 1) HPDF_Dict_AddNumber(a, "ColSpan", s->colspan);
            if (s->rowspan > 1) HPDF_Dict_AddNumber(a, "RowSpan", s->rowspan);
        }
    }
    return e->d;
}

static bool add_rec(tb_tagger *t, int st, HPDF_Dict obj, int page, int mcid) {
    elem *e = &t->el[st];
    if (e->nrecs == e->caprecs) {
        size_t cap = e->caprecs ? 2 * e->caprecs : 4;
        rec *r = realloc(e->recs, cap * sizeof *r);
        if (!r) return fail(t, "out of memory");
        e->recs = r;
        e->caprecs = cap;
    }
    e->recs[e->nrecs++] = (rec){t->seq, obj, page, mcid};
    if (e->first < 0) e->first = t->seq;
    t->seq++;
    return true;
}

static bool raw(tb_tagger *t, HPDF_Page page, const char *s) {
    (void)page;
    pdfbuf_str(t->ops, s);
    return true;
}

bool tb_tagger_begin(tb_tagger *t, HPDF_Page page, size_t idx, const tb_item *it) {
    if (!t || t->failed) return !t || !t->failed;
    if (t->in_mc) return fail(t, "internal: marked content left open");
    pageinfo *pi = &t->pg[idx];
    pi->page = page;
    int st = it->st;
    /* links draw nothing: their annotation is tagged by tb_tagger_annot */
    if (it->kind == TB_IT_LINK) return true;
    if (it->artifact || st < 0 || (size_t)st >= t->pages->nstructs) {
        t->in_mc = true;
        return raw(t, page, "/Artifact BMC\n");
    }
    HPDF_Dict d = elem_dict(t, st);
    if (!d) return false;
    if (!pi->parents) {
        pi->parents = HPDF_Array_New(t->pdf->mmgr);
        if (!pi->parents) return fail(t, "parent tree");
    }
    int mcid = pi->mcid++;
    /* the element's kid: marked content on this page (an MCID, or an MCR
       when the element's /Pg is another page: link_tree) */
    if (!add_rec(t, st, NULL, (int)idx, mcid) || HPDF_Array_Add(pi->parents, d) != HPDF_OK)
        return fail(t, "cannot record marked content");
    char op[96];
    snprintf(op, sizeof op, "/%s <</MCID %d>> BDC\n", t->pages->structs[st].type, mcid);
    t->in_mc = true;
    return raw(t, page, op);
}

bool tb_tagger_end(tb_tagger *t, HPDF_Page page) {
    if (!t || t->failed || !t->in_mc) return !t || !t->failed;
    t->in_mc = false;
    return raw(t, page, "EMC\n");
}

bool tb_tagger_annot(tb_tagger *t, HPDF_Page page, size_t idx, HPDF_Annotation a, const tb_item *it) {
    if (!t || t->failed) return !t || !t->failed;
    int st = it->st;
    if (st < 0 || (size_t)st >= t->pages->nstructs) return true;
    HPDF_Dict d = elem_dict(t, st);
    if (!d) return false;
    t->pg[idx].page = page;
    t->pg[idx].annots = true;
    HPDF_Dict objr = HPDF_Dict_New(t->pdf->mmgr);
    int key = t->next_key++;
    if (!objr || HPDF_Dict_AddName(objr, "Type", "OBJR") != HPDF_OK || HPDF_Dict_Add(objr, "Obj", a) != HPDF_OK ||
        HPDF_Dict_Add(objr, "Pg", page) != HPDF_OK || !add_rec(t, st, objr, (int)idx, -1) ||
        HPDF_Dict_AddNumber(a, "StructParent", key) != HPDF_OK)
        return fail(t, "cannot tag a link annotation");
    void *n = realloc(t->annots, (t->nannots + 1) * sizeof *t->annots);
    if (!n) return fail(t, "out of memory");
    t->annots = n;
    t->annots[t->nannots].key = key;
    t->annots[t->nannots++].elem = d;
    return true;
}

/* Link element I under its parent with its kids: its own records (drawing
** order) merged with its children (document order) by first drawing. */
static bool link_tree(tb_tagger *t, size_t i, size_t *child, size_t nchild) {
    elem *e = &t->el[i];
    const tb_struct *s = &t->pages->structs[i];
    HPDF_Dict d = elem_dict(t, (int)i);
    HPDF_Array kids = HPDF_Array_New(t->pdf->mmgr);
    if (!d || !kids || HPDF_Dict_Add(d, "K", kids) != HPDF_OK) return fail(t, "structure element kids");
    /* /Pg: the page of its first marked content; content there is an
       MCID, content on other pages an MCR naming its page */
    int pg = -1;
    for (size_t r = 0; r < e->nrecs && pg < 0; r++)
        if (!e->recs[r].obj) pg = e->recs[r].page;
    if (pg >= 0 && HPDF_Dict_Add(d, "Pg", t->pg[pg].page) != HPDF_OK) return fail(t, "structure element page");
    size_t r = 0, c = 0;
    while (r < e->nrecs || c < nchild) {
        bool take_child = c < nchild && (r >= e->nrecs || t->el[child[c]].first < e->recs[r].seq);
        HPDF_STATUS st;
        if (take_child) {
            st = HPDF_Array_Add(kids, elem_dict(t, (int)child[c++]));
        } else if (e->recs[r].obj) {
            st = HPDF_Array_Add(kids, e->recs[r++].obj);
        } else if (e->recs[r].page == pg) {
            st = HPDF_Array_AddNumber(kids, e->recs[r++].mcid);
        } else {
            const rec *m = &e->recs[r++];
            HPDF_Dict mcr = HPDF_Dict_New(t->pdf->mmgr);
            st = !mcr ? HPDF_FAILD_TO_ALLOC_MEM : HPDF_Array_Add(kids, mcr);
            if (st == HPDF_OK && (HPDF_Dict_AddName(mcr, "Type", "MCR") != HPDF_OK ||
                                  HPDF_Dict_Add(mcr, "Pg", t->pg[m->page].page) != HPDF_OK ||
                                  HPDF_Dict_AddNumber(mcr, "MCID", m->mcid) != HPDF_OK))
                st = HPDF_FAILD_TO_ALLOC_MEM;
        }
        if (st != HPDF_OK) return fail(t, "structure element kids");
    }
    HPDF_Dict parent = s->parent >= 0 ? elem_dict(t, s->parent) : t->root;
    if (!parent || HPDF_Dict_Add(d, "P", parent) != HPDF_OK) return fail(t, "structure element parent");
    if (s->parent < 0 && HPDF_Array_Add(t->root_kids, d) != HPDF_OK) return fail(t, "structure root");
    return true;
}

bool tb_tagger_finish(tb_tagger *t) {
    if (!t) return true;
    if (t->failed) return false;
    if (!ensure_root(t)) return false;
    HPDF_MMgr mm = t->pdf->mmgr;
    /* first drawing of each subtree (a parent is made before its children) */
    size_t n = t->pages->nstructs;
    for (size_t i = n; i-- > 0;) {
        int p = t->pages->structs[i].parent;
        long f = t->el[i].first;
        if (p >= 0 && f >= 0 && (t->el[p].first < 0 || f < t->el[p].first)) t->el[p].first = f;
    }
    /* children lists in document order, then link every element with content */
    size_t *start = calloc(n + 1, sizeof *start), *list = calloc(n + 1, sizeof *list), *fill = calloc(n + 1, sizeof *fill);
    if (!start || !list || !fill) {
        free(start), free(list), free(fill);
        return fail(t, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        int p = t->pages->structs[i].parent;
        if (p >= 0 && t->el[i].first >= 0) start[p + 1]++;
    }
    for (size_t i = 1; i <= n; i++) start[i] += start[i - 1];
    for (size_t i = 0; i < n; i++) {
        int p = t->pages->structs[i].parent;
        if (p >= 0 && t->el[i].first >= 0) list[start[p] + fill[p]++] = i;
    }
    bool ok = true;
    t->linked = true; /* from here on, a failure leaves them in the document */
    for (size_t i = 0; i < n && ok; i++)
        if (t->el[i].first >= 0) ok = link_tree(t, i, list + start[i], fill[i]);
    free(start), free(list), free(fill);
    if (!ok) return false;
    HPDF_Dict ptree = HPDF_Dict_New(mm);
    t->nums = HPDF_Array_New(mm);
    if (!ptree || !t->nums || HPDF_Xref_Add(t->pdf->xref, ptree) != HPDF_OK ||
        HPDF_Dict_Add(ptree, "Nums", t->nums) != HPDF_OK || HPDF_Dict_Add(t->root, "ParentTree", ptree) != HPDF_OK)
        return fail(t, "parent tree");
    /* keys in ascending order: the pages (their index), then annotations */
    for (size_t i = 0; i < t->pages->n; i++) {
        pageinfo *pi = &t->pg[i];
        if (!pi->page) continue;
        if (HPDF_Dict_AddNumber(pi->page, "StructParents", (HPDF_INT)i) != HPDF_OK) return fail(t, "StructParents");
        if (pi->annots && HPDF_Dict_AddName(pi->page, "Tabs", "S") != HPDF_OK) return fail(t, "Tabs");
        if (!pi->parents) continue;
        if (HPDF_Array_AddNumber(t->nums, (HPDF_INT)i) != HPDF_OK || HPDF_Array_Add(t->nums, pi->parents) != HPDF_OK)
            return fail(t, "parent tree");
    }
    for (size_t i = 0; i < t->nannots; i++)
        if (HPDF_Array_AddNumber(t->nums, t->annots[i].key) != HPDF_OK ||
            HPDF_Array_Add(t->nums, t->annots[i].elem) != HPDF_OK)
            return fail(t, "parent tree");
    if (HPDF_Dict_AddNumber(t->root, "ParentTreeNextKey", t->next_key) != HPDF_OK) return fail(t, "parent tree");
    HPDF_Dict cat = t->pdf->catalog;
    HPDF_Dict mi = HPDF_Dict_New(mm);
    if (!mi || HPDF_Dict_AddBoolean(mi, "Marked", HPDF_TRUE) != HPDF_OK || HPDF_Dict_Add(cat, "MarkInfo", mi) != HPDF_OK ||
        HPDF_Dict_Add(cat, "StructTreeRoot", t->root) != HPDF_OK)
        return fail(t, "catalog");
    return true;
}
