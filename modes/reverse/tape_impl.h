/* tape_impl.h -- the tape's storage (internal to modes/reverse/).
 *
 * A recording is three streams and the values:
 *   op    one byte per node (var.h: the ad_op code and its variant);
 *   arg   the nodes' argument indices, uint32_t;
 *   cst   the nodes' constants, double;
 *   value one double per variable, addressed by the variable's index.
 * Each stream lives in a chain of blocks of growing size, allocated when
 * first needed and kept for the next recording (block b of a stream always
 * has the same capacity, unless one node needed more); nothing is ever
 * reallocated and copied.
 *
 * A segment is a stretch of nodes whose op, arg and cst data each lie in one
 * block and whose results are consecutive variables var0, var0 + 1, ...: a
 * sweep walks the segments and, inside one, runs a tight loop over plain
 * arrays.  A segment ends when a stream moves to a new block, or when an
 * array node needs its results in one run of memory and the index skips to
 * the next run (the skipped indices are never used).
 *
 * Values.  Variable i lives at vtab[i >> AD__VK][i & AD__VM]: the index space
 * is cut into entries of 2^AD__VK values, and runs of entries are allocated
 * together, run r holding 2^r entries (up to 2^AD__VRMAX), so that a run is
 * one contiguous array.  The layout depends only on the index, so a new
 * recording reuses the runs of the last one, which it first gathers into
 * one allocation (so a tape used again holds its values in one flat array,
 * which the sweeps at the recorded point read directly).  A sweep at a new
 * point replays the values into one flat array of its own (the thread's
 * buffers), with the same kind of table over it for the code that reads through
 * a table (array nodes, outputs); the sweeps themselves read it directly.
 */
#ifndef ADMIX_TAPE_IMPL_H
#define ADMIX_TAPE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "admix/errors.h"
#include "admix/custom.h"
#include "admix/tape.h"
#include "var.h"

#define AD__VK    12 /* 4096 values per table entry */
#define AD__VB    ((size_t)1 << AD__VK)
#define AD__VM    (AD__VB - 1)
#define AD__VRMAX 9 /* the largest run: 512 entries, 2 Mi values (16 MiB) */

/* Value of variable i through table vt. */
#define AD__V(vt, i) ((vt)[(i) >> AD__VK][(i)&AD__VM])

/* One stream's blocks. */
typedef struct ad__pool {
    void **blk;      /* blk[b], NULL until first needed */
    size_t *cap;     /* its capacity in elements */
    size_t nblk;     /* entries of blk/cap in use or kept */
    size_t blk_cap;  /* allocated length of blk/cap */
    size_t cur;      /* index of the block being filled */
    size_t fill;     /* elements used in block cur */
    size_t elem;     /* element size in bytes */
    size_t min_cap;  /* capacity of block 0 */
    size_t max_cap;  /* capacity of the largest standard block */
} ad__pool;

typedef struct ad__seg {
    const uint8_t *op;
    const uint32_t *arg;
    const double *cst;
    size_t nop, narg, ncst;
    uint32_t var0; /* first result */
    uint32_t nvar; /* results created: var0 .. var0 + nvar - 1 */
} ad__seg;

/* The compiled form of a recording (slots.c, ad_tape_compile). */
typedef struct ad__slots {
    int valid;      /* it is the form of the tape's current recording */
    uint32_t *word; /* a dummy 0, then the nodes' slot words in order */
    size_t nword, word_cap;
    uint32_t *dep; /* the outputs' slots (AD__SLOT_NONE: a constant) */
    size_t dep_cap;
    uint32_t *free; /* compiling: the free slots */
    size_t free_cap;
    size_t nslot; /* slots */
    size_t nsave; /* values a forward sweep saves for a reverse one */
} ad__slots;
#define AD__SLOT_NONE UINT32_MAX
/* A result's slot word: the slot, and AD__SLOT_SAVE if the value it
 * overwrites must be saved (a reverse rule will read it). */
#define AD__SLOT_MASK 0x7fffffffu
#define AD__SLOT_SAVE 0x80000000u

