/*
** paginate.c — placing set lines on pages; see paginate.h for the
** invariants.
*/
#include "paginate.h"
#include "../base/utf8.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pg {
    tb_ctx *ctx;
    tb_arena *a;
    const tb_lined_doc *doc;
    const tb_layout *l;
    tb_pages *out;
    size_t cap;
    const tb_master *m;      /* master of the current page */
    size_t cur;              /* current page (index into out->pages) */
    int col;                 /* current column */
    size_t flow;             /* panels: position in reading order */
    size_t sheet0;           /* panels: first page of the current sheet */
    float region_top;        /* top of the current column region */
    float y;                 /* (1) top of the free space */
    float col_bottom[12];    /* lowest y used in each column of the region */
    bool col_empty;          /* nothing placed in this column yet */
    float inset_l, inset_r;  /* pt: boxes being drawn around the flow */
    int in_box;              /* boxes open: text inside keeps its own leading */
    int no_break;            /* inside a table cell: no column or page breaks */
    /* vertical writing: blocks are placed in a flow space with the axes
    ** turned (flow x = page y, flow y = distance from the right edge), with
    ** the current master turned to match (vm); page_items() maps rects,
    ** rules and links back; glyph runs are drawn in page space directly */
    bool vert, vtext;
    float fw, fh;            /* pt: the page in flow space */
    tb_master vm;            /* the turned master of the current page */
    const tb_master *srcm;   /* the master it was turned from */
    float line_size;         /* pt: type size of the block being drawn */
    int line_st;             /* structure element of the text being drawn */
    bool failed;
    /* ids → pages */
    const char **ids;
    int *idpages;
    size_t nids, capids;
    uint32_t *idslot;       /* open hash of ids index + 1 (arena); 0 = empty */
    size_t nidslot;         /* a power of two, at least 2 nids */
    size_t capout;
    /* level-1 headings placed: their running-head lines and pages */
    struct { size_t page; const tb_lines *lines; } *heads;
    size_t nheads, capheads;
} pg;

static tb_page *page(pg *p) { return &p->out->pages[p->cur]; }

static void add_item(pg *p, tb_item *it) {
    tb_page *pp = page(p);
    if (pp->last) pp->last->next = it;
    else pp->first = it;
    pp->last = it;
}

static tb_item *item(pg *p, tb_item_kind k) {
    tb_item *it = TB_NEW(p->a, tb_item);
    it->kind = k;
    it->st = -1;
    add_item(p, it);
    return it;
}

/* Left edge of the body frame on the current page (facing pages mirror). */
static float frame_left(pg *p) {
    if (p->vert) return p->m->inner;
    size_t idx = p->cur;
    bool verso = p->l->facing && (idx % 2 == 1);
    return verso ? p->m->outer : p->m->inner;
}

/* Panels (a folded leaflet): columns of their own widths, each with the
** panel padding on both sides, no gap. */
static const float *panel_widths(const pg *p) {
    const tb_master *m = p->m;
    if (!m->ncolw) return NULL;
    return (p->cur % 2 == 1 && m->ncolw_verso) ? m->colw_verso : m->colw;
}

static float col_width(pg *p) {
    const tb_master *m = p->m;
    const float *w = panel_widths(p);
    if (w) return w[p->col] - 2 * m->panel_padding;
    return (p->fw - m->inner - m->outer - (float)(m->columns - 1) * m->column_gap) / (float)m->columns;
}

static float col_x(pg *p) {
    const float *w = panel_widths(p);
    if (w) {
        float x = 0;
        for (int i = 0; i < p->col; i++) x += w[i];
        return x + p->m->panel_padding;
    }
    return frame_left(p) + (float)p->col * (col_width(p) + p->m->column_gap);
}
static float frame_bottom(pg *p) { return p->fh - p->m->bottom; }

static void new_page(pg *p, const tb_master *m) {
    if (p->out->n >= p->ctx->limits.max_pages) {
        if (!p->failed)
            tb_error(p->ctx, p->doc->styled->doc->file, 1, 1, "the guide needs more than %zu pages (the limit)",
                     p->ctx->limits.max_pages);
        p->failed = true;
        /* keep placing on the last page: the result is thrown away */
        p->m = m;
        p->col = 0;
        p->y = p->region_top = m->top;
        p->col_empty = true;
        p->cur = p->out->n ? p->out->n - 1 : 0;
        return;
    }
    if (p->out->n == p->capout) {
        size_t cap = p->capout ? p->capout * 2 : 16;
        p->out->pages = tb_arena_grow(p->a, p->out->pages, p->out->n, cap, sizeof(tb_page));
        p->capout = cap;
    }
    if (m == &p->vm) m = p->srcm;
    tb_page *pp = &p->out->pages[p->out->n++];
    p->cur = p->out->n - 1;
    memset(pp, 0, sizeof *pp);
    pp->w = p->l->width;
    pp->h = p->l->height;
    p->m = m;
    if (p->vert) {
        /* turn the master: lines run down from the top margin, blocks go
        ** leftwards from the right margin (the outer one on a recto) */
        bool verso = p->l->facing && p->cur % 2 == 1;
        p->srcm = m;
        p->vm = *m;
        p->vm.inner = m->top;
        p->vm.outer = m->bottom;
        p->vm.top = verso ? m->inner : m->outer;
        p->vm.bottom = verso ? m->outer : m->inner;
        p->m = m = &p->vm;
    }
    p->col = 0;
    p->y = p->region_top = m->top;
    for (int i = 0; i < 12; i++) p->col_bottom[i] = m->top;
    p->col_empty = true;
    if (m->has_background) {
        tb_item *it = item(p, TB_IT_RECT);
        it->artifact = true;
        it->u.rect = (tb_rect_item){0, 0, p->fw, p->fh, true, false, m->background, m->background, 0};
    }
}

/* (4) the next column, or a new page of the same master. */
static void next_column(pg *p) {
    if (p->no_break) return; /* a table row is placed whole */
    if (p->m->npanel_order) {
        /* the next panel in reading order, wherever it lies on the sheet */
        const tb_master *m = p->m;
        size_t slots = m->npanel_order, want = ++p->flow;
        if (want >= slots) { /* the sheet is full: another sheet */
            p->flow = want = 0;
            size_t pages = (slots + (size_t)m->columns - 1) / (size_t)m->columns;
            for (size_t i = 0; i < pages; i++) new_page(p, m);
            p->sheet0 = p->out->n - pages;
        }
        size_t slot = 0;
        for (size_t i = 0; i < slots; i++)
            if ((size_t)m->panel_order[i] == want + 1) slot = i;
        p->cur = p->sheet0 + slot / (size_t)m->columns;
        p->col = (int)(slot % (size_t)m->columns);
        p->y = p->region_top = m->top;
        p->col_empty = true;
        return;
    }
    if (p->col_bottom[p->col] < p->y) p->col_bottom[p->col] = p->y;
    if (p->col + 1 < p->m->columns) {
        p->col++;
        p->y = p->region_top;
    } else {
        new_page(p, p->m);
    }
    p->col_empty = true;
}

