/*
** qr.c — QR codes through libqrencode; see qr.h.
*/
#include "qr.h"
#include <qrencode.h>
#include <stdlib.h>
#include "lazylib.h"

/* The process's table, as the library is the process's: filled once. */
#define QR_FUNCS(X) X(QRcode_encodeString8bit) X(QRcode_free)
static struct { QR_FUNCS(TB_LAZY_SLOT) } api;
static tb_lazylib qr_lib = {"libqrencode.so.4", 0, ""};

unsigned char *tb_qr_encode(const char *text, int *width, const char **why) {
    *width = 0;
    if (!TB_LAZY_OPEN(&qr_lib, QR_FUNCS, api)) {
        if (why) *why = qr_lib.why;
        return NULL;
    }
    QRcode *q = api.QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!q) {
        if (why) *why = "cannot encode this as a QR code";
        return NULL;
    }
    size_t n = (size_t)q->width * (size_t)q->width;
    unsigned char *bits = malloc(n ? n : 1);
    if (bits) {
        for (size_t i = 0; i < n; i++) bits[i] = q->data[i] & 1;
        *width = q->width;
    } else if (why) {
        *why = "out of memory";
    }
    api.QRcode_free(q);
    return bits;
}
