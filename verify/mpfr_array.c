/* mpfr_array.c -- the array nodes (ad_dot, ad_sum, ad_axpy, ad_gemv, ad_map)
 * in the MPFR replay of a tape (mpfr_tape.c).
 *
 * A node's args are [len, nres, ncst, header..., arrays..., len] (the layout
 * documented at the top of modes/reverse/array.c): headers DOT [n], SUM [n],
 * AXPY [n], GEMV [trans, m, n], MAP [op, n], CUSTOM [id, n]; arrays DOT x y,
 * SUM x, AXPY a x y, GEMV A x y, MAP x, CUSTOM x; each array one of
 * [0, first] (a range of variables), [1, i_0 .. i_k-1] (a list) or [2] (k
 * constants from the cst stream): array_node.h, parsed by array.c.
 *
 * The rules are array.c's, written element by element: sums are
 * accumulated with one rounding per term (mpfr_fma) at the replay's
 * precision.  A custom node's callbacks compute in double only, so a tape
 * holding one has no MPFR replay (AD_EUNSUPPORTED). */
#include "array_node.h"
#include "mpfr_impl.h"

enum { K_RANGE = AD__K_RANGE, K_LIST = AD__K_LIST, K_CONST = AD__K_CONST };

/* One array of a node. */
typedef struct mview {
    unsigned kind;
    size_t k;
    uint32_t first;      /* K_RANGE */
    const uint32_t *idx; /* K_LIST */
    const double *cst;   /* K_CONST */
    mpfr_ptr tmp;        /* K_CONST: an element, exact */
} mview;

/* A parsed node. */
typedef struct mnode {
    size_t n, m, nres;
    unsigned trans, op;
    mview v[3];
    int nv;
} mnode;

/* Parses the node (array.c's parser, array_node.h) into the MPFR view,
 * which adds a scratch number for a constant element; AD_OK,
 * AD_EUNSUPPORTED (custom) or AD_EINVAL (a map of an op that is no unary
 * primitive). */
static int parse(ad__mp *mp, unsigned code, const uint32_t *arg,
                 const double *cst, mnode *d)
{
    if (code == AD__OP_CUSTOM)
        return AD_EUNSUPPORTED;
    ad__anode a;
    ad__array_parse(code, arg, cst, &a);
    if (code == AD__OP_MAP) {
        const ad_op_info *info = ad_op_get((int)a.op);
        if (info == NULL || info->arity != 1 || info->has_param)
            return AD_EINVAL;
    }
    d->n = a.n;
    d->m = a.m;
    d->nres = a.nres;
    d->trans = a.trans;
    d->op = a.op;
    d->nv = a.nv;
    for (int j = 0; j < a.nv; j++) {
        mview *v = &d->v[j];
        v->kind = a.v[j].kind;
        v->k = a.v[j].k;
        v->first = a.v[j].first;
        v->idx = a.v[j].idx;
        v->cst = a.v[j].cst;
        v->tmp = mp->k[j];
    }
    return AD_OK;
}

/* Element i of v: its variable (0 for a constant), value and tangent (NULL
 * for a constant). */
static uint32_t vix(const mview *v, size_t i)
{
    return v->kind == K_RANGE  ? v->first + (uint32_t)i
           : v->kind == K_LIST ? v->idx[i]
                               : 0;
}

static mpfr_srcptr vval(const ad__mp *m, const mview *v, size_t i)
{
    if (v->kind == K_CONST) {
        mpfr_set_d(v->tmp, v->cst[i], MPFR_RNDN); /* exact at xprec */
        return v->tmp;
    }
    return AD__MPV(m, vix(v, i));
}

static mpfr_srcptr vtan(const ad__mp *m, const mview *v, size_t i)
{
    return v->kind == K_CONST ? NULL : AD__MPT(m, vix(v, i));
}

static int is_var(const mview *v)
{
    return v->kind != K_CONST;
}

/* acc += a b, one rounding. */
static void addmul(mpfr_ptr acc, mpfr_srcptr a, mpfr_srcptr b)
{
    mpfr_fma(acc, a, b, acc, MPFR_RNDN);
}

/* acc += a b if a (a tangent: NULL for a constant) is there. */
static void addmul_t(mpfr_ptr acc, mpfr_srcptr a, mpfr_srcptr b)
{
    if (a != NULL)
        addmul(acc, a, b);
}

