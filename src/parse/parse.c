/*
** parse.c — guide XML to the document tree; see doc.h.
**
** Safety first: libxml2 runs with XML_PARSE_NONET and without NOENT or
** DTDLOAD, and a DOCTYPE stops the parse before any entity is declared,
** so nothing is fetched and nothing is expanded.  Columns are captured in
** the SAX start-element callback (libxml2 keeps only lines on nodes).
*/
#include "doc.h"
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../base/utf8.h"
#include "../base/workq.h"

/* ORDER: tb_el */
static const char *const el_names[TB_EL_COUNT] = {
    "#text", "guide", "meta", "title", "subtitle", "author", "publisher", "date",
    "description", "keywords", "cover", "back-cover", "toc", "section",
    "p", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead", "tbody",
    "tr", "th", "td", "figure", "img", "figcaption", "aside", "blockquote", "qr",
    "hr", "pagebreak", "columnbreak",
    "em", "strong", "small", "sup", "sub", "a", "ref", "ruby", "rt", "rp", "span",
    "br", "tcy", "nobr", "q",
};

const char *tb_el_name(tb_el el) { return el < TB_EL_COUNT ? el_names[el] : "?"; }

/* Attributes each element may carry besides id, class, xml:lang, furigana;
** a leading '!' marks a required one. */
static const char *el_attrs(tb_el el) {
    switch (el) {
    case TB_EL_GUIDE: return "!layout version";
    case TB_EL_OL: return "start";
    case TB_EL_TH: case TB_EL_TD: return "colspan rowspan";
    case TB_EL_IMG: return "!src !alt width";
    case TB_EL_ASIDE: case TB_EL_TOC: return "title";
    case TB_EL_QR: return "!href size";
    case TB_EL_A: return "!href";
    case TB_EL_REF: return "!to";
    default: return "";
    }
}

static bool is_inline(tb_el el) { return el >= TB_EL_EM || el == TB_EL_TEXT; }

struct tb_parser {
    tb_ctx *ctx;
    /* the schema is compiled on the second core (tb_ctx_workq) while the
       first guide is read; these are the job's until schema_ready() */
    char *schema_path;         /* owned */
    xmlRelaxNGPtr schema;      /* owned; NULL: it could not be compiled */
    tb_diags *schema_diags;    /* owned: the compiler's messages */
    bool schema_waited;        /* the job is done and its messages passed on */
    const char *file;          /* file being parsed (borrowed) */
    bool saw_doctype;
    bool stopped;              /* the parse was stopped (DOCTYPE, depth):
                                  libxml2's follow-on errors are dropped */
    bool wf_error;             /* a well-formedness error was reported */
    xmlParserCtxtPtr ctxt;     /* during tb_parse_file (borrowed) */
};

/* ---- errors from libxml2 ----------------------------------------------- */

