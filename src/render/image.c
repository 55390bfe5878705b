/*
** image.c — PNG and JPEG files to libharu images; see image.h.
**
** libharu 2.3.0 gives libpng an error callback that returns; libpng answers
** a returning error callback with abort(), so a damaged PNG would kill the
** whole process.  The same callback doubles as libpng's warning handler and
** turns every warning (an sRGB-tagged iCCP profile is enough) into a
** document error.  So a PNG is read here first, checked chunk by chunk
** (signature, lengths, CRCs, IHDR fields, chunk order, known critical
** chunks) and rebuilt in memory with IHDR, PLTE, tRNS, IDAT and IEND only,
** which libharu then loads.  What can still reach abort(): deflate data
** that is corrupt behind correct CRCs (a crafted file).  Decoding with
** libpng here (own setjmp) and handing pixels to HPDF_LoadRawImageFromMem
** would close that, and is also where RGB→CMYK for print belongs.
*/
#include "image.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IMAGE_FILE (256u << 20) /* bytes */

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t crc32_png(const unsigned char *p, size_t n) {
    static uint32_t table[256];
    static int ready; /* written identically by any thread: benign */
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* Read all of PATH: malloc'd bytes in *DATA, NULL on failure (reported). */
static unsigned char *slurp(tb_ctx *ctx, const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        tb_error(ctx, path, 0, 0, "cannot read image");
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_IMAGE_FILE) {
                tb_error(ctx, path, 0, 0, "image file larger than %u MiB", MAX_IMAGE_FILE >> 20);
                goto fail;
            }
            cap = cap ? cap * 2 : 65536;
            unsigned char *b = realloc(buf, cap);
            if (!b) {
                tb_error(ctx, path, 0, 0, "out of memory reading image");
                goto fail;
            }
            buf = b;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) break;
    }
    if (ferror(f)) {
        tb_error(ctx, path, 0, 0, "cannot read image");
        goto fail;
    }
    fclose(f);
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

/* Check the PNG in P (N bytes) and write its essential chunks to OUT
** (capacity N).  Returns the length written, 0 when bad (reported). */
static size_t clean_png(tb_ctx *ctx, const char *path, const unsigned char *p, size_t n, unsigned char *out) {
    size_t o = 8, w = 8;
    memcpy(out, p, 8);
    bool seen_plte = false, seen_idat = false, idat_done = false, seen_iend = false;
    unsigned color = 0;
    const char *why = NULL;
    for (int first = 1; o < n && !why; first = 0) {
        if (n - o < 12) {
            why = "truncated chunk";
            break;
        }
        uint32_t len = be32(p + o);
        const unsigned char *type = p + o + 4;
        if (len > 0x7FFFFFFFu || len > n - o - 12) {
            why = "chunk longer than the file (truncated?)";
            break;
        }
        if (crc32_png(type, 4 + (size_t)len) != be32(p + o + 8 + len)) {
            why = "chunk CRC mismatch (damaged file)";
            break;
        }
        for (int i = 0; i < 4; i++)
            if (!((type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z'))) why = "bad chunk type";
        if (why) break;
        const unsigned char *d = p + o + 8;
        bool keep = false;
        if (first != !memcmp(type, "IHDR", 4)) {
            why = "IHDR is not the first chunk";
        } else if (!memcmp(type, "IHDR", 4)) {
            static const unsigned char depths[7] = {0x1F, 0, 0x18, 0x0F, 0x18, 0, 0x18};
            uint32_t wd = be32(d), ht = be32(d + 4);
            unsigned depth = d[8];
            color = d[9];
            if (len != 13 || !wd || !ht || wd > 0x7FFFFFFFu || ht > 0x7FFFFFFFu)
                why = "bad IHDR";
            else if (color > 6 || !depths[color] || depth > 16 || (depth & (depth - 1)) ||
                     !(depths[color] & depth))
                why = "bad bit depth or colour type";
            else if (d[10] || d[11] || d[12] > 1)
                why = "unknown compression, filter or interlace method";
            else if ((double)wd * ht > (double)ctx->limits.max_image_px && ctx->limits.max_image_px)
                why = "image has more pixels than the limit";
            keep = true;
        } else if (!memcmp(type, "PLTE", 4)) {
            if (seen_idat || seen_plte || len % 3 || !len || len > 768) why = "bad PLTE";
            seen_plte = keep = true;
        } else if (!memcmp(type, "IDAT", 4)) {
            if (idat_done) why = "IDAT chunks not consecutive";
            else if (color == 3 && !seen_plte) why = "palette image without PLTE";
            else if (!seen_idat && (len < 2 || (d[0] & 0x0F) != 8 || ((unsigned)d[0] << 8 | d[1]) % 31))
                why = "image data is not a zlib stream";
            seen_idat = keep = true;
        } else if (!memcmp(type, "IEND", 4)) {
            if (!seen_idat) why = "no image data";
            seen_iend = keep = true;
            o = n; /* anything after IEND is ignored */
            memcpy(out + w, type - 4, 12);
            w += 12;
            break;
        } else if (!memcmp(type, "tRNS", 4)) {
            keep = !seen_idat;
        } else if (!(type[0] & 0x20)) {
            why = "unknown critical chunk";
        }
        if (seen_idat && memcmp(type, "IDAT", 4)) idat_done = true;
        if (keep && !why) {
            memcpy(out + w, type - 4, 12 + (size_t)len);
            w += 12 + (size_t)len;
        }
        o += 12 + (size_t)len;
    }
    if (!why && !seen_iend) why = "no IEND chunk (truncated?)";
    if (why) {
        tb_error(ctx, path, 0, 0, "damaged PNG image: %s", why);
        return 0;
    }
    return w;
}

HPDF_Image tb_image_load(tb_ctx *ctx, HPDF_Doc pdf, const char *path) {
    size_t n = 0;
    unsigned char *data = slurp(ctx, path, &n);
    if (!data) return NULL;
    HPDF_Image img = NULL;
    if (n >= 8 && !memcmp(data, "\x89PNG\r\n\x1a\n", 8)) {
        unsigned char *clean = malloc(n);
        size_t m = clean ? clean_png(ctx, path, data, n, clean) : 0;
        if (!clean) tb_error(ctx, path, 0, 0, "out of memory reading image");
        if (m) img = HPDF_LoadPngImageFromMem(pdf, clean, (HPDF_UINT)m);
        free(clean);
    } else if (n >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        img = HPDF_LoadJpegImageFromMem(pdf, data, (HPDF_UINT)n);
    } else {
        tb_error(ctx, path, 0, 0, "image is neither PNG nor JPEG");
    }
    free(data);
    return img;
}
