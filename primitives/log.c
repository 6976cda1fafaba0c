/* log -- y = ln a.
 *
 * f'(a) = 1/a;  f''(a) = -1/a^2.
 * Domain: a >= 0.  For a < 0 (and a = -inf) the value is NaN (a domain
 * error) and both partials are NaN.
 * Singular point: a = 0, the edge of the domain, where the value is -inf
 * (not NaN) and the partials are those of the IEEE formulas: f' = 1/a is
 * +inf at +0 and -inf at -0, f'' = -inf at both; AD_F_SINGULAR makes a zero
 * tangent or adjoint contribute exactly 0 there.  At a = +inf, f' = +0 and
 * f'' = -0.
 * Accuracy of the double rules: glibc's log (documented bound 1 ulp in
 * glibc's libm-test-ulps for x86_64, also near a = 1 where the value is
 * small); 1/a is correctly rounded; -1/(a*a) has two roundings.  Measured
 * against MPFR over 1.6e6 sampler points: value 0.51 ulp, f' 0.5 ulp, f''
 * 1.5 ulp.  -1/a^2 leaves the normal range for a outside [1e-150, 1e150],
 * so the sampler stays inside.
 */
#include "primitive.h"

static int mpfr_value(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b, long c,
                      mpfr_rnd_t rnd)
{
    (void)b, (void)c;
    mpfr_log(y, a, rnd);
    return 0;
}

/* The partials of log_b a = ln a / ln b, shared by log (base 0 meaning e),
 * log2 and log10: f' = 1/(a ln b) (order 1), f'' = -1/(a^2 ln b) (order 2),
 * from a (or a^2, exact at the working precision) times ln b, one final
 * rounding.  NaN where a < 0 or a is NaN, the domain error of the double
 * rules; -0 is inside the domain and gives -inf, as the double rules do. */
int ad__logb_mpfr_partial(mpfr_ptr p, mpfr_srcptr a, unsigned long base,
                          int order)
{
    if (mpfr_nan_p(a) || mpfr_sgn(a) < 0) {
        mpfr_set_nan(p);
        return 0;
    }
    mpfr_t t;
    mpfr_init2(t, 2 * mpfr_get_prec(a) + ad__wprec(p));
    if (order == 1)
        mpfr_set(t, a, MPFR_RNDN);
    else
        mpfr_sqr(t, a, MPFR_RNDN);
    if (base != 0) {
        mpfr_t k;
        mpfr_init2(k, ad__wprec(p));
        mpfr_log_ui(k, base, MPFR_RNDN);
        mpfr_mul(t, t, k, MPFR_RNDN);
        mpfr_clear(k);
    }
    mpfr_si_div(p, order == 1 ? 1 : -1, t, MPFR_RNDN);
    mpfr_clear(t);
    return 0;
}

static int mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    return ad__logb_mpfr_partial(p[0], a, 0, 1);
}

static int mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                   mpfr_srcptr y)
{
    (void)b, (void)c, (void)y;
    return ad__logb_mpfr_partial(p[0], a, 0, 2);
}

/* (log2 and log10 use these points too.)  Moderate arguments, arguments
 * close to 1 (where the value is small),
 * and magnitudes from 1e-150 (close to the singular edge 0) to 1e150. */
void ad__log_sample(uint64_t *s, double x[2], long *c)
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

const ad__prim ad__prim_log = {mpfr_value, mpfr_d1, mpfr_d2, ad__log_sample,
                               1.0,        0.5,     2.0};
