/* record.c -- recording: the tape's storage, begin/end, inputs and outputs,
 * and the slow path of the inline recorders of var.h.
 *
 * The layout is described in tape_impl.h.  Everything here runs on the
 * recording thread only; the tape is private to it until ad_tape_end. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tape_impl.h"

_Thread_local ad__rec ad__rec_tls AD__TLS_IE;

/* Tags tell recordings apart (a variable of an earlier recording, or of
 * another tape, must not be used); 0 means "no tape". */
static atomic_uint next_tag = 1;
/* Generations name recordings for the caches of other threads (need.c):
 * 64 bits, so that they never come round again. */
static atomic_ullong next_gen = 1;

/* ---- memory ------------------------------------------------------------- */

/* 1 if the cap lets the tape hold `bytes` more. */
static int may_hold(const ad_tape *t, size_t bytes)
{
    return t->limit == 0 || (bytes <= t->limit && t->alloc <= t->limit - bytes);
}

/* Counts `bytes` more held. */
static void hold(ad_tape *t, size_t bytes)
{
    t->alloc += bytes;
    if (t->alloc > t->peak)
        t->peak = t->alloc;
}

void *ad__tape_alloc(ad_tape *t, size_t bytes)
{
    if (!may_hold(t, bytes))
        return NULL;
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL)
        return NULL;
    hold(t, bytes);
    return p;
}

void ad__tape_release(ad_tape *t, void *p, size_t bytes)
{
    if (p == NULL)
        return;
    free(p);
    t->alloc -= bytes;
}

/* Every block of a stream and every value run is allocated with PAD bytes
 * past its capacity: the stores of an inline recorder whose node records
 * nothing land at the cursor without moving it (var.h), and the cursor may
 * stand at the end of full blocks, where no new block need be taken (under
 * a memory cap, taking one could fail a recording that would succeed).
 * The stores are 1 op byte, 2 args, 1 constant and 1 value at most. */
#define PAD 16

static void pool_init(ad__pool *p, size_t elem, size_t min_cap, size_t max_cap)
{
    memset(p, 0, sizeof *p);
    p->elem = elem;
    p->min_cap = min_cap;
    p->max_cap = max_cap;
}

static void pool_free(ad_tape *t, ad__pool *p)
{
    for (size_t b = 0; b < p->nblk; b++)
        ad__tape_release(t, p->blk[b], p->cap[b] * p->elem + PAD);
    free(p->blk);
    free(p->cap);
    p->blk = NULL;
    p->cap = NULL;
    p->nblk = p->blk_cap = 0;
}

/* Block b of pool p with room for at least `need` elements, allocated or
 * enlarged if needed (its old contents are not kept); NULL on failure. */
static void *pool_block(ad_tape *t, ad__pool *p, size_t b, size_t need)
{
    if (b >= p->blk_cap) {
        size_t nc = p->blk_cap ? 2 * p->blk_cap : 16;
        void **nb = realloc(p->blk, nc * sizeof *nb);
        if (nb == NULL)
            return NULL;
        p->blk = nb;
        size_t *ncap = realloc(p->cap, nc * sizeof *ncap);
        if (ncap == NULL)
            return NULL;
        p->cap = ncap;
        for (size_t i = p->blk_cap; i < nc; i++) {
            p->blk[i] = NULL;
            p->cap[i] = 0;
        }
        p->blk_cap = nc;
    }
    if (p->blk[b] != NULL && p->cap[b] >= need)
        return p->blk[b];
    size_t cap = p->max_cap;
    if (b < 32 && (p->min_cap << b) < p->max_cap)
        cap = p->min_cap << b;
    if (cap < need)
        cap = need;
    ad__tape_release(t, p->blk[b], p->cap[b] * p->elem + PAD);
    p->blk[b] = NULL;
    p->cap[b] = 0;
    void *blk = ad__tape_alloc(t, cap * p->elem + PAD);
    if (blk == NULL)
        return NULL;
    p->blk[b] = blk;
    p->cap[b] = cap;
    if (b >= p->nblk)
        p->nblk = b + 1;
    return blk;
}

/* ---- value runs (tape_impl.h) ------------------------------------------- */

