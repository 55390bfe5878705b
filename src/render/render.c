/*
** render.c — laid-out pages to a PDF through libharu; see render.h.
**
** libharu owns the document: pages, graphics, annotations, outline, info,
** catalog.  Text is the exception: glyph runs are written as raw Tf/Tm/TJ
** operators into the page stream with codes of the Type0 fonts made by
** pdffont.c, always between libharu's own GSave/BeginText and
** EndText/GRestore so that its idea of the graphics state stays true.
**
** The steps, in order (tb_render_pdf):
**   1. HPDF_New, compression on before the first page (libharu compresses
**      the page contents; fonts, images and profiles are deflated here,
**      see pdfstream.h);
**   2. the sheets in order (print: blank pages for a saddle stitch), each
**      image's largest placed size; every page created and sized first
**      (links and the outline may point forward);
**   3. each page's items drawn in order, then (print) trim marks and slug;
**   4. (web) outline; document info, catalog entries, XMP, output intent;
**   5. fonts subset and finished, once; a preflight error fails here;
**   6. the PDF version set; saved into memory with a placeholder /ID;
**      (web) repacked into object streams (objstm.h); the /ID replaced by
**      a digest of the bytes (see fix_id()).
**
** Variants.  WEB: MediaBox = trim, DeviceRGB colours, /Lang, DisplayDocTitle,
** outline and links, document info and an XMP packet (uncompressed, on the
** catalog), images at most WEB_PPI at their placed size.  PRINT (PDF/X-1a:
** 2001, or PDF/X-4 with <page pdfx="x4">): MediaBox = trim plus MARGIN on
** each side for marks and slug (bleed only with marks="false"), TrimBox and
** BleedBox, DeviceCMYK and DeviceGray only (images separated with the press
** profile, see image.h), fills touching the trim extended into the bleed,
** Japanese double trim marks, K100 text and thin K100 rules overprinting,
** an output intent and the GTS_PDFX keys (X-4: in XMP too, with the press
** profile embedded); no annotations and no outline (PDF/X wants neither
** links nor actions on the sheet).
**
** Preflight (print).  While drawing: every fill and stroke colour's total
** ink against the layout's ink-limit (a warning above it, an error above
** INK_MAX), each converted image's pixels likewise, images below
** PPI_WARN (warning) or PPI_MIN (error) at their placed size, glyph runs
** closer than SAFE to the trim or smaller than MIN_TEXT (warnings, one per
** page and one per document); before drawing, a saddle-stitched booklet
** is padded to a multiple of four pages with blank pages before the back
** cover (a warning).  Findings name the guide (or, for a colour, the
** layout line that gave it).
**
** Errors.  libharu's handler records the first error; its state is checked
** after every step and any error makes the render fail (reported once, with
** the step).  Nothing survives a failure: the document is freed, *out NULL.
**
** Reproducibility.  No clock, no randomness: dates come from opts->epoch
** (UTC), subset tags from the glyph sets, the /ID from the bytes.
*/
#include "render.h"
#include <hpdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../font/font.h"
#include "../style/layout.h"
#include "image.h"
#include "objstm.h"
#include "pdfbuf.h"
#include "pdffont.h"
#include "pdfstream.h"
#include "tags.h"

#define MM (72.0f / 25.4f)
#define DEFAULT_BLEED (3 * MM)   /* pt */
#define PRINT_MARGIN (20 * MM)   /* pt: media beyond the trim, each side */
#define MARK_REACH (13 * MM)     /* pt: trim marks end this far out */
#define MARK_WIDTH 0.1f          /* pt */
#define SLUG_SIZE 6.0f           /* pt */
#define WEB_PPI 150.0f           /* web images: at most this at their placed size */
#define PPI_WARN 300.0f          /* print images: a warning below this */
#define PPI_MIN 150.0f           /* print images: an error below this */
#define INK_LIMIT 300.0f         /* %: default total ink limit (ink-limit on <page>) */
#define INK_MAX 350.0f           /* %: total ink above this is an error */
#define SAFE (3 * MM)            /* pt: text keeps this far inside the trim */
#define MIN_TEXT 6.0f            /* pt: smallest text a press is asked to print */
#define THIN_RULE 1.0f           /* pt: K100 rules this thin or thinner overprint */

/* A colour reported already (total ink), so each is reported once. */
typedef struct seen_color {
    float c, m, y, k;
} seen_color;

/* The largest size each image file is placed at (pt), for downsampling. */
typedef struct placed {
    const char *path;  /* borrowed from the pages */
    float w, h;
    bool reported;     /* resolution finding made */
    int line, col;     /* the <img> of its largest placement (for findings) */
} placed;

typedef struct rstate {
    tb_ctx *ctx;
    const tb_pages *pages;        /* borrowed */
    const tb_render_opts *opts;   /* borrowed */
    const char *file;             /* borrowed: name used in diagnostics */
    HPDF_Doc pdf;                 /* owned */
    HPDF_STATUS err, detail;      /* first error libharu reported */
    bool reported;                /* the libharu error is in ctx->diags */
    const char *doing;            /* the current step, for messages */
    tb_pdffonts *fonts;           /* owned */
    HPDF_Page *hp;                /* owned array: the libharu page of each page */
    bool print;
    float margin;                 /* pt: media beyond the trim on each side */
    float bleed;                  /* pt: print only */
    pdfbuf ops;                   /* owned: the current page's operators */
    tb_workq *wq;                 /* borrowed (the ctx's): subsets and page contents on the second core */
    struct content *contents;     /* owned: one per sheet, deflated by a job */
    int level;                    /* deflate level of streams (pdfstream.h) */
    tb_images *images;            /* owned: each file loaded once */
    placed *placed;               /* owned array */
    size_t nplaced;
    tb_face *slug_face;           /* (transfer none) first face of the pages */
    /* the sheets: pages in order, with NULL for a blank page (print) */
    const tb_page **pg;           /* owned array of borrowed pages */
    size_t npg;
    tb_page blank;                /* what a NULL in pg stands for */
    /* print settings */
    const tb_layout *layout;      /* borrowed, may be NULL */
    const char *where;            /* borrowed: file for preflight findings */
    int pdfx;                     /* 1 PDF/X-1a:2001, 4 PDF/X-4 */
    bool marks;                   /* trim marks and slug */
    float ink_limit;              /* % */
    HPDF_ExtGState overprint;     /* owned by the document, made on first use */
    seen_color *seen;             /* owned: colours whose ink was reported */
    size_t nseen;
    /* preflight tallies over the document */
    size_t small_runs;            /* glyph runs below MIN_TEXT */
    float smallest;               /* pt */
    size_t small_page;            /* 1-based page of the first */
    char small_text[64];
    bool input_error;             /* a preflight error was reported */
    tb_tagger *tags;              /* owned: the structure tree (web only) */
} rstate;

/* ---- errors --------------------------------------------------------- */

static void on_hpdf_error(HPDF_STATUS err, HPDF_STATUS detail, void *data) {
    rstate *rs = data;
    if (!rs->err) {
        rs->err = err;
        rs->detail = detail;
    }
}

static const char *hpdf_error_name(HPDF_STATUS e) {
    switch (e) {
    case HPDF_FAILD_TO_ALLOC_MEM: return "out of memory";
    case HPDF_FILE_IO_ERROR: return "file I/O error";
    case HPDF_FILE_OPEN_ERROR: return "cannot open file";
    case HPDF_INVALID_PNG_IMAGE: return "invalid PNG image";
    case HPDF_LIBPNG_ERROR: return "libpng error";
    case HPDF_INVALID_JPEG_DATA: return "invalid JPEG data";
    case HPDF_UNSUPPORTED_JPEG_FORMAT: return "unsupported JPEG format";
    case HPDF_INVALID_PARAMETER: return "invalid parameter";
    case HPDF_PAGE_OUT_OF_RANGE: return "value out of range";
    case HPDF_PAGE_INVALID_SIZE: return "invalid page size";
    case HPDF_PAGE_INVALID_GMODE: return "operator not allowed here";
    case HPDF_ARRAY_COUNT_ERR: return "array too long";
    case HPDF_DICT_COUNT_ERR: return "dictionary too long";
    case HPDF_INVALID_OBJECT: return "invalid object";
    case HPDF_STREAM_EOF: return "unexpected end of data";
    default: return "error";
    }
}

/* True while libharu has no error pending.  Errors raised through the
** handler and errors only set in the document (HPDF_SetError) both count. */
static bool hpdf_ok(rstate *rs) {
    return !rs->err && HPDF_GetError(rs->pdf) == HPDF_OK;
}

/* Report the pending libharu error once, under FILE; STATUS is a failing
** return value when libharu recorded nothing (a skipped stream write). */
static void report_hpdf_at(rstate *rs, const char *file, HPDF_STATUS status) {
    if (rs->reported) return;
    HPDF_STATUS e = rs->err, d = rs->detail;
    if (!e && rs->pdf) {
        e = HPDF_GetError(rs->pdf);
        d = HPDF_GetErrorDetail(rs->pdf);
    }
    if (!e) e = status;
    if (!e) return;
    rs->reported = true;
    tb_error(rs->ctx, file, 0, 0, "PDF library: %s (0x%04X, detail %u) while %s", hpdf_error_name(e), (unsigned)e,
             (unsigned)d, rs->doing);
}

static void report_hpdf(rstate *rs, HPDF_STATUS status) { report_hpdf_at(rs, rs->file, status); }

/* ---- coordinates and colour ----------------------------------------- */

/* Page coordinates (pt from the trim's top-left, y down) to PDF space. */
static float px(const rstate *rs, float x) { return rs->margin + x; }
static float py(const rstate *rs, const tb_page *pg, float y) { return rs->margin + pg->h - y; }

