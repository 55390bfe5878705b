/*
** image.c — PNG and JPEG files to PDF images; see image.h.
**
** A file is read whole, checked, decoded to 8-bit pixels (grey, RGB or
** CMYK, and alpha apart), converted and resampled for the variant, then
** embedded with data compressed here.
**
** Damaged files.  A PNG is first checked chunk by chunk (signature,
** lengths, CRCs, IHDR fields, chunk order, known critical chunks) and
** rebuilt with IHDR, iCCP, PLTE, tRNS, IDAT and IEND only, which gives
** precise messages for the usual damage; libpng then decodes it with an
** error handler that longjmps back here (libpng abort()s when an error
** handler returns, as libharu's did), so corrupt deflate data behind
** correct CRCs is an error too.  libjpeg gets the same treatment; its
** warnings (corrupt data it could skip) become one warning.
**
** Colour.  lcms2 in a context of its own (errors silenced: a bad embedded
** profile falls back to sRGB).  The press profile and the transforms from
** and to sRGB are made once per document, on first need.
*/
#include "image.h"
#include <stdio.h> /* before jpeglib.h, which needs FILE */
#include <jpeglib.h>
#include <lcms2.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pdfstream.h"
#include "../base/lazylib.h"
/* lcms2, opened when an image first needs colour management
** (base/lazylib.h): a guide without such images never maps it.  The table
** is the process's, as the library is; filled once, then only read. */
#define LCMS_FUNCS(X) X(cmsDeleteTransform) X(cmsCloseProfile) X(cmsDeleteContext) X(cmsCreateContext) \
    X(cmsSetLogErrorHandlerTHR) X(cmsCreate_sRGBProfileTHR) X(cmsOpenProfileFromMemTHR) X(cmsGetColorSpace) \
    X(cmsGetProfileInfoASCII) X(cmsDoTransform) X(cmsCreateTransformTHR)
static struct { LCMS_FUNCS(TB_LAZY_SLOT) } lcms;
static tb_lazylib lcms_lib = {"liblcms2.so.2", 0, ""};

static bool lcms_api(void) { return TB_LAZY_OPEN(&lcms_lib, LCMS_FUNCS, lcms); }


#define MAX_IMAGE_FILE (256u << 20)   /* bytes */
#define MAX_PROFILE_FILE (16u << 20)  /* bytes */

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
        } else if (!memcmp(type, "iCCP", 4)) {
            keep = !seen_idat && !seen_plte; /* the colours' profile */
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


/* ---- decoded pixels ------------------------------------------------- */

typedef struct raster {
    int w, h, nc;            /* nc: 1 grey, 3 RGB, 4 CMYK */
    unsigned char *px;       /* owned: w*h*nc bytes, rows top down */
    unsigned char *alpha;    /* owned: w*h bytes; NULL when opaque */
    unsigned char *icc;      /* owned: the file's ICC profile, or NULL */
    size_t nicc;
    bool jpeg;               /* a JPEG file (its bytes can be kept) */
    bool inverted;           /* JPEG: Adobe's inverted CMYK in the file */
} raster;

static void raster_free(raster *r) {
    free(r->px);
    free(r->alpha);
    free(r->icc);
    memset(r, 0, sizeof *r);
}

/* ---- PNG ------------------------------------------------------------ */

typedef struct png_job {
    jmp_buf jb;
    char msg[200];
    const unsigned char *p;  /* the cleaned file */
    size_t n, off;
} png_job;

static void png_fail(png_structp png, png_const_charp msg) {
    png_job *j = png_get_error_ptr(png);
    snprintf(j->msg, sizeof j->msg, "%s", msg ? msg : "libpng error");
    longjmp(j->jb, 1);
}

static void png_quiet(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void png_feed(png_structp png, png_bytep out, size_t n) {
    png_job *j = png_get_io_ptr(png);
    if (n > j->n - j->off) png_error(png, "truncated image data");
    memcpy(out, j->p + j->off, n);
    j->off += n;
}

static bool decode_png(tb_ctx *ctx, const char *path, const unsigned char *data, size_t n, raster *r) {
    png_job job = {.p = data, .n = n};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, png_fail, png_quiet);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *volatile buf = NULL;
    png_bytep *volatile rows = NULL;
    if (!info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        tb_error(ctx, path, 0, 0, "out of memory reading image");
        return false;
    }
    if (setjmp(job.jb)) {
        free(buf);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        tb_error(ctx, path, 0, 0, "damaged PNG image: %s", job.msg);
        return false;
    }
    png_set_read_fn(png, &job, png_feed);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    png_charp name;
    int comp;
    png_bytep prof;
    png_uint_32 nprof;
    if (png_get_iCCP(png, info, &name, &comp, &prof, &nprof) && nprof && (r->icc = malloc(nprof))) {
        memcpy(r->icc, prof, nprof);
        r->nicc = nprof;
    }
    png_set_expand(png);     /* palette to RGB, low bit depths to 8, tRNS to alpha */
    png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info);
    size_t rb = png_get_rowbytes(png, info);
    if (ch < 1 || ch > 4 || rb != (size_t)w * (size_t)ch) png_error(png, "unexpected pixel layout");
    buf = malloc(rb * h);
    rows = malloc(h * sizeof *rows);
    if (!buf || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = buf + y * rb;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    /* split off the alpha channel */
    r->w = (int)w;
    r->h = (int)h;
    r->nc = ch >= 3 ? 3 : 1;
    bool has_alpha = ch == 2 || ch == 4;
    if (!has_alpha) {
        r->px = buf;
        return true;
    }
    size_t npx = (size_t)w * h;
    r->px = malloc(npx * (size_t)r->nc);
    r->alpha = malloc(npx);
    if (!r->px || !r->alpha) {
        free(buf);
        tb_error(ctx, path, 0, 0, "out of memory reading image");
        return false;
    }
    for (size_t i = 0; i < npx; i++) {
        memcpy(r->px + i * (size_t)r->nc, buf + i * (size_t)ch, (size_t)r->nc);
        r->alpha[i] = buf[i * (size_t)ch + (size_t)ch - 1];
    }
    free(buf);
    return true;
}

/* ---- JPEG ----------------------------------------------------------- */

typedef struct jpeg_job {
    struct jpeg_error_mgr pub;   /* first: libjpeg casts */
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX], warn[JMSG_LENGTH_MAX];
} jpeg_job;

