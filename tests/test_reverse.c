/* test_reverse.c -- reverse mode: recording on a tape and its sweeps
 * (tape.h), checked against analytic derivatives, against the ad_dual
 * forward mode of the same write-once templates (test_reverse.inc), against
 * the primitive table's own rules on random programs, and against itself
 * (replay versus retrace, k lanes versus one, threads versus serial).
 *
 * Tolerances.  Where two computations perform the same floating-point
 * operations in the same order (a replay and a fresh recording; k lanes and
 * one lane; a thread and the main thread) they are compared bitwise.  Where
 * only the order of a few roundings differs (reverse versus forward
 * accumulation) the bound is 1e-13 relative, normwise over the compared
 * vector: a few hundred ulps, far below any wrong rule or seed.  Random
 * numbers come from the library's splitmix64 (primitive.h) with fixed
 * seeds, and the primitives' own samplers give points inside their
 * domains. */
#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include <criterion/criterion.h>

#include "primitive.h" /* internal: the primitives' samplers, ad__rand_* */

#include <admix.h>

/* ---- what the template needs --------------------------------------------- */

typedef struct rosen_params {
    size_t n;
} rosen_params;

/* How a binary primitive takes its arguments: both active, active and
 * double, double and active. */
enum { V_AA, V_XC, V_CX };

/* One primitive at one point: op(a, b) with the variant's constants; k is
 * powi's exponent. */
typedef struct prim_case {
    int op, variant;
    double a, b;
    int k;
} prim_case;

typedef struct allops_params {
    size_t m;
    const prim_case *c;
} allops_params;

typedef struct mlp_params {
    int ns;
    double X[8][3];
    int label[8];
} mlp_params;

typedef struct mix_params {
    size_t n, m;
} mix_params;

#define AD_TEMPLATE "test_reverse.inc"
#include <admix/instantiate.h>
AD_FN(seed, 1, 1)
AD_FN(rosen, ((const rosen_params *)params)->n, 1)
AD_FN(speel, ((const rosen_params *)params)->n, 1)
AD_FN(prim, 2, 2)
AD_FN(allops, 2, ((const allops_params *)params)->m)
AD_FN(mlp, 32, 1)
AD_FN(mix, ((const mix_params *)params)->n, ((const mix_params *)params)->m)
AD_FN(branchy, 5, 2)
AD_FN(sel1, 1, 1)
AD_FN(sel2, 3, 2)
AD_FN(arrays, 12, 1)

/* ---- helpers ------------------------------------------------------------- */

#define OK(expr)                                                               \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        cr_assert(rc_ == AD_OK, "%s: %d (%s)", #expr, rc_, ad_strerror(rc_));  \
    } while (0)

#define IS(expr, code)                                                         \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        cr_expect(rc_ == (code), "%s: %d (%s), want %s", #expr, rc_,           \
                  ad_strerror(rc_), #code);                                    \
    } while (0)

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    cr_assert(p != NULL, "out of memory");
    return p;
}

/* x, unknown to the compiler, so that libm calls on it run at run time as
 * the tape's do (GCC folds calls on constants with MPFR, correctly
 * rounded, which may differ from glibc by an ulp). */
static double runtime(double x)
{
    volatile double v = x;
    return v;
}

/* The normwise relative error max |got - want| / max |want| (absolute when
 * want is all zero); infinite when got has a NaN or infinity where want has
 * not. */
static double rel_err(const double *got, const double *want, size_t n)
{
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(want[i]) && isnan(got[i]))
            continue;
        if (isinf(want[i]) && got[i] == want[i])
            continue;
        double d = fabs(got[i] - want[i]);
        if (!(d <= DBL_MAX))
            return INFINITY;
        e = fmax(e, d);
        s = fmax(s, fabs(want[i]));
    }
    return s > 0.0 ? e / s : e;
}

static int check_vec(const double *got, const double *want, size_t n,
                     double tol, const char *what)
{
    double e = rel_err(got, want, n);
    int ok = e <= tol;
    cr_expect(ok, "%s: relative error %.3g > %.3g", what, e, tol);
    if (!ok)
        for (size_t i = 0; i < n && i < 8; i++)
            cr_log_info("  %s [%zu]: %.17g, want %.17g", what, i, got[i],
                        want[i]);
    return ok;
}

/* |got_i - want_i| <= tol scale_i for every i, where scale_i bounds the
 * magnitude of the terms summed into want_i (so that cancellation in a sum
 * does not make a few ulps of its terms look like a large relative
 * error). */
static int check_scaled(const double *got, const double *want,
                        const double *scale, size_t n, double tol,
                        const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]);
        if (!(d <= tol * scale[i]) && !(got[i] == want[i])) {
            cr_expect(0, "%s [%zu]: %.17g, want %.17g (scale %.3g)", what, i,
                      got[i], want[i], scale[i]);
            return 0;
        }
    }
    return 1;
}

/* Equal as doubles (0 == -0), or both NaN. */
static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static int check_same(const double *got, const double *want, size_t n,
                      const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (!same(got[i], want[i])) {
            cr_expect(0, "%s [%zu]: %.17g, want exactly %.17g", what, i, got[i],
                      want[i]);
            return 0;
        }
    return 1;
}

static double uniform(uint64_t *s, double lo, double hi)
{
    return ad__rand_uniform(s, lo, hi);
}

static void fill_uniform(uint64_t *s, double *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = uniform(s, lo, hi);
}

/* Records f at x on tape t (inputs by ad_independent_array, outputs by
 * ad_dependent_array) and returns ad_tape_end's status; y, if not NULL,
 * gets the outputs' values as recorded. */
static int record(ad_tape *t, ad_fn f, const double *x, double *y)
{
    ad_var *xv = xmalloc(f.n * sizeof *xv), *yv = xmalloc(f.m * sizeof *yv);
    /* Constants first, so that every input is defined even if the
     * recording fails (a memory cap) before the inputs are made. */
    for (size_t i = 0; i < f.n; i++)
        xv[i] = ad_const(ad_var, x[i]);
    int rc = ad_tape_begin(t);
    cr_assert(rc == AD_OK, "ad_tape_begin: %s", ad_strerror(rc));
    ad_independent_array(f.n, x, xv);
    f.f_var(xv, yv, f.params);
    ad_dependent_array(f.m, yv);
    if (y != NULL)
        for (size_t j = 0; j < f.m; j++)
            y[j] = ad_value(yv[j]);
    rc = ad_tape_end(t);
    free(xv);
    free(yv);
    return rc;
}

/* The ad_dual instance of f at x along v: y = f(x) and jv = J v. */
static void dual_jvp(ad_fn f, const double *x, const double *v, double *y,
                     double *jv)
{
    ad_dual *xd = xmalloc(f.n * sizeof *xd), *yd = xmalloc(f.m * sizeof *yd);
    for (size_t i = 0; i < f.n; i++)
        xd[i] = ad_dual_make(x[i], v[i]);
    f.f_dual(xd, yd, f.params);
    for (size_t j = 0; j < f.m; j++) {
        if (y != NULL)
            y[j] = yd[j].v;
        jv[j] = yd[j].d;
    }
    free(xd);
    free(yd);
}

/* The m x n Jacobian of f at x by n passes of ad_dual (column j seeds x_j
 * alone), and y = f(x) if y is not NULL. */
static void dual_jacobian(ad_fn f, const double *x, double *J, double *y)
{
    double *e = xmalloc(f.n * sizeof *e), *col = xmalloc(f.m * sizeof *col);
    for (size_t j = 0; j < f.n; j++) {
        for (size_t i = 0; i < f.n; i++)
            e[i] = i == j ? 1.0 : 0.0;
        dual_jvp(f, x, e, j == 0 ? y : NULL, col);
        for (size_t i = 0; i < f.m; i++)
            J[i * f.n + j] = col[i];
    }
    if (f.n == 0 && y != NULL)
        dual_jvp(f, x, e, y, col);
    free(e);
    free(col);
}

/* w^T J for an m x n J. */
static void mat_tvec(const double *J, size_t m, size_t n, const double *w,
                     double *wj)
{
    for (size_t j = 0; j < n; j++) {
        double s = 0.0;
        for (size_t i = 0; i < m; i++)
            s += w[i] * J[i * n + j];
        wj[j] = s;
    }
}

/* Checks every sweep of tape t (recorded from f) at x (NULL: the recorded
 * point, whose coordinates are xr) against the ad_dual instance of f:
 * values, gradient, jvp and vjp along random v and w, and the Jacobian. */
static void check_sweeps_against_dual(ad_tape *t, ad_fn f, const double *x,
                                      const double *xr, uint64_t *rs,
                                      double tol, const char *what)
{
    size_t n = f.n, m = f.m;
    const double *xp = x != NULL ? x : xr;
    double *J = xmalloc(m * n * sizeof *J), *y = xmalloc(m * sizeof *y);
    double *v = xmalloc(n * sizeof *v), *w = xmalloc(m * sizeof *w);
    double *jv = xmalloc(m * sizeof *jv), *jvd = xmalloc(m * sizeof *jvd);
    double *wj = xmalloc(n * sizeof *wj), *wjd = xmalloc(n * sizeof *wjd);
    double *yt = xmalloc(m * sizeof *yt), *Jt = xmalloc(m * n * sizeof *Jt);
    char msg[160];

    dual_jacobian(f, xp, J, y);
    OK(ad_tape_eval(t, x, yt));
    /* Values: the same rules in the same order, hence the same numbers. */
    snprintf(msg, sizeof msg, "%s: eval", what);
    check_same(yt, y, m, msg);

    OK(ad_tape_gradient(t, x, wj));
    snprintf(msg, sizeof msg, "%s: gradient", what);
    check_vec(wj, J, n, tol, msg);

    fill_uniform(rs, v, n, -1.0, 1.0);
    fill_uniform(rs, w, m, -1.0, 1.0);
    dual_jvp(f, xp, v, NULL, jvd);
    OK(ad_tape_jvp(t, x, v, yt, jv));
    snprintf(msg, sizeof msg, "%s: jvp", what);
    double *sj = xmalloc(m * sizeof *sj);
    for (size_t j = 0; j < m; j++) {
        sj[j] = 0.0;
        for (size_t i = 0; i < n; i++)
            sj[j] += fabs(J[j * n + i] * v[i]);
    }
    check_scaled(jv, jvd, sj, m, tol, msg);
    free(sj);
    snprintf(msg, sizeof msg, "%s: jvp value", what);
    check_same(yt, y, m, msg);

    mat_tvec(J, m, n, w, wjd);
    OK(ad_tape_vjp(t, x, w, yt, wj));
    snprintf(msg, sizeof msg, "%s: vjp", what);
    double *sc = xmalloc((m + n) * sizeof *sc);
    for (size_t i = 0; i < n; i++) {
        sc[i] = 0.0;
        for (size_t j = 0; j < m; j++)
            sc[i] += fabs(w[j] * J[j * n + i]);
    }
    check_scaled(wj, wjd, sc, n, tol, msg);
    snprintf(msg, sizeof msg, "%s: vjp value", what);
    check_same(yt, y, m, msg);

    OK(ad_tape_jacobian(t, x, Jt));
    for (size_t i = 0; i < m; i++) {
        snprintf(msg, sizeof msg, "%s: jacobian row %zu (%s branch)", what, i,
                 n <= m ? "forward" : "reverse");
        check_vec(Jt + i * n, J + i * n, n, tol, msg);
    }
    free(J), free(y), free(v), free(w), free(jv), free(jvd), free(wj);
    free(wjd), free(yt), free(Jt), free(sc);
}

/* ---- 1. gradients against analytic ones ---------------------------------- */

/* The example of tape.h: y = sin(x^2) at 2, y = sin 4, dy/dx = 4 cos 4. */
Test(reverse, seed_example)
{
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(2.0);
    ad_var y = ad_sin(ad_sqr(x));
    ad_dependent(y);
    OK(ad_tape_end(t));

    /* 2^2 = 4 exactly; sin's partial is cos 4, times 2x = 4 (exact): the
     * tape performs the same roundings as the formulas below. */
    double four = runtime(4.0);
    cr_expect(ad_value(y) == sin(four), "value %.17g", ad_value(y));
    double g = 0.0, yy = 0.0;
    OK(ad_tape_gradient(t, NULL, &g));
    cr_expect(g == 4.0 * cos(four), "dy/dx = %.17g, want %.17g", g,
              4.0 * cos(four));
    cr_expect(fabs(g - -2.6145744834544478) < 1e-15, "dy/dx = %.17g", g);
    OK(ad_tape_eval(t, NULL, &yy));
    cr_expect(yy == sin(four));

    /* The template instance records the same tape. */
    double x0 = 2.0;
    ad_fn f = seed_fn(NULL);
    OK(record(t, f, &x0, &yy));
    cr_expect(yy == sin(four));
    double g2 = 0.0;
    OK(ad_tape_gradient(t, NULL, &g2));
    cr_expect(g2 == g, "template: %.17g vs %.17g", g2, g);
    ad_tape_free(t);
}

static double rosen_grad_exact(const double *x, size_t n, size_t i)
{
    double g = 0.0;
    if (i + 1 < n)
        g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
    if (i > 0)
        g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
    return g;
}

static double rosen_value(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i + 1 < n; i++) {
        double t = x[i + 1] - x[i] * x[i], u = 1.0 - x[i];
        s += 100.0 * t * t + u * u;
    }
    return s;
}

/* Records Rosenbrock at a random point in [-1.5, 1.5]^n and checks the
 * gradient (at the recorded point and replayed at a second one) against
 * the analytic one, normwise: each component is a sum of two or three
 * rounded products, so a few ulps of the largest. */
static void check_rosen(size_t n, uint64_t seed)
{
    rosen_params p = {n};
    ad_fn f = rosen_fn(&p);
    cr_assert(f.n == n && f.m == 1);
    double *x = xmalloc(n * sizeof *x), *g = xmalloc(n * sizeof *g);
    double *ge = xmalloc(n * sizeof *ge);
    uint64_t s = seed;
    fill_uniform(&s, x, n, -1.5, 1.5);
    ad_tape *t = ad_tape_new();
    double y;
    OK(record(t, f, x, &y));
    cr_expect(fabs(y - rosen_value(x, n)) <= 1e-13 * fabs(y), "f = %.17g", y);
    for (int pass = 0; pass < 2; pass++) {
        OK(ad_tape_gradient(t, pass == 0 ? NULL : x, g));
        for (size_t i = 0; i < n; i++)
            ge[i] = rosen_grad_exact(x, n, i);
        char msg[64];
        snprintf(msg, sizeof msg, "rosenbrock n = %zu pass %d", n, pass);
        check_vec(g, ge, n, 1e-14, msg);
        fill_uniform(&s, x, n, -1.5, 1.5); /* the replayed point */
    }
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.n == n && info.m == 1, "n %zu m %zu", info.n, info.m);
    ad_tape_free(t);
    free(x), free(g), free(ge);
}

Test(reverse, rosenbrock_n10)
{
    check_rosen(10, 101);
}

Test(reverse, rosenbrock_n1e5)
{
    check_rosen(100000, 102);
}

/* Speelpenning's product: gradient_i = prod_{j != i} x_j.  The reference
 * is computed in long double; the tape's adjoint of x_i is a product of 19
 * rounded factors, hence within about 20 ulps. */
Test(reverse, speelpenning_n20)
{
    enum { N = 20 };
    rosen_params p = {N};
    ad_fn f = speel_fn(&p);
    uint64_t s = 103;
    double x[N], g[N];
    for (int rep = 0; rep < 5; rep++) {
        fill_uniform(&s, x, N, 0.5, 1.5);
        if (rep == 4)
            x[7] = -x[7]; /* a sign, for good measure */
        ad_tape *t = ad_tape_new();
        double y;
        OK(record(t, f, x, &y));
        OK(ad_tape_gradient(t, NULL, g));
        long double prod = 1.0L;
        for (int i = 0; i < N; i++)
            prod *= x[i];
        cr_expect(fabs(y - (double)prod) <= 32 * DBL_EPSILON * fabs(y));
        for (int i = 0; i < N; i++) {
            long double q = 1.0L;
            for (int j = 0; j < N; j++)
                if (j != i)
                    q *= x[j];
            double want = (double)q;
            cr_expect(fabs(g[i] - want) <= 64 * DBL_EPSILON * fabs(want),
                      "rep %d: g[%d] = %.17g, want %.17g", rep, i, g[i], want);
        }
        ad_tape_free(t);
    }
}

