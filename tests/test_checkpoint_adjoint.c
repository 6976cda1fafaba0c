/* test_checkpoint_adjoint.c -- ad_checkpoint_adjoint (checkpoint.h): the
 * adjoint of a time loop x_{k+1} = Phi(x_k, p) along every schedule.
 *
 * Problems (test_checkpoint_adjoint.inc): Lorenz-63 by RK4 (3 states, 3
 * parameters, l = 10^4 steps of 0.001) and the 1-D heat equation by
 * explicit Euler (200 points, kappa and the two boundary values as
 * parameters, l = 5000 steps).  Every strategy -- binomial with several s,
 * uniform, online (the loop length unknown to the schedule), two-level
 * with a disk directory -- must give the store-all gradient to 1e-12
 * relative (normwise, per output vector); store-all itself must give that
 * of one tape of the whole loop (ad_tape_gradient / ad_tape_vjp) for a
 * smaller l.  In fact every strategy does the same operations in the same
 * order (each adjoint step is recorded at the same state, advanced or
 * restored, and swept with the same seed) and the results agree bit for
 * bit; the tolerance leaves room for a compiler that contracts a*b+c
 * differently in the double and the ad_var instantiation.
 *
 * Counts: forward steps are held to the closed form t(l, s) of
 * ad_revolve_forward_steps for binomial and to l - 1 for store-all, and
 * every count to that of the bare schedule replayed here.  The disk: files
 * never outlive a call, an unwritable or vanished directory is AD_EIO with
 * the outputs untouched, a write that fails in mid-run (a file size limit)
 * too, and a directory removed while the call runs does not disturb it.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <threads.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <admix.h>

/* ---- the problems -------------------------------------------------------- */

typedef struct lorenz_params {
    double dt;
} lorenz_params;

typedef struct heat_params {
    size_t n; /* interior points */
    double r; /* dt / h^2 */
} heat_params;

#define AD_TEMPLATE "test_checkpoint_adjoint.inc"
#include <admix/instantiate.h>
AD_FN(lorenz_step, 6, 3)
AD_FN(lorenz_obj, 3, 1)
AD_FN(lorenz_objp, 6, 1)
AD_FN(heat_step, ((const heat_params *)params)->n + 3,
      ((const heat_params *)params)->n)
AD_FN(heat_obj, ((const heat_params *)params)->n, 1)

#define LORENZ_L 10000
#define HEAT_N   200
#define HEAT_L   5000
#define PI       3.14159265358979323846

static const lorenz_params lorenz_p = {0.001};
static const heat_params heat_p = {HEAT_N, 0.4};

/* A loop to differentiate: Phi, x_0, p, a seed w and an objective. */
typedef struct problem {
    ad_fn step, obj;
    size_t nx, np, l;
    double x0[HEAT_N], p[3], w[HEAT_N];
} problem;

static problem lorenz_problem(size_t l)
{
    problem P;
    memset(&P, 0, sizeof P);
    P.step = lorenz_step_fn(&lorenz_p);
    P.obj = lorenz_obj_fn(NULL);
    P.nx = 3;
    P.np = 3;
    P.l = l;
    const double x0[3] = {1.0132, 0.9871, 1.0248};
    const double p[3] = {10.02, 27.97, 8.0 / 3.0 * 1.003};
    const double w[3] = {0.385, -1.217, 0.703};
    memcpy(P.x0, x0, sizeof x0);
    memcpy(P.p, p, sizeof p);
    memcpy(P.w, w, sizeof w);
    return P;
}

/* A warm bump with some structure on n points, uL = 0.3, uR = -0.2. */
static problem heat_problem(const heat_params *hp, size_t l)
{
    problem P;
    memset(&P, 0, sizeof P);
    P.step = heat_step_fn(hp);
    P.obj = heat_obj_fn(hp);
    P.nx = hp->n;
    P.np = 3;
    P.l = l;
    for (size_t i = 0; i < hp->n; i++) {
        double t = ((double)i + 1.0) / ((double)hp->n + 1.0);
        P.x0[i] = sin(PI * t) + 0.25 * sin(7.0 * PI * t) + 0.1 * t;
        P.w[i] = cos(3.0 * t) - 0.5 * t;
    }
    P.p[0] = 0.987; /* kappa: kappa r < 1/2 */
    P.p[1] = 0.3;
    P.p[2] = -0.2;
    return P;
}

/* What a call gives. */
typedef struct result {
    int rc;
    double xl[HEAT_N], xbar0[HEAT_N], pbar[3];
    ad_checkpoint_stats st;
} result;

/* Runs the adjoint of P with opts, seeded by w or (use_obj) by J. */
static result run(const problem *P, const ad_checkpoint_opts *o, int use_obj)
{
    result R;
    memset(&R, 0, sizeof R);
    R.rc = ad_checkpoint_adjoint(
        &P->step, P->l, P->x0, P->p, use_obj ? NULL : P->w,
        use_obj ? &P->obj : NULL, o, R.xl, R.xbar0, R.pbar, &R.st);
    return R;
}

