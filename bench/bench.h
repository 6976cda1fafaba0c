/* bench.h -- the benchmark suite's internal interface (bench/libbench.la).
 *
 * bench/ is compiled with BENCH_CFLAGS (-O3 -march=native unless configure
 * was given --disable-native-bench) and linked into two programs: the
 * standalone bench/bench and the `admix bench` subcommand.  Both call
 * ad_bench_forward_main(), so the two print the same table.
 *
 * Contents:
 *   timer.c     a monotonic clock and a median-of-samples timing loop;
 *   common.c    what both benchmarks share: the options and their command
 *               line, the time column, the compiler and flags lines, the
 *               relative difference of the checks;
 *   problems.c  the test problems, each written once as a template
 *               (rosen.inc, speelpenning.inc, mlp.inc, mlp_array.inc,
 *               lorenz.inc, trans.inc, reaction.inc, dense.inc) and
 *               instantiated for every number type by
 *               <admix/instantiate.h>, and the points they are timed at
 *               (a fixed-seed generator and one filler per problem);
 *   forward.c   the forward-mode benchmark: double vs ad_dual vs ad_dualv;
 *   reverse.c   the reverse-mode benchmark: tape recording and sweeps,
 *               beside ADOL-C when configure found it (adolc.cpp, adolc.h);
 *   mixed.c     the mixed-mode benchmark: Hessian-vector products, dense
 *               Hessians three ways, sparse Jacobians, threaded Jacobians,
 *               beside ADOL-C's hess_vec and sparse Jacobian.
 *
 * Nothing here is installed; the names are prefixed ad_bench_ so that they
 * cannot clash with the library's.
 */
#ifndef ADMIX_BENCH_H
#define ADMIX_BENCH_H

#include <stddef.h>
#include <stdio.h>

#include "admix.h"

/* ---- timer.c ------------------------------------------------------------ */

/* Seconds on a monotonic clock (CLOCK_MONOTONIC); only differences mean
 * anything. */
double ad_bench_now(void);

/* One timed piece of work: called `reps` times back to back per sample. */
typedef void (*ad_bench_body)(void *ctx);

/* The most samples, and bodies, ad_bench_measure_set takes. */
#define AD_BENCH_MAX_SAMPLES 101
#define AD_BENCH_MAX_BODIES  16

typedef struct ad_bench_timing {
    double median; /* seconds per call, median over the samples */
    double min;    /* fastest sample, seconds per call */
    double max;    /* slowest sample, seconds per call */
    long reps;     /* calls per sample */
    int samples;   /* samples taken */
    double seq[AD_BENCH_MAX_SAMPLES]; /* seconds per call of each sample, in
                                         the order taken */
} ad_bench_timing;

/* Times body(ctx): one untimed warm-up call, then `reps` is doubled until
 * one sample of `reps` calls takes at least min_sample seconds, then
 * `samples` samples are taken and their median per-call time is reported.
 * Returns 0, or -1 if samples is not in [1, AD_BENCH_MAX_SAMPLES] or
 * min_sample is not positive. */
int ad_bench_measure(ad_bench_body body, void *ctx, double min_sample,
                     int samples, ad_bench_timing *t);

/* The same for nbody bodies at once (at most AD_BENCH_MAX_BODIES), each
 * with its own reps, their samples taken in turn (round-robin) so that
 * their ratios are compared under the same machine conditions; t[b] is
 * body b's timing. */
int ad_bench_measure_set(int nbody, const ad_bench_body *body, void *const *ctx,
                         double min_sample, int samples, ad_bench_timing *t);

/* The ratio a / b of two timings of one ad_bench_measure_set as the median
 * over the rounds of the ratio of their samples in the same round: each
 * round's pair ran under the same machine conditions, within a second or
 * so, so that a slow spell lasting several rounds, which moves both medians
 * but not always alike, cancels out (a paired comparison).  NaN if the two
 * do not hold the same number of samples. */
double ad_bench_paired_ratio(const ad_bench_timing *a,
                             const ad_bench_timing *b);

/* ---- common.c ----------------------------------------------------------- */

