/* mpfr_tape.c -- the MPFR replay of a recorded tape (admix/verify.h): the
 * arbitrary-precision reference of the verify module.
 *
 * The sweeps are those of modes/reverse (sweep_fwd.inc, sweep_rev.inc,
 * hessian.c) with every double replaced by an MPFR number of one precision
 * and every primitive rule by the primitive's MPFR rule (primitive.h).  They
 * walk the tape's segments node by node; the shape of a node comes from
 * ad__node_shape (node.c), its rule from the primitive table, so this file
 * names no primitive.  The array nodes' rules are in mpfr_array.c.
 *
 * What is mirrored exactly, so that the reference differs from the double
 * sweeps by their rounding errors only: the forward chain rule guards a
 * zero tangent only for primitives flagged AD_F_DOMAIN or AD_F_SINGULAR
 * (ad__chain); a reverse sweep skips a zero adjoint (ad__chain_guarded);
 * the second-order sweep skips a node whose adjoint and adjoint tangent are
 * both zero and otherwise multiplies plainly (hessian.c). */
#include <stdlib.h>
#include <string.h>

#include "admix/verify.h"
#include "mpfr_impl.h"

/* ---- the numbers --------------------------------------------------------- */

/* Makes z a number of m->xprec bits (zero), reusing its significand, which
 * was sized for xprec: inputs, constants and seeds are doubles and stay
 * exact even when prec < 53. */
static void widen(const ad__mp *m, mpfr_ptr z)
{
    if (m->xprec != mpfr_get_prec(z))
        mpfr_custom_init_set(z, MPFR_ZERO_KIND, 0, m->xprec,
                             mpfr_custom_get_significand(z));
}

static void set_exact(const ad__mp *m, mpfr_ptr z, double v)
{
    widen(m, z);
    mpfr_set_d(z, v, MPFR_RNDN);
}

/* Allocates the numbers of a replay of t at prec bits: values, and
 * tangents, adjoints and adjoint tangents if asked, all zero.  AD_OK or
 * AD_ENOMEM. */
static int mp_alloc(ad__mp *m, const ad_tape *t, mpfr_prec_t prec, int tan,
                    int adj, int adt)
{
    memset(m, 0, sizeof *m);
    m->t = t;
    m->prec = prec;
    m->xprec = prec < 53 ? 53 : prec;
    size_t nvar = t->nvar > 0 ? t->nvar : 1;
    size_t arrays = 1 + (tan != 0) + (adj != 0) + (adt != 0);
    /* Every significand gets room for xprec bits, so that any number can be
     * widened in place (set_exact); whole limbs keep them aligned. */
    size_t sz = mpfr_custom_get_size(m->xprec);
    sz = (sz + sizeof(mp_limb_t) - 1) / sizeof(mp_limb_t) * sizeof(mp_limb_t);
    size_t each = sizeof(mpfr_t) + sz;
    if (nvar > (SIZE_MAX - AD__MP_NTMP) / arrays ||
        nvar * arrays + AD__MP_NTMP > SIZE_MAX / each)
        return AD_ENOMEM;
    size_t count = nvar * arrays + AD__MP_NTMP;
    unsigned char *mem = malloc(count * each);
    if (mem == NULL)
        return AD_ENOMEM;
    m->mem = mem;
    /* The structs first (their alignment is malloc's), then the
     * significands, each a whole number of limbs. */
    mpfr_t *num = (mpfr_t *)(void *)mem;
    unsigned char *sig = mem + count * sizeof(mpfr_t);
    for (size_t i = 0; i < count; i++) {
        mpfr_custom_init(sig + i * sz, prec);
        mpfr_custom_init_set(num[i], MPFR_ZERO_KIND, 0, prec, sig + i * sz);
    }
    m->val = num;
    num += nvar;
    if (tan) {
        m->tan = num;
        num += nvar;
    }
    if (adj) {
        m->adj = num;
        num += nvar;
    }
    if (adt) {
        m->adt = num;
        num += nvar;
    }
    /* The scratch numbers, at prec but for the constants. */
    for (int i = 0; i < AD__MP_P; i++)
        m->p[i] = *num++;
    for (int i = 0; i < AD__MP_H; i++)
        m->h[i] = *num++;
    for (int i = 0; i < AD__MP_K; i++) {
        m->k[i] = *num++;
        widen(m, m->k[i]);
    }
    for (int i = 0; i < AD__MP_S; i++)
        m->s[i] = *num++;
    return AD_OK;
}

