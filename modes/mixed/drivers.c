/* drivers.c -- first-order drivers on an ad_fn: ad_gradient, ad_jvp,
 * ad_vjp and ad_jacobian, each dispatching on its ad_mode to the forward
 * passes of forward.c or to a tape recorded at x (work.c) and its sweeps.
 *
 * The reverse modes record at x on every call and sweep the tape at the
 * recorded point (x NULL in tape.h), so no replay and no AD_ERETAPE.  The
 * value f(x) is read back from the tape (ad_tape_eval at the recorded point
 * only copies the outputs) to check it for NaN even when the caller did not
 * ask for it. */
#include <stdint.h>
#include <string.h>

#include "drivers_impl.h"
#include "tape_impl.h"

/* Rows of J per vector adjoint sweep of the forced-reverse Jacobian, as in
 * ad_tape_jacobian: enough to amortise reading the tape, few enough that
 * the adjoints stay in cache. */
#define ROWS ((size_t)8)

const char *ad_mode_name(ad_mode mode)
{
    switch (mode) {
    case AD_AUTO:
        return "auto";
    case AD_FORWARD:
        return "forward";
    case AD_REVERSE:
        return "reverse";
    case AD_FOR_REV:
        return "for_rev";
    case AD_HYPERDUAL:
        return "hyperdual";
    case AD_FD_REV:
        return "fd_rev";
    }
    return "unknown";
}

static int has_fwd(const ad_fn *f)
{
    return f->f_dualv != NULL || f->f_dual != NULL;
}

/* AUTO's first-order choice: `pref` when its entry point exists or neither
 * does (the driver then reports AD_EUNSUPPORTED for it), else the other. */
static ad_mode first_order(const ad_fn *f, ad_mode pref)
{
    if (pref == AD_REVERSE)
        return f->f_var != NULL || !has_fwd(f) ? AD_REVERSE : AD_FORWARD;
    return has_fwd(f) || f->f_var == NULL ? AD_FORWARD : AD_REVERSE;
}

/* The status of a driver that has written its results: AD_EDOM if one of
 * the values (m) or of the derivatives (k) is NaN. */
static int finish(int rc, const double *y, size_t m, const double *d, size_t k)
{
    if (rc != AD_OK)
        return rc;
    return ad__has_nan(y, m) || ad__has_nan(d, k) ? AD_EDOM : AD_OK;
}

/* m values for f(x): y itself, or the thread's TMP slot when y is NULL. */
static double *values_buf(double *y, size_t m)
{
    return y != NULL ? y : ad__dws_array(AD__S_TMP, m, sizeof(double));
}

int ad_gradient(const ad_fn *f, ad_mode mode, const double *x, double *y,
                double *g)
{
    if (f == NULL || x == NULL || g == NULL || f->n == 0 || f->m != 1)
        return AD_EINVAL;
    if (mode == AD_AUTO)
        mode = first_order(f, AD_REVERSE);
    if (mode == AD_FORWARD) {
        if (!has_fwd(f))
            return AD_EUNSUPPORTED;
        return ad__fwd_columns(f, x, NULL, y, g);
    }
    if (mode != AD_REVERSE)
        return AD_EINVAL;
    if (f->f_var == NULL)
        return AD_EUNSUPPORTED;
    ad_tape *t;
    double v;
    int rc = ad__record(f, x, &t);
    if (rc == AD_OK)
        rc = ad_tape_eval(t, NULL, &v);
    if (rc == AD_OK)
        rc = ad_tape_gradient(t, NULL, g);
    if (rc == AD_OK && y != NULL)
        *y = v;
    return finish(rc, &v, 1, g, f->n);
}

int ad_jvp(const ad_fn *f, ad_mode mode, const double *x, const double *v,
           double *y, double *jv)
{
    if (f == NULL || x == NULL || v == NULL || jv == NULL || f->n == 0 ||
        f->m == 0)
        return AD_EINVAL;
    size_t n = f->n, m = f->m;
    if (mode == AD_AUTO)
        mode = first_order(f, AD_FORWARD);
    if (mode == AD_REVERSE) {
        if (f->f_var == NULL)
            return AD_EUNSUPPORTED;
        ad_tape *t;
        int rc = ad__record(f, x, &t);
        double *yb = values_buf(y, m);
        if (rc == AD_OK && yb == NULL)
            rc = AD_ENOMEM;
        if (rc == AD_OK)
            rc = ad_tape_jvp(t, NULL, v, yb, jv);
        return finish(rc, yb, m, jv, m);
    }
    if (mode != AD_FORWARD)
        return AD_EINVAL;
    if (!has_fwd(f))
        return AD_EUNSUPPORTED;
    /* One pass carrying the direction v: in ad_dual's tangent, or in lane 0
     * of ad_dualv (the other lanes idle). */
    int nan = 0;
    if (f->f_dual != NULL) {
        ad_dual *xd = ad__dws_array(AD__S_IN, n, sizeof *xd);
        ad_dual *yd = ad__dws_array(AD__S_OUT, m, sizeof *yd);
        if (xd == NULL || yd == NULL)
            return AD_ENOMEM;
        for (size_t i = 0; i < n; i++)
            xd[i] = ad_dual_make(x[i], v[i]);
        f->f_dual(xd, yd, f->params);
        for (size_t i = 0; i < m; i++) {
            if (y != NULL)
                y[i] = yd[i].v;
            jv[i] = yd[i].d;
            nan |= isnan(yd[i].v) || isnan(yd[i].d);
        }
    } else {
        ad_dualv *xv = ad__dws_array(AD__S_IN, n, sizeof *xv);
        ad_dualv *yv = ad__dws_array(AD__S_OUT, m, sizeof *yv);
        if (xv == NULL || yv == NULL)
            return AD_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            xv[i] = ad_dualv_const(x[i]);
            xv[i].d[0] = v[i];
        }
        f->f_dualv(xv, yv, f->params);
        for (size_t i = 0; i < m; i++) {
            if (y != NULL)
                y[i] = yv[i].v;
            jv[i] = yv[i].d[0];
            nan |= isnan(yv[i].v) || isnan(yv[i].d[0]);
        }
    }
    return nan ? AD_EDOM : AD_OK;
}

