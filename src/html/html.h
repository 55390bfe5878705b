/*
** html.h — the HTML twin of a guide, and the index of every guide.
**
** Not a pipeline stage but a second output of the parse stage's tree: a
** guide becomes one semantic, self-contained HTML5 page (the city website
** asks for the content of every PDF in HTML too).  Sections are <section>s
** with h2..h5 under the guide's title as h1; lists, tables (th with scope),
** ruby with <rp> fallbacks, images as data: URIs with their alt text, QR
** codes as a link plus an inline SVG, refs as links to their target's
** title (HTML has no pages), the contents as a <nav>, the cover and back
** cover as <header> and <footer>.  Every xml:lang becomes a lang, every id
** is kept.  A small style sheet is inlined; there is no script.
**
** The index (out/index.html and out/guides.json) lists every guide and
** language with its title, pages, a cover thumbnail and its files.
**
** Both return buffers; the driver writes files (atomically).
*/
#ifndef TB_HTML_H
#define TB_HTML_H
#include <stdbool.h>
#include <stddef.h>
#include "../base/ctx.h"
#include "../parse/doc.h"
#include "../style/layout.h"

/* A file linked from a page: its name relative to the page's folder and
** its size.  name NULL: there is no such file. */
typedef struct tb_html_file {
    const char *name;
    size_t bytes;
} tb_html_file;

typedef struct tb_html_opts {
    tb_html_file pdf;          /* the web PDF: 「{title}（PDF形式・310KB）」 */
    tb_html_file print;        /* the print PDF: 「印刷用（PDF形式・1.2MB）」 */
    const tb_layout *layout;   /* optional: per-language strings (toc-title) */
} tb_html_opts;

/* The HTML twin of DOC (a tree without errors).  On success *OUT is a
** malloc'd buffer of *LEN bytes for the caller to free.  False when an
** image cannot be used (reported in ctx->diags under the guide, with the
** same checks as the PDF: relative, inside the guide's folder, PNG or
** JPEG, within the pixel limit); *OUT is then NULL.  Unsafe link schemes
** (javascript: and the like) are dropped with a warning. */
bool tb_html_write(tb_ctx *ctx, const tb_doc *doc, const tb_html_opts *o,
                   unsigned char **out, size_t *len);

/* 「310KB」 below 1 MiB, 「1.2MB」 from there (en: "310 KB", "1.2 MB"). */
void tb_html_size(size_t bytes, bool spaced, char *buf, size_t cap);

/* ---- the index ----------------------------------------------------------- */

/* One guide in one language, as found in the output folder. */
typedef struct tb_edition {
    char *guide;               /* "in-spiral" */
    char *name;                /* "ja", "ja-easy", "en" */
    char *lang;                /* the guide's xml:lang */
    char *title, *title_lang;  /* meta/title as plain text, and its language */
    int pages;                 /* of the web PDF; -1 unknown */
    tb_html_file pdf, print;   /* names relative to the folder (owned) */
    char *html;                /* "in-spiral.ja.html", NULL when absent */
    char *thumbnail;           /* "thumbs/in-spiral.ja.png", NULL when absent */
    unsigned thumb_w, thumb_h; /* its pixels, 0 unknown */
} tb_edition;

/* Fill ED for the guide DOC, built as DIR/<guide>.<name>.*: looks for the
** web and print PDFs (sizes, and the page count of the web one), the HTML
** twin and DIR/thumbs/<guide>.<name>.png.  GNAME is "<guide>.<name>". */
void tb_edition_find(const tb_doc *doc, const char *dir, const char *gname, tb_edition *ed);
void tb_edition_free(tb_edition *ed);

/* index.html (Japanese, no script) and guides.json for N editions, grouped
** by guide in the order of their first appearance after sorting (the
** editions are sorted in place: by guide, then 日本語, やさしい日本語 and
** the other languages in a fixed order).  Malloc'd buffers. */
void tb_html_index(tb_edition *eds, size_t n, unsigned char **html, size_t *hlen,
                   unsigned char **json, size_t *jlen);

/* The name of a language in that language ("日本語", "English", "简体中文",
** "やさしい日本語" for the name ja-easy), from the file NAME or the LANG
** tag; the tag itself when unknown.  *NAME_LANG is the lang attribute it
** should carry. */
const char *tb_language_name(const char *name, const char *lang, const char **name_lang);

/* The page count of a PDF: /Count of its page tree root (the largest
** /Count of a /Type /Pages object outside streams); -1 when the file
** cannot be read or has none (a PDF with compressed object streams). */
int tb_pdf_page_count(const char *path);

#endif
