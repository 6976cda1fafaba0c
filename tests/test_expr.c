/* test_expr.c -- the expression language of the admix command
 * (tools/expr.c), the commands built on it (tools/calc.c), and the tape
 * printer (ad_tape_print, modes/reverse/print.c).
 *
 * Parsed expressions are evaluated and differentiated (on the tape they
 * record) against the same functions written in C with their analytic
 * derivatives; every primitive of the table is called by name; malformed
 * inputs must fail at the right column with the right message; random bytes
 * and random token sequences (fixed seeds) must never crash the parser, the
 * recorder or the printer (CI runs this suite under AddressSanitizer too).
 * The printer's text has one line per node, names every primitive it
 * meets, and its adjoints are the gradient. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <admix.h>

#include "cmd.h"
#include "expr.h"

/* calc.c prints messages under the program's name, which admix.c defines. */
const char *ad_cmd_prog = "admix";

static const char *const XY[] = {"x", "y"};

/* Parses src with inputs x, y (in that order) declared; fails the test on
 * an error. */
static ad_expr *parse_xy(const char *src)
{
    ad_expr *e = NULL;
    ad_expr_error er;
    int rc = ad_expr_parse(src, strlen(src), XY, 2, 0, &e, &er);
    cr_assert_eq(rc, AD_OK, "'%s': column %zu: %s", src, er.column, er.msg);
    return e;
}

/* |a - b| <= tol max(1, |b|), NaNs equal. */
static int close_to(double a, double b, double tol)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= tol * fmax(1.0, fabs(b));
}

/* ---- expressions against C ---------------------------------------------- */

typedef struct acase {
    const char *src;
    double (*f)(double x, double y);
    void (*g)(double x, double y, double g[2]); /* analytic gradient */
} acase;

static double f_seed(double x, double y)
{
    (void)y;
    return sin(x * x);
}
static void g_seed(double x, double y, double g[2])
{
    (void)y;
    g[0] = 2.0 * x * cos(x * x);
    g[1] = 0.0;
}
static double f_mix(double x, double y)
{
    return x * y + exp(-y);
}
static void g_mix(double x, double y, double g[2])
{
    g[0] = y;
    g[1] = x - exp(-y);
}
static double f_atan2(double x, double y)
{
    return atan2(y, x);
}
static void g_atan2(double x, double y, double g[2])
{
    double r2 = x * x + y * y;
    g[0] = -y / r2;
    g[1] = x / r2;
}
static double f_hypot(double x, double y)
{
    return hypot(x, y);
}
static void g_hypot(double x, double y, double g[2])
{
    double r = hypot(x, y);
    g[0] = x / r;
    g[1] = y / r;
}
static double f_pow(double x, double y)
{
    return pow(x, y);
}
static void g_pow(double x, double y, double g[2])
{
    g[0] = y * pow(x, y - 1.0);
    g[1] = pow(x, y) * log(x);
}
static double f_cube(double x, double y)
{
    (void)y;
    return x * x * x;
}
static void g_cube(double x, double y, double g[2])
{
    (void)y;
    g[0] = 3.0 * x * x;
    g[1] = 0.0;
}
static double f_invsq(double x, double y)
{
    (void)y;
    return 1.0 / (x * x);
}
static void g_invsq(double x, double y, double g[2])
{
    (void)y;
    g[0] = -2.0 / (x * x * x);
    g[1] = 0.0;
}
static double f_negsq(double x, double y)
{
    (void)y;
    return -(x * x);
}
static void g_negsq(double x, double y, double g[2])
{
    (void)y;
    g[0] = -2.0 * x;
    g[1] = 0.0;
}
static double f_tower(double x, double y)
{
    (void)y;
    return 512.0 * x;
}
static void g_tower(double x, double y, double g[2])
{
    (void)x;
    (void)y;
    g[0] = 512.0;
    g[1] = 0.0;
}
static double f_ratio(double x, double y)
{
    return (x - y) / (x + y);
}
static void g_ratio(double x, double y, double g[2])
{
    double s = (x + y) * (x + y);
    g[0] = 2.0 * y / s;
    g[1] = -2.0 * x / s;
}
static double f_trig(double x, double y)
{
    return log(x) * cos(y) - tan(x / y);
}
static void g_trig(double x, double y, double g[2])
{
    double t = tan(x / y), sec2 = 1.0 + t * t;
    g[0] = cos(y) / x - sec2 / y;
    g[1] = -log(x) * sin(y) + sec2 * x / (y * y);
}
static double f_consts(double x, double y)
{
    (void)y;
    return x * x + 3.14159265358979323846 * 2.71828182845904523536;
}
static void g_consts(double x, double y, double g[2])
{
    (void)y;
    g[0] = 2.0 * x;
    g[1] = 0.0;
}
static double f_special(double x, double y)
{
    return erf(x) + cbrt(y);
}
static void g_special(double x, double y, double g[2])
{
    g[0] = 2.0 / sqrt(3.14159265358979323846) * exp(-x * x);
    g[1] = 1.0 / (3.0 * cbrt(y) * cbrt(y));
}
static double f_minmax(double x, double y)
{
    return fmax(x, y) - fmin(x, y);
}
static void g_minmax(double x, double y, double g[2])
{
    double s = x > y ? 1.0 : -1.0;
    g[0] = s;
    g[1] = -s;
}
static double f_signs(double x, double y)
{
    return x + y;
}
static void g_signs(double x, double y, double g[2])
{
    (void)x;
    (void)y;
    g[0] = 1.0;
    g[1] = 1.0;
}
static double f_sigmoid(double x, double y)
{
    (void)y;
    return exp(x) / (1.0 + exp(x));
}
static void g_sigmoid(double x, double y, double g[2])
{
    (void)y;
    double s = exp(x) / (1.0 + exp(x));
    g[0] = s * (1.0 - s);
    g[1] = 0.0;
}
static double f_hyper(double x, double y)
{
    return asinh(x) + acosh(y + 1.0) + atanh(x / 2.0);
}
static void g_hyper(double x, double y, double g[2])
{
    g[0] = 1.0 / sqrt(x * x + 1.0) + 0.5 / (1.0 - x * x / 4.0);
    g[1] = 1.0 / sqrt((y + 1.0) * (y + 1.0) - 1.0);
}
static double f_norm(double x, double y)
{
    return sqrt(x * x + y * y);
}
static void g_norm(double x, double y, double g[2])
{
    double r = sqrt(x * x + y * y);
    g[0] = x / r;
    g[1] = y / r;
}

static const acase cases[] = {
    {"sin(x^2)", f_seed, g_seed},
    {"x*y + exp(-y)", f_mix, g_mix},
    {"atan2(y, x)", f_atan2, g_atan2},
    {"hypot(x, y)", f_hypot, g_hypot},
    {"pow(x, y)", f_pow, g_pow},
    {"x^y", f_pow, g_pow},
    {"powi(x, 3)", f_cube, g_cube},
    {"x^3", f_cube, g_cube},
    {"x^-2", f_invsq, g_invsq},
    {"-x^2", f_negsq, g_negsq},
    {"2^3^2 * x", f_tower, g_tower},
    {"(x - y)/(x + y)", f_ratio, g_ratio},
    {"log(x) * cos(y) - tan(x/y)", f_trig, g_trig},
    {"x ** 2 + pi * e", f_consts, g_consts},
    {"erf(x) + cbrt(y)", f_special, g_special},
    {"fmax(x, y) - fmin(x, y)", f_minmax, g_minmax},
    {"+x - -y", f_signs, g_signs},
    {"exp(x) / (1 + exp(x))", f_sigmoid, g_sigmoid},
    {"asinh(x) + acosh(y + 1) + atanh(x/2)", f_hyper, g_hyper},
    {"sqrt(x*x + y*y)", f_norm, g_norm},
    {" \t(((x)))^2 * sin( x )^0 + 0*y - x^2 + sqrt (x^2+y^2)\n", f_norm,
     g_norm},
};

