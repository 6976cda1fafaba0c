/* test_checkpoint.c -- checkpointing schedules (admix/checkpoint.h).
 *
 * Every schedule is replayed by a checker that plays the adjoint driver's
 * part and holds it to the contract of checkpoint.h: the state is at the
 * right step for every action, a restore reads a slot that holds that very
 * step, no slot number reaches the declared count, the adjoints come
 * l-1 .. 0 once each, the first one is FIRST_ADJOINT, and the counters of
 * ad_revolve_stats are those of the actions.  The binomial schedule's
 * forward steps are held to the closed form t(l, s) (computed here on its
 * own) for every l <= 1000, s <= 25 and a few l = 10^6, and to an
 * independent dynamic program (fewest forward steps, then fewest writes)
 * for l <= 200, s <= 8.  The online schedule is held to the best any
 * schedule can do under its contract (the loop's end is seen at x_l): its
 * most advances of one step are exactly r(l+1, s) for every l <= 2000 with
 * s <= 12, every l <= 1000 with s = 16, 20, 25, around every beta(s, r) up
 * to 10^5 (2 10^4 for s < 4) and at a few l up to 10^6; its forward steps
 * are at least t(l+1, s), and exactly that while l+1 <= beta(s, 2) (see
 * online_case).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <admix.h>

/* ---- closed forms, written again here ---------------------------------- */

/* C(s+t, s) by the multiplicative formula; the arguments of this file keep
 * it far below 2^64 (C(s+t, i) * (s+t) < 2^64 at every step). */
static uint64_t beta(long s, long t)
{
    if (t < 0 || s < 0)
        return 0;
    uint64_t c = 1;
    for (long i = 1; i <= s; i++)
        c = c * (uint64_t)(t + i) / (uint64_t)i;
    return c;
}

/* The least r with beta(s, r) >= l, counting up. */
static long repnum(long l, long s)
{
    long r = 0;
    while ((long)beta(s, r) < l)
        r++;
    return r;
}

static uint64_t tcost(long l, long s)
{
    if (l <= 1)
        return 0;
    long r = repnum(l, s);
    return (uint64_t)r * (uint64_t)l - beta(s + 1, r - 1);
}

/* ---- the checker ------------------------------------------------------- */

#define EMPTY SIZE_MAX

typedef struct replay {
    int ok;
    char why[256];
    uint64_t forward, adjoints, writes[2], reads[2];
    size_t used[2]; /* 1 + highest slot named */
    long most;      /* the most advances of one step */
    long *count;    /* advances per step (l entries), or NULL */
    size_t actions;
    int skipped; /* take_last: the schedule did not store x_l */
} replay;

#define FAIL(...)                                                              \
    do {                                                                       \
        if (res->ok) {                                                         \
            res->ok = 0;                                                       \
            snprintf(res->why, sizeof res->why, __VA_ARGS__);                  \
        }                                                                      \
        goto out;                                                              \
    } while (0)

/* Replays r to the end.  Offline: l steps.  Online (l_online > 0): the loop
 * ends after l_online steps; if take_last, it is told so only after the
 * schedule has also stored x_l (if it does; else right after the step).
 * per_step: keep the advances of every step (for the bounds). */
