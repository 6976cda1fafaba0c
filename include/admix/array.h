/* array.h -- array primitives: operations on whole arrays, each one tape
 * node in reverse mode, for every number type.
 *
 *   T   ad_dot(n, x, y)             sum_i x_i y_i
 *   T   ad_sum(n, x)                sum_i x_i
 *   int ad_axpy(n, a, x, y)         y <- a x + y
 *   int ad_gemv(trans, m, n, A, x, y)
 *                                   y <- A x + y    (trans = AD_NOTRANS: A is
 *                                   m x n row-major, x has n entries, y m)
 *                                   y <- A^T x + y  (trans = AD_TRANS: x has m
 *                                   entries, y n)
 *   int ad_map(op, n, x, y)         y_i = op(x_i) for a unary primitive op
 *                                   without parameter (AD_OP_TANH, AD_OP_EXP,
 *                                   ...); x and y may be the same array
 *
 * All arrays hold one type T (double, double complex, ad_dual, ad_dualv,
 * ad_hdual or ad_var; the macros dispatch on the pointer type of x, or of y
 * for the operations that write y) and are contiguous; they must not
 * overlap, except x == y in ad_map.  The int functions return AD_OK, or
 * AD_EINVAL (a NULL array with a nonzero size, trans not 0 or 1, op not a
 * unary primitive without parameter) with y untouched.
 *
 * On double the work is done by CBLAS (GSL's, or the BLAS it was linked
 * with); the forward types use plain loops over their own operations, so
 * each result is exactly what the scalar loop would give up to the order of
 * the sums.  On ad_var each call is ONE node of the tape with its own
 * forward, reverse and second-order rules (modes/reverse/array.c): a node of
 * an n x m product stores two index ranges instead of n m scalar nodes, and
 * its sweeps run CBLAS too.  Constant arrays (ad_const elements) are stored
 * in the node; arrays made by ad_independent_array, or by another array
 * primitive, are stored as an index range, other arrays as index lists.
 *
 * Ownership and threads: as the scalar operations (ad_var ones record on the
 * calling thread's tape; recording outside a recording gives constants).
 */
#ifndef ADMIX_ARRAY_H
#define ADMIX_ARRAY_H

#include <stddef.h>

#include "admix/common.h"
#include "admix/forward.h"
#include "admix/primitives.h"
#include "admix/tape.h"

AD_BEGIN_DECLS

#define AD_NOTRANS 0
#define AD_TRANS   1

#define AD__ARRAY_DECL(P, T)                                                   \
    T ad_##P##_dot(size_t n, const T *x, const T *y);                          \
    T ad_##P##_sum(size_t n, const T *x);                                      \
    int ad_##P##_axpy(size_t n, T a, const T *x, T *y);                        \
    int ad_##P##_gemv(int trans, size_t m, size_t n, const T *A, const T *x,   \
                      T *y);                                                   \
    int ad_##P##_map(int op, size_t n, const T *x, T *y);
AD__ARRAY_DECL(double, double)
AD__ARRAY_DECL(dual, ad_dual)
AD__ARRAY_DECL(dualv, ad_dualv)
AD__ARRAY_DECL(hdual, ad_hdual)
AD__ARRAY_DECL(var, ad_var)
#ifndef __cplusplus
AD__ARRAY_DECL(cplx, double complex)
#endif
#undef AD__ARRAY_DECL

#ifndef __cplusplus
/* clang-format off */
#define AD__GA(name, x)                                                        \
    _Generic((x),                                                              \
        double *: ad_double_##name, const double *: ad_double_##name,          \
        double complex *: ad_cplx_##name,                                      \
        const double complex *: ad_cplx_##name,                                \
        ad_dual *: ad_dual_##name, const ad_dual *: ad_dual_##name,            \
        ad_dualv *: ad_dualv_##name, const ad_dualv *: ad_dualv_##name,        \
        ad_hdual *: ad_hdual_##name, const ad_hdual *: ad_hdual_##name,        \
        ad_var *: ad_var_##name, const ad_var *: ad_var_##name)
/* clang-format on */

#define ad_dot(n, x, y)              AD__GA(dot, x)(n, x, y)
#define ad_sum(n, x)                 AD__GA(sum, x)(n, x)
#define ad_axpy(n, a, x, y)          AD__GA(axpy, y)(n, a, x, y)
#define ad_gemv(trans, m, n, A, x, y) AD__GA(gemv, y)(trans, m, n, A, x, y)
#define ad_map(op, n, x, y)          AD__GA(map, y)(op, n, x, y)
#endif

AD_END_DECLS

#endif /* ADMIX_ARRAY_H */
