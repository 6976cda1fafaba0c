/* fd.c -- finite differences of an ad_fn (admix/verify.h): forward,
 * central and 5-point stencils, Richardson extrapolation (Ridders' method),
 * GSL's gsl_deriv_forward and gsl_deriv_central, for Jacobians and
 * Hessians; the MPFR kind is in fd_mpfr.c.
 *
 * Steps.  For a stencil with truncation error C h^p and rounding error
 * eps |f| / h, the total is smallest at h ~ eps^(1/(p+1)) (times the scale
 * of x_j, here s_j = max(1, |x_j|)): sqrt(eps) for forward differences
 * (p = 1), eps^(1/3) central (p = 2), eps^(1/5) 5-point (p = 4), and
 * eps^(1/4) for the central second difference (p = 2, rounding eps / h^2).
 * Every step is rounded to a power of two: x_j + h is then exact (h is far
 * above ulp(x_j)), so the step in the formula is the step taken.
 *
 * Each column (a Hessian's column: the pairs i >= j) is one unit of work,
 * computed by the same operations on whichever OpenMP thread gets it, on a
 * copy of x of that thread's own: results bitwise equal to a serial run. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_deriv.h>
#include <gsl/gsl_math.h>

#include "verify_impl.h"

/* Levels of the Richardson table: central differences at h_k = S 2^(-3-k),
 * k = 0..RK-1, S = s_j rounded to a power of two: from S/8 down to
 * S/16384, where the rounding error (eps / h ~ 4e-12) is still below what
 * the extrapolation needs. */
#define RK 12

/* Scratch vectors of m doubles a column needs, at most (Richardson: two
 * for f(x +- h), RK for the levels and RK for |f|). */
#define NBUF (2 + 2 * RK)

/* A thread's workspace: its copy of x and scratch. */
typedef struct fdw {
    const ad_fn *f;
    const double *x;
    double *xs;  /* n: x, shifted in place and restored */
    double *buf; /* NBUF * m */
    /* For GSL's callbacks: which entry is differentiated. */
    size_t i, j;
    double *g; /* n: a gradient (Hessian by GSL) */
    int rc;    /* first error of a callback */
} fdw;

static int fdw_init(fdw *w, const ad_fn *f, const double *x, int need_g)
{
    size_t n = f->n, m = f->m;
    memset(w, 0, sizeof *w);
    w->f = f;
    w->x = x;
    w->xs = malloc((n + NBUF * m + (need_g ? n : 0)) * sizeof(double));
    if (w->xs == NULL)
        return AD_ENOMEM;
    memcpy(w->xs, x, n * sizeof(double));
    w->buf = w->xs + n;
    w->g = need_g ? w->buf + NBUF * m : NULL;
    return AD_OK;
}

/* y = f(x + hi e_i + hj e_j) (hj 0 for one shift).  The shifted entries
 * are set from x, not updated, so nothing drifts. */
static void eval2(fdw *w, size_t i, double hi, size_t j, double hj, double *y)
{
    w->xs[i] = w->x[i] + hi;
    if (hj != 0.0)
        w->xs[j] = i == j ? w->xs[i] + hj : w->x[j] + hj;
    w->f->f_double(w->xs, y, w->f->params);
    w->xs[i] = w->x[i];
    w->xs[j] = w->x[j];
}

static void eval1(fdw *w, size_t j, double h, double *y)
{
    eval2(w, j, h, j, 0.0, y);
}

/* ---- Ridders' table ------------------------------------------------------ */

/* Extrapolates D[0], D[stride], ... (central differences at steps halving
 * from one level to the next, error a series in h^2) to h = 0: the
 * Richardson table T[r][l] = T[r][l-1] + (T[r][l-1] - T[r-1][l-1]) /
 * (4^l - 1), each new entry's truncation error estimated by its distance
 * to the two it came from (Ridders).  rnd[k] is the rounding error of the
 * differences at level k (eps |f| / h grows as h shrinks); an entry's
 * estimated error is the sum of both, and the entry with the smallest sum
 * wins.  Ridders' own rule stops the table where the diagonal stops
 * improving, which assumes that the first step is already in the
 * asymptotic range; scanning the whole table does not, so a first step
 * too large for the function (a chaotic flow, a narrow peak) costs
 * nothing but its evaluations.  A non-finite level (a step that leaves the
 * domain) restarts the table below it. */
