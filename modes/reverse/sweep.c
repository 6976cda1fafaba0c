/* sweep.c -- the forward and reverse sweeps over a tape.
 *
 * Both are one loop over the nodes of each segment with a switch on the op
 * byte; every case is generated from primitives/ops.def and uses the double
 * rules of rules.h, so this file names no primitive.  The loop bodies are
 * written once as always-inline functions and instantiated for the cases
 * that matter (values only; one tangent or adjoint lane; q lanes; replaying
 * values or reading the recorded ones), so the one-lane sweeps carry no lane
 * loop and no test of the mode per node.
 *
 * The reverse sweep clears each adjoint as it reads it (Griewank & Walther,
 * Evaluating Derivatives, 2nd ed., 2008, sec. 3.2, incremental adjoints):
 * the adjoint array is zero again when the sweep ends, so the next sweep
 * needs no memset.  A result whose adjoint is zero is skipped without
 * evaluating its partials. */
#include "tape_impl.h"

#define V(i) AD__V(vt, i)

/* The tangent of one node with one argument and partial p. */
#define AD__TAN1(F, p, i)                                                      \
    do {                                                                       \
        if (q == 1)                                                            \
            T[r] = ad__chain(F, p, T[i]);                                      \
        else                                                                   \
            for (size_t l = 0; l < q; l++)                                     \
                T[(size_t)r * q + l] = ad__chain(F, p, T[(size_t)(i)*q + l]);  \
    } while (0)

static AD_INLINE int fwd(ad__sweep *s, const int replay, const size_t q)
{
    const ad_tape *t = s->t;
    double **vt = s->vt;
    double *T = s->tan;
    const double *x = s->x, *Vs = s->V;
    size_t nin = 0;
    long ncmp = 0;
    s->flip = -1;
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op, *end = sg->op + sg->nop;
        const uint32_t *a = sg->arg;
        const double *c = sg->cst;
        uint32_t r = sg->var0;
        for (; op < end; op++) {
            switch (*op) {
#define AD__FWD1(N, n, F, k, NC)                                               \
    case AD_OP_##N: {                                                          \
        uint32_t i = a[0];                                                     \
        double xv = V(i), y;                                                   \
        if (replay)                                                            \
            V(r) = y = ad__##n##_v(xv, k);                                     \
        else                                                                   \
            y = V(r);                                                          \
        if (q) {                                                               \
            double p = ad__##n##_d1(xv, k, y);                                 \
            AD__TAN1(F, p, i);                                                 \
        }                                                                      \
        a++;                                                                   \
        c += NC;                                                               \
        r++;                                                                   \
        break;                                                                 \
    }
#define AD_OP1(N, n, F, ...)  AD__FWD1(N, n, F, 0.0, 0)
#define AD_OP1P(N, n, F, ...) AD__FWD1(N, n, F, c[0], 1)
#define AD_OP2(N, n, F, ...)                                                   \
    case AD_OP_##N: {                                                          \
        uint32_t i = a[0], j = a[1];                                           \
        double av = V(i), bv = V(j), y;                                        \
        if (replay)                                                            \
            V(r) = y = ad__##n##_v(av, bv);                                    \
        else                                                                   \
            y = V(r);                                                          \
        if (q) {                                                               \
            double pa = ad__##n##_da(av, bv, y), pb = ad__##n##_db(av, bv, y); \
            if (q == 1)                                                        \
                T[r] = ad__chain(F, pa, T[i]) + ad__chain(F, pb, T[j]);        \
            else                                                               \
                for (size_t l = 0; l < q; l++)                                 \
                    T[(size_t)r * q + l] =                                     \
                        ad__chain(F, pa, T[(size_t)i * q + l]) +               \
                        ad__chain(F, pb, T[(size_t)j * q + l]);                \
        }                                                                      \
        a += 2;                                                                \
        r++;                                                                   \
        break;                                                                 \
    }                                                                          \
    case AD_OP_##N | AD__XC: {                                                 \
        uint32_t i = a[0];                                                     \
        double av = V(i), bv = c[0], y;                                        \
        if (replay)                                                            \
            V(r) = y = ad__##n##_v(av, bv);                                    \
        else                                                                   \
            y = V(r);                                                          \
        if (q) {                                                               \
            double p = ad__##n##_da(av, bv, y);                                \
            AD__TAN1(F, p, i);                                                 \
        }                                                                      \
        a++;                                                                   \
        c++;                                                                   \
        r++;                                                                   \
        break;                                                                 \
    }                                                                          \
    case AD_OP_##N | AD__CX: {                                                 \
        uint32_t i = a[0];                                                     \
        double av = c[0], bv = V(i), y;                                        \
        if (replay)                                                            \
            V(r) = y = ad__##n##_v(av, bv);                                    \
        else                                                                   \
            y = V(r);                                                          \
        if (q) {                                                               \
            double p = ad__##n##_db(av, bv, y);                                \
            AD__TAN1(F, p, i);                                                 \
        }                                                                      \
        a++;                                                                   \
        c++;                                                                   \
        r++;                                                                   \
        break;                                                                 \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__FWD1
            case AD__OP_INDEP:
                if (replay)
                    V(r) = x[nin];
                if (q) {
                    for (size_t l = 0; l < q; l++)
                        T[(size_t)r * q + l] =
                            Vs != NULL ? Vs[nin * s->ldv + l]
                                       : (double)(nin == s->unit0 + l);
                }
                nin++;
                r++;
                break;
            case AD__OP_CONST:
                if (replay)
                    V(r) = c[0];
                for (size_t l = 0; l < q; l++)
                    T[(size_t)r * q + l] = 0.0;
                c++;
                r++;
                break;
            case AD__OP_SELECT: {
                uint32_t i = V(a[0]) > 0.0 ? a[1] : a[2];
                if (replay)
                    V(r) = V(i);
                for (size_t l = 0; l < q; l++)
                    T[(size_t)r * q + l] = T[(size_t)i * q + l];
                a += 3;
                r++;
                break;
            }
            default: {
                unsigned code = *op & AD__CODE, var = *op & ~AD__CODE;
                if (code >= AD__OP_LT && code <= AD__OP_EQ) {
                    double u, w;
                    if (var == AD__CX) {
                        u = *c++;
                        w = V(a[0]);
                        a++;
                    } else if (var == AD__XC) {
                        u = V(a[0]);
                        w = *c++;
                        a++;
                    } else {
                        u = V(a[0]);
                        w = V(a[1]);
                        a += 2;
                    }
                    int o = code == AD__OP_LT   ? u < w
                            : code == AD__OP_LE ? u <= w
                            : code == AD__OP_GT ? u > w
                            : code == AD__OP_GE ? u >= w
                                                : u == w;
                    if (replay && o != (*c != 0.0) && s->flip < 0)
                        s->flip = ncmp;
                    c++;
                    ncmp++;
                } else {
                    ad__array_forward(s, code, a, c, r, replay);
                    r += a[1];
                    c += a[2];
                    a += a[0];
                }
                break;
            }
            }
        }
    }
    return s->flip >= 0 ? AD_ERETAPE : AD_OK;
}

