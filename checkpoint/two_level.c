/* two_level.c -- two-level checkpointing: a few slots in memory, more on
 * disk, where a write and a read cost something.
 *
 * The model is that of Aupy, Herrmann, Hovland & Robert ("Optimal
 * multistage algorithm for adjoint computation", SIAM J. Sci. Comput.
 * 38(3), 2016): memory holds a few snapshots at no cost, the disk holds as
 * many as wanted, a disk write costs w and a read r forward steps.  Their
 * optimal schedules store states to disk at regular intervals on the first
 * sweep, then reverse each interval with revolve in memory (Aupy & Herrmann
 * show that periodic disk snapshots are asymptotically optimal).  We do
 * that, simply: the l steps are cut into n segments of equal length (the
 * longer ones, by a step, last, since the first sweep need not cross the
 * last segment); the starts of all but the last go to disk on the first
 * sweep; then, last segment first, each start is read back (one disk read),
 * copied into memory slot 0 and the segment reversed by the engine of
 * revolve.c with the memory slots.  n (at most .disk_snapshots + 1) is the
 * one that minimises
 *
 *     forward steps + (n - 1) (w + r),
 *     forward steps = (l - len_last) + Sum over segments of t(len, s),
 *
 * found among O(sqrt l) candidates (see two_level_plan), once, in new().
 */
#include <math.h>

#include "revolve_impl.h"

enum { TWO_FORWARD, TWO_REVERSE };

/* The first step of segment j (the last nlong segments are one longer). */
static uint64_t seg_start(const ad_revolve *r, uint64_t j)
{
    uint64_t nshort = r->nseg - r->nlong;
    return j * r->len + (j > nshort ? j - nshort : 0);
}

/* Forward steps + (n - 1)(w + r) for n segments. */
static double model_cost(uint64_t l, uint64_t sm, uint64_t n, double io)
{
    uint64_t q = l / n, nl = l % n, last = nl > 0 ? q + 1 : q;
    double f = (double)(l - last) +
               (double)(n - nl) * (double)ad__revolve_cost(q, sm) +
               (double)nl * (double)ad__revolve_cost(q + 1, sm);
    return f + (double)(n - 1) * io;
}

static int two_level_plan(ad_revolve *r)
{
    uint64_t l = r->p.steps, sm = r->p.snapshots, sd = r->p.disk_snapshots;
    double w = r->p.write_cost, rd = r->p.read_cost;
    if (l == 0 || (l > 1 && sm == 0))
        return AD_EINVAL;
    if (!(w >= 0.0 && rd >= 0.0) || !isfinite(w) || !isfinite(rd))
        return AD_EINVAL;
    uint64_t nmax = sd >= l - 1 ? l : sd + 1;
    /* The n with the same q = l / n form a block [n, hi]; inside it
     * n - nl = n (q + 1) - l and nl = l - n q, so the cost is linear in n but
     * for one step less of first sweep where nl = 0 (at hi at most).  Its
     * least value is thus at n, hi - 1 or hi: O(sqrt l) candidates instead
     * of all n, which may be as many as the steps. */
    uint64_t best_n = 1;
    double best = INFINITY;
    for (uint64_t n = 1; n <= nmax;) {
        uint64_t hi = l / (l / n);
        if (hi > nmax)
            hi = nmax;
        uint64_t cand[3] = {n, hi > n ? hi - 1 : n, hi};
        for (int i = 0; i < 3; i++) {
            double c = model_cost(l, sm, cand[i], w + rd);
            if (c < best || (c == best && cand[i] < best_n)) {
                best = c;
                best_n = cand[i];
            }
        }
        n = hi + 1;
    }
    r->nseg = best_n;
    r->len = l / best_n;
    r->nlong = l % best_n;
    uint64_t longest = r->nlong > 0 ? r->len + 1 : r->len;
    uint64_t cap = longest >= 2 ? (sm < longest - 1 ? sm : longest - 1) : 0;
    /* The forward steps must fit the 64-bit counters. */
    uint64_t tq = ad__revolve_cost(r->len, cap), tl = tq;
    if (r->nlong > 0)
        tl = ad__revolve_cost(r->len + 1, cap);
    uint64_t nshort = best_n - r->nlong, total = l - longest;
    if (tq == UINT64_MAX || tl == UINT64_MAX ||
        (tq > 0 && nshort > (UINT64_MAX - total) / tq))
        return AD_ERANGE;
    total += nshort * tq;
    if (tl > 0 && r->nlong > (UINT64_MAX - total) / tl)
        return AD_ERANGE;
    r->slots[AD_REVOLVE_MEMORY] = (size_t)cap;
    r->slots[AD_REVOLVE_DISK] = (size_t)(best_n - 1);
    return ad__revolve_engine_alloc(&r->e, (size_t)cap);
}

static void two_level_start(ad_revolve *r)
{
    ad__revolve_engine_start(&r->e, r->p.steps, 0, 0, 0);
    r->phase = TWO_FORWARD;
    r->seg = 0;
    r->keep = 0;
}

static void two_level_next(ad_revolve *r, ad_revolve_action *a)
{
    uint64_t l = r->p.steps;
    if (r->phase == TWO_FORWARD) {
        uint64_t b = seg_start(r, r->seg);
        if (r->seg + 1 < r->nseg) {
            if (!r->keep) {
                a->kind = AD_REVOLVE_TAKE;
                a->step = (size_t)b;
                a->slot = (size_t)r->seg;
                a->level = AD_REVOLVE_DISK;
                r->keep = 1;
                return;
            }
            a->kind = AD_REVOLVE_ADVANCE;
            a->from = a->step = (size_t)b;
            a->to = (size_t)seg_start(r, r->seg + 1);
            r->seg++;
            r->keep = 0;
            return;
        }
        /* The last segment is reversed straight away, from memory. */
        ad__revolve_engine_start(&r->e, l, b, l, b);
        r->phase = TWO_REVERSE;
    }
    if (ad__revolve_engine_next(&r->e, a))
        return;
    if (r->seg == 0) {
        a->kind = AD_REVOLVE_DONE;
        return;
    }
    /* The segment before: its start from disk; the engine stores it in
     * memory before leaving it. */
    r->seg--;
    uint64_t b = seg_start(r, r->seg);
    a->kind = AD_REVOLVE_RESTORE;
    a->step = (size_t)b;
    a->slot = (size_t)r->seg;
    a->level = AD_REVOLVE_DISK;
    ad__revolve_engine_start(&r->e, l, b, seg_start(r, r->seg + 1), b);
}

static void two_level_release(ad_revolve *r)
{
    ad__revolve_engine_release(&r->e);
}

const ad_revolve_type ad__revolve_two_level_type = {
    "two-level",    two_level_plan, two_level_start,
    two_level_next, NULL,           two_level_release};
const ad_revolve_type *const ad_revolve_two_level = &ad__revolve_two_level_type;
