/*
** test_workq.c — render's work queue (src/render/workq.h): every job runs
** once, wait returns only when all are done, the waiting thread helps,
** and free waits for jobs still queued.
** Ids: workq-1.x.
*/
#include <stdatomic.h>
#include "../../src/render/workq.h"
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
