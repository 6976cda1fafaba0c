/* seed_cost.c -- papers/seed-cost: the seed's worked example and the cost of
 * a gradient in forward and in reverse mode (see README.md).
 *
 * Part 1.  y = sin(x^2) at x = 2 in every mode (dual, hyper-dual, complex
 * step, the tape's reverse sweep, the MPFR replay of the tape), printed
 * and checked against the analytic y = sin 4 and dy/dx = 4 cos 4 and
 * against the rounded values of the seed (-0.7568, -2.6146).
 *
 * Part 2.  Extended Rosenbrock (bench/rosen.inc) for n = 1, 2, 5, 10, ...,
 * 10^5: the time of f in double and of its gradient four ways, each as a
 * multiple of f's time:
 *   fwd-dualv  ad_gradient(AD_FORWARD): ceil(n / AD_LANES) ad_dualv passes;
 *   fwd-dual   the same with f_dualv removed: n ad_dual passes;
 *   rev        ad_gradient(AD_REVERSE): record f_var on a tape, sweep back;
 *   sweep      ad_tape_gradient on a tape recorded once: the reverse sweep
 *              alone (the cost when one tape serves many gradients).
 * Timing: bench/timer.c's ad_bench_measure_set (median of samples, all
 * bodies of one n sampled in turn).  The forward modes cost O(n^2) and stop
 * at n = 10^4 (10^5 with --long).  Untimed check at every n: the forward
 * gradients equal the reverse one to 1e-12 (normwise).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common.h"

#define AD_TEMPLATE "seed.inc"
#include <admix/instantiate.h>
AD_FN(paper_seed, 1, 1)

/* The rounded values the seed states. */
#define SEED_Y  (-0.7568)
#define SEED_DY (-2.6146)

static int check(FILE *out, const char *what, double got, double want,
                 double tol)
{
    double err = fabs(got - want);
    int ok = err <= tol * fabs(want);
    fprintf(out, "%-34s % .17f  %8.1e%s\n", what, got, err,
            ok ? "" : "  WRONG");
    return ok;
}

/* Part 1: the worked example.  Returns 1 if every value is right. */
static int seed_example(FILE *out)
{
    const double x = 2.0, y = sin(4.0), dy = 4.0 * cos(4.0);
    int ok = 1;
    fprintf(out, "y = sin(x^2) at x = 2: y = sin 4, dy/dx = 2x cos(x^2) = "
                 "4 cos 4\n\n");
    fprintf(out, "%-34s %-21s  %8s\n", "", "value", "error");

    ok &= check(out, "y, double", sin(x * x), y, 1e-15);
    ad_dual xd = ad_dual_make(x, 1.0), yd;
    paper_seed_dual(&xd, &yd, NULL);
    ok &= check(out, "dy/dx, dual number", yd.d, dy, 1e-15);
    ad_hdual xh = ad_hdual_make(x, 1.0, 1.0, 0.0), yh;
    paper_seed_hdual(&xh, &yh, NULL);
    ok &= check(out, "dy/dx, hyper-dual", yh.d1, dy, 1e-15);
    double complex xc = x + 1e-200 * I, yc;
    paper_seed_complex(&xc, &yc, NULL);
    ok &= check(out, "dy/dx, complex step h = 1e-200", cimag(yc) / 1e-200, dy,
                1e-15);

    /* The tape: record x -> a = x^2 -> y = sin a, then sweep it back. */
    ad_tape *tape = ad_tape_new();
    double g = NAN, gm = NAN;
    if (tape && ad_tape_begin(tape) == AD_OK) {
        ad_var xv = ad_independent(x), yv;
        paper_seed_var(&xv, &yv, NULL);
        ad_dependent(yv);
        if (ad_tape_end(tape) == AD_OK) {
            ad_tape_gradient(tape, NULL, &g);
            ad_tape_mpfr_gradient(tape, NULL, 0, &gm);
        }
    }
    ad_tape_free(tape);
    ok &= check(out, "dy/dx, reverse (tape)", g, dy, 1e-15);
    ok &= check(out, "dy/dx, MPFR replay (256 bits)", gm, dy, 1e-16);
    fprintf(out, "\nThe rounded values (README): y = %.4f, dy/dx = %.4f: %s\n",
            SEED_Y, SEED_DY,
            fabs(y - SEED_Y) < 5e-5 && fabs(dy - SEED_DY) < 5e-5 ? "agree"
                                                                 : "DISAGREE");
    ok &= fabs(y - SEED_Y) < 5e-5 && fabs(dy - SEED_DY) < 5e-5;

    /* The seed's text works the reverse sweep by hand to three digits:
     * y = sin 4 ~ -0.757, abar = cos 4 ~ -0.654, xbar = abar 2x ~ -0.654 x 4
     * ~ -2.616.  The last multiplies the already rounded abar, so its third
     * decimal is off: the exact value rounds to -2.615. */
    ad_dual ad = ad_dual_make(4.0, 1.0), sd = ad_sin(ad);
    fprintf(out,
            "\nThe seed's hand-worked reverse sweep, to three decimals:\n"
            "  y    = sin 4     = %.6f  (seed: -0.757)\n"
            "  abar = cos 4     = %.6f  (seed: -0.654)\n"
            "  xbar = abar * 4  = %.6f  (seed: -0.654 x 4 = -2.616; exact "
            "rounds to %.3f,\n"
            "                                the seed's third decimal comes "
            "from the rounded abar)\n",
            sd.v, sd.d, 4.0 * sd.d, 4.0 * sd.d);
    ok &= fabs(sd.v - -0.757) < 5e-4 && fabs(sd.d - -0.654) < 5e-4;
    return ok;
}

