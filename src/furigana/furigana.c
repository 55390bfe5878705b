/*
** furigana.c — automatic readings with MeCab (IPA dictionary) and kanjidic.
**
** For each block, the inline text is joined into one sentence so that MeCab
** sees the context, with token boundaries forced at every text node's edge
** (MeCab's partial-parsing constraints), so that no word straddles two
** nodes.  Words from a small built-in lexicon (what the IPA dictionary
** lacks: 協働) and the words the guide itself gives hand-written readings for
** are forced as single tokens with their reading (feature constraints).
** Each token with a kanji is then aligned with its reading: kana in the
** word are matched literally, so that only the kanji runs are annotated
** (取り組む → 取(と)り組(く)む), and a kanji run of two or more characters is
** split into mono ruby when kanjidic's readings (with rendaku and sokuon)
** divide the reading in exactly one way.
*/
#include "furigana.h"
#include <errno.h>
#include <iconv.h>
#include <mecab.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "../base/utf8.h"
#include "../base/lazylib.h"
/* MeCab, opened when a guide first asks for readings (base/lazylib.h):
** the other guides never map it (nor, through it, libstdc++ before ICU
** needs it).  The table is the process's, as the library is; filled once,
** then only read. */
#define MECAB_FUNCS(X) X(mecab_destroy) X(mecab_lattice_clear) X(mecab_lattice_destroy) \
    X(mecab_lattice_get_bos_node) X(mecab_lattice_get_sentence) X(mecab_lattice_set_boundary_constraint) \
    X(mecab_lattice_set_feature_constraint) X(mecab_lattice_set_sentence) X(mecab_lattice_set_sentence2) \
    X(mecab_lattice_strerror) X(mecab_model_destroy) X(mecab_model_dictionary_info) X(mecab_model_new) \
    X(mecab_model_new_lattice) X(mecab_model_new_tagger) X(mecab_parse_lattice) X(mecab_strerror)
static struct { MECAB_FUNCS(TB_LAZY_SLOT) } api;
static tb_lazylib mecab_lib = {"libmecab.so.2", 0, ""};

static bool mecab_api(void) { return TB_LAZY_OPEN(&mecab_lib, MECAB_FUNCS, api); }


#define DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"
#define DEFAULT_KANJIDIC "/usr/share/edict/kanjidic"

/* ---- characters ------------------------------------------------------------ */

static bool is_han(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x3FFFF) || c == 0x3005 /* 々 */ || c == 0x3006 /* 〆 */;
}
/* a character a reading is given for: kanji, 々〆, and ヶヵ (3ヶ月) */
static bool needs_reading(uint32_t c) { return is_han(c) || c == 0x30F6 || c == 0x30F5; }
static bool is_hira(uint32_t c) { return c >= 0x3041 && c <= 0x309F; }
static bool is_kata(uint32_t c) { return c >= 0x30A1 && c <= 0x30FA; }
static bool is_kana(uint32_t c) { return is_hira(c) || is_kata(c) || c == 0x30FC || c == 0x30FD || c == 0x30FE; }
static uint32_t to_hira(uint32_t c) { return (c >= 0x30A1 && c <= 0x30F6) ? c - 0x60 : c; }

/* UTF-8 → code points (at most cap); byte offsets of each in off[0..n] */
static size_t decode(const char *s, size_t len, uint32_t *cp, uint32_t *off, size_t cap) {
    const char *p = s, *end = s + len;
    size_t n = 0;
    while (p < end && n < cap) {
        if (off) off[n] = (uint32_t)(p - s);
        cp[n++] = tb_utf8_next(&p);
    }
    if (off) off[n] = (uint32_t)(p - s);
    return n;
}

static bool has_han(const char *s, size_t len) {
    const char *p = s, *end = s + len;
    while (p < end)
        if (is_han(tb_utf8_next(&p))) return true;
    return false;
}

/* ---- a growing byte buffer --------------------------------------------------- */

typedef struct buf {
    char *b;
    size_t n, cap;
} buf;

static void bput(buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n + 1) cap *= 2;
        b->b = realloc(b->b, cap);
        if (!b->b) abort();
        b->cap = cap;
    }
    memcpy(b->b + b->n, s, n);
    b->n += n;
    b->b[b->n] = 0;
}
static void bputs(buf *b, const char *s) { bput(b, s, strlen(s)); }
static void bputc(buf *b, uint32_t c) {
    char u[4];
    bput(b, u, tb_utf8_put(u, c));
}

#define GROW(arr, n, cap)                                              \
    do {                                                               \
        if ((n) == (cap)) {                                            \
            (cap) = (cap) ? (cap) * 2 : 16;                            \
            void *np_ = realloc((arr), (cap) * sizeof *(arr));         \
            if (!np_) abort();                                         \
            (arr) = np_;                                               \
        }                                                              \
    } while (0)

/* ---- kanjidic ---------------------------------------------------------------- */

typedef struct kanji {
    uint32_t cp;
    uint8_t grade;             /* 1–6 学年別漢字配当表, 8 other jōyō, 9–10 jinmeiyō, 0 none */
    uint32_t r0, nr;           /* readings rd[r0 .. r0+nr) */
} kanji;

typedef struct rdg {
    uint32_t off;              /* in kana[] */
    uint16_t len;
} rdg;

struct tb_furigana {
    char *dicdir, *kanjidic;
    int mecab_state;           /* 0 not tried, 1 open, -1 failed */
    char mecab_err[5000];
    mecab_model_t *model;
    mecab_t *tagger;
    mecab_lattice_t *lattice;
    mecab_lattice_t *lattice2;     /* a word alone, while lattice is in use */
    int kd_state;
    char kd_err[5000];
    kanji *kj;
    size_t nkj, capkj;
    rdg *rd;
    size_t nrd, caprd;
    uint32_t *kana;
    size_t nkana, capkana;
};

static void kd_add_reading(tb_furigana *fg, const uint32_t *r, size_t n) {
    if (!n || n > 16) return;
    kanji *k = &fg->kj[fg->nkj - 1];
    for (uint32_t i = k->r0; i < k->r0 + k->nr; i++) /* no duplicates */
        if (fg->rd[i].len == n && !memcmp(fg->kana + fg->rd[i].off, r, n * sizeof *r)) return;
    while (fg->nkana + n > fg->capkana) {
        fg->capkana = fg->capkana ? fg->capkana * 2 : 4096;
        fg->kana = realloc(fg->kana, fg->capkana * sizeof *fg->kana);
        if (!fg->kana) abort();
    }
    GROW(fg->rd, fg->nrd, fg->caprd);
    fg->rd[fg->nrd++] = (rdg){(uint32_t)fg->nkana, (uint16_t)n};
    memcpy(fg->kana + fg->nkana, r, n * sizeof *r);
    fg->nkana += n;
    k->nr++;
}

/* the 連用形 of a verb ending: く → き, む → み, る → り … */
static uint32_t renyou(uint32_t c) {
    switch (c) {
    case 0x3046: return 0x3044; /* う い */
    case 0x304F: return 0x304D; /* く き */
    case 0x3050: return 0x304E; /* ぐ ぎ */
    case 0x3059: return 0x3057; /* す し */
    case 0x3064: return 0x3061; /* つ ち */
    case 0x306C: return 0x306B; /* ぬ に */
    case 0x3076: return 0x3073; /* ぶ び */
    case 0x3080: return 0x307F; /* む み */
    case 0x308B: return 0x308A; /* る り */
    default: return 0;
    }
}

