/* test_mpfr.c -- the MPFR replay of a tape (admix/verify.h): exact where the
 * answer is known, bit for bit with the double tape at 53 bits for the
 * correctly rounded operations, and the reference against which the double
 * sweeps are measured on the standard problems and on every primitive.
 *
 * Tolerances.  At 53 bits a program of +, -, *, / and sqrt (whose IEEE
 * results are correctly rounded, as MPFR's are) gives the double tape's
 * values bit for bit.  At 256 bits the MPFR results are the derivatives of
 * the recorded computation correctly rounded to double, and the double
 * sweeps are judged against them:
 *   - one primitive alone, with unit seeds, so that every double result is
 *     exactly one of the primitive's double rules: within that rule's
 *     documented bound (primitive.h: ulp_value, ulp_d1, ulp_d2);
 *   - the composite problems (Rosenbrock, Speelpenning, MLPs, the array
 *     nodes, select), with random seeds: each entry within 8 ulps of the
 *     reference, or, where the entry is a sum that cancels, within 1e-14 of
 *     the largest entry of its vector (normwise relative).
 * The worst errors found are logged (cr_log_info) per problem and sweep.
 * Random numbers are splitmix64 (primitive.h) with fixed seeds. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, close */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <mpfr.h>

#include "primitive.h" /* internal: the samplers, the bounds, ad__rand_* */
#include "ulp.h"

#include <admix.h>

#define OK(expr)                                                               \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        cr_assert(rc_ == AD_OK, "%s: %d (%s)", #expr, rc_, ad_strerror(rc_));  \
    } while (0)

#define IS(expr, code)                                                         \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        cr_expect(rc_ == (code), "%s: %d (%s), want %s", #expr, rc_,           \
                  ad_strerror(rc_), #code);                                    \
    } while (0)

enum { NMAX = 64 };

/* The tolerances of the composite problems (see the file comment). */
#define ULP_TOL 8.0
#define REL_TOL 1e-14

static size_t tape_n(const ad_tape *t)
{
    ad_tape_info info;
    ad_tape_stats(t, &info);
    return info.n;
}

static size_t tape_m(const ad_tape *t)
{
    ad_tape_info info;
    ad_tape_stats(t, &info);
    return info.m;
}

static int same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void fill(uint64_t *s, double *v, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        v[i] = ad__rand_uniform(s, lo, hi);
}

/* ---- comparing the double sweeps with the reference ---------------------- */

/* The worst error seen per sweep of one problem, in ulps of the reference. */
enum { S_EVAL, S_GRAD, S_JVP, S_VJP, S_HVP, S_COUNT };
static const char *sweep_name[S_COUNT] = {"eval", "gradient", "jvp", "vjp",
                                          "hvp"};

typedef struct worst {
    double ulp[S_COUNT];
    int n_rel[S_COUNT]; /* entries that passed by the normwise criterion */
    int n_all[S_COUNT], n_8ulp[S_COUNT]; /* entries; those within 8 ulps */
} worst;

/* got against the reference ref (k entries): each entry within ULP_TOL
 * ulps, or within REL_TOL of the largest |ref|. */
static void judge(const double *got, const double *ref, size_t k, int sweep,
                  const char *what, worst *w)
{
    double big = 0.0;
    for (size_t i = 0; i < k; i++)
        big = fmax(big, fabs(ref[i]));
    for (size_t i = 0; i < k; i++) {
        double e = ulp_diff(got[i], ref[i]);
        w->ulp[sweep] = fmax(w->ulp[sweep], e);
        w->n_all[sweep]++;
        w->n_8ulp[sweep] += e <= 8.0;
        if (e <= ULP_TOL)
            continue;
        int ok = fabs(got[i] - ref[i]) <= REL_TOL * big;
        w->n_rel[sweep] += ok;
        cr_expect(ok, "%s %s [%zu]: %.17g, MPFR %.17g (%.3g ulp)", what,
                  sweep_name[sweep], i, got[i], ref[i], e);
    }
}

/* Every sweep of t at x (NULL: the recorded point), double against MPFR at
 * the default precision, with seeds from *s. */
static void compare_tape(ad_tape *t, const double *x, uint64_t *s,
                         const char *what, worst *w)
{
    size_t n = tape_n(t), m = tape_m(t);
    cr_assert(n <= NMAX && m <= NMAX);
    double yd[NMAX], ym[NMAX], gd[NMAX], gm[NMAX], v[NMAX], wv[NMAX];
    OK(ad_tape_eval(t, x, yd));
    OK(ad_tape_mpfr_eval(t, x, 0, ym));
    judge(yd, ym, m, S_EVAL, what, w);
    OK(ad_tape_gradient(t, x, gd));
    OK(ad_tape_mpfr_gradient(t, x, 0, gm));
    judge(gd, gm, n, S_GRAD, what, w);
    fill(s, v, n, -1.0, 1.0);
    fill(s, wv, m, -1.0, 1.0);
    OK(ad_tape_jvp(t, x, v, yd, gd));
    OK(ad_tape_mpfr_jvp(t, x, 0, v, ym, gm));
    judge(yd, ym, m, S_EVAL, what, w);
    judge(gd, gm, m, S_JVP, what, w);
    OK(ad_tape_vjp(t, x, wv, yd, gd));
    OK(ad_tape_mpfr_vjp(t, x, 0, wv, ym, gm));
    judge(yd, ym, m, S_EVAL, what, w);
    judge(gd, gm, n, S_VJP, what, w);
    OK(ad_tape_hvp(t, x, v, gd));
    OK(ad_tape_mpfr_hvp(t, x, 0, v, gm));
    judge(gd, gm, n, S_HVP, what, w);
}

static void log_worst(const char *what, const worst *w)
{
    char buf[512];
    int at = 0;
    for (int q = 0; q < S_COUNT; q++)
        at += snprintf(buf + at, sizeof buf - (size_t)at, "%s%s %.3g (%d/%d)",
                       q ? ", " : "", sweep_name[q], w->ulp[q], w->n_8ulp[q],
                       w->n_all[q]);
    cr_log_info("%-20s max ulp (entries within 8 ulp / all): %s", what, buf);
}

/* ---- the problems, recorded with ad_var ---------------------------------- */

static void rec_rosenbrock(ad_tape *t, const double *x, size_t n)
{
    OK(ad_tape_begin(t));
    ad_var v[NMAX];
    for (size_t i = 0; i < n; i++)
        v[i] = ad_independent(x[i]);
    ad_var f = ad_var_const(0.0);
    for (size_t i = 0; i + 1 < n; i++) {
        ad_var a = ad_sub(v[i + 1], ad_sqr(v[i]));
        ad_var b = ad_sub(1.0, v[i]);
        f = ad_add(f, ad_add(ad_mul(100.0, ad_sqr(a)), ad_sqr(b)));
    }
    ad_dependent(f);
    OK(ad_tape_end(t));
}

