/* test_fuzz.c -- differential testing: random programs over the whole
 * primitive table, evaluated by every mode and checked against the MPFR
 * replay of their tape (tools/progen.c, the code `admix fuzz` runs).
 *
 * A fixed-seed run of 10,000 judged programs must agree in every mode; the
 * environment variable ADMIX_FUZZ_PROGRAMS sets another count (a smaller
 * one for slow builds, e.g. under AddressSanitizer).  The checker must be
 * able to fail: a derivative spoiled on purpose (the test-only fault hook
 * of progen.inc, 2^-12 relative) in ad_dual or in ad_hdual is caught in
 * that mode alone, and the failing program shrinks to a one- or
 * two-instruction reproducer that names the primitive.  The printed
 * reproducer of a program parses in the admix expression language
 * (tools/expr.c) and evaluates to the same values.  Hand-written programs
 * check the conventions the generator relies on: a NaN or infinite branch
 * not taken by ad_select does not poison the derivative in any mode, and
 * kinks within rounding error are not judged. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <admix.h>

#include "expr.h"
#include "progen.h"
#include "tape_impl.h" /* internal: ad__need_get */

#define SEED 20240611u

/* The number of judged programs of the main run. */
static long fuzz_count(void)
{
    const char *s = getenv("ADMIX_FUZZ_PROGRAMS");
    if (s != NULL && *s != '\0') {
        long k = strtol(s, NULL, 10);
        if (k > 0)
            return k;
    }
    return 10000;
}

Test(fuzz, every_mode_agrees_with_mpfr, .timeout = 600)
{
    long want = fuzz_count();
    pg_fuzz_opts o;
    memset(&o, 0, sizeof o);
    o.seed = SEED;
    o.checked = want;
    o.out = stderr; /* a failure prints its shrunk reproducer */
    o.shrink = 1;
    o.max_fail = 1;
    pg_stats st;
    cr_assert_eq(pg_fuzz(&o, &st), AD_OK);
    cr_assert_eq(st.fail, 0, "%ld of %ld programs disagree (see above)",
                 st.fail, st.pass + st.fail);
    cr_assert_geq(st.pass, want);
    /* The generator mostly makes programs that can be judged, and covers
     * the table. */
    cr_assert_lt(st.invalid, st.programs / 5, "%ld of %ld not judged",
                 st.invalid, st.programs);
    long least = want / 20; /* one program in 20 uses a given primitive */
    for (int op = 0; op < AD_OP_COUNT; op++)
        cr_assert_geq(st.op_checked[op], least, "%s: %ld programs",
                      ad_op_get(op)->name, st.op_checked[op]);
    cr_assert_geq(st.selects, least);
    cr_assert_geq(st.cmps, least);
    /* The tolerances were demanding: on average 1e-12 relative or better
     * for every quantity. */
    for (int q = 0; q < PG_NQTY; q++) {
        cr_assert_gt(st.strength_n[q], 0);
        cr_assert_lt(st.strength_sum[q] / st.strength_n[q], -12.0, "%s",
                     pg_qty_name(q));
    }
}

/* The first of the programs of SEED that fails with `fault`, shrunk; its
 * report in *r. */
static void find_and_shrink(const pg_fault *fault, pg_prog *p, pg_report *r,
                            int *len0)
{
    pg_checker *c = pg_checker_new();
    cr_assert_not_null(c);
    pg_checker_set_fault(c, fault);
    long k;
    for (k = 0; k < 2000; k++) {
        pg_generate(pg_program_seed(SEED, k), NULL, p);
        if (pg_check(c, p, r) == PG_FAIL)
            break;
    }
    cr_assert_lt(k, 2000, "the spoiled %s was never caught",
                 ad_op_get(fault->op)->name);
    *len0 = p->len;
    pg_shrink(c, p, 0);
    cr_assert_eq(pg_check(c, p, r), PG_FAIL, "the shrunk program passes");
    pg_checker_free(c);
}

