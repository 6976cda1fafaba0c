/* sparsity.c -- Jacobian and Hessian sparsity patterns read off a tape,
 * without numeric evaluation.
 *
 * Jacobian.  Every variable v gets the index set X_v of the inputs it
 * depends on: an input's is itself, a node's is the union of its
 * arguments' (Griewank & Walther, Evaluating Derivatives, 2nd ed., 2008,
 * sec. 7.1, forward propagation of index domains).  Row i of the pattern is
 * the set of output i.
 *
 * Hessian.  Walther's nonlinear interaction domains ("Computing sparse
 * Hessians with automatic differentiation", ACM TOMS 34(1), 2008): every
 * input j gets a set N_j; at a node y = phi(a, b) whose second partial
 * phi_ab is not identically zero, N_j grows by X_b for every j in X_a (and
 * N_k by X_a for k in X_b); phi_aa adds X_a to N_j for j in X_a, phi_bb
 * alike.  Row j of the Hessian pattern is N_j.  A node contributes only if
 * output 0 depends on it (a reverse pass marks those first), so that
 * nonlinear work feeding other outputs, or nothing, stays out.  Which
 * second partials vanish identically is read from the primitive table
 * itself: a partial written as the literal 0.0 in primitives/ops.def.
 *
 * Sets.  A plain sorted array per variable would cost O(ops * n) for a
 * function that accumulates a sum over all inputs in a loop (each partial
 * sum one longer than the last).  Here a set is a node of a DAG: a leaf
 * holds a sorted array, an inner node is the union of two sets, made in
 * O(1).  Small unions (up to SP_EAGER elements in all) are merged at once
 * into a new leaf, or into nothing new when one set holds the other, so a
 * stencil's sets stay flat leaves; large ones become inner nodes, and a set
 * is flattened only where it is read (an output's row; the left side of a
 * nonlinear interaction), by a depth-first walk that marks the nodes and
 * inputs it has seen (stamps, so no clearing).  The cost is then about
 * the size of the tape plus the size of the patterns.
 *
 * Node kinds.  The scalar primitives are one rule (the union of their
 * arguments; nonlinearity from the table).  Each other kind -- inputs,
 * constants, select, comparisons, the array primitives, custom primitives
 * (every output on every input of the node, nonlinearly) -- has one case in
 * node_fwd (sets and interactions) and one in node_live (which arguments
 * a live result makes live).  A kind that ad__node_shape knows but these
 * switches do not (a future node) is dense: each result depends on every
 * input recorded before it, interacting nonlinearly with all of them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array_node.h"
#include "sparse_impl.h"
#include "tape_impl.h"

/* Unions of leaves with at most this many elements in all are merged at
 * once.  Larger: fewer inner nodes to walk when a set is read; smaller:
 * less memory per node in wide patterns. */
#define SP_EAGER 32

/* The array nodes' argument kinds (modes/reverse/array.c). */
enum { K_RANGE = AD__K_RANGE, K_LIST = AD__K_LIST, K_CONST = AD__K_CONST };

int ad__sp_reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2 / elem)
            return -1;
        nc *= 2;
    }
    void *q = realloc(*p, nc * elem);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = nc;
    return 0;
}

#define RESERVE(p, cap, need)                                                  \
    ad__sp_reserve((void **)&(p), &(cap), (need), sizeof *(p))

/* ---- sets ------------------------------------------------------------------
 */

/* A set: a leaf (l == 0) holding size sorted elements at e[off], or the
 * union of sets l and r (size: an upper bound, saturated). */
typedef struct sset {
    size_t off;
    uint32_t size;
    uint32_t l, r;
    uint32_t stamp; /* the last walk that visited it */
} sset;

typedef struct store {
    sset *s; /* s[0] is the empty set */
    size_t ns, scap;
    uint32_t *e; /* leaves' elements */
    size_t ne, ecap;
    uint32_t walk;  /* stamp of the current walk over sets */
    uint32_t *mark; /* per input: stamp of the walk that collected it */
    size_t nmark;
    uint32_t *stk; /* the walk's stack */
    size_t stkcap;
    uint32_t *buf; /* a flattened set */
    size_t nbuf, bufcap;
    uint32_t first; /* the walk's first nonempty set, */
    int one;        /* and whether every set it added was that one */
    int err;        /* AD_OK, or the first error */
} store;

