/*
** html.c — the HTML twin of a guide; see html.h.
**
** One pass over the document tree into a growing buffer.  Inline content
** is written without any added white space (a space between two Japanese
** characters would show); blocks end with a newline.  Nothing the guide
** says reaches the page unescaped: text and attributes go through hb_esc(),
** link targets through url_ok() (no javascript: and the like), ids lose
** their white space (an HTML id has none).
*/
#include "html.h"
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "../base/arena.h"
#include "../base/utf8.h"
#include "hbuf.h"
#include "../base/qr.h"

/* ---- the buffer (hbuf.h) ------------------------------------------------- */

void hb_put(hbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 8192;
        while (cap < b->n + n + 1) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) abort();
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

void hb_s(hbuf *b, const char *s) { hb_put(b, s, strlen(s)); }

void hb_f(hbuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return;
    if ((size_t)k < sizeof tmp) {
        hb_put(b, tmp, (size_t)k);
        return;
    }
    char *big = malloc((size_t)k + 1);
    if (!big) abort();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)k + 1, fmt, ap);
    va_end(ap);
    hb_put(b, big, (size_t)k);
    free(big);
}

/* Text (attr false) or an attribute value in double quotes (attr true). */
void hb_esc(hbuf *b, const char *s, size_t n, bool attr) {
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *r = NULL;
        switch (s[i]) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = attr ? "&quot;" : NULL; break;
        case '\'': r = attr ? "&#39;" : NULL; break;
        default: break;
        }
        if (r) {
            hb_put(b, s + from, i - from);
            hb_s(b, r);
            from = i + 1;
        }
    }
    hb_put(b, s + from, n - from);
}

void hb_text(hbuf *b, const char *s) {
    if (s) hb_esc(b, s, strlen(s), false);
}

void hb_attr(hbuf *b, const char *name, const char *v) {
    hb_f(b, " %s=\"", name);
    hb_esc(b, v, strlen(v), true);
    hb_s(b, "\"");
}

/* A file name as a relative URL: bytes outside the unreserved set (and /)
** percent-encoded, so that any name stays one path. */
void hb_url_path(hbuf *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
            c == '.' || c == '_' || c == '~' || c == '/') {
            char ch = (char)c;
            hb_put(b, &ch, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            hb_put(b, e, 3);
        }
    }
}

void tb_html_size(size_t bytes, bool spaced, char *buf, size_t cap) {
    const char *sp = spaced ? " " : "";
    if (bytes < 1024u * 1024u) {
        size_t kb = (bytes + 512) / 1024;
        if (kb == 0) kb = 1;
        if (kb < 1024) {
            snprintf(buf, cap, "%zu%sKB", kb, sp);
            return;
        }
    }
    snprintf(buf, cap, "%.1f%sMB", (double)bytes / (1024.0 * 1024.0), sp);
}

/* ---- words of the page itself -------------------------------------------- */

typedef struct ui {
    const char *lang;
    const char *pdf_fmt;       /* after the title: the format and size */
    bool spaced;               /* "1.2 MB" */
    const char *print;         /* the print PDF's link text */
    const char *downloads;     /* the download block's label */
    const char *toc;           /* the contents' title when the layout has none */
} ui;

static const ui UI_JA = {"ja", "（PDF形式・%s）", false, "印刷用", "ダウンロード", "目次"};
static const ui UI_EN = {"en", " (PDF, %s)", true, "Print version", "Downloads", "Contents"};

static bool lang_is(const char *lang, const char *prim) {
    size_t k = strlen(prim);
    return lang && !strncasecmp(lang, prim, k) && (lang[k] == 0 || lang[k] == '-' || lang[k] == '_');
}

/* ---- the writer ----------------------------------------------------------- */

typedef struct hw {
    tb_ctx *ctx;
    const tb_doc *doc;
    const tb_html_opts *o;
    const ui *ui;
    bool ui_foreign;           /* the page is in neither of the UI languages */
    tb_arena *a;
    hbuf b;
    int in_link;               /* inside <a>: links become plain spans */
    int no_ids;                /* writing content a second time (contents) */
    bool failed;
    /* ids made up for sections that have none (the contents link to them) */
    const tb_node **sec;
    char **sec_id;
    size_t nsec;
    char **gen;                /* every id made up, to keep them unique */
    size_t ngen;
    char dir[PATH_MAX];        /* the guide's folder, resolved */
    bool have_dir;
} hw;

static bool is_inline_el(tb_el el) { return el == TB_EL_TEXT || el >= TB_EL_EM; }

static bool id_taken(hw *w, const char *id) {
    if (tb_doc_find(w->doc, id)) return true;
    for (size_t i = 0; i < w->ngen; i++)
        if (!strcmp(w->gen[i], id)) return true;
    return false;
}

/* A new id "BASE", "BASE-2", … that no element of the guide has. */
static char *make_id(hw *w, const char *base) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", base);
    for (int k = 2; id_taken(w, buf); k++) snprintf(buf, sizeof buf, "%s-%d", base, k);
    char *s = tb_arena_strdup(w->a, buf);
    w->gen = realloc(w->gen, (w->ngen + 1) * sizeof *w->gen);
    if (!w->gen) abort();
    w->gen[w->ngen++] = s;
    return s;
}

static void collect_sections(hw *w, const tb_node *n) {
    for (; n; n = n->next) {
        if (n->el != TB_EL_SECTION) continue;
        if (!n->id) {
            char base[32];
            snprintf(base, sizeof base, "section-%zu", w->nsec + 1);
            w->sec = realloc(w->sec, (w->nsec + 1) * sizeof *w->sec);
            w->sec_id = realloc(w->sec_id, (w->nsec + 1) * sizeof *w->sec_id);
            if (!w->sec || !w->sec_id) abort();
            w->sec[w->nsec] = n;
            w->sec_id[w->nsec++] = make_id(w, base);
        }
        collect_sections(w, n->first);
    }
}

