/* admix.h -- the umbrella header of admix, multi-mode automatic
 * differentiation in C11.  Include this; the modules are:
 *
 *   <admix/errors.h>      status codes, ad_strerror
 *   <admix/primitives.h>  the primitive table at run time (ad_op, ad_op_get)
 *   <admix/forward.h>     ad_dual, ad_dualv, ad_hdual (forward mode)
 *   <admix/generic.h>     ad_sin(x), ad_mul(a, b), ...: one spelling for
 *                         every number type (C only)
 *   <admix/tape.h>        reverse mode: ad_var, the tape, its sweeps
 *   <admix/array.h>       array primitives (ad_dot, ad_gemv, ...)
 *   <admix/custom.h>      custom primitives: user code with its own rules
 *   <admix/fn.h>          ad_fn, the function object of the drivers
 *   <admix/drivers.h>     ad_gradient ... ad_hessian: drivers on an ad_fn,
 *                         by mode
 *   <admix/sparse.h>      sparsity patterns, coloring, sparse Jacobians and
 *                         Hessians
 *   <admix/verify.h>      references: MPFR replay of a tape (more to come)
 *   <admix/checkpoint.h>  checkpointing: schedules (ad_revolve_*) and
 *                         checkpointed adjoints (ad_checkpoint_adjoint)
 *   <admix/instantiate.h> the write-once mechanism (included on its own)
 *
 * Link with `pkg-config --cflags --libs admix`.
 */
#ifndef ADMIX_H
#define ADMIX_H

#include "admix/common.h"
#include "admix/errors.h"
#include "admix/primitives.h"
#include "admix/forward.h"
#include "admix/tape.h"
#include "var.h"
#include "admix/generic.h"
#include "admix/array.h"
#include "admix/custom.h"
#include "admix/fn.h"
#include "admix/drivers.h"
#include "admix/sparse.h"
#include "admix/verify.h"
#include "admix/checkpoint.h"

#endif /* ADMIX_H */
