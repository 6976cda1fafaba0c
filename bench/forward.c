/* forward.c -- the forward-mode benchmark: what one derivative direction
 * costs (ad_dual) and what AD_LANES directions in one pass cost (ad_dualv),
 * each measured against the plain double function on the same machine, in
 * the same run.
 *
 * Method.  Every problem is one template instantiated for double, ad_dual
 * and ad_dualv (problems.c), so the three timings run the same source.  The
 * input buffers are allocated and filled once per problem and reused by
 * every call (first-touch page faults would otherwise be timed: about 14 us
 * per page on these virtual machines).  Each timing is the median of several
 * samples, each sample long enough (>= 20 ms by default) to dwarf the
 * clock's resolution, and the samples of f, dual and dualv are taken in turn
 * so that a busy spell of the (shared) machine hits all three alike
 * (timer.c).  Every result is added into a sink that is printed, so the
 * compiler cannot drop the work; the problem functions live in another
 * translation unit and are called through an ad_fn anyway.
 *
 * Beside the three modes, the time to merely read the ad_dualv input is
 * measured: a floor under any ad_dualv pass.  With 8 lanes the input is
 * 72 bytes per variable, 9 times f's, so for Rosenbrock at n = 10^6 (72 MB,
 * beyond the caches) memory bandwidth alone can put dualv/f above 5.  A
 * second Rosenbrock row at n = 10^4 fits in the caches and shows the
 * arithmetic cost.
 *
 * Directions are dense (pseudo-random, fixed seed), not unit vectors, so no
 * tangent is structurally zero.  After timing, every ad_dualv lane k is
 * compared with an ad_dual pass along lane k's direction, and the dual
 * derivative with the complex step along the same direction (h = 1e-200),
 * which shares no code with the dual types.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* The targets of the forward-mode issue, for the table's verdicts. */
#define TARGET_DUAL  2.5 /* one dual direction, relative to f */
#define TARGET_DUALV 5.0 /* AD_LANES = 8 directions, relative to f */

/* A relative difference between a dualv lane and the dual pass above this
 * is a failed check.  The two compute the same expressions in the same
 * order, so they normally agree to the last bit; the slack allows a compiler
 * that contracts a*b + c into an fma in one of them but not the other. */
#define TOL_LANE 1e-12
/* Dual vs complex step: both are exact up to rounding, but round
 * differently (complex multiplication, csin, ...); sums over 10^6 terms
 * may lose a few more digits. */
#define TOL_CSTEP 1e-9

/* ---- one problem: its function object and its reusable buffers --------- */

typedef struct problem {
    const char *name;
    ad_fn fn;
    double *x;          /* the point */
    ad_dual *xd;        /* the point with the direction of lane 0 */
    ad_dualv *xv;       /* the point with AD_LANES directions */
    double complex *xc; /* for the complex-step check */
    double sink;        /* every result is added here */
} problem;

static void problem_free(problem *p)
{
    free(p->x);
    free(p->xd);
    free(p->xv);
    free(p->xc);
}

/* Allocates the buffers for fn and fills them from rng: x by fill,
 * directions uniform in [-1, 1).  Returns -1 if memory ran out. */
static int problem_init(problem *p, const char *name, ad_fn fn,
                        ad_bench_fill fill, ad_bench_rng *rng)
{
    size_t n = fn.n;
    memset(p, 0, sizeof *p);
    p->name = name;
    p->fn = fn;
    p->x = malloc(n * sizeof *p->x);
    p->xd = malloc(n * sizeof *p->xd);
    p->xv = malloc(n * sizeof *p->xv);
    p->xc = malloc(n * sizeof *p->xc);
    if (!p->x || !p->xd || !p->xv || !p->xc) {
        problem_free(p);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        p->x[i] = fill(fn.params, i, rng);
        p->xv[i].v = p->x[i];
        for (int k = 0; k < AD_LANES; k++)
            p->xv[i].d[k] = ad_bench_uniform(rng, -1.0, 1.0);
        p->xd[i] = ad_dual_make(p->x[i], p->xv[i].d[0]);
    }
    return 0;
}

/* ---- the timed bodies: one evaluation each, result into the sink -------- */

static void run_double(void *ctx)
{
    problem *p = ctx;
    double y;
    p->fn.f_double(p->x, &y, p->fn.params);
    p->sink += y;
}

static void run_dual(void *ctx)
{
    problem *p = ctx;
    ad_dual y;
    p->fn.f_dual(p->xd, &y, p->fn.params);
    p->sink += y.v + y.d;
}

static void run_dualv(void *ctx)
{
    problem *p = ctx;
    ad_dualv y;
    p->fn.f_dualv(p->xv, &y, p->fn.params);
    p->sink += y.v + y.d[0] + y.d[AD_LANES - 1];
}

/* Reads the ad_dualv input once and does nothing else worth mentioning: no
 * ad_dualv pass can be faster than this, so read/f is the floor under
 * dualv/f set by memory bandwidth (large inputs) or by the load units
 * (small ones).  32 independent sums (8 vectors of 4) keep the additions'
 * latency out of the way. */
