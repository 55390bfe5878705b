/*
** test_lang.c — line breaking by language: hyphenation of long Latin words
** at dictionary points (libhyphen), Thai by the ICU dictionary, Korean
** between words only.  Noto faces from the repository's catalogue.
** Run from the repository root.  Ids: lang-1.x hyphenation, 2.x Thai,
** 3.x Korean.
*/
#include <stdio.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>
#include "../../src/base/arena.h"
#include "../../src/base/ctx.h"
#include "../../src/break/break.h"
#include "../../src/shape/shape.h"
#include "t.h"

static tb_ctx *ctx;
static tb_shaper *sh;
static tb_breaker *br;

static tb_lines *set(tb_arena *a, const char *text, const char *lang, float measure) {
    tb_para *p = t_para(a, text, "body", lang, 0, 0);
    p->spans[0].st = -1;
    tb_shaped *s = tb_shape_para(sh, a, p);
    tb_break_opts o = {.measure = measure, .align = TB_ALIGN_JUSTIFY};
    return tb_break_para(br, a, s, &o);
}

/* Does line L end with an added hyphen (a glyph standing for no text)? */
static bool ends_with_hyphen(const tb_line *L) {
    const tb_lrun *r = &L->runs[L->nruns - 1];
    return r->n && r->g[r->n - 1].ntext == 0;
}

static void hyphenation(void) {
    tb_arena *a = tb_arena_new();
    const char *t = "Responsibilities of international organizations are extraordinarily complicated.";
    tb_lines *ls = set(a, t, "en", 100);
    size_t hyph = 0;
    bool good = true;
    for (size_t i = 0; i + 1 < ls->n; i++) {
        if (!ends_with_hyphen(&ls->v[i])) continue;
        hyph++;
        /* the word split: before the break and after it */
        uint32_t e = ls->v[i].end;
        const char *w0 = t + e;
        while (w0 > t && w0[-1] != ' ') w0--;
        const char *w1 = t + e;
        while (*w1 && *w1 != ' ' && *w1 != '.') w1++;
        char head[64], word[64];
        snprintf(head, sizeof head, "%.*s", (int)(t + e - w0), w0);
        snprintf(word, sizeof word, "%.*s", (int)(w1 - w0), w0);
        /* dictionary points of these words (hyph_en_US): re-spon-si-bil-i-ties,
        ** in-ter-na-tion-al, or-ga-ni-za-tions, ex-tra-or-di-nar-i-ly, com-pli-cat-ed */
        const char *ok[] = {"re", "respon", "responsi", "responsibil", "responsibili", "in", "inter", "interna",
                            "internation", "or", "orga", "organi", "organiza", "ex", "extra", "extraor",
                            "extraordi", "extraordinar", "extraordinari", "com", "compli", "complicat", NULL};
        bool found = false;
        char low[64];
        for (size_t k = 0; head[k] && k < 63; k++) low[k] = (char)(head[k] | 0x20), low[k + 1] = 0;
        for (int k = 0; ok[k]; k++) found |= !strcmp(low, ok[k]);
        if (!found) printf("# %s split after %s\n", word, head);
        good &= found;
    }
    CHECK(hyph > 0, "lang-1.1 long English words are hyphenated in a narrow column (%zu hyphens)", hyph);
    CHECK(good, "lang-1.2 every hyphen stands at a dictionary point");
    /* the glyphs' text, line after line, gives the words back whole */
    char back[512] = "", want[512] = "";
    size_t bl = 0, wl = 0;
    for (size_t i = 0; i < ls->n; i++)
        for (size_t r = 0; r < ls->v[i].nruns; r++)
            for (size_t g = 0; g < ls->v[i].runs[r].n; g++) {
                const tb_lglyph *gl = &ls->v[i].runs[r].g[g];
                for (uint32_t k = 0; k < gl->ntext && bl < 500; k++)
                    if (t[gl->text + k] != ' ') back[bl++] = t[gl->text + k];
            }
    for (const char *q = t; *q && wl < 500; q++)
        if (*q != ' ') want[wl++] = *q;
    bool whole = !strcmp(back, want);
    CHECK(whole, "lang-1.3 the added hyphens carry no text (extraction keeps the words whole)");
    tb_lines *ja = set(a, "これはinternationalizationを含む日本語の文章です。", "ja", 100);
    size_t hj = 0;
    for (size_t i = 0; i + 1 < ja->n; i++) hj += ends_with_hyphen(&ja->v[i]);
    CHECK_INT((long long)hj, 0, "lang-1.4 no hyphenation dictionary for Japanese: no hyphens");
    tb_arena_free(a);
}

