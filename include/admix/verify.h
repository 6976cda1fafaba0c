/* verify.h -- the verify module: derivatives checked against independent
 * references.
 *
 * Three kinds of reference, each usable on its own, and the checks that
 * compare a derivative against them:
 *   - the replay of a recorded tape in MPFR arbitrary-precision arithmetic
 *     (ad_tape_mpfr_*, and ad_mpfr_jacobian / ad_mpfr_hessian on an ad_fn);
 *   - finite differences of an ad_fn (ad_fd_jacobian, ad_fd_hessian): the
 *     textbook stencils, Richardson extrapolation, GSL's gsl_deriv_*, and
 *     central differences evaluated in MPFR;
 *   - the complex step on the double complex instantiation
 *     (ad_cstep_jacobian);
 *   - ad_verify_gradient, ad_verify_jacobian, ad_verify_hessian: a
 *     derivative (an admix mode's, or the caller's own) against them, with a
 *     report (ad_verify_print writes it as a table, CSV or JSON).
 *
 * ---- MPFR replay of a tape --------------------------------------------------
 *
 * ad_tape_mpfr_* sweep a recorded tape (tape.h) as its double sweeps do, but
 * with every value, tangent, adjoint and adjoint tangent an MPFR number of
 * `prec` bits, every operation rounded to nearest, and each primitive
 * evaluated by its MPFR rules (value, first and second partials) from the
 * primitive table.  The inputs x, the tape's constants and the seeds v, w are
 * doubles and enter exactly, at any precision (they are held at 53 bits or
 * more).  Each result is rounded ONCE to the nearest double at the end.  At
 * the default 256 bits the results are the values and derivatives of the
 * recorded computation carried out in exact arithmetic, correctly rounded to
 * double -- unless cancellation eats some 200 of the 256 bits, or the exact
 * value lies that close to the midpoint of two doubles: the reference
 * against which the double sweeps (and any other derivative) are measured in
 * ulps.
 *
 * The replay is the computation the tape describes, not the double one:
 * MPFR's exponent range is so wide (2^(+-2^30), MPFR's default, set for the
 * call whatever the caller's is) that a value that overflows or underflows
 * in double does not here, and an ad_select chooses its branch by the sign
 * of the MPFR value of its condition.  At 53 bits the values of a program of
 * +, -, *, / and sqrt are those of the double tape bit for bit, as long as
 * no value is subnormal (MPFR has no subnormals).  The conventions at
 * non-differentiable points are the double sweeps': in a forward sweep a
 * zero tangent times an infinite or NaN partial of a primitive flagged
 * AD_F_DOMAIN or AD_F_SINGULAR is 0; in a reverse sweep a zero adjoint
 * contributes nothing (hessian.c's second-order sweep: a zero adjoint and
 * adjoint tangent).
 *
 *   ad_tape_mpfr_eval      y = f(x), the m outputs
 *   ad_tape_mpfr_jvp       y (may be NULL) and jv = J v (m values)
 *   ad_tape_mpfr_vjp       y (may be NULL) and wj = w^T J (n values)
 *   ad_tape_mpfr_gradient  g = the gradient of output 0 (n values)
 *   ad_tape_mpfr_hvp       hv = H v, the Hessian of output 0 times v
 *                          (forward over reverse, as ad_tape_hvp)
 *
 * Arguments.  x is NULL for the recorded point, else the n inputs.  prec is
 * the precision in bits: 0 means AD_MPFR_PREC_DEFAULT; it must lie between 2
 * and MPFR_PREC_MAX (<mpfr.h>; this header does not need it).  Output arrays
 * are the caller's; they may alias the input arrays (x, v, w), which are read
 * before any output is written.
 *
 * Comparisons.  With x NULL the recorded path is followed as the double sweeps
 * follow it.  With x given, each recorded comparison (ad_lt ...) is evaluated
 * on the MPFR values, and one that comes out otherwise than it was recorded
 * gives AD_ERETAPE (outputs unspecified; ad_tape_last_flip() tells which).
 * This can happen even when x is the recorded point, if the double rounding
 * of the recording decided a comparison that exact arithmetic decides the
 * other way.
 *
 * Errors.  AD_EINVAL: a NULL tape, a tape without a successful recording,
 * prec out of range, a NULL array that must be read or written (x may always
 * be NULL, y too where marked; g, hv, v for n > 0; jv, w and eval's y for
 * m > 0); gradient and hvp on a tape without outputs.  AD_EUNSUPPORTED: the
 * tape holds a custom primitive (custom.h), whose callbacks work in double
 * only.  AD_ERETAPE: see above.  AD_ENOMEM: the MPFR numbers (about
 * 32 + prec/8 bytes each, one to four per variable of the tape) could not be
 * allocated.  MPFR itself (GMP) aborts when its own small temporaries cannot
 * be allocated: at a precision so large that one number takes a good part of
 * the memory the call may abort instead of returning AD_ENOMEM.
 *
 * Threads.  No global state: any number of threads may replay one tape (or
 * several) at once.  The calls save and restore the calling thread's MPFR
 * state that they change (exponent range, flags) and free the thread's MPFR
 * caches (mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE)) before they return.
 * The tape is only read; it must not be recorded into or freed meanwhile.
 *
 * Cost (a reference, not a mode): at 256 bits about 1 microsecond per
 * arithmetic node for a gradient and 3 for a Hessian-vector product, more for
 * transcendental primitives; memory 64 bytes per number at 256 bits.
 */