static float clamp01(float v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

static bool same_cmyk(const tb_color *a, float c, float m, float y, float k) {
    const float e = 0.0005f;
    return fabsf(a->c - c) < e && fabsf(a->m - m) < e && fabsf(a->y - y) < e && fabsf(a->k - k) < e;
}

/* Pure black for print: C = M = Y = 0, K = 100. */
static bool is_k100(const tb_color *c) {
    return clamp01(c->c) < 0.0005f && clamp01(c->m) < 0.0005f && clamp01(c->y) < 0.0005f && clamp01(c->k) > 0.9995f;
}

/* Where the layout gives colour C: the file and the line of the first
** style rule with it, else the file alone (masters, folio, header), else
** NULL (a colour of the guide or a built-in one). */
static const char *color_source(const tb_layout *l, const tb_color *c, int *line) {
    *line = 0;
    if (!l) return NULL;
    for (size_t i = 0; i < l->nrules; i++) {
        const tb_props *p = &l->rules[i].props;
        if (((p->mask & TB_P_COLOR) && same_cmyk(&p->color, c->c, c->m, c->y, c->k)) ||
            ((p->mask & TB_P_BACKGROUND) && same_cmyk(&p->background, c->c, c->m, c->y, c->k)) ||
            ((p->mask & TB_P_BORDER) && same_cmyk(&p->border_color, c->c, c->m, c->y, c->k)) ||
            ((p->mask & TB_P_RULE_BELOW) && same_cmyk(&p->rule_color, c->c, c->m, c->y, c->k))) {
            *line = l->rules[i].line;
            return l->file;
        }
    }
    const tb_master *ms[3] = {&l->cover, &l->body, &l->back};
    for (int i = 0; i < 3; i++)
        if (ms[i]->has_background && same_cmyk(&ms[i]->background, c->c, c->m, c->y, c->k)) return l->file;
    if (same_cmyk(&l->folio_color, c->c, c->m, c->y, c->k) || same_cmyk(&l->head_color, c->c, c->m, c->y, c->k))
        return l->file;
    return NULL;
}

/* Print: the total ink of colour C against the limit, each colour once. */
static void check_ink(rstate *rs, const tb_color *col) {
    float c = clamp01(col->c), m = clamp01(col->m), y = clamp01(col->y), k = clamp01(col->k);
    float total = (c + m + y + k) * 100;
    if (total <= rs->ink_limit + 0.05f) return;
    for (size_t i = 0; i < rs->nseen; i++)
        if (same_cmyk(col, rs->seen[i].c, rs->seen[i].m, rs->seen[i].y, rs->seen[i].k)) return;
    seen_color *v = realloc(rs->seen, (rs->nseen + 1) * sizeof *v);
    if (v) {
        rs->seen = v;
        rs->seen[rs->nseen++] = (seen_color){col->c, col->m, col->y, col->k};
    }
    int line = 0;
    const char *file = color_source(rs->layout, col, &line);
    if (!file) file = rs->where;
    if (total > INK_MAX + 0.05f) {
        rs->input_error = true;
        tb_error(rs->ctx, file, line, 0,
                 "colour cmyk(%.0f,%.0f,%.0f,%.0f) has %.0f %% total ink: presses take at most %.0f %%", c * 100,
                 m * 100, y * 100, k * 100, total, INK_MAX);
    } else {
        tb_warning(rs->ctx, file, line, 0,
                   "colour cmyk(%.0f,%.0f,%.0f,%.0f) has %.0f %% total ink, above the layout's limit of %.0f %%",
                   c * 100, m * 100, y * 100, k * 100, total, rs->ink_limit);
    }
}

/* N numbers, each followed by a space; coordinates to 1/1000 pt. */
static void nums(pdfbuf *b, int decimals, size_t n, const double *v) {
    for (size_t i = 0; i < n; i++) {
        pdfbuf_num(b, v[i], decimals);
        pdfbuf_char(b, ' ');
    }
}

/* The colour operator for C: fill (rg, k) or stroke (RG, K). */
static void set_color(rstate *rs, const tb_color *c, bool stroke) {
    pdfbuf *b = &rs->ops;
    if (rs->print) {
        check_ink(rs, c);
        double v[4] = {clamp01(c->c), clamp01(c->m), clamp01(c->y), clamp01(c->k)};
        nums(b, 4, 4, v);
        pdfbuf_str(b, stroke ? "K\n" : "k\n");
        return;
    }
    double v[3];
    if (c->has_rgb) {
        v[0] = clamp01(c->r), v[1] = clamp01(c->g), v[2] = clamp01(c->b);
    } else { /* naive: no colour management on the web */
        float k = 1 - clamp01(c->k);
        v[0] = (1 - clamp01(c->c)) * k, v[1] = (1 - clamp01(c->m)) * k, v[2] = (1 - clamp01(c->y)) * k;
    }
    nums(b, 4, 3, v);
    pdfbuf_str(b, stroke ? "RG\n" : "rg\n");
}

static void set_fill(rstate *rs, const tb_color *c) { set_color(rs, c, false); }
static void set_stroke(rstate *rs, const tb_color *c) { set_color(rs, c, true); }

/* An operator with N numbers before it: "1 0 0 1 72 720 Tm". */
static void op(rstate *rs, int decimals, size_t n, const double *v, const char *name) {
    nums(&rs->ops, decimals, n, v);
    pdfbuf_str(&rs->ops, name);
    pdfbuf_char(&rs->ops, '\n');
}

/* ---- raw content ---------------------------------------------------- */

/* A page's operators, deflated on the second core while the next page is
** drawn; they become its content stream at the end (write_contents), and
** libharu neither sees nor compresses them (pdfstream.h). */
struct content {
    pdfbuf raw;            /* owned until deflated */
    int level;
    unsigned char *z;      /* owned: the result; NULL when out of memory */
    size_t zn;
};

static void deflate_content(void *arg) {
    struct content *c = arg;
    c->z = tb_deflate(c->raw.p, c->raw.n, c->level, &c->zn);
    pdfbuf_free(&c->raw);
}

static bool put_content(rstate *rs, size_t index) {
    if (!pdfbuf_ok(&rs->ops)) {
        tb_error(rs->ctx, rs->file, 0, 0, "out of memory");
        return false;
    }
    struct content *c = &rs->contents[index];
    c->raw = rs->ops;
    c->level = rs->level;
    rs->ops = (pdfbuf){0};
    tb_workq_add(rs->wq, deflate_content, c);
    return true;
}

/* After tb_workq_wait: the pages' content streams. */
static bool write_contents(rstate *rs) {
    for (size_t i = 0; i < rs->npg; i++) {
        struct content *c = &rs->contents[i];
        HPDF_Dict d = ((HPDF_PageAttr)rs->hp[i]->attr)->contents;
        unsigned char *z = c->z;
        c->z = NULL; /* the stream's now */
        if (!z || !tb_pdfstream_take_deflated(d, z, c->zn)) {
            if (hpdf_ok(rs)) tb_error(rs->ctx, rs->file, 0, 0, "out of memory");
            return false;
        }
    }
    return true;
}

/* Print: K100 overprints (/OP /op true, /OPM 1) from here to the
** enclosing GRestore.  The ExtGState is made on first use. */
static bool set_overprint(rstate *rs, HPDF_Page page) {
    if (!rs->overprint) {
        /* HPDF_CreateExtGState raises the version to 1.4; tb_render_pdf
           sets the version it wants just before saving */
        HPDF_ExtGState g = HPDF_CreateExtGState(rs->pdf);
        if (!g || HPDF_Dict_AddBoolean(g, "OP", HPDF_TRUE) != HPDF_OK ||
            HPDF_Dict_AddBoolean(g, "op", HPDF_TRUE) != HPDF_OK || HPDF_Dict_AddNumber(g, "OPM", 1) != HPDF_OK)
            return false;
        rs->overprint = g;
    }
    const char *name = HPDF_Page_GetExtGStateName(page, rs->overprint);
    if (!name) return false;
    pdfbuf_char(&rs->ops, '/');
    pdfbuf_str(&rs->ops, name);
    pdfbuf_str(&rs->ops, " gs\n");
    return true;
}

/* ---- glyph runs ----------------------------------------------------- */

/* The run's text for glyph G, or NULL when it has none or is out of range. */
static const char *glyph_text(const tb_glyph_run *r, const tb_glyph *g, size_t *n) {
    *n = 0;
    if (!g->ntext || !r->text || g->text > r->ntext || g->ntext > r->ntext - g->text) return NULL;
    *n = g->ntext;
    return r->text + g->text;
}

/* A 2-byte code inside a literal string: the bytes as they are, but
** ( ) \ escaped and CR, LF written as escapes (a reader turns a raw CR
** into LF).  Half the size of hex before compression. */
static void code_bytes(pdfbuf *b, unsigned code) {
    unsigned char v[2] = {(unsigned char)(code >> 8), (unsigned char)code};
    for (int i = 0; i < 2; i++) {
        unsigned char c = v[i];
        if (c == '(' || c == ')' || c == '\\') {
            char e[2] = {'\\', (char)c};
            pdfbuf_add(b, e, 2);
        } else if (c == '\r') {
            pdfbuf_add(b, "\\r", 2);
        } else if (c == '\n') {
            pdfbuf_add(b, "\\n", 2);
        } else {
            pdfbuf_char(b, (char)c);
        }
    }
}

/* One run: Tf, then a TJ array per stretch of glyphs on one line across
** the writing direction (a new Tm where a glyph is raised, lowered or, in
** vertical text, shifted sideways).  Along the line every glyph lands at
** its own x (y): the pen is where PDF will put the next glyph after the
** declared width, and a TJ number moves it to the wanted place. */
static bool draw_run(rstate *rs, HPDF_Page page, const tb_page *pg, const tb_glyph_run *r) {
    if (!r->n) return true;
    if (!r->face || !(r->size > 0) || !r->glyphs) {
        tb_error(rs->ctx, rs->file, 0, 0, "internal: a glyph run without face, size or glyphs");
        return false;
    }
    if (!tb_face_open(rs->ctx, r->face)) return false;
    tb_pdffont *f = tb_pdffonts_get(rs->fonts, r->face);
    HPDF_Dict t0 = f ? tb_pdffont_type0(f, r->vertical) : NULL;
    const char *name = t0 ? HPDF_Page_GetLocalFontName(page, (HPDF_Font)t0) : NULL;
    if (!name) return false;
    const bool vert = r->vertical;
    /* sideways: horizontal glyphs turned clockwise, the line running down */
    const bool side = !vert && r->sideways;
    const double size = r->size;
    const float ox = px(rs, r->x), oy = py(rs, pg, r->y);

    pdfbuf *b = &rs->ops;
    pdfbuf_str(b, "q\n");
    if (rs->print && is_k100(&r->color) && !set_overprint(rs, page)) return false;
    set_fill(rs, &r->color);
    if (r->fake_bold) {
        set_stroke(rs, &r->color);
        op(rs, 3, 1, (double[]){r->size / 30.0}, "w");
    }
    pdfbuf_str(b, "BT\n");
    if (r->fake_bold) pdfbuf_str(b, "2 Tr\n"); /* fill, then stroke */
    pdfbuf_char(b, '/');
    pdfbuf_str(b, name);
    pdfbuf_char(b, ' ');
    pdfbuf_num(b, size, 4);
    pdfbuf_str(b, " Tf\n");

    bool in_tj = false, in_str = false;
    float cross0 = 0;  /* pt: the stretch's offset across the line */
    double pen = 0;    /* pt along the line from the run origin (x right, y down) */
    for (size_t i = 0; i < r->n; i++) {
        const tb_glyph *g = &r->glyphs[i];
        size_t nt;
        const char *t = glyph_text(r, g, &nt);
        tb_pdfglyph pgl;
        if (!tb_pdffont_glyph(f, g->gid, t, nt, &pgl)) return false;
        float along = (vert || side) ? g->y : g->x, cross = (vert || side) ? g->x : g->y;
        if (!in_tj || fabsf(cross - cross0) > 0.0005f) {
            if (in_str) pdfbuf_char(b, ')');
            if (in_tj) pdfbuf_str(b, "] TJ\n");
            if (side) pdfbuf_str(b, "0 -1 1 0 ");
            else pdfbuf_str(b, "1 0 0 1 ");
            op(rs, 3, 2, (double[]){ox + g->x, oy - g->y}, "Tm");
            pdfbuf_char(b, '[');
            in_tj = true;
            in_str = false;
            cross0 = cross;
            pen = along;
        }
        /* horizontal: a positive number moves left; vertical: down */
        double shift = along - pen;
        long n100 = lround((vert ? shift : -shift) * 1000.0 / size * 100.0);
        if (n100) {
            if (in_str) pdfbuf_char(b, ')');
            in_str = false;
            pdfbuf_num(b, n100 / 100.0, 2);
            pen += (vert ? n100 : -n100) / 100.0 * size / 1000.0;
        }
        if (!in_str) pdfbuf_char(b, '(');
        in_str = true;
        code_bytes(b, pgl.code);
        pen += (vert ? -pgl.w1y : pgl.w) * size / 1000.0;
    }
    if (in_str) pdfbuf_char(b, ')');
    pdfbuf_str(b, "] TJ\nET\nQ\n");
    return true;
}

/* ---- rectangles, rules, images, links ------------------------------- */

static bool draw_rect(rstate *rs, HPDF_Page page, const tb_page *pg, const tb_rect_item *r) {
    if (!r->fill && !r->stroke) return true;
    float x0 = fminf(r->x, r->x + r->w), x1 = fmaxf(r->x, r->x + r->w);
    float y0 = fminf(r->y, r->y + r->h), y1 = fmaxf(r->y, r->y + r->h);
    if (rs->print && r->fill && !r->stroke) {
        /* a fill touching the trim runs on to the bleed edge */
        const float eps = 0.01f;
        if (x0 <= eps) x0 = fminf(x0, -rs->bleed);
        if (y0 <= eps) y0 = fminf(y0, -rs->bleed);
        if (x1 >= pg->w - eps) x1 = fmaxf(x1, pg->w + rs->bleed);
        if (y1 >= pg->h - eps) y1 = fmaxf(y1, pg->h + rs->bleed);
    }
    pdfbuf_str(&rs->ops, "q\n");
    /* a thin black frame overprints like a rule; a fill never does */
    if (rs->print && r->stroke && !r->fill && is_k100(&r->stroke_color) && r->stroke_width <= THIN_RULE &&
        !set_overprint(rs, page))
        return false;
    if (r->fill) set_fill(rs, &r->fill_color);
    if (r->stroke) {
        set_stroke(rs, &r->stroke_color);
        op(rs, 3, 1, (double[]){r->stroke_width > 0 ? r->stroke_width : 0}, "w");
    }
    op(rs, 3, 4, (double[]){px(rs, x0), py(rs, pg, y1), x1 - x0, y1 - y0}, "re");
    pdfbuf_str(&rs->ops, r->fill && r->stroke ? "B\nQ\n" : r->fill ? "f\nQ\n" : "S\nQ\n");
    return true;
}

static bool draw_rule(rstate *rs, HPDF_Page page, const tb_page *pg, const tb_rule_item *r) {
    float w = r->width > 0 ? r->width : 0;
    pdfbuf_str(&rs->ops, "q\n");
    if (rs->print && is_k100(&r->color) && w <= THIN_RULE && !set_overprint(rs, page)) return false;
    set_stroke(rs, &r->color);
    op(rs, 3, 1, (double[]){w}, "w");
    if (r->dotted) {
        /* dots of ~w, gaps of ~2w in whole points (at least 1), butt ends */
        long lon = lroundf(w), loff = lroundf(2 * w);
        double on = lon < 1 ? 1 : lon > 100 ? 100 : lon, off = loff < 1 ? 1 : loff > 100 ? 100 : loff;
        pdfbuf_str(&rs->ops, "0 J [");
        nums(&rs->ops, 3, 2, (double[]){on, off});
        pdfbuf_str(&rs->ops, "] 0 d\n");
    }
    op(rs, 3, 2, (double[]){px(rs, r->x1), py(rs, pg, r->y1)}, "m");
    op(rs, 3, 2, (double[]){px(rs, r->x2), py(rs, pg, r->y2)}, "l");
    pdfbuf_str(&rs->ops, "S\nQ\n");
    return true;
}

/* The largest placement of PATH (pt), from the pre-pass; NULL if none. */
static placed *placement(rstate *rs, const char *path) {
    for (size_t i = 0; i < rs->nplaced; i++)
        if (!strcmp(rs->placed[i].path, path)) return &rs->placed[i];
    return NULL;
}

/* Every image's largest placed size, before anything is drawn. */
static bool find_placements(rstate *rs) {
    for (size_t i = 0; i < rs->pages->n; i++)
        for (const tb_item *it = rs->pages->pages[i].first; it; it = it->next) {
            if (it->kind != TB_IT_IMAGE || !it->u.image.path) continue;
            const tb_image_item *im = &it->u.image;
            placed *p = placement(rs, im->path);
            if (!p) {
                placed *v = realloc(rs->placed, (rs->nplaced + 1) * sizeof *v);
                if (!v) {
                    tb_error(rs->ctx, rs->file, 0, 0, "out of memory");
                    return false;
                }
                rs->placed = v;
                p = &rs->placed[rs->nplaced++];
                *p = (placed){im->path, 0, 0, false, im->line, im->col};
            } else if (fabsf(im->w) * fabsf(im->h) > p->w * p->h) {
                p->line = im->line;
                p->col = im->col;
            }
            p->w = fmaxf(p->w, fabsf(im->w));
            p->h = fmaxf(p->h, fabsf(im->h));
        }
    return true;
}

/* PATH relative to the working folder when it is inside it. */
static const char *shown_path(const char *path) {
    char cwd[4096];
    if (path[0] != '/' || !getcwd(cwd, sizeof cwd)) return path;
    size_t n = strlen(cwd);
    return !strncmp(path, cwd, n) && path[n] == '/' ? path + n + 1 : path;
}

/* Print preflight of an image: resolution at its largest placed size and
** total ink after separation, once per file. */
static void check_image(rstate *rs, const char *full, const tb_image_info *info) {
    placed *p = placement(rs, full);
    if (!p || p->reported) return;
    p->reported = true;
    const char *path = shown_path(full);
    if (p->w > 0 && p->h > 0) {
        double ppi = fmin(info->w * 72.0 / p->w, info->h * 72.0 / p->h);
        if (ppi < PPI_MIN - 0.5) {
            rs->input_error = true;
            tb_error_kind(rs->ctx, TB_KIND_LOW_RESOLUTION_IMAGE, rs->where, p->line, p->col,
                          "image %s is %.0f ppi at its placed size (%d×%d pixels on %.0f×%.0f mm): too coarse to "
                          "print, give it at least %.0f ppi (%.0f wanted)",
                          path, ppi, info->w, info->h, p->w / MM, p->h / MM, PPI_MIN, PPI_WARN);
        } else if (ppi < PPI_WARN - 0.5)
            tb_warning_kind(rs->ctx, TB_KIND_LOW_RESOLUTION_IMAGE, rs->where, p->line, p->col,
                            "image %s is %.0f ppi at its placed size (%d×%d pixels on %.0f×%.0f mm): print wants "
                            "%.0f ppi",
                            path, ppi, info->w, info->h, p->w / MM, p->h / MM, PPI_WARN);
    }
    if (info->max_ink > rs->ink_limit + 0.5f)
        tb_warning_kind(rs->ctx, TB_KIND_INK_LIMIT, rs->where, p->line, p->col,
                        "image %s has up to %.0f %% total ink%s (%.1f %% of its pixels above the limit of %.0f %%)",
                        path, info->max_ink, info->converted ? " after separation" : "", info->over_share * 100,
                        rs->ink_limit);
}

static bool draw_image(rstate *rs, HPDF_Page page, const tb_page *pg, const tb_image_item *im) {
    if (!im->path) {
        tb_error(rs->ctx, rs->file, 0, 0, "internal: an image item without a file");
        return false;
    }
    placed *p = placement(rs, im->path);
    rs->doing = "loading an image";
    const tb_image_info *info = tb_images_get(rs->images, im->path, p ? p->w : im->w, p ? p->h : im->h);
    if (!info) report_hpdf_at(rs, im->path, 0); /* when libharu failed */
    rs->doing = "drawing a page";
    if (!info) return false;
    if (rs->print) check_image(rs, im->path, info);
    const char *name = HPDF_Page_GetXObjectName(page, info->img);
    if (!name) return false;
    pdfbuf_str(&rs->ops, "q\n");
    op(rs, 3, 6, (double[]){im->w, 0, 0, im->h, px(rs, im->x), py(rs, pg, im->y + im->h)}, "cm");
    pdfbuf_char(&rs->ops, '/');
    pdfbuf_str(&rs->ops, name);
    pdfbuf_str(&rs->ops, " Do\nQ\n");
    return true;
}

/* [page /XYZ left top null]: opens PAGE with Y (pt from the trim top) at
** the top of the window, keeping the reader's zoom (libharu's own
** HPDF_Destination_SetXYZ refuses a null zoom). */
static HPDF_Destination dest_at(rstate *rs, int page, float y) {
    const tb_page *pg = &rs->pages->pages[page];
    HPDF_Page target = rs->hp[page];
    HPDF_Destination d = HPDF_Page_CreateDestination(target);
    if (!d) return NULL;
    HPDF_Array_Clear(d);
    float top = py(rs, pg, y < 0 ? 0 : y);
    if (HPDF_Array_Add(d, target) != HPDF_OK || HPDF_Array_AddName(d, "XYZ") != HPDF_OK ||
        HPDF_Array_AddReal(d, px(rs, 0)) != HPDF_OK || HPDF_Array_AddReal(d, top) != HPDF_OK ||
        HPDF_Array_Add(d, HPDF_Null_New(rs->pdf->mmgr)) != HPDF_OK) {
        HPDF_Obj_Free(rs->pdf->mmgr, d); /* direct, attached to nothing yet */
        return NULL;
    }
    return d;
}

static bool draw_link(rstate *rs, HPDF_Page page, const tb_page *pg, const tb_link_item *l, const tb_item *it,
                      size_t index) {
    HPDF_Rect rect = {px(rs, l->x), py(rs, pg, l->y + l->h), px(rs, l->x + l->w), py(rs, pg, l->y)};
    HPDF_Annotation a;
    if (l->uri) {
        a = HPDF_Page_CreateURILinkAnnot(page, rect, l->uri);
    } else {
        if (l->page < 0 || (size_t)l->page >= rs->pages->n) {
            tb_warning(rs->ctx, rs->file, 0, 0, "internal: a link to page %d of %zu dropped", l->page + 1,
                       rs->pages->n);
            return true;
        }
        HPDF_Destination d = dest_at(rs, l->page, l->target_y);
        a = d ? HPDF_Page_CreateLinkAnnot(page, rect, d) : NULL;
    }
    if (a) HPDF_LinkAnnot_SetBorderStyle(a, 0, 0, 0);
    if (a && rs->tags && !tb_tagger_annot(rs->tags, page, index, a, it)) return false;
    return a && hpdf_ok(rs);
}

/* ---- print furniture ------------------------------------------------ */

static void seg(rstate *rs, float x0, float y0, float x1, float y1) {
    op(rs, 3, 2, (double[]){x0, y0}, "m");
    op(rs, 3, 2, (double[]){x1, y1}, "l");
}

/* Japanese double trim marks (トンボ), in registration colour, outside the
** BleedBox.  At each corner, pointing outward: both trim lines extended
** from the bleed distance to MARK_REACH, both bleed lines from the trim
** line to MARK_REACH.  At each edge's middle: a 20 mm stroke on the bleed
** line and a stroke from it out to MARK_REACH. */
static bool draw_marks(rstate *rs, HPDF_Page page, const tb_page *pg) {
    const float l = rs->margin, r = rs->margin + pg->w, bo = rs->margin, t = rs->margin + pg->h;
    const float b = fminf(rs->bleed, MARK_REACH - 2 * MM), o = MARK_REACH, half = 10 * MM;
    (void)page;
    pdfbuf_str(&rs->ops, "q\n");
    op(rs, 3, 1, (double[]){MARK_WIDTH}, "w");
    pdfbuf_str(&rs->ops, "0 J\n1 1 1 1 K\n");
    const float cx[4] = {l, r, l, r}, cy[4] = {bo, bo, t, t};
    for (int i = 0; i < 4; i++) {
        float sx = i % 2 ? 1 : -1, sy = i < 2 ? -1 : 1;
        seg(rs, cx[i], cy[i] + sy * b, cx[i], cy[i] + sy * o);                  /* trim line, vertical */
        seg(rs, cx[i] + sx * b, cy[i], cx[i] + sx * o, cy[i]);                  /* trim line, horizontal */
        seg(rs, cx[i] + sx * b, cy[i], cx[i] + sx * b, cy[i] + sy * o);         /* bleed line, vertical */
        seg(rs, cx[i], cy[i] + sy * b, cx[i] + sx * o, cy[i] + sy * b);         /* bleed line, horizontal */
    }
    float mx = (l + r) / 2, my = (bo + t) / 2;
    seg(rs, mx - half, t + b, mx + half, t + b);
    seg(rs, mx, t + b, mx, t + o);
    seg(rs, mx - half, bo - b, mx + half, bo - b);
    seg(rs, mx, bo - b, mx, bo - o);
    seg(rs, l - b, my - half, l - b, my + half);
    seg(rs, l - b, my, l - o, my);
    seg(rs, r + b, my - half, r + b, my + half);
    seg(rs, r + b, my, r + o, my);
    pdfbuf_str(&rs->ops, "S\nQ\n");
    return true;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant). */
static void civil(long long days, int *y, int *m, int *d) {
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static HPDF_Date epoch_date(long long t) {
    long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), secs = t - days * 86400;
    HPDF_Date d = {0};
    civil(days, &d.year, &d.month, &d.day);
    d.hour = (int)(secs / 3600);
    d.minutes = (int)(secs / 60 % 60);
    d.seconds = (int)(secs % 60);
    d.ind = 'Z';
    return d;
}

/* The slug line under the trim: guide, page, build date; in the first face
** of the document (ASCII only; glyphs the face lacks are left out). */
/* The slug's run for page INDEX in RUN (its glyphs malloc'd, TEXT its
** text): 1, or 0 when there is none, or -1 when out of memory (reported). */
static int slug_run(rstate *rs, const tb_page *pg, size_t index, char text[256], tb_glyph_run *run) {
    if (!rs->slug_face) return 0;
    hb_font_t *font = tb_face_hb_font(rs->slug_face);
    if (!font) return 0;
    HPDF_Date d = epoch_date(rs->opts->epoch);
    snprintf(text, 256, "%.120s    %zu / %zu    %04d-%02d-%02d %02d:%02d UTC",
             rs->opts->guide_name ? rs->opts->guide_name : "tebiki", index + 1, rs->npg, d.year, d.month,
             d.day, d.hour, d.minutes);
    for (char *p = text; *p; p++)
        if (*p < ' ' || *p > '~') *p = '?';
    hb_buffer_t *buf = hb_buffer_create();
    hb_buffer_add_utf8(buf, text, -1, 0, -1);
    hb_buffer_set_direction(buf, HB_DIRECTION_LTR);
    hb_buffer_set_script(buf, HB_SCRIPT_LATIN);
    hb_buffer_set_language(buf, hb_language_from_string("en", -1));
    hb_shape(font, buf, NULL, 0);
    unsigned n = 0;
    const hb_glyph_info_t *gi = hb_buffer_get_glyph_infos(buf, &n);
    const hb_glyph_position_t *gp = hb_buffer_get_glyph_positions(buf, NULL);
    tb_glyph *gl = calloc(n ? n : 1, sizeof *gl);
    if (!gl) {
        hb_buffer_destroy(buf);
        tb_error(rs->ctx, rs->file, 0, 0, "out of memory");
        return -1;
    }
    double k = SLUG_SIZE / tb_face_upem(rs->slug_face), pen = 0;
    size_t len = strlen(text), m = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned end = (unsigned)len;
        for (unsigned j = i + 1; j < n; j++)
            if (gi[j].cluster != gi[i].cluster) {
                end = gi[j].cluster;
                break;
            }
        bool first = i == 0 || gi[i - 1].cluster != gi[i].cluster;
        if (gi[i].codepoint) {
            gl[m].gid = gi[i].codepoint;
            gl[m].x = (float)((pen + gp[i].x_offset) * k);
            gl[m].y = (float)(-gp[i].y_offset * k);
            gl[m].advance = (float)(gp[i].x_advance * k);
            gl[m].text = gi[i].cluster;
            gl[m].ntext = first && end > gi[i].cluster ? end - gi[i].cluster : 0;
            m++;
        }
        pen += gp[i].x_advance;
    }
    hb_buffer_destroy(buf);
    *run = (tb_glyph_run){.face = rs->slug_face, .size = SLUG_SIZE, .color = {.k = 1},
                          .x = 0, .y = pg->h + MARK_REACH + 8, .text = text, .ntext = len,
                          .glyphs = gl, .n = m};
    return 1;
}

