/* rules.h -- the double-precision rules of every primitive, expanded from
 * the table in ops.def.
 *
 * For each unary primitive `n` this defines, as static inline functions:
 *   double ad__n_v(double a, double c)               value
 *   double ad__n_d1(double a, double c, double y)     f'(a), given y = f(a)
 *   double ad__n_d2(double a, double c, double y)     f''(a)
 *   double complex ad__n_cv(double complex z, double c)   value on complex
 * (c is the integer parameter of AD_OP1P primitives, ignored by the others),
 * and for each binary primitive:
 *   ad__n_v(a, b), ad__n_da(a, b, y), ad__n_db(a, b, y),
 *   ad__n_daa(a, b, y), ad__n_dab(a, b, y), ad__n_dbb(a, b, y), ad__n_cv(z, w).
 *
 * Every mode builds on these and on ad__chain(); none of them names a
 * primitive.  This header is installed as <admix/rules.h> because the forward
 * types are inline; its names are internal (ad__*) and may change.
 */
#ifndef ADMIX_RULES_H
#define ADMIX_RULES_H

#include <math.h>
#ifndef __cplusplus
#include <complex.h>
#endif

#include "admix/common.h"

/* Primitive flags; see ops.def. */
#define AD_F_DOMAIN      1u
#define AD_F_SINGULAR    2u
#define AD_F_NONANALYTIC 4u
#define AD_F_CSTEP1      8u
#define AD_F_LINEAR      16u
#define AD_F_LIN_XC      32u
#define AD_F_LIN_CX      64u
#define AD_F_Y1          128u
#define AD_F_Y2          256u

#define AD__1_LN2    1.44269504088896340735992468100189214
#define AD__1_LN10   0.434294481903251827651128918916605082
#define AD__2_SQRTPI 1.12837916709551257389615890312154517

AD_BEGIN_DECLS

/* Special functions the rules need that C does not have; primitives/lgamma.c.
 */
double ad__digamma(double x);
double ad__lgamma(double x); /* lgamma without the data race on signgam */
double ad__trigamma(double x);

AD_END_DECLS

/* The chain rule for one partial p and one incoming tangent (or adjoint) t.
 * For primitives whose partials may be infinite or NaN, a zero t contributes
 * exactly 0: the direction does not move this argument, so the product is 0
 * whatever the partial (this is what keeps sqrt(0) or log(-1) in a branch
 * that ad_select did not take from poisoning the derivative). */
static AD_INLINE double ad__chain_guarded(double p, double t)
{
    return t == 0.0 ? 0.0 : p * t;
}
#define ad__chain(flags, p, t)                                                 \
    (((flags) & (AD_F_DOMAIN | AD_F_SINGULAR)) ? ad__chain_guarded((p), (t))   \
                                               : (p) * (t))

/* Where the value is NaN (a domain error), every partial is NaN too. */
#define ad__domain_fix(flags, y, p)                                            \
    (((flags)&AD_F_DOMAIN) && (y) != (y) ? (y) : (p))

/* ---- helpers named by the table; each formula is derived in its
 *      primitives/<name>.c ---- */

/* sign(a), 0 at 0 (the convention for |x| at 0), NaN for NaN. */
static AD_INLINE double ad__sign(double a)
{
    return a > 0.0 ? 1.0 : (a < 0.0 ? -1.0 : (a == 0.0 ? 0.0 : a));
}

/* cbrt'(a) = 1/(3 y^2) = y/(3a), with y first corrected by one Newton step
 * on the exact residual a - y^3 (fma): glibc's cbrt is off by up to 4 ulp,
 * and y^2 would double that. */