static replay check(ad_revolve *r, size_t l, int online, int take_last,
                    int per_step)
{
    replay rr = {.ok = 1}, *res = &rr;
    size_t slots[2] = {ad_revolve_slots(r, AD_REVOLVE_MEMORY),
                       ad_revolve_slots(r, AD_REVOLVE_DISK)};
    size_t *content[2] = {NULL, NULL};
    for (int v = 0; v < 2; v++) {
        content[v] = malloc((slots[v] + 1) * sizeof(size_t));
        cr_assert(content[v] != NULL);
        for (size_t i = 0; i < slots[v]; i++)
            content[v][i] = EMPTY;
    }
    long *diff = calloc(l + 2, sizeof *diff);
    cr_assert(diff != NULL);
    size_t pos = 0; /* the state: x_0 */
    int spent = 0, first = 0, terminated = !online, pending = 0;
    size_t expect = l; /* the next adjoint is expect - 1 */
    /* Far more than any schedule here needs: a loop would stop. */
    size_t limit = 64 + 40 * (l + 1) * (size_t)(1 + log2((double)l + 1)) +
                   (size_t)tcost((long)l, 1) * 2;
    ad_revolve_action a;
    for (;;) {
        if (res->actions++ > limit)
            FAIL("more than %zu actions", limit);
        /* Plain tests in the loops: an assertion per action would cost
         * more than the schedule. */
        if (ad_revolve_next(r, &a) != AD_OK)
            FAIL("next failed");
        if (spent && a.kind != AD_REVOLVE_RESTORE && a.kind != AD_REVOLVE_DONE)
            FAIL("%s after an adjoint", ad_revolve_kind_name(a.kind));
        if (pending) {
            /* The loop ended at x_l; the schedule may store it first. */
            pending = 0;
            if (a.kind == AD_REVOLVE_TAKE && a.step == l) {
                if (a.slot >= slots[a.level])
                    FAIL("take: slot %zu of %zu", a.slot, slots[a.level]);
                res->writes[a.level]++;
                content[a.level][a.slot] = a.step;
                if (a.slot + 1 > res->used[a.level])
                    res->used[a.level] = a.slot + 1;
                if (ad_revolve_terminate(r, l) != AD_OK)
                    FAIL("terminate(%zu) after take refused", l);
                terminated = 1;
                pos = EMPTY; /* x_l is of no use to the reversal */
                continue;
            }
            /* It moved on without storing x_l: this l tests nothing. */
            res->skipped = 1;
            goto out;
        }
        switch (a.kind) {
        case AD_REVOLVE_ADVANCE:
            if (pos == EMPTY || a.from != pos || a.step != pos)
                FAIL("advance from %zu, state at %zu", a.from, pos);
            if (a.to <= a.from || a.to > (terminated ? l - 1 : l))
                FAIL("advance %zu -> %zu of %zu", a.from, a.to, l);
            diff[a.from]++;
            diff[a.to]--;
            res->forward += a.to - a.from;
            pos = a.to;
            if (!terminated && pos == l) {
                if (take_last) {
                    pending = 1;
                    break;
                }
                if (ad_revolve_terminate(r, l) != AD_OK)
                    FAIL("terminate(%zu) refused", l);
                terminated = 1;
                pos = EMPTY;
            }
            break;
        case AD_REVOLVE_TAKE:
            if (a.level != AD_REVOLVE_MEMORY && a.level != AD_REVOLVE_DISK)
                FAIL("take: level %d", (int)a.level);
            if (pos == EMPTY || a.step != pos)
                FAIL("take x_%zu, state at %zu", a.step, pos);
            if (a.slot >= slots[a.level])
                FAIL("take: slot %zu of %zu", a.slot, slots[a.level]);
            content[a.level][a.slot] = a.step;
            res->writes[a.level]++;
            if (a.slot + 1 > res->used[a.level])
                res->used[a.level] = a.slot + 1;
            break;
        case AD_REVOLVE_RESTORE:
            if (a.level != AD_REVOLVE_MEMORY && a.level != AD_REVOLVE_DISK)
                FAIL("restore: level %d", (int)a.level);
            if (a.slot >= slots[a.level])
                FAIL("restore: slot %zu of %zu", a.slot, slots[a.level]);
            if (content[a.level][a.slot] != a.step)
                FAIL("restore x_%zu from slot %zu holding %lld", a.step, a.slot,
                     content[a.level][a.slot] == EMPTY
                         ? -1LL
                         : (long long)content[a.level][a.slot]);
            res->reads[a.level]++;
            pos = a.step;
            spent = 0;
            break;
        case AD_REVOLVE_FIRST_ADJOINT:
        case AD_REVOLVE_ADJOINT:
            if (!terminated)
                FAIL("adjoint before the loop ended");
            if (expect == 0 || a.step != expect - 1)
                FAIL("adjoint of %zu, expected %zu", a.step, expect - 1);
            if ((a.kind == AD_REVOLVE_FIRST_ADJOINT) != (first == 0))
                FAIL("%s as adjoint number %zu", ad_revolve_kind_name(a.kind),
                     l - expect + 1);
            if (pos != a.step)
                FAIL("adjoint of %zu, state at %zu", a.step, pos);
            first = 1;
            expect--;
            res->adjoints++;
            pos = EMPTY;
            spent = 1;
            break;
        case AD_REVOLVE_DONE:
            if (expect != 0 || !terminated)
                FAIL("done with %zu steps left", expect);
            goto out;
        default:
            FAIL("unknown action %d", (int)a.kind);
        }
    }
out:
    if (res->ok && !res->skipped) {
        /* The counters agree with the actions, and DONE stays DONE. */
        ad_revolve_info in;
        ad_revolve_stats(r, &in);
        if (in.forward != res->forward || in.adjoints != res->adjoints ||
            in.writes[0] != res->writes[0] || in.writes[1] != res->writes[1] ||
            in.reads[0] != res->reads[0] || in.reads[1] != res->reads[1] ||
            in.used[0] != res->used[0] || in.used[1] != res->used[1] ||
            !in.done || in.steps != l || in.slots[0] != slots[0] ||
            in.slots[1] != slots[1])
            FAIL("ad_revolve_stats disagrees with the actions");
        cr_assert_eq(ad_revolve_next(r, &a), AD_OK);
        if (a.kind != AD_REVOLVE_DONE)
            FAIL("next after done: %s", ad_revolve_kind_name(a.kind));
        long c = 0;
        if (per_step) {
            res->count = malloc((l + 1) * sizeof(long));
            cr_assert(res->count != NULL);
        }
        for (size_t i = 0; i < l; i++) {
            c += diff[i];
            if (per_step)
                res->count[i] = c;
            if (c > res->most)
                res->most = c;
        }
    }
    free(diff);
    free(content[0]);
    free(content[1]);
    return rr;
}

static ad_revolve *make(const ad_revolve_type *type, size_t l, size_t s)
{
    ad_revolve_params p = {.steps = l, .snapshots = s};
    ad_revolve *r = NULL;
    int rc = ad_revolve_new(type, &p, &r);
    if (rc != AD_OK)
        cr_assert_fail("%s l=%zu s=%zu: %s", ad_revolve_type_name(type), l, s,
                       ad_strerror(rc));
    return r;
}

/* Forward steps and writes of a schedule, by running it (no checks). */
static void run_counts(ad_revolve *r, uint64_t *forward, uint64_t *writes)
{
    ad_revolve_action a;
    int rc;
    while ((rc = ad_revolve_next(r, &a)) == AD_OK && a.kind != AD_REVOLVE_DONE)
        ;
    cr_assert_eq(rc, AD_OK);
    ad_revolve_info in;
    ad_revolve_stats(r, &in);
    *forward = in.forward;
    if (writes)
        *writes = in.writes[0] + in.writes[1];
}

/* ---- closed forms -------------------------------------------------------- */

