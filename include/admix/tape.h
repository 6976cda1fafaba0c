/* tape.h -- reverse mode: record a computation on a tape, then sweep it.
 *
 * Recording.  ad_tape_begin(tape) makes `tape` the calling thread's
 * recording tape.  ad_independent(v) creates an input variable; every
 * operation on ad_var values (ad_sin(x), ad_mul(x, y), ad_mul(x, 2.0), the
 * array primitives ad_dot ... ad_map) computes its value and appends one
 * node to the tape; ad_dependent(y) marks an output; ad_tape_end(tape)
 * closes the recording and returns its status.  An operation whose arguments
 * are all constants (ad_const(ad_var, c), or a plain double) is not recorded:
 * its result is a constant too.
 *
 *     ad_tape *t = ad_tape_new();
 *     ad_tape_begin(t);
 *     ad_var x = ad_independent(2.0);
 *     ad_dependent(ad_sin(ad_sqr(x)));
 *     if (ad_tape_end(t) == AD_OK) ad_tape_gradient(t, NULL, &g);  -2.6146
 *
 * The tape keeps, per node, its operation code, the indices of its
 * arguments, its constants and the value of its result (primal value
 * taping), so that it can be replayed at another point, swept forward and
 * backward, and swept to second order, without the user's code.
 *
 * Sweeps.  Every sweep takes x: NULL for the recorded point, else a new
 * point (n values) at which the tape is first replayed.  Outputs are
 * caller-owned arrays.  Matrices are row-major: J is m x n; V (jvp_multi) is
 * n x k, one direction per column, and JV is m x k; W (vjp_multi) is k x m,
 * one weight vector per row, and WJ is k x n.
 *
 * Branches.  ad_lt ad_le ad_gt ad_ge ad_eq on active values are recorded
 * with their outcome.  A sweep at a new point where one of them comes out
 * otherwise returns AD_ERETAPE (its outputs are then unspecified: the tape
 * no longer describes the function there; record again at that point);
 * ad_tape_last_flip() tells which comparison flipped.  ad_select(c, a, b)
 * is recorded as a choice and replays correctly on either side.
 *
 * Storage.  Nodes go into blocks that are chained, never reallocated and
 * copied; ad_tape_begin on a used tape discards the recording and keeps the
 * blocks for the next one, so a loop that records again and again touches no
 * fresh memory once its storage has grown to the recording's size
 * (ad_tape_begin after a recording whose values took more than one block
 * gathers them into one array of as many bytes, which the sweeps at the
 * recorded point read faster).  ad_tape_set_limit caps the bytes a tape may
 * hold: recording past it stops with AD_ENOMEM (the tape stays valid and
 * freeable).
 *
 * Errors.  Misuse gives AD_EINVAL: ad_tape_end without ad_tape_begin, a
 * second ad_tape_begin while the thread records, a variable of another tape
 * (or of an earlier recording) used in an operation, NULL arguments.  Errors
 * during recording are sticky: the operations go on computing values, and
 * ad_tape_end returns the first error.  A tape whose recording failed
 * cannot be swept (AD_EINVAL).
 *
 * Threads.  Recording state is thread-local: several threads may record
 * their own tapes at once.  A finished tape is read-only to every sweep, so
 * any number of threads may sweep one tape at once.  Sweeps use the calling
 * thread's own work buffers, kept between calls (a sweep allocates only when
 * a bigger tape needs more); ad_thread_release() frees them.
 */
#ifndef ADMIX_TAPE_H
#define ADMIX_TAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "admix/common.h"

AD_BEGIN_DECLS

/* A tape: opaque; ad_tape_new / ad_tape_free. */
typedef struct ad_tape ad_tape;

/* An active variable: its value, its index on the tape and the tag of the
 * recording it belongs to (t == 0: a constant, not on any tape).  Plain
 * data; copy it freely.  Read the value with ad_value(x). */
typedef struct ad_var {
    double v;   /* value */
    uint32_t i; /* index on the tape */
    uint32_t t; /* recording tag; 0 for a constant */
} ad_var;

