/* test_custom.c -- custom primitives (custom.h): a 3 x 3 linear solve
 * y = A^-1 b with hand-written rules (jvp: ydot = A^-1 (bdot - Adot y); vjp:
 * lambda = A^-T w, bbar = lambda, Abar = -lambda y^T; hvp: the derivative
 * of the vjp along v, from lambdadot = -A^-T Adot^T lambda -- Giles,
 * "Collected matrix derivative results for forward and reverse mode AD",
 * 2008) against the same solve by Cramer's rule in primitives
 * (test_custom.inc), in every number type and every tape sweep; and the
 * errors: failing callbacks, files, bad arguments.
 *
 * Tolerances: the two ways round differently (elimination against
 * cofactors), so values and derivatives agree to 1e-12 relative, normwise;
 * the matrices are well conditioned (diagonally dominant). */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <admix.h>

#define AD_TEMPLATE "test_custom.inc"
#include <admix/instantiate.h>
/* The solve with the custom op as an ad_fn (params: the op), for verify. */
AD_FN(solve_cust, 12, 4)

/* ---- the op -------------------------------------------------------------- */

typedef struct calls {
    int value, jvp, vjp, hvp; /* how often each ran */
    int fail;                 /* a callback to fail: 1 value, 2 jvp, 3 vjp */
} calls;

/* Solves M z = r (M 3 x 3 row-major, or its transpose) by elimination with
 * partial pivoting; 1 if M is singular. */
static int solve3(const double *M, int trans, const double *r, double *z)
{
    double a[3][4];
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            a[i][j] = trans ? M[j * 3 + i] : M[i * 3 + j];
        a[i][3] = r[i];
    }
    for (int k = 0; k < 3; k++) {
        int p = k;
        for (int i = k + 1; i < 3; i++)
            if (fabs(a[i][k]) > fabs(a[p][k]))
                p = i;
        if (a[p][k] == 0.0)
            return 1;
        for (int j = 0; j < 4; j++) {
            double t = a[k][j];
            a[k][j] = a[p][j];
            a[p][j] = t;
        }
        for (int i = k + 1; i < 3; i++) {
            double f = a[i][k] / a[k][k];
            for (int j = k; j < 4; j++)
                a[i][j] -= f * a[k][j];
        }
    }
    for (int i = 2; i >= 0; i--) {
        double t = a[i][3];
        for (int j = i + 1; j < 3; j++)
            t -= a[i][j] * z[j];
        z[i] = t / a[i][i];
    }
    return 0;
}

static int sol_value(const void *ctx, size_t n, const double *x, size_t m,
                     double *y)
{
    calls *c = (calls *)ctx;
    cr_assert(n == 12 && m == 3);
    c->value++;
    if (c->fail == 1)
        return -12345; /* not an admix code: AD_EDOM */
    return solve3(x, 0, x + 9, y);
}

/* ydot = A^-1 (bdot - Adot y) */
static int sol_jvp(const void *ctx, size_t n, const double *x, const double *y,
                   const double *v, size_t m, double *jv)
{
    calls *c = (calls *)ctx;
    (void)n;
    (void)m;
    c->jvp++;
    if (c->fail == 2)
        return AD_EDOM;
    double r[3];
    for (int i = 0; i < 3; i++) {
        r[i] = v[9 + i];
        for (int j = 0; j < 3; j++)
            r[i] -= v[i * 3 + j] * y[j];
    }
    return solve3(x, 0, r, jv);
}

/* lambda = A^-T w; Abar = -lambda y^T, bbar = lambda */
static int sol_vjp(const void *ctx, size_t n, const double *x, const double *y,
                   const double *w, size_t m, double *wj)
{
    calls *c = (calls *)ctx;
    (void)n;
    (void)m;
    c->vjp++;
    if (c->fail == 3)
        return 7; /* any positive value: AD_EDOM */
    double l[3];
    if (solve3(x, 1, w, l))
        return 1;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            wj[i * 3 + j] = -l[i] * y[j];
        wj[9 + i] = l[i];
    }
    return 0;
}

/* d/de of the vjp at x + e v: lambdadot = -A^-T Adot^T lambda, ydot as in
 * the jvp; Abar' = -lambdadot y^T - lambda ydot^T, bbar' = lambdadot. */
