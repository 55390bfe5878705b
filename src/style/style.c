/*
** style.c — document tree + layout → styled blocks; see style.h.
**
** The cascade is small and explicit: built-in defaults, then every layout
** rule whose selector matches, in file order.  Font role, weight, size,
** colour and language inherit; box properties do not.  Lengths in em are
** resolved against the element's own size (size itself: the parent's).
*/
#include "style.h"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../base/utf8.h"
#include "../base/qr.h"

typedef struct inh {
    const char *font;
    bool bold;
    float size;            /* pt */
    float leading;         /* pt */
    tb_color color;
    const char *lang;
} inh;

typedef struct frame {    /* the box a block is set in */
    tb_area area;
    float width;           /* pt: measure available to blocks here */
    float full;            /* pt: all columns of the area (span-columns) */
    int depth;             /* section depth */
    int list_depth;
    int sp;                /* structure element blocks here belong to */
} frame;

typedef struct st {
    tb_ctx *ctx;
    tb_arena *a;
    const tb_doc *doc;
    const tb_layout *l;
    const tb_pagemap *pages;
    uint32_t *page_slot;      /* open hash of pages' entries + 1 (arena), made on first use */
    size_t npage_slot;
    tb_styled *out;
    /* the paragraph being built */
    char *buf; size_t len, cap;
    tb_span *spans; size_t nspans, capspans;
    tb_ruby *ruby; size_t nruby, capruby;
    /* the logical structure (tagged PDF), in document order */
    tb_struct *structs; size_t nst, capst; /* malloc'd while the run builds it */
    int cur_st;            /* the element of the paragraph being built */
} st;

/* A new structure element under PARENT; N (may be NULL) lends its
** language where it sets one.  Returns its index. */
static int sadd(st *s, const char *type, int parent, const tb_node *n) {
    if (s->nst == s->capst) {
        size_t cap = s->capst ? s->capst * 2 : 64;
        s->structs = realloc(s->structs, cap * sizeof *s->structs);
        if (!s->structs) abort(); /* as the arena does */
        s->capst = cap;
    }
    tb_struct *e = &s->structs[s->nst];
    memset(e, 0, sizeof *e);
    e->type = type;
    e->parent = parent;
    e->lang = n ? n->lang : NULL;
    e->colspan = e->rowspan = 1;
    return (int)s->nst++;
}

static const tb_color BLACK = {0, 0, 0, 1, 0, 0, 0, false};

float tb_style_column_width(const tb_layout *l, const tb_master *m) {
    if (l->vertical) /* the line length is the height of a 段 */
        return (l->height - m->top - m->bottom - (float)(m->columns - 1) * m->column_gap) / (float)m->columns;
    if (m->ncolw) { /* panels: text is set to the narrowest */
        float w = 1e9f;
        for (int i = 0; i < m->ncolw; i++) w = fminf(w, m->colw[i]);
        for (int i = 0; i < m->ncolw_verso; i++) w = fminf(w, m->colw_verso[i]);
        return w - 2 * m->panel_padding;
    }
    float w = l->width - m->inner - m->outer - (float)(m->columns - 1) * m->column_gap;
    return w / (float)m->columns;
}

/* ---- the cascade -------------------------------------------------------- */

static bool has_class(const tb_node *n, const char *cls) {
    if (!n || !n->cls) return false;
    size_t k = strlen(cls);
    for (const char *p = n->cls; (p = strstr(p, cls)); p += k)
        if ((p == n->cls || p[-1] == ' ') && (p[k] == 0 || p[k] == ' ')) return true;
    return false;
}

static int section_depth(const tb_node *n) {
    int d = 0;
    for (; n; n = n->parent) d += n->el == TB_EL_SECTION;
    return d;
}

/* The name selectors use: section titles are h1..h4. */
static const char *key_of(const tb_node *n, char *buf) {
    if (n->el == TB_EL_TITLE && n->parent && n->parent->el == TB_EL_SECTION) {
        int d = section_depth(n);
        buf[0] = 'h', buf[1] = (char)('0' + (d > 4 ? 4 : d < 1 ? 1 : d)), buf[2] = 0;
        return buf;
    }
    return tb_el_name(n->el);
}

/* Is LANG (BCP 47) one of the space-separated prefixes in LIST? */
static bool lang_in(const char *lang, const char *list) {
    if (!lang) lang = "und";
    for (const char *p = list; *p;) {
        size_t k = strcspn(p, " ");
        if (k && !strncmp(lang, p, k) && (lang[k] == 0 || lang[k] == '-' || lang[k] == '_')) return true;
        p += k;
        while (*p == ' ') p++;
    }
    return false;
}

static bool matches(const tb_rule *r, const tb_node *n, const char *key) {
    if (strcmp(r->el, key) && strcmp(r->el, "*")) return false;
    if (r->langs && !lang_in(tb_node_lang(n), r->langs)) return false;
    if (r->cls && !has_class(n, r->cls)) return false;
    if (r->ancestor) {
        char b[8];
        for (const tb_node *p = n->parent; p; p = p->parent)
            if (!strcmp(key_of(p, b), r->ancestor) && (!r->ancestor_cls || has_class(p, r->ancestor_cls)))
                return true;
        return false;
    }
    return true;
}

static float em(tb_len l, float size) { return l.em ? l.v * size : l.v; }

/* Built-in defaults, before the layout's rules. */
static tb_props defaults(const char *key) {
    tb_props p = {0};
    if (key[0] == 'h' && key[1] >= '1' && key[1] <= '4' && !key[2]) {
        p.mask = TB_P_FONT | TB_P_BOLD | TB_P_KEEP | TB_P_ALIGN | TB_P_BEFORE | TB_P_AFTER;
        p.font = "heading";
        p.bold = true;
        p.keep_with_next = true;
        p.align = TB_ALIGN_START;
        p.before = (tb_len){1, true};
        p.after = (tb_len){0.5f, true};
    } else if (!strcmp(key, "strong")) {
        p.mask = TB_P_BOLD | TB_P_FONT;
        p.bold = true;
        p.font = "heading";
    } else if (!strcmp(key, "em")) {
        p.mask = TB_P_FONT;
        p.font = "heading";
    } else if (!strcmp(key, "small")) {
        p.mask = TB_P_SIZE;
        p.size = (tb_len){0.8f, true};
    } else if (!strcmp(key, "sup") || !strcmp(key, "sub")) {
        p.mask = TB_P_SIZE | TB_P_RISE;
        p.size = (tb_len){0.65f, true};
        p.rise = (tb_len){key[1] == 'u' ? 0.55f : -0.2f, true};
    } else if (!strcmp(key, "a")) {
        p.mask = TB_P_COLOR;
        p.color = (tb_color){1, 0.5f, 0, 0.1f, 0, 0.3f, 0.6f, true};
    } else if (!strcmp(key, "aside") || !strcmp(key, "blockquote")) {
        p.mask = TB_P_BEFORE | TB_P_AFTER | TB_P_PADDING;
        p.before = p.after = (tb_len){1, true};
        p.padding = (tb_len){1, true};
    }
    return p;
}

