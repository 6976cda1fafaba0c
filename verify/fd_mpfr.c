/* fd_mpfr.c -- finite differences evaluated in MPFR (AD_REF_FD_MPFR): the
 * second reference of the verify module, independent of the derivative
 * rules and the sweeps.
 *
 * The shifted points cannot be passed as doubles: x_j + h with h tiny is
 * x_j again in double, and the differences f(x + h) - f(x - h) would be
 * taken after f was rounded to double, which is exactly the cancellation
 * that limits finite differences in double.  So the whole stencil is
 * recorded on a tape: the inputs x, the shifts x_j + h as ADD nodes with the
 * constant h, f_var at each shifted point, the differences and the
 * division by the step; ad_tape_mpfr_eval then replays it at prec bits
 * (at the recorded point, so along the recorded branches) and rounds only
 * the final quotients to double.  With h = S 2^-k (S the power of two
 * nearest max(1, |x_j|)) the shift is exact in MPFR at 53 bits and more,
 * and 1 / 2h is an exact power of two.
 *
 * Steps: k = ceil(prec / 3) for the first difference (truncation h^2,
 * rounding 2^-prec / h: both about 2^(-2 prec / 3)) and ceil(prec / 4) for
 * the second difference (h^2 against 2^-prec / h^2), capped so that the
 * constants stay normal doubles (k <= 900, resp. 480: errors 2^-1800 and
 * 2^-960, beyond any use). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verify_impl.h"

#define KMAX1 900
#define KMAX2 480

static double step(double xj, long prec, long div, long kmax)
{
    long k = (prec + div - 1) / div;
    if (k > kmax)
        k = kmax;
    return ldexp(ad__pow2_near(ad__scale(xj)), -(int)k);
}

/* f_var at x + h1 e_i + h2 e_j into y (m values, zeroed first: an output
 * the function does not set is a constant zero). */
static void eval_shifted(const ad_fn *f, const ad_var *xv, ad_var *xs, size_t i,
                         double h1, size_t j, double h2, ad_var *y)
{
    memcpy(xs, xv, f->n * sizeof *xs);
    xs[i] = ad_add(xs[i], h1);
    if (h2 != 0.0)
        xs[j] = ad_add(xs[j], h2);
    memset(y, 0, f->m * sizeof *y);
    f->f_var(xs, y, f->params);
}

/* Column j of the Jacobian: records the stencil on t, replays it; out gets
 * D (m) and the estimate E (m). */
static int jac_col(ad_tape *t, const ad_fn *f, const double *x, long prec,
                   size_t j, ad_var *buf, double *out)
{
    size_t n = f->n, m = f->m;
    ad_var *xv = buf, *xs = buf + n, *y = buf + 2 * n;
    double h = step(x[j], prec, 3, KMAX1);
    static const double k[4] = {1.0, -1.0, 2.0, -2.0};
    int rc = ad_tape_begin(t);
    if (rc != AD_OK)
        return rc;
    rc = ad_independent_array(n, x, xv);
    if (rc == AD_OK) {
        for (int e = 0; e < 4; e++)
            eval_shifted(f, xv, xs, j, k[e] * h, j, 0.0, y + (size_t)e * m);
        double c1 = 0.5 / h, c2 = 0.25 / h; /* exact powers of two */
        for (size_t i = 0; i < m; i++) {
            ad_var d1 = ad_mul(ad_sub(y[i], y[m + i]), c1);
            ad_var d2 = ad_mul(ad_sub(y[2 * m + i], y[3 * m + i]), c2);
            ad_var est = ad_div(ad_sub(d2, d1), 3.0);
            y[i] = d1;
            y[m + i] = est;
        }
        rc = ad_dependent_array(2 * m, y);
    }
    int rc_end = ad_tape_end(t);
    if (rc == AD_OK)
        rc = rc_end;
    if (rc == AD_OK)
        rc = ad_tape_mpfr_eval(t, NULL, prec, out);
    return rc;
}

