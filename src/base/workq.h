/*
** workq.h — work for the second core.
**
** One worker thread takes jobs in the order they were added.  A run has
** one queue (tb_ctx_workq): parse compiles the schema on it while the
** guide is read, render subsets the fonts and compresses each page's
** content on it while the pages are drawn.  tb_workq_wait runs the jobs
** nobody has begun on the calling thread and returns when all are done;
** tb_workq_wait_for does the same up to one job.  After a wait, the
** results may be read.  Jobs must not touch the diagnostics or any state
** the adding thread uses meanwhile (libharu, the arena): they leave
** results for it.  Without a thread (none could be started) add runs the
** job at once.
*/
#ifndef TB_WORKQ_H
#define TB_WORKQ_H
#include <stdbool.h>

typedef struct tb_workq tb_workq;
typedef void (*tb_work_fn)(void *arg);

tb_workq *tb_workq_new(void); /* NULL when out of memory */
/* False when out of memory: then the job has been run here (as it is,
** at once, when Q is NULL). */
bool tb_workq_add(tb_workq *q, tb_work_fn fn, void *arg);
/* Every job added so far is done.  Accepts NULL. */
void tb_workq_wait(tb_workq *q);
/* The last job added with ARG is done (at once when there is none).
** Accepts NULL. */
void tb_workq_wait_for(tb_workq *q, const void *arg);
void tb_workq_free(tb_workq *q); /* waits first; accepts NULL */

#endif
