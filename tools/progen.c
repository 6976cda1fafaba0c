/* progen.c -- random programs over the primitive table, evaluated in every
 * mode of admix and checked against the MPFR replay of their tape (see
 * progen.h for the program representation).
 *
 * ---- How a program is made (pg_generate) ----------------------------------
 *
 * Instructions are appended one at a time while the program's double value
 * at x is tracked.  A primitive op is drawn uniformly from the whole table;
 * the point where it is to be applied is drawn by that primitive's own
 * sampler (primitives/<name>.c, the one the table-driven tests use), so no
 * domain is listed here.  Each argument is then either a constant (that
 * point itself), or an existing node u steered to that point by an affine
 * map s*u + k with s*u0 = delta*t and k = t - s*u0, delta in [0.01, 1]
 * (smaller where |s| would pass 1e4, so that derivatives do not grow
 * without bound along a chain): both terms have the sign of t, so the map
 * adds no cancellation (the relative error of the argument is at most that
 * of u), and the op sees its argument where its sampler put it.  For a
 * primitive without the AD_F_DOMAIN and AD_F_SINGULAR flags, a node already
 * at a usable point is used as it is, half of the time (the flagged ones
 * always get their sampler's points: a sampler may leave out stretches of
 * the domain where the rules are documented to lose relative accuracy, as
 * lgamma's does near the negative zeros of psi).  A point is usable if
 * the table's double rules give a finite value and finite first and second
 * partials with respect to the active arguments there (a NaN partial with
 * respect to a constant is allowed: it meets a zero tangent, and rules.h makes
 * that 0), and if the partials barely move when the active arguments move by a
 * relative 2^-30, and the relative condition numbers of the value and of
 * the first partials are below PG_COND: this keeps the points off kinks
 * (|x| at 0, fmin ties), off branch cuts and away from the extreme edges of
 * a domain, where the rounding of the argument alone would decide the
 * derivative (those points are the business of the table-driven tests of
 * single primitives on exact arguments).  Exact ties and exact zeros come
 * from one node used twice (fmin(u, u), u - u), which are exact in every
 * mode and in MPFR alike.
 *
 * ad_select conditions are u - k with |u0 - k| >= 5% |u0|, or a node as
 * it is, a constant, or now and then a NaN or infinite value (which every
 * mode and MPFR read alike: NaN selects the second branch); the branch not
 * taken is, now and then, a primitive evaluated outside its domain or at a
 * singular point (a NaN or infinite value or partial), which must not
 * poison the derivative of the branch taken (the 0 * inf convention of
 * rules.h and sweep.c).  Comparisons (ad_lt ...) choose between two nodes,
 * on operands that are now and then NaN; the tape records them and every
 * sweep here follows the recorded path.
 *
 * ---- What is compared (pg_check) ------------------------------------------
 *
 * Modes: progen's own hyper-dual reference on the table's double rules
 * ("ref"), the interpreter on double, ad_dual (one run per input and one
 * along v), ad_dualv (all inputs and v in one run), ad_hdual (one run per
 * input with v as the second seed: gradient, J v and H v at once), and the
 * tape: ad_tape_eval, _jvp, _vjp, _gradient, _jacobian, _hvp (and
 * _hessian times v, see mode_tape) at the recorded point (x NULL), the same
 * replayed at x, and a tape recorded at a point x' near x replayed at x.
 * The reference is the MPFR replay of the tape (ad_tape_mpfr_eval, _jvp,
 * _vjp, _gradient, _hvp) at the recorded point: the exact derivatives of
 * the recorded computation, rounded once.  Every mode is compared with it
 * output by output (a row: y_k, the gradient of y_k, (J v)_k, w^T J, H v),
 * in the max norm:
 *     |R - M|_max <= K_DEV * dev + K_ABS * (len + 4) * u * abs + tiny
 * where M is MPFR's row, R the mode's, u = 2^-53, len the program's length:
 *   - dev is the spread of Monte Carlo arithmetic (D. Stott Parker, "Monte
 *     Carlo arithmetic", UCLA CSD-970002, 1997): the reference run again
 *     PG_MCA_SAMPLES times with every rounding replaced by a random
 *     relative error within the documented bound of that operation (the
 *     ulp bounds of primitives/<name>.c for values and partials, half an ulp
 *     for the products and sums of the chain rule; none where double
 *     computes them exactly), dev = max over the samples of |sample -
 *     unperturbed|.  It measures how much the rounding of double arithmetic
 *     moves this particular result: the conditioning of the program at x,
 *     including that of the partials on their rounded arguments (f'(a) at a
 *     rounded a), which entrywise ulp bounds cannot see;
 *   - abs is the same derivative computed on the absolute values of every
 *     partial and seed: the size of the terms a mode adds up.  When they
 *     cancel, forward and reverse modes accumulate them in different orders,
 *     and a few ulps of each term is all that can be asked of either (the
 *     first-order bound of Higham, Accuracy and Stability of Numerical
 *     Algorithms, 2nd ed., 2002, sec. 3.1; len + 4 stands for the depth of
 *     the sums and products);
 *   - tiny = 1e-300.
 * K_DEV = 16, because a maximum over four random samples can underestimate
 * the worst arrangement of the same rounding errors by a factor of a few;
 * K_ABS = 2.  Calibration: over 1.6 x 10^6 programs of seven seeds
 * (`admix fuzz --stats` prints the worst err / tol of every mode and
 * quantity) the largest ratio was 0.56 (H v; 0.37 for values, 0.5 for
 * gradients), most are below 0.1; the tolerance demanded, tol / |M|, has
 * a geometric mean of 2e-14 (values) to 8e-14 (H v): a derivative wrong
 * by a relative 1e-12 is caught wherever the program is well-conditioned,
 * and the test's spoiled derivatives (2^-12) always are.  Normwise (per
 * row) rather than entrywise: an entry that cancels to almost nothing
 * cannot be had to a few ulps of itself by any mode, while the row's norm
 * can.
 *
 * A program is not judged (PG_INVALID), and counted apart, when
 *   - a live value, tangent, adjoint or partial is NaN, infinite, above
 *     PG_BIG or a nonzero below PG_SMALL, or a value or partial is a 0 that
 *     MPFR's rules do not give (an underflow: erfc'(30)) -- MPFR's exponent
 *     range is wider and has no subnormals, it would disagree legitimately;
 *   - the Monte Carlo spread of a row is above PG_ILL of the row, or not
 *     finite (a program whose rounding errors are that large is too
 *     ill-conditioned for any mode to be held to a tolerance);
 *   - a non-analytic primitive (fabs, fmin, fmax: AD_F_NONANALYTIC) has its
 *     arguments within K_DEV spreads of a point where its partials change
 *     (double and MPFR could then see different sides of the kink);
 *   - a select's condition is within K_DEV spreads of 0 (MPFR chooses the
 *     branch by its own value of the condition).
 * About 10% of the generated programs are not judged, most of them
 * ill-conditioned.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "primitive.h" /* the samplers and ulp bounds of the table */
#include "progen.h"

/* ---- the interpreter, for every number type ---------------------------- */

/* The test-only fault hook of progen.inc: spoils a derivative by a factor
 * 1 + 2^-12 (see pg_fault). */
#define PG_FAULT_FACTOR (1.0 + 0x1p-12)
static inline void pg__fault_dual(ad_dual *r, int where)
{
    if (where == PG_FAULT_DUAL)
        r->d *= PG_FAULT_FACTOR;
}
static inline void pg__fault_dualv(ad_dualv *r, int where)
{
    if (where == PG_FAULT_DUAL)
        for (int l = 0; l < AD_LANES; l++)
            r->d[l] *= PG_FAULT_FACTOR;
}
static inline void pg__fault_hdual(ad_hdual *r, int where)
{
    if (where == PG_FAULT_HDUAL)
        r->d12 *= PG_FAULT_FACTOR;
}
static inline void pg__fault_none(const void *r, int where)
{
    (void)r, (void)where;
}
/* clang-format off */
#define PG__FAULT(r, where)                                                    \
    _Generic((r),                                                              \
        ad_dual: pg__fault_dual,                                               \
        ad_dualv: pg__fault_dualv,                                             \
        ad_hdual: pg__fault_hdual,                                             \
        default: pg__fault_none)(&(r), (where))
/* clang-format on */

#define AD_TEMPLATE "progen.inc"
#include <admix/instantiate.h>
AD_FN(pg_interp, ((const pg_params *)params)->prog->n,
      ((const pg_params *)params)->prog->m)

/* ---- constants --------------------------------------------------------- */

#define PG_U           0x1p-53 /* unit roundoff */
#define PG_ULP         0x1p-52 /* one ulp, relative, at most */
#define PG_MCA_SAMPLES 4
/* Monte Carlo perturbations are this many times the rounding errors they
 * stand for, and their effects are divided by it: a perturbation of half an
 * ulp would often round away in double arithmetic itself (x (1 + d) == x),
 * while 16 ulps stay well above that noise.  A program whose results the
 * perturbations move by more than PG_ILL relative is not judged: in it
 * the first-order (linear) picture behind the spread, and the spread as an
 * error estimate, would no longer hold. */
#define PG_MCA_INFLATE 0x1p4
#define PG_K_DEV       16.0
#define PG_K_ABS       2.0
#define PG_TINY        1e-300
/* Live values, tangents, adjoints and partials must stay below PG_BIG and,
 * if not zero, above PG_SMALL: then a product of three of them neither
 * overflows nor underflows in double, where MPFR's exponent range would
 * not. */
#define PG_BIG   1e100
#define PG_SMALL 1e-100
#define PG_ILL   1e-6
/* The largest relative condition number of a primitive's value or first
 * partial at the points the generator chooses (probe()). */
#define PG_COND 1e4
/* MPFR bits: the judged programs have relative condition numbers below
 * about PG_ILL / u = 2^33 (see PG_ILL), so the replay's own error stays
 * below 2^-90 relative, far under every tolerance; 128 bits cost a third of
 * the time of the default 256 (lgamma, erf, digamma ... in MPFR dominate a
 * check). */
#define PG_PREC 128

static const char *const mode_names[PG_NMODES] = {
    "ref", "double", "dual", "dualv", "hdual", "tape", "tape@x", "tape@x'"};
static const char *const qty_names[PG_NQTY] = {"y", "J", "Jv", "w^T J", "H v"};
static const char *const cmp_names[PG_NCMP] = {"<", "<=", ">", ">=", "=="};

const char *pg_mode_name(int mode)
{
    return mode >= 0 && mode < PG_NMODES ? mode_names[mode] : "?";
}
const char *pg_qty_name(int qty)
{
    return qty >= 0 && qty < PG_NQTY ? qty_names[qty] : "?";
}

static int arity(int op)
{
    const ad_op_info *info = ad_op_get(op);
    return info ? info->arity : 0;
}

/* The number of arguments of an instruction. */
static int nargs(const pg_ins *in)
{
    switch (in->kind) {
    case PG_OP:
        return arity(in->op);
    case PG_SELECT:
        return 3;
    default:
        return 4;
    }
}

