/* log10 -- y = log10 a = ln a / ln 10.
 *
 * f'(a) = 1/(a ln 10);  f''(a) = -1/(a^2 ln 10).
 * Domain: a >= 0.  For a < 0 (and a = -inf) the value is NaN (a domain
 * error) and both partials are NaN.
 * Singular point: a = 0, the edge of the domain, where the value is -inf
 * (not NaN) and the partials are those of the IEEE formulas: f' is +inf at
 * +0 and -inf at -0, f'' = -inf at both; AD_F_SINGULAR makes a zero tangent
 * or adjoint contribute exactly 0 there.  At a = +inf, f' = +0, f'' = -0.
 * Accuracy of the double rules: glibc's log10 (documented bound 2 ulp in
 * glibc's libm-test-ulps for x86_64, also near a = 1 where the value is
 * small).  The partials use the constant 1/ln 10 rounded to double
 * (relative error 2^-55) and divide by a (and a*a): one (two) roundings
 * more.  Measured against MPFR over 6e5 sampler points: value 1.6 ulp, f'
 * 0.73 ulp, f'' 1.6 ulp.  -1/a^2 leaves the normal range for a outside
 * [1e-150, 1e150], so the sampler stays inside.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_log10(y, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    return ad__logb_mpfr_partial(p[0], a, 10, 1);
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    return ad__logb_mpfr_partial(p[0], a, 10, 2);
}

/* The points of log's sampler (log.c). */
const ad__prim ad__prim_log10 = {mpfr_value, mpfr_d1, mpfr_d2, ad__log_sample,
                                 2.0,        1.0,     2.0};