static const char *section_id(hw *w, const tb_node *n) {
    if (n->id) return n->id;
    for (size_t i = 0; i < w->nsec; i++)
        if (w->sec[i] == n) return w->sec_id[i];
    return NULL;
}

/* An id as HTML wants it: no white space. */
static void put_id_value(hw *w, const char *id) {
    for (const char *p = id; *p; p++) {
        char c = (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') ? '_' : *p;
        hb_esc(&w->b, &c, 1, true);
    }
}

static void put_id(hw *w, const char *id) {
    if (!id || !*id || w->no_ids) return;
    hb_s(&w->b, " id=\"");
    put_id_value(w, id);
    hb_s(&w->b, "\"");
}

static void put_href_frag(hw *w, const char *id) {
    hb_s(&w->b, " href=\"#");
    put_id_value(w, id);
    hb_s(&w->b, "\"");
}

/* id, class (after EXTRA, a class of our own) and lang of N. */
static void common(hw *w, const tb_node *n, const char *extra) {
    if (n) put_id(w, n->id);
    const char *cls = n ? n->cls : NULL;
    if (extra || (cls && *cls)) {
        hb_s(&w->b, " class=\"");
        if (extra) hb_esc(&w->b, extra, strlen(extra), true);
        if (extra && cls && *cls) hb_s(&w->b, " ");
        if (cls) hb_esc(&w->b, cls, strlen(cls), true);
        hb_s(&w->b, "\"");
    }
    if (n && n->lang) hb_attr(&w->b, "lang", n->lang);
}

static void open_tag(hw *w, const char *tag, const tb_node *n, const char *extra) {
    hb_f(&w->b, "<%s", tag);
    common(w, n, extra);
    hb_s(&w->b, ">");
}

static void close_tag(hw *w, const char *tag, bool nl) { hb_f(&w->b, "</%s>%s", tag, nl ? "\n" : ""); }

/* Links: relative ones, http(s), mailto and tel.  A scheme is read the way
** a browser reads it: ASCII white space and controls removed first. */
static bool url_ok(const char *href) {
    char s[32];
    size_t k = 0;
    for (const char *p = href; *p && k < sizeof s - 1; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7F) continue;
        s[k++] = (char)c;
        if (c == ':' || c == '/' || c == '?' || c == '#') break;
    }
    s[k] = 0;
    char *colon = strchr(s, ':');
    if (!colon) return true; /* no scheme: relative */
    *colon = 0;
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '+' ||
              *p == '-' || *p == '.'))
            return true; /* not a scheme ("a/b:c" is a path) */
    return !strcasecmp(s, "http") || !strcasecmp(s, "https") || !strcasecmp(s, "mailto") || !strcasecmp(s, "tel");
}

static bool link_ok(hw *w, const tb_node *n) {
    if (!n->href) return false;
    if (url_ok(n->href)) return true;
    tb_warning(w->ctx, w->doc->file, n->line, n->col,
               "<%s href=\"%.60s\">: not a link the HTML page may hold (http, https, mailto, tel or relative); "
               "written as text", tb_el_name(n->el), n->href);
    return false;
}

/* ---- inline --------------------------------------------------------------- */

static void inl(hw *w, const tb_node *n);
static void blk(hw *w, const tb_node *n, int depth);

static void inl_children(hw *w, const tb_node *n) {
    for (const tb_node *c = n->first; c; c = c->next) inl(w, c);
}

/* Children of li, dd, th, td, blockquote: text, inline and blocks. */
static void flow(hw *w, const tb_node *n, int depth) {
    for (const tb_node *c = n->first; c; c = c->next) {
        if (is_inline_el(c->el)) inl(w, c);
        else blk(w, c, depth);
    }
}

/* Does the text written so far end with an arrow (「▶ 」)?  (Called
** between text and a tag: a '>' here would be the end of a tag.) */
static bool after_arrow(hw *w) {
    size_t n = w->b.n;
    while (n && w->b.s[n - 1] == ' ') n--;
    size_t s = n;
    while (s && ((unsigned char)w->b.s[s - 1] & 0xC0) == 0x80) s--;
    if (!s) return false;
    s--;
    const char *p = w->b.s + s;
    unsigned c = tb_utf8_next(&p);
    return c == 0x25B6 || c == 0x25BA || c == 0x25B8 || c == 0x25B7 || c == 0x2192 || c == 0x21D2 || c == 0x27A1 ||
           c == 0x261E || c == 0xFF1E;
}

/* What a ref to T says in HTML: the target's title. */
static const char *target_label(hw *w, const tb_node *t) {
    if (!t) return NULL;
    const tb_node *cap = NULL;
    for (const tb_node *c = t->first; c; c = c->next)
        if ((t->el == TB_EL_SECTION && c->el == TB_EL_TITLE) || (t->el == TB_EL_FIGURE && c->el == TB_EL_FIGCAPTION) ||
            (t->el == TB_EL_TABLE && c->el == TB_EL_CAPTION)) {
            cap = c;
            break;
        }
    if (cap) return tb_node_plain_text(w->a, cap);
    if (t->title) return t->title;
    if (t->el == TB_EL_FIGURE)
        for (const tb_node *c = t->first; c; c = c->next)
            if (c->el == TB_EL_IMG && c->alt && *c->alt) return c->alt;
    if (t->el == TB_EL_IMG && t->alt && *t->alt) return t->alt;
    const char *s = tb_node_plain_text(w->a, t);
    return *s ? s : t->id;
}