static AD_INLINE double ad__r_cbrt_fix(double a, double y)
{
    double h = y * y, l = fma(y, y, -h); /* y^2 = h + l exactly */
    double r = fma(-h, y, a) - l * y;    /* a - y^3 */
    return fma(y, r / a / 3.0, y);
}
static AD_INLINE double ad__r_cbrt_d1(double a, double y)
{
    if (a == 0.0 || !isfinite(a))
        return 1.0 / (3.0 * y * y);
    return ad__r_cbrt_fix(a, y) / 3.0 / a;
}
static AD_INLINE double ad__r_cbrt_d2(double a, double y)
{
    if (a == 0.0 || !isfinite(a))
        return -2.0 / (9.0 * a * (y * y));
    return -2.0 * (ad__r_cbrt_d1(a, y) / 3.0) / a;
}

static AD_INLINE double ad__r_log1p_d2(double a)
{
    double u = 1.0 + a;
    return -1.0 / (u * u);
}

/* 1 - a^2 as fma(-a, a, 1): one rounding, no cancellation near |a| = 1.
 * (glibc's fma uses the FMA instruction where the processor has one.) */
static AD_INLINE double ad__r_asin_d1(double a)
{
    return 1.0 / sqrt(fma(-a, a, 1.0));
}
static AD_INLINE double ad__r_asin_d2(double a)
{
    double t = fma(-a, a, 1.0);
    return a / (t * sqrt(t));
}

/* (a d) d rather than a d^2: no overflow of 2a for |a| near DBL_MAX. */
static AD_INLINE double ad__r_atan_d1(double a)
{
    return 1.0 / fma(a, a, 1.0);
}
static AD_INLINE double ad__r_atan_d2(double a)
{
    double d = 1.0 / fma(a, a, 1.0);
    return -2.0 * (a * d) * d;
}

/* sech^2 a = 4e/(1+e)^2 with e = exp(-2|a|): no cancellation, unlike
 * 1 - tanh^2 a, which loses every digit once tanh a rounds to 1. */
static AD_INLINE double ad__sech2(double a)
{
    double e = exp(-2.0 * fabs(a));
    return 4.0 * e / fma(e, 2.0 + e, 1.0); /* (1 + e)^2, one rounding */
}

static AD_INLINE double ad__r_asinh_d1(double a)
{
    return 1.0 / hypot(1.0, a);
}
static AD_INLINE double ad__r_asinh_d2(double a)
{
    return -(a / hypot(1.0, a)) / fma(a, a, 1.0);
}

static AD_INLINE double ad__r_acosh_d1(double a)
{
    return 1.0 / (sqrt(a - 1.0) * sqrt(a + 1.0));
}
static AD_INLINE double ad__r_acosh_d2(double a)
{
    double t = fma(a, a, -1.0);
    return -(a / t) / sqrt(t);
}

static AD_INLINE double ad__r_atanh_d1(double a)
{
    return 1.0 / fma(-a, a, 1.0);
}
static AD_INLINE double ad__r_atanh_d2(double a)
{
    double t = fma(-a, a, 1.0);
    return 2.0 * a / (t * t);
}

/* 2/sqrt(pi) exp(-a^2) with a^2 split exactly into h + l (fma), so that the
 * rounding of a^2 (relative 2^-53, absolute a^2 2^-53 in the exponent) does
 * not cost a^2 ulps for large |a|. */
static AD_INLINE double ad__r_erf_d1(double a)
{
    /* exp(-a^2) underflows to 0 beyond |a| = 27.3; this also keeps
     * fma(inf, inf, -inf) = NaN away from a = +-inf. */
    if (!(fabs(a) < 27.5))
        return a != a ? a : 0.0;
    double h = a * a;
    double l = fma(a, a, -h);
    return AD__2_SQRTPI * exp(-h) * (1.0 - l);
}

/* -2a erf'(a), 0 where erf'(a) underflows (also at +-inf, not inf * 0). */
static AD_INLINE double ad__r_erf_d2(double a)
{
    double d = ad__r_erf_d1(a);
    return d == 0.0 ? 0.0 : -2.0 * a * d;
}

static AD_INLINE double ad__r_tgamma_d2(double a, double y)
{
    double p = ad__digamma(a);
    return y * (p * p + ad__trigamma(a));
}

/* x^n for integer n (held in a double): n x^(n-1), n(n-1) x^(n-2); the
 * n = 0 and n = 1 cases are constant/linear, whatever x (also at 0). */
