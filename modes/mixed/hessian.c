/* hessian.c -- second-order drivers on an ad_fn, three ways: ad_hvp and
 * ad_hessian by forward-over-reverse on a tape (modes/reverse/hessian.c),
 * by hyper-dual forward-over-forward passes, and by central differences of
 * reverse gradients.
 *
 * Hyper-dual numbers (Fike & Alonso, AIAA 2011-886) give exact second
 * derivatives: seeding d1 = a and d2 = b makes the e1e2 part of the output
 * a^T H b.  ad_hessian takes H_ij from d1 = e_i, d2 = e_j for j >= i
 * (n(n+1)/2 passes, H exactly symmetric), ad_hvp (H v)_i from d1 = e_i,
 * d2 = v (n passes).
 *
 * Central differences (Nocedal & Wright, Numerical Optimization, 2nd ed.,
 * sec. 8.1): H e_i ~ (g(x + h e_i) - g(x - h e_i)) / 2h has truncation
 * error O(h^2 |f''''|) and rounding error O(eps |g| / h), balanced by
 * h ~ cbrt(eps) times the scale of x.  The step actually taken is
 * (x_i + h) - (x_i - h), exact in floating point, and is what we divide by.
 * The gradients replay one tape recorded at x, in parallel (a finished tape
 * may be swept by many threads); a replay that takes another branch
 * (AD_ERETAPE) is done again on a fresh recording at that point.
 *
 * The OpenMP loops give each row to one thread with its own buffers, and
 * every entry is computed by the same operations whatever the thread
 * count: the results are bitwise those of a serial run. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "drivers_impl.h"
#include "tape_impl.h"

/* AUTO: forward-over-reverse, or hyper-dual when there is no f_var. */
static ad_mode second_order(const ad_fn *f, ad_mode mode)
{
    if (mode != AD_AUTO)
        return mode;
    return f->f_var != NULL || f->f_hdual == NULL ? AD_FOR_REV : AD_HYPERDUAL;
}

/* AD_EINVAL for a mode that is not second order, AD_EUNSUPPORTED when its
 * entry point is missing, else AD_OK. */
static int check_mode(const ad_fn *f, ad_mode mode)
{
    switch (mode) {
    case AD_FOR_REV:
    case AD_FD_REV:
        return f->f_var != NULL ? AD_OK : AD_EUNSUPPORTED;
    case AD_HYPERDUAL:
        return f->f_hdual != NULL ? AD_OK : AD_EUNSUPPORTED;
    default:
        return AD_EINVAL;
    }
}

/* The gradient g at p from the tape t recorded elsewhere: a replay, or a
 * fresh recording when the replay would take another branch. */
static int grad_at(ad_tape *t, const ad_fn *f, const double *p, double *g)
{
    int rc = ad_tape_gradient(t, p, g);
    if (rc != AD_ERETAPE)
        return rc;
    ad_tape *t2 = ad_tape_new();
    if (t2 == NULL)
        return AD_ENOMEM;
    rc = ad__record_on(t2, f, p);
    if (rc == AD_OK)
        rc = ad_tape_gradient(t2, NULL, g);
    ad_tape_free(t2);
    return rc;
}

/* Records f at x and reads the value back. */
static int record_value(const ad_fn *f, const double *x, ad_tape **t, double *y)
{
    int rc = ad__record(f, x, t);
    return rc != AD_OK ? rc : ad_tape_eval(*t, NULL, y);
}

static int status(int rc, double y, const double *d, size_t k)
{
    if (rc != AD_OK)
        return rc;
    return isnan(y) || ad__has_nan(d, k) ? AD_EDOM : AD_OK;
}

/* Keeps the first error of the threads. */
#ifdef _OPENMP
#define SET_ERR(rc, r)                                                         \
    do {                                                                       \
        _Pragma("omp critical(ad_mixed_hessian_rc)") rc = (r);                 \
    } while (0)
#else
#define SET_ERR(rc, r) ((rc) = (r))
#endif

/* ---- Hessian-vector products --------------------------------------------- */

static int hvp_hdual(const ad_fn *f, const double *x, const double *v,
                     double *hv, double *y)
{
    size_t n = f->n;
    int rc = AD_OK;
#ifdef _OPENMP
#pragma omp parallel if (n > 1)
#endif
    {
        ad_hdual *xh = ad__dws_array(AD__S_IN, n, sizeof *xh);
        ad_hdual *yh = ad__dws_array(AD__S_OUT, 1, sizeof *yh);
        if (xh == NULL || yh == NULL)
            SET_ERR(rc, AD_ENOMEM);
        else
            for (size_t k = 0; k < n; k++)
                xh[k] = ad_hdual_make(x[k], 0.0, v[k], 0.0);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 4)
#endif
        for (long i = 0; i < (long)n; i++) {
            if (xh == NULL || yh == NULL)
                continue;
            xh[i].d1 = 1.0;
            f->f_hdual(xh, yh, f->params);
            xh[i].d1 = 0.0;
            hv[i] = yh->d12;
            if (i == 0)
                *y = yh->v;
        }
    }
    return rc;
}