Test(expr, values_and_gradients_against_c)
{
    static const double pts[][2] = {{0.7, 1.3}, {1.9, 0.4}, {0.25, 2.385}};
    ad_tape *t = ad_tape_new();
    cr_assert_not_null(t);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ad_expr *e = parse_xy(cases[k].src);
        cr_assert_eq(ad_expr_ninputs(e), 2);
        cr_assert_eq(ad_expr_noutputs(e), 1);
        for (size_t p = 0; p < sizeof pts / sizeof pts[0]; p++) {
            const double *x = pts[p];
            double y, yt, g[2], ga[2];
            double want = cases[k].f(x[0], x[1]);
            cr_assert_eq(ad_expr_eval(e, x, &y), AD_OK);
            cr_assert(close_to(y, want, 1e-14),
                      "%s at (%g, %g): %.17g vs %.17g", cases[k].src, x[0],
                      x[1], y, want);
            cr_assert_eq(ad_expr_record(e, t, x, AD_EXPR_ALL), AD_OK);
            cr_assert_eq(ad_tape_eval(t, NULL, &yt), AD_OK);
            /* The tape records the same rules: the same bits. */
            cr_assert(y == yt || (isnan(y) && isnan(yt)), "%s", cases[k].src);
            cr_assert_eq(ad_tape_gradient(t, NULL, g), AD_OK);
            cases[k].g(x[0], x[1], ga);
            for (int i = 0; i < 2; i++)
                cr_assert(close_to(g[i], ga[i], 1e-13),
                          "%s at (%g, %g): d/d%s %.17g vs %.17g", cases[k].src,
                          x[0], x[1], XY[i], g[i], ga[i]);
        }
        ad_expr_free(e);
    }
    ad_tape_free(t);
    ad_thread_release();
}

/* Every primitive of the table, by its name: the value is the table's
 * value rule, the derivative its first partials. */
Test(expr, every_primitive_by_name)
{
    const double x[2] = {0.385, 0.7125};
    ad_tape *t = ad_tape_new();
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        char src[64];
        double c = 0.0;
        if (d->has_param) {
            c = 3.0;
            snprintf(src, sizeof src, "%s(x, 3)", d->name);
        } else if (d->arity == 2) {
            snprintf(src, sizeof src, "%s(x, y)", d->name);
        } else {
            snprintf(src, sizeof src, "%s(x)", d->name);
        }
        ad_expr *e = parse_xy(src);
        double y, g[2], p[2] = {0.0, 0.0};
        double want = d->value(x[0], x[1], c);
        cr_assert_eq(ad_expr_eval(e, x, &y), AD_OK);
        cr_assert(y == want || (isnan(y) && isnan(want)), "%s: %.17g vs %.17g",
                  src, y, want);
        cr_assert_eq(ad_expr_record(e, t, x, AD_EXPR_ALL), AD_OK);
        cr_assert_eq(ad_tape_gradient(t, NULL, g), AD_OK);
        d->d1(x[0], x[1], c, want, p);
        cr_assert(close_to(g[0], p[0], 1e-15), "%s: %.17g vs %.17g", src, g[0],
                  p[0]);
        if (d->arity == 2 && !d->has_param)
            cr_assert(close_to(g[1], p[1], 1e-15), "%s", src);
        else
            cr_assert_eq(g[1], 0.0, "%s", src);
        ad_expr_free(e);
    }
    ad_tape_free(t);
    ad_thread_release();
}

/* ^ with an integer constant exponent is sqr or powi (exact for negative
 * bases, where pow's derivative in the exponent is NaN). */
Test(expr, integer_powers_of_negative_numbers)
{
    ad_expr *e = parse_xy("x^3 + x^2 + x^-1");
    double x[2] = {-1.5, 0.0}, y, g[2];
    ad_tape *t = ad_tape_new();
    cr_assert_eq(ad_expr_record(e, t, x, AD_EXPR_ALL), AD_OK);
    cr_assert_eq(ad_tape_eval(t, NULL, &y), AD_OK);
    cr_assert(close_to(y, -3.375 + 2.25 - 1.0 / 1.5, 1e-15));
    cr_assert_eq(ad_tape_gradient(t, NULL, g), AD_OK);
    cr_assert(close_to(g[0], 3 * 2.25 - 3.0 - 1.0 / 2.25, 1e-15), "%.17g",
              g[0]);
    ad_tape_free(t);
    ad_expr_free(e);
    ad_thread_release();
}

/* Several outputs, the order of the inputs, the output texts, constants
 * folded. */
Test(expr, outputs_inputs_and_folding)
{
    ad_expr *e = NULL;
    const char *src = " b*a ,  sin(c) ,2+3 ";
    cr_assert_eq(ad_expr_parse(src, strlen(src), NULL, 0, 0, &e, NULL), AD_OK);
    cr_assert_eq(ad_expr_ninputs(e), 3);
    cr_assert_str_eq(ad_expr_input(e, 0), "b");
    cr_assert_str_eq(ad_expr_input(e, 1), "a");
    cr_assert_str_eq(ad_expr_input(e, 2), "c");
    cr_assert_eq(ad_expr_input_column(e, 0), 2);
    cr_assert_eq(ad_expr_input_column(e, 1), 4);
    cr_assert_eq(ad_expr_input_column(e, 2), 13);
    cr_assert_eq(ad_expr_noutputs(e), 3);
    cr_assert_str_eq(ad_expr_output(e, 0), "b*a");
    cr_assert_str_eq(ad_expr_output(e, 1), "sin(c)");
    cr_assert_str_eq(ad_expr_output(e, 2), "2+3");
    double x[3] = {2.5, 4.0, 0.3}, y[3], J[9];
    cr_assert_eq(ad_expr_eval(e, x, y), AD_OK);
    cr_assert_eq(y[0], 10.0);
    cr_assert_eq(y[1], sin(0.3));
    cr_assert_eq(y[2], 5.0);
    ad_tape *t = ad_tape_new();
    cr_assert_eq(ad_expr_record(e, t, x, AD_EXPR_ALL), AD_OK);
    ad_tape_info info;
    ad_tape_stats(t, &info);
    /* Three inputs, a mul and a sin: 2+3 is a constant output. */
    cr_assert_eq(info.ops, 5);
    cr_assert_eq(info.m, 3);
    cr_assert_eq(ad_tape_jacobian(t, NULL, J), AD_OK);
    const double want[9] = {4.0, 2.5, 0.0, 0.0, 0.0, cos(0.3), 0, 0, 0};
    for (int i = 0; i < 9; i++)
        cr_assert(close_to(J[i], want[i], 1e-15), "J[%d] = %g", i, J[i]);
    /* One output alone. */
    cr_assert_eq(ad_expr_record(e, t, x, 1), AD_OK);
    ad_tape_stats(t, &info);
    cr_assert_eq(info.m, 1);
    cr_assert_eq(ad_expr_record(e, t, x, 3), AD_EINVAL);
    ad_tape_free(t);
    ad_expr_free(e);

    /* Declared variables come first, used or not. */
    const char *vars[] = {"z", "a"};
    cr_assert_eq(ad_expr_parse("a*q", 3, vars, 2, 0, &e, NULL), AD_OK);
    cr_assert_eq(ad_expr_ninputs(e), 3);
    cr_assert_str_eq(ad_expr_input(e, 0), "z");
    cr_assert_eq(ad_expr_input_column(e, 0), 0);
    cr_assert_str_eq(ad_expr_input(e, 2), "q");
    ad_expr_free(e);
    ad_thread_release();
}