static void rec_speelpenning(ad_tape *t, const double *x, size_t n)
{
    OK(ad_tape_begin(t));
    ad_var p = ad_independent(x[0]);
    for (size_t i = 1; i < n; i++)
        p = ad_mul(p, ad_independent(x[i]));
    ad_dependent(p);
    OK(ad_tape_end(t));
}

/* A 3-4-1 network with tanh hidden units, its 21 weights the inputs, the
 * squared error over 6 fixed samples the output.  With arrays set, the
 * layers are ad_gemv, ad_map and ad_dot on array inputs. */
enum {
    MLP_IN = 3,
    MLP_H = 4,
    MLP_NS = 6,
    MLP_NW = MLP_H * MLP_IN + 2 * MLP_H + 1
};

static void rec_mlp(ad_tape *t, const double *wt, int arrays)
{
    static const double X[MLP_NS][MLP_IN] = {
        {0.3, -1.2, 0.8},  {1.1, 0.4, -0.6},  {-0.7, 0.9, 0.25},
        {0.05, -0.3, 1.4}, {-1.3, -0.8, 0.6}, {0.9, 1.25, -1.1}};
    static const double Y[MLP_NS] = {0.4, -0.2, 0.75, 0.1, -0.6, 0.3};
    OK(ad_tape_begin(t));
    ad_var w[MLP_NW];
    if (arrays)
        OK(ad_independent_array(MLP_NW, wt, w));
    else
        for (int i = 0; i < MLP_NW; i++)
            w[i] = ad_independent(wt[i]);
    const ad_var *W1 = w, *b1 = w + MLP_H * MLP_IN, *W2 = b1 + MLP_H;
    ad_var b2 = W2[MLP_H];
    ad_var loss = ad_var_const(0.0);
    for (int s = 0; s < MLP_NS; s++) {
        ad_var h[MLP_H], out;
        if (arrays) {
            ad_var xs[MLP_IN];
            for (int i = 0; i < MLP_IN; i++)
                xs[i] = ad_var_const(X[s][i]);
            for (int j = 0; j < MLP_H; j++)
                h[j] = b1[j];
            OK(ad_gemv(AD_NOTRANS, MLP_H, MLP_IN, W1, xs, h));
            OK(ad_map(AD_OP_TANH, MLP_H, h, h));
            out = ad_add(ad_dot(MLP_H, W2, h), b2);
        } else {
            for (int j = 0; j < MLP_H; j++) {
                ad_var z = b1[j];
                for (int i = 0; i < MLP_IN; i++)
                    z = ad_add(z, ad_mul(W1[j * MLP_IN + i], X[s][i]));
                h[j] = ad_tanh(z);
            }
            out = b2;
            for (int j = 0; j < MLP_H; j++)
                out = ad_add(out, ad_mul(W2[j], h[j]));
        }
        loss = ad_add(loss, ad_sqr(ad_sub(out, Y[s])));
    }
    ad_dependent(ad_mul(loss, 1.0 / MLP_NS));
    OK(ad_tape_end(t));
}

/* The array nodes in every kind of argument (ranges from
 * ad_independent_array, lists, constants, lists mixing constants), and
 * select, on 12 inputs; 6 outputs, the first a nonlinear mix of all. */
enum { ARR_N = 12, ARR_M = 6 };

static void rec_arrays(ad_tape *t, const double *x)
{
    OK(ad_tape_begin(t));
    ad_var z[ARR_N];
    OK(ad_independent_array(ARR_N, x, z));
    ad_var perm[3] = {z[7], z[2], z[9]};
    ad_var cst[3] = {ad_var_const(0.5), ad_var_const(-1.25), ad_var_const(2.0)};
    ad_var d1 = ad_dot(3, z, z + 3);               /* range . range */
    ad_var d2 = ad_dot(3, perm, cst);              /* list . constants */
    ad_var sm = ad_sum(4, z + 6);                  /* range */
    ad_var y[3] = {z[4], z[5], ad_var_const(0.7)}; /* list with a constant */
    OK(ad_axpy(3, z[10], z, y));
    ad_var g1[2] = {z[9], z[10]};
    OK(ad_gemv(AD_NOTRANS, 2, 3, z, z + 6, g1));
    ad_var g2[3] = {ad_var_const(0.1), z[11], ad_sqr(z[1])};
    ad_var xt[2] = {z[3], ad_sin(z[8])};
    OK(ad_gemv(AD_TRANS, 2, 3, z + 5, xt, g2));
    ad_var mp[4] = {z[0], ad_mul(z[1], 0.5), z[2], z[11]};
    OK(ad_map(AD_OP_TANH, 4, mp, mp));
    ad_var me[2] = {ad_mul(z[3], 0.3), z[4]};
    OK(ad_map(AD_OP_EXP, 2, me, me));
    ad_var sel =
        ad_select(ad_sub(z[0], z[1]), ad_mul(z[2], z[3]), ad_sqr(z[4]));
    ad_var f = ad_add(ad_mul(d1, d2), ad_mul(sm, y[0]));
    f = ad_add(f, ad_mul(ad_add(y[1], y[2]), g1[0]));
    f = ad_add(f, ad_mul(g1[1], ad_add(g2[0], ad_mul(g2[1], g2[2]))));
    f = ad_add(f, ad_mul(ad_add(mp[0], mp[1]), ad_add(mp[2], mp[3])));
    f = ad_add(f, ad_mul(ad_mul(me[0], me[1]), sel));
    ad_var out[ARR_M] = {f, d2, y[2], g2[2], mp[3], sel};
    OK(ad_dependent_array(ARR_M, out));
    OK(ad_tape_end(t));
}

/* ---- 1. exact answers ---------------------------------------------------- */