static int store_init(store *S, size_t ninputs)
{
    memset(S, 0, sizeof *S);
    S->nmark = ninputs;
    S->mark = calloc(ninputs ? ninputs : 1, sizeof *S->mark);
    if (S->mark == NULL || RESERVE(S->s, S->scap, 1024) != 0)
        return AD_ENOMEM;
    memset(&S->s[0], 0, sizeof S->s[0]);
    S->ns = 1;
    return AD_OK;
}

static void store_free(store *S)
{
    free(S->s);
    free(S->e);
    free(S->mark);
    free(S->stk);
    free(S->buf);
}

/* A new set entry, or 0 (and S->err) when out of memory or indices. */
static uint32_t new_set(store *S)
{
    if (S->ns >= UINT32_MAX) {
        S->err = AD_ERANGE;
        return 0;
    }
    if (RESERVE(S->s, S->scap, S->ns + 1) != 0) {
        S->err = AD_ENOMEM;
        return 0;
    }
    memset(&S->s[S->ns], 0, sizeof S->s[S->ns]);
    return (uint32_t)S->ns++;
}

/* A leaf holding the k sorted elements at el (not inside S->e). */
static uint32_t leaf(store *S, const uint32_t *el, size_t k)
{
    if (k == 0)
        return 0;
    if (RESERVE(S->e, S->ecap, S->ne + k) != 0) {
        S->err = AD_ENOMEM;
        return 0;
    }
    uint32_t id = new_set(S);
    if (id == 0)
        return 0;
    memcpy(S->e + S->ne, el, k * sizeof *el);
    S->s[id].off = S->ne;
    S->s[id].size = (uint32_t)k;
    S->ne += k;
    return id;
}

/* X_a union X_b. */
static uint32_t set_union(store *S, uint32_t a, uint32_t b)
{
    if (a == 0 || a == b)
        return b;
    if (b == 0)
        return a;
    const sset *A = &S->s[a], *B = &S->s[b];
    if (A->l == 0 && B->l == 0 && (size_t)A->size + B->size <= SP_EAGER) {
        /* Merge into the free space after the last leaf; commit it only
         * if it is a new set. */
        size_t na = A->size, nb = B->size, k = 0;
        if (RESERVE(S->e, S->ecap, S->ne + na + nb) != 0) {
            S->err = AD_ENOMEM;
            return 0;
        }
        const uint32_t *x = S->e + S->s[a].off, *y = S->e + S->s[b].off;
        uint32_t *o = S->e + S->ne;
        size_t i = 0, j = 0;
        while (i < na && j < nb) {
            uint32_t u = x[i], w = y[j];
            o[k++] = u <= w ? u : w;
            i += u <= w;
            j += w <= u;
        }
        while (i < na)
            o[k++] = x[i++];
        while (j < nb)
            o[k++] = y[j++];
        if (k == na)
            return a;
        if (k == nb)
            return b;
        uint32_t id = new_set(S);
        if (id == 0)
            return 0;
        S->s[id].off = S->ne;
        S->s[id].size = (uint32_t)k;
        S->ne += k;
        return id;
    }
    uint64_t sz = (uint64_t)A->size + B->size;
    uint32_t id = new_set(S);
    if (id == 0)
        return 0;
    S->s[id].l = a;
    S->s[id].r = b;
    S->s[id].size = sz > UINT32_MAX ? UINT32_MAX : (uint32_t)sz;
    return id;
}

/* A walk collects the union of several sets into S->buf: walk_begin, then
 * walk_add for each set, then walk_end (sorts). */
static void walk_begin(store *S)
{
    if (S->walk == UINT32_MAX) {
        /* The stamps wrap: forget every visit. */
        for (size_t i = 0; i < S->ns; i++)
            S->s[i].stamp = 0;
        memset(S->mark, 0, (S->nmark ? S->nmark : 1) * sizeof *S->mark);
        S->walk = 0;
    }
    S->walk++;
    S->nbuf = 0;
    S->first = 0;
    S->one = 1;
}

