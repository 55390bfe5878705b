/*
** qr.h — QR codes (libqrencode, opened on first use: base/lazylib.h).
*/
#ifndef TB_QR_H
#define TB_QR_H

/* TEXT as a QR code (byte mode, error correction M): a malloc'd square of
** *WIDTH × *WIDTH modules, row by row, 1 dark and 0 light.  NULL when it
** cannot be encoded (too long) or libqrencode cannot be opened; then *WHY
** (may be NULL) says which, as a phrase. */
unsigned char *tb_qr_encode(const char *text, int *width, const char **why);

#endif