/* What a tape holds (ad_tape_stats). */
typedef struct ad_tape_info {
    size_t ops;         /* recorded nodes */
    size_t args;        /* argument slots (indices) */
    size_t consts;      /* constants stored in nodes */
    size_t vars;        /* variables (node results and inputs) */
    size_t n;           /* independent variables */
    size_t m;           /* dependent variables */
    size_t comparisons; /* recorded comparisons */
    size_t segments;    /* contiguous stretches of storage */
    size_t bytes;       /* bytes the recording occupies: op bytes, args,
                           constants and values (not the partials of
                           ad_tape_linearize nor the slots of
                           ad_tape_compile, which alloc_bytes counts) */
    size_t alloc_bytes; /* bytes the tape holds now (kept for reuse) */
    size_t peak_bytes;  /* most bytes the tape ever held */
    size_t limit;       /* the cap of ad_tape_set_limit, 0 for none */
    int status;         /* AD_OK, or the error that ended the recording */
} ad_tape_info;

/* A new, empty tape, or NULL when memory runs out. */
ad_tape *ad_tape_new(void);
/* Frees the tape and all its storage.  NULL is ignored.  A tape must not be
 * freed while a thread records into it or sweeps it. */
void ad_tape_free(ad_tape *tape);
/* Caps the bytes the tape may hold (0: no cap).  Recording that would pass
 * the cap stops with AD_ENOMEM.  AD_EINVAL for NULL or while recording. */
int ad_tape_set_limit(ad_tape *tape, size_t bytes);
/* With on nonzero, the one-lane reverse sweeps of ad_tape_gradient and
 * ad_tape_vjp (ad_tape_vjp_multi with k = 1) keep their adjoints in a
 * window instead of an array of 8 bytes per variable: a ring of the 16384
 * most recent variables (128 KiB; on a shorter tape, the power of two that
 * holds all its variables), plus 16 KiB blocks for the adjoints of
 * older variables that are read far from their definition (the inputs and
 * parameters of an ODE integration, for instance), each given back once the
 * sweep has moved past it.  On a tape whose variables are mostly read soon
 * after their definition, the adjoints then take a few hundred KiB however
 * long the tape is; ad_tape_last_adjoint_bytes tells what a sweep used.
 * The derivatives are the same to the bit; the sweep costs more per node
 * (see README, "Adjoint window", for measurements).  Tapes with array or
 * custom nodes, the linearised sweep at the recorded point (see
 * ad_tape_linearize) and compiled sweeps (ad_tape_compile, already as
 * small) ignore it.  Off for a new tape; kept across recordings.
 * AD_EINVAL for NULL.  Not while another thread sweeps the tape. */
int ad_tape_set_adjoint_window(ad_tape *tape, int on);

/* Starts recording into tape on the calling thread, discarding any earlier
 * recording (its storage is reused).  AD_EINVAL if tape is NULL, if this
 * thread already records, or if another thread records into tape. */
int ad_tape_begin(ad_tape *tape);
/* Stops recording.  Returns AD_OK, or the first error of the recording
 * (AD_ENOMEM, AD_EINVAL), or AD_EINVAL if tape is not the tape this thread
 * records into. */
int ad_tape_end(ad_tape *tape);

/* A new independent (input) variable with value v, on this thread's
 * recording tape; inputs are numbered in the order they are created.
 * Outside a recording: a constant, and the thread's recording error (seen
 * by the next ad_tape_end) is not touched. */
ad_var ad_independent(double v);
/* n independent variables with values x[0..n-1], written to out[]; their
 * indices are consecutive, which lets array primitives address them as one
 * block.  Returns AD_OK, AD_EINVAL (not recording, or a NULL pointer with
 * n > 0) or AD_ENOMEM. */
int ad_independent_array(size_t n, const double *x, ad_var *out);
/* Marks y as the next dependent (output) variable.  A constant y gives an
 * output that does not depend on the inputs. */
void ad_dependent(ad_var y);
/* Marks y[0..m-1] as the next m outputs; AD_OK, AD_EINVAL or AD_ENOMEM. */
int ad_dependent_array(size_t m, const ad_var *y);

/* The gradient (n values) of output 0 -- of the only output, normally.
 * Returns AD_OK, AD_EINVAL (NULL tape or g; a tape with no outputs or whose
 * recording failed), AD_ENOMEM (work buffers) or AD_ERETAPE.
 *
 * At a new point x, from the calling thread's second gradient of a
 * recording on, only the values the reverse sweep reads (and those they are
 * computed from, and the comparisons') are replayed, when that drops a
 * fifth of the nodes or more: the squares and the running sum of a sum of
 * squares, say.  The thread analyses the tape once for this and keeps the
 * program of those nodes (about 13 bytes a node kept) with its other sweep
 * buffers, until a gradient of another recording or ad_thread_release;
 * the analysis costs about one gradient, the first touch of the program's
 * pages on a thread up to one more.  The gradient is the same to the bit.
 * Tapes with array or custom nodes replay everything. */