struct ad_tape {
    ad__pool ops, args, csts;
    double **vtab;     /* value table: one pointer per entry */
    size_t nvtab;      /* entries allocated (whole runs) */
    double *vregion;   /* the runs of an earlier recording gathered into
                          one array (record.c), or NULL */
    size_t nflat;      /* values that lie flat from vtab[0] on (run 0's,
                          or those of vregion) */
    size_t vtab_cap;   /* allocated length of vtab */
    ad__seg *seg;      /* the segments, in recording order */
    size_t nseg, seg_cap;
    uint32_t *dep;     /* the outputs' indices (0: a constant output) */
    double *depc;      /* the constant outputs' values */
    size_t m, dep_cap;
    size_t n;          /* inputs */
    size_t nvar;       /* one past the largest variable index */
    size_t nop, narg, ncst, ncmp;
    size_t tmp_need;   /* scratch doubles the array nodes need in a sweep */
    size_t narray;     /* array and custom nodes (no adjoint window) */
    size_t alloc;      /* bytes held */
    size_t peak;       /* most bytes held */
    size_t limit;      /* cap on alloc, 0 for none */
    int window;        /* one-lane reverse sweeps in an adjoint window */
    uint32_t tag;      /* tag of the recording */
    int status;        /* AD_OK, or the error that ended the recording */
    int recording;     /* a thread is recording into the tape */
    int done;          /* a recording ended successfully: sweeps allowed */
    int linear;        /* the partials below are those of this recording */
    double **part;     /* linear.c: per segment, a partial per arg word */
    size_t *part_len;  /* their lengths */
    size_t part_cap;   /* allocated length of part and part_len */
    ad__slots *slots;  /* slots.c: the compiled form, or NULL */
    const struct ad_custom **custom; /* the custom ops the nodes name */
    size_t ncustom, custom_cap;
    size_t custom_no2; /* how many of them lack second order (hvp) */
    uint64_t gen;      /* names the recording: new at every reset, never
                          reused by any tape of the process (need.c) */
};

/* The index and tag of an ad_var as one 64-bit word, as the two fields lie
 * in memory (on either byte order, AD__KEY(i + k, t) = AD__KEY(i, t) +
 * k * AD__KEY(1, 0) while i + k does not wrap): the array code writes and
 * checks runs of variables a word per element instead of two fields. */
_Static_assert(offsetof(ad_var, t) == offsetof(ad_var, i) + 4,
               "ad_var: i and t must be adjacent");
static inline uint64_t ad__var_key(uint32_t i, uint32_t t)
{
    ad_var x;
    uint64_t k;
    x.i = i;
    x.t = t;
    memcpy(&k, (const unsigned char *)&x + offsetof(ad_var, i), sizeof k);
    return k;
}
static inline uint64_t ad__var_key_at(const ad_var *x)
{
    uint64_t k;
    memcpy(&k, (const unsigned char *)x + offsetof(ad_var, i), sizeof k);
    return k;
}
static inline void ad__var_set_key(ad_var *x, uint64_t k)
{
    memcpy((unsigned char *)x + offsetof(ad_var, i), &k, sizeof k);
}

/* The tape's values as one flat array if they lie in one (tape_impl.h,
 * values), else NULL. */
static inline double *ad__tape_flat(const ad_tape *t)
{
    return t->nvar > t->nflat   ? NULL
           : t->vregion != NULL ? t->vregion
                                : t->vtab[0];
}

/* The node codes laid out as array nodes (array.c). */
#define AD__IS_ARRAY(code)                                                     \
    (((code) >= AD__OP_DOT && (code) <= AD__OP_MAP) || (code) == AD__OP_CUSTOM)

/* ---- record.c ----------------------------------------------------------- */

/* Allocates bytes against the tape's cap; NULL when over it or out of
 * memory.  ad__tape_release returns them. */
void *ad__tape_alloc(ad_tape *t, size_t bytes);
void ad__tape_release(ad_tape *t, void *p, size_t bytes);

/* The recording cursor of this thread if it records into a tape, else NULL
 * (and, if the thread records but err is set, NULL too). */
ad__rec *ad__rec_active(void);
/* Makes room for nop op bytes, narg args, ncst constants and nres results,
 * the results in one run of memory when contiguous is set.  Sets R->err and
 * returns it on failure. */
int ad__rec_reserve(ad__rec *R, size_t nop, size_t narg, size_t ncst,
                    size_t nres, int contiguous);