static bool draw_slug(rstate *rs, HPDF_Page page, const tb_page *pg, size_t index) {
    char text[256];
    tb_glyph_run run;
    int have = slug_run(rs, pg, index, text, &run);
    if (have <= 0) return have == 0;
    bool ok = draw_run(rs, page, pg, &run);
    free((void *)run.glyphs);
    return ok;
}

/* ---- document-level objects ----------------------------------------- */

/* A PDF text string: literal when printable ASCII, else UTF-16BE with a
** byte order mark (as a hex string).  NULL when out of memory. */
static void *text_string(rstate *rs, const char *s) {
    bool ascii = true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) ascii &= *p >= ' ' && *p <= '~';
    if (ascii) return HPDF_String_New(rs->pdf->mmgr, s, NULL);
    pdfbuf b = {0};
    pdfbuf_add(&b, "\xFE\xFF", 2);
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end && b.n < 65000) {
        uint32_t c = pdf_utf8_next(&p, end);
        unsigned char u[4];
        if (c >= 0x10000) {
            c -= 0x10000;
            unsigned hi = 0xD800 + (c >> 10), lo = 0xDC00 + (c & 0x3FF);
            u[0] = (unsigned char)(hi >> 8), u[1] = (unsigned char)hi, u[2] = (unsigned char)(lo >> 8),
            u[3] = (unsigned char)lo;
            pdfbuf_add(&b, u, 4);
        } else {
            u[0] = (unsigned char)(c >> 8), u[1] = (unsigned char)c;
            pdfbuf_add(&b, u, 2);
        }
    }
    void *o = pdfbuf_ok(&b) ? HPDF_Binary_New(rs->pdf->mmgr, (HPDF_BYTE *)b.p, (HPDF_UINT)b.n) : NULL;
    pdfbuf_free(&b);
    return o;
}

