/* drivers.h -- derivatives of an ad_fn, by the mode of your choice.
 *
 * A driver takes the function object of <admix/fn.h> (f: R^n -> R^m), a
 * point x and an ad_mode, and fills caller-owned arrays:
 *
 *   ad_gradient  g = grad f(x)            (m == 1)      AUTO: REVERSE
 *   ad_jvp       jv = J v                               AUTO: FORWARD
 *   ad_vjp       wj = w^T J                             AUTO: REVERSE
 *   ad_jacobian  J (m x n, row-major)                   AUTO: see below
 *   ad_hvp       hv = H v                 (m == 1)      AUTO: FOR_REV
 *   ad_hessian   H (n x n, row-major)     (m == 1)      AUTO: FOR_REV
 *
 *     ad_fn f = rosen_fn(&n);                  // from AD_FN(), instantiate.h
 *     double y, g[100];
 *     int rc = ad_gradient(&f, AD_AUTO, x, &y, g);
 *
 * Modes, and the entry point of the ad_fn each needs:
 *
 *   AD_FORWARD    forward passes of f_dualv, AD_LANES directions per pass
 *                 (f_dual, one direction per pass, when f_dualv is NULL);
 *                 ad_jvp makes one f_dual pass (or one f_dualv pass).
 *   AD_REVERSE    f_var recorded on a tape at x, then tape sweeps: reverse
 *                 (adjoint) sweeps for gradients, vjps and Jacobians;
 *                 ad_jvp with AD_REVERSE makes one tangent sweep of the tape.
 *   AD_FOR_REV    forward-over-reverse on the tape (f_var): ad_tape_hvp and
 *                 ad_tape_hessian.  Second order only.
 *   AD_HYPERDUAL  forward-over-forward with f_hdual: ad_hvp makes n passes
 *                 ((H v)_i from seeds d1 = e_i, d2 = v), ad_hessian
 *                 n(n+1)/2 passes (H_ij from d1 = e_i, d2 = e_j).  Exact
 *                 like FOR_REV; slower for large n.  Second order only.
 *   AD_FD_REV     central differences of reverse gradients (f_var), for
 *                 comparison only: (g(x + h e_i) - g(x - h e_i)) / 2h with
 *                 h = cbrt(DBL_EPSILON) max(1, |x_i|) (ad_hvp: along v, with
 *                 h = cbrt(DBL_EPSILON) max(1, |x|_inf) / |v|_inf), and the
 *                 Hessian symmetrised as (H + H^T) / 2.  Its error is
 *                 O(h^2 |f''''|) + O(DBL_EPSILON |f'| / h): about 1e-10
 *                 relative (normwise) on smooth, well-scaled functions, and
 *                 admix's tests allow 1e-7.  Second order only.
 *   AD_AUTO       the mode marked above.  ad_jacobian picks AD_FORWARD when
 *                 n <= m (ceil(n / AD_LANES) passes) and AD_REVERSE
 *                 otherwise (ceil(m / 8) vector adjoint sweeps), and reports
 *                 the pick in *used.  When the entry point of that mode is
 *                 NULL, AUTO takes the other mode that can do the job
 *                 (FORWARD <-> REVERSE; FOR_REV -> HYPERDUAL) instead of
 *                 failing; FD_REV is never picked.
 *
 * A mode that does not apply to a driver (AD_FOR_REV for ad_gradient,
 * AD_FORWARD for ad_hessian, ...) is AD_EINVAL.
 *
 * Arguments and errors.  y (the value f(x), m values) may be NULL; every
 * other pointer is required.  Outputs must not overlap the inputs.  Return
 * values:
 *   AD_OK
 *   AD_EINVAL       f, x or a needed output NULL; n == 0 or m == 0; m != 1
 *                   for ad_gradient, ad_hvp and ad_hessian; an unknown or
 *                   inapplicable mode; the calling thread records a tape of
 *                   its own (the reverse modes record one, and recording
 *                   does not nest).
 *   AD_EUNSUPPORTED the ad_fn lacks the entry point the mode needs.
 *   AD_ERANGE       m n (or n n) does not fit in a size_t.
 *   AD_ENOMEM       out of memory (buffers, the tape).
 *   AD_EDOM         a NaN in the value f(x) (computed even when y is NULL)
 *                   or in a derivative written.  Everything is still
 *                   written, NaN where the NaN arose: a domain error (log of
 *                   a negative number) gives NaN values and derivatives,
 *                   and this status says so without a scan by the caller.
 *                   Infinities are not domain errors.
 * Never AD_ERETAPE: the reverse modes record f_var at x on every call (and
 * AD_FD_REV records again at a shifted point where a replay of the tape
 * would take another branch).  On an error other than AD_EDOM the outputs
 * are unspecified.
 *
 * Memory and threads.  Each thread keeps one tape and a few buffers for the
 * drivers, reused from call to call (a fresh tape per call would touch fresh
 * pages every time); they are freed when the thread ends, and the calling
 * thread's by ad_thread_release().  The drivers may be called from many
 * threads at once (each uses its own tape), but not from inside the entry
 * points of an ad_fn they are running.  With OpenMP, the forward Jacobian's
 * column batches, the reverse Jacobian's row batches and the HYPERDUAL and
 * FD_REV second-order passes are split over threads; every entry is computed
 * by the same operations whatever the thread count, so the results are the
 * same bit for bit as a serial run.  The entry points of the ad_fn are then
 * called from several threads at once: those AD_FN() makes are safe unless
 * the function writes to what params points to.  A loop goes parallel only
 * when it holds more than about 0.2 ms of work (estimated from the tape, or
 * timed on the first batch of forward passes): waking a second thread can
 * cost milliseconds on a busy machine.  The environment variable
 * ADMIX_OMP_MIN_SECONDS sets that threshold in seconds (0: always split).
 */
