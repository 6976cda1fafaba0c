/* checkpoint.c -- the checkpointing benchmark: the adjoint of a long time
 * loop by ad_checkpoint_adjoint, storing every state versus revolve's
 * binomial schedule with a few snapshots.
 *
 * Problem.  Lorenz-63 by RK4 (lorenz_step.inc: one step, the state and the
 * parameters sigma, rho, beta in, the state out), l = 10^6 steps of 10^-4
 * (100 time units, as `bench reverse`'s 10^5 steps of 10^-3), from Lorenz's
 * classic chaotic case; the seed is the adjoint (1, 1, 1) of the final
 * state, so the result is the gradient of x + y + z at the end with respect
 * to the initial state and the parameters.
 *
 * Measures.  f: the loop itself, the double step l times.  Then, per
 * strategy, one call of ad_checkpoint_adjoint: its time (as a multiple of
 * f's and of store-all's), the forward steps it took (steps of Phi in
 * double; store-all l - 1, binomial t(l, s) -- the closed form is printed
 * beside it), the memory slots it used, and its peak memory: the snapshots
 * (slots used x 3 doubles) plus the tape's storage at its largest and the
 * adjoints of its variables (ad_checkpoint_stats.peak_tape_bytes; one
 * step's tape, the same for every strategy).  The strategies: store-all,
 * binomial with s = 10, 20, 50 and 100 snapshots and, for comparison,
 * online (the loop length unknown to the schedule) with s = 20 and
 * two-level with 20 memory and 100 disk slots (a temporary file; 10 steps
 * per disk write and read in the schedule's cost model).
 *
 * Method.  Every call is long (about a second), so a sample is one call
 * and few samples are taken (3 by default); the samples of all strategies
 * are taken in turn after an untimed warm-up call of each (timer.c), so
 * that their ratios share the machine's conditions.  The load average at
 * the start is printed: the machine is shared.
 *
 * Checks (untimed): every strategy's x_l, adjoint of x_0 and of p against
 * store-all's, to 1e-12 relative (normwise; they are in fact the same
 * operations in the same order), and the forward steps of binomial against
 * ad_revolve_forward_steps.  A failed check makes the exit status 1.
 *
 * Targets (issue 5): with s = 20, peak memory <= 1% of store-all's and time
 * <= 3 x store-all's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define AD_TEMPLATE "lorenz_step.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_lorenz_step, 6, 3)

#define TOL            1e-12
#define TARGET_MEMORY  0.01 /* s = 20: peak memory / store-all's */
#define TARGET_TIME    3.0  /* s = 20: time / store-all's */
#define TARGET_S       20
#define MAX_STRATEGIES 8

/* The loop: Phi, its length and where it starts. */
typedef struct cloop {
    ad_fn step;
    size_t l;
    double x0[3], p[3], w[3];
    double sink;
} cloop;

/* One strategy: its options and what its last call gave. */
typedef struct strategy {
    char name[48];
    ad_checkpoint_opts o;
    size_t s; /* binomial: the snapshots, for t(l, s); else 0 */
    cloop *loop;
    double xl[3], xbar0[3], pbar[3];
    ad_checkpoint_stats st;
    int rc; /* the first error of a call */
} strategy;

static void run_f(void *ctx)
{
    cloop *L = ctx;
    double a[6], b[6];
    memcpy(a, L->x0, sizeof L->x0);
    memcpy(a + 3, L->p, sizeof L->p);
    memcpy(b + 3, L->p, sizeof L->p);
    double *x = a, *y = b;
    for (size_t k = 0; k < L->l; k++) {
        L->step.f_double(x, y, L->step.params);
        double *t = x;
        x = y;
        y = t;
    }
    L->sink += x[0] + x[1] + x[2];
}

