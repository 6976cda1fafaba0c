/* atanh -- y = artanh a = ln((1 + a)/(1 - a))/2.
 *
 * f'(a) = 1/(1 - a^2);  f''(a) = 2a/(1 - a^2)^2.
 * Domain: -1 <= a <= 1.  For |a| > 1 (and +-inf) the value is NaN (a
 * domain error) and both partials are NaN.
 * Singular points: a = +-1, the edges of the domain, where the value is
 * +-inf (not NaN) and the partials are the limits f' = +inf and f'' = +-inf
 * (the sign of a); AD_F_SINGULAR makes a zero tangent or adjoint contribute
 * exactly 0 there.
 * Accuracy of the double rules: the value is glibc's atanh (documented
 * bound 2 ulp in glibc's libm-test-ulps for x86_64).  Both partials use
 * t = (1 - a)(1 + a) rather than 1 - a*a: near |a| = 1, where 1 - a^2
 * cancels, one factor is exact (Sterbenz's lemma for |a| in [0.5, 1]) and
 * the other is near 2, so t has a relative error of at most about 2^-52
 * everywhere (see asin.c).  f' = r = 1/t adds one rounding; f'' = 2a r r
 * doubles r's error and adds two.  Measured against MPFR over 1.6e6
 * sampler points: value 1.6 ulp, f' 1.9 ulp, f'' 5.5 ulp, the worst for
 * tiny |a|: there 1 - a is rounded and r can come out one ulp above 1 (a
 * relative error of 2^-52), which f'' doubles.  t = fma(-a, a, 1), 1 - a^2
 * rounded once, is as good near the edges and better elsewhere: it gives
 * f' 1.5 ulp and f'' = 2a/(t t) 3.4 ulp (proposed for the helpers in
 * rules.h).
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

/* 1 - a^2 as (1 - a)(1 + a) at t's precision, accurate near the edges as
 * in the double rule; +0 at a = +-1. */
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
                                 2.0,        2.5,     6.5};