static void apply(tb_props *to, const tb_props *p) {
    unsigned m = p->mask;
    if (m & TB_P_FONT) to->font = p->font;
    if (m & TB_P_BOLD) to->bold = p->bold;
    if (m & TB_P_SIZE) to->size = p->size;
    if (m & TB_P_LEADING) to->leading = p->leading;
    if (m & TB_P_COLOR) to->color = p->color;
    if (m & TB_P_BEFORE) to->before = p->before;
    if (m & TB_P_AFTER) to->after = p->after;
    if (m & TB_P_INDENT) to->indent = p->indent;
    if (m & TB_P_START) to->start = p->start;
    if (m & TB_P_END) to->end = p->end;
    if (m & TB_P_ALIGN) to->align = p->align;
    if (m & TB_P_BORDER) to->border = p->border, to->border_color = p->border_color;
    if (m & TB_P_BACKGROUND) to->background = p->background;
    if (m & TB_P_PADDING) to->padding = p->padding;
    if (m & TB_P_KEEP) to->keep_with_next = p->keep_with_next;
    if (m & TB_P_BREAK_BEFORE) to->break_before = p->break_before;
    if (m & TB_P_MARKER) to->marker = p->marker;
    if (m & TB_P_SPAN) to->span_columns = p->span_columns;
    if (m & TB_P_RISE) to->rise = p->rise;
    if (m & TB_P_RULE_BELOW) to->rule_below = p->rule_below, to->rule_color = p->rule_color;
    to->mask |= m;
}

/* The properties of N (selected as KEY), over inherited values PARENT;
** *OUT gets what N passes on to its content. */
static tb_props cascade(st *s, const tb_node *n, const char *key, const inh *parent, inh *out) {
    tb_props p = defaults(key);
    for (size_t i = 0; i < s->l->nrules; i++)
        if (matches(&s->l->rules[i], n, key)) apply(&p, &s->l->rules[i].props);
    inh h = *parent;
    if (p.mask & TB_P_FONT) h.font = p.font;
    if (p.mask & TB_P_BOLD) h.bold = p.bold;
    if (p.mask & TB_P_SIZE) {
        h.size = em(p.size, parent->size);
        if (h.size < 1) h.size = 1;
        if (h.size > 500) h.size = 500;
        /* leading scales with the size unless set: keep the parent's ratio */
        h.leading = parent->leading * h.size / parent->size;
    }
    if (p.mask & TB_P_LEADING) h.leading = em(p.leading, h.size);
    if (h.leading < h.size) h.leading = h.size;
    if (p.mask & TB_P_COLOR) h.color = p.color;
    if (n->lang) h.lang = n->lang;
    *out = h;
    return p;
}

/* ---- paragraphs ----------------------------------------------------------- */

static void put(st *s, const char *t, size_t n) {
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        while (cap < s->len + n + 1) cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b) abort();
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, t, n);
    s->len += n;
    s->buf[s->len] = 0;
}

typedef struct istyle {   /* inline state while flattening */
    inh h;
    float rise;
    const char *href, *dest;
    bool nobr, tcy, boten;
    int st;                /* inline structure element (Link, Span, RB), -1 none */
    int line, col;
} istyle;

/* Field by field: the struct's padding bytes are never set */
static bool color_eq(const tb_color *a, const tb_color *b) {
    return a->c == b->c && a->m == b->m && a->y == b->y && a->k == b->k && a->r == b->r && a->g == b->g &&
           a->b == b->b && a->has_rgb == b->has_rgb;
}

static void span(st *s, const istyle *is, size_t start) {
    if (s->len == start) return;
    if (s->nspans) {
        tb_span *p = &s->spans[s->nspans - 1];
        if (p->end == start && p->font == is->h.font && p->bold == is->h.bold && p->size == is->h.size &&
            color_eq(&p->color, &is->h.color) && p->lang == is->h.lang &&
            p->rise == is->rise && p->href == is->href && p->dest == is->dest && p->nobr == is->nobr &&
            p->tcy == is->tcy && p->boten == is->boten && p->st == is->st) {
            p->end = (uint32_t)s->len;
            return;
        }
    }
    if (s->nspans == s->capspans) {
        s->capspans = s->capspans ? s->capspans * 2 : 16;
        s->spans = realloc(s->spans, s->capspans * sizeof *s->spans);
        if (!s->spans) abort();
    }
    s->spans[s->nspans++] = (tb_span){(uint32_t)start, (uint32_t)s->len, is->h.font, is->h.bold, is->h.size,
                                      is->h.color, is->h.lang, is->rise, is->href, is->dest, is->nobr,
                                      is->tcy, is->boten, is->st, is->line, is->col};
}

static size_t id_hash(const char *id) {
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)id; *c; c++) h = (h ^ *c) * 0x100000001b3ULL;
    return (size_t)h;
}

/* The page ID is on in the previous pass, or -1.  The map's ids go into an
** open hash (in the arena) on first use. */
static int page_of(st *s, const char *id) {
    const tb_pagemap *m = s->pages;
    if (!m || !m->n) return -1;
    size_t mask;
    if (!s->page_slot) {
        size_t n = 64;
        while (n < 2 * m->n) n *= 2;
        s->page_slot = TB_NEWN(s->a, uint32_t, n);
        s->npage_slot = n;
        mask = n - 1;
        for (size_t k = 0; k < m->n; k++) {
            size_t i = id_hash(m->ids[k]) & mask;
            while (s->page_slot[i]) i = (i + 1) & mask;
            s->page_slot[i] = (uint32_t)k + 1;
        }
    }
    mask = s->npage_slot - 1;
    for (size_t i = id_hash(id) & mask; s->page_slot[i]; i = (i + 1) & mask)
        if (!strcmp(m->ids[s->page_slot[i] - 1], id)) return m->pages[s->page_slot[i] - 1];
    return -1;
}

/* The text a ref prints: the layout's "ref" string for the language. */
static void ref_text(st *s, const char *id, const char *lang, char *buf, size_t cap) {
    s->out->page_numbers = true;
    int pg = page_of(s, id);
    const char *fmt = tb_layout_string(s->l, "ref", lang, "P%d");
    /* first pass: a plausible two-digit number keeps line lengths close */
    int shown = pg >= 0 ? pg + 1 : 10;
    const char *pc = strstr(fmt, "%d");
    snprintf(buf, cap, "%.*s%d%s", (int)(pc - fmt), fmt, shown, pc + 2);
}

static void flatten(st *s, const tb_node *n, const istyle *is);

static void flatten_children(st *s, const tb_node *n, const istyle *is) {
    for (const tb_node *c = n->first; c; c = c->next) flatten(s, c, is);
}