static void mlp_data(mlp_params *p, uint64_t *s)
{
    p->ns = 4;
    for (int k = 0; k < p->ns; k++) {
        fill_uniform(s, p->X[k], 3, -1.0, 1.0);
        p->label[k] = k % 2;
    }
}

/* The 3-5-2 perceptron's loss gradient with respect to its 32 weights:
 * against the ad_dual instance (32 passes) to 1e-13, and against central
 * finite differences loosely (their truncation and rounding errors are
 * about 1e-10 here). */
Test(reverse, mlp_against_dual_and_finite_differences)
{
    uint64_t s = 104;
    mlp_params p;
    mlp_data(&p, &s);
    ad_fn f = mlp_fn(&p);
    cr_assert(f.n == 32 && f.m == 1);
    ad_tape *t = ad_tape_new();
    for (int rep = 0; rep < 3; rep++) {
        double w[32], g[32], gd[32], gf[32], y;
        fill_uniform(&s, w, 32, -1.0, 1.0);
        OK(record(t, f, w, &y));
        double yd;
        f.f_double(w, &yd, f.params);
        cr_expect(y == yd, "loss %.17g vs double %.17g", y, yd);
        OK(ad_tape_gradient(t, NULL, g));
        dual_jacobian(f, w, gd, NULL);
        char msg[64];
        snprintf(msg, sizeof msg, "mlp rep %d: reverse vs dual", rep);
        check_vec(g, gd, 32, 1e-13, msg);
        for (int i = 0; i < 32; i++) {
            double h = 1e-5, wp[32], wm[32], fp, fm;
            memcpy(wp, w, sizeof w);
            memcpy(wm, w, sizeof w);
            wp[i] += h;
            wm[i] -= h;
            f.f_double(wp, &fp, f.params);
            f.f_double(wm, &fm, f.params);
            gf[i] = (fp - fm) / (wp[i] - wm[i]);
        }
        snprintf(msg, sizeof msg, "mlp rep %d: reverse vs central FD", rep);
        check_vec(g, gf, 32, 1e-6, msg);
    }
    ad_tape_free(t);
}

/* ---- 2. every primitive against dual numbers ----------------------------- */

/* Up to `want` points of op (in the given variant) drawn by its sampler
 * where its value and the partials the variant uses are finite and at most
 * 1e8 in magnitude: inside the domain and away from its singularities and
 * overflow.  Returns how many it found. */
static int interior_points(int op, int variant, uint64_t *s, int want,
                           prim_case *out)
{
    const ad_op_info *d = ad_op_get(op);
    const ad__prim *pr = ad__prim_get(op);
    cr_assert(d != NULL && pr != NULL && pr->sample != NULL);
    int got = 0;
    for (int tries = 0; tries < 20000 && got < want; tries++) {
        double x[2] = {0.0, 0.0}, p[2] = {0.0, 0.0};
        long c = 0;
        pr->sample(s, x, &c);
        if (labs(c) > 40)
            continue;
        double y = d->value(x[0], x[1], (double)c);
        d->d1(x[0], x[1], (double)c, y, p);
        int ok = isfinite(y) && fabs(y) <= 1e8 && fabs(x[0]) <= 1e8 &&
                 fabs(x[1]) <= 1e8;
        if (d->arity == 1 || variant != V_CX)
            ok = ok && isfinite(p[0]) && fabs(p[0]) <= 1e8;
        if (d->arity == 2 && variant != V_XC)
            ok = ok && isfinite(p[1]) && fabs(p[1]) <= 1e8;
        if (!ok)
            continue;
        prim_case pc = {op, variant, x[0], x[1], (int)c};
        out[got++] = pc;
    }
    return got;
}

static const char *variant_name(int arity, int variant)
{
    if (arity == 1)
        return "unary";
    return variant == V_AA   ? "active/active"
           : variant == V_XC ? "active/double"
                             : "double/active";
}

/* For every primitive of the table and every way of passing its arguments,
 * at several points inside its domain: the tape of prim (the primitive
 * chained into a second output) gives the ad_dual instance's values,
 * gradient, jvp, vjp and Jacobian, at the recorded point and replayed. */
Test(reverse, every_primitive_against_dual)
{
    enum { NPTS = 5 };
    ad_tape *t = ad_tape_new();
    int cases = 0;
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        int nvar = d->arity == 2 ? 3 : 1;
        for (int variant = 0; variant < nvar; variant++) {
            uint64_t s = 1000u + 7u * (unsigned)op + (unsigned)variant;
            prim_case pc[NPTS];
            int np = interior_points(op, variant, &s, NPTS, pc);
            cr_expect(np == NPTS, "%s %s: only %d interior points", d->name,
                      variant_name(d->arity, variant), np);
            for (int k = 0; k < np; k++) {
                ad_fn f = prim_fn(&pc[k]);
                const double one[2] = {1.0, 1.0};
                char what[128];
                snprintf(what, sizeof what, "%s %s at (%.17g, %.17g; %d)",
                         d->name, variant_name(d->arity, variant), pc[k].a,
                         pc[k].b, pc[k].k);
                double y[2];
                OK(record(t, f, one, y));
                /* The recorded value is the rule's value at the point. */
                double want = d->value(pc[k].a, pc[k].b, (double)pc[k].k);
                cr_expect(same(y[0], want), "%s: recorded %.17g, want %.17g",
                          what, y[0], want);
                uint64_t rs = s;
                check_sweeps_against_dual(t, f, NULL, one, &rs, 1e-13, what);
                /* Replayed at the same point: the same numbers exactly. */
                double g0[2], g1[2];
                OK(ad_tape_gradient(t, NULL, g0));
                OK(ad_tape_gradient(t, one, g1));
                check_same(g1, g0, 2, what);
                rs = s;
                check_sweeps_against_dual(t, f, one, one, &rs, 1e-13, what);
                cases++;
            }
        }
    }
    cr_log_info("every_primitive_against_dual: %d cases", cases);
    ad_tape_free(t);
}

/* All primitives and variants on one tape (one output each, m > n, so the
 * Jacobian takes its forward branch), at the recorded point and replayed,
 * and the one tape against the per-primitive results. */
Test(reverse, all_primitives_on_one_tape)
{
    prim_case pc[3 * AD_OP_COUNT];
    size_t m = 0;
    for (int rep = 0; rep < 3; rep++) {
        m = 0;
        for (int op = 0; op < AD_OP_COUNT; op++) {
            const ad_op_info *d = ad_op_get(op);
            for (int variant = 0; variant < (d->arity == 2 ? 3 : 1);
                 variant++) {
                uint64_t s = 5000u + 131u * (unsigned)rep + 7u * (unsigned)op +
                             (unsigned)variant;
                cr_assert(interior_points(op, variant, &s, 1, &pc[m]) == 1);
                m++;
            }
        }
        allops_params p = {m, pc};
        ad_fn f = allops_fn(&p);
        ad_tape *t = ad_tape_new();
        const double one[2] = {1.0, 1.0};
        OK(record(t, f, one, NULL));
        uint64_t rs = 77u + (unsigned)rep;
        char what[64];
        snprintf(what, sizeof what, "all primitives, set %d", rep);
        check_sweeps_against_dual(t, f, NULL, one, &rs, 1e-13, what);
        check_sweeps_against_dual(t, f, one, one, &rs, 1e-13, what);
        ad_tape_info info;
        ad_tape_stats(t, &info);
        cr_expect(info.m == m && info.n == 2);
        ad_tape_free(t);
    }
    cr_log_info("all_primitives_on_one_tape: %zu outputs", m);
}

/* ad_tape_jacobian against the Jacobian of ad_dual columns: R^3 -> R^4 and
 * R^11 -> R^20 (n <= m: vector forward sweeps; 20 columns are more than one
 * batch), R^6 -> R^2 and R^20 -> R^11 (n > m: vector reverse sweeps), at
 * the recorded point and replayed at new points. */
Test(reverse, jacobian_both_branches)
{
    static const mix_params shapes[] = {{3, 4}, {6, 2}, {11, 20}, {20, 11},
                                        {1, 1}, {9, 9}, {2, 17},  {17, 2}};
    uint64_t s = 106;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const mix_params *p = &shapes[k];
        ad_fn f = mix_fn(p);
        double x[20];
        fill_uniform(&s, x, p->n, 0.5, 1.5);
        ad_tape *t = ad_tape_new();
        OK(record(t, f, x, NULL));
        char what[64];
        snprintf(what, sizeof what, "mix R^%zu -> R^%zu", p->n, p->m);
        check_sweeps_against_dual(t, f, NULL, x, &s, 1e-13, what);
        for (int rep = 0; rep < 3; rep++) {
            double x2[20];
            fill_uniform(&s, x2, p->n, 0.5, 1.5);
            check_sweeps_against_dual(t, f, x2, x2, &s, 1e-13, what);
        }
        ad_tape_free(t);
    }
}

/* k = 1, 3, 9 lanes in one sweep (jvp_multi, vjp_multi) against k
 * one-lane sweeps: the same operations per lane, so the same numbers. */
static void check_lanes(ad_tape *t, size_t n, size_t m, const double *x,
                        uint64_t *s, const char *what)
{
    static const size_t ks[] = {1, 3, 9};
    for (size_t q = 0; q < 3; q++) {
        size_t k = ks[q];
        double *V = xmalloc(n * k * sizeof *V),
               *JV = xmalloc(m * k * sizeof *JV);
        double *W = xmalloc(k * m * sizeof *W),
               *WJ = xmalloc(k * n * sizeof *WJ);
        double *v = xmalloc(n * sizeof *v), *jv = xmalloc(m * sizeof *jv);
        double *w = xmalloc(m * sizeof *w), *wj = xmalloc(n * sizeof *wj);
        double *y = xmalloc(m * sizeof *y), *ye = xmalloc(m * sizeof *ye);
        char msg[128];
        fill_uniform(s, V, n * k, -1.0, 1.0);
        fill_uniform(s, W, k * m, -1.0, 1.0);
        OK(ad_tape_eval(t, x, ye));
        OK(ad_tape_jvp_multi(t, x, k, V, y, JV));
        snprintf(msg, sizeof msg, "%s: jvp_multi k = %zu value", what, k);
        check_same(y, ye, m, msg);
        for (size_t l = 0; l < k; l++) {
            for (size_t i = 0; i < n; i++)
                v[i] = V[i * k + l];
            OK(ad_tape_jvp(t, x, v, NULL, jv));
            for (size_t j = 0; j < m; j++)
                if (!same(JV[j * k + l], jv[j])) {
                    cr_expect(0,
                              "%s: jvp_multi k = %zu lane %zu row %zu: "
                              "%.17g vs one lane %.17g",
                              what, k, l, j, JV[j * k + l], jv[j]);
                    break;
                }
        }
        OK(ad_tape_vjp_multi(t, x, k, W, y, WJ));
        snprintf(msg, sizeof msg, "%s: vjp_multi k = %zu value", what, k);
        check_same(y, ye, m, msg);
        for (size_t l = 0; l < k; l++) {
            memcpy(w, W + l * m, m * sizeof *w);
            OK(ad_tape_vjp(t, x, w, NULL, wj));
            snprintf(msg, sizeof msg, "%s: vjp_multi k = %zu lane %zu", what, k,
                     l);
            check_same(WJ + l * n, wj, n, msg);
        }
        free(V), free(JV), free(W), free(WJ), free(v), free(jv), free(w);
        free(wj), free(y), free(ye);
    }
}

Test(reverse, multi_lanes_equal_single_lanes)
{
    static const mix_params shapes[] = {{3, 4}, {6, 2}, {11, 20}};
    uint64_t s = 107;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const mix_params *p = &shapes[k];
        ad_fn f = mix_fn(p);
        double x[20], x2[20];
        fill_uniform(&s, x, p->n, 0.5, 1.5);
        fill_uniform(&s, x2, p->n, 0.5, 1.5);
        ad_tape *t = ad_tape_new();
        OK(record(t, f, x, NULL));
        char what[64];
        snprintf(what, sizeof what, "mix R^%zu -> R^%zu", p->n, p->m);
        check_lanes(t, p->n, p->m, NULL, &s, what);
        check_lanes(t, p->n, p->m, x2, &s, what);
        ad_tape_free(t);
    }
    /* Every primitive and variant. */
    prim_case pc[3 * AD_OP_COUNT];
    size_t m = 0;
    for (int op = 0; op < AD_OP_COUNT; op++)
        for (int variant = 0; variant < (ad_op_get(op)->arity == 2 ? 3 : 1);
             variant++) {
            uint64_t ps = 9000u + 7u * (unsigned)op + (unsigned)variant;
            cr_assert(interior_points(op, variant, &ps, 1, &pc[m]) == 1);
            m++;
        }
    allops_params p = {m, pc};
    ad_tape *t = ad_tape_new();
    const double one[2] = {1.0, 1.0};
    OK(record(t, allops_fn(&p), one, NULL));
    check_lanes(t, 2, m, NULL, &s, "all primitives");
    check_lanes(t, 2, m, one, &s, "all primitives");
    ad_tape_free(t);
}

/* ---- 3. the dot-product test on random programs -------------------------- */

/* A random program: n inputs, then nodes each applying a primitive of the
 * table (any arity and variant) or a select to earlier nodes, some preceded
 * by a recorded comparison; m outputs among the nodes (or constants).  The
 * generator evaluates every node with the table's own rules
 * (ad_op_get(op)->value, ->d1) and keeps a node only where its value is
 * finite and moderate and its partials finite and at most RP_PMAX: that
 * keeps every program inside the primitives' domains without naming one.
 * It also propagates the tangent of a direction v and a bound on its
 * rounding errors (the same sums over absolute values). */
#define RP_MAX  72
#define RP_MOUT 5
#define RP_PMAX 8.0

enum { RP_SELECT = -1 };

typedef struct rp_node {
    int op;          /* an ad_op, or RP_SELECT */
    int variant;     /* V_AA, V_XC or V_CX (select: which branch is const) */
    int a, b, c;     /* argument nodes (select: condition c) */
    double cst;      /* the constant argument */
    int k;           /* powi's exponent */
    int cmp;         /* -1, or a comparison recorded before the node: 0..4 */
    int cmp_variant; /* how the comparison takes its arguments */
    double p[2];     /* the partials the node uses */
} rp_node;

typedef struct rp_prog {
    int n, nn, m;
    rp_node node[RP_MAX];
    double val[RP_MAX];
    int out[RP_MOUT]; /* a node, or -1 for a constant output */
} rp_prog;

/* An earlier node: recent ones more often, so that programs are deep. */
static int rp_pick(uint64_t *s, int i)
{
    if (ad__rand_next(s) & 1u) {
        int lo = i > 4 ? i - 4 : 0;
        return lo + (int)(ad__rand_next(s) % (uint64_t)(i - lo));
    }
    return (int)(ad__rand_next(s) % (uint64_t)i);
}