int ad_tape_gradient(ad_tape *tape, const double *x, double *g);
/* y = f(x) (may be NULL) and jv = J v: one forward (tangent) sweep. */
int ad_tape_jvp(ad_tape *tape, const double *x, const double *v, double *y,
                double *jv);
/* y = f(x) (may be NULL) and wj = w^T J: one reverse (adjoint) sweep. */
int ad_tape_vjp(ad_tape *tape, const double *x, const double *w, double *y,
                double *wj);
/* k directions in one forward sweep: JV = J V (vector forward mode). */
int ad_tape_jvp_multi(ad_tape *tape, const double *x, size_t k,
                      const double *V, double *y, double *JV);
/* k weight vectors in one reverse sweep: WJ = W J (vector reverse mode). */
int ad_tape_vjp_multi(ad_tape *tape, const double *x, size_t k,
                      const double *W, double *y, double *WJ);
/* The m x n Jacobian, by vector forward sweeps when n <= m, else by vector
 * reverse sweeps; the sweeps are split over OpenMP threads. */
int ad_tape_jacobian(ad_tape *tape, const double *x, double *J);
/* Hessian-vector product hv = H v of output 0 (n values), and the n x n
 * Hessian H (row-major, symmetric), by forward-over-reverse: a tangent sweep
 * along v, then a reverse sweep of adjoints and their tangents with the
 * second partials of the primitive table (array nodes have their own
 * second-order rules).  The Hessian's columns are split over OpenMP
 * threads.  Errors as ad_tape_gradient.  At a new point, ad_tape_hvp
 * replays only the values and tangents its reverse sweep reads, as
 * ad_tape_gradient does (a second program per thread). */
int ad_tape_hvp(ad_tape *tape, const double *x, const double *v, double *hv);
int ad_tape_hessian(ad_tape *tape, const double *x, double *H);
/* Stores the local partials of every node at the recorded point beside the
 * tape (about 8 more bytes per argument), so that later one-lane reverse
 * sweeps at the recorded point (ad_tape_gradient and ad_tape_vjp with x
 * NULL) only multiply and add: faster when a tape is swept many times at one
 * point.  The next ad_tape_begin or ad_tape_load drops them.  Writes to the
 * tape: not while other threads sweep it.  AD_OK, AD_EINVAL (NULL or
 * unrecorded tape) or AD_ENOMEM (the memory cap counts them). */
int ad_tape_linearize(ad_tape *tape);
/* Compiles the recording for sweeps at new points: every variable gets a
 * slot, handed on to a later variable once its last reader has run (as
 * ADOL-C reuses its locations), so that ad_tape_eval, ad_tape_jvp(_multi),
 * ad_tape_vjp(_multi), ad_tape_gradient and ad_tape_hvp at a new point x
 * (not NULL) need arrays as long as the variables alive at once, not as the
 * tape (plus, for a reverse sweep, the values, and for ad_tape_hvp the
 * tangents, that its rules will read).  Their results are the same to the
 * bit.  It pays off for sweeps with several lanes (jvp_multi,
 * vjp_multi, sparse Jacobians) and for memory; one-lane gradients measured
 * 5-20% slower than without it (the bench's Rosenbrock, Lorenz and MLP).  Compiling costs about 4 bytes per
 * argument (counted by the memory cap) and 10-37 ns per node, once per
 * recording.  Sweeps at the recorded point, ad_tape_jacobian and
 * ad_tape_hessian are unchanged.  The next ad_tape_begin or ad_tape_load drops the compiled
 * form.  Writes to the tape: not while other threads sweep it; compiled
 * tapes may then be swept by many threads at once, as any tape.  AD_OK,
 * AD_EINVAL (NULL or unrecorded tape), AD_EUNSUPPORTED (the tape holds array
 * or custom nodes: it is left as it was), AD_ERANGE (2^31 nodes or
 * variables or more) or AD_ENOMEM. */
