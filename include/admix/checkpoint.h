/* checkpoint.h -- checkpointing schedules for the adjoint of a time loop.
 *
 * The adjoint of x_{k+1} = Phi(x_k), k = 0 .. l-1, sweeps the steps in
 * reverse, l-1 down to 0, and the adjoint of step k needs the state x_k.
 * Storing all l states may not fit; a schedule stores a few of them
 * (snapshots, in slots) and recomputes the others from the nearest snapshot
 * before them.  A schedule is a sequence of actions the caller carries out:
 *
 *     ad_revolve_params p = {.steps = l, .snapshots = s};
 *     ad_revolve *r;
 *     if (ad_revolve_new(ad_revolve_binomial, &p, &r) != AD_OK) ...;
 *     ad_revolve_action a;
 *     while (ad_revolve_next(r, &a) == AD_OK && a.kind != AD_REVOLVE_DONE) {
 *         switch (a.kind) {
 *         case AD_REVOLVE_ADVANCE: // run steps a.from .. a.to-1, no tape
 *         case AD_REVOLVE_TAKE:    // slot a.slot of a.level := the state
 *         case AD_REVOLVE_RESTORE: // the state := slot a.slot of a.level
 *         case AD_REVOLVE_FIRST_ADJOINT: // tape step a.step = l-1, seed
 *                                        // from the final state, sweep
 *         case AD_REVOLVE_ADJOINT: // tape step a.step, sweep it back
 *         }
 *     }
 *     ad_revolve_free(r);
 *
 * The contract of the actions, which every schedule keeps (the tests replay
 * each one and check it):
 *   - ADVANCE: the state is x_from; run steps from .. to-1 without a tape;
 *     the state is then x_to (to > from; to <= l-1 once l is known).
 *   - TAKE: the state is x_step; copy it into slot `slot` of `level`,
 *     overwriting what the slot held.  The state is unchanged.
 *   - RESTORE: slot `slot` of `level` holds x_step (it was TAKEn and not
 *     overwritten since); copy it into the state.
 *   - FIRST_ADJOINT: the state is x_{l-1}, step = l-1.  Record step l-1
 *     (its result is x_l, the final state, from which the objective or the
 *     seed adjoint comes) and sweep it back.  Always the first adjoint.
 *   - ADJOINT: the state is x_step; record step `step` and sweep it back.
 *     The adjoints come in order l-1, l-2, ..., 0, each exactly once.
 *   - After an adjoint the state is spent: the next action is RESTORE or
 *     DONE, so the recording may consume the state in place.
 *   - DONE: all l steps have been swept back; next() keeps returning DONE.
 *   - At most ad_revolve_slots(r, level) slots of each level are used,
 *     numbered 0 .. that - 1, so the caller can allocate them up front.
 * The forward part of each adjoint (recording step k) is not an ADVANCE:
 * "forward steps" below count ADVANCEd steps only, as Griewank and Walther
 * count them.
 *
 * Schedules (the types, GSL's minimiser types are the model):
 *   ad_revolve_binomial  revolve: the fewest forward steps for l steps and s
 *                        snapshots, t(l, s) = r l - beta(s+1, r-1), and among
 *                        such schedules the fewest snapshot writes (Griewank
 *                        & Walther, "Algorithm 799: revolve", ACM TOMS 26(1),
 *                        2000).  beta(s, t) = C(s+t, s); r, the repetition
 *                        number, is the least r with beta(s, r) >= l; s
 *                        counts every slot, the one holding x_0 included.
 *                        No step is advanced more than r times.
 *   ad_revolve_store_all every state stored once: l-1 slots, l-1 forward
 *                        steps (the baseline with the most memory).
 *   ad_revolve_uniform   a snapshot every k-th step (k = .interval); each
 *                        segment is rerun once and all its states stored
 *                        while it is swept back: about l/k + k slots and
 *                        2l forward steps.  Given only .snapshots, k is the
 *                        one with the fewest forward steps that fits; given
 *                        neither, k = ceil(sqrt(l)).
 *   ad_revolve_online    the step count is not known in advance: the caller
 *                        ADVANCEs one step at a time and, when its loop ends
 *                        after step l-1 (a convergence test, a final time),
 *                        calls ad_revolve_terminate(r, l); next() then
 *                        yields the reversal.  Snapshots are kept by the
 *                        checkpoint levels of Wang, Moin & Iaccarino
 *                        ("Minimal repetition dynamic checkpointing algorithm
 *                        for unsteady adjoint calculation", SIAM J. Sci.
 *                        Comput. 31(4), 2009), deciding one step early so
 *                        that a state is stored only if it stays; the
 *                        reversal is revolve between the snapshots.  Bound
 *                        (tested): the most advances of one step are
 *                        exactly r(l+1, s), the first sweep included, r
 *                        the repetition number above: r(l, s), or one more
 *                        when l = beta(s, r) exactly.  No schedule does
 *                        better when the end is seen at x_l: step l-1 has
 *                        then been advanced once, and the run is an
 *                        offline one of l+1 steps.  Published online
 *                        results count loops that know their last step
 *                        before taking it (Stumm & Walther, SIAM J. Sci.
 *                        Comput. 32(2), 2010): their L steps are our l+1,
 *                        and their bound r(L, s) is this one.
 *                        Forward steps: t(l+1, s), the least possible,
 *                        while l+1 <= beta(s, 2); measured up to
 *                        1.32 t(l+1, s) beyond, see README.md.
 *   ad_revolve_two_level a few slots in memory and more on disk (Aupy,
 *                        Herrmann, Hovland & Robert, "Optimal multistage
 *                        algorithm for adjoint computation", SIAM J. Sci.
 *                        Comput. 38(3), 2016, for the model: a disk write
 *                        costs .write_cost and a read .read_cost forward
 *                        steps, memory is free).  The steps are cut into n
 *                        equal segments whose starts go to disk on the first
 *                        sweep; each segment is then read back into memory
 *                        and reversed by revolve with .snapshots memory
 *                        slots.  n <= .disk_snapshots + 1 minimises forward
 *                        steps + n-1 writes + n-1 reads at those costs.  The
 *                        schedule only names the level; the caller does the
 *                        I/O.
 *
 * Errors.  Functions returning int give AD_OK or: AD_EINVAL (a NULL
 * argument; steps == 0 for an offline type; snapshots == 0 for online, or
 * for binomial and two-level when l > 1; a negative or non-finite cost; an
 * interval or snapshot cap uniform cannot meet; terminate on a type that is
 * not online, twice, or at a step the state is not at), AD_ENOMEM (an
 * allocation failed: nothing is leaked and *out is NULL), AD_ERANGE (l so
 * large that the forward-step count overflows 64 bits).  Nothing aborts or
 * prints.
 *
 * Threads.  A schedule is used by one thread at a time; different schedules
 * are independent.  The closed forms touch nothing but their arguments.
 */
