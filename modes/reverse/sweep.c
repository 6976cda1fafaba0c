/* sweep.c -- the forward and reverse sweeps over a tape.
 *
 * Both are one loop over the nodes of each segment with a dispatch on the op
 * byte; every case is generated from primitives/ops.def and uses the double
 * rules of rules.h, so this file names no primitive.  The loop bodies are
 * written once (sweep_fwd.inc, sweep_rev.inc) and included once per case
 * that matters (values only; one tangent or adjoint lane; q lanes; replaying
 * values or reading the recorded ones), so the one-lane sweeps carry no lane
 * loop and no test of the mode per node.
 *
 * The reverse sweep clears each adjoint as it reads it (Griewank & Walther,
 * Evaluating Derivatives, 2nd ed., 2008, sec. 3.2, incremental adjoints):
 * the adjoint array is zero again when the sweep ends, so the next sweep
 * needs no memset.  A result whose adjoint is zero is skipped without
 * evaluating its partials. */
#include <string.h>

#include "tape_impl.h"

/* A value: through the table (the tape's values: AD__VAL(i) is AD__V(vt,
 * i)), or straight from the flat array of a replay (AD__VAL(i) is vf[i]: one
 * load less on every argument, which shortens a replay's dependency
 * chains).  Each instance below defines AD__VAL. */
#define V(i) AD__VAL(i)

#include "dispatch.h"

/* A forward sweep keeps the value (when it replays) and the single
 * tangent of the last result, r - 1, in registers as well as in memory:
 * most nodes use the result just before their own, which would otherwise
 * be read back from the address just written, paying the store-to-load
 * forwarding latency on every link of the chain.  (A window of two, as in
 * the reverse sweep, measured slower here.)  AD__ARGV(i) and AD__ARGT(i)
 * read argument i; AD__LAST_GET reloads both after a node that wrote them
 * in memory only. */
#define AD__ARGV(i) (replay && (i) == r - 1 ? last : V(i))
#define AD__ARGT(i) ((i) == r - 1 ? lastt : T[i])
#define AD__LAST_GET()                                                         \
    do {                                                                       \
        if (replay)                                                            \
            last = V(r - 1);                                                   \
        if (q == 1)                                                            \
            lastt = T[r - 1];                                                  \
    } while (0)

/* The tangent of one node with one argument and partial p. */
#define AD__TAN1(F, p, i)                                                      \
    do {                                                                       \
        if (q == 1)                                                            \
            T[r] = lastt = ad__chain(F, p, AD__ARGT(i));                       \
        else                                                                   \
            for (size_t l = 0; l < q; l++)                                     \
                T[(size_t)r * q + l] = ad__chain(F, p, T[(size_t)(i)*q + l]);  \
    } while (0)

/* The forward sweeps: values only, or with one or q tangents, replaying
 * the values or reading the recorded ones. */
/* GCC merges the identical tails of the node handlers (cross-jumping),
 * which folds the threaded dispatch back into one or two shared indirect
 * jumps.  For the forward sweeps one jump per handler measured faster
 * (Lorenz replay 2.0 instead of 2.8 ns per node), for the reverse ones it
 * did not, so only the forward sweeps keep them apart. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-crossjumping")
#endif
#define AD__VAL(i) vf[i]
#define AD__NAME   fwd_values
#define AD__REPLAY 1
#define AD__Q      0
#include "sweep_fwd.inc"
#undef AD__NAME
#undef AD__REPLAY
#undef AD__Q
#define AD__NAME   fwd_replay_1
#define AD__REPLAY 1
#define AD__Q      1
#include "sweep_fwd.inc"
#undef AD__NAME
#undef AD__REPLAY
#undef AD__Q
#define AD__NAME   fwd_replay_q
#define AD__REPLAY 1
#define AD__Q      s->q
#include "sweep_fwd.inc"
#undef AD__NAME
#undef AD__REPLAY
#undef AD__Q
#undef AD__VAL
#define AD__VAL(i) AD__V(vt, i)
#define AD__NAME   fwd_tape_1
#define AD__REPLAY 0
#define AD__Q      1
#include "sweep_fwd.inc"
#undef AD__NAME
#undef AD__REPLAY
#undef AD__Q
#define AD__NAME   fwd_tape_q
#define AD__REPLAY 0
#define AD__Q      s->q
#include "sweep_fwd.inc"
#undef AD__NAME
#undef AD__REPLAY
#undef AD__Q
#undef AD__VAL
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

int ad__forward(ad__sweep *s, int replay)
{
    switch (s->q) {
    case 0:
        return replay ? fwd_values(s) : AD_OK;
    case 1:
        return replay ? fwd_replay_1(s) : fwd_tape_1(s);
    default:
        return replay ? fwd_replay_q(s) : fwd_tape_q(s);
    }
}

/* ---- reverse ------------------------------------------------------------ */