/* Elements that never have content: HTML writes them <br>, a guide <br/>. */
static bool always_empty(const char *name) {
    static const char *const v[] = {"br", "img", "hr", "pagebreak", "columnbreak", "ref", "qr", "toc"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (!strcmp(name, v[i])) return true;
    return false;
}

/* The column of the start of the token ending at column COL, when the
** token (of LEN bytes) lies on one line. */
static int token_col(int col, size_t len) { return col > (int)len ? col - (int)len : col; }

/* One line per diagnostic: libxml2 puts details on a second line. */
static void one_line(char *msg) {
    for (char *c = msg; *c; c++)
        if (*c == '\n') *c = ' ';
    size_t n = strlen(msg);
    while (n && msg[n - 1] == ' ') msg[--n] = 0;
}

static void on_xml_error(void *data, const xmlError *e) {
    tb_parser *p = data;
    if (!e || e->level == XML_ERR_WARNING) return;
    if (p->saw_doctype || p->stopped) return; /* the error that stopped it says it all */
    bool wf = e->domain == XML_FROM_PARSER || e->domain == XML_FROM_IO || e->domain == XML_FROM_I18N;
    /* a file that is not well-formed: the first error is the one to fix;
    ** the ones after it are most often its echoes (one unclosed tag makes
    ** every later end tag mismatch) */
    if (wf && p->wf_error) return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "malformed XML");
    one_line(msg);
    int line = e->line, col = e->int2;
    const char *s1 = e->str1, *s2 = e->str2;
    /* libxml2's most common messages, said the way a guide's author thinks.
    ** Only the parser's: RELAX NG validity codes are another enumeration
    ** whose numbers overlap these (XML_RELAXNG_ERR_INVALIDATTR is 27, like
    ** XML_WAR_UNDECLARED_ENTITY: width="-50%" came out as an unknown entity
    ** &width;, found by fuzz/). */
    if (wf) switch (e->code) {
    case XML_ERR_TAG_NAME_MISMATCH:
        if (s1 && s2 && always_empty(s1)) {
            /* the HTML habit <br> */
            snprintf(msg, sizeof msg, "<%s> is never closed: write an empty element as <%s/>", s1, s1);
            /* at the <br> itself: the open element being closed */
            const xmlNode *open = p->ctxt ? p->ctxt->node : NULL;
            if (open && open->name && !strcmp((const char *)open->name, s1)) {
                line = (int)xmlGetLineNo(open);
                col = (int)(intptr_t)open->_private;
            } else {
                col = token_col(col, strlen(s2) + 3);
            }
        } else if (s1 && s2) {
            snprintf(msg, sizeof msg, "</%s> does not close <%s> (opened on line %d): a closing tag is missing or misspelt",
                     s2, s1, e->int1);
            col = token_col(col, strlen(s2) + 3);
        }
        break;
    case XML_ERR_TAG_NOT_FINISHED:
        if (s1) snprintf(msg, sizeof msg, "the file ends before <%s> (opened on line %d) is closed", s1, e->int1);
        break;
    case XML_ERR_DOCUMENT_EMPTY:
        snprintf(msg, sizeof msg, "the file has no <guide> element (it is empty, or has text before the first tag)");
        break;
    case XML_ERR_UNDECLARED_ENTITY:
    case XML_WAR_UNDECLARED_ENTITY:
        if (s1)
            snprintf(msg, sizeof msg,
                     "unknown entity &%s;: a guide knows only &amp; &lt; &gt; &quot; &apos; and &#NNNN; "
                     "(or type the character itself)", s1);
        break;
    case XML_ERR_ENTITYREF_SEMICOL_MISSING:
        snprintf(msg, sizeof msg, "a '&' that does not start an entity: write a literal & as &amp;");
        break;
    case XML_ERR_NAME_REQUIRED:
        if (strstr(msg, "EntityRef"))
            snprintf(msg, sizeof msg, "a '&' that does not start an entity: write a literal & as &amp;");
        else if (strstr(msg, "StartTag"))
            snprintf(msg, sizeof msg, "a '<' that does not start a tag: write a literal < as &lt;");
        break;
    case XML_ERR_ATTRIBUTE_NOT_STARTED:
        snprintf(msg, sizeof msg, "an attribute value must be in quotes (name=\"value\")");
        break;
    case XML_ERR_ATTRIBUTE_REDEFINED:
        if (s1) snprintf(msg, sizeof msg, "the attribute '%s' is given twice", s1);
        break;
    case XML_ERR_DOCUMENT_END:
        snprintf(msg, sizeof msg, "text or markup after the end of <guide>");
        break;
    case XML_ERR_INVALID_CHAR:
    case XML_ERR_INVALID_ENCODING:
        if (strstr(msg, "UTF-8")) {
            const char *bytes = strstr(msg, "Bytes:");
            char tail[96] = "";
            if (bytes) snprintf(tail, sizeof tail, " (bytes %s)", bytes + 7);
            snprintf(msg, sizeof msg, "the file is not valid UTF-8%s; save it as UTF-8", tail);
        }
        break;
    default:
        break;
    }
    if (e->node && e->domain == XML_FROM_RELAXNGV) {
        const xmlNode *nd = e->node;
        line = (int)xmlGetLineNo(nd);
        col = (int)(intptr_t)nd->_private;
    }
    if (wf) p->wf_error = true;
    tb_error(p->ctx, p->file, line, col, "%s", msg);
}

/* The schema compiler's messages, as they are (a broken installation, not
** a guide): one line each, into the job's own list. */
static void on_schema_error(void *data, const xmlError *e) {
    tb_parser *p = data;
    if (!e || e->level == XML_ERR_WARNING) return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
    one_line(msg);
    tb_diags_add(p->schema_diags, TB_ERROR, p->schema_path, e->line, e->int2, "%s", msg);
}

static void on_internal_subset(void *ctxp, const xmlChar *name, const xmlChar *ext, const xmlChar *sys) {
    (void)name; (void)ext; (void)sys;
    xmlParserCtxtPtr ctxt = ctxp;
    tb_parser *p = ctxt->_private;
    /* point at "<!DOCTYPE" when it is on the current line */
    int col = xmlSAX2GetColumnNumber(ctxt);
    if (ctxt->input && ctxt->input->cur && ctxt->input->base) {
        const xmlChar *c = ctxt->input->cur;
        int back = 0;
        while (c > ctxt->input->base && *c != '\n' && strncmp((const char *)c, "<!DOCTYPE", 9)) {
            c--;
            if ((*c & 0xC0) != 0x80) back++;
        }
        if (!strncmp((const char *)c, "<!DOCTYPE", 9) && back < col) col -= back;
    }
    tb_error(p->ctx, p->file, xmlSAX2GetLineNumber(ctxt), col,
             "a DOCTYPE is not allowed in a guide (entities are never loaded or expanded)");
    p->saw_doctype = true;
    xmlStopParser(ctxt);
}

