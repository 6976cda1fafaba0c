/* test_array.c -- the array primitives ad_dot, ad_sum, ad_axpy, ad_gemv and
 * ad_map on every number type (include/admix/array.h).
 *
 *   1. On double, double complex, ad_dual, ad_dualv and ad_hdual each array
 *      operation equals the scalar loop written with the generic scalar
 *      operations, in its value and in every derivative part (the tangent,
 *      every lane, d1 d2 d12, the imaginary part); ad_map for every unary
 *      primitive without parameter, in place too.
 *   2. On ad_var (one tape node per call) the gradient, jvp, vjp, Jacobian
 *      and the vector sweeps of functions built from the array operations
 *      equal the ad_dual instantiation of the same template, at the
 *      recorded point and after a replay at new points, for every way an
 *      array reaches the node (an index range, an index list, constants,
 *      constants mixed with variables), and for a small perceptron.
 *   4. Invalid calls give AD_EINVAL and leave y alone; empty ones AD_OK / 0.
 *   5. ad_var arrays of constants give constants, outside a recording and
 *      inside one.
 *   6. A replay at a new point equals a fresh recording there, bitwise.
 *
 * The functions are written once in test_array.inc.  Points and seeds are
 * fixed.  Checks are counted here and only failures reach Criterion (each
 * assertion Criterion records costs a message to its runner, and these
 * tests make about three million comparisons); every test ends with finish(),
 * which fails it if any check did. */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "primitive.h" /* internal: ad__rand_uniform */

#include <admix.h>

/* ---- counting checks ----------------------------------------------------- */

static long n_checks, n_failed;
#define MAX_REPORTS 25

/* A check: counted, and reported to Criterion only when it fails (the first
 * MAX_REPORTS failures with their message). */
#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        n_checks++;                                                            \
        if (!(cond) && n_failed++ < MAX_REPORTS)                               \
            cr_expect(0, __VA_ARGS__);                                         \
    } while (0)

static void reset(void)
{
    n_checks = 0;
    n_failed = 0;
}

TestSuite(array, .init = reset);

static void finish(const char *what)
{
    cr_expect(n_failed == 0, "%s: %ld of %ld checks failed", what, n_failed,
              n_checks);
    cr_log_info("%s: %ld checks", what, n_checks);
}

/* |got - want| <= tol * scale; exactly equal when the scale is 0; a NaN
 * matches only a NaN. */
static int near_scaled(double got, double want, double scale, double tol)
{
    if (want != want || got != got)
        return want != want && got != got;
    if (scale == 0.0)
        return got == want;
    return fabs(got - want) <= tol * scale;
}

/* ---- what the template needs in each type -------------------------------- */

/* The complex step h: imaginary parts are h times a derivative part, so
 * small that they cannot move a real part (ops.def). */
#define H_CSTEP 0x1p-66

/* Value plus the most derivative parts a type has (ad_dualv). */
#define NPARTS_MAX (1 + AD_LANES)
/* The longest array a case builds. */
#define MAXK 64

/* Array operation against its scalar loop (see check_ops in the template). */
#define TOL_OPS 1e-14
/* ad_map against the scalar macro: the same rules on the same argument. */
#define TOL_MAP (2 * DBL_EPSILON)
/* Tape sweeps against ad_dual: the same derivatives summed in other orders
 * (CBLAS, the vector sweeps), relative to a bound on the terms summed. */
#define TOL_TAPE 1e-13

static double U(uint64_t *s, double lo, double hi)
{
    return ad__rand_uniform(s, lo, hi);
}

static const char name_double[] = "double";
static const char name_complex[] = "double complex";
static const char name_dual[] = "ad_dual";
static const char name_dualv[] = "ad_dualv";
static const char name_hdual[] = "ad_hdual";
static const char name_var[] = "ad_var";

/* A number with its value uniform in [lo, hi) and every derivative part
 * uniform in [-1, 1); an ad_var is a constant (outside a recording). */
static double draw_double(uint64_t *s, double lo, double hi)
{
    return U(s, lo, hi);
}
static double complex draw_complex(uint64_t *s, double lo, double hi)
{
    double v = U(s, lo, hi);
    return AD__CMPLX(v, H_CSTEP * U(s, -1.0, 1.0));
}
static ad_dual draw_dual(uint64_t *s, double lo, double hi)
{
    double v = U(s, lo, hi);
    return ad_dual_make(v, U(s, -1.0, 1.0));
}
static ad_dualv draw_dualv(uint64_t *s, double lo, double hi)
{
    ad_dualv r = ad_dualv_const(U(s, lo, hi));
    for (int k = 0; k < AD_LANES; k++)
        r.d[k] = U(s, -1.0, 1.0);
    return r;
}
static ad_hdual draw_hdual(uint64_t *s, double lo, double hi)
{
    double v = U(s, lo, hi);
    double d1 = U(s, -1.0, 1.0);
    double d2 = U(s, -1.0, 1.0);
    return ad_hdual_make(v, d1, d2, U(s, -1.0, 1.0));
}
static ad_var draw_var(uint64_t *s, double lo, double hi)
{
    return ad_const(ad_var, U(s, lo, hi));
}

/* The parts of a number: its value, then its derivative parts. */
static int parts_double(double x, double *p)
{
    p[0] = x;
    return 1;
}
static int parts_complex(double complex x, double *p)
{
    p[0] = creal(x);
    p[1] = cimag(x) / H_CSTEP;
    return 2;
}
static int parts_dual(ad_dual x, double *p)
{
    p[0] = x.v;
    p[1] = x.d;
    return 2;
}
static int parts_dualv(ad_dualv x, double *p)
{
    p[0] = x.v;
    for (int k = 0; k < AD_LANES; k++)
        p[1 + k] = x.d[k];
    return 1 + AD_LANES;
}
static int parts_hdual(ad_hdual x, double *p)
{
    p[0] = x.v;
    p[1] = x.d1;
    p[2] = x.d2;
    p[3] = x.d12;
    return 4;
}
/* An ad_var outside a recording has only its value (test 5 checks that it
 * is a constant). */
