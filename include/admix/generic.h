/* generic.h -- type-generic operations (C11 _Generic), the way a function is
 * written once for every number type.
 *
 * ad_sin(x), ad_mul(a, b), ... dispatch on their arguments' types: double
 * (and any other real type, converted to double), double complex, ad_dual,
 * ad_dualv, ad_hdual, ad_var (recorded on the thread's tape, tape.h).  A binary operation accepts one active type mixed with
 * double (ad_mul(x, 2.0), ad_sub(1.0, x)); two different active types are a
 * compile-time error.  The result has the active type.
 *
 *   ad_value(x)         the double value of any type
 *   ad_const(T, c)      the constant c as a T (T a type name)
 *   ad_lt ad_le ad_gt ad_ge ad_eq (a, b)
 *                       compare values, return int; use these (not < on
 *                       ad_value) where control flow depends on active
 *                       values: on ad_var they are recorded, and a replay
 *                       where one comes out otherwise is refused
 *   ad_select(c, a, b)  a if the value of c is > 0, else b (ADOL-C's
 *                       condassign); a NaN c selects b.  The branch not
 *                       taken contributes nothing to the derivative.
 *
 * C only (C++ uses the overloads of <admix.hpp>).  These are macros: each
 * argument is evaluated once.
 */
#ifndef ADMIX_GENERIC_H
#define ADMIX_GENERIC_H

#ifndef __cplusplus

#include "admix/forward.h"
#include "var.h"

/* The dispatch tables.  Adding a number type is one line in each.
 * (clang-format does not understand _Generic's associations.) */