/* |x| is 0 or in [PG_SMALL, PG_BIG]. */
static int in_range(double x)
{
    double a = fabs(x);
    return a == 0.0 || (a >= PG_SMALL && a <= PG_BIG);
}

/* ---- one instruction in double ----------------------------------------- */

static double argval(const pg_arg *a, const double *val)
{
    return a->node >= 0 ? val[a->node] : a->k;
}

static int cmp_outcome(int op, double a, double b)
{
    switch (op) {
    case PG_LT:
        return a < b;
    case PG_LE:
        return a <= b;
    case PG_GT:
        return a > b;
    case PG_GE:
        return a >= b;
    default:
        return a == b;
    }
}

/* The double value of instruction `in` given the values of the nodes: the
 * table's value rules, which are what every double mode computes. */
static double eval_ins(const pg_ins *in, const double *val)
{
    switch (in->kind) {
    case PG_OP: {
        const ad_op_info *info = ad_op_get(in->op);
        double b = info->arity == 2 ? argval(&in->a[1], val) : 0.0;
        return info->value(argval(&in->a[0], val), b, (double)in->c);
    }
    case PG_SELECT:
        return argval(&in->a[0], val) > 0.0 ? argval(&in->a[1], val)
                                            : argval(&in->a[2], val);
    default:
        return cmp_outcome(in->op, argval(&in->a[0], val),
                           argval(&in->a[1], val))
                   ? argval(&in->a[2], val)
                   : argval(&in->a[3], val);
    }
}

/* ---- the reference: hyper-dual numbers on the table's rules ------------ */

/* v + a e1 + b e2 + ab e1 e2. */
typedef struct hd {
    double v, a, b, ab;
} hd;

/* How ref_eval computes: plainly, with Monte Carlo perturbations of every
 * rounding (mca != NULL), or on absolute values (abs). */
typedef struct ref_ctl {
    uint64_t *mca;
    int abs;
    const unsigned char *dec; /* comparison outcomes to follow, or NULL */
    unsigned char *dec_out;   /* where to store them, or NULL */
    double (*part)[5];        /* per node: the partials P0 P1 Q0 Q1 Q2 */
} ref_ctl;

/* x with one rounding of `ulps` ulps at most (Monte Carlo), or x. */
static double pert(const ref_ctl *ctl, double x, double ulps)
{
    if (ctl->mca == NULL || ulps <= 0.0)
        return x;
    return x * (1.0 + ad__rand_uniform(ctl->mca, -1.0, 1.0) * ulps * PG_ULP *
                          PG_MCA_INFLATE);
}

/* p t, 0 when t is 0 (the convention of ad__chain_guarded), rounded.
 * A product or sum that double computes exactly (fma and Knuth's TwoSum
 * tell) has no rounding error to perturb: 1 * t, or t + (-t) in x - x,
 * stay exact, as they are in every mode. */
static double mul2(const ref_ctl *ctl, double a, double b)
{
    double r = a * b;
    return fma(a, b, -r) == 0.0 ? r : pert(ctl, r, 0.5);
}
static double chain(const ref_ctl *ctl, double p, double t)
{
    return t == 0.0 ? 0.0 : mul2(ctl, p, t);
}
static double sum(const ref_ctl *ctl, double a, double b)
{
    double s = a + b, bb = s - a;
    double err = (a - (s - bb)) + (b - bb);
    return err == 0.0 ? s : pert(ctl, s, 0.5);
}

static hd argh(const pg_arg *a, const hd *node)
{
    if (a->node >= 0)
        return node[a->node];
    hd c = {a->k, 0.0, 0.0, 0.0};
    return c;
}

/* Evaluates p with hyper-dual inputs x + s1 e1 + s2 e2 into node[]. */
static void ref_eval(const pg_prog *p, const double *s1, const double *s2,
                     const ref_ctl *ctl, hd *node)
{
    for (int i = 0; i < p->n; i++) {
        hd h = {p->x[i], s1[i], s2[i], 0.0};
        if (ctl->abs)
            h.a = fabs(h.a), h.b = fabs(h.b);
        node[i] = h;
    }
    for (int j = 0; j < p->len; j++) {
        const pg_ins *in = &p->ins[j];
        hd r = {0.0, 0.0, 0.0, 0.0};
        if (in->kind == PG_SELECT) {
            hd c = argh(&in->a[0], node);
            r = argh(&in->a[c.v > 0.0 ? 1 : 2], node);
        } else if (in->kind == PG_CMP) {
            int o;
            if (ctl->dec != NULL)
                o = ctl->dec[j];
            else
                o = cmp_outcome(in->op, argh(&in->a[0], node).v,
                                argh(&in->a[1], node).v);
            if (ctl->dec_out != NULL)
                ctl->dec_out[j] = (unsigned char)o;
            r = argh(&in->a[o ? 2 : 3], node);
        } else {
            const ad_op_info *info = ad_op_get(in->op);
            const ad__prim *pr = ad__prim_get(in->op);
            int two = info->arity == 2;
            hd A = argh(&in->a[0], node);
            hd B = two ? argh(&in->a[1], node) : r;
            double c = (double)in->c;
            r.v = pert(ctl, info->value(A.v, B.v, c), pr->ulp_value);
            double P[2] = {0.0, 0.0}, Q[3] = {0.0, 0.0, 0.0};
            info->d1(A.v, B.v, c, r.v, P);
            info->d2(A.v, B.v, c, r.v, Q);
            for (int k = 0; k < 2; k++)
                P[k] = pert(ctl, P[k], pr->ulp_d1);
            for (int k = 0; k < 3; k++)
                Q[k] = pert(ctl, Q[k], pr->ulp_d2);
            if (ctl->part != NULL) {
                double *q = ctl->part[p->n + j];
                q[0] = P[0], q[1] = P[1], q[2] = Q[0], q[3] = Q[1], q[4] = Q[2];
            }
            if (ctl->abs) {
                for (int k = 0; k < 2; k++)
                    P[k] = fabs(P[k]);
                for (int k = 0; k < 3; k++)
                    Q[k] = fabs(Q[k]);
            }
            r.a = chain(ctl, P[0], A.a);
            r.b = chain(ctl, P[0], A.b);
            r.ab = sum(ctl, chain(ctl, P[0], A.ab),
                       chain(ctl, Q[0], mul2(ctl, A.a, A.b)));
            if (two) {
                r.a = sum(ctl, r.a, chain(ctl, P[1], B.a));
                r.b = sum(ctl, r.b, chain(ctl, P[1], B.b));
                double x = mul2(ctl, A.a, B.b);
                double y = mul2(ctl, A.b, B.a);
                if (ctl->abs)
                    x = fabs(x), y = fabs(y);
                r.ab = sum(ctl, r.ab, chain(ctl, P[1], B.ab));
                r.ab = sum(ctl, r.ab, chain(ctl, Q[2], mul2(ctl, B.a, B.b)));
                r.ab = sum(ctl, r.ab, chain(ctl, Q[1], sum(ctl, x, y)));
            }
        }
        node[p->n + j] = r;
    }
}

/* ---- generation -------------------------------------------------------- */

typedef struct gen {
    uint64_t s;
    pg_prog *p;
    int max_len;
    double val[PG_MAX_NODES];
    unsigned char poison[PG_MAX_NODES]; /* only for an untaken branch */
} gen;

static int chance(gen *g, int percent)
{
    return (int)(ad__rand_next(&g->s) % 100u) < percent;
}

/* A node to use as an argument: often the newest (deep programs), else
 * one of the last few or any (wide ones); never a poisoned one. */
static int pick_node(gen *g)
{
    int nn = g->p->n + g->p->len;
    int r = (int)(ad__rand_next(&g->s) % 4u);
    for (int tries = 0; tries < 64; tries++) {
        int u;
        if (r < 2)
            u = nn - 1 - tries;
        else if (r == 2)
            u = nn - 1 - (int)(ad__rand_next(&g->s) % 4u);
        else
            u = (int)(ad__rand_next(&g->s) % (uint64_t)nn);
        if (u >= 0 && u < nn && !g->poison[u])
            return u;
    }
    return 0; /* x0 is never poisoned */
}

static pg_arg node_arg(int u)
{
    pg_arg a = {u, 0.0};
    return a;
}
static pg_arg const_arg(double k)
{
    pg_arg a = {-1, k};
    return a;
}

/* Appends an instruction and evaluates it; -1 (and nothing appended) if
 * the program is full or, unless `poisoned`, the value is not finite or
 * out of range. */
static int append(gen *g, const pg_ins *in, int poisoned)
{
    pg_prog *p = g->p;
    if (p->len >= PG_MAX_INS)
        return -1;
    double y = eval_ins(in, g->val);
    if (!poisoned && !(isfinite(y) && in_range(y)))
        return -1;
    int u = p->n + p->len;
    p->ins[p->len++] = *in;
    g->val[u] = y;
    g->poison[u] = (unsigned char)(poisoned != 0);
    return u;
}

static int append_op(gen *g, int op, pg_arg a, pg_arg b, int c, int poisoned)
{
    pg_ins in;
    memset(&in, 0, sizeof in);
    in.kind = PG_OP;
    in.op = op;
    in.c = c;
    in.a[0] = a;
    in.a[1] = arity(op) == 2 ? b : const_arg(0.0);
    in.a[2] = in.a[3] = const_arg(0.0);
    return append(g, &in, poisoned);
}

/* Whether op may be applied at (a, b; c) with active arguments `act` (bit
 * 0: a, bit 1: b; `same`: both are one node): a finite value in range,
 * finite first and second partials for the active arguments, and partials
 * that change by at most a quarter when the active arguments move by a
 * relative 2^-30 (off kinks and extreme edges).  Only the table's rules are
 * used. */
static int probe(int op, double a, double b, int c, unsigned act, int same)
{
    const ad_op_info *info = ad_op_get(op);
    int two = info->arity == 2;
    if (!two)
        act &= 1u;
    double y = info->value(a, b, c);
    if (!isfinite(y) || !in_range(y))
        return 0;
    double P[2] = {0.0, 0.0}, Q[3] = {0.0, 0.0, 0.0};
    info->d1(a, b, c, y, P);
    info->d2(a, b, c, y, Q);
    if (((act & 1u) && !(isfinite(P[0]) && isfinite(Q[0]))) ||
        ((act & 2u) && !(isfinite(P[1]) && isfinite(Q[2]))) ||
        ((act & 3u) == 3u && !isfinite(Q[1])))
        return 0;
    /* Relative condition numbers of the value and of the first partial
     * with respect to each active argument: a relative error e in the
     * argument moves them by about cond * e. */
    double x[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (((act >> i) & 1u) && !(in_range(P[i]) && in_range(Q[2 * i])))
            return 0;
        if (!((act >> i) & 1u) || x[i] == 0.0)
            continue;
        double cv = y != 0.0 ? fabs(x[i] * P[i] / y) : INFINITY;
        double cd = P[i] != 0.0 ? fabs(x[i] * Q[2 * i] / P[i]) : 0.0;
        if (P[i] == 0.0 && Q[2 * i] != 0.0)
            cd = INFINITY;
        if (!(cv <= PG_COND && cd <= PG_COND))
            return 0;
    }
    static const double h = 0x1p-30;
    for (int k = 0; k < 4; k++) {
        double s = (k & 1) ? -h : h;
        double a2 = a, b2 = b;
        if (same) {
            if (k >= 2)
                break;
            a2 = a * (1.0 + s), b2 = b * (1.0 + s);
        } else if (k < 2) {
            if (!(act & 1u))
                continue;
            a2 = a * (1.0 + s);
        } else {
            if (!(act & 2u))
                continue;
            b2 = b * (1.0 + s);
        }
        double y2 = info->value(a2, b2, c), P2[2] = {0.0, 0.0};
        if (!isfinite(y2))
            return 0;
        info->d1(a2, b2, c, y2, P2);
        for (int i = 0; i < 2; i++)
            if ((act >> i) & 1u)
                if (!(fabs(P2[i] - P[i]) <= 0.25 * fabs(P[i])))
                    return 0;
    }
    return 1;
}