int ad__forward(ad__sweep *s, int replay)
{
    switch (s->q) {
    case 0:
        return replay ? fwd(s, 1, 0) : AD_OK;
    case 1:
        return replay ? fwd(s, 1, 1) : fwd(s, 0, 1);
    default:
        return replay ? fwd(s, 1, s->q) : fwd(s, 0, s->q);
    }
}

/* ---- reverse ------------------------------------------------------------ */

/* Adds partial p times the adjoint of r into the adjoint of i, clearing
 * r's.  A zero adjoint contributes exactly 0, whatever the partial (inf or
 * NaN in a branch that ad_select did not take); with one lane it skips the
 * partial altogether (P is evaluated only when needed). */
#define AD__ADJ1(F, P, i)                                                      \
    do {                                                                       \
        if (q == 1) {                                                          \
            double w_ = A[r];                                                  \
            if (w_ != 0.0) {                                                   \
                A[r] = 0.0;                                                    \
                A[i] += ad__chain(F, (P), w_);                                 \
            }                                                                  \
        } else {                                                               \
            double p_ = (P);                                                   \
            for (size_t l = 0; l < q; l++) {                                   \
                double w_ = A[(size_t)r * q + l];                              \
                A[(size_t)r * q + l] = 0.0;                                    \
                A[(size_t)(i)*q + l] += ad__chain_guarded(p_, w_);             \
            }                                                                  \
        }                                                                      \
    } while (0)

