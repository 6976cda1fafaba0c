/* slot_sweep.c -- the forward and reverse sweeps of a compiled tape
 * (slots.c): as those of sweep.c, generated from primitives/ops.def, but
 * each node reads and writes the slots of its slot words instead of one
 * array entry per variable.  A forward sweep before a reverse one saves the
 * value each result overwrites; the reverse sweep reads the result's value,
 * puts the saved one back, and only then reads the arguments' values (a
 * result may have taken the slot of its own argument). */
#include <string.h>

#include "tape_impl.h"
#include "dispatch.h"

/* The tangents of a node with one argument slot i and partial p. */
#define AD__STAN1(F, p, i, sr)                                                 \
    do {                                                                       \
        if (q == 1)                                                            \
            T[sr] = ad__chain(F, p, T[i]);                                     \
        else                                                                   \
            for (size_t l = 0; l < q; l++)                                     \
                T[(size_t)(sr)*q + l] = ad__chain(F, p, T[(size_t)(i)*q + l]); \
    } while (0)

/* Writes a result's value into slot sr (its slot word sw), saving the one
 * it overwrites when the word says so (the save buffer has one spare entry
 * for the stores that are not kept), and keeps it in a register for the
 * next node: AD__SV(i) reads slot i. */
#define AD__SPUT(sw, sr, y)                                                    \
    do {                                                                       \
        if (save) {                                                            \
            S[0] = AD__SV(sr);                                                 \
            if (save == 2)                                                     \
                S[1] = T[sr];                                                  \
            S += save * ((sw) >> 31);                                          \
        }                                                                      \
        V[sr] = last = (y);                                                    \
        lslot = (sr);                                                          \
    } while (0)
#define AD__SV(i) ((i) == lslot ? last : V[i])

/* The forward sweeps: values only, or with one or q tangent lanes; saving
 * overwritten values for a reverse sweep or not.  (As in sweep.c, GCC must
 * not merge the handlers' dispatch jumps.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-crossjumping")
#endif
#define AD__NAME sfwd_values
#define AD__Q    0
#define AD__SAVE 0
#include "slot_fwd.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__SAVE
#define AD__NAME sfwd_save
#define AD__Q    0
#define AD__SAVE 1
#include "slot_fwd.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__SAVE
#define AD__NAME sfwd_1
#define AD__Q    1
#define AD__SAVE 0
#include "slot_fwd.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__SAVE
#define AD__NAME sfwd_q
#define AD__Q    s->q
#define AD__SAVE 0
#include "slot_fwd.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__SAVE
#define AD__NAME sfwd_save2
#define AD__Q    1
#define AD__SAVE 2
#include "slot_fwd.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__SAVE
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

int ad__slot_forward(ad__sweep *s, int save)
{
    if (save == 2)
        return sfwd_save2(s);
    if (save)
        return sfwd_save(s);
    return s->q == 0 ? sfwd_values(s) : s->q == 1 ? sfwd_1(s) : sfwd_q(s);
}

int ad__need_forward(ad__sweep *s, const ad__need *P)
{
    s->prog = P;
    int rc = s->q == 0 ? sfwd_values(s) : sfwd_1(s);
    s->prog = NULL;
    return rc;
}

/* Reads a result's value y from slot sr (slot word sw) and puts back the
 * value its forward sweep saved, if it saved one. */
#define AD__SRESTORE(sw, sr, y)                                                \
    double y = V[sr];                                                          \
    S -= (sw) >> 31;                                                           \
    V[sr] = (sw) >> 31 ? *S : y

/* One adjoint lane keeps the adjoint of the next node's result slot in a
 * register, as sweep.c does with r - 1: ns is the slot named by the word
 * before the current node's words (the next node's last word: its result
 * slot, if it has one) and acc its adjoint so far, A[ns] being 0 in memory.
 * AD__SACC_TAKE(w) starts a node (after its words are passed): w = the
 * adjoint of its result (acc), and acc takes over the next slot.  A node's
 * result may take the slot of the node before it: acc then starts that
 * slot's earlier variable at 0, which is what A[ns] holds.  AD__SACC_ADD
 * adds into slot i's adjoint; AD__SACC_PUT and AD__SACC_GET write acc back
 * and peek again around a node without a result (word 0 of the words is a
 * dummy, so that the first node also has a word before it).  Every adjoint
 * receives its contributions in the same order as without the register. */
