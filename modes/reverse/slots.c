/* slots.c -- the compiled form of a tape (ad_tape_compile) and the sweeps
 * at a new point that use it.
 *
 * A recording names every result by its own variable index, so a replay
 * at a new point writes one value per variable and a reverse sweep reads
 * and clears one adjoint per variable: on a tape of millions of nodes both
 * arrays stream from memory.  Yet most variables are read only by the next
 * few nodes.  Compiling gives each variable a slot and hands the slot on
 * once the variable's last reader has run (the locations of ADOL-C, which
 * its adouble destructor frees at record time; plain C values have no
 * destructor, so the last readers are found after the recording), so the
 * slots in use at once, not the variables, size the arrays of a sweep.
 *
 * A forward sweep that a reverse sweep follows saves the value a result
 * overwrites (Griewank & Walther, Evaluating Derivatives, 2nd ed., 2008,
 * sec. 4.3, the "tape" of overwritten values), and the reverse sweep puts
 * it back after the node, so every node sees its arguments' values as the
 * forward sweep did.  Only values that a reverse rule will read are saved:
 * not those read by linear operations alone (the AD_F_LINEAR flags of
 * ops.def), which are most of them on long chains.  The saved values are
 * written and read once, in order.
 *
 * The op bytes and constants are the recording's own; the compiled form
 * adds one stream of slot words, in node order:
 *   primitive, ad_select   the arguments' slots, then the result's;
 *   comparison             the arguments' slots;
 *   input                  its slot (inputs take fresh slots: nothing saved);
 *   k inputs               k, then the first of k consecutive fresh slots;
 *   constant               its slot.
 * A result's slot may be one of its own arguments' (the argument's last
 * read): the reverse sweep restores the overwritten value before it reads
 * the arguments.  Each slot's adjoint receives its contributions in the
 * same order as the variable's adjoint of the uncompiled sweep, so the
 * results are the same to the bit.  Array and custom nodes are not
 * compiled (AD_EUNSUPPORTED). */
#include <stdlib.h>
#include <string.h>

#include "tape_impl.h"

/* last[v]: the ordinal of the last node that reads variable v (from 1), 0
 * if none does; outputs are read "after the end"; and the bit NEED if a
 * reverse rule reads v's value (a slot word's top bit: AD__SLOT_SAVE). */
#define ORD        AD__SLOT_MASK
#define NEED       AD__SLOT_SAVE
#define READ_NEVER 0u
#define READ_AFTER ORD

/* Makes *p (elements of size elem, counted against the tape) hold n. */
static int reserve(ad_tape *t, void **p, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap)
        return AD_OK;
    ad__tape_release(t, *p, *cap * elem);
    *cap = 0;
    *p = ad__tape_alloc(t, n * elem);
    if (*p == NULL)
        return AD_ENOMEM;
    *cap = n;
    return AD_OK;
}

/* Pass 1: the last reader of every variable, whether a reverse rule reads
 * its value, and the slot words.  AD_EUNSUPPORTED for an array or custom
 * node. */
static int last_readers(const ad_tape *t, uint32_t *last, size_t *nword)
{
    const ad__node_kind *K = ad__node_kinds();
    uint32_t node = 0;
    size_t words = 0;
    memset(last, 0, t->nvar * sizeof *last);
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        const uint32_t *a = sg->arg;
        uint32_t r = sg->var0;
        for (size_t j = 0; j < sg->nop; j++) {
            ad__node_kind d = K[sg->op[j]];
            node++;
            switch (d.kind) {
            case AD__N_SCALAR:
            case AD__N_CMP:
                for (size_t i = 0; i < d.narg; i++) {
                    int read = d.reads == AD__READS_ALL ||
                               (d.reads == AD__READS_ARG0 && i == 0);
                    last[a[i]] = (last[a[i]] & NEED) | (read ? NEED : 0) | node;
                }
                a += d.narg;
                words += d.narg;
                if (d.kind == AD__N_SCALAR) {
                    last[r++] = d.reads == AD__READS_ALL ? NEED : 0;
                    words++;
                }
                break;
            case AD__N_INDEP:
            case AD__N_CONST:
                r++;
                words++;
                break;
            case AD__N_INDEPS:
                r += a[0];
                words += 2;
                a += 2;
                break;
            default:
                return AD_EUNSUPPORTED;
            }
        }
    }
    for (size_t j = 0; j < t->m; j++)
        if (t->dep[j] != 0)
            last[t->dep[j]] |= READ_AFTER;
    *nword = words;
    return AD_OK;
}

/* The free slots: a stack, so that the slot freed last (still in cache) is
 * taken first.  It grows by doubling (it stays small: the slots live at
 * once).  An entry carries AD__SLOT_SAVE if the value in the slot will be
 * read by a reverse rule: a result that takes the slot saves it. */
