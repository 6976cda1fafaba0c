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

/* acos' = -asin' and acos'' = -asin'': asin's rules (asin.c), negated
 * exactly; -inf at a = +-1, NaN for |a| > 1. */
static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    ad__asin_mpfr_d1(p, a, b, c, y);
    mpfr_neg(p[0], p[0], MPFR_RNDN);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    ad__asin_mpfr_d2(p, a, b, c, y);
    mpfr_neg(p[0], p[0], MPFR_RNDN);
    return 0;
}

/* The points are asin's sampler's (asin.c). */
const ad__prim ad__prim_acos = {mpfr_value, mpfr_d1, mpfr_d2, ad__asin_sample,
                                1.0,        2.5,     4.5};
