/*
** diag.h — diagnostics in the compiler form FILE:LINE:COL: error: message.
**
** Stages do not print.  They add to the context's diagnostics list and go
** on where they can (like sqlite3ErrorMsg), so that `tebiki check` reports
** every problem at once.  The driver sorts and prints the list.
*/
#ifndef TB_DIAG_H
#define TB_DIAG_H
#include <stddef.h>

typedef enum { TB_WARNING, TB_ERROR } tb_severity;

typedef struct tb_diag {
    tb_severity sev;
    char *file;       /* owned by the list */
    int line, col;    /* 1-based; 0 when unknown */
    char *msg;        /* owned by the list */
    const char *kind; /* what the quality report files it under: one of the
                         TB_KIND_* names below (a constant, never freed),
                         or NULL for the report to classify the message */
} tb_diag;

/* Kinds of finding (workflow/report.h lists them all; the report classifies
** diagnostics that carry none from their message). */
#define TB_KIND_OVERFULL_LINE "overfull-line"
#define TB_KIND_LOOSE_LINE "loose-line"
#define TB_KIND_KINSOKU_YIELD "kinsoku-yield"
#define TB_KIND_WIDOW "widow"
#define TB_KIND_ORPHAN "orphan"
#define TB_KIND_MISSING_GLYPH "missing-glyph"
#define TB_KIND_LOW_RESOLUTION_IMAGE "low-resolution-image"
#define TB_KIND_NEAR_TRIM "near-trim"
#define TB_KIND_INK_LIMIT "ink-limit"

typedef struct tb_diags tb_diags;

tb_diags *tb_diags_new(void);
void tb_diags_free(tb_diags *d);
void tb_diags_add(tb_diags *d, tb_severity sev, const char *file, int line,
                  int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* The same with a KIND (a TB_KIND_* constant, or NULL). */
void tb_diags_add_kind(tb_diags *d, tb_severity sev, const char *kind, const char *file, int line,
                       int col, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Add a copy of E (every field; the strings duplicated): a finding
** replayed from a cache. */
void tb_diags_push(tb_diags *d, const tb_diag *e);
size_t tb_diags_count(const tb_diags *d, tb_severity sev);
size_t tb_diags_len(const tb_diags *d);
const tb_diag *tb_diags_at(const tb_diags *d, size_t i);
/* Sort by file, line, column (stable), then print each to stderr. */
void tb_diags_print(tb_diags *d, int quiet_warnings);
/* Forget entries from the Nth on (a pass that is being redone). */
void tb_diags_truncate(tb_diags *d, size_t n);
/* Forget all entries (one guide done, the next begins). */
void tb_diags_clear(tb_diags *d);

#endif