static void rp_generate(rp_prog *P, uint64_t *s)
{
    P->n = 1 + (int)(ad__rand_next(s) % 6);
    P->nn = P->n + 4 + (int)(ad__rand_next(s) % (RP_MAX - P->n - 4));
    P->m = 1 + (int)(ad__rand_next(s) % RP_MOUT);
    for (int i = 0; i < P->n; i++)
        P->val[i] = uniform(s, -2.0, 2.0);
    for (int i = P->n; i < P->nn; i++) {
        rp_node *N = &P->node[i];
        int done = 0;
        for (int tries = 0; tries < 100 && !done; tries++) {
            memset(N, 0, sizeof *N);
            N->a = rp_pick(s, i);
            N->b = rp_pick(s, i);
            N->c = rp_pick(s, i);
            N->cst = uniform(s, -2.0, 2.0);
            N->cmp =
                ad__rand_next(s) % 6 == 0 ? (int)(ad__rand_next(s) % 5) : -1;
            N->cmp_variant = (int)(ad__rand_next(s) % 3);
            if (ad__rand_next(s) % 10 == 0) {
                N->op = RP_SELECT;
                N->variant = (int)(ad__rand_next(s) % 3);
                int take_a = P->val[N->c] > 0.0;
                if ((take_a && N->variant == V_CX) ||
                    (!take_a && N->variant == V_XC)) {
                    P->val[i] = N->cst;
                    N->p[0] = 0.0;
                } else {
                    P->val[i] = P->val[take_a ? N->a : N->b];
                    N->p[0] = 1.0;
                }
                done = 1;
                break;
            }
            N->op = (int)(ad__rand_next(s) % AD_OP_COUNT);
            const ad_op_info *d = ad_op_get(N->op);
            N->variant = d->arity == 2 ? (int)(ad__rand_next(s) % 3) : V_AA;
            N->k = (int)ad__rand_int(s, -3, 4);
            double av = N->variant == V_CX ? N->cst : P->val[N->a];
            double bv = N->variant == V_XC ? N->cst : P->val[N->b];
            if (d->arity == 1)
                bv = 0.0;
            double y = d->value(av, bv, (double)N->k), p[2] = {0.0, 0.0};
            d->d1(av, bv, (double)N->k, y, p);
            if (d->arity == 1 || N->variant == V_XC)
                p[1] = 0.0;
            if (d->arity == 2 && N->variant == V_CX)
                p[0] = 0.0;
            if (!(isfinite(y) && fabs(y) <= 1e3 && fabs(p[0]) <= RP_PMAX &&
                  fabs(p[1]) <= RP_PMAX))
                continue;
            P->val[i] = y;
            N->p[0] = p[0];
            N->p[1] = p[1];
            done = 1;
        }
        if (!done) { /* a plain sum, always defined */
            memset(N, 0, sizeof *N);
            N->op = AD_OP_ADD;
            N->a = i - 1;
            N->b = rp_pick(s, i);
            N->cmp = -1;
            N->p[0] = N->p[1] = 1.0;
            P->val[i] = P->val[N->a] + P->val[N->b];
        }
    }
    for (int j = 0; j < P->m; j++) {
        uint64_t r = ad__rand_next(s) % 10;
        P->out[j] = r == 0   ? -1
                    : r == 1 ? (int)(ad__rand_next(s) % (uint64_t)P->n)
                             : rp_pick(s, P->nn);
    }
}

/* The tangent t (and its error bound b) of every node along v. */
static void rp_tangent(const rp_prog *P, const double *v, double *t, double *b)
{
    for (int i = 0; i < P->n; i++) {
        t[i] = v[i];
        b[i] = fabs(v[i]);
    }
    for (int i = P->n; i < P->nn; i++) {
        const rp_node *N = &P->node[i];
        if (N->op == RP_SELECT) {
            int src = P->val[N->c] > 0.0 ? N->a : N->b;
            t[i] = N->p[0] != 0.0 ? t[src] : 0.0;
            b[i] = N->p[0] != 0.0 ? b[src] : 0.0;
            continue;
        }
        t[i] = N->p[0] * t[N->a] + N->p[1] * t[N->b];
        b[i] = fabs(N->p[0]) * b[N->a] + fabs(N->p[1]) * b[N->b];
    }
}

/* Records the program; returns ad_tape_end's status.  Every recorded value
 * must be the generator's (the same rules on the same arguments). */
static int rp_record(ad_tape *t, const rp_prog *P, int *value_mismatch)
{
    ad_var x[RP_MAX];
    *value_mismatch = -1;
    OK(ad_tape_begin(t));
    for (int i = 0; i < P->n; i++)
        x[i] = ad_independent(P->val[i]);
    for (int i = P->n; i < P->nn; i++) {
        const rp_node *N = &P->node[i];
        if (N->cmp >= 0) {
            ad_var u = x[N->a], w = x[N->b];
            double c = N->cst;
            int o = 0;
#define RP_CMP(fn)                                                             \
    o = N->cmp_variant == V_XC   ? fn(u, c)                                    \
        : N->cmp_variant == V_CX ? fn(c, w)                                    \
                                 : fn(u, w)
            switch (N->cmp) {
            case 0:
                RP_CMP(ad_lt);
                break;
            case 1:
                RP_CMP(ad_le);
                break;
            case 2:
                RP_CMP(ad_gt);
                break;
            case 3:
                RP_CMP(ad_ge);
                break;
            default:
                RP_CMP(ad_eq);
                break;
            }
#undef RP_CMP
            (void)o;
        }
        if (N->op == RP_SELECT) {
            ad_var c = x[N->c];
            if (N->variant == V_XC)
                x[i] = ad_select(c, x[N->a], N->cst);
            else if (N->variant == V_CX)
                x[i] = ad_select(c, N->cst, x[N->b]);
            else
                x[i] = ad_select(c, x[N->a], x[N->b]);
        } else {
            x[i] = apply_var(N->op, N->variant, x[N->a], x[N->b], N->cst,
                             N->cst, N->k);
        }
        if (!same(ad_value(x[i]), P->val[i]) && *value_mismatch < 0)
            *value_mismatch = i;
    }
    for (int j = 0; j < P->m; j++)
        ad_dependent(P->out[j] >= 0 ? x[P->out[j]] : ad_const(ad_var, 1.5));
    return ad_tape_end(t);
}

/* For 300 random programs: J v from the tape equals the generator's own
 * tangent, and <w, J v> = <w^T J, v> (jvp against vjp), both to 1e-12
 * relative to the error bound sum |w_j| (|J| |v|)_j; the Jacobian's columns
 * (forward branch) or rows (reverse branch) are those of one-lane sweeps;
 * three lanes at once are three one-lane sweeps; and a replay at the
 * recorded point changes nothing. */
Test(reverse, dot_product_test_random_programs)
{
    enum { NPROG = 300 };
    ad_tape *t = ad_tape_new();
    rp_prog *P = xmalloc(sizeof *P);
    uint64_t s = 108;
    int nodes = 0, bad = 0;
    /* How often each primitive and variant, select variant and comparison
     * occurs: every one must, for the test to cover the table. */
    int seen[AD_OP_COUNT][3] = {{0}}, sel_seen[3] = {0}, cmp_seen[5][3] = {{0}};
    for (int prog = 0; prog < NPROG && bad < 5; prog++) {
        rp_generate(P, &s);
        nodes += P->nn;
        for (int i = P->n; i < P->nn; i++) {
            const rp_node *N = &P->node[i];
            if (N->op == RP_SELECT)
                sel_seen[N->variant]++;
            else
                seen[N->op][N->variant]++;
            if (N->cmp >= 0)
                cmp_seen[N->cmp][N->cmp_variant]++;
        }
        int n = P->n, m = P->m, mism;
        OK(rp_record(t, P, &mism));
        cr_expect(mism < 0, "program %d: node %d recorded %s", prog, mism,
                  mism >= 0 && P->node[mism].op >= 0
                      ? ad_op_get(P->node[mism].op)->name
                      : "select");
        double v[6], w[RP_MOUT], jv[RP_MOUT], wj[6], y[RP_MOUT];
        double tg[RP_MAX], bd[RP_MAX];
        fill_uniform(&s, v, (size_t)n, -1.0, 1.0);
        fill_uniform(&s, w, (size_t)m, -1.0, 1.0);
        rp_tangent(P, v, tg, bd);
        OK(ad_tape_jvp(t, NULL, v, y, jv));
        OK(ad_tape_vjp(t, NULL, w, NULL, wj));
        double lhs = 0.0, rhs = 0.0, bound = 0.0;
        for (int j = 0; j < m; j++) {
            int o = P->out[j];
            double want = o >= 0 ? tg[o] : 0.0, bj = o >= 0 ? bd[o] : 0.0;
            double yv = o >= 0 ? P->val[o] : 1.5;
            if (!(fabs(jv[j] - want) <= 1e-12 * bj) || !same(y[j], yv)) {
                cr_expect(0,
                          "program %d output %d: Jv %.17g, want %.17g "
                          "(bound %.3g); y %.17g, want %.17g",
                          prog, j, jv[j], want, bj, y[j], yv);
                bad++;
            }
            lhs += w[j] * jv[j];
            bound += fabs(w[j]) * bj;
        }
        for (int i = 0; i < n; i++)
            rhs += wj[i] * v[i];
        if (!(fabs(lhs - rhs) <= 1e-12 * bound)) {
            cr_expect(0,
                      "program %d (n %d, %d nodes, m %d): <w, Jv> = %.17g,"
                      " <wJ, v> = %.17g, bound %.3g",
                      prog, n, P->nn, m, lhs, rhs, bound);
            bad++;
        }

        /* A replay at the recorded point: the same numbers. */
        double x0[6], jv2[RP_MOUT], wj2[6];
        memcpy(x0, P->val, (size_t)n * sizeof *x0);
        OK(ad_tape_jvp(t, x0, v, NULL, jv2));
        OK(ad_tape_vjp(t, x0, w, NULL, wj2));
        char msg[64];
        snprintf(msg, sizeof msg, "program %d: replayed jvp", prog);
        bad += !check_same(jv2, jv, (size_t)m, msg);
        snprintf(msg, sizeof msg, "program %d: replayed vjp", prog);
        bad += !check_same(wj2, wj, (size_t)n, msg);

        /* The Jacobian against one-lane sweeps with unit seeds. */
        double J[6 * RP_MOUT], e[6 > RP_MOUT ? 6 : RP_MOUT], r[6];
        OK(ad_tape_jacobian(t, NULL, J));
        if (n <= m) {
            for (int c = 0; c < n; c++) {
                for (int i = 0; i < n; i++)
                    e[i] = i == c;
                OK(ad_tape_jvp(t, NULL, e, NULL, jv2));
                for (int j = 0; j < m; j++)
                    if (!same(J[j * n + c], jv2[j])) {
                        cr_expect(0, "program %d: J[%d][%d] = %.17g, jvp %.17g",
                                  prog, j, c, J[j * n + c], jv2[j]);
                        bad++;
                    }
            }
        } else {
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < m; i++)
                    e[i] = i == j;
                OK(ad_tape_vjp(t, NULL, e, NULL, r));
                snprintf(msg, sizeof msg, "program %d: jacobian row %d", prog,
                         j);
                bad += !check_same(J + j * n, r, (size_t)n, msg);
            }
        }

        /* Three lanes at once. */
        double V[6 * 3], JV[RP_MOUT * 3], W[3 * RP_MOUT], WJ[3 * 6];
        fill_uniform(&s, V, (size_t)n * 3, -1.0, 1.0);
        fill_uniform(&s, W, (size_t)m * 3, -1.0, 1.0);
        OK(ad_tape_jvp_multi(t, NULL, 3, V, NULL, JV));
        OK(ad_tape_vjp_multi(t, NULL, 3, W, NULL, WJ));
        for (int l = 0; l < 3; l++) {
            for (int i = 0; i < n; i++)
                e[i] = V[i * 3 + l];
            OK(ad_tape_jvp(t, NULL, e, NULL, jv2));
            for (int j = 0; j < m; j++)
                if (!same(JV[j * 3 + l], jv2[j])) {
                    cr_expect(0,
                              "program %d: jvp_multi lane %d row %d: "
                              "%.17g vs %.17g",
                              prog, l, j, JV[j * 3 + l], jv2[j]);
                    bad++;
                }
            OK(ad_tape_vjp(t, NULL, W + l * m, NULL, r));
            snprintf(msg, sizeof msg, "program %d: vjp_multi lane %d", prog, l);
            bad += !check_same(WJ + l * n, r, (size_t)n, msg);
        }
    }
    cr_log_info("dot_product_test: %d programs, %d nodes", NPROG, nodes);
    for (int op = 0; op < AD_OP_COUNT; op++)
        for (int v = 0; v < (ad_op_get(op)->arity == 2 ? 3 : 1); v++)
            cr_expect(seen[op][v] > 0, "no %s %s node in the programs",
                      ad_op_get(op)->name,
                      variant_name(ad_op_get(op)->arity, v));
    for (int v = 0; v < 3; v++) {
        cr_expect(sel_seen[v] > 0, "no select of variant %d", v);
        for (int c = 0; c < 5; c++)
            cr_expect(cmp_seen[c][v] > 0, "no comparison %d of variant %d", c,
                      v);
    }
    free(P);
    ad_tape_free(t);
}

/* ---- 4. replay against retrace ------------------------------------------- */

/* At 100 random points: ad_tape_eval and ad_tape_gradient of a tape
 * recorded elsewhere, replayed at x, against a fresh recording at x (the
 * same rules in the same order: the same values bitwise, and gradients to
 * 1e-15), for the smooth map R^4 -> R^3 and for the perceptron. */
Test(reverse, replay_equals_retrace)
{
    uint64_t s = 109;
    mix_params mp = {4, 3};
    mlp_params lp;
    mlp_data(&lp, &s);
    ad_fn fs[2] = {mix_fn(&mp), mlp_fn(&lp)};
    for (int which = 0; which < 2; which++) {
        ad_fn f = fs[which];
        size_t n = f.n, m = f.m;
        double lo = which == 0 ? 0.5 : -1.0, hi = which == 0 ? 1.5 : 1.0;
        double *x = xmalloc(n * sizeof *x), *y = xmalloc(m * sizeof *y);
        double *yr = xmalloc(m * sizeof *yr), *ye = xmalloc(m * sizeof *ye);
        double *g = xmalloc(n * sizeof *g), *gr = xmalloc(n * sizeof *gr);
        fill_uniform(&s, x, n, lo, hi);
        ad_tape *t = ad_tape_new(), *fresh = ad_tape_new();
        OK(record(t, f, x, y));
        int bad = 0;
        for (int k = 0; k < 100 && bad < 5; k++) {
            fill_uniform(&s, x, n, lo, hi);
            OK(record(fresh, f, x, yr));
            OK(ad_tape_eval(t, x, y));
            OK(ad_tape_eval(fresh, NULL, ye));
            char msg[80];
            snprintf(msg, sizeof msg, "%s point %d: replayed value", f.name, k);
            bad += !check_same(y, yr, m, msg);
            bad += !check_same(ye, yr, m, msg);
            OK(ad_tape_gradient(t, x, g));
            OK(ad_tape_gradient(fresh, NULL, gr));
            snprintf(msg, sizeof msg, "%s point %d: replayed gradient", f.name,
                     k);
            bad += !check_vec(g, gr, n, 1e-15, msg);
        }
        ad_tape_free(t);
        ad_tape_free(fresh);
        free(x), free(y), free(yr), free(ye), free(g), free(gr);
    }
}

/* ---- 5. recorded comparisons that flip ----------------------------------- */

/* The base point of branchy and, per comparison k, a point where k alone
 * comes out otherwise (see test_reverse.inc). */
static const double br_base[5] = {0.2, 0.1, 0.5, 0.3, 1.0};
static const struct {
    int coord;
    double value;
} br_flip[5] = {{0, 0.6}, {1, 0.3}, {2, 1.5}, {3, 0.9}, {4, 1.01}};

