/* custom.h -- custom primitives: a user operation y = F(x), R^n -> R^m,
 * with its own derivative rules, used like a primitive in every mode and
 * recorded as ONE tape node (ADOL-C's external functions, JAX's
 * custom_jvp/custom_vjp, CppAD's atomic functions).
 *
 * Use it for code admix should not (or cannot) look inside: a linear solve
 * whose adjoint is another solve, a GSL routine, a library call, an
 * iterative method whose derivative is known in closed form.
 *
 *     static int solve_value(const void *ctx, size_t n, const double *x,
 *                            size_t m, double *y) { ... y = A(x)^-1 b ... }
 *     ...
 *     static const ad_custom solve = {"solve", solve_value, solve_jvp,
 *                                     solve_vjp, NULL, &problem};
 *     ad_custom(&solve, n, x, m, y);     // x, y: arrays of any admix type
 *
 * The callbacks (ctx is the op's ctx, passed through; x the n inputs; y the
 * m outputs F(x), as value computed them):
 *   value(ctx, n, x, m, y)            y = F(x)
 *   jvp(ctx, n, x, y, v, m, jv)       jv = F'(x) v                (m values)
 *   vjp(ctx, n, x, y, w, m, wj)       wj = w^T F'(x)              (n values)
 *   hvp(ctx, n, x, y, w, v, m, hv)    hv = sum_i w_i F_i''(x) v   (n values)
 * Each writes its whole output (overwrites, never accumulates) and returns
 * 0, or a nonzero status when it cannot (a singular matrix, say): a
 * negative AD_E* code is passed on as it is, any other value becomes
 * AD_EDOM.  The outputs of a failed callback are then NaN.  value, jvp and
 * vjp are required; hvp is optional and only needed for second order
 * (hyper-dual numbers, ad_tape_hvp, ad_tape_hessian), which otherwise give
 * AD_EUNSUPPORTED.
 *
 * Entry points, one per number type, all returning an admix status:
 *   ad_custom_double  value only
 *   ad_custom_dual    value and one jvp
 *   ad_custom_dualv   value and AD_LANES jvps
 *   ad_custom_hdual   value, three jvps and m hvps (needs hvp)
 *   ad_custom_var     records one node on the thread's tape (if an input is
 *                     active; otherwise computes the value as a constant).
 *                     Every later sweep of the tape calls the callbacks:
 *                     value on replay, jvp in tangent sweeps, vjp in
 *                     adjoint sweeps, hvp (with vjp) in second order.
 *   ad_custom_complex AD_EUNSUPPORTED (y is set to NaN): a user operation
 *                     is not known to be analytic.
 *   ad_custom(op, n, x, m, y)   the type-generic form (C only), dispatching
 *                     on the element type of x, for write-once templates.
 * A failing callback makes the call return its status and its outputs NaN.
 * On the tape, a sweep that meets a failing callback runs to its end all
 * the same (so that the thread's buffers stay consistent) and returns the
 * callback's status; its outputs are then unspecified (NaN where they
 * depend on the failed callback).  Derivatives of a custom op are only as right
 * as its callbacks: the verify module checks them like any primitive's.
 *
 * Ownership: the ad_custom (and its ctx) is the caller's and must outlive
 * every tape that recorded it: sweeps call it later.  Tapes holding custom
 * nodes cannot be saved to a file (ad_tape_save gives AD_EUNSUPPORTED): a
 * file cannot hold code.  Thread-safety: sweeps of one tape on several
 * threads (ad_tape_jacobian, ad_tape_hessian) call the callbacks
 * concurrently, with distinct x, y and output arrays; they must be
 * reentrant for that.
 */
#ifndef ADMIX_CUSTOM_H
#define ADMIX_CUSTOM_H

#include <stddef.h>

#include "admix/common.h"
#include "admix/forward.h"
#include "admix/tape.h"

AD_BEGIN_DECLS

typedef struct ad_custom {
    const char *name; /* for messages and reports; may be NULL */
    int (*value)(const void *ctx, size_t n, const double *x, size_t m,
                 double *y);
    int (*jvp)(const void *ctx, size_t n, const double *x, const double *y,
               const double *v, size_t m, double *jv);
    int (*vjp)(const void *ctx, size_t n, const double *x, const double *y,
               const double *w, size_t m, double *wj);
    int (*hvp)(const void *ctx, size_t n, const double *x, const double *y,
               const double *w, const double *v, size_t m, double *hv);
    const void *ctx; /* passed to every callback */
} ad_custom;

/* y[0..m) = F(x[0..n)) in each number type.  AD_EINVAL for a NULL op,
 * callback or array (with n or m > 0), n or m above UINT32_MAX, or m == 0;
 * AD_EUNSUPPORTED (hdual without hvp; complex); a callback's status;
 * AD_ENOMEM.  On error y is NaN (for ad_var: NaN constants). */
int ad_custom_double(const ad_custom *op, size_t n, const double *x, size_t m,
                     double *y);
int ad_custom_dual(const ad_custom *op, size_t n, const ad_dual *x, size_t m,
                   ad_dual *y);
int ad_custom_dualv(const ad_custom *op, size_t n, const ad_dualv *x, size_t m,
                    ad_dualv *y);
int ad_custom_hdual(const ad_custom *op, size_t n, const ad_hdual *x, size_t m,
                    ad_hdual *y);
int ad_custom_var(const ad_custom *op, size_t n, const ad_var *x, size_t m,
                  ad_var *y);
#ifndef __cplusplus
int ad_custom_complex(const ad_custom *op, size_t n, const double complex *x,
                      size_t m, double complex *y);

/* The type-generic form, on the element type of x. */
#define ad_custom(op, n, x, m, y)                                              \
    _Generic((x)[0], double                                                    \
             : ad_custom_double, double complex                                \
             : ad_custom_complex, ad_dual                                      \
             : ad_custom_dual, ad_dualv                                        \
             : ad_custom_dualv, ad_hdual                                       \
             : ad_custom_hdual, ad_var                                         \
             : ad_custom_var)(op, n, x, m, y)
#endif

AD_END_DECLS

#endif /* ADMIX_CUSTOM_H */
