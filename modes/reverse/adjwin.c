/* adjwin.c -- the adjoint window (ad_tape_set_adjoint_window): the
 * adjoints of a one-lane reverse sweep in a ring of recent variables and a
 * few blocks for older ones, instead of an array as long as the tape.
 *
 * A reverse sweep reads the adjoint of a variable at its own node and adds
 * into it at the nodes that read the variable, all of which come later on
 * the tape, so earlier in the sweep.  Once the sweep is below a variable,
 * its adjoint is dead (and zero: the sweep clears each adjoint as it reads
 * it).  So variable i >= lo keeps its adjoint at ring[i & rmask], where lo
 * is low enough that every variable that held that slot before has been
 * read; an addition into an older variable (a far reader: an ODE's
 * parameters, read at every step) goes to the far store of its block of
 * AD__AC variables, taken from a pool.  When the sweep has gone down by a
 * block, the next far addition slides lo down (ad__aw_slide) and moves the
 * far stores of the blocks that enter the ring into it.  Far additions to a
 * variable all come before its near ones (the sweep runs downwards and lo
 * only falls), so every adjoint receives its contributions in the order of
 * the array, and the results are the same to the bit.
 *
 * This is the memory behaviour of ADOL-C's reused locations (Griewank &
 * Walther, Evaluating Derivatives, 2nd ed., 2008, sec. 4.3), obtained in
 * the sweep instead of at record time, since C values have no destructor
 * that would tell the recorder when a variable dies.  Blocks without a far
 * store map to one shared block of zeros, which reads see as zero
 * adjoints.  The ring and the pool are the thread's (work.c), kept between
 * sweeps and never moved, so a sweep touches no fresh page once they have
 * grown to its size. */
#include <stdlib.h>
#include <string.h>

#include "tape_impl.h"

/* Far stores allocated at a time. */
#define SLAB_CHUNKS 16

/* Makes one more slab of far stores, all zero, and puts them on the free
 * list; -1 when memory runs out. */
static int grow_pool(ad__awin *aw)
{
    size_t total = aw->nchunks + SLAB_CHUNKS;
    if (aw->nslab == aw->slab_cap) {
        size_t cap = aw->slab_cap ? 2 * aw->slab_cap : 8;
        double **s = realloc(aw->slab, cap * sizeof *s);
        if (s == NULL)
            return -1;
        aw->slab = s;
        aw->slab_cap = cap;
    }
    double **fl = realloc(aw->free, total * sizeof *fl);
    if (fl == NULL)
        return -1;
    aw->free = fl;
    double *slab = calloc(SLAB_CHUNKS * AD__AC, sizeof(double));
    if (slab == NULL)
        return -1;
    aw->slab[aw->nslab++] = slab;
    for (size_t k = SLAB_CHUNKS; k-- > 0;)
        aw->free[aw->nfree++] = slab + k * AD__AC;
    aw->nchunks = total;
    return 0;
}

/* Sets lo for the node of result r: the lowest multiple of AD__AC at or
 * above r - AD__RN, so that the ring slot of every i >= lo was last held by
 * a variable >= r, whose adjoint has been read and cleared. */
static void set_lo(ad__awin *aw, uint32_t r)
{
    uint32_t rn = aw->rmask + 1;
    uint32_t lo =
        r > rn ? (uint32_t)((r - rn + AD__AC - 1) & ~(uint32_t)(AD__AC - 1))
               : 0;
    aw->lo = lo;
    aw->lo_r = lo > 0 ? lo + rn - (uint32_t)AD__AC + 1 : 0;
}

int ad__aw_open(ad__awin *aw, size_t nvar)
{
    size_t need = (nvar >> AD__AK) + 1;
    /* The ring: AD__RN adjoints, or the power of two that holds them all
     * (then lo stays 0). */
    size_t rn = 1;
    while (rn < AD__RN && rn < nvar)
        rn *= 2;
    if (aw->zero == NULL) {
        aw->zero = calloc(2 * AD__AC, sizeof(double));
        if (aw->zero == NULL)
            return AD_ENOMEM;
        aw->trash = aw->zero + AD__AC;
    }
    if (rn > aw->ring_cap) {
        free(aw->ring); /* all zero: nothing to keep */
        aw->ring = calloc(rn, sizeof(double));
        aw->ring_cap = aw->ring != NULL ? rn : 0;
        if (aw->ring == NULL)
            return AD_ENOMEM;
    }
    aw->rmask = (uint32_t)rn - 1;
    if (need > aw->map_cap) {
        double **m = realloc(aw->map, need * sizeof *m);
        if (m == NULL)
            return AD_ENOMEM;
        for (size_t c = aw->map_cap; c < need; c++)
            m[c] = aw->zero;
        aw->map = m;
        aw->map_cap = need;
    }
    aw->nmap = need;
    set_lo(aw, (uint32_t)nvar);
    aw->used = aw->peak = 0;
    aw->err = AD_OK;
    return AD_OK;
}

/* Gives back the far store of block c (all zero). */
static void give_back(ad__awin *aw, size_t c)
{
    aw->free[aw->nfree++] = aw->map[c];
    aw->map[c] = aw->zero;
    aw->used--;
}

void ad__aw_slide(ad__awin *aw, uint32_t r)
{
    size_t old = aw->lo >> AD__AK;
    set_lo(aw, r);
    for (size_t c = aw->lo >> AD__AK; c < old; c++) {
        if (aw->map[c] == aw->zero)
            continue;
        /* A block that starts at or above r is dead: the sweep has read
         * (and cleared) each of its adjoints from its far store.  When far
         * additions are rare, lo lags, and one slide may cover more blocks
         * than the ring holds; copying a dead block too would overwrite the
         * live block that shares its place in the ring.  The live blocks,
         * below r and at or above lo >= r - AD__RN, fit the ring. */
        if (((size_t)c << AD__AK) < r) {
            memcpy(aw->ring + ((c << AD__AK) & aw->rmask), aw->map[c],
                   AD__AC * sizeof(double));
            memset(aw->map[c], 0, AD__AC * sizeof(double));
        }
        give_back(aw, c);
    }
}

double *ad__aw_take(ad__awin *aw, uint32_t i)
{
    if (aw->nfree == 0 && grow_pool(aw) != 0) {
        /* The sweep goes on into the trash and reports AD_ENOMEM. */
        aw->err = AD_ENOMEM;
        return aw->trash;
    }
    double *p = aw->free[--aw->nfree];
    aw->map[i >> AD__AK] = p;
    if (++aw->used > aw->peak)
        aw->peak = aw->used;
    return p;
}

int ad__aw_close(ad__awin *aw)
{
    /* Every adjoint has been read and cleared: the ring and the far stores
     * are zero again. */
    for (size_t c = 0; c < aw->nmap; c++)
        if (aw->map[c] != aw->zero)
            give_back(aw, c);
    if (aw->err != AD_OK)
        memset(aw->trash, 0, AD__AC * sizeof(double));
    return aw->err;
}

size_t ad__aw_bytes(const ad__awin *aw)
{
    return (aw->rmask + 1 + aw->peak * AD__AC) * sizeof(double) +
           aw->nmap * sizeof(double *);
}

void ad__aw_free(ad__awin *aw)
{
    for (size_t k = 0; k < aw->nslab; k++)
        free(aw->slab[k]);
    free(aw->slab);
    free(aw->free);
    free(aw->map);
    free(aw->zero);
    free(aw->ring);
    memset(aw, 0, sizeof *aw);
}
