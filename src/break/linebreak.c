/*
** linebreak.c — break opportunities, aki, line filling, justification.
** See break.h for the rules; JLREQ section numbers are cited inline.
**
** Units: a unit is one glyph cluster (one or more characters, one or more
** glyphs).  Lines break only between units.  Every unit has a box width w
** (its advance less the blank half of full-width punctuation), and every
** pair of neighbours a gap (aki), each with what it may give and take.
*/
#include "break.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <hyphen.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include "../base/jclass.h"
#include "../base/utf8.h"
#include "../base/lazylib.h"
/* libhyphen, opened when a line first needs a word hyphenated
** (base/lazylib.h): a Japanese guide never maps it.  The table is the
** process's, as the library is; filled once, then only read. */
#define HYPHEN_FUNCS(X) X(hnj_hyphen_load) X(hnj_hyphen_free) X(hnj_hyphen_hyphenate3)
static struct { HYPHEN_FUNCS(TB_LAZY_SLOT) } api;
static tb_lazylib hyphen_lib = {"libhyphen.so.0", 0, ""};

static bool hyphen_api(void) { return TB_LAZY_OPEN(&hyphen_lib, HYPHEN_FUNCS, api); }

enum jcls { J_NORMAL, J_OPEN, J_CLOSE, J_COMMA, J_STOP, J_MIDDOT, J_SPACE };

typedef struct unit {
    uint32_t b0, b1;        /* bytes */
    uint32_t g0, g1;        /* glyphs */
    uint32_t first, last;   /* first and last code point */
    float w;                /* pt: box width */
    float shift;            /* pt: glyph origin relative to the box start */
    float before, after;    /* pt: JLREQ aki the unit brings */
    float em;               /* pt: size of its run */
    uint8_t cls;            /* enum jcls */
    bool cjk, latin;        /* ideograph/kana; Latin letter or digit */
    bool brk;               /* a line may break before this unit */
    bool hard;              /* a line must break before this unit */
    bool spreadable;        /* space may be added before it (3.1.11) */
    bool hyph;              /* a hyphenation point before this unit */
} unit;

typedef struct gap {        /* between unit i-1 and unit i */
    float nat;              /* pt */
    float shrink;           /* pt it may give up */
    uint8_t shrink_cls;     /* 1..5 in JLREQ 3.8.3 order, 0 none */
    bool kana_latin;        /* a ¼ em 和欧間 (3.2.6) */
} gap;

/* A ruby on the units [u0, u1) of the paragraph (JLREQ 3.3). */
typedef struct rplace {
    size_t u0, u1;
    size_t merge_to;        /* jukugo: this ruby carries readings [i, merge_to) */
    bool merged;            /* jukugo: set by an earlier ruby of its word */
    float rw;               /* pt: the reading's width */
    float oL, oR;           /* pt: overhang onto the neighbours (3.3.8) */
    float rsize;            /* pt: ruby size */
} rplace;

/* Hyphenation dictionaries (libhyphen, Debian's hyphen-* packages). */
static const struct { const char *lang, *file; } HYPH_FILES[] = {
    {"en", "hyph_en_US.dic"}, {"es", "hyph_es_ES.dic"}, {"pt", "hyph_pt_BR.dic"},
    {"fr", "hyph_fr.dic"},    {"de", "hyph_de_DE.dic"}, {"it", "hyph_it_IT.dic"},
};
enum { NHYPH = sizeof HYPH_FILES / sizeof HYPH_FILES[0] };

struct tb_breaker {
    tb_ctx *ctx;
    HyphenDict *hyph[NHYPH];  /* owned; loaded on first use */
    bool hyph_tried[NHYPH];
    rplace *rp; size_t rpcap;
    float *ux, *uxe; size_t uxcap; /* unit box start/end x while placing a line */
    size_t *ugl; /* index in the line's glyphs of each unit's first glyph */
    struct { char loc[32]; UBreakIterator *it; } cache[8];
    size_t ncache;
    /* scratch, reused */
    unit *u; gap *gp; size_t ucap;
    UChar *u16; uint32_t *u16_byte; size_t u16cap;
    unsigned char *ok; size_t okcap;
    float *adj_w, *adj_g; size_t adjcap;
    /* the paragraph's hyphenatable words, hyphenated when a line needs it */
    struct hword { size_t i, j; bool done; } *words; size_t nwords, wordcap;
    /* lines of the paragraphs broken in this document (see linecache) */
    struct lentry *lc; size_t nlc, caplc;
    bool lc_on;
};

tb_breaker *tb_breaker_new(tb_ctx *ctx) {
    tb_breaker *br = calloc(1, sizeof *br);
    br->ctx = ctx;
    return br;
}

void tb_breaker_free(tb_breaker *br) {
    if (!br) return;
    for (size_t i = 0; i < br->ncache; i++) ubrk_close(br->cache[i].it);
    free(br->u); free(br->gp); free(br->u16); free(br->u16_byte); free(br->ok);
    free(br->adj_w); free(br->adj_g);
    free(br->rp); free(br->ux); free(br->uxe); free(br->ugl); free(br->words);
    tb_breaker_begin_document(br);
    free(br->lc);
    for (int i = 0; i < NHYPH; i++)
        if (br->hyph[i]) api.hnj_hyphen_free(br->hyph[i]);
    free(br);
}

/* ---- character classes (JLREQ appendix A) ------------------------------ */

/* Character sets as sorted code points (binary search: this runs for
** every cluster of every paragraph). */
/* cl-02 closing brackets, cl-03 hyphens, cl-04 ?!, cl-05 ・:;, cl-06 。.,
** cl-07 、, cl-09 iteration marks, cl-10 ー, cl-11 small kana, and the
** ASCII and full-width twins */
static const uint32_t NO_START[] = {0x0021, 0x0025, 0x0029, 0x002C, 0x002E, 0x003A, 0x003B, 0x003F, 0x005D, 0x007D, 0x00BB, 0x2010, 0x2013, 0x2019, 0x201D, 0x203C, 0x2047, 0x2048, 0x2049, 0x3001, 0x3002, 0x3005, 0x3009, 0x300B, 0x300D, 0x300F, 0x3011, 0x3015, 0x3017, 0x3019, 0x301C, 0x301F, 0x303B, 0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, 0x308E, 0x3095, 0x3096, 0x309D, 0x309E, 0x30A0, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x30EE, 0x30F5, 0x30F6, 0x30FB, 0x30FC, 0x30FD, 0x30FE, 0x31F0, 0x31F1, 0x31F2, 0x31F3, 0x31F4, 0x31F5, 0x31F6, 0x31F7, 0x31F8, 0x31F9, 0x31FA, 0x31FB, 0x31FC, 0x31FD, 0x31FE, 0x31FF, 0xFF01, 0xFF05, 0xFF09, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF1F, 0xFF3D, 0xFF5D, 0xFF5E, 0xFF60};
/* cl-01 opening brackets */
static const uint32_t NO_END[] = {0x0028, 0x005B, 0x007B, 0x00AB, 0x2018, 0x201C, 0x3008, 0x300A, 0x300C, 0x300E, 0x3010, 0x3014, 0x3016, 0x3018, 0x301D, 0xFF08, 0xFF3B, 0xFF5B, 0xFF5F};

/* Counters and units that stay with the number before them (3.1.10):
** 「1,800円」「2020年」「1つ」 never break after the digits. */
static const uint32_t COUNTERS[] = {0x2103, 0x3064, 0x338F, 0x33A1, 0x4E07, 0x4EBA, 0x4EF6, 0x500B, 0x500D, 0x5104, 0x5186, 0x518A, 0x5206, 0x5272, 0x5343, 0x53F0, 0x53F7, 0x540D, 0x56DE, 0x5DFB, 0x5E74, 0x65E5, 0x6642, 0x6708, 0x672C, 0x6761, 0x679A, 0x6B73, 0x70B9, 0x767E, 0x79D2, 0x968E, 0x9805, 0xFF05};

#define IN(c, set) tb_in_set((c), (set), sizeof(set) / sizeof((set)[0]))

/* (neither list has anything in U+3200..U+FEFF: kanji and hangul, most
   of a CJK text, are answered without a search) */
