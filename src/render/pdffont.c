/*
** pdffont.c — Type0 fonts with hb-subset subsets; see pdffont.h.
**
** Object graph of one face (created on first use; * = filled at finish):
**
**   Type0 /Identity-H ─┬─ DescendantFonts ─ CIDFont (H) ─┬─ FontDescriptor ─ FontFile2|3*
**                      └─ ToUnicode*                     ├─ CIDToGIDMap* (glyf only)
**                                                        └─ W*
**   Type0 /Identity-V ── DescendantFonts ─ CIDFont (V): the same descriptor,
**        (only when a vertical run used the face)       map and ToUnicode; W*, W2*
**
** Invariants:
**   - the codes of a font are unique and 1..65535 (glyf) or the font's CIDs
**     (CFF); code 0 is never handed out for a glyf font: CID 0 is .notdef;
**   - each entry is in exactly one hash slot; entries never move or go;
**   - finish runs once per document, after which no glyph may be added.
*/
#include "pdffont.h"
#include <hb-subset.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <hpdf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include FT_CID_H
#include "pdfbuf.h"
#include "pdfstream.h"
#include "render.h"

/* One code of a font. */
typedef struct entry {
    uint32_t gid;        /* glyph id in the original face */
    uint16_t code;       /* CID written in the content */
    uint32_t text;       /* byte offset into the font's text pool */
    uint32_t ntext;      /* bytes of UTF-8; 0 = no ToUnicode entry */
    long w;              /* 1/1000000 em: horizontal advance */
    long w1y, vx, vy;    /* 1/1000000 em: vertical advance (negative) and
                            the vertical origin seen from the horizontal;
                            read from the font only once a vertical run
                            used the face (v_done) */
    bool v_done;
} entry;

struct tb_pdffont {
    tb_pdffonts *set;    /* back reference (borrowed) */
    tb_face *face;       /* (transfer none) owned by the catalogue */
    hb_font_t *hb;       /* (transfer none) scale = upem */
    FT_Face ft;          /* (transfer none) may be NULL for glyf fonts */
    unsigned upem;
    unsigned nglyphs;    /* glyph count of the face */
    bool cff;            /* CIDFontType0 with FontFile3; else CIDFontType2 */
    bool cid_keyed;      /* CFF only: codes are CIDs, else glyph ids */
    bool vertical;       /* a vertical run used the face */
    char registry[64], ordering[64];  /* CIDSystemInfo */
    int supplement;
    /* PDF objects, owned by the document */
    HPDF_Dict type0_h, type0_v, cid_h, cid_v, desc, file, tounicode, cidmap;
    entry *e;            /* owned: codes in the order first used */
    size_t n, cap;
    uint32_t *slot;      /* owned: open hash of e index + 1; 0 = empty */
    size_t nslot;        /* a power of two, at least 2n */
    pdfbuf text;         /* owned: cluster texts */
    unsigned next_code;  /* glyf: the next free CID */
    unsigned char *cid_used;  /* owned: CFF, a bit per CID handed out */
    tb_pdffont *next;
};

/* The subset of one face: computed by the worker thread from the glyphs
** declared before drawing, or at finish from the glyphs used.  The worker
** touches only its jobs, HarfBuzz's (thread-safe) face and libdeflate. */
typedef struct subset_job {
    tb_face *face;       /* (transfer none) */
    hb_face_t *hbf;      /* owned: the face as hb-subset reads it (subset_source;
                            made by the job itself, on the worker) */
    bool cff, retain, vertical;
    int level;           /* deflate level of the font program */
    hb_set_t *gids;      /* owned: the glyphs, .notdef included */
    /* results */
    hb_subset_plan_t *plan;  /* owned */
    hb_face_t *sub;          /* owned */
    hb_blob_t *blob;         /* owned: the font program (glyf: the whole
                                font; CFF: its 'CFF ' table) */
    unsigned len;            /* bytes of the program */
    unsigned char *z;        /* owned: deflated; NULL when it failed */
    size_t zn;
    bool queued;             /* added to the work queue */
    bool early;              /* begun before the pages existed: its glyphs
                                may be a few more than those drawn */
    atomic_bool cancelled;   /* not wanted after all: the worker skips it */
    struct subset_job *next;
} subset_job;

/* Subsets begun before the pages exist (render.h). */
struct tb_early_fonts {
    tb_ctx *ctx;             /* borrowed */
    tb_workq *q;             /* borrowed: the ctx's */
    int level;
    subset_job *jobs;        /* owned, until a render adopts one */
};

struct tb_pdffonts {
    subset_job *jobs;    /* owned: declared faces, in declaration order */
    tb_workq *q;         /* (borrowed) where the jobs went; NULL: none did */
    tb_ctx *ctx;         /* borrowed */
    HPDF_Doc pdf;        /* borrowed */
    const char *file;    /* borrowed: diagnostics name */
    tb_pdffont *first, *last;  /* owned list, in creation order */
    bool finished;
    int level;           /* zlib level of the font programs */
};

/* The cluster text of E (NTEXT bytes; "" when none). */
static const char *entry_text(const tb_pdffont *f, const entry *e) {
    return e->ntext ? f->text.p + e->text : "";
}

/* FNV-1a, 64 bits: hash slots and subset tags (stable across builds). */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}
#define FNV0 0xcbf29ce484222325ULL

static uint64_t key_hash(const tb_pdffont *f, uint32_t gid, const char *text, size_t ntext) {
    unsigned char g[4] = {(unsigned char)(gid >> 24), (unsigned char)(gid >> 16),
                          (unsigned char)(gid >> 8), (unsigned char)gid};
    uint64_t h = fnv(FNV0, g, 4);
    return f->cff ? h : fnv(h, text, ntext);
}

/* ---- creation ------------------------------------------------------- */

