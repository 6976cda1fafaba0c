/* var.h -- ad_var, the recording number type of reverse mode.
 *
 * Every primitive of primitives/ops.def gets ad_var_<name>(x) (and, for
 * binary ones, _xc and _cx with a double argument), generated here from the
 * table.  Each computes the value with the double rule of rules.h and, when
 * an argument is active, appends one node to the calling thread's tape.  The
 * append is inline: the thread's cursor (ad__rec_tls) points into the
 * current blocks, and one comparison (val against vlim) tells that a node
 * still fits, so the common case is a few stores; the rest (new blocks,
 * errors) is ad__rec_slow() in modes/reverse/record.c.  A variable's index
 * is its value slot's address relative to vbias, so no counter is kept.  See
 * include/admix/tape.h for the API.
 *
 * Node layout (three streams and the values; modes/reverse/tape_impl.h):
 * one op byte = the ad_op code | AD__XC (second argument a constant) |
 * AD__CX (first argument a constant); the argument indices; the constants
 * (a constant argument, powi's exponent); the result's value, whose index is
 * the next variable index.
 */
#ifndef ADMIX_VAR_H
#define ADMIX_VAR_H

#include <stddef.h>
#include <stdint.h>

#include "admix/primitives.h"
#include "admix/tape.h"
#include "rules.h"

AD_BEGIN_DECLS

/* Op byte: code in the low 6 bits, variant in the high 2. */
#define AD__XC   0x40u
#define AD__CX   0x80u
#define AD__CODE 0x3fu

/* Node codes beyond the primitives (the low 6 bits of the op byte). */
enum {
    AD__OP_INDEP = AD_OP_COUNT, /* an input: no args; value from x */
    AD__OP_CONST,               /* a constant made a variable: 1 const */
    AD__OP_SELECT,              /* args c, a, b: a if c > 0 else b */
    AD__OP_LT,                  /* comparisons: args, consts [const] outcome */
    AD__OP_LE,
    AD__OP_GT,
    AD__OP_GE,
    AD__OP_EQ,
    AD__OP_DOT, /* array primitives: modes/reverse/array.c */
    AD__OP_AXPY,
    AD__OP_SUM,
    AD__OP_GEMV,
    AD__OP_MAP,
    AD__OP_INDEPS, /* k inputs at once: args [k, k], k results */
    AD__OP_CUSTOM, /* a custom primitive (custom.h), laid out as an array
                      node: modes/reverse/array.c */
    AD__OP_END
};

/* The calling thread's recording cursor.  Internal; its layout may change
 * between versions (user code sees it only through these inline functions,
 * compiled against the same installed headers). */
typedef struct ad__rec {
    uint8_t *op;     /* next op byte */
    uint32_t *arg;   /* next argument slot */
    double *cst;     /* next constant slot */
    double *val;     /* value slot of the next variable */
    double *vlim;    /* val < vlim: a node of <= 3 args, <= 2 constants fits */
    uintptr_t vbias; /* the index of slot v is (v - vbias) / 8 */
    uint32_t tag;    /* tag of the recording, 0 when none is running */
    ad_tape *tape;   /* the tape being recorded, NULL when none */
    int err;         /* first error of the recording */
} ad__rec;

#if defined(__GNUC__) || defined(__clang__)
#define AD__TLS_IE      __attribute__((tls_model("initial-exec")))
#define AD__UNLIKELY(c) __builtin_expect(!!(c), 0)
#else
#define AD__TLS_IE
#define AD__UNLIKELY(c) (c)
#endif

#ifdef __cplusplus
extern thread_local ad__rec ad__rec_tls AD__TLS_IE;
#else
extern _Thread_local ad__rec ad__rec_tls AD__TLS_IE;
#endif

/* The slow path of one scalar node (modes/reverse/record.c): checks the
 * tags, makes room, records op (with its variant) on arguments a, b and
 * constant c, and returns the result with value y. */