bool tb_kinsoku_no_start(uint32_t c) { return c >= ')' && !(c >= 0x3200 && c < 0xFF00) && IN(c, NO_START); }
bool tb_kinsoku_no_end(uint32_t c) { return c >= '(' && !(c >= 0x3200 && c < 0xFF00) && IN(c, NO_END); }

/* ORDER: enum jcls follows tb_jclass_t */
static enum jcls jclass(uint32_t c) { return (enum jcls)tb_jclass(c); }

static bool is_cjk(uint32_t c) {
    return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF) || (c >= 0x31F0 && c <= 0x31FF) ||
           c == 0x3005 || c == 0x3006 || c == 0x3007;
}

static bool is_kanji(uint32_t c) {
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x3FFFF) || c == 0x3005;
}

static bool is_latin(uint32_t c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x1E00 && c <= 0x1EFF);
}

/* ---- ICU ---------------------------------------------------------------- */

static UBreakIterator *iterator(tb_breaker *br, const char *lang) {
    char loc[32];
    size_t p = strcspn(lang ? lang : "", "-_");
    /* Japanese: the strict line-break rules (small kana, ー, 々 do not
    ** begin lines); other languages their own tailoring */
    if (p == 2 && !strncmp(lang, "ja", 2)) snprintf(loc, sizeof loc, "ja@lb=strict");
    else snprintf(loc, sizeof loc, "%.*s", (int)(p < 16 ? p : 16), lang ? lang : "");
    for (size_t i = 0; i < br->ncache; i++)
        if (!strcmp(br->cache[i].loc, loc)) return br->cache[i].it;
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *it = ubrk_open(UBRK_LINE, loc, NULL, 0, &e);
    if (U_FAILURE(e)) return NULL;
    if (br->ncache == 8) {
        ubrk_close(br->cache[7].it);
        br->ncache--;
    }
    memmove(&br->cache[1], &br->cache[0], br->ncache * sizeof br->cache[0]);
    snprintf(br->cache[0].loc, sizeof br->cache[0].loc, "%s", loc);
    br->cache[0].it = it;
    br->ncache++;
    return it;
}

/* Mark ok[b] for every byte offset b before which ICU allows a break;
** ok[b] == 2 for a forced break. */
static void icu_breaks(tb_breaker *br, const tb_para *p) {
    size_t len = p->len;
    if (br->u16cap < len + 1) {
        br->u16cap = len + 1;
        br->u16 = realloc(br->u16, br->u16cap * sizeof *br->u16);
        br->u16_byte = realloc(br->u16_byte, (br->u16cap + 1) * sizeof *br->u16_byte);
        if (!br->u16 || !br->u16_byte) abort();
    }
    if (br->okcap < len + 1) {
        br->okcap = len + 1;
        br->ok = realloc(br->ok, br->okcap);
        if (!br->ok) abort();
    }
    memset(br->ok, 0, len + 1);
    size_t n = 0;
    const char *s = p->text, *end = p->text + len;
    while (s < end) {
        uint32_t b = (uint32_t)(s - p->text);
        uint32_t c = tb_utf8_next(&s);
        if (c >= 0x10000) {
            br->u16_byte[n] = b;
            br->u16[n++] = (UChar)(0xD800 + ((c - 0x10000) >> 10));
            br->u16_byte[n] = b;
            br->u16[n++] = (UChar)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            br->u16_byte[n] = b;
            br->u16[n++] = (UChar)c;
        }
    }
    br->u16_byte[n] = (uint32_t)len;
    UBreakIterator *it = iterator(br, p->lang);
    if (!it) return;
    UErrorCode e = U_ZERO_ERROR;
    ubrk_setText(it, br->u16, (int32_t)n, &e);
    if (U_FAILURE(e)) return;
    for (int32_t b = ubrk_first(it); b != UBRK_DONE; b = ubrk_next(it)) {
        if (b <= 0 || (size_t)b >= n) continue;
        int32_t st = ubrk_getRuleStatus(it);
        br->ok[br->u16_byte[b]] = (st >= UBRK_LINE_HARD && st < UBRK_LINE_HARD_LIMIT) ? 2 : 1;
    }
}

/* ---- hyphenation ----------------------------------------------------------- */

/* The entry of HYPH_FILES for LANG, or -1. */
static int hyph_lang(const char *lang) {
    if (!lang) return -1;
    for (int i = 0; i < NHYPH; i++) {
        size_t k = strlen(HYPH_FILES[i].lang);
        if (!strncmp(lang, HYPH_FILES[i].lang, k) && (!lang[k] || lang[k] == '-' || lang[k] == '_')) return i;
    }
    return -1;
}

static HyphenDict *hyph_dict(tb_breaker *br, const char *lang) {
    int i = hyph_lang(lang);
    if (i < 0) return NULL;
    {
        if (!br->hyph_tried[i]) {
            br->hyph_tried[i] = true;
            char path[256];
            snprintf(path, sizeof path, "/usr/share/hyphen/%s", HYPH_FILES[i].file);
            br->hyph[i] = hyphen_api() ? api.hnj_hyphen_load(path) : NULL; /* (no library: no hyphens) */
        }
        return br->hyph[i];
    }
    return NULL;
}

static bool is_letter(uint32_t c) { return u_isalpha((UChar32)c); }

static bool thai_letter(uint32_t c) { return c >= 0x0E01 && c <= 0x0EFF; }

/* Find the Latin words of six letters or more that a dictionary could
** hyphenate (no dictionary is read here). */
static void find_words(tb_breaker *br, const tb_shaped *sp, const unit *u, size_t n) {
    const tb_para *p = sp->para;
    br->nwords = 0;
    for (size_t i = 0; i < n;) {
        const tb_span *span = sp->runs[sp->g[u[i].g0].run].span;
        if (!is_letter(u[i].first) || !u[i].latin || span->nobr) { i++; continue; }
        size_t j = i + 1;
        while (j < n && is_letter(u[j].first) && u[j].latin && !u[j].brk && u[j].first == u[j].last &&
               sp->runs[sp->g[u[j].g0].run].span == span)
            j++;
        if (j - i >= 6 && hyph_lang(span->lang ? span->lang : p->lang) >= 0) {
            if (br->nwords == br->wordcap) {
                br->wordcap = br->wordcap ? 2 * br->wordcap : 16;
                br->words = realloc(br->words, br->wordcap * sizeof *br->words);
                if (!br->words) abort();
            }
            br->words[br->nwords++] = (struct hword){i, j, false};
        }
        i = j;
    }
}

/* Mark the hyphenation points of word W: units inside it where a line may
** break with a hyphen added.  The dictionary is loaded on the first word
** a line needs hyphenated (loading en_US takes longer than setting a
** Japanese booklet). */
static void hyphenate_word(tb_breaker *br, const tb_shaped *sp, unit *u, struct hword *w) {
    if (w->done) return;
    w->done = true;
    const tb_span *span = sp->runs[sp->g[u[w->i].g0].run].span;
    HyphenDict *d = hyph_dict(br, span->lang ? span->lang : sp->para->lang);
    if (!d) return;
    /* the word, lower-cased (patterns are lower case), and the unit each
    ** character starts */
    char word[256];
    size_t wl = 0, nc = 0;
    size_t unit_of[128];
    for (size_t k = w->i; k < w->j; k++) {
        char tmp[4];
        UChar32 c = u_tolower((UChar32)u[k].first);
        size_t cl = tb_utf8_put(tmp, (unsigned)c);
        if (wl + cl >= sizeof word || nc >= 128) return; /* too long to hyphenate */
        memcpy(word + wl, tmp, cl);
        wl += cl;
        unit_of[nc++] = k;
    }
    word[wl] = 0; /* libhyphen reads it as a C string too */
    char hy[262];
    char **rep = NULL;
    int *pos = NULL, *cut = NULL;
    if (!api.hnj_hyphen_hyphenate3(d, word, (int)wl, hy, NULL, &rep, &pos, &cut, 2, 3, 2, 2)) {
        for (size_t c = 0; c + 1 < nc; c++)
            if ((hy[c] & 1) && !(rep && rep[c])) u[unit_of[c + 1]].hyph = true;
    }
    if (rep) {
        for (size_t c = 0; c < nc; c++) free(rep[c]);
        free(rep);
    }
    free(pos);
    free(cut);
}

