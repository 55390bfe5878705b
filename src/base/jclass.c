/*
** jclass.c — JLREQ character classes; see jclass.h.
*/
#include "jclass.h"
#include <stdbool.h>
#include <stddef.h>

/* cl-01 opening brackets and cl-02 closing brackets (full-width forms) */
static const uint32_t OPENING[] = {0x3008, 0x300A, 0x300C, 0x300E, 0x3010, 0x3014, 0x3016, 0x3018, 0x301D, 0xFF08, 0xFF3B, 0xFF5B, 0xFF5F};
static const uint32_t CLOSING[] = {0x3009, 0x300B, 0x300D, 0x300F, 0x3011, 0x3015, 0x3017, 0x3019, 0x301F, 0xFF09, 0xFF3D, 0xFF5D, 0xFF60};

bool tb_in_set(uint32_t c, const uint32_t *set, size_t n) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (set[mid] == c) return true;
        if (set[mid] < c) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

tb_jclass_t tb_jclass(uint32_t c) {
    if (c < 0x3000) return c == ' ' ? TB_J_SPACE : TB_J_NORMAL;
    if (c >= 0x3040 && c < 0xFF00 && c != 0x30FB) return TB_J_NORMAL; /* kana and kanji: most text */
    if (tb_in_set(c, OPENING, sizeof OPENING / sizeof *OPENING)) return TB_J_OPEN;
    if (tb_in_set(c, CLOSING, sizeof CLOSING / sizeof *CLOSING)) return TB_J_CLOSE;
    if (c == 0x3001 || c == 0xFF0C) return TB_J_COMMA;                 /* 、， */
    if (c == 0x3002 || c == 0xFF0E) return TB_J_STOP;                  /* 。． */
    if (c == 0x30FB || c == 0xFF1A || c == 0xFF1B) return TB_J_MIDDOT; /* ・：； */
    return TB_J_NORMAL;
}
