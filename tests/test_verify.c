/* test_verify.c -- the verify module (admix/verify.h) on an ad_fn: finite
 * differences of every kind, the complex step, the MPFR references, and the
 * checks with their reports.
 *
 * What is asserted, and why these tolerances:
 *   - finite differences against the MPFR Jacobian (normwise relative
 *     error, max |d - r| / max |r|): forward 1e-6 (theory ~1e-8), central
 *     1e-9 (~1e-10), 5-point and GSL central 1e-10, Richardson 1e-11; MPFR
 *     finite differences at 256 bits within 1 ulp entrywise (their error is
 *     ~2^-170: only the final rounding is left, and the reference's own);
 *     the error estimates bound the actual errors (within a factor 10);
 *   - the complex step within 4 ulps of MPFR entrywise where no entry
 *     cancels (Speelpenning, the dense map), within the normwise bound of
 *     the checks elsewhere (it rounds like forward-mode AD);
 *   - AD gradients (forward and reverse) pass the default criterion of
 *     ad_verify_gradient (8 ulps entrywise or 64 ulps of the largest entry)
 *     on Rosenbrock, Speelpenning and a 4-6-3 MLP; the entrywise and
 *     normwise maxima are logged (cr_log_info);
 *   - a hand-written Jacobian with one wrong entry fails with that entry
 *     first among the worst and named; the correct one passes;
 *   - every argument error gives its status and no report; a NaN value
 *     gives AD_EDOM and a report that does not pass;
 *   - OpenMP: one thread and two give the same bits.
 * Points are fixed; random weights come from a fixed-seed generator. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, close */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <criterion/criterion.h>

#include <admix.h>

/* The perceptron of test_verify.inc. */
#define NIN  4
#define NHID 6
#define NOUT 3
#define NMLP (NHID * NIN + NHID + NHID * NOUT + NOUT)

typedef struct vparams {
    size_t n, m;
    double u[NIN];
    size_t label;
} vparams;

#define AD_TEMPLATE "test_verify.inc"
#include <admix/instantiate.h>
AD_FN(rosen, ((const vparams *)params)->n, 1)
AD_FN(speel, ((const vparams *)params)->n, 1)
AD_FN(mlp, NMLP, 1)
AD_FN(wide, 3, 2)
AD_FN(dense, ((const vparams *)params)->n, ((const vparams *)params)->m)
AD_FN(absdiff, 2, 1)
AD_FN(absconst, 2, 1)
AD_FN(logx, 2, 1)
AD_FN(smooth, 2, 1)
AD_FN(lorenz, 3, 3)

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

/* ---- helpers ------------------------------------------------------------- */

static uint64_t rnd_state = 0x2385a7c1u;

