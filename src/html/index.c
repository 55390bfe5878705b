/*
** index.c — out/index.html and out/guides.json: every guide and language;
** see html.h.
**
** The facts come from the guides (title, language) and from the output
** folder (the files, their sizes, the web PDF's page count, the cover
** thumbnail that the Makefile renders with pdftoppm).  The page is in
** Japanese for the city's site: plain HTML and CSS, no script.
*/
#include "html.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>
#include "../base/arena.h"
#include "hbuf.h"

/* ---- languages ------------------------------------------------------------ */

/* In the order the index lists them. */
static const struct lang_name {
    const char *key, *name, *lang;
} LANGS[] = {
    {"ja", "日本語", "ja"},
    {"ja-easy", "やさしい日本語", "ja"},
    {"ja-vertical", "日本語（縦書き）", "ja"},
    {"en", "English", "en"},
    {"zh-Hans", "简体中文", "zh-Hans"},
    {"zh-Hant", "繁體中文", "zh-Hant"},
    {"ko", "한국어", "ko"},
    {"vi", "Tiếng Việt", "vi"},
    {"ne", "नेपाली", "ne"},
    {"id", "Bahasa Indonesia", "id"},
    {"tl", "Tagalog", "tl"},
    {"th", "ไทย", "th"},
    {"pt", "Português", "pt"},
    {"es", "Español", "es"},
};
enum { NLANGS = sizeof LANGS / sizeof *LANGS };

static int by_key(const char *key) {
    for (int i = 0; i < NLANGS; i++)
        if (!strcmp(LANGS[i].key, key)) return i;
    return -1;
}

/* Does the tag T have the subtag S (case-insensitive)? */
static bool has_subtag(const char *t, const char *s) {
    size_t k = strlen(s);
    for (const char *p = t; *p;) {
        size_t n = strcspn(p, "-_");
        if (n == k && !strncasecmp(p, s, k)) return true;
        p += n;
        if (*p) p++;
    }
    return false;
}

/* The entry of LANGS for a file name or a language tag, or -1. */
static int lang_index(const char *t) {
    if (!t || !*t) return -1;
    char prim[16];
    size_t n = strcspn(t, "-_");
    if (n == 0 || n >= sizeof prim) return -1;
    memcpy(prim, t, n);
    prim[n] = 0;
    if (!strcasecmp(prim, "ja"))
        return by_key(has_subtag(t, "easy") ? "ja-easy" : has_subtag(t, "vertical") ? "ja-vertical" : "ja");
    if (!strcasecmp(prim, "zh"))
        return by_key(has_subtag(t, "hant") || has_subtag(t, "tw") || has_subtag(t, "hk") || has_subtag(t, "mo")
                          ? "zh-Hant"
                          : "zh-Hans");
    if (!strcasecmp(prim, "fil")) return by_key("tl");
    for (int i = 0; i < NLANGS; i++)
        if (!strchr(LANGS[i].key, '-') && !strcasecmp(prim, LANGS[i].key)) return i;
    return -1;
}

/* The file name decides first (ja-easy.xml is in xml:lang="ja"). */
static int edition_lang(const char *name, const char *lang) {
    int i = lang_index(name);
    return i >= 0 ? i : lang_index(lang);
}

const char *tb_language_name(const char *name, const char *lang, const char **name_lang) {
    int i = edition_lang(name, lang);
    if (i < 0) {
        if (name_lang) *name_lang = lang;
        return lang && *lang ? lang : name;
    }
    if (name_lang) *name_lang = LANGS[i].lang;
    return LANGS[i].name;
}

/* ---- files ---------------------------------------------------------------- */

/* /Count of the page tree root: the largest /Count in an object whose
** dictionary says /Type /Pages (outlines have counts too).  Objects are
** found as "N G obj … endobj" in the file and inside object streams
** (/Type /ObjStm, FlateDecode), whose objects the stream's header lists. */
static bool pdf_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0; }

static bool pdf_delim(char c) {
    return pdf_ws(c) || c == '/' || c == '<' || c == '>' || c == '[' || c == ']' || c == '(' || c == ')' || c == '%';
}

static const char *find(const char *p, const char *end, const char *s) {
    size_t k = strlen(s);
    for (; p < end && (size_t)(end - p) >= k; p++) {
        p = memchr(p, s[0], (size_t)(end - p) - k + 1);
        if (!p) return NULL;
        if (!memcmp(p, s, k)) return p;
    }
    return NULL;
}