/* The run holding table entry e: its first entry and its length. */
static void run_of(size_t e, size_t *start, size_t *len)
{
    size_t big = ((size_t)2 << AD__VRMAX) - 1; /* first entry past run RMAX */
    if (e >= big) {
        size_t k = (e - big) >> AD__VRMAX;
        *start = big + (k << AD__VRMAX);
        *len = (size_t)1 << AD__VRMAX;
        return;
    }
    size_t r = 0;
    while (((size_t)2 << r) - 1 <= e)
        r++;
    *start = ((size_t)1 << r) - 1;
    *len = (size_t)1 << r;
}

/* The bytes a run of len entries counts, in the gathered array too. */
static size_t run_bytes(size_t len)
{
    return (len << AD__VK) * sizeof(double) + PAD;
}

/* 1 if the run starting at entry `start` lies in the gathered array. */
static int in_region(const ad_tape *t, size_t start)
{
    return t->vregion != NULL && start < (t->nflat >> AD__VK);
}

/* Makes sure the run holding entry e is allocated; 0 or AD_ENOMEM. */
static int run_alloc(ad_tape *t, size_t e)
{
    size_t start, len;
    run_of(e, &start, &len);
    if (start + len > t->vtab_cap) {
        size_t nc = t->vtab_cap ? t->vtab_cap : 64;
        while (nc < start + len)
            nc *= 2;
        double **nv = realloc(t->vtab, nc * sizeof *nv);
        if (nv == NULL)
            return AD_ENOMEM;
        for (size_t i = t->vtab_cap; i < nc; i++)
            nv[i] = NULL;
        t->vtab = nv;
        t->vtab_cap = nc;
    }
    if (t->vtab[start] != NULL)
        return AD_OK;
    double *run;
    if (in_region(t, start)) {
        /* A run that the recording before the gathering skipped: its
         * memory is in the gathered array, its bytes count from now on. */
        if (!may_hold(t, run_bytes(len)))
            return AD_ENOMEM;
        hold(t, run_bytes(len));
        run = t->vregion + (start << AD__VK);
    } else {
        run = ad__tape_alloc(t, run_bytes(len));
        if (run == NULL)
            return AD_ENOMEM;
        if (start == 0)
            t->nflat = len << AD__VK;
    }
    for (size_t i = 0; i < len; i++)
        t->vtab[start + i] = run + (i << AD__VK);
    if (start + len > t->nvtab)
        t->nvtab = start + len;
    return AD_OK;
}

/* Gives back every value run (the gathered array too); *used, if not NULL,
 * gets which runs were allocated (by first entry: used[start] = 1). */
static void free_runs(ad_tape *t, unsigned char *used)
{
    for (size_t e = 0; e < t->nvtab;) {
        size_t start, len;
        run_of(e, &start, &len);
        if (used != NULL)
            used[e] = t->vtab[e] != NULL;
        if (t->vtab[e] != NULL) {
            if (in_region(t, e))
                t->alloc -= run_bytes(len);
            else
                ad__tape_release(t, t->vtab[e], run_bytes(len));
        }
        for (size_t k = e; k < e + len; k++)
            t->vtab[k] = NULL;
        e += len;
    }
    free(t->vregion);
    t->vregion = NULL;
    t->nflat = 0;
    t->nvtab = 0;
}

/* Gathers the value runs of the last recording into one array when they
 * are more than one (before a new recording, which reuses them): the
 * sweeps at the recorded point then read the values of a recording no
 * longer than the last from one flat array (measured on the same memory,
 * the flat and the table sweep alternating: the gradient at the recorded
 * point 11% faster on the bench's Rosenbrock, n = 10^6, whose far reads
 * of the inputs cost the table's extra load; on its Lorenz, 10^5 steps,
 * within 3%).  The layout by index is unchanged (tape files depend on it),
 * so the array spans every run up to the last, those an array node skipped
 * (too short for its results) too; but only the runs in use count as held
 * (and the skipped ones, never written, take no memory of the machine), so
 * the tape's bytes stay the same.  The old runs are given back first; if
 * the new array cannot be had, the runs come back one by one as the
 * recording needs them. */