/* splitmix64, uniform in [lo, hi). */
static double uniform(double lo, double hi)
{
    uint64_t z = (rnd_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return lo + (hi - lo) * ((double)(z >> 11) * 0x1p-53);
}

/* The spacing of the doubles at r (tests/ulp.h's convention). */
static double ulp_of(double r)
{
    int e;
    frexp(fabs(r) < 0x1p-1021 ? 0x1p-1021 : r, &e);
    return ldexp(1.0, e - 53);
}

static double ulps(double x, double r)
{
    if (x == r)
        return 0.0;
    if (!isfinite(x) || !isfinite(r))
        return INFINITY;
    return fabs(x - r) / ulp_of(r);
}

/* max |a - b| / max |b|. */
static double norm_rel(const double *a, const double *b, size_t k)
{
    double e = 0.0, s = 0.0;
    for (size_t i = 0; i < k; i++) {
        double d = fabs(a[i] - b[i]);
        if (!(d <= DBL_MAX))
            return INFINITY;
        e = fmax(e, d);
        s = fmax(s, fabs(b[i]));
    }
    return s > 0.0 ? e / s : e;
}

static double max_ulps(const double *a, const double *b, size_t k)
{
    double e = 0.0;
    for (size_t i = 0; i < k; i++)
        e = fmax(e, ulps(a[i], b[i]));
    return e;
}

/* The problems of the accuracy tests, with their points. */
typedef struct problem {
    const char *name;
    ad_fn f;
    double x[NMLP];
} problem;

static vparams P_ROSEN = {.n = 10, .m = 1};
static vparams P_SPEEL = {.n = 8, .m = 1};
static vparams P_MLP = {
    .n = NMLP, .m = 1, .u = {0.3, -1.2, 0.85, 2.1}, .label = 1};
static vparams P_DENSE = {.n = 5, .m = 4};

static int problems(problem *p)
{
    rnd_state = 0x2385a7c1u;
    p[0].name = "rosenbrock";
    p[0].f = rosen_fn(&P_ROSEN);
    for (size_t i = 0; i < P_ROSEN.n; i++)
        p[0].x[i] = -1.2 + 0.37 * (double)i;
    p[1].name = "speelpenning";
    p[1].f = speel_fn(&P_SPEEL);
    for (size_t i = 0; i < P_SPEEL.n; i++)
        p[1].x[i] = 0.6 + 0.17 * (double)i;
    p[2].name = "mlp 4-6-3";
    p[2].f = mlp_fn(&P_MLP);
    for (size_t i = 0; i < NMLP; i++)
        p[2].x[i] = uniform(-1.0, 1.0);
    p[3].name = "dense 5 -> 4";
    p[3].f = dense_fn(&P_DENSE);
    for (size_t i = 0; i < P_DENSE.n; i++)
        p[3].x[i] = 0.3 + 0.45 * (double)i;
    return 4;
}

/* The hand-written Jacobian of `wide`, as a scientist would write it. */
static void wide_jac(const double *x, double *J)
{
    double e = exp(x[0] * x[2]);
    J[0] = x[1] * x[1];
    J[1] = 2.0 * x[0] * x[1];
    J[2] = cos(x[2]);
    J[3] = x[2] * e;
    J[4] = -1.0 / x[2];
    J[5] = x[0] * e + x[1] / (x[2] * x[2]);
}

/* ---- the references ------------------------------------------------------ */

Test(verify, ref_names)
{
    cr_expect_str_eq(ad_ref_name(AD_REF_MPFR), "mpfr");
    cr_expect_str_eq(ad_ref_name(AD_REF_FD_RICHARDSON), "fd_richardson");
    cr_expect_str_eq(ad_ref_name(AD_REF_FD_MPFR), "fd_mpfr");
    cr_expect_str_eq(ad_ref_name(0), "unknown");
    cr_expect_str_eq(ad_ref_name(AD_REF_MPFR | AD_REF_CSTEP), "unknown");
}

/* Every finite-difference kind against the MPFR Jacobian, with the
 * tolerances of the file comment; the best errors are logged. */
Test(fd, accuracy)
{
    static const struct {
        unsigned kind;
        double tol;
    } K[] = {{AD_REF_FD_FORWARD, 1e-6},  {AD_REF_FD_CENTRAL, 1e-9},
             {AD_REF_FD_5POINT, 1e-10},  {AD_REF_FD_RICHARDSON, 1e-11},
             {AD_REF_GSL_FORWARD, 1e-6}, {AD_REF_GSL_CENTRAL, 1e-10},
             {AD_REF_FD_MPFR, 0.0}};
    problem p[4];
    int np = problems(p);
    static double J[NMAX * NMAX], R[NMAX * NMAX], E[NMAX * NMAX];
    for (int q = 0; q < np; q++) {
        const ad_fn *f = &p[q].f;
        size_t len = f->n * f->m;
        OK(ad_mpfr_jacobian(f, p[q].x, 0, NULL, R));
        for (size_t k = 0; k < sizeof K / sizeof K[0]; k++) {
            OK(ad_fd_jacobian(f, K[k].kind, p[q].x, 0, J, E));
            double e = norm_rel(J, R, len), u = max_ulps(J, R, len);
            /* The estimates bound the actual errors, within a factor 10
             * (plus the reference's own half ulp). */
            double worst_ratio = 0.0;
            for (size_t i = 0; i < len; i++) {
                double a = fabs(J[i] - R[i]);
                double b = 10.0 * E[i] + 0.5 * ulp_of(R[i]);
                if (a > 2.0 * DBL_EPSILON * fabs(R[i]))
                    worst_ratio = fmax(worst_ratio, a / b);
            }
            cr_log_info("%-14s %-14s normwise rel %.3g, max %.3g ulp, "
                        "error / (10 estimate) <= %.3g",
                        p[q].name, ad_ref_name(K[k].kind), e, u, worst_ratio);
            if (K[k].kind == AD_REF_FD_MPFR)
                cr_expect(u <= 1.0, "%s fd_mpfr: %.3g ulp", p[q].name, u);
            else
                cr_expect(e <= K[k].tol, "%s %s: %.3g > %.3g", p[q].name,
                          ad_ref_name(K[k].kind), e, K[k].tol);
            cr_expect(worst_ratio <= 1.0,
                      "%s %s: an error exceeds 10 x its "
                      "estimate (%.3g)",
                      p[q].name, ad_ref_name(K[k].kind), worst_ratio);
        }
    }
}

/* The central differences of Rosenbrock and Speelpenning reach about 1e-10
 * relative (the target), the step theory's promise. */
Test(fd, central_best)
{
    problem p[4];
    problems(p);
    double J[NMAX], R[NMAX];
    for (int q = 0; q < 2; q++) {
        const ad_fn *f = &p[q].f;
        OK(ad_mpfr_jacobian(f, p[q].x, 0, NULL, R));
        OK(ad_fd_jacobian(f, AD_REF_FD_CENTRAL, p[q].x, 0, J, NULL));
        double e = norm_rel(J, R, f->n);
        cr_log_info("%s central: %.3g relative (normwise)", p[q].name, e);
        cr_expect(e >= 1e-14 && e <= 1e-9, "%s: %.3g", p[q].name, e);
    }
}

/* Hessians by finite differences against the MPFR Hessian. */
Test(fd, hessian)
{
    static const struct {
        unsigned kind;
        double tol;
    } K[] = {{AD_REF_FD_CENTRAL, 1e-6},
             {AD_REF_FD_RICHARDSON, 1e-9},
             {AD_REF_GSL_CENTRAL, 1e-9},
             {AD_REF_FD_MPFR, 0.0}};
    vparams pr = {.n = 5, .m = 1};
    ad_fn fs[2] = {smooth_fn(NULL), rosen_fn(&pr)};
    double xs[2][5] = {{0.7, -0.45}, {-1.2, 1.0, 0.8, 1.3, 0.4}};
    double H[25], R[25], E[25];
    for (int q = 0; q < 2; q++) {
        size_t len = fs[q].n * fs[q].n;
        OK(ad_mpfr_hessian(&fs[q], xs[q], 0, R));
        for (size_t k = 0; k < sizeof K / sizeof K[0]; k++) {
            OK(ad_fd_hessian(&fs[q], K[k].kind, xs[q], 0, H, E));
            double e = norm_rel(H, R, len), u = max_ulps(H, R, len);
            cr_log_info("hessian %-8s %-14s normwise rel %.3g, max %.3g ulp",
                        fs[q].name, ad_ref_name(K[k].kind), e, u);
            if (K[k].kind == AD_REF_FD_MPFR)
                cr_expect(u <= 1.0, "%s fd_mpfr: %.3g ulp", fs[q].name, u);
            else
                cr_expect(e <= K[k].tol, "%s %s: %.3g", fs[q].name,
                          ad_ref_name(K[k].kind), e);
            /* The estimates bound the errors (MPFR's: NaN, none). */
            for (size_t i = 0; i < len; i++)
                if (K[k].kind != AD_REF_FD_MPFR)
                    cr_expect(
                        fabs(H[i] - R[i]) <= 10.0 * E[i] + 0.5 * ulp_of(R[i]),
                        "%s %s [%zu]: error %.3g, estimate %.3g", fs[q].name,
                        ad_ref_name(K[k].kind), i, fabs(H[i] - R[i]), E[i]);
                else
                    cr_expect(isnan(E[i]));
            for (size_t i = 0; i < fs[q].n; i++)
                for (size_t j = 0; j < i; j++)
                    cr_expect(H[i * fs[q].n + j] == H[j * fs[q].n + i]);
        }
        IS(ad_fd_hessian(&fs[q], AD_REF_FD_5POINT, xs[q], 0, H, E),
           AD_EUNSUPPORTED);
    }
}

/* ---- the complex step ---------------------------------------------------- */

Test(cstep, accuracy)
{
    problem p[4];
    int np = problems(p);
    static double J[NMAX * NMAX], R[NMAX * NMAX];
    double y[NMAX], yr[NMAX];
    for (int q = 0; q < np; q++) {
        const ad_fn *f = &p[q].f;
        size_t len = f->n * f->m;
        OK(ad_mpfr_jacobian(f, p[q].x, 0, yr, R));
        OK(ad_cstep_jacobian(f, p[q].x, y, J));
        double u = max_ulps(J, R, len), e = norm_rel(J, R, len);
        /* The ulps of the largest entry of each row. */
        double nu = 0.0;
        for (size_t i = 0; i < f->m; i++) {
            double big = 0.0;
            for (size_t j = 0; j < f->n; j++)
                big = fmax(big, fabs(R[i * f->n + j]));
            for (size_t j = 0; j < f->n; j++)
                nu = fmax(nu, fabs(J[i * f->n + j] - R[i * f->n + j]) /
                                  ulp_of(big));
        }
        cr_log_info("cstep %-14s max %.3g ulp entrywise, %.3g ulp normwise "
                    "(rel %.3g)",
                    p[q].name, u, nu, e);
        if (q == 1 || q == 3)
            cr_expect(u <= 4.0, "%s: %.3g ulp", p[q].name, u);
        else
            cr_expect(nu <= 64.0, "%s: %.3g ulp normwise", p[q].name, nu);
        for (size_t i = 0; i < f->m; i++)
            cr_expect(ulps(y[i], yr[i]) <= 64.0, "%s: value %.17g, MPFR %.17g",
                      p[q].name, y[i], yr[i]);
    }
}

Test(cstep, analyticity)
{
    double x[2] = {0.7, 2.385}, J[2];
    size_t c1 = 99;
    ad_fn f = absdiff_fn(NULL);
    IS(ad_cstep_check(&f, x, &c1), AD_EUNSUPPORTED);
    IS(ad_cstep_jacobian(&f, x, NULL, J), AD_EUNSUPPORTED);
    /* fabs of a constant is not applied to an active value. */
    f = absconst_fn(NULL);
    OK(ad_cstep_check(&f, x, &c1));
    cr_expect(c1 == 0);
    OK(ad_cstep_jacobian(&f, x, NULL, J));
    cr_expect(J[0] == x[1] && J[1] == x[0], "%.17g %.17g", J[0], J[1]);
    /* erf and powi are first-order expansions on the complex type. */
    f = smooth_fn(NULL);
    OK(ad_cstep_check(&f, x, &c1));
    cr_expect(c1 == 2, "%zu", c1);
    /* Both f_complex and f_var are needed. */
    f.f_complex = NULL;
    IS(ad_cstep_jacobian(&f, x, NULL, J), AD_EUNSUPPORTED);
    f = smooth_fn(NULL);
    f.f_var = NULL;
    IS(ad_cstep_jacobian(&f, x, NULL, J), AD_EUNSUPPORTED);
    IS(ad_cstep_check(&f, x, NULL), AD_EUNSUPPORTED);
}

/* ---- the checks ---------------------------------------------------------- */

/* AD gradients against MPFR pass the default criterion; the entrywise and
 * normwise maxima are logged. */
Test(verify, ad_gradients)
{
    problem p[4];
    problems(p);
    static const ad_mode modes[] = {AD_REVERSE, AD_FORWARD};
    for (int q = 0; q < 3; q++)
        for (int k = 0; k < 2; k++) {
            ad_verify_options o = {0};
            o.mode = modes[k];
            ad_verify_report *r;
            OK(ad_verify_gradient(&p[q].f, p[q].x, &o, &r));
            cr_assert(r != NULL);
            cr_log_info("%-14s %-8s max %.3g ulp entrywise (%zu/%zu within "
                        "8), %.3g ulp normwise; worst (%zu, %zu)",
                        p[q].name, ad_mode_name(modes[k]), r->max_ulp_err,
                        r->n_ulp_ok, r->nentries, r->max_norm_ulp_err,
                        r->worst[0].i, r->worst[0].j);
            cr_expect(r->pass, "%s %s: %zu entries fail", p[q].name,
                      ad_mode_name(modes[k]), r->nfail);
            cr_expect(r->primary == AD_REF_MPFR && r->exact);
            cr_expect(r->mode == modes[k] && !r->user);
            cr_expect(r->status == AD_OK && r->nan_value == 0);
            cr_expect(r->max_norm_ulp_err <= 64.0);
            /* Every default reference was computed and agrees with MPFR. */
            cr_expect(r->nrefs == 7, "%zu", r->nrefs);
            for (size_t i = 0; i < r->nrefs; i++) {
                cr_expect(r->refs[i].status == AD_OK, "%s: %s %d", p[q].name,
                          ad_ref_name(r->refs[i].kind), r->refs[i].status);
                cr_expect(r->refs[i].norm_err <= 1e-9, "%s: %s %.3g", p[q].name,
                          ad_ref_name(r->refs[i].kind), r->refs[i].norm_err);
            }
            ad_verify_report_free(r);
        }
}

/* AUTO resolves to the mode the driver picks. */
Test(verify, auto_mode)
{
    problem p[4];
    problems(p);
    ad_verify_report *r;
    OK(ad_verify_gradient(&p[0].f, p[0].x, NULL, &r));
    cr_expect(r->mode == AD_REVERSE && r->pass);
    ad_verify_report_free(r);
    OK(ad_verify_jacobian(&p[3].f, p[3].x, NULL, &r));
    cr_expect(r->mode == AD_REVERSE && r->pass, "%s", ad_mode_name(r->mode));
    cr_expect(r->rows == 4 && r->cols == 5);
    ad_verify_report_free(r);
}

/* A hand-written Jacobian: correct, it passes; with one wrong entry, the
 * entry is caught and named. */
Test(verify, hand_jacobian)
{
    ad_fn f = wide_fn(NULL);
    double x[3] = {0.7, -1.3, 2.385}, J[6];
    wide_jac(x, J);
    ad_verify_options o = {0};
    o.deriv = J;
    o.deriv_len = 6;
    ad_verify_report *r;
    OK(ad_verify_jacobian(&f, x, &o, &r));
    cr_expect(r->pass && r->user && r->nfail == 0);
    cr_log_info("hand Jacobian: max %.3g ulp", r->max_ulp_err);
    ad_verify_report_free(r);

    /* A sign error in dy1/dx1 (J[4] = +1/x2) and, separately, a missing
     * factor in dy1/dx0. */
    static const size_t wrong[] = {4, 3};
    for (size_t w = 0; w < 2; w++) {
        wide_jac(x, J);
        if (w == 0)
            J[4] = 1.0 / x[2];
        else
            J[3] = exp(x[0] * x[2]); /* forgot the factor x2 */
        OK(ad_verify_jacobian(&f, x, &o, &r));
        cr_expect(!r->pass && r->nfail == 1, "%zu failures", r->nfail);
        size_t k = wrong[w];
        cr_expect(r->worst[0].i == k / 3 && r->worst[0].j == k % 3,
                  "worst (%zu, %zu), want (%zu, %zu)", r->worst[0].i,
                  r->worst[0].j, k / 3, k % 3);
        cr_expect(!r->worst[0].pass && !r->entry[k].pass);
        for (size_t e = 0; e < 6; e++)
            if (e != k)
                cr_expect(r->entry[e].pass, "entry %zu", e);
        /* The table names it. */
        char buf[8192] = {0};
        FILE *fp = tmpfile();
        cr_assert(fp != NULL);
        OK(ad_verify_print(fp, r, AD_VERIFY_TABLE));
        rewind(fp);
        size_t got = fread(buf, 1, sizeof buf - 1, fp);
        fclose(fp);
        cr_expect(got > 0 && strstr(buf, "FAIL") != NULL);
        char line[64];
        snprintf(line, sizeof line, "%6zu %6zu", k / 3, k % 3);
        char *at = strstr(buf, line);
        cr_expect(at != NULL && strstr(at, "FAIL") != NULL, "%s", buf);
        ad_verify_report_free(r);
    }
}

/* With only a finite-difference reference the check is relative. */
Test(verify, fd_primary)
{
    ad_fn f = wide_fn(NULL);
    double x[3] = {0.7, -1.3, 2.385}, J[6];
    wide_jac(x, J);
    ad_verify_options o = {0};
    o.refs = AD_REF_FD_RICHARDSON | AD_REF_FD_CENTRAL;
    o.deriv = J;
    o.deriv_len = 6;
    ad_verify_report *r;
    OK(ad_verify_jacobian(&f, x, &o, &r));
    cr_expect(r->primary == AD_REF_FD_RICHARDSON && !r->exact);
    cr_expect(r->pass && r->nrefs == 2);
    ad_verify_report_free(r);
    J[2] *= 1.0 + 1e-4;
    OK(ad_verify_jacobian(&f, x, &o, &r));
    cr_expect(!r->pass && r->nfail == 1 && r->worst[0].j == 2);
    ad_verify_report_free(r);
}

/* The entrywise option drops the normwise clause. */
Test(verify, entrywise)
{
    problem p[4];
    problems(p);
    ad_verify_options o = {0};
    o.refs = AD_REF_MPFR;
    ad_verify_report *r;
    OK(ad_verify_gradient(&p[2].f, p[2].x, &o, &r));
    double worst = r->max_ulp_err;
    cr_expect(r->pass);
    ad_verify_report_free(r);
    o.entrywise = 1;
    OK(ad_verify_gradient(&p[2].f, p[2].x, &o, &r));
    cr_expect(r->pass == (worst <= 8.0), "max %.3g ulp", worst);
    cr_expect(r->nfail == r->nentries - r->n_ulp_ok);
    ad_verify_report_free(r);
}

Test(verify, hessian)
{
    vparams pr = {.n = 5, .m = 1};
    ad_fn fs[2] = {smooth_fn(NULL), rosen_fn(&pr)};
    double xs[2][5] = {{0.7, -0.45}, {-1.2, 1.0, 0.8, 1.3, 0.4}};
    static const ad_mode modes[] = {AD_FOR_REV, AD_HYPERDUAL};
    for (int q = 0; q < 2; q++)
        for (int k = 0; k < 2; k++) {
            ad_verify_options o = {0};
            o.mode = modes[k];
            ad_verify_report *r;
            OK(ad_verify_hessian(&fs[q], xs[q], &o, &r));
            cr_log_info("hessian %-7s %-9s max %.3g ulp entrywise, %.3g "
                        "normwise",
                        fs[q].name, ad_mode_name(modes[k]), r->max_ulp_err,
                        r->max_norm_ulp_err);
            cr_expect(r->pass && r->mode == modes[k]);
            cr_expect(r->rows == fs[q].n && r->cols == fs[q].n);
            cr_expect(r->nrefs == 5, "%zu", r->nrefs);
            for (size_t i = 0; i < r->nrefs; i++)
                cr_expect(r->refs[i].status == AD_OK &&
                              r->refs[i].norm_err <= 1e-6,
                          "%s %.3g", ad_ref_name(r->refs[i].kind),
                          r->refs[i].norm_err);
            ad_verify_report_free(r);
        }
    /* FD_REV differences of gradients are not exact: caught by the
     * default tolerances (8 ulps or 64 of the row's largest). */
    ad_verify_options o = {0};
    o.mode = AD_FD_REV;
    ad_verify_report *r;
    OK(ad_verify_hessian(&fs[0], xs[0], &o, &r));
    cr_expect(!r->pass, "max %.3g ulp", r->max_ulp_err);
    ad_verify_report_free(r);
    /* The complex step asked for explicitly is listed as unsupported. */
    o.mode = AD_FOR_REV;
    o.refs = AD_REF_MPFR | AD_REF_CSTEP;
    OK(ad_verify_hessian(&fs[0], xs[0], &o, &r));
    cr_expect(r->nrefs == 2 && r->refs[1].status == AD_EUNSUPPORTED &&
              r->refs[1].d == NULL);
    ad_verify_report_free(r);
}

/* A function that is NaN at the point: AD_EDOM and a report that says so. */
Test(verify, nan_value)
{
    ad_fn f = logx_fn(NULL);
    double x[2] = {-0.7, 2.385};
    ad_verify_report *r = NULL;
    IS(ad_verify_gradient(&f, x, NULL, &r), AD_EDOM);
    cr_assert(r != NULL);
    cr_expect(!r->pass && r->status == AD_EDOM);
    cr_expect(r->nan_value == 1 && r->nan_deriv >= 1 && r->nan_ref >= 1,
              "%zu %zu %zu", r->nan_value, r->nan_deriv, r->nan_ref);
    char buf[4096] = {0};
    FILE *fp = tmpfile();
    cr_assert(fp != NULL);
    OK(ad_verify_print(fp, r, AD_VERIFY_TABLE));
    OK(ad_verify_print(fp, r, AD_VERIFY_JSON));
    rewind(fp);
    size_t got = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    cr_expect(got > 0 && strstr(buf, "FAIL") && strstr(buf, "NaN"));
    cr_expect(strstr(buf, "\"pass\": false") && strstr(buf, "null"));
    ad_verify_report_free(r);
    /* A hand-written derivative with a NaN fails too. */
    f = wide_fn(NULL);
    double xw[3] = {0.7, -1.3, 2.385}, J[6];
    wide_jac(xw, J);
    J[1] = NAN;
    ad_verify_options o = {0};
    o.deriv = J;
    o.deriv_len = 6;
    IS(ad_verify_jacobian(&f, xw, &o, &r), AD_EDOM);
    cr_expect(!r->pass && r->nan_deriv == 1 && r->nan_value == 0);
    cr_expect(r->worst[0].i == 0 && r->worst[0].j == 1);
    ad_verify_report_free(r);
}

/* Every argument error: its status, no report, no abort. */
Test(verify, errors)
{
    problem p[4];
    problems(p);
    ad_fn f = p[0].f;
    const double *x = p[0].x;
    ad_verify_report *r = (ad_verify_report *)&r; /* must become NULL */
    ad_verify_options o = {0};
    double J[NMAX], xn[NMAX];
    IS(ad_verify_gradient(NULL, x, NULL, &r), AD_EINVAL);
    cr_expect(r == NULL);
    IS(ad_verify_gradient(&f, NULL, NULL, &r), AD_EINVAL);
    IS(ad_verify_gradient(&f, x, NULL, NULL), AD_EINVAL);
    o.prec = 1;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    IS(ad_fd_jacobian(&f, AD_REF_FD_MPFR, x, 1, J, NULL), AD_EINVAL);
    IS(ad_mpfr_jacobian(&f, x, 1, NULL, J), AD_EINVAL);
    o.prec = LONG_MAX;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    IS(ad_mpfr_hessian(&f, x, LONG_MAX, J), AD_EINVAL);
    o.prec = -5;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o = (ad_verify_options){0};
    memcpy(xn, x, f.n * sizeof *xn);
    xn[3] = NAN;
    IS(ad_verify_gradient(&f, xn, &o, &r), AD_EINVAL);
    IS(ad_fd_jacobian(&f, AD_REF_FD_CENTRAL, xn, 0, J, NULL), AD_EINVAL);
    IS(ad_cstep_jacobian(&f, xn, NULL, J), AD_EINVAL);
    xn[3] = INFINITY;
    IS(ad_verify_hessian(&f, xn, &o, &r), AD_EINVAL);
    ad_fn f0 = f;
    f0.n = 0;
    IS(ad_verify_gradient(&f0, x, &o, &r), AD_EINVAL);
    IS(ad_fd_jacobian(&f0, AD_REF_FD_CENTRAL, x, 0, J, NULL), AD_EINVAL);
    f0 = f;
    f0.m = 0;
    IS(ad_verify_jacobian(&f0, x, &o, &r), AD_EINVAL);
    /* m != 1 for gradient and Hessian. */
    IS(ad_verify_gradient(&p[3].f, p[3].x, &o, &r), AD_EINVAL);
    IS(ad_verify_hessian(&p[3].f, p[3].x, &o, &r), AD_EINVAL);
    IS(ad_fd_hessian(&p[3].f, AD_REF_FD_CENTRAL, p[3].x, 0, J, NULL),
       AD_EINVAL);
    /* A caller's derivative of the wrong size. */
    o.deriv = J;
    o.deriv_len = f.n - 1;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o.deriv_len = f.n + 1;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o.deriv_len = f.n * f.n; /* a Hessian's size for a gradient */
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o = (ad_verify_options){0};
    /* Tolerances and reference bits. */
    o.ulp_tol = -1.0;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o.ulp_tol = 0.0;
    o.norm_ulp_tol = NAN;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o.norm_ulp_tol = 0.0;
    o.fd_tol = -1e-3;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o.fd_tol = 0.0;
    o.refs = 0x1000u;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o.refs = 0;
    /* A mode that does not apply, or whose entry point is missing. */
    o.mode = AD_FOR_REV;
    IS(ad_verify_gradient(&f, x, &o, &r), AD_EINVAL);
    o.mode = (ad_mode)99;
    IS(ad_verify_jacobian(&f, x, &o, &r), AD_EINVAL);
    o.mode = AD_FORWARD;
    ad_fn fnf = f;
    fnf.f_dual = NULL;
    fnf.f_dualv = NULL;
    IS(ad_verify_gradient(&fnf, x, &o, &r), AD_EUNSUPPORTED);
    o.mode = AD_AUTO;
    /* No reference can be computed: only the complex step asked for, on a
     * non-analytic function. */
    ad_fn fa = absdiff_fn(NULL);
    double xa[2] = {0.7, 2.385};
    o.refs = AD_REF_CSTEP;
    IS(ad_verify_gradient(&fa, xa, &o, &r), AD_EUNSUPPORTED);
    o.refs = 0;
    /* Without f_var the MPFR references are missing, not an error. */
    ad_fn fv = f;
    fv.f_var = NULL;
    OK(ad_verify_gradient(&fv, x, &o, &r));
    cr_expect(r->primary == AD_REF_FD_RICHARDSON && r->pass, "%s",
              ad_ref_name(r->primary));
    cr_expect(r->refs[0].kind == AD_REF_MPFR &&
              r->refs[0].status == AD_EUNSUPPORTED);
    ad_verify_report_free(r);
    r = (ad_verify_report *)&r;
    /* Kinds of the FD calls. */
    IS(ad_fd_jacobian(&f, 0, x, 0, J, NULL), AD_EINVAL);
    IS(ad_fd_jacobian(&f, AD_REF_MPFR, x, 0, J, NULL), AD_EINVAL);
    IS(ad_fd_jacobian(&f, AD_REF_FD_CENTRAL | AD_REF_FD_5POINT, x, 0, J, NULL),
       AD_EINVAL);
    IS(ad_fd_jacobian(&f, AD_REF_FD_CENTRAL, x, 0, NULL, NULL), AD_EINVAL);
    IS(ad_fd_jacobian(&fv, AD_REF_FD_MPFR, x, 0, J, NULL), AD_EUNSUPPORTED);
    fv = f;
    fv.f_double = NULL;
    IS(ad_fd_jacobian(&fv, AD_REF_FD_CENTRAL, x, 0, J, NULL), AD_EUNSUPPORTED);
    IS(ad_mpfr_jacobian(&f, x, 0, NULL, NULL), AD_EINVAL);
    IS(ad_cstep_jacobian(&f, x, NULL, NULL), AD_EINVAL);
    /* Recording does not nest: a thread that records cannot verify. */
    ad_tape *t = ad_tape_new();
    cr_assert(t != NULL);
    OK(ad_tape_begin(t));
    IS(ad_verify_gradient(&f, x, NULL, &r), AD_EINVAL);
    cr_expect(r == NULL);
    IS(ad_fd_jacobian(&f, AD_REF_FD_MPFR, x, 0, J, NULL), AD_EINVAL);
    OK(ad_tape_end(t));
    ad_tape_free(t);
    /* Printing. */
    OK(ad_verify_gradient(&f, x, NULL, &r));
    IS(ad_verify_print(NULL, r, AD_VERIFY_TABLE), AD_EINVAL);
    IS(ad_verify_print(stdout, NULL, AD_VERIFY_TABLE), AD_EINVAL);
    IS(ad_verify_print(stdout, r, (ad_verify_format)7), AD_EINVAL);
    /* A stream open for reading only: every write fails. */
    char path[] = "/tmp/admix_test_verify_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    FILE *ro = fopen(path, "r");
    cr_assert(ro != NULL);
    IS(ad_verify_print(ro, r, AD_VERIFY_CSV), AD_EIO);
    fclose(ro);
    remove(path);
    ad_verify_report_free(r);
    ad_verify_report_free(NULL);
}

/* The three formats hold what the report holds. */
Test(verify, print)
{
    ad_fn f = wide_fn(NULL);
    double x[3] = {0.7, -1.3, 2.385}, J[6];
    wide_jac(x, J);
    J[5] = -J[5];
    ad_verify_options o = {0};
    o.deriv = J;
    o.deriv_len = 6;
    ad_verify_report *r;
    OK(ad_verify_jacobian(&f, x, &o, &r));
    static char buf[3][65536];
    for (int fmt = 0; fmt < 3; fmt++) {
        FILE *fp = tmpfile();
        cr_assert(fp != NULL);
        OK(ad_verify_print(fp, r, (ad_verify_format)fmt));
        rewind(fp);
        size_t got = fread(buf[fmt], 1, sizeof buf[fmt] - 1, fp);
        buf[fmt][got] = '\0';
        fclose(fp);
        cr_expect(got > 0);
    }
    const char *t = buf[AD_VERIFY_TABLE], *c = buf[AD_VERIFY_CSV],
               *j = buf[AD_VERIFY_JSON];
    cr_expect(strstr(t, "verify jacobian of wide") && strstr(t, "FAIL") &&
                  strstr(t, "mpfr") && strstr(t, "(primary)") &&
                  strstr(t, "fd_richardson"),
              "%s", t);
    /* CSV: a header and one line per entry, the wrong one with pass 0. */
    int lines = 0;
    for (const char *s = c; *s; s++)
        lines += *s == '\n';
    cr_expect(lines == 7, "%d lines:\n%s", lines, c);
    cr_expect(strncmp(c, "i,j,tested,reference,", 21) == 0);
    const char *l5 = strstr(c, "\n1,2,");
    cr_expect(l5 != NULL);
    if (l5 != NULL) {
        char line[1024];
        sscanf(l5 + 1, "%1023[^\n]", line);
        /* The ninth field is pass. */
        const char *s = line;
        for (int k = 0; k < 8 && s; k++)
            s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL;
        cr_expect(s != NULL && s[0] == '0', "%s", line);
    }
    cr_expect(strstr(j, "\"what\": \"jacobian\"") &&
                  strstr(j, "\"tested\": \"user\"") &&
                  strstr(j, "\"pass\": false") &&
                  strstr(j, "\"worst\": [[1, 2]"),
              "%s", j);
    /* Balanced braces and brackets (a cheap well-formedness check). */
    int b = 0, k = 0;
    for (const char *s = j; *s; s++) {
        b += (*s == '{') - (*s == '}');
        k += (*s == '[') - (*s == ']');
        cr_expect(b >= 0 && k >= 0);
    }
    cr_expect(b == 0 && k == 0);
    ad_verify_report_free(r);
}

/* One thread and two give the same bits. */
Test(verify, threads)
{
#ifdef _OPENMP
    problem p[4];
    problems(p);
    const ad_fn *f = &p[3].f;
    const double *x = p[3].x;
    size_t len = f->n * f->m;
    static const unsigned kinds[] = {AD_REF_FD_FORWARD,  AD_REF_FD_CENTRAL,
                                     AD_REF_FD_5POINT,   AD_REF_FD_RICHARDSON,
                                     AD_REF_GSL_CENTRAL, AD_REF_FD_MPFR};
    double A[NMAX], B[NMAX], EA[NMAX], EB[NMAX];
    int saved = omp_get_max_threads();
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        omp_set_num_threads(1);
        OK(ad_fd_jacobian(f, kinds[k], x, 0, A, EA));
        omp_set_num_threads(2);
        OK(ad_fd_jacobian(f, kinds[k], x, 0, B, EB));
        cr_expect(memcmp(A, B, len * sizeof *A) == 0 &&
                      memcmp(EA, EB, len * sizeof *EA) == 0,
                  "%s", ad_ref_name(kinds[k]));
    }
    omp_set_num_threads(1);
    OK(ad_cstep_jacobian(f, x, NULL, A));
    omp_set_num_threads(2);
    OK(ad_cstep_jacobian(f, x, NULL, B));
    cr_expect(memcmp(A, B, len * sizeof *A) == 0, "cstep");
    omp_set_num_threads(1);
    OK(ad_mpfr_jacobian(f, x, 0, NULL, A));
    omp_set_num_threads(2);
    OK(ad_mpfr_jacobian(f, x, 0, NULL, B));
    cr_expect(memcmp(A, B, len * sizeof *A) == 0, "mpfr");
    vparams pr = {.n = 5, .m = 1};
    ad_fn fr = rosen_fn(&pr);
    double xr[5] = {-1.2, 1.0, 0.8, 1.3, 0.4};
    omp_set_num_threads(1);
    OK(ad_mpfr_hessian(&fr, xr, 0, A));
    OK(ad_fd_hessian(&fr, AD_REF_FD_RICHARDSON, xr, 0, EA, NULL));
    omp_set_num_threads(2);
    OK(ad_mpfr_hessian(&fr, xr, 0, B));
    OK(ad_fd_hessian(&fr, AD_REF_FD_RICHARDSON, xr, 0, EB, NULL));
    cr_expect(memcmp(A, B, 25 * sizeof *A) == 0, "mpfr hessian");
    cr_expect(memcmp(EA, EB, 25 * sizeof *A) == 0, "fd hessian");
    omp_set_num_threads(saved);
#else
    cr_skip_test("built without OpenMP");
#endif
}

