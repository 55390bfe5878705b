/*
** workq.h — work for the second core while render draws the pages (render
** internal).
**
** One worker thread takes jobs in the order they were added: first the
** font subsets (pdffont.c), then each page's content as it is finished
** (render.c).  tb_workq_wait runs the jobs nobody has begun on the calling
** thread and returns when all are done; after it, their results may be
** read.  Jobs must not touch libharu or the diagnostics: they leave
** results for the drawing thread.  Without a thread (none could be
** started) add runs the job at once.
*/
#ifndef TB_WORKQ_H
#define TB_WORKQ_H
#include <stdbool.h>

typedef struct tb_workq tb_workq;
typedef void (*tb_work_fn)(void *arg);

tb_workq *tb_workq_new(void); /* NULL when out of memory */
/* False when out of memory: then the job has been run here. */
bool tb_workq_add(tb_workq *q, tb_work_fn fn, void *arg);
void tb_workq_wait(tb_workq *q);
void tb_workq_free(tb_workq *q); /* waits first; accepts NULL */

#endif
