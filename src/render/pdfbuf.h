/*
** pdfbuf.h — a growable byte buffer for PDF operators and CMaps (render
** internal, header only).
**
** Numbers are formatted here by integer arithmetic, never by printf's %f,
** so output does not depend on the locale and is the same on every build.
** Allocation failure is sticky: appends after it do nothing and
** pdfbuf_ok() turns false; the caller checks once at the end.
*/
#ifndef TB_PDFBUF_H
#define TB_PDFBUF_H
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pdfbuf {
    char *p;      /* owned; not NUL-terminated */
    size_t n, cap;
    bool failed;  /* an allocation failed: content incomplete */
} pdfbuf;

static inline bool pdfbuf_ok(const pdfbuf *b) { return !b->failed; }
static inline void pdfbuf_reset(pdfbuf *b) { b->n = 0; }
static inline void pdfbuf_free(pdfbuf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static inline void pdfbuf_add(pdfbuf *b, const void *s, size_t n) {
    if (b->failed || !n) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static inline void pdfbuf_str(pdfbuf *b, const char *s) { pdfbuf_add(b, s, strlen(s)); }

static inline void pdfbuf_char(pdfbuf *b, char c) { pdfbuf_add(b, &c, 1); }

static inline void pdfbuf_uint(pdfbuf *b, unsigned long long v) {
    char t[24];
    int i = (int)sizeof t;
    do t[--i] = (char)('0' + v % 10); while ((v /= 10) != 0);
    pdfbuf_add(b, t + i, sizeof t - (size_t)i);
}

/* V rounded to DECIMALS (0..6) places, trailing zeros dropped: 12, -0.5, 1187.5. */
static inline void pdfbuf_num(pdfbuf *b, double v, int decimals) {
    static const long long pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (decimals < 0) decimals = 0;
    if (decimals > 6) decimals = 6;
    if (!isfinite(v)) v = 0;
    long long s = llround(v * (double)pow10[decimals]);
    if (s < 0) {
        pdfbuf_char(b, '-');
        s = -s;
    }
    pdfbuf_uint(b, (unsigned long long)(s / pow10[decimals]));
    long long frac = s % pow10[decimals];
    if (frac) {
        char t[8];
        int n = decimals;
        while (frac % 10 == 0) {
            frac /= 10;
            n--;
        }
        for (int i = n - 1; i >= 0; i--) {
            t[i] = (char)('0' + frac % 10);
            frac /= 10;
        }
        pdfbuf_char(b, '.');
        pdfbuf_add(b, t, (size_t)n);
    }
}

/* Four uppercase hex digits. */
static inline void pdfbuf_hex4(pdfbuf *b, unsigned v) {
    static const char hx[] = "0123456789ABCDEF";
    char t[4] = {hx[(v >> 12) & 15], hx[(v >> 8) & 15], hx[(v >> 4) & 15], hx[v & 15]};
    pdfbuf_add(b, t, 4);
}

/* Next code point of UTF-8 at *P (< END), advancing *P; U+FFFD for a
** malformed, overlong or surrogate sequence. */
static inline uint32_t pdf_utf8_next(const unsigned char **p, const unsigned char *end) {
    const unsigned char *s = *p;
    uint32_t c = *s++;
    int more = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (more < 0) {
        *p = s;
        return 0xFFFD;
    }
    c &= 0x7Fu >> (more ? more + 1 : 0);
    for (int i = 0; i < more; i++) {
        if (s >= end || (*s & 0xC0) != 0x80) {
            *p = s;
            return 0xFFFD;
        }
        c = (c << 6) | (*s++ & 0x3F);
    }
    *p = s;
    static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
    if (c < min[more] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0xFFFD;
    return c;
}

#endif
