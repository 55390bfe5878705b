/*
** shape.c — itemization and HarfBuzz shaping; see shape.h.
*/
#include "shape.h"
#include <stdlib.h>
#include <string.h>
#include <unicode/ubidi.h>
#include "../base/jclass.h"
#include "../base/utf8.h"

enum { MAX_CHAIN = 12 };

typedef struct chain_entry {
    const char *role, *lang;  /* borrowed from spans (arena strings differ
                                 per guide: compared by value) */
    char *role_c, *lang_c;    /* owned copies */
    bool bold;
    tb_face *faces[MAX_CHAIN];
    size_t n;
    bool fake_bold;
} chain_entry;

struct tb_shaper {
    tb_ctx *ctx;
    tb_fontcat *cat;
    hb_buffer_t *buf;         /* owned, reused */
    chain_entry *chains;      /* owned cache */
    size_t nchains;
    uint32_t *cps;            /* scratch: code points of a paragraph */
    uint32_t *offs;           /* scratch: their byte offsets */
    int *font_of;             /* scratch: chain index per code point */
    /* paragraphs shaped for the current document, by content: a second
    ** layout pass (page numbers) reshapes only what changed */
    tb_arena *cache_arena;    /* (borrowed) the document the cache is for */
    struct cached { uint64_t key; const tb_para *para; tb_shaped *shaped; } *cache;
    size_t ncache, capcache;  /* open addressing, capcache a power of 2 */
    /* halt/vhal metrics of punctuation, by face, code point and direction */
    struct half { const tb_face *face; uint32_t cp; bool vert, known; float w, shift; } *halves;
    size_t nhalves, caphalves;
    hb_script_t *script_of;
    size_t cap;
    /* shape plans, by face and segment properties: hb_shape looks its plan
       up in the face's cache on every call, and building that key searches
       GSUB and GPOS for feature variations each time (a tenth of shaping) */
    struct plan { hb_face_t *face; hb_segment_properties_t props; hb_shape_plan_t *plan; } *plans;
    size_t nplans, capplans;
};

tb_shaper *tb_shaper_new(tb_ctx *ctx) {
    tb_fontcat *cat = tb_ctx_fonts(ctx);
    if (!cat) return NULL;
    tb_shaper *sh = calloc(1, sizeof *sh);
    sh->ctx = ctx;
    sh->cat = cat;
    sh->buf = hb_buffer_create();
    return sh;
}

void tb_shaper_free(tb_shaper *sh) {
    if (!sh) return;
    hb_buffer_destroy(sh->buf);
    for (size_t i = 0; i < sh->nchains; i++) {
        free(sh->chains[i].role_c);
        free(sh->chains[i].lang_c);
    }
    free(sh->chains);
    free(sh->cps); free(sh->offs); free(sh->font_of); free(sh->script_of);
    free(sh->cache);
    free(sh->halves);
    for (size_t i = 0; i < sh->nplans; i++) hb_shape_plan_destroy(sh->plans[i].plan);
    free(sh->plans);
    free(sh);
}

/* Shape BUF (its properties set) with FONT: as hb_shape, with the plan
** kept here. */
static void shape_buf(tb_shaper *sh, hb_font_t *font, hb_buffer_t *buf) {
    hb_segment_properties_t props;
    hb_buffer_get_segment_properties(buf, &props);
    hb_face_t *face = hb_font_get_face(font);
    hb_shape_plan_t *plan = NULL;
    for (size_t i = 0; i < sh->nplans && !plan; i++)
        if (sh->plans[i].face == face && hb_segment_properties_equal(&sh->plans[i].props, &props))
            plan = sh->plans[i].plan;
    if (!plan) {
        if (sh->nplans == sh->capplans) {
            size_t cap = sh->capplans ? 2 * sh->capplans : 16;
            struct plan *v = realloc(sh->plans, cap * sizeof *v);
            if (!v) {
                hb_shape(font, buf, NULL, 0);
                return;
            }
            sh->plans = v;
            sh->capplans = cap;
        }
        plan = hb_shape_plan_create_cached(face, &props, NULL, 0, NULL);
        sh->plans[sh->nplans++] = (struct plan){face, props, plan};
    }
    hb_shape_plan_execute(plan, font, buf, NULL, 0);
}

