/* array.c -- the array primitives on ad_var: recording one node per call,
 * and the node's forward (value, tangents) and reverse (adjoints) rules.
 *
 * A node's layout is in array_node.h (a CUSTOM node's id is the op's place
 * in the tape's list of custom ops); a range of variables lies in one run
 * of memory.  The results are nres consecutive variables in one run of memory,
 * so the values of a range, the constants and the results are plain arrays and
 * CBLAS does the work; lists are gathered into scratch first.
 *
 * The rules are those of the linear algebra: for y = A x + y0,
 * dot y = dot A x + A dot x + dot y0 forward, and bar x += A^T bar y,
 * bar A += bar y x^T, bar y0 += bar y in reverse (Giles, "Collected matrix
 * derivative results for forward and reverse mode AD", 2008).  A custom
 * node's rules are its callbacks (custom.h). */
#include <gsl/gsl_cblas.h>
#include <stdlib.h>
#include <string.h>

#include "admix/array.h"
#include "array_node.h"
#include "tape_impl.h"

enum { K_RANGE = AD__K_RANGE, K_LIST = AD__K_LIST, K_CONST = AD__K_CONST };

typedef ad__view view;

static const uint32_t *view_parse(const uint32_t *a, const double **c, size_t k,
                                  view *v)
{
    v->kind = a[0];
    v->k = k;
    /* The fields of the other kinds are set too: the sweeps' loops read
     * them only under their kind's test, but an optimiser may load them
     * early (valgrind then sees uninitialised values). */
    v->first = 0;
    v->idx = NULL;
    v->cst = NULL;
    switch (v->kind) {
    case K_RANGE:
        v->first = a[1];
        return a + 2;
    case K_LIST:
        v->idx = a + 1;
        return a + 1 + k;
    default:
        if (*c != NULL) {
            v->cst = *c;
            *c += k;
        }
        return a + 1;
    }
}

static uint32_t view_index(const view *v, size_t i)
{
    return ad__view_var(v, i);
}

/* The values of v as one array: in place, or gathered into buf. */
static const double *view_vals(const ad__sweep *s, const view *v, double *buf)
{
    double **vt = s->vt;
    switch (v->kind) {
    case K_RANGE:
        return &AD__V(vt, v->first);
    case K_LIST:
        for (size_t i = 0; i < v->k; i++)
            buf[i] = AD__V(vt, v->idx[i]);
        return buf;
    default:
        return v->cst;
    }
}

static double view_tan(const ad__sweep *s, const view *v, size_t i, size_t l)
{
    if (v->kind == K_CONST)
        return 0.0;
    return s->tan[(size_t)view_index(v, i) * s->q + l];
}

/* Lane l of the adjoints of v += alpha u (u with stride incu). */
static void view_adj_axpy(ad__sweep *s, const view *v, size_t l, double alpha,
                          const double *u, size_t incu)
{
    size_t q = s->q;
    if (v->kind == K_CONST || alpha == 0.0 || v->k == 0)
        return;
    if (v->kind == K_RANGE) {
        cblas_daxpy((int)v->k, alpha, u, (int)incu,
                    s->adj + (size_t)v->first * q + l, (int)q);
        return;
    }
    for (size_t i = 0; i < v->k; i++)
        s->adj[(size_t)v->idx[i] * q + l] += alpha * u[i * incu];
}

/* Lane l of the adjoints of results r .. r + k - 1 into w, cleared. */
static int take_adj(ad__sweep *s, uint32_t r, size_t k, size_t l, double *w)
{
    size_t q = s->q;
    int any = 0;
    for (size_t i = 0; i < k; i++) {
        double *p = &s->adj[((size_t)r + i) * q + l];
        w[i] = *p;
        *p = 0.0;
        any |= w[i] != 0.0;
    }
    return any;
}

/* With one tangent lane and no list among its arrays, a node's tangents lie
 * in place: the tangents of a range are an array (BLAS takes them), those
 * of constants are zero (NULL from view_tans). */
static int one_lane_ranges(const ad__sweep *s, const ad__anode *d)
{
    if (s->q != 1)
        return 0;
    for (int j = 0; j < d->nv; j++)
        if (d->v[j].kind == K_LIST)
            return 0;
    return 1;
}

/* Lane l of the tangents of v as one array: in place (a range, one lane),
 * NULL (constants: zero) or gathered into buf (v->k entries). */
static const double *view_tans(const ad__sweep *s, const view *v, size_t l,
                               double *buf)
{
    if (v->kind == K_CONST)
        return NULL;
    if (v->kind == K_RANGE && s->q == 1)
        return s->tan + v->first;
    for (size_t i = 0; i < v->k; i++)
        buf[i] = view_tan(s, v, i, l);
    return buf;
}

/* ---- map: the unary primitives' rules over an array --------------------- */

/* out[i * inc] (+)= f'(x_i) t[i * inc]: the chain rule of map, forward
 * (t tangents, out set) or reverse (t adjoints, out accumulated). */