typedef struct pool {
    ad_tape *t;
    ad__slots *S;   /* S->free is the stack, S->free_cap its room */
    uint32_t *free; /* S->free, kept here for the loop */
    size_t n, cap;  /* entries in use, and S->free_cap */
    uint32_t next;  /* slots never used start here */
    size_t nsave;   /* results that save the value they overwrite */
    int err;
} pool;

/* Doubles the stack's room; AD_ENOMEM (in P->err) if it cannot. */
static int grow_pool(pool *P)
{
    ad__slots *S = P->S;
    size_t nc = P->cap ? 2 * P->cap : 1024;
    uint32_t *nf = ad__tape_alloc(P->t, nc * sizeof *nf);
    if (nf == NULL)
        return P->err = AD_ENOMEM;
    if (P->n > 0)
        memcpy(nf, P->free, P->n * sizeof *nf);
    ad__tape_release(P->t, S->free, S->free_cap * sizeof *S->free);
    P->free = S->free = nf;
    P->cap = S->free_cap = nc;
    return AD_OK;
}

static inline void give(pool *P, uint32_t s)
{
    if (P->n < P->cap || grow_pool(P) == AD_OK)
        P->free[P->n++] = s;
}

static inline uint32_t take(pool *P)
{
    return P->n > 0 ? P->free[--P->n] : P->next++;
}

/* Pass 2: the slots of every node, written to out; slot[v] is variable v's
 * slot while it lives. */
static int assign(ad_tape *t, const uint32_t *last, uint32_t *slot,
                  uint32_t *out, pool *P)
{
    const ad__node_kind *K = ad__node_kinds();
    uint32_t node = 0;
    for (size_t k = 0; k < t->nseg && P->err == AD_OK; k++) {
        const ad__seg *sg = &t->seg[k];
        const uint32_t *a = sg->arg;
        uint32_t r = sg->var0;
        for (size_t j = 0; j < sg->nop; j++) {
            ad__node_kind d = K[sg->op[j]];
            node++;
            size_t na =
                d.kind == AD__N_SCALAR || d.kind == AD__N_CMP ? d.narg : 0;
            /* The arguments' slots; those read for the last time are free
             * again (once, if an argument comes twice). */
            for (size_t i = 0; i < na; i++) {
                out[i] = slot[a[i]];
                int first = 1;
                for (size_t h = 0; h < i; h++)
                    first &= a[h] != a[i];
                if (first && (last[a[i]] & ORD) == node)
                    give(P, out[i] | (last[a[i]] & NEED));
            }
            out += na;
            a += na;
            uint32_t nres = 1, s0;
            if (d.kind == AD__N_CMP)
                continue;
            if (d.kind == AD__N_INDEPS) {
                nres = a[0];
                *out++ = nres;
                s0 = P->next;
                P->next += nres;
                a += 2;
                *out++ = s0;
            } else {
                uint32_t w = d.kind == AD__N_INDEP ? P->next++ : take(P);
                P->nsave += w >> 31;
                *out++ = w;
                s0 = w & ORD;
            }
            for (uint32_t i = 0; i < nres; i++, r++) {
                slot[r] = s0 + i;
                if ((last[r] & ORD) == READ_NEVER)
                    give(P, (s0 + i) | (last[r] & NEED));
            }
        }
    }
    return P->err;
}

int ad_tape_compile(ad_tape *t)
{
    if (t == NULL || !t->done)
        return AD_EINVAL;
    if (t->slots != NULL && t->slots->valid)
        return AD_OK;
    if (t->nop >= ORD || t->nvar >= ORD)
        return AD_ERANGE;
    if (t->slots == NULL && (t->slots = calloc(1, sizeof *t->slots)) == NULL)
        return AD_ENOMEM;
    ad__slots *S = t->slots;
    /* The scratch: the thread's value buffer (at least nvar doubles, kept
     * between sweeps) holds the two per-variable arrays, last and slot. */
    ad__work *w = ad__work_get(t, 0, 0, 0);
    if (w == NULL)
        return AD_ENOMEM;
    uint32_t *last = (uint32_t *)(void *)w->val, *slot = last + t->nvar;
    size_t nword;
    int rc = last_readers(t, last, &nword);
    if (rc != AD_OK)
        return rc;
    if ((rc = reserve(t, (void **)&S->word, &S->word_cap, nword + 1,
                      sizeof *S->word)) != AD_OK ||
        (rc = reserve(t, (void **)&S->dep, &S->dep_cap, t->m,
                      sizeof *S->dep)) != AD_OK)
        return rc;
    pool P = {t, S, S->free, 0, S->free_cap, 0, 0, AD_OK};
    S->word[0] = 0; /* a dummy word before the first node's (slot_sweep.c) */
    if ((rc = assign(t, last, slot, S->word + 1, &P)) != AD_OK)
        return rc;
    for (size_t j = 0; j < t->m; j++)
        S->dep[j] = t->dep[j] != 0 ? slot[t->dep[j]] : AD__SLOT_NONE;
    S->nword = nword;
    S->nsave = P.nsave;
    S->nslot = P.next > 0 ? P.next : 1; /* slot 0 exists (the dummy word) */
    S->valid = 1;
    return AD_OK;
}

