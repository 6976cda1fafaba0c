/* jacobian.c -- the full Jacobian from a tape: vector forward sweeps (AD__JB
 * columns each) when n <= m, else vector reverse sweeps (AD__JB rows each),
 * the sweeps of one call split over OpenMP threads.
 *
 * The values are replayed once, by the calling thread; the threads then
 * read them (and the tape) and write disjoint columns or rows of J, each
 * with its own tangent or adjoint buffers, so the result is the same as a
 * serial run bit for bit. */
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "tape_impl.h"

/* Directions per sweep: enough to amortise reading the tape, few enough
 * that the tangents or adjoints (AD__JB per variable) stay cache-friendly. */
#define AD__JB 8

/* One batch: directions d0 .. d0 + q - 1 (columns if fwd, else rows). */
static int batch(ad_tape *t, double **vt, double *vf, int fwd, size_t d0,
                 size_t q, double *J)
{
    ad__work *w = ad__work_get(t, fwd ? q : 0, fwd ? 0 : q, t->tmp_need);
    if (w == NULL)
        return AD_ENOMEM;
    ad__sweep s;
    memset(&s, 0, sizeof s);
    s.t = t;
    s.vt = vt;
    s.vf = vf;
    s.tan = w->tan;
    s.adj = w->adj;
    s.tmp = w->tmp;
    s.q = q;
    s.unit0 = d0;
    s.flip = -1;
    size_t n = t->n, m = t->m;
    if (fwd) {
        ad__forward(&s, 0);
        for (size_t j = 0; j < m; j++)
            for (size_t l = 0; l < q; l++)
                J[j * n + d0 + l] =
                    t->dep[j] ? w->tan[(size_t)t->dep[j] * q + l] : 0.0;
    } else {
        for (size_t l = 0; l < q; l++)
            if (t->dep[d0 + l] != 0)
                w->adj[(size_t)t->dep[d0 + l] * q + l] += 1.0;
        s.G = J + d0 * n;
        ad__reverse(&s);
    }
    return s.err;
}

int ad_tape_jacobian(ad_tape *t, const double *x, double *J)
{
    if (t == NULL || !t->done || (J == NULL && t->n > 0 && t->m > 0))
        return AD_EINVAL;
    size_t n = t->n, m = t->m;
    double **vt, *vf;
    int rc = ad__values(t, x, &vt, &vf);
    if (rc != AD_OK)
        return rc;
    if (n == 0 || m == 0)
        return AD_OK;
    int fwd = n <= m;
    size_t dirs = fwd ? n : m;
    long nb = (long)((dirs + AD__JB - 1) / AD__JB);
#pragma omp parallel for schedule(dynamic)                                     \
    if (ad__par_worth((size_t)nb, ad__sweep_seconds(t, AD__JB)))
    for (long b = 0; b < nb; b++) {
        size_t d0 = (size_t)b * AD__JB;
        size_t q = dirs - d0 < AD__JB ? dirs - d0 : AD__JB;
        int r = batch(t, vt, vf, fwd, d0, q, J);
        if (r != AD_OK) {
#pragma omp critical(ad_jacobian_rc)
            rc = r;
        }
    }
    return rc;
}
