/*
** layout.c — reading layouts/<name>.xml; see layout.h.
*/
#include "layout.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../base/arena.h"

#define MM (72.0f / 25.4f)

struct tb_layouts {
    tb_ctx *ctx;
    tb_arena *a;              /* owns every layout and its strings */
    tb_layout **v;            /* loaded; NULL entries for failed loads */
    char **keys;              /* owned: name or path asked for */
    size_t n;
};

tb_layouts *tb_layouts_new(tb_ctx *ctx) {
    tb_layouts *ls = calloc(1, sizeof *ls);
    ls->ctx = ctx;
    ls->a = tb_arena_new();
    return ls;
}

void tb_layouts_free(tb_layouts *ls) {
    if (!ls) return;
    for (size_t i = 0; i < ls->n; i++) free(ls->keys[i]);
    free(ls->keys);
    free(ls->v);
    tb_arena_free(ls->a);
    free(ls);
}

bool tb_len_parse(const char *s, tb_len *out) {
    char *end;
    while (*s == ' ') s++;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v)) return false;
    while (*end == ' ') end++;
    tb_len l = {0, false};
    if (!strcmp(end, "pt")) l.v = (float)v;
    else if (!strcmp(end, "mm")) l.v = (float)(v * MM);
    else if (!strcmp(end, "cm")) l.v = (float)(v * 10 * MM);
    else if (!strcmp(end, "in")) l.v = (float)(v * 72);
    else if (!strcmp(end, "Q") || !strcmp(end, "H")) l.v = (float)(v * 0.25 * MM);
    else if (!strcmp(end, "em")) { l.v = (float)v; l.em = true; }
    else if (!*end && v == 0) l.v = 0;
    else return false;
    if (fabsf(l.v) > 10000) return false;
    *out = l;
    return true;
}

/* A colour given in RGB alone: a naive CMYK for print (no profile). */
static void naive_cmyk(tb_color *c) {
    float k = 1 - fmaxf(c->r, fmaxf(c->g, c->b));
    c->k = k;
    c->c = k < 1 ? (1 - c->r - k) / (1 - k) : 0;
    c->m = k < 1 ? (1 - c->g - k) / (1 - k) : 0;
    c->y = k < 1 ? (1 - c->b - k) / (1 - k) : 0;
}

static bool parse_nums(const char *s, float *v, int n) {
    for (int i = 0; i < n; i++) {
        char *end;
        v[i] = strtof(s, &end);
        if (end == s) return false;
        s = end;
        while (*s == ' ') s++;
        if (i < n - 1) {
            if (*s != ',') return false;
            s++;
        }
    }
    while (*s == ' ') s++;
    return *s == ')';
}

bool tb_color_parse(const char *s, tb_color *out) {
    tb_color c = {0};
    bool any = false;
    while (*s) {
        while (*s == ' ') s++;
        if (!*s) break;
        float v[4];
        if (!strncmp(s, "cmyk(", 5)) {
            if (!parse_nums(s + 5, v, 4)) return false;
            for (int i = 0; i < 4; i++)
                if (v[i] < 0 || v[i] > 100) return false;
            c.c = v[0] / 100; c.m = v[1] / 100; c.y = v[2] / 100; c.k = v[3] / 100;
            if (!c.has_rgb) {
                c.r = (1 - c.c) * (1 - c.k); c.g = (1 - c.m) * (1 - c.k); c.b = (1 - c.y) * (1 - c.k);
            }
            any = true;
        } else if (*s == '#') {
            /* #RRGGBB: RGB for the web, a naive CMYK for print */
            unsigned v;
            int used = 0;
            if (sscanf(s + 1, "%6x%n", &v, &used) != 1 || used != 6) return false;
            c.r = (float)((v >> 16) & 255) / 255;
            c.g = (float)((v >> 8) & 255) / 255;
            c.b = (float)(v & 255) / 255;
            c.has_rgb = true;
            if (!any) naive_cmyk(&c);
            any = true;
            s += 7;
            continue;
        } else if (!strncmp(s, "rgb(", 4)) {
            if (!parse_nums(s + 4, v, 3)) return false;
            for (int i = 0; i < 3; i++)
                if (v[i] < 0 || v[i] > 255) return false;
            c.r = v[0] / 255; c.g = v[1] / 255; c.b = v[2] / 255;
            c.has_rgb = true;
            if (!any) naive_cmyk(&c); /* RGB only */
            any = true;
        } else {
            return false;
        }
        s = strchr(s, ')') + 1;
    }
    if (!any) return false;
    *out = c;
    return true;
}