/* One reading field of kanjidic: "キョウ", "はたら.く", "-ぐみ", "と.り-". */
static void kd_reading(tb_furigana *fg, const char *s, size_t len) {
    uint32_t cp[40];
    size_t n = decode(s, len, cp, NULL, 40);
    uint32_t r[40];
    size_t m = 0, dot = 0;
    bool has_dot = false;
    for (size_t i = 0; i < n; i++) {
        if (cp[i] == '-') continue;
        if (cp[i] == '.') {
            has_dot = true;
            dot = m;
            continue;
        }
        if (!is_kana(cp[i])) return;
        r[m++] = to_hira(cp[i]);
    }
    if (!m) return;
    if (!has_dot) {
        kd_add_reading(fg, r, m);
        return;
    }
    kd_add_reading(fg, r, dot);                 /* the stem: と */
    kd_add_reading(fg, r, m);                   /* with its okurigana: とる */
    if (m > dot && renyou(r[m - 1])) {          /* the noun form: とり (取組) */
        uint32_t t[40];
        memcpy(t, r, m * sizeof *r);
        t[m - 1] = renyou(r[m - 1]);
        kd_add_reading(fg, t, m);
    }
}

static int kanji_cmp(const void *a, const void *b) {
    uint32_t x = ((const kanji *)a)->cp, y = ((const kanji *)b)->cp;
    return x < y ? -1 : x > y;
}

static bool kd_open(tb_furigana *fg) {
    if (fg->kd_state) return fg->kd_state > 0;
    fg->kd_state = -1;
    const char *path = fg->kanjidic ? fg->kanjidic : getenv("TEBIKI_KANJIDIC");
    if (!path || !*path) path = DEFAULT_KANJIDIC;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(fg->kd_err, sizeof fg->kd_err, "cannot read %s (%s): install kanjidic", path, strerror(errno));
        return false;
    }
    buf in = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) bput(&in, chunk, got);
    fclose(f);
    if (!in.n) {
        free(in.b);
        snprintf(fg->kd_err, sizeof fg->kd_err, "%s is empty: reinstall kanjidic", path);
        return false;
    }
    /* EUC-JP → UTF-8 with glibc's iconv */
    iconv_t cd = iconv_open("UTF-8", "EUC-JP");
    if (cd == (iconv_t)-1) {
        free(in.b);
        snprintf(fg->kd_err, sizeof fg->kd_err, "iconv cannot convert EUC-JP (needed to read %s)", path);
        return false;
    }
    size_t cap = in.n * 2 + 16;
    char *out = malloc(cap);
    if (!out) abort();
    char *ip = in.b, *op = out;
    size_t il = in.n, ol = cap - 1;
    while (il) {
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
            if (errno == EILSEQ || errno == EINVAL) { /* skip one bad byte */
                ip++;
                il--;
                continue;
            }
            break;
        }
    }
    iconv_close(cd);
    *op = 0;
    free(in.b);
    /* one kanji a line: "協 3628 U5354 B24 G4 … キョウ {co-} …" */
    for (char *line = out; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        if (*line != '#') {
            const char *p = line;
            uint32_t c = tb_utf8_next(&p);
            if (is_han(c) && *p == ' ') {
                GROW(fg->kj, fg->nkj, fg->capkj);
                fg->kj[fg->nkj++] = (kanji){c, 0, (uint32_t)fg->nrd, 0};
                for (char *tok = (char *)p; *tok;) {
                    while (*tok == ' ') tok++;
                    if (!*tok || *tok == '{') break;
                    char *te = tok;
                    while (*te && *te != ' ') te++;
                    size_t tl = (size_t)(te - tok);
                    if (tok[0] == 'T' && tl == 2) break; /* name readings follow: not used */
                    if (tok[0] == 'G' && tl >= 2 && tl <= 3 && tok[1] >= '0' && tok[1] <= '9')
                        fg->kj[fg->nkj - 1].grade = (uint8_t)atoi(tok + 1);
                    else if ((unsigned char)tok[0] >= 0xE3 || tok[0] == '-')
                        kd_reading(fg, tok, tl);
                    tok = te;
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    free(out);
    if (fg->nkj < 1000) {
        snprintf(fg->kd_err, sizeof fg->kd_err, "%s is not kanjidic (%zu kanji read): reinstall kanjidic", path, fg->nkj);
        return false;
    }
    qsort(fg->kj, fg->nkj, sizeof *fg->kj, kanji_cmp);
    fg->kd_state = 1;
    return true;
}

static const kanji *kd_find(const tb_furigana *fg, uint32_t c) {
    size_t lo = 0, hi = fg->nkj;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (fg->kj[mid].cp < c) lo = mid + 1;
        else if (fg->kj[mid].cp > c) hi = mid;
        else return &fg->kj[mid];
    }
    return NULL;
}

/* Does a word need a reading under grade:N?  Yes when one of its kanji is
** not taught by grade N (a higher grade, secondary-school jōyō, or none). */
static bool above_grade(const tb_furigana *fg, const char *s, size_t len, int grade) {
    const char *p = s, *end = s + len;
    while (p < end) {
        uint32_t c = tb_utf8_next(&p);
        if (!is_han(c) || c == 0x3005 || c == 0x3006) continue;
        const kanji *k = kd_find(fg, c);
        if (!k || k->grade == 0 || k->grade > grade) return true;
    }
    return false;
}

/* ---- mono ruby: split a kanji run's reading by kanjidic ------------------------ */

static uint32_t voiced(uint32_t c, int which) {
    /* which 0: dakuten (か→が, は→ば), 1: handakuten (は→ぱ) */
    if (which == 0) {
        if ((c >= 0x304B && c <= 0x3062 && (c - 0x304B) % 2 == 0) || /* か…ぢ: か き く け こ さ … ち */
            c == 0x3064 || c == 0x3066 || c == 0x3068)               /* つ て と */
            return c + 1;
        if (c >= 0x306F && c <= 0x307B && (c - 0x306F) % 3 == 0) return c + 1; /* は ひ ふ へ ほ */
    } else if (c >= 0x306F && c <= 0x307B && (c - 0x306F) % 3 == 0) return c + 2;
    return 0;
}

typedef struct splitter {
    const tb_furigana *fg;
    const uint32_t *kc;        /* the kanji */
    size_t k;
    const uint32_t *r;         /* the reading */
    size_t rn;
    size_t cut[32], first[32]; /* cut[i]: reading offset where kanji i starts */
    int nsol;
} splitter;

static bool prefix_var(const uint32_t *r, size_t rn, const uint32_t *c, size_t cn, bool not_first, bool not_last,
                       size_t *used, int var) {
    /* var: 0 as is; 1 rendaku (dakuten on the first kana); 2 handakuten;
    ** 3 sokuon (last kana つちくき → っ); 4 rendaku + sokuon */
    if (cn > rn) return false;
    for (size_t i = 0; i < cn; i++) {
        uint32_t want = c[i];
        if (i == 0 && (var == 1 || var == 4)) {
            if (!not_first || !(want = voiced(c[i], 0))) return false;
        }
        if (i == 0 && var == 2) {
            if (!not_first || !(want = voiced(c[i], 1))) return false;
        }
        if (i == cn - 1 && (var == 3 || var == 4)) {
            if (!not_last || cn < 2 || !(c[i] == 0x3064 || c[i] == 0x3061 || c[i] == 0x304F || c[i] == 0x304D))
                return false;
            want = 0x3063; /* っ */
        }
        if (r[i] != want) return false;
    }
    *used = cn;
    return true;
}

static void split_rec(splitter *s, size_t i, size_t pos) {
    if (s->nsol > 1) return;
    if (i == s->k) {
        if (pos != s->rn) return;
        if (s->nsol == 0) {
            memcpy(s->first, s->cut, sizeof s->cut);
            s->nsol = 1;
        } else if (memcmp(s->first, s->cut, s->k * sizeof *s->cut)) s->nsol = 2;
        return;
    }
    uint32_t c = s->kc[i];
    if (c == 0x3005 && i > 0) c = s->kc[i - 1]; /* 々 repeats the kanji before it */
    const kanji *k = kd_find(s->fg, c);
    if (!k) return;
    s->cut[i] = pos;
    for (uint32_t j = k->r0; j < k->r0 + k->nr; j++) {
        const rdg *g = &s->fg->rd[j];
        for (int var = 0; var < 5; var++) {
            size_t used;
            if (prefix_var(s->r + pos, s->rn - pos, s->fg->kana + g->off, g->len, i > 0, i + 1 < s->k, &used, var))
                split_rec(s, i + 1, pos + used);
            if (s->nsol > 1) return;
        }
    }
}

/* Split reading R over the K kanji in KC: true with CUT[0..k] when exactly
** one division exists. */
static bool mono_split(const tb_furigana *fg, const uint32_t *kc, size_t k, const uint32_t *r, size_t rn, size_t *cut) {
    if (fg->kd_state <= 0 || k < 2 || k > 30) return false;
    for (size_t i = 0; i < k; i++)
        if (!is_han(kc[i]) || kc[i] == 0x3006 || (kc[i] == 0x3005 && i == 0)) return false;
    splitter s = {fg, kc, k, r, rn, {0}, {0}, 0};
    split_rec(&s, 0, 0);
    if (s.nsol != 1) return false;
    memcpy(cut, s.first, k * sizeof *cut);
    cut[k] = rn;
    return true;
}

/* ---- MeCab ------------------------------------------------------------------- */

static bool mecab_open(tb_furigana *fg) {
    if (fg->mecab_state) return fg->mecab_state > 0;
    fg->mecab_state = -1;
    const char *dir = fg->dicdir ? fg->dicdir : getenv("TEBIKI_MECAB_DICDIR");
    if (!dir || !*dir) dir = DEFAULT_DICDIR;
    char rc[4200];
    snprintf(rc, sizeof rc, "%s/dicrc", dir);
    struct stat st;
    if (stat(rc, &st) != 0) {
        snprintf(fg->mecab_err, sizeof fg->mecab_err,
                 "MeCab's IPA dictionary is not installed (no %s): install mecab-ipadic-utf8", rc);
        return false;
    }
    if (!mecab_api()) {
        snprintf(fg->mecab_err, sizeof fg->mecab_err, "MeCab cannot be loaded: %s (install libmecab2)", mecab_lib.why);
        return false;
    }
    char *argv[] = {"tebiki", "-r", "/dev/null", "-d", (char *)dir, NULL};
    fg->model = api.mecab_model_new(5, argv);
    if (!fg->model) {
        const char *e = api.mecab_strerror(NULL);
        snprintf(fg->mecab_err, sizeof fg->mecab_err, "MeCab cannot open the dictionary %s: %s", dir,
                 e && *e ? e : "unknown error");
        return false;
    }
    const mecab_dictionary_info_t *di = api.mecab_model_dictionary_info(fg->model);
    if (!di || !di->charset || (strcasecmp(di->charset, "utf-8") && strcasecmp(di->charset, "utf8"))) {
        snprintf(fg->mecab_err, sizeof fg->mecab_err,
                 "the MeCab dictionary %s is in %s, not UTF-8: install mecab-ipadic-utf8", dir,
                 di && di->charset ? di->charset : "an unknown encoding");
        return false;
    }
    fg->tagger = api.mecab_model_new_tagger(fg->model);
    fg->lattice = api.mecab_model_new_lattice(fg->model);
    fg->lattice2 = api.mecab_model_new_lattice(fg->model);
    if (!fg->tagger || !fg->lattice || !fg->lattice2) {
        snprintf(fg->mecab_err, sizeof fg->mecab_err, "MeCab cannot start: %s", api.mecab_strerror(NULL));
        return false;
    }
    /* the IPA dictionary's features: 品詞,細分類1,2,3,活用型,活用形,原形,読み,発音 */
    api.mecab_lattice_set_sentence(fg->lattice, "東京");
    bool ok = api.mecab_parse_lattice(fg->tagger, fg->lattice);
    const mecab_node_t *n = ok ? api.mecab_lattice_get_bos_node(fg->lattice) : NULL;
    n = n ? n->next : NULL;
    if (!n || !n->feature || !strstr(n->feature, ",トウキョウ,")) {
        snprintf(fg->mecab_err, sizeof fg->mecab_err,
                 "the MeCab dictionary %s is not the IPA dictionary: install mecab-ipadic-utf8", dir);
        return false;
    }
    fg->mecab_state = 1;
    return true;
}

tb_furigana *tb_furigana_new(const char *dicdir, const char *kanjidic) {
    tb_furigana *fg = calloc(1, sizeof *fg);
    if (!fg) return NULL;
    fg->dicdir = dicdir ? strdup(dicdir) : NULL;
    fg->kanjidic = kanjidic ? strdup(kanjidic) : NULL;
    return fg;
}

void tb_furigana_free(tb_furigana *fg) {
    if (!fg) return;
    if (fg->lattice) api.mecab_lattice_destroy(fg->lattice);
    if (fg->lattice2) api.mecab_lattice_destroy(fg->lattice2);
    if (fg->tagger) api.mecab_destroy(fg->tagger);
    if (fg->model) api.mecab_model_destroy(fg->model);
    free(fg->kj);
    free(fg->rd);
    free(fg->kana);
    free(fg->dicdir);
    free(fg->kanjidic);
    free(fg);
}

/* A token's fields (the IPA dictionary's nine). */
typedef struct tok {
    uint32_t s, e;             /* bytes in the sentence */
    char f[9][64];
    int nf;
} tok;

static void tok_fields(tok *t, const char *feature) {
    t->nf = 0;
    const char *p = feature;
    while (t->nf < 9) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n >= sizeof t->f[0]) n = sizeof t->f[0] - 1;
        memcpy(t->f[t->nf], p, n);
        t->f[t->nf][n] = 0;
        t->nf++;
        if (!c) break;
        p = c + 1;
    }
    for (int i = t->nf; i < 9; i++) strcpy(t->f[i], "*");
}

