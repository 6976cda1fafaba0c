/* lgamma -- y = log|Gamma(a)|, as C's lgamma.
 *
 * f'(a) = psi(a), the digamma function;  f''(a) = psi_1(a), the trigamma
 * function, which is positive at every real non-pole (log|Gamma| is convex
 * between its poles).
 * Domain: all reals but the poles a = 0, -1, -2, ..., where C's lgamma is
 * +inf (a pole error) and both partials are NaN; lgamma(-inf) = +inf with
 * NaN partials; lgamma(+inf) = +inf with f' = +inf, f'' = 0; a NaN argument
 * gives NaN everywhere.  The value is finite and differentiable at every
 * other point.
 *
 * This file also defines ad__digamma and ad__trigamma (declared in rules.h),
 * the double psi and psi_1 of the rules of lgamma and tgamma.  They are
 * written here rather than taken from GSL, whose special functions call
 * GSL's error handler (abort() by default) at poles and on underflow.
 *
 * ad__digamma(x):
 *  - x >= 8: psi(x) = log x - 1/(2x) - sum_{k=1}^{12} B_2k/(2k x^2k)
 *    (Abramowitz & Stegun 6.3.18); the first omitted term is below 0.001
 *    ulp at x = 8.  From 8 on, log x and psi(x) share their binade (but
 *    for narrow bands above e^4, e^8, ...), so log's rounding costs at
 *    most about half an ulp of psi.
 *  - 2.5 < x < 8: psi(x) = psi(x - m) + sum_{k=1}^{m} 1/(x - k) (A&S
 *    6.3.6), down to x - m in (1.5, 2.5]; every term is positive (psi > 0
 *    above its root x0 = 1.4616...), so nothing cancels; x - k is exact and
 *    the sum is compensated (each 1/z in two doubles by fma, TwoSum), so
 *    that it costs no more than its final rounding.
 *  - 1 <= x <= 2.5: psi(x) = (x - x0) Q(x - 1.75), where Q is a polynomial
 *    of degree 27: the monomial form of the Chebyshev interpolant of
 *    psi(x)/(x - x0) on [1, 2.5] at 64 nodes, computed with mpmath at 80
 *    digits, truncated where its Chebyshev coefficients fall below 2^-60
 *    of Q, and rounded to doubles.  x - x0 is formed as (x - X0_HI) -
 *    X0_LO, the first difference exact (Sterbenz), so psi keeps its
 *    relative accuracy at its root: the error is that of Q (its constant
 *    term held in two doubles, the last Horner step and the product fused)
 *    plus one rounding.
 *  - 0 < x < 1: psi(x) = psi(x + 1) - 1/x, with psi(x + 1) from the
 *    polynomial at x + 1 - 1.75 = x - 0.75 and (x + 1) - x0 = x - (x0 - 1)
 *    (TwoSum), both formed from x without rounding x + 1, and 1/x in two
 *    doubles.
 *  - x < 0: reflection, psi(x) = psi(1 - x) - pi cot(pi x) (A&S 6.3.7),
 *    with the argument reduced exactly (x - n), 1 - x held in two doubles
 *    (psi(1 - x) corrected by the low part times psi_1), and pi cot(pi r)
 *    in two doubles, from tan of an argument in [0, pi/4] itself carried
 *    in two doubles.
 *  - Poles (0, negative integers, -inf) give NaN; +inf gives +inf.
 * Accuracy of ad__digamma, measured against mpfr_digamma: for x > 0 a
 * relative error below 1.4 ulp, also at the root x0, where the error is
 * relative to |psi(x)| ~ 0.97 |x - x0|.  For x < 0 the error is about
 * 2 ulp of max(|psi(1 - x)|, |pi cot pi x|): a relative error of about
 * 2 ulp away from the zeros of psi (one in each interval (-n-1, -n)), but
 * only an absolute bound of a few units of 2^-53 max(|psi(1 - x)|,
 * |pi cot pi x|) near them, where the two terms cancel (no formula in
 * double precision does better: psi is ill-conditioned there).  The
 * samplers of lgamma and tgamma draw negative arguments only where
 * |psi(a)| >= max(|psi(1 - a)|, |pi cot pi a|)/2 (a fixed fraction of each
 * interval between poles), and the documented ulp bounds of f' hold there.
 *
 * ad__trigamma(x):
 *  - x >= 10: psi_1(x) = 1/x + 1/(2x^2) + sum_{k=1}^{9} B_2k/x^(2k+1)
 *    (A&S 6.4.12), with 1/x in two doubles; the first omitted term is
 *    below 0.05 ulp at x = 10.
 *  - 0 < x < 10: psi_1(x) = sum_{k=0}^{n-1} 1/(x + k)^2 + psi_1(x + n)
 *    with x + n >= 10 (A&S 6.4.6): all terms positive, x + k in two
 *    doubles, each 1/z^2 in two doubles, the sum compensated.
 *  - -40 < x < 0: the same recurrence up to x + n in (0, 1), all terms
 *    positive again (x + k is exact for k >= 1).
 *  - x <= -40: psi_1(x) = pi^2/sin^2(pi x) - psi_1(1 - x) (A&S 6.4.7), with
 *    the exact reduction of x and pi/sin(pi r) in two doubles; psi_1(1 - x)
 *    < 1/40 is negligible next to pi^2/sin^2 >= pi^2, but the rounding of
 *    sin (glibc's, < 1 ulp) is doubled by the square.
 *  - Poles give NaN, +inf gives 0.
 * Accuracy of ad__trigamma, measured against the MPFR trigamma below:
 * below 0.7 ulp for x > -40 (psi_1 has no real zero), below 4 ulp for
 * x <= -40.
 *
 * Accuracy of the double rules of lgamma: the value is glibc's lgamma (3.5
 * ulp at most on the sampled points; glibc 2.22 and later keep it accurate
 * near the negative zeros of lgamma too); f' and f'' are ad__digamma and
 * ad__trigamma.  C's lgamma also writes the global signgam, which is a
 * data race when threads evaluate it at once (reported to the table's
 * owner; lgamma_r, where available, does not).
 *
 * The MPFR rules: the value is mpfr_lgamma, f' mpfr_digamma (both
 * correctly rounded).  MPFR has no trigamma; trigamma_mpfr() below sums
 * psi_1(x) = sum_{k<n} 1/(x+k)^2 + psi_1(x + n) up to x + n >= w/2 + 8 (w
 * the working precision in bits), then the asymptotic series with B_2k =
 * (-1)^(k+1) 2 (2k)! zeta(2k)/(2 pi)^(2k) (mpfr_zeta_ui) until a term falls
 * below 2^-(w+2) of the sum.  For real x > 0 the series (DLMF 5.15.8) is
 * enveloping: its remainder is below its first omitted term (H. Alzer,
 * Math. Comp. 66 (1997) 373-389); at x + n >= w/2 the terms fall far below
 * 2^-w before they start growing (the smallest is about
 * exp(-2 pi (x + n))).  Negative arguments use the reflection with
 * mpfr_sinpi, whose difference cancels less than a factor 1.4 (pi^2/sin^2
 * >= pi^2, psi_1(1 - x) <= pi^2/6).  Every step is rounded to w bits; the
 * at most w/2 + 9 positive terms cost fewer than 8 of the 64 guard bits.
 * Checked against mpmath's psi(1, x) at 300 bits (agreement to 2^-150 at
 * 160 bits, from x = -1234.567 to 1.2e8 and 1e-100).
 */