/* Recomputes R->left after a node was written by hand. */
void ad__rec_set_left(ad__rec *R);
/* Empties the recording of t, keeping its storage. */
void ad__tape_reset(ad_tape *t);
/* A variable for x: x itself if it is active, else a CONST node holding its
 * value.  With R->err set, returns x unchanged. */
ad_var ad__rec_activate(ad__rec *R, ad_var x);
/* 1 if variables [i, i + n) lie in one run of memory on the tape. */
int ad__tape_contiguous(const ad_tape *t, uint32_t i, size_t n);
/* Sets the tape's status to err if it has none yet. */
void ad__rec_fail(ad__rec *R, int err);
/* The number by which the recording's nodes name custom op `op` (added to
 * the tape's list if new).  AD_OK or AD_ENOMEM. */
int ad__tape_custom_id(ad_tape *t, const struct ad_custom *op, uint32_t *id);

/* ---- modes/mixed/custom.c ------------------------------------------------ */

/* A callback's return value as an admix status (custom.h). */
int ad__custom_status(int rc);
/* AD_OK if op and the arrays make a valid call, else AD_EINVAL. */
int ad__custom_check(const struct ad_custom *op, size_t n, const void *x,
                     size_t m, const void *y);
/* k NaN doubles at p (an array of doubles or of a forward type). */
void ad__nan_fill(void *p, size_t k);

/* Loading a tape (file.c), after ad__tape_reset: appends a segment whose
 * results are var0 .. var0 + nvar - 1 (var0 at or past every earlier
 * variable) and returns where its nop op bytes, narg args and ncst
 * constants go; the values of its variables are then written through
 * AD__V(t->vtab, i).  AD_OK, AD_ENOMEM or AD_EFORMAT (indices out of order
 * or out of range).  ad__tape_load_outputs sets the m outputs.  The caller
 * sets t->n, t->ncmp, t->tmp_need and finally t->done. */
int ad__tape_load_segment(ad_tape *t, uint32_t var0, uint32_t nvar,
                          size_t nop, size_t narg, size_t ncst, uint8_t **op,
                          uint32_t **arg, double **cst);
int ad__tape_load_outputs(ad_tape *t, size_t m, const uint32_t *dep,
                          const double *depc);

/* ---- node.c: the shape of a node ---------------------------------------- */

/* The words of args, constants and results of the node whose op byte is op
 * and whose args start at arg (read only for array nodes, where avail words
 * are readable).  Returns 0, or -1 if op is not a valid op byte or the array
 * node's header is inconsistent. */
int ad__node_shape(uint8_t op, const uint32_t *arg, size_t avail,
                   size_t *narg, size_t *ncst, size_t *nres);

/* The kind of a node, by op byte, for the passes that walk a tape node by
 * node (linear.c, slots.c): a scalar node (a primitive or ad_select) with
 * narg args and ncst constants; a comparison (narg args, ncst constants, no
 * result); an input; k inputs (args [k, k]); a constant; an array node
 * (its header gives its counts); or an op byte that names no node. */
enum {
    AD__N_SCALAR,
    AD__N_CMP,
    AD__N_INDEP,
    AD__N_INDEPS,
    AD__N_CONST,
    AD__N_ARRAY,
    AD__N_BAD
};
typedef struct ad__node_kind {
    unsigned char kind, narg, ncst;
    unsigned char reads; /* values its reverse rule reads: AD__READS_* */
    unsigned char reads_y; /* its own result's value: bit 1 if its first
                              partials read it, bit 2 if its first or
                              second ones do (AD_F_Y1, AD_F_Y2,
                              AD_F_DOMAIN; need.c) */
} ad__node_kind;
#define AD__READS_ALL  1u /* its result's and its arguments' */
#define AD__READS_ARG0 2u /* its first argument's (ad_select's condition) */
/* The table of the 256 op bytes (filled on first call, thread-safe). */
const ad__node_kind *ad__node_kinds(void);

/* ---- adjwin.c: the adjoint window of one-lane reverse sweeps ------------ */

#define AD__AK 11 /* 2048 adjoints per block */
#define AD__AC ((size_t)1 << AD__AK)
#define AD__RN ((uint32_t)1 << 14) /* adjoints in the ring, at most */

