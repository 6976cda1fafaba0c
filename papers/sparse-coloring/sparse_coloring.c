/* sparse_coloring.c -- papers/sparse-coloring: how many colors a compressed
 * (Curtis-Powell-Reid) Jacobian needs on stencil residuals, and what it
 * costs against f and against the dense Jacobian, as n grows (see
 * README.md).
 *
 * The functions: bench/reaction.inc's 1-D reaction-diffusion residual
 * (tridiagonal Jacobian) and stencil2d.inc's 2-D 5-point residual on a
 * k x k grid (n = k^2), both at a fixed-seed point near the bump the
 * solution resembles.  Per size:
 *   colors     of ad_sparse_jacobian_new(AUTO) (the lanes it sweeps), and
 *              of ad_color_columns / ad_color_rows on the tape's pattern
 *              (ad_tape_sparsity), beside the lower bound max nonzeros in
 *              a row (column) and the optimum (3 and 5);
 *   analyse    ad_sparse_jacobian_new: pattern and coloring, timed once;
 *   sparse     ad_sparse_jacobian_tape at a new point x2 (a replay of the
 *              values and the compressed sweep), as a multiple of f;
 *   dense      ad_tape_jacobian at x2, where n <= 2000 (n x n doubles).
 * Time: median of samples (bench/timer.c, f, sparse and dense sampled in
 * turn).  Checks (exit status 1): the colors equal the optimum (3 in 1-D,
 * 5 in 2-D, once the grid is at least 3 wide); every entry within 1e-13 of
 * the closed form relative to the largest; the sparse values equal the
 * dense Jacobian's bit for bit (sparse.h's promise for forward lanes).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "common.h"

/* The 2-D problem's parameters (stencil2d.inc). */
typedef struct paper_stencil_params {
    size_t k;      /* grid points per side: n = k^2 */
    double lambda; /* the reaction's strength */
} paper_stencil_params;

#define AD_TEMPLATE "stencil2d.inc"
#include <admix/instantiate.h>
AD_FN(paper_stencil2d,
      ((const paper_stencil_params *)params)
          ->k *((const paper_stencil_params *)params)
          ->k,
      ((const paper_stencil_params *)params)
          ->k *((const paper_stencil_params *)params)
          ->k)

#define LAMBDA    1.0
#define DENSE_MAX 2000 /* the dense Jacobian where n <= this */
#define TOL       1e-13

enum { B_F, B_SPARSE, B_DENSE, NB };

typedef struct prob {
    int dim; /* 1 or 2 */
    size_t n, k;
    ad_bench_reaction_params rp;
    paper_stencil_params sp;
    ad_fn fn;
    double *x, *x2, *y, *Jd;
    ad_var *xv, *yv;
    ad_tape *tape;
    ad_sparse *J;
    int rc;
    double sink;
} prob;

static void note_rc(prob *p, int rc)
{
    if (rc != AD_OK && p->rc == AD_OK)
        p->rc = rc;
}

static void run_f(void *c)
{
    prob *p = c;
    p->fn.f_double(p->x2, p->y, p->fn.params);
    p->sink += p->y[0];
}

static void run_sparse(void *c)
{
    prob *p = c;
    note_rc(p, ad_sparse_jacobian_tape(p->tape, p->x2, p->J));
    p->sink += p->J->val[0];
}

static void run_dense(void *c)
{
    prob *p = c;
    note_rc(p, ad_tape_jacobian(p->tape, p->x2, p->Jd));
    p->sink += p->Jd[0];
}

/* The closed form of entry (r, c) of the Jacobian at x. */
static double entry(const prob *p, const double *x, size_t r, size_t c)
{
    if (p->dim == 1) {
        const double h = 1.0 / ((double)p->n + 1.0), ih2 = 1.0 / (h * h);
        if (r == c)
            return -2.0 * ih2 + LAMBDA * exp(x[r]);
        return (r + 1 == c || c + 1 == r) ? ih2 : 0.0;
    }
    const size_t k = p->k;
    const double h = 1.0 / ((double)k + 1.0), ih2 = 1.0 / (h * h);
    if (r == c)
        return -4.0 * ih2 + LAMBDA * exp(x[r]);
    size_t ri = r / k, rj = r % k, ci = c / k, cj = c % k;
    if ((ri == ci && (rj + 1 == cj || cj + 1 == rj)) ||
        (rj == cj && (ri + 1 == ci || ci + 1 == ri)))
        return ih2;
    return 0.0;
}