/* Hyphenate the words with a unit in [K, E). */
static void hyphenate_range(tb_breaker *br, const tb_shaped *sp, unit *u, size_t k, size_t e) {
    for (size_t w = 0; w < br->nwords; w++)
        if (br->words[w].j > k && br->words[w].i < e) hyphenate_word(br, sp, u, &br->words[w]);
}

/* ---- units and gaps ------------------------------------------------------ */

static bool in_group_ruby(const tb_para *p, uint32_t b) {
    for (size_t i = 0; i < p->nruby; i++) {
        const tb_ruby *r = &p->ruby[i];
        if (b > r->start && b < r->end) return true; /* mono: each base is its own group */
    }
    return false;
}

static bool in_merged(const tb_breaker *br, const tb_para *p, uint32_t b) {
    for (size_t i = 0; i < p->nruby; i++)
        if (br->rp[i].merge_to && b > p->ruby[i].start && b < p->ruby[br->rp[i].merge_to - 1].end) return true;
    return false;
}

static size_t build_units(tb_breaker *br, const tb_shaped *sp) {
    const tb_para *p = sp->para;
    if (br->ucap < sp->ng + 1) {
        br->ucap = sp->ng + 1;
        br->u = realloc(br->u, br->ucap * sizeof *br->u);
        br->gp = realloc(br->gp, br->ucap * sizeof *br->gp);
        if (!br->u || !br->gp) abort();
    }
    size_t n = 0;
    for (size_t i = 0; i < sp->ng;) {
        size_t j = i + 1;
        while (j < sp->ng && sp->g[j].cluster == sp->g[i].cluster) j++;
        const tb_srun *r = &sp->runs[sp->g[i].run];
        unit *u = &br->u[n++];
        memset(u, 0, sizeof *u);
        u->b0 = sp->g[i].cluster;
        u->b1 = j < sp->ng ? sp->g[j].cluster : r->end;
        if (u->b1 > r->end || u->b1 <= u->b0) u->b1 = r->end;
        u->g0 = (uint32_t)i;
        u->g1 = (uint32_t)j;
        u->em = r->size;
        float adv = 0;
        for (size_t k = i; k < j; k++) adv += sp->g[k].adv;
        const char *t = p->text + u->b0;
        u->first = tb_utf8_next(&t);
        u->last = u->first;
        while (t < p->text + u->b1) u->last = tb_utf8_next(&t);
        u->cls = (uint8_t)jclass(u->first);
        u->cjk = is_cjk(u->first);
        u->latin = is_latin(u->first) || is_latin(u->last);
        if (r->orient == TB_OR_TCY) { /* upright across the line: spaced like a kanji */
            u->cjk = true;
            u->latin = false;
        }
        u->w = adv;
        /* full-width punctuation on its half-em body (JLREQ 3.1.2) */
        /* JLREQ's half-em punctuation is Japanese: Chinese (CLREQ) and Korean
        ** keep their punctuation full width (Taiwan centres its commas) */
        const char *ul = r->span->lang ? r->span->lang : p->lang;
        bool japanese = ul && ul[0] == 'j' && ul[1] == 'a' && (ul[2] == 0 || ul[2] == '-');
        bool full = japanese && fabsf(adv - u->em) < 0.05f * u->em;
        float h = 0.5f * u->em;
        const tb_sglyph *sg0 = &sp->g[i];
        if (full && j == i + 1 && sg0->half_w > 0) {
            /* the font's own halt/vhal metrics for the half-em body */
            float blank = adv - sg0->half_w;
            switch (u->cls) {
            case J_OPEN: u->w = sg0->half_w; u->shift = sg0->half_shift; u->before = blank; break;
            case J_CLOSE: case J_COMMA: case J_STOP:
                u->w = sg0->half_w; u->shift = sg0->half_shift; u->after = blank; break;
            case J_MIDDOT: u->w = sg0->half_w; u->shift = sg0->half_shift; u->before = u->after = blank / 2; break;
            default: break;
            }
        } else if (full) switch (u->cls) {
            case J_OPEN: u->w = adv - h; u->shift = -h; u->before = h; break;
            case J_CLOSE: case J_COMMA: case J_STOP: u->w = adv - h; u->after = h; break;
            case J_MIDDOT: u->w = adv - h; u->shift = -h / 2; u->before = u->after = h / 2; break;
            default: break;
        }
        else if (u->cls != J_SPACE) u->cls = J_NORMAL;
        i = j;
    }
    if (br->rpcap < p->nruby + 1) {
        br->rpcap = p->nruby + 1;
        br->rp = realloc(br->rp, br->rpcap * sizeof *br->rp);
        if (!br->rp) abort();
    }
    for (size_t i = 0; i < p->nruby; i++) memset(&br->rp[i], 0, sizeof br->rp[i]);
    /* jukugo ruby (3.3.7): the mono readings of one word stay mono while
    ** each fits its character; when one is longer, the word's readings are
    ** set together over the whole word, as one group */
    for (size_t i = 0; i < p->nruby; i++) {
        if (!p->ruby[i].jukugo || (i && p->ruby[i - 1].jukugo)) continue;
        size_t j = i;
        while (j < p->nruby && p->ruby[j].jukugo) j++; /* [i, j] is the word */
        if (j >= p->nruby) continue;
        bool overflow = false;
        for (size_t k = i; k <= j; k++) {
            const tb_shaped *rs = sp->rt ? sp->rt[k] : NULL;
            float rw = 0, bw = 0;
            for (size_t g = 0; rs && g < rs->ng; g++) rw += rs->g[g].adv;
            for (size_t g = 0; g < sp->ng; g++)
                if (sp->g[g].cluster >= p->ruby[k].start && sp->g[g].cluster < p->ruby[k].end) bw += sp->g[g].adv;
            overflow |= rw > bw + 0.01f;
        }
        if (overflow) br->rp[i].merge_to = j + 1; /* ruby i carries readings i..j */
        for (size_t k = i + 1; overflow && k <= j; k++) br->rp[k].merged = true;
        i = j;
    }
    /* breaks: ICU, then kinsoku, nobr and ruby groups */
    bool korean = p->lang && !strncmp(p->lang, "ko", 2) && (p->lang[2] == 0 || p->lang[2] == '-');
    for (size_t k = 1; k < n; k++) {
        unit *u = &br->u[k], *v = &br->u[k - 1];
        uint8_t ok = 0;
        for (uint32_t b = v->b1; b <= u->b0; b++) ok = ok > br->ok[b] ? ok : br->ok[b];
        /* a forced break: a line break character lies between the units */
        bool hard = false;
        for (uint32_t b = v->b1; b < u->b0; b++) hard |= p->text[b] == '\n';
        u->hard = hard;
        const tb_srun *ru = &sp->runs[sp->g[u->g0].run], *rv = &sp->runs[sp->g[v->g0].run];
        bool nobr = ru->span == rv->span && ru->span->nobr;
        /* a Latin word with a hyphen in it ("Co-lab") is one word: it is
        ** not split at the hyphen (JLREQ 3.1.10); hyphenation is separate */
        bool hyph = (v->last == '-' || v->last == 0x2010) && k >= 2 && is_latin(br->u[k - 2].last) &&
                    is_latin(u->first);
        bool unit = ((v->last >= '0' && v->last <= '9') || (v->last >= 0xFF10 && v->last <= 0xFF19)) &&
                    IN(u->first, COUNTERS);
        /* Korean breaks between words (at spaces), not between syllables */
        bool hangul = korean && v->last >= 0xAC00 && v->last <= 0xD7A3 && u->first >= 0xAC00 && u->first <= 0xD7A3;
        u->brk = hard || (ok && !tb_kinsoku_no_start(u->first) && !tb_kinsoku_no_end(v->last) && !nobr &&
                          !hyph && !unit && !hangul && !in_group_ruby(p, u->b0) && !in_merged(br, p, u->b0));
        /* no space is added inside unbreakable sequences, after opening or
        ** before closing brackets, or around 、。・!? (3.1.11) */
        /* space is spread only where a CJK character meets its neighbour:
        ** Latin text and symbols (a URL) are never letter-spaced */
        u->spreadable = u->brk && !hard && v->cls == J_NORMAL && u->cls == J_NORMAL && (v->cjk || u->cjk) &&
                        !(v->last == '!' || v->last == '?' || v->last == 0xFF01 || v->last == 0xFF1F);
    }
    find_words(br, sp, br->u, n);
    /* gaps: aki between neighbours (3.1.4) and kana–Latin ¼ em (3.2.6) */
    for (size_t k = 0; k < n; k++) br->gp[k] = (gap){0, 0, 0, false};
    for (size_t k = 1; k < n; k++) {
        unit *a = &br->u[k - 1], *b = &br->u[k];
        gap *g = &br->gp[k];
        if (b->hard) continue;
        bool b_closing = b->cls == J_CLOSE || b->cls == J_COMMA || b->cls == J_STOP;
        if (a->cls == J_SPACE || b->cls == J_SPACE) g->nat = 0; /* a word space is room enough */
        else if (b_closing) g->nat = 0;                    /* 」」 」。 solid */
        else if (a->cls == J_OPEN && b->cls == J_OPEN) g->nat = 0; /* 「「 solid */
        else if (a->after > 0 && b->before > 0) g->nat = fmaxf(a->after, b->before); /* 」「 ½ em */
        else g->nat = a->after + b->before;
        if (g->nat > 0) {
            bool dot = a->cls == J_MIDDOT || b->cls == J_MIDDOT;
            if (dot) { g->shrink = g->nat; g->shrink_cls = 3; }
            else if (a->cls != J_STOP) { g->shrink = g->nat; g->shrink_cls = 4; } /* not after 。 */
        } else if ((a->cjk && b->latin) || (a->latin && b->cjk)) {
            g->nat = 0.25f * fmaxf(a->em, b->em);
            g->shrink = 0.125f * fmaxf(a->em, b->em);
            g->shrink_cls = 5;
            g->kana_latin = true;
        }
    }
    /* ruby: a reading longer than its base overhangs kana or punctuation
    ** next to it by up to one ruby character, never kanji (3.3.8); what is
    ** left spreads the base 1:2:1 (3.3.6) */
    for (size_t i = 0; i < p->nruby; i++) {
        const tb_ruby *r = &p->ruby[i];
        rplace *rp = &br->rp[i];
        if (rp->merged) { rp->u0 = rp->u1 = 0; continue; }
        uint32_t r_end = rp->merge_to ? p->ruby[rp->merge_to - 1].end : r->end;
        size_t u0 = 0;
        while (u0 < n && br->u[u0].b0 < r->start) u0++;
        size_t u1 = u0;
        while (u1 < n && br->u[u1].b0 < r_end) u1++;
        rp->u0 = u0;
        rp->u1 = u1;
        const tb_shaped *rs = sp->rt ? sp->rt[i] : NULL;
        if (u0 >= u1 || !rs) { rp->u1 = rp->u0; continue; }
        for (size_t m = i; m < (rp->merge_to ? rp->merge_to : i + 1); m++)
            for (size_t g = 0; sp->rt[m] && g < sp->rt[m]->ng; g++) rp->rw += sp->rt[m]->g[g].adv;
        rp->rsize = rs->nruns ? rs->runs[0].size : br->u[u0].em / 2;
        float bw = 0;
        for (size_t k = u0; k < u1; k++) bw += br->u[k].w + (k > u0 ? br->gp[k].nat : 0);
        float excess = rp->rw - bw;
        if (excess <= 0.01f) continue;
        bool left_ok = u0 > 0 && !is_kanji(br->u[u0 - 1].last) && !br->u[u0].hard;
        bool right_ok = u1 < n && !is_kanji(br->u[u1].first) && !br->u[u1].hard;
        rp->oL = left_ok ? fminf(rp->rsize, excess / 2) : 0;
        rp->oR = right_ok ? fminf(rp->rsize, excess / 2) : 0;
        float rest = excess - rp->oL - rp->oR;
        if (rest > 0.01f) {
            float pad = rest / (float)(2 * (u1 - u0));
            for (size_t k = u0; k < u1; k++) {
                br->u[k].w += 2 * pad;
                br->u[k].shift += pad;
            }
        }
    }
    return n;
}

