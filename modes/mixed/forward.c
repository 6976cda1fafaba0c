/* forward.c -- the forward-mode passes of the drivers: the columns of a
 * Jacobian, AD_LANES per f_dualv pass, in batches split over OpenMP
 * threads; and the hyper-dual second directional derivative.
 *
 * Each batch seeds its own columns, runs one pass (or one f_dual pass per
 * column) on the thread's own buffers, and writes its own columns of J, or
 * its own entries of w^T J, which it sums over the outputs in order.  No
 * value crosses batches, so a result does not depend on how the batches
 * fall on threads: a run on any number of threads is bitwise the serial
 * one. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "drivers_impl.h"
#include "tape_impl.h"

/* Columns per batch: one f_dualv pass, or AD_LANES f_dual passes. */
#define BATCH ((size_t)AD_LANES)

/* Status of one batch. */
enum { B_OK = 0, B_NAN = 1, B_NOMEM = 2 };

/* Writes the batch's q columns, given their derivatives d(i, l) (output i,
 * column j0 + l), into J (w NULL) or into w^T J; returns B_NAN if a NaN
 * was written. */
#define STORE(d)                                                               \
    do {                                                                       \
        if (w == NULL) {                                                       \
            for (size_t i = 0; i < m; i++)                                     \
                for (size_t l = 0; l < q; l++) {                               \
                    double d_ = (d);                                           \
                    out[i * n + j0 + l] = d_;                                  \
                    st |= isnan(d_) ? B_NAN : B_OK;                            \
                }                                                              \
        } else {                                                               \
            for (size_t l = 0; l < q; l++) {                                   \
                double s_ = 0.0;                                               \
                for (size_t i = 0; i < m; i++)                                 \
                    s_ += w[i] * (d);                                          \
                out[j0 + l] = s_;                                              \
                st |= isnan(s_) ? B_NAN : B_OK;                                \
            }                                                                  \
        }                                                                      \
    } while (0)

/* Columns per cache line of J. */
#define LINE ((size_t)64 / sizeof(double))

/* Entries of J from which whole lines are streamed (4 MiB). */
#define STREAM_MIN ((size_t)1 << 19)

/* The batch's columns of a large J when each row's part is one whole cache
 * line: streaming stores send them to memory without reading the lines
 * first or keeping them in cache (J is written once, and is larger than
 * the cache).  Measured on the n = 2000 Jacobian of bench/mixed.c: 1 thread
 * 30 -> 25 ms, 2 threads 15.5 -> 12.5 ms.  Returns -1 where it does not
 * apply, else the batch's status. */
static int stream_lines(const ad_dualv *yv, size_t m, size_t n, size_t j0,
                        size_t q, double *out)
{
#if defined(__SSE2__)
    if (q != LINE || n % LINE != 0 || m * n < STREAM_MIN ||
        (uintptr_t)(out + j0) % 64 != 0)
        return -1;
    int st = B_OK;
    for (size_t i = 0; i < m; i++) {
        double *o = out + i * n + j0;
        const double *d = yv[i].d;
        for (size_t l = 0; l < LINE; l += 2) {
            _mm_stream_pd(o + l, _mm_loadu_pd(d + l));
            st |= isnan(d[l]) || isnan(d[l + 1]) ? B_NAN : B_OK;
        }
    }
    _mm_sfence(); /* ordered before the caller's next stores */
    return st;
#else
    (void)yv, (void)m, (void)n, (void)j0, (void)q, (void)out;
    return -1;
#endif
}

/* Columns j0 .. j0 + q - 1 by one f_dualv pass.  The first batch also
 * checks the values f(x) and writes them to y if y is not NULL. */
static int batch_dualv(const ad_fn *f, const double *x, const double *w,
                       size_t j0, size_t q, int first, double *y, double *out)
{
    size_t n = f->n, m = f->m;
    ad_dualv *xv = ad__dws_array(AD__S_IN, n, sizeof *xv);
    ad_dualv *yv = ad__dws_array(AD__S_OUT, m, sizeof *yv);
    if (xv == NULL || yv == NULL)
        return B_NOMEM;
    for (size_t i = 0; i < n; i++)
        xv[i] = ad_dualv_make(x[i], i >= j0 && i < j0 + q ? (int)(i - j0) : -1);
    f->f_dualv(xv, yv, f->params);
    int st = B_OK;
    if (first)
        for (size_t i = 0; i < m; i++) {
            if (y != NULL)
                y[i] = yv[i].v;
            st |= isnan(yv[i].v) ? B_NAN : B_OK;
        }
    int sl = w == NULL ? stream_lines(yv, m, n, j0, q, out) : -1;
    if (sl >= 0)
        return st | sl;
    STORE(yv[i].d[l]);
    return st;
}