static void gather_runs(ad_tape *t)
{
    size_t ne = t->nvtab;
    if (ne <= (t->nflat >> AD__VK))
        return; /* one run, or all in the array already */
    unsigned char *used = calloc(ne, 1);
    if (used == NULL)
        return;
    free_runs(t, used);
    t->vregion = malloc((ne << AD__VK) * sizeof(double) + PAD);
    if (t->vregion != NULL) {
        t->nflat = ne << AD__VK;
        for (size_t e = 0; e < ne; e++)
            if (used[e])
                run_alloc(t, e); /* within the bytes just given back */
    }
    free(used);
}

int ad__tape_contiguous(const ad_tape *t, uint32_t i, size_t n)
{
    (void)t; /* the layout depends on the index alone */
    if (n == 0)
        return 1;
    size_t s0, l0, s1, l1;
    run_of(i >> AD__VK, &s0, &l0);
    run_of(((size_t)i + n - 1) >> AD__VK, &s1, &l1);
    return s0 == s1;
}

/* ---- the cursor --------------------------------------------------------- */

/* Where the current segment's streams and run end. */
typedef struct ends {
    uint8_t *op;
    uint32_t *arg;
    double *cst;
    double *val;
} ends;

/* The open segment and the ends of the current blocks: per thread, beside
 * the cursor (one recording per thread).  Initial-exec like the cursor: in
 * a shared library the default model would call __tls_get_addr on every
 * access (measured: 6% of recording the MLP with one ad_independent per
 * input). */
static _Thread_local ad__seg open_seg AD__TLS_IE;
static _Thread_local ends cur_end AD__TLS_IE;

/* Where the stores of the inline recorders go when there is no recording
 * to hold them (var.h: a node the cold path did not give back to them
 * still goes through their stores, which then do not move the cursor):
 * room for one node, with val == vlim so that every node comes to the
 * cold path. */
static _Thread_local struct {
    uint8_t op[1];
    uint32_t arg[3];
    double cst[2], val[1];
} sink_area AD__TLS_IE;

/* The nodes of <= 3 args and <= 2 constants that fit at R's cursor. */
static ptrdiff_t nodes_left(const ad__rec *R)
{
    ptrdiff_t l = cur_end.op - R->op;
    ptrdiff_t a = (cur_end.arg - R->arg) / 3;
    ptrdiff_t c = (cur_end.cst - R->cst) / 2;
    ptrdiff_t v = cur_end.val - R->val;
    if (a < l)
        l = a;
    if (c < l)
        l = c;
    if (v < l)
        l = v;
    return l;
}

void ad__rec_set_left(ad__rec *R)
{
    R->vlim = R->val + nodes_left(R);
}

/* The index of the next variable. */
static uint32_t rec_next(const ad__rec *R)
{
    return ad__rec_index(R, R->val);
}

void ad__rec_fail(ad__rec *R, int err)
{
    if (R->err == AD_OK)
        R->err = err;
    /* Stop the fast path: every later node comes to ad__rec_cold, which
     * returns constants. */
    R->vlim = R->val;
    R->tag = 0;
}

/* Appends segment s to the tape's list (a short array: one entry per
 * block of a stream). */
static int push_segment(ad_tape *t, const ad__seg *s)
{
    if (t->nseg == t->seg_cap) {
        size_t nc = t->seg_cap ? 2 * t->seg_cap : 16;
        ad__seg *ns = realloc(t->seg, nc * sizeof *ns);
        if (ns == NULL)
            return AD_ENOMEM;
        t->seg = ns;
        t->seg_cap = nc;
    }
    t->seg[t->nseg++] = *s;
    t->nop += s->nop;
    t->narg += s->narg;
    t->ncst += s->ncst;
    return AD_OK;
}

/* Appends the open segment (if it holds nodes) to the tape's list. */
static int close_segment(ad__rec *R)
{
    ad_tape *t = R->tape;
    ad__seg s = open_seg;
    s.nop = (size_t)(R->op - open_seg.op);
    s.narg = (size_t)(R->arg - open_seg.arg);
    s.ncst = (size_t)(R->cst - open_seg.cst);
    s.nvar = rec_next(R) - open_seg.var0;
    t->ops.fill += s.nop;
    t->args.fill += s.narg;
    t->csts.fill += s.ncst;
    return s.nop == 0 ? AD_OK : push_segment(t, &s);
}

static void open_segment(ad__rec *R)
{
    open_seg.op = R->op;
    open_seg.arg = R->arg;
    open_seg.cst = R->cst;
    open_seg.var0 = rec_next(R);
}

