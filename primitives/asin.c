/* asin -- y = arcsin a.
 *
 * f'(a) = 1/sqrt(1 - a^2);  f''(a) = a/(1 - a^2)^(3/2).
 * Domain: -1 <= a <= 1.  For |a| > 1 (and +-inf) the value is NaN (a
 * domain error) and both partials are NaN.
 * Singular points: a = +-1, the edges of the domain, where the value +-pi/2
 * is finite and the partials are the one-sided limits f' = +inf and
 * f'' = +-inf (the sign of a); AD_F_SINGULAR makes a zero tangent or
 * adjoint contribute exactly 0 there.  (fma(-a, a, 1) is +0 there, the
 * exact zero sum of round to nearest.)
 * Accuracy of the double rules: the value is glibc's asin (< 1 ulp).  Both
 * partials use t = fma(-a, a, 1): the fma forms 1 - a^2 exactly and rounds
 * it once, so t has a relative error of at most 2^-53 everywhere, also near
 * |a| = 1, where 1 - a*a would lose the low bits of the rounded a*a (a
 * relative error of 2^-53 / (1 - a^2), unbounded near the edges).  Each
 * rounding is a relative error of at most 2^-53, less than one ulp of the
 * result, so k roundings stay below k ulps (to first order).
 * f' = 1/sqrt(t) halves t's rounding and adds two (< 2.5 ulp);
 * f'' = a/(t sqrt t) takes t's rounding with the power 3/2 and adds three
 * (the root, the product, the division: < 4.5 ulp).  Measured against the
 * MPFR rules over 4.6e6 sampler points (five seeds): value 0.51 ulp, f'
 * 1.91 ulp, f'' 3.81 ulp from the exact results, which is 1, 2 and 4 ulp
 * from the correctly rounded ones (the convention of the bounds,
 * primitive.h).  The bounds below add half an ulp; f'' gets 4.5, above the
 * project's 4 ulp, because of the power 3/2 of t and the three roundings:
 * an error below 4.5 ulp from the exact result is at most 4 ulp from the
 * correctly rounded one, which the sampler reaches near the edges.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_asin(y, a, rnd);
    return 0;
}

/* 1 - a^2 as (1 - a)(1 + a) at t's precision (a working precision), with the
 * relative error of a few roundings at that precision wherever it is
 * computed, also near the edges, where 1 - a^2 formed from a rounded a^2
 * would cancel.  It is negative for |a| > 1 and -inf for a = +-inf, so the
 * partials below come out NaN there, as the double rules' do; it is +0 at
 * a = +-1. */
static void one_minus_sq(mpfr_ptr t, mpfr_srcptr a)
{
    mpfr_t u;
    mpfr_init2(u, mpfr_get_prec(t));
    mpfr_ui_sub(t, 1, a, MPFR_RNDN);
    mpfr_add_ui(u, a, 1, MPFR_RNDN);
    mpfr_mul(t, t, u, MPFR_RNDN);
    mpfr_clear(u);
}

int ad__asin_mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                     mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* 1/sqrt(t) correctly rounded: +inf at t = +0 (a = +-1), NaN for t < 0
     * (|a| > 1). */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    one_minus_sq(t, a);
    mpfr_rec_sqrt(p[0], t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

int ad__asin_mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                     mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* a/(t sqrt t): +-inf at a = +-1, NaN for |a| > 1. */
    mpfr_t t, u;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_init2(u, ad__wprec(p[0]));
    one_minus_sq(t, a);
    mpfr_sqrt(u, t, MPFR_RNDN);
    mpfr_mul(u, u, t, MPFR_RNDN);
    mpfr_div(p[0], a, u, MPFR_RNDN);
    mpfr_clear(u);
    mpfr_clear(t);
    return 0;
}

/* (acos.c uses these partials, negated, and these points.)
 * Uniform over the domain, close to the singular edges +-1 (down to 1e-12
 * inside), and tiny magnitudes (where the value and f'' are tiny). */
void ad__asin_sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -300.0, 0.0, 1);
        break;
    case 1:
        if (ad__rand_next(s) & 1u)
            x[0] = ad__rand_near(s, 1.0, -1.0, -12.0, -1.0);
        else
            x[0] = ad__rand_near(s, -1.0, 1.0, -12.0, -1.0);
        break;
    default:
        x[0] = ad__rand_uniform(s, -1.0, 1.0);
        break;
    }
}

const ad__prim ad__prim_asin = {
    mpfr_value, ad__asin_mpfr_d1, ad__asin_mpfr_d2, ad__asin_sample, 1.0, 2.5,
    4.5};
