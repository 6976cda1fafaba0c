/* fmax -- y = max(a, b), as C's fmax.
 *
 * df/da = 1 where a > b, 0 where a < b; df/db the other way round; every
 * second partial is 0.
 * Domain: all reals.  As C's fmax, a NaN argument is ignored: fmax(NaN, b)
 * = b, and its partials are then 0 for the NaN argument and 1 for the
 * other; both NaN give a NaN value with the partials 1 and 1 (the rule
 * ad__r_fmax_da in rules.h gives 1 whenever the other argument is NaN).
 * Non-differentiable on the diagonal a = b: the convention is 1/2 for each
 * partial, the average of the one-sided derivatives (also for +0 and -0,
 * which compare equal).  With it, the directional derivative along the
 * diagonal (1, 1) is 1, which is exact there.
 * A tie of zeros, fmax(+0, -0) or fmax(-0, +0), is +0 in every mode (C
 * leaves the sign unspecified, and glibc's follows the operand order),
 * as MPFR's mpfr_max gives it: ad__r_fmax in rules.h.
 * Accuracy of the double rules: all exact.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)c;
    mpfr_max(y, a, b, rnd);
    return 0;
}

/* The partial with respect to u of max(u, v), as ad__r_fmax_da(u, v). */
static double partial(mpfr_srcptr u, mpfr_srcptr v)
{
    if (mpfr_nan_p(v) || mpfr_greater_p(u, v))
        return 1.0;
    return mpfr_equal_p(u, v) ? 0.5 : 0.0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)c, (void)y;
    mpfr_set_d(p[0], partial(a, b), MPFR_RNDN);
    mpfr_set_d(p[1], partial(b, a), MPFR_RNDN);
    return 0;
}

/* The second partials (all 0) and the sampler are fmin's (fmin.c). */

/* Bounds: every result is exact, as measured on 400000 sampled points (two
 * seeds) against MPFR at 128 bits. */
const ad__prim ad__prim_fmax = {
    mpfr_value, mpfr_d1, ad__minmax_mpfr_d2, ad__minmax_sample, 0.0, 0.0, 0.0};
