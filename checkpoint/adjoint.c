/* adjoint.c -- ad_checkpoint_adjoint: the adjoint of a time loop
 * x_{k+1} = Phi(x_k, p), carried out along a checkpointing schedule.
 *
 * The driver plays the caller's part of checkpoint.h's action contract:
 *   ADVANCE        Phi in double, from the state buffer to its twin and
 *                  back (two buffers, each x then p, so that f_double never
 *                  writes the array it reads and p is never copied again);
 *   TAKE, RESTORE  the snapshot store (store.c), memory or disk;
 *   FIRST_ADJOINT  record step l-1 at the state -- its outputs are x_l --
 *                  with the objective J(x_l[, p]) after it when J seeds the
 *                  adjoint, and sweep that tape back with the seed;
 *   ADJOINT        record step k at the state and sweep it back with the
 *                  adjoint of x_{k+1}: the vjp gives the adjoint of x_k
 *                  (the next seed) and a contribution to pbar.
 * One tape serves every recording: ad_tape_begin on it discards the last
 * recording and reuses its storage, so after the first step no recording
 * touches fresh memory (a fresh page costs microseconds on the virtual
 * machines this runs on, as much as a whole small step).  Each recording
 * is swept at the point it was recorded at (x NULL), so no recorded branch
 * can flip.
 *
 * The online schedule does not know l: the driver asks the caller's stop
 * predicate after every step of the first run (and at x_0) and, when it
 * says stop or the cap l is reached, calls ad_revolve_terminate at the
 * state's step; the schedule then yields the reversal like any other.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "admix.h"
#include "store.h"

/* What one call holds; all of it is freed by run_free. */
typedef struct run {
    const ad_fn *step, *obj;
    size_t nx, np, n; /* state, parameters, n = nx + np: Phi's inputs */
    double *buf[2];   /* the state x (nx) then p (np), and its twin */
    int cur;          /* buf[cur] holds the state */
    double *xbar;     /* the adjoint of the state after the next adjoint */
    double *pbar;     /* the adjoint of p so far */
    double *wj;       /* a sweep's result: n values */
    double *xl;       /* x_l */
    ad_var *xv;       /* the recording's inputs (n) */
    ad_var *yv;       /* Phi's outputs (nx) */
    ad_var *ov;       /* J's inputs (n at most) */
    ad_tape *tape;
    size_t max_vars; /* the most variables of one recording */
} run;

static void run_free(run *R)
{
    free(R->buf[0]);
    free(R->buf[1]);
    free(R->xbar);
    free(R->pbar);
    free(R->wj);
    free(R->xl);
    free(R->xv);
    free(R->yv);
    free(R->ov);
    ad_tape_free(R->tape);
}

/* What a recording holds: the step, the step followed by J, or J alone
 * (l == 0). */
enum { REC_STEP, REC_STEP_J, REC_J };

/* Records at the state buf[cur] what `what` says and sweeps it back: the
 * seed is xbar (a step alone) or 1 (J at the end); xbar then holds the
 * adjoint of the state and pbar has the step's share added.  Phi's outputs
 * go to R->xl when `last` says that the step is step l-1. */
static int record_and_sweep(run *R, int what, int last)
{
    const double *in = R->buf[R->cur];
    int rc = ad_tape_begin(R->tape);
    if (rc != AD_OK)
        return rc;
    rc = ad_independent_array(R->n, in, R->xv);
    if (rc == AD_OK) {
        const ad_var *xj = R->xv; /* J's state: x_l, or x_0 for l == 0 */
        if (what != REC_J) {
            R->step->f_var(R->xv, R->yv, R->step->params);
            xj = R->yv;
            if (last)
                for (size_t i = 0; i < R->nx; i++)
                    R->xl[i] = ad_value(R->yv[i]);
        }
        if (what == REC_STEP) {
            rc = ad_dependent_array(R->nx, R->yv);
        } else {
            /* J(x[, p]): its p is the recording's own p, so that dJ/dp
             * reaches pbar through the same sweep. */
            memcpy(R->ov, xj, R->nx * sizeof *R->ov);
            if (R->obj->n > R->nx)
                memcpy(R->ov + R->nx, R->xv + R->nx, R->np * sizeof *R->ov);
            ad_var J;
            R->obj->f_var(R->ov, &J, R->obj->params);
            ad_dependent(J);
        }
    }
    /* The tape's first error wins over ours: recording errors are sticky
     * and the end must come whatever happened. */
    int end = ad_tape_end(R->tape);
    if (end != AD_OK)
        return end;
    if (rc != AD_OK)
        return rc;
    ad_tape_info info;
    ad_tape_stats(R->tape, &info);
    if (info.vars > R->max_vars)
        R->max_vars = info.vars;
    static const double one = 1.0;
    rc = ad_tape_vjp(R->tape, NULL, what == REC_STEP ? R->xbar : &one, NULL,
                     R->wj);
    if (rc != AD_OK)
        return rc;
    memcpy(R->xbar, R->wj, R->nx * sizeof *R->xbar);
    for (size_t j = 0; j < R->np; j++)
        R->pbar[j] += R->wj[R->nx + j];
    return AD_OK;
}

