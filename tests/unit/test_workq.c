/*
** test_workq.c — the work queue (src/base/workq.h): every job runs
** once, wait returns only when all are done, wait_for only when its job
** is, the waiting thread helps, and free waits for jobs still queued.
** Ids: workq-1.x.
*/
#include <stdatomic.h>
#include "../../src/base/workq.h"
#include "t.h"

enum { N = 200 };

typedef struct slot {
    atomic_int runs;
    long sum;
} slot;

static void job(void *arg) {
    slot *s = arg;
    long k = 0;
    for (long i = 0; i < 20000; i++) k += i % 7; /* some work */
    s->sum = k;
    atomic_fetch_add(&s->runs, 1);
}

int main(void) {
    static slot s[N];
    tb_workq *q = tb_workq_new();
    CHECK(q != NULL, "workq-1.1 a queue is made");
    if (!q) return t_done();
    for (int i = 0; i < N; i++) tb_workq_add(q, job, &s[i]);
    tb_workq_wait(q);
    int once = 0, done = 0;
    for (int i = 0; i < N; i++) once += atomic_load(&s[i].runs) == 1, done += s[i].sum == s[0].sum && s[i].sum > 0;
    CHECK_INT(once, N, "workq-1.2 after wait, each of %d jobs has run exactly once", N);
    CHECK_INT(done, N, "workq-1.3 after wait, every job's result is there");
    /* wait for one job in the middle: it is done, with all before it (FIFO) */
    static slot u[N];
    for (int i = 0; i < N; i++) tb_workq_add(q, job, &u[i]);
    tb_workq_wait_for(q, &u[N / 2]);
    int upto = 0;
    for (int i = 0; i <= N / 2; i++) upto += atomic_load(&u[i].runs) == 1 && u[i].sum == s[0].sum;
    CHECK_INT(upto, N / 2 + 1, "workq-1.5 after wait_for job %d, it and every job before it are done", N / 2);
    tb_workq_wait_for(q, &u[N - 1]);
    CHECK(atomic_load(&u[N - 1].runs) == 1, "workq-1.6 wait_for the last job: done");
    static slot none;
    tb_workq_wait_for(q, &none); /* never added: returns at once */
    tb_workq_wait_for(q, &u[0]); /* long done (the list has started again): returns at once */
    tb_workq_wait_for(NULL, &none);
    CHECK(atomic_load(&none.runs) == 0, "workq-1.7 wait_for a job never added returns without running anything");
    /* without a queue (none could be made), add runs the job here */
    static slot w;
    tb_workq_add(NULL, job, &w);
    CHECK(atomic_load(&w.runs) == 1, "workq-1.8 add to no queue runs the job at once");
    /* more jobs after a wait, then free without waiting: free finishes them */
    static slot t[N];
    for (int i = 0; i < N; i++) tb_workq_add(q, job, &t[i]);
    tb_workq_free(q);
    once = 0;
    for (int i = 0; i < N; i++) once += atomic_load(&t[i].runs) == 1;
    CHECK_INT(once, N, "workq-1.4 free runs the jobs still queued before it returns");
    tb_workq_free(NULL);
    return t_done();
}
