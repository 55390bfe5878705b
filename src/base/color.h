/*
** color.h — a colour as layouts give it, shared by every stage.
*/
#ifndef TB_COLOR_H
#define TB_COLOR_H
#include <stdbool.h>

/* CMYK for print (0..1 each) and RGB for the web (0..1 each).  has_rgb
** false: the RGB was derived from the CMYK, not given by the layout. */
typedef struct tb_color {
    float c, m, y, k;
    float r, g, b;
    bool has_rgb;
} tb_color;

#endif