static void ref(hw *w, const tb_node *n) {
    const tb_node *t = n->to ? tb_doc_find(w->doc, n->to) : NULL;
    const char *label = target_label(w, t);
    if (!label) label = n->to ? n->to : "";
    bool link = t && !w->in_link;
    bool arrow = !after_arrow(w);
    if (link) {
        hb_s(&w->b, "<a");
        put_href_frag(w, n->to);
    } else {
        hb_s(&w->b, "<span");
    }
    common(w, n, "ref");
    hb_s(&w->b, ">");
    if (arrow) hb_s(&w->b, "→ ");
    hb_text(&w->b, label);
    close_tag(w, link ? "a" : "span", false);
}

static bool cjk_lang(const char *lang) {
    return lang_is(lang, "ja") || lang_is(lang, "zh") || lang_is(lang, "ko");
}

static void ruby(hw *w, const tb_node *n) {
    open_tag(w, "ruby", n, NULL);
    for (const tb_node *c = n->first; c; c = c->next) {
        if (c->el == TB_EL_RP) continue; /* ours are added around every rt */
        if (c->el == TB_EL_RT) {
            bool wide = cjk_lang(tb_node_lang(c));
            hb_s(&w->b, wide ? "<rp>（</rp>" : "<rp>(</rp>");
            open_tag(w, "rt", c, NULL);
            inl_children(w, c);
            hb_s(&w->b, "</rt>");
            hb_s(&w->b, wide ? "<rp>）</rp>" : "<rp>)</rp>");
        } else {
            inl(w, c);
        }
    }
    hb_s(&w->b, "</ruby>");
}

static void inl(hw *w, const tb_node *n) {
    switch (n->el) {
    case TB_EL_TEXT: hb_esc(&w->b, n->text, n->ntext, false); break;
    case TB_EL_EM: case TB_EL_STRONG: case TB_EL_SMALL: case TB_EL_SUP: case TB_EL_SUB: case TB_EL_SPAN: {
        const char *tag = tb_el_name(n->el);
        open_tag(w, tag, n, NULL);
        inl_children(w, n);
        close_tag(w, tag, false);
        break;
    }
    case TB_EL_A:
        if (!w->in_link && link_ok(w, n)) {
            hb_s(&w->b, "<a");
            hb_attr(&w->b, "href", n->href);
            common(w, n, NULL);
            hb_s(&w->b, ">");
            w->in_link++;
            inl_children(w, n);
            w->in_link--;
            hb_s(&w->b, "</a>");
        } else {
            open_tag(w, "span", n, NULL);
            inl_children(w, n);
            hb_s(&w->b, "</span>");
        }
        break;
    case TB_EL_REF: ref(w, n); break;
    case TB_EL_RUBY: ruby(w, n); break;
    case TB_EL_RT: /* outside ruby: the schema forbids it; keep the text */
        open_tag(w, "span", n, "rt");
        inl_children(w, n);
        hb_s(&w->b, "</span>");
        break;
    case TB_EL_RP: break;
    case TB_EL_BR: hb_s(&w->b, "<br>"); break;
    case TB_EL_TCY:
        open_tag(w, "span", n, "tcy");
        inl_children(w, n);
        hb_s(&w->b, "</span>");
        break;
    case TB_EL_NOBR:
        open_tag(w, "span", n, "nobr");
        inl_children(w, n);
        hb_s(&w->b, "</span>");
        break;
    default: blk(w, n, 0); break;
    }
}

/* ---- images --------------------------------------------------------------- */

static bool png_jpeg_size(const unsigned char *b, size_t n, unsigned *w, unsigned *h, const char **mime) {
    if (n >= 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) {
        *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
        *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
        *mime = "image/png";
        return *w && *h;
    }
    if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
        size_t i = 2;
        while (i + 4 <= n) {
            if (b[i] != 0xFF) return false;
            while (i < n && b[i] == 0xFF) i++;
            if (i + 3 > n) return false;
            unsigned m = b[i];
            unsigned len = (unsigned)b[i + 1] << 8 | b[i + 2];
            if ((m >= 0xC0 && m <= 0xC3) || (m >= 0xC5 && m <= 0xC7) || (m >= 0xC9 && m <= 0xCB) ||
                (m >= 0xCD && m <= 0xCF)) {
                if (i + 8 > n) return false;
                *h = (unsigned)b[i + 4] << 8 | b[i + 5];
                *w = (unsigned)b[i + 6] << 8 | b[i + 7];
                *mime = "image/jpeg";
                return *w && *h;
            }
            if (len < 2) return false;
            i += 1 + len;
        }
    }
    return false;
}

static void base64(hbuf *b, const unsigned char *d, size_t n) {
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        q[0] = t[v >> 18], q[1] = t[(v >> 12) & 63], q[2] = t[(v >> 6) & 63], q[3] = t[v & 63];
        hb_put(b, q, 4);
    }
    if (n - i == 1) {
        unsigned v = (unsigned)d[i] << 16;
        q[0] = t[v >> 18], q[1] = t[(v >> 12) & 63], q[2] = q[3] = '=';
        hb_put(b, q, 4);
    } else if (n - i == 2) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
        q[0] = t[v >> 18], q[1] = t[(v >> 12) & 63], q[2] = t[(v >> 6) & 63], q[3] = '=';
        hb_put(b, q, 4);
    }
}

/* A guide length ("60mm", "50%", "14Q", "3em", " 120 ") as a CSS length
** into BUF; false when it is not one. */
static bool css_len(const char *s, char *buf, size_t cap) {
    if (!s) return false;
    while (*s == ' ' || *s == '\t' || *s == '\n') s++;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0) || v > 10000) return false;
    while (*end == ' ' || *end == '\t' || *end == '\n') end++;
    char unit[8];
    size_t k = 0;
    while (*end && *end != ' ' && *end != '\t' && *end != '\n' && k < sizeof unit - 1) unit[k++] = *end++;
    unit[k] = 0;
    static const char *const ok[] = {"pt", "mm", "cm", "in", "Q", "em", "%", "px"};
    const char *u = NULL;
    if (!k) u = "pt"; /* a bare number: points, as in layouts */
    else if (!strcmp(unit, "H")) u = "Q";
    else
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
            if (!strcmp(unit, ok[i])) u = ok[i];
    if (!u) return false;
    snprintf(buf, cap, "%g%s", v, u);
    return true;
}

