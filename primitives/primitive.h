/* primitive.h -- internal: what each primitives/<name>.c defines beside its
 * table line in ops.def.  Not installed.
 *
 * Each primitive <name> defines one constant `const ad__prim ad__prim_<name>`
 * holding
 *   - its MPFR rules: value, first and second partials, computed in MPFR at
 *     the precision of each output (the references of verify/ and the tests);
 *   - a sampler that draws points across its domain, near its edges too (the
 *     table-driven tests and the fuzzers use it);
 *   - the documented accuracy of its double rules, in ulps.
 */
#ifndef ADMIX_PRIMITIVE_H
#define ADMIX_PRIMITIVE_H

#include <stdint.h>

#include <mpfr.h>

#include "admix/primitives.h"

/* MPFR rules.  `b` is NULL for unary primitives; `c` is the integer parameter
 * (powi's exponent), 0 for the others; `y` is the value, already computed at
 * least at the outputs' precision.  Each output is set at its own precision,
 * rounded to nearest (the result of a formula evaluated with enough guard
 * bits that this rounding dominates).  d1 sets p[0] = df/da and, for binary
 * primitives, p[1] = df/db; d2 sets p[0] = f_aa and, for binary primitives,
 * p[1] = f_ab, p[2] = f_bb.  Conventions at non-differentiable points and
 * domain errors (NaN) are those of the double rules.  They return 0. */
typedef int (*ad__mpfr_value_fn)(mpfr_ptr y, mpfr_srcptr a, mpfr_srcptr b,
                                 long c, mpfr_rnd_t rnd);
typedef int (*ad__mpfr_partials_fn)(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b,
                                    long c, mpfr_srcptr y);

/* Draws one point x[0] (and x[1] for binary primitives; *c for powi) in the
 * primitive's domain from the generator state *s (ad__rand_* in sample.c). */
typedef void (*ad__sample_fn)(uint64_t *s, double x[2], long *c);

typedef struct ad__prim {
    ad__mpfr_value_fn mpfr_value;
    ad__mpfr_partials_fn mpfr_d1;
    ad__mpfr_partials_fn mpfr_d2;
    ad__sample_fn sample;
    /* Documented bounds of the double rules against the correctly rounded
     * result, in ulps of that result, over the sampler's points: value, first
     * partials, second partials.  Where a bound exceeds 4 the primitive's
     * file says why. */
    double ulp_value, ulp_d1, ulp_d2;
} ad__prim;

#define AD_OP1(N, n, ...) extern const ad__prim ad__prim_##n;
#define AD_OP1P           AD_OP1
#define AD_OP2            AD_OP1
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

/* Rules one primitive shares with another: erfc's are erf's and acos's
 * asin's, negated; fmin
 * and fmax share second partials and points; log, log2 and log10 share
 * their partials (by base) and points. */
int ad__erf_mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                    mpfr_srcptr y);
int ad__erf_mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                    mpfr_srcptr y);
void ad__erf_sample(uint64_t *s, double x[2], long *c);
int ad__minmax_mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                       mpfr_srcptr y);
void ad__minmax_sample(uint64_t *s, double x[2], long *c);
int ad__logb_mpfr_partial(mpfr_ptr p, mpfr_srcptr a, unsigned long base,
                          int order);
void ad__log_sample(uint64_t *s, double x[2], long *c);
int ad__asin_mpfr_d1(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                     mpfr_srcptr y);
int ad__asin_mpfr_d2(mpfr_ptr *p, mpfr_srcptr a, mpfr_srcptr b, long c,
                     mpfr_srcptr y);
void ad__asin_sample(uint64_t *s, double x[2], long *c);

/* The MPFR descriptor of op, or NULL for an invalid code. */
const ad__prim *ad__prim_get(int op);

/* ---- random points (primitives/sample.c), deterministic per seed ---- */

/* Next 64 random bits (splitmix64). */
uint64_t ad__rand_next(uint64_t *s);
/* Uniform in [lo, hi). */
double ad__rand_uniform(uint64_t *s, double lo, double hi);
/* A magnitude 10^e with e uniform in [elo, ehi), with a random sign if
 * `signed_` is nonzero. */
double ad__rand_logmag(uint64_t *s, double elo, double ehi, int signed_);
/* A point just inside an edge: edge + dir * 10^e, e uniform in [elo, ehi),
 * dir = +1 or -1 toward the inside. */
double ad__rand_near(uint64_t *s, double edge, double dir, double elo,
                     double ehi);
/* The samplers' common three scales: with probability 1/4 a tiny signed
 * magnitude 10^e, e in [elo, 0); 1/4 uniform in [wlo, whi) (typically all of
 * the range where the value stays finite and normal); 1/2 uniform in
 * [-m, m). */
double ad__rand_scales(uint64_t *s, double elo, double wlo, double whi,
                       double m);
/* An integer uniform in [lo, hi]. */
long ad__rand_int(uint64_t *s, long lo, long hi);

/* ---- MPFR helpers (primitives/mpfr_util.c) ---- */

/* Working precision for a formula whose result goes to `out`: its precision
 * plus guard bits. */
mpfr_prec_t ad__wprec(mpfr_srcptr out);

#endif /* ADMIX_PRIMITIVE_H */
