/* primitives.h -- the table of elementary operations, at run time.
 *
 * Every primitive of primitives/ops.def has an ad_op code and a descriptor
 * with its name, arity, flags and its double-precision rules as function
 * pointers (value, first and second partials, complex value).  The tape
 * sweeps, the expression parser and the tests read this table; nothing in
 * admix names a primitive outside it.  The descriptors are constant data:
 * thread-safe, nothing to free.
 */
#ifndef ADMIX_PRIMITIVES_H
#define ADMIX_PRIMITIVES_H

#include "admix/common.h"
#include "rules.h"

AD_BEGIN_DECLS

typedef enum ad_op {
#define AD_OP1(N, n, ...) AD_OP_##N,
#define AD_OP1P           AD_OP1
#define AD_OP2            AD_OP1
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
    AD_OP_COUNT
} ad_op;

typedef struct ad_op_info {
    const char *name; /* "sin": the C name, the parser's name, ad_<name> */
    int arity;        /* 1 or 2 */
    int has_param;    /* 1 for primitives with an integer parameter (powi) */
    unsigned flags;   /* AD_F_DOMAIN | AD_F_SINGULAR | ... (rules.h) */
    /* Value f(a, b; c): b is ignored by unary primitives, c (the integer
     * parameter) by all but powi. */
    double (*value)(double a, double b, double c);
    /* First partials at (a, b) given y = f: p[0] = df/da, p[1] = df/db (left
     * untouched for unary primitives). */
    void (*d1)(double a, double b, double c, double y, double p[2]);
    /* Second partials: p[0] = f_aa, p[1] = f_ab, p[2] = f_bb (unary: p[0]). */
    void (*d2)(double a, double b, double c, double y, double p[3]);
} ad_op_info;

/* The descriptor of `op`, or NULL if op is not a valid code. */
const ad_op_info *ad_op_get(int op);

/* The primitive called `name` ("sin", "atan2"), or AD_EINVAL (< 0). */
int ad_op_lookup(const char *name);

AD_END_DECLS

#endif /* ADMIX_PRIMITIVES_H */
