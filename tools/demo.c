/* demo.c -- `admix demo`: the seed example y = sin(x^2) at x = 2, its
 * intermediate a = x^2 with the adjoint a_bar = dy/da, and dy/dx (and
 * d2y/dx2) computed by every mode admix has, each next to the analytic
 * value.
 *
 * The table is a list of rows; each row names a quantity and a method and
 * points to a function computing it at x.  Adding a mode (reverse, MPFR,
 * ...) is one function and one line in `rows` below.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

#define AD_TEMPLATE "demo.inc"
#include <admix/instantiate.h>

/* The lane of ad_dualv the demo seeds: the last one, to show that a lane
 * other than the first carries its own derivative. */
#define DEMO_LANE (AD_LANES - 1)

/* ---- the analytic values ------------------------------------------------ */

static double exact_y(double x)
{
    return sin(x * x);
}
static double exact_a(double x)
{
    return x * x;
}
/* a_bar = dy/da = cos(a). */
static double exact_abar(double x)
{
    return cos(x * x);
}
/* dy/dx = 2x cos(x^2). */
static double exact_d1(double x)
{
    return 2.0 * x * cos(x * x);
}
/* d2y/dx2 = 2 cos(x^2) - 4x^2 sin(x^2). */
static double exact_d2(double x)
{
    return 2.0 * cos(x * x) - 4.0 * x * x * sin(x * x);
}

/* ---- each mode's way to the same numbers -------------------------------- */

static double y_double(double x)
{
    double y;
    ad_demo_seed_double(&x, &y, NULL);
    return y;
}

static double a_double(double x)
{
    return demo_square_double(x);
}

/* A forward pass through the second step only, seeded at a: its tangent is
 * dy/da, the adjoint of a. */
static double abar_dual(double x)
{
    ad_dual a = ad_dual_make(demo_square_double(x), 1.0);
    return demo_sin_dual(a).d;
}

static double d1_dual(double x)
{
    ad_dual X = ad_dual_make(x, 1.0), Y;
    ad_demo_seed_dual(&X, &Y, NULL);
    return Y.d;
}

static double d1_dualv(double x)
{
    ad_dualv X = ad_dualv_make(x, DEMO_LANE), Y;
    ad_demo_seed_dualv(&X, &Y, NULL);
    return Y.d[DEMO_LANE];
}

/* Seeding both e1 and e2 with 1: d1 = f', d12 = f''. */
static double d1_hdual(double x)
{
    ad_hdual X = ad_hdual_make(x, 1.0, 1.0, 0.0), Y;
    ad_demo_seed_hdual(&X, &Y, NULL);
    return Y.d1;
}

static double d2_hdual(double x)
{
    ad_hdual X = ad_hdual_make(x, 1.0, 1.0, 0.0), Y;
    ad_demo_seed_hdual(&X, &Y, NULL);
    return Y.d12;
}

/* f(x + ih) = f(x) + ih f'(x) + O(h^2): no subtraction, so h can be tiny
 * and Im f / h is f' to full precision (Squire & Trapp, SIAM Rev. 1998). */
static double d1_cstep(double x)
{
    const double h = 1e-200;
    double complex X = AD__CMPLX(x, h), Y;
    ad_demo_seed_complex(&X, &Y, NULL);
    return cimag(Y) / h;
}

/* ---- reverse mode: the tape -------------------------------------------- */

/* Records the seed function at x0 on a new tape; NULL on failure. */
static ad_tape *record_seed(double x0)
{
    ad_tape *t = ad_tape_new();
    if (t == NULL || ad_tape_begin(t) != AD_OK) {
        ad_tape_free(t);
        return NULL;
    }
    ad_var x = ad_independent(x0), y;
    ad_demo_seed_var(&x, &y, NULL);
    ad_dependent(y);
    if (ad_tape_end(t) != AD_OK) {
        ad_tape_free(t);
        return NULL;
    }
    return t;
}

/* The sweeps of the rows below, on a tape of the seed function. */
enum { SW_GRADIENT, SW_EVAL, SW_JVP, SW_MPFR, SW_HVP };

/* Records the seed function at xrec, runs one sweep at x (x == xrec: at the
 * recorded point; else a replay, no retracing); NaN if anything fails. */