typedef struct reader {
    tb_layouts *ls;
    tb_layout *l;
    const char *file;
    xmlNode *node;
    int line;
    const char *allowed;   /* attributes this element may carry */
} reader;

static const char *attr(reader *r, const char *name) {
    xmlChar *v = xmlGetNoNsProp(r->node, (const xmlChar *)name);
    if (!v) return NULL;
    char *s = tb_arena_strdup(r->ls->a, (const char *)v);
    xmlFree(v);
    return s;
}

static void bad(reader *r, const char *name, const char *v, const char *want) {
    tb_error(r->ls->ctx, r->file, r->line, 1, "<%s %s=\"%s\">: %s", (const char *)r->node->name, name, v, want);
}

static bool get_len(reader *r, const char *name, tb_len *out) {
    const char *v = attr(r, name);
    if (!v) return false;
    if (!tb_len_parse(v, out)) {
        bad(r, name, v, "not a length (say 12mm, 9.5pt, 14Q or 1em)");
        return false;
    }
    return true;
}

/* A type size (folio, running head): a length above 0.  A size of 0 or
** less would reach the shaper and the renderer (found by fuzz/fuzz_layout). */
static bool get_size(reader *r, const char *name, tb_len *out) {
    tb_len l;
    if (!get_len(r, name, &l)) return false;
    if (!(l.v > 0)) {
        bad(r, name, attr(r, name), "a type size must be more than 0");
        return false;
    }
    *out = l;
    return true;
}

static bool get_pt(reader *r, const char *name, float *out) {
    tb_len l;
    if (!get_len(r, name, &l)) return false;
    if (l.em) {
        bad(r, name, attr(r, name), "em is not allowed here: give mm, pt or Q");
        return false;
    }
    *out = l.v;
    return true;
}

static bool get_color(reader *r, const char *name, tb_color *out) {
    const char *v = attr(r, name);
    if (!v) return false;
    if (!tb_color_parse(v, out)) {
        bad(r, name, v, "not a colour (say cmyk(0,0,0,100) or cmyk(…) rgb(…), each 0-100 / 0-255)");
        return false;
    }
    return true;
}

/* An attribute with two keywords: OFF (the default) or ON. */
static void get_choice(reader *r, const char *name, const char *off, const char *on, bool *out) {
    const char *v = attr(r, name);
    if (!v) return;
    if (!strcmp(v, on)) *out = true;
    else if (!strcmp(v, off)) *out = false;
    else {
        char want[96];
        snprintf(want, sizeof want, "say %s or %s", off, on);
        bad(r, name, v, want);
    }
}

static bool get_bool(reader *r, const char *name, bool *out) {
    const char *v = attr(r, name);
    if (!v) return false;
    if (!strcmp(v, "true") || !strcmp(v, "yes")) *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "no")) *out = false;
    else { bad(r, name, v, "say true or false"); return false; }
    return true;
}

static bool get_int(reader *r, const char *name, int *out, int lo, int hi) {
    const char *v = attr(r, name);
    if (!v) return false;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < lo || n > hi) {
        char want[64];
        snprintf(want, sizeof want, "a whole number from %d to %d", lo, hi);
        bad(r, name, v, want);
        return false;
    }
    *out = (int)n;
    return true;
}

static void check_attrs(reader *r) {
    for (xmlAttr *a = r->node->properties; a; a = a->next) {
        const char *n = (const char *)a->name;
        if (a->ns && !strcmp(n, "lang")) continue;
        char key[64];
        snprintf(key, sizeof key, " %s ", n);
        if (!strstr(r->allowed, key))
            tb_error(r->ls->ctx, r->file, r->line, 1, "unknown attribute '%s' on <%s> in a layout", n,
                     (const char *)r->node->name);
    }
}

