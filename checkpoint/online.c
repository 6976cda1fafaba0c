/* online.c -- online checkpointing: the number of steps is known only when
 * the loop ends.
 *
 * The snapshots are those of the dynamic checkpointing of Wang, Moin &
 * Iaccarino ("Minimal repetition dynamic checkpointing algorithm for
 * unsteady adjoint calculation", SIAM J. Sci. Comput. 31(4), 2009).  Each
 * checkpoint has a level; x_0 has level infinity.  After each step the new
 * state becomes a checkpoint:
 *   - of level 0, if there is room, or if some checkpoint is dispensable
 *     (its level is below that of a later checkpoint): the latest
 *     dispensable one is dropped to make room;
 *   - otherwise it replaces the checkpoint of the step just before it,
 *     one level higher.
 * Their checkpoints include the current state.  Ours need not (the caller
 * holds x_l when its loop ends, and reversing step l-1 needs x_{l-1}, not
 * x_l), so we run their rule with s + 1 checkpoints of which the newest is
 * virtual, and store a state only once it is certain to stay: whether x_n
 * survives the arrival of x_{n+1} depends on the levels alone, so it is
 * decided at step n, before the state moves on.  The s real snapshots are
 * then exactly their s + 1 minus the current state.
 *
 * At ad_revolve_terminate(r, l) the snapshots c_0 = 0 < c_1 < ... are
 * handed to the engine of revolve.c with s slots: [c_last, l) is reversed
 * by revolve with the slots still free, then [c_{last-1}, c_last) with one
 * more, and so on.
 *
 * Bound.  The loop's end is seen at x_l, after step l-1 has been advanced
 * without a tape.  Putting a FIRST_ADJOINT of a step l in at the terminate
 * turns any schedule of this contract into an offline schedule of l+1
 * steps on the same s slots, with the same advances, so the offline bounds
 * (Griewank, Optim. Methods Softw. 1(1), 1992; Griewank & Walther, ACM
 * TOMS 26(1), 2000) apply with l+1: some step is advanced at least
 * r(l+1, s) times (r the repetition number of checkpoint.h), and there
 * are at least t(l+1, s) forward steps.  r(l+1, s) is r(l, s) except at
 * l = beta(s, r) exactly, where it is one more.  Published online results
 * count a loop whose end is known before its last step, which is then
 * recorded from the current state (in Stumm's code for Stumm & Walther,
 * "New algorithms for optimal online checkpointing", SIAM J. Sci. Comput.
 * 32(2), 2010, the reversal starts with the state at final-1): their L
 * steps are our l+1, and the same bound reads r(L, s) there.  Wang, Moin &
 * Iaccarino state (abstract) that their checkpoints have the optimal
 * repetition number at every time.  This schedule meets the lower bound
 * exactly: no step is advanced more than r(l+1, s) times, the first sweep
 * included (tested for every l <= 2000 with s <= 12, and further out),
 * and the forward steps are t(l+1, s) while l+1 <= beta(s, 2), the range
 * where Stumm & Walther's first algorithm is optimal; beyond it the levels
 * do not minimise the total (measured: up to 1.32 t(l+1, s), 1.00 to 1.08
 * on average; README.md).
 */
#include <stdlib.h>
#include <string.h>

#include "revolve_impl.h"

#define LEVEL_X0 UINT64_MAX /* x_0 is never dispensable */
#define NO_SLOT  SIZE_MAX   /* a checkpoint not stored (yet) */

enum { ONLINE_DECIDE, ONLINE_ADVANCE, ONLINE_REVERSE };

static int online_plan(ad_revolve *r)
{
    size_t s = r->p.snapshots;
    if (s == 0)
        return AD_EINVAL;
    if (s > SIZE_MAX / sizeof(uint64_t) - 1)
        return AD_ENOMEM;
    r->opos = malloc((s + 1) * sizeof *r->opos);
    r->olevel = malloc((s + 1) * sizeof *r->olevel);
    r->oslot = malloc((s + 1) * sizeof *r->oslot);
    if (r->opos == NULL || r->olevel == NULL || r->oslot == NULL)
        return AD_ENOMEM;
    r->slots[AD_REVOLVE_MEMORY] = s;
    return ad__revolve_engine_alloc(&r->e, s);
}

