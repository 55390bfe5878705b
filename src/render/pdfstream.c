/*
** pdfstream.c — pre-compressed stream data; see pdfstream.h.
*/
#include "pdfstream.h"
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>

/* The dictionary's write hook: called by HPDF_Dict_Write after its own
** entries, before ">>". */
static HPDF_STATUS write_flate_filter(HPDF_Dict d, HPDF_Stream out) {
    (void)d;
    return HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

uint32_t tb_crc32(const void *data, size_t n) { return libdeflate_crc32(0, data, n); }

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
    /* the bound is about the input's size: give the rest back (a page's
       content deflates to a fifth, and is kept until the file is saved) */
    unsigned char *fit = realloc(buf, got);
    return fit ? fit : buf;
}

/* ---- a stream libharu reads from our buffer ----------------------------
** libharu's memory stream copies byte by byte (HPDF_MemCpy), once when
** data goes in and once when the document is saved: for a font program or
** a page's content that was most of save's time.  This read-only stream
** hands libharu the buffer as it is (HPDF_Dict_Write reads a stream
** through read_fn in chunks and asks its size through size_fn, which
** HPDF_Stream_Size uses when there is no write_fn). */

typedef struct rawdata {
    unsigned char *p;   /* owned (malloc) */
    size_t n, pos;      /* bytes; the read position */
} rawdata;

static HPDF_STATUS raw_read(HPDF_Stream s, HPDF_BYTE *ptr, HPDF_UINT *siz) {
    rawdata *r = s->attr;
    size_t left = r->n - r->pos, k = *siz < left ? *siz : left;
    memcpy(ptr, r->p + r->pos, k);
    r->pos += k;
    *siz = (HPDF_UINT)k;
    return r->pos == r->n ? HPDF_STREAM_EOF : HPDF_OK;
}

static HPDF_STATUS raw_seek(HPDF_Stream s, HPDF_INT pos, HPDF_WhenceMode mode) {
    rawdata *r = s->attr;
    long long at = mode == HPDF_SEEK_SET ? pos : mode == HPDF_SEEK_CUR ? (long long)r->pos + pos : (long long)r->n + pos;
    if (at < 0 || at > (long long)r->n) return HPDF_SetError(s->error, HPDF_STREAM_EOF, 0);
    r->pos = (size_t)at;
    return HPDF_OK;
}

static HPDF_INT32 raw_tell(HPDF_Stream s) { return (HPDF_INT32)((rawdata *)s->attr)->pos; }
static HPDF_UINT32 raw_size(HPDF_Stream s) { return (HPDF_UINT32)((rawdata *)s->attr)->n; }

static void raw_free(HPDF_Stream s) {
    rawdata *r = s->attr;
    if (r) free(r->p);
    free(r);
}

/* D's data becomes DATA (N bytes, malloc'd: taken, freed on failure too),
** written as it is: libharu adds no filter; WRITE_FN (may be NULL) writes
** the dictionary's /Filter.  A stream that already holds data (libharu
** wrote into it) gets DATA appended instead. */
static bool put_raw(HPDF_Dict d, unsigned char *data, size_t n, HPDF_STATUS (*write_fn)(HPDF_Dict, HPDF_Stream)) {
    if (!d || !d->stream || n > 0x7FFFFFFFu || (!data && n)) {
        free(data);
        return false;
    }
    d->filter = HPDF_STREAM_FILTER_NONE;
    d->write_fn = write_fn;
    if (d->stream->type != HPDF_STREAM_MEMORY || HPDF_Stream_Size(d->stream) != 0) {
        bool ok = HPDF_Stream_Write(d->stream, data, (HPDF_UINT)n) == HPDF_OK;
        free(data);
        return ok;
    }
    rawdata *r = malloc(sizeof *r);
    HPDF_Stream s = r ? HPDF_GetMem(d->mmgr, sizeof *s) : NULL;
    if (!s) {
        free(r);
        free(data);
        return false;
    }
    *r = (rawdata){data, n, 0};
    *s = (HPDF_Stream_Rec){.sig_bytes = HPDF_STREAM_SIG_BYTES, .type = HPDF_STREAM_CALLBACK, .mmgr = d->mmgr,
                           .error = d->error, .size = (HPDF_UINT)n, .read_fn = raw_read, .seek_fn = raw_seek,
                           .free_fn = raw_free, .tell_fn = raw_tell, .size_fn = raw_size, .attr = r};
    HPDF_Stream_Free(d->stream);
    d->stream = s;
    return true;
}

/* A malloc'd copy of N bytes at P (NULL when out of memory; N may be 0). */
static unsigned char *copy(const void *p, size_t n) {
    unsigned char *c = malloc(n ? n : 1);
    if (c && n) memcpy(c, p, n);
    return c;
}

bool tb_pdfstream_take_deflated(HPDF_Dict d, unsigned char *z, size_t n) { return put_raw(d, z, n, write_flate_filter); }

bool tb_pdfstream_deflate(HPDF_Dict d, const void *data, size_t n, int level) {
    if (!d || !d->stream) return false;
    size_t len = 0;
    unsigned char *buf = tb_deflate(data, n, level, &len);
    return buf && put_raw(d, buf, len, write_flate_filter);
}

bool tb_pdfstream_plain(HPDF_Dict d, const void *data, size_t n) { return put_raw(d, copy(data, n), n, NULL); }