Test(mpfr, exact_products)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(3.0), y = ad_independent(5.0),
           z = ad_independent(7.0);
    ad_dependent(ad_mul(ad_mul(x, y), z));
    OK(ad_tape_end(t));
    double g[3], hv[3], yv, jv;
    const double e0[3] = {1.0, 0.0, 0.0}, v[3] = {0.25, -2.0, 3.0};
    OK(ad_tape_mpfr_gradient(t, NULL, 0, g));
    cr_expect(g[0] == 35.0 && g[1] == 21.0 && g[2] == 15.0, "gradient %g %g %g",
              g[0], g[1], g[2]);
    OK(ad_tape_mpfr_hvp(t, NULL, 0, e0, hv));
    cr_expect(hv[0] == 0.0 && hv[1] == 7.0 && hv[2] == 5.0, "H e0 %g %g %g",
              hv[0], hv[1], hv[2]);
    OK(ad_tape_mpfr_jvp(t, NULL, 0, v, &yv, &jv));
    cr_expect(yv == 105.0 && jv == 35.0 * 0.25 - 21.0 * 2.0 + 15.0 * 3.0);
    /* At a new point, at the lowest useful precision for these integers. */
    const double x2[3] = {-2.0, 9.0, 4.0};
    OK(ad_tape_mpfr_gradient(t, x2, 53, g));
    cr_expect(g[0] == 36.0 && g[1] == -8.0 && g[2] == -18.0);
    ad_tape_free(t);
}

/* Rosenbrock's gradient and Hessian-vector product from their formulas,
 * evaluated in MPFR at 512 bits and rounded once: the replay gives the same
 * doubles (this checks the reference against an independent one, not
 * against the double tape). */
Test(mpfr, rosenbrock_analytic)
{
    enum { N = 10 };
    uint64_t s = 21u;
    double x[N], v[N], g[N], hv[N];
    ad_tape *t = ad_tape_new();
    mpfr_t a, b, acc, h;
    mpfr_inits2(512, a, b, acc, h, (mpfr_ptr)0);
    for (int rep = 0; rep < 5; rep++) {
        fill(&s, x, N, -2.0, 2.0);
        fill(&s, v, N, -1.0, 1.0);
        rec_rosenbrock(t, x, N);
        OK(ad_tape_mpfr_gradient(t, NULL, 0, g));
        OK(ad_tape_mpfr_hvp(t, NULL, 0, v, hv));
        for (int i = 0; i < N; i++) {
            /* g_i = -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i)
             *       + 200 (x_i - x_{i-1}^2) */
            mpfr_set_zero(acc, 1);
            mpfr_set_zero(h, 1); /* (H v)_i */
            if (i + 1 < N) {
                mpfr_set_d(a, x[i], MPFR_RNDN);
                mpfr_sqr(a, a, MPFR_RNDN);
                mpfr_d_sub(a, x[i + 1], a, MPFR_RNDN);
                mpfr_mul_d(a, a, x[i], MPFR_RNDN);
                mpfr_mul_si(a, a, -400, MPFR_RNDN);
                mpfr_add(acc, acc, a, MPFR_RNDN);
                mpfr_set_d(a, x[i], MPFR_RNDN);
                mpfr_ui_sub(a, 1, a, MPFR_RNDN);
                mpfr_mul_si(a, a, -2, MPFR_RNDN);
                mpfr_add(acc, acc, a, MPFR_RNDN);
                /* H_ii += 1200 x_i^2 - 400 x_{i+1} + 2, H_i,i+1 = -400 x_i */
                mpfr_set_d(a, x[i], MPFR_RNDN);
                mpfr_sqr(a, a, MPFR_RNDN);
                mpfr_mul_ui(a, a, 1200, MPFR_RNDN);
                mpfr_set_d(b, x[i + 1], MPFR_RNDN);
                mpfr_mul_si(b, b, -400, MPFR_RNDN);
                mpfr_add(a, a, b, MPFR_RNDN);
                mpfr_add_ui(a, a, 2, MPFR_RNDN);
                mpfr_mul_d(a, a, v[i], MPFR_RNDN);
                mpfr_add(h, h, a, MPFR_RNDN);
                mpfr_set_d(a, x[i], MPFR_RNDN);
                mpfr_mul_si(a, a, -400, MPFR_RNDN);
                mpfr_mul_d(a, a, v[i + 1], MPFR_RNDN);
                mpfr_add(h, h, a, MPFR_RNDN);
            }
            if (i > 0) {
                mpfr_set_d(a, x[i - 1], MPFR_RNDN);
                mpfr_sqr(a, a, MPFR_RNDN);
                mpfr_d_sub(a, x[i], a, MPFR_RNDN);
                mpfr_mul_ui(a, a, 200, MPFR_RNDN);
                mpfr_add(acc, acc, a, MPFR_RNDN);
                /* H_ii += 200, H_i,i-1 = -400 x_{i-1} */
                mpfr_set_d(a, v[i], MPFR_RNDN);
                mpfr_mul_ui(a, a, 200, MPFR_RNDN);
                mpfr_add(h, h, a, MPFR_RNDN);
                mpfr_set_d(a, x[i - 1], MPFR_RNDN);
                mpfr_mul_si(a, a, -400, MPFR_RNDN);
                mpfr_mul_d(a, a, v[i - 1], MPFR_RNDN);
                mpfr_add(h, h, a, MPFR_RNDN);
            }
            double gw = mpfr_get_d(acc, MPFR_RNDN),
                   hw = mpfr_get_d(h, MPFR_RNDN);
            cr_expect(same_bits(g[i], gw), "g[%d] %a, formula %a", i, g[i], gw);
            cr_expect(same_bits(hv[i], hw), "hv[%d] %a, formula %a", i, hv[i],
                      hw);
        }
    }
    mpfr_clears(a, b, acc, h, (mpfr_ptr)0);
    mpfr_free_cache();
    ad_tape_free(t);
}

/* Outputs that are constants, an output listed twice (its seeds add up), an
 * input no output depends on (zero derivatives), and an output that is an
 * input itself. */
Test(mpfr, odd_outputs)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(1.5), u = ad_independent(-0.25);
    (void)u;
    ad_var y = ad_mul(x, 2.0);
    ad_dependent(y);
    ad_dependent(ad_var_const(4.5));
    ad_dependent(y);
    ad_dependent(x);
    OK(ad_tape_end(t));
    double yv[4], jv[4], wj[2], g[2], hv[2];
    const double v[2] = {0.75, 3.0}, w[4] = {1.0, 5.0, 2.0, 0.5};
    OK(ad_tape_mpfr_jvp(t, NULL, 0, v, yv, jv));
    cr_expect(yv[0] == 3.0 && yv[1] == 4.5 && yv[2] == 3.0 && yv[3] == 1.5);
    cr_expect(jv[0] == 1.5 && jv[1] == 0.0 && jv[2] == 1.5 && jv[3] == 0.75);
    OK(ad_tape_mpfr_vjp(t, NULL, 0, w, NULL, wj));
    cr_expect(wj[0] == 2.0 * (1.0 + 2.0) + 0.5 && wj[1] == 0.0, "%g %g", wj[0],
              wj[1]);
    OK(ad_tape_mpfr_gradient(t, NULL, 0, g));
    cr_expect(g[0] == 2.0 && g[1] == 0.0);
    OK(ad_tape_mpfr_hvp(t, NULL, 0, v, hv));
    cr_expect(hv[0] == 0.0 && hv[1] == 0.0);
    /* Only constant outputs and no inputs. */
    OK(ad_tape_begin(t));
    ad_dependent(ad_var_const(-7.0));
    OK(ad_tape_end(t));
    OK(ad_tape_mpfr_eval(t, NULL, 0, yv));
    cr_expect(yv[0] == -7.0);
    OK(ad_tape_mpfr_gradient(t, NULL, 0, NULL));
    OK(ad_tape_mpfr_jvp(t, NULL, 0, NULL, yv, jv));
    cr_expect(jv[0] == 0.0);
    ad_tape_free(t);
}

