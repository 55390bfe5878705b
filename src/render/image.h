/*
** image.h — raster images for render (internal to src/render/).
*/
#ifndef TB_IMAGE_H
#define TB_IMAGE_H
#include <hpdf.h>
#include "../base/ctx.h"

/* Load the PNG or JPEG file PATH into PDF as an image XObject.  NULL on
** failure: an unreadable, unknown, damaged or too large file is reported
** in ctx->diags under PATH; a libharu failure is left in the document's
** error state for the caller to report.  (transfer none) the image
** belongs to the document. */
HPDF_Image tb_image_load(tb_ctx *ctx, HPDF_Doc pdf, const char *path);

#endif