static void run_strategy(void *ctx)
{
    strategy *S = ctx;
    const cloop *L = S->loop;
    int rc = ad_checkpoint_adjoint(&L->step, L->l, L->x0, L->p, L->w, NULL,
                                   &S->o, S->xl, S->xbar0, S->pbar, &S->st);
    if (rc != AD_OK && S->rc == AD_OK)
        S->rc = rc;
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

/* The bytes of one step's tape and of its adjoints: a whole-loop tape
 * holds l of them.  0 if the recording fails. */
static size_t one_step_bytes(const cloop *L)
{
    ad_tape *t = ad_tape_new();
    if (t == NULL)
        return 0;
    double in[6];
    memcpy(in, L->x0, sizeof L->x0);
    memcpy(in + 3, L->p, sizeof L->p);
    ad_var x[6], y[3];
    size_t bytes = 0;
    if (ad_tape_begin(t) == AD_OK) {
        ad_independent_array(6, in, x);
        L->step.f_var(x, y, L->step.params);
        ad_dependent_array(3, y);
        if (ad_tape_end(t) == AD_OK) {
            ad_tape_info info;
            ad_tape_stats(t, &info);
            bytes = info.bytes + 8 * info.vars;
        }
    }
    ad_tape_free(t);
    return bytes;
}

static void print_bytes(FILE *out, double b)
{
    if (b < 1e6)
        fprintf(out, " %9.1f kB", b * 1e-3);
    else
        fprintf(out, " %9.1f MB", b * 1e-6);
}

/* The first line of /proc/loadavg's numbers, or "unknown". */
static void load_average(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/loadavg", "r");
    if (f == NULL)
        return;
    double a, b, c;
    if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
        snprintf(buf, len, "%.2f %.2f %.2f (1, 5, 15 min)", a, b, c);
    fclose(f);
}

static const char *verdict(int ok, int *missed)
{
    if (!ok)
        ++*missed;
    return ok ? "ok" : "MISS";
}

int ad_bench_checkpoint(FILE *out, const ad_bench_options *opt,
                        const char *command)
{
    ad_bench_lorenz_params lp = {0, 1e-4};
    cloop L;
    memset(&L, 0, sizeof L);
    L.step = ad_bench_lorenz_step_fn(&lp);
    L.l = ad_bench_scaled(1e6, opt->scale, 2);
    ad_bench_rng rng = {AD_BENCH_SEED};
    double in[6];
    for (size_t i = 0; i < 6; i++)
        in[i] = ad_bench_fill_lorenz(NULL, i, &rng);
    memcpy(L.x0, in, sizeof L.x0);
    memcpy(L.p, in + 3, sizeof L.p);
    L.w[0] = L.w[1] = L.w[2] = 1.0;

    static strategy S[MAX_STRATEGIES];
    int ns = 0;
    memset(S, 0, sizeof S);
    snprintf(S[ns].name, sizeof S[ns].name, "store-all");
    S[ns++].o.type = ad_revolve_store_all;
    static const size_t svals[] = {10, 20, 50, 100};
    for (size_t i = 0; i < sizeof svals / sizeof svals[0]; i++) {
        snprintf(S[ns].name, sizeof S[ns].name, "binomial s=%zu", svals[i]);
        S[ns].o.snapshots = svals[i];
        S[ns++].s = svals[i];
    }
    snprintf(S[ns].name, sizeof S[ns].name, "online s=20");
    S[ns].o.type = ad_revolve_online;
    S[ns++].o.snapshots = 20;
    snprintf(S[ns].name, sizeof S[ns].name, "two-level s=20, disk 100");
    S[ns].o.type = ad_revolve_two_level;
    S[ns].o.snapshots = 20;
    S[ns].o.disk_snapshots = 100;
    S[ns].o.write_cost = 10.0;
    S[ns++].o.read_cost = 10.0;
    for (int i = 0; i < ns; i++)
        S[i].loop = &L;

    char load[64];
    load_average(load, sizeof load);
    fprintf(out,
            "admix checkpointing benchmark: the adjoint of Lorenz-63 by RK4, "
            "l = %zu steps of %g,\n"
            "by ad_checkpoint_adjoint (one step's tape at a time) along each "
            "schedule.\n"
            "Median of %d samples of one call each, all strategies "
            "interleaved.\n",
            L.l, lp.dt, opt->samples);
    fprintf(out, "load average: %s\n", load);
    ad_bench_print_build(out);
    if (command != NULL)
        fprintf(out, "command: %s\n", command);

    ad_bench_body body[MAX_STRATEGIES + 1];
    void *ctx[MAX_STRATEGIES + 1];
    ad_bench_timing t[MAX_STRATEGIES + 1];
    body[0] = run_f;
    ctx[0] = &L;
    for (int i = 0; i < ns; i++) {
        body[i + 1] = run_strategy;
        ctx[i + 1] = &S[i];
    }
    /* A call is long (a second at l = 10^6): a sample is one call. */
    if (ad_bench_measure_set(ns + 1, body, ctx, opt->min_sample, opt->samples,
                             t) != 0)
        return -1;

    const strategy *all = &S[0];
    double tf = t[0].median, tall = t[1].median;
    double mall =
        (double)all->st.peak_snapshot_bytes + (double)all->st.peak_tape_bytes;
    fprintf(out, "\n%-26s %12s %8s %7s %12s %12s %9s %12s %9s  %s\n",
            "strategy", "time", "/f", "/st-all", "fwd steps", "t(l, s)",
            "snapshots", "peak memory", "/st-all", "targets");
    fprintf(out, "%-26s", "f (the double loop)");
    ad_bench_print_time(out, tf);
    fprintf(out, " %8.2f\n", 1.0);
    int missed = 0, failed = 0, status = 0;
    double worst = 0.0;
    for (int i = 0; i < ns; i++) {
        const strategy *s = &S[i];
        if (s->rc != AD_OK) {
            fprintf(out, "%-26s failed: %s\n", s->name, ad_strerror(s->rc));
            status = -1;
            continue;
        }
        double ti = t[i + 1].median;
        double mem =
            (double)s->st.peak_snapshot_bytes + (double)s->st.peak_tape_bytes;
        fprintf(out, "%-26s", s->name);
        ad_bench_print_time(out, ti);
        fprintf(out, " %8.2f %7.2f %12llu", ti / tf, ti / tall,
                (unsigned long long)s->st.forward_steps);
        uint64_t tls = 0;
        if (s->s > 0 && ad_revolve_forward_steps(L.l, s->s, &tls) == AD_OK) {
            fprintf(out, " %12llu", (unsigned long long)tls);
            if (tls != s->st.forward_steps)
                failed = 1;
        } else {
            fprintf(out, " %12s", "-");
        }
        fprintf(out, " %9zu", s->st.snapshots);
        print_bytes(out, mem);
        fprintf(out, " %9.5f", mem / mall);
        if (s->s == TARGET_S) {
            fprintf(out, "  mem <=1%% %s, time <=%.0fx %s",
                    verdict(mem / mall <= TARGET_MEMORY, &missed), TARGET_TIME,
                    verdict(ti / tall <= TARGET_TIME, &missed));
        }
        if (s->st.disk_writes > 0)
            fprintf(out, "  (disk: %zu slots, %llu writes, %llu reads)",
                    s->st.disk_snapshots, (unsigned long long)s->st.disk_writes,
                    (unsigned long long)s->st.disk_reads);
        fprintf(out, "\n");
        double e = fmax(
            relerr(s->xbar0, all->xbar0, 3),
            fmax(relerr(s->pbar, all->pbar, 3), relerr(s->xl, all->xl, 3)));
        worst = fmax(worst, e);
    }
    if (worst > TOL)
        failed = 1;
    size_t step_bytes = one_step_bytes(&L);

    fprintf(out,
            "\n"
            "time        one call of ad_checkpoint_adjoint: the schedule, its "
            "forward steps in\n"
            "            double, and l steps recorded and swept back one at a "
            "time\n"
            "/f          time relative to the double loop f; /st-all: to "
            "store-all\n"
            "fwd steps   steps of Phi run in double (ADVANCEs); t(l, s) is "
            "the binomial optimum\n"
            "snapshots   memory slots used, 3 doubles each\n"
            "peak memory the snapshots + one step's tape at its largest + its "
            "adjoints\n"
            "            (%zu bytes, the same for all); a tape of the whole "
            "loop would hold\n"
            "            about %.0f MB (l x %zu bytes of one step's recording "
            "+ adjoints)\n"
            "targets     s = %d: peak memory <= 1%% of store-all's, time <= "
            "%.0f x store-all's: %s\n",
            all->st.peak_tape_bytes, (double)L.l * (double)step_bytes * 1e-6,
            step_bytes, TARGET_S, TARGET_TIME,
            missed ? "some MISSED" : "all met");
    fprintf(out,
            "checks (untimed): x_l, xbar_0, pbar vs store-all: max rel. diff "
            "%.1e (tol. %.0e);\n"
            "binomial forward steps vs t(l, s): %s.  [gradient d(x+y+z)/d "
            "sigma %.6g, sink %.3g]\n",
            worst, TOL,
            status < 0 ? "NOT RUN (error)"
            : failed   ? "FAILED"
                       : "passed",
            all->pbar[0], L.sink);
    if (status < 0)
        return -1;
    return failed ? 1 : 0;
}

/* ---- the command line --------------------------------------------------- */

void ad_bench_checkpoint_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s checkpoint [--samples N] [--scale S] [--quick]\n"
            "\n"
            "The adjoint of Lorenz-63 by RK4 over l = 10^6 steps by "
            "ad_checkpoint_adjoint:\n"
            "store-all versus binomial (revolve) with s = 10, 20, 50, 100 "
            "snapshots, and\n"
            "online and two-level with s = 20: time as a multiple of the "
            "double loop's\n"
            "and of store-all's, forward steps, snapshots, peak memory (tape "
            "+ snapshots).\n"
            "Checks every gradient against store-all's.\n"
            "\n"
            "  --samples N   samples per strategy, one call each, median "
            "reported\n"
            "                (default 3, max %d)\n"
            "  --scale S     l = 10^6 S (default 1)\n"
            "  --quick       --scale 0.01: a smoke test, not a measurement\n"
            "  -h, --help    this text\n"
            "\n"
            "Exit status: 0, 1 if a check or a call failed, 2 on a usage "
            "error.\n",
            prog, AD_BENCH_MAX_SAMPLES);
}

int ad_bench_checkpoint_main(int argc, char **argv, const char *prog)
{
    ad_bench_options opt = ad_bench_default_options();
    opt.samples = 3;
    const ad_bench_cli cli = {.prog = prog,
                              .bench = "checkpoint",
                              .usage = ad_bench_checkpoint_usage,
                              .with_scale = 1,
                              .option = NULL,
                              .ctx = NULL};
    int r = ad_bench_parse(&cli, argc, argv, &opt);
    if (r >= 0)
        return r;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "%s checkpoint --samples %d --scale %g", prog,
             opt.samples, opt.scale);
    r = ad_bench_checkpoint(stdout, &opt, cmd);
    return r == 0 ? 0 : 1;
}