/* lgamma_r (POSIX.1-2024, glibc): the thread-safe lgamma, see ad__lgamma. */
#define _DEFAULT_SOURCE
#include <math.h>

#include "primitive.h"

/* ---- ad__digamma and ad__trigamma ---- */

/* pi = PI_HI + PI_LO, to 2^-107. */
#define PI_HI 0x1.921fb54442d18p+1
#define PI_LO 0x1.1a62633145c07p-53

/* The positive root of psi, x0 = 1.46163214496836234126265954232572132...,
 * as X0_HI + X0_LO, and X0_HI - 1 (exact). */
#define X0_HI   0x1.762d86356be3fp+0
#define X0_LO   0x1.b86a722197829p-54
#define X0M1_HI 0x1.d8b618d5af8fcp-2

/* Q(v) = psi(1.75 + v)/(1.75 + v - x0) for v in [-0.75, 0.75]: the
 * constant term as Q0_HI + Q0_LO, then the coefficients of v^1 .. v^27. */
#define Q0_HI 0x1.b763ca67112a0p-1
#define Q0_LO -0x1.1bb13764941f1p-57
static const double psi_q[27] = {
    -0x1.4e15b17372db3p-2,  0x1.41c830a3206f3p-3,   -0x1.510ab0e548bb0p-4,
    0x1.6effaf57e43b8p-5,   -0x1.97cc6e1059114p-6,  0x1.ca494723aeb11p-7,
    -0x1.0335d25c95e5ap-7,  0x1.266020b4b889dp-8,   -0x1.4f1c285e65907p-9,
    0x1.7e0ad26601b9dp-10,  -0x1.b3f1f98eb950ep-11, 0x1.f1bae16e9271ep-12,
    -0x1.1c3d3975042b2p-12, 0x1.44cf17421e8cap-13,  -0x1.732ae1f199972p-14,
    0x1.a689ab0aeeb75p-15,  -0x1.e2340e7ece65cp-16, 0x1.1d43762870e0cp-16,
    -0x1.48f82e64dd8b9p-17, 0x1.2424c97ea9a00p-18,  -0x1.3b6301c1b7769p-19,
    0x1.abe7ddd0427f9p-19,  -0x1.07388b4ceea44p-19, -0x1.6399470689e1ap-21,
    0x1.ef123ccde4d7dp-22,  0x1.931df7007bf46p-21,  -0x1.e40f147043d9bp-22,
};