/* ---- the lexicon: words forced as one token with their reading ------------- */

typedef struct lexent {
    const char *surface, *reading, *pos; /* reading in hiragana; pos: 品詞,細分類1 */
    size_t slen;
} lexent;

/* What the IPA dictionary (2007) lacks or reads wrongly for the centre's guides. */
static const lexent builtin_lexicon[] = {
    {"協働", "きょうどう", "名詞,サ変接続", 0},
    {"協働者", "きょうどうしゃ", "名詞,一般", 0},
    {"共創", "きょうそう", "名詞,サ変接続", 0},
    {"市民活動", "しみんかつどう", "名詞,一般", 0},
    {"中間支援", "ちゅうかんしえん", "名詞,一般", 0},
    {"取組", "とりくみ", "名詞,一般", 0},
    {"打合せ", "うちあわせ", "名詞,一般", 0},
    {"自治会", "じちかい", "名詞,一般", 0},
    {"町内会", "ちょうないかい", "名詞,一般", 0},
    {"役割分担", "やくわりぶんたん", "名詞,一般", 0},
    {"関内", "かんない", "名詞,固有名詞", 0},
    {"防災", "ぼうさい", "名詞,一般", 0},
};

typedef struct lexicon {
    lexent *v;
    size_t n, cap;
} lexicon;