/* ---- errors ------------------------------------------------------------- */

typedef struct ecase {
    const char *src;
    size_t column;
    const char *says; /* a part of the message */
    int status;
} ecase;

static const ecase errors[] = {
    {"sin(x", 6, "expected ')' after argument list", AD_EINVAL},
    {"atan2(x)", 8, "'atan2' takes 2 arguments", AD_EINVAL},
    {"atan2(x,y,z)", 10, "takes 2 arguments: expected ')', found ','",
     AD_EINVAL},
    {"hypot(x y)", 9, "expected ',' between the arguments of 'hypot'",
     AD_EINVAL},
    {"sin()", 5, "expected the first argument of 'sin'", AD_EINVAL},
    {"x +", 4, "expected a number, a variable, a function or '(', found end",
     AD_EINVAL},
    {"", 1, "expected an expression, found end of input", AD_EINVAL},
    {"   ", 4, "expected an expression", AD_EINVAL},
    {"2x", 2, "unexpected 'x' right after the number '2'", AD_EINVAL},
    {"1e", 2, "an exponent needs digits", AD_EINVAL},
    {"1.5.2", 4, "right after the number '1.5'", AD_EINVAL},
    {"x)", 2, "')' without a matching '('", AD_EINVAL},
    {"(x", 3, "expected ')' to close the '(' at column 1", AD_EINVAL},
    {"((x)", 5, "to close the '(' at column 1", AD_EINVAL},
    {"x $ 1", 3, "unexpected character '$'", AD_EINVAL},
    {"foo(1)", 1, "unknown function 'foo'", AD_EINVAL},
    {"pi(2)", 1, "'pi' is a constant, not a function", AD_EINVAL},
    {"sin + 1", 5, "expected '(' after the function 'sin', found '+'",
     AD_EINVAL},
    {"powi(x, y)", 9, "the last argument of 'powi' must be an integer",
     AD_EINVAL},
    {"powi(x, 2.5)", 9, "must be an integer constant", AD_EINVAL},
    {"x,,y", 3, "expected an expression after ','", AD_EINVAL},
    {"x,", 3, "expected an expression after ',', found end of input",
     AD_EINVAL},
    {",x", 1, "expected an expression, found ','", AD_EINVAL},
    {"x y", 3, "expected an operator, ',' or the end, found 'y'", AD_EINVAL},
    {"3 + * 4", 5, "found '*'", AD_EINVAL},
    {"x^", 3, "found end of input", AD_EINVAL},
    {"x ^ ^ 2", 5, "found '^'", AD_EINVAL},
    {"1e999", 1, "number out of range", AD_ERANGE},
    {"x * 1e400", 5, "number out of range", AD_ERANGE},
    {"sin(x))", 7, "')' without a matching '('", AD_EINVAL},
    {"x = 2", 3, "unexpected character '='", AD_EINVAL},
};

Test(expr, errors_name_the_column)
{
    for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++) {
        const ecase *c = &errors[k];
        ad_expr *e = (ad_expr *)&e; /* must be set to NULL */
        ad_expr_error er;
        int rc = ad_expr_parse(c->src, strlen(c->src), XY, 2, 0, &e, &er);
        cr_assert_eq(rc, c->status, "'%s': status %d", c->src, rc);
        cr_assert_eq(er.status, rc);
        cr_assert_null(e, "'%s'", c->src);
        cr_assert_eq(er.column, c->column, "'%s': column %zu, not %zu: %s",
                     c->src, er.column, c->column, er.msg);
        cr_assert(strstr(er.msg, c->says) != NULL, "'%s': \"%s\"", c->src,
                  er.msg);
    }
}

Test(expr, limits)
{
    ad_expr *e;
    ad_expr_error er;
    char *s = malloc(8000);
    cr_assert_not_null(s);

    /* Nesting: 256 levels parse, 257 do not (column of the 257th). */
    size_t k = 0;
    for (int i = 0; i < 255; i++)
        s[k++] = '(';
    s[k++] = 'x';
    for (int i = 0; i < 255; i++)
        s[k++] = ')';
    cr_assert_eq(ad_expr_parse(s, k, NULL, 0, 0, &e, &er), AD_OK, "%s", er.msg);
    ad_expr_free(e);
    k = 0;
    for (int i = 0; i < 300; i++)
        s[k++] = '(';
    s[k++] = 'x';
    cr_assert_eq(ad_expr_parse(s, k, NULL, 0, 0, &e, &er), AD_ERANGE);
    cr_assert_eq(er.column, 257);
    cr_assert(strstr(er.msg, "nested too deeply") != NULL);
    /* Unary minus and powers nest too. */
    k = 0;
    for (int i = 0; i < 1000; i++)
        s[k++] = '-';
    s[k++] = 'x';
    cr_assert_eq(ad_expr_parse(s, k, NULL, 0, 0, &e, &er), AD_ERANGE);
    k = 0;
    for (int i = 0; i < 1000; i++) {
        s[k++] = 'x';
        s[k++] = '^';
    }
    s[k++] = 'x';
    cr_assert_eq(ad_expr_parse(s, k, NULL, 0, 0, &e, &er), AD_ERANGE);

    /* A long flat sum needs no depth. */
    k = 0;
    for (int i = 0; i < 1500; i++) {
        s[k++] = 'x';
        s[k++] = '+';
    }
    s[k++] = 'x';
    cr_assert_eq(ad_expr_parse(s, k, NULL, 0, 0, &e, &er), AD_OK);
    double x = 0.5, y;
    cr_assert_eq(ad_expr_eval(e, &x, &y), AD_OK);
    cr_assert_eq(y, 750.5);
    ad_expr_free(e);

    /* Names: 64 characters are fine, 65 are not. */
    memset(s, 'a', 65);
    cr_assert_eq(ad_expr_parse(s, 64, NULL, 0, 0, &e, &er), AD_OK);
    ad_expr_free(e);
    cr_assert_eq(ad_expr_parse(s, 65, NULL, 0, 0, &e, &er), AD_ERANGE);
    cr_assert_eq(er.column, 1);
    /* Numbers: long ones are read exactly, too long ones refused. */
    s[0] = '0';
    s[1] = '.';
    memset(s + 2, '5', 998);
    cr_assert_eq(ad_expr_parse(s, 1000, NULL, 0, 0, &e, &er), AD_OK);
    cr_assert_eq(ad_expr_eval(e, NULL, &y), AD_OK);
    cr_assert_eq(y, 0.5555555555555556);
    ad_expr_free(e);
    memset(s, '7', 3000);
    cr_assert_eq(ad_expr_parse(s, 3000, NULL, 0, 0, &e, &er), AD_ERANGE);
    cr_assert(strstr(er.msg, "number longer than") != NULL);

    /* A NUL byte inside the text is a character like any other. */
    cr_assert_eq(ad_expr_parse("x\0y", 3, NULL, 0, 0, &e, &er), AD_EINVAL);
    cr_assert_eq(er.column, 2);
    cr_assert(strstr(er.msg, "0x00") != NULL, "%s", er.msg);
    cr_assert_eq(ad_expr_parse("x\xc3\xa9", 3, NULL, 0, 0, &e, &er), AD_EINVAL);
    cr_assert(strstr(er.msg, "0xc3") != NULL, "%s", er.msg);

    /* Too many variables. */
    k = 0;
    for (int i = 0; i <= AD_EXPR_MAX_VARS; i++)
        k += (size_t)sprintf(s + k, "v%d+", i);
    s[k - 1] = '\0';
    cr_assert_eq(ad_expr_parse(s, k - 1, NULL, 0, 0, &e, &er), AD_ERANGE);
    cr_assert(strstr(er.msg, "variables") != NULL);
    free(s);
}