/* The index into A of element e of the sum behind output o. */
static size_t gemv_ia(const mnode *d, size_t o, size_t e)
{
    return d->trans ? e * d->n + o : o * d->n + e;
}

/* ---- forward ------------------------------------------------------------- */

int ad__mp_array_forward(ad__mp *m, unsigned code, const uint32_t *arg,
                         const double *cst, uint32_t r)
{
    mnode d;
    int rc = parse(m, code, arg, cst, &d);
    if (rc != AD_OK)
        return rc;
    const mview *v = d.v;
    int tan = m->tan != NULL;
    switch (code) {
    case AD__OP_DOT:
        mpfr_set_zero(AD__MPV(m, r), 1);
        if (tan)
            mpfr_set_zero(AD__MPT(m, r), 1);
        for (size_t i = 0; i < d.n; i++) {
            addmul(AD__MPV(m, r), vval(m, &v[0], i), vval(m, &v[1], i));
            if (tan) {
                addmul_t(AD__MPT(m, r), vtan(m, &v[0], i), vval(m, &v[1], i));
                addmul_t(AD__MPT(m, r), vtan(m, &v[1], i), vval(m, &v[0], i));
            }
        }
        break;
    case AD__OP_SUM:
        mpfr_set_zero(AD__MPV(m, r), 1);
        if (tan)
            mpfr_set_zero(AD__MPT(m, r), 1);
        for (size_t i = 0; i < d.n; i++) {
            mpfr_add(AD__MPV(m, r), AD__MPV(m, r), vval(m, &v[0], i),
                     MPFR_RNDN);
            if (tan && is_var(&v[0]))
                mpfr_add(AD__MPT(m, r), AD__MPT(m, r), vtan(m, &v[0], i),
                         MPFR_RNDN);
        }
        break;
    case AD__OP_AXPY:
        for (size_t i = 0; i < d.n; i++) {
            uint32_t o = r + (uint32_t)i;
            mpfr_srcptr a = vval(m, &v[0], 0), x = vval(m, &v[1], i);
            mpfr_fma(AD__MPV(m, o), a, x, vval(m, &v[2], i), MPFR_RNDN);
            if (!tan)
                continue;
            if (is_var(&v[2]))
                mpfr_set(AD__MPT(m, o), vtan(m, &v[2], i), MPFR_RNDN);
            else
                mpfr_set_zero(AD__MPT(m, o), 1);
            addmul_t(AD__MPT(m, o), vtan(m, &v[0], 0), x);
            addmul_t(AD__MPT(m, o), vtan(m, &v[1], i), a);
        }
        break;
    case AD__OP_GEMV: {
        size_t len = d.trans ? d.m : d.n;
        for (size_t o = 0; o < d.nres; o++) {
            uint32_t ro = r + (uint32_t)o;
            mpfr_set(AD__MPV(m, ro), vval(m, &v[2], o), MPFR_RNDN);
            if (tan) {
                if (is_var(&v[2]))
                    mpfr_set(AD__MPT(m, ro), vtan(m, &v[2], o), MPFR_RNDN);
                else
                    mpfr_set_zero(AD__MPT(m, ro), 1);
            }
            for (size_t e = 0; e < len; e++) {
                size_t ia = gemv_ia(&d, o, e);
                mpfr_srcptr A = vval(m, &v[0], ia), x = vval(m, &v[1], e);
                addmul(AD__MPV(m, ro), A, x);
                if (tan) {
                    addmul_t(AD__MPT(m, ro), vtan(m, &v[0], ia), x);
                    addmul_t(AD__MPT(m, ro), vtan(m, &v[1], e), A);
                }
            }
        }
        break;
    }
    default: { /* AD__OP_MAP */
        const ad_op_info *info = ad_op_get((int)d.op);
        const ad__prim *pr = ad__prim_get((int)d.op);
        int guard = (info->flags & (AD_F_DOMAIN | AD_F_SINGULAR)) != 0;
        for (size_t i = 0; i < d.n; i++) {
            uint32_t o = r + (uint32_t)i;
            mpfr_srcptr x = vval(m, &v[0], i);
            pr->mpfr_value(AD__MPV(m, o), x, NULL, 0, MPFR_RNDN);
            if (!tan)
                continue;
            mpfr_srcptr t = vtan(m, &v[0], i);
            if (t == NULL || (guard && mpfr_zero_p(t))) {
                mpfr_set_zero(AD__MPT(m, o), 1);
                continue;
            }
            pr->mpfr_d1(m->p, x, NULL, 0, AD__MPV(m, o));
            mpfr_mul(AD__MPT(m, o), m->p[0], t, MPFR_RNDN);
        }
        break;
    }
    }
    return AD_OK;
}