static void mp_free(ad__mp *m)
{
    /* Custom numbers own no memory: freeing the block clears them all. */
    free(m->mem);
    m->mem = NULL;
}

/* ---- the scalar nodes ---------------------------------------------------- */

/* The operands of a primitive node: x, y (NULL for unary primitives), the
 * variables they are (0 for a constant of the node) and the parameter. */
typedef struct operands {
    mpfr_srcptr x, y;
    uint32_t i, j;
    long c;
} operands;

static void get_operands(ad__mp *m, unsigned op, const uint32_t *a,
                         const double *c, const ad_op_info *d, operands *o)
{
    unsigned var = op & ~AD__CODE;
    o->y = NULL;
    o->i = o->j = 0;
    o->c = 0;
    if (d->arity == 1) {
        o->x = AD__MPV(m, a[0]);
        o->i = a[0];
        if (d->has_param)
            o->c = (long)c[0];
    } else if (var == AD__XC) {
        o->x = AD__MPV(m, a[0]);
        o->i = a[0];
        mpfr_set_d(m->k[1], c[0], MPFR_RNDN); /* exact at xprec */
        o->y = m->k[1];
    } else if (var == AD__CX) {
        mpfr_set_d(m->k[0], c[0], MPFR_RNDN);
        o->x = m->k[0];
        o->y = AD__MPV(m, a[0]);
        o->j = a[0];
    } else {
        o->x = AD__MPV(m, a[0]);
        o->y = AD__MPV(m, a[1]);
        o->i = a[0];
        o->j = a[1];
    }
}

/* out = p1 t1 + p2 t2, one rounding; a term whose p is NULL is absent, and
 * with guard set so is a term whose t is zero (ad__chain's convention). */
static void chain2(mpfr_ptr out, int guard, mpfr_srcptr p1, mpfr_srcptr t1,
                   mpfr_srcptr p2, mpfr_srcptr t2)
{
    if (p1 != NULL && guard && mpfr_zero_p(t1))
        p1 = NULL;
    if (p2 != NULL && guard && mpfr_zero_p(t2))
        p2 = NULL;
    if (p1 == NULL) {
        p1 = p2;
        t1 = t2;
        p2 = NULL;
    }
    if (p1 == NULL)
        mpfr_set_zero(out, 1);
    else if (p2 == NULL)
        mpfr_mul(out, p1, t1, MPFR_RNDN);
    else
        mpfr_fmma(out, p1, t1, p2, t2, MPFR_RNDN);
}

static int guarded(const ad_op_info *d)
{
    return (d->flags & (AD_F_DOMAIN | AD_F_SINGULAR)) != 0;
}

/* The value of primitive node r and, with tangents, its tangent. */
static void prim_forward(ad__mp *m, unsigned op, const uint32_t *a,
                         const double *c, uint32_t r)
{
    unsigned code = op & AD__CODE;
    const ad_op_info *d = ad_op_get((int)code);
    const ad__prim *pr = ad__prim_get((int)code);
    operands o;
    get_operands(m, op, a, c, d, &o);
    pr->mpfr_value(AD__MPV(m, r), o.x, o.y, o.c, MPFR_RNDN);
    if (m->tan == NULL)
        return;
    pr->mpfr_d1(m->p, o.x, o.y, o.c, AD__MPV(m, r));
    chain2(AD__MPT(m, r), guarded(d), o.i ? m->p[0] : NULL,
           o.i ? AD__MPT(m, o.i) : NULL, o.j ? m->p[1] : NULL,
           o.j ? AD__MPT(m, o.j) : NULL);
}