typedef struct ad_bench_options {
    double min_sample; /* seconds; each sample runs at least this long */
    int samples;       /* samples per measurement; the median is reported */
    double scale;      /* problem sizes are multiplied by this (1 = as
                          documented; smaller for a quick smoke run) */
} ad_bench_options;

/* The defaults: 20 ms samples, 7 samples, full size. */
ad_bench_options ad_bench_default_options(void);

/* One benchmark's command line, for ad_bench_parse. */
typedef struct ad_bench_cli {
    const char *prog;  /* the program, for messages */
    const char *bench; /* the benchmark's name ("forward"), for messages */
    void (*usage)(FILE *out, const char *prog); /* for --help and errors */
    int with_scale;                             /* it takes --scale S */
    /* The benchmark's own options, or NULL if it has none: takes argv[*i]
     * (advancing *i past a value) and returns 1, returns 0 when argv[*i] is
     * not one of them, or 2 after printing a usage error to stderr. */
    int (*option)(const struct ad_bench_cli *cli, int argc, char **argv,
                  int *i);
    void *ctx; /* for option */
} ad_bench_cli;

/* Parses argv[1 .. argc) into *opt, which holds the defaults: -h/--help,
 * --quick, --min-time MS, --samples N, --scale S if cli->with_scale, and
 * whatever cli->option takes.  --quick scales the sizes by 0.01 and, unless
 * they were given, takes 3 samples of 2 ms.  Returns -1 when the benchmark
 * is to run, else the exit status: 0 after --help, 2 after a usage error
 * (reported on stderr). */
int ad_bench_parse(const ad_bench_cli *cli, int argc, char **argv,
                   ad_bench_options *opt);

/* From now on, a line on stderr at most once a second while timings run,
 * named `name` (kept, not copied), when stderr is a terminal and stdout is
 * not (timer.c); ad_bench_parse calls it.  NULL stops it. */
void ad_bench_progress_start(const char *name);

/* The value of the option argv[*i], advancing *i to it; NULL, after a usage
 * error on stderr, when the command line ends first. */
const char *ad_bench_option_value(const ad_bench_cli *cli, int argc,
                                  char **argv, int *i);

/* The options of the benchmarks beside ADOL-C (reverse, mixed):
 * --no-adolc, --default-malloc and --only NAME, into *adolc, *tune_malloc
 * and *only; returns as ad_bench_cli.option does (common.c). */
int ad_bench_adolc_option(const ad_bench_cli *cli, int argc, char **argv,
                          int *i, int *adolc, int *tune_malloc,
                          const char **only);

/* The command line that reproduces a run of such a benchmark, every
 * setting spelled out, into buf (len bytes, truncated if need be). */
void ad_bench_adolc_command(char *buf, size_t len, const char *prog,
                            const char *bench, const ad_bench_options *base,
                            int adolc, int tune_malloc, const char *only);

/* n * scale, but at least `least`: a problem size. */
size_t ad_bench_scaled(double n, double scale, size_t least);

/* Prints s seconds as one time column (" %9.1f us", " %9.2f ms"). */
void ad_bench_print_time(FILE *out, double s);

/* The CPU's model name from /proc/cpuinfo into buf, or "unknown". */
void ad_bench_cpu_model(char *buf, size_t len);

/* Prints the compiler line and the flags line of a table's heading. */
void ad_bench_print_build(FILE *out);

/* |a - b| / max(|a|, |b|): 0 when a == b, infinite when only one is 0. */
double ad_bench_reldiff(double a, double b);

/* Records fn at x into tape t (ad_tape_begin on it: its storage is reused),
 * the inputs as one array: xv (fn->n) and yv (fn->m) are the caller's.
 * AD_OK or the recording's first error. */
int ad_bench_record(const ad_fn *fn, ad_tape *t, const double *x, ad_var *xv,
                    ad_var *yv);

/* ---- problems.c --------------------------------------------------------- */

/* Extended Rosenbrock, f(x) = sum_{i<n-1} 100 (x_{i+1} - x_i^2)^2
 * + (1 - x_i)^2, R^n -> R. */
typedef struct ad_bench_rosen_params {
    size_t n; /* number of inputs */
} ad_bench_rosen_params;