static bool info_text(rstate *rs, const char *key, const char *v) {
    if (!v || !*v) return true;
    void *s = text_string(rs, v);
    return s && HPDF_Dict_Add(rs->pdf->info, key, s) == HPDF_OK;
}

static const char *doc_title(const rstate *rs) {
    const tb_doc_meta *m = &rs->pages->meta;
    return m->title && *m->title ? m->title : rs->file; /* PDF/X wants one */
}

#define PRODUCER "tebiki with libharu " HPDF_VERSION_TEXT

static bool write_info(rstate *rs) {
    const tb_doc_meta *m = &rs->pages->meta;
    HPDF_Date d = epoch_date(rs->opts->epoch);
    if (HPDF_SetInfoDateAttr(rs->pdf, HPDF_INFO_CREATION_DATE, d) != HPDF_OK ||
        HPDF_SetInfoDateAttr(rs->pdf, HPDF_INFO_MOD_DATE, d) != HPDF_OK || !rs->pdf->info)
        return false;
    if (!info_text(rs, "Title", doc_title(rs)) || !info_text(rs, "Author", m->author) ||
        !info_text(rs, "Subject", m->description) || !info_text(rs, "Keywords", m->keywords) ||
        !info_text(rs, "Creator", "tebiki") || !info_text(rs, "Producer", PRODUCER))
        return false;
    if (rs->print) {
        HPDF_Dict info = rs->pdf->info;
        if (rs->pdfx == 4) {
            if (HPDF_Dict_Add(info, "GTS_PDFXVersion", HPDF_String_New(info->mmgr, "PDF/X-4", NULL)) != HPDF_OK)
                return false;
        } else if (HPDF_Dict_Add(info, "GTS_PDFXVersion", HPDF_String_New(info->mmgr, "PDF/X-1:2001", NULL)) !=
                       HPDF_OK ||
                   HPDF_Dict_Add(info, "GTS_PDFXConformance", HPDF_String_New(info->mmgr, "PDF/X-1a:2001", NULL)) !=
                       HPDF_OK) {
            return false;
        }
        if (HPDF_Dict_AddName(info, "Trapped", "False") != HPDF_OK) return false;
    }
    return true;
}