static void jpeg_fail(j_common_ptr c) {
    jpeg_job *j = (jpeg_job *)c->err;
    c->err->format_message(c, j->msg);
    longjmp(j->jb, 1);
}

static void jpeg_note(j_common_ptr c, int level) {
    if (level >= 0) return; /* trace messages */
    jpeg_job *j = (jpeg_job *)c->err;
    if (!j->warn[0]) c->err->format_message(c, j->warn);
    c->err->num_warnings++;
}

/* libjpeg, opened when a guide first shows a JPEG (base/lazylib.h). */
#define JPEG_FUNCS(X) X(jpeg_std_error) X(jpeg_CreateDecompress) X(jpeg_destroy_decompress) X(jpeg_mem_src) \
    X(jpeg_save_markers) X(jpeg_read_header) X(jpeg_read_icc_profile) X(jpeg_start_decompress) \
    X(jpeg_read_scanlines) X(jpeg_finish_decompress)
static struct { JPEG_FUNCS(TB_LAZY_SLOT) } jpg;
static tb_lazylib jpeg_lib = {"libjpeg.so.62", 0, ""};

static bool jpeg_api(void) { return TB_LAZY_OPEN(&jpeg_lib, JPEG_FUNCS, jpg); }

static bool decode_jpeg(tb_ctx *ctx, const char *path, const unsigned char *data, size_t n, raster *r) {
    if (!jpeg_api()) {
        tb_error(ctx, path, 0, 0, "cannot read JPEG images: %s", jpeg_lib.why);
        return false;
    }
    struct jpeg_decompress_struct ci;
    jpeg_job job;
    memset(&job, 0, sizeof job);
    ci.err = jpg.jpeg_std_error(&job.pub);
    job.pub.error_exit = jpeg_fail;
    job.pub.emit_message = jpeg_note;
    unsigned char *volatile buf = NULL;
    if (setjmp(job.jb)) {
        jpg.jpeg_destroy_decompress(&ci);
        free(buf);
        tb_error(ctx, path, 0, 0, "damaged JPEG image: %s", job.msg);
        return false;
    }
    jpg.jpeg_CreateDecompress(&ci, JPEG_LIB_VERSION, sizeof(struct jpeg_decompress_struct));
    jpg.jpeg_mem_src(&ci, data, (unsigned long)n);
    jpg.jpeg_save_markers(&ci, JPEG_APP0 + 2, 0xFFFF);
    jpg.jpeg_read_header(&ci, TRUE);
    if (ctx->limits.max_image_px && (double)ci.image_width * ci.image_height > (double)ctx->limits.max_image_px) {
        jpg.jpeg_destroy_decompress(&ci);
        tb_error(ctx, path, 0, 0, "damaged JPEG image: image has more pixels than the limit");
        return false;
    }
    JOCTET *icc = NULL;
    unsigned nicc = 0;
    if (jpg.jpeg_read_icc_profile(&ci, &icc, &nicc) && icc) {
        r->icc = icc;
        r->nicc = nicc;
    }
    int nc;
    switch (ci.jpeg_color_space) {
    case JCS_GRAYSCALE: ci.out_color_space = JCS_GRAYSCALE; nc = 1; break;
    case JCS_CMYK:
    case JCS_YCCK: ci.out_color_space = JCS_CMYK; nc = 4; break;
    default: ci.out_color_space = JCS_RGB; nc = 3; break;
    }
    jpg.jpeg_start_decompress(&ci);
    size_t w = ci.output_width, h = ci.output_height, rb = w * (size_t)nc, total = rb * h;
    if (ci.output_components != nc) {
        snprintf(job.msg, sizeof job.msg, "unexpected colour components");
        longjmp(job.jb, 1);
    }
    buf = malloc(total > 0 ? total : 1);
    if (!buf) {
        snprintf(job.msg, sizeof job.msg, "out of memory");
        longjmp(job.jb, 1);
    }
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = buf + (size_t)ci.output_scanline * rb;
        jpg.jpeg_read_scanlines(&ci, &row, 1);
    }
    jpg.jpeg_finish_decompress(&ci);
    bool inverted = nc == 4 && ci.saw_Adobe_marker; /* Adobe writes CMYK inverted */
    jpg.jpeg_destroy_decompress(&ci);
    if (inverted)
        for (size_t i = 0; i < rb * h; i++) buf[i] = (unsigned char)(255 - buf[i]);
    if (job.pub.num_warnings) tb_warning(ctx, path, 0, 0, "JPEG image: %s", job.warn);
    r->w = (int)w;
    r->h = (int)h;
    r->nc = nc;
    r->px = buf;
    r->jpeg = true;
    r->inverted = inverted;
    return true;
}