static void flatten(st *s, const tb_node *n, const istyle *parent) {
    if (n->el == TB_EL_TEXT) {
        size_t start = s->len;
        put(s, n->text, n->ntext);
        span(s, parent, start);
        return;
    }
    char kb[8];
    istyle is = *parent;
    if (n->el != TB_EL_RP) {
        tb_props p = cascade(s, n, key_of(n, kb), &parent->h, &is.h);
        if (p.mask & TB_P_RISE) is.rise = parent->rise + em(p.rise, parent->h.size);
    }
    is.line = n->line;
    is.col = n->col;
    int inl_parent = is.st >= 0 ? is.st : s->cur_st;
    if (n->lang && n->el != TB_EL_A && n->el != TB_EL_RUBY && n->el != TB_EL_RT && n->el != TB_EL_RP)
        is.st = sadd(s, "Span", inl_parent, n), inl_parent = is.st;
    switch (n->el) {
    case TB_EL_A: is.href = n->href; is.st = sadd(s, "Link", inl_parent, n); break;
    case TB_EL_NOBR: is.nobr = true; break;
    case TB_EL_TCY: is.nobr = is.tcy = true; break;
    case TB_EL_EM: if (has_class(n, "boten")) is.boten = true; break;
    case TB_EL_RP: return;
    case TB_EL_RT: return; /* handled by ruby */
    case TB_EL_Q: {
        /* quotation marks as the language writes them (layout string "quotes":
        ** the opening and the closing mark, separated by a space) */
        const char *lang = is.h.lang ? is.h.lang : "und";
        const char *def = lang_in(lang, "ja zh-Hant") ? "「 」" : lang_in(lang, "fr es") ? "« »"
                        : lang_in(lang, "de") ? "„ “" : "“ ”";
        const char *qs = tb_layout_string(s->l, "quotes", lang, def);
        const char *sp = strchr(qs, ' ');
        size_t start = s->len;
        put(s, qs, sp ? (size_t)(sp - qs) : strlen(qs));
        span(s, &is, start);
        flatten_children(s, n, &is);
        if (sp) {
            start = s->len;
            put(s, sp + 1, strlen(sp + 1));
            span(s, &is, start);
        }
        return;
    }
    case TB_EL_BR: {
        size_t start = s->len;
        put(s, "\n", 1);
        span(s, &is, start);
        return;
    }
    case TB_EL_REF: {
        char t[64];
        ref_text(s, n->to, is.h.lang, t, sizeof t);
        is.dest = n->to;
        is.nobr = true;
        size_t start = s->len;
        put(s, t, strlen(t));
        span(s, &is, start);
        return;
    }
    case TB_EL_RUBY: {
        /* below 7 pt ruby cannot be read (JLREQ 3.3.3): 漢字（かんじ） */
        if (is.h.size < 7.0f) {
            char *rd = NULL;
            size_t rl = 0;
            for (const tb_node *c = n->first; c; c = c->next) {
                if (c->el == TB_EL_RT) {
                    const char *t = tb_node_plain_text(s->a, c);
                    size_t k = strlen(t);
                    char *nrd = realloc(rd, rl + k + 1);
                    if (!nrd) break;
                    rd = nrd;
                    memcpy(rd + rl, t, k + 1);
                    rl += k;
                } else if (c->el != TB_EL_RP) {
                    flatten(s, c, &is);
                }
            }
            if (rl) {
                size_t st0 = s->len;
                put(s, "\xEF\xBC\x88", 3); /* （ */
                put(s, rd, rl);
                put(s, "\xEF\xBC\x89", 3); /* ） */
                span(s, &is, st0);
            }
            free(rd);
            return;
        }
        /* HTML ruby: base text, then rt; one rt after each base character
        ** is mono ruby, one rt after the group is group ruby */
        size_t base = s->len;
        int nrt = 0, nbase_segs = 0;
        int ruby_st = sadd(s, "Ruby", inl_parent, n);
        is.st = sadd(s, "RB", ruby_st, NULL);
        for (const tb_node *c = n->first; c; c = c->next) {
            if (c->el == TB_EL_RT) {
                char *reading = tb_node_plain_text(s->a, c);
                if (s->nruby == s->capruby) {
                    s->capruby = s->capruby ? s->capruby * 2 : 8;
                    s->ruby = realloc(s->ruby, s->capruby * sizeof *s->ruby);
                    if (!s->ruby) abort();
                }
                /* the text of rt children lives in rt's text nodes */
                if (!*reading) {
                    size_t k = 0;
                    for (const tb_node *t = c->first; t; t = t->next) k += t->el == TB_EL_TEXT ? t->ntext : 0;
                    char *r = tb_arena_alloc(s->a, k + 1);
                    k = 0;
                    for (const tb_node *t = c->first; t; t = t->next)
                        if (t->el == TB_EL_TEXT) memcpy(r + k, t->text, t->ntext), k += t->ntext;
                    reading = r;
                }
                s->ruby[s->nruby++] = (tb_ruby){(uint32_t)base, (uint32_t)s->len, reading, false, false,
                                                sadd(s, "RT", ruby_st, c)};
                base = s->len;
                nrt++;
            } else {
                flatten(s, c, &is);
                nbase_segs++;
            }
        }
        if (nrt > 1)
            for (size_t i = s->nruby - (size_t)nrt; i < s->nruby; i++) {
                s->ruby[i].mono = true;
                s->ruby[i].jukugo = s->l->ruby_jukugo && i + 1 < s->nruby; /* joins the next */
            }
        (void)nbase_segs;
        return;
    }
    default: break;
    }
    flatten_children(s, n, &is);
}

/* Make a paragraph of N's inline content (or of the single text T). */
static tb_para *para_of(st *s, const tb_node *n, const inh *h, const char *t) {
    s->len = 0;
    s->nspans = 0;
    s->nruby = 0;
    istyle is = {.h = *h, .st = -1, .line = n->line, .col = n->col};
    if (t) {
        put(s, t, strlen(t));
        span(s, &is, 0);
    } else if (n->el == TB_EL_TEXT) {
        flatten(s, n, &is);
    } else {
        flatten_children(s, n, &is);
    }
    /* trim a trailing space or line break */
    while (s->len && (s->buf[s->len - 1] == ' ' || s->buf[s->len - 1] == '\n')) {
        s->len--;
        while (s->nspans && s->spans[s->nspans - 1].start >= s->len) s->nspans--;
        if (s->nspans && s->spans[s->nspans - 1].end > s->len) s->spans[s->nspans - 1].end = (uint32_t)s->len;
    }
    if (s->len == 0) return NULL;
    tb_para *p = TB_NEW(s->a, tb_para);
    p->text = tb_arena_strndup(s->a, s->buf, s->len);
    p->len = (uint32_t)s->len;
    p->spans = TB_NEWN(s->a, tb_span, s->nspans);
    memcpy(p->spans, s->spans, s->nspans * sizeof *s->spans);
    p->nspans = s->nspans;
    if (s->nruby) {
        p->ruby = TB_NEWN(s->a, tb_ruby, s->nruby);
        memcpy(p->ruby, s->ruby, s->nruby * sizeof *s->ruby);
        p->nruby = s->nruby;
    }
    p->lang = h->lang;
    p->file = s->doc->file;
    p->vertical = s->l->vertical;
    return p;
}

/* ---- blocks ----------------------------------------------------------------- */

typedef struct list {  /* a block list being appended to */
    tb_sblock **tail;
} list;

static tb_sblock *block(st *s, list *to, tb_sblock_kind k, const tb_node *n, const frame *f) {
    tb_sblock *b = TB_NEW(s->a, tb_sblock);
    b->kind = k;
    b->src = n;
    b->id = n ? n->id : NULL;
    b->area = f->area;
    b->st = f->sp;
    b->st_aux = -1;
    *to->tail = b;
    to->tail = &b->next;
    return b;
}

static void set_box(tb_sblock *b, const tb_props *p, const inh *h, const frame *f) {
    float sz = h->size;
    b->size = sz;
    b->leading = h->leading;
    b->before = em(p->before, sz);
    b->after = em(p->after, sz);
    b->start = em(p->start, sz);
    b->end = em(p->end, sz);
    b->indent = em(p->indent, sz);
    b->align = p->align;
    b->keep_with_next = p->keep_with_next;
    b->break_before = p->break_before;
    b->span_columns = p->span_columns;
    b->border = em(p->border, sz);
    b->border_color = p->border_color;
    b->padding = em(p->padding, sz);
    b->has_background = (p->mask & TB_P_BACKGROUND) != 0;
    b->background = p->background;
    b->rule_below = em(p->rule_below, sz);
    b->rule_color = p->rule_color;
    b->measure = (b->span_columns ? f->full : f->width) - b->start - b->end;
    if (b->measure < sz * 2) b->measure = sz * 2;
}

