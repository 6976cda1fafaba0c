/* test_drivers.c -- the drivers on an ad_fn (admix/drivers.h) and their GSL
 * twins and adapters (admix/gsl.h): every driver in every mode that applies
 * against analytic derivatives (Rosenbrock, Speelpenning, small maps
 * R^3 -> R^2 and R^2 -> R^4, a function with a full Hessian) and against
 * the other modes on dense maps; AUTO's choices; the three Hessians; the
 * GSL twins on strided objects; every error path; OpenMP and C11 threads
 * against the serial run.
 *
 * Tolerances.  Analytic values and the exact modes (forward, reverse,
 * forward-over-reverse, hyper-dual) differ only in the order of a few
 * roundings: 1e-13 relative, normwise over the compared array, a few
 * hundred ulps and far below any wrong rule or seed.  Central differences
 * of gradients (AD_FD_REV) are documented to about 1e-10 on smooth,
 * well-scaled functions; the tests allow 1e-7.  Where the same operations
 * run in the same order (threads against the serial run, a twin against
 * its driver) the comparison is bitwise. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <criterion/criterion.h>

#include <admix.h>
#include <admix/gsl.h>

#include <gsl/gsl_errno.h>

typedef struct size_params {
    size_t n, m;
} size_params;

#define AD_TEMPLATE "test_drivers.inc"
#include <admix/instantiate.h>
AD_FN(rosen, ((const size_params *)params)->n, 1)
AD_FN(speel, ((const size_params *)params)->n, 1)
AD_FN(wide, 3, 2)
AD_FN(tall, 2, 4)
AD_FN(dense, ((const size_params *)params)->n, ((const size_params *)params)->m)
AD_FN(full, ((const size_params *)params)->n, 1)
AD_FN(rank1, ((const size_params *)params)->n, ((const size_params *)params)->n)
AD_FN(logx, 2, 1)
AD_FN(branch, 2, 1)

/* ---- helpers ------------------------------------------------------------- */

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

static const double EXACT = 1e-13; /* exact modes, see above */
static const double FD = 1e-7;     /* AD_FD_REV */

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    cr_assert(p != NULL, "out of memory");
    return p;
}

/* The normwise relative error max |got - want| / max |want|. */
static double rel_err(const double *got, const double *want, size_t n)
{
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]);
        if (!(d <= DBL_MAX))
            return INFINITY;
        e = fmax(e, d);
        s = fmax(s, fabs(want[i]));
    }
    return s > 0.0 ? e / s : e;
}

static void check_vec(const double *got, const double *want, size_t n,
                      double tol, const char *what)
{
    double e = rel_err(got, want, n);
    cr_expect(e <= tol, "%s: relative error %.3g > %.3g", what, e, tol);
    if (!(e <= tol))
        for (size_t i = 0; i < n && i < 8; i++)
            cr_log_info("  %s [%zu]: %.17g, want %.17g", what, i, got[i],
                        want[i]);
}

static void check_same(const double *a, const double *b, size_t n,
                       const char *what)
{
    cr_expect(memcmp(a, b, n * sizeof *a) == 0, "%s: not bitwise equal", what);
}

/* A point with no special values: x_i = base + step i. */
static void point(double *x, size_t n, double base, double step)
{
    for (size_t i = 0; i < n; i++)
        x[i] = base + step * (double)i;
}

/* The modes of each driver, for loops over them. */
static const ad_mode GRAD_MODES[] = {AD_AUTO, AD_REVERSE, AD_FORWARD};
static const ad_mode JAC_MODES[] = {AD_AUTO, AD_FORWARD, AD_REVERSE};
static const ad_mode HESS_MODES[] = {AD_AUTO, AD_FOR_REV, AD_HYPERDUAL,
                                     AD_FD_REV};
#define COUNT(a) (sizeof(a) / sizeof(a)[0])

static double tol_of(ad_mode mode)
{
    return mode == AD_FD_REV ? FD : EXACT;
}

/* ---- analytic derivatives ------------------------------------------------ */

static void rosen_grad(const double *x, size_t n, double *g)
{
    for (size_t i = 0; i < n; i++) {
        g[i] = 0.0;
        if (i + 1 < n)
            g[i] +=
                -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
        if (i > 0)
            g[i] += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
    }
}

static void rosen_hess(const double *x, size_t n, double *H)
{
    memset(H, 0, n * n * sizeof *H);
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n) {
            H[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            H[i * n + i + 1] = H[(i + 1) * n + i] = -400.0 * x[i];
        }
        if (i > 0)
            H[i * n + i] += 200.0;
    }
}

static double rosen_value(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i + 1 < n; i++) {
        double t = x[i + 1] - x[i] * x[i], u = 1.0 - x[i];
        s += 100.0 * t * t + u * u;
    }
    return s;
}

/* Speelpenning: g_i = prod_{k != i} x_k, H_ij = prod_{k != i, j} x_k. */
static void speel_derivs(const double *x, size_t n, double *g, double *H)
{
    for (size_t i = 0; i < n; i++) {
        g[i] = 1.0;
        for (size_t k = 0; k < n; k++)
            if (k != i)
                g[i] *= x[k];
        for (size_t j = 0; j < n; j++) {
            double p = 1.0;
            for (size_t k = 0; k < n; k++)
                if (k != i && k != j)
                    p *= x[k];
            H[i * n + j] = i == j ? 0.0 : p;
        }
    }
}

static void wide_jac(const double *x, double *y, double *J)
{
    double e = exp(x[0] * x[2]);
    y[0] = x[0] * x[1] * x[1] + sin(x[2]);
    y[1] = e - x[1] / x[2];
    double j[6] = {x[1] * x[1], 2.0 * x[0] * x[1],
                   cos(x[2]),   x[2] * e,
                   -1.0 / x[2], x[0] * e + x[1] / (x[2] * x[2])};
    memcpy(J, j, sizeof j);
}

static void tall_jac(const double *x, double *y, double *J)
{
    double e = exp(x[0] - x[1]);
    y[0] = x[0] * x[1];
    y[1] = sin(x[0]);
    y[2] = x[1] * x[1];
    y[3] = e;
    double j[8] = {x[1], x[0], cos(x[0]), 0.0, 0.0, 2.0 * x[1], e, -e};
    memcpy(J, j, sizeof j);
}

/* f = sum cos(x_i x_{i+1}) + t^3 / 10 + exp(x_0 - x_{n-1}), t = sum x_i. */
static void full_derivs(const double *x, size_t n, double *g, double *H)
{
    double t = 0.0;
    for (size_t i = 0; i < n; i++)
        t += x[i];
    double E = exp(x[0] - x[n - 1]);
    for (size_t i = 0; i < n; i++) {
        g[i] = 0.3 * t * t;
        for (size_t j = 0; j < n; j++)
            H[i * n + j] = 0.6 * t;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        double u = x[i] * x[i + 1], s = sin(u), c = cos(u);
        g[i] -= s * x[i + 1];
        g[i + 1] -= s * x[i];
        H[i * n + i] -= c * x[i + 1] * x[i + 1];
        H[(i + 1) * n + i + 1] -= c * x[i] * x[i];
        H[i * n + i + 1] -= c * u + s;
        H[(i + 1) * n + i] -= c * u + s;
    }
    g[0] += E;
    g[n - 1] -= E;
    H[0] += E;
    H[(n - 1) * n + n - 1] += E;
    H[n - 1] -= E;
    H[(n - 1) * n] -= E;
}

/* ---- ad_mode_name -------------------------------------------------------- */

Test(drivers, mode_names)
{
    cr_expect_str_eq(ad_mode_name(AD_AUTO), "auto");
    cr_expect_str_eq(ad_mode_name(AD_FORWARD), "forward");
    cr_expect_str_eq(ad_mode_name(AD_REVERSE), "reverse");
    cr_expect_str_eq(ad_mode_name(AD_FOR_REV), "for_rev");
    cr_expect_str_eq(ad_mode_name(AD_HYPERDUAL), "hyperdual");
    cr_expect_str_eq(ad_mode_name(AD_FD_REV), "fd_rev");
    cr_expect_str_eq(ad_mode_name((ad_mode)42), "unknown");
    cr_expect_str_eq(ad_mode_name((ad_mode)-1), "unknown");
}