/* Column of the '<' of the start tag just parsed, when it is on the line
** where the tag ends; else the column where it ends. */
static void on_start(void *ctxp, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *URI, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
    xmlParserCtxtPtr ctxt = ctxp;
    xmlSAX2StartElementNs(ctxp, localname, prefix, URI, nb_namespaces, namespaces,
                          nb_attributes, nb_defaulted, attributes);
    int col = ctxt->input ? ctxt->input->col : 0;
    if (ctxt->input && ctxt->input->cur && ctxt->input->base) {
        const xmlChar *c = ctxt->input->cur;
        int back = 0;
        while (c > ctxt->input->base && *c != '<' && *c != '\n') {
            c--;
            if ((*c & 0xC0) != 0x80) back++;
        }
        if (*c == '<' && back < col) col -= back;
    }
    if (ctxt->node) ctxt->node->_private = (void *)(intptr_t)col;
    /* the nesting limit, before libxml2's own (256, with a message about
    ** its API) and before a deep tree costs anything */
    tb_parser *p = ctxt->_private;
    if (!p->stopped && ctxt->nodeNr > 0 && (size_t)ctxt->nodeNr > p->ctx->limits.max_depth) {
        tb_error(p->ctx, p->file, xmlSAX2GetLineNumber(ctxt), col, "elements nested more than %zu deep",
                 p->ctx->limits.max_depth);
        p->stopped = true;
        xmlStopParser(ctxt);
    }
}

/* ---- parser object ------------------------------------------------------ */

/* The job: compile the schema (libxml2 keeps no shared state for it but
** its one-time initialisation, done by tb_parser_new first). */
static void compile_schema(void *arg) {
    tb_parser *p = arg;
    xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewParserCtxt(p->schema_path);
    if (!pc) return;
    xmlRelaxNGSetParserStructuredErrors(pc, (xmlStructuredErrorFunc)on_schema_error, p);
    p->schema = xmlRelaxNGParse(pc);
    xmlRelaxNGFreeParserCtxt(pc);
}

tb_parser *tb_parser_new(tb_ctx *ctx) {
    char *path = tb_ctx_find(ctx, "schema", "schema", "guide.rng");
    if (!path) {
        tb_error(ctx, "schema/guide.rng", 0, 0, "the guide schema was not found");
        return NULL;
    }
    tb_parser *p = calloc(1, sizeof *p);
    tb_diags *sd = tb_diags_new();
    if (!p || !sd) {
        tb_error(ctx, path, 0, 0, "out of memory");
        free(p);
        tb_diags_free(sd);
        free(path);
        return NULL;
    }
    p->ctx = ctx;
    p->schema_path = path;
    p->schema_diags = sd;
    xmlInitParser(); /* here, not on two threads at once */
    tb_workq_add(tb_ctx_workq(ctx), compile_schema, p);
    return p;
}

/* Wait for the schema; its messages go to the diagnostics once.  False
** when it could not be compiled (reported). */
static bool schema_ready(tb_parser *p) {
    if (!p->schema_waited) {
        tb_workq_wait_for(p->ctx->wq, p);
        p->schema_waited = true;
        for (size_t i = 0; i < tb_diags_len(p->schema_diags); i++)
            tb_diags_push(p->ctx->diags, tb_diags_at(p->schema_diags, i));
        if (!p->schema) tb_error(p->ctx, p->schema_path, 0, 0, "the guide schema cannot be compiled");
    }
    return p->schema != NULL;
}

bool tb_parser_broken(tb_parser *p) { return p && !schema_ready(p); }

void tb_parser_free(tb_parser *p) {
    if (!p) return;
    tb_workq_wait_for(p->ctx->wq, p);
    xmlRelaxNGFree(p->schema);
    tb_diags_free(p->schema_diags);
    free(p->schema_path);
    free(p);
}