static void ridders(const double *D, size_t stride, const double *rnd,
                    double *best, double *err)
{
    double T[RK][RK];
    *best = NAN;
    *err = INFINITY;
    int k0 = 0;
    for (int k = 0; k < RK; k++) {
        double d = D[(size_t)k * stride];
        if (!isfinite(d)) {
            k0 = k + 1;
            continue;
        }
        int r = k - k0;
        T[r][0] = d;
        if (r == 0) {
            if (isnan(*best))
                *best = d; /* the only estimate so far, error unknown */
            continue;
        }
        double fac = 1.0;
        for (int l = 1; l <= r; l++) {
            fac *= 4.0;
            T[r][l] =
                T[r][l - 1] + (T[r][l - 1] - T[r - 1][l - 1]) / (fac - 1.0);
            double e = fmax(fabs(T[r][l] - T[r][l - 1]),
                            fabs(T[r][l] - T[r - 1][l - 1])) +
                       rnd[k];
            if (e <= *err) {
                *err = e;
                *best = T[r][l];
            }
        }
    }
}

/* ---- Jacobian columns ---------------------------------------------------- */

static double fmax3(double a, double b, double c)
{
    return fmax(fabs(a), fmax(fabs(b), fabs(c)));
}

/* Column j of J (stride n) and its estimates, by one of the plain
 * stencils; y0 = f(x) (forward only). */
static void col_stencil(fdw *w, unsigned kind, size_t j, const double *y0,
                        double *J, double *err)
{
    size_t n = w->f->n, m = w->f->m;
    double s = ad__scale(w->x[j]), eps = DBL_EPSILON;
    double *b = w->buf;
    if (kind == AD_REF_FD_FORWARD) {
        double h = ad__pow2_near(sqrt(eps) * s);
        double *y1 = b, *y2 = b + m;
        eval1(w, j, h, y1);
        eval1(w, j, 2.0 * h, y2);
        for (size_t i = 0; i < m; i++) {
            double d1 = (y1[i] - y0[i]) / h, d2 = (y2[i] - y0[i]) / (2.0 * h);
            J[i * n + j] = d1;
            if (err != NULL)
                err[i * n + j] =
                    fabs(d2 - d1) + 2.0 * eps * fmax3(y0[i], y1[i], 0.0) / h;
        }
    } else if (kind == AD_REF_FD_CENTRAL) {
        double h = ad__pow2_near(cbrt(eps) * s);
        double *p1 = b, *m1 = b + m, *p2 = b + 2 * m, *m2 = b + 3 * m;
        eval1(w, j, h, p1);
        eval1(w, j, -h, m1);
        eval1(w, j, 2.0 * h, p2);
        eval1(w, j, -2.0 * h, m2);
        for (size_t i = 0; i < m; i++) {
            double d1 = (p1[i] - m1[i]) / (2.0 * h);
            double d2 = (p2[i] - m2[i]) / (4.0 * h);
            J[i * n + j] = d1;
            if (err != NULL)
                err[i * n + j] =
                    fabs(d2 - d1) / 3.0 + eps * fmax3(p1[i], m1[i], 0.0) / h;
        }
    } else { /* AD_REF_FD_5POINT */
        double h = ad__pow2_near(pow(eps, 0.2) * s);
        double *p1 = b, *m1 = b + m, *p2 = b + 2 * m, *m2 = b + 3 * m;
        double *p4 = b + 4 * m, *m4 = b + 5 * m;
        eval1(w, j, h, p1);
        eval1(w, j, -h, m1);
        eval1(w, j, 2.0 * h, p2);
        eval1(w, j, -2.0 * h, m2);
        eval1(w, j, 4.0 * h, p4);
        eval1(w, j, -4.0 * h, m4);
        for (size_t i = 0; i < m; i++) {
            double d1 = (8.0 * (p1[i] - m1[i]) - (p2[i] - m2[i])) / (12.0 * h);
            double d2 = (8.0 * (p2[i] - m2[i]) - (p4[i] - m4[i])) / (24.0 * h);
            J[i * n + j] = d1;
            if (err != NULL)
                err[i * n + j] = fabs(d2 - d1) / 15.0 +
                                 1.5 * eps * fmax3(p1[i], m1[i], 0.0) / h;
        }
    }
}

static void col_richardson(fdw *w, size_t j, double *J, double *err)
{
    size_t n = w->f->n, m = w->f->m;
    double S = ad__pow2_near(ad__scale(w->x[j]));
    /* D holds the levels, p and q f(x +- h), F the largest |f| per level
     * and output (for the rounding errors). */
    double *p = w->buf, *q = p + m, *D = q + m, *F = D + RK * m;
    for (int k = 0; k < RK; k++) {
        double h = ldexp(S, -3 - k);
        eval1(w, j, h, p);
        eval1(w, j, -h, q);
        for (size_t i = 0; i < m; i++) {
            D[(size_t)k * m + i] = (p[i] - q[i]) / (2.0 * h);
            F[(size_t)k * m + i] = fmax3(p[i], q[i], 0.0);
        }
    }
    for (size_t i = 0; i < m; i++) {
        double best, e, rnd[RK];
        for (int k = 0; k < RK; k++)
            rnd[k] = DBL_EPSILON * F[(size_t)k * m + i] / ldexp(S, -3 - k);
        ridders(D + i, m, rnd, &best, &e);
        J[i * n + j] = best;
        if (err != NULL)
            err[i * n + j] = e;
    }
}