/* The name NAME (with its slash) at P..END, followed by a delimiter:
** where it ends, or NULL. */
static const char *find_name(const char *p, const char *end, const char *name) {
    for (const char *q = p; (q = find(q, end, name)); q++) {
        const char *after = q + strlen(name);
        if (after >= end || pdf_delim(*after)) return after;
    }
    return NULL;
}

static bool has_type(const char *p, const char *end, const char *type) {
    size_t k = strlen(type);
    for (const char *q = p; (q = find_name(q, end, "/Type"));) {
        while (q < end && pdf_ws(*q)) q++;
        if ((size_t)(end - q) >= k && !memcmp(q, type, k) && (q + k == end || pdf_delim(q[k]))) return true;
    }
    return false;
}

/* The direct integer value of KEY in P..END (not an indirect "6 0 R"). */
static bool int_of(const char *p, const char *end, const char *key, long *v) {
    const char *c = find_name(p, end, key);
    if (!c) return false;
    while (c < end && pdf_ws(*c)) c++;
    long x = 0;
    const char *d = c;
    while (c < end && *c >= '0' && *c <= '9' && x < 100000000) x = x * 10 + (*c++ - '0');
    if (c == d) return false;
    const char *r = c;
    while (r < end && pdf_ws(*r)) r++;
    if (r < end && *r >= '0' && *r <= '9') return false; /* "6 0 R" */
    *v = x;
    return true;
}

static void pages_in(const char *p, const char *end, long *best) {
    long v;
    if (has_type(p, end, "/Pages") && int_of(p, end, "/Count", &v) && v > *best) *best = v;
}

/* Inflate a FlateDecode stream, at most 64 MiB of it; NULL on failure. */
static char *inflate_all(const char *in, size_t n, size_t *outn) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) return NULL;
    size_t cap = n * 4 + 4096, len = 0;
    char *out = malloc(cap);
    if (!out) abort();
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    for (;;) {
        z.next_out = (Bytef *)out + len;
        z.avail_out = (uInt)(cap - len);
        int r = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
        if (r == Z_STREAM_END) break;
        if ((r != Z_OK && r != Z_BUF_ERROR) || (z.avail_out != 0 && z.avail_in == 0)) {
            inflateEnd(&z);
            free(out);
            return NULL;
        }
        if (z.avail_out == 0) {
            if (cap >= (64u << 20)) {
                inflateEnd(&z);
                free(out);
                return NULL;
            }
            cap *= 2;
            out = realloc(out, cap);
            if (!out) abort();
        }
    }
    inflateEnd(&z);
    out = realloc(out, len + 1); /* NUL-terminated for strtol */
    if (!out) abort();
    out[len] = 0;
    *outn = len;
    return out;
}

/* The objects of an object stream: N pairs "objnum offset", then the
** objects from byte FIRST on. */
static void objstm(const char *dict, const char *dict_end, const char *data, const char *data_end, long *best) {
    long count, first;
    if (!int_of(dict, dict_end, "/N", &count) || !int_of(dict, dict_end, "/First", &first)) return;
    if (!find_name(dict, dict_end, "/FlateDecode") || find_name(dict, dict_end, "/DecodeParms")) return;
    while (data < data_end && (*data == '\r' || *data == '\n')) data++;
    size_t n = 0;
    char *s = inflate_all(data, (size_t)(data_end - data), &n);
    if (!s) return;
    if (first < 0 || (size_t)first > n || count < 0 || count > 1000000) {
        free(s);
        return;
    }
    long *off = malloc(((size_t)count + 1) * sizeof *off);
    if (!off) abort();
    char *c = s, *hend = s + first;
    long i = 0;
    for (; i < count; i++) {
        long v[2] = {0, 0};
        int k = 0;
        for (; k < 2; k++) {
            while (c < hend && pdf_ws(*c)) c++;
            if (c >= hend || *c < '0' || *c > '9') break;
            v[k] = strtol(c, &c, 10);
        }
        if (k < 2 || v[1] < 0 || first + v[1] > (long)n || (i && v[1] < off[i - 1])) break;
        off[i] = v[1];
    }
    off[i] = (long)n - first;
    for (long k = 0; k < i; k++) pages_in(s + first + off[k], s + first + off[k + 1], best);
    free(off);
    free(s);
}