static void map_chain(unsigned op, size_t n, const double *x, const double *y,
                      const double *t, size_t tinc, double *out,
                      const uint32_t *oidx, uint32_t ofirst, size_t oinc,
                      int acc)
{
    switch (op) {
#define AD_OP1(N, nm, F, ...)                                                  \
    case AD_OP_##N:                                                            \
        for (size_t i = 0; i < n; i++) {                                       \
            double p = ad__##nm##_d1(x[i], 0.0, y[i]);                         \
            /* Reverse: a zero adjoint adds 0 whatever the partial. */         \
            double d = acc ? ad__chain_guarded(p, t[i * tinc])                 \
                           : ad__chain(F, p, t[i * tinc]);                     \
            size_t o = (size_t)(oidx ? oidx[i] : ofirst + i) * oinc;           \
            if (acc)                                                           \
                out[o] += d;                                                   \
            else                                                               \
                out[o] = d;                                                    \
        }                                                                      \
        break;
#define AD_OP1P(...)
#define AD_OP2(...)
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
    }
}

/* ---- the rules ---------------------------------------------------------- */

typedef ad__anode node;

void ad__array_parse(unsigned code, const uint32_t *arg, const double *cst,
                     ad__anode *d)
{
    const uint32_t *a = arg + 3;
    const double *c = cst;
    d->nres = arg[1];
    d->trans = 0;
    d->op = 0;
    d->m = 0;
    switch (code) {
    case AD__OP_DOT:
        d->n = a[0];
        d->nv = 2;
        a = view_parse(a + 1, &c, d->n, &d->v[0]);
        view_parse(a, &c, d->n, &d->v[1]);
        break;
    case AD__OP_SUM:
        d->n = a[0];
        d->nv = 1;
        view_parse(a + 1, &c, d->n, &d->v[0]);
        break;
    case AD__OP_AXPY:
        d->n = a[0];
        d->nv = 3;
        a = view_parse(a + 1, &c, 1, &d->v[0]);
        a = view_parse(a, &c, d->n, &d->v[1]);
        view_parse(a, &c, d->n, &d->v[2]);
        break;
    case AD__OP_GEMV:
        d->trans = a[0];
        d->m = a[1];
        d->n = a[2];
        d->nv = 3;
        a = view_parse(a + 3, &c, d->m * d->n, &d->v[0]);
        a = view_parse(a, &c, d->trans ? d->m : d->n, &d->v[1]);
        view_parse(a, &c, d->trans ? d->n : d->m, &d->v[2]);
        break;
    default: /* AD__OP_MAP and AD__OP_CUSTOM: [op or id, n] x */
        d->op = a[0];
        d->n = a[1];
        d->nv = 1;
        view_parse(a + 2, &c, d->n, &d->v[0]);
        break;
    }
}

/* Keeps the first failure of a custom node's callback. */
static void note(ad__sweep *s, int rc)
{
    if (rc != AD_OK && s->err == AD_OK)
        s->err = rc;
}

/* A custom node's callback status; on failure out[0..k) is NaN. */
static int custom_rc(ad__sweep *s, int rc, double *out, size_t k)
{
    rc = ad__custom_status(rc);
    if (rc != AD_OK)
        ad__nan_fill(out, k);
    note(s, rc);
    return rc;
}

/* Parses the node and finds its arrays' values (in place, or gathered into
 * s->tmp); returns the scratch left after them. */
static double *parse_vals(const ad__sweep *s, unsigned code,
                          const uint32_t *arg, const double *cst, node *d,
                          const double *val[3])
{
    ad__array_parse(code, arg, cst, d);
    double *buf = s->tmp;
    for (int j = 0; j < d->nv; j++) {
        val[j] = view_vals(s, &d->v[j], buf);
        buf += d->v[j].k;
    }
    return buf;
}

/* Lane l of dot y = dot y0 + op(dot A) x + op(A) dot x into ty (nres
 * entries); buf: room for the lane's tangents of A, x and y0 (their k). */
static void gemv_tangent(const ad__sweep *s, const node *d,
                         const double *const val[3], size_t l, double *buf,
                         double *ty)
{
    const view *v = d->v;
    const double *tA = view_tans(s, &v[0], l, buf);
    const double *tx = view_tans(s, &v[1], l, buf + v[0].k);
    const double *ty0 = view_tans(s, &v[2], l, buf + v[0].k + v[1].k);
    int m = (int)d->m, n = (int)d->n;
    enum CBLAS_TRANSPOSE tr = d->trans ? CblasTrans : CblasNoTrans;
    if (ty0 != NULL)
        memcpy(ty, ty0, d->nres * sizeof *ty);
    else
        memset(ty, 0, d->nres * sizeof *ty);
    if (m == 0 || n == 0)
        return;
    if (tA != NULL)
        cblas_dgemv(CblasRowMajor, tr, m, n, 1.0, tA, n, val[1], 1, 1.0, ty, 1);
    if (tx != NULL)
        cblas_dgemv(CblasRowMajor, tr, m, n, 1.0, val[0], n, tx, 1, 1.0, ty, 1);
}

