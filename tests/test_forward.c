/* test_forward.c -- forward mode: ad_dual, ad_dualv, ad_hdual, the complex
 * step and plain double, through the write-once templates of
 * test_forward.inc and through the type-generic macros.
 *
 * References are analytic formulas evaluated in MPFR (or in long double
 * where noted, with the tolerance justified there), or another mode where
 * the two must agree bitwise because they perform the same floating-point
 * operations in the same order.  Nothing here names a primitive where the
 * table could be expanded instead. */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "primitive.h" /* internal: the primitives' samplers */
#include "ulp.h"

#include <admix.h>

/* ---- what the template needs in each type ------------------------------ */

/* The complex step h: a power of two, so that Im f(x + ih) / h is exact
 * division, and small enough that the O(h^2) term vanishes entirely. */
#define H_CSTEP 0x1p-66

static const char name_double[] = "double";
static const char name_complex[] = "double complex";
static const char name_dual[] = "ad_dual";
static const char name_dualv[] = "ad_dualv";
static const char name_hdual[] = "ad_hdual";
static const char name_var[] = "ad_var";

static const int has_tangent_double = 0;
static const int has_tangent_complex = 1;
static const int has_tangent_dual = 1;
static const int has_tangent_dualv = 1;
static const int has_tangent_hdual = 1;
/* ad_var is checked here on constants (values and types only); its
 * derivatives are test_reverse's. */
static const int has_tangent_var = 0;

/* Equal as doubles, or both NaN. */
static int same_d(double a, double b)
{
    return a == b || (a != a && b != b);
}
#define SAME_D(a, b) same_d((a), (b))

/* |got - want| <= k eps |want|; exact where want is 0 or infinite. */
static int near_rel(double got, double want, double k)
{
    if (want == 0.0 || isinf(want))
        return got == want;
    return fabs(got - want) <= k * DBL_EPSILON * fabs(want);
}
#define NEAR(got, want, k)                                                     \
    cr_expect(near_rel((got), (want), (k)), "%s: %.17g, want %.17g (line %d)", \
              tn, (double)(got), (double)(want), __LINE__)

/* An independent variable with value v and tangent 1 in every direction the
 * type has (every lane of ad_dualv, both e1 and e2 of ad_hdual). */
static double var_double(double v)
{
    return v;
}
static double complex var_complex(double v)
{
    return AD__CMPLX(v, H_CSTEP);
}
static ad_dual var_dual(double v)
{
    return ad_dual_make(v, 1.0);
}
static ad_dualv var_dualv(double v)
{
    ad_dualv r = ad_dualv_const(v);
    for (int k = 0; k < AD_LANES; k++)
        r.d[k] = 1.0;
    return r;
}
static ad_hdual var_hdual(double v)
{
    return ad_hdual_make(v, 1.0, 1.0, 0.0);
}
static ad_var var_var(double v)
{
    return ad_const(ad_var, v);
}

/* The first derivative along the seed of var_*; for ad_dualv and ad_hdual
 * it also checks that every direction carries the same tangent. */
static double tangent_double(double x)
{
    (void)x;
    return NAN;
}
static double tangent_complex(double complex z)
{
    return cimag(z) / H_CSTEP;
}
static double tangent_dual(ad_dual x)
{
    return x.d;
}
static double tangent_dualv(ad_dualv x)
{
    for (int k = 1; k < AD_LANES; k++)
        cr_expect(same_d(x.d[k], x.d[0]), "lane %d: %g vs %g", k, x.d[k],
                  x.d[0]);
    return x.d[0];
}
static double tangent_var(ad_var x)
{
    (void)x;
    return NAN;
}
static double tangent_hdual(ad_hdual x)
{
    cr_expect(same_d(x.d1, x.d2), "d1 %g vs d2 %g", x.d1, x.d2);
    return x.d1;
}

/* x, unknown to the compiler.  GCC evaluates libm calls with constant
 * arguments at compile time, correctly rounded (with MPFR), while a call
 * at run time is glibc's, which may differ by an ulp; where a test compares
 * two computations bitwise, its inputs go through here so that both are run
 * time calls. */