Test(checkpoint, closed_forms)
{
    uint64_t b, t;
    size_t r;
    cr_expect_eq(ad_revolve_beta(3, 2, &b), AD_OK);
    cr_expect_eq(b, 10);
    cr_expect_eq(ad_revolve_beta(30, 30, &b), AD_OK);
    cr_expect_eq(b, UINT64_C(118264581564861424)); /* C(60, 30) */
    cr_expect_eq(ad_revolve_beta(0, 7, &b), AD_OK);
    cr_expect_eq(b, 1);
    cr_expect_eq(ad_revolve_beta(40, 40, &b), AD_ERANGE); /* C(80,40)~1e23 */
    cr_expect_eq(ad_revolve_beta(3, 2, NULL), AD_EINVAL);

    static const struct {
        size_t l, s, r;
        uint64_t t;
    } known[] = {
        {1, 1, 0, 0},
        {1, 0, 0, 0},
        {2, 1, 1, 1},
        {10, 3, 2, 15},
        {56, 3, 5, 210},
        {1000, 10, 4, 3636},
        {100, 1, 99, 4950},
        {5, 4, 1, 4},
        {1000000, 10, 13, 11647922},
        {1000000, 50, 5, 4658945},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        cr_expect_eq(ad_revolve_repetitions(known[i].l, known[i].s, &r), AD_OK);
        cr_expect_eq(r, known[i].r, "r(%zu, %zu) = %zu", known[i].l, known[i].s,
                     r);
        cr_expect_eq(ad_revolve_forward_steps(known[i].l, known[i].s, &t),
                     AD_OK);
        cr_expect_eq(t, known[i].t, "t(%zu, %zu) = %llu", known[i].l,
                     known[i].s, (unsigned long long)t);
        cr_expect_eq(t, tcost((long)known[i].l, (long)known[i].s));
    }
    cr_expect_eq(ad_revolve_repetitions(0, 3, &r), AD_EINVAL);
    cr_expect_eq(ad_revolve_repetitions(2, 0, &r), AD_EINVAL);
    cr_expect_eq(ad_revolve_repetitions(2, 1, NULL), AD_EINVAL);
    cr_expect_eq(ad_revolve_forward_steps(0, 3, &t), AD_EINVAL);
    cr_expect_eq(ad_revolve_forward_steps(5, 0, &t), AD_EINVAL);
    cr_expect_eq(ad_revolve_forward_steps(5, 2, NULL), AD_EINVAL);
#if SIZE_MAX > UINT32_MAX
    /* l(l-1)/2 with l = 2^62 does not fit. */
    cr_expect_eq(ad_revolve_forward_steps((size_t)1 << 62, 1, &t), AD_ERANGE);
#endif
}

/* ---- binomial ------------------------------------------------------------ */

/* For every l <= 1000 and s <= 25, the schedule's forward steps are
 * t(l, s).  One schedule reset and rerun per (l, s) would not be cheaper
 * than new: each is run once, counters only. */
Test(checkpoint, binomial_counts_all, .timeout = 120)
{
    for (size_t s = 1; s <= 25; s++)
        for (size_t l = 1; l <= 1000; l++) {
            ad_revolve *r = make(ad_revolve_binomial, l, s);
            uint64_t f;
            run_counts(r, &f, NULL);
            if (f != tcost((long)l, (long)s))
                cr_assert_fail("l=%zu s=%zu: %llu forward steps, t = %llu", l,
                               s, (unsigned long long)f,
                               (unsigned long long)tcost((long)l, (long)s));
            ad_revolve_free(r);
        }
}

Test(checkpoint, binomial_counts_large, .timeout = 120)
{
    static const size_t ss[] = {10, 50};
    for (size_t i = 0; i < 2; i++) {
        ad_revolve *r = make(ad_revolve_binomial, 1000000, ss[i]);
        uint64_t f;
        run_counts(r, &f, NULL);
        cr_expect_eq(f, tcost(1000000, (long)ss[i]), "s=%zu: %llu", ss[i],
                     (unsigned long long)f);
        ad_revolve_free(r);
    }
    /* One large schedule replayed in full: valid, and no step advanced more
     * than r times. */
    ad_revolve *r = make(ad_revolve_binomial, 100000, 10);
    replay rr = check(r, 100000, 0, 0, 0);
    cr_assert(rr.ok, "%s", rr.why);
    cr_expect_eq(rr.forward, tcost(100000, 10));
    cr_expect_eq(rr.most, repnum(100000, 10));
    cr_expect_eq(rr.used[0], 10);
    ad_revolve_free(r);
}

/* The classic recursion, lexicographically: fewest forward steps T, then
 * fewest writes W (x_0's not counted) for l steps and s snapshots.  A split
 * at m advances m steps and stores the state, unless m = l-1 (that state is
 * swept back at once and needs no slot); then l-m steps are reversed with
 * s-1 snapshots and m with s. */
#define DPL 200
#define DPS 8
static long T[DPL + 1][DPS + 1], W[DPL + 1][DPS + 1];

static void dynamic_program(void)
{
    for (int s = 0; s <= DPS; s++) {
        T[1][s] = 0;
        W[1][s] = 0;
    }
    for (int l = 2; l <= DPL; l++) {
        T[l][0] = W[l][0] = LONG_MAX;
        for (int s = 1; s <= DPS; s++) {
            long bt = LONG_MAX, bw = LONG_MAX;
            for (int m = 1; m < l; m++) {
                long t, w;
                if (l - m == 1) {
                    t = m + T[m][s];
                    w = W[m][s];
                } else if (s >= 2) {
                    t = m + T[l - m][s - 1] + T[m][s];
                    w = 1 + W[l - m][s - 1] + W[m][s];
                } else {
                    continue;
                }
                if (t < bt || (t == bt && w < bw)) {
                    bt = t;
                    bw = w;
                }
            }
            T[l][s] = bt;
            W[l][s] = bw;
        }
    }
}