/* Every sweep at x must return AD_ERETAPE and name comparison k. */
static void expect_retape(ad_tape *t, const double *x, long k, const char *what)
{
    double y[2], g[5], v[5] = {1, 2, 3, 4, 5}, w[2] = {1, -1}, J[10], jv[2];
    double V[15], W[6], JV[6], WJ[15];
    for (int i = 0; i < 15; i++)
        V[i] = WJ[i] = 0.25 * i;
    for (int i = 0; i < 6; i++)
        W[i] = JV[i] = 1.0 - i;
#define AD_T_RETAPE(call)                                                      \
    do {                                                                       \
        int rc_ = (call);                                                      \
        long f_ = ad_tape_last_flip();                                         \
        cr_expect(rc_ == AD_ERETAPE && f_ == k,                                \
                  "%s: %s returned %s, last flip %ld (want AD_ERETAPE, %ld)",  \
                  what, #call, ad_strerror(rc_), f_, k);                       \
    } while (0)
    AD_T_RETAPE(ad_tape_eval(t, x, y));
    AD_T_RETAPE(ad_tape_gradient(t, x, g));
    AD_T_RETAPE(ad_tape_jvp(t, x, v, y, jv));
    AD_T_RETAPE(ad_tape_vjp(t, x, w, y, g));
    AD_T_RETAPE(ad_tape_jvp_multi(t, x, 3, V, y, JV));
    AD_T_RETAPE(ad_tape_vjp_multi(t, x, 3, W, NULL, WJ));
    AD_T_RETAPE(ad_tape_jacobian(t, x, J));
#undef AD_T_RETAPE
}

/* branchy records five comparisons (lt, le, gt, ge, eq; with active and
 * double arguments on either side, on inputs and on computed values).  At
 * a point where comparison k alone flips, every sweep returns AD_ERETAPE
 * and ad_tape_last_flip() is k; where two flip, the first; where none
 * does, every sweep succeeds with the values and derivatives of the ad_dual
 * instance there; and recording again at a flipped point works. */
Test(reverse, comparison_flips)
{
    ad_fn f = branchy_fn(NULL);
    ad_tape *t = ad_tape_new();
    OK(record(t, f, br_base, NULL));
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.comparisons == 5, "comparisons %zu", info.comparisons);
    uint64_t s = 110;
    check_sweeps_against_dual(t, f, NULL, br_base, &s, 1e-13, "branchy");

    for (int round = 0; round < 2; round++)
        for (long k = round == 0 ? 0 : 4; round == 0 ? k < 5 : k >= 0;
             k += round == 0 ? 1 : -1) {
            double x[5];
            memcpy(x, br_base, sizeof x);
            x[br_flip[k].coord] = br_flip[k].value;
            char what[64];
            snprintf(what, sizeof what, "comparison %ld flipped", k);
            expect_retape(t, x, k, what);
        }

    /* Two flips: the first recorded one is named. */
    double x2[5];
    memcpy(x2, br_base, sizeof x2);
    x2[1] = br_flip[1].value;
    x2[3] = br_flip[3].value;
    expect_retape(t, x2, 1, "comparisons 1 and 3 flipped");
    memcpy(x2, br_base, sizeof x2);
    x2[0] = br_flip[0].value;
    x2[4] = br_flip[4].value;
    expect_retape(t, x2, 0, "comparisons 0 and 4 flipped");

    /* No flip: right values and derivatives, at 20 points on the recorded
     * side of every comparison. */
    for (int k = 0; k < 20; k++) {
        double x[5] = {uniform(&s, 0.15, 0.45), uniform(&s, 0.0, 0.1),
                       uniform(&s, -0.9, 0.9), uniform(&s, 0.0, 0.5), 1.0};
        char what[64];
        snprintf(what, sizeof what, "branchy, no flip, point %d", k);
        check_sweeps_against_dual(t, f, x, x, &s, 1e-13, what);
        double yd[2], y[2];
        f.f_double(x, yd, NULL);
        OK(ad_tape_eval(t, x, y));
        check_same(y, yd, 2, what);
    }
    /* At the recorded point (x = NULL) nothing is replayed: no flip. */
    double y[2];
    OK(ad_tape_eval(t, NULL, y));

    /* Recorded again at each flipped point, the tape is right there. */
    for (int k = 0; k < 5; k++) {
        double x[5];
        memcpy(x, br_base, sizeof x);
        x[br_flip[k].coord] = br_flip[k].value;
        OK(record(t, f, x, NULL));
        char what[64];
        snprintf(what, sizeof what, "branchy recorded at flip %d", k);
        check_sweeps_against_dual(t, f, NULL, x, &s, 1e-13, what);
        /* ... and now the base point is the one that flips k. */
        expect_retape(t, br_base, k, "back at the base point");
    }
    ad_tape_free(t);
}

/* ---- 6. ad_select on both sides ------------------------------------------ */

/* A few roundings in the tape and in the reference formulas. */
#define SEL_TOL 4e-15

/* Runs every sweep of a select tape at x and checks the values against y
 * and the m x n Jacobian against J (a NaN anywhere is an error). */
static void check_select_point(ad_tape *t, const double *x, size_t n, size_t m,
                               const double *y, const double *J,
                               const char *what)
{
    double yt[2], g[3], jv[2], wj[3], Jt[6], e[3], V[9], JV[6], W[6], WJ[9];
    char msg[160];
    snprintf(msg, sizeof msg, "%s: eval", what);
    OK(ad_tape_eval(t, x, yt));
    check_vec(yt, y, m, SEL_TOL, msg);
    snprintf(msg, sizeof msg, "%s: gradient", what);
    OK(ad_tape_gradient(t, x, g));
    check_vec(g, J, n, SEL_TOL, msg);
    for (size_t c = 0; c < n; c++) {
        for (size_t i = 0; i < n; i++)
            e[i] = i == c;
        OK(ad_tape_jvp(t, x, e, yt, jv));
        for (size_t j = 0; j < m; j++)
            cr_expect(fabs(jv[j] - J[j * n + c]) <=
                          SEL_TOL * fabs(J[j * n + c]),
                      "%s: jvp column %zu row %zu: %.17g, want %.17g", what, c,
                      j, jv[j], J[j * n + c]);
    }
    for (size_t r = 0; r < m; r++) {
        for (size_t j = 0; j < m; j++)
            e[j] = j == r;
        OK(ad_tape_vjp(t, x, e, yt, wj));
        snprintf(msg, sizeof msg, "%s: vjp row %zu", what, r);
        check_vec(wj, J + r * n, n, SEL_TOL, msg);
    }
    /* Three lanes: V = columns e_0, e_1, e_2 (cyclic); W = rows e_0, e_1
     * (cyclic) and their sum. */
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; l < 3; l++)
            V[i * 3 + l] = i == l % n;
    OK(ad_tape_jvp_multi(t, x, 3, V, yt, JV));
    for (size_t j = 0; j < m; j++)
        for (size_t l = 0; l < 3; l++) {
            double want = J[j * n + l % n];
            cr_expect(fabs(JV[j * 3 + l] - want) <= SEL_TOL * fabs(want),
                      "%s: jvp_multi row %zu lane %zu: %.17g, want %.17g", what,
                      j, l, JV[j * 3 + l], want);
        }
    for (size_t l = 0; l < 3; l++)
        for (size_t j = 0; j < m; j++)
            W[l * m + j] = l == 2 ? 1.0 : (double)(j == l % m);
    OK(ad_tape_vjp_multi(t, x, 3, W, yt, WJ));
    for (size_t l = 0; l < 3; l++) {
        double want[3];
        mat_tvec(J, m, n, W + l * m, want);
        snprintf(msg, sizeof msg, "%s: vjp_multi lane %zu", what, l);
        check_vec(WJ + l * n, want, n, SEL_TOL, msg);
    }
    OK(ad_tape_jacobian(t, x, Jt));
    for (size_t r = 0; r < m; r++) {
        snprintf(msg, sizeof msg, "%s: jacobian (%s branch) row %zu", what,
                 n <= m ? "forward" : "reverse", r);
        check_vec(Jt + r * n, J + r * n, n, SEL_TOL, msg);
    }
}

/* y = sqrt(x - 1) if x > 1 else 0, recorded on one side and replayed on
 * both, and on the edge x = 1 (where sqrt's derivative is infinite) and in
 * the region where sqrt is NaN: the right value and derivative, without
 * AD_ERETAPE.  Then recorded where the branch taken is the constant (its
 * value NaN on the tape) and swept there and elsewhere. */
Test(reverse, select_replays_both_sides)
{
    static const double pts[] = {5.0, 2.0, 1.0 + 0x1p-20, 1.0,
                                 0.5, 0.0, -3.0,          1.25};
    static const double rec[] = {2.0, 0.5, 1.0};
    ad_fn f = sel1_fn(NULL);
    for (size_t r = 0; r < sizeof rec / sizeof rec[0]; r++) {
        ad_tape *t = ad_tape_new();
        OK(record(t, f, &rec[r], NULL));
        for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
            double x = pts[k], y = 0.0, d = 0.0;
            if (x > 1.0) {
                y = sqrt(x - 1.0);
                d = 0.5 / y;
            }
            char what[80];
            snprintf(what, sizeof what, "sel1 recorded at %g, at x = %.17g",
                     rec[r], x);
            check_select_point(t, &x, 1, 1, &y, &d, what);
            if (x == rec[r])
                check_select_point(t, NULL, 1, 1, &y, &d, what);
        }
        ad_tape_free(t);
    }
}

/* The expected values and Jacobian of sel2 (test_reverse.inc). */
static void sel2_exact(const double *x, double *y, double *J)
{
    memset(J, 0, 6 * sizeof *J);
    if (x[0] > 1.0) {
        double s = sqrt(x[0] - 1.0), e = exp(s);
        y[0] = e * x[1];
        J[0] = e * x[1] * 0.5 / s;
        J[1] = e;
    } else {
        y[0] = 2.0 * x[1];
        J[1] = 2.0;
    }
    if (x[0] > 0.0) {
        y[1] = log(x[0]) * x[1];
        J[3] = x[1] / x[0];
        J[4] = log(x[0]);
    } else {
        y[1] = x[1] * x[2];
        J[4] = x[2];
        J[5] = x[1];
    }
}

/* Selects whose untaken branches carry NaN (sqrt or log of a negative) or
 * infinity (log 0) through exp and mul, whose partials are then NaN or
 * infinite: nothing of it may reach a derivative, in any sweep -- one lane
 * or several, forward or reverse, and in both branches of the Jacobian
 * (n = 3 > m = 2 takes the reverse one, with two lanes). */
Test(reverse, select_untaken_nan_branch)
{
    static const double x0s[] = {2.5, 5.0, 1.0, 0.5, 0.0, -1.0, 1.5};
    static const double rec[] = {2.5, 0.5, -1.0};
    ad_fn f = sel2_fn(NULL);
    for (size_t r = 0; r < sizeof rec / sizeof rec[0]; r++) {
        ad_tape *t = ad_tape_new();
        double xr[3] = {rec[r], 0.7, -1.3};
        OK(record(t, f, xr, NULL));
        for (size_t k = 0; k < sizeof x0s / sizeof x0s[0]; k++) {
            double x[3] = {x0s[k], 0.7, -1.3}, y[2], J[6];
            sel2_exact(x, y, J);
            char what[80];
            snprintf(what, sizeof what, "sel2 recorded at %g, at x0 = %g",
                     rec[r], x[0]);
            check_select_point(t, x, 3, 2, y, J, what);
            if (x[0] == rec[r])
                check_select_point(t, NULL, 3, 2, y, J, what);
        }
        ad_tape_free(t);
    }
}

/* ---- 7. the memory cap --------------------------------------------------- */

/* Every sweep of t refused with AD_EINVAL (given valid arrays, as long as
 * the tape says it has). */
static void expect_sweeps_refused(ad_tape *t, const char *what)
{
    ad_tape_info info;
    ad_tape_stats(t, &info);
    size_t n = info.n > 4 ? info.n : 4, m = info.m > 4 ? info.m : 4;
    size_t big = (n > m ? n : m) * 3;
    double *x = xmalloc(n * sizeof *x), *y = xmalloc(m * sizeof *y);
    double *g = xmalloc(big * sizeof *g), *v = xmalloc(big * sizeof *v);
    double *J = xmalloc(n * m * sizeof *J), *JV = xmalloc(big * sizeof *JV);
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0 + (double)i;
    for (size_t i = 0; i < big; i++)
        v[i] = 1.0;
#define AD_T_REFUSED(call)                                                     \
    do {                                                                       \
        int rc_ = (call);                                                      \
        cr_expect(rc_ == AD_EINVAL, "%s: %s returned %d (%s)", what, #call,    \
                  rc_, ad_strerror(rc_));                                      \
    } while (0)
    for (int pt = 0; pt < 2; pt++) {
        const double *xp = pt == 0 ? NULL : x;
        AD_T_REFUSED(ad_tape_eval(t, xp, y));
        AD_T_REFUSED(ad_tape_gradient(t, xp, g));
        AD_T_REFUSED(ad_tape_jvp(t, xp, v, y, g));
        AD_T_REFUSED(ad_tape_vjp(t, xp, v, y, g));
        AD_T_REFUSED(ad_tape_jvp_multi(t, xp, 3, v, y, JV));
        AD_T_REFUSED(ad_tape_vjp_multi(t, xp, 3, v, y, JV));
        AD_T_REFUSED(ad_tape_jacobian(t, xp, J));
    }
#undef AD_T_REFUSED
    free(x), free(y), free(g), free(v), free(J), free(JV);
}

/* A cap far below what Rosenbrock with n = 10^4 needs (about 80000 nodes):
 * the recording stops with AD_ENOMEM, the values go on being computed
 * right, the tape holds no more than the cap, cannot be swept, and records
 * fine again once the cap is raised; then it is freed (the sanitizers
 * check that nothing leaks). */
Test(reverse, memory_cap)
{
    enum { N = 10000 };
    const size_t cap = 128 * 1024;
    rosen_params p = {N};
    ad_fn f = rosen_fn(&p);
    double *x = xmalloc(N * sizeof *x), *g = xmalloc(N * sizeof *g);
    uint64_t s = 111;
    fill_uniform(&s, x, N, -1.5, 1.5);
    double yd;
    f.f_double(x, &yd, f.params);

    ad_tape *t = ad_tape_new();
    OK(ad_tape_set_limit(t, cap));
    double y = 0.0;
    int rc = record(t, f, x, &y);
    cr_assert(rc == AD_ENOMEM, "recording under the cap: %d (%s)", rc,
              ad_strerror(rc));
    cr_expect(y == yd, "value during a failed recording: %.17g, want %.17g", y,
              yd);
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.status == AD_ENOMEM, "status %d", info.status);
    cr_expect(info.limit == cap, "limit %zu", info.limit);
    cr_expect(info.bytes <= cap, "bytes %zu > cap %zu", info.bytes, cap);
    cr_expect(info.alloc_bytes <= cap, "alloc_bytes %zu > cap %zu",
              info.alloc_bytes, cap);
    cr_expect(info.peak_bytes <= cap, "peak_bytes %zu > cap %zu",
              info.peak_bytes, cap);
    expect_sweeps_refused(t, "after AD_ENOMEM");

    /* A second failing recording into the same tape changes nothing. */
    IS(record(t, f, x, NULL), AD_ENOMEM);
    ad_tape_stats(t, &info);
    cr_expect(info.alloc_bytes <= cap && info.peak_bytes <= cap);

    /* A cap too small even for the first blocks: ad_tape_begin succeeds and
     * ad_tape_end reports the failure. */
    OK(ad_tape_set_limit(t, 64));
    IS(record(t, f, x, NULL), AD_ENOMEM);
    expect_sweeps_refused(t, "after AD_ENOMEM at begin");

    /* Raised: the same tape records and sweeps. */
    OK(ad_tape_set_limit(t, 64u << 20));
    OK(record(t, f, x, &y));
    cr_expect(y == yd);
    OK(ad_tape_gradient(t, NULL, g));
    double *ge = xmalloc(N * sizeof *ge);
    for (size_t i = 0; i < N; i++)
        ge[i] = rosen_grad_exact(x, N, i);
    check_vec(g, ge, N, 1e-14, "rosenbrock after raising the cap");
    ad_tape_stats(t, &info);
    cr_expect(info.status == AD_OK && info.alloc_bytes <= info.limit);
    cr_expect(info.bytes <= info.alloc_bytes, "bytes %zu > alloc_bytes %zu",
              info.bytes, info.alloc_bytes);
    /* No cap. */
    OK(ad_tape_set_limit(t, 0));
    OK(record(t, f, x, NULL));
    ad_tape_free(t);

    /* A capped tape freed right after failing. */
    t = ad_tape_new();
    OK(ad_tape_set_limit(t, cap));
    IS(record(t, f, x, NULL), AD_ENOMEM);
    ad_tape_free(t);
    free(x), free(g), free(ge);
}

/* Inputs declared one at a time between the nodes that use them, across
 * many blocks of every stream (ad_independent appends inline while the
 * blocks have room): s = sum_i c_i x_i^2, so ds/dx_i = 2 c_i x_i exactly,
 * at the recorded point and replayed at another. */