#ifndef ADMIX_DRIVERS_H
#define ADMIX_DRIVERS_H

#include "admix/common.h"
#include "admix/fn.h"

AD_BEGIN_DECLS

/* How a driver computes derivatives (see above). */
typedef enum ad_mode {
    AD_AUTO = 0,  /* the driver's choice */
    AD_FORWARD,   /* forward passes: ad_dualv (or ad_dual) */
    AD_REVERSE,   /* a tape of f_var and its sweeps */
    AD_FOR_REV,   /* forward-over-reverse on the tape (second order) */
    AD_HYPERDUAL, /* forward-over-forward with ad_hdual (second order) */
    AD_FD_REV     /* central differences of reverse gradients (comparison) */
} ad_mode;

/* "auto", "forward", "reverse", "for_rev", "hyperdual", "fd_rev"; "unknown"
 * for any other value.  Never NULL. */
const char *ad_mode_name(ad_mode mode);

/* The gradient g (n values) of f (m == 1) at x, and y = f(x) (may be NULL).
 * Modes: AUTO (= REVERSE), REVERSE (one adjoint sweep), FORWARD
 * (ceil(n / AD_LANES) passes of f_dualv). */
int ad_gradient(const ad_fn *f, ad_mode mode, const double *x, double *y,
                double *g);

/* jv = J v (m values), v having n; y = f(x) (m values, may be NULL).
 * Modes: AUTO (= FORWARD), FORWARD (one pass of f_dual, or f_dualv),
 * REVERSE (a tangent sweep of the tape). */
int ad_jvp(const ad_fn *f, ad_mode mode, const double *x, const double *v,
           double *y, double *jv);

/* wj = w^T J (n values), w having m; y = f(x) (may be NULL).  Modes: AUTO
 * (= REVERSE), REVERSE (one adjoint sweep), FORWARD (ceil(n / AD_LANES)
 * passes of f_dualv; each column of J is formed and dotted with w). */
int ad_vjp(const ad_fn *f, ad_mode mode, const double *x, const double *w,
           double *y, double *wj);

/* The m x n Jacobian J (row-major: J[i n + j] = df_i/dx_j) at x, and
 * y = f(x) (may be NULL).  Modes: AUTO (FORWARD if n <= m, else REVERSE),
 * FORWARD (AD_LANES columns per pass), REVERSE (8 rows per vector adjoint
 * sweep).  *used (may be NULL) gets the mode that ran, or AD_AUTO when an
 * argument error stopped the call before a mode was chosen. */
int ad_jacobian(const ad_fn *f, ad_mode mode, const double *x, double *y,
                double *J, ad_mode *used);

/* hv = H v (n values), H the Hessian of f (m == 1) at x.  Modes: AUTO
 * (= FOR_REV), FOR_REV (one forward-over-reverse sweep), HYPERDUAL (n
 * passes of f_hdual), FD_REV (two replays of the tape). */
int ad_hvp(const ad_fn *f, ad_mode mode, const double *x, const double *v,
           double *hv);

/* The n x n Hessian H of f (m == 1) at x, row-major.  Modes: AUTO
 * (= FOR_REV), FOR_REV (n forward-over-reverse sweeps), HYPERDUAL
 * (n(n+1)/2 passes of f_hdual; exactly symmetric), FD_REV (2n replays of
 * the tape; symmetrised).  *used as for ad_jacobian. */
int ad_hessian(const ad_fn *f, ad_mode mode, const double *x, double *H,
               ad_mode *used);

AD_END_DECLS

#endif /* ADMIX_DRIVERS_H */