static void blocks(st *s, const tb_node *n, const inh *h, const frame *f, list *to);

static void text_block(st *s, const tb_node *n, const inh *parent, const frame *f, list *to, const char *key) {
    char kb[8];
    inh h;
    tb_props p = cascade(s, n, key ? key : key_of(n, kb), parent, &h);
    const char *role = n->el == TB_EL_FIGCAPTION || n->el == TB_EL_CAPTION ? "Caption"
                       : n->el == TB_EL_DT ? "Lbl" : "P";
    s->cur_st = sadd(s, role, f->sp, n);
    tb_para *para = para_of(s, n, &h, NULL);
    if (!para) return;
    tb_sblock *b = block(s, to, TB_SB_PARA, n, f);
    set_box(b, &p, &h, f);
    b->para = para;
    b->st = s->cur_st;
    /* Western typography: no indent for the first paragraph after a
    ** heading (or anything but another paragraph); CJK indents them all */
    if (n->el == TB_EL_P && !lang_in(h.lang, "ja zh ko")) {
        const tb_node *prev = NULL;
        for (const tb_node *c = n->parent ? n->parent->first : NULL; c && c != n; c = c->next)
            if (c->el != TB_EL_TEXT) prev = c;
        if (!prev || prev->el != TB_EL_P) b->indent = 0;
    }
}

static bool has_blocks(const tb_node *n) {
    for (const tb_node *c = n->first; c; c = c->next)
        if (c->el >= TB_EL_P && c->el <= TB_EL_COLUMNBREAK) return true;
    return false;
}

/* Mixed content (li, dd, td, blockquote): runs of inline content become
** anonymous paragraphs styled as the element itself. */
static void mixed(st *s, const tb_node *n, const inh *h, const tb_props *p, const frame *f, list *to,
                  tb_sblock **first) {
    const tb_node *c = n->first;
    while (c) {
        if (c->el >= TB_EL_P && c->el <= TB_EL_COLUMNBREAK) {
            tb_sblock **mark = to->tail;
            blocks(s, c, h, f, to);
            if (!*first && *mark) *first = *mark;
            c = c->next;
            continue;
        }
        /* a run of inline nodes: a temporary parent holds them */
        tb_node tmp = *n;
        tmp.first = (tb_node *)c;
        s->cur_st = f->sp;
        const tb_node *e = c;
        while (e->next && !(e->next->el >= TB_EL_P && e->next->el <= TB_EL_COLUMNBREAK)) e = e->next;
        tb_node *after = e->next;
        ((tb_node *)e)->next = NULL;
        tb_para *para = para_of(s, &tmp, h, NULL);
        ((tb_node *)e)->next = after;
        if (para) {
            tb_sblock *b = block(s, to, TB_SB_PARA, n, f);
            set_box(b, p, h, f);
            b->para = para;
            if (*first) b->before = 0, b->indent = 0;
            else *first = b;
        }
        c = after;
    }
}

static const char *marker_text(st *s, const char *style, int num, char *buf, size_t cap) {
    (void)s;
    if (!style || !strcmp(style, "decimal")) snprintf(buf, cap, "%d.", num);
    else if (!strcmp(style, "(decimal)")) snprintf(buf, cap, "(%d)", num);
    else if (!strcmp(style, "circled") && num >= 1 && num <= 20) {
        size_t k = tb_utf8_put(buf, 0x2460u + (unsigned)num - 1);
        buf[k] = 0;
    } else if (!strcmp(style, "circled")) snprintf(buf, cap, "(%d)", num);
    else snprintf(buf, cap, "%s", style);
    return buf;
}

static void list_items(st *s, const tb_node *n, const inh *parent, const frame *f, list *to) {
    char kb[8];
    inh lh;
    tb_props lp = cascade(s, n, key_of(n, kb), parent, &lh);
    frame lf = *f;
    lf.list_depth++;
    lf.sp = sadd(s, "L", f->sp, n);
    lf.width -= em(lp.start, lh.size) + em(lp.end, lh.size);
    float list_start = f->width - lf.width;
    int num = n->start;
    bool first_item = true;
    for (const tb_node *li = n->first; li; li = li->next) {
        if (li->el != TB_EL_LI) continue;
        inh h;
        tb_props p = cascade(s, li, "li", &lh, &h);
        const char *mstyle = (p.mask & TB_P_MARKER) ? p.marker : n->el == TB_EL_OL ? "decimal" : "・";
        if (n->el == TB_EL_OL && !(p.mask & TB_P_MARKER)) mstyle = "decimal";
        char mb[32];
        marker_text(s, mstyle, num++, mb, sizeof mb);
        float hang = n->el == TB_EL_OL ? (strlen(mb) > 3 ? 2.0f : 1.5f) * h.size : h.size;
        if ((unsigned char)mb[0] >= 0xE0 && strlen(mb) <= 3) hang = h.size; /* one CJK symbol */
        frame inner = lf;
        inner.width -= hang;
        int li_st = sadd(s, "LI", lf.sp, li);
        int lbl_st = sadd(s, "Lbl", li_st, NULL);
        inner.sp = sadd(s, "LBody", li_st, NULL);
        tb_sblock *firstb = NULL;
        tb_sblock **mark = to->tail;
        mixed(s, li, &h, &p, &inner, to, &firstb);
        for (tb_sblock *b = *mark; b; b = b->next) b->start += list_start + hang;
        if (firstb) {
            firstb->aux = para_of(s, li, &h, mb);
            firstb->st_aux = lbl_st;
            /* the marker is generated: drawn without text, announced as the
            ** label's ActualText */
            s->structs[lbl_st].actual = tb_arena_strdup(s->a, mb);
            firstb->aux_width = hang;
            firstb->indent = 0;
            if (first_item) firstb->before = em(lp.before, lh.size) > firstb->before ? em(lp.before, lh.size) : firstb->before;
            first_item = false;
        }
    }
    if (to->tail != NULL && !first_item) {
        /* space after the list goes on its last block */
    }
}

static void box(st *s, const tb_node *n, const inh *parent, const frame *f, list *to) {
    char kb[8];
    inh h;
    tb_props p = cascade(s, n, key_of(n, kb), parent, &h);
    tb_sblock *b = block(s, to, TB_SB_BOX, n, f);
    set_box(b, &p, &h, f);
    frame inner = *f;
    inner.width = b->measure - 2 * (b->padding + b->border);
    inner.sp = b->st = sadd(s, n->el == TB_EL_BLOCKQUOTE ? "BlockQuote" : "Div", f->sp, n);
    list sub = {&b->first};
    if (n->title) {
        inh th;
        tb_props tp = cascade(s, n, "aside-title", &h, &th);
        tb_para *para = para_of(s, n, &th, n->title);
        if (para) {
            tb_sblock *t = block(s, &sub, TB_SB_PARA, n, &inner);
            t->st = sadd(s, "P", inner.sp, NULL);
            set_box(t, &tp, &th, &inner);
            t->para = para;
            t->keep_with_next = true;
        }
    }
    if (has_blocks(n) || n->el == TB_EL_ASIDE) {
        tb_sblock *first = NULL;
        mixed(s, n, &h, &p, &inner, &sub, &first);
    } else {
        text_block(s, n, &h, &inner, &sub, "p");
    }
}

