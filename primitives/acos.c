/* acos -- y = arccos a.
 *
 * f'(a) = -1/sqrt(1 - a^2);  f''(a) = -a/(1 - a^2)^(3/2): the partials of
 * asin negated (acos a = pi/2 - asin a), by the same double helpers.
 * Domain: -1 <= a <= 1.  For |a| > 1 (and +-inf) the value is NaN (a
 * domain error) and both partials are NaN.
 * Singular points: a = +-1, the edges of the domain, where the value (0 or
 * pi) is finite and the partials are the one-sided limits f' = -inf and
 * f'' = -+inf (minus the sign of a); AD_F_SINGULAR makes a zero tangent or
 * adjoint contribute exactly 0 there.
 * Accuracy of the double rules: the value is glibc's acos (< 1 ulp, also
 * near a = 1 where the value is small).  The partials use
 * t = fma(-a, a, 1), 1 - a^2 formed exactly and rounded once, which does
 * not cancel near |a| = 1 as 1 - a*a would; f' = -1/sqrt(t) is within
 * 2.5 ulp and f'' = -a/(t sqrt t) within 4.5 ulp of the exact results to
 * first order (see asin.c).  Measured against the MPFR rules over 4.6e6
 * sampler points (five seeds): value 0.52 ulp, f' 1.91 ulp, f'' 3.81 ulp
 * from the exact results, which is 1, 2 and 4 ulp from the correctly
 * rounded ones (the convention of the bounds, primitive.h).  The bounds
 * below add half an ulp; f'' gets 4.5, above the project's 4 ulp, for the
 * reason given in asin.c.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_acos(y, a, rnd);
    return 0;
}

/* 1 - a^2 as (1 - a)(1 + a) at t's precision (a working precision), accurate
 * near the edges, where 1 - a^2 formed from a rounded a^2 would cancel (see
 * asin.c).  It is negative for |a| > 1 and -inf for a = +-inf, so the
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

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* -1/sqrt(t) correctly rounded (the negation is exact): -inf at
     * a = +-1, NaN for |a| > 1. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    one_minus_sq(t, a);
    mpfr_rec_sqrt(p[0], t, MPFR_RNDN);
    mpfr_neg(p[0], p[0], MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* -a/(t sqrt t): -+inf at a = +-1, NaN for |a| > 1. */
    mpfr_t t, u;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_init2(u, ad__wprec(p[0]));
    one_minus_sq(t, a);
    mpfr_sqrt(u, t, MPFR_RNDN);
    mpfr_mul(u, u, t, MPFR_RNDN);
    mpfr_div(p[0], a, u, MPFR_RNDN);
    mpfr_neg(p[0], p[0], MPFR_RNDN);
    mpfr_clear(u);
    mpfr_clear(t);
    return 0;
}

/* Uniform over the domain, close to the singular edges +-1 (down to 1e-12
 * inside; near 1 the value is small), and tiny magnitudes. */
static void sample(uint64_t *s, double x[2], long *c)
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

const ad__prim ad__prim_acos = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                1.0,        2.5,     4.5};