Test(expr, declared_variables)
{
    ad_expr *e;
    ad_expr_error er;
    const char *v1[] = {"x"};
    cr_assert_eq(ad_expr_parse("x*z", 3, v1, 1, AD_EXPR_STRICT, &e, &er),
                 AD_EINVAL);
    cr_assert_eq(er.column, 3);
    cr_assert(strstr(er.msg, "unknown variable 'z'") != NULL);
    const char *v2[] = {"sin"};
    cr_assert_eq(ad_expr_parse("x", 1, v2, 1, 0, &e, &er), AD_EINVAL);
    cr_assert_eq(er.column, 0);
    cr_assert(strstr(er.msg, "function") != NULL, "%s", er.msg);
    const char *v3[] = {"x", "x"};
    cr_assert_eq(ad_expr_parse("x", 1, v3, 2, 0, &e, &er), AD_EINVAL);
    cr_assert(strstr(er.msg, "twice") != NULL);
    const char *v4[] = {"2x"};
    cr_assert_eq(ad_expr_parse("x", 1, v4, 1, 0, &e, &er), AD_EINVAL);
    const char *v5[] = {"e"};
    cr_assert_eq(ad_expr_parse("x", 1, v5, 1, 0, &e, &er), AD_EINVAL);
    cr_assert(strstr(er.msg, "constant") != NULL);
    cr_assert_eq(ad_expr_parse("x", 1, NULL, 1, 0, &e, &er), AD_EINVAL);
    cr_assert_eq(ad_expr_parse("x", 1, NULL, 0, 0, NULL, &er), AD_EINVAL);
    /* A NULL error pointer is allowed. */
    cr_assert_eq(ad_expr_parse("(", 1, NULL, 0, 0, &e, NULL), AD_EINVAL);
    cr_assert_eq(ad_expr_eval(NULL, NULL, NULL), AD_EINVAL);
    ad_expr_free(NULL);
}

/* ---- fuzzing (fixed seeds) ---------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64* (Vigna, "An experimental exploration of Marsaglia's
     * xorshift generators, scrambled", 2016). */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

/* Parses s; when it parses, evaluates it, records it, sweeps and prints the
 * tape: nothing may crash, and the tape must replay the expression. */
static void exercise(const char *s, size_t len, FILE *sink, ad_tape *t)
{
    ad_expr *e = NULL;
    ad_expr_error er;
    int rc = ad_expr_parse(s, len, NULL, 0, 0, &e, &er);
    if (rc != AD_OK) {
        cr_assert_null(e);
        cr_assert(rc == AD_EINVAL || rc == AD_ERANGE, "status %d", rc);
        cr_assert(er.column <= len + 1, "column %zu of %zu", er.column, len);
        cr_assert(er.msg[0] != '\0');
        return;
    }
    size_t n = ad_expr_ninputs(e), m = ad_expr_noutputs(e);
    double x[64], y[64], yt[64], g[64];
    cr_assert(n <= 64 && m <= 64 && m >= 1);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.3 + 0.17 * (double)i;
    cr_assert_eq(ad_expr_eval(e, x, y), AD_OK);
    cr_assert_eq(ad_expr_record(e, t, x, AD_EXPR_ALL), AD_OK);
    cr_assert_eq(ad_tape_eval(t, NULL, yt), AD_OK);
    for (size_t j = 0; j < m; j++)
        cr_assert(y[j] == yt[j] || (isnan(y[j]) && isnan(yt[j])));
    cr_assert_eq(ad_tape_gradient(t, NULL, g), AD_OK);
    ad_tape_print_opts o = {0};
    cr_assert_eq(ad_tape_print(sink, t, &o), AD_OK);
    o.flags = AD_TAPE_PRINT_DOT | AD_TAPE_PRINT_ADJOINTS;
    o.x = x;
    cr_assert_eq(ad_tape_print(sink, t, &o), AD_OK);
    ad_expr_free(e);
}

Test(expr, fuzz_random_bytes)
{
    FILE *sink = fopen("/dev/null", "w");
    ad_tape *t = ad_tape_new();
    cr_assert(sink != NULL && t != NULL);
    rng_state = 0x9e3779b97f4a7c15ull;
    char s[80];
    for (int it = 0; it < 20000; it++) {
        size_t len = rng() % sizeof s;
        /* Half the strings from all 256 bytes, half from the bytes the
         * language uses (so that some parse and go deeper). */
        static const char alpha[] = "xy01.5e+-*/^(),sinpow ";
        for (size_t i = 0; i < len; i++)
            s[i] = it % 2 ? (char)(rng() & 0xff)
                          : alpha[rng() % (sizeof alpha - 1)];
        exercise(s, len, sink, t);
    }
    ad_tape_free(t);
    fclose(sink);
    ad_thread_release();
}

Test(expr, fuzz_random_tokens)
{
    static const char *const tok[] = {
        "x",     "y",     "z",    "2",     "0.5",    "1e3",   "1e-300", "+",
        "-",     "*",     "/",    "^",     "**",     "(",     ")",      ",",
        "sin",   "atan2", "powi", "pi",    "e",      "hypot", "log",    "sqrt",
        "(",     ")",     "x",    "-",     "lgamma", "fmax",  "3",      " ",
        "1e308", "0",     "pow",  "tgamma"};
    const size_t ntok = sizeof tok / sizeof tok[0];
    FILE *sink = fopen("/dev/null", "w");
    ad_tape *t = ad_tape_new();
    cr_assert(sink != NULL && t != NULL);
    rng_state = 0x2545f4914f6cdd1dull;
    char s[512];
    int parsed = 0;
    for (int it = 0; it < 20000; it++) {
        size_t k = 1 + rng() % 40, len = 0;
        for (size_t i = 0; i < k; i++) {
            const char *w = tok[rng() % ntok];
            size_t l = strlen(w);
            memcpy(s + len, w, l);
            len += l;
        }
        ad_expr *e = NULL;
        if (ad_expr_parse(s, len, NULL, 0, 0, &e, NULL) == AD_OK)
            parsed++;
        ad_expr_free(e);
        exercise(s, len, sink, t);
    }
    /* The sequences reach the recorder and the printer, not only the
     * parser's first error. */
    cr_assert(parsed > 200, "%d parsed", parsed);
    ad_tape_free(t);
    fclose(sink);
    ad_thread_release();
}