/* ---- part 2: the cost of a gradient ------------------------------------- */

typedef struct job {
    ad_fn f, f1; /* f1: f without f_dualv, so AD_FORWARD makes n passes */
    const double *x;
    double *g;
    ad_tape *tape;
    double sink;
} job;

static void run_f(void *c)
{
    job *j = c;
    double y;
    j->f.f_double(j->x, &y, j->f.params);
    j->sink += y;
}
static void run_fwd_v(void *c)
{
    job *j = c;
    ad_gradient(&j->f, AD_FORWARD, j->x, NULL, j->g);
}
static void run_fwd_1(void *c)
{
    job *j = c;
    ad_gradient(&j->f1, AD_FORWARD, j->x, NULL, j->g);
}
static void run_rev(void *c)
{
    job *j = c;
    ad_gradient(&j->f, AD_REVERSE, j->x, NULL, j->g);
}
static void run_sweep(void *c)
{
    job *j = c;
    ad_tape_gradient(j->tape, NULL, j->g);
}

/* max |a - b| / max |b|. */
static double normdiff(const double *a, const double *b, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num = fmax(num, fabs(a[i] - b[i]));
        den = fmax(den, fabs(b[i]));
    }
    return den > 0.0 ? num / den : num;
}

enum { F, FWDV, FWD1, REV, SWEEP, NB };
static const char *const body_name[NB] = {"f", "fwd-dualv", "fwd-dual", "rev",
                                          "sweep"};