typedef struct ad__awin {
    double *ring;   /* variable i >= lo: its adjoint at ring[i & rmask] */
    uint32_t rmask; /* the ring's length - 1: AD__RN, or less on a short tape */
    uint32_t lo;    /* a multiple of AD__AC */
    uint32_t lo_r;  /* lo is the lowest it may be while results > lo_r */
    double **map;   /* block c of the variables below lo -> its far store */
    double *zero;   /* AD__AC zeros: the blocks without a far store */
    double *trash;  /* AD__AC doubles: where writes go once memory ran out */
    double **free;  /* the free far stores, all zero */
    double **slab;  /* the pool's allocations */
    size_t map_cap, ring_cap, nfree, nchunks, nslab, slab_cap;
    size_t nmap;        /* blocks of this sweep */
    size_t used, peak;  /* far stores in use now, and at most in this sweep */
    int err;            /* AD_ENOMEM if the pool could not grow */
} ad__awin;

/* Opens a sweep over nvar variables. */
int ad__aw_open(ad__awin *aw, size_t nvar);
/* Lowers lo as far as the node of result r allows, moving the far stores
 * of the blocks that enter the ring into it. */
void ad__aw_slide(ad__awin *aw, uint32_t r);
/* The far store of i's block, taken from the pool. */
double *ad__aw_take(ad__awin *aw, uint32_t i);
/* The adjoint of i (below *lo, the sweep's copy of aw->lo) to add into, at
 * the node of result r. */
static inline double *ad__aw_far(ad__awin *aw, uint32_t i, uint32_t r,
                                 uint32_t *lo)
{
    if (AD__UNLIKELY(r < aw->lo_r)) {
        ad__aw_slide(aw, r);
        *lo = aw->lo;
        if (i >= *lo)
            return &aw->ring[i & aw->rmask];
    }
    double *p = aw->map[i >> AD__AK];
    if (AD__UNLIKELY(p == aw->zero))
        p = ad__aw_take(aw, i);
    return p + (i & (AD__AC - 1));
}
/* The adjoint of i in a sweep that keeps aw->ring, aw->rmask and aw->lo in
 * ring, rm and lo: to read and clear (AD__AWR), to add into at the node of
 * result r (AD__AWW). */
#define AD__AWR(aw, ring, rm, lo, i)                                           \
    (*((i) >= (lo) ? &(ring)[(i) & (rm)]                                       \
                   : &(aw)->map[(i) >> AD__AK][(i) & (AD__AC - 1)]))
#define AD__AWW(aw, ring, rm, lo, i, r)                                        \
    (*((i) >= (lo) ? &(ring)[(i) & (rm)] : ad__aw_far(aw, i, r, &(lo))))
/* Ends the sweep, giving every far store back: AD_OK or AD_ENOMEM. */
int ad__aw_close(ad__awin *aw);
/* The bytes the last sweep used: the ring, its far stores at most and the
 * map. */
size_t ad__aw_bytes(const ad__awin *aw);
void ad__aw_free(ad__awin *aw);

/* ---- work.c: the calling thread's sweep buffers ------------------------- */

/* need.c: the program of the nodes whose values (and tangents) a
 * gradient's (an hvp's) reverse sweep needs, for one recording (t, gen),
 * kept in a thread's buffers. */
typedef struct ad__need {
    const struct ad_tape *t; /* the recording it is for: the tape, */
    uint64_t gen;            /* and its generation */
    int order;               /* 1 for gradients, 2 for hvp */
    unsigned calls;          /* gradients at a new point seen for it */
    int ready;               /* 1 built, -1 not worth it, 0 not yet */
    ad__seg seg;             /* the program: op bytes and constants, */
    uint8_t *op;             /* in the compiled form's layout (slots.c), */
    uint32_t *word;          /* with each variable its own slot */
    double *cst;
    uint64_t *bits; /* building: a bit per needed variable */
    size_t op_cap, word_cap, cst_cap, bits_cap;
} ad__need;

typedef struct ad__work {
    double *val;   /* flat values, nvar entries */
    double **vt;   /* table over val, in the layout of the tape's */
    double *tan;   /* tangents, nvar * q */
    double *adj;   /* adjoints, nvar * q; all zero between sweeps */
    double *tmp;   /* scratch for array nodes */
    double *sval; /* slots.c: values, tangents and adjoints per slot, */
    double *stan; /* and the values a forward sweep saves */
    double *sadj;
    double *ssave;
    size_t val_cap, vt_cap, tan_cap, adj_cap, tmp_cap;
    size_t sval_cap, stan_cap, sadj_cap, ssave_cap;
    ad__awin aw; /* adjwin.c: the adjoint window */
    ad__need need[2]; /* need.c: the values a gradient, an hvp needs */
} ad__work;