/* ---- pixels --------------------------------------------------------- */

/* Composite the alpha channel onto white paper and drop it. */
static void flatten(raster *r) {
    if (!r->alpha) return;
    size_t npx = (size_t)r->w * r->h;
    for (size_t i = 0; i < npx; i++) {
        unsigned a = r->alpha[i];
        unsigned char *p = r->px + i * (size_t)r->nc;
        for (int c = 0; c < r->nc; c++) {
            /* white is 255 in grey and RGB, no ink (0) in CMYK */
            unsigned paper = r->nc == 4 ? 0 : 255;
            p[c] = (unsigned char)((p[c] * a + paper * (255 - a) + 127) / 255);
        }
    }
    free(r->alpha);
    r->alpha = NULL;
}

/* An RGB raster whose every pixel is neutral (R = G = B) becomes grey:
** printed with black ink alone, not a four-colour grey, and smaller.  Not
** when it has a profile of its own (neutral there may not be neutral). */
static void grey_if_neutral(raster *r) {
    if (r->nc != 3 || r->icc) return;
    size_t npx = (size_t)r->w * r->h;
    for (size_t i = 0; i < npx; i++) {
        const unsigned char *p = r->px + 3 * i;
        if (p[0] != p[1] || p[1] != p[2]) return;
    }
    for (size_t i = 0; i < npx; i++) r->px[i] = r->px[3 * i];
    r->nc = 1; /* the buffer keeps its size; only the first third is used */
}

/* Drop an alpha channel that is opaque everywhere. */
static void drop_opaque_alpha(raster *r) {
    if (!r->alpha) return;
    size_t npx = (size_t)r->w * r->h;
    for (size_t i = 0; i < npx; i++)
        if (r->alpha[i] != 255) return;
    free(r->alpha);
    r->alpha = NULL;
}

/* The box filter's taps from SN source pixels down to DN (<= SN): output
** i covers source [i*SN/DN, (i+1)*SN/DN), each source pixel weighted by
** its overlap, the weights of an output summing to 1.  *FIRST[i] is its
** first source pixel and FIRST[DN+i] their count, *W its MAXK weights (0
** past the last).  False when
** out of memory. */
static bool box_taps(int sn, int dn, int **first, float **w, int *maxk) {
    const double f = (double)sn / dn;
    *maxk = (int)f + 2;
    *first = malloc((size_t)dn * 2 * sizeof **first); /* first, then count */
    *w = calloc((size_t)dn * (size_t)*maxk, sizeof **w);
    if (!*first || !*w) {
        free(*first), free(*w);
        *first = NULL, *w = NULL;
        return false;
    }
    for (int i = 0; i < dn; i++) {
        double a0 = i * f, a1 = a0 + f;
        int j0 = (int)a0, j1 = (int)a1 + 1;
        if (j1 > sn) j1 = sn;
        (*first)[i] = j0;
        (*first)[dn + i] = j1 - j0 < *maxk ? j1 - j0 : *maxk;
        for (int j = j0; j < j1 && j - j0 < *maxk; j++) {
            double lo = a0 > j ? a0 : j, hi = a1 < j + 1 ? a1 : j + 1;
            (*w)[(size_t)i * *maxk + (j - j0)] = hi > lo ? (float)((hi - lo) / f) : 0;
        }
    }
    return true;
}

/* One row through the box filter: ROW (pixels of NC bytes, AROW its alpha
** or NULL) to DW outputs of NC+1 floats at O (premultiplied); XF, XW, KX
** from box_taps(). */
static inline void box_row(const unsigned char *row, const unsigned char *arow, float *o, int dw, const int *xf,
                           const float *xw, int kx, const int nc) {
    for (int x = 0; x < dw; x++, o += nc + 1) {
        const float *wt = xw + (size_t)x * kx;
        float acc[5] = {0, 0, 0, 0, 0};
        int i0 = xf[x], n = xf[dw + x];
        const unsigned char *s = row + (size_t)i0 * nc;
        if (arow) {
            for (int k = 0; k < n; k++, s += nc) {
                float wa = wt[k] * (float)arow[i0 + k] * (1.0f / 255);
                for (int c = 0; c < nc; c++) acc[c] += wa * s[c];
                acc[nc] += wa;
            }
        } else {
            for (int k = 0; k < n; k++, s += nc) {
                for (int c = 0; c < nc; c++) acc[c] += wt[k] * s[c];
                acc[nc] += wt[k];
            }
        }
        for (int c = 0; c <= nc; c++) o[c] = acc[c];
    }
}

