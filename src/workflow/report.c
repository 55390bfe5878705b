/*
** report.c — the quality report; see report.h.
*/
#include "report.h"
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    size_t guide;          /* index into r->guides */
    char *file, *msg;
    int line, col;
    tb_severity sev;
    const char *kind;      /* a constant */
} entry;

typedef struct guide {
    char *file, *output, *variant;
    size_t pages, errors, warnings;
    int status;
} guide;

struct tb_report {
    entry *e;
    size_t n, cap;
    guide *g;
    size_t ng, gcap;
};

tb_report *tb_report_new(void) { return calloc(1, sizeof(tb_report)); }

void tb_report_free(tb_report *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->e[i].file);
        free(r->e[i].msg);
    }
    for (size_t i = 0; i < r->ng; i++) {
        free(r->g[i].file);
        free(r->g[i].output);
        free(r->g[i].variant);
    }
    free(r->e);
    free(r->g);
    free(r);
}

static bool starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

/* The order here is the order of the summary line. */
static const char *const KINDS[] = {
    TB_KIND_OVERFULL_LINE, TB_KIND_LOOSE_LINE, TB_KIND_KINSOKU_YIELD, TB_KIND_WIDOW, TB_KIND_ORPHAN,
    TB_KIND_MISSING_GLYPH, TB_KIND_LOW_RESOLUTION_IMAGE, TB_KIND_NEAR_TRIM, "small-text", TB_KIND_INK_LIMIT,
    "blank-pages", "no-reading", "input", "other",
};
enum { NKINDS = sizeof KINDS / sizeof KINDS[0] };

/* The report's own constant for the kind a stage gave (diag.h), or NULL
** when it is none of the report's kinds. */
static const char *known_kind(const char *kind) {
    for (size_t k = 0; kind && k < NKINDS; k++)
        if (!strcmp(KINDS[k], kind)) return KINDS[k];
    return NULL;
}

const char *tb_report_kind(tb_severity sev, const char *msg) {
    if (!msg) msg = "";
    /* break: "overfull line: …", "loose line: …", "kinsoku: …"; paginate:
    ** "widow: …", "orphan: …" (these carry their kind: the fallback) */
    if (starts(msg, "overfull line")) return "overfull-line";
    if (starts(msg, "loose line")) return "loose-line";
    if (starts(msg, "kinsoku")) return "kinsoku-yield";
    if (starts(msg, "widow")) return "widow";
    if (starts(msg, "orphan")) return "orphan";
    /* shape: "no font has the character U+…"; render: "font '…' has no glyph …" */
    if (starts(msg, "no font has the character") || strstr(msg, "has no glyph")) return "missing-glyph";
    /* render, print preflight */
    if (starts(msg, "image ") && strstr(msg, " ppi at its placed size")) return "low-resolution-image";
    if (strstr(msg, "of the trim edge") || strstr(msg, "from the trim edge")) return "near-trim";
    if (strstr(msg, "runs of text below")) return "small-text";
    if (strstr(msg, "total ink")) return "ink-limit";
    if (strstr(msg, "saddle-stitched booklet needs")) return "blank-pages";
    /* furigana */
    if (starts(msg, "no reading for")) return "no-reading";
    return sev == TB_ERROR ? "input" : "other";
}

/* ---- locating a finding in the document ------------------------------- */

/* realpath() of PATH, or a copy of PATH when it does not resolve. */
static char *canon(const char *path) {
    char *p = realpath(path, NULL);
    return p ? p : strdup(path);
}

typedef struct finder {
    const tb_doc *doc;
    const char *want_img;   /* canonical path of an image, or NULL */
    const char *want_text;  /* a snippet of text, or NULL */
    const tb_node *found;
    size_t hits;
} finder;

static void find_walk(finder *f, const tb_node *n) {
    for (; n; n = n->next) {
        if (f->want_img && n->el == TB_EL_IMG && n->src && f->doc->dir) {
            size_t len = strlen(f->doc->dir) + strlen(n->src) + 2;
            char *p = malloc(len);
            if (p) {
                snprintf(p, len, "%s/%s", f->doc->dir, n->src);
                char *c = canon(p);
                if (c && !strcmp(c, f->want_img)) {
                    if (!f->hits++) f->found = n;
                }
                free(c);
                free(p);
            }
        }
        if (f->want_text && n->el == TB_EL_TEXT && n->text && strstr(n->text, f->want_text)) {
            if (!f->hits++) f->found = n;
        }
        find_walk(f, n->first);
    }
}