/* ---- checks ------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b), d[64];
    if (la > 60 || lb > 60) return 99;
    for (size_t j = 0; j <= lb; j++) d[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = d[0];
        d[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t t = d[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (d[j] + 1 < best) best = d[j] + 1;
            if (d[j - 1] + 1 < best) best = d[j - 1] + 1;
            d[j] = best;
            prev = t;
        }
    }
    return d[lb];
}

/* The closest of a space-separated list of names (marks '!' skipped), if
** close enough to be a likely typo; else NULL.  Writes into BUF. */
static const char *closest(const char *name, const char *const *names, size_t n, char *buf, size_t cap) {
    size_t best = 99;
    const char *who = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(name, names[i]);
        size_t lim = strlen(names[i]) <= 3 ? 1 : strlen(names[i]) <= 6 ? 2 : 3;
        bool prefix = strlen(name) >= 3 && !strncmp(name, names[i], strlen(name));
        if ((d <= lim || prefix) && d < best) best = d, who = names[i];
    }
    if (!who) return NULL;
    snprintf(buf, cap, "%s", who);
    return buf;
}

static int lookup_el(const char *name) {
    for (int i = 1; i < TB_EL_COUNT; i++)
        if (!strcmp(name, el_names[i])) return i;
    return -1;
}

static bool attr_allowed(tb_el el, const char *name, bool *req) {
    static const char *common = "id class lang furigana";
    char list[128];
    snprintf(list, sizeof list, "%s %s", common, el_attrs(el));
    for (char *s = strtok(list, " "); s; s = strtok(NULL, " ")) {
        bool r = *s == '!';
        if (!strcmp(s + r, name)) {
            if (req) *req = r;
            return true;
        }
    }
    return false;
}

typedef struct build {
    tb_parser *p;
    tb_arena *a;
    tb_doc *doc;
    size_t depth;
    /* white-space state within one inline flow */
    bool pend, pend_nl;       /* white space seen, not yet emitted */
    unsigned prev;            /* last character emitted in this flow, 0 at start */
    tb_node *last_text;       /* where a pending space goes if no text follows */
    char *buf; size_t len, cap;  /* text of the node being built */
} build;

static void flow_reset(build *b) {
    b->pend = b->pend_nl = false;
    b->prev = 0;
    b->last_text = NULL;
}

static void buf_put(build *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) abort();
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = 0;
}

bool tb_is_cjk_break_char(unsigned c) {
    return (c >= 0x2E80 && c <= 0x2FDF) ||   /* radicals */
           (c >= 0x3000 && c <= 0x303F) ||   /* CJK symbols and punctuation */
           (c >= 0x3040 && c <= 0x30FF) ||   /* hiragana, katakana */
           (c >= 0x31C0 && c <= 0x31FF) ||   /* strokes, katakana ext */
           (c >= 0x3200 && c <= 0x33FF) ||   /* enclosed, compatibility */
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
           (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
           (c >= 0x20000 && c <= 0x3FFFF) ||
           c == 0x2026 || c == 0x2025 || c == 0x2014 || c == 0x2015 || c == 0x203B;
}

static bool is_ws(unsigned c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Apply the white-space rule to one text node of the current flow. */
static void flow_text(build *b, tb_node *n, const char *s, int line) {
    b->len = 0;
    const char *p = s;
    while (*p) {
        const char *q = p;
        unsigned c = tb_utf8_next(&q);
        if (c == 0xFFFD && (unsigned char)*p != 0xEF) {
            tb_error(b->p->ctx, b->doc->file, line, 0, "text is not valid UTF-8");
            break;
        }
        if (c == 0xFEFF) { /* reported with its position by check_boms() */
            p = q;
            continue;
        }
        if (is_ws(c)) {
            b->pend = true;
            if (c == '\n') b->pend_nl = true;
        } else {
            if (b->pend && b->prev && b->prev != ' ' &&
                !(b->pend_nl && tb_is_cjk_break_char(b->prev) && tb_is_cjk_break_char(c)))
                buf_put(b, " ", 1);
            b->pend = b->pend_nl = false;
            buf_put(b, p, (size_t)(q - p));
            b->prev = c;
        }
        p = q;
    }
    n->text = tb_arena_strndup(b->a, b->buf ? b->buf : "", b->len);
    n->ntext = b->len;
    if (b->len) b->last_text = n; /* an empty node is dropped from the tree */
}

/* An element that stands for text later (ref): a pending space before it
** is kept, at the end of the previous text. */
static void flow_atom(build *b) {
    if (b->pend && b->prev && b->last_text) {
        char *t = tb_arena_alloc(b->a, b->last_text->ntext + 2);
        memcpy(t, b->last_text->text, b->last_text->ntext);
        t[b->last_text->ntext] = ' ';
        b->last_text->text = t;
        b->last_text->ntext++;
    }
    b->pend = b->pend_nl = false;
    b->prev = 'A';
    b->last_text = NULL;
}

/* The first non-space character of X's text, 0 if none. */
static unsigned first_char(const xmlNode *x) {
    for (const xmlNode *c = x->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            for (const char *p = (const char *)c->content; p && *p;) {
                unsigned ch = tb_utf8_next(&p);
                if (!is_ws(ch)) return ch;
            }
        } else if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "rt") &&
                   strcmp((const char *)c->name, "rp")) {
            unsigned ch = first_char(c);
            if (ch) return ch;
        }
    }
    return 0;
}

