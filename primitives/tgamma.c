/* tgamma -- y = Gamma(a), as C's tgamma.
 *
 * f'(a) = Gamma(a) psi(a) = y psi(a);
 * f''(a) = Gamma(a) (psi(a)^2 + psi_1(a)) = y (psi(a)^2 + psi_1(a)),
 * with psi the digamma and psi_1 the trigamma function (ad__digamma and
 * ad__trigamma, primitives/lgamma.c).  psi^2 + psi_1 > 0: f'' has the sign
 * of y and no cancellation.
 * Domain: all reals but the poles a = 0, -1, -2, ...  At a negative
 * integer and at -inf the value is NaN (C's domain error) and so are the
 * partials; at +-0 the value is +-inf (C's pole error) and the partials are
 * NaN (psi has a pole there too); Gamma(+inf) = +inf with infinite
 * partials; NaN gives NaN.  Gamma overflows above a = 171.62 and its
 * second partial above about 171.
 * Differentiable at every other point.
 * Accuracy of the double rules: the value is glibc's tgamma, whose error
 * reaches 5.5 ulp on the sampled points (mostly at negative arguments);
 * f' = y psi(a) adds ad__digamma's error (lgamma.c, about 2 ulp) and one
 * rounding, f'' that of psi twice, of psi_1, and three roundings.  These
 * are the documented bounds above 4 ulp (value 6, f' 8, f'' 11): they come
 * from y alone, which every formula of f' and f'' in terms of y inherits;
 * better bounds need a Gamma more accurate than the C library's.
 * f' vanishes at the minimum of Gamma on the positive axis (a = x0 =
 * 1.4616..., the root of psi), where ad__digamma keeps its relative
 * accuracy, and at each local extremum of Gamma on the negative axis (the
 * zeros of psi), where it has only an absolute bound; as for lgamma, the
 * sampler draws negative arguments only where psi is well conditioned (see
 * lgamma.c).
 * The MPFR rules use mpfr_gamma and mpfr_digamma (correctly rounded) and
 * the MPFR trigamma of lgamma's rules, at the working precision, and round
 * once into each output.
 */
#include <math.h>

#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_gamma(y, a, rnd);
    return 0;
}

/* A pole of psi and Gamma: 0, a negative integer, -inf (or NaN). */
static int is_pole(mpfr_srcptr a)
{
    if (mpfr_nan_p(a))
        return 1;
    if (mpfr_inf_p(a))
        return mpfr_sgn(a) < 0;
    return mpfr_zero_p(a) || (mpfr_integer_p(a) && mpfr_sgn(a) < 0);
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    mpfr_t g, d;
    if (is_pole(a)) {
        mpfr_set_nan(p[0]);
        return 0;
    }
    mpfr_inits2(ad__wprec(p[0]), g, d, (mpfr_ptr)0);
    mpfr_gamma(g, a, MPFR_RNDN);
    mpfr_digamma(d, a, MPFR_RNDN);
    mpfr_mul(p[0], g, d, MPFR_RNDN);
    mpfr_clears(g, d, (mpfr_ptr)0);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    mpfr_t g, d, t;
    if (is_pole(a)) {
        mpfr_set_nan(p[0]);
        return 0;
    }
    mpfr_inits2(ad__wprec(p[0]), g, d, t, (mpfr_ptr)0);
    mpfr_gamma(g, a, MPFR_RNDN);
    mpfr_digamma(d, a, MPFR_RNDN);
    mpfr_sqr(d, d, MPFR_RNDN);
    /* psi_1 from lgamma's f'' rule (which reads neither b nor y), into t
     * at the working precision. */
    {
        mpfr_ptr q[1] = {t};
        ad__prim_lgamma.mpfr_d2(q, a, NULL, 0, NULL);
    }
    mpfr_add(d, d, t, MPFR_RNDN);
    mpfr_mul(p[0], g, d, MPFR_RNDN);
    mpfr_clears(g, d, t, (mpfr_ptr)0);
    return 0;
}

/* A negative non-integer where psi is well conditioned, as in lgamma.c:
 * |psi(a)| >= max(|psi(1 - a)|, |pi cot pi a|)/2, with pi cot pi a =
 * psi(1 - a) - psi(a). */
static int psi_well_conditioned(double a)
{
    double p = ad__digamma(a), q = ad__digamma(1.0 - a);
    double u = fabs(q), v = fabs(q - p);
    return fabs(p) >= 0.5 * (u > v ? u : v);
}

/* The minimum of Gamma on the positive axis, the root of psi (to 2^-53). */
#define X0 0x1.762d86356be3fp+0

/* Positive arguments from 1e-100 (Gamma ~ 1/a, f'' ~ 2/a^3 = 2e300) to
 * 170.5 (f'' = 2.6e307 is still finite), near the minimum x0 of Gamma;
 * negative non-integers down to -168 (Gamma is about 1e-302 there and turns
 * subnormal below -171), near the poles too, where psi is well conditioned
 * (see above). */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    double a;
    switch (ad__rand_next(s) % 8) {
    case 0:
        a = ad__rand_logmag(s, -100.0, 0.0, 0);
        break;
    case 1:
        a = ad__rand_uniform(s, 10.0, 170.5);
        break;
    case 2:
        a = X0 + ad__rand_logmag(s, -15.0, -1.0, 1);
        break;
    case 3:
    case 4:
        do {
            double n = (double)ad__rand_int(s, 0, 167), f;
            switch (ad__rand_next(s) % 4) {
            case 0:
                f = ad__rand_logmag(s, -5.0, -1.0, 0);
                break;
            case 1:
                f = 1.0 - ad__rand_logmag(s, -5.0, -1.0, 0);
                break;
            default:
                f = ad__rand_uniform(s, 0.0, 1.0);
                break;
            }
            a = -n - f;
        } while (a == floor(a) || !psi_well_conditioned(a));
        break;
    default:
        a = ad__rand_uniform(s, 0.0, 10.0);
        break;
    }
    x[0] = a;
}

/* Bounds: the largest errors measured on 400000 sampled points (two seeds)
 * against MPFR at 128 bits, in ulps, were: value 5.55 (glibc's tgamma),
 * f' 7.00, f'' 9.52. */
const ad__prim ad__prim_tgamma = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                  6.0,        8.0,     11.0};