/* The bytes of an image, with the PDF's checks: relative to the guide's
** folder and inside it, PNG or JPEG, within the pixel limit. */
static unsigned char *image_bytes(hw *w, const tb_node *n, size_t *len, unsigned *pw, unsigned *ph,
                                  const char **mime) {
    const char *file = w->doc->file;
    if (n->src[0] == '/' || strstr(n->src, "://")) {
        tb_error(w->ctx, file, n->line, n->col, "<img src=\"%s\">: images must be given relative to the guide's folder",
                 n->src);
        return NULL;
    }
    if (!w->have_dir) {
        if (!realpath(w->doc->dir, w->dir)) {
            tb_error(w->ctx, file, n->line, n->col, "cannot resolve the guide's folder");
            return NULL;
        }
        w->have_dir = true;
    }
    char joined[PATH_MAX], real[PATH_MAX];
    snprintf(joined, sizeof joined, "%s/%s", w->doc->dir, n->src);
    if (!realpath(joined, real)) {
        tb_error(w->ctx, file, n->line, n->col, "<img src=\"%s\">: no such image", n->src);
        return NULL;
    }
    size_t dl = strlen(w->dir);
    if (strncmp(real, w->dir, dl) || real[dl] != '/') {
        tb_error(w->ctx, file, n->line, n->col, "<img src=\"%s\">: the image is outside the guide's folder", n->src);
        return NULL;
    }
    FILE *fp = fopen(real, "rb");
    struct stat st;
    if (!fp || fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fp) fclose(fp);
        tb_error(w->ctx, file, n->line, n->col, "<img src=\"%s\">: cannot read the image", n->src);
        return NULL;
    }
    if ((unsigned long long)st.st_size > w->ctx->limits.max_input) {
        fclose(fp);
        tb_error(w->ctx, file, n->line, n->col, "<img src=\"%s\">: the file is larger than %zu bytes", n->src,
                 w->ctx->limits.max_input);
        return NULL;
    }
    size_t sz = (size_t)st.st_size;
    unsigned char *d = malloc(sz ? sz : 1);
    if (!d) abort();
    size_t got = fread(d, 1, sz, fp);
    fclose(fp);
    if (got != sz || !png_jpeg_size(d, sz, pw, ph, mime)) {
        free(d);
        tb_error(w->ctx, file, n->line, n->col, "<img src=\"%s\">: not a PNG or JPEG image", n->src);
        return NULL;
    }
    if ((unsigned long long)*pw * *ph > w->ctx->limits.max_image_px) {
        free(d);
        tb_error(w->ctx, file, n->line, n->col, "<img src=\"%s\">: %u×%u pixels is more than the limit of %zu",
                 n->src, *pw, *ph, w->ctx->limits.max_image_px);
        return NULL;
    }
    *len = sz;
    return d;
}

static void img(hw *w, const tb_node *n) {
    if (!n->src) return;
    size_t len = 0;
    unsigned iw = 0, ih = 0;
    const char *mime = NULL;
    unsigned char *d = image_bytes(w, n, &len, &iw, &ih, &mime);
    if (!d) {
        w->failed = true;
        return;
    }
    hb_f(&w->b, "<img src=\"data:%s;base64,", mime);
    base64(&w->b, d, len);
    free(d);
    hb_s(&w->b, "\"");
    hb_attr(&w->b, "alt", n->alt ? n->alt : "");
    hb_f(&w->b, " width=\"%u\" height=\"%u\"", iw, ih);
    char css[48];
    if (n->width && css_len(n->width, css, sizeof css)) hb_f(&w->b, " style=\"width:%s\"", css);
    common(w, n, NULL);
    hb_s(&w->b, ">");
}

/* ---- blocks --------------------------------------------------------------- */

static int hlevel(int depth) { return depth + 1 > 6 ? 6 : depth + 1; }

/* Section depth of the content being written: the number of enclosing
** sections; headings of a section of depth d are h(d+1), under the h1. */
static void section(hw *w, const tb_node *n, int depth) {
    hb_s(&w->b, "<section");
    put_id(w, section_id(w, n));
    tb_node copy = *n;
    copy.id = NULL; /* written above */
    common(w, &copy, NULL);
    hb_s(&w->b, ">\n");
    for (const tb_node *c = n->first; c; c = c->next) {
        if (c->el == TB_EL_TITLE) {
            char tag[4] = {'h', (char)('0' + hlevel(depth)), 0, 0};
            open_tag(w, tag, c, NULL);
            inl_children(w, c);
            close_tag(w, tag, true);
        } else {
            blk(w, c, depth);
        }
    }
    hb_s(&w->b, "</section>\n");
}