/* Text in the running-head style. */
static tb_para *running_para(st *s, const tb_node *n, const inh *h, const char *text) {
    inh rh = *h;
    rh.font = s->l->head_font;
    rh.bold = false;
    rh.size = em(s->l->head_size, h->size);
    rh.color = s->l->head_color;
    return text ? para_of(s, n, &rh, text) : NULL;
}

static void section(st *s, const tb_node *n, const inh *h, const frame *f, list *to) {
    frame sf = *f;
    sf.depth++;
    sf.sp = sadd(s, "Sect", f->sp, n);
    for (const tb_node *c = n->first; c; c = c->next) {
        if (c->el == TB_EL_TITLE) {
            char kb[8];
            inh th;
            tb_props p = cascade(s, c, key_of(c, kb), h, &th);
            static const char *const H[] = {"H1", "H2", "H3", "H4"};
            int d = sf.depth > 4 ? 4 : sf.depth < 1 ? 1 : sf.depth;
            s->cur_st = sadd(s, H[d - 1], sf.sp, c);
            tb_para *para = para_of(s, c, &th, NULL);
            if (!para) continue;
            tb_sblock *b = block(s, to, TB_SB_PARA, c, &sf);
            b->st = s->cur_st;
            set_box(b, &p, &th, &sf);
            b->para = para;
            b->heading = sf.depth > 4 ? 4 : sf.depth;
            b->id = n->id;
            b->src = n;
            b->outline = tb_node_plain_text(s->a, c);
            if (b->heading == 1 && s->l->head_section) b->running = running_para(s, c, h, b->outline);
        } else {
            blocks(s, c, h, &sf, to);
        }
    }
}

static void toc(st *s, const tb_node *n, const inh *parent, const frame *f, list *to) {
    inh h;
    tb_props p = cascade(s, n, "toc", parent, &h);
    int toc_st = sadd(s, "TOC", f->sp, n);
    const char *title = n->title ? n->title : tb_layout_string(s->l, "toc-title", h.lang, NULL);
    if (title) {
        inh th;
        tb_props tp = cascade(s, n, "toc-title", &h, &th);
        tb_para *para = para_of(s, n, &th, title);
        if (para) {
            tb_sblock *b = block(s, to, TB_SB_PARA, n, f);
            set_box(b, &tp, &th, f);
            b->para = para;
            b->keep_with_next = true;
            b->st = sadd(s, "P", toc_st, NULL);
        }
    }
    (void)p;
    /* entries: sections of levels 1 and 2, in order */
    const tb_node *stack[8];
    int sp = 0;
    stack[sp++] = s->doc->root->first;
    while (sp) {
        const tb_node *c = stack[--sp];
        for (; c; c = c->next) {
            if (c->el != TB_EL_SECTION) continue;
            int d = section_depth(c);
            const tb_node *t = c->first && c->first->el == TB_EL_TITLE ? c->first : NULL;
            if (t && d <= 2) {
                char key[8];
                snprintf(key, sizeof key, "toc%c", (char)('0' + (d > 2 ? 2 : d)));
                inh eh;
                tb_props ep = cascade(s, t, key, &h, &eh);
                s->cur_st = sadd(s, "TOCI", toc_st, NULL);
                tb_para *para = para_of(s, t, &eh, NULL);
                if (para) {
                    tb_sblock *b = block(s, to, TB_SB_PARA, t, f);
                    set_box(b, &ep, &eh, f);
                    b->st = b->st_aux = s->cur_st;
                    b->para = para;
                    b->target = c->id;
                    b->aux_right = true;
                    char num[16];
                    s->out->page_numbers = true;
                    int pg = c->id ? page_of(s, c->id) : -1;
                    snprintf(num, sizeof num, "%d", pg >= 0 ? pg + 1 : 10);
                    /* the number is the contents' own: diagnostics about it
                    ** (text near the trim) point at the <toc>, not the title */
                    b->aux = para_of(s, n, &eh, num);
                    b->aux_width = 3 * eh.size;
                    b->measure -= b->aux_width;
                    if (!c->id) b->aux = NULL;
                }
            }
            if (d < 2 && c->first && sp < 8) {
                /* descend after this section: push the rest, then the children */
                stack[sp++] = c->next;
                stack[sp++] = c->first;
                break;
            }
        }
    }
}

static void image(st *s, const tb_node *n, const inh *h, const frame *f, list *to);
static void table(st *s, const tb_node *n, const inh *h, const frame *f, list *to);
static void qr(st *s, const tb_node *n, const inh *h, const frame *f, list *to);

static void blocks(st *s, const tb_node *n, const inh *h, const frame *f, list *to) {
    switch (n->el) {
    case TB_EL_TEXT: break;
    case TB_EL_SECTION: section(s, n, h, f, to); break;
    case TB_EL_P: case TB_EL_DT: case TB_EL_FIGCAPTION: case TB_EL_CAPTION: case TB_EL_TITLE:
        text_block(s, n, h, f, to, NULL);
        break;
    case TB_EL_SUBTITLE: case TB_EL_AUTHOR: case TB_EL_PUBLISHER: case TB_EL_DATE:
        text_block(s, n, h, f, to, NULL);
        break;
    case TB_EL_UL: case TB_EL_OL: list_items(s, n, h, f, to); break;
    case TB_EL_DL: {
        /* a term and its descriptions: LI with Lbl and LBody */
        int l_st = sadd(s, "L", f->sp, n), li_st = -1;
        for (const tb_node *c = n->first; c; c = c->next) {
            if (c->el == TB_EL_DT) {
                frame tf = *f;
                tf.sp = li_st = sadd(s, "LI", l_st, c);
                text_block(s, c, h, &tf, to, NULL);
            } else if (c->el == TB_EL_DD) {
                char kb[8];
                inh dh;
                tb_props p = cascade(s, c, key_of(c, kb), h, &dh);
                frame df = *f;
                if (li_st < 0) li_st = sadd(s, "LI", l_st, c);
                df.sp = sadd(s, "LBody", li_st, c);
                float ind = (p.mask & TB_P_START) ? em(p.start, dh.size) : dh.size;
                df.width -= ind;
                p.start = (tb_len){0, false};
                tb_sblock *first = NULL;
                tb_sblock **mark = to->tail;
                mixed(s, c, &dh, &p, &df, to, &first);
                for (tb_sblock *b = *mark; b; b = b->next) b->start += ind;
            }
        }
        break;
    }
    case TB_EL_LI: case TB_EL_DD: case TB_EL_TD: case TB_EL_TH: {
        char kb[8];
        inh ih;
        tb_props p = cascade(s, n, key_of(n, kb), h, &ih);
        tb_sblock *first = NULL;
        mixed(s, n, &ih, &p, f, to, &first);
        break;
    }
    case TB_EL_ASIDE: case TB_EL_BLOCKQUOTE: box(s, n, h, f, to); break;
    case TB_EL_HR: {
        char kb[8];
        inh hh;
        tb_props p = cascade(s, n, key_of(n, kb), h, &hh);
        tb_sblock *b = block(s, to, TB_SB_RULE, n, f);
        set_box(b, &p, &hh, f);
        b->st = -1; /* a decoration */
        if (b->before == 0 && b->after == 0) b->before = b->after = hh.size * 0.5f;
        b->rule_below = b->border > 0 ? b->border : 0.5f;
        b->rule_color = (p.mask & TB_P_BORDER) ? p.border_color : hh.color;
        break;
    }
    case TB_EL_PAGEBREAK: block(s, to, TB_SB_PAGEBREAK, n, f); break;
    case TB_EL_COLUMNBREAK: block(s, to, TB_SB_COLUMNBREAK, n, f); break;
    case TB_EL_TOC: toc(s, n, h, f, to); break;
    case TB_EL_FIGURE: {
        frame ff = *f;
        ff.sp = sadd(s, "Figure", f->sp, n);
        /* the figure's text alternative: its images' alt texts */
        for (const tb_node *c = n->first; c; c = c->next)
            if (c->el == TB_EL_IMG && c->alt && !s->structs[ff.sp].alt) s->structs[ff.sp].alt = c->alt;
        for (const tb_node *c = n->first; c; c = c->next) {
            if (c->el == TB_EL_IMG) image(s, c, h, &ff, to);
            else if (c->el == TB_EL_FIGCAPTION) text_block(s, c, h, &ff, to, NULL);
        }
        break;
    }
    case TB_EL_IMG: image(s, n, h, f, to); break;
    case TB_EL_TABLE: table(s, n, h, f, to); break;
    case TB_EL_QR: qr(s, n, h, f, to); break;
    default: break;
    }
}