static chain_entry *chain_for(tb_shaper *sh, const char *role, bool bold, const char *lang) {
    if (!role) role = "body";
    if (!lang) lang = "und";
    for (size_t i = 0; i < sh->nchains; i++) {
        chain_entry *c = &sh->chains[i];
        if (c->bold == bold && !strcmp(c->role_c, role) && !strcmp(c->lang_c, lang)) return c;
    }
    chain_entry *v = realloc(sh->chains, (sh->nchains + 1) * sizeof *v);
    if (!v) abort();
    sh->chains = v;
    chain_entry *c = &v[sh->nchains++];
    memset(c, 0, sizeof *c);
    c->role_c = strdup(role);
    c->lang_c = strdup(lang);
    c->bold = bold;
    c->n = tb_fontcat_chain(sh->ctx, sh->cat, role, bold, lang, c->faces, MAX_CHAIN, &c->fake_bold);
    /* faces that fail to open drop out of the chain (the error is reported once) */
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (tb_face_open(sh->ctx, c->faces[i])) c->faces[k++] = c->faces[i];
    c->n = k;
    return c;
}

/* Han, kana and bopomofo shape together; Common/Inherited join neighbours. */
static hb_script_t script_class(hb_script_t s) {
    switch (s) {
    case HB_SCRIPT_HIRAGANA: case HB_SCRIPT_KATAKANA: case HB_SCRIPT_BOPOMOFO: return HB_SCRIPT_HAN;
    default: return s;
    }
}

static bool is_joiner_script(hb_script_t s) {
    return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED || s == HB_SCRIPT_UNKNOWN;
}

static void reserve(tb_shaper *sh, size_t n) {
    if (n <= sh->cap) return;
    size_t cap = sh->cap ? sh->cap : 256;
    while (cap < n) cap *= 2;
    sh->cps = realloc(sh->cps, cap * sizeof *sh->cps);
    sh->offs = realloc(sh->offs, (cap + 1) * sizeof *sh->offs);
    sh->font_of = realloc(sh->font_of, cap * sizeof *sh->font_of);
    sh->script_of = realloc(sh->script_of, cap * sizeof *sh->script_of);
    if (!sh->cps || !sh->offs || !sh->font_of || !sh->script_of) abort();
    sh->cap = cap;
}

/* In vertical text: does the character stand upright (UAX #50, in short:
** CJK scripts, kana, CJK punctuation and full-width forms), or is it set
** sideways like Latin? */
static bool upright(uint32_t c, hb_script_t script) {
    if (script == HB_SCRIPT_HAN || script == HB_SCRIPT_HANGUL) return !(c < 0x2E80 && c != 0x00A7 && c != 0x00B6);
    return c >= 0x2E80 || (c >= 0x2460 && c <= 0x24FF) || (c >= 0x2500 && c <= 0x27BF) || c == 0x00A7;
}

static bool is_ascii_digit(uint32_t c) { return c >= '0' && c <= '9'; }