#ifndef ADMIX_CHECKPOINT_H
#define ADMIX_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "admix/common.h"
#include "admix/errors.h"
#include "admix/fn.h"

AD_BEGIN_DECLS

/* What the caller does next (see the contract above). */
typedef enum ad_revolve_kind {
    AD_REVOLVE_ADVANCE,
    AD_REVOLVE_TAKE,
    AD_REVOLVE_RESTORE,
    AD_REVOLVE_FIRST_ADJOINT,
    AD_REVOLVE_ADJOINT,
    AD_REVOLVE_DONE
} ad_revolve_kind;

/* Where a slot lives; only two_level uses the disk. */
typedef enum ad_revolve_level {
    AD_REVOLVE_MEMORY = 0,
    AD_REVOLVE_DISK = 1
} ad_revolve_level;
#define AD_REVOLVE_LEVELS 2

typedef struct ad_revolve_action {
    ad_revolve_kind kind;
    size_t from, to;        /* ADVANCE: steps from .. to-1 (from == step) */
    size_t step;            /* the state's step (ADVANCE, TAKE, RESTORE) or the
                               step swept back (the adjoints) */
    size_t slot;            /* TAKE, RESTORE: the slot, 0 .. slots(level)-1 */
    ad_revolve_level level; /* TAKE, RESTORE: memory or disk */
} ad_revolve_action;

