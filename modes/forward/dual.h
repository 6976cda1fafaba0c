/* dual.h -- ad_dual, forward mode with one tangent: v + d eps, eps^2 = 0.
 * Every primitive comes from primitives/ops.def; see include/admix/forward.h
 * for the documented API. */
#ifndef ADMIX_DUAL_H
#define ADMIX_DUAL_H

#include "rules.h"

typedef struct ad_dual {
    double v; /* value */
    double d; /* tangent */
} ad_dual;

static AD_INLINE ad_dual ad_dual_make(double v, double d)
{
    ad_dual r;
    r.v = v;
    r.d = d;
    return r;
}
static AD_INLINE ad_dual ad_dual_const(double c)
{
    return ad_dual_make(c, 0.0);
}
static AD_INLINE double ad_dual_value(ad_dual x)
{
    return x.v;
}
static AD_INLINE ad_dual ad_dual_select(double c, ad_dual a, ad_dual b)
{
    return c > 0.0 ? a : b;
}
static AD_INLINE ad_dual ad_dual_select_xc(double c, ad_dual a, double b)
{
    return c > 0.0 ? a : ad_dual_const(b);
}
static AD_INLINE ad_dual ad_dual_select_cx(double c, double a, ad_dual b)
{
    return c > 0.0 ? ad_dual_const(a) : b;
}

/* ad_dual_<n>(x): f and f' x.d.  For binary primitives also _xc (second
 * argument a constant) and _cx (first argument a constant), which skip the
 * constant's zero tangent. */
#define AD__DUAL1(n, F, k)                                                     \
    ad_dual r;                                                                 \
    r.v = ad__##n##_v(x.v, k);                                                 \
    r.d = ad__chain(F, ad__##n##_d1(x.v, k, r.v), x.d);                        \
    return r;
#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static AD_INLINE ad_dual ad_dual_##n(ad_dual x)                            \
    {                                                                          \
        AD__DUAL1(n, F, 0.0)                                                   \
    }
#define AD_OP1P(N, n, F, V, D1, D2, CV)                                        \
    static AD_INLINE ad_dual ad_dual_##n(ad_dual x, int k)                     \
    {                                                                          \
        AD__DUAL1(n, F, (double)k)                                             \
    }
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE ad_dual ad_dual_##n(ad_dual x, ad_dual u)                 \
    {                                                                          \
        ad_dual r;                                                             \
        r.v = ad__##n##_v(x.v, u.v);                                           \
        r.d = ad__chain(F, ad__##n##_da(x.v, u.v, r.v), x.d) +                 \
              ad__chain(F, ad__##n##_db(x.v, u.v, r.v), u.d);                  \
        return r;                                                              \
    }                                                                          \
    static AD_INLINE ad_dual ad_dual_##n##_xc(ad_dual x, double u)             \
    {                                                                          \
        ad_dual r;                                                             \
        r.v = ad__##n##_v(x.v, u);                                             \
        r.d = ad__chain(F, ad__##n##_da(x.v, u, r.v), x.d);                    \
        return r;                                                              \
    }                                                                          \
    static AD_INLINE ad_dual ad_dual_##n##_cx(double x, ad_dual u)             \
    {                                                                          \
        ad_dual r;                                                             \
        r.v = ad__##n##_v(x, u.v);                                             \
        r.d = ad__chain(F, ad__##n##_db(x, u.v, r.v), u.d);                    \
        return r;                                                              \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__DUAL1

#endif /* ADMIX_DUAL_H */