static void walk_add(store *S, uint32_t h)
{
    if (h == 0)
        return;
    if (S->first == 0)
        S->first = h;
    else if (h != S->first)
        S->one = 0;
    size_t top = 0;
    if (RESERVE(S->stk, S->stkcap, 1) != 0) {
        S->err = AD_ENOMEM;
        return;
    }
    S->stk[top++] = h;
    while (top > 0) {
        sset *x = &S->s[S->stk[--top]];
        if (x->stamp == S->walk)
            continue;
        x->stamp = S->walk;
        if (x->l != 0) {
            if (RESERVE(S->stk, S->stkcap, top + 2) != 0) {
                S->err = AD_ENOMEM;
                return;
            }
            S->stk[top++] = x->r;
            S->stk[top++] = x->l;
            continue;
        }
        if (RESERVE(S->buf, S->bufcap, S->nbuf + x->size) != 0) {
            S->err = AD_ENOMEM;
            return;
        }
        const uint32_t *el = S->e + x->off;
        for (uint32_t i = 0; i < x->size; i++)
            if (S->mark[el[i]] != S->walk) {
                S->mark[el[i]] = S->walk;
                S->buf[S->nbuf++] = el[i];
            }
    }
}

static int cmp_u32(const void *p, const void *q)
{
    uint32_t a = *(const uint32_t *)p, b = *(const uint32_t *)q;
    return (a > b) - (a < b);
}

static void walk_end(store *S)
{
    if (S->nbuf > 1) /* qsort may not be given NULL, even with 0 elements */
        qsort(S->buf, S->nbuf, sizeof *S->buf, cmp_u32);
}

/* The union of the sets added since walk_begin, as one set: the one set
 * added if there was only one, else a new leaf. */
static uint32_t walk_set(store *S)
{
    if (S->one)
        return S->first;
    walk_end(S);
    return leaf(S, S->buf, S->nbuf);
}

/* The elements of set h, sorted: a leaf's own array, or S->buf.  Valid
 * until the store next changes. */
static const uint32_t *flatten(store *S, uint32_t h, size_t *k)
{
    if (h == 0) {
        *k = 0;
        return NULL;
    }
    if (S->s[h].l == 0) {
        *k = S->s[h].size;
        return S->e + S->s[h].off;
    }
    walk_begin(S);
    walk_add(S, h);
    walk_end(S);
    *k = S->nbuf;
    return S->buf;
}

/* ---- the analysis ----------------------------------------------------------
 */

/* Which second partials of each primitive vanish identically: those
 * written as the literal 0.0 in the table. */
typedef struct nonlin {
    unsigned char aa, ab, bb; /* 1: may be nonzero */
} nonlin;