/* ---- ad_tape_print ------------------------------------------------------ */

/* The text ad_tape_print writes, in a malloc'ed string. */
static char *printed(const ad_tape *t, const ad_tape_print_opts *o, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    *rc = ad_tape_print(f, t, o);
    fclose(f);
    return buf;
}

static size_t count_lines(const char *s, const char *prefix)
{
    size_t k = 0, lp = strlen(prefix);
    for (const char *p = s; *p != '\0';) {
        if (strncmp(p, prefix, lp) == 0)
            k++;
        const char *nl = strchr(p, '\n');
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return k;
}

/* The number after `key` on the line that starts with `start`. */
static double field(const char *s, const char *start, const char *key)
{
    const char *p = strstr(s, start);
    cr_assert_not_null(p, "no line '%s'", start);
    const char *nl = strchr(p, '\n');
    const char *q = strstr(p, key);
    cr_assert(q != NULL && (nl == NULL || q < nl), "no '%s' on '%s'", key,
              start);
    return strtod(q + strlen(key), NULL);
}

/* The seed example: three nodes, x -> sqr -> sin -> y. */
Test(print, seed_example)
{
    ad_tape *t = ad_tape_new();
    ad_tape_begin(t);
    ad_var x = ad_independent(2.0);
    ad_dependent(ad_sin(ad_sqr(x)));
    cr_assert_eq(ad_tape_end(t), AD_OK);
    int rc;
    char *s = printed(t, NULL, &rc);
    cr_assert_eq(rc, AD_OK);
    cr_assert_str_eq(s, "# admix tape: 1 input, 1 output, 3 operations\n"
                        "v1 = input x0\n"
                        "v2 = sqr v1\n"
                        "v3 = sin v2\n"
                        "out y0 = v3\n");
    free(s);

    const char *in[] = {"x"}, *out[] = {"y"};
    ad_tape_print_opts o = {AD_TAPE_PRINT_ADJOINTS, NULL, NULL, in, out};
    s = printed(t, &o, &rc);
    cr_assert_eq(rc, AD_OK);
    cr_assert(strstr(s, "adjoints of y") != NULL, "%s", s);
    cr_assert_eq(field(s, "v1 = input x", "value "), 2.0);
    cr_assert_eq(field(s, "v2 = sqr v1", "value "), 4.0);
    cr_assert_eq(field(s, "v3 = sin v2", "value "), sin(4.0));
    cr_assert_eq(field(s, "v3 = sin v2", "adjoint "), 1.0);
    /* a_bar = cos(a) and x_bar = 2x cos(x^2), to the last bit: the values
     * are printed exactly. */
    cr_assert_eq(field(s, "v2 = sqr v1", "adjoint "), cos(4.0));
    cr_assert_eq(field(s, "v1 = input x", "adjoint "), 4.0 * cos(4.0));
    cr_assert(strstr(s, "out y = v3") != NULL);
    free(s);

    /* At another point: the replayed values. */
    double x1 = 0.5;
    o.x = &x1;
    o.flags = AD_TAPE_PRINT_VALUES;
    s = printed(t, &o, &rc);
    cr_assert_eq(rc, AD_OK);
    cr_assert_eq(field(s, "v3 = sin v2", "value "), sin(0.25));
    cr_assert(strstr(s, "adjoint") == NULL);
    cr_assert(strstr(s, "the given point") != NULL);
    free(s);

    /* DOT: a digraph with the three nodes, two edges and the output. */
    o.flags = AD_TAPE_PRINT_DOT;
    o.x = NULL;
    s = printed(t, &o, &rc);
    cr_assert_eq(rc, AD_OK);
    cr_assert(strstr(s, "digraph admix {") != NULL);
    cr_assert(strstr(s, "v1 -> v2;") != NULL);
    cr_assert(strstr(s, "v2 -> v3;") != NULL);
    cr_assert(strstr(s, "v3 -> out0;") != NULL);
    cr_assert(strstr(s, "label=\"v2 = sqr v1\"") != NULL, "%s", s);
    cr_assert_eq(count_lines(s, "    v"), 3 + 3); /* nodes and edges */
    cr_assert_eq(s[strlen(s) - 2], '}');
    free(s);
    ad_tape_free(t);
    ad_thread_release();
}

/* A tape that holds every primitive: one line per node, each primitive
 * named, and the printed adjoints of the inputs are the gradient. */
Test(print, every_primitive_one_line_each)
{
    char src[4096];
    size_t k = 0;
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        /* A unary primitive gets y/3 = 0.2, or 1 + y = 1.6 where 0.2 is
         * outside its domain (acosh), so that no term is NaN. */
        const char *arg = d->has_param                     ? "x, 3"
                          : d->arity == 2                  ? "x, y"
                          : isnan(d->value(0.2, 0.0, 0.0)) ? "1 + y"
                                                           : "y/3";
        k += (size_t)snprintf(src + k, sizeof src - k, "%s%s(%s)",
                              op ? " + " : "", d->name, arg);
    }
    ad_expr *e = parse_xy(src);
    const double x[2] = {0.45, 0.6};
    ad_tape *t = ad_tape_new();
    cr_assert_eq(ad_expr_record(e, t, x, AD_EXPR_ALL), AD_OK);
    ad_tape_info info;
    ad_tape_stats(t, &info);
    int rc;
    ad_tape_print_opts o = {AD_TAPE_PRINT_ADJOINTS, NULL, NULL, XY, NULL};
    char *s = printed(t, &o, &rc);
    cr_assert_eq(rc, AD_OK);
    cr_assert_eq(count_lines(s, "v"), info.ops);
    cr_assert_eq(count_lines(s, ""), info.ops + 2);
    for (int op = 0; op < AD_OP_COUNT; op++) {
        char name[40];
        snprintf(name, sizeof name, " = %s ", ad_op_get(op)->name);
        cr_assert(strstr(s, name) != NULL, "no '%s' in\n%s", name, s);
    }
    double g[2];
    cr_assert_eq(ad_tape_gradient(t, NULL, g), AD_OK);
    cr_assert(isfinite(g[0]) && isfinite(g[1]));
    cr_assert(close_to(field(s, "v1 = input x", "adjoint "), g[0], 1e-15));
    cr_assert(close_to(field(s, "v2 = input y", "adjoint "), g[1], 1e-15));
    free(s);
    ad_tape_free(t);
    ad_expr_free(e);
    ad_thread_release();
}