/* Whether the report has a mismatch of mode (any quantity), and which
 * quantities. */
static int has_mode(const pg_report *r, int mode, unsigned *qtys)
{
    int found = 0;
    *qtys = 0;
    for (int i = 0; i < r->nmismatch && i < PG_MAX_MISMATCH; i++)
        if (r->mis[i].mode == mode) {
            found = 1;
            *qtys |= 1u << r->mis[i].qty;
        }
    return found;
}

static void check_fault(int where, const char *name)
{
    pg_fault f = {where, ad_op_lookup(name)};
    cr_assert_geq(f.op, 0);
    pg_prog p;
    pg_report r;
    int len0;
    find_and_shrink(&f, &p, &r, &len0);
    /* Small, and about the spoiled primitive. */
    cr_assert_leq(p.len, 3, "%s: shrunk from %d to %d instructions", name, len0,
                  p.len);
    char text[4096];
    pg_format_expr(&p, text, sizeof text, 4000);
    char call[64];
    snprintf(call, sizeof call, "%s(", name);
    int named = strstr(text, call) != NULL;
    if (!strcmp(name, "mul"))
        named = strchr(text, '*') != NULL;
    cr_assert(named, "the reproducer '%s' does not use %s", text, name);
    /* Only the spoiled mode (ad_dualv shares ad_dual's hook) disagrees. */
    for (int i = 0; i < r.nmismatch && i < PG_MAX_MISMATCH; i++) {
        int m = r.mis[i].mode;
        if (where == PG_FAULT_DUAL)
            cr_assert(m == PG_M_DUAL || m == PG_M_DUALV, "%s: mode %s", name,
                      pg_mode_name(m));
        else
            cr_assert(m == PG_M_HDUAL && r.mis[i].qty == PG_Q_HV,
                      "%s: mode %s, %s", name, pg_mode_name(m),
                      pg_qty_name(r.mis[i].qty));
    }
    unsigned q;
    cr_assert(
        has_mode(&r, where == PG_FAULT_DUAL ? PG_M_DUAL : PG_M_HDUAL, &q));
    /* The printed reproducer names the program, the mode and the numbers. */
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    cr_assert_not_null(out);
    pg_print_repro(out, &p, &r);
    fclose(out);
    cr_assert_not_null(strstr(buf, text));
    cr_assert_not_null(strstr(buf, where == PG_FAULT_DUAL ? "dual" : "hdual"));
    cr_assert_not_null(strstr(buf, "MPFR"));
    cr_assert_not_null(strstr(buf, "at x0="));
    free(buf);
}

Test(fuzz, spoiled_dual_is_caught_and_shrunk)
{
    check_fault(PG_FAULT_DUAL, "sin");
    check_fault(PG_FAULT_DUAL, "atan2");
    check_fault(PG_FAULT_DUAL, "powi");
    check_fault(PG_FAULT_DUAL, "mul");
}

Test(fuzz, spoiled_hdual_is_caught_and_shrunk)
{
    check_fault(PG_FAULT_HDUAL, "exp");
    check_fault(PG_FAULT_HDUAL, "hypot");
    check_fault(PG_FAULT_HDUAL, "lgamma");
}

/* Whether two programs are the same, field by field (bitwise for the
 * numbers). */
static int same_prog(const pg_prog *a, const pg_prog *b)
{
    if (a->n != b->n || a->m != b->m || a->len != b->len)
        return 0;
    if (memcmp(a->x, b->x, sizeof a->x) || memcmp(a->v, b->v, sizeof a->v) ||
        memcmp(a->w, b->w, sizeof a->w) ||
        memcmp(a->out, b->out, sizeof a->out))
        return 0;
    for (int j = 0; j < a->len; j++) {
        const pg_ins *p = &a->ins[j], *q = &b->ins[j];
        if (p->kind != q->kind || p->op != q->op || p->c != q->c)
            return 0;
        for (int i = 0; i < 4; i++)
            if (p->a[i].node != q->a[i].node ||
                memcmp(&p->a[i].k, &q->a[i].k, sizeof(double)))
                return 0;
    }
    return 1;
}

