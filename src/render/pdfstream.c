/*
** pdfstream.c — pre-compressed stream data; see pdfstream.h.
*/
#include "pdfstream.h"
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

/* DATA into D as it is: libharu adds no filter; WRITE_FN (may be NULL)
** writes the dictionary's /Filter. */
static bool put_raw(HPDF_Dict d, const void *data, size_t n, HPDF_STATUS (*write_fn)(HPDF_Dict, HPDF_Stream)) {
    if (!d || !d->stream || n > 0x7FFFFFFFu) return false;
    d->filter = HPDF_STREAM_FILTER_NONE;
    d->write_fn = write_fn;
    return HPDF_Stream_Write(d->stream, (const HPDF_BYTE *)data, (HPDF_UINT)n) == HPDF_OK;
}

bool tb_pdfstream_put_deflated(HPDF_Dict d, const void *z, size_t n) { return put_raw(d, z, n, write_flate_filter); }

bool tb_pdfstream_deflate(HPDF_Dict d, const void *data, size_t n, int level) {
    if (!d || !d->stream) return false;
    size_t len = 0;
    unsigned char *buf = tb_deflate(data, n, level, &len);
    bool ok = buf && tb_pdfstream_put_deflated(d, buf, len);
    free(buf);
    return ok;
}

bool tb_pdfstream_plain(HPDF_Dict d, const void *data, size_t n) { return put_raw(d, data, n, NULL); }
