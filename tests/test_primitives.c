/* test_primitives.c -- the table-driven test of every primitive, in every
 * forward number type, against MPFR.
 *
 * Nothing here names a primitive.  The loops run over the ops of
 * primitives/ops.def through ad_op_get() (name, arity, flags, the table.c
 * copies of the double rules) and ad__prim_get() (the MPFR rules, the sampler
 * and the documented ulp bounds of primitives/<name>.c).  The forward types
 * are static inline functions named per primitive (ad_dual_sin, ...); they
 * are reached by expanding ops.def below into a table of wrappers with
 * uniform signatures, so that the inline header code users run is what is
 * tested, not only the table.c copies.
 *
 * Tests (each covers the whole table; those marked * run one instance per
 * primitive, in its own process, so that a failure or crash in one
 * primitive's rules hides nothing about the others):
 *   references     every primitive has its sampler and MPFR rules (a
 *                  primitive without them is a failure, not a skip);
 *   accuracy*      at NPOINTS sampled points per primitive, value and
 *                  derivatives in double, the table.c copies, ad_dual (and
 *                  _xc/_cx), ad_dualv (several seeded lanes, and _xc/_cx),
 *                  ad_hdual (second derivatives, and _xc/_cx), against MPFR
 *                  at PREC bits, within the primitive's documented ulps;
 *                  and, reported as a check of its own (complex_step), the
 *                  complex step where the primitive is analytic: Im f(a +
 *                  i h) / h against MPFR's f', the real part equal to the
 *                  double value (faults there are those of the complex values
 *                  of ops.def, not of the double rules); prints the report;
 *   special*       +-0, +-inf, NaN and domain edges (MPFR's check_special),
 *                  four checks each reported under its own name:
 *                  special_values: every type against MPFR's values and
 *                    rules, which follow the special-value conventions of
 *                    C99 Annex F (sign of zero included);
 *                  domain_errors: a NaN value at non-NaN inputs (AD_F_DOMAIN)
 *                    has NaN partials and NaN tangents in every type;
 *                  zero_tangents: a zero tangent gives an exactly zero
 *                    derivative through AD_F_SINGULAR/AD_F_DOMAIN primitives
 *                    at any non-NaN point, and through the others wherever
 *                    value and inputs are finite;
 *                  nan_inputs: for primitives with AD_F_DOMAIN, a NaN
 *                    input whose value is NaN gives NaN tangents in every
 *                    forward type;
 *                  conventions: the documented derivatives at
 *                    non-differentiable points (sqrt'(0) = +inf, ...).
 *
 * How references and tolerances are formed (see judge_tangent): a tangent of
 * a forward type is a sum of partials times seeds, sum_i chain(P_i, t_i)
 * (modes/forward/dual.h and the others).  Its reference is the same sum
 * evaluated in MPFR on the MPFR partials, with the same special-value
 * arithmetic (inf * 0 is NaN; a zero seed through a guarded primitive
 * contributes exactly 0, as ad__chain says), so that references and results
 * agree in kind at special points as well.  Errors are in ulps of the correctly
 * rounded reference (tests/ulp.h).
 */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/parameterized.h>
#include <mpfr.h>

#include "admix.h"
#include "primitive.h"
#include "ulp.h"

/* Precision of every MPFR reference, in bits. */
#define PREC 128
/* Sampled points per primitive: enough to find the bad corners the samplers
 * aim at, few enough for a whole run in about a second. */
#define NPOINTS 1500
/* The complex step: Im f(a + i h) / h = f'(a) + O(h^2).  A power of two
 * (about 1.03e-200) rather than 1e-200 itself, so that multiplying by h
 * inside the complex function and dividing by it here are exact and the
 * measured error is that of the complex function alone. */
#define CSTEP_H 0x1p-664
/* Allowance for the complex step beyond the primitive's ulp_d1: the complex
 * functions of the C library are not its real functions and round their
 * imaginary parts differently.  Measured with glibc 2.36: at most 1 ulp
 * beyond ulp_d1 for all primitives but tanh (ctanh: 5 ulps against its
 * ulp_d1 of 3); with h = 1e-200 itself most primitives need one more. */
#define CSTEP_ALLOW 2.0
/* Failures printed in full per primitive and check; the rest are counted. */
#define MAX_MSG 4
/* Checks with separate failure counts in one test instance. */
#define NBUCKET 8

typedef double complex cplx;

/* ---- the forward types, reached through the table ------------------------ */

/* Uniform signatures: b is ignored by unary primitives, k (the integer
 * parameter) by all but AD_OP1P ones. */
typedef double (*double_fn)(double a, double b, int k);
typedef cplx (*cplx_fn)(cplx a, cplx b, int k);
typedef ad_dual (*dual_fn)(ad_dual a, ad_dual b, int k);
typedef ad_dual (*dual_xc_fn)(ad_dual a, double b);
typedef ad_dual (*dual_cx_fn)(double a, ad_dual b);
typedef ad_dualv (*dualv_fn)(ad_dualv a, ad_dualv b, int k);
typedef ad_dualv (*dualv_xc_fn)(ad_dualv a, double b);
typedef ad_dualv (*dualv_cx_fn)(double a, ad_dualv b);
typedef ad_hdual (*hdual_fn)(ad_hdual a, ad_hdual b, int k);
typedef ad_hdual (*hdual_xc_fn)(ad_hdual a, double b);
typedef ad_hdual (*hdual_cx_fn)(double a, ad_hdual b);

/* One primitive in every type; the _xc/_cx members are NULL for unary
 * primitives. */
typedef struct forms {
    double_fn dbl;
    cplx_fn cplx;
    dual_fn dual;
    dual_xc_fn dual_xc;
    dual_cx_fn dual_cx;
    dualv_fn dualv;
    dualv_xc_fn dualv_xc;
    dualv_cx_fn dualv_cx;
    hdual_fn hdual;
    hdual_xc_fn hdual_xc;
    hdual_cx_fn hdual_cx;
} forms;

/* The wrappers call the inline functions directly, so that these are
 * compiled and inlined here as in users' code. */
#define W1(T, P, n)                                                            \
    static T P##_##n##_w(T a, T b, int k)                                      \
    {                                                                          \
        (void)b, (void)k;                                                      \
        return P##_##n(a);                                                     \
    }
#define W1P(T, P, n)                                                           \
    static T P##_##n##_w(T a, T b, int k)                                      \
    {                                                                          \
        (void)b;                                                               \
        return P##_##n(a, k);                                                  \
    }
#define W2(T, P, n)                                                            \
    static T P##_##n##_w(T a, T b, int k)                                      \
    {                                                                          \
        (void)k;                                                               \
        return P##_##n(a, b);                                                  \
    }
#define WXC(T, P, n)                                                           \
    static T P##_##n##_xc_w(T a, double b)                                     \
    {                                                                          \
        return P##_##n##_xc(a, b);                                             \
    }                                                                          \
    static T P##_##n##_cx_w(double a, T b)                                     \
    {                                                                          \
        return P##_##n##_cx(a, b);                                             \
    }