/* What the font's halt (horizontal) or vhal (vertical) feature makes of a
** full-width punctuation character: its advance and shift along the line
** in font units, relative to the plain glyph.  *W is 0 when the feature
** changes nothing (the font has none). */
static void half_metrics(tb_shaper *sh, tb_face *face, uint32_t cp, bool vert, float *w, float *shift) {
    for (size_t i = 0; i < sh->nhalves; i++) {
        struct half *h = &sh->halves[i];
        if (h->face == face && h->cp == cp && h->vert == vert) {
            *w = h->w, *shift = h->shift;
            return;
        }
    }
    hb_buffer_t *b = hb_buffer_create();
    float adv[2] = {0, 0}, off[2] = {0, 0};
    for (int on = 0; on < 2; on++) {
        hb_buffer_clear_contents(b);
        hb_buffer_add_utf32(b, &cp, 1, 0, 1);
        hb_buffer_set_direction(b, vert ? HB_DIRECTION_TTB : HB_DIRECTION_LTR);
        hb_buffer_set_script(b, HB_SCRIPT_HAN);
        hb_buffer_set_language(b, hb_language_from_string("ja", -1));
        hb_feature_t f = {vert ? HB_TAG('v', 'h', 'a', 'l') : HB_TAG('h', 'a', 'l', 't'), 1, 0, (unsigned)-1};
        hb_shape(tb_face_hb_font(face), b, on ? &f : NULL, on ? 1 : 0);
        unsigned len = 0;
        hb_glyph_position_t *p = hb_buffer_get_glyph_positions(b, &len);
        if (len == 1) {
            adv[on] = vert ? -(float)p[0].y_advance : (float)p[0].x_advance;
            off[on] = vert ? -(float)p[0].y_offset : (float)p[0].x_offset;
        }
    }
    hb_buffer_destroy(b);
    float hw = adv[1] > 0 && adv[1] < adv[0] ? adv[1] : 0;
    if (sh->nhalves == sh->caphalves) {
        sh->caphalves = sh->caphalves ? sh->caphalves * 2 : 32;
        sh->halves = realloc(sh->halves, sh->caphalves * sizeof *sh->halves);
        if (!sh->halves) abort();
    }
    sh->halves[sh->nhalves++] = (struct half){face, cp, vert, true, hw, hw ? off[1] - off[0] : 0};
    *w = hw;
    *shift = hw ? off[1] - off[0] : 0;
}

static bool invisible(uint32_t c) {
    return c == '\n' || c == 0x200B || c == 0x00AD || c == 0x200C || c == 0x200D || c == 0xFEFF;
}

/* What shaping depends on: the text and, per span, its range, font role,
** weight, size and language.  Colour, links and rise do not change glyphs. */
static uint64_t para_key(const tb_para *p) {
    uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
    for (uint32_t i = 0; i < p->len; i++) MIX((unsigned char)p->text[i]);
    for (size_t i = 0; i < p->nspans; i++) {
        const tb_span *s = &p->spans[i];
        MIX(s->start); MIX(s->end); MIX(s->bold); MIX((uint32_t)(s->size * 64)); MIX(s->boten);
        for (const char *c = s->font ? s->font : ""; *c; c++) MIX(*c);
        for (const char *c = s->lang ? s->lang : ""; *c; c++) MIX(*c);
    }
    MIX(p->vertical);
#undef MIX
    return h ? h : 1;
}

static bool same_shaping(const tb_para *a, const tb_para *b) {
    if (a->len != b->len || a->nspans != b->nspans || a->vertical != b->vertical || memcmp(a->text, b->text, a->len))
        return false;
    for (size_t i = 0; i < a->nspans; i++) {
        const tb_span *x = &a->spans[i], *y = &b->spans[i];
        if (x->start != y->start || x->end != y->end || x->bold != y->bold || x->size != y->size || x->tcy != y->tcy ||
            x->boten != y->boten ||
            strcmp(x->font ? x->font : "", y->font ? y->font : "") ||
            strcmp(x->lang ? x->lang : "", y->lang ? y->lang : ""))
            return false;
    }
    return true;
}

void tb_shaper_end_document(tb_shaper *sh) {
    if (!sh) return;
    sh->cache_arena = NULL;
    sh->ncache = 0;
    if (sh->cache) memset(sh->cache, 0, sh->capcache * sizeof *sh->cache);
}

static tb_shaped *shape_uncached(tb_shaper *sh, tb_arena *a, const tb_para *p);
static tb_shaped *shape_base(tb_shaper *sh, tb_arena *a, const tb_para *p);