/* The adjoint of primitive node r, passed to its arguments. */
static void prim_reverse(ad__mp *m, unsigned op, const uint32_t *a,
                         const double *c, uint32_t r)
{
    mpfr_srcptr w = AD__MPA(m, r);
    if (mpfr_zero_p(w))
        return; /* contributes nothing, whatever the partials */
    unsigned code = op & AD__CODE;
    const ad_op_info *d = ad_op_get((int)code);
    operands o;
    get_operands(m, op, a, c, d, &o);
    ad__prim_get((int)code)->mpfr_d1(m->p, o.x, o.y, o.c, AD__MPV(m, r));
    if (o.i)
        mpfr_fma(AD__MPA(m, o.i), m->p[0], w, AD__MPA(m, o.i), MPFR_RNDN);
    if (o.j)
        mpfr_fma(AD__MPA(m, o.j), m->p[1], w, AD__MPA(m, o.j), MPFR_RNDN);
}

/* Second order: adjoint p w and adjoint tangent p wd + hdot w of argument
 * i, where hdot (in m->s[0]) is the tangent of the partial p. */
static void so_update(ad__mp *m, uint32_t i, mpfr_srcptr p, mpfr_srcptr w,
                      mpfr_srcptr wd)
{
    mpfr_fma(AD__MPA(m, i), p, w, AD__MPA(m, i), MPFR_RNDN);
    mpfr_fmma(m->s[1], p, wd, m->s[0], w, MPFR_RNDN);
    mpfr_add(AD__MPD(m, i), AD__MPD(m, i), m->s[1], MPFR_RNDN);
}

/* The pair (adjoint, adjoint tangent) of primitive node r, passed to its
 * arguments with the first and second partials (hessian.c's rule). */
static void prim_reverse2(ad__mp *m, unsigned op, const uint32_t *a,
                          const double *c, uint32_t r)
{
    mpfr_srcptr w = AD__MPA(m, r), wd = AD__MPD(m, r);
    if (mpfr_zero_p(w) && mpfr_zero_p(wd))
        return;
    unsigned code = op & AD__CODE;
    const ad_op_info *d = ad_op_get((int)code);
    const ad__prim *pr = ad__prim_get((int)code);
    operands o;
    get_operands(m, op, a, c, d, &o);
    mpfr_srcptr y = AD__MPV(m, r);
    pr->mpfr_d1(m->p, o.x, o.y, o.c, y);
    pr->mpfr_d2(m->h, o.x, o.y, o.c, y);
    /* h[0] = f_aa, h[1] = f_ab, h[2] = f_bb; a constant argument has no
     * tangent. */
    if (o.i) {
        if (o.j)
            mpfr_fmma(m->s[0], m->h[0], AD__MPT(m, o.i), m->h[1],
                      AD__MPT(m, o.j), MPFR_RNDN);
        else
            mpfr_mul(m->s[0], m->h[0], AD__MPT(m, o.i), MPFR_RNDN);
        so_update(m, o.i, m->p[0], w, wd);
    }
    if (o.j) {
        if (o.i)
            mpfr_fmma(m->s[0], m->h[1], AD__MPT(m, o.i), m->h[2],
                      AD__MPT(m, o.j), MPFR_RNDN);
        else
            mpfr_mul(m->s[0], m->h[2], AD__MPT(m, o.j), MPFR_RNDN);
        so_update(m, o.j, m->p[1], w, wd);
    }
}

/* The outcome of comparison node `op` at the MPFR values, against the one
 * recorded (its last constant): 1 if it flipped. */
static int cmp_flipped(ad__mp *m, unsigned op, const uint32_t *a,
                       const double *c)
{
    unsigned code = op & AD__CODE, var = op & ~AD__CODE;
    mpfr_srcptr u, w;
    double rec;
    if (var == AD__CX) {
        mpfr_set_d(m->k[0], c[0], MPFR_RNDN);
        u = m->k[0];
        w = AD__MPV(m, a[0]);
        rec = c[1];
    } else if (var == AD__XC) {
        mpfr_set_d(m->k[1], c[0], MPFR_RNDN);
        u = AD__MPV(m, a[0]);
        w = m->k[1];
        rec = c[1];
    } else {
        u = AD__MPV(m, a[0]);
        w = AD__MPV(m, a[1]);
        rec = c[0];
    }
    /* MPFR's predicates are false on NaN, as C's operators. */
    int o = code == AD__OP_LT   ? mpfr_less_p(u, w)
            : code == AD__OP_LE ? mpfr_lessequal_p(u, w)
            : code == AD__OP_GT ? mpfr_greater_p(u, w)
            : code == AD__OP_GE ? mpfr_greaterequal_p(u, w)
                                : mpfr_equal_p(u, w);
    return (o != 0) != (rec != 0.0);
}