static AD_INLINE void rev(ad__sweep *s, const size_t q)
{
    const ad_tape *t = s->t;
    double **vt = s->vt;
    double *A = s->adj, *G = s->G;
    size_t nin = t->n, n = t->n;
    for (size_t k = t->nseg; k-- > 0;) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op + sg->nop;
        const uint32_t *a = sg->arg + sg->narg;
        const double *c = sg->cst + sg->ncst;
        uint32_t r = sg->var0 + sg->nvar;
        while (op > sg->op) {
            switch (*--op) {
#define AD__REV1(N, n, F, k, NC)                                               \
    case AD_OP_##N: {                                                          \
        a--;                                                                   \
        c -= NC;                                                               \
        r--;                                                                   \
        uint32_t i = a[0];                                                     \
        AD__ADJ1(F, ad__##n##_d1(V(i), k, V(r)), i);                           \
        break;                                                                 \
    }
#define AD_OP1(N, n, F, ...)  AD__REV1(N, n, F, 0.0, 0)
#define AD_OP1P(N, n, F, ...) AD__REV1(N, n, F, c[0], 1)
#define AD_OP2(N, n, F, ...)                                                   \
    case AD_OP_##N: {                                                          \
        a -= 2;                                                                \
        r--;                                                                   \
        uint32_t i = a[0], j = a[1];                                           \
        double av = V(i), bv = V(j), y = V(r);                                 \
        if (q == 1) {                                                          \
            double w = A[r];                                                   \
            if (w != 0.0) {                                                    \
                A[r] = 0.0;                                                    \
                A[i] += ad__chain(F, ad__##n##_da(av, bv, y), w);              \
                A[j] += ad__chain(F, ad__##n##_db(av, bv, y), w);              \
            }                                                                  \
        } else {                                                               \
            double pa = ad__##n##_da(av, bv, y), pb = ad__##n##_db(av, bv, y); \
            for (size_t l = 0; l < q; l++) {                                   \
                double w = A[(size_t)r * q + l];                               \
                A[(size_t)r * q + l] = 0.0;                                    \
                A[(size_t)i * q + l] += ad__chain_guarded(pa, w);              \
                A[(size_t)j * q + l] += ad__chain_guarded(pb, w);              \
            }                                                                  \
        }                                                                      \
        break;                                                                 \
    }                                                                          \
    case AD_OP_##N | AD__XC: {                                                 \
        a--;                                                                   \
        c--;                                                                   \
        r--;                                                                   \
        uint32_t i = a[0];                                                     \
        AD__ADJ1(F, ad__##n##_da(V(i), c[0], V(r)), i);                        \
        break;                                                                 \
    }                                                                          \
    case AD_OP_##N | AD__CX: {                                                 \
        a--;                                                                   \
        c--;                                                                   \
        r--;                                                                   \
        uint32_t i = a[0];                                                     \
        AD__ADJ1(F, ad__##n##_db(c[0], V(i), V(r)), i);                        \
        break;                                                                 \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__REV1
            case AD__OP_INDEP:
                r--;
                nin--;
                for (size_t l = 0; l < q; l++) {
                    G[l * n + nin] = A[(size_t)r * q + l];
                    A[(size_t)r * q + l] = 0.0;
                }
                break;
            case AD__OP_CONST:
                r--;
                c--;
                for (size_t l = 0; l < q; l++)
                    A[(size_t)r * q + l] = 0.0;
                break;
            case AD__OP_SELECT: {
                a -= 3;
                r--;
                uint32_t i = V(a[0]) > 0.0 ? a[1] : a[2];
                for (size_t l = 0; l < q; l++) {
                    A[(size_t)i * q + l] += A[(size_t)r * q + l];
                    A[(size_t)r * q + l] = 0.0;
                }
                break;
            }
            default: {
                unsigned code = *op & AD__CODE, var = *op & ~AD__CODE;
                if (code >= AD__OP_LT && code <= AD__OP_EQ) {
                    a -= var ? 1 : 2;
                    c -= var ? 2 : 1;
                } else {
                    a -= a[-1];
                    c -= a[2];
                    r -= a[1];
                    ad__array_reverse(s, code, a, c, r);
                }
                break;
            }
            }
        }
    }
}

void ad__reverse(ad__sweep *s)
{
    if (s->q == 1)
        rev(s, 1);
    else
        rev(s, s->q);
}
