/* inv -- y = 1/a.
 *
 * f'(a) = -1/a^2 = -y^2;  f''(a) = 2/a^3 = 2y^3.
 * Domain: all reals.  At a = +-0 the value is +-inf (IEEE division), f' is
 * -inf and f'' is +-inf with the sign of the zero (the one-sided limits);
 * these are infinite partials at a point where the value is not NaN, and
 * AD_F_SINGULAR makes a zero tangent or adjoint contribute exactly 0 there.
 * At a = +-inf the value is +-0, f' = -0 and f'' = +-0.
 * Accuracy of the double rules: the value is one correctly rounded division
 * (<= 0.5 ulp).  f' = -y*y and f'' = 2*y*y*y reuse the rounded y: its
 * relative error 2^-53 is doubled (tripled) by the powers, plus one (two)
 * roundings of the products, so f' is within about 3 * 2^-53 relative and
 * f'' within about 5 * 2^-53 relative (at most 3 and 5 ulp).  Measured
 * against MPFR over 1.6e6 sampler points: f' 1.9 ulp, f'' 3.4 ulp; the
 * bounds below add a margin.  The powers leave the normal range for |a|
 * outside [1e-102, 1e102] (a^3), so the sampler stays inside.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_ui_div(y, 1, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* -1/a^2 from a, not from y, which may have been rounded.  a^2 = +0 at
     * a = +-0 gives -inf, and +inf at a = +-inf gives -0, as -y*y does. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_sqr(t, a, MPFR_RNDN);
    mpfr_si_div(p[0], -1, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* 2/a^3; a^3 keeps the sign of a zero or infinite a, so that the result
     * is +-inf at a = +-0 and +-0 at a = +-inf, as 2*y*y*y is. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_sqr(t, a, MPFR_RNDN);
    mpfr_mul(t, t, a, MPFR_RNDN);
    mpfr_ui_div(p[0], 2, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

/* Moderate arguments, magnitudes from 1e-100 to 1e100 (where 2/a^3 is still
 * finite and normal), and arguments close to the pole at 0. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -100.0, 0.0, 1);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 0.0, 100.0, 1);
        break;
    default:
        x[0] = ad__rand_uniform(s, -10.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_inv = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                               0.5,        2.5,     4.0};