/* ---- gradients ----------------------------------------------------------- */

/* n = 11 and 21: not multiples of AD_LANES, so the last forward pass has
 * idle lanes. */
Test(drivers, gradient_rosenbrock_every_mode)
{
    size_t ns[] = {1, 2, 11, 21};
    for (size_t k = 0; k < COUNT(ns); k++) {
        size_params p = {ns[k], 1};
        ad_fn f = rosen_fn(&p);
        size_t n = p.n;
        double x[21], g[21], want[21], y;
        point(x, n, -1.2, 0.385);
        rosen_grad(x, n, want);
        for (size_t i = 0; i < COUNT(GRAD_MODES); i++) {
            char what[64];
            snprintf(what, sizeof what, "rosen n=%zu %s", n,
                     ad_mode_name(GRAD_MODES[i]));
            y = NAN;
            OK(ad_gradient(&f, GRAD_MODES[i], x, &y, g));
            check_vec(g, want, n, EXACT, what);
            double yv = rosen_value(x, n);
            cr_expect(fabs(y - yv) <= 1e-14 * fmax(1.0, fabs(yv)),
                      "%s: y = %.17g, want %.17g", what, y, yv);
            /* y may be NULL. */
            OK(ad_gradient(&f, GRAD_MODES[i], x, NULL, g));
            check_vec(g, want, n, EXACT, what);
        }
    }
}

Test(drivers, gradient_speelpenning)
{
    size_params p = {13, 1};
    ad_fn f = speel_fn(&p);
    double x[13], g[13], want[13], H[169];
    point(x, 13, 0.61, 0.093);
    speel_derivs(x, 13, want, H);
    for (size_t i = 0; i < COUNT(GRAD_MODES); i++) {
        OK(ad_gradient(&f, GRAD_MODES[i], x, NULL, g));
        check_vec(g, want, 13, EXACT, ad_mode_name(GRAD_MODES[i]));
    }
}

/* ---- jvp, vjp and Jacobians on the small maps ---------------------------- */

/* Checks every first-order driver on f against the analytic J and y. */
static void check_first_order(const ad_fn *f, const double *x,
                              const double *ywant, const double *Jwant)
{
    size_t n = f->n, m = f->m;
    double v[8], w[8], jv[8], wj[8], jvw[8], wjw[8], y[8], J[64];
    cr_assert(n <= 8 && m <= 8);
    point(v, n, 0.7, -0.31);
    point(w, m, -0.45, 0.27);
    for (size_t i = 0; i < m; i++) {
        jvw[i] = 0.0;
        for (size_t j = 0; j < n; j++)
            jvw[i] += Jwant[i * n + j] * v[j];
    }
    for (size_t j = 0; j < n; j++) {
        wjw[j] = 0.0;
        for (size_t i = 0; i < m; i++)
            wjw[j] += w[i] * Jwant[i * n + j];
    }
    for (size_t k = 0; k < COUNT(JAC_MODES); k++) {
        ad_mode mode = JAC_MODES[k];
        char what[64];
        snprintf(what, sizeof what, "%s jvp %s", f->name, ad_mode_name(mode));
        OK(ad_jvp(f, mode, x, v, y, jv));
        check_vec(jv, jvw, m, EXACT, what);
        check_vec(y, ywant, m, EXACT, what);
        OK(ad_jvp(f, mode, x, v, NULL, jv));
        check_vec(jv, jvw, m, EXACT, what);

        snprintf(what, sizeof what, "%s vjp %s", f->name, ad_mode_name(mode));
        OK(ad_vjp(f, mode, x, w, y, wj));
        check_vec(wj, wjw, n, EXACT, what);
        check_vec(y, ywant, m, EXACT, what);
        OK(ad_vjp(f, mode, x, w, NULL, wj));
        check_vec(wj, wjw, n, EXACT, what);

        snprintf(what, sizeof what, "%s jacobian %s", f->name,
                 ad_mode_name(mode));
        ad_mode used = (ad_mode)-1;
        OK(ad_jacobian(f, mode, x, y, J, &used));
        check_vec(J, Jwant, m * n, EXACT, what);
        check_vec(y, ywant, m, EXACT, what);
        ad_mode want = mode != AD_AUTO ? mode
                       : n <= m        ? AD_FORWARD
                                       : AD_REVERSE;
        cr_expect(used == want, "%s: used %s, want %s", what,
                  ad_mode_name(used), ad_mode_name(want));
        OK(ad_jacobian(f, mode, x, NULL, J, NULL));
        check_vec(J, Jwant, m * n, EXACT, what);
    }
}

Test(drivers, first_order_wide_map)
{
    ad_fn f = wide_fn(NULL);
    double x[3] = {0.83, -1.27, 0.59}, y[2], J[6];
    wide_jac(x, y, J);
    check_first_order(&f, x, y, J);
}

Test(drivers, first_order_tall_map)
{
    ad_fn f = tall_fn(NULL);
    double x[2] = {0.83, -1.27}, y[4], J[8];
    tall_jac(x, y, J);
    check_first_order(&f, x, y, J);
}

/* AUTO picks forward when n <= m and reverse otherwise, and says so; and on
 * dense maps of both shapes (more than AD_LANES and 8 columns and rows)
 * the modes agree, and agree with jvp and vjp (the dot-product test
 * <w, J v> = <w^T J, v>). */
Test(drivers, jacobian_modes_agree_on_dense_maps)
{
    size_params shapes[] = {{19, 23}, {23, 19}, {9, 9}, {1, 17}, {17, 1}};
    for (size_t s = 0; s < COUNT(shapes); s++) {
        size_params p = shapes[s];
        ad_fn f = dense_fn(&p);
        size_t n = p.n, m = p.m;
        double *x = xmalloc(n * sizeof *x), *v = xmalloc(n * sizeof *v);
        double *w = xmalloc(m * sizeof *w), *y1 = xmalloc(m * sizeof *y1);
        double *y2 = xmalloc(m * sizeof *y2), *jv = xmalloc(m * sizeof *jv);
        double *wj = xmalloc(n * sizeof *wj);
        double *Jf = xmalloc(m * n * sizeof *Jf);
        double *Jr = xmalloc(m * n * sizeof *Jr);
        double *Ja = xmalloc(m * n * sizeof *Ja);
        point(x, n, -0.83, 0.117);
        point(v, n, 0.37, 0.053);
        point(w, m, 0.91, -0.071);
        ad_mode used;
        OK(ad_jacobian(&f, AD_FORWARD, x, y1, Jf, &used));
        cr_expect(used == AD_FORWARD);
        OK(ad_jacobian(&f, AD_REVERSE, x, y2, Jr, &used));
        cr_expect(used == AD_REVERSE);
        OK(ad_jacobian(&f, AD_AUTO, x, NULL, Ja, &used));
        cr_expect(used == (n <= m ? AD_FORWARD : AD_REVERSE),
                  "n=%zu m=%zu: AUTO used %s", n, m, ad_mode_name(used));
        char what[64];
        snprintf(what, sizeof what, "dense %zux%zu", m, n);
        check_vec(Jr, Jf, m * n, EXACT, what);
        check_same(Ja, used == AD_FORWARD ? Jf : Jr, m * n, what);
        check_vec(y2, y1, m, EXACT, what);

        /* <w, J v> = <w^T J, v>, each side also against J. */
        OK(ad_jvp(&f, AD_AUTO, x, v, NULL, jv));
        OK(ad_vjp(&f, AD_AUTO, x, w, NULL, wj));
        double a = 0.0, b = 0.0, c = 0.0;
        for (size_t i = 0; i < m; i++) {
            a += w[i] * jv[i];
            for (size_t j = 0; j < n; j++)
                c += w[i] * Jf[i * n + j] * v[j];
        }
        for (size_t j = 0; j < n; j++)
            b += wj[j] * v[j];
        cr_expect(fabs(a - b) <= EXACT * (fabs(a) + fabs(c)),
                  "%s: <w, Jv> = %.17g, <w^T J, v> = %.17g", what, a, b);
        cr_expect(fabs(a - c) <= EXACT * (fabs(a) + fabs(c)),
                  "%s: <w, Jv> = %.17g, w^T J v = %.17g", what, a, c);
        free(x), free(v), free(w), free(y1), free(y2), free(jv), free(wj);
        free(Jf), free(Jr), free(Ja);
    }
}