/* Parameters; fields a type does not read are ignored, so a zeroed struct
 * with .steps and .snapshots set suits every offline type. */
typedef struct ad_revolve_params {
    size_t steps;     /* l, the time steps (not read by online) */
    size_t snapshots; /* s, memory slots, the one holding x_0 included
                         (uniform: a cap, 0 for none) */
    size_t interval;  /* uniform: a snapshot every interval steps, 0: chosen */
    size_t disk_snapshots; /* two_level: disk slots at most */
    double write_cost;     /* two_level: a disk write, in forward steps */
    double read_cost;      /* two_level: a disk read, in forward steps */
} ad_revolve_params;

/* Counters of the actions returned so far (ad_revolve_stats). */
typedef struct ad_revolve_info {
    uint64_t forward;  /* steps ADVANCEd: the sum of to - from */
    uint64_t adjoints; /* FIRST_ADJOINT and ADJOINT actions */
    uint64_t writes[AD_REVOLVE_LEVELS]; /* TAKEs per level */
    uint64_t reads[AD_REVOLVE_LEVELS];  /* RESTOREs per level */
    size_t slots[AD_REVOLVE_LEVELS];    /* the slots the schedule may use */
    size_t used[AD_REVOLVE_LEVELS];     /* 1 + the highest slot used so far */
    size_t steps; /* l, or for online 0 until terminated */
    int done;     /* 1 once DONE has been returned */
} ad_revolve_info;

/* A schedule type (opaque); the types are these constants. */
typedef struct ad_revolve_type ad_revolve_type;
extern const ad_revolve_type *const ad_revolve_binomial;
extern const ad_revolve_type *const ad_revolve_store_all;
extern const ad_revolve_type *const ad_revolve_uniform;
extern const ad_revolve_type *const ad_revolve_online;
extern const ad_revolve_type *const ad_revolve_two_level;

/* The type's name: "binomial", "store-all", "uniform", "online",
 * "two-level"; NULL for NULL. */
const char *ad_revolve_type_name(const ad_revolve_type *type);
/* The type of that name (as above; "store_all" and "two_level" too), or
 * NULL if there is none. */
const ad_revolve_type *ad_revolve_type_find(const char *name);
/* The name of an action kind ("advance", "take", ...), "?" if unknown. */
const char *ad_revolve_kind_name(ad_revolve_kind kind);

/* A schedule. */
typedef struct ad_revolve ad_revolve;

/* Checks the parameters, sizes every workspace up front (next() never
 * allocates) and stores a new schedule in *out (NULL on error).  Errors:
 * AD_EINVAL (NULL type, params or out; parameters the type refuses),
 * AD_ENOMEM, AD_ERANGE. */
int ad_revolve_new(const ad_revolve_type *type, const ad_revolve_params *p,
                   ad_revolve **out);
/* Frees a schedule; NULL is ignored. */
void ad_revolve_free(ad_revolve *r);
/* Starts the schedule over from its first action, counters zeroed (the
 * same schedule again: reuse for another adjoint).  AD_EINVAL for NULL. */
int ad_revolve_reset(ad_revolve *r);

/* The next action, in *a.  Returns AD_OK (a.kind == AD_REVOLVE_DONE at the
 * end, and again on every later call) or AD_EINVAL for NULL arguments. */
int ad_revolve_next(ad_revolve *r, ad_revolve_action *a);