/* One adjoint lane keeps the adjoint of the next result, r - 1, in a
 * register (acc) rather than in A[r - 1]: most nodes use the result just
 * before their own, so the chain from one node's adjoint to the next one's
 * would otherwise run through a store and a load of the same address, whose
 * forwarding latency is then paid on every link.  (A window of two results
 * measured no faster.)
 *
 * Invariant between two nodes of a segment whose next result is r - 1: acc
 * is the adjoint of r - 1 so far, and A[r - 1] is 0.  AD__ACC_TAKE(w, r)
 * starts the node with result r (w = its adjoint; acc takes in what
 * A[r - 1] held, now cleared); AD__ACC_ADD adds d into the adjoint of
 * argument i; AD__ACC_PUT writes acc back to A[r - 1] before a node that
 * works on A directly and AD__ACC_GET reloads it after (with r the next
 * node's result plus one).  Each adjoint receives its contributions in the
 * same order as without the register (those of far consumers first,
 * through A), so the results are the same to the bit.  Variable indices
 * start at 1, so r - 1 >= 0 throughout. */
#define AD__ACC_TAKE(w, r)                                                     \
    double w = acc;                                                            \
    acc = AD__AR((r)-1);                                                       \
    AD__AR((r)-1) = 0.0
#define AD__ACC_ADD(i, d)                                                      \
    do {                                                                       \
        if ((i) == r - 1)                                                      \
            acc += (d);                                                        \
        else                                                                   \
            AD__AW(i) += (d);                                                  \
    } while (0)
#define AD__ACC_PUT(r) AD__AW((r)-1) = acc
#define AD__ACC_GET(r)                                                         \
    do {                                                                       \
        acc = AD__AR((r)-1);                                                   \
        AD__AR((r)-1) = 0.0;                                                   \
    } while (0)

/* Adds partial p times the adjoint of r into the adjoint of i, clearing
 * r's.  A zero adjoint contributes exactly 0, whatever the partial (inf or
 * NaN in a branch that ad_select did not take); with one lane it skips the
 * partial altogether (P is evaluated only when needed). */
#define AD__ADJ1(F, P, i)                                                      \
    do {                                                                       \
        if (q == 1) {                                                          \
            AD__ACC_TAKE(w_, r);                                               \
            if (w_ != 0.0)                                                     \
                AD__ACC_ADD(i, ad__chain(F, (P), w_));                         \
        } else {                                                               \
            double p_ = (P);                                                   \
            for (size_t l = 0; l < q; l++) {                                   \
                double w_ = A[(size_t)r * q + l];                              \
                A[(size_t)r * q + l] = 0.0;                                    \
                A[(size_t)(i)*q + l] += ad__chain_guarded(p_, w_);             \
            }                                                                  \
        }                                                                      \
    } while (0)

/* The reverse sweeps: one adjoint lane, or q; on the tape's values or on
 * the flat values of a replay; the one-lane ones also with their adjoints
 * in a window (adjwin.c).  With one lane the adjoint of i is read (and
 * cleared) as AD__AR(i) and added into as AD__AW(i). */
#define AD__AR(i) A[i]
#define AD__AW(i) A[i]
/* The adjoints of the run of k inputs from r into g, cleared. */
#define AD__TAKE_RUN(g, r, k)                                                  \
    do {                                                                       \
        memcpy(g, A + (r), (k) * sizeof(double));                              \
        memset(A + (r), 0, (k) * sizeof(double));                              \
    } while (0)
#define AD__VAL(i) AD__V(vt, i)
#define AD__NAME   rev_1
#define AD__Q      1
#include "sweep_rev.inc"
#undef AD__NAME
#undef AD__Q
#define AD__NAME rev_q
#define AD__Q    s->q
#include "sweep_rev.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__VAL
#define AD__VAL(i) vf[i]
#define AD__NAME   rev_1_flat
#define AD__Q      1
#include "sweep_rev.inc"
#undef AD__NAME
#undef AD__Q
#define AD__NAME rev_q_flat
#define AD__Q    s->q
#include "sweep_rev.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__VAL
#undef AD__AR
#undef AD__AW
#undef AD__TAKE_RUN
#define AD__AR(i) AD__AWR(aw, ring, rmask, lo, i)
#define AD__AW(i) AD__AWW(aw, ring, rmask, lo, i, r)
#define AD__TAKE_RUN(g, r, k)                                                  \
    do {                                                                       \
        for (size_t i_ = 0; i_ < (k); i_++) {                                  \
            (g)[i_] = AD__AR((r) + (uint32_t)i_);                              \
            AD__AR((r) + (uint32_t)i_) = 0.0;                                  \
        }                                                                      \
    } while (0)
#define AD__VAL(i) AD__V(vt, i)
#define AD__NAME   rev_1_win
#define AD__Q      1
#include "sweep_rev.inc"
#undef AD__NAME
#undef AD__VAL
#define AD__VAL(i) vf[i]
#define AD__NAME   rev_1_flat_win
#include "sweep_rev.inc"
#undef AD__NAME
#undef AD__Q
#undef AD__VAL
#undef AD__AR
#undef AD__AW
#undef AD__TAKE_RUN

void ad__reverse(ad__sweep *s)
{
    size_t nvar = s->t->nvar;
    if (s->aw != NULL) {
        s->vf != NULL ? rev_1_flat_win(s) : rev_1_win(s);
        if (ad__aw_close(s->aw) != AD_OK && s->err == AD_OK)
            s->err = AD_ENOMEM;
        ad__work_set_adj_bytes(ad__aw_bytes(s->aw));
        return;
    }
    if (s->vf != NULL)
        s->q == 1 ? rev_1_flat(s) : rev_q_flat(s);
    else
        s->q == 1 ? rev_1(s) : rev_q(s);
    ad__work_set_adj_bytes(nvar * s->q * sizeof(double));
}