void ad__slots_free(ad_tape *t)
{
    ad__slots *S = t->slots;
    if (S == NULL)
        return;
    ad__tape_release(t, S->word, S->word_cap * sizeof *S->word);
    ad__tape_release(t, S->free, S->free_cap * sizeof *S->free);
    ad__tape_release(t, S->dep, S->dep_cap * sizeof *S->dep);
    free(S);
    t->slots = NULL;
}

/* ---- sweeps at a new point ---------------------------------------------- */

/* Prepares s on the thread's slot buffers and replays the values at x with
 * q tangent lanes (seeds V, n x q), saving overwritten values when save is
 * set (for adj_q adjoint lanes of a reverse sweep after it). */
static int forward(ad_tape *t, const double *x, size_t q, const double *V,
                   size_t adj_q, int save, ad__sweep *s)
{
    const ad__slots *S = t->slots;
    /* save values (and tangents) in pairs when save is 2; one spare entry
     * (pair) for the stores that are not kept. */
    size_t nsave = save ? (size_t)save * (S->nsave + 1) : 0;
    ad__work *w = ad__work_slots(S->nslot, q, adj_q, nsave);
    if (w == NULL)
        return AD_ENOMEM;
    memset(s, 0, sizeof *s);
    s->t = t;
    s->vf = w->sval;
    s->x = x;
    s->tan = w->stan;
    s->adj = w->sadj;
    s->save = w->ssave;
    s->q = q;
    s->V = V;
    s->ldv = q;
    s->flip = -1;
    int rc = ad__slot_forward(s, save);
    ad__work_set_flip(s->flip);
    return rc;
}

static void outputs(const ad__sweep *s, double *y)
{
    const ad_tape *t = s->t;
    const uint32_t *dep = t->slots->dep;
    if (y != NULL)
        for (size_t j = 0; j < t->m; j++)
            y[j] = dep[j] != AD__SLOT_NONE ? s->vf[dep[j]] : t->depc[j];
}

int ad__slot_jvp(ad_tape *t, const double *x, size_t k, const double *V,
                 double *y, double *JV)
{
    ad__sweep s;
    int rc = forward(t, x, k, V, 0, 0, &s);
    if (rc != AD_OK)
        return rc;
    outputs(&s, y);
    const uint32_t *dep = t->slots->dep;
    for (size_t j = 0; j < t->m && k > 0; j++)
        for (size_t l = 0; l < k; l++)
            JV[j * k + l] =
                dep[j] != AD__SLOT_NONE ? s.tan[(size_t)dep[j] * k + l] : 0.0;
    return AD_OK;
}

int ad__slot_vjp(ad_tape *t, const double *x, size_t k, const double *W,
                 double *y, double *WJ)
{
    ad__sweep s;
    int rc = forward(t, x, 0, NULL, k, k > 0, &s);
    if (rc != AD_OK)
        return rc;
    outputs(&s, y);
    if (k == 0)
        return AD_OK;
    const uint32_t *dep = t->slots->dep;
    if (W == NULL) { /* the gradient of output 0 */
        if (dep[0] != AD__SLOT_NONE)
            s.adj[dep[0]] = 1.0;
    } else
        for (size_t j = 0; j < t->m; j++)
            if (dep[j] != AD__SLOT_NONE)
                for (size_t l = 0; l < k; l++)
                    s.adj[(size_t)dep[j] * k + l] += W[l * t->m + j];
    s.q = k;
    s.G = WJ;
    ad__slot_reverse(&s);
    ad__work_set_adj_bytes(t->slots->nslot * k * sizeof(double));
    return AD_OK;
}

int ad__slot_hvp(ad_tape *t, const double *x, const double *v, double *hv)
{
    ad__sweep s;
    int rc = forward(t, x, 1, v, 2, 2, &s);
    if (rc != AD_OK)
        return rc;
    const uint32_t *dep = t->slots->dep;
    if (dep[0] != AD__SLOT_NONE)
        s.adj[2 * (size_t)dep[0]] = 1.0;
    s.G = hv;
    ad__slot_reverse2(&s);
    return AD_OK;
}