int main(int argc, char **argv)
{
    paper_opts o;
    int rc = paper_parse(
        argc, argv,
        "The seed example sin(x^2) and the cost of forward and reverse "
        "gradients of Rosenbrock versus n.",
        &o);
    if (rc >= 0)
        return rc;

    paper_files pf;
    if (paper_files_open(&o, "seed-cost", &pf) != 0)
        return 1;
    FILE *txt = pf.txt, *csv = pf.csv, *dat = pf.dat;
    int ok = seed_example(txt);

    const size_t nmax = o.quick ? 1000 : 100000;
    const size_t fwdmax = o.quick ? 100 : o.full ? 100000 : 10000;
    const double min_sample = o.quick ? 0.002 : o.full ? 0.05 : 0.01;
    const int samples = o.quick ? 3 : o.full ? 11 : 5;

    fprintf(txt,
            "\nGradient of extended Rosenbrock: time per call as a "
            "multiple of f's (median of %d samples of >= %.0f ms)\n",
            samples, 1e3 * min_sample);
    fprintf(txt, "forward modes up to n = %zu; AD_LANES = %d\n\n", fwdmax,
            AD_LANES);
    fprintf(txt, "%7s %11s %10s %10s %10s %10s %10s %9s %8s\n", "n", "f (s)",
            "fwd-dualv", "fwd-dual", "rev", "sweep", "check", "tape ops",
            "ns/op");
    fprintf(csv, "n,t_f,t_fwd_dualv,t_fwd_dual,t_rev,t_sweep,"
                 "ratio_fwd_dualv,ratio_fwd_dual,ratio_rev,ratio_sweep,"
                 "max_reldiff,tape_ops,sweep_ns_per_op\n");
    fprintf(dat, "# n  t_f  ratio_fwd_dualv ratio_fwd_dual ratio_rev "
                 "ratio_sweep  (NaN: not run)\n");

    static const double mant[3] = {1, 2, 5};
    for (int e = 0; e <= 5; e++) {
        for (int k = 0; k < 3; k++) {
            size_t n = (size_t)(mant[k] * pow(10.0, e) + 0.5);
            if (n > nmax)
                break;
            ad_bench_rosen_params p = {n};
            double *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g),
                   *gr = malloc(n * sizeof *gr);
            ad_tape *tape = ad_tape_new();
            if (!x || !g || !gr || !tape) {
                fprintf(stderr, "out of memory at n = %zu\n", n);
                return 1;
            }
            ad_bench_rng rng = {AD_BENCH_SEED};
            for (size_t i = 0; i < n; i++)
                x[i] = ad_bench_fill_rosen(&p, i, &rng);
            job j = {.f = ad_bench_rosen_fn(&p), .x = x, .g = g, .tape = tape};
            j.f1 = j.f;
            j.f1.f_dualv = NULL;

            /* The reference gradient, and the tape the sweep reuses. */
            int st = ad_gradient(&j.f, AD_REVERSE, x, NULL, gr);
            if (st == AD_OK && ad_tape_begin(tape) == AD_OK) {
                ad_var *xv = malloc(n * sizeof *xv), yv;
                if (!xv)
                    return 1;
                ad_independent_array(n, x, xv);
                j.f.f_var(xv, &yv, j.f.params);
                ad_dependent(yv);
                st = ad_tape_end(tape);
                free(xv);
            }
            if (st != AD_OK) {
                fprintf(stderr, "n = %zu: %s\n", n, ad_strerror(st));
                return 1;
            }
            int fwd = n <= fwdmax;
            double worst = 0.0;
            ad_gradient(&j.f, AD_FORWARD, x, NULL, g);
            worst = fmax(worst, normdiff(g, gr, n));
            ad_tape_gradient(tape, NULL, g);
            worst = fmax(worst, normdiff(g, gr, n));
            if (fwd) {
                ad_gradient(&j.f1, AD_FORWARD, x, NULL, g);
                worst = fmax(worst, normdiff(g, gr, n));
            }
            ok &= worst <= 1e-12;

            ad_bench_body body[NB];
            void *ctx[NB];
            int which[NB], nb = 0;
            for (int b = 0; b < NB; b++) {
                if ((b == FWDV || b == FWD1) && !fwd)
                    continue;
                static const ad_bench_body all[NB] = {
                    run_f, run_fwd_v, run_fwd_1, run_rev, run_sweep};
                body[nb] = all[b];
                ctx[nb] = &j;
                which[nb++] = b;
            }
            ad_bench_timing tm[NB];
            if (ad_bench_measure_set(nb, body, ctx, min_sample, samples, tm))
                return 1;
            double t[NB];
            for (int b = 0; b < NB; b++)
                t[b] = NAN;
            for (int b = 0; b < nb; b++)
                t[which[b]] = tm[b].median;

            fprintf(txt, "%7zu %11.3e", n, t[F]);
            for (int b = 1; b < NB; b++) {
                if (isnan(t[b]))
                    fprintf(txt, " %10s", "-");
                else
                    fprintf(txt, " %10.2f", t[b] / t[F]);
            }
            ad_tape_info ti;
            ad_tape_stats(tape, &ti);
            double nsop = 1e9 * t[SWEEP] / (double)(ti.ops ? ti.ops : 1);
            fprintf(txt, " %10.1e %9zu %8.2f\n", worst, ti.ops, nsop);
            fprintf(csv, "%zu", n);
            for (int b = 0; b < NB; b++)
                fprintf(csv, ",%.6e", t[b]);
            for (int b = 1; b < NB; b++)
                fprintf(csv, ",%.4f", t[b] / t[F]);
            fprintf(csv, ",%.3e,%zu,%.3f\n", worst, ti.ops, nsop);
            fprintf(dat, "%zu %.6e", n, t[F]);
            for (int b = 1; b < NB; b++)
                fprintf(dat, " %.5g", t[b] / t[F]);
            fprintf(dat, "\n");
            fprintf(stderr, "seed-cost: n = %zu done\n", n);
            ad_tape_free(tape);
            free(x);
            free(g);
            free(gr);
            (void)body_name;
        }
    }
    fprintf(txt, "\nColumns: time of the gradient / time of f; check: the "
                 "largest normwise difference of the\nforward and sweep "
                 "gradients from ad_gradient(AD_REVERSE)'s; tape ops: the "
                 "nodes of f's tape;\nns/op: the sweep's time per node.\n");
    fprintf(txt, "\n");
    paper_files_close(&pf, "seed-cost", &o);

    FILE *gp = paper_open(&o, "seed-cost.gp");
    if (!gp)
        return 1;
    fprintf(gp,
            "# gnuplot script written by papers/seed-cost; run: gnuplot "
            "seed-cost.gp\n"
            "set terminal pngcairo size 900,600 noenhanced\n"
            "set output 'seed-cost.png'\n"
            "set logscale xy\n"
            "set xlabel 'n (inputs of extended Rosenbrock)'\n"
            "set ylabel 'time of the gradient / time of f'\n"
            "set key top left\n"
            "set grid\n"
            "set title 'Cost of a gradient: forward mode grows with n, "
            "reverse mode does not'\n"
            "plot 'seed-cost.dat' using 1:3 with linespoints title "
            "'forward, ad_dualv (%d lanes)', \\\n"
            "     '' using 1:4 with linespoints title 'forward, ad_dual', \\\n"
            "     '' using 1:5 with linespoints title 'reverse: record + "
            "sweep', \\\n"
            "     '' using 1:6 with linespoints title 'reverse: sweep of a "
            "recorded tape'\n",
            AD_LANES);
    fclose(gp);
    paper_plot(&o, "seed-cost.gp");
    if (!ok)
        fprintf(stderr, "seed-cost: A CHECK FAILED (see seed-cost.txt)\n");
    return ok ? 0 : 1;
}