static void online_start(ad_revolve *r)
{
    /* Only the engine's free list is used until the loop ends. */
    ad__revolve_engine_start(&r->e, 0, 0, 0, 0);
    r->opos[0] = 0;
    r->olevel[0] = LEVEL_X0;
    r->oslot[0] = NO_SLOT;
    r->on = 1;
    r->cur = 0;
    r->keep = 0;
    r->phase = ONLINE_DECIDE;
}

/* The latest dispensable checkpoint, 0 if none: a level below the highest
 * level after it.  x_0 (index 0) and the current state (the last) never
 * are. */
static size_t latest_dispensable(const ad_revolve *r)
{
    uint64_t highest = r->olevel[r->on - 1];
    for (size_t d = r->on - 1; d-- > 1;) {
        if (r->olevel[d] < highest)
            return d;
        highest = r->olevel[d];
    }
    return 0;
}

static void online_next(ad_revolve *r, ad_revolve_action *a)
{
    if (r->phase == ONLINE_REVERSE) {
        if (!ad__revolve_engine_next(&r->e, a))
            a->kind = AD_REVOLVE_DONE;
        return;
    }
    if (r->phase == ONLINE_DECIDE) {
        /* Will x_cur still be a checkpoint after the next step? */
        r->keep = r->on < r->p.snapshots + 1;
        if (!r->keep) {
            size_t d = latest_dispensable(r);
            if (d > 0) {
                ad__revolve_engine_release_slot(&r->e, r->oslot[d]);
                size_t tail = r->on - d - 1;
                memmove(r->opos + d, r->opos + d + 1, tail * sizeof *r->opos);
                memmove(r->olevel + d, r->olevel + d + 1,
                        tail * sizeof *r->olevel);
                memmove(r->oslot + d, r->oslot + d + 1,
                        tail * sizeof *r->oslot);
                r->on--;
                r->keep = 1;
            }
        }
        r->phase = ONLINE_ADVANCE;
        if (r->keep) {
            size_t slot = ad__revolve_engine_take_slot(&r->e);
            r->oslot[r->on - 1] = slot;
            a->kind = AD_REVOLVE_TAKE;
            a->step = (size_t)r->cur;
            a->slot = slot;
            a->level = AD_REVOLVE_MEMORY;
            return;
        }
    }
    /* One step at a time: the caller may end its loop after any. */
    a->kind = AD_REVOLVE_ADVANCE;
    a->from = a->step = (size_t)r->cur;
    a->to = (size_t)(r->cur + 1);
    r->cur++;
    if (r->keep) {
        r->opos[r->on] = r->cur;
        r->olevel[r->on] = 0;
        r->oslot[r->on] = NO_SLOT;
        r->on++;
    } else {
        r->opos[r->on - 1] = r->cur;
        r->olevel[r->on - 1]++;
    }
    r->phase = ONLINE_DECIDE;
}

static int online_terminate(ad_revolve *r, uint64_t steps)
{
    if (r->phase == ONLINE_REVERSE || steps == 0 || steps != r->cur)
        return AD_EINVAL;
    /* The current state is no snapshot of the reversal; if it was just
     * stored, its slot goes back. */
    size_t last = r->on - 1;
    if (r->oslot[last] != NO_SLOT)
        ad__revolve_engine_release_slot(&r->e, r->oslot[last]);
    ad__revolve_engine *e = &r->e;
    for (size_t i = 0; i < last; i++) {
        e->pos[i] = r->opos[i];
        e->slot[i] = r->oslot[i];
    }
    e->depth = last;
    e->steps = steps;
    e->base = 0;
    e->fine = steps;
    e->cur = AD__REVOLVE_NONE;
    r->phase = ONLINE_REVERSE;
    return AD_OK;
}

static void online_release(ad_revolve *r)
{
    free(r->opos);
    free(r->olevel);
    free(r->oslot);
    r->opos = NULL;
    r->olevel = NULL;
    r->oslot = NULL;
    ad__revolve_engine_release(&r->e);
}

const ad_revolve_type ad__revolve_online_type = {
    "online",    online_plan,      online_start,
    online_next, online_terminate, online_release};
const ad_revolve_type *const ad_revolve_online = &ad__revolve_online_type;