Test(fuzz, generation_is_deterministic)
{
    pg_prog a, b;
    for (long k = 0; k < 200; k++) {
        pg_generate(pg_program_seed(SEED, k), NULL, &a);
        pg_generate(pg_program_seed(SEED, k), NULL, &b);
        cr_assert(same_prog(&a, &b), "program %ld", k);
        cr_assert_geq(a.len, 1);
        cr_assert_leq(a.len, PG_MAX_INS);
    }
    pg_generate(pg_program_seed(SEED, 1), NULL, &b);
    cr_assert_not(same_prog(&a, &b));
    /* The options hold: the last step starts below max_len and adds at
     * most 7 instructions (a select whose condition and untaken branch are
     * both primitives at steered points). */
    pg_gen_opts g = {5, 1};
    for (long k = 0; k < 200; k++) {
        pg_generate(pg_program_seed(SEED, k), &g, &a);
        cr_assert_eq(a.n, 1);
        cr_assert_leq(a.len, 4 + 7);
    }
}

/* The text of plain programs (no select or comparison) parses in the
 * admix expression language and evaluates to the same values, bit for
 * bit: numbers are printed so that they read back exactly. */
Test(fuzz, reproducers_parse_and_evaluate_alike)
{
    static const char *const names[PG_MAX_IN] = {"x0", "x1", "x2", "x3"};
    pg_params pp;
    memset(&pp, 0, sizeof pp);
    pp.fault.op = -1;
    int tried = 0;
    for (long k = 0; k < 3000 && tried < 400; k++) {
        pg_prog p;
        pg_generate(pg_program_seed(SEED + 1, k), NULL, &p);
        if (!pg_is_plain(&p))
            continue;
        char text[1 << 15];
        size_t len = pg_format_expr(&p, text, sizeof text, sizeof text - 1);
        if (len >= sizeof text - 1)
            continue;
        tried++;
        ad_expr *e = NULL;
        ad_expr_error er;
        int rc = ad_expr_parse(text, len, names, (size_t)p.n, AD_EXPR_STRICT,
                               &e, &er);
        cr_assert_eq(rc, AD_OK, "'%s': column %zu: %s", text, er.column,
                     er.msg);
        cr_assert_eq(ad_expr_noutputs(e), (size_t)p.m);
        double y[PG_MAX_OUT], z[PG_MAX_OUT];
        cr_assert_eq(ad_expr_eval(e, p.x, y), AD_OK);
        pp.prog = &p;
        pg_interp_double(p.x, z, &pp);
        for (int i = 0; i < p.m; i++)
            cr_assert(y[i] == z[i] || (isnan(y[i]) && isnan(z[i])),
                      "'%s' output %d: %.17g, interpreter %.17g", text, i, y[i],
                      z[i]);
        ad_expr_free(e);
    }
    cr_assert_geq(tried, 100);
}

/* ---- hand-written programs --------------------------------------------- */

static pg_arg N(int node)
{
    pg_arg a = {node, 0.0};
    return a;
}
static pg_arg K(double k)
{
    pg_arg a = {-1, k};
    return a;
}
static void op(pg_prog *p, const char *name, pg_arg a, pg_arg b)
{
    pg_ins *in = &p->ins[p->len++];
    memset(in, 0, sizeof *in);
    in->kind = PG_OP;
    in->op = ad_op_lookup(name);
    in->a[0] = a;
    in->a[1] = b;
}
static void start(pg_prog *p, int n, const double *x)
{
    memset(p, 0, sizeof *p);
    p->n = n;
    p->m = 1;
    for (int i = 0; i < n; i++) {
        p->x[i] = x[i];
        p->v[i] = 0.75 - 0.5 * i;
    }
    p->w[0] = 1.25;
}

