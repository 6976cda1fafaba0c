/* test_errors.c -- status codes and the run-time primitive table: every
 * code has its own message, every invalid argument is refused, and the
 * table agrees with primitives/ops.def (read both through the X-macro and
 * as text). */
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "primitive.h" /* internal: ad__prim_get */

#include <admix.h>

/* ---- ad_strerror --------------------------------------------------------- */

/* Every code of errors.h.  errors.h is a plain enum, not an X-macro, so the
 * list is repeated here; a code added there without a line here is caught
 * by no test, which is a reason to make errors.h an X-macro list too. */
static const struct {
    int code;
    const char *name;
} codes[] = {
    {AD_OK, "AD_OK"},           {AD_ENOMEM, "AD_ENOMEM"},
    {AD_EINVAL, "AD_EINVAL"},   {AD_EDOM, "AD_EDOM"},
    {AD_ERETAPE, "AD_ERETAPE"}, {AD_EUNSUPPORTED, "AD_EUNSUPPORTED"},
    {AD_EIO, "AD_EIO"},         {AD_EFORMAT, "AD_EFORMAT"},
    {AD_ERANGE, "AD_ERANGE"},
};
#define NCODES (sizeof codes / sizeof codes[0])

Test(errors, strerror_every_code_distinct)
{
    const char *unknown = ad_strerror(INT_MIN);
    cr_assert(unknown != NULL);
    for (size_t i = 0; i < NCODES; i++) {
        const char *s = ad_strerror(codes[i].code);
        cr_assert(s != NULL, "%s", codes[i].name);
        cr_expect(s[0] != '\0', "%s: empty message", codes[i].name);
        cr_expect(strcmp(s, unknown) != 0, "%s is reported as unknown",
                  codes[i].name);
        /* Success is 0, failures negative, as the contract says. */
        cr_expect(i == 0 ? codes[i].code == 0 : codes[i].code < 0, "%s = %d",
                  codes[i].name, codes[i].code);
        for (size_t j = 0; j < i; j++) {
            cr_expect(codes[i].code != codes[j].code, "%s == %s", codes[i].name,
                      codes[j].name);
            cr_expect(strcmp(s, ad_strerror(codes[j].code)) != 0,
                      "%s and %s share the message \"%s\"", codes[i].name,
                      codes[j].name, s);
        }
    }
}

Test(errors, strerror_unknown_codes)
{
    const char *unknown = ad_strerror(INT_MIN);
    static const int bad[] = {1, 2, 42, -9, -100, INT_MAX, INT_MIN + 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *s = ad_strerror(bad[i]);
        cr_assert(s != NULL, "code %d", bad[i]);
        cr_expect(strcmp(s, unknown) == 0, "code %d: \"%s\"", bad[i], s);
    }
    /* The same static string each time (thread-safe: nothing is built). */
    cr_expect(ad_strerror(AD_EINVAL) == ad_strerror(AD_EINVAL));
}

/* ---- ad_op_get, ad_op_lookup --------------------------------------------- */

Test(errors, op_get_out_of_range)
{
    cr_expect(ad_op_get(-1) == NULL);
    cr_expect(ad_op_get(AD_OP_COUNT) == NULL);
    cr_expect(ad_op_get(AD_OP_COUNT + 1) == NULL);
    cr_expect(ad_op_get(INT_MIN) == NULL);
    cr_expect(ad_op_get(INT_MAX) == NULL);
    cr_expect(ad_op_get(0) != NULL && ad_op_get(AD_OP_COUNT - 1) != NULL);
    cr_expect(ad__prim_get(-1) == NULL && ad__prim_get(AD_OP_COUNT) == NULL);
}

Test(errors, op_lookup_invalid)
{
    cr_expect(ad_op_lookup(NULL) == AD_EINVAL);
    static const char *const bad[] = {"",     "nosuch", "SIN",   "sin ",
                                      " sin", "si",     "sinh2", "ad_sin"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect(ad_op_lookup(bad[i]) == AD_EINVAL, "\"%s\" -> %d", bad[i],
                  ad_op_lookup(bad[i]));
}

Test(errors, op_lookup_round_trip)
{
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *info = ad_op_get(op);
        cr_assert(info != NULL && info->name != NULL, "op %d", op);
        cr_expect(ad_op_lookup(info->name) == op, "%s -> %d, want %d",
                  info->name, ad_op_lookup(info->name), op);
        for (int other = 0; other < op; other++)
            cr_expect(strcmp(info->name, ad_op_get(other)->name) != 0,
                      "ops %d and %d are both \"%s\"", other, op, info->name);
        cr_expect(ad__prim_get(op) != NULL, "%s: no descriptor", info->name);
    }
}

/* ---- the linearity flags --------------------------------------------------
 */

/* What AD_F_LINEAR, AD_F_LIN_XC and AD_F_LIN_CX claim holds: the partial
 * they name comes out the same at many random arguments and results (the
 * compiled sweeps drop the values it would otherwise read). */