/* ---- XMP ------------------------------------------------------------ */

static void xml_text(pdfbuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '&') pdfbuf_str(b, "&amp;");
        else if (c == '<') pdfbuf_str(b, "&lt;");
        else if (c == '>') pdfbuf_str(b, "&gt;");
        else if (c < ' ' && c != '\t' && c != '\n') pdfbuf_char(b, ' '); /* not allowed in XML 1.0 */
        else pdfbuf_char(b, (char)c);
    }
}

static void xmp_simple(pdfbuf *b, const char *tag, const char *v) {
    if (!v || !*v) return;
    pdfbuf_str(b, "   <");
    pdfbuf_str(b, tag);
    pdfbuf_char(b, '>');
    xml_text(b, v, strlen(v));
    pdfbuf_str(b, "</");
    pdfbuf_str(b, tag);
    pdfbuf_str(b, ">\n");
}

/* An rdf:Alt with one x-default entry, or an rdf:Seq / rdf:Bag of one. */
static void xmp_list(pdfbuf *b, const char *tag, const char *kind, const char *v) {
    if (!v || !*v) return;
    pdfbuf_str(b, "   <");
    pdfbuf_str(b, tag);
    pdfbuf_str(b, "><rdf:");
    pdfbuf_str(b, kind);
    pdfbuf_str(b, !strcmp(kind, "Alt") ? "><rdf:li xml:lang=\"x-default\">" : "><rdf:li>");
    xml_text(b, v, strlen(v));
    pdfbuf_str(b, "</rdf:li></rdf:");
    pdfbuf_str(b, kind);
    pdfbuf_str(b, "></");
    pdfbuf_str(b, tag);
    pdfbuf_str(b, ">\n");
}

/* Keywords "a, b、c" as an rdf:Bag of each. */
static void xmp_keywords(pdfbuf *b, const char *kw) {
    if (!kw || !*kw) return;
    pdfbuf_str(b, "   <dc:subject><rdf:Bag>");
    const char *p = kw;
    while (*p) {
        size_t n = 0;
        while (p[n] && p[n] != ',' && p[n] != ';' && strncmp(p + n, "、", 3) && strncmp(p + n, "，", 3)) n++;
        const char *t = p;
        size_t m = n;
        while (m && (*t == ' ' || *t == '\t' || *t == '\n')) t++, m--;
        while (m && (t[m - 1] == ' ' || t[m - 1] == '\t' || t[m - 1] == '\n')) m--;
        if (m) {
            pdfbuf_str(b, "<rdf:li>");
            xml_text(b, t, m);
            pdfbuf_str(b, "</rdf:li>");
        }
        p += n;
        if (*p) p += (unsigned char)*p >= 0x80 ? 3 : 1;
    }
    pdfbuf_str(b, "</rdf:Bag></dc:subject>\n");
}

