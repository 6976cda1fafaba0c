/* adolc.h -- the benchmark problems through ADOL-C (bench/adolc.cpp), for
 * the side-by-side comparison of `bench reverse`.
 *
 * ADOL-C is C++ and optional: adolc.cpp is compiled only when configure
 * found it (--with-adolc, bench only; the library never uses it), and then
 * AD_BENCH_HAVE_ADOLC is defined for the C files of bench/.  This interface
 * is plain C so that reverse.c can call it; it names no admix type, so that
 * the C++ side need not include the C11 headers.
 *
 * Each problem is the same math in the same operation order as its admix
 * template (rosen.inc, speelpenning.inc, mlp.inc, lorenz.inc), written with
 * adouble.  A problem lives on one ADOL-C tape tag.  ADOL-C keeps a tape in
 * memory only while it fits in the buffers given to trace_on (beyond them it
 * writes files), so ad_bench_adolc_setup records once with generous buffers,
 * reads the tape's size, and later recordings get buffers of exactly that
 * size: the tape stays in memory, and ADOL-C is charged the least memory it
 * can work in.
 */
#ifndef ADMIX_BENCH_ADOLC_H
#define ADMIX_BENCH_ADOLC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AD_BENCH_ADOLC_ROSEN,  /* extended Rosenbrock, n inputs */
    AD_BENCH_ADOLC_SPEEL,  /* Speelpenning's product, n inputs */
    AD_BENCH_ADOLC_MLP,    /* the MLP loss, scalar loops */
    AD_BENCH_ADOLC_LORENZ, /* Lorenz-63 by RK4, 6 inputs */
    AD_BENCH_ADOLC_NPROB
};

/* One problem: its kind, its number of inputs and its parameters (those of
 * the matching ad_bench_*_params of bench.h). */
typedef struct ad_bench_adolc_problem {
    int kind;
    size_t n;
    size_t nin, nhid, nout; /* MLP */
    const double *input;    /* MLP: nin values */
    size_t label;           /* MLP */
    size_t steps;           /* Lorenz */
    double dt;              /* Lorenz */
} ad_bench_adolc_problem;

/* An ADOL-C tape's size (tapestats) and what it costs in memory. */
typedef struct ad_bench_adolc_info {
    size_t ops;       /* operations, ADOL-C's count (NUM_OPERATIONS) */
    size_t locs;      /* location slots (NUM_LOCATIONS), 4 bytes each */
    size_t vals;      /* constants (NUM_VALUES), 8 bytes each */
    size_t taylors;   /* values on the Taylor stack (TAY_STACK_SIZE) */
    size_t max_lives; /* most live adoubles (NUM_MAX_LIVES) */
    size_t bytes;     /* the recording: ops + 4 locs + 8 vals, and the
                         Taylor stack that keep = 1 saves for the reverse
                         sweep, 8 taylors */
    size_t peak;      /* the buffers as sized for the tape (operations,
                         4-byte locations, values, and the Taylor stack of
                         8-byte values kept for the reverse sweep) + 24
                         bytes per live location (the adouble store, and
                         fos_reverse's adjoints and values) */
} ad_bench_adolc_info;

/* ADOL-C's version as configure found it, or NULL when the benchmark was
 * built without ADOL-C. */
const char *ad_bench_adolc_version(void);

/* Records problem p at x on tape `tag` once with generous buffers, then
 * fixes the buffer sizes of the later recordings to the tape's size.
 * Returns 0, or -1 when ADOL-C is missing or failed. */
int ad_bench_adolc_setup(short tag, const ad_bench_adolc_problem *p,
                         const double *x);

/* Records p at x on tape tag (trace_on with keep = 1, so that the values a
 * reverse sweep needs are kept) and runs one reverse sweep: *y = f(x), g =
 * its gradient.  0 or -1. */
int ad_bench_adolc_record_gradient(short tag, const ad_bench_adolc_problem *p,
                                   const double *x, double *y, double *g);

/* The gradient at the point of the last forward sweep (or recording) of
 * tape tag, from the values it kept: one fos_reverse.  0 or -1. */
int ad_bench_adolc_reverse(short tag, size_t n, double *g);

/* The gradient at a new point x on the existing tape: ADOL-C's gradient(),
 * a zero-order forward sweep (keeping the values) then a reverse sweep.
 * 0 or -1. */
int ad_bench_adolc_gradient(short tag, size_t n, const double *x, double *g);

/* *y = f(x) and *jv = f'(x) v at a new point x: one first-order forward
 * sweep (fos_forward).  0 or -1. */
int ad_bench_adolc_jvp(short tag, size_t n, const double *x, const double *v,
                       double *y, double *jv);

/* Fills *info for tape tag. */
void ad_bench_adolc_stats(short tag, ad_bench_adolc_info *info);

/* Frees tape tag's memory (removeTape). */
void ad_bench_adolc_release(short tag);

#ifdef __cplusplus
}
#endif

#endif /* ADMIX_BENCH_ADOLC_H */