/* ---- reverse ------------------------------------------------------------- */

/* Adjoint of element i of v += a b (nothing for a constant). */
static void adj_addmul(ad__mp *m, const mview *v, size_t i, mpfr_srcptr a,
                       mpfr_srcptr b)
{
    if (is_var(v))
        addmul(AD__MPA(m, vix(v, i)), a, b);
}

static void adj_add(ad__mp *m, const mview *v, size_t i, mpfr_srcptr a)
{
    if (is_var(v)) {
        mpfr_ptr p = AD__MPA(m, vix(v, i));
        mpfr_add(p, p, a, MPFR_RNDN);
    }
}

/* 1 if one of the adjoints (and, if second, adjoint tangents) of results
 * r .. r + k - 1 is not zero. */
static int any_adj(const ad__mp *m, uint32_t r, size_t k, int second)
{
    for (size_t i = 0; i < k; i++) {
        if (!mpfr_zero_p(AD__MPA(m, r + (uint32_t)i)))
            return 1;
        if (second && !mpfr_zero_p(AD__MPD(m, r + (uint32_t)i)))
            return 1;
    }
    return 0;
}

int ad__mp_array_reverse(ad__mp *m, unsigned code, const uint32_t *arg,
                         const double *cst, uint32_t r)
{
    mnode d;
    int rc = parse(m, code, arg, cst, &d);
    if (rc != AD_OK)
        return rc;
    if (!any_adj(m, r, d.nres, 0))
        return AD_OK;
    const mview *v = d.v;
    switch (code) {
    case AD__OP_DOT: {
        mpfr_srcptr w = AD__MPA(m, r);
        for (size_t i = 0; i < d.n; i++) {
            adj_addmul(m, &v[0], i, w, vval(m, &v[1], i));
            adj_addmul(m, &v[1], i, w, vval(m, &v[0], i));
        }
        break;
    }
    case AD__OP_SUM:
        for (size_t i = 0; i < d.n; i++)
            adj_add(m, &v[0], i, AD__MPA(m, r));
        break;
    case AD__OP_AXPY: {
        mpfr_srcptr a = vval(m, &v[0], 0);
        for (size_t i = 0; i < d.n; i++) {
            mpfr_srcptr w = AD__MPA(m, r + (uint32_t)i);
            adj_addmul(m, &v[0], 0, w, vval(m, &v[1], i));
            adj_addmul(m, &v[1], i, a, w);
            adj_add(m, &v[2], i, w);
        }
        break;
    }
    case AD__OP_GEMV: {
        size_t len = d.trans ? d.m : d.n;
        for (size_t o = 0; o < d.nres; o++) {
            mpfr_srcptr w = AD__MPA(m, r + (uint32_t)o);
            adj_add(m, &v[2], o, w);
            for (size_t e = 0; e < len; e++) {
                size_t ia = gemv_ia(&d, o, e);
                adj_addmul(m, &v[1], e, vval(m, &v[0], ia), w);
                adj_addmul(m, &v[0], ia, w, vval(m, &v[1], e));
            }
        }
        break;
    }
    default: { /* AD__OP_MAP */
        const ad__prim *pr = ad__prim_get((int)d.op);
        for (size_t i = 0; i < d.n && is_var(&v[0]); i++) {
            uint32_t o = r + (uint32_t)i;
            mpfr_srcptr w = AD__MPA(m, o);
            if (mpfr_zero_p(w))
                continue; /* a zero adjoint adds 0 whatever the partial */
            pr->mpfr_d1(m->p, vval(m, &v[0], i), NULL, 0, AD__MPV(m, o));
            adj_addmul(m, &v[0], i, m->p[0], w);
        }
        break;
    }
    }
    return AD_OK;
}

/* ---- second order -------------------------------------------------------- */

/* Element i of v: adjoint += a w, adjoint tangent += a wd + b w (b NULL: no
 * such term). */
static void add2(ad__mp *m, const mview *v, size_t i, mpfr_srcptr a,
                 mpfr_srcptr w, mpfr_srcptr wd, mpfr_srcptr b)
{
    if (!is_var(v))
        return;
    uint32_t k = vix(v, i);
    addmul(AD__MPA(m, k), a, w);
    addmul(AD__MPD(m, k), a, wd);
    if (b != NULL)
        addmul(AD__MPD(m, k), b, w);
}