Test(checkpoint, binomial_dynamic_program)
{
    dynamic_program();
    for (int l = 1; l <= DPL; l++)
        for (int s = 1; s <= DPS; s++) {
            cr_assert_eq((uint64_t)T[l][s], tcost(l, s), "l=%d s=%d", l, s);
            ad_revolve *r = make(ad_revolve_binomial, (size_t)l, (size_t)s);
            replay rr = check(r, (size_t)l, 0, 0, 0);
            cr_assert(rr.ok, "binomial l=%d s=%d: %s", l, s, rr.why);
            cr_assert_eq(rr.forward, (uint64_t)T[l][s],
                         "l=%d s=%d: %llu forward, DP %ld", l, s,
                         (unsigned long long)rr.forward, T[l][s]);
            /* x_0 is stored when there is a second step to come back to. */
            long writes = W[l][s] + (l >= 2);
            cr_assert_eq(rr.writes[0], (uint64_t)writes,
                         "l=%d s=%d: %llu writes, fewest %ld", l, s,
                         (unsigned long long)rr.writes[0], writes);
            cr_assert(rr.most <= repnum(l, s), "l=%d s=%d: a step %ld times", l,
                      s, rr.most);
            cr_assert(rr.used[0] <= (size_t)s);
            ad_revolve_free(r);
        }
}

/* Wider than the DP, replayed: s up to 25 with l <= 120, and s > l. */
Test(checkpoint, binomial_replay)
{
    for (size_t s = 1; s <= 25; s++)
        for (size_t l = 1; l <= 120; l++) {
            ad_revolve *r = make(ad_revolve_binomial, l, s);
            replay rr = check(r, l, 0, 0, 0);
            cr_assert(rr.ok, "binomial l=%zu s=%zu: %s", l, s, rr.why);
            cr_assert_eq(rr.forward, tcost((long)l, (long)s));
            cr_assert(rr.most <= repnum((long)l, (long)s));
            ad_revolve_free(r);
        }
    /* More slots than steps: store-all's counts, l-1 slots at most. */
    ad_revolve *r = make(ad_revolve_binomial, 7, 1000);
    cr_expect_eq(ad_revolve_slots(r, AD_REVOLVE_MEMORY), 6);
    replay rr = check(r, 7, 0, 0, 0);
    cr_assert(rr.ok, "%s", rr.why);
    cr_expect_eq(rr.forward, 6);
    cr_expect_eq(rr.writes[0], 6);
    ad_revolve_free(r);
}

/* One step needs no snapshot; s = 0 is then accepted. */
Test(checkpoint, binomial_one_step)
{
    for (size_t s = 0; s <= 3; s++) {
        ad_revolve *r = make(ad_revolve_binomial, 1, s);
        ad_revolve_action a;
        cr_assert_eq(ad_revolve_next(r, &a), AD_OK);
        cr_expect_eq(a.kind, AD_REVOLVE_FIRST_ADJOINT);
        cr_expect_eq(a.step, 0);
        cr_assert_eq(ad_revolve_next(r, &a), AD_OK);
        cr_expect_eq(a.kind, AD_REVOLVE_DONE);
        cr_expect_eq(ad_revolve_slots(r, AD_REVOLVE_MEMORY), 0);
        ad_revolve_free(r);
    }
}

/* The schedule of l = 10, s = 3 in full: 15 forward steps, 6 writes. */
Test(checkpoint, binomial_small_schedule)
{
    static const char *const expect[] = {
        "take 0 0",        "advance 0 4", "take 4 1",
        "advance 4 7",     "take 7 2",    "advance 7 9",
        "first_adjoint 9", "restore 7 2", "advance 7 8",
        "adjoint 8",       "restore 7 2", "adjoint 7",
        "restore 4 1",     "advance 4 5", "take 5 2",
        "advance 5 6",     "adjoint 6",   "restore 5 2",
        "adjoint 5",       "restore 4 1", "adjoint 4",
        "restore 0 0",     "advance 0 1", "take 1 1",
        "advance 1 2",     "take 2 2",    "advance 2 3",
        "adjoint 3",       "restore 2 2", "adjoint 2",
        "restore 1 1",     "adjoint 1",   "restore 0 0",
        "adjoint 0",       "done"};
    ad_revolve *r = make(ad_revolve_binomial, 10, 3);
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        ad_revolve_action a;
        char got[64];
        cr_assert_eq(ad_revolve_next(r, &a), AD_OK);
        const char *k = ad_revolve_kind_name(a.kind);
        if (a.kind == AD_REVOLVE_ADVANCE)
            snprintf(got, sizeof got, "%s %zu %zu", k, a.from, a.to);
        else if (a.kind == AD_REVOLVE_TAKE || a.kind == AD_REVOLVE_RESTORE)
            snprintf(got, sizeof got, "%s %zu %zu", k, a.step, a.slot);
        else if (a.kind == AD_REVOLVE_DONE)
            snprintf(got, sizeof got, "%s", k);
        else
            snprintf(got, sizeof got, "%s %zu", k, a.step);
        cr_assert_str_eq(got, expect[i], "action %zu", i);
    }
    /* reset: the same schedule again. */
    cr_assert_eq(ad_revolve_reset(r), AD_OK);
    replay rr = check(r, 10, 0, 0, 0);
    cr_assert(rr.ok, "%s", rr.why);
    cr_expect_eq(rr.forward, 15);
    cr_expect_eq(rr.writes[0], 6);
    ad_revolve_free(r);
}

