/* revolve.c -- papers/revolve: binomial checkpointing (Griewank & Walther,
 * ACM TOMS 26(1), 2000), see README.md.
 *
 * Part 1, the forward-step table.  For every pair (l, s) checked, the
 * binomial schedule (ad_revolve_new with ad_revolve_binomial) is run to its
 * end, its ADVANCE actions summed (to - from: the steps run without a tape,
 * as Griewank and Walther count them), and the sum compared with the closed
 * form t(l, s) = r l - beta(s+1, r-1) (ad_revolve_forward_steps).  The pairs:
 * every l up to 100 (30 with --quick, 1000 with --long) with every s from 1
 * to 50; about 20 log-spaced l per decade up to 10^4 (10^3 with --quick)
 * with every s; and for s = 2 .. 50 the l = beta(s, r) - 1, beta(s, r),
 * beta(s, r) + 1 up to 10^4, where the repetition number r changes.  Every
 * schedule is also checked to reverse all l steps (l adjoints).  A
 * mismatch makes the exit status 1.
 *
 * Part 2, the trade-off measured.  The adjoint of Lorenz-63 by RK4
 * (bench/lorenz_step.inc) over l = 10^5 steps (10^3 --quick, 10^6 --long)
 * by ad_checkpoint_adjoint: store-all, then binomial with s = 3, 5, 10, 20,
 * 50, 100 snapshots.  Time (median of 3 calls, all strategies sampled in
 * turn by bench/timer.c), forward steps, peak memory (snapshots + the one
 * step's tape and adjoints, ad_checkpoint_stats), each beside store-all's;
 * every gradient checked against store-all's (1e-12 normwise).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common.h"

#define AD_TEMPLATE "lorenz_step.inc"
#include <admix/instantiate.h>
AD_FN(ad_bench_lorenz_step, 6, 3)

#define SMAX 50

/* Runs the binomial schedule for (l, s) to its end: *fwd the ADVANCEd
 * steps, *adj the adjoints.  Returns the status of the first failing call. */
static int run_schedule(size_t l, size_t s, uint64_t *fwd, uint64_t *adj)
{
    ad_revolve_params p = {.steps = l, .snapshots = s};
    ad_revolve *r;
    int st = ad_revolve_new(ad_revolve_binomial, &p, &r);
    if (st != AD_OK)
        return st;
    ad_revolve_action a;
    *fwd = *adj = 0;
    while ((st = ad_revolve_next(r, &a)) == AD_OK &&
           a.kind != AD_REVOLVE_DONE) {
        if (a.kind == AD_REVOLVE_ADVANCE)
            *fwd += a.to - a.from;
        else if (a.kind == AD_REVOLVE_ADJOINT ||
                 a.kind == AD_REVOLVE_FIRST_ADJOINT)
            ++*adj;
    }
    ad_revolve_free(r);
    return st;
}

typedef struct tally {
    size_t pairs, mismatches;
    FILE *csv;
} tally;

/* Checks one pair; returns t(l, s) from the schedule. */
static uint64_t check_pair(tally *T, size_t l, size_t s, const char *why)
{
    uint64_t fwd = 0, adj = 0, t = 0;
    size_t r = 0;
    int st = run_schedule(l, s, &fwd, &adj);
    int st2 = ad_revolve_forward_steps(l, s, &t);
    ad_revolve_repetitions(l, s, &r);
    int match = st == AD_OK && st2 == AD_OK && fwd == t && adj == l;
    T->pairs++;
    if (!match) {
        T->mismatches++;
        fprintf(stderr,
                "revolve: l = %zu, s = %zu: schedule %llu, formula "
                "%llu, adjoints %llu\n",
                l, s, (unsigned long long)fwd, (unsigned long long)t,
                (unsigned long long)adj);
    }
    fprintf(T->csv, "%zu,%zu,%zu,%llu,%llu,%d,%s\n", l, s, r,
            (unsigned long long)fwd, (unsigned long long)t, match, why);
    return fwd;
}

/* ---- part 2 ----------------------------------------------------------------
 */

typedef struct strat {
    const char *name;
    ad_checkpoint_opts o;
    size_t s;
    const ad_fn *step;
    size_t l;
    const double *x0, *p, *w;
    double xl[3], xbar0[3], pbar[3];
    ad_checkpoint_stats st;
    int rc;
} strat;