/* Precision: a low one is accepted, and MPFR at 53 bits is no longer the
 * exact reference for a function with transcendental primitives. */
Test(verify, precision)
{
    problem p[4];
    problems(p);
    ad_verify_options o = {0};
    o.refs = AD_REF_MPFR | AD_REF_FD_MPFR;
    o.prec = 2;
    ad_verify_report *r;
    int rc = ad_verify_gradient(&p[0].f, p[0].x, &o, &r);
    cr_expect(rc == AD_OK || rc == AD_EDOM);
    if (r != NULL) {
        cr_expect(r->prec == 2 && r->primary == AD_REF_MPFR);
        ad_verify_report_free(r);
    }
    o.prec = 1024;
    OK(ad_verify_gradient(&p[1].f, p[1].x, &o, &r));
    cr_expect(r->pass && r->refs[1].max_ulp_err <= 1.0);
    ad_verify_report_free(r);
}

/* ---- the Taylor test and the step sweep ---------------------------------- */

Test(taylor, rates)
{
    problem p[4];
    problems(p);
    ad_taylor_result t;
    for (int q = 0; q < 3; q++) {
        OK(ad_taylor_test(&p[q].f, p[q].x, NULL, NULL, NULL, &t));
        cr_log_info("taylor %-14s rates min %.3g (no derivative), %.3g "
                    "(gradient), %.3g (Hessian)",
                    p[q].name, t.min_rate0, t.min_rate1, t.min_rate2);
        cr_expect(t.pass && t.second, "%s", p[q].name);
        cr_expect(fabs(t.min_rate0 - 1.0) < 0.1, "%.3g", t.min_rate0);
        cr_expect(t.min_rate1 > 1.9 && t.min_rate1 < 2.1, "%.3g", t.min_rate1);
        cr_expect(t.min_rate2 > 2.9 && t.min_rate2 < 3.1, "%.3g", t.min_rate2);
        cr_expect(t.eps[0] == 0.01 && t.eps[5] == 0.01 / 32);
    }
    /* A gradient with one wrong entry: rate 1. */
    double g[NMAX], hv[NMAX], d[NMAX];
    const ad_fn *f = &p[0].f;
    OK(ad_gradient(f, AD_REVERSE, p[0].x, NULL, g));
    /* The error must exceed eps |H d| at the smallest eps (3e-4) to leave
     * its mark: 5% of the largest entry. */
    double gmax = 0.0;
    for (size_t i = 0; i < f->n; i++)
        gmax = fmax(gmax, fabs(g[i]));
    g[3] += 0.05 * gmax;
    OK(ad_taylor_test(f, p[0].x, NULL, g, NULL, &t));
    cr_log_info("taylor rosenbrock, g[3] off by 5%%: rates %.3g %.3g %.3g "
                "%.3g %.3g",
                t.rate1[0], t.rate1[1], t.rate1[2], t.rate1[3], t.rate1[4]);
    cr_expect(!t.pass && t.min_rate1 < 1.5, "%.3g", t.min_rate1);
    /* A wrong Hessian-vector product: rate 2 with the Hessian term. */
    g[3] -= 0.05 * gmax;
    for (size_t i = 0; i < f->n; i++)
        d[i] = 0.5 - 0.1 * (double)i;
    OK(ad_hvp(f, AD_FOR_REV, p[0].x, d, hv));
    OK(ad_taylor_test(f, p[0].x, d, g, hv, &t));
    cr_expect(t.pass, "%.3g %.3g", t.min_rate1, t.min_rate2);
    hv[2] += 0.5;
    OK(ad_taylor_test(f, p[0].x, d, g, hv, &t));
    cr_log_info("taylor rosenbrock, hv[2] off by 0.5: rates %.3g %.3g %.3g "
                "%.3g %.3g",
                t.rate2[0], t.rate2[1], t.rate2[2], t.rate2[3], t.rate2[4]);
    cr_expect(!t.pass && t.min_rate2 < 2.5, "%.3g", t.min_rate2);
    /* Errors. */
    IS(ad_taylor_test(f, p[0].x, NULL, NULL, NULL, NULL), AD_EINVAL);
    IS(ad_taylor_test(&p[3].f, p[3].x, NULL, NULL, NULL, &t), AD_EINVAL);
    d[1] = NAN;
    IS(ad_taylor_test(f, p[0].x, d, NULL, NULL, &t), AD_EINVAL);
}

