/* sparse.h -- sparse Jacobians and Hessians: sparsity patterns read off a
 * tape, graph coloring, compressed evaluation and recovery.
 *
 * A Jacobian with a few nonzeros per row costs, done densely, n forward (or
 * m reverse) lanes.  Columns that share no row can share one lane: color
 * the columns so that two columns with a common row differ (a distance-2
 * coloring of the bipartite row/column graph, Coleman & More, SIAM J.
 * Numer. Anal. 20(1), 1983), sweep once per color with the sum of the
 * color's unit vectors as seed, and read every nonzero J(i,j) off lane
 * color(j) of row i.  A tridiagonal Jacobian needs 3 lanes and a 5-point
 * stencil 5, whatever n.  Coloring the rows instead gives the reverse-mode
 * twin; AD_SPARSE_AUTO takes whichever needs fewer colors.  A symmetric
 * Hessian needs fewer still with a star coloring (every path on four
 * vertices sees three colors), whose products H s_c determine every
 * nonzero directly (Gebremedhin, Manne & Pothen, "What color is your
 * Jacobian?  Graph coloring for computing derivatives", SIAM Review 47(4),
 * 2005).
 *
 * Patterns come from the tape, without numeric evaluation: index sets of
 * the inputs pushed forward through every node for the Jacobian, and the
 * nonlinear interaction domains of Walther ("Computing sparse Hessians with
 * automatic differentiation", ACM TOMS 34(1), 2008) for the Hessian.  They
 * are structural: an entry is in the pattern if some chain of recorded
 * operations connects the input to the output (a cancellation such as
 * x - x keeps it), so the pattern is a superset of the nonzeros at every
 * point where the tape is valid.  ad_select counts both of its branches;
 * comparisons count nothing; a custom primitive (custom.h) counts each of
 * its outputs as depending, nonlinearly, on each of its inputs.  A node
 * kind the analysis does not know is treated as dense: all of its results
 * depend on every input recorded before it.
 *
 * Layout.  Patterns are CSR (compressed sparse row), 0-based, as PETSc's
 * MatCreateSeqAIJWithArrays, SUNDIALS' SUNSparseMatrix (CSR_MAT) and GSL's
 * gsl_spmatrix (GSL_SPMATRIX_CSR) take them: row i's column indices are
 * col[rowptr[i] .. rowptr[i+1]-1], strictly increasing; values, where
 * present, are in the same order.  A Hessian pattern holds both triangles.
 *
 * Typical use, a Newton loop on F: R^n -> R^n:
 *
 *     ad_tape *t = ad_tape_new();
 *     ...record F at x0...
 *     ad_sparse *J;
 *     ad_sparse_jacobian_new(t, AD_SPARSE_AUTO, &J);  // pattern, colors
 *     for (;;) {
 *         ad_sparse_jacobian_tape(t, x, J);  // values at x, no allocation
 *         ...hand J->pattern->rowptr, ->col, J->val to the linear solver...
 *     }
 *     ad_sparse_free(J);
 *
 * Errors.  Functions returning int give AD_OK or: AD_EINVAL (a NULL
 * argument, a size of 0 in an ad_fn, a tape that is recording or whose
 * recording failed, a malformed pattern, an ad_sparse of another shape),
 * AD_EUNSUPPORTED (an ad_fn without f_var; a tape holding a node whose
 * layout is unknown), AD_ERETAPE (at a new point a recorded comparison
 * flips: record again), AD_ENOMEM, AD_ERANGE (more entries than the index
 * type holds).  On error, outputs through pointer arguments are NULL or
 * untouched; nothing leaks.
 *
 * Ownership.  Every ad_pattern and ad_sparse returned is the caller's, to
 * release with ad_pattern_free / ad_sparse_free (NULL is ignored).  An
 * ad_sparse owns its pattern, colors, values and workspace.
 *
 * Threads.  Pattern and coloring functions touch only their arguments.  A
 * tape may be analysed or swept by several threads at once (it is read
 * only); one ad_sparse must not be filled by two threads at once.  The
 * evaluations split their sweeps over OpenMP threads, with results
 * identical to a serial run.
 */
