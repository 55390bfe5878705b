/*
** pdfstream.h — stream contents that render compresses itself (render
** internal).
**
** libharu deflates every stream at zlib's default level when the document
** is saved, and copies the data byte by byte twice on the way.  A stream
** filled here is read by libharu straight from a buffer of ours, and is
** deflated once, at a level the caller picks, and written by libharu as
** raw bytes: the dictionary's own filter is set to none (so libharu neither
** compresses it nor writes a /Filter of its own) and /Filter /FlateDecode
** is written by the dictionary's write hook.  Other keys (/DecodeParms, a
** font file's /Length1) are added to the dictionary as usual.
*/
#ifndef TB_PDFSTREAM_H
#define TB_PDFSTREAM_H
#include <hpdf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* zlib levels.  The web variant is for downloading: 6 (zlib's default;
** 9 gains 0.2 % on fonts for 15 % more time).  The print variant is for
** the press, where a few per cent of size do not matter: 1, which deflates
** a font program 31 % and a CMYK image about 2x faster (README, "Print and
** web PDFs", has the measurements).  Small streams (CMaps, maps) get 6. */
enum { TB_DEFLATE_WEB = 6, TB_DEFLATE_PRINT = 1, TB_DEFLATE_SMALL = 6 };

/* Replace the data of the stream dictionary D (made with
** HPDF_DictStream_New) with DATA deflated at LEVEL.  False when out of
** memory or when libharu fails (its error left in the document). */
bool tb_pdfstream_deflate(HPDF_Dict d, const void *data, size_t n, int level);

/* DATA deflated at LEVEL: a malloc'd buffer of *OUT_N bytes, or NULL when
** out of memory. */
unsigned char *tb_deflate(const void *data, size_t n, int level, size_t *out_n);

/* The CRC-32 (as zlib's crc32) of N bytes at DATA. */
uint32_t tb_crc32(const void *data, size_t n);

/* Give D the data Z (N bytes, already deflated, malloc'd: D frees it, and
** so does a failure), with /Filter /FlateDecode. */
bool tb_pdfstream_take_deflated(HPDF_Dict d, unsigned char *z, size_t n);

/* Write DATA into D as it is, with no filter (an XMP packet). */
bool tb_pdfstream_plain(HPDF_Dict d, const void *data, size_t n);

#endif