/* GSL's callback: output w->i of f with x_j = t. */
static double gsl_entry(double t, void *params)
{
    fdw *w = params;
    double *y = w->buf;
    w->xs[w->j] = t;
    w->f->f_double(w->xs, y, w->f->params);
    w->xs[w->j] = w->x[w->j];
    return y[w->i];
}

static void col_gsl(fdw *w, unsigned kind, size_t j, double *J, double *err)
{
    size_t n = w->f->n, m = w->f->m;
    double s = ad__scale(w->x[j]);
    gsl_function F = {gsl_entry, w};
    w->j = j;
    for (size_t i = 0; i < m; i++) {
        double r, e;
        w->i = i;
        /* GSL adapts the step from this initial one, balancing its own
         * estimates of the truncation and rounding errors; the initial
         * step is that of its stencil's order (5-point for central). */
        if (kind == AD_REF_GSL_CENTRAL)
            gsl_deriv_central(&F, w->x[j], pow(DBL_EPSILON, 0.2) * s, &r, &e);
        else
            gsl_deriv_forward(&F, w->x[j], sqrt(DBL_EPSILON) * s, &r, &e);
        J[i * n + j] = r;
        if (err != NULL)
            err[i * n + j] = e;
    }
}

int ad__fd_jacobian(const ad_fn *f, unsigned kind, const double *x, long prec,
                    double *J, double *err)
{
    if (kind == AD_REF_FD_MPFR)
        return ad__fd_mpfr_jacobian(f, x, prec, J, err);
    size_t n = f->n, m = f->m;
    double *y0 = NULL;
    if (kind == AD_REF_FD_FORWARD) {
        y0 = malloc(m * sizeof *y0);
        if (y0 == NULL)
            return AD_ENOMEM;
        f->f_double(x, y0, f->params);
    }
    int st = AD_OK;
    long nj = (long)n;
#ifdef _OPENMP
#pragma omp parallel reduction(min : st) if (nj > 1)
#endif
    {
        fdw w;
        int lst = fdw_init(&w, f, x, 0);
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long jl = 0; jl < nj; jl++) {
            if (lst != AD_OK)
                continue;
            size_t j = (size_t)jl;
            if (kind == AD_REF_FD_RICHARDSON)
                col_richardson(&w, j, J, err);
            else if (kind == AD_REF_GSL_CENTRAL || kind == AD_REF_GSL_FORWARD)
                col_gsl(&w, kind, j, J, err);
            else
                col_stencil(&w, kind, j, y0, J, err);
        }
        free(w.xs);
        if (lst < st)
            st = lst;
    }
    free(y0);
    if (st != AD_OK)
        return st;
    return ad__any_nan(J, m * n) ? AD_EDOM : AD_OK;
}

/* ---- Hessians ------------------------------------------------------------ */

/* The central second difference for pair (i, j) at steps hi, hj. */
static double second_diff(fdw *w, size_t i, double hi, size_t j, double hj,
                          double *fmx)
{
    double *y = w->buf;
    double a, b, c, d;
    eval2(w, i, hi, j, hj, y);
    a = y[0];
    eval2(w, i, hi, j, -hj, y);
    b = y[0];
    eval2(w, i, -hi, j, hj, y);
    c = y[0];
    eval2(w, i, -hi, j, -hj, y);
    d = y[0];
    if (fmx != NULL)
        *fmx = fmax(fmax3(a, b, c), fabs(d));
    return ((a - b) - (c - d)) / (4.0 * hi * hj);
}

/* GSL's callback for the Hessian: gradient entry w->i with x_j = t. */
static double gsl_grad_entry(double t, void *params)
{
    fdw *w = params;
    w->xs[w->j] = t;
    int rc = ad_gradient(w->f, AD_AUTO, w->xs, NULL, w->g);
    w->xs[w->j] = w->x[w->j];
    if (rc != AD_OK && rc != AD_EDOM && w->rc == AD_OK)
        w->rc = rc;
    return w->g[w->i];
}

