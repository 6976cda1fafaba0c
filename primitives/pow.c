/* pow -- y = a^b, as C's pow.
 *
 * df/da = b a^(b-1), 0 for b = 0 (a^0 = 1 is constant in a, also at a = 0);
 * df/db = a^b log a = y log a, 0 where y = 0 (for a = 0 and b > 0, 0^b = 0
 * is constant in b);
 * f_aa = b (b-1) a^(b-2), 0 for b = 0 and b = 1;
 * f_ab = a^(b-1) (1 + b log a) = (y/a)(1 + b log a), 1/a for b = 0; at
 *        a = 0 it is 0 for b > 1 and NaN otherwise;
 * f_bb = y (log a)^2, 0 where y = 0.
 * Domain: a > 0 with any b; a = 0 with any b (C's pow(0, b): 0 for b > 0,
 * 1 for b = 0, +-inf for b < 0, a pole); a < 0 with an integer b, where
 * a^b = +-|a|^b.  For a < 0 and a non-integer b, a^b is not real: the value
 * is NaN (a domain error) and every partial is NaN.  The special values of
 * C's pow are kept (pow(1, NaN) = 1, pow(NaN, 0) = 1, pow(-1, +-inf) = 1).
 * Conventions where f is not differentiable in the usual sense:
 *  - d/db for a < 0: a^b is defined at integer b only, so there is no
 *    derivative in b; log a is NaN and so are df/db, f_ab and f_bb.
 *  - a = 0: df/da = b 0^(b-1) by C's pow (0 for b > 1, 1 for b = 1, +-inf
 *    for b < 1, b != 0), f_aa likewise with 0^(b-2); df/db = 0 and f_bb = 0
 *    for b > 0 (y = 0), f_ab as above.
 * The formulas, in the double and the MPFR rules alike, are those of
 * rules.h: where a != 0 and y is finite and nonzero, a^(b-1) = y/a and
 * a^(b-2) = y/a/a (exact identities, and one rounding fewer than pow(a,
 * b - 1), whose b - 1 loses the low bits of a small b); elsewhere
 * pow(a, b - 1) and pow(a, b - 2), with b - 1 and b - 2 exact in MPFR.
 * Accuracy of the double rules: y is glibc's pow (< 1 ulp); df/da =
 * b (y/a) takes two more roundings and df/db = y log a one more and
 * log's (< 1 ulp): a few ulps.  f_aa = b (b-1) (y/a/a): b - 1 is exact
 * near b = 1 (Sterbenz), where f_aa vanishes, so f_aa keeps its relative
 * accuracy there.  f_bb = y l l: three roundings, log's error twice.
 * f_ab vanishes on the curve b log a = -1 (a^b = 1/e), where 1 + b log a
 * cancels: log a carries an absolute error of about |log a| 2^-53, so the
 * error of f_ab is about (1 + |b log a|)/|1 + b log a| ulps, with no
 * relative bound near the curve; the sampler stays out of
 * |1 + b log a| < 1/8 (see sample()), where that ratio is at most 9, and
 * the documented bound of the second partials (14 ulp; 12.2 measured, all
 * at f_ab) holds there.  No double formula does better: 1 + b log a, log(e
 * y) and the like all carry log's rounding, and the ill-conditioning of
 * f_ab near its zero is that of 1 + b log a itself.
 * The MPFR rules evaluate 1 + b log a with as many extra bits as the
 * cancellation takes (a Ziv loop), so they are accurate on the curve too.
 */
#include <math.h>

#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)c;
    mpfr_pow(y, a, b, rnd);
    return 0;
}

/* x == 1 (mpfr_cmp_ui alone would also say so for NaN). */
static int is_one(mpfr_srcptr x)
{
    return mpfr_number_p(x) && mpfr_cmp_ui(x, 1) == 0;
}

/* r = b - k exactly (k = 1 or 2): r gets a precision that holds every bit
 * from the higher of b's and k's leading bits down to the lower of their
 * last bits.  Used where a or a^b is 0 or infinite (a = 0, a = +-inf),
 * where the sign of b - k and whether it is an odd integer decide
 * pow(a, b - k). */
static void exact_sub(mpfr_ptr r, mpfr_srcptr b, unsigned long k)
{
    mpfr_prec_t p = mpfr_get_prec(b) + 4;
    if (mpfr_regular_p(b)) {
        mpfr_exp_t e = mpfr_get_exp(b);
        mpfr_exp_t hi = e > 2 ? e : 2;
        mpfr_exp_t lo = e - (mpfr_exp_t)mpfr_get_prec(b);
        if (lo > 0)
            lo = 0;
        p = (mpfr_prec_t)(hi - lo) + 2;
    }
    mpfr_set_prec(r, p);
    mpfr_sub_ui(r, b, k, MPFR_RNDN);
}