void ad__array_forward(ad__sweep *s, unsigned code, const uint32_t *arg,
                       const double *cst, uint32_t r, int replay)
{
    node d;
    ad__array_parse(code, arg, cst, &d);
    size_t q = s->q;
    double **vt = s->vt, *T = s->tan, *buf = s->tmp;
    const double *val[3];
    for (int j = 0; j < d.nv; j++) {
        val[j] = view_vals(s, &d.v[j], buf);
        buf += d.v[j].k;
    }
    double *out = &AD__V(vt, r);
    size_t n = d.n, m = d.m;
    switch (code) {
    case AD__OP_DOT:
        if (replay)
            *out = n ? cblas_ddot((int)n, val[0], 1, val[1], 1) : 0.0;
        for (size_t l = 0; l < q; l++) {
            double t = 0.0;
            for (size_t i = 0; i < n; i++)
                t += view_tan(s, &d.v[0], i, l) * val[1][i] +
                     val[0][i] * view_tan(s, &d.v[1], i, l);
            T[(size_t)r * q + l] = t;
        }
        break;
    case AD__OP_SUM:
        if (replay) {
            double t = 0.0;
            for (size_t i = 0; i < n; i++)
                t += val[0][i];
            *out = t;
        }
        for (size_t l = 0; l < q; l++) {
            double t = 0.0;
            for (size_t i = 0; i < n; i++)
                t += view_tan(s, &d.v[0], i, l);
            T[(size_t)r * q + l] = t;
        }
        break;
    case AD__OP_AXPY: {
        double a = val[0][0];
        if (replay)
            for (size_t i = 0; i < n; i++)
                out[i] = a * val[1][i] + val[2][i];
        for (size_t l = 0; l < q; l++) {
            double ta = view_tan(s, &d.v[0], 0, l);
            for (size_t i = 0; i < n; i++)
                T[((size_t)r + i) * q + l] = ta * val[1][i] +
                                             a * view_tan(s, &d.v[1], i, l) +
                                             view_tan(s, &d.v[2], i, l);
        }
        break;
    }
    case AD__OP_GEMV: {
        size_t ny = d.nres;
        if (replay) {
            memcpy(out, val[2], ny * sizeof *out);
            if (m > 0 && n > 0)
                cblas_dgemv(CblasRowMajor, d.trans ? CblasTrans : CblasNoTrans,
                            (int)m, (int)n, 1.0, val[0], (int)n, val[1], 1, 1.0,
                            out, 1);
        }
        /* Lane by lane, on the lane's tangents as arrays (the scratch holds
         * them after the values: the k of each array, then ny). */
        if (q == 1) {
            gemv_tangent(s, &d, val, 0, buf, T + r);
            break;
        }
        double *u = buf + d.v[0].k + d.v[1].k + d.v[2].k;
        for (size_t l = 0; l < q; l++) {
            gemv_tangent(s, &d, val, l, buf, u);
            for (size_t o = 0; o < ny; o++)
                T[((size_t)r + o) * q + l] = u[o];
        }
        break;
    }
    case AD__OP_CUSTOM: {
        const ad_custom *op = s->t->custom[d.op];
        size_t ny = d.nres;
        double *v = buf, *jv = buf + n;
        if (replay)
            custom_rc(s, op->value(op->ctx, n, val[0], ny, out), out, ny);
        for (size_t l = 0; l < q; l++) {
            for (size_t i = 0; i < n; i++)
                v[i] = view_tan(s, &d.v[0], i, l);
            custom_rc(s, op->jvp(op->ctx, n, val[0], out, v, ny, jv), jv, ny);
            for (size_t o = 0; o < ny; o++)
                T[((size_t)r + o) * q + l] = jv[o];
        }
        break;
    }
    default: /* AD__OP_MAP */
        if (replay)
            ad_double_map((int)d.op, n, val[0], out); /* op checked */
        for (size_t l = 0; l < q; l++) {
            /* The tangents of x, gathered, then f' times them. */
            for (size_t i = 0; i < n; i++)
                buf[i] = view_tan(s, &d.v[0], i, l);
            map_chain(d.op, n, val[0], out, buf, 1, T + l, NULL, r, q, 0);
        }
        break;
    }
}

