/* test_cxx.cpp -- the C++ interface <admix.hpp>: operators and math
 * overloads give exactly what the C functions give (bit for bit, up to the
 * sign of NaNs and of zeros; see same()), generic templates instantiate
 * with double and with every forward type, and the seed example is right
 * against MPFR. */
#include <cmath>
#include <cstddef>
#include <cstring>

#include <criterion/criterion.h>
#include <mpfr.h>

#include <admix.hpp>

/* Equality of two plain-data values double by double (all admix types are
 * arrays of doubles without padding): the same bits, except that any two
 * NaNs are equal and so are +0 and -0.  Those two exceptions are not admix's
 * to fix: the sign and payload of a NaN depend on the order of the operands
 * of an operation, which the compiler may commute differently in two
 * inlined copies of the same source (seen: the hyper-dual d12 of atan2 at
 * the origin is -nan in one copy and nan in another), and C leaves the sign
 * of fmax(+0, -0) unspecified (seen: -0 and +0 from the same call in two
 * contexts). */
template <class T> static bool same(const T &a, const T &b)
{
    static_assert(sizeof(T) % sizeof(double) == 0, "a struct of doubles");
    double x[sizeof(T) / sizeof(double)], y[sizeof(T) / sizeof(double)];
    std::memcpy(x, &a, sizeof a);
    std::memcpy(y, &b, sizeof b);
    for (std::size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        bool nans = std::isnan(x[i]) && std::isnan(y[i]);
        bool zeros = x[i] == 0.0 && y[i] == 0.0;
        if (!nans && !zeros && std::memcmp(&x[i], &y[i], sizeof x[i]) != 0)
            return false;
    }
    return true;
}

/* x, unknown to the compiler: GCC evaluates libm calls with constant
 * arguments at compile time, correctly rounded, while a run-time call is
 * glibc's and may differ by an ulp; inputs of bitwise comparisons go
 * through here so that both sides are run-time calls. */
static double runtime(double x)
{
    volatile double v = x;
    return v;
}

static bool close_rel(double got, double ref, double tol)
{
    return std::fabs(got - ref) <= tol * std::fabs(ref);
}

/* The seed example's analytic results at x = 2, in MPFR at 256 bits and
 * rounded once to double: sin 4, 4 cos 4 and 2 cos 4 - 16 sin 4. */
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

/* The seed function, written once with operators for any number type. */
template <class T> static T seed(T x)
{
    return sin(x * x);
}

Test(cxx, seed_with_operators)
{
    double y, dy, d2y;
    seed_reference(&y, &dy, &d2y);

    ad_dual r = seed(admix::make_dual(2.0, 1.0));
    cr_expect(close_rel(r.v, y, 1e-15), "y = %.17g, want %.17g", r.v, y);
    cr_expect(close_rel(r.d, dy, 1e-15), "dy/dx = %.17g, want %.17g", r.d, dy);
    cr_expect(close_rel(r.v, -0.7568024953079282, 1e-15));

    ad_hdual h = seed(admix::make_hdual(2.0, 1.0, 1.0, 0.0));
    cr_expect(close_rel(h.v, y, 1e-15));
    cr_expect(close_rel(h.d1, dy, 1e-15));
    cr_expect(close_rel(h.d2, dy, 1e-15));
    cr_expect(close_rel(h.d12, d2y, 1e-15), "d2y = %.17g, want %.17g", h.d12,
              d2y);

    /* The same computation through the C functions, bitwise. */
    ad_dual x = ad_dual_make(2.0, 1.0);
    cr_expect(same(r, ad_dual_sin(ad_dual_mul(x, x))));
    cr_expect(seed(2.0) == ad_double_sin(ad_double_mul(2.0, 2.0)));
}

/* A generic model that uses operators with doubles on both sides, compound
 * assignment, and many primitives, both those of <math.h> (found for double
 * as the C functions) and those C lacks (sqr, inv, powi: found for double
 * in namespace admix). */