static size_t id_hash(const char *id) {
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)id; *c; c++) h = (h ^ *c) * 0x100000001b3ULL;
    return (size_t)h;
}

/* The page ID was recorded on, or -1. */
static int find_id(const pg *p, const char *id) {
    if (!p->nidslot) return -1;
    size_t mask = p->nidslot - 1;
    for (size_t i = id_hash(id) & mask; p->idslot[i]; i = (i + 1) & mask)
        if (!strcmp(p->ids[p->idslot[i] - 1], id)) return p->idpages[p->idslot[i] - 1];
    return -1;
}

/* The page an id first appears on: kept once, the first time. */
static void record_id(pg *p, const char *id) {
    if (!id) return;
    size_t mask = p->nidslot - 1, h = id_hash(id);
    if (p->nidslot)
        for (size_t i = h & mask; p->idslot[i]; i = (i + 1) & mask)
            if (!strcmp(p->ids[p->idslot[i] - 1], id)) return;
    if (p->nids == p->capids) {
        size_t cap = p->capids ? p->capids * 2 : 32;
        p->ids = tb_arena_grow(p->a, p->ids, p->nids, cap, sizeof *p->ids);
        p->idpages = tb_arena_grow(p->a, p->idpages, p->nids, cap, sizeof *p->idpages);
        p->capids = cap;
    }
    p->ids[p->nids] = id;
    p->idpages[p->nids++] = (int)p->cur;
    if (p->nids * 2 > p->nidslot) { /* rehash (arena: the old table stays until the document ends) */
        p->nidslot = p->nidslot ? p->nidslot * 2 : 64;
        p->idslot = TB_NEWN(p->a, uint32_t, p->nidslot);
        mask = p->nidslot - 1;
        for (size_t k = 0; k + 1 < p->nids; k++) {
            size_t i = id_hash(p->ids[k]) & mask;
            while (p->idslot[i]) i = (i + 1) & mask;
            p->idslot[i] = (uint32_t)k + 1;
        }
    }
    size_t i = h & mask;
    while (p->idslot[i]) i = (i + 1) & mask;
    p->idslot[i] = (uint32_t)p->nids;
}

/* ---- measuring ---------------------------------------------------------- */

/* The line grid (行送り) of the current master, 0 for none. */
static float grid(const pg *p) { return p->m && !p->in_box ? p->m->grid : 0; }

/* Move y down to the next line of the grid (measured from the top margin,
** so that lines of all columns and pages share it). */
static void snap(pg *p) {
    float g = grid(p);
    if (g <= 0) return;
    float k = ceilf((p->y - p->m->top) / g - 0.001f);
    p->y = p->m->top + k * g;
}

static float line_pitch(const pg *p, const tb_sblock *sb, const tb_line *L) {
    float need = (L->ascent + L->descent) * 1.15f;
    /* ruby lives in the line gap (JLREQ 4.5.1): a line carrying it grows
    ** only when the reading does not fit the gap (within 5 %) */
    if (L->ruby) {
        need = L->ascent + L->descent;
        if (need <= sb->leading * 1.05f) need = sb->leading;
    }
    /* room for ruby on every line, so that lines with ruby keep the pitch */
    if (p->l->ruby_reserve) need = fmaxf(need, (0.88f + 0.05f + 0.5f + 0.12f) * sb->size * 1.15f);
    float pitch = sb->leading > need ? sb->leading : need;
    float g = grid(p);
    /* text set at the grid's pitch or closer takes exactly one grid line */
    if (g > 0 && pitch <= g * 1.01f) pitch = g;
    return pitch;
}

/* 行取り: a block whose lines are off the grid (a heading) occupies a
** whole number of grid lines and sits centred in them; the extra space. */
static float gridfit_extra(const pg *p, float h) {
    float g = grid(p);
    if (g <= 0) return 0;
    float n = ceilf(h / g - 0.001f);
    return n * g - h;
}

/* The baseline of a line whose pitch box starts at Y.  Ruby rises into the
** half-leading above its line (JLREQ 4.5.1) but not above the block's top
** or into the line before (*PREV_BOTTOM: that line's baseline + descent,
** or the top): the line moves down by what it lacks, returned in *DROP. */
static float line_baseline(const tb_sblock *sb, const tb_line *L, float pitch, float y, float *prev_bottom,
                           float *drop) {
    float half = (pitch - (0.88f + 0.12f) * sb->size) / 2;
    float baseline = y + half + fmaxf(0.88f * sb->size, L->ascent);
    *drop = 0;
    if (L->ruby) {
        baseline = y + half + 0.88f * sb->size;
        float d = *prev_bottom - (baseline - L->ascent);
        if (d > 0) {
            baseline += d;
            *drop = d;
        }
    }
    *prev_bottom = baseline + L->descent;
    return baseline;
}

static float para_height(const pg *p, const tb_lblock *b, size_t from, size_t to) {
    float h = 0, prev = 0, d;
    for (size_t i = from; i < to; i++) {
        float pitch = line_pitch(p, b->sb, &b->text->v[i]);
        line_baseline(b->sb, &b->text->v[i], pitch, h, &prev, &d);
        h += d + pitch;
    }
    return h + (from == 0 && to == b->text->n ? gridfit_extra(p, h) : 0);
}

static float block_height(const pg *p, const tb_lblock *b);

static float list_height(const pg *p, const tb_lblock *b, bool first_top) {
    float h = 0;
    bool first = true;
    for (; b; b = b->next) {
        if (!(first && first_top)) h += b->sb->before;
        h += block_height(p, b) + b->sb->after;
        first = false;
    }
    return h;
}

