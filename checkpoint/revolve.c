/* revolve.c -- the binomial schedule (revolve) and the reversal engine that
 * every schedule type ends in.
 *
 * Griewank & Walther, "Algorithm 799: revolve: an implementation of
 * checkpointing for the reverse or adjoint mode of computational
 * differentiation", ACM TOMS 26(1), 2000.  The schedule is their recursion
 * made iterative: the snapshots form a stack (a snapshot is dropped only
 * after every step after it is swept back, so the last one taken is the
 * first one dropped), and from the topmost snapshot c of the range [c, fine)
 * still to reverse, with k slots for it (c's own included), the state goes
 * m = ad__revolve_split(fine - c, k) steps forward and is stored there; the
 * range [c + m, fine) then has k - 1 slots.  When the state reaches fine-1
 * that step is swept back, and the topmost snapshot is restored for the
 * rest.  Each split being optimal for its subrange, the whole schedule
 * takes t(l, s) forward steps and the fewest writes (count.c).
 *
 * The engine writes no code for "the first sweep": it is the same rule
 * applied from x_0.  It also stores a state only when it is about to leave
 * it and will come back, so l = 1 needs no slot at all and the state at
 * fine-1 is never stored.
 */
#include <stdlib.h>

#include "revolve_impl.h"

int ad__revolve_engine_alloc(ad__revolve_engine *e, size_t cap)
{
    /* One element at least: malloc(0) may return NULL, which is no
     * failure. */
    size_t n = cap > 0 ? cap : 1;
    e->cap = cap;
    e->level = AD_REVOLVE_MEMORY;
    e->pos = NULL;
    e->slot = NULL;
    e->free = NULL;
    if (n > SIZE_MAX / sizeof(uint64_t))
        return AD_ENOMEM;
    e->pos = malloc(n * sizeof *e->pos);
    e->slot = malloc(n * sizeof *e->slot);
    e->free = malloc(n * sizeof *e->free);
    if (e->pos == NULL || e->slot == NULL || e->free == NULL) {
        ad__revolve_engine_release(e);
        return AD_ENOMEM;
    }
    return AD_OK;
}

void ad__revolve_engine_release(ad__revolve_engine *e)
{
    free(e->pos);
    free(e->slot);
    free(e->free);
    e->pos = NULL;
    e->slot = NULL;
    e->free = NULL;
}

void ad__revolve_engine_start(ad__revolve_engine *e, uint64_t steps,
                              uint64_t base, uint64_t fine, uint64_t cur)
{
    e->steps = steps;
    e->base = base;
    e->fine = fine;
    e->cur = cur;
    e->depth = 0;
    /* Slot 0 on top: slots are used from 0 up, so a schedule that needs
     * fewer than cap at once never names a high one. */
    for (size_t i = 0; i < e->cap; i++)
        e->free[i] = e->cap - 1 - i;
    e->nfree = e->cap;
}

size_t ad__revolve_engine_take_slot(ad__revolve_engine *e)
{
    return e->free[--e->nfree];
}

void ad__revolve_engine_release_slot(ad__revolve_engine *e, size_t slot)
{
    e->free[e->nfree++] = slot;
}

void ad__revolve_engine_push(ad__revolve_engine *e, uint64_t pos,
                             ad_revolve_action *a)
{
    size_t slot = ad__revolve_engine_take_slot(e);
    e->pos[e->depth] = pos;
    e->slot[e->depth] = slot;
    e->depth++;
    a->kind = AD_REVOLVE_TAKE;
    a->step = (size_t)pos;
    a->slot = slot;
    a->level = e->level;
}

