/* ulp.h -- errors in units in the last place (ulps), shared by the tests.
 *
 * Convention (that of glibc's libm tests and of the bounds in
 * primitives/primitive.h): an error is measured against the correctly
 * rounded result r = RN(exact value), in units of ulp(r), the spacing of the
 * doubles at r.  A correctly rounded function has error 0, a faithfully
 * rounded one at most 1.  Errors are not rounded to integers.
 *
 * ulp(r) = 2^(e - 52) for 2^e <= |r| < 2^(e + 1), and 2^-1074 (the spacing of
 * the subnormals) for |r| < 2^-1021, zero included, so that no error is ever
 * divided by a zero ulp.  In the subnormal range ulps stop being relative,
 * and a formula evaluated there may lose many of them; callers that care
 * decide what to do with such results.
 *
 * Special values (returned by ulp_diff and ulp_diff_mpfr):
 *   - both NaN: 0; exactly one NaN: +inf (never comparable);
 *   - equal values, infinities of the same sign and zeros of either sign: 0;
 *   - otherwise, if either is infinite: +inf;
 *   - otherwise the finite error, which may itself be +inf when it exceeds
 *     DBL_MAX ulps (x huge, r tiny).
 * The sign of a zero is not compared: check it separately with signbit().
 */
#ifndef ADMIX_TESTS_ULP_H
#define ADMIX_TESTS_ULP_H

#include <mpfr.h>

/* The spacing of the doubles at r as defined above; +inf for an infinite r,
 * NaN for a NaN. */
double ulp_of(double r);

/* |x - r| in ulps of r, where r is the correctly rounded reference. */
double ulp_diff(double x, double r);

/* |x - RN(r)| in ulps of RN(r), where RN(r) is r rounded to the nearest
 * double (+-inf if r overflows, a subnormal or zero if it underflows); r may
 * have any precision.  A NaN r matches only a NaN x. */
double ulp_diff_mpfr(double x, mpfr_srcptr r);

#endif /* ADMIX_TESTS_ULP_H */