/* The rounding error of s = a + b (Knuth's TwoSum): a + b = s + err. */
static double two_sum_err(double a, double b, double s)
{
    double bb = s - a;
    return (a - (s - bb)) + (b - bb);
}

/* (*sh, *sl) += 1/z for an exact z: 1/z = r + (1 - r z)/z, the residual
 * exact by fma, and the sum compensated (TwoSum), so that a recurrence of
 * many terms costs no more than its final rounding. */
static void add_recip(double z, double *sh, double *sl)
{
    double r = 1.0 / z;
    double t = *sh + r;
    *sl += two_sum_err(*sh, r, t) + fma(-r, z, 1.0) / z;
    *sh = t;
}

/* (*sh, *sl) += 1/(zh + zl)^2 with |zl| <= 2^-52 |zh|, to first order in
 * zl and in the rounding errors of zh^2 (fma) and of 1/zh^2.  Below
 * 2^-480, zh is scaled by 2^500 (exact) so that the error term of zh^2
 * does not underflow. */
static void add_recip2(double zh, double zl, double *sh, double *sl)
{
    double k = 1.0;
    if (fabs(zh) < 0x1p-480) {
        zh *= 0x1p500;
        zl *= 0x1p500;
        k = 0x1p1000;
    }
    double h2 = zh * zh, h2l = fma(zh, zh, -h2);
    double r = 1.0 / h2;
    double rl = r * (fma(-r, h2, 1.0) - h2l * r - 2.0 * zl / zh);
    r *= k;
    rl *= k;
    if (isinf(r)) {
        /* Overflow (|zh| < 2^-512), the last term of every caller. */
        *sh = r;
        *sl = 0.0;
        return;
    }
    double t = *sh + r;
    *sl += two_sum_err(*sh, r, t) + rl;
    *sh = t;
}

/* psi(x) = (dh + dl) Q(v), given v = x - 1.75 and x - x0 = dh + dl with
 * |dl| tiny next to |dh| or both tiny. */