static const char *const d2_text[AD_OP_COUNT][3] = {
#define AD_OP1(N, n, F, V, D1, D2, CV) [AD_OP_##N] = {#D2, "0.0", "0.0"},
#define AD_OP1P                        AD_OP1
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    [AD_OP_##N] = {#DAA, #DAB, #DBB},
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
};

static int nonzero_text(const char *s)
{
    return strcmp(s, "0.0") != 0;
}

typedef struct ctx {
    const ad_tape *t;
    store S;
    uint32_t *vs; /* per variable: its set */
    uint32_t nin; /* inputs seen so far (forward pass) */
    uint32_t all; /* the set {0 .. all_n - 1}, for dense nodes */
    uint32_t all_n;
    /* Hessian only: */
    int hess;
    uint8_t *live; /* per variable: output 0 depends on it */
    uint32_t wm;   /* every variable below wm is live */
    uint32_t *lj;  /* the interactions: N_lj[i] grows by set lh[i] */
    uint32_t *lh;
    size_t nl, lcap, lhcap;
    uint32_t *last; /* per input: the set it was last given */
    nonlin nl_op[AD_OP_COUNT];
} ctx;

static int is_live(const ctx *C, uint32_t v)
{
    return v < C->wm || C->live[v];
}

/* N_j grows by X_b for every j in X_a. */
static void interact(ctx *C, uint32_t a, uint32_t b)
{
    store *S = &C->S;
    if (a == 0 || b == 0)
        return;
    size_t k;
    const uint32_t *el = flatten(S, a, &k);
    if (S->err)
        return;
    if (RESERVE(C->lj, C->lcap, C->nl + k) != 0 ||
        RESERVE(C->lh, C->lhcap, C->nl + k) != 0) {
        S->err = AD_ENOMEM;
        return;
    }
    for (size_t i = 0; i < k; i++) {
        uint32_t j = el[i];
        if (C->last[j] == b)
            continue;
        C->last[j] = b;
        C->lj[C->nl] = j;
        C->lh[C->nl++] = b;
    }
}

/* The set of every input recorded so far. */
static uint32_t all_inputs(ctx *C)
{
    store *S = &C->S;
    if (C->all_n == C->nin)
        return C->all;
    if (RESERVE(S->buf, S->bufcap, C->nin) != 0) {
        S->err = AD_ENOMEM;
        return 0;
    }
    for (uint32_t i = 0; i < C->nin; i++)
        S->buf[i] = i;
    C->all = leaf(S, S->buf, C->nin);
    C->all_n = C->nin;
    return C->all;
}

/* ---- array nodes -----------------------------------------------------------
 */

/* Array nodes, parsed by array.c (array_node.h). */
typedef ad__view aview;
typedef ad__anode anode;

/* The set of element i of v. */
static uint32_t aset(const ctx *C, const aview *v, size_t i)
{
    uint32_t x = ad__view_var(v, i);
    return x ? C->vs[x] : 0;
}

/* The union of the sets of all elements of v (walk open: the caller began
 * it). */
static void add_all(ctx *C, const aview *v)
{
    if (v->kind == K_CONST)
        return;
    for (size_t i = 0; i < v->k; i++)
        walk_add(&C->S, aset(C, v, i));
}

/* GEMV: the index into A of output o's term e. */
static size_t gemv_ia(const anode *d, size_t o, size_t e)
{
    return d->trans ? e * d->n + o : o * d->n + e;
}

static void array_fwd(ctx *C, unsigned code, const uint32_t *a, uint32_t r)
{
    store *S = &C->S;
    anode d;
    ad__array_parse(code, a, NULL, &d);
    const aview *v = d.v;
    int hess = C->hess;
    switch (code) {
    case AD__OP_DOT:
        if (hess && is_live(C, r) && v[0].kind != K_CONST &&
            v[1].kind != K_CONST)
            for (size_t i = 0; i < d.n; i++) {
                interact(C, aset(C, &v[0], i), aset(C, &v[1], i));
                interact(C, aset(C, &v[1], i), aset(C, &v[0], i));
            }
        walk_begin(S);
        add_all(C, &v[0]);
        add_all(C, &v[1]);
        C->vs[r] = walk_set(S);
        break;
    case AD__OP_SUM:
        walk_begin(S);
        add_all(C, &v[0]);
        C->vs[r] = walk_set(S);
        break;
    case AD__OP_AXPY: {
        uint32_t xa = aset(C, &v[0], 0);
        if (hess && xa != 0 && v[1].kind != K_CONST) {
            /* a x_i for the live results: a with the union of those x_i. */
            walk_begin(S);
            for (size_t i = 0; i < d.n; i++)
                if (is_live(C, r + (uint32_t)i))
                    walk_add(S, aset(C, &v[1], i));
            uint32_t xs = walk_set(S);
            interact(C, xa, xs);
            interact(C, xs, xa);
        }
        for (size_t i = 0; i < d.n; i++)
            C->vs[r + i] = set_union(S, set_union(S, xa, aset(C, &v[1], i)),
                                     aset(C, &v[2], i));
        break;
    }
    case AD__OP_GEMV: {
        size_t ny = d.nres, nx = d.trans ? d.m : d.n;
        if (hess && v[0].kind != K_CONST && v[1].kind != K_CONST) {
            /* Term A(o,e) x_e of a live output o: A(o,e) with x_e, and
             * x_e with the union over live o of A(o,e). */
            for (size_t e = 0; e < nx; e++) {
                uint32_t xe = aset(C, &v[1], e);
                if (xe == 0)
                    continue;
                walk_begin(S);
                for (size_t o = 0; o < ny; o++)
                    if (is_live(C, r + (uint32_t)o))
                        walk_add(S, aset(C, &v[0], gemv_ia(&d, o, e)));
                uint32_t col = walk_set(S);
                interact(C, xe, col);
                for (size_t o = 0; o < ny; o++)
                    if (is_live(C, r + (uint32_t)o))
                        interact(C, aset(C, &v[0], gemv_ia(&d, o, e)), xe);
            }
        }
        walk_begin(S);
        add_all(C, &v[1]);
        uint32_t xs = walk_set(S);
        for (size_t o = 0; o < ny; o++) {
            uint32_t ar = 0;
            if (v[0].kind != K_CONST) {
                walk_begin(S);
                for (size_t e = 0; e < nx; e++)
                    walk_add(S, aset(C, &v[0], gemv_ia(&d, o, e)));
                ar = walk_set(S);
            }
            C->vs[r + o] =
                set_union(S, set_union(S, ar, xs), aset(C, &v[2], o));
        }
        break;
    }
    case AD__OP_CUSTOM: {
        /* User code (custom.h): every output may depend on every input,
         * nonlinearly. */
        walk_begin(S);
        add_all(C, &v[0]);
        uint32_t xs = walk_set(S);
        int live = 0;
        for (size_t i = 0; i < d.nres; i++) {
            C->vs[r + i] = xs;
            live |= hess && is_live(C, r + (uint32_t)i);
        }
        if (live)
            interact(C, xs, xs);
        break;
    }
    default: /* AD__OP_MAP */ {
        int nl = d.op < AD_OP_COUNT && C->nl_op[d.op].aa;
        for (size_t i = 0; i < d.n; i++) {
            uint32_t xi = aset(C, &v[0], i);
            if (hess && nl && is_live(C, r + (uint32_t)i))
                interact(C, xi, xi);
            C->vs[r + i] = xi;
        }
        break;
    }
    }
}

static void mark(ctx *C, uint32_t v)
{
    if (v != 0)
        C->live[v] = 1;
}

static void mark_all(ctx *C, const aview *v)
{
    if (v->kind != K_CONST)
        for (size_t i = 0; i < v->k; i++)
            mark(C, ad__view_var(v, i));
}

static void array_live(ctx *C, unsigned code, const uint32_t *a, uint32_t r)
{
    anode d;
    ad__array_parse(code, a, NULL, &d);
    const aview *v = d.v;
    switch (code) {
    case AD__OP_DOT:
    case AD__OP_SUM:
        if (is_live(C, r)) {
            mark_all(C, &v[0]);
            if (code == AD__OP_DOT)
                mark_all(C, &v[1]);
        }
        break;
    case AD__OP_AXPY:
        for (size_t i = 0; i < d.n; i++)
            if (is_live(C, r + (uint32_t)i)) {
                mark(C, ad__view_var(&v[0], 0));
                mark(C, ad__view_var(&v[1], i));
                mark(C, ad__view_var(&v[2], i));
            }
        break;
    case AD__OP_GEMV: {
        size_t nx = d.trans ? d.m : d.n;
        int any = 0;
        for (size_t o = 0; o < d.nres; o++)
            if (is_live(C, r + (uint32_t)o)) {
                any = 1;
                mark(C, ad__view_var(&v[2], o));
                for (size_t e = 0; e < nx && v[0].kind != K_CONST; e++)
                    mark(C, ad__view_var(&v[0], gemv_ia(&d, o, e)));
            }
        if (any)
            mark_all(C, &v[1]);
        break;
    }
    case AD__OP_CUSTOM:
        for (size_t i = 0; i < d.nres; i++)
            if (is_live(C, r + (uint32_t)i)) {
                mark_all(C, &v[0]);
                break;
            }
        break;
    default: /* AD__OP_MAP */
        for (size_t i = 0; i < d.n; i++)
            if (is_live(C, r + (uint32_t)i))
                mark(C, ad__view_var(&v[0], i));
        break;
    }
}

/* ---- one node --------------------------------------------------------------
 */

/* Forward: the sets of the results of the node (op byte op, args a with na
 * words, first result r, nres results), and in a Hessian pass its
 * nonlinear interactions if output 0 depends on it. */
static void node_fwd(ctx *C, unsigned op, const uint32_t *a, size_t na,
                     uint32_t r, size_t nres)
{
    store *S = &C->S;
    unsigned code = op & AD__CODE, var = op & ~AD__CODE;
    if (code < AD_OP_COUNT) {
        /* A primitive: its arguments are variables. */
        uint32_t x = C->vs[a[0]], y = na > 1 ? C->vs[a[1]] : 0;
        if (C->hess && is_live(C, r)) {
            const nonlin *q = &C->nl_op[code];
            if (na > 1) {
                if (q->aa)
                    interact(C, x, x);
                if (q->bb)
                    interact(C, y, y);
                if (q->ab) {
                    interact(C, x, y);
                    interact(C, y, x);
                }
            } else if (var == AD__CX ? q->bb : q->aa)
                /* One active argument: the first operand, or the second
                 * when the first is the constant. */
                interact(C, x, x);
        }
        C->vs[r] = set_union(S, x, y);
        return;
    }
    switch (code) {
    case AD__OP_INDEP: {
        uint32_t j = C->nin++;
        C->vs[r] = leaf(S, &j, 1);
        return;
    }
    case AD__OP_INDEPS:
        for (uint32_t i = 0; i < a[0]; i++) {
            uint32_t j = C->nin++;
            C->vs[r + i] = leaf(S, &j, 1);
        }
        return;
    case AD__OP_CONST:
        C->vs[r] = 0;
        return;
    case AD__OP_SELECT:
        /* Either branch may be taken at another point; the condition
         * steers but has no derivative. */
        C->vs[r] = set_union(S, C->vs[a[1]], C->vs[a[2]]);
        return;
    case AD__OP_LT:
    case AD__OP_LE:
    case AD__OP_GT:
    case AD__OP_GE:
    case AD__OP_EQ:
        return;
    case AD__OP_DOT:
    case AD__OP_SUM:
    case AD__OP_AXPY:
    case AD__OP_GEMV:
    case AD__OP_MAP:
    case AD__OP_CUSTOM:
        array_fwd(C, code, a, r);
        return;
    default: {
        /* Unknown to this analysis: every result depends on every input so
         * far, with every nonlinear interaction among them. */
        uint32_t all = all_inputs(C);
        int live = 0;
        for (size_t i = 0; i < nres; i++) {
            C->vs[r + i] = all;
            live |= C->hess && is_live(C, r + (uint32_t)i);
        }
        if (live)
            interact(C, all, all);
        return;
    }
    }
}

/* Reverse: marks the arguments that a live result of the node depends on. */
static void node_live(ctx *C, unsigned op, const uint32_t *a, size_t na,
                      uint32_t r, size_t nres)
{
    unsigned code = op & AD__CODE;
    if (code < AD_OP_COUNT) {
        if (is_live(C, r))
            for (size_t i = 0; i < na; i++)
                mark(C, a[i]);
        return;
    }
    switch (code) {
    case AD__OP_INDEP:
    case AD__OP_INDEPS:
    case AD__OP_CONST:
    case AD__OP_LT:
    case AD__OP_LE:
    case AD__OP_GT:
    case AD__OP_GE:
    case AD__OP_EQ:
        return;
    case AD__OP_SELECT:
        if (is_live(C, r)) {
            mark(C, a[1]);
            mark(C, a[2]);
        }
        return;
    case AD__OP_DOT:
    case AD__OP_SUM:
    case AD__OP_AXPY:
    case AD__OP_GEMV:
    case AD__OP_MAP:
    case AD__OP_CUSTOM:
        array_live(C, code, a, r);
        return;
    default:
        /* Unknown: a live result makes everything before it live. */
        for (size_t i = 0; i < nres; i++)
            if (is_live(C, r + (uint32_t)i) && r > C->wm)
                C->wm = r;
        return;
    }
}

/* ---- walking the tape ------------------------------------------------------
 */

static int walk_forward(ctx *C)
{
    const ad_tape *t = C->t;
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op, *end = sg->op + sg->nop;
        const uint32_t *a = sg->arg, *aend = sg->arg + sg->narg;
        uint32_t r = sg->var0;
        for (; op < end; op++) {
            size_t na, nc, nres;
            if (ad__node_shape(*op, a, (size_t)(aend - a), &na, &nc, &nres) !=
                    0 ||
                na > (size_t)(aend - a))
                return AD_EUNSUPPORTED;
            node_fwd(C, *op, a, na, r, nres);
            if (C->S.err)
                return C->S.err;
            a += na;
            r += (uint32_t)nres;
        }
    }
    return AD_OK;
}

