/*
** pdfstream.c — pre-compressed stream data; see pdfstream.h.
*/
#include "pdfstream.h"
#include <stdlib.h>
#include <zlib.h>

/* The dictionary's write hook: called by HPDF_Dict_Write after its own
** entries, before ">>". */
static HPDF_STATUS write_flate_filter(HPDF_Dict d, HPDF_Stream out) {
    (void)d;
    return HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

unsigned char *tb_deflate(const void *data, size_t n, int level, size_t *out_n) {
    *out_n = 0;
    if (n > 0x7FFFFFFFu) return NULL;
    z_stream z = {0};
    if (deflateInit(&z, level) != Z_OK) return NULL;
    uLong cap = deflateBound(&z, (uLong)n);
    unsigned char *buf = malloc(cap ? cap : 1);
    if (!buf) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int r = deflate(&z, Z_FINISH);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    if (r != Z_STREAM_END) {
        free(buf);
        *out_n = 0;
        return NULL;
    }
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
