/*
** catalogue.c — the font catalogue (fonts/catalogue.xml) and lazy faces.
**
** The catalogue names faces (a file and a face index) and chains of faces
** per role, weight and language.  A face costs nothing until a stage asks
** for its glyphs: then the file is mapped (hb_blob_create_from_file maps
** it) and, only when render needs CFF CIDs, FreeType opens it.
*/
#include "font.h"
#include <hb-ot.h>
#include <stdint.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../base/mem.h"
#include FT_TRUETYPE_TABLES_H

struct tb_face {
    char *id, *file;        /* owned: from the catalogue */
    char *path;             /* owned: resolved file, NULL if not found */
    unsigned index;
    int line;               /* line of <face> in the catalogue */
    bool tried, ok;         /* opened once; ok when usable */
    hb_blob_t *blob;        /* owned references */
    hb_face_t *hb_face;
    hb_font_t *hb_font;
    FT_Face ft;             /* owned; NULL until asked for */
    bool ft_tried;
    int is_cff;             /* -1 unknown */
    bool have_metrics;
    tb_face_metrics m;
    char *psname;           /* owned */
    tb_fontcat *cat;        /* back reference (borrowed) */
    /* tb_face_glyph's answers, direct-mapped by code point (cp UINT32_MAX:
       empty); one thread asks (shape and break) */
    struct { uint32_t cp, gid; } glyphs[2048];
};

typedef struct chain {
    char *role, *lang;      /* owned; lang "*" = any */
    bool bold;
    tb_face **faces;        /* owned array of borrowed faces */
    size_t n;
} chain;

struct tb_fontcat {
    char *path, *dir;       /* owned */
    char **search;          /* owned list of folders */
    size_t nsearch;
    tb_face **faces;
    size_t nfaces;
    chain *chains;
    size_t nchains;
    FT_Library ft;          /* owned; NULL until needed */
};

static char *xattr(xmlNode *n, const char *name) {
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v) return NULL;
    char *s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

static bool is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *path_join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

static char *resolve(tb_fontcat *cat, const char *file) {
    if (file[0] == '/') return is_file(file) ? strdup(file) : NULL;
    char *p = path_join(cat->dir, file);
    if (is_file(p)) return p;
    free(p);
    for (size_t i = 0; i < cat->nsearch; i++) {
        p = path_join(cat->search[i], file);
        if (is_file(p)) return p;
        free(p);
    }
    return NULL;
}

static tb_face *find_face(tb_fontcat *cat, const char *id) {
    for (size_t i = 0; i < cat->nfaces; i++)
        if (!strcmp(cat->faces[i]->id, id)) return cat->faces[i];
    return NULL;
}

#define PUSH(arr, n, v)                                             \
    do {                                                            \
        void *np_ = realloc((arr), ((n) + 1) * sizeof *(arr));      \
        if (!np_) abort();                                          \
        (arr) = np_;                                                \
        (arr)[(n)++] = (v);                                         \
    } while (0)