static void thai(void) {
    tb_arena *a = tb_arena_new();
    const char *t = "ภาษาไทยเขียนติดกันโดยไม่มีการเว้นวรรคระหว่างคำและตัดบรรทัดตามพจนานุกรม";
    tb_lines *ls = set(a, t, "th", 90);
    CHECK(ls->n >= 3, "lang-2.1 Thai without spaces still breaks into lines (%zu)", ls->n);
    /* every line end is a word boundary of ICU's Thai dictionary */
    UErrorCode e = U_ZERO_ERROR;
    UChar u16[512];
    int32_t n16 = 0;
    u_strFromUTF8(u16, 512, &n16, t, -1, &e);
    UBreakIterator *wb = ubrk_open(UBRK_WORD, "th", u16, n16, &e);
    bool all = true;
    for (size_t i = 0; i + 1 < ls->n; i++) {
        /* byte offset → UTF-16 index (Thai is in the BMP: 3 bytes a unit) */
        int32_t idx = 0;
        u_strFromUTF8(NULL, 0, &idx, t, (int32_t)ls->v[i].end, &e);
        e = U_ZERO_ERROR;
        if (!ubrk_isBoundary(wb, idx)) {
            all = false;
            printf("# line %zu ends inside a word at %d\n", i, idx);
        }
    }
    ubrk_close(wb);
    CHECK(all, "lang-2.2 Thai lines end at dictionary word boundaries");
    /* a mark glyph (ี, ่) carries no text of its own: its letter's glyph
    ** stands for the letter and its marks, so extraction keeps them in order */
    const char *w = "ที่นี่";
    tb_lines *lw = set(a, w, "th", 200);
    size_t own = 0, glyphs = 0;
    for (size_t r = 0; lw->n && r < lw->v[0].nruns; r++)
        for (size_t g = 0; g < lw->v[0].runs[r].n; g++) {
            const tb_lglyph *lg = &lw->v[0].runs[r].g[g];
            glyphs++;
            own += lg->ntext > 0;
        }
    CHECK(glyphs == 6 && own == 2, "lang-2.3 ที่นี่: 6 glyphs, 2 with text (got %zu, %zu)", glyphs, own);
    tb_arena_free(a);
}

static void korean(void) {
    tb_arena *a = tb_arena_new();
    const char *t = "한국어는 띄어쓰기 단위로 줄을 바꾸며 음절 사이에서는 줄을 나누지 않습니다";
    tb_lines *ls = set(a, t, "ko", 80);
    bool words = true;
    for (size_t i = 0; i + 1 < ls->n; i++) {
        uint32_t e = ls->v[i].end;
        /* the next line begins after a space */
        const char *p = t + e;
        while (*p == ' ') p++;
        if (p == t + e && e > 0 && t[e - 1] != ' ') words = false;
    }
    CHECK(ls->n >= 3 && words, "lang-3.1 Korean lines break between words, not syllables (%zu lines)", ls->n);
    tb_arena_free(a);
}

int main(void) {
    ctx = tb_ctx_new();
    ctx->fonts_dir = "fonts";
    sh = tb_shaper_new(ctx);
    br = tb_breaker_new(ctx);
    if (!sh) {
        t_cannot("lang-0", "no font catalogue");
        return t_done();
    }
    hyphenation();
    thai();
    korean();
    tb_shaper_free(sh);
    tb_breaker_free(br);
    tb_ctx_free(ctx);
    return t_done();
}
