/* taylor.c -- ad_taylor_test and ad_fd_sweep (admix/verify.h): the
 * convergence-rate check of a gradient (and Hessian) in the convention of
 * pyadjoint's taylor_test, and the error of finite differences as a
 * function of the step against the MPFR reference (the V-shaped curve). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verify_impl.h"

/* The first epsilon of the Taylor test (pyadjoint's 0.01). */
#define TAYLOR_EPS0 0.01
/* Residuals at most this many eps |f| are rounding noise: their rates are
 * not counted. */
#define TAYLOR_FLOOR 64.0
/* The rates a correct derivative shows, less a margin (pyadjoint's tests
 * use 1.9 and 2.9). */
#define RATE1_MIN 1.9
#define RATE2_MIN 2.9

/* The default direction: fixed, with no zero or repeated entries, scaled
 * like x. */
static double default_dir(const double *x, size_t i)
{
    return (0.35 + 0.6 * fabs(sin(1.3 * (double)i + 0.7))) *
           (i % 2 ? -1.0 : 1.0) * ad__scale(x[i]);
}

/* The rates log2(r_i / r_{i+1}) where both residuals are above the floor
 * (else NaN), and their minimum over the counted ones (NaN if none). */
static double rates(const double *r, const double *floor, double *rate)
{
    double lo = NAN;
    for (int i = 0; i + 1 < AD_TAYLOR_NEPS; i++) {
        if (r[i] > floor[i] && r[i + 1] > floor[i + 1]) {
            rate[i] = log2(r[i] / r[i + 1]);
            lo = isnan(lo) ? rate[i] : fmin(lo, rate[i]);
        } else
            rate[i] = NAN;
    }
    return lo;
}

int ad_taylor_test(const ad_fn *f, const double *x, const double *dir,
                   const double *g, const double *hv, ad_taylor_result *res)
{
    int rc = ad__verify_args(f, x, 0);
    if (rc != AD_OK)
        return rc;
    if (res == NULL || f->m != 1)
        return AD_EINVAL;
    if (f->f_double == NULL)
        return AD_EUNSUPPORTED;
    size_t n = f->n;
    memset(res, 0, sizeof *res);
    double *w = malloc(4 * n * sizeof *w);
    if (w == NULL)
        return AD_ENOMEM;
    double *d = w, *gg = w + n, *hh = w + 2 * n, *xe = w + 3 * n;
    memset(hh, 0, n * sizeof *hh);
    for (size_t i = 0; i < n; i++) {
        d[i] = dir != NULL ? dir[i] : default_dir(x, i);
        if (!isfinite(d[i]))
            rc = AD_EINVAL;
    }
    /* The derivatives under test: the caller's, or admix's. */
    if (rc == AD_OK && g != NULL)
        memcpy(gg, g, n * sizeof *gg);
    else if (rc == AD_OK) {
        rc = ad_gradient(f, AD_AUTO, x, NULL, gg);
        rc = rc == AD_EDOM ? AD_OK : rc;
    }
    res->second = 0;
    if (rc == AD_OK && hv != NULL) {
        memcpy(hh, hv, n * sizeof *hh);
        res->second = 1;
    } else if (rc == AD_OK && (f->f_var != NULL || f->f_hdual != NULL)) {
        int r2 = ad_hvp(f, AD_AUTO, x, d, hh);
        res->second = r2 == AD_OK || r2 == AD_EDOM;
        if (r2 == AD_ENOMEM)
            rc = r2;
    }
    if (rc != AD_OK) {
        free(w);
        return rc;
    }
    double f0, fe, dg = 0.0, dhd = 0.0;
    for (size_t i = 0; i < n; i++) {
        dg += gg[i] * d[i];
        dhd += hh[i] * d[i];
    }
    f->f_double(x, &f0, f->params);
    double floor[AD_TAYLOR_NEPS];
    for (int k = 0; k < AD_TAYLOR_NEPS; k++) {
        double e = ldexp(TAYLOR_EPS0, -k);
        for (size_t i = 0; i < n; i++)
            xe[i] = x[i] + e * d[i];
        f->f_double(xe, &fe, f->params);
        res->eps[k] = e;
        res->res0[k] = fabs(fe - f0);
        res->res1[k] = fabs(fe - f0 - e * dg);
        res->res2[k] =
            res->second ? fabs(fe - f0 - e * dg - 0.5 * e * e * dhd) : NAN;
        floor[k] = TAYLOR_FLOOR * DBL_EPSILON * fmax(fabs(f0), fabs(fe));
    }
    free(w);
    res->min_rate0 = rates(res->res0, floor, res->rate0);
    res->min_rate1 = rates(res->res1, floor, res->rate1);
    res->min_rate2 = res->second ? rates(res->res2, floor, res->rate2) : NAN;
    /* A rate that could not be measured (every residual at the floor: the
     * expansion is exact to rounding) is no evidence against the
     * derivative. */
    int ok1 = isnan(res->min_rate1) || res->min_rate1 >= RATE1_MIN;
    int ok2 =
        !res->second || isnan(res->min_rate2) || res->min_rate2 >= RATE2_MIN;
    res->pass = ok1 && ok2;
    return isnan(f0) || isnan(dg) || (res->second && isnan(dhd)) ? AD_EDOM
                                                                 : AD_OK;
}

/* ---- the step sweep ------------------------------------------------------ */