tb_fontcat *tb_fontcat_load(tb_ctx *ctx, const char *path) {
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                              XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        tb_error(ctx, path, e ? e->line : 0, e ? e->int2 : 0,
                 "font catalogue is not well-formed XML: %s",
                 e && e->message ? e->message : "unreadable");
        return NULL;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "catalogue")) {
        tb_error(ctx, path, root ? (int)xmlGetLineNo(root) : 1, 1,
                 "the root element of a font catalogue is <catalogue>");
        xmlFreeDoc(doc);
        return NULL;
    }
    tb_fontcat *cat = calloc(1, sizeof *cat);
    cat->path = strdup(path);
    cat->dir = strdup(path);
    char *slash = strrchr(cat->dir, '/');
    if (slash) *slash = 0;
    else strcpy(cat->dir, ".");
    size_t nerr = tb_diags_count(ctx->diags, TB_ERROR);

    for (xmlNode *n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        int line = (int)xmlGetLineNo(n);
        const char *name = (const char *)n->name;
        if (!strcmp(name, "search")) {
            char *dir = xattr(n, "dir");
            if (!dir) { tb_error(ctx, path, line, 1, "<search> needs dir"); continue; }
            PUSH(cat->search, cat->nsearch, dir);
        } else if (!strcmp(name, "face")) {
            char *id = xattr(n, "id"), *file = xattr(n, "file"), *idx = xattr(n, "index");
            if (!id || !file) {
                tb_error(ctx, path, line, 1, "<face> needs id and file");
                free(id); free(file); free(idx);
                continue;
            }
            if (find_face(cat, id)) {
                tb_error(ctx, path, line, 1, "duplicate face id '%s'", id);
                free(id); free(file); free(idx);
                continue;
            }
            tb_face *f = calloc(1, sizeof *f);
            f->id = id;
            f->file = file;
            f->index = idx ? (unsigned)strtoul(idx, NULL, 10) : 0;
            f->line = line;
            f->is_cff = -1;
            f->cat = cat;
            free(idx);
            PUSH(cat->faces, cat->nfaces, f);
        } else if (!strcmp(name, "chain")) {
            chain c = {0};
            c.role = xattr(n, "role");
            c.lang = xattr(n, "lang");
            char *w = xattr(n, "weight");
            c.bold = w && !strcmp(w, "bold");
            free(w);
            if (!c.role) c.role = strdup("body");
            if (!c.lang) c.lang = strdup("*");
            for (xmlNode *u = n->children; u; u = u->next) {
                if (u->type != XML_ELEMENT_NODE) continue;
                char *fid = xattr(u, "face");
                tb_face *f = fid ? find_face(cat, fid) : NULL;
                if (!f)
                    tb_error(ctx, path, (int)xmlGetLineNo(u), 1,
                             "<use> names no face defined above: '%s'", fid ? fid : "");
                else
                    PUSH(c.faces, c.n, f);
                free(fid);
            }
            PUSH(cat->chains, cat->nchains, c);
        } else {
            tb_error(ctx, path, line, 1, "unknown element <%s> in the font catalogue", name);
        }
    }
    xmlFreeDoc(doc);
    for (size_t i = 0; i < cat->nfaces; i++)
        cat->faces[i]->path = resolve(cat, cat->faces[i]->file);
    if (tb_diags_count(ctx->diags, TB_ERROR) > nerr) {
        tb_fontcat_free(cat);
        return NULL;
    }
    return cat;
}

static void face_free(tb_face *f) {
    if (f->hb_font) hb_font_destroy(f->hb_font);
    if (f->hb_face) hb_face_destroy(f->hb_face);
    if (f->blob) hb_blob_destroy(f->blob);
    if (f->ft) FT_Done_Face(f->ft);
    free(f->id); free(f->file); free(f->path); free(f->psname);
    free(f);
}

void tb_fontcat_free(tb_fontcat *cat) {
    if (!cat) return;
    for (size_t i = 0; i < cat->nfaces; i++) face_free(cat->faces[i]);
    for (size_t i = 0; i < cat->nchains; i++) {
        free(cat->chains[i].role);
        free(cat->chains[i].lang);
        free(cat->chains[i].faces);
    }
    for (size_t i = 0; i < cat->nsearch; i++) free(cat->search[i]);
    free(cat->search); free(cat->faces); free(cat->chains);
    if (cat->ft) FT_Done_FreeType(cat->ft);
    free(cat->path); free(cat->dir);
    free(cat);
}

const char *tb_fontcat_path(const tb_fontcat *cat) { return cat->path; }

static bool lang_match(const char *want, const char *have, size_t prefix) {
    if (prefix) return strlen(have) == prefix && !strncmp(want, have, prefix);
    return !strcmp(want, have);
}

static chain *find_chain(tb_fontcat *cat, const char *role, bool bold, const char *lang) {
    size_t primary = strcspn(lang, "-_");
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < cat->nchains; i++) {
            chain *c = &cat->chains[i];
            if (strcmp(c->role, role) || c->bold != bold) continue;
            if ((pass == 0 && lang_match(lang, c->lang, 0)) ||
                (pass == 1 && lang_match(lang, c->lang, primary)) ||
                (pass == 2 && !strcmp(c->lang, "*")))
                return c;
        }
    return NULL;
}