static int sol_hvp(const void *ctx, size_t n, const double *x, const double *y,
                   const double *w, const double *v, size_t m, double *hv)
{
    calls *c = (calls *)ctx;
    c->hvp++;
    double l[3], yd[3], r[3], ld[3];
    if (solve3(x, 1, w, l) || sol_jvp(ctx, n, x, y, v, m, yd))
        return 1;
    c->jvp--; /* not a jvp of the sweep's own */
    for (int i = 0; i < 3; i++) {
        r[i] = 0.0;
        for (int j = 0; j < 3; j++)
            r[i] -= v[j * 3 + i] * l[j]; /* -(Adot^T lambda)_i */
    }
    if (solve3(x, 1, r, ld))
        return 1;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            hv[i * 3 + j] = -ld[i] * y[j] - l[i] * yd[j];
        hv[9 + i] = ld[i];
    }
    return 0;
}

static calls counts;
static const ad_custom solve_op = {"solve3", sol_value, sol_jvp,
                                   sol_vjp,  sol_hvp,   &counts};
/* sol_vjp with one entry of the result wrong (bbar_1 scaled): what a
 * hand-written rule with a slip gives. */
static int sol_vjp_wrong(const void *ctx, size_t n, const double *x,
                         const double *y, const double *w, size_t m, double *wj)
{
    int rc = sol_vjp(ctx, n, x, y, w, m, wj);
    wj[10] *= 1.01;
    return rc;
}

static const ad_custom solve_op1 = {
    "solve3 (first order)", sol_value, sol_jvp, sol_vjp, NULL, &counts};
static const ad_custom solve_bad = {"solve3 (slip in the vjp)",
                                    sol_value,
                                    sol_jvp,
                                    sol_vjp_wrong,
                                    NULL,
                                    &counts};

/* ---- helpers ------------------------------------------------------------- */

enum { N = 12, M = 4 };

/* A diagonally dominant A and a b, from seed k. */
static void point(int k, double *x)
{
    for (int i = 0; i < N; i++)
        x[i] = sin(1.7 * i + 0.9 * k) * 0.5;
    for (int i = 0; i < 3; i++)
        x[i * 4] += 3.0 + 0.1 * k;
}

static double relerr(const double *a, const double *b, size_t k)
{
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < k; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        s = fmax(s, fabs(b[i]));
    }
    return d / (s > 0.0 ? s : 1.0);
}

static void assert_close(const double *a, const double *b, size_t k,
                         const char *what)
{
    double e = relerr(a, b, k);
    cr_assert(e <= 1e-12, "%s: relative error %g", what, e);
}

/* Records f (solve_prim_var or solve_cust_var) at x on a new tape. */
static ad_tape *record(void (*f)(const ad_var *, ad_var *, const void *),
                       const ad_custom *op, const double *x)
{
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    cr_assert(ad_tape_begin(t) == AD_OK);
    ad_var xv[N], yv[M];
    cr_assert(ad_independent_array(N, x, xv) == AD_OK);
    f(xv, yv, op);
    cr_assert(ad_dependent_array(M, yv) == AD_OK);
    cr_assert(ad_tape_end(t) == AD_OK);
    return t;
}

/* The last output alone (for gradients and Hessians). */
static ad_tape *record_scalar(void (*f)(const ad_var *, ad_var *, const void *),
                              const ad_custom *op, const double *x)
{
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    cr_assert(ad_tape_begin(t) == AD_OK);
    ad_var xv[N], yv[M];
    cr_assert(ad_independent_array(N, x, xv) == AD_OK);
    f(xv, yv, op);
    ad_dependent(yv[M - 1]);
    cr_assert(ad_tape_end(t) == AD_OK);
    return t;
}

static void setup(void)
{
    memset(&counts, 0, sizeof counts);
}

static void teardown(void)
{
    ad_thread_release();
}

TestSuite(custom, .init = setup, .fini = teardown);

/* ---- forward types ------------------------------------------------------- */