/* The branch a SELECT node takes: a if c > 0, else b (NaN: b). */
static uint32_t select_arg(const ad__mp *m, const uint32_t *a)
{
    mpfr_srcptr cv = AD__MPV(m, a[0]);
    return !mpfr_nan_p(cv) && mpfr_sgn(cv) > 0 ? a[1] : a[2];
}

/* ---- the sweeps ---------------------------------------------------------- */

/* Input number nin, variable r: its value from x (or the recording) and its
 * tangent from v. */
static void input(ad__mp *m, uint32_t r, const double *x, const double *v,
                  size_t nin)
{
    set_exact(m, AD__MPV(m, r), x != NULL ? x[nin] : AD__V(m->t->vtab, r));
    if (m->tan != NULL)
        set_exact(m, AD__MPT(m, r), v[nin]);
}

/* The forward sweep: values (at x, or at the recorded inputs) and, if m has
 * them, tangents along v.  AD_OK, AD_ERETAPE (x given and a comparison
 * flipped), AD_EUNSUPPORTED or AD_EINVAL (a node it cannot read). */
static int forward(ad__mp *m, const double *x, const double *v)
{
    const ad_tape *t = m->t;
    size_t nin = 0;
    long ncmp = 0;
    for (size_t k = 0; k < t->nseg; k++) {
        const ad__seg *sg = &t->seg[k];
        const uint32_t *a = sg->arg, *aend = sg->arg + sg->narg;
        const double *c = sg->cst;
        uint32_t r = sg->var0;
        for (size_t e = 0; e < sg->nop; e++) {
            unsigned op = sg->op[e], code = op & AD__CODE;
            size_t narg, ncst, nres;
            if (ad__node_shape((uint8_t)op, a, (size_t)(aend - a), &narg, &ncst,
                               &nres) != 0)
                return AD_EINVAL;
            int rc = AD_OK;
            if (code < AD_OP_COUNT)
                prim_forward(m, op, a, c, r);
            else
                switch (code) {
                case AD__OP_INDEP:
                    input(m, r, x, v, nin++);
                    break;
                case AD__OP_INDEPS:
                    for (uint32_t i = 0; i < a[0]; i++)
                        input(m, r + i, x, v, nin++);
                    break;
                case AD__OP_CONST:
                    set_exact(m, AD__MPV(m, r), c[0]);
                    break; /* its tangent stays zero */
                case AD__OP_SELECT: {
                    uint32_t i = select_arg(m, a);
                    mpfr_set(AD__MPV(m, r), AD__MPV(m, i), MPFR_RNDN);
                    if (m->tan != NULL)
                        mpfr_set(AD__MPT(m, r), AD__MPT(m, i), MPFR_RNDN);
                    break;
                }
                case AD__OP_LT:
                case AD__OP_LE:
                case AD__OP_GT:
                case AD__OP_GE:
                case AD__OP_EQ:
                    /* At the recorded point the double recording decided
                     * the path; at a new point the MPFR values do. */
                    if (x != NULL && cmp_flipped(m, op, a, c)) {
                        ad__work_set_flip(ncmp);
                        return AD_ERETAPE;
                    }
                    ncmp++;
                    break;
                default:
                    rc = ad__mp_array_forward(m, code, a, c, r);
                    break;
                }
            if (rc != AD_OK)
                return rc;
            a += narg;
            c += ncst;
            r += (uint32_t)nres;
        }
    }
    if (x != NULL)
        ad__work_set_flip(-1);
    return AD_OK;
}

/* The reverse sweep from the seeded adjoints (second: adjoints and adjoint
 * tangents, over the forward sweep's tangents): writes the inputs' adjoints
 * (second: adjoint tangents) to out as doubles.  AD_OK, AD_EUNSUPPORTED or
 * AD_EINVAL. */