/* An argument whose value is about t, made from node u: u itself if it is
 * t, u - u for t = 0 (an exact zero in every mode and in MPFR), u + t for
 * u0 = 0, else s*u + k with s*u0 = delta*t, k = t - s*u0 (both terms with
 * the sign of t: no cancellation).  Returns the node, or -1. */
static int steer(gen *g, int u, double t)
{
    double u0 = g->val[u];
    if (u0 == t)
        return u;
    if (t == 0.0)
        return append_op(g, AD_OP_SUB, node_arg(u), node_arg(u), 0, 0);
    if (u0 == 0.0)
        return append_op(g, AD_OP_ADD, node_arg(u), const_arg(t), 0, 0);
    double delta = pow(10.0, ad__rand_uniform(&g->s, -2.0, 0.0));
    double s = delta * t / u0;
    /* A large factor multiplies every derivative after it: at most 1e4,
     * the rest of the way by k (delta < 0.01 then, still no cancellation).
     * A small one cannot be avoided without cancellation. */
    if (fabs(s) > 1e4)
        s = copysign(ad__rand_uniform(&g->s, 1e3, 1e4), s);
    if (!(fabs(s) >= 1e-150))
        return -1;
    int r1 = chance(g, 50)
                 ? append_op(g, AD_OP_MUL, node_arg(u), const_arg(s), 0, 0)
                 : append_op(g, AD_OP_MUL, const_arg(s), node_arg(u), 0, 0);
    if (r1 < 0)
        return -1;
    double k = t - g->val[r1];
    if (k == 0.0)
        return r1;
    switch (ad__rand_next(&g->s) % 4u) {
    case 0:
        return append_op(g, AD_OP_ADD, const_arg(k), node_arg(r1), 0, 0);
    case 1:
        return append_op(g, AD_OP_SUB, node_arg(r1), const_arg(-k), 0, 0);
    default:
        return append_op(g, AD_OP_ADD, node_arg(r1), const_arg(k), 0, 0);
    }
}

/* A sampler point for op, preferring moderate magnitudes (the samplers
 * reach 1e+-300, where a program soon leaves the range checked). */
static void sample_point(gen *g, int op, double t[2], long *c)
{
    const ad__prim *pr = ad__prim_get(op);
    for (int tries = 0; tries < 8; tries++) {
        t[0] = t[1] = 0.0;
        *c = 0;
        pr->sample(&g->s, t, c);
        int moderate = 1;
        for (int i = 0; i < arity(op); i++)
            if (t[i] != 0.0 && !(fabs(t[i]) > 1e-12 && fabs(t[i]) < 1e12))
                moderate = 0;
        if (moderate || chance(g, 2))
            return;
    }
}

/* Appends op applied to steered nodes or constants; the instruction's node,
 * or -1 (the program is then rolled back by the caller). */
static int gen_op(gen *g, int op)
{
    int two = arity(op) == 2;
    for (int attempt = 0; attempt < 8; attempt++) {
        int len0 = g->p->len;
        double t[2];
        long cl;
        sample_point(g, op, t, &cl);
        int c = (int)cl;
        /* Which arguments are nodes: unary always; binary mostly both, one
         * node used twice 1 time in 10, or one constant. */
        unsigned act = 1u;
        int same = 0;
        if (two) {
            int r = (int)(ad__rand_next(&g->s) % 10u);
            act = r < 2 ? 2u : (r < 4 ? 1u : 3u);
            if (r == 4) {
                same = 1;
                t[1] = t[0];
            }
        }
        if (!probe(op, t[0], t[1], c, act, same))
            continue;
        pg_arg arg[2] = {const_arg(t[0]), const_arg(t[1])};
        int ok = 1;
        for (int i = 0; i < 1 + two && ok; i++) {
            if (!((act >> i) & 1u))
                continue;
            if (same && i == 1) {
                arg[1] = arg[0];
                break;
            }
            int u = pick_node(g);
            /* A node already at a usable point serves as it is, for the
             * primitives the table flags neither AD_F_DOMAIN nor
             * AD_F_SINGULAR.  The others always get a point of their
             * sampler: inside a domain a sampler may also leave out
             * stretches where the double rules are documented to lose
             * relative accuracy (lgamma's f' near the negative zeros of
             * psi, primitives/lgamma.c), which the probe cannot know. */
            double a = i == 0 ? g->val[u] : t[0], b = i == 1 ? g->val[u] : t[1];
            if (same)
                b = a;
            unsigned act1 = same ? act : (1u << i);
            if (!(ad_op_get(op)->flags & (AD_F_DOMAIN | AD_F_SINGULAR)) &&
                chance(g, 50) && probe(op, a, b, c, act1, same)) {
                arg[i] = node_arg(u);
                t[i] = g->val[u];
                if (same)
                    t[1] = t[0];
                continue;
            }
            int r = steer(g, u, t[i]);
            if (r < 0)
                ok = 0;
            else
                arg[i] = node_arg(r), t[i] = g->val[r];
            if (same)
                t[1] = t[0];
        }
        /* The steered arguments are t up to rounding: check where they
         * actually are. */
        if (ok && probe(op, argval(&arg[0], g->val),
                        two ? argval(&arg[1], g->val) : 0.0, c, act, same)) {
            int r = append_op(g, op, arg[0], arg[1], c, 0);
            if (r >= 0)
                return r;
        }
        g->p->len = len0;
    }
    return -1;
}

/* Whether op's value or its partials with respect to a are not finite at
 * (a, b; c): a point outside the domain, or a singular one. */
static int bad_point(int op, double a, double b, int c)
{
    const ad_op_info *info = ad_op_get(op);
    double y = info->value(a, b, c);
    double P[2] = {0.0, 0.0}, Q[3] = {0.0, 0.0, 0.0};
    info->d1(a, b, c, y, P);
    info->d2(a, b, c, y, Q);
    return !isfinite(y) || !isfinite(P[0]) || !isfinite(Q[0]);
}

/* A node whose value or partials are not finite: op at a point outside
 * its domain or at a singular point, found by moving sampler points and
 * asking the table's rules.  -1 if none was found. */
static int gen_poison(gen *g)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        int op = (int)(ad__rand_next(&g->s) % AD_OP_COUNT);
        double t[2];
        long cl;
        sample_point(g, op, t, &cl);
        int c = (int)cl;
        double cand[7] = {0.0,        -t[0],       t[0] + 8.0,       t[0] - 8.0,
                          1.0 / t[0], -1.0 / t[0], -2.0 * t[0] - 1.0};
        for (int k = 0; k < 7; k++) {
            if (!isfinite(cand[k]) || !bad_point(op, cand[k], t[1], c))
                continue;
            int len0 = g->p->len;
            int r = steer(g, pick_node(g), cand[k]);
            if (r >= 0 && bad_point(op, g->val[r], t[1], c))
                r = append_op(g, op, node_arg(r), const_arg(t[1]), c, 1);
            else
                r = -1;
            if (r >= 0)
                return r;
            g->p->len = len0;
        }
    }
    return -1;
}

/* A node or, now and then, a constant near the values around. */
static pg_arg node_or_const(gen *g, int percent_const)
{
    int u = pick_node(g);
    if (chance(g, percent_const))
        return const_arg(g->val[u] * ad__rand_uniform(&g->s, -2.0, 2.0));
    return node_arg(u);
}

static int gen_select(gen *g)
{
    int len0 = g->p->len;
    pg_ins in;
    memset(&in, 0, sizeof in);
    in.kind = PG_SELECT;
    int u = pick_node(g);
    double u0 = g->val[u];
    int r = (int)(ad__rand_next(&g->s) % 20u), pc = -1;
    if (r == 0)
        pc = gen_poison(g); /* NaN selects the second branch, +-inf by sign */
    if (pc >= 0) {
        in.a[0] = node_arg(pc);
    } else if (r < 4) {
        in.a[0] = const_arg(ad__rand_uniform(&g->s, -1.0, 1.0));
    } else if (r < 8 && u0 != 0.0) {
        in.a[0] = node_arg(u);
    } else {
        double sign = chance(g, 50) ? 1.0 : -1.0, k;
        if (u0 != 0.0)
            k = u0 * (1.0 + sign * ad__rand_uniform(&g->s, 0.05, 0.5));
        else
            k = sign * ad__rand_uniform(&g->s, 0.5, 2.0);
        int cn = append_op(g, AD_OP_SUB, node_arg(u), const_arg(k), 0, 0);
        if (cn < 0)
            return -1;
        in.a[0] = node_arg(cn);
    }
    int take = argval(&in.a[0], g->val) > 0.0 ? 1 : 2;
    pg_arg taken = node_or_const(g, 10), other;
    int pz = chance(g, 20) ? gen_poison(g) : -1;
    other = pz >= 0 ? node_arg(pz) : node_or_const(g, 10);
    if (taken.node < 0 && other.node < 0)
        taken = node_arg(pick_node(g));
    in.a[take] = taken;
    in.a[3 - take] = other;
    in.a[3] = const_arg(0.0);
    int res = append(g, &in, 0);
    if (res < 0)
        g->p->len = len0;
    return res;
}

static int gen_cmp(gen *g)
{
    pg_ins in;
    memset(&in, 0, sizeof in);
    in.kind = PG_CMP;
    in.op = (int)(ad__rand_next(&g->s) % PG_NCMP);
    int u = pick_node(g);
    in.a[0] = node_arg(u);
    int pz = chance(g, 5) ? gen_poison(g) : -1; /* NaN compares false */
    if (pz >= 0)
        in.a[0] = node_arg(pz);
    int r = (int)(ad__rand_next(&g->s) % 10u);
    if (r < 2)
        in.a[1] = const_arg(g->val[u]); /* a tie: == and <= hold */
    else if (r < 6)
        in.a[1] =
            const_arg(g->val[u] * (1.0 + ad__rand_uniform(&g->s, -0.5, 0.5)));
    else
        in.a[1] = node_arg(pick_node(g));
    if (chance(g, 30)) { /* the constant first */
        pg_arg t = in.a[0];
        in.a[0] = in.a[1];
        in.a[1] = t;
    }
    in.a[2] = node_or_const(g, 10);
    in.a[3] = node_or_const(g, 10);
    if (in.a[2].node < 0 && in.a[3].node < 0)
        in.a[2] = node_arg(pick_node(g));
    return append(g, &in, 0);
}

