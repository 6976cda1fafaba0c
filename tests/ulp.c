/* ulp.c -- errors in ulps for the tests; the convention is in ulp.h. */
#include <math.h>

#include "ulp.h"

double ulp_of(double r)
{
    if (isnan(r))
        return r;
    if (isinf(r))
        return INFINITY;
    /* Below 2^-1021 (subnormals, DBL_MIN's binade and zero) the spacing is
     * the smallest subnormal; frexp would also give a meaningless exponent
     * for zero. */
    if (fabs(r) < 0x1p-1021)
        return 0x1p-1074;
    int e;
    frexp(r, &e); /* |r| = f 2^e with f in [1/2, 1), so ulp = 2^(e - 53). */
    return ldexp(1.0, e - 53);
}

double ulp_diff(double x, double r)
{
    if (isnan(x) || isnan(r))
        return (isnan(x) && isnan(r)) ? 0.0 : INFINITY;
    if (x == r)
        return 0.0;
    if (isinf(x) || isinf(r))
        return INFINITY;
    /* Both operands are scaled by the power of two 1/ulp(r) before they are
     * subtracted, so that x - r cannot overflow (DBL_MAX - -DBL_MAX) and the
     * only rounding is that of the difference itself: r / ulp(r) is an
     * integer below 2^53, and x / ulp(r) is exact unless it is far from r,
     * where the error is huge anyway. */
    int e;
    double u = ulp_of(r);
    frexp(u, &e);
    e -= 1; /* u = 2^e */
    return fabs(ldexp(x, -e) - ldexp(r, -e));
}

double ulp_diff_mpfr(double x, mpfr_srcptr r)
{
    if (mpfr_nan_p(r))
        return isnan(x) ? 0.0 : INFINITY;
    return ulp_diff(x, mpfr_get_d(r, MPFR_RNDN));
}