#define WALL(W, n)                                                             \
    W(double, ad_double, n)                                                    \
    W(cplx, ad_cplx, n)                                                        \
    W(ad_dual, ad_dual, n)                                                     \
    W(ad_dualv, ad_dualv, n)                                                   \
    W(ad_hdual, ad_hdual, n)

#define AD_OP1(N, n, ...)  WALL(W1, n)
#define AD_OP1P(N, n, ...) WALL(W1P, n)
#define AD_OP2(N, n, ...)                                                      \
    WALL(W2, n)                                                                \
    WXC(ad_dual, ad_dual, n)                                                   \
    WXC(ad_dualv, ad_dualv, n)                                                 \
    WXC(ad_hdual, ad_hdual, n)
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

static const forms forms_of[AD_OP_COUNT] = {
#define FORMS(n, dxc, dcx, vxc, vcx, hxc, hcx)                                 \
    {                                                                          \
        ad_double_##n##_w, ad_cplx_##n##_w, ad_dual_##n##_w, dxc, dcx,         \
            ad_dualv_##n##_w, vxc, vcx, ad_hdual_##n##_w, hxc, hcx             \
    }
#define AD_OP1(N, n, ...)                                                      \
    [AD_OP_##N] = FORMS(n, NULL, NULL, NULL, NULL, NULL, NULL),
#define AD_OP1P AD_OP1
#define AD_OP2(N, n, ...)                                                      \
    [AD_OP_##N] =                                                              \
        FORMS(n, ad_dual_##n##_xc_w, ad_dual_##n##_cx_w, ad_dualv_##n##_xc_w,  \
              ad_dualv_##n##_cx_w, ad_hdual_##n##_xc_w, ad_hdual_##n##_cx_w),
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef FORMS
};

/* ---- data that must name primitives -------------------------------------- */

/* Domain edges and other points worth a special-value check that the
 * generic list (+-0, +-inf, NaN, +-2.385) does not reach: just outside and
 * on the edges of the real domains, poles, overflow and underflow
 * thresholds.  Keyed by name through ad_op_lookup(); c is powi's exponent
 * (the generic points try c = -3 .. 3). */
static const struct edge {
    const char *op;
    double a, b;
    long c;
} edges[] = {
    {"inv", 0x1p-1074, 0, 0},   {"inv", -0x1p-1074, 0, 0},
    {"sqrt", -2.385, 0, 0},     {"sqrt", -0x1p-1074, 0, 0},
    {"sqrt", 0x1p-1074, 0, 0},  {"exp", 709.8, 0, 0},
    {"exp", -745.2, 0, 0},      {"expm1", 709.8, 0, 0},
    {"log", -2.385, 0, 0},      {"log", 1.0, 0, 0},
    {"log", 0x1p-1074, 0, 0},   {"log1p", -1.0, 0, 0},
    {"log1p", -2.385, 0, 0},    {"log1p", -0x1.fffffffffffffp-1, 0, 0},
    {"log2", -2.385, 0, 0},     {"log2", 1.0, 0, 0},
    {"log10", -2.385, 0, 0},    {"log10", 1.0, 0, 0},
    {"asin", 1.0, 0, 0},        {"asin", -1.0, 0, 0},
    {"asin", 2.385, 0, 0},      {"asin", -2.385, 0, 0},
    {"acos", 1.0, 0, 0},        {"acos", -1.0, 0, 0},
    {"acos", 2.385, 0, 0},      {"acos", -2.385, 0, 0},
    {"acosh", 1.0, 0, 0},       {"acosh", 0.5, 0, 0},
    {"acosh", -2.385, 0, 0},    {"atanh", 1.0, 0, 0},
    {"atanh", -1.0, 0, 0},      {"atanh", 2.385, 0, 0},
    {"atanh", -2.385, 0, 0},    {"lgamma", 1.0, 0, 0},
    {"lgamma", 2.0, 0, 0},      {"lgamma", -1.0, 0, 0},
    {"lgamma", -2.0, 0, 0},     {"lgamma", -2.385, 0, 0},
    {"tgamma", 1.0, 0, 0},      {"tgamma", -1.0, 0, 0},
    {"tgamma", -2.0, 0, 0},     {"tgamma", -2.385, 0, 0},
    {"tgamma", 171.7, 0, 0},    {"sinh", 710.5, 0, 0},
    {"cosh", 710.5, 0, 0},      {"powi", -2.385, 0, 3},
    {"powi", -2.385, 0, -2},    {"pow", -2.385, 0.5, 0},
    {"pow", -2.385, 3.0, 0},    {"pow", 0.0, -1.0, 0},
    {"pow", -0.0, -1.0, 0},     {"pow", 0.0, 0.5, 0},
    {"pow", 0.0, 2.385, 0},     {"pow", -0.0, 3.0, 0},
    {"pow", 1.0, 2.385, 0},     {"pow", 2.385, 0.0, 0},
    {"pow", -1.0, INFINITY, 0}, {"atan2", 2.385, 2.385, 0},
    {"hypot", 2.385, 0.0, 0},   {"fmin", 2.385, 2.385, 0},
    {"fmax", 2.385, 2.385, 0},  {"div", 0.0, 0.0, 0},
};

/* The conventions at non-differentiable points that include/admix/forward.h
 * documents, as exact first partials (tangent 1 on one argument): they are
 * checked here on their own, not only through the MPFR rules, which could
 * share a mistake with the double rules. */
static const struct convention {
    const char *op;
    double a, b;
    double da, db;
} conventions[] = {
    {"sqrt", 0.0, 0, INFINITY, 0},    {"fabs", 0.0, 0, 0.0, 0},
    {"fabs", -0.0, 0, 0.0, 0},        {"fmin", 2.385, 2.385, 0.5, 0.5},
    {"fmax", 2.385, 2.385, 0.5, 0.5}, {"fmin", -0.0, 0.0, 0.5, 0.5},
    {"fmax", -0.0, 0.0, 0.5, 0.5},    {"hypot", 0.0, 0.0, 0.0, 0.0},
    {"hypot", -0.0, 0.0, 0.0, 0.0},
};

/* Primitives whose sign of a zero result C leaves unspecified (C11 F.10.9.2
 * and F.10.9.3: fmin/fmax need not order -0 and +0). */
static const char *const zero_sign_free[] = {"fmin", "fmax"};

/* ---- MPFR references ----------------------------------------------------- */

typedef struct ref {
    mpfr_t a, b;    /* the inputs, exact */
    mpfr_t y;       /* value */
    mpfr_t p1[2];   /* f_a, f_b */
    mpfr_t p2[3];   /* f_aa, f_ab, f_bb */
    mpfr_t s, t, m; /* scratch of judge_tangent */
} ref;

static void ref_init(ref *r)
{
    mpfr_inits2(PREC, r->a, r->b, r->y, r->p1[0], r->p1[1], r->p2[0], r->p2[1],
                r->p2[2], r->s, r->t, r->m, (mpfr_ptr)0);
}

static void ref_clear(ref *r)
{
    mpfr_clears(r->a, r->b, r->y, r->p1[0], r->p1[1], r->p2[0], r->p2[1],
                r->p2[2], r->s, r->t, r->m, (mpfr_ptr)0);
}

/* Value and partials at (a, b; c) by the primitive's MPFR rules.  Partials
 * a unary primitive does not set stay NaN, so that a stray use shows. */
static void ref_eval(ref *r, const ad__prim *P, int arity, double a, double b,
                     long c)
{
    mpfr_ptr p1[2] = {r->p1[0], r->p1[1]};
    mpfr_ptr p2[3] = {r->p2[0], r->p2[1], r->p2[2]};
    mpfr_srcptr bp = arity == 2 ? r->b : NULL;
    mpfr_set_d(r->a, a, MPFR_RNDN);
    mpfr_set_d(r->b, b, MPFR_RNDN);
    for (int i = 0; i < 2; i++)
        mpfr_set_nan(p1[i]);
    for (int i = 0; i < 3; i++)
        mpfr_set_nan(p2[i]);
    P->mpfr_value(r->y, r->a, bp, c, MPFR_RNDN);
    P->mpfr_d1(p1, r->a, bp, c, r->y);
    P->mpfr_d2(p2, r->a, bp, c, r->y);
}

/* ---- per-primitive context, statistics and failures ---------------------- */

enum { T_DOUBLE, T_TABLE, T_DUAL, T_DUALV, T_HDUAL, T_CPLX, NTYPES };
static const char *const type_name[NTYPES] = {"double", "table", "dual",
                                              "dualv",  "hdual", "cplx"};
enum { Q_VAL, Q_D1, Q_D2, NQ };
static const char *const q_name[NQ] = {"val", "d1", "d2"};

/* The largest error measured for one type and quantity, and where. */
typedef struct stat {
    double err, tol;
    double a, b;
    long c;
    const char *tag; /* which seed or variant */
    long n;          /* checks measured */
} stat;

typedef struct ctx {
    const char *test;
    int op;
    const ad_op_info *info;
    const ad__prim *P;
    const forms *F;
    int arity, param, zero_sign_free;
    unsigned flags;
    int have_ref; /* the MPFR rules exist */
    ref r;
    double a, b; /* the current point */
    long c;
    stat st[NTYPES][NQ];
    long n_points, n_nonfinite, n_overflow[NQ], n_underflow, n_kind;
    long pts_overflow[NQ], pts_underflow; /* points with such checks */
    long n_cstep_skip, n_real_differ, n_domain;
    /* Failures, by check (x->test names the current one). */
    struct bucket {
        const char *test;
        long n_fail;
        char msg[MAX_MSG][320];
    } fails[NBUCKET];
} ctx;

static void ctx_init(ctx *x, const char *test, int op)
{
    memset(x, 0, sizeof *x);
    x->test = test;
    x->op = op;
    x->info = ad_op_get(op);
    x->P = ad__prim_get(op);
    x->F = &forms_of[op];
    x->arity = x->info->arity;
    x->param = x->info->has_param;
    x->flags = x->info->flags;
    x->have_ref = x->P->mpfr_value != NULL && x->P->mpfr_d1 != NULL &&
                  x->P->mpfr_d2 != NULL;
    for (size_t i = 0; i < sizeof zero_sign_free / sizeof *zero_sign_free; i++)
        if (ad_op_lookup(zero_sign_free[i]) == op)
            x->zero_sign_free = 1;
    for (int t = 0; t < NTYPES; t++)
        for (int q = 0; q < NQ; q++)
            x->st[t][q].err = -1.0;
    ref_init(&x->r);
}

static void ctx_clear(ctx *x)
{
    ref_clear(&x->r);
}

static int guarded(const ctx *x)
{
    return (x->flags & (AD_F_DOMAIN | AD_F_SINGULAR)) != 0;
}

/* "a=... b=... c=..." for the current point, as much as the op has. */
static const char *point_str(const ctx *x, double a, double b, long c,
                             char *buf, size_t n)
{
    if (x->arity == 2)
        snprintf(buf, n, "a=%.17g b=%.17g", a, b);
    else if (x->param)
        snprintf(buf, n, "a=%.17g c=%ld", a, c);
    else
        snprintf(buf, n, "a=%.17g", a);
    return buf;
}

/* Records a failure of the current check: the first MAX_MSG in full, the
 * others counted. */
static void fail(ctx *x, const char *fmt, ...)
{
    struct bucket *f = &x->fails[NBUCKET - 1];
    for (int i = 0; i < NBUCKET; i++)
        if (x->fails[i].test == NULL || x->fails[i].test == x->test) {
            f = &x->fails[i];
            break;
        }
    f->test = x->test;
    if (f->n_fail < MAX_MSG) {
        char pt[96];
        char what[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(f->msg[f->n_fail], sizeof f->msg[0], "%s: %s: %s at %s",
                 x->test, x->info->name, what,
                 point_str(x, x->a, x->b, x->c, pt, sizeof pt));
    }
    f->n_fail++;
}

/* The report of one test instance is collected here and written with one
 * call, so that instances running in parallel do not interleave lines. */
static char out[1 << 15];
static size_t out_n;

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + out_n, sizeof out - out_n, fmt, ap);
    va_end(ap);
    if (k > 0)
        out_n +=
            (size_t)k < sizeof out - out_n ? (size_t)k : sizeof out - out_n - 1;
}

static void say_flush(void)
{
    fwrite(out, 1, out_n, stderr);
    fflush(stderr);
    out_n = 0;
}

/* Ends a primitive's test instance: its first failures in the report, and
 * one Criterion expectation per failed check, carrying its first failure. */
static void ctx_finish(ctx *x)
{
    for (int b = 0; b < NBUCKET; b++) {
        const struct bucket *f = &x->fails[b];
        for (long i = 0; i < f->n_fail && i < MAX_MSG; i++)
            say("  FAIL %s\n", f->msg[i]);
        if (f->n_fail > MAX_MSG)
            say("  FAIL %s: %s: ... %ld more\n", f->test, x->info->name,
                f->n_fail - MAX_MSG);
    }
    say_flush();
    for (int b = 0; b < NBUCKET; b++) {
        const struct bucket *f = &x->fails[b];
        cr_expect(f->n_fail == 0, "%s: %s: %ld failed checks; first: %s",
                  f->test ? f->test : "", x->info->name, f->n_fail,
                  f->n_fail > 0 ? f->msg[0] : "");
    }
}

static void record(ctx *x, int type, int q, const char *tag, double err,
                   double tol)
{
    stat *s = &x->st[type][q];
    s->n++;
    if (err > s->err) {
        s->err = err;
        s->tol = tol;
        s->a = x->a;
        s->b = x->b;
        s->c = x->c;
        s->tag = tag;
    }
}

static int same_bits(double u, double v)
{
    if (isnan(u) || isnan(v))
        return isnan(u) && isnan(v);
    return memcmp(&u, &v, sizeof u) == 0;
}

/* same_bits, except that zeros of either sign match for the primitives
 * whose sign of zero C leaves unspecified (zero_sign_free). */
static int same_value(const ctx *x, double u, double v)
{
    if (x->zero_sign_free && u == 0.0 && v == 0.0)
        return 1;
    return same_bits(u, v);
}

/* Checks a value of type `type` against the MPFR value: same kind (NaN,
 * infinity of the same sign, zero of the same sign where C specifies it),
 * else within tol ulps of the correctly rounded value (an infinite tol:
 * measured for the report only). */
static void judge_value(ctx *x, int type, double got, double tol)
{
    mpfr_srcptr Y = x->r.y;
    if (mpfr_nan_p(Y) || mpfr_inf_p(Y)) {
        x->n_kind++;
        if (ulp_diff_mpfr(got, Y) != 0.0)
            fail(x, "%s value %a, MPFR gives %s", type_name[type], got,
                 mpfr_nan_p(Y) ? "NaN" : (mpfr_signbit(Y) ? "-inf" : "+inf"));
        return;
    }
    if (mpfr_zero_p(Y)) {
        x->n_kind++;
        if (got != 0.0 ||
            (!x->zero_sign_free && !!signbit(got) != !!mpfr_signbit(Y)))
            fail(x, "%s value %a, MPFR gives %s0", type_name[type], got,
                 mpfr_signbit(Y) ? "-" : "+");
        return;
    }
    double rv = mpfr_get_d(Y, MPFR_RNDN);
    double mag = fabs(rv);
    if (mag < DBL_MIN || (got != 0.0 && fabs(got) < DBL_MIN)) {
        /* Gradual underflow: ulps of subnormals are absolute, and a result
         * there is only asked to be tiny as well. */
        x->n_underflow++;
        if (!(fabs(got - rv) <= DBL_MIN))
            fail(x, "%s value %a, MPFR gives %a (underflow range)",
                 type_name[type], got, rv);
        return;
    }
    double err = ulp_diff(got, rv);
    record(x, type, Q_VAL, "", err, tol);
    if (!(err <= tol))
        fail(x, "%s value %a, MPFR gives %a: %.3g ulp > %.3g", type_name[type],
             got, rv, err, tol);
}

/* One term of a tangent: a partial times a seed (or product of seeds).
 * order 1: idx 0 = f_a, 1 = f_b; order 2: idx 0 = f_aa, 1 = f_ab, 2 = f_bb. */
typedef struct term {
    int order, idx;
    double scale;
} term;
typedef struct tsum {
    int n;
    term t[5];
} tsum;

static void add_term(tsum *s, int order, int idx, double scale)
{
    s->t[s->n].order = order;
    s->t[s->n].idx = idx;
    s->t[s->n].scale = scale;
    s->n++;
}

/* The significand of t in [1, 2). */
static double mant(double t)
{
    int e;
    return 2.0 * fabs(frexp(t, &e));
}

/* Checks a tangent `got` computed as sum_i chain(p_i, scale_i) (double
 * partials p_i within U_i ulps of the MPFR partials P_i) against the same
 * sum in MPFR.  The error is measured in ulps of M, the largest of |RN(S)|
 * and the |P_i scale_i|, so that a cancellation between terms (a seed
 * (1, 1) with f_a = -f_b) does not count against the rules, and must be at
 * most the bound that the rounding of each step allows:
 *   - one term with a power-of-two seed: exact scaling, U ulps;
 *   - one term, seed with significand m in [1, 2): the partial is within
 *     U + 1/2 ulps of the exact one, the product adds (U + 1/2) m ulps of
 *     error plus a rounding of 1/2, and rounding the reference 1/2 more:
 *     (U + 1/2) m + 1;
 *   - n terms: the sum of (U_i + 1/2) m_i + 1/2, plus 1/2 ulp of each of the
 *     n - 1 partial sums (at most 2^ceil(log2 n) M), plus 1/2 for rounding.
 * `extra` is added (the complex step's allowance). */
static void judge_tangent(ctx *x, int type, int q, const char *tag, double got,
                          const tsum *ts, double extra)
{
    ref *r = &x->r;
    int n = 0, overflow = 0;
    double tol = 0.0, single = 0.0;
    mpfr_set_zero(r->s, 1);
    mpfr_set_zero(r->m, 1);
    for (int i = 0; i < ts->n; i++) {
        const term *t = &ts->t[i];
        mpfr_srcptr P = t->order == 1 ? r->p1[t->idx] : r->p2[t->idx];
        if (t->scale == 0.0) {
            /* ad__chain: exactly 0 through a guarded primitive, whatever
             * the partial; otherwise the double partial times 0, which is
             * NaN where that partial is NaN or has overflowed (MPFR's
             * exponent range would keep exp(710) finite). */
            if (!guarded(x) && !isfinite(mpfr_get_d(P, MPFR_RNDN)))
                mpfr_set_nan(r->s);
            continue;
        }
        mpfr_mul_d(r->t, P, t->scale, MPFR_RNDN);
        mpfr_add(r->s, r->s, r->t, MPFR_RNDN);
        /* A partial beyond DBL_MAX is inf in double, whatever the scaled
         * term would be (exp'(709.8) * 0.75 < DBL_MAX). */
        overflow |= mpfr_number_p(P) && isinf(mpfr_get_d(P, MPFR_RNDN));
        if (mpfr_number_p(r->t) && mpfr_cmpabs(r->t, r->m) > 0)
            mpfr_abs(r->m, r->t, MPFR_RNDN);
        double U = t->order == 1 ? x->P->ulp_d1 : x->P->ulp_d2;
        double m = mant(t->scale);
        single = m == 1.0 ? U : (U + 0.5) * m + 1.0;
        tol += (U + 0.5) * m + 0.5;
        n++;
    }
    if (n == 1)
        tol = single;
    else if (n > 1)
        tol += (n - 1) * 0.5 * (n <= 2 ? 2.0 : n <= 4 ? 4.0 : 8.0) + 0.5;
    tol += extra;

    mpfr_srcptr S = r->s;
    if (mpfr_nan_p(S) || mpfr_inf_p(S)) {
        x->n_kind++;
        if (ulp_diff_mpfr(got, S) != 0.0)
            fail(x, "%s %s [%s] %a, MPFR gives %s", type_name[type], q_name[q],
                 tag, got,
                 mpfr_nan_p(S) ? "NaN" : (mpfr_signbit(S) ? "-inf" : "+inf"));
        return;
    }
    double rs = mpfr_get_d(S, MPFR_RNDN);
    double rm = mpfr_get_d(r->m, MPFR_RNDN);
    if (isinf(rs) || isinf(rm) || overflow) {
        /* The exact derivative is beyond the doubles: no ulps to measure,
         * and the rules may give inf or NaN (inf - inf) alike. */
        x->n_overflow[q]++;
        return;
    }
    double mag = fmax(fabs(rs), rm);
    if (mag > 0.0 && (mag < DBL_MIN || (got != 0.0 && fabs(got) < DBL_MIN))) {
        x->n_underflow++;
        if (!(fabs(got - rs) <= DBL_MIN))
            fail(x, "%s %s [%s] %a, MPFR gives %a (underflow range)",
                 type_name[type], q_name[q], tag, got, rs);
        return;
    }
    /* ulp_of(rs) / ulp_of(mag) is a power of two: exact. */
    double err = ulp_diff(got, rs) * (ulp_of(rs) / ulp_of(mag));
    record(x, type, q, tag, err, tol);
    if (!(err <= tol))
        fail(x, "%s %s [%s] %a, MPFR gives %a: %.3g ulp > %.3g",
             type_name[type], q_name[q], tag, got, rs, err, tol);
}

/* ---- one point, every type ----------------------------------------------- */

/* Lane seeds of ad_dualv (da, db), cycled over AD_LANES lanes: unit seeds,
 * scalings by a power of two and by a general number, a mixed pair, a zero
 * lane. */
static const double lane_seed[][2] = {
    {1.0, 0.0}, {0.0, 1.0},     {2.385, 0.0}, {0.0, -0.5},
    {1.0, 1.0}, {-0.75, 2.385}, {0.0, 0.0},   {1e-3, -3.0},
};
#define NSEED ((int)(sizeof lane_seed / sizeof *lane_seed))
static const char *const lane_tag[NSEED] = {
    "lane 1,0", "lane 0,1",        "lane 2.385,0", "lane 0,-0.5",
    "lane 1,1", "lane -.75,2.385", "lane 0,0",     "lane 1e-3,-3",
};

static void value_all(ctx *x, int type, double got, double table_value)
{
    if (!same_value(x, got, table_value))
        fail(x, "%s value %a differs from the table's %a", type_name[type], got,
             table_value);
    judge_value(x, type, got, x->P->ulp_value);
}

static ad_hdual hd(double v, double d1, double d2)
{
    return ad_hdual_make(v, d1, d2, 0.0);
}

/* The terms of an hdual result's d1, d2 and d12 parts for hyper-dual
 * arguments xa (if has_a) and xb (if has_b), mirroring hdual.h:
 *   d1  = f_a xa.d1 + f_b xb.d1,   d2 = f_a xa.d2 + f_b xb.d2,
 *   d12 = f_a xa.d12 + f_aa xa.d1 xa.d2 + f_b xb.d12 + f_bb xb.d1 xb.d2
 *         + f_ab (xa.d1 xb.d2 + xa.d2 xb.d1). */
static void hdual_terms(ad_hdual xa, ad_hdual xb, int has_a, int has_b,
                        tsum *d1, tsum *d2, tsum *d12)
{
    d1->n = d2->n = d12->n = 0;
    if (has_a) {
        add_term(d1, 1, 0, xa.d1);
        add_term(d2, 1, 0, xa.d2);
        add_term(d12, 1, 0, xa.d12);
        add_term(d12, 2, 0, xa.d1 * xa.d2);
    }
    if (has_b) {
        add_term(d1, 1, 1, xb.d1);
        add_term(d2, 1, 1, xb.d2);
        add_term(d12, 1, 1, xb.d12);
        add_term(d12, 2, 2, xb.d1 * xb.d2);
    }
    if (has_a && has_b)
        add_term(d12, 2, 1, xa.d1 * xb.d2 + xa.d2 * xb.d1);
}

static void judge_hdual(ctx *x, const char *tag, ad_hdual got, ad_hdual xa,
                        ad_hdual xb, int has_a, int has_b, double tv)
{
    tsum d1, d2, d12;
    hdual_terms(xa, xb, has_a, has_b, &d1, &d2, &d12);
    value_all(x, T_HDUAL, got.v, tv);
    judge_tangent(x, T_HDUAL, Q_D1, tag, got.d1, &d1, 0.0);
    judge_tangent(x, T_HDUAL, Q_D1, tag, got.d2, &d2, 0.0);
    judge_tangent(x, T_HDUAL, Q_D2, tag, got.d12, &d12, 0.0);
}

static void judge_dualv(ctx *x, ad_dualv got, int has_a, int has_b, double tv)
{
    value_all(x, T_DUALV, got.v, tv);
    for (int i = 0; i < AD_LANES; i++) {
        const double *s = lane_seed[i % NSEED];
        tsum ts = {0};
        if (has_a)
            add_term(&ts, 1, 0, s[0]);
        if (has_b)
            add_term(&ts, 1, 1, s[1]);
        judge_tangent(x, T_DUALV, Q_D1, lane_tag[i % NSEED], got.d[i], &ts,
                      0.0);
    }
}

static ad_dualv dv(double v, int lane_part, int active)
{
    ad_dualv r = ad_dualv_const(v);
    if (active)
        for (int i = 0; i < AD_LANES; i++)
            r.d[i] = lane_seed[i % NSEED][lane_part];
    return r;
}

/* Whether the complex step on argument idx can work at the current point:
 * the step must be small beside that argument (else the O(h^2) term is no
 * longer below the rounding: csqrt(1e-194 + 1e-200 i)), and representable
 * with full precision relative to both arguments, h / |arg| >= 2^-969 (else
 * a complex function that normalizes its arguments, as hypot's does, loses
 * the imaginary part to underflow).  The complex step says nothing
 * elsewhere, nor where h f' is below 2^-970 or the value is not finite (the
 * complex functions have their own special cases there). */
static int cstep_fits(const ctx *x, int idx)
{
    double arg = idx == 0 ? x->a : x->b;
    double big = x->arity == 2 ? fmax(fabs(x->a), fabs(x->b)) : fabs(x->a);
    return fabs(arg) >= 0x1p30 * CSTEP_H && big <= 0x1p969 * CSTEP_H;
}

/* The complex step on argument idx (0: a, 1: b). */
static void cstep(ctx *x, int idx, double tv)
{
    double a = x->a, b = x->b;
    int k = (int)x->c;
    cplx z = AD__CMPLX(a, idx == 0 ? CSTEP_H : 0.0);
    cplx w = AD__CMPLX(b, idx == 1 ? CSTEP_H : 0.0);
    cplx r = x->F->cplx(z, w, k);
    double p = mpfr_get_d(x->r.p1[idx], MPFR_RNDN);
    if (!isfinite(tv) || !isfinite(p) || fabs(p) * CSTEP_H < 0x1p-970 ||
        !cstep_fits(x, idx)) {
        x->n_cstep_skip++;
        return;
    }
    /* The real part is the double value, bit for bit: the complex step
     * must not change the function it differentiates.  Its error is
     * measured for the report. */
    if (!same_value(x, creal(r), tv)) {
        x->n_real_differ++;
        fail(x,
             "real part %a of the complex step on %c differs from the "
             "double value %a (%.3g ulp)",
             creal(r), idx == 0 ? 'a' : 'b', tv, ulp_diff(creal(r), tv));
    }
    judge_value(x, T_CPLX, creal(r), INFINITY);
    tsum ts = {0};
    add_term(&ts, 1, idx, 1.0);
    judge_tangent(x, T_CPLX, Q_D1, idx == 0 ? "a" : "b", cimag(r) / CSTEP_H,
                  &ts, CSTEP_ALLOW);
}

/* Every type at (a, b; c); the MPFR references must be in x->r. */
static void check_point(ctx *x, double a, double b, long c)
{
    const forms *F = x->F;
    const ad_op_info *info = x->info;
    int k = (int)c;
    x->a = a;
    x->b = b;
    x->c = c;

    /* double: the inline rule, and the table.c copies with their partials
     * (the tape sweeps use those). */
    double tv = info->value(a, b, (double)c);
    value_all(x, T_DOUBLE, F->dbl(a, b, k), tv);
    judge_value(x, T_TABLE, tv, x->P->ulp_value);
    double p1[2] = {NAN, NAN}, p2[3] = {NAN, NAN, NAN};
    info->d1(a, b, (double)c, tv, p1);
    info->d2(a, b, (double)c, tv, p2);
    static const char *const d1tag[2] = {"f_a", "f_b"};
    static const char *const d2tag[3] = {"f_aa", "f_ab", "f_bb"};
    for (int i = 0; i < x->arity; i++) {
        tsum ts = {0};
        add_term(&ts, 1, i, 1.0);
        judge_tangent(x, T_TABLE, Q_D1, d1tag[i], p1[i], &ts, 0.0);
    }
    for (int i = 0; i < (x->arity == 2 ? 3 : 1); i++) {
        tsum ts = {0};
        add_term(&ts, 2, i, 1.0);
        judge_tangent(x, T_TABLE, Q_D2, d2tag[i], p2[i], &ts, 0.0);
    }

    /* ad_dual: each argument seeded in turn, then the constant variants. */
    for (int i = 0; i < x->arity; i++) {
        ad_dual r =
            F->dual(ad_dual_make(a, i == 0), ad_dual_make(b, i == 1), k);
        tsum ts = {0};
        add_term(&ts, 1, 0, i == 0);
        if (x->arity == 2)
            add_term(&ts, 1, 1, i == 1);
        value_all(x, T_DUAL, r.v, tv);
        judge_tangent(x, T_DUAL, Q_D1, i == 0 ? "da" : "db", r.d, &ts, 0.0);
    }
    if (x->arity == 2) {
        ad_dual r = F->dual_xc(ad_dual_make(a, 1.0), b);
        tsum ts = {0};
        add_term(&ts, 1, 0, 1.0);
        value_all(x, T_DUAL, r.v, tv);
        judge_tangent(x, T_DUAL, Q_D1, "xc", r.d, &ts, 0.0);
        r = F->dual_cx(a, ad_dual_make(b, 1.0));
        ts.t[0].idx = 1;
        value_all(x, T_DUAL, r.v, tv);
        judge_tangent(x, T_DUAL, Q_D1, "cx", r.d, &ts, 0.0);
    }

    /* ad_dualv: lanes seeded (da, db) from lane_seed. */
    judge_dualv(x, F->dualv(dv(a, 0, 1), dv(b, 1, 1), k), 1, x->arity == 2, tv);
    if (x->arity == 2) {
        judge_dualv(x, F->dualv_xc(dv(a, 0, 1), b), 1, 0, tv);
        judge_dualv(x, F->dualv_cx(a, dv(b, 1, 1)), 0, 1, tv);
    }

    /* ad_hdual: e1 and e2 on the same argument give f_aa (f_bb); on
     * different arguments, f_ab. */
    if (x->arity == 1) {
        ad_hdual xa = hd(a, 1.0, 1.0), xb = hd(b, 0.0, 0.0);
        judge_hdual(x, "aa", F->hdual(xa, xb, k), xa, xb, 1, 0, tv);
    } else {
        static const double seeds[3][4] = {
            {1, 1, 0, 0}, {1, 0, 0, 1}, {0, 0, 1, 1}};
        static const char *const tags[3] = {"aa", "ab", "bb"};
        for (int s = 0; s < 3; s++) {
            ad_hdual xa = hd(a, seeds[s][0], seeds[s][1]);
            ad_hdual xb = hd(b, seeds[s][2], seeds[s][3]);
            judge_hdual(x, tags[s], F->hdual(xa, xb, k), xa, xb, 1, 1, tv);
        }
        ad_hdual xa = hd(a, 1.0, 1.0), xb = hd(b, 1.0, 1.0);
        judge_hdual(x, "xc", F->hdual_xc(xa, b), xa, xb, 1, 0, tv);
        judge_hdual(x, "cx", F->hdual_cx(a, xb), xa, xb, 0, 1, tv);
    }
}

/* ---- the report ---------------------------------------------------------- */

static void report(const ctx *x)
{
    const ad__prim *P = x->P;
    say("%-6s %s%s, flags %u, bounds val %g d1 %g d2 %g; %ld points",
        x->info->name, x->arity == 2 ? "binary" : "unary",
        x->param ? " with parameter" : "", x->flags, P->ulp_value, P->ulp_d1,
        P->ulp_d2, x->n_points);
    if (x->n_nonfinite)
        say("; %ld non-finite samples skipped", x->n_nonfinite);
    if (x->n_overflow[Q_D1] || x->n_overflow[Q_D2])
        say("; skipped as a derivative is beyond DBL_MAX: d1 at %ld points "
            "(%ld checks), d2 at %ld (%ld)",
            x->pts_overflow[Q_D1], x->n_overflow[Q_D1], x->pts_overflow[Q_D2],
            x->n_overflow[Q_D2]);
    if (x->n_underflow)
        say("; in the underflow range, only |err| <= DBL_MIN asked: %ld "
            "points (%ld checks)",
            x->pts_underflow, x->n_underflow);
    if (x->n_kind)
        say("; %ld checks against NaN/inf/0 references", x->n_kind);
    if (x->n_cstep_skip)
        say("; %ld complex steps skipped (see cstep_fits)", x->n_cstep_skip);
    if (x->n_real_differ)
        say("; complex step's real part differs from the double value %ld "
            "times",
            x->n_real_differ);
    say("\n");
    for (int t = 0; t < NTYPES; t++) {
        int any = 0;
        for (int q = 0; q < NQ; q++)
            any |= x->st[t][q].n > 0;
        if (!any)
            continue;
        say("  %-6s", type_name[t]);
        for (int q = 0; q < NQ; q++) {
            const stat *s = &x->st[t][q];
            char pt[96], tol[16];
            if (s->n == 0)
                continue;
            if (isinf(s->tol))
                snprintf(tol, sizeof tol, "-");
            else
                snprintf(tol, sizeof tol, "%.3g", s->tol);
            say("  %s %.2f/%s [%s%s%s]", q_name[q], s->err, tol, s->tag,
                *s->tag ? " " : "",
                point_str(x, s->a, s->b, s->c, pt, sizeof pt));
        }
        say("\n");
    }
}

/* ---- the tests ----------------------------------------------------------- */

/* Every test is parameterized by the op, so that each primitive is its own
 * test instance (and process): a failure or a crash in one primitive's rules
 * hides nothing about the others. */
static struct criterion_test_params all_ops(void)
{
    static int ops[AD_OP_COUNT];
    for (int op = 0; op < AD_OP_COUNT; op++)
        ops[op] = op;
    return cr_make_param_array(int, ops, AD_OP_COUNT);
}
#define OP_TEST(name)                                                          \
    ParameterizedTestParameters(primitives, name)                              \
    {                                                                          \
        return all_ops();                                                      \
    }                                                                          \
    ParameterizedTest(int *op, primitives, name)

/* FNV-1a of the name: each primitive's points stay the same when the table
 * is reordered or grows. */
static uint64_t seed_of(const char *name)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * UINT64_C(0x100000001b3);
    return h;
}

/* The legend of the report, printed once before the tests run. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    fprintf(stderr,
            "primitives::accuracy report: per primitive and number type, the "
            "largest error in ulps of the correctly rounded MPFR reference "
            "(%d bits) over %d sampled points, as error/bound [seed or "
            "variant, point] (bound '-': measured only); cplx is the complex "
            "step with h = %a.  CRITERION_JOBS=1 prints the primitives in "
            "table order.\n",
            PREC, NPOINTS, CSTEP_H);
}

/* A primitive without a reference is a failure, not a skip. */
Test(primitives, references)
{
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *info = ad_op_get(op);
        const ad__prim *P = ad__prim_get(op);
        cr_assert(info != NULL && P != NULL, "op %d has no descriptor", op);
        cr_expect(P->sample != NULL && P->mpfr_value != NULL &&
                      P->mpfr_d1 != NULL && P->mpfr_d2 != NULL,
                  "%s: no sampler or MPFR rules yet (primitives/%s.c is a "
                  "placeholder): it cannot be checked",
                  info->name, info->name);
        cr_expect(P->ulp_value >= 0.0 && P->ulp_d1 >= 0.0 && P->ulp_d2 >= 0.0 &&
                      isfinite(P->ulp_value + P->ulp_d1 + P->ulp_d2),
                  "%s: ulp bounds %g %g %g are not finite and >= 0", info->name,
                  P->ulp_value, P->ulp_d1, P->ulp_d2);
        if (P->ulp_value > 4.0 || P->ulp_d1 > 4.0)
            fprintf(stderr,
                    "note: %s documents more than 4 ulps (value %g, d1 %g); "
                    "primitives/%s.c must say why\n",
                    info->name, P->ulp_value, P->ulp_d1, info->name);
    }
}