/* An inline element begins: a space pending before it stays outside it
** (at the end of the text before), as in HTML, so that the element's own
** decorations (quotation marks) do not end up after it; a source line
** break between two CJK characters still vanishes. */
static void flow_enter_inline(build *b, const xmlNode *x, tb_node *parent) {
    if (!b->pend || !b->prev || !b->last_text) return;
    unsigned next = first_char(x);
    if (!next) return; /* decided by whatever follows */
    bool vanish = b->pend_nl && tb_is_cjk_break_char(b->prev) && tb_is_cjk_break_char(next);
    if (!vanish) {
        if (b->last_text->parent == parent) {
            char *t = tb_arena_alloc(b->a, b->last_text->ntext + 2);
            memcpy(t, b->last_text->text, b->last_text->ntext);
            t[b->last_text->ntext] = ' ';
            b->last_text->text = t;
            b->last_text->ntext++;
        } else {
            /* the text before ended inside another element: the space is
            ** a text node of its own at this level */
            tb_node *sp = TB_NEW(b->a, tb_node);
            sp->el = TB_EL_TEXT;
            sp->text = " ";
            sp->ntext = 1;
            sp->line = (int)xmlGetLineNo((xmlNode *)x);
            sp->parent = parent;
            if (parent->last) parent->last->next = sp;
            else parent->first = sp;
            parent->last = sp;
            b->last_text = sp;
        }
        b->prev = ' '; /* a space was just written: white space inside adds none */
    }
    b->pend = b->pend_nl = false;
}

/* An integer attribute (the schema checks the form): saturated to int, so
** that "4294967297" is too large rather than 1. */
static int int_attr(const char *v) {
    long n = strtol(v, NULL, 10);
    return n > INT_MAX ? INT_MAX : n < INT_MIN ? INT_MIN : (int)n;
}

static const char *getattr(build *b, xmlNode *x, const char *name, bool xmlns) {
    xmlChar *v = xmlns ? xmlGetNsProp(x, (const xmlChar *)name, XML_XML_NAMESPACE)
                       : xmlGetNoNsProp(x, (const xmlChar *)name);
    if (!v) return NULL;
    char *s = tb_arena_strdup(b->a, (const char *)v);
    xmlFree(v);
    return s;
}

static tb_node *convert(build *b, xmlNode *x, tb_node *parent);

static void convert_children(build *b, xmlNode *x, tb_node *n) {
    for (xmlNode *c = x->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            int el = lookup_el((const char *)c->name);
            if (el > 0 && is_inline((tb_el)el) && el != TB_EL_BR && el != TB_EL_RT && el != TB_EL_REF &&
                el != TB_EL_RP)
                flow_enter_inline(b, c, n);
        }
        tb_node *k = convert(b, c, n);
        if (!k) continue;
        k->parent = n;
        if (n->last) n->last->next = k;
        else n->first = k;
        n->last = k;
    }
}