/* Ruby readings: each a small paragraph in the style of its base at half
** its size (JLREQ 3.3.3), shaped like any other text. */
static void shape_ruby(tb_shaper *sh, tb_arena *a, const tb_para *p, tb_shaped *out) {
    if (!p->nruby) return;
    out->rt = TB_NEWN(a, tb_shaped *, p->nruby);
    for (size_t i = 0; i < p->nruby; i++) {
        const tb_ruby *r = &p->ruby[i];
        const tb_span *base = &p->spans[0];
        for (size_t k = 0; k < p->nspans; k++)
            if (p->spans[k].start <= r->start && r->start < p->spans[k].end) base = &p->spans[k];
        tb_para *rp = TB_NEW(a, tb_para);
        rp->text = r->text;
        rp->len = (uint32_t)strlen(r->text);
        rp->lang = p->lang;
        rp->file = p->file;
        rp->vertical = p->vertical;
        tb_span *sp = TB_NEW(a, tb_span);
        *sp = *base;
        sp->start = 0;
        sp->end = rp->len;
        sp->size = base->size * 0.5f;
        sp->href = NULL;
        sp->dest = NULL;
        rp->spans = sp;
        rp->nspans = 1;
        out->rt[i] = shape_base(sh, a, rp);
    }
}

/* The emphasis dot of 傍点: a sesame dot at half the size of the first
** span that asks for dots. */
static void shape_boten(tb_shaper *sh, tb_arena *a, const tb_para *p, tb_shaped *out) {
    out->boten = NULL;
    for (size_t k = 0; k < p->nspans; k++) {
        if (!p->spans[k].boten) continue;
        tb_para *dp = TB_NEW(a, tb_para);
        dp->text = "\xEF\xB9\x85"; /* U+FE45 SESAME DOT */
        dp->len = 3;
        dp->lang = p->lang;
        dp->file = p->file;
        dp->vertical = p->vertical;
        tb_span *sp = TB_NEW(a, tb_span);
        *sp = p->spans[k];
        sp->start = 0;
        sp->end = 3;
        sp->size *= 0.5f;
        sp->boten = false;
        sp->href = sp->dest = NULL;
        dp->spans = sp;
        dp->nspans = 1;
        out->boten = shape_base(sh, a, dp);
        return;
    }
}

tb_shaped *tb_shape_para(tb_shaper *sh, tb_arena *a, const tb_para *p) {
    tb_shaped *out = shape_base(sh, a, p);
    if (p) {
        shape_ruby(sh, a, p, out);
        shape_boten(sh, a, p, out);
    }
    return out;
}

static tb_shaped *shape_base(tb_shaper *sh, tb_arena *a, const tb_para *p) {
    if (!p) {
        tb_shaped *out = TB_NEW(a, tb_shaped);
        return out;
    }
    if (sh->cache_arena != a) { /* a new document (the driver also says so) */
        tb_shaper_end_document(sh);
        sh->cache_arena = a;
    }
    uint64_t key = para_key(p);
    if (sh->capcache) {
        for (size_t i = key & (sh->capcache - 1);; i = (i + 1) & (sh->capcache - 1)) {
            struct cached *c = &sh->cache[i];
            if (!c->key) break;
            if (c->key == key && same_shaping(c->para, p)) {
                /* the glyphs are shared; the spans (colour, links) are the
                ** new paragraph's: runs point at them by index */
                tb_shaped *out = TB_NEW(a, tb_shaped);
                *out = *c->shaped;
                out->para = p;
                out->runs = TB_NEWN(a, tb_srun, out->nruns);
                for (size_t r = 0; r < out->nruns; r++) {
                    out->runs[r] = c->shaped->runs[r];
                    out->runs[r].span = &p->spans[c->shaped->runs[r].span - c->para->spans];
                }
                return out;
            }
        }
    }
    tb_shaped *out = shape_uncached(sh, a, p);
    if (tb_diags_count(sh->ctx->diags, TB_ERROR)) return out; /* errors are reported once per pass */
    if ((sh->ncache + 1) * 2 > sh->capcache) {
        size_t cap = sh->capcache ? sh->capcache * 2 : 256;
        struct cached *nc = calloc(cap, sizeof *nc);
        if (!nc) return out;
        for (size_t i = 0; i < sh->capcache; i++) {
            if (!sh->cache[i].key) continue;
            size_t j = sh->cache[i].key & (cap - 1);
            while (nc[j].key) j = (j + 1) & (cap - 1);
            nc[j] = sh->cache[i];
        }
        free(sh->cache);
        sh->cache = nc;
        sh->capcache = cap;
    }
    size_t j = key & (sh->capcache - 1);
    while (sh->cache[j].key) j = (j + 1) & (sh->capcache - 1);
    sh->cache[j] = (struct cached){key, p, out};
    sh->ncache++;
    return out;
}