Test(custom, double_and_dual)
{
    double x[N], yp[M], yc[M];
    point(0, x);
    solve_prim_double(x, yp, NULL);
    solve_cust_double(x, yc, &solve_op);
    assert_close(yc, yp, M, "value");
    /* dual along each input direction: the Jacobian's columns */
    for (int k = 0; k < N; k++) {
        ad_dual xd[N], ydp[M], ydc[M];
        for (int i = 0; i < N; i++)
            xd[i] = ad_dual_make(x[i], i == k);
        solve_prim_dual(xd, ydp, NULL);
        solve_cust_dual(xd, ydc, &solve_op);
        double a[2 * M], b[2 * M];
        for (int i = 0; i < M; i++) {
            a[i] = ydc[i].v, a[M + i] = ydc[i].d;
            b[i] = ydp[i].v, b[M + i] = ydp[i].d;
        }
        assert_close(a, b, 2 * M, "dual");
    }
    cr_assert(counts.value == 1 + N && counts.jvp == N);
}

Test(custom, dualv_and_hdual)
{
    double x[N];
    point(1, x);
    ad_dualv xv[N], yp[M], yc[M];
    for (int i = 0; i < N; i++) {
        xv[i] = ad_dualv_const(x[i]);
        for (int l = 0; l < AD_LANES; l++)
            xv[i].d[l] = sin(0.3 * i + 1.1 * l);
    }
    solve_prim_dualv(xv, yp, NULL);
    solve_cust_dualv(xv, yc, &solve_op);
    for (int i = 0; i < M; i++) {
        cr_assert(fabs(yc[i].v - yp[i].v) <= 1e-12 * fabs(yp[i].v),
                  "%d: %.17g %.17g", i, yc[i].v, yp[i].v);
        assert_close(yc[i].d, yp[i].d, AD_LANES, "dualv");
    }
    /* Hyper-duals: d12 is u^T F'' w + F' d12, through the hvp callback. */
    ad_hdual xh[N], hp[M], hc[M];
    for (int i = 0; i < N; i++)
        xh[i] = ad_hdual_make(x[i], cos(0.7 * i), sin(0.4 * i + 0.2), 0.1 * i);
    solve_prim_hdual(xh, hp, NULL);
    solve_cust_hdual(xh, hc, &solve_op);
    for (int i = 0; i < M; i++) {
        double a[4] = {hc[i].v, hc[i].d1, hc[i].d2, hc[i].d12};
        double b[4] = {hp[i].v, hp[i].d1, hp[i].d2, hp[i].d12};
        assert_close(a, b, 4, "hdual");
    }
    cr_assert(counts.hvp == 3); /* once per output of the op */
    /* Without hvp, hyper-duals are refused. */
    cr_assert(ad_custom_hdual(&solve_op1, N, xh, 3, hc) == AD_EUNSUPPORTED);
    cr_assert(isnan(hc[0].v) && isnan(hc[2].d12));
}

/* ---- the tape ------------------------------------------------------------ */

Test(custom, one_node_and_sweeps)
{
    double x[N];
    point(2, x);
    ad_tape *tp = record(solve_prim_var, NULL, x);
    ad_tape *tc = record(solve_cust_var, &solve_op, x);
    ad_tape_info info;
    ad_tape_stats(tc, &info);
    /* inputs, the custom node, then the tail: 3 sqr + 3 add (the first
     * add has a constant: _cx) */
    cr_assert(info.ops == 1 + 1 + 6, "ops %zu", info.ops);
    cr_assert(info.vars == N + 3 + 6, "vars %zu", info.vars);
    double x2[N];
    point(3, x2);
    const double *pts[2] = {NULL, x2};
    for (int p = 0; p < 2; p++) {
        const double *at = pts[p];
        double yp[M], yc[M], Jp[M * N], Jc[M * N];
        cr_assert(ad_tape_eval(tp, at, yp) == AD_OK);
        cr_assert(ad_tape_eval(tc, at, yc) == AD_OK);
        assert_close(yc, yp, M, "eval");
        cr_assert(ad_tape_jacobian(tp, at, Jp) == AD_OK);
        cr_assert(ad_tape_jacobian(tc, at, Jc) == AD_OK);
        assert_close(Jc, Jp, M * N, "jacobian");
        double v[N], w[M], jvp[M], jvc[M], wjp[N], wjc[N];
        for (int i = 0; i < N; i++)
            v[i] = cos(1.3 * i);
        for (int i = 0; i < M; i++)
            w[i] = 1.0 - 0.4 * i;
        cr_assert(ad_tape_jvp(tc, at, v, NULL, jvc) == AD_OK);
        cr_assert(ad_tape_jvp(tp, at, v, NULL, jvp) == AD_OK);
        assert_close(jvc, jvp, M, "jvp");
        cr_assert(ad_tape_vjp(tc, at, w, NULL, wjc) == AD_OK);
        cr_assert(ad_tape_vjp(tp, at, w, NULL, wjp) == AD_OK);
        assert_close(wjc, wjp, N, "vjp");
        /* the dot-product test on the custom tape alone */
        double a = 0.0, b = 0.0;
        for (int i = 0; i < M; i++)
            a += w[i] * jvc[i];
        for (int i = 0; i < N; i++)
            b += wjc[i] * v[i];
        cr_assert(fabs(a - b) <= 1e-13 * (fabs(a) + 1.0));
    }
    ad_tape_free(tp);
    ad_tape_free(tc);
}