#ifndef ADMIX_SPARSE_H
#define ADMIX_SPARSE_H

#include <stddef.h>

#include "admix/common.h"
#include "admix/errors.h"
#include "admix/fn.h"
#include "admix/tape.h"

AD_BEGIN_DECLS

/* ---- patterns ------------------------------------------------------------ */

/* An m x n sparsity pattern in CSR form (see above). */
typedef struct ad_pattern {
    size_t m, n;    /* rows, columns */
    size_t nnz;     /* entries: rowptr[m] */
    size_t *rowptr; /* m + 1 offsets, rowptr[0] = 0 */
    size_t *col;    /* nnz column indices, increasing within each row */
} ad_pattern;

/* An m x n pattern with room for nnz entries: rowptr all zero, col
 * uninitialised (the caller fills both, then sets nnz).  NULL when memory
 * runs out. */
ad_pattern *ad_pattern_new(size_t m, size_t n, size_t nnz);
/* Frees p and its arrays; NULL is ignored. */
void ad_pattern_free(ad_pattern *p);
/* *PT = the transpose of P (n x m, CSR: P's columns as rows).  AD_OK,
 * AD_EINVAL (NULL, malformed P) or AD_ENOMEM. */
int ad_pattern_transpose(const ad_pattern *P, ad_pattern **PT);
/* AD_OK if P is well formed: rowptr nondecreasing from 0 to nnz, every
 * column below n, strictly increasing within each row; else AD_EINVAL. */
int ad_pattern_check(const ad_pattern *P);

/* The Jacobian pattern (m x n) of the tape's recording, from the nodes
 * alone.  Row i holds the inputs output i depends on; a constant output
 * gives an empty row.  *J is the caller's.  Errors above. */
int ad_tape_sparsity(ad_tape *tape, ad_pattern **J);
/* The pattern (n x n, symmetric, both triangles) of the Hessian of output 0
 * (Walther 2008: nonlinear interaction domains, restricted to the nodes
 * output 0 depends on).  AD_EINVAL also for a tape without outputs. */
int ad_tape_hessian_sparsity(ad_tape *tape, ad_pattern **H);
/* The same for f: records f->f_var at x on a tape of its own (x: where to
 * record; a point where the branches take the path of interest). */
int ad_sparsity(const ad_fn *f, const double *x, ad_pattern **J);
int ad_hessian_sparsity(const ad_fn *f, const double *x, ad_pattern **H);

/* ---- coloring --------------------------------------------------------------
 */

/* Colors 0 .. *ncolors-1 for the n columns of J (color[n]) such that two
 * columns with an entry in a common row differ: a distance-2 coloring of
 * the bipartite graph, i.e. a coloring of the column intersection graph.
 * Greedy, over several vertex orderings (largest-first, smallest-last,
 * incidence-degree) and recoloring passes; the fewest colors win.  Errors:
 * AD_EINVAL (NULL, malformed J), AD_ENOMEM. */
int ad_color_columns(const ad_pattern *J, size_t *color, size_t *ncolors);
/* The same for the m rows of J (color[m]): two rows with an entry in a
 * common column differ (the seeds of reverse mode). */
int ad_color_rows(const ad_pattern *J, size_t *color, size_t *ncolors);
/* A star coloring of the adjacency graph of the n x n pattern H (the
 * diagonal ignored, H taken symmetric: an entry (i,j) or (j,i) joins i and
 * j): adjacent vertices differ and every path on four vertices uses at
 * least three colors.  color[n].  AD_EINVAL also for a non-square H. */
int ad_color_star(const ad_pattern *H, size_t *color, size_t *ncolors);

/* ---- compressed evaluation -------------------------------------------------
 */

/* Which lanes a sparse Jacobian uses. */
typedef enum ad_sparse_dir {
    AD_SPARSE_AUTO = 0,    /* the direction needing fewer colors (ties:
                              forward) */
    AD_SPARSE_FORWARD = 1, /* columns colored, forward (tangent) sweeps */
    AD_SPARSE_REVERSE = 2  /* rows colored, reverse (adjoint) sweeps */
} ad_sparse_dir;