static double runtime(double x)
{
    volatile double v = x;
    return v;
}

#define IS_T(e) _Generic((e), T : 1, default : 0)

#define AD_TEMPLATE "test_forward.inc"
#include <admix/instantiate.h>
AD_FN(seed, 1, 1)
AD_FN(many, 3, 2)
AD_FN(hess, 3, 1)

/* ---- the seed example ---------------------------------------------------- */

/* sin 4, 4 cos 4 and 2 cos 4 - 16 sin 4 (y, y', y'' of sin(x^2) at 2) in
 * MPFR at 256 bits, each rounded once to double. */
static void seed_reference(double *y, double *dy, double *d2y)
{
    mpfr_t s, c, t;
    mpfr_inits2(256, s, c, t, (mpfr_ptr)0);
    mpfr_set_d(t, 4.0, MPFR_RNDN);
    mpfr_sin_cos(s, c, t, MPFR_RNDN);
    *y = mpfr_get_d(s, MPFR_RNDN);
    mpfr_mul_ui(t, c, 4, MPFR_RNDN);
    *dy = mpfr_get_d(t, MPFR_RNDN);
    mpfr_mul_ui(t, c, 2, MPFR_RNDN);
    mpfr_mul_ui(s, s, 16, MPFR_RNDN);
    mpfr_sub(t, t, s, MPFR_RNDN);
    *d2y = mpfr_get_d(t, MPFR_RNDN);
    mpfr_clears(s, c, t, (mpfr_ptr)0);
}

static int rel15(double got, double want)
{
    return fabs(got - want) <= 1e-15 * fabs(want);
}

Test(forward, seed_every_type)
{
    double y, dy, d2y;
    seed_reference(&y, &dy, &d2y);
    ad_fn f = seed_fn(NULL);
    cr_assert(f.n == 1 && f.m == 1 && f.f_double && f.f_complex && f.f_dual &&
              f.f_dualv && f.f_hdual);

    double x = 2.0, r;
    f.f_double(&x, &r, NULL);
    cr_expect(rel15(r, y), "double: %.17g, want %.17g", r, y);

    /* The complex step: Re f(x + ih) = f(x), Im f(x + ih) / h = f'(x). */
    double complex zx = AD__CMPLX(2.0, H_CSTEP), zr;
    f.f_complex(&zx, &zr, NULL);
    cr_expect(rel15(creal(zr), y), "complex: %.17g", creal(zr));
    cr_expect(rel15(cimag(zr) / H_CSTEP, dy), "complex step: %.17g, want %.17g",
              cimag(zr) / H_CSTEP, dy);

    ad_dual dx = ad_dual_make(2.0, 1.0), dr;
    f.f_dual(&dx, &dr, NULL);
    cr_expect(rel15(dr.v, y) && rel15(dr.d, dy), "dual: %.17g %.17g", dr.v,
              dr.d);

    /* Lane k seeded with (k + 1) / 2 gets (k + 1) / 2 dy/dx. */
    ad_dualv vx = ad_dualv_const(2.0), vr;
    for (int k = 0; k < AD_LANES; k++)
        vx.d[k] = 0.5 * (k + 1);
    f.f_dualv(&vx, &vr, NULL);
    cr_expect(rel15(vr.v, y), "dualv value %.17g", vr.v);
    for (int k = 0; k < AD_LANES; k++)
        cr_expect(rel15(vr.d[k], 0.5 * (k + 1) * dy), "lane %d: %.17g", k,
                  vr.d[k]);

    ad_hdual hx = ad_hdual_make(2.0, 1.0, 1.0, 0.0), hr;
    f.f_hdual(&hx, &hr, NULL);
    cr_expect(rel15(hr.v, y), "hdual value %.17g", hr.v);
    cr_expect(rel15(hr.d1, dy) && rel15(hr.d2, dy), "hdual d1 %.17g d2 %.17g",
              hr.d1, hr.d2);
    cr_expect(rel15(hr.d12, d2y), "hdual d12: %.17g, want %.17g", hr.d12, d2y);

    /* For the record, in ulps of the correctly rounded results. */
    cr_log_info("seed at 2: value %.2f ulp, dy/dx %.2f (dual) %.2f (complex "
                "step), d2y/dx2 %.2f ulp",
                ulp_diff(dr.v, y), ulp_diff(dr.d, dy),
                ulp_diff(cimag(zr) / H_CSTEP, dy), ulp_diff(hr.d12, d2y));
}