/* The line and column of N, or of its nearest ancestor that has one. */
static void node_pos(const tb_node *n, int *line, int *col) {
    for (; n; n = n->parent)
        if (n->line > 0) {
            *line = n->line;
            *col = n->col;
            return;
        }
}

/* "image PATH is 212 ppi …" / "image PATH has up to …" → PATH (malloc'd) */
static char *image_in(const char *msg) {
    if (!starts(msg, "image ")) return NULL;
    const char *s = msg + 6;
    const char *is = strstr(s, " is "), *has = strstr(s, " has ");
    const char *end = is && (!has || is < has) ? is : has;
    if (!end || end == s) return NULL;
    return strndup(s, (size_t)(end - s));
}

/* "… 「TEXT」 …" → TEXT (malloc'd), when it says something: two characters
** or more, not only digits and spaces (a folio or a number would match
** anywhere). */
static char *quoted_in(const char *msg) {
    const char *a = strstr(msg, "「");
    if (!a) return NULL;
    a += strlen("「");
    const char *b = strstr(a, "」");
    if (!b || b == a) return NULL;
    size_t chars = 0;
    bool meaningful = false;
    for (const char *p = a; p < b; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) != 0x80) chars++;
        if (!(c == ' ' || (c >= '0' && c <= '9'))) meaningful = true;
    }
    if (chars < 2 || !meaningful) return NULL;
    return strndup(a, (size_t)(b - a));
}

static void locate(const tb_doc *doc, const char *msg, int *line, int *col) {
    if (!doc || !doc->root) return;
    finder f = {doc, NULL, NULL, NULL, 0};
    char *img = image_in(msg), *text = NULL;
    if (img) {
        f.want_img = canon(img);
        free(img);
    } else if ((text = quoted_in(msg)))
        f.want_text = text;
    else return;
    find_walk(&f, doc->root);
    /* an image shown twice: the first place (its resolution is reported at
    ** its largest placed size, but either place fixes it); a text: only
    ** when it is in one place */
    if (f.found && (f.want_img || f.hits == 1)) node_pos(f.found, line, col);
    free((char *)f.want_img);
    free(text);
}

/* ---- recording ----------------------------------------------------------- */

void tb_report_guide(tb_report *r, const tb_diags *diags, const char *gfile, const char *output,
                     const char *variant, size_t pages, int status, const tb_doc *doc) {
    if (!r) return;
    if (r->ng == r->gcap) {
        size_t cap = r->gcap ? r->gcap * 2 : 8;
        guide *g = realloc(r->g, cap * sizeof *g);
        if (!g) return;
        r->g = g;
        r->gcap = cap;
    }
    guide *g = &r->g[r->ng];
    *g = (guide){strdup(gfile ? gfile : ""), output ? strdup(output) : NULL, strdup(variant ? variant : ""),
                 pages, 0, 0, status};
    size_t gi = r->ng++;
    size_t n = diags ? tb_diags_len(diags) : 0;
    for (size_t i = 0; i < n; i++) {
        const tb_diag *d = tb_diags_at(diags, i);
        if (r->n == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 32;
            entry *e = realloc(r->e, cap * sizeof *e);
            if (!e) return;
            r->e = e;
            r->cap = cap;
        }
        entry *e = &r->e[r->n++];
        /* the kind the stage gave; the message's for a diagnostic without */
        const char *kind = known_kind(d->kind);
        *e = (entry){gi, strdup(d->file ? d->file : ""), strdup(d->msg ? d->msg : ""), d->line, d->col, d->sev,
                     kind ? kind : tb_report_kind(d->sev, d->msg)};
        if (e->line <= 0 && gfile && !strcmp(e->file, gfile)) locate(doc, e->msg, &e->line, &e->col);
        if (d->sev == TB_ERROR) g->errors++;
        else g->warnings++;
    }
}

size_t tb_report_count(const tb_report *r, const char *kind) {
    size_t k = 0;
    for (size_t i = 0; r && i < r->n; i++) k += !strcmp(r->e[i].kind, kind);
    return k;
}