OP_TEST(accuracy)
{
    ctx x;
    ctx_init(&x, "accuracy", *op);
    if (!x.have_ref || x.P->sample == NULL) {
        say("%-6s no sampler or MPFR rules: not checked (see "
            "primitives::references)\n",
            x.info->name);
        say_flush();
        ctx_clear(&x);
        return;
    }
    uint64_t s = seed_of(x.info->name);
    for (int i = 0; i < NPOINTS; i++) {
        double p[2] = {0.0, 0.0};
        long c = 0;
        x.P->sample(&s, p, &c);
        if (x.arity == 1)
            p[1] = 0.0;
        if (!isfinite(p[0]) || !isfinite(p[1])) {
            x.n_nonfinite++;
            continue;
        }
        x.n_points++;
        long o1 = x.n_overflow[Q_D1], o2 = x.n_overflow[Q_D2];
        long u = x.n_underflow;
        ref_eval(&x.r, x.P, x.arity, p[0], p[1], c);
        check_point(&x, p[0], p[1], c);
        x.pts_overflow[Q_D1] += x.n_overflow[Q_D1] > o1;
        x.pts_overflow[Q_D2] += x.n_overflow[Q_D2] > o2;
        x.pts_underflow += x.n_underflow > u;
        if (!(x.flags & AD_F_NONANALYTIC)) {
            double tv = x.info->value(p[0], p[1], (double)c);
            x.test = "complex_step";
            for (int idx = 0; idx < x.arity; idx++)
                cstep(&x, idx, tv);
            x.test = "accuracy";
        }
    }
    report(&x);
    ctx_finish(&x);
    ctx_clear(&x);
}