/* ---- lines ----------------------------------------------------------------- */

typedef struct span_sum { float nat, shrink; } span_sum;

/* Natural width and shrinkability of units [k, e) on one line. */
static span_sum measure(const unit *u, const gap *g, size_t k, size_t e, bool para_start) {
    span_sum s = {0, 0};
    if (para_start) s.nat += u[k].before;
    for (size_t i = k; i < e; i++) {
        if (i > k) {
            s.nat += g[i].nat;
            s.shrink += g[i].shrink;
        }
        s.nat += u[i].w;
        if (u[i].cls == J_SPACE) s.shrink += fmaxf(0, u[i].w - 0.25f * u[i].em);
    }
    return s;
}

static bool hangs(const unit *u, bool hang) { return hang && (u->cls == J_COMMA || u->cls == J_STOP); }

/* The hyphen added at a hyphenation point: its glyph and advance in the
** face and size of unit I's run (U+2010 where the font has it). */
static bool hyphen_glyph(const tb_shaped *sp, const unit *ui, uint32_t *gid, float *adv) {
    const tb_srun *r = &sp->runs[sp->g[ui->g1 - 1].run];
    uint32_t g = tb_face_glyph(r->face, 0x2010);
    if (!g) g = tb_face_glyph(r->face, '-');
    if (!g) return false;
    *gid = g;
    *adv = (float)hb_font_get_glyph_h_advance(tb_face_hb_font(r->face), g) * r->size / (float)tb_face_upem(r->face);
    return true;
}