/* A forward Jacobian large enough that its batches stream whole cache lines
 * of J to memory (forward.c): into a buffer on a line boundary and into one
 * 3 entries past it (a shorter first batch), bitwise the same, and against
 * the closed form and the reverse mode. */
Test(drivers, forward_jacobian_large_whole_lines)
{
    enum { N = 1024 };
    size_params p = {N, N};
    ad_fn f = rank1_fn(&p);
    double *x = xmalloc(N * sizeof *x), *want = xmalloc(N * N * sizeof *want);
    double *Jr = xmalloc(N * N * sizeof *Jr);
    double *base = aligned_alloc(64, (N * N + 8) * sizeof *base);
    double *Ja = xmalloc(N * N * sizeof *Ja);
    cr_assert(base != NULL);
    point(x, N, -0.91, 0.0017);
    double S = 0.0;
    for (size_t j = 0; j < N; j++)
        S += x[j] * x[j];
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            want[i * N + j] =
                2.0 * x[i] * x[j] + (i == j ? S + cos(x[i]) : 0.0);
    for (size_t off = 0; off <= 3; off += 3) {
        char what[64];
        snprintf(what, sizeof what, "n = %d, J at a line + %zu", N, off);
        OK(ad_jacobian(&f, AD_FORWARD, x, NULL, base + off, NULL));
        check_vec(base + off, want, N * N, EXACT, what);
        if (off == 0)
            memcpy(Ja, base, N * N * sizeof *Ja);
        else
            check_same(base + off, Ja, N * N, what);
    }
    OK(ad_jacobian(&f, AD_REVERSE, x, NULL, Jr, NULL));
    check_vec(Jr, Ja, N * N, EXACT, "forward vs reverse");
    free(x), free(want), free(Jr), free(base), free(Ja);
}

/* ---- second order -------------------------------------------------------- */

/* Every Hessian mode and hvp against analytic H on f at x. */
static void check_second_order(const ad_fn *f, const double *x,
                               const double *Hwant)
{
    size_t n = f->n;
    double *H = xmalloc(n * n * sizeof *H), *v = xmalloc(n * sizeof *v);
    double *hv = xmalloc(n * sizeof *hv), *hvw = xmalloc(n * sizeof *hvw);
    point(v, n, 0.29, 0.041);
    for (size_t i = 0; i < n; i++) {
        hvw[i] = 0.0;
        for (size_t j = 0; j < n; j++)
            hvw[i] += Hwant[i * n + j] * v[j];
    }
    double hmax = 0.0;
    for (size_t i = 0; i < n * n; i++)
        hmax = fmax(hmax, fabs(Hwant[i]));
    for (size_t k = 0; k < COUNT(HESS_MODES); k++) {
        ad_mode mode = HESS_MODES[k], used = (ad_mode)-1;
        char what[64];
        snprintf(what, sizeof what, "%s n=%zu hessian %s", f->name, n,
                 ad_mode_name(mode));
        OK(ad_hessian(f, mode, x, H, &used));
        cr_expect(used == (mode == AD_AUTO ? AD_FOR_REV : mode), "%s: used %s",
                  what, ad_mode_name(used));
        check_vec(H, Hwant, n * n, tol_of(used), what);
        /* Symmetric: exactly for hyper-dual (one pass per pair) and the
         * symmetrised differences, to rounding for forward-over-reverse
         * (row i and column i come from different sweeps). */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < i; j++) {
                double a = H[i * n + j], b = H[j * n + i];
                if (used == AD_FOR_REV)
                    cr_expect(fabs(a - b) <= EXACT * hmax,
                              "%s: H[%zu][%zu] = %.17g, H[%zu][%zu] = %.17g",
                              what, i, j, a, j, i, b);
                else
                    cr_expect(a == b, "%s: not symmetric at %zu, %zu", what, i,
                              j);
            }
        snprintf(what, sizeof what, "%s n=%zu hvp %s", f->name, n,
                 ad_mode_name(mode));
        OK(ad_hvp(f, mode, x, v, hv));
        check_vec(hv, hvw, n, tol_of(mode), what);
    }
    free(H), free(v), free(hv), free(hvw);
}

Test(drivers, hessians_rosenbrock)
{
    size_t ns[] = {1, 2, 11};
    for (size_t k = 0; k < COUNT(ns); k++) {
        size_params p = {ns[k], 1};
        ad_fn f = rosen_fn(&p);
        double x[11], H[121];
        point(x, p.n, -1.2, 0.385);
        rosen_hess(x, p.n, H);
        check_second_order(&f, x, H);
    }
}

Test(drivers, hessians_speelpenning)
{
    size_params p = {9, 1};
    ad_fn f = speel_fn(&p);
    double x[9], g[9], H[81];
    point(x, 9, 0.71, 0.113);
    speel_derivs(x, 9, g, H);
    check_second_order(&f, x, H);
}

Test(drivers, hessians_full)
{
    size_params p = {14, 1};
    ad_fn f = full_fn(&p);
    double x[14], g[14], H[196], gg[14];
    point(x, 14, -0.63, 0.097);
    full_derivs(x, 14, g, H);
    check_second_order(&f, x, H);
    OK(ad_gradient(&f, AD_AUTO, x, NULL, gg));
    check_vec(gg, g, 14, EXACT, "full gradient");
}

/* The three Hessians agree with each other: FOR_REV and HYPERDUAL to 1e-13,
 * FD_REV to its documented tolerance; hvp is H v in every mode. */
Test(drivers, three_hessians_agree)
{
    size_params p = {23, 1};
    ad_fn f = full_fn(&p);
    size_t n = p.n;
    double x[23], v[23], Hf[529], Hh[529], Hd[529], hv[23], Hv[23];
    point(x, n, 0.41, -0.043);
    point(v, n, -0.5, 0.061);
    OK(ad_hessian(&f, AD_FOR_REV, x, Hf, NULL));
    OK(ad_hessian(&f, AD_HYPERDUAL, x, Hh, NULL));
    OK(ad_hessian(&f, AD_FD_REV, x, Hd, NULL));
    check_vec(Hh, Hf, n * n, EXACT, "hyperdual vs for_rev");
    check_vec(Hd, Hf, n * n, FD, "fd_rev vs for_rev");
    for (size_t i = 0; i < n; i++) {
        Hv[i] = 0.0;
        for (size_t j = 0; j < n; j++)
            Hv[i] += Hf[i * n + j] * v[j];
    }
    for (size_t k = 0; k < COUNT(HESS_MODES); k++) {
        OK(ad_hvp(&f, HESS_MODES[k], x, v, hv));
        check_vec(hv, Hv, n, tol_of(HESS_MODES[k]),
                  ad_mode_name(HESS_MODES[k]));
    }
    /* H 0 = 0 in every mode. */
    double zero[23] = {0};
    for (size_t k = 0; k < COUNT(HESS_MODES); k++) {
        OK(ad_hvp(&f, HESS_MODES[k], x, zero, hv));
        for (size_t i = 0; i < n; i++)
            cr_expect(hv[i] == 0.0, "%s: H 0 [%zu] = %g",
                      ad_mode_name(HESS_MODES[k]), i, hv[i]);
    }
}

/* Central differences across a recorded branch: a replay of the tape at
 * x + h e_0 would take the other branch, so the driver records again
 * there; the result is the difference of the gradients of each side,
 * exactly as computed by hand from fresh gradients. */