static void run_strat(void *c)
{
    strat *S = c;
    int rc = ad_checkpoint_adjoint(S->step, S->l, S->x0, S->p, S->w, NULL,
                                   &S->o, S->xl, S->xbar0, S->pbar, &S->st);
    if (rc != AD_OK && S->rc == AD_OK)
        S->rc = rc;
}

typedef struct floop {
    const ad_fn *step;
    size_t l;
    const double *x0, *p;
    double sink;
} floop;

static void run_loop(void *c)
{
    floop *L = c;
    double a[6], b[6];
    memcpy(a, L->x0, 3 * sizeof *a);
    memcpy(a + 3, L->p, 3 * sizeof *a);
    memcpy(b + 3, L->p, 3 * sizeof *b);
    for (size_t k = 0; k < L->l; k++) {
        L->step->f_double(a, b, L->step->params);
        memcpy(a, b, 3 * sizeof *a);
    }
    L->sink += a[0];
}

int main(int argc, char **argv)
{
    paper_opts o;
    int rc = paper_parse(argc, argv,
                         "Revolve's forward-step table t(l, s) from the "
                         "schedule against the formula, and the measured "
                         "time/memory trade-off of a checkpointed adjoint.",
                         &o);
    if (rc >= 0)
        return rc;
    FILE *txt = paper_open(&o, "revolve.txt");
    FILE *csv = paper_open(&o, "revolve-table.csv");
    FILE *sdat = paper_open(&o, "revolve-steps.dat");
    FILE *tcsv = paper_open(&o, "revolve-tradeoff.csv");
    FILE *tdat = paper_open(&o, "revolve-tradeoff.dat");
    if (!txt || !csv || !sdat || !tcsv || !tdat)
        return 1;

    /* ---- part 1 ---- */
    const size_t lexh = o.quick ? 30 : o.full ? 1000 : 100;
    const size_t lmax = o.quick ? 1000 : 10000;
    tally T = {0, 0, csv};
    fprintf(csv, "l,s,r,t_schedule,t_formula,match,why\n");
    for (size_t l = 1; l <= lexh; l++)
        for (size_t s = 1; s <= SMAX; s++)
            check_pair(&T, l, s, "all");

    /* Log-spaced l: 10^(k/20), rounded, distinct; the steps / l of a few s
     * go to the plot. */
    static const size_t plot_s[] = {2, 3, 5, 10, 20, 50};
    enum { NPS = sizeof plot_s / sizeof plot_s[0] };
    fprintf(sdat, "# l   t(l,s)/l for s =");
    for (int i = 0; i < NPS; i++)
        fprintf(sdat, " %zu", plot_s[i]);
    fprintf(sdat, "\n");
    size_t last = 0;
    for (int k = 0; k <= 80; k++) {
        size_t l = (size_t)floor(pow(10.0, k / 20.0) + 0.5);
        if (l == last || l > lmax)
            continue;
        last = l;
        uint64_t ts[SMAX + 1];
        for (size_t s = 1; s <= SMAX; s++)
            ts[s] = l <= lexh ? 0 : check_pair(&T, l, s, "log");
        if (l <= lexh)
            for (size_t s = 1; s <= SMAX; s++)
                ad_revolve_forward_steps(l, s, &ts[s]);
        fprintf(sdat, "%zu", l);
        for (int i = 0; i < NPS; i++)
            fprintf(sdat, " %.5g", (double)ts[plot_s[i]] / (double)l);
        fprintf(sdat, "\n");
    }
    /* Where the repetition number changes. */
    size_t nbeta = 0;
    for (size_t s = 2; s <= SMAX; s++) {
        for (size_t r = 1;; r++) {
            uint64_t b;
            if (ad_revolve_beta(s, r, &b) != AD_OK || b > lmax)
                break;
            for (uint64_t l = b > 1 ? b - 1 : 1; l <= b + 1 && l <= lmax; l++)
                if (l > lexh) {
                    check_pair(&T, (size_t)l, s, "beta");
                    nbeta++;
                }
        }
    }

    fprintf(txt, "Part 1. Forward steps t(l, s) of revolve's binomial "
                 "schedule (ADVANCEd steps counted)\n"
                 "against t(l, s) = r l - beta(s+1, r-1) "
                 "(ad_revolve_forward_steps)\n\n");
    fprintf(txt,
            "pairs checked: %zu (every l <= %zu with s = 1..%d; "
            "log-spaced l <= %zu with s = 1..%d;\n"
            "%zu pairs at l = beta(s, r) - 1, beta(s, r), beta(s, r) + "
            "1, s = 2..%d)\nmismatches: %zu\n\n",
            T.pairs, lexh, SMAX, lmax, SMAX, nbeta, SMAX, T.mismatches);
    static const size_t tl[] = {1,   2,   5,    10,   20,   50,   100,
                                200, 500, 1000, 2000, 5000, 10000};
    static const size_t tsn[] = {1, 2, 3, 5, 10, 20, 30, 50};
    fprintf(txt, "t(l, s), from the schedule (= the formula):\n%6s", "l \\ s");
    for (size_t j = 0; j < sizeof tsn / sizeof tsn[0]; j++)
        fprintf(txt, " %10zu", tsn[j]);
    fprintf(txt, "\n");
    for (size_t i = 0; i < sizeof tl / sizeof tl[0]; i++) {
        if (tl[i] > lmax)
            break;
        fprintf(txt, "%6zu", tl[i]);
        for (size_t j = 0; j < sizeof tsn / sizeof tsn[0]; j++) {
            uint64_t fwd, adj, t;
            run_schedule(tl[i], tsn[j], &fwd, &adj);
            ad_revolve_forward_steps(tl[i], tsn[j], &t);
            fprintf(txt, " %10llu%s", (unsigned long long)fwd,
                    fwd == t ? "" : "!");
        }
        fprintf(txt, "\n");
    }

    /* ---- part 2 ---- */
    const size_t l = o.quick ? 1000 : o.full ? 1000000 : 100000;
    ad_bench_lorenz_params lp = {.steps = l, .dt = 1e-4};
    ad_fn step = ad_bench_lorenz_step_fn(&lp);
    const double x0[3] = {1.0, 1.0, 1.0}, p[3] = {10.0, 28.0, 8.0 / 3.0},
                 w[3] = {1.0, 1.0, 1.0};
    static const size_t svals[] = {3, 5, 10, 20, 50, 100};
    enum { NS = sizeof svals / sizeof svals[0] };
    strat S[NS + 1];
    floop L = {&step, l, x0, p, 0.0};
    ad_bench_body body[NS + 2];
    void *ctx[NS + 2];
    body[0] = run_loop;
    ctx[0] = &L;
    for (int i = 0; i <= NS; i++) {
        memset(&S[i], 0, sizeof S[i]);
        S[i].step = &step;
        S[i].l = l;
        S[i].x0 = x0;
        S[i].p = p;
        S[i].w = w;
        if (i == 0) {
            S[i].name = "store-all";
            S[i].o.type = ad_revolve_store_all;
        } else {
            S[i].name = "binomial";
            S[i].s = svals[i - 1];
            S[i].o.snapshots = svals[i - 1];
        }
        body[i + 1] = run_strat;
        ctx[i + 1] = &S[i];
    }
    ad_bench_timing tm[NS + 2];
    if (ad_bench_measure_set(NS + 2, body, ctx, 1e-3, 3, tm) != 0)
        return 1;
    int ok = T.mismatches == 0;
    double mem0 =
        (double)(S[0].st.peak_snapshot_bytes + S[0].st.peak_tape_bytes);
    fprintf(txt,
            "\nPart 2. Adjoint of Lorenz-63 (RK4, dt = 1e-4) over "
            "l = %zu steps, ad_checkpoint_adjoint\n"
            "time: median of 3 calls; f: the loop in double, %.3g s\n\n",
            l, tm[0].median);
    fprintf(txt, "%-10s %4s %11s %9s %9s %7s %7s %12s %9s %7s\n", "strategy",
            "s", "fwd steps", "t(l,s)/l", "recomp.", "time s", "/f", "memory B",
            "/store-all", "time/sa");
    fprintf(tcsv, "strategy,s,forward_steps,formula,recomputed,time_s,"
                  "time_over_f,time_over_store_all,snapshot_bytes,tape_bytes,"
                  "memory_bytes,memory_over_store_all,max_reldiff\n");
    fprintf(tdat, "# s time/store-all memory/store-all forward_steps/l\n");
    for (int i = 0; i <= NS; i++) {
        strat *X = &S[i];
        double t = tm[i + 1].median;
        double mem =
            (double)(X->st.peak_snapshot_bytes + X->st.peak_tape_bytes);
        double diff = 0.0, den = 0.0;
        for (int c = 0; c < 3; c++) {
            diff = fmax(diff, fabs(X->xbar0[c] - S[0].xbar0[c]));
            diff = fmax(diff, fabs(X->pbar[c] - S[0].pbar[c]));
            den = fmax(den, fmax(fabs(S[0].xbar0[c]), fabs(S[0].pbar[c])));
        }
        diff /= den;
        uint64_t tf = l - 1;
        if (X->s)
            ad_revolve_forward_steps(l, X->s, &tf);
        ok &= X->rc == AD_OK && diff <= 1e-12 && X->st.forward_steps == tf;
        char sbuf[16];
        snprintf(sbuf, sizeof sbuf, "%zu", X->s);
        fprintf(txt,
                "%-10s %4s %11llu %9.2f %9llu %7.3f %7.1f %12.0f %9.2e "
                "%7.2f\n",
                X->name, X->s ? sbuf : "-",
                (unsigned long long)X->st.forward_steps,
                (double)X->st.forward_steps / (double)l,
                (unsigned long long)X->st.recomputed_steps, t, t / tm[0].median,
                mem, mem / mem0, t / tm[1].median);
        fprintf(tcsv,
                "%s,%zu,%llu,%llu,%llu,%.5e,%.4f,%.4f,%zu,%zu,%.0f,"
                "%.5e,%.2e\n",
                X->name, X->s, (unsigned long long)X->st.forward_steps,
                (unsigned long long)tf,
                (unsigned long long)X->st.recomputed_steps, t, t / tm[0].median,
                t / tm[1].median, X->st.peak_snapshot_bytes,
                X->st.peak_tape_bytes, mem, mem / mem0, diff);
        if (X->s)
            fprintf(tdat, "%zu %.5g %.5g %.5g\n", X->s, t / tm[1].median,
                    mem / mem0, (double)X->st.forward_steps / (double)l);
    }
    fprintf(txt,
            "\nmemory: snapshots (slots used x 3 doubles) + the peak "
            "tape of one step and its adjoints.\n"
            "Gradients equal store-all's to 1e-12: %s\n\n",
            ok ? "yes" : "NO");
    paper_header(txt, "", "revolve", &o);
    paper_header(csv, "# ", "revolve", &o);
    paper_header(tcsv, "# ", "revolve", &o);
    fclose(txt);
    fclose(csv);
    fclose(sdat);
    fclose(tcsv);
    fclose(tdat);

    FILE *gp = paper_open(&o, "revolve.gp");
    if (!gp)
        return 1;
    fprintf(gp,
            "# gnuplot script written by papers/revolve; run: gnuplot "
            "revolve.gp\n"
            "set terminal pngcairo size 1200,520 noenhanced\n"
            "set output 'revolve.png'\n"
            "set multiplot layout 1,2\n"
            "set grid\n"
            "set logscale x\n"
            "set xlabel 'steps l'\n"
            "set ylabel 'forward steps per step, t(l, s) / l'\n"
            "set key top left\n"
            "set title 'Binomial schedule: t(l, s) / l (schedule = formula)'\n"
            "plot for [i=2:7] 'revolve-steps.dat' using 1:i with lines lw 2 "
            "title 's = '.word('2 3 5 10 20 50', i-1)\n"
            "set logscale xy\n"
            "set xlabel 'snapshots s'\n"
            "set ylabel 'ratio to store-all'\n"
            "set key top right\n"
            "set title 'Lorenz RK4 adjoint, l = %zu: binomial vs store-all'\n"
            "plot 'revolve-tradeoff.dat' using 1:2 with linespoints title "
            "'time / store-all time', \\\n"
            "     '' using 1:3 with linespoints title 'memory / store-all "
            "memory', \\\n"
            "     '' using 1:4 with linespoints title 'forward steps / l'\n"
            "unset multiplot\n",
            l);
    fclose(gp);
    paper_plot(&o, "revolve.gp");
    if (!ok)
        fprintf(stderr, "revolve: A CHECK FAILED (see revolve.txt)\n");
    return ok ? 0 : 1;
}
