/* instantiate.h -- write a function once, get it for every number type.
 *
 * Write the body in a template file with `T` as the number type, `AD_NAME(f)`
 * as its name and the type-generic operations of <admix/generic.h>:
 *
 *     // rosen.inc
 *     void AD_NAME(rosen)(const T *x, T *y, const void *params)
 *     {
 *         size_t n = *(const size_t *)params;
 *         T s = ad_const(T, 0.0);
 *         for (size_t i = 0; i + 1 < n; i++) {
 *             T t = ad_sub(x[i + 1], ad_sqr(x[i]));
 *             s = ad_add(s, ad_add(ad_mul(100.0, ad_sqr(t)),
 *                                  ad_sqr(ad_sub(1.0, x[i]))));
 *         }
 *         y[0] = s;
 *     }
 *
 * then instantiate it in a C file:
 *
 *     #define AD_TEMPLATE "rosen.inc"
 *     #include <admix/instantiate.h>  // rosen_double, rosen_complex,
 *                                     // rosen_dual, rosen_dualv, rosen_hdual
 *     AD_FN(rosen, *(const size_t *)params, 1)
 *
 * AD_FN(name, n, m) defines `ad_fn name_fn(const void *params)`, which
 * returns an ad_fn holding every instantiation; the expressions n and m are
 * evaluated in it and may use `params`.
 *
 * The template is #included once per type, so compiler errors, warnings and
 * debugger line numbers point into the template file itself.  A template may
 * define helpers (named with AD_NAME too) and may be instantiated in several
 * files.  This header has no include guard on purpose: include it once per
 * template, each time after defining AD_TEMPLATE; it undefines AD_TEMPLATE,
 * T and AD_NAME when done.
 */
#ifndef AD_TEMPLATE
#error "define AD_TEMPLATE (the template's file name) first"
#endif

#include "admix.h"

#define T          double
#define AD_NAME(f) f##_double
#include AD_TEMPLATE
#undef T
#undef AD_NAME

#define T          double complex
#define AD_NAME(f) f##_complex
#include AD_TEMPLATE
#undef T
#undef AD_NAME

#define T          ad_dual
#define AD_NAME(f) f##_dual
#include AD_TEMPLATE
#undef T
#undef AD_NAME

#define T          ad_dualv
#define AD_NAME(f) f##_dualv
#include AD_TEMPLATE
#undef T
#undef AD_NAME

#define T          ad_hdual
#define AD_NAME(f) f##_hdual
#include AD_TEMPLATE
#undef T
#undef AD_NAME

#define T          ad_var
#define AD_NAME(f) f##_var
#include AD_TEMPLATE
#undef T
#undef AD_NAME

#undef AD_TEMPLATE

#ifndef AD_FN
#define AD_FN(fname_, n_, m_)                                                  \
    ad_fn fname_##_fn(const void *params)                                      \
    {                                                                          \
        ad_fn f_ = {0};                                                        \
        f_.n = (n_);                                                           \
        f_.m = (m_);                                                           \
        f_.params = params;                                                    \
        f_.name = #fname_;                                                     \
        f_.f_double = fname_##_double;                                         \
        f_.f_complex = fname_##_complex;                                       \
        f_.f_dual = fname_##_dual;                                             \
        f_.f_dualv = fname_##_dualv;                                           \
        f_.f_hdual = fname_##_hdual;                                           \
        f_.f_var = fname_##_var;                                               \
        return f_;                                                             \
    }
#endif