static float block_height(const pg *p, const tb_lblock *b) {
    const tb_sblock *sb = b->sb;
    switch (sb->kind) {
    case TB_SB_PARA: return (b->text ? para_height(p, b, 0, b->text->n) : 0) + sb->rule_below * (sb->rule_below > 0 ? 4 : 0);
    case TB_SB_BOX: {
        float h = list_height(p, b->first, true) + 2 * (sb->padding + sb->border);
        return grid(p) > 0 ? (ceilf(h / grid(p)) + 1) * grid(p) : h; /* snapping */
    }
    case TB_SB_RULE: return sb->rule_below;
    case TB_SB_IMAGE: case TB_SB_QR: return sb->img_h;
    case TB_SB_TABLE: {
        float h = 0;
        for (const tb_lblock *r = b->first; r; r = r->next) {
            float rh = sb->size * 1.2f;
            for (const tb_lblock *c = r->first; c; c = c->next)
                if (c->sb->rowspan <= 1) rh = fmaxf(rh, list_height(p, c->first, true) + 2 * c->sb->padding);
            h += rh;
        }
        return h;
    }
    default: return 0;
    }
}

/* ---- drawing ------------------------------------------------------------ */

/* The structure element a run's glyphs belong to, or -2 for none. */
static int run_st(const pg *p, const tb_lrun *lr) {
    if (lr->st != -1) return lr->st;
    return lr->span->st >= 0 ? lr->span->st : p->line_st;
}

static void draw_line(pg *p, const tb_lines *ls, const tb_line *L, float x, float baseline) {
    for (size_t r = 0; r < L->nruns; r++) {
        const tb_lrun *lr = &L->runs[r];
        tb_item *it = item(p, TB_IT_GLYPHS);
        tb_glyph_run *g = &it->u.glyphs;
        it->st = run_st(p, lr);
        if (it->st < 0) it->artifact = true, it->st = -1;
        if (p->vtext) {
            /* the line's centre is 0.38 em above its horizontal baseline;
            ** glyph offsets turn: along the line is down, across is right */
            g->face = lr->face;
            g->size = lr->size;
            g->fake_bold = lr->fake_bold;
            g->color = lr->span->color;
            g->vertical = lr->orient == TB_OR_UPRIGHT;
            g->sideways = lr->orient == TB_OR_SIDEWAYS;
            g->x = p->l->width - (baseline - 0.38f * p->line_size);
            g->y = x;
            g->text = lr->text ? lr->text : ls->para->text;
            g->ntext = lr->text ? lr->ntext : ls->para->len;
            g->lang = lr->span->lang;
            g->line = lr->span->line;
            g->col = lr->span->col;
            tb_glyph *gs = TB_NEWN(p->a, tb_glyph, lr->n);
            for (size_t i = 0; i < lr->n; i++)
                gs[i] = (tb_glyph){lr->g[i].gid, -lr->g[i].y, lr->g[i].x, lr->g[i].advance, lr->g[i].text, lr->g[i].ntext};
            g->glyphs = gs;
            g->n = lr->n;
            if ((lr->span->href || lr->span->dest) && !lr->ruby) {
                tb_item *lk = item(p, TB_IT_LINK);
                lk->st = lr->span->st;
                lk->u.link = (tb_link_item){x + lr->x0, baseline - L->ascent, lr->x1 - lr->x0, L->ascent + L->descent,
                                            lr->span->href, lr->span->dest ? -2 : -1, 0};
                if (lr->span->dest) lk->u.link.uri = lr->span->dest;
            }
            continue;
        }
        g->face = lr->face;
        g->size = lr->size;
        g->fake_bold = lr->fake_bold;
        g->color = lr->span->color;
        g->x = x;
        g->y = baseline;
        g->text = lr->text ? lr->text : ls->para->text;
        g->ntext = lr->text ? lr->ntext : ls->para->len;
        g->lang = lr->span->lang;
        g->line = lr->span->line;
        g->col = lr->span->col;
        if (lr->rtl) {
            /* text extractors reverse right-to-left text, characters of a
            ** ligature (lam-alef) included: give such clusters their
            ** characters reversed, so that extraction restores them */
            char *t = NULL;
            for (size_t i = 0; i < lr->n; i++) {
                const tb_lglyph *lg = &lr->g[i];
                if (lg->ntext < 2) continue;
                const char *q = g->text + lg->text, *e = q + lg->ntext;
                unsigned cps[64];
                size_t k = 0;
                while (q < e && k < 64) cps[k++] = tb_utf8_next(&q);
                if (k < 2) continue;
                if (!t) {
                    t = tb_arena_strndup(p->a, g->text, g->ntext);
                    g->text = t;
                }
                char *w = t + lg->text;
                for (size_t j = k; j-- > 0;) w += tb_utf8_put(w, cps[j]);
            }
        }
        g->glyphs = lr->g; /* the line's glyphs as they are (read-only) */
        g->n = lr->n;
        if ((lr->span->href || lr->span->dest) && !lr->ruby) {
            tb_item *lk = item(p, TB_IT_LINK);
            lk->st = lr->span->st;
            lk->u.link = (tb_link_item){x + lr->x0, baseline - L->ascent, lr->x1 - lr->x0, L->ascent + L->descent,
                                        lr->span->href, -1, 0};
            if (lr->span->dest) {
                lk->u.link.page = -2; /* resolved after layout */
                lk->u.link.uri = lr->span->dest; /* the id, for resolution */
            }
        }
    }
}

static void draw_aux(pg *p, const tb_lblock *b, float x_text, float baseline, const tb_line *last, float right) {
    if (!b->aux || !b->aux->n) return;
    int save = p->line_st;
    p->line_st = b->sb->st_aux >= 0 ? b->sb->st_aux : p->line_st;
    const tb_line *A = &b->aux->v[0];
    const tb_sblock *sb = b->sb;
    if (sb->aux_right) {
        /* contents: dot leaders from the text to the right-aligned number */
        float nx = right - A->width;
        draw_line(p, b->aux, A, nx, baseline);
        float from = x_text + (last ? last->width : 0) + sb->size * 0.5f;
        float to = nx - sb->size * 0.5f;
        if (to > from) {
            tb_item *it = item(p, TB_IT_RULE);
            it->u.rule = (tb_rule_item){from, baseline - sb->size * 0.25f, to, baseline - sb->size * 0.25f,
                                        sb->size * 0.12f, b->text->v[0].runs[0].span->color, true};
            it->artifact = true;
        }
    } else {
        /* a list marker is generated content, like CSS ::marker: its glyphs
        ** carry no text (the structure's Lbl says it), so extracted text
        ** starts with the item's own words */
        tb_item *before = page(p)->last;
        draw_line(p, b->aux, A, x_text - sb->aux_width, baseline);
        for (tb_item *it = before ? before->next : page(p)->first; it; it = it->next)
            if (it->kind == TB_IT_GLYPHS)
                for (size_t i = 0; i < it->u.glyphs.n; i++) ((tb_glyph *)it->u.glyphs.glyphs)[i].ntext = 0;
    }
    p->line_st = save;
}