/* The seed example: d/dx sin(x^2) at 2 is 4 cos 4, to within 1 ulp of the
 * correctly rounded value (computed here with MPFR). */
Test(mpfr, seed_example)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(2.0);
    ad_dependent(ad_sin(ad_sqr(x)));
    OK(ad_tape_end(t));
    mpfr_t r;
    mpfr_init2(r, 512);
    mpfr_set_ui(r, 4, MPFR_RNDN);
    mpfr_cos(r, r, MPFR_RNDN);
    mpfr_mul_ui(r, r, 4, MPFR_RNDN);
    double want = mpfr_get_d(r, MPFR_RNDN);
    mpfr_clear(r);
    mpfr_free_cache();
    double gm, gd;
    OK(ad_tape_mpfr_gradient(t, NULL, 0, &gm));
    OK(ad_tape_gradient(t, NULL, &gd));
    cr_expect(ulp_diff(gm, want) <= 1.0, "MPFR %.17g, want %.17g", gm, want);
    cr_expect(fabs(gm + 2.6146) < 1e-4);
    cr_log_info("seed example: 4 cos 4 = %.17g; MPFR replay %.3g ulp, double "
                "tape %.3g ulp",
                want, ulp_diff(gm, want), ulp_diff(gd, want));
    ad_tape_free(t);
}

/* Inputs and constants enter exactly, even below 53 bits: x - c at x = 1 and
 * c = 1 + 2^-40 is -2^-40 at 24 bits too. */
Test(mpfr, inputs_and_constants_exact)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(1.0);
    ad_dependent(ad_sub(x, 1.0 + 0x1p-40));
    ad_dependent(ad_sub(ad_independent(1.0 + 0x1p-40), x));
    OK(ad_tape_end(t));
    double y[2];
    OK(ad_tape_mpfr_eval(t, NULL, 24, y));
    cr_expect(y[0] == -0x1p-40 && y[1] == 0x1p-40, "%a %a", y[0], y[1]);
    OK(ad_tape_mpfr_eval(t, NULL, 2, y));
    cr_expect(y[0] == -0x1p-40 && y[1] == 0x1p-40, "%a %a", y[0], y[1]);
    /* At 2 bits, 3 * 3 = 9 rounds to 8 (ties to even). */
    ad_tape *u = ad_tape_new();
    OK(ad_tape_begin(u));
    ad_var a = ad_independent(3.0);
    ad_dependent(ad_mul(a, a));
    OK(ad_tape_end(u));
    OK(ad_tape_mpfr_eval(u, NULL, 2, y));
    cr_expect(y[0] == 8.0, "%g", y[0]);
    ad_tape_free(u);
    ad_tape_free(t);
}

/* ---- 2. 53 bits: the double tape's values, bit for bit ------------------- */

/* A random program of +, -, *, /, sqrt (and sqr, neg, which are exact or
 * one multiplication) on 4 inputs, with constant operands too, keeping every
 * value in [1e-3, 1e3] in magnitude (normal, no overflow).  Records its last
 * three values as outputs. */