/* a^(b-k) at t's precision for k = 1, 2: y/a (or y/a/a) from t = a^b where
 * a and a^b are regular, pow(a, b - k) otherwise. */
static void pow_shifted(mpfr_ptr t, mpfr_srcptr a, mpfr_srcptr b,
                        unsigned long k)
{
    mpfr_pow(t, a, b, MPFR_RNDN);
    if (mpfr_regular_p(a) && mpfr_regular_p(t)) {
        for (unsigned long i = 0; i < k; i++)
            mpfr_div(t, t, a, MPFR_RNDN);
    } else {
        mpfr_t e;
        mpfr_init2(e, MPFR_PREC_MIN);
        exact_sub(e, b, k);
        mpfr_pow(t, a, e, MPFR_RNDN);
        mpfr_clear(e);
    }
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)c;
    mpfr_t t;
    if (mpfr_nan_p(y)) {
        mpfr_set_nan(p[0]);
        mpfr_set_nan(p[1]);
        return 0;
    }
    mpfr_init2(t, ad__wprec(p[0]));
    if (mpfr_zero_p(b)) {
        mpfr_set_zero(p[0], 1);
    } else {
        pow_shifted(t, a, b, 1);
        mpfr_mul(p[0], t, b, MPFR_RNDN);
    }
    mpfr_set_prec(t, ad__wprec(p[1]));
    mpfr_pow(t, a, b, MPFR_RNDN);
    if (mpfr_zero_p(t)) {
        mpfr_set_zero(p[1], 1);
    } else {
        mpfr_t l;
        mpfr_init2(l, ad__wprec(p[1]));
        mpfr_log(l, a, MPFR_RNDN);
        mpfr_mul(p[1], t, l, MPFR_RNDN);
        mpfr_clear(l);
    }
    mpfr_clear(t);
    return 0;
}

/* f_ab = (a^b / a)(1 + b log a) into r, for regular a and b != 0.  The
 * cancellation in 1 + b log a loses `lost` bits; the sum is recomputed at
 * ad__wprec(r) + lost bits when that leaves fewer than 56 guard bits.
 * 1 + b log a is never exactly 0 for a != 1 (it would make a = e^(-1/b)
 * rational), so `lost` is finite; the working precision is capped at 64
 * times ad__wprec(r) all the same. */
static void pow_dab(mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b)
{
    mpfr_prec_t need = ad__wprec(r), w = need;
    mpfr_t t, u;
    mpfr_inits2(w, t, u, (mpfr_ptr)0);
    for (;;) {
        mpfr_log(u, a, MPFR_RNDN);
        mpfr_mul(u, u, b, MPFR_RNDN);
        mpfr_exp_t eu = mpfr_regular_p(u) ? mpfr_get_exp(u) : 1;
        mpfr_add_ui(u, u, 1, MPFR_RNDN);
        mpfr_exp_t lost =
            mpfr_regular_p(u) ? (eu > 1 ? eu : 1) - mpfr_get_exp(u) : 0;
        if (w - lost >= need - 8 || w >= 64 * need)
            break;
        w = need + lost < 64 * need ? need + lost : 64 * need;
        mpfr_set_prec(u, w);
    }
    mpfr_set_prec(t, w);
    mpfr_pow(t, a, b, MPFR_RNDN);
    mpfr_div(t, t, a, MPFR_RNDN);
    mpfr_mul(r, t, u, MPFR_RNDN);
    mpfr_clears(t, u, (mpfr_ptr)0);
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)c;
    mpfr_t t, l;
    if (mpfr_nan_p(y)) {
        mpfr_set_nan(p[0]);
        mpfr_set_nan(p[1]);
        mpfr_set_nan(p[2]);
        return 0;
    }
    /* f_aa = b (b-1) a^(b-2); b - 1 rounded to the working precision keeps
     * its relative accuracy (it is correctly rounded). */
    if (mpfr_zero_p(b) || is_one(b)) {
        mpfr_set_zero(p[0], 1);
    } else {
        mpfr_inits2(ad__wprec(p[0]), t, l, (mpfr_ptr)0);
        pow_shifted(t, a, b, 2);
        mpfr_sub_ui(l, b, 1, MPFR_RNDN);
        mpfr_mul(l, l, b, MPFR_RNDN);
        mpfr_mul(p[0], t, l, MPFR_RNDN);
        mpfr_clears(t, l, (mpfr_ptr)0);
    }
    /* f_ab, with the special cases of ad__r_pow_dab (rules.h). */
    if (mpfr_zero_p(a)) {
        if (!mpfr_nan_p(b) && mpfr_cmp_ui(b, 1) > 0)
            mpfr_set_zero(p[1], 1);
        else
            mpfr_set_nan(p[1]);
    } else if (mpfr_zero_p(b)) {
        mpfr_ui_div(p[1], 1, a, MPFR_RNDN);
    } else if (mpfr_regular_p(a) && !is_one(a) && mpfr_sgn(a) > 0) {
        pow_dab(p[1], a, b);
    } else {
        /* a infinite or negative (log a NaN), or a = 1 (log a = 0): no
         * cancellation, the formula as it stands. */
        mpfr_inits2(ad__wprec(p[1]), t, l, (mpfr_ptr)0);
        mpfr_log(l, a, MPFR_RNDN);
        mpfr_mul(l, l, b, MPFR_RNDN);
        mpfr_add_ui(l, l, 1, MPFR_RNDN);
        mpfr_pow(t, a, b, MPFR_RNDN);
        mpfr_div(t, t, a, MPFR_RNDN);
        mpfr_mul(p[1], t, l, MPFR_RNDN);
        mpfr_clears(t, l, (mpfr_ptr)0);
    }
    /* f_bb = y (log a)^2, 0 where y = 0. */
    mpfr_inits2(ad__wprec(p[2]), t, l, (mpfr_ptr)0);
    mpfr_pow(t, a, b, MPFR_RNDN);
    if (mpfr_zero_p(t)) {
        mpfr_set_zero(p[2], 1);
    } else {
        mpfr_log(l, a, MPFR_RNDN);
        mpfr_sqr(l, l, MPFR_RNDN);
        mpfr_mul(p[2], t, l, MPFR_RNDN);
    }
    mpfr_clears(t, l, (mpfr_ptr)0);
    return 0;
}