/* The same by q passes of f_dual; the derivatives go through TMP (m x q)
 * so that STORE sees them as one batch. */
static int batch_dual(const ad_fn *f, const double *x, const double *w,
                      size_t j0, size_t q, int first, double *y, double *out)
{
    size_t n = f->n, m = f->m;
    ad_dual *xd = ad__dws_array(AD__S_IN, n, sizeof *xd);
    ad_dual *yd = ad__dws_array(AD__S_OUT, m, sizeof *yd);
    double *D = ad__dws_array(AD__S_TMP, m * q, sizeof *D);
    if (xd == NULL || yd == NULL || D == NULL)
        return B_NOMEM;
    for (size_t i = 0; i < n; i++)
        xd[i] = ad_dual_make(x[i], 0.0);
    int st = B_OK;
    for (size_t l = 0; l < q; l++) {
        xd[j0 + l].d = 1.0;
        f->f_dual(xd, yd, f->params);
        xd[j0 + l].d = 0.0;
        for (size_t i = 0; i < m; i++)
            D[i * q + l] = yd[i].d;
        if (first && l == 0)
            for (size_t i = 0; i < m; i++) {
                if (y != NULL)
                    y[i] = yd[i].v;
                st |= isnan(yd[i].v) ? B_NAN : B_OK;
            }
    }
    STORE(D[i * q + l]);
    return st;
}

/* The columns of the first batch.  When every row of J starts at the same
 * place in a cache line (n a multiple of LINE), the first batch ends where
 * a line begins: the later batches then start on line boundaries, and no
 * line of J is written in part by one batch and in part by another (two
 * threads would pass it to and fro; measured on the n = 2000 Jacobian of
 * bench/mixed.c: speed-up on 2 threads 1.7 with rows split, 2.0 without). */
static size_t head_columns(size_t n, const double *w, const double *out)
{
    uintptr_t a = (uintptr_t)out;
    if (w != NULL || n % LINE != 0 || a % sizeof(double) != 0)
        return BATCH;
    size_t off = (size_t)(a / sizeof(double)) % LINE;
    size_t head = (LINE - off) % BATCH;
    return head == 0 ? BATCH : head;
}

int ad__fwd_columns(const ad_fn *f, const double *x, const double *w, double *y,
                    double *out)
{
    size_t n = f->n;
    if (n == 0)
        return AD_OK;
    size_t head = head_columns(n, w, out);
    if (head > n)
        head = n;
    /* Batch b >= 1 starts at column head + (b - 1) BATCH. */
    long nb = 1 + (long)((n - head + BATCH - 1) / BATCH);
    /* The first batch runs here, timed: the others go to threads only if
     * they hold enough work for it (par.c). */
    double t0 = ad__seconds();
    int st = f->f_dualv != NULL ? batch_dualv(f, x, w, 0, head, 1, y, out)
                                : batch_dual(f, x, w, 0, head, 1, y, out);
    double each = ad__seconds() - t0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)                                     \
    reduction(|                                                                \
              : st) if (ad__par_worth((size_t)nb - 1, each))
#endif
    for (long b = 1; b < nb; b++) {
        size_t j0 = head + (size_t)(b - 1) * BATCH;
        size_t q = n - j0 < BATCH ? n - j0 : BATCH;
        st |= f->f_dualv != NULL ? batch_dualv(f, x, w, j0, q, 0, y, out)
                                 : batch_dual(f, x, w, j0, q, 0, y, out);
    }
    if (st & B_NOMEM)
        return AD_ENOMEM;
    return st & B_NAN ? AD_EDOM : AD_OK;
}

int ad__fvv(const ad_fn *f, const double *x, const double *v, double *y,
            double *fvv)
{
    if (f == NULL || x == NULL || v == NULL || fvv == NULL || f->n == 0 ||
        f->m == 0)
        return AD_EINVAL;
    if (f->f_hdual == NULL)
        return AD_EUNSUPPORTED;
    size_t n = f->n, m = f->m;
    ad_hdual *xh = ad__dws_array(AD__S_IN, n, sizeof *xh);
    ad_hdual *yh = ad__dws_array(AD__S_OUT, m, sizeof *yh);
    if (xh == NULL || yh == NULL)
        return AD_ENOMEM;
    /* Seeding both infinitesimal parts with v makes the e1e2 part of each
     * output v^T H_i v (hdual.h). */
    for (size_t i = 0; i < n; i++)
        xh[i] = ad_hdual_make(x[i], v[i], v[i], 0.0);
    f->f_hdual(xh, yh, f->params);
    int nan = 0;
    for (size_t i = 0; i < m; i++) {
        if (y != NULL)
            y[i] = yh[i].v;
        fvv[i] = yh[i].d12;
        nan |= isnan(yh[i].v) || isnan(yh[i].d12);
    }
    return nan ? AD_EDOM : AD_OK;
}