/* select(c, sin(x0 x1), f(...)) with the branch not taken NaN or infinite
 * (log and sqrt of a negative number, 1/0, acosh and atanh outside their
 * domains, sqrt and log at 0 with a nonzero tangent), taken either as the
 * first or as the second branch: every mode must give sin(x0 x1) and its
 * derivatives (rules.h: a zero tangent or adjoint times an infinite or
 * NaN partial is 0). */
Test(fuzz, untaken_nan_branch_does_not_poison)
{
    static const struct {
        const char *name;
        double at;
    } bad[] = {{"log", -2.5},  {"sqrt", -2.5}, {"inv", 0.0}, {"acosh", 0.25},
               {"atanh", 3.5}, {"sqrt", 0.0},  {"log", 0.0}};
    pg_checker *c = pg_checker_new();
    cr_assert_not_null(c);
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        for (int second = 0; second < 2; second++) {
            double x[2] = {2.385, 0.75};
            pg_prog p;
            start(&p, 2, x);
            op(&p, "sub", N(0), K(1.0));       /* 2: x0 - 1 > 0 */
            op(&p, "mul", N(0), N(1));         /* 3 */
            op(&p, "sin", N(3), K(0.0));       /* 4 */
            op(&p, "mul", N(1), K(2.0));       /* 5: 1.5 */
            op(&p, "sub", N(5), K(1.5));       /* 6: 0, tangent 2 v1 */
            op(&p, "add", N(6), K(bad[b].at)); /* 7: the bad point */
            op(&p, bad[b].name, N(7), K(0.0)); /* 8: NaN or inf */
            int cond = 2;
            if (second) {
                op(&p, "neg", N(2), K(0.0)); /* 9: < 0 */
                cond = 9;
            }
            pg_ins *s = &p.ins[p.len++];
            memset(s, 0, sizeof *s);
            s->kind = PG_SELECT;
            s->a[0] = N(cond);
            s->a[1] = second ? N(8) : N(4);
            s->a[2] = second ? N(4) : N(8);
            p.out[0] = p.n + p.len - 1;
            pg_report r;
            int st = pg_check(c, &p, &r);
            char text[512];
            pg_format_expr(&p, text, sizeof text, 500);
            if (st == PG_FAIL) {
                pg_print_repro(stderr, &p, &r);
            }
            cr_assert_eq(st, PG_PASS, "%s: %s", text, r.why);
            double y;
            pg_params pp = {&p, {PG_FAULT_NONE, -1}};
            pg_interp_double(p.x, &y, &pp);
            cr_assert_eq(y, sin(x[0] * x[1]));
        }
    }
    pg_checker_free(c);
}

/* A kink within rounding error is not judged: |u| with u the rounded
 * difference of two nearly equal numbers, and fmin of two arguments that
 * double rounds to a tie. */
Test(fuzz, kinks_within_rounding_are_not_judged)
{
    double x[1] = {0.1};
    pg_prog p;
    start(&p, 1, x);
    op(&p, "mul", N(0), K(3.0));  /* 1: 0.30000000000000004 */
    op(&p, "sub", N(1), K(0.3));  /* 2: 5.6e-17, all rounding */
    op(&p, "fabs", N(2), K(0.0)); /* 3 */
    p.out[0] = 3;
    pg_checker *c = pg_checker_new();
    pg_report r;
    cr_assert_eq(pg_check(c, &p, &r), PG_INVALID);
    cr_assert_not_null(strstr(r.why, "kink"), "%s", r.why);
    /* Away from the kink the same program is judged, and passes. */
    p.ins[1].a[1].k = 0.25;
    cr_assert_eq(pg_check(c, &p, &r), PG_PASS, "%s", r.why);
    /* fmin(u, u) is an exact tie in every mode: judged (partials 1/2). */
    op(&p, "fmin", N(3), N(3)); /* 4 */
    p.out[0] = 4;
    cr_assert_eq(pg_check(c, &p, &r), PG_PASS, "%s", r.why);
    pg_checker_free(c);
}