/* Images: only files inside the guide's folder. */
static bool read_png_jpeg_size(FILE *fp, unsigned *w, unsigned *h) {
    unsigned char b[32];
    if (fread(b, 1, 24, fp) != 24) return false;
    if (!memcmp(b, "\x89PNG\r\n\x1a\n", 8)) {
        *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
        *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
        return *w && *h;
    }
    if (b[0] == 0xFF && b[1] == 0xD8) {
        if (fseek(fp, 2, SEEK_SET)) return false;
        for (int guard = 0; guard < 10000; guard++) {
            int c = fgetc(fp);
            if (c != 0xFF) return false;
            int m;
            while ((m = fgetc(fp)) == 0xFF) {}
            if (m == EOF) return false;
            int hi = fgetc(fp), lo = fgetc(fp);
            if (hi == EOF || lo == EOF) return false;
            unsigned len = (unsigned)hi << 8 | (unsigned)lo;
            if ((m >= 0xC0 && m <= 0xC3) || (m >= 0xC5 && m <= 0xC7) || (m >= 0xC9 && m <= 0xCB) || (m >= 0xCD && m <= 0xCF)) {
                unsigned char s[5];
                if (fread(s, 1, 5, fp) != 5) return false;
                *h = (unsigned)s[1] << 8 | s[2];
                *w = (unsigned)s[3] << 8 | s[4];
                return *w && *h;
            }
            if (len < 2 || fseek(fp, (long)len - 2, SEEK_CUR)) return false;
        }
    }
    return false;
}

static void image(st *s, const tb_node *n, const inh *h, const frame *f, list *to) {
    if (!n->src) return;
    const char *file = s->doc->file;
    if (n->src[0] == '/' || strstr(n->src, "://")) {
        tb_error(s->ctx, file, n->line, n->col, "<img src=\"%s\">: images must be given relative to the guide's folder", n->src);
        return;
    }
    /* a path that climbs out of the folder is refused before anything is
    ** looked up (an existing file or not, it is not the guide's) */
    int depth = 0;
    for (const char *q = n->src; *q;) {
        size_t k = strcspn(q, "/");
        if (k == 2 && q[0] == '.' && q[1] == '.') depth--;
        else if (k && !(k == 1 && q[0] == '.')) depth++;
        if (depth < 0) {
            tb_error(s->ctx, file, n->line, n->col, "<img src=\"%s\">: the image is outside the guide's folder", n->src);
            return;
        }
        q += k;
        while (*q == '/') q++;
    }
    char joined[PATH_MAX], real[PATH_MAX], dir[PATH_MAX];
    snprintf(joined, sizeof joined, "%s/%s", s->doc->dir, n->src);
    if (!realpath(s->doc->dir, dir)) {
        tb_error(s->ctx, file, n->line, n->col, "cannot resolve the guide's folder");
        return;
    }
    if (!realpath(joined, real)) {
        tb_error(s->ctx, file, n->line, n->col, "<img src=\"%s\">: no such image", n->src);
        return;
    }
    size_t dl = strlen(dir);
    if (strncmp(real, dir, dl) || real[dl] != '/') {
        tb_error(s->ctx, file, n->line, n->col, "<img src=\"%s\">: the image is outside the guide's folder", n->src);
        return;
    }
    FILE *fp = fopen(real, "rb");
    unsigned w = 0, hh = 0;
    bool ok = fp && read_png_jpeg_size(fp, &w, &hh);
    if (fp) fclose(fp);
    if (!ok) {
        tb_error(s->ctx, file, n->line, n->col, "<img src=\"%s\">: not a PNG or JPEG image", n->src);
        return;
    }
    if ((unsigned long long)w * hh > s->ctx->limits.max_image_px) {
        tb_error(s->ctx, file, n->line, n->col, "<img src=\"%s\">: %u×%u pixels is more than the limit of %zu",
                 n->src, w, hh, s->ctx->limits.max_image_px);
        return;
    }
    char kb[8];
    inh ih;
    tb_props p = cascade(s, n, key_of(n, kb), h, &ih);
    tb_sblock *b = block(s, to, TB_SB_IMAGE, n, f);
    set_box(b, &p, &ih, f);
    if (strcmp(s->structs[f->sp].type, "Figure")) {
        b->st = sadd(s, "Figure", f->sp, n);
        s->structs[b->st].alt = n->alt;
    }
    float width = b->measure;
    if (n->width) {
        size_t k = strlen(n->width);
        tb_len l;
        if (k && n->width[k - 1] == '%') width = b->measure * strtof(n->width, NULL) / 100;
        else if (tb_len_parse(n->width, &l)) width = l.em ? l.v * ih.size : l.v;
        else tb_error(s->ctx, file, n->line, n->col, "<img width=\"%s\">: say a length or a percentage", n->width);
    }
    if (width > b->measure) width = b->measure;
    if (width < 1) width = 1;
    b->img_path = tb_arena_strdup(s->a, real);
    b->img_w = width;
    b->img_h = width * (float)hh / (float)w;
    b->keep_with_next = true;
}

/* ---- tables ---------------------------------------------------------------- */

enum { MAX_COLS = 64 };

/* Width a cell's text asks for, in em: CJK characters count one, others
** about half; capped so that one long cell does not starve the others. */
static float text_ems(st *s, const tb_node *cell, float *longest_out) {
    const char *t = tb_node_plain_text(s->a, cell);
    float ems = 0, word = 0, longest = 0;
    int prev = 0; /* 1 CJK, 2 other: a change costs the ¼ em 和欧間 */
    while (*t) {
        unsigned c = tb_utf8_next(&t);
        float w = c >= 0x2E80 ? 1.0f : 0.55f;
        int kind = c == ' ' ? 0 : c >= 0x2E80 ? 1 : 2;
        if (prev && kind && kind != prev) ems += 0.25f;
        if (kind) prev = kind;
        ems += w;
        if (c == ' ' || c >= 0x2E80) word = 0;
        else word += w;
        if (word > longest) longest = word;
    }
    if (longest_out) *longest_out = longest > 24 ? 24 : longest;
    return ems < 2 ? 2 : ems > 200 ? 200 : ems;
}

