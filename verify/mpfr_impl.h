/* mpfr_impl.h -- internal to verify/: the state of one MPFR replay of a tape
 * (mpfr_tape.c), shared with the rules of the array nodes (mpfr_array.c).
 *
 * Every number is an MPFR number made with MPFR's custom interface
 * (mpfr_custom_init_set) over one block of memory that the replay allocates
 * itself: one allocation for all of them, a clean AD_ENOMEM when it fails
 * (GMP's allocator would abort), and nothing to clear one by one (custom
 * numbers own no memory of their own; freeing the block is their clear). */
#ifndef ADMIX_VERIFY_MPFR_IMPL_H
#define ADMIX_VERIFY_MPFR_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <mpfr.h>

#include "primitive.h"
#include "tape_impl.h"

/* Scratch numbers of a replay. */
enum {
    AD__MP_P = 2, /* first partials p[0], p[1] */
    AD__MP_H = 3, /* second partials h[0..2] */
    AD__MP_K = 3, /* constants of the tape, exact (at >= 53 bits) */
    AD__MP_S = 2, /* sums */
    AD__MP_NTMP = AD__MP_P + AD__MP_H + AD__MP_K + AD__MP_S
};

typedef struct ad__mp {
    const ad_tape *t;
    mpfr_prec_t prec;  /* of every computed number */
    mpfr_prec_t xprec; /* of inputs and constants: max(prec, 53), exact */
    mpfr_t *val;       /* values, t->nvar */
    mpfr_t *tan;       /* tangents (one lane), t->nvar, or NULL */
    mpfr_t *adj;       /* adjoints, t->nvar, or NULL */
    mpfr_t *adt;       /* adjoint tangents (second order), or NULL */
    mpfr_ptr p[AD__MP_P], h[AD__MP_H], k[AD__MP_K], s[AD__MP_S]; /* scratch */
    void *mem; /* the block behind all of the above */
} ad__mp;

#define AD__MPV(m, i) ((m)->val[i])
#define AD__MPT(m, i) ((m)->tan[i])
#define AD__MPA(m, i) ((m)->adj[i])
#define AD__MPD(m, i) ((m)->adt[i])

/* The array node `code` whose args start at arg, constants at cst and first
 * result at r (the layout of modes/reverse/array.c): its values (and, with
 * m->tan, its tangents) in a forward sweep; its adjoints in a reverse sweep;
 * its adjoints and adjoint tangents in a second-order one (hessian.c's rule).
 * Return AD_OK, AD_EUNSUPPORTED for a custom node, or AD_EINVAL for a node
 * they cannot read. */
int ad__mp_array_forward(ad__mp *m, unsigned code, const uint32_t *arg,
                         const double *cst, uint32_t r);
int ad__mp_array_reverse(ad__mp *m, unsigned code, const uint32_t *arg,
                         const double *cst, uint32_t r);
int ad__mp_array_reverse2(ad__mp *m, unsigned code, const uint32_t *arg,
                          const double *cst, uint32_t r);

#endif /* ADMIX_VERIFY_MPFR_IMPL_H */