/* Every instruction kind, every argument form, in one program that must
 * pass, and its text. */
Test(fuzz, select_and_comparison_forms)
{
    double x[2] = {1.25, -0.5};
    pg_prog p;
    start(&p, 2, x);
    op(&p, "atan2", N(0), K(2.5)); /* 2 */
    op(&p, "pow", K(1.5), N(1));   /* 3 */
    op(&p, "powi", N(2), K(0.0));  /* 4 */
    p.ins[2].c = -3;
    pg_ins *in = &p.ins[p.len++]; /* 5: 4 < 3 ? 2 : 2.5 */
    memset(in, 0, sizeof *in);
    in->kind = PG_CMP;
    in->op = PG_LT;
    in->a[0] = N(4), in->a[1] = N(3), in->a[2] = N(2), in->a[3] = K(2.5);
    in = &p.ins[p.len++]; /* 6: select(x1, 2.5, 5) */
    memset(in, 0, sizeof *in);
    in->kind = PG_SELECT;
    in->a[0] = N(1), in->a[1] = K(2.5), in->a[2] = N(5);
    op(&p, "hypot", N(6), N(0)); /* 7 */
    p.out[0] = 7;
    p.m = 2;
    p.out[1] = 4;
    p.w[1] = -0.5;
    pg_checker *c = pg_checker_new();
    pg_report r;
    cr_assert_eq(pg_check(c, &p, &r), PG_PASS, "%s", r.why);
    char text[512];
    pg_format_expr(&p, text, sizeof text, 500);
    cr_assert_str_eq(text, "hypot(select(x1, 2.5, (powi(atan2(x0, 2.5), -3) "
                           "< pow(1.5, x1) ? atan2(x0, 2.5) : 2.5)), x0), "
                           "powi(atan2(x0, 2.5), -3)");
    cr_assert_eq(pg_is_plain(&p), 0);
    /* Too long to inline: one assignment per node. */
    pg_format_expr(&p, text, sizeof text, 20);
    cr_assert_not_null(strstr(text, "v4 = powi(v2, -3); "), "%s", text);
    cr_assert_not_null(strstr(text, "output v7, v4"), "%s", text);
    pg_checker_free(c);
}

/* The sweeps at a new point of one tape, with their statuses and flips. */
typedef struct sweeps {
    int rc[7];
    long flip[7];
    double y[PG_MAX_OUT], jv[PG_MAX_OUT], wj[PG_MAX_IN], g[PG_MAX_IN];
    double hv[PG_MAX_IN];
    double JV[2 * PG_MAX_OUT], WJ[2 * PG_MAX_IN];
} sweeps;

static void sweep_all(ad_tape *t, const pg_prog *p, const double *x, sweeps *s)
{
    double V[2 * PG_MAX_IN], W[2 * PG_MAX_OUT];
    for (int i = 0; i < p->n; i++) {
        V[2 * i] = p->v[i];
        V[2 * i + 1] = 1.0 - 0.5 * i;
    }
    for (int j = 0; j < p->m; j++) {
        W[j] = p->w[j];
        W[p->m + j] = j + 0.25;
    }
    memset(s, 0, sizeof *s);
    s->rc[0] = ad_tape_eval(t, x, s->y);
    s->flip[0] = ad_tape_last_flip();
    s->rc[1] = ad_tape_jvp(t, x, p->v, NULL, s->jv);
    s->flip[1] = ad_tape_last_flip();
    s->rc[2] = ad_tape_vjp(t, x, p->w, NULL, s->wj);
    s->flip[2] = ad_tape_last_flip();
    s->rc[3] = ad_tape_gradient(t, x, s->g);
    s->flip[3] = ad_tape_last_flip();
    s->rc[4] = ad_tape_jvp_multi(t, x, 2, V, NULL, s->JV);
    s->flip[4] = ad_tape_last_flip();
    s->rc[5] = ad_tape_vjp_multi(t, x, 2, W, NULL, s->WJ);
    s->flip[5] = ad_tape_last_flip();
    s->rc[6] = ad_tape_hvp(t, x, p->v, s->hv);
    s->flip[6] = ad_tape_last_flip();
}

