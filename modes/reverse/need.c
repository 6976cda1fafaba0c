/* need.c -- the values a gradient (an hvp) needs at a new point.
 *
 * A gradient at a new point replays the values and then sweeps back; the
 * reverse sweep reads only the values its rules name: the arguments of the
 * nonlinear nodes, a few results (exp' is y), ad_select's conditions.  (A
 * second-order sweep reads the same, its second partials some more results
 * (sin'' is -y), and the tangents of the same arguments.)  Every
 * other value is computed for nothing, unless a needed value is computed
 * from it.  In a sum of squares f = sum r_i^2, for instance, the squares
 * and the running sum are never read back: of Rosenbrock's 8 nodes per
 * term only 3 are needed.  (Source-transformation AD finds such values by a
 * data-flow analysis at compile time: Hascoet, Naumann & Pascual, "To be
 * recorded" analysis in reverse-mode automatic differentiation, Future
 * Generation Computer Systems 21(8), 2005.  Here the tape is the program.)
 *
 * The analysis runs backwards over the tape once: a value is needed if a
 * reverse rule reads it, or if a needed value is computed from it.
 * Comparisons and inputs are always kept (a replay must still find a
 * flipped comparison, AD_ERETAPE).  The kept nodes are written out as a
 * program in the word format of the compiled form (slots.c), with the
 * variables' own indices as slots, which the compiled forward sweep then
 * runs into the flat value array; the ordinary reverse sweep follows.  The
 * values it reads are computed by the same rules from the same arguments,
 * so the gradient is the same to the bit.
 *
 * The program is kept per thread (in the thread's sweep buffers, beside
 * the flat values, so that threads sweeping one tape need no lock) for one
 * recording at a time, named by the tape and its generation; one for
 * gradients, one for hvps (whose forward sweep also carries the tangents).
 * It is built at a thread's second gradient (hvp) at a new point of a
 * recording, so that a single one does not pay for the analysis, and only
 * if it drops a fifth of the nodes or more.  Tapes with array or custom
 * nodes are left alone (their rules read whole arrays). */
#include <stdlib.h>
#include <string.h>

#include "tape_impl.h"

/* Keeps the program only if it has at most this share of the nodes. */
#define WORTH 0.8

/* p, or a new block in its place if p holds fewer than n elements of size
 * elem (its contents are not kept); NULL when memory runs out. */
static void *room(void *p, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap)
        return p;
    free(p);
    p = malloc(n * elem);
    *cap = p != NULL ? n : 0;
    return p;
}

#define BIT(m, v)  (((m)[(v) >> 6] >> ((v)&63)) & 1u)
#define MARK(m, v) ((m)[(v) >> 6] |= (uint64_t)1 << ((v)&63))

/* Pass 1, backwards: the bit of every needed variable in N->bits, and the
 * size of the program (nodes, words, constants). */
static void mark(ad__need *N, const ad_tape *t, size_t *nop, size_t *nword,
                 size_t *ncst)
{
    const ad__node_kind *K = ad__node_kinds();
    uint64_t *m = N->bits;
    size_t ops = 0, words = 1, csts = 0; /* word 0 is a dummy */
    for (size_t k = t->nseg; k-- > 0;) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op + sg->nop;
        const uint32_t *a = sg->arg + sg->narg;
        uint32_t r = sg->var0 + sg->nvar;
        while (op > sg->op) {
            ad__node_kind d = K[*--op];
            size_t na = d.narg;
            switch (d.kind) {
            case AD__N_SCALAR: {
                a -= na;
                r--;
                int keep;
                if (d.reads == AD__READS_ARG0) { /* ad_select */
                    keep = BIT(m, r);
                    MARK(m, a[0]);
                } else {
                    if (d.reads_y & N->order)
                        MARK(m, r);
                    keep = BIT(m, r);
                }
                if (keep || d.reads == AD__READS_ALL)
                    for (size_t i = 0; i < na; i++)
                        MARK(m, a[i]);
                if (keep) {
                    ops++;
                    words += na + 1;
                    csts += d.ncst;
                }
                break;
            }
            case AD__N_CMP:
                a -= na;
                for (size_t i = 0; i < na; i++)
                    MARK(m, a[i]);
                ops++;
                words += na;
                csts += d.ncst;
                break;
            case AD__N_INDEP:
                r--;
                ops++;
                words++;
                break;
            case AD__N_CONST:
                r--;
                if (BIT(m, r)) {
                    ops++;
                    words++;
                    csts++;
                }
                break;
            default: /* AD__N_INDEPS (no array nodes here) */
                a -= 2;
                r -= a[0];
                ops++;
                words += 2;
                break;
            }
        }
    }
    *nop = ops;
    *nword = words;
    *ncst = csts;
}

