/* sqr -- y = a^2.
 *
 * f'(a) = 2a;  f''(a) = 2.
 * Domain: all reals; sqr(+-inf) = +inf with f' = +-inf; a NaN argument gives
 * a NaN value and f' but f'' = 2 (the constant of the double rule).
 * Differentiable everywhere.
 * Accuracy of the double rules: a * a is one correctly rounded product
 * (<= 0.5 ulp); 2a and 2 are exact.  a^2 overflows for |a| > 1.34e154 and
 * leaves the normal range for |a| < 1.5e-154, so the sampler stays inside.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_sqr(y, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* 2a, rounded once (exact unless p[0] is narrower than a). */
    mpfr_mul_2ui(p[0], a, 1, MPFR_RNDN);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)a, (void)b, (void)c, (void)y;
    mpfr_set_ui(p[0], 2, MPFR_RNDN);
    return 0;
}

/* Moderate arguments and magnitudes from 1e-150 to 1e150, where a^2 is
 * finite and normal. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -150.0, 0.0, 1);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 0.0, 150.0, 1);
        break;
    default:
        x[0] = ad__rand_uniform(s, -10.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_sqr = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                               0.5,        0.0,     0.0};