#ifndef ADMIX_VERIFY_H
#define ADMIX_VERIFY_H

#include <stddef.h>
#include <stdio.h>

#include "admix/common.h"
#include "admix/drivers.h"
#include "admix/fn.h"
#include "admix/tape.h"

AD_BEGIN_DECLS

/* The default precision of the MPFR replay, in bits. */
#define AD_MPFR_PREC_DEFAULT 256

int ad_tape_mpfr_eval(const ad_tape *tape, const double *x, long prec,
                      double *y);
int ad_tape_mpfr_jvp(const ad_tape *tape, const double *x, long prec,
                     const double *v, double *y, double *jv);
int ad_tape_mpfr_vjp(const ad_tape *tape, const double *x, long prec,
                     const double *w, double *y, double *wj);
int ad_tape_mpfr_gradient(const ad_tape *tape, const double *x, long prec,
                          double *g);
int ad_tape_mpfr_hvp(const ad_tape *tape, const double *x, long prec,
                     const double *v, double *hv);

/* ---- references on an ad_fn ------------------------------------------------
 *
 * The references are named by bits, so that a set of them is one unsigned
 * (ad_verify_options.refs); the functions below take exactly one bit.
 *
 *   AD_REF_MPFR          the MPFR replay of f_var's tape recorded at x: the
 *                        derivative of the recorded computation in exact
 *                        arithmetic, rounded once (see above).  THE reference.
 *   AD_REF_CSTEP         the complex step on f_complex (below).
 *   AD_REF_FD_FORWARD    (f(x + h e_j) - f(x)) / h, h ~ sqrt(eps) s_j.
 *   AD_REF_FD_CENTRAL    (f(x + h e_j) - f(x - h e_j)) / 2h, h ~ eps^(1/3) s_j.
 *   AD_REF_FD_5POINT     (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h,
 *                        h ~ eps^(1/5) s_j.
 *   AD_REF_FD_RICHARDSON central differences at h_k = s_j 2^(-3-k),
 *                        k = 0..11, extrapolated to h = 0 by Richardson's
 *                        table (Ridders' method: C. J. F. Ridders, Adv. Eng.
 *                        Software 4 (1982) 75); the entry whose estimated
 *                        error (the table's, plus the rounding error
 *                        eps |f| / h_k of its level) is smallest wins.
 *   AD_REF_GSL_FORWARD   gsl_deriv_forward (initial step sqrt(eps) s_j),
 *   AD_REF_GSL_CENTRAL   gsl_deriv_central (initial step eps^(1/5) s_j),
 *                        one call per entry, with GSL's error estimates.
 *   AD_REF_FD_MPFR       central differences evaluated in MPFR: f_var is
 *                        recorded at x +- h e_j and x +- 2h e_j (the
 *                        shifts are tape nodes) and the tape replayed at
 *                        `prec` bits with h = s_j 2^(-ceil(prec/3)) (the
 *                        exponent capped at 900), so the
 *                        truncation error (h^2) and the rounding error
 *                        (2^-prec / h) are both about 2^(-2 prec/3): at the
 *                        default 256 bits some 50 digits, far below double
 *                        rounding -- a second reference, independent of the
 *                        derivative rules and sweeps of admix (it uses only
 *                        the primitives' MPFR values).  Below ~128 bits it
 *                        is merely a good finite difference.
 *
 * Here eps = DBL_EPSILON, s_j = max(1, |x_j|), and every step is rounded to
 * a power of two (so that x_j +- h and x_j +- 2h are exact doubles and the
 * step taken is the step divided by); those are the steps that balance the
 * truncation error (h, h^2, h^4) against the rounding error (eps |f| / h) of
 * each stencil for a function of scale 1.  They are the textbook choices
 * and are good to about 1e-8 (forward), 1e-10 (central), 1e-11 (5-point)
 * relative on smooth, well-scaled functions; ad_fd_sweep shows the whole
 * error curve.
 *
 * Error estimates (err, and ad_verify_ref.est): forward |D(2h) - D(h)| +
 * 2 eps |f| / h; central |D(2h) - D(h)| / 3 + eps |f| / h; 5-point
 * |D5(2h) - D5(h)| / 15 + 1.5 eps |f| / h (the next stencil's difference
 * estimates the leading truncation term; the second term the rounding);
 * Richardson the one it chose by (above); GSL's abserr; MPFR
 * |D(2h) - D(h)| / 3 computed in MPFR.  They cost one (forward) or two
 * (central, 5-point) more evaluations per column.
 */