static void table(st *s, const tb_node *n, const inh *h, const frame *f, list *to) {
    char kb[8];
    inh th;
    tb_props tp = cascade(s, n, key_of(n, kb), h, &th);
    int table_st = sadd(s, "Table", f->sp, n);
    /* the caption goes above, kept with the table */
    for (const tb_node *c = n->first; c; c = c->next)
        if (c->el == TB_EL_CAPTION) {
            tb_sblock **mark = to->tail;
            frame cf = *f;
            cf.sp = table_st;
            text_block(s, c, h, &cf, to, NULL);
            if (*mark) (*mark)->keep_with_next = true;
        }
    /* rows in order: thead first, then tbody or bare rows */
    const tb_node *rows[4096];
    bool head[4096];
    size_t nrows = 0;
    for (int pass = 0; pass < 2; pass++)
        for (const tb_node *c = n->first; c; c = c->next) {
            bool is_head = c->el == TB_EL_THEAD;
            if ((pass == 0) != is_head) continue;
            if (c->el == TB_EL_TR) { if (nrows < 4096) head[nrows] = false, rows[nrows++] = c; continue; }
            if (c->el != TB_EL_THEAD && c->el != TB_EL_TBODY) continue;
            for (const tb_node *r = c->first; r; r = r->next)
                if (r->el == TB_EL_TR && nrows < 4096) head[nrows] = is_head, rows[nrows++] = r;
        }
    if (nrows == 4096) tb_error(s->ctx, s->doc->file, n->line, n->col, "a table has more than 4096 rows");
    if (!nrows) return;
    /* the grid: place cells, honouring rowspans from rows above */
    int *busy = calloc(MAX_COLS, sizeof *busy); /* rows still covered per column */
    int ncols = 0;
    float want[MAX_COLS] = {0}, word[MAX_COLS] = {0}; /* in em */
    typedef struct { const tb_node *cell; int row, col; } placed;
    placed *cells = calloc(nrows * MAX_COLS, sizeof *cells);
    size_t ncells = 0;
    for (size_t r = 0; r < nrows; r++) {
        int col = 0;
        for (const tb_node *c = rows[r]->first; c; c = c->next) {
            if (c->el != TB_EL_TD && c->el != TB_EL_TH) continue;
            while (col < MAX_COLS && busy[col] > 0) col++;
            int span = c->colspan;
            if (col + span > MAX_COLS) {
                tb_error(s->ctx, s->doc->file, c->line, c->col, "a table row has more than %d columns", MAX_COLS);
                break;
            }
            cells[ncells++] = (placed){c, (int)r, col};
            int rs = c->rowspan;
            if ((size_t)rs > nrows - r) rs = (int)(nrows - r);
            for (int k = col; k < col + span; k++) busy[k] = rs;
            if (span == 1) {
                float lw, e = text_ems(s, c, &lw);
                if (e > want[col]) want[col] = e;
                if (lw > word[col]) word[col] = lw;
            }
            col += span;
            if (col > ncols) ncols = col;
        }
        for (int k = 0; k < MAX_COLS; k++)
            if (busy[k] > 0) busy[k]--;
    }
    free(busy);
    if (!ncols) { free(cells); return; }
    /* column widths: in proportion to what their text asks, none under 3 em */
    tb_sblock *tb = block(s, to, TB_SB_TABLE, n, f);
    set_box(tb, &tp, &th, f);
    tb->st = table_st;
    /* each column asks for its text plus the cells' padding (1.6 em) */
    float total = 0, W = tb->measure, minw = 4.6f * th.size;
    for (int k = 0; k < ncols; k++) {
        if (want[k] < 2) want[k] = 2;
        want[k] += 1.6f;
        total += want[k];
    }
    float cw[MAX_COLS], x[MAX_COLS + 1];
    for (int k = 0; k < ncols; k++) want[k] = fmaxf(want[k] * th.size, minw); /* now in pt */
    total = 0;
    for (int k = 0; k < ncols; k++) total += want[k];
    if (total <= W) {
        /* everything fits on one line: share the spare room in proportion */
        for (int k = 0; k < ncols; k++) cw[k] = want[k] * W / total;
    } else {
        /* columns asking for less than a fair share get what they ask;
        ** the others share what is left in proportion to their text */
        bool fixed[MAX_COLS] = {false};
        float rem = W;
        int nrem = ncols;
        for (bool again = true; again && nrem > 0;) {
            again = false;
            float share = rem / (float)nrem;
            for (int k = 0; k < ncols; k++)
                if (!fixed[k] && want[k] <= share) {
                    fixed[k] = true;
                    cw[k] = want[k];
                    rem -= want[k];
                    nrem--;
                    again = true;
                }
        }
        /* the rest share by the square root of what they ask, so that one
        ** long column does not squeeze short ones to a word a line; one
        ** whose share would pass what it asks gets what it asks */
        for (bool again = true; again && nrem > 0;) {
            again = false;
            float wsum = 0;
            for (int k = 0; k < ncols; k++)
                if (!fixed[k]) wsum += sqrtf(want[k]);
            for (int k = 0; k < ncols; k++)
                if (!fixed[k]) cw[k] = wsum > 0 ? rem * sqrtf(want[k]) / wsum : minw;
            for (int k = 0; k < ncols; k++)
                if (!fixed[k] && cw[k] >= want[k]) {
                    fixed[k] = true;
                    cw[k] = want[k];
                    rem -= want[k];
                    nrem--;
                    again = true;
                }
        }
    }
    /* no column narrower than its longest word (where the table allows):
    ** the shortfall comes from the columns with room to spare */
    float need[MAX_COLS], short_by = 0, slack = 0;
    for (int k = 0; k < ncols; k++) {
        need[k] = fminf((word[k] + 1.6f) * th.size, W / (float)ncols);
        if (cw[k] < need[k]) short_by += need[k] - cw[k];
        else slack += cw[k] - need[k];
    }
    if (short_by > 0 && slack > 0) {
        float take = fminf(short_by, slack), give = take / short_by;
        for (int k = 0; k < ncols; k++)
            if (cw[k] < need[k]) cw[k] += (need[k] - cw[k]) * give;
            else cw[k] -= (cw[k] - need[k]) * take / slack;
    }
    x[0] = 0;
    for (int k = 0; k < ncols; k++) x[k + 1] = x[k] + cw[k];
    tb->colspan = ncols;
    /* rows and cells */
    list rl = {&tb->first};
    size_t ci = 0;
    for (size_t r = 0; r < nrows; r++) {
        tb_sblock *row = block(s, &rl, TB_SB_ROW, rows[r], f);
        row->header = head[r];
        row->st = sadd(s, "TR", table_st, rows[r]);
        list cl = {&row->first};
        for (; ci < ncells && cells[ci].row == (int)r; ci++) {
            const tb_node *c = cells[ci].cell;
            int k = cells[ci].col, span = c->colspan;
            inh ch;
            tb_props cp = cascade(s, c, key_of(c, kb), &th, &ch);
            tb_sblock *cb = block(s, &cl, TB_SB_CELL, c, f);
            set_box(cb, &cp, &ch, f);
            if (!(cp.mask & TB_P_PADDING)) cb->padding = 0.3f * ch.size;
            /* across, at least 0.8 em: text of neighbouring cells closer than
            ** 1.5 em runs together into one line for text extractors */
            cb->pad_x = fmaxf(cb->padding, 0.8f * ch.size);
            cb->col = k;
            cb->colspan = span;
            cb->rowspan = c->rowspan > (int)(nrows - r) ? (int)(nrows - r) : c->rowspan;
            cb->cell_x = x[k];
            cb->cell_w = x[k + span] - x[k];
            cb->header = c->el == TB_EL_TH || head[r];
            cb->st = sadd(s, c->el == TB_EL_TH ? "TH" : "TD", row->st, c);
            s->structs[cb->st].colspan = span;
            s->structs[cb->st].rowspan = cb->rowspan;
            s->structs[cb->st].col_header = head[r];
            frame cf = *f;
            cf.sp = cb->st;
            cf.width = cb->cell_w - 2 * cb->pad_x;
            if (cf.width < ch.size) cf.width = ch.size;
            list inner = {&cb->first};
            tb_sblock *first = NULL;
            tb_props content = cp;
            content.mask &= ~(unsigned)(TB_P_BACKGROUND | TB_P_BORDER | TB_P_PADDING | TB_P_START | TB_P_END);
            content.start = content.end = (tb_len){0, false};
            content.indent = (tb_len){0, false};
            content.before = content.after = (tb_len){0, false};
            mixed(s, c, &ch, &content, &cf, &inner, &first);
        }
    }
    free(cells);
}