/* Area-average (box filter) R down to DW×DH.  Colour is averaged weighted
** by alpha, so fully transparent pixels lend no colour to the edges.
** Rows first into floats (colour premultiplied, then alpha), then the
** columns a whole row at a time. */
static bool downsample(raster *r, int dw, int dh) {
    const int sw = r->w, sh = r->h, nc = r->nc, na = nc + 1;
    if (dw > sw) dw = sw;
    if (dh > sh) dh = sh;
    if (dw == sw && dh == sh) return true;
    int *xf = NULL, *yf = NULL, kx = 0, ky = 0;
    float *xw = NULL, *yw = NULL;
    float *tmp = malloc((size_t)dw * sh * na * sizeof *tmp);
    float *acc = malloc((size_t)dw * na * sizeof *acc);
    unsigned char *px = malloc((size_t)dw * dh * nc);
    unsigned char *al = r->alpha ? malloc((size_t)dw * dh) : NULL;
    bool ok = tmp && acc && px && (al || !r->alpha) && box_taps(sw, dw, &xf, &xw, &kx) &&
              box_taps(sh, dh, &yf, &yw, &ky);
    if (ok) {
        for (int y = 0; y < sh; y++) {
            const unsigned char *row = r->px + (size_t)y * sw * nc;
            const unsigned char *arow = r->alpha ? r->alpha + (size_t)y * sw : NULL;
            float *o = tmp + (size_t)y * dw * na;
            switch (nc) { /* the channel count a constant in each loop */
            case 1: box_row(row, arow, o, dw, xf, xw, kx, 1); break;
            case 3: box_row(row, arow, o, dw, xf, xw, kx, 3); break;
            default: box_row(row, arow, o, dw, xf, xw, kx, 4); break;
            }
        }
        const size_t rl = (size_t)dw * na;
        for (int y = 0; y < dh; y++) {
            const float *wt = yw + (size_t)y * ky;
            for (size_t i = 0; i < rl; i++) acc[i] = 0;
            for (int k = 0, j = yf[y]; k < yf[dh + y]; k++, j++) {
                const float w = wt[k], *s = tmp + (size_t)j * rl;
                if (w != 0)
                    for (size_t i = 0; i < rl; i++) acc[i] += w * s[i];
            }
            unsigned char *o = px + (size_t)y * dw * nc;
            for (int x = 0; x < dw; x++) {
                const float *a = acc + (size_t)x * na, alpha = a[nc];
                for (int c = 0; c < nc; c++) {
                    float v = alpha > 1e-6f ? a[c] / alpha : 0; /* unpremultiplied, 0..255 */
                    o[(size_t)x * nc + c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5f);
                }
                if (al) al[(size_t)y * dw + x] = (unsigned char)(alpha < 0 ? 0 : alpha > 1 ? 255 : alpha * 255 + 0.5f);
            }
        }
    }
    free(tmp), free(acc), free(xf), free(xw), free(yf), free(yw);
    if (!ok) {
        free(px), free(al);
        return false;
    }
    free(r->px);
    free(r->alpha);
    r->px = px;
    r->alpha = al;
    r->w = dw;
    r->h = dh;
    return true;
}

/* PNG row filters (the "optimum" predictor 15 of PDF): each row gets the
** filter with the smallest sum of absolute differences.  BPP bytes a pixel.
** A malloc'd buffer of H*(1+W*BPP) bytes, NULL when out of memory.  Each
** filter is its own loop over the row (no branch per byte). */
static unsigned char *png_filter(const unsigned char *px, int w, int h, int bpp, size_t *out_n) {
    size_t rb = (size_t)w * bpp, stride = rb + 1, total = stride * (size_t)h;
    unsigned char *out = malloc(total > 0 ? total : 1);
    unsigned char *cand = malloc(rb > 0 ? 4 * rb : 1);
    unsigned char *zero = calloc(rb > 0 ? rb : 1, 1);
    if (!out || !cand || !zero) {
        free(out), free(cand), free(zero);
        return NULL;
    }
    const size_t b = (size_t)bpp;
    for (int y = 0; y < h; y++) {
        const unsigned char *cur = px + (size_t)y * rb, *up = y ? cur - rb : zero;
        unsigned char *o[4] = {cand, cand + rb, cand + 2 * rb, cand + 3 * rb}; /* Sub, Up, Average, Paeth */
        unsigned long sum[5] = {0};
#define ABS8(v) ((v) < 128 ? (v) : 256 - (v))
        for (size_t i = 0; i < rb; i++) sum[0] += ABS8(cur[i]);
        for (size_t i = 0; i < b && i < rb; i++) {
            unsigned char v1 = cur[i], v2 = (unsigned char)(cur[i] - up[i]),
                          v3 = (unsigned char)(cur[i] - up[i] / 2), v4 = (unsigned char)(cur[i] - up[i]);
            o[0][i] = v1, o[1][i] = v2, o[2][i] = v3, o[3][i] = v4;
            sum[1] += ABS8(v1), sum[2] += ABS8(v2), sum[3] += ABS8(v3), sum[4] += ABS8(v4);
        }
        for (size_t i = b; i < rb; i++) {
            int a = cur[i - b], c = up[i - b], u = up[i];
            int p = a + u - c, pa = abs(p - a), pb = abs(p - u), pc = abs(p - c);
            int paeth = pa <= pb && pa <= pc ? a : pb <= pc ? u : c;
            unsigned char v1 = (unsigned char)(cur[i] - a), v2 = (unsigned char)(cur[i] - u),
                          v3 = (unsigned char)(cur[i] - ((a + u) >> 1)), v4 = (unsigned char)(cur[i] - paeth);
            o[0][i] = v1, o[1][i] = v2, o[2][i] = v3, o[3][i] = v4;
            sum[1] += ABS8(v1), sum[2] += ABS8(v2), sum[3] += ABS8(v3), sum[4] += ABS8(v4);
        }
#undef ABS8
        int best = 0;
        for (int f = 1; f < 5; f++)
            if (sum[f] < sum[best]) best = f;
        out[(size_t)y * stride] = (unsigned char)best;
        memcpy(out + (size_t)y * stride + 1, best ? o[best - 1] : cur, rb);
    }
    free(cand);
    free(zero);
    *out_n = total;
    return out;
}