int ad_vjp(const ad_fn *f, ad_mode mode, const double *x, const double *w,
           double *y, double *wj)
{
    if (f == NULL || x == NULL || w == NULL || wj == NULL || f->n == 0 ||
        f->m == 0)
        return AD_EINVAL;
    size_t n = f->n, m = f->m;
    if (mode == AD_AUTO)
        mode = first_order(f, AD_REVERSE);
    if (mode == AD_FORWARD) {
        if (!has_fwd(f))
            return AD_EUNSUPPORTED;
        return ad__fwd_columns(f, x, w, y, wj);
    }
    if (mode != AD_REVERSE)
        return AD_EINVAL;
    if (f->f_var == NULL)
        return AD_EUNSUPPORTED;
    ad_tape *t;
    int rc = ad__record(f, x, &t);
    double *yb = values_buf(y, m);
    if (rc == AD_OK && yb == NULL)
        rc = AD_ENOMEM;
    if (rc == AD_OK)
        rc = ad_tape_vjp(t, NULL, w, yb, wj);
    return finish(rc, yb, m, wj, n);
}

/* The Jacobian by vector adjoint sweeps of the recorded tape, ROWS rows per
 * sweep, the sweeps split over OpenMP threads (each seeds its rows in its
 * own TMP slot and writes only them). */
static int reverse_rows(ad_tape *t, size_t n, size_t m, double *J)
{
    /* ad_tape_jacobian does just this when n > m. */
    if (n > m)
        return ad_tape_jacobian(t, NULL, J);
    long nb = (long)((m + ROWS - 1) / ROWS);
    int rc = AD_OK;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)                                     \
    if (ad__par_worth((size_t)nb, ad__sweep_seconds(t, ROWS)))
#endif
    for (long b = 0; b < nb; b++) {
        size_t r0 = (size_t)b * ROWS;
        size_t k = m - r0 < ROWS ? m - r0 : ROWS;
        double *W = ad__dws_array(AD__S_TMP, k * m, sizeof *W);
        int r = AD_ENOMEM;
        if (W != NULL) {
            memset(W, 0, k * m * sizeof *W);
            for (size_t l = 0; l < k; l++)
                W[l * m + r0 + l] = 1.0;
            r = ad_tape_vjp_multi(t, NULL, k, W, NULL, J + r0 * n);
        }
        if (r != AD_OK) {
#ifdef _OPENMP
#pragma omp critical(ad_drivers_rows_rc)
#endif
            rc = r;
        }
    }
    return rc;
}

int ad_jacobian(const ad_fn *f, ad_mode mode, const double *x, double *y,
                double *J, ad_mode *used)
{
    if (used != NULL)
        *used = AD_AUTO;
    if (f == NULL || x == NULL || J == NULL || f->n == 0 || f->m == 0)
        return AD_EINVAL;
    size_t n = f->n, m = f->m;
    if (n > SIZE_MAX / sizeof(double) / m)
        return AD_ERANGE;
    if (mode == AD_AUTO)
        mode = first_order(f, n <= m ? AD_FORWARD : AD_REVERSE);
    if (mode != AD_FORWARD && mode != AD_REVERSE)
        return AD_EINVAL;
    if (mode == AD_FORWARD ? !has_fwd(f) : f->f_var == NULL)
        return AD_EUNSUPPORTED;
    if (used != NULL)
        *used = mode;
    if (mode == AD_FORWARD)
        return ad__fwd_columns(f, x, NULL, y, J);
    ad_tape *t;
    int rc = ad__record(f, x, &t);
    if (rc == AD_OK)
        rc = reverse_rows(t, n, m, J);
    /* The values last: the sweeps above used the TMP slot. */
    double *yb = values_buf(y, m);
    if (rc == AD_OK && yb == NULL)
        rc = AD_ENOMEM;
    if (rc == AD_OK)
        rc = ad_tape_eval(t, NULL, yb);
    return finish(rc, yb, m, J, m * n);
}