#define AD_REF_MPFR          0x001u
#define AD_REF_CSTEP         0x002u
#define AD_REF_FD_FORWARD    0x004u
#define AD_REF_FD_CENTRAL    0x008u
#define AD_REF_FD_5POINT     0x010u
#define AD_REF_FD_RICHARDSON 0x020u
#define AD_REF_GSL_FORWARD   0x040u
#define AD_REF_GSL_CENTRAL   0x080u
#define AD_REF_FD_MPFR       0x100u
#define AD_REF_ALL           0x1ffu
/* The references ad_verify_* use when ad_verify_options.refs is 0: all but
 * the first-order forward differences (plain and GSL's), which only confirm
 * what the central ones say, less accurately. */
#define AD_REF_DEFAULT                                                         \
    (AD_REF_MPFR | AD_REF_CSTEP | AD_REF_FD_CENTRAL | AD_REF_FD_5POINT |       \
     AD_REF_FD_RICHARDSON | AD_REF_GSL_CENTRAL | AD_REF_FD_MPFR)
/* How many AD_REF_* bits there are. */
#define AD_REF_COUNT 9

/* "mpfr", "cstep", "fd_forward", "fd_central", "fd_5point",
 * "fd_richardson", "gsl_forward", "gsl_central", "fd_mpfr" for one bit;
 * "unknown" otherwise.  Never NULL. */
const char *ad_ref_name(unsigned ref);

/* Finite differences of f at x: the m x n Jacobian J (row-major) by the
 * stencil `kind` (one of the AD_REF_FD_* and AD_REF_GSL_* bits), and in err
 * (may be NULL; m x n) the estimate of each entry's error.  prec is used by
 * AD_REF_FD_MPFR only (0: AD_MPFR_PREC_DEFAULT; checked for every kind).
 * Needs f_double (AD_REF_FD_MPFR: f_var).
 *
 * Returns AD_OK; AD_EINVAL (f, x or J NULL; n or m 0; a non-finite x; kind
 * not one FD bit; prec out of range; the calling thread records a tape);
 * AD_EUNSUPPORTED (the entry point is missing; AD_REF_FD_MPFR on a function
 * with a custom primitive); AD_ERANGE (m n overflows); AD_ENOMEM; AD_EDOM (a
 * NaN in J: everything is written, NaN where a function value was NaN).
 * Outputs must not overlap x.  Threads: the columns are split over OpenMP
 * threads (f's entry points then run concurrently, as with the drivers);
 * each entry is computed by the same operations whatever the thread count,
 * so the result is the serial one bit for bit. */