/* Records program k of SEED on t at x1, a point near its own x (written
 * to x1); 1 if the recording succeeded. */
static int record_near(ad_tape *t, long k, pg_prog *p, double *x1)
{
    pg_generate(pg_program_seed(SEED, k), NULL, p);
    pg_params pp = {p, {PG_FAULT_NONE, 0}};
    ad_var xv[PG_MAX_IN], yv[PG_MAX_OUT];
    for (int i = 0; i < p->n; i++)
        x1[i] = p->x[i] != 0.0 ? p->x[i] * (1.0 + 0x1p-20) : 0x1p-20;
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    ad_independent_array((size_t)p->n, x1, xv);
    pg_interp_var(xv, yv, &pp);
    for (int j = 0; j < p->m; j++)
        ad_dependent(yv[j]);
    return ad_tape_end(t) == AD_OK;
}

/* ad_tape_compile changes how the sweeps at a new point store their values
 * and derivatives, not what they compute: on random programs recorded near
 * x and swept at x, every result (values, J v, w J, gradients, H v; NaN
 * and infinities included), status and flipped comparison is the same to
 * the bit as without it. */
Test(fuzz, compiled_tape_sweeps_are_bitwise_the_same)
{
    ad_tape *t = ad_tape_new();
    cr_assert_not_null(t);
    long compared = 0, flipped = 0;
    for (long k = 0; k < 3000; k++) {
        pg_prog p;
        double x1[PG_MAX_IN];
        if (!record_near(t, k, &p, x1))
            continue;
        sweeps a, b;
        sweep_all(t, &p, p.x, &a);
        cr_assert_eq(ad_tape_compile(t), AD_OK, "program %ld", k);
        sweep_all(t, &p, p.x, &b);
        for (int q = 0; q < 7; q++) {
            cr_assert_eq(a.rc[q], b.rc[q], "program %ld, sweep %d", k, q);
            cr_assert_eq(a.flip[q], b.flip[q], "program %ld, sweep %d", k, q);
        }
        flipped += a.rc[0] == AD_ERETAPE;
        if (a.rc[0] != AD_OK)
            continue;
        cr_assert(memcmp(&a, &b, sizeof a) == 0, "program %ld", k);
        compared++;
    }
    cr_assert_gt(compared, 2000);
    cr_assert_gt(flipped, 0); /* flips were compared too */
    ad_tape_free(t);
}

/* need.c replays at a new point only the values the gradient's (the
 * hvp's) reverse sweep reads: from a thread's second gradient (hvp) of a
 * recording on.  On random programs recorded at x1 near x, the first
 * gradient at x (everything replayed), the second and the third (the
 * program of needed values; each after a replay at x1 has filled the
 * buffers) are the same to the bit as the vjp along e_0 (which replays
 * everything, its outputs being asked for), NaN and infinities included;
 * statuses and flipped comparisons too.  The same for H v against the
 * first H v.  Many programs must take the pruned paths. */