/* A sparse Jacobian or Hessian: its pattern, its values in CSR order and
 * how they were computed.  Read the fields; change none of them. */
typedef struct ad_sparse {
    ad_pattern *pattern; /* owned */
    double *val;         /* pattern->nnz values, CSR order */
    int hessian;         /* 1: a Hessian (of output 0); 0: a Jacobian */
    ad_sparse_dir dir;   /* Jacobian: FORWARD or REVERSE (never AUTO) */
    size_t ncolors;      /* lanes per evaluation: tangent or adjoint lanes
                            of the Jacobian, Hessian-vector products */
    size_t *color;       /* the coloring: n columns (FORWARD, Hessian) or
                            m rows (REVERSE) */
    struct ad__sparse_work *work; /* private: seeds, compressed values */
} ad_sparse;

/* Analyses the tape once for repeated evaluation: the Jacobian pattern,
 * the coloring(s) and the workspace; values are zero until
 * ad_sparse_jacobian_tape fills them.  *J is the caller's.  It also
 * compiles the tape (ad_tape_compile, which writes to it: not while other
 * threads sweep it) where it can, so that the sweeps at new points need
 * arrays as long as the live variables, not the tape;
 * re-recording the tape drops that (the sweeps then run as they are, with
 * the same results).  AD_OK, AD_EINVAL, AD_ERANGE or AD_ENOMEM (the tape's
 * memory cap counts the compiled form). */
int ad_sparse_jacobian_new(ad_tape *tape, ad_sparse_dir dir, ad_sparse **J);
/* Fills J->val with the Jacobian at x (NULL: the recorded point), by
 * J->ncolors lanes of forward or reverse sweeps (batches of up to 8 lanes
 * per sweep, split over OpenMP threads), without allocating (beyond the
 * sweeps' own per-thread buffers, kept between calls).  J must come from
 * ad_sparse_jacobian_new on a recording of the same function (same n, m,
 * and the same operations: re-recording at another point may change the
 * pattern, e.g. when a branch flips; analyse again then).  Each value is
 * computed with the operations of its own dense lane: forward values
 * equal the dense forward Jacobian's (ad_tape_jacobian when n <= m) bit
 * for bit, reverse values those of a vector reverse sweep
 * (ad_tape_vjp_multi). */
int ad_sparse_jacobian_tape(ad_tape *tape, const double *x, ad_sparse *J);
/* The same for the Hessian of output 0: pattern, star coloring, and
 * ncolors Hessian-vector products (ad_tape_hvp) with direct recovery. */
int ad_sparse_hessian_new(ad_tape *tape, ad_sparse **H);
int ad_sparse_hessian_tape(ad_tape *tape, const double *x, ad_sparse *H);

/* One call for f at x: records f->f_var at x, analyses, evaluates, frees
 * the tape.  AUTO direction for the Jacobian. */
int ad_sparse_jacobian(const ad_fn *f, const double *x, ad_sparse **J);
int ad_sparse_hessian(const ad_fn *f, const double *x, ad_sparse **H);

/* Frees S and everything it owns; NULL is ignored. */
void ad_sparse_free(ad_sparse *S);

/* The nnz entries as triplets (row, column, value), CSR order; any of the
 * three arrays may be NULL (not written).  AD_OK or AD_EINVAL. */
int ad_sparse_to_triplet(const ad_sparse *S, size_t *rows, size_t *cols,
                         double *vals);
/* The dense matrix (rows x columns, row-major, zeros outside the pattern)
 * into A.  AD_OK or AD_EINVAL. */
int ad_sparse_to_dense(const ad_sparse *S, double *A);
/* For GSL's gsl_spmatrix: ad_sparse_to_gsl in <admix/sparse_gsl.h>. */

AD_END_DECLS

#endif /* ADMIX_SPARSE_H */