int ad_fd_jacobian(const ad_fn *f, unsigned kind, const double *x, long prec,
                   double *J, double *err);

/* Finite differences for the n x n Hessian H of f (m == 1), err as above:
 *   AD_REF_FD_CENTRAL    second differences of f_double,
 *                        (f(x+h_i e_i+h_j e_j) - f(x+h_i e_i-h_j e_j)
 *                         - f(x-h_i e_i+h_j e_j) + f(x-h_i e_i-h_j e_j))
 *                        / (4 h_i h_j), h_i ~ eps^(1/4) s_i (the diagonal is
 *                        the same formula with i = j); about 1e-8 relative;
 *   AD_REF_FD_RICHARDSON those at h_k = s 2^(-3-k), extrapolated (Ridders);
 *   AD_REF_GSL_CENTRAL   gsl_deriv_central along x_j of entry i of the
 *                        gradient from ad_gradient (AD_AUTO): independent of
 *                        admix's second-order code, not of its first-order;
 *   AD_REF_FD_MPFR       the second differences evaluated in MPFR, with
 *                        h = s 2^(-ceil(prec/4)); no error estimate (err
 *                        gets NaN).
 * The other FD bits give AD_EUNSUPPORTED.  H is symmetric by construction
 * (each pair i <= j is computed once).  Errors and threads as
 * ad_fd_jacobian, plus AD_EINVAL for m != 1. */
int ad_fd_hessian(const ad_fn *f, unsigned kind, const double *x, long prec,
                  double *H, double *err);

/* The complex step (Squire and Trapp, SIAM Rev. 40 (1998) 110): column j of
 * the Jacobian is Im f(x + i h e_j) / h, evaluated by f_complex, with
 * h = 2^-664 (about 1.3e-200; a power of two, so that the seed and the
 * division are exact).  No difference is taken, so there is no
 * cancellation: the result is as accurate as forward-mode AD, and h so
 * small makes the O(h^2) term vanish.  (A chain of derivatives below about
 * 1e-108 would push the imaginary parts into the subnormals and lose
 * bits.)  y (may be NULL) gets Re f(x).
 *
 * It is valid only where f is complex-analytic in its active values.  Before
 * any complex evaluation, f_var is recorded at x and its tape scanned: a
 * primitive flagged AD_F_NONANALYTIC in primitives/ops.def (fabs, fmin,
 * fmax; also inside ad_map) applied to an active value, or a custom
 * primitive (whose complex callback does not exist), makes the call return
 * AD_EUNSUPPORTED.  The tape is the one place where "applied to an active
 * value" is known exactly: a primitive on constants is not recorded, and a
 * branch is recorded as taken, which is the branch the complex evaluation
 * takes too (comparisons look at real parts).  This is why f_var is
 * required as well as f_complex.  Primitives flagged AD_F_CSTEP1 (erf,
 * lgamma, pow, ...) are evaluated by their first-order expansion: the step
 * is then exact but not independent of the derivative rules; ad_cstep_check
 * counts them.
 *
 * Returns AD_OK; AD_EINVAL (as ad_fd_jacobian); AD_EUNSUPPORTED (f_complex or
 * f_var NULL; a non-analytic primitive or a custom primitive on an active
 * value); AD_ERANGE; AD_ENOMEM; AD_EDOM (a NaN in y or J, all written).
 * Threads as ad_fd_jacobian (columns over OpenMP threads, bitwise equal). */
