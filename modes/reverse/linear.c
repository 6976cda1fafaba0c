/* linear.c -- a linearised tape: the local partials of every node at the
 * recorded point, stored beside the argument indices (as Jacobian taping
 * stores them at record time, e.g. CoDiPack), so that a reverse sweep is
 * adj[arg] += partial * adj[result] with no rule to evaluate and no value to
 * read.  It serves sweeps repeated at the recorded point (gradients of
 * several outputs, vjp); the primal value tape underneath still replays,
 * sweeps forward and to second order.  The bench compares both.
 *
 * The partials live in one array per segment, parallel to the segment's
 * argument words (array nodes' words get none and keep their own rules). */
#include <stdlib.h>
#include <string.h>

#include "tape_impl.h"

int ad_tape_linearize(ad_tape *t)
{
    if (t == NULL || !t->done)
        return AD_EINVAL;
    const ad__node_kind *K = ad__node_kinds();
    if (t->nseg > t->part_cap) {
        size_t nc = t->nseg;
        double **np = realloc(t->part, nc * sizeof *np);
        size_t *ncap = np ? realloc(t->part_len, nc * sizeof *ncap) : NULL;
        if (np != NULL)
            t->part = np;
        if (ncap == NULL)
            return AD_ENOMEM;
        t->part_len = ncap;
        for (size_t k = t->part_cap; k < nc; k++) {
            t->part[k] = NULL;
            t->part_len[k] = 0;
        }
        t->part_cap = nc;
    }
    double **vt = t->vtab;
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        if (t->part_len[k] < sg->narg) {
            ad__tape_release(t, t->part[k], t->part_len[k] * sizeof(double));
            t->part_len[k] = 0;
            t->part[k] = ad__tape_alloc(t, sg->narg * sizeof(double));
            if (t->part[k] == NULL)
                return AD_ENOMEM;
            t->part_len[k] = sg->narg;
        }
        double *P = t->part[k];
        const uint32_t *a = sg->arg;
        const double *c = sg->cst;
        uint32_t r = sg->var0;
        for (size_t j = 0; j < sg->nop; j++) {
            uint8_t op = sg->op[j];
            unsigned code = op & AD__CODE, var = op & ~AD__CODE;
            size_t na = K[op].narg, nc = K[op].ncst;
            double *p = P + (a - sg->arg);
            switch (K[op].kind) {
            case AD__N_SCALAR: {
                if (code == AD__OP_SELECT) {
                    int take_a = AD__V(vt, a[0]) > 0.0;
                    p[0] = 0.0;
                    p[1] = take_a;
                    p[2] = !take_a;
                } else {
                    const ad_op_info *d = ad_op_get((int)code);
                    double q[2] = {0.0, 0.0}, y = AD__V(vt, r);
                    if (var == AD__CX) {
                        d->d1(c[0], AD__V(vt, a[0]), 0.0, y, q);
                        p[0] = q[1];
                    } else if (var == AD__XC) {
                        d->d1(AD__V(vt, a[0]), c[0], 0.0, y, q);
                        p[0] = q[0];
                    } else {
                        double b = na == 2 ? AD__V(vt, a[1]) : 0.0;
                        d->d1(AD__V(vt, a[0]), b, nc ? c[0] : 0.0, y, q);
                        p[0] = q[0];
                        if (na == 2)
                            p[1] = q[1];
                    }
                }
                r++;
                break;
            }
            case AD__N_CMP:
                for (size_t i = 0; i < na; i++)
                    p[i] = 0.0;
                break;
            case AD__N_INDEP:
            case AD__N_CONST:
                r++;
                break;
            case AD__N_INDEPS:
                na = 2;
                r += a[0];
                break;
            default: /* AD__N_ARRAY */
                na = a[0];
                nc = a[2];
                r += a[1];
                break;
            }
            a += na;
            c += nc;
        }
    }
    t->linear = 1;
    return AD_OK;
}

/* The reverse sweep of a linearised tape, one adjoint lane, at the recorded
 * point (s->vt the tape's values, for array nodes). */
void ad__reverse_linear(ad__sweep *s)
{
    const ad_tape *t = s->t;
    const ad__node_kind *K = ad__node_kinds();
    double *A = s->adj, *G = s->G;
    size_t nin = t->n;
    for (size_t k = t->nseg; k-- > 0;) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op + sg->nop;
        const uint32_t *a = sg->arg + sg->narg;
        const double *c = sg->cst + sg->ncst;
        const double *P = t->part[k] + sg->narg;
        uint32_t r = sg->var0 + sg->nvar;
        while (op > sg->op) {
            uint8_t cur = *--op;
            size_t na = K[cur].narg;
            switch (K[cur].kind) {
            case AD__N_SCALAR: {
                a -= na;
                P -= na;
                c -= K[cur].ncst;
                r--;
                double w = A[r];
                if (w != 0.0) {
                    A[r] = 0.0;
                    for (size_t i = 0; i < na; i++)
                        A[a[i]] += P[i] * w;
                }
                break;
            }
            case AD__N_CMP:
                a -= na;
                P -= na;
                c -= K[cur].ncst;
                break;
            case AD__N_INDEP:
                r--;
                G[--nin] = A[r];
                A[r] = 0.0;
                break;
            case AD__N_CONST:
                r--;
                c--;
                A[r] = 0.0;
                break;
            case AD__N_INDEPS: {
                a -= 2;
                P -= 2;
                size_t kk = a[0];
                r -= (uint32_t)kk;
                nin -= kk;
                memcpy(G + nin, A + r, kk * sizeof(double));
                memset(A + r, 0, kk * sizeof(double));
                break;
            }
            default: /* AD__N_ARRAY */
                P -= a[-1];
                a -= a[-1];
                c -= a[2];
                r -= a[1];
                ad__array_reverse(s, cur & AD__CODE, a, c, r);
                break;
            }
        }
    }
    ad__work_set_adj_bytes(t->nvar * sizeof(double));
}
