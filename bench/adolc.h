/* adolc.h -- the benchmark problems through ADOL-C (bench/adolc.cpp), for
 * the side-by-side comparisons of `bench reverse` and `bench mixed`.
 *
 * ADOL-C is C++ and optional: adolc.cpp is compiled only when configure
 * found it (--with-adolc, bench only; the library never uses it), and then
 * AD_BENCH_HAVE_ADOLC is defined for the C files of bench/.  This interface
 * is plain C so that reverse.c and mixed.c can call it; it names no admix
 * type, so that the C++ side need not include the C11 headers.
 *
 * Each problem is the same math in the same operation order as its admix
 * template (rosen.inc, speelpenning.inc, mlp.inc, lorenz.inc, reaction.inc),
 * written with adouble.  A problem lives on one ADOL-C tape tag.  ADOL-C
 * keeps a tape in memory only while it fits in the buffers given to trace_on
 * (beyond them it writes files), so ad_bench_adolc_setup records once with
 * generous buffers, reads the tape's size, and later recordings and sweeps
 * get buffers of exactly that size: the tape stays in memory, and ADOL-C is
 * charged the least memory it can work in.
 *
 * ADOL-C's store of locations only grows: a tape recorded after a big one
 * counts the big one's locations as its own (NUM_MAX_LIVES), and its
 * vector sweeps allocate that many rows.  Set problems up from the smallest
 * to the largest.
 */
#ifndef ADMIX_BENCH_ADOLC_H
#define ADMIX_BENCH_ADOLC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    AD_BENCH_ADOLC_ROSEN,    /* extended Rosenbrock, n inputs */
    AD_BENCH_ADOLC_SPEEL,    /* Speelpenning's product, n inputs */
    AD_BENCH_ADOLC_MLP,      /* the MLP loss, scalar loops */
    AD_BENCH_ADOLC_LORENZ,   /* Lorenz-63 by RK4, 6 inputs */
    AD_BENCH_ADOLC_REACTION, /* 1-D reaction-diffusion residual, n -> n */
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
    double lambda;          /* reaction-diffusion */
    int hessian;            /* nonzero: the tape is for hess_vec, whose
                               forward sweep keeps two Taylor coefficients
                               per value: room for them is kept */
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

/* hv = H v, H the Hessian of f at a new point x: ADOL-C's hess_vec (a
 * first-order forward sweep keeping its Taylors, then a second-order
 * reverse sweep).  Needs a problem set up with `hessian` set.  0 or -1. */
int ad_bench_adolc_hess_vec(short tag, size_t n, const double *x,
                            const double *v, double *hv);

/* The dense m x n Jacobian at x, row-major into J: ADOL-C's jacobian()
 * (forward or reverse vector sweeps, its choice).  0 or -1. */
int ad_bench_adolc_jacobian(short tag, size_t m, size_t n, const double *x,
                            double *J);

/* ADOL-C's sparse Jacobian of tape tag, set up by
 * ad_bench_adolc_sparse_setup. */
typedef struct ad_bench_adolc_sparse_info {
    size_t nnz;     /* entries of the pattern */
    size_t ncolors; /* directions per evaluation */
    int native;     /* 1: sparse_jac (ADOL-C built with ColPack), pattern
                       and seed of its own; 0: sparse_jac unavailable, so
                       jac_pat (its pattern) and fov_forward with the
                       coloring given, i.e. what sparse_jac does after its
                       coloring */
} ad_bench_adolc_sparse_info;

/* Prepares the sparse Jacobian at x of tape tag (set up, m outputs): tries
 * sparse_jac (repeat = 0: pattern, ColPack's coloring, first evaluation);
 * when this ADOL-C lacks ColPack, computes the pattern with jac_pat and
 * seeds ncolors directions from color[n] (a column coloring of it, e.g.
 * admix's), checked against the pattern.  0, or -1 on failure (a coloring
 * that does not fit the pattern included). */
int ad_bench_adolc_sparse_setup(short tag, const double *x, const size_t *color,
                                size_t ncolors,
                                ad_bench_adolc_sparse_info *info);

/* The sparse Jacobian at a new point x, kept in the tag's slot: sparse_jac
 * with repeat = 1, or fov_forward with the seed and the recovery of every
 * entry from its row and its column's color.  0 or -1. */
int ad_bench_adolc_sparse_jac(short tag, const double *x);

/* Entry k (in [0, nnz)) of the last sparse Jacobian: *row, *col, *val.
 * 0, or -1 when k is out of range. */
int ad_bench_adolc_sparse_entry(short tag, size_t k, size_t *row, size_t *col,
                                double *val);

/* Fills *info for tape tag. */
void ad_bench_adolc_stats(short tag, ad_bench_adolc_info *info);

/* Frees tape tag's memory (removeTape) and its sparse Jacobian. */
void ad_bench_adolc_release(short tag);

#ifdef __cplusplus
}
#endif

#endif /* ADMIX_BENCH_ADOLC_H */
