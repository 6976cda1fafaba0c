/* verify.h -- the verify module: derivatives checked against independent
 * references.
 *
 * This header will grow: ad_verify_gradient, ad_verify_jacobian,
 * ad_verify_hessian, ad_taylor_test and ad_fd_sweep (finite differences, the
 * complex step, reports) come later.  It now holds the first reference, the
 * replay of a recorded tape in MPFR arbitrary-precision arithmetic.
 *
 * ---- MPFR replay of a tape --------------------------------------------------
 *
 * ad_tape_mpfr_* sweep a recorded tape (tape.h) as its double sweeps do, but
 * with every value, tangent, adjoint and adjoint tangent an MPFR number of
 * `prec` bits, every operation rounded to nearest, and each primitive
 * evaluated by its MPFR rules (value, first and second partials) from the
 * primitive table.  The inputs x, the tape's constants and the seeds v, w are
 * doubles and enter exactly, at any precision (they are held at 53 bits or
 * more).  Each result is rounded ONCE to the nearest double at the end.  At
 * the default 256 bits the results are the values and derivatives of the
 * recorded computation carried out in exact arithmetic, correctly rounded to
 * double -- unless cancellation eats some 200 of the 256 bits, or the exact
 * value lies that close to the midpoint of two doubles: the reference
 * against which the double sweeps (and any other derivative) are measured in
 * ulps.
 *
 * The replay is the computation the tape describes, not the double one:
 * MPFR's exponent range is so wide (2^(+-2^30), MPFR's default, set for the
 * call whatever the caller's is) that a value that overflows or underflows
 * in double does not here, and an ad_select chooses its branch by the sign
 * of the MPFR value of its condition.  At 53 bits the values of a program of
 * +, -, *, / and sqrt are those of the double tape bit for bit, as long as
 * no value is subnormal (MPFR has no subnormals).  The conventions at
 * non-differentiable points are the double sweeps': in a forward sweep a
 * zero tangent times an infinite or NaN partial of a primitive flagged
 * AD_F_DOMAIN or AD_F_SINGULAR is 0; in a reverse sweep a zero adjoint
 * contributes nothing (hessian.c's second-order sweep: a zero adjoint and
 * adjoint tangent).
 *
 *   ad_tape_mpfr_eval      y = f(x), the m outputs
 *   ad_tape_mpfr_jvp       y (may be NULL) and jv = J v (m values)
 *   ad_tape_mpfr_vjp       y (may be NULL) and wj = w^T J (n values)
 *   ad_tape_mpfr_gradient  g = the gradient of output 0 (n values)
 *   ad_tape_mpfr_hvp       hv = H v, the Hessian of output 0 times v
 *                          (forward over reverse, as ad_tape_hvp)
 *
 * Arguments.  x is NULL for the recorded point, else the n inputs.  prec is
 * the precision in bits: 0 means AD_MPFR_PREC_DEFAULT; it must lie between 2
 * and MPFR_PREC_MAX (<mpfr.h>; this header does not need it).  Output arrays
 * are the caller's; they may alias the input arrays (x, v, w), which are read
 * before any output is written.
 *
 * Comparisons.  With x NULL the recorded path is followed as the double sweeps
 * follow it.  With x given, each recorded comparison (ad_lt ...) is evaluated
 * on the MPFR values, and one that comes out otherwise than it was recorded
 * gives AD_ERETAPE (outputs unspecified; ad_tape_last_flip() tells which).
 * This can happen even when x is the recorded point, if the double rounding
 * of the recording decided a comparison that exact arithmetic decides the
 * other way.
 *
 * Errors.  AD_EINVAL: a NULL tape, a tape without a successful recording,
 * prec out of range, a NULL array that must be read or written (x may always
 * be NULL, y too where marked; g, hv, v for n > 0; jv, w and eval's y for
 * m > 0); gradient and hvp on a tape without outputs.  AD_EUNSUPPORTED: the
 * tape holds a custom primitive (custom.h), whose callbacks work in double
 * only.  AD_ERETAPE: see above.  AD_ENOMEM: the MPFR numbers (about
 * 32 + prec/8 bytes each, one to four per variable of the tape) could not be
 * allocated.  MPFR itself (GMP) aborts when its own small temporaries cannot
 * be allocated: at a precision so large that one number takes a good part of
 * the memory the call may abort instead of returning AD_ENOMEM.
 *
 * Threads.  No global state: any number of threads may replay one tape (or
 * several) at once.  The calls save and restore the calling thread's MPFR
 * state that they change (exponent range, flags) and free the thread's MPFR
 * caches (mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE)) before they return.
 * The tape is only read; it must not be recorded into or freed meanwhile.
 *
 * Cost (a reference, not a mode): at 256 bits about 1 microsecond per
 * arithmetic node for a gradient and 3 for a Hessian-vector product, more for
 * transcendental primitives; memory 64 bytes per number at 256 bits.
 */
#ifndef ADMIX_VERIFY_H
#define ADMIX_VERIFY_H

#include "admix/common.h"
#include "admix/tape.h"

AD_BEGIN_DECLS

/* The default precision of the MPFR replay, in bits. */
#define AD_MPFR_PREC_DEFAULT 256

int ad_tape_mpfr_eval(const ad_tape *tape, const double *x, long prec,
                      double *y);
int ad_tape_mpfr_jvp(const ad_tape *tape, const double *x, long prec,
                     const double *v, double *y, double *jv);
int ad_tape_mpfr_vjp(const ad_tape *tape, const double *x, long prec,
                     const double *w, double *y, double *wj);
int ad_tape_mpfr_gradient(const ad_tape *tape, const double *x, long prec,
                          double *g);
int ad_tape_mpfr_hvp(const ad_tape *tape, const double *x, long prec,
                     const double *v, double *hv);

AD_END_DECLS

#endif /* ADMIX_VERIFY_H */