ad_var ad__rec_slow(unsigned op, ad_var a, ad_var b, double c, double y);
/* A comparison node (op AD__OP_LT..EQ with its variant); returns outcome. */
int ad__rec_cmp(unsigned op, ad_var a, ad_var b, int outcome);
/* ad_select on active values. */
ad_var ad__rec_select(ad_var c, ad_var a, ad_var b);

static AD_INLINE ad_var ad__var_passive(double v)
{
    ad_var r;
    r.v = v;
    r.i = 0;
    r.t = 0;
    return r;
}

/* The index of the variable whose value slot is v. */
static AD_INLINE uint32_t ad__rec_index(const ad__rec *R, const double *v)
{
    return (uint32_t)(((uintptr_t)v - R->vbias) / sizeof(double));
}

/* Stores the value of a new node's result and returns the variable, of
 * tag t: the recording's, which the fast paths below already hold (their
 * argument passed the tag test), so they need not load it again. */
static AD_INLINE ad_var ad__var_result_t(ad__rec *R, double y, uint32_t t)
{
    ad_var r;
    double *v = R->val;
    R->val = v + 1;
    *v = y;
    r.v = y;
    r.i = ad__rec_index(R, v);
    r.t = t;
    return r;
}
/* The same with the recording's tag. */
static AD_INLINE ad_var ad__var_result(ad__rec *R, double y)
{
    return ad__var_result_t(R, y, R->tag);
}

static AD_INLINE ad_var ad_var_const(double c)
{
    return ad__var_passive(c);
}
static AD_INLINE double ad_var_value(ad_var x)
{
    return x.v;
}

/* ---- the primitives --------------------------------------------------- */

/* Not the fast path: an argument's tag is not the recording's (it is a
 * constant, or of another recording), or the blocks are full.  A constant
 * cannot pass the tag test unnoticed: outside a recording (tag 0) the
 * cursor is zero, val == vlim, and so is it after a failure. */
#define AD__OFF_FAST(t, R) (((t) ^ (R)->tag) != 0 || (R)->val >= (R)->vlim)
#define AD__OFF_FAST2(t, u, R)                                                 \
    ((((t) ^ (R)->tag) | ((u) ^ (R)->tag)) != 0 || (R)->val >= (R)->vlim)