/* The special points of op: every combination of the generic values (with
 * at least one of +-0, +-inf, NaN for binary ops; exponents -3 .. 3 for a
 * parameter) and the op's entries in edges[].  Returns their number. */
typedef struct pt {
    double a, b;
    long c;
} pt;
#define MAXPTS 128

static int special_points(const ctx *x, pt *out)
{
    static const double v[] = {0.0, -0.0,  INFINITY, -INFINITY,
                               NAN, 2.385, -2.385};
    const int nspecial = 5, nv = 7;
    int n = 0;
    if (x->arity == 1) {
        for (long c = x->param ? -3 : 0; c <= (x->param ? 3 : 0); c++)
            for (int i = 0; i < nspecial; i++)
                out[n++] = (pt){v[i], 0.0, c};
    } else {
        for (int i = 0; i < nv; i++)
            for (int j = 0; j < nv; j++)
                if (i < nspecial || j < nspecial)
                    out[n++] = (pt){v[i], v[j], 0};
    }
    for (size_t e = 0; e < sizeof edges / sizeof *edges; e++) {
        int op = ad_op_lookup(edges[e].op);
        cr_assert(op >= 0, "edges[]: no primitive called %s", edges[e].op);
        if (op == x->op && n < MAXPTS)
            out[n++] =
                (pt){edges[e].a, x->arity == 2 ? edges[e].b : 0.0, edges[e].c};
    }
    return n;
}