/* ---- the set -------------------------------------------------------- */

typedef struct loaded {
    char *path;              /* owned */
    tb_image_info info;
} loaded;

struct tb_images {
    tb_ctx *ctx;             /* borrowed */
    HPDF_Doc pdf;            /* borrowed */
    tb_image_opts o;
    const char *file;        /* borrowed: diagnostics name */
    loaded *v;               /* owned */
    size_t n;
    cmsContext cms;          /* owned */
    bool press_tried;
    unsigned char *press;    /* owned: the press profile's bytes */
    size_t npress;
    const char *press_path;  /* borrowed: getenv or a constant */
    char press_desc[128];
    cmsHPROFILE press_prof, srgb;          /* owned */
    cmsHTRANSFORM rgb2cmyk, cmyk2rgb;      /* owned, made on first need */
    bool input_error;        /* a file could not be decoded */
    bool lcms_said;          /* lcms2 could not be opened, and that was reported */
};

static void cms_quiet(cmsContext c, cmsUInt32Number code, const char *text) {
    (void)c;
    (void)code;
    (void)text;
}

tb_images *tb_images_new(tb_ctx *ctx, HPDF_Doc pdf, const tb_image_opts *o, const char *file) {
    tb_images *s = calloc(1, sizeof *s);
    if (!s) {
        tb_error(ctx, file, 0, 0, "out of memory");
        return NULL;
    }
    s->ctx = ctx;
    s->pdf = pdf;
    s->o = *o;
    s->file = file;
    return s;
}

void tb_images_free(tb_images *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->v[i].path);
    free(s->v);
    if (s->rgb2cmyk) lcms.cmsDeleteTransform(s->rgb2cmyk);
    if (s->cmyk2rgb) lcms.cmsDeleteTransform(s->cmyk2rgb);
    if (s->press_prof) lcms.cmsCloseProfile(s->press_prof);
    if (s->srgb) lcms.cmsCloseProfile(s->srgb);
    if (s->cms) lcms.cmsDeleteContext(s->cms);
    free(s->press);
    free(s);
}

static bool cms_ready(tb_images *s) {
    if (!lcms_api()) {
        if (!s->lcms_said) tb_error(s->ctx, s->file, 0, 0, "colour management is not available: %s", lcms_lib.why);
        s->lcms_said = true;
        return false;
    }
    if (!s->cms) {
        s->cms = lcms.cmsCreateContext(NULL, NULL);
        if (!s->cms) return false;
        lcms.cmsSetLogErrorHandlerTHR(s->cms, cms_quiet);
    }
    if (!s->srgb) s->srgb = lcms.cmsCreate_sRGBProfileTHR(s->cms);
    return s->srgb != NULL;
}

/* The press profile, loaded once; false (not reported) when unusable. */
static bool load_press(tb_images *s) {
    if (s->press_tried) return s->press_prof != NULL;
    s->press_tried = true;
    const char *p = getenv("TEBIKI_CMYK_PROFILE");
    s->press_path = p && *p ? p : TB_DEFAULT_CMYK_PROFILE;
    if (!cms_ready(s)) return false;
    FILE *f = fopen(s->press_path, "rb");
    if (!f) return false;
    unsigned char *buf = malloc(MAX_PROFILE_FILE);
    size_t n = buf ? fread(buf, 1, MAX_PROFILE_FILE, f) : 0;
    fclose(f);
    cmsHPROFILE prof = n && n < MAX_PROFILE_FILE ? lcms.cmsOpenProfileFromMemTHR(s->cms, buf, (cmsUInt32Number)n) : NULL;
    if (!prof || lcms.cmsGetColorSpace(prof) != cmsSigCmykData) {
        if (prof) lcms.cmsCloseProfile(prof);
        free(buf);
        return false;
    }
    unsigned char *shrunk = realloc(buf, n);
    s->press = shrunk ? shrunk : buf;
    s->npress = n;
    s->press_prof = prof;
    if (!lcms.cmsGetProfileInfoASCII(prof, cmsInfoDescription, "en", "US", s->press_desc, sizeof s->press_desc))
        snprintf(s->press_desc, sizeof s->press_desc, "CMYK");
    return true;
}