static bool all_kana(const char *s) {
    const char *p = s;
    if (!*p) return false;
    while (*p) {
        uint32_t c = tb_utf8_next(&p);
        if (!is_kana(c)) return false;
    }
    return true;
}

/* Hand-written readings of words of two characters or more: used for the
** same word elsewhere in the guide. */
static void lex_from_ruby(lexicon *lx, tb_arena *a, const tb_node *n) {
    for (; n; n = n->next) {
        if (n->el == TB_EL_RUBY) {
            buf base = {0}, rd = {0};
            for (const tb_node *c = n->first; c; c = c->next) {
                if (c->el == TB_EL_RT) {
                    for (const tb_node *t = c->first; t; t = t->next)
                        if (t->el == TB_EL_TEXT) bput(&rd, t->text, t->ntext);
                } else if (c->el == TB_EL_TEXT) bput(&base, c->text, c->ntext);
            }
            uint32_t cp[8];
            size_t nc = base.n ? decode(base.b, base.n, cp, NULL, 8) : 0;
            if (nc >= 2 && nc < 8 && rd.n && has_han(base.b, base.n) && !strchr(base.b, ',') && !strchr(base.b, ' ') &&
                all_kana(rd.b)) {
                buf h = {0};
                const char *p = rd.b;
                while (*p) bputc(&h, to_hira(tb_utf8_next(&p)));
                GROW(lx->v, lx->n, lx->cap);
                lx->v[lx->n++] = (lexent){tb_arena_strdup(a, base.b), tb_arena_strdup(a, h.b), "名詞,一般", base.n};
                free(h.b);
            }
            free(base.b);
            free(rd.b);
            continue;
        }
        if (n->first) lex_from_ruby(lx, a, n->first);
    }
}

/* ---- modes ------------------------------------------------------------------- */

enum { MODE_OFF = -1, MODE_ALL = 0 }; /* 1..6: grade:N */

typedef struct mode {
    int m;
    const tb_node *from;       /* the element whose attribute set it */
} mode;

static bool parse_mode(const char *v, int *m) {
    if (!strcmp(v, "none") || !strcmp(v, "off")) *m = MODE_OFF;
    else if (!strcmp(v, "auto") || !strcmp(v, "all")) *m = MODE_ALL;
    else if (!strncmp(v, "grade:", 6) && v[6] >= '1' && v[6] <= '6' && !v[7]) *m = v[6] - '0';
    else return false;
    return true;
}

/* ---- one application --------------------------------------------------------- */

typedef struct ann {           /* a reading over piece bytes [s, e) */
    uint32_t s, e;
    const char *reading;       /* hiragana (arena) */
    size_t nparts;             /* >1: mono ruby, one reading per kanji */
    uint32_t *cut;             /* nparts+1 byte offsets, cut[0] = s */
    const char **part;         /* nparts readings */
} ann;

typedef struct piece {
    tb_node *node;             /* TEXT node, or the RUBY/TCY element */
    uint32_t s, e;             /* bytes in the sentence */
    bool eligible;             /* a text node to annotate */
    mode md;
    ann *anns;
    size_t nanns, capanns;
} piece;

typedef struct top {           /* a direct child of the block, with its range */
    tb_node *node;
    uint32_t s, e;
} top;

typedef struct run {
    tb_furigana *fg;
    tb_ctx *ctx;
    tb_arena *a;
    tb_doc *doc;
    tb_furigana_style style;
    lexicon lex;
    int rc;
    bool reported_mecab, reported_kd;
    char **warned;             /* surfaces warned about once */
    size_t nwarned, capwarned;
    /* the sentence being built */
    buf sent;
    piece *pc;
    size_t npc, cappc;
    top *tops;
    size_t ntops, captops;
    uint32_t *bounds;          /* 文節 starts (sentence bytes) */
    size_t nbounds, capbounds;
} run;

static bool is_ja(const tb_node *n) {
    const char *l = tb_node_lang(n);
    return !strncmp(l, "ja", 2) && (l[2] == 0 || l[2] == '-') && !strstr(l, "-Latn");
}

static void add_piece(run *r, tb_node *n, const char *text, size_t len, bool eligible, mode md) {
    GROW(r->pc, r->npc, r->cappc);
    piece *p = &r->pc[r->npc++];
    memset(p, 0, sizeof *p);
    p->node = n;
    p->s = (uint32_t)r->sent.n;
    bput(&r->sent, text, len);
    p->e = (uint32_t)r->sent.n;
    p->eligible = eligible && len > 0;
    p->md = md;
}

static mode mode_of(const tb_node *n, mode inherited) {
    if (n->furigana) {
        int m;
        if (parse_mode(n->furigana, &m)) return (mode){m, n};
    }
    return inherited;
}

/* Inline content into the sentence: text to annotate, and the base text of
** ruby and tcy (context for MeCab, never annotated). */
static void collect(run *r, tb_node *n, mode md) {
    switch (n->el) {
    case TB_EL_TEXT:
        add_piece(r, n, n->text, n->ntext, md.m != MODE_OFF && is_ja(n->parent ? n->parent : n), md);
        return;
    case TB_EL_RUBY: {
        const char *base = tb_node_plain_text(r->a, n);
        add_piece(r, n, base, strlen(base), false, md);
        return;
    }
    case TB_EL_TCY: {
        const char *t = tb_node_plain_text(r->a, n);
        add_piece(r, n, t, strlen(t), false, md);
        return;
    }
    case TB_EL_RT: case TB_EL_RP: case TB_EL_BR: case TB_EL_REF:
        add_piece(r, n, "", 0, false, md); /* a token boundary */
        return;
    default: break;
    }
    md = mode_of(n, md);
    for (tb_node *c = n->first; c; c = c->next) collect(r, c, md);
}

static void warn_once(run *r, const tb_node *at, const char *surface, size_t len) {
    for (size_t i = 0; i < r->nwarned; i++)
        if (strlen(r->warned[i]) == len && !memcmp(r->warned[i], surface, len)) return;
    GROW(r->warned, r->nwarned, r->capwarned);
    r->warned[r->nwarned++] = strndup(surface, len);
    tb_warning(r->ctx, r->doc->file, at->line, at->col,
               "no reading for 「%.*s」 in MeCab's dictionary: give it by hand, <ruby>%.*s<rt>…</rt></ruby>", (int)len,
               surface, (int)len, surface);
}

static bool need_mecab(run *r, const tb_node *from) {
    if (mecab_open(r->fg)) return true;
    if (!r->reported_mecab) {
        r->reported_mecab = true;
        tb_error(r->ctx, r->doc->file, from ? from->line : 0, from ? from->col : 0, "furigana=\"%s\": %s",
                 from && from->furigana ? from->furigana : "auto", r->fg->mecab_err);
    }
    r->rc = 3;
    return false;
}

static bool need_kanjidic(run *r, const tb_node *from) {
    if (kd_open(r->fg)) return true;
    if (!r->reported_kd) {
        r->reported_kd = true;
        tb_error(r->ctx, r->doc->file, from ? from->line : 0, from ? from->col : 0,
                 "furigana=\"%s\" needs the school grades of kanjidic: %s",
                 from && from->furigana ? from->furigana : "grade", r->fg->kd_err);
    }
    r->rc = 3;
    return false;
}

/* digits → value, or -1 */
static long number_of(const char *s, size_t len) {
    const char *p = s, *end = s + len;
    long v = 0;
    if (!len) return -1;
    while (p < end) {
        uint32_t c = tb_utf8_next(&p);
        if (c >= 0xFF10 && c <= 0xFF19) c = c - 0xFF10 + '0';
        if (c < '0' || c > '9' || v > 100000) return -1;
        v = v * 10 + (long)(c - '0');
    }
    return v;
}