#define READ_WAYS 32
static void run_read(void *ctx)
{
    problem *p = ctx;
    const double *a = (const double *)p->xv;
    size_t len = p->fn.n * (sizeof *p->xv / sizeof(double)), i = 0;
    double s[READ_WAYS] = {0.0};
    for (; i + READ_WAYS <= len; i += READ_WAYS)
        for (int k = 0; k < READ_WAYS; k++)
            s[k] += a[i + k];
    for (; i < len; i++)
        s[0] += a[i];
    double t = 0.0;
    for (int k = 0; k < READ_WAYS; k++)
        t += s[k];
    p->sink += t;
}

/* ---- the checks (untimed) ----------------------------------------------- */

/* Largest relative difference between lane k of one ad_dualv pass and an
 * ad_dual pass along lane k's direction, over all lanes; and between the
 * dual derivative along lane 0 and the complex step along it.  Leaves xd
 * seeded with lane 0 again. */
static void check_problem(problem *p, double *lane_diff, double *cstep_diff)
{
    const size_t n = p->fn.n;
    ad_dualv yv;
    p->fn.f_dualv(p->xv, &yv, p->fn.params);

    *lane_diff = 0.0;
    double d0 = 0.0;
    for (int k = AD_LANES - 1; k >= 0; k--) {
        for (size_t i = 0; i < n; i++)
            p->xd[i].d = p->xv[i].d[k];
        ad_dual yd;
        p->fn.f_dual(p->xd, &yd, p->fn.params);
        *lane_diff = fmax(*lane_diff, ad_bench_reldiff(yd.d, yv.d[k]));
        if (ad_bench_reldiff(yd.v, yv.v) > *lane_diff)
            *lane_diff = ad_bench_reldiff(yd.v, yv.v);
        if (k == 0)
            d0 = yd.d;
    }

    /* The complex step: f(x + i h v) = f(x) + i h f'(x) v + O(h^2), and the
     * imaginary part has no subtraction to cancel, so h can be tiny. */
    const double h = 1e-200;
    for (size_t i = 0; i < n; i++)
        p->xc[i] = AD__CMPLX(p->x[i], h * p->xv[i].d[0]);
    double complex yc;
    p->fn.f_complex(p->xc, &yc, p->fn.params);
    *cstep_diff = ad_bench_reldiff(d0, cimag(yc) / h);
}

/* ---- the benchmark ------------------------------------------------------ */