static double tape_sweep(double xrec, double x, int sweep)
{
    ad_tape *t = record_seed(xrec);
    const double *at = x == xrec ? NULL : &x;
    double one = 1.0, r = NAN;
    int rc = AD_EINVAL;
    if (t != NULL)
        rc = sweep == SW_GRADIENT ? ad_tape_gradient(t, at, &r)
             : sweep == SW_EVAL   ? ad_tape_eval(t, at, &r)
             : sweep == SW_MPFR
                 ? ad_tape_mpfr_gradient(t, at, AD_MPFR_PREC_DEFAULT, &r)
             : sweep == SW_HVP ? ad_tape_hvp(t, at, &one, &r)
                               : ad_tape_jvp(t, at, &one, NULL, &r);
    ad_tape_free(t);
    return rc == AD_OK ? r : NAN;
}

/* One reverse sweep on the tape recorded at x. */
static double d1_reverse(double x)
{
    return tape_sweep(x, x, SW_GRADIENT);
}

/* Recorded at another point (x + 1), replayed at x. */
static double d1_replay(double x)
{
    return tape_sweep(x + 1.0, x, SW_GRADIENT);
}

/* y by replaying the tape recorded at x + 1. */
static double y_replay(double x)
{
    return tape_sweep(x + 1.0, x, SW_EVAL);
}

/* A forward (tangent) sweep over the tape. */
static double d1_tape_jvp(double x)
{
    return tape_sweep(x, x, SW_JVP);
}

/* The tape replayed in 256-bit MPFR, the adjoint rounded once: the
 * reference the verify module compares every mode against. */
static double d1_mpfr(double x)
{
    return tape_sweep(x, x, SW_MPFR);
}

/* Forward-over-reverse on the tape: H v with v = 1. */
static double d2_for_rev(double x)
{
    return tape_sweep(x, x, SW_HVP);
}

/* Central differences of f, h = cbrt(eps) max(1, |x|): truncation and
 * rounding leave about 1e-9 here, where every AD mode is exact. */
static double d1_central(double x)
{
    double h = 6.0554544523933395e-06 * (fabs(x) > 1.0 ? fabs(x) : 1.0);
    return (y_double(x + h) - y_double(x - h)) / (2.0 * h);
}

/* The reverse sweep of the second step alone, y = sin(a) with a an input:
 * the adjoint a_bar that the full sweep passes down to a. */
static double abar_reverse(double x)
{
    ad_tape *t = ad_tape_new();
    double g = NAN;
    if (t != NULL && ad_tape_begin(t) == AD_OK) {
        ad_var a = ad_independent(demo_square_double(x));
        ad_dependent(demo_sin_var(a));
        if (ad_tape_end(t) != AD_OK || ad_tape_gradient(t, NULL, &g) != AD_OK)
            g = NAN;
    }
    ad_tape_free(t);
    return g;
}

/* ---- the table ---------------------------------------------------------- */

typedef struct demo_row {
    const char *quantity; /* what is computed: "dy/dx" */
    const char *method;   /* how */
    double (*value)(double x);
    double (*exact)(double x); /* the analytic value; NULL: not compared */
} demo_row;

static const demo_row rows[] = {
    {"y", "analytic sin(x^2)", exact_y, NULL},
    {"y", "f in double", y_double, exact_y},
    {"y", "tape recorded at x + 1, replayed at x", y_replay, exact_y},
    {"a", "x^2, the intermediate", a_double, exact_a},
    {"a_bar", "analytic dy/da = cos(a)", exact_abar, NULL},
    {"a_bar", "dual pass seeded at a (ad_dual)", abar_dual, exact_abar},
    {"a_bar", "reverse sweep of y = sin(a) (ad_var)", abar_reverse,
     exact_abar},
    {"dy/dx", "analytic 2x cos(x^2)", exact_d1, NULL},
    {"dy/dx", "dual numbers (ad_dual)", d1_dual, exact_d1},
    {"dy/dx", "vector dual, last lane (ad_dualv)", d1_dualv, exact_d1},
    {"dy/dx", "hyper-dual (ad_hdual)", d1_hdual, exact_d1},
    {"dy/dx", "complex step, h = 1e-200", d1_cstep, exact_d1},
    {"dy/dx", "reverse mode: tape + adjoint sweep", d1_reverse, exact_d1},
    {"dy/dx", "tape recorded at x + 1, swept at x", d1_replay, exact_d1},
    {"dy/dx", "tangent sweep over the tape (jvp)", d1_tape_jvp, exact_d1},
    {"dy/dx", "MPFR replay of the tape, 256 bits", d1_mpfr, exact_d1},
    {"dy/dx", "central differences, h = cbrt(eps)", d1_central, exact_d1},
    {"d2y/dx2", "analytic 2cos(x^2) - 4x^2 sin(x^2)", exact_d2, NULL},
    {"d2y/dx2", "hyper-dual (ad_hdual)", d2_hdual, exact_d2},
    {"d2y/dx2", "forward-over-reverse on the tape (hvp)", d2_for_rev,
     exact_d2},
};