/* n steps of Phi in double from the state. */
static void advance(run *R, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        R->step->f_double(R->buf[R->cur], R->buf[1 - R->cur], R->step->params);
        R->cur = 1 - R->cur;
    }
}

static int has_nan(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i]))
            return 1;
    return 0;
}

/* The argument checks of the header, in its order. */
static int check_args(const ad_fn *step, size_t l, const double *x0,
                      const double *p, const double *xbar_l,
                      const ad_fn *objective, const ad_checkpoint_opts *opts,
                      const double *xbar0, const double *pbar)
{
    if (step == NULL || x0 == NULL || opts == NULL || xbar0 == NULL)
        return AD_EINVAL;
    size_t nx = step->m;
    if (nx == 0 || step->n < nx)
        return AD_EINVAL;
    size_t np = step->n - nx;
    if (np > 0 && (p == NULL || pbar == NULL))
        return AD_EINVAL;
    if ((xbar_l == NULL) == (objective == NULL))
        return AD_EINVAL;
    if (objective != NULL &&
        (objective->m != 1 || (objective->n != nx && objective->n != nx + np)))
        return AD_EINVAL;
    const ad_revolve_type *type =
        opts->type != NULL ? opts->type : ad_revolve_binomial;
    if (type != ad_revolve_online && opts->stop != NULL)
        return AD_EINVAL;
    if (type == ad_revolve_online && opts->stop == NULL && l == SIZE_MAX)
        return AD_EINVAL;
    if (step->f_double == NULL || step->f_var == NULL ||
        (objective != NULL && objective->f_var == NULL))
        return AD_EUNSUPPORTED;
    return AD_OK;
}

static int run_alloc(run *R, const ad_fn *step, const ad_fn *objective)
{
    memset(R, 0, sizeof *R);
    R->step = step;
    R->obj = objective;
    R->nx = step->m;
    R->np = step->n - step->m;
    R->n = step->n;
    size_t n = R->n, nx = R->nx, np = R->np;
    R->buf[0] = calloc(n, sizeof(double));
    R->buf[1] = calloc(n, sizeof(double));
    R->xbar = calloc(nx, sizeof(double));
    R->pbar = calloc(np > 0 ? np : 1, sizeof(double));
    R->wj = calloc(n, sizeof(double));
    R->xl = calloc(nx, sizeof(double));
    R->xv = calloc(n, sizeof(ad_var));
    R->yv = calloc(nx, sizeof(ad_var));
    R->ov = calloc(n, sizeof(ad_var));
    R->tape = ad_tape_new();
    if (!R->buf[0] || !R->buf[1] || !R->xbar || !R->pbar || !R->wj || !R->xl ||
        !R->xv || !R->yv || !R->ov || !R->tape)
        return AD_ENOMEM;
    return AD_OK;
}

/* a * b, saturating at SIZE_MAX. */
static size_t mul_sat(size_t a, size_t b)
{
    return b != 0 && a > SIZE_MAX / b ? SIZE_MAX : a * b;
}

/* Walks the schedule r to its end on R's state; *steps gets l (online: the
 * step the loop ended at) and *reach the distinct steps advanced. */
static int walk(run *R, ad_revolve *r, ad__store *st, size_t l,
                const ad_checkpoint_opts *opts, size_t *steps, uint64_t *reach)
{
    int online = ad_revolve_get_type(r) == ad_revolve_online;
    int ended = !online; /* the first run's end is known */
    for (;;) {
        ad_revolve_action a;
        int rc = ad_revolve_next(r, &a);
        if (rc != AD_OK)
            return rc;
        switch (a.kind) {
        case AD_REVOLVE_ADVANCE:
            advance(R, a.to - a.from);
            if (a.to > *reach)
                *reach = a.to;
            if (!ended) {
                /* Online: the schedule ADVANCEs one step at a time until
                 * told where the loop ends. */
                const double *x = R->buf[R->cur];
                if (a.to == l || (opts->stop != NULL &&
                                  opts->stop(a.to, x, opts->stop_ctx))) {
                    rc = ad_revolve_terminate(r, a.to);
                    if (rc != AD_OK)
                        return rc;
                    *steps = a.to;
                    ended = 1;
                }
            }
            break;
        case AD_REVOLVE_TAKE:
            rc = ad__store_put(st, a.level, a.slot, R->buf[R->cur]);
            break;
        case AD_REVOLVE_RESTORE:
            rc = ad__store_get(st, a.level, a.slot, R->buf[R->cur]);
            break;
        case AD_REVOLVE_FIRST_ADJOINT:
            rc = record_and_sweep(R, R->obj != NULL ? REC_STEP_J : REC_STEP, 1);
            break;
        case AD_REVOLVE_ADJOINT:
            rc = record_and_sweep(R, REC_STEP, 0);
            break;
        case AD_REVOLVE_DONE:
            return AD_OK;
        }
        if (rc != AD_OK)
            return rc;
    }
}

