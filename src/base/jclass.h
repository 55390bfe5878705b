/*
** jclass.h — JLREQ character classes shared by shape and break.
**
** Only what two stages need: which full-width punctuation sits on a half-
** em body with blank space before it (opening brackets, cl-01), after it
** (closing brackets cl-02, commas cl-07, full stops cl-06), or on both
** sides (middle dots cl-05).
*/
#ifndef TB_JCLASS_H
#define TB_JCLASS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ORDER: break/linebreak.c enum jcls */
typedef enum {
    TB_J_NORMAL, TB_J_OPEN, TB_J_CLOSE, TB_J_COMMA, TB_J_STOP, TB_J_MIDDOT, TB_J_SPACE
} tb_jclass_t;

tb_jclass_t tb_jclass(uint32_t c);

/* Whether C is in SET, N code points sorted ascending (binary search). */
bool tb_in_set(uint32_t c, const uint32_t *set, size_t n);

#endif
