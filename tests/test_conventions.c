/* test_conventions.c -- the documented conventions at non-differentiable
 * points and NaN, in every mode.
 *
 * README ("A tour of the API") and primitives/<name>.c document them: |x|
 * has derivative 0 at 0; fmin and fmax at a tie take 1/2 for each
 * argument; sqrt at 0 has derivative +inf, and a zero tangent through it
 * stays 0; pow at a = 0 follows C's pow for df/da (b 0^(b-1)) and has
 * df/db = 0 where 0^b = 0; ad_select takes its second branch when the
 * condition is NaN, and the branch it does not take -- NaN or not -- gives
 * nothing to the derivative (no 0 * NaN); a tie of +0 and -0 is +0 at fmax
 * and -0 at fmin, whatever the operand order.  Each case below is a function of
 * two inputs at a point on such a spot, with its value, gradient and
 * (where defined) Hessian written out by hand from those rules, and each is
 * checked, exactly, in every mode: ad_dual and ad_dualv (ad_gradient and
 * ad_jacobian, AD_FORWARD), the tape's reverse sweep at the recorded point
 * and replayed at the point from another recording, its tangent sweep
 * (jvp along e_0 and e_1), forward-over-reverse and hyper-dual Hessians,
 * and the MPFR replay (gradient and Hessian-vector products). */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include <admix.h>

#define AD_TEMPLATE "test_conventions.inc"
#include <admix/instantiate.h>
AD_FN(c_fabs, 2, 1)
AD_FN(c_fmin, 2, 1)
AD_FN(c_fmax, 2, 1)
AD_FN(c_sqrt, 2, 1)
AD_FN(c_pow, 2, 1)
AD_FN(c_selnan, 2, 1)
AD_FN(c_untaken, 2, 1)
AD_FN(c_zerotie, 2, 1)

typedef struct conv_case {
    const char *name;
    ad_fn (*make)(const void *params);
    double x[2];   /* the point on the convention's spot */
    double rec[2]; /* another point with the same path, to record at */
    double y, g[2];
    int has_h; /* 1: H is defined there and given */
    double H[4];
} conv_case;

static const conv_case cases[] = {
    {"fabs at 0",
     c_fabs_fn,
     {0.0, 1.0},
     {0.5, 1.0},
     1.0,
     {0.0, 1.0},
     1,
     {0.0, 0.0, 0.0, 0.0}},
    {"fmin tie",
     c_fmin_fn,
     {1.5, 1.5},
     {1.0, 2.0},
     1.5,
     {0.5, 0.5},
     1,
     {0.0, 0.0, 0.0, 0.0}},
    {"fmax tie",
     c_fmax_fn,
     {1.5, 1.5},
     {1.0, 2.0},
     1.5,
     {0.5, 0.5},
     1,
     {0.0, 0.0, 0.0, 0.0}},
    {"sqrt at 0",
     c_sqrt_fn,
     {0.0, 2.0},
     {4.0, 2.0},
     2.0,
     {INFINITY, 1.0},
     0,
     {0}},
    /* d/da = 2 * 0^1 = 0, d/db = 0 (0^b = 0 for b > 0); f_aa = 2 * 1 * 0^0
     * = 2, f_ab = 0 for b > 1, f_bb = 0. */
    {"pow at 0",
     c_pow_fn,
     {0.0, 2.0},
     {0.5, 2.0},
     0.0,
     {0.0, 0.0},
     1,
     {2.0, 0.0, 0.0, 0.0}},
    {"select on NaN",
     c_selnan_fn,
     {NAN, 3.0},
     {-1.0, 3.0},
     9.0,
     {0.0, 6.0},
     1,
     {0.0, 0.0, 0.0, 2.0}},
    /* +pi from fmax's +0, -pi from fmin's -0: the sum is 0 only when both
     * signs are right (either wrong gives +-2 pi). */
    {"signed zeros at fmin/fmax ties",
     c_zerotie_fn,
     {2.5, -1.5},
     {1.0, -1.5},
     0.0,
     {0.0, 0.0},
     1,
     {0.0, 0.0, 0.0, 0.0}},
    {"NaN branch not taken",
     c_untaken_fn,
     {0.5, 3.0},
     {0.25, 2.0},
     9.0,
     {0.0, 6.0},
     1,
     {0.0, 0.0, 0.0, 2.0}},
};
#define NCASES (sizeof cases / sizeof *cases)