void ad__array_reverse(ad__sweep *s, unsigned code, const uint32_t *arg,
                       const double *cst, uint32_t r)
{
    node d;
    ad__array_parse(code, arg, cst, &d);
    size_t q = s->q;
    double *buf = s->tmp;
    const double *val[3];
    for (int j = 0; j < d.nv; j++) {
        val[j] = view_vals(s, &d.v[j], buf);
        buf += d.v[j].k;
    }
    double *w = buf, *u = buf + d.nres;
    size_t n = d.n, m = d.m;
    for (size_t l = 0; l < q; l++) {
        if (!take_adj(s, r, d.nres, l, w))
            continue;
        switch (code) {
        case AD__OP_DOT:
            view_adj_axpy(s, &d.v[0], l, w[0], val[1], 1);
            view_adj_axpy(s, &d.v[1], l, w[0], val[0], 1);
            break;
        case AD__OP_SUM:
            for (size_t i = 0; i < n && d.v[0].kind != K_CONST; i++)
                s->adj[(size_t)view_index(&d.v[0], i) * q + l] += w[0];
            break;
        case AD__OP_AXPY: {
            double da = cblas_ddot((int)n, w, 1, val[1], 1);
            view_adj_axpy(s, &d.v[0], l, 1.0, &da, 1);
            view_adj_axpy(s, &d.v[1], l, val[0][0], w, 1);
            view_adj_axpy(s, &d.v[2], l, 1.0, w, 1);
            break;
        }
        case AD__OP_GEMV: {
            size_t nx = d.trans ? m : n;
            const view *A = &d.v[0], *x = &d.v[1];
            view_adj_axpy(s, &d.v[2], l, 1.0, w, 1);
            /* bar x += op(A)^T w */
            if (x->kind != K_CONST && m > 0 && n > 0) {
                enum CBLAS_TRANSPOSE tr = d.trans ? CblasNoTrans : CblasTrans;
                if (x->kind == K_RANGE)
                    cblas_dgemv(CblasRowMajor, tr, (int)m, (int)n, 1.0, val[0],
                                (int)n, w, 1, 1.0,
                                s->adj + (size_t)x->first * q + l, (int)q);
                else {
                    memset(u, 0, nx * sizeof *u);
                    cblas_dgemv(CblasRowMajor, tr, (int)m, (int)n, 1.0, val[0],
                                (int)n, w, 1, 1.0, u, 1);
                    view_adj_axpy(s, x, l, 1.0, u, 1);
                }
            }
            /* bar A += w x^T (or x w^T): row i of A gets a_i times b. */
            if (A->kind != K_CONST && m > 0 && n > 0) {
                const double *ra = d.trans ? val[1] : w,
                             *cb = d.trans ? w : val[1];
                if (A->kind == K_RANGE && q == 1)
                    cblas_dger(CblasRowMajor, (int)m, (int)n, 1.0, ra, 1, cb, 1,
                               s->adj + A->first, (int)n);
                else
                    for (size_t i = 0; i < m; i++)
                        for (size_t j = 0; j < n; j++)
                            s->adj[(size_t)view_index(A, i * n + j) * q + l] +=
                                ra[i] * cb[j];
            }
            break;
        }
        case AD__OP_CUSTOM: {
            const ad_custom *op = s->t->custom[d.op];
            const double *y = &AD__V(s->vt, r);
            if (d.v[0].kind == K_CONST)
                break;
            custom_rc(s, op->vjp(op->ctx, n, val[0], y, w, d.nres, u), u, n);
            view_adj_axpy(s, &d.v[0], l, 1.0, u, 1);
            break;
        }
        default: /* AD__OP_MAP */
            if (d.v[0].kind != K_CONST)
                map_chain(d.op, n, val[0], &AD__V(s->vt, r), w, 1, s->adj + l,
                          d.v[0].kind == K_LIST ? d.v[0].idx : NULL,
                          d.v[0].first, q, 1);
            break;
        }
    }
}

/* ---- recording ---------------------------------------------------------- */

/* One input array of a node being recorded. */
typedef struct input {
    const ad_var *p;
    size_t k;
    unsigned kind;
    uint32_t *list; /* K_LIST made of a mixed array: the activated indices */
} input;

static size_t desc_words(const input *in)
{
    return in->kind == K_RANGE ? 2 : in->kind == K_LIST ? 1 + in->k : 1;
}

/* Records a node: returns 1 (recorded; out[0 .. nres-1] are its results), 0
 * (nothing to record: not recording, or every input constant) or an error
 * (the recording's, now sticky).  extra: scratch doubles the node's rules
 * need beyond the usual; *status (if not NULL): a custom node's value
 * callback's status. */
