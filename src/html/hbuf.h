/*
** hbuf.h — a growing text buffer with HTML escaping (internal to src/html/).
*/
#ifndef TB_HBUF_H
#define TB_HBUF_H
#include <stdbool.h>
#include <stddef.h>

typedef struct hbuf {
    char *s;        /* NUL-terminated; malloc'd */
    size_t n, cap;
} hbuf;

void hb_put(hbuf *b, const char *s, size_t n);
void hb_s(hbuf *b, const char *s);
void hb_f(hbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* S escaped for text (& < >) or for a double-quoted attribute (also " '). */
void hb_esc(hbuf *b, const char *s, size_t n, bool attr);
void hb_text(hbuf *b, const char *s);
/* ` NAME="VALUE"`, escaped. */
void hb_attr(hbuf *b, const char *name, const char *v);
/* A file name as a relative URL path (percent-encoded outside A-Za-z0-9-._~/). */
void hb_url_path(hbuf *b, const char *s);

#endif
