/*
** workq.c — one worker thread and a FIFO of jobs; see workq.h.
*/
#include "workq.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct job {
    tb_work_fn fn;
    void *arg;
    bool done;
} job;

struct tb_workq {
    job *v;
    size_t n, cap;   /* jobs added since the queue was last empty */
    size_t next;     /* the next job to begin */
    size_t done;     /* jobs finished */
    bool closing;    /* no more jobs: the worker ends when the list is empty */
    bool started;    /* a worker thread runs and must be joined */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t more;  /* a job was added, or closing */
    pthread_cond_t idle;  /* a job finished */
};

/* Begin the next job and finish it; called with the lock held. */
static void run_one(tb_workq *q) {
    size_t i = q->next++;
    job j = q->v[i];
    pthread_mutex_unlock(&q->mu);
    j.fn(j.arg);
    pthread_mutex_lock(&q->mu);
    q->v[i].done = true;
    if (++q->done == q->n) q->n = q->next = q->done = 0; /* all done: the list starts again */
    pthread_cond_broadcast(&q->idle);
}

/* Run jobs until none is left to begin; called with the lock held. */
static void run(tb_workq *q) {
    while (q->next < q->n) run_one(q);
}

static void *worker(void *arg) {
    tb_workq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        run(q);
        if (q->closing) break;
        pthread_cond_wait(&q->more, &q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

tb_workq *tb_workq_new(void) {
    tb_workq *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        free(q);
        return NULL;
    }
    if (pthread_cond_init(&q->more, NULL) == 0) {
        if (pthread_cond_init(&q->idle, NULL) == 0) {
            q->started = pthread_create(&q->th, NULL, worker, q) == 0;
            if (!q->started) pthread_cond_destroy(&q->idle);
        }
        if (!q->started) pthread_cond_destroy(&q->more);
    }
    return q;
}

bool tb_workq_add(tb_workq *q, tb_work_fn fn, void *arg) {
    if (!q || !q->started) {
        fn(arg);
        return true;
    }
    pthread_mutex_lock(&q->mu);
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 32;
        job *v = realloc(q->v, cap * sizeof *v);
        if (!v) {
            pthread_mutex_unlock(&q->mu);
            fn(arg);
            return false;
        }
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = (job){fn, arg, false};
    pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->mu);
    return true;
}

void tb_workq_wait(tb_workq *q) {
    if (!q || !q->started) return;
    pthread_mutex_lock(&q->mu);
    run(q); /* help with what the worker has not begun */
    while (q->done < q->n) pthread_cond_wait(&q->idle, &q->mu);
    pthread_mutex_unlock(&q->mu);
}

void tb_workq_wait_for(tb_workq *q, const void *arg) {
    if (!q || !q->started) return;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        size_t i = q->n;
        while (i > 0 && q->v[i - 1].arg != arg) i--;
        if (i == 0 || q->v[i - 1].done) break; /* (none: done, and the list started again) */
        if (q->next < i) run_one(q); /* help, in order, up to it */
        else pthread_cond_wait(&q->idle, &q->mu);
    }
    pthread_mutex_unlock(&q->mu);
}

void tb_workq_free(tb_workq *q) {
    if (!q) return;
    if (q->started) {
        pthread_mutex_lock(&q->mu);
        q->closing = true;
        pthread_cond_signal(&q->more);
        run(q);
        pthread_mutex_unlock(&q->mu);
        pthread_join(q->th, NULL);
        pthread_cond_destroy(&q->idle);
        pthread_cond_destroy(&q->more);
    }
    pthread_mutex_destroy(&q->mu);
    free(q->v);
    free(q);
}