size_t tb_fontcat_chain(tb_ctx *ctx, tb_fontcat *cat, const char *role, bool bold,
                        const char *lang, tb_face **out, size_t max, bool *fake_bold) {
    if (!lang || !*lang) lang = "*";
    chain *c = find_chain(cat, role, bold, lang);
    bool fake = false;
    if (!c && bold) {
        c = find_chain(cat, role, false, lang);
        fake = c != NULL;
    }
    if (!c && strcmp(role, "body")) return tb_fontcat_chain(ctx, cat, "body", bold, lang, out, max, fake_bold);
    if (fake_bold) *fake_bold = fake;
    if (!c) {
        tb_error(ctx, cat->path, 1, 1, "no font chain for role '%s' and language '%s'", role, lang);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->n && n < max; i++) out[n++] = c->faces[i];
    /* the "*" chain of the role backs up a language's own chain */
    chain *any = find_chain(cat, c->role, c->bold, "*");
    if (any && any != c)
        for (size_t i = 0; i < any->n && n < max; i++) {
            bool dup = false;
            for (size_t j = 0; j < n; j++) dup |= out[j] == any->faces[i];
            if (!dup) out[n++] = any->faces[i];
        }
    return n;
}

/* Big-endian fields of table data (0 past its end). */
static unsigned get16(const unsigned char *p, unsigned n, unsigned off) {
    return off + 2 <= n ? (unsigned)p[off] << 8 | p[off + 1] : 0;
}