static AD_INLINE double ad__r_powi_d1(double a, double c)
{
    return c == 0.0 ? 0.0 : c * pow(a, c - 1.0);
}
static AD_INLINE double ad__r_powi_d2(double a, double c)
{
    return (c == 0.0 || c == 1.0) ? 0.0 : c * (c - 1.0) * pow(a, c - 2.0);
}

/* pow(a, b) = y.  d/da = b a^(b-1), written b (y/a) where a != 0 (one
 * rounding fewer than pow(a, b - 1), whose b - 1 loses b's low bits).
 * d/db = y log a, taken as 0 where y = 0 (0^b, b > 0, is constant); NaN for
 * a < 0, where a^b is not real for b near an integer. */
static AD_INLINE double ad__r_pow_da(double a, double b, double y)
{
    if (b == 0.0)
        return 0.0;
    if (a != 0.0 && y != 0.0 && isfinite(y))
        return b * (y / a);
    return b * pow(a, b - 1.0);
}
static AD_INLINE double ad__r_pow_db(double a, double y)
{
    return y == 0.0 ? 0.0 : y * log(a);
}
static AD_INLINE double ad__r_pow_daa(double a, double b, double y)
{
    if (b == 0.0 || b == 1.0)
        return 0.0;
    if (a != 0.0 && y != 0.0 && isfinite(y))
        return b * (b - 1.0) * (y / a / a);
    return b * (b - 1.0) * pow(a, b - 2.0);
}
static AD_INLINE double ad__r_pow_dab(double a, double b, double y)
{
    if (a == 0.0)
        return b > 1.0 ? 0.0 : NAN;
    if (b == 0.0)
        return 1.0 / a;
    return (y / a) * (1.0 + b * log(a));
}
static AD_INLINE double ad__r_pow_dbb(double a, double y)
{
    if (y == 0.0)
        return 0.0;
    double l = log(a);
    return y * l * l;
}

/* atan2(a, b): d/da = b/(a^2 + b^2); d/db = -a/(a^2 + b^2) is
 * ad__r_atan2_da(b, -a).  Both arguments are scaled by the power of two k
 * that brings the larger to [1/2, 1): the squares can then neither overflow
 * nor underflow where the result is normal.  NaN at the origin (0/0), where
 * atan2 is not differentiable. */
static AD_INLINE double ad__r_atan2_scale(double a, double b)
{
    double s = fmax(fabs(a), fabs(b));
    if (s == 0.0 || !isfinite(s))
        return 1.0;
    int e;
    frexp(s, &e);
    return ldexp(1.0, -e);
}
static AD_INLINE double ad__r_atan2_da(double a, double b)
{
    double k = ad__r_atan2_scale(a, b);
    double as = a * k, bs = b * k;
    return bs / (as * as + bs * bs) * k;
}
static AD_INLINE double ad__r_atan2_daa(double a, double b)
{
    double k = ad__r_atan2_scale(a, b);
    double as = a * k, bs = b * k;
    double r = as * as + bs * bs;
    return -2.0 * as * bs / (r * r) * k * k;
}
static AD_INLINE double ad__r_atan2_dab(double a, double b)
{
    double k = ad__r_atan2_scale(a, b);
    double as = a * k, bs = b * k;
    double r = as * as + bs * bs;
    return (as - bs) * (as + bs) / (r * r) * k * k;
}

/* hypot(a, b) = y: d/da = a/y, d2/da2 = b^2/y^3, d2/dadb = -ab/y^3.  At the
 * origin every partial is taken as 0 (as |x| at 0). */
static AD_INLINE double ad__r_hypot_da(double a, double y)
{
    return y == 0.0 ? 0.0 : a / y;
}
static AD_INLINE double ad__r_hypot_daa(double b, double y)
{
    return y == 0.0 ? 0.0 : (b / y) * (b / y) / y;
}
static AD_INLINE double ad__r_hypot_dab(double a, double b, double y)
{
    return y == 0.0 ? 0.0 : (a / y) * (b / y) / y;
}

