/* scalar.h -- the primitives on plain double (the baseline every ratio is
 * measured against) and on double complex (the complex step), as named
 * functions ad_double_<name> and ad_cplx_<name> for the generic macros.
 * Expanded from primitives/ops.def; see include/admix/forward.h. */
#ifndef ADMIX_SCALAR_H
#define ADMIX_SCALAR_H

#include "rules.h"

#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static AD_INLINE double ad_double_##n(double a)                            \
    {                                                                          \
        return ad__##n##_v(a, 0);                                              \
    }
#define AD_OP1P(N, n, F, V, D1, D2, CV)                                        \
    static AD_INLINE double ad_double_##n(double a, int k)                     \
    {                                                                          \
        return ad__##n##_v(a, (double)k);                                      \
    }
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE double ad_double_##n(double a, double b)                  \
    {                                                                          \
        return ad__##n##_v(a, b);                                              \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

static AD_INLINE double ad_double_value(double a)
{
    return a;
}
static AD_INLINE double ad_double_const(double c)
{
    return c;
}
static AD_INLINE double ad_double_select(double c, double a, double b)
{
    return c > 0.0 ? a : b;
}

#ifndef __cplusplus
#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static AD_INLINE double complex ad_cplx_##n(double complex z)              \
    {                                                                          \
        return ad__##n##_cv(z, 0);                                             \
    }
#define AD_OP1P(N, n, F, V, D1, D2, CV)                                        \
    static AD_INLINE double complex ad_cplx_##n(double complex z, int k)       \
    {                                                                          \
        return ad__##n##_cv(z, (double)k);                                     \
    }
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE double complex ad_cplx_##n(double complex z,              \
                                                double complex w)              \
    {                                                                          \
        return ad__##n##_cv(z, w);                                             \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

static AD_INLINE double ad_cplx_value(double complex z)
{
    return creal(z);
}
static AD_INLINE double complex ad_cplx_const(double c)
{
    return AD__CMPLX(c, 0.0);
}
/* Chooses by the real part, as every comparison on the complex step does. */
static AD_INLINE double complex ad_cplx_select(double c, double complex a,
                                               double complex b)
{
    return c > 0.0 ? a : b;
}
#endif /* !__cplusplus */

#endif /* ADMIX_SCALAR_H */