/* Speelpenning's product, f(x) = prod_i x_i, R^n -> R. */
typedef struct ad_bench_speel_params {
    size_t n; /* number of inputs */
} ad_bench_speel_params;

/* A one-hidden-layer perceptron nin-nhid-nout, tanh hidden units, softmax
 * output and cross-entropy loss against one class label, for one fixed data
 * point.  The inputs of f are all weights and biases, laid out as
 *   W1[j*nin + i]   weight from input i to hidden unit j  (nhid x nin)
 *   b1[j]           bias of hidden unit j                  (nhid)
 *   W2[j*nout + k]  weight from hidden unit j to output k  (nhid x nout)
 *   b2[k]           bias of output k                       (nout)
 * so f: R^n -> R with n = ad_bench_mlp_size(p). */
#define AD_BENCH_MLP_MAX_OUT 16
typedef struct ad_bench_mlp_params {
    size_t nin, nhid, nout; /* layer widths; nout <= AD_BENCH_MLP_MAX_OUT */
    const double *input;    /* the data point, nin values */
    size_t label;           /* its class, in [0, nout) */
} ad_bench_mlp_params;

/* The number of weights and biases of the network p describes. */
size_t ad_bench_mlp_size(const ad_bench_mlp_params *p);

/* The array-primitive MLP (mlp_array.inc) keeps its input and hidden layer
 * in arrays on the stack, so it takes at most these widths (and returns NaN
 * beyond them). */
#define AD_BENCH_MLP_MAX_IN  128
#define AD_BENCH_MLP_MAX_HID 512

/* Lorenz-63 integrated by the classical 4th-order Runge-Kutta method with
 * `steps` steps of size dt; the inputs are the initial state and the three
 * parameters, x = (x0, y0, z0, sigma, rho, beta), and the output is the sum
 * x + y + z of the final state, R^6 -> R. */
typedef struct ad_bench_lorenz_params {
    size_t steps; /* RK4 steps */
    double dt;    /* step size */
} ad_bench_lorenz_params;

/* The residual of 1-D reaction-diffusion (reaction.inc), R^n -> R^n:
 * F_i = (u_{i-1} - 2 u_i + u_{i+1}) / h^2 + lambda exp(u_i), h = 1/(n+1),
 * zero Dirichlet ends; its Jacobian is tridiagonal. */
typedef struct ad_bench_reaction_params {
    size_t n;      /* interior points: inputs and outputs */
    double lambda; /* the reaction's strength */
} ad_bench_reaction_params;

/* The two dense functions of dense.inc: ad_bench_densej, R^n -> R^n,
 * y_i = x_i sum_j x_j^2 + sin(x_i) (dense Jacobian), and ad_bench_denseh,
 * R^n -> R, log(1 + sum_j x_j^2) + (sum_i sin(x_i))^2 / n (dense Hessian);
 * both cost O(n). */
typedef struct ad_bench_dense_params {
    size_t n; /* number of inputs */
} ad_bench_dense_params;

/* Each template gives <name>_double, _complex, _dual, _dualv, _hdual and
 * _var, with the ad_fn signature, and <name>_fn(params) returning an
 * ad_fn. */
#define AD_BENCH_DECLARE(name)                                                 \
    void name##_double(const double *x, double *y, const void *params);        \
    void name##_complex(const double complex *x, double complex *y,            \
                        const void *params);                                   \
    void name##_dual(const ad_dual *x, ad_dual *y, const void *params);        \
    void name##_dualv(const ad_dualv *x, ad_dualv *y, const void *params);     \
    void name##_hdual(const ad_hdual *x, ad_hdual *y, const void *params);     \
    void name##_var(const ad_var *x, ad_var *y, const void *params);           \
    ad_fn name##_fn(const void *params);

AD_BENCH_DECLARE(ad_bench_rosen)
AD_BENCH_DECLARE(ad_bench_speel)
AD_BENCH_DECLARE(ad_bench_trans)
AD_BENCH_DECLARE(ad_bench_mlp)
AD_BENCH_DECLARE(ad_bench_lorenz)
AD_BENCH_DECLARE(ad_bench_reaction)
AD_BENCH_DECLARE(ad_bench_densej)
AD_BENCH_DECLARE(ad_bench_denseh)