/* The calling thread's buffers, grown to hold a sweep of `tape` with q
 * tangent (tan_q) and adjoint (adj_q) lanes and tmp scratch doubles; NULL
 * when memory runs out.  The adjoints are zero. */
ad__work *ad__work_get(const ad_tape *tape, size_t tan_q, size_t adj_q,
                       size_t tmp);
/* The calling thread's buffers for a compiled sweep (slots.c) of nslot
 * slots with q tangent and adjoint lanes and nsave saved values; NULL when
 * memory runs out.  The adjoints are zero. */
ad__work *ad__work_slots(size_t nslot, size_t tan_q, size_t adj_q,
                         size_t nsave);
/* The calling thread's program of needed values for first (order 1) or
 * second-order sweeps (need.c); NULL if the thread's buffers cannot be
 * made. */
ad__need *ad__work_need(int order);
/* The calling thread's scratch of at least n doubles (shared with the
 * sweeps' tmp; for recording array nodes); NULL when memory runs out. */
double *ad__work_tmp(size_t n);
/* Records the thread's last flipped comparison (-1: none). */
void ad__work_set_flip(long k);
/* Records the adjoint bytes of the thread's last reverse sweep. */
void ad__work_set_adj_bytes(size_t bytes);
/* Frees the calling thread's tape and buffers of the ad_fn drivers
 * (modes/mixed/work.c); part of ad_thread_release. */
void ad__drivers_release(void);

/* ---- sweep.c ------------------------------------------------------------ */

/* What a sweep reads and writes. */
typedef struct ad__sweep {
    const ad_tape *t;
    double **vt;      /* values: the tape's table, or the work table */
    double *vf;       /* the work table's flat array (a replay), or NULL */
    const double *x;  /* inputs for a replay (replay set) */
    double *tan;      /* tangents, q per variable (forward) */
    double *adj;      /* adjoints, q per variable (reverse) */
    double *tmp;      /* scratch */
    const double *V;  /* forward seeds, n x q row-major (ld = ldv) */
    double *G;        /* reverse results, q x n row-major */
    size_t q, ldv;
    size_t unit0;     /* V == NULL: the seeds are unit vectors e_unit0.. */
    double *save; /* compiled sweeps: the overwritten values */
    const ad__need *prog; /* a compiled forward sweep runs this program
                             instead of the tape's compiled form */
    ad__awin *aw;     /* one lane: the adjoints in a window, not in adj */
    long flip;        /* first flipped comparison, -1 if none */
    int err;          /* first failed callback of a custom node, else 0 */
} ad__sweep;

/* Checks the tape and prepares s on the calling thread's buffers with tq
 * tangent and aq adjoint lanes.  At a new point x the values are replayed
 * (AD_ERETAPE if a comparison flipped; a custom callback's status), unless
 * replay is 0: the caller then replays them in its own first sweep,
 * ad__forward(s, 1) (drivers.c). */
int ad__prepare(ad_tape *t, const double *x, size_t tq, size_t aq,
                ad__sweep *s, int replay);
/* Forward: replays the values (if replay; into s->vf, which must then be
 * the flat array under s->vt) and propagates q tangents (q may be 0).
 * Returns AD_OK or AD_ERETAPE. */
int ad__forward(ad__sweep *s, int replay);
/* The values at x, replayed into the calling thread's buffers (x NULL: the
 * tape's own): *vt and *vf for sweeps that share them (the Jacobian's and
 * Hessian's threads).  AD_OK, AD_ENOMEM or AD_ERETAPE (drivers.c). */
int ad__values(ad_tape *t, const double *x, double ***vt, double **vf);
/* Reverse: propagates q adjoint lanes from the seeded s->adj down to the
 * inputs, writing s->G and leaving s->adj all zero. */
void ad__reverse(ad__sweep *s);

/* 1 if op is a unary primitive without parameter (ad_map's ops);
 * modes/forward/array.c. */