bool tb_images_input_error(const tb_images *s) { return s->input_error; }

const unsigned char *tb_images_press_profile(tb_images *s, size_t *n, const char **path, const char **desc) {
    if (!load_press(s)) {
        *n = 0;
        if (path) *path = s->press_path;
        if (desc) *desc = NULL;
        return NULL;
    }
    *n = s->npress;
    if (path) *path = s->press_path;
    if (desc) *desc = s->press_desc;
    return s->press;
}

/* A profile from R's embedded bytes when it has the colour space SIG;
** NULL otherwise (the caller then uses its default). */
static cmsHPROFILE embedded_profile(tb_images *s, const raster *r, cmsColorSpaceSignature sig) {
    if (!r->icc || !r->nicc || r->nicc > MAX_PROFILE_FILE || !cms_ready(s)) return NULL;
    cmsHPROFILE p = lcms.cmsOpenProfileFromMemTHR(s->cms, r->icc, (cmsUInt32Number)r->nicc);
    if (p && lcms.cmsGetColorSpace(p) != sig) {
        lcms.cmsCloseProfile(p);
        p = NULL;
    }
    return p;
}

/* Run T over R's pixels into a new buffer of NC_OUT channels. */
static bool transform(cmsHTRANSFORM t, raster *r, int nc_out) {
    size_t npx = (size_t)r->w * r->h;
    size_t total = npx * (size_t)nc_out;
    unsigned char *out = malloc(total > 0 ? total : 1);
    if (!out) return false;
    for (int y = 0; y < r->h; y++)
        lcms.cmsDoTransform(t, r->px + (size_t)y * r->w * r->nc, out + (size_t)y * r->w * nc_out, (cmsUInt32Number)r->w);
    free(r->px);
    r->px = out;
    r->nc = nc_out;
    return true;
}

/* RGB to the press's CMYK. */
static bool to_cmyk(tb_images *s, const char *path, raster *r) {
    if (!load_press(s)) {
        tb_error(s->ctx, path, 0, 0,
                 "an RGB image must be separated to CMYK for print, but there is no usable press profile at %s "
                 "(install Debian's libgs-common, or set TEBIKI_CMYK_PROFILE to a CMYK ICC profile)",
                 s->press_path);
        return false;
    }
    const cmsUInt32Number flags = cmsFLAGS_BLACKPOINTCOMPENSATION;
    cmsHPROFILE own = embedded_profile(s, r, cmsSigRgbData);
    cmsHTRANSFORM t = NULL;
    if (own) {
        t = lcms.cmsCreateTransformTHR(s->cms, own, TYPE_RGB_8, s->press_prof, TYPE_CMYK_8, INTENT_RELATIVE_COLORIMETRIC,
                                  flags);
        lcms.cmsCloseProfile(own);
    }
    if (!t) {
        if (!s->rgb2cmyk)
            s->rgb2cmyk = lcms.cmsCreateTransformTHR(s->cms, s->srgb, TYPE_RGB_8, s->press_prof, TYPE_CMYK_8,
                                                INTENT_RELATIVE_COLORIMETRIC, flags);
        if (!s->rgb2cmyk) {
            tb_error(s->ctx, path, 0, 0, "cannot separate the image with the press profile %s", s->press_path);
            return false;
        }
    }
    bool ok = transform(t ? t : s->rgb2cmyk, r, 4);
    if (t) lcms.cmsDeleteTransform(t);
    if (!ok) tb_error(s->ctx, path, 0, 0, "out of memory converting image");
    return ok;
}