static int reverse(ad__mp *m, double *out, int second)
{
    const ad_tape *t = m->t;
    size_t nin = t->n;
    for (size_t k = t->nseg; k-- > 0;) {
        const ad__seg *sg = &t->seg[k];
        const uint8_t *op = sg->op + sg->nop;
        const uint32_t *a = sg->arg + sg->narg, *aend = a;
        const double *c = sg->cst + sg->ncst;
        uint32_t r = sg->var0 + sg->nvar;
        while (op > sg->op) {
            unsigned b = *--op, code = b & AD__CODE;
            size_t narg, ncst, nres;
            /* Where the node's args start: an array node ends with its
             * length, INDEPS has two words, the others a fixed number. */
            if (AD__IS_ARRAY(code))
                narg = a > sg->arg ? a[-1] : (size_t)-1;
            else if (code == AD__OP_INDEPS)
                narg = 2;
            else if (ad__node_shape((uint8_t)b, NULL, 0, &narg, &ncst, &nres) !=
                     0)
                return AD_EINVAL;
            if (narg > (size_t)(a - sg->arg))
                return AD_EINVAL;
            a -= narg;
            if (ad__node_shape((uint8_t)b, a, (size_t)(aend - a), &narg, &ncst,
                               &nres) != 0)
                return AD_EINVAL;
            c -= ncst;
            r -= (uint32_t)nres;
            int rc = AD_OK;
            mpfr_t *g = second ? m->adt : m->adj;
            if (code < AD_OP_COUNT) {
                if (second)
                    prim_reverse2(m, b, a, c, r);
                else
                    prim_reverse(m, b, a, c, r);
            } else
                switch (code) {
                case AD__OP_INDEP:
                    out[--nin] = mpfr_get_d(g[r], MPFR_RNDN);
                    break;
                case AD__OP_INDEPS:
                    nin -= a[0];
                    for (uint32_t i = 0; i < a[0]; i++)
                        out[nin + i] = mpfr_get_d(g[r + i], MPFR_RNDN);
                    break;
                case AD__OP_SELECT: {
                    uint32_t i = select_arg(m, a);
                    mpfr_add(AD__MPA(m, i), AD__MPA(m, i), AD__MPA(m, r),
                             MPFR_RNDN);
                    if (second)
                        mpfr_add(AD__MPD(m, i), AD__MPD(m, i), AD__MPD(m, r),
                                 MPFR_RNDN);
                    break;
                }
                case AD__OP_CONST:
                case AD__OP_LT:
                case AD__OP_LE:
                case AD__OP_GT:
                case AD__OP_GE:
                case AD__OP_EQ:
                    break;
                default:
                    rc = second ? ad__mp_array_reverse2(m, code, a, c, r)
                                : ad__mp_array_reverse(m, code, a, c, r);
                    break;
                }
            if (rc != AD_OK)
                return rc;
        }
    }
    return AD_OK;
}

/* ---- the calls ----------------------------------------------------------- */

enum { J_EVAL, J_JVP, J_VJP, J_GRAD, J_HVP };

/* One call: what it computes, from what, into what. */
typedef struct job {
    int kind;
    const double *x, *v, *w;
    double *y;   /* outputs' values, or NULL */
    double *out; /* jv, wj, g or hv */
} job;

/* The calling thread's MPFR state that a replay changes. */
typedef struct mp_env {
    mpfr_exp_t emin, emax;
    mpfr_flags_t flags;
} mp_env;

static void env_enter(mp_env *e)
{
    e->emin = mpfr_get_emin();
    e->emax = mpfr_get_emax();
    e->flags = mpfr_flags_save();
    /* MPFR's default exponent range, written out (MPFR has no public name
     * for it), whatever the caller set: the results must not depend on it,
     * and 2^(+-2^30) is beyond any double. */
    mpfr_set_emin(1 - ((mpfr_exp_t)1 << 30));
    mpfr_set_emax(((mpfr_exp_t)1 << 30) - 1);
}

static void env_leave(const mp_env *e)
{
    mpfr_set_emin(e->emin);
    mpfr_set_emax(e->emax);
    mpfr_flags_restore(e->flags, MPFR_FLAGS_ALL);
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
}