Test(fd, sweep)
{
    problem p[4];
    problems(p);
    ad_fd_sweep_result s;
    for (int q = 0; q < 4; q++) {
        OK(ad_fd_sweep(&p[q].f, p[q].x, 0, &s));
        /* Speelpenning is linear in each x_j and Rosenbrock a quartic:
         * their differences along a coordinate are exact (Speelpenning's
         * all, Rosenbrock's 5-point) up to rounding, which grows as the
         * step shrinks; no V there. */
        cr_log_info("sweep %-14s best forward %.2e at %.0e, central %.2e at "
                    "%.0e, 5-point %.2e at %.0e",
                    p[q].name, s.best_forward, s.best_h_forward, s.best_central,
                    s.best_h_central, s.best_5point, s.best_h_5point);
        /* The V: the best step lies inside the range, both ends are worse
         * by orders of magnitude, and the optima are where theory puts them
         * (within two decades). */
        cr_expect(s.h[0] == 0.1 && fabs(s.h[15] - 1e-16) < 1e-30);
        if (q == 1) {
            cr_expect(s.best_h_central == 0.1 && s.best_central < 1e-14);
            continue;
        }
        cr_expect(s.err_forward[15] > 1e3 * s.best_forward);
        if (q == 0) {
            cr_expect(s.best_h_5point == 0.1 && s.best_5point < 1e-14);
            continue;
        }
        cr_expect(s.err_central[0] > 1e3 * s.best_central);
        cr_expect(s.err_central[15] > 1e3 * s.best_central);
        cr_expect(s.best_forward < 1e-6 && s.best_central < 1e-9 &&
                  s.best_5point < 1e-11);
        cr_expect(s.best_h_forward >= 1e-10 && s.best_h_forward <= 1e-6);
        cr_expect(s.best_h_central >= 1e-7 && s.best_h_central <= 1e-3);
        cr_expect(s.best_h_5point >= 1e-5 && s.best_h_5point <= 1e-1);
    }
    FILE *fp = tmpfile();
    cr_assert(fp != NULL);
    OK(ad_fd_sweep_print(fp, &s));
    rewind(fp);
    char buf[4096] = {0};
    size_t got = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    cr_expect(got > 0 && strstr(buf, "1.0e-16") && strstr(buf, "# best"));
    IS(ad_fd_sweep(&p[0].f, p[0].x, 1, &s), AD_EINVAL);
    IS(ad_fd_sweep(&p[0].f, p[0].x, 0, NULL), AD_EINVAL);
    IS(ad_fd_sweep_print(NULL, &s), AD_EINVAL);
}