Test(errors, linearity_flags_hold)
{
    uint64_t s = 99;
    int flagged = 0;
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        unsigned f = d->flags;
        if (!(f & (AD_F_LINEAR | AD_F_LIN_XC | AD_F_LIN_CX)))
            continue;
        flagged++;
        double c = 0.75, p0[2], p[2];
        d->d1(0.5, c, 0.0, 0.3, p0);
        for (int k = 0; k < 200; k++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            double u = (double)(s >> 11) * 0x1p-53 * 8.0 - 4.0;
            double y = u * u - 1.0;
            if (f & AD_F_LINEAR) {
                d->d1(u, y + 0.5, 0.0, y, p);
                cr_expect(p[0] == p0[0] && (d->arity == 1 || p[1] == p0[1]),
                          "%s: partials vary", d->name);
            }
            if (f & AD_F_LIN_XC) {
                d->d1(u, c, 0.0, y, p);
                cr_expect(p[0] == p0[0], "%s: d/da at b = c varies", d->name);
            }
            if (f & AD_F_LIN_CX) {
                double q0[2];
                d->d1(c, 0.5, 0.0, 0.3, q0);
                d->d1(c, u, 0.0, y, p);
                cr_expect(p[1] == q0[1], "%s: d/db at a = c varies", d->name);
            }
        }
    }
    cr_expect(flagged == 5, "%d flagged primitives", flagged);
}

/* What AD_F_Y1 and AD_F_Y2 claim: without them (and without AD_F_DOMAIN,
 * whose partials read y to give NaN where it is NaN), the first (second)
 * partials are the same whatever y is passed, NaN included (a gradient or
 * an hvp at a new point then skips computing values no rule reads:
 * modes/reverse/need.c); with them, some partial of that order changes
 * with y.  (The partials a second-order sweep reads are the first and the
 * second ones.) */
static int partials_move(const ad_op_info *d, int order, int reads, uint64_t *s)
{
    int moved = 0;
    for (int k = 0; k < 200; k++) {
        *s = *s * 6364136223846793005u + 1442695040888963407u;
        double a = 0.2 + 0.7 * (double)(*s >> 11) * 0x1p-53;
        double b = 0.9 - 0.5 * a, c = 3.0, y = d->value(a, b, c);
        double yy = reads ? 1.5 * y + 0.25 : NAN;
        double p[3] = {0.0, 0.0, 0.0}, q[3] = {0.0, 0.0, 0.0};
        if (order == 1) {
            d->d1(a, b, c, y, p);
            d->d1(a, b, c, yy, q);
        } else {
            d->d2(a, b, c, y, p);
            d->d2(a, b, c, yy, q);
        }
        moved += memcmp(p, q, sizeof p) != 0;
    }
    return moved;
}

Test(errors, result_flags_hold)
{
    uint64_t s = 7;
    int flagged[2] = {0, 0};
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        unsigned f = d->flags, y1 = AD_F_Y1 | AD_F_DOMAIN;
        unsigned flag[2] = {AD_F_Y1, AD_F_Y2}, reads[2] = {y1, y1 | AD_F_Y2};
        for (int o = 0; o < 2; o++) {
            flagged[o] += (f & flag[o]) != 0;
            int r = (f & reads[o]) != 0;
            int moved = partials_move(d, o + 1, r, &s);
            if (o == 1 && !r) /* neither order may read y then */
                moved += partials_move(d, 1, 0, &s);
            if (!r)
                cr_expect(moved == 0,
                          "%s: a partial of order %d reads y (at "
                          "%d points)",
                          d->name, o + 1, moved);
            if (f & flag[o])
                cr_expect(moved > 0,
                          "%s: flagged for order %d, no partial "
                          "of that order reads y",
                          d->name, o + 1);
        }
    }
    cr_expect(flagged[0] == 9, "%d flagged AD_F_Y1", flagged[0]);
    cr_expect(flagged[1] == 14, "%d flagged AD_F_Y2", flagged[1]);
}

/* ---- the table against ops.def ------------------------------------------- */

/* Each line of ops.def, expanded: the enum code, the name, arity, parameter
 * and flags it must have in the run-time table. */
static const struct {
    int op;
    const char *name;
    int arity, has_param;
    unsigned flags;
} expected[] = {
#define AD_OP1(N, n, F, ...)  {AD_OP_##N, #n, 1, 0, F},
#define AD_OP1P(N, n, F, ...) {AD_OP_##N, #n, 1, 1, F},
#define AD_OP2(N, n, F, ...)  {AD_OP_##N, #n, 2, 0, F},
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
};
#define NEXPECTED ((int)(sizeof expected / sizeof expected[0]))