uint64_t pg_program_seed(uint64_t seed, long k)
{
    uint64_t s = seed ^ UINT64_C(0x5851F42D4C957F2D);
    s += (uint64_t)k * UINT64_C(0x9E3779B97F4A7C15);
    return ad__rand_next(&s);
}

void pg_generate(uint64_t seed, const pg_gen_opts *opts, pg_prog *p)
{
    int max_len = opts && opts->max_len > 0 ? opts->max_len : 40;
    int max_in = opts && opts->max_inputs > 0 ? opts->max_inputs : PG_MAX_IN;
    if (max_len > PG_MAX_INS)
        max_len = PG_MAX_INS;
    if (max_in > PG_MAX_IN)
        max_in = PG_MAX_IN;
    gen g;
    memset(&g, 0, sizeof g);
    g.s = seed;
    g.p = p;
    for (;;) {
        memset(p, 0, sizeof *p);
        memset(g.poison, 0, sizeof g.poison);
        p->n = 1 + (int)(ad__rand_next(&g.s) % (uint64_t)max_in);
        p->m = chance(&g, 25) ? 2 : 1;
        for (int i = 0; i < p->n; i++) {
            int r = (int)(ad__rand_next(&g.s) % 5u);
            if (r < 3) {
                p->x[i] = ad__rand_uniform(&g.s, -3.0, 3.0);
            } else if (r == 3) {
                p->x[i] = ad__rand_logmag(&g.s, -3.0, 3.0, 1);
            } else {
                double t[2] = {0.0, 0.0};
                long c = 0;
                int op = (int)(ad__rand_next(&g.s) % AD_OP_COUNT);
                ad__prim_get(op)->sample(&g.s, t, &c);
                p->x[i] = in_range(t[0]) && fabs(t[0]) < 1e6 ? t[0] : 2.385;
            }
            g.val[i] = p->x[i];
            p->v[i] = ad__rand_uniform(&g.s, 0.25, 1.0) *
                      (chance(&g, 50) ? 1.0 : -1.0);
        }
        for (int k = 0; k < p->m; k++)
            p->w[k] = ad__rand_uniform(&g.s, 0.5, 2.0) *
                      (chance(&g, 50) ? 1.0 : -1.0);
        int target = 1 + (int)(ad__rand_next(&g.s) % (uint64_t)max_len);
        for (int step = 0; step < 4 * target + 8; step++) {
            /* An op may append 5 instructions, a select 5 or 6. */
            if (p->len >= target || p->len + 8 > PG_MAX_INS)
                break;
            int r = (int)(ad__rand_next(&g.s) % 100u), len0 = p->len;
            int res;
            if (r < 86)
                res = gen_op(&g, (int)(ad__rand_next(&g.s) % AD_OP_COUNT));
            else if (r < 93)
                res = gen_select(&g);
            else
                res = gen_cmp(&g);
            if (res < 0)
                p->len = len0;
        }
        if (p->len == 0)
            continue;
        /* Output 0 is the newest node that is not poisoned, so that the
         * program ends where it was built up. */
        int last = p->n + p->len - 1;
        while (g.poison[last])
            last--;
        p->out[0] = last;
        if (p->m == 2)
            p->out[1] = pick_node(&g);
        return;
    }
}

/* ---- checking ---------------------------------------------------------- */

struct pg_checker {
    ad_tape *tape;  /* recorded at x */
    ad_tape *moved; /* recorded at a point near x */
    pg_fault fault;
    /* Per input i, the hyper-dual nodes of the plain reference run along
     * (e_i, v), and of the current Monte Carlo run. */
    hd plain[PG_MAX_IN][PG_MAX_NODES];
    hd mca[PG_MAX_NODES];
    double part[PG_MAX_NODES][5];
};

pg_checker *pg_checker_new(void)
{
    pg_checker *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->tape = ad_tape_new();
    c->moved = ad_tape_new();
    if (c->tape == NULL || c->moved == NULL) {
        ad_tape_free(c->tape);
        ad_tape_free(c->moved);
        free(c);
        return NULL;
    }
    c->fault.where = PG_FAULT_NONE;
    c->fault.op = -1;
    return c;
}

void pg_checker_free(pg_checker *c)
{
    if (c == NULL)
        return;
    ad_tape_free(c->tape);
    ad_tape_free(c->moved);
    free(c);
}

void pg_checker_set_fault(pg_checker *c, const pg_fault *fault)
{
    if (fault == NULL || fault->where == PG_FAULT_NONE) {
        c->fault.where = PG_FAULT_NONE;
        c->fault.op = -1;
    } else {
        c->fault = *fault;
    }
}

/* The quantities of one evaluation, laid out as pg_check compares them. */
typedef struct qset {
    double y[PG_MAX_OUT];
    double j[PG_MAX_OUT][PG_MAX_IN];
    double jv[PG_MAX_OUT];
    double wj[PG_MAX_IN];
    double hv[PG_MAX_IN];
} qset;

/* What a check compares against: MPFR's values M, and for the tolerances
 * the Monte Carlo spread and the absolute-value sums. */
typedef struct chk {
    const pg_prog *p;
    pg_report *r;
    qset M, dev, abs;
} chk;

static void add_mismatch(pg_report *r, const pg_mismatch *m)
{
    if (r->nmismatch < PG_MAX_MISMATCH)
        r->mis[r->nmismatch] = *m;
    r->nmismatch++;
}

/* Compares one row of a mode's results with MPFR's (see the top of this
 * file for the tolerance). */
static void judge(chk *k, int mode, int qty, int row, const double *got,
                  int status)
{
    const qset *M = &k->M, *D = &k->dev, *A = &k->abs;
    const double *ref, *dev, *abs;
    int len = k->p->n;
    switch (qty) {
    case PG_Q_Y:
        ref = &M->y[row], dev = &D->y[row], abs = &M->y[row], len = 1;
        break;
    case PG_Q_J:
        ref = M->j[row], dev = D->j[row], abs = A->j[row];
        break;
    case PG_Q_JV:
        ref = &M->jv[row], dev = &D->jv[row], abs = &A->jv[row], len = 1;
        break;
    case PG_Q_WJ:
        ref = M->wj, dev = D->wj, abs = A->wj;
        break;
    default:
        ref = M->hv, dev = D->hv, abs = A->hv;
        break;
    }
    double err = 0.0, scale = 0.0, devm = 0.0, absm = 0.0;
    int worst = 0;
    for (int i = 0; i < len; i++) {
        double d = fabs(got[i] - ref[i]);
        if (isnan(d))
            d = INFINITY;
        if (d > err || (i == 0 && d == err))
            err = d, worst = i;
        scale = fmax(scale, fabs(ref[i]));
        devm = fmax(devm, dev[i]);
        absm = fmax(absm, fabs(abs[i]));
    }
    double tol =
        PG_K_DEV * devm + PG_K_ABS * (k->p->len + 4) * PG_U * absm + PG_TINY;
    double ratio = status == AD_OK ? err / tol : INFINITY;
    pg_report *r = k->r;
    if (ratio > r->ratio[mode][qty])
        r->ratio[mode][qty] = ratio;
    if (scale > 0.0 && tol / scale > r->strength[qty])
        r->strength[qty] = tol / scale;
    if (!(ratio <= 1.0)) {
        pg_mismatch m = {mode,       qty, row, worst, got[worst],
                         ref[worst], err, tol, scale, status};
        add_mismatch(r, &m);
    }
}

static void unit(double *e, int len, int i)
{
    for (int k = 0; k < len; k++)
        e[k] = k == i ? 1.0 : 0.0;
}

/* Runs the reference along (e_i, v) for every input i into c->plain (or,
 * with a Monte Carlo state, into c->mca) and gathers the quantities. */
static void ref_runs(pg_checker *c, const pg_prog *p, uint64_t *mca, int abs,
                     unsigned char *dec, qset *q, double *vdev)
{
    double e[PG_MAX_IN];
    /* The entries past the program's n and m stay zero: pg_check folds the
     * whole set into its spreads. */
    memset(q, 0, sizeof *q);
    for (int i = 0; i < p->n; i++) {
        unit(e, p->n, i);
        ref_ctl ctl = {mca, abs, NULL, NULL, NULL};
        if (mca == NULL && !abs && i == 0) {
            ctl.dec_out = dec;
            ctl.part = c->part;
        } else {
            ctl.dec = dec;
        }
        hd *node = (mca == NULL && !abs) ? c->plain[i] : c->mca;
        ref_eval(p, e, p->v, &ctl, node);
        for (int k = 0; k < p->m; k++) {
            q->y[k] = node[p->out[k]].v;
            q->j[k][i] = node[p->out[k]].a;
            if (i == 0)
                q->jv[k] = node[p->out[k]].b;
        }
        q->hv[i] = node[p->out[0]].ab;
        if (vdev != NULL)
            for (int u = 0; u < p->n + p->len; u++) {
                double d = fabs(node[u].v - c->plain[0][u].v) / PG_MCA_INFLATE;
                if (isnan(d))
                    d = INFINITY;
                vdev[u] = fmax(vdev[u], d);
            }
    }
    for (int i = 0; i < p->n; i++) {
        q->wj[i] = 0.0;
        for (int k = 0; k < p->m; k++)
            q->wj[i] += (abs ? fabs(p->w[k]) : p->w[k]) * q->j[k][i];
    }
}

/* Structural validity: argument nodes before their use, outputs nodes. */
static int well_formed(const pg_prog *p)
{
    if (p->n < 1 || p->n > PG_MAX_IN || p->m < 1 || p->m > PG_MAX_OUT ||
        p->len < 0 || p->len > PG_MAX_INS)
        return 0;
    for (int j = 0; j < p->len; j++) {
        const pg_ins *in = &p->ins[j];
        if (in->kind == PG_OP && ad_op_get(in->op) == NULL)
            return 0;
        if (in->kind == PG_CMP && (in->op < 0 || in->op >= PG_NCMP))
            return 0;
        if (in->kind < PG_OP || in->kind > PG_CMP)
            return 0;
        for (int a = 0; a < nargs(in); a++)
            if (in->a[a].node >= p->n + j)
                return 0;
    }
    for (int k = 0; k < p->m; k++)
        if (p->out[k] < 0 || p->out[k] >= p->n + p->len)
            return 0;
    return 1;
}

/* Which nodes are active (depend on an input: on the tape they are
 * variables; conservatively, a select or comparison result is active if
 * any argument it may return is) and which are live (their value and
 * derivatives reach an output: not the untaken branch of a select or a
 * comparison, not a comparison's operands). */