static int parts_var(ad_var x, double *p)
{
    p[0] = x.v;
    return 1;
}

/* Every part replaced by its absolute value. */
static double absv_double(double x)
{
    return fabs(x);
}
static double complex absv_complex(double complex x)
{
    return AD__CMPLX(fabs(creal(x)), fabs(cimag(x)));
}
static ad_dual absv_dual(ad_dual x)
{
    return ad_dual_make(fabs(x.v), fabs(x.d));
}
static ad_dualv absv_dualv(ad_dualv x)
{
    ad_dualv r = ad_dualv_const(fabs(x.v));
    for (int k = 0; k < AD_LANES; k++)
        r.d[k] = fabs(x.d[k]);
    return r;
}
static ad_hdual absv_hdual(ad_hdual x)
{
    return ad_hdual_make(fabs(x.v), fabs(x.d1), fabs(x.d2), fabs(x.d12));
}
static ad_var absv_var(ad_var x)
{
    return ad_const(ad_var, fabs(x.v));
}

/* ---- the cases of test 2 --------------------------------------------------
 */

/* The operation of a case. */
enum { C_DOT, C_SUM, C_AXPY, C_GEMV, C_MAP };
static const char *const op_names[] = {"dot", "sum", "axpy", "gemv", "map"};

/* How an array is built from its slice of the inputs (build() in the
 * template), and how it is stored in an ad_var node (modes/reverse/array.c):
 *   RANGE       the inputs themselves, from ad_independent_array: a range
 *   REVERSED    the inputs in reverse order: a list
 *   STRIDED     every other input, then the others: a list
 *   DUP         each input twice: a list with repeated variables
 *   SCALAR_SEQ  one scalar node per element, consecutive: a range
 *   SCALAR_INTERLEAVED  three scalar nodes per element: a list
 *   CONST       ad_const elements: constants in the node
 *   MIXED       every third element ad_const, the others inputs: a list
 *               (the constants become variables) */
enum {
    KIND_RANGE,
    KIND_REVERSED,
    KIND_STRIDED,
    KIND_DUP,
    KIND_SCALAR_SEQ,
    KIND_SCALAR_INTERLEAVED,
    KIND_CONST,
    KIND_MIXED,
    KIND_COUNT
};
static const char *const kind_names[] = {
    "range",      "reversed",           "strided", "dup",
    "scalar-seq", "scalar-interleaved", "const",   "mixed"};

typedef struct arr_case {
    int op;                /* C_* */
    int mapop;             /* map: the primitive */
    int trans;             /* gemv */
    int same;              /* dot(x, x); map in place */
    size_t m, n;           /* gemv: A is m x n; the others: n elements */
    int kind[3];           /* of each array argument */
    size_t len[3], off[3]; /* their lengths and slices of the inputs */
    size_t nin, nout;
    double cst[3][MAXK]; /* the constants of CONST and MIXED arrays */
} arr_case;

typedef struct mlp_case {
    size_t h, d, o;
    int kind[4];   /* W1 u b W2 */
    size_t off[4]; /* their slices of the inputs */
    size_t nin, nout;
    double cst[MAXK];
} mlp_case;

/* ---- the template ----------------------------------------------------------
 */

#define AD_TEMPLATE "test_array.inc"
#include <admix/instantiate.h>
AD_FN(acase, ((const arr_case *)params)->nin, ((const arr_case *)params)->nout)
AD_FN(mlp, ((const mlp_case *)params)->nin, ((const mlp_case *)params)->nout)

/* The number of unary primitives without parameter, counted from the table
 * itself. */
static const int ops_table_unary = 0
#define AD_OP1(...) +1
#define AD_OP1P(...)
#define AD_OP2(...)
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
    ;

/* ---- 1. array operations against scalar loops ------------------------------
 */

Test(array, ops_equal_scalar_loops_every_type)
{
    check_ops_double(11);
    check_ops_complex(12);
    check_ops_dual(13);
    check_ops_dualv(14);
    check_ops_hdual(15);
    check_ops_var(16); /* constants: test 5 */
    finish("dot sum axpy gemv");
}

Test(array, map_every_unary_primitive_every_type)
{
    int counts[6] = {check_map_double(21), check_map_complex(22),
                     check_map_dual(23),   check_map_dualv(24),
                     check_map_hdual(25),  check_map_var(26)};
    for (int k = 0; k < 6; k++)
        CHECK(counts[k] == ops_table_unary, "%d primitives mapped, want %d",
              counts[k], ops_table_unary);
    cr_log_info("map: %d unary primitives", ops_table_unary);
    finish("map");
}

/* ---- 4. errors
 * --------------------------------------------------------------- */

