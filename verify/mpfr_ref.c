/* mpfr_ref.c -- the MPFR references on an ad_fn (admix/verify.h): f_var
 * recorded at x on a tape of the call's own, then replayed in MPFR one
 * direction at a time (mpfr_tape.c), the directions split over OpenMP
 * threads.  Many threads may replay one tape at once; each direction is
 * one replay whatever thread runs it, so the results are the serial ones
 * bit for bit. */
#include <stdlib.h>
#include <string.h>

#include "verify_impl.h"

int ad__mpfr_jacobian_tape(const ad_tape *t, long prec, double *J)
{
    ad_tape_info info;
    ad_tape_stats(t, &info);
    size_t n = info.n, m = info.m;
    /* Tangent replays (columns) when they are fewer, else adjoint replays
     * (rows): the cost of a replay is about the same either way. */
    int cols = n <= m;
    size_t k = cols ? n : m, len = cols ? m : n;
    int st = AD_OK;
    long nk = (long)k;
#ifdef _OPENMP
#pragma omp parallel reduction(min : st) if (nk > 1)
#endif
    {
        double *seed = calloc(k + len, sizeof *seed);
        double *res = seed != NULL ? seed + k : NULL;
        int lst = seed != NULL ? AD_OK : AD_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long dl = 0; dl < nk; dl++) {
            if (lst != AD_OK)
                continue;
            size_t d = (size_t)dl;
            seed[d] = 1.0;
            lst = cols ? ad_tape_mpfr_jvp(t, NULL, prec, seed, NULL, res)
                       : ad_tape_mpfr_vjp(t, NULL, prec, seed, NULL, res);
            seed[d] = 0.0;
            for (size_t e = 0; lst == AD_OK && e < len; e++) {
                if (cols)
                    J[e * n + d] = res[e];
                else
                    J[d * n + e] = res[e];
            }
        }
        free(seed);
        if (lst < st)
            st = lst;
    }
    return st;
}

int ad__mpfr_hessian_tape(const ad_tape *t, long prec, double *H)
{
    ad_tape_info info;
    ad_tape_stats(t, &info);
    size_t n = info.n;
    int st = AD_OK;
    long nk = (long)n;
#ifdef _OPENMP
#pragma omp parallel reduction(min : st) if (nk > 1)
#endif
    {
        double *v = calloc(2 * n, sizeof *v);
        double *hv = v != NULL ? v + n : NULL;
        int lst = v != NULL ? AD_OK : AD_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic)
#endif
        for (long jl = 0; jl < nk; jl++) {
            if (lst != AD_OK)
                continue;
            size_t j = (size_t)jl;
            v[j] = 1.0;
            lst = ad_tape_mpfr_hvp(t, NULL, prec, v, hv);
            v[j] = 0.0;
            for (size_t i = 0; lst == AD_OK && i < n; i++)
                H[i * n + j] = hv[i];
        }
        free(v);
        if (lst < st)
            st = lst;
    }
    return st;
}

/* Records f at x on a new tape; *t NULL on error. */
static int record(const ad_fn *f, const double *x, ad_tape **t)
{
    *t = ad_tape_new();
    if (*t == NULL)
        return AD_ENOMEM;
    int rc = ad__verify_record(*t, f, x);
    if (rc != AD_OK) {
        ad_tape_free(*t);
        *t = NULL;
    }
    return rc;
}

int ad_mpfr_jacobian(const ad_fn *f, const double *x, long prec, double *y,
                     double *J)
{
    int rc = ad__verify_args(f, x, prec);
    if (rc != AD_OK)
        return rc;
    if (J == NULL)
        return AD_EINVAL;
    if (f->f_var == NULL)
        return AD_EUNSUPPORTED;
    prec = ad__verify_prec(prec);
    ad_tape *t;
    rc = record(f, x, &t);
    if (rc == AD_OK && y != NULL)
        rc = ad_tape_mpfr_eval(t, NULL, prec, y);
    if (rc == AD_OK)
        rc = ad__mpfr_jacobian_tape(t, prec, J);
    ad_tape_free(t);
    if (rc == AD_OK &&
        ((y != NULL && ad__any_nan(y, f->m)) || ad__any_nan(J, f->m * f->n)))
        rc = AD_EDOM;
    return rc;
}

int ad_mpfr_hessian(const ad_fn *f, const double *x, long prec, double *H)
{
    int rc = ad__verify_args(f, x, prec);
    if (rc != AD_OK)
        return rc;
    if (H == NULL || f->m != 1)
        return AD_EINVAL;
    if (f->f_var == NULL)
        return AD_EUNSUPPORTED;
    prec = ad__verify_prec(prec);
    ad_tape *t;
    rc = record(f, x, &t);
    if (rc == AD_OK)
        rc = ad__mpfr_hessian_tape(t, prec, H);
    ad_tape_free(t);
    if (rc == AD_OK && ad__any_nan(H, f->n * f->n))
        rc = AD_EDOM;
    return rc;
}
