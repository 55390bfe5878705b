/*
** tags.c — tagged PDF (PDF 1.7, 14.7–14.8); see tags.h.
**
** The tree is built at the end.  An element's own content references
** (MCR, OBJR) are in the order they were drawn; its child elements are in
** document order (the order style made them: the reading order, also where
** pages are drawn in another order, as on a folded leaflet); the two are
** merged by when each child's content was first drawn.  Elements with no
** content anywhere below them are left out.
**
** The tree is kept here, in the records below, not as libharu objects (as
** libharu dictionaries and arrays, the tree of the ×50 long book, 367
** pages, cost 24 MB of heap and 55 of the build's 325 ms).  Each
** StructElem, the StructTreeRoot and the ParentTree is a libharu dictionary
** with no entries, registered in the cross-reference table so that libharu
** numbers it and writes "N 0 obj" … "endobj"; its write hook (write_fn,
** called by HPDF_Dict_Write between "<<\n" and ">>") writes its entries in
** libharu's syntax: "/Key value\n" each, arrays "[ a b ]", references
** "N G R", names escaped as HPDF_Stream_WriteEscapeName does, text strings
** in hex.  The bytes are those libharu wrote when the tree was made of its
** objects.  tebiki does not encrypt, so the hooks write no encrypted
** strings.
*/
#include "tags.h"
#include <hpdf_doc.h>
#include <hpdf_utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/utf8.h"
#include "pdfbuf.h"

typedef struct rec {         /* an element's own content */
    long seq;                /* when it was drawn */
    int page;                /* index of the page */
    int mcid;                /* marked content MCID on PAGE (ANNOT is -1) */
    int annot;               /* else the index in t->annots of the link
                                annotation (on PAGE) whose OBJR this is */
} rec;

typedef struct elem {
    HPDF_Dict d;             /* the StructElem (written by elem_write), made
                                when first needed; owned by the document */
    tb_tagger *t;            /* (borrowed) its tagger, for elem_write */
    rec *recs;               /* owned: its own content, in drawing order */
    size_t nrecs, caprecs;
    long first;              /* first drawing of anything in its subtree */
} elem;

typedef struct pageinfo {
    HPDF_Page page;
    int *parents;            /* owned: element of each MCID (its ParentTree entry) */
    int mcid;                /* next MCID on the page: entries in PARENTS */
    int capparents;
    bool annots;             /* has link annotations (→ /Tabs /S) */
} pageinfo;

struct tb_tagger {
    tb_ctx *ctx;
    HPDF_Doc pdf;
    const tb_pages *pages;
    pdfbuf *ops;             /* (borrowed) the page's operators, written by render */
    elem *el;                /* one per structure element */
    pageinfo *pg;            /* one per page */
    HPDF_Dict root;          /* StructTreeRoot (root_write) */
    HPDF_Dict ptree;         /* its ParentTree (ptree_write) */
    size_t *kid_start;       /* owned, by tb_tagger_finish: the children with */
    int *kids;               /* content of element I, in document order, are
                                kids[kid_start[I] .. kid_start[I + 1]) */
    int next_key;            /* ParentTree keys: pages first, then annotations */
    struct { int key, elem; HPDF_Annotation a; } *annots; /* owned; A borrowed */
    size_t nannots;
    pdfbuf out;              /* the write hooks' bytes, one object at a time */
    bool in_mc;              /* marked content open */
    bool failed;
    long seq;                /* drawing counter */
};

static bool fail(tb_tagger *t, const char *what) {
    if (!t->failed) tb_error(t->ctx, "render", 0, 0, "tagged PDF: %s", what);
    t->failed = true;
    return false;
}

/* Bytes of S as a PDF text string: UTF-16BE with a BOM. */
static size_t textstr_len(const char *s) {
    size_t k = 2;
    for (const char *p = s; *p;) k += tb_utf8_next(&p) >= 0x10000 ? 4 : 2;
    return k;
}