Test(drivers, fd_rev_across_a_branch)
{
    ad_fn f = branch_fn(NULL);
    double x[2] = {1.0 - 1e-7, 0.7}, H[4], want[4];
    OK(ad_hessian(&f, AD_FD_REV, x, H, NULL));
    for (size_t i = 0; i < 2; i++) {
        double h = cbrt(DBL_EPSILON) * fmax(1.0, fabs(x[i]));
        double p[2] = {x[0], x[1]}, gp[2], gm[2];
        double xp = x[i] + h, xm = x[i] - h;
        p[i] = xm;
        OK(ad_gradient(&f, AD_REVERSE, p, NULL, gm));
        p[i] = xp;
        OK(ad_gradient(&f, AD_REVERSE, p, NULL, gp));
        for (size_t k = 0; k < 2; k++)
            want[i * 2 + k] = (gp[k] - gm[k]) / (xp - xm);
    }
    want[1] = want[2] = 0.5 * (want[1] + want[2]);
    check_same(H, want, 4, "fd_rev across a branch");
    /* Beside the branch every mode agrees: H = [[6 x0, 0], [0, 2]]. */
    double x2[2] = {0.5, 0.7}, H2[4], Hw[4] = {3.0, 0.0, 0.0, 2.0};
    for (size_t k = 0; k < COUNT(HESS_MODES); k++) {
        OK(ad_hessian(&f, HESS_MODES[k], x2, H2, NULL));
        check_vec(H2, Hw, 4, tol_of(HESS_MODES[k]),
                  ad_mode_name(HESS_MODES[k]));
    }
}

/* ---- AUTO's fallbacks ---------------------------------------------------- */

/* An ad_fn with some entry points removed. */
static ad_fn only(ad_fn f, int dual, int dualv, int hdual, int var)
{
    if (!dual)
        f.f_dual = NULL;
    if (!dualv)
        f.f_dualv = NULL;
    if (!hdual)
        f.f_hdual = NULL;
    if (!var)
        f.f_var = NULL;
    return f;
}

Test(drivers, auto_takes_what_exists)
{
    double x[2] = {0.83, -1.27}, y[4], Jw[8], J[8], jv[4], wj[2];
    double v[2] = {0.3, -0.7}, w[4] = {0.2, 0.5, -0.1, 0.9};
    tall_jac(x, y, Jw);
    ad_mode used;
    /* Only f_var: AUTO's forward pick falls back to reverse. */
    ad_fn f = only(tall_fn(NULL), 0, 0, 0, 1);
    OK(ad_jacobian(&f, AD_AUTO, x, NULL, J, &used));
    cr_expect(used == AD_REVERSE);
    check_vec(J, Jw, 8, EXACT, "only f_var");
    OK(ad_jvp(&f, AD_AUTO, x, v, NULL, jv));
    IS(ad_jacobian(&f, AD_FORWARD, x, NULL, J, &used), AD_EUNSUPPORTED);
    cr_expect(used == AD_AUTO);
    /* Only f_dual: forward mode one column per pass, jvp by ad_dual. */
    f = only(tall_fn(NULL), 1, 0, 0, 0);
    OK(ad_jacobian(&f, AD_AUTO, x, NULL, J, &used));
    cr_expect(used == AD_FORWARD);
    check_vec(J, Jw, 8, EXACT, "only f_dual");
    OK(ad_vjp(&f, AD_AUTO, x, w, NULL, wj));
    IS(ad_vjp(&f, AD_REVERSE, x, w, NULL, wj), AD_EUNSUPPORTED);
    /* Only f_dualv: jvp in lane 0. */
    f = only(tall_fn(NULL), 0, 1, 0, 0);
    double jvw[4];
    for (size_t i = 0; i < 4; i++)
        jvw[i] = Jw[2 * i] * v[0] + Jw[2 * i + 1] * v[1];
    OK(ad_jvp(&f, AD_AUTO, x, v, NULL, jv));
    check_vec(jv, jvw, 4, EXACT, "jvp by f_dualv");
    /* Gradient: reverse, else forward. */
    size_params p = {11, 1};
    double xr[11], g[11], gw[11];
    point(xr, 11, -1.2, 0.385);
    rosen_grad(xr, 11, gw);
    f = only(rosen_fn(&p), 1, 0, 1, 0);
    OK(ad_gradient(&f, AD_AUTO, xr, NULL, g));
    check_vec(g, gw, 11, EXACT, "gradient by f_dual");
    /* Hessian: forward-over-reverse, else hyper-dual. */
    double H[121], Hw[121];
    rosen_hess(xr, 11, Hw);
    OK(ad_hessian(&f, AD_AUTO, xr, H, &used));
    cr_expect(used == AD_HYPERDUAL);
    check_vec(H, Hw, 121, EXACT, "hessian by f_hdual");
    IS(ad_hessian(&f, AD_FOR_REV, xr, H, &used), AD_EUNSUPPORTED);
    IS(ad_hessian(&f, AD_FD_REV, xr, H, &used), AD_EUNSUPPORTED);
    IS(ad_hvp(&f, AD_FD_REV, xr, g, gw), AD_EUNSUPPORTED);
    f = only(rosen_fn(&p), 1, 1, 0, 1);
    IS(ad_hessian(&f, AD_HYPERDUAL, xr, H, &used), AD_EUNSUPPORTED);
    IS(ad_hvp(&f, AD_HYPERDUAL, xr, gw, g), AD_EUNSUPPORTED);
    /* Nothing at all. */
    f = only(rosen_fn(&p), 0, 0, 0, 0);
    IS(ad_gradient(&f, AD_AUTO, xr, NULL, g), AD_EUNSUPPORTED);
    IS(ad_hessian(&f, AD_AUTO, xr, H, &used), AD_EUNSUPPORTED);
    IS(ad_hvp(&f, AD_AUTO, xr, gw, g), AD_EUNSUPPORTED);
    f = only(tall_fn(NULL), 0, 0, 0, 0);
    IS(ad_jacobian(&f, AD_AUTO, x, NULL, J, NULL), AD_EUNSUPPORTED);
    IS(ad_jvp(&f, AD_AUTO, x, v, NULL, jv), AD_EUNSUPPORTED);
    IS(ad_vjp(&f, AD_AUTO, x, w, NULL, wj), AD_EUNSUPPORTED);
}

/* ---- errors -------------------------------------------------------------- */

