/*
** font.h — the font catalogue and its faces.
**
** A shared resource, not a pipeline stage: shape asks it for fonts by role,
** weight and language; render asks a face for its bytes and metrics to embed
** a subset.  Faces are opened lazily on first use (the file is memory-mapped
** by HarfBuzz) and live as long as the catalogue, i.e. the tb_ctx: building
** many guides in one process loads each font once.
**
** Catalogue file: fonts/catalogue.xml, documented in fonts/README.md.
*/
#ifndef TB_FONT_H
#define TB_FONT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hb.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include "../base/ctx.h"

typedef struct tb_face tb_face;  /* owned by the catalogue */

/* Load the catalogue at PATH (a catalogue.xml).  Errors (with the
** catalogue's file and line) go to ctx->diags; returns NULL then. */
tb_fontcat *tb_fontcat_load(tb_ctx *ctx, const char *path);
void tb_fontcat_free(tb_fontcat *cat);
/* The catalogue's own file name (for -M dependency output). */
const char *tb_fontcat_path(const tb_fontcat *cat);

/* The fallback chain for a role ("body", "heading", …), weight and BCP 47
** language: up to MAX faces in order of preference, written to OUT.  The
** chain for the exact language comes first, then its primary subtag
** ("zh-Hant" → "zh"), then the catalogue's "*" chain for the role, then the
** "body" role.  *FAKE_BOLD (may be NULL) is set when BOLD was asked for but
** the chosen chain is a regular one: the caller must embolden synthetically.
** Returns the number of faces; 0 when none (an error is in ctx->diags). */
size_t tb_fontcat_chain(tb_ctx *ctx, tb_fontcat *cat, const char *role,
                        bool bold, const char *lang, tb_face **out,
                        size_t max, bool *fake_bold);

/* Opening a face may fail (missing or corrupt file): then these return
** NULL / false and an error naming the file is in ctx->diags, once. */
bool tb_face_open(tb_ctx *ctx, tb_face *f);
hb_face_t *tb_face_hb_face(tb_face *f);  /* (transfer none) */
hb_font_t *tb_face_hb_font(tb_face *f);  /* (transfer none) scale = upem */
FT_Face tb_face_ft(tb_face *f);          /* (transfer none) lazy; NULL on failure */
unsigned tb_face_upem(const tb_face *f);
const char *tb_face_id(const tb_face *f);    /* the catalogue's id */
const char *tb_face_path(const tb_face *f);  /* resolved file */
unsigned tb_face_index(const tb_face *f);    /* face index in a .ttc */
bool tb_face_is_cff(tb_face *f);             /* has a 'CFF ' table */
/* The glyph for a code point, or 0 when the face has none. */
uint32_t tb_face_glyph(tb_face *f, uint32_t cp);

/* Map FACE's TABLES (0-terminated; NULL: all but outlines) into memory
** now: shaping and metrics read cmap, GSUB, GPOS, hmtx … all over, and
** each first touch of a page of a font file would be a fault of its own,
** ~25 µs on a VM; this is one call per table.  With GLYPHS (may be NULL),
** their outlines in glyf too.  Ask only for what will be read: mapped
** pages count as the process's resident memory. */
void tb_font_populate(hb_face_t *face, const hb_tag_t *tables, const hb_set_t *glyphs);

/* Metrics in font units (upem), from hhea/OS2/head. */
typedef struct tb_face_metrics {
    int ascender, descender;      /* hhea (descender negative) */
    int cap_height, x_height;     /* OS/2, 0 when absent */
    int bbox[4];                  /* head xMin yMin xMax yMax */
    int italic_angle;             /* degrees */
    bool fixed_pitch, serif;
    const char *psname;           /* (transfer none) PostScript name */
} tb_face_metrics;
const tb_face_metrics *tb_face_get_metrics(tb_face *f);

#endif