static tb_node *convert(build *b, xmlNode *x, tb_node *parent) {
    tb_ctx *ctx = b->p->ctx;
    const char *file = b->doc->file;
    if (x->type == XML_TEXT_NODE || x->type == XML_CDATA_SECTION_NODE) {
        tb_node *n = TB_NEW(b->a, tb_node);
        n->el = TB_EL_TEXT;
        n->line = (int)xmlGetLineNo(x);
        n->parent = parent;
        flow_text(b, n, (const char *)x->content, n->line);
        if (n->ntext == 0) return NULL;
        if (parent && !is_inline(parent->el) && !(parent->el >= TB_EL_TITLE && parent->el <= TB_EL_KEYWORDS) &&
            parent->el != TB_EL_P && parent->el != TB_EL_LI && parent->el != TB_EL_DT &&
            parent->el != TB_EL_DD && parent->el != TB_EL_TH && parent->el != TB_EL_TD &&
            parent->el != TB_EL_FIGCAPTION && parent->el != TB_EL_CAPTION &&
            parent->el != TB_EL_BLOCKQUOTE)
            tb_error(ctx, file, n->line, 0, "text is not allowed directly in <%s>", tb_el_name(parent->el));
        return n;
    }
    if (x->type == XML_ENTITY_REF_NODE) {
        tb_error(ctx, file, (int)xmlGetLineNo(x), 0, "entity references are not allowed in a guide");
        return NULL;
    }
    if (x->type != XML_ELEMENT_NODE) return NULL;
    int line = (int)xmlGetLineNo(x), col = (int)(intptr_t)x->_private;
    const char *name = (const char *)x->name;
    int el = lookup_el(name);
    if (el < 0) {
        char sug[32];
        const char *s = closest(name, el_names + 1, TB_EL_COUNT - 1, sug, sizeof sug);
        if (s) tb_error(ctx, file, line, col, "unknown element <%s>; did you mean <%s>?", name, s);
        else tb_error(ctx, file, line, col, "unknown element <%s>", name);
        return NULL;
    }
    if (++b->depth > ctx->limits.max_depth) {
        if (b->depth == ctx->limits.max_depth + 1)
            tb_error(ctx, file, line, col, "elements nested more than %zu deep", ctx->limits.max_depth);
        b->depth--;
        return NULL;
    }
    tb_node *n = TB_NEW(b->a, tb_node);
    n->el = (tb_el)el;
    n->line = line;
    n->col = col;
    n->parent = parent;
    /* attributes */
    for (xmlAttr *at = x->properties; at; at = at->next) {
        const char *an = (const char *)at->name;
        bool xmlns = at->ns && at->ns->href && !strcmp((const char *)at->ns->href, (const char *)XML_XML_NAMESPACE);
        if (at->ns && !xmlns) {
            tb_error(ctx, file, line, col, "attribute '%s:%s' of <%s> is not part of the guide format",
                     at->ns->prefix ? (const char *)at->ns->prefix : "", an, name);
            continue;
        }
        if (xmlns && !strcmp(an, "space")) continue;
        if (xmlns ? strcmp(an, "lang") : !attr_allowed(n->el, an, NULL) || !strcmp(an, "lang")) {
            char all[160];
            snprintf(all, sizeof all, "id class xml:lang furigana %s", el_attrs(n->el));
            const char *names[16];
            size_t k = 0;
            for (char *s = strtok(all, " "); s && k < 16; s = strtok(NULL, " ")) names[k++] = s + (*s == '!');
            char sug[32];
            const char *s = closest(an, names, k, sug, sizeof sug);
            if (s) tb_error(ctx, file, line, col, "unknown attribute '%s' on <%s>; did you mean '%s'?", an, name, s);
            else tb_error(ctx, file, line, col, "unknown attribute '%s' on <%s>", an, name);
        }
    }
    {
        char req[128];
        snprintf(req, sizeof req, "%s", el_attrs(n->el));
        for (char *s = strtok(req, " "); s; s = strtok(NULL, " "))
            if (*s == '!' && !xmlHasProp(x, (const xmlChar *)(s + 1)))
                tb_error(ctx, file, line, col, "<%s> needs the attribute '%s'", name, s + 1);
    }
    n->id = getattr(b, x, "id", false);
    n->lang = getattr(b, x, "lang", true);
    n->cls = getattr(b, x, "class", false);
    n->href = getattr(b, x, "href", false);
    n->to = getattr(b, x, "to", false);
    n->src = getattr(b, x, "src", false);
    n->alt = getattr(b, x, "alt", false);
    n->width = getattr(b, x, "width", false);
    n->size = getattr(b, x, "size", false);
    n->title = getattr(b, x, "title", false);
    n->furigana = getattr(b, x, "furigana", false);
    const char *v;
    n->start = (v = getattr(b, x, "start", false)) ? int_attr(v) : 1;
    n->colspan = (v = getattr(b, x, "colspan", false)) ? int_attr(v) : 1;
    n->rowspan = (v = getattr(b, x, "rowspan", false)) ? int_attr(v) : 1;
    if (n->start < -999999 || n->start > 999999) {
        /* the numbers count up from it (start="2147483647" overflowed, found by fuzz/) */
        tb_error(ctx, file, line, col, "start must be a whole number from -999999 to 999999");
        n->start = 1;
    }
    if (n->colspan < 1 || n->rowspan < 1 || n->colspan > 1000 || n->rowspan > 10000) {
        tb_error(ctx, file, line, col, "colspan and rowspan must be whole numbers from 1");
        n->colspan = n->colspan < 1 ? 1 : n->colspan > 1000 ? 1000 : n->colspan;
        n->rowspan = n->rowspan < 1 ? 1 : n->rowspan > 10000 ? 10000 : n->rowspan;
    }

    /* white-space flows: a block element starts and ends one */
    bool block = !is_inline(n->el);
    if (block) flow_reset(b);
    if (n->el == TB_EL_BR) {
        b->pend = b->pend_nl = false;
        b->prev = 0;
        b->last_text = NULL;
    } else if (n->el == TB_EL_REF) {
        flow_atom(b);
    } else if (n->el == TB_EL_RT) {
        /* a reading is a flow of its own inside the base flow */
        build saved = *b;
        flow_reset(b);
        convert_children(b, x, n);
        b->pend = saved.pend; b->pend_nl = saved.pend_nl;
        b->prev = saved.prev; b->last_text = saved.last_text;
        b->depth--;
        return n;
    }
    convert_children(b, x, n);
    if (block) flow_reset(b);
    b->depth--;
    return n;
}