/* ---- store-all and uniform ---------------------------------------------- */

Test(checkpoint, store_all)
{
    for (size_t l = 1; l <= 300; l++) {
        ad_revolve *r = make(ad_revolve_store_all, l, 0);
        cr_assert_eq(ad_revolve_slots(r, AD_REVOLVE_MEMORY), l - 1);
        replay rr = check(r, l, 0, 0, 0);
        cr_assert(rr.ok, "store-all l=%zu: %s", l, rr.why);
        cr_assert_eq(rr.forward, l - 1);
        cr_assert_eq(rr.writes[0], l - 1);
        cr_assert_eq(rr.reads[0], l >= 2 ? l - 1 : 0);
        cr_assert(rr.most <= 1);
        ad_revolve_free(r);
    }
}

Test(checkpoint, uniform)
{
    for (size_t l = 1; l <= 90; l++)
        for (size_t k = 1; k <= l + 1; k++) {
            ad_revolve_params p = {.steps = l, .interval = k};
            ad_revolve *r;
            cr_assert_eq(ad_revolve_new(ad_revolve_uniform, &p, &r), AD_OK);
            replay rr = check(r, l, 0, 0, 0);
            cr_assert(rr.ok, "uniform l=%zu k=%zu: %s", l, k, rr.why);
            size_t kk = k > l ? l : k, n = (l + kk - 1) / kk;
            size_t last = l - (n - 1) * kk;
            cr_assert_eq(rr.forward, (l - last) + (l - n), "l=%zu k=%zu", l, k);
            /* Every state stored once at most: no step advanced twice
             * after its first sweep. */
            cr_assert(rr.most <= 2);
            /* The slots it names are the slots it declares. */
            cr_assert_eq(rr.used[0], ad_revolve_slots(r, AD_REVOLVE_MEMORY),
                         "l=%zu k=%zu", l, k);
            ad_revolve_free(r);
        }
    /* Given a cap on the slots: the fewest forward steps within it. */
    for (size_t cap = 1; cap <= 40; cap++) {
        ad_revolve_params p = {.steps = 200, .snapshots = cap};
        ad_revolve *r;
        int rc = ad_revolve_new(ad_revolve_uniform, &p, &r);
        if (rc != AD_OK) {
            cr_assert_eq(rc, AD_EINVAL);
            cr_assert(r == NULL);
            continue;
        }
        replay rr = check(r, 200, 0, 0, 0);
        cr_assert(rr.ok, "%s", rr.why);
        cr_assert(ad_revolve_slots(r, AD_REVOLVE_MEMORY) <= cap);
        ad_revolve_free(r);
    }
    /* 2 sqrt(200) ~ 28 slots are needed: 10 is refused, 30 is not. */
    ad_revolve_params p = {.steps = 200, .snapshots = 10};
    ad_revolve *r = NULL;
    cr_expect_eq(ad_revolve_new(ad_revolve_uniform, &p, &r), AD_EINVAL);
    p.snapshots = 30;
    cr_expect_eq(ad_revolve_new(ad_revolve_uniform, &p, &r), AD_OK);
    ad_revolve_free(r);
    /* An interval that needs more than the cap. */
    p.snapshots = 10;
    p.interval = 20;
    cr_expect_eq(ad_revolve_new(ad_revolve_uniform, &p, &r), AD_EINVAL);
    /* Neither: k = ceil(sqrt(l)). */
    p = (ad_revolve_params){.steps = 100};
    cr_assert_eq(ad_revolve_new(ad_revolve_uniform, &p, &r), AD_OK);
    replay rr = check(r, 100, 0, 0, 0);
    cr_assert(rr.ok, "%s", rr.why);
    cr_expect_eq(rr.forward, 90 + 90);
    cr_expect_eq(ad_revolve_slots(r, AD_REVOLVE_MEMORY), 18);
    ad_revolve_free(r);
}

/* ---- online -------------------------------------------------------------- */

/* The bound, and why it is r(l+1, s) rather than r(l, s).
 *
 * The loop ends when the caller sees x_l, so step l-1 has been ADVANCEd
 * (without a tape) before the schedule learns that it was the last.  Put a
 * FIRST_ADJOINT of a step l in at the terminate, and an online run of l
 * steps is an offline schedule of l+1 steps on the same s slots, with the
 * same advances.  Griewank's bounds for offline schedules (revolve, the
 * closed forms above) therefore hold for it with l+1: some step is
 * advanced at least r(l+1, s) times, and there are at least t(l+1, s)
 * forward steps.  No schedule can do better under this contract.
 *
 * The published online results are stated for a loop whose end is known
 * before its last step is taken, that step being recorded for its adjoint
 * from the current state (revolve's FIRST_ADJOINT): in Stumm's code for
 * Stumm & Walther, "New algorithms for optimal online checkpointing", SIAM
 * J. Sci. Comput. 32(2), 2010, the reversal starts with the state at
 * final-1.  Their L steps are our l+1, and their bound r(L, s) is ours,
 * r(l+1, s).  Wang, Moin & Iaccarino (SIAM J. Sci. Comput. 31(4), 2009)
 * state that their checkpoints have "the optimal repetition number" at
 * every time; online.c keeps their levels, and this test holds the
 * schedule to the lower bound above with no slack: the most advances of
 * one step must equal r(l+1, s).  Its forward steps must equal t(l+1, s)
 * while l+1 <= beta(s, 2), the range over which Stumm & Walther's first
 * algorithm is optimal (the comment of their Online_r2 says so); beyond it
 * the levels do not minimise the total, which is only measured
 * (online_total).
 *
 * Returns 0 if the case was skipped (take_last and x_l not stored). */