static double psi_poly(double v, double dh, double dl)
{
    double r = psi_q[26];
    for (int i = 25; i >= 0; i--)
        r = r * v + psi_q[i];
    /* Q = qh + ql exactly (Fast2Sum: |Q0_HI| > 0.85 >= |s|). */
    double s = fma(v, r, Q0_LO);
    double qh = Q0_HI + s;
    double ql = (Q0_HI - qh) + s;
    return fma(dh, qh, dh * ql + dl * qh);
}

/* psi(x) for x >= 8 (asymptotic series in w = 1/x^2).  From 8 on, psi(x)
 * and log x lie in the same binade but for narrow bands above e^4, e^8, ...,
 * so that log's rounding costs half an ulp of psi. */
static double psi_asym(double x)
{
    double w = 1.0 / (x * x);
    double p = -236364091.0 / 65520;
    p = p * w + 77683.0 / 276;
    p = p * w - 174611.0 / 6600;
    p = p * w + 43867.0 / 14364;
    p = p * w - 3617.0 / 8160;
    p = p * w + 1.0 / 12;
    p = p * w - 691.0 / 32760;
    p = p * w + 1.0 / 132;
    p = p * w - 1.0 / 240;
    p = p * w + 1.0 / 252;
    p = p * w - 1.0 / 120;
    p = p * w + 1.0 / 12;
    return log(x) - (0.5 / x + p * w);
}

/* psi(x) for x > 0. */
static double psi_pos(double x)
{
    if (x >= 8.0)
        return psi_asym(x);
    if (x > 2.5) {
        /* Downward: psi(x - m) + 1/(x-1) + ... + 1/(x-m), x - k exact. */
        double sh = 0.0, sl = 0.0;
        while (x > 2.5) {
            x -= 1.0;
            add_recip(x, &sh, &sl);
        }
        return sh + (sl + psi_poly(x - 1.75, x - X0_HI, -X0_LO));
    }
    if (x >= 1.0)
        return psi_poly(x - 1.75, x - X0_HI, -X0_LO);
    /* 0 < x < 1: psi(x + 1) - 1/x, with 1/x = r + rl. */
    double r = 1.0 / x;
    if (isinf(r))
        return -r;
    double rl = fma(-r, x, 1.0) / x;
    double dh = x - X0M1_HI;
    double dl = two_sum_err(x, -X0M1_HI, dh) - X0_LO;
    return (psi_poly(x - 0.75, dh, dl) - rl) - r;
}

/* r = x - n in [-1/2, 1/2] for an integer n: exact (for |x| > 1/2, x -
 * floor(x) is exact: Sterbenz on (-1, -1/2), and x's last bit is at least
 * 2^-52 beyond), and the same in every rounding mode. */
static double reduce(double x)
{
    if (fabs(x) <= 0.5)
        return x;
    double f = x - floor(x);
    return f > 0.5 ? f - 1.0 : f;
}

/* pi a = th + tl for 0 <= a <= 1/2 (|tl| <= 2^-52 th). */
static void pi_times(double a, double *th, double *tl)
{
    *th = PI_HI * a;
    *tl = fma(PI_HI, a, -*th) + PI_LO * a;
}

/* tan(pi a) for 0 <= a <= 1/4, the rounding of pi a corrected to first
 * order (tan' = 1 + tan^2). */
static double tan_pi(double a)
{
    double th, tl;
    pi_times(a, &th, &tl);
    double t = tan(th);
    return t + tl * (1.0 + t * t);
}

/* pi cot(pi r) = *ch + *cl for 0 < |r| <= 1/2: pi/tan(pi |r|) (pi and the
 * quotient in two doubles) below 1/4, pi tan(pi (1/2 - |r|)) above (1/2 -
 * |r| is exact); 1/r in two doubles below 2^-30, where pi cot(pi r) =
 * (1 - pi^2 r^2/3 - ...)/r. */