/* b uniform in [-cap, cap], narrowed so that the exponents of a^b,
 * a^(b-1) and a^(b-2) (that is, b log a, (b-2) log a and what lies between)
 * stay within +-650: every partial is then finite and normal.  This needs
 * |log a| <= 650 (|a| >= 1e-282). */
static double draw_b(uint64_t *s, double a, double cap)
{
    double l = fabs(log(fabs(a))), lo = -cap, hi = cap;
    if (l > 0.0) {
        if (2.0 - 650.0 / l > lo)
            lo = 2.0 - 650.0 / l;
        if (650.0 / l < hi)
            hi = 650.0 / l;
    }
    return ad__rand_uniform(s, lo, hi);
}

/* Points across the domain: a > 0 from 1e-280 to 1e280 with b as above;
 * a < 0 with integer b in [-30, 30]; a near 0 (where b is confined near
 * [0.1, 0.9] at the smallest a); a near 1 with large |b|; b near 0, 1 and
 * 2; integer b with a > 0.  f_ab's zero curve |1 + b log a| < 1/8 is
 * avoided (see the header): such points are redrawn. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    double a, b;
    do {
        switch (ad__rand_next(s) % 8) {
        case 0:
            a = -ad__rand_logmag(s, -3.0, 3.0, 0);
            b = (double)ad__rand_int(s, -30, 30);
            break;
        case 1:
            a = ad__rand_logmag(s, -280.0, -5.0, 0);
            b = draw_b(s, a, 30.0);
            break;
        case 2:
            a = 1.0 + ad__rand_logmag(s, -15.0, -1.0, 1);
            b = ad__rand_logmag(s, 0.0, 12.0, 1);
            if (fabs(b * log(a)) > 600.0)
                b = draw_b(s, a, 1e12);
            break;
        case 3: {
            static const double at[3] = {0.0, 1.0, 2.0};
            a = ad__rand_logmag(s, -3.0, 3.0, 0);
            b = at[ad__rand_next(s) % 3] + ad__rand_logmag(s, -15.0, -1.0, 1);
            break;
        }
        case 4:
            a = ad__rand_logmag(s, 3.0, 280.0, 0);
            b = draw_b(s, a, 30.0);
            break;
        case 5:
            a = ad__rand_logmag(s, -3.0, 3.0, 0);
            b = (double)ad__rand_int(s, -30, 30);
            break;
        default:
            a = ad__rand_logmag(s, -3.0, 3.0, 0);
            b = draw_b(s, a, 30.0);
            break;
        }
    } while (a > 0.0 && fabs(1.0 + b * log(a)) < 0.125);
    x[0] = a;
    x[1] = b;
}

/* Bounds: the largest errors measured on 400000 sampled points (two seeds)
 * against MPFR at 128 bits, in ulps, were: value 0.505, df/da 2.44, df/db 1.88,
 * f_aa 3.55, f_ab 12.2 (near its zero curve, see the header), f_bb 3.28. */
const ad__prim ad__prim_pow = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                               1.0,        3.0,     14.0};