static void flow(const pg_prog *p, const double *val, const unsigned char *dec,
                 unsigned char *active, unsigned char *live)
{
    int nn = p->n + p->len;
    memset(active, 0, (size_t)nn);
    memset(live, 0, (size_t)nn);
    for (int i = 0; i < p->n; i++)
        active[i] = 1;
    for (int j = 0; j < p->len; j++) {
        const pg_ins *in = &p->ins[j];
        int first = in->kind == PG_CMP ? 2 : in->kind == PG_SELECT ? 1 : 0;
        for (int a = first; a < nargs(in); a++)
            if (in->a[a].node >= 0 && active[in->a[a].node])
                active[p->n + j] = 1;
    }
    for (int k = 0; k < p->m; k++)
        live[p->out[k]] = 1;
    for (int j = p->len - 1; j >= 0; j--) {
        const pg_ins *in = &p->ins[j];
        if (!live[p->n + j])
            continue;
        int a0 = 0, a1 = nargs(in) - 1;
        if (in->kind == PG_SELECT)
            a0 = a1 = argval(&in->a[0], val) > 0.0 ? 1 : 2;
        else if (in->kind == PG_CMP)
            a0 = a1 = dec[j] ? 2 : 3;
        for (int a = a0; a <= a1; a++)
            if (in->a[a].node >= 0)
                live[in->a[a].node] = 1;
    }
}

static int finite_in_range(const hd *h)
{
    return isfinite(h->v) && isfinite(h->a) && isfinite(h->b) &&
           isfinite(h->ab) && in_range(h->v) && in_range(h->a) &&
           in_range(h->b) && in_range(h->ab);
}

/* Whether a zero among the value y and the partials q (P0 P1 Q0 Q1 Q2;
 * those with respect to active arguments, aa and ab) of instruction `in`
 * is an underflow: the primitive's MPFR rules at the same arguments, with
 * MPFR's exponent range, give a nonzero there (erfc'(30) = 0 in double).
 * An exact zero (x - x, fmin's partial for the argument not returned) is
 * zero in MPFR too.  MPFR is asked only when there is a zero. */
static int underflows(const pg_ins *in, const double *val, double y,
                      const double *q, int aa, int ab)
{
    int two = arity(in->op) == 2;
    int want[6] = {
        y == 0.0,          aa && q[0] == 0.0,       ab && q[1] == 0.0,
        aa && q[2] == 0.0, aa && ab && q[3] == 0.0, ab && q[4] == 0.0};
    int any = 0;
    for (int i = 0; i < 6; i++)
        any |= want[i];
    if (!any)
        return 0;
    const ad__prim *pr = ad__prim_get(in->op);
    mpfr_t A, B, Y, p0, p1, p2;
    mpfr_inits2(64, A, B, Y, p0, p1, p2, (mpfr_ptr)0);
    mpfr_set_d(A, argval(&in->a[0], val), MPFR_RNDN);
    mpfr_set_d(B, two ? argval(&in->a[1], val) : 0.0, MPFR_RNDN);
    mpfr_ptr P[3] = {p0, p1, p2};
    pr->mpfr_value(Y, A, two ? B : NULL, in->c, MPFR_RNDN);
    int bad = want[0] && mpfr_regular_p(Y);
    pr->mpfr_d1(P, A, two ? B : NULL, in->c, Y);
    bad |= (want[1] && mpfr_regular_p(p0)) || (want[2] && mpfr_regular_p(p1));
    pr->mpfr_d2(P, A, two ? B : NULL, in->c, Y);
    if (two)
        bad |= (want[3] && mpfr_regular_p(p0)) ||
               (want[4] && mpfr_regular_p(p1)) ||
               (want[5] && mpfr_regular_p(p2));
    else
        bad |= want[3] && mpfr_regular_p(p0);
    mpfr_clears(A, B, Y, p0, p1, p2, (mpfr_ptr)0);
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
    return bad;
}

/* The checks that make a program not judged (PG_INVALID); see the top of
 * this file.  Fills r->why and returns 0 if one applies. */
static int judgeable(pg_checker *c, const pg_prog *p, const unsigned char *dec,
                     const double *vdev, pg_report *r)
{
    unsigned char active[PG_MAX_NODES], live[PG_MAX_NODES];
    double val[PG_MAX_NODES];
    int nn = p->n + p->len;
    for (int u = 0; u < nn; u++)
        val[u] = c->plain[0][u].v;
    flow(p, val, dec, active, live);
    for (int u = 0; u < nn; u++) {
        if (!live[u])
            continue;
        for (int i = 0; i < p->n; i++)
            if (!finite_in_range(&c->plain[i][u])) {
                snprintf(r->why, sizeof r->why,
                         "node %d: a value or derivative is not finite or "
                         "is out of range (%g)",
                         u, c->plain[i][u].v);
                return 0;
            }
        if (vdev != NULL && !isfinite(vdev[u])) {
            snprintf(r->why, sizeof r->why,
                     "node %d: not finite under Monte Carlo rounding", u);
            return 0;
        }
    }
    /* The adjoints of a reverse sweep of each output, which the forward
     * tangents do not bound. */
    for (int k = 0; k < p->m && vdev == NULL; k++) {
        double adj[PG_MAX_NODES];
        memset(adj, 0, sizeof adj);
        adj[p->out[k]] = 1.0;
        for (int j = p->len - 1; j >= 0; j--) {
            const pg_ins *in = &p->ins[j];
            double w = adj[p->n + j];
            if (w == 0.0 || !live[p->n + j])
                continue;
            if (!(isfinite(w) && in_range(w))) {
                snprintf(r->why, sizeof r->why,
                         "node %d: an adjoint is out of range (%g)", p->n + j,
                         w);
                return 0;
            }
            if (in->kind == PG_SELECT || in->kind == PG_CMP) {
                int a = in->kind == PG_SELECT
                            ? (argval(&in->a[0], val) > 0.0 ? 1 : 2)
                            : (dec[j] ? 2 : 3);
                if (in->a[a].node >= 0)
                    adj[in->a[a].node] += w;
                continue;
            }
            for (int a = 0; a < arity(in->op); a++)
                if (in->a[a].node >= 0 && active[in->a[a].node])
                    adj[in->a[a].node] += c->part[p->n + j][a] * w;
        }
    }
    for (int j = 0; j < p->len; j++) {
        const pg_ins *in = &p->ins[j];
        int u = p->n + j;
        if (!live[u])
            continue;
        /* The margins need the Monte Carlo spread (the second call). */
        if (in->kind == PG_SELECT && vdev != NULL) {
            double cv = argval(&in->a[0], val);
            double e =
                in->a[0].node >= 0 ? PG_K_DEV * vdev[in->a[0].node] : 0.0;
            /* A NaN condition selects the second branch, an infinite one
             * by its sign, in every mode and in MPFR. */
            if (isfinite(cv) && !(fabs(cv) > e || (cv == 0.0 && e == 0.0))) {
                snprintf(r->why, sizeof r->why,
                         "node %d: select condition %g within its rounding "
                         "error %g of 0",
                         u, cv, e);
                return 0;
            }
            continue;
        }
        if (in->kind != PG_OP)
            continue;
        const ad_op_info *info = ad_op_get(in->op);
        int two = info->arity == 2;
        int aa = in->a[0].node >= 0 && active[in->a[0].node];
        int ab = two && in->a[1].node >= 0 && active[in->a[1].node];
        const double *q = c->part[u];
        if ((aa && !(isfinite(q[0]) && isfinite(q[2]) && in_range(q[0]) &&
                     in_range(q[2]))) ||
            (ab && !(isfinite(q[1]) && isfinite(q[4]) && in_range(q[1]) &&
                     in_range(q[4]))) ||
            (aa && ab && !(isfinite(q[3]) && in_range(q[3])))) {
            snprintf(r->why, sizeof r->why,
                     "node %d (%s): a partial is not finite or out of range", u,
                     info->name);
            return 0;
        }
        if (vdev == NULL && underflows(in, val, val[u], q, aa, ab)) {
            snprintf(r->why, sizeof r->why,
                     "node %d (%s): a value or partial underflows to 0", u,
                     info->name);
            return 0;
        }
        if (!(info->flags & AD_F_NONANALYTIC) || vdev == NULL)
            continue;
        /* The partials must be the same at every corner of the box of the
         * arguments' rounding errors (one node used twice moves as one). */
        double a = argval(&in->a[0], val),
               b = two ? argval(&in->a[1], val) : 0.0;
        double ea = in->a[0].node >= 0 ? PG_K_DEV * vdev[in->a[0].node] : 0.0;
        double eb =
            two && in->a[1].node >= 0 ? PG_K_DEV * vdev[in->a[1].node] : 0.0;
        int same = two && in->a[0].node >= 0 && in->a[0].node == in->a[1].node;
        double y = info->value(a, b, in->c), P[2] = {0.0, 0.0};
        info->d1(a, b, in->c, y, P);
        for (int k = 0; k < 4; k++) {
            double a2 = a + ((k & 1) ? ea : -ea);
            double b2 =
                b + (same ? ((k & 1) ? eb : -eb) : ((k & 2) ? eb : -eb));
            double y2 = info->value(a2, b2, in->c), P2[2] = {0.0, 0.0};
            info->d1(a2, b2, in->c, y2, P2);
            if ((aa && P2[0] != P[0]) || (ab && P2[1] != P[1])) {
                snprintf(r->why, sizeof r->why,
                         "node %d (%s): a kink within the rounding error of "
                         "its arguments",
                         u, info->name);
                return 0;
            }
        }
    }
    return 1;
}

/* Whether rounding moves every result by less than PG_ILL relative to its
 * row (see PG_MCA_INFLATE). */
static int well_conditioned(const pg_prog *p, const qset *R, const qset *D,
                            pg_report *r)
{
    struct {
        const double *ref, *dev;
        int len;
        int qty;
    } rows[2 * PG_MAX_OUT + 3];
    int nr = 0;
    for (int k = 0; k < p->m; k++) {
        rows[nr].ref = &R->y[k], rows[nr].dev = &D->y[k], rows[nr].len = 1;
        rows[nr++].qty = PG_Q_Y;
        rows[nr].ref = R->j[k], rows[nr].dev = D->j[k], rows[nr].len = p->n;
        rows[nr++].qty = PG_Q_J;
    }
    rows[nr].ref = R->jv, rows[nr].dev = D->jv, rows[nr].len = p->m;
    rows[nr++].qty = PG_Q_JV;
    rows[nr].ref = R->wj, rows[nr].dev = D->wj, rows[nr].len = p->n;
    rows[nr++].qty = PG_Q_WJ;
    rows[nr].ref = R->hv, rows[nr].dev = D->hv, rows[nr].len = p->n;
    rows[nr++].qty = PG_Q_HV;
    for (int i = 0; i < nr; i++) {
        double scale = 0.0, dev = 0.0;
        for (int e = 0; e < rows[i].len; e++) {
            scale = fmax(scale, fabs(rows[i].ref[e]));
            dev = fmax(dev, rows[i].dev[e]);
        }
        if (!isfinite(dev) || dev > PG_ILL * scale) {
            snprintf(r->why, sizeof r->why,
                     "ill-conditioned: rounding moves %s by %.2g of %.2g",
                     pg_qty_name(rows[i].qty), dev, scale);
            return 0;
        }
    }
    return 1;
}

/* Records p on tape t at x. */
static int record(ad_tape *t, const pg_params *pp, const double *x)
{
    const pg_prog *p = pp->prog;
    ad_var X[PG_MAX_IN], Y[PG_MAX_OUT];
    int rc = ad_tape_begin(t);
    if (rc != AD_OK)
        return rc;
    rc = ad_independent_array((size_t)p->n, x, X);
    if (rc == AD_OK) {
        pg_interp_var(X, Y, pp);
        rc = ad_dependent_array((size_t)p->m, Y);
    }
    int rc2 = ad_tape_end(t);
    return rc != AD_OK ? rc : rc2;
}

