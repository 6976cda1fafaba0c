/* hessians.c -- papers/hessians: three ways to a dense Hessian, their time
 * and their accuracy against MPFR as n grows (see README.md).
 *
 * The function: bench/dense.inc's ad_bench_denseh,
 *     f(x) = log(1 + sum_j x_j^2) + (sum_i sin x_i)^2 / n,
 * whose Hessian is dense (every entry nonzero at a generic point) while f
 * costs O(n), at a fixed-seed point uniform in [-1, 1).  The strategies,
 * all through ad_hessian:
 *   for_rev    AD_FOR_REV: f recorded on a tape, then forward-over-reverse
 *              (Hessian-vector) sweeps, one per column: O(n) x cost(f);
 *   hyperdual  AD_HYPERDUAL: n(n+1)/2 passes of f in hyper-dual numbers,
 *              one per entry of the upper triangle: O(n^2) x cost(f);
 *   fd_rev     AD_FD_REV: central differences of reverse gradients, 2n
 *              gradients, symmetrised: O(n) x cost(f), truncation and
 *              rounding error of the order 1e-10.
 * Time: median of samples (bench/timer.c, the four bodies -- f itself
 * included -- sampled in turn), as a multiple of f's.  Error: against
 * ad_mpfr_hessian (the tape replayed at 256 bits), normwise
 * max |H - R| / max |R| and the largest entrywise |H_ij - R_ij| / |R_ij|.
 * Check (exit status 1): for_rev and hyperdual normwise within 1e-13,
 * fd_rev within 1e-6.
 */
#include <math.h>
#include <stdlib.h>

#include "bench.h"
#include "common.h"

enum { F, FOR_REV, HYPERDUAL, FD_REV, NB };
static const ad_mode modes[NB] = {AD_AUTO, AD_FOR_REV, AD_HYPERDUAL, AD_FD_REV};
static const char *const names[NB] = {"f", "for_rev", "hyperdual", "fd_rev"};

typedef struct job {
    ad_fn f;
    const double *x;
    double *H;
    ad_mode mode;
    int rc;
    double sink;
} job;

static void run_f(void *c)
{
    job *j = c;
    double y;
    j->f.f_double(j->x, &y, j->f.params);
    j->sink += y;
}

static void run_h(void *c)
{
    job *j = c;
    int rc = ad_hessian(&j->f, j->mode, j->x, j->H, NULL);
    if (rc != AD_OK && j->rc == AD_OK)
        j->rc = rc;
}

