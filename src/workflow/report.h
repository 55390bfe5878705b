/*
** report.h — the quality report: `--report FILE.json` on build, check and
** watch, and its summary on standard error.
**
** Not a pipeline stage: the driver hands it each guide's diagnostics (the
** whole ctx->diags list of that guide) before they are cleared.  Every
** diagnostic becomes an entry {file, line, col, severity, kind, message}
** (plus the guide it came from).  `kind` is a stable name a program can
** select on ("overfull-line", "low-resolution-image", "near-trim", …):
** the kind the stage gave the diagnostic (tb_diag.kind, a TB_KIND_* of
** diag.h), or for one without (or with a kind not listed below), the kind
** tb_report_kind classifies from its message.  Findings that reach the
** report without a line (render's document-wide ones, a layout's folio
** near the trim) are located in the guide's document tree when that is
** unambiguous: the <img> whose file it is, the one text node that holds
** the quoted text.
*/
#ifndef TB_REPORT_H
#define TB_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "../base/diag.h"
#include "../parse/doc.h"

typedef struct tb_report tb_report;

tb_report *tb_report_new(void);
void tb_report_free(tb_report *r);

/* The kind of a diagnostic from its severity and message (for those that
** carry no kind of their own): one of
** "overfull-line", "loose-line", "kinsoku-yield", "widow", "orphan",
** "missing-glyph", "low-resolution-image", "near-trim", "small-text",
** "ink-limit", "blank-pages", "no-reading", "input" (any other error: the
** guide, layout or catalogue is wrong) or "other" (any other warning). */
const char *tb_report_kind(tb_severity sev, const char *msg);

/* Record one guide: its DIAGS (all of them belong to it), the PDF it
** wrote or would have written (OUTPUT, may be NULL), the variant name,
** its pages (0 when it failed before pagination) and its exit status.
** DOC (may be NULL) is the guide's tree, used to locate findings that have
** no line; it is not kept. */
void tb_report_guide(tb_report *r, const tb_diags *diags, const char *guide, const char *output,
                     const char *variant, size_t pages, int status, const tb_doc *doc);

/* The report as JSON (UTF-8, one entry a line): a malloc'd buffer. */
bool tb_report_json(const tb_report *r, unsigned char **out, size_t *len);

/* One line on F: "report: N findings in G guides: 2 overfull-line, …
** (FILE)"; FILE may be NULL. */
void tb_report_summary(const tb_report *r, FILE *f, const char *file);

/* How many entries of KIND there are (for tests and the driver). */
size_t tb_report_count(const tb_report *r, const char *kind);

#endif