/* Counters after Arabic numerals, which the IPA dictionary reads without
** the number: 1人 ひとり, 4月 がつ, 3日 みっか, 6分 ぷん. */
static const char *counter_reading(const char *surf, long n, bool after_month) {
    static const char *const days[] = {NULL, "ついたち", "ふつか", "みっか", "よっか", "いつか", "むいか",
                                       "なのか", "ようか", "ここのか", "とおか"};
    if (!strcmp(surf, "人")) return n == 1 ? "ひとり" : n == 2 ? "ふたり" : "にん";
    if (!strcmp(surf, "月")) return "がつ";
    if (!strcmp(surf, "日") || !strcmp(surf, "日間")) {
        bool kan = surf[3] != 0;
        const char *d = n == 1 && (kan || !after_month) ? "いちにち"
                        : n >= 1 && n <= 10                ? days[n]
                        : n == 14                          ? "じゅうよっか"
                        : n == 20                          ? "はつか"
                        : n == 24                          ? "にじゅうよっか"
                                                           : "にち";
        if (!kan) return d;
        static char b[64];
        snprintf(b, sizeof b, "%sかん", d);
        return b;
    }
    if (!strcmp(surf, "分")) {
        long u = n % 10;
        return (u == 1 || u == 3 || u == 4 || u == 6 || u == 8 || u == 0) ? "ぷん" : "ふん";
    }
    if (!strcmp(surf, "階")) return n == 3 ? "がい" : "かい";
    return NULL;
}

/* Align SURFACE (a token) with its READING (hiragana): kana in the
** surface match the reading literally; each run of kanji takes what lies
** between.  Returns the number of kanji runs (their byte ranges and
** reading ranges in rs/re, rr0/rr1), 0 when there is no alignment. */
typedef struct align {
    const uint32_t *sc;        /* surface code points (hiragana-folded) */
    size_t sn;
    const uint32_t *r;
    size_t rn;
    size_t seg_s[32], seg_e[32]; /* kanji runs: surface index ranges */
    size_t nseg;
    size_t rs[32], re[32];
} align;

static bool align_rec(align *A, size_t si, size_t ri, size_t seg) {
    if (si == A->sn) return ri == A->rn;
    if (needs_reading(A->sc[si])) {
        size_t se = si;
        while (se < A->sn && needs_reading(A->sc[se])) se++;
        /* at least one kana per kanji run, shortest first */
        for (size_t take = 1; ri + take <= A->rn; take++) {
            A->rs[seg] = ri;
            A->re[seg] = ri + take;
            A->seg_s[seg] = si;
            A->seg_e[seg] = se;
            if (align_rec(A, se, ri + take, seg + 1)) {
                if (seg + 1 > A->nseg) A->nseg = seg + 1;
                return true;
            }
        }
        return false;
    }
    if (ri < A->rn && A->sc[si] == A->r[ri]) return align_rec(A, si + 1, ri + 1, seg);
    return false;
}

static void add_ann(piece *p, ann a) {
    GROW(p->anns, p->nanns, p->capanns);
    p->anns[p->nanns++] = a;
}

static char *cps_utf8(tb_arena *a, const uint32_t *c, size_t n) {
    char *s = tb_arena_alloc(a, n * 4 + 1), *q = s;
    for (size_t i = 0; i < n; i++) q += tb_utf8_put(q, c[i]);
    *q = 0;
    return s;
}

/* Annotations for one token of an eligible piece. */
static void annotate_token(run *r, piece *p, const tok *t, const char *sent, const char *reading_override) {
    const char *surf = sent + t->s;
    size_t slen = t->e - t->s;
    if (!has_han(surf, slen)) return;
    if (p->md.m > 0 && !above_grade(r->fg, surf, slen, p->md.m)) return;
    const char *rd = reading_override ? reading_override : t->nf >= 8 && strcmp(t->f[7], "*") ? t->f[7] : NULL;
    if (!rd) {
        warn_once(r, p->node, surf, slen);
        return;
    }
    uint32_t sc[64], soff[65], rc[128];
    size_t sn = decode(surf, slen, sc, soff, 64);
    if (sn == 64) return;
    size_t rn = 0;
    for (const char *q = rd; *q && rn < 128;) {
        uint32_t c = tb_utf8_next(&q);
        rc[rn++] = to_hira(c);
    }
    uint32_t fold[64];
    for (size_t i = 0; i < sn; i++) fold[i] = needs_reading(sc[i]) ? sc[i] : to_hira(sc[i]);
    align A = {fold, sn, rc, rn, {0}, {0}, 0, {0}, {0}};
    size_t nseg = 0;
    size_t kruns = 0;
    for (size_t i = 0; i < sn; i++)
        if (needs_reading(sc[i]) && (i == 0 || !needs_reading(sc[i - 1]))) kruns++;
    if (kruns <= 32 && align_rec(&A, 0, 0, 0)) nseg = A.nseg;
    if (!nseg) {
        /* no alignment (a reading that does not spell the kana): the whole
        ** word from its first to its last kanji takes the whole reading */
        size_t a0 = 0, a1 = sn;
        while (a0 < sn && !needs_reading(sc[a0])) a0++;
        while (a1 > a0 && !needs_reading(sc[a1 - 1])) a1--;
        A.seg_s[0] = a0, A.seg_e[0] = a1, A.rs[0] = 0, A.re[0] = rn, nseg = 1;
    }
    uint32_t base = t->s - p->s;
    for (size_t g = 0; g < nseg; g++) {
        ann an = {0};
        an.s = base + soff[A.seg_s[g]];
        an.e = base + soff[A.seg_e[g]];
        an.reading = cps_utf8(r->a, rc + A.rs[g], A.re[g] - A.rs[g]);
        an.nparts = 1;
        size_t k = A.seg_e[g] - A.seg_s[g], cut[33];
        bool mono = k >= 2 && k <= 32 && mono_split(r->fg, sc + A.seg_s[g], k, rc + A.rs[g], A.re[g] - A.rs[g], cut);
        /* jukugo ruby (JLREQ 3.3.7): mono only when every reading fits over
        ** its kanji (two kana at half size); a longer one would spread the
        ** word apart, so the word takes group ruby (協働 きょうどう) */
        for (size_t i = 0; mono && i < k; i++)
            if (cut[i + 1] - cut[i] > 2) mono = false;
        if (mono) {
            an.nparts = k;
            an.cut = TB_NEWN(r->a, uint32_t, k + 1);
            an.part = TB_NEWN(r->a, const char *, k);
            for (size_t i = 0; i < k; i++) {
                an.cut[i] = base + soff[A.seg_s[g] + i];
                an.part[i] = cps_utf8(r->a, rc + A.rs[g] + cut[i], cut[i + 1] - cut[i]);
            }
            an.cut[k] = an.e;
        }
        add_ann(p, an);
    }
}

/* Does token T start a new phrase (文節) after PREV?  (IPA POS tags) */
static bool starts_phrase(const tok *t, const tok *prev) {
    if (!prev) return false;
    const char *p0 = t->f[0], *p1 = t->f[1];
    const char *q0 = prev->f[0], *q1 = prev->f[1];
    if (!strcmp(q0, "接頭詞")) return false;
    if (!strcmp(q0, "記号") && !strcmp(q1, "括弧開")) return false;
    if (!strcmp(p0, "記号")) return !strcmp(p1, "括弧開");
    if (!strcmp(p0, "助詞") || !strcmp(p0, "助動詞")) return false;
    if (!strcmp(p0, "名詞")) {
        if (!strcmp(p1, "接尾")) return false;
        if (!strcmp(p1, "非自立") && (!strcmp(t->f[6], "の") || !strcmp(t->f[6], "ん"))) return false;
        if (!strcmp(q0, "名詞") && strcmp(q1, "非自立")) return false; /* compound nouns */
        return true;
    }
    if (!strcmp(p0, "動詞")) {
        if (!strcmp(p1, "非自立") || !strcmp(p1, "接尾")) return false;
        if (!strcmp(q0, "名詞") && (!strcmp(t->f[6], "する") || !strcmp(t->f[6], "できる"))) return false;
        return true;
    }
    if (!strcmp(p0, "形容詞")) return strcmp(p1, "非自立") && strcmp(p1, "接尾");
    return true; /* 副詞, 連体詞, 接続詞, 感動詞, 接頭詞, フィラー */
}