/* Steps *a back over the arguments of the node with op byte op whose
 * arguments end at *a (a0: the segment's first).  Scalar nodes have a
 * fixed size; INDEPS two words; array nodes (and, by the same convention,
 * future ones) end with their length. */
static int node_back(uint8_t op, const uint32_t *a0, const uint32_t **a,
                     size_t *na, size_t *nres)
{
    size_t nc, len;
    if (ad__node_shape(op, NULL, 0, na, &nc, nres) == 0) {
        if (*na > (size_t)(*a - a0))
            return -1;
        *a -= *na;
        return 0;
    }
    if (*a == a0)
        return -1;
    len = (op & AD__CODE) == AD__OP_INDEPS ? 2 : (*a)[-1];
    if (len > (size_t)(*a - a0))
        return -1;
    *a -= len;
    if (ad__node_shape(op, *a, len, na, &nc, nres) != 0 || *na != len)
        return -1;
    return 0;
}

static int walk_reverse(ctx *C)
{
    const ad_tape *t = C->t;
    for (size_t k = t->nseg; k-- > 0;) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op + sg->nop;
        const uint32_t *a = sg->arg + sg->narg;
        uint32_t r = sg->var0 + sg->nvar;
        while (op > sg->op) {
            size_t na, nres;
            uint8_t o = *--op;
            if (node_back(o, sg->arg, &a, &na, &nres) != 0 || nres > r)
                return AD_EUNSUPPORTED;
            r -= (uint32_t)nres;
            node_live(C, o, a, na, r, nres);
        }
    }
    return AD_OK;
}