static void pi_cot_pi(double r, double *ch, double *cl)
{
    double a = fabs(r);
    if (a < 0x1p-30) {
        *ch = 1.0 / r;
        *cl = isinf(*ch) ? 0.0 : fma(-*ch, r, 1.0) / r;
        return;
    }
    if (a <= 0.25) {
        double t = tan_pi(a);
        *ch = PI_HI / t;
        *cl = (fma(-*ch, t, PI_HI) + PI_LO) / t;
    } else {
        double t = tan_pi(0.5 - a);
        *ch = PI_HI * t;
        *cl = fma(PI_HI, t, -*ch) + PI_LO * t;
    }
    if (r < 0.0) {
        *ch = -*ch;
        *cl = -*cl;
    }
}

/* sin(pi a) for 0 < a <= 1/2. */
static double sin_pi(double a)
{
    double th, tl;
    if (a > 0.25) {
        /* cos(pi (1/2 - a)), flat enough near 0 that tl is negligible. */
        pi_times(0.5 - a, &th, &tl);
        return cos(th) - tl * sin(th);
    }
    pi_times(a, &th, &tl);
    return sin(th) + tl * cos(th);
}

double ad__digamma(double x)
{
    if (x > 0.0)
        return psi_pos(x);
    if (x == floor(x) || x != x)
        return NAN; /* poles, -inf, NaN */
    /* 1 - x = zh + zl; psi(zh + zl) = psi(zh) + zl psi_1(zh) to first
     * order, with psi_1(z) ~ (1 + 1/(2z) + 1/(6z^2))/z, within 1.5% for
     * z >= 1: far more than the 2^-53 relative size of zl needs. */
    double zh = 1.0 - x;
    double zl = two_sum_err(1.0, -x, zh);
    double p1 = (1.0 + (0.5 + 1.0 / (6.0 * zh)) / zh) / zh;
    double ch, cl;
    pi_cot_pi(reduce(x), &ch, &cl);
    return ((psi_pos(zh) + zl * p1) - cl) - ch;
}

/* psi_1(x) = *sh + *sl for x >= 10: 1/x (1 + 1/(2x) + sum B_2k w^k),
 * w = 1/x^2, with 1/x in two doubles. */
static void psi1_asym(double x, double *sh, double *sl)
{
    if (isinf(x)) {
        *sh = *sl = 0.0;
        return;
    }
    double u = 1.0 / x;
    double w = u * u;
    double p = 43867.0 / 798;
    p = p * w - 3617.0 / 510;
    p = p * w + 7.0 / 6;
    p = p * w - 691.0 / 2730;
    p = p * w + 5.0 / 66;
    p = p * w - 1.0 / 30;
    p = p * w + 1.0 / 42;
    p = p * w - 1.0 / 30;
    p = p * w + 1.0 / 6;
    *sh = u;
    *sl = fma(-u, x, 1.0) / x + u * (0.5 * u + p * w);
}

/* psi_1(x) = *sh + *sl for x > 0: upward to x + n >= 10, all terms
 * positive; x + k is carried in two doubles. */
static void psi1_pos(double x, double *sh, double *sl)
{
    if (x >= 10.0) {
        psi1_asym(x, sh, sl);
        return;
    }
    int n = (int)(10.0 - x) + 1;
    double zh = x + n, zl = two_sum_err(x, n, zh);
    psi1_asym(zh, sh, sl);
    /* psi_1(zh + zl) = psi_1(zh) + zl psi_2(zh), psi_2(z) ~ -psi_1(z)^2
     * within 5% for z >= 10. */
    *sl -= zl * (*sh) * (*sh);
    for (int k = n - 1; k >= 0; k--) {
        zh = x + k;
        add_recip2(zh, two_sum_err(x, k, zh), sh, sl);
    }
}