int ad__revolve_engine_next(ad__revolve_engine *e, ad_revolve_action *a)
{
    if (e->fine <= e->base)
        return 0;
    if (e->cur != AD__REVOLVE_NONE && e->cur + 1 == e->fine) {
        /* The state is at the last step not yet swept back. */
        a->kind =
            e->fine == e->steps ? AD_REVOLVE_FIRST_ADJOINT : AD_REVOLVE_ADJOINT;
        a->step = (size_t)e->cur;
        e->fine--;
        e->cur = AD__REVOLVE_NONE;
        if (e->depth > 0 && e->pos[e->depth - 1] == e->fine) {
            /* Its snapshot has served its last purpose. */
            e->depth--;
            ad__revolve_engine_release_slot(e, e->slot[e->depth]);
        }
        return 1;
    }
    if (e->cur == AD__REVOLVE_NONE) {
        /* A range of two steps or more always has its start stored, so the
         * stack is not empty here. */
        size_t top = e->depth - 1;
        a->kind = AD_REVOLVE_RESTORE;
        a->step = (size_t)e->pos[top];
        a->slot = e->slot[top];
        a->level = e->level;
        e->cur = e->pos[top];
        return 1;
    }
    if (e->depth == 0 || e->pos[e->depth - 1] != e->cur) {
        /* About to leave a state that later adjoints need again. */
        ad__revolve_engine_push(e, e->cur, a);
        return 1;
    }
    /* k slots for [cur, fine), cur's included; k == 1 goes to fine-1, so a
     * state reached with k >= 2 always finds a free slot. */
    uint64_t k = (uint64_t)(e->cap - e->depth) + 1;
    uint64_t m = ad__revolve_split(e->fine - e->cur, k);
    a->kind = AD_REVOLVE_ADVANCE;
    a->from = a->step = (size_t)e->cur;
    a->to = (size_t)(e->cur + m);
    e->cur += m;
    return 1;
}

/* ---- the binomial type ------------------------------------------------- */

/* More slots than l-1 change nothing: with s >= l-1 the repetition number
 * is 1 and every split is 1, i.e. every state is stored once.  Capping
 * keeps the workspace at the size the schedule uses. */
static int binomial_plan(ad_revolve *r)
{
    uint64_t l = r->p.steps, s = r->p.snapshots;
    if (l == 0 || (l > 1 && s == 0))
        return AD_EINVAL;
    uint64_t cap = l > 1 ? (s < l - 1 ? s : l - 1) : 0;
    if (ad__revolve_cost(l, cap) == UINT64_MAX)
        return AD_ERANGE;
    r->slots[AD_REVOLVE_MEMORY] = (size_t)cap;
    return ad__revolve_engine_alloc(&r->e, (size_t)cap);
}

static void binomial_start(ad_revolve *r)
{
    ad__revolve_engine_start(&r->e, r->p.steps, 0, r->p.steps, 0);
}

static void binomial_next(ad_revolve *r, ad_revolve_action *a)
{
    if (!ad__revolve_engine_next(&r->e, a))
        a->kind = AD_REVOLVE_DONE;
}

static void engine_release(ad_revolve *r)
{
    ad__revolve_engine_release(&r->e);
}

const ad_revolve_type ad__revolve_binomial_type = {
    "binomial",    binomial_plan, binomial_start,
    binomial_next, NULL,          engine_release};
const ad_revolve_type *const ad_revolve_binomial = &ad__revolve_binomial_type;

/* ---- store-all: the engine with l-1 slots ------------------------------ */

/* With l-1 slots the engine stores x_0 .. x_{l-2} once each on its way to
 * x_{l-1} and restores each once: l-1 forward steps, l-1 writes. */
static int store_all_plan(ad_revolve *r)
{
    uint64_t l = r->p.steps;
    if (l == 0)
        return AD_EINVAL;
    r->slots[AD_REVOLVE_MEMORY] = (size_t)(l - 1);
    return ad__revolve_engine_alloc(&r->e, (size_t)(l - 1));
}

const ad_revolve_type ad__revolve_store_all_type = {
    "store-all",   store_all_plan, binomial_start,
    binomial_next, NULL,           engine_release};
const ad_revolve_type *const ad_revolve_store_all = &ad__revolve_store_all_type;
