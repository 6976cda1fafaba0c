/* adjoint_memory.c -- papers/adjoint-memory: how much memory the adjoints of
 * a reverse sweep need, and what keeping them small costs (see README.md).
 *
 * A reverse sweep over an array of one adjoint per variable needs 8 bytes
 * per operation of the tape.  ADOL-C reuses the locations of dead variables
 * at record time, so its adjoints take 8 bytes per variable alive at once
 * (Griewank & Walther, Evaluating Derivatives, 2nd ed., 2008, sec. 4.3 and
 * 4.5).  admix obtains the same in two ways: the adjoint window
 * (ad_tape_set_adjoint_window) keeps the adjoints of the recent variables
 * in a short array and those of far-read older ones in blocks, during the
 * sweep; the compiled form (ad_tape_compile) gives every variable a slot,
 * handed on after its last read, for sweeps at a new point.  Per problem,
 * the times per op of
 *   dense     ad_tape_gradient(t, NULL), the adjoint array;
 *   window    the same sweep on the same tape with the window on;
 *   new       ad_tape_gradient(t, x2), a replay at x2 and the sweep;
 *   compiled  the same on a compiled copy of the tape;
 * all sampled in turn (bench/timer.c), and the adjoint bytes each used
 * (ad_tape_last_adjoint_bytes).  Problems: the chain of chain.inc with 0,
 * 1, 2, 4 and 8 parameter reads per step (the window's far additions), and
 * the reverse benchmark's Lorenz-63 (12 parameter reads per 71 operations)
 * and extended Rosenbrock (every input read three times, all far from the
 * window by the time the sweep reaches them).
 * Checks (exit status 1): the window's gradient equals the array's, and the
 * compiled form's equals the uncompiled one's, to the bit (as tape.h
 * promises).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common.h"

typedef struct paper_chain_params {
    size_t steps; /* steps of the chain */
    int reads;    /* parameters read per step, 0 .. 8 */
} paper_chain_params;

#define AD_TEMPLATE "chain.inc"
#include <admix/instantiate.h>
AD_FN(paper_chain, 9, 1)

enum { B_DENSE, B_WIN, B_NEW, B_COMP, NB };

typedef struct prob {
    char name[32];
    ad_fn fn;
    double reads; /* parameter (input) reads per operation */
    size_t n;
    double *x, *x2, *g;
    ad_var *xv;
    ad_tape *t, *tc; /* the tape; a compiled copy */
    int rc;
    double sink;
} prob;

static void note_rc(prob *p, int rc)
{
    if (rc != AD_OK && p->rc == AD_OK)
        p->rc = rc;
}

static int record(prob *p, ad_tape *t)
{
    ad_var y;
    return ad_bench_record(&p->fn, t, p->x, p->xv, &y);
}

/* The gradient of body b into g; AD_OK or the sweep's error. */
static int gradient(prob *p, int b, double *g)
{
    switch (b) {
    case B_DENSE:
    case B_WIN:
        ad_tape_set_adjoint_window(p->t, b == B_WIN);
        return ad_tape_gradient(p->t, NULL, g);
    case B_NEW:
        ad_tape_set_adjoint_window(p->t, 0);
        return ad_tape_gradient(p->t, p->x2, g);
    default:
        return ad_tape_gradient(p->tc, p->x2, g);
    }
}

#define BODY(name, b)                                                          \
    static void name(void *c)                                                  \
    {                                                                          \
        prob *p = c;                                                           \
        note_rc(p, gradient(p, b, p->g));                                      \
        p->sink += p->g[0];                                                    \
    }
