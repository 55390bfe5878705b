/*
** fuzz_guide.c — libFuzzer target: the bytes are a guide file, run through
** the whole pipeline as `tebiki build` runs it (parse with the schema, the
** layout the guide names, style, shape, break, paginate until refs are
** stable, render to memory), everything freed after each input.
**
** The bytes are written to a file in a private work folder (the parser
** reads files: it also checks the raw bytes, e.g. for stray BOMs), next to
** a few small PNGs (photo.png, logo.png, grey.png, map.png, line.png,
** images/photo.png) so that <img> gets as far as the renderer.  Inputs
** of odd length render the print variant (CMYK, bleed, trim marks).
**
**   make fuzz-build && build/fuzz/fuzz_guide -dict=fuzz/guide.dict CORPUS…
*/
#include "fuzz_common.h"

static fz_tool T;
static tb_layouts *known; /* layouts/<name>.xml, loaded once */
static char guide_path[512];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A name that layouts/ has is loaded once and kept; any other name (or a
** path) is looked up in a fresh set that is freed with the input, so that
** fuzzed names do not pile up in the cache. */
static bool is_known(const char *name) {
    size_t n = strlen(name);
    if (!n || n > 100 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n) return false;
    char p[160];
    snprintf(p, sizeof p, "layouts/%s.xml", name);
    return access(p, R_OK) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!T.ctx) {
        fz_init(&T);
        known = tb_layouts_new(T.ctx);
        snprintf(guide_path, sizeof guide_path, "%s/guide.xml", T.dir);
    }
    fz_write(guide_path, data, size);
    tb_arena *a = tb_arena_new();
    tb_layouts *temp = NULL;
    tb_doc *doc = tb_parse_file(T.parser, a, guide_path);
    const tb_layout *lay = NULL;
    if (doc && doc->root && doc->layout) {
        if (is_known(doc->layout)) lay = tb_layouts_get(known, doc->layout, guide_path, doc->root->line);
        else {
            temp = tb_layouts_new(T.ctx);
            lay = tb_layouts_get(temp, doc->layout, guide_path, doc->root->line);
        }
    }
    if (doc && lay) fz_pipeline(&T, a, doc, lay, true, size & 1 ? TB_VARIANT_PRINT : TB_VARIANT_WEB);
    fz_done(&T);
    tb_layouts_free(temp);
    tb_arena_free(a);
    return 0;
}