/* Points R's stream pointer at block `cur` of pool p (from its fill). */
#define AD__AT_BLOCK(p, type, ptr, end)                                        \
    do {                                                                       \
        R->ptr = (type *)(p)->blk[(p)->cur] + (p)->fill;                       \
        cur_end.end = (type *)(p)->blk[(p)->cur] + (p)->cap[(p)->cur];         \
    } while (0)

/* Moves pool p to a new block with room for need elements. */
static int next_block(ad_tape *t, ad__pool *p, size_t need)
{
    size_t b = p->fill == 0 ? p->cur : p->cur + 1;
    if (pool_block(t, p, b, need) == NULL)
        return AD_ENOMEM;
    p->cur = b;
    p->fill = 0;
    return AD_OK;
}

/* Points R->val at the slot of variable i (its run allocated). */
static int at_value(ad__rec *R, size_t i)
{
    ad_tape *t = R->tape;
    size_t e = i >> AD__VK, start, len;
    int rc = run_alloc(t, e);
    if (rc != AD_OK)
        return rc;
    run_of(e, &start, &len);
    R->val = t->vtab[e] + (i & AD__VM);
    R->vbias = (uintptr_t)t->vtab[e] - (e << AD__VK) * sizeof(double);
    cur_end.val = t->vtab[start] + (len << AD__VK);
    return AD_OK;
}

int ad__rec_reserve(ad__rec *R, size_t nop, size_t narg, size_t ncst,
                    size_t nres, int contiguous)
{
    ad_tape *t = R->tape;
    int rc = AD_OK;
    size_t next = rec_next(R), skip_to = next;
    if ((size_t)UINT32_MAX - 1 - next < nres + AD__VB) {
        rc = AD_ERANGE; /* the 32-bit index space is full */
        goto fail;
    }
    /* A node whose results must be contiguous but would cross the end of
     * the run moves to the first run that holds them all. */
    if (contiguous && nres > 1) {
        if (nres > ((size_t)1 << (AD__VK + AD__VRMAX))) {
            rc = AD_ERANGE;
            goto fail;
        }
        size_t start, len;
        run_of(next >> AD__VK, &start, &len);
        while (((start + len) << AD__VK) - skip_to < nres) {
            skip_to = (start + len) << AD__VK;
            run_of(start + len, &start, &len);
        }
    }
    int new_op = (size_t)(cur_end.op - R->op) < nop;
    int new_arg = (size_t)(cur_end.arg - R->arg) < narg;
    int new_cst = (size_t)(cur_end.cst - R->cst) < ncst;
    if (new_op || new_arg || new_cst || skip_to != next) {
        if ((rc = close_segment(R)) != AD_OK)
            goto fail;
        if (new_op && (rc = next_block(t, &t->ops, nop)) != AD_OK)
            goto fail;
        if (new_arg && (rc = next_block(t, &t->args, narg)) != AD_OK)
            goto fail;
        if (new_cst && (rc = next_block(t, &t->csts, ncst)) != AD_OK)
            goto fail;
        AD__AT_BLOCK(&t->ops, uint8_t, op, op);
        AD__AT_BLOCK(&t->args, uint32_t, arg, arg);
        AD__AT_BLOCK(&t->csts, double, cst, cst);
        if (skip_to != next && (rc = at_value(R, skip_to)) != AD_OK)
            goto fail;
        open_segment(R);
    }
    /* A variable at the end of its run moves to the next run; the index
     * space is continuous, so the segment goes on. */
    if (nres > 0 && R->val == cur_end.val && (rc = at_value(R, next)) != AD_OK)
        goto fail;
    ad__rec_set_left(R);
    return AD_OK;
fail:
    ad__rec_fail(R, rc);
    return rc;
}

ad__rec *ad__rec_active(void)
{
    ad__rec *R = &ad__rec_tls;
    return (R->tape != NULL && R->err == AD_OK) ? R : NULL;
}

/* 0 if x may be used on R's recording; else marks the error. */
static int check_var(ad__rec *R, ad_var x)
{
    if (x.t == 0 || x.t == R->tag)
        return 0;
    ad__rec_fail(R, AD_EINVAL);
    return -1;
}