/* ---- mixed double/active arguments of every binary primitive ------------ */

static int eq_dual(ad_dual p, ad_dual q)
{
    return same_d(p.v, q.v) && same_d(p.d, q.d);
}
static int eq_dualv(ad_dualv p, ad_dualv q)
{
    int ok = same_d(p.v, q.v);
    for (int k = 0; k < AD_LANES; k++)
        ok = ok && same_d(p.d[k], q.d[k]);
    return ok;
}
static int eq_hdual(ad_hdual p, ad_hdual q)
{
    return same_d(p.v, q.v) && same_d(p.d1, q.d1) && same_d(p.d2, q.d2) &&
           same_d(p.d12, q.d12);
}

/* For one type t at (a, b): _xc(x, b) against the all-active call with b a
 * zero-tangent constant, _cx(a, u) likewise, and the generic macro with a
 * double on either side choosing exactly these functions (result type ad_t,
 * and the same values).  x and u are active with nonzero tangents.  Values
 * are compared with ==, any two NaNs equal: sums with the constant's zero
 * terms may turn -0 into +0, the sign of a NaN depends on an operand order
 * the compiler may commute in one inlined copy and not another, and so does
 * the sign of fmax(+0, -0), which C leaves unspecified. */
#define MIXED_CHECK(t, n, x, u, a, b)                                          \
    do {                                                                       \
        ad_##t p_ = ad_##t##_##n##_xc(x, b);                                   \
        ad_##t q_ = ad_##t##_##n(x, ad_##t##_const(b));                        \
        ad_##t g_ = ad_##n(x, b);                                              \
        if (!eq_##t(p_, q_) || !eq_##t(p_, g_) ||                              \
            !_Generic(ad_##n(x, b), ad_##t : 1, default : 0))                  \
            bad = "ad_" #t "_" #n "_xc";                                       \
        p_ = ad_##t##_##n##_cx(a, u);                                          \
        q_ = ad_##t##_##n(ad_##t##_const(a), u);                               \
        g_ = ad_##n(a, u);                                                     \
        if (!eq_##t(p_, q_) || !eq_##t(p_, g_) ||                              \
            !_Generic(ad_##n(a, u), ad_##t : 1, default : 0))                  \
            bad = "ad_" #t "_" #n "_cx";                                       \
    } while (0)

#define AD_OP1(...)
#define AD_OP1P(...)
#define AD_OP2(N, n, ...)                                                      \
    static const char *mixed_##n(double a, double b)                           \
    {                                                                          \
        const char *bad = NULL;                                                \
        ad_dual x = ad_dual_make(a, 0.7), u = ad_dual_make(b, -1.3);           \
        MIXED_CHECK(dual, n, x, u, a, b);                                      \
        ad_dualv xv = ad_dualv_const(a), uv = ad_dualv_const(b);               \
        for (int k = 0; k < AD_LANES; k++) {                                   \
            xv.d[k] = 0.7 - 0.375 * k;                                         \
            uv.d[k] = -1.3 + 0.25 * k;                                         \
        }                                                                      \
        MIXED_CHECK(dualv, n, xv, uv, a, b);                                   \
        ad_hdual xh = ad_hdual_make(a, 0.7, -0.45, 1.1);                       \
        ad_hdual uh = ad_hdual_make(b, -1.3, 0.8, -0.6);                       \
        MIXED_CHECK(hdual, n, xh, uh, a, b);                                   \
        return bad;                                                            \
    }
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

static const struct {
    int op;
    const char *(*check)(double a, double b);
} mixed_table[] = {
#define AD_OP1(...)
#define AD_OP1P(...)
#define AD_OP2(N, n, ...) {AD_OP_##N, mixed_##n},
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
};

Test(forward, mixed_arguments_every_binary_op)
{
    /* The fallback when a primitive has no sampler yet: a grid through 0,
     * negative and positive values of several magnitudes. */
    static const double grid[] = {-2.5, -0.75, -0.0, 0.0, 0.375, 1.0, 2.385};
    const int ngrid = (int)(sizeof grid / sizeof grid[0]);
    const int nsample = 200;
    int nops = 0, sampled = 0;

    for (size_t i = 0; i < sizeof mixed_table / sizeof mixed_table[0]; i++) {
        int op = mixed_table[i].op;
        const ad__prim *prim = ad__prim_get(op);
        const char *name = ad_op_get(op)->name;
        uint64_t state = 0x5eed0000u + (uint64_t)op;
        int use_sampler = prim != NULL && prim->sample != NULL;
        int n = use_sampler ? nsample : ngrid * ngrid;
        nops++;
        sampled += use_sampler;
        for (int j = 0; j < n; j++) {
            double a, b;
            if (use_sampler) {
                double x[2] = {0.0, 0.0};
                long c = 0;
                prim->sample(&state, x, &c);
                a = x[0];
                b = x[1];
            } else {
                a = grid[j / ngrid];
                b = grid[j % ngrid];
            }
            const char *bad = mixed_table[i].check(a, b);
            cr_expect(bad == NULL, "%s: %s at (%.17g, %.17g)", name,
                      bad ? bad : "", a, b);
            if (bad != NULL)
                break;
        }
    }
    cr_expect(nops > 0);
    cr_log_info("mixed arguments: %d binary primitives, %d with a sampler",
                nops, sampled);
}

/* ---- the type-generic macros in every type ------------------------------- */

Test(forward, generic_macros_every_type)
{
    check_generic_double();
    check_generic_complex();
    check_generic_dual();
    check_generic_dualv();
    check_generic_hdual();
    check_generic_var();
}

/* ---- vector mode --------------------------------------------------------- */

/* Every lane of one ad_dualv pass equals a separate ad_dual pass seeded with
 * that lane's direction, bitwise: both compute each partial once and then
 * the same products and sums per tangent, in the same order.  Lane 0 is the
 * zero direction, whose tangents must come out exactly 0. */
Test(forward, dualv_lanes_equal_dual_passes)
{
    const double x0[3] = {runtime(0.815), runtime(1.385), runtime(-0.645)};
    double dir[AD_LANES][3];
    uint64_t state = 0x1a9e5u;
    for (int k = 0; k < AD_LANES; k++)
        for (int i = 0; i < 3; i++)
            dir[k][i] = k == 0 ? 0.0 : ad__rand_uniform(&state, -2.0, 2.0);

    ad_dualv xv[3], yv[2];
    for (int i = 0; i < 3; i++) {
        xv[i] = ad_dualv_const(x0[i]);
        for (int k = 0; k < AD_LANES; k++)
            xv[i].d[k] = dir[k][i];
    }
    many_dualv(xv, yv, NULL);

    double yd[2];
    many_double(x0, yd, NULL);
    for (int j = 0; j < 2; j++) {
        cr_expect(yv[j].v == yd[j], "output %d: value", j);
        cr_expect(isfinite(yd[j]), "output %d is %g: choose another point", j,
                  yd[j]);
        cr_expect(yv[j].d[0] == 0.0, "output %d: zero lane %g", j, yv[j].d[0]);
    }
    for (int k = 0; k < AD_LANES; k++) {
        ad_dual x[3], y[2];
        for (int i = 0; i < 3; i++)
            x[i] = ad_dual_make(x0[i], dir[k][i]);
        many_dual(x, y, NULL);
        for (int j = 0; j < 2; j++)
            cr_expect(y[j].v == yv[j].v && y[j].d == yv[j].d[k],
                      "lane %d output %d: %.17g vs %.17g", k, j, yv[j].d[k],
                      y[j].d);
    }
}

/* ---- hyper-dual second derivatives -------------------------------------- */

/* The gradient and Hessian of f = sin(xy) + e^x/z + sqrt(y) log z +
 * hypot(x, z) in closed form, in long double (64-bit significand: its
 * rounding errors are 2^-11 of the double ones, negligible against the
 * tolerance below).  mag[i][j] is the sum of the magnitudes of the terms of
 * H[i][j], the scale of its rounding error; gmag likewise for g. */
static void hess_reference(const double *p, long double g[3],
                           long double gmag[3], long double H[3][3],
                           long double mag[3][3])
{
    long double x = p[0], y = p[1], z = p[2];
    long double s = sinl(x * y), c = cosl(x * y), e = expl(x);
    long double sy = sqrtl(y), lz = logl(z), r = hypotl(x, z);
    long double r3 = r * r * r;
    long double t[3][3][3] = {
        {{-y * y * s, e / z, z * z / r3},
         {c, -x * y * s, 0.0L},
         {-e / (z * z), -x * z / r3, 0.0L}},
        {{0},
         {-x * x * s, -lz / (4.0L * y * sy), 0.0L},
         {1.0L / (2.0L * sy * z), 0.0L, 0.0L}},
        {{0}, {0}, {2.0L * e / (z * z * z), -sy / (z * z), x * x / r3}}};
    g[0] = y * c + e / z + x / r;
    g[1] = x * c + lz / (2.0L * sy);
    g[2] = -e / (z * z) + sy / z + z / r;
    gmag[0] = fabsl(y * c) + e / z + fabsl(x / r);
    gmag[1] = fabsl(x * c) + fabsl(lz / (2.0L * sy));
    gmag[2] = e / (z * z) + sy / z + z / r;
    for (int i = 0; i < 3; i++)
        for (int j = i; j < 3; j++) {
            H[i][j] = t[i][j][0] + t[i][j][1] + t[i][j][2];
            mag[i][j] =
                fabsl(t[i][j][0]) + fabsl(t[i][j][1]) + fabsl(t[i][j][2]);
            H[j][i] = H[i][j];
            mag[j][i] = mag[i][j];
        }
}

Test(forward, hdual_hessian_analytic_and_symmetric)
{
    /* Dyadic points with short significands: the product xy is exact, so
     * that the reference and admix differentiate the same function. */
    static const double pts[][3] = {
        {0.8125, 1.375, 2.3125}, {-1.25, 0.4375, 0.6875}, {2.375, 3.5, 1.125}};
    for (size_t n = 0; n < sizeof pts / sizeof pts[0]; n++) {
        const double *p = pts[n];
        long double g[3], gmag[3], H[3][3], mag[3][3];
        hess_reference(p, g, gmag, H, mag);
        ad_hdual d12[3][3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                ad_hdual x[3], y;
                for (int k = 0; k < 3; k++)
                    x[k] = ad_hdual_make(p[k], k == i, k == j, 0.0);
                hess_hdual(x, &y, NULL);
                d12[i][j] = y;
                /* Each entry sums at most three terms; with xy exact (the
                 * points are dyadic with short significands), the rest of
                 * the rounding happens inside the primitives' rules, each
                 * within an ulp or two of its result.  4 eps of the terms'
                 * magnitudes bounds the error whatever the cancellation
                 * (measured: at most 0.62 eps). */
                double tol = 4.0 * DBL_EPSILON * (double)mag[i][j];
                cr_expect(fabsl(y.d12 - H[i][j]) <= tol,
                          "point %zu H[%d][%d] = %.17g, want %.17Lg", n, i, j,
                          y.d12, H[i][j]);
                cr_expect(
                    fabsl(y.d1 - g[i]) <= 4.0 * DBL_EPSILON * (double)gmag[i],
                    "point %zu g[%d] = %.17g, want %.17Lg", n, i, y.d1, g[i]);
            }
        /* Seeds (e_i, e_j) and (e_j, e_i) give the same d12, bitwise: the
         * hyper-dual rules are symmetric in e1 and e2, term by term. */
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                cr_expect(d12[i][j].d12 == d12[j][i].d12 &&
                              d12[i][j].d1 == d12[j][i].d2,
                          "point %zu: H[%d][%d] %.17g vs H[%d][%d] %.17g", n, i,
                          j, d12[i][j].d12, j, i, d12[j][i].d12);
    }
}

/* ---- special values and conventions -------------------------------------- */

Test(forward, special_values_and_conventions)
{
    check_special_dual();
    check_special_dualv();
    check_special_hdual();
}

/* Second-order parts of the conventions, where ad_hdual defines them: a
 * kink or tie has second derivative 0 on either side. */
Test(forward, special_values_second_order)
{
    ad_hdual x = ad_hdual_make(0.0, 1.0, 1.0, 0.0);
    cr_expect(ad_fabs(x).d12 == 0.0);
    ad_hdual t = ad_hdual_make(1.5, 1.0, 1.0, 0.0);
    cr_expect(ad_fmin(t, 1.5).d12 == 0.0 && ad_fmax(t, t).d12 == 0.0);
    cr_expect(ad_hypot(x, 0.0).d12 == 0.0);
    ad_hdual m = ad_hdual_make(-1.0, 1.0, 1.0, 0.0);
    cr_expect(isnan(ad_log(m).d12));
}

/* ---- forward values are plain data --------------------------------------- */

/* Nothing in forward mode allocates: its types are plain structs of
 * doubles, passed and returned by value, and every operation is a static
 * inline function of <admix/forward.h> without state.  Proving "no malloc"
 * from inside a C test would need a malloc-interposing wrapper, fragile
 * and at odds with Criterion, which allocates itself; the allocation check
 * is left to valgrind on a program without Criterion (the template `many`
 * run in double, ad_dual, ad_dualv and ad_hdual reports "total heap usage:
 * 0 allocs").  Here: the layout is exactly the doubles, so values can be
 * copied with memcpy, zero-initialised with {0} and stored in arrays
 * without padding. */
_Static_assert(sizeof(ad_dual) == 2 * sizeof(double), "ad_dual is {v, d}");
_Static_assert(sizeof(ad_dualv) == (1 + AD_LANES) * sizeof(double),
               "ad_dualv is {v, d[AD_LANES]}");
_Static_assert(sizeof(ad_hdual) == 4 * sizeof(double),
               "ad_hdual is {v, d1, d2, d12}");

Test(forward, plain_data)
{
    ad_hdual h[2] = {{0}};
    cr_expect(h[1].v == 0.0 && h[1].d12 == 0.0);
    cr_expect(sizeof h == 8 * sizeof(double));

    ad_dualv v = ad_dualv_make(2.385, AD_LANES - 1), w;
    memcpy(&w, &v, sizeof v);
    cr_expect(w.v == 2.385 && w.d[AD_LANES - 1] == 1.0);
    ad_dualv none = ad_dualv_make(1.0, AD_LANES);
    for (int k = 0; k < AD_LANES; k++)
        cr_expect(none.d[k] == 0.0, "lane %d seeded out of range", k);

    /* The fields are where the contract says. */
    ad_dual d = ad_dual_make(1.5, -2.5);
    double raw[2];
    memcpy(raw, &d, sizeof d);
    cr_expect(raw[0] == 1.5 && raw[1] == -2.5);
    ad_hdual hh = ad_hdual_make(1.0, 2.0, 3.0, 4.0);
    double rh[4];
    memcpy(rh, &hh, sizeof hh);
    cr_expect(rh[0] == 1.0 && rh[1] == 2.0 && rh[2] == 3.0 && rh[3] == 4.0);

    /* ad_fn holds every instantiation. */
    ad_fn f = many_fn(NULL);
    cr_expect(f.n == 3 && f.m == 2 && f.f_dualv == many_dualv &&
              f.f_var == many_var && strcmp(f.name, "many") == 0);
}