static void read_page(reader *r) {
    tb_layout *l = r->l;
    r->allowed = " size orientation width height bleed binding facing hang-punctuation writing-mode "
                 "pdfx ink-limit marks furigana-style ruby ruby-space ";
    check_attrs(r);
    const char *size = attr(r, "size");
    float w = 210 * MM, h = 297 * MM;
    if (size) {
        if (!strcmp(size, "A4")) w = 210 * MM, h = 297 * MM;
        else if (!strcmp(size, "A5")) w = 148 * MM, h = 210 * MM;
        else if (!strcmp(size, "A3")) w = 297 * MM, h = 420 * MM;
        else if (!strcmp(size, "B5")) w = 182 * MM, h = 257 * MM; /* JIS B5 */
        else if (!strcmp(size, "B6")) w = 128 * MM, h = 182 * MM;
        else if (!strcmp(size, "custom")) {
            if (!get_pt(r, "width", &w) || !get_pt(r, "height", &h))
                tb_error(r->ls->ctx, r->file, r->line, 1, "size=\"custom\" needs width and height");
        } else bad(r, "size", size, "say A4, A5, A3, B5 (JIS), B6 or custom");
    }
    const char *o = attr(r, "orientation");
    if (o && !strcmp(o, "landscape")) { float t = w; w = h; h = t; }
    else if (o && strcmp(o, "portrait")) bad(r, "orientation", o, "say portrait or landscape");
    if (w < 72 || h < 72 || w > 14400 || h > 14400)
        tb_error(r->ls->ctx, r->file, r->line, 1, "page size %.0f×%.0f pt is impossible", w, h);
    l->width = w;
    l->height = h;
    get_pt(r, "bleed", &l->bleed);
    const char *b = attr(r, "binding");
    if (b) l->saddle = !strcmp(b, "saddle");
    get_bool(r, "facing", &l->facing);
    get_bool(r, "hang-punctuation", &l->hang_punct);
    get_choice(r, "furigana-style", "ruby", "parentheses", &l->furigana_parens);
    get_choice(r, "ruby", "mono", "jukugo", &l->ruby_jukugo);
    get_choice(r, "ruby-space", "grow", "reserve", &l->ruby_reserve);
    get_choice(r, "writing-mode", "horizontal-tb", "vertical-rl", &l->vertical);
    /* print variant (read by render) */
    l->page_line = r->line;
    const char *x = attr(r, "pdfx");
    if (x && !strcmp(x, "x1a")) l->pdfx = 1;
    else if (x && !strcmp(x, "x4")) l->pdfx = 4;
    else if (x) bad(r, "pdfx", x, "say x1a (PDF/X-1a:2001) or x4 (PDF/X-4)");
    const char *ink = attr(r, "ink-limit");
    if (ink) {
        char *end;
        double v = strtod(ink, &end);
        if (end != ink && *end == '%') end++;
        if (end == ink || *end || !(v >= 100 && v <= 350))
            bad(r, "ink-limit", ink, "a total ink in percent from 100 to 350");
        else l->ink_limit = (float)v;
    }
    bool marks = true;
    if (get_bool(r, "marks", &marks)) l->no_marks = !marks;
}