/* Gives the stores of an inline recorder that records nothing somewhere
 * to go: the cursor of a recording (in free room or in the PAD past its
 * blocks' ends), or the sink. */
static void sink(ad__rec *R)
{
    if (R->tape != NULL && R->err == AD_OK)
        return;
    R->op = sink_area.op;
    R->arg = sink_area.arg;
    R->cst = sink_area.cst;
    R->val = R->vlim = sink_area.val;
    R->vbias = (uintptr_t)sink_area.val;
}

ad_var ad__rec_activate(ad__rec *R, ad_var x)
{
    if (R->err != AD_OK || x.t != 0)
        return x;
    if (ad__rec_reserve(R, 1, 0, 1, 1, 0) != AD_OK)
        return x;
    *R->op++ = AD__OP_CONST;
    *R->cst++ = x.v;
    ad_var r = ad__var_result(R, x.v);
    ad__rec_set_left(R);
    return r;
}

/* ---- the cold path of var.h --------------------------------------------- */

/* Checks the tags, makes room, records op (with its variant) on arguments
 * a, b and constant c, and returns the result with value y (a constant if
 * there is no recording, or it has failed, or an argument is foreign). */
static ad_var rec_slow(unsigned op, ad_var a, ad_var b, double c, double y)
{
    ad__rec *R = &ad__rec_tls;
    if (R->tape == NULL || R->err != AD_OK) {
        /* Not recording (a variable used after its recording), or the
         * recording failed: the value is right, the result a constant. */
        return ad__var_passive(y);
    }
    unsigned code = op & AD__CODE, variant = op & ~AD__CODE;
    const ad_op_info *d = ad_op_get((int)code);
    int two = d->arity == 2 && variant == 0;
    if (check_var(R, a) || (two && check_var(R, b)))
        return ad__var_passive(y);
    size_t narg = two ? 2 : 1, ncst = (variant || d->has_param) ? 1 : 0;
    if (ad__rec_reserve(R, 1, narg, ncst, 1, 0) != AD_OK)
        return ad__var_passive(y);
    *R->op++ = (uint8_t)op;
    *R->arg++ = a.i;
    if (two)
        *R->arg++ = b.i;
    if (ncst)
        *R->cst++ = c;
    ad_var r = ad__var_result(R, y);
    ad__rec_set_left(R);
    return r;
}

ad_var ad__rec_cold(unsigned op, ad_var a, ad_var b, double c, double y,
                    uint64_t *go)
{
    ad__rec *R = &ad__rec_tls;
    const ad_op_info *d = ad_op_get((int)(op & AD__CODE));
    int two = d->arity == 2 && (op & ~AD__CODE) == 0;
    ad_var r = ad__var_passive(y);
    *go = 0;
    if (two && (a.t == 0) != (b.t == 0)) {
        /* One constant argument: the node of that variant. */
        r = a.t == 0 ? rec_slow(op | AD__CX, b, b, a.v, y)
                     : rec_slow(op | AD__XC, a, a, b.v, y);
    } else if (a.t != 0) {
        /* Variables, and the blocks full, or a misuse (rec_slow
         * reports it and returns a constant). */
        if (R->tape != NULL && R->err == AD_OK && a.t == R->tag &&
            b.t == R->tag) {
            if (ad__rec_reserve(R, 1, 3, 2, 1, 0) == AD_OK) {
                *go = 1;
                return r;
            }
        } else
            r = rec_slow(op, a, b, c, y);
    }
    sink(R);
    return r;
}

int ad__rec_cmp(unsigned op, ad_var a, ad_var b, int outcome)
{
    ad__rec *R = ad__rec_active();
    if (R == NULL || check_var(R, a) || check_var(R, b))
        return outcome;
    unsigned variant = a.t == 0 ? AD__CX : b.t == 0 ? AD__XC : 0;
    if (ad__rec_reserve(R, 1, 2, 2, 0, 0) != AD_OK)
        return outcome;
    *R->op++ = (uint8_t)(op | variant);
    if (a.t != 0)
        *R->arg++ = a.i;
    else
        *R->cst++ = a.v;
    if (b.t != 0)
        *R->arg++ = b.i;
    else
        *R->cst++ = b.v;
    *R->cst++ = outcome ? 1.0 : 0.0;
    R->tape->ncmp++;
    ad__rec_set_left(R);
    return outcome;
}