static void place_blocks(pg *p, const tb_lblock *b, bool keep_first);
static void place_table(pg *p, const tb_lblock *b);
typedef struct tplan tplan;
struct tplan {               /* a table measured for placing */
    const tb_lblock **rows;
    float *h;                /* pt: height of each row */
    size_t n, nhead;
};
static void plan_table(pg *p, const tb_lblock *b, tplan *t);
static void place_qr(pg *p, const tb_lblock *b);

/* Room below y in the current column. */
static float room(pg *p) { return frame_bottom(p) - p->y; }

/* Where the first line box of paragraph B starts when it follows y with
** BEFORE above it, and the space to leave after it (*AFTER, may be NULL).
** On a line grid, text at the grid pitch keeps its spaces in whole lines;
** a block off the grid (a heading) takes 行取り: its spaces and lines fill
** a whole number of grid lines, the lines centred. */
static float para_top(const pg *p, const tb_lblock *b, float before, float *after) {
    const tb_sblock *sb = b->sb;
    float g = grid(p), y = p->y, aft = sb->after;
    if (g > 0) {
        float h = 0, prev = 0, d;
        for (size_t i = 0; i < b->text->n; i++) {
            float pitch = line_pitch(p, sb, &b->text->v[i]);
            line_baseline(sb, &b->text->v[i], pitch, h, &prev, &d);
            h += d + pitch;
        }
        y = p->m->top + ceilf((y - p->m->top) / g - 0.001f) * g; /* snap() */
        if (gridfit_extra(p, h) < 0.01f) {
            y += roundf(before / g) * g;
            aft = roundf(aft / g) * g;
        } else {
            float slack = gridfit_extra(p, before + h + aft);
            y += before + slack / 2;
            aft += slack / 2;
        }
    } else {
        y += before;
    }
    if (after) *after = aft;
    return y;
}

/* A widow or an orphan that pagination could not avoid: line I of the N
** of block B went to the next column (from page PAGE0). */
static void alone(pg *p, const tb_lblock *b, size_t i, size_t n, size_t page0) {
    const tb_para *para = b->text->para;
    const char *file = para && para->file ? para->file : p->doc->styled->doc->file;
    int line = b->sb->src ? b->sb->src->line : 0, col = b->sb->src ? b->sb->src->col : 0;
    if (i == 1)
        tb_warning_kind(p->ctx, TB_KIND_ORPHAN, file, line, col,
                        "orphan: the first line of this paragraph stands alone at the foot of page %zu; no break "
                        "avoids it",
                        page0 + 1);
    if (n - i == 1)
        tb_warning_kind(p->ctx, TB_KIND_WIDOW, file, line, col,
                        "widow: the last line of this paragraph stands alone at the top of page %zu; no break "
                        "avoids it",
                        p->cur + 1);
}