#define AD__SACC_GET()                                                         \
    do {                                                                       \
        ns = w[-1] & AD__SLOT_MASK;                                            \
        acc = A[ns];                                                           \
        A[ns] = 0.0;                                                           \
    } while (0)
#define AD__SACC_PUT() A[ns] = acc
#define AD__SACC_TAKE(wr)                                                      \
    double wr = acc;                                                           \
    AD__SACC_GET()
#define AD__SACC_ADD(i, d)                                                     \
    do {                                                                       \
        if ((i) == ns)                                                         \
            acc += (d);                                                        \
        else                                                                   \
            A[i] += (d);                                                       \
    } while (0)

/* Takes the adjoint lanes of result slot sr, clearing them, and adds
 * partial p times them into the lanes of slot i.  A zero adjoint
 * contributes exactly 0, as in sweep.c; with one lane P is evaluated only
 * when the adjoint is not zero. */
#define AD__SADJ1(F, P, i, sr)                                                 \
    do {                                                                       \
        if (q == 1) {                                                          \
            AD__SACC_TAKE(w_);                                                 \
            if (w_ != 0.0)                                                     \
                AD__SACC_ADD(i, ad__chain(F, (P), w_));                        \
        } else {                                                               \
            double p_ = (P);                                                   \
            for (size_t l = 0; l < q; l++) {                                   \
                double w_ = A[(size_t)(sr)*q + l];                             \
                A[(size_t)(sr)*q + l] = 0.0;                                   \
                A[(size_t)(i)*q + l] += ad__chain_guarded(p_, w_);             \
            }                                                                  \
        }                                                                      \
    } while (0)

#define AD__NAME srev_1
#define AD__Q    1
#include "slot_rev.inc"
#undef AD__NAME
#undef AD__Q
#define AD__NAME srev_q
#define AD__Q    s->q
#include "slot_rev.inc"
#undef AD__NAME
#undef AD__Q

void ad__slot_reverse(ad__sweep *s)
{
    s->q == 1 ? srev_1(s) : srev_q(s);
}

/* ---- second order --------------------------------------------------------
 * As hessian.c's rev2, on slots: after sfwd_save2 (values and one tangent,
 * the overwritten ones that a rule will read saved in pairs), a reverse
 * sweep of (adjoint, adjoint tangent) pairs per slot, restoring the value
 * and tangent of each result's slot after the node.  The pair of the next
 * node's result slot stays in registers (acc, accd), as in AD__SACC_*. */
#define AD__SACC2_GET()                                                        \
    do {                                                                       \
        ns = w[-1] & AD__SLOT_MASK;                                            \
        acc = A[2 * (size_t)ns];                                               \
        accd = A[2 * (size_t)ns + 1];                                          \
        A[2 * (size_t)ns] = A[2 * (size_t)ns + 1] = 0.0;                       \
    } while (0)
#define AD__SACC2_PUT()                                                        \
    do {                                                                       \
        A[2 * (size_t)ns] = acc;                                               \
        A[2 * (size_t)ns + 1] = accd;                                          \
    } while (0)
#define AD__SACC2_ADD(i, d, dd) AD__PAIR_ADD(i, ns, d, dd)
/* Starts a node whose result word is sw: (wv, wd) its pair, its slot's
 * value y read and the saved value and tangent put back; then skips the
 * node if the pair is 0. */
#define AD__STAKE2(sw)                                                         \
    uint32_t sr = (sw)&AD__SLOT_MASK;                                          \
    double wv = acc, wd = accd, y = V[sr];                                     \
    AD__SACC2_GET();                                                           \
    if ((sw) >> 31) {                                                          \
        S -= 2;                                                                \
        V[sr] = S[0];                                                          \
        T[sr] = S[1];                                                          \
    }                                                                          \
    (void)y;                                                                   \
    if (ad__pair_zero(wv, wd)) {                                               \
        AD__NEXT;                                                              \
    }
#define AD__SSO(i, p, L, h) AD__SACC2_ADD(i, (p)*wv, AD__SO_DD(L, p, h, wv, wd))
#define AD__STEP                                                               \
    if (op == sg->op)                                                          \
        goto seg_done;                                                         \
    cur = *--op