/* ---- ids and refs ------------------------------------------------------- */

typedef struct idtab {
    tb_node **v;
    size_t n, cap;
} idtab;

static void collect_ids(tb_node *n, idtab *t) {
    for (; n; n = n->next) {
        if (n->id) {
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 64;
                t->v = realloc(t->v, t->cap * sizeof *t->v);
                if (!t->v) abort();
            }
            t->v[t->n++] = n;
        }
        collect_ids(n->first, t);
    }
}

static int cmp_id(const void *a, const void *b) {
    const tb_node *x = *(tb_node *const *)a, *y = *(tb_node *const *)b;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    return x->line != y->line ? (x->line > y->line) - (x->line < y->line) : (x->col > y->col) - (x->col < y->col);
}

static void check_refs(build *b, tb_node *n) {
    for (; n; n = n->next) {
        if (n->el == TB_EL_REF && n->to && !tb_doc_find(b->doc, n->to))
            tb_error(b->p->ctx, b->doc->file, n->line, n->col, "<ref to=\"%s\">: no element has this id", n->to);
        check_refs(b, n->first);
    }
}

static tb_node *find_in(tb_node *n, const char *id) {
    for (; n; n = n->next) {
        if (n->id && !strcmp(n->id, id)) return n;
        tb_node *r = find_in(n->first, id); /* depth is bounded by max_depth */
        if (r) return r;
    }
    return NULL;
}

tb_node *tb_doc_find(const tb_doc *d, const char *id) {
    if (!d->ids) return find_in(d->root, id); /* a tree built by hand */
    size_t lo = 0, hi = d->nids; /* the first entry not below ID */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(d->ids[mid]->id, id) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < d->nids && !strcmp(d->ids[lo]->id, id) ? d->ids[lo] : NULL;
}

const char *tb_node_lang(const tb_node *n) {
    for (; n; n = n->parent)
        if (n->lang) return n->lang;
    return "und";
}

static void plain(const tb_node *n, build *b) {
    for (; n; n = n->next) {
        if (n->el == TB_EL_TEXT && !(n->ntext == 3 && !memcmp(n->text, "\xE2\x80\x8B", 3)))
            buf_put(b, n->text, n->ntext); /* (a lone U+200B is a phrase-break hint) */
        else if (n->el != TB_EL_RT && n->el != TB_EL_RP) plain(n->first, b);
    }
}

char *tb_node_plain_text(tb_arena *a, const tb_node *n) {
    build b = {0};
    plain(n->first, &b);
    char *s = tb_arena_strndup(a, b.buf ? b.buf : "", b.len);
    free(b.buf);
    return s;
}

/* ---- entry -------------------------------------------------------------- */

/* A byte order mark anywhere but at the very start (an editor that pasted
** one file into another): libxml2 takes it for a character, so it is found
** in the raw bytes, where its line and column are exact. */
static void check_boms(tb_parser *p, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return;
    unsigned char buf[65536];
    int line = 1, col = 1, reported = 0;
    long off = 0;
    unsigned char prev[2] = {0, 0};
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        /* the common case, no EF byte in the block: count lines only */
        if (!memchr(buf, 0xEF, n) && prev[0] != 0xEF && prev[1] != 0xEF) {
            for (size_t i = 0; i < n; i++) {
                unsigned char c = buf[i];
                if (c == '\n') line++, col = 1;
                else if ((c & 0xC0) != 0x80) col++;
            }
            prev[0] = n > 1 ? buf[n - 2] : prev[1];
            prev[1] = buf[n - 1];
            off += (long)n;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char c = buf[i];
            if (prev[0] == 0xEF && prev[1] == 0xBB && c == 0xBF && off > 2 && reported++ < 20)
                tb_error(p->ctx, path, line, col - 1,
                         "a byte order mark (U+FEFF) is allowed only at the very start of the file");
            if (c == '\n') line++, col = 1;
            else if ((c & 0xC0) != 0x80) col++;
            prev[0] = prev[1];
            prev[1] = c;
            off++;
        }
    }
    fclose(f);
}