/* max_i |a_i - b_i| / max_i |b_i| */
static double relerr(const double *a, const double *b, size_t n)
{
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        s = fmax(s, fabs(b[i]));
    }
    return s > 0.0 ? d / s : d;
}

#define TOL 1e-12

static void expect_same(const problem *P, const result *a, const result *ref,
                        const char *what)
{
    cr_assert_eq(a->rc, AD_OK, "%s: %s", what, ad_strerror(a->rc));
    double ex = relerr(a->xbar0, ref->xbar0, P->nx);
    double ep = relerr(a->pbar, ref->pbar, P->np);
    double el = relerr(a->xl, ref->xl, P->nx);
    cr_expect(ex <= TOL, "%s: xbar0 off by %.3g", what, ex);
    cr_expect(ep <= TOL, "%s: pbar off by %.3g", what, ep);
    cr_expect(el <= TOL, "%s: x_l off by %.3g", what, el);
}

/* x_l by the plain double loop. */
static void plain_loop(const problem *P, double *xl)
{
    double in[HEAT_N + 3], out[HEAT_N];
    memcpy(in, P->x0, P->nx * sizeof(double));
    memcpy(in + P->nx, P->p, P->np * sizeof(double));
    for (size_t k = 0; k < P->l; k++) {
        P->step.f_double(in, out, P->step.params);
        memcpy(in, out, P->nx * sizeof(double));
    }
    memcpy(xl, in, P->nx * sizeof(double));
}

/* The whole loop on one tape: with use_obj the gradient of J(x_l), else
 * w^T d x_l / d(x_0, p); into g (nx + np values). */
static void full_tape(const problem *P, int use_obj, double *g)
{
    size_t nx = P->nx, np = P->np;
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    double x[HEAT_N + 3];
    memcpy(x, P->x0, nx * sizeof(double));
    memcpy(x + nx, P->p, np * sizeof(double));
    ad_var *v = malloc((nx + np) * sizeof *v);
    ad_var *in = malloc((nx + np) * sizeof *in);
    ad_var *out = malloc(nx * sizeof *out);
    cr_assert(v != NULL && in != NULL && out != NULL);
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    cr_assert_eq(ad_independent_array(nx + np, x, v), AD_OK);
    memcpy(in, v, (nx + np) * sizeof *in);
    for (size_t k = 0; k < P->l; k++) {
        P->step.f_var(in, out, P->step.params);
        memcpy(in, out, nx * sizeof *in);
    }
    if (use_obj) {
        ad_var J;
        P->obj.f_var(in, &J, P->obj.params);
        ad_dependent(J);
    } else {
        cr_assert_eq(ad_dependent_array(nx, in), AD_OK);
    }
    cr_assert_eq(ad_tape_end(t), AD_OK);
    if (use_obj)
        cr_assert_eq(ad_tape_gradient(t, NULL, g), AD_OK);
    else
        cr_assert_eq(ad_tape_vjp(t, NULL, P->w, NULL, g), AD_OK);
    ad_tape_free(t);
    free(v);
    free(in);
    free(out);
}

/* ---- a scratch directory ----------------------------------------------- */

static char dir[64];

static void make_dir(void)
{
    strcpy(dir, "/tmp/admix-ckpadj-XXXXXX");
    cr_assert(mkdtemp(dir) != NULL);
}