Test(drivers, argument_errors)
{
    size_params p = {3, 1};
    ad_fn f = rosen_fn(&p), t = tall_fn(NULL);
    double x[4] = {0.3, 0.5, 0.7, 0.9}, g[16], y[4], v[4] = {1, 2, 3, 4};
    ad_mode used = AD_FORWARD;

    IS(ad_gradient(NULL, AD_AUTO, x, y, g), AD_EINVAL);
    IS(ad_gradient(&f, AD_AUTO, NULL, y, g), AD_EINVAL);
    IS(ad_gradient(&f, AD_AUTO, x, y, NULL), AD_EINVAL);
    IS(ad_gradient(&t, AD_AUTO, x, y, g), AD_EINVAL); /* m != 1 */
    IS(ad_jvp(NULL, AD_AUTO, x, v, y, g), AD_EINVAL);
    IS(ad_jvp(&t, AD_AUTO, NULL, v, y, g), AD_EINVAL);
    IS(ad_jvp(&t, AD_AUTO, x, NULL, y, g), AD_EINVAL);
    IS(ad_jvp(&t, AD_AUTO, x, v, y, NULL), AD_EINVAL);
    IS(ad_vjp(NULL, AD_AUTO, x, v, y, g), AD_EINVAL);
    IS(ad_vjp(&t, AD_AUTO, NULL, v, y, g), AD_EINVAL);
    IS(ad_vjp(&t, AD_AUTO, x, NULL, y, g), AD_EINVAL);
    IS(ad_vjp(&t, AD_AUTO, x, v, y, NULL), AD_EINVAL);
    IS(ad_jacobian(NULL, AD_AUTO, x, y, g, &used), AD_EINVAL);
    cr_expect(used == AD_AUTO, "used is AD_AUTO after an error");
    IS(ad_jacobian(&t, AD_AUTO, NULL, y, g, NULL), AD_EINVAL);
    IS(ad_jacobian(&t, AD_AUTO, x, y, NULL, NULL), AD_EINVAL);
    IS(ad_hvp(NULL, AD_AUTO, x, v, g), AD_EINVAL);
    IS(ad_hvp(&f, AD_AUTO, NULL, v, g), AD_EINVAL);
    IS(ad_hvp(&f, AD_AUTO, x, NULL, g), AD_EINVAL);
    IS(ad_hvp(&f, AD_AUTO, x, v, NULL), AD_EINVAL);
    IS(ad_hvp(&t, AD_AUTO, x, v, g), AD_EINVAL); /* m != 1 */
    IS(ad_hessian(NULL, AD_AUTO, x, g, NULL), AD_EINVAL);
    IS(ad_hessian(&f, AD_AUTO, NULL, g, NULL), AD_EINVAL);
    IS(ad_hessian(&f, AD_AUTO, x, NULL, NULL), AD_EINVAL);
    used = AD_FORWARD;
    IS(ad_hessian(&t, AD_AUTO, x, g, &used), AD_EINVAL);
    cr_expect(used == AD_AUTO);

    /* n == 0 and m == 0. */
    ad_fn z = f;
    z.n = 0;
    IS(ad_gradient(&z, AD_AUTO, x, y, g), AD_EINVAL);
    IS(ad_hessian(&z, AD_AUTO, x, g, NULL), AD_EINVAL);
    IS(ad_hvp(&z, AD_AUTO, x, v, g), AD_EINVAL);
    z = t;
    z.n = 0;
    IS(ad_jacobian(&z, AD_AUTO, x, y, g, NULL), AD_EINVAL);
    IS(ad_jvp(&z, AD_AUTO, x, v, y, g), AD_EINVAL);
    z = t;
    z.m = 0;
    IS(ad_jacobian(&z, AD_AUTO, x, y, g, NULL), AD_EINVAL);
    IS(ad_vjp(&z, AD_AUTO, x, v, y, g), AD_EINVAL);

    /* m n too large for a size_t, found before anything is touched. */
    z = t;
    z.n = SIZE_MAX / 4;
    z.m = 16;
    IS(ad_jacobian(&z, AD_FORWARD, x, y, g, NULL), AD_ERANGE);
    z = f;
    z.n = SIZE_MAX / 4;
    IS(ad_hessian(&z, AD_FOR_REV, x, g, NULL), AD_ERANGE);

    /* Unknown and inapplicable modes. */
    ad_mode bad[] = {(ad_mode)-1, (ad_mode)6, (ad_mode)1000};
    for (size_t k = 0; k < COUNT(bad); k++) {
        IS(ad_gradient(&f, bad[k], x, y, g), AD_EINVAL);
        IS(ad_jvp(&t, bad[k], x, v, y, g), AD_EINVAL);
        IS(ad_vjp(&t, bad[k], x, v, y, g), AD_EINVAL);
        IS(ad_jacobian(&t, bad[k], x, y, g, NULL), AD_EINVAL);
        IS(ad_hvp(&f, bad[k], x, v, g), AD_EINVAL);
        IS(ad_hessian(&f, bad[k], x, g, NULL), AD_EINVAL);
    }
    ad_mode second[] = {AD_FOR_REV, AD_HYPERDUAL, AD_FD_REV};
    for (size_t k = 0; k < COUNT(second); k++) {
        IS(ad_gradient(&f, second[k], x, y, g), AD_EINVAL);
        IS(ad_jvp(&t, second[k], x, v, y, g), AD_EINVAL);
        IS(ad_vjp(&t, second[k], x, v, y, g), AD_EINVAL);
        IS(ad_jacobian(&t, second[k], x, y, g, NULL), AD_EINVAL);
    }
    IS(ad_hvp(&f, AD_FORWARD, x, v, g), AD_EINVAL);
    IS(ad_hvp(&f, AD_REVERSE, x, v, g), AD_EINVAL);
    IS(ad_hessian(&f, AD_FORWARD, x, g, NULL), AD_EINVAL);
    IS(ad_hessian(&f, AD_REVERSE, x, g, NULL), AD_EINVAL);
}

/* A domain error: NaN results and AD_EDOM, in every mode, whether or not y
 * is asked for; finite results elsewhere. */
Test(drivers, domain_errors)
{
    ad_fn f = logx_fn(NULL);
    double bad[2] = {-1.5, 0.25}, good[2] = {1.5, 0.25}, y, g[2], H[4];
    double v[2] = {0.5, 0.5};
    for (size_t k = 0; k < COUNT(GRAD_MODES); k++) {
        ad_mode mode = GRAD_MODES[k];
        IS(ad_gradient(&f, mode, bad, &y, g), AD_EDOM);
        cr_expect(isnan(y), "%s: y = %g", ad_mode_name(mode), y);
        cr_expect(isnan(g[0]), "%s: g0 = %g", ad_mode_name(mode), g[0]);
        cr_expect(g[1] == 1.0, "%s: g1 = %g", ad_mode_name(mode), g[1]);
        IS(ad_gradient(&f, mode, bad, NULL, g), AD_EDOM);
        IS(ad_jvp(&f, mode, bad, v, NULL, g), AD_EDOM);
        IS(ad_vjp(&f, mode, bad, v, NULL, g), AD_EDOM);
        IS(ad_jacobian(&f, mode, bad, NULL, g, NULL), AD_EDOM);
        OK(ad_gradient(&f, mode, good, &y, g));
    }
    for (size_t k = 0; k < COUNT(HESS_MODES); k++) {
        ad_mode mode = HESS_MODES[k];
        IS(ad_hessian(&f, mode, bad, H, NULL), AD_EDOM);
        cr_expect(isnan(H[0]), "%s: H00 = %g", ad_mode_name(mode), H[0]);
        IS(ad_hvp(&f, mode, bad, v, g), AD_EDOM);
        OK(ad_hessian(&f, mode, good, H, NULL));
        OK(ad_hvp(&f, mode, good, v, g));
    }
    /* A NaN input is a NaN value. */
    double nanx[2] = {NAN, 0.25};
    IS(ad_gradient(&f, AD_AUTO, nanx, NULL, g), AD_EDOM);
}

/* The reverse modes record on the thread's tape: a thread that is already
 * recording gets AD_EINVAL from them, and the forward modes still work. */
Test(drivers, reverse_modes_while_recording)
{
    size_params p = {5, 1};
    ad_fn f = rosen_fn(&p);
    double x[5], g[5], gw[5], H[25];
    point(x, 5, 0.3, 0.2);
    rosen_grad(x, 5, gw);
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    OK(ad_tape_begin(t));
    IS(ad_gradient(&f, AD_REVERSE, x, NULL, g), AD_EINVAL);
    IS(ad_hessian(&f, AD_FOR_REV, x, H, NULL), AD_EINVAL);
    OK(ad_gradient(&f, AD_FORWARD, x, NULL, g));
    check_vec(g, gw, 5, EXACT, "forward while recording");
    OK(ad_hessian(&f, AD_HYPERDUAL, x, H, NULL));
    OK(ad_tape_end(t));
    ad_tape_free(t);
    /* And the drivers' tape is fine afterwards. */
    OK(ad_gradient(&f, AD_REVERSE, x, NULL, g));
    check_vec(g, gw, 5, EXACT, "reverse after");
}

/* The thread's tape is reused by calls on functions of other sizes, and
 * released and recreated. */
Test(drivers, tape_reuse_and_release)
{
    size_params pa = {11, 1}, pb = {29, 31};
    ad_fn a = rosen_fn(&pa), b = dense_fn(&pb);
    double x[31], g[11], gw[11], J1[29 * 31], J2[29 * 31];
    point(x, 31, -0.9, 0.061);
    rosen_grad(x, 11, gw);
    OK(ad_jacobian(&b, AD_REVERSE, x, NULL, J1, NULL));
    for (int r = 0; r < 3; r++) {
        OK(ad_gradient(&a, AD_REVERSE, x, NULL, g));
        check_vec(g, gw, 11, EXACT, "rosen after dense");
        OK(ad_jacobian(&b, AD_REVERSE, x, NULL, J2, NULL));
        check_same(J1, J2, 29 * 31, "dense after rosen");
        ad_thread_release(); /* the drivers' tape too */
    }
    ad_thread_release(); /* twice: harmless */
}

/* ---- threads ------------------------------------------------------------- */