int ad__map_op_ok(int op);

/* Whether a node is linear in an argument (flags F of the table, with lin
 * the variant's own flag, or 0): then a second-order reverse sweep
 * (hessian.c, slot_sweep.c) adds no second-order term at all: it neither
 * reads the tangents, which a compiled sweep keeps only where a rule will
 * read them, nor multiplies a zero by the adjoint (0 times an infinite
 * adjoint would be NaN). */
#define AD__LIN(F, lin) (((F) & (AD_F_LINEAR | (lin))) != 0)
/* The adjoint tangent's increment p wd + h w, or p wd when L (a constant)
 * says the node is linear in the argument; h is then not evaluated. */
#define AD__SO_DD(L, p, h, w, wd) ((L) ? (p) * (wd) : (p) * (wd) + (h) * (w))
/* 1 if a and b are both zero (of either sign): the test of a zero pair in
 * the second-order sweeps, as a == 0.0 && b == 0.0 (NaN is not zero), in
 * one test of their bits, which GCC otherwise compiles to two compares and
 * flag juggling. */
static inline int ad__pair_zero(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return ((x | y) << 1) == 0;
}
/* Adds (d, dd) into the (adjoint, adjoint tangent) pair of i: into the
 * registers (acc, accd) if i is nxt, the next result, whose pair the
 * second-order sweeps keep there, else into A (hessian.c, slot_sweep.c). */
#define AD__PAIR_ADD(i, nxt, d, dd)                                            \
    do {                                                                       \
        if ((i) == (nxt)) {                                                    \
            acc += (d);                                                        \
            accd += (dd);                                                      \
        } else {                                                               \
            A[2 * (size_t)(i)] += (d);                                         \
            A[2 * (size_t)(i) + 1] += (dd);                                    \
        }                                                                      \
    } while (0)
/* The second-order updates of primitive n (flags F) with argument values
 * x, u, result y and argument tangents T[i], T[j]: SO(i, p, L, h) adds into
 * argument i's pair, p = f_a, h = f_aa adot + f_ab bdot, and L is
 * AD__LIN (hessian.c, slot_sweep.c). */