static void mode_double(chk *k, const pg_params *pp)
{
    double y[PG_MAX_OUT];
    pg_interp_double(k->p->x, y, pp);
    for (int r = 0; r < k->p->m; r++)
        judge(k, PG_M_DOUBLE, PG_Q_Y, r, &y[r], AD_OK);
}

static void mode_dual(chk *k, const pg_params *pp)
{
    const pg_prog *p = k->p;
    ad_dual X[PG_MAX_IN], Y[PG_MAX_OUT];
    double y[PG_MAX_OUT], J[PG_MAX_OUT][PG_MAX_IN], jv[PG_MAX_OUT];
    for (int i = 0; i < p->n; i++) {
        for (int l = 0; l < p->n; l++)
            X[l] = ad_dual_make(p->x[l], l == i ? 1.0 : 0.0);
        pg_interp_dual(X, Y, pp);
        for (int r = 0; r < p->m; r++) {
            J[r][i] = Y[r].d;
            if (i == 0)
                y[r] = Y[r].v;
        }
    }
    for (int l = 0; l < p->n; l++)
        X[l] = ad_dual_make(p->x[l], p->v[l]);
    pg_interp_dual(X, Y, pp);
    for (int r = 0; r < p->m; r++) {
        jv[r] = Y[r].d;
        judge(k, PG_M_DUAL, PG_Q_Y, r, &y[r], AD_OK);
        judge(k, PG_M_DUAL, PG_Q_J, r, J[r], AD_OK);
        judge(k, PG_M_DUAL, PG_Q_JV, r, &jv[r], AD_OK);
    }
}

/* One ad_dualv run: lanes 0 .. n-1 seeded with the unit vectors, lane n
 * with v (AD_LANES >= 2: a second run when n + 1 lanes do not fit). */
static void mode_dualv(chk *k, const pg_params *pp)
{
    const pg_prog *p = k->p;
    ad_dualv X[PG_MAX_IN], Y[PG_MAX_OUT];
    double J[PG_MAX_OUT][PG_MAX_IN], jv[PG_MAX_OUT], y[PG_MAX_OUT];
    int done = 0, vlane = -1;
    while (done < p->n || vlane < 0) {
        int first = done, lanes = 0;
        for (int l = 0; l < p->n; l++) {
            X[l].v = p->x[l];
            for (int q = 0; q < AD_LANES; q++)
                X[l].d[q] = 0.0;
        }
        for (; done < p->n && lanes < AD_LANES; done++, lanes++)
            X[done].d[lanes] = 1.0;
        int vl = -1;
        if (vlane < 0 && lanes < AD_LANES) {
            vl = lanes;
            for (int l = 0; l < p->n; l++)
                X[l].d[vl] = p->v[l];
        }
        pg_interp_dualv(X, Y, pp);
        for (int r = 0; r < p->m; r++) {
            y[r] = Y[r].v;
            for (int i = first; i < done; i++)
                J[r][i] = Y[r].d[i - first];
            if (vl >= 0)
                jv[r] = Y[r].d[vl];
        }
        if (vl >= 0)
            vlane = vl;
    }
    for (int r = 0; r < p->m; r++) {
        judge(k, PG_M_DUALV, PG_Q_Y, r, &y[r], AD_OK);
        judge(k, PG_M_DUALV, PG_Q_J, r, J[r], AD_OK);
        judge(k, PG_M_DUALV, PG_Q_JV, r, &jv[r], AD_OK);
    }
}

static void mode_hdual(chk *k, const pg_params *pp)
{
    const pg_prog *p = k->p;
    ad_hdual X[PG_MAX_IN], Y[PG_MAX_OUT];
    double y[PG_MAX_OUT], J[PG_MAX_OUT][PG_MAX_IN], jv[PG_MAX_OUT],
        hv[PG_MAX_IN];
    for (int i = 0; i < p->n; i++) {
        for (int l = 0; l < p->n; l++)
            X[l] = ad_hdual_make(p->x[l], l == i ? 1.0 : 0.0, p->v[l], 0.0);
        pg_interp_hdual(X, Y, pp);
        for (int r = 0; r < p->m; r++) {
            J[r][i] = Y[r].d1;
            if (i == 0)
                y[r] = Y[r].v, jv[r] = Y[r].d2;
        }
        hv[i] = Y[0].d12;
    }
    for (int r = 0; r < p->m; r++) {
        judge(k, PG_M_HDUAL, PG_Q_Y, r, &y[r], AD_OK);
        judge(k, PG_M_HDUAL, PG_Q_J, r, J[r], AD_OK);
        judge(k, PG_M_HDUAL, PG_Q_JV, r, &jv[r], AD_OK);
    }
    judge(k, PG_M_HDUAL, PG_Q_HV, 0, hv, AD_OK);
}

/* The tape's sweeps as `mode`: at the recorded point (x NULL) or replayed
 * at x. */
static void mode_tape(chk *k, ad_tape *t, int mode)
{
    const pg_prog *p = k->p;
    const double *x = mode == PG_M_TAPE ? NULL : p->x;
    double y[PG_MAX_OUT], y2[PG_MAX_OUT], jv[PG_MAX_OUT], wj[PG_MAX_IN],
        g[PG_MAX_IN], hv[PG_MAX_IN], J[PG_MAX_OUT * PG_MAX_IN];
    int rc = ad_tape_eval(t, x, y);
    for (int r = 0; r < p->m; r++)
        judge(k, mode, PG_Q_Y, r, &y[r], rc);
    rc = ad_tape_jvp(t, x, p->v, y2, jv);
    for (int r = 0; r < p->m; r++) {
        judge(k, mode, PG_Q_Y, r, &y2[r], rc);
        judge(k, mode, PG_Q_JV, r, &jv[r], rc);
    }
    rc = ad_tape_vjp(t, x, p->w, y2, wj);
    judge(k, mode, PG_Q_WJ, 0, wj, rc);
    for (int r = 0; r < p->m; r++)
        judge(k, mode, PG_Q_Y, r, &y2[r], rc);
    rc = ad_tape_gradient(t, x, g);
    judge(k, mode, PG_Q_J, 0, g, rc);
    rc = ad_tape_jacobian(t, x, J);
    for (int r = 0; r < p->m; r++)
        judge(k, mode, PG_Q_J, r, &J[r * p->n], rc);
    rc = ad_tape_hvp(t, x, p->v, hv);
    judge(k, mode, PG_Q_HV, 0, hv, rc);
    /* The full Hessian, times v: for one input always, else for one program
     * in 32 (chosen by the bits of x0, so that a program is always checked
     * the same way).  With several inputs ad_tape_hessian opens an OpenMP
     * parallel region however small the tape, which on a busy 2-core
     * machine costs milliseconds (700 times the serial sweep, measured):
     * every program would make the fuzzer ten times slower. */
    uint64_t h;
    memcpy(&h, &p->x[0], sizeof h);
    if (p->n > 1 && ad__rand_next(&h) % 32u != 0)
        return;
    double H[PG_MAX_IN * PG_MAX_IN];
    rc = ad_tape_hessian(t, x, H);
    for (int i = 0; i < p->n; i++) {
        hv[i] = 0.0;
        for (int j = 0; j < p->n; j++)
            hv[i] += H[i * p->n + j] * p->v[j];
    }
    judge(k, mode, PG_Q_HV, 0, hv, rc);
}

/* The tape recorded at a point x' near x (every input moved by a relative
 * 2^-20) and replayed at x: a replay must recompute every value.  Skipped
 * when the recording at x' fails or a recorded comparison comes out
 * otherwise at x (AD_ERETAPE: a legitimate refusal). */
static void mode_moved(chk *k, pg_checker *c, const pg_params *pp)
{
    const pg_prog *p = k->p;
    double x1[PG_MAX_IN], y[PG_MAX_OUT];
    for (int i = 0; i < p->n; i++)
        x1[i] = p->x[i] != 0.0 ? p->x[i] * (1.0 + 0x1p-20) : 0x1p-20;
    if (record(c->moved, pp, x1) != AD_OK)
        return;
    if (ad_tape_eval(c->moved, p->x, y) == AD_ERETAPE)
        return;
    mode_tape(k, c->moved, PG_M_TAPE_MOVED);
}

/* MPFR's quantities; the first failing status, or AD_OK. */
static int mpfr_reference(ad_tape *t, const pg_prog *p, qset *M)
{
    int rc = ad_tape_mpfr_eval(t, NULL, PG_PREC, M->y);
    if (rc == AD_OK)
        rc = ad_tape_mpfr_jvp(t, NULL, PG_PREC, p->v, NULL, M->jv);
    if (rc == AD_OK)
        rc = ad_tape_mpfr_vjp(t, NULL, PG_PREC, p->w, NULL, M->wj);
    if (rc == AD_OK)
        rc = ad_tape_mpfr_gradient(t, NULL, PG_PREC, M->j[0]);
    for (int r = 1; r < p->m && rc == AD_OK; r++) {
        double e[PG_MAX_OUT];
        unit(e, p->m, r);
        rc = ad_tape_mpfr_vjp(t, NULL, PG_PREC, e, NULL, M->j[r]);
    }
    if (rc == AD_OK)
        rc = ad_tape_mpfr_hvp(t, NULL, PG_PREC, p->v, M->hv);
    return rc;
}

static int finish(pg_report *r, int status, const char *why)
{
    r->status = status;
    if (why != NULL)
        snprintf(r->why, sizeof r->why, "%s", why);
    return status;
}

