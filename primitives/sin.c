/* sin -- y = sin a.
 *
 * f'(a) = cos a;  f''(a) = -sin a = -y.
 * Domain: all reals; sin(+-inf) is NaN (a domain error) with NaN partials.
 * Differentiable everywhere.
 * Accuracy of the double rules: the value and cos a are glibc's (< 1 ulp);
 * f'' = -y is exact given y.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_sin(y, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    mpfr_cos(p[0], a, MPFR_RNDN);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    /* -sin a, recomputed at p[0]'s precision rather than negating y, which
     * may have been rounded to a lower precision. */
    mpfr_sin(p[0], a, MPFR_RNDN);
    mpfr_neg(p[0], p[0], MPFR_RNDN);
    return 0;
}

/* Mostly moderate arguments, some large (argument reduction) and some tiny. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -8.0, 0.0, 1);
        break;
    case 1:
        x[0] = ad__rand_logmag(s, 1.0, 6.0, 1);
        break;
    default:
        x[0] = ad__rand_uniform(s, -10.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_sin = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                               1.0,        1.0,     1.0};
