/* hessian.c -- second order on the tape: Hessian-vector products and the
 * Hessian by forward-over-reverse (Griewank & Walther, Evaluating
 * Derivatives, 2nd ed., 2008, ch. 5).
 *
 * A forward sweep carries one tangent ydot = f'(x) v beside every value;
 * then a reverse sweep carries, for every variable, its adjoint abar and the
 * adjoint's tangent abar_dot (lanes 0 and 1 of the adjoint buffer).  For a
 * node r = f(a, b) with adjoint w and adjoint tangent wd:
 *
 *     abar     += f_a w
 *     abar_dot += f_a wd + (f_aa adot + f_ab bdot) w      (and b alike)
 *
 * with the second partials of the primitive table.  Array nodes have their
 * own rules (array.c, ad__array_reverse2).  The adjoint tangents of the
 * inputs are H v.  A zero adjoint and adjoint tangent skip the node, so a
 * branch that ad_select did not take contributes nothing. */
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "dispatch.h"
#include "tape_impl.h"

#define V(i) AD__VAL(i)

/* The next node of the sweep (dispatch.h). */
#define AD__STEP                                                               \
    if (op == sg->op)                                                          \
        goto seg_done;                                                         \
    cur = *--op

/* As in the first-order sweep (sweep.c), the pair of the next result,
 * r - 1, stays in registers (acc, accd) rather than in A, so that chains
 * do not pay a store and a load of the same address per node.  Invariant
 * between two nodes whose next result is r - 1: (acc, accd) is its pair so
 * far and A's entries for it are 0.  The additions keep their order, so
 * the results are the same to the bit. */
#define AD__ACC2_PUT(r)                                                        \
    do {                                                                       \
        A[2 * ((size_t)(r)-1)] = acc;                                          \
        A[2 * ((size_t)(r)-1) + 1] = accd;                                     \
    } while (0)
#define AD__ACC2_GET(r)                                                        \
    do {                                                                       \
        acc = A[2 * ((size_t)(r)-1)];                                          \
        accd = A[2 * ((size_t)(r)-1) + 1];                                     \
        A[2 * ((size_t)(r)-1)] = A[2 * ((size_t)(r)-1) + 1] = 0.0;             \
    } while (0)
/* Adds (d, dd) into the pair of variable i. */
#define AD__ACC2_ADD(i, d, dd) AD__PAIR_ADD(i, r - 1, d, dd)

/* One argument's update: p = f_a, h = f_aa adot + f_ab bdot (not evaluated
 * when L says the node is linear in the argument). */
#define AD__SO(i, p, L, h) AD__ACC2_ADD(i, (p)*w, AD__SO_DD(L, p, h, w, wd))

/* The second-order reverse sweep; s->tan holds the forward tangents (one
 * lane), s->adj pairs (adjoint, adjoint tangent) per variable, s->G gets
 * the inputs' adjoint tangents (H v) and, if G0 is not NULL, their adjoints
 * (the gradient).  Two instances: rev2 reads the values through the tape's
 * table (at the recorded point), rev2_flat from the flat array of a replay
 * at a new point (s->vf), one dependent load less per value read, as the
 * first-order sweeps do (sweep.c). */
#define AD__VAL(i) AD__V(vt, i)
#define AD__NAME   rev2
#include "hessian_rev.inc"
#undef AD__NAME
#undef AD__VAL
#define AD__VAL(i) vf[i]
#define AD__NAME   rev2_flat
#include "hessian_rev.inc"
#undef AD__NAME
#undef AD__VAL
#undef AD__STEP

/* H v: a tangent sweep along v (replaying the values at s->x on the way
 * if replay is set, else at the values s holds; only P's nodes if P is not
 * NULL: need.c), then rev2.  AD_OK or AD_ERETAPE (nothing swept back then:
 * the adjoints stay zero). */
static int hvp_at(ad__sweep *s, const double *v, size_t unit, double *hv,
                  double *g, int replay, const ad__need *P)
{
    const ad_tape *t = s->t;
    s->q = 1;
    s->V = v;
    s->ldv = 1;
    s->unit0 = unit;
    int rc = P != NULL ? ad__need_forward(s, P) : ad__forward(s, replay);
    if (replay)
        ad__work_set_flip(s->flip);
    if (rc != AD_OK)
        return rc;
    if (t->dep[0] != 0)
        s->adj[2 * (size_t)t->dep[0]] = 1.0;
    s->G = hv;
    s->vf != NULL ? rev2_flat(s, g) : rev2(s, g);
    return AD_OK;
}

/* Sets up s on the calling thread's buffers for second-order sweeps. */
static int setup(ad_tape *t, double **vt, double *vf, ad__sweep *s)
{
    ad__work *w = ad__work_get(t, 1, 2, t->tmp_need);
    if (w == NULL)
        return AD_ENOMEM;
    memset(s, 0, sizeof *s);
    s->t = t;
    s->vt = vt;
    s->vf = vf;
    s->tan = w->tan;
    s->adj = w->adj;
    s->tmp = w->tmp;
    s->flip = -1;
    return AD_OK;
}

int ad_tape_hvp(ad_tape *t, const double *x, const double *v, double *hv)
{
    if (t == NULL || !t->done || t->m == 0 ||
        (t->n > 0 && (v == NULL || hv == NULL)))
        return AD_EINVAL;
    if (t->custom_no2 > 0)
        return AD_EUNSUPPORTED; /* a custom op without hvp */
    if (x != NULL && ad__slots_ready(t))
        return ad__slot_hvp(t, x, v, hv);
    /* At a new point the replay rides along the tangent sweep: one pass
     * over the tape instead of two; from the thread's second hvp of the
     * recording on, over the nodes the reverse sweep needs only. */
    ad__sweep s;
    const ad__need *P = NULL;
    int rc = x != NULL ? ad__need_get(t, 2, &P) : AD_OK;
    if (rc == AD_OK)
        rc = ad__prepare(t, x, 1, 2, &s, 0);
    if (rc == AD_OK)
        rc = hvp_at(&s, v, 0, hv, NULL, x != NULL, P);
    return rc == AD_OK ? s.err : rc;
}

int ad_tape_hessian(ad_tape *t, const double *x, double *H)
{
    if (t == NULL || !t->done || t->m == 0 || (t->n > 0 && H == NULL))
        return AD_EINVAL;
    if (t->custom_no2 > 0)
        return AD_EUNSUPPORTED;
    double **vt, *vf;
    int rc = ad__values(t, x, &vt, &vf);
    if (rc != AD_OK)
        return rc;
    long n = (long)t->n;
    /* Column i is H e_i, one forward-over-reverse pass each; the passes
     * share the values and write disjoint rows (H is symmetric: row i is
     * column i), each thread on its own buffers. */
#pragma omp parallel for schedule(dynamic)                                     \
    if (ad__par_worth((size_t)n, 3 * ad__sweep_seconds(t, 2)))
    for (long i = 0; i < n; i++) {
        ad__sweep s;
        int r = setup(t, vt, vf, &s);
        if (r == AD_OK) {
            hvp_at(&s, NULL, (size_t)i, H + (size_t)i * t->n, NULL, 0, NULL);
            r = s.err;
        }
        if (r != AD_OK) {
#pragma omp critical(ad_hessian_rc)
            rc = r;
        }
    }
    return rc;
}