int pg_check(pg_checker *c, const pg_prog *p, pg_report *r)
{
    memset(r, 0, sizeof *r);
    for (int m = 0; m < PG_NMODES; m++)
        for (int q = 0; q < PG_NQTY; q++)
            r->ratio[m][q] = -1.0;
    if (!well_formed(p))
        return finish(r, PG_INVALID, "malformed program");

    /* The reference, its Monte Carlo spread and its absolute sums. */
    unsigned char dec[PG_MAX_INS];
    memset(dec, 0, sizeof dec);
    chk k;
    memset(&k, 0, sizeof k);
    k.p = p;
    k.r = r;
    qset R;
    ref_runs(c, p, NULL, 0, dec, &R, NULL);
    if (!judgeable(c, p, dec, NULL, r))
        return finish(r, PG_INVALID, NULL);
    double vdev[PG_MAX_NODES];
    memset(vdev, 0, sizeof vdev);
    uint64_t s = UINT64_C(0x2545F4914F6CDD1D);
    for (int smp = 0; smp < PG_MCA_SAMPLES; smp++) {
        qset S;
        ref_runs(c, p, &s, 0, dec, &S, vdev);
        const double *a = (const double *)&S, *b = (const double *)&R;
        double *d = (double *)&k.dev;
        for (size_t i = 0; i < sizeof(qset) / sizeof(double); i++) {
            double e = fabs(a[i] - b[i]) / PG_MCA_INFLATE;
            d[i] = fmax(d[i], isnan(e) ? INFINITY : e);
        }
    }
    if (!judgeable(c, p, dec, vdev, r))
        return finish(r, PG_INVALID, NULL);
    if (!well_conditioned(p, &R, &k.dev, r))
        return finish(r, PG_INVALID, NULL);
    ref_runs(c, p, NULL, 1, dec, &k.abs, NULL);

    /* The tape and MPFR. */
    pg_params pp = {p, c->fault};
    int rc = record(c->tape, &pp, p->x);
    if (rc != AD_OK) {
        snprintf(r->why, sizeof r->why, "recording the tape failed: %s",
                 ad_strerror(rc));
        return finish(r, PG_FAIL, NULL);
    }
    rc = mpfr_reference(c->tape, p, &k.M);
    if (rc != AD_OK) {
        snprintf(r->why, sizeof r->why, "the MPFR replay failed: %s",
                 ad_strerror(rc));
        return finish(r, PG_FAIL, NULL);
    }

    /* Every mode against MPFR. */
    for (int q = 0; q < p->m; q++) {
        judge(&k, PG_M_REF, PG_Q_Y, q, &R.y[q], AD_OK);
        judge(&k, PG_M_REF, PG_Q_J, q, R.j[q], AD_OK);
        judge(&k, PG_M_REF, PG_Q_JV, q, &R.jv[q], AD_OK);
    }
    judge(&k, PG_M_REF, PG_Q_WJ, 0, R.wj, AD_OK);
    judge(&k, PG_M_REF, PG_Q_HV, 0, R.hv, AD_OK);
    mode_double(&k, &pp);
    mode_dual(&k, &pp);
    mode_dualv(&k, &pp);
    mode_hdual(&k, &pp);
    mode_tape(&k, c->tape, PG_M_TAPE);
    mode_tape(&k, c->tape, PG_M_TAPE_AT_X);
    mode_moved(&k, c, &pp);

    if (r->nmismatch == 0)
        return finish(r, PG_PASS, NULL);
    const pg_mismatch *m = &r->mis[0];
    snprintf(r->why, sizeof r->why,
             "%d mismatch%s; first: %s %s[%d]: error %.3g > tolerance %.3g",
             r->nmismatch, r->nmismatch == 1 ? "" : "es", pg_mode_name(m->mode),
             pg_qty_name(m->qty), m->row, m->err, m->tol);
    return finish(r, PG_FAIL, NULL);
}

/* ---- shrinking (delta debugging) --------------------------------------- */

/* The double value of every node. */
static void values(const pg_prog *p, double *val)
{
    for (int i = 0; i < p->n; i++)
        val[i] = p->x[i];
    for (int j = 0; j < p->len; j++)
        val[p->n + j] = eval_ins(&p->ins[j], val);
}

/* Every use of node `from` (arguments; outputs too if `to` is a node)
 * becomes `to`.  Returns 0 if an output would have to become a constant. */
static int redirect(pg_prog *p, int from, pg_arg to)
{
    for (int k = 0; k < p->m; k++)
        if (p->out[k] == from) {
            if (to.node < 0)
                return 0;
            p->out[k] = to.node;
        }
    for (int j = 0; j < p->len; j++)
        for (int a = 0; a < nargs(&p->ins[j]); a++)
            if (p->ins[j].a[a].node == from)
                p->ins[j].a[a] = to;
    return 1;
}

/* Drops the instructions no output depends on and the inputs nothing uses
 * (keeping at least one), renumbering the nodes. */
static void compact(pg_prog *p)
{
    unsigned char used[PG_MAX_NODES];
    int map[PG_MAX_NODES];
    memset(used, 0, sizeof used);
    for (int k = 0; k < p->m; k++)
        used[p->out[k]] = 1;
    for (int j = p->len - 1; j >= 0; j--)
        if (used[p->n + j])
            for (int a = 0; a < nargs(&p->ins[j]); a++)
                if (p->ins[j].a[a].node >= 0)
                    used[p->ins[j].a[a].node] = 1;
    int nu = 0;
    for (int i = 0; i < p->n; i++)
        nu += used[i];
    if (nu == 0)
        used[0] = 1, nu = 1;
    int next = 0;
    pg_prog q = *p;
    q.n = nu;
    for (int i = 0; i < p->n; i++)
        if (used[i]) {
            q.x[next] = p->x[i];
            q.v[next] = p->v[i];
            map[i] = next++;
        }
    q.len = 0;
    for (int j = 0; j < p->len; j++) {
        if (!used[p->n + j])
            continue;
        pg_ins in = p->ins[j];
        for (int a = 0; a < nargs(&in); a++)
            if (in.a[a].node >= 0)
                in.a[a].node = map[in.a[a].node];
        map[p->n + j] = next++;
        q.ins[q.len++] = in;
    }
    for (int k = 0; k < p->m; k++)
        q.out[k] = map[p->out[k]];
    *p = q;
}

/* k with at most `digits` significant decimal digits. */
static double round_sig(double k, int digits)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", digits, k);
    return strtod(buf, NULL);
}

typedef struct shrinker {
    pg_checker *c;
    pg_prog *p;
    int checks, max_checks;
} shrinker;

/* Takes cand if it still fails. */
static int attempt(shrinker *s, pg_prog *cand)
{
    if (s->checks >= s->max_checks)
        return 0;
    s->checks++;
    pg_report r;
    if (pg_check(s->c, cand, &r) != PG_FAIL)
        return 0;
    *s->p = *cand;
    return 1;
}

/* Shortens the double at *slot (a field of cand, which starts as a copy of
 * *s->p) to the fewest digits that still fail. */
static int shorten(shrinker *s, pg_prog *cand, double *slot)
{
    double k = *slot;
    if (!isfinite(k))
        return 0;
    for (int d = 1; d < 17; d++) {
        double t = round_sig(k, d);
        if (t == k)
            return 0;
        *slot = t;
        if (attempt(s, cand))
            return 1;
        *cand = *s->p;
    }
    return 0;
}

int pg_shrink(pg_checker *c, pg_prog *p, int max_checks)
{
    shrinker s = {c, p, 0, max_checks > 0 ? max_checks : 4000};
    pg_prog cand = *p;
    compact(&cand);
    attempt(&s, &cand);
    int progress = 1;
    while (progress && s.checks < s.max_checks) {
        progress = 0;
        /* One output. */
        for (int k = 0; p->m > 1 && k < p->m && !progress; k++) {
            cand = *p;
            cand.m = 1;
            cand.out[0] = p->out[k];
            cand.w[0] = p->w[k];
            compact(&cand);
            progress = attempt(&s, &cand);
        }
        /* An instruction replaced by one of its arguments or by its
         * value, from the outputs down. */
        double val[PG_MAX_NODES];
        values(p, val);
        for (int j = p->len - 1; j >= 0 && !progress; j--) {
            const pg_ins *in = &p->ins[j];
            int na = nargs(in);
            for (int a = 0; a <= na && !progress; a++) {
                pg_arg to = a < na ? in->a[a] : const_arg(val[p->n + j]);
                if (a < na && to.node < 0)
                    continue;
                cand = *p;
                if (!redirect(&cand, p->n + j, to))
                    continue;
                compact(&cand);
                progress = attempt(&s, &cand);
            }
        }
        /* An input replaced by its value. */
        for (int i = 0; i < p->n && p->n > 1 && !progress; i++) {
            cand = *p;
            redirect(&cand, i, const_arg(p->x[i]));
            compact(&cand);
            progress = cand.n < p->n && attempt(&s, &cand);
        }
        /* Shorter numbers: constants, the point, v and w. */
        for (int j = 0; j < p->len && !progress; j++)
            for (int a = 0; a < nargs(&p->ins[j]) && !progress; a++)
                if (p->ins[j].a[a].node < 0) {
                    cand = *p;
                    progress = shorten(&s, &cand, &cand.ins[j].a[a].k);
                }
        for (int i = 0; i < p->n && !progress; i++) {
            cand = *p;
            progress = shorten(&s, &cand, &cand.x[i]);
            if (!progress) {
                cand = *p;
                progress = shorten(&s, &cand, &cand.v[i]);
            }
        }
        for (int k = 0; k < p->m && !progress; k++) {
            cand = *p;
            progress = shorten(&s, &cand, &cand.w[k]);
        }
    }
    return s.checks;
}

/* ---- printing ---------------------------------------------------------- */

typedef struct sbuf {
    char *buf;
    size_t size, len; /* len counts what did not fit too */
} sbuf;

#if defined(__GNUC__) || defined(__clang__)
static void sb_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#endif
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->size ? b->size - b->len : 0;
    int n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

/* The shortest decimal that reads back as k (800, not 8e+02). */
static void fmt_double(char *out, size_t size, double k)
{
    if (k == floor(k) && fabs(k) < 1e15 && !(k == 0.0 && signbit(k))) {
        snprintf(out, size, "%.0f", k);
        return;
    }
    for (int d = 1; d <= 17; d++) {
        snprintf(out, size, "%.*g", d, k);
        if (strtod(out, NULL) == k)
            return;
    }
}

/* Precedence levels of the expression language: + - 1, * / 2, unary - 3,
 * ^ 4, atoms and calls 5. */
static int level_of(const pg_prog *p, pg_arg a, int inline_nodes)
{
    if (a.node < 0)
        return signbit(a.k) ? 3 : 5;
    if (a.node < p->n || !inline_nodes)
        return 5;
    const pg_ins *in = &p->ins[a.node - p->n];
    if (in->kind != PG_OP)
        return 5;
    switch (in->op) {
    case AD_OP_ADD:
    case AD_OP_SUB:
        return 1;
    case AD_OP_MUL:
    case AD_OP_DIV:
        return 2;
    case AD_OP_NEG:
        return 3;
    default:
        return 5;
    }
}

static void fmt_ins(sbuf *b, const pg_prog *p, const pg_ins *in, int inl);

static void fmt_arg(sbuf *b, const pg_prog *p, pg_arg a, int min_level, int inl)
{
    int paren = level_of(p, a, inl) < min_level;
    if (paren)
        sb_printf(b, "(");
    if (a.node < 0) {
        char num[40];
        fmt_double(num, sizeof num, a.k);
        sb_printf(b, "%s", num);
    } else if (a.node < p->n) {
        sb_printf(b, "x%d", a.node);
    } else if (!inl) {
        sb_printf(b, "v%d", a.node);
    } else {
        fmt_ins(b, p, &p->ins[a.node - p->n], inl);
    }
    if (paren)
        sb_printf(b, ")");
}