/* Array nodes, constants, a select and a comparison. */
Test(print, array_nodes_and_comparisons)
{
    ad_tape *t = ad_tape_new();
    ad_var x[3], y[3], z;
    const double x0[3] = {0.5, 1.25, -2.0};
    ad_tape_begin(t);
    cr_assert_eq(ad_independent_array(3, x0, x), AD_OK);
    cr_assert_eq(ad_map(AD_OP_SIN, 3, x, y), AD_OK);
    ad_var w[3] = {ad_const(ad_var, 2.0), ad_const(ad_var, 3.0),
                   ad_const(ad_var, 4.0)};
    z = ad_dot(3, y, w);
    int lt = ad_lt(x[0], 1.0);
    ad_var s = ad_select(ad_sub(x[1], 1.0), z, x[2]);
    ad_dependent(ad_mul(s, ad_sum(3, x)));
    ad_dependent(ad_const(ad_var, 7.5));
    cr_assert_eq(ad_tape_end(t), AD_OK);
    cr_assert(lt);
    ad_tape_info info;
    ad_tape_stats(t, &info);
    int rc;
    ad_tape_print_opts o = {AD_TAPE_PRINT_ADJOINTS, NULL, NULL, NULL, NULL};
    char *txt = printed(t, &o, &rc);
    cr_assert_eq(rc, AD_OK);
    cr_assert_eq(count_lines(txt, ""), info.ops + 2, "%s", txt);
    cr_assert(strstr(txt, "v1..v3 = inputs x0 x1 x2") != NULL, "%s", txt);
    cr_assert(strstr(txt, "v4..v6 = map sin v1..v3") != NULL, "%s", txt);
    cr_assert(strstr(txt, "= dot v4..v6 [2 3 4]") != NULL, "%s", txt);
    cr_assert(strstr(txt, "lt v1 1 -> true") != NULL, "%s", txt);
    cr_assert(strstr(txt, "= select ") != NULL, "%s", txt);
    cr_assert(strstr(txt, "= sum v1..v3") != NULL, "%s", txt);
    cr_assert(strstr(txt, ", y1 = 7.5") != NULL, "%s", txt);
    /* The inputs' adjoints are the gradient. */
    double g[3];
    cr_assert_eq(ad_tape_gradient(t, NULL, g), AD_OK);
    const char *p = strstr(txt, "v1..v3 = inputs");
    const char *q = strstr(p, "adjoint [");
    cr_assert_not_null(q);
    char *end;
    double a0 = strtod(q + 9, &end), a1 = strtod(end, &end),
           a2 = strtod(end, &end);
    cr_assert(close_to(a0, g[0], 1e-15) && close_to(a1, g[1], 1e-15) &&
                  close_to(a2, g[2], 1e-15),
              "%g %g %g vs %g %g %g", a0, a1, a2, g[0], g[1], g[2]);
    free(txt);

    /* DOT: edges from the array node that made each argument. */
    o.flags = AD_TAPE_PRINT_DOT;
    txt = printed(t, &o, &rc);
    cr_assert_eq(rc, AD_OK);
    cr_assert(strstr(txt, "v1 -> v4;") != NULL, "%s", txt);
    cr_assert(strstr(txt, "v4 -> v7;") != NULL, "%s", txt); /* y -> dot */
    cr_assert(strstr(txt, "shape=diamond") != NULL);
    free(txt);

    /* At a point where the comparison flips: refused, nothing printed. */
    const double x1[3] = {1.5, 1.25, -2.0};
    o.flags = AD_TAPE_PRINT_VALUES;
    o.x = x1;
    txt = printed(t, &o, &rc);
    cr_assert_eq(rc, AD_ERETAPE);
    cr_assert_str_eq(txt, "");
    free(txt);
    ad_tape_free(t);
    ad_thread_release();
}

Test(print, errors)
{
    ad_tape *t = ad_tape_new();
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_eq(ad_tape_print(NULL, t, NULL), AD_EINVAL);
    cr_assert_eq(ad_tape_print(sink, NULL, NULL), AD_EINVAL);
    /* Not recorded yet. */
    cr_assert_eq(ad_tape_print(sink, t, NULL), AD_EINVAL);
    ad_tape_begin(t);
    ad_dependent(ad_exp(ad_independent(1.0)));
    ad_tape_end(t);
    ad_tape_print_opts o = {0x100, NULL, NULL, NULL, NULL};
    cr_assert_eq(ad_tape_print(sink, t, &o), AD_EINVAL);
    cr_assert_eq(ad_tape_print(sink, t, NULL), AD_OK);
    fclose(sink);
    ad_tape_free(t);
}

/* ---- the commands -------------------------------------------------------- */

/* Runs a command with its stdout and stderr captured; returns its exit
 * status. */
static int run(int (*cmd)(int, char **), const char *const *args, char *out,
               size_t nout, char *err, size_t nerr)
{
    char *argv[32];
    int argc = 0;
    while (args[argc] != NULL) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    FILE *fo = tmpfile(), *fe = tmpfile();
    cr_assert(fo != NULL && fe != NULL);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    int rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    rewind(fo);
    rewind(fe);
    size_t k = fread(out, 1, nout - 1, fo);
    out[k] = '\0';
    k = fread(err, 1, nerr - 1, fe);
    err[k] = '\0';
    fclose(fo);
    fclose(fe);
    return rc;
}

/* The seed example, as the issue states it: y = sin(x^2) at 2, dy/dx =
 * 2x cos(x^2), to 1e-12. */