static void rec_random(ad_tape *t, uint64_t *s, int nops, double *x)
{
    enum { NIN = 4 };
    fill(s, x, NIN, 0.5, 2.0);
    ad_var pool[NIN + 200];
    int np = 0, tries = 0;
    OK(ad_tape_begin(t));
    for (int i = 0; i < NIN; i++)
        pool[np++] = ad_independent(x[i]);
    while (np < NIN + nops && tries++ < 100000) {
        ad_var a = pool[ad__rand_int(s, 0, np - 1)];
        ad_var b = pool[ad__rand_int(s, 0, np - 1)];
        double c = ad__rand_uniform(s, -2.0, 2.0), r;
        int kind = (int)ad__rand_int(s, 0, 10),
            variant = (int)ad__rand_int(s, 0, 2);
        double av = variant == 2 ? c : a.v, bv = variant == 1 ? c : b.v;
        switch (kind) {
        case 0:
        case 1:
            r = av + bv;
            break;
        case 2:
        case 3:
            r = av - bv;
            break;
        case 4:
        case 5:
            r = av * bv;
            break;
        case 6:
        case 7:
            r = av / bv;
            break;
        case 8:
            r = sqrt(a.v);
            break;
        case 9:
            r = a.v * a.v;
            break;
        default:
            r = -a.v;
            break;
        }
        if (!(fabs(r) >= 1e-3 && fabs(r) <= 1e3))
            continue;
        ad_var y;
#define BIN(n)                                                                 \
    (variant == 0   ? ad_var_##n(a, b)                                         \
     : variant == 1 ? ad_var_##n##_xc(a, c)                                    \
                    : ad_var_##n##_cx(c, b))
        switch (kind) {
        case 0:
        case 1:
            y = BIN(add);
            break;
        case 2:
        case 3:
            y = BIN(sub);
            break;
        case 4:
        case 5:
            y = BIN(mul);
            break;
        case 6:
        case 7:
            y = BIN(div);
            break;
        case 8:
            y = ad_var_sqrt(a);
            break;
        case 9:
            y = ad_var_sqr(a);
            break;
        default:
            y = ad_var_neg(a);
            break;
        }
#undef BIN
        cr_assert(same_bits(y.v, r));
        pool[np++] = y;
    }
    cr_assert(np == NIN + nops);
    for (int i = np - 3; i < np; i++)
        ad_dependent(pool[i]);
    OK(ad_tape_end(t));
}

Test(mpfr, bitwise_at_53_bits)
{
    uint64_t s = 20240601u;
    ad_tape *t = ad_tape_new();
    int compared = 0;
    for (int prog = 0; prog < 40; prog++) {
        double x[4], yd[3], ym[3];
        rec_random(t, &s, 20 + 3 * prog, x);
        OK(ad_tape_eval(t, NULL, yd));
        OK(ad_tape_mpfr_eval(t, NULL, 53, ym));
        for (int j = 0; j < 3; j++)
            cr_expect(same_bits(yd[j], ym[j]),
                      "program %d output %d: %a, MPFR %a", prog, j, yd[j],
                      ym[j]);
        /* Replayed at a nearby point (the values may leave [1e-3, 1e3],
         * still far from the subnormals). */
        for (int i = 0; i < 4; i++)
            x[i] *= 1.0 + 0x1p-20 * (i + 1);
        OK(ad_tape_eval(t, x, yd));
        OK(ad_tape_mpfr_eval(t, x, 53, ym));
        for (int j = 0; j < 3; j++) {
            cr_expect(same_bits(yd[j], ym[j]),
                      "program %d output %d replayed: %a, MPFR %a", prog, j,
                      yd[j], ym[j]);
            compared++;
        }
    }
    cr_log_info("bitwise_at_53_bits: %d outputs of 40 programs (20..137 ops), "
                "at the recorded and at a new point",
                compared);
    ad_tape_free(t);
}

/* ---- 3. the double sweeps against the reference -------------------------- */

Test(mpfr, rosenbrock)
{
    uint64_t s = 11u;
    ad_tape *t = ad_tape_new();
    worst w = {{0}, {0}, {0}, {0}};
    for (int rep = 0; rep < 4; rep++) {
        double x[10], x2[10];
        fill(&s, x, 10, -2.0, 2.0);
        rec_rosenbrock(t, x, 10);
        compare_tape(t, NULL, &s, "rosenbrock", &w);
        fill(&s, x2, 10, -2.0, 2.0);
        compare_tape(t, x2, &s, "rosenbrock replayed", &w);
    }
    log_worst("rosenbrock n=10", &w);
    ad_tape_free(t);
}

Test(mpfr, speelpenning)
{
    uint64_t s = 12u;
    ad_tape *t = ad_tape_new();
    worst w = {{0}, {0}, {0}, {0}};
    for (int rep = 0; rep < 4; rep++) {
        double x[10], x2[10];
        fill(&s, x, 10, 0.5, 1.5);
        rec_speelpenning(t, x, 10);
        compare_tape(t, NULL, &s, "speelpenning", &w);
        fill(&s, x2, 10, -1.5, 1.5);
        compare_tape(t, x2, &s, "speelpenning replayed", &w);
    }
    log_worst("speelpenning n=10", &w);
    ad_tape_free(t);
}

Test(mpfr, mlp)
{
    uint64_t s = 13u;
    ad_tape *t = ad_tape_new();
    for (int arrays = 0; arrays < 2; arrays++) {
        worst w = {{0}, {0}, {0}, {0}};
        for (int rep = 0; rep < 3; rep++) {
            double wt[MLP_NW], w2[MLP_NW];
            fill(&s, wt, MLP_NW, -1.0, 1.0);
            rec_mlp(t, wt, arrays);
            compare_tape(t, NULL, &s, arrays ? "mlp (arrays)" : "mlp", &w);
            fill(&s, w2, MLP_NW, -1.0, 1.0);
            compare_tape(t, w2, &s, arrays ? "mlp (arrays)" : "mlp", &w);
        }
        log_worst(arrays ? "mlp 3-4-1, arrays" : "mlp 3-4-1, scalar", &w);
    }
    ad_tape_free(t);
}

Test(mpfr, array_nodes_and_select)
{
    uint64_t s = 14u;
    ad_tape *t = ad_tape_new();
    worst w = {{0}, {0}, {0}, {0}};
    for (int rep = 0; rep < 4; rep++) {
        double x[ARR_N], x2[ARR_N];
        fill(&s, x, ARR_N, -1.0, 1.0);
        x[0] = 0.75, x[1] = -0.5; /* select takes its first branch */
        rec_arrays(t, x);
        compare_tape(t, NULL, &s, "arrays", &w);
        /* Replayed where select takes the other branch. */
        fill(&s, x2, ARR_N, -1.0, 1.0);
        x2[0] = -0.75, x2[1] = 0.5;
        compare_tape(t, x2, &s, "arrays, other branch", &w);
    }
    log_worst("array nodes + select", &w);
    ad_tape_free(t);
}

/* ---- 4. every primitive alone -------------------------------------------- */

enum { V_AA, V_XC, V_CX };

/* op on ad_var by its code: unary, or binary in the given variant (a or b
 * constant for V_CX, V_XC). */
static ad_var apply(int op, int variant, ad_var a, ad_var b, double ca,
                    double cb, int k)
{
    (void)k;
    switch (op) {
#define AD_OP1(N, n, ...)                                                      \
    case AD_OP_##N:                                                            \
        return ad_var_##n(a);
#define AD_OP1P(N, n, ...)                                                     \
    case AD_OP_##N:                                                            \
        return ad_var_##n(a, k);
#define AD_OP2(N, n, ...)                                                      \
    case AD_OP_##N:                                                            \
        return variant == V_AA   ? ad_var_##n(a, b)                            \
               : variant == V_XC ? ad_var_##n##_xc(a, cb)                      \
                                 : ad_var_##n##_cx(ca, b);
#include "ops.def"
#undef AD_OP1
#undef AD_OP1P
#undef AD_OP2
    }
    return ad_var_const(NAN);
}

/* 1 if v is 0 or a normal double of magnitude at most 1e8. */
static int tame(double v)
{
    return v == 0.0 || (fabs(v) >= DBL_MIN && fabs(v) <= 1e8);
}

/* A sampled point of op where the value and the partials are tame. */
static int draw_point(int op, uint64_t *s, double x[2], long *c)
{
    const ad_op_info *d = ad_op_get(op);
    const ad__prim *pr = ad__prim_get(op);
    for (int tries = 0; tries < 20000; tries++) {
        double p1[2] = {0, 0}, p2[3] = {0, 0, 0};
        x[0] = x[1] = 0.0;
        *c = 0;
        pr->sample(s, x, c);
        if (labs(*c) > 40 || !tame(x[0]) || !tame(x[1]))
            continue;
        double y = d->value(x[0], x[1], (double)*c);
        d->d1(x[0], x[1], (double)*c, y, p1);
        d->d2(x[0], x[1], (double)*c, y, p2);
        int ok = tame(y);
        for (int i = 0; i < 2; i++)
            ok = ok && tame(p1[i]);
        for (int i = 0; i < 3; i++)
            ok = ok && tame(p2[i]);
        if (ok)
            return 1;
    }
    return 0;
}

/* The double result got against the reference within bound ulps. */
static void judge_prim(double got, double ref, double bound, const char *what,
                       const char *q, double *worst_ratio, double *worst_ulp)
{
    double e = ulp_diff(got, ref);
    *worst_ulp = fmax(*worst_ulp, e);
    if (bound > 0.0)
        *worst_ratio = fmax(*worst_ratio, e / bound);
    cr_expect(e <= bound, "%s %s: %a, MPFR %a: %.3g ulp > %.3g", what, q, got,
              ref, e, bound);
}

/* Each primitive and variant recorded alone (y = op(inputs)), at points from
 * its sampler: with unit seeds each double result is one double rule, so it
 * is within that rule's documented bound of the reference. */
Test(mpfr, every_primitive)
{
    enum { NPTS = 6 };
    ad_tape *t = ad_tape_new();
    int cases = 0;
    double ratio = 0.0, wv = 0.0, w1 = 0.0, w2 = 0.0;
    for (int op = 0; op < AD_OP_COUNT; op++) {
        const ad_op_info *d = ad_op_get(op);
        const ad__prim *pr = ad__prim_get(op);
        int nvar = d->arity == 2 ? 3 : 1;
        for (int variant = 0; variant < nvar; variant++) {
            uint64_t s = 7000u + 13u * (unsigned)op + (unsigned)variant;
            for (int k = 0; k < NPTS; k++) {
                double x[2];
                long c;
                cr_assert(draw_point(op, &s, x, &c), "%s: no point", d->name);
                char what[128];
                snprintf(what, sizeof what, "%s v%d at (%a, %a; %ld)", d->name,
                         variant, x[0], x[1], c);
                OK(ad_tape_begin(t));
                ad_var a = ad_var_const(x[0]), b = ad_var_const(x[1]);
                if (d->arity == 1 || variant != V_CX)
                    a = ad_independent(x[0]);
                if (d->arity == 2 && variant != V_XC)
                    b = ad_independent(x[1]);
                ad_dependent(apply(op, variant, a, b, x[0], x[1], (int)c));
                OK(ad_tape_end(t));
                size_t n = tape_n(t);
                double yd, ym, gd[2], gm[2], hd[2], hm[2], jd, jm;
                OK(ad_tape_eval(t, NULL, &yd));
                OK(ad_tape_mpfr_eval(t, NULL, 0, &ym));
                judge_prim(yd, ym, pr->ulp_value, what, "value", &ratio, &wv);
                OK(ad_tape_gradient(t, NULL, gd));
                OK(ad_tape_mpfr_gradient(t, NULL, 0, gm));
                const double one = 1.0;
                double vd[2], vm[2];
                OK(ad_tape_vjp(t, NULL, &one, NULL, vd));
                OK(ad_tape_mpfr_vjp(t, NULL, 0, &one, NULL, vm));
                for (size_t i = 0; i < n; i++) {
                    double e[2] = {0.0, 0.0};
                    e[i] = 1.0;
                    judge_prim(gd[i], gm[i], pr->ulp_d1, what, "gradient",
                               &ratio, &w1);
                    cr_expect(vm[i] == gm[i], "%s: vjp %a, gradient %a", what,
                              vm[i], gm[i]);
                    OK(ad_tape_jvp(t, NULL, e, NULL, &jd));
                    OK(ad_tape_mpfr_jvp(t, NULL, 0, e, NULL, &jm));
                    judge_prim(jd, jm, pr->ulp_d1, what, "jvp", &ratio, &w1);
                    cr_expect(jm == gm[i], "%s: jvp %a, gradient %a", what, jm,
                              gm[i]);
                    OK(ad_tape_hvp(t, NULL, e, hd));
                    OK(ad_tape_mpfr_hvp(t, NULL, 0, e, hm));
                    for (size_t j = 0; j < n; j++)
                        judge_prim(hd[j], hm[j], pr->ulp_d2, what, "hvp",
                                   &ratio, &w2);
                }
                /* Replayed at the same point given as x: the same numbers. */
                double xin[2] = {variant == V_CX ? x[1] : x[0], x[1]}, g2[2];
                OK(ad_tape_mpfr_gradient(t, xin, 0, g2));
                for (size_t i = 0; i < n; i++)
                    cr_expect(same_bits(g2[i], gm[i]), "%s: replay", what);
                cases++;
            }
        }
    }
    cr_log_info("every_primitive: %d cases; max ulp of the double rules vs "
                "MPFR: value %.3g, first partials %.3g, second %.3g; at most "
                "%.2f of the documented bound",
                cases, wv, w1, w2, ratio);
    ad_tape_free(t);
}

/* ---- 5. consistency of the reference ------------------------------------- */

/* The reference is stable: 256 and 1024 bits round to the same doubles. */
Test(mpfr, precision_independent)
{
    uint64_t s = 15u;
    ad_tape *t = ad_tape_new();
    double wt[MLP_NW], v[MLP_NW], g1[MLP_NW], g2[MLP_NW], h1[MLP_NW],
        h2[MLP_NW];
    fill(&s, wt, MLP_NW, -1.0, 1.0);
    fill(&s, v, MLP_NW, -1.0, 1.0);
    rec_mlp(t, wt, 1);
    OK(ad_tape_mpfr_gradient(t, NULL, 256, g1));
    OK(ad_tape_mpfr_gradient(t, NULL, 1024, g2));
    OK(ad_tape_mpfr_hvp(t, NULL, 256, v, h1));
    OK(ad_tape_mpfr_hvp(t, NULL, 1024, v, h2));
    for (int i = 0; i < MLP_NW; i++) {
        cr_expect(same_bits(g1[i], g2[i]), "g[%d] %a vs %a", i, g1[i], g2[i]);
        cr_expect(same_bits(h1[i], h2[i]), "hv[%d] %a vs %a", i, h1[i], h2[i]);
    }
    /* 53 bits is a different computation, but close. */
    OK(ad_tape_mpfr_gradient(t, NULL, 53, g2));
    for (int i = 0; i < MLP_NW; i++)
        cr_expect(fabs(g2[i] - g1[i]) <= 1e-12 * (1.0 + fabs(g1[i])));
    ad_tape_free(t);
}

/* The dot-product test <w, J v> = <J^T w, v> on the reference itself, at
 * 256 bits: equal to far below double rounding. */
Test(mpfr, dot_product_test)
{
    uint64_t s = 16u;
    ad_tape *t = ad_tape_new();
    double x[ARR_N], v[ARR_N], w[ARR_M], jv[ARR_M], wj[ARR_N];
    fill(&s, x, ARR_N, -1.0, 1.0);
    rec_arrays(t, x);
    fill(&s, v, ARR_N, -1.0, 1.0);
    fill(&s, w, ARR_M, -1.0, 1.0);
    OK(ad_tape_mpfr_jvp(t, NULL, 0, v, NULL, jv));
    OK(ad_tape_mpfr_vjp(t, NULL, 0, w, NULL, wj));
    double a = 0.0, b = 0.0, sa = 0.0;
    for (int j = 0; j < ARR_M; j++)
        a += w[j] * jv[j], sa += fabs(w[j] * jv[j]);
    for (int i = 0; i < ARR_N; i++)
        b += wj[i] * v[i];
    cr_expect(fabs(a - b) <= 1e-14 * sa, "<w, Jv> %.17g, <J^T w, v> %.17g", a,
              b);
    ad_tape_free(t);
}

/* A tape saved to a file and loaded back replays to the same doubles, at
 * the recorded point (the loaded values) and at a new one. */
Test(mpfr, loaded_tape)
{
    uint64_t s = 18u;
    double x[ARR_N], x2[ARR_N], v[ARR_N], g1[ARR_N], g2[ARR_N], h1[ARR_N],
        h2[ARR_N];
    fill(&s, x, ARR_N, -1.0, 1.0);
    fill(&s, x2, ARR_N, -1.0, 1.0);
    fill(&s, v, ARR_N, -1.0, 1.0);
    ad_tape *t = ad_tape_new(), *u = ad_tape_new();
    rec_arrays(t, x);
    char path[] = "/tmp/admix-mpfr-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    OK(ad_tape_save(t, path));
    OK(ad_tape_load(u, path));
    remove(path);
    for (int at = 0; at < 2; at++) {
        const double *p = at ? x2 : NULL;
        OK(ad_tape_mpfr_gradient(t, p, 0, g1));
        OK(ad_tape_mpfr_gradient(u, p, 0, g2));
        OK(ad_tape_mpfr_hvp(t, p, 0, v, h1));
        OK(ad_tape_mpfr_hvp(u, p, 0, v, h2));
        for (int i = 0; i < ARR_N; i++)
            cr_expect(same_bits(g1[i], g2[i]) && same_bits(h1[i], h2[i]),
                      "[%d] at %d", i, at);
    }
    ad_tape_free(u);
    ad_tape_free(t);
}

/* Outputs may alias inputs: the gradient written over x, the jvp over v. */
Test(mpfr, aliasing)
{
    double x[10] = {0.3, -1.1, 0.7, 1.9, -0.4, 0.2, 1.3, -1.7, 0.9, 0.5};
    double g[10], buf[10];
    ad_tape *t = ad_tape_new();
    rec_rosenbrock(t, x, 10);
    OK(ad_tape_mpfr_gradient(t, x, 0, g));
    memcpy(buf, x, sizeof x);
    OK(ad_tape_mpfr_gradient(t, buf, 0, buf));
    for (int i = 0; i < 10; i++)
        cr_expect(same_bits(buf[i], g[i]));
    double hv[10];
    OK(ad_tape_mpfr_hvp(t, x, 0, x, hv));
    memcpy(buf, x, sizeof x);
    OK(ad_tape_mpfr_hvp(t, buf, 0, buf, buf));
    for (int i = 0; i < 10; i++)
        cr_expect(same_bits(buf[i], hv[i]));
    ad_tape_free(t);
}

/* Several threads replay one tape at once and get the serial results. */
typedef struct job {
    ad_tape *t;
    const double *x;
    double g[MLP_NW], hv[MLP_NW];
    int rc;
} job;

static int worker(void *arg)
{
    job *j = arg;
    double v[MLP_NW];
    for (int i = 0; i < MLP_NW; i++)
        v[i] = 1.0 / (i + 1);
    j->rc = ad_tape_mpfr_gradient(j->t, j->x, 0, j->g);
    if (j->rc == AD_OK)
        j->rc = ad_tape_mpfr_hvp(j->t, j->x, 0, v, j->hv);
    return 0;
}

Test(mpfr, threads)
{
    uint64_t s = 17u;
    double wt[MLP_NW], x2[MLP_NW];
    fill(&s, wt, MLP_NW, -1.0, 1.0);
    fill(&s, x2, MLP_NW, -1.0, 1.0);
    ad_tape *t = ad_tape_new();
    rec_mlp(t, wt, 1);
    job serial = {t, x2, {0}, {0}, 0}, par[3];
    worker(&serial);
    OK(serial.rc);
    thrd_t th[3];
    for (int k = 0; k < 3; k++) {
        par[k] = serial;
        par[k].x = k == 1 ? NULL : x2;
        cr_assert(thrd_create(&th[k], worker, &par[k]) == thrd_success);
    }
    for (int k = 0; k < 3; k++)
        thrd_join(th[k], NULL);
    job at_rec = {t, NULL, {0}, {0}, 0};
    worker(&at_rec);
    for (int k = 0; k < 3; k++) {
        const job *ref = k == 1 ? &at_rec : &serial;
        OK(par[k].rc);
        for (int i = 0; i < MLP_NW; i++)
            cr_expect(same_bits(par[k].g[i], ref->g[i]) &&
                      same_bits(par[k].hv[i], ref->hv[i]));
    }
    ad_tape_free(t);
}

/* The caller's MPFR exponent range and flags are left as they were. */
Test(mpfr, caller_state_kept)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(3.0);
    ad_dependent(ad_exp(ad_mul(x, 300.0))); /* beyond DBL_MAX */
    OK(ad_tape_end(t));
    mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    cr_assert(mpfr_set_emax(2000) == 0);
    mpfr_clear_flags();
    double y, g;
    OK(ad_tape_mpfr_eval(t, NULL, 0, &y));
    OK(ad_tape_mpfr_gradient(t, NULL, 0, &g));
    cr_expect(isinf(y) && isinf(g), "%g %g", y, g);
    cr_expect(mpfr_get_emax() == 2000 && mpfr_flags_test(MPFR_FLAGS_ALL) == 0);
    mpfr_set_emin(emin);
    mpfr_set_emax(emax);
    ad_tape_free(t);
}

