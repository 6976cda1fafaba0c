/* work.c -- each thread's workspace for the drivers: one tape, reused by
 * every recording the thread makes for them, and a few buffers.
 *
 * A driver in a reverse mode records f_var at every call.  A fresh tape per
 * call would allocate its blocks anew and touch fresh pages each time
 * (about 14 us a page on these machines: more than recording a small
 * function), and so would fresh buffers for the passes; a tape reused by
 * ad_tape_begin keeps its blocks.  The workspace is found through a C11
 * thread-specific key whose destructor frees it when the thread ends (as
 * modes/reverse/work.c does for the sweeps' buffers);
 * ad__drivers_release frees the calling thread's sooner. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "drivers_impl.h"

typedef struct dws {
    ad_tape *tape;
    void *buf[AD__S_COUNT];
    size_t cap[AD__S_COUNT];
} dws;

static tss_t key;
static once_flag key_once = ONCE_FLAG_INIT;
static int key_ok;

static void dws_free(void *p)
{
    dws *w = p;
    if (w == NULL)
        return;
    ad_tape_free(w->tape);
    for (int s = 0; s < AD__S_COUNT; s++)
        free(w->buf[s]);
    free(w);
}

static void key_init(void)
{
    key_ok = tss_create(&key, dws_free) == thrd_success;
}

/* The calling thread's workspace, created empty on first use. */
static dws *dws_get(void)
{
    call_once(&key_once, key_init);
    if (!key_ok)
        return NULL;
    dws *w = tss_get(key);
    if (w == NULL) {
        w = calloc(1, sizeof *w);
        if (w == NULL || tss_set(key, w) != thrd_success) {
            free(w);
            return NULL;
        }
    }
    return w;
}

void *ad__dws_buf(int slot, size_t bytes)
{
    dws *w = dws_get();
    if (w == NULL || slot < 0 || slot >= AD__S_COUNT)
        return NULL;
    if (bytes == 0)
        bytes = 1;
    if (bytes > w->cap[slot]) {
        /* Free, then allocate: the old contents are never needed, so a
         * realloc's copy would be wasted. */
        free(w->buf[slot]);
        w->buf[slot] = malloc(bytes);
        w->cap[slot] = w->buf[slot] != NULL ? bytes : 0;
    }
    return w->buf[slot];
}

void *ad__dws_array(int slot, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return ad__dws_buf(slot, count * size);
}

int ad__record_on(ad_tape *tape, const ad_fn *f, const double *x)
{
    ad_var *xv = ad__dws_array(AD__S_IN, f->n, sizeof *xv);
    ad_var *yv = ad__dws_array(AD__S_OUT, f->m, sizeof *yv);
    if (xv == NULL || yv == NULL)
        return AD_ENOMEM;
    /* Outputs the function forgets to set are constant zeros, not stack
     * garbage that the tape would reject as a foreign variable. */
    memset(yv, 0, f->m * sizeof *yv);
    int rc = ad_tape_begin(tape);
    if (rc != AD_OK)
        return rc;
    rc = ad_independent_array(f->n, x, xv);
    if (rc == AD_OK) {
        f->f_var(xv, yv, f->params);
        rc = ad_dependent_array(f->m, yv);
    }
    /* The recording must be closed whatever happened; its status is the
     * first error, sticky since ad_tape_begin. */
    int rc_end = ad_tape_end(tape);
    return rc != AD_OK ? rc : rc_end;
}

int ad__record(const ad_fn *f, const double *x, ad_tape **tape)
{
    dws *w = dws_get();
    if (w == NULL)
        return AD_ENOMEM;
    if (w->tape == NULL) {
        w->tape = ad_tape_new();
        if (w->tape == NULL)
            return AD_ENOMEM;
    }
    *tape = w->tape;
    return ad__record_on(w->tape, f, x);
}

void ad__drivers_release(void)
{
    call_once(&key_once, key_init);
    if (!key_ok)
        return;
    dws_free(tss_get(key));
    tss_set(key, NULL);
}

int ad__has_nan(const double *v, size_t n)
{
    int nan = 0;
    for (size_t i = 0; i < n; i++)
        nan |= isnan(v[i]) != 0;
    return nan;
}