static void read_master(reader *r) {
    r->allowed = " name columns column-gap margin-top margin-bottom margin-inner margin-outer "
                 "margin folio valign background grid column-widths column-widths-verso "
                 "panel-padding panel-order ";
    check_attrs(r);
    const char *name = attr(r, "name");
    tb_master *m = NULL;
    if (name && !strcmp(name, "cover")) m = &r->l->cover;
    else if (name && !strcmp(name, "body")) m = &r->l->body;
    else if (name && !strcmp(name, "back-cover")) m = &r->l->back;
    if (!m) {
        bad(r, "name", name ? name : "", "say cover, body or back-cover");
        return;
    }
    m->name = name;
    m->line = r->line;
    float all;
    if (get_pt(r, "margin", &all)) m->top = m->bottom = m->inner = m->outer = all;
    get_pt(r, "margin-top", &m->top);
    get_pt(r, "margin-bottom", &m->bottom);
    get_pt(r, "margin-inner", &m->inner);
    get_pt(r, "margin-outer", &m->outer);
    get_int(r, "columns", &m->columns, 1, 12);
    get_pt(r, "column-gap", &m->column_gap);
    get_bool(r, "folio", &m->folio);
    get_pt(r, "grid", &m->grid);
    get_pt(r, "panel-padding", &m->panel_padding);
    const char *names[2] = {"column-widths", "column-widths-verso"};
    for (int k = 0; k < 2; k++) {
        const char *v = attr(r, names[k]);
        if (!v) continue;
        float *w = k ? m->colw_verso : m->colw;
        int *nw = k ? &m->ncolw_verso : &m->ncolw;
        char *copy = tb_arena_strdup(r->ls->a, v);
        float sum = 0;
        for (char *t = strtok(copy, " "); t; t = strtok(NULL, " ")) {
            tb_len len;
            if (*nw == 12 || !tb_len_parse(t, &len) || len.em || len.v <= 0) {
                bad(r, names[k], v, "say one length per column, e.g. 97mm 100mm 100mm");
                *nw = 0;
                break;
            }
            w[(*nw)++] = len.v;
            sum += len.v;
        }
        if (*nw && *nw != m->columns)
            bad(r, names[k], v, "give as many widths as the master has columns");
        else if (*nw && fabsf(sum - r->l->width) > 1)
            bad(r, names[k], v, "the widths must add up to the page width");
    }
    const char *po = attr(r, "panel-order");
    if (po) {
        char *copy = tb_arena_strdup(r->ls->a, po);
        bool seen[25] = {false};
        for (char *t = strtok(copy, " "); t; t = strtok(NULL, " ")) {
            int v = atoi(t);
            if (m->npanel_order == 24 || v < 1 || v > 24 || seen[v]) {
                bad(r, "panel-order", po, "say each panel number once, e.g. 5 6 1 2 3 4");
                m->npanel_order = 0;
                break;
            }
            seen[v] = true;
            m->panel_order[m->npanel_order++] = v;
        }
        for (int i = 1; i <= m->npanel_order; i++)
            if (!seen[i]) {
                bad(r, "panel-order", po, "panels must be numbered 1 to N without gaps");
                m->npanel_order = 0;
                break;
            }
        if (m->npanel_order % m->columns)
            bad(r, "panel-order", po, "the panels must fill whole pages of columns");
    }
    const char *va = attr(r, "valign");
    if (va) m->valign_center = !strcmp(va, "center");
    m->has_background = get_color(r, "background", &m->background);
}