/* A QR code from libqrencode: modules as data, drawn as vector squares. */
static void qr(st *s, const tb_node *n, const inh *h, const frame *f, list *to) {
    char kb[8];
    inh qh;
    tb_props p = cascade(s, n, key_of(n, kb), h, &qh);
    if (!n->href || !*n->href) return;
    int qn = 0;
    const char *why = NULL;
    unsigned char *q = tb_qr_encode(n->href, &qn, &why);
    if (!q) {
        tb_error(s->ctx, s->doc->file, n->line, n->col, "<qr href=\"%.60s\">: %s", n->href, why);
        return;
    }
    tb_sblock *b = block(s, to, TB_SB_QR, n, f);
    set_box(b, &p, &qh, f);
    b->st = sadd(s, "Figure", f->sp, n);
    {
        size_t k = strlen(n->href) + 32;
        char *alt = tb_arena_alloc(s->a, k);
        snprintf(alt, k, "QR code: %s", n->href);
        s->structs[b->st].alt = alt;
    }
    b->qr_n = qn;
    unsigned char *bits = tb_arena_alloc(s->a, (size_t)qn * (size_t)qn);
    memcpy(bits, q, (size_t)qn * (size_t)qn);
    b->qr = bits;
    b->href = n->href;
    free(q);
    float size = 25 * 72 / 25.4f;
    if (n->size) {
        tb_len l;
        if (tb_len_parse(n->size, &l)) size = l.em ? l.v * qh.size : l.v;
        else tb_error(s->ctx, s->doc->file, n->line, n->col, "<qr size=\"%s\">: not a length", n->size);
    }
    if (size > b->measure) size = b->measure;
    if (size < 36) size = 36; /* below ~12 mm phones fail to read it */
    b->img_w = b->img_h = size;
}

static const char *meta_text(st *s, tb_el el) {
    if (!s->doc->meta) return NULL;
    for (const tb_node *c = s->doc->meta->first; c; c = c->next)
        if (c->el == el) return tb_node_plain_text(s->a, c);
    return NULL;
}

tb_styled *tb_style_run(tb_ctx *ctx, tb_arena *a, const tb_doc *doc, const tb_layout *l, const tb_pagemap *pages) {
    st s = {.ctx = ctx, .a = a, .doc = doc, .l = l, .pages = pages};
    tb_styled *out = TB_NEW(a, tb_styled);
    s.out = out;
    out->doc = doc;
    out->layout = l;
    out->lang = doc->lang ? doc->lang : l->lang;
    out->title = meta_text(&s, TB_EL_TITLE);
    out->subtitle = meta_text(&s, TB_EL_SUBTITLE);
    out->author = meta_text(&s, TB_EL_AUTHOR);
    out->publisher = meta_text(&s, TB_EL_PUBLISHER);
    out->date = meta_text(&s, TB_EL_DATE);
    out->description = meta_text(&s, TB_EL_DESCRIPTION);
    out->keywords = meta_text(&s, TB_EL_KEYWORDS);
    inh root = {"body", false, 10, 17, BLACK, out->lang};
    inh h;
    cascade(&s, doc->root, "guide", &root, &h);
    list cover = {&out->cover}, body = {&out->body}, back = {&out->back};
    s.cur_st = sadd(&s, "Document", -1, doc->root);
    frame fb = {TB_AREA_BODY, tb_style_column_width(l, &l->body),
                l->vertical ? l->height - l->body.top - l->body.bottom : l->width - l->body.inner - l->body.outer, 0, 0, 0};
    frame fc = {TB_AREA_COVER, tb_style_column_width(l, &l->cover), l->width - l->cover.inner - l->cover.outer, 0, 0, 0};
    frame fk = {TB_AREA_BACK, tb_style_column_width(l, &l->back), l->width - l->back.inner - l->back.outer, 0, 0, 0};
    if (l->body.npanel_order) fc = fb, fc.area = TB_AREA_COVER, fk = fb, fk.area = TB_AREA_BACK;
    for (const tb_node *c = doc->root->first; c; c = c->next) {
        if (c->el == TB_EL_META) continue;
        if (c->el == TB_EL_COVER) {
            frame f = fc;
            f.sp = sadd(&s, "Div", 0, c);
            for (const tb_node *k = c->first; k; k = k->next) blocks(&s, k, &h, &f, &cover);
        } else if (c->el == TB_EL_BACK_COVER) {
            frame f = fk;
            f.sp = sadd(&s, "Div", 0, c);
            for (const tb_node *k = c->first; k; k = k->next) blocks(&s, k, &h, &f, &back);
        } else {
            blocks(&s, c, &h, &fb, &body);
        }
    }
    /* folio: the digits in the folio style, for paginate to compose */
    {
        tb_props fp = {0};
        inh fh = h;
        fh.font = l->folio_font;
        fh.size = em(l->folio_size, h.size);
        fh.color = l->folio_color;
        fh.bold = false;
        (void)fp;
        char t[64];
        const char *pc = strstr(l->folio_format, "%d");
        snprintf(t, sizeof t, "%.*s0123456789%s", (int)(pc - l->folio_format), l->folio_format, pc + 2);
        out->folio_digits = para_of(&s, doc->root, &fh, t);
        out->folio_format = l->folio_format;
    }
    if (l->head_title) out->running_title = running_para(&s, doc->root, &h, out->title);
    /* into the arena at its size: doubling there would leave every smaller
       copy behind (a fifth of the ×50 book's styled tree) */
    out->structs = s.nst ? TB_NEWN(a, tb_struct, s.nst) : NULL;
    if (s.nst) memcpy(out->structs, s.structs, s.nst * sizeof *s.structs);
    out->nstructs = s.nst;
    free(s.structs);
    free(s.buf);
    free(s.spans);
    free(s.ruby);
    return out;
}