ad_var ad__rec_select(ad_var c, ad_var a, ad_var b)
{
    double y = c.v > 0.0 ? a.v : b.v;
    ad__rec *R = ad__rec_active();
    if (R == NULL || check_var(R, c) || check_var(R, a) || check_var(R, b))
        return ad__var_passive(y);
    a = ad__rec_activate(R, a);
    b = ad__rec_activate(R, b);
    if (R->err != AD_OK || ad__rec_reserve(R, 1, 3, 0, 1, 0) != AD_OK)
        return ad__var_passive(y);
    *R->op++ = AD__OP_SELECT;
    R->arg[0] = c.i;
    R->arg[1] = a.i;
    R->arg[2] = b.i;
    R->arg += 3;
    ad_var r = ad__var_result(R, y);
    ad__rec_set_left(R);
    return r;
}

/* ---- the API ------------------------------------------------------------ */

ad_tape *ad_tape_new(void)
{
    ad_tape *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    pool_init(&t->ops, 1, (size_t)1 << 12, (size_t)1 << 20);
    pool_init(&t->args, sizeof(uint32_t), (size_t)1 << 11, (size_t)1 << 20);
    pool_init(&t->csts, sizeof(double), (size_t)1 << 9, (size_t)1 << 18);
    return t;
}

void ad_tape_free(ad_tape *t)
{
    if (t == NULL)
        return;
    pool_free(t, &t->ops);
    pool_free(t, &t->args);
    pool_free(t, &t->csts);
    free_runs(t, NULL);
    ad__slots_free(t);
    for (size_t k = 0; k < t->part_cap; k++)
        free(t->part[k]);
    free(t->part);
    free(t->part_len);
    free(t->custom);
    free(t->vtab);
    free(t->seg);
    free(t->dep);
    free(t->depc);
    free(t);
}

int ad_tape_set_limit(ad_tape *t, size_t bytes)
{
    if (t == NULL || t->recording)
        return AD_EINVAL;
    t->limit = bytes;
    return AD_OK;
}

int ad_tape_set_adjoint_window(ad_tape *t, int on)
{
    if (t == NULL)
        return AD_EINVAL;
    t->window = on != 0;
    return AD_OK;
}

int ad__tape_custom_id(ad_tape *t, const struct ad_custom *op, uint32_t *id)
{
    /* Few distinct ops per tape, and the same one called again and again:
     * look from the most recent. */
    for (size_t k = t->ncustom; k-- > 0;)
        if (t->custom[k] == op) {
            *id = (uint32_t)k;
            return AD_OK;
        }
    if (t->ncustom == t->custom_cap) {
        size_t nc = t->custom_cap ? 2 * t->custom_cap : 4;
        const struct ad_custom **p = realloc(t->custom, nc * sizeof *p);
        if (p == NULL)
            return AD_ENOMEM;
        t->custom = p;
        t->custom_cap = nc;
    }
    t->custom_no2 += op->hvp == NULL;
    *id = (uint32_t)t->ncustom;
    t->custom[t->ncustom++] = op;
    return AD_OK;
}

/* Empties the recording, keeping the storage. */
void ad__tape_reset(ad_tape *t)
{
    gather_runs(t);
    t->gen = atomic_fetch_add(&next_gen, 1u);
    t->nseg = 0;
    t->m = 0;
    t->n = 0;
    t->nvar = 0;
    t->nop = t->narg = t->ncst = t->ncmp = 0;
    t->tmp_need = 0;
    t->narray = 0;
    t->linear = 0;
    if (t->slots != NULL)
        t->slots->valid = 0;
    t->ncustom = t->custom_no2 = 0;
    t->status = AD_OK;
    t->done = 0;
    t->ops.cur = t->ops.fill = 0;
    t->args.cur = t->args.fill = 0;
    t->csts.cur = t->csts.fill = 0;
}