/* Runs the parallel drivers: forward and reverse Jacobians of both
 * shapes, and the HYPERDUAL and FD_REV Hessians and hvp. */
typedef struct par_out {
    double Jf[37 * 29], Jr[37 * 29], Jt[37 * 29], Jrt[37 * 29];
    double Hh[31 * 31], Hd[31 * 31], Hf[31 * 31], hvh[31], hvd[31];
    int rc;
} par_out;

static void run_parallel_drivers(par_out *o)
{
    size_params wide = {37, 29}, tall = {29, 37}, s = {31, 1};
    ad_fn fw = dense_fn(&wide), ft = dense_fn(&tall), fs = full_fn(&s);
    double x[37], v[31];
    point(x, 37, -0.77, 0.043);
    point(v, 31, 0.5, -0.029);
    o->rc = AD_OK;
    int rc[9];
    rc[0] = ad_jacobian(&fw, AD_FORWARD, x, NULL, o->Jf, NULL);
    rc[1] = ad_jacobian(&fw, AD_REVERSE, x, NULL, o->Jr, NULL);
    rc[2] = ad_jacobian(&ft, AD_FORWARD, x, NULL, o->Jt, NULL);
    rc[3] = ad_jacobian(&ft, AD_REVERSE, x, NULL, o->Jrt, NULL);
    rc[4] = ad_hessian(&fs, AD_HYPERDUAL, x, o->Hh, NULL);
    rc[5] = ad_hessian(&fs, AD_FD_REV, x, o->Hd, NULL);
    rc[6] = ad_hessian(&fs, AD_FOR_REV, x, o->Hf, NULL);
    rc[7] = ad_hvp(&fs, AD_HYPERDUAL, x, v, o->hvh);
    rc[8] = ad_hvp(&fs, AD_FD_REV, x, v, o->hvd);
    for (int k = 0; k < 9; k++)
        if (rc[k] != AD_OK)
            o->rc = rc[k];
}

static void check_par_same(const par_out *a, const par_out *b, const char *what)
{
    cr_expect(a->rc == AD_OK && b->rc == AD_OK, "%s: status %d, %d", what,
              a->rc, b->rc);
    cr_expect(memcmp(a, b, sizeof *a) == 0, "%s: results differ", what);
    check_same(a->Jf, b->Jf, 37 * 29, "forward wide");
    check_same(a->Jr, b->Jr, 37 * 29, "reverse wide");
    check_same(a->Jt, b->Jt, 37 * 29, "forward tall");
    check_same(a->Jrt, b->Jrt, 37 * 29, "reverse tall");
    check_same(a->Hh, b->Hh, 31 * 31, "hyperdual");
    check_same(a->Hd, b->Hd, 31 * 31, "fd_rev");
    check_same(a->Hf, b->Hf, 31 * 31, "for_rev");
}

#ifdef _OPENMP
Test(drivers, openmp_is_serial_bit_for_bit)
{
    par_out *serial = xmalloc(sizeof *serial), *par = xmalloc(sizeof *par);
    memset(serial, 0, sizeof *serial);
    memset(par, 0, sizeof *par);
    int saved = omp_get_max_threads();
    /* These problems are small: without this the drivers would keep them
     * on one thread (par.c). */
    cr_assert(setenv("ADMIX_OMP_MIN_SECONDS", "0", 1) == 0);
    omp_set_num_threads(1);
    run_parallel_drivers(serial);
    for (int nt = 2; nt <= 3; nt++) {
        omp_set_num_threads(nt);
        memset(par, 0, sizeof *par);
        run_parallel_drivers(par);
        char what[32];
        snprintf(what, sizeof what, "%d threads", nt);
        check_par_same(serial, par, what);
    }
    omp_set_num_threads(saved);
    /* The modes agree with each other too. */
    check_vec(serial->Jr, serial->Jf, 37 * 29, EXACT, "wide: rev vs fwd");
    check_vec(serial->Jrt, serial->Jt, 37 * 29, EXACT, "tall: rev vs fwd");
    check_vec(serial->Hh, serial->Hf, 31 * 31, EXACT, "hyperdual vs for_rev");
    check_vec(serial->Hd, serial->Hf, 31 * 31, FD, "fd_rev vs for_rev");
    free(serial), free(par);
}
#endif

/* Several C11 threads use the drivers at once, each with its own tape and
 * buffers (freed when the thread ends); each gets the main thread's
 * results bit for bit. */
static int thread_main(void *arg)
{
    run_parallel_drivers(arg);
    return 0;
}

Test(drivers, c11_threads_at_once)
{
    enum { NT = 3 };
    par_out *ref = xmalloc(sizeof *ref), *out = xmalloc(NT * sizeof *out);
    memset(ref, 0, sizeof *ref);
    memset(out, 0, NT * sizeof *out);
    run_parallel_drivers(ref);
    thrd_t th[NT];
    for (int k = 0; k < NT; k++)
        cr_assert(thrd_create(&th[k], thread_main, &out[k]) == thrd_success);
    for (int k = 0; k < NT; k++)
        thrd_join(th[k], NULL);
    for (int k = 0; k < NT; k++)
        check_par_same(ref, &out[k], "a C11 thread");
    free(ref), free(out);
    ad_thread_release();
}

/* ---- GSL twins ----------------------------------------------------------- */

/* A gsl_vector over every stride-th element of a, of size n. */
static gsl_vector strided(double *a, size_t n, size_t stride)
{
    gsl_vector v = {n, stride, a, NULL, 0};
    return v;
}

Test(gsl, twins_on_strided_objects)
{
    size_params p = {11, 1}, q = {7, 5};
    ad_fn f = rosen_fn(&p), d = dense_fn(&q);
    double x[11], xs[33], g[11], gs[22], H[121], Hs[11 * 14];
    point(x, 11, -1.2, 0.385);
    for (size_t i = 0; i < 11; i++)
        xs[3 * i] = x[i];
    gsl_vector gx = strided(xs, 11, 3), gg = strided(gs, 11, 2);
    double y, ys;
    for (size_t k = 0; k < COUNT(GRAD_MODES); k++) {
        OK(ad_gradient(&f, GRAD_MODES[k], x, &y, g));
        OK(ad_gradient_gsl(&f, GRAD_MODES[k], &gx, &ys, &gg));
        cr_expect(y == ys);
        for (size_t i = 0; i < 11; i++)
            cr_expect(gs[2 * i] == g[i], "g[%zu]", i);
    }
    /* The Hessian into a submatrix with tda 14 > 11. */
    gsl_matrix Hm = {11, 11, 14, Hs, NULL, 0};
    for (size_t k = 0; k < COUNT(HESS_MODES); k++) {
        ad_mode u1, u2;
        OK(ad_hessian(&f, HESS_MODES[k], x, H, &u1));
        OK(ad_hessian_gsl(&f, HESS_MODES[k], &gx, &Hm, &u2));
        cr_expect(u1 == u2);
        for (size_t i = 0; i < 11; i++)
            for (size_t j = 0; j < 11; j++)
                cr_expect(Hs[i * 14 + j] == H[i * 11 + j]);
    }
    /* hvp with a strided v and result. */
    double v[11], vs[22], hv[11], hvs[33];
    point(v, 11, 0.3, -0.05);
    for (size_t i = 0; i < 11; i++)
        vs[2 * i] = v[i];
    gsl_vector gv = strided(vs, 11, 2), ghv = strided(hvs, 11, 3);
    OK(ad_hvp(&f, AD_AUTO, x, v, hv));
    OK(ad_hvp_gsl(&f, AD_AUTO, &gx, &gv, &ghv));
    for (size_t i = 0; i < 11; i++)
        cr_expect(hvs[3 * i] == hv[i]);

    /* A 5 x 7 Jacobian into a strided y and a matrix with tda 9; jvp and
     * vjp on strided vectors; contiguous objects too. */
    double yd[5], yds[10], J[35], Js[45], jv[5], jvs[15], wj[7], wjs[14];
    double w[5] = {0.3, -0.2, 0.7, 0.1, -0.4}, ws[10];
    for (size_t i = 0; i < 5; i++)
        ws[2 * i] = w[i];
    gsl_vector gx7 = strided(xs, 7, 3), gy = strided(yds, 5, 2);
    gsl_vector gw = strided(ws, 5, 2), gjv = strided(jvs, 5, 3);
    gsl_vector gv7 = strided(vs, 7, 2), gwj = strided(wjs, 7, 2);
    gsl_matrix Jm = {5, 7, 9, Js, NULL, 0};
    for (size_t k = 0; k < COUNT(JAC_MODES); k++) {
        ad_mode m = JAC_MODES[k], u1, u2;
        OK(ad_jacobian(&d, m, x, yd, J, &u1));
        OK(ad_jacobian_gsl(&d, m, &gx7, &gy, &Jm, &u2));
        cr_expect(u1 == u2);
        for (size_t i = 0; i < 5; i++) {
            cr_expect(yds[2 * i] == yd[i]);
            for (size_t j = 0; j < 7; j++)
                cr_expect(Js[i * 9 + j] == J[i * 7 + j]);
        }
        OK(ad_jacobian_gsl(&d, m, &gx7, NULL, &Jm, NULL));
        OK(ad_jvp(&d, m, x, v, yd, jv));
        OK(ad_jvp_gsl(&d, m, &gx7, &gv7, &gy, &gjv));
        for (size_t i = 0; i < 5; i++)
            cr_expect(jvs[3 * i] == jv[i] && yds[2 * i] == yd[i]);
        OK(ad_vjp(&d, m, x, w, NULL, wj));
        OK(ad_vjp_gsl(&d, m, &gx7, &gw, NULL, &gwj));
        for (size_t i = 0; i < 7; i++)
            cr_expect(wjs[2 * i] == wj[i]);
    }
    gsl_vector_view cx = gsl_vector_view_array(x, 7);
    gsl_matrix_view cJ = gsl_matrix_view_array(Js, 5, 7);
    OK(ad_jacobian_gsl(&d, AD_AUTO, &cx.vector, NULL, &cJ.matrix, NULL));
    OK(ad_jacobian(&d, AD_AUTO, x, NULL, J, NULL));
    check_same(Js, J, 35, "contiguous gsl_matrix");
}