Test(custom, gradient_hessian_linearized)
{
    double x[N], x2[N];
    point(4, x);
    point(5, x2);
    ad_tape *tp = record_scalar(solve_prim_var, NULL, x);
    ad_tape *tc = record_scalar(solve_cust_var, &solve_op, x);
    double gp[N], gc[N], Hp[N * N], Hc[N * N];
    const double *pts[2] = {NULL, x2};
    for (int p = 0; p < 2; p++) {
        cr_assert(ad_tape_gradient(tp, pts[p], gp) == AD_OK);
        cr_assert(ad_tape_gradient(tc, pts[p], gc) == AD_OK);
        assert_close(gc, gp, N, "gradient");
        cr_assert(ad_tape_hessian(tp, pts[p], Hp) == AD_OK);
        cr_assert(ad_tape_hessian(tc, pts[p], Hc) == AD_OK);
        assert_close(Hc, Hp, N * N, "hessian");
    }
    /* The linearised tape keeps the custom node's own rule. */
    cr_assert(ad_tape_gradient(tc, NULL, gp) == AD_OK);
    cr_assert(ad_tape_linearize(tc) == AD_OK);
    cr_assert(ad_tape_gradient(tc, NULL, gc) == AD_OK);
    cr_assert(memcmp(gc, gp, sizeof gc) == 0);
    /* Without hvp: first order works, second order is refused. */
    ad_tape *t1 = record_scalar(solve_cust_var, &solve_op1, x);
    cr_assert(ad_tape_gradient(t1, x2, gc) == AD_OK);
    cr_assert(ad_tape_gradient(tp, x2, gp) == AD_OK);
    assert_close(gc, gp, N, "gradient, first-order op");
    double v[N] = {1.0};
    cr_assert(ad_tape_hvp(t1, NULL, v, gc) == AD_EUNSUPPORTED);
    cr_assert(ad_tape_hessian(t1, NULL, Hc) == AD_EUNSUPPORTED);
    ad_tape_free(t1);
    ad_tape_free(tp);
    ad_tape_free(tc);
}

/* The check: the custom op's gradient against central differences
 * of its double version, h = 1e-5 (error ~h^2 |f'''| + eps |f| / h, about
 * 1e-9 here: the tolerance is 1e-7 relative, normwise). */
Test(custom, gradient_vs_finite_differences)
{
    double x[N], g[N], fd[N];
    point(9, x);
    ad_tape *t = record_scalar(solve_cust_var, &solve_op, x);
    cr_assert(ad_tape_gradient(t, NULL, g) == AD_OK);
    for (int i = 0; i < N; i++) {
        double xp[N], xm[N], yp[M], ym[M], h = 1e-5;
        memcpy(xp, x, sizeof xp);
        memcpy(xm, x, sizeof xm);
        xp[i] += h;
        xm[i] -= h;
        solve_cust_double(xp, yp, &solve_op);
        solve_cust_double(xm, ym, &solve_op);
        fd[i] = (yp[M - 1] - ym[M - 1]) / (2 * h);
    }
    double e = relerr(g, fd, N);
    cr_assert(e <= 1e-7, "gradient vs central differences: %g", e);
    ad_tape_free(t);
}

/* The verify module checks a custom op's rules like any primitive's.  Its
 * exact references cannot run the callbacks (the MPFR replay and the
 * complex step refuse a custom node), so each mode's Jacobian is judged
 * against finite differences with Richardson extrapolation: the jvp
 * (forward) and the vjp (reverse) pass, and a vjp with a slip in one entry
 * fails in reverse mode -- exactly the entries of that column -- while the
 * forward mode, which does not call it, still passes. */