Test(array, errors_and_empty_every_type)
{
    uint64_t s = 41;
    double xd[12], Ad[12];
    double complex xc[12], Ac[12];
    ad_dual xu[12], Au[12];
    ad_dualv xv[12], Av[12];
    ad_hdual xh[12], Ah[12];
    ad_var xr[12], Ar[12];
    for (int i = 0; i < 12; i++) {
        xd[i] = draw_double(&s, 0.3, 0.7), Ad[i] = draw_double(&s, -1, 1);
        xc[i] = draw_complex(&s, 0.3, 0.7), Ac[i] = draw_complex(&s, -1, 1);
        xu[i] = draw_dual(&s, 0.3, 0.7), Au[i] = draw_dual(&s, -1, 1);
        xv[i] = draw_dualv(&s, 0.3, 0.7), Av[i] = draw_dualv(&s, -1, 1);
        xh[i] = draw_hdual(&s, 0.3, 0.7), Ah[i] = draw_hdual(&s, -1, 1);
        xr[i] = draw_var(&s, 0.3, 0.7), Ar[i] = draw_var(&s, -1, 1);
    }
    check_errors_double(xd, Ad, 1.5);
    check_errors_complex(xc, Ac, xc[5]);
    check_errors_dual(xu, Au, xu[5]);
    check_errors_dualv(xv, Av, xv[5]);
    check_errors_hdual(xh, Ah, xh[5]);
    check_errors_var(xr, Ar, xr[5]);
    check_empty_double(xd, Ad, 1.5);
    check_empty_complex(xc, Ac, xc[5]);
    check_empty_dual(xu, Au, xu[5]);
    check_empty_dualv(xv, Av, xv[5]);
    check_empty_hdual(xh, Ah, xh[5]);
    check_empty_var(xr, Ar, xr[5]);

    /* ad_var inside a recording, on active arrays: the same results, and no
     * node recorded by the failed calls. */
    double x0[25];
    for (int i = 0; i < 25; i++)
        x0[i] = U(&s, 0.3, 0.7);
    ad_tape *t = ad_tape_new();
    ad_var in[25];
    cr_assert(t != NULL && ad_tape_begin(t) == AD_OK);
    cr_assert(ad_independent_array(25, x0, in) == AD_OK);
    check_errors_var(in, in + 12, in[24]);
    ad_var z = ad_dot(12, in, in + 12);
    ad_dependent(z);
    CHECK(ad_tape_end(t) == AD_OK, "recording");
    ad_tape_info info;
    ad_tape_stats(t, &info);
    /* One node for the 25 inputs (ad_independent_array), the errors' y made
     * by scalar nodes (4 mul, 4 add), then the dot. */
    CHECK(info.ops == 1 + 8 + 1, "%zu nodes, want 10", info.ops);
    CHECK(info.n == 25, "%zu inputs, want 25", info.n);
    double g[25];
    CHECK(ad_tape_gradient(t, NULL, g) == AD_OK, "gradient");
    for (int i = 0; i < 25; i++)
        CHECK(g[i] == (i < 12   ? x0[i + 12]
                       : i < 24 ? x0[i - 12]
                                : 0.0),
              "gradient %d: %g", i, g[i]);

    /* The empty operations on active arrays (a gemv whose product is empty
     * may record y <- y: not counted). */
    cr_assert(ad_tape_begin(t) == AD_OK);
    cr_assert(ad_independent_array(25, x0, in) == AD_OK);
    check_empty_var(in, in + 12, in[24]);
    ad_dependent(in[0]);
    CHECK(ad_tape_end(t) == AD_OK, "recording");
    ad_tape_free(t);
    finish("errors");
}

/* array.h: "AD_EINVAL (a NULL array with a nonzero size ...)".  ad_var
 * follows it for y; the other types look at m == 0 || n == 0 first
 * (gemv_ok in modes/forward/array.c) and return AD_OK, and the forward
 * types then read y[0 .. m-1] in the non-transposed loop.  One test per
 * type, since a crash ends a test. */