/* Online only: the loop has ended with x_steps, the state after the last
 * ADVANCE (a.to of it), steps >= 1.  next() then yields the reversal of
 * steps-1 .. 0.  AD_EINVAL if r is not online, is terminated already, or
 * steps is not the current step. */
int ad_revolve_terminate(ad_revolve *r, size_t steps);

/* The slots of that level the schedule uses at most (0 for a bad level or
 * NULL); slots are numbered from 0, so arrays of this size suffice. */
size_t ad_revolve_slots(const ad_revolve *r, ad_revolve_level level);
/* The schedule's type, NULL for NULL. */
const ad_revolve_type *ad_revolve_get_type(const ad_revolve *r);
/* The counters so far; zeroes for NULL r. */
void ad_revolve_stats(const ad_revolve *r, ad_revolve_info *info);

/* ---- closed forms (Griewank & Walther 2000) ----------------------------- */

/* beta(s, t) = C(s+t, s), the most steps s snapshots reverse with no step
 * advanced more than t times.  AD_ERANGE if it does not fit below
 * UINT64_MAX (*out is then UINT64_MAX). */
int ad_revolve_beta(size_t s, size_t t, uint64_t *out);
/* The repetition number r of l >= 1 steps and s snapshots: the least r with
 * beta(s, r) >= l (0 for l == 1).  AD_EINVAL if l == 0 or (s == 0 and
 * l > 1). */
int ad_revolve_repetitions(size_t l, size_t s, size_t *r);
/* t(l, s) = r l - beta(s+1, r-1), the fewest forward steps that reverse l
 * steps with s snapshots (0 for l == 1).  AD_EINVAL as above, AD_ERANGE if
 * it exceeds UINT64_MAX. */
int ad_revolve_forward_steps(size_t l, size_t s, uint64_t *t);

/* ---- checkpointed adjoints of a time loop (checkpoint/adjoint.c) -------- */