/* ---- 6. errors ----------------------------------------------------------- */

static int cb_value(const void *ctx, size_t n, const double *x, size_t m,
                    double *y)
{
    (void)ctx, (void)n, (void)m;
    y[0] = 2.0 * x[0];
    return 0;
}

static int cb_deriv(const void *ctx, size_t n, const double *x, const double *y,
                    const double *v, size_t m, double *out)
{
    (void)ctx, (void)n, (void)x, (void)y, (void)m;
    out[0] = 2.0 * v[0];
    return 0;
}

Test(mpfr, errors)
{
    ad_tape *t = ad_tape_new();
    double x = 1.5, y, g, v = 1.0;
    /* An empty tape (never recorded), NULL. */
    IS(ad_tape_mpfr_eval(t, NULL, 0, &y), AD_EINVAL);
    IS(ad_tape_mpfr_gradient(t, NULL, 0, &g), AD_EINVAL);
    IS(ad_tape_mpfr_gradient(NULL, NULL, 0, &g), AD_EINVAL);
    IS(ad_tape_mpfr_hvp(NULL, NULL, 0, &v, &g), AD_EINVAL);
    IS(ad_tape_mpfr_jvp(NULL, NULL, 0, &v, &y, &g), AD_EINVAL);
    IS(ad_tape_mpfr_vjp(NULL, NULL, 0, &v, &y, &g), AD_EINVAL);

    OK(ad_tape_begin(t));
    ad_var a = ad_independent(x);
    ad_dependent(ad_mul(ad_sin(a), a));
    /* While recording: not a finished tape. */
    IS(ad_tape_mpfr_eval(t, NULL, 0, &y), AD_EINVAL);
    OK(ad_tape_end(t));
    OK(ad_tape_mpfr_eval(t, NULL, 0, &y));
    /* Precision. */
    IS(ad_tape_mpfr_eval(t, NULL, 1, &y), AD_EINVAL);
    IS(ad_tape_mpfr_eval(t, NULL, -256, &y), AD_EINVAL);
    IS(ad_tape_mpfr_gradient(t, NULL, LONG_MAX, &g), AD_EINVAL);
    IS(ad_tape_mpfr_hvp(t, NULL, (long)MPFR_PREC_MAX + 1, &v, &g), AD_EINVAL);
    OK(ad_tape_mpfr_eval(t, NULL, 2, &y));
    /* NULL arrays. */
    IS(ad_tape_mpfr_eval(t, NULL, 0, NULL), AD_EINVAL);
    IS(ad_tape_mpfr_gradient(t, NULL, 0, NULL), AD_EINVAL);
    IS(ad_tape_mpfr_jvp(t, NULL, 0, NULL, &y, &g), AD_EINVAL);
    IS(ad_tape_mpfr_jvp(t, NULL, 0, &v, &y, NULL), AD_EINVAL);
    IS(ad_tape_mpfr_vjp(t, NULL, 0, NULL, &y, &g), AD_EINVAL);
    IS(ad_tape_mpfr_vjp(t, NULL, 0, &v, &y, NULL), AD_EINVAL);
    IS(ad_tape_mpfr_hvp(t, NULL, 0, NULL, &g), AD_EINVAL);
    IS(ad_tape_mpfr_hvp(t, NULL, 0, &v, NULL), AD_EINVAL);
    /* y may be NULL in jvp and vjp. */
    OK(ad_tape_mpfr_jvp(t, NULL, 0, &v, NULL, &g));
    OK(ad_tape_mpfr_vjp(t, NULL, 0, &v, NULL, &g));

    /* No outputs: gradient and hvp refuse, eval gives nothing. */
    OK(ad_tape_begin(t));
    ad_var b = ad_independent(x);
    (void)ad_sin(b);
    OK(ad_tape_end(t));
    IS(ad_tape_mpfr_gradient(t, NULL, 0, &g), AD_EINVAL);
    IS(ad_tape_mpfr_hvp(t, NULL, 0, &v, &g), AD_EINVAL);
    OK(ad_tape_mpfr_eval(t, NULL, 0, NULL));

    /* A custom primitive: callbacks in double only. */
    static const ad_custom twice = {"twice",  cb_value, cb_deriv,
                                    cb_deriv, NULL,     NULL};
    OK(ad_tape_begin(t));
    ad_var c = ad_independent(x), d;
    OK(ad_custom_var(&twice, 1, &c, 1, &d));
    ad_dependent(ad_sqr(d));
    OK(ad_tape_end(t));
    OK(ad_tape_gradient(t, NULL, &g));
    cr_expect(g == 8.0 * x);
    IS(ad_tape_mpfr_eval(t, NULL, 0, &y), AD_EUNSUPPORTED);
    IS(ad_tape_mpfr_gradient(t, NULL, 0, &g), AD_EUNSUPPORTED);
    IS(ad_tape_mpfr_jvp(t, NULL, 0, &v, &y, &g), AD_EUNSUPPORTED);
    IS(ad_tape_mpfr_vjp(t, NULL, 0, &v, &y, &g), AD_EUNSUPPORTED);
    IS(ad_tape_mpfr_hvp(t, NULL, 0, &v, &g), AD_EUNSUPPORTED);
    ad_tape_free(t);
}