tb_doc *tb_parse_file(tb_parser *p, tb_arena *a, const char *path) {
    tb_ctx *ctx = p->ctx;
    if (p->schema_waited && !p->schema) return NULL; /* said once, by schema_ready */
    size_t ndiags = tb_diags_len(ctx->diags);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        tb_error(ctx, path, 0, 0, "cannot read the guide: no such file");
        return NULL;
    }
    if ((size_t)st.st_size > ctx->limits.max_input) {
        tb_error(ctx, path, 1, 1, "the guide is larger than %zu bytes", ctx->limits.max_input);
        return NULL;
    }
    p->file = path;
    p->saw_doctype = p->stopped = p->wf_error = false;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) return NULL;
    ctxt->_private = p;
    p->ctxt = ctxt;
    ctxt->sax->startElementNs = on_start;
    ctxt->sax->internalSubset = on_internal_subset;
    xmlSetStructuredErrorFunc(p, (xmlStructuredErrorFunc)on_xml_error);
    xmlDoc *x = xmlCtxtReadFile(ctxt, path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    bool refused = p->saw_doctype || p->stopped;
    p->ctxt = NULL;
    xmlFreeParserCtxt(ctxt);
    if (!x || refused) {
        if (x) xmlFreeDoc(x);
        if (!refused && tb_diags_count(ctx->diags, TB_ERROR) == 0)
            tb_error(ctx, path, 1, 1, "not a well-formed XML file");
        xmlSetStructuredErrorFunc(NULL, NULL);
        p->file = NULL;
        return NULL;
    }
    check_boms(p, path);
    tb_doc *d = TB_NEW(a, tb_doc);
    d->file = tb_arena_strdup(a, path);
    const char *slash = strrchr(path, '/');
    d->dir = slash ? tb_arena_strndup(a, path, (size_t)(slash - path)) : ".";
    build b = {.p = p, .a = a, .doc = d};
    xmlNode *root = xmlDocGetRootElement(x);
    if (!root || strcmp((const char *)root->name, "guide")) {
        tb_error(ctx, path, root ? (int)xmlGetLineNo(root) : 1, root ? (int)(intptr_t)root->_private : 1,
                 "the root element of a guide is <guide>, not <%s>", root ? (const char *)root->name : "");
    } else {
        d->root = convert(&b, root, NULL);
    }
    free(b.buf);
    if (d->root) {
        xmlChar *lay = xmlGetNoNsProp(root, (const xmlChar *)"layout");
        d->layout = lay ? tb_arena_strdup(a, (const char *)lay) : NULL;
        xmlFree(lay);
        d->lang = d->root->lang;
        for (tb_node *c = d->root->first; c; c = c->next)
            if (c->el == TB_EL_META) d->meta = c;
        /* ids */
        idtab t = {0};
        collect_ids(d->root, &t);
        if (t.n > 1) qsort(t.v, t.n, sizeof *t.v, cmp_id); /* (t.v is NULL when no ids) */
        for (size_t i = 1; i < t.n; i++)
            if (!strcmp(t.v[i]->id, t.v[i - 1]->id))
                tb_error(ctx, path, t.v[i]->line, t.v[i]->col, "duplicate id '%s' (first used on line %d)",
                         t.v[i]->id, t.v[i - 1]->line);
        /* kept for tb_doc_find: sorted by id, then source position (the
           first of duplicates first: duplicates are errors anyway) */
        if (t.n) {
            d->ids = TB_NEWN(a, tb_node *, t.n);
            memcpy(d->ids, t.v, t.n * sizeof *t.v);
            d->nids = t.n;
        }
        free(t.v);
        check_refs(&b, d->root);
        tb_workq_wait_for(ctx->wq, p);
        if (!p->schema) { /* a broken installation: the guide's own findings would mislead */
            tb_diags_truncate(ctx->diags, ndiags);
            schema_ready(p);
            xmlSetStructuredErrorFunc(NULL, NULL);
            xmlFreeDoc(x);
            p->file = NULL;
            return NULL;
        }
        /* the schema: structure the checks above do not cover; skipped when
        ** the vocabulary is already wrong (it would repeat those errors) */
        if (tb_diags_count(ctx->diags, TB_ERROR) == 0) {
            xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(p->schema);
            xmlRelaxNGSetValidStructuredErrors(vc, (xmlStructuredErrorFunc)on_xml_error, p);
            xmlRelaxNGValidateDoc(vc, x);
            xmlRelaxNGFreeValidCtxt(vc);
        }
    }
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeDoc(x);
    p->file = NULL;
    return d;
}