#define AD__SO2_1(SO, F, n, k, x, y, i)                                        \
    SO(i, ad__##n##_d1(x, k, y), AD__LIN(F, 0), ad__##n##_d2(x, k, y) * T[i])
#define AD__SO2_2(SO, F, n, x, u, y, i, j)                                     \
    do {                                                                       \
        double dab_ = ad__##n##_dab(x, u, y);                                  \
        SO(i, ad__##n##_da(x, u, y), AD__LIN(F, 0),                            \
           ad__##n##_daa(x, u, y) * T[i] + dab_ * T[j]);                       \
        SO(j, ad__##n##_db(x, u, y), AD__LIN(F, 0),                            \
           dab_ * T[i] + ad__##n##_dbb(x, u, y) * T[j]);                       \
    } while (0)
#define AD__SO2_XC(SO, F, n, x, k, y, i)                                       \
    SO(i, ad__##n##_da(x, k, y), AD__LIN(F, AD_F_LIN_XC),                      \
       ad__##n##_daa(x, k, y) * T[i])
#define AD__SO2_CX(SO, F, n, k, u, y, i)                                       \
    SO(i, ad__##n##_db(k, u, y), AD__LIN(F, AD_F_LIN_CX),                      \
       ad__##n##_dbb(k, u, y) * T[i])

/* ---- slots.c, slot_sweep.c: the compiled form ---------------------------- */

/* 1 if t has a compiled form of its recording. */
static inline int ad__slots_ready(const ad_tape *t)
{
    return t->slots != NULL && t->slots->valid;
}
/* Frees t's compiled form (ad_tape_free). */
void ad__slots_free(ad_tape *t);
/* At a new point x on the compiled form: the outputs y (may be NULL) and k
 * tangents JV = J V (k = 0: the values only), or k adjoints WJ = W J (W
 * NULL: k = 1 and the gradient of output 0).  As ad_tape_jvp_multi and
 * ad_tape_vjp_multi, arguments checked. */
int ad__slot_jvp(ad_tape *t, const double *x, size_t k, const double *V,
                 double *y, double *JV);
int ad__slot_vjp(ad_tape *t, const double *x, size_t k, const double *W,
                 double *y, double *WJ);
/* The sweeps: forward replays the values at s->x into s->vf with s->q
 * tangents (saving the overwritten values a reverse rule reads in s->save
 * when save is 1, with their tangents when it is 2; AD_OK or AD_ERETAPE);
 * reverse propagates s->q adjoints from s->adj to s->G,
 * restoring the values, and leaves s->adj zero. */
int ad__slot_forward(ad__sweep *s, int save);

/* ---- need.c: the values a gradient needs at a new point ---------------- */

/* In *P the calling thread's program of the nodes whose values a gradient
 * (order 1) or an hvp (order 2) of t at a new point needs, or NULL: before
 * the thread's second such sweep of t's recording, for tapes with array or
 * custom nodes, and when it would drop too few nodes.  AD_OK, or AD_ENOMEM
 * when the thread's buffers or the program cannot be made. */
int ad__need_get(const ad_tape *t, int order, const ad__need **P);
/* Replays the values of P's nodes at s->x into the flat s->vf, with s->q
 * (0 or 1) tangents (the compiled forward sweep on P; slot_sweep.c); AD_OK
 * or AD_ERETAPE. */
int ad__need_forward(ad__sweep *s, const ad__need *P);
/* Frees N's arrays (the thread's buffers going away). */
void ad__need_free(ad__need *N);
void ad__slot_reverse(ad__sweep *s);
/* The second-order reverse sweep after ad__slot_forward(s, 2) with one
 * tangent: s->adj holds (adjoint, adjoint tangent) pairs per slot; the
 * inputs' adjoint tangents (H v) go to s->G. */
void ad__slot_reverse2(ad__sweep *s);
/* H v at a new point x on the compiled form, as ad_tape_hvp. */
int ad__slot_hvp(ad_tape *t, const double *x, const double *v, double *hv);

/* ---- par.c: when OpenMP threads pay ------------------------------------- */

/* Work below this (seconds, on one thread) runs on the calling thread. */
#define AD__PAR_SECONDS 2e-4
/* 1 if tasks independent tasks of about seconds_each are worth threads:
 * OpenMP is on, can use two or more threads here (not inside another
 * parallel region), and the work exceeds AD__PAR_SECONDS. */
int ad__par_worth(size_t tasks, double seconds_each);
/* An estimate of one sweep of tape t with lanes lanes (0 counts as 1). */
double ad__sweep_seconds(const ad_tape *t, size_t lanes);
/* Wall-clock seconds from an arbitrary origin. */
double ad__seconds(void);

/* ---- linear.c ------------------------------------------------------------ */

/* The one-lane reverse sweep of a linearised tape at the recorded point. */
void ad__reverse_linear(ad__sweep *s);

/* ---- array.c: the array nodes' rules ------------------------------------ */

/* An array node's args are [len, nres, ncst, header..., arrays..., len]:
 * len words in all (so that a reverse sweep finds the start), nres results
 * (consecutive variables in one run of memory), ncst constants in the cst
 * stream.  At the node whose args start at arg and constants at cst, with
 * first result r and s->q lanes: */
void ad__array_forward(ad__sweep *s, unsigned code, const uint32_t *arg,
                       const double *cst, uint32_t r, int replay);
void ad__array_reverse(ad__sweep *s, unsigned code, const uint32_t *arg,
                       const double *cst, uint32_t r);
/* The second-order rule (hessian.c): s->tan holds one tangent lane, s->adj
 * a pair (adjoint, adjoint tangent) per variable. */
void ad__array_reverse2(ad__sweep *s, unsigned code, const uint32_t *arg,
                        const double *cst, uint32_t r);
/* Checks an array node read from a file: its header, that its arrays fill
 * exactly its len words and ncst constants (at most ncst_avail), that every
 * index it reads is below its first result r and accepted by ok(ctx, i),
 * and that ranges lie in one run.  Sets *tmp to the scratch doubles a sweep
 * needs for it.  Returns 0, or -1 for a malformed node. */
int ad__array_check(unsigned code, const uint32_t *arg, size_t ncst_avail,
                    uint32_t r, int (*ok)(const void *ctx, uint32_t i),
                    const void *ctx, size_t *tmp);

#endif /* ADMIX_TAPE_IMPL_H */