static tb_shaped *shape_uncached(tb_shaper *sh, tb_arena *a, const tb_para *p) {
    tb_shaped *out = TB_NEW(a, tb_shaped);
    out->para = p;
    reserve(sh, (size_t)p->len + 1);
    hb_unicode_funcs_t *uf = hb_unicode_funcs_get_default();
    /* decode; script per code point */
    size_t n = 0;
    const char *s = p->text, *end = p->text + p->len;
    while (s < end) {
        sh->offs[n] = (uint32_t)(s - p->text);
        sh->cps[n] = tb_utf8_next(&s);
        sh->script_of[n] = script_class(hb_unicode_script(uf, sh->cps[n]));
        n++;
    }
    sh->offs[n] = p->len;
    /* bidi levels (UAX #9, ICU), only where right-to-left text occurs */
    uint8_t *level = TB_NEWN(a, uint8_t, n + 1);
    uint8_t base = 0;
    bool rtl_text = false;
    for (size_t k = 0; k < n && !rtl_text; k++) {
        UCharDirection d = u_charDirection((UChar32)sh->cps[k]);
        rtl_text = d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC;
    }
    if (rtl_text) {
        UChar *u16 = malloc((2 * n + 1) * sizeof *u16);
        int32_t *cp_of = malloc((2 * n + 1) * sizeof *cp_of);
        int32_t m = 0;
        for (size_t k = 0; k < n && u16 && cp_of; k++) {
            if (sh->cps[k] >= 0x10000) {
                cp_of[m] = (int32_t)k, u16[m++] = (UChar)(0xD800 + ((sh->cps[k] - 0x10000) >> 10));
                cp_of[m] = (int32_t)k, u16[m++] = (UChar)(0xDC00 + ((sh->cps[k] - 0x10000) & 0x3FF));
            } else {
                cp_of[m] = (int32_t)k, u16[m++] = (UChar)sh->cps[k];
            }
        }
        UErrorCode e = U_ZERO_ERROR;
        UBiDi *bidi = u16 && cp_of ? ubidi_open() : NULL;
        /* the paragraph's direction: its language if Arabic, Hebrew, Persian
        ** or Urdu, else its first strong character */
        const char *pl = p->lang ? p->lang : "";
        UBiDiLevel para = (!strncmp(pl, "ar", 2) || !strncmp(pl, "he", 2) || !strncmp(pl, "fa", 2) ||
                           !strncmp(pl, "ur", 2)) ? 1 : UBIDI_DEFAULT_LTR;
        if (bidi) ubidi_setPara(bidi, u16, m, para, NULL, &e);
        if (bidi && U_SUCCESS(e)) {
            const UBiDiLevel *lv = ubidi_getLevels(bidi, &e);
            base = ubidi_getParaLevel(bidi) & 1;
            for (int32_t k = 0; lv && k < m; k++) level[cp_of[k]] = lv[k];
        }
        if (bidi) ubidi_close(bidi);
        free(u16);
        free(cp_of);
    }
    out->base_level = base;
    /* Common/Inherited take the script of the run before (or after) */
    hb_script_t last = HB_SCRIPT_INVALID;
    for (size_t i = 0; i < n; i++) {
        if (is_joiner_script(sh->script_of[i])) {
            if (last != HB_SCRIPT_INVALID) sh->script_of[i] = last;
        } else last = sh->script_of[i];
    }
    last = HB_SCRIPT_INVALID;
    for (size_t i = n; i-- > 0;) {
        if (is_joiner_script(sh->script_of[i])) {
            sh->script_of[i] = last != HB_SCRIPT_INVALID ? last : HB_SCRIPT_LATIN;
        } else last = sh->script_of[i];
    }
    /* orientation per character in vertical text; one or two ASCII digits
    ** standing alone are set across the line (縦中横), as is <tcy> */
    tb_orient *orient = TB_NEWN(a, tb_orient, n + 1);
    if (p->vertical) {
        size_t si2 = 0;
        for (size_t k = 0; k < n; k++) {
            while (si2 + 1 < p->nspans && sh->offs[k] >= p->spans[si2].end) si2++;
            orient[k] = p->spans[si2].tcy ? TB_OR_TCY
                        : upright(sh->cps[k], sh->script_of[k]) ? TB_OR_UPRIGHT : TB_OR_SIDEWAYS;
        }
        for (size_t k = 0; k < n;) {
            if (!is_ascii_digit(sh->cps[k]) || orient[k] == TB_OR_TCY) { k++; continue; }
            size_t e = k;
            while (e < n && is_ascii_digit(sh->cps[e])) e++;
            bool alone = (k == 0 || !(sh->cps[k - 1] < 0x2E80 && sh->cps[k - 1] > ' ')) &&
                         (e == n || !(sh->cps[e] < 0x2E80 && sh->cps[e] > ' '));
            if (alone && e - k <= 2)
                for (size_t q = k; q < e; q++) orient[q] = TB_OR_TCY;
            k = e;
        }
    } else {
        for (size_t k = 0; k < n; k++) orient[k] = TB_OR_HORIZONTAL;
    }
    /* glyph storage: at most a few glyphs per character; grown as needed */
    size_t gcap = n + 16, ng = 0;
    tb_sglyph *g = TB_NEWN(a, tb_sglyph, gcap);
    size_t rcap = p->nspans + 8, nr = 0;
    tb_srun *runs = TB_NEWN(a, tb_srun, rcap);

    size_t i = 0;
    size_t si = 0; /* span index */
    while (i < n) {
        while (si + 1 < p->nspans && sh->offs[i] >= p->spans[si].end) si++;
        const tb_span *sp = &p->spans[si];
        if (invisible(sh->cps[i])) { i++; continue; }
        chain_entry *c = chain_for(sh, sp->font, sp->bold, sp->lang ? sp->lang : p->lang);
        /* the face for this character */
        int fi = -1;
        for (size_t k = 0; k < c->n; k++)
            if (tb_face_glyph(c->faces[k], sh->cps[i])) { fi = (int)k; break; }
        if (fi < 0) {
            if (c->n)
                tb_error_kind(sh->ctx, TB_KIND_MISSING_GLYPH, p->file, sp->line, sp->col,
                              "no font has the character U+%04X '%.*s' (role '%s', language '%s')", sh->cps[i],
                              (int)(sh->offs[i + 1] - sh->offs[i]), p->text + sh->offs[i],
                              sp->font ? sp->font : "body", sp->lang ? sp->lang : p->lang);
            i++;
            continue;
        }
        /* extend the run while span, script and face stay the same; a
        ** character of a joining script (space, punctuation, marks) stays
        ** in the run if the face has it */
        size_t j = i + 1;
        while (j < n && sh->offs[j] < sp->end && !invisible(sh->cps[j]) &&
               sh->script_of[j] == sh->script_of[i] && orient[j] == orient[i] && level[j] == level[i]) {
            /* keep the face while it has the character; prefer the chain's
            ** first face when it has it again (fallback only where needed) */
            if (!tb_face_glyph(c->faces[fi], sh->cps[j])) break;
            if (fi > 0 && tb_face_glyph(c->faces[0], sh->cps[j]) &&
                !is_joiner_script(hb_unicode_script(uf, sh->cps[j])))
                break;
            j++;
        }
        tb_face *face = c->faces[fi];
        hb_buffer_clear_contents(sh->buf);
        hb_buffer_add_utf8(sh->buf, p->text, (int)p->len, sh->offs[i], (int)(sh->offs[j] - sh->offs[i]));
        tb_orient ori = orient[i];
        bool rtl = level[i] & 1;
        hb_buffer_set_direction(sh->buf, ori == TB_OR_UPRIGHT ? HB_DIRECTION_TTB
                                         : rtl ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
        hb_buffer_set_script(sh->buf, sh->script_of[i]);
        hb_buffer_set_language(sh->buf, hb_language_from_string(sp->lang ? sp->lang : p->lang, -1));
        /* Thai and Lao vowel and tone marks are zero-width glyphs over
        ** their letter: grouped with it, the letter's glyph carries the
        ** cluster's text, so text extraction reads them in order */
        hb_script_t scr = sh->script_of[i];
        hb_buffer_set_cluster_level(sh->buf, scr == HB_SCRIPT_THAI || scr == HB_SCRIPT_LAO
                                                 ? HB_BUFFER_CLUSTER_LEVEL_MONOTONE_GRAPHEMES
                                                 : HB_BUFFER_CLUSTER_LEVEL_MONOTONE_CHARACTERS);
        shape_buf(sh, tb_face_hb_font(face), sh->buf);
        unsigned len = 0;
        hb_glyph_info_t *info = hb_buffer_get_glyph_infos(sh->buf, &len);
        hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(sh->buf, NULL);
        if (ng + len > gcap) {
            size_t ncap = (ng + len) * 2;
            g = tb_arena_grow(a, g, ng, ncap, sizeof *g);
            gcap = ncap;
        }
        if (nr == rcap) {
            runs = tb_arena_grow(a, runs, nr, rcap * 2, sizeof *runs);
            rcap *= 2;
        }
        float scale = sp->size / (float)tb_face_upem(face);
        tb_srun *r = &runs[nr];
        *r = (tb_srun){face, sp->size, c->fake_bold, sp, sh->offs[i], sh->offs[j], (uint32_t)ng, 0, sh->script_of[i],
                       ori, 0};
        float tcy_w = 0, tcy_pen = 0;
        if (ori == TB_OR_TCY)
            for (unsigned k = 0; k < len; k++) tcy_w += (float)pos[k].x_advance * scale;
        for (unsigned k = 0; k < len; k++) {
            tb_sglyph *o = &g[ng++];
            o->gid = info[k].codepoint;
            o->cluster = info[k].cluster;
            o->run = (uint32_t)nr;
            o->half_w = o->half_shift = 0;
            if (ori == TB_OR_HORIZONTAL || ori == TB_OR_UPRIGHT) {
                const char *cs = p->text + info[k].cluster;
                uint32_t cp = tb_utf8_next(&cs);
                tb_jclass_t jc = tb_jclass(cp);
                if (jc != TB_J_NORMAL && jc != TB_J_SPACE) {
                    float hw, hs;
                    half_metrics(sh, face, cp, ori == TB_OR_UPRIGHT, &hw, &hs);
                    o->half_w = hw * scale;
                    o->half_shift = hs * scale;
                }
            }
            switch (ori) {
            case TB_OR_HORIZONTAL:
                o->adv = (float)pos[k].x_advance * scale;
                o->dx = (float)pos[k].x_offset * scale;
                o->dy = (float)pos[k].y_offset * scale;
                break;
            case TB_OR_UPRIGHT: {
                /* HarfBuzz gives TTB offsets from the horizontal origin:
                ** add the vertical origin back (the PDF's /W2 places glyphs
                ** by their vertical origin) */
                hb_position_t vx = 0, vy = 0;
                hb_font_get_glyph_v_origin(tb_face_hb_font(face), info[k].codepoint, &vx, &vy);
                o->adv = -(float)pos[k].y_advance * scale;
                o->dx = -(float)(pos[k].y_offset + vy) * scale;
                o->dy = (float)(pos[k].x_offset + vx) * scale;
                break;
            }
            case TB_OR_SIDEWAYS:
                /* turned clockwise: the baseline lies 0.38 em left of the
                ** column's centre, so the em box is centred in it */
                o->adv = (float)pos[k].x_advance * scale;
                o->dx = (float)pos[k].x_offset * scale;
                o->dy = -0.38f * sp->size + (float)pos[k].y_offset * scale;
                break;
            case TB_OR_TCY:
                /* one unit of one em along the line, the glyphs centred
                ** across it on a baseline 0.88 em down */
                o->cluster = sh->offs[i];
                o->adv = k + 1 == len ? sp->size : 0;
                o->dx = 0.88f * sp->size;
                o->dy = -tcy_w / 2 + tcy_pen + (float)pos[k].x_offset * scale;
                tcy_pen += (float)pos[k].x_advance * scale;
                break;
            }
        }
        r->g1 = (uint32_t)ng;
        r->level = level[i];
        if (rtl && r->g1 - r->g0 > 1) {
            /* HarfBuzz gives right-to-left glyphs in visual order: put the
            ** clusters in logical order (break works on that), each
            ** cluster's glyphs kept in their visual order; break lays a
            ** cluster out from its left edge and moves whole clusters */
            size_t cnt = r->g1 - r->g0;
            tb_sglyph *tmp = malloc(cnt * sizeof *tmp);
            if (tmp) {
                size_t w = 0;
                for (size_t e2 = r->g1; e2 > r->g0;) {
                    size_t b2 = e2 - 1;
                    while (b2 > r->g0 && g[b2 - 1].cluster == g[e2 - 1].cluster) b2--;
                    memcpy(tmp + w, g + b2, (e2 - b2) * sizeof *tmp);
                    w += e2 - b2;
                    e2 = b2;
                }
                memcpy(g + r->g0, tmp, cnt * sizeof *tmp);
                free(tmp);
            }
        }
        nr++;
        i = j;
    }
    out->g = g;
    out->ng = ng;
    out->runs = runs;
    out->nruns = nr;
    return out;
}

static tb_shblock *shape_blocks(tb_shaper *sh, tb_arena *a, const tb_sblock *b) {
    tb_shblock *first = NULL, **tail = &first;
    for (; b; b = b->next) {
        tb_shblock *o = TB_NEW(a, tb_shblock);
        o->sb = b;
        if (b->para) o->text = tb_shape_para(sh, a, b->para);
        if (b->aux) o->aux = tb_shape_para(sh, a, b->aux);
        if (b->running) o->running = tb_shape_para(sh, a, b->running);
        if (b->first) o->first = shape_blocks(sh, a, b->first);
        *tail = o;
        tail = &o->next;
    }
    return first;
}

tb_shaped_doc *tb_shape_doc(tb_shaper *sh, tb_arena *a, const tb_styled *st) {
    tb_shaped_doc *d = TB_NEW(a, tb_shaped_doc);
    d->styled = st;
    d->cover = shape_blocks(sh, a, st->cover);
    d->body = shape_blocks(sh, a, st->body);
    d->back = shape_blocks(sh, a, st->back);
    if (st->folio_digits) d->folio_digits = tb_shape_para(sh, a, st->folio_digits);
    if (st->running_title) d->running_title = tb_shape_para(sh, a, st->running_title);
    return d;
}

/* ---- the glyphs of a shaped document ---------------------------------- */

static void shaped_glyphs(const tb_shaped *t, tb_glyphs_fn fn, void *ud) {
    if (!t) return;
    for (size_t r = 0; r < t->nruns; r++) {
        const tb_srun *run = &t->runs[r];
        if (run->g1 > run->g0 && run->face)
            fn(ud, run->face, run->orient == TB_OR_UPRIGHT, &t->g[run->g0].gid, run->g1 - run->g0, sizeof *t->g);
    }
    for (size_t i = 0; t->rt && t->para && i < t->para->nruby; i++) shaped_glyphs(t->rt[i], fn, ud);
    shaped_glyphs(t->boten, fn, ud);
}

static void block_glyphs(const tb_shblock *b, tb_glyphs_fn fn, void *ud) {
    for (; b; b = b->next) {
        shaped_glyphs(b->text, fn, ud);
        shaped_glyphs(b->aux, fn, ud);
        shaped_glyphs(b->running, fn, ud);
        block_glyphs(b->first, fn, ud);
    }
}

void tb_shaped_doc_glyphs(const tb_shaped_doc *d, tb_glyphs_fn fn, void *ud) {
    if (!d) return;
    block_glyphs(d->cover, fn, ud);
    block_glyphs(d->body, fn, ud);
    block_glyphs(d->back, fn, ud);
    shaped_glyphs(d->folio_digits, fn, ud);
    shaped_glyphs(d->running_title, fn, ud);
}