static void print_table(FILE *out, double x)
{
    const int nrows = (int)(sizeof rows / sizeof rows[0]);
    int wq = (int)strlen("quantity"), wm = (int)strlen("method");
    for (int i = 0; i < nrows; i++) {
        int q = (int)strlen(rows[i].quantity), m = (int)strlen(rows[i].method);
        wq = q > wq ? q : wq;
        wm = m > wm ? m : wm;
    }

    fprintf(out,
            "admix demo: y = f(x) = sin(x^2) at x = %.17g (AD_LANES = %d)\n\n",
            x, AD_LANES);
    fprintf(out, "%-*s  %-*s  %-24s  %s\n", wq, "quantity", wm, "method",
            "value", "value - analytic");
    for (int i = 0; i < nrows; i++) {
        const demo_row *r = &rows[i];
        /* A blank line between quantities keeps the groups apart. */
        if (i > 0 && strcmp(r->quantity, rows[i - 1].quantity) != 0)
            fputc('\n', out);
        double v = r->value(x);
        fprintf(out, "%-*s  %-*s  ", wq, r->quantity, wm, r->method);
        if (!r->exact) {
            fprintf(out, "% .17g\n", v);
            continue;
        }
        double e = v - r->exact(x);
        fprintf(out, "% -24.17g  ", v);
        if (e == 0.0)
            fprintf(out, "0\n");
        else
            fprintf(out, "% .2e\n", e);
    }
}

/* ---- the command -------------------------------------------------------- */

void ad_cmd_demo_usage(FILE *out)
{
    fprintf(out,
            "usage: %s demo [--x X]\n"
            "\n"
            "Prints the seed example y = f(x) = sin(x^2) at x = 2: the value, "
            "the\n"
            "intermediate a = x^2 and its adjoint a_bar = dy/da, and dy/dx "
            "computed by\n"
            "every available mode (dual numbers, a vector-dual lane, "
            "hyper-duals, the\n"
            "complex step, the tape: reverse sweep, replay at a new point, "
            "tangent\n"
            "sweep), with d2y/dx2 by hyper-duals, each next to its analytic "
            "value.\n"
            "\n"
            "  --x X       evaluate at X instead of 2\n"
            "  -h, --help  this text\n",
            ad_cmd_prog);
}

int ad_cmd_demo(int argc, char **argv)
{
    double x = 2.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            ad_cmd_demo_usage(stdout);
            return AD_CMD_OK;
        }
        if (!strcmp(argv[i], "--x")) {
            char *end;
            if (i + 1 >= argc) {
                fprintf(stderr, "%s demo: --x needs a value\n", ad_cmd_prog);
                return AD_CMD_USAGE;
            }
            const char *s = argv[++i];
            x = strtod(s, &end);
            if (end == s || *end != '\0' || !isfinite(x)) {
                fprintf(stderr,
                        "%s demo: --x wants a finite number, not '%s'\n",
                        ad_cmd_prog, s);
                return AD_CMD_USAGE;
            }
            continue;
        }
        fprintf(stderr, "%s demo: unknown argument '%s'\n", ad_cmd_prog,
                argv[i]);
        ad_cmd_demo_usage(stderr);
        return AD_CMD_USAGE;
    }
    print_table(stdout, x);
    ad_thread_release(); /* the sweeps' buffers of this thread */
    return AD_CMD_OK;
}