/* "uuid:…" from the MD5 of TEXT: the same document gets the same id. */
static void xmp_uuid(char out[48], const char *a, const char *b) {
    HPDF_MD5_CTX md5;
    HPDF_BYTE d[16];
    HPDF_MD5Init(&md5);
    HPDF_MD5Update(&md5, (const HPDF_BYTE *)a, (HPDF_UINT32)strlen(a));
    HPDF_MD5Update(&md5, (const HPDF_BYTE *)"\n", 1);
    HPDF_MD5Update(&md5, (const HPDF_BYTE *)b, (HPDF_UINT32)strlen(b));
    HPDF_MD5Final(d, &md5);
    d[6] = (HPDF_BYTE)((d[6] & 0x0F) | 0x30); /* a name-based (v3) UUID */
    d[8] = (HPDF_BYTE)((d[8] & 0x3F) | 0x80);
    snprintf(out, 48, "uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1], d[2],
             d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* The XMP packet: the same facts as the info dictionary (dates from the
** epoch), and for PDF/X-4 its identification.  An uncompressed
** /Type /Metadata /Subtype /XML stream on the catalog. */
static bool write_xmp(rstate *rs) {
    const tb_doc_meta *m = &rs->pages->meta;
    HPDF_Date d = epoch_date(rs->opts->epoch);
    char date[32], id[48], inst[48], when[32];
    snprintf(date, sizeof date, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day, d.hour, d.minutes,
             d.seconds);
    const char *name = rs->opts->guide_name ? rs->opts->guide_name : doc_title(rs);
    snprintf(when, sizeof when, "%s %lld", rs->print ? "print" : "web", rs->opts->epoch);
    xmp_uuid(id, "tebiki document", name);
    xmp_uuid(inst, name, when);
    pdfbuf b = {0};
    pdfbuf_str(&b, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                   "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                   " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                   "  <rdf:Description rdf:about=\"\"\n"
                   "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                   "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
                   "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n"
                   "    xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\"");
    if (rs->print) pdfbuf_str(&b, "\n    xmlns:pdfxid=\"http://www.npes.org/pdfx/ns/id/\"");
    if (rs->tags) pdfbuf_str(&b, "\n    xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\"");
    pdfbuf_str(&b, ">\n   <dc:format>application/pdf</dc:format>\n");
    xmp_list(&b, "dc:title", "Alt", doc_title(rs));
    xmp_list(&b, "dc:creator", "Seq", m->author);
    xmp_list(&b, "dc:description", "Alt", m->description);
    xmp_keywords(&b, m->keywords);
    xmp_list(&b, "dc:language", "Bag", m->lang);
    xmp_list(&b, "dc:publisher", "Bag", m->publisher);
    xmp_simple(&b, "xmp:CreateDate", date);
    xmp_simple(&b, "xmp:ModifyDate", date);
    xmp_simple(&b, "xmp:MetadataDate", date);
    xmp_simple(&b, "xmp:CreatorTool", "tebiki");
    xmp_simple(&b, "pdf:Producer", PRODUCER);
    xmp_simple(&b, "pdf:Keywords", m->keywords);
    xmp_simple(&b, "xmpMM:DocumentID", id);
    xmp_simple(&b, "xmpMM:InstanceID", inst);
    if (rs->tags) xmp_simple(&b, "pdfuaid:part", "1");
    if (rs->print) {
        xmp_simple(&b, "xmpMM:VersionID", "1");
        xmp_simple(&b, "xmpMM:RenditionClass", "default");
        xmp_simple(&b, "pdf:Trapped", "False");
        xmp_simple(&b, "pdfxid:GTS_PDFXVersion", "PDF/X-4");
    }
    pdfbuf_str(&b, "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
    HPDF_Dict st = pdfbuf_ok(&b) ? HPDF_DictStream_New(rs->pdf->mmgr, rs->pdf->xref) : NULL;
    bool ok = st && HPDF_Dict_AddName(st, "Type", "Metadata") == HPDF_OK &&
              HPDF_Dict_AddName(st, "Subtype", "XML") == HPDF_OK && tb_pdfstream_plain(st, b.p, b.n) &&
              HPDF_Dict_Add(rs->pdf->catalog, "Metadata", st) == HPDF_OK;
    if (!pdfbuf_ok(&b)) tb_error(rs->ctx, rs->file, 0, 0, "out of memory");
    pdfbuf_free(&b);
    return ok;
}

/* The output intent.  PDF/X-1a names the press condition through the ICC
** registry; PDF/X-4 embeds the press profile the images were separated
** with (and names that profile when it is not Japan Color). */
static bool write_output_intent(rstate *rs) {
    HPDF_Dict cat = rs->pdf->catalog;
    HPDF_MMgr mm = rs->pdf->mmgr;
    const char *ident = "JC200103", *cond = "Japan Color 2001 Coated", *info = "Japan Color 2001 Coated";
    const unsigned char *icc = NULL;
    size_t nicc = 0;
    if (rs->pdfx == 4) {
        const char *path = NULL, *desc = NULL;
        icc = tb_images_press_profile(rs->images, &nicc, &path, &desc);
        if (!icc) {
            tb_error(rs->ctx, rs->where, 0, 0,
                     "PDF/X-4 embeds the press profile, but there is none usable at %s (install Debian's "
                     "libgs-common, or set TEBIKI_CMYK_PROFILE to a CMYK ICC profile)",
                     path ? path : TB_DEFAULT_CMYK_PROFILE);
            return false;
        }
        if (!strstr(desc, "Japan Color")) {
            ident = "Custom";
            cond = info = desc;
            tb_warning(rs->ctx, rs->where, 0, 0,
                       "PDF/X-4: the output intent embeds '%s' (%s), not Japan Color 2001 Coated; set "
                       "TEBIKI_CMYK_PROFILE to the print shop's profile",
                       desc, path);
        }
    }
    /* each new object attached at once: libharu frees what hangs from the xref */
    HPDF_Array intents = HPDF_Array_New(mm);
    if (HPDF_Dict_Add(cat, "OutputIntents", intents) != HPDF_OK) return false;
    HPDF_Dict oi = HPDF_Dict_New(mm);
    if (HPDF_Array_Add(intents, oi) != HPDF_OK || HPDF_Dict_AddName(oi, "Type", "OutputIntent") != HPDF_OK ||
        HPDF_Dict_AddName(oi, "S", "GTS_PDFX") != HPDF_OK ||
        HPDF_Dict_Add(oi, "OutputConditionIdentifier", HPDF_String_New(mm, ident, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(oi, "OutputCondition", HPDF_String_New(mm, cond, NULL)) != HPDF_OK ||
        HPDF_Dict_Add(oi, "RegistryName", HPDF_String_New(mm, "http://www.color.org", NULL)) != HPDF_OK ||
        HPDF_Dict_Add(oi, "Info", HPDF_String_New(mm, info, NULL)) != HPDF_OK)
        return false;
    if (icc) {
        HPDF_Dict prof = HPDF_DictStream_New(mm, rs->pdf->xref);
        if (!prof || HPDF_Dict_AddNumber(prof, "N", 4) != HPDF_OK ||
            !tb_pdfstream_deflate(prof, icc, nicc, TB_DEFLATE_SMALL) ||
            HPDF_Dict_Add(oi, "DestOutputProfile", prof) != HPDF_OK)
            return false;
    }
    return true;
}

static bool write_catalog(rstate *rs) {
    HPDF_Dict cat = rs->pdf->catalog;
    HPDF_MMgr mm = rs->pdf->mmgr;
    if (rs->print) return write_output_intent(rs) && (rs->pdfx != 4 || write_xmp(rs));
    if (!write_xmp(rs)) return false;
    const char *lang = rs->pages->meta.lang;
    if (lang && *lang && HPDF_Dict_Add(cat, "Lang", text_string(rs, lang)) != HPDF_OK) return false;
    HPDF_Dict vp = HPDF_Dict_New(mm);
    if (HPDF_Dict_Add(cat, "ViewerPreferences", vp) != HPDF_OK ||
        HPDF_Dict_AddBoolean(vp, "DisplayDocTitle", HPDF_TRUE) != HPDF_OK)
        return false;
    if (rs->pages->right_to_left && HPDF_Dict_AddName(vp, "Direction", "R2L") != HPDF_OK) return false;
    return true;
}

/* The outline: each entry under the nearest open entry of a lower level. */
static bool write_outline(rstate *rs) {
    HPDF_Outline parent[5] = {0}; /* [level]: last entry of that level */
    for (size_t i = 0; i < rs->pages->n_outline; i++) {
        const tb_outline_entry *e = &rs->pages->outline[i];
        if (e->page < 0 || (size_t)e->page >= rs->pages->n) {
            tb_warning(rs->ctx, rs->file, 0, 0, "internal: outline entry '%s' on page %d of %zu dropped",
                       e->title ? e->title : "", e->page + 1, rs->pages->n);
            continue;
        }
        int lv = e->level < 1 ? 1 : e->level > 4 ? 4 : e->level;
        HPDF_Outline up = NULL;
        for (int k = lv - 1; k >= 1 && !up; k--) up = parent[k];
        HPDF_Outline o = HPDF_CreateOutline(rs->pdf, up, "", NULL);
        if (!o || HPDF_Dict_Add(o, "Title", text_string(rs, e->title ? e->title : "")) != HPDF_OK) return false;
        HPDF_Destination d = dest_at(rs, e->page, e->y);
        if (!d || HPDF_Outline_SetDestination(o, d) != HPDF_OK || HPDF_Outline_SetOpened(o, lv == 1) != HPDF_OK)
            return false;
        parent[lv] = o;
        for (int k = lv + 1; k <= 4; k++) parent[k] = NULL;
    }
    if (rs->pages->n_outline) HPDF_SetPageMode(rs->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
    return hpdf_ok(rs);
}

/* ---- /ID ------------------------------------------------------------ */

/* The trailer's /ID is written as two 16-byte placeholders of zeros;
** after saving, both are replaced in place by a digest of the file as
** saved (with the zeros), so the same input gives the same bytes and
** different output gets a different /ID.  Same length: offsets hold.
** The digest is the MD5 of the file's size, its CRC-32 and its first and
** last 16 KB: MD5 over every byte cost a tenth of save, and the CRC
** (libdeflate's, ~20 times faster) sees a change anywhere. */
static bool add_id_placeholder(rstate *rs) {
    static const HPDF_BYTE zero[16] = {0};
    HPDF_Array id = HPDF_Array_New(rs->pdf->mmgr);
    return id && HPDF_Dict_Add(rs->pdf->trailer, "ID", id) == HPDF_OK &&
           HPDF_Array_Add(id, HPDF_Binary_New(rs->pdf->mmgr, (HPDF_BYTE *)zero, 16)) == HPDF_OK &&
           HPDF_Array_Add(id, HPDF_Binary_New(rs->pdf->mmgr, (HPDF_BYTE *)zero, 16)) == HPDF_OK;
}

/* The last "/ID [ <0…0> <0…0> ]" (in the trailer, or in the xref
** stream's dictionary after tb_objstm_pack) gets the file's digest. */
static bool fix_id(unsigned char *buf, size_t len) {
    static const char pat[] = "/ID [ <";
    const size_t np = sizeof pat - 1, need = np + 32 + 3 + 32 + 1; /* to the second '>' */
    unsigned char *hex[2] = {NULL, NULL};
    for (size_t i = len >= need ? len - need + 1 : 0; i-- > 0;) {
        if (memcmp(buf + i, pat, np)) continue;
        unsigned char *a = buf + i + np, *b = a + 32 + 3;
        if (memcmp(a + 32, "> <", 3) || b[32] != '>') continue;
        bool zeros = true;
        for (int k = 0; k < 32 && zeros; k++) zeros = a[k] == '0' && b[k] == '0';
        if (!zeros) continue;
        hex[0] = a;
        hex[1] = b;
        break;
    }
    if (!hex[0]) return false;
    enum { EDGE = 16 * 1024 };
    uint32_t crc = tb_crc32(buf, len);
    HPDF_BYTE head[12];
    for (int k = 0; k < 8; k++) head[k] = (HPDF_BYTE)((unsigned long long)len >> (8 * k));
    for (int k = 0; k < 4; k++) head[8 + k] = (HPDF_BYTE)(crc >> (8 * k));
    size_t first = len < EDGE ? len : EDGE, last = len - first < EDGE ? len - first : EDGE;
    HPDF_MD5_CTX md5;
    HPDF_BYTE digest[16];
    HPDF_MD5Init(&md5);
    HPDF_MD5Update(&md5, head, sizeof head);
    HPDF_MD5Update(&md5, buf, (HPDF_UINT32)first);
    HPDF_MD5Update(&md5, buf + len - last, (HPDF_UINT32)last);
    HPDF_MD5Final(digest, &md5);
    static const char hx[] = "0123456789ABCDEF";
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 16; i++) {
            hex[k][2 * i] = (unsigned char)hx[digest[i] >> 4];
            hex[k][2 * i + 1] = (unsigned char)hx[digest[i] & 15];
        }
    return true;
}

/* ---- preflight ------------------------------------------------------ */

/* The first characters of a run's text, for a message: at most CAP-1
** bytes, cut at a character boundary, controls as spaces. */
static void snippet(const tb_glyph_run *r, char *out, size_t cap) {
    size_t n = 0;
    if (r->text)
        for (size_t i = 0, chars = 0; i < r->ntext && chars < 12; chars++) {
            unsigned char c = (unsigned char)r->text[i];
            size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (i + len > r->ntext || n + len + 1 > cap) break;
            for (size_t k = 0; k < len; k++) out[n++] = c < ' ' ? ' ' : r->text[i + k];
            i += len;
        }
    out[n] = 0;
}

/* The em boxes of a run's glyphs, in page coordinates (pt, y down). */
static void run_box(const tb_glyph_run *r, float *x0, float *y0, float *x1, float *y1) {
    float asc = 0.88f, desc = 0.12f;
    if (r->face) {
        const tb_face_metrics *m = tb_face_get_metrics(r->face);
        unsigned upem = tb_face_upem(r->face);
        if (m && upem && m->ascender > m->descender) {
            asc = (float)m->ascender / (float)upem;
            desc = -(float)m->descender / (float)upem;
        }
    }
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (size_t i = 0; i < r->n; i++) {
        const tb_glyph *g = &r->glyphs[i];
        float gx0, gy0, gx1, gy1;
        if (r->vertical) {
            gx0 = r->x + g->x - r->size / 2, gx1 = gx0 + r->size;
            gy0 = r->y + g->y, gy1 = gy0 + (g->advance > 0 ? g->advance : r->size);
        } else {
            gx0 = r->x + g->x, gx1 = gx0 + (g->advance > 0 ? g->advance : 0);
            gy0 = r->y + g->y - asc * r->size, gy1 = r->y + g->y + desc * r->size;
        }
        *x0 = fminf(*x0, gx0), *y0 = fminf(*y0, gy0), *x1 = fmaxf(*x1, gx1), *y1 = fmaxf(*y1, gy1);
    }
}

/* The closest text to the trim on one page. */
typedef struct near_trim {
    float dist;        /* pt, from the trim edge inwards */
    char text[64];
    int line, col;     /* its place in the guide, 0 for the layout's */
} near_trim;

/* Print: size and distance from the trim of one run (the face is open). */
static void preflight_run(rstate *rs, const tb_page *pg, size_t index, const tb_glyph_run *r, near_trim *near) {
    if (!r->n || !r->glyphs) return;
    if (r->size < MIN_TEXT - 0.005f) {
        if (!rs->small_runs || r->size < rs->smallest) rs->smallest = r->size;
        if (!rs->small_runs++) {
            rs->small_page = index + 1;
            snippet(r, rs->small_text, sizeof rs->small_text);
        }
    }
    float x0, y0, x1, y1;
    run_box(r, &x0, &y0, &x1, &y1);
    float d = fminf(fminf(x0, y0), fminf(pg->w - x1, pg->h - y1));
    if (d < near->dist) {
        near->dist = d;
        snippet(r, near->text, sizeof near->text);
        near->line = r->line;
        near->col = r->col;
    }
}

/* Print: pad a saddle-stitched booklet to a multiple of four pages with
** blank pages before the back cover, in rs->pg. */
static bool order_pages(rstate *rs) {
    size_t n = rs->pages->n, blanks = 0;
    if (rs->print && rs->layout && rs->layout->saddle && n % 4) blanks = 4 - n % 4;
    rs->npg = n + blanks;
    rs->pg = calloc(rs->npg, sizeof *rs->pg);
    if (!rs->pg) {
        tb_error(rs->ctx, rs->file, 0, 0, "out of memory");
        return false;
    }
    size_t at = blanks && rs->opts->back_cover && n > 1 ? n - 1 : n; /* where the blanks go */
    for (size_t i = 0, k = 0; i < rs->npg; i++) rs->pg[i] = i >= at && i < at + blanks ? NULL : &rs->pages->pages[k++];
    if (blanks) {
        const tb_page *model = &rs->pages->pages[at ? at - 1 : 0];
        rs->blank = (tb_page){.w = model->w, .h = model->h};
        tb_warning(rs->ctx, rs->where, 0, 0,
                   "a saddle-stitched booklet needs a multiple of 4 pages: %zu blank page%s added %s (%zu → %zu "
                   "pages)",
                   blanks, blanks == 1 ? "" : "s", at < n ? "before the back cover" : "at the end", n, rs->npg);
    }
    return true;
}

static const tb_page *sheet(const rstate *rs, size_t i) { return rs->pg[i] ? rs->pg[i] : &rs->blank; }

/* ---- the document --------------------------------------------------- */

static bool setup_pages(rstate *rs) {
    rs->hp = calloc(rs->npg ? rs->npg : 1, sizeof *rs->hp);
    if (!rs->hp) {
        tb_error(rs->ctx, rs->file, 0, 0, "out of memory");
        return false;
    }
    for (size_t i = 0; i < rs->npg; i++) {
        const tb_page *pg = sheet(rs, i);
        HPDF_Page p = HPDF_AddPage(rs->pdf);
        if (!p) return false;
        rs->hp[i] = p;
        float m = rs->margin;
        HPDF_Page_SetWidth(p, pg->w + 2 * m);
        HPDF_Page_SetHeight(p, pg->h + 2 * m);
        if (rs->print) {
            /* libharu cannot create these with SetBoxValue; set after sizing */
            HPDF_Box trim = {m, m, m + pg->w, m + pg->h};
            HPDF_Box bleed = {m - rs->bleed, m - rs->bleed, m + pg->w + rs->bleed, m + pg->h + rs->bleed};
            if (HPDF_Dict_Add(p, "TrimBox", HPDF_Box_Array_New(rs->pdf->mmgr, trim)) != HPDF_OK ||
                HPDF_Dict_Add(p, "BleedBox", HPDF_Box_Array_New(rs->pdf->mmgr, bleed)) != HPDF_OK)
                return false;
        }
        if (!hpdf_ok(rs)) return false;
    }
    return true;
}

/* Tell the font set every glyph the pages will draw, and let it subset
** on the second core while they are drawn (pdffont.h). */
static void declare_fonts(rstate *rs) {
    for (size_t i = 0; i < rs->npg; i++) {
        const tb_page *pg = sheet(rs, i);
        for (const tb_item *it = pg->first; it; it = it->next) {
            const tb_glyph_run *r = &it->u.glyphs;
            if (it->kind != TB_IT_GLYPHS || !r->n || !r->glyphs || !r->face || !tb_face_open(rs->ctx, r->face))
                continue;
            tb_pdffonts_declare(rs->fonts, r->face, r->vertical, &r->glyphs[0].gid, r->n, sizeof *r->glyphs);
        }
        char text[256];
        tb_glyph_run run;
        if (rs->print && rs->marks && slug_run(rs, pg, i, text, &run) > 0) {
            tb_pdffonts_declare(rs->fonts, run.face, false, &run.glyphs[0].gid, run.n, sizeof *run.glyphs);
            free((void *)run.glyphs);
        }
    }
    tb_pdffonts_start(rs->fonts, rs->wq, rs->opts->early);
}

enum { MAX_NEAR_WARNINGS = 8 };

static bool draw_page(rstate *rs, size_t index, size_t *near_pages) {
    const tb_page *pg = sheet(rs, index);
    HPDF_Page page = rs->hp[index];
    near_trim near = {INFINITY, "", 0, 0};
    for (const tb_item *it = pg->first; it; it = it->next) {
        bool ok = true;
        /* tagged PDF: each item is marked content of its element, or an artifact */
        if (rs->tags && !tb_tagger_begin(rs->tags, page, index, it)) return false;
        switch (it->kind) {
        case TB_IT_GLYPHS:
            ok = draw_run(rs, page, pg, &it->u.glyphs);
            if (ok && rs->print) preflight_run(rs, pg, index, &it->u.glyphs, &near);
            break;
        case TB_IT_RECT: ok = draw_rect(rs, page, pg, &it->u.rect); break;
        case TB_IT_RULE: ok = draw_rule(rs, page, pg, &it->u.rule); break;
        case TB_IT_IMAGE: ok = draw_image(rs, page, pg, &it->u.image); break;
        case TB_IT_LINK: ok = rs->print || draw_link(rs, page, pg, &it->u.link, it, index); break;
        }
        if (!ok) return false;
        if (rs->tags && !tb_tagger_end(rs->tags, page)) return false;
    }
    if (near.dist < SAFE - 0.005f && (*near_pages)++ < MAX_NEAR_WARNINGS)
        tb_warning_kind(rs->ctx, TB_KIND_NEAR_TRIM, rs->where, near.line, near.col,
                        "page %zu: text 「%s」 is %.1f mm from the trim edge; keep text %.0f mm inside the trim",
                        index + 1, near.text, near.dist / MM, SAFE / MM);
    if (rs->print && rs->marks && !(draw_marks(rs, page, pg) && draw_slug(rs, page, pg, index))) return false;
    return put_content(rs, index);
}

/* The document-wide preflight findings, after the last page. */
static void preflight_summary(rstate *rs, size_t near_pages) {
    if (near_pages > MAX_NEAR_WARNINGS)
        tb_warning_kind(rs->ctx, TB_KIND_NEAR_TRIM, rs->where, 0, 0,
                        "text within %.0f mm of the trim edge on %zu more pages", SAFE / MM,
                        near_pages - MAX_NEAR_WARNINGS);
    if (rs->small_runs)
        tb_warning(rs->ctx, rs->where, 0, 0,
                   "%zu runs of text below %.0f pt (the smallest %.1f pt; the first on page %zu: 「%s」); presses ask "
                   "for %.0f pt at least",
                   rs->small_runs, MIN_TEXT, rs->smallest, rs->small_page, rs->small_text, MIN_TEXT);
}

static tb_face *first_face(tb_ctx *ctx, const tb_pages *pages) {
    for (size_t i = 0; i < pages->n; i++)
        for (const tb_item *it = pages->pages[i].first; it; it = it->next)
            if (it->kind == TB_IT_GLYPHS && it->u.glyphs.face && tb_face_open(ctx, it->u.glyphs.face))
                return it->u.glyphs.face;
    return NULL;
}

/* libharu frees only the current graphics state of a page: pop those a
** failed step left saved (GSave without GRestore), or they leak. */
static void drop_saved_gstates(rstate *rs) {
    for (size_t i = 0; rs->hp && i < rs->npg; i++) {
        if (!rs->hp[i]) continue;
        HPDF_PageAttr attr = (HPDF_PageAttr)rs->hp[i]->attr;
        while (attr->gstate && attr->gstate->prev) attr->gstate = HPDF_GState_Free(rs->hp[i]->mmgr, attr->gstate);
    }
}

/* libharu's output goes into a pdfbuf (the stream's attr). */
static HPDF_STATUS to_pdfbuf(HPDF_Stream s, const HPDF_BYTE *p, HPDF_UINT n) {
    pdfbuf *b = s->attr;
    pdfbuf_add(b, p, n);
    return pdfbuf_ok(b) ? HPDF_OK : HPDF_FAILD_TO_ALLOC_MEM;
}

/* Save into a malloc'd buffer: libharu writes through a callback (its
** own memory stream copies byte by byte, and would be copied out again). */
static bool save(rstate *rs, unsigned char **out, size_t *len) {
    pdfbuf b = {0};
    if (!rs->pdf->stream && !(rs->pdf->stream = HPDF_CallbackWriter_New(rs->pdf->mmgr, to_pdfbuf, &b))) return false;
    HPDF_STATUS st = HPDF_SaveToStream(rs->pdf);
    HPDF_Stream_Free(rs->pdf->stream); /* (it points at b) */
    rs->pdf->stream = NULL;
    if (st != HPDF_OK || !hpdf_ok(rs) || !pdfbuf_ok(&b) || !b.n || b.n > UINT32_MAX) {
        if (hpdf_ok(rs)) tb_error(rs->ctx, rs->file, 0, 0, pdfbuf_ok(&b) ? "empty PDF" : "out of memory");
        pdfbuf_free(&b);
        return false;
    }
    unsigned char *buf = (unsigned char *)b.p;
    HPDF_UINT32 size = (HPDF_UINT32)b.n;
    if (!rs->print) { /* web: object streams, an xref stream (see objstm.h) */
        unsigned char *packed = NULL;
        size_t npacked = 0;
        if (tb_objstm_pack(rs->wq, buf, size, &packed, &npacked)) {
            free(buf);
            buf = packed;
            size = (HPDF_UINT32)npacked;
        }
    }
    if (!fix_id(buf, size)) {
        free(buf);
        tb_error(rs->ctx, rs->file, 0, 0, "internal: the trailer /ID placeholder was not found");
        return false;
    }
    *out = buf;
    *len = size;
    return true;
}

bool tb_render_pdf(tb_ctx *ctx, const tb_pages *pages, const tb_render_opts *opts, unsigned char **out,
                   size_t *len) {
    *out = NULL;
    *len = 0;
    rstate rs = {.ctx = ctx, .pages = pages, .opts = opts, .doing = "creating the document"};
    rs.file = opts->guide_name ? opts->guide_name : "tebiki";
    rs.where = opts->guide_file ? opts->guide_file : rs.file;
    rs.print = opts->variant == TB_VARIANT_PRINT;
    rs.layout = opts->layout;
    rs.pdfx = rs.layout && rs.layout->pdfx == 4 ? 4 : 1;
    rs.marks = !(rs.layout && rs.layout->no_marks);
    rs.ink_limit = rs.layout && rs.layout->ink_limit > 0 ? rs.layout->ink_limit : INK_LIMIT;
    if (rs.print) {
        rs.bleed = pages->bleed > 0 ? pages->bleed : DEFAULT_BLEED;
        rs.margin = rs.marks ? fmaxf(PRINT_MARGIN, rs.bleed + 7 * MM) : rs.bleed;
    }
    size_t nerr = tb_diags_count(ctx->diags, TB_ERROR);
    bool ok = false;

    if (pages->n == 0) {
        tb_error(ctx, rs.file, 0, 0, "internal: no pages to render");
        return false;
    }
    rs.pdf = HPDF_New(on_hpdf_error, &rs);
    if (!rs.pdf) {
        tb_error(ctx, rs.file, 0, 0, "PDF library: cannot create a document (out of memory)");
        return false;
    }
    if (HPDF_SetCompressionMode(rs.pdf, HPDF_COMP_ALL) != HPDF_OK) goto fail;
    const int level = rs.level = rs.print ? TB_DEFLATE_PRINT : TB_DEFLATE_WEB;
    if (!(rs.fonts = tb_pdffonts_new(ctx, rs.pdf, rs.file))) goto fail;
    tb_pdffonts_set_level(rs.fonts, level);
    tb_image_opts io = {.print = rs.print, .keep_alpha = !rs.print || rs.pdfx == 4,
                        .max_ppi = rs.print ? 0 : WEB_PPI, .ink_limit = rs.ink_limit, .level = level};
    if (!(rs.images = tb_images_new(ctx, rs.pdf, &io, rs.file))) goto fail;
    rs.slug_face = rs.print && rs.marks ? first_face(ctx, pages) : NULL;

    rs.doing = "creating pages";
    if (!order_pages(&rs) || !find_placements(&rs) || !setup_pages(&rs)) goto fail;
    if (!rs.print) rs.tags = tb_tagger_new(ctx, rs.pdf, pages, &rs.ops); /* web PDFs are tagged (PDF/UA) */
    rs.wq = tb_ctx_workq(ctx); /* NULL: the jobs run here */
    if (!(rs.contents = calloc(rs.npg ? rs.npg : 1, sizeof *rs.contents))) {
        tb_error(ctx, rs.file, 0, 0, "out of memory");
        goto fail;
    }
    declare_fonts(&rs);
    size_t near_pages = 0;
    for (size_t i = 0; i < rs.npg; i++) {
        rs.doing = "drawing a page";
        if (!draw_page(&rs, i, &near_pages)) goto fail;
    }
    if (rs.print) preflight_summary(&rs, near_pages);
    rs.doing = "writing the outline";
    if (!rs.print && !write_outline(&rs)) goto fail;
    rs.doing = "writing document information";
    if (!write_info(&rs) || !write_catalog(&rs)) goto fail;
    rs.doing = "writing the structure tree";
    if (rs.tags && !tb_tagger_finish(rs.tags)) goto fail;
    rs.doing = "embedding fonts";
    if (!tb_pdffonts_finish(rs.fonts) || !hpdf_ok(&rs)) goto fail;
    rs.doing = "compressing the pages";
    tb_workq_wait(rs.wq);
    if (!write_contents(&rs)) goto fail;
    if (tb_diags_count(ctx->diags, TB_ERROR) > nerr) goto fail; /* a preflight error */
    rs.doing = "saving";
    /* PDF/X-1a:2001 is PDF 1.3 and PDF/X-4 PDF 1.6; the web file uses /Lang,
       DisplayDocTitle and XMP (1.4+).  Set last: libharu raises the version
       as it goes (HPDF_CreateExtGState makes it 1.4). */
    rs.pdf->pdf_version = !rs.print ? HPDF_VER_17 : rs.pdfx == 4 ? HPDF_VER_16 : HPDF_VER_13;
    if (!add_id_placeholder(&rs) || !save(&rs, out, len)) goto fail;
    ok = true;

fail:
    if (opts->input_error)
        *opts->input_error = !ok && (rs.input_error || (rs.images && tb_images_input_error(rs.images)));
    if (!ok) {
        report_hpdf(&rs, 0);
        if (tb_diags_count(ctx->diags, TB_ERROR) == nerr)
            tb_error(ctx, rs.file, 0, 0, "cannot render the PDF (while %s)", rs.doing);
        free(*out);
        *out = NULL;
        *len = 0;
    }
    if (ok && ctx->exiting) return true; /* the kernel frees it all at exit, at once */
    tb_workq_wait(rs.wq); /* the jobs point into the fonts and the contents */
    for (size_t i = 0; rs.contents && i < rs.npg; i++) {
        pdfbuf_free(&rs.contents[i].raw);
        free(rs.contents[i].z);
    }
    free(rs.contents);
    tb_pdffonts_free(rs.fonts);
    tb_images_free(rs.images);
    tb_tagger_free(rs.tags);
    pdfbuf_free(&rs.ops);
    free(rs.placed);
    free(rs.seen);
    drop_saved_gstates(&rs);
    free(rs.hp);
    free(rs.pg);
    HPDF_Free(rs.pdf);
    return ok;
}