static int run(const ad_tape *t, long prec, const job *jb)
{
    if (prec == 0)
        prec = AD_MPFR_PREC_DEFAULT;
    if (prec < 2 || prec > MPFR_PREC_MAX)
        return AD_EINVAL;
    if (t->ncustom > 0)
        return AD_EUNSUPPORTED; /* callbacks in double only */
    int tan = jb->kind == J_JVP || jb->kind == J_HVP;
    int adj = jb->kind == J_VJP || jb->kind == J_GRAD || jb->kind == J_HVP;
    mp_env env;
    ad__mp m;
    env_enter(&env);
    int rc = mp_alloc(&m, t, (mpfr_prec_t)prec, tan, adj, jb->kind == J_HVP);
    if (rc == AD_OK)
        rc = forward(&m, jb->x, jb->v);
    if (rc == AD_OK && adj) {
        if (jb->kind == J_VJP) {
            /* Seeds: exact, and summed where an output is listed twice. */
            for (size_t j = 0; j < t->m; j++)
                if (t->dep[j] != 0)
                    widen(&m, AD__MPA(&m, t->dep[j]));
            for (size_t j = 0; j < t->m; j++)
                if (t->dep[j] != 0)
                    mpfr_add_d(AD__MPA(&m, t->dep[j]), AD__MPA(&m, t->dep[j]),
                               jb->w[j], MPFR_RNDN);
        } else if (t->dep[0] != 0)
            mpfr_set_ui(AD__MPA(&m, t->dep[0]), 1, MPFR_RNDN);
        rc = reverse(&m, jb->out, jb->kind == J_HVP);
    }
    if (rc == AD_OK) {
        for (size_t j = 0; jb->y != NULL && j < t->m; j++)
            jb->y[j] = t->dep[j] != 0
                           ? mpfr_get_d(AD__MPV(&m, t->dep[j]), MPFR_RNDN)
                           : t->depc[j];
        for (size_t j = 0; jb->kind == J_JVP && j < t->m; j++)
            jb->out[j] = t->dep[j] != 0
                             ? mpfr_get_d(AD__MPT(&m, t->dep[j]), MPFR_RNDN)
                             : 0.0;
    }
    if (m.mem != NULL)
        mp_free(&m);
    env_leave(&env);
    return rc;
}

/* AD_OK if t can be replayed at all. */
static int tape_ok(const ad_tape *t)
{
    return t != NULL && t->done ? AD_OK : AD_EINVAL;
}

int ad_tape_mpfr_eval(const ad_tape *t, const double *x, long prec, double *y)
{
    if (tape_ok(t) != AD_OK || (t->m > 0 && y == NULL))
        return AD_EINVAL;
    job jb = {J_EVAL, x, NULL, NULL, y, NULL};
    return run(t, prec, &jb);
}

int ad_tape_mpfr_jvp(const ad_tape *t, const double *x, long prec,
                     const double *v, double *y, double *jv)
{
    if (tape_ok(t) != AD_OK || (t->n > 0 && v == NULL) ||
        (t->m > 0 && jv == NULL))
        return AD_EINVAL;
    job jb = {J_JVP, x, v, NULL, y, jv};
    return run(t, prec, &jb);
}

int ad_tape_mpfr_vjp(const ad_tape *t, const double *x, long prec,
                     const double *w, double *y, double *wj)
{
    if (tape_ok(t) != AD_OK || (t->m > 0 && w == NULL) ||
        (t->n > 0 && wj == NULL))
        return AD_EINVAL;
    job jb = {J_VJP, x, NULL, w, y, wj};
    return run(t, prec, &jb);
}

int ad_tape_mpfr_gradient(const ad_tape *t, const double *x, long prec,
                          double *g)
{
    if (tape_ok(t) != AD_OK || t->m == 0 || (t->n > 0 && g == NULL))
        return AD_EINVAL;
    job jb = {J_GRAD, x, NULL, NULL, NULL, g};
    return run(t, prec, &jb);
}

int ad_tape_mpfr_hvp(const ad_tape *t, const double *x, long prec,
                     const double *v, double *hv)
{
    if (tape_ok(t) != AD_OK || t->m == 0 ||
        (t->n > 0 && (v == NULL || hv == NULL)))
        return AD_EINVAL;
    job jb = {J_HVP, x, v, NULL, NULL, hv};
    return run(t, prec, &jb);
}