/* Lorenz: the Jacobian of 100 Runge-Kutta steps (a 3 x 3 flow map), by
 * forward and reverse mode, against MPFR; the complex step and the finite
 * differences alongside.  The AD Jacobians are NOT within 8 ulps entrywise
 * (about 20: every entry is a long sum of products that cancel), but
 * within the normwise clause. */
Test(verify, lorenz)
{
    vparams pl = {.n = 100, .m = 3};
    ad_fn f = lorenz_fn(&pl);
    double x[3] = {1.2, -0.7, 23.85};
    static const ad_mode modes[] = {AD_FORWARD, AD_REVERSE};
    for (int k = 0; k < 2; k++) {
        ad_verify_options o = {0};
        o.mode = modes[k];
        ad_verify_report *r;
        OK(ad_verify_jacobian(&f, x, &o, &r));
        cr_log_info("lorenz %-8s max %.3g ulp entrywise (%zu/%zu within 8), "
                    "%.3g normwise",
                    ad_mode_name(modes[k]), r->max_ulp_err, r->n_ulp_ok,
                    r->nentries, r->max_norm_ulp_err);
        cr_expect(r->pass, "%zu failures", r->nfail);
        for (size_t i = 0; i < r->nrefs; i++) {
            const ad_verify_ref *q = &r->refs[i];
            cr_log_info("lorenz   %-14s normwise rel %.3g, max %.3g ulp, "
                        "max estimate %.3g (abs error %.3g)",
                        ad_ref_name(q->kind), q->norm_err, q->max_ulp_err,
                        q->max_est, q->max_abs_err);
            /* The steps scale with max(1, |x_j|) = 23.85 for z, which is
             * not the scale on which the flow varies: the 5-point step
             * (eps^(1/5) 23.85 = 0.018) truncates at ~1e-8. */
            cr_expect(q->status == AD_OK && q->norm_err <= 1e-7, "%s %.3g",
                      ad_ref_name(q->kind), q->norm_err);
            if (q->kind == AD_REF_CSTEP && k == 0)
                cr_expect(q->max_ulp_err <= 64.0 || q->norm_err <= 1e-14);
        }
        ad_verify_report_free(r);
    }
}