tb_pdffonts *tb_pdffonts_new(tb_ctx *ctx, HPDF_Doc pdf, const char *file) {
    tb_pdffonts *s = calloc(1, sizeof *s);
    if (!s) {
        tb_error(ctx, file, 0, 0, "out of memory");
        return NULL;
    }
    s->ctx = ctx;
    s->pdf = pdf;
    s->file = file;
    s->level = TB_DEFLATE_WEB;
    return s;
}

void tb_pdffonts_set_level(tb_pdffonts *s, int level) { s->level = level; }

static void job_clear(subset_job *j) {
    hb_blob_destroy(j->blob);
    hb_face_destroy(j->sub);
    hb_subset_plan_destroy(j->plan);
    free(j->z);
    j->blob = NULL;
    j->sub = NULL;
    j->plan = NULL;
    j->z = NULL;
}


static void job_free(subset_job *j) {
    job_clear(j);
    hb_set_destroy(j->gids);
    hb_face_destroy(j->hbf);
    free(j);
}

void tb_pdffonts_free(tb_pdffonts *s) {
    if (!s) return; /* (render has waited for its work queue) */
    for (subset_job *j = s->jobs, *nx; j; j = nx) {
        nx = j->next;
        job_free(j);
    }
    for (tb_pdffont *f = s->first, *nx; f; f = nx) {
        nx = f->next;
        free(f->e);
        free(f->slot);
        free(f->cid_used);
        pdfbuf_free(&f->text);
        free(f);
    }
    free(s);
}

/* An indirect dictionary: in the xref before anything refers to it. */
static HPDF_Dict new_dict(tb_pdffonts *s) {
    HPDF_Dict d = HPDF_Dict_New(s->pdf->mmgr);
    if (!d) return NULL;
    if (HPDF_Xref_Add(s->pdf->xref, d) != HPDF_OK) return NULL;
    return d;
}

static HPDF_Dict new_stream(tb_pdffonts *s) {
    HPDF_Dict d = HPDF_DictStream_New(s->pdf->mmgr, s->pdf->xref);
    if (d) d->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
    return d;
}

static bool add_string(HPDF_Dict d, const char *key, const char *v) {
    return HPDF_Dict_Add(d, key, HPDF_String_New(d->mmgr, v, NULL)) == HPDF_OK;
}

/* A CIDSystemInfo dictionary (direct). */
static bool add_sysinfo(tb_pdffont *f, HPDF_Dict cid) {
    HPDF_Dict si = HPDF_Dict_New(cid->mmgr);
    if (HPDF_Dict_Add(cid, "CIDSystemInfo", si) != HPDF_OK) return false;
    return add_string(si, "Registry", f->registry) && add_string(si, "Ordering", f->ordering) &&
           HPDF_Dict_AddNumber(si, "Supplement", f->supplement) == HPDF_OK;
}

/* A CIDFont dictionary sharing the descriptor (and map) of F. */
static HPDF_Dict new_cidfont(tb_pdffont *f) {
    HPDF_Dict c = new_dict(f->set);
    if (!c) return NULL;
    bool ok = HPDF_Dict_AddName(c, "Type", "Font") == HPDF_OK &&
              HPDF_Dict_AddName(c, "Subtype", f->cff ? "CIDFontType0" : "CIDFontType2") == HPDF_OK &&
              add_sysinfo(f, c) && HPDF_Dict_Add(c, "FontDescriptor", f->desc) == HPDF_OK &&
              HPDF_Dict_AddNumber(c, "DW", 1000) == HPDF_OK &&
              (f->cff || HPDF_Dict_Add(c, "CIDToGIDMap", f->cidmap) == HPDF_OK);
    return ok ? c : NULL;
}

/* A Type0 font with ENCODING over CID. */
static HPDF_Dict new_type0(tb_pdffont *f, const char *encoding, HPDF_Dict cid) {
    HPDF_Dict t = new_dict(f->set);
    if (!t) return NULL;
    /* every new direct object is attached at once: libharu frees only
       what hangs from the xref */
    HPDF_Array desc = HPDF_Array_New(t->mmgr);
    bool ok = HPDF_Dict_Add(t, "DescendantFonts", desc) == HPDF_OK && HPDF_Array_Add(desc, cid) == HPDF_OK &&
              HPDF_Dict_AddName(t, "Type", "Font") == HPDF_OK &&
              HPDF_Dict_AddName(t, "Subtype", "Type0") == HPDF_OK &&
              HPDF_Dict_AddName(t, "Encoding", encoding) == HPDF_OK &&
              HPDF_Dict_Add(t, "ToUnicode", f->tounicode) == HPDF_OK;
    return ok ? t : NULL;
}

static long to_milli(long v, unsigned upem) {  /* font units -> 1/1000 em */
    return (long)((v * 1000L + (v >= 0 ? 1L : -1L) * (long)upem / 2) / (long)upem);
}

/* The descriptor's metrics; FontName and FontFile come at finish. */
static bool fill_descriptor(tb_pdffont *f) {
    const tb_face_metrics *m = tb_face_get_metrics(f->face);
    HPDF_Dict d = f->desc;
    int flags = 4; /* Symbolic: glyphs outside the standard Latin set */
    if (m->fixed_pitch) flags |= 1;
    if (m->serif) flags |= 2;
    if (m->italic_angle) flags |= 64;
    HPDF_Array bb = HPDF_Array_New(d->mmgr);
    bool ok = HPDF_Dict_Add(d, "FontBBox", bb) == HPDF_OK &&
              HPDF_Dict_AddName(d, "Type", "FontDescriptor") == HPDF_OK &&
              HPDF_Dict_AddNumber(d, "Flags", flags) == HPDF_OK;
    for (int i = 0; ok && i < 4; i++)
        ok = HPDF_Array_AddNumber(bb, (HPDF_INT32)to_milli(m->bbox[i], f->upem)) == HPDF_OK;
    return ok && HPDF_Dict_AddNumber(d, "ItalicAngle", m->italic_angle) == HPDF_OK &&
           HPDF_Dict_AddNumber(d, "Ascent", (HPDF_INT32)to_milli(m->ascender, f->upem)) == HPDF_OK &&
           HPDF_Dict_AddNumber(d, "Descent", (HPDF_INT32)to_milli(m->descender, f->upem)) == HPDF_OK &&
           HPDF_Dict_AddNumber(d, "CapHeight", (HPDF_INT32)to_milli(m->cap_height, f->upem)) == HPDF_OK &&
           HPDF_Dict_AddNumber(d, "StemV", 80) == HPDF_OK; /* not in the font; a usual value */
}