static void place_para(pg *p, const tb_lblock *b, const tb_lblock *next) {
    const tb_sblock *sb = b->sb;
    const tb_lines *ls = b->text;
    size_t n = ls ? ls->n : 0;
    if (!n) return;
    bool span = sb->span_columns && p->m->columns > 1;
    if (span && !(p->col == 0 && p->col_empty && p->y <= p->region_top + 0.01f)) {
        /* a block across the columns opens a new region below them all */
        float low = p->y;
        for (int c = 0; c < p->col; c++) low = fmaxf(low, p->col_bottom[c]);
        p->col = 0;
        p->y = p->region_top = low;
        p->col_empty = false;
    }
    float before = p->col_empty ? 0 : sb->before;
    /* (2), (3): how much must fit here, from where the first line goes: a
    ** line grid may snap it further down than the space before (which
    ** counts in full even where the grid rounds it away, as it always has:
    ** only the snap is added, so that no block moves that fitted); a chain
    ** of keep-with-next blocks goes with the first lines of the block that
    ** ends it */
    size_t need_lines = n <= 3 ? n : 2;
    float lead = fmaxf(before, para_top(p, b, before, NULL) - p->y);
    float need = lead + para_height(p, b, 0, need_lines);
    if (sb->keep_with_next && next) {
        need = lead + para_height(p, b, 0, n) + sb->after + (sb->rule_below > 0 ? sb->rule_below * 4 : 0);
        for (const tb_lblock *nb = next; nb; nb = nb->next) {
            const tb_sblock *ns = nb->sb;
            if (ns->kind == TB_SB_PAGEBREAK || ns->kind == TB_SB_COLUMNBREAK) break;
            if (ns->kind == TB_SB_PARA && nb->text && nb->text->n) {
                if (ns->keep_with_next && nb->next) {
                    need += ns->before + para_height(p, nb, 0, nb->text->n) + ns->after;
                    continue;
                }
                need += ns->before + para_height(p, nb, 0, nb->text->n <= 3 ? nb->text->n : 2);
            } else if (ns->kind == TB_SB_TABLE) {
                tplan t;
                plan_table(p, nb, &t);
                float h = 0;
                for (size_t r = 0; r < t.n && r <= t.nhead + 1; r++) h += t.h[r];
                need += ns->before + h; /* the header and two rows */
            } else {
                need += ns->before + fminf(block_height(p, nb), frame_bottom(p) - p->region_top) *
                                         (ns->kind == TB_SB_BOX ? 0.3f : 1);
            }
            break;
        }
    }
    if (need > room(p) + 0.01f && !p->col_empty) {
        if (span) new_page(p, p->m);
        else next_column(p);
        before = 0;
    }
    float after;
    p->y = para_top(p, b, before, &after);
    record_id(p, sb->id);
    if (sb->heading && sb->outline) {
        if (p->out->n_outline % 16 == 0)
            p->out->outline = tb_arena_grow(p->a, p->out->outline, p->out->n_outline, p->out->n_outline + 16,
                                            sizeof(tb_outline_entry));
        p->out->outline[p->out->n_outline++] = (tb_outline_entry){sb->outline, sb->heading, (int)p->cur, p->y};
    }
    if (sb->heading == 1 && b->running && b->running->n) {
        if (p->nheads == p->capheads) {
            size_t cap = p->capheads ? p->capheads * 2 : 8;
            p->heads = tb_arena_grow(p->a, p->heads, p->nheads, cap, sizeof *p->heads);
            p->capheads = cap;
        }
        p->heads[p->nheads].page = p->cur;
        p->heads[p->nheads++].lines = b->running;
    }
    float wide = span ? p->fw - p->m->inner - p->m->outer : col_width(p);
    float x = col_x(p) + p->inset_l + sb->start;
    float right_edge = col_x(p) + wide - p->inset_r - sb->end;
    float prev_bottom = p->y; /* pt: the previous line's baseline + descent,
                                 or the top of the block or column */
    for (size_t i = 0; i < n; i++) {
        const tb_line *L = &ls->v[i];
        float pitch = line_pitch(p, sb, L);
        /* widows and orphans: do not leave one line behind or carry one over;
        ** where (2) could not help (a column shorter than the lines it
        ** needs, a paragraph of two or three lines begun at a column's
        ** top), the one that stays is reported */
        bool split_ok = true;
        if (i > 0 && n - i == 2 && pitch + line_pitch(p, sb, &ls->v[n - 1]) > room(p) + 0.01f && pitch <= room(p))
            split_ok = false;
        if (pitch > room(p) + 0.01f || !split_ok) {
            size_t page0 = p->cur;
            int col0 = p->col;
            next_column(p);
            x = col_x(p) + p->inset_l + sb->start;
            right_edge = col_x(p) + col_width(p) - p->inset_r - sb->end;
            prev_bottom = p->y;
            if (i > 0 && (i == 1 || n - i == 1) && (p->cur != page0 || p->col != col0) && !p->failed)
                alone(p, b, i, n, page0);
        }
        p->line_size = sb->size;
        p->line_st = sb->st;
        float drop;
        float baseline = line_baseline(sb, L, pitch, p->y, &prev_bottom, &drop);
        p->y += drop;
        draw_line(p, ls, L, x, baseline);
        if (i == 0 && b->aux && !sb->aux_right) draw_aux(p, b, x, baseline, NULL, right_edge);
        if (i == n - 1 && b->aux && sb->aux_right) draw_aux(p, b, x, baseline, L, right_edge + sb->aux_width);
        if (sb->target && i == n - 1) {
            tb_item *lk = item(p, TB_IT_LINK);
            lk->u.link = (tb_link_item){x, p->y, right_edge + sb->aux_width - x, baseline + L->descent - p->y,
                                        sb->target, -2, 0};
            lk->st = sb->st;
        }
        p->y += pitch;
        p->col_empty = false;
    }
    if (sb->rule_below > 0) {
        float ry = p->y + sb->rule_below;
        tb_item *it = item(p, TB_IT_RULE);
        it->u.rule = (tb_rule_item){col_x(p) + p->inset_l + sb->start, ry, right_edge, ry, sb->rule_below,
                                    sb->rule_color, false};
        it->artifact = true;
        float below = ry + sb->rule_below * 2;
        if (below > p->y) after = fmaxf(0, after - (below - p->y));
        p->y = fmaxf(p->y, below);
    }
    p->y += after;
    if (span) {
        /* the columns below start under the spanning block */
        p->region_top = p->y;
        p->y = p->region_top;
        snap(p);
        p->region_top = p->y;
        for (int c = 0; c < 12; c++) p->col_bottom[c] = p->region_top;
        p->y = p->region_top;
        p->col_empty = true;
    }
}

static void place_box(pg *p, const tb_lblock *b) {
    const tb_sblock *sb = b->sb;
    float h = block_height(p, b);
    float before = p->col_empty ? 0 : sb->before;
    float full = frame_bottom(p) - p->region_top;
    if (before + h > room(p) && !p->col_empty && (h <= full || room(p) < full * 0.25f)) {
        next_column(p);
        before = 0;
    }
    float inset = sb->padding + sb->border;
    p->y += before;
    if (grid(p) > 0) {
        /* the box's first line sits on the grid; its padding goes above */
        p->y += inset;
        snap(p);
        p->y -= inset;
    }
    record_id(p, sb->id);
    /* the frame is drawn under the text: remember where it goes */
    size_t page0 = p->cur;
    int col0 = p->col;
    tb_item *mark = page(p)->last;
    float top = p->y;
    float x0 = col_x(p) + p->inset_l + sb->start;
    float x1 = col_x(p) + col_width(p) - p->inset_r - sb->end;
    p->inset_l += sb->start + inset;
    p->inset_r += sb->end + inset;
    p->y += inset;
    bool was_empty = p->col_empty;
    p->col_empty = true; /* the first child's space before is inside the box */
    p->in_box++;
    place_blocks(p, b->first, false);
    p->in_box--;
    (void)was_empty;
    p->y += inset;
    p->inset_l -= sb->start + inset;
    p->inset_r -= sb->end + inset;
    if (sb->has_background || sb->border > 0) {
        /* one frame per column fragment: this version draws the last
        ** fragment, and earlier ones when the box moved on */
        bool same = p->cur == page0 && p->col == col0;
        float ftop = same ? top : p->region_top;
        tb_item *r = TB_NEW(p->a, tb_item);
        r->kind = TB_IT_RECT;
        r->artifact = true;
        r->u.rect = (tb_rect_item){x0, ftop, x1 - x0, p->y - ftop, sb->has_background, sb->border > 0,
                                   sb->background, sb->border_color, sb->border};
        /* splice under the fragment's text */
        tb_page *pp = page(p);
        tb_item *after = same ? mark : NULL;
        if (after) {
            r->next = after->next;
            after->next = r;
            if (pp->last == after) pp->last = r;
        } else {
            r->next = pp->first;
            pp->first = r;
            if (!pp->last) pp->last = r;
        }
        if (!same) {
            /* the first fragment, on the page/column where the box began */
            tb_page *p0 = &p->out->pages[page0];
            tb_item *r0 = TB_NEW(p->a, tb_item);
            *r0 = *r;
            float bottom = p->fh - p->m->bottom;
            float left0 = p->l->facing && page0 % 2 ? p->m->outer : p->m->inner;
            float cx = left0 + (float)col0 * (col_width(p) + p->m->column_gap);
            r0->u.rect.x = cx + p->inset_l + sb->start;
            r0->u.rect.y = top;
            r0->u.rect.h = bottom - top;
            if (mark) {
                r0->next = mark->next;
                mark->next = r0;
                if (p0->last == mark) p0->last = r0;
            } else {
                r0->next = p0->first;
                p0->first = r0;
                if (!p0->last) p0->last = r0;
            }
        }
    }
    p->y += sb->after;
    p->col_empty = false;
}