BODY(run_dense, B_DENSE)
BODY(run_win, B_WIN)
BODY(run_new, B_NEW)
BODY(run_comp, B_COMP)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sets up problem p: its point, the tape and its compiled copy. */
static int setup(prob *p, ad_bench_fill fill)
{
    const size_t n = p->n = p->fn.n;
    p->x = malloc(n * sizeof *p->x);
    p->x2 = malloc(n * sizeof *p->x2);
    p->g = malloc(n * sizeof *p->g);
    p->xv = malloc(n * sizeof *p->xv);
    p->t = ad_tape_new();
    p->tc = ad_tape_new();
    if (!p->x || !p->x2 || !p->g || !p->xv || !p->t || !p->tc)
        return AD_ENOMEM;
    ad_bench_rng rng = {AD_BENCH_SEED};
    for (size_t i = 0; i < n; i++)
        p->x[i] = fill != NULL ? fill(p->fn.params, i, &rng)
                               : ad_bench_uniform(&rng, 0.5, 1.0);
    for (size_t i = 0; i < n; i++)
        p->x2[i] = p->x[i] * (1.0 + ad_bench_uniform(&rng, -1e-3, 1e-3));
    int rc = record(p, p->t);
    if (rc == AD_OK)
        rc = record(p, p->tc);
    if (rc == AD_OK)
        rc = ad_tape_compile(p->tc);
    return rc;
}

static void teardown(prob *p)
{
    free(p->x);
    free(p->x2);
    free(p->g);
    free(p->xv);
    ad_tape_free(p->t);
    ad_tape_free(p->tc);
}