/* ---- the patterns ----------------------------------------------------------
 */

static int check_tape(const ad_tape *t, void *out)
{
    if (t == NULL || out == NULL || !t->done || t->recording)
        return AD_EINVAL;
    if (t->n > UINT32_MAX)
        return AD_ERANGE;
    return AD_OK;
}

static int ctx_init(ctx *C, const ad_tape *t)
{
    memset(C, 0, sizeof *C);
    C->t = t;
    int rc = store_init(&C->S, t->n);
    if (rc != AD_OK)
        return rc;
    C->vs = calloc(t->nvar ? t->nvar : 1, sizeof *C->vs);
    return C->vs != NULL ? AD_OK : AD_ENOMEM;
}

static void ctx_free(ctx *C)
{
    store_free(&C->S);
    free(C->vs);
    free(C->live);
    free(C->lj);
    free(C->lh);
    free(C->last);
}

/* Appends row (k sorted elements) to the pattern being built. */
static int put_row(ad_pattern *P, size_t *cap, size_t i, const uint32_t *el,
                   size_t k)
{
    if (RESERVE(P->col, *cap, P->nnz + k + 1) != 0)
        return AD_ENOMEM;
    for (size_t e = 0; e < k; e++)
        P->col[P->nnz++] = el[e];
    P->rowptr[i + 1] = P->nnz;
    return AD_OK;
}

