/*
** objstm.c — object streams and an xref stream; see objstm.h.
**
** What libharu writes, and what is relied on here (anything else and the
** file is left as it is):
**   %PDF-1.x and a binary comment line;
**   objects "N 0 obj\n" BODY "\nendobj\n", one after the other, numbered
**   from 1, the xref table giving each offset;
**   a stream's BODY ends with "endstream"; no other BODY can;
**   "xref\n0 SIZE\n", SIZE entries of 20 bytes, "trailer\n<<" with /Root,
**   /Info and /ID, ">>\nstartxref\n…".
*/
#include "objstm.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pdfbuf.h"
#include "pdfstream.h"
#include "../base/workq.h"

enum { PER_STREAM = 200 };   /* objects in one object stream */

typedef struct obj {
    size_t off, body, end;   /* "N 0 obj" at off; BODY is [body, end) */
    bool stream;
    uint32_t where;          /* new file: offset (stream) or object stream number */
    uint16_t index;          /* its index in that object stream */
} obj;

static const unsigned char *find(const unsigned char *p, const unsigned char *end, const char *s) {
    size_t n = strlen(s);
    for (; p + n <= end; p++)
        if (*p == (unsigned char)*s && !memcmp(p, s, n)) return p;
    return NULL;
}

/* The reference "/KEY N 0 R" in the trailer T..END: N, or 0. */
static unsigned long trailer_ref(const unsigned char *t, const unsigned char *end, const char *key) {
    const unsigned char *p = find(t, end, key);
    if (!p) return 0;
    p += strlen(key);
    while (p < end && *p == ' ') p++;
    unsigned long v = 0;
    while (p < end && *p >= '0' && *p <= '9') v = v * 10 + (unsigned long)(*p++ - '0');
    return p + 4 <= end && !memcmp(p, " 0 R", 4) ? v : 0;
}

/* Object streams and the xref stream are deflated like the web file's
** other streams (pdfstream.h). */
static bool deflate_all(const void *in, size_t n, pdfbuf *out) {
    size_t len = 0;
    unsigned char *z = tb_deflate(in, n, TB_DEFLATE_WEB, &len);
    if (z) pdfbuf_add(out, z, len);
    free(z);
    return z && pdfbuf_ok(out);
}

static void put_be(pdfbuf *b, uint32_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; i--) pdfbuf_char(b, (char)(v >> (8 * i)));
}

/* One object stream on its way: its numbers, its data (the header of
** "num offset" pairs, then the objects), deflated by a job. */
typedef struct ostream {
    unsigned long num, k;  /* object number; objects in it */
    size_t first;          /* bytes of the header */
    pdfbuf data, z;
    bool ok;
} ostream;

static void deflate_job(void *arg) {
    ostream *s = arg;
    s->ok = pdfbuf_ok(&s->data) && deflate_all(s->data.p, s->data.n, &s->z);
}

/* Append finished stream S to B and the (num, offset) pair to XS. */
static bool put_ostream(pdfbuf *b, pdfbuf *xs, ostream *s) {
    bool ok = s->ok;
    if (ok) {
        size_t at = b->n; /* the object stream's own offset goes in the xref stream */
        pdfbuf_uint(b, s->num);
        pdfbuf_str(b, " 0 obj\n<<\n/Type /ObjStm\n/N ");
        pdfbuf_uint(b, s->k);
        pdfbuf_str(b, "\n/First ");
        pdfbuf_uint(b, s->first);
        pdfbuf_str(b, "\n/Filter /FlateDecode\n/Length ");
        pdfbuf_uint(b, s->z.n);
        pdfbuf_str(b, "\n>>\nstream\r\n");
        pdfbuf_add(b, s->z.p, s->z.n);
        pdfbuf_str(b, "\nendstream\nendobj\n");
        uint32_t pair[2] = {(uint32_t)s->num, (uint32_t)at};
        pdfbuf_add(xs, pair, sizeof pair);
    }
    pdfbuf_free(&s->data);
    pdfbuf_free(&s->z);
    return ok;
}