static void table(hw *w, const tb_node *n, int depth) {
    hb_s(&w->b, "<div class=\"table-wrap\">");
    open_tag(w, "table", n, NULL);
    hb_s(&w->b, "\n");
    bool in_body = false; /* a tbody opened for bare rows */
    for (const tb_node *c = n->first; c; c = c->next) {
        if (c->el == TB_EL_CAPTION) {
            open_tag(w, "caption", c, NULL);
            inl_children(w, c);
            close_tag(w, "caption", true);
            continue;
        }
        const tb_node *rows = NULL, *one = NULL;
        if (c->el == TB_EL_THEAD || c->el == TB_EL_TBODY) {
            if (in_body) hb_s(&w->b, "</tbody>\n"), in_body = false;
            open_tag(w, tb_el_name(c->el), c, NULL);
            hb_s(&w->b, "\n");
            rows = c->first;
        } else if (c->el == TB_EL_TR) {
            if (!in_body) hb_s(&w->b, "<tbody>\n"), in_body = true;
            one = c;
        } else {
            continue;
        }
        bool head = c->el == TB_EL_THEAD;
        for (const tb_node *r = one ? one : rows; r; r = one ? NULL : r->next) {
            if (r->el != TB_EL_TR) continue;
            bool has_td = false;
            for (const tb_node *cell = r->first; cell; cell = cell->next) has_td |= cell->el == TB_EL_TD;
            open_tag(w, "tr", r, NULL);
            for (const tb_node *cell = r->first; cell; cell = cell->next) {
                if (cell->el != TB_EL_TH && cell->el != TB_EL_TD) continue;
                bool th = cell->el == TB_EL_TH;
                hb_s(&w->b, th ? "<th" : "<td");
                if (th) hb_s(&w->b, head || !has_td ? " scope=\"col\"" : " scope=\"row\"");
                if (cell->colspan > 1) hb_f(&w->b, " colspan=\"%d\"", cell->colspan);
                if (cell->rowspan > 1) hb_f(&w->b, " rowspan=\"%d\"", cell->rowspan);
                common(w, cell, NULL);
                hb_s(&w->b, ">");
                flow(w, cell, depth);
                hb_s(&w->b, th ? "</th>" : "</td>");
            }
            hb_s(&w->b, "</tr>\n");
        }
        if (!one) close_tag(w, tb_el_name(c->el), true);
    }
    if (in_body) hb_s(&w->b, "</tbody>\n");
    hb_s(&w->b, "</table></div>\n");
}