static void srev2(ad__sweep *s)
{
#ifdef AD__THREADED
#include "sweep_table.inc"
#endif
    const ad_tape *t = s->t;
    const ad__slots *SL = t->slots;
    const uint32_t *w = SL->word + 1 + SL->nword;
    double *V = s->vf, *T = s->tan, *S = s->save + 2 * SL->nsave;
    double *A = s->adj, *G = s->G;
    size_t nin = t->n;
    uint32_t ns;
    double acc, accd;
    AD__SACC2_GET();
    for (size_t k = t->nseg; k-- > 0;) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op + sg->nop;
        const double *c = sg->cst + sg->ncst;
        unsigned cur;
        AD__LOOP(op > sg->op, cur = *--op)
#define AD__SREV2_1(N, n, F, k, NC)                                            \
    AD__CASE(L_##N, AD_OP_##N) {                                               \
        w -= 2;                                                                \
        c -= NC;                                                               \
        uint32_t i = w[0];                                                     \
        AD__STAKE2(w[1]);                                                      \
        AD__SO2_1(AD__SSO, F, n, k, V[i], y, i);                               \
        AD__NEXT;                                                              \
    }
#define AD_OP1(N, n, F, ...)  AD__SREV2_1(N, n, F, 0.0, 0)
#define AD_OP1P(N, n, F, ...) AD__SREV2_1(N, n, F, c[0], 1)
#define AD_OP2(N, n, F, ...)                                                   \
    AD__CASE(L_##N, AD_OP_##N) {                                               \
        w -= 3;                                                                \
        uint32_t i = w[0], j = w[1];                                           \
        AD__STAKE2(w[2]);                                                      \
        double x = V[i], u = V[j];                                             \
        AD__SO2_2(AD__SSO, F, n, x, u, y, i, j);                               \
        AD__NEXT;                                                              \
    }                                                                          \
    AD__CASE(L_##N##_XC, AD_OP_##N | AD__XC) {                                 \
        w -= 2;                                                                \
        c--;                                                                   \
        uint32_t i = w[0];                                                     \
        AD__STAKE2(w[1]);                                                      \
        AD__SO2_XC(AD__SSO, F, n, V[i], c[0], y, i);                           \
        AD__NEXT;                                                              \
    }                                                                          \
    AD__CASE(L_##N##_CX, AD_OP_##N | AD__CX) {                                 \
        w -= 2;                                                                \
        c--;                                                                   \
        uint32_t i = w[0];                                                     \
        AD__STAKE2(w[1]);                                                      \
        AD__SO2_CX(AD__SSO, F, n, c[0], V[i], y, i);                           \
        AD__NEXT;                                                              \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__SREV2_1
            AD__CASE(L_INDEP, AD__OP_INDEP) {
                w--;
                nin--;
                G[nin] = accd;
                AD__SACC2_GET();
                AD__NEXT;
            }
            AD__CASE(L_INDEPS, AD__OP_INDEPS) {
                AD__SACC2_PUT();
                w -= 2;
                size_t kk = w[0], s0 = w[1];
                nin -= kk;
                for (size_t i = 0; i < kk; i++)
                    G[nin + i] = A[2 * (s0 + i) + 1];
                memset(A + 2 * s0, 0, 2 * kk * sizeof(double));
                AD__SACC2_GET();
                AD__NEXT;
            }
            AD__CASE(L_CONST, AD__OP_CONST) {
                w--;
                c--;
                AD__STAKE2(w[0]);
                AD__NEXT;
            }
            AD__CASE(L_SELECT, AD__OP_SELECT) {
                w -= 4;
                AD__STAKE2(w[3]);
                uint32_t i = V[w[0]] > 0.0 ? w[1] : w[2];
                AD__SACC2_ADD(i, wv, wd);
                AD__NEXT;
            }
            AD__DEFAULT {
                /* A comparison. */
                unsigned var = *op & ~AD__CODE;
                AD__SACC2_PUT();
                w -= var ? 1 : 2;
                c -= var ? 2 : 1;
                AD__SACC2_GET();
                AD__NEXT;
            }
        AD__LOOP_END
    }
    AD__SACC2_PUT();
}
#undef AD__STEP

void ad__slot_reverse2(ad__sweep *s)
{
    srev2(s);
}
