/*
** objstm.h — repack a PDF that libharu saved into object streams (render
** internal; the web variant).
**
** libharu writes every object as plain text and a classic xref table.
** Repacked, the objects that are not streams (page and font dictionaries,
** outline entries, link annotations, lengths, …) are stored, deflated,
** in object streams, and the cross-reference table becomes a
** cross-reference stream (PDF 1.5): about 8 % off a booklet.  Object
** numbers do not change; stream objects are copied byte for byte.  The
** trailer keys Root and Info move into the xref stream's dictionary; /ID
** is written as the same all-zero placeholder that render fills in.
*/
#ifndef TB_OBJSTM_H
#define TB_OBJSTM_H
#include <stdbool.h>
#include <stddef.h>

/* Repack IN (N bytes, as saved by libharu 2.3.0) into a malloc'd *OUT of
** *OUTN bytes, the object streams deflated as jobs on Q (may be NULL: here,
** in turn; a few at a time, so memory stays bounded).  False when IN is
** not laid out as expected (the caller keeps IN) or when out of memory. */
typedef struct tb_workq tb_workq;
bool tb_objstm_pack(tb_workq *q, const unsigned char *in, size_t n, unsigned char **out, size_t *outn);

#endif