/* fmin/fmax values.  C leaves the sign of fmin(+0, -0) and fmax(+0, -0)
 * unspecified (C11 F.10.9.2); glibc returns one operand by position, and a
 * compiler may swap the operands of a call it knows to be commutative, so
 * that the same expression gave +0 in one mode and -0 in another (found by
 * the differential fuzzer: atan2(fmax(x - x, -0), -1.5) was +pi or -pi).
 * At a tie of zeros these return -0 (fmin) and +0 (fmax), as MPFR's
 * mpfr_min and mpfr_max do. */
static AD_INLINE double ad__r_fmin(double a, double b)
{
    if (a == 0.0 && b == 0.0)
        return signbit(a) ? a : b;
    return fmin(a, b);
}
static AD_INLINE double ad__r_fmax(double a, double b)
{
    if (a == 0.0 && b == 0.0)
        return signbit(a) ? b : a;
    return fmax(a, b);
}

/* fmin/fmax: the partial is 1 for the argument returned, 0 for the other,
 * 1/2 each at a tie (the average of both sides).  A NaN argument is ignored
 * by fmin/fmax, so the other one gets the partial 1. */
static AD_INLINE double ad__r_fmin_da(double a, double b)
{
    return (a < b || b != b) ? 1.0 : (a == b ? 0.5 : 0.0);
}
static AD_INLINE double ad__r_fmax_da(double a, double b)
{
    return (a > b || b != b) ? 1.0 : (a == b ? 0.5 : 0.0);
}

/* ---- complex values, for the complex step ---- */
#ifndef __cplusplus

/* C11's CMPLX (exact, also for infinite parts); glibc hides it from clang. */
#if defined(CMPLX)
#define AD__CMPLX(x, y) CMPLX(x, y)
#elif defined(__clang__)
#define AD__CMPLX(x, y) __builtin_complex((double)(x), (double)(y))
#else
#define AD__CMPLX(x, y) ((double)(x) + _Complex_I * (double)(y))
#endif

/* First-order expansion f(x) + i Im(z) f'(x) from the generated rules:
 * exact for the complex step (Im z tiny), used for the AD_F_CSTEP1
 * primitives. */
