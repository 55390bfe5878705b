/*
** utf8.h — the few UTF-8 helpers every stage needs.
*/
#ifndef TB_UTF8_H
#define TB_UTF8_H
#include <stddef.h>

/* Decode the code point at *P and advance *P past it.  Malformed input
** yields U+FFFD and advances one byte.  Never reads past a NUL. */
static inline unsigned tb_utf8_next(const char **p) {
    const unsigned char *s = (const unsigned char *)*p;
    unsigned c = s[0];
    int n;
    if (c < 0x80) { *p += 1; return c; }
    if (c >= 0xC2 && c <= 0xDF) { n = 1; c &= 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; c &= 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; c &= 0x07; }
    else { *p += 1; return 0xFFFD; }
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) { *p += 1; return 0xFFFD; }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF)) { *p += 1; return 0xFFFD; }
    *p += n + 1;
    return c;
}

/* Encode C into BUF (at least 4 bytes); returns the length. */
static inline size_t tb_utf8_put(char *buf, unsigned c) {
    if (c < 0x80) { buf[0] = (char)c; return 1; }
    if (c < 0x800) { buf[0] = (char)(0xC0 | c >> 6); buf[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        buf[0] = (char)(0xE0 | c >> 12); buf[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (c & 0x3F)); return 3;
    }
    buf[0] = (char)(0xF0 | c >> 18); buf[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    buf[2] = (char)(0x80 | ((c >> 6) & 0x3F)); buf[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

#endif