static void copy_cstr(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* A CFF font whose glyphs are named by CID (CJK OpenType fonts), not by
** glyph name. */
static bool cid_keyed(FT_Face ft) {
    FT_Bool cid = 0;
    return FT_Get_CID_Is_Internally_CID_Keyed(ft, &cid) == 0 && cid;
}

tb_pdffont *tb_pdffonts_get(tb_pdffonts *s, tb_face *face) {
    for (tb_pdffont *f = s->first; f; f = f->next)
        if (f->face == face) return f;
    if (s->finished) {
        tb_error(s->ctx, s->file, 0, 0, "internal: font '%s' first used after the fonts were finished",
                 tb_face_id(face));
        return NULL;
    }
    hb_font_t *hb = tb_face_hb_font(face);
    if (!hb) {
        tb_error(s->ctx, s->file, 0, 0, "font '%s' is not open", tb_face_id(face));
        return NULL;
    }
    tb_pdffont *f = calloc(1, sizeof *f);
    if (!f) {
        tb_error(s->ctx, s->file, 0, 0, "out of memory");
        return NULL;
    }
    f->set = s;
    f->face = face;
    f->hb = hb;
    f->upem = tb_face_upem(face);
    f->nglyphs = hb_face_get_glyph_count(tb_face_hb_face(face));
    f->cff = tb_face_is_cff(face);
    f->ft = f->cff ? tb_face_ft(face) : NULL; /* CIDs; everything else comes through HarfBuzz */
    f->next_code = 1;
    copy_cstr(f->registry, sizeof f->registry, "Adobe");
    copy_cstr(f->ordering, sizeof f->ordering, "Identity");
    if (f->cff) {
        const char *reg = NULL, *ord = NULL;
        FT_Int sup = 0;
        if (!f->ft) {
            tb_error(s->ctx, s->file, 0, 0, "font '%s' (%s): FreeType cannot open it to read its CIDs",
                     tb_face_id(face), tb_face_path(face));
            free(f);
            return NULL;
        }
        f->cid_keyed = cid_keyed(f->ft);
        if (f->cid_keyed && FT_Get_CID_Registry_Ordering_Supplement(f->ft, &reg, &ord, &sup) == 0) {
            copy_cstr(f->registry, sizeof f->registry, reg);
            copy_cstr(f->ordering, sizeof f->ordering, ord);
            f->supplement = sup;
        }
        if (!f->cid_keyed && f->nglyphs > 65535) {
            tb_error(s->ctx, s->file, 0, 0, "font '%s': a name-keyed CFF font with more than 65,535 glyphs",
                     tb_face_id(face));
            free(f);
            return NULL;
        }
    }
    /* link first: the set frees F even if a libharu call below fails */
    if (s->last) s->last->next = f;
    else s->first = f;
    s->last = f;

    if (!(f->desc = new_dict(s)) || !fill_descriptor(f)) return NULL;
    if (!(f->tounicode = new_stream(s))) return NULL;
    if (!f->cff && !(f->cidmap = new_stream(s))) return NULL;
    if (!(f->cid_h = new_cidfont(f))) return NULL;
    if (!(f->type0_h = new_type0(f, "Identity-H", f->cid_h))) return NULL;
    return f;
}

HPDF_Dict tb_pdffont_type0(tb_pdffont *f, bool vertical) {
    if (!vertical) return f->type0_h;
    if (f->type0_v) return f->type0_v;
    if (f->set->finished) return NULL;
    f->vertical = true;
    if (!(f->cid_v = new_cidfont(f))) return NULL;
    f->type0_v = new_type0(f, "Identity-V", f->cid_v);
    return f->type0_v;
}

/* ---- codes ---------------------------------------------------------- */

static bool rehash(tb_pdffont *f) {
    size_t nslot = f->nslot ? f->nslot * 2 : 256;
    uint32_t *slot = calloc(nslot, sizeof *slot);
    if (!slot) return false;
    for (size_t i = 0; i < f->n; i++) {
        const entry *e = &f->e[i];
        size_t h = (size_t)key_hash(f, e->gid, entry_text(f, e), e->ntext) & (nslot - 1);
        while (slot[h]) h = (h + 1) & (nslot - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(f->slot);
    f->slot = slot;
    f->nslot = nslot;
    return true;
}

/* Claim CODE for a CFF glyph; false when another glyph has it (a broken
** charset: CIDs of a CID-keyed font are distinct per glyph). */
static bool claim_cid(tb_pdffont *f, unsigned code) {
    if (!f->cid_used && !(f->cid_used = calloc(65536 / 8, 1))) return false;
    if (f->cid_used[code >> 3] & (1u << (code & 7))) return false;
    f->cid_used[code >> 3] |= (unsigned char)(1u << (code & 7));
    return true;
}

/* E's vertical metrics, read once: the vertical origin of a glyph in a
** font without VORG comes from its outline's extents, so horizontal-only
** faces never ask (and never read their outlines here). */
static void vertical_metrics(tb_pdffont *f, entry *e) {
    if (e->v_done) return;
    double k = 1000000.0 / f->upem; /* font units (the hb_font's scale is upem) to 1/1000000 em */
    hb_position_t ox = 0, oy = 0;
    hb_font_get_glyph_v_origin(f->hb, e->gid, &ox, &oy);
    e->w1y = lround(hb_font_get_glyph_v_advance(f->hb, e->gid) * k);
    e->vx = lround(ox * k);
    e->vy = lround(oy * k);
    e->v_done = true;
}

bool tb_pdffont_glyph(tb_pdffont *f, uint32_t gid, const char *text, size_t ntext,
                      tb_pdfglyph *out) {
    tb_pdffonts *s = f->set;
    if (!text || !ntext) {
        text = "";
        ntext = 0;
    }
    if (gid >= f->nglyphs) {
        tb_error(s->ctx, s->file, 0, 0, "font '%s' has no glyph %u", tb_face_id(f->face), (unsigned)gid);
        return false;
    }
    if (ntext > 0xFFFF) ntext = 0xFFFF;
    uint64_t hv = key_hash(f, gid, text, ntext);
    if (f->nslot) {
        for (size_t h = (size_t)hv & (f->nslot - 1); f->slot[h]; h = (h + 1) & (f->nslot - 1)) {
            entry *e = &f->e[f->slot[h] - 1];
            if (e->gid != gid) continue;
            if (f->cff) {
                /* one code per glyph: the first text seen maps it */
                if (!e->ntext && ntext && !s->finished && f->text.n + ntext < UINT32_MAX) {
                    e->text = (uint32_t)f->text.n;
                    e->ntext = (uint32_t)ntext;
                    pdfbuf_add(&f->text, text, ntext);
                }
            } else if (e->ntext != ntext || (ntext && memcmp(entry_text(f, e), text, ntext))) {
                continue;
            }
            if (f->vertical) vertical_metrics(f, e);
            out->code = e->code;
            out->w = (float)e->w / 1000.0f;
            out->w1y = (float)e->w1y / 1000.0f;
            return true;
        }
    }
    if (s->finished) {
        tb_error(s->ctx, s->file, 0, 0, "internal: glyph added to font '%s' after it was finished",
                 tb_face_id(f->face));
        return false;
    }
    unsigned code;
    if (!f->cff) {
        if (f->next_code > 65535) {
            tb_error(s->ctx, s->file, 0, 0, "font '%s': more than 65,535 distinct glyphs in one document",
                     tb_face_id(f->face));
            return false;
        }
        code = f->next_code++;
    } else if (f->cid_keyed) {
        FT_UInt cid = 0;
        if (FT_Get_CID_From_Glyph_Index(f->ft, gid, &cid) || cid > 65535 || !claim_cid(f, cid)) {
            tb_error(s->ctx, s->file, 0, 0, "font '%s': no usable CID for glyph %u", tb_face_id(f->face),
                     (unsigned)gid);
            return false;
        }
        code = cid;
    } else {
        code = gid;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        entry *e = realloc(f->e, cap * sizeof *e);
        if (!e) goto oom;
        f->e = e;
        f->cap = cap;
    }
    if (2 * (f->n + 1) > f->nslot && !rehash(f)) goto oom;
    if (f->text.n + ntext >= UINT32_MAX) goto oom;
    entry *e = &f->e[f->n];
    memset(e, 0, sizeof *e);
    e->gid = gid;
    e->code = (uint16_t)code;
    e->text = (uint32_t)f->text.n;
    e->ntext = (uint32_t)ntext;
    pdfbuf_add(&f->text, text, ntext);
    if (!pdfbuf_ok(&f->text)) goto oom;
    /* font units (the hb_font's scale is upem) to 1/1000000 em, rounded:
       the PDF's 1/1000 em with 3 decimals */
    e->w = lround(hb_font_get_glyph_h_advance(f->hb, gid) * (1000000.0 / f->upem));
    if (f->vertical) vertical_metrics(f, e);
    size_t h = (size_t)hv & (f->nslot - 1);
    while (f->slot[h]) h = (h + 1) & (f->nslot - 1);
    f->slot[h] = (uint32_t)f->n + 1;
    f->n++;
    out->code = e->code;
    out->w = (float)e->w / 1000.0f;
    out->w1y = (float)e->w1y / 1000.0f;
    return true;
oom:
    tb_error(s->ctx, s->file, 0, 0, "out of memory");
    return false;
}

/* ---- finishing ------------------------------------------------------ */

static int by_code(const void *a, const void *b) {
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    return (x->code > y->code) - (x->code < y->code);
}

/* A real from 1/1000000 em to 1/1000 em (3 decimals, exact in a float). */
static HPDF_STATUS add_milli(HPDF_Array a, long v) {
    if (v % 1000 == 0) return HPDF_Array_AddNumber(a, (HPDF_INT32)(v / 1000));
    return HPDF_Array_AddReal(a, (HPDF_REAL)v / 1000.0f);
}

/* /W: runs of consecutive codes, "c [w w …]"; widths of 1000 (= /DW) are
** left out.  Inner arrays are cut at 8,000 widths, far below libharu's
** limit of 32,767 items. */
static bool write_w(HPDF_Dict cid, entry **sorted, size_t n) {
    size_t other = 0;
    for (size_t i = 0; i < n; i++) other += sorted[i]->w != 1000000;
    if (!other) return true; /* all /DW */
    HPDF_Array w = HPDF_Array_New(cid->mmgr);
    if (HPDF_Dict_Add(cid, "W", w) != HPDF_OK) return false;
    HPDF_Array run = NULL;
    unsigned prev = 0, len = 0;
    for (size_t i = 0; i < n; i++) {
        const entry *e = sorted[i];
        if (e->w == 1000000) {
            run = NULL;
            continue;
        }
        if (!run || e->code != prev + 1 || len >= 8000) {
            if (HPDF_Array_AddNumber(w, e->code) != HPDF_OK) return false;
            run = HPDF_Array_New(cid->mmgr);
            if (HPDF_Array_Add(w, run) != HPDF_OK) return false;
            len = 0;
        }
        if (add_milli(run, e->w) != HPDF_OK) return false;
        prev = e->code;
        len++;
    }
    return true;
}

/* /W2: "c [w1y vx vy …]" for every code; /DW2 the usual [880 -1000]. */
static bool write_w2(tb_pdffont *f, HPDF_Dict cid, entry **sorted, size_t n) {
    HPDF_Array dw2 = HPDF_Array_New(cid->mmgr);
    if (HPDF_Dict_Add(cid, "DW2", dw2) != HPDF_OK || HPDF_Array_AddNumber(dw2, 880) != HPDF_OK ||
        HPDF_Array_AddNumber(dw2, -1000) != HPDF_OK)
        return false;
    HPDF_Array w2 = HPDF_Array_New(cid->mmgr);
    if (HPDF_Dict_Add(cid, "W2", w2) != HPDF_OK) return false;
    HPDF_Array run = NULL;
    unsigned prev = 0, len = 0;
    for (size_t i = 0; i < n; i++) {
        entry *e = sorted[i];
        vertical_metrics(f, e); /* a glyph drawn only horizontally before the face went vertical */
        if (!run || e->code != prev + 1 || len >= 8000) {
            if (HPDF_Array_AddNumber(w2, e->code) != HPDF_OK) return false;
            run = HPDF_Array_New(cid->mmgr);
            if (HPDF_Array_Add(w2, run) != HPDF_OK) return false;
            len = 0;
        }
        if (add_milli(run, e->w1y) != HPDF_OK || add_milli(run, e->vx) != HPDF_OK ||
            add_milli(run, e->vy) != HPDF_OK)
            return false;
        prev = e->code;
        len += 3;
    }
    return true;
}

/* The ToUnicode CMap: bfchar blocks of at most 100, UTF-16BE targets. */
static bool write_tounicode(tb_pdffont *f, entry **sorted, size_t n) {
    pdfbuf b = {0};
    pdfbuf_str(&b,
               "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
               "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
               "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
               "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
    size_t i = 0;
    while (i < n) {
        size_t k = 0, j = i;
        for (; j < n && k < 100; j++) k += sorted[j]->ntext > 0;
        if (k) {
            pdfbuf_uint(&b, k);
            pdfbuf_str(&b, " beginbfchar\n");
            for (size_t t = i; t < j; t++) {
                const entry *e = sorted[t];
                if (!e->ntext) continue;
                pdfbuf_char(&b, '<');
                pdfbuf_hex4(&b, e->code);
                pdfbuf_str(&b, "> <");
                const unsigned char *p = (const unsigned char *)entry_text(f, e);
                const unsigned char *end = p + e->ntext;
                unsigned units = 0;
                while (p < end && units < 250) { /* a target is at most 512 bytes */
                    uint32_t c = pdf_utf8_next(&p, end);
                    if (c >= 0x10000) {
                        c -= 0x10000;
                        pdfbuf_hex4(&b, 0xD800 + (c >> 10));
                        pdfbuf_hex4(&b, 0xDC00 + (c & 0x3FF));
                        units += 2;
                    } else {
                        pdfbuf_hex4(&b, c);
                        units++;
                    }
                }
                pdfbuf_str(&b, ">\n");
            }
            pdfbuf_str(&b, "endbfchar\n");
        }
        i = j;
    }
    pdfbuf_str(&b, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    bool ok = pdfbuf_ok(&b) && tb_pdfstream_deflate(f->tounicode, b.p, b.n, TB_DEFLATE_SMALL);
    if (!ok && HPDF_GetError(f->set->pdf) == HPDF_OK) tb_error(f->set->ctx, f->set->file, 0, 0, "out of memory");
    pdfbuf_free(&b);
    return ok;
}

/* "ABCDEF+Name": the tag is a hash of the name and the (code, glyph) set,
** so the same glyphs give the same name in every build. */
static void subset_name(const tb_pdffont *f, entry **sorted, size_t n, const char *ps, char *out,
                        size_t cap) {
    uint64_t h = fnv(FNV0, ps, strlen(ps));
    for (size_t i = 0; i < n; i++) {
        unsigned char k[6] = {(unsigned char)(sorted[i]->code >> 8), (unsigned char)sorted[i]->code,
                              (unsigned char)(sorted[i]->gid >> 24), (unsigned char)(sorted[i]->gid >> 16),
                              (unsigned char)(sorted[i]->gid >> 8), (unsigned char)sorted[i]->gid};
        h = fnv(h, k, sizeof k);
    }
    h = fnv(h, f->vertical ? "V" : "H", 1);
    char tag[7];
    for (int i = 0; i < 6; i++, h /= 26) tag[i] = (char)('A' + h % 26);
    tag[6] = 0;
    /* 127 is libharu's name limit; "-Identity-H" follows on the Type0 */
    snprintf(out, cap, "%s+%.100s", tag, ps);
}

/* The PostScript name, or the catalogue id, as a PDF name. */
static void ps_name(tb_pdffont *f, char *out, size_t cap) {
    const tb_face_metrics *m = tb_face_get_metrics(f->face);
    copy_cstr(out, cap, m->psname && *m->psname ? m->psname : tb_face_id(f->face));
    for (char *p = out; *p; p++)
        if (*p <= ' ' || *p > '~' || strchr("()<>[]{}/%#", *p)) *p = '-';
}

struct mapping {
    void *p;
    size_t n;
};

static void unmap(void *user) {
    struct mapping *m = user;
    munmap(m->p, m->n);
    free(m);
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* FACE as hb-subset is to read it: the font file mapped privately (copy
** on write) with its table directory's 'cmap' entry renamed.  A PDF CID
** font needs no character map (glyphs are found by CID), but hb-subset,
** given glyph ids, still maps every character of the font and keeps the
** glyphs of variation sequences (IVS) of the characters that map to the
** glyphs kept: on BIZ UD Mincho that is half of its time and 7 % of the
** subset.  The face's own mapping stays as it is (shaping reads its cmap).
** Falls back to the face itself when the file cannot be mapped again. */
static hb_face_t *subset_source(tb_face *face, const hb_set_t *gids) {
    hb_face_t *own = tb_face_hb_face(face);
    int fd = open(tb_face_path(face), O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return hb_face_reference(own);
    if (fstat(fd, &st) != 0 || st.st_size < 12) {
        close(fd);
        return hb_face_reference(own);
    }
    size_t n = (size_t)st.st_size;
    /* read-only (what hb-subset reads is populated below, in a few calls);
       the directory's pages are made writable below, copied on write */
    unsigned char *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    struct mapping *m = p == MAP_FAILED ? NULL : malloc(sizeof *m);
    if (!m) {
        if (p != MAP_FAILED) munmap(p, n);
        return hb_face_reference(own);
    }
    *m = (struct mapping){p, n};
    /* the directory: at 0, or in a collection (ttcf) where its header says */
    size_t dir = 0;
    unsigned index = tb_face_index(face);
    if (!memcmp(p, "ttcf", 4)) {
        size_t at = 12 + 4 * (size_t)index;
        dir = at + 4 <= n && be32(p + 8) > index ? be32(p + at) : n;
    }
    if (dir + 12 <= n) {
        size_t ntables = (size_t)p[dir + 4] << 8 | p[dir + 5];
        size_t page = (size_t)sysconf(_SC_PAGESIZE), lo = dir & ~(page - 1);
        size_t hi = dir + 12 + 16 * ntables < n ? dir + 12 + 16 * ntables : n;
        if (mprotect(p + lo, hi - lo, PROT_READ | PROT_WRITE) != 0) {
            munmap(p, n);
            free(m);
            return hb_face_reference(own);
        }
        for (size_t i = 0; i < ntables && dir + 12 + 16 * (i + 1) <= n; i++) {
            unsigned char *tag = p + dir + 12 + 16 * i;
            if (!memcmp(tag, "cmap", 4)) tag[3] = 'q'; /* "cmaq": the same place in the sort order */
        }
    }
    hb_blob_t *blob = hb_blob_create((const char *)p, (unsigned)n, HB_MEMORY_MODE_READONLY, m, unmap);
    hb_face_t *f = hb_face_create(blob, index);
    hb_blob_destroy(blob);
    if (!f || hb_face_get_glyph_count(f) != hb_face_get_glyph_count(own)) { /* not what we expected */
        hb_face_destroy(f);
        return hb_face_reference(own);
    }
    /* what hb-subset reads of the tables it keeps (pdffont drops the rest) */
    static const hb_tag_t kept[] = {HB_TAG('h', 'e', 'a', 'd'), HB_TAG('h', 'h', 'e', 'a'), HB_TAG('h', 'm', 't', 'x'),
                                    HB_TAG('m', 'a', 'x', 'p'), HB_TAG('O', 'S', '/', '2'), HB_TAG('l', 'o', 'c', 'a'),
                                    HB_TAG('v', 'h', 'e', 'a'), HB_TAG('v', 'm', 't', 'x'), HB_TAG('V', 'O', 'R', 'G'), 0};
    tb_font_populate(f, kept, gids);
    return f;
}

/* Subset J->face to J->gids and deflate the program: no diagnostics (the
** worker runs this); false when hb-subset fails or memory runs out. */
static bool make_subset(subset_job *j) {
    /* subset: the glyphs used and .notdef, no Unicode, no layout tables;
       no hinting (PDF viewers and RIPs rasterise without it; 15 % smaller,
       and faster to subset and compress), and none of the tables a CID
       font in PDF does without: glyphs are found through CIDToGIDMap (or
       the CFF charset), names through the descriptor and ToUnicode */
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in) return false;
    hb_set_union(hb_subset_input_glyph_set(in), j->gids);
    hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    static const char *const dropped[] = {"GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "DSIG", "meta",
                                          "kern", "hdmx", "VDMX", "LTSH", "gasp", "cmap", "cmaq", "post", "name"};
    for (size_t i = 0; i < sizeof dropped / sizeof *dropped; i++)
        hb_set_add(drop, hb_tag_from_string(dropped[i], 4));
    if (!j->vertical) {
        hb_set_add(drop, HB_TAG('v', 'h', 'e', 'a'));
        hb_set_add(drop, HB_TAG('v', 'm', 't', 'x'));
        hb_set_add(drop, HB_TAG('V', 'O', 'R', 'G'));
    }
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NOTDEF_OUTLINE | HB_SUBSET_FLAGS_NO_HINTING |
                                      (j->retain ? HB_SUBSET_FLAGS_RETAIN_GIDS : 0));
    if (!j->hbf) j->hbf = subset_source(j->face, j->gids); /* mapping the file is work too */
    j->plan = hb_subset_plan_create_or_fail(j->hbf, in);
    hb_subset_input_destroy(in);
    j->sub = j->plan ? hb_subset_plan_execute_or_fail(j->plan) : NULL;
    if (!j->sub) return false;
    j->blob = j->cff ? hb_face_reference_table(j->sub, HB_TAG('C', 'F', 'F', ' ')) : hb_face_reference_blob(j->sub);
    const char *data = hb_blob_get_data(j->blob, &j->len);
    if (!j->len) return true; /* reported by the caller */
    j->z = tb_deflate(data, j->len, j->level, &j->zn);
    return j->z != NULL;
}

static void subset_job_run(void *arg) {
    subset_job *j = arg;
    if (!atomic_load(&j->cancelled)) make_subset(j);
}

/* The job F can use: the worker's, when it subset exactly F's glyphs with
** F's vertical tables; else one computed now into TMP.  NULL on failure
** (reported). */
static subset_job *subset_for(tb_pdffont *f, subset_job *tmp) {
    tb_pdffonts *s = f->set;
    hb_set_t *used = hb_set_create();
    hb_set_add(used, 0);
    for (size_t i = 0; i < f->n; i++) hb_set_add(used, f->e[i].gid);
    if (!hb_set_allocation_successful(used)) {
        hb_set_destroy(used);
        tb_error(s->ctx, s->file, 0, 0, "out of memory");
        return NULL;
    }
    for (subset_job *j = s->jobs; j; j = j->next)
        if (j->face == f->face && j->vertical == f->vertical && j->plan &&
            (j->early ? hb_set_is_subset(used, j->gids) : hb_set_is_equal(j->gids, used))) {
            hb_set_destroy(used);
            return j;
        }
    *tmp = (subset_job){.face = f->face, .hbf = subset_source(f->face, used), .cff = f->cff,
                        .retain = f->cff && !f->cid_keyed, .vertical = f->vertical, .level = s->level,
                        .gids = used};
    make_subset(tmp);
    return tmp;
}

static bool finish_font(tb_pdffont *f) {
    tb_pdffonts *s = f->set;
    bool ok = false;
    subset_job tmp = {0}, *j = NULL;
    entry **sorted = NULL;
    unsigned char *map = NULL;

    sorted = malloc((f->n ? f->n : 1) * sizeof *sorted);
    if (!sorted) goto oom;
    for (size_t i = 0; i < f->n; i++) sorted[i] = &f->e[i];
    qsort(sorted, f->n, sizeof *sorted, by_code);

    j = subset_for(f, &tmp);
    if (!j) goto done;
    if (!j->sub) {
        tb_error(s->ctx, s->file, 0, 0, "font '%s' (%s): hb-subset failed", tb_face_id(f->face),
                 tb_face_path(f->face));
        goto done;
    }
    unsigned len = j->len;
    if (!len) {
        tb_error(s->ctx, s->file, 0, 0, "font '%s' (%s): hb-subset produced an empty font",
                 tb_face_id(f->face), tb_face_path(f->face));
        goto done;
    }
    if (!j->z) goto oom;

    /* the font file */
    f->file = new_stream(s);
    if (!f->file) goto done;
    if (f->cff) {
        if (HPDF_Dict_AddName(f->file, "Subtype", "CIDFontType0C") != HPDF_OK ||
            HPDF_Dict_Add(f->desc, "FontFile3", f->file) != HPDF_OK)
            goto done;
    } else if (HPDF_Dict_AddNumber(f->file, "Length1", (HPDF_INT32)len) != HPDF_OK ||
               HPDF_Dict_Add(f->desc, "FontFile2", f->file) != HPDF_OK) {
        goto done;
    }
    unsigned char *z = j->z;
    j->z = NULL; /* the stream's now */
    if (!tb_pdfstream_take_deflated(f->file, z, j->zn)) goto stream_failed;

    /* CIDToGIDMap: the subset's glyph id of every CID, 2 bytes big-endian */
    if (!f->cff) {
        unsigned max = f->n ? sorted[f->n - 1]->code : 0;
        size_t nmap = 2 * ((size_t)max + 1);
        map = calloc(nmap, 1);
        if (!map) goto oom;
        const hb_map_t *o2n = hb_subset_plan_old_to_new_glyph_mapping(j->plan);
        for (size_t i = 0; i < f->n; i++) {
            hb_codepoint_t g = hb_map_get(o2n, f->e[i].gid);
            if (g == HB_MAP_VALUE_INVALID || g > 65535) {
                tb_error(s->ctx, s->file, 0, 0, "font '%s': glyph %u missing from its subset",
                         tb_face_id(f->face), (unsigned)f->e[i].gid);
                goto done;
            }
            map[2 * f->e[i].code] = (unsigned char)(g >> 8);
            map[2 * f->e[i].code + 1] = (unsigned char)g;
        }
        if (!tb_pdfstream_deflate(f->cidmap, map, nmap, TB_DEFLATE_SMALL)) goto stream_failed;
    }

    /* names */
    char ps[128], base[128], t0[160];
    ps_name(f, ps, sizeof ps);
    subset_name(f, sorted, f->n, ps, base, sizeof base);
    if (HPDF_Dict_AddName(f->desc, "FontName", base) != HPDF_OK ||
        HPDF_Dict_AddName(f->cid_h, "BaseFont", base) != HPDF_OK)
        goto done;
    snprintf(t0, sizeof t0, "%s-Identity-H", base);
    if (HPDF_Dict_AddName(f->type0_h, "BaseFont", t0) != HPDF_OK) goto done;
    if (!write_w(f->cid_h, sorted, f->n)) goto done;
    if (f->type0_v) {
        snprintf(t0, sizeof t0, "%s-Identity-V", base);
        if (HPDF_Dict_AddName(f->cid_v, "BaseFont", base) != HPDF_OK ||
            HPDF_Dict_AddName(f->type0_v, "BaseFont", t0) != HPDF_OK || !write_w(f->cid_v, sorted, f->n) ||
            !write_w2(f, f->cid_v, sorted, f->n))
            goto done;
    }
    ok = write_tounicode(f, sorted, f->n);
    goto done;
stream_failed:
    if (HPDF_GetError(s->pdf) != HPDF_OK) goto done; /* libharu's: render reports it */
oom:
    tb_error(s->ctx, s->file, 0, 0, "out of memory");
done:
    free(map);
    free(sorted);
    if (j == &tmp || !j) {
        job_clear(&tmp);
        hb_set_destroy(tmp.gids);
        hb_face_destroy(tmp.hbf);
    } else {
        job_clear(j); /* the worker's: done with it */
    }
    return ok;
}

/* Add N glyph ids (STRIDE bytes apart) of FACE to its job in *LIST, made
** at LEVEL (EARLY: for tb_early_fonts) on first use; nothing when the face
** cannot be subset here (then finish subsets it itself). */
static void declare_in(subset_job **list, int level, bool early, tb_face *face, bool vertical, const uint32_t *gids,
                       size_t n, size_t stride) {
    subset_job *j = *list, **tail = list;
    for (; j; tail = &j->next, j = j->next)
        if (j->face == face) break;
    if (!j) {
        if (!tb_face_hb_face(face) || !(j = calloc(1, sizeof *j))) return;
        j->face = face;
        j->cff = tb_face_is_cff(face);
        if (j->cff) {
            FT_Face ft = tb_face_ft(face);
            if (!ft) {
                free(j);
                return;
            }
            j->retain = !cid_keyed(ft); /* as subset_for decides for the font */
        }
        j->level = level;
        j->early = early;
        j->gids = hb_set_create();
        hb_set_add(j->gids, 0);
        *tail = j;
    }
    j->vertical |= vertical;
    for (size_t i = 0; i < n; i++) hb_set_add(j->gids, *(const uint32_t *)(const void *)((const char *)gids + i * stride));
}

/* Sort *LIST by glyphs, the most first (stable): the worker starts on the
** longest job and the drawing thread, when it is done, takes the short
** ones left; then queue the jobs not queued yet.  False (nothing queued)
** when a glyph set ran out of memory. */
static bool queue_jobs(subset_job **list, tb_workq *q) {
    for (subset_job *j = *list; j; j = j->next)
        if (!hb_set_allocation_successful(j->gids)) return false;
    subset_job *sorted = NULL;
    while (*list) {
        subset_job *j = *list, **at = &sorted;
        *list = j->next;
        while (*at && hb_set_get_population((*at)->gids) >= hb_set_get_population(j->gids)) at = &(*at)->next;
        j->next = *at;
        *at = j;
    }
    *list = sorted;
    for (subset_job *j = *list; j; j = j->next)
        if (!j->queued) {
            j->queued = true;
            tb_workq_add(q, subset_job_run, j);
        }
    return true;
}

void tb_pdffonts_declare(tb_pdffonts *s, tb_face *face, bool vertical, const uint32_t *gids, size_t n,
                         size_t stride) {
    if (s->q || s->finished || !face) return;
    declare_in(&s->jobs, s->level, false, face, vertical, gids, n, stride);
}

/* An early job that does for J: the same face, vertical tables and level,
** and J's glyphs with at most 10 (or 1 %) more (digits, a hyphen, a few
** glyphs shaped in the first pass that no page shows: a font a little
** larger, made while the pages were laid out). */
static subset_job *early_for(tb_early_fonts *e, const subset_job *j) {
    for (subset_job **at = e ? &e->jobs : NULL; at && *at; at = &(*at)->next) {
        subset_job *x = *at;
        if (x->face != j->face || x->vertical != j->vertical || x->level != j->level || x->cff != j->cff ||
            x->retain != j->retain || !hb_set_is_subset(j->gids, x->gids))
            continue;
        unsigned extra = hb_set_get_population(x->gids) - hb_set_get_population(j->gids);
        if (extra > 10 && 100 * extra > hb_set_get_population(j->gids)) continue;
        *at = x->next; /* the caller's now */
        x->next = NULL;
        return x;
    }
    return NULL;
}

void tb_pdffonts_start(tb_pdffonts *s, tb_workq *q, tb_early_fonts *early) {
    if (s->q || s->finished || !s->jobs || !q) return;
    for (subset_job **at = &s->jobs; *at; at = &(*at)->next) {
        subset_job *x = early_for(early, *at);
        if (!x) continue;
        x->next = (*at)->next;
        job_free(*at);
        *at = x;
    }
    for (subset_job *x = early ? early->jobs : NULL; x; x = x->next)
        atomic_store(&x->cancelled, true); /* not begun yet: never will be */
    if (queue_jobs(&s->jobs, q)) s->q = q;
}

/* ---- early subsets (render.h) ------------------------------------------ */

tb_early_fonts *tb_early_fonts_new(tb_ctx *ctx, tb_variant variant) {
    tb_early_fonts *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->ctx = ctx;
    e->level = variant == TB_VARIANT_PRINT ? TB_DEFLATE_PRINT : TB_DEFLATE_WEB;
    return e;
}

void tb_early_fonts_add(tb_early_fonts *e, tb_face *face, bool vertical, const uint32_t *gids, size_t n,
                        size_t stride) {
    if (!e || e->q || !face) return;
    declare_in(&e->jobs, e->level, true, face, vertical, gids, n, stride);
}

void tb_early_fonts_start(tb_early_fonts *e) {
    if (!e || e->q || !e->jobs || !(e->q = tb_ctx_workq(e->ctx))) return;
    /* what the pages may add to the glyphs shaped: the page numbers refs
       and the contents print are "10" in the first pass, so a face with
       "1" or "0" gets every digit; a line may end in a hyphen the break
       stage adds (U+2010, else "-"), so a face with Latin letters gets
       that.  Then its subset is more often the one drawn. */
    for (subset_job *j = e->jobs; j; j = j->next) {
        uint32_t g0 = tb_face_glyph(j->face, '0'), g1 = tb_face_glyph(j->face, '1');
        if ((g0 && hb_set_has(j->gids, g0)) || (g1 && hb_set_has(j->gids, g1)))
            for (uint32_t c = '0'; c <= '9'; c++) {
                uint32_t g = tb_face_glyph(j->face, c);
                if (g) hb_set_add(j->gids, g);
            }
        uint32_t ge = tb_face_glyph(j->face, 'e'), ga = tb_face_glyph(j->face, 'a');
        if ((ge && hb_set_has(j->gids, ge)) || (ga && hb_set_has(j->gids, ga))) {
            uint32_t h = tb_face_glyph(j->face, 0x2010);
            if (!h) h = tb_face_glyph(j->face, '-');
            if (h) hb_set_add(j->gids, h);
        }
    }
    if (!queue_jobs(&e->jobs, e->q)) e->q = NULL;
}

void tb_early_fonts_free(tb_early_fonts *e) {
    if (!e) return;
    for (subset_job *j = e->jobs, *nx; j; j = nx) {
        nx = j->next;
        atomic_store(&j->cancelled, true);
        if (j->queued) tb_workq_wait_for(e->q, j); /* begun: it ends first */
        job_free(j);
    }
    free(e);
}

bool tb_pdffonts_finish(tb_pdffonts *s) {
    if (s->finished) {
        tb_error(s->ctx, s->file, 0, 0, "internal: fonts finished twice");
        return false;
    }
    s->finished = true;
    tb_workq_wait(s->q); /* the subsets */
    for (tb_pdffont *f = s->first; f; f = f->next)
        if (!finish_font(f)) return false;
    return true;
}
