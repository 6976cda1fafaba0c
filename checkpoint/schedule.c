/* schedule.c -- the schedule object (new, next, terminate, free), the type
 * table, and the uniform schedule.
 *
 * Every type is a struct of functions (revolve_impl.h), as GSL's minimiser
 * types are; ad_revolve_next calls the type's next and keeps the counters,
 * so no type counts anything itself and the counts of every type mean the
 * same.
 */
#include <stdlib.h>
#include <string.h>

#include "revolve_impl.h"

/* ---- the object --------------------------------------------------------- */

static void zero_counters(ad_revolve *r)
{
    memset(&r->info, 0, sizeof r->info);
    for (int i = 0; i < AD_REVOLVE_LEVELS; i++)
        r->info.slots[i] = r->slots[i];
    r->info.steps = r->type->terminate != NULL ? 0 : r->p.steps;
}

int ad_revolve_new(const ad_revolve_type *type, const ad_revolve_params *p,
                   ad_revolve **out)
{
    if (out == NULL)
        return AD_EINVAL;
    *out = NULL;
    if (type == NULL || p == NULL)
        return AD_EINVAL;
    ad_revolve *r = calloc(1, sizeof *r);
    if (r == NULL)
        return AD_ENOMEM;
    r->type = type;
    r->p = *p;
    int rc = type->plan(r);
    if (rc != AD_OK) {
        type->release(r);
        free(r);
        return rc;
    }
    type->start(r);
    zero_counters(r);
    *out = r;
    return AD_OK;
}

void ad_revolve_free(ad_revolve *r)
{
    if (r == NULL)
        return;
    r->type->release(r);
    free(r);
}

int ad_revolve_reset(ad_revolve *r)
{
    if (r == NULL)
        return AD_EINVAL;
    r->type->start(r);
    zero_counters(r);
    return AD_OK;
}

int ad_revolve_next(ad_revolve *r, ad_revolve_action *a)
{
    if (r == NULL || a == NULL)
        return AD_EINVAL;
    memset(a, 0, sizeof *a);
    if (r->info.done) {
        a->kind = AD_REVOLVE_DONE;
        return AD_OK;
    }
    r->type->next(r, a);
    ad_revolve_info *in = &r->info;
    switch (a->kind) {
    case AD_REVOLVE_ADVANCE:
        in->forward += (uint64_t)(a->to - a->from);
        break;
    case AD_REVOLVE_TAKE:
        in->writes[a->level]++;
        if (a->slot + 1 > in->used[a->level])
            in->used[a->level] = a->slot + 1;
        break;
    case AD_REVOLVE_RESTORE:
        in->reads[a->level]++;
        break;
    case AD_REVOLVE_FIRST_ADJOINT:
    case AD_REVOLVE_ADJOINT:
        in->adjoints++;
        break;
    case AD_REVOLVE_DONE:
        in->done = 1;
        break;
    }
    return AD_OK;
}

int ad_revolve_terminate(ad_revolve *r, size_t steps)
{
    if (r == NULL || r->type->terminate == NULL)
        return AD_EINVAL;
    int rc = r->type->terminate(r, steps);
    if (rc == AD_OK)
        r->info.steps = steps;
    return rc;
}

size_t ad_revolve_slots(const ad_revolve *r, ad_revolve_level level)
{
    if (r == NULL || (level != AD_REVOLVE_MEMORY && level != AD_REVOLVE_DISK))
        return 0;
    return r->slots[level];
}

const ad_revolve_type *ad_revolve_get_type(const ad_revolve *r)
{
    return r == NULL ? NULL : r->type;
}

void ad_revolve_stats(const ad_revolve *r, ad_revolve_info *info)
{
    if (info == NULL)
        return;
    if (r == NULL)
        memset(info, 0, sizeof *info);
    else
        *info = r->info;
}

/* ---- names --------------------------------------------------------------- */

const char *ad_revolve_type_name(const ad_revolve_type *type)
{
    return type == NULL ? NULL : type->name;
}

const ad_revolve_type *ad_revolve_type_find(const char *name)
{
    static const struct {
        const char *name;
        const ad_revolve_type *type;
    } names[] = {
        {"binomial", &ad__revolve_binomial_type},
        {"store-all", &ad__revolve_store_all_type},
        {"store_all", &ad__revolve_store_all_type},
        {"uniform", &ad__revolve_uniform_type},
        {"online", &ad__revolve_online_type},
        {"two-level", &ad__revolve_two_level_type},
        {"two_level", &ad__revolve_two_level_type},
    };
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].type;
    return NULL;
}