template <class T> static T model(T x, T y)
{
    using namespace admix;
    T r = sin(x * y) + 3.0 * exp(-x) / (1.0 + sqr(y));
    r = r - powi(x, 3) / 7.0 + pow(x, y) + pow(y, 2.5) + pow(1.5, x);
    r += hypot(x, 2.0) * atan2(y, x) - fmin(x, y) * fabs(y - 4.0);
    r *= 0.5;
    r -= log1p(x) * inv(y);
    r /= 1.5 + erf(y);
    return -r + tanh(fmax(2.0, y)) - lgamma(x);
}

/* The model again through the C functions of one forward type t, in the
 * same order of operations, so that it must agree bitwise. */
#define MODEL_C(t)                                                             \
    static ad_##t model_c(ad_##t x, ad_##t y)                                  \
    {                                                                          \
        ad_##t r = ad_##t##_add(                                               \
            ad_##t##_sin(ad_##t##_mul(x, y)),                                  \
            ad_##t##_div(ad_##t##_mul_cx(3.0, ad_##t##_exp(ad_##t##_neg(x))),  \
                         ad_##t##_add_cx(1.0, ad_##t##_sqr(y))));              \
        r = ad_##t##_sub(r, ad_##t##_div_xc(ad_##t##_powi(x, 3), 7.0));        \
        r = ad_##t##_add(r, ad_##t##_pow(x, y));                               \
        r = ad_##t##_add(r, ad_##t##_pow_xc(y, 2.5));                          \
        r = ad_##t##_add(r, ad_##t##_pow_cx(1.5, x));                          \
        ad_##t p =                                                             \
            ad_##t##_mul(ad_##t##_hypot_xc(x, 2.0), ad_##t##_atan2(y, x));     \
        ad_##t q = ad_##t##_mul(ad_##t##_fmin(x, y),                           \
                                ad_##t##_fabs(ad_##t##_sub_xc(y, 4.0)));       \
        r = ad_##t##_add(r, ad_##t##_sub(p, q));                               \
        r = ad_##t##_mul_xc(r, 0.5);                                           \
        r = ad_##t##_sub(r, ad_##t##_mul(ad_##t##_log1p(x), ad_##t##_inv(y))); \
        r = ad_##t##_div(r, ad_##t##_add_cx(1.5, ad_##t##_erf(y)));            \
        r = ad_##t##_add(ad_##t##_neg(r),                                      \
                         ad_##t##_tanh(ad_##t##_fmax_cx(2.0, y)));             \
        return ad_##t##_sub(r, ad_##t##_lgamma(x));                            \
    }
MODEL_C(dual)
MODEL_C(dualv)
MODEL_C(hdual)

Test(cxx, generic_template_in_every_type)
{
    const double a = runtime(1.385), b = runtime(0.815);

    double v = model(a, b);
    ad_dual d = model(admix::make_dual(a, 1.0), admix::make_dual(b, -0.5));
    ad_hdual h = model(admix::make_hdual(a, 1.0, 0.25, 0.0),
                       admix::make_hdual(b, -0.5, 2.0, 0.0));
    ad_dualv xv = admix::make_dualv(a, 0), yv = admix::make_dualv(b, 1);
    ad_dualv vv = model(xv, yv);

    /* Every type computes the same value, bitwise: the value part of each
     * rule is the double rule. */
    cr_expect(d.v == v && h.v == v && vv.v == v, "%.17g %.17g %.17g %.17g", v,
              d.v, h.v, vv.v);
    /* ad_hdual's e1 part is an ad_dual pass with the same seed. */
    cr_expect(h.d1 == d.d, "%.17g vs %.17g", h.d1, d.d);

    /* Bitwise the C functions' results. */
    ad_dual dx = ad_dual_make(a, 1.0), dy = ad_dual_make(b, -0.5);
    cr_expect(same(d, model_c(dx, dy)));
    ad_hdual hx = ad_hdual_make(a, 1.0, 0.25, 0.0);
    ad_hdual hy = ad_hdual_make(b, -0.5, 2.0, 0.0);
    cr_expect(same(h, model_c(hx, hy)));
    cr_expect(same(vv, model_c(xv, yv)));

#if AD_LANES >= 2
    /* Lanes 0 and 1 are the partial derivatives, which the hyper-dual pass
     * combines with the seeds (1, -0.5): the chain rule in one direction.
     * Not bitwise (different sums), so to a few ulps.  (configure
     * --with-lanes=1 leaves one lane only.) */
    double dir = vv.d[0] * 1.0 + vv.d[1] * -0.5;
    cr_expect(std::fabs(dir - d.d) <= 1e-14 * std::fabs(d.d), "%.17g vs %.17g",
              dir, d.d);
#endif
}

