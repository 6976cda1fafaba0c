/* erf -- y = erf a = (2/sqrt(pi)) int_0^a exp(-t^2) dt.
 *
 * f'(a) = (2/sqrt(pi)) exp(-a^2);  f''(a) = -2a f'(a).
 * Domain: all reals; erf(+-inf) = +-1, erf(NaN) = NaN with NaN partials.
 * Differentiable everywhere.  f' underflows to 0 beyond |a| = 27.3; the
 * double rules return 0 there without evaluating exp(-a^2) (ad__r_erf_d1),
 * and f'' = 0 wherever f' = 0 (ad__r_erf_d2), also at +-inf, where -2a f'
 * would be inf * 0; the MPFR rules give the same limits, 0, at +-inf.
 * Accuracy of the double rules: the value is glibc's erf (< 1 ulp).  f' is
 * computed from a^2 = h + l split exactly (fma) as exp(-h) (1 - l): the
 * rounding of a^2 alone would perturb the exponent by up to a^2 2^-53, that
 * is up to 700 2^-53 relative in f' near its underflow; with the split, the
 * error is that of exp (< 1 ulp), of the constant 2/sqrt(pi) (0.5 ulp) and
 * of two products and 1 - l (whose neglected l^2/2 is below 2^-100), a few
 * ulps in all.  f'' = -2a f' takes one more rounding (2a is exact).
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_erf(y, a, rnd);
    return 0;
}

/* t = (2/sqrt(pi)) exp(-a^2) at t's precision, with a^2 exact (at twice a's
 * precision), so that no error is amplified by the exponential.  0 at
 * a = +-inf (the limit), NaN at NaN. */
static void gauss(mpfr_ptr t, mpfr_srcptr a)
{
    mpfr_t a2, k;
    mpfr_init2(a2, 2 * mpfr_get_prec(a));
    mpfr_init2(k, mpfr_get_prec(t));
    mpfr_sqr(a2, a, MPFR_RNDN);
    mpfr_neg(a2, a2, MPFR_RNDN);
    mpfr_exp(t, a2, MPFR_RNDN);
    mpfr_const_pi(k, MPFR_RNDN);
    mpfr_rec_sqrt(k, k, MPFR_RNDN);
    mpfr_mul(t, t, k, MPFR_RNDN);
    mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
    mpfr_clears(a2, k, (mpfr_ptr)0);
}

int ad__erf_mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                    mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    gauss(t, a);
    mpfr_set(p[0], t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

int ad__erf_mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                    mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    mpfr_t t;
    if (mpfr_inf_p(a)) {
        /* -2a f'(a) tends to 0 (f' decays like exp(-a^2)). */
        mpfr_set_zero(p[0], 1);
        return 0;
    }
    mpfr_init2(t, ad__wprec(p[0]));
    gauss(t, a);
    mpfr_mul(t, t, a, MPFR_RNDN);
    mpfr_mul_si(p[0], t, -2, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

/* (erfc.c uses these partials, negated, and this sampler too.)
 * Moderate arguments, tiny ones (erf a ~ 2a/sqrt(pi): relative accuracy
 * near 0), and the tails up to |a| = 26, where f' = 1.6e-294 is still
 * normal (at 26.6 it underflows). */
void ad__erf_sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    x[0] = ad__rand_scales(s, -300.0, -26.0, 26.0, 6.0);
}

/* Bounds: the largest errors measured on 400000 sampled points (two seeds)
 * against MPFR at 128 bits, in ulps, were: value 0.93, f' 2.43, f'' 3.36. */
const ad__prim ad__prim_erf = {
    mpfr_value, ad__erf_mpfr_d1, ad__erf_mpfr_d2, ad__erf_sample, 1.0, 3.0,
    4.0};