static void emit_line(tb_breaker *br, tb_arena *a, const tb_shaped *sp, tb_line *L, size_t k, size_t e,
                      bool para_start, bool last, const tb_break_opts *o, bool hyphen, float *space_ratio) {
    *space_ratio = 0;
    unit *u = br->u;
    gap *g = br->gp;
    /* scratch is sized for the whole paragraph in tb_break_para */
    float *aw = br->adj_w, *ag = br->adj_g; /* pt added to unit widths / gaps */
    for (size_t i = k; i < e; i++) aw[i] = ag[i] = 0;
    float lead = para_start ? o->indent + u[k].before : 0;
    span_sum s = measure(u, g, k, e, false);
    float target = o->measure - lead;
    uint32_t hgid = 0;
    float hadv = 0;
    if (hyphen && !hyphen_glyph(sp, &u[e - 1], &hgid, &hadv)) hyphen = false;
    target -= hadv;
    bool hang_last = e > k + 1 && hangs(&u[e - 1], o->hang);
    if (hang_last) target += u[e - 1].w;
    float delta = target - s.nat;
    if (delta < -0.01f) {
        /* shrink in JLREQ 3.8.3 order: Latin spaces, ・, brackets and 、, kana–Latin */
        float need = -delta;
        for (int cls = 1; cls <= 5 && need > 0.001f; cls++) {
            float cap = 0;
            for (size_t i = k; i < e; i++) {
                if (cls == 1 && u[i].cls == J_SPACE) cap += fmaxf(0, u[i].w - 0.25f * u[i].em);
                if (i > k && g[i].shrink_cls == cls) cap += g[i].shrink;
            }
            if (cap <= 0) continue;
            float f = fminf(1, need / cap);
            for (size_t i = k; i < e; i++) {
                if (cls == 1 && u[i].cls == J_SPACE) aw[i] -= f * fmaxf(0, u[i].w - 0.25f * u[i].em);
                if (i > k && g[i].shrink_cls == cls) ag[i] -= f * g[i].shrink;
            }
            need -= f * cap;
        }
        if (need > 0.5f) L->overfull = true;
    } else if (delta > 0.01f && o->align == TB_ALIGN_JUSTIFY && !last) {
        /* stretch in JLREQ 3.8.4 order: Latin spaces to ½ em, kana–Latin to
        ** ½ em, then evenly between characters where space may be added */
        float need = delta;
        for (int cls = 1; cls <= 2 && need > 0.001f; cls++) {
            float cap = 0;
            for (size_t i = k; i < e; i++) {
                if (cls == 1 && u[i].cls == J_SPACE) cap += fmaxf(0, 0.5f * u[i].em - u[i].w);
                if (cls == 2 && i > k && g[i].kana_latin) cap += 0.25f * u[i].em;
            }
            if (cap <= 0) continue;
            float f = fminf(1, need / cap);
            for (size_t i = k; i < e; i++) {
                if (cls == 1 && u[i].cls == J_SPACE) aw[i] += f * fmaxf(0, 0.5f * u[i].em - u[i].w);
                if (cls == 2 && i > k && g[i].kana_latin) ag[i] += f * 0.25f * u[i].em;
            }
            need -= f * cap;
        }
        /* in a paragraph of a language written with spaces, a Japanese or
        ** Chinese word quoted in it keeps its letters together: what is
        ** left goes to the spaces, as in the rest of that paragraph */
        const char *pl = sp->para->lang ? sp->para->lang : "";
        bool spaced = strncmp(pl, "ja", 2) && strncmp(pl, "zh", 2) && strncmp(pl, "ko", 2);
        /* Thai and Lao have no spaces between words: the word boundaries
        ** (the break points) take it too, so that one space between two
        ** phrases does not open into a hole */
        bool thai = !strncmp(pl, "th", 2) || !strncmp(pl, "lo", 2);
        size_t nspace = 0;
        for (size_t i = k + 1; spaced && i + 1 < e; i++)
            nspace += u[i].cls == J_SPACE || (thai && u[i].brk && thai_letter(u[i - 1].last) && thai_letter(u[i].first));
        if (need > 0.001f && nspace) {
            for (size_t i = k + 1; i + 1 < e; i++)
                if (u[i].cls == J_SPACE) aw[i] += need / (float)nspace;
                else if (thai && u[i].brk && thai_letter(u[i - 1].last) && thai_letter(u[i].first))
                    ag[i] += need / (float)nspace;
        } else if (need > 0.001f) {
            size_t cnt = 0;
            for (size_t i = k + 1; i < e; i++) cnt += u[i].spreadable || g[i].kana_latin;
            if (cnt) {
                for (size_t i = k + 1; i < e; i++)
                    if (u[i].spreadable || g[i].kana_latin) ag[i] += need / (float)cnt;
            } else {
                size_t sp_n = 0;
                for (size_t i = k; i < e; i++) sp_n += u[i].cls == J_SPACE;
                if (sp_n) {
                    for (size_t i = k; i < e; i++)
                        if (u[i].cls == J_SPACE) aw[i] += need / (float)sp_n;
                }
                /* no place may take the space: the line stays short */
            }
        }
        /* how far the word spaces opened: their set width over their own */
        float sw = 0, sa = 0;
        for (size_t i = k; i < e; i++)
            if (u[i].cls == J_SPACE && u[i].w > 0) sw += u[i].w, sa += aw[i];
        if (sw > 0 && sa > 0) *space_ratio = (sw + sa) / sw;
    }
    /* place */
    float x = lead;
    float width = lead + s.nat;
    for (size_t i = k; i < e; i++) width += aw[i] + (i > k ? ag[i] : 0);
    if (o->align == TB_ALIGN_CENTER) x += (target - (width - lead)) / 2;
    else if (o->align == TB_ALIGN_END) x += target - (width - lead);
    if ((o->align == TB_ALIGN_CENTER || o->align == TB_ALIGN_END) && x < lead) x = lead;
    size_t ng = u[e - 1].g1 - u[k].g0;
    tb_lglyph *gl = TB_NEWN(a, tb_lglyph, ng + 1); /* + a hyphen */
    size_t runs = 1; /* a new line run wherever the shaped run changes */
    for (size_t i = u[k].g0 + 1; i < u[e - 1].g1; i++) runs += sp->g[i].run != sp->g[i - 1].run;
    const tb_para *para = sp->para;
    size_t nr_here = 0;
    for (size_t i = 0; i < para->nruby; i++)
        if (br->rp[i].u0 < br->rp[i].u1 && br->rp[i].u0 >= k && br->rp[i].u1 <= e)
            for (size_t m = i; m < (br->rp[i].merge_to ? br->rp[i].merge_to : i + 1); m++)
                nr_here += sp->rt[m]->nruns;
    runs += nr_here;
    bool dots = sp->boten && sp->boten->ng;
    if (dots) runs += sp->boten->nruns;

    L->runs = TB_NEWN(a, tb_lrun, runs);
    L->nruns = 0;
    L->ascent = L->descent = 0;
    size_t gi = 0;
    for (size_t i = k; i < e; i++) {
        if (i > k) x += g[i].nat + ag[i];
        br->ux[i] = x;
        br->ugl[i] = gi;
        float pen = x + u[i].shift;
        for (uint32_t j = u[i].g0; j < u[i].g1; j++) {
            const tb_sglyph *sg = &sp->g[j];
            const tb_srun *r = &sp->runs[sg->run];
            if (!L->nruns || L->runs[L->nruns - 1].span != r->span || L->runs[L->nruns - 1].face != r->face ||
                L->runs[L->nruns - 1].orient != r->orient) {
                tb_lrun *lr = &L->runs[L->nruns++];
                lr->face = r->face;
                lr->size = r->size;
                lr->fake_bold = r->fake_bold;
                lr->span = r->span;
                lr->g = &gl[gi];
                lr->n = 0;
                lr->x0 = x;
                lr->orient = r->orient;
                lr->rtl = r->level & 1;
                lr->st = -1;
                float rise = r->span->rise;
                L->ascent = fmaxf(L->ascent, 0.88f * r->size + rise);
                L->descent = fmaxf(L->descent, 0.12f * r->size - rise);
            }
            tb_lrun *lr = &L->runs[L->nruns - 1];
            tb_lglyph *o2 = &gl[gi++];
            o2->gid = sg->gid;
            o2->x = pen + sg->dx;
            o2->y = -sg->dy - r->span->rise;
            o2->advance = sg->adv;
            bool first_of_cluster = j == u[i].g0;
            o2->text = sg->cluster;
            o2->ntext = first_of_cluster ? u[i].b1 - u[i].b0 : 0;
            pen += sg->adv;
            lr->n++;
        }
        x += u[i].w + aw[i];
        br->uxe[i] = x;
        L->runs[L->nruns - 1].x1 = x;
    }
    /* bidi (UAX #9 L2): from the highest level down to 1, every maximal
    ** span of units at that level or above is reversed, here by mirroring
    ** the units' boxes within the span (a unit's glyphs move with it); a
    ** right-to-left paragraph mirrors over the whole measure, so its lines
    ** start at the right */
    uint8_t maxlv = 0;
    for (size_t i = k; i < e; i++) {
        uint8_t lv = sp->runs[sp->g[u[i].g0].run].level;
        if (lv > maxlv) maxlv = lv;
    }
    if (maxlv || sp->base_level) {
        size_t end_gi = gi;
        for (uint8_t lvl = maxlv; lvl >= 1; lvl--) {
            for (size_t i = k; i < e;) {
                if (sp->runs[sp->g[u[i].g0].run].level < lvl) { i++; continue; }
                size_t j = i;
                while (j < e && sp->runs[sp->g[u[j].g0].run].level >= lvl) j++;
                float X0 = br->ux[i], X1 = br->uxe[j - 1];
                float lo = 1e9f, hi = -1e9f;
                for (size_t m = i; m < j; m++) lo = fminf(lo, br->ux[m]), hi = fmaxf(hi, br->uxe[m]);
                X0 = lo, X1 = hi;
                if (lvl == 1 && sp->base_level && i == k && j == e) X0 = 0, X1 = o->measure;
                for (size_t m = i; m < j; m++) {
                    float shift = X0 + X1 - br->uxe[m] - br->ux[m];
                    size_t g1 = m + 1 < e ? br->ugl[m + 1] : end_gi;
                    for (size_t q = br->ugl[m]; q < g1; q++) gl[q].x += shift;
                    br->ux[m] += shift;
                    br->uxe[m] += shift;
                }
                i = j;
            }
            if (lvl == 1) break;
        }
        for (size_t r = 0; r < L->nruns; r++) { /* extents of the runs, for links */
            tb_lrun *lr = &L->runs[r];
            float lo = 1e9f, hi = -1e9f;
            for (size_t q = 0; q < lr->n; q++) lo = fminf(lo, lr->g[q].x), hi = fmaxf(hi, lr->g[q].x + lr->g[q].advance);
            if (lr->n) lr->x0 = lo, lr->x1 = hi;
        }
    }
    if (hyphen) {
        /* the added hyphen stands for no text: extraction keeps the word whole */
        tb_lrun *lr = &L->runs[L->nruns - 1];
        gl[gi++] = (tb_lglyph){hgid, x, 0, hadv, u[e - 1].b1, 0};
        lr->n++;
        x += hadv;
        lr->x1 = x;
    }
    L->width = x;
    /* emphasis dots (傍点): one over (vertical: right of) each character
    ** of a boten span, centred on it; not over punctuation or spaces */
    if (dots) {
        const tb_shaped *ds = sp->boten;
        const tb_srun *dr = &ds->runs[0];
        float dw = 0;
        for (size_t g = 0; g < ds->ng; g++) dw += ds->g[g].adv;
        size_t cnt = 0;
        for (size_t i = k; i < e; i++)
            if (sp->runs[sp->g[u[i].g0].run].span->boten && u[i].cls == J_NORMAL && !u[i].latin) cnt++;
        if (cnt) {
            tb_lrun *lr = &L->runs[L->nruns++];
            memset(lr, 0, sizeof *lr);
            lr->face = dr->face;
            lr->size = dr->size;
            lr->span = dr->span;
            lr->text = ds->para->text;
            lr->ntext = ds->para->len;
            lr->ruby = true; /* an annotation: no link, not base text */
            lr->orient = dr->orient;
            lr->st = -2;
            lr->g = TB_NEWN(a, tb_lglyph, cnt * ds->ng);
            for (size_t i = k; i < e; i++) {
                if (!(sp->runs[sp->g[u[i].g0].run].span->boten && u[i].cls == J_NORMAL && !u[i].latin)) continue;
                float cx = (br->ux[i] + br->uxe[i]) / 2 - dw / 2;
                float y = -(0.88f * u[i].em + 0.05f * u[i].em + 0.12f * dr->size);
                float px = cx;
                for (size_t g = 0; g < ds->ng; g++) {
                    /* the dot carries no text: it is not part of the reading */
                    lr->g[lr->n++] = (tb_lglyph){ds->g[g].gid, px + ds->g[g].dx, y - ds->g[g].dy, ds->g[g].adv, 0, 0};
                    px += ds->g[g].adv;
                }
                L->ascent = fmaxf(L->ascent, 0.88f * u[i].em + 0.05f * u[i].em + dr->size);
                L->ruby = true;
            }
            lr->x0 = br->ux[k];
            lr->x1 = x;
        }
    }
    /* readings above their bases */
    for (size_t i = 0; i < para->nruby; i++) {
        const rplace *rp = &br->rp[i];
        if (!(rp->u0 < rp->u1 && rp->u0 >= k && rp->u1 <= e)) continue;
        const tb_shaped *rs = sp->rt[i];
        if (!rs->ng) continue;
        size_t last_r = rp->merge_to ? rp->merge_to : i + 1; /* readings [i, last_r) */
        float bx0 = br->ux[rp->u0], bx1 = br->uxe[rp->u1 - 1], bw = bx1 - bx0;
        /* where each glyph goes: over a wider base, 1:2:1 between the
        ** reading's clusters (mono ruby: centred); over a narrower base,
        ** from the overhang on the left */
        size_t nclus = 0;
        for (size_t m = i; m < last_r; m++)
            for (size_t g = 0; g < sp->rt[m]->ng; g++)
                nclus += g == 0 || sp->rt[m]->g[g].cluster != sp->rt[m]->g[g - 1].cluster;
        bool mono = (para->ruby[i].mono && !rp->merge_to) || nclus < 2;
        float rx, pad = 0;
        if (rp->rw >= bw - 0.01f) rx = bx0 - rp->oL - fmaxf(0, (rp->rw - bw - rp->oL - rp->oR) / 2);
        else if (mono) rx = bx0 + (bw - rp->rw) / 2;
        else { pad = (bw - rp->rw) / (float)(2 * nclus); rx = bx0; }
        float base_size = u[rp->u0].em;
        L->ruby = true;
        float ry = -(0.88f * base_size + 0.12f * rp->rsize + 0.05f * base_size);
        L->ascent = fmaxf(L->ascent, 0.88f * base_size + rp->rsize + 0.05f * base_size);
        size_t gstart = 0;
        for (size_t m = i; m < last_r; m++, rs = m < last_r ? sp->rt[m] : rs)
        for (size_t r = 0; r < rs->nruns; r++) {
            const tb_srun *sr = &rs->runs[r];
            tb_lrun *lr = &L->runs[L->nruns++];
            memset(lr, 0, sizeof *lr);
            lr->face = sr->face;
            lr->size = sr->size;
            lr->fake_bold = sr->fake_bold;
            lr->span = sr->span;
            lr->text = rs->para->text;
            lr->ntext = rs->para->len;
            lr->ruby = true;
            lr->orient = sr->orient;
            lr->st = para->ruby[m].st;
            lr->n = sr->g1 - sr->g0;
            lr->g = TB_NEWN(a, tb_lglyph, lr->n);
            float px = rx;
            for (size_t g = sr->g0; g < sr->g1; g++) {
                const tb_sglyph *sg = &rs->g[g];
                bool first = g == 0 || sg->cluster != rs->g[g - 1].cluster;
                if (first && pad > 0) px += pad;
                uint32_t cend = rs->para->len;
                for (size_t h = g + 1; h < rs->ng; h++)
                    if (rs->g[h].cluster != sg->cluster) { cend = rs->g[h].cluster; break; }
                lr->g[g - sr->g0] = (tb_lglyph){sg->gid, px + sg->dx, ry - sg->dy, sg->adv, sg->cluster,
                                                first ? cend - sg->cluster : 0};
                px += sg->adv;
                bool last = g + 1 >= rs->ng || rs->g[g + 1].cluster != sg->cluster;
                if (last && pad > 0) px += pad;
            }
            lr->x0 = rx;
            lr->x1 = px;
            rx = px;
            gstart += lr->n;
        }
        (void)gstart;
    }
    L->start = u[k].b0;
    L->end = u[e - 1].b1;
}