int ad_cstep_jacobian(const ad_fn *f, const double *x, double *y, double *J);

/* The analyticity check of ad_cstep_jacobian alone: AD_OK if the complex
 * step applies to f at x, AD_EUNSUPPORTED if not (or f_var is NULL),
 * AD_EINVAL, AD_ENOMEM.  *ncstep1 (may be NULL) gets the number of active
 * nodes of AD_F_CSTEP1 primitives. */
int ad_cstep_check(const ad_fn *f, const double *x, size_t *ncstep1);

/* The MPFR references on an ad_fn: f_var is recorded at x on a tape of the
 * call's own (not the drivers' per-thread tape) and replayed at prec bits
 * (0: the default).  ad_mpfr_jacobian: y (may be NULL) = f(x) and J (m x n),
 * by min(n, m) tangent or adjoint replays; ad_mpfr_hessian: H (n x n) of
 * f (m == 1), one Hessian-vector replay per column (not symmetrised: H_ij
 * and H_ji come from different sweeps, and agree to the last bit only
 * where rounding allows).  The replays are split over OpenMP threads (each
 * replays the one tape; results bitwise as serial).  Errors: as
 * ad_fd_jacobian; AD_EUNSUPPORTED without f_var or with a custom
 * primitive. */
int ad_mpfr_jacobian(const ad_fn *f, const double *x, long prec, double *y,
                     double *J);
int ad_mpfr_hessian(const ad_fn *f, const double *x, long prec, double *H);

/* ---- checks and reports -----------------------------------------------------
 *
 * ad_verify_gradient (f: R^n -> R, the 1 x n gradient), ad_verify_jacobian
 * (the m x n Jacobian) and ad_verify_hessian (the n x n Hessian, m == 1)
 * compute, at x, the derivative under test -- the caller's own
 * (options->deriv: a hand-written Jacobian of a scientific code, say) or an
 * admix mode's (options->mode, through ad_gradient, ad_jacobian,
 * ad_hessian) -- and the references chosen in options->refs, and compare.
 *
 * The primary reference.  Every entry is judged against one reference, the
 * first available of: MPFR, the complex step, MPFR finite differences (at
 * 128 bits or more), Richardson, GSL central, 5-point, central, GSL
 * forward, forward differences (restricted to those in options->refs; the
 * complex step is unavailable for Hessians, non-analytic functions and
 * without f_complex; the MPFR ones without f_var or with a custom
 * primitive).  The other references are compared with it in turn
 * (ad_verify_ref): what each FD stencil achieves, next to its own error
 * estimate.  A reference that could not be computed is listed with the
 * status that says why, and is not an error of the call.
 *
 * Errors of an entry d against its reference r (ad_verify_entry):
 *   abs_err       |d - r|
 *   rel_err       |d - r| / |r|  (0 if d == r, inf if only r is 0)
 *   ulp_err       |d - r| in units in the last place of r (as the tests'
 *                 ulp.h: ulp(r) = 2^(e-52) for 2^e <= |r| < 2^(e+1))
 *   norm_ulp_err  |d - r| in ulps of the largest |r| in the entry's row
 *                 (the gradient of one output; a row of the Hessian)
 *
 * Pass criterion.  Against an exact reference (MPFR, complex step, MPFR
 * FD), an entry passes when ulp_err <= ulp_tol (default 8) OR
 * norm_ulp_err <= norm_ulp_tol (default 64, i.e. |d - r| <= about 1.4e-14
 * of the row's largest entry).  The second clause is needed: an entry
 * that is the sum of terms that cancel (sum_k a_k with |sum| << max |a_k|)
 * carries the rounding errors of its terms, which are ulps of the terms,
 * not of the sum -- AD itself is "wrong" there by many ulps (measured by
 * tests/test_mpfr.c over random points: Rosenbrock gradients up to ~20
 * ulps, an MLP's up to ~130) while being correct to ~1e-14 of the vector,
 * which is all that double arithmetic can promise for that entry.  A real
 * error (a wrong formula, a missing term, a
 * wrong sign) is off by orders of magnitude in both numbers.  What the
 * normwise clause can miss: a wrong entry far smaller than its row's
 * largest (|d - r| < 1.4e-14 max |r|); options->entrywise = 1 keeps the
 * ulp clause only, for derivatives that must be accurate entrywise.
 * Against a finite-difference reference, an entry passes when
 * |d - r| <= fd_tol (default 1e-6) times the row's largest |r|.
 * The report passes when every entry passes and nothing is NaN: a NaN in
 * f(x), in the tested derivative or in the primary reference makes the
 * call return AD_EDOM with a complete report whose pass is 0 and whose
 * nan_* counts say where the NaN are (a derivative that is NaN in both
 * is not a pass either: nothing was checked there).
 *
 * Ownership.  The report (and every array it points to) is allocated by the
 * call and freed by ad_verify_report_free; it does not point into f,
 * options or x.  On AD_OK and AD_EDOM *report is set; on other errors it is
 * NULL.
 *
 * Returns AD_OK (the report's pass says whether the derivative passed: a
 * failed check is not an error of the call); AD_EDOM (see above); AD_EINVAL
 * (f, x or report NULL; n == 0 or m == 0; m != 1 for gradient and Hessian;
 * a non-finite x; prec outside [2, MPFR_PREC_MAX]; a negative or NaN
 * tolerance; refs with bits outside AD_REF_ALL; options->deriv given with
 * deriv_len != rows * cols; an inapplicable mode; the calling thread
 * records a tape); AD_EUNSUPPORTED (the tested mode's entry point is
 * missing, or no chosen reference can be computed); AD_ERANGE; AD_ENOMEM.
 *
 * Threads.  The FD columns, the complex step's columns and the MPFR replays
 * run over OpenMP threads, with results bitwise equal to a serial run;
 * f's entry points must then be safe to call concurrently (as for the
 * drivers).  Several threads may verify at once.  Cost: per column about
 * 4 (central) to 24 (Richardson) evaluations of f_double, ~8 per
 * GSL entry (m n entries), 4 f_var recordings replayed in MPFR (FD_MPFR),
 * one MPFR replay per direction. */