/* Every type against MPFR at the special points. */
static void special_values(ctx *x, const pt *pts, int n)
{
    x->test = "special_values";
    if (!x->have_ref)
        return; /* a failure of primitives::references */
    for (int i = 0; i < n; i++) {
        ref_eval(&x->r, x->P, x->arity, pts[i].a, pts[i].b, pts[i].c);
        check_point(x, pts[i].a, pts[i].b, pts[i].c);
    }
}

/* Checks that every forward type gives NaN (want_nan) or exactly 0 as each
 * tangent part at (a, b; c) when argument a is seeded with ta and b with tb
 * (each 0 or 1): the plain and the constant variants. */
static void check_tangents(ctx *x, double a, double b, long c, double ta,
                           double tb, int want_nan, const char *why)
{
    const forms *F = x->F;
    int k = (int)c;
    x->a = a;
    x->b = b;
    x->c = c;
#define CHECK(val, what)                                                       \
    do {                                                                       \
        double v_ = (val);                                                     \
        if (want_nan ? !isnan(v_) : v_ != 0.0)                                 \
            fail(x, "%s: %s is %a, want %s (seeds %g, %g)", why, what, v_,     \
                 want_nan ? "NaN" : "0", ta, tb);                              \
    } while (0)
    ad_dual r = F->dual(ad_dual_make(a, ta), ad_dual_make(b, tb), k);
    CHECK(r.d, "dual");
    ad_dualv ua = ad_dualv_const(a), ub = ad_dualv_const(b);
    for (int i = 0; i < AD_LANES; i++)
        ua.d[i] = ta, ub.d[i] = tb;
    ad_dualv rv = F->dualv(ua, ub, k);
    for (int i = 0; i < AD_LANES; i++)
        CHECK(rv.d[i], "dualv lane");
    ad_hdual ha = hd(a, ta, ta), hb = hd(b, tb, tb);
    ad_hdual rh = F->hdual(ha, hb, k);
    CHECK(rh.d1, "hdual d1");
    CHECK(rh.d2, "hdual d2");
    CHECK(rh.d12, "hdual d12");
    if (x->arity == 2) {
        /* A constant argument has no tangent: only the active one's seed
         * matters, and it must carry the requirement on its own. */
        if (!want_nan || ta != 0.0) {
            CHECK(F->dual_xc(ad_dual_make(a, ta), b).d, "dual_xc");
            CHECK(F->dualv_xc(ua, b).d[0], "dualv_xc");
            rh = F->hdual_xc(ha, b);
            CHECK(rh.d1, "hdual_xc d1");
            CHECK(rh.d12, "hdual_xc d12");
        }
        if (!want_nan || tb != 0.0) {
            CHECK(F->dual_cx(a, ad_dual_make(b, tb)).d, "dual_cx");
            CHECK(F->dualv_cx(a, ub).d[0], "dualv_cx");
            rh = F->hdual_cx(a, hb);
            CHECK(rh.d1, "hdual_cx d1");
            CHECK(rh.d12, "hdual_cx d12");
        }
    }
#undef CHECK
}