/* The MLP written with the generic array primitives (ad_gemv, ad_map), the
 * same function as ad_bench_mlp with the same parameters.  Built only when
 * <admix/generic.h> provides them (AD_BENCH_HAVE_ARRAY set). */
#if defined(ad_gemv) && defined(ad_map)
#define AD_BENCH_HAVE_ARRAY 1
AD_BENCH_DECLARE(ad_bench_mlpa)
#else
#define AD_BENCH_HAVE_ARRAY 0
#endif

/* ---- problems.c: the points --------------------------------------------- */

/* A small fixed-seed generator (xorshift64*, Vigna 2016).  The state is the
 * caller's (forward.c keeps one for its run, reverse.c one per problem), so
 * that the numbers one draws do not depend on what another drew before; it
 * must not be 0. */
typedef struct ad_bench_rng {
    unsigned long long state;
} ad_bench_rng;

/* The seed both benchmarks start from (2^64 divided by the golden ratio). */
#define AD_BENCH_SEED 0x9E3779B97F4A7C15ull

/* The next number of rng, uniform in [lo, hi). */
double ad_bench_uniform(ad_bench_rng *rng, double lo, double hi);

/* Input i of a problem's point, drawn from rng; params are the problem's
 * (ad_fn.params).  Each problem's filler draws what suits its function. */
typedef double (*ad_bench_fill)(const void *params, size_t i,
                                ad_bench_rng *rng);

/* Rosenbrock near its usual starting region: uniform in [-1.5, 1.5). */
double ad_bench_fill_rosen(const void *params, size_t i, ad_bench_rng *rng);

/* Speelpenning: close to 1, so that a product of 10^4 of them stays near 1. */
double ad_bench_fill_speel(const void *params, size_t i, ad_bench_rng *rng);
/* Uniform in (0.1, 1): the transcendental chain of trans.inc. */
double ad_bench_fill_trans(const void *params, size_t i, ad_bench_rng *rng);

/* The MLP's (either one's; params an ad_bench_mlp_params) weights, scaled
 * by 1/sqrt(fan-in) (Glorot-like) so that the hidden units work in tanh's
 * curved range; biases small. */
double ad_bench_fill_mlp(const void *params, size_t i, ad_bench_rng *rng);

/* Lorenz's classic chaotic case (sigma 10, rho 28, beta 8/3) from near
 * (1, 1, 1), each input moved by a relative 1% at most. */
double ad_bench_fill_lorenz(const void *params, size_t i, ad_bench_rng *rng);

/* Reaction-diffusion: near the bump 4 t (1 - t), t = (i + 1) / (n + 1),
 * each value moved by a relative 10% at most. */
double ad_bench_fill_reaction(const void *params, size_t i, ad_bench_rng *rng);

/* The dense functions: uniform in [-1, 1). */
double ad_bench_fill_dense(const void *params, size_t i, ad_bench_rng *rng);

/* The network both benchmarks time, 64-256-10 with class label 3, with its
 * data point drawn into input (AD_BENCH_MLP_NIN values, kept by the caller
 * as long as the result is used) uniform in [-1, 1) from rng. */
#define AD_BENCH_MLP_NIN 64
ad_bench_mlp_params ad_bench_mlp_default(double *input, ad_bench_rng *rng);

/* ---- forward.c ---------------------------------------------------------- */

/* Times f, its ad_dual and its ad_dualv instantiations on every problem,
 * prints the table to out and checks (untimed) that every ad_dualv lane
 * equals an ad_dual pass along the same direction.  Returns 0, 1 if a check
 * failed, or -1 if memory ran out. */
int ad_bench_forward(FILE *out, const ad_bench_options *opt);

/* The command line of `bench forward` (bench/bench and `admix bench`):
 * argv[0] is "forward", options follow.  prog names the program in
 * messages.  Returns the process exit status: 0, 1 (a check failed) or 2
 * (usage error). */
int ad_bench_forward_main(int argc, char **argv, const char *prog);

/* Prints the usage of `<prog> forward` to out. */
void ad_bench_forward_usage(FILE *out, const char *prog);

/* ---- reverse.c ---------------------------------------------------------- */