/* Pass 2, forwards: the kept nodes' op bytes, words and constants. */
static void emit(ad__need *N, const ad_tape *t)
{
    const ad__node_kind *K = ad__node_kinds();
    const uint64_t *m = N->bits;
    uint8_t *po = N->op;
    uint32_t *pw = N->word;
    double *pc = N->cst;
    *pw++ = 0;
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        const uint32_t *a = sg->arg;
        const double *c = sg->cst;
        uint32_t r = sg->var0;
        for (size_t j = 0; j < sg->nop; j++) {
            uint8_t o = sg->op[j];
            ad__node_kind d = K[o];
            size_t na = d.narg, nc = d.ncst;
            int keep = 1, res = 1;
            switch (d.kind) {
            case AD__N_SCALAR:
                keep = BIT(m, r);
                break;
            case AD__N_CMP:
                res = 0;
                break;
            case AD__N_INDEP:
                break;
            case AD__N_CONST:
                keep = BIT(m, r);
                break;
            default: /* AD__N_INDEPS: k, then the first input */
                na = 2;
                res = 0;
                *po++ = o;
                *pw++ = a[0];
                *pw++ = r;
                r += a[0];
                keep = 0;
                break;
            }
            if (keep) {
                *po++ = o;
                for (size_t i = 0; i < na; i++)
                    *pw++ = a[i];
                if (res)
                    *pw++ = r;
                for (size_t i = 0; i < nc; i++)
                    *pc++ = c[i];
            }
            if (d.kind == AD__N_SCALAR || d.kind == AD__N_INDEP ||
                d.kind == AD__N_CONST)
                r++;
            a += na;
            c += nc;
        }
    }
}

/* Builds the program of t into N: 1 if it is worth running, 0 if not, -1
 * if memory ran out. */
static int build(ad__need *N, const ad_tape *t)
{
    if (t->narray != 0 || t->nvar > (size_t)AD__SLOT_MASK + 1)
        return 0;
    size_t nb = (t->nvar + 63) / 64;
    N->bits = room(N->bits, &N->bits_cap, nb, sizeof *N->bits);
    if (N->bits == NULL)
        return -1;
    memset(N->bits, 0, nb * sizeof *N->bits);
    size_t nop, nword, ncst;
    mark(N, t, &nop, &nword, &ncst);
    if ((double)nop > WORTH * (double)t->nop)
        return 0;
    N->op = room(N->op, &N->op_cap, nop, 1);
    N->word = room(N->word, &N->word_cap, nword, sizeof *N->word);
    N->cst = room(N->cst, &N->cst_cap, ncst ? ncst : 1, sizeof *N->cst);
    if (N->op == NULL || N->word == NULL || N->cst == NULL)
        return -1;
    emit(N, t);
    memset(&N->seg, 0, sizeof N->seg);
    N->seg.op = N->op;
    N->seg.nop = nop;
    N->seg.cst = N->cst;
    N->seg.ncst = ncst;
    return 1;
}

int ad__need_get(const ad_tape *t, int order, const ad__need **P)
{
    *P = NULL;
    ad__need *N = ad__work_need(order);
    if (N == NULL)
        return AD_ENOMEM;
    N->order = order;
    if (N->t != t || N->gen != t->gen) {
        N->t = t;
        N->gen = t->gen;
        N->calls = 0;
        N->ready = 0;
    }
    if (N->ready == 0 && ++N->calls >= 2) {
        int b = build(N, t);
        if (b < 0) {
            N->calls = 1; /* the next gradient tries again */
            return AD_ENOMEM;
        }
        N->ready = b ? 1 : -1;
    }
    if (N->ready == 1)
        *P = N;
    return AD_OK;
}

void ad__need_free(ad__need *N)
{
    free(N->bits);
    free(N->op);
    free(N->word);
    free(N->cst);
    memset(N, 0, sizeof *N);
}
