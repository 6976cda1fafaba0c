/* forward.h -- forward mode: number types that carry derivatives beside
 * their values.
 *
 *   ad_dual   { v, d }             one tangent: dual numbers v + d eps
 *   ad_dualv  { v, d[AD_LANES] }   AD_LANES tangents in one pass (vector mode)
 *   ad_hdual  { v, d1, d2, d12 }   hyper-dual: exact second derivatives
 *
 * For every primitive <name> of primitives/ops.def (sin, mul, pow, ...) and
 * each type T in {dual, dualv, hdual} there is a static inline function
 *   ad_T_<name>(x)  or  ad_T_<name>(x, u),
 * plus, for binary primitives, ad_T_<name>_xc(x, double) and
 * ad_T_<name>_cx(double, u) for a constant argument, and ad_T_powi(x, int).
 * Most code calls the type-generic macros of <admix/generic.h> instead
 * (ad_sin(x), ad_mul(x, 2.0), ...), which choose among these.  The same
 * functions exist for double (ad_double_<name>) and double complex
 * (ad_cplx_<name>, C only).
 *
 * Constructors: ad_dual_make(v, d), ad_dualv_make(v, lane) (tangent 1 in one
 * lane), ad_hdual_make(v, d1, d2, d12), and ad_T_const(c) (zero tangents);
 * ad_T_value(x) returns the value.  Set the tangents directly for other
 * seeds: the structs are plain data.
 *
 * Semantics: values are exactly those of the C library function on doubles.
 * NaN and infinities propagate as IEEE 754 says; a domain error (log(-1))
 * gives a NaN value and NaN derivatives, never a trap.  (A NaN value is the
 * signal: through primitives defined on all reals, such as + and *, the
 * tangent of a NaN value follows the arithmetic of the partials and is not
 * forced to NaN.)  A primitive whose
 * partial is infinite or NaN at a point (sqrt at 0) contributes 0 along a
 * zero tangent.  Conventions at non-differentiable points: |x| at 0 has
 * derivative 0; fmin/fmax at a tie take the average of both sides (1/2
 * each); sqrt at 0 has derivative +inf; hypot at the origin has partials 0;
 * pow and powi are documented in primitives/pow.c and primitives/powi.c.
 *
 * Ownership and threads: plain values, no allocation, no global state; safe
 * from any number of threads.  AD_LANES is fixed when admix is configured
 * (configure --with-lanes=N, default 8) and must not be redefined.
 */
#ifndef ADMIX_FORWARD_H
#define ADMIX_FORWARD_H

#include "admix/common.h"
#include "scalar.h"
#include "dual.h"
#include "dualv.h"
#include "hdual.h"

#endif /* ADMIX_FORWARD_H */
