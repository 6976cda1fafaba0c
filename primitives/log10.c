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

/* The domain error of the double rules: a NaN value makes NaN partials.
 * -0 is inside the domain (log10(-0) = -inf). */
static int domain_error(mpfr_srcptr a)
{
    return mpfr_nan_p(a) || mpfr_sgn(a) < 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    if (domain_error(a)) {
        mpfr_set_nan(p[0]);
        return 0;
    }
    /* 1/(a ln 10); a = -0 gives -inf, as the double rule's. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_log_ui(t, 10, MPFR_RNDN);
    mpfr_mul(t, t, a, MPFR_RNDN);
    mpfr_ui_div(p[0], 1, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    if (domain_error(a)) {
        mpfr_set_nan(p[0]);
        return 0;
    }
    mpfr_t t, u;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_init2(u, ad__wprec(p[0]));
    mpfr_log_ui(t, 10, MPFR_RNDN);
    mpfr_sqr(u, a, MPFR_RNDN);
    mpfr_mul(t, t, u, MPFR_RNDN);
    mpfr_si_div(p[0], -1, t, MPFR_RNDN);
    mpfr_clear(u);
    mpfr_clear(t);
    return 0;
}

/* Moderate arguments, arguments close to 1 (where the value is small),
 * and magnitudes from 1e-150 (close to the singular edge 0) to 1e150. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 4) {
    case 0:
        x[0] = ad__rand_logmag(s, -150.0, 150.0, 0);
        break;
    case 1: {
        double dir = (ad__rand_next(s) & 1u) ? 1.0 : -1.0;
        x[0] = ad__rand_near(s, 1.0, dir, -12.0, -1.0);
        break;
    }
    default:
        x[0] = ad__rand_uniform(s, 0.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_log10 = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                 2.0,        1.0,     2.0};
