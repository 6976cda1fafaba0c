/* gsl_solvers.c -- GSL function objects filled from an ad_fn (admix/gsl.h):
 * multimin, multiroot, multifit_nlinear and odeiv2.
 *
 * Each struct's params is the caller's ad_fn, cast to void * because GSL
 * declares it so; the callbacks only read it.  Values come from f_double
 * (cheaper than any derivative pass), derivatives from the drivers in
 * AD_AUTO mode. */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>

#include "admix/gsl.h"
#include "drivers_impl.h"

/* y = f(x) with f_double, through contiguous copies where GSL's vectors
 * are strided (GSL's solvers pass contiguous ones). */
static int eval_gsl(const ad_fn *f, const gsl_vector *x, gsl_vector *y)
{
    if (x->size != f->n || y->size != f->m)
        return AD_EINVAL;
    double *xc = x->data, *yc = y->data;
    if (x->stride != 1) {
        xc = ad__dws_array(AD__S_GSL_X, f->n, sizeof *xc);
        if (xc == NULL)
            return AD_ENOMEM;
        for (size_t i = 0; i < f->n; i++)
            xc[i] = x->data[i * x->stride];
    }
    if (y->stride != 1) {
        yc = ad__dws_array(AD__S_GSL_Y, f->m, sizeof *yc);
        if (yc == NULL)
            return AD_ENOMEM;
    }
    f->f_double(xc, yc, f->params);
    if (yc != y->data)
        for (size_t i = 0; i < f->m; i++)
            y->data[i * y->stride] = yc[i];
    return ad__has_nan(yc, f->m) ? AD_EDOM : AD_OK;
}

/* The GSL status of an admix status, for multiroot and multifit. */
static int gsl_status(int rc)
{
    switch (rc) {
    case AD_OK:
        return GSL_SUCCESS;
    case AD_EDOM:
        return GSL_EBADFUNC;
    case AD_ENOMEM:
        return GSL_ENOMEM;
    default:
        return GSL_EFAILED;
    }
}

/* The adapters' common checks: the function object, f_double, and a way to
 * compute first derivatives. */
static int check(const ad_fn *f, const void *out)
{
    if (f == NULL || out == NULL || f->n == 0 || f->m == 0)
        return AD_EINVAL;
    if (f->f_double == NULL ||
        (f->f_var == NULL && f->f_dualv == NULL && f->f_dual == NULL))
        return AD_EUNSUPPORTED;
    return AD_OK;
}

/* ---- multimin ------------------------------------------------------------ */

static double mm_f(const gsl_vector *x, void *params)
{
    const ad_fn *f = params;
    double y;
    gsl_vector_view yv = gsl_vector_view_array(&y, 1);
    int rc = eval_gsl(f, x, &yv.vector);
    return rc == AD_OK || rc == AD_EDOM ? y : GSL_NAN;
}

static void mm_fdf(const gsl_vector *x, void *params, double *y, gsl_vector *g)
{
    int rc = ad_gradient_gsl(params, AD_AUTO, x, y, g);
    if (rc != AD_OK && rc != AD_EDOM) {
        *y = GSL_NAN;
        gsl_vector_set_all(g, GSL_NAN);
    }
}

static void mm_df(const gsl_vector *x, void *params, gsl_vector *g)
{
    double y;
    mm_fdf(x, params, &y, g);
}

int ad_gsl_multimin_fdf(const ad_fn *f, gsl_multimin_function_fdf *out)
{
    int rc = check(f, out);
    if (rc != AD_OK)
        return rc;
    if (f->m != 1)
        return AD_EINVAL;
    out->f = mm_f;
    out->df = mm_df;
    out->fdf = mm_fdf;
    out->n = f->n;
    out->params = (void *)f;
    return AD_OK;
}

/* ---- multiroot and multifit ---------------------------------------------- */

static int vec_f(const gsl_vector *x, void *params, gsl_vector *y)
{
    return gsl_status(eval_gsl(params, x, y));
}

static int vec_df(const gsl_vector *x, void *params, gsl_matrix *J)
{
    return gsl_status(ad_jacobian_gsl(params, AD_AUTO, x, NULL, J, NULL));
}

static int vec_fdf(const gsl_vector *x, void *params, gsl_vector *y,
                   gsl_matrix *J)
{
    return gsl_status(ad_jacobian_gsl(params, AD_AUTO, x, y, J, NULL));
}

int ad_gsl_multiroot_fdf(const ad_fn *f, gsl_multiroot_function_fdf *out)
{
    int rc = check(f, out);
    if (rc != AD_OK)
        return rc;
    if (f->m != f->n)
        return AD_EINVAL;
    out->f = vec_f;
    out->df = vec_df;
    out->fdf = vec_fdf;
    out->n = f->n;
    out->params = (void *)f;
    return AD_OK;
}