/* ---- tables ---------------------------------------------------------------- */

static const tb_color GREY60 = {0, 0, 0, 0.6f, 0.4f, 0.4f, 0.4f, false};
static const tb_color HEAD_BG = {0.08f, 0, 0.04f, 0, 0.92f, 0.96f, 0.95f, false};

static float cell_height(const pg *p, const tb_lblock *cell) {
    return list_height(p, cell->first, true) + 2 * cell->sb->padding;
}


static void plan_table(pg *p, const tb_lblock *b, tplan *t) {
    size_t n = 0;
    for (const tb_lblock *r = b->first; r; r = r->next) n++;
    t->rows = TB_NEWN(p->a, const tb_lblock *, n + 1);
    t->h = TB_NEWN(p->a, float, n + 1);
    t->n = 0;
    for (const tb_lblock *r = b->first; r; r = r->next) t->rows[t->n++] = r;
    t->nhead = 0;
    while (t->nhead < t->n && t->rows[t->nhead]->sb->header) t->nhead++;
    if (t->nhead == t->n) t->nhead = 0; /* a table of only header rows repeats nothing */
    for (size_t r = 0; r < n; r++) {
        t->h[r] = b->sb->size * 1.2f;
        for (const tb_lblock *c = t->rows[r]->first; c; c = c->next)
            if (c->sb->rowspan <= 1) t->h[r] = fmaxf(t->h[r], cell_height(p, c));
    }
    /* a cell spanning rows: the last of them grows if they are too low */
    for (size_t r = 0; r < n; r++)
        for (const tb_lblock *c = t->rows[r]->first; c; c = c->next) {
            if (c->sb->rowspan <= 1) continue;
            size_t last = r + (size_t)c->sb->rowspan - 1;
            if (last >= n) last = n - 1;
            float sum = 0;
            for (size_t k = r; k <= last; k++) sum += t->h[k];
            float need = cell_height(p, c);
            if (need > sum) t->h[last] += need - sum;
        }
}

static void draw_row(pg *p, const tb_lblock *tbl, const tplan *t, size_t r, float x0) {
    const tb_sblock *ts = tbl->sb;
    float y = p->y;
    float border = ts->border > 0 ? ts->border : 0.5f;
    tb_color bc = ts->border > 0 ? ts->border_color : GREY60;
    for (const tb_lblock *c = t->rows[r]->first; c; c = c->next) {
        const tb_sblock *cs = c->sb;
        size_t last = r + (size_t)(cs->rowspan > 1 ? cs->rowspan : 1) - 1;
        if (last >= t->n) last = t->n - 1;
        float h = 0;
        for (size_t k = r; k <= last; k++) h += t->h[k];
        bool fill = cs->has_background || cs->header;
        tb_item *it = item(p, TB_IT_RECT);
        it->artifact = true;
        it->u.rect = (tb_rect_item){x0 + cs->cell_x, y, cs->cell_w, h, fill, true,
                                    cs->has_background ? cs->background : HEAD_BG, bc, border};
        /* the content, inside the cell's padding */
        float save_l = p->inset_l, save_r = p->inset_r;
        float cx = x0 - col_x(p);
        p->inset_l = cx + cs->cell_x + cs->pad_x;
        p->inset_r = col_width(p) - (cx + cs->cell_x + cs->cell_w) + cs->pad_x;
        p->y = y + cs->padding;
        p->col_empty = true;
        p->no_break++;
        p->in_box++;
        place_blocks(p, c->first, false);
        p->in_box--;
        p->no_break--;
        p->inset_l = save_l;
        p->inset_r = save_r;
    }
    p->y = y + t->h[r];
}

static void place_table(pg *p, const tb_lblock *b) {
    const tb_sblock *sb = b->sb;
    tplan t;
    plan_table(p, b, &t);
    if (!t.n) return;
    float before = p->col_empty ? 0 : sb->before;
    float headh = 0;
    for (size_t r = 0; r < t.nhead; r++) headh += t.h[r];
    p->y += before;
    record_id(p, sb->id);
    size_t r = 0;
    while (r < t.n) {
        /* rows joined by a rowspan go together */
        size_t g = r;
        for (size_t k = r; k <= g && k < t.n; k++)
            for (const tb_lblock *c = t.rows[k]->first; c; c = c->next)
                if (c->sb->rowspan > 1 && k + (size_t)c->sb->rowspan - 1 > g) g = k + (size_t)c->sb->rowspan - 1;
        if (g >= t.n) g = t.n - 1;
        float gh = 0;
        for (size_t k = r; k <= g; k++) gh += t.h[k];
        /* the header goes with the first body row */
        if (r == 0 && t.nhead) gh += t.h[t.nhead < t.n ? t.nhead : 0];
        if (gh > room(p) + 0.01f && !p->col_empty) {
            next_column(p);
            if (r >= t.nhead)
                for (size_t k = 0; k < t.nhead; k++) draw_row(p, b, &t, k, col_x(p) + p->inset_l + sb->start);
        }
        for (size_t k = r; k <= g; k++) draw_row(p, b, &t, k, col_x(p) + p->inset_l + sb->start);
        p->col_empty = false;
        r = g + 1;
        if (p->failed) return;
    }
    p->y += sb->after;
}

static void place_qr(pg *p, const tb_lblock *b) {
    const tb_sblock *sb = b->sb;
    float size = sb->img_w;
    float before = p->col_empty ? 0 : sb->before;
    if (before + size > room(p) && !p->col_empty) { next_column(p); before = 0; }
    p->y += before;
    record_id(p, sb->id);
    float avail = col_width(p) - p->inset_l - p->inset_r - sb->start - sb->end;
    float x = col_x(p) + p->inset_l + sb->start;
    if (sb->align == TB_ALIGN_CENTER) x += (avail - size) / 2;
    else if (sb->align == TB_ALIGN_END) x += avail - size;
    int n = sb->qr_n;
    float m = size / (float)(n + 8); /* a quiet zone of four modules a side */
    static const tb_color WHITE = {0, 0, 0, 0, 1, 1, 1, true};
    tb_item *bg = item(p, TB_IT_RECT);
    bg->u.rect = (tb_rect_item){x, p->y, size, size, true, false, WHITE, WHITE, 0};
    bg->st = sb->st; /* the code is the figure's content */
    static const tb_color DARK = {0, 0, 0, 1, 0, 0, 0, false};
    for (int row = 0; row < n; row++)
        for (int c = 0; c < n;) {
            if (!sb->qr[row * n + c]) { c++; continue; }
            int e = c;
            while (e < n && sb->qr[row * n + e]) e++;
            tb_item *it = item(p, TB_IT_RECT);
            it->st = sb->st;
            /* a hair wider and taller: neighbouring squares must not show seams */
            it->u.rect = (tb_rect_item){x + (float)(4 + c) * m, p->y + (float)(4 + row) * m, (float)(e - c) * m + 0.01f,
                                        m + 0.01f, true, false, DARK, DARK, 0};
            c = e;
        }
    tb_item *lk = item(p, TB_IT_LINK);
    lk->u.link = (tb_link_item){x, p->y, size, size, sb->href, -1, 0};
    lk->st = sb->st;
    p->y += size + sb->after;
    p->col_empty = false;
}

