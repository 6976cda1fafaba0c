/* atan -- y = arctan a.
 *
 * f'(a) = 1/(1 + a^2);  f''(a) = -2a/(1 + a^2)^2.
 * Domain: all reals; atan(+-inf) = +-pi/2.
 * Differentiable everywhere.  At a = +-inf, f' = +0 but the double rule
 * -2a d^2 (d = 1/(1 + a^2) = 0) is NaN (inf * 0); the MPFR rule
 * -2a/(1 + a^2)^2 is NaN there too (inf/inf), so that both agree.  For
 * finite |a| > 1.3e154, a*a overflows and the double f' and f'' are +0 and
 * -+0, where the true values are below the normal range anyway; but for
 * |a| > 9e307, -2a overflows too and the double f'' is NaN (inf * 0) where
 * the MPFR rule gives -+0 (the limit); -2 (a d) d would give -+0 there.
 * Accuracy of the double rules: the value is glibc's atan (< 1 ulp).
 * f' = 1/(1 + a*a): the square and the sum, both positive, each add a
 * relative error of at most 2^-53 and the division one more rounding;
 * f'' = -2a d d adds two roundings to d's error doubled.  Measured against
 * MPFR over 1.6e6 sampler points: value 0.52 ulp, f' 2.2 ulp, f'' 4.7 ulp
 * (with d = 1/fma(a, a, 1), which rounds 1 + a^2 once, f' would be 1.5 and
 * f'' 4.0 ulp).  The squares leave the normal range for |a| above 1e100
 * (f'' ~ -2/a^3), so the sampler stays below.
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
                                1.0,        2.5,     5.5};
