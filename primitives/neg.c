/* neg -- y = -a.
 *
 * f'(a) = -1;  f''(a) = 0.
 * Domain: all reals, +-inf and NaN included (-NaN is NaN); the partials are
 * the constants -1 and 0 everywhere, also at a NaN or infinite argument.
 * Differentiable everywhere.
 * Accuracy of the double rules: all three are exact (negation only flips
 * the sign bit), so the bounds are 0 ulp.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_neg(y, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)a, (void)b, (void)c, (void)y;
    /* The constant -1 whatever a is, NaN included, as the double rule. */
    mpfr_set_si(p[0], -1, MPFR_RNDN);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)a, (void)b, (void)c, (void)y;
    mpfr_set_zero(p[0], 1);
    return 0;
}

/* Moderate arguments, and magnitudes across the whole normal range: negation
 * is exact at every one of them. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -300.0, 0.0, 1);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 0.0, 300.0, 1);
        break;
    default:
        x[0] = ad__rand_uniform(s, -10.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_neg = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                               0.0,        0.0,     0.0};
