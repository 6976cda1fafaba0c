/* taping.c -- papers/taping: Jacobian taping against primal value taping,
 * the two tape kinds of Sagebaum, Albring & Gauger (ACM TOMS 45(4), 2019),
 * as admix has them (see README.md).
 *
 * admix records a primal value tape: per node its operation, argument
 * indices and constants, the values of every variable kept beside it, so
 * that a reverse sweep evaluates each node's partials from the primitive
 * table as it goes, and the tape can be replayed at a new point.
 * ad_tape_linearize turns a recorded tape into a Jacobian tape as well: it
 * stores every node's partials at the recorded point beside the argument
 * indices, after which a reverse sweep at that point only multiplies and
 * adds.  Per problem, two tapes recorded at the same x (one left as it is,
 * one linearised), and the times of
 *   f            the double instantiation;
 *   record       ad_tape_begin .. ad_tape_end on a reused tape;
 *   grad value   ad_tape_gradient(value tape, NULL): at the recorded point;
 *   grad linear  ad_tape_gradient(linearised tape, NULL);
 *   linearise    ad_tape_linearize again on the linearised tape (its
 *                storage reused; the first call, which allocates, is timed
 *                once and printed apart);
 *   grad new     ad_tape_gradient(value tape, x2): a replay of the values
 *                at x2 and the sweep -- the Jacobian tape cannot do this.
 * per op of the tape (ad_tape_info.ops), and the bytes per op of each tape
 * (ad_tape_info.bytes before and after linearising).  Derived: the sweeps
 * at one point after which linearising pays for itself,
 * linearise / (grad value - grad linear).
 * Problems: extended Rosenbrock (cheap partials: +, *, squares), Lorenz-63
 * by RK4 (the same, a long narrow chain) and the transcendental chain of
 * bench/trans.inc (costly partials: sin, exp, tanh, pow, atan).
 * Checks (exit status 1): at the recorded point the two tapes' gradients
 * agree within 1e-14 relative to the largest entry; at x2 the value tape's
 * gradient equals that of a tape recorded at x2 within 1e-14.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common.h"

enum { B_F, B_REC, B_GVAL, B_GLIN, B_LIN, B_GNEW, NB };
static const char *const bname[NB] = {"f",           "record",    "grad value",
                                      "grad linear", "linearise", "grad new"};

typedef struct prob {
    const char *name;
    ad_fn fn;
    size_t n;
    double *x, *x2, *g, *g2;
    ad_var *xv;
    ad_tape *val, *lin, *rec;
    int rc;
    double sink;
} prob;

static void note_rc(prob *p, int rc)
{
    if (rc != AD_OK && p->rc == AD_OK)
        p->rc = rc;
}

static int record(prob *p, ad_tape *t, const double *x)
{
    ad_var y;
    return ad_bench_record(&p->fn, t, x, p->xv, &y);
}

static void run_f(void *c)
{
    prob *p = c;
    double y;
    p->fn.f_double(p->x, &y, p->fn.params);
    p->sink += y;
}

static void run_rec(void *c)
{
    prob *p = c;
    note_rc(p, record(p, p->rec, p->x));
}

static void run_gval(void *c)
{
    prob *p = c;
    note_rc(p, ad_tape_gradient(p->val, NULL, p->g));
    p->sink += p->g[0];
}

static void run_glin(void *c)
{
    prob *p = c;
    note_rc(p, ad_tape_gradient(p->lin, NULL, p->g));
    p->sink += p->g[0];
}

static void run_lin(void *c)
{
    prob *p = c;
    note_rc(p, ad_tape_linearize(p->lin));
}

static void run_gnew(void *c)
{
    prob *p = c;
    note_rc(p, ad_tape_gradient(p->val, p->x2, p->g));
    p->sink += p->g[0];
}

/* max |a - b| / max |b|. */
static double rel(const double *a, const double *b, size_t n)
{
    double d = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        s = fmax(s, fabs(b[i]));
    }
    return s > 0.0 ? d / s : d;
}