#define AD__VAR1(N, n, k, HAS_C)                                               \
    double y = ad__##n##_v(x.v, k);                                            \
    ad__rec *R = &ad__rec_tls;                                                 \
    if (AD__UNLIKELY(AD__OFF_FAST(x.t, R))) {                                  \
        if (x.t == 0)                                                          \
            return ad__var_passive(y);                                         \
        return ad__rec_slow(AD_OP_##N, x, x, k, y);                            \
    }                                                                          \
    *R->arg++ = x.i;                                                           \
    if (HAS_C)                                                                 \
        *R->cst++ = k;                                                         \
    ad_var r_ = ad__var_result_t(R, y, x.t);                                   \
    *R->op++ = AD_OP_##N; /* last: a byte store may alias the cursor */        \
    return r_;

#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static AD_INLINE ad_var ad_var_##n(ad_var x)                               \
    {                                                                          \
        AD__VAR1(N, n, 0.0, 0)                                                 \
    }
#define AD_OP1P(N, n, F, V, D1, D2, CV)                                        \
    static AD_INLINE ad_var ad_var_##n(ad_var x, int k_)                       \
    {                                                                          \
        AD__VAR1(N, n, (double)k_, 1)                                          \
    }
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE ad_var ad_var_##n##_xc(ad_var x, double u)                \
    {                                                                          \
        double y = ad__##n##_v(x.v, u);                                        \
        ad__rec *R = &ad__rec_tls;                                             \
        if (AD__UNLIKELY(AD__OFF_FAST(x.t, R))) {                              \
            if (x.t == 0)                                                      \
                return ad__var_passive(y);                                     \
            return ad__rec_slow(AD_OP_##N | AD__XC, x, x, u, y);               \
        }                                                                      \
        *R->arg++ = x.i;                                                       \
        *R->cst++ = u;                                                         \
        ad_var r_ = ad__var_result_t(R, y, x.t);                               \
        *R->op++ = (uint8_t)(AD_OP_##N | AD__XC);                              \
        return r_;                                                             \
    }                                                                          \
    static AD_INLINE ad_var ad_var_##n##_cx(double x, ad_var u)                \
    {                                                                          \
        double y = ad__##n##_v(x, u.v);                                        \
        ad__rec *R = &ad__rec_tls;                                             \
        if (AD__UNLIKELY(AD__OFF_FAST(u.t, R))) {                              \
            if (u.t == 0)                                                      \
                return ad__var_passive(y);                                     \
            return ad__rec_slow(AD_OP_##N | AD__CX, u, u, x, y);               \
        }                                                                      \
        *R->arg++ = u.i;                                                       \
        *R->cst++ = x;                                                         \
        ad_var r_ = ad__var_result_t(R, y, u.t);                               \
        *R->op++ = (uint8_t)(AD_OP_##N | AD__CX);                              \
        return r_;                                                             \
    }                                                                          \
    static AD_INLINE ad_var ad_var_##n(ad_var x, ad_var u)                     \
    {                                                                          \
        ad__rec *R = &ad__rec_tls;                                             \
        if (AD__UNLIKELY(AD__OFF_FAST2(x.t, u.t, R))) {                        \
            if (x.t == 0)                                                      \
                return ad_var_##n##_cx(x.v, u);                                \
            if (u.t == 0)                                                      \
                return ad_var_##n##_xc(x, u.v);                                \
            return ad__rec_slow(AD_OP_##N, x, u, 0.0, ad__##n##_v(x.v, u.v));  \
        }                                                                      \
        double y = ad__##n##_v(x.v, u.v);                                      \
        R->arg[0] = x.i;                                                       \
        R->arg[1] = u.i;                                                       \
        R->arg += 2;                                                           \
        ad_var r_ = ad__var_result_t(R, y, x.t);                               \
        *R->op++ = AD_OP_##N;                                                  \
        return r_;                                                             \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__VAR1

/* ---- comparisons and select ------------------------------------------- */

#define AD__VAR_CMP(name, OP, rel)                                             \
    static AD_INLINE int ad_var_##name(ad_var a, ad_var b)                     \
    {                                                                          \
        int o = a.v rel b.v;                                                   \
        if (a.t == 0 && b.t == 0)                                              \
            return o;                                                          \
        return ad__rec_cmp(OP, a, b, o);                                       \
    }                                                                          \
    static AD_INLINE int ad_var_##name##_xc(ad_var a, double b)                \
    {                                                                          \
        return ad_var_##name(a, ad__var_passive(b));                           \
    }                                                                          \
    static AD_INLINE int ad_var_##name##_cx(double a, ad_var b)                \
    {                                                                          \
        return ad_var_##name(ad__var_passive(a), b);                           \
    }
AD__VAR_CMP(lt, AD__OP_LT, <)
AD__VAR_CMP(le, AD__OP_LE, <=)
AD__VAR_CMP(gt, AD__OP_GT, >)
AD__VAR_CMP(ge, AD__OP_GE, >=)
AD__VAR_CMP(eq, AD__OP_EQ, ==)
#undef AD__VAR_CMP

/* a if c > 0, else b (a NaN c gives b).  With an active c the choice is a
 * node, made again at every replay; with a constant c it is made now. */
static AD_INLINE ad_var ad_var_select(ad_var c, ad_var a, ad_var b)
{
    if (c.t == 0 || (a.t == 0 && b.t == 0 && a.v == b.v))
        return c.v > 0.0 ? a : b;
    return ad__rec_select(c, a, b);
}
static AD_INLINE ad_var ad_var_select_xc(ad_var c, ad_var a, double b)
{
    return ad_var_select(c, a, ad__var_passive(b));
}
static AD_INLINE ad_var ad_var_select_cx(ad_var c, double a, ad_var b)
{
    return ad_var_select(c, ad__var_passive(a), b);
}

AD_END_DECLS

#endif /* ADMIX_VAR_H */