/* A domain error (AD_F_DOMAIN): NaN value and NaN derivatives. */
static void domain_errors(ctx *x, const pt *pts, int n)
{
    x->test = "domain_errors";
    if (!(x->flags & AD_F_DOMAIN))
        return;
    for (int i = 0; i < n; i++) {
        double a = pts[i].a, b = pts[i].b;
        long c = pts[i].c;
        double v = x->info->value(a, b, (double)c);
        if (isnan(a) || isnan(b) || !isnan(v))
            continue;
        /* A domain error: NaN value at non-NaN inputs.  Its partials in the
         * table are NaN, and so is every tangent it produces. */
        x->n_domain++;
        double p1[2] = {0.0, 0.0}, p2[3] = {0.0, 0.0, 0.0};
        x->a = a, x->b = b, x->c = c;
        x->info->d1(a, b, (double)c, v, p1);
        x->info->d2(a, b, (double)c, v, p2);
        for (int j = 0; j < x->arity; j++)
            if (!isnan(p1[j]))
                fail(x, "table d1 p[%d] = %a, want NaN", j, p1[j]);
        for (int j = 0; j < (x->arity == 2 ? 3 : 1); j++)
            if (!isnan(p2[j]))
                fail(x, "table d2 p[%d] = %a, want NaN", j, p2[j]);
        check_tangents(x, a, b, c, 1.0, 0.0, 1, "domain error");
        if (x->arity == 2)
            check_tangents(x, a, b, c, 0.0, 1.0, 1, "domain error");
    }
    if (x->n_domain == 0)
        say("note: %s has AD_F_DOMAIN but none of its special points is a "
            "domain error (NaN value at non-NaN inputs)\n",
            x->info->name);
}