int ad_checkpoint_adjoint(const ad_fn *step, size_t l, const double *x0,
                          const double *p, const double *xbar_l,
                          const ad_fn *objective,
                          const ad_checkpoint_opts *opts, double *xl,
                          double *xbar0, double *pbar,
                          ad_checkpoint_stats *stats)
{
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    int rc = check_args(step, l, x0, p, xbar_l, objective, opts, xbar0, pbar);
    if (rc != AD_OK)
        return rc;

    const ad_revolve_type *type =
        opts->type != NULL ? opts->type : ad_revolve_binomial;
    run R;
    ad_revolve *r = NULL;
    ad__store st;
    ad__store_open(&st, 0, 0, 0, NULL); /* empty: closing it is harmless */
    size_t steps = l;
    uint64_t reach = 0;

    rc = run_alloc(&R, step, objective);
    if (rc != AD_OK)
        goto out;
    /* Every input is copied now: the outputs may overlap them. */
    memcpy(R.buf[0], x0, R.nx * sizeof(double));
    if (R.np > 0) {
        memcpy(R.buf[0] + R.nx, p, R.np * sizeof(double));
        memcpy(R.buf[1] + R.nx, p, R.np * sizeof(double));
    }
    if (xbar_l != NULL)
        memcpy(R.xbar, xbar_l, R.nx * sizeof(double));
    /* Recording does not nest: find out now, not after the first run. */
    rc = ad_tape_begin(R.tape);
    if (rc != AD_OK)
        goto out;
    rc = ad_tape_end(R.tape);
    if (rc != AD_OK)
        goto out;

    if (type == ad_revolve_online && opts->stop != NULL && l > 0 &&
        opts->stop(0, R.buf[0], opts->stop_ctx))
        steps = 0;
    if (steps == 0) {
        /* No step: x_l = x_0, and the seed is the answer. */
        memcpy(R.xl, R.buf[0], R.nx * sizeof(double));
        if (objective != NULL)
            rc = record_and_sweep(&R, REC_J, 0);
        goto out;
    }

    ad_revolve_params rp;
    memset(&rp, 0, sizeof rp);
    rp.steps = l;
    rp.snapshots = opts->snapshots;
    rp.interval = opts->interval;
    rp.disk_snapshots = opts->disk_snapshots;
    rp.write_cost = opts->write_cost;
    rp.read_cost = opts->read_cost;
    rc = ad_revolve_new(type, &rp, &r);
    if (rc != AD_OK)
        goto out;
    rc = ad__store_open(&st, R.nx, ad_revolve_slots(r, AD_REVOLVE_MEMORY),
                        ad_revolve_slots(r, AD_REVOLVE_DISK), opts->dir);
    if (rc != AD_OK)
        goto out;
    rc = walk(&R, r, &st, l, opts, &steps, &reach);

out:
    if (stats != NULL && R.tape != NULL) {
        ad_revolve_info info;
        ad_revolve_stats(r, &info);
        ad_tape_info ti;
        ad_tape_stats(R.tape, &ti);
        stats->steps = steps;
        stats->forward_steps = info.forward;
        stats->recomputed_steps = info.forward - reach;
        stats->adjoint_steps = info.adjoints;
        stats->snapshots_written =
            info.writes[AD_REVOLVE_MEMORY] + info.writes[AD_REVOLVE_DISK];
        stats->snapshots_read =
            info.reads[AD_REVOLVE_MEMORY] + info.reads[AD_REVOLVE_DISK];
        stats->disk_writes = info.writes[AD_REVOLVE_DISK];
        stats->disk_reads = info.reads[AD_REVOLVE_DISK];
        stats->snapshots = info.used[AD_REVOLVE_MEMORY];
        stats->disk_snapshots = info.used[AD_REVOLVE_DISK];
        size_t bytes = mul_sat(R.nx, sizeof(double));
        stats->peak_snapshot_bytes = mul_sat(stats->snapshots, bytes);
        stats->disk_bytes = mul_sat(stats->disk_snapshots, bytes);
        size_t adj = mul_sat(R.max_vars, sizeof(double));
        stats->peak_tape_bytes =
            ti.peak_bytes > SIZE_MAX - adj ? SIZE_MAX : ti.peak_bytes + adj;
    }
    if (rc == AD_OK) {
        if (xl != NULL)
            memcpy(xl, R.xl, R.nx * sizeof(double));
        memcpy(xbar0, R.xbar, R.nx * sizeof(double));
        if (R.np > 0)
            memcpy(pbar, R.pbar, R.np * sizeof(double));
        if (has_nan(R.xl, R.nx) || has_nan(R.xbar, R.nx) ||
            has_nan(R.pbar, R.np))
            rc = AD_EDOM;
    }
    ad__store_close(&st);
    ad_revolve_free(r);
    run_free(&R);
    return rc;
}
