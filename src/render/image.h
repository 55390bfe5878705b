/*
** image.h — raster images for render (internal to src/render/).
**
** PNG and JPEG files are decoded here (libpng and libjpeg, each with its
** own error handler: a damaged file is an error, never an abort), turned
** into what the variant wants and embedded as image XObjects whose data
** is deflated here (with PNG predictors) or, for a JPEG the web variant
** can keep, copied as it is:
**
**   print  DeviceCMYK or DeviceGray only.  RGB is separated with lcms2
**          from the file's ICC profile (sRGB when it has none) to the press
**          profile (relative colorimetric, black-point compensation).
**          Alpha is composited onto white (PDF/X-1a has no transparency)
**          or, when transparency is allowed (PDF/X-4), kept as an SMask.
**   web    DeviceRGB or DeviceGray; CMYK files converted to sRGB; images
**          larger than they need be at their largest placed size
**          downsampled (box filter) to max_ppi; alpha kept as an SMask.
**
** The press profile: $TEBIKI_CMYK_PROFILE, else ghostscript's
** /usr/share/color/icc/ghostscript/default_cmyk.icc (Debian libgs-common).
*/
#ifndef TB_IMAGE_H
#define TB_IMAGE_H
#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>
#include "../base/ctx.h"

#define TB_DEFAULT_CMYK_PROFILE "/usr/share/color/icc/ghostscript/default_cmyk.icc"

typedef struct tb_image_opts {
    bool print;          /* CMYK/grey, else RGB/grey */
    bool keep_alpha;     /* transparency allowed: alpha as an SMask */
    float max_ppi;       /* downsample above this at the placed size; 0 never */
    float ink_limit;     /* print: percent, to count pixels above it */
    int level;           /* zlib level of the pixel data */
} tb_image_opts;

typedef struct tb_image_info {
    HPDF_Image img;      /* (transfer none) owned by the document */
    int w, h;            /* pixels in the file */
    int out_w, out_h;    /* pixels embedded */
    const char *space;   /* "DeviceCMYK", "DeviceGray", "DeviceRGB" */
    bool converted;      /* its colours went through the press profile */
    float max_ink;       /* print, CMYK: the highest C+M+Y+K of a pixel, % */
    double over_share;   /* print, CMYK: share of pixels above ink_limit */
} tb_image_info;

typedef struct tb_images tb_images; /* the images of one document */

/* A new set adding to PDF.  NULL when out of memory (reported under FILE,
** which is borrowed and names the output in diagnostics). */
tb_images *tb_images_new(tb_ctx *ctx, HPDF_Doc pdf, const tb_image_opts *o, const char *file);
void tb_images_free(tb_images *s);

/* The image at PATH, loaded and embedded on first use, for a largest
** placement of W×H pt (only used to downsample).  NULL on failure: an
** unreadable, unknown, damaged or too large file, or no press profile when
** one is needed, is reported in ctx->diags under PATH; a libharu failure
** is left in the document for the caller. */
const tb_image_info *tb_images_get(tb_images *s, const char *path, float w, float h);

/* True once a file could not be decoded (damaged, not PNG or JPEG, too
** many pixels): an error in the guide's input rather than the program's. */
bool tb_images_input_error(const tb_images *s);

/* The press profile's bytes (loaded on first call), its path in *PATH and
** its description in *DESC.  NULL when there is none (not reported). */
const unsigned char *tb_images_press_profile(tb_images *s, size_t *n, const char **path, const char **desc);

#endif