bool tb_objstm_pack(tb_workq *q, const unsigned char *in, size_t n, unsigned char **out, size_t *outn) {
    *out = NULL;
    *outn = 0;
    const unsigned char *end = in + n;
    /* the xref table: "startxref\nOFFSET\n%%EOF" at the end names it */
    const unsigned char *sx = NULL;
    for (const unsigned char *q = n > 64 ? end - 64 : in; (q = find(q, end, "startxref\n")) != NULL; q++) sx = q;
    if (!sx) return false;
    size_t xoff = 0;
    for (const unsigned char *q = sx + 10; q < end && *q >= '0' && *q <= '9'; q++)
        xoff = xoff * 10 + (size_t)(*q - '0');
    if (xoff + 5 > n || memcmp(in + xoff, "xref\n", 5)) return false;
    const unsigned char *x = in + xoff;
    const unsigned char *t = find(x, end, "trailer\n<<");
    if (!t) return false;
    unsigned long size = 0;
    const unsigned char *p = x + 5;
    if (p + 2 > end || memcmp(p, "0 ", 2)) return false;
    for (p += 2; p < end && *p >= '0' && *p <= '9'; p++) size = size * 10 + (unsigned long)(*p - '0');
    if (p >= end || *p != '\n' || size < 2 || size > 8000000 || (size_t)(t - (p + 1)) != size * 20) return false;
    const unsigned char *entries = p + 1;
    unsigned long root = trailer_ref(t, end, "/Root"), info = trailer_ref(t, end, "/Info");
    if (!root || root >= size || info >= size) return false;

    obj *o = calloc(size, sizeof *o);
    if (!o) return false;
    bool ok = false;
    pdfbuf b = {0}, xs = {0}, os = {0}, hdr = {0};
    /* offsets, in order, each object ending where the next begins */
    for (unsigned long i = 1; i < size; i++) {
        const unsigned char *e = entries + i * 20;
        if (e[17] != 'n') goto done;
        size_t off = 0;
        for (int k = 0; k < 10; k++) off = off * 10 + (size_t)(e[k] - '0');
        o[i].off = off;
    }
    for (unsigned long i = 1; i < size; i++) {
        size_t next = i + 1 < size ? o[i + 1].off : (size_t)(x - in);
        char head[32];
        int hl = snprintf(head, sizeof head, "%lu 0 obj\n", i);
        if (o[i].off >= next || next > n || next - o[i].off < (size_t)hl + 8 ||
            memcmp(in + o[i].off, head, (size_t)hl) || memcmp(in + next - 8, "\nendobj\n", 8))
            goto done;
        o[i].body = o[i].off + (size_t)hl;
        o[i].end = next - 8;
        o[i].stream = o[i].end - o[i].body >= 9 && !memcmp(in + o[i].end - 9, "endstream", 9);
    }

    /* header, then the stream objects as they are */
    pdfbuf_add(&b, in, o[1].off);
    for (unsigned long i = 1; i < size; i++)
        if (o[i].stream) {
            o[i].where = (uint32_t)b.n;
            pdfbuf_add(&b, in + o[i].off, o[i].end + 8 - o[i].off);
        }
    /* the rest in object streams numbered from SIZE, deflated on the work
       queue, a few at a time (memory stays bounded), written in order */
    enum { INFLIGHT = 4 };
    ostream ring[INFLIGHT];
    memset(ring, 0, sizeof ring);
    size_t head = 0, count = 0; /* the oldest in flight; how many */
    bool zok = true;
    unsigned long next_num = size;
    for (unsigned long i = 1; i < size && zok;) {
        if (count == INFLIGHT) { /* the oldest first: it goes out next */
            tb_workq_wait_for(q, &ring[head]);
            zok = put_ostream(&b, &xs, &ring[head]);
            head = (head + 1) % INFLIGHT;
            count--;
            if (!zok) break;
        }
        ostream *st = &ring[(head + count) % INFLIGHT];
        pdfbuf_reset(&hdr);
        pdfbuf_reset(&os);
        unsigned long num = next_num, k = 0;
        for (; i < size && k < PER_STREAM; i++) {
            if (o[i].stream) continue;
            o[i].where = (uint32_t)num;
            o[i].index = (uint16_t)k++;
            pdfbuf_uint(&hdr, i);
            pdfbuf_char(&hdr, ' ');
            pdfbuf_uint(&hdr, os.n);
            pdfbuf_char(&hdr, ' ');
            pdfbuf_add(&os, in + o[i].body, o[i].end - o[i].body);
            pdfbuf_char(&os, '\n');
        }
        if (!k) break;
        next_num++;
        *st = (ostream){.num = num, .k = k, .first = hdr.n};
        pdfbuf_add(&st->data, hdr.p, hdr.n);
        pdfbuf_add(&st->data, os.p, os.n);
        count++;
        tb_workq_add(q, deflate_job, st);
    }
    for (; count; count--, head = (head + 1) % INFLIGHT) {
        tb_workq_wait_for(q, &ring[head]);
        zok = put_ostream(&b, &xs, &ring[head]) && zok;
    }
    if (!zok) goto done;
    /* the xref stream: type 1 (offset) or 2 (object stream, index) */
    unsigned long xref_num = next_num, total = xref_num + 1;
    size_t xref_at = b.n;
    pdfbuf rows = {0};
    put_be(&rows, 0, 1), put_be(&rows, 0, 4), put_be(&rows, 0xFFFF, 2);
    for (unsigned long i = 1; i < size; i++) {
        if (o[i].stream) put_be(&rows, 1, 1), put_be(&rows, o[i].where, 4), put_be(&rows, 0, 2);
        else put_be(&rows, 2, 1), put_be(&rows, o[i].where, 4), put_be(&rows, o[i].index, 2);
    }
    for (size_t k = 0; k + sizeof(uint32_t[2]) <= xs.n; k += sizeof(uint32_t[2])) {
        uint32_t pair[2];
        memcpy(pair, xs.p + k, sizeof pair);
        put_be(&rows, 1, 1), put_be(&rows, pair[1], 4), put_be(&rows, 0, 2);
    }
    put_be(&rows, 1, 1), put_be(&rows, (uint32_t)xref_at, 4), put_be(&rows, 0, 2);
    pdfbuf z = {0};
    zok = pdfbuf_ok(&rows) && deflate_all(rows.p, rows.n, &z);
    pdfbuf_free(&rows);
    if (!zok || xref_at > UINT32_MAX) {
        pdfbuf_free(&z);
        goto done;
    }
    pdfbuf_uint(&b, xref_num);
    pdfbuf_str(&b, " 0 obj\n<<\n/Type /XRef\n/Size ");
    pdfbuf_uint(&b, total);
    pdfbuf_str(&b, "\n/W [ 1 4 2 ]\n/Root ");
    pdfbuf_uint(&b, root);
    pdfbuf_str(&b, " 0 R\n");
    if (info) {
        pdfbuf_str(&b, "/Info ");
        pdfbuf_uint(&b, info);
        pdfbuf_str(&b, " 0 R\n");
    }
    pdfbuf_str(&b, "/ID [ <00000000000000000000000000000000> <00000000000000000000000000000000> ]\n"
                   "/Filter /FlateDecode\n/Length ");
    pdfbuf_uint(&b, z.n);
    pdfbuf_str(&b, "\n>>\nstream\r\n");
    pdfbuf_add(&b, z.p, z.n);
    pdfbuf_free(&z);
    pdfbuf_str(&b, "\nendstream\nendobj\nstartxref\n");
    pdfbuf_uint(&b, xref_at);
    pdfbuf_str(&b, "\n%%EOF\n");
    if (!pdfbuf_ok(&b) || !pdfbuf_ok(&xs) || b.n > UINT32_MAX) goto done;
    *out = (unsigned char *)b.p;
    *outn = b.n;
    b.p = NULL;
    ok = true;
done:
    pdfbuf_free(&b);
    pdfbuf_free(&xs);
    pdfbuf_free(&os);
    pdfbuf_free(&hdr);
    free(o);
    return ok;
}