Test(custom, checked_by_verify)
{
    double x[N];
    point(4, x);
    const ad_custom *ops[] = {&solve_op, &solve_op, &solve_bad, &solve_bad};
    const ad_mode modes[] = {AD_FORWARD, AD_REVERSE, AD_FORWARD, AD_REVERSE};
    for (int k = 0; k < 4; k++) {
        ad_fn f = solve_cust_fn(ops[k]);
        ad_verify_options o;
        memset(&o, 0, sizeof o);
        o.mode = modes[k];
        ad_verify_report *r = NULL;
        int rc = ad_verify_jacobian(&f, x, &o, &r);
        cr_assert(rc == AD_OK && r != NULL, "case %d: %d (%s)", k, rc,
                  ad_strerror(rc));
        cr_assert(!r->exact, "case %d: an exact reference ran a callback", k);
        cr_assert(r->rows == M && r->cols == N);
        if (k < 3) {
            cr_assert(r->pass && r->nfail == 0, "case %d: %zu entries failed",
                      k, r->nfail);
            cr_assert(r->max_rel_err < 1e-8, "case %d: %g", k, r->max_rel_err);
        } else {
            cr_assert(!r->pass && r->nfail > 0, "the slip passed");
            for (size_t e = 0; e < r->nentries; e++)
                cr_assert(r->entry[e].pass ==
                              (r->entry[e].j != 10 || r->entry[e].ref == 0.0),
                          "entry (%zu, %zu)", r->entry[e].i, r->entry[e].j);
            cr_assert(r->worst[0].j == 10 && !r->worst[0].pass);
        }
        ad_verify_report_free(r);
    }
}

Test(custom, mixed_and_constant_inputs)
{
    double x[N];
    point(6, x);
    /* b constant: the node takes a list with the constants activated */
    ad_tape *t = ad_tape_new();
    cr_assert(ad_tape_begin(t) == AD_OK);
    ad_var xv[N], y[3];
    cr_assert(ad_independent_array(9, x, xv) == AD_OK);
    for (int i = 9; i < N; i++)
        xv[i] = ad_const(ad_var, x[i]);
    cr_assert(ad_custom_var(&solve_op, N, xv, 3, y) == AD_OK);
    cr_assert(ad_dependent_array(3, y) == AD_OK);
    cr_assert(ad_tape_end(t) == AD_OK);
    double J[3 * 9], Jref[3 * N];
    cr_assert(ad_tape_jacobian(t, NULL, J) == AD_OK);
    ad_tape *tp = record(solve_prim_var, NULL, x);
    double Jp[M * N];
    cr_assert(ad_tape_jacobian(tp, NULL, Jp) == AD_OK);
    for (int i = 0; i < 3; i++)
        memcpy(Jref + i * 9, Jp + i * N, 9 * sizeof(double));
    assert_close(J, Jref, 27, "jacobian, b constant");
    ad_tape_free(tp);
    /* Every input constant: nothing recorded, the value is right. */
    cr_assert(ad_tape_begin(t) == AD_OK);
    ad_var c[N];
    for (int i = 0; i < N; i++)
        c[i] = ad_const(ad_var, x[i]);
    cr_assert(ad_custom_var(&solve_op, N, c, 3, y) == AD_OK);
    cr_assert(ad_tape_end(t) == AD_OK);
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_assert(info.ops == 0 && y[0].t == 0);
    double yd[3];
    cr_assert(ad_custom_double(&solve_op, N, x, 3, yd) == AD_OK);
    cr_assert(y[0].v == yd[0] && y[2].v == yd[2]);
    ad_tape_free(t);
}

/* ---- errors -------------------------------------------------------------- */

