/* array.c -- the array primitives of <admix/array.h> on double (CBLAS) and
 * on the forward types (loops over each type's own operations, generated
 * once for every type below).  ad_var's are in modes/reverse/array.c. */
#include <gsl/gsl_cblas.h>

#include "admix/array.h"
#include "admix/errors.h"

/* Valid arguments of gemv and map, shared by every type. */
int ad__map_op_ok(int op);
static int gemv_ok(int trans, size_t m, size_t n, const void *A,
                   const void *x, const void *y)
{
    if (trans != AD_NOTRANS && trans != AD_TRANS)
        return 0;
    size_t nx = trans ? m : n, ny = trans ? n : m;
    if (ny > 0 && y == NULL)
        return 0;
    return nx == 0 || ny == 0 || (A != NULL && x != NULL);
}

int ad__map_op_ok(int op)
{
    const ad_op_info *d = ad_op_get(op);
    return d != NULL && d->arity == 1 && !d->has_param;
}

/* ---- double ------------------------------------------------------------- */

double ad_double_dot(size_t n, const double *x, const double *y)
{
    return n ? cblas_ddot((int)n, x, 1, y, 1) : 0.0;
}

double ad_double_sum(size_t n, const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s;
}

int ad_double_axpy(size_t n, double a, const double *x, double *y)
{
    if (n > 0 && (x == NULL || y == NULL))
        return AD_EINVAL;
    if (n > 0)
        cblas_daxpy((int)n, a, x, 1, y, 1);
    return AD_OK;
}

int ad_double_gemv(int trans, size_t m, size_t n, const double *A,
                   const double *x, double *y)
{
    if (!gemv_ok(trans, m, n, A, x, y))
        return AD_EINVAL;
    if (m > 0 && n > 0)
        cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, (int)m,
                    (int)n, 1.0, A, (int)n, x, 1, 1.0, y, 1);
    return AD_OK;
}

int ad_double_map(int op, size_t n, const double *x, double *y)
{
    if (!ad__map_op_ok(op) || (n > 0 && (x == NULL || y == NULL)))
        return AD_EINVAL;
    switch (op) {
#define AD_OP1(N, nm, ...)                                                     \
    case AD_OP_##N:                                                            \
        for (size_t i = 0; i < n; i++)                                         \
            y[i] = ad__##nm##_v(x[i], 0.0);                                    \
        break;
#define AD_OP1P(...)
#define AD_OP2(...)
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
    }
    return AD_OK;
}

/* ---- the forward types: one definition for all ------------------------- */

#define P cplx
#define T double complex
#include "array_impl.inc"
#undef P
#undef T

#define P dual
#define T ad_dual
#include "array_impl.inc"
#undef P
#undef T

#define P dualv
#define T ad_dualv
#include "array_impl.inc"
#undef P
#undef T

#define P hdual
#define T ad_hdual
#include "array_impl.inc"
#undef P
#undef T