/* How many worst entries a report lists. */
#define AD_VERIFY_NWORST 8

/* What a report checked. */
typedef enum ad_verify_what {
    AD_VERIFY_GRADIENT = 1,
    AD_VERIFY_JACOBIAN,
    AD_VERIFY_HESSIAN
} ad_verify_what;

typedef struct ad_verify_options {
    unsigned refs;       /* AD_REF_* bits; 0: AD_REF_DEFAULT */
    long prec;           /* MPFR bits; 0: AD_MPFR_PREC_DEFAULT */
    ad_mode mode;        /* the mode tested when deriv is NULL */
    const double *deriv; /* the caller's derivative (rows x cols,
                            row-major), or NULL */
    size_t deriv_len;    /* its number of entries (checked) */
    double ulp_tol;      /* entrywise ulps; 0: 8 */
    double norm_ulp_tol; /* ulps of the row's largest entry; 0: 64 */
    double fd_tol;       /* relative, against an FD reference; 0: 1e-6 */
    int entrywise;       /* 1: ulp_tol alone decides (no normwise clause) */
} ad_verify_options;

/* One entry of the compared derivative. */
typedef struct ad_verify_entry {
    size_t i, j;  /* row (output, or Hessian row) and column */
    double value; /* the derivative tested */
    double ref;   /* the primary reference */
    double abs_err, rel_err, ulp_err, norm_ulp_err; /* see above */
    int pass;
} ad_verify_entry;

/* One reference and how it compares with the primary one. */
typedef struct ad_verify_ref {
    unsigned kind;      /* its AD_REF_* bit */
    int status;         /* AD_OK, or why it is missing (d, est NULL) */
    double *d;          /* its derivative, rows x cols */
    double *est;        /* its error estimates, or NULL (MPFR, cstep) */
    double max_abs_err; /* max |d - r| over the entries (r: primary) */
    double norm_err;    /* max |d - r| / max |r|: relative, normwise */
    double max_ulp_err; /* max entrywise ulps */
    double max_est;     /* max est (NaN if no estimate) */
} ad_verify_ref;