int main(int argc, char **argv)
{
    paper_opts o;
    int rc = paper_parse(argc, argv,
                         "Dense Hessians by forward-over-reverse, hyper-dual "
                         "numbers and differences of gradients: time and "
                         "error against MPFR versus n.",
                         &o);
    if (rc >= 0)
        return rc;
    paper_files pf;
    if (paper_files_open(&o, "hessians", &pf) != 0)
        return 1;
    FILE *txt = pf.txt, *csv = pf.csv, *dat = pf.dat;

    static const size_t nlist[] = {2, 5, 10, 20, 50, 100, 200, 500};
    const size_t nmax = o.quick ? 20 : o.full ? 500 : 200;
    const double min_sample = o.quick ? 0.002 : o.full ? 0.05 : 0.01;
    const int samples = o.quick ? 3 : o.full ? 11 : 5;
    int ok = 1;

    fprintf(txt,
            "Dense Hessian of f(x) = log(1 + |x|^2) + (sum sin x_i)^2 "
            "/ n: time / time of f, and error against MPFR\n"
            "(median of %d samples of >= %.0f ms; error: normwise "
            "max|H-R|/max|R|, entrywise max|H_ij-R_ij|/|R_ij|)\n\n",
            samples, 1e3 * min_sample);
    fprintf(txt, "%5s %10s | %9s %9s %9s | %8s %8s %8s | %8s %8s %8s\n", "n",
            "f (s)", "for_rev", "hyperdual", "fd_rev", "for_rev", "hyperd.",
            "fd_rev", "for_rev", "hyperd.", "fd_rev");
    fprintf(txt, "%5s %10s | %29s | %26s | %26s\n", "", "", "time / f",
            "normwise error", "entrywise error");
    fprintf(csv, "n,t_f,t_for_rev,t_hyperdual,t_fd_rev,ratio_for_rev,"
                 "ratio_hyperdual,ratio_fd_rev,norm_err_for_rev,"
                 "norm_err_hyperdual,norm_err_fd_rev,entry_err_for_rev,"
                 "entry_err_hyperdual,entry_err_fd_rev\n");
    fprintf(dat, "# n  time/f (for_rev hyperdual fd_rev)  normwise error "
                 "(for_rev hyperdual fd_rev; 0 drawn at 1e-18)\n");

    for (size_t in = 0; in < sizeof nlist / sizeof nlist[0]; in++) {
        size_t n = nlist[in];
        if (n > nmax)
            break;
        ad_bench_dense_params p = {n};
        double *x = malloc(n * sizeof *x), *R = malloc(n * n * sizeof *R),
               *H[NB];
        if (!x || !R)
            return 1;
        ad_bench_rng rng = {AD_BENCH_SEED};
        for (size_t i = 0; i < n; i++)
            x[i] = ad_bench_fill_dense(&p, i, &rng);
        job j[NB];
        ad_bench_body body[NB];
        void *ctx[NB];
        for (int b = 0; b < NB; b++) {
            H[b] = malloc(n * n * sizeof *H[b]);
            if (!H[b])
                return 1;
            j[b] = (job){.f = ad_bench_denseh_fn(&p),
                         .x = x,
                         .H = H[b],
                         .mode = modes[b]};
            body[b] = b == F ? run_f : run_h;
            ctx[b] = &j[b];
        }
        int st = ad_mpfr_hessian(&j[0].f, x, 0, R);
        if (st != AD_OK) {
            fprintf(stderr, "hessians: MPFR at n = %zu: %s\n", n,
                    ad_strerror(st));
            return 1;
        }
        ad_bench_timing tm[NB];
        if (ad_bench_measure_set(NB, body, ctx, min_sample, samples, tm))
            return 1;
        double nerr[NB] = {0}, eerr[NB] = {0};
        double rmax = 0.0;
        for (size_t k = 0; k < n * n; k++)
            rmax = fmax(rmax, fabs(R[k]));
        for (int b = 1; b < NB; b++) {
            if (j[b].rc != AD_OK) {
                fprintf(stderr, "hessians: %s at n = %zu: %s\n", names[b], n,
                        ad_strerror(j[b].rc));
                return 1;
            }
            for (size_t k = 0; k < n * n; k++) {
                double d = fabs(H[b][k] - R[k]);
                nerr[b] = fmax(nerr[b], d);
                if (R[k] != 0.0)
                    eerr[b] = fmax(eerr[b], d / fabs(R[k]));
            }
            nerr[b] /= rmax;
        }
        ok &= nerr[FOR_REV] <= 1e-13 && nerr[HYPERDUAL] <= 1e-13 &&
              nerr[FD_REV] <= 1e-6;
        double tf = tm[F].median;
        fprintf(txt,
                "%5zu %10.3e | %9.1f %9.1f %9.1f | %8.1e %8.1e %8.1e | "
                "%8.1e %8.1e %8.1e\n",
                n, tf, tm[1].median / tf, tm[2].median / tf, tm[3].median / tf,
                nerr[1], nerr[2], nerr[3], eerr[1], eerr[2], eerr[3]);
        fprintf(csv,
                "%zu,%.6e,%.6e,%.6e,%.6e,%.4f,%.4f,%.4f,%.3e,%.3e,%.3e,"
                "%.3e,%.3e,%.3e\n",
                n, tf, tm[1].median, tm[2].median, tm[3].median,
                tm[1].median / tf, tm[2].median / tf, tm[3].median / tf,
                nerr[1], nerr[2], nerr[3], eerr[1], eerr[2], eerr[3]);
        fprintf(dat, "%zu %.5g %.5g %.5g %.4e %.4e %.4e\n", n,
                tm[1].median / tf, tm[2].median / tf, tm[3].median / tf,
                fmax(nerr[1], 1e-18), fmax(nerr[2], 1e-18),
                fmax(nerr[3], 1e-18));
        fprintf(stderr, "hessians: n = %zu done\n", n);
        for (int b = 0; b < NB; b++)
            free(H[b]);
        free(x);
        free(R);
    }
    fprintf(txt, "\n");
    paper_files_close(&pf, "hessians", &o);

    FILE *gp = paper_open(&o, "hessians.gp");
    if (!gp)
        return 1;
    fprintf(gp, "# gnuplot script written by papers/hessians; run: gnuplot "
                "hessians.gp\n"
                "set terminal pngcairo size 1200,520 noenhanced\n"
                "set output 'hessians.png'\n"
                "set multiplot layout 1,2\n"
                "set grid\n"
                "set logscale xy\n"
                "set xlabel 'n'\n"
                "set key top left\n"
                "set ylabel 'time of the Hessian / time of f'\n"
                "set title 'Dense Hessian: time'\n"
                "plot 'hessians.dat' using 1:2 with linespoints title "
                "'forward-over-reverse', \\\n"
                "     '' using 1:3 with linespoints title 'hyper-dual', \\\n"
                "     '' using 1:4 with linespoints title 'FD of reverse "
                "gradients'\n"
                "set ylabel 'max |H - R| / max |R|  (R: MPFR, 256 bits)'\n"
                "set yrange [1e-18:1e-4]\n"
                "set format y '%%.0e'\n"
                "set key center right\n"
                "set title 'Dense Hessian: error against MPFR (0 drawn at "
                "1e-18)'\n"
                "plot 'hessians.dat' using 1:5 with linespoints title "
                "'forward-over-reverse', \\\n"
                "     '' using 1:6 with linespoints title 'hyper-dual', \\\n"
                "     '' using 1:7 with linespoints title 'FD of reverse "
                "gradients'\n"
                "unset multiplot\n");
    fclose(gp);
    paper_plot(&o, "hessians.gp");
    (void)names;
    if (!ok)
        fprintf(stderr, "hessians: A CHECK FAILED (see hessians.txt)\n");
    return ok ? 0 : 1;
}