static tb_props *rule_props(reader *r, tb_props *p) {
    const char *v;
    if ((v = attr(r, "font"))) p->font = v, p->mask |= TB_P_FONT;
    if ((v = attr(r, "weight"))) {
        p->mask |= TB_P_BOLD;
        p->bold = !strcmp(v, "bold");
        if (strcmp(v, "bold") && strcmp(v, "regular")) bad(r, "weight", v, "say regular or bold");
    }
    if (get_len(r, "size", &p->size)) p->mask |= TB_P_SIZE;
    if (get_len(r, "leading", &p->leading)) p->mask |= TB_P_LEADING;
    if (get_color(r, "color", &p->color)) p->mask |= TB_P_COLOR;
    if (get_len(r, "space-before", &p->before)) p->mask |= TB_P_BEFORE;
    if (get_len(r, "space-after", &p->after)) p->mask |= TB_P_AFTER;
    if (get_len(r, "indent", &p->indent)) p->mask |= TB_P_INDENT;
    if (get_len(r, "margin-start", &p->start)) p->mask |= TB_P_START;
    if (get_len(r, "margin-end", &p->end)) p->mask |= TB_P_END;
    if ((v = attr(r, "align"))) {
        p->mask |= TB_P_ALIGN;
        if (!strcmp(v, "justify")) p->align = TB_ALIGN_JUSTIFY;
        else if (!strcmp(v, "start") || !strcmp(v, "left")) p->align = TB_ALIGN_START;
        else if (!strcmp(v, "center")) p->align = TB_ALIGN_CENTER;
        else if (!strcmp(v, "end") || !strcmp(v, "right")) p->align = TB_ALIGN_END;
        else bad(r, "align", v, "say justify, start, center or end");
    }
    if (get_len(r, "border", &p->border)) {
        p->mask |= TB_P_BORDER;
        p->border_color = (tb_color){0, 0, 0, 1, 0, 0, 0, false};
    }
    get_color(r, "border-color", &p->border_color);
    if (get_color(r, "background", &p->background)) p->mask |= TB_P_BACKGROUND;
    if (get_len(r, "padding", &p->padding)) p->mask |= TB_P_PADDING;
    if (get_bool(r, "keep-with-next", &p->keep_with_next)) p->mask |= TB_P_KEEP;
    if (get_bool(r, "page-break-before", &p->break_before)) p->mask |= TB_P_BREAK_BEFORE;
    if ((v = attr(r, "marker"))) p->marker = v, p->mask |= TB_P_MARKER;
    if (get_bool(r, "span-columns", &p->span_columns)) p->mask |= TB_P_SPAN;
    if (get_len(r, "rise", &p->rise)) p->mask |= TB_P_RISE;
    if (get_len(r, "rule-below", &p->rule_below)) {
        p->mask |= TB_P_RULE_BELOW;
        p->rule_color = (tb_color){0, 0, 0, 1, 0, 0, 0, false};
    }
    get_color(r, "rule-color", &p->rule_color);
    return p;
}

static void read_style(reader *r, tb_rule *rule) {
    r->allowed = " select lang font weight size leading color space-before space-after indent margin-start "
                 "margin-end align border border-color background padding keep-with-next "
                 "page-break-before marker span-columns rise rule-below rule-color ";
    check_attrs(r);
    const char *sel = attr(r, "select");
    rule->line = r->line;
    if (!sel || !*sel) {
        tb_error(r->ls->ctx, r->file, r->line, 1, "<style> needs select (say p, h1, aside.profile or cover p)");
        sel = "none";
    }
    char *s = tb_arena_strdup(r->ls->a, sel);
    char *sp = strchr(s, ' ');
    if (sp) {
        *sp = 0;
        rule->ancestor = s;
        char *adot = strchr(s, '.');
        if (adot) {
            *adot = 0;
            rule->ancestor_cls = adot + 1;
        }
        s = sp + 1;
        while (*s == ' ') s++;
    }
    char *dot = strchr(s, '.');
    if (dot) {
        *dot = 0;
        rule->cls = dot + 1;
    }
    rule->el = s;
    /* an empty class ("p.", "cover. p") made has_class() in style.c loop
    ** for ever (found by fuzz/fuzz_layout); an empty name matches nothing */
    if (!*rule->el || (rule->cls && !*rule->cls) || (rule->ancestor && !*rule->ancestor) ||
        (rule->ancestor_cls && !*rule->ancestor_cls))
        bad(r, "select", sel, "an element name, with a class after a dot (say p, h1, aside.profile or cover p)");
    rule->langs = attr(r, "lang");
    rule_props(r, &rule->props);
}