static void qr(hw *w, const tb_node *n) {
    if (!n->href || !*n->href) return;
    bool ok = link_ok(w, n);
    open_tag(w, "div", n, "qr");
    if (ok) {
        hb_s(&w->b, "<a");
        hb_attr(&w->b, "href", n->href);
        hb_s(&w->b, ">");
        int qw = 0;
        unsigned char *q = tb_qr_encode(n->href, &qw, NULL);
        if (q) {
            int side = qw + 8; /* a quiet zone of 4 modules */
            char css[48] = "25mm";
            if (n->size && !css_len(n->size, css, sizeof css)) snprintf(css, sizeof css, "25mm");
            hb_f(&w->b,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" style=\"width:%s;height:%s\" "
                 "aria-hidden=\"true\">"
                 "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                 side, side, css, css, side, side);
            for (int y = 0; y < qw; y++)
                for (int x = 0; x < qw;) {
                    if (!q[y * qw + x]) {
                        x++;
                        continue;
                    }
                    int run = 1;
                    while (x + run < qw && q[y * qw + x + run]) run++;
                    hb_f(&w->b, "M%d %dh%dv1h-%dz", x + 4, y + 4, run, run);
                    x += run;
                }
            hb_s(&w->b, "\"/></svg>");
            free(q);
        }
    }
    hb_s(&w->b, "<span class=\"qr-url\">");
    hb_text(&w->b, n->href);
    hb_s(&w->b, "</span>");
    if (ok) hb_s(&w->b, "</a>");
    hb_s(&w->b, "</div>\n");
}

static void aside(hw *w, const tb_node *n, int depth) {
    open_tag(w, "aside", n, NULL);
    hb_s(&w->b, "\n");
    if (n->title && *n->title) {
        int lv = hlevel(depth + 1);
        hb_f(&w->b, "<h%d class=\"aside-title\">", lv);
        hb_text(&w->b, n->title);
        hb_f(&w->b, "</h%d>\n", lv);
    }
    for (const tb_node *c = n->first; c; c = c->next) blk(w, c, depth);
    hb_s(&w->b, "</aside>\n");
}

static const tb_node *title_of(const tb_node *sec) {
    for (const tb_node *c = sec->first; c; c = c->next)
        if (c->el == TB_EL_TITLE) return c;
    return NULL;
}

/* The contents: every section of levels 1 and 2, as nested lists of links. */
static void toc_list(hw *w, const tb_node *first, int depth) {
    bool open = false;
    for (const tb_node *c = first; c; c = c->next) {
        if (c->el != TB_EL_SECTION) continue;
        const tb_node *t = title_of(c);
        const char *id = section_id(w, c);
        if (!t || !id) continue;
        if (!open) hb_s(&w->b, "<ol>\n"), open = true;
        hb_s(&w->b, "<li><a");
        put_href_frag(w, id);
        if (t->lang) hb_attr(&w->b, "lang", t->lang);
        else if (c->lang) hb_attr(&w->b, "lang", c->lang);
        hb_s(&w->b, ">");
        w->in_link++;
        w->no_ids++;
        inl_children(w, t);
        w->no_ids--;
        w->in_link--;
        hb_s(&w->b, "</a>");
        if (depth < 2) toc_list(w, c->first, depth + 1);
        hb_s(&w->b, "</li>\n");
    }
    if (open) hb_s(&w->b, "</ol>\n");
}

static void toc(hw *w, const tb_node *n) {
    const char *lang = tb_node_lang(n);
    const char *title = n->title && *n->title ? n->title : NULL;
    if (!title && w->o->layout) title = tb_layout_string(w->o->layout, "toc-title", lang, NULL);
    const char *title_lang = NULL; /* set when the title is not in the page's language */
    if (!title) {
        title = lang_is(lang, "ja") ? UI_JA.toc : lang_is(lang, "en") ? UI_EN.toc : w->ui->toc;
        if (!lang_is(lang, "ja") && !lang_is(lang, "en")) title_lang = w->ui->lang;
    }
    const char *hid = make_id(w, "contents-title");
    hb_s(&w->b, "<nav");
    common(w, n, "toc");
    hb_s(&w->b, " aria-labelledby=\"");
    put_id_value(w, hid);
    hb_s(&w->b, "\">\n<h2");
    put_id(w, hid);
    if (title_lang) hb_attr(&w->b, "lang", title_lang);
    hb_s(&w->b, ">");
    hb_text(&w->b, title);
    hb_s(&w->b, "</h2>\n");
    toc_list(w, w->doc->root->first, 1);
    hb_s(&w->b, "</nav>\n");
}

static void blk(hw *w, const tb_node *n, int depth) {
    switch (n->el) {
    case TB_EL_TEXT: hb_esc(&w->b, n->text, n->ntext, false); break;
    case TB_EL_SECTION: section(w, n, depth + 1); break;
    case TB_EL_P:
        open_tag(w, "p", n, NULL);
        inl_children(w, n);
        hb_s(&w->b, "</p>\n");
        break;
    case TB_EL_UL: case TB_EL_OL: {
        const char *tag = tb_el_name(n->el);
        hb_f(&w->b, "<%s", tag);
        if (n->el == TB_EL_OL && n->start != 1) hb_f(&w->b, " start=\"%d\"", n->start);
        common(w, n, NULL);
        hb_s(&w->b, ">\n");
        for (const tb_node *c = n->first; c; c = c->next) {
            if (c->el != TB_EL_LI) continue;
            open_tag(w, "li", c, NULL);
            flow(w, c, depth);
            hb_s(&w->b, "</li>\n");
        }
        close_tag(w, tag, true);
        break;
    }
    case TB_EL_LI: case TB_EL_DD: case TB_EL_BLOCKQUOTE: case TB_EL_TH: case TB_EL_TD: {
        /* li/dd outside their lists cannot happen in a valid guide; a
        ** stray th or td neither: kept as a division */
        const char *tag = n->el == TB_EL_BLOCKQUOTE ? "blockquote" : "div";
        open_tag(w, tag, n, NULL);
        flow(w, n, depth);
        close_tag(w, tag, true);
        break;
    }
    case TB_EL_DL:
        open_tag(w, "dl", n, NULL);
        hb_s(&w->b, "\n");
        for (const tb_node *c = n->first; c; c = c->next) {
            if (c->el == TB_EL_DT) {
                open_tag(w, "dt", c, NULL);
                inl_children(w, c);
                hb_s(&w->b, "</dt>\n");
            } else if (c->el == TB_EL_DD) {
                open_tag(w, "dd", c, NULL);
                flow(w, c, depth);
                hb_s(&w->b, "</dd>\n");
            }
        }
        hb_s(&w->b, "</dl>\n");
        break;
    case TB_EL_TABLE: table(w, n, depth); break;
    case TB_EL_FIGURE:
        open_tag(w, "figure", n, NULL);
        hb_s(&w->b, "\n");
        for (const tb_node *c = n->first; c; c = c->next) {
            if (c->el == TB_EL_IMG) {
                img(w, c);
                hb_s(&w->b, "\n");
            } else if (c->el == TB_EL_FIGCAPTION) {
                open_tag(w, "figcaption", c, NULL);
                inl_children(w, c);
                hb_s(&w->b, "</figcaption>\n");
            }
        }
        hb_s(&w->b, "</figure>\n");
        break;
    case TB_EL_IMG:
        hb_s(&w->b, "<div class=\"image\">");
        img(w, n);
        hb_s(&w->b, "</div>\n");
        break;
    case TB_EL_ASIDE: aside(w, n, depth); break;
    case TB_EL_QR: qr(w, n); break;
    case TB_EL_HR:
        open_tag(w, "hr", n, NULL);
        hb_s(&w->b, "\n");
        break;
    case TB_EL_TOC: toc(w, n); break;
    case TB_EL_PAGEBREAK: case TB_EL_COLUMNBREAK: break; /* no pages in HTML */
    case TB_EL_CAPTION: case TB_EL_FIGCAPTION: case TB_EL_DT: case TB_EL_TITLE:
        open_tag(w, "p", n, NULL);
        inl_children(w, n);
        hb_s(&w->b, "</p>\n");
        break;
    default:
        if (is_inline_el(n->el)) inl(w, n);
        break;
    }
}

/* ---- the page ------------------------------------------------------------- */

static const char CSS[] =
    ":root{--ink:#1b1b1b;--muted:#555;--rule:#c8c8c8;--tint:#f4f6f8;--link:#0b57d0}\n"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
    "body{margin:0 auto;max-width:46rem;padding:1rem 1.25rem 3rem;color:var(--ink);background:#fff;"
    "font-family:\"BIZ UDPGothic\",\"BIZ UDGothic\",\"Hiragino Sans\",\"Hiragino Kaku Gothic ProN\","
    "\"Yu Gothic\",YuGothic,Meiryo,\"Noto Sans CJK JP\",\"Noto Sans JP\",sans-serif;"
    "font-size:1.0625rem;line-height:1.8;overflow-wrap:break-word;line-break:strict}\n"
    ":lang(zh-Hans),:lang(zh-CN){font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"PingFang SC\","
    "\"Microsoft YaHei\",sans-serif}\n"
    ":lang(zh-Hant),:lang(zh-TW),:lang(zh-HK){font-family:\"Noto Sans CJK TC\",\"Noto Sans TC\","
    "\"PingFang TC\",\"Microsoft JhengHei\",sans-serif}\n"
    ":lang(ko){font-family:\"Noto Sans CJK KR\",\"Noto Sans KR\",\"Apple SD Gothic Neo\",\"Malgun Gothic\","
    "sans-serif}\n"
    ":lang(th){font-family:\"Noto Sans Thai\",Tahoma,sans-serif}\n"
    ":lang(ne){font-family:\"Noto Sans Devanagari\",\"Nirmala UI\",sans-serif}\n"
    "h1,h2,h3,h4,h5,h6{line-height:1.45;margin:1.8em 0 .6em}\n"
    "h1{font-size:1.75rem;margin-top:.5em}h2{font-size:1.45rem;border-bottom:2px solid var(--ink);"
    "padding-bottom:.2em}h3{font-size:1.2rem}h4,h5,h6{font-size:1.05rem}\n"
    "p{margin:.6em 0}\n"
    "a{color:var(--link)}a:focus-visible{outline:3px solid #f90;outline-offset:2px}\n"
    "ruby{ruby-position:over}rt{font-size:.5em;line-height:1}\n"
    ":lang(ja) em{font-style:normal;font-weight:bold}\n"
    "em.boten{font-weight:normal;-webkit-text-emphasis:filled sesame;text-emphasis:filled sesame}\n"
    ".nobr{white-space:nowrap}.tcy{text-combine-upright:all}\n"
    "ul,ol{padding-inline-start:1.6em}li{margin:.2em 0}\n"
    "dt{font-weight:bold;margin-top:.6em}dd{margin-inline-start:1.5em}\n"
    ".table-wrap{overflow-x:auto;margin:1em 0}\n"
    "table{border-collapse:collapse;min-width:60%}caption{text-align:start;font-weight:bold;padding:.3em 0}\n"
    "th,td{border:1px solid var(--rule);padding:.35em .6em;text-align:start;vertical-align:top}"
    "th{background:var(--tint)}\n"
    "img{max-width:100%;height:auto}.image,figure{margin:1.2em 0}"
    "figcaption{font-size:.92em;color:var(--muted)}\n"
    "aside{border:1px solid var(--rule);background:var(--tint);border-radius:.4em;padding:.4em 1em;"
    "margin:1.2em 0}\n"
    ".aside-title{font-size:1rem;margin:.4em 0;border:0;padding:0}\n"
    "blockquote{margin:1em 0;padding-inline-start:1em;border-inline-start:.25em solid var(--rule)}\n"
    ".qr{margin:1em 0}.qr svg{display:block;max-width:100%;margin-bottom:.3em;shape-rendering:crispEdges}"
    ".qr-url{word-break:break-all}\n"
    "hr{border:0;border-top:1px solid var(--rule);margin:2em 0}\n"
    "header.cover{border-bottom:1px solid var(--rule);padding-bottom:1em}\n"
    ".subtitle{font-size:1.15em;color:var(--muted)}\n"
    ".downloads ul{list-style:none;padding:.6em 1em;margin:1em 0;background:var(--tint);"
    "border-radius:.4em}\n"
    "nav.toc{margin:1.5em 0}nav.toc ol{list-style:none;padding-inline-start:1.2em}"
    "nav.toc>ol{padding-inline-start:0}\n"
    "footer{margin-top:3em;border-top:1px solid var(--rule);padding-top:1em}"
    ".colophon{font-size:.9em;color:var(--muted)}\n"
    "@media print{body{max-width:none}.downloads{display:none}a{color:inherit}}\n";

static const tb_node *meta_el(const tb_doc *d, tb_el el) {
    if (!d->meta) return NULL;
    for (const tb_node *c = d->meta->first; c; c = c->next)
        if (c->el == el) return c;
    return NULL;
}

static void head_meta(hw *w, const char *name, tb_el el) {
    const tb_node *m = meta_el(w->doc, el);
    if (!m) return;
    const char *s = tb_node_plain_text(w->a, m);
    if (!*s) return;
    hb_s(&w->b, "<meta");
    hb_attr(&w->b, "name", name);
    hb_attr(&w->b, "content", s);
    if (m->lang) hb_attr(&w->b, "lang", m->lang);
    hb_s(&w->b, ">\n");
}

/* Text of the page's own (UI) language inside the guide's language. */
static void ui_open(hw *w) {
    if (w->ui_foreign) hb_f(&w->b, "<span lang=\"%s\">", w->ui->lang);
}
static void ui_close(hw *w) {
    if (w->ui_foreign) hb_s(&w->b, "</span>");
}

static void downloads(hw *w, const char *title) {
    const tb_html_opts *o = w->o;
    if (!o->pdf.name && !o->print.name) return;
    hb_s(&w->b, "<nav class=\"downloads\"");
    hb_attr(&w->b, "aria-label", w->ui->downloads);
    if (w->ui_foreign) hb_attr(&w->b, "lang", w->ui->lang);
    hb_s(&w->b, ">\n<ul>\n");
    char size[32], label[96];
    if (o->pdf.name) {
        tb_html_size(o->pdf.bytes, w->ui->spaced, size, sizeof size);
        snprintf(label, sizeof label, w->ui->pdf_fmt, size);
        hb_s(&w->b, "<li><a href=\"");
        hb_url_path(&w->b, o->pdf.name);
        hb_s(&w->b, "\" type=\"application/pdf\">");
        if (w->ui_foreign) {
            hb_s(&w->b, "<span");
            hb_attr(&w->b, "lang", w->doc->lang ? w->doc->lang : "");
            hb_s(&w->b, ">");
            hb_text(&w->b, title);
            hb_s(&w->b, "</span>");
        } else {
            hb_text(&w->b, title);
        }
        hb_text(&w->b, label);
        hb_s(&w->b, "</a></li>\n");
    }
    if (o->print.name) {
        tb_html_size(o->print.bytes, w->ui->spaced, size, sizeof size);
        snprintf(label, sizeof label, w->ui->pdf_fmt, size);
        hb_s(&w->b, "<li><a href=\"");
        hb_url_path(&w->b, o->print.name);
        hb_s(&w->b, "\" type=\"application/pdf\">");
        hb_text(&w->b, w->ui->print);
        hb_text(&w->b, label);
        hb_s(&w->b, "</a></li>\n");
    }
    hb_s(&w->b, "</ul>\n</nav>\n");
}

/* 「2024年3月」 for Japanese, the ISO date itself otherwise. */
static void date_text(hw *w, const char *iso) {
    int y = 0, m = 0, d = 0;
    int k = sscanf(iso, "%4d-%2d-%2d", &y, &m, &d);
    hb_s(&w->b, "<time");
    hb_attr(&w->b, "datetime", iso);
    hb_s(&w->b, ">");
    if (w->ui == &UI_JA && k >= 1 && y > 0) {
        if (k == 1) hb_f(&w->b, "%d年", y);
        else if (k == 2 && m >= 1 && m <= 12) hb_f(&w->b, "%d年%d月", y, m);
        else if (k == 3 && m >= 1 && m <= 12 && d >= 1 && d <= 31) hb_f(&w->b, "%d年%d月%d日", y, m, d);
        else hb_text(&w->b, iso);
    } else {
        hb_text(&w->b, iso);
    }
    hb_s(&w->b, "</time>");
}

bool tb_html_write(tb_ctx *ctx, const tb_doc *doc, const tb_html_opts *o, unsigned char **out, size_t *len) {
    *out = NULL;
    *len = 0;
    if (!doc || !doc->root) return false;
    tb_html_opts none = {0};
    hw w = {.ctx = ctx, .doc = doc, .o = o ? o : &none};
    w.a = tb_arena_new();
    if (!w.a) return false;
    w.ui = lang_is(doc->lang, "ja") ? &UI_JA : &UI_EN;
    w.ui_foreign = !lang_is(doc->lang, w.ui->lang);
    collect_sections(&w, doc->root->first);

    const tb_node *title = meta_el(doc, TB_EL_TITLE), *subtitle = meta_el(doc, TB_EL_SUBTITLE);
    const char *title_text = title ? tb_node_plain_text(w.a, title) : "";
    const char *title_lang = title && title->lang ? title->lang : doc->meta && doc->meta->lang ? doc->meta->lang : NULL;
    hbuf *b = &w.b;

    hb_s(b, "<!DOCTYPE html>\n<html");
    hb_attr(b, "lang", doc->lang ? doc->lang : "");
    put_id(&w, doc->root->id);
    if (doc->root->cls && *doc->root->cls) hb_attr(b, "class", doc->root->cls);
    hb_s(b, ">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title");
    if (title_lang) hb_attr(b, "lang", title_lang);
    hb_s(b, ">");
    hb_text(b, title_text);
    hb_s(b, "</title>\n");
    head_meta(&w, "description", TB_EL_DESCRIPTION);
    head_meta(&w, "keywords", TB_EL_KEYWORDS);
    head_meta(&w, "author", TB_EL_AUTHOR);
    hb_s(b, "<meta name=\"generator\" content=\"tebiki\">\n<style>\n");
    hb_s(b, CSS);
    hb_s(b, "</style>\n</head>\n<body>\n");

    /* the cover: the title as h1, the downloads, then the cover's blocks */
    const tb_node *cover = NULL, *back = NULL;
    for (const tb_node *c = doc->root->first; c; c = c->next) {
        if (c->el == TB_EL_COVER) cover = c;
        if (c->el == TB_EL_BACK_COVER) back = c;
    }
    hb_s(b, "<header");
    common(&w, cover, "cover");
    hb_s(b, ">\n<h1");
    if (title) put_id(&w, title->id);
    if (title_lang) hb_attr(b, "lang", title_lang);
    hb_s(b, ">");
    hb_text(b, title_text);
    hb_s(b, "</h1>\n");
    if (subtitle) {
        hb_s(b, "<p");
        put_id(&w, subtitle->id);
        hb_s(b, " class=\"subtitle\"");
        if (subtitle->lang) hb_attr(b, "lang", subtitle->lang);
        hb_s(b, ">");
        hb_text(b, tb_node_plain_text(w.a, subtitle));
        hb_s(b, "</p>\n");
    }
    downloads(&w, title_text);
    if (cover)
        for (const tb_node *c = cover->first; c; c = c->next) blk(&w, c, 0);
    hb_s(b, "</header>\n");

    /* the contents, then the body */
    bool in_main = false;
    for (const tb_node *c = doc->root->first; c; c = c->next) {
        if (c->el == TB_EL_META || c->el == TB_EL_COVER || c->el == TB_EL_BACK_COVER) continue;
        if (c->el == TB_EL_TOC && !in_main) {
            toc(&w, c);
            continue;
        }
        if (!in_main) hb_s(b, "<main>\n"), in_main = true;
        blk(&w, c, 0);
    }
    if (!in_main) hb_s(b, "<main>\n");
    hb_s(b, "</main>\n");

    /* the back cover and the colophon */
    const tb_node *pub = meta_el(doc, TB_EL_PUBLISHER), *date = meta_el(doc, TB_EL_DATE);
    if (back || pub || date) {
        hb_s(b, "<footer");
        common(&w, back, back ? "back-cover" : NULL);
        hb_s(b, ">\n");
        if (back)
            for (const tb_node *c = back->first; c; c = c->next) blk(&w, c, 0);
        if (pub || date) {
            hb_s(b, "<p class=\"colophon\">");
            ui_open(&w);
            if (pub) {
                if (w.ui == &UI_JA) hb_s(b, "発行：");
                if (pub->lang) hb_s(b, "<span"), hb_attr(b, "lang", pub->lang), hb_s(b, ">");
                hb_text(b, tb_node_plain_text(w.a, pub));
                if (pub->lang) hb_s(b, "</span>");
            }
            if (pub && date) hb_s(b, "<br>");
            if (date) date_text(&w, tb_node_plain_text(w.a, date));
            ui_close(&w);
            hb_s(b, "</p>\n");
        }
        hb_s(b, "</footer>\n");
    }
    hb_s(b, "</body>\n</html>\n");

    bool ok = !w.failed;
    if (ok) {
        *out = (unsigned char *)w.b.s;
        *len = w.b.n;
    } else {
        free(w.b.s);
    }
    free(w.sec);
    free(w.sec_id);
    free(w.gen);
    tb_arena_free(w.a);
    return ok;
}