static int record(unsigned code, const uint32_t *hdr, size_t nhdr, input *in,
                  int nin, size_t nres, ad_var *out, size_t extra, int *status)
{
    ad__rec *R = ad__rec_active();
    if (R == NULL)
        return 0;
    ad_tape *t = R->tape;
    size_t words = 4 + nhdr, ncst = 0, tmp = 2 * nres + 2 + extra, nact_all = 0;
    int rc = AD_OK;
    /* One branch-free pass over each array: a variable of another
     * recording, the number of active elements, and whether the indices
     * are consecutive. */
    size_t nact[3];
    int consec[3];
    for (int j = 0; j < nin; j++) {
        const ad_var *p = in[j].p;
        uint32_t tag = R->tag, i0 = in[j].k ? p[0].i : 0;
        unsigned bad = 0, cons = 1;
        size_t na = 0;
        /* The common case first: variables of this recording with
         * consecutive indices, checked branch-free a block at a time, one
         * word per element (tests per element made this scan cost about as
         * much as the node's arithmetic on a big array). */
        size_t k = in[j].k, b = 0;
        unsigned all = k > 0;
        uint64_t key = ad__var_key(i0, tag), step = ad__var_key(1, 0);
        for (; b < k && all; b += 256) {
            size_t e = k - b < 256 ? k : b + 256, i = b;
            uint64_t diff = 0;
            /* Four elements a step: GCC does not vectorise this loop at
             * -O2; one element a step took 7 instructions each and ran
             * slower still where the loop straddled a 32-byte fetch block
             * (the array MLP's record + gradient: 62 -> 77 us after a shift
             * of code elsewhere in the library). */
            for (; i + 4 <= e; i += 4) {
                uint64_t x = key + i * step;
                diff |= (ad__var_key_at(&p[i]) ^ x) |
                        (ad__var_key_at(&p[i + 1]) ^ (x + step)) |
                        (ad__var_key_at(&p[i + 2]) ^ (x + 2 * step)) |
                        (ad__var_key_at(&p[i + 3]) ^ (x + 3 * step));
            }
            for (; i < e; i++)
                diff |= ad__var_key_at(&p[i]) ^ (key + i * step);
            all = diff == 0;
        }
        if (all) {
            nact[j] = in[j].k;
            consec[j] = 1;
            nact_all += in[j].k;
            continue;
        }
        for (size_t i = 0; i < in[j].k; i++) {
            uint32_t ti = p[i].t;
            bad |= (ti != 0) & (ti != tag);
            na += ti != 0;
            cons &= p[i].i == i0 + (uint32_t)i;
        }
        if (bad) {
            ad__rec_fail(R, AD_EINVAL);
            return AD_EINVAL;
        }
        nact[j] = na;
        consec[j] = (int)cons;
        nact_all += na;
    }
    if (nact_all == 0)
        return 0;
    for (int j = 0; j < nin; j++) {
        input *a = &in[j];
        a->list = NULL;
        if (nact[j] == 0)
            a->kind = K_CONST;
        else if (nact[j] < a->k) {
            /* Mixed: the constants become variables (CONST nodes). */
            a->kind = K_LIST;
            a->list = malloc(a->k * sizeof *a->list);
            if (a->list == NULL) {
                ad__rec_fail(R, AD_ENOMEM);
                rc = AD_ENOMEM;
                goto done;
            }
            for (size_t i = 0; i < a->k; i++)
                a->list[i] = ad__rec_activate(R, a->p[i]).i;
            if (R->err != AD_OK) {
                rc = R->err;
                goto done;
            }
        } else
            a->kind = consec[j] && ad__tape_contiguous(t, a->p[0].i, a->k)
                          ? K_RANGE
                          : K_LIST;
        words += desc_words(a);
        ncst += a->kind == K_CONST ? a->k : 0;
        tmp += a->k + a->k; /* gathered, and the node's n or m */
    }
    if (words > UINT32_MAX || nres > UINT32_MAX) {
        ad__rec_fail(R, AD_ERANGE);
        rc = AD_ERANGE;
        goto done;
    }
    if (ad__rec_reserve(R, 1, words, ncst, nres, 1) != AD_OK) {
        rc = R->err;
        goto done;
    }
    double *scratch = ad__work_tmp(tmp);
    if (scratch == NULL) {
        ad__rec_fail(R, AD_ENOMEM);
        rc = AD_ENOMEM;
        goto done;
    }
    if (tmp > t->tmp_need)
        t->tmp_need = tmp;
    uint32_t *a0 = R->arg, *a = a0;
    double *c0 = R->cst, *c = c0;
    t->narray++;
    *R->op++ = (uint8_t)code;
    *a++ = (uint32_t)words;
    *a++ = (uint32_t)nres;
    *a++ = (uint32_t)ncst;
    for (size_t h = 0; h < nhdr; h++)
        *a++ = hdr[h];
    for (int j = 0; j < nin; j++) {
        const input *in_j = &in[j];
        *a++ = in_j->kind;
        if (in_j->kind == K_RANGE)
            *a++ = in_j->p[0].i;
        else if (in_j->kind == K_LIST)
            for (size_t i = 0; i < in_j->k; i++)
                *a++ = in_j->list ? in_j->list[i] : in_j->p[i].i;
        else
            for (size_t i = 0; i < in_j->k; i++)
                *c++ = in_j->p[i].v;
    }
    *a++ = (uint32_t)words;
    R->arg = a;
    R->cst = c;
    uint32_t r = ad__rec_index(R, R->val);
    R->val += nres;
    /* The values come from the node's own forward rule, the code a replay
     * runs, so a replay reproduces them bit for bit. */
    ad__sweep s;
    memset(&s, 0, sizeof s);
    s.t = t;
    s.vt = t->vtab;
    s.tmp = scratch;
    ad__array_forward(&s, code, a0, c0, r, 1);
    if (status != NULL)
        *status = s.err;
    for (size_t i = 0; i < nres; i++) {
        out[i].v = AD__V(t->vtab, r + i);
        out[i].i = r + (uint32_t)i;
        out[i].t = R->tag;
    }
    ad__rec_set_left(R);
    rc = 1;
done:
    for (int j = 0; j < nin; j++)
        free(in[j].list), in[j].list = NULL;
    return rc;
}

static input in_of(const ad_var *p, size_t k)
{
    input in;
    in.p = p;
    in.k = k;
    in.kind = K_CONST;
    in.list = NULL;
    return in;
}

ad_var ad_var_dot(size_t n, const ad_var *x, const ad_var *y)
{
    if (n > 0 && (x == NULL || y == NULL))
        return ad__var_passive(NAN);
    uint32_t hdr[1] = {(uint32_t)n};
    input in[2] = {in_of(x, n), in_of(y, n)};
    ad_var out;
    if (n <= UINT32_MAX &&
        record(AD__OP_DOT, hdr, 1, in, 2, 1, &out, 0, NULL) == 1)
        return out;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i].v * y[i].v;
    return ad__var_passive(s);
}

ad_var ad_var_sum(size_t n, const ad_var *x)
{
    if (n > 0 && x == NULL)
        return ad__var_passive(NAN);
    uint32_t hdr[1] = {(uint32_t)n};
    input in[1] = {in_of(x, n)};
    ad_var out;
    if (n <= UINT32_MAX &&
        record(AD__OP_SUM, hdr, 1, in, 1, 1, &out, 0, NULL) == 1)
        return out;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i].v;
    return ad__var_passive(s);
}