Test(reverse, inputs_one_at_a_time)
{
    enum { N = 300000 };
    double *x = xmalloc(N * sizeof *x), *x2 = xmalloc(N * sizeof *x2);
    double *c = xmalloc(N * sizeof *c), *g = xmalloc(N * sizeof *g);
    uint64_t st = 4711;
    fill_uniform(&st, x, N, -2.0, 2.0);
    fill_uniform(&st, x2, N, -2.0, 2.0);
    fill_uniform(&st, c, N, 0.5, 1.5);
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    OK(ad_tape_begin(t));
    ad_var s = ad_const(ad_var, 0.0);
    for (size_t i = 0; i < N; i++)
        s = ad_add(s, ad_mul(ad_sqr(ad_independent(x[i])), c[i]));
    ad_dependent(s);
    OK(ad_tape_end(t));
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.n == N && info.m == 1, "n %zu, m %zu", info.n, info.m);
    cr_expect(info.ops == 4 * (size_t)N, "ops %zu", info.ops);
    cr_expect(info.segments > 1, "segments %zu", info.segments);
    for (int p = 0; p < 2; p++) {
        const double *xp = p ? x2 : x;
        OK(ad_tape_gradient(t, p ? x2 : NULL, g));
        size_t bad = 0;
        for (size_t i = 0; i < N; i++)
            bad += g[i] != 2.0 * xp[i] * c[i];
        cr_expect(bad == 0, "%s point: %zu of %d entries differ",
                  p ? "new" : "recorded", bad, N);
    }
    ad_tape_free(t);
    free(x), free(x2), free(c), free(g);
}

/* The inline recorders' cold path (var.h, record.c): an ad_var constant as
 * an argument.  Over many blocks of the streams, a chain of nodes on x is
 * interleaved with operations on constants only (no node: a constant
 * result, whose stores land in the free room and do not move the cursor)
 * and with ones that mix a constant ad_var and a variable (recorded as the
 * node with a constant argument).  The node count, the value and the
 * derivative against the analytic ones; then the same operations once the
 * recording has ended, and a new recording on the same thread. */
Test(reverse, recorders_constant_arguments)
{
    enum { N = 100000 };
    const double x0 = 0.375;
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(x0), y = x;
    ad_var c = ad_const(ad_var, 1.5);
    double yv = x0, d = 1.0;
    for (int k = 0; k < N; k++) {
        ad_var p = ad_mul(c, ad_sin(c)); /* constants only: no node */
        cr_assert(p.t == 0 && p.v == 1.5 * sin(1.5));
        double w = 1.0 + 1e-6 * (k % 7);
        if (k % 2 == 0)
            y = ad_sub(ad_const(ad_var, w), y); /* w - y: one node */
        else
            y = ad_div(y, ad_const(ad_var, w)); /* y / w: one node */
        y = ad_add(y, ad_mul(x, 1e-6));         /* two nodes */
        yv = (k % 2 == 0 ? w - yv : yv / w) + x0 * 1e-6;
        d = (k % 2 == 0 ? -d : d / w) + 1e-6;
    }
    ad_dependent(y);
    OK(ad_tape_end(t));
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.ops == 1 + 3 * (size_t)N, "ops %zu", info.ops);
    cr_expect(info.segments > 1, "segments %zu", info.segments);
    cr_expect(y.v == yv, "y = %.17g, want %.17g", y.v, yv);
    double g;
    OK(ad_tape_gradient(t, NULL, &g));
    /* Rounding: 10^5 products and sums, in another order than d's. */
    cr_expect(fabs(g - d) <= 1e-10 * fabs(d), "dy/dx = %.17g, want %.17g", g,
              d);
    /* No recording: constant results, the right values. */
    ad_var q = ad_mul(y, ad_sin(x)), r = ad_add(c, ad_mul(c, c));
    cr_expect(q.t == 0 && q.v == y.v * sin(x0));
    cr_expect(r.t == 0 && r.v == 1.5 + 1.5 * 1.5);
    /* A new recording is not disturbed by them. */
    OK(ad_tape_begin(t));
    ad_var x2 = ad_independent(2.0);
    ad_dependent(ad_sin(ad_mul(x2, ad_add(x2, ad_const(ad_var, 0.0)))));
    OK(ad_tape_end(t));
    OK(ad_tape_gradient(t, NULL, &g));
    cr_expect(fabs(g - cos(4.0) * 4.0) <= 1e-15, "dy/dx = %.17g", g);
    ad_tape_stats(t, &info);
    cr_expect(info.ops == 4, "ops %zu", info.ops);
    ad_tape_free(t);
}

/* x, then k nodes y = y * x (k + 1 nodes: x^(k+1)), then `passive`
 * operations on constants only (no node), then the output; returns the
 * status of ad_tape_end. */
static int record_power(ad_tape *t, int k, int passive, double x0)
{
    if (ad_tape_begin(t) != AD_OK)
        return -1;
    ad_var x = ad_independent(x0), y = x;
    for (int j = 0; j < k; j++)
        y = ad_mul(y, x);
    ad_var c = ad_const(ad_var, 0.5);
    for (int j = 0; j < passive; j++)
        c = ad_add(ad_mul(c, c), ad_sin(c));
    ad_dependent(y);
    return ad_tape_end(t);
}

/* Under a memory cap that the nodes fill exactly (k + 1 nodes, where one
 * node more needs a new block), operations on constants only, which record
 * nothing, still pass: the recording succeeds, holds the same nodes and
 * stays within the cap (the inline recorders' stores for such an operation
 * land at the cursor, in a pad past the end of the full blocks, and take no
 * new block). */
Test(reverse, cap_constants_at_full_blocks)
{
    const double x0 = 1.0009765625; /* 1 + 2^-10: x^k exact for small k */
    ad_tape *t = NULL;
    ad_tape_info info, more;
    int k = 1;
    for (; k < 20000; k++) {
        /* Fresh tapes: a used one keeps its blocks. */
        ad_tape *a = ad_tape_new(), *b = ad_tape_new();
        cr_assert(a != NULL && b != NULL);
        OK(record_power(a, k, 0, x0));
        OK(record_power(b, k + 1, 0, x0));
        ad_tape_stats(a, &info);
        ad_tape_stats(b, &more);
        ad_tape_free(b);
        if (more.alloc_bytes > info.alloc_bytes) {
            t = a;
            break;
        }
        ad_tape_free(a);
    }
    cr_assert(t != NULL, "no block boundary below 20000 nodes");
    /* k + 1 nodes fill the first blocks exactly: one more is refused. */
    OK(ad_tape_set_limit(t, info.alloc_bytes));
    IS(record_power(t, k + 1, 0, x0), AD_ENOMEM);
    for (int passive = 1; passive <= 3; passive++) {
        int rc = record_power(t, k, passive, x0);
        cr_assert(rc == AD_OK, "k = %d, %d constant operations: %s", k, passive,
                  ad_strerror(rc));
        ad_tape_stats(t, &more);
        cr_expect(more.ops == info.ops && more.alloc_bytes <= more.limit &&
                      more.limit == info.alloc_bytes,
                  "ops %zu, want %zu; bytes %zu, cap %zu", more.ops, info.ops,
                  more.alloc_bytes, more.limit);
        double g = 0.0, x1 = 1.25;
        OK(ad_tape_gradient(t, &x1, &g));
        double want = (k + 1) * pow(x1, k);
        cr_expect(fabs(g - want) <= 1e-12 * want, "dy/dx %.17g, want %.17g", g,
                  want);
    }
    ad_tape_free(t);
}

/* ---- 8. misuse ----------------------------------------------------------- */

/* Records sin(x^2) at 2 on t and checks it: the tape works. */
static void record_seed_and_check(ad_tape *t, const char *what)
{
    double x = 2.0, g = 0.0;
    OK(record(t, seed_fn(NULL), &x, NULL));
    OK(ad_tape_gradient(t, NULL, &g));
    cr_expect(g == 4.0 * cos(runtime(4.0)), "%s: gradient %.17g", what, g);
}

typedef struct other_thread_args {
    ad_tape *t, *own;
    int begin_rc, end_rc, own_begin_rc, own_end_rc;
} other_thread_args;

static int other_thread(void *p)
{
    other_thread_args *a = p;
    a->begin_rc = ad_tape_begin(a->t);
    a->end_rc = ad_tape_end(a->t);
    /* Its own recording, while the main thread records. */
    a->own_begin_rc = ad_tape_begin(a->own);
    ad_var x = ad_independent(3.0);
    ad_dependent(ad_mul(x, x));
    a->own_end_rc = ad_tape_end(a->own);
    ad_thread_release();
    return 0;
}

/* ad_tape_end without ad_tape_begin, a second ad_tape_begin on one thread,
 * ad_tape_begin / ad_tape_end by a thread on a tape another one records,
 * the cap changed or a sweep run while recording, inputs and outputs
 * outside a recording: AD_EINVAL, and the recording under way is not
 * disturbed. */
Test(reverse, misuse_begin_end)
{
    ad_tape *t = ad_tape_new(), *t2 = ad_tape_new(), *t3 = ad_tape_new();
    IS(ad_tape_end(t), AD_EINVAL);
    IS(ad_tape_end(NULL), AD_EINVAL);
    IS(ad_tape_begin(NULL), AD_EINVAL);

    OK(ad_tape_begin(t));
    IS(ad_tape_begin(t), AD_EINVAL);
    IS(ad_tape_begin(t2), AD_EINVAL);
    IS(ad_tape_end(t2), AD_EINVAL);
    IS(ad_tape_end(NULL), AD_EINVAL);
    IS(ad_tape_set_limit(t, 1u << 20), AD_EINVAL);
    expect_sweeps_refused(t, "while recording");
    other_thread_args a = {t, t3, 0, 0, 0, 0};
    thrd_t th;
    cr_assert(thrd_create(&th, other_thread, &a) == thrd_success);
    cr_assert(thrd_join(th, NULL) == thrd_success);
    cr_expect(a.begin_rc == AD_EINVAL, "another thread's begin: %d",
              a.begin_rc);
    cr_expect(a.end_rc == AD_EINVAL, "another thread's end: %d", a.end_rc);
    cr_expect(a.own_begin_rc == AD_OK && a.own_end_rc == AD_OK,
              "another thread's own recording: %d %d", a.own_begin_rc,
              a.own_end_rc);
    ad_var x = ad_independent(2.0);
    ad_dependent(ad_sin(ad_sqr(x)));
    OK(ad_tape_end(t));
    double g = 0.0;
    OK(ad_tape_gradient(t, NULL, &g));
    cr_expect(g == 4.0 * cos(runtime(4.0)), "gradient %.17g", g);
    IS(ad_tape_end(t), AD_EINVAL);
    double x3 = 5.0, g3 = 0.0;
    OK(ad_tape_gradient(t3, &x3, &g3));
    cr_expect(g3 == 10.0, "the other thread's tape: %.17g", g3);

    /* Outside a recording: an input is a constant, arrays are refused. */
    ad_var c = ad_independent(1.5);
    cr_expect(c.t == 0 && ad_value(c) == 1.5);
    ad_dependent(c); /* ignored */
    double xs[2] = {1, 2};
    ad_var vs[2];
    IS(ad_independent_array(2, xs, vs), AD_EINVAL);
    IS(ad_dependent_array(2, vs), AD_EINVAL);

    /* NULL arrays inside a recording. */
    OK(ad_tape_begin(t2));
    IS(ad_independent_array(2, NULL, vs), AD_EINVAL);
    IS(ad_independent_array(2, xs, NULL), AD_EINVAL);
    IS(ad_dependent_array(2, NULL), AD_EINVAL);
    OK(ad_independent_array(0, NULL, NULL));
    OK(ad_dependent_array(0, NULL));
    ad_tape_end(t2);
    record_seed_and_check(t2, "after NULL arrays");

    ad_tape_free(t);
    ad_tape_free(t2);
    ad_tape_free(t3);
}

/* The ways a variable can reach a recording it does not belong to. */
enum {
    FV_UNARY,
    FV_BINARY_FIRST,
    FV_BINARY_SECOND,
    FV_XC,
    FV_CX,
    FV_POWI,
    FV_CMP,
    FV_CMP_CX,
    FV_SELECT_COND,
    FV_SELECT_BRANCH,
    FV_DEPENDENT,
    FV_COUNT
};

/* Records on t with the foreign variable fv used the given way; the
 * recording must fail with AD_EINVAL, the values stay right, and the tape
 * records fine afterwards. */
static void use_foreign(ad_tape *t, ad_var fv, int how, const char *what)
{
    OK(ad_tape_begin(t));
    ad_var own = ad_independent(1.5), r = own;
    double want = 1.5;
    switch (how) {
    case FV_UNARY:
        r = ad_sin(fv), want = sin(fv.v);
        break;
    case FV_BINARY_FIRST:
        r = ad_add(fv, own), want = fv.v + 1.5;
        break;
    case FV_BINARY_SECOND:
        r = ad_mul(own, fv), want = 1.5 * fv.v;
        break;
    case FV_XC:
        r = ad_mul(fv, 2.0), want = fv.v * 2.0;
        break;
    case FV_CX:
        r = ad_sub(1.0, fv), want = 1.0 - fv.v;
        break;
    case FV_POWI:
        r = ad_powi(fv, 3), want = fv.v * fv.v * fv.v;
        break;
    case FV_CMP:
        want = ad_lt(fv, own) ? 1.0 : 0.0;
        r = ad_const(ad_var, fv.v < 1.5 ? 1.0 : 0.0);
        break;
    case FV_CMP_CX:
        want = ad_ge(4.0, fv) ? 1.0 : 0.0;
        r = ad_const(ad_var, 4.0 >= fv.v ? 1.0 : 0.0);
        break;
    case FV_SELECT_COND:
        r = ad_select(fv, own, 7.0), want = fv.v > 0.0 ? 1.5 : 7.0;
        break;
    case FV_SELECT_BRANCH:
        r = ad_select(own, fv, own), want = fv.v;
        break;
    default:
        ad_dependent(fv);
        break;
    }
    cr_expect(fabs(ad_value(r) - want) <= 1e-15 * fabs(want),
              "%s: %.17g vs %.17g", what, ad_value(r), want);
    ad_dependent(own);
    int rc = ad_tape_end(t);
    cr_expect(rc == AD_EINVAL, "%s: ad_tape_end %d (%s)", what, rc,
              ad_strerror(rc));
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.status == AD_EINVAL, "%s: status %d", what, info.status);
    expect_sweeps_refused(t, what);
    record_seed_and_check(t, what);
}

typedef struct recorder_args {
    ad_tape *t;
    ad_var v;
    atomic_int stage; /* 1: v is made, recording; 2: main is done */
} recorder_args;

static int recorder_thread(void *p)
{
    recorder_args *a = p;
    ad_tape_begin(a->t);
    a->v = ad_sqr(ad_independent(0.75));
    atomic_store(&a->stage, 1);
    while (atomic_load(&a->stage) != 2)
        thrd_yield();
    ad_dependent(a->v);
    ad_tape_end(a->t);
    ad_thread_release();
    return 0;
}

/* A variable of another tape (finished, freed, or being recorded by
 * another thread at that moment) or of an earlier recording of the same
 * tape, used in every kind of operation: AD_EINVAL at ad_tape_end. */
Test(reverse, misuse_foreign_variables)
{
    ad_tape *t = ad_tape_new(), *other = ad_tape_new();
    OK(ad_tape_begin(other));
    ad_var of = ad_mul(ad_independent(0.5), 3.0);
    ad_dependent(of);
    OK(ad_tape_end(other));

    ad_tape *freed = ad_tape_new();
    OK(ad_tape_begin(freed));
    ad_var ff = ad_exp(ad_independent(-0.25));
    ad_dependent(ff);
    OK(ad_tape_end(freed));
    ad_tape_free(freed);

    OK(ad_tape_begin(t));
    ad_var old = ad_add(ad_independent(0.125), 1.0);
    ad_dependent(old);
    OK(ad_tape_end(t));

    recorder_args ra;
    ra.t = ad_tape_new();
    atomic_init(&ra.stage, 0);
    thrd_t th;
    cr_assert(thrd_create(&th, recorder_thread, &ra) == thrd_success);
    while (atomic_load(&ra.stage) != 1)
        thrd_yield();

    const struct {
        ad_var v;
        const char *name;
    } foreign[] = {{of, "another tape's variable"},
                   {ff, "a freed tape's variable"},
                   {old, "an earlier recording's variable"},
                   {ra.v, "a variable another thread records"}};
    for (size_t k = 0; k < sizeof foreign / sizeof foreign[0]; k++)
        for (int how = 0; how < FV_COUNT; how++) {
            char what[96];
            snprintf(what, sizeof what, "%s, use %d", foreign[k].name, how);
            use_foreign(t, foreign[k].v, how, what);
        }
    atomic_store(&ra.stage, 2);
    cr_assert(thrd_join(th, NULL) == thrd_success);
    double g = 0.0;
    OK(ad_tape_gradient(ra.t, NULL, &g));
    cr_expect(g == 1.5, "the other thread's tape: %.17g", g);
    /* The other tape is untouched by all this. */
    OK(ad_tape_gradient(other, NULL, &g));
    cr_expect(g == 3.0);
    ad_tape_free(ra.t);
    ad_tape_free(other);
    ad_tape_free(t);
}