static int online_case(size_t l, size_t s, int take_last, double *ratio)
{
    ad_revolve *r = make(ad_revolve_online, 0, s);
    replay rr = check(r, l, 1, take_last, 0);
    if (!rr.ok)
        cr_assert_fail("online l=%zu s=%zu: %s", l, s, rr.why);
    if (rr.skipped) {
        ad_revolve_free(r);
        return 0;
    }
    long bound = repnum((long)l + 1, (long)s);
    uint64_t least = tcost((long)l + 1, (long)s);
    if (rr.most != bound || rr.used[0] > s)
        cr_assert_fail("online l=%zu s=%zu: most advances of a step %ld, "
                       "r(l+1, s) = %ld; %zu slots used",
                       l, s, rr.most, bound, rr.used[0]);
    /* A caller who takes one more action before it ends the loop (take_last)
     * lets the schedule drop a snapshot to make room for x_l, which it then
     * gives back: the bound holds, the least total need not. */
    if (rr.forward < least ||
        (!take_last && l + 1 <= beta((long)s, 2) && rr.forward != least))
        cr_assert_fail("online l=%zu s=%zu: %llu forward steps, "
                       "t(l+1, s) = %llu",
                       l, s, (unsigned long long)rr.forward,
                       (unsigned long long)least);
    if (ratio)
        *ratio = (double)rr.forward / (double)least;
    ad_revolve_free(r);
    return 1;
}