static void place_blocks(pg *p, const tb_lblock *b, bool keep_first) {
    (void)keep_first;
    for (; b; b = b->next) {
        const tb_sblock *sb = b->sb;
        if (sb->break_before && !p->no_break && !(p->col_empty && p->col == 0 && p->y <= p->region_top + 0.01f))
            new_page(p, p->m);
        switch (sb->kind) {
        case TB_SB_PARA: place_para(p, b, b->next); break;
        case TB_SB_BOX: place_box(p, b); break;
        case TB_SB_RULE: {
            float before = p->col_empty ? 0 : sb->before;
            if (before + sb->rule_below + sb->after > room(p)) { next_column(p); before = 0; }
            p->y += before;
            tb_item *it = item(p, TB_IT_RULE);
            float x = col_x(p) + p->inset_l + sb->start;
            it->u.rule = (tb_rule_item){x, p->y, col_x(p) + col_width(p) - p->inset_r - sb->end, p->y,
                                        sb->rule_below, sb->rule_color, false};
            it->artifact = true;
            p->y += sb->rule_below + sb->after;
            p->col_empty = false;
            break;
        }
        case TB_SB_TABLE: place_table(p, b); break;
        case TB_SB_QR: place_qr(p, b); break;
        case TB_SB_ROW: case TB_SB_CELL: break; /* placed by their table */
        case TB_SB_PAGEBREAK:
            if (!(p->col_empty && p->col == 0) && !p->no_break) new_page(p, p->m);
            break;
        case TB_SB_COLUMNBREAK:
            if (!p->col_empty) next_column(p);
            break;
        case TB_SB_IMAGE: {
            float before = p->col_empty ? 0 : sb->before;
            if (before + sb->img_h > room(p) && !p->col_empty) { next_column(p); before = 0; }
            p->y += before;
            record_id(p, sb->id);
            tb_item *it = item(p, TB_IT_IMAGE);
            float avail = col_width(p) - p->inset_l - p->inset_r - sb->start - sb->end;
            float x = col_x(p) + p->inset_l + sb->start + (avail - sb->img_w) / 2;
            it->u.image = (tb_image_item){x, p->y, sb->img_w, sb->img_h, sb->img_path, sb->src ? sb->src->alt : NULL,
                                          sb->src ? sb->src->line : 0, sb->src ? sb->src->col : 0};
            it->st = sb->st;
            p->y += sb->img_h + sb->after;
            p->col_empty = false;
            break;
        }
        }
        if (p->failed) return;
    }
}

/* Folio: the digits' glyphs composed into the page number. */
static void folio(pg *p, size_t idx, int number) {
    const tb_lines *ls = p->doc->folio_digits;
    if (!ls || !ls->n) return;
    const tb_line *L = &ls->v[0];
    const char *fmt = p->l->folio_format;
    size_t pre = (size_t)(strstr(fmt, "%d") - fmt);
    char digits[16];
    snprintf(digits, sizeof digits, "%d", number);
    /* the glyphs of the prefix, of each digit, of the suffix, by byte offset */
    tb_glyph *gs = TB_NEWN(p->a, tb_glyph, 32);
    size_t n = 0;
    float x = 0;
    const tb_lrun *lr = L->runs;
    if (!L->nruns) return;
    /* all glyphs of the folio line, flattened */
    size_t total = 0;
    for (size_t r = 0; r < L->nruns; r++) total += L->runs[r].n;
    for (int pass = 0; pass < 3; pass++) {
        size_t b0, b1;
        const char *want = NULL;
        if (pass == 0) b0 = 0, b1 = pre;
        else if (pass == 2) b0 = pre + 10, b1 = ls->para->len;
        else b0 = b1 = 0, want = digits;
        size_t wl = want ? strlen(want) : 1;
        for (size_t w = 0; w < wl; w++) {
            if (want) b0 = pre + (size_t)(want[w] - '0'), b1 = b0 + 1;
            for (size_t r = 0; r < L->nruns; r++)
                for (size_t k = 0; k < L->runs[r].n; k++) {
                    const tb_lglyph *g = &L->runs[r].g[k];
                    if (g->text >= b0 && g->text < b1 && n < 32) {
                        gs[n++] = (tb_glyph){g->gid, x, g->y, g->advance, g->text, g->ntext};
                        x += g->advance;
                    }
                }
        }
    }
    (void)total;
    tb_page *pp = &p->out->pages[idx];
    tb_item *it = TB_NEW(p->a, tb_item);
    it->kind = TB_IT_GLYPHS;
    it->artifact = true;
    it->st = -1;
    tb_glyph_run *g = &it->u.glyphs;
    g->face = lr->face;
    g->size = lr->size;
    g->color = lr->span->color;
    bool verso = p->l->facing ? idx % 2 == 1 : false;
    float left = verso ? p->l->body.outer : p->l->body.inner;
    float right = p->l->width - (verso ? p->l->body.inner : p->l->body.outer);
    if (p->l->folio_pos == 1) g->x = verso ? left : right - x;
    else g->x = (p->l->width - x) / 2;
    g->y = p->l->height - p->l->folio_offset;
    g->text = ls->para->text;
    g->ntext = ls->para->len;
    g->glyphs = gs;
    g->n = n;
    if (pp->last) pp->last->next = it;
    else pp->first = it;
    pp->last = it;
    pp->folio = number;
}