/* The second directional derivative of the residuals along v. */
static int fit_fvv(const gsl_vector *x, const gsl_vector *v, void *params,
                   gsl_vector *fvv)
{
    const ad_fn *f = params;
    if (x->size != f->n || v->size != f->n || fvv->size != f->m)
        return GSL_EBADLEN;
    /* The GSL_* slots are free here: no twin is running. */
    const double *xc = x->data, *vc = v->data;
    double *oc = fvv->data;
    if (x->stride != 1 || v->stride != 1 || fvv->stride != 1) {
        double *xs = ad__dws_array(AD__S_GSL_X, f->n, sizeof *xs);
        double *vs = ad__dws_array(AD__S_GSL_V, f->n, sizeof *vs);
        oc = ad__dws_array(AD__S_GSL_D, f->m, sizeof *oc);
        if (xs == NULL || vs == NULL || oc == NULL)
            return GSL_ENOMEM;
        for (size_t i = 0; i < f->n; i++) {
            xs[i] = x->data[i * x->stride];
            vs[i] = v->data[i * v->stride];
        }
        xc = xs;
        vc = vs;
    }
    int rc = ad__fvv(f, xc, vc, NULL, oc);
    if ((rc == AD_OK || rc == AD_EDOM) && oc != fvv->data)
        for (size_t i = 0; i < f->m; i++)
            fvv->data[i * fvv->stride] = oc[i];
    return gsl_status(rc);
}

int ad_gsl_multifit_nlinear_fdf(const ad_fn *f, gsl_multifit_nlinear_fdf *out)
{
    int rc = check(f, out);
    if (rc != AD_OK)
        return rc;
    out->f = vec_f;
    out->df = vec_df;
    out->fvv = f->f_hdual != NULL ? fit_fvv : NULL;
    out->n = f->m; /* residuals */
    out->p = f->n; /* parameters */
    out->params = (void *)f;
    out->nevalf = out->nevaldf = out->nevalfvv = 0;
    return AD_OK;
}

/* ---- odeiv2 -------------------------------------------------------------- */

/* The GSL status of an admix status, for odeiv2: a NaN lets the stepper
 * retry with a smaller step; anything else stops it. */
static int ode_status(int rc)
{
    if (rc == AD_OK)
        return GSL_SUCCESS;
    return rc == AD_EDOM ? GSL_EDOM : GSL_EBADFUNC;
}

/* x = (t, y_0 .. y_{dim-1}) in the ODE_X slot. */
static double *ode_point(size_t dim, double t, const double *y)
{
    double *x = ad__dws_array(AD__S_ODE_X, dim + 1, sizeof *x);
    if (x != NULL) {
        x[0] = t;
        for (size_t i = 0; i < dim; i++)
            x[i + 1] = y[i];
    }
    return x;
}

static int ode_f(double t, const double y[], double dydt[], void *params)
{
    const ad_fn *f = params;
    double *x = ode_point(f->m, t, y);
    if (x == NULL)
        return ode_status(AD_ENOMEM);
    f->f_double(x, dydt, f->params);
    return ode_status(ad__has_nan(dydt, f->m) ? AD_EDOM : AD_OK);
}

static int ode_jac(double t, const double y[], double *dfdy, double dfdt[],
                   void *params)
{
    const ad_fn *f = params;
    size_t dim = f->m, n = dim + 1;
    double *x = ode_point(dim, t, y);
    double *J = ad__dws_array(AD__S_ODE_J, dim * n, sizeof *J);
    if (x == NULL || J == NULL)
        return ode_status(AD_ENOMEM);
    int rc = ad_jacobian(f, AD_AUTO, x, NULL, J, NULL);
    if (rc != AD_OK && rc != AD_EDOM)
        return ode_status(rc);
    /* Column 0 of J is df/dt, the others df/dy (GSL wants dfdy row-major:
     * dfdy[i dim + j] = df_i/dy_j). */
    for (size_t i = 0; i < dim; i++) {
        dfdt[i] = J[i * n];
        for (size_t j = 0; j < dim; j++)
            dfdy[i * dim + j] = J[i * n + 1 + j];
    }
    return ode_status(rc);
}

int ad_gsl_odeiv2_system(const ad_fn *f, gsl_odeiv2_system *out)
{
    int rc = check(f, out);
    if (rc != AD_OK)
        return rc;
    if (f->n != f->m + 1)
        return AD_EINVAL;
    out->function = ode_f;
    out->jacobian = ode_jac;
    out->dimension = f->m;
    out->params = (void *)f;
    return AD_OK;
}
