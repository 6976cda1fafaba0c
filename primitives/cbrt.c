/* cbrt -- y = cbrt a, the real cube root.
 *
 * f'(a) = 1/(3 a^(2/3)) = y/(3a);
 * f''(a) = -2/(9 a^(5/3)) = -2 f'(a)/(3a).
 * Domain: all reals; cbrt(+-inf) = +-inf with f' = +0, f'' = -+0.
 * Non-differentiable point: a = 0, where the value 0 is finite and the
 * partials are the limits f' = +inf (from both sides) and f'' = -inf at +0,
 * +inf at -0 (the one-sided limit of the side the zero's sign names);
 * AD_F_SINGULAR makes a zero tangent or adjoint contribute exactly 0 there.
 * At +-0 and +-inf (and NaN) the double rules use 1/(3 y^2) and
 * -2/(9 a y^2), which give exactly these limits; y/(3a) would be 0/0 or
 * inf/inf there.
 * Accuracy of the double rules: the value is glibc's cbrt, the least
 * accurate of the C functions used here (glibc's libm-test-ulps documents
 * 4 ulp on x86_64).  A formula in y, such as 1/(3 y^2), would carry that
 * error (doubled by the square), so the rules first correct y by one Newton
 * step (ad__r_cbrt_fix): y (1 + r/(3a)) with the residual r = a - y^3.
 * r is computed almost exactly: y^2 = h + l is split exactly by fma, and
 * fma(-h, y, a) rounds a difference that is already tiny because h y is
 * close to a.  The step leaves an error of second order in y's relative
 * error (at most 2^-50, so about 2^-99), and the final fma rounds the
 * corrected y once: it is within about half an ulp of cbrt a.  Each
 * rounding is a relative error of at most 2^-53, less than one ulp of the
 * result, so k roundings stay below k ulps (to first order): f' = y/3/a
 * adds two roundings (< 3 ulp), f'' = -2 (f'/3)/a two more (< 5 ulp).
 * Measured against the MPFR rules over 4.6e6 sampler points (five seeds):
 * value 3.29 ulp, f' 1.76 ulp, f'' 3.09 ulp from the exact results, which
 * is 3, 2 and 3 ulp from the correctly rounded ones (the convention of the
 * bounds, primitive.h).  The bounds below are glibc's 4 ulp for the value,
 * the rounding count for f' and the measured 3 ulp with a margin for f''.
 * a^(-5/3) leaves the normal range for |a| outside [1e-180, 1e180], so the
 * sampler stays inside.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_cbrt(y, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* 1/(3 cbrt(a)^2): +inf at a = +-0 (the square is +0), +0 at +-inf. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_cbrt(t, a, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_mul_ui(t, t, 3, MPFR_RNDN);
    mpfr_ui_div(p[0], 1, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* -2/(9 a cbrt(a)^2): the product a cbrt(a)^2 carries the sign of a
     * zero, so the result is -inf at +0 and +inf at -0, as the double
     * rule's; -+0 at +-inf. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_cbrt(t, a, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_mul(t, t, a, MPFR_RNDN);
    mpfr_mul_ui(t, t, 9, MPFR_RNDN);
    mpfr_si_div(p[0], -2, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

/* Moderate arguments of both signs and magnitudes from 1e-180 (close to the
 * singular point 0) to 1e180. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -180.0, 0.0, 1);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 0.0, 180.0, 1);
        break;
    default:
        x[0] = ad__rand_uniform(s, -10.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_cbrt = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                4.0,        3.0,     4.0};
