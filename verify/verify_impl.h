/* verify_impl.h -- internal to verify/: what the finite differences
 * (fd.c, fd_mpfr.c), the complex step (cstep.c), the MPFR references on an
 * ad_fn (mpfr_ref.c) and the checks (check.c, report.c) share.  Not
 * installed. */
#ifndef ADMIX_VERIFY_IMPL_H
#define ADMIX_VERIFY_IMPL_H

#include <stddef.h>

#include "admix.h"

/* ---- util.c -------------------------------------------------------------- */

/* The spacing of the doubles at r (2^(e-52) for 2^e <= |r| < 2^(e+1);
 * 2^-1074 below 2^-1021, zero included), +inf for an infinite r, NaN for
 * a NaN: the convention of tests/ulp.h. */
double ad__ulp_of(double r);
/* |x - r| in ulps of r; 0 for equal values (infinities of one sign, zeros
 * of either), +inf if exactly one is NaN or infinite.  Both NaN: 0 (the
 * callers treat NaN apart). */
double ad__ulp_diff(double x, double r);
/* 2^round(log2(v)) for a finite v > 0: the steps of the finite differences
 * are powers of two, so that x +- h is exact and the step divided by is
 * the step taken. */
double ad__pow2_near(double v);
/* max(1, |v|). */
double ad__scale(double v);

/* AD_OK if f, x and the sizes make a valid call on an ad_fn (f and x not
 * NULL, n and m > 0, every x_i finite, m n and n n fit in a size_t, prec
 * 0 or in [2, MPFR_PREC_MAX], the calling thread not recording); else
 * AD_EINVAL (AD_ERANGE for the sizes). */
int ad__verify_args(const ad_fn *f, const double *x, long prec);
/* prec with 0 replaced by the default. */
long ad__verify_prec(long prec);
/* 1 if any of v[0..k) is NaN. */
int ad__any_nan(const double *v, size_t k);

/* Records f->f_var at x on t (the calling thread must not be recording):
 * inputs x, outputs f(x).  AD_OK, or the recording's error. */
int ad__verify_record(ad_tape *t, const ad_fn *f, const double *x);

/* ---- cstep.c ------------------------------------------------------------- */

/* Scans a recorded tape for nodes the complex step cannot take: a
 * primitive flagged AD_F_NONANALYTIC (also as ad_map's op) or a custom
 * node gives AD_EUNSUPPORTED; AD_EINVAL for an unreadable node.  *ncstep1
 * (may be NULL) gets the number of AD_F_CSTEP1 primitive applications. */
int ad__cstep_scan(const ad_tape *t, size_t *ncstep1);
/* The complex-step Jacobian without the argument checks and the scan:
 * y (may be NULL), J (m x n).  AD_OK, AD_ENOMEM or AD_EDOM. */
int ad__cstep_columns(const ad_fn *f, const double *x, double *y, double *J);

/* ---- fd.c, fd_mpfr.c ----------------------------------------------------- */

/* 1 if kind is one FD bit (AD_REF_FD_* or AD_REF_GSL_*). */
int ad__fd_kind_ok(unsigned kind);
/* ad_fd_jacobian and ad_fd_hessian after their argument checks (kind
 * valid, entry point present; prec resolved).  Same returns. */
int ad__fd_jacobian(const ad_fn *f, unsigned kind, const double *x, long prec,
                    double *J, double *err);
int ad__fd_hessian(const ad_fn *f, unsigned kind, const double *x, long prec,
                   double *H, double *err);
/* The MPFR kinds (fd_mpfr.c), after the same checks. */
int ad__fd_mpfr_jacobian(const ad_fn *f, const double *x, long prec, double *J,
                         double *err);
int ad__fd_mpfr_hessian(const ad_fn *f, const double *x, long prec, double *H);

/* ---- mpfr_ref.c ---------------------------------------------------------- */

/* The MPFR Jacobian (m x n) and Hessian (n x n, output 0) of a recorded
 * tape at its recorded point, directions over OpenMP threads.  Returns of
 * the ad_tape_mpfr_* calls; AD_ENOMEM. */
int ad__mpfr_jacobian_tape(const ad_tape *t, long prec, double *J);
int ad__mpfr_hessian_tape(const ad_tape *t, long prec, double *H);

#endif /* ADMIX_VERIFY_IMPL_H */