/* A zero tangent gives an exactly zero derivative. */
static void zero_tangents(ctx *x, const pt *pts, int n)
{
    x->test = "zero_tangents";
    for (int i = 0; i < n; i++) {
        double a = pts[i].a, b = pts[i].b;
        long c = pts[i].c;
        if (isnan(a) || isnan(b))
            continue;
        double v = x->info->value(a, b, (double)c);
        /* Guarded primitives give 0 along a zero tangent everywhere
         * (ad__chain); the others at least where everything is finite,
         * since their partials are finite there: a failure there means a
         * missing AD_F_SINGULAR. */
        if (!guarded(x) && !(isfinite(a) && isfinite(b) && isfinite(v)))
            continue;
        check_tangents(x, a, b, c, 0.0, 0.0, 0, "zero tangent");
    }
}

/* NaN inputs whose value is NaN give NaN tangents. */
static void nan_inputs(ctx *x, const pt *pts, int n)
{
    x->test = "nan_inputs";
    /* Only primitives with a restricted domain promise NaN partials at a NaN
     * value (ad__domain_fix); for the others the NaN value is the signal and
     * the tangent follows the partials' arithmetic (a NaN-aware partial in
     * every add and mul would cost each forward operation a compare). */
    if (!(x->info->flags & AD_F_DOMAIN))
        return;
    for (int i = 0; i < n; i++) {
        double a = pts[i].a, b = pts[i].b;
        long c = pts[i].c;
        if (!isnan(a) && !isnan(b))
            continue;
        double v = x->info->value(a, b, (double)c);
        /* Where C gives a number for a NaN input (fmin(NaN, 1) = 1,
         * pow(NaN, 0) = 1, hypot(inf, NaN) = inf) there is no requirement
         * here; special_values compares those with MPFR. */
        if (!isnan(v))
            continue;
        check_tangents(x, a, b, c, isnan(a) ? 1.0 : 0.0, isnan(b) ? 1.0 : 0.0,
                       1, "NaN input");
    }
}