/* Equal as doubles (0 == -0, inf == inf), or both NaN. */
static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void expect_vec(const conv_case *c, const char *mode, const double *got,
                       const double *want, size_t k)
{
    for (size_t i = 0; i < k; i++)
        cr_expect(same(got[i], want[i]), "%s, %s: entry %zu is %.17g, not %g",
                  c->name, mode, i, got[i], want[i]);
}

static ad_tape *record_at(const conv_case *c, const double *x)
{
    ad_fn f = c->make(NULL);
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    cr_assert(ad_tape_begin(t) == AD_OK);
    ad_var X[2], Y[1];
    cr_assert(ad_independent_array(2, x, X) == AD_OK);
    f.f_var(X, Y, f.params);
    ad_dependent(Y[0]);
    cr_assert(ad_tape_end(t) == AD_OK, "%s", c->name);
    return t;
}

static void teardown(void)
{
    ad_thread_release();
}

TestSuite(conventions, .fini = teardown);

Test(conventions, forward_types)
{
    for (size_t k = 0; k < NCASES; k++) {
        const conv_case *c = &cases[k];
        ad_fn f = c->make(NULL);
        double y, g[2], J[2], H[4];
        cr_assert(ad_gradient(&f, AD_FORWARD, c->x, &y, g) == AD_OK);
        cr_expect(same(y, c->y), "%s: y = %g", c->name, y);
        expect_vec(c, "ad_gradient FORWARD", g, c->g, 2);
        cr_assert(ad_jacobian(&f, AD_FORWARD, c->x, &y, J, NULL) == AD_OK);
        expect_vec(c, "ad_jacobian FORWARD (ad_dualv)", J, c->g, 2);
        if (c->has_h) {
            cr_assert(ad_hessian(&f, AD_HYPERDUAL, c->x, H, NULL) == AD_OK);
            expect_vec(c, "HYPERDUAL Hessian", H, c->H, 4);
        }
    }
}

Test(conventions, tape_sweeps)
{
    for (size_t k = 0; k < NCASES; k++) {
        const conv_case *c = &cases[k];
        double g[2], y, jv, e[2][2] = {{1.0, 0.0}, {0.0, 1.0}};
        /* At the recorded point, and replayed there from another one. */
        ad_tape *at = record_at(c, c->x), *other = record_at(c, c->rec);
        cr_assert(ad_tape_gradient(at, NULL, g) == AD_OK);
        expect_vec(c, "reverse, recorded point", g, c->g, 2);
        cr_assert(ad_tape_gradient(other, c->x, g) == AD_OK);
        expect_vec(c, "reverse, replayed", g, c->g, 2);
        cr_assert(ad_tape_linearize(at) == AD_OK);
        cr_assert(ad_tape_gradient(at, NULL, g) == AD_OK);
        expect_vec(c, "reverse, linearised", g, c->g, 2);
        for (int j = 0; j < 2; j++) {
            cr_assert(ad_tape_jvp(other, c->x, e[j], &y, &jv) == AD_OK);
            cr_expect(same(y, c->y), "%s: replayed y = %g", c->name, y);
            cr_expect(same(jv, c->g[j]), "%s, jvp along e_%d: %g", c->name, j,
                      jv);
        }
        if (c->has_h) {
            double H[4];
            cr_assert(ad_tape_hessian(other, c->x, H) == AD_OK);
            expect_vec(c, "forward-over-reverse Hessian", H, c->H, 4);
        }
        ad_tape_free(at);
        ad_tape_free(other);
    }
}

Test(conventions, mpfr_replay)
{
    for (size_t k = 0; k < NCASES; k++) {
        const conv_case *c = &cases[k];
        double g[2], y, e[2][2] = {{1.0, 0.0}, {0.0, 1.0}};
        ad_tape *t = record_at(c, c->rec);
        cr_assert(ad_tape_mpfr_eval(t, c->x, 0, &y) == AD_OK);
        cr_expect(same(y, c->y), "%s: MPFR y = %g", c->name, y);
        cr_assert(ad_tape_mpfr_gradient(t, c->x, 0, g) == AD_OK);
        expect_vec(c, "MPFR gradient", g, c->g, 2);
        for (int j = 0; j < 2 && c->has_h; j++) {
            double hv[2];
            cr_assert(ad_tape_mpfr_hvp(t, c->x, 0, e[j], hv) == AD_OK);
            double col[2] = {c->H[j], c->H[2 + j]};
            expect_vec(c, "MPFR Hessian column", hv, col, 2);
        }
        ad_tape_free(t);
    }
}