static tb_layout *load(tb_layouts *ls, const char *path) {
    tb_ctx *ctx = ls->ctx;
    xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        tb_error(ctx, path, e ? e->line : 0, e ? e->int2 : 0, "layout is not well-formed XML: %s",
                 e && e->message ? e->message : "unreadable");
        return NULL;
    }
    size_t nerr = tb_diags_count(ctx->diags, TB_ERROR);
    xmlNode *root = xmlDocGetRootElement(doc);
    tb_layout *l = TB_NEW(ls->a, tb_layout);
    reader r = {.ls = ls, .l = l, .file = tb_arena_strdup(ls->a, path)};
    l->file = r.file;
    if (doc->intSubset) tb_error(ctx, path, 1, 1, "a DOCTYPE is not allowed in a layout");
    if (!root || strcmp((const char *)root->name, "layout")) {
        tb_error(ctx, path, root ? (int)xmlGetLineNo(root) : 1, 1, "the root element of a layout is <layout>");
        xmlFreeDoc(doc);
        return NULL;
    }
    r.node = root;
    r.line = (int)xmlGetLineNo(root);
    r.allowed = " name ";
    check_attrs(&r);
    l->name = attr(&r, "name");
    xmlChar *lang = xmlGetNsProp(root, (const xmlChar *)"lang", XML_XML_NAMESPACE);
    l->lang = tb_arena_strdup(ls->a, lang ? (const char *)lang : "ja");
    xmlFree(lang);
    /* defaults: an A4 page, one column, 20 mm margins, folio centred */
    l->width = 210 * MM;
    l->height = 297 * MM;
    l->bleed = 3 * MM;
    l->pdfx = 1;
    l->ink_limit = 300;
    tb_master def = {.name = "body", .columns = 1, .column_gap = 5 * MM, .top = 20 * MM,
                    .bottom = 20 * MM, .inner = 20 * MM, .outer = 20 * MM, .folio = true};
    l->body = def;
    l->cover = def;
    l->cover.name = "cover";
    l->cover.folio = false;
    l->back = def;
    l->back.name = "back-cover";
    l->back.folio = false;
    l->folio_format = "%d";
    l->folio_size = (tb_len){8, false};
    l->folio_font = "body";
    l->folio_offset = 10 * MM;
    l->folio_color = (tb_color){0, 0, 0, 1, 0, 0, 0, false};
    l->head_size = (tb_len){7.5f, false};
    l->head_font = "heading";
    l->head_offset = 10 * MM;
    l->head_color = l->folio_color;
    size_t nrules = 0, nstr = 0;
    for (xmlNode *n = root->children; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE) {
            if (!strcmp((const char *)n->name, "style")) nrules++;
            if (!strcmp((const char *)n->name, "string")) nstr++;
        }
    l->rules = TB_NEWN(ls->a, tb_rule, nrules + 1);
    l->strings = TB_NEWN(ls->a, struct tb_string, nstr + 1);
    for (xmlNode *n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        r.node = n;
        r.line = (int)xmlGetLineNo(n);
        const char *name = (const char *)n->name;
        if (!strcmp(name, "page")) read_page(&r);
        else if (!strcmp(name, "master")) read_master(&r);
        else if (!strcmp(name, "style")) read_style(&r, &l->rules[l->nrules++]);
        else if (!strcmp(name, "folio")) {
            r.allowed = " format size font offset position color ";
            check_attrs(&r);
            const char *v;
            if ((v = attr(&r, "format"))) {
                const char *pc = strstr(v, "%d");
                if (!pc || strchr(pc + 2, '%') || strchr(v, '%') != pc) bad(&r, "format", v, "needs exactly one %d");
                else l->folio_format = v;
            }
            get_size(&r, "size", &l->folio_size);
            if ((v = attr(&r, "font"))) l->folio_font = v;
            get_pt(&r, "offset", &l->folio_offset);
            if ((v = attr(&r, "position"))) {
                if (!strcmp(v, "outer")) l->folio_pos = 1;
                else if (!strcmp(v, "center")) l->folio_pos = 0;
                else bad(&r, "position", v, "say center or outer");
            }
            get_color(&r, "color", &l->folio_color);
        } else if (!strcmp(name, "header")) {
            r.allowed = " content size font offset color position ";
            check_attrs(&r);
            const char *v = attr(&r, "content");
            if (v) {
                l->head_title = strstr(v, "title") != NULL;
                l->head_section = strstr(v, "section") != NULL;
                if (!l->head_title && !l->head_section) bad(&r, "content", v, "say title, section or title section");
            }
            get_size(&r, "size", &l->head_size);
            if ((v = attr(&r, "font"))) l->head_font = v;
            get_pt(&r, "offset", &l->head_offset);
            get_color(&r, "color", &l->head_color);
            if ((v = attr(&r, "position"))) {
                if (!strcmp(v, "outer")) l->head_pos = 1;
                else if (!strcmp(v, "center")) l->head_pos = 0;
                else bad(&r, "position", v, "say center or outer");
            }
        } else if (!strcmp(name, "string")) {
            r.allowed = " name value ";
            check_attrs(&r);
            struct tb_string *s = &l->strings[l->nstrings++];
            s->name = attr(&r, "name");
            s->value = attr(&r, "value");
            xmlChar *sl = xmlGetNsProp(n, (const xmlChar *)"lang", XML_XML_NAMESPACE);
            s->lang = tb_arena_strdup(ls->a, sl ? (const char *)sl : "*");
            xmlFree(sl);
            if (!s->name || !s->value) {
                tb_error(ctx, path, r.line, 1, "<string> needs name and value");
                l->nstrings--;
            } else if (!strcmp(s->name, "ref") && (!strstr(s->value, "%d") || strchr(strstr(s->value, "%d") + 2, '%'))) {
                bad(&r, "value", s->value, "a ref string needs exactly one %d");
                l->nstrings--;
            }
        } else {
            tb_error(ctx, path, r.line, 1, "unknown element <%s> in a layout", name);
        }
    }
    /* geometry that cannot hold text */
    const tb_master *ms[3] = {&l->cover, &l->body, &l->back};
    for (int i = 0; i < 3; i++) {
        const tb_master *m = ms[i];
        float w = l->width - m->inner - m->outer - (float)(m->columns - 1) * m->column_gap;
        float h = l->height - m->top - m->bottom;
        if (l->vertical) {
            w = l->width - m->inner - m->outer;
            h = l->height - m->top - m->bottom - (float)(m->columns - 1) * m->column_gap;
            float t = w; w = h; h = t; /* columns (段) stack downwards */
        }
        if (w / (float)m->columns < 36 || h < 36)
            tb_error(ctx, path, m->line ? m->line : (int)xmlGetLineNo(root), 1,
                     "master '%s': margins and columns leave no room for text (%.0f×%.0f pt per column)",
                     m->name, w / (float)m->columns, h);
    }
    xmlFreeDoc(doc);
    if (tb_diags_count(ctx->diags, TB_ERROR) > nerr) return NULL;
    return l;
}