/* Running head: one line of LS at the outer edge of page IDX. */
static void running_head(pg *p, size_t idx, const tb_lines *ls) {
    if (!ls || !ls->n) return;
    const tb_line *L = &ls->v[0];
    bool verso = p->l->facing && idx % 2 == 1;
    float x = verso ? p->l->body.outer : p->l->width - p->l->body.outer - L->width;
    if (p->l->head_pos == 0) x = (p->l->width - L->width) / 2;
    tb_page *pp = &p->out->pages[idx];
    size_t cur = p->cur;
    p->cur = idx; /* draw on page idx */
    tb_item *before = pp->last;
    draw_line(p, ls, L, x, p->l->head_offset);
    for (tb_item *it = before ? before->next : pp->first; it; it = it->next) {
        it->artifact = true;
        /* the layout puts it there: no line of the guide to blame */
        if (it->kind == TB_IT_GLYPHS) it->u.glyphs.line = it->u.glyphs.col = 0;
    }
    p->cur = cur;
}

/* Vertical pages: map the rects, rules and links placed in flow space to
** the page (glyph runs were drawn in page space). */
static void page_items(pg *p, size_t idx) {
    float W = p->l->width;
    for (tb_item *it = p->out->pages[idx].first; it; it = it->next) {
        switch (it->kind) {
        case TB_IT_RECT: {
            tb_rect_item *r = &it->u.rect;
            float x = W - r->y - r->h, y = r->x, w = r->h, h = r->w;
            r->x = x, r->y = y, r->w = w, r->h = h;
            break;
        }
        case TB_IT_LINK: {
            tb_link_item *r = &it->u.link;
            float x = W - r->y - r->h, y = r->x, w = r->h, h = r->w;
            r->x = x, r->y = y, r->w = w, r->h = h;
            r->target_y = 0;
            break;
        }
        case TB_IT_IMAGE: {
            tb_image_item *r = &it->u.image;
            /* an image keeps its shape: its box turns about its centre */
            float cx = W - (r->y + r->h / 2), cy = r->x + r->w / 2;
            r->x = cx - r->w / 2, r->y = cy - r->h / 2;
            break;
        }
        case TB_IT_RULE: {
            tb_rule_item *r = &it->u.rule;
            float x1 = W - r->y1, y1 = r->x1, x2 = W - r->y2, y2 = r->x2;
            r->x1 = x1, r->y1 = y1, r->x2 = x2, r->y2 = y2;
            break;
        }
        case TB_IT_GLYPHS: break;
        }
    }
}

static void place_area(pg *p, const tb_lblock *b, const tb_master *m, bool center) {
    new_page(p, m);
    if (m->npanel_order) {
        size_t pages = (m->npanel_order + (size_t)m->columns - 1) / (size_t)m->columns;
        for (size_t i = 1; i < pages; i++) new_page(p, m);
        p->sheet0 = p->out->n - pages;
        p->flow = (size_t)-1;
        p->no_break = 0;
        next_column(p); /* to panel 1 */
    }
    if (center) {
        float h = list_height(p, b, true);
        float avail = frame_bottom(p) - p->y;
        if (h < avail) p->y += (avail - h) / 2;
        p->region_top = p->y;
    }
    place_blocks(p, b, false);
}

tb_pages *tb_paginate(tb_ctx *ctx, tb_arena *a, const tb_lined_doc *doc, tb_pagemap *map) {
    pg p = {.ctx = ctx, .a = a, .doc = doc, .l = doc->styled->layout};
    p.vert = p.vtext = p.l->vertical;
    p.fw = p.vert ? p.l->height : p.l->width;
    p.fh = p.vert ? p.l->width : p.l->height;
    p.out = TB_NEW(a, tb_pages);
    p.out->right_to_left = p.vert;
    const tb_styled *st = doc->styled;
    p.out->meta = (tb_doc_meta){st->title, st->subtitle, st->author, st->publisher, st->date,
                                st->description, st->keywords, st->lang};
    p.out->bleed = p.l->bleed;
    p.out->structs = st->structs;
    p.out->nstructs = st->nstructs;
    size_t body0, body1;
    if (p.l->body.npanel_order) {
        /* a folded leaflet: the cover is panel 1, the body the panels after
        ** it, the back cover the last panel (see the master's panel-order) */
        place_area(&p, doc->cover, &p.l->body, false);
        if (doc->cover) next_column(&p);
        body0 = p.sheet0;
        place_blocks(&p, doc->body, false);
        if (doc->back) {
            size_t last = p.l->body.npanel_order - 1;
            if (p.flow < last) {
                p.flow = last - 1;
                next_column(&p);
            } else if (!p.col_empty) {
                next_column(&p); /* the last panel is taken: a new sheet */
            }
            place_blocks(&p, doc->back, false);
        }
        body1 = p.out->n;
    } else {
        if (doc->cover) place_area(&p, doc->cover, &p.l->cover, p.l->cover.valign_center);
        body0 = p.out->n;
        if (doc->body) place_area(&p, doc->body, &p.l->body, false);
        body1 = p.out->n;
        if (doc->back) place_area(&p, doc->back, &p.l->back, p.l->back.valign_center);
    }
    if (p.failed) return NULL;
    if (p.vert) {
        for (size_t i = 0; i < p.out->n; i++) page_items(&p, i);
        for (size_t i = 0; i < p.out->n_outline; i++) p.out->outline[i].y = 0;
        p.vtext = false; /* folios and running heads stay horizontal */
    }
    /* folios: pages are numbered from the first (the cover counts) */
    for (size_t i = body0; i < body1; i++) {
        if (p.l->body.folio) folio(&p, i, (int)i + 1);
        bool verso = p.l->facing && i % 2 == 1;
        const tb_lines *sec = NULL;
        for (size_t k = 0; k < p.nheads; k++)
            if (p.heads[k].page <= i) sec = p.heads[k].lines;
        if (p.l->head_title && (verso || !p.l->head_section || !sec)) running_head(&p, i, doc->running_title);
        else if (p.l->head_section && sec) running_head(&p, i, sec);
    }
    /* internal links: ids to pages */
    for (size_t i = 0; i < p.out->n; i++)
        for (tb_item *it = p.out->pages[i].first; it; it = it->next)
            if (it->kind == TB_IT_LINK && it->u.link.page == -2) {
                const char *id = it->u.link.uri;
                it->u.link.uri = NULL;
                it->u.link.page = 0;
                int pg = find_id(&p, id);
                if (pg >= 0) it->u.link.page = pg;
            }
    map->ids = p.ids;
    map->pages = p.idpages;
    map->n = p.nids;
    return p.out;
}
