/* cbrt -- y = cbrt a, the real cube root.
 *
 * f'(a) = 1/(3 a^(2/3)) = 1/(3 y^2);
 * f''(a) = -2/(9 a^(5/3)) = -2/(9 a y^2).
 * Domain: all reals; cbrt(+-inf) = +-inf with f' = +0, f'' = -+0.
 * Non-differentiable point: a = 0, where the value 0 is finite and the
 * partials are the limits f' = +inf (from both sides) and f'' = -inf at +0,
 * +inf at -0 (the one-sided limit of the side the zero's sign names);
 * AD_F_SINGULAR makes a zero tangent or adjoint contribute exactly 0 there.
 * Accuracy of the double rules: the value is glibc's cbrt, which is the
 * least accurate of the C functions used here (glibc's libm-test-ulps
 * documents 4 ulp on x86_64; measured 3.3 ulp).  Both partials are
 * inaccurate because they reuse that y squared: 1/(3 y^2) doubles y's
 * relative error and adds two roundings (three for -2/(9 a y^2)).
 * Measured against MPFR over 1.6e6 sampler points: f' 11.0 ulp, f'' 10.7
 * ulp, hence the bounds of 12.5 and 12 below, above the project's 4 ulp for
 * f'.  Formulas that take a and correct y by the residual a - y^3
 * (computed exactly enough with fma) bring f' to 1.8 ulp and f'' to 2.9
 * ulp over the whole normal range; they need `a` in ad__r_cbrt_d1, an
 * ops.def change that is proposed to the maintainers.  a^(-5/3) leaves the
 * normal range for |a| outside [1e-180, 1e180], so the sampler stays
 * inside.
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
                                4.0,        12.5,    12.0};