int ad_var_axpy(size_t n, ad_var a, const ad_var *x, ad_var *y)
{
    if (n == 0)
        return AD_OK;
    if (x == NULL || y == NULL || n > UINT32_MAX)
        return AD_EINVAL;
    uint32_t hdr[1] = {(uint32_t)n};
    input in[3] = {in_of(&a, 1), in_of(x, n), in_of(y, n)};
    int rc = record(AD__OP_AXPY, hdr, 1, in, 3, n, y, 0, NULL);
    if (rc == 1)
        return AD_OK;
    for (size_t i = 0; i < n; i++)
        y[i] = ad__var_passive(a.v * x[i].v + y[i].v);
    return rc;
}

int ad_var_gemv(int trans, size_t m, size_t n, const ad_var *A, const ad_var *x,
                ad_var *y)
{
    if (trans != AD_NOTRANS && trans != AD_TRANS)
        return AD_EINVAL;
    size_t nx = trans ? m : n, ny = trans ? n : m;
    if (ny == 0)
        return AD_OK;
    if (y == NULL || (nx > 0 && (A == NULL || x == NULL)))
        return AD_EINVAL;
    if (m > UINT32_MAX || n > UINT32_MAX || (n > 0 && m > UINT32_MAX / n))
        return AD_EINVAL;
    uint32_t hdr[3] = {(uint32_t)trans, (uint32_t)m, (uint32_t)n};
    input in[3] = {in_of(A, m * n), in_of(x, nx), in_of(y, ny)};
    int rc = record(AD__OP_GEMV, hdr, 3, in, 3, ny, y, 0, NULL);
    if (rc == 1)
        return AD_OK;
    for (size_t o = 0; o < ny; o++) {
        double t = y[o].v;
        for (size_t e = 0; e < nx; e++)
            t += A[trans ? e * n + o : o * n + e].v * x[e].v;
        y[o] = ad__var_passive(t);
    }
    return rc;
}

int ad_var_map(int op, size_t n, const ad_var *x, ad_var *y)
{
    if (!ad__map_op_ok(op) || (n > 0 && (x == NULL || y == NULL)) ||
        n > UINT32_MAX)
        return AD_EINVAL;
    if (n == 0)
        return AD_OK;
    uint32_t hdr[2] = {(uint32_t)op, (uint32_t)n};
    input in[1] = {in_of(x, n)};
    int rc = record(AD__OP_MAP, hdr, 2, in, 1, n, y, 0, NULL);
    if (rc == 1)
        return AD_OK;
    const ad_op_info *d = ad_op_get(op);
    for (size_t i = 0; i < n; i++)
        y[i] = ad__var_passive(d->value(x[i].v, 0.0, 0.0));
    return rc;
}