Test(gsl, twins_check_sizes)
{
    size_params p = {4, 1}, q = {3, 2};
    ad_fn f = rosen_fn(&p), d = dense_fn(&q);
    gsl_vector *x4 = gsl_vector_calloc(4), *x3 = gsl_vector_calloc(3);
    gsl_vector *x2 = gsl_vector_calloc(2), *x5 = gsl_vector_calloc(5);
    gsl_matrix *M44 = gsl_matrix_calloc(4, 4), *M34 = gsl_matrix_calloc(3, 4);
    gsl_matrix *M23 = gsl_matrix_calloc(2, 3), *M32 = gsl_matrix_calloc(3, 2);
    double y;
    IS(ad_gradient_gsl(&f, AD_AUTO, x3, &y, x4), AD_EINVAL);
    IS(ad_gradient_gsl(&f, AD_AUTO, x4, &y, x5), AD_EINVAL);
    IS(ad_gradient_gsl(&f, AD_AUTO, NULL, &y, x4), AD_EINVAL);
    IS(ad_gradient_gsl(&f, AD_AUTO, x4, &y, NULL), AD_EINVAL);
    IS(ad_gradient_gsl(NULL, AD_AUTO, x4, &y, x4), AD_EINVAL);
    gsl_vector *g4 = gsl_vector_calloc(4);
    OK(ad_gradient_gsl(&f, AD_AUTO, x4, NULL, g4));
    gsl_vector_free(g4);
    IS(ad_hessian_gsl(&f, AD_AUTO, x4, M34, NULL), AD_EINVAL);
    IS(ad_hessian_gsl(&f, AD_AUTO, x3, M44, NULL), AD_EINVAL);
    IS(ad_hvp_gsl(&f, AD_AUTO, x4, x3, x4), AD_EINVAL);
    IS(ad_hvp_gsl(&f, AD_AUTO, x4, x4, x5), AD_EINVAL);
    IS(ad_jacobian_gsl(&d, AD_AUTO, x3, NULL, M32, NULL), AD_EINVAL);
    IS(ad_jacobian_gsl(&d, AD_AUTO, x3, x3, M23, NULL), AD_EINVAL);
    IS(ad_jacobian_gsl(&d, AD_AUTO, x2, x2, M23, NULL), AD_EINVAL);
    OK(ad_jacobian_gsl(&d, AD_AUTO, x3, x2, M23, NULL));
    IS(ad_jvp_gsl(&d, AD_AUTO, x3, x2, NULL, x2), AD_EINVAL);
    IS(ad_jvp_gsl(&d, AD_AUTO, x3, x3, NULL, x3), AD_EINVAL);
    IS(ad_jvp_gsl(&d, AD_AUTO, x3, x3, x3, x2), AD_EINVAL);
    OK(ad_jvp_gsl(&d, AD_AUTO, x3, x3, x2, x2));
    IS(ad_vjp_gsl(&d, AD_AUTO, x3, x3, NULL, x3), AD_EINVAL);
    IS(ad_vjp_gsl(&d, AD_AUTO, x3, x2, NULL, x2), AD_EINVAL);
    OK(ad_vjp_gsl(&d, AD_AUTO, x3, x2, x2, x3));
    gsl_vector_free(x4), gsl_vector_free(x3), gsl_vector_free(x2);
    gsl_vector_free(x5);
    gsl_matrix_free(M44), gsl_matrix_free(M34), gsl_matrix_free(M23);
    gsl_matrix_free(M32);
}

/* ---- GSL adapters -------------------------------------------------------- */

Test(gsl, multimin_adapter)
{
    size_params p = {6, 1};
    ad_fn f = rosen_fn(&p);
    gsl_multimin_function_fdf F;
    OK(ad_gsl_multimin_fdf(&f, &F));
    cr_expect(F.n == 6 && F.params == &f);
    double x[6], g[6], gw[6], y;
    point(x, 6, -0.9, 0.33);
    rosen_grad(x, 6, gw);
    gsl_vector_view xv = gsl_vector_view_array(x, 6);
    gsl_vector_view gv = gsl_vector_view_array(g, 6);
    double yw = rosen_value(x, 6);
    cr_expect(fabs(F.f(&xv.vector, F.params) - yw) <= 1e-14 * yw);
    F.df(&xv.vector, F.params, &gv.vector);
    check_vec(g, gw, 6, EXACT, "multimin df");
    memset(g, 0, sizeof g);
    F.fdf(&xv.vector, F.params, &y, &gv.vector);
    check_vec(g, gw, 6, EXACT, "multimin fdf");
    cr_expect(fabs(y - yw) <= 1e-14 * yw);
    /* Errors: m != 1, NULL, missing entry points; a failure in a callback
     * is NaN. */
    ad_fn t = tall_fn(NULL), nod = f;
    IS(ad_gsl_multimin_fdf(&t, &F), AD_EINVAL);
    IS(ad_gsl_multimin_fdf(NULL, &F), AD_EINVAL);
    IS(ad_gsl_multimin_fdf(&f, NULL), AD_EINVAL);
    nod.f_double = NULL;
    IS(ad_gsl_multimin_fdf(&nod, &F), AD_EUNSUPPORTED);
    nod = only(f, 0, 0, 1, 0);
    IS(ad_gsl_multimin_fdf(&nod, &F), AD_EUNSUPPORTED);
    ad_fn l = logx_fn(NULL);
    OK(ad_gsl_multimin_fdf(&l, &F));
    double bx[2] = {-1.0, 0.5}, bg[2];
    gsl_vector_view bxv = gsl_vector_view_array(bx, 2);
    gsl_vector_view bgv = gsl_vector_view_array(bg, 2);
    cr_expect(isnan(F.f(&bxv.vector, F.params)));
    F.fdf(&bxv.vector, F.params, &y, &bgv.vector);
    cr_expect(isnan(y) && isnan(bg[0]));
    /* A thread that records makes reverse mode fail: NaN everywhere. */
    ad_tape *tp = ad_tape_new();
    OK(ad_tape_begin(tp));
    F.fdf(&bxv.vector, F.params, &y, &bgv.vector);
    cr_expect(isnan(y) && isnan(bg[0]) && isnan(bg[1]));
    ad_tape_end(tp);
    ad_tape_free(tp);
}

