/* hdual.h -- ad_hdual, hyper-dual numbers v + d1 e1 + d2 e2 + d12 e1e2 with
 * e1^2 = e2^2 = 0 (Fike & Alonso, AIAA 2011-886): forward over forward, exact
 * second derivatives.  For y = f(a):
 *   y.d1 = f' a.d1,  y.d2 = f' a.d2,  y.d12 = f' a.d12 + f'' a.d1 a.d2,
 * and for y = f(a, b) the same with both partials and
 *   y.d12 += f_aa a1 a2 + f_ab (a1 b2 + a2 b1) + f_bb b1 b2.
 * Every primitive comes from primitives/ops.def; see include/admix/forward.h.
 */
#ifndef ADMIX_HDUAL_H
#define ADMIX_HDUAL_H

#include "rules.h"

typedef struct ad_hdual {
    double v, d1, d2, d12;
} ad_hdual;

static AD_INLINE ad_hdual ad_hdual_make(double v, double d1, double d2,
                                        double d12)
{
    ad_hdual r;
    r.v = v;
    r.d1 = d1;
    r.d2 = d2;
    r.d12 = d12;
    return r;
}
static AD_INLINE ad_hdual ad_hdual_const(double c)
{
    return ad_hdual_make(c, 0.0, 0.0, 0.0);
}
static AD_INLINE double ad_hdual_value(ad_hdual x)
{
    return x.v;
}
static AD_INLINE ad_hdual ad_hdual_select(double c, ad_hdual a, ad_hdual b)
{
    return c > 0.0 ? a : b;
}
static AD_INLINE ad_hdual ad_hdual_select_xc(double c, ad_hdual a, double b)
{
    return c > 0.0 ? a : ad_hdual_const(b);
}
static AD_INLINE ad_hdual ad_hdual_select_cx(double c, double a, ad_hdual b)
{
    return c > 0.0 ? ad_hdual_const(a) : b;
}

/* One argument's first-order share: p times its tangents; q times the
 * product of its e1 and e2 parts. */
#define AD__HD_ARG(F, r, p, q, x)                                              \
    r.d1 += ad__chain(F, p, x.d1);                                             \
    r.d2 += ad__chain(F, p, x.d2);                                             \
    r.d12 += ad__chain(F, p, x.d12) + ad__chain(F, q, x.d1 * x.d2);

#define AD__HDUAL1(n, F, k)                                                    \
    ad_hdual r = ad_hdual_const(ad__##n##_v(x.v, k));                          \
    double p = ad__##n##_d1(x.v, k, r.v), q = ad__##n##_d2(x.v, k, r.v);       \
    AD__HD_ARG(F, r, p, q, x)                                                  \
    return r;
#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static AD_INLINE ad_hdual ad_hdual_##n(ad_hdual x)                         \
    {                                                                          \
        AD__HDUAL1(n, F, 0.0)                                                  \
    }
#define AD_OP1P(N, n, F, V, D1, D2, CV)                                        \
    static AD_INLINE ad_hdual ad_hdual_##n(ad_hdual x, int k)                  \
    {                                                                          \
        AD__HDUAL1(n, F, (double)k)                                            \
    }
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE ad_hdual ad_hdual_##n(ad_hdual x, ad_hdual u)             \
    {                                                                          \
        ad_hdual r = ad_hdual_const(ad__##n##_v(x.v, u.v));                    \
        double pa = ad__##n##_da(x.v, u.v, r.v);                               \
        double pb = ad__##n##_db(x.v, u.v, r.v);                               \
        double pab = ad__##n##_dab(x.v, u.v, r.v);                             \
        AD__HD_ARG(F, r, pa, ad__##n##_daa(x.v, u.v, r.v), x)                  \
        AD__HD_ARG(F, r, pb, ad__##n##_dbb(x.v, u.v, r.v), u)                  \
        r.d12 += ad__chain(F, pab, x.d1 * u.d2 + x.d2 * u.d1);                 \
        return r;                                                              \
    }                                                                          \
    static AD_INLINE ad_hdual ad_hdual_##n##_xc(ad_hdual x, double u)          \
    {                                                                          \
        ad_hdual r = ad_hdual_const(ad__##n##_v(x.v, u));                      \
        double pa = ad__##n##_da(x.v, u, r.v);                                 \
        AD__HD_ARG(F, r, pa, ad__##n##_daa(x.v, u, r.v), x)                    \
        return r;                                                              \
    }                                                                          \
    static AD_INLINE ad_hdual ad_hdual_##n##_cx(double x, ad_hdual u)          \
    {                                                                          \
        ad_hdual r = ad_hdual_const(ad__##n##_v(x, u.v));                      \
        double pb = ad__##n##_db(x, u.v, r.v);                                 \
        AD__HD_ARG(F, r, pb, ad__##n##_dbb(x, u.v, r.v), u)                    \
        return r;                                                              \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__HDUAL1
#undef AD__HD_ARG

#endif /* ADMIX_HDUAL_H */