int ad__mp_array_reverse2(ad__mp *m, unsigned code, const uint32_t *arg,
                          const double *cst, uint32_t r)
{
    mnode d;
    int rc = parse(m, code, arg, cst, &d);
    if (rc != AD_OK)
        return rc;
    if (!any_adj(m, r, d.nres, 1))
        return AD_OK;
    const mview *v = d.v;
    switch (code) {
    case AD__OP_DOT: {
        mpfr_srcptr w = AD__MPA(m, r), wd = AD__MPD(m, r);
        for (size_t i = 0; i < d.n; i++) {
            add2(m, &v[0], i, vval(m, &v[1], i), w, wd, vtan(m, &v[1], i));
            add2(m, &v[1], i, vval(m, &v[0], i), w, wd, vtan(m, &v[0], i));
        }
        break;
    }
    case AD__OP_SUM:
        for (size_t i = 0; i < d.n && is_var(&v[0]); i++) {
            uint32_t k = vix(&v[0], i);
            mpfr_add(AD__MPA(m, k), AD__MPA(m, k), AD__MPA(m, r), MPFR_RNDN);
            mpfr_add(AD__MPD(m, k), AD__MPD(m, k), AD__MPD(m, r), MPFR_RNDN);
        }
        break;
    case AD__OP_AXPY: {
        /* y_i = a x_i + y0_i: bar a += sum w_i x_i, its tangent += sum
         * wd_i x_i + w_i xdot_i; bar x_i += a w_i, its tangent += a wd_i +
         * adot w_i; bar y0_i += w_i, its tangent += wd_i. */
        mpfr_srcptr a = vval(m, &v[0], 0), ta = vtan(m, &v[0], 0);
        for (size_t i = 0; i < d.n; i++) {
            uint32_t o = r + (uint32_t)i;
            mpfr_srcptr w = AD__MPA(m, o), wd = AD__MPD(m, o);
            add2(m, &v[0], 0, vval(m, &v[1], i), w, wd, vtan(m, &v[1], i));
            add2(m, &v[1], i, a, w, wd, ta);
            if (is_var(&v[2])) {
                uint32_t k = vix(&v[2], i);
                mpfr_add(AD__MPA(m, k), AD__MPA(m, k), w, MPFR_RNDN);
                mpfr_add(AD__MPD(m, k), AD__MPD(m, k), wd, MPFR_RNDN);
            }
        }
        break;
    }
    case AD__OP_GEMV: {
        size_t len = d.trans ? d.m : d.n;
        for (size_t o = 0; o < d.nres; o++) {
            uint32_t ro = r + (uint32_t)o;
            mpfr_srcptr w = AD__MPA(m, ro), wd = AD__MPD(m, ro);
            if (is_var(&v[2])) {
                uint32_t k = vix(&v[2], o);
                mpfr_add(AD__MPA(m, k), AD__MPA(m, k), w, MPFR_RNDN);
                mpfr_add(AD__MPD(m, k), AD__MPD(m, k), wd, MPFR_RNDN);
            }
            for (size_t e = 0; e < len; e++) {
                size_t ia = gemv_ia(&d, o, e);
                add2(m, &v[1], e, vval(m, &v[0], ia), w, wd,
                     vtan(m, &v[0], ia));
                add2(m, &v[0], ia, vval(m, &v[1], e), w, wd, vtan(m, &v[1], e));
            }
        }
        break;
    }
    default: { /* AD__OP_MAP */
        const ad__prim *pr = ad__prim_get((int)d.op);
        for (size_t i = 0; i < d.n && is_var(&v[0]); i++) {
            uint32_t o = r + (uint32_t)i;
            mpfr_srcptr w = AD__MPA(m, o), wd = AD__MPD(m, o);
            if (mpfr_zero_p(w) && mpfr_zero_p(wd))
                continue;
            mpfr_srcptr x = vval(m, &v[0], i);
            pr->mpfr_d1(m->p, x, NULL, 0, AD__MPV(m, o));
            pr->mpfr_d2(m->h, x, NULL, 0, AD__MPV(m, o));
            mpfr_mul(m->s[0], m->h[0], vtan(m, &v[0], i), MPFR_RNDN);
            add2(m, &v[0], i, m->p[0], w, wd, m->s[0]);
        }
        break;
    }
    }
    return AD_OK;
}