#define NULL_Y_TEST(P)                                                         \
    Test(array, gemv_null_y_nonzero_size_##P)                                  \
    {                                                                          \
        check_gemv_null_y_empty_##P();                                         \
        finish("gemv NULL y, " #P);                                            \
    }
NULL_Y_TEST(double)
NULL_Y_TEST(complex)
NULL_Y_TEST(dual)
NULL_Y_TEST(dualv)
NULL_Y_TEST(hdual)
NULL_Y_TEST(var)

/* ---- 5. ad_var constants
 * -------------------------------------------------------- */

/* Every operation on ad_var arrays of constants (ad_const, or variables of
 * a finished recording) outside a recording, and on ad_const arrays inside
 * one: constant results (tag 0) with the values of the double operations,
 * and no node recorded. */
static void check_var_constants(const ad_var *x, const ad_var *y,
                                const double *xd, const double *yd,
                                const char *where)
{
    enum { N = 6 };
    ad_var r = ad_dot(N, x, y);
    CHECK(r.t == 0 && near_scaled(r.v, ad_dot(N, xd, yd), 1.0, 1e-15),
          "%s: dot %.17g (t %u)", where, r.v, (unsigned)r.t);
    r = ad_sum(N, x);
    CHECK(r.t == 0 && near_scaled(r.v, ad_sum(N, xd), 1.0, 1e-15),
          "%s: sum %.17g (t %u)", where, r.v, (unsigned)r.t);

    ad_var yy[N];
    double yyd[N];
    memcpy(yy, y, sizeof yy);
    memcpy(yyd, yd, sizeof yyd);
    CHECK(ad_axpy(N, x[0], x, yy) == AD_OK &&
              ad_axpy(N, xd[0], xd, yyd) == AD_OK,
          "%s: axpy", where);
    for (int i = 0; i < N; i++)
        CHECK(yy[i].t == 0 && near_scaled(yy[i].v, yyd[i], 1.0, 1e-15),
              "%s: axpy [%d] %.17g", where, i, yy[i].v);

    /* A is 2 x 3, made of x. */
    for (int trans = 0; trans < 2; trans++) {
        memcpy(yy, y, sizeof yy);
        memcpy(yyd, yd, sizeof yyd);
        CHECK(ad_gemv(trans, 2, 3, x, y + 3, yy) == AD_OK &&
                  ad_gemv(trans, 2, 3, xd, yd + 3, yyd) == AD_OK,
              "%s: gemv", where);
        for (int i = 0; i < (trans ? 3 : 2); i++)
            CHECK(yy[i].t == 0 && near_scaled(yy[i].v, yyd[i], 1.0, 1e-15),
                  "%s: gemv %d [%d] %.17g, want %.17g", where, trans, i,
                  yy[i].v, yyd[i]);
    }

    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        if (d->arity != 1 || d->has_param)
            continue;
        memcpy(yy, x, sizeof yy);
        CHECK(ad_map(op, N, x, yy) == AD_OK && ad_map(op, N, xd, yyd) == AD_OK,
              "%s: map %s", where, d->name);
        for (int i = 0; i < N; i++)
            CHECK(yy[i].t == 0 && (yy[i].v == yyd[i] ||
                                   (yy[i].v != yy[i].v && yyd[i] != yyd[i])),
                  "%s: map %s [%d] %.17g, want %.17g", where, d->name, i,
                  yy[i].v, yyd[i]);
    }
}

Test(array, var_constants_outside_and_inside_recording)
{
    enum { N = 6 };
    uint64_t s = 51;
    double xd[N], yd[N];
    ad_var x[N], y[N];
    for (int i = 0; i < N; i++) {
        xd[i] = U(&s, 0.3, 0.7);
        yd[i] = U(&s, -1.0, 1.0);
        x[i] = ad_const(ad_var, xd[i]);
        y[i] = ad_const(ad_var, yd[i]);
    }
    check_var_constants(x, y, xd, yd, "outside");

    /* Variables of a finished recording, used after it. */
    ad_tape *t = ad_tape_new();
    ad_var xa[N], ya[N];
    cr_assert(ad_tape_begin(t) == AD_OK);
    cr_assert(ad_independent_array(N, xd, xa) == AD_OK);
    cr_assert(ad_independent_array(N, yd, ya) == AD_OK);
    ad_dependent(ad_dot(N, xa, ya));
    cr_assert(ad_tape_end(t) == AD_OK);
    check_var_constants(xa, ya, xd, yd, "after recording");

    /* Constants inside a recording: nothing recorded. */
    ad_tape_info before, after;
    cr_assert(ad_tape_begin(t) == AD_OK);
    ad_var in = ad_independent(0.5);
    check_var_constants(x, y, xd, yd, "inside recording");
    ad_dependent(in);
    cr_assert(ad_tape_end(t) == AD_OK);
    ad_tape_stats(t, &after);
    cr_assert(ad_tape_begin(t) == AD_OK);
    ad_dependent(ad_independent(0.5));
    cr_assert(ad_tape_end(t) == AD_OK);
    ad_tape_stats(t, &before);
    CHECK(after.ops == before.ops && after.args == before.args &&
              after.consts == before.consts && after.vars == before.vars,
          "constants recorded: ops %zu args %zu consts %zu, want %zu %zu %zu",
          after.ops, after.args, after.consts, before.ops, before.args,
          before.consts);
    ad_tape_free(t);
    finish("ad_var constants");
}

/* ---- storage kinds
 * ------------------------------------------------------------ */

/* The node of ad_dot(n, a, b) with a built as `kind` and b a range: its
 * argument words and constants (the stats of a recording with the node
 * minus those of the same recording without it). */
static void dot_node_size(int kind, size_t n, size_t *args, size_t *consts)
{
    double x[2 * MAXK], cst[MAXK];
    ad_var in[2 * MAXK], a[MAXK];
    for (size_t i = 0; i < 2 * n; i++)
        x[i] = 0.3 + 0.01 * (double)i;
    for (size_t i = 0; i < n; i++)
        cst[i] = 0.5 - 0.01 * (double)i;
    ad_tape_info w[2];
    ad_tape *t = ad_tape_new();
    for (int with = 0; with < 2; with++) {
        cr_assert(ad_tape_begin(t) == AD_OK);
        cr_assert(ad_independent_array(2 * n, x, in) == AD_OK);
        build_var(kind, n, in, cst, a);
        ad_dependent(with ? ad_dot(n, a, in + n) : in[0]);
        cr_assert(ad_tape_end(t) == AD_OK);
        ad_tape_stats(t, &w[with]);
    }
    *args = w[1].args - w[0].args;
    *consts = w[1].consts - w[0].consts;
    ad_tape_free(t);
}

/* The kinds the tests of ad_var rely on are the storage array.h and
 * modes/reverse/array.c describe: a range costs a few words whatever n, a
 * list a word per element, constants a constant per element. */
Test(array, var_storage_kinds)
{
    const size_t n = 20;
    for (int kind = 0; kind < KIND_COUNT; kind++) {
        size_t args, consts;
        dot_node_size(kind, n, &args, &consts);
        switch (kind) {
        case KIND_RANGE:
        case KIND_SCALAR_SEQ:
            CHECK(args < 12 && consts == 0, "%s: %zu args %zu consts",
                  kind_names[kind], args, consts);
            break;
        case KIND_CONST:
            CHECK(args < 12 && consts == n, "%s: %zu args %zu consts",
                  kind_names[kind], args, consts);
            break;
        case KIND_MIXED:
            /* A list; its constants become CONST nodes, one constant each
             * (i = 1, 4, ..., 19). */
            CHECK(args >= n && args < 2 * n + 12 && consts == (n + 1) / 3,
                  "%s: %zu args %zu consts", kind_names[kind], args, consts);
            break;
        default: /* the lists */
            CHECK(args >= n && args < n + 12 && consts == 0,
                  "%s: %zu args %zu consts", kind_names[kind], args, consts);
            break;
        }
        cr_log_info("dot node, x %s (n = %zu): %zu argument words, %zu "
                    "constants",
                    kind_names[kind], n, args, consts);
    }

    /* The result of an array primitive is a range for the next one. */
    double x[8] = {0.3, 0.4, 0.5, 0.6, 0.7, 0.35, 0.45, 0.55};
    ad_var in[8], y[4];
    ad_tape *t = ad_tape_new();
    ad_tape_info w[2];
    for (int with = 0; with < 2; with++) {
        cr_assert(ad_tape_begin(t) == AD_OK);
        cr_assert(ad_independent_array(8, x, in) == AD_OK);
        cr_assert(ad_map(AD_OP_EXP, 4, in + 4, y) == AD_OK);
        ad_dependent(with ? ad_sum(4, y) : y[0]);
        cr_assert(ad_tape_end(t) == AD_OK);
        ad_tape_stats(t, &w[with]);
    }
    CHECK(w[1].args - w[0].args < 8, "sum of a map: %zu args",
          w[1].args - w[0].args);
    ad_tape_free(t);
    finish("storage kinds");
}

/* Big arrays: the node checks whether an array is a range a block of 256
 * elements at a time, four elements a step and the rest one by one; one
 * element out of place anywhere (in the first block, at a block's edges, at
 * each place in a step, in the last partial block and in its last three
 * elements, checked one by one) must make it a list, and the gradient must
 * follow the element. */
Test(array, var_range_check_big_arrays)
{
    enum { N = 703 };
    static double x[N];
    static ad_var in[N];
    static double g[N];
    const size_t at[] = {0,   1,   2,   3,   255, 256, 257, 258,
                         300, 511, 512, 513, 699, 700, 701, 702};
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    for (size_t i = 0; i < N; i++)
        x[i] = 0.5 + 0.001 * (double)i;
    for (size_t c = 0; c <= sizeof at / sizeof at[0]; c++) {
        int moved = c < sizeof at / sizeof at[0];
        size_t p = moved ? at[c] : N;
        cr_assert(ad_tape_begin(t) == AD_OK);
        cr_assert(ad_independent_array(N, x, in) == AD_OK);
        for (size_t i = 0; i < N; i++)
            CHECK(in[i].v == x[i] && (i == 0 || in[i].i == in[i - 1].i + 1),
                  "ad_independent_array: element %zu", i);
        if (moved)
            in[p] = ad_mul(in[p], 3.0); /* a variable out of the range */
        ad_dependent(ad_sum(N, in));
        cr_assert(ad_tape_end(t) == AD_OK);
        ad_tape_info info;
        ad_tape_stats(t, &info);
        CHECK(moved ? info.args >= N : info.args < 16,
              "element %zu moved: %zu argument words", p, info.args);
        cr_assert(ad_tape_gradient(t, NULL, g) == AD_OK);
        for (size_t i = 0; i < N; i++)
            CHECK(g[i] == (i == p ? 3.0 : 1.0),
                  "element %zu moved: g[%zu] = %g", p, i, g[i]);
    }
    ad_tape_free(t);
    finish("range check of big arrays");
}

/* ---- 2 and 6. tape sweeps against ad_dual
 * ------------------------------------- */

/* The worst error of the sweeps relative to its scale, for the record. */
static double worst_tape;

/* got[i] against want[i] for i < len, within TOL_TAPE times the largest of
 * scale[] (of |want| if scale is NULL, at least 1 for values). */
static void vec_near(const double *got, const double *want, const double *scale,
                     size_t len, int values, const char *label,
                     const char *what, size_t row)
{
    double sc = values ? 1.0 : 0.0;
    for (size_t i = 0; i < len; i++)
        sc = fmax(sc, fabs(scale ? scale[i] : want[i]));
    for (size_t i = 0; i < len; i++) {
        if (sc > 0.0 && isfinite(got[i] - want[i]))
            worst_tape = fmax(worst_tape, fabs(got[i] - want[i]) / sc);
        CHECK(near_scaled(got[i], want[i], sc, TOL_TAPE),
              "%s: %s row %zu [%zu]: %.17g, want %.17g (scale %.3g)", label,
              what, row, i, got[i], want[i], sc);
    }
}

/* Bitwise equal (NaNs equal). */
static void vec_same(const double *got, const double *want, size_t len,
                     const char *label, const char *what)
{
    for (size_t i = 0; i < len; i++)
        CHECK(memcmp(&got[i], &want[i], sizeof(double)) == 0 ||
                  (got[i] != got[i] && want[i] != want[i]),
              "%s: %s [%zu]: %a, fresh recording %a", label, what, i, got[i],
              want[i]);
}

/* y = f(x) and dy = J(x) dir with the ad_dual instantiation. */
static void dual_eval(const ad_fn *f, const double *x, const double *dir,
                      double *y, double *dy)
{
    ad_dual *xd = malloc(f->n * sizeof *xd), *yd = malloc(f->m * sizeof *yd);
    cr_assert(xd != NULL && yd != NULL);
    for (size_t i = 0; i < f->n; i++)
        xd[i] = ad_dual_make(x[i], dir ? dir[i] : 0.0);
    f->f_dual(xd, yd, f->params);
    for (size_t i = 0; i < f->m; i++) {
        if (y)
            y[i] = yd[i].v;
        if (dy)
            dy[i] = yd[i].d;
    }
    free(xd);
    free(yd);
}

/* J (m x n, row-major) and y at x, one ad_dual pass per column. */
static void dual_jacobian(const ad_fn *f, const double *x, double *J, double *y)
{
    size_t n = f->n, m = f->m;
    double *e = calloc(n, sizeof *e), *col = malloc(m * sizeof *col);
    cr_assert(e != NULL && col != NULL);
    dual_eval(f, x, NULL, y, NULL);
    for (size_t j = 0; j < n; j++) {
        e[j] = 1.0;
        dual_eval(f, x, e, NULL, col);
        e[j] = 0.0;
        for (size_t i = 0; i < m; i++)
            J[i * n + j] = col[i];
    }
    free(e);
    free(col);
}

/* Records f at x on t; y gets the recorded values. */
static int record(const ad_fn *f, ad_tape *t, const double *x, double *y)
{
    ad_var *xv = malloc(f->n * sizeof *xv), *yv = malloc(f->m * sizeof *yv);
    cr_assert(xv != NULL && yv != NULL);
    cr_assert(ad_tape_begin(t) == AD_OK);
    CHECK(ad_independent_array(f->n, x, xv) == AD_OK, "independents");
    f->f_var(xv, yv, f->params);
    CHECK(ad_dependent_array(f->m, yv) == AD_OK, "dependents");
    int rc = ad_tape_end(t);
    for (size_t i = 0; i < f->m; i++)
        y[i] = yv[i].v;
    free(xv);
    free(yv);
    return rc;
}

/* W (k x m) times J (m x n) into WJ, and |W| |J| into S. */
static void wj_ref(size_t k, size_t m, size_t n, const double *W,
                   const double *J, double *WJ, double *S)
{
    for (size_t r = 0; r < k; r++)
        for (size_t j = 0; j < n; j++) {
            double a = 0.0, b = 0.0;
            for (size_t i = 0; i < m; i++) {
                a += W[r * m + i] * J[i * n + j];
                b += fabs(W[r * m + i] * J[i * n + j]);
            }
            WJ[r * n + j] = a;
            S[r * n + j] = b;
        }
}

/* Every sweep of a recording of f against ad_dual, at the recorded point
 * and replayed at a new one; then that replay against a fresh recording at
 * the new point, bitwise.  Inputs are drawn in [lo, hi). */
static void check_fn(const ad_fn *f, uint64_t *s, double lo, double hi,
                     const char *label)
{
    static const size_t ks[] = {1, 3, 10};
    size_t n = f->n, m = f->m, big = (n > m ? n : m) * 10;
    double *x[2], *J[2], *yref[2];
    for (int p = 0; p < 2; p++) {
        x[p] = malloc(n * sizeof(double));
        J[p] = malloc(m * n * sizeof(double));
        yref[p] = malloc(m * sizeof(double));
        cr_assert(x[p] && J[p] && yref[p]);
        for (size_t i = 0; i < n; i++)
            x[p][i] = U(s, lo, hi);
        dual_jacobian(f, x[p], J[p], yref[p]);
    }
    double *y = malloc(m * sizeof *y), *y2 = malloc(m * sizeof *y2);
    double *G = malloc(m * n * sizeof *G), *G2 = malloc(m * n * sizeof *G2);
    double *v = malloc(big * sizeof *v), *w = malloc(big * sizeof *w);
    double *r1 = malloc(big * sizeof *r1), *r2 = malloc(big * sizeof *r2);
    double *sc = malloc(big * sizeof *sc);
    cr_assert(y && y2 && G && G2 && v && w && r1 && r2 && sc);

    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    CHECK(record(f, t, x[0], y) == AD_OK, "%s: recording", label);
    vec_near(y, yref[0], NULL, m, 1, label, "recorded values", 0);

    for (int p = 0; p < 2; p++) {
        const double *xp = p ? x[1] : NULL, *Jp = J[p], *yp = yref[p];
        const char *at = p ? "replayed" : "recorded";
        char what[64];

        snprintf(what, sizeof what, "%s jacobian", at);
        CHECK(ad_tape_jacobian(t, xp, G) == AD_OK, "%s: %s", label, what);
        for (size_t i = 0; i < m; i++)
            vec_near(G + i * n, Jp + i * n, NULL, n, 0, label, what, i);

        snprintf(what, sizeof what, "%s gradient", at);
        CHECK(ad_tape_gradient(t, xp, r1) == AD_OK, "%s: %s", label, what);
        vec_near(r1, Jp, NULL, n, 0, label, what, 0);

        snprintf(what, sizeof what, "%s eval", at);
        CHECK(ad_tape_eval(t, xp, y) == AD_OK, "%s: %s", label, what);
        vec_near(y, yp, NULL, m, 1, label, what, 0);

        /* jvp against one ad_dual pass along v; the scale is |J| |v|. */
        for (size_t j = 0; j < n; j++)
            v[j] = U(s, -1.0, 1.0);
        snprintf(what, sizeof what, "%s jvp", at);
        CHECK(ad_tape_jvp(t, xp, v, y, r1) == AD_OK, "%s: %s", label, what);
        dual_eval(f, p ? x[1] : x[0], v, y2, r2);
        for (size_t i = 0; i < m; i++) {
            sc[i] = 0.0;
            for (size_t j = 0; j < n; j++)
                sc[i] += fabs(Jp[i * n + j] * v[j]);
        }
        vec_near(y, y2, NULL, m, 1, label, what, 0);
        for (size_t i = 0; i < m; i++)
            vec_near(r1 + i, r2 + i, sc + i, 1, 0, label, what, i);

        /* vjp against w^T J. */
        for (size_t i = 0; i < m; i++)
            w[i] = U(s, -1.0, 1.0);
        snprintf(what, sizeof what, "%s vjp", at);
        CHECK(ad_tape_vjp(t, xp, w, y, r1) == AD_OK, "%s: %s", label, what);
        wj_ref(1, m, n, w, Jp, r2, sc);
        vec_near(y, yp, NULL, m, 1, label, what, 0);
        for (size_t j = 0; j < n; j++)
            vec_near(r1 + j, r2 + j, sc + j, 1, 0, label, what, j);

        for (size_t q = 0; q < sizeof ks / sizeof *ks; q++) {
            size_t k = ks[q];
            /* JV (m x k) against k ad_dual passes, one per column of V. */
            for (size_t e = 0; e < n * k; e++)
                v[e] = U(s, -1.0, 1.0);
            snprintf(what, sizeof what, "%s jvp_multi k = %zu", at, k);
            CHECK(ad_tape_jvp_multi(t, xp, k, v, y, r1) == AD_OK, "%s: %s",
                  label, what);
            vec_near(y, yp, NULL, m, 1, label, what, 0);
            for (size_t c = 0; c < k; c++) {
                for (size_t j = 0; j < n; j++)
                    w[j] = v[j * k + c];
                dual_eval(f, p ? x[1] : x[0], w, NULL, r2);
                for (size_t i = 0; i < m; i++) {
                    double b = 0.0;
                    for (size_t j = 0; j < n; j++)
                        b += fabs(Jp[i * n + j] * w[j]);
                    vec_near(r1 + i * k + c, r2 + i, &b, 1, 0, label, what, i);
                }
            }
            /* WJ (k x n) against W J. */
            for (size_t e = 0; e < k * m; e++)
                w[e] = U(s, -1.0, 1.0);
            snprintf(what, sizeof what, "%s vjp_multi k = %zu", at, k);
            CHECK(ad_tape_vjp_multi(t, xp, k, w, y, r1) == AD_OK, "%s: %s",
                  label, what);
            vec_near(y, yp, NULL, m, 1, label, what, 0);
            wj_ref(k, m, n, w, Jp, r2, sc);
            for (size_t e = 0; e < k * n; e++)
                vec_near(r1 + e, r2 + e, sc + e, 1, 0, label, what, e / n);
        }
    }

    /* 6: the replay at x[1] against a fresh recording there, bitwise. */
    ad_tape *t2 = ad_tape_new();
    cr_assert(t2 != NULL);
    CHECK(record(f, t2, x[1], y2) == AD_OK, "%s: second recording", label);
    CHECK(ad_tape_eval(t, x[1], y) == AD_OK, "%s: eval", label);
    vec_same(y, y2, m, label, "replayed values");
    CHECK(ad_tape_jacobian(t, x[1], G) == AD_OK &&
              ad_tape_jacobian(t2, NULL, G2) == AD_OK,
          "%s: jacobians", label);
    vec_same(G, G2, m * n, label, "replayed jacobian");
    for (size_t i = 0; i < m; i++)
        w[i] = U(s, -1.0, 1.0);
    CHECK(ad_tape_vjp(t, x[1], w, y, r1) == AD_OK &&
              ad_tape_vjp(t2, NULL, w, y2, r2) == AD_OK,
          "%s: vjps", label);
    vec_same(y, y2, m, label, "replayed vjp values");
    vec_same(r1, r2, n, label, "replayed vjp");
    for (size_t j = 0; j < n; j++)
        v[j] = U(s, -1.0, 1.0);
    CHECK(ad_tape_jvp(t, x[1], v, y, r1) == AD_OK &&
              ad_tape_jvp(t2, NULL, v, y2, r2) == AD_OK,
          "%s: jvps", label);
    vec_same(r1, r2, m, label, "replayed jvp");

    ad_tape_free(t);
    ad_tape_free(t2);
    for (int p = 0; p < 2; p++)
        free(x[p]), free(J[p]), free(yref[p]);
    free(y), free(y2), free(G), free(G2), free(v), free(w);
    free(r1), free(r2), free(sc);
}

/* Lays out a case: each array argument gets its own slice of the inputs
 * (unused by CONST arrays, whose columns of the Jacobian are then 0) and
 * its constants drawn in [lo, hi).  Returns 0 for a case with no input or
 * no output. */
static int case_setup(arr_case *c, uint64_t *s, double lo, double hi)
{
    size_t n = c->n, m = c->m;
    size_t nx = c->trans ? m : n, ny = c->trans ? n : m;
    size_t len[5][3] = {{n, c->same ? 0 : n, 0},
                        {n, 0, 0},
                        {1, n, n},
                        {m * n, nx, ny},
                        {n, 0, 0}};
    size_t nout[5] = {1, 1, n, ny, n};
    c->nin = 0;
    for (int j = 0; j < 3; j++) {
        c->len[j] = len[c->op][j];
        c->off[j] = c->nin;
        c->nin += c->len[j];
        for (size_t i = 0; i < c->len[j]; i++)
            c->cst[j][i] = U(s, lo, hi);
    }
    c->nout = nout[c->op];
    return c->nin > 0 && c->nout > 0;
}

/* Runs a case; returns 1, or 0 for one without input or output. */
static int run_case(arr_case *c, uint64_t *s, double lo, double hi)
{
    if (!case_setup(c, s, lo, hi))
        return 0;
    char label[160];
    snprintf(label, sizeof label, "%s%s%s %zu x %zu%s [%s, %s, %s]",
             op_names[c->op], c->op == C_MAP ? " " : "",
             c->op == C_MAP ? ad_op_get(c->mapop)->name : "", c->m, c->n,
             c->same ? " same" : "", kind_names[c->kind[0]],
             kind_names[c->kind[1]], kind_names[c->kind[2]]);
    ad_fn f = acase_fn(c);
    check_fn(&f, s, lo, hi, label);
    return 1;
}

static void report_tape(const char *what, int cases)
{
    cr_log_info("%s: %d cases, worst sweep error %.3g of its scale", what,
                cases, worst_tape);
    finish(what);
}

Test(array, tape_dot)
{
    uint64_t s = 61;
    int cases = 0;
    static const size_t lens[] = {1, 2, 10};
    for (size_t L = 0; L < 3; L++)
        for (int k0 = 0; k0 < KIND_COUNT; k0++)
            for (int k1 = 0; k1 <= KIND_COUNT; k1++) {
                arr_case c = {.op = C_DOT, .n = lens[L]};
                c.kind[0] = k0;
                c.kind[1] = k1 < KIND_COUNT ? k1 : KIND_RANGE;
                c.same = k1 == KIND_COUNT;
                cases += run_case(&c, &s, -1.0, 1.0);
            }
    report_tape("tape dot", cases);
}

Test(array, tape_sum)
{
    uint64_t s = 62;
    int cases = 0;
    static const size_t lens[] = {1, 2, 10, 33};
    for (size_t L = 0; L < 4; L++)
        for (int k0 = 0; k0 < KIND_COUNT; k0++) {
            arr_case c = {.op = C_SUM, .n = lens[L]};
            c.kind[0] = k0;
            cases += run_case(&c, &s, -1.0, 1.0);
        }
    report_tape("tape sum", cases);
}

Test(array, tape_axpy)
{
    uint64_t s = 63;
    int cases = 0;
    static const size_t lens[] = {1, 7};
    for (size_t L = 0; L < 2; L++)
        for (int ka = 0; ka < KIND_COUNT; ka++)
            for (int kx = 0; kx < KIND_COUNT; kx++)
                for (int ky = 0; ky < KIND_COUNT; ky++) {
                    arr_case c = {.op = C_AXPY, .n = lens[L]};
                    c.kind[0] = ka;
                    c.kind[1] = kx;
                    c.kind[2] = ky;
                    cases += run_case(&c, &s, -1.0, 1.0);
                }
    report_tape("tape axpy", cases);
}

/* Every combination of kinds on the 5 x 3 product both ways; on the other
 * shapes each argument through every kind with the others ranges. */
Test(array, tape_gemv)
{
    uint64_t s = 64;
    int cases = 0;
    static const size_t shapes[][2] = {{5, 3}, {1, 7}, {7, 1},
                                       {3, 5}, {4, 0}, {0, 4}};
    for (int trans = 0; trans < 2; trans++)
        for (int kA = 0; kA < KIND_COUNT; kA++)
            for (int kx = 0; kx < KIND_COUNT; kx++)
                for (int ky = 0; ky < KIND_COUNT; ky++) {
                    arr_case c = {.op = C_GEMV, .trans = trans, .m = 5, .n = 3};
                    c.kind[0] = kA;
                    c.kind[1] = kx;
                    c.kind[2] = ky;
                    cases += run_case(&c, &s, -1.0, 1.0);
                }
    for (size_t S = 1; S < sizeof shapes / sizeof *shapes; S++)
        for (int trans = 0; trans < 2; trans++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < KIND_COUNT; k++) {
                    arr_case c = {.op = C_GEMV,
                                  .trans = trans,
                                  .m = shapes[S][0],
                                  .n = shapes[S][1]};
                    c.kind[j] = k;
                    cases += run_case(&c, &s, -1.0, 1.0);
                }
    report_tape("tape gemv", cases);
}

/* Every unary primitive without parameter, every kind, into another array
 * and in place; points in 0.3 .. 0.7, or 1.3 .. 1.7 where the primitive is
 * not finite at 0.5 (acosh). */
Test(array, tape_map_every_unary_primitive)
{
    uint64_t s = 65;
    int cases = 0;
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        if (d->arity != 1 || d->has_param)
            continue;
        double lo = isfinite(d->value(0.5, 0.0, 0.0)) ? 0.3 : 1.3;
        for (int k = 0; k < KIND_COUNT; k++)
            for (int same = 0; same < 2; same++) {
                arr_case c = {.op = C_MAP, .mapop = op, .n = 7, .same = same};
                c.kind[0] = k;
                cases += run_case(&c, &s, lo, lo + 0.4);
            }
    }
    report_tape("tape map", cases);
}

