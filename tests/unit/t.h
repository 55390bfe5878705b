/*
** t.h — the assertions of the unit tests (tests/unit/test_*.c).
**
** Every check prints one line, "ok   NAME" or "FAIL NAME: reason", and
** tests/run counts these lines.  Names start with a numbered id
** ("parse-1.2 …"), so that a failure names the one case to look at.
** t_done() prints no summary of its own (the runner's count is the one
** that counts) and returns the exit status: 1 when a check failed.
**
** Header-only: each test program includes it once.
*/
#ifndef TB_T_H
#define TB_T_H
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed;

static void t_report(bool ok, const char *reason, const char *fmt, va_list ap) {
    fputs(ok ? "ok   " : "FAIL ", stdout);
    vprintf(fmt, ap);
    if (!ok) printf(": %s", reason);
    putchar('\n');
    fflush(stdout);
    if (!ok) t_failed++;
}

/* CHECK(cond, name-format, ...): the condition's source text is the reason. */
#define CHECK(cond, ...) t_check(!!(cond), #cond, __VA_ARGS__)
static bool t_check(bool ok, const char *expr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
__attribute__((unused)) static bool t_check(bool ok, const char *expr, const char *fmt, ...) {
    char why[512];
    snprintf(why, sizeof why, "%s is false", expr);
    va_list ap;
    va_start(ap, fmt);
    t_report(ok, why, fmt, ap);
    va_end(ap);
    return ok;
}

/* CHECK_STR(got, want, name-format, ...): exact string equality (NULL
** counts as "(null)" and equals only NULL). */
__attribute__((unused)) static bool CHECK_STR(const char *got, const char *want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
__attribute__((unused)) static bool CHECK_STR(const char *got, const char *want, const char *fmt, ...) {
    bool ok = got && want ? !strcmp(got, want) : got == want;
    char why[1024];
    snprintf(why, sizeof why, "got \"%s\", want \"%s\"", got ? got : "(null)", want ? want : "(null)");
    va_list ap;
    va_start(ap, fmt);
    t_report(ok, why, fmt, ap);
    va_end(ap);
    return ok;
}

/* CHECK_NEAR(got, want, eps, name-format, ...): |got - want| <= eps. */
__attribute__((unused)) static bool CHECK_NEAR(double got, double want, double eps, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
__attribute__((unused)) static bool CHECK_NEAR(double got, double want, double eps, const char *fmt, ...) {
    bool ok = fabs(got - want) <= eps;
    char why[128];
    snprintf(why, sizeof why, "got %.4f, want %.4f (±%g)", got, want, eps);
    va_list ap;
    va_start(ap, fmt);
    t_report(ok, why, fmt, ap);
    va_end(ap);
    return ok;
}

/* CHECK_INT(got, want, name-format, ...) */
__attribute__((unused)) static bool CHECK_INT(long long got, long long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
__attribute__((unused)) static bool CHECK_INT(long long got, long long want, const char *fmt, ...) {
    char why[128];
    snprintf(why, sizeof why, "got %lld, want %lld", got, want);
    va_list ap;
    va_start(ap, fmt);
    t_report(got == want, why, fmt, ap);
    va_end(ap);
    return got == want;
}

/* A check that cannot run (a font is not installed): counted as a failure,
** with the reason, so that a missing dependency is never a silent pass. */
__attribute__((unused)) static void t_cannot(const char *name, const char *why) {
    printf("FAIL %s: cannot run: %s\n", name, why);
    t_failed++;
}

__attribute__((unused)) static int t_done(void) { return t_failed ? 1 : 0; }

#endif

/* With base/diag.h included first: the diagnostics as text, one a line,
** "LINE:COL: error: message" (without the file, which is a temp path),
** in the order they were added.  Returns a static buffer. */
#ifdef TB_STYLE_H
/* A paragraph of TEXT in one span: font role ROLE at 10 pt, language LANG,
** from test.xml at LINE:COL (in the arena A). */
__attribute__((unused)) static tb_para *t_para(tb_arena *a, const char *text, const char *role, const char *lang,
                                               int line, int col) {
    tb_para *p = TB_NEW(a, tb_para);
    p->text = tb_arena_strdup(a, text);
    p->len = (uint32_t)strlen(text);
    p->lang = lang;
    p->file = "test.xml";
    p->spans = TB_NEW(a, tb_span);
    p->nspans = 1;
    p->spans[0] = (tb_span){.start = 0, .end = p->len, .font = role, .size = 10, .lang = lang, .line = line, .col = col};
    return p;
}
#endif

/* Make a temporary folder $TMPDIR/tebiki-test-NAME-XXXXXX into DIR (CAP
** bytes); false (with the reason on stderr) when it cannot be made. */
__attribute__((unused)) static bool t_make_dir(char *dir, size_t cap, const char *name) {
    snprintf(dir, cap, "%s/tebiki-test-%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name);
    if (mkdtemp(dir)) return true;
    perror("mkdtemp");
    return false;
}

/* Write TEXT to DIR/NAME; the path (a static buffer, valid until the next
** call).  A test that cannot write its input stops (exit 2). */
__attribute__((unused)) static const char *t_write_file(const char *dir, const char *name, const char *text) {
    static char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
    return path;
}

/* Remove a temporary folder made by a test (rm -rf). */
__attribute__((unused)) static void t_remove_dir(const char *dir) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#ifdef TB_DIAG_H
__attribute__((unused)) static const char *t_diags_text(const tb_diags *d) {
    static char buf[8192];
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < tb_diags_len(d) && n < sizeof buf - 1; i++) {
        const tb_diag *e = tb_diags_at(d, i);
        int k = snprintf(buf + n, sizeof buf - n, "%s%d:%d: %s: %s", n ? "\n" : "", e->line, e->col,
                         e->sev == TB_ERROR ? "error" : "warning", e->msg);
        if (k < 0) break;
        n += (size_t)k;
        if (n >= sizeof buf) n = sizeof buf - 1;
    }
    return buf;
}

/* How many diagnostics of D have KIND; *FIRST (may be NULL) the first. */
__attribute__((unused)) static size_t t_diags_of_kind(const tb_diags *d, const char *kind, const tb_diag **first) {
    size_t k = 0;
    if (first) *first = NULL;
    for (size_t i = 0; i < tb_diags_len(d); i++) {
        const tb_diag *e = tb_diags_at(d, i);
        if (!e->kind || strcmp(e->kind, kind)) continue;
        if (!k++ && first) *first = e;
    }
    return k;
}
#endif