#define ad__cstep_1(n, z, c)                                                   \
    AD__CMPLX(0.0,                                                             \
              cimag(z) * ad__##n##_d1(creal(z), c, ad__##n##_v(creal(z), c)))
#define ad__cstep_2(n, z, w)                                                   \
    AD__CMPLX(                                                                 \
        0.0,                                                                   \
        ad__chain_guarded(                                                     \
            ad__##n##_da(creal(z), creal(w), ad__##n##_v(creal(z), creal(w))), \
            cimag(z)) +                                                        \
            ad__chain_guarded(ad__##n##_db(creal(z), creal(w),                 \
                                           ad__##n##_v(creal(z), creal(w))),   \
                              cimag(w)))

static AD_INLINE double complex ad__cexpm1(double complex z)
{
    double x = creal(z), h = cimag(z), e = exp(x), s = sin(0.5 * h);
    return AD__CMPLX(expm1(x) - 2.0 * e * s * s, e * sin(h));
}

/* log(1 + x + ih) = log1p(x) + log1p(h^2/(1+x)^2)/2 + i atan2(h, 1 + x). */
static AD_INLINE double complex ad__clog1p(double complex z)
{
    double x = creal(z), h = cimag(z), u = 1.0 + x, q = h / u;
    return AD__CMPLX(log1p(x) + 0.5 * log1p(q * q), atan2(h, u));
}

static AD_INLINE double complex ad__cfabs(double complex z)
{
    return creal(z) < 0.0 ? -z : z;
}

/* At a tie the imaginary parts are averaged (the partials 1/2 each) and
 * the real part is that of the double rule, signed zeros included. */
static AD_INLINE double complex ad__cfmin(double complex z, double complex w)
{
    double a = creal(z), b = creal(w);
    if (a == b)
        return AD__CMPLX(ad__r_fmin(a, b), 0.5 * (cimag(z) + cimag(w)));
    return (a < b || b != b) ? z : w;
}
static AD_INLINE double complex ad__cfmax(double complex z, double complex w)
{
    double a = creal(z), b = creal(w);
    if (a == b)
        return AD__CMPLX(ad__r_fmax(a, b), 0.5 * (cimag(z) + cimag(w)));
    return (a > b || b != b) ? z : w;
}

/* atan2 on complex arguments, analytic and exact for the complex step: the
 * real part is atan2 of the real parts, the imaginary part that of catan of
 * the better-conditioned quotient. */
static AD_INLINE double complex ad__catan2(double complex z, double complex w)
{
    double a = creal(z), b = creal(w);
    double im = fabs(a) > fabs(b) ? -cimag(catan(w / z)) : cimag(catan(z / w));
    return AD__CMPLX(atan2(a, b), im);
}

#endif /* !__cplusplus */

/* ---- the expansion ---- */

#ifndef __cplusplus
/* The real part is the double rule's value exactly (see ops.def); the
 * table's complex expression supplies the imaginary part. */
#define AD__RULE_CV1(n, CV)                                                    \
    static AD_INLINE double complex ad__##n##_cv(double complex z, double c)   \
    {                                                                          \
        double complex r_ = CV;                                                \
        return AD__CMPLX(ad__##n##_v(creal(z), c), cimag(r_));                 \
    }
#define AD__RULE_CV2(n, CV)                                                    \
    static AD_INLINE double complex ad__##n##_cv(double complex z,             \
                                                 double complex w)             \
    {                                                                          \
        double complex r_ = CV;                                                \
        return AD__CMPLX(ad__##n##_v(creal(z), creal(w)), cimag(r_));          \
    }
#else
#define AD__RULE_CV1(n, CV)
#define AD__RULE_CV2(n, CV)
#endif

#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static AD_INLINE double ad__##n##_v(double a, double c)                    \
    {                                                                          \
        (void)c;                                                               \
        return V;                                                              \
    }                                                                          \
    static AD_INLINE double ad__##n##_d1(double a, double c, double y)         \
    {                                                                          \
        (void)a, (void)c, (void)y;                                             \
        return ad__domain_fix(F, y, D1);                                       \
    }                                                                          \
    static AD_INLINE double ad__##n##_d2(double a, double c, double y)         \
    {                                                                          \
        (void)a, (void)c, (void)y;                                             \
        return ad__domain_fix(F, y, D2);                                       \
    }                                                                          \
    AD__RULE_CV1(n, CV)
#define AD_OP1P AD_OP1
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE double ad__##n##_v(double a, double b)                    \
    {                                                                          \
        return V;                                                              \
    }                                                                          \
    static AD_INLINE double ad__##n##_da(double a, double b, double y)         \
    {                                                                          \
        (void)a, (void)b, (void)y;                                             \
        return ad__domain_fix(F, y, DA);                                       \
    }                                                                          \
    static AD_INLINE double ad__##n##_db(double a, double b, double y)         \
    {                                                                          \
        (void)a, (void)b, (void)y;                                             \
        return ad__domain_fix(F, y, DB);                                       \
    }                                                                          \
    static AD_INLINE double ad__##n##_daa(double a, double b, double y)        \
    {                                                                          \
        (void)a, (void)b, (void)y;                                             \
        return ad__domain_fix(F, y, DAA);                                      \
    }                                                                          \
    static AD_INLINE double ad__##n##_dab(double a, double b, double y)        \
    {                                                                          \
        (void)a, (void)b, (void)y;                                             \
        return ad__domain_fix(F, y, DAB);                                      \
    }                                                                          \
    static AD_INLINE double ad__##n##_dbb(double a, double b, double y)        \
    {                                                                          \
        (void)a, (void)b, (void)y;                                             \
        return ad__domain_fix(F, y, DBB);                                      \
    }                                                                          \
    AD__RULE_CV2(n, CV)
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

#endif /* ADMIX_RULES_H */
