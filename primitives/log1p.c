/* log1p -- y = ln(1 + a).
 *
 * f'(a) = 1/(1 + a);  f''(a) = -1/(1 + a)^2.
 * Domain: a >= -1.  For a < -1 (and a = -inf) the value is NaN (a domain
 * error) and both partials are NaN.
 * Singular point: a = -1, the edge of the domain, where the value is -inf
 * (not NaN) and the partials are f' = +inf, f'' = -inf (1 + a is +0);
 * AD_F_SINGULAR makes a zero tangent or adjoint contribute exactly 0 there.
 * At a = +inf, f' = +0 and f'' = -0.
 * Accuracy of the double rules: glibc's log1p (documented bound 1 ulp in
 * glibc's libm-test-ulps for x86_64; accurate near 0, where log(1 + a)
 * would lose a's digits).  The partials
 * round u = 1 + a, which is harmless for them (unlike for the value): u is
 * exact for a in [-1, -0.5] by Sterbenz's lemma, which covers the singular
 * edge, and elsewhere u >= 0.5 carries a relative error of at most 2^-53.
 * So f' has two roundings and f'' three.  Measured against MPFR over 1.6e6
 * sampler points: value 0.80 ulp, f' 1.5 ulp, f'' 3.4 ulp.  -1/(1 + a)^2
 * leaves the normal range for a above 1e150, so the sampler stays below.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_log1p(y, a, rnd);
    return 0;
}

/* The domain error of the double rules: a NaN value makes NaN partials. */
static int domain_error(mpfr_srcptr a)
{
    return mpfr_nan_p(a) || mpfr_cmp_si(a, -1) < 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    if (domain_error(a)) {
        mpfr_set_nan(p[0]);
        return 0;
    }
    /* 1 + a at the working precision: for a tiny a it is not exact, but its
     * relative error 2^-wprec is far below the final rounding. */
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_add_ui(t, a, 1, MPFR_RNDN);
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
    mpfr_t t;
    mpfr_init2(t, ad__wprec(p[0]));
    mpfr_add_ui(t, a, 1, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_si_div(p[0], -1, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

/* Tiny arguments of both signs (where log1p beats log(1 + a)), moderate
 * ones, arguments close to the singular edge -1, and large ones up to
 * 1e150. */
static void sample(uint64_t *s, double x[2], long *c)
{
    (void)c;
    switch (ad__rand_next(s) % 5) {
    case 0:
        x[0] = ad__rand_logmag(s, -300.0, 0.0, 1);
        break;
    case 1:
        x[0] = ad__rand_near(s, -1.0, 1.0, -12.0, -1.0);
        break;
    case 2:
        x[0] = ad__rand_logmag(s, 0.0, 150.0, 0);
        break;
    default:
        x[0] = ad__rand_uniform(s, -1.0, 10.0);
        break;
    }
}

const ad__prim ad__prim_log1p = {mpfr_value, mpfr_d1, mpfr_d2, sample,
                                 1.0,        2.0,     4.0};