/* A justified line of a language written with spaces is reported loose
** when its word spaces open to more than this many times their own width
** (with the usual ¼ em space, over 1¼ em: holes a reader sees).  The
** stretch of JLREQ 3.8.4 takes spaces to ½ em (about 200 %) routinely.
** In the shipped guides 200 % would flag about 601 paragraphs, 300 % 158,
** 400 % 67, 500 % 23, most of them Indonesian and Tagalog (no hyphenation
** dictionary: long words leave lines short).  Chinese and Japanese lines
** spread between characters instead; they are not judged (ordinary text
** in narrow table cells spreads up to ½ em, so a threshold there would
** sit next to ordinary text). */
#define LOOSE_SPACES 5.0f

/* Units the emergency break may step back to keep a kinsoku rule (JLREQ
** 3.1.7, oidashi): a few, or the line would be cut short for nothing. */
enum { KINSOKU_BACK = 3 };

/* Does a break before unit X (k < x < n) of the line from K break a
** kinsoku rule?  1: the next line would start with a character that may
** not start one, 2: this line would end with one that may not end one
** (spaces at the break do not count); *AT is that unit.  0: neither. */
static int kinsoku_broken(const unit *u, size_t k, size_t n, size_t x, size_t *at) {
    size_t s = x;
    while (s < n && u[s].cls == J_SPACE && !u[s].hard) s++;
    if (s < n && !u[s].hard && tb_kinsoku_no_start(u[s].first)) {
        *at = s;
        return 1;
    }
    size_t t = x;
    while (t > k + 1 && u[t - 1].cls == J_SPACE) t--;
    if (tb_kinsoku_no_end(u[t - 1].last)) {
        *at = t - 1;
        return 2;
    }
    return 0;
}

