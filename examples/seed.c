/* seed.c -- the smallest admix program: one function, written once in
 * seed.inc, differentiated three ways.
 *
 *     y = sin(x^2),  dy/dx = 2x cos(x^2),  d2y/dx2 = 2 cos(x^2) - 4x^2 sin(x^2)
 *
 * Build (installed admix):
 *     cc -I. seed.c $(pkg-config --cflags --libs admix) -lm
 * The -I. lets <admix/instantiate.h> find "seed.inc".
 *
 * Exits with status 1 if a derivative is wrong (it runs in `make check`).
 */
#include <math.h>
#include <stdio.h>

#include <admix.h>

/* Compile seed.inc for every number type: seed_double, seed_complex,
 * seed_dual, seed_dualv, seed_hdual. */
#define AD_TEMPLATE "seed.inc"
#include <admix/instantiate.h>

/* Agreement within a few units in the last place: every mode below computes
 * f' with a handful of correctly rounded operations. */
static int check(const char *what, double got, double want)
{
    double err = fabs(got - want);
    int ok = err <= 1e-14 * fabs(want);
    printf("%-28s % .17g  (error %.1e)%s\n", what, got, err,
           ok ? "" : "  WRONG");
    return ok;
}

int main(void)
{
    const double x = 2.0;
    const double d1 = 2.0 * x * cos(x * x);
    const double d2 = 2.0 * cos(x * x) - 4.0 * x * x * sin(x * x);
    int ok = 1;

    /* Dual numbers: x + 1 eps, so the eps part of y is dy/dx. */
    ad_dual xd = ad_dual_make(x, 1.0), yd;
    seed_dual(&xd, &yd, NULL);
    printf("f(%g) = %.17g\n", x, yd.v);
    ok &= check("dy/dx, dual numbers", yd.d, d1);

    /* Hyper-dual numbers: seed both infinitesimal parts with 1; then d1 is
     * dy/dx and d12 is d2y/dx2, exactly (no truncation error). */
    ad_hdual xh = ad_hdual_make(x, 1.0, 1.0, 0.0), yh;
    seed_hdual(&xh, &yh, NULL);
    ok &= check("dy/dx, hyper-dual", yh.d1, d1);
    ok &= check("d2y/dx2, hyper-dual", yh.d12, d2);

    /* The complex step: f(x + ih) = f(x) + ih f'(x) + O(h^2).  Nothing is
     * subtracted, so h can be tiny and Im f(x + ih) / h is f' to full
     * precision. */
    const double h = 1e-200;
    double complex xc = x + h * I, yc;
    seed_complex(&xc, &yc, NULL);
    ok &= check("dy/dx, complex step", cimag(yc) / h, d1);

    printf("%s\n", ok ? "all derivatives agree with the analytic ones"
                      : "SOME DERIVATIVES ARE WRONG");
    return ok ? 0 : 1;
}