Test(custom, failing_callbacks)
{
    double x[N], y[3];
    point(7, x);
    counts.fail = 1;
    cr_assert(ad_custom_double(&solve_op, N, x, 3, y) == AD_EDOM);
    cr_assert(isnan(y[0]) && isnan(y[2]));
    /* A singular A: the value callback's 1 becomes AD_EDOM. */
    counts.fail = 0;
    double s[N] = {0};
    cr_assert(ad_custom_double(&solve_op, N, s, 3, y) == AD_EDOM);
    /* On the tape: recorded at x, then the vjp fails in a sweep; the
     * sweep returns the status, and the thread's buffers stay clean: the
     * next gradient on another tape is right. */
    ad_tape *t = record_scalar(solve_cust_var, &solve_op, x);
    double g[N], g0[N];
    cr_assert(ad_tape_gradient(t, NULL, g0) == AD_OK);
    counts.fail = 3;
    cr_assert(ad_tape_gradient(t, NULL, g) == AD_EDOM);
    cr_assert(isnan(g[0]));
    counts.fail = 2;
    double v[N] = {1.0}, jv;
    cr_assert(ad_tape_jvp(t, NULL, v, NULL, &jv) == AD_EDOM);
    counts.fail = 1;
    cr_assert(ad_tape_eval(t, x, y) == AD_EDOM);
    counts.fail = 0;
    cr_assert(ad_tape_gradient(t, NULL, g) == AD_OK);
    cr_assert(memcmp(g, g0, sizeof g) == 0);
    ad_tape *tp = record_scalar(solve_prim_var, NULL, x);
    cr_assert(ad_tape_gradient(tp, NULL, g) == AD_OK);
    assert_close(g, g0, N, "after failures");
    ad_tape_free(tp);
    /* Recording with a failing value: NaN results and the status. */
    counts.fail = 1;
    ad_tape *t2 = ad_tape_new();
    cr_assert(ad_tape_begin(t2) == AD_OK);
    ad_var xv[N], yv[3];
    cr_assert(ad_independent_array(N, x, xv) == AD_OK);
    cr_assert(ad_custom_var(&solve_op, N, xv, 3, yv) == AD_EDOM);
    cr_assert(isnan(yv[1].v) && yv[1].t != 0);
    cr_assert(ad_tape_end(t2) == AD_OK);
    ad_tape_free(t2);
    ad_tape_free(t);
}

Test(custom, files_and_arguments)
{
    double x[N];
    point(8, x);
    ad_tape *t = record_scalar(solve_cust_var, &solve_op, x);
    char path[] = "/tmp/admix-custom-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    cr_assert(ad_tape_write(t, f) == AD_EUNSUPPORTED);
    fclose(f);
    remove(path);
    cr_assert(ad_tape_save(t, path) == AD_EUNSUPPORTED);
    cr_assert(fopen(path, "rb") == NULL); /* nothing left behind */
    ad_tape_free(t);

    double y[3];
    ad_custom bad = solve_op;
    bad.vjp = NULL;
    cr_assert(ad_custom_double(NULL, N, x, 3, y) == AD_EINVAL);
    cr_assert(ad_custom_double(&bad, N, x, 3, y) == AD_EINVAL);
    cr_assert(isnan(y[0]));
    cr_assert(ad_custom_double(&solve_op, N, NULL, 3, y) == AD_EINVAL);
    cr_assert(ad_custom_double(&solve_op, N, x, 0, y) == AD_EINVAL);
    cr_assert(ad_custom_double(&solve_op, N, x, 3, NULL) == AD_EINVAL);
    double complex xc[N], yc[3];
    for (int i = 0; i < N; i++)
        xc[i] = x[i];
    cr_assert(ad_custom(&solve_op, N, xc, 3, yc) == AD_EUNSUPPORTED);
    cr_assert(isnan(creal(yc[0])));
    ad_var xv[N], yv[3];
    for (int i = 0; i < N; i++)
        xv[i] = ad_const(ad_var, x[i]);
    cr_assert(ad_custom_var(&bad, N, xv, 3, yv) == AD_EINVAL);
    cr_assert(isnan(yv[0].v) && yv[0].t == 0);
    /* A variable of another recording: the recording fails. */
    ad_tape *t1 = ad_tape_new(), *t2 = ad_tape_new();
    cr_assert(ad_tape_begin(t1) == AD_OK);
    cr_assert(ad_independent_array(N, x, xv) == AD_OK);
    cr_assert(ad_tape_end(t1) == AD_OK);
    cr_assert(ad_tape_begin(t2) == AD_OK);
    cr_assert(ad_custom_var(&solve_op, N, xv, 3, yv) == AD_EINVAL);
    cr_assert(ad_tape_end(t2) == AD_EINVAL);
    ad_tape_free(t1);
    ad_tape_free(t2);
}
