/* rosenbrock.c -- a gradient and a Hessian diagonal from one function
 * written once (rosenbrock.inc), by forward mode:
 *
 *   - the gradient by n passes of ad_dual (one direction per pass),
 *   - the gradient by ceil(n / AD_LANES) passes of ad_dualv (AD_LANES
 *     directions per pass),
 *   - the diagonal of the Hessian by n passes of ad_hdual,
 *
 * each checked against the analytic derivatives.  It also shows ad_fn, the
 * function object that admix's drivers take.
 *
 * Build (installed admix):
 *     cc -I. rosenbrock.c $(pkg-config --cflags --libs admix) -lm
 *
 * Exits with status 1 if a derivative is wrong (it runs in `make check`).
 */
#include <math.h>
#include <stdio.h>

#include <admix.h>

/* rosen_double, rosen_dual, rosen_dualv, rosen_hdual, ... from one body; and
 * rosen_fn(params), which returns an ad_fn holding all of them.  Its
 * arguments: the name, the number of inputs and the number of outputs
 * (expressions that may use `params`). */
#define AD_TEMPLATE "rosenbrock.inc"
#include <admix/instantiate.h>
AD_FN(rosen, *(const size_t *)params, 1)

/* n = 11 is not a multiple of AD_LANES (8 by default), so the last vector
 * pass has idle lanes: the case most easily got wrong. */
#define N 11

/* The analytic gradient and Hessian diagonal, to check against. */
static double grad_exact(const double *x, size_t n, size_t i)
{
    double g = 0.0;
    if (i + 1 < n)
        g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
    if (i > 0)
        g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
    return g;
}

static double hess_diag_exact(const double *x, size_t n, size_t i)
{
    double h = 0.0;
    if (i + 1 < n)
        h += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
    if (i > 0)
        h += 200.0;
    return h;
}

/* Normwise relative error max_i |v_i - w_i| / max_i |w_i| of v against the
 * analytic w.  (Componentwise would be unfair where terms cancel: g_6 below
 * is 0.37, a difference of two terms of about 117.) */
static double rel_err(const double *v, const double *w, size_t n)
{
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        e = fmax(e, fabs(v[i] - w[i]));
        s = fmax(s, fabs(w[i]));
    }
    return e / s;
}

static void report(const char *what, double err, double tol)
{
    printf("%-40s rel. error %.1e%s\n", what, err, err <= tol ? "" : "  WRONG");
}

int main(void)
{
    size_t n = N;
    ad_fn f = rosen_fn(&n); /* f.n == N inputs, f.m == 1 output */

    double x[N], g_exact[N], h_exact[N];
    for (size_t i = 0; i < n; i++) {
        x[i] = -1.2 + 0.385 * (double)i; /* a point with no special values */
    }
    for (size_t i = 0; i < n; i++) {
        g_exact[i] = grad_exact(x, n, i);
        h_exact[i] = hess_diag_exact(x, n, i);
    }

    double y;
    f.f_double(x, &y, f.params);
    printf("f(x) = %.17g at n = %zu\n", y, n);

    /* 1. Gradient by dual numbers: pass j seeds x_j with tangent 1 and every
     *    other input with 0, so the output's tangent is df/dx_j. */
    double g_dual[N];
    ad_dual xd[N], yd;
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < n; i++)
            xd[i] = ad_dual_make(x[i], i == j ? 1.0 : 0.0);
        f.f_dual(xd, &yd, f.params);
        g_dual[j] = yd.d;
    }

    /* 2. Gradient by vector dual numbers: one pass seeds AD_LANES inputs at
     *    once, input base + k in lane k (ad_dualv_make seeds nothing for a
     *    lane outside [0, AD_LANES)), and lane k of the output is
     *    df/dx_{base+k}. */
    double g_dualv[N];
    ad_dualv xv[N], yv;
    int passes = 0;
    for (size_t base = 0; base < n; base += AD_LANES, passes++) {
        for (size_t i = 0; i < n; i++)
            xv[i] = ad_dualv_make(x[i], (int)i - (int)base);
        f.f_dualv(xv, &yv, f.params);
        for (size_t k = 0; k < AD_LANES && base + k < n; k++)
            g_dualv[base + k] = yv.d[k];
    }

    /* 3. Hessian diagonal by hyper-dual numbers: seeding x_j in both
     *    infinitesimal parts (e1 and e2) makes the e1e2 part of the output
     *    d2f/dx_j^2, exactly. */
    double h_hdual[N];
    ad_hdual xh[N], yh;
    for (size_t j = 0; j < n; j++) {
        for (size_t i = 0; i < n; i++) {
            double s = i == j ? 1.0 : 0.0;
            xh[i] = ad_hdual_make(x[i], s, s, 0.0);
        }
        f.f_hdual(xh, &yh, f.params);
        h_hdual[j] = yh.d12;
    }

    /* Each derivative is a short sum of rounded products: an error of a
     * few 1e-16 is expected; 1e-14 leaves room and still catches any wrong
     * rule or seed. */
    const double tol = 1e-14;
    double e1 = rel_err(g_dual, g_exact, n);
    double e2 = rel_err(g_dualv, g_exact, n);
    double e3 = rel_err(h_hdual, h_exact, n);
    char what[64];
    snprintf(what, sizeof what, "gradient by %zu ad_dual passes", n);
    report(what, e1, tol);
    snprintf(what, sizeof what, "gradient by %d ad_dualv passes", passes);
    report(what, e2, tol);
    snprintf(what, sizeof what, "Hessian diagonal by %zu ad_hdual passes", n);
    report(what, e3, tol);
    printf("df/dx_0 = %.17g, d2f/dx_0^2 = %.17g\n", g_dual[0], h_hdual[0]);

    int ok = e1 <= tol && e2 <= tol && e3 <= tol;
    printf("%s\n", ok ? "all derivatives agree with the analytic ones"
                      : "SOME DERIVATIVES ARE WRONG");
    return ok ? 0 : 1;
}