/* NULL tapes and NULL arrays to every sweep: AD_EINVAL; NULL where nothing
 * is written (y, or arrays of length 0) is fine. */
Test(reverse, misuse_null_arguments)
{
    mix_params mp = {3, 4};
    ad_fn f = mix_fn(&mp);
    double x[3] = {0.7, 1.1, 1.3}, y[4], g[3], v[3] = {1, 2, 3};
    double w[4] = {1, 2, 3, 4}, J[12], V[9], JV[12], W[12], WJ[9];
    for (int i = 0; i < 9; i++)
        V[i] = WJ[i] = 0.5;
    for (int i = 0; i < 12; i++)
        W[i] = JV[i] = 0.5;
    ad_tape *t = ad_tape_new();
    OK(record(t, f, x, NULL));
    for (int pt = 0; pt < 2; pt++) {
        const double *xp = pt ? x : NULL;
        IS(ad_tape_eval(NULL, xp, y), AD_EINVAL);
        IS(ad_tape_gradient(NULL, xp, g), AD_EINVAL);
        IS(ad_tape_jvp(NULL, xp, v, y, JV), AD_EINVAL);
        IS(ad_tape_vjp(NULL, xp, w, y, g), AD_EINVAL);
        IS(ad_tape_jvp_multi(NULL, xp, 3, V, y, JV), AD_EINVAL);
        IS(ad_tape_vjp_multi(NULL, xp, 3, W, y, WJ), AD_EINVAL);
        IS(ad_tape_jacobian(NULL, xp, J), AD_EINVAL);

        IS(ad_tape_eval(t, xp, NULL), AD_EINVAL);
        IS(ad_tape_gradient(t, xp, NULL), AD_EINVAL);
        IS(ad_tape_jvp(t, xp, NULL, y, JV), AD_EINVAL);
        IS(ad_tape_jvp(t, xp, v, y, NULL), AD_EINVAL);
        IS(ad_tape_vjp(t, xp, NULL, y, g), AD_EINVAL);
        IS(ad_tape_vjp(t, xp, w, y, NULL), AD_EINVAL);
        IS(ad_tape_jvp_multi(t, xp, 3, NULL, y, JV), AD_EINVAL);
        IS(ad_tape_jvp_multi(t, xp, 3, V, y, NULL), AD_EINVAL);
        IS(ad_tape_vjp_multi(t, xp, 3, NULL, y, WJ), AD_EINVAL);
        IS(ad_tape_vjp_multi(t, xp, 3, W, y, NULL), AD_EINVAL);
        IS(ad_tape_jacobian(t, xp, NULL), AD_EINVAL);

        /* y may be NULL; k = 0 lanes need no arrays. */
        OK(ad_tape_jvp(t, xp, v, NULL, JV));
        OK(ad_tape_vjp(t, xp, w, NULL, g));
        OK(ad_tape_jvp_multi(t, xp, 0, NULL, NULL, NULL));
        OK(ad_tape_vjp_multi(t, xp, 0, NULL, NULL, NULL));
    }
    IS(ad_tape_set_limit(NULL, 100), AD_EINVAL);
    ad_tape_info info;
    memset(&info, 0xff, sizeof info);
    ad_tape_stats(NULL, &info);
    cr_expect(info.ops == 0 && info.n == 0 && info.m == 0 && info.vars == 0 &&
              info.bytes == 0 && info.alloc_bytes == 0 && info.status == 0);
    ad_tape_stats(t, NULL); /* nothing to fill */
    ad_tape_free(NULL);

    /* A tape with no outputs has no gradient. */
    OK(ad_tape_begin(t));
    ad_independent(1.0);
    OK(ad_tape_end(t));
    IS(ad_tape_gradient(t, NULL, g), AD_EINVAL);
    ad_tape_free(t);
}

/* A tape never recorded, or whose recording failed, cannot be swept. */
Test(reverse, misuse_unrecorded_tape)
{
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    expect_sweeps_refused(t, "never recorded");
    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.ops == 0 && info.n == 0 && info.m == 0 &&
                  info.comparisons == 0 && info.status == AD_OK,
              "a new tape's stats");
    /* Failed, then recorded fine, then failed again. */
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(1.0);
    ad_dependent(x);
    OK(ad_tape_end(t));
    OK(ad_tape_begin(t));
    ad_dependent(ad_add(x, 1.0)); /* x is of the last recording */
    IS(ad_tape_end(t), AD_EINVAL);
    expect_sweeps_refused(t, "failed recording");
    record_seed_and_check(t, "after a failed recording");
    ad_tape_free(t);
}

/* ---- Hessians: forward-over-reverse against hyper-duals ------------------ */

/* H (n x n) of output 0 of f at x by hyper-dual passes: d12 along e_i, e_j. */
static void hessian_hdual(ad_fn f, const double *x, double *H)
{
    ad_hdual *xh = xmalloc(f.n * sizeof *xh), *yh = xmalloc(f.m * sizeof *yh);
    for (size_t i = 0; i < f.n; i++)
        for (size_t j = 0; j < f.n; j++) {
            for (size_t k = 0; k < f.n; k++)
                xh[k] = ad_hdual_make(x[k], k == i, k == j, 0.0);
            f.f_hdual(xh, yh, f.params);
            H[i * f.n + j] = yh[0].d12;
        }
    free(xh);
    free(yh);
}

/* The tape's Hessian and H v at x (NULL: the recorded point) against the
 * hyper-duals at xv (the same point), normwise to tol. */
static void check_hessian(ad_tape *t, ad_fn f, const double *x,
                          const double *xv, double tol, const char *what)
{
    size_t n = f.n;
    double *H = xmalloc(n * n * sizeof *H), *Hd = xmalloc(n * n * sizeof *Hd);
    double *v = xmalloc(n * sizeof *v), *hv = xmalloc(n * sizeof *hv);
    OK(ad_tape_hessian(t, x, H));
    hessian_hdual(f, xv, Hd);
    double e = 0.0, sc = 1e-300, es = 0.0;
    for (size_t k = 0; k < n * n; k++) {
        e = fmax(e, fabs(H[k] - Hd[k]));
        sc = fmax(sc, fabs(Hd[k]));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            es = fmax(es, fabs(H[i * n + j] - H[j * n + i]));
    cr_expect(e <= tol * sc, "%s: Hessian off by %g (scale %g)", what, e, sc);
    cr_expect(es <= tol * sc, "%s: Hessian not symmetric by %g", what, es);
    for (size_t i = 0; i < n; i++)
        v[i] = 0.3 - 0.7 * (double)(i % 3) + 0.1 * (double)i;
    OK(ad_tape_hvp(t, x, v, hv));
    for (size_t i = 0; i < n; i++) {
        double want = 0.0;
        for (size_t j = 0; j < n; j++)
            want += Hd[i * n + j] * v[j];
        cr_expect(fabs(hv[i] - want) <= tol * sc * (double)n,
                  "%s: (H v)[%zu] = %.17g, want %.17g", what, i, hv[i], want);
    }
    free(H), free(Hd), free(v), free(hv);
}

/* Every primitive and argument style, at interior points, recorded and
 * replayed: second partials from the table through forward-over-reverse. */
Test(reverse, hessian_every_primitive_against_hyperdual)
{
    enum { NPTS = 3 };
    ad_tape *t = ad_tape_new();
    int cases = 0;
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        for (int variant = 0; variant < (d->arity == 2 ? 3 : 1); variant++) {
            uint64_t s = 9000u + 7u * (unsigned)op + (unsigned)variant;
            prim_case pc[NPTS];
            int np = interior_points(op, variant, &s, NPTS, pc);
            for (int k = 0; k < np; k++) {
                /* Hyper-duals and the table compute f'' by different
                 * formulas; where |a| or |b| is extreme (pow at 1e-269) the
                 * two round differently by more than any fixed tolerance,
                 * so the comparison keeps to moderate magnitudes. */
                if (!(fabs(pc[k].a) > 1e-100 && fabs(pc[k].a) < 1e100 &&
                      (d->arity == 1 ||
                       (fabs(pc[k].b) > 1e-100 && fabs(pc[k].b) < 1e100))))
                    continue;
                ad_fn f = prim_fn(&pc[k]);
                const double one[2] = {1.0, 1.0};
                char what[128];
                snprintf(what, sizeof what, "%s %s at (%.17g, %.17g)", d->name,
                         variant_name(d->arity, variant), pc[k].a, pc[k].b);
                OK(record(t, f, one, NULL));
                check_hessian(t, f, NULL, one, 1e-12, what);
                /* Replayed (x given), at the same point. */
                check_hessian(t, f, one, one, 1e-12, what);
                cases++;
            }
        }
    }
    cr_log_info("hessian_every_primitive: %d cases", cases);
    ad_tape_free(t);
}

/* The array nodes' second-order rules, the MLP, and Rosenbrock, at the
 * recorded point and replayed at another. */
Test(reverse, hessian_arrays_mlp_rosenbrock)
{
    ad_tape *t = ad_tape_new();
    uint64_t s = 4242;
    double x[32], x2[32];
    for (int i = 0; i < 12; i++) {
        x[i] = 0.2 + 0.05 * i;
        x2[i] = 0.3 - 0.04 * i;
    }
    ad_fn fa = arrays_fn(NULL);
    OK(record(t, fa, x, NULL));
    check_hessian(t, fa, NULL, x, 1e-12, "arrays, recorded");
    check_hessian(t, fa, x2, x2, 1e-12, "arrays, replayed");

    mlp_params lp;
    mlp_data(&lp, &s);
    ad_fn fm = mlp_fn(&lp);
    for (int i = 0; i < 32; i++) {
        x[i] = 0.4 * sin(1.0 + i);
        x2[i] = 0.3 * cos(2.0 + i);
    }
    OK(record(t, fm, x, NULL));
    check_hessian(t, fm, NULL, x, 1e-11, "mlp, recorded");
    check_hessian(t, fm, x2, x2, 1e-11, "mlp, replayed");

    rosen_params rp = {10};
    ad_fn fr = rosen_fn(&rp);
    for (int i = 0; i < 10; i++) {
        x[i] = -1.2 + 0.3 * i;
        x2[i] = 0.5 + 0.1 * i;
    }
    OK(record(t, fr, x, NULL));
    check_hessian(t, fr, NULL, x, 1e-13, "rosenbrock, recorded");
    check_hessian(t, fr, x2, x2, 1e-13, "rosenbrock, replayed");

    /* Errors: as the gradient's. */
    double v[10] = {0}, hv[10];
    IS(ad_tape_hvp(NULL, NULL, v, hv), AD_EINVAL);
    IS(ad_tape_hvp(t, NULL, NULL, hv), AD_EINVAL);
    IS(ad_tape_hessian(t, NULL, NULL), AD_EINVAL);
    ad_tape *u = ad_tape_new();
    IS(ad_tape_hessian(u, NULL, hv), AD_EINVAL);
    ad_tape_free(u);
    ad_tape_free(t);
}

/* A branch that ad_select did not take (NaN there) leaves the Hessian
 * alone; a flipped comparison is refused. */
Test(reverse, hessian_select_and_flip)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(0.5), y = ad_independent(0.7);
    ad_var c = ad_sub(x, 1.0);
    ad_var a = ad_mul(ad_sqrt(c), y); /* NaN at x < 1: not taken */
    ad_dependent(ad_select(c, a, ad_mul(ad_sqr(y), x)));
    OK(ad_tape_end(t));
    double H[4], xs[2] = {0.25, 2.0};
    OK(ad_tape_hessian(t, NULL, H));
    /* f = x y^2 here: H = [[0, 2y], [2y, 2x]]. */
    cr_expect(H[0] == 0.0 && fabs(H[1] - 1.4) < 1e-15 &&
                  fabs(H[2] - 1.4) < 1e-15 && fabs(H[3] - 1.0) < 1e-15,
              "H = %g %g %g %g", H[0], H[1], H[2], H[3]);
    OK(ad_tape_hessian(t, xs, H));
    cr_expect(H[0] == 0.0 && H[1] == 4.0 && H[3] == 0.5, "replayed: %g %g %g",
              H[0], H[1], H[3]);
    ad_tape_free(t);

    t = ad_tape_new();
    OK(ad_tape_begin(t));
    x = ad_independent(0.5);
    ad_dependent(ad_lt(x, 1.0) ? ad_sqr(x) : ad_exp(x));
    OK(ad_tape_end(t));
    double xb = 2.0, v = 1.0, hv;
    IS(ad_tape_hvp(t, &xb, &v, &hv), AD_ERETAPE);
    IS(ad_tape_hessian(t, &xb, H), AD_ERETAPE);
    OK(ad_tape_hvp(t, NULL, &v, &hv));
    cr_expect(hv == 2.0, "d2/dx2 x^2 = %g", hv);
    ad_tape_free(t);
}

/* ---- a linearised tape --------------------------------------------------- */

/* After ad_tape_linearize the one-lane reverse sweeps at the recorded point
 * use the stored partials: the same rules in the same order, so the same
 * bits; other sweeps are unchanged; a new recording drops the partials. */
static void check_linear(ad_tape *t, ad_fn f, const double *x,
                         const double *x2, const char *what)
{
    size_t n = f.n, m = f.m;
    double *g0 = xmalloc(n * sizeof *g0), *g1 = xmalloc(n * sizeof *g1);
    double *w = xmalloc(m * sizeof *w), *y = xmalloc(m * sizeof *y);
    for (size_t j = 0; j < m; j++)
        w[j] = 0.5 + 0.25 * (double)j;
    OK(record(t, f, x, NULL));
    OK(ad_tape_gradient(t, NULL, g0));
    OK(ad_tape_linearize(t));
    OK(ad_tape_gradient(t, NULL, g1));
    check_same(g1, g0, n, what);
    OK(ad_tape_vjp(t, NULL, w, y, g1));
    OK(record(t, f, x, NULL)); /* drops the partials */
    OK(ad_tape_vjp(t, NULL, w, y, g0));
    check_same(g1, g0, n, what);
    OK(ad_tape_linearize(t));
    OK(ad_tape_gradient(t, x2, g1)); /* a new point: the primal sweep */
    OK(record(t, f, x2, NULL));
    OK(ad_tape_gradient(t, NULL, g0));
    check_same(g1, g0, n, what);
    free(g0), free(g1), free(w), free(y);
}

/* One interior point of every primitive in each of its variants (x op x,
 * x op c, c op x), from seeds base + ...; returns how many. */
static size_t every_variant(prim_case *pc, unsigned base)
{
    size_t m = 0;
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        for (int variant = 0; variant < (d->arity == 2 ? 3 : 1); variant++) {
            uint64_t ss = base + 7u * (unsigned)op + (unsigned)variant;
            cr_assert(interior_points(op, variant, &ss, 1, &pc[m]) == 1);
            m++;
        }
    }
    return m;
}

/* A check of a tape feature on one function, at x and at x2. */
typedef void (*tape_check)(ad_tape *t, ad_fn f, const double *x,
                           const double *x2, const char *what);

/* Runs check on one tape for every primitive in each variant (seeds from
 * base), the array primitives (if arrays), an MLP and ad_select. */