int main(int argc, char **argv)
{
    paper_opts o;
    int rc = paper_parse(argc, argv,
                         "Jacobian taping (ad_tape_linearize) versus primal "
                         "value taping: time and bytes per op.",
                         &o);
    if (rc >= 0)
        return rc;
    paper_files pf;
    if (paper_files_open(&o, "taping", &pf) != 0)
        return 1;
    FILE *txt = pf.txt, *csv = pf.csv, *dat = pf.dat;
    const double min_sample = o.quick ? 0.002 : o.full ? 0.05 : 0.02;
    const int samples = o.quick ? 3 : o.full ? 11 : 5;
    const size_t nbig = o.quick ? 1000 : o.full ? 1000000 : 100000;
    const size_t steps = o.quick ? 1000 : o.full ? 100000 : 10000;

    ad_bench_rosen_params rp = {nbig}, tp = {nbig};
    ad_bench_lorenz_params lp = {steps, 0.001};
    prob probs[3] = {
        {.name = "rosenbrock", .fn = ad_bench_rosen_fn(&rp)},
        {.name = "lorenz-rk4", .fn = ad_bench_lorenz_fn(&lp)},
        {.name = "trans-chain", .fn = ad_bench_trans_fn(&tp)},
    };
    static const ad_bench_fill fills[3] = {
        ad_bench_fill_rosen, ad_bench_fill_lorenz, ad_bench_fill_trans};
    int ok = 1;

    fprintf(txt,
            "Primal value tape (admix's own) versus the same tape linearised "
            "(ad_tape_linearize: a Jacobian tape):\n"
            "time per op of the tape (ns; median of %d samples of >= %.0f "
            "ms) and bytes per op\n\n",
            samples, 1e3 * min_sample);
    fprintf(txt,
            "%-12s %8s %9s | %6s %6s | %7s %7s %7s %7s %7s | %7s %7s | %6s "
            "%7s\n",
            "problem", "n", "ops", "B/op", "B/op", "record", "grad", "grad",
            "lin.", "grad", "1st lin", "f", "break", "lin err");
    fprintf(txt,
            "%-12s %8s %9s | %6s %6s | %7s %7s %7s %7s %7s | %7s %7s | %6s "
            "%7s\n",
            "", "", "", "value", "linear", "", "value", "linear", "(again)",
            "new pt", "", "", "even", "");
    fprintf(csv, "problem,n,ops,args,bytes_value,bytes_linear,ns_f,ns_record,"
                 "ns_grad_value,ns_grad_linear,ns_linearise,"
                 "ns_linearise_first,ns_grad_new,break_even_sweeps,"
                 "err_linear,err_new\n");
    fprintf(dat, "# problem-index grad_value grad_linear linearise grad_new "
                 "record (ns per op)  bytes/op value linear\n");

    for (int q = 0; q < 3; q++) {
        prob *p = &probs[q];
        p->n = p->fn.n;
        const size_t n = p->n;
        p->x = malloc(n * sizeof *p->x);
        p->x2 = malloc(n * sizeof *p->x2);
        p->g = malloc(n * sizeof *p->g);
        p->g2 = malloc(n * sizeof *p->g2);
        p->xv = malloc(n * sizeof *p->xv);
        p->val = ad_tape_new();
        p->lin = ad_tape_new();
        p->rec = ad_tape_new();
        if (!p->x || !p->x2 || !p->g || !p->g2 || !p->xv || !p->val ||
            !p->lin || !p->rec) {
            fprintf(stderr, "taping: out of memory\n");
            return 1;
        }
        ad_bench_rng rng = {AD_BENCH_SEED};
        for (size_t i = 0; i < n; i++)
            p->x[i] = fills[q](p->fn.params, i, &rng);
        for (size_t i = 0; i < n; i++)
            p->x2[i] = p->x[i] * (1.0 + ad_bench_uniform(&rng, -1e-3, 1e-3));
        rc = record(p, p->val, p->x);
        if (rc == AD_OK)
            rc = record(p, p->lin, p->x);
        ad_tape_info iv, il;
        ad_tape_stats(p->val, &iv);
        double t0 = ad_bench_now();
        if (rc == AD_OK)
            rc = ad_tape_linearize(p->lin);
        double t_first = ad_bench_now() - t0;
        ad_tape_stats(p->lin, &il);
        if (rc != AD_OK) {
            fprintf(stderr, "taping: %s: %s\n", p->name, ad_strerror(rc));
            return 1;
        }
        ad_bench_body body[NB] = {run_f,    run_rec, run_gval,
                                  run_glin, run_lin, run_gnew};
        void *ctx[NB] = {p, p, p, p, p, p};
        ad_bench_timing tm[NB];
        if (ad_bench_measure_set(NB, body, ctx, min_sample, samples, tm))
            return 1;
        if (p->rc != AD_OK) {
            fprintf(stderr, "taping: %s: a timed call failed: %s\n", p->name,
                    ad_strerror(p->rc));
            return 1;
        }
        /* Checks, untimed. */
        double e_lin = NAN, e_new = NAN;
        rc = ad_tape_gradient(p->val, NULL, p->g);
        if (rc == AD_OK)
            rc = ad_tape_gradient(p->lin, NULL, p->g2);
        if (rc == AD_OK)
            e_lin = rel(p->g2, p->g, n);
        if (rc == AD_OK)
            rc = ad_tape_gradient(p->val, p->x2, p->g);
        if (rc == AD_OK)
            rc = record(p, p->rec, p->x2);
        if (rc == AD_OK)
            rc = ad_tape_gradient(p->rec, NULL, p->g2);
        if (rc == AD_OK)
            e_new = rel(p->g, p->g2, n);
        if (rc != AD_OK) {
            fprintf(stderr, "taping: %s: %s\n", p->name, ad_strerror(rc));
            return 1;
        }
        int good = e_lin <= 1e-14 && e_new <= 1e-14;
        if (!good)
            fprintf(stderr,
                    "taping: CHECK FAILED on %s: linearised vs value %.1e, "
                    "new point vs re-recorded %.1e\n",
                    p->name, e_lin, e_new);
        ok &= good;

        const double ops = (double)iv.ops, ns = 1e9 / ops;
        /* The partials are one double per argument word, kept beside the
         * tape (linear.c); ad_tape_info.bytes counts the recording only. */
        const size_t lbytes = il.bytes + il.args * sizeof(double);
        double bv = (double)iv.bytes / ops, bl = (double)lbytes / ops;
        double gain = tm[B_GVAL].median - tm[B_GLIN].median;
        double brk = gain > 0.0 ? tm[B_LIN].median / gain : INFINITY;
        fprintf(txt,
                "%-12s %8zu %9zu | %6.1f %6.1f | %7.2f %7.2f %7.2f %7.2f "
                "%7.2f | %7.2f %7.2f | %6.1f %7.1e\n",
                p->name, n, iv.ops, bv, bl, tm[B_REC].median * ns,
                tm[B_GVAL].median * ns, tm[B_GLIN].median * ns,
                tm[B_LIN].median * ns, tm[B_GNEW].median * ns, t_first * ns,
                tm[B_F].median * ns, brk, e_lin);
        fprintf(csv,
                "%s,%zu,%zu,%zu,%zu,%zu,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,"
                "%.3f,%.3e,%.3e\n",
                p->name, n, iv.ops, iv.args, iv.bytes, lbytes,
                tm[B_F].median * ns, tm[B_REC].median * ns,
                tm[B_GVAL].median * ns, tm[B_GLIN].median * ns,
                tm[B_LIN].median * ns, t_first * ns, tm[B_GNEW].median * ns,
                brk, e_lin, e_new);
        fprintf(dat, "%d %.4f %.4f %.4f %.4f %.4f %.2f %.2f\n", q,
                tm[B_GVAL].median * ns, tm[B_GLIN].median * ns,
                tm[B_LIN].median * ns, tm[B_GNEW].median * ns,
                tm[B_REC].median * ns, bv, bl);
        fprintf(stderr, "taping: %s done\n", p->name);
        free(p->x);
        free(p->x2);
        free(p->g);
        free(p->g2);
        free(p->xv);
        ad_tape_free(p->val);
        ad_tape_free(p->lin);
        ad_tape_free(p->rec);
    }
    fprintf(txt,
            "\nns per op of the tape; B/op: ad_tape_info.bytes / ops of the "
            "value tape, and of the linearised one plus its partials (8 bytes "
            "per argument);\n"
            "lin. (again): ad_tape_linearize on a tape already linearised "
            "(storage reused); 1st lin: the first call, timed once;\n"
            "break even: sweeps at one point after which linearising pays, "
            "lin. / (grad value - grad linear);\n"
            "lin err: max |g_linear - g_value| / max |g_value| at the "
            "recorded point\n\n");
    paper_files_close(&pf, "taping", &o);
    (void)bname;

    FILE *gp = paper_open(&o, "taping.gp");
    if (!gp)
        return 1;
    fprintf(gp, "# gnuplot script written by papers/taping; run: gnuplot "
                "taping.gp\n"
                "set terminal pngcairo size 1000,520 noenhanced\n"
                "set output 'taping.png'\n"
                "set style data histograms\n"
                "set style histogram clustered gap 1\n"
                "set style fill solid 0.8 border -1\n"
                "set grid ytics\n"
                "set yrange [0:*]\n"
                "set ylabel 'ns per op of the tape'\n"
                "set title 'Value tape versus linearised (Jacobian) tape'\n"
                "set xtics ('rosenbrock' 0, 'lorenz-rk4' 1, 'trans-chain' 2)\n"
                "set key top left\n"
                "plot 'taping.dat' using 2 title 'gradient, value tape', \\\n"
                "     '' using 3 title 'gradient, linearised tape', \\\n"
                "     '' using 4 title 'linearising', \\\n"
                "     '' using 5 title 'gradient at a new point (value "
                "tape)', \\\n"
                "     '' using 6 title 'recording'\n");
    fclose(gp);
    paper_plot(&o, "taping.gp");
    if (!ok)
        fprintf(stderr, "taping: A CHECK FAILED (see taping.txt)\n");
    return ok ? 0 : 1;
}
