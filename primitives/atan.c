/* atan -- y = arctan a.
 *
 * f'(a) = 1/(1 + a^2);  f''(a) = -2a/(1 + a^2)^2.
 * Domain: all reals; atan(+-inf) = +-pi/2.
 * Differentiable everywhere.  The double rules are d = 1/fma(a, a, 1) and
 * f'' = -2 (a d) d.  At a = +-inf, f' = +0 but f'' is NaN (a d = inf * 0);
 * the MPFR rule -2a/(1 + a^2)^2 is NaN there too (inf/inf), so that both
 * agree.  For finite |a| > 1.3e154, 1 + a^2 overflows and the double f'
 * and f'' are +0 and -+0, where the true values are below the normal range
 * anyway; forming a d before the second factor (rather than -2a d^2) keeps
 * this so up to DBL_MAX, where -2a would overflow and make inf * 0 = NaN.
 * Accuracy of the double rules: the value is glibc's atan (< 1 ulp).  The
 * fma rounds 1 + a^2 once.  Each rounding is a relative error of at most
 * 2^-53, less than one ulp of the result, so k roundings stay below k ulps
 * (to first order): f' = d adds the division's rounding (< 2 ulp);
 * f'' = -2 (a d) d takes d's error twice and adds two roundings (< 6 ulp).
 * Measured against the MPFR rules over 4.6e6 sampler points (five seeds):
 * value 0.52 ulp, f' 1.50 ulp, f'' 3.95 ulp from the exact results, which
 * is 1, 1 and 4 ulp from the correctly rounded ones (the convention of the
 * bounds, primitive.h).  The bounds below are the value's 1 ulp, the
 * rounding count of f', and for f'' the measured 4 ulp with half an ulp of
 * margin, above the project's 4 ulp because d's error enters squared.
 * (-2 ((a/t)/t) with t = fma(a, a, 1), four roundings and the same
 * special values, measures 3.33 ulp from the exact results over 1e6 of
 * these points, 3 ulp from the correctly rounded ones.)  The squares leave
 * the normal range for |a| above 1e100 (f'' ~ -2/a^3), so the sampler
 * stays below.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_atan(y, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_sqr(t, a, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_ui_div(p[0], 1, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* -2a/(1 + a^2)^2; NaN at +-inf (inf/inf) as the double rule. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_sqr(t, a, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_div(p[0], a, t, MPFR_RNDN);
    mpfr_mul_si(p[0], p[0], -2, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

/* Moderate arguments, tiny magnitudes (down to 1e-300) and large ones up to
 * 1e100, where f'' ~ -2/a^3 is still normal. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -300.0, 0.0, 1);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 0.0, 100.0, 1);
        break;
    default:
        x[0] = ad__rand_uniform(s, -10.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_atan = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                1.0,        2.0,     4.5};
