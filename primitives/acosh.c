/* acosh -- y = arcosh a = ln(a + sqrt(a^2 - 1)).
 *
 * f'(a) = 1/sqrt(a^2 - 1);  f''(a) = -a/(a^2 - 1)^(3/2).
 * Domain: a >= 1.  For a < 1 (and a = -inf) the value is NaN (a domain
 * error) and both partials are NaN.
 * Singular point: a = 1, the edge of the domain, where the value 0 is
 * finite and the partials are the one-sided limits f' = +inf, f'' = -inf;
 * AD_F_SINGULAR makes a zero tangent or adjoint contribute exactly 0 there.
 * At a = +inf, f' = +0 but the double rule for f'', -(a/t)/sqrt(t) with
 * t = fma(a, a, -1) = +inf, is NaN (inf/inf); the MPFR rule
 * -a/(a^2 - 1)^(3/2) is NaN there too (inf/inf), so that both agree.
 * Accuracy of the double rules: the value is glibc's acosh (documented
 * bound 2 ulp in glibc's libm-test-ulps for x86_64).  Each rounding is a
 * relative error of at most 2^-53, less than one ulp of the result, so k
 * roundings stay below k ulps (to first order).
 * f' = 1/(sqrt(a - 1) sqrt(a + 1)): a - 1 is exact for a in [1, 2]
 * (Sterbenz's lemma), so there is no cancellation near the singular edge,
 * where a*a - 1 would lose every digit, and the product of the two roots
 * does not overflow for large a, where a*a would.  The roots halve the
 * roundings of a - 1 (for a > 2) and a + 1, and the roots, the product and
 * the division add four: < 5 ulp.
 * f'' = -(a/t)/sqrt(t) with t = fma(a, a, -1): the fma forms a^2 - 1
 * exactly and rounds it once, so t is accurate near a = 1 too; t's
 * rounding enters with the power 3/2 and a/t, the root and the division
 * add three: < 4.5 ulp.  t overflows for a > 1.3e154, where f'' comes out
 * -0 and the true value (about -1/a^2) is below the normal range anyway.
 * Measured against the MPFR rules over 4.6e6 sampler points (five seeds):
 * value 2.13 ulp, f' 3.15 ulp, f'' 3.73 ulp from the exact results, which
 * is 2, 3 and 4 ulp from the correctly rounded ones (the convention of the
 * bounds, primitive.h).  The bounds below add a margin; f'' gets 4.5,
 * above the project's 4 ulp, because of the power 3/2 of t and the three
 * roundings: an error below 4.5 ulp from the exact result is at most 4 ulp
 * from the correctly rounded one, which the sampler reaches.  f'' ~ -1/a^2
 * leaves the normal range for a above 1e154, so the sampler stays below
 * 1e150.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_acosh(y, a, rnd);
    return 0;
}

/* The domain error of the double rules: a NaN value makes NaN partials.
 * It is checked first because (a - 1)(a + 1) below is positive again for
 * a < -1. */
static int domain_error(mpfr_srcptr a)
{
    return mpfr_nan_p(a) || mpfr_cmp_ui(a, 1) < 0;
}

/* a^2 - 1 as (a - 1)(a + 1) at t's precision, with a relative error of a
 * few roundings at that precision also near a = 1, where a^2 - 1 formed
 * from a rounded a^2 would cancel; +0 at a = 1. */
static void sq_minus_one(mpfr_ptr t, mpfr_srcptr a)
{
    mpfr_t u;
    mpfr_init2(u, mpfr_get_prec(t));
    mpfr_sub_ui(t, a, 1, MPFR_RNDN);
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
    /* 1/sqrt(t) correctly rounded: +inf at a = 1, +0 at +inf. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    sq_minus_one(t, a);
    mpfr_rec_sqrt(p[0], t, MPFR_RNDN);
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
    /* -a/(t sqrt t): -inf at a = 1, NaN at +inf (inf/inf). */
    mpfr_t t, u;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_init2(u, ad__wprec(p[0]));
    sq_minus_one(t, a);
    mpfr_sqrt(u, t, MPFR_RNDN);
    mpfr_mul(u, u, t, MPFR_RNDN);
    mpfr_div(p[0], a, u, MPFR_RNDN);
    mpfr_neg(p[0], p[0], MPFR_RNDN);
    mpfr_clear(u);
    mpfr_clear(t);
    return 0;
}

/* Close to the singular edge 1 (down to 1e-15 above it), moderate
 * arguments, and large ones up to 1e150, where f'' ~ -1/a^2 is still
 * normal. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_near(s, 1.0, 1.0, -15.0, 0.0);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 0.0, 150.0, 0);
        break;
    default:
        x[0] = ad__rand_uniform(s, 1.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_acosh = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                 2.5,        4.0,     4.5};