static void check_functions(ad_tape *t, tape_check check, unsigned base,
                            uint64_t seed, int arrays)
{
    double x[32], x2[32];
    prim_case pc[3 * AD_OP_COUNT];
    allops_params ap = {every_variant(pc, base), pc};
    const double one[2] = {1.0, 1.0}, other[2] = {1.0, 1.0};
    check(t, allops_fn(&ap), one, other, "all primitives");
    for (int i = 0; i < 12; i++) {
        x[i] = 0.2 + 0.05 * i;
        x2[i] = 0.3 - 0.04 * i;
    }
    if (arrays)
        check(t, arrays_fn(NULL), x, x2, "arrays");
    mlp_params lp;
    mlp_data(&lp, &seed);
    for (int i = 0; i < 32; i++) {
        x[i] = 0.4 * sin(1.0 + i);
        x2[i] = 0.3 * cos(2.0 + i);
    }
    check(t, mlp_fn(&lp), x, x2, "mlp");
    ad_fn fs = sel2_fn(NULL);
    double xs[3] = {0.5, 0.7, 1.3}, xs2[3] = {0.6, 0.8, 1.1};
    check(t, fs, xs, xs2, "select");
}

Test(reverse, linearized_tape_same_bits)
{
    ad_tape *t = ad_tape_new();
    check_functions(t, check_linear, 3000u, 777, 1);
    IS(ad_tape_linearize(NULL), AD_EINVAL);
    ad_tape *u = ad_tape_new();
    IS(ad_tape_linearize(u), AD_EINVAL);
    ad_tape_free(u);
    ad_tape_free(t);
}

/* ---- a compiled tape ------------------------------------------------------
 */

/* After ad_tape_compile the sweeps at a new point run on slots: the same
 * rules in the same order, so the same bits as before, for every primitive
 * and variant, selects and an MLP; sweeps at the recorded point are
 * unchanged; a new recording drops the compiled form (the sweeps then
 * follow the new recording).  The random programs of test_fuzz.c check the
 * same on thousands of tapes. */
static void check_compiled(ad_tape *t, ad_fn f, const double *x,
                           const double *x2, const char *what)
{
    size_t n = f.n, m = f.m;
    double *g0 = xmalloc(n * sizeof *g0), *g1 = xmalloc(n * sizeof *g1);
    double *v = xmalloc(n * sizeof *v), *w = xmalloc(m * sizeof *w);
    double *y0 = xmalloc(m * sizeof *y0), *y1 = xmalloc(m * sizeof *y1);
    double *j0 = xmalloc(m * sizeof *j0), *j1 = xmalloc(m * sizeof *j1);
    for (size_t i = 0; i < n; i++)
        v[i] = 1.0 - 0.125 * (double)i;
    for (size_t j = 0; j < m; j++)
        w[j] = 0.5 + 0.25 * (double)j;
    OK(record(t, f, x, NULL));
    OK(ad_tape_gradient(t, x2, g0));
    OK(ad_tape_jvp(t, x2, v, y0, j0));
    OK(ad_tape_compile(t));
    OK(ad_tape_compile(t)); /* again: nothing to do */
    OK(ad_tape_gradient(t, x2, g1));
    check_same(g1, g0, n, what);
    OK(ad_tape_jvp(t, x2, v, y1, j1));
    check_same(y1, y0, m, what);
    check_same(j1, j0, m, what);
    OK(ad_tape_vjp(t, x2, w, y1, g1));
    double *h0 = xmalloc(n * sizeof *h0), *h1 = xmalloc(n * sizeof *h1);
    OK(record(t, f, x, NULL));
    OK(ad_tape_hvp(t, x2, v, h0));
    OK(ad_tape_compile(t));
    OK(ad_tape_hvp(t, x2, v, h1));
    check_same(h1, h0, n, what);
    free(h0), free(h1);
    OK(ad_tape_gradient(t, NULL, g0)); /* the recorded point, as before */
    OK(record(t, f, x2, NULL));        /* drops the compiled form */
    OK(ad_tape_gradient(t, x, g1));
    OK(record(t, f, x, NULL));
    OK(ad_tape_gradient(t, NULL, g0));
    check_same(g1, g0, n, what);
    free(g0), free(g1), free(v), free(w), free(y0), free(y1), free(j0);
    free(j1);
}

Test(reverse, compiled_tape_same_bits)
{
    ad_tape *t = ad_tape_new();
    check_functions(t, check_compiled, 4000u, 778, 0);
    ad_tape_free(t);
}

/* The worked example on a compiled tape: d/dx sin(x^2) at a new point. */
Test(reverse, compiled_tape_worked_example)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(1.0);
    ad_dependent(ad_sin(ad_mul(x, x)));
    OK(ad_tape_end(t));
    OK(ad_tape_compile(t));
    double x2 = 2.0, g, y;
    OK(ad_tape_gradient(t, &x2, &g));
    OK(ad_tape_eval(t, &x2, &y));
    cr_expect(y == sin(4.0), "y = %.17g", y);
    cr_expect(fabs(g - cos(4.0) * 4.0) <= 1e-15, "dy/dx = %.17g", g);
    cr_expect(fabs(y + 0.7568) < 1e-4 && fabs(g + 2.6146) < 1e-4);
    ad_tape_free(t);
}

/* What ad_tape_compile refuses, and that the tape sweeps as before then. */
Test(reverse, compiled_tape_refusals)
{
    IS(ad_tape_compile(NULL), AD_EINVAL);
    ad_tape *t = ad_tape_new();
    IS(ad_tape_compile(t), AD_EINVAL); /* nothing recorded */
    /* Array nodes do not compile; the sweeps are unchanged. */
    double x[12], x2[12], g0[12], g1[12];
    for (int i = 0; i < 12; i++) {
        x[i] = 0.2 + 0.05 * i;
        x2[i] = 0.3 - 0.04 * i;
    }
    OK(record(t, arrays_fn(NULL), x, NULL));
    OK(ad_tape_gradient(t, x2, g0));
    IS(ad_tape_compile(t), AD_EUNSUPPORTED);
    OK(ad_tape_gradient(t, x2, g1));
    check_same(g1, g0, 12, "arrays");
    /* A memory cap too small for the compiled form: AD_ENOMEM, and the
     * tape still sweeps (uncompiled) to the same bits. */
    rosen_params rp = {50};
    double xr[50], xr2[50], gr0[50], gr1[50];
    fill_uniform(&(uint64_t){779}, xr, 50, -1.0, 1.0);
    fill_uniform(&(uint64_t){780}, xr2, 50, -1.0, 1.0);
    OK(record(t, rosen_fn(&rp), xr, NULL));
    ad_tape_info info;
    ad_tape_stats(t, &info);
    OK(ad_tape_set_limit(t, info.alloc_bytes + 16));
    OK(ad_tape_gradient(t, xr2, gr0));
    IS(ad_tape_compile(t), AD_ENOMEM);
    OK(ad_tape_gradient(t, xr2, gr1));
    check_same(gr1, gr0, 50, "capped");
    OK(ad_tape_set_limit(t, 0));
    OK(ad_tape_compile(t));
    OK(ad_tape_gradient(t, xr2, gr1));
    check_same(gr1, gr0, 50, "compiled after the cap");
    ad_tape_free(t);
}

/* ---- the adjoint window -------------------------------------------------- */

/* The worked example with the adjoint window: the same derivative, a ring
 * as long as the short tape and one map entry; tapes with array nodes
 * ignore the window (the same bits, 8 bytes per variable).  test_fuzz.c
 * compares the window with the array on long random tapes. */
Test(reverse, adjoint_window)
{
    IS(ad_tape_set_adjoint_window(NULL, 1), AD_EINVAL);
    ad_tape *t = ad_tape_new();
    OK(ad_tape_set_adjoint_window(t, 1));
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(2.0);
    ad_dependent(ad_sin(ad_mul(x, x)));
    OK(ad_tape_end(t));
    double x2 = 2.0, g[2];
    OK(ad_tape_gradient(t, NULL, &g[0]));
    OK(ad_tape_gradient(t, &x2, &g[1]));
    for (int k = 0; k < 2; k++)
        cr_expect(fabs(g[k] - cos(4.0) * 4.0) <= 1e-15 &&
                      fabs(g[k] + 2.6146) < 1e-4,
                  "dy/dx = %.17g", g[k]);
    /* A ring of 4 (the variables 0..3 of this short tape), one map entry. */
    cr_expect_eq(ad_tape_last_adjoint_bytes(), 4 * 8 + 8);
    OK(ad_tape_set_adjoint_window(t, 0));
    OK(ad_tape_gradient(t, &x2, &g[0]));
    cr_expect(g[0] == g[1]);
    cr_expect_eq(ad_tape_last_adjoint_bytes(), 4 * 8); /* variables 0..3 */
    double xa[12], g0[12], g1[12];
    for (int i = 0; i < 12; i++)
        xa[i] = 0.2 + 0.05 * i;
    OK(record(t, arrays_fn(NULL), xa, NULL));
    OK(ad_tape_gradient(t, NULL, g0));
    size_t dense = ad_tape_last_adjoint_bytes();
    OK(ad_tape_set_adjoint_window(t, 1));
    OK(ad_tape_gradient(t, NULL, g1));
    check_same(g1, g0, 12, "arrays");
    cr_expect_eq(ad_tape_last_adjoint_bytes(), dense);
    ad_tape_free(t);
}

/* A chain s_0 = x, s_k = sin(s_k-1) of P + n nodes, one of whose results,
 * K = s_P^2 / 2, is read once more, by the output y = s_P+n + K, far above
 * it.  K's adjoint waits in a far block while the window's ring slides down
 * the chain in stretches (here inside one long segment of the tape); the
 * sweep must find it there, whatever n.  Against the array sweep to the
 * bit, and dy/dx against the analytic one. */
Test(reverse, adjoint_window_far_read)
{
    enum { P = 150000 };
    ad_tape *t = ad_tape_new(), *u = ad_tape_new();
    OK(ad_tape_set_adjoint_window(u, 1));
    for (int n = 30000; n < 60000; n += 977) {
        double x = 0.7, gt, gu, d = 1.0, s = x, dK = 0.0;
        for (int k = 0; k < P + n; k++) {
            if (k == P)
                dK = s * d; /* d(s_P^2 / 2)/dx */
            d *= cos(s);
            s = sin(s);
        }
        for (int w = 0; w < 2; w++) {
            ad_tape *tw = w ? u : t;
            OK(ad_tape_begin(tw));
            ad_var xv = ad_independent(x), sv = xv, K = xv;
            for (int k = 0; k < P + n; k++) {
                if (k == P)
                    K = ad_mul(0.5, ad_sqr(sv));
                sv = ad_sin(sv);
            }
            ad_dependent(ad_add(sv, K));
            OK(ad_tape_end(tw));
        }
        OK(ad_tape_gradient(t, NULL, &gt));
        OK(ad_tape_gradient(u, NULL, &gu));
        cr_expect(gu == gt, "n = %d: %.17g with the window, %.17g without", n,
                  gu, gt);
        cr_expect(fabs(gt - (d + dK)) <= 1e-12, "n = %d: %.17g, want %.17g", n,
                  gt, d + dK);
        OK(ad_tape_gradient(u, &x, &gu)); /* at a new point: the flat sweep */
        cr_expect(gu == gt, "n = %d, replayed: %.17g", n, gu);
    }
    ad_tape_free(t);
    ad_tape_free(u);
}

/* Rosenbrock with n = 10^5 inputs made one by one: every node adds into
 * an input's adjoint far below it, and the far blocks wait until the sweep
 * reaches the inputs, where additions stop.  The next one (at a segment's
 * end, far down the inputs) slides the ring over more blocks than it holds,
 * among them dead ones whose places it shares with live ones; the window
 * once copied those too and lost the gradient of 28,672 inputs.  Against
 * the array sweep to the bit, and the array sweep against the other sweeps
 * and the analytic gradient. */
Test(reverse, adjoint_window_long_slide)
{
    enum { N = 100000 };
    rosen_params p = {N};
    ad_fn f = rosen_fn(&p);
    double *x = xmalloc(N * sizeof *x), *g0 = xmalloc(N * sizeof *g0);
    double *g1 = xmalloc(N * sizeof *g1);
    ad_var *xv = xmalloc(N * sizeof *xv), y;
    uint64_t s = 104;
    fill_uniform(&s, x, N, -1.5, 1.5);
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    for (size_t i = 0; i < N; i++)
        xv[i] = ad_independent(x[i]);
    f.f_var(xv, &y, f.params);
    ad_dependent(y);
    OK(ad_tape_end(t));
    OK(ad_tape_gradient(t, NULL, g0));
    OK(ad_tape_set_adjoint_window(t, 1));
    for (int pass = 0; pass < 3; pass++) {
        OK(ad_tape_gradient(t, pass == 0 ? NULL : x, g1));
        check_same(g1, g0, N, pass == 0 ? "window" : "window, replayed");
    }
    /* The other sweeps of this long tape, with its stream blocks and
     * segments: replayed (the second call prunes the replay, need.c), a
     * vjp, linearised and compiled. */
    OK(ad_tape_set_adjoint_window(t, 0));
    for (int pass = 0; pass < 2; pass++) {
        OK(ad_tape_gradient(t, x, g1));
        check_same(g1, g0, N, "replayed");
    }
    double w = 1.0;
    OK(ad_tape_vjp(t, x, &w, NULL, g1));
    check_same(g1, g0, N, "vjp");
    OK(ad_tape_linearize(t));
    OK(ad_tape_gradient(t, NULL, g1));
    check_vec(g1, g0, N, 1e-15, "linearised");
    OK(ad_tape_compile(t));
    OK(ad_tape_gradient(t, x, g1));
    check_vec(g1, g0, N, 1e-15, "compiled");
    for (size_t i = 0; i < N; i++)
        g1[i] = rosen_grad_exact(x, N, i);
    check_vec(g0, g1, N, 1e-14, "rosenbrock, inputs one by one");
    ad_tape_free(t);
    free(x), free(g0), free(g1), free(xv);
}

/* ---- 9. threads ---------------------------------------------------------- */

enum { NTHREADS = 4, PTS_PER_THREAD = 12 };

/* Results of one thread's work, compared with the serial ones by the main
 * thread (Criterion's assertions are not made from other threads). */
typedef struct thread_work {
    ad_tape *shared;      /* the one finished tape (or NULL) */
    ad_tape *shared_jac;  /* a finished mix tape swept by ad_tape_jacobian */
    ad_tape *shared_br;   /* a finished branchy tape */
    const mlp_params *lp; /* the perceptron's data */
    const mix_params *mp; /* the mix tape's shape */
    int id;
    atomic_int *ready; /* a start line: every thread waits for all */
    double x[PTS_PER_THREAD][32];
    double g[PTS_PER_THREAD][32];
    double g0[PTS_PER_THREAD][32]; /* the shared tape at its own point */
    double y[PTS_PER_THREAD];
    double J[PTS_PER_THREAD][20 * 11];
    int rc_bad;   /* sweeps that did not return AD_OK */
    int flip_bad; /* wrong ad_tape_last_flip() */
} thread_work;

static void start_line(atomic_int *ready)
{
    atomic_fetch_add(ready, 1);
    while (atomic_load(ready) < NTHREADS)
        thrd_yield();
}

/* Records the perceptron at each of the thread's points on its own tape
 * and sweeps it there. */
static int record_own(void *p)
{
    thread_work *w = p;
    ad_fn f = mlp_fn(w->lp);
    ad_tape *t = ad_tape_new();
    start_line(w->ready);
    for (int k = 0; k < PTS_PER_THREAD; k++) {
        double y;
        w->rc_bad += record(t, f, w->x[k], &y) != AD_OK;
        w->rc_bad += ad_tape_gradient(t, NULL, w->g[k]) != AD_OK;
        w->rc_bad += ad_tape_eval(t, NULL, &w->y[k]) != AD_OK;
        w->rc_bad += w->y[k] != y;
    }
    ad_tape_free(t);
    ad_thread_release();
    return 0;
}

/* Sweeps the shared tapes: gradients replayed at the thread's points and
 * at the recorded one, Jacobians (split over OpenMP threads inside), and
 * flips of comparison id of the shared branchy tape (ad_tape_last_flip is
 * per thread). */