const char *ad_revolve_kind_name(ad_revolve_kind kind)
{
    switch (kind) {
    case AD_REVOLVE_ADVANCE:
        return "advance";
    case AD_REVOLVE_TAKE:
        return "take";
    case AD_REVOLVE_RESTORE:
        return "restore";
    case AD_REVOLVE_FIRST_ADJOINT:
        return "first_adjoint";
    case AD_REVOLVE_ADJOINT:
        return "adjoint";
    case AD_REVOLVE_DONE:
        return "done";
    }
    return "?";
}

/* ---- uniform ------------------------------------------------------------- */

/* A snapshot at every k-th state x_0, x_k, ..., x_{(n-1)k}, n = ceil(l/k)
 * segments, the last one l - (n-1)k steps long.  Then, last segment first,
 * each is rerun from its snapshot storing every state on the way (the
 * engine with enough slots does exactly that: repetition number 1), and
 * swept back.  Forward steps: (n-1)k to lay the snapshots, len - 1 per
 * segment to rerun it, in all (l - len_last) + (l - n).  Slots held while
 * segment j is swept back: the starts of segments 0 .. j and its len_j - 2
 * inner states; the last segment's start is stored only if it has two
 * steps or more. */
static void uniform_layout(uint64_t l, uint64_t k, uint64_t *nseg,
                           uint64_t *slots, uint64_t *forward)
{
    uint64_t n = l / k + (l % k != 0);
    uint64_t last = l - (n - 1) * k;
    uint64_t s = (n - 1) + (last >= 2 ? last - 1 : 0);
    if (n >= 2) {
        uint64_t inner = (n - 1) + (k >= 2 ? k - 2 : 0);
        if (inner > s)
            s = inner;
    }
    *nseg = n;
    *slots = s;
    *forward = (l - last) + (l - n);
}

static int uniform_plan(ad_revolve *r)
{
    uint64_t l = r->p.steps, k = r->p.interval, cap = r->p.snapshots;
    uint64_t n, s, f;
    if (l == 0)
        return AD_EINVAL;
    if (k == 0 && cap == 0) {
        /* ceil(sqrt(l)): about 2 sqrt(l) slots, the fewest. */
        k = 1;
        while (k < UINT32_MAX && k * k < l)
            k++;
    } else if (k == 0) {
        /* The fewest forward steps within cap slots (then the fewest
         * slots); the scan is O(l), done once. */
        uint64_t best_f = UINT64_MAX, best_s = UINT64_MAX;
        for (uint64_t kk = 1; kk <= l; kk++) {
            uniform_layout(l, kk, &n, &s, &f);
            if (s <= cap && (f < best_f || (f == best_f && s < best_s))) {
                best_f = f;
                best_s = s;
                k = kk;
            }
        }
        if (k == 0)
            return AD_EINVAL;
    }
    if (k > l)
        k = l;
    uniform_layout(l, k, &n, &s, &f);
    if (cap != 0 && s > cap)
        return AD_EINVAL;
    r->len = k;
    r->nseg = n;
    r->slots[AD_REVOLVE_MEMORY] = (size_t)s;
    return ad__revolve_engine_alloc(&r->e, (size_t)s);
}

static void uniform_start(ad_revolve *r)
{
    ad__revolve_engine_start(&r->e, r->p.steps, 0, r->p.steps, 0);
    r->phase = 0;
}

static void uniform_next(ad_revolve *r, ad_revolve_action *a)
{
    ad__revolve_engine *e = &r->e;
    if (r->phase == 0) {
        if (e->cur + r->len < r->p.steps) {
            /* At a segment start with another segment after it. */
            if (e->depth == 0 || e->pos[e->depth - 1] != e->cur) {
                ad__revolve_engine_push(e, e->cur, a);
                return;
            }
            a->kind = AD_REVOLVE_ADVANCE;
            a->from = a->step = (size_t)e->cur;
            a->to = (size_t)(e->cur + r->len);
            e->cur += r->len;
            return;
        }
        r->phase = 1; /* the last segment: the engine takes over */
    }
    if (!ad__revolve_engine_next(e, a))
        a->kind = AD_REVOLVE_DONE;
}

static void uniform_release(ad_revolve *r)
{
    ad__revolve_engine_release(&r->e);
}

const ad_revolve_type ad__revolve_uniform_type = {
    "uniform",    uniform_plan, uniform_start,
    uniform_next, NULL,         uniform_release};
const ad_revolve_type *const ad_revolve_uniform = &ad__revolve_uniform_type;