int ad_tape_compile(ad_tape *tape);
/* Replays the tape at x: y = f(x) (m values), without the user's code. */
int ad_tape_eval(ad_tape *tape, const double *x, double *y);

/* Fills *info; a NULL tape gives all zeros. */
void ad_tape_stats(const ad_tape *tape, ad_tape_info *info);

/* The ordinal (0 for the first recorded comparison) of the comparison that
 * flipped in the calling thread's last sweep that returned AD_ERETAPE, or
 * -1 if none did. */
long ad_tape_last_flip(void);

/* The bytes of adjoints the calling thread's last reverse sweep of
 * ad_tape_gradient, ad_tape_vjp or ad_tape_vjp_multi used (0 before the
 * first): 8 per variable and lane; with the adjoint window
 * (ad_tape_set_adjoint_window), the ring, the most blocks of older
 * variables it held at once and 8 bytes per 2048 variables of the tape; on
 * a compiled tape, 8 per slot and lane.  For memory measurements: the
 * buffers stay with the thread for reuse until ad_thread_release. */
size_t ad_tape_last_adjoint_bytes(void);

/* Writes the tape to a file (versioned, endian-checked, checksummed), or
 * reads one into tape, replacing its recording.  Returns AD_OK, AD_EINVAL
 * (NULL argument, a tape that is recording or whose recording failed), AD_EIO
 * (the file cannot be opened, read or written), AD_EFORMAT (not an admix
 * tape, another version or byte order, truncated, or corrupted: the tape is
 * then left empty) or AD_ENOMEM. */
int ad_tape_save(const ad_tape *tape, const char *path);
int ad_tape_load(ad_tape *tape, const char *path);
int ad_tape_write(const ad_tape *tape, FILE *out);
int ad_tape_read(ad_tape *tape, FILE *in);

/* Frees the calling thread's sweep buffers, and the tape and buffers the
 * ad_fn drivers (drivers.h) keep per thread; they are allocated again when
 * needed.  Call it before a thread ends to return its memory. */
void ad_thread_release(void);

/* ---- printing --------------------------------------------------------- */

/* What ad_tape_print writes (flags), and where. */
enum {
    AD_TAPE_PRINT_DOT = 1,     /* Graphviz DOT instead of text */
    AD_TAPE_PRINT_VALUES = 2,  /* each result's value */
    AD_TAPE_PRINT_ADJOINTS = 4 /* each result's adjoint (and its value) */
};
typedef struct ad_tape_print_opts {
    unsigned flags; /* AD_TAPE_PRINT_* or'ed; 0: plain text */
    /* The point of the values and adjoints (n values); NULL: the recorded
     * one.  At a new point the tape is replayed first. */
    const double *x;
    /* The adjoints are those of sum_j w[j] y_j (m weights); NULL: of output
     * 0 alone. */
    const double *w;
    const char *const *inputs;  /* n names, or NULL: x0, x1, ... */
    const char *const *outputs; /* m names, or NULL: y0, y1, ... */
} ad_tape_print_opts;

/* Writes the recorded graph to out, one line per node in recording order,
 * in the spirit of a jaxpr: "v2 = sqr v1", "v3 = sin v2", variables named
 * v<index>, constants as numbers, array nodes with their arrays ("v7 = dot
 * v1..v3 [2 3 4]"), a comparison with its recorded outcome ("lt v1 2 ->
 * true"), between a header line ("# admix tape: 1 input, 1 output, 3
 * operations") and a line naming the outputs ("out y0 = v3").  With
 * AD_TAPE_PRINT_VALUES or _ADJOINTS each node that has results gets its
 * results' values (and adjoints) in aligned columns.  With
 * AD_TAPE_PRINT_DOT: a Graphviz digraph with one graph node per tape node
 * (labelled with the same text and annotations) and an edge from the node
 * that made each argument, inputs as ellipses, outputs as double circles.
 * opts NULL: plain text.  Returns AD_OK, AD_EINVAL (NULL out or tape, a tape
 * not successfully recorded, unknown flags), AD_ENOMEM, AD_ERETAPE (a
 * recorded comparison flips at x: nothing is printed), a custom op's status,
 * or AD_EIO (writing failed). */
int ad_tape_print(FILE *out, const ad_tape *tape,
                  const ad_tape_print_opts *opts);

AD_END_DECLS

#endif /* ADMIX_TAPE_H */