Test(fuzz, needed_values_gradients_are_bitwise_the_same)
{
    ad_tape *t = ad_tape_new();
    cr_assert_not_null(t);
    long compared = 0, flipped = 0, pruned[2] = {0, 0};
    for (long k = 0; k < 3000; k++) {
        pg_prog p;
        double x1[PG_MAX_IN];
        if (!record_near(t, k, &p, x1))
            continue;
        double e0[PG_MAX_OUT] = {1.0}, y[PG_MAX_OUT], ref[PG_MAX_IN];
        double href[PG_MAX_IN];
        int rc = ad_tape_vjp(t, p.x, e0, y, ref);
        long flip = ad_tape_last_flip();
        for (int c = 0; c < 3; c++) {
            /* Every value and tangent of the thread's buffers at x1 first,
             * so that one the program failed to replay would show. */
            double g[PG_MAX_IN], y1[PG_MAX_OUT], jv[PG_MAX_OUT];
            cr_assert_eq(ad_tape_jvp(t, x1, p.v, y1, jv), AD_OK);
            cr_assert_eq(ad_tape_gradient(t, p.x, g), rc, "program %ld", k);
            cr_assert_eq(ad_tape_last_flip(), flip, "program %ld", k);
            if (rc == AD_OK)
                cr_assert(memcmp(g, ref, (size_t)p.n * sizeof g[0]) == 0,
                          "program %ld, gradient %d", k, c);
            /* H v: the first one replays everything (the reference). */
            cr_assert_eq(ad_tape_jvp(t, x1, p.x, y1, jv), AD_OK);
            cr_assert_eq(ad_tape_hvp(t, p.x, p.v, c ? g : href), rc,
                         "program %ld", k);
            cr_assert_eq(ad_tape_last_flip(), flip, "program %ld", k);
            if (rc == AD_OK && c > 0)
                cr_assert(memcmp(g, href, (size_t)p.n * sizeof g[0]) == 0,
                          "program %ld, hvp %d", k, c);
        }
        for (int o = 0; o < 2; o++) {
            const ad__need *P;
            cr_assert_eq(ad__need_get(t, o + 1, &P), AD_OK);
            pruned[o] += P != NULL;
        }
        flipped += rc == AD_ERETAPE;
        compared += rc == AD_OK;
    }
    cr_assert_gt(compared, 2000);
    cr_assert_gt(flipped, 0);
    cr_assert_gt(pruned[0], 300, "%ld programs pruned", pruned[0]);
    cr_assert_gt(pruned[1], 200, "%ld programs pruned for H v", pruned[1]);
    ad_tape_free(t);
}

/* One random program applied again and again: a tape of up to 10^5
 * variables, with variables read far below the 16384 of the adjoint
 * window's ring.  ODE-shaped (chain 0): each round's inputs are the first
 * ones plus an eighth of the last outputs (the first less a result of round
 * 0), so that the first inputs and that result are read all along.  A pure
 * chain (chain 1): each round's inputs are an eighth of the last outputs,
 * and a result of round 0 is read once, by the output. */
enum { WINDOW_ROUNDS = 1200 };
static int record_rounds(ad_tape *t, pg_prog *p, const double *x, int chain)
{
    pg_params pp = {p, {PG_FAULT_NONE, 0}};
    ad_var x0[PG_MAX_IN], xv[PG_MAX_IN], yv[PG_MAX_OUT];
    if (ad_tape_begin(t) != AD_OK)
        return -1;
    ad_independent_array((size_t)p->n, x, x0);
    memcpy(xv, x0, sizeof xv);
    ad_var keep = ad_const(ad_var, 0.0);
    for (int k = 0; k < WINDOW_ROUNDS; k++) {
        pg_interp_var(xv, yv, &pp);
        if (k == 0)
            keep = ad_mul(0.5, yv[0]);
        for (int i = 0; i < p->n; i++) {
            ad_var y = yv[i % p->m];
            if (chain == 1)
                xv[i] = ad_mul(0.125, y);
            else
                xv[i] =
                    ad_add(x0[i], ad_mul(0.125, i == 0 ? ad_sub(y, keep) : y));
        }
    }
    if (chain == 1)
        yv[0] = ad_add(yv[0], keep);
    for (int j = 0; j < p->m; j++)
        ad_dependent(yv[j]);
    return ad_tape_end(t) == AD_OK ? 0 : -1;
}

/* The reverse sweeps that the adjoint window changes, at the recorded point
 * and at x, with statuses and flips. */