/* ad_checkpoint_adjoint differentiates the time loop
 *
 *     x_{k+1} = Phi(x_k, p),   k = 0 .. l-1,
 *
 * given Phi as an ad_fn (written once, see instantiate.h): it carries out a
 * schedule above, running Phi in double for its ADVANCEs, keeping its
 * snapshots in memory (and on disk for two-level), and for each adjoint
 * recording the one step Phi(x_k, p) on a tape and sweeping it back.  Only
 * one step's tape is alive at a time, and one tape is reused for every
 * step.  The result is the adjoint of x_0 and of p:
 *
 *     xbar_0 = xbar_l^T d x_l / d x_0,   pbar = xbar_l^T d x_l / d p,
 *
 * with the seed xbar_l given, or xbar_l = grad J(x_l) for a scalar
 * objective J given as an ad_fn (J may depend on p too: then pbar includes
 * dJ/dp).
 *
 *     // step.inc: void AD_NAME(lorenz_step)(const T *x, T *y, const void *q)
 *     //           y[0..3) = one RK4 step from x[0..3) with x[3..6) = p
 *     ad_fn phi = lorenz_step_fn(&dt);          // n = 6, m = 3
 *     ad_checkpoint_opts o = {.snapshots = 20}; // binomial, 20 slots
 *     double x0[3] = {1, 1, 1}, p[3] = {10, 28, 8.0 / 3}, w[3] = {1, 1, 1};
 *     double xl[3], xbar0[3], pbar[3];
 *     ad_checkpoint_stats st;
 *     int rc = ad_checkpoint_adjoint(&phi, 1000000, x0, p, w, NULL, &o, xl,
 *                                    xbar0, pbar, &st);
 *
 * No retaping issue: each adjoint records its step afresh at that step's
 * own state, so a comparison in Phi that comes out differently from one
 * step to the next is simply recorded as it comes (no tape is ever swept
 * at a point other than the one it was recorded at, so AD_ERETAPE cannot
 * arise).
 *
 * Counting (ad_checkpoint_stats):
 *   forward_steps     steps of Phi run in double, without a tape: the
 *                     schedule's ADVANCEd steps (ad_revolve_info.forward);
 *                     for binomial exactly t(l, s) of
 *                     ad_revolve_forward_steps, for store-all l - 1; online
 *                     counts its whole first run (l steps: the loop has to
 *                     reach x_l to know that it ends there).
 *   adjoint_steps     steps recorded on the tape and swept back: l.  Every
 *                     step of the loop is thus evaluated forward_steps +
 *                     adjoint_steps times in all, against l for the loop
 *                     itself.
 *   recomputed_steps  the forward steps that run a step that had been run
 *                     before: forward_steps minus the distinct steps
 *                     advanced (0 for store-all; t(l, s) - (l - 1) for
 *                     binomial).
 *   snapshots_written, snapshots_read   TAKEs and RESTOREs, both levels;
 *   disk_writes, disk_reads             those of the disk level.
 *   snapshots         memory slots used: 1 + the highest slot number taken
 *                     (ad_revolve_info.used); peak_snapshot_bytes =
 *                     snapshots * nx * sizeof(double); disk_snapshots and
 *                     disk_bytes the same for the disk.  (The driver
 *                     allocates the ad_revolve_slots(r, AD_REVOLVE_MEMORY)
 *                     slots the schedule may use up front; a schedule that
 *                     runs to its end normally uses them all.)
 *   peak_tape_bytes   the tape's storage at its largest
 *                     (ad_tape_info.peak_bytes) plus 8 bytes per variable of
 *                     the largest step recording (the adjoints a sweep
 *                     needs), as `admix bench reverse` counts peak bytes.
 *   steps             l, the steps of the loop (for online, where the loop
 *                     ended).
 *
 * Disk (two-level).  The disk slots live in one file per call, created in
 * opts->dir with a unique name (mkstemp) and unlinked at once: it occupies
 * disk space only while the call runs, and nothing is left in the directory
 * on any path, even if the process dies; the directory itself may go away
 * during the run.  With dir NULL the file comes from tmpfile().  A file
 * that cannot be created, written or read back gives AD_EIO.  No file is
 * made when the schedule uses no disk slot.
 *
 * Memory.  The driver owns all it allocates (the schedule, the snapshots,
 * the tape, a few buffers of n doubles and ad_vars) and frees it before it
 * returns, on every path; the sweeps also use the calling thread's sweep
 * buffers (ad_thread_release).  Outputs are the caller's.
 *
 * Threads.  Everything is per call: several threads may run the driver at
 * once (each records its own tape), provided the ad_fn's entry points may
 * be called from several threads (those of AD_FN() may, unless they write
 * to what params points to).  The calling thread must not be recording a
 * tape of its own (AD_EINVAL): the driver records.  The step function and
 * the stop predicate are called from the calling thread only.
 */

/* The schedule and its parameters.  A zeroed struct with .snapshots set is
 * binomial with that many memory slots. */
typedef struct ad_checkpoint_opts {
    /* The schedule; NULL: ad_revolve_binomial. */
    const ad_revolve_type *type;
    /* Memory slots, x_0's included: binomial and two-level need them when
     * l > 1, online always; uniform takes them as a cap (0: none);
     * store-all ignores them. */
    size_t snapshots;
    size_t interval;       /* uniform: a snapshot every interval steps, 0:
                              chosen (see ad_revolve_uniform) */
    size_t disk_snapshots; /* two-level: disk slots at most */
    double write_cost;     /* two-level: a disk write, in steps of Phi */
    double read_cost;      /* two-level: a disk read, in steps of Phi */
    const char *dir;       /* two-level: the directory of the disk file;
                              NULL: tmpfile()'s */
    /* Online only (NULL otherwise): the loop ends at the first k with
     * stop(k, x_k, stop_ctx) != 0 or at k = l, whichever comes first
     * (NULL: at k = l).  It is called once for each k = 0, 1, ... of the
     * first run, in order, with the state x_k (nx values, read only). */
    int (*stop)(size_t k, const double *x_k, void *stop_ctx);
    void *stop_ctx;
} ad_checkpoint_opts;