int ad_tape_begin(ad_tape *t)
{
    ad__rec *R = &ad__rec_tls;
    if (t == NULL || R->tape != NULL || t->recording)
        return AD_EINVAL;
    ad__tape_reset(t);
    t->recording = 1;
    unsigned tag = atomic_fetch_add(&next_tag, 1u);
    if (tag == 0) /* wrapped around */
        tag = atomic_fetch_add(&next_tag, 1u);
    t->tag = tag;
    memset(R, 0, sizeof *R);
    R->tape = t;
    R->tag = tag;
    int rc = AD_ENOMEM;
    if (pool_block(t, &t->ops, 0, 1) && pool_block(t, &t->args, 0, 1) &&
        pool_block(t, &t->csts, 0, 1))
        rc = at_value(R, 1); /* index 0 is never a variable */
    if (rc != AD_OK) {
        ad__rec_fail(R, rc);
        return AD_OK; /* ad_tape_end reports it */
    }
    AD__AT_BLOCK(&t->ops, uint8_t, op, op);
    AD__AT_BLOCK(&t->args, uint32_t, arg, arg);
    AD__AT_BLOCK(&t->csts, double, cst, cst);
    open_segment(R);
    ad__rec_set_left(R);
    return AD_OK;
}

int ad_tape_end(ad_tape *t)
{
    ad__rec *R = &ad__rec_tls;
    if (t == NULL || R->tape != t)
        return AD_EINVAL;
    int rc = R->err;
    if (rc == AD_OK)
        rc = close_segment(R);
    t->nvar = rc == AD_OK ? rec_next(R) : 0;
    t->status = rc;
    t->done = rc == AD_OK;
    t->recording = 0;
    memset(R, 0, sizeof *R);
    return rc;
}

ad_var ad_independent(double v)
{
    ad__rec *R = ad__rec_active();
    /* val < vlim: room for a node as the inline recorders have it (var.h),
     * which an input (one op byte, one value) is. */
    if (R == NULL ||
        (R->val >= R->vlim && ad__rec_reserve(R, 1, 0, 0, 1, 0) != AD_OK))
        return ad__var_passive(v);
    R->tape->n++;
    ad_var r = ad__var_result(R, v);
    *R->op++ = AD__OP_INDEP;
    return r;
}

int ad_independent_array(size_t n, const double *x, ad_var *out)
{
    ad__rec *R = &ad__rec_tls;
    if (R->tape == NULL || (n > 0 && (x == NULL || out == NULL)))
        return AD_EINVAL;
    if (R->err != AD_OK)
        return R->err;
    /* One INDEPS node per run-sized chunk: the sweeps copy its values,
     * seeds and adjoints as whole arrays. */
    size_t chunk = (size_t)1 << (AD__VK + AD__VRMAX);
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        size_t k = n - i0 < chunk ? n - i0 : chunk;
        if (ad__rec_reserve(R, 1, 2, 0, k, 1) != AD_OK)
            return R->err;
        uint32_t r = ad__rec_index(R, R->val);
        double *val = R->val;
        R->val += k;
        R->arg[0] = R->arg[1] = (uint32_t)k;
        R->arg += 2;
        *R->op++ = AD__OP_INDEPS;
        /* One pass over x for the tape's values and the variables, with
         * index and tag as one word per element (ad__var_key): the loop is
         * bound by memory traffic. */
        uint64_t key = ad__var_key(r, R->tag), step = ad__var_key(1, 0);
        ad_var *o = out + i0;
        const double *xs = x + i0;
        for (size_t i = 0; i < k; i++) {
            double v = xs[i];
            val[i] = v;
            o[i].v = v;
            ad__var_set_key(&o[i], key + i * step);
        }
        R->tape->n += k;
        ad__rec_set_left(R);
    }
    return AD_OK;
}

/* Room for one more output. */
static int dep_room(ad_tape *t)
{
    if (t->m < t->dep_cap)
        return AD_OK;
    size_t nc = t->dep_cap ? 2 * t->dep_cap : 16;
    uint32_t *nd = ad__tape_alloc(t, nc * sizeof *nd);
    double *nv = ad__tape_alloc(t, nc * sizeof *nv);
    if (nd == NULL || nv == NULL) {
        ad__tape_release(t, nd, nd ? nc * sizeof *nd : 0);
        ad__tape_release(t, nv, nv ? nc * sizeof *nv : 0);
        return AD_ENOMEM;
    }
    if (t->m > 0) {
        memcpy(nd, t->dep, t->m * sizeof *nd);
        memcpy(nv, t->depc, t->m * sizeof *nv);
    }
    ad__tape_release(t, t->dep, t->dep_cap * sizeof *nd);
    ad__tape_release(t, t->depc, t->dep_cap * sizeof *nv);
    t->dep = nd;
    t->depc = nv;
    t->dep_cap = nc;
    return AD_OK;
}