static uint32_t get32(const unsigned char *p, unsigned n, unsigned off) {
    return off + 4 <= n ? (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 | p[off + 3]
                        : 0;
}

/* The outlines of GLYPHS in a glyf table: the byte ranges loca gives,
** joined where they lie within 64 KB of each other (a fault maps that much
** around it anyway), each range one call. */
static void populate_glyf(hb_face_t *face, const hb_set_t *glyphs) {
    hb_blob_t *head = hb_face_reference_table(face, HB_TAG('h', 'e', 'a', 'd'));
    hb_blob_t *loca = hb_face_reference_table(face, HB_TAG('l', 'o', 'c', 'a'));
    hb_blob_t *glyf = hb_face_reference_table(face, HB_TAG('g', 'l', 'y', 'f'));
    unsigned nh = 0, nl = 0, ng = 0;
    const unsigned char *h = (const unsigned char *)hb_blob_get_data(head, &nh);
    const unsigned char *l = (const unsigned char *)hb_blob_get_data(loca, &nl);
    const char *g = hb_blob_get_data(glyf, &ng);
    if (h && l && g && nh >= 54) {
        bool longoff = get16(h, nh, 50) != 0;
        size_t lo = 0, hi = 0; /* the range being joined: [lo, hi) */
        for (hb_codepoint_t gid = HB_SET_VALUE_INVALID; hb_set_next(glyphs, &gid);) {
            size_t a = longoff ? get32(l, nl, 4 * gid) : 2 * (size_t)get16(l, nl, 2 * gid);
            size_t b = longoff ? get32(l, nl, 4 * gid + 4) : 2 * (size_t)get16(l, nl, 2 * gid + 2);
            if (b <= a || b > ng) continue;
            if (hi && a <= hi + 65536 && a >= lo) {
                if (b > hi) hi = b;
                continue;
            }
            if (hi) tb_mem_populate(g + lo, hi - lo);
            lo = a;
            hi = b;
        }
        if (hi) tb_mem_populate(g + lo, hi - lo);
    }
    hb_blob_destroy(head);
    hb_blob_destroy(loca);
    hb_blob_destroy(glyf);
}

void tb_font_populate(hb_face_t *face, const hb_tag_t *tables, const hb_set_t *glyphs) {
    if (tables) {
        for (; *tables; tables++) {
            hb_blob_t *t = hb_face_reference_table(face, *tables);
            unsigned len = 0;
            const char *data = hb_blob_get_data(t, &len);
            tb_mem_populate(data, len);
            hb_blob_destroy(t);
        }
        if (glyphs) populate_glyf(face, glyphs);
        return;
    }
    static const hb_tag_t bulk[] = {HB_TAG('g', 'l', 'y', 'f'), HB_TAG('C', 'F', 'F', ' '), HB_TAG('C', 'F', 'F', '2'),
                                    HB_TAG('S', 'V', 'G', ' '), HB_TAG('C', 'B', 'D', 'T'), HB_TAG('E', 'B', 'D', 'T'),
                                    HB_TAG('s', 'b', 'i', 'x')};
    hb_tag_t tags[64];
    unsigned start = 0, n;
    do {
        n = sizeof tags / sizeof *tags;
        hb_face_get_table_tags(face, start, &n, tags);
        for (unsigned i = 0; i < n; i++) {
            bool skip = false;
            for (size_t k = 0; k < sizeof bulk / sizeof *bulk; k++) skip |= tags[i] == bulk[k];
            if (skip) continue;
            hb_blob_t *t = hb_face_reference_table(face, tags[i]);
            unsigned len = 0;
            const char *data = hb_blob_get_data(t, &len);
            tb_mem_populate(data, len);
            hb_blob_destroy(t);
        }
        start += n;
    } while (n == sizeof tags / sizeof *tags);
    if (glyphs) populate_glyf(face, glyphs);
}

bool tb_face_open(tb_ctx *ctx, tb_face *f) {
    if (f->tried) return f->ok;
    f->tried = true;
    const char *cp = f->cat->path;
    if (!f->path) {
        tb_error(ctx, cp, f->line, 1, "font file '%s' of face '%s' not found", f->file, f->id);
        return false;
    }
    f->blob = hb_blob_create_from_file_or_fail(f->path);
    if (!f->blob) {
        tb_error(ctx, cp, f->line, 1, "cannot read font file '%s'", f->path);
        return false;
    }
    if (f->index >= hb_face_count(f->blob)) {
        tb_error(ctx, cp, f->line, 1, "'%s' is not a font file (or has no face %u)", f->path, f->index);
        return false;
    }
    f->hb_face = hb_face_create(f->blob, f->index);
    if (hb_face_get_glyph_count(f->hb_face) == 0 || hb_face_get_upem(f->hb_face) < 16) {
        tb_error(ctx, cp, f->line, 1, "'%s' is not a usable font file", f->path);
        return false;
    }
    tb_font_populate(f->hb_face, NULL, NULL);
    f->hb_font = hb_font_create(f->hb_face);
    for (size_t i = 0; i < sizeof f->glyphs / sizeof *f->glyphs; i++) f->glyphs[i].cp = UINT32_MAX;
    f->ok = true;
    return true;
}

hb_face_t *tb_face_hb_face(tb_face *f) { return f->ok ? f->hb_face : NULL; }
hb_font_t *tb_face_hb_font(tb_face *f) { return f->ok ? f->hb_font : NULL; }
unsigned tb_face_upem(const tb_face *f) { return f->ok ? hb_face_get_upem(f->hb_face) : 1000; }
const char *tb_face_id(const tb_face *f) { return f->id; }
const char *tb_face_path(const tb_face *f) { return f->path; }
unsigned tb_face_index(const tb_face *f) { return f->index; }

FT_Face tb_face_ft(tb_face *f) {
    if (f->ft || f->ft_tried || !f->ok) return f->ft;
    f->ft_tried = true;
    if (!f->cat->ft && FT_Init_FreeType(&f->cat->ft)) return NULL;
    const char *data;
    unsigned len;
    data = hb_blob_get_data(f->blob, &len);
    if (FT_New_Memory_Face(f->cat->ft, (const FT_Byte *)data, (FT_Long)len,
                           (FT_Long)f->index, &f->ft))
        f->ft = NULL;
    return f->ft;
}

bool tb_face_is_cff(tb_face *f) {
    if (f->is_cff < 0) {
        hb_blob_t *t = f->ok ? hb_face_reference_table(f->hb_face, HB_TAG('C', 'F', 'F', ' ')) : NULL;
        f->is_cff = t && hb_blob_get_length(t) > 0;
        hb_blob_destroy(t);
    }
    return f->is_cff;
}

uint32_t tb_face_glyph(tb_face *f, uint32_t cp) {
    if (!f->ok) return 0;
    unsigned slot = (cp ^ cp >> 11) & 2047;
    if (f->glyphs[slot].cp == cp) return f->glyphs[slot].gid;
    hb_codepoint_t g = 0;
    if (!hb_font_get_nominal_glyph(f->hb_font, cp, &g)) g = 0;
    f->glyphs[slot].cp = cp;
    f->glyphs[slot].gid = g;
    return g;
}

/* The same fields of a table blob, 16 bits signed (SIGN) or not, and 32
** bits signed. */
static int be16(const hb_blob_t *t, unsigned off, bool sign) {
    unsigned n = 0;
    const unsigned char *p = (const unsigned char *)hb_blob_get_data((hb_blob_t *)t, &n);
    unsigned v = get16(p, n, off);
    return sign && v >= 0x8000 ? (int)v - 0x10000 : (int)v;
}

static long be32s(const hb_blob_t *t, unsigned off) {
    unsigned n = 0;
    const unsigned char *p = (const unsigned char *)hb_blob_get_data((hb_blob_t *)t, &n);
    uint32_t v = get32(p, n, off);
    return v >= 0x80000000u ? (long)v - 0x100000000L : (long)v;
}

/* Read from the tables through HarfBuzz, as FreeType would give them (its
** face->ascender and bbox, FT_IS_FIXED_WIDTH, OS/2 and post, the
** PostScript name): FreeType itself is opened only for CFF CIDs. */
const tb_face_metrics *tb_face_get_metrics(tb_face *f) {
    if (f->have_metrics || !f->ok) return &f->m;
    f->have_metrics = true;
    hb_face_t *face = f->hb_face;
    hb_blob_t *hhea = hb_face_reference_table(face, HB_TAG('h', 'h', 'e', 'a'));
    hb_blob_t *head = hb_face_reference_table(face, HB_TAG('h', 'e', 'a', 'd'));
    hb_blob_t *post = hb_face_reference_table(face, HB_TAG('p', 'o', 's', 't'));
    hb_blob_t *os2 = hb_face_reference_table(face, HB_TAG('O', 'S', '/', '2'));
    bool has_os2 = hb_blob_get_length(os2) >= 78;
    f->m.ascender = be16(hhea, 4, true);
    f->m.descender = be16(hhea, 6, true);
    if (!f->m.ascender && !f->m.descender && has_os2) { /* FreeType's fallbacks */
        f->m.ascender = be16(os2, 68, true);
        f->m.descender = be16(os2, 70, true);
        if (!f->m.ascender && !f->m.descender) {
            f->m.ascender = be16(os2, 74, false);
            f->m.descender = -be16(os2, 76, false);
        }
    }
    for (int i = 0; i < 4; i++) f->m.bbox[i] = be16(head, 36 + 2 * (unsigned)i, true);
    f->m.fixed_pitch = be32s(post, 12) != 0;
    if (has_os2) {
        if (be16(os2, 0, false) >= 2) {
            f->m.cap_height = be16(os2, 88, true);
            f->m.x_height = be16(os2, 86, true);
        }
        /* IBM family class 1..7 and 10 are serif styles */
        int cls = be16(os2, 30, true) >> 8;
        f->m.serif = (cls >= 1 && cls <= 7) || cls == 10;
    }
    if (!f->m.cap_height) f->m.cap_height = f->m.ascender * 7 / 10;
    if (hb_blob_get_length(post) >= 8) f->m.italic_angle = (int)(be32s(post, 4) >> 16);
    hb_blob_destroy(hhea);
    hb_blob_destroy(head);
    hb_blob_destroy(post);
    hb_blob_destroy(os2);
    char ps[128];
    unsigned len = sizeof ps;
    if (!hb_ot_name_get_utf8(face, HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID, &len, ps)) ps[0] = 0;
    f->psname = strdup(ps[0] ? ps : f->id);
    for (char *p = f->psname; p && *p; p++)
        if (*p <= ' ' || *p > '~' || strchr("()<>[]{}/%#", *p)) *p = '-';
    f->m.psname = f->psname ? f->psname : f->id;
    return &f->m;
}