int tb_pdf_page_count(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > (1LL << 30)) {
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    char *buf = malloc(n);
    if (!buf) abort();
    if (fread(buf, 1, n, f) != n) {
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    const char *end = buf + n;
    long best = -1;
    for (const char *p = buf; (p = find(p, end, "obj"));) {
        /* "12 0 obj": white space, then a digit, before "obj" */
        if (p - buf < 2 || !pdf_ws(p[-1]) || !(p[-2] >= '0' && p[-2] <= '9') || (p + 3 < end && !pdf_delim(p[3]))) {
            p += 3;
            continue;
        }
        const char *body = p + 3;
        const char *stop = find(body, end, "endobj");
        const char *stream = find_name(body, stop ? stop : end, "stream");
        const char *dict_end = stream ? stream - 6 : stop ? stop : end;
        if (stream) {
            const char *es = find(stream, end, "endstream");
            if (has_type(body, dict_end, "/ObjStm")) objstm(body, dict_end, stream, es ? es : end, &best);
            p = es ? es + 9 : end;
        } else {
            pages_in(body, dict_end, &best);
            p = stop ? stop + 6 : end;
        }
    }
    free(buf);
    return best > 100000000 ? -1 : (int)best;
}

static bool file_size(const char *path, size_t *bytes) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    *bytes = (size_t)st.st_size;
    return true;
}

static bool png_size(const char *path, unsigned *w, unsigned *h) {
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    unsigned char b[24];
    bool ok = fread(b, 1, 24, f) == 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8);
    fclose(f);
    if (!ok) return false;
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    return *w && *h && *w < 100000 && *h < 100000;
}

static char *sdup(const char *s) {
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static char *cat(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    if (!s) abort();
    snprintf(s, n, "%s%s", a, b);
    return s;
}

void tb_edition_find(const tb_doc *doc, const char *dir, const char *gname, tb_edition *ed) {
    memset(ed, 0, sizeof *ed);
    const char *dot = strchr(gname, '.');
    ed->guide = dot ? strndup(gname, (size_t)(dot - gname)) : sdup(gname);
    ed->name = sdup(dot ? dot + 1 : gname);
    if (!ed->guide) abort();
    ed->lang = sdup(doc->lang ? doc->lang : "");
    const tb_node *t = NULL;
    if (doc->meta)
        for (const tb_node *c = doc->meta->first; c; c = c->next)
            if (c->el == TB_EL_TITLE) t = c;
    tb_arena *a = tb_arena_new();
    if (!a) abort();
    ed->title = sdup(t ? tb_node_plain_text(a, t) : gname);
    tb_arena_free(a);
    ed->title_lang = sdup(t && t->lang ? t->lang : doc->meta && doc->meta->lang ? doc->meta->lang : ed->lang);
    ed->pages = -1;

    char *base = malloc(strlen(dir) + strlen(gname) + 32);
    if (!base) abort();
    sprintf(base, "%s/%s", dir, gname);
    char *p = cat(base, ".pdf");
    if (file_size(p, &ed->pdf.bytes)) {
        ed->pdf.name = cat(gname, ".pdf");
        ed->pages = tb_pdf_page_count(p);
    }
    free(p);
    p = cat(base, ".print.pdf");
    if (file_size(p, &ed->print.bytes)) ed->print.name = cat(gname, ".print.pdf");
    free(p);
    size_t ignore;
    p = cat(base, ".html");
    if (file_size(p, &ignore)) ed->html = cat(gname, ".html");
    free(p);
    free(base);
    base = malloc(strlen(dir) + strlen(gname) + 32);
    if (!base) abort();
    sprintf(base, "%s/thumbs/%s.png", dir, gname);
    if (png_size(base, &ed->thumb_w, &ed->thumb_h)) ed->thumbnail = sdup(base + strlen(dir) + 1); /* thumbs/… */
    free(base);
}

void tb_edition_free(tb_edition *ed) {
    if (!ed) return;
    free(ed->guide);
    free(ed->name);
    free(ed->lang);
    free(ed->title);
    free(ed->title_lang);
    free((char *)ed->pdf.name);
    free((char *)ed->print.name);
    free(ed->html);
    free(ed->thumbnail);
    memset(ed, 0, sizeof *ed);
}

/* ---- the page and the JSON ------------------------------------------------ */

static int cmp_edition(const void *x, const void *y) {
    const tb_edition *a = x, *b = y;
    int c = strcmp(a->guide, b->guide);
    if (c) return c;
    int la = edition_lang(a->name, a->lang), lb = edition_lang(b->name, b->lang);
    if (la < 0) la = NLANGS;
    if (lb < 0) lb = NLANGS;
    if (la != lb) return la - lb;
    return strcmp(a->name, b->name);
}

static const char INDEX_CSS[] =
    "body{margin:0 auto;max-width:60rem;padding:1rem 1.25rem 3rem;color:#1b1b1b;background:#fff;"
    "font-family:\"BIZ UDPGothic\",\"BIZ UDGothic\",\"Hiragino Sans\",\"Hiragino Kaku Gothic ProN\","
    "\"Yu Gothic\",YuGothic,Meiryo,\"Noto Sans CJK JP\",\"Noto Sans JP\",sans-serif;font-size:1.0625rem;"
    "line-height:1.7;overflow-wrap:break-word}\n"
    ":lang(zh-Hans){font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"PingFang SC\",\"Microsoft YaHei\","
    "sans-serif}\n"
    ":lang(zh-Hant){font-family:\"Noto Sans CJK TC\",\"Noto Sans TC\",\"PingFang TC\",\"Microsoft JhengHei\","
    "sans-serif}\n"
    ":lang(ko){font-family:\"Noto Sans CJK KR\",\"Noto Sans KR\",\"Malgun Gothic\",sans-serif}\n"
    ":lang(th){font-family:\"Noto Sans Thai\",Tahoma,sans-serif}"
    ":lang(ne){font-family:\"Noto Sans Devanagari\",\"Nirmala UI\",sans-serif}\n"
    "h1{font-size:1.75rem;line-height:1.4}h2{font-size:1.35rem;line-height:1.4;margin-top:2em;"
    "border-bottom:2px solid #1b1b1b;padding-bottom:.2em}\n"
    "a{color:#0b57d0}a:focus-visible{outline:3px solid #f90;outline-offset:2px}\n"
    ".table-wrap{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #c8c8c8;padding:.5em .7em;"
    "text-align:start;vertical-align:top}thead th{background:#f4f6f8;white-space:nowrap}\n"
    "td.thumb{width:130px}td.thumb img{display:block;width:120px;height:auto;border:1px solid #c8c8c8}\n"
    "td.pages{white-space:nowrap}ul.files{list-style:none;margin:0;padding:0}ul.files li{margin:.15em 0}"
    "ul.files a{white-space:nowrap}td.title{min-width:9em}\n"
    "@media (max-width:40rem){body{padding:.75rem}td.thumb{width:64px}td.thumb img{width:60px}"
    "th,td{padding:.4em .5em}}\n";

static void json_str(hbuf *b, const char *s) {
    if (!s) {
        hb_s(b, "null");
        return;
    }
    hb_s(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"') hb_s(b, "\\\"");
        else if (*p == '\\') hb_s(b, "\\\\");
        else if (*p == '\n') hb_s(b, "\\n");
        else if (*p == '\t') hb_s(b, "\\t");
        else if (*p < 0x20 || *p == 0x7F) hb_f(b, "\\u%04x", *p);
        else hb_put(b, (const char *)p, 1);
    }
    hb_s(b, "\"");
}