/* ---- JSON ------------------------------------------------------------------ */

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
    bool oom;
} buf;

static void put(buf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static void putf(buf *b, const char *fmt, long long v) {
    char t[32];
    int k = snprintf(t, sizeof t, fmt, v);
    if (k > 0) put(b, t, (size_t)k);
}

/* A JSON string; invalid UTF-8 bytes become U+FFFD. */
static void str(buf *b, const char *s) {
    if (!s) {
        puts_(b, "null");
        return;
    }
    puts_(b, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            char t[2] = {'\\', (char)c};
            put(b, t, 2);
            p++;
        } else if (c < 0x20) {
            char t[8];
            const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (!esc) {
                snprintf(t, sizeof t, "\\u%04x", c);
                esc = t;
            }
            puts_(b, esc);
            p++;
        } else if (c < 0x80) {
            put(b, (const char *)p, 1);
            p++;
        } else {
            size_t len = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
            bool ok = len > 0;
            for (size_t k = 1; ok && k < len; k++) ok = (p[k] & 0xC0) == 0x80;
            if (ok) {
                put(b, (const char *)p, len);
                p += len;
            } else {
                puts_(b, "\\ufffd");
                p++;
            }
        }
    }
    puts_(b, "\"");
}

bool tb_report_json(const tb_report *r, unsigned char **out, size_t *len) {
    buf b = {0};
    puts_(&b, "{\n\"version\": 1,\n\"guides\": [");
    for (size_t i = 0; i < r->ng; i++) {
        const guide *g = &r->g[i];
        puts_(&b, i ? ",\n  {\"guide\": " : "\n  {\"guide\": ");
        str(&b, g->file);
        puts_(&b, ", \"output\": ");
        str(&b, g->output);
        puts_(&b, ", \"variant\": ");
        str(&b, g->variant);
        putf(&b, ", \"pages\": %lld", (long long)g->pages);
        putf(&b, ", \"status\": %lld", g->status);
        putf(&b, ", \"errors\": %lld", (long long)g->errors);
        putf(&b, ", \"warnings\": %lld}", (long long)g->warnings);
    }
    puts_(&b, r->ng ? "\n],\n\"entries\": [" : "],\n\"entries\": [");
    for (size_t i = 0; i < r->n; i++) {
        const entry *e = &r->e[i];
        puts_(&b, i ? ",\n  {\"guide\": " : "\n  {\"guide\": ");
        str(&b, r->g[e->guide].file);
        puts_(&b, ", \"file\": ");
        str(&b, e->file);
        putf(&b, ", \"line\": %lld", e->line > 0 ? e->line : 0);
        putf(&b, ", \"col\": %lld", e->line > 0 ? (e->col > 0 ? e->col : 1) : 0);
        puts_(&b, e->sev == TB_ERROR ? ", \"severity\": \"error\"" : ", \"severity\": \"warning\"");
        puts_(&b, ", \"kind\": ");
        str(&b, e->kind);
        puts_(&b, ", \"message\": ");
        str(&b, e->msg);
        puts_(&b, "}");
    }
    puts_(&b, r->n ? "\n],\n\"counts\": {" : "],\n\"counts\": {");
    bool first = true;
    for (size_t k = 0; k < NKINDS; k++) {
        size_t c = tb_report_count(r, KINDS[k]);
        if (!c) continue;
        puts_(&b, first ? "" : ", ");
        first = false;
        str(&b, KINDS[k]);
        putf(&b, ": %lld", (long long)c);
    }
    puts_(&b, "}\n}\n");
    if (b.oom) {
        free(b.p);
        return false;
    }
    *out = b.p;
    *len = b.n;
    return true;
}

void tb_report_summary(const tb_report *r, FILE *f, const char *file) {
    size_t guides = r->ng;
    fprintf(f, "report: %zu finding%s in %zu guide%s", r->n, r->n == 1 ? "" : "s", guides, guides == 1 ? "" : "s");
    const char *sep = ": ";
    for (size_t k = 0; k < NKINDS; k++) {
        size_t c = tb_report_count(r, KINDS[k]);
        if (!c) continue;
        fprintf(f, "%s%zu %s", sep, c, KINDS[k]);
        sep = ", ";
    }
    if (file) fprintf(f, " (%s)", file);
    fputc('\n', f);
}