static void fmt_ins(sbuf *b, const pg_prog *p, const pg_ins *in, int inl)
{
    if (in->kind == PG_SELECT) {
        sb_printf(b, "select(");
        fmt_arg(b, p, in->a[0], 0, inl);
        sb_printf(b, ", ");
        fmt_arg(b, p, in->a[1], 0, inl);
        sb_printf(b, ", ");
        fmt_arg(b, p, in->a[2], 0, inl);
        sb_printf(b, ")");
        return;
    }
    if (in->kind == PG_CMP) {
        sb_printf(b, "(");
        fmt_arg(b, p, in->a[0], 1, inl);
        sb_printf(b, " %s ", cmp_names[in->op]);
        fmt_arg(b, p, in->a[1], 1, inl);
        sb_printf(b, " ? ");
        fmt_arg(b, p, in->a[2], 1, inl);
        sb_printf(b, " : ");
        fmt_arg(b, p, in->a[3], 1, inl);
        sb_printf(b, ")");
        return;
    }
    const ad_op_info *info = ad_op_get(in->op);
    static const char *const infix[] = {" + ", " - ", "*", "/"};
    int io = in->op == AD_OP_ADD   ? 0
             : in->op == AD_OP_SUB ? 1
             : in->op == AD_OP_MUL ? 2
             : in->op == AD_OP_DIV ? 3
                                   : -1;
    if (io >= 0) {
        int lv = io < 2 ? 1 : 2;
        fmt_arg(b, p, in->a[0], lv, inl);
        sb_printf(b, "%s", infix[io]);
        fmt_arg(b, p, in->a[1], lv + 1, inl);
    } else if (in->op == AD_OP_NEG) {
        sb_printf(b, "-");
        fmt_arg(b, p, in->a[0], 4, inl);
    } else if (info->has_param) {
        sb_printf(b, "%s(", info->name);
        fmt_arg(b, p, in->a[0], 0, inl);
        sb_printf(b, ", %d)", in->c);
    } else {
        sb_printf(b, "%s(", info->name);
        fmt_arg(b, p, in->a[0], 0, inl);
        if (info->arity == 2) {
            sb_printf(b, ", ");
            fmt_arg(b, p, in->a[1], 0, inl);
        }
        sb_printf(b, ")");
    }
}

int pg_is_plain(const pg_prog *p)
{
    for (int j = 0; j < p->len; j++)
        if (p->ins[j].kind != PG_OP)
            return 0;
    return 1;
}

size_t pg_format_expr(const pg_prog *p, char *buf, size_t size, size_t cap)
{
    sbuf b = {buf, size, 0};
    if (size > 0)
        buf[0] = '\0';
    for (int k = 0; k < p->m; k++) {
        sb_printf(&b, k ? ", " : "");
        fmt_arg(&b, p, node_arg(p->out[k]), 0, 1);
    }
    if (b.len <= cap)
        return b.len < size ? b.len : (size ? size - 1 : 0);
    /* Too long inlined (shared nodes are repeated): one line per node. */
    b.len = 0;
    for (int j = 0; j < p->len; j++) {
        sb_printf(&b, "v%d = ", p->n + j);
        fmt_ins(&b, p, &p->ins[j], 0);
        sb_printf(&b, "; ");
    }
    sb_printf(&b, "output");
    for (int k = 0; k < p->m; k++) {
        sb_printf(&b, "%s", k ? ", " : " ");
        fmt_arg(&b, p, node_arg(p->out[k]), 0, 0);
    }
    return b.len < size ? b.len : (size ? size - 1 : 0);
}

void pg_print_repro(FILE *out, const pg_prog *p, const pg_report *r)
{
    char text[16384], num[40];
    pg_format_expr(p, text, sizeof text, 4096);
    fprintf(out, "  program (%d input%s, %d output%s, %d instruction%s):\n",
            p->n, p->n == 1 ? "" : "s", p->m, p->m == 1 ? "" : "s", p->len,
            p->len == 1 ? "" : "s");
    fprintf(out, "    %s\n", text);
    fprintf(out, "  at ");
    char at[512];
    sbuf b = {at, sizeof at, 0};
    for (int i = 0; i < p->n; i++) {
        fmt_double(num, sizeof num, p->x[i]);
        sb_printf(&b, "%sx%d=%s", i ? "," : "", i, num);
    }
    fprintf(out, "%s\n  v = (", at);
    for (int i = 0; i < p->n; i++) {
        fmt_double(num, sizeof num, p->v[i]);
        fprintf(out, "%s%s", i ? ", " : "", num);
    }
    fprintf(out, "), w = (");
    for (int k = 0; k < p->m; k++) {
        fmt_double(num, sizeof num, p->w[k]);
        fprintf(out, "%s%s", k ? ", " : "", num);
    }
    fprintf(out, ")\n");
    if (pg_is_plain(p) && strlen(text) < 4096)
        fprintf(out, "  recompute: admix %s '%s' --at %s\n",
                p->m == 1 ? "hessian" : "jacobian", text, at);
    else if (!pg_is_plain(p))
        fprintf(out, "  (select(c, a, b) is ad_select and (a < b ? c : d) a "
                     "recorded comparison: not in the admix expression "
                     "language)\n");
    if (r == NULL)
        return;
    fprintf(out, "  %s\n", r->why);
    for (int i = 0; i < r->nmismatch && i < PG_MAX_MISMATCH; i++) {
        const pg_mismatch *m = &r->mis[i];
        fprintf(out, "  %-6s %-5s", pg_mode_name(m->mode), pg_qty_name(m->qty));
        if (m->qty == PG_Q_Y || m->qty == PG_Q_J || m->qty == PG_Q_JV)
            fprintf(out, " output %d", m->row);
        if (m->qty == PG_Q_J || m->qty == PG_Q_WJ || m->qty == PG_Q_HV)
            fprintf(out, " entry %d", m->idx);
        fprintf(out,
                ": %.17g, MPFR %.17g; error %.3g > tolerance %.3g (|MPFR| "
                "%.3g)",
                m->got, m->ref, m->err, m->tol, m->scale);
        if (m->status != AD_OK)
            fprintf(out, " [%s]", ad_strerror(m->status));
        fprintf(out, "\n");
    }
    if (r->nmismatch > PG_MAX_MISMATCH)
        fprintf(out, "  ... and %d more\n", r->nmismatch - PG_MAX_MISMATCH);
}

/* ---- the fuzz loop ----------------------------------------------------- */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void count(pg_stats *st, const pg_prog *p, const pg_report *r)
{
    unsigned char seen[AD_OP_COUNT];
    memset(seen, 0, sizeof seen);
    int sel = 0, cmp = 0;
    for (int j = 0; j < p->len; j++) {
        if (p->ins[j].kind == PG_OP)
            seen[p->ins[j].op] = 1;
        sel |= p->ins[j].kind == PG_SELECT;
        cmp |= p->ins[j].kind == PG_CMP;
    }
    for (int o = 0; o < AD_OP_COUNT; o++)
        st->op_checked[o] += seen[o];
    st->selects += sel;
    st->cmps += cmp;
    st->instructions += p->len;
    for (int m = 0; m < PG_NMODES; m++)
        for (int q = 0; q < PG_NQTY; q++)
            if (r->ratio[m][q] > st->worst[m][q])
                st->worst[m][q] = r->ratio[m][q];
    for (int q = 0; q < PG_NQTY; q++)
        if (r->strength[q] > 0.0) {
            st->strength_sum[q] += log10(r->strength[q]);
            st->strength_n[q]++;
        }
}

int pg_fuzz(const pg_fuzz_opts *o, pg_stats *st)
{
    memset(st, 0, sizeof *st);
    pg_checker *c = pg_checker_new();
    if (c == NULL)
        return AD_ENOMEM;
    pg_checker_set_fault(c, o->fault);
    int max_fail = o->max_fail > 0 ? o->max_fail : 1;
    double t0 = now(), last = t0;
    pg_prog p;
    pg_report r;
    for (long k = 0; o->programs <= 0 || k < o->programs; k++) {
        if (o->checked > 0 && st->pass + st->fail >= o->checked)
            break;
        if ((k & 15) == 0 && (o->seconds > 0.0 || o->progress != NULL)) {
            double t = now();
            if (o->seconds > 0.0 && t - t0 >= o->seconds)
                break;
            if (o->progress != NULL && t - last >= 1.0) {
                last = t;
                fprintf(o->progress,
                        "fuzz: %.0f s, %ld programs (%.0f/s), %ld checked, "
                        "%ld not judged, %ld failed\n",
                        t - t0, st->programs, st->programs / (t - t0),
                        st->pass + st->fail, st->invalid, st->fail);
                fflush(o->progress);
            }
        }
        pg_generate(pg_program_seed(o->seed, k), &o->gen, &p);
        st->programs++;
        int status = pg_check(c, &p, &r);
        if (status == PG_INVALID) {
            st->invalid++;
            continue;
        }
        if (status == PG_PASS) {
            st->pass++;
            count(st, &p, &r);
            continue;
        }
        st->fail++;
        if (o->out != NULL) {
            fprintf(o->out,
                    "admix fuzz: program %ld of seed %llu: the modes "
                    "disagree\n",
                    k, (unsigned long long)o->seed);
            pg_print_repro(o->out, &p, &r);
            if (o->shrink) {
                int len0 = p.len, checks = pg_shrink(c, &p, 0);
                pg_check(c, &p, &r);
                fprintf(o->out,
                        "shrunk from %d to %d instruction%s (%d checks):\n",
                        len0, p.len, p.len == 1 ? "" : "s", checks);
                pg_print_repro(o->out, &p, &r);
            }
            fflush(o->out);
        }
        if (st->fail >= max_fail)
            break;
    }
    pg_checker_free(c);
    return AD_OK;
}

void pg_print_stats(FILE *out, const pg_stats *st, double seconds)
{
    fprintf(out, "%ld programs", st->programs);
    if (seconds > 0.0)
        fprintf(out, " in %.1f s (%.0f/s)", seconds, st->programs / seconds);
    fprintf(out,
            ": %ld passed, %ld failed, %ld not judged (%.1f%%); %.1f "
            "instructions per checked program\n",
            st->pass, st->fail, st->invalid,
            st->programs ? 100.0 * st->invalid / st->programs : 0.0,
            st->pass + st->fail
                ? (double)st->instructions / (double)(st->pass + st->fail)
                : 0.0);
    fprintf(out, "checked programs using each primitive:\n ");
    for (int op = 0; op < AD_OP_COUNT; op++)
        fprintf(out, " %s %ld%s", ad_op_get(op)->name, st->op_checked[op],
                (op + 1) % 8 == 0 && op + 1 < AD_OP_COUNT ? "\n " : "");
    fprintf(out, "\n  select %ld, comparison %ld\n", st->selects, st->cmps);
    fprintf(out, "worst error / tolerance over the passed programs:\n");
    fprintf(out, "  %-7s", "");
    for (int q = 0; q < PG_NQTY; q++)
        fprintf(out, " %9s", pg_qty_name(q));
    fprintf(out, "\n");
    for (int m = 0; m < PG_NMODES; m++) {
        fprintf(out, "  %-7s", pg_mode_name(m));
        for (int q = 0; q < PG_NQTY; q++) {
            if (st->worst[m][q] > 0.0)
                fprintf(out, " %9.2g", st->worst[m][q]);
            else
                fprintf(out, " %9s", "-");
        }
        fprintf(out, "\n");
    }
    fprintf(out, "tolerance / |MPFR| demanded (geometric mean):\n ");
    for (int q = 0; q < PG_NQTY; q++)
        if (st->strength_n[q] > 0)
            fprintf(out, " %s %.1e", pg_qty_name(q),
                    pow(10.0, st->strength_sum[q] / st->strength_n[q]));
    fprintf(out, "\n");
}