/* The documented conventions (conventions[]): the first partials of ad_dual,
 * ad_dualv and ad_hdual, each argument seeded in turn. */
static void check_conventions(ctx *x)
{
    x->test = "conventions";
    for (size_t e = 0; e < sizeof conventions / sizeof *conventions; e++) {
        const struct convention *cv = &conventions[e];
        int op = ad_op_lookup(cv->op);
        cr_assert(op >= 0, "conventions[]: no primitive called %s", cv->op);
        if (op != x->op)
            continue;
        x->a = cv->a, x->b = cv->b, x->c = 0;
        for (int i = 0; i < x->arity; i++) {
            double want = i == 0 ? cv->da : cv->db;
            double ta = i == 0, tb = i == 1;
            ad_dual r =
                x->F->dual(ad_dual_make(cv->a, ta), ad_dual_make(cv->b, tb), 0);
            ad_dualv ua = ad_dualv_make(cv->a, i == 0 ? 0 : -1);
            ad_dualv ub = ad_dualv_make(cv->b, i == 1 ? 0 : -1);
            ad_dualv rv = x->F->dualv(ua, ub, 0);
            ad_hdual rh = x->F->hdual(hd(cv->a, ta, ta), hd(cv->b, tb, tb), 0);
            const double got[4] = {r.d, rv.d[0], rh.d1, rh.d2};
            static const char *const what[4] = {"dual", "dualv lane 0",
                                                "hdual d1", "hdual d2"};
            for (int t = 0; t < 4; t++)
                if (!same_bits(got[t], want))
                    fail(x, "%s partial %d is %a, documented %a", what[t], i,
                         got[t], want);
        }
    }
}

/* Special values (MPFR's check_special), one instance per primitive; each
 * failure says which of the checks it belongs to. */
OP_TEST(special)
{
    ctx x;
    pt pts[MAXPTS];
    ctx_init(&x, "special", *op);
    int n = special_points(&x, pts);
    special_values(&x, pts, n);
    domain_errors(&x, pts, n);
    zero_tangents(&x, pts, n);
    nan_inputs(&x, pts, n);
    check_conventions(&x);
    ctx_finish(&x);
    ctx_clear(&x);
}