/* clang-format off */
#define AD__G1(n, x)                                                           \
    _Generic((x),                                                              \
        ad_dual: ad_dual_##n,                                                  \
        ad_dualv: ad_dualv_##n,                                                \
        ad_hdual: ad_hdual_##n,                                                \
        ad_var: ad_var_##n,                                                    \
        double complex: ad_cplx_##n,                                           \
        default: ad_double_##n)

#define AD__G2(n, x, u)                                                        \
    _Generic((x),                                                              \
        ad_dual: _Generic((u), ad_dual: ad_dual_##n, default: ad_dual_##n##_xc), \
        ad_dualv: _Generic((u), ad_dualv: ad_dualv_##n,                        \
                           default: ad_dualv_##n##_xc),                        \
        ad_hdual: _Generic((u), ad_hdual: ad_hdual_##n,                        \
                           default: ad_hdual_##n##_xc),                        \
        ad_var: _Generic((u), ad_var: ad_var_##n, default: ad_var_##n##_xc),   \
        double complex: ad_cplx_##n,                                           \
        default: _Generic((u),                                                 \
            ad_dual: ad_dual_##n##_cx,                                         \
            ad_dualv: ad_dualv_##n##_cx,                                       \
            ad_hdual: ad_hdual_##n##_cx,                                       \
            ad_var: ad_var_##n##_cx,                                           \
            double complex: ad_cplx_##n,                                       \
            default: ad_double_##n))

/* clang-format on */

#define AD__CALL1(n, x)    AD__G1(n, x)(x)
#define AD__CALL2(n, x, u) AD__G2(n, x, u)(x, u)

/* One line per primitive of ops.def (C cannot generate a macro). */
#define ad_neg(x)      AD__CALL1(neg, x)
#define ad_sqr(x)      AD__CALL1(sqr, x)
#define ad_inv(x)      AD__CALL1(inv, x)
#define ad_sqrt(x)     AD__CALL1(sqrt, x)
#define ad_cbrt(x)     AD__CALL1(cbrt, x)
#define ad_exp(x)      AD__CALL1(exp, x)
#define ad_expm1(x)    AD__CALL1(expm1, x)
#define ad_log(x)      AD__CALL1(log, x)
#define ad_log1p(x)    AD__CALL1(log1p, x)
#define ad_log2(x)     AD__CALL1(log2, x)
#define ad_log10(x)    AD__CALL1(log10, x)
#define ad_sin(x)      AD__CALL1(sin, x)
#define ad_cos(x)      AD__CALL1(cos, x)
#define ad_tan(x)      AD__CALL1(tan, x)
#define ad_asin(x)     AD__CALL1(asin, x)
#define ad_acos(x)     AD__CALL1(acos, x)
#define ad_atan(x)     AD__CALL1(atan, x)
#define ad_sinh(x)     AD__CALL1(sinh, x)
#define ad_cosh(x)     AD__CALL1(cosh, x)
#define ad_tanh(x)     AD__CALL1(tanh, x)
#define ad_asinh(x)    AD__CALL1(asinh, x)
#define ad_acosh(x)    AD__CALL1(acosh, x)
#define ad_atanh(x)    AD__CALL1(atanh, x)
#define ad_erf(x)      AD__CALL1(erf, x)
#define ad_erfc(x)     AD__CALL1(erfc, x)
#define ad_lgamma(x)   AD__CALL1(lgamma, x)
#define ad_tgamma(x)   AD__CALL1(tgamma, x)
#define ad_fabs(x)     AD__CALL1(fabs, x)
#define ad_powi(x, k)  AD__G1(powi, x)(x, k)
#define ad_add(a, b)   AD__CALL2(add, a, b)
#define ad_sub(a, b)   AD__CALL2(sub, a, b)
#define ad_mul(a, b)   AD__CALL2(mul, a, b)
#define ad_div(a, b)   AD__CALL2(div, a, b)
#define ad_pow(a, b)   AD__CALL2(pow, a, b)
#define ad_atan2(a, b) AD__CALL2(atan2, a, b)
#define ad_hypot(a, b) AD__CALL2(hypot, a, b)
#define ad_fmin(a, b)  AD__CALL2(fmin, a, b)
#define ad_fmax(a, b)  AD__CALL2(fmax, a, b)

#define ad_value(x)        AD__G1(value, x)(x)
#define ad_const(T, c)     AD__G1(const, (T){0})(c)
#define ad_select(c, a, b) AD__G2(selectv, a, b)(AD__ASVAR(c), a, b)

/* ad_select takes its condition as an ad_var (a constant one unless c is an
 * ad_var), so that one expression serves every type; the forward types'
 * selects only look at its value. */
/* clang-format off */
#define AD__ASVAR(c)                                                           \
    _Generic((c), ad_var: (c), default: ad__var_passive(ad_value(c)))
/* clang-format on */
#define AD__SELV(P, T)                                                         \
    static AD_INLINE T ad_##P##_selectv(ad_var c, T a, T b)                    \
    {                                                                          \
        return ad_##P##_select(c.v, a, b);                                     \
    }
#define AD__SELV2(P, T)                                                        \
    AD__SELV(P, T)                                                             \
    static AD_INLINE T ad_##P##_selectv_xc(ad_var c, T a, double b)            \
    {                                                                          \
        return ad_##P##_select_xc(c.v, a, b);                                  \
    }                                                                          \
    static AD_INLINE T ad_##P##_selectv_cx(ad_var c, double a, T b)            \
    {                                                                          \
        return ad_##P##_select_cx(c.v, a, b);                                  \
    }
AD__SELV(double, double)
AD__SELV(cplx, double complex)
AD__SELV2(dual, ad_dual)
AD__SELV2(dualv, ad_dualv)
AD__SELV2(hdual, ad_hdual)
#undef AD__SELV
#undef AD__SELV2
#define ad_var_selectv    ad_var_select
#define ad_var_selectv_xc ad_var_select_xc
#define ad_var_selectv_cx ad_var_select_cx

/* Comparisons: recorded when an argument is an ad_var, else plain. */
#define AD__CMPARG(a) _Generic((a), ad_var: (a), default: ad_value(a))
#define AD__CMP(name, a, b)                                                      \
    _Generic((a),                                                              \
        ad_var: _Generic((b), ad_var: ad_var_##name,                           \
                         default: ad_var_##name##_xc),                         \
        default: _Generic((b), ad_var: ad_var_##name##_cx,                     \
                          default: ad__cmp_##name))(AD__CMPARG(a), AD__CMPARG(b))
/* clang-format on */
#define AD__CMP_PLAIN(name, rel)                                               \
    static AD_INLINE int ad__cmp_##name(double a, double b)                    \
    {                                                                          \
        return a rel b;                                                        \
    }
AD__CMP_PLAIN(lt, <)
AD__CMP_PLAIN(le, <=)
AD__CMP_PLAIN(gt, >)
AD__CMP_PLAIN(ge, >=)
AD__CMP_PLAIN(eq, ==)
#undef AD__CMP_PLAIN

#define ad_lt(a, b) AD__CMP(lt, a, b)
#define ad_le(a, b) AD__CMP(le, a, b)
#define ad_gt(a, b) AD__CMP(gt, a, b)
#define ad_ge(a, b) AD__CMP(ge, a, b)
#define ad_eq(a, b) AD__CMP(eq, a, b)

#endif /* !__cplusplus */

#endif /* ADMIX_GENERIC_H */
