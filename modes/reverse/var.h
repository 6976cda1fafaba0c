/* var.h -- ad_var, the recording number type of reverse mode.
 *
 * Every primitive of primitives/ops.def gets ad_var_<name>(x) (and, for
 * binary ones, _xc and _cx with a double argument), generated here from the
 * table.  Each computes the value with the double rule of rules.h and, when
 * an argument is active, appends one node to the calling thread's tape.  The
 * append is inline: the thread's cursor (ad__rec_tls) points into the
 * current blocks, and one comparison (val against vlim) tells that a node
 * still fits, so the common case is a few stores; the rest (new blocks,
 * constant ad_var arguments, errors) is ad__rec_cold() in
 * modes/reverse/record.c, after which the same stores follow, so that the
 * compiler keeps the cursor in registers from one node to the next.  A
 * variable's index is its value slot's address relative to vbias, so no
 * counter is kept.  See include/admix/tape.h for the API.
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
    uint64_t tag;    /* tag of the recording (a uint32_t; 0 when none is
                        running), 64 bits wide so that the recorders'
                        32-bit argument stores cannot alias it */
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

/* The cold path of the inline recorders below (record.c), for a node op on
 * a, b, c with value y that did not pass the fast test.  *go = 1: the
 * cursor has room and the caller records the node.  *go = 0: the result is
 * the variable returned (a constant, or the node with one constant
 * argument, recorded here), and the caller's stores, which do not move
 * the cursor, have somewhere to land: free room at the cursor, or the pad
 * that every block has past its end (record.c). */
ad_var ad__rec_cold(unsigned op, ad_var a, ad_var b, double c, double y,
                    uint64_t *go);

/* Stores an op byte.  A store through an unsigned char pointer may alias
 * anything, the cursor too, which would make the compiler load the cursor
 * again after every node; a one-byte bit-field is an unsigned int to the
 * aliasing rules (GCC, Clang). */
#if defined(__GNUC__) || defined(__clang__)
typedef struct __attribute__((packed)) ad__op_byte {
    unsigned b : 8;
} ad__op_byte;
#define AD__OP_STORE(p, code) (((ad__op_byte *)(void *)(p))->b = (code))
#else
#define AD__OP_STORE(p, code) (*(p) = (uint8_t)(code))
#endif
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

/* Stores the value of a new node's result and returns the variable. */
static AD_INLINE ad_var ad__var_result(ad__rec *R, double y)
{
    ad_var r;
    double *v = R->val;
    R->val = v + 1;
    *v = y;
    r.v = y;
    r.i = ad__rec_index(R, v);
    r.t = (uint32_t)R->tag;
    return r;
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
 * cannot pass the tag test unnoticed: outside a recording (tag 0) and after
 * a failure, val == vlim. */
#define AD__OFF_FAST(t, R) (((t) ^ (R)->tag) != 0 || (R)->val >= (R)->vlim)
#define AD__OFF_FAST2(t, u, R)                                                 \
    ((((t) ^ (R)->tag) | ((u) ^ (R)->tag)) != 0 || (R)->val >= (R)->vlim)

/* The shape of every recorder: the fast test; on failure the cold path,
 * after which the code goes on into the same stores (advancing the cursor
 * by go_, 1 or 0) instead of returning early.  So on every path the cursor
 * fields end a node as values the compiler holds in registers, and the
 * next node needs no load of them: with an early return the compiler loads
 * them again at every node (measured: Lorenz recorded in 2.7 instead of
 * 3.8 ns per node).  c_ is the cold path's result, m_ selects. */
#define AD__COLD(off, op, a, b, k, y)                                          \
    ad_var c_ = ad__var_passive(y);                                            \
    uint64_t go_ = 1;                                                          \
    if (AD__UNLIKELY(off)) {                                                   \
        uint64_t g_;                                                           \
        c_ = ad__rec_cold(op, a, b, k, y, &g_);                                \
        go_ = g_;                                                              \
    }                                                                          \
    const uint64_t m_ = 0 - go_
/* Stores y as the next value and makes the result r_ (of tag tg). */
#define AD__RESULT(R, y, tg)                                                   \
    double *v_ = (R)->val;                                                     \
    *v_ = (y);                                                                 \
    (R)->val = v_ + go_;                                                       \
    ad_var r_;                                                                 \
    r_.v = (y);                                                                \
    r_.i = (uint32_t)((ad__rec_index(R, v_) & m_) | (c_.i & ~m_));             \
    r_.t = (uint32_t)(((tg)&m_) | (c_.t & ~m_))
/* Stores the op byte, last: without the bit-field it may alias the cursor. */
#define AD__OP_END(R, code)                                                    \
    AD__OP_STORE((R)->op, code);                                               \
    (R)->op += go_;                                                            \
    return r_

#define AD__VAR1(N, n, k, HAS_C)                                               \
    double y = ad__##n##_v(x.v, k);                                            \
    ad__rec *R = &ad__rec_tls;                                                 \
    AD__COLD(AD__OFF_FAST(x.t, R), AD_OP_##N, x, x, k, y);                     \
    *R->arg = x.i;                                                             \
    R->arg += go_;                                                             \
    if (HAS_C) {                                                               \
        *R->cst = k;                                                           \
        R->cst += go_;                                                         \
    }                                                                          \
    AD__RESULT(R, y, x.t);                                                     \
    AD__OP_END(R, AD_OP_##N);

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
/* A binary node with one constant argument k; a is the variable, y is
 * computed from the values av, bv. */
#define AD__VARC(N, n, av, bv, a, k, VARIANT)                                  \
    double y = ad__##n##_v(av, bv);                                            \
    ad__rec *R = &ad__rec_tls;                                                 \
    AD__COLD(AD__OFF_FAST(a.t, R), AD_OP_##N | VARIANT, a, a, k, y);           \
    *R->arg = a.i;                                                             \
    R->arg += go_;                                                             \
    *R->cst = k;                                                               \
    R->cst += go_;                                                             \
    AD__RESULT(R, y, a.t);                                                     \
    AD__OP_END(R, AD_OP_##N | VARIANT);
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static AD_INLINE ad_var ad_var_##n##_xc(ad_var x, double u)                \
    {                                                                          \
        AD__VARC(N, n, x.v, u, x, u, AD__XC)                                   \
    }                                                                          \
    static AD_INLINE ad_var ad_var_##n##_cx(double x, ad_var u)                \
    {                                                                          \
        AD__VARC(N, n, x, u.v, u, x, AD__CX)                                   \
    }                                                                          \
    static AD_INLINE ad_var ad_var_##n(ad_var x, ad_var u)                     \
    {                                                                          \
        double y = ad__##n##_v(x.v, u.v);                                      \
        ad__rec *R = &ad__rec_tls;                                             \
        AD__COLD(AD__OFF_FAST2(x.t, u.t, R), AD_OP_##N, x, u, 0.0, y);         \
        R->arg[0] = x.i;                                                       \
        R->arg[1] = u.i;                                                       \
        R->arg += 2 * go_;                                                     \
        AD__RESULT(R, y, x.t);                                                 \
        AD__OP_END(R, AD_OP_##N);                                              \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
#undef AD__VAR1
#undef AD__VARC
#undef AD__COLD
#undef AD__RESULT
#undef AD__OP_END

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