int ad_tape_sparsity(ad_tape *t, ad_pattern **J)
{
    int rc = check_tape(t, J);
    if (rc != AD_OK)
        return rc;
    *J = NULL;
    ctx C;
    ad_pattern *P = NULL;
    size_t cap = 0;
    rc = ctx_init(&C, t);
    if (rc == AD_OK)
        rc = walk_forward(&C);
    if (rc == AD_OK) {
        P = ad_pattern_new(t->m, t->n, 0);
        rc = P != NULL ? AD_OK : AD_ENOMEM;
    }
    for (size_t i = 0; rc == AD_OK && i < t->m; i++) {
        size_t k;
        const uint32_t *el = flatten(&C.S, t->dep[i] ? C.vs[t->dep[i]] : 0, &k);
        rc = C.S.err ? C.S.err : put_row(P, &cap, i, el, k);
    }
    ctx_free(&C);
    if (rc != AD_OK) {
        ad_pattern_free(P);
        return rc;
    }
    *J = P;
    return AD_OK;
}

int ad_tape_hessian_sparsity(ad_tape *t, ad_pattern **H)
{
    int rc = check_tape(t, H);
    if (rc != AD_OK)
        return rc;
    if (t->m == 0)
        return AD_EINVAL;
    *H = NULL;
    ctx C;
    ad_pattern *P = NULL;
    size_t cap = 0, n = t->n, *start = NULL;
    uint32_t *hs = NULL;
    rc = ctx_init(&C, t);
    if (rc == AD_OK) {
        C.hess = 1;
        C.live = calloc(t->nvar ? t->nvar : 1, 1);
        C.last = calloc(n ? n : 1, sizeof *C.last);
        if (C.live == NULL || C.last == NULL)
            rc = AD_ENOMEM;
    }
    if (rc == AD_OK) {
        for (int op = 0; op < AD_OP_COUNT; op++) {
            C.nl_op[op].aa = (unsigned char)nonzero_text(d2_text[op][0]);
            C.nl_op[op].ab = (unsigned char)nonzero_text(d2_text[op][1]);
            C.nl_op[op].bb = (unsigned char)nonzero_text(d2_text[op][2]);
        }
        mark(&C, t->dep[0]);
        rc = walk_reverse(&C);
    }
    if (rc == AD_OK)
        rc = walk_forward(&C);
    /* Row j of H: the union of the sets input j was given, gathered by a
     * counting sort of the interactions on j. */
    if (rc == AD_OK) {
        start = calloc(n + 1, sizeof *start);
        hs = malloc((C.nl ? C.nl : 1) * sizeof *hs);
        P = ad_pattern_new(n, n, 0);
        if (start == NULL || hs == NULL || P == NULL)
            rc = AD_ENOMEM;
    }
    if (rc == AD_OK) {
        for (size_t i = 0; i < C.nl; i++)
            start[C.lj[i] + 1]++;
        for (size_t j = 0; j < n; j++)
            start[j + 1] += start[j];
        for (size_t i = 0; i < C.nl; i++)
            hs[start[C.lj[i]]++] = C.lh[i];
        for (size_t j = n; j > 0; j--)
            start[j] = start[j - 1];
        start[0] = 0;
    }
    for (size_t j = 0; rc == AD_OK && j < n; j++) {
        walk_begin(&C.S);
        for (size_t i = start[j]; i < start[j + 1]; i++)
            walk_add(&C.S, hs[i]);
        walk_end(&C.S);
        rc = C.S.err ? C.S.err : put_row(P, &cap, j, C.S.buf, C.S.nbuf);
    }
    free(start);
    free(hs);
    ctx_free(&C);
    if (rc != AD_OK) {
        ad_pattern_free(P);
        return rc;
    }
    *H = P;
    return AD_OK;
}

int ad_sparsity(const ad_fn *f, const double *x, ad_pattern **J)
{
    if (J == NULL)
        return AD_EINVAL;
    ad_tape *t = NULL;
    int rc = ad__sp_record(f, x, &t);
    return rc == AD_OK ? ad_tape_sparsity(t, J) : rc;
}

int ad_hessian_sparsity(const ad_fn *f, const double *x, ad_pattern **H)
{
    if (H == NULL)
        return AD_EINVAL;
    ad_tape *t = NULL;
    int rc = ad__sp_record(f, x, &t);
    return rc == AD_OK ? ad_tape_hessian_sparsity(t, H) : rc;
}