Test(checkpoint, online_bound, .timeout = 240)
{
    /* Every l of a range, for every s of a range: the bound steps up at
     * each beta(s, r) - 1, and none of them is skipped. */
    for (size_t s = 1; s <= 12; s++)
        for (size_t l = 1; l <= 2000; l++)
            online_case(l, s, 0, NULL);
    static const size_t ss[] = {16, 20, 25};
    for (size_t i = 0; i < 3; i++)
        for (size_t l = 1; l <= 1000; l++)
            online_case(l, ss[i], 0, NULL);
    /* Around every beta(s, r) further out, where the bound steps up (not
     * so far for s < 4, whose many repetitions make long runs). */
    for (long s = 2; s <= 25; s++)
        for (long r = 1; beta(s, r) <= (s < 4 ? 20000u : 100000u); r++)
            for (long d = -2; d <= 1; d++)
                online_case((size_t)((long)beta(s, r) + d), (size_t)s, 0, NULL);
    /* Long loops (the table of README.md). */
    static const struct {
        size_t l, s;
    } big[] = {{100000, 10}, {184756, 10}, {1000000, 10}, {1000000, 50}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        online_case(big[i].l, big[i].s, 0, NULL);
}

/* The loop may also end after the schedule stored x_l: its slot is given
 * back and the reversal is still right. */
Test(checkpoint, online_terminate_after_take)
{
    int tested = 0;
    for (size_t s = 1; s <= 6; s++)
        for (size_t l = 1; l <= 60; l++)
            tested += online_case(l, s, 1, NULL);
    cr_expect(tested > 100, "only %d cases stored x_l", tested);
}

/* Total forward steps against their least, t(l+1, s): measured, reported
 * in README.md, asserted only loosely (the bounds of online_case are the
 * contract).  Measured for every l <= 2000, s <= 12 past beta(s, 2): mean
 * 1.00 to 1.08, worst 1.32. */
Test(checkpoint, online_total)
{
    static const size_t ss[] = {3, 5, 10, 20};
    for (size_t i = 0; i < 4; i++) {
        double sum = 0.0, worst = 0.0;
        int n = 0;
        for (size_t l = 4 * ss[i]; l <= 2000; l += 13) {
            double q;
            online_case(l, ss[i], 0, &q);
            sum += q;
            worst = q > worst ? q : worst;
            n++;
        }
        cr_expect(sum / n < 1.12, "s=%zu: mean ratio %.3f", ss[i], sum / n);
        cr_expect(worst < 1.4, "s=%zu: worst ratio %.3f", ss[i], worst);
    }
}

Test(checkpoint, online_errors)
{
    ad_revolve *r = make(ad_revolve_online, 0, 3);
    /* Nothing run yet: no step to end at. */
    cr_expect_eq(ad_revolve_terminate(r, 0), AD_EINVAL);
    cr_expect_eq(ad_revolve_terminate(r, 1), AD_EINVAL);
    ad_revolve_action a;
    size_t at = 0;
    while (at < 5) {
        cr_assert_eq(ad_revolve_next(r, &a), AD_OK);
        cr_assert(a.kind == AD_REVOLVE_ADVANCE || a.kind == AD_REVOLVE_TAKE);
        if (a.kind == AD_REVOLVE_ADVANCE) {
            cr_assert_eq(a.to, a.from + 1, "one step at a time");
            at = a.to;
        }
    }
    cr_expect_eq(ad_revolve_terminate(r, 4), AD_EINVAL); /* not current */
    cr_expect_eq(ad_revolve_terminate(r, 6), AD_EINVAL);
    cr_expect_eq(ad_revolve_terminate(r, 5), AD_OK);
    cr_expect_eq(ad_revolve_terminate(r, 5), AD_EINVAL); /* twice */
    ad_revolve_info in;
    ad_revolve_stats(r, &in);
    cr_expect_eq(in.steps, 5);
    /* reset: a new loop, which may be longer. */
    cr_assert_eq(ad_revolve_reset(r), AD_OK);
    replay rr = check(r, 50, 1, 0, 0);
    cr_assert(rr.ok, "%s", rr.why);
    ad_revolve_free(r);
    /* terminate belongs to online. */
    r = make(ad_revolve_binomial, 10, 3);
    cr_expect_eq(ad_revolve_terminate(r, 10), AD_EINVAL);
    ad_revolve_free(r);
    cr_expect_eq(ad_revolve_terminate(NULL, 3), AD_EINVAL);
}

/* ---- two-level ----------------------------------------------------------- */

/* The cost model of two_level.c for n segments, recomputed here. */
static double two_level_cost(size_t l, size_t sm, size_t n, double w, double rd,
                             uint64_t *forward)
{
    size_t q = l / n, nl = l % n, last = nl ? q + 1 : q;
    uint64_t f = (l - last) + (n - nl) * tcost((long)q, (long)sm) +
                 nl * tcost((long)q + 1, (long)sm);
    if (forward)
        *forward = f;
    return (double)f + (double)(n - 1) * (w + rd);
}

Test(checkpoint, two_level)
{
    static const double costs[][2] = {{0, 0}, {2, 3}, {10, 10}, {1000, 1}};
    for (size_t c = 0; c < 4; c++)
        for (size_t sm = 1; sm <= 4; sm++)
            for (size_t sd = 0; sd <= 6; sd++)
                for (size_t l = 1; l <= 70; l++) {
                    ad_revolve_params p = {.steps = l,
                                           .snapshots = sm,
                                           .disk_snapshots = sd,
                                           .write_cost = costs[c][0],
                                           .read_cost = costs[c][1]};
                    ad_revolve *r;
                    cr_assert_eq(ad_revolve_new(ad_revolve_two_level, &p, &r),
                                 AD_OK);
                    size_t nd = ad_revolve_slots(r, AD_REVOLVE_DISK);
                    cr_assert(nd <= sd);
                    replay rr = check(r, l, 0, 0, 0);
                    cr_assert(rr.ok, "two-level l=%zu sm=%zu sd=%zu: %s", l, sm,
                              sd, rr.why);
                    /* One write and one read per disk slot. */
                    cr_assert_eq(rr.writes[1], nd);
                    cr_assert_eq(rr.reads[1], nd);
                    cr_assert(rr.used[0] <= sm);
                    /* Its forward steps are the model's, and no other
                     * segment count costs less. */
                    uint64_t f;
                    double best = two_level_cost(l, sm, nd + 1, costs[c][0],
                                                 costs[c][1], &f);
                    cr_assert_eq(rr.forward, f, "l=%zu sm=%zu sd=%zu", l, sm,
                                 sd);
                    for (size_t n = 1; n <= sd + 1 && n <= l; n++)
                        cr_assert(best <= two_level_cost(l, sm, n, costs[c][0],
                                                         costs[c][1], NULL),
                                  "l=%zu: n=%zu is cheaper", l, n);
                    ad_revolve_free(r);
                }
    /* Many disk slots: the segment count is found among a few candidates;
     * no n costs less. */
    static const size_t big[][2] = {{3000, 1}, {3000, 3}, {2999, 5}, {997, 2}};
    for (size_t i = 0; i < 4; i++)
        for (size_t c = 0; c < 4; c++) {
            size_t l = big[i][0], sm = big[i][1];
            ad_revolve_params p = {.steps = l,
                                   .snapshots = sm,
                                   .disk_snapshots = 5000,
                                   .write_cost = costs[c][0],
                                   .read_cost = costs[c][1]};
            ad_revolve *r;
            cr_assert_eq(ad_revolve_new(ad_revolve_two_level, &p, &r), AD_OK);
            size_t n0 = ad_revolve_slots(r, AD_REVOLVE_DISK) + 1;
            double best =
                two_level_cost(l, sm, n0, costs[c][0], costs[c][1], NULL);
            for (size_t n = 1; n <= l; n++)
                if (two_level_cost(l, sm, n, costs[c][0], costs[c][1], NULL) <
                    best)
                    cr_assert_fail("l=%zu sm=%zu cost %zu: n=%zu beats %zu", l,
                                   sm, c, n, n0);
            replay rr = check(r, l, 0, 0, 0);
            cr_assert(rr.ok, "%s", rr.why);
            ad_revolve_free(r);
        }
    /* Free disk, as many slots as steps: every state on disk. */
    ad_revolve_params p = {
        .steps = 500, .snapshots = 2, .disk_snapshots = 1000};
    ad_revolve *r;
    cr_assert_eq(ad_revolve_new(ad_revolve_two_level, &p, &r), AD_OK);
    replay rr = check(r, 500, 0, 0, 0);
    cr_assert(rr.ok, "%s", rr.why);
    cr_expect_eq(rr.forward, 499);
    /* 498 segments of one step and a last one of two, which costs no more
     * forward steps and one disk write less than 500 of one step. */
    cr_expect_eq(rr.writes[1], 498);
    cr_expect_eq(rr.writes[0], 1);
    ad_revolve_free(r);
    /* No disk: the binomial schedule in memory. */
    p = (ad_revolve_params){.steps = 1000, .snapshots = 10};
    cr_assert_eq(ad_revolve_new(ad_revolve_two_level, &p, &r), AD_OK);
    rr = check(r, 1000, 0, 0, 0);
    cr_assert(rr.ok, "%s", rr.why);
    cr_expect_eq(rr.forward, 3636);
    cr_expect_eq(rr.writes[1], 0);
    ad_revolve_free(r);
}

/* ---- errors, names ------------------------------------------------------- */

Test(checkpoint, errors)
{
    ad_revolve_params p = {.steps = 10, .snapshots = 3};
    ad_revolve *r = (ad_revolve *)&p; /* must come back NULL */
    cr_expect_eq(ad_revolve_new(NULL, &p, &r), AD_EINVAL);
    cr_expect(r == NULL);
    cr_expect_eq(ad_revolve_new(ad_revolve_binomial, NULL, &r), AD_EINVAL);
    cr_expect_eq(ad_revolve_new(ad_revolve_binomial, &p, NULL), AD_EINVAL);
    static const struct {
        const ad_revolve_type *const *type;
        ad_revolve_params p;
    } bad[] = {
        {&ad_revolve_binomial, {.steps = 0, .snapshots = 3}},
        {&ad_revolve_binomial, {.steps = 2, .snapshots = 0}},
        {&ad_revolve_store_all, {.steps = 0}},
        {&ad_revolve_uniform, {.steps = 0}},
        {&ad_revolve_online, {.snapshots = 0}},
        {&ad_revolve_two_level, {.steps = 0, .snapshots = 2}},
        {&ad_revolve_two_level, {.steps = 5, .snapshots = 0}},
        {&ad_revolve_two_level,
         {.steps = 5, .snapshots = 2, .write_cost = -1.0}},
        {&ad_revolve_two_level, {.steps = 5, .snapshots = 2, .read_cost = NAN}},
        {&ad_revolve_two_level,
         {.steps = 5, .snapshots = 2, .write_cost = INFINITY}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = (ad_revolve *)&p;
        cr_expect_eq(ad_revolve_new(*bad[i].type, &bad[i].p, &r), AD_EINVAL,
                     "case %zu", i);
        cr_expect(r == NULL, "case %zu", i);
    }
    /* Workspaces too large to allocate. */
    ad_revolve_params huge = {.steps = SIZE_MAX / 2, .snapshots = SIZE_MAX / 2};
    cr_expect_eq(ad_revolve_new(ad_revolve_store_all, &huge, &r), AD_ENOMEM);
    cr_expect(r == NULL);
    cr_expect_eq(ad_revolve_new(ad_revolve_online, &huge, &r), AD_ENOMEM);
    cr_expect(r == NULL);
#if SIZE_MAX > UINT32_MAX
    /* Counts that overflow 64 bits: one snapshot for 2^62 steps. */
    ad_revolve_params far = {.steps = (size_t)1 << 62, .snapshots = 1};
    cr_expect_eq(ad_revolve_new(ad_revolve_binomial, &far, &r), AD_ERANGE);
    cr_expect(r == NULL);
    far.disk_snapshots = 3;
    cr_expect_eq(ad_revolve_new(ad_revolve_two_level, &far, &r), AD_ERANGE);
    cr_expect(r == NULL);
#endif

    ad_revolve_action a;
    cr_expect_eq(ad_revolve_next(NULL, &a), AD_EINVAL);
    r = make(ad_revolve_binomial, 4, 2);
    cr_expect_eq(ad_revolve_next(r, NULL), AD_EINVAL);
    cr_expect_eq(ad_revolve_slots(r, (ad_revolve_level)7), 0);
    cr_expect(ad_revolve_get_type(r) == ad_revolve_binomial);
    ad_revolve_free(r);
    ad_revolve_free(NULL);
    cr_expect_eq(ad_revolve_reset(NULL), AD_EINVAL);
    cr_expect_eq(ad_revolve_slots(NULL, AD_REVOLVE_MEMORY), 0);
    cr_expect(ad_revolve_get_type(NULL) == NULL);
    ad_revolve_info in;
    memset(&in, 0xff, sizeof in);
    ad_revolve_stats(NULL, &in);
    cr_expect_eq(in.forward, 0);
    cr_expect_eq(in.done, 0);
    ad_revolve_stats(NULL, NULL);
}

Test(checkpoint, names)
{
    const ad_revolve_type *const types[] = {
        ad_revolve_binomial, ad_revolve_store_all, ad_revolve_uniform,
        ad_revolve_online, ad_revolve_two_level};
    static const char *const names[] = {"binomial", "store-all", "uniform",
                                        "online", "two-level"};
    for (size_t i = 0; i < 5; i++) {
        cr_expect_str_eq(ad_revolve_type_name(types[i]), names[i]);
        cr_expect(ad_revolve_type_find(names[i]) == types[i]);
    }
    cr_expect(ad_revolve_type_find("store_all") == ad_revolve_store_all);
    cr_expect(ad_revolve_type_find("two_level") == ad_revolve_two_level);
    cr_expect(ad_revolve_type_find("revolver") == NULL);
    cr_expect(ad_revolve_type_find(NULL) == NULL);
    cr_expect(ad_revolve_type_name(NULL) == NULL);
    cr_expect_str_eq(ad_revolve_kind_name(AD_REVOLVE_ADVANCE), "advance");
    cr_expect_str_eq(ad_revolve_kind_name(AD_REVOLVE_FIRST_ADJOINT),
                     "first_adjoint");
    cr_expect_str_eq(ad_revolve_kind_name((ad_revolve_kind)99), "?");
}