static int hvp_fd(const ad_fn *f, const double *x, const double *v, double *hv,
                  double *y)
{
    size_t n = f->n;
    ad_tape *t;
    int rc = record_value(f, x, &t, y);
    if (rc != AD_OK)
        return rc;
    double xs = 1.0, vs = 0.0;
    for (size_t i = 0; i < n; i++) {
        xs = fmax(xs, fabs(x[i]));
        vs = fmax(vs, fabs(v[i]));
    }
    if (vs == 0.0) { /* H 0 */
        memset(hv, 0, n * sizeof *hv);
        return AD_OK;
    }
    double h = cbrt(DBL_EPSILON) * xs / vs;
    double *p = ad__dws_array(AD__S_TMP, 2 * n, sizeof *p), *gm = p + n;
    if (p == NULL)
        return AD_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p[i] = x[i] - h * v[i];
    rc = grad_at(t, f, p, gm);
    for (size_t i = 0; i < n && rc == AD_OK; i++)
        p[i] = x[i] + h * v[i];
    if (rc == AD_OK)
        rc = grad_at(t, f, p, hv);
    for (size_t i = 0; i < n && rc == AD_OK; i++)
        hv[i] = (hv[i] - gm[i]) / (2.0 * h);
    return rc;
}

int ad_hvp(const ad_fn *f, ad_mode mode, const double *x, const double *v,
           double *hv)
{
    if (f == NULL || x == NULL || v == NULL || hv == NULL || f->n == 0 ||
        f->m != 1)
        return AD_EINVAL;
    mode = second_order(f, mode);
    int rc = check_mode(f, mode);
    if (rc != AD_OK)
        return rc;
    double y = 0.0;
    switch (mode) {
    case AD_FOR_REV: {
        ad_tape *t;
        rc = record_value(f, x, &t, &y);
        if (rc == AD_OK)
            rc = ad_tape_hvp(t, NULL, v, hv);
        break;
    }
    case AD_HYPERDUAL:
        rc = hvp_hdual(f, x, v, hv, &y);
        break;
    default:
        rc = hvp_fd(f, x, v, hv, &y);
        break;
    }
    return status(rc, y, hv, f->n);
}

/* ---- Hessians ------------------------------------------------------------ */

static int hessian_hdual(const ad_fn *f, const double *x, double *H, double *y)
{
    size_t n = f->n;
    int rc = AD_OK;
#ifdef _OPENMP
#pragma omp parallel if (n > 1)
#endif
    {
        ad_hdual *xh = ad__dws_array(AD__S_IN, n, sizeof *xh);
        ad_hdual *yh = ad__dws_array(AD__S_OUT, 1, sizeof *yh);
        if (xh == NULL || yh == NULL)
            SET_ERR(rc, AD_ENOMEM);
        else
            for (size_t k = 0; k < n; k++)
                xh[k] = ad_hdual_make(x[k], 0.0, 0.0, 0.0);
                /* Row i costs n - i passes: rows are handed out one at a time.
                 */
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long il = 0; il < (long)n; il++) {
            if (xh == NULL || yh == NULL)
                continue;
            size_t i = (size_t)il;
            xh[i].d1 = 1.0;
            for (size_t j = i; j < n; j++) {
                xh[j].d2 = 1.0;
                f->f_hdual(xh, yh, f->params);
                xh[j].d2 = 0.0;
                H[i * n + j] = H[j * n + i] = yh->d12;
            }
            xh[i].d1 = 0.0;
            if (i == 0)
                *y = yh->v;
        }
    }
    return rc;
}

static int hessian_fd(const ad_fn *f, const double *x, double *H, double *y)
{
    size_t n = f->n;
    ad_tape *t;
    int rc = record_value(f, x, &t, y);
    if (rc != AD_OK)
        return rc;
#ifdef _OPENMP
#pragma omp parallel if (ad__par_worth(n, 4 * ad__sweep_seconds(t, 1)))
#endif
    {
        double *p = ad__dws_array(AD__S_TMP, 2 * n, sizeof *p), *gm = NULL;
        if (p == NULL)
            SET_ERR(rc, AD_ENOMEM);
        else {
            memcpy(p, x, n * sizeof *p);
            gm = p + n;
        }
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long il = 0; il < (long)n; il++) {
            if (p == NULL)
                continue;
            size_t i = (size_t)il;
            double h = cbrt(DBL_EPSILON) * fmax(1.0, fabs(x[i]));
            double xp = x[i] + h, xm = x[i] - h;
            double *row = H + i * n; /* H e_i, stored as row i */
            p[i] = xm;
            int r = grad_at(t, f, p, gm);
            p[i] = xp;
            if (r == AD_OK)
                r = grad_at(t, f, p, row);
            p[i] = x[i];
            if (r != AD_OK) {
                SET_ERR(rc, r);
                continue;
            }
            for (size_t k = 0; k < n; k++)
                row[k] = (row[k] - gm[k]) / (xp - xm);
        }
    }
    if (rc != AD_OK)
        return rc;
    /* The columns are symmetric only to the differences' error; their mean
     * is as accurate and makes H symmetric, as a Hessian is. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++)
            H[i * n + k] = H[k * n + i] = 0.5 * (H[i * n + k] + H[k * n + i]);
    return AD_OK;
}

int ad_hessian(const ad_fn *f, ad_mode mode, const double *x, double *H,
               ad_mode *used)
{
    if (used != NULL)
        *used = AD_AUTO;
    if (f == NULL || x == NULL || H == NULL || f->n == 0 || f->m != 1)
        return AD_EINVAL;
    size_t n = f->n;
    if (n > SIZE_MAX / sizeof(double) / n)
        return AD_ERANGE;
    mode = second_order(f, mode);
    int rc = check_mode(f, mode);
    if (rc != AD_OK)
        return rc;
    if (used != NULL)
        *used = mode;
    double y = 0.0;
    switch (mode) {
    case AD_FOR_REV: {
        ad_tape *t;
        rc = record_value(f, x, &t, &y);
        if (rc == AD_OK)
            rc = ad_tape_hessian(t, NULL, H);
        break;
    }
    case AD_HYPERDUAL:
        rc = hessian_hdual(f, x, H, &y);
        break;
    default:
        rc = hessian_fd(f, x, H, &y);
        break;
    }
    return status(rc, y, H, n * n);
}