/* The reading of S[0..len) analysed alone (katakana, in the arena), or NULL
** when a part of it has none. */
static const char *reading_alone(run *r, const char *s, size_t len) {
    tb_furigana *fg = r->fg;
    api.mecab_lattice_clear(fg->lattice2);
    api.mecab_lattice_set_sentence2(fg->lattice2, s, len);
    if (!api.mecab_parse_lattice(fg->tagger, fg->lattice2)) return NULL;
    buf out = {0};
    bool ok = true;
    for (const mecab_node_t *n = api.mecab_lattice_get_bos_node(fg->lattice2); n && ok; n = n->next) {
        if (n->stat == MECAB_BOS_NODE || n->stat == MECAB_EOS_NODE) continue;
        tok t;
        tok_fields(&t, n->feature ? n->feature : "*");
        if (t.nf >= 8 && strcmp(t.f[7], "*")) bputs(&out, t.f[7]);
        else ok = false;
    }
    const char *res = ok && out.n ? tb_arena_strdup(r->a, out.b) : NULL;
    free(out.b);
    return res;
}

/* MeCab skips white space before a token, and a constraint must stand where
** the skipping starts (a feature constraint after a space kills MeCab:
** tokenizer.cpp CHECK_DIE): P moved back over the white space before it. */
static size_t ws_back(const char *s, size_t p) {
    while (p > 0 && (s[p - 1] == ' ' || s[p - 1] == '\t' || s[p - 1] == '\n' || s[p - 1] == '\r')) p--;
    return p;
}

/* Run MeCab over the sentence; annotate eligible pieces; collect phrase
** starts when PHRASES. */
static void analyse(run *r, bool phrases, const tb_node *from) {
    if (!need_mecab(r, from)) return;
    tb_furigana *fg = r->fg;
    const char *sent = r->sent.b;
    size_t len = r->sent.n;
    api.mecab_lattice_clear(fg->lattice);
    api.mecab_lattice_set_sentence2(fg->lattice, sent, len);
    /* no word across two pieces */
    for (size_t i = 0; i < r->npc; i++) {
        size_t ps = ws_back(sent, r->pc[i].s), pe = ws_back(sent, r->pc[i].e);
        if (ps > 0 && ps < len) api.mecab_lattice_set_boundary_constraint(fg->lattice, ps, MECAB_TOKEN_BOUNDARY);
        if (pe > 0 && pe < len) api.mecab_lattice_set_boundary_constraint(fg->lattice, pe, MECAB_TOKEN_BOUNDARY);
    }
    /* lexicon words inside eligible pieces, longest first, left to right */
    char **features = NULL;
    size_t nfeat = 0, capfeat = 0;
    for (size_t i = 0; i < r->npc; i++) {
        const piece *p = &r->pc[i];
        if (!p->eligible) continue;
        for (uint32_t b = p->s; b < p->e;) {
            const lexent *best = NULL;
            for (size_t j = 0; j < r->lex.n; j++) {
                const lexent *x = &r->lex.v[j];
                if (x->slen <= p->e - b && !memcmp(sent + b, x->surface, x->slen) && (!best || x->slen > best->slen))
                    best = x;
            }
            if (!best) {
                const char *q = sent + b;
                tb_utf8_next(&q);
                b = (uint32_t)(q - sent);
                continue;
            }
            uint32_t e = b + (uint32_t)best->slen;
            uint32_t fb = (uint32_t)ws_back(sent, b);
            if (fb > 0) api.mecab_lattice_set_boundary_constraint(fg->lattice, fb, MECAB_TOKEN_BOUNDARY);
            for (uint32_t k = fb + 1; k < e; k++) api.mecab_lattice_set_boundary_constraint(fg->lattice, k, MECAB_INSIDE_TOKEN);
            if (e < len) api.mecab_lattice_set_boundary_constraint(fg->lattice, e, MECAB_TOKEN_BOUNDARY);
            buf f = {0};
            bputs(&f, best->pos);
            bputs(&f, ",*,*,*,*,");
            bputs(&f, best->surface);
            bputs(&f, ",");
            bputs(&f, best->reading);
            bputs(&f, ",");
            bputs(&f, best->reading);
            GROW(features, nfeat, capfeat);
            features[nfeat++] = f.b;
            api.mecab_lattice_set_feature_constraint(fg->lattice, fb, e, f.b);
            b = e;
        }
    }
    bool ok = api.mecab_parse_lattice(fg->tagger, fg->lattice);
    const char *base = api.mecab_lattice_get_sentence(fg->lattice);
    if (!ok || !base) {
        tb_warning(r->ctx, r->doc->file, from ? from->line : 0, from ? from->col : 0,
                   "MeCab could not analyse this text: %s", api.mecab_lattice_strerror(fg->lattice));
        goto out;
    }
    tok prev[2];
    int nprev = 0;
    size_t pi = 0;
    for (const mecab_node_t *n = api.mecab_lattice_get_bos_node(fg->lattice); n; n = n->next) {
        if (n->stat == MECAB_BOS_NODE || n->stat == MECAB_EOS_NODE) continue;
        tok t;
        t.s = (uint32_t)(n->surface - base);
        t.e = t.s + n->length;
        if (t.s > len || t.e > len) continue;
        tok_fields(&t, n->feature ? n->feature : "*");
        /* a lexicon word keeps its surface and reading in full */
        while (pi < r->npc && r->pc[pi].e <= t.s) pi++;
        if (phrases && starts_phrase(&t, nprev ? &prev[0] : NULL)) {
            GROW(r->bounds, r->nbounds, r->capbounds);
            r->bounds[r->nbounds++] = t.s;
        }
        if (pi < r->npc && r->pc[pi].eligible && t.s >= r->pc[pi].s && t.e <= r->pc[pi].e) {
            const char *ovr = NULL;
            char surf[64];
            size_t sl = t.e - t.s < sizeof surf - 1 ? t.e - t.s : sizeof surf - 1;
            memcpy(surf, sent + t.s, sl);
            surf[sl] = 0;
            bool spaced = t.s > 0 && sent[t.s - 1] == ' ';
            if (nprev && !strcmp(prev[0].f[1], "数") && !spaced) {
                long v = number_of(sent + prev[0].s, prev[0].e - prev[0].s);
                bool after_month = nprev > 1 && prev[1].e - prev[1].s == 3 && !memcmp(sent + prev[1].s, "月", 3);
                if (v >= 0) ovr = counter_reading(surf, v, after_month);
            }
            /* a suffix after a space is not one:
            ** 「ステップ9 次を考える」 reads つぎ, not じ (第9次) */
            if (spaced && !strcmp(t.f[0], "名詞") && !strcmp(t.f[1], "接尾"))
                ovr = reading_alone(r, sent + t.s, t.e - t.s);
            annotate_token(r, &r->pc[pi], &t, sent, ovr);
        }
        prev[1] = prev[0];
        prev[0] = t;
        if (nprev < 2) nprev++;
    }
out:
    for (size_t i = 0; i < nfeat; i++) free(features[i]);
    free(features);
}

