/* gsl.h -- admix derivatives for GNU GSL: the drivers of <admix/drivers.h>
 * on gsl_vector and gsl_matrix, and adapters that fill GSL's function
 * objects for its minimisers, root finders, least-squares fitters and
 * stiff ODE steppers from an ad_fn.
 *
 * Not included by <admix.h> (it pulls in GSL's headers): include it after
 * <admix.h>, and link with GSL (`pkg-config --libs gsl`; libadmix itself
 * already links it).
 *
 * Twins.  ad_gradient_gsl ... ad_hvp_gsl do what the drivers without _gsl
 * do, with the same modes and status codes, on GSL objects of any stride
 * (or tda): they check the sizes (x: n, g: n, y: m, J: m x n, H: n x n,
 * v: n for jvp and hvp, w: m, jv: m, wj: n) and return AD_EINVAL on a
 * mismatch or a NULL where an object is required (y may be NULL; in
 * ad_gradient_gsl it is a plain double *).  Contiguous objects are used in
 * place; strided ones go through per-thread copies.
 *
 * Adapters.  Each fills a GSL struct whose params point to the caller's
 * ad_fn: the ad_fn (and what its own params point to) must outlive every
 * use of the struct, and must not change meanwhile.  They read the value
 * with f_double and the derivatives with the drivers in AD_AUTO mode, so
 * they need f_double and what AUTO needs (f_var, or f_dualv / f_dual; f_hdual
 * for fvv).  They return AD_OK, AD_EINVAL (a NULL, or sizes the solver
 * cannot take) or AD_EUNSUPPORTED (f_double or every derivative entry point
 * missing).
 *
 * Errors inside the callbacks.  GSL callbacks cannot return admix codes.
 * Those of multiroot and multifit return GSL_SUCCESS, GSL_EBADFUNC when a
 * value or derivative is NaN (AD_EDOM; GSL's code for "the user's function
 * returned Inf or NaN"), GSL_ENOMEM when memory runs out and GSL_EFAILED
 * otherwise (for example when the calling thread is recording a tape of its
 * own); the solvers stop with an error.  Those of odeiv2 return GSL_EDOM
 * for a NaN, on which gsl_odeiv2_evolve_apply (and the driver) retries the
 * step with a smaller size -- a NaN usually means that a too long step left
 * the domain of f -- and GSL_EBADFUNC for the other errors, on which it
 * stops at once (retrying cannot help; reset the evolve object before going
 * on).  The callbacks of multimin have no status: on an error they return
 * NaN in the value and the gradient (what GSL's own numerical code gives
 * for a failed evaluation); GSL's minimisers do not always stop on it, so
 * test the minimiser's f (gsl_multimin_fdfminimizer_minimum) for NaN.
 */
#ifndef ADMIX_GSL_H
#define ADMIX_GSL_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_multiroots.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_vector.h>

#include "admix/drivers.h"

AD_BEGIN_DECLS

/* ---- the drivers on GSL objects ------------------------------------------ */

int ad_gradient_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
                    double *y, gsl_vector *g);
int ad_jvp_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
               const gsl_vector *v, gsl_vector *y, gsl_vector *jv);
int ad_vjp_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
               const gsl_vector *w, gsl_vector *y, gsl_vector *wj);
int ad_jacobian_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
                    gsl_vector *y, gsl_matrix *J, ad_mode *used);
int ad_hvp_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
               const gsl_vector *v, gsl_vector *hv);
int ad_hessian_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
                   gsl_matrix *H, ad_mode *used);

/* ---- adapters ------------------------------------------------------------ */

/* For gsl_multimin_fdfminimizer_*: f (m == 1) and its gradient
 * (ad_gradient, AUTO: reverse mode).  out->n = n. */
int ad_gsl_multimin_fdf(const ad_fn *f, gsl_multimin_function_fdf *out);

/* For gsl_multiroot_fdfsolver_* (hybridsj, newton, ...): f (n == m) and its
 * Jacobian (ad_jacobian, AUTO: forward mode); fdf gets both from one
 * Jacobian call.  out->n = n. */
int ad_gsl_multiroot_fdf(const ad_fn *f, gsl_multiroot_function_fdf *out);

/* For gsl_multifit_nlinear_*: f maps the p = f->n parameters to the
 * n = f->m residuals (n >= p), df is its Jacobian (AUTO: forward mode when
 * n >= p), and fvv -- the second directional derivative
 * sum_ab v_a v_b d2f/dx_a dx_b that geodesic acceleration (trs_lmaccel)
 * needs -- is one ad_hdual pass per call when f_hdual exists, else NULL
 * (GSL then takes finite differences).  The evaluation counters are zeroed.
 * Residual weights are GSL's business (gsl_multifit_nlinear_winit). */
int ad_gsl_multifit_nlinear_fdf(const ad_fn *f, gsl_multifit_nlinear_fdf *out);

/* For gsl_odeiv2 (msbdf, bsimp, rk4imp, ...: the steppers that need a
 * Jacobian): f has n = dim + 1 inputs (t, y_0 .. y_{dim-1}) and m = dim
 * outputs dy/dt, so one Jacobian call (AUTO: reverse mode, as n > m) gives
 * dfdt (its column 0) and dfdy (the others).  out->dimension = dim. */
int ad_gsl_odeiv2_system(const ad_fn *f, gsl_odeiv2_system *out);

AD_END_DECLS

#endif /* ADMIX_GSL_H */