/* A comparison that comes out otherwise at a new point: AD_ERETAPE, as the
 * double replay says, with ad_tape_last_flip() naming it. */
Test(mpfr, flipped_comparison)
{
    ad_tape *t = ad_tape_new();
    OK(ad_tape_begin(t));
    ad_var x = ad_independent(0.5), y = ad_independent(2.0);
    cr_assert(ad_gt(y, 1.0)); /* comparison 0: stays */
    ad_var f = ad_lt(x, 1.0) ? ad_sqr(x) : ad_mul(x, 3.0); /* comparison 1 */
    ad_dependent(ad_mul(f, y));
    OK(ad_tape_end(t));
    double yv, g[2];
    const double same[2] = {0.25, 3.0}, flip[2] = {2.0, 3.0},
                 flip0[2] = {0.25, 0.5};
    OK(ad_tape_mpfr_eval(t, NULL, 0, &yv));
    cr_expect(yv == 0.5);
    OK(ad_tape_mpfr_gradient(t, same, 0, g));
    cr_expect(g[0] == 1.5 && g[1] == 0.0625);
    cr_expect(ad_tape_last_flip() == -1);
    IS(ad_tape_eval(t, flip, &yv), AD_ERETAPE);
    IS(ad_tape_mpfr_eval(t, flip, 0, &yv), AD_ERETAPE);
    cr_expect(ad_tape_last_flip() == 1);
    IS(ad_tape_mpfr_gradient(t, flip0, 0, g), AD_ERETAPE);
    cr_expect(ad_tape_last_flip() == 0);
    IS(ad_tape_mpfr_hvp(t, flip, 0, same, g), AD_ERETAPE);
    IS(ad_tape_mpfr_jvp(t, flip, 0, same, &yv, g), AD_ERETAPE);
    IS(ad_tape_mpfr_vjp(t, flip, 0, same, &yv, g), AD_ERETAPE);
    OK(ad_tape_mpfr_eval(t, same, 0, &yv));
    cr_expect(ad_tape_last_flip() == -1);
    ad_tape_free(t);
}
