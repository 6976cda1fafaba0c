/* work.c -- each thread's sweep buffers, kept between sweeps.
 *
 * A sweep needs arrays as long as the tape (values at a new point, tangents,
 * adjoints).  Allocating them per sweep would touch fresh pages every time
 * (about 14 us a page on these machines, more than the sweep itself for big
 * tapes), so each thread keeps its own and grows them when a bigger tape
 * comes.  They are found through a C11 thread-specific key whose destructor
 * frees them when the thread ends; ad_thread_release frees them sooner.
 *
 * The adjoint array is all zero between sweeps: the reverse sweep clears
 * every adjoint as it reads it, so no sweep pays for a memset. */
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "tape_impl.h"

static tss_t key;
static once_flag key_once = ONCE_FLAG_INIT;
static int key_ok;

static _Thread_local long last_flip AD__TLS_IE = -1;
static _Thread_local size_t last_adj_bytes AD__TLS_IE;

static void work_free(void *p)
{
    ad__work *w = p;
    if (w == NULL)
        return;
    free(w->val);
    free(w->vt);
    free(w->tan);
    free(w->adj);
    free(w->tmp);
    free(w->sval);
    free(w->stan);
    free(w->sadj);
    free(w->ssave);
    ad__aw_free(&w->aw);
    ad__need_free(&w->need[0]);
    ad__need_free(&w->need[1]);
    free(w);
}

static void key_init(void)
{
    key_ok = tss_create(&key, work_free) == thrd_success;
}

/* Makes *p hold at least n doubles; zeroed if zero is set.  The old contents
 * are not kept (free + allocate, no copy).  Returns 0 (unchanged), 1 (new
 * array) or -1 (out of memory). */
static int grow(double **p, size_t *cap, size_t n, int zero)
{
    if (n <= *cap)
        return 0;
    free(*p);
    *p = zero ? calloc(n, sizeof(double)) : malloc(n * sizeof(double));
    *cap = *p != NULL ? n : 0;
    return *p == NULL ? -1 : 1;
}

/* The calling thread's buffers, created empty on first use. */
static ad__work *work_of_thread(void)
{
    call_once(&key_once, key_init);
    if (!key_ok)
        return NULL;
    ad__work *w = tss_get(key);
    if (w == NULL) {
        w = calloc(1, sizeof *w);
        if (w == NULL || tss_set(key, w) != thrd_success) {
            free(w);
            return NULL;
        }
    }
    return w;
}

double *ad__work_tmp(size_t n)
{
    ad__work *w = work_of_thread();
    if (w == NULL || grow(&w->tmp, &w->tmp_cap, n, 0) < 0)
        return NULL;
    return w->tmp;
}

ad__work *ad__work_get(const ad_tape *t, size_t tan_q, size_t adj_q, size_t tmp)
{
    ad__work *w = work_of_thread();
    if (w == NULL)
        return NULL;
    size_t nv = t->nvar, ne = (nv >> AD__VK) + 1;
    if (tan_q != 0 && nv > SIZE_MAX / sizeof(double) / tan_q)
        return NULL;
    if (adj_q != 0 && nv > SIZE_MAX / sizeof(double) / adj_q)
        return NULL;
    int newval = grow(&w->val, &w->val_cap, ne << AD__VK, 0);
    if (newval < 0 || grow(&w->tan, &w->tan_cap, nv * tan_q, 0) < 0 ||
        grow(&w->adj, &w->adj_cap, nv * adj_q, 1) < 0 ||
        grow(&w->tmp, &w->tmp_cap, tmp, 0) < 0)
        return NULL;
    /* The table is rebuilt only when it or the values move: other threads
     * of ad_tape_jacobian may be reading it. */
    if (ne > w->vt_cap) {
        free(w->vt);
        w->vt = malloc(ne * sizeof *w->vt);
        w->vt_cap = w->vt != NULL ? ne : 0;
        if (w->vt == NULL)
            return NULL;
        newval = 1;
    }
    if (newval)
        for (size_t e = 0; e < w->vt_cap; e++)
            w->vt[e] = w->val + (e << AD__VK);
    return w;
}

ad__work *ad__work_slots(size_t nslot, size_t tan_q, size_t adj_q, size_t nsave)
{
    ad__work *w = work_of_thread();
    if (w == NULL)
        return NULL;
    if ((tan_q != 0 && nslot > SIZE_MAX / sizeof(double) / tan_q) ||
        (adj_q != 0 && nslot > SIZE_MAX / sizeof(double) / adj_q))
        return NULL;
    if (grow(&w->sval, &w->sval_cap, nslot, 0) < 0 ||
        grow(&w->stan, &w->stan_cap, nslot * tan_q, 0) < 0 ||
        grow(&w->sadj, &w->sadj_cap, nslot * adj_q, 1) < 0 ||
        grow(&w->ssave, &w->ssave_cap, nsave, 0) < 0)
        return NULL;
    return w;
}

ad__need *ad__work_need(int order)
{
    ad__work *w = work_of_thread();
    return w != NULL ? &w->need[order - 1] : NULL;
}

void ad__work_set_flip(long k)
{
    last_flip = k;
}

long ad_tape_last_flip(void)
{
    return last_flip;
}

void ad__work_set_adj_bytes(size_t bytes)
{
    last_adj_bytes = bytes;
}

size_t ad_tape_last_adjoint_bytes(void)
{
    return last_adj_bytes;
}

void ad_thread_release(void)
{
    ad__drivers_release(); /* the drivers' tape (modes/mixed/work.c) */
    call_once(&key_once, key_init);
    if (!key_ok)
        return;
    work_free(tss_get(key));
    tss_set(key, NULL);
}