typedef struct rsweeps {
    int rc[4];
    long flip[4];
    double g[2][PG_MAX_IN], wj[2][PG_MAX_IN];
} rsweeps;

/* 1 if the n doubles are the same to the bit, or both NaN: C leaves the
 * sign and payload of a NaN to the order in which the compiler puts the
 * operands of an addition, which differs between two instances of a rule. */
static int same_bits(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0 &&
            !(isnan(a[i]) && isnan(b[i])))
            return 0;
    return 1;
}

static size_t rsweep_all(ad_tape *t, const pg_prog *p, const double *x,
                         rsweeps *s)
{
    size_t most = 0;
    memset(s, 0, sizeof *s);
    for (int k = 0; k < 2; k++) {
        const double *at = k == 0 ? NULL : x; /* flips: only at x */
        s->rc[2 * k] = ad_tape_gradient(t, at, s->g[k]);
        s->flip[2 * k] = ad_tape_last_flip();
        if (s->rc[2 * k] == AD_OK && ad_tape_last_adjoint_bytes() > most)
            most = ad_tape_last_adjoint_bytes();
        s->rc[2 * k + 1] = ad_tape_vjp(t, at, p->w, NULL, s->wj[k]);
        s->flip[2 * k + 1] = ad_tape_last_flip();
    }
    return most;
}

/* ad_tape_set_adjoint_window changes where a one-lane reverse sweep keeps
 * its adjoints, not what it computes: on long tapes of random programs
 * (NaN and infinities included) the gradients and vector-Jacobian products
 * at the recorded point and at a new one, their statuses and flips are the
 * same to the bit with and without it (NaN for NaN), and the window holds
 * its ring and one or two blocks of adjoints, not 8 bytes per variable. */
Test(fuzz, adjoint_window_sweeps_are_bitwise_the_same)
{
    ad_tape *t = ad_tape_new();
    cr_assert_not_null(t);
    long compared = 0, longer = 0;
    for (long k = 0; k < 150; k++) {
        pg_prog p;
        pg_generate(pg_program_seed(SEED, 5000 + k), NULL, &p);
        double x1[PG_MAX_IN];
        for (int i = 0; i < p.n; i++)
            x1[i] = p.x[i] != 0.0 ? p.x[i] * (1.0 + 0x1p-20) : 0x1p-20;
        if (record_rounds(t, &p, x1, (int)(k % 2)) != 0)
            continue;
        ad_tape_info info;
        ad_tape_stats(t, &info);
        rsweeps a, b;
        cr_assert_eq(ad_tape_set_adjoint_window(t, 0), AD_OK);
        size_t dense = rsweep_all(t, &p, p.x, &a);
        cr_assert_eq(ad_tape_set_adjoint_window(t, 1), AD_OK);
        size_t win = rsweep_all(t, &p, p.x, &b);
        cr_assert(memcmp(a.rc, b.rc, sizeof a.rc) == 0, "program %ld", k);
        cr_assert(a.flip[2] == b.flip[2] && a.flip[3] == b.flip[3],
                  "program %ld", k);
        cr_assert(same_bits(&a.g[0][0], &b.g[0][0], 4 * PG_MAX_IN),
                  "program %ld", k);
        cr_assert(dense > 8 * info.vars && dense <= 8 * (info.vars + 4096),
                  "program %ld: %zu bytes, %zu variables", k, dense, info.vars);
        /* The ring, the block of the first inputs (and one more while the
         * ring slides past it) and the map. */
        cr_assert_leq(win, (16384 + 2 * 2048 + info.vars / 2048 + 2) * 8,
                      "program %ld: %zu bytes, %zu variables", k, win,
                      info.vars);
        longer += info.vars > 2 * 16384;
        compared++;
    }
    cr_assert_gt(compared, 100);
    cr_assert_gt(longer, 20); /* where the window holds less than 8 vars */
    ad_tape_free(t);
}