/* S as a PDF text string in hex (UTF-16BE with a BOM), as libharu writes
** an HPDF_Binary: <FEFF0041…>. */
static void put_textstr(pdfbuf *b, const char *s) {
    pdfbuf_str(b, "<FEFF");
    for (const char *p = s; *p;) {
        unsigned c = tb_utf8_next(&p);
        if (c >= 0x10000) {
            pdfbuf_hex4(b, 0xD800 + ((c - 0x10000) >> 10));
            pdfbuf_hex4(b, 0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            pdfbuf_hex4(b, c);
        }
    }
    pdfbuf_char(b, '>');
}

/* /NAME, escaped as HPDF_Stream_WriteEscapeName does. */
static void put_name(pdfbuf *b, const char *s) {
    static const char hx[] = "0123456789ABCDEF";
    pdfbuf_char(b, '/');
    for (size_t i = 0; s[i] && i < HPDF_LIMIT_MAX_NAME_LEN; i++) {
        unsigned char c = (unsigned char)s[i];
        if (HPDF_NEEDS_ESCAPE(c)) {
            char e[3] = {'#', hx[c >> 4], hx[c & 15]};
            pdfbuf_add(b, e, 3);
        } else {
            pdfbuf_char(b, (char)c);
        }
    }
}

/* A reference to the indirect object O: "N G R". */
static void put_ref(pdfbuf *b, const void *o) {
    const HPDF_Obj_Header *h = o;
    pdfbuf_uint(b, h->obj_id & 0x00FFFFFF);
    pdfbuf_char(b, ' ');
    pdfbuf_uint(b, h->gen_no);
    pdfbuf_str(b, " R");
}

/* KEY (with its slash and a space) and reference to O, a dictionary entry. */
static void put_ref_entry(pdfbuf *b, const char *key, const void *o) {
    pdfbuf_str(b, key);
    put_ref(b, o);
    pdfbuf_char(b, '\012');
}

/* KEY (with its slash and a space) and the number V, a dictionary entry. */
static void put_num_entry(pdfbuf *b, const char *key, int v) {
    pdfbuf_str(b, key);
    pdfbuf_uint(b, (unsigned)v);
    pdfbuf_char(b, '\012');
}

/* The hook's bytes into OUT. */
static HPDF_STATUS flush(HPDF_Dict d, pdfbuf *b, HPDF_Stream out) {
    if (!pdfbuf_ok(b)) return HPDF_SetError(d->error, HPDF_FAILD_TO_ALLOC_MEM, 0);
    return HPDF_Stream_Write(out, (const HPDF_BYTE *)b->p, (HPDF_UINT)b->n);
}

/* A dictionary whose entries HOOK writes, from ATTR; NULL on failure. */
static HPDF_Dict hook_dict(tb_tagger *t, HPDF_Dict_OnWriteFunc hook, void *attr) {
    HPDF_Dict d = HPDF_Dict_New(t->pdf->mmgr);
    if (!d || HPDF_Xref_Add(t->pdf->xref, d) != HPDF_OK) return NULL; /* Xref_Add frees D on failure */
    d->write_fn = hook;
    d->attr = attr;
    return d;
}

/* The entries of a StructElem: /Type /S [/Lang /Alt /ActualText /A] /K
** [/Pg] /P, in the order tags.c added them to libharu dictionaries. */
static HPDF_STATUS elem_write(HPDF_Dict d, HPDF_Stream out) {
    const elem *e = d->attr;
    tb_tagger *t = e->t;
    size_t i = (size_t)(e - t->el);
    const tb_struct *s = &t->pages->structs[i];
    pdfbuf *b = &t->out;
    pdfbuf_reset(b);
    pdfbuf_str(b, "/Type /StructElem\012/S ");
    put_name(b, s->type);
    const char *key[] = {"\012/Lang ", "\012/Alt ", "\012/ActualText "}, *val[] = {s->lang, s->alt, s->actual};
    for (int k = 0; k < 3; k++)
        if (val[k]) pdfbuf_str(b, key[k]), put_textstr(b, val[k]);
    if (!strcmp(s->type, "TH") || !strcmp(s->type, "TD")) {
        pdfbuf_str(b, "\012/A <<\012/O /Table\012");
        if (!strcmp(s->type, "TH")) pdfbuf_str(b, s->col_header ? "/Scope /Column\012" : "/Scope /Row\012");
        if (s->colspan > 1) put_num_entry(b, "/ColSpan ", s->colspan);
        if (s->rowspan > 1) put_num_entry(b, "/RowSpan ", s->rowspan);
        pdfbuf_str(b, ">>");
    }
    /* /K: its own records (drawing order) merged with its children
       (document order) by first drawing.  /Pg: the page of its first
       marked content; content there is an MCID, content on other pages an
       MCR naming its page */
    int pg = -1;
    for (size_t r = 0; r < e->nrecs && pg < 0; r++)
        if (e->recs[r].annot < 0) pg = e->recs[r].page;
    pdfbuf_str(b, "\012/K [ ");
    const int *child = t->kids + t->kid_start[i];
    size_t nchild = t->kid_start[i + 1] - t->kid_start[i];
    size_t r = 0, c = 0;
    while (r < e->nrecs || c < nchild) {
        if (c < nchild && (r >= e->nrecs || t->el[child[c]].first < e->recs[r].seq)) {
            put_ref(b, t->el[child[c++]].d);
        } else if (e->recs[r].annot >= 0) {
            const rec *m = &e->recs[r++];
            pdfbuf_str(b, "<<\012/Type /OBJR\012");
            put_ref_entry(b, "/Obj ", t->annots[m->annot].a);
            put_ref_entry(b, "/Pg ", t->pg[m->page].page);
            pdfbuf_str(b, ">>");
        } else if (e->recs[r].page == pg) {
            pdfbuf_uint(b, (unsigned)e->recs[r++].mcid);
        } else {
            const rec *m = &e->recs[r++];
            pdfbuf_str(b, "<<\012/Type /MCR\012");
            put_ref_entry(b, "/Pg ", t->pg[m->page].page);
            put_num_entry(b, "/MCID ", m->mcid);
            pdfbuf_str(b, ">>");
        }
        pdfbuf_char(b, ' ');
    }
    pdfbuf_str(b, "]\012");
    if (pg >= 0) put_ref_entry(b, "/Pg ", t->pg[pg].page);
    put_ref_entry(b, "/P ", s->parent >= 0 ? (const void *)t->el[s->parent].d : (const void *)t->root);
    return flush(d, b, out);
}

/* The StructTreeRoot: /Type /K /ParentTree /ParentTreeNextKey. */
static HPDF_STATUS root_write(HPDF_Dict d, HPDF_Stream out) {
    tb_tagger *t = d->attr;
    pdfbuf *b = &t->out;
    pdfbuf_reset(b);
    pdfbuf_str(b, "/Type /StructTreeRoot\012/K [ ");
    for (size_t i = 0; i < t->pages->nstructs; i++)
        if (t->pages->structs[i].parent < 0 && t->el[i].first >= 0) put_ref(b, t->el[i].d), pdfbuf_char(b, ' ');
    pdfbuf_str(b, "]\012");
    put_ref_entry(b, "/ParentTree ", t->ptree);
    put_num_entry(b, "/ParentTreeNextKey ", t->next_key);
    return flush(d, b, out);
}

/* The ParentTree's /Nums, keys in ascending order: the pages (their index,
** an array of the element of each MCID), then the annotations (an element). */
static HPDF_STATUS ptree_write(HPDF_Dict d, HPDF_Stream out) {
    tb_tagger *t = d->attr;
    pdfbuf *b = &t->out;
    pdfbuf_reset(b);
    pdfbuf_str(b, "/Nums [ ");
    for (size_t i = 0; i < t->pages->n; i++) {
        const pageinfo *pi = &t->pg[i];
        if (!pi->page || !pi->mcid) continue;
        pdfbuf_uint(b, i);
        pdfbuf_str(b, " [ ");
        for (int k = 0; k < pi->mcid; k++) put_ref(b, t->el[pi->parents[k]].d), pdfbuf_char(b, ' ');
        pdfbuf_str(b, "] ");
    }
    for (size_t i = 0; i < t->nannots; i++) {
        pdfbuf_uint(b, (unsigned)t->annots[i].key);
        pdfbuf_char(b, ' ');
        put_ref(b, t->el[t->annots[i].elem].d);
        pdfbuf_char(b, ' ');
    }
    pdfbuf_str(b, "]\012");
    return flush(d, b, out);
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
    for (size_t i = 0; i < pages->nstructs; i++) t->el[i].first = -1, t->el[i].t = t;
    return t;
}

void tb_tagger_free(tb_tagger *t) {
    if (!t) return;
    for (size_t i = 0; t->el && i < t->pages->nstructs; i++) free(t->el[i].recs);
    for (size_t i = 0; t->pg && i < t->pages->n; i++) free(t->pg[i].parents);
    free(t->el);
    free(t->pg);
    free(t->kid_start);
    free(t->kids);
    free(t->annots);
    pdfbuf_free(&t->out);
    free(t);
}

/* The StructElem of element I, made on first use (its entries are
** written by elem_write). */
static HPDF_Dict elem_dict(tb_tagger *t, int i) {
    elem *e = &t->el[i];
    if (e->d) return e->d;
    const tb_struct *s = &t->pages->structs[i];
    /* libharu's limit on a string, kept from when these were its objects */
    if ((s->lang && textstr_len(s->lang) > HPDF_LIMIT_MAX_STRING_LEN) ||
        (s->alt && textstr_len(s->alt) > HPDF_LIMIT_MAX_STRING_LEN) ||
        (s->actual && textstr_len(s->actual) > HPDF_LIMIT_MAX_STRING_LEN)) {
        fail(t, "a /Lang, /Alt or /ActualText longer than 65535 bytes");
        return NULL;
    }
    if (!(e->d = hook_dict(t, elem_write, e))) fail(t, "cannot make a structure element");
    return e->d;
}

static bool add_rec(tb_tagger *t, int st, int page, int mcid, int annot) {
    elem *e = &t->el[st];
    if (e->nrecs == e->caprecs) {
        size_t cap = e->caprecs ? 2 * e->caprecs : 4;
        rec *r = realloc(e->recs, cap * sizeof *r);
        if (!r) return fail(t, "out of memory");
        e->recs = r;
        e->caprecs = cap;
    }
    e->recs[e->nrecs++] = (rec){t->seq, page, mcid, annot};
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
    if (!elem_dict(t, st)) return false;
    if (pi->mcid == pi->capparents) {
        int cap = pi->capparents ? 2 * pi->capparents : 16;
        int *p = realloc(pi->parents, (size_t)cap * sizeof *p);
        if (!p) return fail(t, "parent tree");
        pi->parents = p;
        pi->capparents = cap;
    }
    int mcid = pi->mcid;
    /* the element's kid: marked content on this page (an MCID, or an MCR
       when the element's /Pg is another page: elem_write) */
    if (!add_rec(t, st, (int)idx, mcid, -1)) return false;
    pi->parents[pi->mcid++] = st;
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
    if (!elem_dict(t, st)) return false;
    t->pg[idx].page = page;
    t->pg[idx].annots = true;
    void *n = realloc(t->annots, (t->nannots + 1) * sizeof *t->annots);
    if (!n) return fail(t, "out of memory");
    t->annots = n;
    int key = t->next_key++;
    t->annots[t->nannots].key = key;
    t->annots[t->nannots].elem = st;
    t->annots[t->nannots].a = a;
    /* its OBJR in the element, written by elem_write */
    if (!add_rec(t, st, (int)idx, -1, (int)t->nannots++) || HPDF_Dict_AddNumber(a, "StructParent", key) != HPDF_OK)
        return fail(t, "cannot tag a link annotation");
    return true;
}

bool tb_tagger_finish(tb_tagger *t) {
    if (!t) return true;
    if (t->failed) return false;
    if (!t->root && !(t->root = hook_dict(t, root_write, t))) return fail(t, "cannot make the structure tree root");
    /* first drawing of each subtree (a parent is made before its children) */
    size_t n = t->pages->nstructs;
    for (size_t i = n; i-- > 0;) {
        int p = t->pages->structs[i].parent;
        long f = t->el[i].first;
        if (p >= 0 && f >= 0 && (t->el[p].first < 0 || f < t->el[p].first)) t->el[p].first = f;
    }
    /* children lists in document order */
    size_t *start = calloc(n + 1, sizeof *start), *fill = calloc(n + 1, sizeof *fill);
    int *list = calloc(n + 1, sizeof *list);
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
        if (p >= 0 && t->el[i].first >= 0) list[start[p] + fill[p]++] = (int)i;
    }
    free(fill);
    t->kid_start = start;
    t->kids = list;
    /* a StructElem for every element with content, numbered in the order
       they are first needed: an element, then its children */
    for (size_t i = 0; i < n; i++) {
        if (t->el[i].first < 0) continue;
        if (!elem_dict(t, (int)i)) return false;
        for (size_t k = start[i]; k < start[i + 1]; k++)
            if (!elem_dict(t, list[k])) return false;
    }
    if (!(t->ptree = hook_dict(t, ptree_write, t))) return fail(t, "parent tree");
    for (size_t i = 0; i < t->pages->n; i++) {
        pageinfo *pi = &t->pg[i];
        if (!pi->page) continue;
        if (HPDF_Dict_AddNumber(pi->page, "StructParents", (HPDF_INT)i) != HPDF_OK) return fail(t, "StructParents");
        if (pi->annots && HPDF_Dict_AddName(pi->page, "Tabs", "S") != HPDF_OK) return fail(t, "Tabs");
    }
    HPDF_Dict cat = t->pdf->catalog;
    HPDF_Dict mi = HPDF_Dict_New(t->pdf->mmgr);
    if (!mi || HPDF_Dict_AddBoolean(mi, "Marked", HPDF_TRUE) != HPDF_OK || HPDF_Dict_Add(cat, "MarkInfo", mi) != HPDF_OK ||
        HPDF_Dict_Add(cat, "StructTreeRoot", t->root) != HPDF_OK)
        return fail(t, "catalog");
    return true;
}