/* The perceptron with each of W1, u, b, W2 through every kind (the others
 * ranges), and a few combinations, in three shapes (h, d, o). */
Test(array, tape_mlp)
{
    uint64_t s = 66;
    int cases = 0;
    static const size_t shapes[][3] = {{5, 3, 2}, {1, 7, 3}, {7, 1, 1}};
    static const int combos[][4] = {
        {KIND_CONST, KIND_RANGE, KIND_CONST, KIND_CONST},
        {KIND_REVERSED, KIND_MIXED, KIND_SCALAR_INTERLEAVED, KIND_DUP},
        {KIND_MIXED, KIND_CONST, KIND_MIXED, KIND_STRIDED},
        {KIND_SCALAR_SEQ, KIND_REVERSED, KIND_CONST, KIND_RANGE}};
    for (size_t S = 0; S < 3; S++)
        for (int v = 0; v < 4 * KIND_COUNT + 4; v++) {
            mlp_case c = {
                .h = shapes[S][0], .d = shapes[S][1], .o = shapes[S][2]};
            if (v < 4 * KIND_COUNT)
                c.kind[v / KIND_COUNT] = v % KIND_COUNT;
            else
                memcpy(c.kind, combos[v - 4 * KIND_COUNT], sizeof c.kind);
            size_t len[4] = {c.h * c.d, c.d, c.h, c.h * c.o};
            c.nin = 0;
            for (int j = 0; j < 4; j++) {
                c.off[j] = c.nin;
                c.nin += len[j];
            }
            c.nout = c.o + 2;
            for (size_t i = 0; i < MAXK; i++)
                c.cst[i] = U(&s, -1.0, 1.0);
            char label[128];
            snprintf(label, sizeof label, "mlp %zu %zu %zu [%s, %s, %s, %s]",
                     c.h, c.d, c.o, kind_names[c.kind[0]],
                     kind_names[c.kind[1]], kind_names[c.kind[2]],
                     kind_names[c.kind[3]]);
            ad_fn f = mlp_fn(&c);
            check_fn(&f, &s, -1.0, 1.0, label);
            cases++;
        }
    report_tape("tape mlp", cases);
}
