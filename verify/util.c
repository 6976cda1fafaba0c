/* util.c -- small helpers of the verify module: ulps, steps, the argument
 * checks shared by every call on an ad_fn, and the recording of f_var on a
 * tape of the module's own. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mpfr.h>

#include "verify_impl.h"

double ad__ulp_of(double r)
{
    if (isnan(r))
        return r;
    if (isinf(r))
        return INFINITY;
    /* Below 2^-1021 the spacing is that of the subnormals; frexp would give
     * a meaningless exponent for zero. */
    if (fabs(r) < 0x1p-1021)
        return 0x1p-1074;
    int e;
    frexp(r, &e); /* |r| = f 2^e, f in [1/2, 1): ulp = 2^(e - 53) */
    return ldexp(1.0, e - 53);
}

double ad__ulp_diff(double x, double r)
{
    if (isnan(x) || isnan(r))
        return (isnan(x) && isnan(r)) ? 0.0 : INFINITY;
    if (x == r)
        return 0.0;
    if (isinf(x) || isinf(r))
        return INFINITY;
    /* Both are scaled by the power of two 1/ulp(r) before the subtraction,
     * so that x - r cannot overflow and the only rounding is that of the
     * difference (as tests/ulp.c). */
    int e;
    frexp(ad__ulp_of(r), &e);
    e -= 1;
    return fabs(ldexp(x, -e) - ldexp(r, -e));
}

double ad__pow2_near(double v)
{
    int e;
    double m = frexp(v, &e); /* v = m 2^e, m in [1/2, 1) */
    return m >= 0.70710678118654752 ? ldexp(1.0, e) : ldexp(1.0, e - 1);
}

double ad__scale(double v)
{
    return fmax(1.0, fabs(v));
}

long ad__verify_prec(long prec)
{
    return prec == 0 ? AD_MPFR_PREC_DEFAULT : prec;
}

int ad__verify_args(const ad_fn *f, const double *x, long prec)
{
    if (f == NULL || x == NULL || f->n == 0 || f->m == 0)
        return AD_EINVAL;
    prec = ad__verify_prec(prec);
    if (prec < 2 || prec > MPFR_PREC_MAX)
        return AD_EINVAL;
    /* Recording does not nest, and some references record. */
    if (ad__rec_tls.tape != NULL)
        return AD_EINVAL;
    for (size_t i = 0; i < f->n; i++)
        if (!isfinite(x[i]))
            return AD_EINVAL;
    size_t big = f->n > f->m ? f->n : f->m;
    if (big > SIZE_MAX / big)
        return AD_ERANGE;
    return AD_OK;
}

int ad__any_nan(const double *v, size_t k)
{
    int nan = 0;
    for (size_t i = 0; i < k; i++)
        nan |= isnan(v[i]) != 0;
    return nan;
}

int ad__verify_record(ad_tape *t, const ad_fn *f, const double *x)
{
    /* One block for inputs and outputs; the outputs are zeroed so that an
     * output the function forgets to set is a constant zero, not stack
     * garbage the tape would reject. */
    ad_var *xv = calloc(f->n + f->m, sizeof *xv);
    if (xv == NULL)
        return AD_ENOMEM;
    ad_var *yv = xv + f->n;
    int rc = ad_tape_begin(t);
    if (rc != AD_OK) {
        free(xv);
        return rc;
    }
    rc = ad_independent_array(f->n, x, xv);
    if (rc == AD_OK) {
        f->f_var(xv, yv, f->params);
        rc = ad_dependent_array(f->m, yv);
    }
    int rc_end = ad_tape_end(t);
    free(xv);
    return rc != AD_OK ? rc : rc_end;
}
