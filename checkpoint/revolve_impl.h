/* revolve_impl.h -- what the files of checkpoint/ share: the schedule
 * object, the reversal engine every type ends in, the type table entry and
 * the counting helpers.  Internal: not installed. */
#ifndef ADMIX_CHECKPOINT_REVOLVE_IMPL_H
#define ADMIX_CHECKPOINT_REVOLVE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "admix/checkpoint.h"

/* "No step": the state is spent (after an adjoint) or not yet known. */
#define AD__REVOLVE_NONE UINT64_MAX

/* The engine: reverses the steps [base, fine) given a stack of snapshots
 * (positions increasing, each in a slot) and the state's position.  Its
 * rule is revolve's: from the topmost snapshot c (or the current state if
 * it is not stored yet), with k slots left for the range [c, fine) counting
 * c's own, advance to c + m where m is the optimal split of
 * ad__revolve_split(fine - c, k) and store the state there, until the state
 * is at fine-1; sweep that step back, drop c if it was the step, restore
 * the topmost snapshot and go on.  The schedule types differ only in the
 * snapshots they lay down before handing over (uniform, online, two-level)
 * and in what follows a finished range (two-level). */
typedef struct ad__revolve_engine {
    uint64_t steps; /* l: the adjoint of step l-1 is the first one */
    uint64_t base;  /* the range's first step */
    uint64_t fine;  /* steps >= fine are swept back already */
    uint64_t cur;   /* the state's step, or AD__REVOLVE_NONE */
    size_t cap;    /* slots the engine may hold at once (k = cap - depth + 1) */
    size_t depth;  /* snapshots on the stack */
    uint64_t *pos; /* stack: positions, bottom first (cap entries) */
    size_t *slot;  /* stack: their slots */
    size_t *free;  /* free slots (a stack, cap entries) */
    size_t nfree;
    ad_revolve_level level; /* of the engine's slots */
} ad__revolve_engine;

/* Allocates the engine's arrays for cap slots; AD_ENOMEM. */
int ad__revolve_engine_alloc(ad__revolve_engine *e, size_t cap);
void ad__revolve_engine_release(ad__revolve_engine *e);
/* Empties the stack, frees every slot, and sets the range [base, fine) of
 * l steps with the state at cur. */
void ad__revolve_engine_start(ad__revolve_engine *e, uint64_t steps,
                              uint64_t base, uint64_t fine, uint64_t cur);
/* Takes a free slot and pushes a snapshot of position pos in it; fills *a
 * with the TAKE.  The caller guarantees a free slot and pos > top. */
void ad__revolve_engine_push(ad__revolve_engine *e, uint64_t pos,
                             ad_revolve_action *a);
/* Takes a free slot off the list (the caller guarantees one). */
size_t ad__revolve_engine_take_slot(ad__revolve_engine *e);
/* Puts a slot back on the free list (online forgets a snapshot). */
void ad__revolve_engine_release_slot(ad__revolve_engine *e, size_t slot);
/* The engine's next action in *a: 1, or 0 once [base, fine) is swept back
 * (the stack then holds nothing of the range). */
int ad__revolve_engine_next(ad__revolve_engine *e, ad_revolve_action *a);

/* The schedule.  One struct for every type: the fields a type does not use
 * stay zero. */
struct ad_revolve {
    const ad_revolve_type *type;
    ad_revolve_params p;
    ad_revolve_info info;
    ad__revolve_engine e;
    size_t slots[AD_REVOLVE_LEVELS];
    int phase;      /* the type's own state machine */
    int keep;       /* online: x_cur is stored; two-level: its start is */
    uint64_t cur;   /* forward phases: the state's step */
    uint64_t seg;   /* uniform, two-level: the segment in hand */
    uint64_t nseg;  /* uniform, two-level: segments */
    uint64_t len;   /* uniform: interval; two-level: short segment length */
    uint64_t nlong; /* two-level: segments one step longer (the last ones) */
    /* online: the checkpoints of Wang, Moin & Iaccarino, positions
     * increasing, the last one the current state (not stored) */
    uint64_t *opos;
    uint64_t *olevel;
    size_t *oslot;
    size_t on;
};

/* A schedule type: plan checks r->p, fills r->slots and allocates; start
 * (re)starts the schedule; next yields an action (the counters are kept by
 * ad_revolve_next); terminate is online's. */
struct ad_revolve_type {
    const char *name;
    int (*plan)(ad_revolve *r);
    void (*start)(ad_revolve *r);
    void (*next)(ad_revolve *r, ad_revolve_action *a);
    int (*terminate)(ad_revolve *r, uint64_t steps);
    void (*release)(ad_revolve *r);
};

extern const ad_revolve_type ad__revolve_binomial_type;
extern const ad_revolve_type ad__revolve_store_all_type;
extern const ad_revolve_type ad__revolve_uniform_type;
extern const ad_revolve_type ad__revolve_online_type;
extern const ad_revolve_type ad__revolve_two_level_type;

/* ---- counting (count.c) ------------------------------------------------- */

/* beta(s, t) = C(s+t, s) with beta(s, -1) = 0 (t passed as t+1 >= 0 is not
 * needed: callers pass t >= 0 and handle -1 themselves), saturating at
 * UINT64_MAX, which then means "more than any step count". */
uint64_t ad__revolve_beta(uint64_t s, uint64_t t);
/* The least r with beta(s, r) >= l, for l >= 1, s >= 1. */
uint64_t ad__revolve_rep(uint64_t l, uint64_t s);
/* t(l, s) for l >= 1, s >= 1 (s == 0 allowed for l == 1), saturating. */
uint64_t ad__revolve_cost(uint64_t l, uint64_t s);
/* The split of revolve: for a range of l >= 2 steps with k >= 1 slots (the
 * one at its start included), the m in [1, l-1] to advance before the next
 * snapshot, minimising forward steps and then snapshot writes. */
uint64_t ad__revolve_split(uint64_t l, uint64_t k);

#endif /* ADMIX_CHECKPOINT_REVOLVE_IMPL_H */