/* ---- rewriting the tree -------------------------------------------------------- */

static tb_node *mk(run *r, tb_el el, const tb_node *at) {
    tb_node *n = TB_NEW(r->a, tb_node);
    n->el = el;
    n->start = 1;
    n->colspan = n->rowspan = 1;
    n->line = at->line;
    n->col = at->col;
    return n;
}

static tb_node *mk_text(run *r, const tb_node *at, const char *s, size_t len) {
    tb_node *n = mk(r, TB_EL_TEXT, at);
    n->text = tb_arena_strndup(r->a, s, len);
    n->ntext = len;
    return n;
}

static void append(tb_node *parent, tb_node *c) {
    c->parent = parent;
    c->next = NULL;
    if (parent->last) parent->last->next = c;
    else parent->first = c;
    parent->last = c;
}

/* Replace OLD in its parent's children by the list FIRST..LAST. */
static void replace(tb_node *old, tb_node *first, tb_node *last) {
    tb_node *parent = old->parent;
    tb_node **pp = &parent->first;
    while (*pp && *pp != old) pp = &(*pp)->next;
    if (!*pp) return;
    for (tb_node *c = first; c; c = c->next) c->parent = parent;
    last->next = old->next;
    *pp = first;
    if (parent->last == old) parent->last = last;
}

typedef struct outn {          /* a new node with its sentence range */
    tb_node *n;
    uint32_t s, e;
} outn;

/* The nodes piece P becomes (ruby or parentheses), split at the phrase
** starts in BOUNDS; appended to *OUT. */
static void rewrite_piece(run *r, piece *p, const uint32_t *bounds, size_t nb, outn **out, size_t *nout, size_t *capout) {
    const char *t = p->node->text;
    uint32_t len = (uint32_t)p->node->ntext;
    uint32_t at = 0;
    size_t ai = 0, bi = 0;
    buf pend = {0};            /* parentheses style: text being joined */
    uint32_t pend_s = 0;
#define FLUSH_PEND()                                                                       \
    do {                                                                                   \
        if (pend.n) {                                                                      \
            GROW(*out, *nout, *capout);                                                    \
            (*out)[(*nout)++] = (outn){mk_text(r, p->node, pend.b, pend.n), p->s + pend_s, p->s + at}; \
            pend.n = 0;                                                                    \
        }                                                                                  \
    } while (0)
    while (at < len) {
        /* a phrase starts here: what came before is one node */
        while (bi < nb && bounds[bi] < p->s + at) bi++;
        if (bi < nb && bounds[bi] == p->s + at) FLUSH_PEND();
        while (bi < nb && bounds[bi] <= p->s + at) bi++;
        uint32_t next_b = bi < nb && bounds[bi] < p->e ? bounds[bi] - p->s : len;
        if (ai < p->nanns && p->anns[ai].s == at) {
            ann *an = &p->anns[ai++];
            if (r->style == TB_FURIGANA_PARENS) {
                if (!pend.n) pend_s = at;
                bput(&pend, t + an->s, an->e - an->s);
                bputs(&pend, "（");
                bputs(&pend, an->reading);
                bputs(&pend, "）");
                at = an->e;
                continue;
            }
            FLUSH_PEND();
            tb_node *rb = mk(r, TB_EL_RUBY, p->node);
            for (size_t k = 0; k < an->nparts; k++) {
                uint32_t s = an->nparts > 1 ? an->cut[k] : an->s, e = an->nparts > 1 ? an->cut[k + 1] : an->e;
                append(rb, mk_text(r, p->node, t + s, e - s));
                tb_node *rt = mk(r, TB_EL_RT, p->node);
                const char *rd = an->nparts > 1 ? an->part[k] : an->reading;
                append(rt, mk_text(r, p->node, rd, strlen(rd)));
                append(rb, rt);
            }
            GROW(*out, *nout, *capout);
            (*out)[(*nout)++] = (outn){rb, p->s + an->s, p->s + an->e};
            at = an->e;
            continue;
        }
        uint32_t end = ai < p->nanns && p->anns[ai].s < len ? p->anns[ai].s : len;
        if (next_b > at && next_b < end) end = next_b;
        if (!pend.n) pend_s = at;
        bput(&pend, t + at, end - at);
        at = end;
        if (r->style == TB_FURIGANA_RUBY) FLUSH_PEND();
    }
    FLUSH_PEND();
#undef FLUSH_PEND
    free(pend.b);
}

static bool is_inline(tb_el el) { return el == TB_EL_TEXT || el >= TB_EL_EM; }

/* One run of inline children [first, stop) of block B. */
static void do_inline_run(run *r, tb_node *b, tb_node *before, tb_node *first, tb_node *stop, mode md, bool heading) {
    r->sent.n = 0;
    if (r->sent.b) r->sent.b[0] = 0;
    for (size_t i = 0; i < r->npc; i++) free(r->pc[i].anns);
    r->npc = 0;
    r->ntops = 0;
    r->nbounds = 0;
    for (tb_node *c = first; c != stop; c = c->next) {
        uint32_t s = (uint32_t)r->sent.n;
        collect(r, c, md);
        GROW(r->tops, r->ntops, r->captops);
        r->tops[r->ntops++] = (top){c, s, (uint32_t)r->sent.n};
    }
    bool any = false;
    const tb_node *from = md.from;
    for (size_t i = 0; i < r->npc; i++)
        if (r->pc[i].eligible && has_han(r->sent.b + r->pc[i].s, r->pc[i].e - r->pc[i].s)) {
            any = true;
            if (r->pc[i].md.m > 0 && !need_kanjidic(r, r->pc[i].md.from)) return;
            from = r->pc[i].md.from;
        }
    bool phrases = heading && md.m != MODE_OFF && is_ja(b) && r->sent.n > 0;
    if (!any && !phrases) return;
    analyse(r, phrases, from);
    if (r->rc == 3) return;
    /* rewrite the text pieces */
    outn *items = NULL;
    size_t nitems = 0, capitems = 0;
    size_t ti = 0;
    for (size_t i = 0; i < r->npc; i++) {
        piece *p = &r->pc[i];
        if (p->node->el != TB_EL_TEXT || (!p->nanns && !phrases)) continue;
        bool direct = p->node->parent == b;
        if (!p->nanns && !(phrases && direct)) continue;
        size_t n0 = nitems;
        rewrite_piece(r, p, phrases && direct ? r->bounds : NULL, phrases && direct ? r->nbounds : 0, &items, &nitems,
                      &capitems);
        if (nitems == n0) continue;
        for (size_t k = n0; k + 1 < nitems; k++) items[k].n->next = items[k + 1].n;
        items[nitems - 1].n->next = NULL;
        tb_node *old = p->node;
        replace(old, items[n0].n, items[nitems - 1].n);
        if (direct) /* the direct child's place in tops: now several */
            for (; ti < r->ntops; ti++)
                if (r->tops[ti].node == old) {
                    r->tops[ti].node = NULL; /* replaced: see items[n0..nitems) */
                    r->tops[ti].s = (uint32_t)n0;
                    r->tops[ti].e = (uint32_t)nitems;
                    break;
                }
        if (!direct) nitems = n0; /* only direct children take part in phrases */
    }
    if (phrases && r->nbounds) {
        /* the direct children in order, with ranges */
        outn *seq = NULL;
        size_t nseq = 0, capseq = 0;
        for (size_t i = 0; i < r->ntops; i++) {
            if (!r->tops[i].node) {
                for (uint32_t k = r->tops[i].s; k < r->tops[i].e; k++) {
                    GROW(seq, nseq, capseq);
                    seq[nseq++] = items[k];
                }
            } else {
                GROW(seq, nseq, capseq);
                seq[nseq++] = (outn){r->tops[i].node, r->tops[i].s, r->tops[i].e};
            }
        }
        /* group at phrase starts that fall between two direct children */
        size_t groups = 1;
        bool *starts = calloc(nseq + 1, 1);
        if (!starts) abort();
        for (size_t k = 1; k < nseq; k++)
            for (size_t j = 0; j < r->nbounds; j++)
                if (r->bounds[j] == seq[k].s && seq[k - 1].e <= seq[k].s && seq[k].s > seq[0].s) {
                    starts[k] = true;
                    groups++;
                    break;
                }
        if (groups > 1) {
            tb_node *after = stop;
            /* detach [first, stop) and rebuild it as nobr groups */
            tb_node **pp = before ? &before->next : &b->first;
            tb_node *head = NULL, *tail = NULL, *g = NULL;
            for (size_t k = 0; k < nseq; k++) {
                if (!g || starts[k]) {
                    if (g) {
                        tb_node *z = mk_text(r, b, "\xE2\x80\x8B", 3); /* U+200B */
                        z->parent = b;
                        tail->next = z;
                        tail = z;
                    }
                    g = mk(r, TB_EL_NOBR, seq[k].n);
                    g->parent = b;
                    if (tail) tail->next = g;
                    else head = g;
                    tail = g;
                }
                append(g, seq[k].n);
            }
            if (head) {
                *pp = head;
                tail->next = after;
                if (!after) b->last = tail;
            }
        }
        free(starts);
        free(seq);
    }
    free(items);
}