/* Each operator, for one forward type t, against the C function it names;
 * x and u are values of type t, c a double. */
#define CHECK_OPERATORS(t, x, u, c)                                            \
    do {                                                                       \
        cr_expect(same(x + u, ad_##t##_add(x, u)));                            \
        cr_expect(same(x - u, ad_##t##_sub(x, u)));                            \
        cr_expect(same(x *u, ad_##t##_mul(x, u)));                             \
        cr_expect(same(x / u, ad_##t##_div(x, u)));                            \
        cr_expect(same(x + c, ad_##t##_add_xc(x, c)));                         \
        cr_expect(same(c + x, ad_##t##_add_cx(c, x)));                         \
        cr_expect(same(x - c, ad_##t##_sub_xc(x, c)));                         \
        cr_expect(same(c - x, ad_##t##_sub_cx(c, x)));                         \
        cr_expect(same(x *c, ad_##t##_mul_xc(x, c)));                          \
        cr_expect(same(c *x, ad_##t##_mul_cx(c, x)));                          \
        cr_expect(same(x / c, ad_##t##_div_xc(x, c)));                         \
        cr_expect(same(c / x, ad_##t##_div_cx(c, x)));                         \
        cr_expect(same(-x, ad_##t##_neg(x)));                                  \
        cr_expect(same(+x, x));                                                \
        /* An int converts to double: the double overload is called. */        \
        cr_expect(same(x * 3, ad_##t##_mul_xc(x, 3.0)));                       \
        cr_expect(same(3 - x, ad_##t##_sub_cx(3.0, x)));                       \
        ad_##t w = x;                                                          \
        cr_expect(same(w += u, ad_##t##_add(x, u)));                           \
        cr_expect(same(w, ad_##t##_add(x, u)));                                \
        w = x;                                                                 \
        w -= u;                                                                \
        cr_expect(same(w, ad_##t##_sub(x, u)));                                \
        w = x;                                                                 \
        w *= u;                                                                \
        cr_expect(same(w, ad_##t##_mul(x, u)));                                \
        w = x;                                                                 \
        w /= u;                                                                \
        cr_expect(same(w, ad_##t##_div(x, u)));                                \
        w = x;                                                                 \
        w += c;                                                                \
        w -= c;                                                                \
        w *= c;                                                                \
        w /= c;                                                                \
        cr_expect(same(                                                        \
            w,                                                                 \
            ad_##t##_div_xc(                                                   \
                ad_##t##_mul_xc(ad_##t##_sub_xc(ad_##t##_add_xc(x, c), c), c), \
                c)));                                                          \
        /* Comparisons look at values only. */                                 \
        double xv_ = ad_##t##_value(x), uv_ = ad_##t##_value(u);               \
        cr_expect((x < u) == (xv_ < uv_) && (x <= u) == (xv_ <= uv_));         \
        cr_expect((x > u) == (xv_ > uv_) && (x >= u) == (xv_ >= uv_));         \
        cr_expect((x == u) == (xv_ == uv_) && (x != u) == (xv_ != uv_));       \
        cr_expect((x < c) == (xv_ < c) && (c < x) == (c < xv_));               \
        cr_expect((x <= c) && (c >= x) && !(x > c) && !(c < x));               \
        cr_expect((x == xv_) && (xv_ == x) && !(x != xv_));                    \
        cr_expect(!(x == ad_##t##_add_xc(x, 1.0)));                            \
    } while (0)

Test(cxx, operators_equal_c_functions)
{
    /* c is chosen above both values, so that x <= c holds. */
    const double c = 2.385;
    ad_dual x = ad_dual_make(1.25, 0.75), u = ad_dual_make(-0.625, 1.5);
    CHECK_OPERATORS(dual, x, u, c);

    ad_hdual hx = ad_hdual_make(1.25, 0.75, -0.5, 0.125);
    ad_hdual hu = ad_hdual_make(-0.625, 1.5, 0.25, -2.0);
    CHECK_OPERATORS(hdual, hx, hu, c);

    ad_dualv vx = ad_dualv_const(1.25), vu = ad_dualv_const(-0.625);
    for (int k = 0; k < AD_LANES; k++) {
        vx.d[k] = 0.5 + k;
        vu.d[k] = 1.0 - 0.25 * k;
    }
    CHECK_OPERATORS(dualv, vx, vu, c);

    /* Comparison with NaN is false both ways, as for doubles. */
    ad_dual n = ad_dual_make(NAN, 1.0);
    cr_expect(!(n < x) && !(n >= x) && !(n == n) && (n != n));
}

/* ad_op_<name>(...) for the type under test: the C function, chosen by
 * overloading so that check_all is written once for the three types. */
#define AD__CXX_C1(t, n)                                                       \
    static ad_##t ad_op_##n(ad_##t x)                                          \
    {                                                                          \
        return ad_##t##_##n(x);                                                \
    }
#define AD__CXX_CP(t, n)                                                       \
    static ad_##t ad_op_##n(ad_##t x, int k)                                   \
    {                                                                          \
        return ad_##t##_##n(x, k);                                             \
    }
#define AD__CXX_C2(t, n)                                                       \
    static ad_##t ad_op_##n(ad_##t x, ad_##t u)                                \
    {                                                                          \
        return ad_##t##_##n(x, u);                                             \
    }                                                                          \
    static ad_##t ad_op_##n##_xc(ad_##t x, double u)                           \
    {                                                                          \
        return ad_##t##_##n##_xc(x, u);                                        \
    }                                                                          \
    static ad_##t ad_op_##n##_cx(double x, ad_##t u)                           \
    {                                                                          \
        return ad_##t##_##n##_cx(x, u);                                        \
    }
#define AD__CXX_ALL(X, n)  X(dual, n) X(dualv, n) X(hdual, n)
#define AD_OP1(N, n, ...)  AD__CXX_ALL(AD__CXX_C1, n)
#define AD_OP1P(N, n, ...) AD__CXX_ALL(AD__CXX_CP, n)
#define AD_OP2(N, n, ...)  AD__CXX_ALL(AD__CXX_C2, n)
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2

/* Every primitive of ops.def has its overload, unqualified (found by ADL)
 * and in namespace admix, equal bitwise to the C function; for double,
 * admix::<name> is C's function or ad_double_<name>.  Generated from the
 * table: a new primitive is checked without an edit here. */
template <class T>
static void check_all(int (*fail)(const char *), T x, T u, double a, double b)
{
#define AD_OP1(N, n, ...)                                                      \
    if (!same(n(x), ad_op_##n(x)) || !same(admix::n(x), ad_op_##n(x)) ||       \
        !same(admix::n(a), ad_double_##n(a)))                                  \
        fail(#n);
#define AD_OP1P(N, n, ...)                                                     \
    for (int k = -2; k <= 3; k++)                                              \
        if (!same(n(x, k), ad_op_##n(x, k)) ||                                 \
            !same(admix::n(x, k), ad_op_##n(x, k)) ||                          \
            !same(admix::n(a, k), ad_double_##n(a, k)))                        \
            fail(#n);
#define AD_OP2(N, n, ...)                                                      \
    if (!same(n(x, u), ad_op_##n(x, u)) ||                                     \
        !same(n(x, b), ad_op_##n##_xc(x, b)) ||                                \
        !same(n(a, u), ad_op_##n##_cx(a, u)) ||                                \
        !same(admix::n(x, u), ad_op_##n(x, u)) ||                              \
        !same(admix::n(a, b), ad_double_##n(a, b)))                            \
        fail(#n);
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
}

static const char *failed_op;
static int record_failure(const char *name)
{
    failed_op = name;
    return 0;
}

Test(cxx, every_primitive_overload)
{
    /* Points inside most domains, one above 1 (acosh), negative ones, and
     * the origin (poles of lgamma and log, ties of fmin/fmax, atan2 and
     * hypot at 0); results outside a domain are NaN on both sides. */
    static const double pts[][2] = {{0.375, 1.625},
                                    {1.625, 0.375},
                                    {-2.25, 0.8125},
                                    {2.5, -1.5},
                                    {0.0, -0.0}};
    for (const auto &p : pts) {
        double a = runtime(p[0]), b = runtime(p[1]);
        failed_op = nullptr;
        check_all(record_failure, ad_dual_make(a, 0.75), ad_dual_make(b, -1.25),
                  a, b);
        cr_expect(failed_op == nullptr, "ad_dual %s at (%g, %g)", failed_op, a,
                  b);
        failed_op = nullptr;
        check_all(record_failure, ad_hdual_make(a, 0.75, -0.5, 0.125),
                  ad_hdual_make(b, -1.25, 0.5, 2.0), a, b);
        cr_expect(failed_op == nullptr, "ad_hdual %s at (%g, %g)", failed_op, a,
                  b);
        ad_dualv x = ad_dualv_const(a), u = ad_dualv_const(b);
        for (int k = 0; k < AD_LANES; k++) {
            x.d[k] = 0.75 - 0.125 * k;
            u.d[k] = -1.25 + 0.5 * k;
        }
        failed_op = nullptr;
        check_all(record_failure, x, u, a, b);
        cr_expect(failed_op == nullptr, "ad_dualv %s at (%g, %g)", failed_op, a,
                  b);
    }
}

Test(cxx, conveniences)
{
    ad_dual x = admix::make_dual(2.385, -1.5);
    cr_expect(x.v == 2.385 && x.d == -1.5);
    cr_expect(admix::value(x) == 2.385 && admix::value(1.5) == 1.5);
    cr_expect(admix::make_dual(3.0).d == 0.0);
    ad_dualv v = admix::make_dualv(1.5, 2 % AD_LANES);
    for (int k = 0; k < AD_LANES; k++)
        cr_expect(v.d[k] == (k == 2 % AD_LANES ? 1.0 : 0.0));
    cr_expect(same(admix::make_hdual(1.5, 2.0, 3.0, 4.0),
                   ad_hdual_make(1.5, 2.0, 3.0, 4.0)));
    cr_expect(same(admix::constant<ad_hdual>(2.5), ad_hdual_const(2.5)));
    cr_expect(admix::constant<double>(2.5) == 2.5);

    /* select: like ad_select in C, including a NaN condition (-> b) and the
     * branch not taken leaving no trace in the derivative. */
    ad_dual z = admix::make_dual(0.0, 1.0);
    ad_dual s = admix::select(z, sqrt(z), 0.0);
    cr_expect(s.v == 0.0 && s.d == 0.0);
    cr_expect(std::isinf(sqrt(z).d));
    cr_expect(same(admix::select(1.0, x, z), x));
    cr_expect(same(admix::select(NAN, x, z), z));
    cr_expect(same(admix::select(-x, 4.0, z), z));
    cr_expect(same(admix::select(x, 4.0, z), ad_dual_const(4.0)));
    cr_expect(admix::select(x, 1.0, 2.0) == 1.0);
}