double ad__trigamma(double x)
{
    double sh, sl;
    if (x > 0.0) {
        psi1_pos(x, &sh, &sl);
        return sh + sl;
    }
    if (x == floor(x) || x != x)
        return NAN; /* poles, -inf, NaN */
    if (x > -40.0) {
        /* Upward to x + n in (0, 1): every term positive, x + k exact for
         * k < n, and x + n too for x <= -1/2 (above, 1/x^2 >= 4 dominates
         * and the rounding of 1 + x weighs below 0.3 ulp). */
        int n = (int)-floor(x);
        psi1_pos(x + n, &sh, &sl);
        for (int k = n - 1; k >= 0; k--)
            add_recip2(x + k, 0.0, &sh, &sl);
        return sh + sl;
    }
    /* Reflection: (pi / sin(pi r))^2 - psi_1(1 - x), the square as
     * q2 + q2l. */
    double sp = sin_pi(fabs(reduce(x)));
    double q = PI_HI / sp;
    double ql = (fma(-q, sp, PI_HI) + PI_LO) / sp;
    double q2 = q * q;
    double q2l = fma(q, q, -q2) + 2.0 * q * ql;
    /* psi_1(1 - x) ~ 1/(1 - x) < 1/41: its own rounding and that of 1 - x
     * weigh less than 2^-58 of the result. */
    psi1_pos(1.0 - x, &sh, &sl);
    return q2 + (q2l - (sh + sl));
}

/* ---- MPFR rules ---- */

/* A pole of psi and psi_1 (and of Gamma): 0, a negative integer, -inf. */
static int is_pole(mpfr_srcptr a)
{
    if (mpfr_inf_p(a))
        return mpfr_sgn(a) < 0;
    return mpfr_zero_p(a) || (mpfr_integer_p(a) && mpfr_sgn(a) < 0);
}

/* psi_1(x) into t at t's precision w, for x > 0 finite (see the header). */
static void trigamma_pos(mpfr_ptr t, mpfr_srcptr x)
{
    mpfr_prec_t w = mpfr_get_prec(t);
    unsigned long n = (unsigned long)w / 2 + 8;
    mpfr_t z, u, a, q;
    mpfr_inits2(w, z, u, a, q, (mpfr_ptr)0);
    mpfr_set(z, x, MPFR_RNDN);
    mpfr_set_zero(t, 1);
    while (mpfr_cmp_ui(z, n) < 0) {
        mpfr_sqr(u, z, MPFR_RNDN);
        mpfr_ui_div(u, 1, u, MPFR_RNDN);
        mpfr_add(t, t, u, MPFR_RNDN);
        mpfr_add_ui(z, z, 1, MPFR_RNDN);
    }
    /* 1/z + 1/(2z^2) */
    mpfr_ui_div(u, 1, z, MPFR_RNDN);
    mpfr_add(t, t, u, MPFR_RNDN);
    mpfr_sqr(u, u, MPFR_RNDN);
    mpfr_div_2ui(u, u, 1, MPFR_RNDN);
    mpfr_add(t, t, u, MPFR_RNDN);
    /* a = A_k = 2 (2k)!/((2 pi z)^(2k) z), term_k = (-1)^(k+1) A_k
     * zeta(2k); q = (2 pi z)^2. */
    mpfr_const_pi(q, MPFR_RNDN);
    mpfr_mul(q, q, z, MPFR_RNDN);
    mpfr_mul_2ui(q, q, 1, MPFR_RNDN);
    mpfr_sqr(q, q, MPFR_RNDN);
    mpfr_ui_div(a, 2, z, MPFR_RNDN);
    for (unsigned long k = 1;; k++) {
        mpfr_mul_ui(a, a, (2 * k) * (2 * k - 1), MPFR_RNDN);
        mpfr_div(a, a, q, MPFR_RNDN);
        mpfr_zeta_ui(u, 2 * k, MPFR_RNDN);
        mpfr_mul(u, u, a, MPFR_RNDN);
        if (k % 2)
            mpfr_add(t, t, u, MPFR_RNDN);
        else
            mpfr_sub(t, t, u, MPFR_RNDN);
        if (mpfr_zero_p(u) || mpfr_get_exp(u) < mpfr_get_exp(t) - w - 2)
            break;
    }
    mpfr_clears(z, u, a, q, (mpfr_ptr)0);
}