int ad_custom_var(const ad_custom *op, size_t n, const ad_var *x, size_t m,
                  ad_var *y)
{
    int rc = ad__custom_check(op, n, x, m, y);
    if (rc != AD_OK) {
        for (size_t i = 0; y != NULL && i < m; i++)
            y[i] = ad__var_passive(NAN);
        return rc;
    }
    /* Name the op on the tape only if the node will be recorded, so that
     * an op called on constants alone does not count (its hvp, say). */
    ad__rec *R = ad__rec_active();
    int active = 0;
    for (size_t i = 0; i < n && R != NULL; i++)
        active |= x[i].t != 0;
    uint32_t id = 0;
    if (active && (rc = ad__tape_custom_id(R->tape, op, &id)) != AD_OK)
        ad__rec_fail(R, rc);
    int st = AD_OK;
    if (rc == AD_OK) {
        uint32_t hdr[2] = {id, (uint32_t)n};
        input in[1] = {in_of(x, n)};
        rc = record(AD__OP_CUSTOM, hdr, 2, in, 1, m, y, 3 * n, &st);
        if (rc == 1)
            return st;
    }
    /* Not recorded: the value, as constants. */
    double small[64];
    double *buf = n + m <= 64 ? small : malloc((n + m) * sizeof *buf);
    if (buf == NULL) {
        for (size_t i = 0; i < m; i++)
            y[i] = ad__var_passive(NAN);
        return AD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = x[i].v;
    st = ad_custom_double(op, n, buf, m, buf + n);
    for (size_t i = 0; i < m; i++)
        y[i] = ad__var_passive(buf[n + i]);
    if (buf != small)
        free(buf);
    return rc < 0 ? rc : st;
}

/* ---- checking a node read from a file ------------------------------------ */

int ad__array_check(unsigned code, const uint32_t *arg, size_t ncst_avail,
                    uint32_t r, int (*ok)(const void *ctx, uint32_t i),
                    const void *ctx, size_t *tmp)
{
    size_t len = arg[0], nres = arg[1], ncst = arg[2], at = 3, used = 0;
    size_t k[3] = {0, 0, 0}, nhdr, nres_want;
    int nv;
    /* A custom node names code, which no file holds (ad_tape_save refuses
     * such tapes). */
    if (code == AD__OP_CUSTOM || len < 5 || ncst > ncst_avail)
        return -1;
    const uint32_t *h = arg + 3;
    switch (code) {
    case AD__OP_DOT:
    case AD__OP_SUM:
        nhdr = 1;
        nv = code == AD__OP_DOT ? 2 : 1;
        k[0] = k[1] = h[0];
        nres_want = 1;
        break;
    case AD__OP_AXPY:
        nhdr = 1;
        nv = 3;
        k[0] = 1;
        k[1] = k[2] = h[0];
        nres_want = h[0];
        break;
    case AD__OP_GEMV:
        if (len < 8 || h[0] > 1)
            return -1;
        nhdr = 3;
        nv = 3;
        k[0] = (size_t)h[1] * h[2];
        k[1] = h[0] ? h[1] : h[2];
        k[2] = h[0] ? h[2] : h[1];
        nres_want = k[2];
        break;
    case AD__OP_MAP:
        if (len < 6 || !ad__map_op_ok((int)h[0]))
            return -1;
        nhdr = 2;
        nv = 1;
        k[0] = h[1];
        nres_want = h[1];
        break;
    default:
        return -1;
    }
    if (nres != nres_want || nres == 0 || len < 4 + nhdr)
        return -1;
    at += nhdr;
    size_t need = 2 * nres + 2;
    for (int j = 0; j < nv; j++) {
        if (at >= len - 1)
            return -1;
        unsigned kind = arg[at];
        need += 2 * k[j];
        if (kind == K_RANGE) {
            if (at + 2 > len - 1)
                return -1;
            uint32_t f = arg[at + 1];
            /* An empty array is recorded as constants: an empty range
             * would still name its first variable, which the sweeps look
             * up (a fuzzed file had one far past the tape's end). */
            if (k[j] == 0 || f == 0 || (size_t)f + k[j] > r || !ok(ctx, f) ||
                !ok(ctx, (uint32_t)(f + k[j] - 1)) ||
                !ad__tape_contiguous(NULL, f, k[j]))
                return -1;
            at += 2;
        } else if (kind == K_LIST) {
            if (k[j] > len - 1 - at - 1)
                return -1;
            for (size_t i = 0; i < k[j]; i++) {
                uint32_t ix = arg[at + 1 + i];
                if (ix == 0 || ix >= r || !ok(ctx, ix))
                    return -1;
            }
            at += 1 + k[j];
        } else if (kind == K_CONST) {
            if (k[j] > ncst - used)
                return -1;
            used += k[j];
            at += 1;
        } else
            return -1;
    }
    if (at != len - 1 || used != ncst)
        return -1;
    *tmp = need;
    return 0;
}

/* ---- second order (hessian.c) -------------------------------------------- */

/* Adds (d, dd) to the pair (adjoint, adjoint tangent) of element i of v. */
static void add2(ad__sweep *s, const view *v, size_t i, double d, double dd)
{
    if (v->kind == K_CONST)
        return;
    double *p = &s->adj[2 * (size_t)view_index(v, i)];
    p[0] += d;
    p[1] += dd;
}

/* f' and f'' of a unary primitive, for map's second-order rule. */
static void map_d12(unsigned op, double x, double y, double *d1, double *d2)
{
    switch (op) {
#define AD_OP1(N, nm, ...)                                                     \
    case AD_OP_##N:                                                            \
        *d1 = ad__##nm##_d1(x, 0.0, y);                                        \
        *d2 = ad__##nm##_d2(x, 0.0, y);                                        \
        break;
#define AD_OP1P(...)
#define AD_OP2(...)
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
    default:
        *d1 = *d2 = NAN;
    }
}

/* The pairs of P (row-major, rows of len pairs) += (a_i b_j, ta_i b_j +
 * a_i tb_j) for i < rows, j < len.  A NULL ta or tb stands for zero
 * tangents, kept as products with 0.0 as the general rule has them. */
static void pairs_outer(double *P, size_t rows, size_t len, const double *a,
                        const double *ta, const double *b, const double *tb)
{
    for (size_t i = 0; i < rows; i++) {
        double ai = a[i], tai = ta != NULL ? ta[i] : 0.0;
        double *Pr = P + 2 * i * len;
        if (tb != NULL)
            for (size_t j = 0; j < len; j++) {
                Pr[2 * j] += ai * b[j];
                Pr[2 * j + 1] += tai * b[j] + ai * tb[j];
            }
        else
            for (size_t j = 0; j < len; j++) {
                Pr[2 * j] += ai * b[j];
                Pr[2 * j + 1] += tai * b[j] + ai * 0.0;
            }
    }
}

/* GEMV's second-order rule, one lane, every array a range or constants:
 * bar y0 += w; bar x += op(A)^T w, its tangent += op(dot A)^T w + op(A)^T wd;
 * bar A += w x^T (or x w^T), its tangent += wd x^T + w dot x^T (or the
 * transposes).  The pairs (adjoint, adjoint tangent) are interleaved, so
 * the x terms are BLAS calls with stride 2 and the A terms a loop. */
static void gemv_reverse2(ad__sweep *s, const node *d,
                          const double *const val[3], const double *w,
                          const double *wd)
{
    const view *v = d->v;
    const double *tA = view_tans(s, &v[0], 0, NULL); /* in place */
    const double *tx = view_tans(s, &v[1], 0, NULL);
    size_t m = d->m, n = d->n;
    if (v[2].kind == K_RANGE) {
        double *p = s->adj + 2 * (size_t)v[2].first;
        for (size_t o = 0; o < d->nres; o++) {
            p[2 * o] += w[o];
            p[2 * o + 1] += wd[o];
        }
    }
    if (m == 0 || n == 0)
        return;
    if (v[1].kind == K_RANGE) {
        double *p = s->adj + 2 * (size_t)v[1].first;
        enum CBLAS_TRANSPOSE tr = d->trans ? CblasNoTrans : CblasTrans;
        cblas_dgemv(CblasRowMajor, tr, (int)m, (int)n, 1.0, val[0], (int)n, w,
                    1, 1.0, p, 2);
        cblas_dgemv(CblasRowMajor, tr, (int)m, (int)n, 1.0, val[0], (int)n, wd,
                    1, 1.0, p + 1, 2);
        if (tA != NULL)
            cblas_dgemv(CblasRowMajor, tr, (int)m, (int)n, 1.0, tA, (int)n, w,
                        1, 1.0, p + 1, 2);
    }
    if (v[0].kind == K_RANGE) {
        double *P = s->adj + 2 * (size_t)v[0].first;
        if (d->trans) /* row e of A: x_e (w, wd) + (0, dot x_e w) */
            pairs_outer(P, m, n, val[1], tx, w, wd);
        else /* row o of A: w_o (x, dot x) + (0, wd_o x) */
            pairs_outer(P, m, n, w, wd, val[1], tx);
    }
}

void ad__array_reverse2(ad__sweep *s, unsigned code, const uint32_t *arg,
                        const double *cst, uint32_t r)
{
    node d;
    const double *val[3];
    double *buf = parse_vals(s, code, arg, cst, &d, val);
    /* The results' pairs, taken and cleared. */
    double *w = buf, *wd = buf + d.nres;
    int any = 0;
    for (size_t i = 0; i < d.nres; i++) {
        double *p = &s->adj[2 * ((size_t)r + i)];
        w[i] = p[0];
        wd[i] = p[1];
        p[0] = p[1] = 0.0;
        any |= w[i] != 0.0 || wd[i] != 0.0;
    }
    if (!any)
        return;
    const view *v = d.v;
    size_t n = d.n, m = d.m;
#define TAN(j, i) view_tan(s, &v[j], (i), 0)
    switch (code) {
    case AD__OP_DOT:
        for (size_t i = 0; i < n; i++) {
            add2(s, &v[0], i, w[0] * val[1][i],
                 wd[0] * val[1][i] + w[0] * TAN(1, i));
            add2(s, &v[1], i, w[0] * val[0][i],
                 wd[0] * val[0][i] + w[0] * TAN(0, i));
        }
        break;
    case AD__OP_SUM:
        for (size_t i = 0; i < n; i++)
            add2(s, &v[0], i, w[0], wd[0]);
        break;
    case AD__OP_AXPY: {
        double a = val[0][0], ta = TAN(0, 0), sa = 0.0, sad = 0.0;
        for (size_t i = 0; i < n; i++) {
            sa += w[i] * val[1][i];
            sad += wd[i] * val[1][i] + w[i] * TAN(1, i);
            add2(s, &v[1], i, a * w[i], ta * w[i] + a * wd[i]);
            add2(s, &v[2], i, w[i], wd[i]);
        }
        add2(s, &v[0], 0, sa, sad);
        break;
    }
    case AD__OP_GEMV: {
        size_t ny = d.nres, len = d.trans ? m : n;
        if (one_lane_ranges(s, &d)) {
            gemv_reverse2(s, &d, val, w, wd);
            break;
        }
        for (size_t o = 0; o < ny; o++)
            add2(s, &v[2], o, w[o], wd[o]);
        for (size_t e = 0; e < len; e++) {
            double xe = val[1][e], txe = TAN(1, e), sx = 0.0, sxd = 0.0;
            for (size_t o = 0; o < ny; o++) {
                size_t ia = d.trans ? e * n + o : o * n + e;
                double A = val[0][ia], tA = TAN(0, ia);
                sx += A * w[o];
                sxd += tA * w[o] + A * wd[o];
                add2(s, &v[0], ia, w[o] * xe, wd[o] * xe + w[o] * txe);
            }
            add2(s, &v[1], e, sx, sxd);
        }
        break;
    }
    case AD__OP_CUSTOM: {
        /* bar x += F'^T w; its tangent += F'^T wd + (sum_o w_o F_o'') xdot */
        const ad_custom *op = s->t->custom[d.op];
        const double *y = &AD__V(s->vt, r);
        double *xt = wd + d.nres, *u1 = xt + n, *u2 = u1 + n, *h = u2 + n;
        size_t ny = d.nres;
        for (size_t i = 0; i < n; i++)
            xt[i] = TAN(0, i);
        int rc = ad__custom_status(op->vjp(op->ctx, n, val[0], y, w, ny, u1));
        if (rc == AD_OK)
            rc = ad__custom_status(op->vjp(op->ctx, n, val[0], y, wd, ny, u2));
        if (rc == AD_OK)
            rc = op->hvp == NULL ? AD_EUNSUPPORTED
                                 : op->hvp(op->ctx, n, val[0], y, w, xt, ny, h);
        custom_rc(s, rc, u1, 3 * n);
        for (size_t i = 0; i < n; i++)
            add2(s, &v[0], i, u1[i], u2[i] + h[i]);
        break;
    }
    default: /* AD__OP_MAP */
        for (size_t i = 0; i < n; i++) {
            if (w[i] == 0.0 && wd[i] == 0.0)
                continue;
            double d1, d2, y = AD__V(s->vt, r + (uint32_t)i);
            map_d12(d.op, val[0][i], y, &d1, &d2);
            add2(s, &v[0], i, d1 * w[i], d1 * wd[i] + d2 * TAN(0, i) * w[i]);
        }
        break;
    }
#undef TAN
}