static tb_lines *break_para(tb_breaker *br, tb_arena *a, const tb_shaped *sp, const tb_break_opts *o) {
    tb_lines *out = TB_NEW(a, tb_lines);
    out->para = sp->para;
    if (!sp->para || sp->ng == 0) return out;
    icu_breaks(br, sp->para);
    size_t n = build_units(br, sp);
    if (br->adjcap < n + 1) { /* per-line scratch, once per paragraph */
        br->adjcap = br->uxcap = n + 1;
        br->adj_w = realloc(br->adj_w, br->adjcap * sizeof(float));
        br->adj_g = realloc(br->adj_g, br->adjcap * sizeof(float));
        br->ux = realloc(br->ux, br->uxcap * sizeof(float));
        br->uxe = realloc(br->uxe, br->uxcap * sizeof(float));
        br->ugl = realloc(br->ugl, br->uxcap * sizeof(size_t));
        if (!br->adj_w || !br->adj_g || !br->ux || !br->uxe || !br->ugl) abort();
    }
    unit *u = br->u;
    gap *g = br->gp;
    size_t cap = 8;
    out->v = TB_NEWN(a, tb_line, cap);
    size_t k = 0;
    bool para_start = true, warned = false, warned_kinsoku = false;
    float loosest = 0;                  /* the widest word spaces of a line, over their width */
    const tb_span *loose_span = NULL;   /* where that line starts */
    const char *pl = sp->para->lang ? sp->para->lang : "";
    bool worded = strncmp(pl, "ja", 2) && strncmp(pl, "zh", 2); /* written with spaces (Korean too) */
    while (k < n) {
        /* a continuation line does not start with a space */
        while (!para_start && k < n && u[k].cls == J_SPACE && !u[k].hard) k++;
        if (k >= n) break;
        float lead = para_start ? o->indent + u[k].before : 0;
        size_t cand = 0, hcand = 0, e = k + 1;
        bool hard = false, over = false;
        float nat = u[k].w, shrink = u[k].cls == J_SPACE ? fmaxf(0, u[k].w - 0.25f * u[k].em) : 0;
        for (; e < n; e++) {
            if (u[e].hard) {
                /* a forced break ends the line where the text before it
                ** fits; where it does not, the last break point that fits */
                size_t t = e;
                while (t > k + 1 && u[t - 1].cls == J_SPACE) t--;
                span_sum s = measure(u, g, k, t, false);
                float hangw = hangs(&u[t - 1], o->hang) && t > k + 1 ? u[t - 1].w : 0;
                if (s.nat - s.shrink - hangw <= o->measure - lead + 0.01f) {
                    cand = e;
                    hard = true;
                }
                break;
            }
            if (u[e].brk) {
                /* the line [k, e) without trailing spaces */
                size_t t = e;
                while (t > k + 1 && u[t - 1].cls == J_SPACE) t--;
                span_sum s = t == e ? (span_sum){nat, shrink} : measure(u, g, k, t, false);
                float hangw = hangs(&u[t - 1], o->hang) && t > k + 1 ? u[t - 1].w : 0;
                if (s.nat - s.shrink - hangw <= o->measure - lead + 0.01f) cand = e;
                else break;
            }
            nat += g[e].nat + u[e].w;
            shrink += g[e].shrink + (u[e].cls == J_SPACE ? fmaxf(0, u[e].w - 0.25f * u[e].em) : 0);
            /* nat - shrink never decreases: once the text so far is too long
            ** (beyond a hanging character), no later break point can fit.
            ** Stopping here keeps a paragraph without break points linear. */
            if (u[e].cls != J_SPACE && nat - shrink - u[e].em > o->measure - lead + 0.01f) {
                e++;
                break;
            }
        }
        if (e >= n && !hard) {
            span_sum s = measure(u, g, k, n, false);
            if (s.nat - s.shrink <= o->measure - lead + 0.01f) cand = n;
        }
        /* hyphenate only where the line at the last break would be loose
        ** (more than 3 em to spread) or where nothing else fits: the
        ** last hyphenation point among the units looked at that fits with
        ** its hyphen */
        bool hyph_here = false;
        int yield = 0;     /* the emergency break breaks a kinsoku rule (kinsoku_broken) */
        size_t yield_at = 0;
        if (br->nwords && cand < n && !hard) {
            float slack = 0;
            if (cand) {
                size_t t = cand;
                while (t > k + 1 && u[t - 1].cls == J_SPACE) t--;
                slack = o->measure - lead - measure(u, g, k, t, false).nat;
            }
            if (!cand || slack > 3.0f * u[k].em) {
                hyphenate_range(br, sp, u, cand > k ? cand : k, e);
                float hn = u[k].w, hs = u[k].cls == J_SPACE ? fmaxf(0, u[k].w - 0.25f * u[k].em) : 0;
                for (size_t x = k + 1; x < e; x++) {
                    if (u[x].hyph && !u[x].brk) {
                        uint32_t hg;
                        float ha = 0;
                        hyphen_glyph(sp, &u[x - 1], &hg, &ha);
                        if (hn + ha - hs <= o->measure - lead + 0.01f) hcand = x;
                    }
                    hn += g[x].nat + u[x].w;
                    hs += g[x].shrink + (u[x].cls == J_SPACE ? fmaxf(0, u[x].w - 0.25f * u[x].em) : 0);
                }
            }
            if (hcand > cand) {
                cand = hcand;
                hyph_here = true;
            }
        }
        if (!cand) {
            /* nothing fits: break where the line overflows (emergency) */
            float w = 0;
            size_t x = k;
            while (x < n && (x == k || w + g[x].nat + u[x].w <= o->measure - lead)) {
                w += (x > k ? g[x].nat : 0) + u[x].w;
                x++;
            }
            /* prefer the first real break point if there is one soon */
            cand = x > k ? x : k + 1;
            over = true;
            /* where that breaks a kinsoku rule, a break a few units back
            ** that keeps it; where there is none, the rule yields */
            if (cand < n && kinsoku_broken(u, k, n, cand, &yield_at)) {
                size_t y = cand - 1, at;
                while (y > k && cand - y <= KINSOKU_BACK && kinsoku_broken(u, k, n, y, &at)) y--;
                if (y > k && cand - y <= KINSOKU_BACK) cand = y;
                else yield = kinsoku_broken(u, k, n, cand, &yield_at);
            }
        }
        size_t end = cand;
        while (end > k + 1 && u[end - 1].cls == J_SPACE) end--;
        if (out->n == cap) {
            out->v = tb_arena_grow(a, out->v, out->n, cap * 2, sizeof *out->v);
            cap *= 2;
        }
        tb_line *L = &out->v[out->n++];
        memset(L, 0, sizeof *L);
        bool last = cand >= n || (cand < n && u[cand].hard);
        float ratio;
        emit_line(br, a, sp, L, k, end, para_start, last, o, hyph_here, &ratio);
        L->hard = cand < n && u[cand].hard;
        if (over) L->overfull = true;
        if (L->overfull && !warned) {
            const tb_span *spn = sp->runs[sp->g[u[k].g0].run].span;
            tb_warning_kind(br->ctx, TB_KIND_OVERFULL_LINE, sp->para->file, spn->line, spn->col,
                            "overfull line: no break point lets the text fit the measure of %.1f pt", o->measure);
            warned = true;
        }
        if (yield && !warned_kinsoku) {
            const unit *c = &u[yield_at];
            const tb_span *spn = sp->runs[sp->g[c->g0].run].span;
            tb_warning_kind(br->ctx, TB_KIND_KINSOKU_YIELD, sp->para->file, spn->line, spn->col,
                            yield == 1 ? "kinsoku: no break point keeps 「%.*s」 off the start of the line; the rule yields"
                                       : "kinsoku: no break point keeps 「%.*s」 off the end of the line; the rule yields",
                            (int)(c->b1 - c->b0), sp->para->text + c->b0);
            warned_kinsoku = true;
        }
        if (worded && ratio > loosest) {
            loosest = ratio;
            loose_span = sp->runs[sp->g[u[k].g0].run].span;
        }
        para_start = false;
        k = cand;
    }
    /* the paragraph's loosest line, once */
    if (loose_span && roundf(loosest * 100) > LOOSE_SPACES * 100)
        tb_warning_kind(br->ctx, TB_KIND_LOOSE_LINE, sp->para->file, loose_span->line, loose_span->col,
                        "loose line: the spaces are stretched to %.0f %% of their width (more than %.0f %%)",
                        loosest * 100, LOOSE_SPACES * 100);
    return out;
}

/* ---- the line cache ------------------------------------------------------ */

/* tb_typeset sets a document several times until its page numbers settle;
** only the paragraphs holding a page number change between passes.  A
** paragraph whose text, spans, ruby and options equal those of one broken
** earlier in the document gets that one's lines (and its findings again)
** instead of being broken anew.  Lines are read-only after breaking, and
** what they point to (the earlier pass's paragraph, spans, glyphs) lives
** in the document's arena until the document ends. */