typedef struct ad_verify_report {
    ad_verify_what what;
    char *name;             /* the ad_fn's name ("" if it had none) */
    size_t n, m;            /* the ad_fn's sizes */
    size_t rows, cols;      /* the derivative: 1 x n, m x n or n x n */
    double *x;              /* the point (n) */
    double *y;              /* f(x) (m), from f_double or else the tape */
    int user;               /* 1: options->deriv was tested */
    ad_mode mode;           /* else: the mode that computed it */
    unsigned primary;       /* the reference judged against (an AD_REF_ bit) */
    int exact;              /* 1: primary is exact (ulp criterion) */
    long prec;              /* MPFR precision of the MPFR references */
    ad_verify_entry *entry; /* rows x cols, row-major */
    size_t nentries;        /* rows * cols */
    ad_verify_entry worst[AD_VERIFY_NWORST]; /* failing first, then by
                                                distance to the tolerance */
    size_t nworst;
    double max_abs_err, max_rel_err;
    double max_ulp_err;      /* entrywise, over all entries */
    double max_norm_ulp_err; /* normwise (ulps of the row's largest) */
    size_t n_ulp_ok;         /* entries within ulp_tol */
    size_t nfail;            /* entries that failed */
    size_t nan_value, nan_deriv, nan_ref; /* NaN in f(x), tested, primary */
    size_t ncstep1; /* active AD_F_CSTEP1 nodes (complex step not
                       independent there) */
    double ulp_tol, norm_ulp_tol, fd_tol; /* the tolerances applied */
    int entrywise;
    int status;   /* what the call returned: AD_OK or AD_EDOM */
    int pass;     /* 1: every entry passed and nothing is NaN */
    size_t nrefs; /* references asked for, in AD_REF_ bit order */
    ad_verify_ref refs[AD_REF_COUNT];
} ad_verify_report;

/* options may be NULL (all defaults; a zeroed struct is the same). */
int ad_verify_gradient(const ad_fn *f, const double *x,
                       const ad_verify_options *options,
                       ad_verify_report **report);
int ad_verify_jacobian(const ad_fn *f, const double *x,
                       const ad_verify_options *options,
                       ad_verify_report **report);
int ad_verify_hessian(const ad_fn *f, const double *x,
                      const ad_verify_options *options,
                      ad_verify_report **report);

/* Frees a report and everything it holds.  NULL is ignored. */
void ad_verify_report_free(ad_verify_report *report);

/* Output formats of ad_verify_print. */
typedef enum ad_verify_format {
    AD_VERIFY_TABLE = 0, /* aligned text for people: summary, references,
                            entries (all up to 64, else the worst) */
    AD_VERIFY_CSV,       /* one line per entry, with a header line */
    AD_VERIFY_JSON       /* one object: summary, references, all entries;
                            non-finite numbers as null */
} ad_verify_format;

/* Writes the report to out.  AD_OK, AD_EINVAL (NULL argument, unknown
 * format), AD_EIO (a write failed).  Reads the report only: any number of
 * threads may print one report at once (to different streams). */
int ad_verify_print(FILE *out, const ad_verify_report *report,
                    ad_verify_format format);