typedef struct ad_bench_reverse_options {
    ad_bench_options base; /* samples, sample length, scale */
    int adolc;             /* compare with ADOL-C when it was compiled in */
    int tune_malloc;       /* mallopt so that freed memory is reused */
    const char *only;      /* run only the problems whose name contains
                              this, or NULL for all */
    const char *command;   /* the command line to print, or NULL */
} ad_bench_reverse_options;

/* The defaults: those of forward, ADOL-C on, malloc tuned. */
ad_bench_reverse_options ad_bench_reverse_default_options(void);

/* Times f, recording + gradient on a reused and on a fresh tape (and on a
 * reused one with the adjoint window), the gradient and a jvp on the tape
 * (at the recorded point and at a new one)
 * on every problem, beside ADOL-C when compiled in; prints the table to out
 * and checks (untimed) the tape's derivatives against ad_dual passes.
 * Returns 0, 1 if a check failed, or -1 if memory ran out or a sweep
 * failed. */
int ad_bench_reverse(FILE *out, const ad_bench_reverse_options *opt);

/* The command line of `bench reverse`, as ad_bench_forward_main. */
int ad_bench_reverse_main(int argc, char **argv, const char *prog);

/* ---- mixed.c ------------------------------------------------------------ */

typedef struct ad_bench_mixed_options {
    ad_bench_options base; /* samples, sample length, scale */
    int adolc;             /* compare with ADOL-C when it was compiled in */
    int tune_malloc;       /* mallopt so that freed memory is reused */
    const char *only;      /* run only the sections whose name contains
                              this (hvp, hessian, sparse, threads), or NULL
                              for all */
    const char *command;   /* the command line to print, or NULL */
} ad_bench_mixed_options;

/* The defaults: those of forward, ADOL-C on, malloc tuned. */
ad_bench_mixed_options ad_bench_mixed_default_options(void);

/* Times Hessian-vector products (Rosenbrock n = 10^6, the scalar and the
 * array MLP), the dense Hessian of an n = 200 function three ways, the
 * sparse Jacobian of a 1-D reaction-diffusion residual (n = 10^6, and
 * n = 2000 beside the dense Jacobian) and a dense n = m = 2000 Jacobian on
 * 1 and 2 threads, beside ADOL-C when compiled in; prints the table to out
 * and checks the derivatives (untimed) against one another.  Returns 0, 1
 * if a check failed, or -1 if memory ran out or a timed call failed. */
int ad_bench_mixed(FILE *out, const ad_bench_mixed_options *opt);

/* The command line of `bench mixed`, as ad_bench_forward_main. */
int ad_bench_mixed_main(int argc, char **argv, const char *prog);

/* Prints the usage of `<prog> mixed` to out. */
void ad_bench_mixed_usage(FILE *out, const char *prog);

/* ---- bigtape.c ---------------------------------------------------------- */

/* `bench bigtape [N]`: a tape of about 8 N nodes recorded twice (fresh, then
 * reused) and swept; prints times, the slowest stretch of 10^6 nodes, bytes.
 * Returns the exit status. */
int ad_bench_bigtape_main(int argc, char **argv);

/* Prints the usage of `<prog> reverse` to out. */
void ad_bench_reverse_usage(FILE *out, const char *prog);

/* ---- checkpoint.c ------------------------------------------------------- */

/* The adjoint of Lorenz-63 by RK4 over 10^6 steps (times opt->scale) by
 * ad_checkpoint_adjoint: store-all versus binomial with s = 10, 20, 50, 100,
 * online and two-level; prints the table to out (with the command line
 * `command`, if not NULL) and checks every gradient against store-all's.
 * Returns 0, 1 if a check failed, or -1 if a call failed. */
int ad_bench_checkpoint(FILE *out, const ad_bench_options *opt,
                        const char *command);

/* The command line of `bench checkpoint`, as ad_bench_forward_main. */
int ad_bench_checkpoint_main(int argc, char **argv, const char *prog);

/* Prints the usage of `<prog> checkpoint` to out. */
void ad_bench_checkpoint_usage(FILE *out, const char *prog);

#endif /* ADMIX_BENCH_H */