struct lentry {
    uint64_t key;
    const tb_shaped *sp;   /* (transfer none) the paragraph as first broken */
    tb_break_opts o;
    tb_lines *lines;       /* (transfer none) in the document's arena */
    tb_diag *diags;        /* owned copies of what breaking it reported */
    size_t ndiags;
};

static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool color_eq(const tb_color *a, const tb_color *b) {
    return a->c == b->c && a->m == b->m && a->y == b->y && a->k == b->k && a->r == b->r && a->g == b->g &&
           a->b == b->b && a->has_rgb == b->has_rgb;
}

static bool span_eq(const tb_span *a, const tb_span *b) {
    return a->start == b->start && a->end == b->end && str_eq(a->font, b->font) && a->bold == b->bold &&
           a->size == b->size && color_eq(&a->color, &b->color) && str_eq(a->lang, b->lang) && a->rise == b->rise &&
           str_eq(a->href, b->href) && str_eq(a->dest, b->dest) && a->nobr == b->nobr && a->tcy == b->tcy &&
           a->boten == b->boten && a->st == b->st && a->line == b->line && a->col == b->col;
}

static bool ruby_eq(const tb_ruby *a, const tb_ruby *b) {
    return a->start == b->start && a->end == b->end && str_eq(a->text, b->text) && a->mono == b->mono &&
           a->jukugo == b->jukugo && a->st == b->st;
}

/* Everything of a paragraph that breaking (or what it reports) reads. */
static bool para_eq(const tb_para *a, const tb_para *b) {
    if (a == b) return true;
    if (!a || !b || a->len != b->len || a->nspans != b->nspans || a->nruby != b->nruby ||
        a->vertical != b->vertical || !str_eq(a->lang, b->lang) || !str_eq(a->file, b->file) ||
        memcmp(a->text, b->text, a->len))
        return false;
    for (size_t i = 0; i < a->nspans; i++)
        if (!span_eq(&a->spans[i], &b->spans[i])) return false;
    for (size_t i = 0; i < a->nruby; i++)
        if (!ruby_eq(&a->ruby[i], &b->ruby[i])) return false;
    return true;
}

static bool opts_eq(const tb_break_opts *a, const tb_break_opts *b) {
    return a->measure == b->measure && a->indent == b->indent && a->align == b->align && a->hang == b->hang;
}

static uint64_t lkey(const tb_shaped *sp, const tb_break_opts *o) {
    uint64_t h = 0xcbf29ce484222325ULL;
    const tb_para *p = sp->para;
    for (uint32_t i = 0; i < p->len; i++) h = (h ^ (unsigned char)p->text[i]) * 0x100000001b3ULL;
    h = (h ^ p->nspans) * 0x100000001b3ULL;
    /* where it comes from: copies of one text (a repeated notice) differ
       there and would otherwise share a probe chain */
    if (p->nspans) h = (h ^ (uint64_t)(uint32_t)p->spans[0].line << 20 ^ (uint32_t)p->spans[0].col) * 0x100000001b3ULL;
    h = (h ^ p->nruby) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)lroundf(o->measure * 64)) * 0x100000001b3ULL;
    h = (h ^ (uint64_t)o->align) * 0x100000001b3ULL;
    return h ? h : 1;
}

static void lc_clear(tb_breaker *br) {
    for (size_t i = 0; i < br->caplc; i++) {
        struct lentry *e = &br->lc[i];
        for (size_t k = 0; k < e->ndiags; k++) {
            free(e->diags[k].file);
            free(e->diags[k].msg);
        }
        free(e->diags);
        e->diags = NULL;
        e->ndiags = 0;
        e->key = 0;
    }
    br->nlc = 0;
}

void tb_breaker_begin_document(tb_breaker *br) {
    if (!br) return;
    lc_clear(br);
    br->lc_on = true;
}

void tb_breaker_end_document(tb_breaker *br) {
    if (!br) return;
    lc_clear(br);
    br->lc_on = false;
}

static bool lc_grow(tb_breaker *br) {
    size_t cap = br->caplc ? br->caplc * 2 : 256;
    struct lentry *v = calloc(cap, sizeof *v);
    if (!v) return false;
    for (size_t i = 0; i < br->caplc; i++) {
        if (!br->lc[i].key) continue;
        size_t j = br->lc[i].key & (cap - 1);
        while (v[j].key) j = (j + 1) & (cap - 1);
        v[j] = br->lc[i];
    }
    free(br->lc);
    br->lc = v;
    br->caplc = cap;
    return true;
}

tb_lines *tb_break_para(tb_breaker *br, tb_arena *a, const tb_shaped *sp, const tb_break_opts *o) {
    if (!br->lc_on || !sp || !sp->para || !sp->ng) return break_para(br, a, sp, o);
    uint64_t key = lkey(sp, o);
    tb_diags *dg = br->ctx->diags;
    if (br->caplc)
        for (size_t i = key & (br->caplc - 1); br->lc[i].key; i = (i + 1) & (br->caplc - 1)) {
            struct lentry *e = &br->lc[i];
            if (e->key == key && opts_eq(&e->o, o) && e->sp->base_level == sp->base_level &&
                para_eq(e->sp->para, sp->para)) {
                for (size_t k = 0; k < e->ndiags; k++) tb_diags_push(dg, &e->diags[k]);
                return e->lines;
            }
        }
    size_t before = tb_diags_len(dg), nerr = tb_diags_count(dg, TB_ERROR);
    tb_lines *lines = break_para(br, a, sp, o);
    if (tb_diags_count(dg, TB_ERROR) != nerr) return lines; /* errors are not cached */
    if ((br->nlc + 1) * 2 > br->caplc && !lc_grow(br)) return lines;
    size_t i = key & (br->caplc - 1);
    while (br->lc[i].key) i = (i + 1) & (br->caplc - 1);
    struct lentry *e = &br->lc[i];
    *e = (struct lentry){key, sp, *o, lines, NULL, 0};
    size_t nd = tb_diags_len(dg) - before;
    if (nd && (e->diags = calloc(nd, sizeof *e->diags))) {
        for (size_t k = 0; k < nd; k++) {
            const tb_diag *d = tb_diags_at(dg, before + k);
            e->diags[k] = *d;
            e->diags[k].file = strdup(d->file ? d->file : "tebiki");
            e->diags[k].msg = strdup(d->msg ? d->msg : "");
            if (!e->diags[k].file || !e->diags[k].msg) {
                free(e->diags[k].file);
                free(e->diags[k].msg);
                break;
            }
            e->ndiags++;
        }
    }
    br->nlc++;
    return lines;
}

static tb_lblock *break_blocks(tb_breaker *br, tb_arena *a, const tb_shblock *b, bool hang) {
    tb_lblock *first = NULL, **tail = &first;
    for (; b; b = b->next) {
        tb_lblock *o = TB_NEW(a, tb_lblock);
        const tb_sblock *sb = b->sb;
        o->sb = sb;
        if (b->text) {
            tb_break_opts opts = {sb->measure, sb->indent, sb->align, hang};
            o->text = tb_break_para(br, a, b->text, &opts);
        }
        if (b->aux) {
            tb_break_opts opts = {1e6f, 0, TB_ALIGN_START, false};
            o->aux = tb_break_para(br, a, b->aux, &opts);
        }
        if (b->running) {
            tb_break_opts opts = {1e6f, 0, TB_ALIGN_START, false};
            o->running = tb_break_para(br, a, b->running, &opts);
        }
        if (b->first) o->first = break_blocks(br, a, b->first, hang);
        *tail = o;
        tail = &o->next;
    }
    return first;
}

tb_lined_doc *tb_break_doc(tb_breaker *br, tb_arena *a, const tb_shaped_doc *d) {
    tb_lined_doc *o = TB_NEW(a, tb_lined_doc);
    o->styled = d->styled;
    bool hang = d->styled->layout->hang_punct;
    o->cover = break_blocks(br, a, d->cover, hang);
    o->body = break_blocks(br, a, d->body, hang);
    o->back = break_blocks(br, a, d->back, hang);
    if (d->running_title) {
        tb_break_opts opts = {1e6f, 0, TB_ALIGN_START, false};
        o->running_title = tb_break_para(br, a, d->running_title, &opts);
    }
    if (d->folio_digits) {
        tb_break_opts opts = {1e6f, 0, TB_ALIGN_START, false};
        o->folio_digits = tb_break_para(br, a, d->folio_digits, &opts);
    }
    return o;
}