int main(int argc, char **argv)
{
    paper_opts o;
    int rc = paper_parse(argc, argv,
                         "The adjoints of a reverse sweep: an array as long "
                         "as the tape, the adjoint window, the compiled "
                         "form: bytes and time.",
                         &o);
    if (rc >= 0)
        return rc;
    paper_files pf;
    if (paper_files_open(&o, "adjoint_memory", &pf) != 0)
        return 1;
    FILE *txt = pf.txt, *csv = pf.csv, *dat = pf.dat;
    const double min_sample = o.quick ? 0.002 : o.full ? 0.05 : 0.02;
    const int samples = o.quick ? 3 : o.full ? 15 : 9;
    /* About 8 million operations per problem (4000 with --quick), as the
     * reverse benchmark's Lorenz and Rosenbrock. */
    const size_t ops_chain = o.quick ? 4000 : 8000000;
    const size_t lsteps = o.quick ? 500 : 100000, rn = o.quick ? 2000 : 1000000;

    enum { NCHAIN = 5, NPROB = NCHAIN + 2 };
    static const int chain_reads[NCHAIN] = {0, 1, 2, 4, 8};
    paper_chain_params cp[NCHAIN];
    ad_bench_lorenz_params lp = {lsteps, 0.001};
    ad_bench_rosen_params rp = {rn};
    prob probs[NPROB];
    ad_bench_fill fills[NPROB] = {0};
    memset(probs, 0, sizeof probs);
    for (int q = 0; q < NCHAIN; q++) {
        cp[q].steps = ops_chain / (size_t)(4 + 3 * chain_reads[q]);
        cp[q].reads = chain_reads[q];
        probs[q].fn = paper_chain_fn(&cp[q]);
        probs[q].reads = chain_reads[q] / (4.0 + 3.0 * chain_reads[q]);
        snprintf(probs[q].name, sizeof probs[q].name, "chain, %d read%s",
                 chain_reads[q], chain_reads[q] == 1 ? "" : "s");
    }
    probs[NCHAIN].fn = ad_bench_lorenz_fn(&lp);
    probs[NCHAIN].reads = 12.0 / 71.0;
    fills[NCHAIN] = ad_bench_fill_lorenz;
    snprintf(probs[NCHAIN].name, sizeof probs[NCHAIN].name, "lorenz-rk4");
    probs[NCHAIN + 1].fn = ad_bench_rosen_fn(&rp);
    probs[NCHAIN + 1].reads = 3.0 / 8.0;
    fills[NCHAIN + 1] = ad_bench_fill_rosen;
    snprintf(probs[NCHAIN + 1].name, sizeof probs[NCHAIN + 1].name,
             "rosenbrock");

    fprintf(txt,
            "The adjoints of a one-lane reverse sweep (ad_tape_gradient): an "
            "array of one per variable (dense), the adjoint window, and the\n"
            "compiled form at a new point; time per op (ns; median of %d "
            "samples of >= %.0f ms, all four sampled in turn), adjoint bytes "
            "per op,\n"
            "and the window's time over the array's as the median of the "
            "paired ratios [first and third quartile]\n\n",
            samples, 1e3 * min_sample);
    fprintf(txt, "%-16s %9s %6s | %7s %7s %19s | %7s %7s %7s | %7s %7s %7s\n",
            "problem", "ops", "reads", "dense", "window", "window / dense",
            "new pt", "compil.", "ratio", "B/op", "B/op", "B/op");
    fprintf(txt, "%-16s %9s %6s | %7s %7s %19s | %7s %7s %7s | %7s %7s %7s\n",
            "", "", "/op", "", "", "", "", "", "", "dense", "window",
            "compil.");
    fprintf(csv, "problem,ops,reads_per_op,ns_dense,ns_window,"
                 "window_over_dense,q1,q3,ns_new,ns_compiled,"
                 "compiled_over_new,adj_bytes_dense,adj_bytes_window,"
                 "adj_bytes_compiled\n");
    fprintf(dat, "# reads-per-op window/dense q1 q3 compiled/new "
                 "adj-bytes-per-op: dense window compiled\n");

    int ok = 1;
    for (int q = 0; q < NPROB; q++) {
        prob *p = &probs[q];
        rc = setup(p, fills[q]);
        if (rc != AD_OK) {
            fprintf(stderr, "adjoint_memory: %s: %s\n", p->name,
                    ad_strerror(rc));
            return 1;
        }
        ad_bench_body body[NB] = {run_dense, run_win, run_new, run_comp};
        void *ctx[NB] = {p, p, p, p};
        ad_bench_timing tm[NB];
        if (ad_bench_measure_set(NB, body, ctx, min_sample, samples, tm))
            return 1;
        if (p->rc != AD_OK) {
            fprintf(stderr, "adjoint_memory: %s: a timed call failed: %s\n",
                    p->name, ad_strerror(p->rc));
            return 1;
        }

        /* Untimed: the adjoint bytes of each, and the checks. */
        const size_t n = p->n;
        double *g[NB];
        size_t bytes[NB];
        for (int b = 0; b < NB; b++) {
            g[b] = malloc(n * sizeof *g[b]);
            rc = g[b] != NULL ? gradient(p, b, g[b]) : AD_ENOMEM;
            if (rc != AD_OK) {
                fprintf(stderr, "adjoint_memory: %s: %s\n", p->name,
                        ad_strerror(rc));
                return 1;
            }
            bytes[b] = ad_tape_last_adjoint_bytes();
        }
        int same_w = memcmp(g[B_DENSE], g[B_WIN], n * sizeof(double)) == 0;
        int same_c = memcmp(g[B_NEW], g[B_COMP], n * sizeof(double)) == 0;
        if (!same_w || !same_c)
            fprintf(stderr, "adjoint_memory: CHECK FAILED on %s:%s%s\n",
                    p->name, same_w ? "" : " the window's gradient differs",
                    same_c ? "" : " the compiled form's gradient differs");
        ok &= same_w && same_c;
        for (int b = 0; b < NB; b++)
            free(g[b]);

        /* The window over the array, round by round, with its spread. */
        double r[AD_BENCH_MAX_SAMPLES];
        for (int i = 0; i < samples; i++)
            r[i] = tm[B_WIN].seq[i] / tm[B_DENSE].seq[i];
        qsort(r, (size_t)samples, sizeof r[0], cmp_double);
        const double wd = ad_bench_paired_ratio(&tm[B_WIN], &tm[B_DENSE]);
        const double cn = ad_bench_paired_ratio(&tm[B_COMP], &tm[B_NEW]);
        const double q1 = r[(samples - 1) / 4], q3 = r[3 * (samples - 1) / 4];

        ad_tape_info in;
        ad_tape_stats(p->t, &in);
        const double ops = (double)in.ops, ns = 1e9 / ops;
        double bpo[NB];
        for (int b = 0; b < NB; b++)
            bpo[b] = (double)bytes[b] / ops;
        char spread[32];
        snprintf(spread, sizeof spread, "%.3f [%.2f-%.2f]", wd, q1, q3);
        fprintf(txt,
                "%-16s %9zu %6.3f | %7.2f %7.2f %19s | %7.2f %7.2f %7.3f | "
                "%7.2f %7.3f %7.1e\n",
                p->name, in.ops, p->reads, tm[B_DENSE].median * ns,
                tm[B_WIN].median * ns, spread, tm[B_NEW].median * ns,
                tm[B_COMP].median * ns, cn, bpo[B_DENSE], bpo[B_WIN],
                bpo[B_COMP]);
        fprintf(csv,
                "%s,%zu,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%zu,%zu,"
                "%zu\n",
                p->name, in.ops, p->reads, tm[B_DENSE].median * ns,
                tm[B_WIN].median * ns, wd, q1, q3, tm[B_NEW].median * ns,
                tm[B_COMP].median * ns, cn, bytes[B_DENSE], bytes[B_WIN],
                bytes[B_COMP]);
        fprintf(dat, "%.4f %.4f %.4f %.4f %.4f %.4g %.4g %.4g  # %s\n",
                p->reads, wd, q1, q3, cn, bpo[B_DENSE], bpo[B_WIN], bpo[B_COMP],
                p->name);
        fprintf(stderr, "adjoint_memory: %s done\n", p->name);
        teardown(p);
    }
    fprintf(txt,
            "\nns per op of the tape (ad_tape_info.ops); reads/op: reads of "
            "an input (a parameter, or Rosenbrock's x_i) per operation, each "
            "an addition\n"
            "the window makes far from its recent variables; new pt and "
            "compil.: ad_tape_gradient at a point x2 near x, without and with "
            "ad_tape_compile,\n"
            "ratio = compil. / new pt (paired as above); B/op: "
            "ad_tape_last_adjoint_bytes / ops after each sweep\n\n");
    paper_files_close(&pf, "adjoint_memory", &o);

    FILE *gp = paper_open(&o, "adjoint_memory.gp");
    if (!gp)
        return 1;
    fprintf(gp,
            "# gnuplot script written by papers/adjoint-memory; run: gnuplot "
            "adjoint_memory.gp\n"
            "set terminal pngcairo size 1000,520 noenhanced\n"
            "set output 'adjoint_memory.png'\n"
            "set multiplot layout 1,2\n"
            "set grid\n"
            "set key top left\n"
            "set xlabel 'input reads per operation'\n"
            "set ylabel 'time / time with the adjoint array'\n"
            "set title 'Cost of keeping the adjoints small'\n"
            "set xrange [-0.02:0.45]\n"
            "plot 'adjoint_memory.dat' using 1:2:3:4 with yerrorbars pt 7 "
            "title 'window (quartiles)', \\\n"
            "     '' using 1:5 with points pt 5 title 'compiled, new point', "
            "\\\n"
            "     1 with lines lt 0 notitle\n"
            "set logscale y\n"
            "set yrange [1e-7:100]\n"
            "set key bottom right\n"
            "set format y '%%g'\n"
            "set ylabel 'adjoint bytes per operation'\n"
            "set title 'Adjoint memory'\n"
            "plot 'adjoint_memory.dat' using 1:6 with points pt 7 title "
            "'array', \\\n"
            "     '' using 1:7 with points pt 9 title 'window', \\\n"
            "     '' using 1:8 with points pt 5 title 'compiled'\n"
            "unset multiplot\n");
    fclose(gp);
    paper_plot(&o, "adjoint_memory.gp");
    if (!ok)
        fprintf(stderr, "adjoint_memory: A CHECK FAILED (see stderr)\n");
    return ok ? 0 : 1;
}