/* What a call did (see the counting above). */
typedef struct ad_checkpoint_stats {
    size_t steps;               /* l (online: the k the loop ended at) */
    uint64_t forward_steps;     /* steps of Phi run in double */
    uint64_t recomputed_steps;  /* of those, steps run again */
    uint64_t adjoint_steps;     /* steps recorded and swept back */
    uint64_t snapshots_written; /* TAKEs, memory and disk */
    uint64_t snapshots_read;    /* RESTOREs, memory and disk */
    uint64_t disk_writes;       /* TAKEs to disk */
    uint64_t disk_reads;        /* RESTOREs from disk */
    size_t snapshots;           /* memory slots used */
    size_t peak_snapshot_bytes; /* snapshots * nx * 8 */
    size_t disk_snapshots;      /* disk slots used */
    size_t disk_bytes;          /* disk_snapshots * nx * 8 */
    size_t peak_tape_bytes;     /* tape at its largest + its adjoints */
} ad_checkpoint_stats;

/* The adjoint of the loop x_{k+1} = step(x_k, p), k = 0 .. l-1.
 *
 *   step       Phi: n = nx + np inputs (x_k, then p) and m = nx >= 1
 *              outputs (x_{k+1}); f_double and f_var are needed.
 *   l          the steps; l == 0 is allowed (x_l = x_0).  Online: the most
 *              steps (SIZE_MAX: no limit, then opts->stop is required).
 *   x0         x_0, nx values.
 *   p          the parameters, np values (NULL when np == 0).
 *   xbar_l     the seed, nx values: the adjoint of x_l; or NULL when
 *   objective  J: R^nx -> R, or R^(nx+np) -> R as J(x_l, p), is given
 *              instead (m == 1, f_var needed): xbar_l = dJ/dx_l.  Exactly
 *              one of the two.
 *   opts       the schedule (required).
 *   xl         x_l, nx values (may be NULL).
 *   xbar0      xbar_0, nx values.
 *   pbar       pbar, np values (may be NULL only when np == 0).
 *   stats      what the call did (may be NULL).
 *
 * Every input is copied before any output is written, and the outputs are
 * written only at the end: an output may overlap an input (xbar0 ==
 * xbar_l, xl == x0, pbar == p), not another output.  On an error other
 * than AD_EDOM the outputs are untouched (stats is still filled with the
 * counts so far).
 *
 * Returns AD_OK or:
 *   AD_EINVAL       a required pointer NULL; step->m == 0 or step->n <
 *                   step->m; both or neither of xbar_l and objective; an
 *                   objective whose m != 1 or n is neither nx nor nx + np;
 *                   opts->stop with a type that is not online, or online
 *                   with l == SIZE_MAX and no stop; parameters the schedule
 *                   refuses (ad_revolve_new); the calling thread records a
 *                   tape.
 *   AD_EUNSUPPORTED step lacks f_double or f_var, or objective f_var.
 *   AD_ENOMEM       out of memory (the snapshots: slots * nx doubles).
 *   AD_EIO          the disk file could not be created, written or read.
 *   AD_ERANGE       the schedule's counts or the snapshots' bytes overflow.
 *   AD_EDOM         a NaN in x_l, xbar_0 or pbar (all still written).
 */
int ad_checkpoint_adjoint(const ad_fn *step, size_t l, const double *x0,
                          const double *p, const double *xbar_l,
                          const ad_fn *objective,
                          const ad_checkpoint_opts *opts, double *xl,
                          double *xbar0, double *pbar,
                          ad_checkpoint_stats *stats);

AD_END_DECLS

#endif /* ADMIX_CHECKPOINT_H */