/* CMYK to sRGB (through the press profile when there is one), or RGB in
** a profile of its own to sRGB. */
static bool to_srgb(tb_images *s, const char *path, raster *r) {
    if (r->nc == 3) {
        cmsHPROFILE own = embedded_profile(s, r, cmsSigRgbData);
        if (!own) return true; /* taken as sRGB */
        cmsHTRANSFORM t = lcms.cmsCreateTransformTHR(s->cms, own, TYPE_RGB_8, s->srgb, TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
        lcms.cmsCloseProfile(own);
        bool ok = !t || transform(t, r, 3);
        if (t) lcms.cmsDeleteTransform(t);
        if (!ok) tb_error(s->ctx, path, 0, 0, "out of memory converting image");
        return ok;
    }
    cmsHPROFILE own = embedded_profile(s, r, cmsSigCmykData);
    cmsHTRANSFORM t = NULL;
    if (own || load_press(s)) {
        cmsHPROFILE from = own ? own : s->press_prof;
        if (!own && s->cmyk2rgb) t = s->cmyk2rgb;
        else t = lcms.cmsCreateTransformTHR(s->cms, from, TYPE_CMYK_8, s->srgb, TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
        if (own) lcms.cmsCloseProfile(own);
        else s->cmyk2rgb = t;
    }
    if (t) {
        bool ok = transform(t, r, 3);
        if (own) lcms.cmsDeleteTransform(t);
        if (!ok) tb_error(s->ctx, path, 0, 0, "out of memory converting image");
        return ok;
    }
    /* no profile at all: the naive formula */
    size_t npx = (size_t)r->w * r->h;
    unsigned char *out = malloc(npx > 0 ? npx * 3 : 1);
    if (!out) {
        tb_error(s->ctx, path, 0, 0, "out of memory converting image");
        return false;
    }
    for (size_t i = 0; i < npx; i++) {
        const unsigned char *p = r->px + i * 4;
        unsigned k = 255 - p[3];
        for (int c = 0; c < 3; c++) out[i * 3 + c] = (unsigned char)((255 - p[c]) * k / 255);
    }
    free(r->px);
    r->px = out;
    r->nc = 3;
    return true;
}

/* ---- embedding ------------------------------------------------------ */

static const char *space_name(int nc) {
    return nc == 1 ? "DeviceGray" : nc == 3 ? "DeviceRGB" : "DeviceCMYK";
}

/* An image XObject dictionary of W×H, NC channels at 8 bits. */
static HPDF_Dict new_image(tb_images *s, int w, int h, int nc) {
    HPDF_Dict d = HPDF_DictStream_New(s->pdf->mmgr, s->pdf->xref);
    if (!d) return NULL;
    d->header.obj_class |= HPDF_OSUBCLASS_XOBJECT;
    if (HPDF_Dict_AddName(d, "Type", "XObject") != HPDF_OK || HPDF_Dict_AddName(d, "Subtype", "Image") != HPDF_OK ||
        HPDF_Dict_AddNumber(d, "Width", w) != HPDF_OK || HPDF_Dict_AddNumber(d, "Height", h) != HPDF_OK ||
        HPDF_Dict_AddName(d, "ColorSpace", space_name(nc)) != HPDF_OK ||
        HPDF_Dict_AddNumber(d, "BitsPerComponent", 8) != HPDF_OK)
        return NULL;
    return d;
}

/* PX (W×H×NC) as a Flate image, with PNG predictors when they make it
** smaller.  Flat-coloured pictures (diagrams, maps) compress best without
** predictors, photographs with them: the plain data is deflated first, and
** when that leaves more than half of it, the filtered data too (print;
** the web variant always tries both and its images are small).  NULL on
** failure (out of memory reported, libharu's left in the document). */
static HPDF_Dict embed_pixels(tb_images *s, const char *path, const unsigned char *px, int w, int h, int nc) {
    const int level = s->o.level ? s->o.level : TB_DEFLATE_WEB;
    size_t raw = (size_t)w * h * nc, zn = 0, fn = 0, fzn = 0;
    unsigned char *z = tb_deflate(px, raw, level, &zn), *fz = NULL;
    bool oom = !z;
    if (z && (!s->o.print || zn > raw / 2)) {
        unsigned char *f = png_filter(px, w, h, nc, &fn);
        fz = f ? tb_deflate(f, fn, level, &fzn) : NULL;
        free(f);
        if (fz && fzn >= zn) {
            free(fz);
            fz = NULL;
        }
    }
    HPDF_Dict d = oom ? NULL : new_image(s, w, h, nc);
    bool ok = d != NULL;
    if (ok && fz) {
        HPDF_Dict parms = HPDF_Dict_New(s->pdf->mmgr);
        ok = HPDF_Dict_Add(d, "DecodeParms", parms) == HPDF_OK &&
             HPDF_Dict_AddNumber(parms, "Predictor", 15) == HPDF_OK &&
             HPDF_Dict_AddNumber(parms, "Colors", nc) == HPDF_OK &&
             HPDF_Dict_AddNumber(parms, "BitsPerComponent", 8) == HPDF_OK &&
             HPDF_Dict_AddNumber(parms, "Columns", w) == HPDF_OK;
    }
    /* the smaller goes to the stream (which takes it), the other away */
    unsigned char *keep = fz ? fz : z;
    free(fz ? z : NULL);
    if (ok) ok = tb_pdfstream_take_deflated(d, keep, fz ? fzn : zn);
    else free(keep);
    if (!ok && HPDF_GetError(s->pdf) == HPDF_OK) tb_error(s->ctx, path, 0, 0, "out of memory embedding image");
    return ok ? d : NULL;
}

/* The JPEG file DATA as it is (DCTDecode); INVERTED: Adobe's CMYK, which
** a /Decode array turns round. */
static HPDF_Dict embed_jpeg(tb_images *s, const unsigned char *data, size_t n, int w, int h, int nc, bool inverted) {
    HPDF_Dict d = new_image(s, w, h, nc);
    if (!d || n > 0x7FFFFFFFu) return NULL;
    if (inverted) {
        HPDF_Array dec = HPDF_Array_New(s->pdf->mmgr);
        if (HPDF_Dict_Add(d, "Decode", dec) != HPDF_OK) return NULL;
        for (int i = 0; i < 2 * nc; i++)
            if (HPDF_Array_AddNumber(dec, (i + 1) % 2) != HPDF_OK) return NULL;
    }
    d->filter = HPDF_STREAM_FILTER_DCT_DECODE; /* libharu names it and copies the bytes */
    return HPDF_Stream_Write(d->stream, data, (HPDF_UINT)n) == HPDF_OK ? d : NULL;
}

/* Ink statistics of a CMYK raster. */
static void ink_stats(const raster *r, float limit, tb_image_info *info) {
    size_t npx = (size_t)r->w * r->h, over = 0;
    unsigned max = 0, lim = (unsigned)(limit / 100.0f * 255.0f + 0.5f);
    for (size_t i = 0; i < npx; i++) {
        const unsigned char *p = r->px + i * 4;
        unsigned t = (unsigned)p[0] + p[1] + p[2] + p[3];
        if (r->alpha && !r->alpha[i]) continue;
        if (t > max) max = t;
        if (t > lim) over++;
    }
    info->max_ink = max * 100.0f / 255.0f;
    info->over_share = npx ? (double)over / (double)npx : 0;
}

static bool is_png(const unsigned char *d, size_t n) { return n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8); }
static bool is_jpeg(const unsigned char *d, size_t n) { return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF; }

const tb_image_info *tb_images_get(tb_images *s, const char *path, float pw, float ph) {
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].path, path)) return &s->v[i].info;
    tb_ctx *ctx = s->ctx;
    loaded *v = realloc(s->v, (s->n + 1) * sizeof *v);
    char *pcopy = strdup(path);
    if (!v || !pcopy) {
        if (v) s->v = v;
        free(pcopy);
        tb_error(ctx, path, 0, 0, "out of memory reading image");
        return NULL;
    }
    s->v = v;
    size_t n = 0;
    unsigned char *data = slurp(ctx, path, &n);
    if (!data) {
        free(pcopy);
        return NULL;
    }
    raster r = {0};
    tb_image_info info = {0};
    bool ok = false;
    if (is_png(data, n)) {
        unsigned char *clean = malloc(n);
        size_t m = clean ? clean_png(ctx, path, data, n, clean) : 0;
        if (!clean) tb_error(ctx, path, 0, 0, "out of memory reading image");
        ok = m && decode_png(ctx, path, clean, m, &r);
        free(clean);
    } else if (is_jpeg(data, n)) {
        ok = decode_jpeg(ctx, path, data, n, &r);
    } else {
        tb_error(ctx, path, 0, 0, "image is neither PNG nor JPEG");
    }
    if (!ok) {
        s->input_error = true;
        goto done;
    }
    ok = false;
    info.w = r.w;
    info.h = r.h;
    drop_opaque_alpha(&r);
    bool keep_bytes = r.jpeg;  /* the file's own bytes can still be used */
    if (r.nc == 3 && !r.jpeg) grey_if_neutral(&r);
    if (s->o.print) {
        if (r.nc == 3) {
            if (!to_cmyk(s, path, &r)) goto done;
            info.converted = true;
            keep_bytes = false;
        }
    } else if (r.nc == 4 || (r.nc == 3 && r.icc)) {
        if (!cms_ready(s) || !to_srgb(s, path, &r)) goto done;
        keep_bytes = false;
    }
    if (r.alpha && !s->o.keep_alpha) {
        flatten(&r);
        keep_bytes = false;
    }
    if (s->o.max_ppi > 0 && pw > 0 && ph > 0) {
        /* the size that gives max_ppi at the placed size, aspect kept */
        double need_w = pw / 72.0 * s->o.max_ppi, need_h = ph / 72.0 * s->o.max_ppi;
        double f = fmax(need_w / r.w, need_h / r.h);
        if (f < 0.95) { /* worth it: more than 5 % too many pixels */
            int dw = (int)ceil(r.w * f), dh = (int)ceil(r.h * f);
            if (!downsample(&r, dw < 1 ? 1 : dw, dh < 1 ? 1 : dh)) {
                tb_error(ctx, path, 0, 0, "out of memory resampling image");
                goto done;
            }
            keep_bytes = false;
        }
    }
    HPDF_Dict img = keep_bytes ? embed_jpeg(s, data, n, r.w, r.h, r.nc, r.inverted)
                               : embed_pixels(s, path, r.px, r.w, r.h, r.nc);
    if (!img) goto done;
    if (r.alpha) {
        HPDF_Dict mask = embed_pixels(s, path, r.alpha, r.w, r.h, 1);
        if (!mask || HPDF_Dict_Add(img, "SMask", mask) != HPDF_OK) goto done;
    }
    if (s->o.print && r.nc == 4) ink_stats(&r, s->o.ink_limit, &info);
    info.img = img;
    info.out_w = r.w;
    info.out_h = r.h;
    info.space = space_name(r.nc);
    ok = true;
done:
    raster_free(&r);
    free(data);
    if (!ok) {
        free(pcopy);
        return NULL;
    }
    s->v[s->n].path = pcopy;
    s->v[s->n].info = info;
    return &s->v[s->n++].info;
}