/* Records fn at x on p->tape. */
static int record(prob *p)
{
    return ad_bench_record(&p->fn, p->tape, p->x, p->xv, p->yv);
}

static void prob_free(prob *p)
{
    free(p->x);
    free(p->x2);
    free(p->y);
    free(p->Jd);
    free(p->xv);
    free(p->yv);
    ad_sparse_free(p->J);
    ad_tape_free(p->tape);
}

/* The largest row length of P: a lower bound on the colors of its columns
 * (the entries of one row need distinct colors). */
static size_t max_row(const ad_pattern *P)
{
    size_t b = 0;
    for (size_t i = 0; i < P->m; i++) {
        size_t l = P->rowptr[i + 1] - P->rowptr[i];
        b = l > b ? l : b;
    }
    return b;
}

int main(int argc, char **argv)
{
    paper_opts o;
    int rc = paper_parse(argc, argv,
                         "Sparse Jacobians by column coloring on 1-D and 2-D "
                         "stencil residuals: colors and time versus n.",
                         &o);
    if (rc >= 0)
        return rc;
    paper_files pf;
    if (paper_files_open(&o, "sparse-coloring", &pf) != 0)
        return 1;
    FILE *txt = pf.txt, *csv = pf.csv, *dat = pf.dat;

    /* 1-D sizes, and the 2-D grid widths giving about the same n. */
    static const size_t n1[] = {100, 1000, 10000, 100000, 1000000};
    static const size_t k2[] = {10, 32, 100, 316, 1000};
    const size_t nsizes = sizeof n1 / sizeof n1[0];
    const size_t nmax = o.quick ? 10000 : 1000000;
    const double min_sample = o.quick ? 0.002 : o.full ? 0.05 : 0.01;
    const int samples = o.quick ? 3 : o.full ? 11 : 5;
    int ok = 1;

    fprintf(txt,
            "Compressed (Curtis-Powell-Reid) Jacobians of stencil residuals: "
            "colors, and time as a multiple of f\n"
            "(median of %d samples of >= %.0f ms; sparse and dense at a new "
            "point, values replayed; dense where n <= %d)\n\n",
            samples, 1e3 * min_sample, DENSE_MAX);
    fprintf(txt,
            "%-3s %8s %9s | %6s %5s %5s %5s | %10s %10s %10s | %8s %8s %8s "
            "| %8s\n",
            "dim", "n", "nnz", "colors", "cols", "rows", "bound", "f (s)",
            "analyse(s)", "sparse (s)", "sparse/f", "/colors", "dense/f",
            "error");
    fprintf(csv, "dim,n,nnz,colors,colors_columns,colors_rows,lower_bound,"
                 "t_record,t_analyse,t_f,t_sparse,t_dense,ratio_sparse,"
                 "ratio_dense,error\n");
    fprintf(dat, "# dim n colors t_f t_sparse t_dense(NaN: not run) "
                 "sparse/f dense/f\n");

    for (int dim = 1; dim <= 2; dim++) {
        for (size_t s = 0; s < nsizes; s++) {
            prob p;
            memset(&p, 0, sizeof p);
            p.dim = dim;
            if (dim == 1) {
                p.n = n1[s];
                p.rp = (ad_bench_reaction_params){p.n, LAMBDA};
                p.fn = ad_bench_reaction_fn(&p.rp);
            } else {
                p.k = k2[s];
                p.n = p.k * p.k;
                p.sp = (paper_stencil_params){p.k, LAMBDA};
                p.fn = paper_stencil2d_fn(&p.sp);
            }
            if (p.n > nmax)
                break;
            const size_t n = p.n;
            const int dense = n <= DENSE_MAX;
            p.x = malloc(n * sizeof *p.x);
            p.x2 = malloc(n * sizeof *p.x2);
            p.y = malloc(n * sizeof *p.y);
            p.xv = malloc(n * sizeof *p.xv);
            p.yv = malloc(n * sizeof *p.yv);
            p.tape = ad_tape_new();
            if (dense)
                p.Jd = malloc(n * n * sizeof *p.Jd);
            if (!p.x || !p.x2 || !p.y || !p.xv || !p.yv || !p.tape ||
                (dense && !p.Jd)) {
                fprintf(stderr, "sparse-coloring: out of memory\n");
                return 1;
            }
            /* The bump 4 t (1 - t) in each direction, moved by up to 10%
             * (x), and x moved by a relative 1e-3 more (x2). */
            ad_bench_rng rng = {AD_BENCH_SEED};
            for (size_t i = 0; i < n; i++) {
                double t, b;
                if (dim == 1) {
                    t = ((double)i + 1.0) / ((double)n + 1.0);
                    b = 4.0 * t * (1.0 - t);
                } else {
                    double u = ((double)(i / p.k) + 1.0) / ((double)p.k + 1.0);
                    t = ((double)(i % p.k) + 1.0) / ((double)p.k + 1.0);
                    b = 16.0 * t * (1.0 - t) * u * (1.0 - u);
                }
                p.x[i] = b * (1.0 + ad_bench_uniform(&rng, -0.1, 0.1));
                p.x2[i] = p.x[i] * (1.0 + ad_bench_uniform(&rng, -1e-3, 1e-3));
            }
            double t0 = ad_bench_now();
            rc = record(&p);
            double t_record = ad_bench_now() - t0;
            double t_analyse = NAN;
            if (rc == AD_OK) {
                t0 = ad_bench_now();
                rc = ad_sparse_jacobian_new(p.tape, AD_SPARSE_AUTO, &p.J);
                t_analyse = ad_bench_now() - t0;
            }
            /* The two colorings by themselves, on the tape's pattern. */
            ad_pattern *P = NULL;
            size_t *color = NULL, ncol = 0, nrow = 0, bound = 0;
            if (rc == AD_OK)
                rc = ad_tape_sparsity(p.tape, &P);
            if (rc == AD_OK) {
                color = malloc(n * sizeof *color);
                rc = color == NULL ? AD_ENOMEM
                                   : ad_color_columns(P, color, &ncol);
            }
            if (rc == AD_OK)
                rc = ad_color_rows(P, color, &nrow);
            if (rc == AD_OK)
                bound = max_row(P);
            if (rc != AD_OK) {
                fprintf(stderr, "sparse-coloring: %d-D n = %zu: %s\n", dim, n,
                        ad_strerror(rc));
                return 1;
            }
            ad_bench_body body[NB] = {run_f, run_sparse, run_dense};
            void *ctx[NB] = {&p, &p, &p};
            ad_bench_timing tm[NB];
            if (ad_bench_measure_set(dense ? NB : NB - 1, body, ctx, min_sample,
                                     samples, tm))
                return 1;
            if (p.rc != AD_OK) {
                fprintf(stderr, "sparse-coloring: a timed call failed: %s\n",
                        ad_strerror(p.rc));
                return 1;
            }
            /* Checks, untimed: the values at x2 against the closed form and,
             * where it was computed, the dense Jacobian. */
            double d = 0.0, big = 0.0;
            int same = 1;
            rc = ad_sparse_jacobian_tape(p.tape, p.x2, p.J);
            if (rc == AD_OK && dense)
                rc = ad_tape_jacobian(p.tape, p.x2, p.Jd);
            if (rc != AD_OK) {
                fprintf(stderr, "sparse-coloring: %s\n", ad_strerror(rc));
                return 1;
            }
            const ad_pattern *Q = p.J->pattern;
            for (size_t r = 0; r < Q->m; r++)
                for (size_t q = Q->rowptr[r]; q < Q->rowptr[r + 1]; q++) {
                    double e = entry(&p, p.x2, r, Q->col[q]);
                    d = fmax(d, fabs(p.J->val[q] - e));
                    big = fmax(big, fabs(e));
                    if (dense && p.Jd[r * n + Q->col[q]] != p.J->val[q])
                        same = 0;
                }
            double err = big > 0.0 ? d / big : d;
            const size_t optimum = dim == 1 ? 3 : 5;
            int good = err <= TOL && same && p.J->ncolors == optimum &&
                       Q->nnz == (dim == 1 ? 3 * n - 2 : 5 * n - 4 * p.k);
            if (!good)
                fprintf(stderr,
                        "sparse-coloring: CHECK FAILED at %d-D n = %zu: "
                        "colors %zu (optimum %zu), error %.1e, nnz %zu, "
                        "sparse %s dense\n",
                        dim, n, p.J->ncolors, optimum, err, Q->nnz,
                        same ? "==" : "!=");
            ok &= good;
            double tf = tm[B_F].median, ts = tm[B_SPARSE].median;
            double td = dense ? tm[B_DENSE].median : NAN;
            fprintf(txt,
                    "%-3d %8zu %9zu | %6zu %5zu %5zu %5zu | %10.3e %10.3e "
                    "%10.3e | %8.1f %8.2f %8.1f | %8.1e\n",
                    dim, n, Q->nnz, p.J->ncolors, ncol, nrow, bound, tf,
                    t_analyse, ts, ts / tf, ts / tf / (double)p.J->ncolors,
                    td / tf, err);
            fprintf(csv,
                    "%d,%zu,%zu,%zu,%zu,%zu,%zu,%.6e,%.6e,%.6e,%.6e,%.6e,"
                    "%.4f,%.4f,%.3e\n",
                    dim, n, Q->nnz, p.J->ncolors, ncol, nrow, bound, t_record,
                    t_analyse, tf, ts, td, ts / tf, td / tf, err);
            fprintf(dat, "%d %zu %zu %.5e %.5e %.5e %.5g %.5g\n", dim, n,
                    p.J->ncolors, tf, ts, td, ts / tf, td / tf);
            fprintf(stderr, "sparse-coloring: %d-D n = %zu done\n", dim, n);
            free(color);
            ad_pattern_free(P);
            prob_free(&p);
        }
        fprintf(dat, "\n\n");
    }
    fprintf(txt, "\ncolors: the lanes ad_sparse_jacobian_new(AUTO) sweeps; "
                 "cols/rows: ad_color_columns / ad_color_rows alone;\n"
                 "bound: the most entries in a row (no coloring can use "
                 "fewer); error: max |J - closed form| / max |closed form|\n"
                 "\n");
    paper_files_close(&pf, "sparse-coloring", &o);

    FILE *gp = paper_open(&o, "sparse-coloring.gp");
    if (!gp)
        return 1;
    fprintf(gp,
            "# gnuplot script written by papers/sparse-coloring; run: "
            "gnuplot sparse-coloring.gp\n"
            "set terminal pngcairo size 1200,520 noenhanced\n"
            "set output 'sparse-coloring.png'\n"
            "set multiplot layout 1,2\n"
            "set grid\n"
            "set logscale xy\n"
            "set xlabel 'n'\n"
            "set key top left\n"
            "set ylabel 'seconds'\n"
            "set format y '%%.0e'\n"
            "set title 'Time of f and of its Jacobian'\n"
            "plot 'sparse-coloring.dat' index 0 using 2:4 with linespoints "
            "title '1-D: f', \\\n"
            "     '' index 0 using 2:5 with linespoints title '1-D: sparse "
            "(3 colors)', \\\n"
            "     '' index 0 using 2:6 with linespoints title '1-D: dense', "
            "\\\n"
            "     '' index 1 using 2:4 with linespoints title '2-D: f', \\\n"
            "     '' index 1 using 2:5 with linespoints title '2-D: sparse "
            "(5 colors)', \\\n"
            "     '' index 1 using 2:6 with linespoints title '2-D: dense'\n"
            "unset logscale y\n"
            "set format y '%%g'\n"
            "set yrange [0:*]\n"
            "set ylabel 'time of the Jacobian / time of f'\n"
            "set title 'Sparse Jacobian / f'\n"
            "plot 'sparse-coloring.dat' index 0 using 2:7 with linespoints "
            "title '1-D (3 colors)', \\\n"
            "     '' index 1 using 2:7 with linespoints title '2-D (5 "
            "colors)'\n"
            "unset multiplot\n");
    fclose(gp);
    paper_plot(&o, "sparse-coloring.gp");
    if (!ok)
        fprintf(stderr,
                "sparse-coloring: A CHECK FAILED (see sparse-coloring.txt)\n");
    return ok ? 0 : 1;
}