const tb_layout *tb_layouts_get(tb_layouts *ls, const char *name, const char *from_file, int from_line) {
    for (size_t i = 0; i < ls->n; i++)
        if (!strcmp(ls->keys[i], name)) return ls->v[i];
    char *path = NULL;
    size_t len = strlen(name);
    if (len > 4 && !strcmp(name + len - 4, ".xml")) {
        path = strdup(name);
    } else {
        char file[256];
        if (strchr(name, '/') || len > 200) {
            tb_error(ls->ctx, from_file, from_line, 1, "'%s' is not a layout name", name);
            return NULL;
        }
        snprintf(file, sizeof file, "%s.xml", name);
        path = tb_ctx_find(ls->ctx, ls->ctx->layouts_dir ? ls->ctx->layouts_dir : "layouts", "layouts", file);
        if (!path) {
            tb_error(ls->ctx, from_file, from_line, 1, "no layout named '%s'", name);
            return NULL;
        }
    }
    tb_layout *l = load(ls, path);
    free(path);
    ls->keys = realloc(ls->keys, (ls->n + 1) * sizeof *ls->keys);
    ls->v = realloc(ls->v, (ls->n + 1) * sizeof *ls->v);
    ls->keys[ls->n] = strdup(name);
    ls->v[ls->n++] = l;
    return l;
}

const char *tb_layout_string(const tb_layout *l, const char *name, const char *lang, const char *fallback) {
    const char *any = NULL, *prim = NULL;
    size_t p = lang ? strcspn(lang, "-_") : 0;
    for (size_t i = 0; i < l->nstrings; i++) {
        const struct tb_string *s = &l->strings[i];
        if (strcmp(s->name, name)) continue;
        if (lang && !strcmp(s->lang, lang)) return s->value;
        if (lang && strlen(s->lang) == p && !strncmp(s->lang, lang, p)) prim = s->value;
        if (!strcmp(s->lang, "*")) any = s->value;
    }
    return prim ? prim : any ? any : fallback;
}