/* The pairs (i, j), i >= j, of column j. */
static int hess_col(fdw *w, unsigned kind, size_t j, double *H, double *err)
{
    size_t n = w->f->n;
    double eps = DBL_EPSILON;
    for (size_t i = j; i < n; i++) {
        double v, e = NAN;
        double si = ad__scale(w->x[i]), sj = ad__scale(w->x[j]);
        if (kind == AD_REF_FD_CENTRAL) {
            double hi = ad__pow2_near(pow(eps, 0.25) * si);
            double hj = ad__pow2_near(pow(eps, 0.25) * sj);
            double fm;
            v = second_diff(w, i, hi, j, hj, &fm);
            double v2 = second_diff(w, i, 2.0 * hi, j, 2.0 * hj, NULL);
            e = fabs(v2 - v) / 3.0 + eps * fm / (hi * hj);
        } else if (kind == AD_REF_FD_RICHARDSON) {
            double D[RK], rnd[RK], f1;
            double Si = ad__pow2_near(si), Sj = ad__pow2_near(sj);
            for (int k = 0; k < RK; k++) {
                double hi = ldexp(Si, -3 - k), hj = ldexp(Sj, -3 - k);
                D[k] = second_diff(w, i, hi, j, hj, &f1);
                rnd[k] = eps * f1 / (hi * hj);
            }
            ridders(D, 1, rnd, &v, &e);
        } else { /* AD_REF_GSL_CENTRAL */
            gsl_function F = {gsl_grad_entry, w};
            w->i = i;
            w->j = j;
            gsl_deriv_central(&F, w->x[j], pow(eps, 0.2) * sj, &v, &e);
            if (w->rc != AD_OK)
                return w->rc;
        }
        H[i * n + j] = H[j * n + i] = v;
        if (err != NULL)
            err[i * n + j] = err[j * n + i] = e;
    }
    return AD_OK;
}

int ad__fd_hessian(const ad_fn *f, unsigned kind, const double *x, long prec,
                   double *H, double *err)
{
    size_t n = f->n;
    if (kind == AD_REF_FD_MPFR) {
        int rc = ad__fd_mpfr_hessian(f, x, prec, H);
        if (err != NULL)
            for (size_t k = 0; k < n * n; k++)
                err[k] = NAN;
        return rc;
    }
    int st = AD_OK;
    long nj = (long)n;
    int gsl = kind == AD_REF_GSL_CENTRAL;
#ifdef _OPENMP
#pragma omp parallel reduction(min : st) if (nj > 1)
#endif
    {
        fdw w;
        int lst = fdw_init(&w, f, x, gsl);
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long jl = 0; jl < nj; jl++)
            if (lst == AD_OK)
                lst = hess_col(&w, kind, (size_t)jl, H, err);
        free(w.xs);
        if (lst < st)
            st = lst;
    }
    if (st != AD_OK)
        return st;
    return ad__any_nan(H, n * n) ? AD_EDOM : AD_OK;
}

/* ---- the public calls ---------------------------------------------------- */

int ad__fd_kind_ok(unsigned kind)
{
    return kind == AD_REF_FD_FORWARD || kind == AD_REF_FD_CENTRAL ||
           kind == AD_REF_FD_5POINT || kind == AD_REF_FD_RICHARDSON ||
           kind == AD_REF_GSL_FORWARD || kind == AD_REF_GSL_CENTRAL ||
           kind == AD_REF_FD_MPFR;
}

/* The entry point kind needs. */
static int has_entry(const ad_fn *f, unsigned kind, int hessian)
{
    if (kind == AD_REF_FD_MPFR)
        return f->f_var != NULL;
    if (hessian && kind == AD_REF_GSL_CENTRAL)
        return f->f_var != NULL || f->f_dual != NULL || f->f_dualv != NULL;
    return f->f_double != NULL;
}

int ad_fd_jacobian(const ad_fn *f, unsigned kind, const double *x, long prec,
                   double *J, double *err)
{
    int rc = ad__verify_args(f, x, prec);
    if (rc != AD_OK)
        return rc;
    if (J == NULL || !ad__fd_kind_ok(kind))
        return AD_EINVAL;
    if (!has_entry(f, kind, 0))
        return AD_EUNSUPPORTED;
    return ad__fd_jacobian(f, kind, x, ad__verify_prec(prec), J, err);
}

int ad_fd_hessian(const ad_fn *f, unsigned kind, const double *x, long prec,
                  double *H, double *err)
{
    int rc = ad__verify_args(f, x, prec);
    if (rc != AD_OK)
        return rc;
    if (H == NULL || f->m != 1 || !ad__fd_kind_ok(kind))
        return AD_EINVAL;
    if (kind != AD_REF_FD_CENTRAL && kind != AD_REF_FD_RICHARDSON &&
        kind != AD_REF_GSL_CENTRAL && kind != AD_REF_FD_MPFR)
        return AD_EUNSUPPORTED;
    if (!has_entry(f, kind, 1))
        return AD_EUNSUPPORTED;
    return ad__fd_hessian(f, kind, x, ad__verify_prec(prec), H, err);
}