Test(gsl, multiroot_and_multifit_adapters)
{
    size_params p = {6, 6}, r = {3, 5};
    ad_fn f = dense_fn(&p), g = dense_fn(&r);
    gsl_multiroot_function_fdf F;
    OK(ad_gsl_multiroot_fdf(&f, &F));
    cr_expect(F.n == 6 && F.params == &f);
    double x[6], y[6], yw[6], J[36], Jw[36];
    point(x, 6, 0.2, 0.17);
    OK(ad_jacobian(&f, AD_AUTO, x, yw, Jw, NULL));
    gsl_vector_view xv = gsl_vector_view_array(x, 6);
    gsl_vector_view yv = gsl_vector_view_array(y, 6);
    gsl_matrix_view Jv = gsl_matrix_view_array(J, 6, 6);
    cr_expect(F.f(&xv.vector, F.params, &yv.vector) == GSL_SUCCESS);
    check_vec(y, yw, 6, EXACT, "multiroot f");
    cr_expect(F.df(&xv.vector, F.params, &Jv.matrix) == GSL_SUCCESS);
    check_same(J, Jw, 36, "multiroot df");
    memset(J, 0, sizeof J);
    cr_expect(F.fdf(&xv.vector, F.params, &yv.vector, &Jv.matrix) ==
              GSL_SUCCESS);
    check_same(J, Jw, 36, "multiroot fdf");
    check_same(y, yw, 6, "multiroot fdf y");
    IS(ad_gsl_multiroot_fdf(&g, &F), AD_EINVAL); /* n != m */

    /* multifit: p = 3 parameters, n = 5 residuals; fvv_i = v^T H_i v. */
    gsl_multifit_nlinear_fdf M;
    memset(&M, 0xff, sizeof M);
    OK(ad_gsl_multifit_nlinear_fdf(&g, &M));
    cr_expect(M.n == 5 && M.p == 3 && M.params == &g && M.fvv != NULL);
    cr_expect(M.nevalf == 0 && M.nevaldf == 0 && M.nevalfvv == 0);
    double v[3] = {0.4, -0.3, 0.8}, fvv[5], fvs[10];
    gsl_vector_view x3 = gsl_vector_view_array(x, 3);
    gsl_vector_view v3 = gsl_vector_view_array(v, 3);
    gsl_vector_view fv = gsl_vector_view_array(fvv, 5);
    cr_expect(M.fvv(&x3.vector, &v3.vector, M.params, &fv.vector) ==
              GSL_SUCCESS);
    /* fvv_i = d2/ds2 f_i(x + s v) at s = 0: against the second difference
     * of f along v, whose error (h^2 f'''' / 12 and eps |f| / h^2) is
     * about 1e-8 here. */
    for (size_t i = 0; i < 5; i++) {
        double h = 1e-4, xp[3], xm[3], yp[5], ym[5], y0[5];
        for (size_t k = 0; k < 3; k++) {
            xp[k] = x[k] + h * v[k];
            xm[k] = x[k] - h * v[k];
        }
        g.f_double(xp, yp, g.params);
        g.f_double(xm, ym, g.params);
        g.f_double(x, y0, g.params);
        double want = (yp[i] - 2.0 * y0[i] + ym[i]) / (h * h);
        cr_expect(fabs(fvv[i] - want) <= 1e-5 * fmax(1.0, fabs(want)),
                  "fvv[%zu] = %.17g, second difference %.17g", i, fvv[i], want);
    }
    /* Strided fvv gives the same. */
    gsl_vector sfv = strided(fvs, 5, 2);
    cr_expect(M.fvv(&x3.vector, &v3.vector, M.params, &sfv) == GSL_SUCCESS);
    for (size_t i = 0; i < 5; i++)
        cr_expect(fvs[2 * i] == fvv[i]);
    /* Without f_hdual, no fvv. */
    ad_fn nh = only(g, 1, 1, 0, 1);
    OK(ad_gsl_multifit_nlinear_fdf(&nh, &M));
    cr_expect(M.fvv == NULL);

    /* NaN -> GSL_EBADFUNC; a failure -> GSL_EFAILED. */
    ad_fn l = logx_fn(NULL);
    IS(ad_gsl_multiroot_fdf(&l, &F), AD_EINVAL); /* not square */
    OK(ad_gsl_multifit_nlinear_fdf(&l, &M));
    double bx[2] = {-1.0, 0.5}, by[1], bJ[2];
    gsl_vector_view bxv = gsl_vector_view_array(bx, 2);
    gsl_vector_view byv = gsl_vector_view_array(by, 1);
    gsl_matrix_view bJv = gsl_matrix_view_array(bJ, 1, 2);
    cr_expect(M.f(&bxv.vector, M.params, &byv.vector) == GSL_EBADFUNC);
    cr_expect(M.df(&bxv.vector, M.params, &bJv.matrix) == GSL_EBADFUNC);
    cr_expect(M.fvv(&bxv.vector, &bxv.vector, M.params, &byv.vector) ==
              GSL_EBADFUNC);
    ad_tape *tp = ad_tape_new();
    OK(ad_tape_begin(tp));
    /* n = 2 > m = 1: AUTO picks reverse, which cannot record now. */
    bx[0] = 1.0;
    cr_expect(M.df(&bxv.vector, M.params, &bJv.matrix) == GSL_EFAILED);
    ad_tape_end(tp);
    ad_tape_free(tp);
}

/* y' = f(t, y) with dim 2: y0' = -t y0 y1, y1' = sin(t) + y0^2. */
static void ode_double(const double *x, double *y, const void *params)
{
    (void)params;
    y[0] = -x[0] * x[1] * x[2];
    y[1] = sin(x[0]) + x[1] * x[1];
}
static void ode_var(const ad_var *x, ad_var *y, const void *params)
{
    (void)params;
    y[0] = ad_neg(ad_mul(ad_mul(x[0], x[1]), x[2]));
    y[1] = ad_add(ad_sin(x[0]), ad_sqr(x[1]));
}

Test(gsl, odeiv2_adapter)
{
    ad_fn f = {0};
    f.n = 3;
    f.m = 2;
    f.f_double = ode_double;
    f.f_var = ode_var;
    gsl_odeiv2_system S;
    OK(ad_gsl_odeiv2_system(&f, &S));
    cr_expect(S.dimension == 2 && S.params == &f);
    double t = 0.7, y[2] = {1.3, -0.4}, dydt[2], dfdy[4], dfdt[2];
    cr_expect(S.function(t, y, dydt, S.params) == GSL_SUCCESS);
    cr_expect(dydt[0] == -t * y[0] * y[1]);
    cr_expect(S.jacobian(t, y, dfdy, dfdt, S.params) == GSL_SUCCESS);
    double dfdyw[4] = {-t * y[1], -t * y[0], 2.0 * y[0], 0.0};
    double dfdtw[2] = {-y[0] * y[1], cos(t)};
    check_vec(dfdy, dfdyw, 4, EXACT, "dfdy");
    check_vec(dfdt, dfdtw, 2, EXACT, "dfdt");
    /* Errors: n != m + 1; NaN -> GSL_EDOM; a failure -> GSL_EBADFUNC. */
    ad_fn bad = f;
    bad.n = 2;
    IS(ad_gsl_odeiv2_system(&bad, &S), AD_EINVAL);
    OK(ad_gsl_odeiv2_system(&f, &S));
    double ny[2] = {NAN, 1.0};
    cr_expect(S.function(t, ny, dydt, S.params) == GSL_EDOM);
    cr_expect(S.jacobian(t, ny, dfdy, dfdt, S.params) == GSL_EDOM);
    ad_tape *tp = ad_tape_new();
    OK(ad_tape_begin(tp));
    cr_expect(S.jacobian(t, y, dfdy, dfdt, S.params) == GSL_EBADFUNC);
    ad_tape_end(tp);
    ad_tape_free(tp);
}
