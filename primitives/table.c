/* table.c -- the run-time table of primitives: the double rules of rules.h
 * behind uniform function pointers, and the MPFR descriptors of
 * primitives/<name>.c, both indexed by ad_op.  Generated from ops.def. */
#include <string.h>

#include "admix/errors.h"
#include "primitive.h"

#define AD_OP1(N, n, F, V, D1, D2, CV)                                         \
    static double n##_value(double a, double b, double c)                      \
    {                                                                          \
        (void)b;                                                               \
        return ad__##n##_v(a, c);                                              \
    }                                                                          \
    static void n##_d1(double a, double b, double c, double y, double p[2])    \
    {                                                                          \
        (void)b;                                                               \
        p[0] = ad__##n##_d1(a, c, y);                                          \
    }                                                                          \
    static void n##_d2(double a, double b, double c, double y, double p[3])    \
    {                                                                          \
        (void)b;                                                               \
        p[0] = ad__##n##_d2(a, c, y);                                          \
    }
#define AD_OP1P AD_OP1
#define AD_OP2(N, n, F, V, DA, DB, DAA, DAB, DBB, CV)                          \
    static double n##_value(double a, double b, double c)                      \
    {                                                                          \
        (void)c;                                                               \
        return ad__##n##_v(a, b);                                              \
    }                                                                          \
    static void n##_d1(double a, double b, double c, double y, double p[2])    \
    {                                                                          \
        (void)c;                                                               \
        p[0] = ad__##n##_da(a, b, y);                                          \
        p[1] = ad__##n##_db(a, b, y);                                          \
    }                                                                          \
    static void n##_d2(double a, double b, double c, double y, double p[3])    \
    {                                                                          \
        (void)c;                                                               \
        p[0] = ad__##n##_daa(a, b, y);                                         \
        p[1] = ad__##n##_dab(a, b, y);                                         \
        p[2] = ad__##n##_dbb(a, b, y);                                         \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

static const ad_op_info table[AD_OP_COUNT] = {
#define AD_OP1(N, n, F, ...)                                                   \
    [AD_OP_##N] = {#n, 1, 0, F, n##_value, n##_d1, n##_d2},
#define AD_OP1P(N, n, F, ...)                                                  \
    [AD_OP_##N] = {#n, 1, 1, F, n##_value, n##_d1, n##_d2},
#define AD_OP2(N, n, F, ...)                                                   \
    [AD_OP_##N] = {#n, 2, 0, F, n##_value, n##_d1, n##_d2},
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
};

static const ad__prim *const prims[AD_OP_COUNT] = {
#define AD_OP1(N, n, ...) [AD_OP_##N] = &ad__prim_##n,
#define AD_OP1P           AD_OP1
#define AD_OP2            AD_OP1
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
};

const ad_op_info *ad_op_get(int op)
{
    return (op >= 0 && op < AD_OP_COUNT) ? &table[op] : NULL;
}

const ad__prim *ad__prim_get(int op)
{
    return (op >= 0 && op < AD_OP_COUNT) ? prims[op] : NULL;
}

int ad_op_lookup(const char *name)
{
    if (name == NULL)
        return AD_EINVAL;
    for (int op = 0; op < AD_OP_COUNT; op++)
        if (strcmp(table[op].name, name) == 0)
            return op;
    return AD_EINVAL;
}
