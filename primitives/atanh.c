/* atanh -- y = artanh a = ln((1 + a)/(1 - a))/2.
 *
 * f'(a) = 1/(1 - a^2);  f''(a) = 2a/(1 - a^2)^2.
 * Domain: -1 <= a <= 1.  For |a| > 1 (and +-inf) the value is NaN (a
 * domain error) and both partials are NaN.
 * Singular points: a = +-1, the edges of the domain, where the value is
 * +-inf (not NaN) and the partials are the limits f' = +inf and f'' = +-inf
 * (the sign of a); AD_F_SINGULAR makes a zero tangent or adjoint contribute
 * exactly 0 there.  (fma(-a, a, 1) is +0 there, the exact zero sum of
 * round to nearest.)
 * Accuracy of the double rules: the value is glibc's atanh (documented
 * bound 2 ulp in glibc's libm-test-ulps for x86_64).  Both partials use
 * t = fma(-a, a, 1): the fma forms 1 - a^2 exactly and rounds it once, so
 * t has a relative error of at most 2^-53 everywhere, also near |a| = 1,
 * where 1 - a*a would lose the low bits of the rounded a*a (a relative
 * error of 2^-53 / (1 - a^2), unbounded near the edges).  Each rounding is
 * a relative error of at most 2^-53, less than one ulp of the result, so k
 * roundings stay below k ulps (to first order): f' = 1/t adds one rounding
 * to t's (< 2 ulp), f'' = 2a/(t t) doubles t's and adds two (< 4 ulp; the
 * doubling is exact).  Measured against the MPFR rules over 4.6e6 sampler
 * points (five seeds): value 1.66 ulp, f' 1.50 ulp, f'' 3.39 ulp from the
 * exact results, which is 2, 1 and 3 ulp from the correctly rounded ones
 * (the convention of the bounds, primitive.h).  The bounds below are the
 * value's measured 2 ulp with a margin and the rounding counts of the
 * partials.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_atanh(y, a, rnd);
    return 0;
}

/* The domain error of the double rules: a NaN value makes NaN partials.
 * It is checked first because the formulas below stay finite for
 * |a| > 1. */
static int domain_error(mpfr_srcptr a)
{
    return mpfr_nan_p(a) || mpfr_cmpabs_ui(a, 1) > 0;
}

/* 1 - a^2 as (1 - a)(1 + a) at t's precision, with a relative error of a
 * few roundings at that precision also near the edges, where 1 - a^2
 * formed from a rounded a^2 would cancel; +0 at a = +-1. */
static void one_minus_sq(mpfr_ptr t, mpfr_srcptr a)
{
    mpfr_t u;
    mpfr_init2(u, mpfr_get_prec(t));
    mpfr_ui_sub(t, 1, a, MPFR_RNDN);
    mpfr_add_ui(u, a, 1, MPFR_RNDN);
    mpfr_mul(t, t, u, MPFR_RNDN);
    mpfr_clear(u);
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    if (domain_error(a)) {
        mpfr_set_nan(p[0]);
        return 0;
    }
    /* 1/t: +inf at a = +-1. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    one_minus_sq(t, a);
    mpfr_ui_div(p[0], 1, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    if (domain_error(a)) {
        mpfr_set_nan(p[0]);
        return 0;
    }
    /* 2a/t^2: +-inf at a = +-1; the doubling is exact. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    one_minus_sq(t, a);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_div(p[0], a, t, MPFR_RNDN);
    mpfr_mul_2ui(p[0], p[0], 1, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

/* Uniform over the domain, close to the singular edges +-1 (down to 1e-15
 * inside, where the value is still finite), and tiny magnitudes. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -300.0, 0.0, 1);
        break;
    case 1:
        if (ad__rand_next(s) & 1u)
            x[0] = ad__rand_near(s, 1.0, -1.0, -15.0, -1.0);
        else
            x[0] = ad__rand_near(s, -1.0, 1.0, -15.0, -1.0);
        break;
    default:
        x[0] = ad__rand_uniform(s, -1.0, 1.0);
        break;
    }
}

const ad__prim ad__prim_atanh = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                 2.5,        2.0,     4.0};
