/* cstep.c -- the complex-step derivative (admix/verify.h): column j of the
 * Jacobian is Im f(x + i h e_j) / h, evaluated by the double complex
 * instantiation of the ad_fn.
 *
 * Why the tape decides analyticity.  The complex step is exact only where
 * the function is complex-analytic in its active values; fabs, fmin and fmax
 * (flagged AD_F_NONANALYTIC in primitives/ops.def) are not, and their
 * complex versions in rules.h only make the step reproduce one-sided
 * derivatives.  Two other ways were possible: a flag raised by the complex
 * instantiations themselves, or a static list of functions.  The first
 * would put a store (to thread-local state) into every complex fabs, fmin
 * and fmax, and could not tell a fabs of a constant (harmless: its
 * imaginary part is zero) from one of an active value; the second cannot
 * see inside the function at all.  The recorded tape of f_var at the same
 * x holds exactly the operations applied to active values (operations on
 * constants are not recorded), along the branch the complex evaluation takes
 * (comparisons look at real parts, which are the double values), so a scan
 * of its op codes for the flag answers the question exactly, reading only
 * the primitive table.  The price is that f_var is needed too; a verify
 * call records it anyway, for the MPFR reference. */
#include <complex.h>
#include <math.h>
#include <stdlib.h>

#include "array_node.h"
#include "tape_impl.h"
#include "verify_impl.h"

/* The step: a power of two near 1e-200, so that the seed i h and the
 * division by h are exact scalings. */
#define CSTEP_H 0x1p-664

int ad__cstep_scan(const ad_tape *t, size_t *ncstep1)
{
    size_t c1 = 0;
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        const uint32_t *a = sg->arg, *aend = sg->arg + sg->narg;
        for (size_t e = 0; e < sg->nop; e++) {
            unsigned op = sg->op[e], code = op & AD__CODE;
            size_t narg, ncst, nres;
            if (ad__node_shape((uint8_t)op, a, (size_t)(aend - a), &narg, &ncst,
                               &nres) != 0)
                return AD_EINVAL;
            int prim = -1;
            if (code < AD_OP_COUNT)
                prim = (int)code;
            else if (code == AD__OP_MAP) {
                ad__anode d;
                ad__array_parse(code, a, NULL, &d);
                prim = (int)d.op;
            } else if (code == AD__OP_CUSTOM)
                return AD_EUNSUPPORTED; /* no complex callback */
            if (prim >= 0) {
                const ad_op_info *d = ad_op_get(prim);
                if (d == NULL)
                    return AD_EINVAL;
                if (d->flags & AD_F_NONANALYTIC)
                    return AD_EUNSUPPORTED;
                c1 += (d->flags & AD_F_CSTEP1) != 0;
            }
            a += narg;
        }
    }
    if (ncstep1 != NULL)
        *ncstep1 = c1;
    return AD_OK;
}

int ad__cstep_columns(const ad_fn *f, const double *x, double *y, double *J)
{
    size_t n = f->n, m = f->m;
    int st = AD_OK;
    long nj = (long)n;
    if (y != NULL) {
        double complex *z = malloc((n + m) * sizeof *z);
        if (z == NULL)
            return AD_ENOMEM;
        for (size_t i = 0; i < n; i++)
            z[i] = AD__CMPLX(x[i], 0.0);
        f->f_complex(z, z + n, f->params);
        for (size_t i = 0; i < m; i++)
            y[i] = creal(z[n + i]);
        free(z);
    }
#ifdef _OPENMP
#pragma omp parallel reduction(min : st) if (nj > 1)
#endif
    {
        /* Each thread its own point and outputs; a column is computed by
         * the same operations on any thread. */
        double complex *z = malloc((n + m) * sizeof *z);
        int lst = z != NULL ? AD_OK : AD_ENOMEM;
        if (z != NULL)
            for (size_t i = 0; i < n; i++)
                z[i] = AD__CMPLX(x[i], 0.0);
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long jl = 0; jl < nj; jl++) {
            if (lst != AD_OK)
                continue;
            size_t j = (size_t)jl;
            double complex *w = z + n;
            z[j] = AD__CMPLX(x[j], CSTEP_H);
            f->f_complex(z, w, f->params);
            z[j] = AD__CMPLX(x[j], 0.0);
            for (size_t i = 0; i < m; i++)
                J[i * n + j] = cimag(w[i]) / CSTEP_H;
        }
        free(z);
        if (lst < st)
            st = lst;
    }
    if (st != AD_OK)
        return st;
    return (y != NULL && ad__any_nan(y, m)) || ad__any_nan(J, m * n) ? AD_EDOM
                                                                     : AD_OK;
}

int ad_cstep_check(const ad_fn *f, const double *x, size_t *ncstep1)
{
    int rc = ad__verify_args(f, x, 0);
    if (rc != AD_OK)
        return rc;
    if (f->f_var == NULL)
        return AD_EUNSUPPORTED;
    ad_tape *t = ad_tape_new();
    if (t == NULL)
        return AD_ENOMEM;
    rc = ad__verify_record(t, f, x);
    if (rc == AD_OK)
        rc = ad__cstep_scan(t, ncstep1);
    ad_tape_free(t);
    return rc;
}

int ad_cstep_jacobian(const ad_fn *f, const double *x, double *y, double *J)
{
    int rc = ad__verify_args(f, x, 0);
    if (rc != AD_OK)
        return rc;
    if (J == NULL)
        return AD_EINVAL;
    if (f->f_complex == NULL || f->f_var == NULL)
        return AD_EUNSUPPORTED;
    rc = ad_cstep_check(f, x, NULL);
    if (rc != AD_OK)
        return rc;
    return ad__cstep_columns(f, x, y, J);
}