/* The entries of directory d (not . and ..), -1 if it cannot be read. */
static int count_entries(const char *d)
{
    DIR *h = opendir(d);
    if (h == NULL)
        return -1;
    int k = 0;
    struct dirent *e;
    while ((e = readdir(h)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            k++;
    closedir(h);
    return k;
}

static void remove_dir(void)
{
    rmdir(dir);
}

/* ---- every strategy against store-all ------------------------------------ */

/* Stops the loop at a step count the schedule does not know. */
typedef struct stop_at {
    size_t at;
    size_t calls, last; /* calls made, and the last k asked */
    int in_order;       /* every k asked was the one after the last */
} stop_at;

static int stop_at_k(size_t k, const double *x, void *ctx)
{
    stop_at *s = ctx;
    (void)x;
    if (s->calls > 0 ? k != s->last + 1 : k != 0)
        s->in_order = 0;
    s->calls++;
    s->last = k;
    return k >= s->at;
}

/* Runs every strategy on P, seeded by w or J, against store-all; checks
 * store-all's x_l against the plain loop. */
static void every_strategy(const problem *P, int use_obj)
{
    ad_checkpoint_opts all = {.type = ad_revolve_store_all};
    result ref = run(P, &all, use_obj);
    cr_assert_eq(ref.rc, AD_OK, "store-all: %s", ad_strerror(ref.rc));
    cr_assert_eq(ref.st.forward_steps, P->l - 1);
    cr_assert_eq(ref.st.recomputed_steps, 0);
    cr_assert_eq(ref.st.snapshots, P->l - 1);
    double xl[HEAT_N];
    plain_loop(P, xl);
    cr_expect(relerr(ref.xl, xl, P->nx) <= TOL, "x_l vs the plain loop");

    static const size_t svals[] = {2, 3, 10, 30, 100};
    for (size_t i = 0; i < sizeof svals / sizeof svals[0]; i++) {
        ad_checkpoint_opts o = {.snapshots = svals[i]};
        result b = run(P, &o, use_obj);
        char what[64];
        snprintf(what, sizeof what, "binomial s=%zu", svals[i]);
        expect_same(P, &b, &ref, what);
        uint64_t t;
        cr_assert_eq(ad_revolve_forward_steps(P->l, svals[i], &t), AD_OK);
        cr_expect_eq(b.st.forward_steps, t, "%s: %llu forward steps, t = %llu",
                     what, (unsigned long long)b.st.forward_steps,
                     (unsigned long long)t);
        cr_expect_eq(b.st.recomputed_steps, t - (P->l - 1));
        cr_expect_eq(b.st.adjoint_steps, P->l);
        cr_expect_eq(b.st.snapshots, svals[i]);
        cr_expect_eq(b.st.peak_snapshot_bytes, svals[i] * P->nx * 8);
        cr_expect_eq(b.st.disk_writes, 0);
        cr_expect_eq(b.st.peak_tape_bytes, ref.st.peak_tape_bytes);
    }

    ad_checkpoint_opts u1 = {.type = ad_revolve_uniform};
    ad_checkpoint_opts u2 = {.type = ad_revolve_uniform, .interval = 37};
    ad_checkpoint_opts u3 = {.type = ad_revolve_uniform, .snapshots = 250};
    result r = run(P, &u1, use_obj);
    expect_same(P, &r, &ref, "uniform");
    r = run(P, &u2, use_obj);
    expect_same(P, &r, &ref, "uniform k=37");
    r = run(P, &u3, use_obj);
    expect_same(P, &r, &ref, "uniform s<=250");
    cr_expect(r.st.snapshots <= 250);

    /* Online: the schedule learns l when the loop ends, by the count l
     * passed as a cap, or by a stop predicate. */
    ad_checkpoint_opts on = {.type = ad_revolve_online, .snapshots = 10};
    r = run(P, &on, use_obj);
    expect_same(P, &r, &ref, "online, l as cap");
    cr_expect_eq(r.st.steps, P->l);
    stop_at sa = {P->l, 0, 0, 1};
    ad_checkpoint_opts on2 = {.type = ad_revolve_online,
                              .snapshots = 25,
                              .stop = stop_at_k,
                              .stop_ctx = &sa};
    problem Q = *P;
    Q.l = SIZE_MAX;
    r = run(&Q, &on2, use_obj);
    expect_same(P, &r, &ref, "online, stop predicate");
    cr_expect_eq(r.st.steps, P->l);
    cr_expect_eq(sa.calls, P->l + 1, "stop asked %zu times", sa.calls);
    cr_expect(sa.in_order);

    /* Two-level, with the disk in the scratch directory. */
    ad_checkpoint_opts two = {.type = ad_revolve_two_level,
                              .snapshots = 5,
                              .disk_snapshots = 20,
                              .write_cost = 2.0,
                              .read_cost = 2.0,
                              .dir = dir};
    r = run(P, &two, use_obj);
    expect_same(P, &r, &ref, "two-level");
    cr_expect(r.st.disk_writes > 0);
    cr_expect_eq(r.st.disk_reads, r.st.disk_writes);
    cr_expect_eq(r.st.disk_bytes, r.st.disk_snapshots * P->nx * 8);
    cr_expect_eq(count_entries(dir), 0, "a file was left behind");
    two.dir = NULL; /* tmpfile() */
    r = run(P, &two, use_obj);
    expect_same(P, &r, &ref, "two-level, tmpfile");
}

TestSuite(ckpadj, .init = make_dir, .fini = remove_dir);

Test(ckpadj, lorenz_every_strategy_seed)
{
    problem P = lorenz_problem(LORENZ_L);
    every_strategy(&P, 0);
}

Test(ckpadj, lorenz_every_strategy_objective)
{
    problem P = lorenz_problem(LORENZ_L);
    every_strategy(&P, 1);
}

Test(ckpadj, heat_every_strategy)
{
    problem P = heat_problem(&heat_p, HEAT_L);
    every_strategy(&P, 1);
}

/* ---- against one tape of the whole loop --------------------------------- */

static void against_full_tape(const problem *P, int use_obj)
{
    double g[HEAT_N + 3];
    full_tape(P, use_obj, g);
    ad_checkpoint_opts all = {.type = ad_revolve_store_all};
    ad_checkpoint_opts bin = {.snapshots = 4};
    for (int k = 0; k < 2; k++) {
        result r = run(P, k ? &bin : &all, use_obj);
        cr_assert_eq(r.rc, AD_OK);
        double ex = relerr(r.xbar0, g, P->nx);
        double ep = relerr(r.pbar, g + P->nx, P->np);
        cr_expect(ex <= TOL, "xbar0 vs the full tape: %.3g", ex);
        cr_expect(ep <= TOL, "pbar vs the full tape: %.3g", ep);
    }
}

Test(ckpadj, lorenz_full_tape)
{
    problem P = lorenz_problem(1000);
    against_full_tape(&P, 0);
    against_full_tape(&P, 1);
}

Test(ckpadj, heat_full_tape)
{
    problem P = heat_problem(&heat_p, 300);
    against_full_tape(&P, 0);
    against_full_tape(&P, 1);
}

/* Lorenz, checked against the analytic derivative of one step: for l = 1
 * the adjoint is w^T dPhi/d(x, p), here by central differences of the
 * double step (h = 1e-6: error ~1e-10 relative). */
Test(ckpadj, one_step_by_differences)
{
    problem P = lorenz_problem(1);
    ad_checkpoint_opts o = {.snapshots = 1};
    result r = run(&P, &o, 0);
    cr_assert_eq(r.rc, AD_OK);
    double in[6];
    memcpy(in, P.x0, 3 * sizeof(double));
    memcpy(in + 3, P.p, 3 * sizeof(double));
    for (int j = 0; j < 6; j++) {
        double a[6], b[6], ya[3], yb[3];
        memcpy(a, in, sizeof a);
        memcpy(b, in, sizeof b);
        double h = 1e-6 * fmax(1.0, fabs(in[j]));
        a[j] += h;
        b[j] -= h;
        P.step.f_double(a, ya, P.step.params);
        P.step.f_double(b, yb, P.step.params);
        double d = 0.0;
        for (int i = 0; i < 3; i++)
            d += P.w[i] * (ya[i] - yb[i]) / (2.0 * h);
        double got = j < 3 ? r.xbar0[j] : r.pbar[j - 3];
        cr_expect(fabs(got - d) <= 1e-8 * fmax(1.0, fabs(d)),
                  "input %d: %.17g vs %.17g", j, got, d);
    }
}

/* An objective of x_l and p: its dJ/dp joins pbar. */
Test(ckpadj, objective_with_parameters)
{
    problem P = lorenz_problem(2000);
    ad_fn J = lorenz_objp_fn(NULL);
    ad_checkpoint_opts o = {.snapshots = 7};
    double xl[3], xbar0[3], pbar[3];
    ad_checkpoint_stats st;
    cr_assert_eq(ad_checkpoint_adjoint(&P.step, P.l, P.x0, P.p, NULL, &J, &o,
                                       xl, xbar0, pbar, &st),
                 AD_OK);
    /* The same from the seed dJ/dx_l plus the explicit dJ/dp. */
    double in[6], g[6];
    memcpy(in, xl, sizeof xl);
    memcpy(in + 3, P.p, 3 * sizeof(double));
    cr_assert_eq(ad_gradient(&J, AD_REVERSE, in, NULL, g), AD_OK);
    memcpy(P.w, g, 3 * sizeof(double));
    result r = run(&P, &o, 0);
    cr_assert_eq(r.rc, AD_OK);
    for (int j = 0; j < 3; j++)
        r.pbar[j] += g[3 + j];
    cr_expect(relerr(xbar0, r.xbar0, 3) <= TOL);
    cr_expect(relerr(pbar, r.pbar, 3) <= TOL);
}

/* ---- the counts ---------------------------------------------------------- */

/* The bare schedule's counters, for comparison with the driver's. */
static ad_revolve_info bare(const ad_revolve_type *type, size_t l, size_t s)
{
    ad_revolve_params p = {.steps = l, .snapshots = s};
    ad_revolve *r;
    cr_assert_eq(ad_revolve_new(type, &p, &r), AD_OK);
    ad_revolve_action a;
    while (ad_revolve_next(r, &a) == AD_OK && a.kind != AD_REVOLVE_DONE)
        ;
    ad_revolve_info info;
    ad_revolve_stats(r, &info);
    ad_revolve_free(r);
    return info;
}

Test(ckpadj, counts)
{
    static const size_t cases[][2] = {{1, 1},     {2, 1},    {10, 3},   {56, 3},
                                      {1000, 10}, {3000, 5}, {4096, 12}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t l = cases[c][0], s = cases[c][1];
        problem P = lorenz_problem(l);
        ad_checkpoint_opts o = {.snapshots = s};
        result r = run(&P, &o, 0);
        cr_assert_eq(r.rc, AD_OK);
        ad_revolve_info info = bare(ad_revolve_binomial, l, s);
        uint64_t t;
        cr_assert_eq(ad_revolve_forward_steps(l, s, &t), AD_OK);
        cr_expect_eq(r.st.steps, l);
        cr_expect_eq(r.st.forward_steps, t, "l=%zu s=%zu", l, s);
        cr_expect_eq(r.st.forward_steps, info.forward);
        cr_expect_eq(r.st.recomputed_steps, t - (l - 1));
        cr_expect_eq(r.st.adjoint_steps, l);
        cr_expect_eq(r.st.snapshots_written, info.writes[0]);
        cr_expect_eq(r.st.snapshots_read, info.reads[0]);
        cr_expect_eq(r.st.snapshots, info.used[0]);
        cr_expect_eq(r.st.peak_snapshot_bytes, info.used[0] * 3 * 8);
        cr_expect(r.st.peak_tape_bytes > 0);
    }
    /* Online from its first run: the whole loop, l steps, is advanced
     * once, so its recomputed steps are the rest. */
    problem P = lorenz_problem(777);
    ad_checkpoint_opts o = {.type = ad_revolve_online, .snapshots = 6};
    result r = run(&P, &o, 0);
    cr_assert_eq(r.rc, AD_OK);
    cr_expect(r.st.forward_steps >= 777);
    cr_expect_eq(r.st.recomputed_steps, r.st.forward_steps - 777);
    uint64_t t;
    cr_assert_eq(ad_revolve_forward_steps(777, 6, &t), AD_OK);
    cr_expect(r.st.forward_steps >= t);
}

/* The tape holds one step: its peak does not grow with l, and it is far
 * below a whole loop's tape. */
Test(ckpadj, one_step_tape)
{
    problem P = lorenz_problem(100);
    ad_checkpoint_opts o = {.snapshots = 3};
    result a = run(&P, &o, 0);
    P.l = 5000;
    result b = run(&P, &o, 0);
    cr_assert_eq(a.rc, AD_OK);
    cr_assert_eq(b.rc, AD_OK);
    cr_expect_eq(a.st.peak_tape_bytes, b.st.peak_tape_bytes);

    ad_tape *t = ad_tape_new();
    double x[6];
    memcpy(x, P.x0, 3 * sizeof(double));
    memcpy(x + 3, P.p, 3 * sizeof(double));
    ad_var v[6], out[3];
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    ad_independent_array(6, x, v);
    for (size_t k = 0; k < P.l; k++) {
        P.step.f_var(v, out, P.step.params);
        memcpy(v, out, sizeof out);
    }
    ad_dependent_array(3, v);
    cr_assert_eq(ad_tape_end(t), AD_OK);
    ad_tape_info info;
    ad_tape_stats(t, &info);
    ad_tape_free(t);
    cr_expect(b.st.peak_tape_bytes * 100 < info.bytes,
              "one step %zu bytes, the loop %zu", b.st.peak_tape_bytes,
              info.bytes);
}

/* ---- online: loops whose length is known when they end ------------------ */

/* Heat on 50 points cooling towards its boundary values: the loop ends when
 * the interior has cooled below a threshold, at a step nobody computes in
 * advance. */
typedef struct cool {
    double below;
    size_t nx;
    size_t ended; /* the k the predicate said stop at */
} cool;

static int cooled(size_t k, const double *x, void *ctx)
{
    cool *c = ctx;
    double m = 0.0;
    for (size_t i = 0; i < c->nx; i++)
        m = fmax(m, fabs(x[i]));
    if (m < c->below && c->ended == 0)
        c->ended = k;
    return m < c->below;
}

Test(ckpadj, online_until_converged)
{
    const heat_params hp = {50, 0.45};
    problem P = heat_problem(&hp, SIZE_MAX);
    P.p[1] = 0.0;
    P.p[2] = 0.0;
    for (size_t s = 2; s <= 20; s += 9) {
        cool c = {0.5, hp.n, 0};
        ad_checkpoint_opts on = {.type = ad_revolve_online,
                                 .snapshots = s,
                                 .stop = cooled,
                                 .stop_ctx = &c};
        result r = run(&P, &on, 1);
        cr_assert_eq(r.rc, AD_OK);
        cr_assert(c.ended > 100, "ended at %zu", c.ended);
        cr_expect_eq(r.st.steps, c.ended);
        /* The same loop with its length known. */
        problem Q = P;
        Q.l = c.ended;
        ad_checkpoint_opts all = {.type = ad_revolve_store_all};
        result ref = run(&Q, &all, 1);
        expect_same(&Q, &r, &ref, "online until cooled");
        /* The bound of checkpoint.h: r(l+1, s) advances of a step at most,
         * so no more than r(l+1, s) l forward steps. */
        size_t rep;
        cr_assert_eq(ad_revolve_repetitions(c.ended + 1, s, &rep), AD_OK);
        cr_expect(r.st.forward_steps <= (uint64_t)rep * c.ended);
    }
}

/* A predicate that says stop at x_0: no step, the seed is the answer. */
static int at_once(size_t k, const double *x, void *ctx)
{
    (void)k, (void)x, (void)ctx;
    return 1;
}

Test(ckpadj, no_steps)
{
    problem P = lorenz_problem(0);
    ad_checkpoint_opts o = {.snapshots = 3};
    result r = run(&P, &o, 0);
    cr_assert_eq(r.rc, AD_OK);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(r.xl[i], P.x0[i]);
        cr_expect_eq(r.xbar0[i], P.w[i]);
        cr_expect_eq(r.pbar[i], 0.0);
    }
    cr_expect_eq(r.st.forward_steps, 0);
    cr_expect_eq(r.st.adjoint_steps, 0);
    /* With the objective: its gradient at x_0. */
    r = run(&P, &o, 1);
    cr_assert_eq(r.rc, AD_OK);
    double g[3];
    cr_assert_eq(ad_gradient(&P.obj, AD_REVERSE, P.x0, NULL, g), AD_OK);
    cr_expect(relerr(r.xbar0, g, 3) <= TOL);
    /* Online, stopped before the first step. */
    P.l = 50;
    ad_checkpoint_opts on = {
        .type = ad_revolve_online, .snapshots = 3, .stop = at_once};
    r = run(&P, &on, 0);
    cr_assert_eq(r.rc, AD_OK);
    cr_expect_eq(r.st.steps, 0);
    cr_expect_eq(r.xbar0[1], P.w[1]);
}

/* ---- aliasing, threads, NaN ---------------------------------------------- */

Test(ckpadj, outputs_overlap_inputs)
{
    problem P = lorenz_problem(500);
    ad_checkpoint_opts o = {.snapshots = 5};
    result ref = run(&P, &o, 0);
    cr_assert_eq(ref.rc, AD_OK);
    double x[3], p[3], w[3];
    memcpy(x, P.x0, sizeof x);
    memcpy(p, P.p, sizeof p);
    memcpy(w, P.w, sizeof w);
    cr_assert_eq(
        ad_checkpoint_adjoint(&P.step, P.l, x, p, w, NULL, &o, x, w, p, NULL),
        AD_OK);
    for (int i = 0; i < 3; i++) {
        cr_expect_eq(x[i], ref.xl[i]);
        cr_expect_eq(w[i], ref.xbar0[i]);
        cr_expect_eq(p[i], ref.pbar[i]);
    }
}

typedef struct job {
    problem P;
    result r;
} job;

static int job_run(void *arg)
{
    job *j = arg;
    ad_checkpoint_opts o = {.snapshots = 6};
    j->r = run(&j->P, &o, 1);
    ad_thread_release();
    return 0;
}

Test(ckpadj, threads)
{
    job jobs[3];
    thrd_t th[3];
    for (int i = 0; i < 3; i++) {
        jobs[i].P = lorenz_problem(1500 + 100 * (size_t)i);
        cr_assert_eq(thrd_create(&th[i], job_run, &jobs[i]), thrd_success);
    }
    for (int i = 0; i < 3; i++)
        thrd_join(th[i], NULL);
    for (int i = 0; i < 3; i++) {
        ad_checkpoint_opts o = {.snapshots = 6};
        result serial = run(&jobs[i].P, &o, 1);
        cr_assert_eq(jobs[i].r.rc, AD_OK);
        cr_expect_eq(memcmp(jobs[i].r.xbar0, serial.xbar0, 3 * sizeof(double)),
                     0);
        cr_expect_eq(memcmp(jobs[i].r.pbar, serial.pbar, 3 * sizeof(double)),
                     0);
    }
}

Test(ckpadj, nan_is_edom)
{
    problem P = lorenz_problem(100);
    P.x0[0] = NAN;
    ad_checkpoint_opts o = {.snapshots = 4};
    result r = run(&P, &o, 0);
    cr_expect_eq(r.rc, AD_EDOM);
    cr_expect(isnan(r.xl[0]));
}

/* ---- the disk ------------------------------------------------------------ */

static ad_checkpoint_opts two_level(const char *d)
{
    ad_checkpoint_opts o = {.type = ad_revolve_two_level,
                            .snapshots = 3,
                            .disk_snapshots = 30,
                            .dir = d};
    return o;
}

/* Outputs are untouched by a failed call: they keep this marker. */
#define MARK 12345.678

static void expect_eio(const problem *P, const ad_checkpoint_opts *o)
{
    double xl[3] = {MARK, MARK, MARK}, xb[3] = {MARK, MARK, MARK},
           pb[3] = {MARK, MARK, MARK};
    int rc = ad_checkpoint_adjoint(&P->step, P->l, P->x0, P->p, P->w, NULL, o,
                                   xl, xb, pb, NULL);
    cr_expect_eq(rc, AD_EIO, "dir %s: %s", o->dir ? o->dir : "(null)",
                 ad_strerror(rc));
    for (int i = 0; i < 3; i++)
        cr_expect(xl[i] == MARK && xb[i] == MARK && pb[i] == MARK);
}

Test(ckpadj, unwritable_directory)
{
    problem P = lorenz_problem(400);
    /* A path under a regular file: no one, root included, can create a
     * file there (chmod would not stop root). */
    char file[128], sub[160];
    snprintf(file, sizeof file, "%s/plain", dir);
    FILE *f = fopen(file, "w");
    cr_assert(f != NULL);
    fclose(f);
    snprintf(sub, sizeof sub, "%s/sub", file);
    ad_checkpoint_opts o = two_level(sub);
    expect_eio(&P, &o);
    o = two_level("/proc");
    expect_eio(&P, &o);
    snprintf(sub, sizeof sub, "%s/no/such/dir", dir);
    o = two_level(sub);
    expect_eio(&P, &o);
    remove(file);
    cr_expect_eq(count_entries(dir), 0);
}

Test(ckpadj, directory_gone_before)
{
    problem P = lorenz_problem(400);
    char gone[128];
    snprintf(gone, sizeof gone, "%s/gone", dir);
    cr_assert_eq(mkdir(gone, 0700), 0);
    cr_assert_eq(rmdir(gone), 0);
    ad_checkpoint_opts o = two_level(gone);
    expect_eio(&P, &o);
    cr_expect_eq(count_entries(dir), 0);
}

/* A step function that removes a directory at its n-th call: the
 * directory vanishes while the call runs. */
typedef struct vanish {
    lorenz_params lp;
    char path[128];
    long calls, at;
    int removed, entries; /* rmdir succeeded; entries seen just before */
} vanish;

static void vanish_double(const double *x, double *y, const void *params)
{
    vanish *v = (vanish *)params; /* the test's own, writable */
    if (++v->calls == v->at) {
        v->entries = count_entries(v->path);
        v->removed = rmdir(v->path) == 0;
    }
    lorenz_step_double(x, y, &v->lp);
}

static void vanish_var(const ad_var *x, ad_var *y, const void *params)
{
    const vanish *v = params;
    lorenz_step_var(x, y, &v->lp);
}

Test(ckpadj, directory_gone_during)
{
    problem P = lorenz_problem(3000);
    ad_checkpoint_opts all = {.type = ad_revolve_store_all};
    result ref = run(&P, &all, 0);
    cr_assert_eq(ref.rc, AD_OK);

    vanish v;
    memset(&v, 0, sizeof v);
    v.lp = lorenz_p;
    v.at = 2000; /* in the first run, after some disk writes */
    snprintf(v.path, sizeof v.path, "%s/vanish", dir);
    cr_assert_eq(mkdir(v.path, 0700), 0);
    ad_fn step = {0};
    step.n = 6;
    step.m = 3;
    step.params = &v;
    step.f_double = vanish_double;
    step.f_var = vanish_var;
    P.step = step;
    ad_checkpoint_opts o = two_level(v.path);
    result r = run(&P, &o, 0);
    cr_assert(v.removed, "the directory could not be removed mid-run");
    cr_expect_eq(v.entries, 0, "the disk file was visible");
    /* The file was unlinked when made: the run goes on undisturbed. */
    expect_same(&P, &r, &ref, "two-level, directory removed mid-run");
    cr_expect(r.st.disk_writes > 0);
    cr_expect_eq(count_entries(dir), 0);
}

/* A disk write that fails in mid-run: a file size limit (SIGXFSZ ignored,
 * so that the write returns EFBIG instead of killing the test). */
Test(ckpadj, disk_full_mid_run)
{
    problem P = lorenz_problem(3000);
    struct rlimit old, lim;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = 100; /* four snapshots of 24 bytes, and a bit */
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    ad_checkpoint_opts o = two_level(dir);
    ad_checkpoint_stats st;
    double xl[3] = {MARK, MARK, MARK}, xb[3] = {MARK, MARK, MARK},
           pb[3] = {MARK, MARK, MARK};
    int rc = ad_checkpoint_adjoint(&P.step, P.l, P.x0, P.p, P.w, NULL, &o, xl,
                                   xb, pb, &st);
    setrlimit(RLIMIT_FSIZE, &old);
    cr_expect_eq(rc, AD_EIO, "%s", ad_strerror(rc));
    cr_expect_eq(st.disk_writes, 5, "failed at write %llu",
                 (unsigned long long)st.disk_writes);
    for (int i = 0; i < 3; i++)
        cr_expect(xl[i] == MARK && xb[i] == MARK && pb[i] == MARK);
    cr_expect_eq(count_entries(dir), 0);
}

/* ---- errors -------------------------------------------------------------- */

Test(ckpadj, errors)
{
    problem P = lorenz_problem(100);
    ad_checkpoint_opts o = {.snapshots = 4};
    double xl[3], xb[3], pb[3];
#define CALL(step, l, x0, p, w, J, opts, pbar)                                 \
    ad_checkpoint_adjoint(step, l, x0, p, w, J, opts, xl, xb, pbar, NULL)
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, NULL, &o, pb), AD_OK);
    cr_expect_eq(CALL(NULL, P.l, P.x0, P.p, P.w, NULL, &o, pb), AD_EINVAL);
    cr_expect_eq(CALL(&P.step, P.l, NULL, P.p, P.w, NULL, &o, pb), AD_EINVAL);
    cr_expect_eq(CALL(&P.step, P.l, P.x0, NULL, P.w, NULL, &o, pb), AD_EINVAL);
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, NULL, NULL, pb), AD_EINVAL);
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, NULL, &o, NULL), AD_EINVAL);
    cr_expect_eq(ad_checkpoint_adjoint(&P.step, P.l, P.x0, P.p, P.w, NULL, &o,
                                       xl, NULL, pb, NULL),
                 AD_EINVAL);
    /* Both seeds, neither. */
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, &P.obj, &o, pb), AD_EINVAL);
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, NULL, NULL, &o, pb), AD_EINVAL);
    /* Sizes: step n < m, m == 0; objective m != 1 or n wrong. */
    ad_fn bad = P.step;
    bad.n = 2;
    cr_expect_eq(CALL(&bad, P.l, P.x0, P.p, P.w, NULL, &o, pb), AD_EINVAL);
    bad = P.step;
    bad.m = 0;
    cr_expect_eq(CALL(&bad, P.l, P.x0, P.p, P.w, NULL, &o, pb), AD_EINVAL);
    ad_fn J = P.obj;
    J.m = 2;
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, NULL, &J, &o, pb), AD_EINVAL);
    J = P.obj;
    J.n = 4;
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, NULL, &J, &o, pb), AD_EINVAL);
    /* Missing entry points. */
    bad = P.step;
    bad.f_var = NULL;
    cr_expect_eq(CALL(&bad, P.l, P.x0, P.p, P.w, NULL, &o, pb),
                 AD_EUNSUPPORTED);
    bad = P.step;
    bad.f_double = NULL;
    cr_expect_eq(CALL(&bad, P.l, P.x0, P.p, P.w, NULL, &o, pb),
                 AD_EUNSUPPORTED);
    J = P.obj;
    J.f_var = NULL;
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, NULL, &J, &o, pb),
                 AD_EUNSUPPORTED);
    /* The stop predicate belongs to online; online needs an end. */
    ad_checkpoint_opts s = {.snapshots = 4, .stop = at_once};
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, NULL, &s, pb), AD_EINVAL);
    ad_checkpoint_opts on = {.type = ad_revolve_online, .snapshots = 4};
    cr_expect_eq(CALL(&P.step, SIZE_MAX, P.x0, P.p, P.w, NULL, &on, pb),
                 AD_EINVAL);
    /* What the schedule refuses. */
    ad_checkpoint_opts zero = {.snapshots = 0};
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, NULL, &zero, pb),
                 AD_EINVAL);
    ad_checkpoint_opts one = {.snapshots = 1};
    cr_expect_eq(CALL(&P.step, SIZE_MAX, P.x0, P.p, P.w, NULL, &one, pb),
                 AD_ERANGE);
    ad_checkpoint_opts neg = two_level(dir);
    neg.write_cost = -1.0;
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, NULL, &neg, pb), AD_EINVAL);
    /* Store-all of 2^60 steps: slots for all of them cannot be had. */
    ad_checkpoint_opts all = {.type = ad_revolve_store_all};
    int rc = CALL(&P.step, (size_t)1 << 60, P.x0, P.p, P.w, NULL, &all, pb);
    cr_expect(rc == AD_ENOMEM || rc == AD_ERANGE, "%s", ad_strerror(rc));
    /* Recording does not nest. */
    ad_tape *t = ad_tape_new();
    cr_assert_eq(ad_tape_begin(t), AD_OK);
    cr_expect_eq(CALL(&P.step, P.l, P.x0, P.p, P.w, NULL, &o, pb), AD_EINVAL);
    ad_tape_end(t);
    ad_tape_free(t);