Test(cmd, grad_seed_example)
{
    char out[4096], err[1024];
    const char *args[] = {"grad", "sin(x^2)", "--at", "x=2", "--csv", NULL};
    cr_assert_eq(run(ad_cmd_grad, args, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strncmp(out, "quantity,value\ny,", 17) == 0, "%s", out);
    double y = strtod(out + 17, NULL);
    const char *d = strstr(out, "dy/dx,");
    cr_assert_not_null(d);
    double g = strtod(d + 6, NULL);
    cr_assert(fabs(y - sin(4.0)) <= 1e-12);
    cr_assert(fabs(g - 4.0 * cos(4.0)) <= 1e-12);
    cr_assert(fabs(y - -0.7568) < 1e-4 && fabs(g - -2.6146) < 1e-4);

    /* The table. */
    const char *args2[] = {"grad", "sin(x^2)", "--at", "x=2", NULL};
    cr_assert_eq(run(ad_cmd_grad, args2, out, sizeof out, err, sizeof err), 0);
    cr_assert(strstr(out, "y = sin(x^2)\nat x = 2\n") != NULL, "%s", out);
    cr_assert(strstr(out, "dy/dx     -2.6145744834544478") != NULL, "%s", out);
}

Test(cmd, eval_jacobian_hessian)
{
    char out[8192], err[1024];
    const char *a1[] = {
        "eval", "x*y, atan2(y, x)", "--at", "x=2, y=pi/4", "--csv", NULL};
    cr_assert_eq(run(ad_cmd_eval, a1, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    const double pi4 = 3.14159265358979323846 / 4;
    char *p = out;
    cr_assert(strncmp(p, "output,value,expression\nf0,", 27) == 0, "%s", out);
    cr_assert_eq(strtod(p + 27, &p), 2.0 * pi4);
    cr_assert(strncmp(p, ",x*y\nf1,", 8) == 0, "%s", out);
    cr_assert_eq(strtod(p + 8, &p), atan2(pi4, 2.0));
    cr_assert_str_eq(p, ",\"atan2(y, x)\"\n");

    const char *a2[] = {"jacobian", "x*y, sin(x) + y", "--at",   "x=2",
                        "--at",     "y=0.5",           "--json", NULL};
    cr_assert_eq(run(ad_cmd_jacobian, a2, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strstr(out, "\"jacobian\": [\n    [0.5, 2],\n    "
                          "[-0.4161468365471424, 1]\n  ]") != NULL,
              "%s", out);
    cr_assert(strstr(out, "{\"name\": \"x\", \"value\": 2}") != NULL, "%s",
              out);

    const char *a3[] = {"hessian", "x^2*y",     "--vars", "y,x",
                        "--at",    "x=2,y=0.5", "--csv",  NULL};
    cr_assert_eq(run(ad_cmd_hessian, a3, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    /* Ordered by --vars: y first. */
    cr_assert_str_eq(out, "output,value,d2/d,dy,dx\n"
                          "f,2,,,\n"
                          "f,,dy,0,4\n"
                          "f,,dx,4,1\n");
}

Test(cmd, graph)
{
    char out[8192], err[1024];
    const char *a1[] = {"graph", "sin(x^2)", "--at", "x=2", NULL};
    cr_assert_eq(run(ad_cmd_graph, a1, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strstr(out, "v2 = sqr v1   value 4 ") != NULL, "%s", out);
    cr_assert(strstr(out, "v3 = sin v2   value -0.7568024953079282  adjoint "
                          "1\n") != NULL,
              "%s", out);
    const char *a2[] = {"graph", "sin(x^2)", "--dot", NULL};
    cr_assert_eq(run(ad_cmd_graph, a2, out, sizeof out, err, sizeof err), 0);
    cr_assert(strstr(out, "digraph admix") != NULL);
    cr_assert(strstr(out, "value") == NULL);
}

/* Without Graphviz on PATH, --png says so plainly and fails. */
Test(cmd, png_without_graphviz)
{
    char out[1024], err[1024];
    cr_assert_eq(setenv("PATH", "/nonexistent-admix-test", 1), 0);
    const char *a[] = {"graph", "sin(x^2)", "--png", "/tmp/admix-x.png", NULL};
    cr_assert_eq(run(ad_cmd_graph, a, out, sizeof out, err, sizeof err), 1);
    cr_assert(strstr(err, "Graphviz's 'dot' is not installed") != NULL, "%s",
              err);
    cr_assert_str_eq(out, "");
}

/* Parse errors: exit status 2 and the column. */
Test(cmd, parse_errors_exit_2)
{
    static const char *const bad[] = {"sin(x",  "x +", "2x",       "(x",
                                      "foo(x)", "x)",  "atan2(x)", ""};
    char out[4096], err[4096];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *args[] = {"eval", bad[k], "--at", "x=1", NULL};
        cr_assert_eq(run(ad_cmd_eval, args, out, sizeof out, err, sizeof err),
                     2, "'%s'", bad[k]);
        cr_assert(strstr(err, "admix eval: column ") != NULL, "%s", err);
        cr_assert_str_eq(out, "");
    }
    const char *a1[] = {"grad", "x*y", "--at", "x=1", NULL};
    cr_assert_eq(run(ad_cmd_grad, a1, out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "no value for 'y' (column 3)") != NULL, "%s", err);
    const char *a2[] = {"grad", "x, y", "--at", "x=1,y=2", NULL};
    cr_assert_eq(run(ad_cmd_grad, a2, out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "--output") != NULL, "%s", err);
    const char *a3[] = {"eval", "x", "--at", "x=(1", NULL};
    cr_assert_eq(run(ad_cmd_eval, a3, out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "--at x=: column 3") != NULL, "%s", err);
    const char *a4[] = {"eval", "x", "--bogus", NULL};
    cr_assert_eq(run(ad_cmd_eval, a4, out, sizeof out, err, sizeof err), 2);
    const char *a5[] = {"eval", "--help", NULL};
    cr_assert_eq(run(ad_cmd_eval, a5, out, sizeof out, err, sizeof err), 0);
    cr_assert(strstr(out, "usage: admix eval") != NULL);
}

/* ---- verify and compare (tools/verify.c, compare.c, problems.c) --------- */

/* The default problem, Rosenbrock with n = 10, passes against MPFR. */
Test(cmd, verify_rosenbrock_passes)
{
    /* The JSON report holds every reference's whole Hessian. */
    static char out[1 << 20], err[4096];
    const char *a1[] = {"verify", NULL};
    cr_assert_eq(run(ad_cmd_verify, a1, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strstr(out, "verify gradient of rosenbrock: n = 10, m = 1") !=
                  NULL,
              "%s", out);
    cr_assert(strstr(out, "PASS: 10 of 10 entries pass") != NULL, "%s", out);
    cr_assert(strstr(out, "reference    mpfr (256 bits)") != NULL, "%s", out);

    /* The Hessian of the MLP by hyper-duals, as JSON, with the Taylor
     * test: rates 2 and 3 within pyadjoint's margins. */
    const char *a2[] = {"verify",    "mlp",    "--n",       "3",
                        "--hessian", "--mode", "hyperdual", "--json",
                        "--taylor",  NULL};
    cr_assert_eq(run(ad_cmd_verify, a2, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strncmp(out, "{\n  \"problem\": \"mlp\"", 20) == 0, "%s", out);
    const char *r1 = strstr(out, "\"min_rate1\": ");
    const char *r2 = strstr(out, "\"min_rate2\": ");
    cr_assert(r1 != NULL && r2 != NULL, "%s", out);
    cr_assert(fabs(strtod(r1 + 13, NULL) - 2.0) < 0.1);
    cr_assert(fabs(strtod(r2 + 13, NULL) - 3.0) < 0.1);
    cr_assert(strstr(out, "\"pass\": true\n}\n") != NULL, "%s", out);

    /* A Jacobian (reaction, m = n = 4) at a point given by value. */
    const char *a3[] = {"verify", "reaction", "--n", "4", "--at", "0.25", NULL};
    cr_assert_eq(run(ad_cmd_verify, a3, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strstr(out, "PASS: 16 of 16 entries pass") != NULL, "%s", out);
}

/* An expression: its tape's derivative against finite differences and the
 * MPFR replay; the seed example's Hessian d2/dx2 sin(x^2) = 2 cos(x^2) -
 * 4 x^2 sin(x^2) at 2. */
Test(cmd, verify_expression)
{
    static char out[32768], err[4096];
    const char *a1[] = {"verify",    "sin(x^2)", "--at", "x=2",
                        "--hessian", "--csv",    NULL};
    cr_assert_eq(run(ad_cmd_verify, a1, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    /* The CSV has one line per entry; the tested value is the Hessian. */
    const char *line = strchr(out, '\n');
    cr_assert_not_null(line);
    cr_assert(strncmp(line + 1, "0,0,", 4) == 0, "%s", out);
    double h = strtod(line + 5, NULL);
    double want = 2.0 * cos(4.0) - 16.0 * sin(4.0);
    cr_assert(fabs(h - want) <= 1e-12 * fabs(want), "%.17g", h);
    cr_assert(strstr(err, "MPFR replay of the tape") != NULL, "%s", err);
    cr_assert(strstr(err, ": pass") != NULL, "%s", err);

    const char *a2[] = {"verify", "x*y + exp(-y), hypot(x, y)", "--at",
                        "x=2,y=0.5", NULL};
    cr_assert_eq(run(ad_cmd_verify, a2, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strstr(out, "verify jacobian of") != NULL, "%s", out);
    cr_assert(strstr(out, "PASS: 4 of 4 entries pass") != NULL, "%s", out);
    cr_assert(strstr(out, "max error 0 ulps entrywise") != NULL, "%s", out);
}

/* Usage errors of verify and compare: exit status 2 and a message. */
Test(cmd, verify_compare_usage_errors)
{
    static char out[16384], err[4096];
    const char *a1[] = {"verify", "reaction", "--hessian", NULL};
    cr_assert_eq(run(ad_cmd_verify, a1, out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "--hessian needs one output") != NULL, "%s", err);
    const char *a2[] = {"verify", "x^3", "--at", "x=1", "--sweep", NULL};
    cr_assert_eq(run(ad_cmd_verify, a2, out, sizeof out, err, sizeof err), 2);
    const char *a3[] = {"verify", "--mode", "sideways", NULL};
    cr_assert_eq(run(ad_cmd_verify, a3, out, sizeof out, err, sizeof err), 2);
    const char *a4[] = {"compare", "sin(x", "--at", "x=1", NULL};
    cr_assert_eq(run(ad_cmd_compare, a4, out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "admix compare: column 6") != NULL, "%s", err);
    const char *a5[] = {"compare", "x*y", "--at", "x=1", NULL};
    cr_assert_eq(run(ad_cmd_compare, a5, out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "no value for 'y'") != NULL, "%s", err);
    const char *a6[] = {"compare", "rosenbrock", "--at", "1,2", NULL};
    cr_assert_eq(run(ad_cmd_compare, a6, out, sizeof out, err, sizeof err), 2);
    const char *a7[] = {"compare", "--help", NULL};
    cr_assert_eq(run(ad_cmd_compare, a7, out, sizeof out, err, sizeof err), 0);
    cr_assert(strstr(out, "usage: admix compare") != NULL);
}

/* The error column of one CSV row of compare ("first,reverse,ok,..."):
 * its rel_err, the last field; NaN when the row is missing. */
static double compare_err(const char *out, const char *what, const char *method)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s,%s,ok,", what, method);
    const char *r = strstr(out, key);
    if (r == NULL)
        return NAN;
    const char *end = strchr(r + 1, '\n');
    const char *c = end - 1;
    while (*c != ',')
        c--;
    return strtod(c + 1, NULL);
}

/* compare: every mode's row is present and its error against MPFR small
 * (the AD modes to rounding, the differences to their truncation). */
Test(cmd, compare_rows_and_errors)
{
    static char out[32768], err[4096];
    const char *a1[] = {"compare", "rosenbrock", "--n", "6",
                        "--quick", "--csv",      NULL};
    cr_assert_eq(run(ad_cmd_compare, a1, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(
        strncmp(out, "what,method,status,seconds,ratio,tape_bytes,", 44) == 0);
    static const char *const exact[] = {"forward dual", "forward dualv",
                                        "reverse",      "tape reverse",
                                        "tape forward", "complex step"};
    for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++) {
        double e = compare_err(out, "first", exact[k]);
        cr_assert(e <= 1e-15, "%s: %g\n%s", exact[k], e, out);
    }
    cr_assert(compare_err(out, "first", "fd central") <= 1e-8, "%s", out);
    cr_assert(compare_err(out, "first", "fd forward") <= 1e-5, "%s", out);
    cr_assert(compare_err(out, "hessian", "for_rev") <= 1e-15, "%s", out);
    cr_assert(compare_err(out, "hessian", "hyperdual") <= 1e-15, "%s", out);
    cr_assert(compare_err(out, "hessian", "fd_rev") <= 1e-7, "%s", out);
    cr_assert(strstr(out, "\nfirst,mpfr,ok,") != NULL, "%s", out);

    /* An expression with two outputs: a Jacobian, on its tape; no
     * forward-mode or complex-step rows, no Hessian. */
    const char *a2[] = {"compare", "x*y + exp(-y), hypot(x, y)",
                        "--at",    "x=2,y=0.5",
                        "--quick", "--csv",
                        NULL};
    cr_assert_eq(run(ad_cmd_compare, a2, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(compare_err(out, "first", "reverse") <= 1e-15, "%s", out);
    cr_assert(compare_err(out, "first", "tape forward") <= 1e-15, "%s", out);
    cr_assert(compare_err(out, "first", "fd central") <= 1e-8, "%s", out);
    cr_assert(isnan(compare_err(out, "first", "forward dual")), "%s", out);
    cr_assert(strstr(out, "\nhessian,") == NULL, "%s", out);
}

/* graph on a built-in problem: Rosenbrock with n = 3 records 8 nodes per
 * term (2 terms), 1 for the inputs and a final add; with --at the values
 * and adjoints are printed, the adjoints of the inputs being the gradient
 * (checked against its closed form at the point 0.5, 0.25, 2). */
Test(cmd, graph_builtin_problem)
{
    char out[16384], err[1024];
    const char *a[] = {"graph", "rosenbrock", "--n", "3",
                       "--at",  "0.5,0.25,2", NULL};
    cr_assert_eq(run(ad_cmd_graph, a, out, sizeof out, err, sizeof err), 0,
                 "%s", err);
    cr_assert(strstr(out, "3 inputs, 1 output") != NULL, "%s", out);
    const char *in = strstr(out, "= inputs x0 x1 x2");
    cr_assert_not_null(in, "%s", out);
    const char *adj = strstr(in, "adjoint [");
    cr_assert_not_null(adj);
    double x[3] = {0.5, 0.25, 2.0}, g[3] = {0, 0, 0};
    for (int i = 0; i < 2; i++) {
        double t = x[i + 1] - x[i] * x[i];
        g[i] += -400.0 * x[i] * t - 2.0 * (1.0 - x[i]);
        g[i + 1] += 200.0 * t;
    }
    char *p = (char *)adj + 9;
    for (int i = 0; i < 3; i++) {
        double v = strtod(p, &p);
        cr_assert(fabs(v - g[i]) <= 1e-12 * fmax(1.0, fabs(g[i])),
                  "adjoint of x%d: %.17g, want %.17g", i, v, g[i]);
    }
    /* --n on an expression is a usage error. */
    const char *b[] = {"graph", "sin(x)", "--n", "3", NULL};
    cr_assert_eq(run(ad_cmd_graph, b, out, sizeof out, err, sizeof err), 2);
    cr_assert(strstr(err, "--n applies to a built-in problem") != NULL);
}

/* compare --plot without gnuplot on PATH: the table is printed, then a
 * message says why there is no picture, and the status is 1. */
Test(cmd, compare_plot_without_gnuplot)
{
    static char out[65536];
    char err[2048];
    const char *old = getenv("PATH");
    char *saved = old != NULL ? strdup(old) : NULL;
    cr_assert(setenv("PATH", "/nonexistent", 1) == 0);
    const char *a[] = {"compare", "speelpenning", "--n",   "3",
                       "--quick", "--plot",       "x.png", NULL};
    int rc = run(ad_cmd_compare, a, out, sizeof out, err, sizeof err);
    if (saved != NULL) {
        setenv("PATH", saved, 1);
        free(saved);
    }
    cr_assert_eq(rc, 1, "%s", err);
    cr_assert(strstr(err, "gnuplot is not installed") != NULL, "%s", err);
    cr_assert(strstr(out, "tape reverse") != NULL, "%s", out);
}
