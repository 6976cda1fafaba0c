/* sqrt -- y = sqrt a.
 *
 * f'(a) = 1/(2 sqrt a) = 0.5/|y|;  f''(a) = -1/(4 a sqrt a) = -0.25/(a y).
 * Domain: a >= 0.  For a < 0 (and a = -inf) the value is NaN (a domain
 * error) and both partials are NaN.
 * Non-differentiable point: a = 0, the edge of the domain, where the value 0
 * is finite and the partials are the one-sided limits f' = +inf, f'' = -inf
 * (the documented convention "sqrt at 0 -> +inf tangent"); AD_F_SINGULAR
 * makes a zero tangent or adjoint contribute exactly 0 there.  At a = -0,
 * IEEE sqrt(-0) = -0; the double rule divides by |y| so that f' is +inf
 * there too, and f'' is -inf as at +0 (a y = (-0)(-0) = +0).  At a = +inf,
 * f' = +0 and f'' = -0.
 * Accuracy of the double rules: the value is correctly rounded (IEEE
 * sqrt).  Each rounding is a relative error of at most 2^-53, which is less
 * than one ulp of the result, so k roundings stay below k ulps (to first
 * order).  0.5/|y| adds one rounding to y's (< 2 ulp); -0.25/(a y) adds
 * two (< 3 ulp).  Measured against the MPFR rules over 4.6e6 sampler points
 * (five seeds): f' 1.48 ulp and f'' 2.47 ulp from the exact results, 1 and
 * 2 ulp from the correctly rounded ones (the convention of the bounds,
 * primitive.h).  The bounds below are those of the rounding counts.  The
 * powers a^(-3/2) leave the normal range for a outside [1e-205, 1e205], so
 * the sampler stays inside.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_sqrt(y, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* 1/sqrt a correctly rounded, then halved exactly; NaN for a < 0 and
     * +inf at both zeros (mpfr_rec_sqrt(-0) is +inf). */
    mpfr_rec_sqrt(p[0], a, MPFR_RNDN);
    mpfr_div_2ui(p[0], p[0], 1, MPFR_RNDN);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* -1/(4 a sqrt a): at a = +-0 the product a sqrt a is +0 (sqrt(-0) is
     * -0), so the result is -inf as the double rule's; NaN for a < 0. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_sqrt(t, a, MPFR_RNDN);
    mpfr_mul(t, t, a, MPFR_RNDN);
    mpfr_si_div(p[0], -1, t, MPFR_RNDN);
    mpfr_div_2ui(p[0], p[0], 2, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

/* Moderate arguments, magnitudes from 1e-200 (close to the edge at 0) to
 * 1e200, where the value and both partials are finite and normal. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -200.0, 0.0, 0);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 0.0, 200.0, 0);
        break;
    default:
        x[0] = ad__rand_uniform(s, 0.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_sqrt = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                0.5,        2.0,     3.0};