#undef CALL
}

/* A step without parameters: x_{k+1} = Phi(x_k), np == 0. */
static void decay_double(const double *x, double *y, const void *params)
{
    (void)params;
    y[0] = x[0] - 0.01 * x[0] * x[1];
    y[1] = x[1] + 0.01 * sin(x[0]);
}

static void decay_var(const ad_var *x, ad_var *y, const void *params)
{
    (void)params;
    y[0] = ad_sub(x[0], ad_mul(0.01, ad_mul(x[0], x[1])));
    y[1] = ad_add(x[1], ad_mul(0.01, ad_sin(x[0])));
}

Test(ckpadj, no_parameters)
{
    ad_fn step = {0};
    step.n = 2;
    step.m = 2;
    step.f_double = decay_double;
    step.f_var = decay_var;
    const double x0[2] = {0.7, -0.4}, w[2] = {1.3, 0.2};
    double xb[2], xb2[2];
    ad_checkpoint_opts o = {.snapshots = 3};
    cr_assert_eq(ad_checkpoint_adjoint(&step, 300, x0, NULL, w, NULL, &o, NULL,
                                       xb, NULL, NULL),
                 AD_OK);
    ad_checkpoint_opts all = {.type = ad_revolve_store_all};
    cr_assert_eq(ad_checkpoint_adjoint(&step, 300, x0, NULL, w, NULL, &all,
                                       NULL, xb2, NULL, NULL),
                 AD_OK);
    cr_expect(relerr(xb, xb2, 2) <= TOL);
    cr_expect(xb[0] != 0.0 && xb[1] != 0.0);
}