int ad__fd_mpfr_jacobian(const ad_fn *f, const double *x, long prec, double *J,
                         double *err)
{
    size_t n = f->n, m = f->m;
    int st = AD_OK;
    long nj = (long)n;
#ifdef _OPENMP
#pragma omp parallel reduction(min : st) if (nj > 1)
#endif
    {
        /* Each thread records on a tape of its own. */
        ad_tape *t = ad_tape_new();
        ad_var *buf = malloc((2 * n + 4 * m) * sizeof *buf);
        double *out = malloc(2 * m * sizeof *out);
        int lst = t && buf && out ? AD_OK : AD_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long jl = 0; jl < nj; jl++) {
            if (lst != AD_OK)
                continue;
            size_t j = (size_t)jl;
            lst = jac_col(t, f, x, prec, j, buf, out);
            for (size_t i = 0; lst == AD_OK && i < m; i++) {
                J[i * n + j] = out[i];
                if (err != NULL)
                    err[i * n + j] = fabs(out[m + i]);
            }
        }
        ad_tape_free(t);
        free(buf);
        free(out);
        if (lst < st)
            st = lst;
    }
    if (st != AD_OK)
        return st;
    return ad__any_nan(J, m * n) ? AD_EDOM : AD_OK;
}

/* Column j of the Hessian, pairs i >= j: n - j second differences. */
static int hess_col(ad_tape *t, const ad_fn *f, const double *x, long prec,
                    size_t j, ad_var *buf, double *out)
{
    size_t n = f->n;
    ad_var *xv = buf, *xs = buf + n, *y = buf + 2 * n, *d = y + 4;
    double hj = step(x[j], prec, 4, KMAX2);
    int rc = ad_tape_begin(t);
    if (rc != AD_OK)
        return rc;
    rc = ad_independent_array(n, x, xv);
    for (size_t i = j; rc == AD_OK && i < n; i++) {
        double hi = step(x[i], prec, 4, KMAX2);
        eval_shifted(f, xv, xs, i, hi, j, hj, y);
        eval_shifted(f, xv, xs, i, hi, j, -hj, y + 1);
        eval_shifted(f, xv, xs, i, -hi, j, hj, y + 2);
        eval_shifted(f, xv, xs, i, -hi, j, -hj, y + 3);
        ad_var s = ad_sub(ad_sub(y[0], y[1]), ad_sub(y[2], y[3]));
        /* Two exact scalings (1 / 2h each) instead of 1 / (4 hi hj),
         * which could leave the range of the doubles. */
        d[i - j] = ad_mul(ad_mul(s, 0.5 / hi), 0.5 / hj);
    }
    if (rc == AD_OK)
        rc = ad_dependent_array(n - j, d);
    int rc_end = ad_tape_end(t);
    if (rc == AD_OK)
        rc = rc_end;
    if (rc == AD_OK)
        rc = ad_tape_mpfr_eval(t, NULL, prec, out);
    return rc;
}

int ad__fd_mpfr_hessian(const ad_fn *f, const double *x, long prec, double *H)
{
    size_t n = f->n;
    int st = AD_OK;
    long nj = (long)n;
#ifdef _OPENMP
#pragma omp parallel reduction(min : st) if (nj > 1)
#endif
    {
        ad_tape *t = ad_tape_new();
        /* xv, xs (n each), 4 evaluations of f (m == 1), n results. */
        ad_var *buf = malloc((3 * n + 4) * sizeof *buf);
        double *out = malloc(n * sizeof *out);
        int lst = t && buf && out ? AD_OK : AD_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long jl = 0; jl < nj; jl++) {
            if (lst != AD_OK)
                continue;
            size_t j = (size_t)jl;
            lst = hess_col(t, f, x, prec, j, buf, out);
            for (size_t i = j; lst == AD_OK && i < n; i++)
                H[i * n + j] = H[j * n + i] = out[i - j];
        }
        ad_tape_free(t);
        free(buf);
        free(out);
        if (lst < st)
            st = lst;
    }
    if (st != AD_OK)
        return st;
    return ad__any_nan(H, n * n) ? AD_EDOM : AD_OK;
}
