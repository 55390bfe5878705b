/*
** furigana.h — the furigana stage, between parse and style: automatic
** readings (振り仮名) for easy-Japanese guides.
**
** A guide or any element asks for furigana with the furigana attribute;
** the nearest one on the element or an ancestor decides:
**
**   furigana="auto" | "all"   every word that contains a kanji
**   furigana="grade:N"        (N = 1..6) only words with a kanji not taught
**                             by school grade N (学年別漢字配当表, from
**                             Debian's kanjidic): grade:2 annotates 協働
**                             (G4) but not 山 (G1)
**   furigana="none"           off (for a part of an annotated guide)
**
** Japanese text (xml:lang ja) in scope is analysed with MeCab and the IPA
** dictionary (mecab-ipadic-utf8); each text node becomes a sequence of text
** nodes and synthesized <ruby> elements with hiragana <rt> children, in the
** document's arena, exactly as if the guide had been written with them:
**
**   協働 / きょうどう      → mono ruby 協(きょう)働(どう) when kanjidic's
**                           readings split the word in one way only, else
**                           group ruby 協働(きょうどう)
**   取り組む / とりくむ     → 取(と)り組(く)む: okurigana are not annotated
**   numbers, Latin, kana    → nothing
**
** Never inside ruby, rt, rp or tcy: a reading written by hand always wins,
** and a hand-written reading of a word of two or more characters is also
** used for the same word elsewhere in the guide.  In parentheses style (the
** layout's <page furigana-style="parentheses">) the reading follows the
** kanji in full-width parentheses as plain text, 協働（きょうどう）.
** Attribute text that cannot hold ruby (aside and toc titles) always takes
** parentheses.
**
** Section titles in scope are cut into phrases (文節) from the same
** analysis: each phrase is wrapped in a synthesized <nobr> and a U+200B
** ZERO WIDTH SPACE text node stands between phrases, so headings break
** between phrases and never inside a word.
**
** MeCab is opened once per handle, on the first guide that needs it.  A
** missing dictionary or kanjidic is an error naming the guide and the
** element that asked for furigana.
*/
#ifndef TB_FURIGANA_H
#define TB_FURIGANA_H
#include <stdbool.h>
#include "../base/arena.h"
#include "../base/ctx.h"
#include "../parse/doc.h"

typedef enum {
    TB_FURIGANA_RUBY = 0,      /* readings as ruby above the kanji */
    TB_FURIGANA_PARENS = 1     /* 漢字（かんじ）: the reading after, in parentheses */
} tb_furigana_style;

typedef struct tb_furigana tb_furigana;

/* A handle; nothing is loaded yet.  DICDIR: MeCab's dictionary folder (NULL:
** $TEBIKI_MECAB_DICDIR, else /var/lib/mecab/dic/ipadic-utf8); KANJIDIC:
** the kanjidic file (NULL: $TEBIKI_KANJIDIC, else /usr/share/edict/kanjidic).
** Returns NULL only when out of memory. */
tb_furigana *tb_furigana_new(const char *dicdir, const char *kanjidic);
void tb_furigana_free(tb_furigana *fg);

/* Annotate DOC in place (new nodes in A).  Returns 0 on success (warnings
** allowed: a kanji word MeCab has no reading for), 1 for an error in the
** guide (a bad furigana value), 3 when MeCab, its dictionary or kanjidic
** cannot be loaded; errors are in ctx->diags with the guide's file and
** line.  A guide that asks for no furigana costs nothing and loads nothing. */
int tb_furigana_apply(tb_furigana *fg, tb_ctx *ctx, tb_arena *a, tb_doc *doc, tb_furigana_style style);

/* The reading MeCab gives for TEXT, as hiragana, words separated by one
** space (kana and other words as written), for tests and tracing; NULL when
** MeCab cannot be loaded (the reason in *ERR when ERR is not NULL). */
char *tb_furigana_reading(tb_furigana *fg, tb_arena *a, const char *text, const char **err);

#endif