int ad_bench_forward(FILE *out, const ad_bench_options *opt)
{
    /* Rosenbrock twice: at n = 10^6 as specified, where the ad_dualv input
     * (72 MB with 8 lanes) streams from main memory, and at n = 10^4, where
     * every input fits in the caches, to show the arithmetic cost alone. */
    ad_bench_rosen_params rp = {ad_bench_scaled(1e6, opt->scale, 2)};
    ad_bench_rosen_params rp_small = {ad_bench_scaled(1e4, opt->scale, 2)};
    ad_bench_speel_params sp = {ad_bench_scaled(1e4, opt->scale, 1)};
    /* One generator for the whole run: the MLP's data point first, then
     * every problem's point and directions in turn. */
    ad_bench_rng rng = {AD_BENCH_SEED};
    double mlp_input[AD_BENCH_MLP_NIN];
    ad_bench_mlp_params mp = ad_bench_mlp_default(mlp_input, &rng);

    char mlp_name[32];
    snprintf(mlp_name, sizeof mlp_name, "mlp %zu-%zu-%zu", mp.nin, mp.nhid,
             mp.nout);

    struct {
        const char *name;
        ad_fn fn;
        ad_bench_fill fill;
    } list[] = {
        {"rosenbrock", ad_bench_rosen_fn(&rp), ad_bench_fill_rosen},
        {"rosenbrock", ad_bench_rosen_fn(&rp_small), ad_bench_fill_rosen},
        {"speelpenning", ad_bench_speel_fn(&sp), ad_bench_fill_speel},
        {mlp_name, ad_bench_mlp_fn(&mp), ad_bench_fill_mlp},
    };
    const int nprob = (int)(sizeof list / sizeof list[0]);

    fprintf(out,
            "admix forward-mode benchmark: f = plain double, dual = ad_dual "
            "(1 direction),\n"
            "dualv = ad_dualv (AD_LANES = %d directions).  Median of %d "
            "samples of >= %.0f ms,\n"
            "the modes' samples interleaved.\n",
            AD_LANES, opt->samples, opt->min_sample * 1e3);
    ad_bench_print_build(out);
    fprintf(out, "\n%-14s %7s %12s %12s %6s %12s %7s %8s %6s  %s\n", "problem",
            "n", "f", "dual", "dual/f", "dualv", "dualv/f", "dir/dual",
            "read/f", "targets");

    int status = 0, missed = 0, floor_missed = 0;
    double sink = 0.0;
    double worst_lane = 0.0, worst_cstep = 0.0;
    for (int q = 0; q < nprob; q++) {
        problem p;
        if (problem_init(&p, list[q].name, list[q].fn, list[q].fill, &rng) !=
            0) {
            fprintf(out, "%s: out of memory\n", list[q].name);
            return -1;
        }
        const ad_bench_body body[4] = {run_double, run_dual, run_dualv,
                                       run_read};
        void *const ctx[4] = {&p, &p, &p, &p};
        ad_bench_timing t[4];
        ad_bench_measure_set(4, body, ctx, opt->min_sample, opt->samples, t);
        const double tf = t[0].median, td = t[1].median, tv = t[2].median;

        double lane_diff, cstep_diff;
        check_problem(&p, &lane_diff, &cstep_diff);
        worst_lane = fmax(worst_lane, lane_diff);
        worst_cstep = fmax(worst_cstep, cstep_diff);
        int ok = lane_diff <= TOL_LANE && cstep_diff <= TOL_CSTEP;
        if (!ok)
            status = 1;

        double rd = td / tf, rv = tv / tf, rr = t[3].median / tf;
        int hit_d = rd <= TARGET_DUAL, hit_v = rv <= TARGET_DUALV;
        /* A miss that reading the input alone would cause is marked. */
        int floor_v = !hit_v && rr > TARGET_DUALV;
        missed += !hit_d + !hit_v;
        floor_missed += floor_v;
        fprintf(out, "%-14s %7zu", p.name, p.fn.n);
        ad_bench_print_time(out, tf);
        ad_bench_print_time(out, td);
        fprintf(out, " %6.2f", rd);
        ad_bench_print_time(out, tv);
        fprintf(out, " %7.2f %8.3f %6.2f  %s %s%s\n", rv, tv / (AD_LANES * td),
                rr, hit_d ? "ok" : "MISS",
                hit_v ? "ok" : (floor_v ? "MISS*" : "MISS"),
                ok ? "" : "  CHECK FAILED");
        sink += p.sink;
        problem_free(&p);
    }

    fprintf(out,
            "\n"
            "dual/f, dualv/f  time relative to the plain double function f\n"
            "dir/dual         dualv / (%d x dual): the cost of a direction in "
            "a vector pass\n"
            "                 relative to a dual pass of its own (< 1: the "
            "vector pass wins)\n"
            "read/f           time to merely read the dualv input once, "
            "relative to f: a\n"
            "                 floor under dualv/f (memory bandwidth when the "
            "input is large)\n"
            "targets          dual/f <= %.1f, then dualv/f <= %.1f (set for "
            "AD_LANES = 8): %s\n"
            "%s",
            AD_LANES, TARGET_DUAL, TARGET_DUALV,
            missed ? "some MISSED" : "all met",
            floor_missed ? "                 MISS*: read/f alone exceeds the "
                           "dualv target on this machine\n"
                         : "");
    fprintf(out,
            "checks (untimed): each dualv lane vs a dual pass along its "
            "direction, max rel.\n"
            "diff %.1e (tol. %.0e); dual vs complex step (h = 1e-200), max "
            "rel. diff %.1e\n"
            "(tol. %.0e): %s.  [sink %.3g]\n",
            worst_lane, TOL_LANE, worst_cstep, TOL_CSTEP,
            status ? "FAILED" : "passed", sink);
    return status;
}

/* ---- the command line --------------------------------------------------- */

void ad_bench_forward_usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s forward [--min-time MS] [--samples N] [--quick]\n"
            "\n"
            "Times the plain double function f, ad_dual (one direction) and "
            "ad_dualv\n"
            "(AD_LANES directions) on extended Rosenbrock (n = 10^6, and "
            "10^4 to fit in\n"
            "cache), Speelpenning's product (n = 10^4) and the softmax "
            "cross-entropy loss\n"
            "of an MLP 64-256-10 with tanh hidden units (all 19210 weights "
            "and biases as\n"
            "inputs), and checks that every dualv lane equals the dual pass "
            "along its\n"
            "direction and the complex step.\n"
            "\n"
            "  --min-time MS  each sample runs at least MS milliseconds "
            "(default 20)\n"
            "  --samples N    samples per timing, median reported (default "
            "7, max %d)\n"
            "  --quick        sizes / 100, and unless given, 2 ms and 3 "
            "samples: a smoke\n"
            "                 test of the program, not a measurement\n"
            "  -h, --help     this text\n"
            "\n"
            "Exit status: 0, 1 if a derivative check failed, 2 on a usage "
            "error.\n",
            prog, AD_BENCH_MAX_SAMPLES);
}

int ad_bench_forward_main(int argc, char **argv, const char *prog)
{
    ad_bench_options opt = ad_bench_default_options();
    /* No --scale here: the sizes are as documented, or / 100 with --quick. */
    const ad_bench_cli cli = {.prog = prog,
                              .bench = "forward",
                              .usage = ad_bench_forward_usage,
                              .with_scale = 0,
                              .option = NULL};
    int r = ad_bench_parse(&cli, argc, argv, &opt);
    if (r >= 0)
        return r;
    r = ad_bench_forward(stdout, &opt);
    return r == 0 ? 0 : 1;
}