void ad_dependent(ad_var y)
{
    ad__rec *R = ad__rec_active();
    if (R == NULL || check_var(R, y))
        return;
    ad_tape *t = R->tape;
    int rc = dep_room(t);
    if (rc != AD_OK) {
        ad__rec_fail(R, rc);
        return;
    }
    t->dep[t->m] = y.t != 0 ? y.i : 0;
    t->depc[t->m] = y.v;
    t->m++;
}

int ad_dependent_array(size_t m, const ad_var *y)
{
    ad__rec *R = &ad__rec_tls;
    if (R->tape == NULL || (m > 0 && y == NULL))
        return AD_EINVAL;
    for (size_t j = 0; j < m && R->err == AD_OK; j++)
        ad_dependent(y[j]);
    return R->err;
}

void ad_tape_stats(const ad_tape *t, ad_tape_info *info)
{
    if (info == NULL)
        return;
    memset(info, 0, sizeof *info);
    if (t == NULL)
        return;
    info->ops = t->nop;
    info->args = t->narg;
    info->consts = t->ncst;
    for (size_t k = 0; k < t->nseg; k++)
        info->vars += t->seg[k].nvar;
    info->n = t->n;
    info->m = t->m;
    info->comparisons = t->ncmp;
    info->segments = t->nseg;
    info->bytes = t->nop + t->narg * sizeof(uint32_t) +
                  t->ncst * sizeof(double) + t->nvar * sizeof(double) +
                  t->m * (sizeof(uint32_t) + sizeof(double));
    info->alloc_bytes = t->alloc;
    info->peak_bytes = t->peak;
    info->limit = t->limit;
    info->status = t->status;
}

/* ---- loading (file.c) ----------------------------------------------------- */

int ad__tape_load_segment(ad_tape *t, uint32_t var0, uint32_t nvar,
                          size_t nop, size_t narg, size_t ncst, uint8_t **op,
                          uint32_t **arg, double **cst)
{
    ad__pool *p[3] = {&t->ops, &t->args, &t->csts};
    size_t need[3] = {nop, narg, ncst};
    void *at[3];
    if ((size_t)var0 + nvar > (size_t)UINT32_MAX - AD__VB ||
        (size_t)var0 < t->nvar)
        return AD_EFORMAT;
    for (int s = 0; s < 3; s++) {
        ad__pool *q = p[s];
        if (q->nblk == 0 || q->blk[q->cur] == NULL ||
            q->cap[q->cur] - q->fill < need[s]) {
            if (q->nblk == 0 || q->blk[q->cur] == NULL) {
                if (pool_block(t, q, q->cur, need[s]) == NULL)
                    return AD_ENOMEM;
            } else if (next_block(t, q, need[s]) != AD_OK)
                return AD_ENOMEM;
        }
        at[s] = (char *)q->blk[q->cur] + q->fill * q->elem;
        q->fill += need[s];
    }
    if (nvar > 0)
        for (size_t e = var0 >> AD__VK; e <= (var0 + nvar - 1) >> AD__VK;
             e++)
            if (run_alloc(t, e) != AD_OK)
                return AD_ENOMEM;
    ad__seg sg;
    sg.op = at[0];
    sg.arg = at[1];
    sg.cst = at[2];
    sg.nop = nop;
    sg.narg = narg;
    sg.ncst = ncst;
    sg.var0 = var0;
    sg.nvar = nvar;
    if (push_segment(t, &sg) != AD_OK)
        return AD_ENOMEM;
    t->nvar = (size_t)var0 + nvar;
    *op = at[0];
    *arg = at[1];
    *cst = at[2];
    return AD_OK;
}

int ad__tape_load_outputs(ad_tape *t, size_t m, const uint32_t *dep,
                          const double *depc)
{
    t->m = 0;
    for (size_t j = 0; j < m; j++) {
        if (dep_room(t) != AD_OK)
            return AD_ENOMEM;
        t->dep[j] = dep[j];
        t->depc[j] = depc[j];
        t->m++;
    }
    return AD_OK;
}
