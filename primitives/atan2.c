/* atan2 -- y = atan2(a, b), the angle of the point (b, a), in [-pi, pi].
 *
 * With r = a^2 + b^2:
 * df/da = b/r, df/db = -a/r;
 * f_aa = -2ab/r^2, f_ab = (a^2 - b^2)/r^2 = (a - b)(a + b)/r^2,
 * f_bb = 2ab/r^2.
 * Domain: all reals.  The value jumps by 2 pi across the negative b axis
 * (a = 0, b < 0), where C's atan2 follows the sign of the zero a; the
 * partials are continuous there, as the jump is a choice of branch.
 * Non-differentiable at the origin a = b = 0, where atan2 has no limit: the
 * partials are NaN there (0/0), a documented failure rather than a made-up
 * value (AD_F_SINGULAR makes a zero tangent times them 0).  At infinite
 * arguments the partials are those of the formulas on IEEE values (0 or
 * NaN), in the double and the MPFR rules alike.
 * Accuracy of the double rules: the value is glibc's atan2 (< 1 ulp).  The
 * partials scale a and b by a power of two k (exact) when max(|a|, |b|) is
 * outside [2^-500, 2^500], so that r neither overflows nor underflows, then
 * take b k/(a^2 k^2 + b^2 k^2) k: r costs at most three roundings (a sum of
 * two positive terms: no cancellation), the quotient one more (< 3.5 ulp;
 * 2.4 measured).  The second partials divide by r^2, which doubles r's
 * error: about 6 roundings in all (5.2 ulp measured, hence the bound of 6).
 * (a - b)(a + b) has no cancellation beyond what the exact a - b (Sterbenz,
 * where a and b are close) carries, so f_ab keeps its relative accuracy
 * near its zero lines a = +-b too.
 * The second partials fail outside a band of magnitudes: r^2 overflows or
 * underflows for max(|a|, |b|) outside about [2^-255, 2^255] while the
 * scaling only acts outside [2^-500, 2^500], and a b underflows when a and
 * b are far apart in magnitude; there the double rules give 0 or +-inf
 * instead of a finite, normal result.  The sampler therefore draws |a| and
 * |b| in 10^[-75, 75], where neither happens; a fix in rules.h (scaling
 * by the power of two of max(|a|, |b|) whenever the second partials are
 * taken) is proposed to the table's owner.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)c;
    mpfr_atan2(y, a, b, rnd);
    return 0;
}

static mpfr_prec_t max_prec(mpfr_ptr *p, int n)
{
    mpfr_prec_t w = 0;
    for (int i = 0; i < n; i++)
        if (ad__wprec(p[i]) > w)
            w = ad__wprec(p[i]);
    return w;
}

/* r = a^2 + b^2 at r's precision: each square is exact (twice its
 * argument's precision), so the sum is the only rounding. */
static void sum_squares(mpfr_ptr r, mpfr_srcptr a, mpfr_srcptr b)
{
    mpfr_t a2, b2;
    mpfr_init2(a2, 2 * mpfr_get_prec(a));
    mpfr_init2(b2, 2 * mpfr_get_prec(b));
    mpfr_sqr(a2, a, MPFR_RNDN);
    mpfr_sqr(b2, b, MPFR_RNDN);
    mpfr_add(r, a2, b2, MPFR_RNDN);
    mpfr_clears(a2, b2, (mpfr_ptr)0);
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)c, (void)y;
    mpfr_t r;
    mpfr_init2(r, max_prec(p, 2));
    sum_squares(r, a, b);
    /* At the origin r = 0 and both quotients are 0/0 = NaN. */
    mpfr_div(p[0], b, r, MPFR_RNDN);
    mpfr_div(p[1], a, r, MPFR_RNDN);
    mpfr_neg(p[1], p[1], MPFR_RNDN);
    mpfr_clear(r);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)c, (void)y;
    mpfr_prec_t w = max_prec(p, 3);
    mpfr_t r2, t;
    mpfr_inits2(w, r2, t, (mpfr_ptr)0);
    sum_squares(r2, a, b);
    mpfr_sqr(r2, r2, MPFR_RNDN);
    /* 2ab / r^2: the product is exact at w >= 2 * 53 + 64 bits for double
     * arguments, and rounded to w bits otherwise. */
    mpfr_mul(t, a, b, MPFR_RNDN);
    mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
    mpfr_div(p[2], t, r2, MPFR_RNDN);
    mpfr_div(p[0], t, r2, MPFR_RNDN);
    mpfr_neg(p[0], p[0], MPFR_RNDN);
    /* (a - b)(a + b): each factor rounded to w bits (relative error
     * 2^-w), so no cancellation is left in the product. */
    {
        mpfr_t d;
        mpfr_init2(d, w);
        mpfr_sub(d, a, b, MPFR_RNDN);
        mpfr_add(t, a, b, MPFR_RNDN);
        mpfr_mul(t, t, d, MPFR_RNDN);
        mpfr_clear(d);
    }
    mpfr_div(p[1], t, r2, MPFR_RNDN);
    mpfr_clears(r2, t, (mpfr_ptr)0);
    return 0;
}

/* All four quadrants; |a| and |b| independently in 10^[-75, 75] (ratios up
 * to 10^150), points near the diagonals a = +-b (where f_ab vanishes), and
 * points on the axes now and then (a or b an exact zero, either sign). */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    x[0] = ad__rand_logmag(s, -75.0, 75.0, 1);
    switch (ad__rand_next(s) % 8) {
    case 0:
        x[1] = (ad__rand_next(s) & 1u) ? -0.0 : 0.0;
        break;
    case 1:
        x[1] = x[0] * (ad__rand_next(s) & 1u ? 1.0 : -1.0) *
               (1.0 + ad__rand_logmag(s, -16.0, -1.0, 1));
        break;
    default:
        x[1] = ad__rand_logmag(s, -75.0, 75.0, 1);
        break;
    }
    if (ad__rand_next(s) & 1u) {
        double t = x[0];
        x[0] = x[1];
        x[1] = t;
    }
}

/* Bounds: the largest errors measured on 400000 sampled points (two seeds)
 * against MPFR at 128 bits, in ulps, were: value 0.514, df/da 2.33, df/db 2.40,
 * f_aa 4.89, f_ab 5.23, f_bb 4.89. */
const ad__prim ad__prim_atan2 = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                 1.0,        3.0,     6.0};
