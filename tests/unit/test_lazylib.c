/*
** test_lazylib.c — libraries opened on first use (src/base/lazylib.h): a
** library that is there fills its table and its functions work; a missing
** library or symbol says which, fills nothing usable and is not retried.
** Ids: lazylib-1.x.
*/
#include <hyphen.h>
#include <qrencode.h>
#include "../../src/base/lazylib.h"
#include "../../src/base/qr.h"
#include "t.h"

#define FUNCS(X) X(QRcode_encodeString8bit) X(QRcode_free)
static struct { FUNCS(TB_LAZY_SLOT) } api;

int main(void) {
    tb_lazylib qr = {"libqrencode.so.4", 0, ""};
    bool ok = TB_LAZY_OPEN(&qr, FUNCS, api);
    CHECK(ok && api.QRcode_encodeString8bit && api.QRcode_free, "lazylib-1.1 libqrencode opens, both symbols found (%s)",
          qr.why);
    if (ok) {
        QRcode *c = api.QRcode_encodeString8bit("https://example.org/", 0, QR_ECLEVEL_M);
        CHECK(c && c->width == 25, "lazylib-1.2 its functions work: a 25-module code (%d)", c ? c->width : 0);
        if (c) api.QRcode_free(c);
    }
    CHECK(TB_LAZY_OPEN(&qr, FUNCS, api), "lazylib-1.3 a second open answers at once, still open");

    tb_lazylib none = {"libtebiki-none.so.9", 0, ""};
    CHECK(!TB_LAZY_OPEN(&none, FUNCS, api) && strstr(none.why, "libtebiki-none.so.9"),
          "lazylib-1.4 a missing library: false, and the reason names it (%s)", none.why);
    CHECK(!TB_LAZY_OPEN(&none, FUNCS, api), "lazylib-1.5 a failed library is not retried");

    static const char *const bad[] = {"hnj_hyphen_load", "hnj_no_such_function"};
    struct { void (*a)(void), (*b)(void); } two;
    tb_lazylib hy = {"libhyphen.so.0", 0, ""};
    CHECK(!tb_lazylib_open(&hy, bad, &two, 2) && strstr(hy.why, "hnj_no_such_function"),
          "lazylib-1.6 a missing symbol: false, and the reason names it (%s)", hy.why);

    int w = 0;
    const char *why = NULL;
    unsigned char *m = tb_qr_encode("https://example.org/", &w, &why);
    int dark = 0, other = 0;
    for (int i = 0; m && i < w * w; i++) dark += m[i] == 1, other += m[i] > 1;
    CHECK(m && w == 25 && !other && dark > 100 && dark < 525,
          "lazylib-1.7 tb_qr_encode: 25 × 25 modules of 0 and 1, some dark (%d dark, %d neither; %s)", dark, other,
          why ? why : "");
    free(m);
    return t_done();
}
