/* gsl.c -- the drivers on gsl_vector and gsl_matrix (admix/gsl.h).
 *
 * Each twin checks the sizes against the ad_fn, hands the driver the
 * objects' own storage when it is contiguous (stride 1, tda == size2: what
 * GSL's solvers pass), and otherwise copies through per-thread buffers
 * (drivers_impl.h slots GSL_*, kept between calls, never used by the
 * drivers themselves).  Results are copied back also when the driver
 * returns AD_EDOM: the NaNs are part of the answer. */
#include "admix/gsl.h"
#include "drivers_impl.h"

/* v's elements as one contiguous array: v's storage, or a copy in slot. */
static const double *vec_in(const gsl_vector *v, int slot)
{
    if (v->stride == 1)
        return v->data;
    double *c = ad__dws_array(slot, v->size, sizeof *c);
    if (c != NULL)
        for (size_t i = 0; i < v->size; i++)
            c[i] = v->data[i * v->stride];
    return c;
}

/* Where a driver should write v's elements: v's storage, or slot. */
static double *vec_out(gsl_vector *v, int slot)
{
    if (v->stride == 1)
        return v->data;
    return ad__dws_array(slot, v->size, sizeof(double));
}

/* Copies c back into v, unless c is v's storage. */
static void vec_put(gsl_vector *v, const double *c)
{
    if (c != v->data)
        for (size_t i = 0; i < v->size; i++)
            v->data[i * v->stride] = c[i];
}

static double *mat_out(gsl_matrix *A, int slot)
{
    if (A->tda == A->size2)
        return A->data;
    return ad__dws_array(slot, A->size1 * A->size2, sizeof(double));
}

static void mat_put(gsl_matrix *A, const double *c)
{
    if (c != A->data)
        for (size_t i = 0; i < A->size1; i++)
            for (size_t j = 0; j < A->size2; j++)
                A->data[i * A->tda + j] = c[i * A->size2 + j];
}

/* The results of a driver are worth copying back. */
static int written(int rc)
{
    return rc == AD_OK || rc == AD_EDOM;
}

int ad_gradient_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
                    double *y, gsl_vector *g)
{
    if (f == NULL || x == NULL || g == NULL || x->size != f->n ||
        g->size != f->n)
        return AD_EINVAL;
    const double *xc = vec_in(x, AD__S_GSL_X);
    double *gc = vec_out(g, AD__S_GSL_D);
    if (xc == NULL || gc == NULL)
        return AD_ENOMEM;
    int rc = ad_gradient(f, mode, xc, y, gc);
    if (written(rc))
        vec_put(g, gc);
    return rc;
}

int ad_jvp_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
               const gsl_vector *v, gsl_vector *y, gsl_vector *jv)
{
    if (f == NULL || x == NULL || v == NULL || jv == NULL || x->size != f->n ||
        v->size != f->n || jv->size != f->m || (y != NULL && y->size != f->m))
        return AD_EINVAL;
    const double *xc = vec_in(x, AD__S_GSL_X);
    const double *vc = vec_in(v, AD__S_GSL_V);
    double *yc = y != NULL ? vec_out(y, AD__S_GSL_Y) : NULL;
    double *jc = vec_out(jv, AD__S_GSL_D);
    if (xc == NULL || vc == NULL || jc == NULL || (y != NULL && yc == NULL))
        return AD_ENOMEM;
    int rc = ad_jvp(f, mode, xc, vc, yc, jc);
    if (written(rc)) {
        vec_put(jv, jc);
        if (y != NULL)
            vec_put(y, yc);
    }
    return rc;
}

int ad_vjp_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
               const gsl_vector *w, gsl_vector *y, gsl_vector *wj)
{
    if (f == NULL || x == NULL || w == NULL || wj == NULL || x->size != f->n ||
        w->size != f->m || wj->size != f->n || (y != NULL && y->size != f->m))
        return AD_EINVAL;
    const double *xc = vec_in(x, AD__S_GSL_X);
    const double *wc = vec_in(w, AD__S_GSL_V);
    double *yc = y != NULL ? vec_out(y, AD__S_GSL_Y) : NULL;
    double *dc = vec_out(wj, AD__S_GSL_D);
    if (xc == NULL || wc == NULL || dc == NULL || (y != NULL && yc == NULL))
        return AD_ENOMEM;
    int rc = ad_vjp(f, mode, xc, wc, yc, dc);
    if (written(rc)) {
        vec_put(wj, dc);
        if (y != NULL)
            vec_put(y, yc);
    }
    return rc;
}

int ad_jacobian_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
                    gsl_vector *y, gsl_matrix *J, ad_mode *used)
{
    if (used != NULL)
        *used = AD_AUTO;
    if (f == NULL || x == NULL || J == NULL || x->size != f->n ||
        J->size1 != f->m || J->size2 != f->n || (y != NULL && y->size != f->m))
        return AD_EINVAL;
    const double *xc = vec_in(x, AD__S_GSL_X);
    double *yc = y != NULL ? vec_out(y, AD__S_GSL_Y) : NULL;
    double *Jc = mat_out(J, AD__S_GSL_D);
    if (xc == NULL || Jc == NULL || (y != NULL && yc == NULL))
        return AD_ENOMEM;
    int rc = ad_jacobian(f, mode, xc, yc, Jc, used);
    if (written(rc)) {
        mat_put(J, Jc);
        if (y != NULL)
            vec_put(y, yc);
    }
    return rc;
}

int ad_hvp_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
               const gsl_vector *v, gsl_vector *hv)
{
    if (f == NULL || x == NULL || v == NULL || hv == NULL || x->size != f->n ||
        v->size != f->n || hv->size != f->n)
        return AD_EINVAL;
    const double *xc = vec_in(x, AD__S_GSL_X);
    const double *vc = vec_in(v, AD__S_GSL_V);
    double *hc = vec_out(hv, AD__S_GSL_D);
    if (xc == NULL || vc == NULL || hc == NULL)
        return AD_ENOMEM;
    int rc = ad_hvp(f, mode, xc, vc, hc);
    if (written(rc))
        vec_put(hv, hc);
    return rc;
}

int ad_hessian_gsl(const ad_fn *f, ad_mode mode, const gsl_vector *x,
                   gsl_matrix *H, ad_mode *used)
{
    if (used != NULL)
        *used = AD_AUTO;
    if (f == NULL || x == NULL || H == NULL || x->size != f->n ||
        H->size1 != f->n || H->size2 != f->n)
        return AD_EINVAL;
    const double *xc = vec_in(x, AD__S_GSL_X);
    double *Hc = mat_out(H, AD__S_GSL_D);
    if (xc == NULL || Hc == NULL)
        return AD_ENOMEM;
    int rc = ad_hessian(f, mode, xc, Hc, used);
    if (written(rc))
        mat_put(H, Hc);
    return rc;
}