static void json_file(hbuf *b, const tb_html_file *f) {
    if (!f->name) {
        hb_s(b, "null");
        return;
    }
    hb_s(b, "{\"file\": ");
    json_str(b, f->name);
    hb_f(b, ", \"bytes\": %zu}", f->bytes);
}

static void id_value(hbuf *b, const char *s) {
    for (const char *p = s; *p; p++) {
        char c = (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') ? '_' : *p;
        hb_esc(b, &c, 1, true);
    }
}

static void pdf_link(hbuf *b, const tb_html_file *f, const char *what) {
    char size[32];
    tb_html_size(f->bytes, false, size, sizeof size);
    hb_s(b, "<li><a href=\"");
    hb_url_path(b, f->name);
    hb_s(b, "\" type=\"application/pdf\">");
    hb_text(b, what);
    hb_f(b, "（PDF形式・%s）</a></li>", size);
}

void tb_html_index(tb_edition *eds, size_t n, unsigned char **html, size_t *hlen, unsigned char **json,
                   size_t *jlen) {
    if (n > 1) qsort(eds, n, sizeof *eds, cmp_edition);
    hbuf h = {0}, j = {0};
    hb_s(&h, "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<title>ガイド一覧</title>\n<meta name=\"generator\" content=\"tebiki\">\n<style>\n");
    hb_s(&h, INDEX_CSS);
    hb_s(&h, "</style>\n</head>\n<body>\n<header>\n<h1>ガイド一覧</h1>\n"
             "<p>ガイドを言語ごとに掲載しています。閲覧用のPDFと印刷用のPDFのほか、同じ内容をHTML版でもご覧いただけます。</p>\n");
    size_t nguides = 0;
    for (size_t i = 0; i < n; i++) nguides += i == 0 || strcmp(eds[i].guide, eds[i - 1].guide);
    if (nguides > 1) {
        hb_s(&h, "<nav aria-label=\"ガイドの一覧\">\n<ul>\n");
        for (size_t i = 0; i < n; i++) {
            if (i && !strcmp(eds[i].guide, eds[i - 1].guide)) continue;
            hb_s(&h, "<li><a href=\"#guide-");
            id_value(&h, eds[i].guide);
            hb_s(&h, "\"");
            hb_attr(&h, "lang", eds[i].title_lang);
            hb_s(&h, ">");
            hb_text(&h, eds[i].title);
            hb_s(&h, "</a></li>\n");
        }
        hb_s(&h, "</ul>\n</nav>\n");
    }
    hb_s(&h, "</header>\n<main>\n");
    hb_s(&j, "[");
    for (size_t i = 0; i < n; i++) {
        const tb_edition *e = &eds[i];
        bool first = i == 0 || strcmp(e->guide, eds[i - 1].guide);
        bool last = i + 1 == n || strcmp(e->guide, eds[i + 1].guide);
        const char *name_lang = NULL;
        const char *language = tb_language_name(e->name, e->lang, &name_lang);
        if (first) {
            hb_s(&h, "<section id=\"guide-");
            id_value(&h, e->guide);
            hb_s(&h, "\">\n<h2");
            hb_attr(&h, "lang", e->title_lang);
            hb_s(&h, ">");
            hb_text(&h, e->title);
            hb_s(&h, "</h2>\n<div class=\"table-wrap\"><table>\n<thead><tr><th scope=\"col\">表紙</th>"
                     "<th scope=\"col\">言語</th><th scope=\"col\">タイトル</th><th scope=\"col\">ページ数</th>"
                     "<th scope=\"col\">ファイル</th></tr></thead>\n<tbody>\n");
        }
        hb_s(&h, "<tr>\n<td class=\"thumb\">");
        if (e->thumbnail) {
            hb_s(&h, "<img src=\"");
            hb_url_path(&h, e->thumbnail);
            hb_s(&h, "\"");
            hb_attr(&h, "alt", "表紙");
            if (e->thumb_w && e->thumb_h) hb_f(&h, " width=\"%u\" height=\"%u\"", e->thumb_w, e->thumb_h);
            hb_s(&h, ">");
        }
        hb_s(&h, "</td>\n<th scope=\"row\"><span");
        hb_attr(&h, "lang", name_lang ? name_lang : "");
        hb_s(&h, ">");
        hb_text(&h, language);
        hb_s(&h, "</span></th>\n<td class=\"title\"");
        hb_attr(&h, "lang", e->title_lang);
        hb_s(&h, ">");
        hb_text(&h, e->title);
        hb_s(&h, "</td>\n<td class=\"pages\">");
        if (e->pages > 0) hb_f(&h, "%dページ", e->pages);
        else hb_s(&h, "—");
        hb_s(&h, "</td>\n<td><ul class=\"files\">");
        if (e->html) {
            hb_s(&h, "<li><a href=\"");
            hb_url_path(&h, e->html);
            hb_s(&h, "\">HTML版</a></li>");
        }
        if (e->pdf.name) pdf_link(&h, &e->pdf, "閲覧用");
        if (e->print.name) pdf_link(&h, &e->print, "印刷用");
        hb_s(&h, "</ul></td>\n</tr>\n");
        if (last) hb_s(&h, "</tbody>\n</table></div>\n</section>\n");

        hb_s(&j, i ? ",\n  {" : "\n  {");
        hb_s(&j, "\"guide\": ");
        json_str(&j, e->guide);
        hb_s(&j, ", \"name\": ");
        json_str(&j, e->name);
        hb_s(&j, ", \"lang\": ");
        json_str(&j, e->lang);
        hb_s(&j, ", \"language\": ");
        json_str(&j, language);
        hb_s(&j, ",\n   \"title\": ");
        json_str(&j, e->title);
        if (e->pages > 0) hb_f(&j, ", \"pages\": %d", e->pages);
        else hb_s(&j, ", \"pages\": null");
        hb_s(&j, ",\n   \"pdf\": ");
        json_file(&j, &e->pdf);
        hb_s(&j, ", \"print\": ");
        json_file(&j, &e->print);
        hb_s(&j, ",\n   \"html\": ");
        json_str(&j, e->html);
        hb_s(&j, ", \"thumbnail\": ");
        json_str(&j, e->thumbnail);
        hb_s(&j, "}");
    }
    if (!n) hb_s(&h, "<p>ガイドはまだありません。</p>\n");
    hb_s(&h, "</main>\n</body>\n</html>\n");
    hb_s(&j, n ? "\n]\n" : "]\n");
    *html = (unsigned char *)h.s;
    *hlen = h.n;
    *json = (unsigned char *)j.s;
    *jlen = j.n;
}