/* A title attribute (aside, toc): readings in parentheses, since an
** attribute cannot hold ruby. */
static const char *annotate_attr(run *r, tb_node *n, const char *v, mode md) {
    if (!v || !has_han(v, strlen(v)) || !is_ja(n)) return v;
    if (md.m > 0 && !need_kanjidic(r, md.from)) return v;
    r->sent.n = 0;
    for (size_t i = 0; i < r->npc; i++) free(r->pc[i].anns);
    r->npc = 0;
    r->nbounds = 0;
    /* a stand-in text node to annotate */
    tb_node *t = mk_text(r, n, v, strlen(v));
    add_piece(r, t, v, strlen(v), true, md);
    analyse(r, false, md.from);
    if (r->rc == 3 || !r->pc[0].nanns) return v;
    tb_furigana_style keep = r->style;
    r->style = TB_FURIGANA_PARENS;
    outn *items = NULL;
    size_t ni = 0, ci = 0;
    rewrite_piece(r, &r->pc[0], NULL, 0, &items, &ni, &ci);
    r->style = keep;
    buf out = {0};
    for (size_t i = 0; i < ni; i++) bput(&out, items[i].n->text, items[i].n->ntext);
    const char *res = out.n ? tb_arena_strdup(r->a, out.b) : v;
    free(out.b);
    free(items);
    return res;
}

static void walk(run *r, tb_node *n, mode md) {
    if (r->rc == 3) return;
    if (n->el == TB_EL_META) return; /* metadata stays plain text */
    md = mode_of(n, md);
    if ((n->el == TB_EL_ASIDE || n->el == TB_EL_TOC) && n->title && md.m != MODE_OFF)
        n->title = annotate_attr(r, n, n->title, md);
    bool heading = n->el == TB_EL_TITLE && n->parent && n->parent->el == TB_EL_SECTION;
    tb_node *before = NULL;
    for (tb_node *c = n->first; c;) {
        if (r->rc == 3) return;
        if (is_inline(c->el)) {
            /* a run of inline children; it may be rebuilt, so what is
            ** before and after it is remembered */
            tb_node *stop = c;
            while (stop && is_inline(stop->el)) stop = stop->next;
            do_inline_run(r, n, before, c, stop, md, heading);
            before = NULL;
            for (tb_node *x = n->first; x && x != stop; x = x->next) before = x;
            c = stop;
        } else {
            walk(r, c, md);
            before = c;
            c = c->next;
        }
    }
}

/* Check every furigana attribute; true when some text asks for furigana. */
static bool check_modes(run *r, const tb_node *n, bool on) {
    bool any = false;
    if (n->furigana) {
        int m;
        if (!parse_mode(n->furigana, &m)) {
            tb_error(r->ctx, r->doc->file, n->line, n->col,
                     "furigana=\"%s\": say auto, all, grade:1 to grade:6, or none", n->furigana);
            r->rc = 1;
        } else on = m != MODE_OFF;
    }
    if (n->el == TB_EL_META) return false;
    if (on && n->el == TB_EL_TEXT) return true;
    if (on && (n->el == TB_EL_ASIDE || n->el == TB_EL_TOC) && n->title) any = true;
    for (const tb_node *c = n->first; c; c = c->next) any |= check_modes(r, c, on);
    return any;
}

int tb_furigana_apply(tb_furigana *fg, tb_ctx *ctx, tb_arena *a, tb_doc *doc, tb_furigana_style style) {
    if (!doc || !doc->root) return 0;
    run r = {0};
    r.fg = fg;
    r.ctx = ctx;
    r.a = a;
    r.doc = doc;
    r.style = style;
    bool any = check_modes(&r, doc->root, false);
    if (r.rc || !any) return r.rc;
    if (!fg) {
        tb_error(ctx, doc->file, doc->root->line, doc->root->col, "furigana: out of memory");
        return 3;
    }
    for (size_t i = 0; i < sizeof builtin_lexicon / sizeof *builtin_lexicon; i++) {
        GROW(r.lex.v, r.lex.n, r.lex.cap);
        r.lex.v[r.lex.n] = builtin_lexicon[i];
        r.lex.v[r.lex.n].slen = strlen(builtin_lexicon[i].surface);
        r.lex.n++;
    }
    lex_from_ruby(&r.lex, a, doc->root);
    /* kanjidic splits mono ruby when it is there; grade:N needs it */
    kd_open(fg);
    walk(&r, doc->root, (mode){MODE_OFF, NULL});
    for (size_t i = 0; i < r.npc; i++) free(r.pc[i].anns);
    free(r.pc);
    free(r.tops);
    free(r.bounds);
    free(r.sent.b);
    free(r.lex.v);
    for (size_t i = 0; i < r.nwarned; i++) free(r.warned[i]);
    free(r.warned);
    return r.rc;
}

char *tb_furigana_reading(tb_furigana *fg, tb_arena *a, const char *text, const char **err) {
    if (!mecab_open(fg)) {
        if (err) *err = fg->mecab_err;
        return NULL;
    }
    api.mecab_lattice_clear(fg->lattice);
    api.mecab_lattice_set_sentence(fg->lattice, text);
    if (!api.mecab_parse_lattice(fg->tagger, fg->lattice)) {
        if (err) *err = api.mecab_lattice_strerror(fg->lattice);
        return NULL;
    }
    buf out = {0};
    for (const mecab_node_t *n = api.mecab_lattice_get_bos_node(fg->lattice); n; n = n->next) {
        if (n->stat == MECAB_BOS_NODE || n->stat == MECAB_EOS_NODE) continue;
        tok t;
        tok_fields(&t, n->feature ? n->feature : "*");
        if (out.n) bputs(&out, " ");
        if (has_han(n->surface, n->length) && strcmp(t.f[7], "*")) {
            const char *p = t.f[7];
            while (*p) bputc(&out, to_hira(tb_utf8_next(&p)));
        } else bput(&out, n->surface, n->length);
    }
    char *s = tb_arena_strdup(a, out.b ? out.b : "");
    free(out.b);
    return s;
}