static int sweep_shared(void *p)
{
    thread_work *w = p;
    start_line(w->ready);
    for (int k = 0; k < PTS_PER_THREAD; k++) {
        w->rc_bad += ad_tape_gradient(w->shared, w->x[k], w->g[k]) != AD_OK;
        w->rc_bad += ad_tape_eval(w->shared, w->x[k], &w->y[k]) != AD_OK;
        w->rc_bad += ad_tape_gradient(w->shared, NULL, w->g0[k]) != AD_OK;
        w->rc_bad += ad_tape_jacobian(w->shared_jac, w->x[k], w->J[k]) != AD_OK;
        double xb[5], yb[2];
        memcpy(xb, br_base, sizeof xb);
        xb[br_flip[w->id].coord] = br_flip[w->id].value;
        w->rc_bad += ad_tape_eval(w->shared_br, xb, yb) != AD_ERETAPE;
        w->flip_bad += ad_tape_last_flip() != w->id;
        thrd_yield();
    }
    ad_thread_release();
    return 0;
}

static void fill_points(thread_work *w, uint64_t *s)
{
    for (int k = 0; k < PTS_PER_THREAD; k++) {
        fill_uniform(s, w->x[k], 32, -1.0, 1.0);
        /* The first 20 coordinates also serve the mix tape, on [0.5, 1.5]. */
        for (int i = 0; i < 20; i++)
            w->x[k][i] = 1.0 + 0.5 * w->x[k][i];
    }
}

/* Four threads each recording their own tape at once, and sweeping it,
 * give the results of one thread doing the same, bit for bit. */
Test(reverse, threads_record_own_tapes)
{
    uint64_t s = 112;
    mlp_params lp;
    mlp_data(&lp, &s);
    static thread_work w[NTHREADS], ref[NTHREADS];
    atomic_int ready;
    atomic_init(&ready, 0);
    for (int i = 0; i < NTHREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].lp = &lp;
        w[i].id = i;
        w[i].ready = &ready;
        fill_points(&w[i], &s);
        ref[i] = w[i];
    }
    /* Serially, on this thread: the start line is passed already. */
    atomic_int all;
    atomic_init(&all, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        ref[i].ready = &all;
        record_own(&ref[i]);
    }
    thrd_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        cr_assert(thrd_create(&th[i], record_own, &w[i]) == thrd_success);
    for (int i = 0; i < NTHREADS; i++)
        cr_assert(thrd_join(th[i], NULL) == thrd_success);
    for (int i = 0; i < NTHREADS; i++) {
        cr_expect(w[i].rc_bad == 0 && ref[i].rc_bad == 0,
                  "thread %d: %d failed sweeps", i, w[i].rc_bad);
        for (int k = 0; k < PTS_PER_THREAD; k++) {
            char msg[64];
            snprintf(msg, sizeof msg, "thread %d point %d gradient", i, k);
            check_same(w[i].g[k], ref[i].g[k], 32, msg);
            cr_expect(w[i].y[k] == ref[i].y[k], "thread %d point %d value", i,
                      k);
        }
    }
}

/* Four threads sweeping one finished tape at once (gradients at different
 * points, and at the recorded one; Jacobians of a second tape; flips of a
 * third) give the results of serial sweeps, bit for bit, and each thread
 * sees its own last flip; with the tapes compiled (ad_tape_compile) too. */
static void threads_sweep(int compiled)
{
    uint64_t s = 113;
    mlp_params lp;
    mlp_data(&lp, &s);
    mix_params mp = {20, 11};
    double x0[32];
    fill_uniform(&s, x0, 32, 0.5, 1.5);
    ad_tape *t = ad_tape_new(), *tj = ad_tape_new(), *tb = ad_tape_new();
    OK(record(t, mlp_fn(&lp), x0, NULL));
    OK(record(tj, mix_fn(&mp), x0, NULL));
    OK(record(tb, branchy_fn(NULL), br_base, NULL));
    if (compiled) {
        OK(ad_tape_compile(t));
        OK(ad_tape_compile(tj));
        OK(ad_tape_compile(tb));
    }
    static thread_work w[NTHREADS], ref[NTHREADS];
    atomic_int ready, all;
    atomic_init(&ready, 0);
    atomic_init(&all, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].shared = t;
        w[i].shared_jac = tj;
        w[i].shared_br = tb;
        w[i].mp = &mp;
        w[i].id = i;
        w[i].ready = &ready;
        fill_points(&w[i], &s);
        ref[i] = w[i];
        ref[i].ready = &all;
        sweep_shared(&ref[i]);
    }
    /* The threads sweep the uncompiled tape with the adjoint window, each
     * in its own ring, against the serial sweeps without it. */
    if (!compiled)
        OK(ad_tape_set_adjoint_window(t, 1));
    thrd_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        cr_assert(thrd_create(&th[i], sweep_shared, &w[i]) == thrd_success);
    for (int i = 0; i < NTHREADS; i++)
        cr_assert(thrd_join(th[i], NULL) == thrd_success);
    for (int i = 0; i < NTHREADS; i++) {
        cr_expect(w[i].rc_bad == 0 && ref[i].rc_bad == 0,
                  "thread %d: %d unexpected statuses (serial %d)", i,
                  w[i].rc_bad, ref[i].rc_bad);
        cr_expect(w[i].flip_bad == 0 && ref[i].flip_bad == 0,
                  "thread %d: %d wrong last flips (serial %d)", i,
                  w[i].flip_bad, ref[i].flip_bad);
        for (int k = 0; k < PTS_PER_THREAD; k++) {
            char msg[64];
            snprintf(msg, sizeof msg, "thread %d point %d", i, k);
            check_same(w[i].g[k], ref[i].g[k], 32, msg);
            check_same(w[i].g0[k], ref[0].g0[0], 32, msg);
            check_same(w[i].J[k], ref[i].J[k], 20 * 11, msg);
            cr_expect(w[i].y[k] == ref[i].y[k], "%s: value", msg);
        }
    }
    ad_tape_free(t);
    ad_tape_free(tj);
    ad_tape_free(tb);
}

Test(reverse, threads_sweep_one_tape)
{
    threads_sweep(0);
}

Test(reverse, threads_sweep_one_compiled_tape)
{
    threads_sweep(1);
}

/* ---- 10. recording again into a used tape -------------------------------- */

/* Recording again gathers the value runs of the last recording into one
 * array, which the sweeps at the recorded point then read flat: the
 * gradient, a vjp, the hvp and the Jacobian there are the same to the bit
 * as on the first recording (runs apart), on a recording longer than the
 * last (partly outside the gathered array) and on the one after it, and the
 * tape holds no more bytes than before. */
Test(reverse, record_again_gathers_values)
{
    enum { N = 6000 };
    rosen_params small = {3000}, big = {N};
    double *x = xmalloc(N * sizeof *x), *v = xmalloc(N * sizeof *v);
    double *g[2], *hv[2];
    for (int k = 0; k < 2; k++) {
        g[k] = xmalloc(N * sizeof(double));
        hv[k] = xmalloc(N * sizeof(double));
    }
    fill_uniform(&(uint64_t){131}, x, N, -1.5, 1.5);
    fill_uniform(&(uint64_t){132}, v, N, -1.0, 1.0);
    ad_tape *t = ad_tape_new();
    ad_tape_info first, info;
    for (int rep = 0; rep < 4; rep++) {
        /* 3000, 3000 (gathered), 6000 (longer), 6000 (gathered again). */
        rosen_params *p = rep < 2 ? &small : &big;
        size_t n = p->n;
        int k = rep % 2;
        OK(record(t, rosen_fn(p), x, NULL));
        OK(ad_tape_gradient(t, NULL, g[k]));
        OK(ad_tape_hvp(t, NULL, v, hv[k]));
        double *J = xmalloc(n * sizeof *J), w = 1.0;
        OK(ad_tape_jacobian(t, NULL, J));
        check_same(J, g[k], n, "jacobian = gradient");
        OK(ad_tape_vjp(t, NULL, &w, NULL, J));
        check_same(J, g[k], n, "vjp = gradient");
        free(J);
        double *ge = xmalloc(n * sizeof *ge);
        for (size_t i = 0; i < n; i++)
            ge[i] = rosen_grad_exact(x, n, i);
        check_vec(g[k], ge, n, 1e-14, "rosenbrock");
        free(ge);
        ad_tape_stats(t, &info);
        if (k == 0)
            first = info;
        else {
            check_same(g[1], g[0], n, "gradient, gathered");
            check_same(hv[1], hv[0], n, "hvp, gathered");
            cr_expect(info.alloc_bytes == first.alloc_bytes &&
                          info.peak_bytes == first.peak_bytes,
                      "rep %d: bytes %zu, %zu; before %zu, %zu", rep,
                      info.alloc_bytes, info.peak_bytes, first.alloc_bytes,
                      first.peak_bytes);
        }
    }
    /* A recording whose array node skipped the rest of a run (its 5000
     * results do not fit the first run): gathered, the same bits and the
     * same bytes held. */
    ad_tape_info gap[2];
    for (int rep = 0; rep < 2; rep++) {
        static ad_var w[5000], u[5000];
        OK(ad_tape_begin(t));
        ad_var a = ad_independent(0.75), s2 = a;
        for (int i = 0; i < 5000; i++)
            w[i] = a;
        OK(ad_map(AD_OP_SIN, 5000, w, u));
        for (int i = 0; i < 5000; i += 7)
            s2 = ad_add(s2, ad_mul(u[i], a));
        ad_dependent(s2);
        OK(ad_tape_end(t));
        OK(ad_tape_gradient(t, NULL, &g[rep][0]));
        double want = 1.0;
        for (int i = 0; i < 5000; i += 7)
            want += cos(0.75) * 0.75 + sin(0.75);
        cr_expect(fabs(g[rep][0] - want) <= 1e-12 * want, "%.17g, want %.17g",
                  g[rep][0], want);
        ad_tape_stats(t, &gap[rep]);
    }
    check_same(g[1], g[0], 1, "a skipped run");
    cr_expect(gap[1].alloc_bytes == gap[0].alloc_bytes, "bytes %zu, then %zu",
              gap[0].alloc_bytes, gap[1].alloc_bytes);
    ad_tape_free(t);
    free(x), free(v);
    for (int k = 0; k < 2; k++)
        free(g[k]), free(hv[k]);
}

/* The same tape recorded again and again: right results every time (no
 * trace of the last recording), and a second identical recording
 * allocates nothing (alloc_bytes and peak_bytes stay); a smaller one in
 * between does not grow the storage either. */
Test(reverse, record_again_reuses_storage)
{
    enum { N = 3000 };
    rosen_params big = {N}, small = {10}, sp = {20};
    double *x = xmalloc(N * sizeof *x), *g = xmalloc(N * sizeof *g);
    double *ge = xmalloc(N * sizeof *ge);
    uint64_t s = 114;
    ad_tape *t = ad_tape_new();
    ad_tape_info first = {0}, info;
    for (int rep = 0; rep < 6; rep++) {
        fill_uniform(&s, x, N, -1.5, 1.5);
        size_t n = rep == 3 ? small.n : N;
        OK(record(t, rosen_fn(rep == 3 ? &small : &big), x, NULL));
        OK(ad_tape_gradient(t, NULL, g));
        for (size_t i = 0; i < n; i++)
            ge[i] = rosen_grad_exact(x, n, i);
        char msg[64];
        snprintf(msg, sizeof msg, "recording %d (n = %zu)", rep, n);
        check_vec(g, ge, n, 1e-14, msg);
        ad_tape_stats(t, &info);
        cr_expect(info.n == n && info.m == 1, "%s: n %zu m %zu", msg, info.n,
                  info.m);
        if (rep == 0)
            first = info;
        else {
            cr_expect(info.alloc_bytes == first.alloc_bytes,
                      "%s: alloc_bytes %zu, first %zu", msg, info.alloc_bytes,
                      first.alloc_bytes);
            cr_expect(info.peak_bytes == first.peak_bytes,
                      "%s: peak_bytes %zu, first %zu", msg, info.peak_bytes,
                      first.peak_bytes);
            if (rep != 3)
                cr_expect(info.ops == first.ops && info.vars == first.vars &&
                              info.bytes == first.bytes,
                          "%s: ops %zu vars %zu bytes %zu", msg, info.ops,
                          info.vars, info.bytes);
        }
    }
    /* Another function into the same tape. */
    fill_uniform(&s, x, 20, 0.5, 1.5);
    OK(record(t, speel_fn(&sp), x, NULL));
    OK(ad_tape_gradient(t, NULL, g));
    for (int i = 0; i < 20; i++) {
        long double q = 1.0L;
        for (int j = 0; j < 20; j++)
            if (j != i)
                q *= x[j];
        cr_expect(fabs(g[i] - (double)q) <= 64 * DBL_EPSILON * fabs((double)q),
                  "speelpenning after rosenbrock: g[%d] = %.17g", i, g[i]);
    }
    ad_tape_stats(t, &info);
    cr_expect(info.alloc_bytes == first.alloc_bytes);
    ad_tape_free(t);
    free(x), free(g), free(ge);
}

/* ---- 11. ad_tape_stats --------------------------------------------------- */

/* A small tape whose contents are known node by node. */
Test(reverse, stats_small_tape)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(2.0), y = ad_independent(3.0); /* 2 nodes */
    ad_var a = ad_mul(x, y);                                 /* args 2 */
    ad_var b = ad_sin(a);                                    /* args 1 */
    ad_var c = ad_add(b, 1.0); /* args 1, consts 1 */
    int lt = ad_lt(x, y);      /* args 2, consts 1 (the outcome) */
    int gt = ad_gt(c, 5.0);    /* args 1, consts 2 */
    ad_var d = ad_powi(c, 3);  /* args 1, consts 1 (the exponent) */
    ad_var k = ad_mul(ad_const(ad_var, 2.0), 3.0); /* constant: no node */
    ad_dependent(d);
    ad_dependent(a);
    ad_dependent(k);
    OK(ad_tape_end(t));
    cr_expect(lt == 1 && gt == 0 && k.t == 0 && ad_value(k) == 6.0);

    ad_tape_info info;
    ad_tape_stats(t, &info);
    cr_expect(info.ops == 8, "ops %zu, want 8", info.ops);
    cr_expect(info.args == 8, "args %zu, want 8", info.args);
    cr_expect(info.consts == 5, "consts %zu, want 5", info.consts);
    cr_expect(info.n == 2, "n %zu, want 2", info.n);
    cr_expect(info.m == 3, "m %zu, want 3", info.m);
    cr_expect(info.comparisons == 2, "comparisons %zu, want 2",
              info.comparisons);
    /* Variables: the 2 inputs and the results of mul, sin, add and powi. */
    cr_expect(info.vars == 6, "vars %zu, want 6 (2 inputs + 4 results)",
              info.vars);
    cr_expect(info.segments >= 1);
    cr_expect(info.status == AD_OK && info.limit == 0);
    size_t least =
        8 + 8 * sizeof(uint32_t) + 5 * sizeof(double) + 6 * sizeof(double);
    cr_expect(info.bytes >= least && info.bytes <= info.alloc_bytes &&
                  info.alloc_bytes <= info.peak_bytes,
              "bytes %zu (at least %zu), alloc %zu, peak %zu", info.bytes,
              least, info.alloc_bytes, info.peak_bytes);

    /* And it computes: d = (sin(xy) + 1)^3, a = xy, k = 6. */
    double J[6], yv[3], xy = 6.0, sn = sin(runtime(xy)), cs = cos(runtime(xy));
    OK(ad_tape_jacobian(t, NULL, J));
    OK(ad_tape_eval(t, NULL, yv));
    double dd = 3.0 * (sn + 1.0) * (sn + 1.0) * cs;
    double Jw[6] = {dd * 3.0, dd * 2.0, 3.0, 2.0, 0.0, 0.0};
    double yw[3] = {(sn + 1.0) * (sn + 1.0) * (sn + 1.0), 6.0, 6.0};
    check_vec(J, Jw, 2, 1e-14, "stats tape: dd/dx");
    check_vec(J + 2, Jw + 2, 4, 1e-15, "stats tape: rows 1, 2");
    check_vec(yv, yw, 3, 1e-15, "stats tape: values");
    ad_tape_free(t);
}
