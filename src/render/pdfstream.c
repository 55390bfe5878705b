/*
** pdfstream.c — pre-compressed stream data; see pdfstream.h.
*/
#include "pdfstream.h"
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <libdeflate.h>

/* The dictionary's write hook: called by HPDF_Dict_Write after its own
** entries, before ">>". */
static HPDF_STATUS write_flate_filter(HPDF_Dict d, HPDF_Stream out) {
    (void)d;
    return HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

unsigned char *tb_deflate(const void *data, size_t n, int level, size_t *out_n) {
    *out_n = 0;
    if (n > 0x7FFFFFFFu) return NULL;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(level < 0 ? 6 : level > 12 ? 12 : level);
    if (!c) return NULL;
    size_t cap = libdeflate_zlib_compress_bound(c, n);
    unsigned char *buf = malloc(cap ? cap : 1);
    size_t got = buf ? libdeflate_zlib_compress(c, data, n, buf, cap) : 0;
    libdeflate_free_compressor(c);
    if (!got) { /* out of memory (the bound always suffices) */
        free(buf);
        return NULL;
    }
    *out_n = got;
    return buf;
}

bool tb_pdfstream_put_deflated(HPDF_Dict d, const void *z, size_t n) {
    if (!d || !d->stream || n > 0x7FFFFFFFu) return false;
    d->filter = HPDF_STREAM_FILTER_NONE;
    d->write_fn = write_flate_filter;
    return HPDF_Stream_Write(d->stream, (const HPDF_BYTE *)z, (HPDF_UINT)n) == HPDF_OK;
}

bool tb_pdfstream_deflate(HPDF_Dict d, const void *data, size_t n, int level) {
    if (!d || !d->stream) return false;
    size_t len = 0;
    unsigned char *buf = tb_deflate(data, n, level, &len);
    bool ok = buf && tb_pdfstream_put_deflated(d, buf, len);
    free(buf);
    return ok;
}

bool tb_pdfstream_plain(HPDF_Dict d, const void *data, size_t n) {
    if (!d || !d->stream || n > 0x7FFFFFFFu) return false;
    d->filter = HPDF_STREAM_FILTER_NONE;
    d->write_fn = NULL;
    return HPDF_Stream_Write(d->stream, (const HPDF_BYTE *)data, (HPDF_UINT)n) == HPDF_OK;
}

/* ---- the deflating queue ---------------------------------------------- */

typedef struct zslot {
    void *raw;              /* owned until deflated */
    size_t n;
    unsigned char *z;       /* owned: the result */
    size_t zn;
    bool failed;
} zslot;

struct tb_zqueue {
    zslot *s;
    size_t n;
    int level;
    pthread_t th;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t queued;          /* slots [0, queued) have been put (in order) */
    size_t next;            /* the next slot to deflate */
    bool closing;
};

static void deflate_slot(tb_zqueue *q, size_t i) {
    zslot *z = &q->s[i];
    z->z = tb_deflate(z->raw, z->n, q->level, &z->zn);
    z->failed = !z->z;
    free(z->raw);
    z->raw = NULL;
}

/* Take the next slot to deflate, or return false when there is none yet
** (or, closing, none at all).  Called with the lock held. */
static bool take(tb_zqueue *q, size_t *i) {
    if (q->next >= q->queued) return false;
    *i = q->next++;
    return true;
}

static void *zworker(void *arg) {
    tb_zqueue *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        size_t i;
        if (take(q, &i)) {
            pthread_mutex_unlock(&q->mu);
            deflate_slot(q, i);
            pthread_mutex_lock(&q->mu);
        } else if (q->closing) {
            break;
        } else {
            pthread_cond_wait(&q->cv, &q->mu);
        }
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

tb_zqueue *tb_zqueue_new(size_t n, int level) {
    tb_zqueue *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    q->s = calloc(n ? n : 1, sizeof *q->s);
    if (!q->s) {
        free(q);
        return NULL;
    }
    q->n = n;
    q->level = level;
    if (pthread_mutex_init(&q->mu, NULL) == 0) {
        if (pthread_cond_init(&q->cv, NULL) == 0) {
            q->started = pthread_create(&q->th, NULL, zworker, q) == 0;
            if (!q->started) pthread_cond_destroy(&q->cv);
        }
        if (!q->started) pthread_mutex_destroy(&q->mu);
    }
    return q;
}

void tb_zqueue_put(tb_zqueue *q, size_t i, void *data, size_t len) {
    if (i >= q->n || i != q->queued) { /* out of order: a caller's mistake */
        free(data);
        if (i < q->n) q->s[i].failed = true;
        return;
    }
    q->s[i].raw = data;
    q->s[i].n = len;
    if (!q->started) {
        q->queued = q->next = i + 1;
        deflate_slot(q, i);
        return;
    }
    pthread_mutex_lock(&q->mu);
    q->queued = i + 1;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static void close_queue(tb_zqueue *q) {
    if (!q->started) return;
    pthread_mutex_lock(&q->mu);
    q->closing = true;
    pthread_cond_signal(&q->cv);
    for (size_t i; take(q, &i);) { /* help with the rest */
        pthread_mutex_unlock(&q->mu);
        deflate_slot(q, i);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    pthread_join(q->th, NULL);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    q->started = false;
}

bool tb_zqueue_finish(tb_zqueue *q) {
    close_queue(q);
    for (size_t i = 0; i < q->queued; i++)
        if (q->s[i].failed) return false;
    return true;
}

const unsigned char *tb_zqueue_get(const tb_zqueue *q, size_t i, size_t *zn) {
    *zn = i < q->queued ? q->s[i].zn : 0;
    return i < q->queued ? q->s[i].z : NULL;
}

void tb_zqueue_free(tb_zqueue *q) {
    if (!q) return;
    close_queue(q);
    for (size_t i = 0; i < q->n; i++) {
        free(q->s[i].raw);
        free(q->s[i].z);
    }
    free(q->s);
    free(q);
}