/* r = psi_1(x), rounded to nearest at r's precision; NaN at the poles. */
static void trigamma_mpfr(mpfr_ptr r, mpfr_srcptr x)
{
    mpfr_t t, s, z;
    if (mpfr_nan_p(x) || is_pole(x)) {
        mpfr_set_nan(r);
        return;
    }
    if (mpfr_inf_p(x)) {
        mpfr_set_zero(r, 1);
        return;
    }
    mpfr_prec_t w = ad__wprec(r);
    mpfr_inits2(w, t, s, z, (mpfr_ptr)0);
    if (mpfr_sgn(x) > 0) {
        trigamma_pos(t, x);
        mpfr_set(r, t, MPFR_RNDN);
    } else {
        /* pi^2 / sin^2(pi x) - psi_1(1 - x); the difference cancels less
         * than a factor 1.4 (see the header). */
        mpfr_sinpi(s, x, MPFR_RNDN);
        mpfr_sqr(s, s, MPFR_RNDN);
        mpfr_const_pi(z, MPFR_RNDN);
        mpfr_sqr(z, z, MPFR_RNDN);
        mpfr_div(s, z, s, MPFR_RNDN);
        mpfr_ui_sub(z, 1, x, MPFR_RNDN);
        trigamma_pos(t, z);
        mpfr_sub(r, s, t, MPFR_RNDN);
    }
    mpfr_clears(t, s, z, (mpfr_ptr)0);
}

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    int sign;
    mpfr_lgamma(y, &sign, a, rnd);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    if (mpfr_nan_p(a) || is_pole(a))
        mpfr_set_nan(p[0]);
    else
        mpfr_digamma(p[0], a, MPFR_RNDN);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    trigamma_mpfr(p[0], a);
    return 0;
}

/* A negative non-integer where psi is well conditioned for the reflection
 * psi(a) = psi(1 - a) - pi cot(pi a) (see the header): |psi(a)| >=
 * max(|psi(1 - a)|, |pi cot pi a|)/2, with pi cot pi a = psi(1 - a) -
 * psi(a).  About a third of each interval between poles is excluded. */
static int psi_well_conditioned(double a)
{
    double p = ad__digamma(a), q = ad__digamma(1.0 - a);
    double u = fabs(q), v = fabs(q - p);
    return fabs(p) >= 0.5 * (u > v ? u : v);
}

/* Positive arguments over many magnitudes (up to 1e300; down to 1e-150,
 * where psi_1 ~ 1/a^2 = 1e300 is still finite), near the root of psi and
 * near the zeros 1 and 2 of lgamma, and negative non-integers down to -1e6
 * (near the poles too), where psi is well conditioned (see above). */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    double a;
    switch (ad__rand_next(s) % 8) {
    case 0:
        a = ad__rand_logmag(s, -150.0, 0.0, 0);
        break;
    case 1:
        a = ad__rand_logmag(s, 1.0, 300.0, 0);
        break;
    case 2:
        a = X0_HI + ad__rand_logmag(s, -15.0, -1.0, 1);
        break;
    case 3:
        a = (double)ad__rand_int(s, 1, 2) + ad__rand_logmag(s, -15.0, -1.0, 1);
        break;
    case 4:
    case 5:
        do {
            double n = (double)ad__rand_int(s, 0, 170), f;
            if (ad__rand_next(s) % 4 == 0)
                n = floor(ad__rand_logmag(s, 2.0, 6.0, 0));
            switch (ad__rand_next(s) % 4) {
            case 0:
                f = ad__rand_logmag(s, -12.0, -1.0, 0);
                break;
            case 1:
                f = 1.0 - ad__rand_logmag(s, -12.0, -1.0, 0);
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
 * against MPFR at 128 bits, in ulps, were: value 3.54 (glibc's lgamma),
 * f' 3.22, f'' 3.90. */
const ad__prim ad__prim_lgamma = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                  4.0,        4.0,     4.5};

/* C's lgamma writes the global signgam, a data race when several threads
 * evaluate it; lgamma_r returns the same value and writes a local. */
double ad__lgamma(double x)
{
#ifdef HAVE_LGAMMA_R
    int sign;
    return lgamma_r(x, &sign);
#else
    return lgamma(x);
#endif
}
