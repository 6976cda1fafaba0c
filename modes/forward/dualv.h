/* dualv.h -- ad_dualv, vector forward mode: one value and AD_LANES tangents
 * carried together, so that one pass gives AD_LANES directional derivatives
 * and the partials of each primitive are computed once for all of them.
 * Every primitive comes from primitives/ops.def; see include/admix/forward.h.
 */
#ifndef ADMIX_DUALV_H
#define ADMIX_DUALV_H

#include "rules.h"

/* The tangents come first: d[0..3] and d[4..7] are then the natural 32-byte
 * vectors.  With v first, GCC 12 packs {v, d0, d1, d2} into one vector and
 * shuffles every lane into place, 2-3x slower (bench/forward.c, Rosenbrock).
 * Use the field names (or ad_dualv_make), not positional initializers. */
typedef struct ad_dualv {
    double d[AD_LANES]; /* tangents, one per lane */
    double v;           /* value */
} ad_dualv;

/* Every loop over the lanes is unrolled completely, at -O2 too: only then
 * can the compiler keep a temporary's tangents in registers (scalar
 * replacement needs constant indices) and vectorize across them.  Without
 * it GCC 12 -O2 runs ad_dualv code about 10x slower (bench/forward.c). */
#if defined(__GNUC__) || defined(__clang__)
#define AD__LANE_LOOP _Pragma("GCC unroll 64")
#else
#define AD__LANE_LOOP
#endif

/* A constant: every tangent zero. */
static AD_INLINE ad_dualv ad_dualv_const(double c)
{
    ad_dualv r;
    r.v = c;
    AD__LANE_LOOP
    for (int k = 0; k < AD_LANES; k++)
        r.d[k] = 0.0;
    return r;
}
/* The value v with tangent 1 in lane `lane` and 0 elsewhere (an independent
 * variable seeded for column `lane`); a lane outside [0, AD_LANES) seeds
 * nothing. */
static AD_INLINE ad_dualv ad_dualv_make(double v, int lane)
{
    ad_dualv r = ad_dualv_const(v);
    if (lane >= 0 && lane < AD_LANES)
        r.d[lane] = 1.0;
    return r;
}
static AD_INLINE double ad_dualv_value(ad_dualv x)
{
    return x.v;
}
static AD_INLINE ad_dualv ad_dualv_select(double c, ad_dualv a, ad_dualv b)
{
    return c > 0.0 ? a : b;
}
static AD_INLINE ad_dualv ad_dualv_select_xc(double c, ad_dualv a, double b)
{
    return c > 0.0 ? a : ad_dualv_const(b);
}
static AD_INLINE ad_dualv ad_dualv_select_cx(double c, double a, ad_dualv b)
{
    return c > 0.0 ? ad_dualv_const(a) : b;
}

#define AD__DUALV1(n, F, k)                                                    \
    ad_dualv r;                                                                \
    r.v = ad__##n##_v(x.v, k);                                                 \
    double p = ad__##n##_d1(x.v, k, r.v);                                      \
    AD__LANE_LOOP                                                              \
    for (int i = 0; i < AD_LANES; i++)                                         \
        r.d[i] = ad__chain(F, p, x.d[i]);                                      \
    return r;
#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static AD_INLINE ad_dualv ad_dualv_##n(ad_dualv x)                         \
    {                                                                          \
        AD__DUALV1(n, F, 0.0)                                                  \
    }
#define AD_OP1P(N, n, F, V, D1, D2, CV)                                        \
    static AD_INLINE ad_dualv ad_dualv_##n(ad_dualv x, int k)                  \
    {                                                                          \
        AD__DUALV1(n, F, (double)k)                                            \
    }
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE ad_dualv ad_dualv_##n(ad_dualv x, ad_dualv u)             \
    {                                                                          \
        ad_dualv r;                                                            \
        r.v = ad__##n##_v(x.v, u.v);                                           \
        double pa = ad__##n##_da(x.v, u.v, r.v);                               \
        double pb = ad__##n##_db(x.v, u.v, r.v);                               \
        AD__LANE_LOOP                                                          \
        for (int i = 0; i < AD_LANES; i++)                                     \
            r.d[i] = ad__chain(F, pa, x.d[i]) + ad__chain(F, pb, u.d[i]);      \
        return r;                                                              \
    }                                                                          \
    static AD_INLINE ad_dualv ad_dualv_##n##_xc(ad_dualv x, double u)          \
    {                                                                          \
        ad_dualv r;                                                            \
        r.v = ad__##n##_v(x.v, u);                                             \
        double pa = ad__##n##_da(x.v, u, r.v);                                 \
        AD__LANE_LOOP                                                          \
        for (int i = 0; i < AD_LANES; i++)                                     \
            r.d[i] = ad__chain(F, pa, x.d[i]);                                 \
        return r;                                                              \
    }                                                                          \
    static AD_INLINE ad_dualv ad_dualv_##n##_cx(double x, ad_dualv u)          \
    {                                                                          \
        ad_dualv r;                                                            \
        r.v = ad__##n##_v(x, u.v);                                             \
        double pb = ad__##n##_db(x, u.v, r.v);                                 \
        AD__LANE_LOOP                                                          \
        for (int i = 0; i < AD_LANES; i++)                                     \
            r.d[i] = ad__chain(F, pb, u.d[i]);                                 \
        return r;                                                              \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__DUALV1

#endif /* ADMIX_DUALV_H */