Test(errors, table_matches_ops_def)
{
    cr_assert(NEXPECTED == AD_OP_COUNT, "%d lines, AD_OP_COUNT %d", NEXPECTED,
              AD_OP_COUNT);
    for (int i = 0; i < NEXPECTED; i++) {
        /* The enum follows the table's order. */
        cr_expect(expected[i].op == i, "%s is %d, line %d", expected[i].name,
                  expected[i].op, i);
        const ad_op_info *info = ad_op_get(expected[i].op);
        cr_assert(info != NULL);
        cr_expect(strcmp(info->name, expected[i].name) == 0, "%s vs %s",
                  info->name, expected[i].name);
        cr_expect(info->arity == expected[i].arity, "%s: arity %d", info->name,
                  info->arity);
        cr_expect(info->has_param == expected[i].has_param, "%s: has_param %d",
                  info->name, info->has_param);
        cr_expect(info->flags == expected[i].flags, "%s: flags %#x", info->name,
                  info->flags);
        cr_expect(
            (info->flags & ~(AD_F_DOMAIN | AD_F_SINGULAR | AD_F_NONANALYTIC |
                             AD_F_CSTEP1 | AD_F_LINEAR | AD_F_LIN_XC |
                             AD_F_LIN_CX | AD_F_Y1 | AD_F_Y2)) == 0,
            "%s: unknown flag bits %#x", info->name, info->flags);
        cr_expect(info->value && info->d1 && info->d2, "%s: missing rule",
                  info->name);
    }
}

/* Bitwise equality, any two NaNs equal: a NaN's sign depends on operand
 * order, which the compiler may commute in one inlined copy of a rule and
 * not in another (acosh below 1 gives NaN here). */
static int same(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0 || (x != x && y != y);
}

/* The rules behind the function pointers are the inline ones of rules.h,
 * and a unary rule writes only p[0], as primitives.h documents. */
Test(errors, table_rules_are_the_inline_rules)
{
    /* Read through volatile: with constant arguments GCC folds calls such
     * as cbrt(0.6875) at compile time, correctly rounded (it uses MPFR),
     * while the library calls glibc at run time, which may differ by an
     * ulp; the comparison is of the run-time rules. */
    static volatile double in[3] = {0.6875, 1.8125, 3.0};
    const double a = in[0], b = in[1], c = in[2];
    const double sentinel = -12345.5;
#define AD_OP1(N, n, ...)                                                      \
    {                                                                          \
        const ad_op_info *info = ad_op_get(AD_OP_##N);                         \
        double y = info->value(a, b, c);                                       \
        double p[3] = {sentinel, sentinel, sentinel};                          \
        cr_expect(same(y, ad__##n##_v(a, c)), "%s value", #n);                 \
        info->d1(a, b, c, y, p);                                               \
        cr_expect(same(p[0], ad__##n##_d1(a, c, y)) && p[1] == sentinel,       \
                  "%s d1", #n);                                                \
        p[0] = sentinel;                                                       \
        info->d2(a, b, c, y, p);                                               \
        cr_expect(same(p[0], ad__##n##_d2(a, c, y)) && p[1] == sentinel &&     \
                      p[2] == sentinel,                                        \
                  "%s d2", #n);                                                \
    }
#define AD_OP1P AD_OP1
#define AD_OP2(N, n, ...)                                                      \
    {                                                                          \
        const ad_op_info *info = ad_op_get(AD_OP_##N);                         \
        double y = info->value(a, b, c);                                       \
        double p[3] = {sentinel, sentinel, sentinel};                          \
        cr_expect(same(y, ad__##n##_v(a, b)), "%s value", #n);                 \
        info->d1(a, b, c, y, p);                                               \
        cr_expect(same(p[0], ad__##n##_da(a, b, y)) &&                         \
                      same(p[1], ad__##n##_db(a, b, y)) && p[2] == sentinel,   \
                  "%s d1", #n);                                                \
        info->d2(a, b, c, y, p);                                               \
        cr_expect(same(p[0], ad__##n##_daa(a, b, y)) &&                        \
                      same(p[1], ad__##n##_dab(a, b, y)) &&                    \
                      same(p[2], ad__##n##_dbb(a, b, y)),                      \
                  "%s d2", #n);                                                \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
}

/* AD_OP_COUNT against ops.def read as text: every line that starts with an
 * X-macro name is one primitive, so nothing in the file is skipped by the
 * expansion (a stray #if, a macro that swallows a line). */
Test(errors, op_count_matches_ops_def_text)
{
    FILE *f = fopen(AD_TEST_OPS_DEF, "r");
    cr_assert(f != NULL, "cannot open %s", AD_TEST_OPS_DEF);
    char line[1024];
    int count = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        const char *s = line + strspn(line, " \t");
        if (strncmp(s, "AD_OP1(", 7) == 0 || strncmp(s, "AD_OP1P(", 8) == 0 ||
            strncmp(s, "AD_OP2(", 7) == 0)
            count++;
    }
    fclose(f);
    cr_expect(count == AD_OP_COUNT, "%s has %d lines, AD_OP_COUNT is %d",
              AD_TEST_OPS_DEF, count, AD_OP_COUNT);
}