/* Forward, central and 5-point differences of column j at step t s_j,
 * divided by the steps actually taken ((x + h) - x is exact). */
static void sweep_col(const ad_fn *f, const double *x, double *xs, double *y,
                      const double *y0, size_t j, double t, double *Jf,
                      double *Jc, double *J5)
{
    size_t n = f->n, m = f->m;
    double *p1 = y, *m1 = y + m, *p2 = y + 2 * m, *m2 = y + 3 * m;
    double h = t * ad__scale(x[j]);
    double xp = x[j] + h, xm = x[j] - h, xp2 = x[j] + 2.0 * h,
           xm2 = x[j] - 2.0 * h;
    double hp = xp - x[j], hm = x[j] - xm;
    xs[j] = xp;
    f->f_double(xs, p1, f->params);
    xs[j] = xm;
    f->f_double(xs, m1, f->params);
    xs[j] = xp2;
    f->f_double(xs, p2, f->params);
    xs[j] = xm2;
    f->f_double(xs, m2, f->params);
    xs[j] = x[j];
    /* The 5-point stencil needs symmetric steps in the ratio 1:2; it
     * divides by the nominal ones (the error the curve shows then includes
     * that of inexact steps, which is part of what happens in practice). */
    for (size_t i = 0; i < m; i++) {
        Jf[i * n + j] = (p1[i] - y0[i]) / hp;
        Jc[i * n + j] = (p1[i] - m1[i]) / (hp + hm);
        J5[i * n + j] = (8.0 * (p1[i] - m1[i]) - (p2[i] - m2[i])) / (12.0 * h);
    }
}

int ad_fd_sweep(const ad_fn *f, const double *x, long prec,
                ad_fd_sweep_result *res)
{
    int rc = ad__verify_args(f, x, prec);
    if (rc != AD_OK)
        return rc;
    if (res == NULL)
        return AD_EINVAL;
    if (f->f_double == NULL || f->f_var == NULL)
        return AD_EUNSUPPORTED;
    size_t n = f->n, m = f->m, len = n * m;
    memset(res, 0, sizeof *res);
    double *w = malloc((4 * len + n + 5 * m) * sizeof *w);
    if (w == NULL)
        return AD_ENOMEM;
    double *R = w, *Jf = R + len, *Jc = Jf + len, *J5 = Jc + len;
    double *xs = J5 + len, *y0 = xs + n, *y = y0 + m;
    rc = ad_mpfr_jacobian(f, x, prec, NULL, R);
    if (rc != AD_OK) {
        free(w);
        return rc;
    }
    double big = 0.0;
    for (size_t k = 0; k < len; k++)
        big = fmax(big, fabs(R[k]));
    memcpy(xs, x, n * sizeof *xs);
    f->f_double(x, y0, f->params);
    res->best_forward = res->best_central = res->best_5point = INFINITY;
    for (int s = 0; s < AD_FD_SWEEP_N; s++) {
        double t = pow(10.0, -(double)(s + 1));
        for (size_t j = 0; j < n; j++)
            sweep_col(f, x, xs, y, y0, j, t, Jf, Jc, J5);
        double ef = 0.0, ec = 0.0, e5 = 0.0;
        for (size_t k = 0; k < len; k++) {
            /* fmax drops a NaN; a NaN difference is an infinite error. */
            double a = fabs(Jf[k] - R[k]), b = fabs(Jc[k] - R[k]),
                   c = fabs(J5[k] - R[k]);
            ef = isnan(a) ? INFINITY : fmax(ef, a);
            ec = isnan(b) ? INFINITY : fmax(ec, b);
            e5 = isnan(c) ? INFINITY : fmax(e5, c);
        }
        double sc = big > 0.0 ? big : 1.0;
        res->h[s] = t;
        res->err_forward[s] = ef / sc;
        res->err_central[s] = ec / sc;
        res->err_5point[s] = e5 / sc;
        if (res->err_forward[s] < res->best_forward) {
            res->best_forward = res->err_forward[s];
            res->best_h_forward = t;
        }
        if (res->err_central[s] < res->best_central) {
            res->best_central = res->err_central[s];
            res->best_h_central = t;
        }
        if (res->err_5point[s] < res->best_5point) {
            res->best_5point = res->err_5point[s];
            res->best_h_5point = t;
        }
    }
    free(w);
    return AD_OK;
}

int ad_fd_sweep_print(FILE *out, const ad_fd_sweep_result *res)
{
    if (out == NULL || res == NULL)
        return AD_EINVAL;
    int bad =
        fprintf(out, "# h (times max(1, |x_j|))  forward  central  "
                     "5-point  (max |J_fd - J_mpfr| / max |J_mpfr|)\n") < 0;
    for (int s = 0; s < AD_FD_SWEEP_N; s++)
        bad |= fprintf(out, "%.1e %.3e %.3e %.3e\n", res->h[s],
                       res->err_forward[s], res->err_central[s],
                       res->err_5point[s]) < 0;
    bad |=
        fprintf(out,
                "# best: forward %.3e at h = %.0e, central %.3e at %.0e, "
                "5-point %.3e at %.0e\n",
                res->best_forward, res->best_h_forward, res->best_central,
                res->best_h_central, res->best_5point, res->best_h_5point) < 0;
    bad |= fflush(out) != 0 || ferror(out);
    return bad ? AD_EIO : AD_OK;
}