/* ---- the Taylor test
 * ---------------------------------------------------------
 *
 * ad_taylor_test checks a gradient g (and a Hessian-vector product hv = H d)
 * of f (m == 1) at x the way pyadjoint's taylor_test does: along a
 * direction d, for eps_k = 0.01 2^-k (k = 0..AD_TAYLOR_NEPS-1), the
 * residuals
 *     res0_k = |f(x + eps_k d) - f(x)|                         (rate 1)
 *     res1_k = |f(x + eps_k d) - f(x) - eps_k g.d|             (rate 2)
 *     res2_k = |res1 expression - eps_k^2 / 2 d.hv|            (rate 3)
 * shrink at the rates shown when g and hv are right; rate_k =
 * log2(res_k / res_{k+1}).  A wrong gradient leaves res1 at rate 1, a wrong
 * Hessian res2 at rate 2.  Residuals at the rounding floor (64 eps |f|) are
 * noise: their rates are NaN and not counted (a quadratic f has no
 * measurable rate 3; its res2 is noise from the start).  pass: the smallest
 * counted rate1 >= 1.9 and rate2 >= 2.9 (pyadjoint's margins).
 *
 * dir NULL: a fixed direction with entries of size 0.35 to 0.95 times
 * max(1, |x_i|) and alternating signs.  g NULL: ad_gradient (AD_AUTO).  hv
 * NULL: ad_hvp (AD_AUTO) when f has f_var or f_hdual, else no second-order
 * residuals (second = 0, res2 and rate2 NaN).  f(x + eps d) by f_double.
 *
 * Returns AD_OK; AD_EDOM (NaN in f(x) or in g.d, d.hv: the result is filled
 * but meaningless); AD_EINVAL (as ad_fd_jacobian, plus res NULL, m != 1, a
 * non-finite direction); AD_EUNSUPPORTED (no f_double, or no entry point
 * for the gradient when g is NULL); AD_ENOMEM.  Serial; thread-safe. */
#define AD_TAYLOR_NEPS 6

typedef struct ad_taylor_result {
    double eps[AD_TAYLOR_NEPS];
    double res0[AD_TAYLOR_NEPS], res1[AD_TAYLOR_NEPS], res2[AD_TAYLOR_NEPS];
    double rate0[AD_TAYLOR_NEPS - 1], rate1[AD_TAYLOR_NEPS - 1],
        rate2[AD_TAYLOR_NEPS - 1];
    double min_rate0, min_rate1, min_rate2; /* over counted rates; NaN: none */
    int second; /* 1: res2 and rate2 were computed */
    int pass;
} ad_taylor_result;

int ad_taylor_test(const ad_fn *f, const double *x, const double *dir,
                   const double *g, const double *hv, ad_taylor_result *res);

/* ---- the step sweep
 * ----------------------------------------------------------
 *
 * ad_fd_sweep measures the error of forward, central and 5-point differences
 * of the whole Jacobian at steps h = t max(1, |x_j|), t = 10^-1 ... 10^-16,
 * against ad_mpfr_jacobian at prec bits: err = max |J_fd - J| / max |J|
 * (NaN counts as infinite).  The curve is V-shaped: truncation error
 * (t, t^2, t^4) falling to the left of the best step, rounding error
 * (eps / t) rising to its right.  The steps are divided by as taken
 * ((x + h) - x, exact) for forward and central differences, as the
 * textbooks advise; the 5-point stencil uses the nominal step.
 * ad_fd_sweep_print writes the data as columns (gnuplot's format: `plot
 * "file" using 1:3 with lines`, log axes).
 *
 * Returns as ad_fd_jacobian, AD_EUNSUPPORTED without f_double or f_var;
 * the print: AD_OK, AD_EINVAL, AD_EIO.  Cost: 4 n evaluations per step,
 * serial, plus the MPFR Jacobian. */
#define AD_FD_SWEEP_N 16

typedef struct ad_fd_sweep_result {
    double h[AD_FD_SWEEP_N]; /* t: 1e-1 ... 1e-16 */
    double err_forward[AD_FD_SWEEP_N], err_central[AD_FD_SWEEP_N],
        err_5point[AD_FD_SWEEP_N];
    double best_forward, best_central, best_5point;       /* smallest errors */
    double best_h_forward, best_h_central, best_h_5point; /* at these t */
} ad_fd_sweep_result;

int ad_fd_sweep(const ad_fn *f, const double *x, long prec,
                ad_fd_sweep_result *res);
int ad_fd_sweep_print(FILE *out, const ad_fd_sweep_result *res);

AD_END_DECLS

#endif /* ADMIX_VERIFY_H */
